"""From a posted need to a request with a hearing and a vote, in Chromium, in Chinese and English."""
import re

import pytest
from playwright.sync_api import expect

from browser import open_person_menu, screenshot, sign_in
from market.accounts.roles import Role

pytestmark = pytest.mark.browser



def test_need_to_request_with_hearing_and_vote(live_server, browser, make_user, places, frozen):
    make_user("resident@example.cn", "张晓梅", community=places["community"])
    make_user("neighbour@example.cn", "李建国", community=places["community"])
    make_user("worker@example.cn", "王丽华", roles={Role.COMMUNITY_WORKER: places["community"]})
    base = live_server

    # The resident posts a need, in Chinese.
    resident = browser.new_context(viewport={"width": 1200, "height": 900}).new_page()
    sign_in(resident, base, "resident@example.cn")
    open_person_menu(resident)
    resident.get_by_role("navigation", name="主导航").get_by_role("link", name="发布需求").click()
    resident.get_by_label("需求标题").fill("独居老人助餐服务")
    resident.get_by_label("需求描述").fill("小区里有二十多位独居老人，希望每天中午有人送餐上门。")
    resident.get_by_label("服务领域").select_option(label="养老")
    resident.get_by_label("紧急程度").select_option("high")
    resident.get_by_label("涉及人数").fill("25")
    resident.get_by_role("button", name="发布需求").click()
    expect(resident.get_by_text("需求已发布，邻居们现在可以支持它了。")).to_be_visible()
    need_url = resident.url
    expect(resident.locator("[data-test=timeline]")).to_contain_text("发布需求 — 张晓梅")

    # The neighbour supports it and comments, in English.
    neighbour = browser.new_context(viewport={"width": 1200, "height": 900}).new_page()
    sign_in(neighbour, base, "neighbour@example.cn")
    neighbour.goto(need_url)
    neighbour.locator("[data-test=lang-en]").click()  # saved to the account: the next pages stay English
    neighbour.get_by_role("button", name="Support this need").click()
    expect(neighbour.get_by_text("Thank you: your support is counted.")).to_be_visible()
    expect(neighbour.locator("[data-test=support-count]")).to_have_text("1 supports")
    neighbour.get_by_label("Your comment").fill("我家楼上的王阿姨也需要")
    neighbour.get_by_role("button", name="Comment", exact=True).click()
    expect(neighbour.get_by_text("我家楼上的王阿姨也需要")).to_be_visible()

    # The worker merges it into a request and schedules a hearing.
    worker = browser.new_context(viewport={"width": 1200, "height": 900}).new_page()
    sign_in(worker, base, "worker@example.cn")
    open_person_menu(worker)
    worker.get_by_role("navigation", name="主导航").get_by_role("link", name="社区工作台").click()
    expect(worker.locator("[data-test=desk-needs]")).to_have_text("1")
    worker.get_by_role("link", name="条待处理的居民需求").click()
    worker.get_by_label("合并“独居老人助餐服务”").check()
    worker.get_by_label("社区需求标题").fill("桐芳社区老年助餐服务")
    worker.get_by_label("社区需求说明").fill("为独居老人提供工作日午餐配送。")
    worker.get_by_label("服务领域").select_option(label="养老")
    worker.get_by_label("受益人数").fill("45")
    worker.get_by_label("预算估算（元）").fill("120000")
    worker.get_by_label("满足途径").select_option("government_purchase")
    worker.get_by_role("button", name="合并为社区需求").click()
    expect(worker.get_by_text("社区需求已创建。")).to_be_visible()
    expect(worker.get_by_text("¥120,000.00")).to_be_visible()
    worker.get_by_label("会议类型").select_option("hearing")
    worker.get_by_label("日期和时间").fill("2026-11-28T19:00")
    worker.get_by_label("地点").fill("桐芳社区党群服务中心")
    worker.get_by_label("议程").fill("表决是否申请政府购买助餐服务")
    worker.get_by_role("button", name="安排会议").click()
    expect(worker.get_by_text("会议已安排，相关居民已收到通知。")).to_be_visible()
    hearing_url = worker.url
    expect(worker.get_by_role("button", name="开始投票")).to_have_count(0)  # not before the meeting
    frozen.advance(days=6, hours=9)  # 2026-11-28 19:00 in Suzhou: the meeting starts
    worker.reload()
    worker.get_by_role("button", name="开始投票").click()
    expect(worker.locator("[data-test=hearing-status]")).to_have_text("投票中")

    # Residents vote, once each.
    resident.goto(hearing_url)
    resident.get_by_label("赞成").check()
    resident.get_by_role("button", name="投票").click()
    expect(resident.locator("[data-test=my-vote]")).to_have_text("您的投票：赞成")
    neighbour.goto(hearing_url)
    neighbour.get_by_label("Against").check()
    neighbour.get_by_role("button", name="Vote").click()
    expect(neighbour.locator("[data-test=my-vote]")).to_have_text("You voted: Against")
    expect(neighbour.get_by_role("button", name="Vote")).to_have_count(0)

    # The worker closes the hearing; the outcome lands on the request and on the need's timeline.
    worker.reload()
    expect(worker.locator("[data-test=votes-cast]")).to_have_text("2")
    worker.get_by_label("到会居民人数").fill("30")
    worker.get_by_label("会议纪要").fill("居民讨论了送餐方案。")
    worker.get_by_label("确认现在结束投票").check()
    worker.get_by_role("button", name="结束投票并计票").click()
    expect(worker.locator("[data-test=result]")).to_contain_text("票数相同")
    screenshot(worker, "hearing-closed-zh")

    resident.goto(need_url)
    timeline = resident.locator("[data-test=timeline]")
    expect(timeline).to_contain_text("已合并到社区需求“桐芳社区老年助餐服务”")
    expect(timeline).to_contain_text("已召开听证会：赞成 1 票，反对 1 票，弃权 0 票。结果：票数相同")
    expect(resident.locator("[data-test=notifications] .count")).to_have_text(re.compile(r"\d+"))
    screenshot(resident, "need-timeline-zh")
    neighbour.goto(need_url)
    expect(neighbour.locator("[data-test=timeline]")).to_contain_text("Merged into the community request")
    screenshot(neighbour, "need-timeline-en")


