"""The tools that come with the app: they need no network and cannot do harm.

* ``current_time``: the date and time, in an optional IANA time zone.
* ``calculate``: arithmetic, through :mod:`app.core.safe_math` (never ``eval``).
* ``read_text_file``: a text file inside the folder the user chose in Settings > Tools.
* ``list_files``: the entries of that folder or of a folder inside it.

The file tools see only the chosen folder: every path is resolved (symlinks included)
and refused when it leads outside. Disk work runs in a worker thread
(:func:`asyncio.to_thread`), so the GUI thread never waits on a disk.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from app.api.translation import translate
from app.core.safe_math import MathError, evaluate, format_number
from app.core.tool_types import ToolError, ToolSpec

MAX_READ_BYTES = 256 * 1024
MAX_LIST_ENTRIES = 200
_BINARY_SNIFF = 8192

NO_FOLDER = (
    "No folder is chosen for the file tools. Choose one in Settings > Tools, then ask again."
)

SPECS: tuple[ToolSpec, ...] = (
    ToolSpec(
        name="current_time",
        title="Current time",
        description=(
            "The current date, time and weekday. Without a time zone: the user's local time."
        ),
        parameters={
            "type": "object",
            "properties": {
                "timezone": {
                    "type": "string",
                    "description": "An IANA time zone, e.g. 'Europe/Berlin' or 'Asia/Shanghai'.",
                }
            },
            "additionalProperties": False,
        },
    ),
    ToolSpec(
        name="calculate",
        title="Calculator",
        description=(
            "Evaluate an arithmetic expression exactly as written: numbers, + - * / // % **, "
            "parentheses, sqrt sin cos tan asin acos atan log log10 log2 exp abs round "
            "min max floor ceil, and the constants pi e tau. Angles are in radians."
        ),
        parameters={
            "type": "object",
            "properties": {
                "expression": {"type": "string", "description": "For example '2 * (3 + 4)'."}
            },
            "required": ["expression"],
            "additionalProperties": False,
        },
    ),
    ToolSpec(
        name="read_text_file",
        title="Read a text file",
        description=(
            "Read a text file from the folder the user shared with you. Long files are cut "
            "at 256 KB."
        ),
        parameters={
            "type": "object",
            "properties": {
                "path": {
                    "type": "string",
                    "description": "The file's path relative to the shared folder.",
                }
            },
            "required": ["path"],
            "additionalProperties": False,
        },
    ),
    ToolSpec(
        name="list_files",
        title="List files",
        description="List the files and folders in the shared folder, with their sizes.",
        parameters={
            "type": "object",
            "properties": {
                "path": {
                    "type": "string",
                    "description": "A folder inside the shared folder (default: the folder).",
                }
            },
            "additionalProperties": False,
        },
    ),
)


_T = TypeVar("_T")


async def _in_thread(function: Callable[..., _T], *args: Any) -> _T:
    """``asyncio.to_thread``, with asyncio imported only when a tool runs: the tools
    menu imports this module before the window's first paint, and asyncio costs ~20 ms."""
    import asyncio

    return await asyncio.to_thread(function, *args)


def shown_text(text: str) -> str:
    """A built-in tool's title or description (as in :data:`SPECS`, in English: that is
    what the model reads) in the user's language; any other text as it is."""
    return _shown_texts().get(text, text)


def _shown_texts() -> dict[str, str]:
    return {
        "Current time": translate("BuiltinTools", "Current time"),
        "Calculator": translate("BuiltinTools", "Calculator"),
        "Read a text file": translate("BuiltinTools", "Read a text file"),
        "List files": translate("BuiltinTools", "List files"),
        SPECS[0].description: translate(
            "BuiltinTools",
            "The current date, time and weekday. Without a time zone: the user's local time.",
        ),
        SPECS[1].description: translate(
            "BuiltinTools",
            "Evaluate an arithmetic expression exactly as written: numbers, + - * / // % **, "
            "parentheses, sqrt sin cos tan asin acos atan log log10 log2 exp abs round "
            "min max floor ceil, and the constants pi e tau. Angles are in radians.",
        ),
        SPECS[2].description: translate(
            "BuiltinTools",
            "Read a text file from the folder the user shared with you. Long files are cut "
            "at 256 KB.",
        ),
        SPECS[3].description: translate(
            "BuiltinTools", "List the files and folders in the shared folder, with their sizes."
        ),
    }


