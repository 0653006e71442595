"""Idempotent seeding: each record is found by its natural key and created only if missing."""
import random
import secrets
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select

from market import clock
from market.accounts.models import RESIDENCE_MACHINE, Residence, RoleGrant, User
from market.accounts.roles import Role
from market.contracts import delivery, payment, signing, terms
from market.core.security import hash_password
from market.demo import DEMO_PASSWORD, journeys
from market.demo.grid import seed_grid
from market.demo.moments import clock_at, day
from market.demo.partnership import seed_partnership
from market.demo.philanthropy import seed_philanthropy
from market.demo.topics import seed_topics
from market.demo.waiting import seed_waiting
from market.evaluation import grading, ratings, rubrics
from market.evaluation import services as evaluations
from market.evaluation.models import GradeApplication, Rubric
from market.extensions import db
from market.money import services as money
from market.needs import hearings, needs, triage
from market.needs.models import CommunityRequest, Need
from market.organizations import credit_code
from market.organizations.models import (
    ORGANIZATION_MACHINE,
    AnnualInspection,
    Membership,
    Organization,
    ServiceCategory,
)
from market.organizations.taxonomy import CATEGORIES
from market.places import suzhou
from market.places.models import City, Community, Department, District, Street
from market.procurement import awards, bids, tenders, undertakers
from market.procurement.models import CatalogItem, PurchaseCatalog, Tender, UndertakerEntry
from market.rules import defaults
from market.rules.models import CalendarDay, RuleSet


def _get_or_create(model, defaults=None, **key):
    """`defaults` may be a dict or a function returning one, called only when creating."""
    found = db.session.scalar(select(model).filter_by(**key))
    if found is not None:
        return found, False
    values = defaults() if callable(defaults) else (defaults or {})
    record = model(**key, **values)
    db.session.add(record)
    db.session.flush()
    return record, True


def seed_reference() -> dict:
    """Places of the demo city, departments and the service taxonomy."""
    created = {"places": 0, "departments": 0, "categories": 0}
    city, new = _get_or_create(City, {"name": suzhou.CITY["name"], "province": suzhou.CITY["province"]},
                               code=suzhou.CITY["code"])
    created["places"] += new
    rng = random.Random(20261122)  # fixed: the same seed gives the same city every time
    offset = 0
    for district_name, code, kind, streets in suzhou.DISTRICTS:
        district, new = _get_or_create(District, {"name": district_name, "kind": kind, "city_id": city.id}, code=code)
        created["places"] += new
        for department in suzhou.DISTRICT_DEPARTMENTS:
            _d, new = _get_or_create(Department, district_id=district.id, name=f"{district_name}{department}")
            created["departments"] += new
        for street_name in streets:
            street_kind = "town" if street_name.endswith("镇") else "street"
            street, new = _get_or_create(Street, {"kind": street_kind}, district_id=district.id, name=street_name)
            created["places"] += new
            office = f"{street_name}办事处" if street_kind == "street" else f"{street_name}人民政府"
            _d, new = _get_or_create(Department, {"street_id": street.id}, district_id=district.id, name=office)
            created["departments"] += new
            count = rng.randint(6, 9)
            for i, name in enumerate(suzhou.community_names(count, offset)):
                village = street_kind == "town" and i % 3 == 2
                full = f"{name}村" if village else f"{name}社区"
                households = rng.randint(800, 2500) if village else rng.randint(1500, 6500)
                _c, new = _get_or_create(Community, {"kind": "village" if village else "community",
                                                     "households": households}, street_id=street.id, name=full)
                created["places"] += new
            offset += count
    created["rules"] = _seed_rules(city)
    for order, (code, name_zh, name_en) in enumerate(CATEGORIES):
        _c, new = _get_or_create(
            ServiceCategory, {"name_zh": name_zh, "name_en": name_en, "sort_order": order}, code=code
        )
        created["categories"] += new
    db.session.commit()
    created["rubrics"] = rubrics.ensure_defaults()
    return created


