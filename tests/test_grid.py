"""The grid ledger (issue 22): grids and buildings with their leaders, a problem recorded for a
resident, dispatched by the district's rule, sent back, dispatched again, accepted, progressed,
closed, rated and reopened once; escalation past the deadline on the injected clock; the reporter's
private details; dispatch rules that may not overlap; two dispatches at once."""
import io
import threading
from datetime import date, timedelta

import pytest
from werkzeug.datastructures import FileStorage

from market.audit.models import AuditEvent
from market.core.errors import InvalidTransition, PermissionDenied, ServiceError
from market.core.unit import command
from market.extensions import db
from market.grid import access, dispatch_rules, grids, problems, transfers
from market.grid.models import Problem, ProblemNote
from market.needs import needs, timeline
from market.needs.models import Need
from market.notifications.models import Notification
from market.organizations.models import ServiceCategory
from tests.factories import run_at_once, user, xlsx


@pytest.fixture
def ledger(grid_ledger):
    return grid_ledger


def _record(leader, building, **changes) -> Problem:
    data = problems.ProblemData(community_id=None, building_id=building, address="东侧楼道", category="sanitation",
                                urgency="normal", summary="楼道堆放杂物三个月无人清理", reporter_name="陈阿姨",
                                reporter_phone="13912345678")
    for name, value in changes.items():
        setattr(data, name, value)
    return problems.record_problem(leader, data)


def test_a_problem_from_record_to_rating(app, ledger, frozen):
    with command(app):
        problem = _record(user(ledger["leader"]), ledger["building"])
        pid = problem.id
        assert problem.status == "recorded" and problem.grid_id == ledger["grid"]
        assert problems.default_body(problem)[0] == f"department:{ledger['city_management']}"
        problems.dispatch(user(ledger["worker"]), problem, f"department:{ledger['city_management']}")
        # dispatched on Sunday 22 November at 10:00: three working days end on Wednesday the 25th
        assert problem.due_at.isoformat() == "2026-11-25T02:00:00"
        assert problem.current_dispatch.respond_by.isoformat() == "2026-11-23T02:00:00"
        assert [n.user_id for n in db.session.scalars(db.select(Notification).filter_by(
            kind="problem_dispatched"))] == [ledger["city"]]
    frozen.advance(hours=3)
    with command(app):
        problem = problems.get_problem(pid)
        with pytest.raises(ServiceError):
            problems.send_back(user(ledger["city"]), problem, "")
        problems.send_back(user(ledger["city"]), problem, "楼道杂物属物业管理范围，请社区协调")
        assert problem.status == "returned" and problem.current_dispatch.answer == "returned"
        assert db.session.scalar(db.select(Notification.user_id).filter_by(kind="problem_returned")) == ledger["worker"]
        problems.dispatch(user(ledger["worker"]), problem, f"community:{ledger['community']}", "请网格员协调清理")
        assert problem.due_at.isoformat() == "2026-11-25T02:00:00"  # a re-dispatch keeps the item's deadline
        problems.accept(user(ledger["worker"]), problem)
        problems.add_progress(user(ledger["worker"]), problem, "已联系住户，约定周二清理")
        problems.close(user(ledger["worker"]), problem, "resolved", "杂物已清走，楼道已打扫")
        assert problem.status == "closed" and problem.closed_at is not None
        assert db.session.scalar(db.select(Notification.user_id).filter_by(kind="problem_closed")) == ledger["leader"]
        with pytest.raises(PermissionDenied):
            problems.rate(user(ledger["stranger"]), problem, "satisfied")
        problems.rate(user(ledger["leader"]), problem, "fairly_satisfied", "陈阿姨说基本满意")
        assert problem.status == "rated"
        steps = [s.kind for s in problems.timeline(problem)]
        assert steps == ["recorded", "dispatched", "returned", "dispatched", "accepted", "progress", "closed", "rated"]
        # the timeline and the audit chain never carry the reporter's name or phone
        words = " ".join(s.words for s in problems.timeline(problem))
        assert "陈阿姨" not in words and "13912345678" not in words
    with command(app):  # the chain is written at commit
        audited = [e.action for e in db.session.scalars(  # in the order written: PostgreSQL keeps no other
            db.select(AuditEvent).filter_by(subject_type="problem").order_by(AuditEvent.id))]
        assert audited == ["problem.dispatch", "problem.dispatched", "problem.returned", "problem.dispatch",
                           "problem.dispatched", "problem.accepted", "problem.progress", "problem.closed",
                           "problem.rated"]
        payloads = " ".join(str(e.payload) for e in db.session.scalars(db.select(AuditEvent)))
        assert "13912345678" not in payloads and "陈阿姨" not in payloads


