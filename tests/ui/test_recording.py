"""A voice question: record (level, time), attach, send to Omni; cancel; no microphone."""

from __future__ import annotations

import hashlib
from pathlib import Path

from PySide6.QtCore import Qt

from app.audio.backend import NO_INPUT_DEVICE
from tests.audio.fake_input import FakeMicrophone
from tests.ui.conftest import RunningApp


def use_microphone(app: RunningApp, mic: FakeMicrophone) -> None:
    app.parts.attachments.recorder.recorder.stream_factory = mic


def test_a_recorded_question_is_attached_and_reaches_omni(app: RunningApp) -> None:
    mic = FakeMicrophone()
    use_microphone(app, mic)
    app.window.model_picker.select("mimo-v2-omni")
    composer = app.window.composer
    bar = composer.recording_bar
    app.qtbot.mouseClick(composer.record_button, Qt.MouseButton.LeftButton)
    assert mic.active and bar.isVisible() and composer.record_button.isChecked()
    recorder = app.parts.attachments.recorder
    with app.qtbot.waitSignal(recorder.levelChanged, check_params_cb=lambda peak: peak == 0.25):
        mic.push([8192, -8192] * 8000)  # a second at 16 kHz, a quarter of full scale
    assert bar.level.value() == 25
    app.qtbot.waitUntil(lambda: bar.time.text() == "Recording 0:01")
    app.qtbot.mouseClick(bar.attach_button, Qt.MouseButton.LeftButton)
    assert not mic.active and not bar.isVisible()
    pane = app.window.attachment_pane
    app.qtbot.waitUntil(lambda: len(pane.chips) == 1 and not app.parts.attachments.busy())
    (chip,) = pane.chips.values()
    assert chip.state.name.startswith("recording-") and chip.state.name.endswith(".wav")
    assert chip.detail.text().startswith("WAV · 0:01 · ")
    (attachment,) = app.parts.attachments.attachments()
    digest = hashlib.sha256(Path(attachment.path).read_bytes()).hexdigest()[:12]
    app.send("Answer my question")
    app.wait_idle()
    assert f"audio/wav 1.00 s 32044 bytes sha256={digest}" in app.replies()[-1].text


def test_escape_cancels_a_recording_and_attaches_nothing(app: RunningApp) -> None:
    mic = FakeMicrophone()
    use_microphone(app, mic)
    app.window.record_action.trigger()
    assert mic.active
    assert not app.window.stop_action.isEnabled()  # Esc belongs to the recording now
    mic.push([100] * 1600)
    app.qtbot.keyClick(app.window.composer.edit, Qt.Key.Key_Escape)
    assert not mic.active
    assert not app.window.composer.recording_bar.isVisible()
    assert app.window.stop_action.isEnabled()
    assert app.window.attachment_pane.chips == {}


def test_without_a_microphone_the_window_says_so_and_stays_usable(app: RunningApp) -> None:
    use_microphone(app, FakeMicrophone(fail=NO_INPUT_DEVICE))
    composer = app.window.composer
    app.qtbot.mouseClick(composer.record_button, Qt.MouseButton.LeftButton)
    assert app.window.statusBar().currentMessage() == NO_INPUT_DEVICE
    assert not composer.record_button.isChecked()
    assert not composer.recording_bar.isVisible()
    app.send("typed instead")
    app.wait_idle()
    assert app.chat_requests()[-1]["messages"][-1]["content"] == "typed instead"
