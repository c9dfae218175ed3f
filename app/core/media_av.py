"""Probes of audio and video files: duration, picture size, and whether the file is whole.

Audio durations come from libsndfile (``soundfile.SoundFile``, which reads headers,
not samples) after a structural check; video containers (ISO media, AVI, ASF) are
walked by hand. Pure functions over a :class:`~app.core.media_source.ByteSource`.
"""

from __future__ import annotations

import struct
import uuid
from collections.abc import Iterator

import soundfile

from app.api.translation import translate
from app.core.media_formats import M4A, MP4, MediaFormat
from app.core.media_source import QT_TRANSLATE_NOOP, ByteSource, Probe, ProbeError

__all__ = [
    "probe_asf",
    "probe_avi",
    "probe_flac",
    "probe_iso_media",
    "probe_sound_file",
    "probe_wav",
]

_ASF_DATA = uuid.UUID("75B22636-668E-11CF-A6D9-00AA0062CE6C").bytes_le
_ASF_FILE_PROPERTIES = uuid.UUID("8CABDCA1-A947-11CF-8EE4-00C00C205365").bytes_le
_ASF_STREAM_PROPERTIES = uuid.UUID("B7DC0791-A9B7-11CF-8EE6-00C00C205365").bytes_le
_ASF_VIDEO = uuid.UUID("BC19EFC0-5B4D-11CF-A8FD-00805F5C442B").bytes_le
_MOOV_LIMIT = 64 << 20
_TAIL_FRAMES = 1024
_UNKNOWN_32 = 0xFFFFFFFF
_UNKNOWN_64 = 0xFFFFFFFFFFFFFFFF
_BOX_SIZE = QT_TRANSLATE_NOOP("MediaProbe", "its {box} box has an impossible size")
_BOX_CUT = QT_TRANSLATE_NOOP("MediaProbe", "it ends in the middle of its {box} box")


def _box_detail(detail: str, kind: bytes) -> str:
    """``detail`` (one of the ``_BOX_*`` texts) naming the box ``kind``, as ``'moov'``."""
    return translate("MediaProbe", detail).format(box=repr(kind.decode("latin-1")))


def probe_sound_file(source: ByteSource, *, check_end: bool = False) -> Probe:
    """The duration of FLAC, OGG, MP3 or WAV audio, as libsndfile reads it from the headers.

    Args:
        source: The file.
        check_end: Also decode the last few frames, so that a file whose header
            promises more audio than it holds is reported (worth it where the header
            is exact, as in FLAC; MP3 headers are often approximate).
    """
    source.handle.seek(0)
    try:
        with soundfile.SoundFile(source.handle) as sound:
            frames, rate = int(sound.frames), int(sound.samplerate)
            if check_end and frames > 0:
                tail = min(frames, _TAIL_FRAMES)
                sound.seek(frames - tail)
                if len(sound.read(tail, dtype="int16")) != tail:
                    raise ProbeError(
                        translate("MediaProbe", "it holds less audio than its header says")
                    )
    except (RuntimeError, ValueError, TypeError) as exc:  # LibsndfileError is a RuntimeError
        raise ProbeError(translate("MediaProbe", "its audio cannot be read")) from exc
    if rate <= 0 or frames <= 0:
        raise ProbeError(translate("MediaProbe", "it holds no audio"))
    return Probe(duration=frames / rate)


def probe_flac(source: ByteSource) -> Probe:
    """Checks that a bare FLAC stream starts with its STREAMINFO block, then reads it."""
    if source.read(0, 4) == b"fLaC":
        block = source.exact(
            4, 4, QT_TRANSLATE_NOOP("MediaProbe", "it ends before its stream header")
        )
        if block[0] & 0x7F != 0 or int.from_bytes(block[1:], "big") != 34:
            raise ProbeError(
                translate("MediaProbe", "it does not start with a stream header (STREAMINFO)")
            )
    return probe_sound_file(source, check_end=True)


def probe_wav(source: ByteSource) -> Probe:
    """Checks the RIFF chunks up to ``data`` (whole, after ``fmt ``), then reads the duration."""
    pos = 12
    has_format = False
    while True:
        kind, length = source.unpack(
            "<4sI", pos, QT_TRANSLATE_NOOP("MediaProbe", "it ends before its audio data")
        )
        if kind == b"fmt ":
            has_format = True
        elif kind == b"data":
            if not has_format:
                raise ProbeError(
                    translate("MediaProbe", "its data chunk comes before its format chunk")
                )
            if length != _UNKNOWN_32 and pos + 8 + length > source.size:
                raise ProbeError(
                    translate("MediaProbe", "its data chunk is shorter than its header says")
                )
            break
        pos += 8 + length + (length & 1)
    return probe_sound_file(source)


