"""Finding visible text that cannot be translated.

:func:`catalogue` runs ``pyside6-lupdate`` over ``app/`` (as the real ``.ts`` update
does) and reads every (context, source) pair it extracts. :class:`CatalogueTranslator`
marks exactly those texts on screen as ``⟦text⟧``. A text that shows up unmarked was
either never passed through a translation function, built so lupdate cannot read it (an
f-string, a variable), or asked for under another context than lupdate saw (``self.tr``
in a subclass), so a translator could never reach it. :func:`untranslated_texts` walks
a widget tree and returns such texts.
"""

from __future__ import annotations

import functools
import re
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator
from pathlib import Path

from PySide6.QtCore import QTranslator
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QAbstractButton,
    QComboBox,
    QDockWidget,
    QGroupBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QMenu,
    QPlainTextEdit,
    QTabWidget,
    QTextEdit,
    QWidget,
)

ROOT = Path(__file__).resolve().parents[2]
MARK_OPEN, MARK_CLOSE = "⟦", "⟧"
_WORDS = re.compile(r"[A-Za-z\u4e00-\u9fff]{2,}")
_TAGS = re.compile(r"<[^>]+>")


def lupdate() -> str:
    script = Path(sys.executable).with_name("pyside6-lupdate")
    found = str(script) if script.exists() else shutil.which("pyside6-lupdate")
    assert found, "pyside6-lupdate is missing (it comes with PySide6-Essentials)"
    return found


def read_ts(path: Path) -> dict[tuple[str, str], str | None]:
    """(context, source) -> finished translation (None while unfinished) of a .ts file."""
    entries: dict[tuple[str, str], str | None] = {}
    for context in ET.parse(path).getroot().iter("context"):
        name = context.findtext("name") or ""
        for message in context.iter("message"):
            source = message.findtext("source") or ""
            node = message.find("translation")
            finished = node is not None and node.get("type") not in ("unfinished", "vanished")
            text = "".join(node.itertext()) if node is not None else ""
            entries[(name, source)] = text if finished and text else None
    return entries


@functools.cache
def catalogue() -> frozenset[tuple[str, str]]:
    """Every (context, source) pair lupdate extracts from ``app/`` today."""
    with tempfile.TemporaryDirectory() as folder:
        ts = Path(folder) / "check.ts"
        subprocess.run(
            [lupdate(), "-silent", "-extensions", "py", str(ROOT / "app"), "-ts", str(ts)],
            check=True,
            capture_output=True,
        )
        return frozenset(read_ts(ts))


class CatalogueTranslator(QTranslator):
    """Marks each text lupdate extracted; leaves everything else as it is."""

    def __init__(self, known: Iterable[tuple[str, str]]) -> None:
        super().__init__()
        self._known = frozenset(known)

    def isEmpty(self) -> bool:
        return False

    def translate(  # type: ignore[override]
        self, context: str, source: str, disambiguation: str | None = None, n: int = -1
    ) -> str:
        if (context, source) in self._known:
            return f"{MARK_OPEN}{source}{MARK_CLOSE}"
        return source


def _texts(widget: QWidget) -> Iterator[tuple[str, str]]:
    yield "toolTip", widget.toolTip()
    yield "accessibleName", widget.accessibleName()
    yield "accessibleDescription", widget.accessibleDescription()
    if widget.isWindow() or isinstance(widget, QDockWidget):
        yield "windowTitle", widget.windowTitle()
    if isinstance(widget, QLabel | QAbstractButton):
        yield "text", widget.text()
    if isinstance(widget, QLineEdit | QTextEdit | QPlainTextEdit):
        yield "placeholderText", widget.placeholderText()
    if isinstance(widget, QGroupBox):
        yield "title", widget.title()
    if isinstance(widget, QComboBox):
        for index in range(widget.count()):
            yield f"item {index}", widget.itemText(index)
    if isinstance(widget, QListWidget):
        for index in range(widget.count()):
            yield f"item {index}", widget.item(index).text()
    if isinstance(widget, QTabWidget):
        for index in range(widget.count()):
            yield f"tab {index}", widget.tabText(index)


def _action_texts(action: QAction) -> Iterator[tuple[str, str]]:
    yield "action text", action.text()
    if action.toolTip() != action.text().replace("&", ""):
        yield "action toolTip", action.toolTip()
    menu = action.menu()
    if isinstance(menu, QMenu):
        yield "menu title", menu.title()
        for child in menu.actions():
            yield from _action_texts(child)


def _needs_translation(text: str, allowed: frozenset[str]) -> bool:
    plain = _TAGS.sub(" ", text).strip()
    if not plain or MARK_OPEN in plain or plain in allowed:
        return False
    return _WORDS.search(plain) is not None


def untranslated_texts(
    root: QWidget, *, allowed: Iterable[str] = (), visible_only: bool = True
) -> list[str]:
    """Texts under ``root`` that a translator could not have reached.

    ``allowed`` lists data shown as it is (model ids, user text, file names).
    With ``visible_only`` a widget hidden from ``root`` is skipped.
    """
    allowed_set = frozenset(allowed)
    found: list[str] = []
    widgets = [root, *root.findChildren(QWidget)]
    for widget in widgets:
        if visible_only and widget is not root and not widget.isVisibleTo(root):
            continue
        if isinstance(widget, QMenu):
            continue  # menus are walked through their actions
        if widget.objectName().startswith("qt_"):
            continue  # Qt's own parts: qtbase_<lang>.qm translates them
        where = f"{type(widget).__name__}#{widget.objectName() or '?'}"
        for kind, text in _texts(widget):
            if _needs_translation(text, allowed_set):
                found.append(f"{where} {kind}: {text!r}")
        for action in widget.actions():
            for kind, text in _action_texts(action):
                if _needs_translation(text, allowed_set):
                    found.append(f"{where} {kind}: {text!r}")
    return sorted(set(found))
