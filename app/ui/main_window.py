"""The main window: history on the left; model picker, conversation and composer on the right.

The speech panel is a dock on the right, hidden until View > Show speech panel.

At start-up the window is shown as an empty frame first (see :mod:`app.ui.first_paint`)
and :meth:`MainWindow.build` fills it. So this module imports, at the top, only what
the frame needs: the widget modules and every other Qt class are imported where they
are used (a Qt class's first import sets up its enums, ~0.1-0.3 ms each; the ``Qt``
namespace's ~90 enums alone take ~8 ms).

It lays widgets out and owns the actions; it connects nothing to controllers: that is
done in one place, :func:`app.ui.wiring.connect_signals`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QEvent, Signal
from PySide6.QtWidgets import QMainWindow, QWidget

from app.api.translation import translate
from app.core.settings_peek import LANGUAGES, THEMES
from app.ui.widget_helpers import set_tab_chain

if TYPE_CHECKING:
    from PySide6.QtGui import (
        QAction,
        QActionGroup,
        QCloseEvent,
        QDragEnterEvent,
        QDropEvent,
        QKeySequence,
    )
    from PySide6.QtWidgets import QCheckBox, QLabel, QSplitter, QToolButton

    from app.core.catalogue import CostSummary
    from app.core.settings import Settings
    from app.ui.attachment_pane import AttachmentPane, OfferBar
    from app.ui.chat_view import ChatView
    from app.ui.composer import Composer
    from app.ui.history_sidebar import HistorySidebar
    from app.ui.model_picker import ModelPicker
    from app.ui.search_dialog import SearchDialog
    from app.ui.tts_panel import TtsPanel

APP_TITLE = "MiMo Desktop"
STATUS_MESSAGE_MS = 8000  # how long a passing message stays in the status bar


def cost_text(summary: CostSummary) -> str:
    """The status-bar summary of a conversation's tokens and cost, every branch counted."""
    if not summary.replies:
        return ""
    incoming = translate("MainWindow", "{count} in").format(count=f"{summary.input_tokens:,}")
    if summary.cached_tokens:
        incoming += translate("MainWindow", " ({count} cached)").format(
            count=f"{summary.cached_tokens:,}"
        )
    out = translate("MainWindow", "{count} out").format(count=f"{summary.output_tokens:,}")
    if summary.reasoning_tokens:
        out += translate("MainWindow", " ({count} reasoning)").format(
            count=f"{summary.reasoning_tokens:,}"
        )
    parts = [incoming, out]
    if summary.cost_usd is not None:
        parts.append(f"${summary.cost_usd:.4f}")
    elif summary.priced_cost_usd:
        parts.append(
            translate("MainWindow", "≥ {cost} (no price for some models)").format(
                cost=f"${summary.priced_cost_usd:.4f}"
            )
        )
    return translate("MainWindow", "This chat: {parts}").format(parts=" · ".join(parts))