def _seed_rules(city: City) -> int:
    """The demo city's rules (version 1, in force from 2026-01-01) and the 2026 holiday calendar."""
    _rules, new = _get_or_create(RuleSet, {"effective_from": date(2026, 1, 1), "values": defaults.SUZHOU_2026,
                                           "source": defaults.SUZHOU_2026_SOURCE, "created_at": clock.now()},
                                 city_id=city.id, version=1)
    missing = {k: v for k, v in defaults.SUZHOU_2026.items() if k not in _rules.values}
    if missing:  # rule keys added by later versions of Market reach a database seeded before them
        _rules.values = {**_rules.values, **missing}
    for days, workday in ((defaults.CHINA_2026_HOLIDAYS, False), (defaults.CHINA_2026_MAKEUP_WORKDAYS, True)):
        for name, dates in days.items():
            for iso_date in dates:
                _get_or_create(CalendarDay, {"is_workday": workday, "name": name}, day=date.fromisoformat(iso_date))
    return int(new)


# (e-mail, name, role, what the role is bound to)
DEMO_PEOPLE = [
    ("admin@demo.market", "吴建华", Role.CIVIL_AFFAIRS, None),
    ("worker@demo.market", "王丽华", Role.COMMUNITY_WORKER, "community"),
    ("purchaser@demo.market", "陈志强", Role.PURCHASER, "department"),
    ("org@demo.market", "刘芳", None, "owner"),
    ("incubator@demo.market", "赵敏", Role.INCUBATOR_STAFF, "incubator"),
    ("evaluator@demo.market", "孙伟", Role.EVALUATOR, "evaluator"),
    ("expert@demo.market", "周立新", Role.EXPERT, None),
    ("resident@demo.market", "张晓梅", None, "resident"),
    ("neighbour@demo.market", "李建国", None, "resident"),
]

# (name, type, district code, category codes, staff, volunteers, description); the first is the demo owner's.
DEMO_ORGANIZATIONS = [
    ("苏州市姑苏区乐龄居家养老服务中心", "social_service", "320508", ["elderly", "health"], 18, 120,
     "为平江、沧浪街道独居和空巢老人提供助餐、助浴、上门探访和健康咨询服务，运营三个社区日间照料中心。"),
    ("苏州市公益组织发展中心", "social_service", "320508", ["capacity"], 12, 30,
     "支持型社会组织，运营市级公益孵化园，为初创社会组织提供场地、培训、导师和小额启动资金。"),
    ("苏州明德社会组织评估中心", "social_service", "320505", ["capacity"], 9, 0,
     "第三方评估机构，承接政府购买服务项目绩效评估和社会组织等级评估。"),
    ("苏州工业园区心桥青少年心理服务社", "social_service", "320571", ["mental_health", "youth"], 10, 45,
     "面向园区中小学生和家长开展心理健康讲座、团体辅导和个案咨询。"),
    ("苏州市吴中区阳光助残服务中心", "social_service", "320506", ["disability"], 14, 60,
     "为残障人士提供康复训练、辅助性就业和家庭支持服务。"),
    ("苏州市相城区绿色家园环保志愿者协会", "social_group", "320507", ["environment", "volunteering"], 4, 380,
     "组织志愿者在社区开展垃圾分类宣传、桶边督导和河道保洁。"),
    ("昆山市和谐邻里纠纷调解服务中心", "social_service", "320583", ["mediation", "legal_aid"], 7, 25,
     "由退休法官和律师组成，调解邻里、物业和家庭纠纷。"),
    ("苏州市吴江区新航社区矫正服务社", "social_service", "320509", ["corrections"], 8, 10,
     "协助司法所开展社区矫正对象的教育帮扶、心理疏导和就业指导。"),
    ("太仓市乐业就业服务中心", "social_service", "320585", ["employment"], 6, 15,
     "为失业人员、残疾人和高校毕业生提供职业指导和技能培训。"),
    ("张家港市仁爱慈善基金会", "foundation", "320582", ["assistance", "elderly"], 5, 200,
     "资助困难家庭、重病患者和社区养老项目，参与公益创投配捐。"),
    ("常熟市虞山社区卫生志愿服务协会", "social_group", "320581", ["health", "volunteering"], 3, 260,
     "组织医护志愿者进社区开展义诊、慢病管理和健康讲座。"),
    ("苏州市姑苏区平江法律援助服务社", "social_service", "320508", ["legal_aid"], 5, 20,
     "为老年人、农民工和困难群众提供法律咨询和代写文书服务。"),
]
PENDING_ORGANIZATION = ("苏州高新区晨曦儿童成长服务中心", "social_service", "320505", ["youth", "family"], 3, 12,
                        "为双职工家庭儿童提供课后托管、阅读和亲子活动。")


