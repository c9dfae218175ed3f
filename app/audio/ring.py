"""A thread-safe ring buffer of 16-bit PCM frames between a writer and the audio callback.

The writer (the thread that receives audio; one writer at a time) never loses data:
when the ring is full it grows, allocating in the writer's thread. The reader (the
audio callback) only copies into the array it is given: no allocation, one short lock.
"""

from __future__ import annotations

import threading

import numpy as np
import numpy.typing as npt

__all__ = ["PcmRingBuffer"]

Frames = npt.NDArray[np.int16]


class PcmRingBuffer:
    """Frames of ``channels`` int16 samples, first in, first out.

    Args:
        channels: Samples per frame.
        capacity: Initial capacity in frames (grows on demand).

    Attributes:
        position: The timeline index of the next frame to be read: frames read since
            the last :meth:`reset`, plus the position given to it.
    """

    def __init__(self, channels: int = 1, capacity: int = 48_000) -> None:
        if channels < 1 or capacity < 1:
            raise ValueError("channels and capacity must be positive")
        self._channels = channels
        self._data: Frames = np.zeros((capacity, channels), dtype=np.int16)
        self._lock = threading.Lock()
        self._start = 0
        self._size = 0
        self.position = 0

    @property
    def channels(self) -> int:
        """Samples per frame."""
        return self._channels

    @property
    def capacity(self) -> int:
        """Frames the ring holds before it has to grow."""
        return len(self._data)

    @property
    def available(self) -> int:
        """Frames waiting to be read."""
        return self._size

    def write(self, frames: Frames) -> None:
        """Append frames (shape ``(n, channels)``), growing the ring if needed."""
        count = len(frames)
        if count == 0:
            return
        with self._lock:
            needed = self._size + count
        if needed > len(self._data):
            self._grow(needed)
        with self._lock:
            capacity = len(self._data)
            end = (self._start + self._size) % capacity
            first = min(count, capacity - end)
            self._data[end : end + first] = frames[:first]
            self._data[: count - first] = frames[first:]
            self._size += count

    def read_into(self, out: Frames) -> int:
        """Move up to ``len(out)`` frames into ``out``; return how many (the rest untouched)."""
        with self._lock:
            count = min(len(out), self._size)
            if count == 0:
                return 0
            capacity = len(self._data)
            first = min(count, capacity - self._start)
            np.copyto(out[:first], self._data[self._start : self._start + first])
            if count > first:
                np.copyto(out[first:count], self._data[: count - first])
            self._start = (self._start + count) % capacity
            self._size -= count
            self.position += count
            return count

    def reset(self, frames: Frames | None = None, position: int = 0) -> None:
        """Drop everything, then hold ``frames``, the next of which is at ``position``."""
        frames = frames if frames is not None else np.zeros((0, self._channels), np.int16)
        if len(frames) > len(self._data):
            self._grow(len(frames))
        with self._lock:
            self._start = 0
            self._size = len(frames)
            self._data[: len(frames)] = frames
            self.position = position

    def _grow(self, needed: int) -> None:
        """Enlarge to at least ``needed`` frames (doubling); allocates outside the lock."""
        capacity = max(needed, 2 * len(self._data))
        bigger: Frames = np.zeros((capacity, self._channels), dtype=np.int16)
        with self._lock:
            old = self._data
            first = min(self._size, len(old) - self._start)
            bigger[:first] = old[self._start : self._start + first]
            bigger[first : self._size] = old[: self._size - first]
            self._data = bigger
            self._start = 0
