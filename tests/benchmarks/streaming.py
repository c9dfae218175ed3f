"""Streaming a long reply: GUI stalls, CPU, and whether a flush costs more as the reply grows.

    python -m tests.benchmarks.streaming               # incremental rendering (the app)
    python -m tests.benchmarks.streaming --baseline    # the old full re-render per flush
    python -m tests.benchmarks.streaming --compare     # both, one after the other

Runs the real app objects offscreen (``build()`` from ``app/__main__.py``, as
``tests/tools/screenshot.py`` does) against the simulator, which streams ~20,000
tokens of Markdown (paragraphs, lists, code blocks, tables) at 2,000 tokens/s. While
the reply streams it measures:

- the longest GUI-thread stall: a 5 ms QTimer heartbeat's largest gap minus 5 ms;
- CPU seconds of the process (``time.process_time``; includes the simulator's thread)
  and of the GUI thread alone (``time.thread_time``);
- the time spent inside ``AssistantBubble.append`` (the view's work per flush), summed
  per 1,000 tokens received: the first 1,000 against the last 1,000 (ratio end/start).

``--baseline`` swaps ``AssistantBubble.append`` back to the old behaviour (parse and lay
out the whole reply on every flush). Prints the figures, then one JSON line.
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import json
import os
import random
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication

from app.ui.event_loop import AppEventLoop
from app.ui.message_widgets import AssistantBubble
from tests.sim import Plan
from tests.sim.reply import tokenize
from tests.tools.harness import ask_and_wait, demo_app

TOKENS = 20_000
TOKENS_PER_SECOND = 2000
HEARTBEAT_MS = 5
BUCKET = 1000

PROSE = (
    "the reply streams into the view while the model writes each token and the user "
    "reads along so every flush must stay cheap even when the answer is long because "
    "a stutter is what people notice first in a chat window with markdown rendering"
)
WORDS = PROSE.split()


def _sentence(rng: random.Random) -> str:
    words = rng.sample(WORDS, rng.randint(8, 16))
    if rng.random() < 0.3:
        words[rng.randrange(len(words))] = f"**{rng.choice(WORDS)}**"
    if rng.random() < 0.3:
        words[rng.randrange(len(words))] = f"`{rng.choice(WORDS)}()`"
    return " ".join(words).capitalize() + "."


def realistic_markdown(tokens: int, seed: int = 1) -> str:
    """Markdown of about ``tokens`` simulator tokens: sections of paragraphs, bullet and
    numbered lists, fenced code blocks and tables, cut at the token count."""
    rng = random.Random(seed)
    parts: list[str] = []
    count = 0
    section = 0
    while count < tokens:
        section += 1
        block = [f"## Section {section}: {rng.choice(WORDS)} {rng.choice(WORDS)}"]
        block.append(" ".join(_sentence(rng) for _ in range(rng.randint(2, 5))))
        block.append("\n".join(f"- {_sentence(rng)}" for _ in range(rng.randint(2, 5))))
        block.append(" ".join(_sentence(rng) for _ in range(rng.randint(1, 3))))
        block.append(
            "```python\n"
            + "\n".join(
                f"def step_{section}_{n}(value: int) -> int:\n    return value * {n} + {section}"
                for n in range(rng.randint(2, 4))
            )
            + "\n```"
        )
        block.append("\n".join(f"{n}. {_sentence(rng)}" for n in range(1, rng.randint(3, 5))))
        rows = "\n".join(
            f"| `{rng.choice(WORDS)}` | {rng.randint(1, 999)} ms | {_sentence(rng)} |"
            for _ in range(rng.randint(2, 5))
        )
        block.append(f"| name | time | note |\n|---|---:|---|\n{rows}")
        text = "\n\n".join(block) + "\n\n"
        parts.append(text)
        count += len(tokenize(text))
    return "".join(tokenize("".join(parts))[:tokens])


def old_append(self: AssistantBubble, reasoning: str, text: str) -> None:
    """``AssistantBubble.append`` before incremental rendering: the whole reply per flush."""
    if reasoning:
        self.reasoning.append_plain(reasoning)
    if text:
        self._text.append(text)
        self.body.set_markdown(self.text)
    if self.status.isVisible() and (reasoning or text):
        self.status.hide()


class Probe:
    """Heartbeat gaps and the time spent in the view's append, per 1,000 tokens."""

    def __init__(self, content: str) -> None:
        ends, total = [], 0
        for token in tokenize(content):
            total += len(token)
            ends.append(total)
        self._token_ends = ends
        self.bucket_seconds: dict[int, float] = {}
        self.append_seconds: list[float] = []
        self.max_gap = 0.0
        self._last_tick = 0.0
        self._chars = 0
        self.heartbeat = QTimer()
        self.heartbeat.setTimerType(Qt.TimerType.PreciseTimer)
        self.heartbeat.setInterval(HEARTBEAT_MS)
        self.heartbeat.timeout.connect(self._tick)

    def start(self) -> None:
        self._last_tick = time.perf_counter()
        self.heartbeat.start()

    def stop(self) -> None:
        self.heartbeat.stop()

    def _tick(self) -> None:
        now = time.perf_counter()
        self.max_gap = max(self.max_gap, now - self._last_tick)
        self._last_tick = now

    def wrap(self, append: Callable[..., None]) -> Callable[..., None]:
        def timed(bubble: AssistantBubble, reasoning: str, text: str) -> None:
            started = time.perf_counter()
            append(bubble, reasoning, text)
            elapsed = time.perf_counter() - started
            self._chars += len(text)
            tokens = bisect.bisect_right(self._token_ends, self._chars)
            bucket = min(tokens, len(self._token_ends) - 1) // BUCKET
            self.bucket_seconds[bucket] = self.bucket_seconds.get(bucket, 0.0) + elapsed
            self.append_seconds.append(elapsed)

        return timed