def _credit_code(org_type: str, division: str, index: int) -> str:
    category = {"social_group": "1", "social_service": "2", "foundation": "3"}[org_type]
    return credit_code.make("5", category, division, f"MJ{(537_211 + index * 7919) % 1_000_000:06d}")


def seed_demo() -> list[tuple[str, str, str]]:
    """Reference data plus one ready account per role; returns (e-mail, name, role) for display."""
    seed_reference()
    now = clock.now()
    people = {}
    for email, name, _role, _scope in DEMO_PEOPLE:
        user, _new = _get_or_create(User, lambda name=name: {
            "display_name": name, "created_at": now, "locale": "zh", "session_token": secrets.token_hex(16),
            "password_hash": hash_password(DEMO_PASSWORD)}, email=email)
        people[email] = user
    admin = people["admin@demo.market"]
    districts = {d.code: d for d in db.session.scalars(select(District))}
    categories = {c.code: c for c in db.session.scalars(select(ServiceCategory))}
    pingjiang = db.session.scalar(select(Street).filter_by(name="平江街道"))
    communities = db.session.scalars(select(Community).filter_by(street_id=pingjiang.id).order_by(Community.id)).all()

    organizations = []
    for index, spec in enumerate(DEMO_ORGANIZATIONS + [PENDING_ORGANIZATION]):
        name, org_type, division, category_codes, staff, volunteers, description = spec
        pending = spec is PENDING_ORGANIZATION
        district = districts[division]
        org, new = _get_or_create(
            Organization,
            {"name": name, "org_type": org_type, "registered_on": date(2012 + index % 9, 1 + index % 12, 8 + index),
             "registration_authority": f"{district.name}民政局" if index % 3 else "苏州市民政局",
             "district_id": district.id, "description": description, "staff_count": staff,
             "volunteer_count": volunteers, "contact_phone": f"0512-6{index:03d}{7000 + index * 13:04d}",
             "status": "pending", "created_at": now, "created_by_id": admin.id},
            credit_code=_credit_code(org_type, division, index),
        )
        if new:
            org.categories = [categories[c] for c in category_codes]
            org.communities = communities[:3] if index == 0 else []
            ORGANIZATION_MACHINE.start(org, admin, "演示数据")
            if not pending:
                ORGANIZATION_MACHINE.move(org, "approved", admin, "登记信息核实无误")
        organizations.append(org)

    bindings = {
        "community": {"community_id": communities[0].id},
        "department": {"department_id": db.session.scalar(select(Department.id).filter_by(name="姑苏区民政局"))},
        "incubator": {"organization_id": organizations[1].id},
        "evaluator": {"organization_id": organizations[2].id},
    }
    for email, _name, role, scope in DEMO_PEOPLE:
        user = people[email]
        if role is not None:
            _get_or_create(RoleGrant, {"granted_at": now, "granted_by_id": admin.id}, user_id=user.id,
                           role=role.value, **{"community_id": None, "department_id": None,
                                               "organization_id": None, **bindings.get(scope, {})})
        if scope == "owner":
            _get_or_create(Membership, {"is_owner": True, "added_at": now, "added_by_id": admin.id},
                           user_id=user.id, organization_id=organizations[0].id)
        if scope == "resident":
            residence, new = _get_or_create(Residence, {"community_id": communities[0].id, "requested_at": now,
                                                        "status": "pending"}, user_id=user.id)
            if new:
                worker = people["worker@demo.market"]
                RESIDENCE_MACHINE.start(residence, user, "演示数据")
                RESIDENCE_MACHINE.move(residence, "verified", worker, "已在社区服务站核实")
                residence.method, residence.decided_at, residence.decided_by_id = "worker", now, worker.id
    # The second worker binding: the demo worker serves the first three communities of 平江街道.
    for community in communities[1:3]:
        _get_or_create(RoleGrant, {"granted_at": now, "granted_by_id": admin.id},
                       user_id=people["worker@demo.market"].id, role=Role.COMMUNITY_WORKER.value,
                       community_id=community.id, department_id=None, organization_id=None)
    db.session.commit()
    _seed_needs(people, communities[0])
    _demo_raters(people, communities)  # residents who ask in the journeys before they rate what answers them
    journey_people = journeys.seed_journeys(people, communities)
    _seed_procurement(people, organizations)
    _seed_contract(people, organizations, communities)
    _seed_evaluation(people, organizations, communities)
    owners = seed_philanthropy(people, organizations, communities)
    journeys.seed_answers(people, organizations)
    seed_topics(people, communities)
    newcomers = seed_waiting(people, organizations, communities)
    grid_people = seed_grid(people, communities)
    partnership_people = seed_partnership(people, communities)
    db.session.commit()  # the command's unit of work (the steps above commit as the clock moves)
    return [(email, name, role.value if role else {"owner": "organization owner"}.get(scope, scope))
            for email, name, role, scope in DEMO_PEOPLE] + [(email, name, "resident") for email, name in DEMO_RATERS] \
        + [(email, name, "organization owner") for email, name in owners] + journey_people \
        + [(email, name, "resident, to be verified") for email, name in newcomers] + grid_people + partnership_people


