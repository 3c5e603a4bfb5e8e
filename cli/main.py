"""``pocketquant``: sync and read bars, run the simulator, the streamer and the local stack."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence
from typing import NoReturn

from application.queries import CLI_FIELDS, MAX_QUERY_LIMIT, iso_utc, read_bars
from application.query_dates import end_epoch, start_epoch
from application.sync import SyncRequest, sync_series
from cli.output import FORMATS, write_bars
from cli.progress import SyncProgress
from cli.run_command import add_run_command
from cli.simulator_command import add_simulator_command
from config.metric_names import SERVICE
from config.settings import Settings
from domain.bars import SeriesKey
from domain.errors import DomainError, SeriesNotTracked
from domain.intervals import Interval
from domain.symbols import Symbol
from streamer.cli import add_streamer_command
from wiring.services import Services

EXIT_FAILURE = 1


def _series_key(symbol: str, interval: str) -> SeriesKey:
    return SeriesKey(Symbol.parse(symbol), Interval.parse(interval))


def _cmd_sync(args: argparse.Namespace, settings: Settings) -> int:
    key = _series_key(args.symbol, args.interval)
    request = SyncRequest(key=key, n_bars=args.bars, full=args.full)
    # The services' publisher: the event goes to the configured bus and a shared (Redis)
    # query cache forgets the series, as after a sync through the API.
    progress = SyncProgress(f"sync {key}")
    with Services(settings) as services:
        try:
            result = asyncio.run(
                sync_series(
                    request,
                    feed=services.feed,
                    store=services.store,
                    events=services.events,
                    progress=progress,
                )
            )
        finally:
            progress.done()
    last = iso_utc(result.last_bar_at) if result.last_bar_at is not None else "-"
    mode = "incremental" if result.incremental else "full"
    print(
        f"{key}: {result.bars_synced:,} bars synced ({result.new_bars:,} new, {mode}), "
        f"{result.total_bars:,} stored, last bar {last}"
    )
    return 0


def _cmd_bars(args: argparse.Namespace, settings: Settings) -> int:
    key = _series_key(args.symbol, args.interval)
    with Services(settings) as services:
        bars = read_bars(
            services.store,
            key,
            start=start_epoch(args.start, CLI_FIELDS.start),
            end=end_epoch(args.end, CLI_FIELDS.end),
            limit=args.limit,
            fields=CLI_FIELDS,
        )
        tracked = bool(bars) or services.store.get_status(key) is not None
    if not tracked:
        # In every format: an empty CSV or JSON list would read as "tracked, no bars here".
        raise SeriesNotTracked(
            f"no bars stored for {key}; "
            f"run: pocketquant sync {key.symbol} --interval {key.interval}"
        )
    if not bars and args.format == "table":
        print(f"error: no bars of {key} in that range", file=sys.stderr)
        return EXIT_FAILURE
    write_bars(bars, args.format, sys.stdout)
    return 0


class _Parser(argparse.ArgumentParser):
    """argparse, failing as every other failure of the command does: ``error: …`` on
    stderr and status 1 (argparse's own is ``pocketquant sync: error: …`` and status 2).
    Its sub-command parsers are of this class too."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_FAILURE, f"error: {message} (see: {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="pocketquant", description="Market data from TradingView: sync, store, serve."
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log at PQ_LOG_LEVEL")
    commands = parser.add_subparsers(dest="command", required=True)

    sync = commands.add_parser("sync", help="fetch bars from TradingView into the store")
    sync.add_argument("symbol", help="EXCHANGE:SYMBOL, e.g. NASDAQ:AAPL")
    sync.add_argument(
        "--interval", default="1d", help="one of " + " ".join(i.value for i in Interval)
    )
    sync.add_argument("--bars", type=int, default=5000, help="how many bars (default 5000)")
    sync.add_argument("--full", action="store_true", help="backfill --bars even when bars exist")
    sync.set_defaults(handler=_cmd_sync)

    bars = commands.add_parser("bars", help="print stored bars")
    bars.add_argument("symbol", help="EXCHANGE:SYMBOL, e.g. NASDAQ:AAPL")
    bars.add_argument("--interval", default="1d")
    bars.add_argument("--limit", type=int, default=100, help=f"1..{MAX_QUERY_LIMIT} (default 100)")
    bars.add_argument("--start", help="first bar time, ISO 8601 (UTC unless an offset is given)")
    bars.add_argument("--end", help="last bar time, ISO 8601 (a date alone: that whole day)")
    bars.add_argument("--format", choices=FORMATS, default="table")
    bars.set_defaults(handler=_cmd_bars)

    add_simulator_command(commands)

    add_run_command(commands)
    add_streamer_command(commands)
    return parser


def _settings() -> Settings:
    """The settings, or ``error: PQ_…: what is wrong`` (never the value: it may be a secret)."""
    from pydantic import ValidationError

    try:
        return Settings()
    except ValidationError as invalid:
        problems = "; ".join(
            f"{Settings.model_config.get('env_prefix', '')}{str(e['loc'][0]).upper()}: {e['msg']}"
            for e in invalid.errors()
        )
        raise SettingsInvalid(problems) from None


class SettingsInvalid(Exception):
    """A ``PQ_`` variable the settings refuse."""


def _configure_logging(verbose: bool, settings: Settings) -> None:
    level = settings.log_level.upper() if verbose else "WARNING"
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    # The functions' structured logger (the API's models bring it in) keeps its own JSON
    # handler at INFO; on the command line it writes through the plain handler, at this level.
    service = logging.getLogger(SERVICE)
    service.setLevel(level)
    for handler in list(service.handlers):
        service.removeHandler(handler)
    service.propagate = True


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = _settings()
    except SettingsInvalid as invalid:
        print(f"error: {invalid}", file=sys.stderr)
        return EXIT_FAILURE
    _configure_logging(args.verbose, settings)
    try:
        code: int = args.handler(args, settings)
    except DomainError as error:
        print(f"error: {error.message}", file=sys.stderr)
        return EXIT_FAILURE
    except KeyboardInterrupt:
        return 130
    return code


if __name__ == "__main__":
    sys.exit(main())
