"""Needs and open tenders on the city's other common topics (mental health, disability, waste
sorting, community corrections, home care), so that search and the lists have something to find
beyond elderly meals. Only what is missing is added."""
from datetime import timedelta

from sqlalchemy import select

from market import clock
from market.extensions import db
from market.needs import needs
from market.needs.models import Need
from market.organizations.models import ServiceCategory
from market.procurement import tenders
from market.procurement.models import CatalogItem, PurchaseCatalog, Tender

TOPIC_NEEDS = [  # (author, title, description, category, urgency, people affected)
    ("neighbour@demo.market", "希望开展居家养老上门服务",
     "小区独居和空巢老人多，希望有居家养老上门服务：定期探访、助洁、陪同就医，子女上班也能放心。",
     "elderly", "high", 35),
    ("resident@demo.market", "残疾人康复训练和助残服务",
     "社区有十几位残疾人，去区里做康复训练路远不方便，希望社区有助残服务和康复指导。",
     "disability", "normal", 14),
    ("resident@demo.market", "初中生学习压力大，需要心理辅导",
     "孩子们学习压力大，有的不愿上学。希望社区开设青少年心理健康辅导和家长课堂。",
     "mental_health", "high", 30),
    ("neighbour@demo.market", "垃圾分类桶边督导志愿者不够",
     "投放点经常混投，晚上没人督导。希望有垃圾分类宣传和桶边督导，积分兑换调动大家积极性。",
     "environment", "normal", 800),
    ("resident@demo.market", "社区矫正对象的就业帮扶",
     "希望社区配合司法所做好社区矫正对象的教育帮扶和就业指导，帮助他们回归社会，邻居也安心。",
     "corrections", "low", 6),
]

TOPIC_TENDERS = [  # (catalog item code, title, description, standards, ceiling in fen, criteria)
    ("B01", "沧浪街道青少年心理健康辅导项目",
     "为辖区中小学生开展心理健康讲座、团体辅导和个案咨询，每学期覆盖学生不少于600人次。",
     "持证心理咨询师不少于2名；个案记录保密；每月提交服务报告。", 18_000_000,
     [("服务方案", 40), ("专业团队", 25), ("保密与伦理", 5)]),
    ("C01", "姑苏区社区矫正对象教育帮扶项目",
     "协助区司法局对社区矫正对象开展集中教育、心理疏导和就业指导，每人每月至少一次个别帮扶。",
     "社工持证上岗；帮扶记录按月报司法所；不得泄露矫正对象信息。", 9_600_000,
     [("服务方案", 40), ("团队与经验", 30)]),
    ("D01", "平江街道垃圾分类宣传督导项目",
     "在平江街道28个小区投放点开展垃圾分类桶边督导、入户宣传和积分兑换，提高分类准确率。",
     "每个投放点早晚高峰各督导2小时；每季度入户宣传一次；分类准确率达到85%以上。", 15_000_000,
     [("服务方案", 40), ("志愿者组织", 20), ("效果评估", 10)]),
]


def seed_topics(people: dict, communities: list) -> None:
    categories = {c.code: c.id for c in db.session.scalars(select(ServiceCategory))}
    for author, title, description, category, urgency, count in TOPIC_NEEDS:
        if db.session.scalar(select(Need.id).filter_by(title=title)) is None:
            needs.post_need(people[author], needs.NeedData(title, description, categories[category], urgency, count))
    buyer = people["purchaser@demo.market"]
    items = {i.code: i for i in db.session.scalars(
        select(CatalogItem).join(PurchaseCatalog).where(PurchaseCatalog.year == 2026))}
    now = clock.now()
    for code, title, description, standards, ceiling, criteria in TOPIC_TENDERS:
        if db.session.scalar(select(Tender.id).filter_by(title=title)) is not None or code not in items:
            continue
        tender = tenders.create_tender(buyer, tenders.TenderData(
            catalog_item_id=items[code].id, title=title, description=description, service_standards=standards,
            budget_ceiling_fen=ceiling, contract_months=12, method="open_tender", price_weight=30, criteria=criteria,
            questions_deadline=now + timedelta(days=12), bid_deadline=now + timedelta(days=28),
            opening_at=now + timedelta(days=28, hours=2), community_ids=[c.id for c in communities[:2]],
            request_ids=[]))
        tenders.publish(buyer, tender)
