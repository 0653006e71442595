"""Builds the world into a database: `python -m tests.world.build sqlite:////tmp/world.db` prints
what is still missing (each builder module can be tried this way)."""
import os
import sys
import time

from flask_migrate import upgrade

from market import clock
from market.core.unit import command
from market.extensions import db
from tests.world import CRAWL_AT, WORLD_START, World, statuses

# In order; each adds what the ones before it lack.
STEP_MODULES = ["people", "community", "procurement", "contracts", "philanthropy", "evaluation"]


def build(app, log=print) -> World:
    import importlib

    from market.demo.seed import seed_demo

    world = World(app, clock.FrozenClock(WORLD_START))
    clock.install(app, world.clock)
    with command(app):
        if db.engine.dialect.name == "postgresql":
            from sqlalchemy import text

            with db.engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        upgrade()
        started = time.monotonic()
        seed_demo()
        db.session.commit()
        log(f"demo {time.monotonic() - started:.1f} s")
        only = os.environ.get("WORLD_ONLY")  # e.g. "people,contracts": to try some builders alone
        for name in STEP_MODULES:
            if only and name not in only.split(","):
                continue
            try:
                module = importlib.import_module(f"tests.world.{name}")
            except ModuleNotFoundError as error:
                if error.name != f"tests.world.{name}":
                    raise
                log(f"{name}: not written yet")
                continue
            started = time.monotonic()
            module.build(world)
            db.session.commit()
            log(f"{name} {time.monotonic() - started:.1f} s")
        world.clock.at = CRAWL_AT
        db.session.remove()
    return world


def world_app(database_url: str, files_dir: str):
    from market import create_app

    return create_app({
        "TESTING": True, "SECRET_KEY": "world-secret", "SQLALCHEMY_DATABASE_URI": database_url,
        "UPLOAD_DIR": f"{files_dir}/uploads", "MAIL_BACKEND": "outbox", "MAIL_OUTBOX_DIR": f"{files_dir}/outbox",
        "SERVER_NAME": None, "PAGE_CACHE_SECONDS": 0, "SEARCH_BACKEND": "none",
        "PASSWORD_HASH_METHOD": "scrypt:1024:8:1",  # tests/conftest.py: TEST_PASSWORD_HASH
        # The crawl reads the API far faster than a person: a 429 would hide the page behind it.
        "API_RATE_ANONYMOUS": 1_000_000, "API_RATE_TOKEN": 1_000_000,
    })


if __name__ == "__main__":
    import logging
    import tempfile

    logging.disable(logging.INFO)
    url = sys.argv[1] if len(sys.argv) > 1 else "sqlite:////tmp/world.db"
    if url.startswith("sqlite:///"):
        path = url[len("sqlite:///"):]
        if os.path.exists(path):
            os.remove(path)
    app = world_app(url, tempfile.mkdtemp())
    build(app)
    with command(app):
        missing = statuses.coverage()
    for model, lacking in sorted(missing.items()):
        print(f"missing {model}: {', '.join(lacking)}")
    print("complete" if not missing else f"{sum(map(len, missing.values()))} statuses missing")
