import io
import re
from datetime import datetime, timedelta

import pytest
from flask_babel import force_locale

from conftest import START
from market.accounts.models import User
from market.accounts.roles import Role
from market.core import mail
from market.core.errors import PermissionDenied, ServiceError
from market.core.unit import command
from market.extensions import db
from market.needs import hearings, moderation, needs, triage
from market.needs.models import (
    CommunityRequest,
    Flag,
    Hearing,
    HearingVote,
    Need,
    NeedSupport,
    TimelineEvent,
)
from market.notifications.models import Notification
from market.organizations.models import ServiceCategory
from tests.factories import run_at_once, wants_each_mail

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def people(make_user, places):
    return {
        "resident": make_user("resident@example.cn", "张晓梅", community=places["community"]),
        "neighbour": make_user("neighbour@example.cn", "李建国", community=places["community"]),
        "third": make_user("third@example.cn", "王芳", community=places["community"]),
        "outsider": make_user("outsider@example.cn", "赵强", community=places["other_community"]),
        "unverified": make_user("new@example.cn", "刘新"),
        "worker": make_user("worker@example.cn", "王丽华", roles={Role.COMMUNITY_WORKER: places["community"]}),
        "other_worker": make_user(
            "worker2@example.cn", "孙磊", roles={Role.COMMUNITY_WORKER: places["other_community"]}
        ),
    }


def category_id(app, code="elderly"):
    with command(app):
        return db.session.scalar(db.select(ServiceCategory.id).filter_by(code=code))


def need_form(app, **overrides):
    return {"title": "独居老人助餐服务", "description": "小区里有二十多位独居老人，希望社区食堂每天中午送餐上门。",
            "category_id": category_id(app), "urgency": "high", "people_affected": "25", **overrides}


def post_need(app, user_id, **overrides):
    with command(app):
        user = db.session.get(User, user_id)
        data = needs.NeedData(
            **{
                "title": "独居老人助餐服务",
                "description": "希望社区食堂每天中午送餐上门给独居老人。",
                "category_id": category_id(app),
                "urgency": "normal",
                "people_affected": 20,
                **overrides,
            }
        )
        return needs.post_need(user, data).id


def as_user(app, user_id):
    return db.session.get(User, user_id)


def test_verified_resident_posts_a_need_with_a_photo(client, login, people, app, places):
    login("resident@example.cn")
    data = need_form(app, photos=[(io.BytesIO(PNG), "楼道.png")])
    response = client.submit("/needs/new", data, content_type="multipart/form-data")
    assert response.status_code == 302
    with command(app):
        need = db.session.scalar(db.select(Need))
        assert (need.community_id, need.status, need.urgency_rank, len(need.photos)) == (
            places["community"],
            "open",
            2,
            1,
        )
        photo_id = need.photos[0].id
        events = db.session.scalars(db.select(TimelineEvent)).all()
        assert [e.kind for e in events] == ["need_posted"]
    page = client.get(response.location).get_data(as_text=True)
    assert "独居老人助餐服务" in page and "发布需求 <small class=\"muted\">— 张晓梅" in page
    with client.get(f"/needs/photos/{photo_id}") as photo:
        assert photo.data == PNG


def test_unverified_people_cannot_post(client, login, people, app):
    login("new@example.cn")
    assert client.get("/needs/new").location.endswith("/residence")
    with command(app):
        with pytest.raises(PermissionDenied):
            needs.post_need(
                as_user(app, people["unverified"]),
                needs.NeedData("标题四个字", "描述至少有十个字符才行的", category_id(app), "normal", 1),
            )


def _stored_files(app) -> set[str]:
    import os

    folder = app.config["UPLOAD_DIR"]
    return set(os.listdir(folder)) if os.path.isdir(folder) else set()


