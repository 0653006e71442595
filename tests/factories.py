"""Builders the test modules share: fixtures (found by name, registered for every test by
`pytest_plugins` in tests/conftest.py) and plain helpers (imported from here).

Fixtures:
- `tender_world`: a purchaser with a published catalog and a budget, a forwarded community request,
  an admin, an expert, a community worker, a resident and four organizations (three in the
  undertaker catalog). (`world`, in tests/conftest.py, is the crawler's world, another thing.)
- `awarded`: the tender world with a tender published, bid, opened, scored and awarded to
  organization 2, and its contract drafted.
- `tied`: an awarded contract, signed, whose last tranche follows the final evaluation score, with an
  evaluator organization and three residents of the served community.
- `round_world`: the tender world with a second expert, six verified residents to give and a stranger.
- `standin`: Stripe's API as a local stand-in server, with the app set to pay through it.
- `grid_ledger`: the grid ledger's community, grid, buildings, leaders, staff and dispatch rules.

Helpers, by area:
- people: `user`;
- tenders: `tender_data`, `published_tender`, `bid`;
- contracts: `award_tender`, `contract`, `signed`, `report`, `accept_and_pay_first`, `ledger_is_sound`;
- performance evaluation: `commission`, `score_all`, `rate_three`, `deliver`;
- venture philanthropy: `round_data`, `proposal_data`, `open_round`, `proposal`, `the_round`,
  `review_and_select`, `give`;
- Stripe webhooks: `now_at`, `signature`, `event`, `post_webhook`;
- at the same moment: `run_at_once` (calls in app contexts), `at_once` and `http_session` (HTTP
  requests to a live server).

Constants: `SECRET`, `BUDGET_FEN`, `PRICE`, `PERFORMANCE_SHEET`, `PROPOSAL_SHEET`, `YUAN`, `REQUESTED`,
`WEBHOOK_SECRET`, `TOPICS`.
"""
import hashlib
import hmac
import io
import json
import re
import threading
import time
from datetime import date, timedelta, timezone

import pytest
import requests

from conftest import PASSWORD, START
from market import clock
from market.accounts.models import User
from market.accounts.roles import Role
from market.contracts import delivery, payment, signing, terms
from market.contracts.models import Contract
from market.core.errors import ServiceError
from market.core.unit import command
from market.evaluation import ratings, rubrics
from market.evaluation import services as evaluations
from market.evaluation.models import Evaluation, Rubric
from market.extensions import db
from market.grid import dispatch_rules as grid_rules
from market.grid import grids as grid_areas
from market.money import ledger
from market.money import services as money
from market.needs.models import CommunityRequest
from market.organizations import credit_code
from market.organizations.models import Membership, Organization, ServiceCategory
from market.philanthropy import giving, proposals, review, rounds
from market.philanthropy.models import Proposal, Round
from market.places.models import Community, Department
from market.procurement import awards, bids, tenders, undertakers
from market.procurement.models import CatalogItem, PurchaseCatalog, Tender
from stripe_standin import StripeStandIn

# --- people and tenders ---------------------------------------------------------------------------

SECRET = "机密方案内容XYZ-7731"
BUDGET_FEN = 100_000_000  # ¥1,000,000


def approved_organization(owner: int, name: str, serial: str, registered_on: date = date(2018, 1, 1),
                          authority: str = "民政局") -> Organization:
    """An organization already approved by civil affairs, with `owner` as its owner (in the caller's unit)."""
    org = Organization(name=name, credit_code=credit_code.make("5", "2", "320508", serial), org_type="social_service",
                       registered_on=registered_on, registration_authority=authority, status="approved",
                       created_at=clock.now(), created_by_id=owner)
    db.session.add(org)
    db.session.flush()
    db.session.add(Membership(user_id=owner, organization_id=org.id, is_owner=True, added_at=clock.now()))
    return org


def wants_each_mail(app, *user_ids) -> None:
    """These people chose a mail for each notification (the default is the daily digest)."""
    with command(app):
        for user_id in user_ids:
            db.session.get(User, user_id).mail_frequency = "each"


