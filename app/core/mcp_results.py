"""From MCP's shapes to the app's: tool specs, tool results and one-line failure messages.

Only called on the MCP host's thread, after :mod:`mcp` was imported there; the SDK's
names are imported inside the functions so that importing this module stays cheap.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from app.api import translation
from app.api.translation import QT_TRANSLATE_NOOP
from app.core.mcp_config import McpServerConfig, qualified_name
from app.core.tool_types import Outcome, ToolError, ToolResult, ToolSpec, ToolTimeout

if TYPE_CHECKING:
    from mcp.types import CallToolResult, Tool

_CONTEXT = "McpServer"
LISTING = "the listing of its tools"  # the action of listing a server's tools


@dataclass(frozen=True)
class _Text:
    """A message in English (for the model) and in the user's language (for people)."""

    english: str
    shown: str


def _text(template: str, **values: object) -> _Text:
    """``template`` (a literal marked with QT_TRANSLATE_NOOP) filled in twice: in English
    and translated; a :class:`_Text` value fills in its own form in each."""

    def filled(text: str, shown: bool) -> str:
        parts = {
            key: (value.shown if shown else value.english) if isinstance(value, _Text) else value
            for key, value in values.items()
        }
        return text.format(**parts)

    return _Text(filled(template, False), filled(translation.translate(_CONTEXT, template), True))


def _error(kind: type[ToolError], message: _Text) -> ToolError:
    return kind(message.english, shown=message.shown)


def _action(action: str) -> _Text:
    """What was being done, in both forms. People see server failures only while its
    tools are listed (at start-up); a failed call's message goes to the model."""
    if not action:
        return _text(QT_TRANSLATE_NOOP("McpServer", "the start-up"))
    if action == LISTING:
        return _text(QT_TRANSLATE_NOOP("McpServer", "the listing of its tools"))
    return _Text(action, action)


def timeout_error(name: str, seconds: float) -> ToolTimeout:
    """The server ``name`` did not answer within ``seconds``."""
    message = _text(
        QT_TRANSLATE_NOOP(
            "McpServer", "The MCP server '{name}' did not answer within {seconds} s."
        ),
        name=name,
        seconds=f"{seconds:g}",
    )
    return ToolTimeout(message.english, shown=message.shown)


def stopped_error(name: str) -> ToolError:
    """The server ``name`` was stopped."""
    return _error(
        ToolError,
        _text(QT_TRANSLATE_NOOP("McpServer", "The MCP server '{name}' was stopped."), name=name),
    )


def shut_down_error() -> ToolError:
    """The host is shut down: the app is closing."""
    return _error(
        ToolError,
        _text(
            QT_TRANSLATE_NOOP("McpServer", "The MCP servers are shut down (the app is closing).")
        ),
    )


_MODEL_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_NOT_NAME = re.compile(r"[^A-Za-z0-9_-]")


def model_name(server: str, tool: str, taken: set[str]) -> str:
    """The name the model calls ``tool`` of ``server`` by, unique among ``taken``.

    Usually :func:`~app.core.mcp_config.qualified_name`; characters the chat API does
    not allow in a function name become ``_`` and a name longer than 64 characters is
    cut and given a short hash, so every MCP tool can be offered.
    """
    name = qualified_name(server, tool)
    if _MODEL_NAME.match(name) and name not in taken:
        return name
    digest = hashlib.sha1(f"{server}\0{tool}".encode()).hexdigest()[:8]
    cleaned = _NOT_NAME.sub("_", name)
    if len(cleaned) > 64 or cleaned in taken:
        cleaned = f"{cleaned[:55]}_{digest}"
    return cleaned


def tool_specs(config: McpServerConfig, tools: Iterable[Tool]) -> list[ToolSpec]:
    """The specs of a server's tools, named for the model, in the server's order."""
    specs: list[ToolSpec] = []
    taken: set[str] = set()
    for tool in tools:
        name = model_name(config.name, tool.name, taken)
        taken.add(name)
        annotations_title = tool.annotations.title if tool.annotations else None
        specs.append(
            ToolSpec(
                name=name,
                description=tool.description or tool.title or tool.name,
                parameters=tool.input_schema or {"type": "object", "properties": {}},
                source=config.name,
                title=tool.title or annotations_title or "",
                remote_name=tool.name,
            )
        )
    return specs


def tool_result(result: CallToolResult) -> ToolResult:
    """A call's result: its text blocks joined, other blocks described, ``isError`` kept."""
    parts = [_describe_block(block) for block in result.content]
    content = "\n".join(part for part in parts if part)
    details: dict[str, Any] = {}
    if result.structured_content is not None:
        details["structured_content"] = result.structured_content
        if not content:
            content = json.dumps(result.structured_content, ensure_ascii=False)
    if not content:
        content = "(The tool returned nothing.)"
    outcome: Outcome = "error" if result.is_error else "ok"
    return ToolResult(content=content, outcome=outcome, details=details)


def _describe_block(block: Any) -> str:
    kind = getattr(block, "type", "")
    if kind == "text":
        return str(block.text)
    if kind in ("image", "audio"):
        size = len(block.data) * 3 // 4
        return f"[{kind} {block.mime_type}, about {size} bytes, not shown]"
    if kind == "resource_link":
        return f"[resource {block.uri}]"
    if kind == "resource":
        resource = block.resource
        text = getattr(resource, "text", None)
        if isinstance(text, str):
            return text
        return f"[resource {resource.uri} ({resource.mime_type or 'binary'}), not shown]"
    return f"[{kind or 'unknown'} content, not shown]"


