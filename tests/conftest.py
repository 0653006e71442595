"""Test harness: a real database (SQLite file, or PostgreSQL when TEST_DATABASE_URL is set),
built by the migrations once per run, reference data seeded once, other tables emptied after
each test. CSRF stays on: forms are posted with the token the page gave."""
import os
import re
from datetime import datetime

import pytest
from flask_migrate import upgrade
from sqlalchemy import event, select, text

from market import clock, create_app
from market.accounts import services as accounts
from market.core.unit import command
from market.extensions import db

# browser: the live server and Chromium, for every browser test. tests.factories: the builders test
# modules share (the tender world, an awarded contract, a round...), found by name like these here.
pytest_plugins = ["browser", "tests.factories"]

REFERENCE_TABLES = {"city", "district", "street", "community", "department", "service_category", "alembic_version",
                    "rule_set", "calendar_day"}
START = datetime(2026, 11, 22, 2, 0)  # 10:00 in Suzhou
PASSWORD = "correct-horse-42"
# scrypt as in production, at n=1024 instead of Werkzeug's 32768: the same hashing code, 2.6 ms a hash
# instead of 125 (the suite makes and signs in thousands of accounts). test_accounts checks production's.
TEST_PASSWORD_HASH = "scrypt:1024:8:1"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    return os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    files = tmp_path_factory.mktemp("files")
    app = create_app({
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "UPLOAD_DIR": str(files / "uploads"),
        "MAIL_BACKEND": "outbox",
        "MAIL_OUTBOX_DIR": str(files / "outbox"),
        "SERVER_NAME": None,
        "PAGE_CACHE_SECONDS": 0,  # on in tests/test_page_cache.py
        "OUTCOME_FIGURES_SECONDS": 0,  # on in tests/test_outcomes.py
        "SEARCH_BACKEND": "none",  # tests of search switch it on for themselves (tests/test_search.py)
        "PASSWORD_HASH_METHOD": TEST_PASSWORD_HASH,
    })
    with command(app):
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        upgrade()
        from market.demo.seed import seed_reference

        seed_reference()
    yield app
    with command(app):
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def frozen(app):
    frozen_clock = clock.FrozenClock(START)
    clock.install(app, frozen_clock)
    yield frozen_clock
    clock.install(app, clock.SystemClock())


def _empty(app) -> None:
    """Every table but the reference data emptied."""
    with command(app):
        db.session.remove()
        tables = [t for t in reversed(db.metadata.sorted_tables) if t.name not in REFERENCE_TABLES]
        with db.engine.begin() as connection:
            for table in tables:
                connection.execute(table.delete())


@pytest.fixture(autouse=True)
def clean(app, frozen, request):
    """Each test starts with reference data only, an empty outbox and a frozen clock."""
    yield
    _empty(app)
    outbox = app.config["MAIL_OUTBOX_DIR"]
    if os.path.isdir(outbox):
        for name in os.listdir(outbox):
            os.remove(os.path.join(outbox, name))
    app.extensions.pop("market.test_ip", None)


@pytest.fixture(scope="session")
def demo_rows(app):
    """The demo, seeded once a run (about 8 s) under the suite's frozen clock and kept as rows."""
    from market.demo.seed import seed_demo

    clock.install(app, clock.FrozenClock(START))
    try:
        with command(app):
            seed_demo()
            db.session.remove()
            with db.engine.connect() as connection:
                # in the order of their keys: a row referring to another of its table (an indicator's
                # parent) comes after it, as PostgreSQL checks each row as it is put back
                rows = {table.name: [dict(row._mapping) for row in connection.execute(
                            select(table).order_by(*table.primary_key.columns))]
                        for table in db.metadata.sorted_tables if table.name not in REFERENCE_TABLES}
    finally:
        clock.install(app, clock.SystemClock())
    _empty(app)
    return rows


