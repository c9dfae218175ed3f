"""Export and import of one conversation, on real SQLite files: JSON round trips, Markdown."""

from __future__ import annotations

import base64
import copy
import dataclasses
import hashlib
import json
import sqlite3
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.api.events import Usage
from app.core import transfer_parse
from app.core.catalogue import spec_for
from app.core.store import NotFoundError, Store, StoreError
from app.core.store_async import AsyncStore
from app.core.store_records import ConversationImport
from app.core.transfer import (
    EXPORT_FORMAT,
    EXPORT_VERSION,
    conversation_to_json,
    conversation_to_markdown,
    is_secret_name,
)
from app.core.transfer_files import export_to_file, import_from_file, read_export
from app.core.transfer_parse import MAX_IMPORT_BYTES, ImportFormatError, parse_export

PNG = b"\x89PNG\r\n\x1a\n fake picture bytes" * 50
NOTES = "notes, ü and 你好".encode()
SECRET = "sk-do-not-leak-1234567890"


class Clock:
    """A fake clock that advances one second per reading, so every timestamp differs."""

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        self.now += 1.0
        return self.now


def open_store(folder: Path, clock: Callable[[], float] | None = None) -> Store:
    return Store.open(folder / "mimo.sqlite3", clock=clock or Clock())


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with open_store(tmp_path / "a") as opened:
        yield opened


@pytest.fixture
def fresh(tmp_path: Path) -> Iterator[Store]:
    """A second, empty database with its own attachments folder."""
    with open_store(tmp_path / "b", Clock(1_800_000_000.0)) as opened:
        yield opened


def usage(prompt: int, completion: int) -> Usage:
    return Usage(prompt, completion, prompt + completion, cached_tokens=1, reasoning_tokens=2)


@dataclasses.dataclass
class Built:
    conv: str
    question: str
    replies: list[str]  # the first reply and its two regenerations
    edits: list[str]  # the follow-up and its two edited siblings
    leaf: str  # the current leaf: the reply under the first edit
    attachments: list[str]


def build(store: Store) -> Built:
    """A conversation with every kind of branch, status, attachment and setting."""
    png = store.put_attachment(PNG, "image/png", "cat.png")
    notes = store.put_attachment(NOTES, "text/plain", "notes.txt")
    conv = store.create_conversation(
        title="Hedgehogs 🦔",
        model="mimo-v2-pro",
        settings={"system_prompt": "Be brief", "temperature": 0.3, "nested": {"keep": [1, 2]}},
    ).id
    question = store.add_message(
        conv, parent_id=None, role="user", content="How do hedgehogs hibernate?",
        attachments=(png, notes),
    ).id  # fmt: skip
    replies = []
    for text, status in (("first answer", "complete"), ("", "failed"), ("third", "complete")):
        reply = store.add_message(
            conv, parent_id=question, role="assistant", model="mimo-v2-flash",
            options={"temperature": 0.7, "thinking": True}, status="streaming",
        ).id  # fmt: skip
        store.update_message(
            reply, content=text, reasoning=f"thinking about {text or 'nothing'}", status=status,
            finish_reason="stop" if status == "complete" else None,
            error="server error 500" if status == "failed" else None,
            usage=usage(10, len(text)) if status == "complete" else None,
            timings={"first_token_s": 0.25, "total_s": 1.5},
        )  # fmt: skip
        replies.append(reply)
    edits = [
        store.add_message(conv, parent_id=replies[-1], role="user", content=text).id
        for text in ("and then?", "and then, edited?", "and then, edited twice?")
    ]
    leaf = store.add_message(
        conv, parent_id=edits[1], role="assistant", model="mimo-v2-flash", status="streaming"
    ).id
    store.update_message(leaf, content="They wake up in spring.", status="interrupted")
    cancelled = store.add_message(conv, parent_id=edits[2], role="assistant", status="cancelled")
    store.update_message(cancelled.id, content="partial")
    store.set_current_leaf(conv, leaf)
    store.set_pinned(conv, True)
    return Built(conv, question, replies, edits, leaf, [png, notes])


