"""Government and community as partners (issue 23), as 姑苏区 keeps it: its two lists in two published
versions (2024 and 2026) and a draft for 2027, imported from the spreadsheet civil affairs keeps; the
admission requests of 城市管理局 and 民政局 in every state; three reports of work pushed on 平江街道's
communities, looked into or waiting; and a year of entrusted work (`ENTRUSTED`): the residents'
committees of the street's first three communities, the agreements that brought 城市管理局's waste
sorting work and its money to them, delivered, accepted and paid tranche by tranche, a draft for
民政局's check, and the year-end evaluations both ways.

The burden figures this gives, worked by hand (N is the number of 平江街道's communities):
- community 0: 2 admitted tasks (waste sorting, the check), 1 signed agreement of ¥24,000, all paid,
  1 upheld report of pushed work, 1 refused admission (the street's patrol): 1 of 3 tasks with money, 33%;
- community 1: 1 task, 1 agreement of ¥24,000, ¥16,800 paid (the last tranche waits for acceptance),
  no pushed work, 1 refused: 100%; community 2: 1 task, 1 agreement of ¥18,000, ¥5,400 paid: 100%;
- 城市管理局: N tasks, 3 agreements, ¥66,000, ¥46,200 paid, 1 upheld, 1 refused: 300 // (N + 1) %;
- 民政局: 1 task, its agreement a draft: 0 agreements, 0%."""
from datetime import date, datetime, timedelta

from sqlalchemy import select

from market import clock
from market.accounts import services as accounts
from market.accounts.models import User
from market.contracts import delivery, payment, signing
from market.core import tables
from market.demo import DEMO_PASSWORD
from market.demo.moments import clock_at
from market.extensions import db
from market.money import services as money
from market.organizations import credit_code
from market.organizations import services as organizations
from market.organizations.models import ServiceCategory
from market.partnership import admissions, agreements, list_files, lists, pushed, reviews
from market.partnership.models import KIND_CHINESE, AdmissionRequest, TaskList
from market.places.models import Department

# (code, kind, item, legal basis): 依法履行职责事项 and 协助政府工作事项, after 太仓's 2010 lists.
LAW = "《中华人民共和国城市居民委员会组织法》"
DUTIES = [
    ("Z01", "召开居民会议，讨论决定涉及全体居民利益的重要事项", f"{LAW}第十条"),
    ("Z02", "办理本居住地区居民的公共事务和公益事业", f"{LAW}第三条第二项"),
    ("Z03", "调解民间纠纷", f"{LAW}第三条第三项；《人民调解法》第八条"),
    ("Z04", "协助维护社会治安", f"{LAW}第三条第四项"),
    ("Z05", "向人民政府反映居民的意见、要求和提出建议", f"{LAW}第三条第六项"),
    ("Z06", "制定居民公约，组织居民遵守", f"{LAW}第十五条"),
    ("Z07", "开展便民利民的社区服务活动", f"{LAW}第四条"),
    ("Z08", "组织居民开展文化、体育和志愿服务活动", f"{LAW}第三条第一项"),
    ("Z09", "实行居务公开，接受居民监督", f"{LAW}第十条；《江苏省实施〈城市居民委员会组织法〉办法》第十六条"),
    ("Z10", "管理本居民委员会的财产", f"{LAW}第四条"),
]
ASSISTING = [
    ("X01", "协助开展最低生活保障申请的入户调查和公示", "《社会救助暂行办法》第十一条"),
    ("X02", "协助做好高龄津贴、尊老金发放的资格确认", "《江苏省老年人权益保障条例》第十八条"),
    ("X03", "协助开展残疾人证办理和残疾人帮扶", "《中华人民共和国残疾人保障法》第九条"),
    ("X04", "协助开展人口普查和流动人口信息采集", "《全国人口普查条例》第十六条；《居住证暂行条例》第五条"),
    ("X05", "协助做好优抚对象走访慰问", "《军人抚恤优待条例》第五条"),
    ("X06", "协助开展计划生育和家庭发展服务", "《中华人民共和国人口与计划生育法》第十二条"),
    ("X07", "协助开展公共卫生宣传和疫苗接种动员", "《中华人民共和国基本医疗卫生与健康促进法》第七十九条"),
    ("X08", "协助开展退休人员社会化管理服务", "《江苏省企业退休人员社会化管理服务办法》第六条"),
    ("X09", "协助开展就业登记和失业人员帮扶", "《中华人民共和国就业促进法》第五十三条"),
    ("X10", "协助开展普法宣传和社区矫正对象帮教", "《中华人民共和国社区矫正法》第十二条"),
    ("X11", "协助开展消防安全宣传和隐患排查", "《中华人民共和国消防法》第三十二条"),
    ("X12", "协助开展防汛防台和突发事件应急处置", "《中华人民共和国突发事件应对法》第五十五条"),
    ("X13", "协助开展生活垃圾分类宣传", "《苏州市生活垃圾分类管理条例》第三十七条"),
    ("X14", "协助开展征兵宣传和适龄青年登记", "《中华人民共和国兵役法》第十二条"),
]
ADDED_2026 = [  # the 2026 version adds two
    ("X15", "协助开展养老服务需求评估", "《江苏省养老服务条例》第十五条"),
    ("X16", "协助开展住宅小区物业管理矛盾调处", "《江苏省物业管理条例》第十条"),
]

