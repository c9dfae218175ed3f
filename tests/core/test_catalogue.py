"""Tests of the model catalogue and prices."""

from __future__ import annotations

import json
from importlib.resources import files

import pytest

from app.core.catalogue import (
    DEFAULT_MODEL,
    MAIN_MODELS,
    UNKNOWN_CONTEXT_TOKENS,
    Capability,
    ModelSpec,
    Price,
    cost_usd,
    format_tokens,
    known_models,
    merge_remote,
    price_for,
    spec_for,
)

# The table of MIMO_API.md: id, context, max output, default temperature, thinking default.
DOC_TABLE = [
    ("mimo-v2-pro", 1_000_000, 128_000, 1.0, True),
    ("mimo-v2-flash", 256_000, 64_000, 0.3, False),
    ("mimo-v2-omni", 256_000, 128_000, 1.0, True),
    ("mimo-v2-tts", 8_000, 8_000, 0.6, None),
]
NEWER_IDS = [
    "mimo-v2.5-pro",
    "mimo-v2.5",
    "mimo-v2.5-tts",
    "mimo-v2.5-tts-voicedesign",
    "mimo-v2.5-tts-voiceclone",
    "mimo-v2.5-asr",
]


@pytest.mark.parametrize(("model_id", "context", "max_out", "temperature", "thinking"), DOC_TABLE)
def test_doc_table_row_has_the_docs_numbers(
    model_id: str, context: int, max_out: int, temperature: float, thinking: bool | None
) -> None:
    spec = spec_for(model_id)
    assert spec.known
    assert spec.id == model_id
    assert spec.context_tokens == context
    assert spec.max_output_tokens == max_out
    assert spec.default_temperature == temperature
    assert spec.thinking_default is thinking


def test_catalogue_lists_doc_table_then_newer_ids_in_order() -> None:
    ids = [spec.id for spec in known_models()]
    assert ids == [row[0] for row in DOC_TABLE] + NEWER_IDS


def test_capabilities_of_the_main_models_follow_the_doc() -> None:
    pro, flash, omni, tts = (spec_for(m) for m in MAIN_MODELS)
    for chat in (pro, flash, omni):
        assert {Capability.TEXT, Capability.TOOLS, Capability.REASONING} <= chat.capabilities
        assert not chat.is_speech
    assert omni.accepts_media
    assert {Capability.IMAGE, Capability.AUDIO, Capability.VIDEO} <= omni.capabilities
    assert not pro.accepts_media
    assert not flash.accepts_media
    assert tts.is_speech
    assert tts.capabilities == frozenset({Capability.SPEECH})


def test_newer_tts_ids_are_speech_models_and_asr_is_not() -> None:
    for model_id in ("mimo-v2.5-tts", "mimo-v2.5-tts-voicedesign", "mimo-v2.5-tts-voiceclone"):
        assert spec_for(model_id).is_speech
    asr = spec_for("mimo-v2.5-asr")
    assert not asr.is_speech
    assert Capability.AUDIO in asr.capabilities


def test_every_guessed_newer_model_carries_a_note() -> None:
    for model_id in NEWER_IDS:
        note = spec_for(model_id).note
        assert note is not None
        assert "Doubtful" in note


def test_lookup_is_case_insensitive_and_ignores_spaces() -> None:
    assert spec_for("MiMo-V2-Omni") is spec_for("mimo-v2-omni")
    assert spec_for("  MIMO-V2-PRO ").id == "mimo-v2-pro"


def test_unknown_id_is_text_only_unknown_with_its_own_label() -> None:
    spec = spec_for("Some-Local-Model")
    assert not spec.known
    assert spec.id == "Some-Local-Model"
    assert spec.label == "Some-Local-Model"
    assert spec.capabilities == frozenset({Capability.TEXT})
    assert spec.context_tokens == UNKNOWN_CONTEXT_TOKENS
    assert spec.context_tokens < spec_for("mimo-v2-flash").context_tokens
    assert not spec.accepts_media
    assert not spec.is_speech


def test_default_model_is_flash_and_in_the_catalogue() -> None:
    assert DEFAULT_MODEL == "mimo-v2-flash"
    assert spec_for(DEFAULT_MODEL).known