def test_rating_a_rated_problem_answers_with_what_happened_and_reopens_once(app, ledger, frozen):
    with command(app):
        problem = _record(user(ledger["leader"]), ledger["building"], category="neighbours")
        problems.dispatch(user(ledger["worker"]), problem, f"community:{ledger['community']}")
        problems.accept(user(ledger["worker"]), problem)
        problems.close(user(ledger["worker"]), problem, "unresolved", "双方未达成一致，建议走法律途径")
        with pytest.raises(PermissionDenied):  # the community did the work: it does not rate it
            problems.rate(user(ledger["worker"]), problem, "satisfied")
        problems.rate(user(ledger["leader"]), problem, "unsatisfied")
        with pytest.raises(InvalidTransition):
            problems.close(user(ledger["worker"]), problem, "resolved", "再次办结")
        problems.reopen(user(ledger["leader"]), problem, "双方仍在争吵，需要再调解")
        assert problem.status == "reopened" and problem.rating == ""
        problems.dispatch(user(ledger["worker"]), problem, f"department:{ledger['city_management']}")
        problems.accept(user(ledger["city"]), problem)
        problems.close(user(ledger["city"]), problem, "resolved", "人民调解委员会调解成功")
        with pytest.raises(InvalidTransition) as refused:
            problems.reopen(user(ledger["leader"]), problem, "还是不行")
        assert refused.value.code == "reopened_once"
        pid = problem.id
    frozen.advance(days=1)
    with command(app):
        problem = problems.get_problem(pid)
        problems.rate(user(ledger["worker"]), problem, "satisfied")  # the community's 回访, for the resident
        with pytest.raises(InvalidTransition) as refused:
            problems.rate(user(ledger["leader"]), problem, "satisfied")
        assert "王丽华" in refused.value.message  # who rated it, and when


def test_a_registered_resident_is_told_and_rates_it_themselves(app, ledger, client):
    with command(app):
        with pytest.raises(ServiceError) as refused:
            _record(user(ledger["leader"]), ledger["building"], reporter_email="stranger@example.cn")
        assert refused.value.code == "not_a_resident"
        problem = _record(user(ledger["leader"]), ledger["building"], reporter_email="resident@example.cn",
                          reporter_name="", reporter_phone="")
        assert problem.reporter_id == ledger["resident"] and problem.reporter_phone == ""
        assert db.session.scalar(db.select(Notification.user_id).filter_by(kind="problem_recorded")) == \
            ledger["resident"]
        problems.dispatch(user(ledger["worker"]), problem, f"department:{ledger['city_management']}")
        problems.accept(user(ledger["city"]), problem)
        problems.close(user(ledger["city"]), problem, "resolved", "垃圾已清运完毕")
        with pytest.raises(PermissionDenied):  # a registered reporter rates for themselves
            problems.rate(user(ledger["leader"]), problem, "satisfied")
        problems.rate(user(ledger["resident"]), problem, "satisfied")
        # in public the resident is "the resident": on the timeline and on the audit chain
        assert [s.who for s in problems.timeline(problem)][-1] == "居民"
        pid = problem.id
    with command(app):
        rated = db.session.scalar(db.select(AuditEvent).filter_by(subject_type="problem", action="problem.rated"))
        assert rated.actor_id is None
    page = client.get(f"/grid/problems/{pid}").get_data(as_text=True)
    assert "张晓梅" not in page and "居民" in page


