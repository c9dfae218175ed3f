"""The app's settings, kept in a small JSON file (``config_dir/settings.json``).

Loading never raises: a missing file gives the defaults, a field of the wrong type gets
its default, and a corrupt file is kept aside as ``settings.json.bad-<timestamp>`` for
the user to inspect. Keys this version does not know are kept in :attr:`Settings.extra`
and written back unchanged, so an older build does not wipe a newer build's settings.

The API key is never part of the settings: it lives in the secret store
(:mod:`app.core.secrets`).
"""

from __future__ import annotations

import json
import logging
import math
import os
import time
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from app.api.speech_request import DEFAULT_VOICE
from app.core.catalogue import DEFAULT_MODEL
from app.core.mcp_config import servers_from_json, servers_to_json
from app.core.paths import atomic_write_bytes
from app.core.providers import DEFAULT_PROVIDER_ID, PRESETS, WIRES
from app.core.settings_peek import LANGUAGES, THEMES
from app.core.settings_peek import SETTINGS_FILE_NAME as SETTINGS_FILE_NAME  # re-exported

_log = logging.getLogger(__name__)

DEFAULT_TOOL_ROUNDS = 8
MAX_TOOL_ROUNDS = 50
PROXY_MODES = ("system", "none", "custom")
DEFAULT_REQUEST_TIMEOUT = 120.0
MIN_REQUEST_TIMEOUT = 5.0
MAX_REQUEST_TIMEOUT = 600.0


@dataclass
class Settings:
    """User settings.

    Attributes:
        provider_id: Id of the provider preset (see :mod:`app.core.providers`).
        base_url: API base URL in use (the preset's, or the user's for a custom one).
        wire: Wire format of the custom endpoint, ``"openai"`` or ``"anthropic"``; a
            preset's own format wins (see :func:`app.core.providers.wire_for`).
        model: Id of the selected model.
        thinking: Thinking mode override; None means the model's default.
        window_geometry: Base64 of Qt's ``saveGeometry()`` bytes; opaque here.
        presets: The user's chat-settings presets, each ``{"name": str, "settings":
            {...}}`` (see :mod:`app.core.chat_settings`; built-in presets are not
            stored). Entries of the wrong shape are dropped on load.
        prices: The user's price overrides: model id -> ``{"input", "output",
            "cached_input"}`` in USD per million tokens (``cached_input`` None: no
            reduced rate). Merged over the catalogue by
            :class:`app.core.catalogue.PriceTable`. Bad entries are dropped on load.
        auto_titles: Ask MiMo-V2-Flash for a short title after a chat's first reply.
        auto_read: Read every reply aloud while it streams in.
        speech_voice: The voice of the speech panel and of reading aloud.
        speech_volume: The playback volume, 0.0 to 1.0.
        audio_device: The name of the sound output device; None: the system default.
        mcp_servers: The MCP servers, as :meth:`app.core.mcp_config.McpServerConfig.to_json`
            objects (see :func:`app.core.mcp_config.servers_from_json`). Loading drops
            entries of the wrong shape and repeated names, and fills in missing keys.
        tool_folder: The folder the file tools may read; None: none chosen.
        always_allowed_tools: Names of the tools the user said "Always allow" for.
        tool_rounds: The most model-and-tools rounds one reply may take, 1 to 50.
        theme: ``"system"`` (follow the desktop's light or dark scheme), ``"light"``
            or ``"dark"``.
        language: ``"system"`` (from the locale), ``"en"`` or ``"zh_CN"``.
        window_state: Base64 of Qt's ``saveState()`` bytes (docks, toolbars); opaque.
        splitter_state: Base64 of the sidebar splitter's ``saveState()``; opaque.
        sidebar_visible: Whether the history sidebar is shown.
        proxy_mode: ``"system"`` (the environment's proxy variables), ``"none"`` or
            ``"custom"`` (:attr:`proxy_url`).
        proxy_url: The custom proxy, ``http://``, ``https://``, ``socks5://`` or
            ``socks5h://`` with an optional ``user:password@``; None: none set.
        request_timeout: Seconds to wait for a connection or for the next bytes of a
            reply, 5 to 600.
        ca_bundle: A PEM file of extra certificate authorities trusted beside the
            built-in ones (corporate proxies); None: none. TLS is always verified.
        extra: Every other top-level key, by name. Written back at the top level of
            the file; a key that collides with a field name is ignored on save.
    """

    provider_id: str = DEFAULT_PROVIDER_ID
    base_url: str = PRESETS[DEFAULT_PROVIDER_ID].base_url
    wire: str = "openai"
    model: str = DEFAULT_MODEL
    thinking: bool | None = None
    window_geometry: str | None = None
    presets: list[dict[str, Any]] = field(default_factory=list)
    prices: dict[str, dict[str, float | None]] = field(default_factory=dict)
    auto_titles: bool = False
    auto_read: bool = False
    speech_voice: str = DEFAULT_VOICE
    speech_volume: float = 1.0
    audio_device: str | None = None
    mcp_servers: list[dict[str, Any]] = field(default_factory=list)
    tool_folder: str | None = None
    always_allowed_tools: list[str] = field(default_factory=list)
    tool_rounds: int = DEFAULT_TOOL_ROUNDS
    theme: str = "system"
    language: str = "system"
    window_state: str | None = None
    splitter_state: str | None = None
    sidebar_visible: bool = True
    proxy_mode: str = "system"
    proxy_url: str | None = None
    request_timeout: float = DEFAULT_REQUEST_TIMEOUT
    ca_bundle: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


