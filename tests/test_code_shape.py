"""The shape of the code that the linters do not see: no module of `market` is imported inside a
function (the layers are checked by import-linter, so no cycle needs dodging; see
docs/where-things-live.md)."""
import ast
import pathlib
import re

import market

MARKET = pathlib.Path(market.__file__).parent


def test_no_module_of_market_is_imported_inside_a_function():
    found = []
    for path in sorted(MARKET.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for function in [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]:
            for node in ast.walk(function):
                names = ([node.module or ""] if isinstance(node, ast.ImportFrom)
                         else [a.name for a in node.names] if isinstance(node, ast.Import) else [])
                if any(name == "market" or name.startswith("market.") for name in names):
                    found.append(f"{path.relative_to(MARKET)}:{node.lineno} in {function.name}")
    assert found == []


# Templates ask what a person may do (core/actions.py) instead of comparing a record's status. The
# comparisons left, per template, until each area declares its actions; a new one fails here. The
# tender page keeps two display-only cases: the link to read one's own sealed bid once submitted, and
# the colour of a returned bid's badge; the contract page one: the date a payable tranche is due by.
STATUS_COMPARISONS_LEFT = {  # 79 before the tender, contract and evaluation pages asked their actions; 52 now
    "accounts/residence.html": 3, "contracts/show.html": 1, "evaluation/application.html": 9,
    "evaluation/contract.html": 2, "evaluation/rubric.html": 2, "needs/hearing.html": 5,
    "needs/need.html": 1, "needs/request.html": 1, "organizations/show.html": 3, "philanthropy/proposal.html": 4,
    "philanthropy/round.html": 9, "procurement/bid.html": 1, "procurement/bid_form.html": 2,
    "procurement/catalog.html": 1, "procurement/review.html": 2, "procurement/tender.html": 2,
    "procurement/tender_form.html": 2, "procurement/workspace.html": 2,
}


def test_templates_compare_statuses_only_where_listed():
    templates = MARKET.parent / "templates"
    pattern = re.compile(r"\.status *(==|!=|in|not in) ")
    found = {str(path.relative_to(templates)): len(pattern.findall(path.read_text(encoding="utf-8")))
             for path in sorted(templates.rglob("*.html"))}
    assert {name: n for name, n in found.items() if n} == STATUS_COMPARISONS_LEFT
