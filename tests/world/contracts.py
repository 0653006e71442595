"""Contracts beyond the demo: 姑苏区民政局's half-year contracts signed on 23 December, each showing
one step of delivery and payment in January (a tranche paid, accepted, being paid, its payment
failed; a report waiting, one returned, one rejected and the contract terminated; amendments
agreed, refused and proposed), two one-month contracts whose last tranche follows the final
evaluation (held, withheld), and a draft cancelled after a challenge.

Each contract comes from a tender run by the procurement builder's `run_to_award` (which runs
first: its listings let 阳光 and 乐龄 bid for disability services, its budget carries the awards).
Only services act; a payment failure and a payout in flight come from the payment provider (see
`payment_failed` and `payment_in_flight`).
"""
import io
from contextlib import contextmanager
from datetime import date, timedelta
from unittest import mock

from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from market.contracts import amendments, delivery, payment, signing, terms
from market.core.errors import ServiceError
from market.evaluation import services as evaluations
from market.evaluation.models import Rubric
from market.extensions import db
from market.money import payments
from market.procurement import awards, tenders
from tests.world.procurement import (
    BUYER,
    FAZHAN,
    LELING,
    PDF,
    RENAI,
    YANGGUANG,
    Purchase,
    organization,
    owner_of,
    run_to_award,
    suzhou,
)

PUBLISHED = suzhou(2026, 11, 30, 11)  # awarded on 11 December; the notice period ends on the 22nd
TERMS_SET = suzhou(2026, 12, 21, 15)
SIGNED = suzhou(2026, 12, 23, 10)
EVALUATOR, EVALUATOR_ORG = "evaluator@demo.market", "苏州明德社会组织评估中心"


def half_year(first_due: date = date(2027, 1, 15)) -> list[tuple]:
    """Milestones of a contract running from 23 December to 22 June: a first month, then two stages."""
    return [("首月服务及需求评估", "服务对象档案、需求评估报告和首月服务台账", first_due, 2000),
            ("中期服务", "第二至第四个月服务台账、中期服务报告和满意度回访记录", date(2027, 4, 15), 4000),
            ("末期服务及项目总结", "全部服务台账、项目总结报告、满意度测评和档案移交清单", date(2027, 6, 22), 4000)]


def build(world) -> None:
    paid_and_amended(world)
    payment_failed(world)
    payment_in_flight(world)
    reported(world)
    returned(world)
    terminated(world)
    held(world)
    withheld(world)
    cancelled_draft(world)


# --- steps -------------------------------------------------------------------------------------------

def signed(world, purchase: Purchase, milestones: list[tuple], score_tie=(None, None), published_at=PUBLISHED):
    """Run the tender, set the milestones while the award is in notice, and sign on both sides."""
    tender = run_to_award(world, purchase, published_at)
    contract = signing.contract_of_tender(tender.id)
    buyer = world.user(BUYER)
    with world.at(TERMS_SET):
        signing.update_terms(buyer, contract, terms.Terms(
            contract.price_fen, contract.starts_on, contract.ends_on, contract.service_standards,
            [terms.MilestoneTerms(*m) for m in milestones], *score_tie))
    with world.at(SIGNED):
        signing.sign(buyer, contract, "purchaser")
    with world.at(SIGNED + timedelta(hours=3)):
        signing.sign(owner_of(contract.organization), contract, "organization")
    assert contract.status == "active"
    return contract


def report(world, contract, position: int, at, activities: str, served: int, spending: list[tuple], files=()):
    data = delivery.ReportData(activities, served, [delivery.SpendingData(*line) for line in spending], list(files))
    with world.at(at):
        delivery.submit_report(owner_of(contract.organization), contract, contract.milestones[position].id, data)


def decide(world, contract, position: int, at, decision: str = "accepted", reasons: str = "") -> None:
    with world.at(at):
        payment.decide(world.user(BUYER), contract, contract.milestones[position].id, decision, reasons)