def user(uid):
    """The person with this id, in the current session."""
    return db.session.get(User, uid)


@pytest.fixture
def tender_world(app, make_user, places):
    """A purchaser with a published catalog, a forwarded request, four organizations (three listed)."""
    ids = {"buyer": make_user("buyer@example.cn", "陈志强", roles={Role.PURCHASER: places["department"]}),
           "admin": make_user("admin@example.cn", "吴建华", roles={Role.CIVIL_AFFAIRS: None}),
           "expert": make_user("expert@example.cn", "周立新", roles={Role.EXPERT: None}),
           "worker": make_user("worker@example.cn", "王丽华", roles={Role.COMMUNITY_WORKER: places["community"]}),
           "resident": make_user("resident@example.cn", "张晓梅", community=places["community"])}
    with command(app):
        elderly = db.session.scalar(db.select(ServiceCategory).filter_by(code="elderly"))
        catalog = PurchaseCatalog(department_id=places["department"], year=2026, title="目录", status="published",
                                  created_at=clock.now(), created_by_id=ids["buyer"], published_at=clock.now())
        catalog.items = [
            CatalogItem(position=0, code="A01", category_id=elderly.id, name="居家养老上门服务", competition="full")
        ]
        db.session.add(catalog)
        request = CommunityRequest(community_id=places["community"], created_by_id=ids["worker"], title="老年助餐服务",
                                   description="午餐配送", category_id=elderly.id, beneficiaries=45,
                                   estimated_budget_fen=12_000_000, track="government_purchase", status="forwarded",
                                   created_at=clock.now())
        db.session.add(request)
        db.session.commit()
        ids.update(item=catalog.items[0].id, request=request.id)
        # The finance bureau's allotment: awards commit budget from it.
        money.appropriate(user(ids["buyer"]), places["department"], BUDGET_FEN, "苏财预〔2026〕18号", "world")
        for n in range(4):
            owner = make_user(f"org{n}@example.cn", f"负责人{n}")
            org = approved_organization(owner, f"社会组织{n}号", f"MJ00010{n}")
            db.session.commit()
            ids[f"org{n}"], ids[f"owner{n}"] = org.id, owner
            if n < 3:  # the fourth is not in the undertaker catalog
                undertakers.record_inspection(user(ids["admin"]), org, 2025, "qualified")
                (entry,) = undertakers.apply(user(owner), org, [elderly.id])
                undertakers.decide(user(ids["admin"]), entry.id, approve=True)
    return ids


def tender_data(world, **overrides):
    """The purchaser's form for an open tender (¥120,000 ceiling, bids due in 21 days), with overrides."""
    values = dict(
        catalog_item_id=world["item"],
        title="桐芳社区老年助餐服务项目",
        description="为45位老人提供午餐配送。",
        service_standards="每个工作日11点前送达，热食。",
        budget_ceiling_fen=12_000_000,
        contract_months=12,
        method="open_tender",
        price_weight=30,
        criteria=[("服务方案", 40), ("团队能力", 30)],
        questions_deadline=START + timedelta(days=10),
        bid_deadline=START + timedelta(days=21),
        opening_at=START + timedelta(days=21, hours=2),
        request_ids=[world["request"]],
    )
    values.update(overrides)
    return tenders.TenderData(**values)


def published_tender(app, world, **overrides):
    """The purchaser creates and publishes a tender (`tender_data` with overrides); its id."""
    with command(app):
        tender = tenders.create_tender(user(world["buyer"]), tender_data(world, **overrides))
        tenders.publish(user(world["buyer"]), tender)
        return tender.id


def bid(app, world, n, price_fen=10_000_000, proposal=SECRET):
    """Organization n bids on `world["tender"]` (or amends its bid) at this price; the bid's id."""
    with command(app):
        tender = db.session.get(Tender, world["tender"])
        org = db.session.get(Organization, world[f"org{n}"])
        data = bids.BidData(
            proposal, "社工3名", "每日配送", price_fen, [("人员", price_fen - 1_000_000), ("餐费", 1_000_000)]
        )
        return bids.submit_bid(user(world[f"owner{n}"]), tender, org, data).id


