"""Needs' journeys (民有所呼，我有所应) in 平江街道: residents of five communities post needs over the
past year, neighbours support them, the community workers decline some, merge others into community
requests, hold meetings and put them forward; two journeys run the whole way, to the 2026 home-visit
contract (a tender naming three requests) and to the 心晴驿站 grant of the 2026 venture-philanthropy
round; the others stop at each earlier stage. Only what is missing is added.

NEEDS is the specification figures are computed from by hand: one entry per need this module seeds,
with its community, category, author, supporters, how many days before now it is posted and its fate
(where its journey stands now). REQUESTS says what happens to the community requests the needs are
merged into. The seeding below is driven by the two tables; `_check` keeps them consistent.

Needs seeded elsewhere (market/demo/seed.py DEMO_NEEDS, topics.py, waiting.py) are not listed here.
"""
from datetime import timedelta
from typing import NamedTuple

from sqlalchemy import select

from market import clock
from market.accounts import services as accounts
from market.accounts.models import User
from market.accounts.roles import Role
from market.contracts.models import Contract
from market.demo import DEMO_PASSWORD
from market.demo.moments import clock_at, day
from market.evaluation import ratings
from market.evaluation import services as evaluations
from market.evaluation.models import Evaluation, Rating, Rubric
from market.extensions import db
from market.needs import hearings, needs, triage
from market.needs.models import CommunityRequest, CommunitySettings, Need
from market.organizations.models import Membership, ServiceCategory
from market.places.models import Community, Street
from market.procurement import bids, tenders
from market.procurement.models import CatalogItem, Tender

STREET = "平江街道"  # every community named below is one of its own
FATES = ("waiting", "on_agenda", "declined", "withdrawn", "in_request", "heard", "forwarded", "call", "in_community",
         "closed", "service")
# The contract and the grant agreement the two whole journeys lead to (seed.py and philanthropy.py make them).
VISITS_CONTRACT = "平江街道社区助老服务（2026年度）"
YOUTH_GRANT = "“心晴驿站”青少年心理健康辅导"
RERUN_TENDER = "南泾社区认知症老人日间照护服务项目"


class NeedSpec(NamedTuple):
    title: str
    community: str
    category: str  # ServiceCategory.code
    author: str  # e-mail
    supporters: tuple[str, ...]  # e-mails, in the order they support (one a day after the post)
    days_ago: int  # posted this many days before now
    fate: str  # one of FATES
    answer: str = ""  # "service": the contract or grant it leads to; "call": the open tender
    request: str = ""  # the community request it is merged into (fates in_request and later)
    stopped_days_ago: int = 0  # declined or withdrawn this many days before now
    reason: str = ""  # why the community declined it
    urgency: str = "normal"
    people: int = 1
    description: str = ""


class HearingSpec(NamedTuple):
    kind: str  # hearing, coordination, review
    days_ago: int  # held this many days before now
    location: str
    agenda: str
    attendance: int
    minutes: str
    votes_for: tuple[str, ...]
    votes_against: tuple[str, ...] = ()


class RequestSpec(NamedTuple):
    title: str
    community: str
    category: str
    track: str  # government_purchase, venture_philanthropy, self_governance
    beneficiaries: int
    budget_yuan: int
    created_days_ago: int
    description: str
    hearing: HearingSpec | None = None
    forwarded_days_ago: int | None = None
    closed_days_ago: int | None = None
    closed_reason: str = ""
    answer: str = ""  # the contract or grant (or the tender still open) that answers it


# Residents this module adds (e-mail, name, community, address); the community's worker verifies them.
RESIDENTS = (
    ("qian.shufen@demo.market", "钱淑芬", "金坊社区", "金坊巷12号"),
    ("sun.yongnian@demo.market", "孙永年", "金坊社区", "金坊巷18号2单元"),
    ("jiang.yaping@demo.market", "蒋雅萍", "金坊社区", "金坊新村5幢301室"),
    ("yan.zhihua@demo.market", "严志华", "金坊社区", "金坊新村7幢502室"),
    ("lu.jianping@demo.market", "陆建平", "新城社区", "新城花园3幢101室"),
    ("xu.ting@demo.market", "许婷", "新城社区", "新城花园9幢602室"),
    ("fan.guoqiang@demo.market", "范国强", "新城社区", "新城花园12幢201室"),
    ("gu.xiaoyan@demo.market", "顾晓燕", "东亭社区", "东亭苑2幢402室"),
    ("shao.ming@demo.market", "邵明", "东亭社区", "东亭苑6幢101室"),
    ("shi.meihua@demo.market", "施美华", "东亭社区", "东亭苑8幢203室"),
    ("tao.jun@demo.market", "陶军", "东亭社区", "东亭苑11幢501室"),
    ("jin.derong@demo.market", "金德荣", "南泾社区", "南泾新村4幢102室"),
    ("yao.peiling@demo.market", "姚佩玲", "南泾社区", "南泾新村10幢303室"),
)
# The worker of 东亭社区 and 南泾社区 (worker@demo.market serves the first three communities of 平江街道).
SECOND_WORKER = ("worker2@demo.market", "沈雪芳", ("东亭社区", "南泾社区"))
# Supports that put a need on the agenda, as the community set them (community, threshold, days ago).
THRESHOLDS = (("金坊社区", 4, 370), ("东亭社区", 3, 380))

