"""Third-party evaluation and grading beyond the demo, through the evaluation, grading and rubric
services, so every status is on record at the crawl:

- rubrics: a 2026 trial rubric for home-care services, published and retired when the general one
  took over; the district's draft revision of the grading rubric;
- mid-term evaluations of 姑苏区民政局's contracts by 苏州明德社会组织评估中心 (the demo's evaluator):
  one cancelled and commissioned again, now being scored; one declined by a second evaluator
  (苏州致远社会组织评估中心, a conflict of interest) and commissioned again, conflicts not yet
  declared; one submitted, waiting for the purchaser to publish it;
- grade applications of December 2026 and January 2027: one withdrawn and made again (waiting for an
  evaluator), one with its evaluation submitted, one on public notice, one appealed, one refused
  during its evaluation (the evaluation cancelled with it).
"""
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select

from market.accounts.roles import Role
from market.contracts.models import SIGNED_STATUSES, Contract
from market.evaluation import grading, rubrics
from market.evaluation import services as evaluations
from market.evaluation.models import Evaluation, GradeApplication, Rubric
from market.extensions import db
from market.organizations import credit_code
from market.organizations import services as organizations
from market.organizations.models import AnnualInspection, Organization
from market.places.models import District
from market.procurement import undertakers

ADMIN, BUYER, EVALUATOR = "admin@demo.market", "purchaser@demo.market", "evaluator@demo.market"
MINGDE = "苏州明德社会组织评估中心"  # the demo's evaluator organization
APPLICANTS = ("xinqiao@demo.market", "yangguang@demo.market", "lvse@demo.market")
SECOND_EVALUATOR = ("evaluator3@world.market", "葛志远")
# (owner e-mail, owner, organization, type, district code, registered on, credit code body, description)
NEW_ORGANIZATIONS = {
    "zhiyuan": (SECOND_EVALUATOR[0], SECOND_EVALUATOR[1], "苏州致远社会组织评估中心", "social_service", "320571",
                date(2015, 8, 6), "WE000301", "第三方评估机构，承接社会组织等级评估和政府购买服务项目评估。"),
    "caihong": ("owner3@world.market", "秦雅琴", "苏州市姑苏区彩虹桥社会工作服务社", "social_service", "320508",
                date(2017, 4, 18), "WE000302", "专业社工机构，在双塔街道开展困境家庭帮扶和社区融合服务。"),
    "shanlin": ("owner4@world.market", "陶立新", "苏州市吴中区善邻社区发展中心", "social_service", "320506",
                date(2016, 9, 27), "WE000303", "培育社区社会组织，开展邻里互助和社区议事协商。"),
}
# A performance rubric tried for home-care services in 2026, retired when the general one was kept.
HOME_CARE_OUTLINE = """\
1 | 资金管理 | 15 | | |
1.1 | 专款专用 | 8 | 专款专用、票据齐全得满分 | 财务凭证 |
1.2 | 预算执行率 | 7 | 执行率≥90%得满分 | 支出明细 |
2 | 服务产出 | 45 | | |
2.1 | 上门服务人次 | 20 | 按合同约定人次完成比例计分 | 服务工单、老人签字 |
2.2 | 服务规范 | 15 | 对照居家养老服务规范抽查 | 入户回访记录 |
2.3 | 按期完成 | 10 | 各节点按期完成得满分 | 节点报告 |
3 | 服务成效 | 30 | | |
3.1 | 老人生活状况改善 | 20 | 以能力评估前后对比计分 | 老年人能力评估表 |
3.2 | 家属与社区评价 | 10 | 家属和社区工作人员评价 | 访谈记录 |
4 | 老人满意度 | 10 | | |
4.1 | 老人满意度 | 10 | 由居民评价自动计算 | 居民评分 | satisfaction
"""
MID_TERM_SHEET = {"1.1": "5", "1.2": "4", "2.1": "17", "2.2": "16", "2.3": "9", "3.1": "12", "3.2": "8", "3.3": "na"}