def test_a_demo_need_followed_from_the_figures_to_its_ratings_on_a_phone(app, live_server, phone, frozen,
                                                                          demo_seeded):
    """On a 390 px phone, a visitor goes from the home page's outcome figures down to 桐芳社区, into the
    request the home-visit contract answers, to a resident's need whose journey shows every stage with
    its date, and on to the service's page with its ratings; no page scrolls sideways."""
    page = phone

    def fits():
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, page.url

    page.goto(live_server + "/")
    # the demo's figures, worked out by hand in tests/test_outcomes.py: 9 of 37 answered
    expect(page.locator("[data-test=outcomes] [data-test=posted]")).to_have_text("37")
    expect(page.locator("[data-test=outcomes] [data-test=answered]")).to_have_text("24.3%")
    fits()
    page.locator("[data-test=outcomes-link]").click()
    expect(page.locator("h1")).to_contain_text("需求回应成效")
    fits()
    for place in ("姑苏区", "平江街道", "桐芳社区"):
        page.locator("[data-test=breakdown]").get_by_role("link", name=place, exact=True).click()
        expect(page.locator("h1")).to_contain_text(place)
        fits()
    screenshot(page, "outcomes-community-phone-zh")
    page.get_by_role("link", name="社区主页").click()
    page.get_by_role("link", name="桐芳社区独居老人探访与助洁").click()
    expect(page.locator("[data-test=journey]")).to_be_visible()
    fits()
    page.get_by_role("link", name="独居老人希望有人常来看看").click()
    journey = page.locator("[data-test=journey]")
    expect(journey.locator("[data-test=journey-now]")).to_contain_text("6 位居民评价")
    for stage in ("posted", "request", "hearing", "forwarded", "call", "chosen", "started", "delivered", "evaluated"):
        expect(journey.locator(f"[data-test=stage-{stage}]")).to_have_class("done")
        expect(journey.locator(f"[data-test=stage-{stage}] time")).to_be_visible()  # each with its date
    expect(journey.locator("[data-test=stage-rated]")).to_have_attribute("aria-current", "step")
    fits()
    screenshot(page, "journey-need-phone-zh")
    journey.locator("[data-test=journey-service]").click()
    expect(page.locator("h1")).to_have_text("评估与居民评价")
    expect(page.locator("main")).to_contain_text("平江街道社区助老服务（2026年度）")
    expect(page.get_by_text("探访员很耐心，每次都帮我量血压。")).to_be_visible()  # the residents' ratings
    fits()