R1 = "桐芳社区独居老人探访与助洁"
R2 = "金坊社区独居老人上门探访"
R3 = "新城社区空巢老人关爱探访"
R4 = "金坊社区青少年成长陪伴与家长课堂"
R5 = "金坊社区四点半课堂"
R6 = "东亭社区老年助餐点"
R7 = "桐芳社区楼道堆物清理"
R8 = "南泾社区公共绿地整治"
R9 = "新城社区夜间照明改善"
R10 = "新城社区困境儿童课后关爱"
R11 = "南泾社区认知症老人日间照护"

RESIDENT, NEIGHBOUR = "resident@demo.market", "neighbour@demo.market"
RATER1, RATER2, RATER3, RATER4 = (f"rater{n}@demo.market" for n in range(1, 5))
QIAN, SUN, JIANG, YAN = "qian.shufen@demo.market", "sun.yongnian@demo.market", "jiang.yaping@demo.market", \
    "yan.zhihua@demo.market"
LU, XU, FAN = "lu.jianping@demo.market", "xu.ting@demo.market", "fan.guoqiang@demo.market"
GU, SHAO, SHI, TAO = "gu.xiaoyan@demo.market", "shao.ming@demo.market", "shi.meihua@demo.market", "tao.jun@demo.market"
JIN, YAO = "jin.derong@demo.market", "yao.peiling@demo.market"