def build(world) -> None:
    _rubrics(world)
    orgs = _organizations(world)
    _inspections(world, [org for key, org in orgs.items() if key != "zhiyuan"])
    ids = _contract_evaluations(world, orgs["zhiyuan"])
    ids.update(_grade_applications(world, orgs))
    for status, record_id in ids.items():
        if status.startswith("evaluation_"):
            found = db.session.get(Evaluation, record_id).status
        else:
            found = db.session.get(GradeApplication, record_id).status
        assert found == status.split("_", 1)[1], f"{status} is {found}"
        world.notes[status] = record_id


# --- rubrics ------------------------------------------------------------------------------------------

def _rubrics(world) -> None:
    admin = world.user(ADMIN)
    performance = rubrics.published("performance")[0]
    with world.at(datetime(2026, 1, 8, 2)):
        trial = rubrics.copy(admin, performance)
        errors = rubrics.save_draft(admin, trial, "社区居家养老服务项目绩效评估指标（2026试行）",
                                    "针对上门居家养老服务细化产出和成效指标，2026年试行。", HOME_CARE_OUTLINE, 100,
                                    "90 excellent, 80 good, 60 fair, 0 poor")
        assert not errors, errors
    with world.at(datetime(2026, 1, 15, 2)):
        rubrics.publish(admin, trial)
    # Retired at the year's end: the general performance rubric serves home care as well.
    with world.at(datetime(2026, 12, 28, 2)):
        rubrics.retire(admin, trial)

    jiangsu = db.session.scalar(select(Rubric).where(Rubric.name.like("%江苏%"), Rubric.status == "published"))
    with world.at(datetime(2027, 1, 21, 2)):
        revision = rubrics.copy(admin, jiangsu)
        outline = rubrics.outline_of(revision).replace("近两年年检合格", "近两年年检合格，且无行政处罚记录") \
            .replace("有可推广的创新做法", "有可推广的创新做法，或承接区级以上示范项目")
        errors = rubrics.save_draft(admin, revision, "社会组织等级评估指标（姑苏区2027年修订征求意见稿）",
                                    "在江苏指标基础上细化年检和创新加分要求，征求意见中。", outline, jiangsu.cap,
                                    rubrics.bands_text(jiangsu))
        assert not errors, errors


# --- organizations ------------------------------------------------------------------------------------

def _organizations(world) -> dict[str, Organization]:
    """A second evaluator organization, and two organizations applying for a grade; registered in March 2026."""
    admin = world.user(ADMIN)
    found = {}
    for key, (email, name, org_name, org_type, division, registered_on, body, description) in NEW_ORGANIZATIONS.items():
        owner = world.person(email, name)
        district = db.session.scalar(select(District).filter_by(code=division))
        with world.at(datetime(2026, 3, 10, 2)):
            org = organizations.register_organization(owner, organizations.OrganizationData(
                name=org_name, credit_code=credit_code.make("5", "2", division, body), org_type=org_type,
                registered_on=registered_on, registration_authority=f"{district.name}民政局", district_id=district.id,
                description=description, staff_count=8, volunteer_count=30, contact_phone=f"0512-6588{body[-4:]}",
                category_ids=[], community_ids=[]))
        with world.at(datetime(2026, 3, 12, 2)):
            organizations.review_organization(admin, org, approve=True)
        found[key] = org
    world.grant(SECOND_EVALUATOR[0], Role.EVALUATOR, organization_id=found["zhiyuan"].id)
    for email in APPLICANTS:  # the demo's applicant organizations, by their owners
        found[email] = db.session.get(Organization, next(iter(world.user(email).organization_ids())))
    return found


