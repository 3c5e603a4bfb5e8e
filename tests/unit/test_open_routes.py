"""The routes open without an API key are the same locally and on AWS: the operations of
``openapi.json`` that declare no ``security`` (which the stack's REST resources follow)."""

from __future__ import annotations

import json
from pathlib import Path

from local.api_gateway import OPEN_PATHS

DOCUMENT = Path(__file__).resolve().parents[2] / "openapi.json"


def test_the_local_gateway_leaves_open_what_the_document_leaves_open() -> None:
    document = json.loads(DOCUMENT.read_text(encoding="utf-8"))
    default = document.get("security", [])
    open_paths = {
        path
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method != "parameters" and not operation.get("security", default)
    }

    assert open_paths == OPEN_PATHS == {"/health", "/chart"}
