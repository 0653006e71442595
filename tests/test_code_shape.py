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


# Templates ask what a person may do (core/actions.py: the tender, panel, bid, catalog, contract,
# milestone, evaluation, grade application, rubric, served residents, round, proposal, meeting and
# community request declare theirs) instead of comparing a record's status. Left, per template (79
# before, 14 now), all display-only (what a status looks like, not what may be done): residence.html
# (which message a residence shows), contracts/show.html (a
# payable tranche's pay-by date), evaluation/contract.html (a score once published),
# organizations/show.html (a badge's colour), procurement/bid.html (the receipt's heading), bid_form.html
# (a draft's and a submitted bid's badges, the latter shown after bidding closes too), tender.html (a
# returned bid's badge, the link to read one's own sealed bid), workspace.html (the same). A new one fails here.
STATUS_COMPARISONS_LEFT = {
    "accounts/residence.html": 3, "contracts/show.html": 1, "evaluation/contract.html": 1,
    "organizations/show.html": 2, "procurement/bid.html": 1, "procurement/bid_form.html": 2,
    "procurement/tender.html": 2, "procurement/workspace.html": 2,
}


def test_templates_compare_statuses_only_where_listed():
    templates = MARKET.parent / "templates"
    pattern = re.compile(r"\.status *(==|!=|in|not in) ")
    found = {str(path.relative_to(templates)): len(pattern.findall(path.read_text(encoding="utf-8")))
             for path in sorted(templates.rglob("*.html"))}
    assert {name: n for name, n in found.items() if n} == STATUS_COMPARISONS_LEFT