NEEDS = (
    # The purchase journey: three communities' requests, one tender, a contract delivered, evaluated and
    # rated. Its askers are the six residents who rate the contract (seed.py `_seed_evaluation`).
    NeedSpec("独居老人希望有人常来看看", "桐芳社区", "elderly", RATER1, (RESIDENT, NEIGHBOUR, RATER4), 346, "service",
             VISITS_CONTRACT, R1, urgency="high", people=30,
             description="我们楼里住着好几位独居老人，子女都在外地，一整天也没人说句话。前几天3楼的孙阿婆在家摔倒，"
                         "第二天才被邻居发现。希望社区组织人定期上门探望。"),
    NeedSpec("老人家里打扫卫生力不从心", "桐芳社区", "elderly", RATER4, (RATER1, NEIGHBOUR), 344, "service",
             VISITS_CONTRACT, R1, people=20,
             description="我今年七十八岁，老伴去世后一个人住，腰不好，擦窗、拖地都做不动了。希望有人定期上门帮忙打扫，"
                         "收一点费用也可以。"),
    NeedSpec("想听听老年人健康讲座", "桐芳社区", "health", NEIGHBOUR, (RESIDENT,), 341, "service", VISITS_CONTRACT, R1,
             urgency="low", people=60,
             description="社区老人多，高血压、糖尿病的不少，很多人不会看化验单、乱买保健品。希望社区定期请医生来讲讲"
                         "健康知识。"),
    NeedSpec("楼里几位独居老人没人照应", "金坊社区", "elderly", RATER2, (), 343, "service", VISITS_CONTRACT, R2,
             urgency="high", people=15,
             description="金坊社区老房子多，我们楼里有五六位独居老人，最大的九十一岁。邻居上班顾不上，希望社区有专人"
                         "定期上门看看，顺便帮忙打扫一下。"),
    NeedSpec("空巢老人想有人陪着说说话", "新城社区", "elderly", RATER3, (), 342, "service", VISITS_CONTRACT, R3,
             people=20,
             description="儿子一家在上海，我和老伴都八十多了，平时除了买菜很少出门，有时一个星期不跟人说话。希望社区"
                         "有社工或志愿者常来坐坐、聊聊天。"),
    # The venture-philanthropy journey: on the agenda, heard, put forward, answered by a grant (delivered
    # and evaluated; a grant has no served communities, so residents cannot rate it).
    NeedSpec("孩子上初中后情绪低落，不愿跟家里说话", "金坊社区", "youth", JIANG, (YAN, QIAN, SUN, RATER2), 338,
             "service", YOUTH_GRANT, R4, urgency="high", people=25,
             description="女儿上初二后成绩下滑，回家就关在房间里，一说话就吵。问了几个邻居，好多家都有类似情况。"
                         "希望社区请专业老师给孩子们做做疏导，也教教我们家长。"),
    NeedSpec("希望办家长课堂，学学怎么跟青春期孩子沟通", "金坊社区", "family", YAN, (JIANG,), 333, "service",
             YOUTH_GRANT, R4, people=40,
             description="现在的孩子压力大，我们做家长的只会催作业。希望社区办家长课堂，请老师讲讲怎么跟青春期孩子"
                         "沟通。"),
    # Posted and waiting: nobody has acted on them yet.
    NeedSpec("小区门口人行道地砖松动", "新城社区", "property", LU, (XU, RATER3), 128, "waiting", people=200,
             description="新城花园北门外的人行道地砖松动翘起，下雨天一踩就溅水，已经有老人绊倒。希望尽快修补。"),
    NeedSpec("社区卫生服务站周末不开门", "金坊社区", "health", SUN, (QIAN,), 95, "waiting", people=500,
             description="金坊社区卫生服务站周六周日都关门，老人周末量血压、配药要跑到三公里外的医院。希望周末至少"
                         "开半天。"),
    NeedSpec("希望开设老年人智能手机课", "东亭社区", "elderly", SHI, (GU,), 47, "waiting", people=40,
             description="现在看病挂号、买菜付款都要用手机，很多老人不会扫码、不会视频通话。希望社区请志愿者教老人"
                         "用智能手机。"),
    NeedSpec("电动车充电桩太少，有人飞线充电", "桐芳社区", "property", RATER4, (RATER1,), 16, "waiting",
             urgency="urgent", people=300,
             description="小区只有两个充电桩，晚上排不上队，不少人从楼上拉电线下来充电，还有人把电瓶拿回家充，"
                         "很危险。希望增加充电桩。"),
    NeedSpec("双职工家庭孩子周末没人看", "南泾社区", "family", YAO, (), 9, "waiting", people=20,
             description="我们夫妻周末都要上班，孩子上小学三年级，周末只能一个人在家看电视。希望社区周末有托管或"
                         "兴趣活动。"),
    # On the agenda: enough neighbours supported them.
    NeedSpec("社区篮球场地面开裂需要翻修", "东亭社区", "culture_sports", TAO, (SHAO, GU, SHI), 104, "on_agenda",
             people=150,
             description="东亭社区篮球场用了十几年，地面裂缝很多，篮筐也松了，孩子打球容易崴脚。希望翻修一下。"),
    NeedSpec("小区流浪猫越来越多", "金坊社区", "environment", YAN, (QIAN, SUN, RATER2, JIANG), 21, "on_agenda",
             people=300,
             description="小区里流浪猫有二三十只，晚上叫得厉害，上个月还有孩子被抓伤。希望社区联系动物保护组织，"
                         "做绝育和领养。"),
    # Declined, with the reason the residents read.
    NeedSpec("希望社区出钱给每家装防盗窗", "新城社区", "property", FAN, (), 75, "declined", stopped_days_ago=66,
             reason="防盗窗属于住户自有设施，社区公共经费不能用于个人住宅改造。社区已请派出所加强夜间巡逻，"
                    "并将在小区出入口增设监控。", urgency="low", people=300,
             description="最近小区发生了两起入室盗窃，一楼二楼住户都很担心。希望社区出钱给每家装防盗窗。"),
    NeedSpec("组织老年人去外地旅游", "东亭社区", "culture_sports", SHAO, (TAO,), 150, "declined", stopped_days_ago=141,
             reason="社区公共服务经费不能用于居民外出旅游。社区老年协会每季度组织一次市内文化参观（费用自理），"
                    "欢迎报名。", urgency="low", people=50,
             description="退休老人很多，希望社区每年组织一两次去外地旅游，费用社区出一部分。"),
    # Withdrawn by their authors.
    NeedSpec("楼下餐馆油烟太大", "南泾社区", "environment", JIN, (YAO,), 40, "withdrawn", stopped_days_ago=34,
             people=30,
             description="楼下新开的餐馆排烟管正对我们窗户，油烟大、噪音也大，夏天不敢开窗。希望社区出面解决。"),
    NeedSpec("周末想带孩子参加亲子阅读", "新城社区", "culture_sports", XU, (), 33, "withdrawn", stopped_days_ago=31,
             urgency="low", people=30,
             description="孩子五岁，想找个周末亲子阅读的活动。希望社区图书室周末开放，办亲子读书会。"),
    # In a request still proposed; in one whose meeting is held; put forward and waiting for a tender.
    NeedSpec("放学后孩子没人接，希望有四点半课堂", "金坊社区", "youth", RATER2, (QIAN, SUN), 40, "in_request",
             request=R5, urgency="high", people=30,
             description="孙子上小学二年级，下午三点半就放学，他爸妈六点才下班，我腿脚不好接送吃力。希望社区办"
                         "四点半课堂，放学后有人看着写作业。"),
    NeedSpec("东亭社区没有老年食堂，老人吃饭难", "东亭社区", "elderly", GU, (SHI,), 55, "heard", request=R6,
             urgency="high", people=80,
             description="最近的长者食堂在两公里外，很多老人一个人在家随便对付一顿。希望社区开个老年助餐点，中午"
                         "能吃上热饭。"),
    NeedSpec("希望给行动不便的老人送饭上门", "东亭社区", "elderly", SHI, (GU,), 50, "heard", request=R6, people=25,
             description="我母亲中风后走路不方便，下不了楼。如果社区办助餐点，希望也能给行动不便的老人送饭上门。"),
    NeedSpec("单亲和困难家庭的孩子放学后没人管", "新城社区", "family", XU, (LU, RATER3, FAN), 66, "forwarded",
             request=R10, urgency="high", people=18,
             description="小区里有十几个单亲或父母长期在外打工的孩子，放学后在街上游荡，作业也没人管。希望社区有人"
                         "关心照顾他们。"),
    # Answered by a tender that failed for too few bids and is open again.
    NeedSpec("家里老人得了认知症，白天离不开人", "南泾社区", "elderly", JIN, (YAO,), 120, "call", RERUN_TENDER,
             R11, urgency="high", people=12,
             description="我父亲八十四岁，去年确诊认知症，出门会走丢。我们白天都上班，请保姆又请不起。希望社区有"
                         "日间照护的地方，白天有人看着。"),
    # Handled by the community itself; closed by the community, with the reason.
    NeedSpec("楼道里堆满杂物，消防通道不通", "桐芳社区", "property", RATER1, (RESIDENT, RATER4), 96, "in_community",
             request=R7, urgency="high", people=300,
             description="我们单元楼道里堆着旧家具、纸箱、自行车，晚上走路都要侧着身子，万一着火根本跑不出去。希望"
                         "社区组织清理。"),
    NeedSpec("公共绿地被个别居民占用种菜", "南泾社区", "environment", YAO, (JIN,), 44, "in_community", request=R8,
             people=600,
             description="小区中心绿地被几户人家圈起来种菜，还浇粪水，夏天气味很大，孩子们也没地方玩了。希望社区"
                         "管一管。"),
    NeedSpec("小区后门路灯坏了半年没人修", "新城社区", "property", FAN, (LU, RATER3), 70, "closed", request=R9,
             urgency="high", people=400,
             description="新城花园后门那段路三盏路灯都不亮，晚上下班回来黑漆漆的，上个月有人在那里被抢了包。希望"
                         "尽快修好。"),
)