# (author, title, description, category, urgency, people, supporters, comments)
DEMO_NEEDS = [
    ("resident@demo.market", "独居老人助餐服务",
     "小区里有二十多位独居老人，腿脚不便，做饭困难。希望社区食堂每天中午送餐上门，费用能有补贴。",
     "elderly", "high", 25, ["neighbour@demo.market"], [("neighbour@demo.market", "我家楼上的王阿姨也需要，支持！")]),
    ("neighbour@demo.market", "高龄老人送餐上门",
     "80岁以上的老人越来越多，子女白天上班，午饭没有着落。希望有人每天送一顿热饭。",
     "elderly", "urgent", 18, ["resident@demo.market"], []),
    ("neighbour@demo.market", "楼道加装扶手和夜间照明",
     "老小区楼道没有扶手，晚上灯也不亮，老人上下楼经常摔倒。",
     "elderly", "normal", 60, [], []),
    ("resident@demo.market", "青少年暑期托管和课业辅导",
     "双职工家庭的孩子暑假没人照看，希望社区开设托管班，有志愿者辅导作业。",
     "youth", "normal", 40, ["neighbour@demo.market"], []),
]


def _seed_needs(people: dict, community: Community) -> None:
    """Two weeks of the demand side, only what is missing: needs with supports and comments; a
    request merged from two of them; a hearing last week that passed; the request put forward."""
    from datetime import timedelta

    categories = {c.code: c.id for c in db.session.scalars(select(ServiceCategory))}
    start = clock.now() - timedelta(days=14)
    created = {}
    with clock_at(start):
        for author, title, description, category, urgency, count, supporters, comments in DEMO_NEEDS:
            need = db.session.scalar(select(Need).filter_by(community_id=community.id, title=title))
            if need is None:
                need = needs.post_need(
                    people[author], needs.NeedData(title, description, categories[category], urgency, count)
                )
                for supporter in supporters:
                    needs.support_need(people[supporter], need)
                for commenter, body in comments:
                    needs.add_comment(people[commenter], need, body)
            created[title] = need
    title = "桐芳社区老年助餐服务"
    if db.session.scalar(select(CommunityRequest.id).filter_by(community_id=community.id, title=title)) is None:
        worker = people["worker@demo.market"]
        with clock_at(start + timedelta(days=3)):
            request = triage.create_request(
                worker,
                [created["独居老人助餐服务"].id, created["高龄老人送餐上门"].id],
                triage.RequestData(
                    title,
                    "为社区独居和80岁以上高龄老人提供工作日午餐配送，每餐补贴8元，预计服务45人。",
                    categories["elderly"],
                    45,
                    12_000_000,
                    "government_purchase",
                ),
            )
            hearing = hearings.schedule_hearing(worker, request, "hearing", start + timedelta(days=7, hours=11),
                                             "桐芳社区党群服务中心二楼会议室",
                                             "一、介绍助餐服务方案\n二、居民代表发言\n三、表决是否提交街道申请政府购买服务")
        with clock_at(start + timedelta(days=7, hours=11)):
            hearings.open_voting(worker, hearing)
            for resident in ("resident@demo.market", "neighbour@demo.market"):
                hearings.vote(people[resident], hearing, "for")
        with clock_at(start + timedelta(days=7, hours=13)):
            hearings.close_hearing(
                worker, hearing, 28, "到会居民28人。居民普遍认为助餐服务很有必要，同意提交街道申请政府购买服务。"
            )
        with clock_at(start + timedelta(days=8)):
            triage.forward_request(worker, request)


