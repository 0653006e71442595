"""Venture philanthropy beyond the demo: one round of 姑苏区民政局 left in each phase the demo lacks
(draft … closed, and one cancelled), so every proposal status and every state of a card gift is on
record at the crawl. Everything goes through the round, contract and payment services; a round is
walked phase by phase on dates of its own, and left where the crawl should find it:

- closed: 2026年“邻里守望”社区微创投 (March–November 2026, every tranche paid);
- final: 2026年“幸福家园”公益创投 (final review from January);
- delivery: 2026年“小家大爱”家庭支持公益创投 (first tranches paid);
- agreement: 2026年“文明实践”志愿服务创投 (agreements drafted, not yet signed);
- selection: 2027年“温暖同行”公益创投（第一批） (giving open; a project cancelled and its gifts refunded; a card
  gift still being confirmed by Stripe and one declined);
- pitch, review, screening: three rounds of January 2027 (a proposal withdrawn, one found ineligible);
- draft: the incubator's 2027 seed round; cancelled: the 2026 winter emergency round.
"""
import hashlib
import hmac
import json
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import NamedTuple

from sqlalchemy import select

from market import clock
from market.accounts.roles import Role
from market.contracts import delivery, payment, signing
from market.evaluation import rubrics
from market.extensions import db
from market.money import payments
from market.money import services as money
from market.organizations.models import Organization, ServiceCategory
from market.philanthropy import closing, giving, proposals, review, rounds
from market.philanthropy.models import Donation, Proposal, Round

DAY = timedelta(days=1)
BUYER, STAFF, EXPERT = "purchaser@demo.market", "incubator@demo.market", "expert@demo.market"
PANELLIST = ("expert3@world.market", "顾晓东")  # a second expert for the round whose review is under way
XQ, YG, HX, LS, LL = ("xinqiao@demo.market", "yangguang@demo.market", "hexie@demo.market", "lvse@demo.market",
                      "org@demo.market")
OPERATOR = "苏州市公益组织发展中心"  # runs the 姑苏区公益孵化园; sponsors the draft round


class Project(NamedTuple):
    owner: str
    category: str
    title: str
    problem: str
    target: str
    inputs: str
    activities: str
    outputs: str
    outcomes: str
    months: int
    budget: list  # (item, yuan)
    quality: float  # the share of each indicator's points the experts give; the pitch follows it


