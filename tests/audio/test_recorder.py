"""Recording a voice question: samples kept exactly, limits, the WAV written, errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile

from app.audio.backend import AudioError
from app.audio.recorder import RECORDING_FORMAT, AudioRecorder, save_recording
from tests.audio.fake_input import FakeMicrophone


def test_what_the_microphone_gave_is_returned_exactly_and_timed() -> None:
    mic = FakeMicrophone()
    recorder = AudioRecorder(mic)
    recorder.start()
    assert recorder.recording
    assert mic.opened == [{"samplerate": 16000, "channels": 1, "device": None}]
    first, second = list(range(-800, 800)), [16384] * 1600
    mic.push(first)
    mic.push(second)
    assert recorder.elapsed_ms == 200
    assert recorder.take_level() == pytest.approx(0.5)
    assert recorder.take_level() == 0.0  # taken: reset until the next block
    pcm = recorder.stop()
    assert not recorder.recording and not mic.active
    assert np.frombuffer(pcm, "<i2").tolist() == first + second
    assert recorder.stop() == b""  # handed over once


def test_recording_stops_taking_samples_at_the_limit() -> None:
    mic = FakeMicrophone()
    recorder = AudioRecorder(mic, max_seconds=0.1)
    recorder.start()
    mic.push([1] * 1000)
    mic.push([2] * 1000)
    assert recorder.full
    assert np.frombuffer(recorder.stop(), "<i2").tolist() == [1] * 1000 + [2] * 600


def test_cancel_forgets_and_start_begins_afresh() -> None:
    mic = FakeMicrophone()
    recorder = AudioRecorder(mic)
    recorder.start()
    mic.push([5] * 100)
    recorder.cancel()
    recorder.start()
    mic.push([7] * 10)
    assert np.frombuffer(recorder.stop(), "<i2").tolist() == [7] * 10


def test_a_missing_microphone_is_an_audio_error_with_its_message() -> None:
    recorder = AudioRecorder(FakeMicrophone(fail="No microphone was found."))
    with pytest.raises(AudioError, match="No microphone"):
        recorder.start()
    assert not recorder.recording


def test_save_recording_writes_a_wav_that_reads_back_equal(tmp_path: Path) -> None:
    samples = (np.arange(8000) % 200 - 100).astype("<i2")
    first = save_recording(samples.tobytes(), tmp_path / "rec", "question")
    again = save_recording(samples.tobytes(), tmp_path / "rec", "question")
    assert (first.name, again.name) == ("question.wav", "question-2.wav")
    data, rate = soundfile.read(first, dtype="int16")
    assert rate == RECORDING_FORMAT.samplerate
    assert np.array_equal(data, samples)
    with pytest.raises(AudioError, match="Nothing was recorded"):
        save_recording(b"", tmp_path, "empty")
