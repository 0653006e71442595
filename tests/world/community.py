"""Community: what the demo's demand side and the organizations' register lack, in the demo's
community (桐芳社区, served by worker@demo.market) from December to the crawl:

- residences: nine more verified neighbours (by the worker or by a one-time code), one who moved
  to the next community, one refused, one still waiting;
- needs on the agenda, declined and withdrawn;
- community requests: one handled by the community itself, three still proposed whose hearings were
  cancelled, closed with other outcomes (no votes, rejected, tied), are voting now or are still to come;
- organizations: one returned for corrections, one that left the incubator before graduating.

- a resident who moved away, a request closed after its hearing failed, a suspended organization.
"""
from datetime import date, datetime, timedelta

from sqlalchemy import select

from market.accounts import services as accounts
from market.extensions import db
from market.incubation import services as incubation
from market.incubation.models import Cohort, Incubator
from market.needs import hearings, needs, triage
from market.organizations import credit_code
from market.organizations import services as organizations
from market.organizations.models import Organization, ServiceCategory
from market.places.models import Community, District

# New neighbours in the demo community: (e-mail, name, address); the first five are verified by the
# worker at the service desk, the others with a one-time code handed out at a residents' meeting.
NEIGHBOURS = [
    ("gu.yaqin@world.market", "顾雅琴", "3幢201室"), ("zhu.yongkang@world.market", "朱永康", "5幢102室"),
    ("pan.xiulan@world.market", "潘秀兰", "2幢401室"), ("cai.wenbin@world.market", "蔡文斌", "7幢303室"),
    ("xu.lijuan@world.market", "许丽娟", "1幢502室"), ("yang.deming@world.market", "杨德明", "6幢101室"),
    ("han.guifang@world.market", "韩桂芳", "4幢202室"), ("cao.zhigang@world.market", "曹志刚", "8幢601室"),
    ("peng.meiling@world.market", "彭美玲", "9幢304室"),
]
BY_WORKER = 5


def at(month: int, day: int, hour: int = 2, minute: int = 0) -> datetime:
    """A moment of the world's two months (UTC; 02:00 is 10:00 in Suzhou)."""
    return datetime(2026 if month == 12 else 2027, month, day, hour, minute)


def build(world) -> None:
    worker = world.user("worker@demo.market")
    home = db.session.get(Community, world.user("resident@demo.market").residence.community_id)
    # The worker's next community (the demo grants three), where the one who moves goes.
    next_door = db.session.get(Community, min(worker.worker_community_ids() - {home.id}))
    categories = {c.code: c.id for c in db.session.scalars(select(ServiceCategory))}
    people = _residences(world, worker, home, next_door)
    _needs(world, worker, people, categories)
    _requests(world, worker, home, people, categories)
    _organizations(world)


