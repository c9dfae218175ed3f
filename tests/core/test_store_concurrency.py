"""The store under concurrent readers, a killed writer process, and the asyncio facade."""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from app.core.store import Store, StoreError
from app.core.store_async import AsyncStore

REPO = Path(__file__).resolve().parents[2]


def test_a_second_store_reads_every_checkpoint_whole_while_a_writer_streams(
    tmp_path: Path,
) -> None:
    path = tmp_path / "mimo.sqlite3"
    with Store.open(path) as setup:
        conv = setup.create_conversation(title="stream").id
        msg = setup.add_message(conv, parent_id=None, role="assistant", status="streaming").id
    checkpoints = 400
    reader_ready = threading.Event()
    writer_done = threading.Event()
    errors: list[BaseException] = []

    def write() -> None:
        try:
            with Store.open(path) as writer:
                reader_ready.wait(timeout=10)
                for i in range(1, checkpoints + 1):
                    # Three columns that must always agree with each other.
                    writer.update_message(
                        msg, content=f"{i}:" + "word " * i, reasoning=str(i), timings={"i": i}
                    )
                writer.update_message(msg, status="complete")
        except BaseException as error:
            errors.append(error)
        finally:
            writer_done.set()

    thread = threading.Thread(target=write)
    thread.start()
    seen: list[int] = []
    with Store.open(path) as reader:
        reader_ready.set()
        while True:
            finished = writer_done.is_set()
            row = reader.get_message(msg)
            assert row is not None
            if row.timings:
                i = row.timings["i"]
                assert row.content == f"{i}:" + "word " * i
                assert row.reasoning == str(i)
                assert not seen or i >= seen[-1]  # never goes back in time
                seen.append(i)
            if finished:
                break
    thread.join(timeout=30)
    assert errors == []
    assert seen[-1] == checkpoints
    assert row.status == "complete"
    assert len(seen) > 1


CHILD = """
import sys
from pathlib import Path
from app.core.store import Store

store = Store.open(Path(sys.argv[1]))
conv = store.create_conversation(title="doomed")
msg = store.add_message(conv.id, parent_id=None, role="assistant", status="streaming")
print(msg.id, flush=True)
i = 0
while True:
    i += 1
    store.update_message(msg.id, content=f"checkpoint {i} " + "x" * (i % 700), timings={"i": i})
    print(i, flush=True)  # only after the commit
"""


@pytest.mark.parametrize("kill_after", [1, 300])
def test_a_writer_killed_mid_stream_leaves_a_sound_file_with_its_reported_checkpoints(
    tmp_path: Path, kill_after: int
) -> None:
    path = tmp_path / "mimo.sqlite3"
    with subprocess.Popen(
        [sys.executable, "-c", CHILD, str(path)], cwd=REPO, stdout=subprocess.PIPE, text=True
    ) as child:
        assert child.stdout is not None
        try:
            msg = child.stdout.readline().strip()
            for line in child.stdout:
                if int(line) >= kill_after:
                    break
        finally:
            child.kill()  # SIGKILL on POSIX: no clean-up code runs
        tail = child.stdout.read()  # what it reported before it died
    reported = max([kill_after] + [int(line) for line in tail.split("\n")[:-1] if line])

    with Store.open(path) as store:
        assert store.integrity_check() == "ok"
        message = store.get_message(msg)
        assert message is not None
        assert message.timings["i"] >= reported
        assert message.content.startswith(f"checkpoint {message.timings['i']} ")
        assert store.recover_interrupted() == 1
        assert store.get_message(msg).status == "interrupted"  # type: ignore[union-attr]
        assert [hit.message_id for hit in store.search("checkpoint")] == [msg]


@pytest.mark.asyncio
async def test_async_store_round_trip_runs_every_call_on_one_worker_thread(
    tmp_path: Path,
) -> None:
    threads: set[int] = set()
    now = [100.0]

    def clock() -> float:  # the Store reads the clock on whichever thread runs it
        threads.add(threading.get_ident())
        now[0] += 1
        return now[0]

    path = tmp_path / "mimo.sqlite3"
    store = await AsyncStore.open(path, clock=clock)
    try:
        conv = await store.create_conversation(title="Async", settings={"t": 1})
        sha = await store.put_attachment(b"picture", "image/png", "p.png")
        question = await store.add_message(
            conv.id, parent_id=None, role="user", content="ping lemur", attachments=[sha]
        )
        reply = await store.add_message(
            conv.id, parent_id=question.id, role="assistant", status="streaming"
        )
        await store.update_message(reply.id, content="pong", status="complete")
        await store.rename_conversation(conv.id, "Renamed")
        assert [m.content for m in await store.current_path(conv.id)] == ["ping lemur", "pong"]
        assert [m.id for m in await store.children(question.id, conv.id)] == [reply.id]
        assert await store.latest_leaf_under(question.id) == reply.id
        assert [h.message_id for h in await store.search("lemur")] == [question.id]
        assert (await store.list_conversations())[0].title == "Renamed"
        assert await store.count_conversations() == 1
        assert await store.integrity_check() == "ok"
        assert store.attachment_path(sha).read_bytes() == b"picture"
    finally:
        await store.close()
    assert len(threads) == 1
    assert threading.get_ident() not in threads
    with Store.open(path) as sync:  # everything was committed
        assert [m.content for m in sync.current_path(conv.id)] == ["ping lemur", "pong"]
        assert sync.get_message(question.id).attachments == (sha,)  # type: ignore[union-attr]


def test_async_store_works_under_plain_asyncio_run(tmp_path: Path) -> None:
    async def main() -> list[str]:
        store = await AsyncStore.open(tmp_path / "mimo.sqlite3")
        try:
            conv = await store.create_conversation()
            writes = [
                store.add_message(conv.id, parent_id=None, role="user", content=str(n))
                for n in range(20)
            ]
            await asyncio.gather(*writes)  # queued calls run one at a time, in order
            return [m.content for m in await store.children(None, conv.id)]
        finally:
            await store.close()

    assert asyncio.run(main()) == [str(n) for n in range(20)]


@pytest.mark.asyncio
async def test_async_store_open_failure_raises_and_stops_the_worker(tmp_path: Path) -> None:
    path = tmp_path / "mimo.sqlite3"
    path.write_bytes(b"not a database at all" * 100)
    with pytest.raises(sqlite3.DatabaseError):
        await AsyncStore.open(path)
    workers = [t for t in threading.enumerate() if t.name.startswith("mimo-store")]
    for worker in workers:
        worker.join(timeout=10)
    assert not any(worker.is_alive() for worker in workers)
    assert path.read_bytes() == b"not a database at all" * 100


@pytest.mark.asyncio
async def test_async_store_close_waits_for_earlier_calls_then_refuses_new_ones(
    tmp_path: Path,
) -> None:
    path = tmp_path / "mimo.sqlite3"
    store = await AsyncStore.open(path)
    conv = await store.create_conversation()
    # gather starts the tasks in order: the write is queued before close is.
    message, _ = await asyncio.gather(
        store.add_message(conv.id, parent_id=None, role="user", content="last words"),
        store.close(),
    )
    await store.close()  # twice is harmless
    assert message.content == "last words"
    with pytest.raises(StoreError, match="closed"):
        await store.count_conversations()
    assert not [t for t in threading.enumerate() if t.name.startswith("mimo-store")]
    with Store.open(path) as sync:
        assert [m.content for m in sync.current_path(conv.id)] == ["last words"]
