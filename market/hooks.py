"""Every session listener and after-request hook of the app, in one place and in a stated order.

Session listeners (SQLAlchemy calls those of one event in the order they were added):
- after a flush, what changed is noted: for the audit chain, the page cache and the search index;
- a bulk UPDATE or DELETE (no flush sees it) is noted for the page cache;
- before the commit, the audit events are appended first (they flush, so the chain sees all that
  the commit writes), then a search backend that writes in the transaction (PostgreSQL) writes;
- after the commit, the page cache's data version is bumped first (the next page any process
  renders is fresh), then the queued mail leaves, then a search backend that writes after the
  commit (Whoosh) is handed the work;
- after a rollback, each forgets what it noted and the queued mail is dropped.

After-request hooks, in the order they run (Flask runs them in the reverse order of registration,
so they are registered reversed): the request's unit of work is committed (or rolled back on an
error answer) first, so the listeners above fire before the page is kept; then security headers
(and HSTS behind TLS), then the grade badges filled into the HTML, then the page cache keeps the
page as it is sent. Flask-Login's remember
cookie, registered when the login manager starts, runs after them all.
"""
from sqlalchemy import event
from sqlalchemy.orm import Session

from market.audit import chain
from market.core import mail, page_cache, static_files, unit
from market.core.security import add_hsts, add_security_headers
from market.search import indexing
from market.site.badges import fill_grade_badges

SESSION_LISTENERS = (
    ("after_flush", chain.note_changes),
    ("after_flush", page_cache.note_flushed_changes),
    ("after_flush", indexing.note_touched),
    ("do_orm_execute", page_cache.note_bulk_changes),
    ("before_commit", chain.append_pending),
    ("before_commit", indexing.write_in_transaction),
    ("after_commit", page_cache.bump_after_commit),
    ("after_commit", mail.flush_queued_mail),
    ("after_commit", indexing.write_after_commit),
    ("after_rollback", chain.forget_pending),
    ("after_rollback", page_cache.forget_changes),
    ("after_rollback", mail.drop_queued_mail),
    ("after_rollback", indexing.forget_touched),
)


def install_session_listeners() -> None:
    """Once per process: the listeners belong to every Session, whichever app made it."""
    for name, listener in SESSION_LISTENERS:
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)


def after_request_hooks(app) -> list:
    """The after-request hooks in the order they run."""

    secure = [add_hsts] if app.config["SESSION_COOKIE_SECURE"] else []
    return [unit.end_of_request, *secure, add_security_headers, static_files.keep_versioned, fill_grade_badges,
            page_cache.store]


def install_request_hooks(app) -> None:
    for hook in reversed(after_request_hooks(app)):
        app.after_request(hook)
