"""The frame codec against real TradingView captures and the UTF-16 length rule."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.tradingview import codec
from domain.errors import FeedProtocolError

CAPTURES = Path(__file__).resolve().parents[3] / "shared" / "tradingview-captures"


def capture(name: str) -> str:
    return (CAPTURES / name).read_text(encoding="utf-8")


def test_multi_frame_message_with_a_49272_char_timescale_update() -> None:
    message = capture("multi_message_timescale_update_15m_series_completed_2019.txt")
    payloads = codec.split_frames(message)

    assert [len(p) for p in payloads] == [49272, 96]
    parsed = [codec.parse_payload(p) for p in payloads]
    assert all(isinstance(p, codec.Message) for p in parsed)
    update, completed = parsed
    assert isinstance(update, codec.Message) and isinstance(completed, codec.Message)
    assert update.method == "timescale_update"
    assert len(update.params[1]["s1"]["s"]) == 300
    assert completed.method == "series_completed"
    assert completed.raw["t"] == 1558466894


@pytest.mark.parametrize(
    ("name", "methods"),
    [
        ("multi_message_du_and_qsd_2019.txt", ["du", "qsd"]),
        ("qsd_bid_ask_then_full_snapshot_multi_message_2019.txt", ["qsd", "qsd"]),
        ("series_completed_streaming_2023.txt", ["series_completed"]),
        ("symbol_resolved_sp_spx_2023.txt", ["symbol_resolved"]),
        ("timescale_update_daily_sp_spx_2023.txt", ["timescale_update"]),
        ("client_sent/client_quote_set_fields_2019.txt", ["quote_set_fields"]),
    ],
)
def test_captured_messages_split_into_their_frames(name: str, methods: list[str]) -> None:
    parsed = codec.parse_message(capture(name))

    assert [p.method for p in parsed if isinstance(p, codec.Message)] == methods
    assert len(parsed) == len(methods)


def test_unknown_keys_t_and_t_ms_are_kept_but_do_not_matter() -> None:
    (message,) = codec.parse_message(capture("series_completed_delayed_streaming_900_2023.txt"))

    assert isinstance(message, codec.Message)
    assert message.params[2] == "delayed_streaming_900"
    assert message.raw["t_ms"] == 1686475613179


def test_utf16_length_counts_astral_characters_twice() -> None:
    assert codec.utf16_length("abc") == 3
    assert codec.utf16_length("Zürich €") == 8  # BMP characters count once
    assert codec.utf16_length("📈") == 2  # one astral character, a surrogate pair
    assert codec.utf16_length('{"d":"S&P 📈 Zürich"}') == len('{"d":"S&P 📈 Zürich"}') + 1


def test_frames_with_non_ascii_and_emoji_payloads_keep_the_next_frame_in_sync() -> None:
    non_ascii = '{"m":"qsd","p":["qs_a",{"n":"X:Y","v":{"description":"Société Générale"}}]}'
    emoji = '{"m":"qsd","p":["qs_a",{"n":"X:Y","v":{"description":"Rocket 🚀 Fund 📈"}}]}'
    message = (
        f"~m~{codec.utf16_length(non_ascii)}~m~{non_ascii}"
        f"~m~{codec.utf16_length(emoji)}~m~{emoji}"
        "~m~4~m~~h~7"
    )
    # UTF-8 byte counts would differ and desync the frames that follow.
    assert codec.utf16_length(emoji) != len(emoji.encode("utf-8"))

    assert codec.split_frames(message) == [non_ascii, emoji, "~h~7"]
    first, second, beat = codec.parse_message(message)
    assert isinstance(first, codec.Message) and isinstance(second, codec.Message)
    assert first.params[1]["v"]["description"] == "Société Générale"
    assert second.params[1]["v"]["description"] == "Rocket 🚀 Fund 📈"
    assert beat == codec.Heartbeat("~h~7")


def test_a_frame_declared_in_utf8_bytes_is_rejected() -> None:
    payload = '{"m":"x","p":["📈📈"]}'
    wrong = f"~m~{len(payload.encode('utf-8'))}~m~{payload}"

    with pytest.raises(FeedProtocolError):
        codec.split_frames(wrong)


def test_heartbeat_is_parsed_and_echoed_identically() -> None:
    for incoming in ("~m~4~m~~h~1", "~m~5~m~~h~99", "~m~6~m~~h~100"):
        (beat,) = codec.parse_message(incoming)
        assert isinstance(beat, codec.Heartbeat)
        assert codec.encode_heartbeat(beat) == incoming
    (beat,) = codec.parse_message("~m~6~m~~h~100")
    assert isinstance(beat, codec.Heartbeat) and beat.number == 100


def test_legacy_hello_with_javastudies_as_a_string() -> None:
    (hello,) = codec.parse_message(capture("server_hello_2019_legacy.txt"))

    assert isinstance(hello, codec.Hello)
    assert hello.fields["javastudies"] == "javastudies-3.44_955"
    assert "timestampMs" not in hello.fields


def test_hello_with_javastudies_as_a_list() -> None:
    fields = {
        "session_id": "<0.1.2>_x",
        "timestamp": 1686475612,
        "timestampMs": 1686475612093,
        "release": "registry.x/tvbs_release/webchart:release_206-21",
        "studies_metadata_hash": "abc",
        "auth_scheme_vsn": 2,
        "protocol": "json",
        "via": "1.2.3.4:443",
        "javastudies": ["3.61"],
    }
    (hello,) = codec.parse_message(codec.encode_json(fields))

    assert hello == codec.Hello(fields)


@pytest.mark.parametrize(
    "message",
    [
        "{}",  # no framing at all
        "~m~x~m~{}",  # length is not a number
        "~m~~m~{}",  # no length
        "~m~10~m~{}",  # length runs past the end
        "~m~2~m~{}junk",  # garbage after the last frame
        "~m~5~m~[1,2]",  # JSON but not an object
        "~m~3~m~{{{",  # not JSON
    ],
)
def test_malformed_framing_raises_feed_protocol_error(message: str) -> None:
    with pytest.raises(FeedProtocolError):
        codec.parse_message(message)


def test_encode_then_split_round_trips() -> None:
    params = ["cs_abcdefghijkl", "sds_sym_1", '={"symbol":"NASDAQ:AAPL"}', "Zürich 📈", 5000]
    message = codec.encode("resolve_symbol", params) + codec.encode("request_more_data", [1])

    first, second = codec.parse_message(message)
    assert isinstance(first, codec.Message) and isinstance(second, codec.Message)
    assert (first.method, first.params) == ("resolve_symbol", params)
    assert (second.method, second.params) == ("request_more_data", [1])


def test_encode_matches_the_framing_of_a_captured_client_frame() -> None:
    sent = capture("client_sent/client_create_series_15_300_2019.txt")
    (message,) = codec.parse_message(sent)
    assert isinstance(message, codec.Message)

    assert codec.encode(message.method, message.params) == sent
