"""`flask tasks`: the scheduled work, on the injected clock.

- `flask tasks run-due` (hourly, or at least daily): tenders whose deadline or opening has come move
  on, the grid ledger's problems past their deadline go up to the street or district (and reporters'
  private details past their retention are deleted), and the reminders of duties due soon or late go
  out (each once per stage).
- `flask tasks digest` (once a day, e.g. at 08:00): each person who chose the daily digest gets one
  mail with what they were told since the last one."""
import click
from flask.cli import AppGroup

from market import clock
from market.extensions import db
from market.grid import problems
from market.notifications import reminders
from market.notifications import services as notifications
from market.procurement import tenders
from market.rules import deadlines

tasks_cli = AppGroup("tasks", help="Scheduled work: deadlines, reminders and the daily digest.")


@tasks_cli.command("run-due")
def run_due_command():
    """Advance tenders whose time has come and send the reminders due today."""
    today = clock.today()
    advanced = tenders.advance_due()
    escalated, purged = problems.escalate_due(), problems.purge_private_details()
    reminded = reminders.run_due(today, deadlines.thresholds(today))
    db.session.commit()
    click.echo(f"{advanced} tenders advanced, {escalated} problems escalated, {purged} reporters' details deleted, "
               f"{reminded} reminders sent ({today.isoformat()}).")


@tasks_cli.command("digest")
def digest_command():
    """Mail each person who chose the daily digest what is new for them."""
    sent = notifications.send_digests()
    db.session.commit()
    click.echo(f"{sent} digests sent.")