# (days before the seeding, department name suffix, community index or None (the whole street), title,
# reason, frequency, staff hours, yuan offered, then the decision: (days later, "admitted" / "refused" /
# "withdrawn", note) or None while it waits)
REQUESTS = [
    (330, "城市管理局", None, "生活垃圾分类桶边督导排班",
     "平江街道三个小区撤桶并点后，投放点需要在早晚高峰安排督导。"
     "请社区负责排班和每周记录，督导员由城市管理局招募的志愿者担任。",
     "weekly", 4, 24_000, (9, "admitted", "督导员由街道统一招募和培训；社区只负责排班和记录，"
                                          "每月汇总一次，不另设台账。")),
    (160, "城市管理局", None, "违法建设巡查上报",
     "请各社区每月巡查一次辖区违法建设和违章搭建，填写巡查表报城市管理局。",
     "monthly", 8, 0, (6, "refused", "违法建设的巡查和查处是城市管理部门的法定职责，不在两份清单内，也没有随事转费。"
                                   "社区发现的线索可以通过问题台账派给城市管理局。")),
    (120, "民政局", 0, "高龄老人尊老金发放前的在世核查",
     "每年三月发放尊老金前，需核实辖区80周岁以上老人在世情况，避免冒领。",
     "yearly", 16, 3_000, (5, "admitted", "")),
    (40, "城市管理局", 1, "门前三包责任书签订",
     "请社区与沿街商户签订门前三包责任书并收集回执。",
     "yearly", 10, 0, (3, "withdrawn", "")),
    (12, "城市管理局", 1, "共享单车停放秩序巡查",
     "社区周边共享单车乱停放，请社区每周巡查两次，拍照发给运营企业调度。",
     "weekly", 3, 6_000, None),
    (5, "民政局", None, "社区养老服务需求入户调查",
     "为编制2027年养老服务设施布局，请社区对60周岁以上独居、空巢老人逐户调查养老服务需求。",
     "once", 40, 8_000, None),
]

# (days before the seeding, community index, department name suffix, title, details, staff hours, then the
# finding: (days later, uphold?, finding) or None while it waits)
PUSHED = [
    (90, 0, "城市管理局", "创文迎检台账每日填报",
     "迎检期间城市管理局网格群里每天要求社区填报三张表（环境卫生、占道经营、小广告），没有准入，也没有经费。"
     "持续三周，每天约两小时。",
     42, (8, True, "城市管理局未提出准入申请即要求社区每日填报，属未经准入下派的工作。"
                   "已要求其停止，并另行申请准入、随事转费。")),
    (60, 0, "卫生健康委员会", "流感疫苗接种动员电话",
     "社区卫生服务中心要求社区给65岁以上老人逐个打电话动员接种流感疫苗。",
     12, (4, False, "公共卫生宣传和疫苗接种动员在协助政府工作事项清单内（X07），不属于未经准入的工作。")),
    (7, 1, "司法局", "普法问卷入户收集",
     "司法局要求每个社区收回200份普法问卷，入户发放和回收，没有准入文件。",
     16, None),
]


PEOPLE = [  # (e-mail, name, what they are); worker@demo.market registers the first community's committee
    ("committee2@demo.market", "陈静", "residents' committee (平江街道's second community)"),
    ("committee3@demo.market", "赵敏", "residents' committee (平江街道's third community)"),
]
COMMITTEES = ["worker@demo.market", "committee2@demo.market", "committee3@demo.market"]  # by community index

# (community index, the admitted work, days before the seeding it is drafted, months, yuan, tranches
# delivered, accepted and paid, and whether the next is reported and waits for acceptance). The first two
# ran from January to the end of October: the city's rules apply from 1 January 2026.
ENTRUSTED = [
    (0, "生活垃圾分类桶边督导排班", 315, 10, 24_000, 3, False),
    (1, "生活垃圾分类桶边督导排班", 315, 10, 24_000, 2, True),
    (2, "生活垃圾分类桶边督导排班", 205, 12, 18_000, 1, False),
]
DRAFTED = (0, "高龄老人尊老金发放前的在世核查", 3, 12, 3_000)  # 民政局 signed; the committee has not yet
STANDARDS = {"生活垃圾分类桶边督导排班": "早7:00—9:00、晚18:00—20:00每个投放点安排一名督导员；社区负责排班和每周记录，"
                                          "每月汇总一次报城市管理局。督导员由街道统一招募和培训。",
             "高龄老人尊老金发放前的在世核查": "每年二月底前逐户核实辖区80周岁以上老人在世情况，填写核查表，"
                                             "三月五日前报民政局。"}