# --- contracts ------------------------------------------------------------------------------------

PRICE = 12_000_000  # ¥120,000: the winning bid


def award_tender(app, world, frozen, make_user, places, winner_price=PRICE):
    """Publish, bid, open, score and award: the winner is organization 2."""
    world["tender"] = published_tender(app, world, community_ids=[places["community"], places["community2"]])
    prices = {0: 10_000_000, 1: 9_000_000, 2: winner_price}
    world["bids"] = {n: bid(app, world, n, price) for n, price in prices.items()}
    with command(app):
        tender = db.session.get(Tender, world["tender"])
        awards.add_expert(user(world["buyer"]), tender, user(world["expert"]))
    frozen.advance(days=22)
    with command(app):
        tender = db.session.get(Tender, world["tender"])
        tenders.advance(tender, frozen.now())
        db.session.commit()
        awards.declare(user(world["expert"]), tender, {world["bids"][n]: (False, "") for n in range(3)})
        criteria = [c.id for c in tender.criteria]
        for n, points in {0: (30, 20), 1: (25, 20), 2: (40, 30)}.items():
            awards.score(user(world["expert"]), tender, world["bids"][n], dict(zip(criteria, points)),
                             {c: "理由充分" for c in criteria})
        awards.complete(user(world["buyer"]), tender)
        db.session.commit()  # the panel's work is on record; the award is the buyer's next request
        awards.award(user(world["buyer"]), tender, world["bids"][2])
        world["contract"] = signing.contract_of_tender(tender.id).id
    return world


@pytest.fixture
def awarded(app, tender_world, frozen, make_user, places):
    """The tender world after `award_tender`: organization 2 won, its contract is a draft."""
    return award_tender(app, tender_world, frozen, make_user, places)


def contract(world) -> Contract:
    """The awarded contract, in the current session."""
    return db.session.get(Contract, world["contract"])


def signed(app, world, frozen):
    """Both sides sign the contract, after its notice period (the clock moves ten days)."""
    frozen.advance(days=10)  # past the notice period
    with command(app):
        signing.sign(user(world["buyer"]), contract(world), "purchaser")
        signing.sign(user(world["owner2"]), contract(world), "organization")
    return world


def report(app, world, position=0, beneficiaries=45):
    """Organization 2 reports on the milestone at this position; the report's id."""
    with command(app):
        c = contract(world)
        data = delivery.ReportData("每个工作日为45位老人送餐，共送餐1980份。", beneficiaries,
                                    [delivery.SpendingData("人员", 2_000_000, 1_950_000)])
        return delivery.submit_report(user(world["owner2"]), c, c.milestones[position].id, data).id


def accept_and_pay_first(app, world):
    """The first tranche reported, accepted and paid."""
    report(app, world)
    with command(app):
        c = contract(world)
        payment.decide(user(world["buyer"]), c, c.milestones[0].id, "accepted")
        payment.pay(user(world["buyer"]), contract(world), c.milestones[0].id)


def ledger_is_sound():
    """The ledger is sound: every transaction sums to zero and every kept balance matches its entries."""
    assert ledger.unbalanced_transactions() == []
    assert ledger.drifted_accounts() == []


# --- performance evaluation -----------------------------------------------------------------------

# Hand-computed sheet for the shipped performance rubric (100 points):
# budget 4 + 5 = 9; outputs 18 + 16 + 8 = 42; outcomes 12 + 7 + na (3.3) → 19 of 25 scaled to 30 = 22.8;
# satisfaction from ratings 5, 4, 3 → mean 4 → index 75 → 7.5 of 10. Total 9 + 42 + 22.8 + 7.5 = 81.3.
PERFORMANCE_SHEET = {"1.1": "4", "1.2": "5", "2.1": "18", "2.2": "16", "2.3": "8", "3.1": "12", "3.2": "7",
                     "3.3": "na"}


