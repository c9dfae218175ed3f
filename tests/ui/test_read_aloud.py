"""Replies read aloud (the speaker button, auto-read while streaming) and audio chips played.

Same set-up as tests/ui/test_tts_panel.py: the app plays into the recording fake device.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import numpy as np
import pytest
import soundfile

from app.api.tts import SpeechRequest
from app.audio.codec import decode_file
from app.audio.speech import read_aloud_requests
from app.audio.speech_text import markdown_to_speech
from app.core.settings import SETTINGS_FILE_NAME, load_settings
from app.ui.speech_follow import SentenceFeed, settled_length
from tests.audio.fakes import RecordingSink, samples_of
from tests.sim import Plan
from tests.sim.tts import SAMPLE_RATE, expected_pcm, synth_pcm
from tests.ui import test_tts_panel
from tests.ui.conftest import RunningApp
from tests.ui.test_attachments import chips, drop, settled
from tests.ui.test_tts_panel import click, played_out, speech_requests, spoken_texts

# The app playing into the recording fake device, as in test_tts_panel.
app = test_tts_panel.app
sink = test_tts_panel.sink
devices = test_tts_panel.devices

REPLY = (
    "# Weather today\n\n"
    "It is **sunny** in the morning, with a light wind from the west. See "
    "[the forecast](https://example.com/forecast) for the details of every hour.\n\n"
    "```python\nprint('bring a hat')\n```\n\n"
    "- Clouds come in the afternoon, and the wind turns to the north by five.\n"
    "- Rain is likely after dark, so take an umbrella if you go out in the evening.\n\n"
    "Tomorrow looks *much* the same, only a little warmer. Enjoy the sun while it lasts!"
)


def expected_sound(app: RunningApp) -> np.ndarray:
    """Every speech request's audio, in order, as one piece."""
    return samples_of(b"".join(expected_pcm(body) for body in speech_requests(app)))


def test_read_aloud_sends_the_speakable_text_and_plays_it_as_one_piece(
    app: RunningApp, sink: RecordingSink
) -> None:
    app.sim.enqueue(Plan(content=REPLY))
    app.send("What is the weather?")
    app.wait_idle()
    (reply,) = app.replies()
    assert reply.read_button.isVisible() and reply.read_button.text() == "Read aloud"

    click(app, reply.read_button)
    app.qtbot.waitUntil(lambda: reply.read_button.text() == "Stop reading")
    played_out(app)

    texts = spoken_texts(app)
    assert texts == [r.text for r in read_aloud_requests(REPLY, SpeechRequest("x"))]
    assert len(texts) == 2  # split at a sentence end, not mid-sentence
    assert all(text.endswith((".", "!")) for text in texts)
    spoken = " ".join(texts)
    assert spoken.startswith("Weather today. It is sunny in the morning")
    for markup in ("**", "#", "](", "https", "```", "print", "- "):
        assert markup not in spoken
    assert np.array_equal(sink.sound(), expected_sound(app))
    assert len(sink.streams) == 1  # both requests played on one stream: no gap between
    assert reply.read_button.text() == "Read aloud"


def test_clicking_the_speaker_again_stops_the_reading(app: RunningApp, sink: RecordingSink) -> None:
    app.sim.enqueue(Plan(content=REPLY), Plan(audio_pieces=8, pause_after=4))
    app.send("Weather?")
    app.wait_idle()
    (reply,) = app.replies()
    click(app, reply.read_button)
    app.qtbot.waitUntil(lambda: sink.sound().size > 0)

    click(app, reply.read_button)

    assert app.parts.speech.owner is None
    assert reply.read_button.text() == "Read aloud"
    assert sink.stream.closed
    app.sim.release()
    assert len(speech_requests(app)) == 1  # the rest of the reply was not requested


def test_auto_read_speaks_the_first_sentence_while_the_reply_still_streams(
    app: RunningApp, sink: RecordingSink
) -> None:
    content = "The first sentence is ready. The second one takes longer to arrive. And a third!"
    app.window.auto_read_action.trigger()
    assert app.window.tts_panel.auto_read.isChecked()  # one setting, two switches
    app.sim.enqueue(Plan(content=content, pause_after=7))  # holds after "... ready. The"

    app.send("Talk to me")
    app.qtbot.waitUntil(lambda: len(speech_requests(app)) == 1)

    assert app.parts.chat.busy  # the reply's stream is still held open
    assert spoken_texts(app) == ["The first sentence is ready."]
    (reply,) = app.replies()
    app.qtbot.waitUntil(lambda: sink.sound().size > 0)  # and it is heard already
    assert reply.read_button.text() == "Stop reading"
    app.sim.release()
    app.wait_idle()
    played_out(app)
    assert " ".join(spoken_texts(app)) == markdown_to_speech(content)
    assert np.array_equal(sink.sound(), expected_sound(app))
    assert len(sink.streams) == 1