def seed_partnership(people: dict, communities: list) -> list[tuple[str, str, str]]:
    """Once: the demo seeds it when 姑苏区 has no lists yet. Returns the people it adds."""
    district_id = communities[0].street.district_id
    if db.session.scalar(select(TaskList.id).where(TaskList.district_id == district_id)) is not None:
        return PEOPLE
    admin = people["admin@demo.market"]
    now = clock.now()
    _version(admin, district_id, datetime(2023, 12, 5, 2), date(2024, 1, 1), "姑苏区社区工作事项两份清单（2024年版）",
             "姑政办〔2023〕41号", DUTIES + ASSISTING, publish=True)
    _version(admin, district_id, datetime(2025, 12, 3, 2), date(2026, 1, 1), "姑苏区社区工作事项两份清单（2026年版）",
             "姑政办〔2025〕38号", DUTIES + ASSISTING + ADDED_2026, publish=True)
    _version(admin, district_id, now - timedelta(days=2), date(now.year + 1, 1, 1),
             f"姑苏区社区工作事项两份清单（{now.year + 1}年版，征求意见稿）", "", DUTIES + ASSISTING + ADDED_2026,
             publish=False)
    departments = {d.name.removeprefix(communities[0].street.district.name): d for d in db.session.scalars(
        select(Department).where(Department.district_id == district_id))}
    staff = {"城市管理局": db.session.scalar(select(User).where(User.email == "city@demo.market")),  # the grid's
             "民政局": people["purchaser@demo.market"]}
    for days, department, community, title, reason, frequency, hours, yuan, decision in REQUESTS:
        with clock_at(now - timedelta(days=days)):
            request = admissions.submit(staff[department], admissions.AdmissionData(
                department_id=departments[department].id, street_id=communities[0].street_id,
                community_id=communities[community].id if community is not None else None, title=title,
                reason=reason, frequency=frequency, staff_hours=hours, money_offered=yuan * 100))
            db.session.commit()
        if decision is None:
            continue
        later, outcome, note = decision
        with clock_at(now - timedelta(days=days - later)):
            if outcome == "withdrawn":
                admissions.withdraw(staff[department], request)
            else:
                admissions.decide(admin, request, outcome == "admitted", note)
            db.session.commit()
    worker = people["worker@demo.market"]
    for days, community, department, title, details, hours, finding in PUSHED:
        with clock_at(now - timedelta(days=days)):
            report = pushed.report(worker, pushed.PushedData(
                community_id=communities[community].id, department_id=departments[department].id, title=title,
                details=details, staff_hours=hours))
            db.session.commit()
        if finding is not None:
            later, uphold, text = finding
            with clock_at(now - timedelta(days=days - later)):
                pushed.decide(admin, report, uphold, text)
                db.session.commit()
    _entrusted_year(people, communities, staff, now)
    return PEOPLE


