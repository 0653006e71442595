"""`flask ocds export OUTDIR`: the OCDS release and record packages of every public tender, as files."""
import sys

import click
from flask.cli import AppGroup

from market.extensions import db
from market.transparency import ocds

ocds_cli = AppGroup("ocds", help="Open Contracting Data Standard exports.")


@ocds_cli.command("export")
@click.argument("outdir", type=click.Path(file_okay=False))
def export_command(outdir):
    """Write release-package.json, record-package.json and records/<ocid>.json into OUTDIR."""
    from sqlalchemy import func, select

    total = db.session.scalar(select(func.count()).select_from(ocds.public_processes_select().subquery()))
    if sys.stdout.isatty():
        with click.progressbar(length=total, label="Exporting", show_pos=True) as bar:
            counts = ocds.export(outdir, bar.update)
    else:
        done = [0]

        def report(n):
            done[0] += n
            click.echo(f"Exporting: {done[0]}/{total}")

        counts = ocds.export(outdir, report)
    click.echo(f"{counts['processes']} contracting processes, {counts['releases']} releases written to {outdir}")
