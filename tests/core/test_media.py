"""Recognising, probing and refusing media files before they are sent to Omni."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import random
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from app.core import media
from app.core.media import (
    BASE64_LIMIT,
    FORMATS,
    MediaError,
    MediaInfo,
    MediaProblem,
    base64_length,
    data_url_length,
    detect,
    format_for_mime,
    inspect_bytes,
    inspect_media,
    max_file_size,
)
from tests.media_samples import (
    BROKEN,
    SAMPLE_BY_NAME,
    SAMPLES,
    WEBP_LOSSLESS,
    Broken,
    Sample,
    audio,
    id3_tag,
    iso_media,
    png,
    sparse_mp4,
    write,
)


def expected(sample: Sample, path: Path | None, data: bytes) -> MediaInfo:
    return MediaInfo(
        path=path,
        name=sample.name,
        kind=sample.kind,
        format=sample.format,
        mime=sample.mime,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        width=sample.width,
        height=sample.height,
        duration=sample.duration,
    )


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda s: s.name)
def test_every_sample_is_recognised_and_probed(tmp_path: Path, sample: Sample) -> None:
    data = sample.make()
    path = write(tmp_path, sample.name, data)
    info = inspect_media(path)
    assert info == expected(sample, path, data)


def test_the_type_comes_from_the_content_never_from_the_name(tmp_path: Path) -> None:
    picture = inspect_media(write(tmp_path, "song.mp3", png(7, 5)))
    clip = inspect_media(write(tmp_path, "photo.JPG", iso_media(b"mp41")))
    nameless = inspect_media(write(tmp_path, "upload", audio("WAV")))
    assert (picture.mime, picture.width, picture.height) == ("image/png", 7, 5)
    assert (clip.kind, clip.mime) == ("video", "video/mp4")
    assert (nameless.kind, nameless.mime) == ("audio", "audio/wav")


def test_an_mp4_that_holds_only_sound_is_sent_as_m4a_audio() -> None:
    info = inspect_bytes(iso_media(b"isom", 2.0, (b"soun",)), "podcast.mp4")
    assert (info.kind, info.format, info.mime) == ("audio", "M4A", "audio/mp4")
    assert (info.width, info.height, info.duration) == (None, None, 2.0)


def test_a_quicktime_file_without_ftyp_is_recognised_by_its_first_atom() -> None:
    for first in (b"moov", b"mdat", b"wide"):
        assert detect(b"\x00\x00\x00\x08" + first + bytes(8)) is not None
        assert detect(b"\x00\x00\x00\x08" + first + bytes(8)) == format_for_mime("video/quicktime")


def test_an_id3_tag_is_looked_behind() -> None:
    assert detect(id3_tag() + audio("FLAC")) == format_for_mime("audio/flac")
    assert detect(id3_tag() + b"\xff\xf1\x50\x80" + bytes(16)) is None  # AAC, not MP3
    assert inspect_bytes(id3_tag() + audio("FLAC"), "tagged.flac").duration == 1.5


def test_sample_images_are_real_files_a_decoder_reads(qapp: object) -> None:
    from PySide6.QtGui import QImage

    for sample in SAMPLES:
        data = sample.make()
        if sample.kind != "image" or data == WEBP_LOSSLESS:
            continue  # Qt's WebP reader here fails on every lossless file, even its own
        image = QImage.fromData(data)
        assert (image.width(), image.height()) == (sample.width, sample.height), sample.name


@pytest.mark.parametrize("broken", BROKEN, ids=lambda b: b.name)
def test_a_broken_file_is_refused_with_a_clear_reason(tmp_path: Path, broken: Broken) -> None:
    path = write(tmp_path, broken.name, broken.make())
    with pytest.raises(MediaError) as caught:
        inspect_media(path)
    assert caught.value.problem.value == broken.problem
    assert broken.says in str(caught.value)
    assert str(caught.value).startswith(broken.name)
    assert caught.value.path == path


def test_text_named_like_a_photo_says_what_it_really_is(tmp_path: Path) -> None:
    with pytest.raises(MediaError, match=r"^notes\.jpg is text, not an image\.$"):
        inspect_media(write(tmp_path, "notes.jpg", b"Dear diary,\r\n\ttoday...\n"))


def test_a_folder_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "Holiday photos"
    folder.mkdir()
    with pytest.raises(MediaError) as caught:
        inspect_media(folder)
    assert caught.value.problem is MediaProblem.FOLDER
    assert str(caught.value) == "Holiday photos is a folder; attach the files inside it instead."


def test_a_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(MediaError, match=r"^gone\.png does not exist\.$") as caught:
        inspect_media(tmp_path / "gone.png")
    assert caught.value.problem is MediaProblem.UNREADABLE


def test_an_unreadable_file_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, "locked.png", png())

    def denied(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(media, "open", denied, raising=False)
    with pytest.raises(MediaError, match=r"^locked\.png cannot be read: Permission denied\.$"):
        inspect_media(path)


def test_a_file_over_the_limit_is_refused_before_it_is_read_whole(tmp_path: Path) -> None:
    path = write(tmp_path, "clip.mp4", iso_media())
    size = path.stat().st_size
    with pytest.raises(MediaError) as caught:
        inspect_media(path, limit=data_url_length(size, "video/mp4") - 1)
    assert caught.value.problem is MediaProblem.TOO_LARGE
    assert "clip.mp4 is too large to send: it is 1.5" in str(caught.value)
    assert inspect_media(path, limit=data_url_length(size, "video/mp4")).size == size


def test_the_50_mb_limit_counts_the_base64_and_the_prefix(tmp_path: Path) -> None:
    largest = max_file_size("video/mp4")
    fits = inspect_media(sparse_mp4(tmp_path / "fits.mp4", largest))
    assert fits.encoded_size <= BASE64_LIMIT == 50_000_000
    assert (fits.duration, fits.width) == (60.0, 640)
    with pytest.raises(MediaError) as caught:
        inspect_media(sparse_mp4(tmp_path / "over.mp4", largest + 1))
    assert str(caught.value) == (
        "over.mp4 is too large to send: it is 37.499983 MB, and Omni takes files of this type"
        " up to 37.499982 MB (50 MB once encoded as base64)."
    )


@pytest.mark.parametrize("size", [0, 1, 2, 3, 4, 5, 6, 7, 1000, 1001])
def test_the_encoded_length_is_computed_exactly(size: int) -> None:
    encoded = base64.b64encode(bytes(size))
    assert base64_length(size) == len(encoded)
    assert data_url_length(size, "image/png") == len(b"data:image/png;base64," + encoded)
    assert data_url_length(max_file_size("image/png", 1000), "image/png") <= 1000
    assert data_url_length(max_file_size("image/png", 1000) + 1, "image/png") > 1000


def test_every_format_names_the_media_type_the_api_expects() -> None:
    mimes = {fmt.name: fmt.mime for fmt in FORMATS}
    assert mimes == {
        "JPEG": "image/jpeg",
        "PNG": "image/png",
        "GIF": "image/gif",
        "WebP": "image/webp",
        "BMP": "image/bmp",
        "MP3": "audio/mpeg",
        "WAV": "audio/wav",
        "FLAC": "audio/flac",
        "M4A": "audio/mp4",
        "OGG": "audio/ogg",
        "MP4": "video/mp4",
        "MOV": "video/quicktime",
        "AVI": "video/x-msvideo",
        "WMV": "video/x-ms-wmv",
    }
    assert all(format_for_mime(fmt.mime) is fmt for fmt in FORMATS)
    assert format_for_mime(" Audio/MP3 ") is format_for_mime("audio/mpeg")
    assert format_for_mime("image/tiff") is None


def test_the_summary_reads_well() -> None:
    clip = inspect_bytes(SAMPLE_BY_NAME["clip.mp4"].make(), "clip.mp4")
    assert clip.summary() == "MP4 video, 3.0 s, 640x480, 1.5 KB"
    assert inspect_bytes(png(4, 3), "a.png").summary() == "PNG image, 4x3, 96 bytes"


def cuts(length: int) -> list[int]:
    """Every cut near the ends, and 60 spread over the middle."""
    return sorted({*range(1, min(length, 40)), *range(max(1, length - 40), length)}) + list(
        range(40, length - 40, max(1, (length - 80) // 60))
    )


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda s: s.name)
def test_a_cut_short_file_never_crashes_the_probe(sample: Sample) -> None:
    data = sample.make()
    for keep in cuts(len(data)):
        try:
            inspect_bytes(data[:keep], sample.name)
        except MediaError as error:
            assert error.problem in (MediaProblem.CORRUPT, MediaProblem.UNSUPPORTED), keep
        else:  # MP3 and Ogg streams cut between frames are still whole streams
            assert sample.format in ("MP3", "OGG"), keep


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda s: s.name)
def test_damaged_bytes_give_a_media_error_or_a_result_never_a_crash(sample: Sample) -> None:
    data = sample.make()
    rng = random.Random(sample.name)
    for _ in range(150):
        mutated = bytearray(data)
        for _ in range(rng.randint(1, 4)):
            mutated[rng.randrange(len(mutated))] = rng.randrange(256)
        with contextlib.suppress(MediaError):
            inspect_bytes(bytes(mutated), sample.name)


def test_probing_in_many_threads_at_once_gives_the_same_answers(tmp_path: Path) -> None:
    paths = [write(tmp_path, s.name, s.make()) for s in SAMPLES]
    serial = [inspect_media(path) for path in paths]
    with ThreadPoolExecutor(max_workers=4) as pool:
        parallel = list(pool.map(inspect_media, paths * 4))
    assert parallel == serial * 4
