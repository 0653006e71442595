"""The hash-chained audit log: the decisions of a whole tender and contract append events in their own
transactions; `flask audit verify` passes on the intact chain and names any edited, deleted, reordered
or cut-off event; sealed things stay out; public events show on their pages; concurrent appenders
keep one unbroken chain."""
import re
import threading
from datetime import date

import pytest
from sqlalchemy import select, text

from market.audit import chain
from market.audit.models import AuditEvent
from market.contracts import payment
from market.core.errors import ServiceError
from market.core.unit import command
from market.extensions import db
from market.organizations.models import Organization
from market.procurement import awards, undertakers
from market.procurement.models import Tender
from tests.factories import SECRET, accept_and_pay_first, award_tender, contract, signed, user


def run_contract(app, world, frozen, make_user, places):
    award_tender(app, world, frozen, make_user, places)
    with command(app):
        tender = db.session.get(Tender, world["tender"])
        challenge = awards.file_challenge(user(world["owner0"]), tender, world["org0"],
                                              "评分标准执行不一致，价格分计算有误，请复核。")
        awards.answer_challenge(user(world["buyer"]), challenge.id, "经复核，评分符合招标文件。")
    signed(app, world, frozen)
    accept_and_pay_first(app, world)
    with command(app):
        undertakers.record_grade(user(world["admin"]), db.session.get(Organization, world["org2"]), 4,
                                 date(2026, 12, 1))
    return world


def actions(app):
    with command(app):
        return [e.action for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq))]


def verify(app):
    with command(app):
        return app.test_cli_runner().invoke(args=["audit", "verify"])


@pytest.fixture
def flow(app, tender_world, frozen, make_user, places):
    return run_contract(app, tender_world, frozen, make_user, places)


def test_every_decision_that_moves_money_or_changes_who_wins_is_chained(app, flow):
    done = actions(app)
    for action in ("tender.published", "bid.received", "tender.opened", "bid.opened", "score.given", "bid.ranked",
                   "award.made", "challenge.filed", "challenge.answered", "contract.signature", "contract.active",
                   "milestone.decision", "milestone.accepted", "payment.settled", "ledger.posted", "milestone.paid",
                   "grade.recorded"):
        assert action in done, action
    assert done.index("tender.published") < done.index("bid.received") < done.index("tender.opened") \
        < done.index("award.made") < done.index("contract.signature") < done.index("payment.settled")
    with command(app):
        events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq)).all()
        assert [e.seq for e in events] == list(range(1, len(events) + 1))
        assert all(e.prev_hash == p.hash for p, e in zip(events, events[1:]))
        received = [e for e in events if e.action == "bid.received"]
        assert all(not e.public and "organization" not in e.payload for e in received)  # no bidder before opening
        assert not any(SECRET in e.payload for e in events)  # never the sealed content
        signature = next(e for e in events if e.action == "contract.signature")
        assert signature.public and signature.subject_type == "contract" and len(signature.payload) > 60
    result = verify(app)
    assert result.exit_code == 0 and f"OK: {len(done)} events" in result.output


@pytest.mark.parametrize("tamper, problem", [
    ("UPDATE audit_event SET payload = REPLACE(payload, '评分', '打分') WHERE action = 'challenge.filed'",
     "was changed"),
    ("UPDATE audit_event SET at = at WHERE 1 = 0; UPDATE audit_event SET actor_id = 999999 WHERE seq = 3",
     "event 3 was changed"),
    ("DELETE FROM audit_event WHERE seq = 5", "event 5 is missing"),
    ("UPDATE audit_event SET seq = -1 WHERE seq = 4; UPDATE audit_event SET seq = 4 WHERE seq = 6; "
     "UPDATE audit_event SET seq = 6 WHERE seq = -1", "event 4"),
    ("DELETE FROM audit_event WHERE seq = (SELECT MAX(seq) FROM audit_event)", "events at the end were removed"),
    ("UPDATE audit_event SET public = NOT public WHERE seq = 2", "event 2 was changed"),
])
def test_tampering_with_any_event_is_detected(app, flow, tamper, problem):
    assert verify(app).exit_code == 0
    with command(app):
        for statement in tamper.split("; "):
            db.session.execute(text(statement))
        db.session.commit()
    result = verify(app)
    assert result.exit_code == 1 and problem in result.output, result.output


def test_an_edit_with_its_hash_recomputed_breaks_the_next_link(app, flow):
    with command(app):
        event = db.session.scalar(select(AuditEvent).filter_by(seq=7))
        event.payload = event.payload.replace("1", "2") if "1" in event.payload else event.payload + " "
        event.hash = chain.hash_of(event)  # a careful forger
        db.session.commit()
    result = verify(app)
    assert result.exit_code == 1 and "event 8 does not follow" in result.output


def test_a_published_head_must_still_be_in_the_chain(app, flow):
    with command(app):
        published = chain.head()
    ok = app.test_cli_runner().invoke(args=["audit", "verify", "--expect", f"{published.seq}:{published.hash}"])
    assert ok.exit_code == 0
    wrong = app.test_cli_runner().invoke(args=["audit", "verify", "--expect", f"{published.seq}:{'f' * 64}"])
    assert wrong.exit_code == 1 and "no longer has the published hash" in wrong.output


def test_a_refused_decision_leaves_no_event(app, flow):
    before = actions(app)
    with command(app):
        c = contract(flow)
        with pytest.raises(ServiceError):
            payment.pay(user(flow["buyer"]), c, c.milestones[0].id)  # paid already
    assert actions(app) == before


def test_public_events_show_on_their_pages_with_hashes(app, flow, client):
    with command(app):
        public = [e.hash for e in chain.public_events_of("contract", flow["contract"])]
        private = {e.seq for e in db.session.scalars(select(AuditEvent).filter_by(public=False))}
    page = client.get(f"/contracts/{flow['contract']}").get_data(as_text=True)
    assert public and all(digest[:12] in page for digest in public)
    tender_page = client.get(f"/procurement/tenders/{flow['tender']}").get_data(as_text=True)
    assert "中标" in tender_page and "哈希" in tender_page
    log = client.get("/audit").get_data(as_text=True)
    tables = "".join(re.findall(r'data-test="audit-events">(.*?)</table>', log + tender_page, re.S))
    shown = {int(n) for n in re.findall(r"<tr><td>(\d+)</td>", tables)}
    # Private events (sealed bids, scores) are not listed; their hashes appear only as the next one's link.
    assert shown and not shown & private
    with command(app):
        head = chain.head().hash
    assert head in log


def test_concurrent_decisions_append_one_unbroken_chain(app, tender_world, frozen, make_user, places):
    organizations = [tender_world[f"org{n}"] for n in range(4)]
    errors = []

    def grade(org_id, n):
        try:
            with command(app):
                undertakers.record_grade(user(tender_world["admin"]), db.session.get(Organization, org_id), 1 + n % 5,
                                         date(2026, 12, 1))
        except Exception as error:  # noqa: BLE001  (reported below)
            errors.append(error)

    threads = [threading.Thread(target=grade, args=(org_id, n)) for n, org_id in enumerate(organizations * 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert actions(app).count("grade.recorded") == 8
    assert verify(app).exit_code == 0
