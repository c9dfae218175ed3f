"""MCP clients through the official SDK, on a thread of their own.

The app's asyncio loop runs on the Qt GUI thread (qasync); MCP sessions (anyio,
subprocess pipes, HTTP streams) run on a background thread with its own event loop,
owned by :class:`McpHost` and started on first use. The public coroutines are awaited
on the caller's loop and bridged to the host's (``run_coroutine_threadsafe`` +
``wrap_future``), so the GUI thread never waits on a server; cancelling the caller's
await cancels the request on the host's side too.

``import mcp`` costs about half a second, so it happens on the host's thread, when a
server is first used, never at start-up. Each server is an
:class:`~app.core.mcp_session.McpConnection`, started on first use and again after it
crashed; see that module for how failures end.

Public API::

    host = McpHost(log_dir)                      # cheap; no thread, no import yet
    specs = await host.list_tools(config)        # list[ToolSpec]; raises ToolError
    result = await host.call_tool(config, "echo", {"text": "hi"})   # ToolResult
    await host.stop_server("demo")
    host.shutdown(timeout=3.0)                   # sync, at app exit; never hangs
"""

from __future__ import annotations

import asyncio
import logging
import sys
import threading
import time
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from app.core.mcp_config import McpServerConfig
from app.core.mcp_results import (
    LISTING,
    shut_down_error,
    timeout_error,
    tool_result,
    tool_specs,
)
from app.core.mcp_session import McpConnection
from app.core.tool_types import ToolError, ToolResult, ToolSpec, ToolTimeout

if TYPE_CHECKING:
    from mcp import ClientSession
    from mcp.types import CallToolResult, Tool

_log = logging.getLogger(__name__)

T = TypeVar("T")
MAX_PAGES = 50  # of a tools/list answer; a server that pages forever cannot hang us
_SAFETY_MARGIN = 5.0  # seconds beyond start-up + call before the host's side gives up


