"""Each need's outcome, kept as its timeline moves: a step that can change where a need ended up
(`CHANGES`) rewrites the outcome rows of the needs it concerns, read again from their timelines, so
the rows always say what the timeline says (and `rebuild` says it again for every need)."""
from sqlalchemy import delete, or_, select

from market import clock
from market.contracts.models import SIGNED_STATUSES, Contract
from market.extensions import db
from market.needs.models import Need, TimelineEvent
from market.needs.signals import timeline_recorded
from market.outcomes.models import NeedOutcome, NeedService

# A service starts when both sides have signed (a grant agreement's draft, `grant_agreed`, may still be
# cancelled): the contract's signature is recorded on the requests of its tender or proposal.
SERVICE_STARTS = ("contract_signed",)
# A need moved to the problem ledger (a broken lamp) is followed there: it stops waiting here. A problem
# turned into a need starts one (`need_from_problem`), as a post does.
STOPS = {"need_declined": "declined", "need_withdrawn": "withdrawn", "request_closed": "closed",
         "need_to_problem": "moved"}
CHANGES = frozenset({"need_posted", "need_from_problem", "need_merged", "request_forwarded", *SERVICE_STARTS,
                     *STOPS})
BATCH = 500


@timeline_recorded.connect
def _keep(event, needs, **_):
    if event.kind in CHANGES and needs:
        keep(needs)


def keep(needs: list[Need]) -> None:
    """Write the outcome of these needs from their timelines: three queries, and one write a row."""
    ids = [need.id for need in needs]
    request_ids = sorted({need.request_id for need in needs if need.request_id is not None})
    events = db.session.scalars(select(TimelineEvent).where(or_(
        TimelineEvent.need_id.in_(ids), TimelineEvent.request_id.in_(request_ids))).order_by(TimelineEvent.id)).all()
    contract_ids = {e.detail.get("contract_id") for e in events if e.kind in SERVICE_STARTS and e.detail}
    contract_ids.discard(None)
    starts = dict(db.session.execute(select(Contract.id, Contract.starts_on).where(
        Contract.id.in_(contract_ids), Contract.status.in_(SIGNED_STATUSES))).tuples().all()) if contract_ids else {}
    rows = {row.need_id: row for row in db.session.scalars(select(NeedOutcome).where(NeedOutcome.need_id.in_(ids)))}
    linked = set(db.session.execute(select(NeedService.need_id, NeedService.contract_id)
                                    .where(NeedService.need_id.in_(ids))).tuples())
    for need in needs:
        own = [e for e in events if e.need_id == need.id
               or (need.request_id is not None and e.request_id == need.request_id)]
        row = rows.get(need.id)
        if row is None:
            row = NeedOutcome(need_id=need.id)
            db.session.add(row)
        row.posted_on = clock.china_date(need.created_at)
        row.answer, row.answered_on, row.stop, row.stopped_on = "", None, "", None
        for event in own:
            detail = event.detail or {}
            if event.kind in SERVICE_STARTS and detail.get("contract_id") in starts:
                contract_id = detail["contract_id"]
                started = starts[contract_id]
                # the first service to start answers the need; one starting earlier than another counts
                if row.answer != "service" or started < row.answered_on:
                    row.answer, row.answered_on = "service", started
                row.stop, row.stopped_on = "", None  # a request closed, then its service signed: answered
                if (need.id, contract_id) not in linked:
                    db.session.add(NeedService(need_id=need.id, contract_id=contract_id))
                    linked.add((need.id, contract_id))
            elif event.kind == "request_forwarded" and detail.get("track") == "self_governance" and not row.answer:
                row.answer, row.answered_on = "community", clock.china_date(event.at)
                row.stop, row.stopped_on = "", None
            elif event.kind in STOPS and not row.answer and not row.stop:
                row.stop, row.stopped_on = STOPS[event.kind], clock.china_date(event.at)
    db.session.flush()


def rebuild() -> int:
    """Every need's outcome again from the records (after a migration, or to check the kept rows)."""
    db.session.execute(delete(NeedService))
    db.session.execute(delete(NeedOutcome))
    done, last = 0, 0
    while True:
        batch = db.session.scalars(select(Need).where(Need.id > last).order_by(Need.id).limit(BATCH)).all()
        if not batch:
            return done
        keep(batch)
        done, last = done + len(batch), batch[-1].id