DEMO_CATALOG_ITEMS = [  # (code, category, name, description, competition)
    ("A01", "elderly", "居家养老上门服务", "助餐、助浴、助洁、陪诊等上门服务", "full"),
    ("A02", "elderly", "社区老年助餐服务", "社区长者食堂运营和送餐上门", "full"),
    ("B01", "mental_health", "青少年心理健康辅导", "学校和社区心理讲座、团体辅导和个案咨询", "moderate"),
    ("C01", "corrections", "社区矫正对象教育帮扶", "协助司法所开展教育、心理疏导和就业指导", "none"),
    ("D01", "environment", "垃圾分类宣传督导", "桶边督导、入户宣传和积分兑换", "full"),
]


def _seed_procurement(people: dict, organizations: list) -> None:
    """A published 2026 catalog of 姑苏区民政局, three organizations listed for elderly care, and an
    open tender answering the demo community request (only what is missing)."""
    from datetime import timedelta

    buyer, admin = people["purchaser@demo.market"], people["admin@demo.market"]
    department_id = next(g.department_id for g in buyer.grants if g.department_id)
    categories = {c.code: c.id for c in db.session.scalars(select(ServiceCategory))}
    now = clock.now()
    catalog, new = _get_or_create(
        PurchaseCatalog,
        {
            "title": "姑苏区民政局2026年政府购买服务指导目录",
            "status": "published",
            "created_at": now,
            "created_by_id": buyer.id,
            "published_at": now,
        },
        department_id=department_id,
        year=2026,
        version=1,
    )
    if new:
        catalog.items = [CatalogItem(position=i, code=code, category_id=categories[category], name=name,
                                     description=description, competition=competition)
                         for i, (code, category, name, description, competition) in enumerate(DEMO_CATALOG_ITEMS)]
        db.session.commit()
    elderly = categories["elderly"]
    for org in (organizations[0], organizations[9], organizations[1]):  # elderly care, a foundation, the incubator
        for year in (2024, 2025):
            _get_or_create(AnnualInspection, {"result": "qualified", "recorded_at": now, "recorded_by_id": admin.id},
                           organization_id=org.id, year=year)
        if db.session.scalar(select(UndertakerEntry.id).filter_by(organization_id=org.id, category_id=elderly)) is None:
            owner = next((m.user for m in org.members if m.is_owner), admin)
            if not owner.owns_organization(org.id):
                db.session.add(Membership(user_id=admin.id, organization_id=org.id, is_owner=True, added_at=now))
                db.session.commit()
                owner = admin
            (entry,) = undertakers.apply(owner, org, [elderly])
            undertakers.decide(admin, entry.id, approve=True)
    request = db.session.scalar(select(CommunityRequest).filter_by(title="桐芳社区老年助餐服务"))
    title = "桐芳社区老年助餐服务项目"
    if (
        request is not None
        and request.status == "forwarded"
        and db.session.scalar(select(Tender.id).filter_by(title=title)) is None
    ):
        item = next(i for i in catalog.items if i.code == "A02")
        tender = tenders.create_tender(
            buyer,
            tenders.TenderData(
                catalog_item_id=item.id,
                title=title,
                description="为桐芳社区45位独居和高龄老人提供工作日午餐配送，每餐补贴8元。",
                service_standards="每个工作日11点前送达；热食；菜品每周不重样；每月探访一次并记录老人状况。",
                budget_ceiling_fen=12_000_000,
                contract_months=12,
                method="open_tender",
                price_weight=30,
                criteria=[("服务方案", 40), ("团队与经验", 20), ("食品安全保障", 10)],
                questions_deadline=now + timedelta(days=10),
                bid_deadline=now + timedelta(days=25),
                opening_at=now + timedelta(days=25, hours=2),
                community_ids=[request.community_id],
                request_ids=[request.id],
            ),
        )
        tenders.publish(buyer, tender)