@pytest.fixture
def tied(app, awarded, frozen, make_user, places, rubric_defaults):
    """A signed contract whose last tranche follows the final score (withheld < 60, full from 80), an
    evaluator organization (organization 3) and three residents of the served community."""
    world = awarded
    world["evaluator"] = make_user("evaluator@example.cn", "钱评估", roles={Role.EVALUATOR: world["org3"]})
    for n in range(3):
        world[f"neighbour{n}"] = make_user(f"neighbour{n}@example.cn", f"居民{n}", community=places["community"])
    world["stranger"] = make_user("stranger@example.cn", "外人", community=places["other_community"])
    with command(app):
        c = contract(world)
        tied_terms = terms.Terms(c.price_fen, c.starts_on, c.ends_on, c.service_standards,
                                 [terms.MilestoneTerms(m.title, m.deliverables, m.due_on, m.share_bp)
                                  for m in c.milestones], 60, 80)
        signing.update_terms(user(world["buyer"]), c, tied_terms)
    frozen.advance(days=10)
    with command(app):
        signing.sign(user(world["buyer"]), contract(world), "purchaser")
        signing.sign(user(world["owner2"]), contract(world), "organization")
        world["rubric"] = db.session.scalar(db.select(Rubric.id).where(Rubric.purpose == "performance"))
    return world


def commission(app, world, kind="final"):
    """The purchaser commissions organization 3 to evaluate the contract; the evaluation's id."""
    with command(app):
        return evaluations.commission(user(world["buyer"]), contract(world), kind, world["org3"], world["rubric"],
                                      contract(world).ends_on).id


def score_all(app, world, evaluation_id, sheet=PERFORMANCE_SHEET):
    """The evaluator declares no conflict, scores every indicator with evidence and submits; (total, band)."""
    with command(app):
        evaluation = db.session.get(Evaluation, evaluation_id)
        evaluations.declare(user(world["evaluator"]), evaluation, False, "")
        codes = {i.code: i.id for i in evaluation.rubric.indicators}
        evaluations.save_scores(user(world["evaluator"]), evaluation, {
            codes[code]: evaluations.Entry(value, f"{code} 的证据：台账与走访记录") for code, value in sheet.items()})
        submitted = evaluations.submit(user(world["evaluator"]), evaluation, "服务扎实，建议加强可持续性。")
        return submitted.total_cp, submitted.band


def rate_three(app, world):
    """Three residents rate the service 5, 4 and 3: two registered as beneficiaries, one with a code."""
    with command(app):
        registered = ratings.register_beneficiaries(user(world["owner2"]), contract(world),
                                                    "neighbour0@example.cn\nneighbour1@example.cn")
        assert registered == 2
        (code,) = ratings.issue_codes(user(world["owner2"]), contract(world), 1)
        ratings.rate(user(world["neighbour0"]), contract(world), 5, "送餐准时")
        ratings.rate(user(world["neighbour1"]), contract(world), 4, "")
        ratings.rate(user(world["neighbour2"]), contract(world), 3, "菜有点咸", code=code.lower())


def deliver(app, world, positions):
    """Organization 2 reports on these milestones and the purchaser accepts each."""
    for position in positions:
        report(app, world, position)
        with command(app):
            c = contract(world)
            payment.decide(user(world["buyer"]), c, c.milestones[position].id, "accepted")


# --- venture philanthropy -------------------------------------------------------------------------

YUAN = 100
REQUESTED = {0: 5_000_000, 1: 4_000_000, 2: 3_000_000}  # ¥50,000, ¥40,000, ¥30,000
PROPOSAL_SHEET = {"1": "18", "2": "26", "3": "17", "4": "13", "5": "12"}  # 86 of 100


