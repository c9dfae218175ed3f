"""AudioPlayer driven by a fake device that pulls buffers on the test's command."""

from __future__ import annotations

import numpy as np
import pytest

from app.api.tts import PCM_FORMAT, PcmFormat
from app.audio.backend import DEVICE_LOST, NO_OUTPUT_DEVICE, AudioError
from app.audio.player import AudioPlayer, PlaybackState
from tests.audio.fakes import RecordingSink, pcm, samples_of

RATE = PCM_FORMAT.samplerate


def ramp(count: int, start: int = 1) -> np.ndarray:
    """Distinct non-zero samples start, start+1, ..."""
    return np.arange(start, start + count, dtype=np.int16)


@pytest.fixture
def sink() -> RecordingSink:
    return RecordingSink(blocksize=100)


@pytest.fixture
def player(sink: RecordingSink) -> AudioPlayer:
    return AudioPlayer(sink, prebuffer_ms=10)  # 240 frames at 24 kHz


def test_played_samples_equal_the_fed_pcm_bit_for_bit(
    player: AudioPlayer, sink: RecordingSink
) -> None:
    audio = np.array([1, -1, 32767, -32768, 0, 1234, -4321] * 100, dtype=np.int16)
    player.play(pcm(audio))
    while player.state is not PlaybackState.FINISHED:
        sink.pull()
    played = sink.recorded()
    assert np.array_equal(played[: len(audio)], audio)
    assert not played[len(audio) :].any()  # then silence, not stale samples
    assert player.elapsed_ms == player.total_ms == 700 * 1000 // RATE


def test_the_device_is_opened_with_the_pcm_format(player: AudioPlayer, sink: RecordingSink) -> None:
    player.begin(PcmFormat(44_100, channels=2))
    assert (sink.stream.opened.samplerate, sink.stream.opened.channels) == (44_100, 2)
    assert sink.stream.started
    player.feed(pcm([1, 2, 3, 4, 5, 6]))  # three stereo frames
    player.end_input()
    assert np.array_equal(sink.pull(4), [[1, 2], [3, 4], [5, 6], [0, 0]])


def test_nothing_plays_until_the_prebuffer_is_full(sink: RecordingSink) -> None:
    player = AudioPlayer(sink, prebuffer_ms=150)  # 3600 frames
    player.begin()
    player.feed(pcm(ramp(3599)))
    assert not sink.pull().any()
    assert player.state is PlaybackState.BUFFERING
    player.feed(pcm(ramp(1, start=3600)))
    assert np.array_equal(sink.pull()[:, 0], ramp(100))
    assert player.state is PlaybackState.PLAYING


def test_the_end_of_input_opens_the_gate_for_short_audio(
    sink: RecordingSink,
) -> None:
    player = AudioPlayer(sink, prebuffer_ms=150)
    player.play(pcm(ramp(50)))
    block = sink.pull()[:, 0]
    assert np.array_equal(block[:50], ramp(50)) and not block[50:].any()


def test_pieces_that_split_a_sample_are_joined(player: AudioPlayer, sink: RecordingSink) -> None:
    data = pcm(ramp(300, start=-150))
    player.begin()
    for start in range(0, len(data), 7):  # odd-sized pieces
        player.feed(data[start : start + 7])
    player.end_input()
    while player.state is not PlaybackState.FINISHED:
        sink.pull()
    assert np.array_equal(sink.recorded()[:300], ramp(300, start=-150))
    assert player.pcm() == data


def test_an_underrun_plays_silence_then_waits_for_the_prebuffer(
    player: AudioPlayer, sink: RecordingSink
) -> None:
    player.begin()
    player.feed(pcm(ramp(250)))
    first = sink.pull(200)[:, 0]
    second = sink.pull(200)[:, 0]  # only 50 left: underrun
    assert np.array_equal(first, ramp(200))
    assert np.array_equal(second[:50], ramp(50, start=201)) and not second[50:].any()
    assert player.underruns == 1
    assert player.state is PlaybackState.BUFFERING
    player.feed(pcm(ramp(100, start=251)))  # 100 < 240 frames of pre-buffer
    assert not sink.pull().any()
    player.feed(pcm(ramp(140, start=351)))
    assert np.array_equal(sink.pull()[:, 0], ramp(100, start=251))


def test_pause_holds_the_position_and_resume_goes_on(
    player: AudioPlayer, sink: RecordingSink
) -> None:
    player.play(pcm(ramp(1000)))
    sink.pull()
    player.pause()
    assert player.state is PlaybackState.PAUSED
    assert not sink.pull().any()
    assert player.elapsed_ms == 100 * 1000 // RATE
    player.resume()
    assert np.array_equal(sink.pull()[:, 0], ramp(100, start=101))


def test_stop_releases_the_device_and_rewinds_keeping_the_audio(
    player: AudioPlayer, sink: RecordingSink
) -> None:
    player.play(pcm(ramp(1000)))
    sink.pull()
    player.stop()
    assert sink.stream.closed
    assert player.state is PlaybackState.STOPPED
    assert player.elapsed_ms == 0
    player.resume()
    assert len(sink.streams) == 2
    assert np.array_equal(sink.pull()[:, 0], ramp(100))


