"""Venture philanthropy in Chromium: a resident gives on a phone and sees the live match; the sponsor
closes giving, which freezes the match and drafts the grant agreement; the first tranche is paid
from the agreement's page; the public round page shows the money in and out."""
import pytest
from playwright.sync_api import expect

from browser import screenshot, sign_in
from market.contracts import delivery, payment, signing
from market.core.unit import command
from market.extensions import db
from market.philanthropy import closing
from tests.factories import YUAN, give, open_round, review_and_select, the_round, user

pytestmark = pytest.mark.browser


def test_give_see_the_match_close_giving_and_pay_the_grant_in_the_browser(live_server, browser, round_world, app,
                                                                          frozen):
    base, world = live_server, open_round(app, round_world, frozen)
    review_and_select(app, world, frozen)
    project = world["proposals"][0]
    for giver in ("giver1", "giver2"):
        give(app, world, giver, 0, 100 * YUAN)

    # A resident, on a phone, gives ¥100 anonymously and gets a receipt.
    phone = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN").new_page()
    sign_in(phone, base, "giver0@example.cn")
    phone.goto(f"{base}/rounds/proposals/{project}")
    expect(phone.locator("[data-test=proposal-status]")).to_have_text("已入选")
    expect(phone.locator("[data-test=scores]")).to_contain_text("总分87.60")
    phone.get_by_label("金额（元）").fill("100")
    phone.get_by_label("在公开捐赠名单中匿名").check()
    phone.get_by_role("button", name="捐赠", exact=True).click()
    expect(phone.locator("[data-test=receipt-amount]")).to_have_text("¥100.00")
    expect(phone.locator("[data-test=receipt]")).to_contain_text("是，认证居民")
    screenshot(phone, "gift-receipt-phone")
    phone.goto(f"{base}/rounds/proposals/{project}")
    expect(phone.locator("[data-test=donors]")).to_contain_text("匿名")
    # Three residents at ¥100: raw (3 × 100)² − 30000 = 60000 fen, the only raw match, capped at ¥600.
    expect(phone.locator("[data-test=match-detail]")).to_contain_text("计入3位认证居民")
    phone.goto(f"{base}/rounds/{world['round']}")
    expect(phone.locator(f"[data-test=match-{project}]")).to_contain_text("¥600.00")

    # Giving ends; the sponsor closes it, which freezes the match and drafts the grant agreements.
    frozen.advance(days=20)
    buyer = browser.new_context(locale="zh-CN").new_page()
    sign_in(buyer, base, "buyer@example.cn")
    buyer.goto(f"{base}/rounds/{world['round']}")
    manage = buyer.locator("[data-test=manage]")
    manage.get_by_label("配捐随即确定并记入账本").check()
    manage.get_by_role("button", name="关闭捐赠、锁定配捐并拟定资助协议").click()
    expect(buyer.get_by_text("捐赠已关闭，配捐已在账本中锁定，资助协议已拟定。")).to_be_visible()
    expect(buyer.locator("[data-test=round-status]")).to_have_text("资助协议")
    screenshot(buyer, "round-agreements")
    with command(app):
        grant = next(c for c in closing.agreements(the_round(world)) if c.proposal_id == project)
        grant_id = grant.id
        # ¥50,000 grant + ¥300 gifts + ¥600 match.
        assert grant.price_fen == 5_090_000
        for other in closing.agreements(the_round(world)):
            signing.sign(user(world["buyer"]), other, "purchaser")
            owner = world["owner0"] if other.organization_id == world["org0"] else world["owner1"]
            signing.sign(user(owner), db.session.get(type(other), other.id), "organization")
        closing.advance(user(world["buyer"]), the_round(world), "delivery")
        first = grant.milestones[0]
        delivery.submit_report(user(world["owner0"]), grant, first.id, delivery.ReportData("启动：招募志愿者", 30))
        payment.decide(user(world["buyer"]), db.session.get(type(grant), grant_id), first.id, "accepted")

    # The first tranche (50%) is paid from the agreement's page.
    buyer.goto(f"{base}/contracts/{grant_id}")
    expect(buyer.get_by_text("公益创投大赛的资助协议")).to_be_visible()
    milestone = buyer.locator("[data-test=milestone-1]")
    milestone.get_by_label("确认向社会组织0号支付该期款项").check()
    milestone.get_by_role("button", name="支付 ¥25,450.00").click()
    expect(buyer.get_by_text("款项已支付。")).to_be_visible()
    screenshot(buyer, "grant-tranche-paid")

    # The public round page: the frozen match, and money in equal to money out plus what is held.
    public = browser.new_context(locale="zh-CN").new_page()
    public.goto(f"{base}/rounds/{world['round']}")
    expect(public.locator(f"[data-test=match-{project}]")).to_contain_text("¥600.00")
    expect(public.locator("[data-test=money-out]")).to_contain_text("已拨付¥25,450.00")
    with command(app):
        summary = closing.money_summary(the_round(world))
        assert summary["in"] == summary["out"] + summary["held"] == 10_000_000 + 100_000 + 30_000
    screenshot(public, "round-public")
