"""The model catalogue: what the app knows about each MiMo model, and what it costs.

The facts live in ``models.json`` next to this module (data, not code), loaded once.
The catalogue describes capabilities; which models an account may actually use comes
from ``GET /v1/models`` and is combined with the catalogue by :func:`merge_remote`.
An id the catalogue does not know is treated as a text-only model with conservative
limits.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from importlib.resources import files
from typing import Any

# Flash is the default: it is the fast, cheap, high-throughput chat model, so a first
# message answers quickly and costs little. Pro (slow, thinking on) is one click away.
DEFAULT_MODEL = "mimo-v2-flash"

# The four main V2 models: the picker's list when the server's model list is unknown.
MAIN_MODELS = ("mimo-v2-pro", "mimo-v2-flash", "mimo-v2-omni", "mimo-v2-tts")

# Limits assumed for a model the catalogue does not know.
UNKNOWN_CONTEXT_TOKENS = 32_000
UNKNOWN_MAX_OUTPUT_TOKENS = 4_096


class Capability(StrEnum):
    """What a model can take in or produce."""

    TEXT = "text"
    IMAGE = "image"
    AUDIO = "audio"
    VIDEO = "video"
    SPEECH = "speech"
    TOOLS = "tools"
    REASONING = "reasoning"


_MEDIA = frozenset({Capability.IMAGE, Capability.AUDIO, Capability.VIDEO})


@dataclass(frozen=True)
class ModelSpec:
    """One model as the app understands it.

    Attributes:
        id: The model id sent to the API (lower-case for catalogue models).
        label: Display name.
        summary: One-line description for the picker.
        capabilities: What the model accepts or produces.
        context_tokens: Context window in tokens.
        max_output_tokens: Largest completion the model produces.
        default_temperature: The platform's default, or None when unknown / not sent.
        thinking_default: Whether thinking is on by default; None when not applicable
            or unknown.
        known: False for ids the catalogue does not know (guessed, text-only).
        note: Caveats about doubtful facts, if any.
    """

    id: str
    label: str
    summary: str
    capabilities: frozenset[Capability]
    context_tokens: int
    max_output_tokens: int
    default_temperature: float | None
    thinking_default: bool | None
    known: bool = True
    note: str | None = None

    @property
    def is_speech(self) -> bool:
        """True for speech-synthesis (TTS) models."""
        return Capability.SPEECH in self.capabilities

    @property
    def accepts_media(self) -> bool:
        """True when the model takes images, audio or video as input."""
        return bool(self.capabilities & _MEDIA)

    def capability_text(self) -> str:
        """Short human text, e.g. ``"Text · Image · Audio · Video · 256K context"``."""
        parts = [cap.value.capitalize() for cap in Capability if cap in self.capabilities]
        parts.append(f"{format_tokens(self.context_tokens)} context")
        return " · ".join(parts)


@dataclass(frozen=True)
class Price:
    """USD per million tokens. ``cached_input`` None means no reduced rate is known."""

    input: float
    output: float
    cached_input: float | None = None


def format_tokens(count: int) -> str:
    """Compact token count: ``1000000 -> "1M"``, ``4096 -> "4.1K"``, ``500 -> "500"``."""
    for unit, suffix in ((1_000_000, "M"), (1_000, "K")):
        if count >= unit:
            return f"{count / unit:.1f}".rstrip("0").rstrip(".") + suffix
    return str(count)


def _spec_from_json(raw: Mapping[str, Any]) -> ModelSpec:
    temperature = raw["default_temperature"]
    thinking = raw["thinking_default"]
    spec = ModelSpec(
        id=str(raw["id"]).lower(),
        label=str(raw["label"]),
        summary=str(raw["summary"]),
        capabilities=frozenset(Capability(c) for c in raw["capabilities"]),
        context_tokens=int(raw["context_tokens"]),
        max_output_tokens=int(raw["max_output_tokens"]),
        default_temperature=None if temperature is None else float(temperature),
        thinking_default=None if thinking is None else bool(thinking),
        note=raw.get("note"),
    )
    if spec.context_tokens <= 0 or spec.max_output_tokens <= 0 or not spec.capabilities:
        raise ValueError(f"models.json: bad entry for {spec.id!r}")
    return spec


@dataclass(frozen=True)
class _Catalogue:
    models: tuple[ModelSpec, ...]
    by_id: Mapping[str, ModelSpec]
    prices: Mapping[str, Price]


@cache
def _catalogue() -> _Catalogue:
    data = json.loads(files("app.core").joinpath("models.json").read_text(encoding="utf-8"))
    models = tuple(_spec_from_json(entry) for entry in data["models"])
    by_id = {spec.id: spec for spec in models}
    if len(by_id) != len(models):
        raise ValueError("models.json: duplicate model ids")
    prices: dict[str, Price] = {}
    for model_id, raw in data["prices"].items():
        if model_id == "comment":
            continue
        cached = raw.get("cached_input")
        prices[model_id.lower()] = Price(
            input=float(raw["input"]),
            output=float(raw["output"]),
            cached_input=None if cached is None else float(cached),
        )
    return _Catalogue(models=models, by_id=by_id, prices=prices)


def known_models() -> tuple[ModelSpec, ...]:
    """Every catalogue model, in picker order."""
    return _catalogue().models


def _lookup(model_id: str) -> ModelSpec | None:
    return _catalogue().by_id.get(model_id.strip().lower())


def spec_for(model_id: str) -> ModelSpec:
    """The spec for ``model_id`` (case-insensitive).

    An unknown id gets a text-only spec with conservative limits, ``known=False`` and
    the id itself (as given) as label and id.
    """
    spec = _lookup(model_id)
    if spec is not None:
        return spec
    model_id = model_id.strip()
    return ModelSpec(
        id=model_id,
        label=model_id,
        summary="Not in the catalogue; treated as a text-only model",
        capabilities=frozenset({Capability.TEXT}),
        context_tokens=UNKNOWN_CONTEXT_TOKENS,
        max_output_tokens=UNKNOWN_MAX_OUTPUT_TOKENS,
        default_temperature=None,
        thinking_default=None,
        known=False,
    )


def merge_remote(remote_ids: Iterable[str]) -> list[ModelSpec]:
    """The model picker's list, built from the ids ``GET /v1/models`` returned.

    Known ids come first in catalogue order, then unknown ids sorted
    (case-insensitively). Duplicates and blank ids are dropped. With no remote ids
    (the list could not be fetched), the four main V2 models are offered.
    """
    known: dict[str, ModelSpec] = {}
    unknown: dict[str, ModelSpec] = {}
    for raw_id in remote_ids:
        if not raw_id.strip():
            continue
        spec = spec_for(raw_id)
        target = known if spec.known else unknown
        target.setdefault(spec.id.lower(), spec)
    if not known and not unknown:
        return [spec_for(model_id) for model_id in MAIN_MODELS]
    ordered = [spec for spec in known_models() if spec.id in known]
    ordered.extend(unknown[key] for key in sorted(unknown))
    return ordered


def price_for(model_id: str) -> Price | None:
    """The price of ``model_id`` (case-insensitive), or None when unknown."""
    return _catalogue().prices.get(model_id.strip().lower())


def cost_usd(
    model_id: str, prompt_tokens: int, cached_tokens: int, completion_tokens: int
) -> float | None:
    """Cost of one request in USD, or None when the model's price is unknown.

    ``cached_tokens`` are part of ``prompt_tokens``; they are billed at the cached rate
    when the model has one, else at the input rate. Counts are clamped into range
    (negative -> 0, cached -> at most prompt) so odd usage data never raises.
    """
    price = price_for(model_id)
    if price is None:
        return None
    prompt = max(0, prompt_tokens)
    cached = min(max(0, cached_tokens), prompt)
    completion = max(0, completion_tokens)
    cached_rate = price.input if price.cached_input is None else price.cached_input
    total = (prompt - cached) * price.input + cached * cached_rate + completion * price.output
    return total / 1_000_000
