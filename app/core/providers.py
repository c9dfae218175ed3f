"""Provider presets: where the MiMo API lives and which keys it takes.

Xiaomi's pay-as-you-go keys start ``sk-``, Token Plan (subscription) keys start
``tp-``, and the two are not interchangeable; :func:`key_warning` catches the mix-up
before the first request fails with a bare 401. Each preset fixes its wire format;
only the custom endpoint lets the user choose it (:func:`wire_for`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Protocol
from urllib.parse import urlsplit, urlunsplit

from app.api.translation import QT_TRANSLATE_NOOP, translate

DEFAULT_PROVIDER_ID = "mimo-v2"
CUSTOM_PROVIDER_ID = "custom"

#: The wire formats an endpoint can speak (see :class:`app.core.connection.Connection`).
WIRES = ("openai", "anthropic")

# Believed to be Xiaomi's developer console, where keys are created; not verified.
_XIAOMI_CONSOLE = "https://platform.xiaomimimo.com"

_PAYG_PREFIX = "sk-"
_TOKEN_PLAN_PREFIX = "tp-"


@dataclass(frozen=True)
class ProviderPreset:
    """A ready-made endpoint.

    Attributes:
        id: Stable id stored in the settings.
        name: Display name in English; :func:`display_name` gives it in the user's
            language.
        base_url: API base URL ("" for the custom preset: the user types it).
        wire: Wire format, ``"openai"`` or ``"anthropic"``.
        key_hint: Placeholder for the key field, e.g. ``"sk-..."``; "" when unknown.
        keys_url: Where the user creates keys, or None when not known.
    """

    id: str
    name: str
    base_url: str
    wire: str
    key_hint: str
    keys_url: str | None


def _token_plan(region: str, name: str) -> ProviderPreset:
    return ProviderPreset(
        id=f"token-plan-{region}",
        name=name,
        base_url=f"https://token-plan-{region}.xiaomimimo.com/v1",
        wire="openai",
        key_hint="tp-...",
        keys_url=_XIAOMI_CONSOLE,
    )


_ALL = (
    ProviderPreset(
        id=DEFAULT_PROVIDER_ID,
        name=QT_TRANSLATE_NOOP("Providers", "MiMo API"),
        base_url="https://api.mimo-v2.com/v1",
        wire="openai",
        key_hint="sk-...",
        keys_url=None,
    ),
    ProviderPreset(
        id="xiaomi",
        name=QT_TRANSLATE_NOOP("Providers", "Xiaomi MiMo (pay-as-you-go)"),
        base_url="https://api.xiaomimimo.com/v1",
        wire="openai",
        key_hint="sk-...",
        keys_url=_XIAOMI_CONSOLE,
    ),
    ProviderPreset(
        id="xiaomi-anthropic",
        name=QT_TRANSLATE_NOOP("Providers", "Xiaomi MiMo (pay-as-you-go, Anthropic format)"),
        base_url="https://api.xiaomimimo.com/anthropic",
        wire="anthropic",
        key_hint="sk-...",
        keys_url=_XIAOMI_CONSOLE,
    ),
    _token_plan("cn", QT_TRANSLATE_NOOP("Providers", "Xiaomi MiMo Token Plan (China)")),
    _token_plan("sgp", QT_TRANSLATE_NOOP("Providers", "Xiaomi MiMo Token Plan (Singapore)")),
    _token_plan("ams", QT_TRANSLATE_NOOP("Providers", "Xiaomi MiMo Token Plan (Europe)")),
    ProviderPreset(
        id=CUSTOM_PROVIDER_ID,
        name=QT_TRANSLATE_NOOP("Providers", "Custom endpoint"),
        base_url="",
        wire="openai",
        key_hint="",
        keys_url=None,
    ),
)

PRESETS: Mapping[str, ProviderPreset] = MappingProxyType({p.id: p for p in _ALL})
"""Every preset by id, in display order (the default first, custom last)."""


def preset(preset_id: str) -> ProviderPreset:
    """The preset with ``preset_id``; an unknown id gives the custom preset."""
    return PRESETS.get(preset_id, PRESETS[CUSTOM_PROVIDER_ID])


def display_name(p: ProviderPreset) -> str:
    """The preset's name in the user's language (``p.name`` stays English)."""
    return translate("Providers", p.name)


class ProviderChoice(Protocol):
    """What :func:`wire_for` reads: :class:`app.core.settings.Settings` has both."""

    @property
    def provider_id(self) -> str: ...

    @property
    def wire(self) -> str: ...


def wire_for(settings: ProviderChoice) -> str:
    """The wire format to use: a preset's own, or the user's choice for the custom endpoint.

    An unknown provider id counts as the custom endpoint (as :func:`preset` does); a
    stored wire that is not one of :data:`WIRES` gives ``"openai"``.
    """
    if settings.provider_id in PRESETS and settings.provider_id != CUSTOM_PROVIDER_ID:
        return PRESETS[settings.provider_id].wire
    return settings.wire if settings.wire in WIRES else "openai"


def normalise_base_url(url: str) -> str:
    """Clean up a base URL typed by the user.

    Strips surrounding spaces and trailing slashes and lower-cases the scheme.

    Raises:
        ValueError: With a message for the user when the URL is empty, not http(s),
            has no host, an invalid port, spaces, a query or a fragment.
    """
    text = url.strip().rstrip("/")
    if not text:
        raise ValueError(
            translate(
                "Providers", "Enter the server address, for example https://api.mimo-v2.com/v1."
            )
        )
    if any(ch.isspace() for ch in text):
        raise ValueError(translate("Providers", "The server address must not contain spaces."))
    parts = urlsplit(text)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise ValueError(
            translate("Providers", "The server address must start with https:// or http://.")
        )
    if not parts.hostname:
        raise ValueError(translate("Providers", "The server address has no host name."))
    try:
        parts.port  # noqa: B018 - parsing the port validates it
    except ValueError:
        raise ValueError(
            translate("Providers", "The port number in the server address is not valid.")
        ) from None
    if parts.query or parts.fragment or "?" in text or "#" in text:
        raise ValueError(translate("Providers", "The server address must not contain '?' or '#'."))
    return urlunsplit((scheme, parts.netloc, parts.path.rstrip("/"), "", ""))


def _expected_prefix(p: ProviderPreset) -> str | None:
    for prefix in (_PAYG_PREFIX, _TOKEN_PLAN_PREFIX):
        if p.key_hint.startswith(prefix):
            return prefix
    return None


def key_warning(p: ProviderPreset, key: str) -> str | None:
    """A hint for the user when ``key`` looks like the wrong kind for ``p``.

    A Token Plan key (``tp-``) on a pay-as-you-go preset, or a pay-as-you-go key
    (``sk-``) on a Token Plan preset, gets a warning; anything else (including the
    custom preset and keys of unknown shape) gets None. The key is never quoted.
    """
    expected = _expected_prefix(p)
    key = key.strip()
    if expected is None or not key or key.startswith(expected):
        return None
    if expected == _PAYG_PREFIX and key.startswith(_TOKEN_PLAN_PREFIX):
        return translate(
            "Providers",
            "This looks like a Token Plan key (tp-...), but {provider} takes pay-as-you-go "
            "keys (sk-...). Choose the Token Plan preset for your region instead.",
        ).format(provider=display_name(p))
    if expected == _TOKEN_PLAN_PREFIX and key.startswith(_PAYG_PREFIX):
        return translate(
            "Providers",
            "This looks like a pay-as-you-go key (sk-...), but {provider} takes Token Plan "
            "keys (tp-...). Choose a pay-as-you-go preset instead.",
        ).format(provider=display_name(p))
    return None
