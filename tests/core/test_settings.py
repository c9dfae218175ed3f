"""Tests of the JSON settings file."""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path

import pytest

from app.core.catalogue import DEFAULT_MODEL
from app.core.providers import PRESETS
from app.core.settings import Settings, load_settings, save_settings


def _bad_copies(folder: Path) -> list[Path]:
    return sorted(folder.glob("settings.json.bad-*"))


def test_missing_file_gives_defaults(tmp_path: Path) -> None:
    settings = load_settings(tmp_path / "settings.json")
    assert settings == Settings()
    assert settings.provider_id == "mimo-v2"
    assert settings.base_url == PRESETS["mimo-v2"].base_url
    assert settings.model == DEFAULT_MODEL
    assert settings.thinking is None
    assert settings.presets == []
    assert settings.prices == {}
    assert settings.extra == {}
    assert list(tmp_path.iterdir()) == []


def test_round_trip_keeps_every_field(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    original = Settings(
        provider_id="custom",
        base_url="http://localhost:8080/v1",
        model="mimo-v2-omni",
        thinking=True,
        window_geometry="AdnQywADAAA=",
        presets=[{"name": "Terse", "settings": {"model": "mimo-v2-pro", "temperature": 0.2}}],
        prices={
            "mimo-v2-pro": {"input": 1.5, "output": 3.5, "cached_input": None},
            "local-llama": {"input": 0.0, "output": 0.25, "cached_input": 0.05},
        },
        extra={"tts_voice": "default_en", "nested": {"a": [1, 2]}},
    )
    save_settings(path, original)
    assert load_settings(path) == original
    assert _bad_copies(tmp_path) == []


def test_unknown_keys_survive_load_and_save(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"model": "mimo-v2-pro", "future_option": {"x": 1}, "n": 3}))
    settings = load_settings(path)
    assert settings.model == "mimo-v2-pro"
    assert settings.extra == {"future_option": {"x": 1}, "n": 3}
    settings.thinking = False
    save_settings(path, settings)
    on_disk = json.loads(path.read_text())
    assert on_disk["future_option"] == {"x": 1}
    assert on_disk["n"] == 3
    assert on_disk["thinking"] is False


