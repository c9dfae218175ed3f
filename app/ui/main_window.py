"""The main window: history on the left; model picker, conversation and composer on the right.

The speech panel is a dock on the right, hidden until View > Show speech panel.

It lays widgets out and owns the actions; it connects nothing to controllers: that is
done in one place, :func:`app.ui.wiring.connect_signals`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent, QKeySequence
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QSplitter,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.core.catalogue import CostSummary
from app.ui.attachment_pane import AttachmentPane, OfferBar
from app.ui.chat_view import ChatView
from app.ui.composer import Composer, local_files
from app.ui.history_sidebar import HistorySidebar
from app.ui.model_picker import ModelPicker
from app.ui.style import STYLE_SHEET
from app.ui.tool_card import TOOL_CARD_QSS
from app.ui.tts_panel import TtsPanel

if TYPE_CHECKING:
    from app.ui.search_dialog import SearchDialog

APP_TITLE = "MiMo Desktop"
STATUS_MESSAGE_MS = 8000  # how long a passing message stays in the status bar


def cost_text(summary: CostSummary) -> str:
    """The status-bar summary of a conversation's tokens and cost, every branch counted."""
    if not summary.replies:
        return ""
    incoming = f"{summary.input_tokens:,} in"
    if summary.cached_tokens:
        incoming += f" ({summary.cached_tokens:,} cached)"
    out = f"{summary.output_tokens:,} out"
    if summary.reasoning_tokens:
        out += f" ({summary.reasoning_tokens:,} reasoning)"
    parts = [incoming, out]
    if summary.cost_usd is not None:
        parts.append(f"${summary.cost_usd:.4f}")
    elif summary.priced_cost_usd:
        parts.append(f"≥ ${summary.priced_cost_usd:.4f} (no price for some models)")
    return "This chat: " + " · ".join(parts)