class MainWindow(QMainWindow):
    """The application window.

    Signals:
        closing(): the window is about to close (the app should shut down).
        filesDropped(list): local files were dropped anywhere on the window (``list[Path]``).
        themeChosen(str): the user picked a theme (``system``/``light``/``dark``).
        languageChosen(str): the user picked a language (``system``/``en``/``zh_CN``).
    """

    closing = Signal()
    filesDropped = Signal(list)
    themeChosen = Signal(str)
    languageChosen = Signal(str)

    model_picker: ModelPicker
    thinking: QCheckBox
    settings_button: QToolButton
    chat_view: ChatView
    composer: Composer
    attachment_pane: AttachmentPane
    offer_bar: OfferBar
    sidebar: HistorySidebar
    splitter: QSplitter
    tts_panel: TtsPanel
    usage_label: QLabel
    storage_warning: QLabel

    def __init__(self, parent: QWidget | None = None, *, build: bool = True) -> None:
        """The window with all its widgets; with ``build=False`` only the empty frame.

        The frame can be shown at once (see :mod:`app.ui.first_paint`); :meth:`build`
        then makes the widgets, actions and menus.
        """
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self.setWindowTitle(APP_TITLE)
        self.resize(1180, 760)
        self.setAcceptDrops(True)
        self._search_dialog: SearchDialog | None = None
        if build:
            self.build()

    def build(self) -> None:
        """Make the widgets, actions and menus (once; ``__init__`` does it by default).

        The widget modules are imported here, not at the top, so that the frame can
        paint before they load.
        """
        from PySide6.QtCore import Qt
        from PySide6.QtWidgets import (
            QCheckBox,
            QHBoxLayout,
            QLabel,
            QSplitter,
            QToolButton,
            QVBoxLayout,
        )

        from app.ui.attachment_pane import AttachmentPane, OfferBar
        from app.ui.chat_view import ChatView
        from app.ui.composer import Composer
        from app.ui.history_sidebar import HistorySidebar
        from app.ui.model_picker import ModelPicker
        from app.ui.style import STYLE_SHEET
        from app.ui.tool_card import TOOL_CARD_QSS
        from app.ui.tts_panel import TtsPanel

        self.setStyleSheet(STYLE_SHEET + TOOL_CARD_QSS)
        self.model_picker = ModelPicker(self)
        self.thinking = QCheckBox(self)
        self.thinking.setObjectName("thinkingToggle")
        self.thinking.setTristate(False)
        top = QHBoxLayout()
        top.setContentsMargins(12, 8, 12, 4)
        self.settings_button = QToolButton(self)
        self.settings_button.setObjectName("chatSettingsButton")
        top.addWidget(self.model_picker, 1)
        top.addWidget(self.thinking)
        top.addWidget(self.settings_button)
        self.chat_view = ChatView(self)
        self.composer = Composer(self)
        self.attachment_pane = AttachmentPane(self)
        self.offer_bar = OfferBar(self)
        self.sidebar = HistorySidebar(self)
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
        self.tts_panel.setObjectName("speechDock")
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
        self._make_menus()
        self._set_tab_order()
        self.retranslate()

    @property
    def search_dialog(self) -> SearchDialog:
        """The Ctrl+K search dialog (made on first use, after the window is on screen)."""
        if self._search_dialog is None:
            from app.ui.search_dialog import SearchDialog

            self._search_dialog = SearchDialog(self)
        return self._search_dialog

    def _set_tab_order(self) -> None:
        """Tab goes left to right: history, the model bar, the chat, the composer, speech."""
        chain: list[QWidget] = [
            self.sidebar.new_chat_button,
            self.sidebar.search_button,
            self.sidebar.list,
            self.model_picker.combo,
            self.thinking,
            self.settings_button,
            self.composer.attach_button,
            self.composer.record_button,
            self.composer.tools_button,
            self.composer.edit,
            self.composer.button,
            self.tts_panel.text,
        ]
        set_tab_chain(chain)

    def _action(self, shortcut: QKeySequence | str | None = None) -> QAction:
        from PySide6.QtGui import QAction, QKeySequence

        action = QAction(self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        self.addAction(action)  # shortcuts work with the menu bar hidden too
        return action

    def _make_actions(self) -> None:
        from PySide6.QtCore import Qt
        from PySide6.QtGui import QActionGroup, QKeySequence

        key = QKeySequence.StandardKey
        self.new_chat_action = self._action(QKeySequence(key.New))
        self.preferences_action = self._action(QKeySequence(key.Preferences))
        if self.preferences_action.shortcut().isEmpty():
            self.preferences_action.setShortcut(QKeySequence("Ctrl+,"))
        self.chat_settings_action = self._action("Ctrl+Shift+,")
        self.prices_action = self._action()
        self.tools_action = self._action()
        self.network_action = self._action()
        self.auto_titles_action = self._action()
        self.auto_titles_action.setCheckable(True)
        self.key_action = self._action("Ctrl+Shift+K")
        self.quit_action = self._action(QKeySequence(key.Quit))
        self.send_action = self._action("Ctrl+Return")
        self.send_action.triggered.connect(lambda: self.composer.edit.submitted.emit())
        self.stop_action = self._action(QKeySequence(Qt.Key.Key_Escape))
        self.stop_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.attach_action = self._action(QKeySequence(key.Open))
        self.record_action = self._action("Ctrl+Shift+R")
        self.speak_selection_action = self._action("Ctrl+Shift+L")
        self.focus_composer_action = self._action("Ctrl+L")
        self.focus_composer_action.triggered.connect(self.focus_composer)
        self.switch_model_action = self._action("Ctrl+M")
        self.switch_model_action.triggered.connect(self.open_model_list)
        self.model_actions = [self._action(f"Ctrl+{n}") for n in range(1, 10)]
        for index, action in enumerate(self.model_actions):
            action.triggered.connect(lambda _=False, i=index: self.choose_model(i))
        self.search_action = self._action("Ctrl+K")
        self.toggle_sidebar_action = self._action("Ctrl+Shift+H")
        self.toggle_sidebar_action.setCheckable(True)
        self.toggle_sidebar_action.setChecked(True)
        self.toggle_sidebar_action.toggled.connect(self.sidebar.setVisible)
        self.speech_panel_action = self.tts_panel.toggleViewAction()
        self.speech_panel_action.setShortcut(QKeySequence("Ctrl+Shift+S"))
        self.auto_read_action = self._action()
        self.auto_read_action.setCheckable(True)
        self.undo_delete_action = self._action(QKeySequence(key.Undo))
        self.undo_delete_action.setEnabled(False)
        self.export_markdown_action = self._action()
        self.export_json_action = self._action()
        self.import_action = self._action("Ctrl+Shift+O")
        self.shortcuts_action = self._action(QKeySequence(key.HelpContents))
        self.about_action = self._action()
        self.theme_group = QActionGroup(self)
        self.theme_actions = {name: self._choice(self.theme_group, name) for name in THEMES}
        self.theme_group.triggered.connect(lambda a: self.themeChosen.emit(a.data()))
        self.language_group = QActionGroup(self)
        self.language_actions = {
            name: self._choice(self.language_group, name) for name in LANGUAGES
        }
        self.language_group.triggered.connect(lambda a: self.languageChosen.emit(a.data()))

    def _choice(self, group: QActionGroup, value: str) -> QAction:
        from PySide6.QtGui import QAction

        action = QAction(self)
        action.setCheckable(True)
        action.setData(value)
        group.addAction(action)
        return action

    def _make_menus(self) -> None:
        bar = self.menuBar()
        self.file_menu = bar.addMenu("")
        self.file_menu.addAction(self.new_chat_action)
        self.file_menu.addSeparator()
        self.file_menu.addAction(self.import_action)
        self.file_menu.addAction(self.export_markdown_action)
        self.file_menu.addAction(self.export_json_action)
        self.file_menu.addSeparator()
        self.file_menu.addAction(self.quit_action)
        self.edit_menu = bar.addMenu("")
        self.edit_menu.addAction(self.undo_delete_action)
        self.edit_menu.addAction(self.search_action)
        self.chat_menu = bar.addMenu("")
        for action in (
            self.send_action,
            self.stop_action,
            self.attach_action,
            self.record_action,
            self.speak_selection_action,
            self.focus_composer_action,
            self.switch_model_action,
        ):
            self.chat_menu.addAction(action)
        self.chat_menu.addSeparator()
        self.chat_menu.addAction(self.chat_settings_action)
        self.view_menu = bar.addMenu("")
        self.view_menu.addAction(self.toggle_sidebar_action)
        self.view_menu.addAction(self.speech_panel_action)
        self.view_menu.addSeparator()
        self.theme_menu = self.view_menu.addMenu("")
        self.theme_menu.addActions(list(self.theme_actions.values()))
        self.settings_menu = bar.addMenu("")
        self.settings_menu.addAction(self.preferences_action)
        self.settings_menu.addSeparator()
        self.settings_menu.addAction(self.key_action)
        self.settings_menu.addAction(self.network_action)
        self.settings_menu.addAction(self.tools_action)
        self.settings_menu.addAction(self.prices_action)
        self.language_menu = self.settings_menu.addMenu("")
        self.language_menu.addActions(list(self.language_actions.values()))
        self.settings_menu.addSeparator()
        self.settings_menu.addAction(self.auto_titles_action)
        self.settings_menu.addAction(self.auto_read_action)
        self.help_menu = bar.addMenu("")
        self.help_menu.addAction(self.shortcuts_action)
        self.help_menu.addAction(self.about_action)

    def retranslate(self) -> None:
        """Set every static text in the current language (also on a language switch)."""
        from app.ui.i18n import LANGUAGE_NAMES

        self.thinking.setText(self.tr("&Thinking"))
        self.thinking.setToolTip(self.tr("Let the model reason before it answers"))
        self.settings_button.setText(self.tr("Settings…"))
        self.settings_button.setToolTip(self.tr("Chat settings: system prompt, temperature…"))
        self.settings_button.setAccessibleName(self.tr("Chat settings"))
        self.tts_panel.setWindowTitle(self.tr("Speech"))
        self.storage_warning.setText(self.tr("⚠ Key stored in a file"))
        texts = {
            self.new_chat_action: self.tr("&New chat"),
            self.preferences_action: self.tr("&Preferences…"),
            self.chat_settings_action: self.tr("Chat &settings…"),
            self.prices_action: self.tr("P&rices…"),
            self.tools_action: self.tr("&Tools and MCP servers…"),
            self.network_action: self.tr("&Network…"),
            self.auto_titles_action: self.tr("Name chats with MiMo-V2-&Flash"),
            self.key_action: self.tr("API &keys…"),
            self.quit_action: self.tr("&Quit"),
            self.send_action: self.tr("Se&nd"),
            self.stop_action: self.tr("&Stop reply"),
            self.attach_action: self.tr("&Attach files…"),
            self.record_action: self.tr("&Record a voice question"),
            self.speak_selection_action: self.tr("Speak the se&lection"),
            self.focus_composer_action: self.tr("&Focus composer"),
            self.switch_model_action: self.tr("Switch &model…"),
            self.search_action: self.tr("&Search conversations…"),
            self.toggle_sidebar_action: self.tr("Show &history"),
            self.speech_panel_action: self.tr("Show s&peech panel"),
            self.auto_read_action: self.tr("&Read replies aloud"),
            self.undo_delete_action: self.tr("&Undo delete"),
            self.export_markdown_action: self.tr("Export chat as &Markdown…"),
            self.export_json_action: self.tr("Export chat as &JSON…"),
            self.import_action: self.tr("&Import chat…"),
            self.shortcuts_action: self.tr("&Keyboard shortcuts"),
            self.about_action: self.tr("&About MiMo Desktop"),
            self.theme_actions["system"]: self.tr("Follow the &system"),
            self.theme_actions["light"]: self.tr("&Light"),
            self.theme_actions["dark"]: self.tr("&Dark"),
            self.language_actions["system"]: self.tr("Follow the &system"),
        }
        for action, text in texts.items():
            action.setText(text)
        for index, action in enumerate(self.model_actions):
            action.setText(self.tr("Use model {number}").format(number=index + 1))
        for code, name in LANGUAGE_NAMES.items():
            self.language_actions[code].setText(name)  # each in its own language
        self.auto_titles_action.setToolTip(
            self.tr("After a chat's first reply, ask Flash for a short title (a small cost)")
        )
        self.auto_read_action.setToolTip(self.tr("Speak each reply while it streams in"))
        self.speak_selection_action.setToolTip(
            self.tr("Read the selected text aloud with the speech panel's voice")
        )
        menus = {
            self.file_menu: self.tr("&File"),
            self.edit_menu: self.tr("&Edit"),
            self.chat_menu: self.tr("&Chat"),
            self.view_menu: self.tr("&View"),
            self.theme_menu: self.tr("&Theme"),
            self.settings_menu: self.tr("&Settings"),
            self.language_menu: self.tr("&Language"),
            self.help_menu: self.tr("&Help"),
        }
        for menu, title in menus.items():
            menu.setTitle(title)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def focus_composer(self) -> None:
        from PySide6.QtCore import Qt

        self.composer.edit.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def open_model_list(self) -> None:
        from PySide6.QtCore import Qt

        combo = self.model_picker.combo
        combo.setFocus(Qt.FocusReason.ShortcutFocusReason)
        combo.showPopup()

    def choose_model(self, index: int) -> None:
        """Pick the ``index``-th model of the picker (Ctrl+1 … Ctrl+9)."""
        if index < self.model_picker.combo.count():
            self.model_picker.combo.setCurrentIndex(index)

    def show_theme_choice(self, choice: str) -> None:
        """Tick ``choice`` in View > Theme (no signal)."""
        action = self.theme_actions.get(choice) or self.theme_actions["system"]
        action.setChecked(True)

    def show_language_choice(self, choice: str) -> None:
        """Tick ``choice`` in Settings > Language (no signal)."""
        action = self.language_actions.get(choice) or self.language_actions["system"]
        action.setChecked(True)

    def selected_text(self) -> str:
        """The text selected where the keyboard focus is (a reply, the composer, a field)."""
        from PySide6.QtWidgets import QApplication, QLabel, QLineEdit, QPlainTextEdit, QTextEdit

        widget = QApplication.focusWidget()
        if isinstance(widget, QTextEdit | QPlainTextEdit):
            return widget.textCursor().selectedText().replace("\u2029", "\n")
        if isinstance(widget, QLabel | QLineEdit):
            return widget.selectedText()
        return ""

    def show_status(self, text: str) -> None:
        """A passing message in the status bar (it goes after a few seconds)."""
        self.statusBar().showMessage(text, STATUS_MESSAGE_MS)

    def show_cost(self, summary: CostSummary) -> None:
        self.usage_label.setText(cost_text(summary))

    def show_storage_warning(self, text: str) -> None:
        self.storage_warning.setToolTip(text)
        self.storage_warning.show()

    def restore_geometry(self, geometry: str | None) -> None:
        """Put the window back where and as large as it was (``layout_state``'s geometry)."""
        if geometry:
            self.restoreGeometry(QByteArray.fromBase64(geometry.encode()))

    def restore_layout(self, state: str | None, splitter: str | None, sidebar: bool) -> None:
        """Put docks, the sidebar's width and its visibility back as they were."""
        if state:
            self.restoreState(QByteArray.fromBase64(state.encode()))
        if splitter:
            self.splitter.restoreState(QByteArray.fromBase64(splitter.encode()))
        self.toggle_sidebar_action.setChecked(sidebar)

    def layout_state(self) -> dict[str, str | bool]:
        """The geometry, dock and splitter state to save (see :meth:`restore_layout`)."""

        def encoded(data: QByteArray) -> str:
            return bytes(data.toBase64().data()).decode("ascii")

        return {
            "window_geometry": encoded(self.saveGeometry()),
            "window_state": encoded(self.saveState()),
            "splitter_state": encoded(self.splitter.saveState()),
            "sidebar_visible": self.toggle_sidebar_action.isChecked(),
        }

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        from app.ui.composer import local_files

        if local_files(event.mimeData()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        from app.ui.composer import local_files

        files: list[Path] = local_files(event.mimeData())
        if files:
            event.acceptProposedAction()
            self.filesDropped.emit(files)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.closing.emit()
        super().closeEvent(event)


def window_at(settings: Settings) -> MainWindow:
    """A new main window laid out as it was left (size, place, docks, sidebar)."""
    window = MainWindow()
    window.restore_geometry(settings.window_geometry)
    window.restore_layout(settings.window_state, settings.splitter_state, settings.sidebar_visible)
    return window
