"""The API key dialog: shown on first run, after a 401, and from the Settings menu.

It picks the provider (a preset, or a custom URL and its API format) and manages that
provider's stored keys (:class:`~app.ui.key_list.KeyListPanel`): add one, make another
one active ("rotate"), rename, remove. Nothing changes until the dialog is accepted.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from app.api.translation import translate
from app.core.api_keys import KeyChange, KeyList
from app.core.providers import (
    PRESETS,
    WIRES,
    display_name,
    key_warning,
    normalise_base_url,
    preset,
)
from app.ui.key_list import ENV_ROW, KeyBook, KeyListPanel
from app.ui.widget_helpers import set_tab_chain

__all__ = ["ENV_ROW", "KeyBook", "KeyDialog", "KeyEntry"]


@dataclass(frozen=True)
class KeyEntry:
    """What the user chose.

    Attributes:
        provider_id: The chosen preset's id.
        base_url: The normalised base URL.
        api_key: The key to use from now on: the chosen provider's active key after
            ``changes``; None when there is none or ``use_env`` is set.
        wire: ``"openai"`` or ``"anthropic"``: the preset's own, or the user's choice
            for the custom endpoint.
        use_env: Keep using ``MIMO_API_KEY`` for this run.
        changes: Provider id -> the edits of its key list, in order.
    """

    provider_id: str
    base_url: str
    api_key: str | None = field(repr=False)
    wire: str
    use_env: bool = False
    changes: Mapping[str, tuple[KeyChange, ...]] = field(default_factory=dict)


class KeyDialog(QDialog):
    """Asks for a provider (or a custom URL and its API format) and manages its API keys.

    ``wire`` is the custom endpoint's format to show at first; a preset shows its own.
    ``keys`` holds the stored keys (None: nothing is stored, as in a test). A key still
    in the entry field when the dialog is accepted is added and made active (the first
    run: type a key, Save). The full key shows only in that field while it is typed.
    """

    def __init__(
        self,
        *,
        provider_id: str,
        base_url: str,
        wire: str = "openai",
        reason: str = "",
        storage_warning: str | None = None,
        keys: KeyBook | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        if keys is None:
            keys = KeyBook(parent=self)
            for known in PRESETS:
                keys.lists[known] = KeyList()
        self.book = keys
        self.setObjectName("keyDialog")
        self.setWindowTitle(translate("KeyDialog", "MiMo API keys"))
        self.setMinimumWidth(560)
        self.reason = QLabel(reason, self)
        self.reason.setObjectName("keyDialogReason")
        self.reason.setWordWrap(True)
        self.reason.setVisible(bool(reason))
        self.rotate_hint = QLabel(
            translate(
                "KeyDialog",
                "This provider has more than one key: select another one below and "
                "choose Make active, or add a new key.",
            ),
            self,
        )
        self.rotate_hint.setObjectName("rotateHint")
        self.rotate_hint.setWordWrap(True)
        self._make_endpoint_fields(wire)
        ids = list(PRESETS)
        self.provider.setCurrentIndex(ids.index(provider_id) if provider_id in ids else 0)
        self.keys_panel = KeyListPanel(keys, self.provider_id(), self)
        panel = self.keys_panel
        # The panel's parts under the names callers and tests know the dialog's by.
        self.keys_box, self.key_list = panel.keys_box, panel.key_list
        self.key_status, self.add_box = panel.key_status, panel.add_box
        self.activate_button = panel.activate_button
        self.rename_button = panel.rename_button
        self.remove_button = panel.remove_button
        self.key, self.key_label = panel.key, panel.key_label
        self.show_key, self.add_button = panel.show_key, panel.add_button
        self.keys_link = QLabel(self)
        self.keys_link.setObjectName("keysLink")
        self.keys_link.setOpenExternalLinks(True)
        self.keys_link.setTextFormat(Qt.TextFormat.RichText)
        self.hint = QLabel(self)
        self.hint.setObjectName("keyHint")
        self.hint.setWordWrap(True)
        self.storage_warning = QLabel(keys.storage_warning or storage_warning or "", self)
        self.storage_warning.setObjectName("storageWarning")
        self.storage_warning.setWordWrap(True)
        self.storage_warning.setVisible(bool(self.storage_warning.text()))
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.reason)
        layout.addWidget(self.rotate_hint)
        layout.addLayout(self.form)
        layout.addWidget(panel)
        layout.addWidget(self.keys_link)
        layout.addWidget(self.hint)
        layout.addWidget(self.storage_warning)
        layout.addWidget(self.buttons)
        chain = [self.provider, self.base_url, self.wire, *panel.focus_widgets(), self.buttons]
        set_tab_chain(chain)
        self.provider.currentIndexChanged.connect(self._provider_changed)
        self.wire.currentIndexChanged.connect(self._wire_changed)
        self.base_url.textChanged.connect(self._validate)
        panel.edited.connect(self._edited)
        keys.changed.connect(self._book_changed)
        self._provider_changed()
        if base_url:
            self.base_url.setText(base_url)
        self._validate()
        (self.key_list if panel.row_count() else self.key).setFocus()
        keys.request()

    @property
    def confirm_box(self) -> QMessageBox | None:
        """The open "Remove the key?" question, if any."""
        return self.keys_panel.confirm_box

    def _make_endpoint_fields(self, wire: str) -> None:
        self.provider = QComboBox(self)
        self.provider.setObjectName("providerCombo")
        self.provider.setAccessibleName(translate("KeyDialog", "Provider"))
        for item in PRESETS.values():
            self.provider.addItem(display_name(item), item.id)
        self.base_url = QLineEdit(self)
        self.base_url.setObjectName("baseUrlEdit")
        self.base_url.setAccessibleName(translate("KeyDialog", "Base URL"))
        self.wire = QComboBox(self)
        self.wire.setObjectName("wireCombo")
        self.wire.setAccessibleName(translate("KeyDialog", "API format"))
        for wire_id in WIRES:
            self.wire.addItem(self._wire_name(wire_id), wire_id)
        self.wire.setCurrentIndex(WIRES.index(wire) if wire in WIRES else 0)
        self.preset_wire = QLabel(self)
        self.preset_wire.setObjectName("presetWire")
        self.form = QFormLayout()
        self.form.addRow(translate("KeyDialog", "&Provider:"), self.provider)
        self.form.addRow(translate("KeyDialog", "&Base URL:"), self.base_url)
        self.form.addRow(translate("KeyDialog", "API &format:"), self.wire)
        self.form.addRow("", self.preset_wire)

    def entry(self) -> KeyEntry:
        changes, use_env, api_key = self.keys_panel.result()
        return KeyEntry(
            provider_id=self.provider_id(),
            base_url=normalise_base_url(self.base_url.text()),
            api_key=api_key,
            wire=self.chosen_wire(),
            use_env=use_env,
            changes=changes,
        )

    def provider_id(self) -> str:
        return str(self.provider.currentData())

    def chosen_wire(self) -> str:
        """The chosen preset's wire format, or the combo's for the custom endpoint."""
        chosen = preset(self.provider_id())
        return str(self.wire.currentData()) if not chosen.base_url else chosen.wire

    def set_reason(self, reason: str) -> None:
        self.reason.setText(reason)
        self.reason.setVisible(bool(reason))
        self._edited()

    def _wire_name(self, wire: str) -> str:
        if wire == "anthropic":
            return translate("KeyDialog", "Anthropic-compatible")
        return translate("KeyDialog", "OpenAI-compatible")

    def _provider_changed(self) -> None:
        chosen = preset(self.provider_id())
        custom = not chosen.base_url
        self.base_url.setReadOnly(not custom)
        if not custom:
            self.base_url.setText(chosen.base_url)
        elif self.base_url.text() in {item.base_url for item in PRESETS.values()}:
            self.base_url.clear()
        self.form.setRowVisible(self.wire, custom)
        self.form.setRowVisible(self.preset_wire, not custom)
        self.preset_wire.setText(
            translate("KeyDialog", "Format: {format}").format(format=self._wire_name(chosen.wire))
        )
        self._wire_changed()
        self.key.setPlaceholderText(chosen.key_hint or "sk-…")
        if chosen.keys_url:
            self.keys_link.setText(
                translate("KeyDialog", 'Create a key at <a href="{url}">{url}</a>').format(
                    url=chosen.keys_url
                )
            )
        else:
            self.keys_link.clear()
        self.keys_panel.set_provider(chosen.id)

    def _wire_changed(self) -> None:
        custom = not preset(self.provider_id()).base_url
        example = (
            "https://example.com/anthropic"
            if self.wire.currentData() == "anthropic"
            else "https://example.com/v1"
        )
        self.base_url.setPlaceholderText(example if custom else "")

    def _edited(self) -> None:
        self.rotate_hint.setVisible(bool(self.reason.text()) and self.keys_panel.row_count() > 1)
        self._validate()

    def _book_changed(self) -> None:
        if self.book.storage_warning:
            self.storage_warning.setText(self.book.storage_warning)
            self.storage_warning.setVisible(True)

    def _validate(self) -> None:
        problem = ""
        try:
            normalise_base_url(self.base_url.text())
        except ValueError as error:
            problem = str(error)
        panel = self.keys_panel
        chosen = preset(self.provider_id())
        pending = panel.pending()
        spaces = any(ch.isspace() for ch in pending)
        in_use = panel.in_use()
        active = panel.working().active
        warning: str | None = None
        if spaces:
            warning = translate("KeyDialog", "An API key has no spaces in it.")
        elif pending:
            warning = key_warning(chosen, pending)
        elif in_use != ENV_ROW and active is not None:
            warning = key_warning(chosen, active.secret)
        self.hint.setText(problem or warning or "")
        self.hint.setVisible(bool(self.hint.text()))
        usable = bool(pending) or in_use is not None or panel.has_changes()
        save = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        save.setEnabled(usable and not problem and not spaces)
