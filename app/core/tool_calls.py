"""Putting streamed tool-call pieces back together.

A streamed reply carries its tool calls as :class:`~app.api.events.ToolCallDelta`
pieces: every piece names the call it belongs to by ``index``; the call's ``id`` and
``name`` arrive once (usually in the first piece, sometimes later), its ``arguments``
JSON in many pieces; pieces of parallel calls may interleave. The
:class:`ToolCallAssembler` collects them and hands out whole
:class:`~app.core.tool_types.ToolCall` objects in index order.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from app.api.events import ToolCallDelta
from app.core.tool_types import ToolCall


def new_call_id() -> str:
    """A fresh call id in MiMo's shape, ``call_<24 hex>``."""
    return f"call_{secrets.token_hex(12)}"


@dataclass
class _Pieces:
    id: str = ""
    name: str = ""
    arguments: list[str] = field(default_factory=list)


class ToolCallAssembler:
    """Collects the pieces of one reply's tool calls.

    The first non-empty ``id`` and ``name`` of an index win (some servers repeat them
    on every piece); argument pieces are joined in arrival order. A call whose id never
    arrived gets a generated one, the same on every :meth:`calls`.
    """

    def __init__(self) -> None:
        self._calls: dict[int, _Pieces] = {}

    def feed(self, delta: ToolCallDelta) -> None:
        """Add one piece."""
        pieces = self._calls.setdefault(delta.index, _Pieces())
        if delta.id and not pieces.id:
            pieces.id = delta.id
        if delta.name and not pieces.name:
            pieces.name = delta.name
        if delta.arguments:
            pieces.arguments.append(delta.arguments)

    def __len__(self) -> int:
        """How many calls have started."""
        return len(self._calls)

    def __bool__(self) -> bool:
        return bool(self._calls)

    def calls(self) -> list[ToolCall]:
        """The calls so far, in index order (empty when no piece arrived)."""
        result: list[ToolCall] = []
        for index in sorted(self._calls):
            pieces = self._calls[index]
            if not pieces.id:
                pieces.id = new_call_id()
            arguments = "".join(pieces.arguments)
            pieces.arguments = [arguments] if arguments else []
            result.append(ToolCall(id=pieces.id, name=pieces.name, arguments=arguments))
        return result

    def clear(self) -> None:
        """Forget every piece (a new reply begins)."""
        self._calls.clear()
