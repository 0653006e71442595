"""The demo's open work: something waits on every demo role's desk (`/desk`), each with its next
step, on the demo clock. Only what is missing is added, as everywhere in the demo."""
from datetime import timedelta

from sqlalchemy import select

from market import clock
from market.accounts import services as accounts
from market.accounts.models import User
from market.contracts import delivery
from market.contracts.models import Contract
from market.demo import DEMO_PASSWORD
from market.demo.moments import clock_at
from market.evaluation import services as evaluations
from market.evaluation.models import Evaluation, Rubric
from market.extensions import db
from market.needs import hearings, triage
from market.needs.models import CommunityRequest, Need
from market.organizations.models import Membership
from market.procurement import awards, bids, questions, tenders
from market.procurement.models import CatalogItem, Tender, TenderQuestion

OPENED_TENDER = "沧浪街道高龄老人助浴服务项目"
HEARING_REQUEST = "桐芳社区青少年暑期托管"
NEWCOMER = ("newcomer@demo.market", "马晓东")


def seed_waiting(people: dict, organizations: list, communities: list) -> list[tuple[str, str]]:
    """Returns the people it adds, as (e-mail, name)."""
    _bids_to_score(people, organizations)
    _question_to_answer(people, organizations)
    _evaluation_to_carry_out(people, organizations)
    _late_report_to_accept()
    _meeting_to_vote_in(people, communities)
    _resident_to_verify(communities)
    return [NEWCOMER]


def _bids_to_score(people, organizations) -> None:
    """A tender whose bids were opened yesterday: the expert declares and scores, the purchaser forms
    the rest of the panel and completes the evaluation."""
    if db.session.scalar(select(Tender.id).filter_by(title=OPENED_TENDER)) is not None:
        return
    buyer, admin, expert = people["purchaser@demo.market"], people["admin@demo.market"], people["expert@demo.market"]
    start = clock.now() - timedelta(days=22)
    item = db.session.scalar(select(CatalogItem).filter_by(code="A01"))
    with clock_at(start):
        tender = tenders.create_tender(buyer, tenders.TenderData(
            catalog_item_id=item.id, title=OPENED_TENDER,
            description="为沧浪街道80岁以上失能、半失能老人提供上门助浴服务，预计服务60人。",
            service_standards="每位老人每月助浴不少于2次；助浴员持证上岗；每次服务由老人或家属签字确认。",
            budget_ceiling_fen=9_000_000, contract_months=12, method="open_tender", price_weight=30,
            criteria=[("服务方案", 40), ("团队与经验", 30)], questions_deadline=start + timedelta(days=10),
            bid_deadline=start + timedelta(days=21), opening_at=start + timedelta(days=21, hours=2),
            community_ids=[]))
        tenders.publish(buyer, tender)
        awards.add_expert(buyer, tender, expert)
    bidders = [(organizations[0], people["org@demo.market"]), (organizations[9], admin), (organizations[1], admin)]
    with clock_at(start + timedelta(days=6)):
        for (org, owner), price in zip(bidders, [8_600_000, 8_900_000, 8_750_000]):
            bids.submit_bid(owner, tender, org, bids.BidData(
                f"{org.name}的助浴服务方案", "助浴员6名、护士1名", "按片区排班，上门助浴", price,
                [("人员经费", price - 1_500_000), ("助浴设备与耗材", 1_500_000)]))
    with clock_at(start + timedelta(days=21, hours=3)):
        tenders.advance(tender)


def _question_to_answer(people, organizations) -> None:
    """A bidder's question on the open tender, not yet answered by the purchaser."""
    tender = db.session.scalar(select(Tender).filter_by(title="桐芳社区老年助餐服务项目", status="published"))
    if tender is None or db.session.scalar(select(TenderQuestion.id).filter_by(tender_id=tender.id)) is not None:
        return
    questions.ask(people["org@demo.market"], tender, organizations[0].id,
                  "送餐是否需要覆盖周末和法定节假日？每餐8元补贴是否包含配送费？")


def _evaluation_to_carry_out(people, organizations) -> None:
    """The mid-term evaluation of the running home-care contract, commissioned last week."""
    contract = db.session.scalar(select(Contract).filter_by(title="平江街道居家养老上门服务项目"))
    if contract is None or db.session.scalar(select(Evaluation.id).filter_by(contract_id=contract.id)) is not None:
        return
    performance = db.session.scalar(select(Rubric).where(Rubric.purpose == "performance", Rubric.status == "published")
                                    .order_by(Rubric.id))
    with clock_at(clock.now() - timedelta(days=6)):
        evaluations.commission(people["purchaser@demo.market"], contract, "mid_term", organizations[2].id,
                               performance.id, clock.today() + timedelta(days=20))


def _late_report_to_accept() -> None:
    """A grant's second report, sent late two days ago, waits for the sponsor's acceptance."""
    contract = db.session.scalar(select(Contract).filter_by(title="“同行”残障人士社区融合支持计划"))
    if contract is None or contract.status != "active":
        return
    milestone = contract.milestones[1]
    if milestone.status != "pending" or milestone.due_on >= clock.today():
        return
    owner = db.session.scalar(select(User).join(Membership, Membership.user_id == User.id).where(
        Membership.organization_id == contract.organization_id, Membership.is_owner))
    with clock_at(clock.now() - timedelta(days=2)):
        delivery.submit_report(owner, contract, milestone.id, delivery.ReportData(
            "开展社区融合活动6场、康复训练小组12次，服务残障人士38人；因场地改造，第二阶段活动推迟约两个月。", 38,
            [delivery.SpendingData("活动经费", 3_000_000, 2_860_000),
             delivery.SpendingData("康复耗材", 1_000_000, 940_000)]))


def _meeting_to_vote_in(people, communities) -> None:
    """Two youth needs merged into a request whose hearing is voting now."""
    community = communities[0]
    if db.session.scalar(select(CommunityRequest.id).filter_by(community_id=community.id,
                                                               title=HEARING_REQUEST)) is not None:
        return
    need = db.session.scalar(select(Need).filter_by(community_id=community.id, title="青少年暑期托管和课业辅导"))
    if need is None or need.status != "open":
        return
    worker = people["worker@demo.market"]
    with clock_at(clock.now() - timedelta(days=3)):
        request = triage.create_request(worker, [need.id], triage.RequestData(
            HEARING_REQUEST, "暑假期间为双职工家庭的小学生开设托管班，志愿者辅导作业，预计服务30人。",
            need.category_id, 30, 4_000_000, "venture_philanthropy"))
        four_hours_ago = clock.now() + timedelta(days=2, hours=20)
        hearing = hearings.schedule_hearing(worker, request, "review", four_hours_ago,
                                            "桐芳社区党群服务中心一楼活动室",
                                            "一、介绍托管班方案\n二、家长代表发言\n三、表决是否申请公益创投")
    with clock_at(hearing.scheduled_at + timedelta(minutes=5)):
        hearings.open_voting(worker, hearing)


def _resident_to_verify(communities) -> None:
    """A newcomer asked yesterday to be verified as living in 桐芳社区."""
    email, name = NEWCOMER
    if db.session.scalar(select(User.id).filter_by(email=email)) is not None:
        return
    with clock_at(clock.now() - timedelta(days=1)):
        person = accounts.register(email, name, DEMO_PASSWORD)
        accounts.request_residence(person, communities[0].id, "3幢2单元")

