"""Plays PCM while it arrives: an output stream drained by a :class:`PcmRenderer`.

Threads: the control methods (``begin``, ``feed``, ``pause``, ``seek`` ...) may be
called from any thread, one at a time; in the app that is the GUI thread, where the
asyncio loop runs too. The output stream calls the renderer from its own thread (see
:mod:`app.audio.render`); :meth:`AudioPlayer.poll` reads what the renderer reported.

All audio that arrived is kept, so the player can seek backwards, replay after the
end, and hand the PCM over for saving.
"""

from __future__ import annotations

import threading
from enum import Enum, StrEnum, auto

from app.api.tts import PCM_FORMAT, PcmFormat
from app.audio.backend import (
    DEFAULT_BACKEND,
    DEVICE_LOST,
    AudioError,
    OutputStream,
    StreamFactory,
    message,
)
from app.audio.render import PcmRenderer, pcm_to_frames

__all__ = ["AudioPlayer", "PlaybackState", "pcm_to_frames"]


class PlaybackState(StrEnum):
    """What the player is doing; the values are stable strings for signals."""

    IDLE = "idle"  # nothing loaded
    BUFFERING = "buffering"  # playing, waiting for the pre-buffer to fill
    PLAYING = "playing"
    PAUSED = "paused"
    STOPPED = "stopped"  # audio kept, device released; resume() plays on
    FINISHED = "finished"  # played to the end of the input; device released


class _Mode(Enum):
    """What the user asked for; the renderer's flags refine ACTIVE."""

    EMPTY = auto()
    ACTIVE = auto()
    PAUSED = auto()
    STOPPED = auto()
    FINISHED = auto()


_STATES = {
    _Mode.EMPTY: PlaybackState.IDLE,
    _Mode.PAUSED: PlaybackState.PAUSED,
    _Mode.STOPPED: PlaybackState.STOPPED,
    _Mode.FINISHED: PlaybackState.FINISHED,
}