def pay(world, contract, position: int, at) -> None:
    with world.at(at):
        payment.pay(world.user(BUYER), contract, contract.milestones[position].id)


def open_milestones(contract, **changes) -> dict:
    """Due dates and amounts of the milestones an amendment may change, with `changes` by position."""
    return {m.id: changes.get(f"m{m.position}", (m.due_on, m.amount_fen))
            for m in contract.milestones if m.status in terms.OPEN_MILESTONES}


# --- contracts ---------------------------------------------------------------------------------------

def paid_and_amended(world) -> None:
    """The first tranche reported, accepted and paid; the organization asked to move the mid-term
    check past the Spring Festival and the purchaser agreed."""
    contract = signed(world, Purchase(
        "A02", "沧浪街道高龄老人助餐配送服务项目",
        "为沧浪街道80岁以上和失能老人提供工作日午餐配送，每餐补贴8元，服务约120人。",
        "每个工作日11:30前送达；热食，菜品每周不重样；送餐员持健康证；每月公示补贴发放明细。",
        36_000_000, 6, "沧浪街道",
        [(LELING, 34_800_000, (38, 27)), (RENAI, 33_500_000, (32, 24)), (FAZHAN, 35_200_000, (30, 22))]),
        half_year())
    report(
        world,
        contract,
        0,
        suzhou(2027, 1, 15, 16),
        "完成服务对象建档126人；工作日送餐2,310份，准时率98.6%；开展送餐员食品安全培训1次；走访老人家庭38户。",
        126,
        [("人员经费", 4_700_000, 4_620_000), ("食材与配送", 1_600_000, 1_588_000), ("管理费用", 660_000, 650_000)],
    )
    decide(world, contract, 0, suzhou(2027, 1, 18, 10))
    buyer, owner = world.user(BUYER), owner_of(contract.organization)
    with world.at(suzhou(2027, 1, 19, 14)):
        amendments.propose_amendment(owner, contract, "organization", amendments.AmendmentData(
            contract.ends_on, "春节期间（2月6日至12日）配送人员轮休，送餐改由长者食堂堂食，中期验收相应顺延至4月30日。",
            open_milestones(contract, m1=(date(2027, 4, 30), contract.milestones[1].amount_fen))))
    with world.at(suzhou(2027, 1, 21, 9)):
        amendments.answer_amendment(buyer, contract, True, "同意顺延，春节期间请做好堂食老人的接送安排。")
    pay(world, contract, 0, suzhou(2027, 1, 22, 10))
    world.notes["agreed_amendment_contract"] = contract.id


@contextmanager
def stripe_payouts(app):
    """Payouts through Stripe for a moment. 阳光 has no Stripe payout account, so the provider refuses
    before any call leaves the machine, as in tests/test_stripe.py."""
    saved = {key: app.config[key] for key in ("PAYMENTS", "STRIPE_SECRET_KEY")}
    app.config.update(PAYMENTS="stripe", STRIPE_SECRET_KEY="sk_test_world")
    try:
        yield
    finally:
        app.config.update(saved)


