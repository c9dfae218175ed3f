"""Per-conversation chat settings (model, system prompt, sampling) and their presets.

A :class:`ChatSettings` travels as JSON in the conversations table's ``settings``
column; :meth:`ChatSettings.from_json` reads whatever is there without ever raising
(a wrongly-typed value becomes None, an out-of-range one is clamped), so a damaged row
cannot crash the app. None in a field means "the model's default": nothing is sent.

Presets are named settings. A few are built in (:data:`BUILTIN_PRESETS`): the user
sees them but cannot replace or delete them, and they are never stored. The user's own
presets live in ``Settings.presets`` as ``[{"name": str, "settings": {...}}]`` (the
inner object being :meth:`ChatSettings.to_json`).

Neither form ever holds an API key: only the known fields are read and written.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from app.api.translation import translate
from app.core.catalogue import spec_for
from app.core.settings import Settings

# Limits of the chat completions endpoint (MIMO_API.md).
TEMPERATURE_MIN = 0.0
TEMPERATURE_MAX = 1.5
TOP_P_MIN = 0.01
TOP_P_MAX = 1.0
TOP_P_DEFAULT = 0.95
MAX_TOKENS_MIN = 1
MAX_TOKENS_MAX = 131_072

PRESET_NAME_MAX = 60


def max_tokens_limit(model_id: str) -> int:
    """The largest ``max_completion_tokens`` worth asking ``model_id`` for."""
    return max(MAX_TOKENS_MIN, min(spec_for(model_id).max_output_tokens, MAX_TOKENS_MAX))


def has_thinking_switch(model_id: str) -> bool:
    """True when the model has a known thinking default, so the switch can be sent."""
    return spec_for(model_id).thinking_default is not None


def _number(value: Any) -> float | None:
    """A finite float from JSON, else None (bools are not numbers here)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _whole(value: Any) -> int | None:
    """An int from JSON (an integral float counts), else None."""
    number = _number(value)
    if number is None or not number.is_integer():
        return None
    return int(number)


def _clamp(value: float, low: float, high: float) -> float:
    return min(max(value, low), high)