def _entrusted_year(people: dict, communities: list, staff: dict, now: datetime) -> None:
    """The committees, the agreements, a year of delivery and payment, and the evaluations both ways."""
    admin, city = people["admin@demo.market"], staff["城市管理局"]
    directors = [people.get(email) or accounts.register(email, name, DEMO_PASSWORD)
                 for email, name in [(COMMITTEES[0], "")] + [(e, n) for e, n, _what in PEOPLE]]
    category = db.session.scalar(select(ServiceCategory.id).where(ServiceCategory.code == "environment"))
    committees = []
    with clock_at(now - timedelta(days=318)):
        for index, director in enumerate(directors):
            community = communities[index]
            committee = organizations.register_organization(director, organizations.OrganizationData(
                name=f"苏州市姑苏区{community.street.name}{community.name}居民委员会",
                credit_code=credit_code.make("5", "9", "320508", f"JW{index + 1:06d}"), org_type="residents_committee",
                registered_on=date(2001, 3, 1), registration_authority="苏州市姑苏区民政局",
                district_id=community.street.district_id, description=f"{community.name}社区的居民自治组织。",
                staff_count=9 + index, volunteer_count=60 + 15 * index, contact_phone=f"0512-6752{index:04d}",
                category_ids=[category], community_ids=[community.id]))
            organizations.review_organization(admin, committee, True)
            committees.append(committee)
        department = db.session.scalar(select(AdmissionRequest.department_id).where(
            AdmissionRequest.title == ENTRUSTED[0][1]))
        money.appropriate(city, department, 10_000_000, "姑财〔2025〕27号 社区委托事项经费", "demo-entrusted-work")
        db.session.commit()
    for community, title, days, months, yuan, paid, waiting in ENTRUSTED:
        contract = _agreement(city, committees[community], category, title, now - timedelta(days=days), months, yuan)
        with clock_at(now - timedelta(days=days - 2)):
            signing.sign(city, contract, "purchaser")
            signing.sign(directors[community], contract, "organization")
            db.session.commit()
        for position, milestone in enumerate(contract.milestones[:paid + waiting]):
            due = datetime(milestone.due_on.year, milestone.due_on.month, milestone.due_on.day, 2)
            with clock_at(due - timedelta(days=3)):
                delivery.submit_report(directors[community], contract, milestone.id, delivery.ReportData(
                    f"{milestone.title}：按排班表完成早晚桶边督导，记录投放点情况并每月汇总。", 300 + 40 * position))
                db.session.commit()
            if position < paid:
                with clock_at(due + timedelta(days=1)):
                    payment.decide(city, contract, milestone.id, "accepted")
                    db.session.commit()
                with clock_at(due + timedelta(days=3)):
                    payment.pay(city, contract, milestone.id)
                    db.session.commit()
    community, title, days, months, yuan = DRAFTED
    civil = people["purchaser@demo.market"]
    with clock_at(now - timedelta(days=days)):
        money.appropriate(civil, db.session.scalar(select(AdmissionRequest.department_id).where(
            AdmissionRequest.title == title)), 1_000_000, "姑财〔2026〕9号 尊老金核查经费", "demo-entrusted-check")
        db.session.commit()
    drafted = _agreement(civil, committees[community], db.session.scalar(select(ServiceCategory.id).where(
        ServiceCategory.code == "elderly")), title, now - timedelta(days=days), months, yuan)
    with clock_at(now - timedelta(days=days - 1)):
        signing.sign(civil, drafted, "purchaser")
        db.session.commit()
    _evaluations(city, directors, committees)


def _agreement(actor, committee, category: int, title: str, at: datetime, months: int, yuan: int):
    with clock_at(at):
        request = db.session.scalar(select(AdmissionRequest).where(AdmissionRequest.title == title))
        contract = agreements.draft(actor, request, agreements.AgreementData(
            organization_id=committee.id, category_id=category, price_fen=yuan * 100,
            starts_on=clock.today() + timedelta(days=5), months=months, standards=STANDARDS[title]))
        db.session.commit()
    return contract


def _evaluations(city, directors: list, committees: list) -> None:
    """The evaluations of the year being evaluated now (or, from April to mid-November, of last year, given
    in January): both ways for the first committee; for the second, the department's only."""
    today = clock.today()
    moment = clock.now() if reviews.open_year(today) is not None else datetime(today.year, 1, 15, 2)
    given = [(city, "of_community", 0, {"to_standard": 5, "on_time": 5, "residents": 4},
              "排班和记录完整，每月按时汇总；早高峰个别投放点督导员到岗偏晚。"),
             (directors[0], "of_department", 0, {"guidance": 4, "paid_on_time": 5, "respects_lists": 3,
                                                 "no_pushed_work": 2},
              "委托经费按时拨付；但创文迎检期间仍通过网格群要求每日填报台账，未经准入。"),
             (city, "of_community", 1, {"to_standard": 4, "on_time": 3, "residents": 4},
              "督导到位，第三期记录汇总晚交一周。")]
    with clock_at(moment):
        if not reviews.waiting(city, clock.today()):
            return  # no agreement ran last year
        owed = {(p.direction, p.organization.id): p for p in reviews.waiting(city, clock.today())
                + reviews.waiting(directors[0], clock.today())}
        for actor, direction, committee, scores, comment in given:
            reviews.give(actor, owed[direction, committees[committee].id], scores, comment)
        db.session.commit()


def _version(admin, district_id: int, at: datetime, start: date, title: str, source: str, items: list,
             publish: bool) -> None:
    with clock_at(at):
        draft = lists.create_draft(admin, district_id, title, source, start)
        rows = [[code, KIND_CHINESE["duty" if code.startswith("Z") else "assistance"], item, basis]
                for code, item, basis in items]
        errors = lists.import_items(admin, draft, "两份清单.csv", tables.csv_bytes(list_files.heading(), rows)).errors
        assert not errors, errors
        if publish:
            lists.publish(admin, draft)
        db.session.commit()