def _residences(world, worker, home, next_door) -> dict:
    """Neighbours to post, support and vote; returns the demo community's verified residents by e-mail."""
    with world.at(at(12, 1)):
        for email, name, address in NEIGHBOURS[:BY_WORKER]:
            residence = accounts.request_residence(world.person(email, name), home.id, f"桐芳巷小区{address}")
            accounts.decide_residence(worker, residence.id, approve=True)
        codes = accounts.issue_residence_codes(worker, home.id, len(NEIGHBOURS) - BY_WORKER)
    with world.at(at(12, 2)):
        for (email, name, _address), code in zip(NEIGHBOURS[BY_WORKER:], codes):
            accounts.redeem_residence_code(world.person(email, name), code)

    # Someone who moves: accounts.request_residence moves the old residence to `revoked` and deletes
    # it at once, so no residence stays revoked; the worker verifies the new one next day.
    with world.at(at(12, 1)):
        mover = world.person("tang.jianxin@world.market", "唐建新")
        residence = accounts.request_residence(mover, home.id, "桐芳巷小区10幢203室")
        accounts.decide_residence(worker, residence.id, approve=True)
    with world.at(at(1, 12)):
        residence = accounts.request_residence(mover, next_door.id, "新房已交付，1月初搬入")
    with world.at(at(1, 13)):
        accounts.decide_residence(worker, residence.id, approve=True)

    with world.at(at(1, 5)):
        refused = world.person("song.xiaodong@world.market", "宋晓东")
        residence = accounts.request_residence(refused, home.id, "齐门路166号")
    with world.at(at(1, 6)):
        accounts.decide_residence(worker, residence.id, approve=False,
                                  reason="经核实，齐门路166号不在本社区辖区内，请向所在社区申请认证。")
    with world.at(at(12, 1)):  # a resident who left: the worker records it, and the residence stays revoked
        gone = world.person("fang.yulan@world.market", "方玉兰")
        residence = accounts.request_residence(gone, home.id, "桐芳巷小区12幢101室")
        accounts.decide_residence(worker, residence.id, approve=True)
    with world.at(at(1, 8)):
        accounts.revoke_residence(worker, residence.id, "房屋已出售，全家搬往昆山居住。")

    with world.at(at(1, 26)):  # still in the worker's queue at the crawl
        waiting = world.person("xie.wanting@world.market", "谢婉婷")
        residence = accounts.request_residence(waiting, home.id, "桐芳巷小区11幢402室（租住）")
    world.notes["pending_residence"] = residence.id

    emails = ["resident@demo.market", "neighbour@demo.market", "rater1@demo.market", "rater4@demo.market"]
    emails += [email for email, _name, _address in NEIGHBOURS]
    people = {email: world.user(email) for email in emails}
    assert all(p.residence.community_id == home.id and p.is_verified_resident for p in people.values())
    return people


def _needs(world, worker, people, categories) -> None:
    """Needs that stay on the agenda, are declined, or are withdrawn by their author."""
    with world.at(at(12, 2, 3)):
        agenda = needs.post_need(people["gu.yaqin@world.market"], needs.NeedData(
            "小区健身器材老化破损需要更换",
            "中心花园的健身路径是十年前安装的，漫步机轴承松动，单杠锈蚀，已经有老人锻炼时扭伤。希望尽快更换。",
            categories["culture_sports"], "high", 300))
    # Supporters come one a day until the community's threshold puts the need on the agenda.
    supporters = [p for email, p in people.items() if email != "gu.yaqin@world.market"]
    threshold = needs.support_threshold(agenda.community_id)
    assert len(supporters) >= threshold, "too few neighbours to put a need on the agenda"
    for day, supporter in enumerate(supporters[:threshold]):
        with world.at(at(12, 2 + day, 6)):
            needs.support_need(supporter, agenda)
    assert agenda.status == "on_agenda", agenda.status
    world.notes["on_agenda_need"] = agenda.id

    with world.at(at(12, 3)):
        declined = needs.post_need(people["peng.meiling@world.market"], needs.NeedData(
            "希望在小区地下建设停车库",
            "小区车位严重不足，晚上车停满消防通道。建议把中心花园下面挖成地下车库，一劳永逸。",
            categories["property"], "normal", 500))
        needs.support_need(people["yang.deming@world.market"], declined)
    with world.at(at(12, 7)):
        triage.decline_need(
            worker,
            declined,
            "建设地下车库涉及规划审批和大额建设资金，不属于社区自治或政府购买服务事项；"
            "居民意见已转交街道城市管理办公室。小区停车秩序问题另见停车整治议题。",
        )

    author = people["cao.zhigang@world.market"]
    with world.at(at(12, 4)):
        withdrawn = needs.post_need(author, needs.NeedData(
            "快递驿站门口包裹乱堆影响通行",
            "驿站门口每天下午堆满包裹，轮椅和婴儿车过不去，下雨天包裹还被淋湿。",
            categories["property"], "low", 80))
    with world.at(at(12, 11)):
        needs.add_comment(author, withdrawn, "物业已经在驿站里加装了货架，门口清爽了，这条需求我先撤回。")
        needs.withdraw_need(author, withdrawn)