def test_capability_text_lists_capabilities_and_context() -> None:
    assert spec_for("mimo-v2-omni").capability_text() == (
        "Text · Image · Audio · Video · Tools · Reasoning · 256K context"
    )
    assert spec_for("mimo-v2-pro").capability_text() == "Text · Tools · Reasoning · 1M context"
    assert spec_for("mimo-v2-tts").capability_text() == "Speech · 8K context"


@pytest.mark.parametrize(
    ("count", "text"),
    [(1_000_000, "1M"), (256_000, "256K"), (4_096, "4.1K"), (1_500_000, "1.5M"), (512, "512")],
)
def test_format_tokens_is_compact(count: int, text: str) -> None:
    assert format_tokens(count) == text


def test_merge_puts_known_ids_in_catalogue_order_then_unknown_sorted() -> None:
    merged = merge_remote(["zeta-model", "mimo-v2-tts", "Alpha", "MIMO-V2-PRO", "mimo-v2.5"])
    assert [spec.id for spec in merged] == [
        "mimo-v2-pro",
        "mimo-v2-tts",
        "mimo-v2.5",
        "Alpha",
        "zeta-model",
    ]
    assert [spec.known for spec in merged] == [True, True, True, False, False]


def test_merge_drops_duplicates_and_blank_ids() -> None:
    merged = merge_remote(["mimo-v2-flash", "MIMO-V2-FLASH", "", "  ", "x", "x"])
    assert [spec.id for spec in merged] == ["mimo-v2-flash", "x"]


def test_merge_of_nothing_offers_the_four_main_models() -> None:
    assert [spec.id for spec in merge_remote([])] == list(MAIN_MODELS)
    assert [spec.id for spec in merge_remote(iter(()))] == list(MAIN_MODELS)


def test_merge_does_not_offer_catalogue_models_the_server_lacks() -> None:
    merged = merge_remote(["mimo-v2-omni"])
    assert [spec.id for spec in merged] == ["mimo-v2-omni"]


def test_prices_match_the_doc() -> None:
    assert price_for("mimo-v2-pro") == Price(input=1.0, output=3.0, cached_input=0.2)
    assert price_for("mimo-v2-flash") == Price(input=0.1, output=0.3, cached_input=0.01)
    assert price_for("mimo-v2-omni") == Price(input=0.4, output=2.0, cached_input=None)
    assert price_for("MiMo-V2-TTS") == Price(input=0.0, output=0.0, cached_input=0.0)
    assert price_for("mimo-v2.5-pro") is None
    assert price_for("unknown") is None


def test_cost_bills_cached_tokens_at_the_cached_rate() -> None:
    # 1M prompt of which 400K cached, 1M completion on Pro.
    cost = cost_usd("mimo-v2-pro", 1_000_000, 400_000, 1_000_000)
    assert cost == pytest.approx(0.6 * 1.0 + 0.4 * 0.2 + 3.0)


def test_cost_bills_cached_tokens_at_input_rate_without_a_cached_rate() -> None:
    with_cache = cost_usd("mimo-v2-omni", 2_000_000, 1_000_000, 0)
    assert with_cache == pytest.approx(0.8)
    assert with_cache == cost_usd("mimo-v2-omni", 2_000_000, 0, 0)


def test_cost_is_none_for_unpriced_models_and_zero_for_tts() -> None:
    assert cost_usd("my-model", 10, 0, 10) is None
    assert cost_usd("mimo-v2-tts", 1000, 0, 1000) == 0.0


def test_cost_clamps_odd_usage_instead_of_raising() -> None:
    assert cost_usd("mimo-v2-flash", -5, 0, -1) == 0.0
    # More cached than prompt tokens: all prompt tokens count as cached.
    assert cost_usd("mimo-v2-flash", 1_000_000, 5_000_000, 0) == pytest.approx(0.01)


def test_models_json_entries_are_well_formed() -> None:
    data = json.loads(files("app.core").joinpath("models.json").read_text(encoding="utf-8"))
    for entry in data["models"]:
        assert entry["id"] == entry["id"].lower()
        for cap in entry["capabilities"]:
            Capability(cap)
    for model_id in data["prices"]:
        if model_id != "comment":
            assert spec_for(model_id).known, model_id


def test_model_spec_is_immutable() -> None:
    spec: ModelSpec = spec_for("mimo-v2-pro")
    with pytest.raises(AttributeError):
        spec.label = "x"  # type: ignore[misc]
