"""Tests of putting streamed tool-call pieces back together."""

from __future__ import annotations

import itertools
import json
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from app.api.events import ToolCallDelta
from app.core.tool_calls import ToolCallAssembler, new_call_id
from app.core.tool_types import ToolCall

CALL_ID = re.compile(r"^call_[0-9a-f]{24}$")


def assemble(*pieces: ToolCallDelta) -> list[ToolCall]:
    assembler = ToolCallAssembler()
    for piece in pieces:
        assembler.feed(piece)
    return assembler.calls()


def test_an_empty_assembler_has_no_calls() -> None:
    assembler = ToolCallAssembler()
    assert assembler.calls() == []
    assert not assembler
    assert len(assembler) == 0


def test_one_call_in_many_argument_pieces() -> None:
    calls = assemble(
        ToolCallDelta(0, "call_a", "calculate", ""),
        ToolCallDelta(0, None, None, '{"expr'),
        ToolCallDelta(0, None, None, 'ession": "1+'),
        ToolCallDelta(0, None, None, '2"}'),
    )
    assert calls == [ToolCall("call_a", "calculate", '{"expression": "1+2"}')]
    assert calls[0].parsed_arguments() == {"expression": "1+2"}


def test_parallel_calls_interleaved_come_out_in_index_order() -> None:
    calls = assemble(
        ToolCallDelta(1, "call_b", "list_files", '{"pa'),
        ToolCallDelta(0, "call_a", "current_time", "{"),
        ToolCallDelta(1, None, None, 'th": "."}'),
        ToolCallDelta(0, None, None, "}"),
    )
    assert calls == [
        ToolCall("call_a", "current_time", "{}"),
        ToolCall("call_b", "list_files", '{"path": "."}'),
    ]


def test_an_id_that_arrives_in_a_later_piece_is_used() -> None:
    calls = assemble(
        ToolCallDelta(0, None, "calculate", '{"expression":'),
        ToolCallDelta(0, "call_late", None, ' "2"}'),
    )
    assert calls == [ToolCall("call_late", "calculate", '{"expression": "2"}')]


def test_repeated_id_and_name_are_not_doubled() -> None:
    calls = assemble(
        ToolCallDelta(0, "call_a", "echo", '{"text"'),
        ToolCallDelta(0, "call_a", "echo", ': "x"}'),
    )
    assert calls == [ToolCall("call_a", "echo", '{"text": "x"}')]


def test_a_call_without_an_id_gets_a_stable_generated_one() -> None:
    assembler = ToolCallAssembler()
    assembler.feed(ToolCallDelta(0, None, "current_time", ""))
    assembler.feed(ToolCallDelta(1, None, "current_time", ""))
    first = assembler.calls()
    assert all(CALL_ID.match(call.id) for call in first)
    assert first[0].id != first[1].id
    assert assembler.calls() == first
    assert first[0].arguments == ""
    assert first[0].parsed_arguments() == {}


def test_calls_can_be_read_while_pieces_still_arrive() -> None:
    assembler = ToolCallAssembler()
    assembler.feed(ToolCallDelta(0, "call_a", "echo", '{"text": '))
    assert assembler.calls()[0].arguments == '{"text": '
    assembler.feed(ToolCallDelta(0, None, None, '"hi"}'))
    assert assembler.calls()[0].arguments == '{"text": "hi"}'


def test_clear_starts_over() -> None:
    assembler = ToolCallAssembler()
    assembler.feed(ToolCallDelta(0, "call_a", "echo", "{}"))
    assembler.clear()
    assert assembler.calls() == []


def test_new_call_ids_look_like_mimo_ids_and_differ() -> None:
    ids = {new_call_id() for _ in range(50)}
    assert len(ids) == 50
    assert all(CALL_ID.match(call_id) for call_id in ids)


@settings(max_examples=100, deadline=None, database=None)
@given(
    arguments=st.lists(
        st.dictionaries(st.text(max_size=5), st.integers() | st.text(max_size=8), max_size=4),
        min_size=1,
        max_size=4,
    ),
    data=st.data(),
)
def test_any_split_and_interleaving_gives_back_the_arguments(
    arguments: list[dict[str, object]], data: st.DataObject
) -> None:
    texts = [json.dumps(value, ensure_ascii=False) for value in arguments]
    # Cut every call's arguments into pieces, then interleave the calls' pieces keeping
    # each call's own order: the id and name ride on each call's first piece.
    queues: list[list[ToolCallDelta]] = []
    for index, text in enumerate(texts):
        cuts = sorted(data.draw(st.sets(st.integers(0, len(text)), max_size=6)))
        bounds = [0, *cuts, len(text)]
        parts = [text[a:b] for a, b in itertools.pairwise(bounds)]
        queues.append(
            [
                ToolCallDelta(
                    index, f"call_{index}" if i == 0 else None, "f" if i == 0 else None, p
                )
                for i, p in enumerate(parts)
            ]
        )
    assembler = ToolCallAssembler()
    while any(queues):
        choice = data.draw(st.sampled_from([q for q in queues if q]))
        assembler.feed(choice.pop(0))
    calls = assembler.calls()
    assert [call.id for call in calls] == [f"call_{i}" for i in range(len(texts))]
    assert [call.parsed_arguments() for call in calls] == arguments