def _seed_contract(people: dict, organizations: list, communities: list) -> None:
    """The department's 2026 budget, and a tender run half a year ago that became a contract whose
    first tranche is paid: the money pages have something to show (only what is missing)."""
    buyer = people["purchaser@demo.market"]
    department_id = next(g.department_id for g in buyer.grants if g.department_id)
    start = clock.now() - timedelta(days=200)
    with clock_at(start - timedelta(days=1)):
        money.appropriate(
            buyer, department_id, 300_000_000, "姑苏财社〔2026〕12号 2026年度政府购买服务预算", "demo2026"
        )
    contract = _contract_from_tender(
        people, organizations, communities, start, 12, 30_000_000, "平江街道居家养老上门服务项目",
        "为平江街道三个社区的失能、半失能老人提供助浴、助洁、陪诊等上门服务。",
        "每位老人每月上门不少于4次；服务人员持证上岗；服务记录由老人或家属签字确认。",
        [28_600_000, 29_500_000, 27_800_000])
    if contract is None:
        return
    first = contract.milestones[0]
    _deliver(
        people,
        contract,
        first,
        "完成首期服务：建立服务对象档案62份，上门助浴318人次、助洁406人次、陪诊57人次；开展护理员培训2次。",
        62,
        [("人员经费", 7_680_000, 7_512_000), ("耗材与交通", 900_000, 861_500)],
    )
    _accept_and_pay(people, contract, first)


def _contract_from_tender(people, organizations, communities, start, months, ceiling_fen, title, description,
                          standards, prices, score_tie=None, request_ids=()):
    """Run an open tender from `start` to a signed contract (organizations[0] wins), answering the
    community requests `request_ids`; None if it exists."""
    buyer, admin, expert = people["purchaser@demo.market"], people["admin@demo.market"], people["expert@demo.market"]
    if db.session.scalar(select(Tender.id).filter_by(title=title)) is not None:
        return None
    item = db.session.scalar(select(CatalogItem).filter_by(code="A01"))
    with clock_at(start):
        tender = tenders.create_tender(buyer, tenders.TenderData(
            catalog_item_id=item.id, title=title, description=description, service_standards=standards,
            budget_ceiling_fen=ceiling_fen, contract_months=months, method="open_tender", price_weight=30,
            criteria=[("服务方案", 40), ("团队与经验", 30)], questions_deadline=start + timedelta(days=10),
            bid_deadline=start + timedelta(days=21), opening_at=start + timedelta(days=21, hours=2),
            community_ids=[c.id for c in communities[:3]], request_ids=list(request_ids)))
        tenders.publish(buyer, tender)
        awards.add_expert(buyer, tender, expert)
    bidders = [(organizations[0], people["org@demo.market"]), (organizations[9], admin), (organizations[1], admin)]
    with clock_at(start + timedelta(days=5)):
        for (org, owner), price in zip(bidders, prices):
            bids.submit_bid(owner, tender, org, bids.BidData(
                f"{org.name}的服务方案", "护理员8名、社工2名", "按月排班上门服务", price,
                [("人员经费", price - 3_000_000), ("耗材与交通", 3_000_000)]))
    with clock_at(start + timedelta(days=21, hours=3)):
        tenders.advance(tender)
        db.session.commit()
        valid = awards.valid_bids(tender)
        awards.declare(expert, tender, {b.id: (False, "") for b in valid})
        criteria = [c.id for c in tender.criteria]
        for b, points in zip(valid, [(38, 27), (33, 25), (30, 22)]):
            awards.score(
                expert, tender, b.id, dict(zip(criteria, points)), {c: "方案完整，人员配备合理" for c in criteria}
            )
        ranking = awards.complete(buyer, tender)
        awards.award(buyer, tender, ranking[0].bid_id)
    contract = signing.contract_of_tender(tender.id)
    with clock_at(day(contract.starts_on)):  # the day after the award's notice period
        if score_tie:
            tied_terms = terms.Terms(
                contract.price_fen,
                contract.starts_on,
                contract.ends_on,
                contract.service_standards,
                [terms.MilestoneTerms(m.title, m.deliverables, m.due_on, m.share_bp) for m in contract.milestones],
                *score_tie,
            )
            signing.update_terms(buyer, contract, tied_terms)
        signing.sign(buyer, contract, "purchaser")
        signing.sign(people["org@demo.market"], contract, "organization")
    return contract


def _deliver(people, contract, milestone, activities: str, served: int, spending) -> None:
    with clock_at(day(milestone.due_on)):
        delivery.submit_report(people["org@demo.market"], contract, milestone.id, delivery.ReportData(
            activities, served, [delivery.SpendingData(*line) for line in spending]))


def _accept_and_pay(people, contract, milestone, pay: bool = True) -> None:
    buyer = people["purchaser@demo.market"]
    with clock_at(day(milestone.due_on) + timedelta(days=2)):
        payment.decide(buyer, contract, milestone.id, "accepted")
    if pay and milestone.status == "accepted":
        with clock_at(day(milestone.due_on) + timedelta(days=9)):
            payment.pay(buyer, contract, milestone.id)


