"""The grid ledger's month (issue 22): 平江街道's first community in two grids of four buildings, its
leaders, 姑苏区's dispatch rules for every category, a property-management company, and a month of
problems recorded door to door, each following its script below on the demo clock, so that every
status has items and the month's rates can be worked out by hand from `PROBLEMS`. Two records change
sides (a problem turned into a need, a need moved to the ledger): neither is dispatched in the month,
so the rates stay as worked out."""
from datetime import date, timedelta

from sqlalchemy import select

from market import clock
from market.accounts import services as accounts
from market.accounts.models import User
from market.accounts.roles import Role
from market.demo import DEMO_PASSWORD
from market.demo.moments import clock_at
from market.extensions import db
from market.grid import dispatch_rules, grids, problems, transfers
from market.grid.models import Problem
from market.needs import needs
from market.organizations import credit_code
from market.organizations.models import ORGANIZATION_MACHINE, Membership, Organization, ServiceCategory
from market.places.models import Building, Community, Department, Grid

PEOPLE = [  # (e-mail, name, what they are)
    ("gridleader@demo.market", "刘建国", "grid leader"),
    ("building@demo.market", "陈秀兰", "building leader"),
    ("city@demo.market", "黄志明", "department staff (城市管理局)"),
    ("property@demo.market", "郭强", "property-management company"),
    ("street@demo.market", "徐丽", "street office staff"),
    ("district@demo.market", "何伟", "district staff"),
    ("gridleader2@demo.market", "周红", "grid leader"),
]
COMPANY = "苏州平江物业服务有限公司"
GRIDS = {"一片区": ["1幢", "2幢", "3幢", "4幢"], "二片区": ["5幢", "6幢", "7幢", "8幢"]}

# category: (who answers: "city" the city-management bureau, "company" the property-management company,
# "community" the community), hours to answer, (urgent amount, unit), (normal amount, unit)
RULES = {
    "sanitation": ("city", 24, (24, "hours"), (3, "working_days")),
    "facilities": ("city", 24, (48, "hours"), (5, "working_days")),
    "property": ("company", 12, (24, "hours"), (3, "working_days")),
    "greening": ("city", 48, (72, "hours"), (10, "working_days")),
    "parking": ("community", 24, (24, "hours"), (5, "working_days")),
    "noise": ("city", 12, (12, "hours"), (3, "working_days")),
    "neighbours": ("community", 24, (48, "hours"), (10, "working_days")),
    "safety": ("community", 4, (24, "hours"), (2, "working_days")),
}

