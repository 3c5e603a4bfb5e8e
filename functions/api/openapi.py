"""Print the OpenAPI document of the api function: ``python -m functions.api.openapi``.

``make openapi`` writes it to ``openapi.json`` at the repository root; a test fails when
that committed copy differs from what the code generates.
"""

from __future__ import annotations

import json

import functions.api.handler  # noqa: F401 - registers every route
from functions.api.app import openapi_json


def document_text() -> str:
    """The document, pretty-printed with sorted keys so diffs of the committed copy read well."""
    return json.dumps(json.loads(openapi_json()), indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":
    print(document_text(), end="")
