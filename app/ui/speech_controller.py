"""Speech in the window: the panel's text, replies read aloud, audio attachments played.

One :class:`SpeechController` owns the one player, so only one thing sounds at a time.
Whatever asked for sound is its *owner* (the panel, a reply bubble, an
:class:`AudioFile`); starting something new stops what played before, and
``speakingChanged`` tells the buttons which owner sounds now. Requests stream into the
player through :func:`app.audio.speech.speak`, via the disk cache; files are decoded
and saved in worker threads. Every failure is a sentence on ``failed``, never a
traceback, and the controller stays ready for the next request.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from PySide6.QtCore import QObject, Signal

from app.api import errors
from app.api.events import RetryScheduled, SpeechEvent
from app.api.tts import SpeechRequest, SpeechResult
from app.audio.backend import AudioError, OutputDevice
from app.audio.cache import SpeechCache, speech_cache_key
from app.audio.codec import decode_file, save_pcm
from app.audio.player import PlaybackState
from app.audio.qt_player import QtAudioPlayer
from app.audio.speech import PcmSink, read_aloud_requests, result_pcm, speak
from app.core.connection import Connection, NoApiKey
from app.ui.chat_controller import retry_reason
from app.ui.speech_live import LiveReading
from app.ui.tasks import TaskSet

log = logging.getLogger(__name__)

PANEL: Final = "panel"
"""The owner of the speech panel's own speech."""

_SILENT = (PlaybackState.IDLE, PlaybackState.STOPPED, PlaybackState.FINISHED)

DeviceLister = Callable[[], list[OutputDevice]]
"""Lists the output devices (in a worker thread); raises AudioError without PortAudio."""


@dataclass(frozen=True)
class AudioFile:
    """The owner of a file being played (an audio attachment)."""

    path: str


