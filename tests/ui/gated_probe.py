"""A fake async probe that answers only when the test lets it (to watch the UI stay live)."""

from __future__ import annotations

import asyncio
from typing import Generic, TypeVar

Asked = TypeVar("Asked")
Answer = TypeVar("Answer")


class GatedProbe(Generic[Asked, Answer]):
    """Records each call, waits for :attr:`gate`, then answers (or raises) ``answer``."""

    def __init__(self, answer: Answer | Exception) -> None:
        self.answer = answer
        self.gate = asyncio.Event()
        self.calls: list[Asked] = []
        self.cancelled = False

    async def __call__(self, asked: Asked) -> Answer:
        self.calls.append(asked)
        try:
            await self.gate.wait()
        except asyncio.CancelledError:
            self.cancelled = True
            raise
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer
