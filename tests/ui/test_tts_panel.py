"""The speech panel in the running app: speak, hear, stop, save; errors as messages.

The sound device is the recording fake of tests/audio/fakes.py, pulling in real time
(sped up): the app is built with it as the player's stream factory, so the tests see
the exact samples the device was given. The simulator's speech is never zero, so the
device's recording without zeros (pre-buffer, underruns) is the speech.
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog
from pytestqt.qtbot import QtBot

import tests.ui.conftest as ui_conftest
from app.api.tts import SpeechRequest, build_speech_body
from app.assembly import build
from app.audio.backend import NO_OUTPUT_DEVICE, PORTAUDIO_MISSING, AudioError, OutputDevice
from app.audio.player import PlaybackState
from app.core.settings import SETTINGS_FILE_NAME, load_settings
from app.ui.event_loop import AppEventLoop
from app.ui.tts_panel import TtsPanel
from tests.audio.fakes import RecordingSink, samples_of
from tests.sim import Plan, Simulator
from tests.sim.tts import expected_pcm, expected_pieces, is_speech_request
from tests.ui.conftest import RunningApp, start_app

SPEED = 4.0  # the fake device pulls four times faster than real time


@dataclass
class FakeDevices:
    """The output devices the app lists; ``error`` fakes a missing PortAudio."""

    devices: list[OutputDevice] = field(
        default_factory=lambda: [
            OutputDevice(0, "Fake speakers", True),
            OutputDevice(1, "Fake headphones", False),
        ]
    )
    error: AudioError | None = None

    def __call__(self) -> list[OutputDevice]:
        if self.error is not None:
            raise self.error
        return list(self.devices)


@pytest.fixture
def sink() -> RecordingSink:
    return RecordingSink(blocksize=480, realtime=True, speed=SPEED)


@pytest.fixture
def devices() -> FakeDevices:
    return FakeDevices()


@pytest.fixture
def app(
    qtbot: QtBot,
    qloop: AppEventLoop,
    sim: Simulator,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    sink: RecordingSink,
    devices: FakeDevices,
) -> Iterator[RunningApp]:
    """The running app, its sound going to the recording fake device."""
    fake_audio = functools.partial(build, audio_output=sink, audio_devices=devices)
    monkeypatch.setattr(ui_conftest, "build", fake_audio)
    yield from start_app(qtbot, qloop, sim, tmp_path)


def open_panel(app: RunningApp) -> TtsPanel:
    app.window.speech_panel_action.trigger()
    panel: TtsPanel = app.window.tts_panel
    assert panel.isVisible()
    return panel


def speech_requests(app: RunningApp) -> list[Any]:
    """The bodies of the speech requests the app sent, oldest first."""
    return [body for body in app.chat_requests() if is_speech_request(body)]


def spoken_texts(app: RunningApp) -> list[str]:
    return [body["messages"][-1]["content"] for body in speech_requests(app)]


def click(app: RunningApp, button: Any) -> None:
    app.qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def speak(app: RunningApp, text: str) -> TtsPanel:
    panel = app.window.tts_panel
    panel.text.setPlainText(text)
    click(app, panel.speak_button)
    return panel


def played_out(app: RunningApp, timeout: int = 10_000) -> None:
    """Wait until nothing sounds any more (played to the end, stopped or failed)."""
    speech = app.parts.speech
    app.qtbot.waitUntil(lambda: speech.owner is None, timeout=timeout)


def message(app: RunningApp) -> str:
    label = app.window.tts_panel.message
    return label.text() if label.isVisible() else ""


def test_speak_plays_exactly_what_the_simulator_synthesised(
    app: RunningApp, sink: RecordingSink
) -> None:
    panel = open_panel(app)
    app.sim.enqueue(Plan(audio_pieces=5))
    panel.set_voice("default_en")
    panel.style_preset.setCurrentIndex(panel.style_preset.findData("Happy"))
    panel.instruction.setText("slowly")

    speak(app, "Hello from the speech panel.")
    app.qtbot.waitUntil(panel.stop_button.isEnabled)
    played_out(app)

    (body,) = speech_requests(app)
    request = SpeechRequest(
        "Hello from the speech panel.", "slowly", "Happy", "default_en", format="pcm16"
    )
    assert body == build_speech_body(request, stream=True)
    assert np.array_equal(sink.sound(), samples_of(expected_pcm(body)))
    assert len(sink.streams) == 1 and sink.stream.closed  # the device is released
    total_ms = len(expected_pcm(body)) // 2 * 1000 // 24_000
    assert panel.time.text() == f"0:00 / 0:0{total_ms // 1000}"
    assert not panel.stop_button.isEnabled() and panel.save_button.isEnabled()
    assert message(app) == ""


def test_speaking_the_same_again_plays_from_the_cache_without_a_request(
    app: RunningApp, sink: RecordingSink
) -> None:
    open_panel(app)
    speak(app, "Say it twice.")
    played_out(app)
    speak(app, "Say it twice.")
    played_out(app)

    (body,) = speech_requests(app)
    once = samples_of(expected_pcm(body))
    assert np.array_equal(sink.sound(), np.concatenate([once, once]))
    assert list((app.data_dir / "cache" / "speech").glob("*.audio"))
    speak(app, "Something new.")  # another text is a new request
    played_out(app)
    assert spoken_texts(app) == ["Say it twice.", "Something new."]


@pytest.mark.parametrize("suffix", ["wav", "flac"])
def test_save_as_writes_a_file_that_reads_back_equal(
    app: RunningApp, tmp_path: Path, suffix: str
) -> None:
    panel = open_panel(app)
    assert not panel.save_button.isEnabled()  # nothing to save yet
    speak(app, "Keep this.")
    played_out(app)
    target = tmp_path / f"kept.{suffix}"

    click(app, panel.save_button)
    app.qtbot.waitUntil(lambda: any(d.isVisible() for d in app.window.findChildren(QFileDialog)))
    (dialog,) = [d for d in app.window.findChildren(QFileDialog) if d.isVisible()]
    assert dialog.testOption(QFileDialog.Option.DontUseNativeDialog)
    dialog.selectFile(str(target))
    dialog.accept()

    app.qtbot.waitUntil(lambda: target.exists() and "Saved" in message(app))
    samples, rate = soundfile.read(target, dtype="int16")
    assert rate == 24_000
    (body,) = speech_requests(app)
    assert np.array_equal(samples, samples_of(expected_pcm(body)))


def test_a_rate_limit_shows_the_retries_then_a_message_and_the_panel_works_after(
    app: RunningApp, sink: RecordingSink
) -> None:
    open_panel(app)
    app.sim.enqueue(*[Plan(status=429, retry_after="2") for _ in range(4)])
    speak(app, "Too many.")
    for retries in (1, 2, 3):  # the app retries three times, then gives up
        app.qtbot.waitUntil(lambda n=retries: len(app.sleep.delays) == n)  # type: ignore[misc]
        assert "Rate limited: retrying in 2 s" in message(app)
        app.sleep.release()
    app.qtbot.waitUntil(lambda: "Too many requests (429)" in message(app))
    played_out(app)
    assert "Traceback" not in message(app)
    assert sink.sound().size == 0

    speak(app, "Now it works.")
    played_out(app)
    assert message(app) == ""
    body = speech_requests(app)[-1]
    assert np.array_equal(sink.sound(), samples_of(expected_pcm(body)))


def test_no_sound_device_is_a_message_before_any_request(
    app: RunningApp, sink: RecordingSink
) -> None:
    open_panel(app)
    sink.fail_open = AudioError(NO_OUTPUT_DEVICE)
    speak(app, "Is anyone there?")
    app.qtbot.waitUntil(lambda: "No sound output device" in message(app))
    played_out(app)
    assert speech_requests(app) == []

    sink.fail_open = None
    speak(app, "Speakers are back.")
    played_out(app)
    assert np.array_equal(sink.sound(), samples_of(expected_pcm(speech_requests(app)[-1])))


def test_without_portaudio_the_app_runs_and_the_panel_says_what_to_install(
    app: RunningApp, sink: RecordingSink, devices: FakeDevices
) -> None:
    devices.error = sink.fail_open = AudioError(PORTAUDIO_MISSING)
    app.send("Text chat still works")
    app.wait_idle()
    assert app.replies()[0].text == "Echo: Text chat still works"

    panel = open_panel(app)  # showing the panel lists the devices
    app.qtbot.waitUntil(lambda: "libportaudio2" in message(app))
    panel.clear_message()
    speak(app, "Hello?")
    app.qtbot.waitUntil(lambda: "libportaudio2" in message(app))
    assert speech_requests(app) == []
    assert panel.speak_button.isEnabled()


def test_a_dropped_stream_is_a_message_and_what_arrived_plays(
    app: RunningApp, sink: RecordingSink
) -> None:
    open_panel(app)
    app.sim.enqueue(Plan(audio_pieces=4, drop_after=3))
    speak(app, "This stream breaks.")
    app.qtbot.waitUntil(lambda: "dropped" in message(app))
    played_out(app)
    (body,) = speech_requests(app)
    arrived = b"".join(expected_pieces(body, 4)[:2])
    assert np.array_equal(sink.sound(), samples_of(arrived))


def test_a_revoked_key_is_a_message(app: RunningApp) -> None:
    open_panel(app)
    app.parts.connection.api_key = "sk-revoked"
    speak(app, "Who am I?")
    app.qtbot.waitUntil(lambda: "API key was rejected" in message(app))
    played_out(app)
    assert "sk-revoked" not in message(app)


def test_stop_silences_at_once_and_releases_the_device(
    app: RunningApp, sink: RecordingSink
) -> None:
    panel = open_panel(app)
    app.sim.enqueue(Plan(audio_pieces=8, pause_after=4))  # the stream hangs mid-way
    speak(app, "A long sentence that is still being synthesised when Stop is clicked.")
    app.qtbot.waitUntil(lambda: sink.sound().size > 0)

    click(app, panel.stop_button)

    assert app.parts.speech.owner is None
    assert not panel.stop_button.isEnabled()
    assert app.parts.speech.player.state is PlaybackState.STOPPED
    assert sink.stream.closed
    heard = sink.sound().size
    app.sim.release()
    speak(app, "Next.")  # the panel is ready again
    played_out(app)
    assert sink.sound().size > heard


def test_the_output_device_and_volume_are_remembered(app: RunningApp, sink: RecordingSink) -> None:
    panel = open_panel(app)
    app.qtbot.waitUntil(lambda: panel.device.count() == 3)
    assert [panel.device.itemText(i) for i in range(3)] == [
        "System default",
        "Fake speakers",
        "Fake headphones",
    ]
    panel.device.setFocus()
    app.qtbot.keyClick(panel.device, Qt.Key.Key_End)  # a user's choice: emits activated
    panel.volume.setValue(40)

    speak(app, "Through the headphones.")
    played_out(app)

    assert sink.stream.opened.device == "Fake headphones"
    assert app.parts.speech.player.player.volume == pytest.approx(0.4)
    flushing = asyncio.get_event_loop().create_task(app.parts.preferences.flush())
    app.qtbot.waitUntil(flushing.done)
    saved = load_settings(app.data_dir / "config" / SETTINGS_FILE_NAME)
    assert (saved.audio_device, saved.speech_volume) == ("Fake headphones", 0.4)


def test_first_sound_comes_before_the_stream_ends(app: RunningApp, sink: RecordingSink) -> None:
    """Streaming: the device is playing while the server is still sending pieces."""
    open_panel(app)
    log: list[Any] = []
    app.sim.enqueue(Plan(audio_pieces=10, audio_interval=0.1, event_log=log))
    clicked = time.monotonic()
    speak(app, "Streaming starts with the first piece, long before the last one. " * 2)
    played_out(app, timeout=20_000)
    pieces = [event for event in log if '"audio":{' in event.data]
    first_sound = sink.first_sound_at()
    assert first_sound is not None and len(pieces) == 10
    assert first_sound < pieces[-1].at
    assert first_sound - clicked < 1.0


def test_the_wav_format_plays_the_whole_file_and_caches_it(
    app: RunningApp, sink: RecordingSink
) -> None:
    panel = open_panel(app)
    panel.format.setCurrentIndex(panel.format.findData("wav"))
    speak(app, "A whole file.")
    played_out(app)
    speak(app, "A whole file.")
    played_out(app)

    (body,) = speech_requests(app)
    assert body == build_speech_body(SpeechRequest("A whole file.", format="wav"), stream=False)
    once = samples_of(expected_pcm(body))  # WAV is lossless: the same samples
    assert np.array_equal(sink.sound(), np.concatenate([once, once]))


def test_the_model_row_shows_when_the_server_offers_several_speech_models(
    qtbot: QtBot,
) -> None:
    panel = TtsPanel()
    qtbot.addWidget(panel)
    panel.show()
    assert not panel.model.isVisible()
    ids = ["mimo-v2-pro", "mimo-v2-tts", "mimo-v2.5-tts", "mimo-v2.5-tts-voiceclone"]
    panel.set_models(ids)
    assert [panel.model.itemData(i) for i in range(panel.model.count())] == ids[1:3]
    assert panel.model.isVisible()
    panel.model.setCurrentIndex(1)
    assert panel.template().model == "mimo-v2.5-tts"
    panel.set_models(["mimo-v2-tts"])
    assert not panel.model.isVisible()
