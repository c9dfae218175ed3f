"""The history at scale: showing the sidebar with 10,000 conversations, opening one of 2,000.

    python -m tests.benchmarks.history [--conversations 10000] [--messages 2000]

Builds a real SQLite history (10,000 conversations of two messages each, plus one
conversation of 2,000 messages of chat-like Markdown), starts the real app on it
offscreen (``build()`` and ``start()`` as ``python -m app`` runs them), and measures:

- sidebar: from asking the history controller for the list to the list's first paint
  with every row in the model; and the part of that spent on the GUI thread (filling
  the model);
- open: from asking for the long conversation to its first paint in the chat view;
  and the GUI-thread part (building the view);

each beside a baseline in the same session and process: the same steps on a history of
10 conversations and a conversation of 10 messages. Prints the figures and, last, one
line of JSON. Asserts nothing about time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path
from statistics import median

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QApplication

from app.core.history import DATABASE_NAME
from app.core.store import Store
from app.ui import history_model
from app.ui.event_loop import AppEventLoop
from app.ui.wiring import AppParts
from tests.benchmarks.common import GuiTimer, PaintWatch, time_until_shown
from tests.sim import Plan
from tests.tools.harness import demo_app

REPLY = """Here is the short answer, with a little **Markdown** in it:

- first point, with `inline code`
- second point