def test_who_may_record_and_act(app, ledger):
    with command(app):
        with pytest.raises(PermissionDenied):
            _record(user(ledger["stranger"]), ledger["building"])
        with pytest.raises(PermissionDenied):  # a building leader records for their own building
            _record(user(ledger["leader"]), ledger["other_building"])
        with pytest.raises(ServiceError) as refused:
            _record(user(ledger["leader"]), ledger["building"], summary="脏", reporter_phone="abc", category="x")
        assert {e.field for e in refused.value.errors} == {"summary", "reporter_phone", "category"}
        problem = _record(user(ledger["leader"]), ledger["building"])
        for person in ("leader", "stranger", "city"):
            with pytest.raises(PermissionDenied):
                problems.dispatch(user(ledger[person]), problem, f"community:{ledger['community']}")
        with pytest.raises(ServiceError) as refused:
            problems.dispatch(user(ledger["worker"]), problem, "department:999999")
        assert refused.value.code == "not_a_choice"
        problems.dispatch(user(ledger["worker"]), problem, f"department:{ledger['city_management']}")
        with pytest.raises(InvalidTransition):  # with the city-management bureau already
            problems.dispatch(user(ledger["worker"]), problem, f"community:{ledger['community']}")
        with pytest.raises(PermissionDenied):
            problems.accept(user(ledger["worker"]), problem)
        assert access.reads_private(user(ledger["city"]), problem)
        assert not access.reads_private(user(ledger["stranger"]), problem)
        assert not access.reads_private(user(ledger["resident"]), problem)


def test_two_dispatches_at_the_same_moment_make_one(app, ledger):
    """Both read the problem waiting for dispatch, then both dispatch it: the conditional UPDATE of its
    dispatch count lets one through; the other is told who dispatched it."""
    with command(app):
        pid = _record(user(ledger["leader"]), ledger["building"]).id
    loaded = threading.Barrier(2)

    def dispatch_to(body):
        def call():
            problem, worker = problems.get_problem(pid), user(ledger["worker"])
            assert problem.status == "recorded" and problem.dispatches == []  # read before either dispatches
            loaded.wait()
            return problems.dispatch(worker, problem, body)
        return call

    results = run_at_once(app, [dispatch_to(f"department:{ledger['city_management']}"),
                                dispatch_to(f"community:{ledger['community']}")])
    refused = [r for r in results if isinstance(r, ServiceError)]
    assert len(refused) == 1 and refused[0].code == "already_dispatched", results
    with command(app):
        problem = problems.get_problem(pid)
        assert problem.dispatch_count == 1 and len(problem.dispatches) == 1 and problem.status == "dispatched"


def test_an_answer_and_a_re_dispatch_at_the_same_moment_make_one(app, ledger, frozen):
    """Past its deadline the street dispatches the problem again while the bureau accepts it: the
    bureau's answer holds only if it is still its dispatch."""
    with command(app):
        problem = _record(user(ledger["leader"]), ledger["building"], urgency="urgent")
        problems.dispatch(user(ledger["worker"]), problem, f"department:{ledger['city_management']}")
        pid, due, street = problem.id, problem.due_at, problem.community.street_id
    frozen.at = due + timedelta(minutes=1)
    with command(app):
        problems.escalate_due()
    loaded = threading.Barrier(2)

    def as_(person, act):
        def call():
            problem, actor = problems.get_problem(pid), user(ledger[person])
            assert problem.status == "dispatched" and len(problem.dispatches) == 1
            loaded.wait()
            return act(actor, problem)
        return call

    results = run_at_once(app, [as_("city", problems.accept),
                                as_("street", lambda actor, p: problems.dispatch(actor, p, f"street:{street}"))])
    assert sum(isinstance(r, ServiceError) for r in results) == 1, results
    with command(app):
        problem = problems.get_problem(pid)
        answered = [d.answer for d in problem.dispatches]
        # either the bureau accepted its dispatch (and the street's re-dispatch was refused), or the
        # street has it now, unanswered, and the bureau's answer was refused
        assert (problem.status, answered) in (("accepted", ["accepted"]), ("dispatched", ["", ""]))


