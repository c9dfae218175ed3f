"""The model catalogue: what the app knows about each MiMo model, and what it costs.

The facts live in ``models.json`` next to this module (data, not code), loaded once.
The catalogue describes capabilities; which models an account may actually use comes
from ``GET /v1/models`` and is combined with the catalogue by :func:`merge_remote`.
An id the catalogue does not know is treated as a text-only model with conservative
limits.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from importlib.resources import files
from types import MappingProxyType
from typing import Any

from app.api.translation import translate

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
        """Short human text, e.g. ``"Text · Image · Audio · Video · 256K context"``, in
        the user's language."""
        names = capability_names()
        parts = [names[cap] for cap in Capability if cap in self.capabilities]
        parts.append(
            translate("Catalogue", "{tokens} context").format(
                tokens=format_tokens(self.context_tokens)
            )
        )
        return " · ".join(parts)

    def summary_text(self) -> str:
        """:attr:`summary` in the user's language (``models.json`` holds the English)."""
        if not self.known:
            return translate("Catalogue", "Not in the catalogue; treated as a text-only model")
        return summary_texts().get(self.summary, self.summary)


def capability_names() -> dict[Capability, str]:
    """Each capability's name for people, in their language."""
    return {
        Capability.TEXT: translate("Catalogue", "Text"),
        Capability.IMAGE: translate("Catalogue", "Image"),
        Capability.AUDIO: translate("Catalogue", "Audio"),
        Capability.VIDEO: translate("Catalogue", "Video"),
        Capability.SPEECH: translate("Catalogue", "Speech"),
        Capability.TOOLS: translate("Catalogue", "Tools"),
        Capability.REASONING: translate("Catalogue", "Reasoning"),
    }


def summary_texts() -> dict[str, str]:
    """The summaries of ``models.json`` (English, as written there) in the user's
    language; written out here so that lupdate finds them."""
    return {
        "Complex reasoning and coding": translate("Catalogue", "Complex reasoning and coding"),
        "Fast, cheap, high throughput": translate("Catalogue", "Fast, cheap, high throughput"),
        "Image, audio and video understanding": translate(
            "Catalogue", "Image, audio and video understanding"
        ),
        "Speech synthesis": translate("Catalogue", "Speech synthesis"),
        "Reasoning, coding and agents": translate("Catalogue", "Reasoning, coding and agents"),
        "Omnimodal: text, image, audio and video": translate(
            "Catalogue", "Omnimodal: text, image, audio and video"
        ),
        "Speech synthesis, more voices": translate("Catalogue", "Speech synthesis, more voices"),
        "Speech synthesis with a voice described in words": translate(
            "Catalogue", "Speech synthesis with a voice described in words"
        ),
        "Speech synthesis in a voice cloned from a sample": translate(
            "Catalogue", "Speech synthesis in a voice cloned from a sample"
        ),
        "Speech recognition (audio to text)": translate(
            "Catalogue", "Speech recognition (audio to text)"
        ),
    }


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


def catalogue_prices() -> Mapping[str, Price]:
    """Every catalogue price, by lower-case model id (read-only)."""
    return MappingProxyType(dict(_catalogue().prices))


def price_for(model_id: str) -> Price | None:
    """The catalogue price of ``model_id`` (case-insensitive), or None when unknown.

    The user's overrides are not applied here; use :class:`PriceTable` for those.
    """
    return _catalogue().prices.get(model_id.strip().lower())


def _cost(price: Price, prompt_tokens: int, cached_tokens: int, completion_tokens: int) -> float:
    prompt = max(0, prompt_tokens)
    cached = min(max(0, cached_tokens), prompt)
    completion = max(0, completion_tokens)
    cached_rate = price.input if price.cached_input is None else price.cached_input
    total = (prompt - cached) * price.input + cached * cached_rate + completion * price.output
    return total / 1_000_000


def cost_usd(
    model_id: str, prompt_tokens: int, cached_tokens: int, completion_tokens: int
) -> float | None:
    """Cost of one request in USD at catalogue prices, or None when the price is unknown.

    ``cached_tokens`` are part of ``prompt_tokens``; they are billed at the cached rate
    when the model has one, else at the input rate. Counts are clamped into range
    (negative -> 0, cached -> at most prompt) so odd usage data never raises.
    """
    price = price_for(model_id)
    if price is None:
        return None
    return _cost(price, prompt_tokens, cached_tokens, completion_tokens)


def _price_number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return number if math.isfinite(number) and number >= 0 else None


def price_from_json(raw: Any) -> Price | None:
    """A :class:`Price` from ``{"input", "output", "cached_input"?}``; None when malformed.

    Input and output must be finite numbers >= 0; a missing or null ``cached_input``
    means no reduced rate, a bad one makes the whole entry malformed.
    """
    if not isinstance(raw, Mapping):
        return None
    input_rate = _price_number(raw.get("input"))
    output_rate = _price_number(raw.get("output"))
    raw_cached = raw.get("cached_input")
    cached_rate = None if raw_cached is None else _price_number(raw_cached)
    if (
        input_rate is None
        or output_rate is None
        or (raw_cached is not None and cached_rate is None)
    ):
        return None
    return Price(input=input_rate, output=output_rate, cached_input=cached_rate)


def price_to_json(price: Price) -> dict[str, float | None]:
    """The JSON shape of a price, as kept in ``Settings.prices``."""
    return {"input": price.input, "cached_input": price.cached_input, "output": price.output}


