"""Import of one conversation: reading and checking a JSON export of :mod:`app.core.transfer`.

:func:`parse_export` trusts nothing in the file: it checks every field, that the
messages form one tree and that each attachment's bytes match their hash, and turns
any problem into an :class:`ImportFormatError` whose message is meant for the user.
:meth:`Store.import_conversation <app.core.store.Store.import_conversation>` adds what
it returns.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
import math
import re
from collections.abc import Iterable, Sequence
from typing import Any

from app.api.events import Usage
from app.api.translation import translate
from app.core.store_records import (
    MESSAGE_STATUSES,
    AttachmentRecord,
    ConversationImport,
    ConversationRow,
    StoredMessage,
    StoreError,
    parents_first,
)
from app.core.transfer import EXPORT_FORMAT, EXPORT_VERSION

__all__ = [
    "IMPORT_ROLES",
    "MAX_IMPORT_BYTES",
    "ConversationImport",
    "ImportFormatError",
    "parse_export",
]

MAX_IMPORT_BYTES = 512 * 1024 * 1024
IMPORT_ROLES = frozenset({"user", "assistant", "system"})

_MAX_NESTING = 64  # objects and lists inside each other; the app writes at most about 5
_MAX_SQL_INTEGER = 2**63 - 1
_SHA256 = re.compile(r"[0-9a-f]{64}")
_USAGE_FIELDS = frozenset(field.name for field in dataclasses.fields(Usage))


class ImportFormatError(StoreError):
    """The file is not a conversation export this app can read; the message says why.

    The message is one sentence meant for the user, not for a log.
    """


def parse_export(data: bytes) -> ConversationImport:
    """Read and check a JSON export made by :func:`~app.core.transfer.conversation_to_json`.

    Every field is checked: its presence and type, message statuses and roles, that
    the messages form one tree (every parent in the file, no loop, distinct ids), that
    the current message is in the file, and that each attachment's bytes match its
    SHA-256. Unknown extra fields are ignored. Attachments no message uses are
    dropped.

    Raises:
        ImportFormatError: the file is too large, not JSON, not such an export, of
            another format version, or damaged; the message tells the user which.
    """
    document = _load_json(data)
    root = _check_header(document)
    conversation = _read_conversation(root.raw("conversation"))
    messages = [
        _read_message(item, number, conversation.id)
        for number, item in enumerate(root.array("messages"), 1)
    ]
    attachments = _read_attachments(root.array("attachments"))
    ordered = _check_tree(conversation, messages)
    used = _check_attachment_use(messages, attachments)
    return ConversationImport(
        dataclasses.replace(conversation, message_count=len(ordered)),
        tuple(ordered),
        tuple(record for record in attachments if record.sha256 in used),
    )


def _damaged(detail: str) -> ImportFormatError:
    """The error for a file that is an export but breaks its rules somewhere.

    ``detail`` is already in the user's language.
    """
    text = translate(
        "ConversationImport", "The file cannot be imported because it is damaged: {detail}."
    )
    return ImportFormatError(text.format(detail=detail))


def too_large() -> ImportFormatError:
    """The error for a file over :data:`MAX_IMPORT_BYTES`."""
    text = translate(
        "ConversationImport", "The file is too large to import (more than {size} MiB)."
    )
    return ImportFormatError(text.format(size=MAX_IMPORT_BYTES // 2**20))


def _refuse_number(text: str) -> float:
    """``json`` hook: refuse ``NaN``, ``Infinity`` and numbers too large for a float."""
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"not a finite number: {text}")
    return value


def _load_json(data: bytes) -> Any:
    """``data`` parsed as UTF-8 JSON text of reasonable nesting, with valid Unicode."""
    if len(data) > MAX_IMPORT_BYTES:
        raise too_large()
    try:
        document = json.loads(
            data.decode("utf-8-sig"), parse_float=_refuse_number, parse_constant=_refuse_number
        )
    except (ValueError, RecursionError) as error:  # UnicodeDecodeError is a ValueError
        text = translate(
            "ConversationImport",
            "The file is not a MiMo Desktop conversation export: it is not valid JSON text.",
        )
        raise ImportFormatError(text) from error
    _check_values(document)
    return document


def _check_values(document: Any) -> None:
    """Refuse deep nesting and text that is not valid Unicode (lone surrogates)."""
    stack: list[tuple[Any, int]] = [(document, 0)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, str):
            if not value.isascii():
                try:
                    value.encode("utf-8")
                except UnicodeEncodeError:
                    raise _damaged(
                        translate(
                            "ConversationImport", "it contains text that is not valid Unicode"
                        )
                    ) from None
            continue
        if depth >= _MAX_NESTING and isinstance(value, dict | list):
            raise _damaged(translate("ConversationImport", "its data is nested too deeply"))
        if isinstance(value, dict):
            stack.extend((item, depth + 1) for pair in value.items() for item in pair)
        elif isinstance(value, list):
            stack.extend((item, depth + 1) for item in value)


def _check_header(document: Any) -> _Fields:
    """The top-level object, once its ``format`` and ``version`` are the ones we read."""
    if not isinstance(document, dict) or document.get("format") != EXPORT_FORMAT:
        raise ImportFormatError(
            translate("ConversationImport", "The file is not a MiMo Desktop conversation export.")
        )
    version = document.get("version")
    if type(version) is int and version > EXPORT_VERSION:
        text = translate(
            "ConversationImport",
            "The file was exported by a newer version of MiMo Desktop (format version"
            " {version}); update the app to import it.",
        )
        raise ImportFormatError(text.format(version=version))
    if type(version) is not int or version != EXPORT_VERSION:
        text = translate(
            "ConversationImport",
            "The file is a MiMo Desktop conversation export of an unknown format version.",
        )
        raise ImportFormatError(text)
    return _Fields(document, translate("ConversationImport", "the file"))


class _Fields:
    """Typed reading of one JSON object of an export; each problem is an ImportFormatError."""

    def __init__(self, value: Any, where: str) -> None:
        """``where`` names the object in the user's language, e.g. "message 3"."""
        if not isinstance(value, dict):
            text = translate("ConversationImport", "{where} is not a JSON object")
            raise _damaged(text.format(where=where))
        self._values: dict[str, Any] = value
        self.where = where

    def has(self, name: str) -> bool:
        """Whether the object has the field ``name``."""
        return name in self._values

    def raw(self, name: str) -> Any:
        """The field's value, whatever its type; it must be present."""
        if name not in self._values:
            text = translate("ConversationImport", '{where} has no "{name}" field')
            raise _damaged(text.format(where=self.where, name=name))
        return self._values[name]

    def wrong(self, name: str, expected: str) -> ImportFormatError:
        """The error for a field that is not what it should be (``expected`` translated)."""
        text = translate("ConversationImport", 'the "{name}" field of {where} should be {expected}')
        return _damaged(text.format(name=name, where=self.where, expected=expected))

    def text(self, name: str) -> str:
        """A text field."""
        value = self.raw(name)
        if not isinstance(value, str):
            raise self.wrong(name, translate("ConversationImport", "text"))
        return value

    def optional_text(self, name: str) -> str | None:
        """A text field that may be null."""
        value = self.raw(name)
        if value is not None and not isinstance(value, str):
            raise self.wrong(name, translate("ConversationImport", "text or null"))
        return value

    def identifier(self, name: str) -> str:
        """An id: text that is not empty."""
        value = self.raw(name)
        if not isinstance(value, str) or not value:
            raise self.wrong(
                name, translate("ConversationImport", "an id (text that is not empty)")
            )
        return value

    def optional_identifier(self, name: str) -> str | None:
        """An id that may be null."""
        return None if self.raw(name) is None else self.identifier(name)

    def flag(self, name: str) -> bool:
        """A true/false field."""
        value = self.raw(name)
        if not isinstance(value, bool):
            raise self.wrong(name, translate("ConversationImport", "true or false"))
        return value

    def timestamp(self, name: str) -> float:
        """A time in epoch seconds, as a float; whole numbers are taken too."""
        value = self.raw(name)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.wrong(name, _seconds())
        try:
            return float(value)
        except OverflowError:
            raise self.wrong(name, _seconds()) from None

    def count(self, name: str) -> int:
        """A whole number from 0 that SQLite can store."""
        value = self.raw(name)
        if not _is_count(value):
            raise self.wrong(name, translate("ConversationImport", "a whole number of at least 0"))
        return int(value)

    def mapping(self, name: str) -> dict[str, Any]:
        """A JSON object field."""
        value = self.raw(name)
        if not isinstance(value, dict):
            raise self.wrong(name, translate("ConversationImport", "a JSON object"))
        return value

    def array(self, name: str) -> list[Any]:
        """A JSON list field."""
        value = self.raw(name)
        if not isinstance(value, list):
            raise self.wrong(name, translate("ConversationImport", "a JSON list"))
        return value


