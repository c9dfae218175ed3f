"""The "Chat settings" dialog: model, system prompt, sampling and presets of one chat."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.core.catalogue import ModelSpec, format_tokens, spec_for
from app.core.chat_settings import (
    BUILTIN_PRESETS,
    MAX_TOKENS_MAX,
    MAX_TOKENS_MIN,
    TEMPERATURE_MAX,
    TEMPERATURE_MIN,
    TOP_P_MAX,
    TOP_P_MIN,
    ChatSettings,
    Preset,
    add_preset,
    defaults_for,
    delete_preset,
    has_thinking_switch,
    max_tokens_limit,
    preset_label,
    preset_name_problem,
    user_presets,
)
from app.ui.defaultable_spin import DefaultableSpin, hint_label
from app.ui.widget_helpers import set_tab_chain


class ChatSettingsDialog(QDialog):
    """Edits the :class:`ChatSettings` of one conversation, with presets.

    Open it with ``open()``; on ``accepted`` read :meth:`result_settings`.

    Signals:
        presetsChanged(list): the user presets (``list[Preset]``, built-ins left out)
            after one was saved or deleted; the caller stores them.
    """

    presetsChanged = Signal(list)

    def __init__(
        self,
        settings: ChatSettings,
        models: Sequence[ModelSpec],
        presets: Sequence[Preset],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("chatSettingsDialog")
        self.setWindowTitle(self.tr("Chat settings"))
        self.setMinimumWidth(600)
        self._specs = list(models)
        self._presets = list(BUILTIN_PRESETS) + user_presets(presets)
        self._thinking_choice: bool | None = settings.thinking
        self._build_presets_row()
        self._build_form()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok
            | QDialogButtonBox.StandardButton.Cancel
            | QDialogButtonBox.StandardButton.RestoreDefaults,
            self,
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.reset_button = self.buttons.button(QDialogButtonBox.StandardButton.RestoreDefaults)
        self.reset_button.setText(self.tr("&Reset to defaults"))
        self.reset_button.setToolTip(
            self.tr("Use the model's defaults for everything but the system prompt")
        )
        self.reset_button.setAutoDefault(False)
        self.ok_button.setDefault(True)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.reset_button.clicked.connect(self.reset_to_defaults)

        line = QFrame(self)
        line.setFrameShape(QFrame.Shape.HLine)
        line.setFrameShadow(QFrame.Shadow.Sunken)
        layout = QVBoxLayout(self)
        layout.addLayout(self._presets_layout)
        layout.addWidget(self.preset_name_row)
        layout.addWidget(line)
        layout.addLayout(self._form)
        layout.addWidget(self.buttons)
        self._set_tab_order()

        self._fill_presets()
        self._fill_models(settings.model)
        self._load(settings)
        self.model_combo.currentIndexChanged.connect(self._model_changed)

    # -- building ---------------------------------------------------------------------

    def _build_presets_row(self) -> None:
        self.preset_combo = QComboBox(self)
        self.preset_combo.setObjectName("presetCombo")
        self.preset_combo.setAccessibleName(self.tr("Preset"))
        self.preset_combo.setToolTip(
            self.tr("Apply a preset. A preset without a system prompt keeps the current one.")
        )
        self.preset_combo.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.save_preset_button = QPushButton(self.tr("Save &as preset…"), self)
        self.save_preset_button.setObjectName("savePresetButton")
        self.save_preset_button.setAutoDefault(False)
        self.delete_preset_button = QPushButton(self.tr("&Delete preset"), self)
        self.delete_preset_button.setObjectName("deletePresetButton")
        self.delete_preset_button.setAutoDefault(False)
        label = QLabel(self.tr("Pr&eset:"), self)
        label.setBuddy(self.preset_combo)
        self._presets_layout = QHBoxLayout()
        self._presets_layout.addWidget(label)
        self._presets_layout.addWidget(self.preset_combo, 1)
        self._presets_layout.addWidget(self.save_preset_button)
        self._presets_layout.addWidget(self.delete_preset_button)

        # Naming a new preset happens inline: no nested dialog, no nested event loop.
        self.preset_name_row = QWidget(self)
        self.preset_name_row.setObjectName("presetNameRow")
        self.preset_name = QLineEdit(self.preset_name_row)
        self.preset_name.setObjectName("presetNameEdit")
        self.preset_name.setAccessibleName(self.tr("Name of the new preset"))
        self.preset_name.setPlaceholderText(self.tr("Name of the new preset"))
        self.preset_name_save = QPushButton(self.tr("Sa&ve preset"), self.preset_name_row)
        self.preset_name_save.setObjectName("presetNameSave")
        self.preset_name_save.setAutoDefault(False)
        self.preset_name_cancel = QPushButton(self.tr("Ca&ncel"), self.preset_name_row)
        self.preset_name_cancel.setObjectName("presetNameCancel")
        self.preset_name_cancel.setAutoDefault(False)
        self.preset_name_hint = hint_label(self.preset_name_row)
        self.preset_name_hint.setObjectName("presetNameHint")
        row = QHBoxLayout()
        row.addWidget(self.preset_name, 1)
        row.addWidget(self.preset_name_save)
        row.addWidget(self.preset_name_cancel)
        name_layout = QVBoxLayout(self.preset_name_row)
        name_layout.setContentsMargins(0, 0, 0, 0)
        name_layout.addLayout(row)
        name_layout.addWidget(self.preset_name_hint)
        self.preset_name_row.hide()

        self.preset_combo.activated.connect(self._preset_activated)
        self.save_preset_button.clicked.connect(self.start_saving_preset)
        self.delete_preset_button.clicked.connect(self.delete_current_preset)
        self.preset_name.textChanged.connect(self._check_preset_name)
        self.preset_name_save.clicked.connect(self.save_preset)
        self.preset_name_cancel.clicked.connect(self.cancel_saving_preset)

    def _build_form(self) -> None:
        self.model_combo = QComboBox(self)
        self.model_combo.setObjectName("chatModelCombo")
        self.model_combo.setAccessibleName(self.tr("Model"))
        self.model_info = hint_label(self)
        self.model_info.setObjectName("chatModelInfo")
        self.system_prompt = QPlainTextEdit(self)
        self.system_prompt.setObjectName("systemPromptEdit")
        self.system_prompt.setAccessibleName(self.tr("System prompt"))
        self.system_prompt.setPlaceholderText(
            self.tr("Optional instructions sent before the conversation, e.g. “Answer briefly.”")
        )
        self.system_prompt.setTabChangesFocus(True)
        self.system_prompt.setMinimumHeight(self.fontMetrics().lineSpacing() * 6)

        temperature = QDoubleSpinBox()
        temperature.setObjectName("temperatureSpin")
        temperature.setRange(TEMPERATURE_MIN, TEMPERATURE_MAX)
        temperature.setDecimals(2)
        temperature.setSingleStep(0.05)
        self.temperature = DefaultableSpin(temperature, name=self.tr("Temperature"), parent=self)
        self.temperature.default_box.setObjectName("temperatureDefault")
        self.temperature.note.setText(
            self.tr("{low:g} to {high:g}; lower is more focused").format(
                low=TEMPERATURE_MIN, high=TEMPERATURE_MAX
            )
        )

        top_p = QDoubleSpinBox()
        top_p.setObjectName("topPSpin")
        top_p.setRange(TOP_P_MIN, TOP_P_MAX)
        top_p.setDecimals(2)
        top_p.setSingleStep(0.05)
        self.top_p = DefaultableSpin(top_p, name=self.tr("Top p"), parent=self)
        self.top_p.default_box.setObjectName("topPDefault")
        self.top_p.note.setText(
            self.tr("{low:g} to {high:g}; nucleus sampling").format(low=TOP_P_MIN, high=TOP_P_MAX)
        )

        tokens = QSpinBox()
        tokens.setObjectName("maxTokensSpin")
        tokens.setSingleStep(256)
        tokens.setGroupSeparatorShown(True)
        self.max_tokens = DefaultableSpin(tokens, name=self.tr("Max output tokens"), parent=self)
        self.max_tokens.default_box.setObjectName("maxTokensDefault")

        # One width for the three spin boxes, so their "Default" boxes line up.
        tokens.setRange(MAX_TOKENS_MIN, MAX_TOKENS_MAX)
        width = max(spin.sizeHint().width() for spin in (temperature, top_p, tokens))
        for spin in (temperature, top_p, tokens):
            spin.setMinimumWidth(width)

        self.thinking = QComboBox(self)
        self.thinking.setObjectName("thinkingCombo")
        self.thinking.setAccessibleName(self.tr("Thinking"))
        self.thinking.addItem(self.tr("Model default"), None)
        self.thinking.addItem(self.tr("On"), True)
        self.thinking.addItem(self.tr("Off"), False)
        self.thinking.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.thinking.activated.connect(self._thinking_activated)

        model_box = QVBoxLayout()
        model_box.setSpacing(2)
        model_box.addWidget(self.model_combo)
        model_box.addWidget(self.model_info)
        self._form = QFormLayout()
        self._form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self._form.addRow(self.tr("&Model:"), model_box)
        self._form.addRow(self.tr("&System prompt:"), self.system_prompt)
        self._form.addRow(self.tr("&Temperature:"), self.temperature)
        self._form.addRow(self.tr("Top &p:"), self.top_p)
        self._form.addRow(self.tr("Max &output tokens:"), self.max_tokens)
        self._form.addRow(self.tr("T&hinking:"), self.thinking)
        model_label = self._form.labelForField(model_box)
        if isinstance(model_label, QLabel):
            model_label.setBuddy(self.model_combo)
        for row in (self.temperature, self.top_p, self.max_tokens):
            label = self._form.labelForField(row)
            if isinstance(label, QLabel):
                row.set_label(label)

    def _set_tab_order(self) -> None:
        chain: list[QWidget] = [
            self.preset_combo,
            self.save_preset_button,
            self.delete_preset_button,
            self.preset_name,
            self.preset_name_save,
            self.preset_name_cancel,
            self.model_combo,
            self.system_prompt,
            self.temperature.spin,
            self.temperature.default_box,
            self.top_p.spin,
            self.top_p.default_box,
            self.max_tokens.spin,
            self.max_tokens.default_box,
            self.thinking,
            self.reset_button,
            self.ok_button,
            self.buttons.button(QDialogButtonBox.StandardButton.Cancel),
        ]
        set_tab_chain(chain)

    # -- public -----------------------------------------------------------------------

    def result_settings(self) -> ChatSettings:
        """The settings as the dialog shows them, clamped into the model's limits."""
        model = self.current_model()
        temperature = self.temperature.value()
        tokens = self.max_tokens.value()
        thinking = self.thinking.currentData() if has_thinking_switch(model) else None
        return ChatSettings(
            model=model,
            system_prompt=self.system_prompt.toPlainText().strip(),
            temperature=None if temperature is None else round(temperature, 2),
            top_p=self.top_p.value(),
            max_output_tokens=None if tokens is None else round(tokens),
            thinking=thinking if isinstance(thinking, bool) else None,
        ).clamped()

    def presets(self) -> list[Preset]:
        """Every preset the dialog offers: built-ins first, then the user's."""
        return list(self._presets)

    def current_model(self) -> str:
        index = self.model_combo.currentIndex()
        return self._specs[index].id if 0 <= index < len(self._specs) else ""

    def apply_preset(self, preset: Preset) -> None:
        """Load a preset's settings; a blank preset system prompt keeps the current one."""
        settings = preset.settings
        if not settings.system_prompt.strip():
            settings = replace(settings, system_prompt=self.system_prompt.toPlainText())
        self._select_model(settings.model)
        self._load(settings)
        self._select_preset(preset.name)

    def reset_to_defaults(self) -> None:
        """The model's defaults for everything but the model and the system prompt."""
        model = self.current_model()
        self._load(ChatSettings(model=model, system_prompt=self.system_prompt.toPlainText()))
        self.preset_combo.setCurrentIndex(0)
        self._update_preset_buttons()

    def start_saving_preset(self) -> None:
        """Show the inline name field; Enter saves, Escape cancels."""
        current = self._current_preset()
        self.preset_name.setText(current.name if current and not current.builtin else "")
        self.preset_name_row.show()
        self.preset_name_save.setDefault(True)
        self.preset_name.setFocus(Qt.FocusReason.OtherFocusReason)
        self.preset_name.selectAll()
        self._check_preset_name()

    def cancel_saving_preset(self) -> None:
        self.preset_name_row.hide()
        self.preset_name_save.setDefault(False)
        self.ok_button.setDefault(True)
        self.save_preset_button.setFocus(Qt.FocusReason.OtherFocusReason)

    def save_preset(self) -> None:
        """Save the current settings under the typed name (replacing a same-named one)."""
        name = self.preset_name.text()
        if preset_name_problem(name) is not None:
            self._check_preset_name()
            return
        saved = add_preset(self._presets, name, self.result_settings())
        self._presets = list(BUILTIN_PRESETS) + saved
        self._fill_presets()
        self._select_preset(name.strip())
        self.cancel_saving_preset()
        self.presetsChanged.emit(saved)

    def delete_current_preset(self) -> None:
        current = self._current_preset()
        if current is None or current.builtin:
            return
        remaining = delete_preset(self._presets, current.name)
        self._presets = list(BUILTIN_PRESETS) + remaining
        self._fill_presets()
        self.preset_combo.setCurrentIndex(0)
        self._update_preset_buttons()
        self.preset_combo.setFocus(Qt.FocusReason.OtherFocusReason)
        self.presetsChanged.emit(remaining)

    # -- events -----------------------------------------------------------------------

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape and self.preset_name_row.isVisible():
            self.cancel_saving_preset()
            event.accept()
            return
        super().keyPressEvent(event)

    # -- internals --------------------------------------------------------------------

    def _fill_presets(self) -> None:
        self.preset_combo.blockSignals(True)
        try:
            self.preset_combo.clear()
            self.preset_combo.addItem(self.tr("Choose a preset…"), None)
            for preset in self._presets:
                text = preset.name
                if preset.builtin:
                    text = self.tr("{name} (built-in)").format(name=preset_label(preset))
                self.preset_combo.addItem(text, preset.name)
        finally:
            self.preset_combo.blockSignals(False)
        self._update_preset_buttons()

    def _current_preset(self) -> Preset | None:
        name = self.preset_combo.currentData()
        for preset in self._presets:
            if preset.name == name:
                return preset
        return None

    def _select_preset(self, name: str) -> None:
        index = self.preset_combo.findData(name)
        self.preset_combo.setCurrentIndex(max(index, 0))
        self._update_preset_buttons()

    def _update_preset_buttons(self) -> None:
        current = self._current_preset()
        self.delete_preset_button.setEnabled(current is not None and not current.builtin)

    def _preset_activated(self, index: int) -> None:
        preset = self._current_preset()
        if index > 0 and preset is not None:
            self.apply_preset(preset)
        self._update_preset_buttons()

    def _check_preset_name(self) -> None:
        name = self.preset_name.text()
        problem = preset_name_problem(name)
        exists = any(
            not p.builtin and p.name.casefold() == name.strip().casefold() for p in self._presets
        )
        if problem is None and exists:
            hint = self.tr("Saving replaces the preset “{name}”.").format(name=name.strip())
        else:
            hint = problem or ""
        self.preset_name_hint.setText(hint)
        self.preset_name_hint.setVisible(bool(hint))
        self.preset_name_save.setEnabled(problem is None)

    def _fill_models(self, current: str) -> None:
        if current and all(spec.id != current for spec in self._specs):
            self._specs.append(spec_for(current))
        self.model_combo.blockSignals(True)
        try:
            self.model_combo.clear()
            for spec in self._specs:
                self.model_combo.addItem(spec.label, spec.id)
                index = self.model_combo.count() - 1
                self.model_combo.setItemData(
                    index, spec.summary_text(), Qt.ItemDataRole.ToolTipRole
                )
        finally:
            self.model_combo.blockSignals(False)

    def _select_model(self, model_id: str) -> None:
        if all(spec.id != model_id for spec in self._specs):
            self._specs.append(spec_for(model_id))
            spec = self._specs[-1]
            self.model_combo.addItem(spec.label, spec.id)
        index = self.model_combo.findData(model_id)
        self.model_combo.setCurrentIndex(index)

    def _load(self, settings: ChatSettings) -> None:
        """Show ``settings`` (for the model already selected in the combo)."""
        index = self.model_combo.findData(settings.model)
        if index >= 0 and index != self.model_combo.currentIndex():
            self.model_combo.blockSignals(True)
            self.model_combo.setCurrentIndex(index)
            self.model_combo.blockSignals(False)
        self._apply_model_limits()
        self.system_prompt.setPlainText(settings.system_prompt)
        clamped = settings.clamped()
        self.temperature.set_value(clamped.temperature)
        self.top_p.set_value(clamped.top_p)
        self.max_tokens.set_value(clamped.max_output_tokens)
        self._thinking_choice = clamped.thinking
        self._show_thinking()

    def _model_changed(self) -> None:
        self._apply_model_limits()
        self._show_thinking()

    def _apply_model_limits(self) -> None:
        model = self.current_model()
        spec = spec_for(model)
        defaults = defaults_for(model)
        limit = max_tokens_limit(model)
        info = spec.capability_text()
        if not spec.known:
            info = self.tr("{info} · not in the catalogue").format(info=info)
        self.model_info.setText(info)
        self.temperature.set_default(defaults.temperature, self.tr("Server default"))
        self.top_p.set_default(defaults.top_p, self.tr("Server default"))
        self.max_tokens.set_range(MAX_TOKENS_MIN, limit)
        self.max_tokens.set_default(None, self.tr("Model default"))
        self.max_tokens.note.setText(
            self.tr("up to {limit} for this model").format(limit=format_tokens(limit))
        )
        self.max_tokens.spin.setToolTip(
            self.tr("At most {limit} tokens for this model").format(limit=f"{limit:,}")
        )

    def _show_thinking(self) -> None:
        model = self.current_model()
        switch = has_thinking_switch(model)
        default = spec_for(model).thinking_default
        if default is None:
            self.thinking.setItemText(0, self.tr("Model default"))
            self.thinking.setToolTip(self.tr("This model has no thinking switch"))
        else:
            state = self.tr("on") if default else self.tr("off")
            self.thinking.setItemText(0, self.tr("Model default ({state})").format(state=state))
            self.thinking.setToolTip("")
        self.thinking.setEnabled(switch)
        choice = self._thinking_choice if switch else None
        self.thinking.setCurrentIndex(0 if choice is None else 1 if choice else 2)

    def _thinking_activated(self) -> None:
        data = self.thinking.currentData()
        self._thinking_choice = data if isinstance(data, bool) else None