REQUESTS = (
    RequestSpec(R1, "桐芳社区", "elderly", "government_purchase", 48, 80_000, 336,
                "为桐芳社区独居老人提供每月不少于2次上门探访、定期助洁和每季度一次健康讲座，预计服务48人。",
                HearingSpec("hearing", 330, "桐芳社区党群服务中心二楼会议室",
                            "一、介绍独居老人探访与助洁服务方案\n二、居民代表发言\n"
                            "三、表决是否提交街道申请政府购买服务", 31,
                            "到会居民31人。居民一致认为独居老人探访和助洁很有必要，建议探访记录由老人签字确认；同意提交"
                            "街道申请政府购买服务。", (RESIDENT, NEIGHBOUR, RATER1, RATER4)),
                forwarded_days_ago=328, answer=VISITS_CONTRACT),
    RequestSpec(R2, "金坊社区", "elderly", "government_purchase", 15, 30_000, 334,
                "为金坊社区15位独居老人提供定期上门探访和助洁，与桐芳、新城社区一并申请街道政府购买服务。",
                forwarded_days_ago=326, answer=VISITS_CONTRACT),
    RequestSpec(R3, "新城社区", "elderly", "government_purchase", 20, 30_000, 333,
                "为新城社区空巢、独居老人提供上门探访和陪伴聊天，每季度举办一次健康讲座，预计服务20人。",
                HearingSpec("review", 327, "新城社区居民议事厅",
                            "一、介绍空巢老人关爱探访方案\n二、居民代表发言\n三、表决是否申请政府购买服务", 19,
                            "到会居民19人。有居民认为陪伴应由子女负责，多数居民认为空巢老人需要社会关心；表决通过。",
                            (RATER3, LU, XU), (FAN,)),
                forwarded_days_ago=325, answer=VISITS_CONTRACT),
    RequestSpec(R4, "金坊社区", "youth", "venture_philanthropy", 60, 50_000, 326,
                "为金坊社区初中生开展情绪疏导小组和个别辅导，每月一次家长课堂，预计服务青少年和家长60人。",
                HearingSpec("review", 320, "金坊社区党群服务中心活动室",
                            "一、介绍青少年成长陪伴方案\n二、家长代表发言\n三、表决是否申请区公益创投", 23,
                            "到会居民23人，其中家长14人。大家希望活动安排在周末和寒暑假；同意申请2026年姑苏区社区公益"
                            "创投大赛。", (JIANG, YAN, QIAN, SUN, RATER2)),
                forwarded_days_ago=316, answer=YOUTH_GRANT),
    RequestSpec(R5, "金坊社区", "youth", "venture_philanthropy", 30, 40_000, 12,
                "工作日16:30–18:30为社区小学生提供作业辅导和看护，由大学生志愿者和退休教师轮值，预计服务30人。"),
    RequestSpec(R6, "东亭社区", "elderly", "government_purchase", 80, 150_000, 30,
                "在东亭社区服务中心一楼设老年助餐点，工作日供应午餐，为行动不便的老人送餐上门，预计服务80人。",
                HearingSpec("hearing", 12, "东亭社区党群服务中心多功能厅",
                            "一、介绍助餐点选址和运营方案\n二、居民代表发言\n三、表决是否申请政府购买服务", 42,
                            "到会居民42人。多数居民支持在社区服务中心一楼设助餐点，个别居民担心油烟和排队；表决通过，"
                            "待社区两委会议研究后提交街道。", (GU, SHI, SHAO), (TAO,))),
    RequestSpec(R7, "桐芳社区", "property", "self_governance", 300, 0, 82,
                "由楼组长牵头、物业配合，每月集中清理一次楼道堆物，清理情况在楼道公示栏公示。",
                HearingSpec("coordination", 78, "桐芳社区居民议事厅",
                            "一、通报楼道堆物情况\n二、楼组长、物业代表发言\n三、商定清理办法", 26,
                            "到会居民26人、物业代表2人。商定由楼组长牵头，每月第一个周六集中清理，物业负责清运。",
                            (RESIDENT, RATER1, RATER4)),
                forwarded_days_ago=76),
    RequestSpec(R8, "南泾社区", "environment", "self_governance", 600, 0, 35,
                "由居委会牵头修订居民公约，楼组长上门劝导恢复被占绿地，社区志愿者补种花草。", forwarded_days_ago=31),
    RequestSpec(R9, "新城社区", "property", "government_purchase", 400, 20_000, 58,
                "修复新城花园后门道路照明，加装两处监控，改善居民夜间出行安全。", closed_days_ago=44,
                closed_reason="经核实，小区后门路灯属市政照明设施，街道城管科已纳入今年的维修计划，12月底前更换完毕，"
                              "不再另行申请购买服务。"),
    RequestSpec(R10, "新城社区", "family", "government_purchase", 18, 60_000, 48,
                "为新城社区单亲、留守和困难家庭儿童提供课后看护、作业辅导和个案跟进，预计服务18人。",
                forwarded_days_ago=27),
    RequestSpec(R11, "南泾社区", "elderly", "government_purchase", 12, 90_000, 112,
                "在南泾社区日间照料中心开设认知症老人日间照护，工作日8:30–17:00，预计服务12人。",
                forwarded_days_ago=105, answer=RERUN_TENDER),
)