def _seconds() -> str:
    return translate("ConversationImport", "a time in seconds (a number)")


def _is_count(value: Any) -> bool:
    """Whether ``value`` is a whole number SQLite can store, not negative (and not a bool)."""
    return type(value) is int and 0 <= value <= _MAX_SQL_INTEGER


def _read_conversation(value: Any) -> ConversationRow:
    """The ``conversation`` object of the file (the message count is filled in later)."""
    fields = _Fields(value, translate("ConversationImport", "the conversation"))
    return ConversationRow(
        id=fields.identifier("id"),
        title=fields.text("title"),
        created_at=fields.timestamp("created_at"),
        updated_at=fields.timestamp("updated_at"),
        pinned=fields.flag("pinned"),
        model=fields.optional_text("model"),
        settings=fields.mapping("settings"),
        current_leaf_id=fields.optional_identifier("current_leaf_id"),
    )


def _read_message(value: Any, number: int, conv_id: str) -> StoredMessage:
    """Message ``number`` (from 1) of the file's ``messages`` list."""
    fields = _Fields(
        value, translate("ConversationImport", "message {number}").format(number=number)
    )
    role = fields.text("role")
    if role not in IMPORT_ROLES:
        text = translate("ConversationImport", 'message {number} has an unknown role "{role}"')
        raise _damaged(text.format(number=number, role=role))
    status = fields.text("status")
    if status not in MESSAGE_STATUSES:
        text = translate("ConversationImport", 'message {number} has an unknown status "{status}"')
        raise _damaged(text.format(number=number, status=status))
    return StoredMessage(
        id=fields.identifier("id"),
        conversation_id=conv_id,
        parent_id=fields.optional_identifier("parent_id"),
        role=role,
        content=fields.text("content"),
        reasoning=fields.text("reasoning"),
        model=fields.optional_text("model"),
        options=fields.mapping("options"),
        status=status,
        finish_reason=fields.optional_text("finish_reason"),
        error=fields.optional_text("error"),
        usage=_read_usage(fields),
        timings=fields.mapping("timings"),
        created_at=fields.timestamp("created_at"),
        updated_at=fields.timestamp("updated_at"),
        attachments=_read_hashes(fields),
    )


