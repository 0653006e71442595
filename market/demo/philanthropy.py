"""The demo's venture philanthropy and incubation (only what is missing):

- 2026年姑苏区社区公益创投大赛 by 姑苏区民政局 ran from its call (about 300 days ago) through review,
  pitch and selection; residents gave to three projects, the match was frozen (capped at ¥4,000, the
  surplus shared again), and the grant agreements are paying their tranches (mid-term review now);
- a second round by the 苏州市公益组织发展中心 (an incubator's operator) is taking proposals;
- the 姑苏区公益孵化园 has two cohorts: two organizations graduated and went on to win a grant and a
  grade, two are in the incubator, one of them falling behind.
"""
import secrets
from datetime import date, timedelta

from sqlalchemy import select

from market import clock
from market.accounts.models import User
from market.contracts import delivery, payment, signing
from market.core.security import hash_password
from market.demo import DEMO_PASSWORD
from market.demo.journeys import requests_answered_by
from market.demo.moments import clock_at, day
from market.evaluation import rubrics
from market.extensions import db
from market.incubation import services as incubation
from market.incubation.models import Incubator
from market.money import services as money
from market.organizations.models import Membership, ServiceCategory
from market.philanthropy import closing, giving, proposals, review, rounds
from market.philanthropy.models import Round
from market.procurement import undertakers

# Owners of the applicant organizations (index in DEMO_ORGANIZATIONS, e-mail, name).
APPLICANT_OWNERS = [(3, "xinqiao@demo.market", "林静"), (4, "yangguang@demo.market", "马俊"),
                    (6, "hexie@demo.market", "何丽"), (5, "lvse@demo.market", "徐刚")]
# (owner e-mail, title, category, problem, target, inputs, activities, outputs, outcomes, budget lines in yuan)
PROPOSALS = [
    ("xinqiao@demo.market", "“心晴驿站”青少年心理健康辅导", "youth",
     "平江街道初中生学业压力大，社区缺少可及的心理支持，家长不知道如何沟通。", "辖区12–18岁青少年及其家长",
     "心理咨询师2名、社工1名、志愿者15名、社区活动室", "每周两次团体辅导、每月一次家长课堂、个案咨询、危机转介",
     "团体辅导80场、个案咨询120小时、家长课堂10场、服务青少年300人", "青少年抑郁焦虑筛查阳性率下降，亲子沟通改善",
     [("咨询师与社工人员经费", 32000), ("活动物资与场地布置", 8000), ("家长课堂讲师费", 6000), ("评估与宣传", 4000)]),
    ("yangguang@demo.market", "“同行”残障人士社区融合支持计划", "disability",
     "辖区残障人士出门难、就业难，社区活动很少考虑无障碍。", "平江街道持证残障人士及家属约150人",
     "社工2名、康复师1名、志愿者20名", "无障碍出行陪同、手工坊技能培训、社区融合活动、家属喘息服务",
     "陪同出行200人次、技能培训24期、融合活动12场", "残障人士社区参与率提高，3人实现辅助性就业",
     [("社工与康复师经费", 28000), ("培训材料", 9000), ("活动与交通", 8000)]),
    ("hexie@demo.market", "“邻里和睦”社区调解员培养", "mediation",
     "老小区加装电梯、停车、噪音引发的邻里纠纷多，社区调解力量不足。", "平江街道6个社区的楼道长和热心居民",
     "专职调解员1名、律师志愿者4名、社区议事厅", "调解员培训班、驻点调解、纠纷回访、典型案例汇编",
     "培养社区调解员40名、调解纠纷80起", "纠纷调解成功率85%以上，信访量下降",
     [("调解员与律师劳务", 20000), ("培训与教材", 10000), ("案例汇编印刷", 8000)]),
    ("lvse@demo.market", "垃圾分类“绿色账户”推广", "environment",
     "老小区垃圾分类准确率低，居民参与积极性不高。", "平江街道6个老旧小区居民",
     "志愿者40名、宣传物料", "桶边督导、积分兑换、进楼入户宣传", "督导500小时、入户宣传3000户",
     "分类准确率提升到80%", [("宣传物料", 12000), ("积分兑换礼品", 10000), ("志愿者保险与餐补", 8000)]),
]
SHEETS = {  # review sheet (points of 20/30/20/15/15) and pitch score of each project
    "xinqiao@demo.market": ((18, 27, 17, 13, 13), 92), "yangguang@demo.market": ((17, 25, 17, 12, 12), 86),
    "hexie@demo.market": ((16, 24, 15, 12, 11), 80), "lvse@demo.market": ((13, 19, 13, 10, 9), None),
}
# (giver e-mail, project owner e-mail, yuan)
GIFTS = [("resident@demo.market", "xinqiao@demo.market", 200), ("neighbour@demo.market", "xinqiao@demo.market", 100),
         ("rater1@demo.market", "xinqiao@demo.market", 100), ("rater2@demo.market", "xinqiao@demo.market", 50),
         ("rater3@demo.market", "xinqiao@demo.market", 100), ("org@demo.market", "xinqiao@demo.market", 1000),
         ("resident@demo.market", "yangguang@demo.market", 100), ("rater4@demo.market", "yangguang@demo.market", 300),
         ("neighbour@demo.market", "hexie@demo.market", 500)]
