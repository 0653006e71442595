"""INSERT … ON CONFLICT, which SQLite and PostgreSQL both have but SQLAlchemy builds per dialect."""
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from market.extensions import db


def insert(model):
    """An insert of `model` for the session's database, with `on_conflict_do_nothing/do_update`."""
    return (postgresql_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert)(model)
