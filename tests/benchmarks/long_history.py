"""Long history: opening, and switching between, 2,000-message conversations of ~1M characters.

    python -m tests.benchmarks.long_history [--messages 2000] [--runs 3] [--switches 8]

Writes two conversations of 2,000 messages each (short questions; Markdown replies of
paragraphs, bullet and numbered lists, fenced code and tables, with model and usage;
about 1,000,000 characters per conversation) into a real SQLite file through the app's
:class:`~app.core.store.Store` (``add_message`` / ``update_message``, one commit each, as
the app saves), plus two conversations of 10 messages of the same kind as the baseline.
Then it starts the real app on that data folder offscreen (``build()`` and ``start()``
as ``python -m app`` runs them) and measures:

- open: from ``HistoryController.open()`` (a new chat shown before) to the chat view's
  first paint with the conversation, and the GUI-thread part (building the view);
- RSS with a long conversation shown (after ``gc.collect()``, with and without glibc's
  ``malloc_trim``), beside the RSS after start-up with a short one shown;
- switch: from a mouse click on the other conversation's row in the sidebar to the chat
  view's next paint with it, the two long conversations in turn (median); the view
  paints the first screen of bubbles, laid out where they stay, and builds the rest of
  its window after that paint: "complete" is the click to the last of those bubbles;

each beside the same steps on the 10-message conversations, in the same process. Prints
the figures and, last, one line of JSON. Asserts nothing about time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path
from statistics import median
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from app.core.history import DATABASE_NAME
from app.core.store import Store
from app.ui.wiring import AppParts
from tests.benchmarks.common import describe_rss, run_in_app, settled_rss, time_until_shown
from tests.benchmarks.history import open_conversation
from tests.benchmarks.streaming import WORDS, realistic_markdown
from tests.sim import Plan
from tests.tools.harness import demo_app

MODEL = "mimo-v2-pro"
SHORT = 10  # messages in a baseline conversation
REPLY_TOKENS = (60, 290)  # a reply's length in simulator tokens (~5.4 characters each)


def question(rng: random.Random) -> str:
    """A user's message: one to three plain sentences."""
    sentences = (" ".join(rng.sample(WORDS, rng.randint(6, 14))) for _ in range(rng.randint(1, 3)))
    return " ".join(s.capitalize() + "." for s in sentences)


def reply(rng: random.Random, tokens: int | None = None) -> str:
    """A reply of realistic Markdown, ``tokens`` long (default: a random length), its last
    code fence closed when the cut fell inside."""
    length = tokens if tokens is not None else rng.randint(*REPLY_TOKENS)
    text = realistic_markdown(length, seed=rng.randrange(1 << 30))
    return text + "\n```\n" if text.count("```") % 2 else text


def write_conversation(store: Store, title: str, count: int, seed: int) -> tuple[str, int]:
    """Save a conversation of ``count`` alternating messages; returns (id, characters)."""
    rng = random.Random(seed)
    conv_id = store.create_conversation(title=title, model=MODEL).id
    parent, chars = None, 0
    for n in range(count):
        if n % 2 == 0:
            text = question(rng)
            message = store.add_message(conv_id, parent_id=parent, role="user", content=text)
        else:
            text = reply(rng)
            message = store.add_message(
                conv_id, parent_id=parent, role="assistant", content=text, model=MODEL
            )
            usage = {"prompt_tokens": 40 * n, "completion_tokens": len(text) // 5}
            store.update_message(message.id, finish_reason="stop", usage=usage)
        parent, chars = message.id, chars + len(text)
    return conv_id, chars


def build_history(folder: Path, messages: int) -> dict[str, Any]:
    """Two long and two short conversations in ``folder/data/mimo.sqlite3``; the short
    ones are the newest, so start-up reopens a short one."""
    with Store.open(folder / "data" / DATABASE_NAME) as store:
        long_a, chars_a = write_conversation(store, "A long conversation", messages, 1)
        long_b, chars_b = write_conversation(store, "Another long conversation", messages, 2)
        short_a, _ = write_conversation(store, "A short conversation", SHORT, 3)
        short_b, _ = write_conversation(store, "Another short conversation", SHORT, 4)
    return {
        "long": (long_a, long_b),
        "short": (short_a, short_b),
        "chars": (chars_a, chars_b),
        "db_mb": (folder / "data" / DATABASE_NAME).stat().st_size / 1e6,
    }


async def click_row(parts: AppParts, conv_id: str, expected: int) -> tuple[float, float, float]:
    """(ms from a click on ``conv_id``'s sidebar row to the chat view painted with it,
    ms of it building the view, ms from the click to the view's window built whole)."""
    sidebar = parts.window.sidebar
    index = sidebar.model.index_of(conv_id)
    sidebar.list.scrollTo(index)
    await asyncio.sleep(0.1)  # the scroll painted, the previous switch's stragglers done
    point = sidebar.list.visualRect(index).center()
    viewport = sidebar.list.viewport()
    started = time.perf_counter()
    painted, gui = await time_until_shown(
        parts,
        lambda: QTest.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=point),
        expected,
    )
    view = parts.window.chat_view
    while view.building:  # the rest of the window, in idle slices after the paint
        await asyncio.sleep(0.002)
    return painted, gui, (time.perf_counter() - started) * 1000


async def switches(
    parts: AppParts, ids: tuple[str, str], expected: int, count: int
) -> dict[str, float]:
    """Click between the two conversations ``count`` times; medians of the figures."""
    await click_row(parts, ids[0], expected)  # start from the first, shown
    figures = [await click_row(parts, ids[(n + 1) % 2], expected) for n in range(count)]
    return {
        "ms": median(total for total, _, _ in figures),
        "gui_ms": median(gui for _, gui, _ in figures),
        "max_ms": max(total for total, _, _ in figures),
        "complete_ms": median(complete for _, _, complete in figures),
    }


