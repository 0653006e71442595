"""`flask procurement advance`: close bidding and open bids whose time has come, for every tender.

Reads and writes of a tender already advance it, so this is not needed for correctness; run it
every few minutes (cron or a systemd timer) so lists show the right status without anyone opening
the tender first."""
import click
from flask.cli import AppGroup

from market.extensions import db
from market.procurement import tenders

procurement_cli = AppGroup("procurement", help="Procurement housekeeping.")


@procurement_cli.command("advance")
def advance_command():
    """Advance every tender whose bid deadline or opening time has passed."""
    moved = tenders.advance_due()
    db.session.commit()
    click.echo(f"{moved} tenders advanced.")
