"""Tests of the MCP host against real MCP servers in subprocesses (tests/mcp_demo_server.py).

Starting a demo server costs most of a second (the child imports the SDK), so tests
that leave the server as they found it share one host and one running server
(``shared``); tests that crash, stop or restart servers get a host of their own.

The SDK's stdio client logs every line of garbage with a traceback (logger
``mcp.client.stdio``); that is logging, not a warning, so nothing needs filtering.
"""

from __future__ import annotations

import asyncio
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from pathlib import Path

import pytest
import pytest_asyncio

from app.core.mcp_config import McpServerConfig
from app.core.mcp_host import McpHost
from app.core.mcp_results import tool_result, tool_specs
from app.core.tool_types import ToolError, ToolTimeout

DEMO = str(Path(__file__).resolve().parent.parent / "mcp_demo_server.py")


def demo(*flags: str, name: str = "demo", timeout: float = 10.0, **env: str) -> McpServerConfig:
    return McpServerConfig(
        name=name, command=sys.executable, args=(DEMO, *flags), env=env, timeout=timeout
    )


@pytest_asyncio.fixture
async def host(tmp_path: Path) -> AsyncIterator[McpHost]:
    mcp_host = McpHost(tmp_path / "logs")
    try:
        yield mcp_host
    finally:
        mcp_host.shutdown(5.0)


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[McpHost]:
    """A host the tests share; its "demo" server runs with DEMO_TOKEN=shared."""
    mcp_host = McpHost(tmp_path_factory.mktemp("shared-logs"))
    try:
        yield mcp_host
    finally:
        mcp_host.shutdown(5.0)


SHARED = demo(DEMO_TOKEN="shared")


