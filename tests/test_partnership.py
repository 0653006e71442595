"""Government and community as partners (issue 23), first step: a district's two lists kept as
versioned rules (drafted, imported from a spreadsheet with every bad row reported, published, replaced
from the day the next applies); admission requests decided by civil affairs in public, two decisions
at once making one; reports of work pushed on a community without admission and their findings."""
import io
from datetime import date

import pytest
from openpyxl import load_workbook

from market.accounts.roles import Role
from market.core import tables
from market.core.errors import InvalidTransition, PermissionDenied, ServiceError
from market.core.unit import command
from market.extensions import db
from market.notifications.models import Notification
from market.partnership import admissions, list_files, lists, pushed
from market.partnership.models import AdmissionRequest, TaskList
from market.places.models import Department
from tests.factories import run_at_once, user, xlsx

HEADING = ["编码", "类别", "事项", "依据"]
ROWS = [["Z01", "依法履行职责", "调解民间纠纷", "《城市居民委员会组织法》第三条"],
        ["X01", "协助政府工作", "协助开展低保入户调查", "《社会救助暂行办法》第十一条"]]


@pytest.fixture
def people(app, make_user, places):
    with command(app):
        departments = {d.name: d.id for d in db.session.scalars(db.select(Department).where(
            Department.district_id == places["district"]))}
    return {
        "admin": make_user("admin@example.cn", "吴建华", roles={Role.CIVIL_AFFAIRS: None}),
        "district_staff": make_user("district@example.cn", "何伟", roles={Role.DISTRICT_STAFF: places["district"]}),
        "city": make_user("city@example.cn", "黄志明", roles={Role.PURCHASER: departments["姑苏区城市管理局"]}),
        "worker": make_user("worker@example.cn", "王丽华", roles={Role.COMMUNITY_WORKER: places["community"]}),
        "stranger": make_user("stranger@example.cn", "周杰"),
        "city_management": departments["姑苏区城市管理局"], "health": departments["姑苏区卫生健康委员会"],
        **places,
    }


def _draft(people, effective_from=date(2027, 1, 1), rows=ROWS, actor="admin") -> int:
    draft = lists.create_draft(user(people[actor]), people["district"], "姑苏区两份清单", "姑政办〔2026〕1号",
                               effective_from)
    sheet = ("清单.xlsx", xlsx([HEADING, *rows])) if rows is ROWS else ("清单.csv", "\n".join(
        ",".join(f'"{c}"' for c in row) for row in [HEADING, *rows]).encode())  # CSV: a cell's text as typed
    assert lists.import_items(user(people[actor]), draft, *sheet).errors == []
    return draft.id


def test_the_lists_are_versions_that_never_overlap(app, people, frozen):
    with command(app):
        first = db.session.get(TaskList, _draft(people, date(2026, 12, 1), actor="district_staff"))
        assert [i.kind for i in first.items] == ["duty", "assistance"] and first.status == "draft"
        assert lists.in_force(people["district"], date(2026, 12, 1)) is None  # a draft applies nowhere
        lists.publish(user(people["district_staff"]), first)
        assert lists.in_force(people["district"], date(2026, 12, 1)).id == first.id
        with pytest.raises(ServiceError) as refused:  # a published version never changes
            lists.import_items(user(people["admin"]), first, "清单.xlsx", xlsx([HEADING, *ROWS]))
        assert refused.value.code == "published"
        with pytest.raises(ServiceError) as refused:  # retroactive: decisions taken would lose their basis
            lists.create_draft(user(people["admin"]), people["district"], "补", "", date(2026, 11, 1))
        assert refused.value.field == "effective_from"
        with pytest.raises(ServiceError) as refused:  # two versions would apply on one day
            lists.create_draft(user(people["admin"]), people["district"], "同日", "", date(2026, 12, 1))
        assert refused.value.code == "overlapping_rule"
        with pytest.raises(PermissionDenied):
            lists.create_draft(user(people["worker"]), people["district"], "社区自拟", "", date(2027, 1, 1))
        second = lists.create_draft(user(people["admin"]), people["district"], "2027年版", "", date(2027, 1, 1))
        assert [i.code for i in second.items] == ["Z01", "X01"]  # starts from the version before it
        with pytest.raises(ServiceError):  # one draft at a time
            lists.create_draft(user(people["admin"]), people["district"], "又一版", "", date(2027, 2, 1))
        lists.import_items(user(people["admin"]), second, "清单.csv", tables.csv_bytes(HEADING, ROWS + [
            ["X02", "协助政府工作事项", "协助开展人口普查", "《全国人口普查条例》第十六条"]]))
        lists.publish(user(people["admin"]), second)
        first = db.session.get(TaskList, first.id)
        assert first.status == "replaced" and first.effective_until == date(2027, 1, 1)
        assert lists.in_force(people["district"], date(2026, 12, 31)).id == first.id  # until the new one starts
        assert lists.in_force(people["district"], date(2027, 1, 1)).id == second.id
        assert lists.coming(people["district"]).id == second.id
        assert lists.item_counts([second.id]) == {second.id: {"duty": 1, "assistance": 2}}


