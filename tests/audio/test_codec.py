"""Saving PCM as WAV/FLAC/OGG/MP3 and decoding files and bytes, read back with soundfile."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from app.api.tts import PCM_FORMAT, PcmFormat
from app.audio.backend import AudioError
from app.audio.codec import (
    SAVE_FORMATS,
    container_for,
    decode_bytes,
    decode_file,
    encode_pcm,
    save_pcm,
)
from tests.audio.fakes import samples_of
from tests.sim.tts import FRAMES_PER_CHAR, synth_pcm

TEXT = "Saving speech to a file."
SPEECH = synth_pcm(TEXT)  # 24 kHz mono, a tone between 200 and 800 Hz
FRAMES = FRAMES_PER_CHAR * len(TEXT)


def correlation(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.corrcoef(a.astype(np.float64), b.astype(np.float64))[0, 1])


@pytest.mark.parametrize("suffix", ["wav", "flac"])
def test_lossless_formats_read_back_exactly(tmp_path: Path, suffix: str) -> None:
    path = save_pcm(tmp_path / f"speech.{suffix}", SPEECH, PCM_FORMAT)
    samples, rate = sf.read(path, dtype="int16")
    info = sf.info(path)
    assert (info.format, info.subtype) == (SAVE_FORMATS[suffix][0], "PCM_16")
    assert rate == 24_000
    assert len(samples) == FRAMES
    assert np.array_equal(samples, samples_of(SPEECH))


@pytest.mark.parametrize(("suffix", "subtype"), [("ogg", "VORBIS"), ("mp3", "MPEG_LAYER_III")])
def test_lossy_formats_keep_rate_length_and_sound(
    tmp_path: Path, suffix: str, subtype: str
) -> None:
    path = save_pcm(tmp_path / f"speech.{suffix}", SPEECH, PCM_FORMAT)
    samples, rate = sf.read(path, dtype="int16")
    assert sf.info(path).subtype == subtype
    assert rate == 24_000
    assert len(samples) == FRAMES
    assert correlation(samples, samples_of(SPEECH)) > 0.99


def test_stereo_at_another_rate_round_trips(tmp_path: Path) -> None:
    stereo = np.array([[i, -i] for i in range(1, 1001)], dtype="<i2").tobytes()
    fmt = PcmFormat(44_100, channels=2)
    path = save_pcm(tmp_path / "two.wav", stereo, fmt)
    decoded = decode_file(path)
    assert decoded.format == fmt
    assert decoded.pcm == stereo
    assert decoded.frames == 1000
    assert decoded.duration_ms == 1000 * 1000 // 44_100


@pytest.mark.parametrize("container", sorted(SAVE_FORMATS))
def test_encoded_bytes_decode_again(container: str) -> None:
    decoded = decode_bytes(encode_pcm(SPEECH, PCM_FORMAT, container))
    assert decoded.format == PCM_FORMAT
    assert decoded.frames == FRAMES
    assert correlation(samples_of(decoded.pcm), samples_of(SPEECH)) > 0.99
    if container in ("wav", "flac"):
        assert decoded.pcm == SPEECH


def test_the_container_follows_the_suffix() -> None:
    assert container_for("a/b/Speech.MP3") == "mp3"
    assert container_for("x.oga") == "ogg"
    with pytest.raises(AudioError, match=r"WAV, FLAC, OGG, MP3, not as \.aiff"):
        container_for("x.aiff")


def test_an_explicit_container_wins_over_the_suffix(tmp_path: Path) -> None:
    path = save_pcm(tmp_path / "speech.bin", SPEECH, PCM_FORMAT, "flac")
    assert sf.info(path).format == "FLAC"


def test_a_failed_save_leaves_no_file(tmp_path: Path) -> None:
    missing_dir = tmp_path / "nope" / "speech.wav"
    with pytest.raises(AudioError, match=r"could not be saved to speech\.wav"):
        save_pcm(missing_dir, SPEECH, PCM_FORMAT)
    with pytest.raises(AudioError, match="Unknown audio format"):
        encode_pcm(SPEECH, PCM_FORMAT, "aiff")
    assert list(tmp_path.iterdir()) == []


def test_garbage_is_not_audio(tmp_path: Path) -> None:
    with pytest.raises(AudioError, match="could not be decoded"):
        decode_bytes(b"this is not audio" * 10)
    (tmp_path / "fake.mp3").write_bytes(b"\x00" * 100)
    with pytest.raises(AudioError, match=r"fake\.mp3 could not be read"):
        decode_file(tmp_path / "fake.mp3")
    with pytest.raises(AudioError, match=r"missing\.wav could not be read"):
        decode_file(tmp_path / "missing.wav")


def test_a_trailing_half_sample_is_dropped() -> None:
    data = encode_pcm(SPEECH[:100] + b"\x01", PCM_FORMAT, "wav")
    samples, _ = sf.read(io.BytesIO(data), dtype="int16")
    assert len(samples) == 50
