"""Ticks inside each real bar, aggregated as the streamer aggregates them, give the real bars.

Four trades per bar (open, high, low, close, inside its first minute) go through
``SymbolBarAggregator`` with the session of ``captures.all_series``; the completed bars
must carry the real bars' keys and prices. Where the capture has volume, the cumulative
volume grows by each bar's volume, and each bar after the first gets exactly that volume
(the first reading is only a baseline: the volume before it is unknown).
"""

from __future__ import annotations

import pytest

from tests.fidelity.captures import Series, aggregate, all_series, ticks_inside

SERIES = [s for s in all_series() if len(s.bars) > 1]


@pytest.mark.parametrize("series", SERIES, ids=[s.id for s in SERIES])
def test_ticks_inside_real_bars_give_the_real_bars(series: Series) -> None:
    real = series.bars
    built = aggregate(ticks_inside(real), series.session, [series.interval])[series.interval]

    assert [(b.time, b.open, b.high, b.low, b.close) for b in built] == [
        (b.time, b.open, b.high, b.low, b.close) for b in real
    ]
    if real[0].volume is not None:
        assert built[0].volume == 0.0
        assert [b.volume for b in built[1:]] == pytest.approx([b.volume for b in real[1:]])
    else:
        assert all(b.volume is None for b in built)
