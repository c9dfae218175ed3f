"""The window's first paint: an outline of the layout, shown while the widgets are made.

A bare ``QMainWindow`` paints about 100 ms after its process starts; importing and
making the full window (menus, history, chat view, composer, speech dock) costs as
much again. So :mod:`app.__main__` shows the main window first with a
:class:`WindowSkeleton` as its central widget (the sidebar, the chat pane and the
composer as plain shapes in the palette's colours), waits for that paint, then builds
the real contents into the same window (:meth:`app.ui.main_window.MainWindow.build`).

This module imports only what that first paint needs.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QEventLoop, QObject, QTimer
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QFrame, QWidget

SIDEBAR_WIDTH = 264  # the sidebar's default width (260) and the splitter handle
TOP_BAR = 52  # the menu bar and the model bar above the chat pane
BOTTOM_BAR = 67  # the composer row and the status bar below it
PAINT_WAIT_MS = 500  # longest wait for a paint before building anyway

# Drawn by a style sheet in the palette's colours: painting with QPainter or reading a
# QPalette from Python would set up the ~90 enums of the Qt namespace first (~10 ms).
SKELETON_QSS = """
#skeletonChat { background: palette(base); border: none; }
#skeletonComposer { background: palette(base); border: 1px solid palette(mid); border-radius: 6px; }
"""


class WindowSkeleton(QWidget):
    """The main window's layout as shapes: what shows until the widgets are made."""

    def __init__(self, parent: QWidget | None = None, *, sidebar: bool = True) -> None:
        super().__init__(parent)
        self.setObjectName("windowSkeleton")
        self.setStyleSheet(SKELETON_QSS)
        self._left = SIDEBAR_WIDTH if sidebar else 0
        self.chat = QFrame(self)
        self.chat.setObjectName("skeletonChat")
        self.composer = QFrame(self)
        self.composer.setObjectName("skeletonComposer")

    def resizeEvent(self, event: QResizeEvent) -> None:
        width, height = self.width() - self._left, self.height()
        self.chat.setGeometry(self._left, TOP_BAR, width, height - TOP_BAR - BOTTOM_BAR)
        self.composer.setGeometry(
            self._left + 156, height - BOTTOM_BAR + 8, max(0, width - 256), 28
        )
        super().resizeEvent(event)


class PaintWatch(QObject):
    """Notes the next Paint event of a widget; :meth:`wait` runs the loop until then.

    Install it before the widget is shown or changed, so a paint that comes at once is
    not missed. The wait has a limit: a window that is never exposed (minimised, on a
    hidden workspace) must not hold up start-up.
    """

    def __init__(self, widget: QWidget) -> None:
        super().__init__(widget)
        self.painted = False
        self._loop: QEventLoop | None = None
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint and not self.painted:
            self.painted = True
            watched.removeEventFilter(self)
            if self._loop is not None:
                self._loop.quit()
        return False

    def wait(self, timeout_ms: int = PAINT_WAIT_MS) -> bool:
        """Process events until the widget has painted, or ``timeout_ms``; True if painted."""
        if not self.painted:
            loop = QEventLoop()
            limit = QTimer()
            limit.setSingleShot(True)
            limit.timeout.connect(loop.quit)
            self._loop = loop
            limit.start(timeout_ms)
            loop.exec()
            limit.stop()
            self._loop = None
        return self.painted
