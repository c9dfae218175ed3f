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
from typing import TYPE_CHECKING, Any

from app.core.mcp_config import McpServerConfig, qualified_name
from app.core.tool_types import Outcome, ToolError, ToolResult, ToolSpec, ToolTimeout

if TYPE_CHECKING:
    from mcp.types import CallToolResult, Tool

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
    named = f"MCP server '{config.name}'"
    server = f"The {named}"
    doing = action or "the start-up"
    noise = (
        f" It wrote {garbage} line(s) to stdout that are not JSON-RPC: is it an MCP stdio server?"
        if garbage
        else ""
    )
    hint = f" See its log: {log_hint}." if log_hint else ""
    if isinstance(leaf, ToolError):
        return type(leaf)(str(leaf))  # a fresh one: it may be raised in several tasks
    if isinstance(leaf, TimeoutError) or (
        isinstance(leaf, MCPError) and leaf.code == REQUEST_TIMEOUT
    ):
        seconds = f"{config.timeout:g} s"
        if action:
            return ToolTimeout(f"{server} did not finish {action} within {seconds}.")
        return ToolTimeout(f"{server} did not answer within {seconds}.{noise}")
    if isinstance(leaf, MCPError) and leaf.code == CONNECTION_CLOSED:
        when = f"during {action}" if action else "before it was ready"
        return ToolError(
            f"{server} closed the connection {when}; it may have crashed.{noise}{hint}"
        )
    if isinstance(leaf, MCPError):
        return ToolError(f"{server} answered {doing} with an error: {leaf.message}")
    spawning = config.transport == "stdio" and not action
    if isinstance(leaf, FileNotFoundError) and spawning:
        return ToolError(f"Could not start {named}: the command '{config.command}' was not found.")
    if isinstance(leaf, PermissionError) and spawning:
        return ToolError(f"Could not start {named}: the command '{config.command}' may not be run.")
    if isinstance(leaf, OSError) and spawning:
        return ToolError(f"Could not start {named}: {leaf.strerror or leaf}.")
    if type(leaf).__module__.startswith(("httpx", "httpcore", "ssl")):
        return ToolError(f"Could not reach {named} at {config.url}: {leaf or type(leaf)}.")
    if type(leaf).__name__ == "ValidationError":
        return ToolError(f"{server} sent a reply that does not follow the protocol.{noise}")
    return ToolError(f"{server} failed during {doing}: {type(leaf).__name__}: {leaf}")


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