def test_extra_key_cannot_override_a_field_on_save(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    save_settings(path, Settings(model="mimo-v2-pro", extra={"model": "evil"}))
    assert json.loads(path.read_text())["model"] == "mimo-v2-pro"


def test_corrupt_json_gives_defaults_and_is_kept_aside(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text('{"model": "mimo-v2-pro",')
    assert load_settings(path) == Settings()
    bad = _bad_copies(tmp_path)
    assert len(bad) == 1
    assert bad[0].read_text() == '{"model": "mimo-v2-pro",'
    assert not path.exists()


def test_json_that_is_not_an_object_is_corrupt(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text("[1, 2, 3]")
    assert load_settings(path) == Settings()
    assert len(_bad_copies(tmp_path)) == 1


def test_invalid_utf8_is_corrupt(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_bytes(b'{"model": "\xff"}')
    assert load_settings(path) == Settings()
    assert len(_bad_copies(tmp_path)) == 1


def test_two_corrupt_files_in_one_second_keep_both_copies(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text("nope 1")
    load_settings(path)
    path.write_text("nope 2")
    load_settings(path)
    assert sorted(p.read_text() for p in _bad_copies(tmp_path)) == ["nope 1", "nope 2"]


def test_wrong_types_get_defaults_only_for_the_bad_fields(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    original = {
        "provider_id": 42,
        "base_url": "http://localhost:1234/v1",
        "model": "",
        "thinking": "yes",
        "window_geometry": "AAAA",
        "keep_me": True,
    }
    path.write_text(json.dumps(original))
    settings = load_settings(path)
    assert settings.provider_id == Settings().provider_id
    assert settings.model == Settings().model
    assert settings.thinking is None
    assert settings.base_url == "http://localhost:1234/v1"
    assert settings.window_geometry == "AAAA"
    assert settings.extra == {"keep_me": True}
    # The original is kept for inspection and the file on disk is repaired.
    bad = _bad_copies(tmp_path)
    assert len(bad) == 1
    assert json.loads(bad[0].read_text()) == original
    assert load_settings(path) == settings
    assert len(_bad_copies(tmp_path)) == 1


def test_save_is_atomic_and_leaves_no_temp_files(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    for model in ("a", "b", "c"):
        save_settings(path, Settings(model=model))
    assert os.listdir(tmp_path) == ["settings.json"]
    assert load_settings(path).model == "c"


def test_failed_save_keeps_the_old_file_and_leaves_no_temp(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    save_settings(path, Settings(model="old"))
    try:
        save_settings(path, Settings(model="new", extra={"bad": object()}))
    except TypeError:
        pass
    else:
        raise AssertionError("an unserialisable extra must raise TypeError")
    assert load_settings(path).model == "old"
    assert os.listdir(tmp_path) == ["settings.json"]


@pytest.mark.parametrize("wire", ["openai", "anthropic"])
def test_wire_round_trips(tmp_path: Path, wire: str) -> None:
    path = tmp_path / "settings.json"
    save_settings(path, Settings(provider_id="custom", base_url="http://h/anthropic", wire=wire))
    assert load_settings(path).wire == wire
    assert _bad_copies(tmp_path) == []


def test_wire_defaults_to_openai(tmp_path: Path) -> None:
    assert Settings().wire == "openai"
    assert load_settings(tmp_path / "settings.json").wire == "openai"


@pytest.mark.parametrize("bad", ["gemini", "Anthropic", "", None, 1, ["anthropic"]])
def test_an_unknown_wire_gets_the_default(tmp_path: Path, bad: object) -> None:
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"provider_id": "custom", "wire": bad}))
    settings = load_settings(path)
    assert settings.wire == "openai"
    assert settings.provider_id == "custom"
    assert len(_bad_copies(tmp_path)) == 1


def test_settings_have_no_api_key_field() -> None:
    names = {f.name for f in dataclasses.fields(Settings)}
    assert not any("key" in name or "secret" in name for name in names)


def test_presets_and_prices_of_the_wrong_type_get_their_defaults(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"presets": {"name": "x"}, "prices": [1, 2], "model": "m"}))
    settings = load_settings(path)
    assert settings.presets == []
    assert settings.prices == {}
    assert settings.model == "m"
    assert len(_bad_copies(tmp_path)) == 1


def test_bad_preset_entries_are_dropped_and_the_good_ones_kept(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    good = {"name": "Terse", "settings": {"model": "mimo-v2-pro", "temperature": 0.2}}
    path.write_text(
        json.dumps(
            {
                "presets": [
                    good,
                    {"name": "", "settings": {}},
                    {"name": "no settings"},
                    {"name": 3, "settings": {}},
                    {"name": "list settings", "settings": []},
                    "just text",
                ]
            }
        )
    )
    settings = load_settings(path)
    assert settings.presets == [good]
    # The original is kept aside and the repaired list is written back.
    assert len(_bad_copies(tmp_path)) == 1
    assert json.loads(path.read_text())["presets"] == [good]


def test_bad_price_entries_are_dropped_and_the_good_ones_kept(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    good = {"input": 1.5, "output": 3.0, "cached_input": None}
    path.write_text(
        json.dumps(
            {
                "prices": {
                    "mimo-v2-pro": good,
                    "mimo-v2-flash": {"input": -1, "output": 1},
                    "mimo-v2-omni": {"input": 1},
                    "mimo-v2-tts": {"input": "free", "output": 0},
                    "x": {"input": 1, "output": 1, "cached_input": True},
                    "y": {"input": 1, "output": 1, "api_key": "sk-no"},
                    "": good,
                    "z": "cheap",
                }
            }
        )
    )
    settings = load_settings(path)
    assert settings.prices == {"mimo-v2-pro": good}
    assert len(_bad_copies(tmp_path)) == 1
    assert "sk-no" not in path.read_text()


def _server(name: str, **overrides: object) -> dict[str, object]:
    """An MCP server entry in its stored form (every key, as saved)."""
    entry: dict[str, object] = {
        "name": name,
        "transport": "stdio",
        "command": "uvx",
        "args": ["mcp-server-time"],
        "env": {"TOKEN": "t"},
        "url": "",
        "enabled": True,
        "timeout": 30.0,
    }
    entry.update(overrides)
    return entry


def test_tool_fields_have_safe_defaults(tmp_path: Path) -> None:
    settings = load_settings(tmp_path / "settings.json")
    assert settings.mcp_servers == []
    assert settings.tool_folder is None
    assert settings.always_allowed_tools == []
    assert settings.tool_rounds == 8


def test_tool_fields_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    original = Settings(
        mcp_servers=[
            _server("time"),
            _server("web", transport="http", command="", args=[], env={}, url="http://h/mcp"),
        ],
        tool_folder="/home/me/notes",
        always_allowed_tools=["calculate", "time__get_time"],
        tool_rounds=50,
    )
    save_settings(path, original)
    assert load_settings(path) == original
    assert _bad_copies(tmp_path) == []


def test_a_minimal_mcp_server_entry_is_completed_without_counting_as_bad(
    tmp_path: Path,
) -> None:
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"mcp_servers": [{"name": "time", "command": "uvx"}]}))
    settings = load_settings(path)
    assert settings.mcp_servers == [_server("time", args=[], env={})]
    assert _bad_copies(tmp_path) == []


def test_bad_mcp_server_entries_are_dropped_and_the_good_ones_kept(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    good = _server("time")
    path.write_text(
        json.dumps(
            {
                "mcp_servers": [
                    good,
                    _server("time", command="a-second-one-with-the-same-name"),
                    _server("ftp", transport="ftp"),
                    _server("args", args="not a list"),
                    _server("env", env={"N": 1}),
                    _server("slow", timeout="30"),
                    {"command": "no name"},
                    "just text",
                ]
            }
        )
    )
    settings = load_settings(path)
    assert settings.mcp_servers == [good]
    assert len(_bad_copies(tmp_path)) == 1
    assert json.loads(path.read_text())["mcp_servers"] == [good]


def test_mcp_servers_of_the_wrong_type_get_the_default(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"mcp_servers": {"name": "time"}}))
    assert load_settings(path).mcp_servers == []
    assert len(_bad_copies(tmp_path)) == 1


def test_bad_always_allowed_entries_are_dropped(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"always_allowed_tools": ["calculate", "", 3, None, "x__y"]}))
    assert load_settings(path).always_allowed_tools == ["calculate", "x__y"]
    assert len(_bad_copies(tmp_path)) == 1


@pytest.mark.parametrize("rounds", [0, 51, -1, True, 8.0, "8", None])
def test_tool_rounds_outside_1_to_50_get_the_default(tmp_path: Path, rounds: object) -> None:
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"tool_rounds": rounds, "tool_folder": 7}))
    settings = load_settings(path)
    assert settings.tool_rounds == 8
    assert settings.tool_folder is None
    assert len(_bad_copies(tmp_path)) == 1


@pytest.mark.parametrize("rounds", [1, 50])
def test_tool_rounds_at_the_limits_are_kept(tmp_path: Path, rounds: int) -> None:
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"tool_rounds": rounds}))
    assert load_settings(path).tool_rounds == rounds
    assert _bad_copies(tmp_path) == []
