"""Real sample media files, made at test time without image or video libraries.

Images are whole, decodable files (PNG with zlib and CRCs, a baseline JPEG, an LZW
GIF, a BMP, three 1x1 WebPs); audio comes from libsndfile (soundfile); the video
containers (MP4, MOV, M4A, AVI, WMV) are structurally whole but hold no real frames.
:data:`SAMPLES` lists every good sample with what a probe must find in it.
"""

from __future__ import annotations

import base64
import io
import struct
import uuid
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile

# A 1x1 WebP of each flavour (the images Modernizr uses to detect WebP support).
WEBP_LOSSY = base64.b64decode("UklGRiIAAABXRUJQVlA4IBYAAAAwAQCdASoBAAEADsD+JaQAA3AAAAAA")
WEBP_LOSSLESS = base64.b64decode("UklGRhoAAABXRUJQVlA4TA0AAAAvAAAAEAcQERGIiP4HAA==")
WEBP_ALPHA = base64.b64decode(
    "UklGRkoAAABXRUJQVlA4WAoAAAAQAAAAAAAAAAAAQUxQSAwAAAARBxAR/Q9ERP8DAABWUDggGAAAABQBAJ0B"
    "KgEAAQAAAP4AAA3AAP7mtQAAAA=="
)


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png(width: int = 4, height: int = 3) -> bytes:
    """An RGB PNG of a colour ramp."""
    rows = b"".join(
        b"\x00" + b"".join(bytes((x * 40 % 256, y * 60 % 256, 128)) for x in range(width))
        for y in range(height)
    )
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(rows))
        + _chunk(b"IEND", b"")
    )


def _segment(marker: int, payload: bytes) -> bytes:
    return bytes((0xFF, marker)) + struct.pack(">H", len(payload) + 2) + payload