class SpeechController(QObject):
    """Speaks, reads aloud and plays files through one :class:`QtAudioPlayer`.

    Signals:
        speakingChanged(object): the owner that sounds now (``PANEL``, a reply bubble,
            an :class:`AudioFile`), or None when nothing does.
        failed(str): a sentence for the user: no sound device, PortAudio missing, rate
            limited, the key rejected, the stream dropped, a file unreadable.
        notice(str): progress for the user ("Rate limited: retrying in 3 s…", "Saved").
        devicesListed(list): the :class:`OutputDevice` list, after ``refresh_devices``.
        saved(str): the audio was saved to this path.

    Args:
        connection: Where speech requests go (its key and endpoint at request time).
        player: The player; its device and volume are the user's.
        cache: Finished speech, so the same speech plays again without a request.
        devices: Lists the output devices; also imports the sound library, so it
            runs in a worker thread before the first sound.
        parent: The Qt parent.
    """

    speakingChanged = Signal(object)
    failed = Signal(str)
    notice = Signal(str)
    devicesListed = Signal(list)
    saved = Signal(str)

    def __init__(
        self,
        connection: Connection,
        player: QtAudioPlayer,
        cache: SpeechCache,
        *,
        devices: DeviceLister,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._connection = connection
        self._player = player
        self._cache = cache
        self._devices = devices
        self._tasks = TaskSet()
        self._task: asyncio.Task[None] | None = None
        self._owner: object | None = None
        self._live: LiveReading | None = None
        player.stateChanged.connect(lambda _state: self._settle())

    @property
    def player(self) -> QtAudioPlayer:
        """The player (for its signals, volume and audio)."""
        return self._player

    @property
    def owner(self) -> object | None:
        """What sounds now (see ``speakingChanged``)."""
        return self._owner

    # -- starting and stopping --------------------------------------------------

    def speak(self, request: SpeechRequest, owner: object = PANEL) -> None:
        """Speak ``request``: streamed (``pcm16``) or as a whole WAV or MP3 file."""
        if request.format == "pcm16":
            self._start(owner, lambda: self._stream([request]))
        else:
            self._start(owner, lambda: self._whole_file(request))

    def read_aloud(self, owner: object, markdown: str, template: SpeechRequest) -> None:
        """Read a Markdown text aloud, sentence-sized requests queued without gaps."""
        requests = read_aloud_requests(markdown, template)
        if not requests:
            self.failed.emit(self.tr("There is nothing to read aloud in this reply."))
            return
        self._start(owner, lambda: self._stream(requests))

    def begin_live(self, owner: object, template: SpeechRequest) -> None:
        """Read a reply aloud while it streams in: :meth:`feed_live`, then :meth:`end_live`."""
        live = LiveReading(template)
        self._start(owner, lambda: live.run(self._player, self._speak_into))
        self._live = live

    def feed_live(self, markdown: str) -> None:
        """A piece of the reply being read live; complete sentences are queued at once."""
        if self._live is not None:
            self._live.feed(markdown)

    def end_live(self) -> None:
        """The reply being read live is complete: the rest is queued, then it ends."""
        if self._live is not None:
            self._live.close()
            self._live = None

    def play_file(self, path: str) -> None:
        """Decode an audio file (in a worker thread) and play it."""
        self._start(AudioFile(path), lambda: self._file(path))

    def stop(self) -> None:
        """Silence: cancel the request in flight and stop the player."""
        self._live = None
        if self._task is not None:
            self._task.cancel()
            self._task = None
        self._player.stop()
        self._set_owner(None)

    def toggle(self, owner: object, start: Callable[[], None]) -> None:
        """Stop when ``owner`` sounds now, else call ``start`` (a button's click)."""
        if self._owner is not None and self._owner == owner:
            self.stop()
        else:
            start()

    def shutdown(self) -> None:
        """Cancel everything and release the sound device (the window closes)."""
        self._tasks.cancel_all()
        self._player.close()

    # -- devices, volume, saving ------------------------------------------------

    def refresh_devices(self) -> None:
        """List the output devices in a worker thread; ``devicesListed`` gives them."""
        self._tasks.start(self._list_devices(), name="list-audio-devices")

    async def _list_devices(self) -> None:
        try:
            found = await self._prepare_backend()
        except AudioError as error:
            self.failed.emit(error.message)
            return
        self.devicesListed.emit(found)

    def set_device(self, device: str | None) -> None:
        """Play on the device of this name (None: the system default)."""
        self._player.set_device(device)  # a failure is reported as errorOccurred

    def set_volume(self, volume: float) -> None:
        """The playback volume, 0.0 to 1.0."""
        self._player.set_volume(volume)

    def save(self, path: str) -> None:
        """Save the audio that played last (all of it that arrived) in a worker thread."""
        pcm, fmt = self._player.player.pcm(), self._player.player.format
        if not pcm:
            self.failed.emit(self.tr("There is no audio to save yet."))
            return

        async def write() -> None:
            try:
                saved = await asyncio.to_thread(save_pcm, path, pcm, fmt)
            except AudioError as error:
                self.failed.emit(error.message)
                return
            self.saved.emit(str(saved))

        self._tasks.start(write(), name="save-audio")

    # -- the work -----------------------------------------------------------------

    def _start(self, owner: object, work: Callable[[], Awaitable[None]]) -> None:
        previous, self._task = self._task, None
        self._live = None  # a reply read live is no longer fed once something else sounds
        if previous is not None:
            previous.cancel()
        self._set_owner(owner)
        self._task = self._tasks.start(self._run(previous, work), name="speech")

    async def _run(
        self, previous: asyncio.Task[None] | None, work: Callable[[], Awaitable[None]]
    ) -> None:
        if previous is not None:
            await asyncio.wait([previous])  # its clean-up (player.stop) comes first
        try:
            self._player.stop()  # what played before, even if its request was done
            await self._prepare_backend()
            await work()
        except asyncio.CancelledError:
            raise
        except AudioError as error:
            self.failed.emit(error.message)
        except NoApiKey:
            self.failed.emit(self.tr("Speech needs an API key: Settings > API key…"))
        except errors.MimoError as error:
            self.failed.emit(error.message)
        except Exception as error:  # a bug must not leave the panel stuck
            log.exception("Speech failed unexpectedly")
            self.failed.emit(self.tr("Speech failed: {0}").format(type(error).__name__))
        finally:
            if self._task is asyncio.current_task():
                self._task = None
                self._settle()

    async def _prepare_backend(self) -> list[OutputDevice]:
        """List the devices in a worker thread (which imports PortAudio, once)."""
        return await asyncio.to_thread(self._devices)

    async def _speak_into(self, sink: PcmSink, requests: list[SpeechRequest]) -> bytes:
        client = self._connection.speech_client()
        return await speak(client, sink, requests, cache=self._cache, on_event=self._on_event)

    async def _stream(self, requests: list[SpeechRequest]) -> None:
        await self._speak_into(self._player, requests)

    async def _whole_file(self, request: SpeechRequest) -> None:
        key = speech_cache_key(request)
        audio = await asyncio.to_thread(self._cache.get, key)
        if audio is None:
            result = await self._connection.speech_client().synthesize(request)
            audio = result.audio
            await asyncio.to_thread(self._cache.put, key, audio)
        pcm, fmt = await asyncio.to_thread(result_pcm, SpeechResult(audio, request.format))
        self._player.play(pcm, fmt)  # no device: reported through errorOccurred

    async def _file(self, path: str) -> None:
        decoded = await asyncio.to_thread(decode_file, Path(path))
        self._player.play(decoded.pcm, decoded.format)

    def _on_event(self, event: SpeechEvent) -> None:
        if isinstance(event, RetryScheduled):
            self.notice.emit(
                self.tr("{reason}: retrying in {seconds} s…").format(
                    reason=retry_reason(event.error), seconds=max(1, round(event.delay))
                )
            )

    def _settle(self) -> None:
        """Nothing sounds once no request runs and the player fell silent."""
        if self._task is None and self._player.state in _SILENT:
            self._set_owner(None)

    def _set_owner(self, owner: object | None) -> None:
        if owner is not self._owner:
            self._owner = owner
            self.speakingChanged.emit(owner)
