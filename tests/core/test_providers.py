"""Tests of the provider presets, URL normalising and key warnings."""

from __future__ import annotations

import pytest

from app.core.providers import (
    CUSTOM_PROVIDER_ID,
    DEFAULT_PROVIDER_ID,
    PRESETS,
    key_warning,
    normalise_base_url,
    preset,
    wire_for,
)
from app.core.settings import Settings


def test_presets_have_the_documented_urls_and_wires() -> None:
    expected = {
        "mimo-v2": ("https://api.mimo-v2.com/v1", "openai"),
        "xiaomi": ("https://api.xiaomimimo.com/v1", "openai"),
        "xiaomi-anthropic": ("https://api.xiaomimimo.com/anthropic", "anthropic"),
        "token-plan-cn": ("https://token-plan-cn.xiaomimimo.com/v1", "openai"),
        "token-plan-sgp": ("https://token-plan-sgp.xiaomimimo.com/v1", "openai"),
        "token-plan-ams": ("https://token-plan-ams.xiaomimimo.com/v1", "openai"),
        "custom": ("", "openai"),
    }
    assert {pid: (p.base_url, p.wire) for pid, p in PRESETS.items()} == expected


def test_default_first_custom_last() -> None:
    ids = list(PRESETS)
    assert ids[0] == DEFAULT_PROVIDER_ID == "mimo-v2"
    assert ids[-1] == CUSTOM_PROVIDER_ID


def test_key_hints_and_key_pages() -> None:
    for region in ("cn", "sgp", "ams"):
        assert PRESETS[f"token-plan-{region}"].key_hint.startswith("tp-")
    assert PRESETS["xiaomi"].key_hint.startswith("sk-")
    assert PRESETS["xiaomi"].keys_url == "https://platform.xiaomimimo.com"
    assert PRESETS["custom"].keys_url is None


def test_every_preset_url_survives_normalising() -> None:
    for p in PRESETS.values():
        if p.base_url:
            assert normalise_base_url(p.base_url) == p.base_url


def test_unknown_preset_id_gives_custom() -> None:
    assert preset("no-such-provider") is PRESETS["custom"]
    assert preset("xiaomi") is PRESETS["xiaomi"]


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("  https://api.example.com/v1//  ", "https://api.example.com/v1"),
        ("HTTP://localhost:8080", "http://localhost:8080"),
        ("http://127.0.0.1:1234/v1/", "http://127.0.0.1:1234/v1"),
        ("https://[::1]:8443/api", "https://[::1]:8443/api"),
    ],
)
def test_normalise_cleans_good_urls(raw: str, clean: str) -> None:
    assert normalise_base_url(raw) == clean


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        ("", "Enter the server address"),
        ("   ", "Enter the server address"),
        ("api.example.com/v1", "https:// or http://"),
        ("ftp://example.com", "https:// or http://"),
        ("https://", "no host"),
        ("https:///v1", "no host"),
        ("https://example.com:99999/v1", "port"),
        ("https://exa mple.com", "spaces"),
        ("https://example.com/v1?x=1", "'?' or '#'"),
        ("https://example.com/v1#top", "'?' or '#'"),
    ],
)
def test_normalise_rejects_bad_urls_with_a_readable_message(raw: str, words: str) -> None:
    with pytest.raises(ValueError, match=r"^(The|Enter) ") as info:
        normalise_base_url(raw)
    assert words in str(info.value)


def test_token_plan_key_on_pay_as_you_go_preset_warns() -> None:
    warning = key_warning(PRESETS["xiaomi"], "tp-abc123")
    assert warning is not None
    assert "Token Plan" in warning
    assert "abc123" not in warning


def test_pay_as_you_go_key_on_token_plan_preset_warns() -> None:
    warning = key_warning(PRESETS["token-plan-sgp"], "  sk-secretvalue ")
    assert warning is not None
    assert "pay-as-you-go" in warning
    assert "secretvalue" not in warning


@pytest.mark.parametrize(
    ("preset_id", "key"),
    [
        ("xiaomi", "sk-abc"),
        ("xiaomi-anthropic", "sk-abc"),
        ("token-plan-cn", "tp-abc"),
        ("custom", "tp-abc"),
        ("custom", "sk-abc"),
        ("xiaomi", "other-shape"),
        ("xiaomi", ""),
    ],
)
def test_matching_or_unknown_keys_give_no_warning(preset_id: str, key: str) -> None:
    assert key_warning(PRESETS[preset_id], key) is None


@pytest.mark.parametrize(
    ("provider_id", "stored", "wire"),
    [
        ("xiaomi-anthropic", "openai", "anthropic"),  # a preset's own format wins
        ("xiaomi", "anthropic", "openai"),
        ("mimo-v2", "anthropic", "openai"),
        ("token-plan-sgp", "anthropic", "openai"),
        ("custom", "anthropic", "anthropic"),  # the custom endpoint: the user's choice
        ("custom", "openai", "openai"),
        ("no-such-provider", "anthropic", "anthropic"),  # unknown ids count as custom
        ("custom", "gemini", "openai"),  # a bad stored value falls back to the default
    ],
)
def test_wire_for_takes_the_presets_wire_or_the_custom_choice(
    provider_id: str, stored: str, wire: str
) -> None:
    assert wire_for(Settings(provider_id=provider_id, wire=stored)) == wire
