"""QtAudioPlayer: signals from a QTimer in the GUI thread, never from the audio thread."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import httpx
import numpy as np
import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from app.api.retry import RetryPolicy
from app.api.tts import SpeechRequest, build_speech_body
from app.api.tts_client import SpeechClient
from app.audio.backend import DEVICE_LOST, NO_OUTPUT_DEVICE, AudioError
from app.audio.player import AudioPlayer, PlaybackState
from app.audio.qt_player import QtAudioPlayer
from app.audio.speech import speak
from app.ui.event_loop import AppEventLoop
from tests.audio.fakes import RecordingSink, pcm, samples_of
from tests.sim import Plan, Simulator
from tests.sim.tts import expected_pcm

AUDIO = pcm(np.full(24_000 // 4, 16_000, dtype=np.int16))  # 250 ms, loud


class Recorder:
    """Records every signal with the thread it arrived in (direct connections)."""

    def __init__(self, qt_player: QtAudioPlayer) -> None:
        self.states: list[str] = []
        self.positions: list[tuple[int, int]] = []
        self.levels: list[float] = []
        self.errors: list[str] = []
        self.threads: set[threading.Thread] = set()
        direct = Qt.ConnectionType.DirectConnection
        qt_player.stateChanged.connect(self._state, direct)
        qt_player.positionChanged.connect(self._position, direct)
        qt_player.levelChanged.connect(self._level, direct)
        qt_player.errorOccurred.connect(self._error, direct)

    def _seen(self) -> None:
        self.threads.add(threading.current_thread())

    def _state(self, state: str) -> None:
        self._seen()
        self.states.append(state)

    def _position(self, elapsed: int, total: int) -> None:
        self._seen()
        self.positions.append((elapsed, total))

    def _level(self, level: float) -> None:
        self._seen()
        self.levels.append(level)

    def _error(self, message: str) -> None:
        self._seen()
        self.errors.append(message)


@pytest.fixture
def sink() -> RecordingSink:
    return RecordingSink(blocksize=480, realtime=True)


@pytest.fixture
def qt_player(qtbot: QtBot, sink: RecordingSink) -> Iterator[QtAudioPlayer]:
    player = QtAudioPlayer(AudioPlayer(sink, prebuffer_ms=50), interval_ms=10)
    yield player
    player.close()


def test_playing_to_the_end_signals_states_positions_levels_and_finished(
    qtbot: QtBot, qt_player: QtAudioPlayer, sink: RecordingSink
) -> None:
    seen = Recorder(qt_player)
    with qtbot.waitSignal(qt_player.finished, timeout=10_000):
        assert qt_player.play(AUDIO)
    assert seen.states[-1] == "finished"
    assert "playing" in seen.states
    assert seen.positions[-1] == (250, 250)
    assert max(seen.levels) == pytest.approx(16_000 / 32768)
    assert seen.levels[-1] == 0.0
    assert seen.threads == {threading.main_thread()}  # never the audio thread
    assert sink.stream.closed
    assert np.array_equal(sink.sound(), samples_of(AUDIO))


@pytest.fixture
def manual() -> RecordingSink:
    """A device that pulls only when the test says so."""
    return RecordingSink(blocksize=480)


@pytest.fixture
def manual_player(qtbot: QtBot, manual: RecordingSink) -> Iterator[QtAudioPlayer]:
    player = QtAudioPlayer(AudioPlayer(manual, prebuffer_ms=50), interval_ms=10)
    yield player
    player.close()


def test_pause_resume_seek_and_stop_report_their_state(
    qtbot: QtBot, manual_player: QtAudioPlayer, manual: RecordingSink
) -> None:
    seen = Recorder(manual_player)
    manual_player.play(AUDIO)
    manual.pull()
    qtbot.waitUntil(lambda: manual_player.state is PlaybackState.PLAYING, timeout=5000)
    manual_player.pause()
    assert seen.states[-1] == "paused"
    manual_player.seek(200)
    assert seen.positions[-1] == (200, 250)
    with qtbot.waitSignal(manual_player.finished, timeout=5000):
        assert manual_player.resume()
        while manual_player.player.state is not PlaybackState.FINISHED:
            manual.pull()
    # After a seek the player gathers its pre-buffer again (here: at once, input ended).
    assert seen.states[-3:] == ["paused", "buffering", "finished"]
    manual_player.stop()
    assert seen.states[-1] == "stopped"
    assert seen.positions[-1] == (0, 250)
    manual_player.set_volume(0.25)
    assert manual_player.player.volume == 0.25


def test_an_unplugged_device_emits_an_error(
    qtbot: QtBot, manual_player: QtAudioPlayer, manual: RecordingSink
) -> None:
    seen = Recorder(manual_player)
    manual_player.begin()
    manual_player.feed(AUDIO)
    manual.pull()
    qtbot.waitUntil(lambda: manual_player.state is PlaybackState.PLAYING, timeout=5000)
    with qtbot.waitSignal(manual_player.errorOccurred, timeout=5000) as blocker:
        manual.unplug()
    assert blocker.args == [DEVICE_LOST]
    assert seen.states[-1] == "stopped"
    assert manual.stream.closed
    assert seen.threads == {threading.main_thread()}


def test_no_device_emits_an_error_and_play_returns_false(
    qtbot: QtBot, qt_player: QtAudioPlayer, sink: RecordingSink
) -> None:
    sink.fail_open = AudioError(NO_OUTPUT_DEVICE)
    with qtbot.waitSignal(qt_player.errorOccurred, timeout=1000) as blocker:
        assert not qt_player.play(AUDIO)
    assert blocker.args == [NO_OUTPUT_DEVICE]
    with qtbot.waitSignal(qt_player.errorOccurred, timeout=1000), pytest.raises(AudioError):
        qt_player.begin()
    with qtbot.waitSignal(qt_player.errorOccurred, timeout=1000):
        assert not qt_player.resume()
    assert qt_player.state is PlaybackState.STOPPED


def test_speak_streams_into_the_qt_player_on_the_qasync_loop(
    qtbot: QtBot, qloop: AppEventLoop, sim: Simulator, qt_player: QtAudioPlayer, sink: RecordingSink
) -> None:
    sim.enqueue(Plan(audio_pieces=5))
    request = SpeechRequest("Through Qt.")
    http = httpx.AsyncClient(timeout=httpx.Timeout(10.0))
    client = SpeechClient(http, base_url=sim.base_url, api_key="sk-test", retry=RetryPolicy(0))
    results: list[Any] = []

    async def run() -> None:
        results.append(await speak(client, qt_player, [request]))
        await http.aclose()

    with qtbot.waitSignal(qt_player.finished, timeout=10_000):
        task = qloop.create_task(run())
    qtbot.waitUntil(task.done, timeout=5000)
    task.result()
    expected = expected_pcm(build_speech_body(request, stream=True))
    assert results == [expected]
    assert np.array_equal(sink.sound(), samples_of(expected))