DEMO_RATERS = [("rater1@demo.market", "陈秀英"), ("rater2@demo.market", "黄志明"), ("rater3@demo.market", "周桂兰"),
               ("rater4@demo.market", "吴国平")]
# (indicator code, points) of the mid-term and final evaluations; 3.3 is not applicable at mid-term.
MID_TERM_SHEET = {"1.1": "5", "1.2": "4", "2.1": "18", "2.2": "17", "2.3": "9", "3.1": "13", "3.2": "8", "3.3": "na"}
FINAL_SHEET = {"1.1": "4", "1.2": "4", "2.1": "15", "2.2": "15", "2.3": "8", "3.1": "11", "3.2": "7", "3.3": "3"}


def _seed_evaluation(people: dict, organizations: list, communities: list) -> None:
    """A contract run from January to October whose last tranche followed the final evaluation: six
    residents rated it, the organization rated the department twice, a mid-term and a final
    evaluation were published; and the demo organization was graded 4A (only what is missing). Its
    tender answers three communities' requests (journeys.py), whose askers are the six who rate it."""
    buyer, owner = people["purchaser@demo.market"], people["org@demo.market"]
    evaluator = people["evaluator@demo.market"]
    rubrics.ensure_defaults()
    start = clock.now() - timedelta(days=310)
    contract = _contract_from_tender(
        people, organizations, communities, start, 8, 20_000_000, journeys.VISITS_CONTRACT,
        "为平江街道三个社区的独居老人提供定期探访、助洁和健康讲座。",
        "每位老人每月探访不少于2次；每季度健康讲座1次；探访记录由老人签字确认。",
        [18_800_000, 19_600_000, 19_900_000], score_tie=(60, 80),
        request_ids=journeys.requests_answered_by(journeys.VISITS_CONTRACT))
    if contract is None:
        return
    first, second, last = contract.milestones
    _deliver(people, contract, first, "建档独居老人48人，完成探访412人次、助洁126次；举办健康讲座1场。", 48,
             [("人员经费", 4_800_000, 4_650_000), ("活动与耗材", 840_000, 802_000)])
    _accept_and_pay(people, contract, first)
    with clock_at(day(first.due_on) + timedelta(days=12)):
        ratings.rate_department(owner, contract, f"milestone:{first.id}", {"paid_on_time": 5, "clear_requirements": 4,
                                                                            "no_interference": 4},
                                "验收及时，付款在约定期限内到账；部分服务标准需进一步细化。")
    _deliver(people, contract, second, "探访521人次、助洁158次；为12位老人链接家庭医生签约；举办健康讲座1场。", 52,
             [("人员经费", 6_400_000, 6_380_000), ("活动与耗材", 1_120_000, 1_090_000)])
    _accept_and_pay(people, contract, second)
    raters = [people["resident@demo.market"], people["neighbour@demo.market"]] + _demo_raters(people, communities)
    with clock_at(day(second.due_on) + timedelta(days=5)):
        ratings.register_beneficiaries(owner, contract, "resident@demo.market\nneighbour@demo.market")
        codes = ratings.issue_codes(owner, contract, 6)
        comments = [
            "探访员很耐心，每次都帮我量血压。",
            "希望助洁次数再多一些。",
            "讲座内容实用。",
            "",
            "服务人员准时。",
            "有时探访时间临时变动。",
        ]
        for rater, stars, comment, code in zip(raters, [5, 4, 5, 4, 4, 3], comments, ["", ""] + codes):
            ratings.rate(rater, contract, stars, comment, code)
    evaluator_org = organizations[2]
    performance = db.session.scalar(select(Rubric).where(Rubric.purpose == "performance", Rubric.status == "published")
                                    .order_by(Rubric.id))
    for kind, sheet, moment in (("mid_term", MID_TERM_SHEET, day(second.due_on) + timedelta(days=10)),
                                ("final", FINAL_SHEET, day(last.due_on) + timedelta(days=3))):
        if kind == "final":
            _deliver(people, contract, last, "全年累计探访1350人次、助洁402次、讲座3场；服务对象档案完整移交社区。", 50,
                     [("人员经费", 4_800_000, 4_790_000), ("活动与耗材", 840_000, 836_000)])
            _accept_and_pay(people, contract, last)  # held: the tranche waits for the final score
        with clock_at(moment):
            evaluation = evaluations.commission(buyer, contract, kind, evaluator_org.id, performance.id,
                                                (moment + timedelta(days=14)).date())
            evaluations.declare(evaluator, evaluation, False, "")
            if kind == "mid_term":  # checks are the commissioned evaluator's to record
                delivery.record_inspection(evaluator, contract, "site_visit", clock.today(),
                                            "随机走访8户老人，探访记录与实际相符，老人满意。", second.id)
            codes_of = {i.code: i.id for i in performance.indicators}
            evaluations.save_scores(
                evaluator,
                evaluation,
                {codes_of[c]: evaluations.Entry(v, "查阅服务台账、签到表，入户走访8户") for c, v in sheet.items()},
            )
            evaluations.submit(evaluator, evaluation, "服务按合同推进，记录完整；建议增加助洁频次，稳定探访时间。"
                               if kind == "mid_term" else "全年目标基本完成，服务数量略低于约定，可持续性有待加强。")
        with clock_at(moment + timedelta(days=3)):
            evaluations.publish(buyer, evaluation)
    if last.status == "accepted":
        with clock_at(day(last.due_on) + timedelta(days=9)):
            payment.pay(buyer, contract, last.id)
    with clock_at(day(last.due_on) + timedelta(days=12)):
        ratings.rate_department(
            owner,
            contract,
            "contract",
            {"paid_on_time": 5, "clear_requirements": 4, "no_interference": 5},
            "全年合作顺畅，末期款按评估结果及时支付。",
        )
    _seed_grade(people, organizations[0], evaluator_org)


