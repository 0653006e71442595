"""The shape of the code that the linters do not see: no module of `market` is imported inside a
function (the layers are checked by import-linter, so no cycle needs dodging; see
docs/where-things-live.md)."""
import ast
import pathlib

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
