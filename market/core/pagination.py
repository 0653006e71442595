"""One way to paginate a list page."""
import sqlalchemy as sa
from flask import current_app, request
from flask_sqlalchemy.pagination import SelectPagination
from sqlalchemy import orm

from market.core.params import bounded_int
from market.extensions import db


class CappedCount:
    """Counts stop at COUNT_LIMIT rows. Counting every row of a city-sized list for its pager costs
    as much as the rows; past the limit the pager says "more than N" and offers Next while pages
    come back full."""

    capped = False

    def _query_count(self) -> int:
        limit = current_app.config["COUNT_LIMIT"]
        sub = self._query_args["select"].options(orm.lazyload("*")).order_by(None).limit(limit + 1).subquery()
        counted = self._query_args["session"].execute(sa.select(sa.func.count()).select_from(sub)).scalar()
        self.capped = counted > limit
        return min(counted, limit)

    @property
    def pages(self) -> int:
        counted = super().pages
        return max(counted, self.page) if self.capped else counted

    @property
    def has_next(self) -> bool:
        return self.page < self.pages or (self.capped and len(self.items) == self.per_page)


class Pages(CappedCount, SelectPagination):
    """Pages of records."""


class RowPagination(CappedCount, SelectPagination):
    """Pages of whole rows, for a select of several columns (a record and its totals)."""

    def _query_items(self) -> list:
        select = self._query_args["select"].limit(self.per_page).offset(self._query_offset)
        return list(self._query_args["session"].execute(select).all())


def pages_of(select, page: int, per_page: int, rows: bool = False, max_per_page: int = 100):
    """A page of a select; a page past the end is empty, not an error."""
    kind = RowPagination if rows else Pages
    return kind(select=select, session=db.session(), page=page, per_page=per_page, error_out=False,
                max_per_page=max_per_page)


def paginate(select, per_page: int | None = None, arg: str = "page", rows: bool = False):
    """Paginate a select by ?page= (or another argument, for a second list on the same page).
    `rows` keeps every selected column."""
    page = pages_of(
        select, request.args.get(arg, 1, type=bounded_int), per_page or current_app.config["PER_PAGE"], rows
    )
    page.arg = arg  # the pagination macro links with the same argument
    return page