def _demo_raters(people: dict, communities: list) -> list:
    raters = []
    for index, (email, name) in enumerate(DEMO_RATERS):
        user, new = _get_or_create(User, lambda name=name: {
            "display_name": name, "created_at": clock.now(), "locale": "zh", "session_token": secrets.token_hex(16),
            "password_hash": hash_password(DEMO_PASSWORD)}, email=email)
        if new:
            residence = Residence(user_id=user.id, community_id=communities[index % 3].id, requested_at=clock.now(),
                                  status="pending")
            db.session.add(residence)
            db.session.flush()
            RESIDENCE_MACHINE.start(residence, user, "演示数据")
            RESIDENCE_MACHINE.move(residence, "verified", people["worker@demo.market"], "已在社区服务站核实")
            db.session.commit()
        raters.append(user)
    return raters


def _seed_grade(people: dict, org, evaluator_org) -> None:
    """The demo organization applied for a grade two months ago and holds 4A since last month."""
    if db.session.scalar(select(GradeApplication.id).filter_by(organization_id=org.id)) is not None:
        return
    owner, admin, evaluator = people["org@demo.market"], people["admin@demo.market"], people["evaluator@demo.market"]
    rubric = db.session.scalar(select(Rubric).where(Rubric.name.like("%江苏%")))
    start = clock.now() - timedelta(days=60)
    with clock_at(start):
        application = grading.apply(owner, org, rubric.id, "中心成立以来运营三个社区日间照料中心，理事会按章程换届，"
                                    "财务经第三方审计；近三年服务老人1.2万人次。")
        evaluation = grading.assign(admin, application, evaluator_org.id, (start + timedelta(days=20)).date())
    with clock_at(start + timedelta(days=10)):
        evaluations.declare(evaluator, evaluation, False, "")
        # 91% of every regular indicator (read on the cap's 1,000-point scale), and 9 bonus points for an
        # innovation (6.2): a 4A total.
        bonus = {"6.1": Decimal(0), "6.2": Decimal(9)}
        entries = {
            i.id: evaluations.Entry(
                str(bonus.get(i.code, (i.points * Decimal("0.91")).quantize(Decimal("0.01")))),
                "查阅章程、会议纪要、审计报告，实地查看日间照料中心",
            )
            for i in rubric.indicators
            if i.source == "manual"
        }
        evaluations.save_scores(evaluator, evaluation, entries)
        evaluations.submit(evaluator, evaluation, "内部治理规范，服务成效突出，党建工作扎实。")
    with clock_at(start + timedelta(days=15)):
        grading.decide(admin, application, "评估委员会审定，同意评估机构意见。")
    with clock_at(start + timedelta(days=30)):
        grading.issue(admin, application)
