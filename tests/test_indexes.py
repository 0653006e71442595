"""Every filter and sort a list page offers is answered by an index: the list queries, built by the
services themselves, are explained on PostgreSQL with sequential scans priced out, and each filter's
column must appear in an index condition (not in a row-by-row Filter), and no Sort over a table.
(PostgreSQL's planner only; SQLite's suite pass runs the query-count budgets instead.)"""
import os
import re

import pytest
from sqlalchemy.dialects import postgresql

from market.extensions import db

pytestmark = pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
                                reason="EXPLAIN checks run in the PostgreSQL pass of `make test`")


def plan_of(statement, allow_sort: bool = False) -> str:
    """The plan of a page of the list (LIMIT 20, as pages ask), with sequential scans and sorts priced
    out: what remains of either is what no index can do."""
    statement = statement.limit(20)
    sql = str(statement.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))
    db.session.execute(db.text("SET LOCAL enable_seqscan = off"))
    if not allow_sort:
        db.session.execute(db.text("SET LOCAL enable_sort = off"))
    lines = db.session.execute(db.text("EXPLAIN " + sql)).scalars().all()
    return "\n".join(lines)


def filtered_without_index(plan: str, column: str) -> bool:
    return any(re.search(rf"\b{column}\b", line) for line in plan.splitlines() if line.strip().startswith("Filter:"))


def _tenders(**filters):
    from market.procurement.tenders import public_select

    return public_select(**filters)


def _organizations(**filters):
    from market.organizations.services import public_organizations_select

    return public_organizations_select(**filters)


def _contracts(**filters):
    from market.contracts.services import contracts_select

    return contracts_select(**filters)


def _community(kind):
    from market.needs import services

    return (services.community_needs_select if kind == "needs" else services.community_requests_select)(5)


def _rounds(status=None):
    from market.philanthropy.services import rounds_select

    return rounds_select(status)


def _audit():
    from market.audit.chain import public_events_select

    return public_events_select()


def _search_kind():
    from market.search.models import SearchDocument

    return db.select(SearchDocument.id).where(SearchDocument.kind == "tender")


CASES = {  # list page and filter: (the query, the columns an index must answer)
    "tenders": (lambda: _tenders(), []),
    "tenders by category": (lambda: _tenders(category_id=3), ["category_id"]),
    "tenders by district": (lambda: _tenders(district_id=2), ["district_id"]),
    "tenders by street": (lambda: _tenders(street_id=4), ["street_id"]),
    "tenders by method": (lambda: _tenders(method="open_tender"), ["method"]),
    "tenders by status": (lambda: _tenders(status="published"), ["status"]),
    "organizations": (lambda: _organizations(), []),
    "organizations by category": (lambda: _organizations(category_id=2), ["category_id"]),
    "organizations by district": (lambda: _organizations(district_id=2), ["district_id"]),
    "organizations by community": (lambda: _organizations(community_id=9), ["community_id"]),
    "contracts": (lambda: _contracts(), []),
    "contracts by status": (lambda: _contracts(status="active"), ["status"]),
    "contracts by department": (lambda: _contracts(department_id=1), ["department_id"]),
    "contracts by organization": (lambda: _contracts(organization_id=1), ["organization_id"]),
    "contracts by category": (lambda: _contracts(category_id=1), ["category_id"]),
    "a community's needs": (lambda: _community("needs"), ["community_id"]),
    "a community's requests": (lambda: _community("requests"), ["community_id"]),
    "rounds": (lambda: _rounds(), []),
    "rounds by status": (lambda: _rounds("call"), ["status"]),
    "the audit log": (_audit, []),
    "search documents by kind": (_search_kind, ["kind"]),
}


@pytest.mark.parametrize("name", list(CASES))
def test_list_filters_and_sorts_have_indexes(app, name):
    build, columns = CASES[name]
    with app.app_context():
        plan = plan_of(build())
        db.session.rollback()
    assert "Seq Scan" not in plan, plan
    for column in columns:
        assert not filtered_without_index(plan, column), plan
    assert not re.search(r"^\s*(->\s*)?Sort\b", plan, re.M), plan  # the order comes from an index


def test_a_budget_range_is_found_by_its_index(app):
    """A range and another order cannot share one index: a wide range reads the newest-first order and
    skips (the Filter above), a narrow one is found by the budget index and its few rows sorted."""
    with app.app_context():
        plan = plan_of(_tenders(min_budget=10_000_000, max_budget=10_000_100), allow_sort=True)
        db.session.rollback()
    assert "ix_tender_budget" in plan and "Seq Scan" not in plan, plan
