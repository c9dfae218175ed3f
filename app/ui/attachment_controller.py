"""The files the next message carries: examined off the GUI thread, shown as chips.

Files come from a drop, a paste or the file dialog as paths (a pasted image is first
saved as a PNG in the cache). Each is examined in a worker thread: its type found from
its content, its size, dimensions or duration read, problems named. The chip says what
was found or why the file cannot be sent; the rest of the draft is never touched.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QImage, QImageReader

from app.audio.qt_recorder import QtRecorder
from app.core.conversation import Attachment
from app.core.media import format_size, inspect_media
from app.ui.attachment_pane import THUMBNAIL_PX, AttachmentPane, ChipState, clock_time
from app.ui.tasks import TaskSet

MAX_ATTACHMENTS = 10


@dataclass(frozen=True)
class Examined:
    """A file found fit to send: the attachment and the line its chip shows."""

    attachment: Attachment
    detail: str


Examine = Callable[[Path], Examined]
"""Examines a file (in a worker thread); raises an exception whose text says what is wrong."""


@dataclass
class _Draft:
    name: str
    examined: Examined | None = None
    error: str = ""


def examine_file(path: Path) -> Examined:
    """Examine ``path`` for Omni (:func:`inspect_media`); MediaError says what is wrong."""
    info = inspect_media(path)
    details = [info.format]
    if info.width and info.height:
        details.append(f"{info.width}\u00d7{info.height}")
    if info.duration is not None:
        details.append(clock_time(info.duration))
    details.append(format_size(info.size))
    attachment = Attachment(path, info.mime, info.name, info.size)
    return Examined(attachment, " · ".join(details))


def load_thumbnail(path: Path, size: int = THUMBNAIL_PX * 2) -> QImage:
    """A small image of ``path``, decoded at (about) that size; null when unreadable.

    QImageReader scales while decoding (JPEG decodes at 1/8 size directly), so a big
    photo costs little; QImage is safe to make in a worker thread.
    """
    reader = QImageReader(str(path))
    reader.setAutoTransform(True)
    full = reader.size()
    if full.isValid() and (full.width() > size or full.height() > size):
        reader.setScaledSize(full.scaled(size, size, Qt.AspectRatioMode.KeepAspectRatio))
    return reader.read()


class AttachmentController(QObject):
    """Keeps the draft's attachments and their chips.

    Signals:
        changed(): an attachment was added, examined or removed.
        playRequested(str): the play button of an audio chip (the file's path).
    """

    changed = Signal()
    playRequested = Signal(str)

    def __init__(
        self,
        pane: AttachmentPane,
        examine: Examine,
        paste_dir: Path,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._pane = pane
        self._examine = examine
        self._paste_dir = paste_dir
        self._drafts: dict[int, _Draft] = {}
        self._keys = itertools.count(1)
        self._tasks = TaskSet()
        self.recorder = QtRecorder(paste_dir.parent / "recordings", parent=self)

    # -- what the draft holds ----------------------------------------------------

    @property
    def count(self) -> int:
        return len(self._drafts)

    def busy(self) -> bool:
        """True while a file is still being examined."""
        return any(d.examined is None and not d.error for d in self._drafts.values())

    def kinds(self) -> set[str]:
        """The kinds (image, audio, video) of the files fit to send."""
        return {d.examined.attachment.kind for d in self._drafts.values() if d.examined}

    def problem(self) -> str | None:
        """Why the draft cannot be sent now, or None."""
        if self.busy():
            return self.tr("Still reading the attached files…")
        if any(d.error for d in self._drafts.values()):
            return self.tr("Remove the files marked in red to send this message.")
        return None

    def attachments(self) -> list[Attachment]:
        return [d.examined.attachment for d in self._drafts.values() if d.examined]

    # -- adding and removing -----------------------------------------------------

    def add_paths(self, paths: Iterable[Path]) -> None:
        for path in paths:
            if len(self._drafts) >= MAX_ATTACHMENTS:
                self._add_failed(
                    path.name, self.tr("At most %n files per message.", "", MAX_ATTACHMENTS)
                )
                return
            self._add(path)

    def add_image(self, image: QImage) -> None:
        """A pasted image: saved as a PNG (in a worker thread), then attached."""
        self._tasks.start(self._save_pasted(image.copy()), name="paste image")

    async def _save_pasted(self, image: QImage) -> None:
        try:
            self._paste_dir.mkdir(parents=True, exist_ok=True)
            path = _unique(self._paste_dir / time.strftime("pasted-%Y%m%d-%H%M%S.png"))
        except OSError:
            path = self._paste_dir / "pasted.png"
            saved = False
        else:
            saved = await asyncio.to_thread(lambda: image.save(str(path)))  # PNG, by suffix
        if saved:
            self._add(path)
        else:
            self._add_failed(path.name, self.tr("The pasted image could not be saved."))

    def _add(self, path: Path) -> None:
        key = next(self._keys)
        self._drafts[key] = _Draft(path.name)
        chip = self._pane.add_chip(key, ChipState("", path.name, self.tr("Reading…")))
        chip.removeRequested.connect(lambda: self.remove(key))
        chip.playRequested.connect(lambda: self._play(key))
        chip.videoOptionsChanged.connect(lambda fps, res: self._set_video_options(key, fps, res))
        self._tasks.start(self._examine_file(key, path), name="examine attachment")
        self.changed.emit()

    def _add_failed(self, name: str, error: str) -> None:
        key = next(self._keys)
        self._drafts[key] = _Draft(name, error=error)
        chip = self._pane.add_chip(key, ChipState("", name, error=error))
        chip.removeRequested.connect(lambda: self.remove(key))
        self.changed.emit()

    async def _examine_file(self, key: int, path: Path) -> None:
        try:
            examined = await asyncio.to_thread(self._examine, path)
        except Exception as error:  # any failure is a message at the chip
            self._settle(key, None, str(error) or self.tr("This file cannot be read."))
            return
        self._settle(key, examined, "")
        if examined.attachment.kind == "image":
            image = await asyncio.to_thread(load_thumbnail, path)
            chip = self._pane.chips.get(key)
            if chip is not None:
                chip.set_thumbnail(image)

    def _settle(self, key: int, examined: Examined | None, error: str) -> None:
        draft = self._drafts.get(key)
        if draft is None:  # removed meanwhile
            return
        draft.examined, draft.error = examined, error
        self._show(key)
        self.changed.emit()

    def _show(self, key: int) -> None:
        draft, chip = self._drafts[key], self._pane.chips.get(key)
        if chip is None:
            return
        if draft.examined is None:
            chip.set_state(ChipState("", draft.name, error=draft.error))
            return
        attachment = draft.examined.attachment
        chip.set_state(
            ChipState(
                attachment.kind,
                draft.name,
                draft.examined.detail,
                fps=attachment.fps or 2.0,
                resolution=attachment.resolution or "default",
            )
        )

    def _set_video_options(self, key: int, fps: float, resolution: str) -> None:
        draft = self._drafts.get(key)
        if draft is None or draft.examined is None:
            return
        attachment = replace(draft.examined.attachment, fps=fps, resolution=resolution)
        draft.examined = replace(draft.examined, attachment=attachment)
        self._show(key)

    def _play(self, key: int) -> None:
        draft = self._drafts.get(key)
        if draft is not None and draft.examined is not None:
            self.playRequested.emit(str(draft.examined.attachment.path))

    def remove(self, key: int) -> None:
        if self._drafts.pop(key, None) is not None:
            self._pane.remove_chip(key)
            self.changed.emit()

    def clear(self) -> None:
        for key in list(self._drafts):
            self.remove(key)

    def shutdown(self) -> None:
        self.recorder.close()
        self._tasks.cancel_all()


def _unique(path: Path) -> Path:
    candidate, number = path, 1
    while candidate.exists():
        number += 1
        candidate = path.with_stem(f"{path.stem}-{number}")
    return candidate