@dataclass(frozen=True)
class ChatSettings:
    """How one conversation talks to the model.

    Attributes:
        model: Model id.
        system_prompt: Sent as a system message first; blank means none.
        temperature: 0-1.5; None: the model's default.
        top_p: 0.01-1.0; None: the model's default (0.95 on MiMo).
        max_output_tokens: ``max_completion_tokens``, 1 to the model's limit; None:
            the model's default.
        thinking: True/False switch thinking on/off; None: the model's default. Only
            sent to models with a thinking default (see :func:`has_thinking_switch`).
        tools: The names of the tools the model may call in this conversation (none:
            no ``tools`` are sent).
    """

    model: str
    system_prompt: str = ""
    temperature: float | None = None
    top_p: float | None = None
    max_output_tokens: int | None = None
    thinking: bool | None = None
    tools: tuple[str, ...] = ()

    def validate(self) -> list[str]:
        """Human-readable problems (in the user's language); empty when every value is
        within its limits."""
        problems: list[str] = []
        if not self.model.strip():
            problems.append(translate("ChatSettings", "No model is chosen."))
        temperature = self.temperature
        if temperature is not None and not (
            math.isfinite(temperature) and TEMPERATURE_MIN <= temperature <= TEMPERATURE_MAX
        ):
            problems.append(
                translate(
                    "ChatSettings", "Temperature must be between {low:g} and {high:g}."
                ).format(low=TEMPERATURE_MIN, high=TEMPERATURE_MAX)
            )
        top_p = self.top_p
        if top_p is not None and not (math.isfinite(top_p) and TOP_P_MIN <= top_p <= TOP_P_MAX):
            problems.append(
                translate("ChatSettings", "Top p must be between {low:g} and {high:g}.").format(
                    low=TOP_P_MIN, high=TOP_P_MAX
                )
            )
        limit = max_tokens_limit(self.model)
        tokens = self.max_output_tokens
        if tokens is not None and not MAX_TOKENS_MIN <= tokens <= limit:
            problems.append(
                translate(
                    "ChatSettings", "Max output tokens must be between {low} and {high}."
                ).format(low=MAX_TOKENS_MIN, high=limit)
            )
        return problems

    def clamped(self) -> ChatSettings:
        """A copy with every value pulled into its limits (NaN and infinity become None)."""
        temperature = _number(self.temperature)
        top_p = _number(self.top_p)
        tokens = self.max_output_tokens
        return replace(
            self,
            temperature=(
                None
                if temperature is None
                else _clamp(temperature, TEMPERATURE_MIN, TEMPERATURE_MAX)
            ),
            top_p=None if top_p is None else _clamp(top_p, TOP_P_MIN, TOP_P_MAX),
            max_output_tokens=(
                None
                if tokens is None
                else min(max(tokens, MAX_TOKENS_MIN), max_tokens_limit(self.model))
            ),
        )

    def to_json(self) -> dict[str, Any]:
        """The JSON object stored for a conversation or a preset."""
        return {
            "model": self.model,
            "system_prompt": self.system_prompt,
            "temperature": self.temperature,
            "top_p": self.top_p,
            "max_output_tokens": self.max_output_tokens,
            "thinking": self.thinking,
            "tools": list(self.tools),
        }

    @classmethod
    def from_json(cls, data: Any, fallback_model: str) -> ChatSettings:
        """Settings from stored JSON; never raises.

        Missing or wrongly-typed values become None (the model's default), or
        ``fallback_model`` / ``""`` for the model and the system prompt; numbers out of
        range are clamped. Unknown keys (an ``api_key`` among them) are ignored.
        """
        raw: Mapping[str, Any] = data if isinstance(data, Mapping) else {}
        model = raw.get("model")
        prompt = raw.get("system_prompt")
        thinking = raw.get("thinking")
        tools = raw.get("tools")
        settings = cls(
            model=model.strip() if isinstance(model, str) and model.strip() else fallback_model,
            system_prompt=prompt if isinstance(prompt, str) else "",
            temperature=_number(raw.get("temperature")),
            top_p=_number(raw.get("top_p")),
            max_output_tokens=_whole(raw.get("max_output_tokens")),
            thinking=thinking if isinstance(thinking, bool) else None,
            tools=tuple(dict.fromkeys(t for t in tools if isinstance(t, str) and t))
            if isinstance(tools, list)
            else (),
        )
        return settings.clamped()


def defaults_for(model_id: str) -> ChatSettings:
    """The values ``model_id`` uses when nothing is sent, as far as they are known.

    Temperature and thinking come from the catalogue (None when unknown), top p is the
    API's documented 0.95, and max output tokens is None (the model decides).
    """
    spec = spec_for(model_id)
    return ChatSettings(
        model=model_id,
        temperature=spec.default_temperature,
        top_p=TOP_P_DEFAULT,
        max_output_tokens=None,
        thinking=spec.thinking_default,
    )


def effective(settings: ChatSettings) -> ChatSettings:
    """What will actually be sent: clamped, and no thinking switch where it has none."""
    clamped = settings.clamped()
    if not has_thinking_switch(clamped.model):
        clamped = replace(clamped, thinking=None)
    return clamped


def request_options(settings: ChatSettings) -> dict[str, Any]:
    """Keyword arguments for ``ChatRequest``: only the values that are to be sent.

    Keys are among ``temperature``, ``top_p``, ``max_completion_tokens`` and
    ``thinking``; a value left to the model's default is absent, so
    ``ChatRequest(model=..., messages=..., **request_options(settings))`` works.
    """
    sent = effective(settings)
    options: dict[str, Any] = {
        "temperature": sent.temperature,
        "top_p": sent.top_p,
        "max_completion_tokens": sent.max_output_tokens,
        "thinking": sent.thinking,
    }
    return {key: value for key, value in options.items() if value is not None}


def system_message(settings: ChatSettings) -> dict[str, str] | None:
    """The system message to put first in the history, or None for a blank prompt."""
    if not settings.system_prompt.strip():
        return None
    return {"role": "system", "content": settings.system_prompt}


@dataclass(frozen=True)
class Preset:
    """Named chat settings; ``builtin`` presets ship with the app and cannot be changed."""

    name: str
    settings: ChatSettings
    builtin: bool = False