@pytest.fixture
def demo_seeded(app, frozen, demo_rows):
    """The demo, as `flask seed demo` leaves it, put back from the rows kept once a run: for tests that
    read it or work on it through the database. (Not for the search index: written back as rows, it
    reaches no index; tests of search seed it themselves.)"""
    with app.app_context(), db.engine.begin() as connection:
        for table in db.metadata.sorted_tables:
            if demo_rows.get(table.name):
                connection.execute(table.insert(), demo_rows[table.name])
        if connection.dialect.name == "postgresql":  # the ids were given: move the sequences past them
            for table in db.metadata.sorted_tables:
                if demo_rows.get(table.name) and "id" in table.c and table.c.id.autoincrement in (True, "auto"):
                    connection.execute(text(f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), "
                                            f"(SELECT max(id) FROM \"{table.name}\"))"))


@pytest.fixture
def ctx(app):
    with command(app):
        yield
        db.session.remove()


class FormClient:
    """A test client that posts forms the way a browser does, with the page's CSRF token."""

    def __init__(self, client):
        self.client = client

    def __getattr__(self, name):
        return getattr(self.client, name)

    def token(self, url: str = "/") -> str:
        """The session's CSRF token, read from a page (the home page if `url` shows no form)."""
        for candidate in (url, "/"):
            page = self.client.get(candidate).get_data(as_text=True)
            match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
            if match:
                return match.group(1)
        raise AssertionError(f"no CSRF token on {url}")

    def submit(self, url: str, data: dict, form_url: str | None = None, **kwargs):
        payload = {"csrf_token": self.token(form_url or url), **data}
        return self.client.post(url, data=payload, **kwargs)


@pytest.fixture
def client(app):
    return FormClient(app.test_client())


@pytest.fixture
def make_user(app):
    """Create a person with the given roles, as the services would."""

    def make(email: str, name: str = "测试用户", roles: dict | None = None, community=None):
        with command(app):
            user = accounts.register(email, name, PASSWORD)
            for role, scope_id in (roles or {}).items():
                from market.accounts.models import RoleGrant
                from market.accounts.roles import ROLE_SCOPE

                scope = ROLE_SCOPE[role]
                values = {f"{scope}_id": scope_id} if scope else {}
                db.session.add(RoleGrant(user_id=user.id, role=role.value, granted_at=clock.now(), **values))
            if community is not None:
                from market.accounts.models import RESIDENCE_MACHINE, Residence

                residence = Residence(user_id=user.id, community_id=community, requested_at=clock.now())
                db.session.add(residence)
                RESIDENCE_MACHINE.start(residence, user)
                RESIDENCE_MACHINE.move(residence, "verified", user, "test")
            db.session.commit()
            return user.id

    return make


@pytest.fixture
def login(client):
    def do(email: str, password: str = PASSWORD):
        response = client.submit("/login", {"email": email, "password": password}, form_url="/login")
        assert response.status_code == 302, response.get_data(as_text=True)[:2000]
        return response

    return do


@pytest.fixture
def count_queries(app):
    """Count SQL statements sent while the block runs."""

    class Counter:
        def __init__(self):
            self.statements = []

        def __enter__(self):
            with command(app):
                self.engine = db.engine
            event.listen(self.engine, "before_cursor_execute", self._record)
            return self

        def __exit__(self, *exc):
            event.remove(self.engine, "before_cursor_execute", self._record)

        def _record(self, conn, cursor, statement, *args):
            self.statements.append(statement)

        @property
        def count(self):
            return len(self.statements)

    def make():
        return Counter()

    return make


@pytest.fixture
def places(app):
    """Handy ids from the reference data."""
    from market.places.models import Community, Department, District, Street

    with command(app):
        street = db.session.scalar(db.select(Street).filter_by(name="平江街道"))
        communities = db.session.scalars(
            db.select(Community).filter_by(street_id=street.id).order_by(Community.id)
        ).all()
        other_street = db.session.scalar(db.select(Street).filter_by(name="狮山街道"))
        other = db.session.scalar(db.select(Community).filter_by(street_id=other_street.id).order_by(Community.id))
        return {
            "street": street.id,
            "community": communities[0].id,
            "community2": communities[1].id,
            "other_community": other.id,
            "district": street.district_id,
            "department": db.session.scalar(db.select(Department.id).filter_by(name="姑苏区民政局")),
            "districts": db.session.scalar(db.select(db.func.count(District.id))),
        }