_FIELD_NAMES = tuple(f.name for f in fields(Settings) if f.name != "extra")


def _valid(name: str, value: Any) -> bool:
    if name in ("provider_id", "model", "speech_voice"):
        return isinstance(value, str) and bool(value.strip())
    if name == "base_url":
        return isinstance(value, str)
    if name == "wire":
        return value in WIRES
    if name == "thinking":
        return value is None or isinstance(value, bool)
    if name in ("auto_titles", "auto_read", "sidebar_visible"):
        return isinstance(value, bool)
    if name == "speech_volume":
        return _price_number(value) and value <= 1  # a finite number from 0 to 1
    if name == "theme":
        return value in THEMES
    if name == "language":
        return value in LANGUAGES
    if name == "proxy_mode":
        return value in PROXY_MODES
    if name == "request_timeout":
        return _price_number(value) and MIN_REQUEST_TIMEOUT <= value <= MAX_REQUEST_TIMEOUT
    if name in (
        "window_geometry",
        "window_state",
        "splitter_state",
        "audio_device",
        "tool_folder",
        "proxy_url",
        "ca_bundle",
    ):
        return value is None or isinstance(value, str)
    if name == "mcp_servers":
        return isinstance(value, list) and len(servers_from_json(value)) == len(value)
    if name == "always_allowed_tools":
        return isinstance(value, list) and all(_valid_tool_name(entry) for entry in value)
    if name == "tool_rounds":
        return (
            isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_TOOL_ROUNDS
        )
    if name == "presets":
        return isinstance(value, list) and all(_valid_preset(entry) for entry in value)
    if name == "prices":
        return isinstance(value, dict) and all(
            _valid_price(model, entry) for model, entry in value.items()
        )
    return False  # pragma: no cover - every field is handled above


def _valid_preset(entry: Any) -> bool:
    """A preset entry: a non-blank name and a settings object (checked in depth later)."""
    return (
        isinstance(entry, dict)
        and isinstance(entry.get("name"), str)
        and bool(entry["name"].strip())
        and isinstance(entry.get("settings"), dict)
    )


_PRICE_KEYS = frozenset({"input", "output", "cached_input"})


def _price_number(value: Any) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and value >= 0
    )


