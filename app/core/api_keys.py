"""Several API keys per provider, one of them active, kept only in the secret store.

Entries in the :class:`~app.core.secrets.SecretStore` (the OS keyring, or the private
fallback file), for a provider ``p``::

    api-keys:p        the index: {"version": 1, "active": "<id>" | null,
                      "keys": [{"id": "<8 hex>", "label": "...", "added": "YYYY-MM-DD"}]}
                      (no secret in it)
    api-key:p/<id>    one key's secret, one entry per key
    api-key:p         the active key's secret (the entry of the single-key versions)

One entry per key keeps every entry small: Windows' credential store refuses secrets
longer than about 1280 characters. The last entry mirrors the active key, which makes
the migration from one key per provider transparent (that entry simply becomes the
active key of a one-key list) and lets an older version of the app still find the key.

Writes go secrets first, then the mirror, then the index, then deletions, so a crash
part-way leaves at worst an unused entry behind. Reading repairs what it finds:

- no index but a mirror: the old single key becomes a one-key list (the migration);
- an index that is not valid JSON: it is rebuilt from the mirror, and the user is told
  that other keys of that provider must be added again (their entries stay in the
  store, unlisted);
- a listed key whose secret is gone: it is left out, and the user is told;
- a mirror that matches no listed key (set by an older version of the app): it is
  added to the list as the active key; a mirror matching another listed key than
  the index's active one wins (it is written before the index).

Nothing here logs or raises a secret; messages name the provider, a label or a masked
key (:func:`mask_key`). All calls are synchronous and may block (see
:mod:`app.core.secrets`): call them from a worker thread.
"""

from __future__ import annotations

import datetime
import json
import logging
import re
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from app.api.translation import translate
from app.core.providers import display_name, preset
from app.core.secrets import SecretStore, SecretStoreError, key_name

_log = logging.getLogger(__name__)

INDEX_VERSION = 1
MAX_KEYS = 10
"""The most keys the key dialog lets a provider have (the index must stay small)."""
MAX_LABEL = 40
"""The longest label kept, in characters."""

_ID = re.compile(r"[0-9a-z]{1,32}")
_PREFIX = re.compile(r"[A-Za-z0-9]{1,4}-")
_ELLIPSIS = "…"
_SHORT = 12


def index_name(provider_id: str) -> str:
    """The secret-store name of a provider's key list (no secret in it)."""
    return f"api-keys:{provider_id}"


def secret_name(provider_id: str, key_id: str) -> str:
    """The secret-store name of one stored key."""
    return f"{key_name(provider_id)}/{key_id}"


def mask_key(secret: str) -> str:
    """The only form in which a key is shown after entry: ``sk-…a1B2``.

    A short prefix up to the first dash (at most 4 letters or digits and the dash),
    an ellipsis and the last 4 characters. Keys shorter than 12 characters show only
    the ellipsis and their last 2 characters (none below 6). The result is always
    shorter than the key, so it never contains it.
    """
    if len(secret) < _SHORT:
        return _ELLIPSIS + (secret[-2:] if len(secret) >= 6 else "")
    prefix = _PREFIX.match(secret)
    return f"{prefix.group(0) if prefix else ''}{_ELLIPSIS}{secret[-4:]}"


def clean_label(label: str) -> str:
    """A label as stored: one line, no surrounding spaces, at most :data:`MAX_LABEL`."""
    return " ".join(label.split())[:MAX_LABEL]


@dataclass(frozen=True)
class ApiKey:
    """One stored key. ``repr`` leaves the secret out.

    Attributes:
        id: Short random id, stable for the key's life.
        label: The user's name for it ("work"), possibly "".
        added: The day it was added, ``YYYY-MM-DD``, or "" when unknown.
        secret: The key itself.
    """

    id: str
    label: str
    added: str
    secret: str = field(repr=False)

    @property
    def masked(self) -> str:
        return mask_key(self.secret)

    @property
    def title(self) -> str:
        """``work (sk-…a1B2)``, or only the masked key without a label."""
        return f"{self.label} ({self.masked})" if self.label else self.masked


def new_key(
    secret: str,
    label: str = "",
    *,
    taken: Iterable[str] = (),
    today: datetime.date | None = None,
) -> ApiKey:
    """A key entered today, with an id not in ``taken``."""
    used = set(taken)
    key_id = uuid.uuid4().hex[:8]
    while key_id in used:
        key_id = uuid.uuid4().hex[:8]
    day = today or datetime.date.today()
    return ApiKey(key_id, clean_label(label), day.isoformat(), secret.strip())


