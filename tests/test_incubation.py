"""Incubators: a cohort from admission to graduation, seed money in the ledger, capacity over time,
who is falling behind, and grantees' later contracts and grades on the dashboard."""
import re
from datetime import date, timedelta

import pytest

from market.accounts.roles import Role
from market.core.errors import PermissionDenied, ServiceError
from market.core.unit import command
from market.extensions import db
from market.incubation import desk as incubation_desk
from market.incubation import services as incubation
from market.incubation.models import Cohort, Incubation, IncubationService, Incubator
from market.money import ledger
from market.money.models import LedgerTransaction
from market.notifications.models import Notification
from market.organizations.models import Organization
from market.procurement import undertakers
from market.rules import deadlines
from tests.factories import at_once, http_session, run_at_once, signed, user

LEVELS = ("governance", "finance", "staff", "projects")


@pytest.fixture
def hub(app, tender_world, make_user):
    """An incubator run by organization 3, with staff bound to it, and a cohort of 2026."""
    world = tender_world
    world["staff"] = make_user("staff@example.cn", "赵敏", roles={Role.INCUBATOR_STAFF: world["org3"]})
    with command(app):
        staff = user(world["staff"])
        incubator = incubation.create_incubator(staff, world["org3"], "姑苏区公益孵化园", "人民路1号", "")
        cohort = incubation.add_cohort(staff, incubator, "2026年第一期", date(2026, 3, 1), date(2027, 2, 28), 2)
        world.update(incubator=incubator.id, cohort=cohort.id)
    return world


def stay_of(world, n) -> Incubation:
    return db.session.scalar(db.select(Incubation).filter_by(organization_id=world[f"org{n}"]))


def test_a_cohort_from_admission_to_graduation(app, hub, frozen):
    world = hub
    with command(app):
        staff, cohort = user(world["staff"]), db.session.get(Cohort, world["cohort"])
        with pytest.raises(PermissionDenied):
            incubation.admit(user(world["owner0"]), cohort, world["org0"], date(2026, 3, 5), 12, "", "")
        with pytest.raises(ServiceError):
            incubation.admit(staff, cohort, world["org3"], date(2026, 3, 5), 12, "", "")  # the operator itself
        first = incubation.admit(staff, cohort, world["org0"], date(2026, 3, 5), 12, "王敏", "规范治理")
        incubation.admit(staff, cohort, world["org1"], date(2026, 3, 5), 6, "", "")
        with pytest.raises(ServiceError) as refused:
            incubation.admit(staff, cohort, world["org2"], date(2026, 3, 5), 12, "", "")  # two places
        assert refused.value.code == "cohort_full" and "2" in refused.value.message
        assert first.planned_exit_on == date(2027, 3, 5)
        incubation.record_service(staff, first, "training", 24, 0, date(2026, 3, 20), "财务培训")
        incubation.record_service(staff, first, "seed_money", 0, 500_000, date(2026, 4, 1), "", "seed-form-1")
        with pytest.raises(ServiceError):
            incubation.record_service(staff, first, "training", 0, 0, date(2026, 4, 1), "")
        # Seed money is posted once in the ledger, from the incubator's funds to the organization.
        assert ledger.balance("organization", world["org0"], "grants") == 500_000
        assert ledger.balance("incubator", world["incubator"], "funds") == -500_000
        with pytest.raises(ServiceError):
            incubation.graduate(staff, first, "能力达标")  # never assessed
        incubation.assess(staff, first, date(2026, 3, 10), dict(zip(LEVELS, (2, 2, 1, 1))), "")
        incubation.assess(staff, first, date(2026, 10, 10), dict(zip(LEVELS, (4, 3, 3, 4))), "")
        with pytest.raises(ServiceError):
            incubation.assess(staff, first, date(2026, 10, 10), dict(zip(LEVELS, (6, 3, 3, 4))), "")
        incubation.graduate(staff, db.session.get(Incubation, first.id), "治理完善，准予出孵。")
        assert stay_of(world, 0).status == "graduated" and stay_of(world, 0).left_on == date(2026, 11, 22)
        # A place is free again.
        incubation.admit(staff, db.session.get(Cohort, world["cohort"]), world["org2"], date(2026, 11, 1), 12, "", "")
        rows = {r.incubation.organization_id: r for r in incubation.grantees(db.session.get(Incubator,
                                                                                           world["incubator"]))}
        assert rows[world["org0"]].capacity == 3.5 and rows[world["org0"]].growth == 2.0
        assert rows[world["org0"]].seed_fen == 500_000 and rows[world["org0"]].training_hours == 24
        assert incubation.ever_incubated(world["org0"]) and not incubation.ever_incubated(world["org3"])


