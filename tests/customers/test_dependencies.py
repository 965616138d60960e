"""Dependencies point one way (docs: core <- stores <- customers, catalog <- cart <- checkout <- orders <- payments).

customers sits below the commerce apps: checkout reads saved addresses and
accounts, so customers may not import checkout (or anything that builds on
it). Address and phone checks both need live in core.addresses. Imports
inside functions count too: they are dependencies all the same.
"""

from __future__ import annotations

import ast
from pathlib import Path

import shopwright

PACKAGE = Path(shopwright.__file__).parent
# What customers builds on; privacy.datamap is how every app declares its data map.
ALLOWED = {"shopwright.core", "shopwright.stores", "shopwright.customers", "shopwright.privacy.datamap"}


def _imports(path: Path) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
        elif isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
    return found


def _outside(module: str) -> bool:
    if not module.startswith("shopwright.") and module != "shopwright":
        return False  # the standard library and third-party packages
    return not any(module == allowed or module.startswith(f"{allowed}.") for allowed in ALLOWED)


def test_customers_imports_only_what_it_builds_on() -> None:
    offending = [
        f"{path.relative_to(PACKAGE.parent)}:{line}: {module}"
        for path in sorted((PACKAGE / "customers").rglob("*.py"))
        if "migrations" not in path.parts
        for line, module in _imports(path)
        if _outside(module)
    ]
    assert offending == []


def test_address_checks_are_a_core_primitive() -> None:
    """core.addresses needs no app: anything may use it without pulling in checkout or customers."""
    modules = [module for _, module in _imports(PACKAGE / "core" / "addresses.py")]
    assert [m for m in modules if m.startswith("shopwright.") and not m.startswith("shopwright.core")] == []
    assert not (PACKAGE / "checkout" / "addresses.py").exists()
