"""The recorder for the GUI: an :class:`AudioRecorder` behind Qt signals.

A ``QTimer`` in the GUI thread polls the recorder's counters (the input callback never
emits a signal); the WAV file is written in a worker thread.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from app.audio.backend import AudioError
from app.audio.recorder import AudioRecorder, InputStreamFactory, save_recording

__all__ = ["QtRecorder"]


class QtRecorder(QObject):
    """Records a voice question; use it from the GUI thread (with an asyncio loop).

    Signals:
        started(): recording began.
        levelChanged(float): the input peak since the last report, 0.0 to 1.0.
        elapsedChanged(int): milliseconds recorded so far.
        stopped(): recording ended (to be saved, or cancelled).
        recorded(str): the path of the saved WAV file.
        errorOccurred(str): a message for the user (no microphone, PortAudio missing,
            nothing recorded, the file could not be written).

    Args:
        folder: Where recordings are saved.
        recorder: The recorder to drive; by default one on the default input device.
        stream_factory: Used to make the default recorder (tests pass a fake).
        interval_ms: How often the level and time are reported while recording.
    """

    started = Signal()
    levelChanged = Signal(float)
    elapsedChanged = Signal(int)
    stopped = Signal()
    recorded = Signal(str)
    errorOccurred = Signal(str)

    def __init__(
        self,
        folder: Path,
        recorder: AudioRecorder | None = None,
        *,
        stream_factory: InputStreamFactory | None = None,
        interval_ms: int = 50,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._folder = folder
        self._recorder = recorder if recorder is not None else AudioRecorder(stream_factory)
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._poll)
        self._saving: set[asyncio.Task[Any]] = set()

    @property
    def recording(self) -> bool:
        return self._recorder.recording

    @property
    def recorder(self) -> AudioRecorder:
        """The wrapped recorder (its ``stream_factory`` picks the input device)."""
        return self._recorder

    def start(self) -> bool:
        """Start recording; False (and ``errorOccurred``) when the input cannot open."""
        try:
            self._recorder.start()
        except AudioError as error:
            self.errorOccurred.emit(error.message)
            return False
        self._timer.start()
        self.started.emit()
        return True

    def finish(self) -> None:
        """Stop and save; ``recorded`` follows once the file is written."""
        if not self._recorder.recording:
            return
        pcm = self._recorder.stop()
        self._timer.stop()
        self.stopped.emit()
        task = asyncio.get_event_loop().create_task(self._save(pcm))
        self._saving.add(task)
        task.add_done_callback(self._saving.discard)

    def cancel(self) -> None:
        """Stop and throw the recording away."""
        if self._recorder.recording:
            self._recorder.cancel()
            self._timer.stop()
            self.stopped.emit()

    def close(self) -> None:
        self.cancel()
        for task in list(self._saving):
            task.cancel()

    async def _save(self, pcm: bytes) -> None:
        stem = time.strftime("recording-%Y%m%d-%H%M%S")
        try:
            path = await asyncio.to_thread(save_recording, pcm, self._folder, stem)
        except AudioError as error:
            self.errorOccurred.emit(error.message)
            return
        self.recorded.emit(str(path))

    def _poll(self) -> None:
        self.levelChanged.emit(self._recorder.take_level())
        self.elapsedChanged.emit(self._recorder.elapsed_ms)
        if self._recorder.full:
            self.finish()