def test_auto_read_is_remembered_and_off_by_default(app: RunningApp) -> None:
    assert not app.window.auto_read_action.isChecked()
    app.send("Quiet please")
    app.wait_idle()
    assert speech_requests(app) == []

    app.window.speech_panel_action.trigger()
    app.window.tts_panel.auto_read.setChecked(True)

    assert app.window.auto_read_action.isChecked()
    flushing = asyncio.get_event_loop().create_task(app.parts.preferences.flush())
    app.qtbot.waitUntil(flushing.done)
    assert load_settings(app.data_dir / "config" / SETTINGS_FILE_NAME).auto_read is True


def write_wav(path: Path, text: str) -> np.ndarray:
    samples = samples_of(synth_pcm(text))
    soundfile.write(path, samples, SAMPLE_RATE, subtype="PCM_16")
    return samples


def test_the_audio_chips_play_button_plays_the_file_and_stops_it(
    app: RunningApp, sink: RecordingSink, tmp_path: Path
) -> None:
    path = tmp_path / "question.wav"
    samples = write_wav(path, "a question long enough to click twice " * 10)  # 7.6 s
    assert np.array_equal(samples_of(decode_file(path).pcm), samples)
    drop(app, [path])
    settled(app, 1)
    (chip,) = chips(app)

    click(app, chip.play_button)
    app.qtbot.waitUntil(lambda: chip.play_button.text() == "■")
    played_out(app)
    assert chip.play_button.text() == "▶"
    assert np.array_equal(sink.sound(), samples)
    assert speech_requests(app) == []

    click(app, chip.play_button)
    app.qtbot.waitUntil(lambda: chip.play_button.text() == "■")
    click(app, chip.play_button)  # the second click stops
    assert app.parts.speech.owner is None
    assert chip.play_button.text() == "▶"
    assert sink.stream.closed


def test_an_unreadable_audio_file_is_a_message(app: RunningApp, tmp_path: Path) -> None:
    path = tmp_path / "voice.wav"
    write_wav(path, "soon gone")
    drop(app, [path])
    settled(app, 1)
    path.write_bytes(b"RIFF but not any more")
    click(app, chips(app)[0].play_button)
    status = app.window.statusBar()
    app.qtbot.waitUntil(lambda: "voice.wav could not be read" in status.currentMessage())
    assert app.window.tts_panel.message.text().endswith("could not be read")


# -- SentenceFeed: what may be spoken of a reply that is still arriving --------------


def fed(pieces: list[str]) -> list[str]:
    feed = SentenceFeed()
    out = [feed.feed(piece) for piece in pieces]
    return [*out, feed.close()]


def test_a_sentence_is_given_once_the_space_after_it_arrives() -> None:
    assert fed(["Hello there. How", " are you?", "\n"]) == ["Hello there.", "", "How are you?", ""]
    assert fed(["Pi is 3.", "14 today. Yes"]) == ["", "Pi is 3.14 today.", "Yes"]
    assert fed(["你好。世界", "很大\uff01"]) == ["你好。", "世界很大\uff01", ""]


def test_marks_opened_in_a_sentence_hold_it_back_until_they_close() -> None:
    assert fed(["**Bold. still bold** done. ", "Next"]) == ["Bold. still bold done.", "", "Next"]
    assert fed(["See [the site. Really](https://x.org/a. b) now. "]) == [
        "See the site. Really now.",
        "",
    ]
    assert fed(["Run `a. b` first. "]) == ["Run a. b first.", ""]


def test_code_blocks_and_tables_are_settled_whole() -> None:
    assert fed(["Look:\n```py\nx = 1. y = 2\n", "```\nDone. "]) == ["Look:", "Done.", ""]
    table = "| a | b |\n|---|---|\n| 1 | 2 |\n"
    assert fed([table, "After. "]) == ["", "a, b.\n1, 2.\nAfter.", ""]
    assert settled_length("```py\nprint(1)\n") == 0


@pytest.mark.parametrize("cut", range(0, len(REPLY), 7))
def test_any_two_pieces_say_what_the_whole_reply_says(cut: int) -> None:
    spoken = " ".join(text for text in fed([REPLY[:cut], REPLY[cut:]]) if text)
    assert spoken.split() == markdown_to_speech(REPLY).split()
