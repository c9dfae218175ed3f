"""Tests of the tool box: which tools are offered, and how every kind of call ends."""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from collections.abc import Iterator, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from app.core.builtin_tools import BuiltinTools
from app.core.mcp_config import McpServerConfig
from app.core.mcp_host import McpHost
from app.core.tool_box import ToolBox
from app.core.tool_types import ToolCall, ToolSpec

DEMO = str(Path(__file__).resolve().parent.parent / "mcp_demo_server.py")
DEMO_SERVER = McpServerConfig(
    name="demo", command=sys.executable, args=(DEMO,), env={"DEMO_TOKEN": "box"}, timeout=10
)
GHOST = McpServerConfig(name="ghost", command="/no/such/mcp-server")
NO_URL = McpServerConfig(name="nourl", transport="http", url="")
OFF = McpServerConfig(name="off", command="/no/such/either", enabled=False)


def _spec(name: str) -> ToolSpec:
    return ToolSpec(name=name, description=name, parameters={"type": "object"})


class FakeBuiltins(BuiltinTools):
    """The real built-ins plus a few that misbehave on purpose."""

    def __init__(self) -> None:
        super().__init__()
        self.never = asyncio.Event()

    def specs(self) -> list[ToolSpec]:  # type: ignore[override]
        return [*super().specs(), _spec("hang"), _spec("boom"), _spec("big"), _spec("echo_args")]

    async def run(self, name: str, arguments: Mapping[str, Any]) -> str:
        if name == "hang":
            await self.never.wait()
        if name == "boom":
            raise KeyError("a bug\nwith two lines")
        if name == "big":
            return "é" * 40_000  # 80 000 bytes of UTF-8
        if name == "echo_args":
            return repr(dict(arguments))
        return await super().run(name, arguments)


@pytest.fixture(scope="module")
def host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[McpHost]:
    mcp_host = McpHost(tmp_path_factory.mktemp("logs"))
    try:
        yield mcp_host
    finally:
        mcp_host.shutdown(5.0)


@pytest.fixture
def box(host: McpHost) -> ToolBox:
    return ToolBox(builtins=FakeBuiltins(), host=host, builtin_timeout=0.2, max_output=1024)


def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def call(name: str, arguments: str = "{}") -> ToolCall:
    return ToolCall(id="call_1", name=name, arguments=arguments)


def test_without_servers_only_the_builtins_are_offered() -> None:
    box = ToolBox()
    assert [s.name for s in box.specs()] == [
        "current_time",
        "calculate",
        "read_text_file",
        "list_files",
    ]
    assert box.server_errors() == {}
    assert not box.host.started  # nothing was started just to list the built-ins


@pytest.mark.asyncio
async def test_refresh_adds_server_tools_and_records_the_failures(box: ToolBox) -> None:
    box.set_servers([DEMO_SERVER, GHOST, NO_URL, OFF])
    await box.refresh()
    names = [spec.name for spec in box.specs()]
    assert names[:4] == ["current_time", "calculate", "read_text_file", "list_files"]
    assert "demo__echo" in names
    assert not any(name.startswith(("ghost__", "nourl__", "off__")) for name in names)
    assert box.server_errors() == {
        "ghost": (
            "Could not start MCP server 'ghost': the command '/no/such/mcp-server' was not found."
        ),
        "nourl": (
            "The MCP server 'nourl' is set up wrongly: An HTTP server needs an http:// or "
            "https:// URL."
        ),
    }


@pytest.mark.asyncio
async def test_specs_keep_only_the_enabled_names(box: ToolBox) -> None:
    box.set_servers([DEMO_SERVER])
    await box.refresh()
    chosen = box.specs({"calculate", "demo__add", "not_a_tool"})
    assert [spec.name for spec in chosen] == ["calculate", "demo__add"]
    assert box.specs(()) == []


@pytest.mark.asyncio
async def test_disabling_a_server_drops_its_tools_and_refresh_stops_it(box: ToolBox) -> None:
    box.set_servers([DEMO_SERVER, GHOST])
    await box.refresh()
    pid = int((await box.run(call("demo__pid"))).content)
    box.set_servers([replace(DEMO_SERVER, enabled=False)])
    assert not any(spec.source == "demo" for spec in box.specs())
    assert box.server_errors() == {}
    result = await box.run(call("demo__echo", '{"text": "x"}'))
    assert (result.outcome, result.content) == ("error", "There is no tool called 'demo__echo'.")
    assert not gone(pid)
    await box.refresh()
    assert gone(pid)


