import click
from flask.cli import AppGroup

from market.extensions import db
from market.outcomes import kept

outcomes_cli = AppGroup("outcomes", help="The needs' outcomes behind each place's figures.")


@outcomes_cli.command("rebuild")
def rebuild_command():
    """Write every need's outcome again from the records (after a migration or a repair)."""
    count = kept.rebuild()
    db.session.commit()
    click.echo(f"{count} needs' outcomes written.")