def _inspections(world, applicants: list[Organization]) -> None:
    """A grade is applied for after a passed annual inspection of the year before: 2025's (recorded in
    May 2026) for the applications of December, 2026's (January 2027) for those of January."""
    admin = world.user(ADMIN)
    for year, moment in ((2025, datetime(2026, 5, 20, 2)), (2026, datetime(2027, 1, 6, 2))):
        for org in applicants:
            recorded = db.session.scalar(select(AnnualInspection.id).filter_by(organization_id=org.id, year=year))
            if recorded is None:  # another builder may have recorded it
                with world.at(moment):
                    undertakers.record_inspection(admin, org, year, "qualified")


# --- evaluations of contracts -------------------------------------------------------------------------

def _contract_evaluations(world, second_evaluator: Organization) -> dict[str, int]:
    buyer, evaluator = world.user(BUYER), world.user(EVALUATOR)
    mingde = db.session.scalar(select(Organization.id).filter_by(name=MINGDE))
    performance = rubrics.published("performance")[0]
    scored, declined, submitted = _contracts_to_evaluate(world, [mingde, second_evaluator.id], 3)

    # Commissioned in December, cancelled two days later (merged into the district's yearly check),
    # then commissioned again in January; the evaluator has scored the budget and output so far.
    contract, kind = scored
    with world.at(datetime(2026, 12, 1, 2)):
        cancelled = evaluations.commission(buyer, contract, kind, mingde, performance.id, date(2026, 12, 31))
    with world.at(datetime(2026, 12, 3, 2)):
        evaluations.cancel(
            buyer, cancelled, "该项目中期评估与区民政局年度项目检查合并开展，本次单独委托取消，2027年1月重新委托。"
        )
    with world.at(datetime(2027, 1, 5, 2)):
        scoring = evaluations.commission(buyer, contract, kind, mingde, performance.id, date(2027, 2, 5))
    with world.at(datetime(2027, 1, 7, 2)):
        evaluations.declare(evaluator, scoring, False, "")
    with world.at(datetime(2027, 1, 20, 7)):
        evaluations.save_scores(evaluator, scoring, _entries(performance, {c: MID_TERM_SHEET[c] for c in
                                                                           ("1.1", "1.2", "2.1", "2.2")}))

    # The second evaluator declares a conflict; the commission goes back to 明德, which has not declared yet.
    contract, kind = declined
    with world.at(datetime(2027, 1, 6, 2)):
        first = evaluations.commission(buyer, contract, kind, second_evaluator.id, performance.id, date(2027, 2, 10))
    with world.at(datetime(2027, 1, 8, 3)):
        evaluations.declare(world.user(SECOND_EVALUATOR[0]), first, True,
                            "本中心评估部负责人2025年曾担任该项目承接机构的督导，存在利益关系，申请回避。")
    with world.at(datetime(2027, 1, 26, 2)):
        commissioned = evaluations.commission(buyer, contract, kind, mingde, performance.id, date(2027, 2, 26))

    # Scored in full and submitted; the purchaser has not published it yet.
    contract, kind = submitted
    with world.at(datetime(2026, 12, 10, 2)):
        done = evaluations.commission(buyer, contract, kind, mingde, performance.id, date(2027, 1, 20))
    with world.at(datetime(2026, 12, 12, 2)):
        evaluations.declare(evaluator, done, False, "")
    with world.at(datetime(2027, 1, 18, 7)):
        evaluations.save_scores(evaluator, done, _entries(performance, MID_TERM_SHEET))
        evaluations.submit(
            evaluator, done, "项目按计划推进，服务台账完整；建议加强服务对象前后测，完善志愿者管理制度。"
        )
    return {"evaluation_cancelled": cancelled.id, "evaluation_scoring": scoring.id, "evaluation_declined": first.id,
            "evaluation_commissioned": commissioned.id, "evaluation_submitted": done.id}


