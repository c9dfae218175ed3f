"""A fake microphone: the test pushes blocks into the recorder's input callback."""

from __future__ import annotations

from typing import Any

import numpy as np

from app.audio.backend import AudioError
from app.audio.recorder import InputCallback


class FakeMicrophone:
    """An input stream factory; ``push`` calls the callback as PortAudio's thread would.

    Args:
        fail: When set, opening raises :class:`AudioError` with this message.
    """

    def __init__(self, fail: str | None = None) -> None:
        self.fail = fail
        self.callback: InputCallback | None = None
        self.opened: list[dict[str, Any]] = []
        self.active = False

    def __call__(
        self,
        *,
        callback: InputCallback,
        samplerate: int,
        channels: int,
        device: int | str | None,
    ) -> FakeMicrophone:
        if self.fail is not None:
            raise AudioError(self.fail)
        self.callback = callback
        self.opened.append({"samplerate": samplerate, "channels": channels, "device": device})
        return self

    def start(self) -> None:
        self.active = True

    def close(self) -> None:
        self.active = False

    def push(self, samples: list[int] | np.ndarray) -> None:
        assert self.callback is not None and self.active, "the stream is not running"
        block = np.asarray(samples, dtype=np.int16).reshape(-1, 1)
        self.callback(block, len(block), None, None)