# The month's problems: (days before the seeding, hour of day (Beijing), building, category, urgency,
# summary, script). A script's steps, each at hours after the recording: ("dispatch", h) to the rule's
# body, ("dispatch", h, "community") to another; ("accept", h); ("return", h, reason); ("close", h,
# resolution); ("rate", h, rating); ("reopen", h); ("to_need", h). The building leader records 1幢's, the grid
# leaders the
# rest of their grids', each for a resident who gave a name and phone, and rates it for them after a call
# (回访): the body that did the work (the community, for some) never rates it.
PROBLEMS = [
    (29, 9, "1幢", "sanitation", "normal", "1幢东侧垃圾桶满溢两天未清运",
     [("dispatch", 1), ("accept", 3), ("close", 20, "resolved"), ("rate", 30, "satisfied")]),
    (28, 10, "2幢", "facilities", "normal", "2幢门前路灯不亮",
     [("dispatch", 2), ("accept", 20), ("close", 50, "resolved"), ("rate", 60, "satisfied")]),
    (27, 15, "5幢", "property", "urgent", "5幢电梯停运，楼上老人下不了楼",
     [("dispatch", 0.5), ("accept", 2), ("close", 10, "resolved"), ("rate", 24, "fairly_satisfied")]),
    (26, 9, "3幢", "noise", "normal", "3幢底商夜间装修噪声扰民",
     [("dispatch", 1), ("accept", 14), ("close", 40, "resolved"), ("rate", 48, "unsatisfied")]),
    (25, 11, "6幢", "sanitation", "normal", "6幢楼道堆放杂物堵住通道",
     [("dispatch", 1), ("return", 5, "楼道堆物属物业管理范围"), ("dispatch", 6, "company"), ("accept", 8),
      ("close", 30, "resolved"), ("rate", 40, "satisfied")]),
    (24, 14, "7幢", "neighbours", "normal", "7幢楼上楼下漏水纠纷",
     [("dispatch", 1), ("accept", 3), ("close", 120, "resolved"), ("rate", 130, "fairly_satisfied")]),
    (23, 10, "4幢", "greening", "normal", "4幢窗前大树遮挡采光，需要修剪",
     [("dispatch", 2), ("accept", 30), ("close", 200, "resolved"), ("rate", 210, "satisfied")]),
    (22, 16, "8幢", "parking", "normal", "8幢消防通道长期被私家车占用",
     [("dispatch", 1), ("accept", 4), ("close", 60, "unresolved"), ("rate", 70, "unsatisfied")]),
    (21, 9, "1幢", "safety", "urgent", "1幢有住户在楼道里给电瓶车充电",
     [("dispatch", 0.5), ("accept", 1), ("close", 6, "resolved"), ("rate", 20, "satisfied")]),
    (20, 10, "2幢", "property", "normal", "2幢单元门禁损坏",
     [("dispatch", 1), ("accept", 20), ("close", 70, "resolved"), ("rate", 80, "satisfied")]),
    (19, 15, "5幢", "facilities", "normal", "5幢旁健身器材松动",
     [("dispatch", 1), ("accept", 5), ("close", 100, "resolved"), ("rate", 110, "fairly_satisfied")]),
    (18, 9, "3幢", "sanitation", "urgent", "3幢化粪池外溢",
     [("dispatch", 0.5), ("accept", 2), ("close", 12, "resolved"), ("rate", 30, "satisfied")]),
    (17, 11, "6幢", "noise", "normal", "6幢附近广场舞音响太响",
     [("dispatch", 1), ("return", 4, "广场舞音量由社区协调更合适"), ("dispatch", 5, "community"), ("accept", 7),
      ("close", 50, "resolved"), ("rate", 60, "fairly_satisfied")]),
    (16, 14, "7幢", "neighbours", "normal", "7幢邻居在公共区域养鸡",
     [("dispatch", 2), ("accept", 4), ("close", 90, "unresolved"), ("rate", 100, "unsatisfied"),
      ("reopen", 110)]),
    (15, 10, "4幢", "property", "normal", "4幢楼顶渗水",
     [("dispatch", 1), ("accept", 10), ("close", 60, "resolved"), ("rate", 72, "satisfied")]),
    (14, 9, "8幢", "facilities", "normal", "8幢门口井盖破损",
     [("dispatch", 1), ("accept", 2), ("close", 30, "resolved"), ("rate", 40, "satisfied")]),
    (13, 15, "1幢", "greening", "normal", "1幢前草坪被踩秃",
     [("dispatch", 2), ("accept", 60), ("close", 150, "resolved"), ("rate", 160, "fairly_satisfied")]),
    (12, 10, "2幢", "parking", "normal", "2幢非机动车棚顶棚破损",
     [("dispatch", 1), ("accept", 3), ("close", 48, "resolved"), ("rate", 60, "satisfied")]),
    (11, 11, "5幢", "sanitation", "normal", "5幢垃圾分类亭异味严重",
     [("dispatch", 1), ("accept", 30), ("close", 60, "resolved")]),
    (10, 9, "3幢", "safety", "normal", "3幢消防栓箱内缺水带",
     [("dispatch", 1), ("accept", 2), ("close", 40, "resolved"), ("rate", 50, "satisfied")]),
    (9, 14, "6幢", "property", "urgent", "6幢地下室进水",
     [("dispatch", 0.5), ("accept", 2), ("close", 20, "resolved")]),
    (8, 10, "2幢", "facilities", "normal", "2幢楼道声控灯坏了",
     [("dispatch", 1), ("accept", 4), ("close", 200, "resolved")]),
    (7, 16, "4幢", "noise", "normal", "4幢空调外机噪声",
     [("dispatch", 1), ("accept", 3)]),
    (6, 9, "8幢", "neighbours", "normal", "8幢两户因停车位争执",
     [("dispatch", 2), ("accept", 20)]),
    (5, 10, "1幢", "sanitation", "normal", "1幢绿化带里有建筑垃圾",
     [("dispatch", 1), ("accept", 5)]),
    (4, 11, "2幢", "greening", "normal", "2幢枯树有倒伏危险",
     [("dispatch", 1)]),
    (3, 15, "5幢", "property", "normal", "5幢单元门闭门器坏了",
     [("dispatch", 1), ("return", 6, "闭门器更换属业主自用部分，请社区核实")]),
    (2, 9, "3幢", "facilities", "normal", "3幢门前人行道地砖松动",
     [("dispatch", 1)]),
    (1, 10, "6幢", "parking", "normal", "6幢门口共享单车堆积",
     []),
    (1, 14, "8幢", "property", "normal", "8幢电梯运行有异响",
     [("dispatch", 1)]),
    (0, 1, "7幢", "safety", "normal", "7幢楼道私拉电线",
     []),
    (2, 10, "7幢", "neighbours", "normal", "7幢独居的刘大爷做饭困难，想请人每天送一顿午饭",
     [("to_need", 2)]),  # a service need after all (TO_NEED): never dispatched, it leaves the rates alone
]