def _contracts_to_evaluate(world, evaluator_ids: list[int], count: int) -> list[tuple[Contract, str]]:
    """Signed contracts of the purchaser's department without a live evaluation of the kind: the demo's,
    or any another builder added (mid-term evaluations first; a contract is used once)."""
    department_id = next(g.department_id for g in world.user(BUYER).grants if g.department_id)
    signed = db.session.scalars(select(Contract).where(
        Contract.department_id == department_id, Contract.status.in_(SIGNED_STATUSES),
        Contract.organization_id.not_in(evaluator_ids)).order_by((Contract.status != "active"), Contract.id)).all()
    chosen = []
    for kind in evaluations.CONTRACT_KINDS:
        for contract in signed:
            live = db.session.scalar(select(Evaluation.id).where(Evaluation.contract_id == contract.id,
                                                                 Evaluation.kind == kind,
                                                                 Evaluation.status.in_(evaluations.LIVE)))
            if live is None and contract not in [c for c, _k in chosen]:
                chosen.append((contract, kind))
    assert len(chosen) >= count, "not enough signed contracts to evaluate"
    return chosen[:count]


def _entries(rubric: Rubric, sheet: dict[str, str]) -> dict[int, evaluations.Entry]:
    codes = {i.code: i.id for i in rubric.indicators}
    return {codes[code]: evaluations.Entry(value, "查阅服务台账、签到表和财务凭证，入户回访服务对象6户。")
            for code, value in sheet.items()}


# --- grade applications -------------------------------------------------------------------------------

def _grade_applications(world, orgs) -> dict[str, int]:
    withdrawn, applied = _withdrawn_then_applied(world, orgs["xinqiao@demo.market"])
    return {
        "grade_withdrawn": withdrawn, "grade_applied": applied,
        "grade_evaluating": _evaluating(world, orgs["yangguang@demo.market"]),
        "grade_noticed": _noticed(world, orgs["lvse@demo.market"]),
        "grade_appealed": _appealed(world, orgs["caihong"]),
        "grade_refused": _refused(world, orgs["shanlin"]),
    }


def _withdrawn_then_applied(world, org) -> tuple[int, int]:
    """Applied in December, withdrawn to wait for the 2026 audit report, applied again in January."""
    owner = _owner(world, org)
    with world.at(datetime(2026, 12, 3, 2)):
        first = _apply(owner, org, "服务社成立以来坚持专业心理服务，理事会每年按章程召开，2025年年检合格。")
    with world.at(datetime(2026, 12, 10, 2)):
        grading.withdraw(owner, first)
    with world.at(datetime(2027, 1, 22, 2)):
        again = _apply(owner, org, "服务社成立以来坚持专业心理服务，理事会每年按章程召开；2026年度财务审计报告已出具，"
                                   "近两年年检合格，近三年服务青少年及家长2.1万人次。")
    return first.id, again.id


def _evaluating(world, org) -> int:
    """Evaluated in December and January; the sheet is submitted, the committee has not met yet."""
    owner = _owner(world, org)
    with world.at(datetime(2026, 12, 7, 2)):
        application = _apply(owner, org, "中心专注残障人士康复和辅助性就业，专职人员14名，持证社工6名；"
                                         "财务制度健全，近两年年检合格。")
    _evaluate(world, application, datetime(2026, 12, 14, 2), datetime(2027, 1, 12, 7), Decimal("0.80"), {},
              "康复和就业服务特色明显，财务管理规范；档案管理和信息公开有待加强。")
    return application.id


def _noticed(world, org) -> int:
    """Decided on 25 January 2027: 3A on public notice until 1 February."""
    owner = _owner(world, org)
    with world.at(datetime(2026, 12, 1, 2)):
        application = _apply(owner, org, "协会会员380名，常年组织垃圾分类督导和河道保洁志愿服务，"
                                         "年度志愿服务时长超过2万小时，近两年年检合格。")
    _evaluate(world, application, datetime(2026, 12, 3, 2), datetime(2026, 12, 22, 7), Decimal("0.78"),
              {"6.1": "0", "6.2": "8"}, "志愿者管理规范，社会公益成效突出；专职人员偏少，内部治理需进一步完善。")
    with world.at(datetime(2027, 1, 25, 2)):
        grading.decide(world.user(ADMIN), application, "评估委员会审定，同意评估机构意见，予以公示。")
    return application.id