CALLS = (RERUN_TENDER,)  # answers that are tenders still open, not yet a contract


def _request_fate(spec: RequestSpec) -> str:
    if spec.closed_days_ago is not None:
        return "closed"
    if spec.forwarded_days_ago is not None:
        if spec.track == "self_governance":
            return "in_community"
        return ("call" if spec.answer in CALLS else "service") if spec.answer else "forwarded"
    return "heard" if spec.hearing else "in_request"


def _check() -> None:
    """The tables agree: a merged need's fate is its request's, and every step follows the one before
    (supports one a day after the post, all before the need is merged or stopped, and before now)."""
    requests = {r.title: r for r in REQUESTS}
    problems = []
    for need in NEEDS:
        last_support = need.days_ago - len(need.supporters)
        request = requests.get(need.request)
        if need.fate not in FATES or bool(request) != (need.fate not in ("waiting", "on_agenda", "declined",
                                                                           "withdrawn")):
            problems.append(need.title)
        elif request and (need.fate != _request_fate(request) or need.answer != request.answer
                          or last_support <= request.created_days_ago):
            problems.append(need.title)
        elif need.fate in ("declined", "withdrawn") and not last_support > need.stopped_days_ago >= 1:
            problems.append(need.title)
        elif last_support < 1:
            problems.append(need.title)
    for request in REQUESTS:
        steps = [request.created_days_ago, request.hearing.days_ago if request.hearing else None,
                 request.forwarded_days_ago, request.closed_days_ago]
        steps = [s for s in steps if s is not None]
        if steps != sorted(set(steps), reverse=True) or steps[-1] < 1:
            problems.append(request.title)
    if problems:
        raise ValueError(f"market/demo/journeys.py: the tables disagree at {', '.join(problems)}")