def _read_usage(fields: _Fields) -> dict[str, int] | None:
    """A message's token counts: null, or some of the fields of :class:`~app.api.events.Usage`.

    Any subset is taken (the store keeps what the server sent), so an export of this
    app always imports again; unknown names and non-counts are refused.
    """
    value = fields.raw("usage")
    if value is None:
        return None
    if (
        not isinstance(value, dict)
        or not set(value) <= _USAGE_FIELDS
        or not all(_is_count(count) for count in value.values())
    ):
        expected = translate("ConversationImport", "null or token counts ({names})")
        raise fields.wrong("usage", expected.format(names=", ".join(sorted(_USAGE_FIELDS))))
    return value


def _read_hashes(fields: _Fields) -> tuple[str, ...]:
    """A message's attachments: a list of SHA-256 checksums."""
    hashes = fields.array("attachments")
    if not all(isinstance(item, str) and _SHA256.fullmatch(item) for item in hashes):
        raise fields.wrong(
            "attachments", translate("ConversationImport", "a list of SHA-256 checksums")
        )
    return tuple(hashes)


def _read_attachments(items: Iterable[Any]) -> list[AttachmentRecord]:
    """The file's ``attachments`` list, each listed once."""
    records: list[AttachmentRecord] = []
    seen: set[str] = set()
    for number, item in enumerate(items, 1):
        record = _read_attachment(item, number)
        if record.sha256 in seen:
            text = translate("ConversationImport", "attachment {number} is listed twice")
            raise _damaged(text.format(number=number))
        seen.add(record.sha256)
        records.append(record)
    return records