def failure(
    config: McpServerConfig,
    error: BaseException,
    *,
    action: str = "",
    log_hint: str = "",
    garbage: int = 0,
) -> ToolError:
    """A one-line, user-readable ToolError (ToolTimeout for timeouts) naming the server.

    Args:
        config: The server.
        error: What went wrong (an exception group is searched for its cause).
        action: What was being done, e.g. ``"the call to 'echo'"`` ("" : starting).
        log_hint: Where the server's stderr went, to point the user at it.
        garbage: How many lines of non-JSON-RPC output the server wrote.
    """
    from mcp.shared.exceptions import MCPError
    from mcp.types import CONNECTION_CLOSED, REQUEST_TIMEOUT

    leaf = _leaf(error)
    if isinstance(leaf, ToolError):
        return type(leaf)(str(leaf), shown=leaf.shown)  # a fresh one: raised in several tasks
    name = config.name
    doing = _action(action)
    noise = (
        _text(
            QT_TRANSLATE_NOOP(
                "McpServer",
                " It wrote {count} line(s) to stdout that are not JSON-RPC: is it an MCP stdio "
                "server?",
            ),
            count=garbage,
        )
        if garbage
        else _Text("", "")
    )
    hint = (
        _text(QT_TRANSLATE_NOOP("McpServer", " See its log: {path}."), path=log_hint)
        if log_hint
        else _Text("", "")
    )
    if isinstance(leaf, TimeoutError) or (
        isinstance(leaf, MCPError) and leaf.code == REQUEST_TIMEOUT
    ):
        seconds = f"{config.timeout:g}"
        if action:
            return _error(
                ToolTimeout,
                _text(
                    QT_TRANSLATE_NOOP(
                        "McpServer",
                        "The MCP server '{name}' did not finish {action} within {seconds} s.",
                    ),
                    name=name,
                    action=doing,
                    seconds=seconds,
                ),
            )
        return _error(
            ToolTimeout,
            _text(
                QT_TRANSLATE_NOOP(
                    "McpServer", "The MCP server '{name}' did not answer within {seconds} s.{noise}"
                ),
                name=name,
                seconds=seconds,
                noise=noise,
            ),
        )
    if isinstance(leaf, MCPError) and leaf.code == CONNECTION_CLOSED:
        if action:
            closed = QT_TRANSLATE_NOOP(
                "McpServer",
                "The MCP server '{name}' closed the connection during {action}; it may have "
                "crashed.{noise}{hint}",
            )
        else:
            closed = QT_TRANSLATE_NOOP(
                "McpServer",
                "The MCP server '{name}' closed the connection before it was ready; it may have "
                "crashed.{noise}{hint}",
            )
        return _error(ToolError, _text(closed, name=name, action=doing, noise=noise, hint=hint))
    if isinstance(leaf, MCPError):
        return _error(
            ToolError,
            _text(
                QT_TRANSLATE_NOOP(
                    "McpServer", "The MCP server '{name}' answered {action} with an error: {error}"
                ),
                name=name,
                action=doing,
                error=leaf.message,
            ),
        )
    spawning = config.transport == "stdio" and not action
    if isinstance(leaf, FileNotFoundError) and spawning:
        return _error(
            ToolError,
            _text(
                QT_TRANSLATE_NOOP(
                    "McpServer",
                    "Could not start MCP server '{name}': the command '{command}' was not found.",
                ),
                name=name,
                command=config.command,
            ),
        )
    if isinstance(leaf, PermissionError) and spawning:
        return _error(
            ToolError,
            _text(
                QT_TRANSLATE_NOOP(
                    "McpServer",
                    "Could not start MCP server '{name}': the command '{command}' may not be run.",
                ),
                name=name,
                command=config.command,
            ),
        )
    if isinstance(leaf, OSError) and spawning:
        return _error(
            ToolError,
            _text(
                QT_TRANSLATE_NOOP("McpServer", "Could not start MCP server '{name}': {error}."),
                name=name,
                error=leaf.strerror or leaf,
            ),
        )
    if type(leaf).__module__.startswith(("httpx", "httpcore", "ssl")):
        return _error(
            ToolError,
            _text(
                QT_TRANSLATE_NOOP(
                    "McpServer", "Could not reach MCP server '{name}' at {url}: {error}."
                ),
                name=name,
                url=config.url,
                error=leaf or type(leaf),
            ),
        )
    if type(leaf).__name__ == "ValidationError":
        return _error(
            ToolError,
            _text(
                QT_TRANSLATE_NOOP(
                    "McpServer",
                    "The MCP server '{name}' sent a reply that does not follow the "
                    "protocol.{noise}",
                ),
                name=name,
                noise=noise,
            ),
        )
    return _error(
        ToolError,
        _text(
            QT_TRANSLATE_NOOP(
                "McpServer", "The MCP server '{name}' failed during {action}: {error}"
            ),
            name=name,
            action=doing,
            error=f"{type(leaf).__name__}: {leaf}",
        ),
    )


def _leaf(error: BaseException) -> BaseException:
    """The first exception in ``error`` that is not a group or a cancellation."""
    if isinstance(error, BaseExceptionGroup):
        leaves: Sequence[BaseException] = error.exceptions
        for inner in leaves:
            found = _leaf(inner)
            if not _is_cancellation(found):
                return found
        return _leaf(leaves[0])
    return error


def _is_cancellation(error: BaseException) -> bool:
    return isinstance(error, asyncio.CancelledError)  # anyio's on the asyncio backend
