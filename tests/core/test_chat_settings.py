"""Tests of per-conversation chat settings, their limits, JSON form and presets."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest

from app.api.openai_wire import ChatRequest, build_chat_body
from app.core.chat_settings import (
    BUILTIN_PRESETS,
    MAX_TOKENS_MAX,
    TEMPERATURE_MAX,
    TOP_P_DEFAULT,
    TOP_P_MIN,
    ChatSettings,
    Preset,
    add_preset,
    defaults_for,
    delete_preset,
    effective,
    has_thinking_switch,
    max_tokens_limit,
    preset_name_problem,
    presets_from_settings,
    presets_to_json,
    request_options,
    store_presets,
    system_message,
    user_presets,
)
from app.core.settings import Settings, load_settings, save_settings

FULL = ChatSettings(
    model="mimo-v2-pro",
    system_prompt="Be brief.",
    temperature=0.7,
    top_p=0.8,
    max_output_tokens=2048,
    thinking=False,
)


def test_limits_follow_the_api_doc() -> None:
    assert TEMPERATURE_MAX == 1.5
    assert TOP_P_MIN == 0.01
    assert TOP_P_DEFAULT == 0.95
    assert MAX_TOKENS_MAX == 131_072


def test_max_tokens_limit_is_the_model_limit_under_the_api_ceiling() -> None:
    assert max_tokens_limit("mimo-v2-flash") == 64_000
    assert max_tokens_limit("mimo-v2-pro") == 128_000
    assert max_tokens_limit("mimo-v2-tts") == 8_000
    assert max_tokens_limit("some-local-model") == 4_096  # the catalogue's guess


def test_defaults_come_from_the_catalogue() -> None:
    assert defaults_for("mimo-v2-flash") == ChatSettings(
        model="mimo-v2-flash", temperature=0.3, top_p=0.95, max_output_tokens=None, thinking=False
    )
    assert defaults_for("mimo-v2-pro").temperature == 1.0
    assert defaults_for("mimo-v2-pro").thinking is True
    unknown = defaults_for("local-model")
    assert unknown.temperature is None and unknown.thinking is None


def test_settings_within_limits_have_no_problems() -> None:
    assert FULL.validate() == []
    assert ChatSettings(model="mimo-v2-flash").validate() == []


@pytest.mark.parametrize(
    ("settings", "word"),
    [
        (ChatSettings(model="mimo-v2-flash", temperature=1.6), "Temperature"),
        (ChatSettings(model="mimo-v2-flash", temperature=-0.1), "Temperature"),
        (ChatSettings(model="mimo-v2-flash", temperature=math.nan), "Temperature"),
        (ChatSettings(model="mimo-v2-flash", top_p=0.0), "Top p"),
        (ChatSettings(model="mimo-v2-flash", top_p=1.01), "Top p"),
        (ChatSettings(model="mimo-v2-flash", max_output_tokens=0), "Max output"),
        (ChatSettings(model="mimo-v2-flash", max_output_tokens=64_001), "Max output"),
        (ChatSettings(model=" "), "model"),
    ],
)
def test_out_of_range_values_are_reported(settings: ChatSettings, word: str) -> None:
    problems = settings.validate()
    assert len(problems) == 1
    assert word in problems[0]


def test_clamping_pulls_values_into_the_model_limits() -> None:
    wild = ChatSettings(
        model="mimo-v2-flash", temperature=9.0, top_p=0.0, max_output_tokens=10**9, thinking=True
    )
    clamped = wild.clamped()
    assert clamped.temperature == 1.5
    assert clamped.top_p == 0.01
    assert clamped.max_output_tokens == 64_000
    assert clamped.thinking is True
    assert clamped.validate() == []
    low = ChatSettings(model="mimo-v2-pro", temperature=-3.0, max_output_tokens=-5).clamped()
    assert low.temperature == 0.0
    assert low.max_output_tokens == 1


def test_clamping_turns_nan_and_infinity_into_the_default() -> None:
    clamped = ChatSettings(model="mimo-v2-pro", temperature=math.nan, top_p=math.inf).clamped()
    assert clamped.temperature is None
    assert clamped.top_p is None


def test_json_round_trip_keeps_every_field() -> None:
    stored = json.loads(json.dumps(FULL.to_json()))
    assert ChatSettings.from_json(stored, "mimo-v2-flash") == FULL


def test_defaults_round_trip_as_nulls() -> None:
    settings = ChatSettings(model="mimo-v2-omni")
    stored = settings.to_json()
    assert stored["temperature"] is None and stored["thinking"] is None
    assert ChatSettings.from_json(stored, "mimo-v2-flash") == settings


@pytest.mark.parametrize("data", [None, [], "settings", 42, {}])
def test_from_json_of_nothing_usable_gives_the_fallback_model(data: Any) -> None:
    assert ChatSettings.from_json(data, "mimo-v2-flash") == ChatSettings(model="mimo-v2-flash")


def test_from_json_turns_wrongly_typed_values_into_defaults() -> None:
    data = {
        "model": 7,
        "system_prompt": ["not", "text"],
        "temperature": "hot",
        "top_p": True,
        "max_output_tokens": 12.5,
        "thinking": "yes",
    }
    assert ChatSettings.from_json(data, "mimo-v2-pro") == ChatSettings(model="mimo-v2-pro")


def test_from_json_accepts_ints_for_floats_and_whole_floats_for_ints() -> None:
    data = {"model": "mimo-v2-pro", "temperature": 1, "top_p": 1, "max_output_tokens": 4096.0}
    settings = ChatSettings.from_json(data, "x")
    assert settings.temperature == 1.0 and isinstance(settings.temperature, float)
    assert settings.top_p == 1.0
    assert settings.max_output_tokens == 4096 and isinstance(settings.max_output_tokens, int)


def test_from_json_clamps_out_of_range_numbers() -> None:
    data = {"model": "mimo-v2-flash", "temperature": 3, "max_output_tokens": 500_000}
    settings = ChatSettings.from_json(data, "x")
    assert settings.temperature == 1.5
    assert settings.max_output_tokens == 64_000


def test_from_json_never_keeps_an_api_key() -> None:
    data = {**FULL.to_json(), "api_key": "sk-secret", "headers": {"Authorization": "Bearer x"}}
    settings = ChatSettings.from_json(data, "x")
    assert settings == FULL
    text = json.dumps(settings.to_json())
    assert "sk-secret" not in text and "Bearer" not in text
    assert set(settings.to_json()) == {
        "model",
        "system_prompt",
        "temperature",
        "top_p",
        "max_output_tokens",
        "thinking",
        "tools",
    }


def test_request_options_send_only_what_is_set() -> None:
    assert request_options(ChatSettings(model="mimo-v2-flash")) == {}
    assert request_options(FULL) == {
        "temperature": 0.7,
        "top_p": 0.8,
        "max_completion_tokens": 2048,
        "thinking": False,
    }


def test_request_options_fit_chat_request_and_reach_the_body() -> None:
    request = ChatRequest(model=FULL.model, messages=[], **request_options(FULL))
    body = build_chat_body(request, stream=True)
    assert body["temperature"] == 0.7
    assert body["top_p"] == 0.8
    assert body["max_completion_tokens"] == 2048
    assert body["thinking"] == {"type": "disabled"}


def test_thinking_is_sent_only_to_models_with_a_thinking_default() -> None:
    assert has_thinking_switch("mimo-v2-flash")
    assert not has_thinking_switch("mimo-v2-tts")
    assert not has_thinking_switch("local-model")
    for model in ("mimo-v2-tts", "mimo-v2.5-pro", "local-model"):
        options = request_options(ChatSettings(model=model, thinking=True, temperature=0.5))
        assert options == {"temperature": 0.5}
        assert effective(ChatSettings(model=model, thinking=True)).thinking is None
    assert request_options(ChatSettings(model="mimo-v2-flash", thinking=True)) == {"thinking": True}


def test_request_options_are_clamped_to_the_model() -> None:
    options = request_options(ChatSettings(model="mimo-v2-tts", max_output_tokens=100_000))
    assert options == {"max_completion_tokens": 8_000}


def test_system_message_only_for_a_non_blank_prompt() -> None:
    assert system_message(ChatSettings(model="m", system_prompt="  \n")) is None
    assert system_message(FULL) == {"role": "system", "content": "Be brief."}


# -- presets ----------------------------------------------------------------------------


def test_builtin_presets_are_as_described() -> None:
    by_name = {preset.name: preset for preset in BUILTIN_PRESETS}
    coding = by_name["Precise coding"].settings
    assert coding.model == "mimo-v2-pro"
    assert coding.temperature is not None and coding.temperature < 0.5
    creative = by_name["Creative writing"].settings
    assert creative.model == "mimo-v2-flash"
    assert creative.temperature is not None and creative.temperature > 1.0
    quick = by_name["Quick answers"].settings
    assert quick.model == "mimo-v2-flash" and quick.thinking is False
    assert all(preset.builtin for preset in BUILTIN_PRESETS)
    assert all(preset.settings.validate() == [] for preset in BUILTIN_PRESETS)


def test_fresh_settings_offer_only_the_builtin_presets() -> None:
    assert presets_from_settings(Settings()) == list(BUILTIN_PRESETS)


def test_user_presets_round_trip_through_the_settings_file(tmp_path: Any) -> None:
    mine = add_preset(BUILTIN_PRESETS, "Terse", FULL)
    settings = Settings()
    store_presets(settings, list(BUILTIN_PRESETS) + mine)
    assert [entry["name"] for entry in settings.presets] == ["Terse"]  # no built-ins stored
    path = tmp_path / "settings.json"
    save_settings(path, settings)
    loaded = presets_from_settings(load_settings(path))
    assert loaded == [*BUILTIN_PRESETS, Preset("Terse", FULL)]


def test_corrupt_preset_entries_are_skipped() -> None:
    settings = Settings(
        presets=[
            {"name": "Good", "settings": {"model": "mimo-v2-pro", "temperature": 0.4}},
            {"name": "", "settings": {}},
            {"name": "No settings"},
            {"name": "Bad values", "settings": {"temperature": "hot", "model": 3}},
            {"name": "good", "settings": {"model": "mimo-v2-omni"}},  # repeats "Good"
            {"name": "Quick answers", "settings": {"model": "mimo-v2-pro"}},  # a built-in's
            "not a dict",  # type: ignore[list-item]
        ]
    )
    user = user_presets(presets_from_settings(settings))
    assert user == [
        Preset("Good", ChatSettings(model="mimo-v2-pro", temperature=0.4)),
        Preset("Bad values", ChatSettings(model=Settings().model)),
    ]


def test_adding_a_preset_with_an_existing_name_replaces_it_in_place() -> None:
    presets = add_preset([], "One", ChatSettings(model="mimo-v2-pro"))
    presets = add_preset(presets, "Two", ChatSettings(model="mimo-v2-flash"))
    presets = add_preset(presets, " one ", ChatSettings(model="mimo-v2-omni"))
    assert [(p.name, p.settings.model) for p in presets] == [
        ("one", "mimo-v2-omni"),
        ("Two", "mimo-v2-flash"),
    ]


@pytest.mark.parametrize("name", ["", "   ", "Quick answers", "  precise CODING ", "x" * 61])
def test_bad_preset_names_are_refused(name: str) -> None:
    assert preset_name_problem(name) is not None
    with pytest.raises(ValueError):
        add_preset([], name, FULL)


def test_deleting_removes_a_user_preset_and_refuses_a_builtin() -> None:
    presets = add_preset(BUILTIN_PRESETS, "Mine", FULL)
    assert delete_preset([*BUILTIN_PRESETS, *presets], "mine") == []
    assert delete_preset(presets, "Not there") == presets
    with pytest.raises(ValueError):
        delete_preset(presets, "Creative writing")


def test_presets_to_json_leaves_builtins_out() -> None:
    data = presets_to_json([*BUILTIN_PRESETS, Preset("Mine", FULL)])
    assert data == [{"name": "Mine", "settings": FULL.to_json()}]


def test_the_enabled_tools_round_trip_and_bad_entries_are_dropped() -> None:
    settings = ChatSettings(model="m", tools=("calculate", "demo__echo"))
    assert ChatSettings.from_json(settings.to_json(), "x").tools == ("calculate", "demo__echo")
    raw = {"model": "m", "tools": ["a", 3, "", "a", None, "b"]}
    assert ChatSettings.from_json(raw, "x").tools == ("a", "b")
    assert ChatSettings.from_json({"model": "m", "tools": "a"}, "x").tools == ()