def payment_failed(world) -> None:
    """The first tranche is accepted but its payment failed (no payout account yet); the purchaser's
    proposal to cut the last tranche was refused."""
    contract = signed(world, Purchase(
        "B02", "沧浪街道残疾人居家康复服务项目",
        "为沧浪街道持证残疾人提供上门康复训练、辅具适配和家属照护指导，服务不少于60人。",
        "康复治疗师持证上岗；每人每月上门康复训练不少于2次；训练记录由本人或家属签字确认。",
        28_000_000, 6, "沧浪街道", [(YANGGUANG, 26_900_000, (39, 28)), (LELING, 27_500_000, (31, 23))]),
        half_year())
    report(
        world,
        contract,
        0,
        suzhou(2027, 1, 14, 15),
        "完成62名残疾人康复需求评估并建档；上门康复训练118人次；适配轮椅、助行器等辅具14件；开展家属照护培训1场。",
        62,
        [("康复师经费", 3_900_000, 3_860_000), ("辅具与耗材", 1_000_000, 968_000), ("交通与管理", 480_000, 470_000)],
    )
    decide(world, contract, 0, suzhou(2027, 1, 19, 10))
    buyer, owner = world.user(BUYER), owner_of(contract.organization)
    last = contract.milestones[2]
    with world.at(suzhou(2027, 1, 20, 15)):
        amendments.propose_amendment(buyer, contract, "purchaser", amendments.AmendmentData(
            contract.ends_on, "区残联核减服务对象8人（迁出或已入住养护机构），末期款相应核减16,000元。",
            open_milestones(contract, m2=(last.due_on, last.amount_fen - 1_600_000))))
    with world.at(suzhou(2027, 1, 23, 11)):
        amendments.answer_amendment(owner, contract, False,
                                   "核减对象后康复师配置和排班不变，人员成本并未减少；新增轮候对象9人，建议以轮候对象补足服务人数。")
    with stripe_payouts(world.app), world.at(suzhou(2027, 1, 26, 10)):
        try:
            payment.pay(buyer, contract, contract.milestones[0].id)
        except ServiceError:
            pass  # recorded as a failed payment; the tranche stays accepted
    world.notes["failed_payment_contract"] = contract.id


def payment_in_flight(world) -> None:
    """The first tranche's payout was sent and the bank has not answered: the milestone stays
    'paying' and the payment 'pending', as `payment.pay` leaves them when the provider call does
    not return. The organization proposes to move the mid-term check; the purchaser has not answered."""
    contract = signed(world, Purchase(
        "A03", "金阊街道独居老人关爱巡访服务项目",
        "为金阊街道独居、空巢老人提供定期上门探访、居家安全检查和紧急情况联络服务，服务约200人。",
        "每位老人每周电话问候1次、每月上门探访不少于2次；发现异常2小时内联系家属和社区。",
        24_000_000, 6, "金阊街道",
        [(LELING, 23_100_000, (37, 27)), (RENAI, 22_600_000, (33, 24)), (FAZHAN, 23_800_000, (29, 21))]),
        half_year())
    report(
        world,
        contract,
        0,
        suzhou(2027, 1, 15, 17),
        "完成独居老人建档203人；电话问候812人次、上门探访396人次；排查燃气、用电隐患27处并协助整改；紧急联络3次。",
        203,
        [("人员经费", 3_200_000, 3_150_000), ("安全检查耗材", 900_000, 874_000), ("管理费用", 520_000, 510_000)],
    )
    decide(world, contract, 0, suzhou(2027, 1, 19, 15))
    owner = owner_of(contract.organization)
    with world.at(suzhou(2027, 1, 24, 10)):
        amendments.propose_amendment(owner, contract, "organization", amendments.AmendmentData(
            contract.ends_on, "春节前后增加独居老人走访频次，中期服务报告拟顺延至4月30日提交。",
            open_milestones(contract, m1=(date(2027, 4, 30), contract.milestones[1].amount_fen))))
    # The payout is committed as pending before money moves; the bank's gateway then never answers.
    with mock.patch.object(payments.LedgerProvider, "payout", side_effect=TimeoutError("银行支付前置机未应答")), \
            world.at(suzhou(2027, 1, 27, 16)):
        try:
            payment.pay(world.user(BUYER), contract, contract.milestones[0].id)
        except TimeoutError:
            db.session.rollback()
    world.notes["paying_contract"] = contract.id