PROJECTS = {
    # closed round
    "stairs": Project(
        LS,
        "environment",
        "“净美楼道”老旧小区环境微改造",
        "桐芳巷等老旧小区楼道堆物多、墙面破损，存在消防隐患，居民各扫门前雪。",
        "平江街道3个老旧小区约600户居民",
        "志愿者30名、社区规划师1名、清运车辆",
        "楼道堆物清理、墙面美化、居民楼道公约讨论、每月一次清洁日",
        "清理楼道120个、美化墙面40处、形成楼道公约12份",
        "楼道堆物反弹率低于20%，居民参与清洁日人数稳定",
        6,
        [("清运与材料费", 12000), ("墙绘与宣传", 8000), ("志愿者保险与餐补", 5000)],
        0.86,
    ),
    "council": Project(
        HX,
        "mediation",
        "“楼道议事会”邻里公约共建",
        "加装电梯、晾晒、宠物等小事引发的楼道矛盾多，居民缺少商量事情的平台。",
        "平江街道6个社区的楼道长和居民代表",
        "专职调解员1名、律师志愿者2名、社区议事厅",
        "培训楼道长、每月楼道议事会、矛盾现场调解、议事案例汇编",
        "组建楼道议事会24个、议事会议96场、调解矛盾40起",
        "楼道矛盾在楼内化解比例达到70%",
        6,
        [("调解员劳务", 14000), ("议事会组织", 6000), ("案例汇编", 4000)],
        0.82,
    ),
    # final round
    "pairs": Project(
        LL,
        "elderly",
        "“银龄互助”低龄老人结对帮扶高龄老人",
        "辖区80岁以上独居老人320人，子女不在身边，社区工作人员上门探访力量不足。",
        "平江街道80岁以上独居老人及60–70岁低龄老人志愿者",
        "社工2名、低龄老人志愿者80名、结对手册",
        "低龄老人志愿者招募与培训、一对一结对探访、节日集体活动、紧急情况转介",
        "结对160对、探访4800人次、集体活动8场",
        "高龄独居老人紧急情况发现及时率提升，孤独感量表得分下降",
        8,
        [("社工人员经费", 26000), ("志愿者培训与保险", 9000), ("活动物资", 8000), ("评估与宣传", 4000)],
        0.88,
    ),
    "workshop": Project(
        YG,
        "disability",
        "“融乐工坊”残障青年辅助性就业",
        "辖区18–35岁智力和精神残障青年多数闲居在家，家庭照护压力大，缺少过渡性就业岗位。",
        "辖区18–35岁残障青年30人及其家庭",
        "就业辅导员2名、手工坊场地、合作企业3家",
        "烘焙与手工技能训练、企业见习、家长支持小组、义卖活动",
        "技能训练96课时、企业见习12人、义卖活动6场",
        "6名残障青年实现辅助性就业，家长照护压力下降",
        8,
        [("就业辅导员经费", 24000), ("训练材料", 10000), ("见习交通与保险", 6000)],
        0.84,
    ),
    # delivery round
    "parents": Project(
        XQ,
        "family",
        "“亲子同行”家庭教育支持计划",
        "双职工和隔代养育家庭多，家长不懂青春期孩子，亲子冲突频繁。",
        "辖区初中学生家庭200户",
        "心理咨询师2名、家庭教育指导师1名、学校与社区活动室",
        "家长成长课堂、亲子沟通工作坊、家庭个案辅导、家长互助小组",
        "家长课堂16场、亲子工作坊12场、家庭个案40户",
        "亲子沟通量表得分提升，家庭冲突求助量下降",
        10,
        [("咨询师与指导师劳务", 30000), ("工作坊物资", 9000), ("个案督导", 8000), ("评估与宣传", 5000)],
        0.9,
    ),
    "family_law": Project(
        HX,
        "mediation",
        "“法润家庭”婚姻家庭纠纷预防",
        "婚姻家庭纠纷在社区调解案件中占比四成，不少矛盾拖到激化才求助。",
        "平江、双塔街道有家庭矛盾的居民",
        "调解员2名、律师志愿者4名、心理咨询师1名",
        "家庭纠纷早期排查、婚姻家庭法律讲座、调解加心理疏导、回访",
        "排查家庭矛盾120户、讲座10场、调解60起",
        "家庭纠纷调解成功率85%以上，民转刑案件为零",
        10,
        [("调解员与律师劳务", 28000), ("心理疏导", 10000), ("讲座与宣传", 6000)],
        0.85,
    ),
    # agreement round
    "river": Project(
        LS,
        "environment",
        "“河长助手”社区河道守护志愿队",
        "平江河沿线居民向河道倾倒垃圾、私设排口的情况时有发生，巡河力量不足。",
        "平江河沿线4个社区居民",
        "志愿者50名、巡河装备、水质检测试剂",
        "志愿巡河、水质简易检测、沿河商户宣传、亲水自然课堂",
        "巡河400小时、检测水样96份、宣传商户120家",
        "沿河乱倒垃圾投诉下降50%",
        8,
        [("巡河装备与检测试剂", 12000), ("志愿者保险与餐补", 10000), ("宣传与课堂", 8000)],
        0.87,
    ),
    "map": Project(
        YG,
        "disability",
        "“无障碍地图”社区出行环境调查",
        "坡道被占、盲道中断，残障人士和老人出门“最后一百米”走不通。",
        "姑苏区行动不便居民约500人",
        "残障人士调查员10名、志愿者20名、地图制作",
        "无障碍设施实地调查、问题清单提交街道、无障碍地图发布、体验日活动",
        "调查设施800处、提交问题清单4份、发布地图1份",
        "推动整改无障碍问题50处以上",
        8,
        [("调查员劳务", 15000), ("地图设计印制", 9000), ("体验活动", 6000)],
        0.83,
    ),
    # selection round
    "companion": Project(
        XQ,
        "youth",
        "“成长伙伴”困境儿童课后陪伴",
        "辖区困境儿童和留守儿童放学后无人照看，作业和情绪都缺少支持。",
        "平江街道6–14岁困境儿童40名",
        "社工1名、大学生志愿者30名、社区四点半课堂",
        "课后作业陪伴、情绪支持小组、假期成长营、家庭走访",
        "课后陪伴1600人次、小组活动24场、家访80户",
        "儿童学业和情绪状况改善，家长满意度90%以上",
        10,
        [("社工人员经费", 22000), ("志愿者交通与保险", 8000), ("成长营", 10000), ("学习用品", 5000)],
        0.91,
    ),
    "elder_mediator": Project(
        HX,
        "mediation",
        "“老娘舅”调解工作室进小区",
        "小区里的邻里纠纷跑到街道才处理，小事拖成大事。",
        "平江街道4个老旧小区居民",
        "“老娘舅”调解员8名、律师志愿者2名",
        "小区调解工作室驻点、纠纷上门调解、调解员每月案例研讨",
        "驻点值班400小时、调解纠纷80起",
        "纠纷在小区内化解比例达到80%",
        10,
        [("调解员补贴", 20000), ("工作室布置", 8000), ("培训与研讨", 6000)],
        0.86,
    ),
    "canteen": Project(
        LL,
        "elderly",
        "“幸福食堂”助餐志愿者培育",
        "社区助餐点人手紧张，送餐上门只能覆盖一半有需要的高龄老人。",
        "平江街道社区食堂及120位高龄老人",
        "社工1名、助餐志愿者60名、送餐保温箱",
        "志愿者招募培训、送餐上门、用餐老人健康观察、志愿者激励",
        "培育志愿者60名、送餐9000份",
        "送餐上门覆盖全部有需要的高龄老人",
        10,
        [("社工人员经费", 20000), ("送餐设备", 12000), ("志愿者保险与激励", 8000)],
        0.88,
    ),
    "food_class": Project(
        LS,
        "environment",
        "“光盘行动”社区食育课堂",
        "社区食堂和家庭餐桌浪费明显，厨余垃圾量居高不下。",
        "平江街道社区食堂就餐居民和亲子家庭",
        "志愿者20名、营养师1名",
        "食育课堂、光盘打卡、厨余减量竞赛",
        "课堂12场、打卡家庭200户",
        "社区食堂厨余量下降20%",
        10,
        [("课堂与物资", 10000), ("营养师劳务", 6000), ("激励礼品", 4000)],
        0.72,
    ),
    # pitch round
    "sign_corner": Project(
        YG,
        "disability",
        "“手语角”听障居民社区融入",
        "辖区听障居民办事、就医沟通难，社区工作人员不会手语。",
        "辖区听障居民60人及社区、医院窗口工作人员",
        "手语老师2名、听障志愿者10名",
        "窗口人员手语培训、每周手语角、陪同就医翻译",
        "培训窗口人员80名、手语角48场、陪同翻译120次",
        "听障居民办事就医沟通障碍明显减少",
        10,
        [("手语老师劳务", 18000), ("陪同翻译补贴", 12000), ("活动物资", 5000)],
        0.87,
    ),
    "flea": Project(
        LS,
        "environment",
        "“旧物新生”社区循环市集",
        "闲置物品大量被当作垃圾丢弃，居民缺少交换和捐赠的渠道。",
        "姑苏区平江、双塔街道居民",
        "志愿者40名、市集场地、旧物修补师傅",
        "每月循环市集、旧物修补、闲置物品捐赠对接",
        "市集10场、修补旧物1500件、捐赠对接300件",
        "进入生活垃圾的大件闲置物品减少",
        10,
        [("市集组织", 12000), ("修补材料与师傅劳务", 10000), ("宣传", 4000)],
        0.84,
    ),
    "net_safety": Project(
        XQ,
        "youth",
        "“青春护航”中学生网络素养课堂",
        "初中生沉迷短视频和网络游戏，网络诈骗和欺凌事件增多。",
        "辖区3所初中学生",
        "心理咨询师1名、讲师志愿者6名",
        "网络素养课程、家长讲座、同伴互助小组",
        "课程30节、讲座6场",
        "学生网络使用自控量表得分提升",
        10,
        [("讲师劳务", 12000), ("课程开发", 6000)],
        0.74,
    ),
    # review round
    "blood_pressure": Project(
        LL,
        "health",
        "“慢病管家”社区高血压老人自我管理小组",
        "社区高血压老人服药不规律，血压控制率不到一半。",
        "平江街道患高血压的老人150人",
        "社工1名、家庭医生2名、血压计30台",
        "自我管理小组、每周测血压、用药提醒、健康饮食课堂",
        "自我管理小组10个、测量血压6000人次",
        "血压控制率提升到65%",
        10,
        [("社工人员经费", 18000), ("血压计与耗材", 9000), ("课堂与宣传", 6000)],
        0.89,
    ),
    "rehab": Project(
        YG,
        "disability",
        "“康复到家”居家残障人士康复指导",
        "重度残障人士出门难，康复训练在家无人指导。",
        "辖区重度肢体残障人士40人",
        "康复师2名、志愿者10名",
        "上门康复评估与训练、家属照护培训、辅具适配",
        "上门康复640次、家属培训8场",
        "残障人士日常生活能力评分提升",
        10,
        [("康复师劳务", 24000), ("辅具与耗材", 8000)],
        0.85,
    ),
    "family_early": Project(
        HX,
        "mediation",
        "“家和”家庭矛盾早期干预",
        "家庭矛盾多在激化后才进入调解，错过了化解的最好时机。",
        "平江街道有家庭矛盾苗头的家庭",
        "调解员1名、心理咨询师1名",
        "网格员发现转介、上门早期干预、家庭会议",
        "干预家庭60户",
        "家庭矛盾激化为纠纷的比例下降",
        10,
        [("调解与咨询劳务", 20000), ("家庭会议组织", 6000)],
        0.8,
    ),
    # screening round
    "green_account": Project(
        LS,
        "environment",
        "垃圾分类“绿色账户”积分升级",
        "“绿色账户”积分兑换点少、兑换品单一，居民参与热情下降。",
        "平江街道6个小区居民",
        "志愿者30名、积分兑换柜2台",
        "积分兑换升级、桶边督导、分类达人评选",
        "督导600小时、兑换3000人次",
        "分类准确率稳定在85%以上",
        8,
        [("兑换品", 12000), ("志愿者保险与餐补", 8000), ("宣传", 5000)],
        0.83,
    ),
    "peer_mediation": Project(
        XQ,
        "youth",
        "“校园调解员”学生同伴调解培训",
        "中学生之间的冲突和欺凌多靠老师处理，学生自己缺少化解冲突的办法。",
        "辖区2所初中的学生",
        "心理咨询师1名、律师志愿者2名",
        "同伴调解员培训、校园调解角、冲突情景剧",
        "培训学生调解员40名",
        "校园冲突在同伴间化解的比例提高",
        8,
        [("培训讲师劳务", 14000), ("调解角布置", 6000), ("情景剧", 5000)],
        0.86,
    ),
    "office_rent": Project(
        HX,
        "mediation",
        "调解中心运营保障",
        "中心办公场所租金和专职人员工资压力大。",
        "中心专职人员",
        "专职人员3名、办公场所",
        "日常调解接待",
        "接待来访300人次",
        "中心稳定运营",
        8,
        [("办公场所租金", 18000), ("专职人员工资", 12000)],
        0.6,
    ),
    # cancelled round
    "winter_visit": Project(
        LL,
        "elderly",
        "“暖冬”独居老人冬季安全巡访",
        "冬季独居老人用电取暖、燃气使用安全隐患多，突发疾病发现不及时。",
        "平江街道独居老人180人",
        "社工1名、志愿者30名",
        "冬季入户安全巡访、取暖设备检查、寒潮天气电话问候",
        "巡访1080人次",
        "冬季独居老人安全事故为零",
        3,
        [("志愿者保险与交通", 6000), ("安全检查物资", 8000)],
        0.85,
    ),
    "warm_sun": Project(
        YG,
        "disability",
        "“冬日暖阳”残障家庭取暖物资援助",
        "部分困难残障家庭冬季取暖条件差。",
        "辖区困难残障家庭50户",
        "社工1名、志愿者10名",
        "入户评估、取暖物资发放、冬季探访",
        "援助家庭50户",
        "困难残障家庭安全过冬",
        3,
        [("取暖物资", 12000), ("入户评估", 3000)],
        0.8,
    ),
}