def _appealed(world, org) -> int:
    """Decided on 14 January (2A); the organization appealed during the notice; the answer is due in February."""
    owner = _owner(world, org)
    with world.at(datetime(2026, 12, 2, 2)):
        application = _apply(
            owner, org, "服务社持证社工占比70%，承接政府购买服务项目5个，2026年获评“苏州市优秀社会组织”。"
        )
    _evaluate(world, application, datetime(2026, 12, 4, 2), datetime(2026, 12, 28, 7), Decimal("0.74"),
              {"6.1": "0", "6.2": "5"}, "专业服务能力较强；财务资产管理和档案管理存在不足，未提供市级表彰文件。")
    with world.at(datetime(2027, 1, 14, 2)):
        grading.decide(world.user(ADMIN), application, "评估委员会审定，同意评估机构意见。")
    with world.at(datetime(2027, 1, 19, 3)):
        grading.appeal(owner, application, "评估时未计入我社2026年获评“苏州市优秀社会组织”的表彰（加分项6.1），"
                                           "表彰文件和2026年度审计报告已补充提交，申请复核评估结论。")
    return application.id


def _refused(world, org) -> int:
    """Refused during the evaluation, after a report of false invoices was confirmed: the evaluation is cancelled."""
    owner = _owner(world, org)
    with world.at(datetime(2026, 12, 5, 2)):
        application = _apply(owner, org, "中心培育社区社会组织23家，开展邻里互助和议事协商，近两年年检合格。")
    admin, evaluator = world.user(ADMIN), world.user(EVALUATOR)
    with world.at(datetime(2026, 12, 8, 2)):
        evaluation = grading.assign(admin, application, _mingde(), date(2027, 1, 10))
    with world.at(datetime(2026, 12, 10, 2)):
        evaluations.declare(evaluator, evaluation, False, "")
    with world.at(datetime(2027, 1, 8, 2)):
        grading.refuse(admin, application, "评估期间接到举报，经核实该中心2025年度存在以不合规票据列支项目经费的情况，"
                                           "不符合等级评估申请条件，终止本次评估。")
    return application.id


def _owner(world, org):
    return next(m.user for m in org.members if m.is_owner)


def _apply(owner, org, self_assessment: str) -> GradeApplication:
    jiangsu = db.session.scalar(select(Rubric).where(Rubric.name.like("%江苏%"), Rubric.status == "published"))
    return grading.apply(owner, org, jiangsu.id, self_assessment)


def _mingde() -> int:
    return db.session.scalar(select(Organization.id).filter_by(name=MINGDE))


def _evaluate(world, application, assigned_at: datetime, submitted_at: datetime, share: Decimal,
              bonus: dict[str, str], summary: str) -> Evaluation:
    """明德 is assigned, declares no conflict two days later, and submits its sheet: every regular
    indicator at `share` of its points, the bonus indicators as given."""
    admin, evaluator = world.user(ADMIN), world.user(EVALUATOR)
    with world.at(assigned_at):
        evaluation = grading.assign(admin, application, _mingde(), (assigned_at + timedelta(days=30)).date())
    with world.at(assigned_at + timedelta(days=2)):
        evaluations.declare(evaluator, evaluation, False, "")
    with world.at(submitted_at):
        sheet = {i.code: bonus.get(i.code, "0") if i.bonus else str((i.points * share).quantize(Decimal("0.01")))
                 for i in rubrics.leaves(evaluation.rubric) if i.source == "manual"}
        evaluations.save_scores(evaluator, evaluation, _entries(evaluation.rubric, sheet))
        evaluations.submit(evaluator, evaluation, summary)
    return evaluation
