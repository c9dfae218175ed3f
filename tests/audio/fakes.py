"""A fake sound device for the player: it pulls from the callback and records what it got.

:class:`RecordingSink` is a :class:`~app.audio.backend.StreamFactory`. Every stream it
opens calls the player's callback with a fresh ``(frames, channels)`` int16 buffer,
exactly as PortAudio does, and keeps a copy of each filled buffer:

* manual mode (``realtime=False``): the test calls :meth:`RecordingSink.pull`;
* real-time mode: a thread pulls one block every ``blocksize / samplerate`` seconds
  from ``start()`` until ``close()`` or :meth:`RecordingSink.unplug`.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from app.audio.backend import AudioCallback, AudioError

Samples = npt.NDArray[np.int16]


@dataclass(frozen=True)
class Block:
    """One buffer the device received: when (monotonic) and what."""

    at: float
    samples: Samples


@dataclass
class Opened:
    """The arguments of one ``open`` call."""

    samplerate: int
    channels: int
    device: int | str | None


class FakeStream:
    """One open stream of a :class:`RecordingSink`."""

    def __init__(self, sink: RecordingSink, callback: AudioCallback, opened: Opened) -> None:
        self.sink = sink
        self.callback = callback
        self.opened = opened
        self.started = False
        self.closed = False
        self.lost = False
        self._halt = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def active(self) -> bool:
        return self.started and not self.closed and not self.lost

    def start(self) -> None:
        if self.sink.fail_start is not None:
            raise self.sink.fail_start
        self.started = True
        if self.sink.realtime:
            self._thread = threading.Thread(target=self._run, name="fake-audio", daemon=True)
            self._thread.start()

    def close(self) -> None:
        self.closed = True
        self._halt.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(5)

    def pull(self, frames: int, status: Any = None) -> Samples:
        outdata = np.full((frames, self.opened.channels), 12345, dtype=np.int16)  # garbage
        self.callback(outdata, frames, None, status)
        copy = outdata.copy()
        with self.sink.lock:
            self.sink.blocks.append(Block(time.monotonic(), copy))
        return copy

    def _run(self) -> None:
        period = self.sink.blocksize / self.opened.samplerate / self.sink.speed
        next_pull = time.monotonic()
        while not self._halt.is_set() and not self.lost:
            self.pull(self.sink.blocksize)
            next_pull += period
            self._halt.wait(max(0.0, next_pull - time.monotonic()))


@dataclass
class RecordingSink:
    """A fake output device and the factory that opens streams on it.

    Attributes:
        blocksize: Frames per pull in real-time mode (and the default of ``pull``).
        realtime: Pull from a thread at the device's pace.
        speed: In real-time mode, how many times faster than real time to pull.
        fail_open: Raised by the factory (e.g. "no device").
        fail_start: Raised by ``start()``.
    """

    blocksize: int = 480
    realtime: bool = False
    speed: float = 1.0
    fail_open: AudioError | None = None
    fail_start: AudioError | None = None
    streams: list[FakeStream] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(
        self,
        *,
        callback: AudioCallback,
        samplerate: int,
        channels: int,
        device: int | str | None,
    ) -> FakeStream:
        if self.fail_open is not None:
            raise self.fail_open
        stream = FakeStream(self, callback, Opened(samplerate, channels, device))
        self.streams.append(stream)
        return stream

    @property
    def stream(self) -> FakeStream:
        """The last stream opened."""
        return self.streams[-1]

    def pull(self, frames: int | None = None) -> Samples:
        """Manual mode: the device asks the last stream for one buffer."""
        stream = self.stream
        assert stream.active, "the device pulls only from a started, open stream"
        return stream.pull(frames or self.blocksize)

    def unplug(self) -> None:
        """The device disappears: the stream stops pulling and turns inactive."""
        self.stream.lost = True

    def recorded(self) -> Samples:
        """Every sample received, in order, channels interleaved."""
        with self.lock:
            blocks = [block.samples.reshape(-1) for block in self.blocks]
        return np.concatenate(blocks) if blocks else np.zeros(0, np.int16)

    def sound(self) -> Samples:
        """The received samples without zeros (the simulator's speech is never zero)."""
        samples = self.recorded()
        return samples[samples != 0]

    def first_sound_at(self) -> float | None:
        """When the first block with a non-zero sample arrived."""
        with self.lock:
            for block in self.blocks:
                if block.samples.any():
                    return block.at
        return None


def pcm(samples: list[int] | Samples) -> bytes:
    """Little-endian 16-bit PCM bytes of ``samples``."""
    return np.asarray(samples, dtype="<i2").tobytes()


def samples_of(data: bytes) -> Samples:
    """The int16 samples of little-endian PCM bytes."""
    return np.frombuffer(data, dtype="<i2").astype(np.int16)