def test_falling_behind_is_named_with_its_reasons(app, hub, frozen):
    world = hub
    with command(app):
        staff, cohort = user(world["staff"]), db.session.get(Cohort, world["cohort"])
        slow = incubation.admit(staff, cohort, world["org1"], date(2026, 3, 5), 12, "", "")
        incubation.assess(staff, slow, date(2026, 4, 1), dict(zip(LEVELS, (3, 3, 3, 3))), "")
        incubation.assess(staff, slow, date(2026, 6, 1), dict(zip(LEVELS, (3, 2, 3, 3))), "")
        rows = incubation.grantees(db.session.get(Incubator, world["incubator"]))
        reasons = " ".join(rows[0].behind)
        assert "174天" in reasons or "174 days" in reasons  # 1 June to 22 November
        assert "没有提升" in reasons and "过半" in reasons
        # The staff's desk lists it as falling behind (halfway on 2026-09-03, no contract, no grant).
        waiting = incubation_desk.falling_behind(staff, frozen.now().date(), deadlines.thresholds())
        assert [stay.organization_id for stay, *_ in db.session.execute(waiting.select)] == [world["org1"]]
    frozen.advance(days=120)  # past the planned graduation of 5 March 2027
    with command(app):
        rows = incubation.grantees(db.session.get(Incubator, world["incubator"]))
        assert any("计划出孵日期2027-03-05" in reason for reason in rows[0].behind)
        # On the desk it is one row a stay: an ending stay is in "stays ending", not also falling behind.
        staff, today, limits = user(world["staff"]), frozen.now().date(), deadlines.thresholds()
        assert db.session.execute(incubation_desk.falling_behind(staff, today, limits).select).all() == []
        ending = incubation_desk.stays_ending(staff, today, limits)
        assert [stay.organization_id for stay, *_ in db.session.execute(ending.select)] == [world["org1"]]


def test_grantees_later_contracts_and_grades_show_on_the_dashboard(app, hub, awarded, frozen, client, count_queries):
    """Organization 2 graduated, then won a contract and a grade: the dashboard reads both."""
    world = hub
    with command(app):
        staff = user(world["staff"])
        stay = incubation.admit(staff, db.session.get(Cohort, world["cohort"]), world["org2"], date(2026, 3, 5), 6,
                                "", "")
        incubation.assess(staff, stay, date(2026, 3, 10), dict(zip(LEVELS, (2, 2, 2, 2))), "")
        incubation.assess(staff, stay, date(2026, 8, 10), dict(zip(LEVELS, (4, 4, 3, 3))), "")
        incubation.graduate(staff, db.session.get(Incubation, stay.id), "准予出孵。")
    page = f"/incubators/{world['incubator']}"
    before = client.get(page).get_data(as_text=True)
    assert 'data-test="contracts">0 / 0' in before
    signed(app, world, frozen)
    with command(app):
        undertakers.record_grade(user(world["admin"]), db.session.get(Organization, world["org2"]), 3,
                                 date(2026, 12, 1))
    after = client.get(page).get_data(as_text=True)
    assert 'data-test="contracts">1 / 0' in after and "3A" in after and "首个合同中标" in after
    assert client.get(f"{page}/capacity.svg").status_code == 200
    assert client.get(f"{page}/milestones.svg").status_code == 200
    with count_queries() as one:
        client.get(page)
    with command(app):
        staff = user(world["staff"])
        for n in (0, 1):
            extra = incubation.admit(staff, db.session.get(Cohort, world["cohort"]), world[f"org{n}"],
                                     date(2026, 11, 1), 12, "", "")
            incubation.assess(staff, extra, date(2026, 11, 2), dict(zip(LEVELS, (2, 2, 2, 2))), "")
    with count_queries() as three:
        client.get(page)
    assert one.count == three.count == DASHBOARD_QUERIES


