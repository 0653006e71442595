"""Money forms sent twice at the same moment (a double click, two tabs) and Stripe's webhooks racing
each other, over real HTTP on a live server: every request answers with what happened (never an
error page) and the money moves once. Runs on SQLite and PostgreSQL alike."""
import re

import pytest
import requests

from market import clock
from market.contracts import signing
from market.core.errors import ServiceError
from market.core.unit import command
from market.core.workflow import StatusChange
from market.extensions import db
from market.money import ledger, payments
from market.money.models import IncomingPayment, LedgerTransaction, WebhookEvent
from market.philanthropy import closing, giving, rounds
from market.philanthropy.models import Donation, RoundFunding
from tests.factories import (
    YUAN,
    at_once,
    event,
    give,
    http_session,
    open_round,
    proposal,
    review_and_select,
    run_at_once,
    signature,
    the_round,
    user,
)

TRIES = 3  # each race is run a few times: one lucky ordering must not hide a 500


def hidden(page: str, name: str) -> str:
    found = re.search(rf'name="{name}"[^>]*value="([^"]+)"', page)
    assert found, page[-3000:]
    return found.group(1)


def twice_at_once(sessions, url, page_url, data):
    """The same form (same one-time token) sent by each session at the same moment."""
    tokens = [hidden(s.get(page_url).text, "csrf_token") for s in sessions]
    return at_once([lambda s=s, t=t: s.post(url, data={"csrf_token": t, **data}, allow_redirects=False)
                    for s, t in zip(sessions, tokens)])


def balanced(app):
    with command(app):
        return ledger.unbalanced_transactions() == [] and ledger.drifted_accounts() == []


def test_the_funding_form_sent_twice_at_once_records_once(app, round_world, frozen, live_server):
    world = open_round(app, round_world, frozen)
    page = f"{live_server}/rounds/{world['round']}"
    sessions = [http_session(live_server, "buyer@example.cn") for _ in range(2)]
    with command(app):
        before = ledger.balance("round", world["round"], "matching")
    for attempt in range(TRIES):
        token = hidden(sessions[0].get(page).text, "once")
        responses = twice_at_once(sessions, f"{page}/funding", page, {
            "pot": "matching", "funder_kind": "company", "funder_name": "苏州某科技有限公司", "amount": "100",
            "reference": f"配捐协议{attempt}", "once": token})
        assert [r.status_code for r in responses] == [302, 302], [r.text[:300] for r in responses]
        assert all(r.headers["Location"].endswith(f"/rounds/{world['round']}") for r in responses)
        with command(app):
            key = f"round-fund:{world['round']}:{token}"
            assert db.session.scalar(db.select(db.func.count(RoundFunding.id)).filter_by(ledger_key=key)) == 1
            assert db.session.scalar(db.select(db.func.count(LedgerTransaction.id)).filter_by(key=key)) == 1
    with command(app):
        assert ledger.balance("round", world["round"], "matching") == before + TRIES * 100 * YUAN
    assert balanced(app)
    for session in sessions:  # each tab is told the money is recorded, not that something failed
        assert "资金已记入" in session.get(page).text


def test_the_gift_form_sent_twice_at_once_gives_once(app, round_world, frozen, live_server):
    world = review_and_select(app, open_round(app, round_world, frozen), frozen)
    project = world["proposals"][0]
    page = f"{live_server}/rounds/proposals/{project}"
    sessions = [http_session(live_server, "giver0@example.cn") for _ in range(2)]
    for _attempt in range(TRIES):
        token = hidden(sessions[0].get(page).text, "once")
        responses = twice_at_once(sessions, f"{page}/give", page, {"amount": "100", "display_name": "", "once": token})
        assert [r.status_code for r in responses] == [302, 302], [r.text[:300] for r in responses]
        receipts = {r.headers["Location"] for r in responses}
        assert len(receipts) == 1 and "/rounds/gifts/" in receipts.pop()  # both tabs show the one receipt
    with command(app):
        assert db.session.scalar(db.select(db.func.count(Donation.id))) == TRIES
        assert db.session.scalar(db.select(db.func.count(IncomingPayment.id))) == TRIES
        assert db.session.scalar(db.select(db.func.count(LedgerTransaction.id)).filter_by(kind="incoming")) == TRIES
        assert ledger.balance("proposal", project, "pool") == TRIES * 100 * YUAN
    assert balanced(app)