class BuiltinTools:
    """The built-in tools, bound to the folder the file tools may read.

    Args:
        folder: The folder the user chose, or None when none is chosen (the file tools
            then answer with :data:`NO_FOLDER`).
        clock: Gives the current time as an aware datetime (tests pass a fixed one).
    """

    def __init__(
        self,
        folder: Path | str | None = None,
        *,
        clock: Callable[[ZoneInfo | None], datetime] | None = None,
    ) -> None:
        self._folder: Path | None = None
        self.set_folder(folder)
        self._clock = clock or _now

    @property
    def folder(self) -> Path | None:
        """The folder the file tools may read (None: none chosen)."""
        return self._folder

    def set_folder(self, folder: Path | str | None) -> None:
        """Change the folder the file tools may read (None or "": none)."""
        self._folder = Path(folder) if folder else None

    @staticmethod
    def specs() -> list[ToolSpec]:
        return list(SPECS)

    @staticmethod
    def names() -> frozenset[str]:
        return frozenset(spec.name for spec in SPECS)

    async def run(self, name: str, arguments: Mapping[str, Any]) -> str:
        """Run the tool ``name`` and return its text for the model.

        Raises:
            ToolError: The tool does not exist, an argument is wrong, or it failed.
        """
        if name == "current_time":
            return await self._current_time(_optional_str(arguments, "timezone"))
        if name == "calculate":
            return _calculate(_required_str(arguments, "expression"))
        if name == "read_text_file":
            folder = self._require_folder()
            return await _in_thread(read_text, folder, _required_str(arguments, "path"))
        if name == "list_files":
            folder = self._require_folder()
            path = _optional_str(arguments, "path") or "."
            return await _in_thread(list_folder, folder, path)
        raise ToolError(f"Unknown tool '{name}'.")

    def _require_folder(self) -> Path:
        if self._folder is None:
            raise ToolError(NO_FOLDER)
        return self._folder

    async def _current_time(self, zone_name: str | None) -> str:
        zone = await _in_thread(_zone, zone_name) if zone_name else None
        now = self._clock(zone)
        label = zone_name or now.tzname() or "local time"
        if zone_name and now.tzname():
            label = f"{zone_name} ({now.tzname()})"
        return f"{now.isoformat(timespec='seconds')}, {now.strftime('%A')}, time zone {label}"


def _now(zone: ZoneInfo | None) -> datetime:
    return datetime.now(zone) if zone is not None else datetime.now().astimezone()


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ToolError(
            f"Unknown time zone '{name}'; use an IANA name such as 'Europe/Berlin'."
        ) from None


def _calculate(expression: str) -> str:
    try:
        return format_number(evaluate(expression))
    except MathError as error:
        raise ToolError(f"Cannot calculate '{expression[:80]}': {error}.") from None


def _required_str(arguments: Mapping[str, Any], key: str) -> str:
    value = arguments.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ToolError(f"The argument '{key}' is required and must be a non-empty string.")
    return value


def _optional_str(arguments: Mapping[str, Any], key: str) -> str | None:
    value = arguments.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ToolError(f"The argument '{key}' must be a string.")
    return value.strip() or None


def read_text(folder: Path, relative: str) -> str:
    """The text of the file ``relative`` inside ``folder`` (blocking: run it in a thread).

    Raises:
        ToolError: The path leads outside the folder, is not a regular file, looks
            binary, or cannot be read.
    """
    target = _inside(folder, relative)
    if not target.exists():
        raise ToolError(f"There is no file '{relative}' in the shared folder.")
    if target.is_dir():
        raise ToolError(f"'{relative}' is a folder; use list_files to see what it holds.")
    if not target.is_file():
        raise ToolError(f"'{relative}' is not a regular file.")
    try:
        with target.open("rb") as file:
            size = os.fstat(file.fileno()).st_size
            data = file.read(MAX_READ_BYTES + 1)
    except OSError as error:
        raise ToolError(f"Cannot read '{relative}': {error.strerror or error}.") from None
    if b"\0" in data[:_BINARY_SNIFF]:
        raise ToolError(f"'{relative}' looks like a binary file; only text files can be read.")
    if len(data) <= MAX_READ_BYTES:
        return data.decode("utf-8", errors="replace")
    text = _cut_utf8(data[:MAX_READ_BYTES]).decode("utf-8", errors="replace")
    total = max(size, len(data))
    shown, whole = format_size(MAX_READ_BYTES), format_size(total)
    return f"{text}\n\n[Truncated: this is the first {shown} of {whole}.]"


