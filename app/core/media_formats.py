"""The media formats Omni reads, and recognising them from their first bytes.

Detection looks only at the content (magic bytes), never at the file name. Pure
functions over ``bytes``; no I/O, no shared state, safe in any thread.
"""

from __future__ import annotations

import codecs
import struct
import uuid
from dataclasses import dataclass
from typing import Literal

from app.api.translation import translate

__all__ = [
    "ASF_HEADER_GUID",
    "AVI",
    "BMP",
    "FLAC",
    "FORMATS",
    "GIF",
    "HEAD_BYTES",
    "JPEG",
    "M4A",
    "MOV",
    "MP3",
    "MP4",
    "OGG",
    "PNG",
    "WAV",
    "WEBP",
    "WMV",
    "MediaFormat",
    "MediaKind",
    "Unknown",
    "describe_unknown",
    "detect",
    "format_for_mime",
]

MediaKind = Literal["image", "audio", "video"]

#: How many leading bytes :func:`detect` and :func:`describe_unknown` want to see.
HEAD_BYTES = 4096


@dataclass(frozen=True)
class MediaFormat:
    """One format Omni reads.

    Attributes:
        name: Short name for people, e.g. ``"PNG"``.
        kind: ``"image"``, ``"audio"`` or ``"video"``.
        mime: The media type of the ``data:`` URL sent to the API, e.g. ``"image/png"``.
    """

    name: str
    kind: MediaKind
    mime: str

    @property
    def description(self) -> str:
        """``"a PNG image"``, ``"WAV audio"``, ``"an MP4 video"`` (in the user's language)."""
        if self.kind == "audio":
            text = translate("MediaFormats", "{format} audio")
        elif self.kind == "image":
            text = translate("MediaFormats", "a {format} image")
        elif self.name in ("MP4", "AVI"):
            text = translate("MediaFormats", "an {format} video")
        else:
            text = translate("MediaFormats", "a {format} video")
        return text.format(format=self.name)


JPEG = MediaFormat("JPEG", "image", "image/jpeg")
PNG = MediaFormat("PNG", "image", "image/png")
GIF = MediaFormat("GIF", "image", "image/gif")
WEBP = MediaFormat("WebP", "image", "image/webp")
BMP = MediaFormat("BMP", "image", "image/bmp")
MP3 = MediaFormat("MP3", "audio", "audio/mpeg")
WAV = MediaFormat("WAV", "audio", "audio/wav")
FLAC = MediaFormat("FLAC", "audio", "audio/flac")
M4A = MediaFormat("M4A", "audio", "audio/mp4")
OGG = MediaFormat("OGG", "audio", "audio/ogg")
MP4 = MediaFormat("MP4", "video", "video/mp4")
MOV = MediaFormat("MOV", "video", "video/quicktime")
AVI = MediaFormat("AVI", "video", "video/x-msvideo")
WMV = MediaFormat("WMV", "video", "video/x-ms-wmv")

#: Every format, in the order the API documentation lists them.
FORMATS: tuple[MediaFormat, ...] = (JPEG, PNG, GIF, WEBP, BMP, MP3, WAV, FLAC, M4A, OGG)
FORMATS += (MP4, MOV, AVI, WMV)

_ALIASES = {
    "image/jpg": JPEG,
    "image/pjpeg": JPEG,
    "image/x-ms-bmp": BMP,
    "image/x-bmp": BMP,
    "audio/mp3": MP3,
    "audio/x-wav": WAV,
    "audio/wave": WAV,
    "audio/vnd.wave": WAV,
    "audio/x-flac": FLAC,
    "audio/x-m4a": M4A,
    "audio/m4a": M4A,
    "application/ogg": OGG,
    "audio/vorbis": OGG,
    "audio/opus": OGG,
    "video/avi": AVI,
    "video/msvideo": AVI,
    "video/x-ms-asf": WMV,
}
_BY_MIME = {fmt.mime: fmt for fmt in FORMATS} | _ALIASES