def _post(world, moment, people, categories, specs) -> list[int]:
    """Post needs (author, title, description, category, urgency, people affected); returns their ids."""
    ids = []
    with world.at(moment):
        for author, title, description, category, urgency, count in specs:
            ids.append(needs.post_need(people[author], needs.NeedData(
                title, description, categories[category], urgency, count)).id)
    return ids


def _meeting(world, worker, request, kind, when, location, agenda, ballots=None, close_at=None,
             attendance=0, minutes=""):
    """Schedule a meeting a few days ahead; if `ballots` is given, open voting at the meeting, let
    the residents vote ((resident, choice) pairs) and, if `close_at`, close it with the minutes."""
    hearing = hearings.schedule_hearing(worker, request, kind, when, location, agenda)
    if ballots is None:
        return hearing
    with world.at(when):
        hearings.open_voting(worker, hearing)
    for minutes_in, (resident, choice) in enumerate(ballots, start=5):
        with world.at(when + timedelta(minutes=minutes_in)):
            hearings.vote(resident, hearing, choice)
    if close_at is not None:
        with world.at(close_at):
            hearings.close_hearing(worker, hearing, attendance, minutes)
    return hearing


def _requests(world, worker, home, people, categories) -> None:
    """Needs merged into requests, and the requests' meetings; the demo has one passed hearing."""
    hall = f"{home.name}党群服务中心二楼会议室"
    p = people

    # Handled by the community itself after a coordination meeting that takes no vote.
    merged = _post(world, at(12, 5), people, categories, [
        ("pan.xiulan@world.market", "楼道堆放杂物存在消防隐患",
         "2幢、3幢楼道里堆着旧家具、纸箱，有的还放了煤气罐，一旦着火人都跑不出来。", "property", "high", 120),
        ("cai.wenbin@world.market", "电动车推进楼道充电太危险",
         "晚上好几户把电动车推进楼道充电，电线从窗户拉出来，夏天特别担心起火。", "property", "urgent", 200)])
    with world.at(at(12, 9)):
        request = triage.create_request(worker, merged, triage.RequestData(
            "楼道堆物清理和电动车规范充电",
            "组织楼道长和志愿者集中清理楼道堆物；协调物业在小区东门增设电动车集中充电棚，由居民自治管理。",
            categories["property"], 600, 0, "self_governance"))
        _meeting(world, worker, request, "coordination", at(12, 15, 6, 30), hall,
                 "一、物业介绍集中充电棚选址\n二、楼道长认领清理任务\n三、商定清理日期",
                 ballots=[], close_at=at(12, 15, 8), attendance=16,
                 minutes="物业、楼道长和居民代表16人参加。商定12月20日集中清理楼道堆物，充电棚设在东门自行车棚旁，"
                         "春节前建成。本次为协调会，不作表决。")
    with world.at(at(12, 16)):
        triage.forward_request(worker, request)
    assert request.status == "in_community"

    # Residents vote a sports ground down: the request stays proposed with a rejected hearing.
    merged = _post(world, at(12, 4), people, categories, [
        ("xu.lijuan@world.market", "希望把中心花园改建成运动场",
         "小区里的孩子放学后没地方打球踢球，只能在马路边玩，很不安全。", "culture_sports", "normal", 150),
        ("cao.zhigang@world.market", "青少年课后缺少运动场地",
         "附近学校操场放学后不开放，希望社区能有一块篮球场。", "youth", "normal", 80)])
    with world.at(at(12, 8)):
        request = triage.create_request(worker, merged, triage.RequestData(
            "中心花园改建多功能运动场",
            "将中心花园北侧草坪改建为半场篮球场和儿童活动区，晚间开放至20:30。",
            categories["culture_sports"], 230, 0, "self_governance"))
        _meeting(world, worker, request, "hearing", at(12, 18, 6, 30), hall,
                 "一、介绍改建方案\n二、周边住户发表意见\n三、表决是否实施改建",
                 ballots=[(p["xu.lijuan@world.market"], "for"), (p["cao.zhigang@world.market"], "for"),
                          (p["resident@demo.market"], "against"), (p["neighbour@demo.market"], "against"),
                          (p["rater1@demo.market"], "against"), (p["zhu.yongkang@world.market"], "against"),
                          (p["pan.xiulan@world.market"], "against"), (p["rater4@demo.market"], "abstain")],
                 close_at=at(12, 18, 8, 30), attendance=35,
                 minutes="到会居民35人。低层住户担心打球噪音和夜间照明扰民，多数居民反对在中心花园改建；"
                         "建议与附近学校协商课后开放操场。")
    with world.at(at(12, 22)):
        triage.close_request(
            worker, request, "听证未通过；街道已与平江实验学校商定，寒假起周末开放操场供社区青少年使用。"
        )
    assert request.status == "closed"

    # Parking: a hearing cancelled, the next one tied, a third one after the crawl.
    merged = _post(world, at(12, 10), people, categories, [
        ("yang.deming@world.market", "小区停车难，消防通道被占",
         "晚上消防通道两侧都停满了车，上次救护车进不来，只能停在小区门口。", "property", "urgent", 400),
        ("han.guifang@world.market", "希望规范小区停车，划定车位",
         "希望划线定位、外来车辆收费，优先保障本小区居民停车。", "property", "high", 400)])
    with world.at(at(12, 14)):
        request = triage.create_request(worker, merged, triage.RequestData(
            f"{home.name}停车秩序整治和车位划定",
            "划定车位约120个，消防通道设禁停标线；外来车辆临时停车收费，收入用于小区公共维修。",
            categories["property"], 1200, 0, "self_governance"))
        cancelled = _meeting(world, worker, request, "hearing", at(12, 22, 6, 30), hall,
                             "一、物业介绍划线方案\n二、居民发表意见\n三、表决")
    with world.at(at(12, 20)):
        hearings.cancel_hearing(worker, cancelled, "会议室临时用作流感疫苗接种点，听证会延期，时间另行通知。")
    with world.at(at(12, 28)):
        _meeting(world, worker, request, "hearing", at(1, 8, 6, 30), hall,
                 "一、物业介绍划线方案\n二、居民发表意见\n三、表决",
                 ballots=[(p["yang.deming@world.market"], "for"), (p["han.guifang@world.market"], "for"),
                          (p["peng.meiling@world.market"], "for"), (p["neighbour@demo.market"], "against"),
                          (p["rater4@demo.market"], "against"), (p["gu.yaqin@world.market"], "against")],
                 close_at=at(1, 8, 8, 30), attendance=30,
                 minutes="到会居民30人。有车住户支持划定车位，无车住户担心占用绿地；赞成与反对票数相同。"
                         "请物业拿出不占绿地的第二套方案，春节后再次听证。")
    with world.at(at(1, 20)):
        upcoming = _meeting(world, worker, request, "hearing", at(2, 3, 6, 30), hall,
                            "一、物业介绍两套划线方案\n二、居民发表意见\n三、表决采用哪套方案")
    world.notes["scheduled_hearing"] = upcoming.id

    # Voting is open at the crawl: the review meeting was two days before.
    merged = _post(world, at(1, 4), people, categories, [
        ("zhu.yongkang@world.market", "老人不会用智能手机预约挂号",
         "医院都改成手机预约了，我们老两口不会操作，去了窗口也排不上号。", "elderly", "high", 90),
        ("neighbour@demo.market", "希望教老年人防范电信诈骗",
         "楼里有老人接到冒充公检法的电话差点转账，希望社区办防诈骗讲座。", "elderly", "normal", 200)])
    with world.at(at(1, 11)):
        request = triage.create_request(worker, merged, triage.RequestData(
            f"{home.name}老年人智能手机课堂",
            "每周两次智能手机课堂：预约挂号、移动支付、视频通话和防范电信诈骗；大学生志愿者一对一辅导，共12期。",
            categories["elderly"], 90, 3_000_000, "venture_philanthropy"))
        voting = _meeting(world, worker, request, "review", at(1, 27, 6, 30), hall,
                          "一、介绍课程安排和志愿者招募\n二、老年居民试听反馈\n三、表决是否申报公益创投",
                          ballots=[(p["zhu.yongkang@world.market"], "for"), (p["neighbour@demo.market"], "for"),
                                   (p["resident@demo.market"], "for"), (p["pan.xiulan@world.market"], "for"),
                                   (p["peng.meiling@world.market"], "against")])
    world.notes["voting_hearing"] = voting.id