def jpeg(width: int = 16, height: int = 8) -> bytes:
    """A baseline greyscale JPEG of flat mid-grey (every block's DC and AC are zero).

    Both Huffman tables hold one code of length 1 (``0``): each 8x8 block is the two
    bits "DC difference 0" and "end of block".
    """
    blocks = -(-width // 8) * -(-height // 8)
    bits = 2 * blocks
    scan = bytearray(-(-bits // 8))
    if bits % 8:
        scan[-1] = (1 << (8 - bits % 8)) - 1  # pad the last byte with 1-bits
    one_code = b"\x01" + b"\x00" * 15 + b"\x00"
    return (
        b"\xff\xd8"
        + _segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")
        + _segment(0xDB, b"\x00" + b"\x01" * 64)
        + _segment(0xC0, struct.pack(">BHHB", 8, height, width, 1) + b"\x01\x11\x00")
        + _segment(0xC4, b"\x00" + one_code)
        + _segment(0xC4, b"\x10" + one_code)
        + _segment(0xDA, b"\x01\x01\x00\x00\x3f\x00")
        + bytes(scan)
        + b"\xff\xd9"
    )


def gif(width: int = 5, height: int = 4) -> bytes:
    """A GIF89a with a 4-colour palette; LZW codes stay 3 bits (a clear every 2 pixels)."""
    pixels = [(x + y) % 4 for y in range(height) for x in range(width)]
    codes: list[int] = []
    for start in range(0, len(pixels), 2):
        codes += [4, *pixels[start : start + 2]]
    codes.append(5)
    value = sum(code << (3 * i) for i, code in enumerate(codes))
    lzw = value.to_bytes(-(-3 * len(codes) // 8), "little")
    blocks = b"".join(
        bytes((len(lzw[i : i + 255]),)) + lzw[i : i + 255] for i in range(0, len(lzw), 255)
    )
    palette = b"\x00\x00\x00\xff\x00\x00\x00\xff\x00\x00\x00\xff"
    return (
        b"GIF89a"
        + struct.pack("<HHBBB", width, height, 0x81, 0, 0)
        + palette
        + b"\x21\xf9\x04\x00\x00\x00\x00\x00"  # a graphic control extension
        + b"\x2c"
        + struct.pack("<HHHHB", 0, 0, width, height, 0)
        + b"\x02"
        + blocks
        + b"\x00\x3b"
    )


def bmp(width: int = 3, height: int = 2) -> bytes:
    """A 24-bit bottom-up BMP."""
    row = bytes((0, 0, 255) * width).ljust((3 * width + 3) // 4 * 4, b"\x00")
    pixels = row * height
    info = struct.pack("<IiiHHIIiiII", 40, width, height, 1, 24, 0, len(pixels), 2835, 2835, 0, 0)
    header = b"BM" + struct.pack("<IHHI", 14 + len(info) + len(pixels), 0, 0, 14 + len(info))
    return header + info + pixels


def audio(fmt: str, seconds: float = 1.5, rate: int = 16000) -> bytes:
    """A sine tone written by libsndfile; ``fmt`` is WAV, FLAC, OGG or MP3."""
    subtype = {"WAV": "PCM_16", "FLAC": "PCM_16", "OGG": "VORBIS", "MP3": "MPEG_LAYER_III"}
    t = np.arange(round(seconds * rate)) / rate
    tone = (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    out = io.BytesIO()
    soundfile.write(out, tone, rate, format=fmt, subtype=subtype[fmt])
    return out.getvalue()


def id3_tag() -> bytes:
    """An ID3v2.3 tag holding a title frame, as it fronts many MP3 files."""
    frame = b"TIT2" + struct.pack(">I", 6) + b"\x00\x00" + b"\x00Tone\x00"
    return b"ID3\x03\x00\x00" + bytes((0, 0, 0, len(frame))) + frame


def box(kind: bytes, payload: bytes) -> bytes:
    """An ISO media box."""
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def _full_box(kind: bytes, version: int, payload: bytes) -> bytes:
    return box(kind, bytes((version, 0, 0, 0)) + payload)


_MATRIX = struct.pack(">9I", 0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000)


def movie_header(seconds: float, scale: int = 1000, version: int = 0) -> bytes:
    """An ``mvhd`` box of ``seconds`` in ``scale`` units per second."""
    length = round(seconds * scale)
    times = struct.pack(">QQIQ" if version else ">IIII", 0, 0, scale, length)
    rest = struct.pack(">IH10x", 0x10000, 0x100) + _MATRIX + bytes(24) + struct.pack(">I", 2)
    return _full_box(b"mvhd", version, times + rest)


def track(handler: bytes, width: int = 0, height: int = 0) -> bytes:
    """A ``trak`` with ``tkhd`` (picture size) and ``mdia`` (``mdhd``, ``hdlr``)."""
    tkhd = _full_box(
        b"tkhd",
        0,
        struct.pack(">III4xI8xhhH2x", 0, 0, 1, 0, 0, 0, 0)
        + _MATRIX
        + struct.pack(">II", width << 16, height << 16),
    )
    mdhd = _full_box(b"mdhd", 0, struct.pack(">IIIIHH", 0, 0, 1000, 0, 0x55C4, 0))
    hdlr = _full_box(b"hdlr", 0, b"\x00" * 4 + handler + b"\x00" * 12 + b"Handler\x00")
    return box(b"trak", tkhd + box(b"mdia", mdhd + hdlr))


def iso_media(
    brand: bytes = b"isom",
    seconds: float = 3.0,
    tracks: tuple[bytes, ...] = (b"vide", b"soun"),
    size: tuple[int, int] = (640, 480),
    *,
    moov_last: bool = False,
    version: int = 0,
    with_moov: bool = True,
) -> bytes:
    """An MP4/MOV/M4A: ``ftyp`` (unless ``brand`` is empty), ``moov`` and ``mdat``."""
    ftyp = box(b"ftyp", brand + struct.pack(">I", 0x200) + brand + b"isom") if brand else b""
    traks = b"".join(track(h, *size) if h == b"vide" else track(h) for h in tracks)
    moov = box(b"moov", movie_header(seconds, version=version) + traks) if with_moov else b""
    mdat = box(b"mdat", bytes(range(256)) * 4)
    return ftyp + (mdat + moov if moov_last else moov + mdat)


def _riff_chunk(kind: bytes, data: bytes) -> bytes:
    return kind + struct.pack("<I", len(data)) + data + b"\x00" * (len(data) & 1)


def _riff_list(kind: bytes, data: bytes) -> bytes:
    return _riff_chunk(b"LIST", kind + data)


def avi(frames: int = 30, fps: int = 10, width: int = 320, height: int = 240) -> bytes:
    """An AVI whose ``avih`` says ``frames`` frames at ``fps``, with a ``movi`` list."""
    avih = struct.pack("<10I4x4x4x4x", 1_000_000 // fps, 0, 0, 0x10, frames, 0, 1, 0, width, height)
    movi = b"".join(_riff_chunk(b"00dc", b"\x00" * 8) for _ in range(frames))
    body = b"AVI " + _riff_list(b"hdrl", _riff_chunk(b"avih", avih)) + _riff_list(b"movi", movi)
    return b"RIFF" + struct.pack("<I", len(body)) + body


def _guid(text: str) -> bytes:
    return uuid.UUID(text).bytes_le


ASF_HEADER = _guid("75B22630-668E-11CF-A6D9-00AA0062CE6C")


def wmv(seconds: float = 2.0, width: int = 320, height: int = 240, preroll_ms: int = 3000) -> bytes:
    """An ASF (WMV) file: header with file and video stream properties, then data."""
    play = round((seconds + preroll_ms / 1000) * 1e7)
    props = struct.pack("<16sQQQQQQIIII", bytes(16), 0, 0, 1, play, play, preroll_ms, 2, 0, 0, 0)
    file_props = _guid("8CABDCA1-A947-11CF-8EE4-00C00C205365") + struct.pack("<Q", 24 + 80) + props
    bitmap = struct.pack("<IiiHHI20x", 40, width, height, 1, 24, 0)
    specific = struct.pack("<IIBH", width, height, 2, len(bitmap)) + bitmap
    stream = (
        _guid("BC19EFC0-5B4D-11CF-A8FD-00805F5C442B")
        + _guid("20FB5700-5B55-11CF-A8FD-00805F5C442B")
        + struct.pack("<QIIHI", 0, len(specific), 0, 1, 0)
        + specific
    )
    stream_props = _guid("B7DC0791-A9B7-11CF-8EE6-00C00C205365")
    stream_props += struct.pack("<Q", 24 + len(stream)) + stream
    objects = file_props + stream_props
    header = ASF_HEADER + struct.pack("<QIBB", 30 + len(objects), 2, 1, 2) + objects
    packets = b"\x00" * 64
    data = _guid("75B22636-668E-11CF-A6D9-00AA0062CE6C")
    data += struct.pack("<Q16sQH", 50 + len(packets), bytes(16), 1, 0x0101) + packets
    return header + data


@dataclass(frozen=True)
class Sample:
    """A good sample and what :func:`app.core.media.inspect_media` must report for it."""

    name: str
    make: Callable[[], bytes]
    format: str
    mime: str
    kind: str
    width: int | None = None
    height: int | None = None
    duration: float | None = None


SAMPLES: tuple[Sample, ...] = (
    Sample("ramp.png", lambda: png(4, 3), "PNG", "image/png", "image", 4, 3),
    Sample("grey.jpg", lambda: jpeg(16, 8), "JPEG", "image/jpeg", "image", 16, 8),
    Sample("dots.gif", lambda: gif(5, 4), "GIF", "image/gif", "image", 5, 4),
    Sample("red.bmp", lambda: bmp(3, 2), "BMP", "image/bmp", "image", 3, 2),
    Sample("lossy.webp", lambda: WEBP_LOSSY, "WebP", "image/webp", "image", 1, 1),
    Sample("lossless.webp", lambda: WEBP_LOSSLESS, "WebP", "image/webp", "image", 1, 1),
    Sample("alpha.webp", lambda: WEBP_ALPHA, "WebP", "image/webp", "image", 1, 1),
    Sample("tone.wav", lambda: audio("WAV"), "WAV", "audio/wav", "audio", duration=1.5),
    Sample("tone.flac", lambda: audio("FLAC"), "FLAC", "audio/flac", "audio", duration=1.5),
    Sample("tone.ogg", lambda: audio("OGG"), "OGG", "audio/ogg", "audio", duration=1.5),
    Sample("tone.mp3", lambda: audio("MP3"), "MP3", "audio/mpeg", "audio", duration=1.5),
    Sample(
        "tagged.mp3", lambda: id3_tag() + audio("MP3"), "MP3", "audio/mpeg", "audio", duration=1.5
    ),
    Sample(
        "voice.m4a",
        lambda: iso_media(b"M4A ", 2.5, (b"soun",)),
        "M4A",
        "audio/mp4",
        "audio",
        duration=2.5,
    ),
    Sample("clip.mp4", lambda: iso_media(), "MP4", "video/mp4", "video", 640, 480, 3.0),
    Sample(
        "late.mp4",
        lambda: iso_media(b"mp42", 4.0, moov_last=True, version=1),
        "MP4",
        "video/mp4",
        "video",
        640,
        480,
        4.0,
    ),
    Sample(
        "clip.mov", lambda: iso_media(b"qt  "), "MOV", "video/quicktime", "video", 640, 480, 3.0
    ),
    Sample(
        "old.mov", lambda: iso_media(b"", 1.0), "MOV", "video/quicktime", "video", 640, 480, 1.0
    ),
    Sample("clip.avi", lambda: avi(30, 10), "AVI", "video/x-msvideo", "video", 320, 240, 3.0),
    Sample("clip.wmv", lambda: wmv(2.0), "WMV", "video/x-ms-wmv", "video", 320, 240, 2.0),
)
SAMPLE_BY_NAME = {sample.name: sample for sample in SAMPLES}


def write(folder: Path, name: str, data: bytes) -> Path:
    """Writes ``data`` to ``folder / name`` and returns the path."""
    path = folder / name
    path.write_bytes(data)
    return path


def sparse_file(path: Path, size: int, head: bytes = b"") -> Path:
    """A file of ``size`` bytes that starts with ``head``; the rest is a hole on disk."""
    with path.open("wb") as handle:
        handle.write(head)
        handle.truncate(size)
    return path


@dataclass(frozen=True)
class Broken:
    """A file :func:`app.core.media.inspect_media` must refuse, and how.

    Attributes:
        problem: The ``MediaProblem`` value, e.g. ``"corrupt"``.
        says: A piece of the message the user sees.
    """

    name: str
    make: Callable[[], bytes]
    problem: str
    says: str


def _flip(data: bytes, offset: int) -> bytes:
    return data[:offset] + bytes((data[offset] ^ 0xFF,)) + data[offset + 1 :]


BROKEN: tuple[Broken, ...] = (
    Broken("empty.png", lambda: b"", "empty", "empty.png is empty (0 bytes)."),
    Broken("notes.jpg", lambda: b"Milk\nEggs\n", "unsupported", "notes.jpg is text, not an image."),
    Broken(
        "page.mp4", lambda: b"<!DOCTYPE html>\n<p>hi", "unsupported", "is a web page (HTML), not"
    ),
    Broken(
        "report.pdf", lambda: b"%PDF-1.7\n%\xe2\xe3", "unsupported", "report.pdf is a PDF document"
    ),
    Broken("scan.tiff", lambda: b"II*\x00" + bytes(64), "unsupported", "a TIFF image, which Omni"),
    Broken("noise.bin", lambda: bytes(range(256)) * 2, "unsupported", "not in a format Omni can"),
    Broken("cut.png", lambda: png(40, 30)[:-20], "corrupt", "ends in the middle of a chunk"),
    Broken("no-end.png", lambda: png()[:-12], "corrupt", "ends before its IEND chunk"),
    Broken("bad-crc.png", lambda: _flip(png(), 20), "corrupt", "checksum does not match"),
    Broken("no-eoi.jpg", lambda: jpeg()[:-2], "corrupt", "no end-of-image marker (EOI)"),
    Broken("cut.gif", lambda: gif()[:-1], "corrupt", "ends before its trailer"),
    Broken("cut.bmp", lambda: bmp()[:-3], "corrupt", "before its last row of pixels"),
    Broken("cut.webp", lambda: WEBP_LOSSY[:-4], "corrupt", "shorter than its header says"),
    Broken("short.wav", lambda: audio("WAV")[:-100], "corrupt", "data chunk is shorter than"),
    Broken("cut.flac", lambda: audio("FLAC")[:-30], "corrupt", "its audio cannot be read"),
    Broken("no-moov.mp4", lambda: iso_media(with_moov=False), "corrupt", "has no 'moov' box"),
    Broken("cut.mp4", lambda: iso_media()[:-10], "corrupt", "in the middle of its 'mdat' box"),
    Broken("cut.avi", lambda: avi()[:-5], "corrupt", "shorter than its header says"),
    Broken("cut.wmv", lambda: wmv()[:-10], "corrupt", "data object is shorter than"),
    Broken("header.wmv", lambda: wmv()[:100], "corrupt", "ends in the middle of its header"),
)


def sparse_mp4(path: Path, size: int) -> Path:
    """A whole MP4 of ``size`` bytes (its ``mdat`` is a hole on disk): for size limits."""
    head = iso_media(b"isom", 60.0)[: -(8 + 1024)]  # without the sample mdat
    mdat = struct.pack(">I4s", size - len(head), b"mdat")
    return sparse_file(path, size, head + mdat)
