"""A city at scale for benchmarks: `flask seed city --scale 1.0` makes about 15,000 organizations,
1,200 communities in 104 streets and towns, 200,000 needs with their supports, 60,000 tenders with
300,000 sealed bids, 20,000 contracts with milestones, payments and their ledger, 1,000,000
residents' ratings, grades and venture-philanthropy rounds; `--scale 0.1` a tenth of it.

Rows go in with bulk INSERTs in batches, ids chosen here (and PostgreSQL's sequences moved past
them at the end), so the city is built in minutes on either database. What it writes obeys the
same rules as the services: sealed bids are encrypted with their digests, every ledger
transaction balances and account balances equal their entries, ratings are one per resident,
contract and year. It is history, not decisions made here, so the audit log does not record it.
"""
import random
import secrets
from collections import defaultdict
from datetime import date, datetime, timedelta

from sqlalchemy import func, select, text

from market import clock
from market.accounts.roles import Role
from market.core.security import hash_password
from market.evaluation import rubrics
from market.extensions import db
from market.money.models import Account
from market.needs.models import URGENCY_RANK
from market.organizations import credit_code
from market.organizations.models import ServiceCategory
from market.places.models import Community, Department, Street
from market.procurement import sealing

SIZES = {  # at scale 1.0
    "organizations": 15_000, "communities": 1_200, "streets": 104, "residents": 60_000, "needs": 200_000,
    "tenders": 60_000, "bids_per_tender": 5, "contracts": 20_000, "ratings_per_contract": 50, "grades": 3_000,
    "rounds": 20, "proposals_per_round": 12,
}
BATCH = 5_000
PASSWORD = "Market-city-2026"

TOPICS = {  # category code: (service words, what residents ask for)
    "elderly": ("居家养老上门服务", "独居老人助餐和上门探访"),
    "disability": ("助残康复服务", "残疾人康复训练和辅助就业"),
    "youth": ("青少年成长服务", "青少年课后托管和成长辅导"),
    "corrections": ("社区矫正帮扶", "社区矫正对象教育和就业帮扶"),
    "mental_health": ("心理健康辅导", "青少年和家长心理健康辅导"),
    "environment": ("垃圾分类宣传督导", "垃圾分类桶边督导和河道保洁"),
    "culture_sports": ("社区文体活动", "广场舞场地和老年文体活动"),
    "legal_aid": ("法律援助服务", "老年人和困难群众法律咨询"),
    "health": ("社区健康服务", "慢病管理和义诊进社区"),
    "employment": ("就业指导服务", "失业人员技能培训和就业指导"),
    "property": ("老旧小区物业服务", "老旧小区物业管理和维修"),
    "mediation": ("邻里纠纷调解", "邻里和物业纠纷调解"),
    "assistance": ("困难家庭救助服务", "困难家庭帮扶和临时救助"),
    "family": ("妇女儿童家庭服务", "儿童之家和家庭教育指导"),
    "volunteering": ("志愿服务组织", "社区志愿者招募和培训"),
    "capacity": ("社会组织培育", "社区社会组织孵化和培训"),
}
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = "秀英桂兰志明建华丽华晓梅国强海燕玉兰振华雪梅德明丽娟文杰淑珍永刚红霞春生凤英小平建国婷婷子涵浩然欣怡宇轩"
NAME_PARTS = (
    "阳光",
    "同心",
    "乐龄",
    "心桥",
    "启航",
    "和谐",
    "邻里",
    "惠民",
    "友善",
    "暖心",
    "绿色家园",
    "新航",
    "仁爱",
    "康乐",
    "春晖",
    "善行",
    "益家",
    "众诚",
    "明德",
    "向日葵",
)
METHODS = ("open_tender", "open_tender", "open_tender", "competitive_consultation", "competitive_negotiation",
           "request_for_quotation", "invited_tender", "single_source")
TENDER_FATES = (("contracted", 1 / 3), ("published", 0.10), ("opened", 0.04), ("evaluated", 0.04), ("awarded", 0.05),
                ("failed", 0.25), ("cancelled", 0.1233))


