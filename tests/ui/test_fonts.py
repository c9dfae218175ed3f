"""ensure_cjk_font: Chinese shows as characters on a machine without a Chinese font."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtGui import QFont, QFontDatabase, QFontMetrics
from PySide6.QtWidgets import QApplication

from app.ui.fonts import SIMPLIFIED_CHINESE, ensure_cjk_font, font_files, system_has_cjk_font

REPO = Path(__file__).resolve().parents[2]
# fonts-noto-cjk (packaging/setup.sh installs it), or the smaller fonts-wqy-microhei.
CJK_FONT_CANDIDATES = (
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
)
LATIN_FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


def system_cjk_font_file() -> Path:
    for path in CJK_FONT_CANDIDATES:
        if path.is_file():
            return path
    raise AssertionError("no CJK font file: install fonts-noto-cjk (packaging/setup.sh --test)")


@pytest.fixture
def cjk_fonts_dir(tmp_path: Path) -> Path:
    """A fonts folder holding a copy of a real CJK font file, as the bundle's does."""
    folder = tmp_path / "fonts"
    folder.mkdir()
    shutil.copy(system_cjk_font_file(), folder)
    return folder


@pytest.fixture(autouse=True)
def forget_app_fonts(qapp: QApplication) -> Iterator[None]:
    yield
    QFontDatabase.removeAllApplicationFonts()


def test_without_a_system_font_the_bundled_font_is_registered(cjk_fonts_dir: Path) -> None:
    family = ensure_cjk_font(cjk_fonts_dir, system_has_font=lambda: False)

    assert family is not None
    assert family in QFontDatabase.families(SIMPLIFIED_CHINESE)
    assert QFontMetrics(QFont(family)).inFontUcs4(ord("中"))


def test_a_collection_gives_its_simplified_chinese_family(cjk_fonts_dir: Path) -> None:
    family = ensure_cjk_font(cjk_fonts_dir, system_has_font=lambda: False)

    assert family in ("Noto Sans CJK SC", "WenQuanYi Micro Hei")


def test_with_a_system_font_nothing_is_registered(cjk_fonts_dir: Path) -> None:
    assert ensure_cjk_font(cjk_fonts_dir, system_has_font=lambda: True) is None


def test_a_missing_or_empty_folder_gives_none(tmp_path: Path) -> None:
    assert ensure_cjk_font(tmp_path / "absent", system_has_font=lambda: False) is None
    assert ensure_cjk_font(tmp_path, system_has_font=lambda: False) is None


def test_a_font_without_chinese_gives_none(tmp_path: Path) -> None:
    shutil.copy(LATIN_FONT, tmp_path)
    (tmp_path / "notes.txt").write_text("not a font", encoding="utf-8")

    assert font_files(tmp_path) == [tmp_path / LATIN_FONT.name]
    assert ensure_cjk_font(tmp_path, system_has_font=lambda: False) is None


def test_the_test_machine_has_a_chinese_font_installed() -> None:
    # packaging/setup.sh installs fonts-noto-cjk; the bundle relies on ensure_cjk_font.
    assert system_has_cjk_font()


# Run in a child process whose fontconfig knows DejaVu only: a bare Debian machine.
FALLBACK_PROBE = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from PySide6.QtGui import QTextLayout
    from PySide6.QtWidgets import QApplication
    from app.ui.fonts import ensure_cjk_font, system_has_cjk_font

    app = QApplication([])

    def glyph_fonts(text):
        layout = QTextLayout(text, app.font())
        layout.beginLayout()
        layout.createLine()
        layout.endLayout()
        return [
            (run.rawFont().familyName(), 0 in run.glyphIndexes())
            for run in layout.glyphRuns()
        ]

    print("system", system_has_cjk_font())
    print("before", glyph_fonts("中文"))
    print("family", ensure_cjk_font(Path(sys.argv[1])))
    print("after", glyph_fonts("中文"))
    """
)

DEJAVU_ONLY_FONTCONFIG = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">
<fontconfig>
  <dir>{fonts}</dir>
  <cachedir>{cache}</cachedir>
  <include ignore_missing="yes">/etc/fonts/conf.d</include>
</fontconfig>
"""


def test_chinese_falls_back_to_the_registered_font_on_a_machine_without_one(
    cjk_fonts_dir: Path, tmp_path: Path
) -> None:
    config = tmp_path / "fonts.conf"
    config.write_text(
        DEJAVU_ONLY_FONTCONFIG.format(fonts=LATIN_FONT.parent, cache=tmp_path / "fc-cache"),
        encoding="utf-8",
    )
    env = {
        **os.environ,
        "FONTCONFIG_FILE": str(config),
        "QT_QPA_PLATFORM": "offscreen",
        "PYTHONPATH": str(REPO),
    }
    result = subprocess.run(
        [sys.executable, "-c", FALLBACK_PROBE, str(cjk_fonts_dir)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    lines = dict(line.split(" ", 1) for line in result.stdout.splitlines())
    assert lines["system"] == "False"
    assert "True" in lines["before"]  # glyph 0: the empty box
    assert lines["family"] != "None"
    assert "True" not in lines["after"]
    assert "CJK" in lines["after"] or "WenQuanYi" in lines["after"]
