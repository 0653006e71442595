"""Procurement beyond the demo: purchase catalogs drafted and withdrawn, undertaker applications
pending, refused and removed, and 姑苏区民政局's tenders at every step from draft to award, with a
bid withdrawn and one returned by an amendment.

Everything goes through the procurement and money services. Reading a tender advances it by its
deadlines (`tenders.advance`), so each tender's dates are chosen to keep it in its status at
CRAWL_AT. `Purchase` and `run_to_award` are shared with the contracts builder.
"""
import io
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from market.extensions import db
from market.money import services as money
from market.organizations.models import Organization, ServiceCategory
from market.places.models import Community, Department, Street
from market.procurement import awards, bids, catalogs, questions, tenders, undertakers
from market.procurement.models import CatalogItem, PurchaseCatalog, Tender

BUYER, EXPERT, ADMIN = "purchaser@demo.market", "expert@demo.market", "admin@demo.market"
DEPARTMENT = "姑苏区民政局"
# The demo's organizations that bid here (their owners act for them).
LELING = "苏州市姑苏区乐龄居家养老服务中心"
FAZHAN = "苏州市公益组织发展中心"
RENAI = "张家港市仁爱慈善基金会"
XINQIAO = "苏州工业园区心桥青少年心理服务社"
YANGGUANG = "苏州市吴中区阳光助残服务中心"
LVSE = "苏州市相城区绿色家园环保志愿者协会"
MEDIATION = "昆山市和谐邻里纠纷调解服务中心"

