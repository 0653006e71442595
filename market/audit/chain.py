"""Appending to the hash chain and checking it.

An event's hash is SHA-256 over the canonical JSON of everything it says, including its number
and the previous event's hash. Editing an event changes its hash; deleting or reordering events
breaks the numbering or the links; deleting the newest events leaves the head pointing past the
end. The head's hash is published on the transparency pages, so a copy kept elsewhere can prove
that the whole chain was not rewritten either."""
import hashlib
import json
from dataclasses import dataclass

from sqlalchemy import insert, select, update

from market import clock
from market.audit.models import GENESIS, AuditEvent, AuditHead
from market.audit.sources import describers
from market.core import upsert
from market.extensions import db

PENDING = "audit_pending"


def canonical(value) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def digest(seq, at, action, subject_type, subject_id, actor_id, public, payload: str, prev_hash) -> str:
    body = canonical({"seq": seq, "at": at.isoformat(timespec="microseconds"), "action": action,
                      "subject": [subject_type, subject_id], "actor": actor_id, "public": bool(public),
                      "payload": payload, "prev": prev_hash})
    return hashlib.sha256(body.encode()).hexdigest()


def hash_of(e: AuditEvent) -> str:
    return digest(e.seq, e.at, e.action, e.subject_type, e.subject_id, e.actor_id, e.public, e.payload, e.prev_hash)


def note_changes(session, flush_context):
    table = describers()
    specs = session.info.setdefault(PENDING, [])
    for obj in session.new:
        describe = table.get(type(obj))
        if describe:
            specs.extend(describe(obj, True))
    for obj in session.dirty:
        describe = table.get(type(obj))
        if describe and session.is_modified(obj, include_collections=False):
            specs.extend(describe(obj, False))


def append_pending(session):
    session.flush()  # what the commit would flush is noted first
    specs = session.info.pop(PENDING, None)
    if specs:
        append(session, specs)


def forget_pending(session):
    session.info.pop(PENDING, None)


def _take_head(session) -> tuple[int, str]:
    """Lock the head (an UPDATE waits for any other appender) and read it."""
    taken = session.execute(update(AuditHead).where(AuditHead.id == 1).values(seq=AuditHead.seq)
                            .execution_options(synchronize_session=False)).rowcount
    if not taken:  # the first event ever: make the head (once, whoever else tries at the same moment)
        session.execute(upsert.insert(AuditHead).values(id=1, seq=0, hash=GENESIS).on_conflict_do_nothing())
        session.execute(update(AuditHead).where(AuditHead.id == 1).values(seq=AuditHead.seq)
                        .execution_options(synchronize_session=False))
    return session.execute(select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == 1)).one()


def append(session, specs) -> None:
    seq, previous = _take_head(session)
    now = clock.now()
    for spec in specs:
        seq += 1
        payload = canonical(spec.payload() if callable(spec.payload) else spec.payload)
        values = dict(seq=seq, at=now, action=spec.action, subject_type=spec.subject_type, subject_id=spec.subject_id,
                      actor_id=spec.actor_id, public=spec.public, payload=payload, prev_hash=previous)
        previous = digest(**values)
        session.execute(insert(AuditEvent).values(hash=previous, **values))
    session.execute(update(AuditHead).where(AuditHead.id == 1).values(seq=seq, hash=previous)
                    .execution_options(synchronize_session=False))


@dataclass
class Problem:
    seq: int | None
    message: str


def verify(batch: int = 2000) -> tuple[int, list[Problem]]:
    """Walk the chain in order; returns the number of events read and the first thing wrong, if any."""
    problems, expected, previous, count = [], 1, GENESIS, 0
    while not problems:
        rows = db.session.scalars(select(AuditEvent).where(AuditEvent.seq >= expected)
                                  .order_by(AuditEvent.seq).limit(batch)).all()
        if not rows:
            break
        for e in rows:
            count += 1
            if e.seq != expected:
                problems.append(Problem(expected, f"event {expected} is missing (the next is {e.seq})"))
            elif e.prev_hash != previous:
                problems.append(Problem(e.seq, f"event {e.seq} does not follow the event before it"))
            elif hash_of(e) != e.hash:
                problems.append(Problem(e.seq, f"event {e.seq} was changed after it was written"))
            if problems:
                break
            expected, previous = e.seq + 1, e.hash
        db.session.expunge_all()
    last = head()
    if not problems and last is not None and (last.seq, last.hash) != (expected - 1, previous):
        problems.append(Problem(last.seq, f"the chain ends at event {expected - 1} but its head says {last.seq}: "
                                          "events at the end were removed"))
    return count, problems


def head():
    return db.session.execute(select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == 1)).one_or_none()


def public_events_of(subject_type: str, subject_id: int) -> list[AuditEvent]:
    return db.session.scalars(select(AuditEvent).where(AuditEvent.subject_type == subject_type,
                                                       AuditEvent.subject_id == subject_id,
                                                       AuditEvent.public.is_(True))
                              .order_by(AuditEvent.seq)).all()


def public_events_select():
    return select(AuditEvent).where(AuditEvent.public.is_(True)).order_by(AuditEvent.seq.desc())


def event_hash(seq: int) -> str | None:
    return db.session.scalar(select(AuditEvent.hash).where(AuditEvent.seq == seq))
