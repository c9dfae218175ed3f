"""Export a conversation to a file, or import one, without blocking the window.

The file dialogs are non-native Qt dialogs opened with ``open()`` (no nested event
loop); the chosen path goes to :class:`TransferController`, which does the work
through the store's worker thread and reports back with signals.
"""

from __future__ import annotations

import logging
import re
import sqlite3
from pathlib import Path

from PySide6.QtCore import QObject, QStandardPaths, Signal
from PySide6.QtWidgets import QFileDialog, QWidget

from app.api.translation import translate
from app.core.store_async import AsyncStore
from app.core.store_records import StoreError
from app.core.transfer_files import ExportKind, export_to_file, import_from_file
from app.core.transfer_parse import ImportFormatError
from app.ui.tasks import TaskSet

log = logging.getLogger(__name__)

SUFFIXES: dict[str, str] = {"markdown": ".md", "json": ".json"}
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')


def file_name_for(title: str, kind: str) -> str:
    """A file name made from a conversation title: safe on every platform, not too long."""
    stem = " ".join(_UNSAFE.sub(" ", title).split()).strip(". ")[:80] or "conversation"
    return stem + SUFFIXES[kind]


def name_filter(kind: str) -> str:
    """The file dialog's filter for an export ``kind``, in the user's language."""
    if kind == "markdown":
        return translate("TransferController", "Markdown (*.md)")
    return translate("TransferController", "MiMo Desktop conversation (*.json)")


def documents_folder() -> Path:
    folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    return Path(folder) if folder else Path.home()


def file_dialog(parent: QWidget, *, saving: bool, kind: str, suggested: str = "") -> QFileDialog:
    """A Qt (non-native) file dialog; the caller connects ``fileSelected`` and opens it."""
    dialog = QFileDialog(parent)
    dialog.setObjectName("exportDialog" if saving else "importDialog")
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
    dialog.setAcceptMode(
        QFileDialog.AcceptMode.AcceptSave if saving else QFileDialog.AcceptMode.AcceptOpen
    )
    dialog.setFileMode(
        QFileDialog.FileMode.AnyFile if saving else QFileDialog.FileMode.ExistingFile
    )
    dialog.setNameFilter(name_filter(kind))
    dialog.setDefaultSuffix(SUFFIXES[kind].lstrip("."))
    dialog.setDirectory(str(documents_folder()))
    if suggested:
        dialog.selectFile(suggested)
    dialog.setWindowTitle(
        translate("TransferController", "Export conversation")
        if saving
        else translate("TransferController", "Import conversation")
    )
    return dialog


MEDIA_PATTERNS = (
    "*.png *.jpg *.jpeg *.gif *.webp *.bmp *.mp3 *.wav *.flac *.m4a *.ogg *.oga *.opus"
    " *.mp4 *.m4v *.mov *.avi *.wmv"
)


def media_file_dialog(parent: QWidget) -> QFileDialog:
    """A Qt file dialog for attachments (several files); the caller connects and opens it.

    The filter only helps browsing: "All files" is offered, and the type of what is
    chosen is found from its content, not from its name.
    """
    dialog = QFileDialog(parent)
    dialog.setObjectName("attachDialog")
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
    dialog.setFileMode(QFileDialog.FileMode.ExistingFiles)
    media = translate("TransferController", "Images, audio and video ({patterns})")
    dialog.setNameFilters(
        [
            media.format(patterns=MEDIA_PATTERNS),
            translate("TransferController", "All files (*)"),
        ]
    )
    dialog.setDirectory(str(documents_folder()))
    dialog.setWindowTitle(translate("TransferController", "Attach files"))
    return dialog


class TransferController(QObject):
    """Runs exports and imports as tasks.

    Signals:
        exported(str): the conversation was written to this path.
        imported(str): a conversation was imported; its new id.
        failed(str): a sentence for the user (never a traceback, never a key).
    """

    exported = Signal(str)
    imported = Signal(str)
    failed = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._store: AsyncStore | None = None
        self._tasks = TaskSet()

    def attach_store(self, store: AsyncStore | None) -> None:
        self._store = store

    def shutdown(self) -> None:
        self._tasks.cancel_all()

    def export(self, conv_id: str, kind: ExportKind, path: str) -> None:
        if self._store is None:
            self.failed.emit(self.tr("The history is not available in this session."))
            return
        self._tasks.start(self._export(self._store, conv_id, kind, Path(path)), name="export")

    def import_file(self, path: str) -> None:
        if self._store is None:
            self.failed.emit(self.tr("The history is not available in this session."))
            return
        self._tasks.start(self._import(self._store, Path(path)), name="import")

    async def _export(self, store: AsyncStore, conv_id: str, kind: ExportKind, path: Path) -> None:
        try:
            await export_to_file(store, conv_id, path, kind)
        except (OSError, sqlite3.Error, StoreError) as error:
            log.warning("Export to %s failed: %s", path, error)
            text = self.tr("Could not export to {path}: {reason}")
            self.failed.emit(text.format(path=path, reason=_reason(error)))
            return
        self.exported.emit(str(path))

    async def _import(self, store: AsyncStore, path: Path) -> None:
        try:
            conv_id = await import_from_file(store, path)
        except ImportFormatError as error:
            text = self.tr("Could not import {name}: {reason}")
            self.failed.emit(text.format(name=path.name, reason=error))
            return
        except (OSError, sqlite3.Error, StoreError) as error:
            log.warning("Import of %s failed: %s", path, error)
            text = self.tr("Could not import {name}: {reason}")
            self.failed.emit(text.format(name=path.name, reason=_reason(error)))
            return
        self.imported.emit(conv_id)


def _reason(error: BaseException) -> str:
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return str(error) or type(error).__name__