def same_price(first: Price | None, second: Price | None) -> bool:
    """True when both are None or all three rates match (to a millionth of a cent)."""
    if first is None or second is None:
        return first is second

    def close(a: float | None, b: float | None) -> bool:
        if a is None or b is None:
            return a is b
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)

    return (
        close(first.input, second.input)
        and close(first.output, second.output)
        and close(first.cached_input, second.cached_input)
    )


class PriceTable:
    """The catalogue's prices with the user's overrides on top.

    An override replaces the whole price of its model (all three rates). Model ids are
    matched case-insensitively. Malformed overrides are ignored, never raised.
    """

    def __init__(self, overrides: Mapping[str, Any] | None = None) -> None:
        self._overrides: dict[str, Price] = {}
        for model_id, raw in (overrides or {}).items():
            price = price_from_json(raw)
            if isinstance(model_id, str) and model_id.strip() and price is not None:
                self._overrides[model_id.strip().lower()] = price

    @property
    def overrides(self) -> Mapping[str, Price]:
        """The valid overrides, by lower-case model id."""
        return MappingProxyType(self._overrides)

    def price_for(self, model_id: str) -> Price | None:
        """The price in force for ``model_id``, or None when unknown."""
        key = model_id.strip().lower()
        override = self._overrides.get(key)
        return override if override is not None else price_for(key)

    def is_overridden(self, model_id: str) -> bool:
        """True when the user's price for ``model_id`` differs from the catalogue's."""
        key = model_id.strip().lower()
        return key in self._overrides and not same_price(self._overrides[key], price_for(key))

    def cost_usd(
        self, model_id: str, prompt_tokens: int, cached_tokens: int, completion_tokens: int
    ) -> float | None:
        """Like the module's :func:`cost_usd`, at the prices in force."""
        price = self.price_for(model_id)
        if price is None:
            return None
        return _cost(price, prompt_tokens, cached_tokens, completion_tokens)

    def model_ids(self) -> list[str]:
        """Every priced model: catalogue ones in catalogue order, then overrides sorted."""
        catalogue = list(_catalogue().prices)
        return catalogue + sorted(key for key in self._overrides if key not in catalogue)


UNKNOWN_MODEL = "unknown"


@dataclass(frozen=True)
class CostSummary:
    """Token totals and cost of a conversation's replies.

    Attributes:
        input_tokens: Prompt tokens, cached ones included.
        cached_tokens: The part of ``input_tokens`` read from the cache.
        output_tokens: Completion tokens, reasoning included.
        reasoning_tokens: The part of ``output_tokens`` spent thinking.
        total_tokens: Sum of the replies' ``total_tokens`` (input + output where absent).
        cost_usd: The whole cost in USD, or None when any reply that used tokens ran on
            a model without a known price: a partial sum would understate the bill, so
            it is only given as :attr:`priced_cost_usd`.
        priced_cost_usd: The cost of the replies whose price is known.
        unpriced_models: Sorted ids of the models without a price that used tokens
            (:data:`UNKNOWN_MODEL` for a reply with no model recorded).
        replies: How many usage records were counted.
    """

    input_tokens: int = 0
    cached_tokens: int = 0
    output_tokens: int = 0
    reasoning_tokens: int = 0
    total_tokens: int = 0
    cost_usd: float | None = 0.0
    priced_cost_usd: float = 0.0
    unpriced_models: tuple[str, ...] = ()
    replies: int = 0


def _count(usage: Mapping[str, Any], key: str) -> int | None:
    """A token count from a usage record; None when missing or malformed."""
    value = usage.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return max(0, int(value))


def conversation_cost(
    messages: Iterable[tuple[str | None, Mapping[str, Any] | None]],
    prices: PriceTable | None = None,
) -> CostSummary:
    """Sum the usage of a conversation's replies.

    Args:
        messages: ``(model id, usage)`` per message, usage as stored:
            ``{prompt_tokens, completion_tokens, cached_tokens, reasoning_tokens,
            total_tokens}``. Messages without usage (None, or not a mapping) are skipped;
            missing or malformed counts are 0; cached is clamped to prompt and reasoning
            to completion.
        prices: The prices in force; the catalogue's when None.

    Returns:
        The totals; see :class:`CostSummary` for when the cost is None.
    """
    table = prices if prices is not None else PriceTable()
    input_tokens = cached_tokens = output_tokens = reasoning_tokens = total_tokens = 0
    priced = 0.0
    unpriced: set[str] = set()
    replies = 0
    for model_id, usage in messages:
        if not isinstance(usage, Mapping):
            continue
        replies += 1
        prompt = _count(usage, "prompt_tokens") or 0
        cached = min(_count(usage, "cached_tokens") or 0, prompt)
        completion = _count(usage, "completion_tokens") or 0
        reasoning = min(_count(usage, "reasoning_tokens") or 0, completion)
        total = _count(usage, "total_tokens")
        input_tokens += prompt
        cached_tokens += cached
        output_tokens += completion
        reasoning_tokens += reasoning
        total_tokens += prompt + completion if total is None else total
        if prompt == 0 and completion == 0:
            continue
        cost = None if not model_id else table.cost_usd(model_id, prompt, cached, completion)
        if cost is None:
            unpriced.add(model_id.strip().lower() if model_id else UNKNOWN_MODEL)
        else:
            priced += cost
    return CostSummary(
        input_tokens=input_tokens,
        cached_tokens=cached_tokens,
        output_tokens=output_tokens,
        reasoning_tokens=reasoning_tokens,
        total_tokens=total_tokens,
        cost_usd=None if unpriced else priced,
        priced_cost_usd=priced,
        unpriced_models=tuple(sorted(unpriced)),
        replies=replies,
    )