def _register(world, email, name, org_name, body8, description) -> Organization:
    """An organization of 姑苏区 registered by a new person (waiting for civil affairs)."""
    district = db.session.scalar(select(District).filter_by(code="320508"))
    owner = world.person(email, name)
    return organizations.register_organization(owner, organizations.OrganizationData(
        name=org_name, credit_code=credit_code.make("5", "2", "320508", body8), org_type="social_service",
        registered_on=date(2026, 9, 15), registration_authority="苏州市姑苏区民政局", district_id=district.id,
        description=description, staff_count=3, volunteer_count=20, contact_phone="0512-65230018",
        category_ids=[], community_ids=[]))


def _organizations(world) -> None:
    admin = world.user("admin@demo.market")
    with world.at(at(12, 3)):
        returned = _register(world, "yan.zhihua@world.market", "严志华", "苏州市姑苏区银龄互助服务社", "CM000001",
                             "组织低龄老人结对帮扶高龄独居老人，开展探访、代购和陪伴服务。")
    with world.at(at(12, 5)):
        organizations.review_organization(admin, returned, approve=False, reason=(
            "登记证书扫描件上的统一社会信用代码与填报的不一致，业务范围未写明为老服务，请核对后重新提交。"))
    with world.at(at(12, 2)):
        suspended = _register(world, "qin.haitao@world.market", "秦海涛", "苏州市姑苏区康乐家政服务社", "CM000003",
                              "为社区老人提供家政保洁和陪诊服务。")
    with world.at(at(12, 4)):
        organizations.review_organization(admin, suspended, approve=True)
    with world.at(at(1, 10)):
        organizations.suspend_organization(
            admin, suspended, True, "年检未按期提交，责令限期整改，整改期间暂停承接服务。"
        )

    # An organization admitted to the incubator's current cohort that leaves before graduating.
    with world.at(at(12, 1)):
        leaving = _register(world, "lu.chen@world.market", "陆晨", "苏州市姑苏区青禾社区营造中心", "CM000002",
                            "以居民议事和微更新为抓手，陪伴老旧小区开展社区营造。")
    with world.at(at(12, 2)):
        organizations.review_organization(admin, leaving, approve=True)
    staff = world.user("incubator@demo.market")
    cohort = db.session.scalar(select(Cohort).join(Incubator).where(
        Incubator.name == "姑苏区公益孵化园", Cohort.name == "2026年第一期"))
    with world.at(at(12, 3)):
        stay = incubation.admit(staff, cohort, leaving.id, date(2026, 12, 3), 12, "王敏（资深社工督导）",
                                "建立理事会和财务制度，完成一个老旧小区微更新试点。")
    with world.at(at(12, 15)):
        incubation.record_service(staff, stay, "training", 8, 0, date(2026, 12, 15), "新入孵机构财务规范培训")
    with world.at(at(1, 15)):
        incubation.withdraw(staff, stay, "发起人工作调动离开苏州，理事会决定暂停运营，申请退出孵化。")
    world.notes["withdrawn_incubation"] = stay.id