# A need that is a problem (a resident posts it; a community worker moves it to the ledger the next
# morning): (days before the seeding, hour posted, hour moved, title, description, the worker's reason).
NEED_TO_PROBLEM = (3, 20, 9, "小区东门路灯坏了快一个月",
                   "东门进来第二根路灯一直不亮，晚上下班回来黑乎乎的，老人走路容易摔。",
                   "路灯维修由城市管理局负责，转入问题台账派单处理，居民可在台账跟进")
TO_NEED = ("7幢独居老人需要午餐送餐上门", "助餐是社区服务需求，不是派单能解决的问题：转入需求清单，由社区统筹助餐服务")
RESULTS = {"resolved": "已按要求处理完毕，现场已复核", "unresolved": "经多次协调未能解决，已告知居民其他途径"}
REPORTERS = ["陈阿姨", "王师傅", "李奶奶", "赵先生", "孙女士", "周大爷"]


def seed_grid(people: dict, communities: list) -> list[tuple[str, str, str]]:
    """Returns the people it adds, as (e-mail, name, what they are)."""
    community = communities[0]
    if db.session.scalar(select(Grid.id).where(Grid.community_id == community.id)) is not None:
        return PEOPLE
    admin, worker = people["admin@demo.market"], people["worker@demo.market"]
    start = clock.now() - timedelta(days=40)
    with clock_at(start):
        staff = {email: _person(email, name) for email, name, _what in PEOPLE}
        company = _company(admin, staff["property@demo.market"], communities)
        for grid_name, buildings in GRIDS.items():
            grid = grids.add_grid(worker, community.id, grid_name)
            for building in buildings:
                grids.add_building(worker, grid, building, f"{community.name}{building}")
        grid = db.session.scalar(select(Grid).where(Grid.community_id == community.id, Grid.name == "一片区"))
        second = db.session.scalar(select(Grid).where(Grid.community_id == community.id, Grid.name == "二片区"))
        first = db.session.scalar(select(Building).where(Building.grid_id == grid.id, Building.name == "1幢"))
        grids.appoint(worker, "gridleader@demo.market", grid=grid)
        grids.appoint(worker, "gridleader2@demo.market", grid=second)
        grids.appoint(worker, "building@demo.market", building=first)
        district = community.street.district
        bodies = {"city": ("department", db.session.scalar(select(Department.id).filter_by(
                      name=f"{district.name}城市管理局"))),
                  "company": ("organization", company.id), "community": ("community", None)}
        accounts.bind_role(admin, staff["city@demo.market"], Role.PURCHASER, bodies["city"][1])
        accounts.bind_role(admin, staff["street@demo.market"], Role.STREET_STAFF, community.street_id)
        accounts.bind_role(admin, staff["district@demo.market"], Role.DISTRICT_STAFF, district.id)
        for category, (who, respond, urgent, normal) in RULES.items():
            kind, body_id = bodies[who]
            dispatch_rules.add_rule(admin, dispatch_rules.RuleData(
                district_id=district.id, category=category, effective_from=date(2026, 1, 1), effective_until=None,
                body_kind=kind, body_id=body_id, respond_hours=respond, urgent_amount=urgent[0], urgent_unit=urgent[1],
                normal_amount=normal[0], normal_unit=normal[1]))
        db.session.commit()
    _month(community, worker, staff, bodies, people["resident@demo.market"])
    return PEOPLE


def _person(email: str, name: str) -> User:
    existing = db.session.scalar(select(User).where(User.email == email))
    return existing or accounts.register(email, name, DEMO_PASSWORD)


def _company(admin: User, owner: User, communities: list) -> Organization:
    company = Organization(
        name=COMPANY, credit_code=credit_code.make("9", "1", "320508", "PJWY0001"), org_type="property_management",
        registered_on=date(2009, 6, 18), registration_authority="苏州市姑苏区市场监督管理局",
        district_id=communities[0].street.district_id,
        description="负责平江街道三个老旧小区的物业服务：保洁、绿化、电梯和公共部位维修。",
        staff_count=46, volunteer_count=0, contact_phone="0512-65230088", status="pending", created_at=clock.now(),
        created_by_id=admin.id)
    company.communities = list(communities[:3])
    db.session.add(company)
    db.session.flush()
    db.session.add(Membership(user_id=owner.id, organization_id=company.id, is_owner=True, added_at=clock.now(),
                              added_by_id=admin.id))
    ORGANIZATION_MACHINE.start(company, admin, "演示数据")
    ORGANIZATION_MACHINE.move(company, "approved", admin, "营业执照和物业服务资质核实无误")
    return company