def test_past_the_deadline_it_goes_to_the_street_then_the_district(app, ledger, frozen):
    with command(app):
        problem = _record(user(ledger["leader"]), ledger["building"], urgency="urgent")
        problems.dispatch(user(ledger["worker"]), problem, f"department:{ledger['city_management']}")
        problems.accept(user(ledger["city"]), problem)
        pid, due = problem.id, problem.due_at
        assert problems.escalate_due() == 0
    frozen.at = due + timedelta(minutes=1)
    with command(app):
        assert problems.escalate_due() == 1 and problems.escalate_due() == 0  # once per level
        problem = problems.get_problem(pid)
        assert problem.level == 1 and problem.overdue_at is not None and problems.lateness(problem) == {"due"}
        assert db.session.scalar(db.select(Notification.user_id).filter_by(kind="problem_escalated")) == \
            ledger["street"]
        # the street's staff may dispatch it again (or take it over); the community no longer
        with pytest.raises(PermissionDenied):
            problems.dispatch(user(ledger["worker"]), problem, f"community:{ledger['community']}")
        assert f"street:{problem.community.street_id}" in dict(problems.dispatch_choices(user(ledger["street"]),
                                                                                           problem))
    frozen.at = due + timedelta(hours=48, minutes=2)
    with command(app):
        assert problems.escalate_due() == 1
        problem = problems.get_problem(pid)
        assert problem.level == 2
        problems.dispatch(user(ledger["district_staff"]), problem, f"district:{ledger['district']}", "区级督办")
        problems.accept(user(ledger["district_staff"]), problem)
        problems.close(user(ledger["district_staff"]), problem, "resolved", "区城管执法队已清运")
        kinds = [n.kind for n in db.session.scalars(db.select(ProblemNote).filter_by(problem_id=pid)
                                                    .order_by(ProblemNote.id))]
        assert kinds == ["overdue", "escalated", "escalated"]


def test_a_problem_left_waiting_for_a_dispatch_goes_up_too(app, ledger, frozen):
    """A community that never dispatches a problem does not hide it: past `dispatch_hours` (24) it is
    flagged and goes to the street, then the district; a dispatch ends the wait."""
    with command(app):
        waiting = _record(user(ledger["leader"]), ledger["building"])
        dispatched = _record(user(ledger["leader"]), ledger["building"], summary="楼道灯不亮已经一周了")
        problems.dispatch(user(ledger["worker"]), dispatched, f"department:{ledger['city_management']}")
        assert waiting.dispatch_by == frozen.now() + timedelta(hours=24) and dispatched.dispatch_by is None
        pid, other = waiting.id, dispatched.id
    frozen.advance(hours=23, minutes=59)
    with command(app):
        assert problems.escalate_due() == 0
    frozen.advance(minutes=2)
    with command(app):
        assert problems.escalate_due() == 1  # the dispatched one has its own deadline, three working days
        problem = problems.get_problem(pid)
        assert problem.level == 1 and problems.lateness(problem) == {"dispatch"}
        assert [s.kind for s in problems.timeline(problem)][-2:] == ["undispatched", "escalated"]
        assert problems.get_problem(other).level == 0
    frozen.advance(hours=48)
    with command(app):  # to the district; and the dispatched one, due on Wednesday at 10:00, to the street
        assert problems.escalate_due() == 2
        problem = problems.get_problem(pid)
        assert problem.level == 2 and problems.get_problem(other).level == 1
        problems.dispatch(user(ledger["district_staff"]), problem, f"district:{ledger['district']}")
        assert problem.dispatch_by is None and problems.lateness(problem) == set()
        # sent back, it waits for a dispatch again, with a new time to dispatch it
        problems.send_back(user(ledger["city"]), problems.get_problem(other), "不属于城管职责范围")
    with command(app):
        returned = problems.get_problem(other)
        assert returned.status == "returned" and returned.dispatch_by == frozen.now() + timedelta(hours=24)


def test_private_details_are_deleted_after_the_retention(app, ledger, frozen):
    with command(app):
        problem = _record(user(ledger["leader"]), ledger["building"], category="neighbours")
        problems.dispatch(user(ledger["worker"]), problem, f"community:{ledger['community']}")
        problems.accept(user(ledger["worker"]), problem)
        problems.close(user(ledger["worker"]), problem, "resolved", "调解成功")
        pid = problem.id
    frozen.advance(days=180)
    with command(app):
        assert problems.purge_private_details() == 0
    frozen.advance(days=1)
    with command(app):
        assert problems.purge_private_details() == 1
        problem = problems.get_problem(pid)
        assert (problem.reporter_name, problem.reporter_phone) == ("", "") and problem.private_deleted_at