ROUND_TITLE = "2026年姑苏区社区公益创投大赛"


def _owners(organizations) -> dict:
    people = {}
    for index, email, name in APPLICANT_OWNERS:
        user = db.session.scalar(select(User).filter_by(email=email))
        if user is None:
            user = User(email=email, display_name=name, created_at=clock.now(), locale="zh",
                        session_token=secrets.token_hex(16), password_hash=hash_password(DEMO_PASSWORD))
            db.session.add(user)
            db.session.flush()
            db.session.add(Membership(user_id=user.id, organization_id=organizations[index].id, is_owner=True,
                                      added_at=clock.now()))
            db.session.commit()
        people[email] = user
    return people


def seed_philanthropy(people: dict, organizations: list, communities: list) -> list[tuple[str, str]]:
    owners = _owners(organizations)
    everyone = {**people, **owners}
    for email in ("rater1@demo.market", "rater2@demo.market", "rater3@demo.market", "rater4@demo.market"):
        everyone[email] = db.session.scalar(select(User).filter_by(email=email))
    now = clock.now().replace(hour=2, minute=0, second=0, microsecond=0)
    _seed_incubator(everyone, organizations, now)
    _seed_round(everyone, organizations, now)
    _seed_open_round(everyone, organizations, now)
    return [(email, name) for _i, email, name in APPLICANT_OWNERS]