@dataclass
class Plan:
    """A round's rules and calendar; the phases follow the deadline for proposals by fixed days."""

    key: str  # for the money's idempotency tokens
    title: str
    themes: str
    description: str
    opens: datetime  # created and its call opened
    due: datetime  # proposals due
    giving_ends: datetime
    projects: list[str]
    max_grant_yuan: int
    grants_yuan: int
    reference: str  # the document the grants come under
    matching: list = field(default_factory=list)  # (funder, kind, yuan, reference)
    ineligible: dict = field(default_factory=dict)  # project → the reason given
    shortlist: list | None = None  # default: every eligible project
    selected: list | None = None  # default: the whole shortlist
    gifts: list = field(default_factory=list)  # (giver, project, yuan)
    sponsor: str = "department"  # or "incubator"
    max_grade: int | None = None
    pitch_weight: int = 40
    panel: tuple = (EXPERT,)


STAGES = ("draft", "call", "screening", "review", "pitch", "selection", "agreement", "delivery")


def build(world) -> None:
    world.person(*PANELLIST)
    world.grant(PANELLIST[0], Role.EXPERT)
    ids = {
        "closed": _closed_round(world), "final": _final_round(world), "delivery": _delivery_round(world),
        "agreement": _agreement_round(world), "selection": _selection_round(world), "pitch": _pitch_round(world),
        "review": _review_round(world), "screening": _screening_round(world), "draft": _draft_round(world),
        "cancelled": _cancelled_round(world),
    }
    for status, round_id in ids.items():
        found = db.session.get(Round, round_id).status
        assert found == status, f"the {status} round is {found}"
        world.notes[f"round_{status}"] = round_id


