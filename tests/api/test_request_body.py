"""The request body as bytes: the same JSON as json.dumps, big data: URLs copied in slices."""

from __future__ import annotations

import base64
import json
import os
from typing import Any

import pytest

from app.api.client import BIG_STRING, json_bytes


def reference(body: Any) -> bytes:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


def data_url(size: int) -> str:
    return "data:video/mp4;base64," + base64.b64encode(os.urandom(size)).decode()


@pytest.mark.parametrize(
    "body",
    [
        {"model": "m", "messages": [{"role": "user", "content": 'h\u00e9 "q" \\ \x00big0\x00'}]},
        {"messages": [{"content": [{"video_url": {"url": data_url(BIG_STRING)}, "fps": 2}]}]},
        {
            "messages": [
                {"content": [{"image_url": {"url": data_url(3 * BIG_STRING)}}, "tail \u2028"]},
                {"content": [{"input_audio": {"data": data_url(BIG_STRING)}}]},
                {"content": "data:" + "x" * BIG_STRING + '"'},  # needs escaping: left to json
            ]
        },
    ],
    ids=["small", "one-big", "several-big-and-tricky"],
)
def test_the_bytes_equal_plain_json_dumps(body: dict[str, Any]) -> None:
    assert json_bytes(body) == reference(body)
