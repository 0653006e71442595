"""Rendered public pages for anonymous readers, kept until the data changes.

A page every anonymous reader sees the same way (home, tender list and page, scorecard, community
page, search, the read API) is rendered once and then served from memory, until anything in the
database changes or PAGE_CACHE_SECONDS pass on the clock. Times shown relative to now ("closes in
2 days") are at most that stale; every rule is still checked when someone acts.

All processes and machines share one data version, a row that each write transaction bumps right
after it commits (its own short transaction, so no write waits on it). A reader's request reads the
version first: a page rendered before a change is never served after it. Signed-in people and
anyone with a message waiting never get a cached page, and each reader gets a CSRF token of their
own in the cached page (the language form on every page carries one).
"""
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import wraps

from flask import Response, current_app, g, get_flashed_messages, request
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from sqlalchemy import Integer, select
from sqlalchemy.orm import Mapped, mapped_column

from market import clock
from market.core import display, upsert
from market.extensions import db

CSRF_MARK = b"<!--csrf-token-->"  # user text is escaped, so only our own mark looks like this
CHANGED = "page_cache_changed"
BIGGEST_BODY = 512 * 1024


class DataVersion(db.Model):
    """One row: bumped after every commit that changed data."""

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=0)


# Tables written by reading, not by anything a page shows: counting them would empty the cache on
# every API request or failed sign-in.
UNSHOWN_TABLES = {"api_rate_window", "login_attempt", "data_version", "user_session"}


@dataclass
class Entry:
    body: bytes
    content_type: str
    until: datetime


class PageCache:
    """Least recently used entries in this process, at most `size` of them."""

    def __init__(self, size: int):
        self.size, self.entries, self.lock = size, OrderedDict(), threading.Lock()

    def get(self, key, now: datetime) -> Entry | None:
        with self.lock:
            entry = self.entries.get(key)
            if entry is None or entry.until <= now:
                self.entries.pop(key, None)
                return None
            self.entries.move_to_end(key)
            return entry

    def put(self, key, entry: Entry) -> None:
        with self.lock:
            self.entries[key] = entry
            self.entries.move_to_end(key)
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)


def install(app) -> None:
    app.extensions["market.page_cache"] = PageCache(app.config["PAGE_CACHE_ENTRIES"])


def enabled() -> bool:
    return current_app.config["PAGE_CACHE_SECONDS"] > 0


def current_version() -> int:
    return db.session.scalar(select(DataVersion.version).where(DataVersion.id == 1)) or 0


def bump() -> None:
    """A new data version, so every process renders its pages afresh."""
    statement = upsert.insert(DataVersion).values(id=1, version=1).on_conflict_do_update(
        index_elements=[DataVersion.id], set_={"version": DataVersion.version + 1})
    with db.engine.begin() as connection:
        connection.execute(statement)


def cached_page(view):
    """Serve the view from the cache to anonymous readers. Applied after the view's own checks that
    run before it (the API's rate limit counts a cached answer like any other)."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if not enabled() or request.method != "GET" or current_user.is_authenticated:
            return view(*args, **kwargs)
        key = (current_version(), str(get_locale()), display.large_text(), request.full_path)
        entry = current_app.extensions["market.page_cache"].get(key, clock.now())
        if entry is None:
            g.page_cache_key = key
            return view(*args, **kwargs)
        body = entry.body.replace(CSRF_MARK, generate_csrf().encode()) if CSRF_MARK in entry.body else entry.body
        response = Response(body, content_type=entry.content_type)
        response.headers["X-Page-Cache"] = "hit"
        return response

    return wrapper


def store(response):
    key = g.pop("page_cache_key", None)
    if (key is None or response.status_code != 200 or response.is_streamed or response.direct_passthrough
            or get_flashed_messages()):
        return response
    body = response.get_data()
    if len(body) > BIGGEST_BODY:
        return response
    token = g.get(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"))
    if token:  # this reader's own token; the next reader gets theirs
        body = body.replace(token.encode(), CSRF_MARK)
    until = clock.now() + timedelta(seconds=current_app.config["PAGE_CACHE_SECONDS"])
    current_app.extensions["market.page_cache"].put(key, Entry(body, response.content_type, until))
    response.headers["X-Page-Cache"] = "miss"
    return response


def _shown(table_name: str | None) -> bool:
    return table_name not in UNSHOWN_TABLES


def _active() -> bool:
    try:
        return enabled()
    except RuntimeError:  # no application
        return False


def note_flushed_changes(session, flush_context):
    if not _active():
        return
    for obj in (*session.new, *session.dirty, *session.deleted):
        if _shown(getattr(obj, "__tablename__", None)):
            session.info[CHANGED] = True
            return


def note_bulk_changes(state):
    if not (state.is_insert or state.is_update or state.is_delete) or not _active():
        return
    table = getattr(state.statement, "table", None)
    if _shown(getattr(table, "name", None)):
        state.session.info[CHANGED] = True


def bump_after_commit(session):
    # SQLAlchemy calls this for a savepoint's release too; the change is not committed until the
    # outermost transaction is (and a second connection would wait on its lock).
    if not session.in_nested_transaction() and session.info.pop(CHANGED, False):
        bump()


def forget_changes(session):
    session.info.pop(CHANGED, None)