# --- walking a round ----------------------------------------------------------------------------------

class Walk:
    """Takes one round through its phases, each on its day after the deadline for proposals."""

    def __init__(self, world, plan: Plan):
        self.world, self.plan = world, plan
        self.manager = world.user(STAFF if plan.sponsor == "incubator" else BUYER)
        self.round = None
        self.proposals: dict[str, Proposal] = {}

    def run(self, until: str) -> "Walk":
        for stage in STAGES[:STAGES.index(until) + 1]:
            getattr(self, stage)()
        return self

    def draft(self) -> None:
        plan, manager = self.plan, self.manager
        with self.world.at(plan.opens):
            if plan.sponsor == "incubator":
                operator = db.session.scalar(select(Organization.id).filter_by(name=OPERATOR))
                sponsor, funder, kind = f"organization:{operator}", OPERATOR, "incubator"
            else:
                department_id = next(g.department_id for g in manager.grants if g.department_id)
                sponsor, funder, kind = f"department:{department_id}", "姑苏区民政局", "government"
                # The department's own grants come from its budget: record this round's allotment first,
                # so the round takes nothing from what other contracts of the department rely on.
                money.appropriate(manager, department_id, plan.grants_yuan * 100, plan.reference, f"world-{plan.key}")
            self.round = rounds.create_round(manager, rounds.RoundData(
                sponsor=sponsor, title=plan.title, themes=plan.themes, description=plan.description,
                rubric_id=rubrics.published("proposal")[0].id, max_grant_fen=plan.max_grant_yuan * 100,
                match_cap_fen=plan.max_grant_yuan * 10, donor_cap_fen=50_000, max_age_years=None,
                incubated_only=plan.sponsor == "incubator", max_grade=plan.max_grade, pitch_weight=plan.pitch_weight,
                proposals_due_at=plan.due, giving_ends_at=plan.giving_ends))
            rounds.fund(manager, self.round, "grants", plan.grants_yuan * 100, funder, kind, plan.reference,
                        f"world-{plan.key}-grants")
            for number, (name, funder_kind, yuan, reference) in enumerate(plan.matching):
                rounds.fund(manager, self.round, "matching", yuan * 100, name, funder_kind, reference,
                            f"world-{plan.key}-match-{number}")
            for email in plan.panel:
                rounds.add_reviewer(manager, self.round, email)

    def call(self) -> None:
        with self.world.at(self.plan.opens + timedelta(hours=2)):
            rounds.open_call(self.manager, self.round)
        categories = {c.code: c.id for c in db.session.scalars(select(ServiceCategory))}
        for number, key in enumerate(self.plan.projects):
            project = PROJECTS[key]
            owner = self.world.user(project.owner)
            with self.world.at(self.plan.opens + (5 + number) * DAY):
                self.proposals[key] = proposals.submit_proposal(owner, self.round, proposals.ProposalData(
                    organization_id=_owned(owner), category_id=categories[project.category], title=project.title,
                    problem=project.problem, target_group=project.target, inputs=project.inputs,
                    activities=project.activities, outputs=project.outputs, outcomes=project.outcomes,
                    months=project.months,
                    budget=[proposals.BudgetLineData(item, yuan * 100) for item, yuan in project.budget]))

    def screening(self) -> None:
        with self.world.at(self.plan.due + DAY):
            proposals.start_screening(self.manager, self.round)
            for key in self.proposals:
                self.screen(key)

    def screen(self, key: str) -> None:
        reason = self.plan.ineligible.get(key)
        proposals.screen(self.manager, self.proposals[key], reason is None,
                      reason or "登记满一年、年检合格，无不良记录，申报材料齐全，符合申报条件。")

    def eligible(self) -> dict[str, Proposal]:
        return {k: p for k, p in self.proposals.items() if k not in self.plan.ineligible}

    def review(self) -> None:
        with self.world.at(self.plan.due + 2 * DAY):
            review.start_review(self.manager, self.round)
        with self.world.at(self.plan.due + 7 * DAY):
            for email in self.plan.panel:
                for key in self.eligible():
                    self.sheet(email, key)

    def sheet(self, email: str, key: str, submit: bool = True) -> None:
        """An expert declares no conflict and scores every indicator at the project's quality."""
        expert, proposal, quality = self.world.user(email), self.proposals[key], PROJECTS[key].quality
        review.declare(expert, proposal, False, "")
        points = {leaf.id: str(round(leaf.points * quality)) for leaf in rubrics.leaves(self.round.rubric)}
        review.score_review(expert, proposal, points, "问题有调研依据，逻辑模型基本完整；建议细化成效测量方法。"
                            if quality >= 0.8 else "需求论证不足，活动与成效之间的逻辑较弱。", submit=submit)

    def shortlist(self) -> list[str]:
        return self.plan.shortlist or list(self.eligible())

    def pitch(self) -> None:
        with self.world.at(self.plan.due + 9 * DAY):
            review.start_pitch(self.manager, self.round, [self.proposals[k].id for k in self.shortlist()])
        with self.world.at(self.plan.due + 13 * DAY):
            for email in self.plan.panel:
                for key in self.shortlist():
                    self.pitch_score(email, key)

    def pitch_score(self, email: str, key: str) -> None:
        review.record_pitch(self.world.user(email), self.proposals[key], str(round(PROJECTS[key].quality * 100) + 2))

    def selection(self) -> None:
        selected = self.plan.selected or self.shortlist()
        chosen_at = self.plan.due + 15 * DAY
        with self.world.at(chosen_at):
            review.select_projects(self.manager, self.round, [self.proposals[k].id for k in selected], "")
        for number, (giver, key, yuan) in enumerate(self.plan.gifts):
            with self.world.at(chosen_at + (3 + number) * DAY + timedelta(hours=number % 5)):
                giving.donate(self.world.user(giver), self.proposals[key], yuan * 100, giver == "rater2@demo.market",
                              "", f"world-{self.plan.key}-gift-{number}")

    def agreement(self) -> None:
        with self.world.at(self.plan.giving_ends + DAY):
            closing.close_giving(self.manager, self.round)

    def delivery(self) -> None:
        """Both sides sign every grant agreement on its first day; delivery starts that day."""
        grants = closing.agreements(self.round)
        for grant in grants:
            with self.world.at(_day(grant.starts_on)):
                signing.sign(self.manager, grant, "purchaser")
                signing.sign(self.owner(grant), grant, "organization")
        with self.world.at(_day(grants[0].starts_on) + timedelta(hours=2)):
            closing.advance(self.manager, self.round, "delivery")

    def project_of(self, grant) -> str:
        return next(k for k, p in self.proposals.items() if p.id == grant.proposal_id)

    def owner(self, grant):
        return self.world.user(PROJECTS[self.project_of(grant)].owner)

    def deliver(self, positions: range) -> None:
        """Each grant's milestones at these positions: reported when due, accepted, and paid."""
        for grant in closing.agreements(self.round):
            key = self.project_of(grant)
            for milestone in grant.milestones[positions.start:positions.stop]:
                due = _day(milestone.due_on)
                with self.world.at(due):
                    delivery.submit_report(self.owner(grant), grant, milestone.id, delivery.ReportData(
                        f"{milestone.title}：{PROJECTS[key].activities}，均按计划开展，详见活动记录、签到表和照片。",
                        40 + 15 * milestone.position))
                with self.world.at(due + 3 * DAY):
                    payment.decide(self.manager, grant, milestone.id, "accepted")
                with self.world.at(due + 8 * DAY):
                    payment.pay(self.manager, grant, milestone.id)

    def advance(self, target: str, moment: datetime) -> None:
        with self.world.at(moment):
            closing.advance(self.manager, self.round, target)


