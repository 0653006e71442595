"""A contract in Chromium: both sides sign, the organization reports, the purchaser accepts and
pays; the public contract page, the money pages and the request's timeline then agree."""
import pytest
from playwright.sync_api import expect

from browser import screenshot, sign_in
from tests.factories import award_tender

pytestmark = pytest.mark.browser


def test_sign_report_accept_and_pay_in_the_browser(live_server, browser, tender_world, app, frozen, make_user, places):
    world = tender_world
    base = live_server
    award_tender(app, world, frozen, make_user, places)
    frozen.advance(days=10)  # the award's notice period is over
    contract_url = f"{base}/contracts/{world['contract']}"
    buyer = browser.new_context(viewport={"width": 1200, "height": 900}).new_page()
    org = browser.new_context(viewport={"width": 390, "height": 844}).new_page()  # the organization on a phone
    sign_in(buyer, base, "buyer@example.cn")
    sign_in(org, base, "org2@example.cn")

    buyer.goto(base + "/contracts")
    buyer.locator("[data-test=drafts]").get_by_role("link").click()
    expect(buyer.locator("[data-test=contract-status]")).to_have_text("草案，待签署")
    buyer.get_by_label("我已阅读条款，代表本方签署").check()
    buyer.get_by_role("button", name="以购买主体（甲方）身份签署").click()
    expect(buyer.get_by_text("已签署。双方都签署后合同生效。")).to_be_visible()

    org.goto(contract_url)
    org.get_by_label("我已阅读条款，代表本方签署").check()
    org.get_by_role("button", name="以承接主体（乙方）身份签署").click()
    expect(org.locator("[data-test=contract-status]")).to_have_text("履行中")

    org.locator("[data-test=milestone-1]").get_by_role("link", name="报告服务情况").click()
    org.get_by_label("开展的服务活动").fill("每个工作日为45位老人送餐，共送餐1980份，回访满意度98%。")
    org.get_by_label("服务人数").fill("45")
    org.get_by_label("预算科目 1").fill("人员")
    org.get_by_label("预算（元） 1").fill("20000")
    org.get_by_label("实际支出（元） 1").fill("19500")
    org.get_by_label("照片和文件（PDF、Word、Excel、PNG、JPG，最多6个）").set_input_files(
        {"name": "送餐现场.png", "mimeType": "image/png", "buffer": b"\x89PNG\r\n\x1a\n" + b"\0" * 64})
    org.get_by_role("button", name="提交报告").click()
    expect(org.get_by_text("报告已提交，由购买主体验收。")).to_be_visible()
    screenshot(org, "contract-reported-phone")

    buyer.goto(contract_url)
    first = buyer.locator("[data-test=milestone-1]")
    expect(first.get_by_text("送餐现场.png")).to_be_visible()
    first.get_by_label("验收结论", exact=True).select_option("accepted")
    first.get_by_label("我已审核报告；验收通过后该期款项即为应付").check()
    first.get_by_role("button", name="记录验收结论").click()
    expect(buyer.get_by_text("验收结论已记录。")).to_be_visible()
    first = buyer.locator("[data-test=milestone-1]")
    first.get_by_label("确认向社会组织2号支付该期款项").check()
    first.get_by_role("button", name="支付 ¥36,000.00").click()
    expect(buyer.get_by_text("款项已支付。")).to_be_visible()
    expect(buyer.locator("[data-test=paid]")).to_have_text("¥36,000.00")
    screenshot(buyer, "contract-paid")

    # The public sees the same: the contract, the money pages and the request's timeline.
    public = browser.new_context(locale="zh-CN").new_page()
    public.goto(contract_url)
    expect(public.locator("[data-test=payment]")).to_contain_text("ledger-payout-milestone-")
    public.goto(f"{base}/money/community/{places['community']}")
    expect(public.locator("[data-test=paid]")).to_have_text("¥36,000.00")
    expect(public.locator("[data-test=contracted]")).to_have_text("¥120,000.00")
    assert public.locator("[data-test=chart]").evaluate("img => img.naturalWidth") > 0  # the SVG chart rendered
    screenshot(public, "money-community")
    public.goto(f"{base}/requests/{world['request']}")
    for step in ("签订合同", "提交服务报告", "验收通过", "已为“"):
        expect(public.get_by_text(step, exact=False).first).to_be_visible()
    public.context.close()