def round_data(world, **overrides):
    """The department's venture-philanthropy round (proposals due in 20 days, giving ends in 40), with overrides."""
    proposal_rubric = next(r for r in rubrics.published("proposal"))
    values = dict(sponsor=f"department:{world['department']}", title="2026年姑苏区社区公益创投大赛",
                  themes="为老服务、青少年成长、社区融合", description="福彩公益金资助，居民捐赠配捐。",
                  rubric_id=proposal_rubric.id, max_grant_fen=6_000_000, match_cap_fen=60_000, donor_cap_fen=50_000,
                  max_age_years=None, incubated_only=False, max_grade=2, pitch_weight=40,
                  proposals_due_at=START + timedelta(days=20), giving_ends_at=START + timedelta(days=40),
                  request_ids=[world["request"]])
    values.update(overrides)
    return rounds.RoundData(**values)


def proposal_data(world, n, **overrides):
    """Organization n's proposal to the round, asking for REQUESTED[n] (¥10,000 of it for meals)."""
    elderly = db.session.scalar(db.select(ServiceCategory.id).filter_by(code="elderly"))
    values = dict(organization_id=world[f"org{n}"], category_id=elderly, title=f"长者互助食堂{n}号",
                  problem="独居老人午餐难。", target_group="辖区70岁以上独居老人", inputs="社工2名、志愿者10名",
                  activities="每周五天助餐、每月一次健康讲座", outputs="服务老人45人、助餐2000人次",
                  outcomes="老人营养与社交改善", months=10,
                  budget=[proposals.BudgetLineData("人员", REQUESTED[n] - 1_000_000),
                          proposals.BudgetLineData("餐费补贴", 1_000_000)],
                  request_ids=[world["request"]])
    values.update(overrides)
    return proposals.ProposalData(**values)


@pytest.fixture
def round_world(app, tender_world, make_user, places, rubric_defaults):
    """The tender world with a second expert, six verified residents who give and a stranger who is not one."""
    tender_world["department"] = places["department"]
    tender_world["expert2"] = make_user("expert2@example.cn", "钱文静", roles={Role.EXPERT: None})
    for n in range(6):
        tender_world[f"giver{n}"] = make_user(f"giver{n}@example.cn", f"居民{n}", community=places["community"])
    tender_world["stranger"] = make_user("stranger@example.cn", "外地网友")  # not a verified resident
    return tender_world


def open_round(app, world, frozen, manager="buyer", sponsor=None):
    """A round in its call with three proposals; by default the department's purchaser sponsors it."""
    with command(app):
        buyer = user(world[manager])
        round_ = rounds.create_round(buyer, round_data(world, **({"sponsor": sponsor} if sponsor else {})))
        kind = "government" if sponsor is None else "incubator"
        rounds.fund(buyer, round_, "grants", 10_000_000, "姑苏区民政局", kind, "苏民〔2026〕3号", "g1")
        rounds.fund(buyer, round_, "matching", 100_000, "苏州某科技有限公司", "company", "配捐协议", "m1")
        rounds.add_reviewer(buyer, round_, "expert@example.cn")
        rounds.add_reviewer(buyer, round_, "expert2@example.cn")
        rounds.open_call(buyer, round_)
        world["round"] = round_.id
        world["proposals"] = {}
        for n in range(3):
            proposal = proposals.submit_proposal(user(world[f"owner{n}"]), round_, proposal_data(world, n))
            world["proposals"][n] = proposal.id
    return world


def proposal(world, n) -> Proposal:
    """Organization n's proposal to the round, in the current session."""
    return db.session.get(Proposal, world["proposals"][n])


def the_round(world) -> Round:
    """The round, in the current session."""
    return db.session.get(Round, world["round"])