@pytest.fixture(scope="module")
def http_url() -> Iterator[str]:
    """The demo server on streamable HTTP, on a free port."""
    process = subprocess.Popen(
        [sys.executable, DEMO, "--http", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()  # "PORT <n>" once it listens
        assert line.startswith("PORT "), line
        yield f"http://127.0.0.1:{int(line.split()[1])}/mcp"
    finally:
        process.terminate()
        process.wait(10)
        if process.stdout is not None:
            process.stdout.close()


async def pid_of(host: McpHost, config: McpServerConfig) -> int:
    result = await host.call_tool(config, "pid", {})
    assert result.outcome == "ok", result.content
    return int(result.content)


async def wait_for_text(path: Path, text: str, within: float = 10.0) -> None:
    """Wait until the file ``path`` holds ``text`` (a condition, not a fixed delay)."""
    deadline = time.monotonic() + within
    while not (path.exists() and text in path.read_text(encoding="utf-8", errors="replace")):
        assert time.monotonic() < deadline, f"{text!r} never appeared in {path}"
        await asyncio.sleep(0.02)


def shared_log(host: McpHost, server: str) -> Path:
    assert host.log_dir is not None
    return host.log_dir / f"mcp-{server}.log"


def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


@pytest.mark.asyncio
async def test_stdio_tools_are_listed_with_model_names_and_schemas(shared: McpHost) -> None:
    specs = await shared.list_tools(SHARED)
    by_name = {spec.name: spec for spec in specs}
    assert set(by_name) == {
        f"demo__{tool}" for tool in ("echo", "add", "sleep", "crash", "fail", "whoami", "pid")
    }
    echo = by_name["demo__echo"]
    assert echo.source == "demo"
    assert echo.remote_name == "echo"
    assert echo.description == "Give the text back unchanged."
    assert echo.parameters["properties"]["text"]["type"] == "string"
    assert echo.parameters["required"] == ["text"]


@pytest.mark.asyncio
async def test_a_call_gives_text_and_structured_content(shared: McpHost) -> None:
    result = await shared.call_tool(SHARED, "add", {"a": 1.5, "b": 2})
    assert (result.content, result.outcome) == ("3.5", "ok")
    assert result.details == {"structured_content": {"result": 3.5}}
    assert result.duration > 0


@pytest.mark.asyncio
async def test_the_configured_env_reaches_the_server(shared: McpHost) -> None:
    result = await shared.call_tool(SHARED, "whoami", {})
    assert result.content == "shared"


@pytest.mark.asyncio
async def test_is_error_gives_outcome_error(shared: McpHost) -> None:
    result = await shared.call_tool(SHARED, "fail", {})
    assert result.outcome == "error"
    assert "fail" in result.content


@pytest.mark.asyncio
async def test_parallel_calls_to_one_server_all_answer(shared: McpHost) -> None:
    config = SHARED
    results = await asyncio.gather(
        *(shared.call_tool(config, "add", {"a": i, "b": 1}) for i in range(5))
    )
    assert [r.content for r in results] == ["1.0", "2.0", "3.0", "4.0", "5.0"]


@pytest.mark.asyncio
async def test_a_crash_mid_call_is_an_error_and_the_next_call_starts_it_again(
    host: McpHost, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    config = demo()
    first_pid = await pid_of(host, config)
    crashed = await host.call_tool(config, "crash", {})
    assert crashed.outcome == "error"
    assert crashed.content.startswith(
        "The MCP server 'demo' closed the connection during the call to 'crash'; "
        "it may have crashed."
    )
    assert str(tmp_path / "logs" / "mcp-demo.log") in crashed.content
    assert await pid_of(host, config) != first_pid
    # The server's stderr went to its log, not to ours.
    assert "crashing on purpose" in (tmp_path / "logs" / "mcp-demo.log").read_text()
    assert "crashing on purpose" not in capfd.readouterr().err


@pytest.mark.asyncio
async def test_a_timeout_gives_outcome_timeout_and_the_session_stays_usable(
    shared: McpHost,
) -> None:
    first_pid = await pid_of(shared, SHARED)
    hasty = replace(SHARED, timeout=0.5)  # the same server: it is not started again
    started = time.monotonic()
    result = await shared.call_tool(hasty, "sleep", {"seconds": 30})
    assert time.monotonic() - started < 3
    assert result.outcome == "timeout"
    assert result.content == (
        "The MCP server 'demo' did not finish the call to 'sleep' within 0.5 s."
    )
    assert (await shared.call_tool(SHARED, "echo", {"text": "still here"})).content == "still here"
    assert await pid_of(shared, SHARED) == first_pid


@pytest.mark.asyncio
async def test_cancelling_the_caller_cancels_the_call(shared: McpHost) -> None:
    first_pid = await pid_of(shared, SHARED)
    call = asyncio.ensure_future(shared.call_tool(SHARED, "sleep", {"seconds": 31}))
    await wait_for_text(shared_log(shared, "demo"), "sleeping 31")
    call.cancel()
    with pytest.raises(asyncio.CancelledError):
        await call
    echoed = await asyncio.wait_for(shared.call_tool(SHARED, "echo", {"text": "hi"}), 5)
    assert echoed.content == "hi"
    assert await pid_of(shared, SHARED) == first_pid


@pytest.mark.asyncio
async def test_garbage_before_the_protocol_is_skipped(shared: McpHost) -> None:
    specs = await shared.list_tools(demo("--garbage", name="banner"))
    assert "banner__echo" in {spec.name for spec in specs}


@pytest.mark.asyncio
async def test_a_server_that_speaks_only_garbage_fails_in_time_and_says_so(
    shared: McpHost,
) -> None:
    started = time.monotonic()
    with pytest.raises(ToolTimeout) as caught:
        await shared.list_tools(demo("--garbage-only", name="noise", timeout=0.5))
    assert time.monotonic() - started < 3
    message = str(caught.value)
    assert message.startswith("The MCP server 'noise' did not answer within 0.5 s.")
    assert "not JSON-RPC" in message


@pytest.mark.asyncio
async def test_a_missing_command_is_a_clear_error(shared: McpHost) -> None:
    config = McpServerConfig(name="ghost", command="/no/such/mcp-server")
    with pytest.raises(ToolError) as caught:
        await shared.list_tools(config)
    assert str(caught.value) == (
        "Could not start MCP server 'ghost': the command '/no/such/mcp-server' was not found."
    )
    result = await shared.call_tool(config, "echo", {})
    assert (result.outcome, result.content) == ("error", str(caught.value))


@pytest.mark.asyncio
async def test_a_command_that_may_not_be_run_is_a_clear_error(
    shared: McpHost, tmp_path: Path
) -> None:
    script = tmp_path / "server.sh"
    script.write_text("#!/bin/sh\n", encoding="utf-8")  # not executable
    config = McpServerConfig(name="locked", command=str(script))
    with pytest.raises(ToolError) as caught:
        await shared.list_tools(config)
    assert str(caught.value) == (
        f"Could not start MCP server 'locked': the command '{script}' may not be run."
    )


@pytest.mark.asyncio
async def test_nothing_starts_until_a_server_is_used() -> None:
    host = McpHost()
    await host.stop_server("demo")
    assert not host.started
    host.shutdown(1.0)
    with pytest.raises(ToolError, match="shut down"):
        await host.list_tools(demo())


@pytest.mark.asyncio
async def test_a_server_that_exits_at_start_points_to_its_log(
    host: McpHost, tmp_path: Path
) -> None:
    log = tmp_path / "logs" / "mcp-quitter.log"
    log.parent.mkdir()
    log.write_bytes(b"old\n" * 300_000)  # over 1 MB: kept aside as .1 at the next start
    config = McpServerConfig(
        name="quitter",
        command=sys.executable,
        args=("-c", "import sys; sys.exit('no config file')"),
        timeout=10,
    )
    with pytest.raises(ToolError) as caught:
        await host.list_tools(config)
    assert str(caught.value) == (
        "The MCP server 'quitter' closed the connection before it was ready; it may have "
        f"crashed. See its log: {log}."
    )
    assert "no config file" in log.read_text()
    assert "old" not in log.read_text()
    assert log.with_name("mcp-quitter.log.1").stat().st_size == 1_200_000


@pytest.mark.asyncio
async def test_stop_server_ends_the_process_and_the_next_use_starts_it(host: McpHost) -> None:
    config = demo()
    first_pid = await pid_of(host, config)
    await host.stop_server("demo")
    assert gone(first_pid)
    assert await pid_of(host, config) != first_pid
    await host.stop_server("never-started")


@pytest.mark.asyncio
async def test_a_changed_config_restarts_the_server(host: McpHost) -> None:
    assert (await host.call_tool(demo(DEMO_TOKEN="one"), "whoami", {})).content == "one"
    assert (await host.call_tool(demo(DEMO_TOKEN="two"), "whoami", {})).content == "two"


@pytest.mark.asyncio
async def test_http_server_lists_and_calls(shared: McpHost, http_url: str) -> None:
    config = McpServerConfig(name="web", transport="http", url=http_url, timeout=10)
    specs = await shared.list_tools(config)
    assert "web__add" in {spec.name for spec in specs}
    result = await shared.call_tool(config, "add", {"a": 2, "b": 3})
    assert (result.content, result.outcome) == ("5.0", "ok")
    failed = await shared.call_tool(config, "fail", {})
    assert failed.outcome == "error"


@pytest.mark.asyncio
async def test_http_url_that_refuses_connections_is_a_clear_error(shared: McpHost) -> None:
    with socket.socket() as placeholder:  # bound, not listening: connections are refused
        placeholder.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{placeholder.getsockname()[1]}/mcp"
        config = McpServerConfig(name="refusing", transport="http", url=url, timeout=5)
        started = time.monotonic()
        with pytest.raises(ToolError) as caught:
            await shared.list_tools(config)
        assert time.monotonic() - started < 5
    assert str(caught.value).startswith(f"Could not reach MCP server 'refusing' at {url}:")


@pytest.mark.asyncio
async def test_shutdown_does_not_hang_with_a_hung_call_in_flight(tmp_path: Path) -> None:
    host = McpHost(tmp_path / "logs")
    config = demo(timeout=60)
    server_pid = await pid_of(host, config)
    call = asyncio.ensure_future(host.call_tool(config, "sleep", {"seconds": 60}))
    await wait_for_text(tmp_path / "logs" / "mcp-demo.log", "sleeping 60")
    started = time.monotonic()
    host.shutdown(3.0)
    assert time.monotonic() - started < 3.5
    result = await asyncio.wait_for(call, 5)
    assert (result.outcome, result.content) == ("error", "The MCP server 'demo' was stopped.")
    assert gone(server_pid)
    assert not host.started
    after = await host.call_tool(config, "echo", {"text": "x"})
    assert after.outcome == "error"
    assert "shut down" in after.content
    host.shutdown(1.0)  # a second time is harmless


@pytest.mark.asyncio
async def test_shutdown_returns_in_time_even_if_a_server_ignores_its_stdin(
    tmp_path: Path,
) -> None:
    host = McpHost(tmp_path / "logs")
    stubborn = McpServerConfig(
        name="stubborn",
        command=sys.executable,
        args=("-c", "import sys, time; print('up', file=sys.stderr, flush=True); time.sleep(60)"),
        timeout=60,
    )
    listing = asyncio.ensure_future(host.list_tools(stubborn))
    await wait_for_text(tmp_path / "logs" / "mcp-stubborn.log", "up")
    started = time.monotonic()
    host.shutdown(0.5)
    assert time.monotonic() - started < 1.0
    with pytest.raises(ToolError, match="'stubborn' was stopped"):
        await asyncio.wait_for(listing, 10)
    # The SDK terminates it on the host's thread a little later; wait for that.
    assert host._thread is not None
    await asyncio.to_thread(host._thread.join, 10)
    assert not host.started


def test_importing_the_tool_modules_does_not_import_mcp() -> None:
    code = (
        "import sys\n"
        "import app.core.tool_box, app.core.mcp_host\n"
        "app.core.tool_box.ToolBox()\n"
        "assert not any(m == 'mcp' or m.startswith('mcp.') for m in sys.modules), 'mcp'\n"
    )
    root = Path(__file__).resolve().parent.parent.parent
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr


@pytest.mark.asyncio
async def test_an_http_server_that_dies_gives_a_clear_error_in_time(host: McpHost) -> None:
    process = subprocess.Popen(
        [sys.executable, DEMO, "--http", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert process.stdout is not None
    with process, process.stdout:
        port = int(process.stdout.readline().split()[1])
        url = f"http://127.0.0.1:{port}/mcp"
        config = McpServerConfig(name="mortal", transport="http", url=url, timeout=5)
        assert (await host.call_tool(config, "echo", {"text": "alive"})).content == "alive"
        process.kill()
        process.wait(10)
        started = time.monotonic()
        result = await host.call_tool(config, "echo", {"text": "dead?"})
    assert time.monotonic() - started < 6
    assert result.outcome == "error"
    assert result.content.startswith(f"Could not reach MCP server 'mortal' at {url}:")


def test_tool_names_the_chat_api_would_refuse_are_made_safe_and_unique() -> None:
    from mcp.types import Tool

    config = McpServerConfig(name="files")
    schema = {"type": "object", "properties": {"path": {"type": "string"}}}
    tools = [
        Tool(name="read", description="Read a file.", input_schema=schema),
        Tool(name="fs.read", title="Read (fs)", input_schema=schema),
        Tool(name="fs_read", input_schema=schema),
        Tool(name="x" * 100, input_schema=schema),
    ]
    specs = tool_specs(config, tools)
    names = [spec.name for spec in specs]
    assert names[0] == "files__read"
    assert names[1] == "files__fs_read"
    assert re.fullmatch(r"files__fs_read_[0-9a-f]{8}", names[2])  # "fs.read" took the name
    assert len(names[3]) == 64
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{1,64}", name) for name in names)
    assert len(set(names)) == 4
    assert [spec.remote_name for spec in specs] == [tool.name for tool in tools]
    assert specs[0].description == "Read a file."
    assert specs[1].title == "Read (fs)"
    assert specs[1].display_name == "Read (fs)"
    assert specs[2].display_name == "fs_read"
    assert specs[3].description == "x" * 100  # the name stands in for a missing description


def test_results_join_text_and_describe_other_content() -> None:
    from mcp.types import (
        CallToolResult,
        EmbeddedResource,
        ImageContent,
        ResourceLink,
        TextContent,
        TextResourceContents,
    )

    result = tool_result(
        CallToolResult(
            content=[
                TextContent(text="first"),
                ImageContent(data="AAAA", mime_type="image/png"),
                ResourceLink(name="r", uri="file:///tmp/r.txt"),
                EmbeddedResource(
                    resource=TextResourceContents(uri="file:///tmp/e.txt", text="embedded")
                ),
                TextContent(text="last"),
            ],
            is_error=True,
        )
    )
    assert result.outcome == "error"
    assert result.content == (
        "first\n[image image/png, about 3 bytes, not shown]\n[resource file:///tmp/r.txt]\n"
        "embedded\nlast"
    )
    only_structured = tool_result(CallToolResult(content=[], structured_content={"n": 1}))
    assert (only_structured.content, only_structured.outcome) == ('{"n": 1}', "ok")
    assert only_structured.details == {"structured_content": {"n": 1}}
    assert tool_result(CallToolResult(content=[])).content == "(The tool returned nothing.)"
