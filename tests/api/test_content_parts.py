"""Content parts for Omni: the OpenAI and Anthropic shapes, and the video options."""

from __future__ import annotations

import json
import math

import pytest

from app.api.content_parts import (
    MediaPart,
    VideoOptions,
    anthropic_base64_block,
    anthropic_url_block,
    audio_part,
    image_part,
    media_part,
    openai_content,
    split_data_url,
    video_part,
)
from app.api.openai_wire import ChatRequest, build_chat_body

PNG_URL = "data:image/png;base64,iVBORw0KGgo="
WAV_URL = "data:audio/wav;base64,UklGRg=="
MP4_URL = "data:video/mp4;base64,AAAAGGZ0eXA="


def test_the_openai_parts_have_the_documented_shapes() -> None:
    assert image_part(PNG_URL) == {"type": "image_url", "image_url": {"url": PNG_URL}}
    assert audio_part(WAV_URL) == {"type": "input_audio", "input_audio": {"data": WAV_URL}}
    assert video_part(MP4_URL, VideoOptions(fps=2, media_resolution="default")) == {
        "type": "video_url",
        "video_url": {"url": MP4_URL},
        "fps": 2,
        "media_resolution": "default",
    }


def test_unset_video_options_leave_the_server_default() -> None:
    assert video_part(MP4_URL) == {"type": "video_url", "video_url": {"url": MP4_URL}}
    assert video_part(MP4_URL, VideoOptions()) == video_part(MP4_URL)
    assert video_part(MP4_URL, VideoOptions(media_resolution="max"))["media_resolution"] == "max"
    assert "media_resolution" not in video_part(MP4_URL, VideoOptions(fps=0.5))


@pytest.mark.parametrize("fps", [0.1, 0.5, 1, 2, 9.99, 10])
def test_fps_from_a_tenth_to_ten_is_accepted(fps: float) -> None:
    assert VideoOptions(fps=fps).fields() == {"fps": fps}


@pytest.mark.parametrize("fps", [0, 0.09, 10.01, 30, -1, math.nan, math.inf, True, "2"])
def test_fps_outside_the_range_is_refused(fps: object) -> None:
    with pytest.raises(ValueError, match="fps"):
        VideoOptions(fps=fps)  # type: ignore[arg-type]


@pytest.mark.parametrize("resolution", ["high", "MAX", "", "low"])
def test_an_unknown_media_resolution_is_refused(resolution: str) -> None:
    with pytest.raises(ValueError, match="media_resolution"):
        VideoOptions(media_resolution=resolution)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kind", "url", "options", "message"),
    [
        ("picture", PNG_URL, None, "kind must be"),
        ("image", PNG_URL, VideoOptions(fps=1), "only a video takes options"),
        ("image", "http://example.com/a.png", None, "data: or https://"),
        ("image", "file:///tmp/a.png", None, "data: or https://"),
        ("image", "data:image/png,rawbytes", None, "not a base64 data: URL"),
        ("image", "data:;base64,AAAA", None, "needs a media type"),
        ("image", WAV_URL, None, "cannot be sent as image"),
        ("video", PNG_URL, None, "cannot be sent as video"),
    ],
)
def test_a_part_that_cannot_be_sent_is_refused(
    kind: str, url: str, options: VideoOptions | None, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        MediaPart(kind, url, options)  # type: ignore[arg-type]


def test_an_https_url_may_stand_for_any_media() -> None:
    for kind in ("image", "audio", "video"):
        part = MediaPart(kind, f"https://example.com/{kind}")  # type: ignore[arg-type]
        assert json.dumps(media_part(part)).count("https://example.com/") == 1


def test_the_message_content_puts_the_media_first_without_copying_them() -> None:
    url = "data:image/jpeg;base64," + "A" * 10_000
    parts = [
        MediaPart("image", url),
        MediaPart("audio", WAV_URL),
        MediaPart("video", MP4_URL, VideoOptions(fps=1, media_resolution="max")),
    ]
    content = openai_content("What is in these?", parts)
    assert [part["type"] for part in content] == ["image_url", "input_audio", "video_url", "text"]
    assert content[0]["image_url"]["url"] is url
    assert content[2]["fps"] == 1 and content[2]["media_resolution"] == "max"
    assert content[3] == {"type": "text", "text": "What is in these?"}
    assert [part["type"] for part in openai_content("", parts[:1])] == ["image_url"]


def test_the_content_goes_into_a_chat_body_unchanged() -> None:
    content = openai_content("Describe", [MediaPart("image", PNG_URL)])
    request = ChatRequest("mimo-v2-omni", [{"role": "user", "content": content}])
    body = json.loads(json.dumps(build_chat_body(request, stream=True)))
    assert body["messages"][0]["content"] == content


def test_the_anthropic_blocks_carry_a_base64_or_url_source() -> None:
    assert anthropic_url_block("audio", "https://example.com/a.wav") == {
        "type": "audio",
        "source": {"type": "url", "url": "https://example.com/a.wav"},
    }
    video = VideoOptions(fps=5, media_resolution="max")
    assert anthropic_base64_block("video", "video/mp4", "AAAAGGZ0eXA=", video) == {
        "type": "video",
        "source": {"type": "base64", "media_type": "video/mp4", "data": "AAAAGGZ0eXA="},
        "fps": 5,
        "media_resolution": "max",
    }
    assert anthropic_base64_block("audio", "audio/wav", "UklGRg==") == {
        "type": "audio",
        "source": {"type": "base64", "media_type": "audio/wav", "data": "UklGRg=="},
    }
    with pytest.raises(ValueError, match="only a video"):
        anthropic_base64_block("image", "image/png", "AAAA", VideoOptions(fps=1))


def test_a_data_url_splits_into_its_type_and_data() -> None:
    assert split_data_url(WAV_URL) == ("audio/wav", "UklGRg==")
    assert split_data_url("data:Audio/WAV;rate=16000;base64,AA==") == ("audio/wav", "AA==")
    with pytest.raises(ValueError, match="not a base64 data: URL"):
        split_data_url("data:audio/wav;utf8,hello")


def test_the_openai_body_never_carries_the_anthropic_reasoning_signature() -> None:
    from app.api.openai_wire import ChatRequest, build_chat_body

    turn = {"role": "assistant", "content": "", "reasoning_content": "r", "tool_calls": []}
    signed = {**turn, "reasoning_signature": "sig"}
    body = build_chat_body(ChatRequest(model="m", messages=[signed, turn]), stream=True)

    assert body["messages"] == [turn, turn]
    assert signed["reasoning_signature"] == "sig"  # the caller's dict is left alone