DASHBOARD_QUERIES = 11  # incubator, its cohorts, stays, assessments, contracts, grades, services, grants, badges,
# and the rules in force (the city and its rule set: how often an organization is assessed)


def test_staff_record_through_the_pages(app, hub, client, login):
    world = hub
    cohort_page = f"/incubators/cohorts/{world['cohort']}"
    login("org0@example.cn")
    assert client.submit(cohort_page, {"organization_id": world["org1"], "admitted_on": "2026-11-01",
                                       "months": "12"}, form_url="/").status_code == 403
    client.submit("/logout", {}, form_url="/")
    login("staff@example.cn")
    response = client.submit(cohort_page, {"organization_id": world["org1"], "admitted_on": "2026-11-01",
                                           "months": "12", "mentor": "王敏", "goals": "规范财务"})
    assert response.status_code == 302
    with command(app):
        stay_id = stay_of(world, 1).id
    stay_page = f"/incubators/stays/{stay_id}"
    response = client.submit(stay_page, {"service-kind": "seed_money", "service-amount": "3000",
                                         "service-given_on": "2026-11-10", "service-submit": "1",
                                         "service-once": service_token(client.get(stay_page).get_data(as_text=True))})
    assert response.status_code == 302
    bad = client.submit(stay_page, {"assessment-assessed_on": "2026-12-30", "assessment-governance": "3",
                                    "assessment-finance": "3", "assessment-staff": "3", "assessment-projects": "3",
                                    "assessment-submit": "1"})
    assert "评估日期须在入孵之后" in bad.get_data(as_text=True)
    page = client.get(stay_page).get_data(as_text=True)
    assert "¥3,000.00" in page and "规范财务" in page
    with command(app):
        assert ledger.balance("organization", world["org1"], "grants") == 300_000


# --- seed money once per form -------------------------------------------------------------------------

def service_token(page: str) -> str:
    found = re.search(r'name="service-once"[^>]*value="([^"]+)"', page)
    return found.group(1) if found else ""  # a form without one (as before) is sent as it is


def seed_form(token: str, amount: str = "5000") -> dict:
    return {"service-kind": "seed_money", "service-amount": amount, "service-given_on": "2026-11-10",
            "service-note": "启动资金", "service-once": token, "service-submit": "1"}


def admitted(app, world, n=1) -> int:
    with command(app):
        return incubation.admit(user(world["staff"]), db.session.get(Cohort, world["cohort"]), world[f"org{n}"],
                                date(2026, 11, 1), 12, "", "").id


def assert_seed_posted(app, world, stay_id, times=1):
    """`times` gifts of ¥5,000 to organization 1, each one service and one balanced posting."""
    with command(app):
        given = db.session.scalars(db.select(IncubationService).filter_by(incubation_id=stay_id)).all()
        assert [(s.kind, s.amount_fen) for s in given] == [("seed_money", 500_000)] * times
        assert db.session.scalar(db.select(db.func.count(LedgerTransaction.id)).filter_by(kind="seed")) == times
        assert ledger.balance("organization", world["org1"], "grants") == 500_000 * times
        assert ledger.balance("incubator", world["incubator"], "funds") == -500_000 * times
        assert ledger.unbalanced_transactions() == [] and ledger.drifted_accounts() == []


def test_the_same_seed_money_form_sent_twice_posts_once(app, hub, client, login):
    stay_id = admitted(app, hub)
    page = f"/incubators/stays/{stay_id}"
    login("staff@example.cn")
    token = service_token(client.get(page).get_data(as_text=True))
    first = client.submit(page, seed_form(token))
    again = client.submit(page, seed_form(token))
    # The second answers as the first did: recorded (once), never an error page.
    assert first.status_code == again.status_code == 302 and again.location == first.location
    assert_seed_posted(app, hub, stay_id)
    assert token
    # Back in the browser, the amount changed and the old form sent again: told it was sent, nothing posted.
    changed = client.submit(page, seed_form(token, amount="3000"))
    assert changed.status_code == 302 and changed.location == first.location
    assert "服务已记录" in client.get(changed.location).get_data(as_text=True)
    assert_seed_posted(app, hub, stay_id)
    # The page shown again is a new form: its gift is a new one.
    fresh = service_token(client.get(page).get_data(as_text=True))
    assert fresh != token
    assert client.submit(page, seed_form(fresh)).status_code == 302
    assert_seed_posted(app, hub, stay_id, times=2)
    with command(app):  # a form without its token is refused, not posted
        with pytest.raises(ServiceError):
            incubation.record_service(user(hub["staff"]), db.session.get(Incubation, stay_id), "seed_money", 0,
                                      500_000, date(2026, 11, 10), "", "")
    assert_seed_posted(app, hub, stay_id, times=2)