def _day(day) -> datetime:
    return datetime(day.year, day.month, day.day, 2, 0)  # 10:00 in Suzhou


def _owned(owner) -> int:
    return next(iter(owner.organization_ids()))


# --- one round per phase ------------------------------------------------------------------------------

def _closed_round(world) -> int:
    """March to November 2026: two small projects delivered, every tranche paid, the leftovers returned."""
    walk = Walk(world, Plan(
        "closed", "2026年姑苏区“邻里守望”社区微创投", "老旧小区环境、邻里议事",
        "聚焦老旧小区楼道环境和邻里议事，每个项目最高3万元，周期6个月，分50%、30%、20%三期拨付。",
        datetime(2026, 3, 2, 2), datetime(2026, 3, 23, 2), datetime(2026, 4, 20, 2), ["stairs", "council"],
        30_000, 60_000, "苏福彩〔2026〕3号 福彩公益金（社区微创投）",
        matching=[("苏州银行姑苏支行", "company", 3_000, "配捐协议 SZB-2026-01")],
        gifts=[("resident@demo.market", "stairs", 100), ("neighbour@demo.market", "stairs", 50),
               ("rater1@demo.market", "stairs", 30), ("rater3@demo.market", "council", 100),
               ("resident@demo.market", "council", 50)])).run("delivery")
    walk.deliver(range(0, 2))
    walk.advance("midterm", datetime(2026, 8, 31, 2))
    walk.advance("final", datetime(2026, 10, 16, 2))
    walk.deliver(range(2, 3))
    walk.advance("closed", datetime(2026, 11, 6, 2))
    return walk.round.id


