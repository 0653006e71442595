"""One unit of work per request or command.

Services change the session and never commit, so any two of them compose into one transaction.
Whoever owns the unit commits it once: a request when it answers (`end_of_request`, the first
after-request hook), a CLI command or a job when it has done its work. A refusal ends the unit
with nothing kept: the views' form helpers roll back when a rule says no, and an answer of 400
or more rolls back whatever was changed on the way.

A service commits only where a step must be on record whatever happens next; it says which of
the NAMED_COMMITS it is, and a test holds that no other commit exists in the services.
"""
from contextlib import contextmanager

from flask import current_app, has_app_context
from sqlalchemy.exc import IntegrityError

from market.core.errors import ServiceError
from market.extensions import db

AROUND_PROVIDER_CALL = "around a provider call"
KEPT_THOUGH_REFUSED = "kept though refused"
SHARED_COUNT = "shared count"

NAMED_COMMITS = {
    # A payout (or a cancelled project) is claimed and on record before the provider moves any
    # money, so a crash or a second request cannot pay it again; what the provider did (an account,
    # a card payment, a refund) is on record right after, so a later failure cannot lose it.
    AROUND_PROVIDER_CALL: "right before or right after a payment provider is called",
    # What a refusal must not take back with it: a failed sign-in counts toward the lock-out; a
    # failed payout is recorded with the provider's reason.
    KEPT_THOUGH_REFUSED: "a failed attempt that the refusal must not roll back",
    # The API's per-minute count is shared by every process; kept at once so that a 429 answer
    # counts and no request holds the row while it works.
    SHARED_COUNT: "a counter every process shares",
}


def commit(why: str) -> None:
    """A named commit inside a service (one of NAMED_COMMITS)."""
    if why not in NAMED_COMMITS:
        raise ValueError(f"not a named commit: {why!r}")
    db.session.commit()


def flush() -> None:
    """The end of a service's step: its changes go to the database (ids given, unique keys checked)
    and every loaded record is read afresh, as after a commit, so that a collection loaded before
    the step sees the rows the step added by id."""
    db.session.flush()
    db.session.expire_all()


def end_of_request(response):
    """After-request: commit what the request did, or roll it back if it answered with an error."""
    if response.status_code >= 400:
        db.session.rollback()
    else:
        db.session.commit()
    return response


def refuse_if_taken(message: str, field: str | None = None, code: str | None = None) -> None:
    """Flush; if a unique key refuses the row (the same thing done twice, perhaps at the same
    moment), roll back and refuse with a message (and `code`, the rule's name) instead of an error page."""
    try:
        flush()
    except IntegrityError:
        db.session.rollback()
        raise ServiceError(message, field=field, code=code) from None


def done_once(action, recorded):
    """Run `action` (a step that posts money under a one-time key). If a unique key refuses its
    rows because the same step was done at the same moment by another request (a double click, two
    tabs, a provider's retries), roll back and return what that request recorded, `recorded()`:
    both requests answer with the one result. A refusal with nothing recorded is not such a race
    and is raised again."""
    try:
        result = action()
        flush()
        return result
    except IntegrityError:
        db.session.rollback()
        found = recorded()
        if found is None:
            raise
        return found


@contextmanager
def command(app):
    """A unit of work outside a request (a job, a script, a test acting as one): in the app's
    context, committed when the block ends, rolled back if it raises. Inside another unit of the
    same app it joins that one, which commits (units compose, as services do)."""
    if has_app_context() and current_app._get_current_object() is app:
        yield
        return
    with app.app_context():
        try:
            yield
        except BaseException:
            db.session.rollback()
            raise
        db.session.commit()