CATALOG_HEADING = "编码,服务领域,项目名称,说明,竞争程度,最低等级\n"
CATALOG_2027 = CATALOG_HEADING + """\
A01,养老,居家养老上门服务,助餐、助浴、助洁、陪诊等上门服务,充分竞争,
A02,养老,社区老年助餐服务,社区长者食堂运营和送餐上门,充分竞争,
A03,养老,独居老人关爱巡访,独居、空巢老人定期探访、安全检查和应急联络,充分竞争,
B01,心理健康,青少年心理健康辅导,学校和社区心理讲座、团体辅导和个案咨询,适度竞争,
B02,助残,残疾人居家康复服务,上门康复训练、辅具适配和家属照护指导,充分竞争,
C01,社区矫正,社区矫正对象教育帮扶,协助司法所开展教育、心理疏导和就业指导,非竞争,
D01,垃圾分类与环境,垃圾分类宣传督导,桶边督导、入户宣传和积分兑换,充分竞争,
E01,纠纷调解,社区矛盾纠纷调解,驻点调解、调解员培训和纠纷回访,适度竞争,
F01,妇女儿童与家庭,困境儿童关爱保护,困境儿童走访、个案帮扶和监护指导,适度竞争,
"""
CATALOG_2027_ADDED = """\
G01,妇女儿童与家庭,社区普惠托育服务,3岁以下婴幼儿临时托、计时托和育儿指导,适度竞争,
H01,社会组织培育,社区社会组织培育孵化,社区社会组织登记备案辅导、能力培训和项目督导,适度竞争,
"""
HEALTH_CATALOG = CATALOG_HEADING + """\
W01,医疗卫生,家庭医生签约辅助服务,协助社区卫生服务中心开展签约宣传、随访预约和健康档案整理,充分竞争,
W02,医疗卫生,慢性病患者健康管理,高血压、糖尿病患者健康教育、自我管理小组和用药随访,充分竞争,
"""
HEALTH_CATALOG_ADDED = """\
W03,心理健康,心理援助热线运营,心理援助热线值守、危机干预转介和回访,适度竞争,
"""
# Bytes a PDF begins and ends with: uploads check the signature, nobody reads the content.
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def suzhou(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    """A moment given in Suzhou time, as the (UTC) clock keeps it."""
    return datetime(year, month, day, hour, minute) - timedelta(hours=8)


def organization(name: str) -> Organization:
    return db.session.scalar(select(Organization).filter_by(name=name))


def owner_of(org: Organization):
    return next(m.user for m in org.members if m.is_owner)


def communities(street: str, count: int = 3) -> list[int]:
    return list(db.session.scalars(select(Community.id).join(Street).where(Street.name == street)
                                   .order_by(Community.id).limit(count)))


def department_id() -> int:
    return db.session.scalar(select(Department.id).filter_by(name=DEPARTMENT))


def catalog_item(code: str) -> CatalogItem:
    """An item of 姑苏区民政局's published 2027 catalog."""
    return db.session.scalar(select(CatalogItem).join(PurchaseCatalog).where(
        PurchaseCatalog.department_id == department_id(), PurchaseCatalog.year == 2027,
        PurchaseCatalog.status == "published", CatalogItem.code == code))


# --- running a tender ------------------------------------------------------------------------------

@dataclass
class Purchase:
    """What a tender buys, and its bids: (organization, price in fen, the expert's points per criterion)."""

    code: str
    title: str
    description: str
    standards: str
    ceiling_fen: int
    months: int
    street: str
    bids: list[tuple[str, int, tuple[int, ...]]]
    method: str = "competitive_consultation"
    price_weight: int | None = 30
    criteria: list[tuple[str, int]] = field(default_factory=lambda: [("服务方案", 40), ("团队与经验", 30)])


TEAMS = {  # the team each kind of bidder puts forward
    "A": "项目主管1名（中级社会工作师）、持证养老护理员8名、社工2名、志愿者30名",
    "B": "项目主管1名、康复治疗师2名、社工2名、助残志愿者20名",
    "default": "项目主管1名、专职社工3名、志愿者15名",
}


def tender_data(purchase: Purchase, opens: datetime, bid_deadline: datetime, opening_at: datetime | None = None,
                **extra) -> tenders.TenderData:
    return tenders.TenderData(
        catalog_item_id=catalog_item(purchase.code).id, title=purchase.title, description=purchase.description,
        service_standards=purchase.standards, budget_ceiling_fen=purchase.ceiling_fen,
        contract_months=purchase.months, method=purchase.method, price_weight=purchase.price_weight,
        criteria=list(purchase.criteria), questions_deadline=opens + (bid_deadline - opens) / 2,
        bid_deadline=bid_deadline, opening_at=opening_at or bid_deadline,
        community_ids=communities(purchase.street), **extra)


def publish(world, purchase: Purchase, at: datetime, bid_deadline: datetime,
            opening_at: datetime | None = None) -> Tender:
    """Draft and publish the tender, with the demo expert on its panel."""
    buyer = world.user(BUYER)
    with world.at(at):
        tender = tenders.create_tender(buyer, tender_data(purchase, at, bid_deadline, opening_at))
        tenders.publish(buyer, tender)
        awards.add_expert(buyer, tender, world.user(EXPERT))
    return tender


def bid(world, tender: Tender, name: str, price_fen: int, at: datetime, attachment: str | None = None,
        final: bool = True):
    """An organization's bid, written as its owner would; the budget lines add up to the price."""
    org = organization(name)
    staff = price_fen * 68 // 100
    materials = price_fen * 22 // 100
    data = bids.BidData(
        proposal=f"{org.name}承接“{tender.title}”的服务方案：{tender.description}"
                 "我们将在签约后两周内完成服务对象需求评估和建档，按月制定服务计划，建立服务台账，"
                 "每季度开展一次满意度回访，并与社区居委会建立周例会制度。",
        team=TEAMS.get(tender.catalog_item.code[0], TEAMS["default"]),
        delivery_plan="第一个月：需求评估、建档和人员培训；第二个月起：按计划提供服务，每月提交服务报告；"
                      "最后一个月：服务总结、档案移交和满意度测评。",
        price_fen=price_fen,
        budget_lines=[("人员经费", staff), ("活动与耗材", materials), ("管理费用", price_fen - staff - materials)])
    files = [FileStorage(io.BytesIO(PDF), filename=attachment, content_type="application/pdf")] if attachment else []
    with world.at(at):
        return bids.submit_bid(owner_of(org), tender, org, data, files, final=final)


def open_bids(world, tender: Tender, at: datetime) -> None:
    """Read the tender after its opening time: time closes bidding and opens the bids."""
    with world.at(at):
        tenders.advance(tender)


def score(world, tender: Tender, purchase: Purchase, at: datetime, only: set[str] | None = None) -> None:
    """The expert declares no conflict, then scores the bids (all, or only those of `only`)."""
    expert = world.user(EXPERT)
    points = {organization(name).id: marks for name, _price, marks in purchase.bids}
    with world.at(at):
        bids = awards.valid_bids(tender)
        awards.declare(expert, tender, {b.id: (False, "") for b in bids})
        for b in bids:
            if only is not None and b.organization.name not in only:
                continue
            marks = dict(zip([c.id for c in tender.criteria], points[b.organization_id]))
            comments = {c.id: _comment(marks[c.id], c.points) for c in tender.criteria}
            awards.score(expert, tender, b.id, marks, comments)


def _comment(points: int, maximum: int) -> str:
    share = points / maximum
    if share >= 0.9:
        return "方案完整，服务流程和质量控制措施具体，人员配备充足。"
    if share >= 0.75:
        return "方案较完整，但应急预案和服务对象回访安排不够具体。"
    return "方案针对性不强，人员数量与服务量不匹配。"


def award_best(world, tender: Tender, at: datetime):
    """Close the evaluation and award the top-ranked bid (which drafts the contract)."""
    buyer = world.user(BUYER)
    with world.at(at):
        ranking = awards.complete(buyer, tender)
        return awards.award(buyer, tender, ranking[0].bid_id)


def run_to_award(world, purchase: Purchase, published_at: datetime) -> Tender:
    """A competitive consultation from publication to award in eleven days; the contract is then a
    draft until the notice period (seven working days) ends."""
    deadline = published_at + timedelta(days=10, hours=4)
    tender = publish(world, purchase, published_at, deadline)
    for index, (name, price, _marks) in enumerate(purchase.bids):
        bid(world, tender, name, price, published_at + timedelta(days=3 + index, hours=1))
    open_bids(world, tender, deadline + timedelta(hours=1))
    score(world, tender, purchase, deadline + timedelta(hours=20))
    award_best(world, tender, deadline + timedelta(days=1, hours=1))
    return tender


# --- the builder -------------------------------------------------------------------------------------

def build(world) -> None:
    budget(world)
    department_catalogs(world)
    health_catalogs(world)
    undertaker_entries(world)
    failed_and_rerun(world)
    cancelled(world)
    opened(world)
    evaluated(world)
    awarded(world)
    bidding_closed(world)
    published(world)


def budget(world) -> None:
    """The 2027 budget given in advance, so this year's awards (here and in contracts) can commit money."""
    with world.at(suzhou(2026, 11, 30, 10, 5)):
        money.appropriate(world.user(BUYER), department_id(), 450_000_000,
                          "姑苏财社〔2026〕58号 关于提前下达2027年度政府购买服务预算的通知", "world-2027-advance")


def _catalog(world, email: str, department: int, title: str, rows: str, at: datetime, publish_it: bool = True):
    actor = world.user(email)
    with world.at(at):
        catalog = catalogs.create_catalog(actor, department, 2027, title)
        parsed = catalogs.import_items(actor, catalog, "目录.csv", rows.encode("utf-8-sig"))
        assert not parsed.errors, parsed.errors
        if publish_it:
            catalogs.publish(actor, catalog)
    return catalog


def department_catalogs(world) -> None:
    """The department's 2027 catalog, published early (the tenders below buy from it), and a
    supplement still in draft: publishing it would withdraw the first."""
    _catalog(world, BUYER, department_id(), "姑苏区民政局2027年政府购买服务指导目录", CATALOG_2027,
             suzhou(2026, 11, 30, 10, 15))
    draft = _catalog(world, BUYER, department_id(), "姑苏区民政局2027年政府购买服务指导目录（增补）",
                     CATALOG_2027 + CATALOG_2027_ADDED, suzhou(2027, 1, 12, 15), publish_it=False)
    world.notes["draft_catalog"] = draft.id


def health_catalogs(world) -> None:
    """The other purchaser's department corrects its 2027 catalog: version 2 withdraws version 1."""
    other = world.notes["other_department"]
    first = _catalog(world, "purchaser2@world.market", other, "姑苏区卫生健康委员会2027年政府购买服务指导目录",
                     HEALTH_CATALOG, suzhou(2026, 12, 1, 9, 30))
    _catalog(world, "purchaser2@world.market", other, "姑苏区卫生健康委员会2027年政府购买服务指导目录（第二版）",
             HEALTH_CATALOG + HEALTH_CATALOG_ADDED, suzhou(2026, 12, 15, 16))
    world.notes["withdrawn_catalog"] = first.id


def _inspected(world, org: Organization, year: int) -> None:
    """Last year's annual inspection, which listing requires (recorded once, whoever records it)."""
    if all(i.year != year for i in undertakers.inspections_of(org)):
        undertakers.record_inspection(world.user(ADMIN), org, year, "qualified")


def _apply(world, org: Organization, category: str):
    category_id = db.session.scalar(select(ServiceCategory.id).filter_by(code=category))
    (entry,) = undertakers.apply(owner_of(org), org, [category_id])
    return entry


def undertaker_entries(world) -> None:
    """Before this year's bids: the disability, mental-health and waste-sorting organizations are
    listed (乐龄 also for disability); a stranger's application is refused; a youth application waits
    over the new year; the waste-sorting listing is removed after a check in January."""
    admin = world.user(ADMIN)
    stranger = db.session.get(Organization, world.notes["other_organization"])
    listed = [(YANGGUANG, "disability"), (LELING, "disability"), (XINQIAO, "mental_health"), (LVSE, "environment"),
              (MEDIATION, "mediation")]
    with world.at(suzhou(2026, 11, 30, 10, 20)):
        for org in [organization(name) for name, _c in listed] + [stranger]:
            _inspected(world, org, 2025)
    with world.at(suzhou(2026, 11, 30, 14)):
        entries = {(name, code): _apply(world, organization(name), code) for name, code in listed}
        refused = _apply(world, stranger, "elderly")
    with world.at(suzhou(2026, 12, 1, 10)):
        for entry in entries.values():
            undertakers.decide(admin, entry.id, approve=True)
        undertakers.decide(admin, refused.id, approve=False,
                           reason="申报材料未附近两年养老服务项目业绩证明，且服务区域不在姑苏区，请补充后重新申报。")
    with world.at(suzhou(2026, 12, 28, 11)):
        waiting = _apply(world, organization(XINQIAO), "youth")
    with world.at(suzhou(2027, 1, 15, 16)):
        undertakers.remove(admin, entries[(LVSE, "environment")].id,
                           "2026年度垃圾分类督导项目抽查发现虚报督导时长，经核实属实，移出承接主体目录。")
    world.notes.update(applied_undertaker=waiting.id, refused_undertaker=refused.id)


FAILED = Purchase(
    "B01", "双塔街道青少年心理健康辅导项目",
    "为双塔街道辖区初中生开展心理健康讲座、团体辅导和个案咨询，每学期服务学生不少于500人次。",
    "持证心理咨询师不少于2名；个案记录保密；危机个案24小时内转介；每月提交服务报告。",
    16_000_000, 12, "双塔街道", [(XINQIAO, 15_200_000, (38, 27))])


def failed_and_rerun(world) -> None:
    """A consultation with a single response fails at opening (it needs two); the purchaser runs it
    again as a single-source purchase, a draft awaiting the bureau's approval."""
    buyer = world.user(BUYER)
    tender = publish(world, FAILED, suzhou(2026, 12, 2, 10), suzhou(2026, 12, 14, 14))
    bid(world, tender, XINQIAO, 15_200_000, suzhou(2026, 12, 8, 16))
    open_bids(world, tender, suzhou(2026, 12, 14, 15))
    assert tender.status == "failed"
    with world.at(suzhou(2026, 12, 16, 10)):
        again = tenders.rerun(buyer, tender, "single_source",
                              "公开征集仅心桥一家响应，且其为辖区唯一在册的青少年心理服务机构，拟改为单一来源采购。")
    with world.at(suzhou(2026, 12, 18, 11)):  # new dates and the invitation; publication waits for approval
        single = Purchase(**{**FAILED.__dict__, "method": "single_source", "price_weight": None,
                             "criteria": [("服务方案", 60), ("团队与经验", 40)]})
        tenders.amend(buyer, again, tender_data(single, suzhou(2027, 2, 1), suzhou(2027, 2, 10, 14),
                                                invited_ids=[organization(XINQIAO).id]))
    world.notes.update(failed_tender=tender.id, draft_tender=again.id)


def cancelled(world) -> None:
    """Published, then cancelled: the street folded the service into another project. A mediation
    centre had bid and withdrew its bid before the cancellation (it stays withdrawn)."""
    purchase = Purchase(
        "E01", "平江街道社区矛盾纠纷调解服务项目",
        "在平江街道各社区设立调解工作室，培训楼道调解员，调解加装电梯、停车、噪音等邻里纠纷。",
        "每个社区每周驻点调解不少于1天；调解案件全部建档并在30日内回访。",
        12_000_000, 12, "平江街道", [])
    tender = publish(world, purchase, suzhou(2026, 12, 7, 10), suzhou(2026, 12, 21, 14))
    mediation = MEDIATION
    withdrawn = bid(world, tender, mediation, 11_500_000, suzhou(2026, 12, 10, 15))
    with world.at(suzhou(2026, 12, 12, 9)):
        bids.withdraw_bid(owner_of(organization(mediation)), tender, organization(mediation))
    db.session.refresh(withdrawn)
    assert withdrawn.status == "withdrawn"
    with world.at(suzhou(2026, 12, 16, 17)):
        tenders.cancel(world.user(BUYER), tender,
                       "街道已将社区调解纳入2027年度“平安社区”综合治理项目统一实施，本项目取消采购。")
    world.notes["cancelled_tender"] = tender.id


ELDERLY_BIDDERS = (LELING, RENAI, FAZHAN)


def opened(world) -> None:
    """An open tender whose bids are opened; the expert has scored one bid of three so far."""
    purchase = Purchase(
        "A01", "虎丘街道居家养老上门服务项目（2027年度）",
        "为虎丘街道失能、半失能和高龄独居老人提供助浴、助洁、陪诊等上门服务，服务老人不少于120人。",
        "每位老人每月上门不少于4次；护理员持证上岗；服务记录由老人或家属签字确认；投诉24小时内回应。",
        50_000_000, 12, "虎丘街道",
        list(zip(ELDERLY_BIDDERS, (47_600_000, 46_900_000, 48_800_000), ((37, 26), (33, 24), (30, 22)))),
        method="open_tender")
    deadline = suzhou(2027, 1, 5, 14)
    tender = publish(world, purchase, suzhou(2026, 12, 14, 10), deadline)
    for index, (name, price, _marks) in enumerate(purchase.bids):
        bid(world, tender, name, price, suzhou(2026, 12, 21 + index, 15))
    open_bids(world, tender, deadline + timedelta(hours=1))
    score(world, tender, purchase, suzhou(2027, 1, 7, 9), only={LELING})
    assert tender.status == "opened"
    world.notes["opened_tender"] = tender.id


def evaluated(world) -> None:
    """Scored and ranked; the purchaser has not decided the award yet."""
    purchase = Purchase(
        "A03", "吴门桥街道独居老人关爱巡访服务项目",
        "为吴门桥街道独居、空巢老人提供定期上门探访、居家安全检查和紧急情况联络服务。",
        "每位老人每周电话问候1次、每月上门探访不少于2次；发现异常2小时内联系家属和社区。",
        26_000_000, 12, "吴门桥街道",
        list(zip(ELDERLY_BIDDERS, (24_800_000, 25_300_000, 23_900_000), ((36, 26), (34, 25), (28, 20)))))
    deadline = suzhou(2027, 1, 8, 14)
    tender = publish(world, purchase, suzhou(2026, 12, 28, 10), deadline)
    for index, (name, price, _marks) in enumerate(purchase.bids):
        bid(world, tender, name, price, suzhou(2027, 1, 4 + index, 11))
    open_bids(world, tender, deadline + timedelta(hours=1))
    score(world, tender, purchase, suzhou(2027, 1, 11, 9))
    with world.at(suzhou(2027, 1, 12, 10)):
        awards.complete(world.user(BUYER), tender)
    world.notes["evaluated_tender"] = tender.id


def awarded(world) -> None:
    """Awarded to 乐龄 and in its notice period at the crawl (the contract is a draft); a losing
    bidder has challenged and the answer is not due yet."""
    purchase = Purchase(
        "A02", "金阊街道老年助餐配送服务项目",
        "依托金阊街道两处长者食堂，为80岁以上和失能老人提供工作日午餐配送，每餐补贴8元，服务约150人。",
        "每个工作日11:30前送达；热食，菜品每周不重样；食堂取得食品经营许可；每月公示补贴发放明细。",
        38_000_000, 12, "金阊街道",
        list(zip(ELDERLY_BIDDERS, (36_200_000, 35_400_000, 37_500_000), ((38, 28), (32, 24), (29, 21)))))
    deadline = suzhou(2027, 1, 15, 14)
    tender = publish(world, purchase, suzhou(2027, 1, 4, 10), deadline)
    for index, (name, price, _marks) in enumerate(purchase.bids):
        bid(world, tender, name, price, suzhou(2027, 1, 8 + index, 15))
    open_bids(world, tender, deadline + timedelta(hours=1))
    score(world, tender, purchase, suzhou(2027, 1, 19, 9))
    award_best(world, tender, suzhou(2027, 1, 21, 10))
    fazhan = organization(FAZHAN)
    with world.at(suzhou(2027, 1, 25, 16)):
        awards.file_challenge(owner_of(fazhan), tender, fazhan.id,
                                  "中标人的食品安全保障得分明显偏高：其金阊街道第二处长者食堂的食品经营许可证"
                                  "尚在办理中，不应按两处食堂评分，请予复核。")
    world.notes["awarded_tender"] = tender.id


def bidding_closed(world) -> None:
    """Bids closed yesterday morning; they are opened this afternoon, after the crawl."""
    purchase = Purchase(
        "B02", "双塔街道残疾人康复辅具适配服务项目",
        "为双塔街道持证残疾人提供康复辅具评估、适配、使用培训和上门维修服务，服务不少于80人。",
        "康复治疗师持证上岗；辅具适配后7日内回访；维修需求48小时内响应。",
        15_000_000, 12, "双塔街道",
        [(YANGGUANG, 14_300_000, (37, 27)), (LELING, 14_800_000, (31, 23))])
    deadline = suzhou(2027, 1, 28, 9)
    tender = publish(world, purchase, suzhou(2027, 1, 15, 10), deadline, opening_at=suzhou(2027, 1, 29, 14))
    bid(world, tender, YANGGUANG, 14_300_000, suzhou(2027, 1, 20, 15))
    bid(world, tender, LELING, 14_800_000, suzhou(2027, 1, 22, 11))
    open_bids(world, tender, suzhou(2027, 1, 28, 10))
    assert tender.status == "bidding_closed"
    world.notes["bidding_closed_tender"] = tender.id


def published(world) -> None:
    """Open for bids until after the crawl. Three bids came in; the tender was then amended (every
    bid went back to its bidder); 乐龄 resubmitted, 仁爱 resubmitted and withdrew, the development
    centre has not resubmitted."""
    buyer = world.user(BUYER)
    purchase = Purchase(
        "A02", "白洋湾街道社区助餐点运营项目",
        "运营白洋湾街道3处社区助餐点，为60岁以上老人提供堂食和送餐，高龄、独居、低保老人按标准享受补贴。",
        "助餐点每日供应午餐，周一至周六营业；取得食品经营许可；明厨亮灶；每月公示就餐人数和补贴明细。",
        45_000_000, 12, "白洋湾街道", [], method="open_tender")
    opens, deadline = suzhou(2027, 1, 6, 10), suzhou(2027, 2, 8, 10)
    data = tender_data(purchase, opens, deadline, deadline + timedelta(hours=4))
    with world.at(opens):
        tender = tenders.create_tender(buyer, data)
        tenders.publish(buyer, tender)
        awards.add_expert(buyer, tender, world.user(EXPERT))
    leling = organization(LELING)
    bid(world, tender, LELING, 43_800_000, suzhou(2027, 1, 11, 15), attachment="服务方案及食品安全管理制度.pdf")
    bid(world, tender, RENAI, 42_600_000, suzhou(2027, 1, 12, 10))
    with world.at(suzhou(2027, 1, 12, 14)):
        question = questions.ask(
            owner_of(leling), tender, leling.id, "春节期间助餐点是否需要正常营业？如需营业，人员加班费用可否列入报价？"
        )
    returned = bid(world, tender, FAZHAN, 44_500_000, suzhou(2027, 1, 13, 16))
    with world.at(suzhou(2027, 1, 14, 10)):
        questions.answer(
            buyer,
            question.id,
            "春节期间（2月6日至2月12日）助餐点应保持营业，可调整为送餐为主；相关人员费用请列入报价。",
        )
    with world.at(suzhou(2027, 1, 18, 16)):
        data.service_standards += "春节期间助餐点不停业，可改为送餐上门。"
        tenders.amend(buyer, tender, data, "根据答疑，服务标准增加春节期间不停业的要求；投标截止和开标时间不变，"
                                          "已递交的投标文件退回，请按新要求重新递交。")
    bid(world, tender, LELING, 44_200_000, suzhou(2027, 1, 20, 11), attachment="服务方案及食品安全管理制度（修订）.pdf")
    renai = organization(RENAI)
    bid(world, tender, RENAI, 43_100_000, suzhou(2027, 1, 21, 15))
    with world.at(suzhou(2027, 1, 25, 9)):
        bids.withdraw_bid(owner_of(renai), tender, renai)
    # The withdrawn stays so on the earlier tender of the rerun; here 仁爱 starts again as a sealed draft.
    draft = bid(world, tender, RENAI, 42_900_000, suzhou(2027, 1, 26, 10), final=False)
    db.session.refresh(returned)
    assert tender.status == "published" and returned.status == "returned" and draft.status == "draft"
    world.notes.update(published_tender=tender.id, returned_bid=returned.id)