ASF_HEADER_GUID = uuid.UUID("75B22630-668E-11CF-A6D9-00AA0062CE6C").bytes_le
_MP4_BRANDS = {b"iso%d" % n for n in range(2, 10)} | {b"isom", b"mp41", b"mp42", b"mp71"}
_MP4_BRANDS |= {b"avc1", b"dash", b"msnv", b"M4V ", b"M4VH", b"M4VP", b"f4v ", b"mmp4"}
_AUDIO_BRANDS = {b"M4A ", b"M4B ", b"M4P ", b"F4A ", b"F4B "}
_IMAGE_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1"}
_IMAGE_BRANDS |= {b"avif", b"avis"}
_BARE_QUICKTIME = {b"moov", b"mdat", b"wide", b"pnot"}
_BMP_HEADERS = {12, 16, 40, 52, 56, 64, 108, 124}


def format_for_mime(mime: str) -> MediaFormat | None:
    """The format a media type names (common aliases such as ``audio/mp3`` too)."""
    return _BY_MIME.get(mime.strip().lower())


def detect(head: bytes) -> MediaFormat | None:
    """The format of a file from its first bytes (up to :data:`HEAD_BYTES`); None if unknown."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return GIF
    if head[:2] == b"BM" and len(head) >= 18 and _u32le(head, 14) in _BMP_HEADERS:
        return BMP
    if head[:4] == b"RIFF" and len(head) >= 12:
        return {b"WEBP": WEBP, b"WAVE": WAV, b"AVI ": AVI}.get(head[8:12])
    if head.startswith(b"fLaC"):
        return FLAC
    if head.startswith(b"OggS"):
        return OGG
    if head.startswith(ASF_HEADER_GUID):
        return WMV
    if head[4:8] == b"ftyp":
        return _iso_media_format(head)
    if head[4:8] in _BARE_QUICKTIME:
        return MOV
    if head.startswith(b"ID3"):
        return _after_id3(head)
    if _mpeg_audio_frame(head):
        return MP3
    return None


def _iso_media_format(head: bytes) -> MediaFormat | None:
    major = head[8:12]
    box_end = min(len(head), max(16, struct.unpack_from(">I", head)[0]))
    brands = {head[i : i + 4] for i in range(16, box_end - 3, 4)} | {major}
    if major in _AUDIO_BRANDS:
        return M4A
    if major == b"qt  ":
        return MOV
    if major in _MP4_BRANDS:
        return MP4
    if major in _IMAGE_BRANDS:
        return None
    if b"qt  " in brands:
        return MOV
    if brands & _MP4_BRANDS:
        return MP4
    return None


def _after_id3(head: bytes) -> MediaFormat | None:
    """ID3v2 tags front MP3 and sometimes FLAC: look behind the tag when it fits."""
    if len(head) < 10:
        return None
    size = (head[6] & 0x7F) << 21 | (head[7] & 0x7F) << 14 | (head[8] & 0x7F) << 7 | head[9] & 0x7F
    end = 10 + size + (10 if head[5] & 0x10 else 0)
    rest = head[end:]
    if rest.startswith(b"fLaC"):
        return FLAC
    if len(rest) >= 4 and not _mpeg_audio_frame(rest) and rest[:2] in (b"\xff\xf1", b"\xff\xf9"):
        return None  # AAC in ADTS frames behind an ID3 tag
    return MP3


def _mpeg_audio_frame(data: bytes) -> bool:
    """Whether ``data`` starts with a plausible MPEG audio (MP1/2/3) frame header."""
    if len(data) < 4 or data[0] != 0xFF or data[1] & 0xE0 != 0xE0:
        return False
    version = (data[1] >> 3) & 3
    layer = (data[1] >> 1) & 3
    bitrate = data[2] >> 4
    rate = (data[2] >> 2) & 3
    return version != 1 and layer != 0 and bitrate not in (0, 15) and rate != 3


def _u32le(data: bytes, offset: int) -> int:
    value: int = struct.unpack_from("<I", data, offset)[0]
    return value


@dataclass(frozen=True)
class Unknown:
    """What an unsupported file looks like.

    Attributes:
        what: For a sentence such as "notes.jpg is {what}", e.g. ``"text"``,
            ``"a PDF document"``, ``"a TIFF image"``.
        kind: The kind of media when it is media in a format Omni does not read
            (a TIFF is an image), else None.
    """

    what: str
    kind: MediaKind | None = None


def _signatures() -> tuple[tuple[bytes, Unknown], ...]:
    """Magic bytes of files Omni does not read, and what to call them (translated now)."""
    return (
        (b"%PDF", Unknown(translate("MediaFormats", "a PDF document"))),
        (b"PK\x03\x04", Unknown(translate("MediaFormats", "a ZIP archive or an Office document"))),
        (b"Rar!\x1a\x07", Unknown(translate("MediaFormats", "a RAR archive"))),
        (b"7z\xbc\xaf\x27\x1c", Unknown(translate("MediaFormats", "a 7-Zip archive"))),
        (b"\x1f\x8b", Unknown(translate("MediaFormats", "a gzip archive"))),
        (b"\x7fELF", Unknown(translate("MediaFormats", "a program"))),
        (b"SQLite format 3\x00", Unknown(translate("MediaFormats", "a SQLite database"))),
        (b"II*\x00", Unknown(translate("MediaFormats", "a TIFF image"), "image")),
        (b"MM\x00*", Unknown(translate("MediaFormats", "a TIFF image"), "image")),
        (b"8BPS", Unknown(translate("MediaFormats", "a Photoshop image"), "image")),
        (b"\x00\x00\x01\x00", Unknown(translate("MediaFormats", "an icon (ICO)"), "image")),
        (b"\x1aE\xdf\xa3", Unknown(translate("MediaFormats", "a Matroska or WebM video"), "video")),
        (b"FLV\x01", Unknown(translate("MediaFormats", "a Flash video (FLV)"), "video")),
        (
            b"\x00\x00\x01\xba",
            Unknown(translate("MediaFormats", "an MPEG program stream video"), "video"),
        ),
        (b"\x00\x00\x01\xb3", Unknown(translate("MediaFormats", "an MPEG video"), "video")),
        (b"caff", Unknown(translate("MediaFormats", "a Core Audio file (CAF)"), "audio")),
        (b"#!AMR", Unknown(translate("MediaFormats", "AMR audio"), "audio")),
        (b"MThd", Unknown(translate("MediaFormats", "a MIDI file"), "audio")),
        (b"\xff\xf1", Unknown(translate("MediaFormats", "AAC audio (ADTS)"), "audio")),
        (b"\xff\xf9", Unknown(translate("MediaFormats", "AAC audio (ADTS)"), "audio")),
        (b"wOFF", Unknown(translate("MediaFormats", "a web font"))),
        (b"wOF2", Unknown(translate("MediaFormats", "a web font"))),
        (b"MZ", Unknown(translate("MediaFormats", "a Windows program"))),
    )


def describe_unknown(head: bytes) -> Unknown | None:
    """What a file that :func:`detect` does not know looks like; None when unrecognisable."""
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in (b"avif", b"avis"):
            return Unknown(translate("MediaFormats", "an AVIF image"), "image")
        if brand in _IMAGE_BRANDS:
            return Unknown(translate("MediaFormats", "a HEIC image"), "image")
        if brand.startswith((b"3gp", b"3g2")):
            return Unknown(translate("MediaFormats", "a 3GP video"), "video")
        text = translate("MediaFormats", "an ISO media file of brand {brand}")
        return Unknown(text.format(brand=repr(brand.decode("latin-1").strip())))
    for magic, unknown in _signatures():
        if head.startswith(magic):
            return unknown
    if head[:4] == b"FORM" and head[8:12] in (b"AIFF", b"AIFC"):
        return Unknown(translate("MediaFormats", "AIFF audio"), "audio")
    if head[:4] == b"RIFF" and len(head) >= 12:
        text = translate("MediaFormats", "a RIFF file of type {type}")
        return Unknown(text.format(type=repr(head[8:12].decode("latin-1").strip())))
    if len(head) > 188 and head[0] == 0x47 and head[188] == 0x47:
        return Unknown(translate("MediaFormats", "an MPEG transport stream video"), "video")
    if _looks_like_text(head):
        return _text_kind(head)
    return None


def _looks_like_text(head: bytes) -> bool:
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return True
    controls = bytes(range(32)).translate(None, b"\t\n\r\f\x1b") + b"\x7f"
    return bool(head) and not any(byte in controls for byte in head)


def _text_kind(head: bytes) -> Unknown:
    start = head.removeprefix(codecs.BOM_UTF8).lstrip().lower()
    if start.startswith(b"<svg") or (start.startswith(b"<?xml") and b"<svg" in start):
        return Unknown(translate("MediaFormats", "an SVG image"), "image")
    if start.startswith((b"<!doctype html", b"<html")):
        return Unknown(translate("MediaFormats", "a web page (HTML)"))
    return Unknown(translate("MediaFormats", "text"))