def test_the_budget_form_sent_twice_at_once_records_once(app, tender_world, frozen, live_server, places):
    page = f"{live_server}/money/department/{places['department']}"
    sessions = [http_session(live_server, "buyer@example.cn") for _ in range(2)]
    with command(app):
        before = ledger.balance("department", places["department"], "budget")
    for attempt in range(TRIES):
        token = hidden(sessions[0].get(page).text, "once")
        responses = twice_at_once(sessions, page, page, {"amount": "1000", "reference": f"苏财预〔2026〕{attempt}号",
                                                         "confirmed": "y", "once": token})
        assert [r.status_code for r in responses] == [302, 302], [r.text[:300] for r in responses]
        with command(app):
            key = f"appropriation:{places['department']}:{token}"
            assert db.session.scalar(db.select(db.func.count(LedgerTransaction.id)).filter_by(key=key)) == 1
    with command(app):
        assert ledger.balance("department", places["department"], "budget") == before + TRIES * 1000 * YUAN
    assert balanced(app)


# --- Stripe's webhooks, racing --------------------------------------------------------------------------

def pending_card_payments(app, standin, make_user, frozen, count):
    """Card payments into a pool that Stripe has taken and not yet confirmed: their PaymentIntents."""
    frozen.at = clock.SystemClock().now()  # the app's clock agrees with the machine's, as in production
    payer = make_user("donor@example.cn", "李慧")
    with command(app):
        intents = []
        for n in range(count):
            incoming = payments.collect(user(payer), "pool", 1, 50_000, f"gift-race-{n}", "公益创投捐赠")
            intents.append(standin.customer_pays(incoming.reference))
        return intents


def post_at_once(live_server, payloads):
    def send(payload):
        return requests.post(f"{live_server}/money/webhooks/stripe", data=payload, timeout=60,
                             headers={"Stripe-Signature": signature(payload), "Content-Type": "application/json"})

    return at_once([lambda p=p: send(p) for p in payloads])


def test_twenty_copies_of_one_event_at_once_settle_once(app, standin, live_server, make_user, frozen):
    intents = pending_card_payments(app, standin, make_user, frozen, TRIES)
    for n, intent in enumerate(intents):
        payload = event(f"evt_copies_{n}", "payment_intent.succeeded", intent)
        responses = post_at_once(live_server, [payload] * 20)
        assert all(r.status_code == 200 for r in responses), {r.status_code: r.text[:300] for r in responses}
        outcomes = sorted(r.json()["outcome"] for r in responses)
        assert outcomes == ["replay ignored"] * 19 + ["settled"], outcomes
    with command(app):
        assert db.session.scalar(db.select(db.func.count(WebhookEvent.id))) == TRIES
        assert db.session.scalar(db.select(db.func.count(LedgerTransaction.id)).filter_by(kind="incoming")) == TRIES
        assert ledger.balance("pool", 1, "pool") == TRIES * 50_000
        assert {p.status for p in db.session.scalars(db.select(IncomingPayment))} == {"succeeded"}
    assert balanced(app)


@pytest.mark.parametrize("kinds", [["payment_intent.succeeded"] * 10,
                                   ["payment_intent.succeeded", "payment_intent.payment_failed"] * 5])
def test_ten_events_of_one_payment_intent_at_once_apply_once(app, standin, live_server, make_user, frozen, kinds):
    intents = pending_card_payments(app, standin, make_user, frozen, TRIES)
    for n, intent in enumerate(intents):
        payloads = [event(f"evt_one_intent_{n}_{m}", kind, intent) for m, kind in enumerate(kinds)]
        responses = post_at_once(live_server, payloads)
        assert all(r.status_code == 200 for r in responses), {r.status_code: r.text[:300] for r in responses}
        outcomes = [r.json()["outcome"] for r in responses]
        assert sum(o in ("settled", "failed") for o in outcomes) == 1, outcomes  # the first to arrive decides
    with command(app):
        assert db.session.scalar(db.select(db.func.count(WebhookEvent.id))) == TRIES * 10  # each event is on record
        settled = db.session.scalar(db.select(db.func.count(IncomingPayment.id)).filter_by(status="succeeded"))
        assert db.session.scalar(db.select(db.func.count(LedgerTransaction.id)).filter_by(kind="incoming")) == settled
        assert ledger.balance("pool", 1, "pool") == settled * 50_000
    assert balanced(app)


