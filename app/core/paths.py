"""Where the app keeps its files, and how it writes them safely.

Follows the XDG base directory specification; ``--data-dir`` puts everything under
one folder instead (portable installs, tests).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Mapping
from pathlib import Path
from typing import NamedTuple

APP_DIR_NAME = "mimo-desktop"
PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600


class AppPaths(NamedTuple):
    """The app's three folders: settings and secrets, data (conversations), cache."""

    config_dir: Path
    data_dir: Path
    cache_dir: Path

    def ensure(self) -> None:
        """Create the folders (and missing parents) and set each to mode 0700.

        Missing parents get the default mode; the app's own folders are set to 0700
        even when they already existed with a wider mode.
        """
        for folder in (self.config_dir, self.data_dir, self.cache_dir):
            folder.mkdir(mode=PRIVATE_DIR_MODE, parents=True, exist_ok=True)
            os.chmod(folder, PRIVATE_DIR_MODE)


def _xdg_base(env: Mapping[str, str], var: str, home: Path, default: str) -> Path:
    # The spec says relative values are invalid and must be ignored; so are empty ones.
    value = env.get(var, "")
    if value and os.path.isabs(value):
        return Path(value)
    return home / default


def resolve_paths(env: Mapping[str, str], data_dir: str | None = None) -> AppPaths:
    """Work out the app's folders; creates nothing (see :meth:`AppPaths.ensure`).

    Args:
        env: Environment variables (``os.environ`` in the app, a dict in tests).
        data_dir: The ``--data-dir`` option. When given, everything lives below it in
            ``config/``, ``data/`` and ``cache/``.

    Returns:
        The resolved, absolute folders.
    """
    if data_dir:
        root = Path(data_dir).expanduser().absolute()
        return AppPaths(
            config_dir=root / "config", data_dir=root / "data", cache_dir=root / "cache"
        )
    home_value = env.get("HOME", "")
    home = Path(home_value) if home_value else Path.home()
    return AppPaths(
        config_dir=_xdg_base(env, "XDG_CONFIG_HOME", home, ".config") / APP_DIR_NAME,
        data_dir=_xdg_base(env, "XDG_DATA_HOME", home, ".local/share") / APP_DIR_NAME,
        cache_dir=_xdg_base(env, "XDG_CACHE_HOME", home, ".cache") / APP_DIR_NAME,
    )


def atomic_write_bytes(path: Path, data: bytes, mode: int = PRIVATE_FILE_MODE) -> None:
    """Replace ``path`` with ``data`` so readers see the old or the new file, never half.

    The data goes to a new temporary file in the same folder, created by ``os.open``
    with ``mode`` (so it is never readable by others, not even for a moment), fsynced,
    then renamed over ``path`` with ``os.replace``; the folder is fsynced too. On any
    failure the temporary file is removed and the exception propagates.
    """
    folder = path.parent
    tmp = folder / f".{path.name}.{os.urandom(6).hex()}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), mode)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    _fsync_dir(folder)


def _fsync_dir(folder: Path) -> None:
    # Makes the rename durable; not possible on every platform, so best effort.
    try:
        dir_fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dir_fd)
    except OSError:
        pass
    finally:
        os.close(dir_fd)
