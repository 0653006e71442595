import click
from flask.cli import AppGroup

from market.demo import seed

demo_cli = AppGroup("seed", help="Load reference data and the demo.")


@demo_cli.command("reference")
def reference_command():
    """Places of the demo city, departments and service categories (safe to run again)."""
    created = seed.seed_reference()
    click.echo(f"Reference data: {created['places']} places, {created['departments']} departments, "
               f"{created['categories']} categories added.")


@demo_cli.command("demo")
def demo_command():
    """Reference data plus demo organizations and one account per role (safe to run again)."""
    people = seed.seed_demo()
    click.echo("Demo accounts (password for all: %s):" % seed.DEMO_PASSWORD)
    for email, name, role in people:
        click.echo(f"  {email:<26} {name}  ({role})")