class City:
    def __init__(self, scale: float, progress=lambda label, n: None, seed: int = 2026):
        if not 0 < scale <= 1:
            raise ValueError("scale is a fraction of the city: above 0, at most 1")
        self.scale, self.progress, self.rng = scale, progress, random.Random(seed)
        self.now = clock.now().replace(microsecond=0)
        self.size = {k: v if k.endswith(("_per_tender", "_per_contract", "_per_round")) or k == "streets"
                     else max(1, round(v * scale)) for k, v in SIZES.items()}
        self.size["communities"] = max(self.size["communities"], 1)
        self.table = db.metadata.tables
        self.next_id = {}
        self.inserted = defaultdict(int)

    # --- plumbing ------------------------------------------------------------------------------------

    def ids(self, table: str, count: int) -> range:
        if table not in self.next_id:
            self.next_id[table] = (db.session.scalar(select(func.max(self.table[table].c.id))) or 0) + 1
        start = self.next_id[table]
        self.next_id[table] = start + count
        return range(start, start + count)

    def insert(self, table: str, rows: list[dict]) -> None:
        for start in range(0, len(rows), BATCH):
            db.session.execute(self.table[table].insert(), rows[start:start + BATCH])
        self.inserted[table] += len(rows)

    def moment(self, days_ago_low: int, days_ago_high: int) -> datetime:
        return self.now - timedelta(days=self.rng.uniform(days_ago_low, days_ago_high))

    def person_name(self) -> str:
        return self.rng.choice(SURNAMES) + "".join(self.rng.sample(GIVEN, 2))

    # --- the city ----------------------------------------------------------------------------------

    def build(self) -> dict:
        steps = (("places", self.places), ("people", self.people), ("organizations", self.organizations),
                 ("needs", self.needs), ("catalogs", self.catalogs), ("tenders and bids", self.tenders),
                 ("contracts and money", self.contracts), ("ratings", self.ratings), ("grades", self.grades),
                 ("rounds", self.rounds))
        for label, step in steps:
            step()
            db.session.commit()
            self.progress(label, 1)
        self.move_sequences()
        db.session.commit()
        # Planner statistics for the new rows: SQLite keeps none until asked, PostgreSQL's autovacuum
        # gets there later; plans chosen without them read whole tables.
        with db.engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE"))
        return dict(self.inserted)

    def places(self) -> None:
        streets = db.session.execute(select(Street.id, Street.district_id)).all()
        districts = sorted({d for _s, d in streets})
        missing = max(
            0, round(self.size["streets"] * max(self.scale, len(streets) / self.size["streets"])) - len(streets)
        )
        rows = [{"id": i, "district_id": districts[n % len(districts)], "name": f"新城{n + 1}街道", "kind": "street"}
                for n, i in enumerate(self.ids("street", missing))]
        self.insert("street", rows)
        street_ids = [s for s, _d in streets] + [r["id"] for r in rows]
        have = db.session.scalar(select(func.count(Community.id)))
        wanted = max(have, self.size["communities"])
        self.insert("community", [{"id": i, "street_id": street_ids[n % len(street_ids)], "name": f"幸福{n + 1}社区",
                                   "kind": "community", "households": self.rng.randint(800, 4000)}
                                  for n, i in enumerate(self.ids("community", wanted - have))])
        places = db.session.execute(select(Community.id, Street.id, Street.district_id)
                                    .join(Street, Community.street_id == Street.id)).all()
        self.communities = [c for c, _s, _d in places]
        self.district_of = {c: d for c, _s, d in places}
        self.districts = sorted({d for _c, _s, d in places})

    def people(self) -> None:
        password = hash_password(PASSWORD)  # one hash for every generated person: building, not logging in
        count = self.size["residents"]
        ids = self.ids("user", count)
        self.insert("user", [{"id": i, "email": f"city{i}@residents.market", "display_name": self.person_name(),
                              "password_hash": password, "created_at": self.moment(400, 1200),
                              "session_token": secrets.token_hex(16)} for i in ids])
        self.residents = list(ids)
        self.home = {user: self.rng.choice(self.communities) for user in self.residents}
        self.residents_of = defaultdict(list)
        for user, community in self.home.items():
            self.residents_of[community].append(user)
        self.insert("residence", [{"id": r, "user_id": u, "community_id": self.home[u], "status": "verified",
                                   "requested_at": self.moment(400, 900), "method": "worker"}
                                  for r, u in zip(self.ids("residence", count), self.residents)])
        # One purchaser per department (kept when the city is generated again on top).
        departments = db.session.execute(select(Department.id, Department.district_id)).all()
        users = self.table["user"]
        existing = dict(db.session.execute(select(users.c.email, users.c.id)
                                           .where(users.c.email.like("buyer%@city.market"))).all())
        missing = [(d, x) for d, x in departments if f"buyer{d}@city.market" not in existing]
        buyers = self.ids("user", len(missing))
        self.insert("user", [{"id": b, "email": f"buyer{d}@city.market", "display_name": self.person_name(),
                              "password_hash": password, "created_at": self.moment(900, 1200),
                              "session_token": secrets.token_hex(16)} for b, (d, _district) in zip(buyers, missing)])
        self.insert("role_grant", [{"id": g, "user_id": b, "role": Role.PURCHASER.value, "department_id": d,
                                    "granted_at": self.now} for g, b, (d, _x) in
                                   zip(self.ids("role_grant", len(missing)), buyers, missing)])
        existing.update({f"buyer{d}@city.market": b for b, (d, _x) in zip(buyers, missing)})
        buyers = [existing[f"buyer{d}@city.market"] for d, _x in departments]
        self.buyer_of = {d: b for b, (d, _x) in zip(buyers, departments)}
        self.departments = departments
        self.admin = buyers[0]

    def organizations(self) -> None:
        self.categories = {c.code: c.id for c in db.session.scalars(select(ServiceCategory))}
        codes = list(self.categories)
        count = self.size["organizations"]
        ids = self.ids("organization", count)
        owners = self.ids("user", count)
        rows, links, served, members, owners_rows = [], [], [], [], []
        self.org_category = {}
        for n, (org_id, owner) in enumerate(zip(ids, owners)):
            code = codes[n % len(codes)]
            district = self.districts[n % len(self.districts)]
            service = TOPICS[code][0]
            name = f"苏州市{self.rng.choice(NAME_PARTS)}{service[:4]}服务中心{org_id}号"
            rows.append(
                {
                    "id": org_id,
                    "name": name[:100],
                    "credit_code": credit_code.make("5", "2", "320508", f"{org_id:08d}"),
                    "org_type": "social_service",
                    "registered_on": date(2010, 1, 1) + timedelta(days=n % 5000),
                    "registration_authority": "苏州市民政局",
                    "district_id": district,
                    "description": f"专业从事{service}，{TOPICS[code][1]}。",
                    "staff_count": self.rng.randint(2, 40),
                    "volunteer_count": self.rng.randint(0, 300),
                    "status": "approved",
                    "created_at": self.moment(700, 1200),
                    "created_by_id": owner,
                }
            )
            links.append({"organization_id": org_id, "category_id": self.categories[code]})
            self.org_category[org_id] = self.categories[code]
            for community in self.rng.sample(self.communities, 2):
                served.append({"organization_id": org_id, "community_id": community})
            owners_rows.append({"id": owner, "email": f"owner{org_id}@orgs.market", "display_name": self.person_name(),
                                "password_hash": "!", "created_at": self.moment(700, 1200),
                                "session_token": secrets.token_hex(16)})
            members.append({"user_id": owner, "organization_id": org_id, "is_owner": True, "added_at": self.now})
        self.insert("user", owners_rows)
        self.insert("organization", rows)
        self.insert("organization_category", links)
        self.insert("organization_community", served)
        self.insert("membership", [{"id": i, **m} for i, m in zip(self.ids("membership", len(members)), members)])
        self.orgs_by_category = defaultdict(list)
        for org_id, category in self.org_category.items():
            self.orgs_by_category[category].append(org_id)
        self.owner_of = dict(zip(ids, owners))

    def needs(self) -> None:
        count = self.size["needs"]
        codes = list(self.categories)
        urgencies = list(URGENCY_RANK)
        needs, supports = [], []
        support_ids = iter(self.ids("need_support", count * 5))
        for need_id in self.ids("need", count):
            community = self.rng.choice(self.communities)
            neighbours = self.residents_of.get(community) or self.residents
            author = self.rng.choice(neighbours)
            code = self.rng.choice(codes)
            backers = self.rng.sample(neighbours, min(len(neighbours), self.rng.randint(0, 4)))
            backers = [b for b in backers if b != author]
            created = self.moment(1, 700)
            urgency = self.rng.choice(urgencies)
            needs.append(
                {
                    "id": need_id,
                    "community_id": community,
                    "author_id": author,
                    "category_id": self.categories[code],
                    "title": f"希望社区开展{TOPICS[code][1]}"[:120],
                    "description": f"小区居民反映：{TOPICS[code][1]}需求迫切，希望社区和街道帮助解决。（{need_id}）",
                    "urgency": urgency,
                    "urgency_rank": URGENCY_RANK[urgency],
                    "people_affected": self.rng.randint(1, 200),
                    "status": "open",
                    "support_count": len(backers),
                    "created_at": created,
                    "updated_at": created,
                }
            )
            supports.extend({"id": next(support_ids), "need_id": need_id, "user_id": b, "created_at": created}
                            for b in backers)
            if len(needs) >= BATCH * 4:
                self.insert("need", needs)
                self.insert("need_support", supports)
                needs, supports = [], []
                self.progress("needs", 0)
        self.insert("need", needs)
        self.insert("need_support", supports)

    def catalogs(self) -> None:
        """A published 2026 catalog per department listing every category (kept and completed when present)."""
        catalog, item = self.table["purchase_catalog"], self.table["catalog_item"]
        found = db.session.execute(select(catalog.c.department_id, catalog.c.id).where(
            catalog.c.year == 2026, catalog.c.status == "published")).all()
        catalog_of = dict(found)
        self.items = {(d, c): i for d, c, i in db.session.execute(
            select(catalog.c.department_id, item.c.category_id, item.c.id)
            .join(catalog, item.c.catalog_id == catalog.c.id).where(catalog.c.id.in_(list(catalog_of.values()))))}
        catalogs, items = [], []
        missing = [d for d, _x in self.departments if d not in catalog_of]
        for catalog_id, department in zip(self.ids("purchase_catalog", len(missing)), missing):
            catalogs.append({"id": catalog_id, "department_id": department, "year": 2026, "version": 1,
                             "title": "2026年政府购买服务指导目录", "status": "published", "created_at": self.now,
                             "created_by_id": self.buyer_of[department], "published_at": self.now})
            catalog_of[department] = catalog_id
        for department, _x in self.departments:
            for position, (code, category_id) in enumerate(self.categories.items(), 100):
                if (department, category_id) not in self.items:
                    (item_id,) = self.ids("catalog_item", 1)
                    items.append({"id": item_id, "catalog_id": catalog_of[department], "position": position,
                                  "code": f"C{position}", "category_id": category_id, "name": TOPICS[code][0],
                                  "competition": "full"})
                    self.items[department, category_id] = item_id
        self.insert("purchase_catalog", catalogs)
        self.insert("catalog_item", items)

    def tenders(self) -> None:
        count = self.size["tenders"]
        fates = [fate for fate, share in TENDER_FATES for _ in range(round(share * 3000))]
        contracted_wanted = self.size["contracts"]
        tenders, criteria, served, bids, results, awards = [], [], [], [], [], []
        self.awarded = []  # (tender, department, category, winner org, bid price, ceiling, status)
        bid_ids = iter(self.ids("bid", count * 8))
        codes = {v: k for k, v in self.categories.items()}
        self.bid_categories = sorted(c for c, orgs in self.orgs_by_category.items() if orgs)
        for n, tender_id in enumerate(self.ids("tender", count)):
            fate = "contracted" if n < contracted_wanted else self.rng.choice([f for f in fates if f != "contracted"])
            department, district = self.departments[n % len(self.departments)]
            category = self.rng.choice(self.bid_categories)
            ceiling = self.rng.randrange(50_000, 2_000_000) * 100
            days = self.rng.uniform(2, 15) if fate == "published" else self.rng.uniform(60, 900)
            published = self.now - timedelta(days=days)
            deadline = published + timedelta(days=21)
            opened = fate not in ("published", "cancelled") and deadline < self.now
            method = self.rng.choice(METHODS)
            title = f"{TOPICS[codes[category]][0]}项目（{tender_id}号）"
            tenders.append(
                {
                    "id": tender_id,
                    "department_id": department,
                    "catalog_item_id": self.items[department, category],
                    "category_id": category,
                    "title": title,
                    "description": f"面向辖区居民提供{TOPICS[codes[category]][1]}。",
                    "service_standards": "按合同约定的服务标准执行，按月提交服务报告。",
                    "budget_ceiling_fen": ceiling,
                    "contract_months": 12,
                    "method": method,
                    "price_weight": 30,
                    "questions_deadline": published + timedelta(days=10),
                    "bid_deadline": deadline,
                    "opening_at": deadline + timedelta(hours=2),
                    "status": fate,
                    "created_at": published - timedelta(days=3),
                    "created_by_id": self.buyer_of[department],
                    "published_at": published,
                    "opened_at": deadline + timedelta(hours=2) if opened else None,
                    "min_grade": 0,
                }
            )
            criteria += [{"tender_id": tender_id, "position": 0, "name": "服务方案", "points": 40},
                         {"tender_id": tender_id, "position": 1, "name": "团队与经验", "points": 30}]
            served.append({"tender_id": tender_id, "community_id": self.rng.choice(self.communities)})
            pool = self.orgs_by_category[category]
            bidders = self.rng.sample(pool, min(len(pool), self.rng.randint(3, 7)))
            priced = []
            for org in bidders:
                price = ceiling - self.rng.randrange(0, ceiling // 5 // 100) * 100
                payload = {
                    "tender": tender_id,
                    "organization": org,
                    "proposal": f"{TOPICS[codes[category]][0]}服务方案",
                    "team": "社工3名",
                    "delivery_plan": "按月推进",
                    "price_fen": price,
                    "budget_lines": [],
                    "attachments": [],
                    "version": 1,
                }
                bid_id = next(bid_ids)
                bids.append({"id": bid_id, "tender_id": tender_id, "organization_id": org, "status": "submitted",
                             "sealed": sealing.seal(payload), "digest": sealing.digest(payload), "version": 1,
                             "submitted_at": deadline - timedelta(days=1), "submitted_by_id": self.owner_of[org],
                             "price_fen": price if opened else None, "opened_at": tenders[-1]["opened_at"]})
                priced.append((bid_id, org, price))
            if fate in ("evaluated", "awarded", "contracted") and priced:
                ranked = sorted(priced, key=lambda b: (b[2], b[0]))
                for rank, (bid_id, _org, price) in enumerate(ranked, 1):
                    total = f"{max(50, 96 - rank * 3)}.00"
                    results.append({"tender_id": tender_id, "bid_id": bid_id, "technical": "60.00",
                                    "price_score": f"{30 * ranked[0][2] / price:.2f}", "total": total, "rank": rank})
                if fate in ("awarded", "contracted"):
                    bid_id, winner, price = ranked[0]
                    awarded_at = deadline + timedelta(days=5)
                    awards.append({"tender_id": tender_id, "bid_id": bid_id, "awarded_at": awarded_at,
                                   "awarded_by_id": self.buyer_of[department],
                                   "notice_ends_at": awarded_at + timedelta(days=9)})
                    if fate == "contracted":
                        self.awarded.append((tender_id, department, category, winner, price, ceiling, awarded_at,
                                             tenders[-1]["title"]))
            if len(tenders) >= BATCH:
                self._flush_tenders(tenders, criteria, served, bids, results, awards)
                tenders, criteria, served, bids, results, awards = [], [], [], [], [], []
                self.progress("tenders", 0)
        self._flush_tenders(tenders, criteria, served, bids, results, awards)

    def _flush_tenders(self, tenders, criteria, served, bids, results, awards) -> None:
        self.insert("tender", tenders)
        self.insert("tender_criterion", [{"id": i, **c} for i, c in zip(self.ids("tender_criterion", len(criteria)),
                                                                        criteria)])
        self.insert("tender_community", served)
        self.insert("bid", bids)
        self.insert("bid_result", [{"id": i, **r} for i, r in zip(self.ids("bid_result", len(results)), results)])
        self.insert("award", [{"id": i, **a} for i, a in zip(self.ids("award", len(awards)), awards)])

    def contracts(self) -> None:
        ledger = Ledger(self)
        award_ids = dict(db.session.execute(select(self.table["award"].c.tender_id, self.table["award"].c.id)).all())
        contracts, milestones, payments = [], [], []
        self.contracts_made = []  # (contract id, organization, community list, status, starts_on)
        per_department = defaultdict(int)
        for _tender, department, _category, _winner, price, _ceiling, _at, _title in self.awarded:
            per_department[department] += price
        run = secrets.token_hex(4)  # each generation is its own allotment
        for department, needed in per_department.items():  # the finance bureau's allotment, with room to spare
            ledger.transfer(
                "appropriation",
                f"appropriation:{department}:city-{run}",
                ("department", department, "appropriation"),
                ("department", department, "budget"),
                needed + 100_000_000,
                self.now - timedelta(days=1000),
            )
        milestone_ids = iter(self.ids("milestone", len(self.awarded) * 3))
        payment_ids = iter(self.ids("payment", len(self.awarded) * 3))
        for contract_id, (tender_id, department, category, winner, price, _ceiling, awarded_at, title) in zip(
                self.ids("contract", len(self.awarded)), self.awarded):
            signed = awarded_at + timedelta(days=12)
            starts = signed.date() + timedelta(days=1)
            ends = starts + timedelta(days=365)
            completed = ends < self.now.date()
            contracts.append(
                {
                    "id": contract_id,
                    "number": f"SZ-{contract_id:07d}",
                    "award_id": award_ids[tender_id],
                    "tender_id": tender_id,
                    "department_id": department,
                    "organization_id": winner,
                    "category_id": category,
                    "title": title,
                    "service_standards": "按月提交服务报告，居民满意度不低于85%。",
                    "price_fen": price,
                    "ceiling_fen": price,
                    "starts_on": starts,
                    "ends_on": ends,
                    "payment_days": 30,
                    "terms_version": 1,
                    "status": "completed" if completed else "active",
                    "created_at": awarded_at,
                    "created_by_id": self.buyer_of[department],
                    "signed_at": signed,
                    "ended_at": datetime.combine(ends, datetime.min.time()) if completed else None,
                }
            )
            ledger.transfer("commitment", f"commit:contract:{contract_id}", ("department", department, "budget"),
                            ("contract", contract_id, "committed"), price, awarded_at, contract_id)
            amounts = [price * 3 // 10, price * 4 // 10]
            amounts.append(price - sum(amounts))
            for position, (share, amount) in enumerate(zip((3000, 4000, 3000), amounts)):
                milestone_id = next(milestone_ids)
                due = starts + timedelta(days=120 * (position + 1))
                paid = completed or due + timedelta(days=20) < self.now.date()
                accepted_at = datetime.combine(due, datetime.min.time()) + timedelta(days=5)
                paid_at = accepted_at + timedelta(days=10)
                milestones.append(
                    {
                        "id": milestone_id,
                        "contract_id": contract_id,
                        "position": position,
                        "title": f"第{position + 1}期服务",
                        "deliverables": "服务记录和月度报告",
                        "due_on": due,
                        "share_bp": share,
                        "amount_fen": amount,
                        "status": "paid" if paid else "pending",
                        "accepted_at": accepted_at if paid else None,
                        "pay_by": due + timedelta(days=35) if paid else None,
                        "paid_at": paid_at if paid else None,
                    }
                )
                if paid:
                    ledger.transfer(
                        "payable",
                        f"payable:milestone:{milestone_id}",
                        ("contract", contract_id, "committed"),
                        ("contract", contract_id, "payable"),
                        amount,
                        accepted_at,
                        contract_id,
                        milestone_id,
                    )
                    ledger.transfer("payment", f"paid:milestone:{milestone_id}", ("contract", contract_id, "payable"),
                                    ("contract", contract_id, "paid"), amount, paid_at, contract_id, milestone_id)
                    payments.append({"id": next(payment_ids), "milestone_id": milestone_id, "contract_id": contract_id,
                                     "organization_id": winner, "amount_fen": amount, "provider": "ledger",
                                     "idempotency_key": f"pay:milestone:{milestone_id}",
                                     "reference": f"ledger-city-{milestone_id}", "status": "settled", "attempts": 1,
                                     "requested_by_id": self.buyer_of[department], "requested_at": paid_at,
                                     "settled_at": paid_at})
            self.contracts_made.append((contract_id, winner, starts, completed))
            if len(contracts) >= BATCH:
                self._flush_contracts(contracts, milestones, payments)
                contracts, milestones, payments = [], [], []
                self.progress("contracts", 0)
        self._flush_contracts(contracts, milestones, payments)
        ledger.write()

    def _flush_contracts(self, contracts, milestones, payments) -> None:
        self.insert("contract", contracts)
        self.insert("milestone", milestones)
        self.insert("payment", payments)

    def ratings(self) -> None:
        per_contract = self.size["ratings_per_contract"]
        rows = []
        ids = iter(self.ids("rating", len(self.contracts_made) * per_contract))
        for contract_id, _org, starts, _completed in self.contracts_made:
            for user in self.rng.sample(self.residents, min(per_contract, len(self.residents))):
                stars = self.rng.choices((1, 2, 3, 4, 5), weights=(2, 3, 10, 35, 50))[0]
                rows.append({"id": next(ids), "contract_id": contract_id, "user_id": user, "period": 1, "stars": stars,
                             "comment": "服务很好，工作人员耐心细致。" if stars >= 4 else "希望服务时间更灵活。",
                             "community_id": self.home[user], "basis": "code",
                             "created_at": datetime.combine(starts, datetime.min.time()) + timedelta(days=200)})
            if len(rows) >= BATCH * 10:
                self.insert("rating", rows)
                rows = []
                self.progress("ratings", 0)
        self.insert("rating", rows)

    def grades(self) -> None:
        graded = self.rng.sample(sorted(self.owner_of), min(self.size["grades"], len(self.owner_of)))
        rows = []
        for grade_id, org in zip(self.ids("organization_grade", len(graded)), graded):
            since = self.now.date() - timedelta(days=self.rng.randint(30, 1500))
            rows.append(
                {
                    "id": grade_id,
                    "organization_id": org,
                    "grade": self.rng.choices((1, 2, 3, 4, 5), weights=(10, 30, 35, 20, 5))[0],
                    "valid_from": since,
                    "valid_until": since + timedelta(days=5 * 365),
                    "recorded_at": datetime.combine(since, datetime.min.time()),
                    "recorded_by_id": self.admin,
                }
            )
        self.insert("organization_grade", rows)

    def rounds(self) -> None:
        """Rounds taking proposals (their money and matches come with the demo's full round)."""
        rubrics.ensure_defaults()  # the shipped rubrics, the proposal rubric among them
        (rubric_id,) = [r.id for r in rubrics.published("proposal")][:1]
        rounds, proposals = [], []
        codes = list(self.categories)
        for round_id in self.ids("round", self.size["rounds"]):
            department, _district = self.rng.choice(self.departments)
            rounds.append(
                {
                    "id": round_id,
                    "number": f"GY-CITY-{round_id:04d}",
                    "title": f"社区公益创投大赛（第{round_id}届）",
                    "themes": "养老、助残、青少年",
                    "department_id": department,
                    "rubric_id": rubric_id,
                    "max_grant_fen": 10_000_000,
                    "match_cap_fen": 2_000_000,
                    "donor_cap_fen": 50_000,
                    "pitch_weight": 40,
                    "proposals_due_at": self.now + timedelta(days=20),
                    "giving_ends_at": self.now + timedelta(days=60),
                    "status": "call",
                    "created_at": self.now,
                    "created_by_id": self.buyer_of[department],
                }
            )
            for org in self.rng.sample(sorted(self.owner_of), self.size["proposals_per_round"]):
                code = self.rng.choice(codes)
                proposals.append({"round_id": round_id, "organization_id": org, "category_id": self.categories[code],
                                  "title": f"{TOPICS[code][0]}创投项目", "problem": TOPICS[code][1],
                                  "target_group": "社区居民", "inputs": "社工2名", "activities": "每周活动",
                                  "outputs": "服务300人次", "outcomes": "满意度提升", "months": 12,
                                  "requested_fen": 8_000_000, "status": "submitted",
                                  "submitted_by_id": self.owner_of[org], "submitted_at": self.now})
        self.insert("round", rounds)
        self.insert("proposal", [{"id": i, **p} for i, p in zip(self.ids("proposal", len(proposals)), proposals)])

    def move_sequences(self) -> None:
        if db.session.get_bind().dialect.name != "postgresql":
            return
        for table in self.next_id:
            db.session.execute(text(f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                                    f"(SELECT COALESCE(MAX(id), 1) FROM \"{table}\"))"))


class Ledger:
    """Balanced transactions in memory, written at once with the accounts' final balances."""

    def __init__(self, city: City):
        self.city = city
        self.accounts = {code: (account_id, balance) for code, account_id, balance in
                         db.session.execute(select(Account.code, Account.id, Account.balance_fen))}
        self.new_accounts, self.transactions, self.entries = {}, [], []
        self.delta = defaultdict(int)

    def account(self, owner_type: str, owner_id: int, kind: str) -> int:
        code = f"{owner_type}:{owner_id}:{kind}"
        if code not in self.accounts:
            (account_id,) = self.city.ids("account", 1)
            self.accounts[code] = (account_id, 0)
            self.new_accounts[code] = {"id": account_id, "code": code, "kind": kind, "owner_type": owner_type,
                                       "owner_id": owner_id}
        return self.accounts[code][0]

    def transfer(self, kind, key, source, target, amount, at, contract_id=None, milestone_id=None) -> None:
        (transaction_id,) = self.city.ids("ledger_transaction", 1)
        self.transactions.append({"id": transaction_id, "key": key, "kind": kind, "memo": "", "at": at,
                                  "actor_id": None, "contract_id": contract_id, "milestone_id": milestone_id})
        for account_id, amount_fen in ((self.account(*source), -amount), (self.account(*target), amount)):
            self.entries.append({"transaction_id": transaction_id, "account_id": account_id, "amount_fen": amount_fen})
            self.delta[account_id] += amount_fen

    def write(self) -> None:
        from sqlalchemy import update

        self.city.insert(
            "account", [{**row, "balance_fen": self.delta[row["id"]]} for row in self.new_accounts.values()]
        )
        self.city.insert("ledger_transaction", self.transactions)
        self.city.insert(
            "entry", [{"id": i, **e} for i, e in zip(self.city.ids("entry", len(self.entries)), self.entries)]
        )
        for code, (account_id, _balance) in self.accounts.items():
            if code not in self.new_accounts and self.delta[account_id]:
                db.session.execute(update(Account).where(Account.id == account_id)
                                   .values(balance_fen=Account.balance_fen + self.delta[account_id]))

