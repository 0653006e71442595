"""Evaluation in Chromium: a resident rates with a code handed out at the service, the organization
rates the department, the evaluator scores the final evaluation, the purchaser publishes it and
pays the last tranche the score allows; the scorecards show it."""
import pytest
from playwright.sync_api import expect

from browser import screenshot, sign_in
from market.contracts import payment
from market.core.unit import command
from market.evaluation import services as evaluations
from market.evaluation.models import Evaluation
from market.extensions import db
from tests.factories import PERFORMANCE_SHEET, commission, contract, deliver, rate_three, score_all, user

pytestmark = pytest.mark.browser


def test_rate_score_publish_and_pay_by_the_score_in_the_browser(live_server, browser, tied, app, make_user, places):
    base, world = live_server, tied
    make_user("neighbour9@example.cn", "居民9", community=places["community"])
    deliver(app, world, [0, 1])
    with command(app):
        c = contract(world)
        for m in c.milestones[:2]:
            payment.pay(user(world["buyer"]), c, m.id)
    rate_three(app, world)
    mid = commission(app, world, "mid_term")
    score_all(app, world, mid)
    with command(app):
        evaluations.publish(user(world["buyer"]), db.session.get(Evaluation, mid))
    deliver(app, world, [2])  # accepted, held for the final score
    final = commission(app, world, "final")
    page_url = f"{base}/evaluation/contracts/{world['contract']}"

    # The organization, on a phone, hands out a code and rates the department.
    org = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    sign_in(org, base, "org2@example.cn")
    org.goto(page_url)
    org.get_by_label("评价码数量").fill("2")
    org.get_by_role("button", name="生成评价码").click()
    code = org.locator("[data-test=codes] code").first.inner_text()
    org.goto(page_url)
    form = org.locator("[data-test=department-form]")
    form.get_by_label("评价节点").select_option(index=0)
    for legend, stars in (("按时付款", "★★★★★"), ("需求明确", "★★★★"), ("不过度干预", "★★★★")):
        form.locator("fieldset", has_text=legend).get_by_label(stars, exact=True).check()
    form.get_by_label("评论").fill("付款及时，需求清楚。")
    form.get_by_role("button", name="评价购买部门").click()
    expect(org.get_by_text("您对购买部门的评价已公开。")).to_be_visible()
    screenshot(org, "evaluation-department-rated-phone")

    # A resident served, on a phone, rates with the code.
    resident = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    sign_in(resident, base, "neighbour9@example.cn")
    resident.goto(page_url)
    rating = resident.locator("[data-test=rating-form]")
    rating.get_by_label("★★★★★", exact=True).check()
    rating.get_by_label("评论").fill("送餐员很耐心。")
    rating.get_by_label("服务现场发放的评价码（如有）").fill(code.lower())
    rating.get_by_role("button", name="提交评价").click()
    expect(resident.get_by_text("谢谢，您的评价已公开。")).to_be_visible()
    # Ratings 5, 4, 3 and 5: mean 4.25 → index 81.25.
    expect(resident.locator("[data-test=satisfaction]")).to_contain_text("满意度指数81.25")

    # The evaluator declares, scores every indicator with evidence and submits.
    evaluator = browser.new_context(viewport={"width": 1200, "height": 900}).new_page()
    sign_in(evaluator, base, "evaluator@example.cn")
    evaluator.goto(f"{base}/evaluation/mine")
    evaluator.get_by_role("link", name="末期评估", exact=False).click()
    evaluator.get_by_label("我方与被评估组织及购买方不存在利益冲突").check()
    evaluator.get_by_role("button", name="申报").click()
    expect(evaluator.locator("[data-test=evaluation-status]")).to_have_text("评分中")
    final_sheet = {**PERFORMANCE_SHEET, "2.1": "14", "2.2": "14", "2.3": "6"}
    with command(app):
        names = {i.code: i.name for i in db.session.get(Evaluation, final).rubric.indicators}
    for code_, value in final_sheet.items():
        evaluator.get_by_label(f"{code_} {names[code_]}", exact=True).fill(value)
        evaluator.get_by_label(f"佐证 {code_}", exact=True).fill(f"台账与走访记录（{code_}）")
    evaluator.get_by_role("button", name="保存评分").click()
    expect(evaluator.get_by_text("评分已保存。")).to_be_visible()
    evaluator.get_by_label("评估结论与建议").fill("服务按标准完成，服务数量略有不足。")
    evaluator.get_by_label("每项指标均已评分；满意度指标现在由居民评价自动计算").check()
    evaluator.get_by_role("button", name="提交评估").click()
    # 9 + 34 + 22.8 + satisfaction 10 × 81.25% = 8.13 → 73.93.
    expect(evaluator.locator("[data-test=total]")).to_contain_text("73.93")
    screenshot(evaluator, "evaluation-submitted")

    # The purchaser publishes it; the held last tranche pays 3,600,000 × 73.93 / 80 = 3,326,850 fen.
    buyer = browser.new_context(viewport={"width": 1200, "height": 900}).new_page()
    sign_in(buyer, base, "buyer@example.cn")
    buyer.goto(f"{base}/evaluation/{final}")
    buyer.get_by_label("确认发布；末期评估得分决定挂钩的最后一期款项").check()
    buyer.get_by_role("button", name="发布评估").click()
    expect(buyer.locator("[data-test=evaluation-status]")).to_have_text("已发布")
    buyer.goto(f"{base}/contracts/{world['contract']}")
    last = buyer.locator("[data-test=milestone-3]")
    expect(last.locator("[data-test=score-tie]")).to_contain_text("¥33,268.50")
    last.get_by_label("确认向社会组织2号支付该期款项").check()
    last.get_by_role("button", name="支付 ¥33,268.50").click()
    expect(buyer.get_by_text("款项已支付。")).to_be_visible()
    expect(buyer.locator("[data-test=contract-status]")).to_have_text("已完成")
    expect(buyer.locator("[data-test=paid]")).to_have_text("¥117,268.50")

    # The public sees both evaluations, the ratings, and the scorecards with their charts.
    public = browser.new_context(locale="zh-CN").new_page()
    public.goto(page_url)
    expect(public.locator("[data-test=score-mid_term]")).to_have_text("81.30")
    expect(public.locator("[data-test=score-final]")).to_have_text("73.93")
    expect(public.get_by_text("付款及时，需求清楚。")).to_be_visible()
    screenshot(public, "evaluation-contract")
    public.goto(f"{base}/evaluation/organizations/{world['org2']}")
    expect(public.locator("[data-test=won]")).to_have_text("1")
    for chart in public.locator("img.chart").all():
        assert chart.evaluate("img => img.naturalWidth") > 0
    screenshot(public, "evaluation-scorecard")
    public.goto(f"{base}/evaluation/departments/{places['department']}")
    expect(public.locator("[data-test=paid_on_time]")).to_have_text("5.00")
    for context in (org, resident, evaluator, buyer, public):
        context.context.close()