@pytest.mark.asyncio
async def test_refresh_stops_a_removed_server(box: ToolBox) -> None:
    box.set_servers([DEMO_SERVER])
    await box.refresh()
    pid = int((await box.run(call("demo__pid"))).content)
    box.set_servers([])
    assert [spec.source for spec in box.specs()] == ["builtin"] * 8
    await box.refresh()
    assert gone(pid)


@pytest.mark.asyncio
async def test_a_builtin_call_gives_its_text(box: ToolBox) -> None:
    result = await box.run(call("calculate", '{"expression": "6 * 7"}'))
    assert (result.content, result.outcome) == ("42", "ok")
    assert result.duration >= 0


@pytest.mark.asyncio
async def test_an_mcp_call_goes_to_its_server_under_its_own_name(box: ToolBox) -> None:
    box.set_servers([DEMO_SERVER])
    await box.refresh()
    result = await box.run(call("demo__whoami"))
    assert (result.content, result.outcome) == ("box", "ok")
    assert result.details == {"structured_content": {"result": "box"}}
    failed = await box.run(call("demo__fail"))
    assert failed.outcome == "error"


@pytest.mark.asyncio
async def test_an_mcp_call_that_runs_out_of_time_is_a_timeout(box: ToolBox) -> None:
    box.set_servers([DEMO_SERVER])
    await box.refresh()  # with time enough to start the server
    box.set_servers([replace(DEMO_SERVER, timeout=0.5)])  # the same server, less patient
    result = await box.run(call("demo__sleep", '{"seconds": 20}'))
    assert result.outcome == "timeout"
    assert (
        result.content == "The MCP server 'demo' did not finish the call to 'sleep' within 0.5 s."
    )


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ("{not json", "The arguments are not valid JSON: "),
        ("[1, 2]", "The arguments must be a JSON object"),
        ('"text"', "The arguments must be a JSON object"),
    ],
)
@pytest.mark.asyncio
async def test_bad_argument_json_is_an_error(box: ToolBox, arguments: str, message: str) -> None:
    result = await box.run(call("calculate", arguments))
    assert result.outcome == "error"
    assert result.content.startswith(message)


@pytest.mark.asyncio
async def test_empty_arguments_count_as_an_empty_object(box: ToolBox) -> None:
    result = await box.run(call("echo_args", ""))
    assert (result.content, result.outcome) == ("{}", "ok")


@pytest.mark.asyncio
async def test_an_unknown_tool_is_an_error(box: ToolBox) -> None:
    result = await box.run(call("rm_rf"))
    assert (result.outcome, result.content) == ("error", "There is no tool called 'rm_rf'.")


@pytest.mark.asyncio
async def test_a_tool_error_is_an_error_with_its_message(box: ToolBox) -> None:
    result = await box.run(call("calculate", '{"expression": "1/0"}'))
    assert (result.outcome, result.content) == (
        "error",
        "Cannot calculate '1/0': Division by zero.",
    )


@pytest.mark.asyncio
async def test_a_bug_is_logged_with_its_traceback_but_shown_in_one_line(
    box: ToolBox, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="app.core.tool_box"):
        result = await box.run(call("boom"))
    assert result.outcome == "error"
    assert result.content == "The tool 'boom' failed: KeyError('a bug\\nwith two lines')"
    assert "Traceback" not in result.content
    assert any(record.exc_info for record in caplog.records)


@pytest.mark.asyncio
async def test_a_builtin_that_runs_too_long_is_a_timeout(box: ToolBox) -> None:
    result = await box.run(call("hang"))
    assert (result.outcome, result.content) == (
        "timeout",
        "The tool 'hang' did not finish within 0.2 s.",
    )


@pytest.mark.asyncio
async def test_long_output_is_cut_with_a_note(box: ToolBox) -> None:
    result = await box.run(call("big"))
    kept, note = result.content.rsplit("\n\n", 1)
    assert kept == "é" * 512  # 1024 bytes, no half character
    assert note == "[Output cut: showed the first 1.0 KB of 78 KB.]"


@pytest.mark.asyncio
async def test_file_tools_use_the_folder_set_on_the_box(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("alpha", encoding="utf-8")
    box = ToolBox()
    result = await box.run(call("read_text_file", '{"path": "a.txt"}'))
    assert result.outcome == "error"
    assert "Settings > Tools" in result.content
    box.set_folder(tmp_path)
    result = await box.run(call("read_text_file", '{"path": "a.txt"}'))
    assert (result.content, result.outcome) == ("alpha", "ok")


@pytest.mark.asyncio
async def test_cancelling_a_run_propagates(box: ToolBox) -> None:
    task = asyncio.ensure_future(box.run(call("hang")))
    await asyncio.sleep(0)  # let it start
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
