"""The chart page as one HTML document, and the Content-Security-Policy that goes with it.

The style, lightweight-charts and the page's script are inlined and allowed by their SHA-256
hashes, so the policy lets the page run nothing but itself and talk to nothing but this API
and its stream, and a visit costs one request (one Lambda invocation on AWS). The files are
read on the first request of a container, never at import: a cold start does not pay for
the 200 KB library.
"""

from __future__ import annotations

import base64
import hashlib
import html
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from string import Template
from urllib.parse import urlsplit

from domain.intervals import Interval
from functions.api.chart import assets


@dataclass(frozen=True, slots=True)
class ChartPage:
    html: str
    content_security_policy: str


@dataclass(frozen=True, slots=True)
class _Files:
    template: Template
    style: str
    library: str
    library_version: str
    script: str


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


@cache
def _files(assets_dir: Path) -> _Files:
    library = assets.require_library(assets_dir)
    version_file = assets.vendor_dir(assets_dir) / assets.LIBRARY_VERSION_FILE
    return _Files(
        template=Template(_read(assets_dir / assets.PAGE_TEMPLATE)),
        style=_read(assets_dir / assets.PAGE_STYLE),
        library=_read(library),
        library_version=_read(version_file).strip() if version_file.is_file() else "",
        script=_read(assets_dir / assets.PAGE_SCRIPT),
    )


def source_hash(text: str) -> str:
    """A CSP hash source (``'sha256-…'``) allowing exactly the inline ``text``."""
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode()}'"


def stream_origin(stream_url: str) -> str:
    """``scheme://host[:port]`` of the stream's websocket URL, as ``connect-src`` names it."""
    parts = urlsplit(stream_url)
    if parts.scheme not in ("ws", "wss") or not parts.netloc:
        raise ValueError(f"the stream URL must be ws:// or wss://, not {stream_url!r}")
    return f"{parts.scheme}://{parts.netloc}"


def content_security_policy(files: _Files, stream_url: str | None) -> str:
    # 'self' covers the API and, for a browser on http(s), a websocket to the same host,
    # which is where the stream is unless PQ_STREAM_URL names another.
    connect = "'self'" if stream_url is None else f"'self' {stream_origin(stream_url)}"
    return "; ".join(
        (
            "default-src 'none'",
            f"script-src {source_hash(files.library)} {source_hash(files.script)}",
            f"style-src {source_hash(files.style)}",
            "img-src 'self' data:",
            f"connect-src {connect}",
            "form-action 'none'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
        )
    )


def _interval_options(selected: Interval) -> str:
    """The picker's options; ``data-intraday`` tells the page to show times of day."""
    return "".join(
        f'<option value="{i.value}"{" data-intraday" if i.is_intraday else ""}'
        f"{' selected' if i is selected else ''}>{i.value}</option>"
        for i in Interval
    )


def render(
    symbol: str,
    interval: Interval,
    *,
    limit: int,
    stream_url: str | None = None,
    assets_dir: Path = assets.ASSETS_DIR,
) -> ChartPage:
    """The page for ``symbol`` (``EXCHANGE:SYMBOL``) at ``interval``, drawing ``limit`` bars."""
    files = _files(assets_dir)
    document = files.template.substitute(
        symbol=html.escape(symbol),
        interval=html.escape(interval.value),
        limit=str(limit),
        stream_url=html.escape(stream_url or ""),
        interval_options=_interval_options(interval),
        library_version=html.escape(files.library_version),
        style=files.style,
        library=files.library,
        script=files.script,
    )
    return ChartPage(document, content_security_policy(files, stream_url))
