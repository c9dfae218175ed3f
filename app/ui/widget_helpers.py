"""Small helpers the dialogs share: a tab order from a list, a plain push button."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import pairwise

from PySide6.QtWidgets import QPushButton, QWidget


def set_tab_chain(widgets: Sequence[QWidget]) -> None:
    """Tab moves through ``widgets`` in this order (PySide6 lacks Qt 6.6's list form)."""
    for first, second in pairwise(widgets):
        QWidget.setTabOrder(first, second)


def push_button(parent: QWidget, name: str, text: str, slot: Callable[[], None]) -> QPushButton:
    """A button named ``name`` that never takes Enter from the dialog and runs ``slot``."""
    button = QPushButton(text, parent)
    button.setObjectName(name)
    button.setAutoDefault(False)
    button.clicked.connect(slot)
    return button
