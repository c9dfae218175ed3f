"""The player for the GUI: an :class:`AudioPlayer` behind Qt signals.

The audio callback runs in PortAudio's thread and never emits a signal. Instead a
``QTimer`` in the GUI thread polls the player's counters while something plays and
emits what changed. It is a :class:`~app.audio.speech.PcmSink`, so
:func:`app.audio.speech.speak` can stream into it.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal

from app.api.tts import PCM_FORMAT, PcmFormat
from app.audio.backend import AudioError, StreamFactory
from app.audio.player import AudioPlayer, PlaybackState

__all__ = ["QtAudioPlayer"]

_IDLE_STATES = (PlaybackState.IDLE, PlaybackState.STOPPED, PlaybackState.FINISHED)


class QtAudioPlayer(QObject):
    """Plays speech and reports on it through signals; use it from the GUI thread.

    Signals:
        stateChanged(str): A :class:`PlaybackState` value: ``"idle"``,
            ``"buffering"``, ``"playing"``, ``"paused"``, ``"stopped"``, ``"finished"``.
        positionChanged(int, int): Elapsed and total milliseconds (the total grows
            while audio streams in).
        levelChanged(float): The output peak, 0.0 to 1.0, for a level meter.
        errorOccurred(str): A message for the user: no sound device, PortAudio
            missing, device unplugged while playing.
        finished(): Playback reached the end of the input.

    Args:
        player: The player to drive; by default one on the default sound device.
        stream_factory: Used to make the default player (tests pass a fake).
        interval_ms: How often the player is polled while it plays.
        parent: The Qt parent.
    """

    stateChanged = Signal(str)
    positionChanged = Signal(int, int)
    levelChanged = Signal(float)
    errorOccurred = Signal(str)
    finished = Signal()

    def __init__(
        self,
        player: AudioPlayer | None = None,
        *,
        stream_factory: StreamFactory | None = None,
        interval_ms: int = 40,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._player = player if player is not None else AudioPlayer(stream_factory)
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._refresh)
        self._state = self._player.state
        self._position = (-1, -1)
        self._level = 0.0

    @property
    def player(self) -> AudioPlayer:
        """The wrapped player (for its properties: volume, device, format ...)."""
        return self._player

    @property
    def state(self) -> PlaybackState:
        """The state last reported by ``stateChanged``."""
        return self._state

    # -- PcmSink ----------------------------------------------------------------

    def begin(self, fmt: PcmFormat = PCM_FORMAT) -> None:
        """Start a new streamed playback (see :meth:`AudioPlayer.begin`).

        Raises:
            AudioError: No sound output. Also reported through ``errorOccurred``.
        """
        try:
            self._player.begin(fmt)
        except AudioError as error:
            self._report(error)
            raise
        self._start_polling()

    def feed(self, pcm: bytes) -> None:
        """Append streamed PCM (see :meth:`AudioPlayer.feed`)."""
        self._player.feed(pcm)

    def end_input(self) -> None:
        """No more PCM will come."""
        self._player.end_input()

    def stop(self) -> None:
        """Stop, release the device, rewind; the audio is kept for :meth:`resume`."""
        self._player.stop()
        self._refresh()

    # -- transport --------------------------------------------------------------

    def play(self, pcm: bytes, fmt: PcmFormat = PCM_FORMAT) -> bool:
        """Play a whole piece of PCM; False (and ``errorOccurred``) without sound."""
        try:
            self.begin(fmt)
        except AudioError:
            return False
        self.feed(pcm)
        self.end_input()
        return True

    def pause(self) -> None:
        """Hold the position."""
        self._player.pause()
        self._refresh()

    def resume(self) -> bool:
        """Go on after a pause or stop, or start over after the end.

        Returns:
            False when the device could not be opened (``errorOccurred`` says why).
        """
        try:
            self._player.resume()
        except AudioError as error:
            self._report(error)
            return False
        self._start_polling()
        return True

    def seek(self, ms: int) -> None:
        """Jump to ``ms`` within the audio that has arrived."""
        self._player.seek(ms)
        self._refresh()

    def set_volume(self, volume: float) -> None:
        """Set the gain, 0.0 to 1.0."""
        self._player.volume = volume

    def set_device(self, device: int | str | None) -> bool:
        """Play on another device (None: the default); False when it failed."""
        try:
            self._player.set_device(device)
        except AudioError as error:
            self._report(error)
            return False
        self._refresh()
        return True

    def close(self) -> None:
        """Release the device and forget the audio (call when the app closes)."""
        self._timer.stop()
        self._player.close()
        self._refresh()

    # -- polling ----------------------------------------------------------------

    def _start_polling(self) -> None:
        self._refresh()
        if not self._timer.isActive():
            self._timer.start()

    def _report(self, error: AudioError) -> None:
        self._refresh()
        self.errorOccurred.emit(error.message)

    def _refresh(self) -> None:
        """Poll, emit what changed since the last look; stop polling when nothing plays."""
        player = self._player
        failure: AudioError | None = None
        try:
            player.poll()  # releases the device at the end, notices a lost one
        except AudioError as error:
            failure = error
        position = (player.elapsed_ms, player.total_ms)
        if position != self._position:
            self._position = position
            self.positionChanged.emit(*position)
        level = player.level if player.state is PlaybackState.PLAYING else 0.0
        if level != self._level:
            self._level = level
            self.levelChanged.emit(level)
        state = player.state
        if state is not self._state:
            self._state = state
            self.stateChanged.emit(state.value)
            if state is PlaybackState.FINISHED:
                self.finished.emit()
        if state in _IDLE_STATES:
            self._timer.stop()
        if failure is not None:
            self.errorOccurred.emit(failure.message)