BUILTIN_PRESETS: tuple[Preset, ...] = (
    Preset(
        "Precise coding",
        ChatSettings(model="mimo-v2-pro", temperature=0.2, thinking=True),
        builtin=True,
    ),
    Preset(
        "Creative writing",
        ChatSettings(model="mimo-v2-flash", temperature=1.2),
        builtin=True,
    ),
    Preset(
        "Quick answers",
        ChatSettings(model="mimo-v2-flash", thinking=False),
        builtin=True,
    ),
)


def preset_label(preset: Preset) -> str:
    """A preset's name as shown: a built-in preset's in the user's language."""
    if not preset.builtin:
        return preset.name
    labels = {
        "Precise coding": translate("ChatSettings", "Precise coding"),
        "Creative writing": translate("ChatSettings", "Creative writing"),
        "Quick answers": translate("ChatSettings", "Quick answers"),
    }
    return labels.get(preset.name, preset.name)


def _name_key(name: str) -> str:
    return name.strip().casefold()


def is_builtin_name(name: str) -> bool:
    """True when ``name`` (case and spaces ignored) is a built-in preset's, as stored or
    as shown."""
    key = _name_key(name)
    return any(key in (_name_key(p.name), _name_key(preset_label(p))) for p in BUILTIN_PRESETS)


def preset_name_problem(name: str) -> str | None:
    """Why ``name`` cannot be used for a user preset (in the user's language), or None
    when it can."""
    if not name.strip():
        return translate("ChatSettings", "Enter a name for the preset.")
    if len(name.strip()) > PRESET_NAME_MAX:
        return translate("ChatSettings", "Use at most {count} characters.").format(
            count=PRESET_NAME_MAX
        )
    if is_builtin_name(name):
        return translate("ChatSettings", "That name belongs to a built-in preset.")
    return None


def presets_from_settings(settings: Settings) -> list[Preset]:
    """The built-in presets, then the user's from ``settings.presets``.

    Entries of the wrong shape, with a bad name, or repeating an earlier name are
    skipped (never raised); values inside an entry are read as by
    :meth:`ChatSettings.from_json`, with the default model as the fallback.
    """
    presets = list(BUILTIN_PRESETS)
    seen = {_name_key(p.name) for p in presets}
    for entry in settings.presets:
        if not isinstance(entry, Mapping):
            continue
        name = entry.get("name")
        inner = entry.get("settings")
        if not isinstance(name, str) or not isinstance(inner, Mapping):
            continue
        if preset_name_problem(name) is not None or _name_key(name) in seen:
            continue
        seen.add(_name_key(name))
        presets.append(Preset(name.strip(), ChatSettings.from_json(inner, settings.model)))
    return presets


def user_presets(presets: Iterable[Preset]) -> list[Preset]:
    """Only the user's presets (the ones that can be stored, replaced and deleted)."""
    return [preset for preset in presets if not preset.builtin]


def presets_to_json(presets: Iterable[Preset]) -> list[dict[str, Any]]:
    """The user presets in ``Settings.presets`` shape; built-ins are left out."""
    return [
        {"name": preset.name, "settings": preset.settings.to_json()}
        for preset in user_presets(presets)
    ]


def store_presets(settings: Settings, presets: Iterable[Preset]) -> None:
    """Put the user presets among ``presets`` into ``settings.presets``."""
    settings.presets = presets_to_json(presets)


def add_preset(presets: Sequence[Preset], name: str, settings: ChatSettings) -> list[Preset]:
    """The user presets with ``name`` added, or replaced in place when it exists.

    Built-in presets in ``presets`` are dropped from the result.

    Raises:
        ValueError: The name is blank, too long, or a built-in preset's.
    """
    problem = preset_name_problem(name)
    if problem is not None:
        raise ValueError(problem)
    new = Preset(name.strip(), settings)
    result = user_presets(presets)
    for index, preset in enumerate(result):
        if _name_key(preset.name) == _name_key(name):
            result[index] = new
            return result
    result.append(new)
    return result


def delete_preset(presets: Sequence[Preset], name: str) -> list[Preset]:
    """The user presets without ``name`` (unchanged when there is no such preset).

    Raises:
        ValueError: ``name`` is a built-in preset's.
    """
    if is_builtin_name(name):
        raise ValueError("Built-in presets cannot be deleted.")
    return [p for p in user_presets(presets) if _name_key(p.name) != _name_key(name)]
