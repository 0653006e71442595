"""Every filter and sort a list page offers has an index. The list queries, built by the services
themselves, are explained on PostgreSQL with sequential scans and sorts priced out: no table is read
whole and the list's order comes from an index. And each filter's column leads an index of its table,
read from the catalog: whether the planner uses it depends on how many rows the filter keeps (with
LIMIT 20 and a common value, walking the newest-first index and skipping is rightly cheaper), so the
catalog, not one plan, is the stable proof. (PostgreSQL only; SQLite's pass runs the query budgets.)"""
import os
import re

import pytest
from sqlalchemy.dialects import postgresql

from market.core.unit import command
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


def leading_index(table: str, column: str) -> str | None:
    """The name of an index of `table` whose first column is `column`, if there is one."""
    for name, definition in db.session.execute(db.text(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = :t"), {"t": table}):
        first = re.search(r"\(([^,)]+)", definition).group(1).strip().strip('"')
        if first == column:
            return name
    return None


def _tenders(**filters):
    from market.procurement.tenders import public_select

    return public_select(**filters)


def _organizations(**filters):
    from market.organizations.services import public_organizations_select

    return public_organizations_select(**filters)


def _contracts(**filters):
    from market.contracts.access import contracts_select

    return contracts_select(**filters)


def _community(kind):
    from market.needs import listings

    return (listings.community_needs_select if kind == "needs" else listings.community_requests_select)(5)


def _rounds(status=None):
    from market.philanthropy.rounds import rounds_select

    return rounds_select(status)


def _audit():
    from market.audit.chain import public_events_select

    return public_events_select()


def _search_kind():
    from market.search.models import SearchDocument

    return db.select(SearchDocument.id).where(SearchDocument.kind == "tender")


CASES = {  # list page and filter: (the query, the columns an index must answer)
    "tenders": (lambda: _tenders(), []),
    "tenders by category": (lambda: _tenders(category_id=3), [("tender", "category_id")]),
    "tenders by district": (lambda: _tenders(district_id=2), [("tender", "department_id"),
                                                               ("department", "district_id")]),
    "tenders by street": (lambda: _tenders(street_id=4), [("department", "street_id"), ("community", "street_id"),
                                                           ("tender_community", "community_id")]),
    "tenders by method": (lambda: _tenders(method="open_tender"), [("tender", "method")]),
    "tenders by status": (lambda: _tenders(status="published"), [("tender", "status")]),
    "tenders by budget": (lambda: _tenders(min_budget=100, max_budget=10**9), [("tender", "budget_ceiling_fen")]),
    "organizations": (lambda: _organizations(), []),
    "organizations by category": (lambda: _organizations(category_id=2), [("organization_category", "category_id")]),
    "organizations by district": (lambda: _organizations(district_id=2), [("organization", "status")]),
    "organizations by community": (lambda: _organizations(community_id=9),
                                   [("organization_community", "community_id")]),
    "contracts": (lambda: _contracts(), []),
    "contracts by status": (lambda: _contracts(status="active"), [("contract", "status")]),
    "contracts by department": (lambda: _contracts(department_id=1), [("contract", "department_id")]),
    "contracts by organization": (lambda: _contracts(organization_id=1), [("contract", "organization_id")]),
    "contracts by category": (lambda: _contracts(category_id=1), [("contract", "category_id")]),
    "a community's needs": (lambda: _community("needs"), [("need", "community_id")]),
    "a community's requests": (lambda: _community("requests"), [("community_request", "community_id")]),
    "rounds": (lambda: _rounds(), []),
    "rounds by status": (lambda: _rounds("call"), [("round", "status")]),
    "the audit log": (_audit, []),
    "search documents by kind": (_search_kind, [("search_document", "kind")]),
}


@pytest.mark.parametrize("name", list(CASES))
def test_list_filters_and_sorts_have_indexes(app, name):
    build, columns = CASES[name]
    with command(app):
        plan = plan_of(build()) if name != "tenders by budget" else plan_of(build(), allow_sort=True)
        db.session.rollback()
        missing = [f"{table}.{column}" for table, column in columns if leading_index(table, column) is None]
    assert "Seq Scan" not in plan, plan
    if name != "tenders by budget":  # a range and another order cannot share one index: a few rows are sorted
        assert not re.search(r"^\s*(->\s*)?Sort\b", plan, re.M), plan  # the order comes from an index
    assert missing == [], missing

