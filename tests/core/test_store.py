"""The conversation store on a real SQLite file: conversations, the message tree, search."""

from __future__ import annotations

import hashlib
import sqlite3
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.api.events import Usage
from app.core.store import NotFoundError, Store
from app.core.store_search import plan_query


class Clock:
    """A fake clock that advances one second per reading, so every timestamp differs."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        self.now += 1.0
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(tmp_path: Path, clock: Clock) -> Iterator[Store]:
    with Store.open(tmp_path / "data" / "mimo.sqlite3", clock=clock) as opened:
        yield opened


def chat(store: Store, *texts: str, title: str = "") -> tuple[str, list[str]]:
    """A conversation whose messages form one branch, alternating user and assistant."""
    conv = store.create_conversation(title=title)
    ids: list[str] = []
    for index, text in enumerate(texts):
        role = "user" if index % 2 == 0 else "assistant"
        ids.append(
            store.add_message(
                conv.id, parent_id=ids[-1] if ids else None, role=role, content=text
            ).id
        )
    return conv.id, ids


def count(store: Store, sql: str, *params: Any) -> int:
    return int(store._db.execute(sql, params).fetchone()[0])


# Conversations


def test_created_conversation_reads_back_with_every_field(store: Store) -> None:
    created = store.create_conversation(
        title="Plans", model="mimo-v2-flash", settings={"system_prompt": "Be brief", "t": 0.2}
    )
    assert len(created.id) == 32
    int(created.id, 16)
    read = store.get_conversation(created.id)
    assert read == created
    assert read.pinned is False
    assert read.settings == {"system_prompt": "Be brief", "t": 0.2}
    assert (read.message_count, read.deleted_at, read.current_leaf_id) == (0, None, None)


def test_get_conversation_of_unknown_id_is_none(store: Store) -> None:
    assert store.get_conversation("nope") is None


def test_list_puts_pinned_first_then_most_recently_active(store: Store) -> None:
    a = store.create_conversation(title="a").id
    b = store.create_conversation(title="b").id
    c = store.create_conversation(title="c").id
    d = store.create_conversation(title="d").id
    store.add_message(a, parent_id=None, role="user", content="bump a")
    store.set_pinned(b, True)
    store.set_pinned(d, True)
    assert [row.id for row in store.list_conversations()] == [d, b, a, c]
    store.set_pinned(d, False)
    assert [row.id for row in store.list_conversations()] == [b, a, d, c]
    assert [row.id for row in store.list_conversations(pinned_first=False)] == [a, d, c, b]


def test_list_pages_with_limit_and_offset_and_count_matches(store: Store) -> None:
    ids = [store.create_conversation(title=str(n)).id for n in range(7)]
    newest_first = ids[::-1]
    assert [r.id for r in store.list_conversations(limit=3)] == newest_first[:3]
    assert [r.id for r in store.list_conversations(limit=3, offset=3)] == newest_first[3:6]
    assert [r.id for r in store.list_conversations(offset=6)] == newest_first[6:]
    assert store.count_conversations() == 7


def test_list_reports_message_counts(store: Store) -> None:
    conv, _ = chat(store, "one", "two", "three")
    empty = store.create_conversation().id
    counts = {row.id: row.message_count for row in store.list_conversations()}
    assert counts == {conv: 3, empty: 0}


def test_rename_pin_and_settings_persist_after_reopen(tmp_path: Path) -> None:
    path = tmp_path / "mimo.sqlite3"
    with Store.open(path) as store:
        conv = store.create_conversation(title="old").id
        store.rename_conversation(conv, "new title")
        store.set_pinned(conv, True)
        store.update_settings(conv, {"temperature": 1.1, "system_prompt": "你好"}, "mimo-v2-pro")
    with Store.open(path) as store:
        row = store.get_conversation(conv)
    assert row is not None
    assert (row.title, row.pinned, row.model) == ("new title", True, "mimo-v2-pro")
    assert row.settings == {"temperature": 1.1, "system_prompt": "你好"}


@pytest.mark.parametrize(
    "call",
    [
        lambda s: s.rename_conversation("nope", "x"),
        lambda s: s.set_pinned("nope", True),
        lambda s: s.update_settings("nope", {}, None),
        lambda s: s.delete_conversation("nope"),
        lambda s: s.restore_conversation("nope"),
        lambda s: s.add_message("nope", parent_id=None, role="user"),
        lambda s: s.update_message("nope", content="x"),
        lambda s: s.latest_leaf_under("nope"),
    ],
)
def test_unknown_ids_raise_not_found(store: Store, call: Callable[[Store], object]) -> None:
    with pytest.raises(NotFoundError):
        call(store)


def test_soft_delete_hides_a_conversation_and_restore_brings_it_back(store: Store) -> None:
    conv, ids = chat(store, "the secret word is marmalade", title="Jam")
    kept = store.create_conversation(title="kept").id
    store.delete_conversation(conv)
    assert [row.id for row in store.list_conversations()] == [kept]
    assert store.count_conversations() == 1
    assert store.search("marmalade") == []
    assert store.search("jam") == []
    deleted = store.get_conversation(conv)
    assert deleted is not None and deleted.deleted_at is not None
    assert [m.id for m in store.current_path(conv)] == ids  # nothing is lost

    store.restore_conversation(conv)
    assert {row.id for row in store.list_conversations()} == {conv, kept}
    assert [hit.message_id for hit in store.search("marmalade")] == ids
    assert store.get_conversation(conv).deleted_at is None  # type: ignore[union-attr]


def test_purge_erases_old_deleted_conversations_with_messages_index_and_files(
    store: Store, clock: Clock
) -> None:
    shared = store.put_attachment(b"shared picture", "image/png", "shared.png")
    own = store.put_attachment(b"only in the old chat", "text/plain", "old.txt")
    old, old_ids = chat(store, "zebra question", "zebra answer")
    store.add_message(old, parent_id=old_ids[-1], role="user", attachments=(shared, own))
    recent, _ = chat(store, "recently deleted")
    live, _ = chat(store, "live")
    store.add_message(live, parent_id=None, role="user", attachments=(shared,))
    store.delete_conversation(old)
    cutoff = clock.now + 0.5
    clock.now += 10
    store.delete_conversation(recent)

    assert store.purge_deleted(older_than=cutoff) == 1
    assert store.get_conversation(old) is None
    assert store.get_conversation(recent) is not None  # deleted after the cutoff: kept
    assert count(store, "SELECT count(*) FROM messages WHERE conversation_id = ?", old) == 0
    assert count(store, "SELECT count(*) FROM message_attachments") == 1
    assert count(store, "SELECT count(*) FROM messages_fts WHERE messages_fts MATCH 'zebra'") == 0
    assert count(store, "SELECT count(*) FROM messages_fts") == count(
        store, "SELECT count(*) FROM messages"
    )
    assert not store.attachment_path(own).exists()
    assert store.attachment_path(shared).read_bytes() == b"shared picture"
    assert store.purge_deleted(older_than=cutoff) == 0
    assert store.integrity_check() == "ok"


def test_purge_keeps_an_unused_attachment_stored_after_the_cutoff(
    store: Store, clock: Clock
) -> None:
    cutoff = clock.now + 0.5
    fresh = store.put_attachment(b"about to be sent", "text/plain")
    store.purge_deleted(older_than=cutoff)
    assert store.attachment_path(fresh).exists()
    conv = store.create_conversation().id
    store.add_message(conv, parent_id=None, role="user", attachments=(fresh,))


# The message tree


def test_editing_a_user_message_adds_a_sibling_in_creation_order(store: Store) -> None:
    conv, (question, answer) = chat(store, "first try", "answer one")
    edit = store.add_message(conv, parent_id=None, role="user", content="second try")
    edit2 = store.add_message(conv, parent_id=None, role="user", content="third try")
    assert [m.id for m in store.children(None, conv)] == [question, edit.id, edit2.id]
    assert [m.id for m in store.children(question, conv)] == [answer]
    assert store.children(answer, conv) == []
    # Roots of another conversation are not siblings.
    chat(store, "elsewhere")
    assert len(store.children(None, conv)) == 3


def test_children_order_ties_on_timestamp_by_insertion(tmp_path: Path) -> None:
    with Store.open(tmp_path / "mimo.sqlite3", clock=lambda: 5.0) as store:
        conv = store.create_conversation().id
        ids = [store.add_message(conv, parent_id=None, role="user").id for _ in range(5)]
        assert [m.id for m in store.children(None, conv)] == ids
        assert store.latest_leaf_under(ids[0]) == ids[0]


def test_path_to_walks_from_the_root_to_the_leaf(store: Store) -> None:
    conv, ids = chat(store, "q1", "a1", "q2", "a2")
    other = store.add_message(conv, parent_id=ids[1], role="user", content="q2 edited")
    assert [m.id for m in store.path_to(ids[3])] == ids
    assert [m.content for m in store.path_to(other.id)] == ["q1", "a1", "q2 edited"]
    assert [m.id for m in store.path_to(ids[0])] == ids[:1]
    assert store.path_to("missing") == []


def test_adding_a_message_makes_it_the_current_leaf_and_bumps_the_conversation(
    store: Store,
) -> None:
    conv = store.create_conversation()
    message = store.add_message(conv.id, parent_id=None, role="user", content="hi")
    row = store.get_conversation(conv.id)
    assert row is not None
    assert row.current_leaf_id == message.id
    assert row.updated_at == message.created_at > conv.updated_at
    assert store.current_path(conv.id) == [message]


def test_current_path_follows_set_current_leaf(store: Store) -> None:
    conv, ids = chat(store, "q1", "a1", "q2", "a2")
    branch = store.add_message(conv, parent_id=ids[0], role="assistant", content="a1 again")
    assert [m.id for m in store.current_path(conv)] == [ids[0], branch.id]
    store.set_current_leaf(conv, ids[3])
    assert [m.id for m in store.current_path(conv)] == ids
    assert store.current_path(store.create_conversation().id) == []


def test_set_current_leaf_refuses_a_message_of_another_conversation(store: Store) -> None:
    conv, ids = chat(store, "mine")
    _, other_ids = chat(store, "theirs")
    with pytest.raises(NotFoundError):
        store.set_current_leaf(conv, other_ids[0])
    assert store.get_conversation(conv).current_leaf_id == ids[0]  # type: ignore[union-attr]


def test_latest_leaf_under_follows_the_newest_child_down(store: Store) -> None:
    conv, (q1, a1, q2) = chat(store, "q1", "a1", "q2")
    retry = store.add_message(conv, parent_id=q1, role="assistant", content="a1 retry").id
    q2b = store.add_message(conv, parent_id=retry, role="user", content="q2b").id
    a2b = store.add_message(conv, parent_id=q2b, role="assistant", content="a2b").id
    store.add_message(conv, parent_id=a1, role="user", content="late edit under a1")
    assert store.latest_leaf_under(q1) == a2b
    assert store.latest_leaf_under(a2b) == a2b
    assert store.latest_leaf_under(q2) == q2


def test_a_parent_from_another_conversation_is_refused(store: Store) -> None:
    conv, _ = chat(store, "mine")
    _, other_ids = chat(store, "theirs")
    with pytest.raises(NotFoundError):
        store.add_message(conv, parent_id=other_ids[0], role="user")
    # The schema refuses it too, whoever writes.
    with pytest.raises(sqlite3.IntegrityError, match="another conversation"):
        store._db.execute(
            "INSERT INTO messages (id, conversation_id, parent_id, role, created_at, updated_at)"
            " VALUES ('x', ?, ?, 'user', 1, 1)",
            (conv, other_ids[0]),
        )
    assert count(store, "SELECT count(*) FROM messages WHERE conversation_id = ?", conv) == 1


def test_update_message_overwrites_only_the_given_fields(store: Store) -> None:
    conv, (question,) = chat(store, "why?")
    reply = store.add_message(
        conv,
        parent_id=question,
        role="assistant",
        model="mimo-v2-flash",
        options={"temperature": 0.7},
        status="streaming",
    )
    store.update_message(reply.id, content="Because", reasoning="hmm")
    store.update_message(reply.id, timings={"first_token_s": 0.4})
    store.update_message(
        reply.id,
        content="Because it is.",
        status="complete",
        finish_reason="stop",
        usage=Usage(prompt_tokens=5, completion_tokens=4, total_tokens=9, reasoning_tokens=2),
    )
    stored = store.get_message(reply.id)
    assert stored is not None
    assert (stored.content, stored.reasoning, stored.status) == (
        "Because it is.",
        "hmm",
        "complete",
    )
    assert (stored.finish_reason, stored.error, stored.model) == ("stop", None, "mimo-v2-flash")
    assert stored.options == {"temperature": 0.7}
    assert stored.timings == {"first_token_s": 0.4}
    assert stored.usage == {
        "prompt_tokens": 5,
        "completion_tokens": 4,
        "total_tokens": 9,
        "cached_tokens": 0,
        "reasoning_tokens": 2,
    }
    assert stored.updated_at > reply.updated_at == reply.created_at


def test_update_message_accepts_usage_as_a_dict_and_records_errors(store: Store) -> None:
    conv, (question,) = chat(store, "why?")
    reply = store.add_message(conv, parent_id=question, role="assistant", status="streaming")
    store.update_message(reply.id, status="failed", error="server error", usage={"total_tokens": 3})
    stored = store.get_message(reply.id)
    assert stored is not None
    assert (stored.status, stored.error, stored.usage) == (
        "failed",
        "server error",
        {"total_tokens": 3},
    )


def test_an_unknown_status_is_refused_by_the_store_and_the_schema(store: Store) -> None:
    conv, (question,) = chat(store, "q")
    with pytest.raises(ValueError, match="status"):
        store.add_message(conv, parent_id=None, role="user", status="done")
    with pytest.raises(ValueError, match="status"):
        store.update_message(question, status="done")
    with pytest.raises(sqlite3.IntegrityError):
        store._db.execute("UPDATE messages SET status = 'done'")
    assert store.get_message(question).status == "complete"  # type: ignore[union-attr]


def test_recover_interrupted_marks_only_streaming_messages(store: Store) -> None:
    conv, (question,) = chat(store, "q")
    live = store.add_message(conv, parent_id=question, role="assistant", status="streaming")
    cancelled = store.add_message(conv, parent_id=question, role="assistant", status="cancelled")
    store.update_message(live.id, content="half a rep")
    assert store.recover_interrupted() == 1
    assert store.get_message(live.id).status == "interrupted"  # type: ignore[union-attr]
    assert store.get_message(live.id).content == "half a rep"  # type: ignore[union-attr]
    assert store.get_message(cancelled.id).status == "cancelled"  # type: ignore[union-attr]
    assert store.get_message(question).status == "complete"  # type: ignore[union-attr]
    assert store.recover_interrupted() == 0


# Search


def test_search_finds_words_in_messages_with_marked_snippets(store: Store) -> None:
    conv, ids = chat(store, "How do hedgehogs hibernate?", "Hedgehogs hibernate in nests.")
    chat(store, "unrelated talk about teapots")
    hits = store.search("hibernate")
    assert {(h.conversation_id, h.message_id) for h in hits} == {(conv, ids[0]), (conv, ids[1])}
    assert all("«hibernate»" in hit.snippet for hit in hits)
    assert all(isinstance(hit.rank, float) for hit in hits)
    both = store.search("hedgehogs nests")
    assert [hit.message_id for hit in both] == [ids[1]]
    assert both[0].snippet == "«Hedgehogs» hibernate in «nests»."


def test_search_matches_every_word_as_a_substring_in_any_order(store: Store) -> None:
    _, ids = chat(store, "photosynthesis in plants")
    assert [h.message_id for h in store.search("photosyn")] == ids
    assert [h.message_id for h in store.search("SYNTHESIS")] == ids
    assert [h.message_id for h in store.search("lants photosyn")] == ids
    assert store.search("photosyn trees") == []  # every word must match


def test_search_finds_chinese_words_inside_unspaced_text(store: Store) -> None:
    _, ids = chat(store, "我们讨论了向量数据库的索引结构", "向量数据库用近似最近邻索引。")
    chat(store, "今天天气很好")
    hits = store.search("数据库")
    assert {h.message_id for h in hits} == set(ids)
    assert "«数据库»" in hits[0].snippet
    assert [h.message_id for h in store.search("索引结构")] == ids[:1]
    assert store.search("数据仓库") == []


def test_search_finds_one_and_two_character_words_with_like(store: Store) -> None:
    _, ids = chat(store, "这个模型很快", "Flash 模型 is fast")
    _, other = chat(store, "天气")
    assert [h.message_id for h in store.search("模型")] == [ids[1], ids[0]]  # newest first
    assert store.search("模型")[0].snippet == "Flash «模型» is fast"
    assert [h.message_id for h in store.search("天")] == other
    assert [h.message_id for h in store.search("fast 模型")] == ids[1:]  # long + short
    assert store.search("50%") == []  # LIKE wildcards are literal
    assert store.search("a_") == []


def test_like_only_snippets_cut_long_text_around_the_first_match(store: Store) -> None:
    text = "开头" + "很长的文字" * 40 + "关键" + "结尾的文字" * 40
    _, ids = chat(store, text)
    (hit,) = store.search("关键")
    assert hit.message_id == ids[0]
    assert hit.snippet.startswith("…") and hit.snippet.endswith("…")
    assert "«关键»" in hit.snippet and len(hit.snippet) < 80


def test_search_lists_title_matches_before_message_matches(store: Store) -> None:
    titled = store.create_conversation(title="Saturn rings").id
    _, ids = chat(store, "tell me about saturn")
    hits = store.search("saturn")
    assert (hits[0].conversation_id, hits[0].message_id) == (titled, None)
    assert hits[0].snippet == "«Saturn» rings"
    assert [h.message_id for h in hits[1:]] == ids
    assert store.search("saturn", limit=1) == hits[:1]


@pytest.mark.parametrize(
    "query",
    ['foo"bar OR', '"', "'", "AND", "NOT x", "a*", "*", "(", ")", "-x", "x:y", "NEAR(a b)",
     "^", "col:value", "{a b}", "\\", "\x00", "   ", "", "😀", "c++", 'a" OR "b', "..."],
)  # fmt: skip
def test_search_treats_any_text_literally_and_never_raises(store: Store, query: str) -> None:
    chat(store, 'foo"bar OR AND NOT c++ col:value 😀 x')
    store.search(query)


def test_search_finds_operator_words_and_quotes_literally(store: Store) -> None:
    _, ids = chat(store, 'She said "foo"bar OR NOT, then left.')
    assert [h.message_id for h in store.search('foo"bar OR')] == ids
    assert [h.message_id for h in store.search("NOT")] == ids
    assert store.search("AND") == []
    assert [h.message_id for h in store.search("OR NOT left")] == ids


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(query=st.text(max_size=30))
def test_search_never_raises_on_arbitrary_text(store: Store, query: str) -> None:
    if not store.list_conversations():
        chat(store, "some text to search 你好 ü")
    store.search(query)


def test_plan_query_quotes_long_words_and_escapes_short_ones() -> None:
    plan = plan_query('foo"bar  OR 模型 5%')
    assert plan is not None
    assert plan.match == '"foo""bar"'
    assert plan.likes == ("%OR%", "%模型%", "%5\\%%")
    assert plan_query(" \t ") is None


def test_search_follows_checkpoints_and_deletions(store: Store) -> None:
    conv, (question,) = chat(store, "q")
    reply = store.add_message(conv, parent_id=question, role="assistant", status="streaming")
    store.update_message(reply.id, content="the first draft mentions kangaroos")
    assert [h.message_id for h in store.search("kangaroos")] == [reply.id]
    store.update_message(reply.id, content="the final text is about koalas")
    assert store.search("kangaroos") == []
    assert [h.message_id for h in store.search("koalas")] == [reply.id]
    store.update_message(reply.id, status="complete")  # no content: index unchanged
    assert [h.message_id for h in store.search("koalas")] == [reply.id]
    store.rename_conversation(conv, "Marsupials")
    assert [h.conversation_id for h in store.search("marsupials")] == [conv]
    store.delete_conversation(conv)
    store.purge_deleted(older_than=float("inf"))
    assert store.search("koalas") == []
    assert count(store, "SELECT count(*) FROM messages_fts") == 0
    assert count(store, "SELECT count(*) FROM conversations_fts") == 0
    for table in ("messages_fts", "conversations_fts"):
        store._db.execute(f"INSERT INTO {table} ({table}) VALUES ('integrity-check')")


# Attachments


def test_put_attachment_stores_one_private_file_per_content(tmp_path: Path, store: Store) -> None:
    data = b"\x89PNG fake image bytes" * 1000
    first = store.put_attachment(data, "image/png", "cat.png")
    source = tmp_path / "again.png"
    source.write_bytes(data)
    second = store.put_attachment(source, "image/png")
    assert first == second
    assert first == hashlib.sha256(data).hexdigest()
    path = store.attachment_path(first)
    assert path == tmp_path / "data" / "attachments" / first[:2] / first[2:]
    assert path.read_bytes() == data
    if sys.platform != "win32":
        assert path.stat().st_mode & 0o777 == 0o600
    files = [p for p in (tmp_path / "data" / "attachments").rglob("*") if p.is_file()]
    assert files == [path]  # no temp files left behind
    row = store._db.execute("SELECT * FROM attachments").fetchall()
    assert [(r["media_type"], r["size"], r["original_name"]) for r in row] == [
        ("image/png", len(data), "cat.png")
    ]


def test_put_attachment_from_a_path_takes_its_name(tmp_path: Path) -> None:
    source = tmp_path / "notes.txt"
    source.write_text("some notes")
    with Store.open(tmp_path / "db.sqlite3", attachments_dir=tmp_path / "files") as store:
        sha = store.put_attachment(source, "text/plain")
        assert store.attachment_path(sha).parent.parent == tmp_path / "files"
        name = store._db.execute("SELECT original_name FROM attachments").fetchone()[0]
    assert name == "notes.txt"


def test_put_attachment_restores_a_missing_file(store: Store) -> None:
    sha = store.put_attachment(b"precious", "text/plain")
    store.attachment_path(sha).unlink()
    assert store.put_attachment(b"precious", "text/plain") == sha
    assert store.attachment_path(sha).read_bytes() == b"precious"


def test_messages_keep_their_attachments_in_order(store: Store) -> None:
    shas = [store.put_attachment(f"file {n}".encode(), "text/plain") for n in range(12)]
    conv = store.create_conversation().id
    order = shas[::-1]  # more than ten: positions must sort as numbers
    message = store.add_message(conv, parent_id=None, role="user", attachments=order)
    assert message.attachments == tuple(order)
    assert store.get_message(message.id).attachments == tuple(order)  # type: ignore[union-attr]
    assert store.current_path(conv)[0].attachments == tuple(order)


def test_an_unknown_attachment_refuses_the_whole_message(store: Store) -> None:
    conv = store.create_conversation().id
    good = store.put_attachment(b"x", "text/plain")
    with pytest.raises(NotFoundError):
        store.add_message(conv, parent_id=None, role="user", attachments=(good, "ab" * 32))
    assert store.current_path(conv) == []
    assert count(store, "SELECT count(*) FROM messages") == 0


@pytest.mark.parametrize("bad", ["../../etc/passwd", "AB" * 32, "ab" * 31, ""])
def test_attachment_path_accepts_only_lowercase_sha256_hex(store: Store, bad: str) -> None:
    with pytest.raises(ValueError):
        store.attachment_path(bad)


# Query plans: one indexed statement, no per-row queries


def statements_of(store: Store, call: Callable[[], object]) -> list[str]:
    seen: list[str] = []
    store._db.set_trace_callback(seen.append)
    try:
        call()
    finally:
        store._db.set_trace_callback(None)
    return seen


def plan_of(store: Store, sql: str) -> str:
    rows = store._db.execute("EXPLAIN QUERY PLAN " + sql).fetchall()
    return "\n".join(str(row[3]) for row in rows)


def test_listing_is_one_statement_read_from_the_listing_index(store: Store) -> None:
    for n in range(30):
        chat(store, f"message {n}")
    sql = statements_of(store, lambda: store.list_conversations(limit=20))
    assert len(sql) == 1
    plan = plan_of(store, sql[0])
    assert "conversations_listing" in plan
    assert "TEMP B-TREE" not in plan
    assert "SCAN m" not in plan  # message counts come from the conversation index


def test_tree_walks_are_one_statement_each_using_indexes(store: Store) -> None:
    conv, ids = chat(store, "q1", "a1", "q2", "a2")
    for call in (
        lambda: store.path_to(ids[-1]),
        lambda: store.current_path(conv),
        lambda: store.children(None, conv),
        lambda: store.children(ids[0], conv),
        lambda: store.latest_leaf_under(ids[0]),
    ):
        sql = statements_of(store, call)
        assert len(sql) == 1
        plan = plan_of(store, sql[0])
        assert "SCAN m\n" not in plan + "\n" and "SCAN c\n" not in plan + "\n", plan
        assert "SCAN messages\n" not in plan + "\n", plan


def test_update_message_replaces_the_options(store: Store) -> None:
    conv, (question,) = chat(store, "weather?")
    reply = store.add_message(conv, parent_id=question, role="assistant", options={"a": 1})
    calls = [{"id": "call_1", "type": "function", "function": {"name": "f", "arguments": "{}"}}]

    store.update_message(reply.id, options={"tool_calls": calls})

    stored = store.get_message(reply.id)
    assert stored is not None and stored.options == {"tool_calls": calls}


def test_open_branch_reads_what_the_separate_calls_read(store: Store) -> None:
    conv, ids = chat(store, "q1", "a1", "q2", "a2", title="Branches")
    store.add_message(conv, parent_id=ids[1], role="user", content="q2 again")
    store.set_current_leaf(conv, ids[3])

    snapshot = store.open_branch(conv)

    assert snapshot is not None
    assert snapshot.conversation == store.get_conversation(conv)
    assert list(snapshot.path) == store.current_path(conv)
    assert snapshot.siblings == store.sibling_map(conv)
    assert snapshot.records == {}


def test_open_branch_at_a_message_switches_to_its_newest_leaf_first(store: Store) -> None:
    conv, ids = chat(store, "q1", "a1", "q2", "a2")
    edit = store.add_message(conv, parent_id=ids[1], role="user", content="q2 again")

    snapshot = store.open_branch(conv, at_message=ids[2])  # the older version of q2

    assert snapshot is not None
    assert [m.id for m in snapshot.path] == ids
    assert snapshot.conversation.current_leaf_id == ids[3]
    assert [m.id for m in store.current_path(conv)] == ids  # saved as the current branch
    assert edit.id in snapshot.siblings[ids[1]]


def test_open_branch_of_an_unknown_conversation_is_none(store: Store) -> None:
    assert store.open_branch("missing") is None
    assert store.open_branch("missing", at_message="missing too") is None