def _final_round(world) -> int:
    """April 2026 to February 2027: two tranches paid, the final review opened in January."""
    walk = Walk(world, Plan(
        "final", "2026年姑苏区“幸福家园”公益创投", "为老服务、助残就业",
        "福彩公益金资助为老服务和助残就业项目，每个项目最高5万元，周期8个月。",
        datetime(2026, 4, 6, 2), datetime(2026, 4, 27, 2), datetime(2026, 6, 15, 2), ["pairs", "workshop"],
        50_000, 100_000, "苏福彩〔2026〕9号 福彩公益金（公益创投）",
        matching=[("张家港市仁爱慈善基金会", "foundation", 5_000, "仁爱〔2026〕配捐5号")],
        gifts=[("resident@demo.market", "pairs", 200), ("neighbour@demo.market", "pairs", 100),
               ("rater2@demo.market", "pairs", 50), ("rater4@demo.market", "workshop", 100),
               ("rater1@demo.market", "workshop", 100)])).run("delivery")
    walk.deliver(range(0, 2))
    walk.advance("midterm", datetime(2026, 12, 7, 2))
    walk.advance("final", datetime(2027, 1, 18, 2))
    return walk.round.id


def _delivery_round(world) -> int:
    """July 2026 to July 2027: signed in September, the first tranches paid in January."""
    walk = Walk(world, Plan(
        "delivery", "2026年姑苏区“小家大爱”家庭支持公益创投", "家庭教育、婚姻家庭纠纷预防",
        "支持家庭教育和婚姻家庭纠纷预防项目，每个项目最高6万元，周期10个月。",
        datetime(2026, 7, 6, 2), datetime(2026, 7, 27, 2), datetime(2026, 9, 20, 2), ["parents", "family_law"],
        60_000, 120_000, "苏福彩〔2026〕15号 福彩公益金（家庭支持）",
        gifts=[("resident@demo.market", "parents", 100), ("rater3@demo.market", "parents", 100),
               ("neighbour@demo.market", "family_law", 200)])).run("delivery")
    walk.deliver(range(0, 1))
    return walk.round.id


