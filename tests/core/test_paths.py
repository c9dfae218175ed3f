"""Tests of the app's folders and the atomic file writer."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from app.core.paths import AppPaths, atomic_write_bytes, resolve_paths


def _mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_defaults_follow_xdg_defaults_under_home(tmp_path: Path) -> None:
    paths = resolve_paths({"HOME": str(tmp_path)})
    assert paths == AppPaths(
        config_dir=tmp_path / ".config" / "mimo-desktop",
        data_dir=tmp_path / ".local" / "share" / "mimo-desktop",
        cache_dir=tmp_path / ".cache" / "mimo-desktop",
    )


def test_xdg_variables_are_honoured(tmp_path: Path) -> None:
    env = {
        "HOME": str(tmp_path / "home"),
        "XDG_CONFIG_HOME": str(tmp_path / "cfg"),
        "XDG_DATA_HOME": str(tmp_path / "dat"),
        "XDG_CACHE_HOME": str(tmp_path / "cch"),
    }
    paths = resolve_paths(env)
    assert paths.config_dir == tmp_path / "cfg" / "mimo-desktop"
    assert paths.data_dir == tmp_path / "dat" / "mimo-desktop"
    assert paths.cache_dir == tmp_path / "cch" / "mimo-desktop"


def test_relative_or_empty_xdg_values_are_ignored(tmp_path: Path) -> None:
    env = {"HOME": str(tmp_path), "XDG_CONFIG_HOME": "relative/dir", "XDG_DATA_HOME": ""}
    paths = resolve_paths(env)
    assert paths.config_dir == tmp_path / ".config" / "mimo-desktop"
    assert paths.data_dir == tmp_path / ".local" / "share" / "mimo-desktop"


def test_data_dir_option_wins_over_xdg(tmp_path: Path) -> None:
    env = {"HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "cfg")}
    root = tmp_path / "portable"
    paths = resolve_paths(env, data_dir=str(root))
    assert paths == AppPaths(
        config_dir=root / "config", data_dir=root / "data", cache_dir=root / "cache"
    )


def test_relative_data_dir_becomes_absolute(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    paths = resolve_paths({}, data_dir="here")
    assert paths.config_dir == tmp_path / "here" / "config"
    assert paths.config_dir.is_absolute()


def test_ensure_creates_folders_with_mode_0700(tmp_path: Path) -> None:
    paths = resolve_paths({}, data_dir=str(tmp_path / "root"))
    paths.ensure()
    for folder in (paths.config_dir, paths.data_dir, paths.cache_dir):
        assert folder.is_dir()
        assert _mode(folder) == 0o700


def test_ensure_tightens_an_existing_open_folder(tmp_path: Path) -> None:
    paths = resolve_paths({"HOME": str(tmp_path)})
    paths.config_dir.mkdir(parents=True)
    os.chmod(paths.config_dir, 0o755)
    paths.ensure()
    assert _mode(paths.config_dir) == 0o700
    paths.ensure()  # idempotent
    assert _mode(paths.data_dir) == 0o700


def test_atomic_write_replaces_content_with_a_0600_file_and_no_leftovers(
    tmp_path: Path,
) -> None:
    target = tmp_path / "file.json"
    target.write_text("old")
    os.chmod(target, 0o644)
    atomic_write_bytes(target, b"new")
    assert target.read_bytes() == b"new"
    assert _mode(target) == 0o600
    assert os.listdir(tmp_path) == ["file.json"]


def test_atomic_write_failure_leaves_old_file_and_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "file.json"
    target.mkdir()  # os.replace of a file onto a folder fails
    with pytest.raises(OSError):
        atomic_write_bytes(target, b"new")
    assert os.listdir(tmp_path) == ["file.json"]
    assert target.is_dir()
