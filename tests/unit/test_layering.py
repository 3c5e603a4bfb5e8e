"""The layers import downwards only, and adapters are chosen in one place (``wiring/``).

* ``application/`` (the use cases) imports only ``domain/`` and the standard library;
* ``functions/``, ``streamer/``, ``cli/`` and ``local/`` import no ``adapters`` module:
  they get their parts from the composition root, ``wiring/``;
* nothing below the entry points imports the composition root or an entry point.

Every import counts, type-only ones and those inside functions included.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ENTRY_POINTS = ("functions", "streamer", "cli", "local")
STDLIB = frozenset(sys.stdlib_module_names) | {"__future__"}


def imported_modules(path: Path) -> set[str]:
    """The dotted name of every module ``path`` imports, wherever the import statement is."""
    tree = ast.parse(path.read_text(), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def _root(module: str) -> str:
    return module.split(".", maxsplit=1)[0]


def application_offences(path: Path) -> set[str]:
    """What a use-case module imports beyond the domain and the standard library."""
    allowed = STDLIB | {"domain", "application"}
    return {module for module in imported_modules(path) if _root(module) not in allowed}


def entry_point_offences(path: Path) -> set[str]:
    """The adapters an entry-point module imports itself instead of through ``wiring``."""
    return {module for module in imported_modules(path) if _root(module) == "adapters"}


def lower_layer_offences(path: Path) -> set[str]:
    """What a module below the entry points imports from above it."""
    above = {"wiring", *ENTRY_POINTS}
    return {module for module in imported_modules(path) if _root(module) in above}


def _modules(*packages: str) -> list[Path]:
    files = sorted(path for package in packages for path in (ROOT / package).rglob("*.py"))
    assert files, f"no modules in {packages}"
    return files


Check = Callable[[Path], set[str]]


def _offenders(files: list[Path], check: Check) -> dict[str, list[str]]:
    found = {str(path.relative_to(ROOT)): sorted(check(path)) for path in files}
    return {name: modules for name, modules in found.items() if modules}


def test_the_use_cases_import_only_the_domain_and_the_standard_library() -> None:
    assert _offenders(_modules("application"), application_offences) == {}


def test_entry_points_get_adapters_only_through_the_composition_root() -> None:
    assert _offenders(_modules(*ENTRY_POINTS), entry_point_offences) == {}


def test_domain_application_and_adapters_never_import_upwards() -> None:
    modules = _modules("domain", "application", "adapters", "config")
    assert _offenders(modules, lower_layer_offences) == {}


def test_the_composition_root_is_where_adapters_are_imported() -> None:
    wired = set().union(*(imported_modules(path) for path in _modules("wiring")))
    assert any(_root(module) == "adapters" for module in wired)


@pytest.mark.parametrize(
    ("source", "check", "expected"),
    [
        (
            "from adapters.stores.sqlite_store import SqliteBarStore\n",
            entry_point_offences,
            {"adapters.stores.sqlite_store"},
        ),
        (
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import adapters.cache\n",
            entry_point_offences,
            {"adapters.cache"},
        ),
        (
            "def build():\n    from adapters.queue.sqs import SqsSyncQueue\n",
            entry_point_offences,
            {"adapters.queue.sqs"},
        ),
        ("import pydantic\nfrom domain.bars import Bar\n", application_offences, {"pydantic"}),
        ("from config.settings import Settings\n", application_offences, {"config.settings"}),
        ("import json, logging\nfrom domain import quotes\n", application_offences, set()),
        ("from wiring.services import get_services\n", lower_layer_offences, {"wiring.services"}),
    ],
)
def test_the_checks_catch_a_forbidden_import(
    tmp_path: Path, source: str, check: Check, expected: set[str]
) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(source)
    assert check(sample) == expected