def review_and_select(app, world, frozen, pitch=None, manager="buyer"):
    """After the call: the three proposals screened in, reviewed (86 of 100 from both experts),
    pitched, and the first two selected."""
    frozen.advance(days=21)
    pitch = pitch or {0: "90", 1: "80", 2: "60"}
    with command(app):
        buyer = user(world[manager])
        proposals.start_screening(buyer, the_round(world))
        for n in range(3):
            proposals.screen(buyer, proposal(world, n), True, "")
        review.start_review(buyer, the_round(world))
        leaves = rubrics.leaves(the_round(world).rubric)
        for expert in ("expert", "expert2"):
            for n in range(3):
                review.declare(user(world[expert]), proposal(world, n), False, "")
                values = {leaf.id: PROPOSAL_SHEET[leaf.code] for leaf in leaves}
                review.score_review(user(world[expert]), proposal(world, n), values, "逻辑清楚", submit=True)
        review.start_pitch(buyer, the_round(world), [world["proposals"][n] for n in range(3)])
        for expert in ("expert", "expert2"):
            for n in range(3):
                review.record_pitch(user(world[expert]), proposal(world, n), pitch[n])
        review.select_projects(buyer, the_round(world), [world["proposals"][0], world["proposals"][1]], "")
    return world


def give(app, world, giver, n, amount_fen, anonymous=False, token=None, name=None):
    """A gift listed under a name the giver typed (its key, "giver1"), not its account's name (居民1)."""
    with command(app):
        return giving.donate(user(world[giver]), proposal(world, n), amount_fen, anonymous,
                             giver if name is None else name, token or f"{giver}-{n}-{amount_fen}").id


# --- Stripe ---------------------------------------------------------------------------------------

WEBHOOK_SECRET = "whsec_test_market"
SIGNING = {}  # the clock webhooks are signed by: the app's (market.clock), set by the standin fixture


@pytest.fixture
def standin(app, frozen):
    """Stripe's API served by a local stand-in, the app set to pay through it for one test."""
    saved = {k: app.config[k] for k in ("PAYMENTS", "STRIPE_SECRET_KEY", "STRIPE_API_BASE", "STRIPE_WEBHOOK_SECRET")}
    SIGNING["clock"] = frozen
    with StripeStandIn() as server:
        app.config.update(PAYMENTS="stripe", STRIPE_SECRET_KEY="sk_test_standin", STRIPE_API_BASE=server.url,
                          STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET)
        yield server
    app.config.update(saved)
    SIGNING.clear()


def now_at() -> int:
    """The app's time, as Stripe writes it in a signature (Unix seconds)."""
    return int(SIGNING["clock"].now().replace(tzinfo=timezone.utc).timestamp())