def test_a_bad_sheet_saves_nothing_and_names_every_bad_row(app, people, frozen):
    with command(app):
        draft_id = _draft(people)
        draft = db.session.get(TaskList, draft_id)
        errors = lists.import_items(user(people["admin"]), draft, "清单.xlsx", xlsx([HEADING, *[
            ["Z01", "自治", "召开居民会议", "组织法第十条"],
            ["Z01", "依法履行职责", "", "组织法"],
            ["Z03", "协助政府工作", "协助开展消防宣传", ""],
            ["Z04" * 8, "依法履行职责", "办理公益事业", "组织法第三条"]]])).errors
        assert [(e.row, e.column) for e in errors] == [(2, "类别"), (3, "事项"), (3, "编码"), (4, "依据"), (5, "编码")]
        assert [i.code for i in db.session.get(TaskList, draft_id).items] == ["Z01", "X01"]  # the old items stay
        missing = lists.import_items(user(people["admin"]), draft, "清单.csv",
                                     tables.csv_bytes(["编码", "事项"], [])).errors
        assert {e.column for e in missing} == {"类别", "依据"}
        assert [e.row for e in lists.import_items(user(people["admin"]), draft, "清单.pdf", b"%PDF").errors] == [0]
        with pytest.raises(ServiceError) as refused:  # said at the upload field
            lists.import_items(user(people["admin"]), draft, "清单.xlsx", b"PK\x03\x04 not a workbook")
        assert refused.value.field == "file"


def test_the_lists_download_as_text_cells_and_drafts_stay_private(app, people, client, login, frozen):
    with command(app):
        draft_id = _draft(people, rows=[["Z01", "依法履行职责", "=HYPERLINK(x)", "组织法"]])
    assert client.get(f"/partnership/lists/{draft_id}").status_code == 404  # a draft is not public
    login("admin@example.cn")
    sheet = load_workbook(io.BytesIO(client.get(f"/partnership/lists/{draft_id}.xlsx").data)).active
    assert sheet["C2"].value == "=HYPERLINK(x)" and sheet["C2"].data_type == "s"  # text, not a formula
    assert "'=HYPERLINK" in client.get(f"/partnership/lists/{draft_id}.csv").get_data(as_text=True)
    with command(app):
        read_back = list_files.read("清单.xlsx", list_files.to_xlsx(db.session.get(TaskList, draft_id)))
    assert read_back == ([{"code": "Z01", "kind": "duty", "title": "=HYPERLINK(x)", "legal_basis": "组织法"}], [])
    page = client.submit(f"/partnership/lists/{draft_id}/publish", {"confirmed": "y"})
    assert page.status_code == 302
    client.post("/logout", data={"csrf_token": client.token("/")})
    assert "=HYPERLINK" in client.get(f"/partnership/lists/{draft_id}").get_data(as_text=True)


def _ask(people, **changes):
    data = admissions.AdmissionData(department_id=people["city_management"], street_id=people["street"],
                                    community_id=None, title="生活垃圾分类桶边督导排班",
                                    reason="撤桶并点后投放点需要早晚督导。", frequency="weekly", staff_hours=4,
                                    money_offered=2_400_000)
    for name, value in changes.items():
        setattr(data, name, value)
    return admissions.submit(user(people["city"]), data)