def test_seek_moves_within_what_has_arrived(player: AudioPlayer, sink: RecordingSink) -> None:
    player.play(pcm(ramp(2400)))  # 100 ms
    player.seek(50)
    assert player.elapsed_ms == 50
    assert np.array_equal(sink.pull()[:, 0], ramp(100, start=1201))
    player.seek(10)
    assert np.array_equal(sink.pull()[:, 0], ramp(100, start=241))
    player.seek(10_000)  # past the end: clamped
    assert player.elapsed_ms == 100
    sink.pull()
    assert player.state is PlaybackState.FINISHED


def test_volume_scales_the_samples_and_level_follows(
    player: AudioPlayer, sink: RecordingSink
) -> None:
    player.play(pcm(np.full(1000, 20000, dtype=np.int16)))
    sink.pull()
    assert player.level == pytest.approx(20000 / 32768)
    player.volume = 0.5
    assert np.array_equal(sink.pull()[:, 0], np.full(100, 10000))
    assert player.level == pytest.approx(10000 / 32768)
    player.volume = 7.0
    assert player.volume == 1.0


def test_finishing_releases_the_device_on_poll(player: AudioPlayer, sink: RecordingSink) -> None:
    player.play(pcm(ramp(150)))
    sink.pull()
    assert not player.wait_done(0)
    sink.pull()
    assert player.wait_done(0)
    assert player.poll() is PlaybackState.FINISHED
    assert sink.stream.closed
    player.resume()  # plays again from the start
    assert np.array_equal(sink.pull()[:, 0], ramp(100))


def test_elapsed_and_total_time(player: AudioPlayer, sink: RecordingSink) -> None:
    player.begin()
    player.feed(b"\x01\x00" * 4800)  # 200 ms
    assert (player.elapsed_ms, player.total_ms, player.input_complete) == (0, 200, False)
    sink.pull(2400)
    assert player.elapsed_ms == 100
    player.end_input()
    assert player.input_complete


def test_a_missing_device_is_a_typed_error_at_begin(sink: RecordingSink) -> None:
    sink.fail_open = AudioError(NO_OUTPUT_DEVICE)
    player = AudioPlayer(sink)
    with pytest.raises(AudioError, match="No sound output device"):
        player.begin()
    assert player.state is PlaybackState.STOPPED
    player.feed(pcm(ramp(10)))  # still accepted, playable once a device is back


def test_a_device_that_fails_to_start_is_released(sink: RecordingSink) -> None:
    sink.fail_start = AudioError("The sound output could not be started: busy")
    player = AudioPlayer(sink)
    with pytest.raises(AudioError, match="busy"):
        player.play(b"\x01\x00" * 10)
    assert sink.stream.closed


def test_an_unplugged_device_is_reported_by_poll(player: AudioPlayer, sink: RecordingSink) -> None:
    player.play(pcm(ramp(1000)))
    sink.pull()
    sink.unplug()
    with pytest.raises(AudioError) as caught:
        player.poll()
    assert caught.value.message == DEVICE_LOST
    assert player.state is PlaybackState.STOPPED
    assert sink.stream.closed
    assert player.elapsed_ms == 100 * 1000 // RATE  # resume() goes on from here


def test_an_error_inside_the_callback_is_reported_not_raised(
    player: AudioPlayer, sink: RecordingSink
) -> None:
    player.play(pcm(ramp(1000)))
    block = sink.stream.pull(100, status=None)
    assert block.any()
    read_only = np.zeros((100, 1), dtype=np.int16)  # a device gone mad
    read_only.flags.writeable = False
    sink.stream.callback(read_only, 100, None, None)  # must not raise
    with pytest.raises(AudioError, match="stopped working"):
        player.poll()


def test_changing_the_device_moves_playback_over(player: AudioPlayer, sink: RecordingSink) -> None:
    player.play(pcm(ramp(1000)))
    sink.pull()
    player.set_device(3)
    assert sink.streams[0].closed
    assert sink.stream.opened.device == 3 and sink.stream.started
    assert player.device == 3
    assert np.array_equal(sink.pull()[:, 0], ramp(100, start=101))


def test_begin_drops_the_previous_audio(player: AudioPlayer, sink: RecordingSink) -> None:
    player.play(pcm(ramp(1000)))
    sink.pull()
    player.play(pcm(ramp(10, start=-10)))
    assert sink.streams[0].closed
    assert samples_of(player.pcm()).tolist() == list(range(-10, 0))
    assert np.array_equal(sink.pull()[:10, 0], ramp(10, start=-10))


def test_close_forgets_everything(player: AudioPlayer, sink: RecordingSink) -> None:
    player.play(pcm(ramp(1000)))
    player.close()
    assert sink.stream.closed
    assert (player.state, player.pcm(), player.total_ms) == (PlaybackState.IDLE, b"", 0)