def _boxes(data: bytes, start: int, end: int) -> Iterator[tuple[bytes, int, int]]:
    """(type, payload start, payload end) of the ISO media boxes in ``data[start:end]``."""
    while start + 8 <= end:
        size, kind = struct.unpack_from(">I4s", data, start)
        header = 8
        if size == 1 and start + 16 <= end:
            (size,) = struct.unpack_from(">Q", data, start + 8)
            header = 16
        elif size == 0:
            size = end - start
        if size < header or start + size > end:
            raise ProbeError(_box_detail(_BOX_SIZE, kind))
        yield kind, start + header, start + size
        start += size


def probe_iso_media(source: ByteSource, detected: MediaFormat) -> Probe:
    """MP4, MOV and M4A: the top-level boxes must be whole and include ``moov``.

    The duration comes from ``mvhd`` (or ``mehd`` in a fragmented file), the picture
    size from the first video track's ``tkhd``. An MP4 whose tracks are all sound is
    reported as M4A audio.
    """
    pos = 0
    moov: tuple[int, int] | None = None
    while pos < source.size:
        size, kind = source.unpack(
            ">I4s", pos, QT_TRANSLATE_NOOP("MediaProbe", "it ends in the middle of a box header")
        )
        header = 8
        if size == 1:
            (size,) = source.unpack(
                ">Q",
                pos + 8,
                QT_TRANSLATE_NOOP("MediaProbe", "it ends in the middle of a box header"),
            )
            header = 16
        elif size == 0:
            size = source.size - pos
        if size < header:
            raise ProbeError(_box_detail(_BOX_SIZE, kind))
        if pos + size > source.size:
            raise ProbeError(_box_detail(_BOX_CUT, kind))
        if kind == b"moov" and moov is None:
            moov = (pos + header, pos + size)
        pos += size
    if moov is None:
        raise ProbeError(
            translate(
                "MediaProbe", "it has no 'moov' box (the recording was probably not finished)"
            )
        )
    if moov[1] - moov[0] > _MOOV_LIMIT:
        raise ProbeError(translate("MediaProbe", "its 'moov' box is implausibly large"))
    data = source.read(moov[0], moov[1] - moov[0])
    return _read_moov(data, detected)


def _read_moov(data: bytes, detected: MediaFormat) -> Probe:
    scale = length = fragments = 0
    handlers: list[bytes] = []
    size: tuple[int, int] | None = None
    for kind, start, end in _boxes(data, 0, len(data)):
        if kind == b"mvhd":
            scale, length = _movie_header(data, start, end)
        elif kind == b"mvex":
            for sub, sub_start, sub_end in _boxes(data, start, end):
                if sub == b"mehd" and sub_end - sub_start >= 8:
                    wide = data[sub_start] == 1 and sub_end - sub_start >= 12
                    fragments = struct.unpack_from(">Q" if wide else ">I", data, sub_start + 4)[0]
        elif kind == b"trak":
            handler, track_size = _read_trak(data, start, end)
            handlers.append(handler)
            if handler == b"vide" and size is None:
                size = track_size
    length = length or fragments  # a fragmented file's mvhd may say 0
    duration = length / scale if scale and length else None
    fmt = M4A if detected == MP4 and b"soun" in handlers and b"vide" not in handlers else None
    if size is None or not all(size) or (fmt or detected) == M4A:
        return Probe(duration=duration, format=fmt)
    return Probe(size[0], size[1], duration, fmt)


def _movie_header(data: bytes, start: int, end: int) -> tuple[int, int]:
    """(timescale, duration) of an ``mvhd`` box; duration 0 when unknown."""
    if start + 32 > end:
        raise ProbeError(translate("MediaProbe", "its 'mvhd' box is too short"))
    if data[start] == 1:
        scale, length = struct.unpack_from(">IQ", data, start + 20)
        unknown = _UNKNOWN_64
    else:
        scale, length = struct.unpack_from(">II", data, start + 12)
        unknown = _UNKNOWN_32
    return scale, 0 if length == unknown else length


def _read_trak(data: bytes, start: int, end: int) -> tuple[bytes, tuple[int, int]]:
    handler = b""
    size = (0, 0)
    for kind, sub_start, sub_end in _boxes(data, start, end):
        if kind == b"tkhd" and sub_end - sub_start >= 84:
            width, height = struct.unpack_from(">II", data, sub_end - 8)
            size = (width >> 16, height >> 16)
        elif kind == b"mdia":
            for leaf, leaf_start, leaf_end in _boxes(data, sub_start, sub_end):
                if leaf == b"hdlr" and leaf_end - leaf_start >= 12:
                    handler = data[leaf_start + 8 : leaf_start + 12]
    return handler, size