def reported(world) -> None:
    """The first month's report, with its ledger attached, waits for the purchaser's acceptance."""
    contract = signed(world, Purchase(
        "A01", "双塔街道失能老人家庭照护支持项目",
        "为双塔街道居家失能老人的家庭照护者提供照护技能培训、上门指导和喘息服务，服务家庭不少于80户。",
        "每户每月上门指导不少于1次；每季度照护技能培训2场；喘息服务由持证护理员提供。",
        30_000_000, 6, "双塔街道",
        [(LELING, 28_900_000, (38, 28)), (RENAI, 29_300_000, (31, 23)), (FAZHAN, 27_600_000, (28, 20))]),
        half_year(date(2027, 1, 25)))
    ledger = FileStorage(io.BytesIO(PDF), filename="首月服务台账及签到表.pdf", content_type="application/pdf")
    report(world, contract, 0, suzhou(2027, 1, 27, 15),
           "完成照护家庭评估建档84户；上门照护指导91户次；举办照护技能培训1场（翻身、防压疮、进食照护），参训家属46人；"
           "提供喘息服务12户次。", 84,
           [("人员经费", 4_000_000, 3_930_000), ("培训与耗材", 1_200_000, 1_162_000), ("管理费用", 580_000, 560_000)],
           [ledger])
    world.notes["reported_contract"] = contract.id


def returned(world) -> None:
    """The first month's report was returned for revision: its numbers do not match the ledger."""
    contract = signed(world, Purchase(
        "A01", "吴门桥街道居家养老上门服务项目",
        "为吴门桥街道失能、半失能老人提供助浴、助洁、陪诊等上门服务，服务老人不少于100人。",
        "每位老人每月上门不少于4次；护理员持证上岗；服务记录由老人或家属签字确认。",
        32_000_000, 6, "吴门桥街道", [(LELING, 31_000_000, (36, 27)), (RENAI, 30_400_000, (33, 25))]),
        half_year())
    report(world, contract, 0, suzhou(2027, 1, 15, 14),
           "完成服务对象建档104人；上门助浴186人次、助洁240人次、陪诊31人次。", 104,
           [("人员经费", 4_400_000, 4_380_000), ("耗材与交通", 1_300_000, 1_296_000), ("管理费用", 500_000, 500_000)])
    decide(world, contract, 0, suzhou(2027, 1, 19, 11), "returned",
           "报告中助浴186人次与服务台账签字记录（152人次）不符；陪诊未附就诊凭证。请核对台账、补充凭证后重新提交。")
    world.notes["returned_contract"] = contract.id


def terminated(world) -> None:
    """A site visit found the first report inflated; the report was rejected and the contract
    terminated, cancelling the milestones not delivered."""
    contract = signed(world, Purchase(
        "B02", "葑门街道残疾人居家康复服务项目",
        "为葑门街道持证残疾人提供上门康复训练和家属照护指导，服务不少于40人。",
        "康复治疗师持证上岗；每人每月上门康复训练不少于2次；训练记录由本人或家属签字确认。",
        20_000_000, 6, "葑门街道", [(YANGGUANG, 19_200_000, (37, 26)), (LELING, 19_800_000, (30, 22))]),
        half_year(date(2027, 1, 12)))
    buyer = world.user(BUYER)
    report(world, contract, 0, suzhou(2027, 1, 12, 16),
           "完成41名残疾人康复评估；上门康复训练96人次；家属照护指导20户次。", 41,
           [("康复师经费", 2_700_000, 2_690_000), ("耗材", 800_000, 790_000), ("管理费用", 340_000, 340_000)])
    first = contract.milestones[0]
    # Checks are the commissioned evaluator's: the district asks its evaluator for an early mid-term.
    rubric = db.session.scalar(select(Rubric).where(Rubric.purpose == "performance", Rubric.status == "published")
                               .order_by(Rubric.id))
    evaluator = world.user(EVALUATOR)
    with world.at(suzhou(2027, 1, 13, 10)):
        review = evaluations.commission(buyer, contract, "mid_term", organization(EVALUATOR_ORG).id, rubric.id,
                                        date(2027, 2, 12))
    with world.at(suzhou(2027, 1, 13, 15)):
        evaluations.declare(evaluator, review, False, "")
    with world.at(suzhou(2027, 1, 14, 16)):
        delivery.record_inspection(
            evaluator,
            contract,
            "site_visit",
            date(2027, 1, 14),
            "随机走访8户，其中5户表示1月份未接受过上门康复训练，训练记录签字与本人笔迹不符。",
            first.id,
        )
    decide(world, contract, 0, suzhou(2027, 1, 15, 10), "rejected",
           "经入户核查，首月服务记录存在代签、虚报情况，首期服务不予验收。")
    with world.at(suzhou(2027, 1, 20, 15)):
        payment.terminate(buyer, contract, "乙方虚报服务记录，经约谈后未能在5个工作日内提出有效整改措施，"
                                             "依据合同第十二条解除合同，未履行部分的资金退回预算。")
        evaluations.cancel(buyer, review, "合同已解除，中期评估终止；入户核查结论已记入检查记录。")
    world.notes["terminated_contract"] = contract.id


