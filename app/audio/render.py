"""The audio-thread side of playback: fills the device's buffers from a ring buffer.

:class:`PcmRenderer` is the output stream's callback. It runs in PortAudio's thread,
so it only copies samples (no allocation on the normal path), takes one short lock,
never raises and never touches Qt. It reports through plain attributes (flags,
counters, the level), which the player reads from the control thread.

Playback starts once the pre-buffer is full (or the input ended). An underrun plays
silence, never stale samples, and waits for the pre-buffer again, so a slow network
gives a few longer pauses rather than constant stutter.
"""

from __future__ import annotations

import contextlib
import threading
from typing import Any

import numpy as np
import numpy.typing as npt

from app.audio.ring import Frames, PcmRingBuffer

__all__ = ["PcmRenderer", "pcm_to_frames"]

_SCRATCH_FRAMES = 8192


def pcm_to_frames(pcm: bytes, channels: int) -> Frames:
    """Whole frames of little-endian 16-bit PCM as an ``(n, channels)`` array."""
    usable = len(pcm) - len(pcm) % (2 * channels)
    return np.frombuffer(pcm, dtype="<i2", count=usable // 2).astype(np.int16).reshape(-1, channels)


class PcmRenderer:
    """Renders queued frames into device buffers; call the instance as the callback.

    Control-side changes that the callback must see atomically (seek, end of input,
    rewind) take :attr:`lock`; single flags such as ``paused`` or ``volume`` are
    plain attribute writes.

    Args:
        channels: Samples per frame.
        prebuffer_frames: Frames to gather before sound starts (or resumes after an
            underrun).
    """

    def __init__(self, channels: int, prebuffer_frames: int) -> None:
        self.ring = PcmRingBuffer(channels)
        self.lock = threading.Lock()
        self.done = threading.Event()  # set when the input has been played to its end
        self.prebuffer_frames = prebuffer_frames
        self.input_ended = False
        self.paused = False
        self.buffering = True
        self.finished = False
        self.volume = 1.0
        self.level = 0.0
        self.underruns = 0
        self.status_flags = 0
        self.error: BaseException | None = None
        self._scratch = np.zeros((_SCRATCH_FRAMES, channels), dtype=np.float32)

    def rewind(self, frames: Frames | None = None, position: int = 0) -> None:
        """Queue exactly ``frames`` (the next at ``position``); wait for the pre-buffer."""
        with self.lock:
            self.ring.reset(frames, position)
            self.buffering = True
            self.finished = False
            self.done.clear()

    def end_input(self) -> None:
        """No more frames will be queued: play out the rest, then finish."""
        with self.lock:
            self.input_ended = True

    def __call__(self, outdata: npt.NDArray[np.int16], frames: int, time: Any, status: Any) -> None:
        """The stream callback, as sounddevice calls it: fill ``outdata``."""
        try:
            with self.lock:
                if status:
                    self.status_flags += 1
                self._fill(outdata, frames)
        except Exception as exc:  # never let an error kill the audio thread
            self.error = exc
            with contextlib.suppress(Exception):
                outdata.fill(0)

    def _fill(self, outdata: npt.NDArray[np.int16], frames: int) -> None:
        ring = self.ring
        if self.paused or self.finished or (self.buffering and not self._gate_open()):
            outdata.fill(0)
            self.level = 0.0
            return
        self.buffering = False
        count = ring.read_into(outdata)
        if count < frames:
            outdata[count:].fill(0)
            if self.input_ended and ring.available == 0:
                self.finished = True
                self.done.set()
            else:
                self.buffering = True
                self.underruns += 1
        if count == 0:
            self.level = 0.0
            return
        block = outdata[:count]
        if self.volume != 1.0:
            self._scale(block)
        self.level = max(abs(int(block.max())), abs(int(block.min()))) / 32768.0

    def _gate_open(self) -> bool:
        return self.input_ended or self.ring.available >= self.prebuffer_frames

    def _scale(self, block: Frames) -> None:
        scratch = self._scratch
        if len(block) > len(scratch):  # an unusually large device buffer
            scratch = self._scratch = np.zeros((len(block), block.shape[1]), dtype=np.float32)
        work = scratch[: len(block)]
        np.multiply(block, self.volume, out=work)
        np.copyto(block, work, casting="unsafe")
