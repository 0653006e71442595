"""One way to paginate a list page."""
from flask import current_app, request

from market.extensions import db


def paginate(select, per_page: int | None = None):
    """Paginate a select by ?page=; a page past the end gives an empty page, not an error."""
    return db.paginate(
        select,
        page=request.args.get("page", 1, type=int),
        per_page=per_page or current_app.config["PER_PAGE"],
        error_out=False,
        max_per_page=100,
    )