def requests_answered_by(title: str) -> list[int]:
    """The ids of the seeded community requests that the contract, grant or tender `title` answers."""
    wanted = [r for r in REQUESTS if r.answer == title]
    ids = []
    for spec in wanted:
        found = db.session.scalar(select(CommunityRequest.id).join(Community).join(Street).where(
            CommunityRequest.title == spec.title, Community.name == spec.community, Street.name == STREET))
        if found is not None:
            ids.append(found)
    return ids


def _at(base, days_ago: int, hours: int = 1):
    return base - timedelta(days=days_ago) + timedelta(hours=hours)


def _user(email: str) -> User:
    return db.session.scalar(select(User).filter_by(email=email))


def seed_journeys(people: dict, communities: list) -> list[tuple[str, str, str]]:
    """The demand side of the journeys (people, needs, requests, meetings); returns the people it adds
    as (e-mail, name, role) for display. Runs before the tender and the round that answer them."""
    _check()
    base = clock.now().replace(second=0, microsecond=0)  # a need posted `days_ago` is that many whole days old
    places = {c.name: c for c in communities}
    added = _seed_people(people, places, base)
    categories = {c.code: c.id for c in db.session.scalars(select(ServiceCategory))}
    for spec in NEEDS:
        _seed_need(spec, places[spec.community], categories, base)
    for spec in REQUESTS:
        _seed_request(spec, places[spec.community], categories, base)
    return added


def _worker_of(community: Community) -> User:
    email = SECOND_WORKER[0] if community.name in SECOND_WORKER[2] else "worker@demo.market"
    return _user(email)


def _seed_people(people: dict, places: dict, base) -> list[tuple[str, str, str]]:
    """The second community worker, the residents of the journeys (verified by their community's worker
    more than a year ago) and the support thresholds the communities set."""
    admin = people["admin@demo.market"]
    email, name, served = SECOND_WORKER
    if _user(email) is None:
        with clock_at(_at(base, 420)):
            worker = accounts.register(email, name, DEMO_PASSWORD)
            for community in served:
                accounts.grant_role(admin, worker, Role.COMMUNITY_WORKER, community_id=places[community].id)
        db.session.commit()
    for index, (email, name, community, address) in enumerate(RESIDENTS):
        if _user(email) is not None:
            continue
        with clock_at(_at(base, 400 - index)):
            person = accounts.register(email, name, DEMO_PASSWORD)
            residence = accounts.request_residence(person, places[community].id, address)
        with clock_at(_at(base, 399 - index, 2)):
            accounts.decide_residence(_worker_of(places[community]), residence.id, approve=True)
        db.session.commit()
    for community, threshold, days_ago in THRESHOLDS:
        if db.session.get(CommunitySettings, places[community].id) is None:
            with clock_at(_at(base, days_ago)):
                triage.set_support_threshold(_worker_of(places[community]), places[community].id, threshold)
            db.session.commit()
    return [(SECOND_WORKER[0], SECOND_WORKER[1], "community worker")] \
        + [(email, name, "resident") for email, name, _community, _address in RESIDENTS]