async def measure(
    folder: Path, history: dict[str, Any], args: argparse.Namespace
) -> dict[str, Any]:
    """Every figure, from one app started on ``folder``."""
    long_ids, short_ids = history["long"], history["short"]
    result: dict[str, Any] = {}
    async with demo_app(Plan(content="unused"), size=(1200, 800), data_dir=str(folder)) as parts:
        await asyncio.sleep(1.0)  # start-up settles: list loaded, latest (short) one shown
        result["rss_start"] = settled_rss()
        opened, baseline = [], []
        for _ in range(args.runs):
            opened.append(await open_conversation(parts, long_ids[0], args.messages))
            baseline.append(await open_conversation(parts, short_ids[0], SHORT))
        result["open_ms"] = median(total for total, _ in opened)
        result["open_gui_ms"] = median(gui for _, gui in opened)
        result["open_baseline_ms"] = median(total for total, _ in baseline)
        result["open_baseline_gui_ms"] = median(gui for _, gui in baseline)
        await open_conversation(parts, long_ids[0], args.messages)
        await asyncio.sleep(0.5)
        result["rss_open"] = settled_rss()
        result["switch"] = await switches(parts, long_ids, args.messages, args.switches)
        result["switch_baseline"] = await switches(parts, short_ids, SHORT, args.switches)
        await click_row(parts, long_ids[1], args.messages)
        await asyncio.sleep(0.5)
        result["rss_after_switches"] = settled_rss()
    return result


def flatten(
    history: dict[str, Any], measured: dict[str, Any], args: argparse.Namespace
) -> dict[str, Any]:
    """The one-line JSON result."""
    switch, switch_base = measured["switch"], measured["switch_baseline"]
    return {
        "benchmark": "long_history",
        "messages": args.messages,
        "chars_per_conversation": round(median(history["chars"])),
        "database_mb": round(history["db_mb"], 1),
        "runs": args.runs,
        "switches": args.switches,
        "open_ms": round(measured["open_ms"], 1),
        "open_gui_ms": round(measured["open_gui_ms"], 1),
        "open_baseline_ms": round(measured["open_baseline_ms"], 1),
        "open_baseline_gui_ms": round(measured["open_baseline_gui_ms"], 1),
        "open_ratio": round(measured["open_ms"] / measured["open_baseline_ms"], 2),
        "switch_ms": round(switch["ms"], 1),
        "switch_gui_ms": round(switch["gui_ms"], 1),
        "switch_max_ms": round(switch["max_ms"], 1),
        "switch_complete_ms": round(switch["complete_ms"], 1),
        "switch_baseline_ms": round(switch_base["ms"], 1),
        "switch_baseline_gui_ms": round(switch_base["gui_ms"], 1),
        "switch_baseline_complete_ms": round(switch_base["complete_ms"], 1),
        "switch_ratio": round(switch["ms"] / switch_base["ms"], 2),
        "rss_start_mb": measured["rss_start"]["rss_mb"],
        "rss_start_trimmed_mb": measured["rss_start"]["rss_trimmed_mb"],
        "rss_open_mb": measured["rss_open"]["rss_mb"],
        "rss_open_trimmed_mb": measured["rss_open"]["rss_trimmed_mb"],
        "rss_after_switches_mb": measured["rss_after_switches"]["rss_mb"],
        "rss_after_switches_trimmed_mb": measured["rss_after_switches"]["rss_trimmed_mb"],
    }


def report(result: dict[str, Any], measured: dict[str, Any]) -> None:
    print(
        f"open, {result['messages']:,} messages: {result['open_ms']:.0f} ms to paint"
        f" ({result['open_gui_ms']:.0f} ms building the view);"
        f" baseline {SHORT}: {result['open_baseline_ms']:.0f} ms"
        f" ({result['open_baseline_gui_ms']:.0f} ms); ratio {result['open_ratio']}"
    )
    print(
        f"switch (click to paint), median of {result['switches']}: {result['switch_ms']:.0f} ms"
        f" ({result['switch_gui_ms']:.0f} ms building the view, longest"
        f" {result['switch_max_ms']:.0f} ms); baseline {SHORT}:"
        f" {result['switch_baseline_ms']:.0f} ms ({result['switch_baseline_gui_ms']:.0f} ms);"
        f" ratio {result['switch_ratio']}"
    )
    complete, complete_base = result["switch_complete_ms"], result["switch_baseline_complete_ms"]
    print(
        f"switch, click to the window of bubbles built whole: {complete:.0f} ms;"
        f" baseline {SHORT}: {complete_base:.0f} ms"
    )
    print(f"RSS after start-up (a short one shown): {describe_rss(measured['rss_start'])}")
    print(f"RSS with a long one shown: {describe_rss(measured['rss_open'])}")
    print(f"RSS after the switches: {describe_rss(measured['rss_after_switches'])}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2_000)
    parser.add_argument("--runs", type=int, default=3, help="opens of each conversation")
    parser.add_argument("--switches", type=int, default=8, help="clicks between the two")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        history = build_history(Path(folder), args.messages)
        print(
            f"wrote 2 x {args.messages:,} messages ({median(history['chars']):,.0f} characters"
            f" each, {history['db_mb']:.1f} MB of SQLite) in {time.perf_counter() - started:.1f} s"
        )
        measured = run_in_app(lambda: measure(Path(folder), history, args))
    result = flatten(history, measured, args)
    report(result, measured)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