def signature(payload: bytes, secret: str = WEBHOOK_SECRET, at: int | None = None) -> str:
    # Stripe signs with its time; Market checks the signature's time against its own clock (market.clock,
    # frozen in tests), so a test signs at the app's time.
    at = now_at() if at is None else at
    mac = hmac.new(secret.encode(), f"{at}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={at},v1={mac}"


def event(event_id: str, kind: str, obj: dict) -> bytes:
    """A Stripe event's JSON body, as a webhook carries it."""
    return json.dumps({"id": event_id, "object": "event", "type": kind, "api_version": "2025-01-01",
                       "created": int(time.time()), "data": {"object": obj}}).encode()


def post_webhook(client, payload: bytes, header: str):
    """Send a webhook to Market the way Stripe does: the JSON body and its signature header."""
    return client.client.post("/money/webhooks/stripe", data=payload,
                              headers={"Stripe-Signature": header, "Content-Type": "application/json"})


def xlsx(rows) -> bytes:
    """A spreadsheet (.xlsx) of these rows, as a person would upload it."""
    from openpyxl import Workbook

    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- the grid ledger ------------------------------------------------------------------------------

@pytest.fixture
def grid_ledger(app, make_user, places):
    """The grid ledger: a community with one grid and two buildings (3幢 with its leader), the
    city-management bureau's staff, the street's and district's, and the district's rules for
    sanitation (the bureau) and neighbour disputes (the community)."""
    with command(app):
        district = db.session.get(Community, places["community"]).street.district_id
        city_management = db.session.scalar(db.select(Department.id).filter_by(name="姑苏区城市管理局"))
    ids = {
        "admin": make_user("admin@example.cn", "吴建华", roles={Role.CIVIL_AFFAIRS: None}),
        "worker": make_user("worker@example.cn", "王丽华", roles={Role.COMMUNITY_WORKER: places["community"]}),
        "city": make_user("city@example.cn", "赵刚", roles={Role.PURCHASER: city_management}),
        "street": make_user("street@example.cn", "孙敏", roles={Role.STREET_STAFF: places["street"]}),
        "district_staff": make_user("district@example.cn", "钱军", roles={Role.DISTRICT_STAFF: district}),
        "leader": make_user("leader@example.cn", "李秀英"),
        "resident": make_user("resident@example.cn", "张晓梅", community=places["community"]),
        "stranger": make_user("stranger@example.cn", "周杰"),
        "city_management": city_management, "district": district, "community": places["community"],
    }
    with command(app):
        worker = user(ids["worker"])
        grid = grid_areas.add_grid(worker, places["community"], "一片区")
        ids["grid"] = grid.id
        ids["building"] = grid_areas.add_building(worker, grid, "3幢", "平江路100号").id
        ids["other_building"] = grid_areas.add_building(worker, grid, "5幢").id
        grid_areas.appoint(worker, "leader@example.cn", building=grid_areas.get_building(ids["building"]))
        for category, kind, body in (("sanitation", "department", city_management), ("neighbours", "community", None)):
            grid_rules.add_rule(user(ids["admin"]), grid_rules.RuleData(
                district_id=district, category=category, effective_from=date(2026, 1, 1), effective_until=None,
                body_kind=kind, body_id=body, respond_hours=24, urgent_amount=24, urgent_unit="hours",
                normal_amount=3, normal_unit="working_days"))
    return ids



# --- at the same moment ---------------------------------------------------------------------------

def run_at_once(app, calls):
    """Run each call in its own thread and unit of work, released together; a refusal is its result."""
    def in_its_own_unit(call):
        def run():
            with command(app):
                try:
                    return call()
                except ServiceError as error:
                    return error
        return run

    return at_once([in_its_own_unit(call) for call in calls])


def http_session(base: str, email: str) -> requests.Session:
    """A `requests` session signed in as this person on the live server at `base`."""
    session = requests.Session()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', session.get(base + "/login").text).group(1)
    response = session.post(base + "/login", data={"csrf_token": token, "email": email, "password": PASSWORD},
                            allow_redirects=False)
    assert response.status_code == 302
    return session


def at_once(calls):
    """Run each call (an HTTP request, say) in its own thread, released together; their results."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(index, call):
        barrier.wait()
        results[index] = call()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


# --- search ---------------------------------------------------------------------------------------

TOPICS = {  # the demo's records each topic search must put first
    "养老": {("need", "希望开展居家养老上门服务"), ("organization", "苏州市姑苏区乐龄居家养老服务中心"),
           ("tender", "平江街道居家养老上门服务项目")},
    "助残": {("need", "残疾人康复训练和助残服务"), ("organization", "苏州市吴中区阳光助残服务中心")},
    "心理": {("need", "初中生学习压力大，需要心理辅导"), ("tender", "沧浪街道青少年心理健康辅导项目"),
           ("organization", "苏州工业园区心桥青少年心理服务社")},
    # and the three agreements entrusting 城市管理局's sorting duty rota to 平江街道's committees (issue 23)
    "垃圾分类": {("need", "垃圾分类桶边督导志愿者不够"), ("tender", "平江街道垃圾分类宣传督导项目"),
             ("organization", "苏州市相城区绿色家园环保志愿者协会"),
             *(("contract", f"生活垃圾分类桶边督导排班（{c}）") for c in ("桐芳社区", "金坊社区", "新城社区"))},
    "社区矫正": {("need", "社区矫正对象的就业帮扶"), ("tender", "姑苏区社区矫正对象教育帮扶项目"),
             ("organization", "苏州市吴江区新航社区矫正服务社")},
}