def _seed_need(spec: NeedSpec, community: Community, categories: dict, base) -> None:
    """Post the need, its supports one a day, and its stop if the community declines it or its author
    withdraws it (merged needs move on with their request)."""
    if db.session.scalar(select(Need.id).filter_by(community_id=community.id, title=spec.title)) is not None:
        return
    with clock_at(_at(base, spec.days_ago, 0)):
        need = needs.post_need(_user(spec.author), needs.NeedData(
            spec.title, spec.description, categories[spec.category], spec.urgency, spec.people))
    for index, supporter in enumerate(spec.supporters):
        with clock_at(_at(base, spec.days_ago - index - 1, 3 + index % 5)):
            needs.support_need(_user(supporter), need)
    if spec.fate == "declined":
        with clock_at(_at(base, spec.stopped_days_ago, 2)):
            triage.decline_need(_worker_of(community), need, spec.reason)
    elif spec.fate == "withdrawn":
        with clock_at(_at(base, spec.stopped_days_ago, 2)):
            needs.withdraw_need(_user(spec.author), need)
    db.session.commit()
    # The community's threshold decides whether supports put it on the agenda: the table must agree.
    expected = {"waiting": ("open",), "on_agenda": ("on_agenda",), "declined": ("declined",),
                "withdrawn": ("withdrawn",)}.get(spec.fate, ("open", "on_agenda"))
    if need.status not in expected:
        raise ValueError(f"“{spec.title}” is {need.status}; NEEDS says {spec.fate}")


def _seed_request(spec: RequestSpec, community: Community, categories: dict, base) -> None:
    """Merge the request's needs, hold its meeting, and put it forward or close it, as REQUESTS says."""
    if db.session.scalar(select(CommunityRequest.id).filter_by(community_id=community.id,
                                                               title=spec.title)) is not None:
        return
    titles = [n.title for n in NEEDS if n.request == spec.title]
    merged = db.session.scalars(select(Need).where(Need.community_id == community.id, Need.title.in_(titles))
                                .order_by(Need.id)).all()
    if len(merged) != len(titles) or not all(n.is_active for n in merged):
        return  # a need went its own way in a database seeded before: leave it as it is
    worker = _worker_of(community)
    hearing_spec = spec.hearing
    with clock_at(_at(base, spec.created_days_ago, 2)):
        request = triage.create_request(worker, [n.id for n in merged], triage.RequestData(
            spec.title, spec.description, categories[spec.category], spec.beneficiaries, spec.budget_yuan * 100,
            spec.track))
        if hearing_spec:
            hearing = hearings.schedule_hearing(worker, request, hearing_spec.kind,
                                                _at(base, hearing_spec.days_ago, 6), hearing_spec.location,
                                                hearing_spec.agenda)
    if hearing_spec:
        with clock_at(hearing.scheduled_at + timedelta(minutes=10)):
            hearings.open_voting(worker, hearing)
            for email in hearing_spec.votes_for:
                hearings.vote(_user(email), hearing, "for")
            for email in hearing_spec.votes_against:
                hearings.vote(_user(email), hearing, "against")
        with clock_at(hearing.scheduled_at + timedelta(hours=2)):
            hearings.close_hearing(worker, hearing, hearing_spec.attendance, hearing_spec.minutes)
    if spec.forwarded_days_ago is not None:
        with clock_at(_at(base, spec.forwarded_days_ago, 1)):
            triage.forward_request(worker, request)
    if spec.closed_days_ago is not None:
        with clock_at(_at(base, spec.closed_days_ago, 1)):
            triage.close_request(worker, request, spec.closed_reason)
    db.session.commit()


# --- what answers them ----------------------------------------------------------------------------

GRANT_MID_TERM_SHEET = {"1.1": "5", "1.2": "4", "2.1": "17", "2.2": "18", "2.3": "10", "3.1": "12", "3.2": "9",
                        "3.3": "na"}


def seed_answers(people: dict, organizations: list) -> None:
    """After the tenders and the round: the grant's mid-term evaluation, and the tender that failed
    and is open again (only what is missing)."""
    _evaluate_grant(people, organizations)
    _rate_grant()
    _failed_and_rerun(people, organizations)


def _evaluate_grant(people: dict, organizations: list) -> None:
    """The district commissioned 明德 to evaluate the 心晴驿站 grant at mid-term, after its second tranche."""
    grant = db.session.scalar(select(Contract).filter_by(title=YOUTH_GRANT))
    if grant is None or len(grant.milestones) < 2 or grant.milestones[1].status != "paid" \
            or db.session.scalar(select(Evaluation.id).filter_by(contract_id=grant.id)) is not None:
        return
    buyer, evaluator = people["purchaser@demo.market"], people["evaluator@demo.market"]
    performance = db.session.scalar(select(Rubric).where(Rubric.purpose == "performance", Rubric.status == "published")
                                    .order_by(Rubric.id))
    moment = day(grant.milestones[1].due_on) + timedelta(days=12)
    with clock_at(moment):
        evaluation = evaluations.commission(buyer, grant, "mid_term", organizations[2].id, performance.id,
                                            (moment + timedelta(days=14)).date())
        evaluations.declare(evaluator, evaluation, False, "")
        codes = {i.code: i.id for i in performance.indicators}
        evidence = "查阅活动台账、签到表和前后测问卷，访谈家长6人"
        evaluations.save_scores(evaluator, evaluation, {
            codes[c]: evaluations.Entry(v, evidence) for c, v in GRANT_MID_TERM_SHEET.items()})
        evaluations.submit(evaluator, evaluation, "团体辅导和家长课堂按计划开展，金坊社区家长参与积极；建议增加个别辅导"
                                                  "的跟进记录。")
    with clock_at(moment + timedelta(days=3)):
        evaluations.publish(buyer, evaluation)
    db.session.commit()


