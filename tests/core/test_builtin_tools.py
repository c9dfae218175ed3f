"""Tests of the built-in tools: time, calculator, and the two file tools."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from app.core.builtin_tools import (
    MAX_LIST_ENTRIES,
    MAX_READ_BYTES,
    NO_FOLDER,
    BuiltinTools,
    format_size,
)
from app.core.tool_types import ToolError

FIXED = datetime(2025, 3, 14, 12, 30, 5, tzinfo=UTC)


def fixed_clock(zone: ZoneInfo | None) -> datetime:
    return FIXED.astimezone(zone) if zone is not None else FIXED


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / "notes.txt").write_text("hello\nworld\n", encoding="utf-8")
    (shared / "sub").mkdir()
    (shared / "sub" / "deep.md").write_text("# deep", encoding="utf-8")
    (tmp_path / "secret.txt").write_text("top secret", encoding="utf-8")
    return shared


async def run(tools: BuiltinTools, name: str, **arguments: object) -> str:
    return await tools.run(name, arguments)


def test_every_builtin_has_an_object_schema_and_a_description() -> None:
    specs = BuiltinTools.specs()
    assert [s.name for s in specs] == ["current_time", "calculate", "read_text_file", "list_files"]
    for spec in specs:
        assert spec.parameters["type"] == "object"
        assert spec.description
        assert spec.source == "builtin"
        assert spec.to_openai()["function"]["name"] == spec.name


@pytest.mark.asyncio
async def test_current_time_in_a_named_zone() -> None:
    tools = BuiltinTools(clock=fixed_clock)
    text = await run(tools, "current_time", timezone="Asia/Shanghai")
    assert text == "2025-03-14T20:30:05+08:00, Friday, time zone Asia/Shanghai (CST)"


@pytest.mark.asyncio
async def test_current_time_without_a_zone_is_local_time() -> None:
    text = await run(BuiltinTools(clock=fixed_clock), "current_time")
    assert text.startswith("2025-03-14T12:30:05+00:00, Friday, time zone UTC")
    real = await run(BuiltinTools(), "current_time")
    assert real.startswith(str(datetime.now().year))


@pytest.mark.asyncio
@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "../../etc/passwd", "/abs"])
async def test_an_unknown_zone_is_a_clear_error(zone: str) -> None:
    with pytest.raises(ToolError, match=f"Unknown time zone '{zone}'; use an IANA name"):
        await run(BuiltinTools(), "current_time", timezone=zone)


@pytest.mark.asyncio
async def test_calculate_formats_the_result_and_explains_refusals() -> None:
    tools = BuiltinTools()
    assert await run(tools, "calculate", expression="sqrt(16) + 0.1 + 0.2") == "4.3"
    with pytest.raises(ToolError, match=r"Cannot calculate '1/0': Division by zero\."):
        await run(tools, "calculate", expression="1/0")
    with pytest.raises(ToolError, match="'expression' is required"):
        await run(tools, "calculate")
    with pytest.raises(ToolError, match="'expression' is required"):
        await run(tools, "calculate", expression=42)


@pytest.mark.asyncio
async def test_unknown_tool_is_an_error() -> None:
    with pytest.raises(ToolError, match="Unknown tool 'rm'"):
        await run(BuiltinTools(), "rm")


@pytest.mark.asyncio
@pytest.mark.parametrize("name", ["read_text_file", "list_files"])
async def test_file_tools_without_a_folder_tell_the_user_where_to_choose_one(name: str) -> None:
    with pytest.raises(ToolError) as caught:
        await run(BuiltinTools(), name, path="notes.txt")
    assert str(caught.value) == NO_FOLDER
    assert "Settings > Tools" in NO_FOLDER


@pytest.mark.asyncio
async def test_read_a_text_file_inside_the_folder(folder: Path) -> None:
    tools = BuiltinTools(folder)
    assert await run(tools, "read_text_file", path="notes.txt") == "hello\nworld\n"
    assert await run(tools, "read_text_file", path="sub/deep.md") == "# deep"
    assert await run(tools, "read_text_file", path="./sub/../notes.txt") == "hello\nworld\n"


@pytest.mark.asyncio
@pytest.mark.parametrize("path", ["../secret.txt", "sub/../../secret.txt", "SECRET"])
async def test_paths_that_climb_out_of_the_folder_are_refused(folder: Path, path: str) -> None:
    if path == "SECRET":
        path = str(folder.parent / "secret.txt")  # an absolute path
    with pytest.raises(ToolError, match="leads outside the shared folder"):
        await run(BuiltinTools(folder), "read_text_file", path=path)
    with pytest.raises(ToolError, match="leads outside the shared folder"):
        await run(BuiltinTools(folder), "list_files", path=str(Path(path).parent))


@pytest.mark.asyncio
async def test_symlinks_that_lead_outside_are_refused_and_inside_ones_work(folder: Path) -> None:
    (folder / "escape.txt").symlink_to(folder.parent / "secret.txt")
    (folder / "escape_dir").symlink_to(folder.parent)
    (folder / "alias.txt").symlink_to(folder / "notes.txt")
    tools = BuiltinTools(folder)
    for path in ("escape.txt", "escape_dir/secret.txt"):
        with pytest.raises(ToolError, match="leads outside the shared folder"):
            await run(tools, "read_text_file", path=path)
    with pytest.raises(ToolError, match="leads outside the shared folder"):
        await run(tools, "list_files", path="escape_dir")
    assert await run(tools, "read_text_file", path="alias.txt") == "hello\nworld\n"
    listing = await run(tools, "list_files")
    assert "escape.txt (a link that leads outside the shared folder)" in listing
    assert "10 B" not in listing  # the outside file's size is not shown


@pytest.mark.asyncio
async def test_a_folder_reached_through_a_symlink_is_its_real_path(tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir()
    (real / "a.txt").write_text("a", encoding="utf-8")
    (tmp_path / "link").symlink_to(real)
    assert await run(BuiltinTools(tmp_path / "link"), "read_text_file", path="a.txt") == "a"


@pytest.mark.asyncio
async def test_binary_files_are_refused(folder: Path) -> None:
    (folder / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    with pytest.raises(ToolError, match="looks like a binary file"):
        await run(BuiltinTools(folder), "read_text_file", path="image.png")


@pytest.mark.asyncio
async def test_long_files_are_cut_at_256_kb_with_a_note(folder: Path) -> None:
    # "é" is two bytes: the cut would fall inside one if it were not moved back.
    (folder / "big.txt").write_bytes(b"a" + "é".encode() * MAX_READ_BYTES)
    text = await run(BuiltinTools(folder), "read_text_file", path="big.txt")
    body, note = text.rsplit("\n\n", 1)
    assert note == "[Truncated: this is the first 256 KB of 512 KB.]"
    assert body == "a" + "é" * (MAX_READ_BYTES // 2 - 1)
    assert "\ufffd" not in body


@pytest.mark.asyncio
async def test_a_file_of_exactly_the_cap_is_not_cut(folder: Path) -> None:
    (folder / "exact.txt").write_bytes(b"x" * MAX_READ_BYTES)
    text = await run(BuiltinTools(folder), "read_text_file", path="exact.txt")
    assert text == "x" * MAX_READ_BYTES


@pytest.mark.asyncio
async def test_invalid_utf8_is_replaced_not_refused(folder: Path) -> None:
    (folder / "latin1.txt").write_bytes("café".encode("latin-1"))
    assert await run(BuiltinTools(folder), "read_text_file", path="latin1.txt") == "caf\ufffd"


@pytest.mark.asyncio
async def test_missing_files_folders_and_fifos_are_clear_errors(folder: Path) -> None:
    tools = BuiltinTools(folder)
    with pytest.raises(ToolError, match=r"There is no file 'nope\.txt'"):
        await run(tools, "read_text_file", path="nope.txt")
    with pytest.raises(ToolError, match="'sub' is a folder; use list_files"):
        await run(tools, "read_text_file", path="sub")
    with pytest.raises(ToolError, match=r"There is no folder 'notes\.txt'"):
        await run(tools, "list_files", path="notes.txt")
    os.mkfifo(folder / "pipe")
    with pytest.raises(ToolError, match="'pipe' is not a regular file"):
        await run(tools, "read_text_file", path="pipe")


@pytest.mark.asyncio
async def test_a_vanished_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ToolError, match="does not exist any more"):
        await run(BuiltinTools(tmp_path / "gone"), "list_files")


@pytest.mark.asyncio
async def test_list_files_shows_folders_first_then_files_with_sizes(folder: Path) -> None:
    (folder / "Big.bin").write_bytes(b"\0" * 3000)
    tools = BuiltinTools(folder)
    assert await run(tools, "list_files") == (
        "3 entries in '.':\nsub/\nBig.bin (2.9 KB)\nnotes.txt (12 B)"
    )
    assert await run(tools, "list_files", path="sub") == "1 entries in 'sub':\ndeep.md (6 B)"
    (folder / "empty").mkdir()
    assert await run(tools, "list_files", path="empty") == "The folder 'empty' is empty."


@pytest.mark.asyncio
async def test_list_files_caps_the_number_of_entries(folder: Path) -> None:
    many = folder / "many"
    many.mkdir()
    for i in range(MAX_LIST_ENTRIES + 5):
        (many / f"f{i:04}.txt").touch()
    lines = (await run(BuiltinTools(folder), "list_files", path="many")).splitlines()
    assert lines[0] == f"{MAX_LIST_ENTRIES + 5} entries in 'many':"
    assert lines[1] == "f0000.txt (0 B)"
    assert lines[-1] == "... and 5 more"
    assert len(lines) == MAX_LIST_ENTRIES + 2


@pytest.mark.asyncio
async def test_the_folder_can_be_changed(folder: Path, tmp_path: Path) -> None:
    tools = BuiltinTools()
    tools.set_folder(str(folder))
    assert tools.folder == folder
    assert await run(tools, "read_text_file", path="notes.txt") == "hello\nworld\n"
    tools.set_folder(None)
    with pytest.raises(ToolError, match="No folder is chosen"):
        await run(tools, "read_text_file", path="notes.txt")


@pytest.mark.parametrize(
    ("count", "text"),
    [(0, "0 B"), (1023, "1023 B"), (1536, "1.5 KB"), (262144, "256 KB"), (5 * 2**20, "5.0 MB")],
)
def test_sizes_are_written_for_people(count: int, text: str) -> None:
    assert format_size(count) == text