def as_json(data: bytes) -> dict[str, Any]:
    document = json.loads(data)
    assert isinstance(document, dict)
    document.pop("exported_at")
    return document


def export_json(store: Store, conv: str, **kwargs: Any) -> bytes:
    return conversation_to_json(store.export_conversation(conv), **kwargs)


def valid_document(tmp_path: Path) -> dict[str, Any]:
    with open_store(tmp_path / "valid") as source:
        built = build(source)
        return json.loads(export_json(source, built.conv))  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def valid_export(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The JSON export of :func:`build`, made once per module."""
    return valid_document(tmp_path_factory.mktemp("valid"))


@pytest.fixture
def document(valid_export: dict[str, Any]) -> dict[str, Any]:
    """A copy of :func:`valid_export` for one test to spoil."""
    return copy.deepcopy(valid_export)


def encode(document: Any) -> bytes:
    return json.dumps(document).encode()


# Round trips


def test_round_trip_into_a_fresh_database_is_lossless(store: Store, fresh: Store) -> None:
    built = build(store)
    exported = export_json(store, built.conv)
    new_id = fresh.import_conversation(parse_export(exported))

    assert new_id == built.conv
    assert as_json(export_json(fresh, new_id)) == as_json(exported)
    assert fresh.get_conversation(new_id) == store.get_conversation(built.conv)
    assert fresh.current_path(new_id) == store.current_path(built.conv)
    assert fresh.sibling_map(new_id) == store.sibling_map(built.conv)
    assert [row.id for row in fresh.list_conversations()] == [new_id]
    for sha, data in zip(built.attachments, (PNG, NOTES), strict=True):
        assert fresh.attachment_path(sha).read_bytes() == data
        assert fresh.attachment_path(sha) != store.attachment_path(sha)
    assert fresh.integrity_check() == "ok"


def test_the_export_keeps_every_field(store: Store) -> None:
    built = build(store)
    document = json.loads(export_json(store, built.conv))
    assert (document["format"], document["version"]) == (EXPORT_FORMAT, EXPORT_VERSION)
    assert document["exported_at"].endswith("Z")
    conversation = document["conversation"]
    assert conversation["pinned"] is True
    assert conversation["current_leaf_id"] == built.leaf
    assert conversation["settings"]["nested"] == {"keep": [1, 2]}
    assert "deleted_at" not in conversation
    by_id = {message["id"]: message for message in document["messages"]}
    assert len(by_id) == len(document["messages"]) == 9
    assert [by_id[r]["status"] for r in built.replies] == ["complete", "failed", "complete"]
    assert by_id[built.replies[0]]["usage"] == dataclasses.asdict(usage(10, 12))
    assert by_id[built.replies[1]]["error"] == "server error 500"
    assert by_id[built.replies[0]]["timings"] == {"first_token_s": 0.25, "total_s": 1.5}
    assert by_id[built.question]["attachments"] == built.attachments  # in position order
    seen: set[str | None] = {None}
    for message in document["messages"]:  # parents before children
        assert message["parent_id"] in seen
        seen.add(message["id"])
    records = {item["sha256"]: item for item in document["attachments"]}
    assert base64.b64decode(records[built.attachments[0]]["data_base64"]) == PNG
    assert records[built.attachments[1]]["original_name"] == "notes.txt"


def test_the_export_is_deterministic_but_for_its_time(store: Store) -> None:
    built = build(store)
    first, second = export_json(store, built.conv), export_json(store, built.conv)
    assert first != second  # exported_at moved on
    assert as_json(first) == as_json(second)
    assert first.decode().replace(json.loads(first)["exported_at"], "") == second.decode().replace(
        json.loads(second)["exported_at"], ""
    )
    assert "🦔" in first.decode()  # ensure_ascii=False
    assert first.startswith(b'{\n  "format"')


def test_import_into_the_same_database_copies_with_new_ids(store: Store) -> None:
    built = build(store)
    exported = export_json(store, built.conv)
    duplicate = store.import_conversation(parse_export(exported))

    assert duplicate != built.conv
    row = store.get_conversation(duplicate)
    assert row is not None and row.title == "Hedgehogs 🦔 (imported)"
    original, imported = as_json(exported), as_json(export_json(store, duplicate))
    ids = {
        m["id"]: n["id"] for m, n in zip(original["messages"], imported["messages"], strict=True)
    }
    ids[None] = None
    assert not set(ids.values()) & set(ids) - {None}
    for old, new in zip(original["messages"], imported["messages"], strict=True):
        assert new["parent_id"] == ids[old["parent_id"]]
        assert {**new, "id": 0, "parent_id": 0} == {**old, "id": 0, "parent_id": 0}
    assert imported["conversation"]["current_leaf_id"] == ids[built.leaf]
    assert {**imported["conversation"], "id": 0, "title": 0, "current_leaf_id": 0} == {
        **original["conversation"], "id": 0, "title": 0, "current_leaf_id": 0,
    }  # fmt: skip
    assert imported["attachments"] == original["attachments"]
    assert as_json(export_json(store, built.conv)) == original  # the original is untouched
    assert {r.id for r in store.list_conversations()} == {built.conv, duplicate}
    assert store.integrity_check() == "ok"


def test_a_clashing_message_id_alone_also_gives_new_ids(store: Store) -> None:
    built = build(store)
    document = json.loads(export_json(store, built.conv))
    document["conversation"]["id"] = "a-new-conversation-id"
    duplicate = store.import_conversation(parse_export(encode(document)))
    assert duplicate not in (built.conv, "a-new-conversation-id")
    assert len(store.current_path(duplicate)) == len(store.current_path(built.conv))


def test_imported_text_is_found_by_search(store: Store, fresh: Store) -> None:
    built = build(store)
    exported = export_json(store, built.conv)
    new_id = fresh.import_conversation(parse_export(exported))
    hits = fresh.search("hibernate")
    assert [(h.conversation_id, h.message_id) for h in hits] == [(new_id, built.question)]
    hits = fresh.search("hedgehogs")
    assert [(h.conversation_id, h.message_id) for h in hits] == [
        (new_id, None),  # the title first
        (new_id, built.question),
    ]
    duplicate = store.import_conversation(parse_export(exported))
    assert {h.conversation_id for h in store.search("imported")} == {duplicate}
    assert {h.conversation_id for h in store.search("spring")} == {built.conv, duplicate}


def test_an_import_of_a_deleted_conversation_is_not_deleted(store: Store, fresh: Store) -> None:
    built = build(store)
    store.delete_conversation(built.conv)
    new_id = fresh.import_conversation(parse_export(export_json(store, built.conv)))
    assert fresh.get_conversation(new_id).deleted_at is None  # type: ignore[union-attr]
    assert [row.id for row in fresh.list_conversations()] == [new_id]


def test_a_missing_attachment_file_is_flagged_and_still_imports(store: Store, fresh: Store) -> None:
    built = build(store)
    png, notes = built.attachments
    store.attachment_path(png).unlink()
    store.attachment_path(notes).write_bytes(b"changed on disk")  # no longer matches its hash
    snapshot = store.export_conversation(built.conv)
    flags = {record.sha256: (record.data, record.missing) for record in snapshot.attachments}
    assert flags == {png: (None, True), notes: (None, True)}
    document = json.loads(conversation_to_json(snapshot))
    assert all("data_base64" not in item for item in document["attachments"])
    assert "(file missing)" in conversation_to_markdown(snapshot)

    new_id = fresh.import_conversation(parse_export(conversation_to_json(snapshot)))
    question = fresh.get_message(built.question)
    assert question is not None and question.attachments == (png, notes)
    assert not fresh.attachment_path(png).exists()
    assert fresh.put_attachment(PNG, "image/png") == png  # the bytes can come back later
    assert fresh.attachment_path(png).read_bytes() == PNG
    assert fresh.get_conversation(new_id) is not None


def test_an_export_without_attachment_bytes_imports_into_the_same_store(store: Store) -> None:
    built = build(store)
    exported = conversation_to_json(
        store.export_conversation(built.conv, include_attachments=False)
    )
    assert b"data_base64" not in exported
    assert len(exported) < len(export_json(store, built.conv))
    duplicate = store.import_conversation(parse_export(exported))
    assert store.current_path(duplicate)[0].attachments == tuple(built.attachments)
    assert store.attachment_path(built.attachments[0]).read_bytes() == PNG


def test_export_of_an_unknown_conversation_raises_not_found(store: Store) -> None:
    with pytest.raises(NotFoundError):
        store.export_conversation("nope")


def test_an_empty_conversation_round_trips(store: Store, fresh: Store) -> None:
    conv = store.create_conversation().id
    exported = export_json(store, conv)
    assert fresh.import_conversation(parse_export(exported)) == conv
    assert as_json(export_json(fresh, conv)) == as_json(exported)
    assert conversation_to_markdown(store.export_conversation(conv)).startswith(
        "# Untitled conversation\n\nExported "
    )


def test_a_failing_import_adds_nothing(store: Store, fresh: Store) -> None:
    built = build(store)
    data = parse_export(export_json(store, built.conv))
    # The last message breaks NOT NULL: the conversation and the other messages are in by then.
    broken = dataclasses.replace(data.messages[-1], role=None)  # type: ignore[arg-type]
    bad = dataclasses.replace(data, messages=(*data.messages[:-1], broken))
    with pytest.raises(sqlite3.IntegrityError, match="NOT NULL"):
        fresh.import_conversation(bad)
    assert fresh.list_conversations() == []
    assert fresh.search("hibernate") == []
    assert fresh.integrity_check() == "ok"


@pytest.mark.parametrize(
    "change",
    [
        lambda d: dataclasses.replace(d, messages=d.messages[1:]),  # a parent is missing
        lambda d: dataclasses.replace(d, attachments=d.attachments[1:]),
        lambda d: dataclasses.replace(
            d, conversation=dataclasses.replace(d.conversation, current_leaf_id="nope")
        ),
        lambda d: dataclasses.replace(
            d, attachments=(dataclasses.replace(d.attachments[0], data=b"x"), *d.attachments[1:])
        ),
    ],
)
def test_import_conversation_refuses_inconsistent_data(
    store: Store, fresh: Store, change: Callable[[ConversationImport], ConversationImport]
) -> None:
    built = build(store)
    data = change(parse_export(export_json(store, built.conv)))
    with pytest.raises(StoreError):
        fresh.import_conversation(data)
    assert fresh.list_conversations() == []


# Secrets


SECRET_SETTINGS = {
    "system_prompt": "Be brief",
    "api_key": SECRET,
    "apiKey": SECRET + "2",
    "API-KEY": SECRET + "3",
    "Authorization": "Bearer " + SECRET,
    "KEY": SECRET + "4",
    "client_secret": SECRET + "5",
    "Password": SECRET + "6",
    "headers": {"authorization": SECRET + "7", "accept": "json"},
    "max_tokens": 100,
}


def test_a_key_looking_setting_never_leaves_in_an_export(store: Store, fresh: Store) -> None:
    built = build(store)
    store.update_settings(built.conv, SECRET_SETTINGS, "mimo-v2-pro")
    snapshot = store.export_conversation(built.conv)
    exported = conversation_to_json(snapshot)
    assert SECRET.encode() not in exported
    assert SECRET not in conversation_to_markdown(snapshot)
    assert json.loads(exported)["conversation"]["settings"] == {
        "system_prompt": "Be brief",
        "headers": {"accept": "json"},
        "max_tokens": 100,
    }
    imported = fresh.get_conversation(fresh.import_conversation(parse_export(exported)))
    assert imported is not None and SECRET not in json.dumps(imported.settings)


@pytest.mark.parametrize(
    ("name", "secret"),
    [("api_key", True), ("apiKey", True), ("X-Api-Key", True), ("authorization", True),
     ("key", True), ("SECRET", True), ("password", True), ("db_passwd", True),
     ("max_tokens", False), ("temperature", False), ("system_prompt", False),
     ("hotkey", False), ("keyboard", False), ("thinking", False)],
)  # fmt: skip
def test_is_secret_name(name: str, secret: bool) -> None:
    assert is_secret_name(name) is secret


# Markdown


def test_markdown_shows_the_current_branch_only(store: Store) -> None:
    built = build(store)
    text = conversation_to_markdown(store.export_conversation(built.conv))
    pro, flash = spec_for("mimo-v2-pro").label, spec_for("mimo-v2-flash").label
    assert text.startswith(f"# Hedgehogs 🦔\n\nModel: {pro} · Exported 2023-11-14 ")
    headings = [line for line in text.splitlines() if line.startswith("## ")]
    assert headings == ["## You", f"## {flash}", "## You", f"## {flash}"]
    assert "How do hedgehogs hibernate?" in text
    assert "third" in text and "and then, edited?" in text and "They wake up in spring." in text
    for elsewhere in ("first answer", "server error", "and then?", "edited twice", "partial"):
        assert elsewhere not in text
    assert "<details><summary>Reasoning</summary>\n\nthinking about third\n\n</details>" in text
    assert "*The reply was cut off: the app closed while it was being written.*" in text
    png, notes = built.attachments
    assert f"- cat.png (image/png, {len(PNG) / 1000:.1f} kB) `sha256:{png}`" in text
    assert f"- notes.txt (text/plain, {len(NOTES)} bytes) `sha256:{notes}`" in text
    assert text.endswith(
        "---\n\n*Tokens used by the replies above: 15 (10 prompt, 5 completion).*\n"
    )


def test_markdown_notes_failed_and_cancelled_replies(store: Store) -> None:
    built = build(store)
    store.set_current_leaf(built.conv, built.replies[1])
    text = conversation_to_markdown(store.export_conversation(built.conv))
    assert "*The reply failed: server error 500*" in text
    assert "Tokens used" not in text  # no usage on this branch
    store.set_current_leaf(built.conv, store.latest_leaf_under(built.edits[2]))
    text = conversation_to_markdown(store.export_conversation(built.conv))
    # No model on the reply: the conversation's model names it.
    pro = spec_for("mimo-v2-pro").label
    assert f"## {pro}\n\npartial\n\n*The reply was stopped before it was finished.*\n\n---" in text


# Malformed files


def set_path(document: dict[str, Any], path: tuple[Any, ...], value: Any) -> None:
    target: Any = document
    for step in path[:-1]:
        target = target[step]
    if value is DELETE:
        del target[path[-1]]
    else:
        target[path[-1]] = value


DELETE = object()
MALFORMED: list[tuple[tuple[Any, ...], Any, str]] = [
    (("format",), "something.else", "not a MiMo Desktop conversation export"),
    (("format",), DELETE, "not a MiMo Desktop conversation export"),
    (("version",), 2, "newer version of MiMo Desktop"),
    (("version",), "1", "unknown format version"),
    (("version",), True, "unknown format version"),
    (("version",), 0, "unknown format version"),
    (("conversation",), [], "the conversation is not a JSON object"),
    (("conversation", "id"), DELETE, 'the conversation has no "id" field'),
    (("conversation", "id"), "", 'the "id" field of the conversation should be an id'),
    (("conversation", "title"), 3, 'the "title" field of the conversation should be text'),
    (("conversation", "pinned"), 1, 'the "pinned" field of the conversation should be true'),
    (("conversation", "created_at"), "yesterday", "should be a time in seconds"),
    (("conversation", "created_at"), 10**400, "should be a time in seconds"),
    (("conversation", "settings"), [], 'the "settings" field of the conversation should be'),
    (("conversation", "current_leaf_id"), "nope", "current message is not in the file"),
    (("messages",), {}, 'the "messages" field of the file should be a JSON list'),
    (("messages", 0), "hello", "message 1 is not a JSON object"),
    (("messages", 1, "status"), "done", 'message 2 has an unknown status "done"'),
    (("messages", 1, "status"), DELETE, 'message 2 has no "status" field'),
    (("messages", 1, "role"), "hacker", 'message 2 has an unknown role "hacker"'),
    (("messages", 1, "content"), None, 'the "content" field of message 2 should be text'),
    (("messages", 1, "model"), 5, 'the "model" field of message 2 should be text or null'),
    (("messages", 1, "parent_id"), "elsewhere", "the message before message 2 is not in"),
    (("messages", 1, "usage"), {"bogus_tokens": 3}, 'the "usage" field of message 2'),
    (("messages", 1, "usage", "prompt_tokens"), -1, 'the "usage" field of message 2'),
    (("messages", 1, "usage", "prompt_tokens"), 1.5, 'the "usage" field of message 2'),
    (("messages", 1, "timings"), None, 'the "timings" field of message 2 should be'),
    (("messages", 0, "attachments"), ["../../etc"], "should be a list of SHA-256"),
    (("messages", 0, "attachments"), ["ab" * 32], "message 1 has an attachment that is not"),
    (("attachments", 0, "sha256"), "AB" * 32, "should be a SHA-256 checksum"),
    (("attachments", 0, "size"), -3, 'the "size" field of attachment 1 should be a whole'),
    (("attachments", 0, "size"), 2**70, 'the "size" field of attachment 1 should be a whole'),
    (("attachments", 0, "data_base64"), "not base64!", "should be base64 text"),
    (("attachments", 0, "data_base64"), "d3Jvbmc=", "do not match their checksum"),
    (("attachments", 0, "data_base64"), 7, 'the "data_base64" field of attachment 1'),
    (("attachments", 0, "media_type"), DELETE, 'attachment 1 has no "media_type" field'),
]


@pytest.mark.parametrize(("path", "value", "message"), MALFORMED)
def test_a_malformed_file_is_refused_with_a_sentence(
    document: dict[str, Any], path: tuple[Any, ...], value: Any, message: str
) -> None:
    set_path(document, path, value)
    with pytest.raises(ImportFormatError, match=message.replace("(", r"\(")) as caught:
        parse_export(encode(document))
    text = str(caught.value)
    assert text[0].isupper() and text.endswith(".") and "\n" not in text


def test_structural_problems_are_refused(document: dict[str, Any]) -> None:
    messages = document["messages"]

    loop = copy.deepcopy(document)
    loop["messages"][0]["parent_id"] = loop["messages"][-1]["id"]
    with pytest.raises(ImportFormatError, match="loop instead of a tree"):
        parse_export(encode(loop))

    twice = {**document, "messages": [*messages, messages[0]]}
    with pytest.raises(ImportFormatError, match="same id as an earlier message"):
        parse_export(encode(twice))

    listed_twice = {**document, "attachments": document["attachments"] * 2}
    with pytest.raises(ImportFormatError, match="attachment 3 is listed twice"):
        parse_export(encode(listed_twice))


@pytest.mark.parametrize(
    "data",
    [b"", b"hello", b"\xff\xfe\x00", b"[1, 2", b"[]", b"null", b'"text"', b"{}",
     b'{"format": "mimo-desktop.conversation"}', b"[" * 100_000, b'{"a": NaN}',
     b'{"a": 1e999}', b'{"a": "\\ud800"}', b"1" * 5000],
)  # fmt: skip
def test_what_is_not_an_export_is_refused(data: bytes) -> None:
    with pytest.raises(ImportFormatError, match=r"^The file "):
        parse_export(data)


def test_lone_surrogates_and_deep_nesting_inside_an_export_are_refused(
    document: dict[str, Any],
) -> None:
    bad_text = copy.deepcopy(document)
    bad_text["conversation"]["title"] = "\ud800"
    with pytest.raises(ImportFormatError, match="not valid Unicode"):
        parse_export(json.dumps(bad_text).encode())
    nested: Any = 1
    for _ in range(100):
        nested = [nested]
    document["conversation"]["settings"]["deep"] = nested
    with pytest.raises(ImportFormatError, match="nested too deeply"):
        parse_export(encode(document))


def test_a_file_over_the_size_limit_is_refused_before_parsing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    huge = tmp_path / "huge.json"
    with huge.open("wb") as handle:
        handle.truncate(MAX_IMPORT_BYTES + 1)  # sparse: costs no disk space
    with pytest.raises(ImportFormatError, match="too large"):
        read_export(huge)
    monkeypatch.setattr(transfer_parse, "MAX_IMPORT_BYTES", 10)
    with pytest.raises(ImportFormatError, match="too large"):
        parse_export(b'{"format": 12345}')


def test_unknown_extra_fields_are_ignored_and_unused_attachments_dropped(
    document: dict[str, Any],
) -> None:
    document["comment"] = "made by hand"
    document["messages"][0]["flavour"] = "vanilla"
    extra = b"unused"
    document["attachments"].append({
        "sha256": hashlib.sha256(extra).hexdigest(), "media_type": "text/plain",
        "size": len(extra), "original_name": "", "data_base64": base64.b64encode(extra).decode(),
    })  # fmt: skip
    parsed = parse_export(encode(document))
    assert len(parsed.attachments) == 2
    assert parsed.conversation.message_count == len(parsed.messages) == 9


# Fuzzing: whatever the bytes, only ImportFormatError (or a good import)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)


def parse_or_refuse(data: bytes) -> None:
    try:
        parse_export(data)
    except ImportFormatError as error:
        assert str(error).startswith("The file ")


@settings(max_examples=150, deadline=None)
@given(data=st.binary(max_size=200))
def test_random_bytes_are_refused_cleanly(data: bytes) -> None:
    parse_or_refuse(data)


@settings(max_examples=150, deadline=None)
@given(value=json_values)
def test_random_json_is_refused_cleanly(value: Any) -> None:
    parse_or_refuse(json.dumps(value).encode())
    parse_or_refuse(encode({"format": EXPORT_FORMAT, "version": 1, "conversation": value}))


def paths_of(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path into a JSON document (keys and list indexes)."""
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, item in value.items():
            found += paths_of(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += paths_of(item, (*prefix, index))
    return found


@settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_a_mutated_export_is_refused_cleanly_or_imports(
    tmp_path: Path, valid_export: dict[str, Any], data: st.DataObject
) -> None:
    document = copy.deepcopy(valid_export)
    for _ in range(data.draw(st.integers(1, 3))):
        paths = paths_of(document)
        if not paths:
            break
        path = data.draw(st.sampled_from(paths))
        set_path(document, path, data.draw(st.just(DELETE) | json_values))
    try:
        parsed = parse_export(encode(document))
    except ImportFormatError:
        return
    with Store.open(tmp_path / "fuzz.sqlite3", attachments_dir=tmp_path / "files") as target:
        new_id = target.import_conversation(parsed)  # what parses must import
        assert conversation_to_markdown(target.export_conversation(new_id))


# The window's entry points


@pytest.mark.asyncio
async def test_export_to_file_and_import_from_file(tmp_path: Path) -> None:
    with open_store(tmp_path / "a") as source:
        built = build(source)
    store = await AsyncStore.open(tmp_path / "a" / "mimo.sqlite3")
    try:
        await export_to_file(store, built.conv, tmp_path / "chat.json", "json")
        await export_to_file(store, built.conv, tmp_path / "chat.md", "markdown")
        assert (tmp_path / "chat.md").read_text(encoding="utf-8").startswith("# Hedgehogs 🦔")
        if sys.platform != "win32":
            assert (tmp_path / "chat.json").stat().st_mode & 0o777 == 0o600
        duplicate = await import_from_file(store, tmp_path / "chat.json")
        assert duplicate != built.conv
        assert len(await store.current_path(duplicate)) == 4
        with pytest.raises(ImportFormatError):
            await import_from_file(store, tmp_path / "chat.md")
        with pytest.raises(ValueError):
            await export_to_file(store, built.conv, tmp_path / "x", "pdf")  # type: ignore[arg-type]
        with pytest.raises(NotFoundError):
            await export_to_file(store, "nope", tmp_path / "x.json", "json")
        assert not (tmp_path / "x.json").exists()
    finally:
        await store.close()
    with open_store(tmp_path / "c") as target:
        assert target.import_conversation(read_export(tmp_path / "chat.json")) == built.conv