def test_admission_is_decided_once_in_public(app, people, frozen, client, login):
    with command(app):
        for changes, field in (({"title": ""}, "title"), ({"reason": " "}, "reason"), ({"frequency": "daily"},
                               "frequency"), ({"staff_hours": 0}, "staff_hours"), ({"money_offered": -1},
                               "money_offered"), ({"street_id": None}, "scope")):
            with pytest.raises(ServiceError) as refused:
                _ask(people, **changes)
            assert refused.value.field == field
        with pytest.raises(PermissionDenied):  # not the department's staff
            admissions.submit(user(people["worker"]), admissions.AdmissionData(
                people["city_management"], people["street"], None, "x", "y", "once", 1, 0))
        request = _ask(people)
        assert request.hours_a_year == 4 * 52
        with pytest.raises(PermissionDenied):
            admissions.decide(user(people["district_staff"]), request, True, "")
        with pytest.raises(ServiceError) as refused:  # a refusal says why
            admissions.decide(user(people["admin"]), request, False, "  ")
        assert refused.value.field == "note"
        request_id = request.id
    results = run_at_once(app, [
        lambda: admissions.decide(user(people["admin"]), admissions.get(request_id), True, "只负责排班"),
        lambda: admissions.decide(user(people["admin"]), admissions.get(request_id), False, "不在清单内"),
    ])
    assert sum(r is None for r in results) == 1 and isinstance(next(r for r in results if r), InvalidTransition)
    with command(app):
        request = admissions.get(request_id)
        assert request.status in ("admitted", "refused") and request.decision_note in ("只负责排班", "不在清单内")
        assert db.session.scalar(db.select(db.func.count()).select_from(Notification).filter_by(
            kind="admission_decided", user_id=people["city"])) == 1
        with pytest.raises(InvalidTransition):
            admissions.withdraw(user(people["city"]), request)
        note = request.decision_note
    page = client.get(f"/partnership/admissions/{request_id}").get_data(as_text=True)  # public, with the reason
    assert note in page and "生活垃圾分类桶边督导排班" in page
    login("city@example.cn")
    told = client.get("/notifications").get_data(as_text=True)
    assert f"/partnership/admissions/{request_id}" in told and "生活垃圾分类桶边督导排班" in told


def test_admitted_work_applies_to_its_communities(app, people, frozen):
    with command(app):
        whole_street = _ask(people)
        one = _ask(people, community_id=people["community2"], title="共享单车停放巡查")
        withdrawn = _ask(people, title="门前三包")
        admissions.decide(user(people["admin"]), whole_street, True, "")
        admissions.decide(user(people["admin"]), one, True, "")
        admissions.withdraw(user(people["city"]), withdrawn)
        assert withdrawn.status == "withdrawn"
        community, community2 = (db.session.get(admissions.Community, people[k]) for k in ("community", "community2"))
        assert [r.title for r in admissions.admitted_for(community)] == ["生活垃圾分类桶边督导排班"]
        assert [r.title for r in admissions.admitted_for(community2)] == ["生活垃圾分类桶边督导排班",
                                                                          "共享单车停放巡查"]
        with pytest.raises(ServiceError) as refused:  # outside the department's district
            _ask(people, community_id=people["other_community"])
        assert refused.value.field == "scope"
        assert db.session.scalar(db.select(db.func.count(AdmissionRequest.id))) == 3


