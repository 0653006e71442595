"""`flask housekeeping receipts`: forget forms' one-time receipts older than 30 days; run it daily."""
import click
from flask.cli import AppGroup

from market import clock
from market.core import once
from market.extensions import db

housekeeping_cli = AppGroup("housekeeping", help="Daily housekeeping.")


@housekeeping_cli.command("receipts")
def receipts_command():
    """Forget the receipts of forms sent more than 30 days ago."""
    forgotten = once.purge(clock.now())
    db.session.commit()
    click.echo(f"{forgotten} form receipts forgotten.")
