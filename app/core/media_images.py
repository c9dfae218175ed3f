"""Probes of image files: size in pixels, and whether the file is whole.

Each probe walks the file's structure (chunks, segments, blocks) without decoding
pixels, and raises :class:`~app.core.media_source.ProbeError` when the file is damaged
or cut short. Pure functions over a :class:`~app.core.media_source.ByteSource`.
"""

from __future__ import annotations

from app.api.translation import translate
from app.core.media_source import QT_TRANSLATE_NOOP, ByteSource, Probe, ProbeError

__all__ = ["probe_bmp", "probe_gif", "probe_jpeg", "probe_png", "probe_webp"]

# Start-of-frame markers carry the size; C4 (DHT), C8 (JPG) and CC (DAC) do not.
_SOF_MARKERS = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
_STANDALONE_MARKERS = frozenset(range(0xD0, 0xD8)) | {0x01}


def probe_png(source: ByteSource) -> Probe:
    """Walks every chunk, checking each CRC, up to ``IEND``; the size is in ``IHDR``."""
    pos = 8
    width = height = 0
    has_data = False
    while True:
        length, kind = source.unpack(
            ">I4s", pos, QT_TRANSLATE_NOOP("MediaProbe", "it ends before its IEND chunk")
        )
        if length > 0x7FFFFFFF:
            raise ProbeError(translate("MediaProbe", "a chunk has an impossible length"))
        end = pos + 12 + length
        if end > source.size:
            raise ProbeError(translate("MediaProbe", "it ends in the middle of a chunk"))
        (stored,) = source.unpack(
            ">I",
            pos + 8 + length,
            QT_TRANSLATE_NOOP("MediaProbe", "it ends in the middle of a chunk"),
        )
        if source.crc32(pos + 4, 4 + length) != stored:
            raise ProbeError(translate("MediaProbe", "a chunk's checksum does not match its data"))
        if pos == 8:
            if kind != b"IHDR" or length != 13:
                raise ProbeError(translate("MediaProbe", "it does not start with an IHDR chunk"))
            width, height = source.unpack(
                ">II", pos + 8, QT_TRANSLATE_NOOP("MediaProbe", "it ends in the middle of a chunk")
            )
        elif kind == b"IDAT":
            has_data = True
        elif kind == b"IEND":
            break
        pos = end
    if not has_data:
        raise ProbeError(translate("MediaProbe", "it holds no image data"))
    if width == 0 or height == 0:
        raise ProbeError(translate("MediaProbe", "its size is zero pixels"))
    return Probe(width, height)


def probe_jpeg(source: ByteSource) -> Probe:
    """Walks the segments up to the first scan (size in SOFn), then looks for EOI."""
    pos = 2
    size: tuple[int, int] | None = None
    cut = QT_TRANSLATE_NOOP("MediaProbe", "it ends before its image data")
    while True:
        prefix, marker = source.exact(pos, 2, cut)
        if prefix != 0xFF:
            raise ProbeError(translate("MediaProbe", "a segment marker is missing"))
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker in _STANDALONE_MARKERS:
            pos += 2
            continue
        if marker == 0xD9:
            raise ProbeError(translate("MediaProbe", "it ends before its image data"))
        (length,) = source.unpack(">H", pos + 2, cut)
        if length < 2:
            raise ProbeError(translate("MediaProbe", "a segment has an impossible length"))
        end = pos + 2 + length
        if end > source.size:
            raise ProbeError(translate("MediaProbe", cut))
        if marker in _SOF_MARKERS:
            height, width = source.unpack(">HH", pos + 5, cut)
            size = (width, height)
        if marker == 0xDA:
            break
        pos = end
    if size is None:
        raise ProbeError(translate("MediaProbe", "it has no frame header (SOF) giving its size"))
    if source.find(b"\xff\xd9", end) < 0:
        raise ProbeError(translate("MediaProbe", "it has no end-of-image marker (EOI)"))
    width, height = size
    if width == 0:
        raise ProbeError(translate("MediaProbe", "its width is zero pixels"))
    return Probe(width, height or None)  # height 0: given later by a DNL segment