WINTER_VISITS = Purchase(
    "A03", "平江街道冬季独居老人关爱巡访专项服务",
    "寒潮期间为平江街道独居、空巢老人提供每日电话问候、上门巡访和取暖设施安全检查。",
    "每位老人每日电话问候1次、每周上门巡访不少于2次；取暖设施隐患当日报社区。",
    9_000_000, 1, "平江街道", [(LELING, 8_600_000, (38, 27)), (RENAI, 8_800_000, (30, 23))])
WINTER_BATHING = Purchase(
    "A01", "虎丘街道冬季失能老人助浴专项服务",
    "冬季为虎丘街道居家失能老人提供上门助浴服务，使用移动助浴设备，服务约60人。",
    "每位老人每两周助浴不少于1次；助浴前测量血压并签署知情同意书；水温和室温全程记录。",
    8_000_000, 1, "虎丘街道", [(LELING, 7_700_000, (37, 26)), (FAZHAN, 7_500_000, (30, 21))])


def _final_evaluation(world, contract, at, due_on: date):
    rubric = db.session.scalar(select(Rubric).where(Rubric.purpose == "performance", Rubric.status == "published")
                               .order_by(Rubric.id))
    with world.at(at):
        return evaluations.commission(world.user(BUYER), contract, "final", organization(EVALUATOR_ORG).id,
                                      rubric.id, due_on)


def held(world) -> None:
    """A one-month contract whose last tranche follows the final evaluation: accepted, held until the
    evaluator, commissioned the next day, gives its score."""
    contract = signed(world, WINTER_VISITS,
                      [("首期巡访", "巡访台账、隐患排查记录", date(2027, 1, 8), 6000),
                       ("末期巡访及总结", "全部巡访台账、服务总结和老人满意度回访", date(2027, 1, 22), 4000)],
                      score_tie=(60, 80))
    report(world, contract, 0, suzhou(2027, 1, 8, 16),
           "电话问候独居老人1,320人次，上门巡访286人次；排查取暖设施隐患19处，协助更换老化电热毯7条。", 95,
           [("人员经费", 3_600_000, 3_560_000), ("安全检查耗材", 1_560_000, 1_540_000)])
    decide(world, contract, 0, suzhou(2027, 1, 11, 10))
    pay(world, contract, 0, suzhou(2027, 1, 15, 10))
    report(
        world,
        contract,
        1,
        suzhou(2027, 1, 22, 16),
        "寒潮期间累计电话问候2,650人次、上门巡访571人次；发现身体不适老人4人，均及时联系家属送医；回访满意度96%。",
        95,
        [("人员经费", 2_400_000, 2_390_000), ("安全检查耗材", 1_040_000, 1_020_000)],
    )
    decide(world, contract, 1, suzhou(2027, 1, 25, 10))
    assert contract.milestones[1].status == "held"
    _final_evaluation(world, contract, suzhou(2027, 1, 26, 10), date(2027, 2, 9))
    world.notes["held_contract"] = contract.id


# A poor final evaluation (points of the performance rubric's manual indicators; satisfaction is automatic).
POOR_SHEET = {"1.1": "2", "1.2": "2", "2.1": "9", "2.2": "8", "2.3": "4", "3.1": "7", "3.2": "4", "3.3": "2"}


