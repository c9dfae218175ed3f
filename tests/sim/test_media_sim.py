"""The simulator's Omni input checks, fed by the app's own media pipeline."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from app.api.content_parts import MediaPart, VideoOptions, openai_content
from app.api.openai_wire import ChatRequest, build_chat_body
from app.core.media import BASE64_LIMIT, inspect_media
from app.core.media_encoding import encode_data_url
from tests.media_samples import SAMPLE_BY_NAME, SAMPLES, Sample, audio, iso_media, png, write
from tests.sim.media import (
    MEDIA_URL_LIMIT,
    check_media,
    describe_request,
    media_echo,
    media_problem,
)


def body_of(*parts: dict[str, Any], text: str = "What is this?") -> dict[str, Any]:
    content = [*parts, {"type": "text", "text": text}]
    return {"model": "mimo-v2-omni", "messages": [{"role": "user", "content": content}]}


def data_url(mime: str, data: bytes) -> str:
    return f"data:{mime};base64," + base64.b64encode(data).decode()


def line(sample: Sample, data: bytes) -> str:
    words = [sample.mime]
    if sample.duration is not None:
        words.append(f"{sample.duration:.2f} s")
    if sample.width is not None:
        words.append(f"{sample.width}x{sample.height}")
    return " ".join(
        [*words, f"{len(data)} bytes", f"sha256={hashlib.sha256(data).hexdigest()[:12]}"]
    )


def test_what_the_app_sends_passes_and_is_described_part_by_part(tmp_path: Path) -> None:
    parts, expected = [], []
    for sample in SAMPLES:
        data = sample.make()
        info = inspect_media(write(tmp_path, sample.name, data))
        assert info.path is not None
        options = VideoOptions(fps=2, media_resolution="max") if info.kind == "video" else None
        parts.append(MediaPart(info.kind, encode_data_url(info.path, info.mime), options))
        expected.append(line(sample, data) + (" fps=2 media_resolution=max" if options else ""))
    content = openai_content("What are these?", parts)
    request = ChatRequest("mimo-v2-omni", [{"role": "user", "content": content}])
    wire = json.loads(json.dumps(build_chat_body(request, stream=True)))
    assert check_media(wire) is None and media_problem(wire) is None
    assert describe_request(wire) == expected
    ramp = SAMPLE_BY_NAME["ramp.png"].make()
    assert expected[0] == f"image/png 4x3 96 bytes sha256={hashlib.sha256(ramp).hexdigest()[:12]}"


def test_the_echo_describes_the_last_user_message_only() -> None:
    wav, clip = audio("WAV"), iso_media()
    first = {"type": "input_audio", "input_audio": {"data": data_url("audio/wav", wav)}}
    second = {"type": "video_url", "video_url": {"url": data_url("video/mp4", clip)}, "fps": 0.5}
    messages = [
        body_of(first)["messages"][0],
        {"role": "assistant", "content": "A tone."},
        body_of(second)["messages"][0],
    ]
    sha = hashlib.sha256(clip).hexdigest()[:12]
    assert (
        media_echo(messages) == f"\nvideo/mp4 3.00 s 640x480 {len(clip)} bytes sha256={sha} fps=0.5"
    )
    assert media_echo(messages[:2]).startswith("\naudio/wav 1.50 s 48044 bytes sha256=")
    assert media_echo([{"role": "user", "content": "just text"}]) == ""


def test_urls_and_text_only_requests_pass() -> None:
    remote = {"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}}
    assert check_media(body_of(remote)) is None
    assert describe_request(body_of(remote)) == ["image https://example.com/cat.png (not fetched)"]
    assert check_media({"model": "m", "messages": [{"role": "user", "content": "hi"}]}) is None
    odd_assistant = {"role": "assistant", "content": [{"type": "mystery"}]}
    assert check_media({"model": "m", "messages": [odd_assistant]}) is None


def image(url: str) -> dict[str, Any]:
    return {"type": "image_url", "image_url": {"url": url}}


def video(url: str, **options: Any) -> dict[str, Any]:
    return {"type": "video_url", "video_url": {"url": url}, **options}


MP4 = data_url("video/mp4", iso_media())


@pytest.mark.parametrize(
    ("part", "message"),
    [
        (image(data_url("image/jpeg", png())), "does not match its declared type image/jpeg"),
        (
            {"type": "input_audio", "input_audio": {"data": data_url("audio/mpeg", audio("WAV"))}},
            "The audio data does not match its declared type audio/mpeg",
        ),
        (image(MP4), "Unsupported image media type: video/mp4"),
        (image(data_url("image/tiff", b"II*\x00")), "Unsupported image media type: image/tiff"),
        (image("data:image/png;base64,iVBO!!!"), "The image data is not valid base64"),
        (image("data:image/png;base64,"), "The image data is empty"),
        (image("http://example.com/a.png"), "must be an https URL or a base64 data: URL"),
        ({"type": "image", "url": "https://x"}, "Unsupported content part type: image"),
        ({"type": "image_url", "image_url": "https://x"}, "needs a string 'image_url.url'"),
        ({"type": "text", "text": 3}, "A text part needs a string 'text'"),
        (video(MP4, fps=0.05), "fps must be a number between 0.1 and 10, got 0.05"),
        (video(MP4, fps=11), "got 11"),
        (video(MP4, fps="2"), "got '2'"),
        (video(MP4, fps=True), "got True"),
        (video(MP4, media_resolution="high"), "media_resolution must be 'default' or 'max'"),
        (video("https://example.com/v.mp4", fps=20), "fps must be"),
    ],
)
def test_a_bad_part_gets_a_400_with_mimos_error_body(part: dict[str, Any], message: str) -> None:
    answer = check_media(body_of(part))
    assert answer is not None
    status, raw = answer
    error = json.loads(raw)["error"]
    assert (status, error["code"], error["type"]) == (400, "400", "invalid_request_error")
    assert message in error["message"]
    assert media_problem(body_of(part)) == error["message"]  # the handler's hook


def test_the_limit_counts_the_whole_data_url() -> None:
    url = data_url("video/mp4", iso_media())
    assert check_media(body_of(video(url)), limit=len(url)) is None
    answer = check_media(body_of(video(url)), limit=len(url) - 1)
    assert answer is not None and b"too large" in answer[1]


def test_a_data_url_over_50_mb_is_refused_before_it_is_decoded() -> None:
    assert MEDIA_URL_LIMIT == BASE64_LIMIT == 50_000_000
    prefix = "data:video/mp4;base64,"
    huge = prefix + "A" * (MEDIA_URL_LIMIT - len(prefix) + 4)
    answer = check_media(body_of(video(huge)))
    assert answer is not None
    assert b"50000004 characters, limit 50000000" in answer[1]
