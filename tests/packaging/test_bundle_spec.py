"""The PyInstaller spec leaves out Qt modules: app/ must not need any of them."""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SPEC = REPO / "packaging" / "mimo-desktop.spec"


def unused_qt_modules() -> set[str]:
    tree = ast.parse(SPEC.read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "UNUSED_QT_MODULES" for t in node.targets
        ):
            return {f"PySide6.{name}" for name in ast.literal_eval(node.value)}
    raise AssertionError("UNUSED_QT_MODULES not found in the spec")


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_the_spec_leaves_out_the_big_qt_modules() -> None:
    left_out = unused_qt_modules()
    for name in ("QtWebEngineCore", "QtQml", "QtQuick", "Qt3DCore", "QtMultimedia"):
        assert f"PySide6.{name}" in left_out
    for name in ("QtCore", "QtGui", "QtWidgets", "QtSvg"):
        assert f"PySide6.{name}" not in left_out


def test_the_app_imports_no_qt_module_the_bundle_leaves_out() -> None:
    left_out = unused_qt_modules()
    offences = [
        f"{path.relative_to(REPO)} imports {name}"
        for path in sorted((REPO / "app").rglob("*.py"))
        for name in imported_modules(path)
        if name in left_out or name.rsplit(".", 1)[0] in left_out
    ]
    assert offences == []