def withheld(world) -> None:
    """A one-month contract whose final evaluation scored below 60: the last tranche, held at
    acceptance, is withheld when the score is published, and the contract completes."""
    contract = signed(world, WINTER_BATHING,
                      [("首期助浴", "助浴服务记录、血压测量记录和知情同意书", date(2027, 1, 6), 5000),
                       ("末期助浴及总结", "全部助浴记录、服务总结和满意度回访", date(2027, 1, 20), 5000)],
                      score_tie=(60, 80))
    report(world, contract, 0, suzhou(2027, 1, 6, 16), "上门助浴58人次，服务失能老人31人。", 31,
           [("人员经费", 2_700_000, 2_690_000), ("设备与耗材", 1_150_000, 1_140_000)])
    decide(world, contract, 0, suzhou(2027, 1, 8, 10))
    pay(world, contract, 0, suzhou(2027, 1, 12, 10))
    report(world, contract, 1, suzhou(2027, 1, 20, 16), "上门助浴44人次，服务失能老人29人；项目总结已提交。", 29,
           [("人员经费", 2_700_000, 2_700_000), ("设备与耗材", 1_150_000, 1_150_000)])
    decide(world, contract, 1, suzhou(2027, 1, 21, 10))
    review = _final_evaluation(world, contract, suzhou(2027, 1, 21, 15), date(2027, 2, 4))
    evaluator = world.user(EVALUATOR)
    with world.at(suzhou(2027, 1, 22, 10)):
        evaluations.declare(evaluator, review, False, "")
    with world.at(suzhou(2027, 1, 24, 15)):
        codes = {i.code: i.id for i in review.rubric.indicators}
        evaluations.save_scores(
            evaluator,
            review,
            {codes[c]: evaluations.Entry(v, "查阅助浴记录、知情同意书，电话回访12户") for c, v in POOR_SHEET.items()},
        )
        evaluations.submit(evaluator, review, "服务人次仅达到约定的六成，水温室温记录缺失，有2户反映助浴前未测血压；"
                                              "项目未达到合同约定的服务标准。")
    with world.at(suzhou(2027, 1, 26, 10)):
        evaluations.publish(world.user(BUYER), review)
    assert contract.milestones[1].status == "withheld"
    world.notes["withheld_contract"] = contract.id


def cancelled_draft(world) -> None:
    """Awarded to 仁爱; 乐龄 challenged, the challenge was upheld, so the draft contract is cancelled
    (its commitment returns to the budget) and the tender with it."""
    purchase = Purchase(
        "A02", "葑门街道社区长者食堂运营项目",
        "运营葑门街道2处社区长者食堂，为60岁以上老人提供午餐堂食和送餐，高龄、独居老人按标准享受补贴。",
        "食堂取得食品经营许可；明厨亮灶；餐标每餐不低于15元；服务人员8名以上，其中持证养老护理员不少于4名。",
        40_000_000, 12, "葑门街道",
        [(RENAI, 37_500_000, (38, 28)), (LELING, 38_800_000, (35, 26)), (FAZHAN, 39_000_000, (29, 21))])
    tender = run_to_award(world, purchase, suzhou(2026, 12, 14, 11))
    contract = signing.contract_of_tender(tender.id)
    buyer, leling = world.user(BUYER), organization(LELING)
    with world.at(suzhou(2026, 12, 30, 15)):
        challenge = awards.file_challenge(owner_of(leling), tender, leling.id,
                                          "中标人投标文件所列4名持证养老护理员中，有2人的职业技能等级证书已于2026年过期，"
                                          "不满足“持证养老护理员不少于4名”的要求，请予复核。")
    with world.at(suzhou(2027, 1, 6, 10)):
        awards.answer_challenge(buyer, challenge.id, "经核查，质疑事项属实：中标人2名护理员证书已过期，资格审查有误。"
                                                     "本项目取消中标结果，合同草案作废，另行组织采购。")
        reason = "质疑成立，中标人不满足持证护理员要求，取消中标结果，另行组织采购。"
        signing.cancel_draft(buyer, contract, reason)
        tenders.cancel(buyer, tender, reason)
    world.notes["cancelled_contract"] = contract.id