def test_work_pushed_without_admission_is_reported_and_found_on(app, people, frozen, client, login):
    with command(app):
        data = pushed.PushedData(community_id=people["community"], department_id=people["city_management"],
                                 title="创文迎检台账每日填报", details="网格群里每天要求填报三张表。", staff_hours=42)
        with pytest.raises(PermissionDenied):  # only the community's own workers
            pushed.report(user(people["stranger"]), data)
        with pytest.raises(PermissionDenied):
            pushed.report(user(people["worker"]), pushed.PushedData(**{**vars(data),
                                                                      "community_id": people["community2"]}))
        report = pushed.report(user(people["worker"]), data)
        with pytest.raises(ServiceError) as refused:
            pushed.decide(user(people["admin"]), report, True, "")
        assert refused.value.field == "finding"
        with pytest.raises(PermissionDenied):
            pushed.decide(user(people["city"]), report, False, "不是下派")
        pushed.decide(user(people["admin"]), report, True, "未经准入下派，已要求停止。")
        assert report.status == "upheld"
        with pytest.raises(InvalidTransition):
            pushed.decide(user(people["admin"]), report, False, "再议")
        report_id = report.id
        second = pushed.report(user(people["worker"]), pushed.PushedData(**{**vars(data),
                                                                            "title": "普法问卷入户收集"})).id
    login("admin@example.cn")  # civil affairs decides on the decision's own page
    assert client.get(f"/partnership/pushed/{report_id}/decide").status_code == 302  # decided already: sent back
    answer = client.submit(f"/partnership/pushed/{second}/decide", {"decision": "dismiss",
                                                                    "finding": "在清单内（X10）"})
    assert answer.status_code == 302 and answer.location.endswith(f"/partnership/pushed/{second}")
    client.post("/logout", data={"csrf_token": client.token("/")})
    login("worker@example.cn")
    told = client.get("/notifications").get_data(as_text=True)
    assert "普法问卷入户收集" in told, told[told.index("<main"):]
    form = client.submit("/partnership/pushed/new", {"community_id": people["community"],
                                                    "department_id": people["health"], "title": "",
                                                    "details": "", "staff_hours": ""})
    page = form.get_data(as_text=True)
    assert form.status_code == 200 and 'data-test="error-summary"' in page  # every error listed at the top
    assert "未经准入下派，已要求停止。" in client.get(f"/partnership/pushed/{report_id}").get_data(as_text=True)


def test_a_draft_whose_day_passed_is_given_a_new_one_and_published(app, people, frozen, client, login):
    with command(app):
        draft_id = _draft(people, date(2026, 11, 25))
    frozen.advance(days=5)  # 27 November: the draft's first day has passed unpublished
    with command(app):
        draft = db.session.get(TaskList, draft_id)
        verdicts = lists.LIST_ACTIONS.of(user(people["admin"]), draft)
        assert not verdicts.can("publish") and verdicts.shown_refusal("publish", "start_passed")
        with pytest.raises(ServiceError) as refused:
            lists.publish(user(people["admin"]), draft)
        assert refused.value.code == "start_passed"
    login("admin@example.cn")
    assert "/change" in client.get(f"/partnership/lists/{draft_id}").get_data(as_text=True)
    answer = client.submit(f"/partnership/lists/{draft_id}/change", {"title": "姑苏区两份清单", "source": "",
                                                                   "effective_from": "2026-12-01"})
    assert answer.status_code == 302
    assert client.submit(f"/partnership/lists/{draft_id}/publish", {"confirmed": "y"}).status_code == 302
    with command(app):
        assert db.session.get(TaskList, draft_id).status == "published"
        assert lists.in_force(people["district"], date(2026, 12, 1)).id == draft_id
    assert client.get(f"/partnership/lists/{draft_id}/change").status_code == 302  # published: no more changes


def test_control_characters_never_reach_a_download(app, people, frozen, client, login):
    with command(app):
        draft_id = _draft(people, rows=[["Z01", "依法履行职责", "调解\x01民间纠纷", "组织法\x1f第三条"]])
        assert [i.title for i in db.session.get(TaskList, draft_id).items] == ["调解民间纠纷"]
    login("admin@example.cn")
    sheet = load_workbook(io.BytesIO(client.get(f"/partnership/lists/{draft_id}.xlsx").data)).active
    assert [c.value for c in sheet[2]] == ["Z01", "依法履行职责", "调解民间纠纷", "组织法第三条"]


def test_a_report_of_pushed_work_does_not_name_the_worker(app, people, frozen, client):
    with command(app):
        report = pushed.report(user(people["worker"]), pushed.PushedData(
            community_id=people["community"], department_id=people["city_management"], title="创文台账",
            details="每天填报。", staff_hours=3))
        pushed.decide(user(people["admin"]), report, True, "属实。")
        report_id = report.id
    page = client.get(f"/partnership/pushed/{report_id}").get_data(as_text=True)
    assert "王丽华" not in page and "吴建华" in page  # civil affairs' finding is signed; the report is the community's