def test_dispatch_rules_may_not_overlap(app, ledger):
    def rule(start, until=None, category="sanitation"):
        return dispatch_rules.RuleData(district_id=ledger["district"], category=category, effective_from=start,
                                       effective_until=until, body_kind="community", body_id=None, respond_hours=12,
                                       urgent_amount=12, urgent_unit="hours", normal_amount=2,
                                       normal_unit="working_days")

    with command(app):
        with pytest.raises(ServiceError) as refused:
            dispatch_rules.add_rule(user(ledger["admin"]), rule(date(2027, 1, 1)))
        assert refused.value.code == "overlapping_rule"
        with pytest.raises(PermissionDenied):
            dispatch_rules.add_rule(user(ledger["worker"]), rule(date(2027, 1, 1)))
        first = dispatch_rules.rule_in_force(ledger["district"], "sanitation")
        dispatch_rules.end_rule(user(ledger["district_staff"]), first, date(2027, 1, 1))
        with pytest.raises(ServiceError):  # still overlapping by a day
            dispatch_rules.add_rule(user(ledger["admin"]), rule(date(2026, 12, 31)))
        second = dispatch_rules.add_rule(user(ledger["admin"]), rule(date(2027, 1, 1)))
        assert second.version == 2
        assert dispatch_rules.rule_in_force(ledger["district"], "sanitation", date(2026, 12, 31)).version == 1
        assert dispatch_rules.rule_in_force(ledger["district"], "sanitation", date(2027, 1, 1)).version == 2
        with pytest.raises(ServiceError) as refused:
            dispatch_rules.add_rule(user(ledger["admin"]), dispatch_rules.RuleData(
                district_id=ledger["district"], category="noise", effective_from=date(2027, 1, 1),
                effective_until=date(2026, 1, 1), body_kind="department", body_id=None, respond_hours=0,
                urgent_amount=1, urgent_unit="days", normal_amount=1, normal_unit="hours"))
        assert {e.field for e in refused.value.errors} == {"body", "effective_until", "respond_hours", "urgent_unit"}


def test_grids_buildings_and_leaders(app, ledger):
    with command(app):
        worker = user(ledger["worker"])
        with pytest.raises(ServiceError):
            grids.add_grid(worker, ledger["community"], "一片区")
        with pytest.raises(PermissionDenied):
            grids.add_grid(user(ledger["stranger"]), ledger["community"], "二片区")
        for email, code in (("leader@example.cn", "role_held"), ("nobody@example.cn", "no_such_person")):
            with pytest.raises(ServiceError) as refused:
                grids.appoint(worker, email, building=grids.get_building(ledger["building"]))
            assert refused.value.code == code
        grids.appoint(worker, "stranger@example.cn", grid=grids.get_grid(ledger["grid"]))
        leaders = grids.leaders_of(ledger["community"])
        assert [u.display_name for u in leaders[("grid", ledger["grid"])]] == ["周杰"]
        assert [u.display_name for u in leaders[("building", ledger["building"])]] == ["李秀英"]
        choices = grids.building_choices(user(ledger["leader"]), ledger["community"])
        assert dict(choices) == {ledger["building"]: "一片区 3幢"}
        assert len(grids.building_choices(worker, ledger["community"])) == 2


def test_the_demo_months_rates_match_the_figures_worked_out_by_hand(app, demo_seeded):
    """November 2026 in the demo (market/demo/grid.py, seeded on Sunday 22 November at 10:00), from
    its table of problems and 姑苏区's rules:
    - response: the 21 problems dispatched in November (the 1st's 1幢 charger to the 21st's 8幢 lift)
      made 22 dispatches (6幢's dancing went back once). Late: 2幢's door lock (answered after 19 h of
      12), 1幢's lawn (58 h of 48), 5幢's sorting kiosk (29 h of 24); unanswered past their time: 2幢's
      tree, 3幢's paving, 8幢's lift. 16 of 22: 72.7 %;
    - resolution: of those 21 problems, resolved: the charger, door lock, fitness equipment, septic tank,
      dancing, roof leak, manhole, lawn, bicycle shed, sorting kiosk, fire hose and basement: 12 (the
      chickens were reopened; the lamp, air conditioner, parking dispute, rubbish, tree, door closer,
      paving and lift are open): 57.1 %;
    - satisfaction: ratings given in November: 14, those of the month's first eleven problems but the
      sorting kiosk and the basement (the chickens' "not satisfied" counts, though they were reopened
      since) and three of October's (8幢's parking, "not satisfied"; 4幢's tree and 7幢's leak): 12 of 14:
      85.7 %.
    By body: the city-management bureau 7/11 in time, 5/10 resolved, 5/5 satisfied; the company 3/5, 3/5,
    2/2; the community 6/6, 4/6, 5/7; ranked by resolution: the community, the company, the bureau."""
    from datetime import date

    from market.grid import rates

    with command(app):
        november = date(2026, 11, 1)
        (street,) = rates.monthly(november, "street")
        assert (street.name, street.dispatched, street.answered_in_time, street.handled, street.resolved,
                street.rated, street.satisfied) == ("平江街道", 22, 16, 21, 12, 14, 12)
        assert (street.response, street.resolution, street.satisfaction) == (72.7, 57.1, 85.7)
        bodies = rates.monthly(november, "body")
        assert [(r.rank, r.name, r.answered_in_time, r.dispatched, r.resolved, r.handled, r.satisfied, r.rated)
                for r in bodies] == [(1, "桐芳社区", 6, 6, 4, 6, 5, 7),
                                     (2, "苏州平江物业服务有限公司", 3, 5, 3, 5, 2, 2),
                                     (3, "姑苏区城市管理局", 7, 11, 5, 10, 5, 5)]
        (community,) = rates.monthly(november, "community")
        assert (community.name, community.handled, community.resolved) == ("桐芳社区", 21, 12)
        assert rates.monthly(date(2026, 9, 1), "street") == []
        assert rates.months_with_problems() == [november, date(2026, 10, 1)]