class McpHost:
    """Talks to MCP servers on a background thread; see the module docstring.

    Args:
        log_dir: Where the stderr of stdio servers goes, one ``mcp-<name>.log`` per
            server; None sends it nowhere.
    """

    def __init__(self, log_dir: Path | None = None) -> None:
        self._log_dir = log_dir
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._closed = False
        self._connections: dict[str, McpConnection] = {}  # used on the host's thread only

    @property
    def log_dir(self) -> Path | None:
        """Where the stderr of stdio servers goes (``mcp-<name>.log``); None: nowhere."""
        return self._log_dir

    @property
    def started(self) -> bool:
        """The background thread runs (a server was used and the host is not shut down)."""
        return self._thread is not None and self._thread.is_alive()

    async def list_tools(self, config: McpServerConfig) -> list[ToolSpec]:
        """The server's tools, named for the model (``<server>__<tool>``).

        Starts the server (or connects to it) when it is not running.

        Raises:
            ToolError: It could not be started, reached or asked; the message names it.
        """

        async def on_host() -> list[ToolSpec]:
            connection = await self._connection(config)
            tools = await connection.request(_list_all_tools, LISTING)
            return tool_specs(config, tools)

        return await self._bridge(on_host, config.timeout * 2 + _SAFETY_MARGIN, config)

    async def call_tool(
        self, config: McpServerConfig, tool_name: str, arguments: Mapping[str, Any]
    ) -> ToolResult:
        """Call the server's tool ``tool_name`` (its own name, not the model's).

        Never raises for a failure of the server: a server that cannot be started or
        reached, crashes or answers with an error gives outcome ``error``, one that
        does not answer within ``config.timeout`` gives ``timeout``. Text content is
        joined; structured content is in ``details["structured_content"]``.
        """
        started = time.monotonic()

        async def on_host() -> ToolResult:
            connection = await self._connection(config)

            async def call(session: ClientSession) -> CallToolResult:
                return await session.call_tool(tool_name, dict(arguments))

            return tool_result(await connection.request(call, f"the call to '{tool_name}'"))

        try:
            result = await self._bridge(on_host, config.timeout * 2 + _SAFETY_MARGIN, config)
        except ToolTimeout as error:
            result = ToolResult(str(error), "timeout")
        except ToolError as error:
            result = ToolResult(str(error), "error")
        return ToolResult(
            result.content, result.outcome, time.monotonic() - started, result.details
        )

    async def stop_server(self, name: str) -> None:
        """Stop the server ``name`` (a stdio child is ended) if it runs; calls fail."""

        async def on_host() -> None:
            connection = self._connections.pop(name, None)
            if connection is not None:
                await connection.stop()

        if self._loop is None or self._closed:
            return
        await self._bridge(on_host, None, None)

    def shutdown(self, timeout: float = 3.0) -> None:
        """Stop every server and the thread; returns within about ``timeout`` seconds.

        Safe to call more than once and from any thread but the host's. When a server
        takes longer to stop (the SDK waits for a stdio child, then terminates and kills
        it, a few seconds at most) the (daemon) thread finishes that on its own.
        """
        with self._lock:
            if self._closed:
                return
            self._closed = True
            loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        asyncio.run_coroutine_threadsafe(self._stop_all(), loop)
        thread.join(timeout)
        if thread.is_alive():
            _log.warning("MCP servers did not stop within %.1f s; leaving them", timeout)

    async def _connection(self, config: McpServerConfig) -> McpConnection:
        """The server's connection (on the host's thread).

        A changed command, arguments, environment or URL restarts the server; a changed
        timeout does not.
        """
        connection = self._connections.get(config.name)
        if connection is not None and _same_server(connection.config, config):
            connection.config = config  # a new timeout applies from the next request
            return connection
        # Replace before waiting, so that a request arriving meanwhile shares the new one.
        fresh = self._connections[config.name] = McpConnection(config, self._log_dir)
        if connection is not None:
            await connection.stop()
        return fresh

    async def _stop_all(self) -> None:
        """Stop every connection, then the loop (which ends the thread)."""
        connections = list(self._connections.values())
        self._connections.clear()
        try:
            await asyncio.gather(*(c.stop() for c in connections), return_exceptions=True)
        finally:
            asyncio.get_running_loop().stop()

    async def _bridge(
        self,
        make: Callable[[], Coroutine[Any, Any, T]],
        timeout: float | None,
        config: McpServerConfig | None,
    ) -> T:
        """Run ``make()`` on the host's loop and await it on the caller's."""
        loop = self._ensure_loop()

        async def bounded() -> T:
            if timeout is None:
                return await make()
            try:
                async with asyncio.timeout(timeout):
                    return await make()
            except TimeoutError:
                name = config.name if config is not None else "?"
                raise timeout_error(name, timeout) from None

        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(bounded(), loop))

    def _ensure_loop(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._closed:
                raise shut_down_error()
            if self._loop is None:
                loop = _new_loop()
                thread = threading.Thread(
                    target=_run_loop, args=(loop,), name="mcp-host", daemon=True
                )
                self._loop, self._thread = loop, thread
                thread.start()
            return self._loop


async def _list_all_tools(session: ClientSession) -> list[Tool]:
    from mcp.types import PaginatedRequestParams

    tools: list[Tool] = []
    cursor: str | None = None
    for _ in range(MAX_PAGES):
        params = PaginatedRequestParams(cursor=cursor) if cursor else None
        page = await session.list_tools(params=params)
        tools.extend(page.tools)
        cursor = page.next_cursor
        if not cursor:
            break
    return tools


def _new_loop() -> asyncio.AbstractEventLoop:
    """A plain asyncio loop, whatever loop policy the app set (qasync's makes Qt loops)."""
    if sys.platform == "win32":
        return asyncio.ProactorEventLoop()  # the loop that can run subprocesses there
    return asyncio.SelectorEventLoop()


def _same_server(old: McpServerConfig, new: McpServerConfig) -> bool:
    """``old`` and ``new`` start or reach the same server (they may differ in timeout)."""
    return replace(old, timeout=new.timeout, enabled=new.enabled) == new


def _run_loop(loop: asyncio.AbstractEventLoop) -> None:
    """The host thread: run the loop until stopped, then cancel what is left and close."""
    asyncio.set_event_loop(loop)
    try:
        loop.run_forever()
        # Let requests that were just failed hand their results over, then cancel the rest.
        tasks = asyncio.all_tasks(loop)
        if tasks:
            loop.run_until_complete(asyncio.wait(tasks, timeout=0.5))
        tasks = {task for task in asyncio.all_tasks(loop) if not task.done()}
        for task in tasks:
            task.cancel()
        if tasks:
            loop.run_until_complete(asyncio.wait(tasks, timeout=1.0))
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.run_until_complete(loop.shutdown_default_executor())
    except Exception:
        _log.warning("the MCP thread ended with an error", exc_info=True)
    finally:
        asyncio.set_event_loop(None)
        loop.close()
