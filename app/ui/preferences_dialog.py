"""Settings > Preferences (Ctrl+,): theme, language and the everyday switches.

A hub too: the other settings dialogs (keys, network, tools, prices) open from here.
The dialog does not save: its owner reads :meth:`PreferencesDialog.choices` on accept.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.core.settings import Settings
from app.ui.i18n import LANGUAGE_NAMES


@dataclass(frozen=True)
class Choices:
    theme: str
    language: str
    auto_titles: bool
    auto_read: bool


class PreferencesDialog(QDialog):
    """Signals:
    moreRequested(str): open another settings dialog: ``keys``, ``network``, ``tools``
        or ``prices``.
    """

    moreRequested = Signal(str)

    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("preferencesDialog")
        self.setWindowTitle(self.tr("Preferences"))
        self.theme = QComboBox(self)
        self.theme.setObjectName("themeCombo")
        for value, text in (
            ("system", self.tr("Follow the system")),
            ("light", self.tr("Light")),
            ("dark", self.tr("Dark")),
        ):
            self.theme.addItem(text, value)
        self.theme.setAccessibleName(self.tr("Theme"))
        self.language = QComboBox(self)
        self.language.setObjectName("languageCombo")
        self.language.addItem(self.tr("Follow the system"), "system")
        for code, name in LANGUAGE_NAMES.items():
            self.language.addItem(name, code)
        self.language.setAccessibleName(self.tr("Language"))
        self.auto_titles = QCheckBox(self.tr("Name chats with MiMo-V2-Flash"), self)
        self.auto_titles.setToolTip(
            self.tr("After a chat's first reply, ask Flash for a short title (a small cost)")
        )
        self.auto_read = QCheckBox(self.tr("Read replies aloud"), self)
        self.auto_read.setToolTip(self.tr("Speak each reply while it streams in"))
        self._select(self.theme, settings.theme)
        self._select(self.language, settings.language)
        self.auto_titles.setChecked(settings.auto_titles)
        self.auto_read.setChecked(settings.auto_read)
        look = QGroupBox(self.tr("Look"), self)
        form = QFormLayout(look)
        form.addRow(self.tr("&Theme:"), self.theme)
        form.addRow(self.tr("&Language:"), self.language)
        chat = QGroupBox(self.tr("Chat"), self)
        chat_layout = QVBoxLayout(chat)
        chat_layout.addWidget(self.auto_titles)
        chat_layout.addWidget(self.auto_read)
        more = QGroupBox(self.tr("More settings"), self)
        more_layout = QHBoxLayout(more)
        self.more_buttons: dict[str, QPushButton] = {}
        for name, text in (
            ("keys", self.tr("API &keys…")),
            ("network", self.tr("&Network…")),
            ("tools", self.tr("T&ools…")),
            ("prices", self.tr("P&rices…")),
        ):
            button = QPushButton(text, self)
            button.setAutoDefault(False)
            button.clicked.connect(lambda _=False, n=name: self.moreRequested.emit(n))
            more_layout.addWidget(button)
            self.more_buttons[name] = button
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(look)
        layout.addWidget(chat)
        layout.addWidget(more)
        layout.addWidget(buttons)

    @staticmethod
    def _select(combo: QComboBox, value: str) -> None:
        index = combo.findData(value)
        combo.setCurrentIndex(max(index, 0))

    def choices(self) -> Choices:
        return Choices(
            theme=str(self.theme.currentData()),
            language=str(self.language.currentData()),
            auto_titles=self.auto_titles.isChecked(),
            auto_read=self.auto_read.isChecked(),
        )