```python
def answer(question: str) -> str:
    return question.upper()
```
"""
DAY = 86_400.0


def build_history(folder: Path, conversations: int, long_messages: int) -> tuple[str, str]:
    """Fill ``folder/data/mimo.sqlite3``; returns (long conversation id, short one's id)."""
    data = folder / "data"
    now = time.time()
    with Store.open(data / DATABASE_NAME) as store:
        db = store._db  # bulk insert for set-up speed; the app never does this
        db.execute("BEGIN")
        conv_rows: list[tuple[str, str, float, float, str]] = []
        message_rows: list[tuple[str, str, str | None, str, str, float]] = []
        for n in range(conversations):
            conv_id = uuid.uuid4().hex
            at = now - n * (730 * DAY / max(conversations, 1))  # spread over two years
            question, answer = uuid.uuid4().hex, uuid.uuid4().hex
            conv_rows.append((conv_id, f"Question {n} about topic {n % 97}", at, at, answer))
            message_rows.append((question, conv_id, None, "user", f"Question {n}?", at))
            message_rows.append((answer, conv_id, question, "assistant", REPLY, at + 1))
        db.executemany(
            "INSERT INTO conversations (id, title, created_at, updated_at, current_leaf_id,"
            " settings) VALUES (?, ?, ?, ?, ?, '{}')",
            conv_rows,
        )
        db.executemany(
            "INSERT INTO messages (id, conversation_id, parent_id, role, content, created_at,"
            " updated_at, options) VALUES (?, ?, ?, ?, ?, ?, ?6, '{}')",
            message_rows,
        )
        db.execute("COMMIT")
        ids = []
        for count in (long_messages, 10):
            row = store.create_conversation(title=f"A conversation of {count} messages")
            parent = None
            db.execute("BEGIN")
            for n in range(count):
                msg_id = uuid.uuid4().hex
                role = "user" if n % 2 == 0 else "assistant"
                text = f"Question number {n // 2}?" if role == "user" else REPLY
                db.execute(
                    "INSERT INTO messages (id, conversation_id, parent_id, role, content,"
                    " created_at, updated_at, options) VALUES (?, ?, ?, ?, ?, ?, ?6, '{}')",
                    (msg_id, row.id, parent, role, text, now - DAY + n),
                )
                parent = msg_id
            db.execute(
                "UPDATE conversations SET current_leaf_id = ? WHERE id = ?", (parent, row.id)
            )
            db.execute("COMMIT")
            ids.append(row.id)
    return ids[0], ids[1]


async def show_sidebar(parts: AppParts) -> tuple[float, float]:
    """(ms from refresh() to the list painted with every row, ms of it on the GUI thread)."""
    sidebar = parts.window.sidebar
    sidebar.model.set_rows([])
    await asyncio.sleep(0.05)
    timer = GuiTimer(history_model.HistoryModel, "set_rows")
    watch = PaintWatch(sidebar.list.viewport())
    parts.history.listLoaded.connect(watch.arm)  # after the model's slot: rows are in
    start = time.perf_counter()
    parts.history.refresh()
    painted = await watch.painted
    parts.history.listLoaded.disconnect(watch.arm)
    timer.restore()
    return (painted - start) * 1000, timer.total * 1000


async def open_conversation(parts: AppParts, conv_id: str, expected: int) -> tuple[float, float]:
    """(ms from open() to the chat view painted with it, ms of it building the view)."""
    parts.window.new_chat_action.trigger()
    await asyncio.sleep(0.05)
    return await time_until_shown(parts, lambda: parts.history.open(conv_id), expected)


async def measure(
    folder: Path, long_id: str, short_id: str, long_count: int, runs: int
) -> dict[str, float]:
    figures: dict[str, list[float]] = {}

    def add(name: str, value: float) -> None:
        figures.setdefault(name, []).append(value)

    async with demo_app(Plan(content="unused"), size=(1200, 800), data_dir=str(folder)) as parts:
        for _ in range(runs):
            total, gui = await show_sidebar(parts)
            add("sidebar_ms", total)
            add("sidebar_gui_ms", gui)
            total, gui = await open_conversation(parts, long_id, long_count)
            add("open_ms", total)
            add("open_gui_ms", gui)
            total, gui = await open_conversation(parts, short_id, 10)
            add("open_baseline_ms", total)
            add("open_baseline_gui_ms", gui)
    return {name: median(values) for name, values in figures.items()}


async def measure_small(folder: Path, runs: int) -> dict[str, float]:
    figures: list[tuple[float, float]] = []
    async with demo_app(Plan(content="unused"), size=(1200, 800), data_dir=str(folder)) as parts:
        for _ in range(runs):
            figures.append(await show_sidebar(parts))
    return {
        "sidebar_baseline_ms": median(f[0] for f in figures),
        "sidebar_baseline_gui_ms": median(f[1] for f in figures),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=10_000)
    parser.add_argument("--messages", type=int, default=2_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    app = QApplication(sys.argv[:1])
    loop = AppEventLoop(app)
    asyncio.set_event_loop(loop)
    with tempfile.TemporaryDirectory() as big, tempfile.TemporaryDirectory() as small:
        started = time.perf_counter()
        long_id, short_id = build_history(Path(big), args.conversations, args.messages)
        build_history(Path(small), 10, 10)
        print(f"built the histories in {time.perf_counter() - started:.1f} s")
        result = loop.run_until_complete(
            measure(Path(big), long_id, short_id, args.messages, args.runs)
        )
        result.update(loop.run_until_complete(measure_small(Path(small), args.runs)))
    loop.close()
    result["sidebar_ratio"] = result["sidebar_ms"] / result["sidebar_baseline_ms"]
    result["open_ratio"] = result["open_ms"] / result["open_baseline_ms"]
    print(
        f"sidebar, {args.conversations:,} conversations: {result['sidebar_ms']:.0f} ms to paint"
        f" ({result['sidebar_gui_ms']:.0f} ms on the GUI thread);"
        f" baseline 10: {result['sidebar_baseline_ms']:.0f} ms"
        f" ({result['sidebar_baseline_gui_ms']:.1f} ms); ratio {result['sidebar_ratio']:.1f}"
    )
    print(
        f"open, {args.messages:,} messages: {result['open_ms']:.0f} ms to paint"
        f" ({result['open_gui_ms']:.0f} ms building the view);"
        f" baseline 10: {result['open_baseline_ms']:.0f} ms"
        f" ({result['open_baseline_gui_ms']:.0f} ms); ratio {result['open_ratio']:.1f}"
    )
    print(json.dumps({k: round(v, 2) for k, v in result.items()}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
