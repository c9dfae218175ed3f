"""The API key dialog: shown on first run, after a 401, and from the Settings menu."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from app.core.providers import PRESETS, key_warning, normalise_base_url, preset


@dataclass(frozen=True)
class KeyEntry:
    """What the user entered."""

    provider_id: str
    base_url: str
    api_key: str


class KeyDialog(QDialog):
    """Asks for a provider preset (or a custom URL) and an API key."""

    def __init__(
        self,
        *,
        provider_id: str,
        base_url: str,
        reason: str = "",
        storage_warning: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("keyDialog")
        self.setWindowTitle(self.tr("MiMo API key"))
        self.setMinimumWidth(520)
        self.reason = QLabel(reason, self)
        self.reason.setObjectName("keyDialogReason")
        self.reason.setWordWrap(True)
        self.reason.setVisible(bool(reason))
        self.provider = QComboBox(self)
        self.provider.setObjectName("providerCombo")
        for item in PRESETS.values():
            self.provider.addItem(item.name, item.id)
        self.base_url = QLineEdit(self)
        self.base_url.setObjectName("baseUrlEdit")
        self.key = QLineEdit(self)
        self.key.setObjectName("apiKeyEdit")
        self.key.setEchoMode(QLineEdit.EchoMode.Password)
        self.key.setPlaceholderText("sk-…")
        self.key.setClearButtonEnabled(True)
        self.key.setAccessibleName(self.tr("API key"))
        self.show_key = QCheckBox(self.tr("Show the key"), self)
        self.show_key.setObjectName("showKey")
        self.show_key.toggled.connect(self._toggle_echo)
        self.keys_link = QLabel(self)
        self.keys_link.setObjectName("keysLink")
        self.keys_link.setOpenExternalLinks(True)
        self.keys_link.setTextFormat(Qt.TextFormat.RichText)
        self.hint = QLabel(self)
        self.hint.setObjectName("keyHint")
        self.hint.setWordWrap(True)
        self.storage_warning = QLabel(storage_warning or "", self)
        self.storage_warning.setObjectName("storageWarning")
        self.storage_warning.setWordWrap(True)
        self.storage_warning.setVisible(bool(storage_warning))
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow(self.tr("&Provider:"), self.provider)
        form.addRow(self.tr("&Base URL:"), self.base_url)
        form.addRow(self.tr("API &key:"), self.key)
        form.addRow("", self.show_key)
        layout = QVBoxLayout(self)
        layout.addWidget(self.reason)
        layout.addLayout(form)
        layout.addWidget(self.keys_link)
        layout.addWidget(self.hint)
        layout.addWidget(self.storage_warning)
        layout.addWidget(self.buttons)
        ids = list(PRESETS)
        self.provider.setCurrentIndex(ids.index(provider_id) if provider_id in ids else 0)
        self.provider.currentIndexChanged.connect(self._provider_changed)
        self.key.textChanged.connect(self._validate)
        self.base_url.textChanged.connect(self._validate)
        self._provider_changed()
        if base_url:
            self.base_url.setText(base_url)
        self._validate()

    def entry(self) -> KeyEntry:
        return KeyEntry(
            provider_id=str(self.provider.currentData()),
            base_url=normalise_base_url(self.base_url.text()),
            api_key=self.key.text().strip(),
        )

    def _provider_changed(self) -> None:
        chosen = preset(str(self.provider.currentData()))
        custom = not chosen.base_url
        self.base_url.setReadOnly(not custom)
        if not custom:
            self.base_url.setText(chosen.base_url)
        elif self.base_url.text() in {item.base_url for item in PRESETS.values()}:
            self.base_url.clear()
        self.base_url.setPlaceholderText("https://example.com/v1" if custom else "")
        self.key.setPlaceholderText(chosen.key_hint or "sk-…")
        if chosen.keys_url:
            self.keys_link.setText(
                self.tr('Create a key at <a href="{url}">{url}</a>').format(url=chosen.keys_url)
            )
        else:
            self.keys_link.clear()
        self._validate()

    def _validate(self) -> None:
        problem = ""
        try:
            normalise_base_url(self.base_url.text())
        except ValueError as error:
            problem = str(error)
        key = self.key.text().strip()
        warning = key_warning(preset(str(self.provider.currentData())), key) if key else None
        self.hint.setText(problem or warning or "")
        save = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        save.setEnabled(bool(key) and not problem)

    def _toggle_echo(self, shown: bool) -> None:
        self.key.setEchoMode(QLineEdit.EchoMode.Normal if shown else QLineEdit.EchoMode.Password)
