"""``domain/`` must not import anything that does I/O."""

from __future__ import annotations

import ast
from pathlib import Path

DOMAIN = Path(__file__).resolve().parents[2] / "domain"

ALLOWED_ROOTS = {
    "__future__",
    "abc",
    "collections",
    "dataclasses",
    "datetime",
    "enum",
    "functools",
    "itertools",
    "math",
    "operator",
    "re",
    "typing",
    "zoneinfo",
    "bisect",
    "heapq",
    "decimal",
    "fractions",
    "statistics",
    "types",
    "domain",
}


def _imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_domain_imports_only_pure_modules() -> None:
    files = sorted(DOMAIN.rglob("*.py"))
    assert files, "domain/ has no modules"
    offenders = {
        str(path.relative_to(DOMAIN)): sorted(_imported_roots(path) - ALLOWED_ROOTS)
        for path in files
    }
    offenders = {name: mods for name, mods in offenders.items() if mods}
    assert offenders == {}, f"domain modules import I/O-capable packages: {offenders}"


def test_purity_check_detects_a_forbidden_import(tmp_path: Path) -> None:
    sample = tmp_path / "bad.py"
    sample.write_text("import socket\nfrom pymongo import MongoClient\n")
    assert _imported_roots(sample) - ALLOWED_ROOTS == {"socket", "pymongo"}
