"""A full tender in Chromium: catalog import → tender → sealed bid → opening → scoring → award notice.
The clock is the test's: it jumps past the deadlines between steps."""
import io

import pytest
from openpyxl import Workbook
from playwright.sync_api import expect

from browser import open_person_menu, screenshot, sign_in
from tests.factories import bid

pytestmark = pytest.mark.browser


def catalog_xlsx() -> bytes:
    workbook = Workbook()
    workbook.active.append(["编码", "服务领域", "项目名称", "说明", "竞争程度"])
    workbook.active.append(["A01", "养老", "社区老年助餐服务", "为独居和高龄老人配送午餐", "充分竞争"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()



def test_full_tender_from_catalog_to_award_notice(live_server, browser, tender_world, app, frozen, make_user):
    world = tender_world
    base = live_server
    buyer = browser.new_context(viewport={"width": 1200, "height": 900}).new_page()
    sign_in(buyer, base, "buyer@example.cn")

    # Catalog: import from Excel and publish.
    open_person_menu(buyer)
    buyer.get_by_role("navigation", name="主导航").get_by_role("link", name="采购工作台").click()
    buyer.get_by_role("link", name="新建目录").click()
    buyer.get_by_label("年度").fill("2027")
    buyer.get_by_label("标题").fill("姑苏区民政局2027年政府购买服务指导目录")
    buyer.get_by_role("button", name="创建草稿").click()
    buyer.get_by_label("目录文件").set_input_files(
        {
            "name": "目录.xlsx",
            "buffer": catalog_xlsx(),
            "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    )
    buyer.get_by_role("button", name="导入").click()
    expect(buyer.get_by_text("已导入 1 项。")).to_be_visible()
    buyer.get_by_label("确认发布").check()
    buyer.get_by_role("button", name="发布").click()
    expect(buyer.locator("[data-test=catalog-status]")).to_have_text("已发布")

    # Tender: draft and publish.
    buyer.goto(base + "/procurement/tenders/new")
    buyer.get_by_label("目录条目").select_option(label="2027 · A01 社区老年助餐服务")
    buyer.get_by_label("标题").fill("桐芳社区老年助餐服务项目")
    buyer.get_by_label("采购内容").fill("为45位独居和高龄老人提供工作日午餐配送。")
    buyer.get_by_label("服务标准").fill("每个工作日11点前送达，热食，菜品每周不重样。")
    buyer.get_by_label("预算上限（元）").fill("120000")
    buyer.get_by_label("采购方式").select_option("open_tender")
    buyer.get_by_label("价格权重（%）").fill("30")
    buyer.get_by_label("评分项").fill("服务方案：40\n团队能力：30")
    buyer.get_by_label("提问截止").fill("2026-12-01T17:00")
    buyer.get_by_label("投标截止").fill("2026-12-14T17:00")
    buyer.get_by_label("开标时间").fill("2026-12-14T19:00")
    buyer.get_by_role("button", name="保存草稿").click()
    expect(buyer.get_by_text("采购项目草稿已保存，请核对后发布。")).to_be_visible()
    tender_url = buyer.url
    buyer.get_by_label("确认发布：投标人将依据这些条件投标").check()
    buyer.get_by_role("button", name="发布采购项目").click()
    expect(buyer.locator("[data-test=tender-status]")).to_have_text("投标中")
    buyer.get_by_label("评审专家").select_option(label="周立新")
    buyer.get_by_role("button", name="加入评审小组").click()
    expect(buyer.get_by_text("专家已加入评审小组。")).to_be_visible()
    tender_id = int(tender_url.rstrip("/").split("/")[-1])

    # A bidder bids in English and gets a receipt; two more bid through the service.
    bidder = browser.new_context(viewport={"width": 1200, "height": 900}).new_page()
    sign_in(bidder, base, "org0@example.cn")
    bidder.goto(tender_url)
    bidder.locator("[data-test=lang-en]").click()
    bidder.get_by_role("link", name="Bid or amend").click()
    bidder.get_by_label("Proposal").fill("中央厨房配餐，社工上门送餐并探访。")
    bidder.get_by_label("Team").fill("社工3名，厨师2名")
    bidder.get_by_label("Delivery plan").fill("第1月开通，第2月起全覆盖。")
    bidder.get_by_label("Price (yuan)").fill("100000")
    bidder.get_by_label("Budget lines").fill("人员：70000\n餐费补贴：30000")
    bidder.get_by_role("button", name="Submit the sealed bid").click()
    expect(bidder.get_by_text("The content matches the receipt.")).to_be_visible()
    digest = bidder.locator("[data-test=digest]").inner_text()
    assert len(digest) == 64
    world["tender"] = tender_id
    bid(app, world, 1, 9_000_000, proposal="第二家方案")
    bid(app, world, 2, 11_000_000, proposal="第三家方案")

    # Before the opening, the purchaser sees that bids are sealed, and nothing of them.
    buyer.reload()
    expect(buyer.get_by_text("投标密封至")).to_be_visible()
    expect(buyer.get_by_text("中央厨房配餐")).to_have_count(0)

    # The clock passes the opening time.
    frozen.advance(days=22, hours=10)
    buyer.reload()
    expect(buyer.locator("[data-test=tender-status]")).to_have_text("已开标")
    expect(buyer.locator("[data-test=opened-bids]")).to_contain_text(digest)

    # The expert declares, then scores each bid.
    expert = browser.new_context(viewport={"width": 1200, "height": 900}).new_page()
    sign_in(expert, base, "expert@example.cn")
    expert.goto(tender_url)
    expert.get_by_role("link", name="申报并评分").click()
    for radio in expert.get_by_label("无利益冲突").all():
        radio.check()
    expert.get_by_role("button", name="申报").click()
    for index, (plan, team) in enumerate(((35, 25), (30, 22), (38, 28))):
        form = expert.locator("article.card").nth(index)
        form.locator("input[type=number]").nth(0).fill(str(plan))
        form.locator("input[type=number]").nth(1).fill(str(team))
        for area in form.locator("textarea").all():
            area.fill("方案完整，可行。")
        form.locator("button[type=submit]").click()
        expect(expert.get_by_text("评分已保存。")).to_be_visible()
    expect(expert.locator("[data-test=expert-done]")).to_be_visible()

    # The purchaser completes the evaluation and awards the top-ranked bid.
    buyer.reload()
    buyer.get_by_label("确认：排名将公开").check()
    buyer.get_by_role("button", name="完成评审").click()
    expect(buyer.locator("[data-test=ranking]")).to_contain_text("社会组织2号")
    buyer.get_by_label("确认定标：公示期从现在开始").check()
    buyer.get_by_role("button", name="定标并发布公示").click()
    expect(buyer.locator("[data-test=award]")).to_contain_text("由 社会组织2号 以 ¥110,000.00 中标。")
    expect(buyer.locator("[data-test=blockers]")).to_contain_text("公示期至")
    screenshot(buyer, "tender-awarded-zh")

    # The bidder sees the award in English.
    bidder.goto(tender_url)
    expect(bidder.locator("[data-test=tender-status]")).to_have_text("Awarded (in notice)")
    screenshot(bidder, "tender-awarded-en")
