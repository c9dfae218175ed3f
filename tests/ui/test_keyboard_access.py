"""The window can be used from the keyboard alone, and says what each control is."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QLabel,
    QWidget,
)

from tests.ui.conftest import RunningApp
from tests.ui.test_look import active


def name_of(widget: QWidget) -> str:
    """What a screen reader would announce: the accessible name, a button's text, a buddy."""
    if widget.accessibleName().strip():
        return widget.accessibleName()
    if isinstance(widget, QAbstractButton) and widget.text().replace("&", "").strip():
        return widget.text()
    for label in widget.window().findChildren(QLabel):
        if label.buddy() is widget and label.text().strip():
            return label.text()
    return ""


def tab_stops(app: RunningApp, start: QWidget, presses: int = 60) -> list[QWidget]:
    """The widgets Tab visits from ``start`` (until it comes round again)."""
    start.setFocus(Qt.FocusReason.TabFocusReason)
    app.qtbot.waitUntil(start.hasFocus, timeout=2000)
    seen: list[QWidget] = []
    for _ in range(presses):
        app.qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        widget = QApplication.focusWidget()
        if widget is None or widget in seen:
            break
        seen.append(widget)
    return seen


def test_every_focusable_control_has_a_name(app: RunningApp) -> None:
    window = active(app)
    window.tts_panel.show()
    app.send("Hello")
    app.wait_idle()
    nameless = [
        f"{type(w).__name__}#{w.objectName()}"
        for w in window.findChildren(QWidget)
        if w.isVisibleTo(window)
        and w.focusPolicy() & Qt.FocusPolicy.TabFocus
        and not w.objectName().startswith("qt_")
        and not name_of(w)
    ]
    assert nameless == []


def test_tab_reaches_every_part_of_the_window(app: RunningApp) -> None:
    window = active(app)
    window.tts_panel.show()
    stops = tab_stops(app, window.composer.edit)
    for needed in (
        window.composer.button,
        window.model_picker.combo,
        window.thinking,
        window.sidebar.new_chat_button,
        window.tts_panel.text,
    ):
        assert needed in stops, f"Tab never reaches {needed.objectName()}"
    assert window.composer.edit in stops  # and comes back round to the message box