def test_the_same_seed_money_form_sent_twice_at_once_posts_once(app, hub):
    stay_id = admitted(app, hub)

    def send(token):
        return lambda: incubation.record_service(user(hub["staff"]), db.session.get(Incubation, stay_id),
                                                 "seed_money", 0, 500_000, date(2026, 11, 10), "", token).id

    for n in range(3):
        results = run_at_once(app, [send(f"form-{n}"), send(f"form-{n}")])
        assert isinstance(results[0], int) and results[0] == results[1], results
        assert_seed_posted(app, hub, stay_id, times=n + 1)


def test_the_same_seed_money_form_sent_twice_at_once_to_the_server_posts_once(app, hub, live_server):
    """Two requests with one form's token, at the same moment, to a threaded server."""
    stay_id = admitted(app, hub)
    page = f"{live_server}/incubators/stays/{stay_id}"
    browsers = [http_session(live_server, "staff@example.cn") for _ in range(2)]
    for n in range(3):
        shown = [b.get(page).text for b in browsers]
        csrf = [re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1) for html in shown]
        token = service_token(shown[0])
        sends = [lambda b=b, c=c, token=token: b.post(page, data={"csrf_token": c, **seed_form(token)},
                                         allow_redirects=False).status_code for b, c in zip(browsers, csrf)]
        assert at_once(sends) == [302, 302]
        assert_seed_posted(app, hub, stay_id, times=n + 1)


# --- one incubator at a time, admitted within the cohort ---------------------------------------------

def test_an_organization_is_in_one_incubator_at_a_time(app, hub):
    world = hub
    with command(app):
        staff = user(world["staff"])
        second = incubation.add_cohort(staff, db.session.get(Incubator, world["incubator"]), "2026年第二期",
                                       date(2026, 9, 1), date(2027, 8, 31), 10).id
        elsewhere = incubation.create_incubator(user(world["owner2"]), world["org2"], "吴中区社会组织孵化基地", "", "")
        other = incubation.add_cohort(user(world["owner2"]), elsewhere, "2026年", date(2026, 1, 1), date(2026, 12, 31),
                                      10).id
        stay = incubation.admit(staff, db.session.get(Cohort, world["cohort"]), world["org0"], date(2026, 3, 5), 12,
                                "", "")
        db.session.commit()  # the cohorts and the stay are on record; each refusal below is a request of its own
        for actor, cohort_id in ((staff, second), (user(world["owner2"]), other)):
            with pytest.raises(ServiceError) as refused:
                incubation.admit(actor, db.session.get(Cohort, cohort_id), world["org0"], date(2026, 11, 1), 12, "", "")
            assert refused.value.field == "organization_id"
            assert "社会组织0号" in refused.value.message and "姑苏区公益孵化园" in refused.value.message
            assert "2026年第一期" in refused.value.message
        rows = incubation.grantees(db.session.get(Incubator, world["incubator"]))
        assert [r.incubation.organization_id for r in rows] == [world["org0"]]  # once on the dashboard
        # Once it has left, another cohort may take it in.
        incubation.withdraw(staff, db.session.get(Incubation, stay.id), "迁出本区")
        again = incubation.admit(user(world["owner2"]), db.session.get(Cohort, other), world["org0"],
                                 date(2026, 11, 20), 6, "", "")
        assert again.status == "admitted"


def test_one_organization_admitted_to_two_cohorts_at_once_is_admitted_once(app, hub):
    world = hub
    with command(app):
        second = incubation.add_cohort(user(world["staff"]), db.session.get(Incubator, world["incubator"]),
                                       "2026年第二期", date(2026, 9, 1), date(2027, 8, 31), 10).id

    def admit_to(cohort_id):
        return lambda: incubation.admit(user(world["staff"]), db.session.get(Cohort, cohort_id), world["org0"],
                                        date(2026, 11, 1), 12, "", "").id

    results = run_at_once(app, [admit_to(world["cohort"]), admit_to(second)])
    assert sorted(type(r).__name__ for r in results) == ["ServiceError", "int"], results
    with command(app):
        assert db.session.scalar(db.select(db.func.count(Incubation.id)).filter_by(organization_id=world["org0"])) == 1


