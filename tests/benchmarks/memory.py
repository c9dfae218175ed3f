"""Memory: RSS idle after start, and how it grows over 200 streamed replies.

    python -m tests.benchmarks.memory [--replies 200] [--early 20] [--tokens 300]

Runs the real app offscreen (``build()`` and ``start()`` as ``python -m app`` runs
them, with a real SQLite store in a throw-away data folder) against the simulator. Each
question is typed into the composer and sent with a click on Send, as a user would; the
reply (``--tokens`` simulator tokens of Markdown, ~5.4 characters each) streams at 3,000
tokens/s and the next question goes once the reply has ended. All replies are in one
conversation, so the chat view keeps every bubble. The simulator's record of the
requests (each holds the whole conversation) is cleared after every reply: it is not
the app's memory. RSS is read (after ``gc.collect()``,
then again after glibc's ``malloc_trim(0)``):

- idle: after the first paint and a one-second settle; again after idling as long
  (``--idle`` s): the baseline drift of a process doing nothing;
- after the first ``--early`` replies and after all ``--replies``;
- after "New chat" (the view's bubbles deleted): what the long view itself held.

Growth per reply is given for the first replies and for the rest (a leak shows as the
same slope in both; a view that holds its bubbles shows as a slope that stays after
the start-up costs are paid). Prints the figures and, last, one line of JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
import time
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from app.core.conversation import Status
from app.ui.wiring import AppParts
from tests.benchmarks.common import describe_rss, run_in_app, settled_rss
from tests.benchmarks.long_history import reply
from tests.sim import Plan
from tests.tools.harness import simulated_app

TOKENS_PER_SECOND = 3000


async def send_like_a_user(parts: AppParts, text: str) -> None:
    """Type ``text`` into the composer, click Send, wait for the reply to end."""
    composer = parts.window.composer
    composer.edit.setPlainText(text)
    QTest.mouseClick(composer.button, Qt.MouseButton.LeftButton)
    if not parts.chat.busy:
        raise RuntimeError("the click on Send did not start a reply")
    while parts.chat.busy:
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.02)  # the reply's final save
    last = parts.chat.conversation.messages[-1]
    if last.status is not Status.COMPLETE or not last.content:
        raise RuntimeError(f"reply {len(parts.chat.conversation.messages) // 2} ended {last}")


def plan(rng: random.Random, tokens: int) -> Plan:
    """The next reply: Markdown of ``tokens`` tokens, a different text each time."""
    return Plan(content=reply(rng, tokens), tokens_per_second=TOKENS_PER_SECOND)


async def measure(args: argparse.Namespace) -> dict[str, Any]:
    """Every reading, from one app."""
    rng = random.Random(1)
    readings: dict[str, Any] = {}
    seconds: list[float] = []
    chars = 0
    async with simulated_app(plan(rng, args.tokens)) as (parts, sim):
        await asyncio.sleep(1.0)  # first paint, key found, model list loaded
        readings["idle"] = settled_rss()
        await asyncio.sleep(args.idle)
        readings["idle_again"] = settled_rss()
        for n in range(1, args.replies + 1):
            started = time.perf_counter()
            await send_like_a_user(parts, f"Question {n}: please explain it with an example.")
            seconds.append(time.perf_counter() - started)
            chars += len(sim.default_plan.content or "")
            sim.requests.clear()
            sim.default_plan = plan(rng, args.tokens)
            if n == args.early:
                readings["early"] = settled_rss()
        readings["all"] = settled_rss()
        parts.window.new_chat_action.trigger()
        await asyncio.sleep(1.0)  # deleteLater runs; the view is empty
        readings["new_chat"] = settled_rss()
    readings["seconds_per_reply_first"] = sum(seconds[: args.early]) / args.early
    readings["seconds_per_reply_last"] = sum(seconds[-args.early :]) / args.early
    readings["chars_per_reply"] = chars / args.replies
    return readings


def summarise(readings: dict[str, Any], args: argparse.Namespace) -> dict[str, Any]:
    """The one-line JSON result; growth in MB from the trimmed readings."""
    trimmed = {
        name: value["rss_trimmed_mb"] for name, value in readings.items() if isinstance(value, dict)
    }
    late = args.replies - args.early
    result: dict[str, Any] = {
        "benchmark": "memory",
        "replies": args.replies,
        "early": args.early,
        "tokens_per_reply": args.tokens,
        "chars_per_reply": round(readings["chars_per_reply"]),
        "idle_seconds": args.idle,
    }
    for name, value in readings.items():
        if isinstance(value, dict):
            result[f"rss_{name}_mb"] = value["rss_mb"]
            result[f"rss_{name}_trimmed_mb"] = value["rss_trimmed_mb"]
    result.update(
        idle_drift_mb=round(trimmed["idle_again"] - trimmed["idle"], 1),
        growth_mb=round(trimmed["all"] - trimmed["idle_again"], 1),
        growth_untrimmed_mb=round(readings["all"]["rss_mb"] - readings["idle_again"]["rss_mb"], 1),
        growth_early_kb_per_reply=round(
            (trimmed["early"] - trimmed["idle_again"]) * 1024 / args.early, 1
        ),
        growth_late_kb_per_reply=round((trimmed["all"] - trimmed["early"]) * 1024 / late, 1),
        held_by_view_mb=round(trimmed["all"] - trimmed["new_chat"], 1),
        seconds_per_reply_first=round(readings["seconds_per_reply_first"], 3),
        seconds_per_reply_last=round(readings["seconds_per_reply_last"], 3),
    )
    return result


def report(result: dict[str, Any], readings: dict[str, Any]) -> None:
    early, replies = result["early"], result["replies"]
    print(f"replies of {result['tokens_per_reply']} tokens (~{result['chars_per_reply']} chars)")
    print(f"RSS idle after start: {describe_rss(readings['idle'])}")
    print(
        f"RSS idle {result['idle_seconds']} s later: {describe_rss(readings['idle_again'])}"
        f" (drift {result['idle_drift_mb']:+.1f} MB)"
    )
    print(f"RSS after {early} replies: {describe_rss(readings['early'])}")
    print(f"RSS after {replies} replies: {describe_rss(readings['all'])}")
    print(f"RSS after New chat: {describe_rss(readings['new_chat'])}")
    print(
        f"growth over {replies} replies: {result['growth_mb']:+.1f} MB trimmed"
        f" ({result['growth_untrimmed_mb']:+.1f} MB untrimmed);"
        f" per reply: first {early} {result['growth_early_kb_per_reply']:.0f} KB,"
        f" the other {replies - early} {result['growth_late_kb_per_reply']:.0f} KB;"
        f" released by New chat {result['held_by_view_mb']:.1f} MB"
    )
    print(
        f"time per reply: first {early} {result['seconds_per_reply_first'] * 1000:.0f} ms,"
        f" last {early} {result['seconds_per_reply_last'] * 1000:.0f} ms"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replies", type=int, default=200)
    parser.add_argument("--early", type=int, default=20, help="replies of the first reading")
    parser.add_argument("--tokens", type=int, default=300, help="tokens per reply")
    parser.add_argument("--idle", type=float, default=3.0, help="seconds of the idle baseline")
    args = parser.parse_args()
    if not 0 < args.early < args.replies:
        parser.error("--early must be between 0 and --replies")
    readings = run_in_app(lambda: measure(args))
    result = summarise(readings, args)
    report(result, readings)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