@dataclass(frozen=True)
class KeyList:
    """A provider's keys, oldest first, and which one is active (None: none)."""

    keys: tuple[ApiKey, ...] = ()
    active_id: str | None = None

    @property
    def active(self) -> ApiKey | None:
        return self.get(self.active_id) if self.active_id is not None else None

    def get(self, key_id: str) -> ApiKey | None:
        return next((key for key in self.keys if key.id == key_id), None)

    def with_secret(self, secret: str) -> ApiKey | None:
        return next((key for key in self.keys if key.secret == secret), None)

    def added(self, key: ApiKey, *, activate: bool = False) -> KeyList:
        """With ``key`` at the end; a key already listed (same secret) is not repeated."""
        known = self.with_secret(key.secret)
        if known is not None:
            return self.activated(known.id) if activate else self
        if self.get(key.id) is not None:
            key = replace(key, id=new_key(key.secret, taken=[k.id for k in self.keys]).id)
        keys = (*self.keys, key)
        active = key.id if activate or self.active is None else self.active_id
        return KeyList(keys, active)

    def activated(self, key_id: str) -> KeyList:
        return replace(self, active_id=key_id) if self.get(key_id) is not None else self

    def renamed(self, key_id: str, label: str) -> KeyList:
        keys = tuple(
            replace(k, label=clean_label(label)) if k.id == key_id else k for k in self.keys
        )
        return replace(self, keys=keys)

    def removed(self, key_id: str) -> KeyList:
        """Without that key; if it was active, the most recently added other key is."""
        keys = tuple(key for key in self.keys if key.id != key_id)
        active = self.active_id
        if active == key_id or (active is not None and all(k.id != active for k in keys)):
            active = keys[-1].id if keys else None
        return KeyList(keys, active)


@dataclass(frozen=True)
class AddKey:
    """Add ``key``; make it active when ``activate`` (or when no key is active)."""

    key: ApiKey
    activate: bool = False


@dataclass(frozen=True)
class ActivateKey:
    key_id: str


@dataclass(frozen=True)
class RenameKey:
    key_id: str
    label: str


@dataclass(frozen=True)
class RemoveKey:
    key_id: str


KeyChange = AddKey | ActivateKey | RenameKey | RemoveKey
"""One edit of a key list, as the key dialog records it.

Changes name keys by id and are applied to whatever the store holds when they are
saved, so they never undo what they did not touch; one naming a key that is gone
does nothing.
"""


def apply_changes(keys: KeyList, changes: Iterable[KeyChange]) -> KeyList:
    """``keys`` after ``changes``, in order."""
    for change in changes:
        match change:
            case AddKey(key=key, activate=activate):
                keys = keys.added(key, activate=activate)
            case ActivateKey(key_id=key_id):
                keys = keys.activated(key_id)
            case RenameKey(key_id=key_id, label=label):
                keys = keys.renamed(key_id, label)
            case RemoveKey(key_id=key_id):
                keys = keys.removed(key_id)
    return keys


@dataclass(frozen=True)
class LoadedKeys:
    """A provider's keys as read, and what was wrong with the stored entries.

    Attributes:
        keys: The keys.
        problems: Messages for the user (translated), e.g. a key that was left out.
    """

    keys: KeyList
    problems: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Record:
    id: str
    label: str
    added: str


def _valid_day(text: Any) -> str:
    if not isinstance(text, str):
        return ""
    try:
        return datetime.date.fromisoformat(text).isoformat()
    except ValueError:
        return ""


def _parse_index(raw: str) -> tuple[list[_Record], str | None, int] | None:
    """Records, the active id and how many records were unusable; None when corrupt."""
    try:
        data = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("keys"), list):
        return None
    active = data.get("active")
    records: list[_Record] = []
    skipped = 0
    for item in data["keys"]:
        key_id = item.get("id") if isinstance(item, dict) else None
        if not isinstance(key_id, str) or not _ID.fullmatch(key_id):
            skipped += 1
            continue
        if any(record.id == key_id for record in records):
            skipped += 1
            continue
        label = item.get("label")
        records.append(
            _Record(
                key_id,
                clean_label(label) if isinstance(label, str) else "",
                _valid_day(item.get("added")),
            )
        )
    return records, active if isinstance(active, str) else None, skipped


def _index_text(keys: KeyList) -> str:
    data = {
        "version": INDEX_VERSION,
        "active": keys.active_id if keys.active is not None else None,
        "keys": [{"id": k.id, "label": k.label, "added": k.added} for k in keys.keys],
    }
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