def test_a_resident_names_their_building_and_civil_affairs_grants_street_staff(app, ledger, client, login, places):
    from market.accounts import services as accounts
    from market.accounts.models import RoleGrant

    with command(app):
        with pytest.raises(PermissionDenied):  # not a verified resident
            accounts.name_building(user(ledger["stranger"]), ledger["building"])
        with pytest.raises(ServiceError):
            accounts.name_building(user(ledger["resident"]), 999999)
        assert accounts.name_building(user(ledger["resident"]), ledger["building"]).building_id == ledger["building"]
    login("resident@example.cn")
    page = client.get("/residence").get_data(as_text=True)
    assert 'data-test="building-form"' in page and "一片区 3幢" in page
    client.post("/logout", data={"csrf_token": client.token("/")})
    login("admin@example.cn")
    none = {"community_id": 0, "department_id": 0, "organization_id": 0, "district_id": 0}
    client.submit(f"/admin/users/{ledger['stranger']}", {**none, "role": "street_staff", "street_id": places["street"]})
    with command(app):
        grant = db.session.scalar(db.select(RoleGrant).filter_by(user_id=ledger["stranger"], role="street_staff"))
        assert grant.street_id == places["street"] and grant.bound_to.endswith("平江街道")


def test_working_days_are_counted_on_beijing_dates(app, ledger, frozen):
    """Saturday 28 November at 07:00 in Beijing is still Friday in UTC: one working day from then is
    Monday 07:00 in Beijing (counted on UTC dates it would be Tuesday)."""
    from datetime import datetime

    with command(app):
        dispatch_rules.add_rule(user(ledger["admin"]), dispatch_rules.RuleData(
            district_id=ledger["district"], category="noise", effective_from=date(2026, 1, 1), effective_until=None,
            body_kind="community", body_id=None, respond_hours=12, urgent_amount=12, urgent_unit="hours",
            normal_amount=1, normal_unit="working_days"))
    frozen.at = datetime(2026, 11, 27, 23, 0)  # Saturday 07:00 in Beijing
    with command(app):
        problem = _record(user(ledger["leader"]), ledger["building"], category="noise")
        problems.dispatch(user(ledger["worker"]), problem, f"community:{ledger['community']}")
        assert problem.due_at == datetime(2026, 11, 29, 23, 0)  # Monday 30 November, 07:00 in Beijing


def test_grids_and_buildings_from_a_spreadsheet(app, ledger, client, login):
    """Every bad row is reported and nothing is saved; a good sheet adds what is missing and updates
    a known building's address."""
    import io

    url = f"/grid/communities/{ledger['community']}"
    login("worker@example.cn")

    def upload(name, data):
        return client.submit(url, {"form": "import", "import-file": (io.BytesIO(data), name)}, form_url=url,
                             content_type="multipart/form-data", follow_redirects=True).get_data(as_text=True)

    page = upload("网格.xlsx", xlsx([["片区", "楼栋", "地址"], ["二片区", "", "平江路200号"], ["一片区", "3幢", ""],
                                    ["一片区", "3幢", "重复"], ["x" * 41, "9幢", ""]]))
    errors = page.split('data-test="import-errors"')[1].split("</table>")[0]
    assert errors.count("<tr><td>") == 3  # row 2's empty building, row 4's repeat, row 5's long grid name
    with command(app):
        assert len(grids.community_grids(ledger["community"])) == 1  # nothing saved
    page = upload("网格.csv", "片区,楼栋,地址\n一片区,3幢,平江路100号东\n二片区,5幢,\n二片区,6幢,\n".encode())
    assert 'data-test="import-errors"' not in page
    with command(app):
        found = {g.name: {b.name: b.address for b in g.buildings} for g in grids.community_grids(ledger["community"])}
    assert found == {"一片区": {"3幢": "平江路100号东", "5幢": ""}, "二片区": {"5幢": "", "6幢": ""}}
    assert 'data-test="import-errors"' in upload("网格.txt", b"x")  # not a spreadsheet: said, nothing read