def probe_gif(source: ByteSource) -> Probe:
    """Walks the blocks up to the trailer; the size is the logical screen's."""
    cut = QT_TRANSLATE_NOOP("MediaProbe", "it ends before its trailer")
    width, height, packed = source.unpack("<HHB", 6, cut)
    pos = 13 + (3 << ((packed & 7) + 1) if packed & 0x80 else 0)
    frames = 0
    while True:
        (block,) = source.exact(pos, 1, cut)
        if block == 0x3B:
            break
        if block == 0x2C:  # image descriptor, then local colour table and LZW data
            (flags,) = source.exact(pos + 9, 1, cut)
            pos += 10 + (3 << ((flags & 7) + 1) if flags & 0x80 else 0) + 1
            frames += 1
        elif block == 0x21:  # extension: introducer and label, then data sub-blocks
            pos += 2
        else:
            raise ProbeError(translate("MediaProbe", "it holds a block of an unknown type"))
        pos = _skip_sub_blocks(source, pos, cut)
    if frames == 0:
        raise ProbeError(translate("MediaProbe", "it holds no image"))
    return Probe(width or None, height or None)


def _skip_sub_blocks(source: ByteSource, pos: int, cut: str) -> int:
    while True:
        (length,) = source.exact(pos, 1, cut)
        pos += 1 + length
        if length == 0:
            return pos


def probe_bmp(source: ByteSource) -> Probe:
    """Reads the size from the DIB header and checks the pixel rows are all there."""
    cut = QT_TRANSLATE_NOOP("MediaProbe", "it ends before its header")
    (offset,) = source.unpack("<I", 10, cut)
    (header,) = source.unpack("<I", 14, cut)
    compression = 0
    if header == 12:  # OS/2 1.x: 16-bit sizes
        width, height, _planes, bits = source.unpack("<HHHH", 18, cut)
    elif header == 16:  # OS/2 2.x, short form
        width, height, _planes, bits = source.unpack("<iiHH", 18, cut)
    else:
        width, height, _planes, bits, compression = source.unpack("<iiHHI", 18, cut)
    if width <= 0 or height == 0:
        raise ProbeError(translate("MediaProbe", "its size is zero pixels"))
    if offset < 14 + header or offset >= source.size:
        raise ProbeError(translate("MediaProbe", "it ends before its pixels"))
    rows = abs(height)
    if compression in (0, 3, 6):  # uncompressed: rows padded to 4 bytes
        if bits not in (1, 2, 4, 8, 16, 24, 32):
            text = translate("MediaProbe", "it claims an impossible {bits} bits per pixel")
            raise ProbeError(text.format(bits=bits))
        row_bytes = (bits * width + 31) // 32 * 4
        if offset + row_bytes * rows > source.size:
            raise ProbeError(translate("MediaProbe", "it ends before its last row of pixels"))
    return Probe(width, rows)


def probe_webp(source: ByteSource) -> Probe:
    """Reads the size from the first chunk (VP8, VP8L or VP8X) after the RIFF header."""
    cut = QT_TRANSLATE_NOOP("MediaProbe", "it ends before its image data")
    (riff_size,) = source.unpack("<I", 4, cut)
    if 8 + riff_size > source.size:
        raise ProbeError(translate("MediaProbe", "it is shorter than its header says"))
    kind, length = source.unpack("<4sI", 12, cut)
    data = source.exact(20, min(length, 30), cut)
    if kind == b"VP8 " and len(data) >= 10 and data[3:6] == b"\x9d\x01\x2a":
        width = int.from_bytes(data[6:8], "little") & 0x3FFF
        height = int.from_bytes(data[8:10], "little") & 0x3FFF
    elif kind == b"VP8L" and len(data) >= 5 and data[0] == 0x2F:
        bits = int.from_bytes(data[1:5], "little")
        width, height = (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    elif kind == b"VP8X" and len(data) >= 10:
        width = int.from_bytes(data[4:7], "little") + 1
        height = int.from_bytes(data[7:10], "little") + 1
    else:
        raise ProbeError(
            translate("MediaProbe", "its first chunk is not a VP8, VP8L or VP8X header")
        )
    if width == 0 or height == 0:
        raise ProbeError(translate("MediaProbe", "its size is zero pixels"))
    return Probe(width, height)