class MainWindow(QMainWindow):
    """The application window.

    Signals:
        closing(): the window is about to close (the app should shut down).
        filesDropped(list): local files were dropped anywhere on the window (``list[Path]``).
    """

    closing = Signal()
    filesDropped = Signal(list)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self.setStyleSheet(STYLE_SHEET + TOOL_CARD_QSS)
        self.setWindowTitle(APP_TITLE)
        self.resize(1180, 760)
        self.model_picker = ModelPicker(self)
        self.thinking = QCheckBox(self.tr("&Thinking"), self)
        self.thinking.setObjectName("thinkingToggle")
        self.thinking.setToolTip(self.tr("Let the model reason before it answers"))
        self.thinking.setTristate(False)
        top = QHBoxLayout()
        top.setContentsMargins(12, 8, 12, 4)
        self.settings_button = QToolButton(self)
        self.settings_button.setObjectName("chatSettingsButton")
        self.settings_button.setText(self.tr("Settings…"))
        self.settings_button.setToolTip(self.tr("Chat settings: system prompt, temperature…"))
        self.settings_button.setAccessibleName(self.tr("Chat settings"))
        top.addWidget(self.model_picker, 1)
        top.addWidget(self.thinking)
        top.addWidget(self.settings_button)
        self.chat_view = ChatView(self)
        self.composer = Composer(self)
        self.attachment_pane = AttachmentPane(self)
        self.offer_bar = OfferBar(self)
        self.setAcceptDrops(True)
        self.sidebar = HistorySidebar(self)
        self._search_dialog: SearchDialog | None = None
        chat_area = QWidget(self)
        layout = QVBoxLayout(chat_area)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(top)
        layout.addWidget(self.chat_view, 1)
        layout.addWidget(self.offer_bar)
        layout.addWidget(self.attachment_pane)
        layout.addWidget(self.composer)
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.setObjectName("mainSplitter")
        self.splitter.addWidget(self.sidebar)
        self.splitter.addWidget(chat_area)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setCollapsible(1, False)
        self.splitter.setSizes([260, 920])
        self.setCentralWidget(self.splitter)
        self.tts_panel = TtsPanel(self)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.tts_panel)
        self.tts_panel.hide()
        self.usage_label = QLabel(self)
        self.usage_label.setObjectName("usageLabel")
        self.storage_warning = QLabel(self)
        self.storage_warning.setObjectName("storageWarningLabel")
        self.storage_warning.setStyleSheet("color: #b45309;")
        self.storage_warning.hide()
        self.statusBar().addWidget(self.usage_label, 1)
        self.statusBar().addPermanentWidget(self.storage_warning)
        self._make_actions()

    @property
    def search_dialog(self) -> SearchDialog:
        """The Ctrl+K search dialog (made on first use, after the window is on screen)."""
        if self._search_dialog is None:
            from app.ui.search_dialog import SearchDialog

            self._search_dialog = SearchDialog(self)
        return self._search_dialog

    def _make_actions(self) -> None:
        self.new_chat_action = QAction(self.tr("&New chat"), self)
        self.new_chat_action.setShortcut(QKeySequence.StandardKey.New)
        self.chat_settings_action = QAction(self.tr("Chat &settings…"), self)
        self.chat_settings_action.setShortcut(QKeySequence("Ctrl+Shift+,"))
        self.prices_action = QAction(self.tr("&Prices…"), self)
        self.tools_action = QAction(self.tr("&Tools and MCP servers…"), self)
        self.auto_titles_action = QAction(self.tr("Name chats with MiMo-V2-&Flash"), self)
        self.auto_titles_action.setCheckable(True)
        self.auto_titles_action.setToolTip(
            self.tr("After a chat's first reply, ask Flash for a short title (a small cost)")
        )
        self.key_action = QAction(self.tr("API &key…"), self)
        self.key_action.setShortcut(QKeySequence("Ctrl+Shift+K"))
        self.quit_action = QAction(self.tr("&Quit"), self)
        self.quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        self.stop_action = QAction(self.tr("&Stop reply"), self)
        self.stop_action.setShortcut(QKeySequence(Qt.Key.Key_Escape))
        self.stop_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.attach_action = QAction(self.tr("&Attach files…"), self)
        self.attach_action.setShortcut(QKeySequence.StandardKey.Open)
        self.record_action = QAction(self.tr("&Record a voice question"), self)
        self.record_action.setShortcut(QKeySequence("Ctrl+Shift+R"))
        self.focus_composer_action = QAction(self.tr("&Focus composer"), self)
        self.focus_composer_action.setShortcut(QKeySequence("Ctrl+L"))
        self.focus_composer_action.triggered.connect(lambda: self.composer.edit.setFocus())
        self.search_action = QAction(self.tr("&Search conversations…"), self)
        self.search_action.setShortcut(QKeySequence("Ctrl+K"))
        self.toggle_sidebar_action = QAction(self.tr("Show &history"), self)
        self.toggle_sidebar_action.setCheckable(True)
        self.toggle_sidebar_action.setChecked(True)
        self.toggle_sidebar_action.setShortcut(QKeySequence("Ctrl+Shift+H"))
        self.toggle_sidebar_action.toggled.connect(self.sidebar.setVisible)
        self.speech_panel_action = self.tts_panel.toggleViewAction()
        self.speech_panel_action.setText(self.tr("Show s&peech panel"))
        self.speech_panel_action.setShortcut(QKeySequence("Ctrl+Shift+S"))
        self.auto_read_action = QAction(self.tr("&Read replies aloud"), self)
        self.auto_read_action.setCheckable(True)
        self.auto_read_action.setToolTip(self.tr("Speak each reply while it streams in"))
        self.undo_delete_action = QAction(self.tr("&Undo delete"), self)
        self.undo_delete_action.setShortcut(QKeySequence.StandardKey.Undo)
        self.undo_delete_action.setEnabled(False)
        self.export_markdown_action = QAction(self.tr("Export chat as &Markdown…"), self)
        self.export_json_action = QAction(self.tr("Export chat as &JSON…"), self)
        self.import_action = QAction(self.tr("&Import chat…"), self)
        self.import_action.setShortcut(QKeySequence("Ctrl+Shift+O"))
        file_menu = self.menuBar().addMenu(self.tr("&File"))
        file_menu.addAction(self.new_chat_action)
        file_menu.addSeparator()
        file_menu.addAction(self.import_action)
        file_menu.addAction(self.export_markdown_action)
        file_menu.addAction(self.export_json_action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        edit_menu = self.menuBar().addMenu(self.tr("&Edit"))
        edit_menu.addAction(self.undo_delete_action)
        edit_menu.addAction(self.search_action)
        chat_menu = self.menuBar().addMenu(self.tr("&Chat"))
        chat_menu.addAction(self.stop_action)
        chat_menu.addAction(self.attach_action)
        chat_menu.addAction(self.record_action)
        chat_menu.addAction(self.focus_composer_action)
        chat_menu.addSeparator()
        chat_menu.addAction(self.chat_settings_action)
        view_menu = self.menuBar().addMenu(self.tr("&View"))
        view_menu.addAction(self.toggle_sidebar_action)
        view_menu.addAction(self.speech_panel_action)
        settings_menu = self.menuBar().addMenu(self.tr("&Settings"))
        settings_menu.addAction(self.key_action)
        settings_menu.addAction(self.tools_action)
        settings_menu.addAction(self.prices_action)
        settings_menu.addAction(self.auto_titles_action)
        settings_menu.addAction(self.auto_read_action)

    def show_status(self, text: str) -> None:
        """A passing message in the status bar (it goes after a few seconds)."""
        self.statusBar().showMessage(text, STATUS_MESSAGE_MS)

    def show_cost(self, summary: CostSummary) -> None:
        self.usage_label.setText(cost_text(summary))

    def show_storage_warning(self, text: str) -> None:
        self.storage_warning.setText(self.tr("⚠ Key stored in a file"))
        self.storage_warning.setToolTip(text)
        self.storage_warning.show()

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if local_files(event.mimeData()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        files: list[Path] = local_files(event.mimeData())
        if files:
            event.acceptProposedAction()
            self.filesDropped.emit(files)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.closing.emit()
        super().closeEvent(event)


def window_at(geometry: str | None) -> MainWindow:
    """A new main window at its saved size and place (``geometry``: base64 of Qt's bytes)."""
    window = MainWindow()
    if geometry:
        window.restoreGeometry(QByteArray.fromBase64(geometry.encode()))
    return window
