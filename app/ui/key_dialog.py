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

from app.core.providers import PRESETS, WIRES, key_warning, normalise_base_url, preset


@dataclass(frozen=True)
class KeyEntry:
    """What the user entered.

    Attributes:
        provider_id: The chosen preset's id.
        base_url: The normalised base URL.
        api_key: The key, without surrounding spaces.
        wire: ``"openai"`` or ``"anthropic"``: the preset's own, or the user's choice
            for the custom endpoint.
    """

    provider_id: str
    base_url: str
    api_key: str
    wire: str


class KeyDialog(QDialog):
    """Asks for a provider preset (or a custom URL and its API format) and an API key.

    ``wire`` is the custom endpoint's format to show at first; a preset shows its own.
    """

    def __init__(
        self,
        *,
        provider_id: str,
        base_url: str,
        wire: str = "openai",
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
        self.wire = QComboBox(self)
        self.wire.setObjectName("wireCombo")
        self.wire.setAccessibleName(self.tr("API format"))
        for wire_id in WIRES:
            self.wire.addItem(self._wire_name(wire_id), wire_id)
        self.wire.setCurrentIndex(WIRES.index(wire) if wire in WIRES else 0)
        self.preset_wire = QLabel(self)
        self.preset_wire.setObjectName("presetWire")
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
        self.form = QFormLayout()
        form = self.form
        form.addRow(self.tr("&Provider:"), self.provider)
        form.addRow(self.tr("&Base URL:"), self.base_url)
        form.addRow(self.tr("API &format:"), self.wire)
        form.addRow("", self.preset_wire)
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
        self.wire.currentIndexChanged.connect(self._wire_changed)
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
            wire=self.chosen_wire(),
        )

    def chosen_wire(self) -> str:
        """The chosen preset's wire format, or the combo's for the custom endpoint."""
        chosen = preset(str(self.provider.currentData()))
        return str(self.wire.currentData()) if not chosen.base_url else chosen.wire

    def _wire_name(self, wire: str) -> str:
        if wire == "anthropic":
            return self.tr("Anthropic-compatible")
        return self.tr("OpenAI-compatible")

    def _provider_changed(self) -> None:
        chosen = preset(str(self.provider.currentData()))
        custom = not chosen.base_url
        self.base_url.setReadOnly(not custom)
        if not custom:
            self.base_url.setText(chosen.base_url)
        elif self.base_url.text() in {item.base_url for item in PRESETS.values()}:
            self.base_url.clear()
        self.form.setRowVisible(self.wire, custom)
        self.form.setRowVisible(self.preset_wire, not custom)
        self.preset_wire.setText(
            self.tr("Format: {format}").format(format=self._wire_name(chosen.wire))
        )
        self._wire_changed()
        self.key.setPlaceholderText(chosen.key_hint or "sk-…")
        if chosen.keys_url:
            self.keys_link.setText(
                self.tr('Create a key at <a href="{url}">{url}</a>').format(url=chosen.keys_url)
            )
        else:
            self.keys_link.clear()
        self._validate()

    def _wire_changed(self) -> None:
        custom = not preset(str(self.provider.currentData())).base_url
        example = (
            "https://example.com/anthropic"
            if self.wire.currentData() == "anthropic"
            else "https://example.com/v1"
        )
        self.base_url.setPlaceholderText(example if custom else "")

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
