"""Translations are compiled from .ts sources at build time (never committed)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

from PySide6.QtCore import QTranslator

REPO = Path(__file__).resolve().parents[2]
TS = """<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>Demo</name>
    <message>
        <source>Send</source>
        <translation>发送</translation>
    </message>
</context>
</TS>
"""


def compile_translations_module() -> ModuleType:
    path = REPO / "packaging" / "compile_translations.py"
    spec = importlib.util.spec_from_file_location("compile_translations", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_ts_file_becomes_a_qm_file_that_qt_loads(tmp_path: Path) -> None:
    (tmp_path / "mimo_zh_CN.ts").write_text(TS, encoding="utf-8")
    written = compile_translations_module().compile_translations(tmp_path, tmp_path / "out")

    assert written == [tmp_path / "out" / "mimo_zh_CN.qm"]
    translator = QTranslator()
    assert translator.load(str(written[0]))
    assert translator.translate("Demo", "Send") == "发送"


def test_a_folder_without_ts_files_compiles_nothing(tmp_path: Path) -> None:
    assert compile_translations_module().compile_translations(tmp_path) == []


def test_lrelease_is_found_in_the_installed_pyside6() -> None:
    command = compile_translations_module().find_lrelease()
    assert command is not None
    assert Path(command[0]).is_file()


def test_the_shipped_ts_files_compile(tmp_path: Path) -> None:
    sources = sorted((REPO / "resources" / "i18n").glob("*.ts"))
    written = compile_translations_module().compile_translations(
        REPO / "resources" / "i18n", tmp_path
    )
    assert [p.stem for p in written] == [p.stem for p in sources]


def test_compiled_translations_stay_out_of_git() -> None:
    patterns = (REPO / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert "*.qm" in patterns