@pytest.fixture
def rubric_defaults(app):
    """The shipped rubrics (the per-test cleanup removes them with everything else)."""
    from market.evaluation import rubrics

    with command(app):
        rubrics.ensure_defaults()
        ids = {r.name: r.id for r in db.session.scalars(db.select(rubrics.Rubric))}
    return ids


@pytest.fixture
def whoosh(app, tmp_path):
    """Whoosh search on for one test, in a fresh index folder (the suite runs with search off)."""
    from market.search.backends import WhooshBackend
    from market.search.indexing import drain

    app.extensions["market.search"] = WhooshBackend(str(tmp_path / "index"))
    yield tmp_path / "index"
    drain(app)
    app.extensions["market.search"] = None


@pytest.fixture(scope="session")
def world(database_url, tmp_path_factory):
    """The crawler's world (tests/world): the demo and a record in every status, built once per run
    through the services, in a database of its own that the per-test cleanup never touches."""
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    from tests.world.build import build, world_app

    if database_url.startswith("postgresql"):
        url = make_url(database_url)
        admin = create_engine(url, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text("DROP DATABASE IF EXISTS market_world"))
            connection.execute(text("CREATE DATABASE market_world"))
        admin.dispose()
        world_url = url.set(database="market_world").render_as_string(hide_password=False)
    else:
        world_url = f"sqlite:///{tmp_path_factory.mktemp('world') / 'world.db'}"
    built = build(world_app(world_url, str(tmp_path_factory.mktemp("world-files"))), log=lambda *_: None)
    yield built
    with built.app.app_context():
        db.session.remove()
        db.engine.dispose()


# The tests that read the crawler's world as it was built (tests/world), before the tests that act on it
# (the forms sent twice, hostile input…) change it: the phone sweep lays out the pages the crawl read.
READ_THE_WORLD_FIRST = ("test_crawler.py", "test_phone.py")


def pytest_collection_modifyitems(items):
    items.sort(key=lambda item: item.path.name not in READ_THE_WORLD_FIRST)  # stable: otherwise in order


# The crawl's language, one a pass and both in each `make test`: English on SQLite, Chinese on PostgreSQL.
# What can fall over differs by database in the queries and by language in the catalogs and templates.
CRAWL_LANGUAGE = "zh" if os.environ.get("TEST_DATABASE_URL") else "en"


@pytest.fixture(scope="session")
def world_crawl(world):
    """Every page of the world requested as anonymous, each demo role and each stranger, in the pass's
    language, once a run (tests/world/crawl.py): the crawler's test checks its answers, the phone sweep
    lays out each distinct page it read, and the forms the pages show are read on the way
    (`report.forms`, tests/world/forms.py)."""
    from tests.world.crawl import Report, crawl, targets
    from tests.world.forms import Shown
    from tests.world.people import signed_in_clients

    report = Report()
    with world.app.app_context():
        urls = targets(world.app)
        db.session.remove()
    clients = signed_in_clients(world, CRAWL_LANGUAGE)
    shown = Shown(urls)
    try:
        crawl(world.app, clients, urls, report, read=shown.read)
    finally:
        for client in clients.values():  # the world stays as built: Chinese for everybody
            client.submit("/language", {"lang": "zh", "next": "/"})
    report.forms = shown.forms(clients)
    return report


@pytest.fixture(scope="session")
def world_forms(world_crawl):
    """Every POST form the world's pages show, with who was shown it and that person's client (signed
    in, reading Chinese as the world does): read by the crawl (tests/world/forms.py)."""
    return world_crawl.forms