async def stream_once(content: str, probe: Probe) -> dict[str, float]:
    async with demo_app(Plan(content=content, tokens_per_second=TOKENS_PER_SECOND)) as parts:
        await asyncio.sleep(0.3)  # let start-up work (model list) settle
        cpu, gui_cpu, wall = time.process_time(), time.thread_time(), time.perf_counter()
        probe.start()
        await ask_and_wait(parts, "Write a long, detailed answer.")
        probe.stop()
        figures = {
            "wall_s": time.perf_counter() - wall,
            "cpu_s": time.process_time() - cpu,
            "gui_thread_cpu_s": time.thread_time() - gui_cpu,
        }
        reply = parts.window.chat_view.current_reply or parts.window.findChild(AssistantBubble)
        if reply is None or reply.text != content:
            raise RuntimeError("the reply did not arrive whole")
    return figures


def run(baseline: bool) -> dict[str, Any]:
    content = realistic_markdown(TOKENS)
    app = QApplication(sys.argv[:1])
    probe = Probe(content)
    original = AssistantBubble.append
    AssistantBubble.append = probe.wrap(old_append if baseline else original)  # type: ignore[method-assign]
    loop = AppEventLoop(app)
    asyncio.set_event_loop(loop)
    with loop:
        figures = loop.run_until_complete(stream_once(content, probe))
        loop.run_until_complete(loop.shutdown_asyncgens())
    buckets = probe.bucket_seconds
    last = max(buckets)
    start_ms, end_ms = buckets.get(0, 0.0) * 1000, buckets[last] * 1000
    return {
        "benchmark": "streaming",
        "mode": "baseline" if baseline else "incremental",
        "tokens": TOKENS,
        "chars": len(content),
        "tokens_per_second": TOKENS_PER_SECOND,
        "flushes": len(probe.append_seconds),
        "wall_s": round(figures["wall_s"], 2),
        "cpu_s": round(figures["cpu_s"], 2),
        "gui_thread_cpu_s": round(figures["gui_thread_cpu_s"], 2),
        "max_stall_ms": round(max(0.0, probe.max_gap * 1000 - HEARTBEAT_MS), 1),
        "append_total_ms": round(sum(probe.append_seconds) * 1000, 1),
        "append_max_ms": round(max(probe.append_seconds) * 1000, 2),
        "append_ms_first_1k_tokens": round(start_ms, 2),
        "append_ms_last_1k_tokens": round(end_ms, 2),
        "end_start_ratio": round(end_ms / start_ms, 2) if start_ms else None,
        "append_ms_per_1k_tokens": [round(buckets[b] * 1000, 1) for b in sorted(buckets)],
    }


def report(result: dict[str, Any]) -> None:
    print(f"mode: {result['mode']}  ({result['tokens']} tokens, {result['chars']} chars)")
    print(f"  flushes: {result['flushes']}, wall {result['wall_s']} s")
    print(f"  longest GUI stall: {result['max_stall_ms']} ms")
    print(f"  CPU: process {result['cpu_s']} s, GUI thread {result['gui_thread_cpu_s']} s")
    print(f"  append: total {result['append_total_ms']} ms, longest {result['append_max_ms']} ms")
    print(
        f"  append per 1,000 tokens: first {result['append_ms_first_1k_tokens']} ms, "
        f"last {result['append_ms_last_1k_tokens']} ms, ratio end/start "
        f"{result['end_start_ratio']}"
    )


def compare() -> dict[str, Any]:
    results = {}
    for mode in ("baseline", "incremental"):
        args = [sys.executable, "-m", "tests.benchmarks.streaming"]
        if mode == "baseline":
            args.append("--baseline")
        output = subprocess.run(args, check=True, capture_output=True, text=True).stdout
        print(output.rstrip())
        results[mode] = json.loads(output.strip().splitlines()[-1])
    old, new = results["baseline"], results["incremental"]
    return {
        "benchmark": "streaming-compare",
        "baseline": old,
        "incremental": new,
        "max_stall_ratio": round(old["max_stall_ms"] / max(new["max_stall_ms"], 0.1), 1),
        "gui_thread_cpu_ratio": round(
            old["gui_thread_cpu_s"] / max(new["gui_thread_cpu_s"], 0.01), 1
        ),
        "append_total_ratio": round(old["append_total_ms"] / max(new["append_total_ms"], 0.1), 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--baseline", action="store_true", help="full re-render per flush")
    group.add_argument("--compare", action="store_true", help="run both, print the ratios")
    args = parser.parse_args()
    if args.compare:
        result = compare()
        print(
            f"baseline/incremental: longest stall x{result['max_stall_ratio']}, "
            f"GUI-thread CPU x{result['gui_thread_cpu_ratio']}, "
            f"time in append x{result['append_total_ratio']}"
        )
    else:
        result = run(args.baseline)
        report(result)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