# The 金坊 parents who asked for the youth project, what they thought of it a term in.
GRANT_RATINGS = (("jiang.yaping@demo.market", 5, "孩子愿意跟辅导老师聊了，回家话也多了。"),
                 ("yan.zhihua@demo.market", 4, "家长课堂很实用，希望晚上多开几场。"),
                 ("qian.shufen@demo.market", 5, ""),
                 ("sun.yongnian@demo.market", 3, "活动时间和孩子补课冲突，参加得不多。"))


def _rate_grant() -> None:
    """Two days after its mid-term evaluation is published, the organization registers the parents it served and
    those who asked for the project rate it (only if it has no ratings yet)."""
    grant = db.session.scalar(select(Contract).filter_by(title=YOUTH_GRANT))
    evaluation = db.session.scalar(select(Evaluation).filter_by(contract_id=grant.id)) if grant is not None else None
    if evaluation is None or evaluation.published_at is None \
            or db.session.scalar(select(Rating.id).filter_by(contract_id=grant.id)) is not None:
        return
    owner = db.session.scalar(select(User).join(Membership, Membership.user_id == User.id).where(
        Membership.organization_id == grant.organization_id, Membership.is_owner.is_(True)).order_by(User.id))
    with clock_at(evaluation.published_at + timedelta(days=2)):
        ratings.register_beneficiaries(owner, grant, "\n".join(email for email, _stars, _comment in GRANT_RATINGS))
        for email, stars, comment in GRANT_RATINGS:
            ratings.rate(_user(email), grant, stars, comment)
    db.session.commit()


def _failed_and_rerun(people: dict, organizations: list) -> None:
    """南泾社区's day-care tender drew one bid and failed at its opening; the district runs it again by
    competitive consultation, open now."""
    if db.session.scalar(select(Tender.id).filter_by(title=RERUN_TENDER)) is not None:
        return
    request_ids = requests_answered_by(RERUN_TENDER)
    item = db.session.scalar(select(CatalogItem).filter_by(code="A01"))
    if not request_ids or item is None:
        return
    buyer = people["purchaser@demo.market"]
    community_id = db.session.get(CommunityRequest, request_ids[0]).community_id
    now = clock.now().replace(hour=2, minute=0, second=0, microsecond=0)

    def data(start, method, weight, bid_days):
        return tenders.TenderData(
            catalog_item_id=item.id, title=RERUN_TENDER,
            description="在南泾社区日间照料中心为12位认知症老人提供工作日日间照护、认知训练和家属支持。",
            service_standards="工作日8:30–17:00开放；照护员与老人比例不低于1:4，持证上岗；防走失手环全覆盖。",
            budget_ceiling_fen=9_000_000, contract_months=12, method=method, price_weight=weight,
            criteria=[("服务方案", 40), ("团队与经验", 30)], questions_deadline=start + timedelta(days=bid_days - 3),
            bid_deadline=start + timedelta(days=bid_days), opening_at=start + timedelta(days=bid_days, hours=2),
            community_ids=[community_id], request_ids=request_ids)

    start = now - timedelta(days=90)
    with clock_at(start):
        tender = tenders.create_tender(buyer, data(start, "open_tender", 30, 21))
        tenders.publish(buyer, tender)
    with clock_at(start + timedelta(days=9)):
        bids.submit_bid(people["org@demo.market"], tender, organizations[0], bids.BidData(
            f"{organizations[0].name}的认知症照护方案", "照护员3名、社工1名、康复师1名",
            "分组认知训练，家属每月一次支持小组",
            8_600_000, [("人员经费", 7_000_000), ("场地与耗材", 1_600_000)]))
    with clock_at(start + timedelta(days=21, hours=3)):
        tenders.advance(tender)  # one bid of the three an open tender needs: it fails
    db.session.commit()
    restart = now - timedelta(days=4)
    with clock_at(restart):
        again = tenders.rerun(buyer, tender, "competitive_consultation",
                              "公开招标仅1家投标，服务专业性强、潜在供应商少，改用竞争性磋商。")
        tenders.amend(buyer, again, data(restart, "competitive_consultation", 30, 12))
        tenders.publish(buyer, again)
    db.session.commit()