def test_an_admission_is_dated_within_its_cohort(app, hub):
    world = hub
    with command(app):
        staff = user(world["staff"])
        ended = incubation.add_cohort(staff, db.session.get(Incubator, world["incubator"]), "2025年第一期",
                                      date(2025, 3, 1), date(2026, 2, 28), 10)
        for cohort, day in ((db.session.get(Cohort, world["cohort"]), date(2026, 2, 20)), (ended, date(2026, 3, 5))):
            with pytest.raises(ServiceError) as refused:
                incubation.admit(staff, cohort, world["org0"], day, 12, "", "")
            assert refused.value.field == "admitted_on"
            assert cohort.starts_on.isoformat() in refused.value.message
            assert cohort.ends_on.isoformat() in refused.value.message
        # The first and the last day of the cohort are within it.
        incubation.admit(staff, db.session.get(Cohort, world["cohort"]), world["org0"], date(2026, 3, 1), 12, "", "")
        incubation.admit(staff, db.session.get(Cohort, ended.id), world["org1"], date(2026, 2, 28), 12, "", "")


def field_errors(page: str, name: str) -> str:
    found = re.search(rf'id="{name}-errors"[^>]*>(.*?)</ul>', page, re.S)
    assert found, f"no errors at {name}"
    return found.group(1)


def test_admission_refusals_show_at_their_fields(app, hub, client, login):
    world = hub
    with command(app):
        staff = user(world["staff"])
        second = incubation.add_cohort(staff, db.session.get(Incubator, world["incubator"]), "2026年第二期",
                                       date(2026, 9, 1), date(2027, 8, 31), 10).id
        incubation.admit(staff, db.session.get(Cohort, world["cohort"]), world["org0"], date(2026, 3, 5), 12, "", "")
    login("staff@example.cn")
    page = f"/incubators/cohorts/{second}"
    twice = client.submit(page, {"organization_id": world["org0"], "admitted_on": "2026-11-01", "months": "12"})
    assert twice.status_code == 200
    errors = field_errors(twice.get_data(as_text=True), "organization_id")
    assert "社会组织0号" in errors and "2026年第一期" in errors
    early = client.submit(page, {"organization_id": world["org1"], "admitted_on": "2026-08-31", "months": "12"})
    assert early.status_code == 200
    errors = field_errors(early.get_data(as_text=True), "admitted_on")
    assert "2026-09-01" in errors and "2027-08-31" in errors
    with command(app):
        assert db.session.scalar(db.select(db.func.count(Incubation.id))) == 1


def test_an_assessment_falling_due_is_reminded_once_in_each_round(app, hub, frozen):
    """Admitted on 11-01 and never assessed, the first assessment falls due 120 days on (03-01); the
    staff hear three days before, once; an assessment starts the next round (due 120 days after it)."""
    world = hub
    stay_id = admitted(app, world)

    def run_due_on(day: date) -> str:
        frozen.advance(days=(day - frozen.now().date()).days)
        return app.test_cli_runner().invoke(args=["tasks", "run-due"]).output

    assert "0 reminders sent" in run_due_on(date(2027, 2, 25))
    assert "1 reminders sent" in run_due_on(date(2027, 2, 26))
    assert "0 reminders sent" in run_due_on(date(2027, 2, 27))
    with command(app):
        incubation.assess(user(world["staff"]), db.session.get(Incubation, stay_id), date(2027, 2, 27),
                          dict(zip(LEVELS, (3, 3, 2, 3))), "")
    assert "0 reminders sent" in run_due_on(date(2027, 3, 10))
    assert "1 reminders sent" in run_due_on(date(2027, 2, 27) + timedelta(days=117))
    with command(app):
        told = db.session.scalars(db.select(Notification).filter_by(kind="assessment_reminder")).all()
        assert [n.user_id for n in told] == [world["staff"], world["staff"]]
        assert [n.detail["due"] for n in told] == ["2027-03-01", "2027-06-27"]
