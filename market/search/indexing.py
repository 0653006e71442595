"""Keeping the search index in step with the database.

Every flush notes which documents it touched (records, status changes, grades). With the
PostgreSQL backend those documents are rewritten just before the commit, in the same transaction.
With Whoosh they are handed after the commit to one background thread per process, which batches
them and writes them while requests go on; `drain` waits for it (tests, commands)."""
import atexit
import logging
import os
import queue
import threading

from flask import current_app

from market.core import page_cache
from market.extensions import db
from market.search import documents
from market.search.backends import PostgresBackend, WhooshBackend

log = logging.getLogger(__name__)
TOUCHED = "search_touched"
ATTEMPTS = 3


def backend_of(app):
    return app.extensions.get("market.search")


def install(app) -> None:
    choice = app.config["SEARCH_BACKEND"]
    if choice == "whoosh":
        app.extensions["market.search"] = WhooshBackend(app.config["SEARCH_DIR"])
    elif choice == "postgresql":
        if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
            raise RuntimeError("SEARCH_BACKEND=postgresql needs DATABASE_URL to be a PostgreSQL database")
        app.extensions["market.search"] = PostgresBackend()
    elif choice == "none":
        app.extensions["market.search"] = None
    else:
        raise RuntimeError(f"SEARCH_BACKEND must be whoosh, postgresql or none, not {choice!r}")


def _active_backend():
    try:
        return backend_of(current_app._get_current_object())
    except RuntimeError:  # no application: nothing to index
        return None


def note_touched(session, flush_context):
    if _active_backend() is None:
        return
    noted = session.info.setdefault(TOUCHED, set())
    for obj in (*session.new, *session.dirty, *session.deleted):
        key = documents.touched(obj)
        if key is not None:
            noted.add(key)


def write_in_transaction(session):
    backend = _active_backend()
    if backend is None or not backend.in_transaction:
        return
    session.flush()
    keys = session.info.pop(TOUCHED, None)
    if keys:
        backend.update(keys)
        session.flush()


def write_after_commit(session):
    if session.in_nested_transaction():  # a savepoint released: the records are not committed yet
        return
    backend = _active_backend()
    keys = session.info.pop(TOUCHED, None)
    if backend is None or backend.in_transaction or not keys:
        return
    worker_of(current_app._get_current_object()).put(keys)


def forget_touched(session):
    session.info.pop(TOUCHED, None)


class Worker:
    """One thread per process (started on first use, again after a fork) that writes the index."""

    def __init__(self, app):
        self.app = app
        self.queue: queue.Queue = queue.Queue()
        self.pid = os.getpid()
        self.thread = threading.Thread(target=self._run, name="search-index", daemon=True)
        self.thread.start()
        atexit.register(self.drain)  # a command or server process that ends finishes its index writes first

    def put(self, keys) -> None:
        self.queue.put((frozenset(keys), 1))

    def drain(self) -> None:
        self.queue.join()

    def _run(self) -> None:
        while True:
            batch = [self.queue.get()]
            while True:  # take whatever else is waiting: one index commit for many changes
                try:
                    batch.append(self.queue.get_nowait())
                except queue.Empty:
                    break
            keys = set().union(*(keys for keys, _n in batch))
            attempt = max(n for _keys, n in batch)
            try:
                with self.app.app_context():
                    try:
                        backend_of(self.app).update(keys)
                        if page_cache.enabled():  # search pages rendered before the index caught up
                            page_cache.bump()
                    finally:
                        db.session.remove()
            except Exception:
                if attempt < ATTEMPTS:
                    log.warning("search index update failed (attempt %s); will retry", attempt, exc_info=True)
                    self.queue.put((frozenset(keys), attempt + 1))
                else:
                    log.exception("search index update failed %s times; `flask search reindex` repairs it", attempt)
            finally:
                for _item in batch:
                    self.queue.task_done()


_workers: dict[int, Worker] = {}
_workers_lock = threading.Lock()


def worker_of(app) -> Worker:
    with _workers_lock:
        worker = _workers.get(id(app))
        if worker is None or worker.pid != os.getpid():
            worker = _workers[id(app)] = Worker(app)
        return worker


def drain(app) -> None:
    """Wait until every change committed so far is in the index."""
    backend = backend_of(app)
    if backend is not None and not backend.in_transaction:
        worker_of(app).drain()