# --- the round's other money steps, twice at once (a double click on the button) -------------------------

def cancelled_drafts_and_final(app, world, frozen):
    """A round whose agreements were drafted and then cancelled, in its final review: closing it
    returns both pots to their sources."""
    frozen.advance(days=20)
    with command(app):
        closing.close_giving(user(world["buyer"]), the_round(world))
        for grant in closing.agreements(the_round(world)):
            signing.cancel_draft(user(world["buyer"]), grant, "项目方放弃")
        for target in ("delivery", "midterm", "final"):
            closing.advance(user(world["buyer"]), the_round(world), target)


def returns_of(app, round_id):
    with command(app):
        return db.session.scalar(db.select(db.func.count(LedgerTransaction.id)).where(
            LedgerTransaction.key.like(f"round-return:{round_id}:%")))


def steps_to(app, status):
    with command(app):
        return db.session.scalar(db.select(db.func.count(StatusChange.id)).filter_by(to_status=status))


def test_closing_a_round_twice_at_once_returns_the_pots_once(app, round_world, frozen):
    world = review_and_select(app, open_round(app, round_world, frozen), frozen)
    cancelled_drafts_and_final(app, world, frozen)

    def close():
        return closing.advance(user(world["buyer"]), the_round(world), "closed") or "closed"

    results = run_at_once(app, [close, close])
    assert sorted(isinstance(r, ServiceError) for r in results) == [False, True] and str in map(type, results), results
    assert returns_of(app, world["round"]) == 2 and steps_to(app, "closed") == 1  # grants and matching, once each
    with command(app):
        assert rounds.pots(the_round(world)) == {"grants": 0, "matching": 0}
        summary = closing.money_summary(the_round(world))
        assert summary["held"] == 0 and summary["in"] == summary["out"]
    assert balanced(app)


def test_cancelling_a_round_twice_at_once_returns_and_refunds_once(app, round_world, frozen):
    world = review_and_select(app, open_round(app, round_world, frozen), frozen)
    give(app, world, "giver0", 0, 100 * YUAN)

    def cancel():
        return closing.cancel_round(user(world["buyer"]), the_round(world), "资金未到位")

    results = run_at_once(app, [cancel, cancel])
    assert sorted(isinstance(r, ServiceError) for r in results) == [False, True] and int in map(type, results), results
    assert returns_of(app, world["round"]) == 2 and steps_to(app, "cancelled") == 3  # the round and its 2 projects
    with command(app):
        assert db.session.scalar(db.select(db.func.count(LedgerTransaction.id)).filter_by(kind="refund")) == 1
        summary = closing.money_summary(the_round(world))
        assert summary["held"] == 0 and summary["in"] == summary["out"] == 10_000_000 + 100_000 + 10_000
    assert balanced(app)


def test_cancelling_a_project_twice_at_once_refunds_once(app, round_world, frozen):
    world = review_and_select(app, open_round(app, round_world, frozen), frozen)
    give(app, world, "giver0", 0, 100 * YUAN)
    give(app, world, "giver1", 0, 200 * YUAN)

    def cancel():
        return giving.cancel_project(user(world["buyer"]), proposal(world, 0), "项目负责人离职")

    results = run_at_once(app, [cancel, cancel])
    assert sorted(isinstance(r, ServiceError) for r in results) == [False, True] and int in map(type, results), results
    assert 2 in results and steps_to(app, "cancelled") == 1
    with command(app):
        assert db.session.scalar(db.select(db.func.count(LedgerTransaction.id)).filter_by(kind="refund")) == 2
        assert ledger.balance("proposal", world["proposals"][0], "pool") == 0
        assert {p.status for p in db.session.scalars(db.select(IncomingPayment))} == {"refunded"}
    assert balanced(app)
