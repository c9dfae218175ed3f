"""Runs the simulator until Ctrl+C.

Usage::

    python -m tests.sim --port 8765 [--key sk-test] [--tps 30] [--reasoning "..."]
"""

from __future__ import annotations

import argparse
import contextlib
import threading

from tests.sim.plan import Plan
from tests.sim.server import Simulator


def main(argv: list[str] | None = None) -> int:
    """Parses the arguments, serves, and returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m tests.sim", description=__doc__)
    parser.add_argument("--port", type=int, default=8765, help="port on 127.0.0.1 (0: any)")
    parser.add_argument(
        "--key", action="append", dest="keys", help="accepted API key (repeatable; sk-test)"
    )
    parser.add_argument("--tps", type=float, default=None, help="tokens per second")
    parser.add_argument("--reasoning", default=None, help="reasoning text of every reply")
    args = parser.parse_args(argv)
    sim = Simulator(api_keys=args.keys or ("sk-test",), port=args.port)
    sim.default_plan = Plan(reasoning=args.reasoning, tokens_per_second=args.tps)
    with sim:
        print(f"MiMo simulator at {sim.base_url}  (Ctrl+C to stop)", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