def _month(community: Community, worker: User, staff: dict, bodies: dict, resident: User) -> None:
    """Every problem's steps, in the order they happened, with the escalation run every three hours between,
    and the need moved to the ledger (`NEED_TO_PROBLEM`)."""
    now = clock.now()
    recorders = {"1幢": staff["building@demo.market"],
                 **{b: staff["gridleader@demo.market"] for b in ("2幢", "3幢", "4幢")},
                 **{b: staff["gridleader2@demo.market"] for b in ("5幢", "6幢", "7幢", "8幢")}}
    steps = []  # (moment, order, what to do)
    for index, (days, hour, building, category, urgency, summary, script) in enumerate(PROBLEMS):
        recorded_at = (now - timedelta(days=days)).replace(hour=(hour - 8) % 24, minute=0, second=0, microsecond=0)
        if recorded_at > now:
            recorded_at -= timedelta(days=1)
        steps.append((recorded_at, index, 0, ("record", building, category, urgency, summary)))
        for number, step in enumerate(script, 1):
            steps.append((recorded_at + timedelta(hours=step[1]), index, number, step))
    days, posted, moved, *_words = NEED_TO_PROBLEM
    day = now - timedelta(days=days)
    steps.append((day.replace(hour=(posted - 8) % 24, minute=0, second=0, microsecond=0), -2, 0, ("post_need",)))
    steps.append(((day + timedelta(days=1)).replace(hour=(moved - 8) % 24, minute=0, second=0, microsecond=0), -2, 1,
                  ("move_need",)))
    escalation = min(s[0] for s in steps).replace(minute=30)
    while escalation < now:  # as `flask tasks run-due` would, every three hours
        steps.append((escalation, -1, 0, ("escalate",)))
        escalation += timedelta(hours=3)
    recorded: dict[int, int] = {}
    need = None
    for moment, index, _number, step in sorted(steps, key=lambda s: (s[0], s[1], s[2])):
        if moment > now:
            continue
        with clock_at(moment):
            if step[0] == "escalate":
                problems.escalate_due()
            elif step[0] == "post_need":
                need = needs.post_need(resident, needs.NeedData(NEED_TO_PROBLEM[3], NEED_TO_PROBLEM[4], _elderly(),
                                                                "high", 200))
            elif step[0] == "move_need":
                transfers.need_to_problem(worker, need, NEED_TO_PROBLEM[3], "facilities", "normal", None,
                                          "桐芳社区东门内第二根路灯", NEED_TO_PROBLEM[5])
            elif step[0] == "record":
                _, building, category, urgency, summary = step
                building_id = db.session.scalar(select(Building.id).join(Grid).where(
                    Grid.community_id == community.id, Building.name == building))
                recorded[index] = problems.record_problem(recorders[building], problems.ProblemData(
                    community_id=community.id, building_id=building_id, address="", category=category,
                    urgency=urgency, summary=summary, reporter_name=REPORTERS[index % len(REPORTERS)],
                    reporter_phone=f"139{index:04d}{5821 + index:04d}")).id
            else:
                _play(db.session.get(Problem, recorded[index]), step, worker, staff, bodies, community)
            db.session.commit()


def _play(problem: Problem, step: tuple, worker: User, staff: dict, bodies: dict, community: Community) -> None:
    handler = {"department": staff["city@demo.market"], "organization": staff["property@demo.market"],
               "community": worker}
    if step[0] == "dispatch":
        if len(step) > 2:
            kind, body_id = bodies[step[2]]
        else:
            kind, body_id = bodies[_rule_body(problem.category)]
        problems.dispatch(worker, problem, f"{kind}:{body_id or community.id}")
        return
    if step[0] == "to_need":
        transfers.problem_to_need(worker, problem, TO_NEED[0], problem.summary, _elderly(), TO_NEED[1])
        return
    acting = handler[problem.body_kind]
    if step[0] == "accept":
        problems.accept(acting, problem)
    elif step[0] == "return":
        problems.send_back(acting, problem, step[2])
    elif step[0] == "close":
        problems.add_progress(acting, problem, "已到现场查看，安排人员处理")
        problems.close(acting, problem, step[2], RESULTS[step[2]])
    elif step[0] == "rate":
        problems.rate(problem.recorded_by, problem, step[2], "电话回访")
    elif step[0] == "reopen":
        problems.reopen(problem.recorded_by, problem, "居民反映问题依旧，请再次处理")


def _elderly() -> int:
    return db.session.scalar(select(ServiceCategory.id).filter_by(code="elderly"))


def _rule_body(category: str) -> str:
    return RULES[category][0]