def _agreement_round(world) -> int:
    """Giving closed in January 2027; the grant agreements wait for their signatures."""
    walk = Walk(world, Plan(
        "agreement", "2026年姑苏区“文明实践”志愿服务创投", "河道守护、无障碍环境",
        "新时代文明实践志愿服务项目，每个项目最高4万元，居民捐赠按二次方配捐。",
        datetime(2026, 10, 12, 2), datetime(2026, 11, 2, 2), datetime(2027, 1, 15, 2), ["river", "map"],
        40_000, 80_000, "苏福彩〔2026〕21号 福彩公益金（志愿服务）",
        matching=[("苏州恒信科技有限公司", "company", 4_000, "配捐协议 HX-2026-11")],
        gifts=[("resident@demo.market", "river", 100), ("neighbour@demo.market", "river", 100),
               ("rater1@demo.market", "river", 50), ("rater4@demo.market", "map", 200),
               ("resident2@world.market", "map", 100)])).run("agreement")
    return walk.round.id


def _selection_round(world) -> int:
    """Giving open until the end of February 2027. One project is cancelled and its gifts refunded;
    card gifts through Stripe: one declined by the bank, one still waiting for confirmation."""
    walk = Walk(world, Plan(
        "selection", "2027年姑苏区“温暖同行”公益创投（第一批）", "困境儿童、邻里调解、助餐",
        "2027年第一批公益创投，每个项目最高5万元；居民捐赠按二次方配捐，配捐池由企业出资。",
        datetime(2026, 11, 16, 2), datetime(2026, 12, 7, 2), datetime(2027, 2, 28, 2),
        ["companion", "elder_mediator", "canteen", "food_class"], 50_000, 150_000,
        "苏福彩〔2026〕27号 福彩公益金（2027年第一批公益创投）",
        matching=[("苏州恒信科技有限公司", "company", 5_000, "配捐协议 HX-2027-02")],
        selected=["companion", "elder_mediator", "canteen"],
        gifts=[("resident@demo.market", "companion", 200), ("neighbour@demo.market", "companion", 100),
               ("rater2@demo.market", "companion", 50), ("rater1@demo.market", "elder_mediator", 100),
               ("neighbour@demo.market", "elder_mediator", 50), ("resident@demo.market", "canteen", 100),
               ("rater4@demo.market", "canteen", 100)])).run("selection")
    with world.at(datetime(2027, 1, 12, 2)):
        giving.cancel_project(world.user(HX), walk.proposals["elder_mediator"],
                              "驻点小区物业用房被收回，调解工作室无法落地，机构申请取消项目并退还全部捐赠。")
    _card_gifts_by_stripe(world, walk.proposals["companion"])
    return walk.round.id


def _pitch_round(world) -> int:
    """Two projects shortlisted for the pitch in January 2027; one pitch scored so far."""
    walk = Walk(world, Plan(
        "pitch", "2027年姑苏区“社区营造”公益创投", "无障碍融入、循环社区、青少年成长",
        "以社区营造为主题，每个项目最高5万元，路演成绩占最终得分的40%。",
        datetime(2026, 12, 1, 2), datetime(2026, 12, 28, 2), datetime(2027, 3, 31, 2),
        ["sign_corner", "flea", "net_safety"], 50_000, 100_000, "苏福彩〔2026〕30号 福彩公益金（社区营造）",
        shortlist=["sign_corner", "flea"])).run("review")
    with world.at(datetime(2027, 1, 20, 2)):
        review.start_pitch(walk.manager, walk.round, [walk.proposals[k].id for k in walk.shortlist()])
    with world.at(datetime(2027, 1, 27, 6)):
        walk.pitch_score(EXPERT, "sign_corner")
    return walk.round.id


def _review_round(world) -> int:
    """Under expert review: one sheet submitted, one saved half-way, and a proposal withdrawn."""
    walk = Walk(world, Plan(
        "review", "2027年姑苏区“健康社区”公益创投", "慢病管理、居家康复、家庭关系",
        "支持社区健康促进项目，每个项目最高4万元。", datetime(2026, 12, 7, 2), datetime(2027, 1, 11, 2),
        datetime(2027, 4, 15, 2), ["blood_pressure", "rehab", "family_early"], 40_000, 80_000,
        "苏福彩〔2026〕33号 福彩公益金（健康社区）", panel=(EXPERT, PANELLIST[0]))).run("screening")
    with world.at(datetime(2027, 1, 14, 2)):
        review.start_review(walk.manager, walk.round)
    with world.at(datetime(2027, 1, 22, 7)):
        walk.sheet(EXPERT, "blood_pressure")
        walk.sheet(EXPERT, "rehab", submit=False)
    with world.at(datetime(2027, 1, 25, 3)):
        proposals.withdraw(world.user(HX), walk.proposals["family_early"],
                        "项目负责人调往其他街道工作，团队无法保证实施，申请撤回。")
    return walk.round.id