def _read_attachment(value: Any, number: int) -> AttachmentRecord:
    """Attachment ``number`` (from 1), its bytes checked against its size and hash."""
    where = translate("ConversationImport", "attachment {number}").format(number=number)
    fields = _Fields(value, where)
    sha256 = fields.text("sha256")
    if not _SHA256.fullmatch(sha256):
        raise fields.wrong(
            "sha256",
            translate("ConversationImport", "a SHA-256 checksum (64 lower-case hex digits)"),
        )
    record = AttachmentRecord(
        sha256=sha256,
        media_type=fields.text("media_type"),
        size=fields.count("size"),
        original_name=fields.text("original_name"),
    )
    if not fields.has("data_base64"):
        return record
    encoded = fields.text("data_base64")
    try:
        data = base64.b64decode(encoded, validate=True)
    except ValueError:  # binascii.Error, or text that is not ASCII
        raise fields.wrong("data_base64", translate("ConversationImport", "base64 text")) from None
    if len(data) != record.size or hashlib.sha256(data).hexdigest() != sha256:
        name = f'"{record.original_name}"' if record.original_name else str(number)
        text = translate(
            "ConversationImport", "the contents of attachment {name} do not match their checksum"
        )
        raise _damaged(text.format(name=name))
    return dataclasses.replace(record, data=data)


def _check_tree(
    conversation: ConversationRow, messages: Sequence[StoredMessage]
) -> list[StoredMessage]:
    """The messages in tree order, once they are sure to form one tree with a known leaf."""
    ids: set[str] = set()
    for number, message in enumerate(messages, 1):
        if message.id in ids:
            text = translate(
                "ConversationImport", "message {number} has the same id as an earlier message"
            )
            raise _damaged(text.format(number=number))
        ids.add(message.id)
    for number, message in enumerate(messages, 1):
        if message.parent_id is not None and message.parent_id not in ids:
            text = translate(
                "ConversationImport", "the message before message {number} is not in the file"
            )
            raise _damaged(text.format(number=number))
    ordered = parents_first(messages)
    if len(ordered) != len(messages):
        raise _damaged(
            translate("ConversationImport", "its messages form a loop instead of a tree")
        )
    if conversation.current_leaf_id is not None and conversation.current_leaf_id not in ids:
        raise _damaged(
            translate("ConversationImport", "the conversation's current message is not in the file")
        )
    return ordered


def _check_attachment_use(
    messages: Sequence[StoredMessage], attachments: Sequence[AttachmentRecord]
) -> set[str]:
    """The hashes the messages use, once each is sure to be listed in the file."""
    listed = {record.sha256 for record in attachments}
    used: set[str] = set()
    for number, message in enumerate(messages, 1):
        for sha256 in message.attachments:
            if sha256 not in listed:
                text = translate(
                    "ConversationImport",
                    "message {number} has an attachment that is not in the file",
                )
                raise _damaged(text.format(number=number))
            used.add(sha256)
    return used
