"""One way to paginate a list page."""
from flask import current_app, request

from market.extensions import db


def paginate(select, per_page: int | None = None, arg: str = "page"):
    """Paginate a select by ?page= (or another argument, for a second list on the same page);
    a page past the end gives an empty page, not an error."""
    page = db.paginate(
        select,
        page=request.args.get(arg, 1, type=int),
        per_page=per_page or current_app.config["PER_PAGE"],
        error_out=False,
        max_per_page=100,
    )
    page.arg = arg  # the pagination macro links with the same argument
    return page
