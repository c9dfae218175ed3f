"""Runs the tool calls of a reply: asks the user's consent per call, then runs it.

Nothing runs without consent: each call waits for Allow once / Always allow / Deny on
its card, unless the user said "Always allow" for that tool before. A denial, an
unknown tool, a crash or a timeout all become the call's result (sent back to the
model), never an exception that would leave the conversation stuck.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Collection, Sequence

from PySide6.QtCore import QObject, Signal

from app.core.settings import DEFAULT_TOOL_ROUNDS
from app.core.tool_box import ToolBox
from app.core.tool_types import DENIED_RESULT, Consent, ToolCall, ToolResult, ToolSpec

CANCELLED_RESULT = "The user stopped the reply before this call ran."

ToolResultSink = Callable[[ToolCall, ToolResult], Awaitable[None]]
"""``async (call, result)``: what :meth:`ToolRunner.run_calls` reports each result to."""


class ToolRunner(QObject):
    """The tools of the app and the user's standing permissions.

    Signals:
        callAdded(object, str, str): a :class:`ToolCall` the model made, the tool's
            display name and its source ("builtin" or the MCP server's name).
        consentRequested(str): the call with this id waits for the user's answer.
        callRunning(str): the call with this id started.
        callFinished(str, object): the call ended with this :class:`ToolResult`.
        alwaysAllowedChanged(list): the names of the tools that run without asking.
    """

    callAdded = Signal(object, str, str)
    consentRequested = Signal(str)
    callRunning = Signal(str)
    callFinished = Signal(str, object)
    alwaysAllowedChanged = Signal(list)

    def __init__(
        self,
        box: ToolBox,
        *,
        always_allowed: Collection[str] = (),
        rounds: int = DEFAULT_TOOL_ROUNDS,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.box = box
        self.always_allowed: set[str] = set(always_allowed)
        self.rounds = rounds
        self._answers: dict[str, asyncio.Future[Consent]] = {}

    def specs(self, enabled: Collection[str]) -> list[ToolSpec]:
        """The tools to offer the model: those switched on that exist now."""
        return self.box.specs(enabled) if enabled else []

    def describe(self, name: str) -> tuple[str, str]:
        """A tool's display name and source, for its card."""
        spec = self.box.spec(name)
        if spec is None:
            return name, "builtin"
        return spec.display_name, spec.source

    def decide(self, call_id: str, answer: str) -> None:
        """The user's answer for call ``call_id`` (a :class:`Consent` value)."""
        future = self._answers.get(call_id)
        if future is not None and not future.done():
            future.set_result(Consent(answer))

    def waiting(self) -> list[str]:
        """The ids of the calls waiting for an answer."""
        return [call_id for call_id, answer in self._answers.items() if not answer.done()]

    async def run_calls(self, calls: Sequence[ToolCall], on_result: ToolResultSink) -> None:
        """Announce every call, then ask and run them one by one, in order.

        ``on_result(call, result)`` is awaited after each (it stores the result). When
        the task is cancelled, the calls not yet run get a "stopped" result the same
        way, so every call the model made has its answer.
        """
        for call in calls:
            title, source = self.describe(call.name)
            self.callAdded.emit(call, title, source)
        done = 0
        try:
            for call in calls:
                result = await self._run_one(call)
                self.callFinished.emit(call.id, result)
                await on_result(call, result)
                done += 1
        except asyncio.CancelledError:
            for call in calls[done:]:
                stopped = ToolResult(CANCELLED_RESULT, outcome="error")
                self.callFinished.emit(call.id, stopped)
                await asyncio.shield(on_result(call, stopped))
            raise
        finally:
            for call in calls:
                self._answers.pop(call.id, None)

    async def _run_one(self, call: ToolCall) -> ToolResult:
        if call.name not in self.always_allowed and self.box.spec(call.name) is not None:
            answer = await self._ask(call)
            if answer is Consent.DENY:
                return ToolResult(DENIED_RESULT, outcome="denied")
            if answer is Consent.ALWAYS:
                self.always_allowed.add(call.name)
                self.alwaysAllowedChanged.emit(sorted(self.always_allowed))
        self.callRunning.emit(call.id)
        return await self.box.run(call)  # an unknown tool gives an error result at once

    async def _ask(self, call: ToolCall) -> Consent:
        future: asyncio.Future[Consent] = asyncio.get_running_loop().create_future()
        self._answers[call.id] = future
        self.consentRequested.emit(call.id)
        return await future