def _seed_round(people, organizations, now) -> None:
    if db.session.scalar(select(Round.id).filter_by(title=ROUND_TITLE)) is not None:
        return
    buyer, expert = people["purchaser@demo.market"], people["expert@demo.market"]
    department_id = next(g.department_id for g in buyer.grants if g.department_id)
    start = now - timedelta(days=300)
    categories = {c.code: c.id for c in db.session.scalars(select(ServiceCategory))}
    with clock_at(start):
        money.appropriate(buyer, department_id, 20_000_000, "苏福彩〔2026〕5号 福彩公益金（公益创投）", "demo-vp-2026")
        round_ = rounds.create_round(buyer, rounds.RoundData(
            sponsor=f"department:{department_id}", title=ROUND_TITLE, themes="为老服务、青少年成长、助残融合、社区环境",
            description="福彩公益金资助，每个项目最高6万元，分50%、30%、20%三期拨付；居民捐赠按二次方配捐，"
                        "苏州恒信科技有限公司与张家港市仁爱慈善基金会出资配捐池。",
            rubric_id=rubrics.published("proposal")[0].id, max_grant_fen=6_000_000, match_cap_fen=400_000,
            donor_cap_fen=50_000, max_age_years=None, incubated_only=False, max_grade=2, pitch_weight=40,
            proposals_due_at=start + timedelta(days=20), giving_ends_at=start + timedelta(days=50),
            request_ids=[i for p in PROPOSALS for i in requests_answered_by(p[1])]))  # the requests put forward
        rounds.fund(
            buyer, round_, "grants", 20_000_000, "姑苏区民政局", "government", "苏福彩〔2026〕5号", "demo-grants"
        )
        rounds.fund(buyer, round_, "matching", 500_000, "苏州恒信科技有限公司", "company", "配捐协议 HX-2026-03",
                    "demo-match-company")
        rounds.fund(buyer, round_, "matching", 300_000, "张家港市仁爱慈善基金会", "foundation", "仁爱〔2026〕配捐2号",
                    "demo-match-foundation")
        rounds.add_reviewer(buyer, round_, expert.email)
        rounds.open_call(buyer, round_)
    submitted = {}
    with clock_at(start + timedelta(days=5)):
        for email, title, category, problem, target, inputs, activities, outputs, outcomes, budget in PROPOSALS:
            owner = people[email]
            submitted[email] = proposals.submit_proposal(owner, round_, proposals.ProposalData(
                organization_id=next(iter(owner.organization_ids())), category_id=categories[category], title=title,
                problem=problem, target_group=target, inputs=inputs, activities=activities, outputs=outputs,
                outcomes=outcomes, months=8,
                budget=[proposals.BudgetLineData(item, yuan * 100) for item, yuan in budget],
                request_ids=requests_answered_by(title)))
    with clock_at(start + timedelta(days=21)):
        proposals.start_screening(buyer, round_)
        for proposal in submitted.values():
            proposals.screen(buyer, proposal, True, "登记满一年、无不良记录，符合申报条件。")
        review.start_review(buyer, round_)
    with clock_at(start + timedelta(days=25)):
        leaves = rubrics.leaves(round_.rubric)
        for email, proposal in submitted.items():
            review.declare(expert, proposal, False, "")
            review.score_review(
                expert,
                proposal,
                {leaf.id: str(points) for leaf, points in zip(leaves, SHEETS[email][0])},
                "需求清楚，逻辑模型完整。",
                submit=True,
            )
        shortlisted = [p.id for e, p in submitted.items() if SHEETS[e][1] is not None]
        review.start_pitch(buyer, round_, shortlisted)
    with clock_at(start + timedelta(days=28)):
        for email, proposal in submitted.items():
            if SHEETS[email][1] is not None:
                review.record_pitch(expert, proposal, str(SHEETS[email][1]))
        review.select_projects(buyer, round_, shortlisted, "")
    with clock_at(start + timedelta(days=35)):
        for index, (giver, email, yuan) in enumerate(GIFTS):
            anonymous = giver == "rater2@demo.market"
            giving.donate(people[giver], submitted[email], yuan * 100, anonymous, "", f"demo-gift-{index}")
    with clock_at(start + timedelta(days=51)):
        closing.close_giving(buyer, round_)
    grants = closing.agreements(round_)
    owner_of = {organizations[index].id: people[email] for index, email, _name in APPLICANT_OWNERS}
    for grant in grants:
        with clock_at(day(grant.starts_on)):
            signing.sign(buyer, grant, "purchaser")
            signing.sign(owner_of[grant.organization_id], grant, "organization")
    with clock_at(day(grants[0].starts_on) + timedelta(hours=2)):
        closing.advance(buyer, round_, "delivery")
    # Every project delivered and was paid its first tranche; the best one its second as well.
    for grant in grants:
        owner = owner_of[grant.organization_id]
        for milestone in grant.milestones[:2 if grant is grants[0] else 1]:
            with clock_at(day(milestone.due_on)):
                delivery.submit_report(owner, grant, milestone.id, delivery.ReportData(
                    f"{milestone.title}：按计划开展活动，详见活动记录与签到表。", 60 if grant is grants[0] else 35))
            with clock_at(day(milestone.due_on) + timedelta(days=3)):
                payment.decide(buyer, grant, milestone.id, "accepted")
            with clock_at(day(milestone.due_on) + timedelta(days=8)):
                payment.pay(buyer, grant, milestone.id)
    with clock_at(day(grants[0].milestones[1].due_on) + timedelta(days=10)):
        closing.advance(buyer, round_, "midterm")


def _seed_open_round(people, organizations, now) -> None:
    """A small round by the incubator's operator, taking proposals from incubated organizations."""
    title = "2027年社区微创投（孵化园专项）"
    if db.session.scalar(select(Round.id).filter_by(title=title)) is not None:
        return
    staff = people["incubator@demo.market"]
    with clock_at(now - timedelta(days=3)):
        round_ = rounds.create_round(
            staff,
            rounds.RoundData(
                sponsor=f"organization:{organizations[1].id}",
                title=title,
                themes="社区微更新、邻里互助、青少年成长",
                description="面向在孵和出孵两年内的社会组织，每个项目最高2万元。",
                rubric_id=rubrics.published("proposal")[0].id,
                max_grant_fen=2_000_000,
                match_cap_fen=200_000,
                donor_cap_fen=20_000,
                max_age_years=None,
                incubated_only=True,
                max_grade=2,
                pitch_weight=50,
                proposals_due_at=now + timedelta(days=20),
                giving_ends_at=now + timedelta(days=45),
            ),
        )
        rounds.fund(
            staff,
            round_,
            "grants",
            10_000_000,
            "苏州市公益组织发展中心",
            "incubator",
            "孵化园2027年度资助计划",
            "demo-open-grants",
        )
        rounds.fund(staff, round_, "matching", 500_000, "苏州恒信科技有限公司", "company", "配捐协议 HX-2027-01",
                    "demo-open-match")
        rounds.open_call(staff, round_)


def _seed_incubator(people, organizations, now) -> None:
    if db.session.scalar(select(Incubator.id).filter_by(name="姑苏区公益孵化园")) is not None:
        return
    staff, admin = people["incubator@demo.market"], people["admin@demo.market"]
    with clock_at(now.replace(year=2025, month=2, day=20)):
        incubator = incubation.create_incubator(
            staff,
            organizations[1].id,
            "姑苏区公益孵化园",
            "姑苏区人民路1128号三楼",
            "为初创期社会组织提供场地、培训、导师和种子资金，入孵期12个月。",
        )
        first = incubation.add_cohort(staff, incubator, "2025年第一期", date(2025, 3, 1), date(2026, 2, 28), 15)
        second = incubation.add_cohort(staff, incubator, "2026年第一期", date(2026, 3, 1), date(2027, 2, 28), 15)
    stays = {}
    with clock_at(now.replace(year=2025, month=3, day=3)):
        for index, mentor in ((3, "王敏（资深社工督导）"), (6, "陈晓（人民调解专家）")):
            stays[index] = incubation.admit(staff, first, organizations[index].id, date(2025, 3, 3), 12, mentor,
                                            "完善治理结构，打造一个品牌项目，争取首个政府购买或创投项目。")
    with clock_at(now.replace(year=2026, month=3, day=10)):
        for index, mentor in ((4, "李华（康复与助残督导）"), (5, "周强（环保公益导师）")):
            stays[index] = incubation.admit(staff, second, organizations[index].id, date(2026, 3, 10), 12, mentor,
                                            "规范财务管理，培养项目团队。")
    records = [  # (stay, day, kind, quantity, yuan)
        (3, date(2025, 3, 20), "training", 24, 0), (3, date(2025, 4, 1), "office_space", 120, 0),
        (3, date(2025, 4, 15), "seed_money", 0, 5000), (3, date(2025, 6, 1), "mentoring", 16, 0),
        (6, date(2025, 3, 20), "training", 24, 0), (6, date(2025, 5, 10), "seed_money", 0, 3000),
        (6, date(2025, 7, 1), "registration_help", 6, 0),
        (4, date(2026, 3, 25), "training", 16, 0), (4, date(2026, 4, 10), "seed_money", 0, 5000),
        (5, date(2026, 3, 25), "training", 8, 0), (5, date(2026, 4, 1), "office_space", 60, 0)]
    for index, on, kind, quantity, yuan in records:
        with clock_at(now.replace(year=on.year, month=on.month, day=on.day)):
            incubation.record_service(staff, stays[index], kind, quantity, yuan * 100, on, "",
                                      f"demo-{kind}-{index}-{on.isoformat()}")
    assessments = [  # (stay, day, governance, finance, staff, projects)
        (3, date(2025, 3, 10), 2, 2, 2, 1), (3, date(2025, 9, 10), 3, 3, 3, 3), (3, date(2026, 2, 20), 4, 4, 3, 4),
        (6, date(2025, 3, 10), 2, 1, 2, 2), (6, date(2025, 9, 10), 3, 2, 3, 3), (6, date(2026, 2, 20), 4, 3, 3, 3),
        (4, date(2026, 3, 15), 2, 2, 2, 2), (4, date(2026, 9, 15), 3, 3, 3, 3),
        (5, date(2026, 3, 15), 2, 2, 2, 2), (5, date(2026, 6, 15), 2, 2, 1, 2)]
    for index, on, *levels in assessments:
        with clock_at(now.replace(year=on.year, month=on.month, day=on.day)):
            incubation.assess(
                staff,
                stays[index],
                on,
                dict(zip(("governance", "finance", "staff", "projects"), levels)),
                "按孵化园能力评估表逐项打分。",
            )
    with clock_at(now.replace(year=2026, month=3, day=5)):
        incubation.graduate(staff, stays[3], "治理结构健全，品牌项目“心晴驿站”成型，具备独立承接项目能力，准予出孵。")
        incubation.graduate(staff, stays[6], "调解品牌初步形成，财务制度已建立，准予出孵，出孵后跟踪12个月。")
    with clock_at(now.replace(year=2026, month=7, day=20)):
        undertakers.record_grade(admin, organizations[6], 2, date(2026, 7, 20))