def test_a_problem_becomes_a_need_and_a_need_becomes_a_problem_keeping_their_history(app, ledger, client, login):
    """Meals for an old man are a service need, a broken lamp a problem to dispatch: the community's
    workers move each to the other side with a reason; the first record ends saying where it went, the
    new one starts saying where it came from, the resident follows it as theirs, its photos go along."""
    photo = FileStorage(io.BytesIO(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64), "老人家厨房.png", content_type="image/png")
    with command(app):
        elderly = db.session.scalar(db.select(ServiceCategory.id).filter_by(code="elderly"))
        problem = problems.record_problem(user(ledger["leader"]), problems.ProblemData(
            community_id=None, building_id=ledger["building"], address="", category="neighbours", urgency="urgent",
            summary="独居老人做饭困难想要送餐", reporter_email="resident@example.cn"), [photo])
        pid = problem.id
        for person in ("leader", "stranger", "city"):
            with pytest.raises(PermissionDenied):
                transfers.problem_to_need(user(ledger[person]), problem, "独居老人午餐送餐", "每天中午需要一顿热饭",
                                          elderly, "这是服务需求")
        with pytest.raises(ServiceError) as refused:
            transfers.problem_to_need(user(ledger["worker"]), problem, "独居老人午餐送餐", "每天中午需要一顿热饭",
                                      elderly, "")
        assert refused.value.field == "reason"
        with pytest.raises(ServiceError) as refused:  # the need's own rules: a description of 10 characters
            transfers.problem_to_need(user(ledger["worker"]), problem, "独居老人午餐送餐", "送饭", elderly,
                                      "这是服务需求")
        assert refused.value.field == "description"
        need = transfers.problem_to_need(user(ledger["worker"]), problem, "独居老人午餐送餐",
                                         "老人八十二岁，每天中午需要一顿热饭", elderly, "助餐是服务需求，转入需求清单")
        nid = need.id
        assert (need.author_id, need.status, need.urgency) == (ledger["resident"], "open", "urgent")
        assert [p.stored_name for p in need.photos] == [p.stored_name for p in problem.photos]
        assert problem.status == "to_need" and problem.to_need_id == nid
        assert [e.kind for e in timeline.for_need(need)] == ["need_from_problem"]
        assert "need_from_problem" in {n.kind for n in db.session.scalars(db.select(Notification).filter_by(
            user_id=ledger["resident"]))}
        with pytest.raises(InvalidTransition):  # it has left the ledger
            problems.dispatch(user(ledger["worker"]), problem, f"community:{ledger['community']}")
        # a problem some body has taken on stays in the ledger
        taken = _record(user(ledger["leader"]), ledger["building"])
        problems.dispatch(user(ledger["worker"]), taken, f"department:{ledger['city_management']}")
        with pytest.raises(InvalidTransition) as refused:
            transfers.problem_to_need(user(ledger["worker"]), taken, "楼道杂物", "楼道堆放杂物三个月", elderly,
                                      "试试看")
        assert refused.value.code == "not_waiting"

        lamp = needs.post_need(user(ledger["resident"]), needs.NeedData(
            "东门路灯坏了一个月", "东门进来第二根路灯不亮，晚上很黑", elderly, "high", 200))
        lamp_id = lamp.id
        for person in ("leader", "stranger", "resident"):
            with pytest.raises(PermissionDenied):
                transfers.need_to_problem(user(ledger[person]), lamp, "东门路灯不亮", "facilities", "normal", None,
                                          "东门", "路灯归城管")
        with pytest.raises(ServiceError) as refused:  # the ledger's own rules: where it is
            transfers.need_to_problem(user(ledger["worker"]), lamp, "东门路灯不亮", "facilities", "normal", None, "",
                                      "路灯维修由城管负责")
        assert refused.value.field == "address"
        moved = transfers.need_to_problem(user(ledger["worker"]), lamp, "东门路灯不亮", "facilities", "normal", None,
                                          "东门内第二根路灯", "路灯维修由城管负责，转入问题台账")
        moved_id = moved.id
        assert (moved.status, moved.reporter_id, moved.channel, moved.from_need_id) == (
            "recorded", ledger["resident"], "need", lamp_id)
        assert lamp.status == "moved_out" and [e.kind for e in timeline.for_need(lamp)][-1] == "need_to_problem"
        with pytest.raises(InvalidTransition) as refused:
            transfers.need_to_problem(user(ledger["worker"]), lamp, "东门路灯不亮", "facilities", "normal", None,
                                      "东门", "再转一次")
        assert refused.value.code == "not_open"
    # each page says where the other side is; the need page offers its worker the move
    assert f"/needs/{nid}" in client.get(f"/grid/problems/{pid}").get_data(as_text=True)
    assert f"/grid/problems/{pid}" in client.get(f"/needs/{nid}").get_data(as_text=True)
    assert f"/needs/{lamp_id}" in client.get(f"/grid/problems/{moved_id}").get_data(as_text=True)
    assert f"/grid/problems/{moved_id}" in client.get(f"/needs/{lamp_id}").get_data(as_text=True)
    login("stranger@example.cn")
    assert client.get(f"/grid/needs/{nid}/to-problem").status_code == 403
    client.submit("/logout", {})
    login("worker@example.cn")
    assert f"/grid/needs/{nid}/to-problem" in client.get(f"/needs/{nid}").get_data(as_text=True)
    assert client.get(f"/grid/needs/{lamp_id}/to-problem").status_code == 302  # moved already: told on its page
    response = client.submit(f"/grid/needs/{nid}/to-problem", {"summary": "老人送餐", "category": "neighbours",
                                                              "urgency": "normal", "building_id": "0",
                                                              "address": "", "reason": "试一下"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "error-summary" in page  # the address is missing: nothing moved
    with command(app):
        assert db.session.get(Need, nid).status == "open"
        assert client.get(f"/open311/v2/requests/{pid}.json").get_json()[0]["status"] == "closed"


def test_a_dispatch_and_a_turn_into_a_need_at_the_same_moment_make_one(app, ledger):
    with command(app):
        pid = _record(user(ledger["leader"]), ledger["building"]).id
        elderly = db.session.scalar(db.select(ServiceCategory.id).filter_by(code="elderly"))
    loaded = threading.Barrier(2)

    def act(run):
        def call():
            problem, worker = problems.get_problem(pid), user(ledger["worker"])
            assert problem.status == "recorded"
            loaded.wait()
            return run(worker, problem)
        return call

    results = run_at_once(app, [
        act(lambda worker, problem: problems.dispatch(worker, problem, f"community:{ledger['community']}")),
        act(lambda worker, problem: transfers.problem_to_need(worker, problem, "楼道杂物", "楼道堆放杂物三个月无人清理",
                                                              elderly, "其实是服务需求"))])
    assert len([r for r in results if isinstance(r, ServiceError)]) == 1, results
    with command(app):
        problem = problems.get_problem(pid)
        made = db.session.scalars(db.select(Need)).all()
        assert (problem.status == "dispatched" and made == []) or (problem.status == "to_need" and len(made) == 1)


def test_the_ledger_and_open311_lists_run_the_same_queries_for_more_problems(app, ledger, client, count_queries):
    """Each problem listed names its body (its dispatches), and Open311 its photo, building and place:
    loaded with the page, not one query a problem."""
    def add(count):
        with command(app):
            for _ in range(count):
                problem = _record(user(ledger["leader"]), ledger["building"])
                problems.dispatch(user(ledger["worker"]), problem, f"department:{ledger['city_management']}")

    def queries():
        counted = {}
        for url in ("/grid/problems", f"/grid/problems?community={ledger['community']}",
                    "/open311/v2/requests.json", "/open311/v2/requests.xml"):
            with count_queries() as counter:
                assert client.get(url).status_code == 200
            counted[url] = counter.count
        return counted

    add(2)
    client.get("/open311/v2/services.json")  # the API's first call of a rate window also clears the old ones
    small = queries()
    add(8)
    assert queries() == small
