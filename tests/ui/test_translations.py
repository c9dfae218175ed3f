"""The Simplified Chinese catalogue is complete, well formed, and loads."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from PySide6.QtCore import QTranslator

from tests.tools.translations import TS_FILE
from tests.ui.i18n_check import catalogue, lupdate, read_ts

PLACEHOLDER = re.compile(r"\{[^{}]*\}|%n|%\d")
MNEMONIC = re.compile(r"&(?!&)\S")


def test_every_text_in_the_code_has_a_chinese_translation() -> None:
    entries = read_ts(TS_FILE)
    missing = sorted(key for key in catalogue() if entries.get(key) is None)
    assert missing == [], (
        f"{len(missing)} texts lack a translation; run `python -m tests.tools.translations "
        f"update`, translate, then `missing` to check. First: {missing[:10]}"
    )


def test_translations_keep_placeholders_and_mnemonics() -> None:
    problems = []
    for (context, source), chinese in read_ts(TS_FILE).items():
        if chinese is None:
            continue
        if sorted(PLACEHOLDER.findall(source)) != sorted(PLACEHOLDER.findall(chinese)):
            problems.append(f"{context}: placeholders differ in {source!r} -> {chinese!r}")
        if MNEMONIC.search(source) and not MNEMONIC.search(chinese):
            problems.append(f"{context}: the keyboard mnemonic is lost in {chinese!r}")
    assert problems == []


def test_the_catalogue_compiles_and_translates(tmp_path: Path) -> None:
    qm = tmp_path / "mimo_zh_CN.qm"
    lrelease = Path(lupdate()).with_name("pyside6-lrelease")
    subprocess.run([str(lrelease), "-silent", str(TS_FILE), "-qm", str(qm)], check=True)
    translator = QTranslator()
    assert translator.load(str(qm))
    assert translator.language() == "zh_CN"
    assert translator.translate("MainWindow", "&New chat") == "新建对话(&N)"