class ApiKeyStore:
    """Key lists per provider on top of a :class:`SecretStore` (format: module docstring).

    Args:
        store: Where the entries live.
        today: Today's date (tests pass a fixed one).
    """

    def __init__(
        self, store: SecretStore, *, today: Callable[[], datetime.date] = datetime.date.today
    ) -> None:
        self.store = store
        self._today = today

    def load(self, provider_id: str) -> LoadedKeys:
        """The provider's keys, repaired and migrated as the module docstring says.

        Repairs are written back; a failure to write them is logged, not raised.

        Raises:
            SecretStoreError: The store could not be read.
        """
        name = display_name(preset(provider_id))
        problems: list[str] = []
        raw = self.store.get(index_name(provider_id))
        mirror = self.store.get(key_name(provider_id)) or None
        records: list[_Record] = []
        active_id: str | None = None
        dirty = raw is None and mirror is not None
        if raw is not None:
            parsed = _parse_index(raw)
            if parsed is None:
                _log.warning("the key list of %s is corrupt; rebuilding it", provider_id)
                problems.append(
                    translate(
                        "ApiKeys",
                        "The list of stored API keys for {provider} could not be read. "
                        "It was rebuilt from the active key; add any other keys again.",
                    ).format(provider=name)
                )
                dirty = True
            else:
                records, active_id, skipped = parsed
                if skipped:
                    _log.warning("%d unusable entries in the key list of %s", skipped, provider_id)
                    dirty = True
        stored: dict[str, str] = {}
        keys: list[ApiKey] = []
        for record in records:
            secret = self.store.get(secret_name(provider_id, record.id))
            if not secret:
                _log.warning("key %s of %s has no secret; leaving it out", record.id, provider_id)
                problems.append(
                    translate(
                        "ApiKeys",
                        "A stored API key for {provider} ({label}) was missing from the "
                        "secret store and was left out.",
                    ).format(provider=name, label=record.label or record.id)
                )
                dirty = True
                continue
            stored[record.id] = secret
            keys.append(ApiKey(record.id, record.label, record.added, secret))
        found = KeyList(tuple(keys), active_id)
        result = found if found.active is not None else replace(found, active_id=None)
        if mirror is not None:
            match = result.with_secret(mirror)
            if match is None:  # the single key of an older version: keep it, active
                taken = [k.id for k in result.keys]
                result = result.added(
                    new_key(mirror, taken=taken, today=self._today()), activate=True
                )
            else:
                result = result.activated(match.id)
        elif result.active_id is not None:
            result = replace(result, active_id=None)  # the active key's entry is gone
        dirty = dirty or result.active_id != active_id
        if dirty:
            try:
                self._write(provider_id, result, stored=stored, mirror=mirror, drop=())
            except SecretStoreError as error:
                _log.warning("could not write the repaired key list of %s: %s", provider_id, error)
        return LoadedKeys(result, tuple(problems))

    def save(self, provider_id: str, before: KeyList, after: KeyList) -> None:
        """Store ``after`` where ``before`` was stored.

        Raises:
            SecretStoreError: An entry could not be written or deleted.
        """
        stored = {key.id: key.secret for key in before.keys}
        mirror = before.active.secret if before.active is not None else None
        gone = stored.keys() - {key.id for key in after.keys}
        self._write(provider_id, after, stored=stored, mirror=mirror, drop=gone)

    def update(self, provider_id: str, changes: Iterable[KeyChange]) -> LoadedKeys:
        """Read the provider's keys, apply ``changes``, store the result and return it.

        Raises:
            SecretStoreError: The store could not be read or written.
        """
        loaded = self.load(provider_id)
        after = apply_changes(loaded.keys, changes)
        if after != loaded.keys:
            self.save(provider_id, loaded.keys, after)
        return LoadedKeys(after, loaded.problems)

    def _write(
        self,
        provider_id: str,
        keys: KeyList,
        *,
        stored: dict[str, str],
        mirror: str | None,
        drop: Iterable[str],
    ) -> None:
        for key in keys.keys:
            if stored.get(key.id) != key.secret:
                self.store.set(secret_name(provider_id, key.id), key.secret)
        active = keys.active
        if active is None and mirror is not None:
            self.store.delete(key_name(provider_id))
        elif active is not None and active.secret != mirror:
            self.store.set(key_name(provider_id), active.secret)
        self.store.set(index_name(provider_id), _index_text(keys))
        for key_id in drop:
            self.store.delete(secret_name(provider_id, key_id))
