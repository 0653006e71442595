import click
from flask.cli import AppGroup

from market.demo import seed
from market.demo.city import City
from market.extensions import db
from market.search import documents, services
from market.search.indexing import backend_of

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


@demo_cli.command("city")
@click.option("--scale", type=float, default=1.0, show_default=True,
              help="Fraction of a Suzhou-sized city: 1.0 is 15,000 organizations and 1,000,000 ratings, 0.1 a tenth.")
@click.option("--index/--no-index", default=True, show_default=True, help="Rebuild the search index afterwards.")
def city_command(scale, index):
    """Generate a city for benchmarks on top of the reference data (run on an empty database)."""
    import time

    from flask import current_app

    seed.seed_reference()
    started = time.perf_counter()
    steps = ["places", "people", "organizations", "needs", "catalogs", "tenders and bids", "contracts and money",
             "ratings", "grades", "rounds"]
    try:
        city = City(scale, progress=lambda label, n: click.echo(f"  {label}{' …' if n == 0 else ' done'}"))
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--scale") from error
    click.echo(f"Generating a city at scale {scale}: {len(steps)} steps")
    counts = city.build()
    click.echo(f"Generated in {time.perf_counter() - started:.0f} s:")
    for table, rows in sorted(counts.items()):
        click.echo(f"  {table:<22} {rows:>10,}")
    if index:
        if backend_of(current_app) is not None:
            click.echo("Indexing for search:")
            total, done = documents.count_public(), [0]

            def report(n):
                done[0] += n
                if done[0] % 20_000 < n or done[0] == total:
                    click.echo(f"  {done[0]:,}/{total:,}")

            started = time.perf_counter()
            written = services.reindex(current_app._get_current_object(), report)
            db.session.commit()  # the command's unit of work
            seconds = time.perf_counter() - started
            click.echo(f"  {written:,} documents in {seconds:.0f} s ({written / max(seconds, 0.001):,.0f} a second)")
