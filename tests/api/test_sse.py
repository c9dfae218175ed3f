"""The SSE decoder: line splitting across chunks, WHATWG event rules."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Iterable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.api.errors import ProtocolError
from app.api.sse import LineDecoder, ServerSentEvent, SSEDecoder, aiter_sse


def decode(*chunks: bytes) -> list[ServerSentEvent]:
    decoder = SSEDecoder()
    events: list[ServerSentEvent] = []
    for chunk in chunks:
        events.extend(decoder.feed(chunk))
    events.extend(decoder.close())
    return events


def data_of(events: Iterable[ServerSentEvent]) -> list[str]:
    return [event.data for event in events]


def lines(*chunks: bytes) -> list[str]:
    decoder = LineDecoder()
    out: list[str] = []
    for chunk in chunks:
        out.extend(decoder.feed(chunk))
    out.extend(decoder.flush())
    return out


@pytest.mark.parametrize("end", [b"\n", b"\r\n", b"\r"])
def test_each_line_ending_separates_events(end: bytes) -> None:
    stream = b"data: one" + end + end + b"data: two" + end + end
    assert data_of(decode(stream)) == ["one", "two"]


def test_mixed_line_endings_in_one_stream() -> None:
    stream = b"data: a\r\n\ndata: b\r\rdata: c\n\r\n"
    assert data_of(decode(stream)) == ["a", "b", "c"]


def test_crlf_split_between_chunks_is_one_terminator() -> None:
    assert lines(b"a\r", b"\nb\r\n") == ["a", "b"]
    assert data_of(decode(b"data: x\r", b"\n\r", b"\ndata: y\r\n\r\n")) == ["x", "y"]


def test_lone_cr_at_chunk_end_ends_the_line_without_inventing_a_blank_line() -> None:
    decoder = LineDecoder()
    assert decoder.feed(b"data: a\r") == ["data: a"]
    # The next chunk starts with a new line, not an LF: nothing is swallowed.
    assert decoder.feed(b"data: b\r") == ["data: b"]
    assert decoder.feed(b"\n") == []
    assert decoder.feed(b"\r") == [""]


def test_cr_in_the_middle_of_a_chunk_does_not_swallow_the_next_chunks_lf() -> None:
    assert lines(b"a\rb", b"\nc") == ["a", "b", "c"]


def test_event_is_dispatched_only_on_the_blank_line() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"data: hel") == []
    assert decoder.feed(b"lo\n") == []
    assert decoder.feed(b"\n") == [ServerSentEvent(data="hello")]


def test_utf8_character_split_across_chunks_is_reassembled() -> None:
    raw = "data: 你好🙂\n\n".encode()
    cut = raw.index("🙂".encode()) + 2
    assert data_of(decode(raw[:cut], raw[cut:])) == ["你好🙂"]
    assert data_of(decode(*[bytes([b]) for b in raw])) == ["你好🙂"]


def test_invalid_utf8_raises_protocol_error() -> None:
    with pytest.raises(ProtocolError):
        decode(b"data: \xff\xfe\n\n")


def test_comments_are_ignored() -> None:
    assert data_of(decode(b": keep-alive\n\ndata: x\n: note\n\n")) == ["x"]


def test_multi_line_data_is_joined_with_newlines() -> None:
    assert data_of(decode(b"data: first\ndata:second\ndata:  third\n\n")) == [
        "first\nsecond\n third"
    ]


def test_empty_data_field_dispatches_an_empty_event() -> None:
    assert data_of(decode(b"data:\n\n")) == [""]


def test_event_without_data_is_not_dispatched() -> None:
    assert decode(b"event: ping\n\ndata: x\n\n") == [ServerSentEvent(data="x")]


def test_event_id_and_retry_fields_are_kept() -> None:
    events = decode(b"event: delta\nid: 7\nretry: 1500\ndata: x\n\ndata: y\n\n")
    assert events == [
        ServerSentEvent(data="x", event="delta", id="7", retry=1500),
        ServerSentEvent(data="y", event=None, id="7", retry=None),
    ]


def test_invalid_retry_and_unknown_fields_are_ignored() -> None:
    assert decode(b"retry: soon\nfoo: bar\nplain\ndata: x\n\n") == [ServerSentEvent(data="x")]


def test_done_marker_is_plain_data() -> None:
    assert data_of(decode(b'data: {"a":1}\n\ndata: [DONE]\n\n')) == ['{"a":1}', "[DONE]"]


def test_final_event_without_blank_line_is_dispatched_at_eof() -> None:
    assert data_of(decode(b"data: a\n\ndata: last")) == ["a", "last"]
    assert data_of(decode(b"data: last\r")) == ["last"]


def test_leading_byte_order_mark_is_dropped() -> None:
    assert data_of(decode(b"\xef\xbb\xbfdata: x\n\n")) == ["x"]


@pytest.mark.asyncio
async def test_aiter_sse_decodes_an_async_byte_stream() -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for chunk in (b"data: a\r", b"\n\r\ndata: ", "é".encode()[:1], "é".encode()[1:]):
            yield chunk

    assert [event.data async for event in aiter_sse(chunks())] == ["a", "é"]


_FIELD_VALUE = st.text(
    alphabet=st.characters(exclude_characters="\r\n", exclude_categories=["Cs"]),
    max_size=12,
)
_LINE = st.one_of(
    _FIELD_VALUE.map(lambda v: "data: " + v),
    _FIELD_VALUE.map(lambda v: "data:" + v),
    _FIELD_VALUE.map(lambda v: ": " + v),
    _FIELD_VALUE.map(lambda v: "event: " + v),
    st.integers(0, 99999).map(lambda n: f"retry: {n}"),
    st.just(""),
)


@st.composite
def _stream_and_cuts(draw: st.DrawFn) -> tuple[bytes, list[int]]:
    parts = draw(st.lists(st.tuples(_LINE, st.sampled_from(["\n", "\r\n", "\r"])), max_size=20))
    raw = "".join(line + end for line, end in parts).encode()
    cuts = sorted(draw(st.lists(st.integers(0, len(raw)), max_size=12)))
    return raw, cuts


@given(_stream_and_cuts())
def test_any_split_into_chunks_yields_the_same_events_as_one_chunk(
    case: tuple[bytes, list[int]],
) -> None:
    raw, cuts = case
    bounds = [0, *cuts, len(raw)]
    chunks = [raw[a:b] for a, b in itertools.pairwise(bounds)]
    assert decode(*chunks) == decode(raw)
