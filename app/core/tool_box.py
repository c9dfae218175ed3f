"""The tools the model may call: the built-ins plus the tools of each enabled MCP server.

:class:`ToolBox` is what the tool loop talks to. It lists the tools (:meth:`specs`),
runs one call (:meth:`run`) and turns every way a call can go wrong into a
:class:`~app.core.tool_types.ToolResult` with the right outcome and a one-line message
meant for both the model and the user: an unknown tool, arguments that are not a JSON
object, a :class:`~app.core.tool_types.ToolError`, a timeout (the server's ``timeout``;
:data:`BUILTIN_TIMEOUT` for built-ins) or any other exception (logged with its
traceback, never shown). Output longer than :data:`MAX_OUTPUT_BYTES` is cut, with a
note.

MCP servers are listed by :meth:`refresh`; a server that cannot be started leaves its
tools out and its error in :meth:`server_errors`, for the settings and the tool menu.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Collection, Iterable
from pathlib import Path

from app.api.translation import translate
from app.core.builtin_tools import BuiltinTools, format_size
from app.core.mcp_config import McpServerConfig
from app.core.mcp_host import McpHost
from app.core.tool_types import (
    BUILTIN_SOURCE,
    ToolCall,
    ToolError,
    ToolResult,
    ToolSpec,
    ToolTimeout,
    shown_message,
)

_log = logging.getLogger(__name__)

BUILTIN_TIMEOUT = 30.0
MAX_OUTPUT_BYTES = 64 * 1024
_HOST_MARGIN = 5.0  # beyond a server's start-up + call timeout, in case the host is stuck


class ToolBox:
    """The available tools and how to run them.

    Args:
        builtins: The built-in tools (default: a set with no folder chosen).
        host: Talks to MCP servers (default: a new :class:`McpHost` without logs).
        servers: The MCP servers from the settings; see :meth:`set_servers`.
        builtin_timeout: Seconds a built-in tool may run.
        max_output: Bytes of a result's text (UTF-8) given back before it is cut.
    """

    def __init__(
        self,
        *,
        builtins: BuiltinTools | None = None,
        host: McpHost | None = None,
        servers: Iterable[McpServerConfig] = (),
        builtin_timeout: float = BUILTIN_TIMEOUT,
        max_output: int = MAX_OUTPUT_BYTES,
    ) -> None:
        self.builtins = builtins or BuiltinTools()
        self.host = host or McpHost()
        self._builtin_timeout = builtin_timeout
        self._max_output = max_output
        self._servers: dict[str, McpServerConfig] = {}
        self._mcp_specs: dict[str, list[ToolSpec]] = {}  # by server name
        self._errors: dict[str, str] = {}
        self._stale: set[str] = set()  # servers removed since the last refresh
        self.set_servers(servers)

    def set_servers(self, servers: Iterable[McpServerConfig]) -> None:
        """Replace the MCP servers; call :meth:`refresh` to (re)list their tools.

        Tools of servers that are gone or disabled are dropped at once.
        """
        new = {server.name: server for server in servers}
        self._stale.update(name for name in self._servers if name not in new)
        self._servers = new
        for name in list(self._mcp_specs):
            server = self._servers.get(name)
            if server is None or not server.enabled:
                del self._mcp_specs[name]
        self._errors = {n: e for n, e in self._errors.items() if n in self._servers}

    def set_folder(self, folder: Path | str | None) -> None:
        """The folder the file tools may read (None: none chosen)."""
        self.builtins.set_folder(folder)

    async def refresh(self) -> None:
        """List the tools of every enabled MCP server again, in parallel.

        Starts servers that are not running; stops those that are gone or disabled. A
        server that fails leaves its tools out and its message in :meth:`server_errors`.
        """
        wanted = [s for s in self._servers.values() if s.enabled]
        unwanted = self._stale | {s.name for s in self._servers.values() if not s.enabled}
        self._stale = set()
        for name in sorted(unwanted):
            await self.host.stop_server(name)
        results = await asyncio.gather(
            *(self._list(server) for server in wanted), return_exceptions=True
        )
        for server, result in zip(wanted, results, strict=True):
            if isinstance(result, BaseException):
                if not isinstance(result, Exception):
                    raise result
                self._mcp_specs.pop(server.name, None)
                self._errors[server.name] = _message(shown_message(result))
            else:
                self._mcp_specs[server.name] = result
                self._errors.pop(server.name, None)

    async def _list(self, server: McpServerConfig) -> list[ToolSpec]:
        problems = server.problems()
        if problems:
            raise ToolError(
                f"The MCP server '{server.name}' is set up wrongly: {problems[0]}",
                shown=translate(
                    "ToolBox", "The MCP server '{name}' is set up wrongly: {problem}"
                ).format(name=server.name, problem=problems[0]),
            )
        return await self.host.list_tools(server)

    def server_errors(self) -> dict[str, str]:
        """Why servers are missing from the tools, by server name (empty: none failed),
        in the user's language."""
        return dict(self._errors)

    def specs(self, enabled: Collection[str] | None = None) -> list[ToolSpec]:
        """The tools to offer: built-ins first, then each server's, in settings order.

        Args:
            enabled: The names to keep; None keeps every tool.
        """
        every = self.builtins.specs()
        for name in self._servers:
            every.extend(self._mcp_specs.get(name, ()))
        if enabled is None:
            return every
        return [spec for spec in every if spec.name in enabled]

    def spec(self, name: str) -> ToolSpec | None:
        """The tool called ``name``, or None."""
        return next((spec for spec in self.specs() if spec.name == name), None)

    async def run(self, call: ToolCall) -> ToolResult:
        """Run one call; failures become results, never exceptions (but cancellation)."""
        started = time.monotonic()
        result = await self._result(call)
        return ToolResult(
            content=self._capped(result.content),
            outcome=result.outcome,
            duration=time.monotonic() - started,
            details=result.details,
        )

    async def _result(self, call: ToolCall) -> ToolResult:
        spec = self.spec(call.name)
        if spec is None:
            return ToolResult(f"There is no tool called '{call.name}'.", "error")
        builtin = spec.source == BUILTIN_SOURCE and not spec.remote_name
        server = None if builtin else self._servers.get(spec.source)
        budget = self._builtin_timeout if server is None else server.timeout * 2 + _HOST_MARGIN
        try:
            arguments = call.parsed_arguments()
            async with asyncio.timeout(budget):
                if builtin:
                    return ToolResult(await self.builtins.run(spec.name, arguments))
                if server is None:
                    raise ToolError(f"The MCP server '{spec.source}' is not set up any more.")
                return await self.host.call_tool(server, spec.remote_name, arguments)
        except ToolTimeout as error:
            return ToolResult(_message(error), "timeout")
        except ToolError as error:
            return ToolResult(_message(error), "error")
        except TimeoutError:
            return ToolResult(
                f"The tool '{call.name}' did not finish within {budget:g} s.", "timeout"
            )
        except Exception as error:
            _log.exception("the tool %r failed", call.name)
            return ToolResult(_message(f"The tool '{call.name}' failed: {error!r}"), "error")

    def _capped(self, content: str) -> str:
        data = content.encode("utf-8", errors="replace")
        if len(data) <= self._max_output:
            return content
        kept = data[: self._max_output].decode("utf-8", errors="ignore")
        return (
            f"{kept}\n\n[Output cut: showed the first {format_size(self._max_output)} of "
            f"{format_size(len(data))}.]"
        )

    def shutdown(self, timeout: float = 3.0) -> None:
        """Stop the MCP servers (at app exit); see :meth:`McpHost.shutdown`."""
        self.host.shutdown(timeout)


def _message(error: BaseException | str) -> str:
    """One line: the message without line breaks, at most 500 characters."""
    text = " ".join(str(error).split()) or type(error).__name__
    return text if len(text) <= 500 else f"{text[:497]}..."
