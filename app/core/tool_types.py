"""The words function calling is spoken in: a tool's description, a call, its result.

Shared by the built-in tools, MCP servers, the tool loop and the tool cards, so none of
them has to import another to agree on a shape.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal

BUILTIN_SOURCE = "builtin"


@dataclass(frozen=True)
class ToolSpec:
    """A function the model may call.

    Attributes:
        name: The name the model calls it by (unique among the tools sent; MCP tools are
            prefixed with their server's name, see :mod:`app.core.mcp_config`).
        description: What it does, for the model.
        parameters: A JSON Schema object for its arguments.
        source: ``"builtin"`` or the MCP server's name.
        title: A short name for people ("" : use ``name``).
        remote_name: The tool's own name on its MCP server, which ``name`` is made from
            ("" for built-ins: ``name`` is the tool's own name).
    """

    name: str
    description: str
    parameters: Mapping[str, Any]
    source: str = BUILTIN_SOURCE
    title: str = ""
    remote_name: str = ""

    @property
    def display_name(self) -> str:
        """The name to show people: the title, else the server's own name, else ``name``."""
        return self.title or self.remote_name or self.name

    def to_openai(self) -> dict[str, Any]:
        """The entry of the request's ``tools`` list (OpenAI-compatible shape)."""
        return {
            "type": "function",
            "function": {
                "name": self.name,
                "description": self.description,
                "parameters": dict(self.parameters),
            },
        }


@dataclass(frozen=True)
class ToolCall:
    """One call the model asked for.

    Attributes:
        id: The call id (``call_<hex>`` on MiMo), echoed by the ``tool`` message.
        name: The tool's name.
        arguments: The arguments as the model sent them: a JSON string, maybe invalid.
    """

    id: str
    name: str
    arguments: str

    def to_wire(self) -> dict[str, Any]:
        """The call as an assistant message's ``tool_calls`` entry."""
        return {
            "id": self.id,
            "type": "function",
            "function": {"name": self.name, "arguments": self.arguments},
        }

    @classmethod
    def from_wire(cls, raw: Mapping[str, Any]) -> ToolCall:
        function = raw.get("function")
        function = function if isinstance(function, Mapping) else {}
        return cls(
            id=str(raw.get("id") or ""),
            name=str(function.get("name") or ""),
            arguments=str(function.get("arguments") or ""),
        )

    def parsed_arguments(self) -> dict[str, Any]:
        """The arguments as an object.

        Raises:
            ToolError: They are not a JSON object ("" counts as ``{}``).
        """
        if not self.arguments.strip():
            return {}
        try:
            value = json.loads(self.arguments)
        except ValueError as error:
            raise ToolError(f"The arguments are not valid JSON: {error}") from error
        if not isinstance(value, dict):
            raise ToolError("The arguments must be a JSON object")
        return value


class ToolError(Exception):
    """A tool could not run or failed; the message is sent to the model as the result.

    Args:
        message: For the model, in English (``str(error)``).
        shown: The same for people, in their language (:attr:`shown`); default:
            ``message``. Set where the error reaches the user only (an MCP server that
            cannot start is listed in the Tools menu and the tool settings).
    """

    def __init__(self, message: str, shown: str | None = None) -> None:
        super().__init__(message)
        self.shown = message if shown is None else shown


def shown_message(error: BaseException) -> str:
    """What to show people for ``error``: a ToolError's :attr:`~ToolError.shown`, else
    its text (or, when it has none, its type's name)."""
    if isinstance(error, ToolError):
        return error.shown
    return str(error) or type(error).__name__


class ToolTimeout(ToolError):
    """A tool did not finish in time (a result with outcome ``timeout``)."""


class Consent(StrEnum):
    """The user's answer to "run this tool?"."""

    ALLOW_ONCE = "allow_once"
    ALWAYS = "always"
    DENY = "deny"


Outcome = Literal["ok", "error", "denied", "timeout"]


@dataclass(frozen=True)
class ToolResult:
    """What a call gave back.

    Attributes:
        content: The text sent back to the model as the ``tool`` message.
        outcome: ``ok``, ``error`` (the tool failed or does not exist), ``denied`` (the
            user said no) or ``timeout``.
        duration: Seconds the call ran (0 when it never ran).
        details: Anything else worth showing on the card (e.g. MCP structured content).
    """

    content: str
    outcome: Outcome = "ok"
    duration: float = 0.0
    details: Mapping[str, Any] = field(default_factory=dict)

    @property
    def failed(self) -> bool:
        return self.outcome != "ok"


DENIED_RESULT = "The user denied this tool call."