def probe_avi(source: ByteSource) -> Probe:
    """Reads ``avih`` in the ``hdrl`` list (frames, frame time, size); needs ``movi``."""
    (riff_size,) = source.unpack(
        "<I", 4, QT_TRANSLATE_NOOP("MediaProbe", "it ends before its header")
    )
    if 8 + riff_size > source.size:
        raise ProbeError(translate("MediaProbe", "it is shorter than its header says"))
    end = 8 + riff_size
    pos = 12
    header: tuple[int, ...] | None = None
    has_movie = False
    while pos + 8 <= end:
        kind, length = source.unpack(
            "<4sI", pos, QT_TRANSLATE_NOOP("MediaProbe", "it ends in the middle of a chunk")
        )
        if kind == b"LIST":
            list_type = source.exact(
                pos + 8, 4, QT_TRANSLATE_NOOP("MediaProbe", "it ends in the middle of a list")
            )
            if list_type == b"hdrl":
                header = _avih(source, pos + 12, pos + 8 + length)
            has_movie = has_movie or list_type == b"movi"
        pos += 8 + length + (length & 1)
    if header is None:
        raise ProbeError(translate("MediaProbe", "it has no main header ('avih')"))
    if not has_movie:
        raise ProbeError(translate("MediaProbe", "it has no movie data ('movi')"))
    frame_us, frames, width, height = header
    duration = frames * frame_us / 1e6 if frames and frame_us else None
    return Probe(width or None, height or None, duration)


def _avih(source: ByteSource, pos: int, end: int) -> tuple[int, ...] | None:
    while pos + 8 <= end:
        kind, length = source.unpack(
            "<4sI", pos, QT_TRANSLATE_NOOP("MediaProbe", "it ends in the middle of its header")
        )
        if kind == b"avih" and length >= 40:
            fields = source.unpack(
                "<10I",
                pos + 8,
                QT_TRANSLATE_NOOP("MediaProbe", "it ends in the middle of its header"),
            )
            return fields[0], fields[4], fields[8], fields[9]
        pos += 8 + length + (length & 1)
    return None


def probe_asf(source: ByteSource) -> Probe:
    """WMV (ASF): the header object's file and stream properties; a data object must follow."""
    (header_size,) = source.unpack(
        "<Q", 16, QT_TRANSLATE_NOOP("MediaProbe", "it ends before its header")
    )
    if header_size > source.size:
        raise ProbeError(translate("MediaProbe", "it ends in the middle of its header"))
    pos = 30
    duration: float | None = None
    width = height = 0
    found_properties = False
    while pos + 24 <= header_size:
        guid = source.exact(
            pos, 16, QT_TRANSLATE_NOOP("MediaProbe", "it ends in the middle of its header")
        )
        (size,) = source.unpack(
            "<Q", pos + 16, QT_TRANSLATE_NOOP("MediaProbe", "it ends in the middle of its header")
        )
        if size < 24 or pos + size > header_size:
            raise ProbeError(
                translate("MediaProbe", "an object in its header has an impossible size")
            )
        if guid == _ASF_FILE_PROPERTIES and size >= 104:
            play, _send, preroll = source.unpack(
                "<QQQ", pos + 64, QT_TRANSLATE_NOOP("MediaProbe", "it ends early")
            )
            seconds = play / 1e7 - preroll / 1e3
            duration = seconds if seconds > 0 else None
            found_properties = True
        elif (
            guid == _ASF_STREAM_PROPERTIES
            and size >= 86
            and not width
            and source.exact(pos + 24, 16, QT_TRANSLATE_NOOP("MediaProbe", "it ends early"))
            == _ASF_VIDEO
        ):
            width, height = source.unpack(
                "<II", pos + 78, QT_TRANSLATE_NOOP("MediaProbe", "it ends early")
            )
        pos += size
    if not found_properties:
        raise ProbeError(translate("MediaProbe", "it has no file properties object"))
    if source.read(header_size, 16) != _ASF_DATA:
        raise ProbeError(translate("MediaProbe", "it ends before its data object"))
    (data_size,) = source.unpack(
        "<Q", header_size + 16, QT_TRANSLATE_NOOP("MediaProbe", "it ends before its data object")
    )
    if data_size and header_size + data_size > source.size:
        raise ProbeError(translate("MediaProbe", "its data object is shorter than its header says"))
    return Probe(width or None, height or None, duration)