def _valid_price(model: Any, entry: Any) -> bool:
    """A price override: input and output required, cached input optional (None: none)."""
    return (
        isinstance(model, str)
        and bool(model.strip())
        and isinstance(entry, dict)
        and set(entry) <= _PRICE_KEYS
        and _price_number(entry.get("input"))
        and _price_number(entry.get("output"))
        and (entry.get("cached_input") is None or _price_number(entry["cached_input"]))
    )


def _valid_tool_name(entry: Any) -> bool:
    return isinstance(entry, str) and bool(entry.strip())


def _normalised(name: str, value: Any) -> Any:
    """A valid value in its stored form (MCP servers get every key, in order)."""
    if name == "mcp_servers":
        return servers_to_json(servers_from_json(value))
    return value


def _salvage(name: str, value: Any) -> Any:
    """The good entries of a bad list or dict field, or None when nothing can be kept."""
    if name == "presets" and isinstance(value, list):
        return [entry for entry in value if _valid_preset(entry)]
    if name == "mcp_servers" and isinstance(value, list):
        return servers_to_json(servers_from_json(value))
    if name == "always_allowed_tools" and isinstance(value, list):
        return [entry for entry in value if _valid_tool_name(entry)]
    if name == "prices" and isinstance(value, dict):
        return {model: entry for model, entry in value.items() if _valid_price(model, entry)}
    return None


def _keep_aside(path: Path) -> Path | None:
    """Rename ``path`` to ``<name>.bad-<timestamp>``; returns the new path or None."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.name}.bad-{stamp}")
    counter = 1
    while target.exists():
        target = path.with_name(f"{path.name}.bad-{stamp}-{counter}")
        counter += 1
    try:
        os.replace(path, target)
    except OSError:
        _log.warning("could not move the bad settings file %s aside", path, exc_info=True)
        return None
    return target


def load_settings(path: Path) -> Settings:
    """Read the settings from ``path``; never raises.

    A missing or unreadable file gives the defaults. A file that is not a JSON object
    is moved aside and gives the defaults. Fields of the wrong type get their defaults
    (a list or dict field whose container is right keeps its good entries); the
    original file is moved aside and the repaired settings are written back (best
    effort).
    """
    try:
        raw_text = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        return Settings()
    except (OSError, UnicodeDecodeError):
        _log.warning("could not read settings from %s", path, exc_info=True)
        if path.is_file():
            _keep_aside(path)
        return Settings()
    try:
        data = json.loads(raw_text)
    except ValueError:
        data = None
    if not isinstance(data, dict):
        moved = _keep_aside(path)
        _log.warning("settings file %s is corrupt; kept as %s, using defaults", path, moved)
        return Settings()

    settings = Settings()
    bad: list[str] = []
    for name in _FIELD_NAMES:
        if name not in data:
            continue
        value = data[name]
        if _valid(name, value):
            setattr(settings, name, _normalised(name, value))
            continue
        bad.append(name)
        salvaged = _salvage(name, value)
        if salvaged is not None:
            setattr(settings, name, salvaged)
    settings.extra = {k: v for k, v in data.items() if k not in _FIELD_NAMES}
    if bad:
        moved = _keep_aside(path)
        _log.warning("settings %s had bad values for %s; original kept as %s", path, bad, moved)
        try:
            save_settings(path, settings)
        except OSError:
            _log.warning("could not write repaired settings to %s", path, exc_info=True)
    return settings


def settings_to_json(settings: Settings) -> dict[str, Any]:
    """The settings as the JSON object stored on disk (fields first, then extras)."""
    data: dict[str, Any] = {name: getattr(settings, name) for name in _FIELD_NAMES}
    for key, value in settings.extra.items():
        if key not in data:
            data[key] = value
    return data


def save_settings(path: Path, settings: Settings) -> None:
    """Write the settings to ``path`` atomically (temp file, fsync, ``os.replace``).

    Raises:
        OSError: When the file cannot be written; the old file is then unchanged.
        TypeError: When ``extra`` holds a value JSON cannot represent.
    """
    text = json.dumps(settings_to_json(settings), indent=2, ensure_ascii=False) + "\n"
    atomic_write_bytes(path, text.encode("utf-8"))
