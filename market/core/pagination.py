"""One way to paginate a list page."""
from flask import current_app, request
from flask_sqlalchemy.pagination import SelectPagination

from market.extensions import db


class RowPagination(SelectPagination):
    """Pages of whole rows, for a select of several columns (a record and its totals)."""

    def _query_items(self) -> list:
        select = self._query_args["select"].limit(self.per_page).offset(self._query_offset)
        return list(self._query_args["session"].execute(select).all())


def paginate(select, per_page: int | None = None, arg: str = "page", rows: bool = False):
    """Paginate a select by ?page= (or another argument, for a second list on the same page);
    a page past the end gives an empty page, not an error. `rows` keeps every selected column."""
    settings = dict(page=request.args.get(arg, 1, type=int), per_page=per_page or current_app.config["PER_PAGE"],
                    error_out=False, max_per_page=100)
    if rows:
        page = RowPagination(select=select, session=db.session(), **settings)
    else:
        page = db.paginate(select, **settings)
    page.arg = arg  # the pagination macro links with the same argument
    return page