class AudioPlayer:
    """Plays one piece of 16-bit PCM at a time, from memory or as it streams in.

    Args:
        stream_factory: Opens the output stream; the default opens a sounddevice
            stream. Tests pass a fake device.
        device: The output device (index or name; None for the system default).
        prebuffer_ms: Audio to gather before sound starts, or resumes after an
            underrun.
    """

    def __init__(
        self,
        stream_factory: StreamFactory | None = None,
        *,
        device: int | str | None = None,
        prebuffer_ms: int = 150,
    ) -> None:
        self._factory: StreamFactory = stream_factory or DEFAULT_BACKEND.open_output
        self._device = device
        self._prebuffer_ms = prebuffer_ms
        self._lock = threading.RLock()
        self._format = PCM_FORMAT
        self._history = bytearray()
        self._partial = b""
        self._render = PcmRenderer(PCM_FORMAT.channels, self._prebuffer_frames(PCM_FORMAT))
        self._stream: OutputStream | None = None
        self._mode = _Mode.EMPTY

    # -- loading ----------------------------------------------------------------

    def begin(self, fmt: PcmFormat = PCM_FORMAT) -> None:
        """Start a new playback of streamed PCM in ``fmt``; the old audio is dropped.

        Opens the device at once, so a missing device is reported before any request
        is made; sound starts when the pre-buffer is full.

        Raises:
            AudioError: No sound output (the player is then stopped, and still takes
                the audio fed to it).
        """
        with self._lock:
            self._close_stream()
            volume = self._render.volume
            self._format = fmt
            self._history = bytearray()
            self._partial = b""
            self._render = PcmRenderer(fmt.channels, self._prebuffer_frames(fmt))
            self._render.volume = volume
            self._mode = _Mode.ACTIVE
            self._open_stream()

    def feed(self, pcm: bytes) -> None:
        """Append PCM; a piece may end mid-frame (the next piece completes it).

        Ignored after :meth:`end_input` (until the next :meth:`begin`).
        """
        with self._lock:
            if self._render.input_ended:
                return
            data = self._partial + pcm if self._partial else pcm
            whole = len(data) - len(data) % self._format.frame_bytes
            self._partial = data[whole:]
            if whole:
                self._history += data[:whole]
                self._render.ring.write(pcm_to_frames(data[:whole], self._format.channels))

    def end_input(self) -> None:
        """No more audio will come: play out what is buffered, then finish."""
        with self._lock:
            self._partial = b""
            self._render.end_input()

    def play(self, pcm: bytes, fmt: PcmFormat = PCM_FORMAT) -> None:
        """Play a whole piece of PCM (``begin`` + ``feed`` + ``end_input``).

        Raises:
            AudioError: No sound output.
        """
        self.begin(fmt)
        self.feed(pcm)
        self.end_input()

    # -- transport --------------------------------------------------------------

    def pause(self) -> None:
        """Hold the position; the device plays silence until :meth:`resume`."""
        with self._lock:
            if self._mode is _Mode.ACTIVE:
                self._render.paused = True
                self._mode = _Mode.PAUSED

    def resume(self) -> None:
        """Go on after :meth:`pause` or :meth:`stop`; start over after the end.

        Raises:
            AudioError: The device could not be opened again.
        """
        with self._lock:
            if self._mode is _Mode.PAUSED:
                self._render.paused = False
                self._mode = _Mode.ACTIVE
            elif self._mode is _Mode.ACTIVE and self._render.finished:
                self._move_to(0)
            elif self._mode in (_Mode.STOPPED, _Mode.FINISHED):
                if self._mode is _Mode.FINISHED:
                    self._move_to(0)
                self._mode = _Mode.ACTIVE
                self._open_stream()

    def stop(self) -> None:
        """Release the device and go back to the start; the audio is kept."""
        with self._lock:
            self._close_stream()
            if self._mode is not _Mode.EMPTY:
                self._move_to(0)
                self._render.paused = False
                self._mode = _Mode.STOPPED

    def close(self) -> None:
        """Release the device and forget the audio."""
        with self._lock:
            self._close_stream()
            self._history = bytearray()
            self._partial = b""
            self._render.rewind()
            self._mode = _Mode.EMPTY

    def seek(self, ms: int) -> None:
        """Jump to ``ms`` within the audio that has arrived (clamped to it)."""
        with self._lock:
            frames = self._format.samplerate * max(ms, 0) // 1000
            self._move_to(min(frames, self._format.frames_in(len(self._history))))
            if self._mode is _Mode.FINISHED:
                self._mode = _Mode.STOPPED

    def set_device(self, device: int | str | None) -> None:
        """Use another output device; a running playback moves over at its position.

        Raises:
            AudioError: The new device could not be opened (the player is stopped).
        """
        with self._lock:
            self._device = device
            if self._stream is not None:
                self._close_stream()
                self._open_stream()

    # -- observing --------------------------------------------------------------

    @property
    def state(self) -> PlaybackState:
        """The current state; BUFFERING, PLAYING and FINISHED come from the renderer."""
        if self._mode is _Mode.ACTIVE:
            if self._render.finished:
                return PlaybackState.FINISHED
            return PlaybackState.BUFFERING if self._render.buffering else PlaybackState.PLAYING
        return _STATES[self._mode]

    @property
    def format(self) -> PcmFormat:
        """The format of the current audio."""
        return self._format

    @property
    def device(self) -> int | str | None:
        """The chosen output device (None: the system default)."""
        return self._device

    @property
    def volume(self) -> float:
        """The gain applied to the samples, 0.0 to 1.0."""
        return self._render.volume

    @volume.setter
    def volume(self, value: float) -> None:
        self._render.volume = min(max(float(value), 0.0), 1.0)

    @property
    def elapsed_ms(self) -> int:
        """How far playback got (what the device has been given)."""
        return self._format.ms_of(self._render.ring.position)

    @property
    def total_ms(self) -> int:
        """The length of the audio that has arrived so far."""
        return self._format.ms_of(self._format.frames_in(len(self._history)))

    @property
    def input_complete(self) -> bool:
        """Whether :meth:`end_input` was called, so ``total_ms`` is final."""
        return self._render.input_ended

    @property
    def level(self) -> float:
        """The peak of the last block played, 0.0 to 1.0 (for a level meter)."""
        return self._render.level

    @property
    def underruns(self) -> int:
        """How often the audio ran out before the input ended."""
        return self._render.underruns

    def pcm(self) -> bytes:
        """All the audio that has arrived, in :attr:`format`."""
        with self._lock:
            return bytes(self._history)

    def wait_done(self, timeout: float | None = None) -> bool:
        """Block until the input has been played to its end; False on timeout."""
        return self._render.done.wait(timeout)

    def poll(self) -> PlaybackState:
        """Check on the device; release it once playback finished. Call it often.

        Raises:
            AudioError: The device failed (unplugged, or an error in the callback);
                the player is then stopped at its position, ready to :meth:`resume`.
        """
        with self._lock:
            stream = self._stream
            if stream is None:
                return self.state
            failure = self._render.error
            if failure is None and not stream.active:
                failure = AudioError(message(DEVICE_LOST))
            if failure is not None:
                self._close_stream()
                self._mode = _Mode.STOPPED
                error = (
                    failure if isinstance(failure, AudioError) else AudioError(message(DEVICE_LOST))
                )
                raise error from failure
            if self._render.finished and self._mode is _Mode.ACTIVE:
                self._close_stream()
                self._mode = _Mode.FINISHED
            return self.state

    # -- internals --------------------------------------------------------------

    def _prebuffer_frames(self, fmt: PcmFormat) -> int:
        return fmt.samplerate * self._prebuffer_ms // 1000

    def _open_stream(self) -> None:
        self._render.error = None
        try:
            stream = self._factory(
                callback=self._render,
                samplerate=self._format.samplerate,
                channels=self._format.channels,
                device=self._device,
            )
            self._stream = stream
            stream.start()
        except AudioError:
            self._close_stream()
            self._mode = _Mode.STOPPED
            raise

    def _close_stream(self) -> None:
        stream, self._stream = self._stream, None
        if stream is not None:
            stream.close()
        self._render.level = 0.0

    def _move_to(self, frame: int) -> None:
        start = frame * self._format.frame_bytes
        self._render.rewind(
            pcm_to_frames(bytes(self._history[start:]), self._format.channels), frame
        )