def _screening_round(world) -> int:
    """The call closed on 20 January 2027; two proposals checked (one not eligible), one waiting."""
    walk = Walk(
        world,
        Plan(
            "screening",
            "2027年姑苏区“小区微治理”公益创投",
            "垃圾分类、校园与小区调解",
            "支持小区微治理项目，每个项目最高3万元；不资助机构日常运营经费。",
            datetime(2026, 12, 21, 2),
            datetime(2027, 1, 20, 2),
            datetime(2027, 4, 30, 2),
            ["green_account", "peer_mediation", "office_rent"],
            30_000,
            60_000,
            "苏福彩〔2026〕36号 福彩公益金（小区微治理）",
            ineligible={
                "office_rent": "申报内容为机构办公场所租金和专职人员工资，属于日常运营经费，不在本次创投资助范围内。"
            },
        ),
    ).run("call")
    with world.at(datetime(2027, 1, 22, 2)):
        proposals.start_screening(walk.manager, walk.round)
    with world.at(datetime(2027, 1, 26, 3)):
        walk.screen("peer_mediation")
        walk.screen("office_rent")
    return walk.round.id


def _draft_round(world) -> int:
    """The incubator's 2027 seed round, written up and funded, its call not yet opened."""
    walk = Walk(world, Plan(
        "draft", "2027年孵化园“种子计划”微创投", "初创社会组织的第一个品牌项目",
        "面向在孵和出孵两年内的社会组织，每个项目最高2万元，帮助初创组织打造第一个品牌项目。",
        datetime(2027, 1, 25, 2), datetime(2027, 3, 31, 2), datetime(2027, 5, 15, 2), [], 20_000, 100_000,
        "孵化园2027年度种子资金计划", sponsor="incubator")).run("draft")
    return walk.round.id


def _cancelled_round(world) -> int:
    """A winter emergency round cancelled during its call in September 2026: the proposals withdrawn."""
    walk = Walk(world, Plan(
        "cancelled", "2026年姑苏区“暖冬行动”应急公益创投", "独居老人和困难家庭过冬",
        "为独居老人和困难残障家庭冬季安全提供应急资助，每个项目最高2万元。", datetime(2026, 9, 7, 2),
        datetime(2026, 9, 28, 2), datetime(2026, 10, 31, 2), ["winter_visit", "warm_sun"], 20_000, 40_000,
        "苏福彩〔2026〕18号 福彩公益金（应急）")).run("call")
    with world.at(datetime(2026, 9, 22, 2)):
        closing.cancel_round(walk.manager, walk.round, "区财政资金安排调整，本次应急创投并入2027年度公益创投统一组织，"
                                                      "已申报项目可在新一轮重新申报。")
    return walk.round.id


# --- card gifts through Stripe ------------------------------------------------------------------------

STRIPE_SETTINGS = ("PAYMENTS", "STRIPE_SECRET_KEY", "STRIPE_API_BASE", "STRIPE_WEBHOOK_SECRET")
WEBHOOK_SECRET = "whsec_world"


def _card_gifts_by_stripe(world, proposal: Proposal) -> None:
    """The ledger provider settles at once, so a gift that is still pending or that failed needs the
    Stripe provider: the local stand-in of tests/stripe_standin.py plays Stripe, and the signed
    `payment_intent.payment_failed` webhook marks the declined card. The settings go back after."""
    from tests.stripe_standin import StripeStandIn

    config = world.app.config
    saved = {name: config[name] for name in STRIPE_SETTINGS}
    with StripeStandIn() as standin:
        config.update(PAYMENTS="stripe", STRIPE_SECRET_KEY="sk_test_world", STRIPE_API_BASE=standin.url,
                      STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET)
        try:
            with world.at(datetime(2027, 1, 28, 12)):
                declined = giving.donate(world.user("rater4@demo.market"), proposal, 300 * 100, False, "",
                                         "world-card-declined")
                payments.handle_stripe_webhook(*_failed_event(declined.incoming.reference))
            with world.at(datetime(2027, 1, 29, 1, 40)):  # twenty minutes before the crawl: not yet confirmed
                giving.donate(world.user("rater3@demo.market"), proposal, 100 * 100, False, "", "world-card-pending")
        finally:
            config.update(saved)
    statuses = {g.incoming.status for g in db.session.scalars(select(Donation).filter_by(proposal_id=proposal.id))}
    assert {"pending", "failed", "succeeded"} <= statuses, statuses


def _failed_event(reference: str) -> tuple[bytes, str]:
    """A `payment_intent.payment_failed` event, signed the way Stripe signs, at the world's time
    (Market checks a signature's time against market.clock)."""
    payload = json.dumps({
        "id": f"evt_world_{reference}", "object": "event", "type": "payment_intent.payment_failed",
        "api_version": "2025-01-01", "created": int(time.time()),
        "data": {"object": {"id": reference, "object": "payment_intent", "status": "requires_payment_method",
                            "last_payment_error": {"code": "card_declined", "message": "Your card was declined."}}},
    }).encode()
    at = int(clock.now().replace(tzinfo=timezone.utc).timestamp())
    mac = hmac.new(WEBHOOK_SECRET.encode(), f"{at}.".encode() + payload, hashlib.sha256).hexdigest()
    return payload, f"t={at},v1={mac}"
