"""`flask search reindex` rebuilds the index from the database, with a progress bar."""
import sys

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import text

from market.core.errors import ServiceError
from market.extensions import db
from market.search import documents, relevance, services
from market.search.indexing import backend_of, drain
from market.search.models import RANK_INDEXES, rank_index_sql

search_cli = AppGroup("search", help="The full-text search index.")


@search_cli.command("reindex")
def reindex_command():
    """Rebuild the search index from every public record."""
    app = current_app._get_current_object()
    drain(app)  # changes queued before the rebuild land first, not after it
    total = documents.count_public()
    label = f"Indexing ({backend_of(app).name if backend_of(app) else '-'})"
    try:
        if sys.stdout.isatty():
            with click.progressbar(length=total, label=label, show_pos=True, show_percent=True) as bar:
                count = services.reindex(app, bar.update)
        else:  # a log, not a terminal: one line per batch
            done = 0

            def report(n: int) -> None:
                nonlocal done
                done += n
                click.echo(f"{label}: {done}/{total}")

            count = services.reindex(app, report)
    except ServiceError as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()  # the command's unit of work (the PostgreSQL index is rows of this database)
    click.echo(f"{count} documents in the index.")


@search_cli.command("evaluate")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--backend", type=click.Choice(["whoosh", "postgresql"]), default="whoosh", show_default=True)
def evaluate_command(path, backend):
    """Recall@10 and MRR of FILE's queries over FILE's documents, in a throw-away index built with the
    production analysis (the site's index is not touched); the worst queries first."""
    import json

    with open(path, encoding="utf-8") as file:
        data = json.load(file)
    try:
        report = relevance.evaluate(data, backend, current_app.config.get("SEARCH_SYNONYMS_FILE"))
    except ValueError as error:
        raise click.ClickException(str(error)) from error
    for judged in report.worst_first():
        missed = sorted(set(judged.relevant) - set(judged.found))
        click.echo(f"recall {judged.recall:.2f}  rr {judged.reciprocal_rank:.2f}  {judged.query}"
                   + (f"  (missed: {', '.join(missed)})" if missed else ""))
    click.echo(f"{backend}: {len(report.judged)} queries over {len(data['docs'])} documents: "
               f"recall@10 {report.recall:.3f}, MRR {report.mrr:.3f}")


@search_cli.command("rank-index")
def rank_index_command():
    """On PostgreSQL, add the RUM indexes that rank results from the index, over every document and for
    each kind (migrations 0027 and 0028 add them when the server has the extension; this adds them once
    the operator has installed it later)."""
    if db.engine.dialect.name != "postgresql":
        raise click.ClickException("The RUM index is for the PostgreSQL search backend.")
    if db.session.execute(text("SELECT 1 FROM pg_available_extensions WHERE name = 'rum'")).first() is None:
        raise click.ClickException("This PostgreSQL server has no RUM extension: install postgresql-<major>-rum.")
    db.session.execute(text("CREATE EXTENSION IF NOT EXISTS rum"))
    for kind in RANK_INDEXES:
        db.session.execute(text(rank_index_sql(kind)))
    db.session.commit()
    click.echo(f"{', '.join(RANK_INDEXES.values())} are in place: search results are ranked from them.")
