"""The transparency portal: every public dataset as a page and a CSV download, with links to the
OCDS packages, the audit log and the API."""

from flask import Blueprint, Response, abort, render_template, stream_with_context

from market.audit import chain
from market.core.page_cache import cached_page
from market.core.pagination import paginate
from market.core.tables import csv_chunks
from market.extensions import db
from market.transparency.datasets import DATASETS

bp = Blueprint("transparency", __name__, url_prefix="/open")
CSV_BATCH = 1000


@bp.route("")
@cached_page
def index():
    return render_template("transparency/index.html", datasets=DATASETS.values(), head=chain.head())


@bp.route("/<name>")
@cached_page
def dataset(name: str):
    found = DATASETS.get(name) or abort(404)
    return render_template("transparency/dataset.html", dataset=found, page=paginate(found.select(), rows=True))


@bp.route("/<name>.csv")
def dataset_csv(name: str):
    """The whole dataset, streamed in batches (a city's million ratings never sit in memory at once).
    UTF-8 with a byte-order mark, so spreadsheet programs read the Chinese right."""
    found = DATASETS.get(name) or abort(404)

    def batches():
        result = db.session.execute(found.select().execution_options(yield_per=CSV_BATCH))
        for batch in result.partitions():
            yield [[found.json_value(c, getattr(row, c.name)) for c in found.columns] for row in batch]

    chunks = csv_chunks([c.name for c in found.columns], batches())
    return Response(stream_with_context(chunks), mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename=market-{name}.csv"})