def test_bad_input_is_explained_and_nothing_is_saved(client, login, people, app):
    before = _stored_files(app)
    login("resident@example.cn")
    page = client.submit("/needs/new", need_form(app, title="饭", description="短", people_affected="0"),
                         content_type="multipart/form-data").get_data(as_text=True)
    assert "请输入 1 到 1,000,000 之间的整数" in page
    page = client.submit("/needs/new", need_form(app, title="饭饭", description="短"),
                         content_type="multipart/form-data").get_data(as_text=True)
    assert "需求标题至少需要 4 个字" in page
    page = client.submit("/needs/new", need_form(app, photos=[(io.BytesIO(b"GIF89a"), "x.gif")]),
                         content_type="multipart/form-data").get_data(as_text=True)
    assert "不接受这种类型的文件" in page
    # A good photo then a bad one: the first one stored is removed again when the second fails.
    page = client.submit(
        "/needs/new",
        need_form(app, photos=[(io.BytesIO(PNG), "a.png"), (io.BytesIO(b"<html>"), "b.png")]),
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    assert "文件内容与扩展名 .png 不符" in page
    with command(app):
        assert db.session.scalar(db.select(db.func.count(Need.id))) == 0
        assert db.session.scalar(db.select(db.func.count(TimelineEvent.id))) == 0
    assert _stored_files(app) == before


def test_user_text_is_cleaned_and_escaped(client, login, people, app):
    login("resident@example.cn")
    client.submit(
        "/needs/new",
        need_form(app, title="<b>助餐</b>\u202e服务", description="第一行\r\n\r\n\r\n\r\n第二行<script>x</script>"),
        content_type="multipart/form-data",
    )
    with command(app):
        need = db.session.scalar(db.select(Need))
        assert need.title == "<b>助餐</b>服务" and need.description == "第一行\n\n第二行<script>x</script>"
        need_id = need.id
    page = client.get(f"/needs/{need_id}").get_data(as_text=True)
    assert "<script>x</script>" not in page and "&lt;script&gt;" in page


def test_similar_needs_are_suggested_before_posting(client, login, people, app):
    post_need(
        app, people["neighbour"], title="独居老人午餐送餐", description="独居老人中午吃饭困难，需要送餐上门服务。"
    )
    login("resident@example.cn")
    page = client.submit("/needs/new", need_form(app), content_type="multipart/form-data").get_data(as_text=True)
    assert "您所在社区已有相似的需求" in page and "独居老人午餐送餐" in page
    with command(app):
        assert db.session.scalar(db.select(db.func.count(Need.id))) == 1
    response = client.submit("/needs/new", need_form(app, not_a_duplicate="y"), content_type="multipart/form-data")
    assert response.status_code == 302
    with command(app):
        assert db.session.scalar(db.select(db.func.count(Need.id))) == 2


def test_unrelated_needs_are_not_suggested(app, people, places):
    post_need(app, people["neighbour"], title="小区篮球场地面维修", description="篮球场地面开裂，孩子们打球容易摔倒。")
    with command(app):
        assert needs.similar_needs(places["community"], "独居老人助餐", "老人吃饭") == []


def test_author_edits_and_withdraws_until_a_worker_acts(client, login, people, app):
    need_id = post_need(app, people["resident"])
    login("resident@example.cn")
    client.submit(f"/needs/{need_id}/edit", need_form(app, title="独居老人助餐（午餐）"))
    with command(app):
        assert db.session.get(Need, need_id).title == "独居老人助餐（午餐）"
    client.submit("/logout", {})
    login("neighbour@example.cn")
    assert client.get(f"/needs/{need_id}/edit").status_code == 403
    client.submit(f"/needs/{need_id}/withdraw", {"confirmed": "y"}, form_url=f"/needs/{need_id}")
    with command(app):
        assert db.session.get(Need, need_id).status == "open"
        worker = as_user(app, people["worker"])
        triage.decline_need(worker, db.session.get(Need, need_id), "已有街道食堂覆盖")
        author = as_user(app, people["resident"])
        with pytest.raises(PermissionDenied):
            needs.withdraw_need(author, db.session.get(Need, need_id))


def test_support_rules(app, people, places):
    need_id = post_need(app, people["resident"])
    with command(app):
        need = db.session.get(Need, need_id)
        with pytest.raises(ServiceError) as refused:
            needs.support_need(as_user(app, people["resident"]), need)
        assert refused.value.code == "own_need"
        for outsider in ("outsider", "unverified", "other_worker"):
            with pytest.raises(PermissionDenied):
                needs.support_need(as_user(app, people[outsider]), need)
        assert needs.support_need(as_user(app, people["neighbour"]), need) == 1
        db.session.commit()  # the support is one request; the next is refused on its own
        with pytest.raises(ServiceError) as refused:
            needs.support_need(as_user(app, people["neighbour"]), db.session.get(Need, need_id))
        assert refused.value.code == "already_supported"
        assert db.session.get(Need, need_id).support_count == 1


def test_reaching_the_threshold_puts_the_need_on_the_agenda_and_tells_the_author(client, login, people, app, places):
    need_id = post_need(app, people["resident"])
    wants_each_mail(app, people["resident"])
    login("worker@example.cn")
    client.submit(
        f"/communities/{places['community']}/threshold",
        {"threshold": "2"},
        form_url=f"/places/community/{places['community']}",
    )
    client.submit("/logout", {})
    for email in ("neighbour@example.cn", "third@example.cn"):
        login(email)
        client.submit(f"/needs/{need_id}/support", {}, form_url=f"/needs/{need_id}")
        client.submit("/logout", {})
    with command(app):
        need = db.session.get(Need, need_id)
        assert (need.status, need.support_count) == ("on_agenda", 2)
        notes = db.session.scalars(db.select(Notification).filter_by(user_id=people["resident"])).all()
        assert [n.kind for n in notes] == ["need_on_agenda"]
    with app.test_request_context():
        subjects = [m["subject"] for m in mail.outbox_messages()]
    assert subjects == ["您的需求“独居老人助餐服务”有新进展"]
    login("resident@example.cn")
    page = client.get("/notifications").get_data(as_text=True)
    assert "2 位邻居支持，已列入社区议程" in page
    assert '<span class="count">1</span>' in page
    client.submit("/notifications/read", {}, form_url="/notifications")
    assert '<span class="count">' not in client.get("/notifications").get_data(as_text=True)


def test_worker_threshold_only_in_own_community(client, login, people, app, places):
    login("worker@example.cn")
    client.submit(f"/communities/{places['other_community']}/threshold", {"threshold": "3"}, form_url="/")
    with command(app):
        assert needs.support_threshold(places["other_community"]) == 10


def test_double_support_sent_at_once_counts_once(app, people):
    need_id = post_need(app, people["resident"])

    def support():
        return needs.support_need(db.session.get(User, people["neighbour"]), db.session.get(Need, need_id))

    results = run_at_once(app, [support, support])
    assert sorted(type(r).__name__ for r in results) == ["ServiceError", "int"], results
    with command(app):
        assert db.session.get(Need, need_id).support_count == 1
        assert db.session.scalar(db.select(db.func.count(NeedSupport.id))) == 1


def test_supports_from_different_people_at_once_are_all_counted(app, people):
    need_id = post_need(app, people["resident"])

    def support(who):
        return lambda: needs.support_need(db.session.get(User, people[who]), db.session.get(Need, need_id))

    results = run_at_once(app, [support("neighbour"), support("third")])
    assert all(isinstance(r, int) for r in results), results
    with command(app):
        assert db.session.get(Need, need_id).support_count == 2


def test_comments_only_from_residents_of_the_community(client, login, people, app):
    need_id = post_need(app, people["resident"])
    login("outsider@example.cn")
    client.submit(f"/needs/{need_id}/comments", {"body": "路过看看"}, form_url=f"/needs/{need_id}")
    client.submit("/logout", {})
    login("neighbour@example.cn")
    client.submit(f"/needs/{need_id}/comments", {"body": "我家老人也需要，支持！"}, form_url=f"/needs/{need_id}")
    page = client.get(f"/needs/{need_id}").get_data(as_text=True)
    assert "我家老人也需要" in page and "路过看看" not in page


def test_flag_then_worker_hides_with_a_reason_the_author_sees(client, login, people, app):
    need_id = post_need(
        app, people["resident"], title="骂人的内容在这里", description="这是一段不文明的内容，用来测试屏蔽。"
    )
    login("outsider@example.cn")  # anyone signed in may report
    client.submit(
        f"/flag/need/{need_id}", {"reason": "辱骂他人", "back": f"/needs/{need_id}"}, form_url=f"/needs/{need_id}"
    )
    page = client.submit(f"/flag/need/{need_id}", {"reason": "再举报一次", "back": "/"}, form_url="/",
                         follow_redirects=True).get_data(as_text=True)
    assert "您已经举报过了" in page
    client.submit("/logout", {})
    login("other_worker@example.cn".replace("other_worker", "worker2"))
    client.submit(f"/hide/need/{need_id}", {"reason": "不在我的社区", "back": "/"}, form_url="/")
    with command(app):
        assert db.session.get(Need, need_id).hidden_at is None  # not their community
    client.submit("/logout", {})
    login("worker@example.cn")
    assert "辱骂他人" in client.get("/worker/flags").get_data(as_text=True)
    client.submit(f"/hide/need/{need_id}", {"reason": "含有辱骂内容", "back": "/"}, form_url="/")
    with command(app):
        need = db.session.get(Need, need_id)
        assert need.hidden_reason == "含有辱骂内容"
        flag = db.session.scalar(db.select(Flag))
        assert (flag.resolution, flag.resolved_by_id) == ("hidden", people["worker"])
    client.submit("/logout", {})
    assert client.get(f"/needs/{need_id}").status_code == 404  # the public no longer sees it
    login("resident@example.cn")
    page = client.get(f"/needs/{need_id}").get_data(as_text=True)
    assert "已被社区工作者屏蔽：含有辱骂内容" in page


def test_hidden_comment_shows_reason_to_its_author_only(client, login, people, app):
    need_id = post_need(app, people["resident"])
    with command(app):
        comment = needs.add_comment(
            as_user(app, people["neighbour"]), db.session.get(Need, need_id), "广告：低价出售保健品"
        )
        moderation.hide(as_user(app, people["worker"]), "comment", comment.id, "广告")
    assert "低价出售保健品" not in client.get(f"/needs/{need_id}").get_data(as_text=True)
    login("neighbour@example.cn")
    page = client.get(f"/needs/{need_id}").get_data(as_text=True)
    assert "低价出售保健品" in page and "已被社区工作者屏蔽：广告" in page


def _request_form(app, need_ids, **overrides):
    return {
        "need_ids": need_ids,
        "title": "平江街道桐芳社区老年助餐服务",
        "description": "为社区独居和高龄老人提供午餐配送。",
        "category_id": category_id(app),
        "beneficiaries": "45",
        "estimated_budget": "120,000.50",
        "track": "government_purchase",
        **overrides,
    }


def test_worker_triage_merges_needs_into_a_request(client, login, people, app, places):
    first = post_need(app, people["resident"])
    second = post_need(app, people["neighbour"], title="高龄老人送餐上门", urgency="urgent")
    elsewhere = post_need(app, people["outsider"], title="别的社区的需求")
    login("worker@example.cn")
    queue = client.get("/worker/needs?sort=urgency").get_data(as_text=True)
    assert "别的社区的需求" not in queue
    assert queue.index("高龄老人送餐上门") < queue.index("独居老人助餐服务")  # most urgent first
    page = client.submit("/worker/requests", _request_form(app, [first, elsewhere]), form_url="/worker/needs",
                         follow_redirects=True).get_data(as_text=True)
    assert "只有本社区的社区工作者" in page or "只能合并同一社区" in page
    bad_budget = client.submit("/worker/requests", _request_form(app, [first], estimated_budget="12.345"),
                               form_url="/worker/needs", follow_redirects=True).get_data(as_text=True)
    assert "请以元为单位填写金额" in bad_budget
    with command(app):
        assert db.session.scalar(db.select(db.func.count(CommunityRequest.id))) == 0
        assert db.session.get(Need, first).status == "open"
    response = client.submit("/worker/requests", _request_form(app, [first, second]), form_url="/worker/needs")
    assert response.status_code == 302
    with command(app):
        request = db.session.scalar(db.select(CommunityRequest))
        assert (request.estimated_budget_fen, request.status, len(request.needs)) == (12_000_050, "proposed", 2)
        assert {n.status for n in request.needs} == {"merged"}
    page = client.get(response.location).get_data(as_text=True)
    assert "¥120,000.50" in page


def test_worker_declines_with_a_reason_residents_see(client, login, people, app):
    need_id = post_need(app, people["resident"])
    login("worker@example.cn")
    page = client.submit(
        f"/needs/{need_id}/decline", {"reason": ""}, form_url=f"/needs/{need_id}", follow_redirects=True
    )
    with command(app):
        assert db.session.get(Need, need_id).status == "open"
    client.submit(
        f"/needs/{need_id}/decline", {"reason": "该服务已由街道日间照料中心提供"}, form_url=f"/needs/{need_id}"
    )
    client.submit("/logout", {})
    page = client.get(f"/needs/{need_id}").get_data(as_text=True)
    assert "社区不予受理：该服务已由街道日间照料中心提供" in page


def _request_with_needs(app, people):
    first = post_need(app, people["resident"])
    second = post_need(app, people["neighbour"], title="高龄老人送餐上门")
    with command(app):
        data = triage.RequestData("老年助餐服务", "为独居和高龄老人提供午餐配送。", category_id(app), 45, 12_000_000,
                                    "government_purchase")
        return triage.create_request(as_user(app, people["worker"]), [first, second], data).id, first


def _hearing(app, people, request_id, frozen):
    with command(app):
        return hearings.schedule_hearing(as_user(app, people["worker"]), db.session.get(CommunityRequest, request_id),
                                         "hearing", frozen.now() + timedelta(days=3), "桐芳社区党群服务中心",
                                         "讨论老年助餐服务方案").id


def test_hearing_vote_and_outcome(client, login, people, app, frozen):
    request_id, first = _request_with_needs(app, people)
    login("worker@example.cn")
    past = client.submit(
        f"/requests/{request_id}/hearings",
        {"kind": "hearing", "scheduled_at": "2020-01-01T10:00", "location": "会议室", "agenda": "议程"},
        form_url=f"/requests/{request_id}",
    ).get_data(as_text=True)
    assert "会议时间必须晚于现在" in past
    response = client.submit(f"/requests/{request_id}/hearings",
                             {"kind": "hearing", "scheduled_at": "2026-11-25T19:00", "location": "桐芳社区党群服务中心",
                              "agenda": "讨论老年助餐服务方案"}, form_url=f"/requests/{request_id}")
    hearing_url = response.location
    with command(app):
        hearing = db.session.scalar(db.select(Hearing))
        assert hearing.scheduled_at == START.replace(day=25, hour=11)  # 19:00 in Beijing is 11:00 UTC
        hearing_id = hearing.id
    frozen.advance(days=3, hours=9)  # the meeting starts: voting opens there
    client.submit(f"/hearings/{hearing_id}/open", {}, form_url=hearing_url)
    client.submit("/logout", {})
    for email, choice in (
        ("resident@example.cn", "for"),
        ("neighbour@example.cn", "for"),
        ("third@example.cn", "against"),
    ):
        login(email)
        client.submit(f"/hearings/{hearing_id}/vote", {"choice": choice}, form_url=hearing_url)
        page = client.submit(f"/hearings/{hearing_id}/vote", {"choice": "against"}, form_url=hearing_url,
                             follow_redirects=True).get_data(as_text=True)
        assert "您已经投过票了" in page
        client.submit("/logout", {})
    login("outsider@example.cn")
    client.submit(f"/hearings/{hearing_id}/vote", {"choice": "against"}, form_url=hearing_url)
    client.submit("/logout", {})
    login("worker@example.cn")
    client.submit(
        f"/hearings/{hearing_id}/close",
        {"attendance": "32", "minutes": "居民一致认为需要助餐服务。", "confirm": "y"},
        form_url=hearing_url,
    )
    with command(app):
        hearing = db.session.get(Hearing, hearing_id)
        assert (hearing.votes_for, hearing.votes_against, hearing.votes_abstain, hearing.outcome) == (2, 1, 0, "passed")
        assert db.session.get(CommunityRequest, request_id).hearing_outcome == "passed"
    client.submit(f"/requests/{request_id}/forward", {"confirmed": "y"}, form_url=f"/requests/{request_id}")
    with command(app):
        assert db.session.get(CommunityRequest, request_id).status == "forwarded"
    client.submit("/logout", {})
    timeline_page = client.get(f"/needs/{first}").get_data(as_text=True)
    for step in (
        "发布需求",
        "已合并到社区需求“老年助餐服务”",
        "听证会定于",
        "已召开听证会：赞成 2 票，反对 1 票，弃权 0 票。结果：通过",
        "提交政府购买服务",
    ):
        assert step in timeline_page, step


def _voting_hearing(app, people, request_id, frozen):
    """A meeting scheduled three days ahead; the clock moves to it and its vote opens."""
    hearing_id = _hearing(app, people, request_id, frozen)
    frozen.advance(days=3)
    with command(app):
        hearings.open_voting(as_user(app, people["worker"]), db.session.get(Hearing, hearing_id))
    return hearing_id


def _errors_at(page, field_id):
    match = re.search(rf'<ul id="{field_id}-errors" class="errors">(.*?)</ul>', page, re.S)
    return match.group(1) if match else ""


def _error_summary(page):
    match = re.search(r'<div class="flash flash-error" role="alert" data-test="error-summary">(.*?)</div>', page, re.S)
    return match.group(1) if match else ""


def _timeline(page):
    return re.findall(r"<li>(.*?)</li>", re.search(r'data-test="timeline">(.*?)</ol>', page, re.S).group(1), re.S)


def _in_english(client):
    client.submit("/language", {"lang": "en", "next": "/"}, form_url="/")


def test_double_vote_sent_at_once_counts_once(app, people, frozen):
    request_id, _first = _request_with_needs(app, people)
    hearing_id = _voting_hearing(app, people, request_id, frozen)

    def vote():
        return hearings.vote(db.session.get(User, people["neighbour"]), db.session.get(Hearing, hearing_id), "for")

    results = run_at_once(app, [vote, vote])
    assert sorted(type(r).__name__ for r in results) == ["HearingVote", "ServiceError"], results
    with command(app):
        assert db.session.scalar(db.select(db.func.count(HearingVote.id))) == 1


def test_worker_cannot_act_outside_their_communities(app, people, frozen):
    request_id, first = _request_with_needs(app, people)
    hearing_id = _hearing(app, people, request_id, frozen)
    other = post_need(app, people["resident"], title="另一条需求的标题")
    with command(app):
        stranger = as_user(app, people["other_worker"])
        request = db.session.get(CommunityRequest, request_id)
        hearing = db.session.get(Hearing, hearing_id)
        need = db.session.get(Need, other)
        data = triage.RequestData("越权合并的请求", "描述", category_id(app), 1, 0, "self_governance")
        for attempt in (
            lambda: triage.create_request(stranger, [other], data),
            lambda: triage.decline_need(stranger, need, "理由"),
            lambda: moderation.hide(stranger, "need", other, "理由"),
            lambda: hearings.schedule_hearing(
                stranger, request, "hearing", frozen.now() + timedelta(days=1), "地点", "议程"
            ),
            lambda: hearings.open_voting(stranger, hearing),
            lambda: hearings.close_hearing(stranger, hearing, 1, "纪要"),
            lambda: triage.forward_request(stranger, request),
            lambda: triage.set_support_threshold(stranger, need.community_id, 3),
        ):
            with pytest.raises(PermissionDenied):
                attempt()
        assert db.session.get(Need, other).status == "open"


def test_closing_a_hearing_asks_for_confirmation_and_shows_every_error(client, login, people, app, frozen):
    request_id, _first = _request_with_needs(app, people)
    hearing_id = _voting_hearing(app, people, request_id, frozen)
    url = f"/hearings/{hearing_id}"
    login("worker@example.cn")
    # Minuted but not confirmed: refused, with the reason at the top and at the box.
    response = client.submit(f"{url}/close", {"attendance": "32", "minutes": "居民一致同意。"}, form_url=url)
    with command(app):
        assert db.session.get(Hearing, hearing_id).status == "voting"
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert _errors_at(page, "confirm") and '<a href="#confirm">确认现在结束投票：之后不能再投票</a>' in _error_summary(
        page
    )
    assert not _errors_at(page, "minutes") and "居民一致同意。" in page  # what was typed comes back
    assert re.search(r'<input [^>]*id="confirm" name="confirm" required type="checkbox"', page)
    # Neither confirmed nor minuted: every error at the top (linking to its field) and at its field.
    _in_english(client)
    page = client.submit(f"{url}/close", {"attendance": "32", "minutes": ""}, form_url=url).get_data(as_text=True)
    refusal = "Tick the box to confirm: closing the meeting cannot be undone."
    summary = _error_summary(page)
    assert refusal in _errors_at(page, "confirm") and refusal in summary and '<a href="#confirm">' in summary
    assert "This field is required." in _errors_at(page, "minutes") and '<a href="#minutes">Minutes</a>' in summary
    assert 'value="32"' in page
    with command(app):
        assert db.session.get(Hearing, hearing_id).status == "voting"
    response = client.submit(
        f"{url}/close", {"attendance": "32", "minutes": "居民一致同意。", "confirm": "y"}, form_url=url
    )
    assert response.status_code == 302
    with command(app):
        hearing = db.session.get(Hearing, hearing_id)
        assert (hearing.status, hearing.attendance, hearing.minutes) == ("closed", 32, "居民一致同意。")


def test_a_hearing_more_than_a_year_ahead_is_refused(client, login, people, app, frozen):
    request_id, _first = _request_with_needs(app, people)
    with command(app):
        worker = as_user(app, people["worker"])
        for when in (datetime(9999, 12, 31, 2, 0), frozen.now() + timedelta(days=366)):
            with pytest.raises(ServiceError) as refused:
                hearings.schedule_hearing(worker, db.session.get(CommunityRequest, request_id), "hearing", when,
                                          "桐芳社区党群服务中心", "讨论老年助餐服务方案")
            assert refused.value.field == "scheduled_at"
        assert db.session.scalar(db.select(db.func.count(Hearing.id))) == 0
        hearings.schedule_hearing(worker, db.session.get(CommunityRequest, request_id), "hearing",
                                  frozen.now() + timedelta(days=360), "桐芳社区党群服务中心", "讨论老年助餐服务方案")
    login("worker@example.cn")
    _in_english(client)
    form_url = f"/requests/{request_id}"
    for typed, message in (("9999-12-31T10:00", "A meeting can be scheduled at most one year ahead."),
                           ("2027-11-23T10:00", "A meeting can be scheduled at most one year ahead."),
                           ("0001-01-01T00:00", "The meeting must be in the future.")):
        response = client.submit(f"/requests/{request_id}/hearings", {"kind": "hearing", "scheduled_at": typed,
                                 "location": "会议室", "agenda": "议程"}, form_url=form_url)
        assert response.status_code == 200, typed
        page = response.get_data(as_text=True)
        assert message in _errors_at(page, "scheduled_at") and message in _error_summary(page), typed
    with command(app):
        assert db.session.scalar(db.select(db.func.count(Hearing.id))) == 1


def test_a_hearing_is_not_opened_or_closed_before_it_takes_place(client, login, people, app, frozen):
    request_id, _first = _request_with_needs(app, people)
    with command(app):
        hearing_id = hearings.schedule_hearing(
            as_user(app, people["worker"]), db.session.get(CommunityRequest, request_id), "hearing",
            frozen.now() + timedelta(days=7), "桐芳社区党群服务中心", "讨论老年助餐服务方案").id
    url = f"/hearings/{hearing_id}"

    def service_refuses(action, code):
        with app.test_request_context(), force_locale("en"):
            with pytest.raises(ServiceError) as refused:
                action(as_user(app, people["worker"]), db.session.get(Hearing, hearing_id))
            assert refused.value.code == code

    # A week before the meeting: no vote yet, neither from the service nor from the page.
    service_refuses(hearings.open_voting, "meeting_not_started")
    login("worker@example.cn")
    page = client.get(url).get_data(as_text=True)
    assert f'action="{url}/open"' not in page and 'data-test="not-started"' in page
    assert f'action="{url}/cancel"' in page  # calling it off is still possible
    client.submit(f"{url}/open", {}, form_url=url)
    with command(app):
        assert db.session.get(Hearing, hearing_id).status == "scheduled"
    # The meeting starts: the vote opens.
    frozen.advance(days=7)
    assert 'data-test="not-started"' not in client.get(url).get_data(as_text=True)
    client.submit(f"{url}/open", {}, form_url=url)
    with command(app):
        assert db.session.get(Hearing, hearing_id).status == "voting"
    # A vote opened before its meeting (as the rule used to allow) is not closed before it either.
    frozen.at = START
    service_refuses(
        lambda worker, hearing: hearings.close_hearing(worker, hearing, 30, "纪要"), "meeting_not_held"
    )
    page = client.get(url).get_data(as_text=True)
    assert 'data-test="close-form"' not in page and 'data-test="not-started"' in page
    closing = {"attendance": "30", "minutes": "纪要", "confirm": "y"}
    client.submit(f"{url}/close", closing, form_url=f"/requests/{request_id}")
    with command(app):
        assert db.session.get(Hearing, hearing_id).status == "voting"
    frozen.advance(days=7, hours=2)
    assert client.submit(f"{url}/close", closing, form_url=url).status_code == 302
    with command(app):
        assert db.session.get(Hearing, hearing_id).status == "closed"


def test_a_cancelled_hearing_is_on_the_timelines_with_its_reason(client, login, people, app, frozen):
    request_id, first = _request_with_needs(app, people)
    hearing_id = _hearing(app, people, request_id, frozen)
    reason = "会议室临时用作流感疫苗接种点，听证会延期。"
    login("worker@example.cn")
    client.submit(f"/hearings/{hearing_id}/cancel", {"reason": reason}, form_url=f"/hearings/{hearing_id}")
    with command(app):
        assert db.session.get(Hearing, hearing_id).status == "cancelled"
        event = db.session.scalar(db.select(TimelineEvent).filter_by(kind="hearing_cancelled"))
        assert (event.request_id, event.detail["reason"], event.detail["hearing_id"]) == (
            request_id,
            reason,
            hearing_id,
        )
        told = db.session.scalars(db.select(Notification.user_id).filter_by(kind=event.kind)).all()
        assert sorted(told) == sorted([people["resident"], people["neighbour"]])  # the needs' authors
    client.submit("/logout", {})
    for language in ("zh", "en"):
        if language == "en":
            _in_english(client)
        for url in (f"/requests/{request_id}", f"/needs/{first}"):
            steps = _timeline(client.get(url).get_data(as_text=True))
            scheduled = [
                i for i, step in enumerate(steps) if ("听证会定于" if language == "zh" else "scheduled for") in step
            ]
            cancelled = [i for i, step in enumerate(steps) if reason in step]
            assert len(scheduled) == 1 and len(cancelled) == 1 and scheduled[0] < cancelled[0], (language, url, steps)
            step = steps[cancelled[0]]
            assert "听证会" in step and "hearing_cancelled" not in step and "王丽华" in step
            if language == "en":
                when = re.search(r"scheduled for (.+?) at ", steps[scheduled[0]]).group(1)
                assert f"Hearing (听证会) set for {when} cancelled: {reason}" in step


def test_request_cannot_go_forward_while_a_hearing_is_open(app, people, frozen):
    request_id, _first = _request_with_needs(app, people)
    _hearing(app, people, request_id, frozen)
    with command(app):
        with pytest.raises(ServiceError) as refused:
            triage.forward_request(as_user(app, people["worker"]), db.session.get(CommunityRequest, request_id))
        assert refused.value.code == "hearing_open"


def test_mail_is_sent_only_when_the_step_is_saved(app, people):
    need_id = post_need(app, people["resident"])
    with app.test_request_context():
        worker = as_user(app, people["worker"])
        need = db.session.get(Need, need_id)
        from market.needs import timeline

        timeline.record("need_declined", worker, need=need, reason="测试")
        db.session.rollback()
        assert mail.outbox_messages() == []
        assert db.session.scalar(db.select(db.func.count(Notification.id))) == 0


def test_community_page_and_roll_ups(client, people, app, places):
    post_need(app, people["resident"])
    request_id, _first = _request_with_needs(app, people)
    page = client.get(f"/places/community/{places['community']}").get_data(as_text=True)
    assert "独居老人助餐服务" in page and "老年助餐服务" in page
    street = client.get(f"/places/street/{places['street']}").get_data(as_text=True)
    assert "1 条待办需求 · 1 项社区需求" in street
    district = client.get(f"/places/district/{places['district']}").get_data(as_text=True)
    assert "<td>1</td><td>1</td>" in district


def test_long_discussions_are_paginated(client, people, app):
    need_id = post_need(app, people["resident"])
    with command(app):
        for i in range(25):
            needs.add_comment(as_user(app, people["neighbour"]), db.session.get(Need, need_id), f"第{i:02d}条评论")
    first = client.get(f"/needs/{need_id}").get_data(as_text=True)
    assert "第00条评论" in first and "第19条评论" in first and "第20条评论" not in first
    assert "第 1 页，共 2 页" in first and "comments_page=2" in first
    second = client.get(f"/needs/{need_id}?comments_page=2").get_data(as_text=True)
    assert "第24条评论" in second and "第00条评论" not in second


def test_worker_desk_counts_what_waits(client, login, people, app, places):
    post_need(app, people["resident"])
    with command(app):
        from market.accounts import services as accounts

        accounts.request_residence(as_user(app, people["unverified"]), places["community"])
    login("worker@example.cn")
    page = client.get("/worker").get_data(as_text=True)
    assert 'data-test="desk-needs">1<' in page and 'data-test="desk-residents">1<' in page
    assert 'data-test="desk-flags">0<' in page
    client.submit("/logout", {})
    login("resident@example.cn")
    assert client.get("/worker").status_code == 403


def test_amounts_above_a_32_bit_integer_are_kept_exactly(app, people, client):
    """¥30,000,000 is 3,000,000,000 fen: more than PostgreSQL's integer holds. Estimates, budgets and bid
    prices are bigint, and the tender list's budget filter takes such amounts (it answered 500)."""
    first = post_need(app, people["resident"])
    with command(app):
        data = triage.RequestData("全街道居家养老服务", "覆盖全街道的居家养老上门服务。", category_id(app), 4000,
                                    3_000_000_000, "government_purchase")
        request_id = triage.create_request(as_user(app, people["worker"]), [first], data).id
        db.session.expire_all()
        assert db.session.get(CommunityRequest, request_id).estimated_budget_fen == 3_000_000_000
    for query in ("max_budget=2147483648", "min_budget=21474837", "min_budget=99999999999&max_budget=99999999999"):
        assert client.get(f"/procurement/tenders?{query}").status_code == 200, query