def list_folder(folder: Path, relative: str) -> str:
    """The entries of the folder ``relative`` inside ``folder`` (blocking: run it in a thread).

    Folders first, then files with their sizes, each group by name; at most
    :data:`MAX_LIST_ENTRIES` entries, with a note of how many were left out.

    Raises:
        ToolError: The path leads outside the folder, is not a folder, or cannot be read.
    """
    base = _base(folder)
    target = _inside(folder, relative)
    if not target.is_dir():
        raise ToolError(f"There is no folder '{relative}' in the shared folder.")
    try:
        entries = sorted(os.scandir(target), key=lambda entry: entry.name.casefold())
    except OSError as error:
        raise ToolError(f"Cannot list '{relative}': {error.strerror or error}.") from None
    folders: list[str] = []
    files: list[str] = []
    for entry in entries:
        if entry.is_symlink() and not _is_within(Path(entry.path).resolve(), base):
            files.append(f"{entry.name} (a link that leads outside the shared folder)")
        elif entry.is_dir():
            folders.append(f"{entry.name}/")
        else:
            files.append(f"{entry.name} ({_entry_size(entry)})")
    lines = folders + files
    shown = "." if target == base else target.relative_to(base).as_posix()
    if not lines:
        return f"The folder '{shown}' is empty."
    header = f"{len(lines)} entries in '{shown}':"
    if len(lines) > MAX_LIST_ENTRIES:
        left_out = len(lines) - MAX_LIST_ENTRIES
        lines = [*lines[:MAX_LIST_ENTRIES], f"... and {left_out} more"]
    return "\n".join([header, *lines])


def _base(folder: Path) -> Path:
    try:
        base = folder.expanduser().resolve(strict=True)
    except (OSError, RuntimeError):
        raise ToolError(
            f"The shared folder '{folder}' does not exist any more. Choose another one in "
            "Settings > Tools."
        ) from None
    if not base.is_dir():
        raise ToolError(f"The shared folder '{folder}' is not a folder.")
    return base


def _inside(folder: Path, relative: str) -> Path:
    """``relative`` resolved against ``folder``, or ToolError when it leads outside."""
    base = _base(folder)
    try:
        target = (base / relative).resolve()
    except (OSError, RuntimeError, ValueError):
        raise ToolError(f"The path '{relative}' cannot be resolved.") from None
    if not _is_within(target, base):
        raise ToolError(
            f"The path '{relative}' leads outside the shared folder; only files inside it "
            "can be read."
        )
    return target


def _is_within(path: Path, base: Path) -> bool:
    return path == base or path.is_relative_to(base)


def _cut_utf8(data: bytes) -> bytes:
    """``data`` without a UTF-8 sequence cut short at its end."""
    end = len(data)
    for back in range(1, min(4, end) + 1):
        byte = data[end - back]
        if byte & 0xC0 != 0x80:  # the lead byte of the last sequence (or ASCII)
            needed = _sequence_length(byte)
            return data if back >= needed else data[: end - back]
    return data


def _sequence_length(lead: int) -> int:
    if lead < 0x80:
        return 1
    if lead >= 0xF0:
        return 4
    if lead >= 0xE0:
        return 3
    return 2


def _entry_size(entry: os.DirEntry[str]) -> str:
    try:
        return format_size(entry.stat().st_size)
    except OSError:
        return "size unknown"


def format_size(count: int) -> str:
    """A byte count for people: ``512 B``, ``1.5 KB``, ``256 KB``, ``3.2 MB``."""
    if count < 1024:
        return f"{count} B"
    value = float(count)
    for unit in ("KB", "MB", "GB"):
        value /= 1024
        if value < 1024 or unit == "GB":
            return f"{value:.1f} {unit}" if value < 10 else f"{value:.0f} {unit}"
    return f"{count} B"  # pragma: no cover - the loop always returns
