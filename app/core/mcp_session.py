"""One MCP server's connection, living on the MCP host's own event loop.

anyio's cancel scopes must be entered and left by the same task, so each start of a
server (a *run*) is one long-lived owner task: it opens the transport
(``stdio_client`` or ``streamable_http_client``) and the ``ClientSession``, initialises
the session, then takes requests from a queue and serves each in a child task, until
the run ends. A run ends when it is stopped, when the server closes the connection
(its process exited, say), or when the transport fails; the next request then starts a
new run, so a crashed server is started again on next use.

Every wait is bounded: start-up and each request by the server's ``timeout`` (read
when the request starts; a request that runs out gets
:class:`~app.core.tool_types.ToolTimeout`, the server is told to cancel it and the
session stays usable), and the SDK bounds the shutdown of a stdio child (stdin closed, then SIGTERM,
then SIGKILL).

Nothing here may be called from another thread than the host's.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from app.core.mcp_config import McpServerConfig
from app.core.mcp_results import failure, stopped_error
from app.core.tool_types import ToolError

if TYPE_CHECKING:
    from anyio import CancelScope
    from anyio.streams.memory import MemoryObjectReceiveStream
    from mcp import ClientSession
    from mcp.shared.message import SessionMessage

    Incoming = SessionMessage | Exception

_log = logging.getLogger(__name__)

Operation = Callable[["ClientSession"], Awaitable[Any]]
Describe = Callable[[str], ToolError]
_ENDED = "ended"
MAX_LOG_BYTES = 1024 * 1024  # a longer log is renamed to ``<name>.1`` at the next start


@dataclass(eq=False)
class _Request:
    operation: Operation
    action: str
    future: asyncio.Future[Any]


@dataclass(eq=False)
class _Run:
    """One start of a server, from spawning (or connecting) to the end of its connection."""

    ready: asyncio.Future[None]
    queue: asyncio.Queue[_Request | str] = field(default_factory=asyncio.Queue)
    pending: set[_Request] = field(default_factory=set)
    ended: bool = False
    cause: BaseException | None = None
    garbage: int = 0
    scope: CancelScope | None = None
    task: asyncio.Task[None] | None = None

    def end(self, cause: BaseException) -> None:
        """No new requests; the serving loop stops once the requests in flight are done."""
        if not self.ended:
            self.ended = True
            self.cause = cause
            self.queue.put_nowait(_ENDED)

    def finish(self, describe: Describe) -> None:
        """End the run and fail everyone still waiting on it."""
        self.ended = True
        if not self.ready.done():
            self.ready.set_exception(describe(""))
            self.ready.exception()  # retrieved: nobody may be waiting any more
        while not self.queue.empty():
            item = self.queue.get_nowait()
            if isinstance(item, _Request):
                self.pending.add(item)
        for request in list(self.pending):
            if not request.future.done():
                request.future.set_exception(describe(request.action))


class McpConnection:
    """The connection to one MCP server; see the module docstring.

    Args:
        config: How to start or reach the server.
        log_dir: Where a stdio server's stderr goes (``mcp-<name>.log``); None: nowhere.
    """

    def __init__(self, config: McpServerConfig, log_dir: Path | None) -> None:
        self.config = config
        self.log_path = log_dir / f"mcp-{config.name}.log" if log_dir is not None else None
        self._run: _Run | None = None

    @property
    def running(self) -> bool:
        """A run is starting or serving."""
        return self._run is not None and not self._run.ended

    async def request(self, operation: Operation, action: str) -> Any:
        """Start the server if needed, then run ``operation`` with its session.

        Args:
            operation: Gets the ``ClientSession``; its result is returned.
            action: What it does, for messages (``"the call to 'echo'"``).

        Raises:
            ToolError: The server could not be started or reached, or the request
                failed (ToolTimeout: it did not finish in time).
        """
        run = self._current_run()
        await asyncio.shield(run.ready)
        if run.ended:  # it ended between becoming ready and now
            raise self._describer(run, run.cause)(action)
        request = _Request(operation, action, asyncio.get_running_loop().create_future())
        run.pending.add(request)
        run.queue.put_nowait(request)
        try:
            return await request.future
        finally:
            run.pending.discard(request)

    async def stop(self) -> None:
        """Stop the current run (in-flight requests fail) and wait until it is wound down."""
        run, self._run = self._run, None
        if run is None:
            return
        run.end(stopped_error(self.config.name))
        if run.scope is not None:
            run.scope.cancel()
        if run.task is not None:
            await asyncio.wait([run.task])

    def _current_run(self) -> _Run:
        if self._run is None or self._run.ended:
            loop = asyncio.get_running_loop()
            run = _Run(ready=loop.create_future())
            run.task = loop.create_task(self._own(run), name=f"mcp:{self.config.name}")
            self._run = run
        return self._run

    def _describer(self, run: _Run, cause: BaseException | None) -> Describe:
        error = cause or stopped_error(self.config.name)
        hint = str(self.log_path) if self.log_path is not None else ""
        return lambda action: failure(
            self.config, error, action=action, log_hint=hint, garbage=run.garbage
        )

    async def _own(self, run: _Run) -> None:
        import anyio

        cause: BaseException | None = None
        try:
            if not run.ended:  # not stopped before the task began
                with anyio.CancelScope() as scope:
                    run.scope = scope
                    await self._serve(run)
        except Exception as error:
            cause = error
            _log.info("MCP server %r ended: %r", self.config.name, error)
        finally:
            run.finish(self._describer(run, cause or run.cause))

    async def _serve(self, run: _Run) -> None:
        import anyio
        from mcp import ClientSession, Implementation

        async with AsyncExitStack() as stack:
            read, write = await self._open_transport(stack)
            watched = await stack.enter_async_context(_watch(read, run))
            session = await stack.enter_async_context(
                ClientSession(
                    watched,
                    write,
                    client_info=Implementation(name="mimo-desktop", version="0.1.0"),
                )
            )
            try:
                with anyio.fail_after(self.config.timeout):
                    await session.initialize()
            except Exception as error:
                run.finish(self._describer(run, error))  # tell the waiters before unwinding
                raise
            run.ready.set_result(None)
            async with anyio.create_task_group() as group:
                while (item := await run.queue.get()) != _ENDED:
                    if isinstance(item, _Request):
                        group.start_soon(self._handle, run, session, item)

    async def _open_transport(self, stack: AsyncExitStack) -> tuple[Any, Any]:
        config = self.config
        if config.transport == "http":
            from mcp.client.streamable_http import streamable_http_client

            return await stack.enter_async_context(streamable_http_client(config.url))
        from mcp import StdioServerParameters, stdio_client

        errlog = stack.enter_context(self._open_log())
        parameters = StdioServerParameters(
            command=config.command, args=list(config.args), env=dict(config.env)
        )
        return await stack.enter_async_context(stdio_client(parameters, errlog=errlog))

    def _open_log(self) -> TextIO:
        if self.log_path is None:
            return open(os.devnull, "w", encoding="utf-8")
        try:
            self.log_path.parent.mkdir(parents=True, exist_ok=True)
            if self.log_path.exists() and self.log_path.stat().st_size > MAX_LOG_BYTES:
                self.log_path.replace(self.log_path.with_name(self.log_path.name + ".1"))
            log = open(self.log_path, "a", encoding="utf-8", errors="replace")  # noqa: SIM115
        except OSError:
            _log.warning("cannot open the MCP log %s", self.log_path, exc_info=True)
            return open(os.devnull, "w", encoding="utf-8")
        stamp = time.strftime("%Y-%m-%d %H:%M:%S")
        log.write(f"--- {stamp}: starting {self.config.command} {' '.join(self.config.args)}\n")
        log.flush()
        return log

    async def _handle(self, run: _Run, session: ClientSession, request: _Request) -> None:
        import anyio
        from mcp.shared.exceptions import MCPError
        from mcp.types import CONNECTION_CLOSED

        if request.future.done():  # the caller gave up while it was queued
            return
        with anyio.CancelScope() as scope:
            request.future.add_done_callback(lambda _: scope.cancel())
            try:
                # Cancelling a request makes the SDK tell the server (notifications/cancelled).
                with anyio.fail_after(self.config.timeout):
                    result = await request.operation(session)
            except Exception as error:
                closed = isinstance(error, MCPError) and (
                    error.code == CONNECTION_CLOSED or error.message == "Session terminated"
                )
                if closed:
                    run.end(error)  # the next request starts the server again
                elif not isinstance(error, MCPError | TimeoutError):
                    _log.info(
                        "%s of MCP server %r failed",
                        request.action,
                        self.config.name,
                        exc_info=True,
                    )
                if not request.future.done():
                    request.future.set_exception(self._describer(run, error)(request.action))
            else:
                if not request.future.done():
                    request.future.set_result(result)


@asynccontextmanager
async def _watch(
    read: MemoryObjectReceiveStream[Incoming], run: _Run
) -> AsyncIterator[MemoryObjectReceiveStream[Incoming]]:
    """The transport's read stream, passed through; counts garbage, notices its end.

    The end of the stream means the server is gone (a stdio child exited): the run is
    ended so that the next request starts the server again.
    """
    import anyio
    from mcp.shared.exceptions import MCPError
    from mcp.types import CONNECTION_CLOSED

    send, receive = anyio.create_memory_object_stream["Incoming"](0)

    async def pump() -> None:
        async with send:
            async for item in read:
                if isinstance(item, Exception):
                    run.garbage += 1
                try:
                    await send.send(item)
                except (anyio.ClosedResourceError, anyio.BrokenResourceError):
                    return
        run.end(MCPError(code=CONNECTION_CLOSED, message="Connection closed"))

    async with anyio.create_task_group() as group:
        group.start_soon(pump)
        try:
            yield receive
        finally:
            group.cancel_scope.cancel()
            receive.close()
