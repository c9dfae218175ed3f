"""The speech cache: keys, persistence, least-recently-used eviction under a size cap."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from app.api.tts import SpeechRequest
from app.audio.cache import SpeechCache, speech_cache_key

REQUEST = SpeechRequest("Hello", instruction="softly", style="Happy", voice="default_en")


def key(text: str) -> str:
    return speech_cache_key(SpeechRequest(text))


def test_stored_audio_comes_back_and_survives_a_new_instance(tmp_path: Path) -> None:
    cache = SpeechCache(tmp_path / "tts")
    cache.put(key("a"), b"audio-a")
    assert cache.get(key("a")) == b"audio-a"
    assert key("a") in cache
    assert SpeechCache(tmp_path / "tts").get(key("a")) == b"audio-a"
    assert cache.get(key("b")) is None
    assert key("b") not in cache


@pytest.mark.parametrize(
    "change",
    [
        {"text": "Hello!"},
        {"voice": "default_zh"},
        {"style": "Sad"},
        {"instruction": "loudly"},
        {"format": "mp3"},
        {"model": "mimo-v2.5-tts"},
    ],
)
def test_every_field_that_shapes_the_audio_is_in_the_key(change: dict[str, str]) -> None:
    other = dataclasses.replace(REQUEST, **change)  # type: ignore[arg-type]
    assert speech_cache_key(other) != speech_cache_key(REQUEST)
    assert speech_cache_key(dataclasses.replace(REQUEST)) == speech_cache_key(REQUEST)


def test_the_received_format_can_override_the_requested_one() -> None:
    streamed = speech_cache_key(REQUEST, "pcm16")
    assert streamed == speech_cache_key(dataclasses.replace(REQUEST, format="pcm16"))
    assert streamed != speech_cache_key(REQUEST)


def test_the_least_recently_used_entry_goes_first(tmp_path: Path) -> None:
    cache = SpeechCache(tmp_path, max_bytes=30)
    cache.put(key("a"), b"a" * 10)
    cache.put(key("b"), b"b" * 10)
    cache.put(key("c"), b"c" * 10)
    assert cache.get(key("a")) is not None  # a is now the most recent
    cache.put(key("d"), b"d" * 10)  # 40 > 30: b must go
    assert [k in cache for k in map(key, "abcd")] == [True, False, True, True]
    assert cache.total_bytes() == 30


def test_audio_larger_than_the_cap_is_not_stored(tmp_path: Path) -> None:
    cache = SpeechCache(tmp_path, max_bytes=5)
    cache.put(key("a"), b"123456")
    cache.put(key("b"), b"")
    assert cache.total_bytes() == 0
    assert key("a") not in cache


def test_a_cache_that_cannot_write_just_misses(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    cache = SpeechCache(blocker / "tts")
    cache.put(key("a"), b"data")
    assert cache.get(key("a")) is None


def test_clear_empties_the_cache(tmp_path: Path) -> None:
    cache = SpeechCache(tmp_path)
    cache.put(key("a"), b"1")
    cache.put(key("b"), b"2")
    (tmp_path / "unrelated.txt").write_text("keep me")
    cache.clear()
    assert cache.total_bytes() == 0
    assert (tmp_path / "unrelated.txt").exists()


def test_keys_must_be_digests(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        SpeechCache(tmp_path).get("../../etc/passwd")
