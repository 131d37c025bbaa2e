"""The dependency rules of DESIGN §2, checked on the imports of every module."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FRAMEWORKS = ("fastapi", "litestar", "sqlalchemy", "nats", "uvicorn", "starlette", "psycopg")


def imports(package: str) -> dict[Path, set[str]]:
    found: dict[Path, set[str]] = {}
    for path in (ROOT / package).rglob("*.py"):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module)
        found[path] = names
    return found


def offenders(package: str, forbidden: tuple[str, ...]) -> list[str]:
    return [
        f"{path.relative_to(ROOT)} imports {name}"
        for path, names in imports(package).items()
        for name in names
        if name.split(".")[0] in forbidden or name.startswith(forbidden)
    ]


def test_the_domain_imports_no_framework() -> None:
    assert offenders("node/domain", FRAMEWORKS) == []


def test_the_federation_never_imports_the_node() -> None:
    assert offenders("federation", ("node",)) == []


def test_the_ui_never_touches_the_stores() -> None:
    assert offenders("ui", ("sqlalchemy", "node.projections.tables", "node.persistence")) == []
