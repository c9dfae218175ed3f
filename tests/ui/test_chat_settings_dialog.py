"""The "Chat settings" dialog, driven with the mouse and keyboard as a user would."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDialogButtonBox,
    QLabel,
    QWidget,
)
from pytestqt.qtbot import QtBot

from app.core.catalogue import known_models
from app.core.chat_settings import BUILTIN_PRESETS, ChatSettings, Preset
from app.ui.chat_settings_dialog import ChatSettingsDialog

PRO = ChatSettings(
    model="mimo-v2-pro",
    system_prompt="Be brief.",
    temperature=0.7,
    top_p=None,
    max_output_tokens=4096,
    thinking=False,
)
MINE = Preset("Mine", ChatSettings(model="mimo-v2-omni", temperature=0.5))

MakeDialog = Callable[..., ChatSettingsDialog]


@pytest.fixture
def make_dialog(qtbot: QtBot) -> MakeDialog:
    def make(
        settings: ChatSettings = PRO, presets: Sequence[Preset] = (MINE,)
    ) -> ChatSettingsDialog:
        dialog = ChatSettingsDialog(settings, known_models(), presets)
        qtbot.addWidget(dialog)
        dialog.open()
        qtbot.waitExposed(dialog)
        dialog.activateWindow()
        qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)
        return dialog

    return make


def choose(qtbot: QtBot, combo: QComboBox, data: object) -> None:
    """Pick the item holding ``data`` with the arrow keys, as a keyboard user does."""
    target = combo.findData(data)
    assert target >= 0, data
    combo.setFocus()
    key = Qt.Key.Key_Down if target > combo.currentIndex() else Qt.Key.Key_Up
    for _ in range(combo.count()):
        if combo.currentIndex() == target:
            break
        qtbot.keyClick(combo, key)
    assert combo.currentIndex() == target


def click(qtbot: QtBot, widget: QWidget) -> None:
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def type_number(qtbot: QtBot, dialog: ChatSettingsDialog, spin: QWidget, text: str) -> None:
    spin.setFocus()
    qtbot.keyClick(spin, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(spin, text)
    qtbot.keyClick(spin, Qt.Key.Key_Tab)  # leaving the field commits it


def ok(qtbot: QtBot, dialog: ChatSettingsDialog) -> None:
    with qtbot.waitSignal(dialog.accepted):
        click(qtbot, dialog.buttons.button(QDialogButtonBox.StandardButton.Ok))


def test_the_dialog_shows_the_conversation_settings(make_dialog: MakeDialog) -> None:
    dialog = make_dialog()
    assert dialog.windowTitle() == "Chat settings"
    assert dialog.model_combo.currentData() == "mimo-v2-pro"
    assert dialog.system_prompt.toPlainText() == "Be brief."
    assert dialog.temperature.spin.value() == pytest.approx(0.7)
    assert dialog.temperature.spin.isEnabled()
    assert not dialog.temperature.default_box.isChecked()
    # top_p is the model's default: ticked, disabled, showing the API default.
    assert dialog.top_p.default_box.isChecked()
    assert not dialog.top_p.spin.isEnabled()
    assert dialog.top_p.spin.value() == pytest.approx(0.95)
    assert dialog.max_tokens.spin.value() == 4096
    assert dialog.thinking.currentText() == "Off"
    assert dialog.thinking.itemText(0) == "Model default (on)"


def test_ok_without_changes_gives_back_the_same_settings(
    qtbot: QtBot, make_dialog: MakeDialog
) -> None:
    dialog = make_dialog()
    ok(qtbot, dialog)
    assert dialog.result_settings() == PRO


def test_editing_every_field_reaches_the_result(qtbot: QtBot, make_dialog: MakeDialog) -> None:
    dialog = make_dialog(ChatSettings(model="mimo-v2-flash"))
    dialog.system_prompt.setFocus()
    qtbot.keyClicks(dialog.system_prompt, "Answer in French.")
    click(qtbot, dialog.temperature.default_box)
    assert dialog.temperature.spin.isEnabled()
    assert dialog.temperature.spin.value() == pytest.approx(0.3)  # starts at the default
    type_number(qtbot, dialog, dialog.temperature.spin, "1.2")
    click(qtbot, dialog.top_p.default_box)
    type_number(qtbot, dialog, dialog.top_p.spin, "0.5")
    click(qtbot, dialog.max_tokens.default_box)
    type_number(qtbot, dialog, dialog.max_tokens.spin, "1000")
    choose(qtbot, dialog.thinking, True)
    ok(qtbot, dialog)
    assert dialog.result_settings() == ChatSettings(
        model="mimo-v2-flash",
        system_prompt="Answer in French.",
        temperature=1.2,
        top_p=0.5,
        max_output_tokens=1000,
        thinking=True,
    )


def test_ticking_default_shows_the_model_default_and_sends_nothing(
    qtbot: QtBot, make_dialog: MakeDialog
) -> None:
    dialog = make_dialog()
    click(qtbot, dialog.temperature.default_box)
    assert not dialog.temperature.spin.isEnabled()
    assert dialog.temperature.spin.value() == pytest.approx(1.0)  # Pro's default
    click(qtbot, dialog.max_tokens.default_box)
    assert dialog.max_tokens.spin.text() == "Model default"
    assert dialog.result_settings().temperature is None
    assert dialog.result_settings().max_output_tokens is None
    # Unticking again brings back what the user had.
    click(qtbot, dialog.temperature.default_box)
    assert dialog.temperature.spin.value() == pytest.approx(0.7)


def test_values_past_the_limits_cannot_be_typed(qtbot: QtBot, make_dialog: MakeDialog) -> None:
    dialog = make_dialog()
    type_number(qtbot, dialog, dialog.temperature.spin, "2")
    type_number(qtbot, dialog, dialog.max_tokens.spin, "200000")
    result = dialog.result_settings()
    assert result.temperature is not None and result.temperature <= 1.5
    assert result.max_output_tokens is not None and result.max_output_tokens <= 128_000
    assert result.validate() == []


def test_changing_the_model_updates_limits_defaults_and_thinking(
    qtbot: QtBot, make_dialog: MakeDialog
) -> None:
    dialog = make_dialog(replace(PRO, max_output_tokens=100_000))
    assert dialog.max_tokens.spin.maximum() == 128_000
    choose(qtbot, dialog.model_combo, "mimo-v2-flash")
    assert dialog.max_tokens.spin.maximum() == 64_000
    assert dialog.max_tokens.spin.value() == 64_000
    assert "64K" in dialog.max_tokens.note.text()
    assert dialog.thinking.itemText(0) == "Model default (off)"
    click(qtbot, dialog.temperature.default_box)
    assert dialog.temperature.spin.value() == pytest.approx(0.3)  # Flash's default
    assert dialog.result_settings().max_output_tokens == 64_000


def test_thinking_is_disabled_for_a_model_without_it(qtbot: QtBot, make_dialog: MakeDialog) -> None:
    dialog = make_dialog(ChatSettings(model="mimo-v2-pro", thinking=True))
    choose(qtbot, dialog.model_combo, "mimo-v2-tts")
    assert not dialog.thinking.isEnabled()
    assert dialog.result_settings().thinking is None
    assert dialog.max_tokens.spin.maximum() == 8_000
    # Back on a thinking model, the earlier choice returns.
    choose(qtbot, dialog.model_combo, "mimo-v2-pro")
    assert dialog.thinking.isEnabled()
    assert dialog.result_settings().thinking is True


def test_an_unknown_model_keeps_its_place_and_shows_server_defaults(
    make_dialog: MakeDialog,
) -> None:
    dialog = make_dialog(ChatSettings(model="local-llama"))
    assert dialog.model_combo.currentData() == "local-llama"
    assert dialog.temperature.spin.text() == "Server default"
    assert "not in the catalogue" in dialog.model_info.text()
    assert dialog.result_settings() == ChatSettings(model="local-llama")


def test_applying_a_builtin_preset_keeps_the_system_prompt(
    qtbot: QtBot, make_dialog: MakeDialog
) -> None:
    dialog = make_dialog()
    choose(qtbot, dialog.preset_combo, "Quick answers")
    result = dialog.result_settings()
    assert result == ChatSettings(model="mimo-v2-flash", system_prompt="Be brief.", thinking=False)
    assert not dialog.delete_preset_button.isEnabled()  # built-ins cannot be deleted


def test_applying_a_user_preset_sets_its_values(qtbot: QtBot, make_dialog: MakeDialog) -> None:
    dialog = make_dialog()
    choose(qtbot, dialog.preset_combo, "Mine")
    assert dialog.model_combo.currentData() == "mimo-v2-omni"
    assert dialog.temperature.spin.value() == pytest.approx(0.5)
    assert dialog.max_tokens.default_box.isChecked()
    assert dialog.delete_preset_button.isEnabled()


def test_saving_a_preset_inline_emits_the_user_presets_and_keeps_the_dialog_open(
    qtbot: QtBot, make_dialog: MakeDialog
) -> None:
    dialog = make_dialog()
    click(qtbot, dialog.save_preset_button)
    assert dialog.preset_name_row.isVisible()
    assert dialog.preset_name.hasFocus()
    qtbot.keyClicks(dialog.preset_name, "Terse pro")
    with qtbot.waitSignal(dialog.presetsChanged) as signal:
        qtbot.keyClick(dialog.preset_name, Qt.Key.Key_Return)
    assert signal.args == [[MINE, Preset("Terse pro", PRO)]]
    assert dialog.isVisible() and dialog.result() == 0  # Enter did not press OK
    assert not dialog.preset_name_row.isVisible()
    assert dialog.preset_combo.currentData() == "Terse pro"
    assert dialog.delete_preset_button.isEnabled()
    assert [p.name for p in dialog.presets()] == [
        *(p.name for p in BUILTIN_PRESETS),
        "Mine",
        "Terse pro",
    ]


def test_saving_under_an_existing_name_says_it_replaces(
    qtbot: QtBot, make_dialog: MakeDialog
) -> None:
    dialog = make_dialog()
    click(qtbot, dialog.save_preset_button)
    qtbot.keyClicks(dialog.preset_name, "mine")
    assert "replaces" in dialog.preset_name_hint.text()
    with qtbot.waitSignal(dialog.presetsChanged) as signal:
        click(qtbot, dialog.preset_name_save)
    assert signal.args == [[Preset("mine", PRO)]]


def test_a_builtin_or_blank_name_cannot_be_saved_and_escape_only_closes_the_name_row(
    qtbot: QtBot, make_dialog: MakeDialog
) -> None:
    dialog = make_dialog()
    click(qtbot, dialog.save_preset_button)
    assert not dialog.preset_name_save.isEnabled()  # blank
    qtbot.keyClicks(dialog.preset_name, "quick answers")
    assert not dialog.preset_name_save.isEnabled()
    assert "built-in" in dialog.preset_name_hint.text()
    with qtbot.assertNotEmitted(dialog.presetsChanged):
        qtbot.keyClick(dialog.preset_name, Qt.Key.Key_Return)
    qtbot.keyClick(dialog.preset_name, Qt.Key.Key_Escape)
    assert not dialog.preset_name_row.isVisible()
    assert dialog.isVisible()


def test_deleting_a_user_preset(qtbot: QtBot, make_dialog: MakeDialog) -> None:
    dialog = make_dialog()
    choose(qtbot, dialog.preset_combo, "Mine")
    with qtbot.waitSignal(dialog.presetsChanged) as signal:
        click(qtbot, dialog.delete_preset_button)
    assert signal.args == [[]]
    assert dialog.preset_combo.findData("Mine") == -1
    assert not dialog.delete_preset_button.isEnabled()


def test_reset_to_defaults_keeps_model_and_system_prompt(
    qtbot: QtBot, make_dialog: MakeDialog
) -> None:
    dialog = make_dialog()
    click(qtbot, dialog.reset_button)
    assert dialog.isVisible()
    assert dialog.result_settings() == ChatSettings(model="mimo-v2-pro", system_prompt="Be brief.")
    assert dialog.temperature.default_box.isChecked()
    assert dialog.thinking.currentIndex() == 0


def test_cancel_rejects(qtbot: QtBot, make_dialog: MakeDialog) -> None:
    dialog = make_dialog()
    with qtbot.waitSignal(dialog.rejected):
        click(qtbot, dialog.buttons.button(QDialogButtonBox.StandardButton.Cancel))


def test_every_control_has_an_accessible_name_and_every_label_a_mnemonic(
    make_dialog: MakeDialog,
) -> None:
    dialog = make_dialog()
    controls = [
        dialog.preset_combo,
        dialog.preset_name,
        dialog.model_combo,
        dialog.system_prompt,
        dialog.temperature.spin,
        dialog.temperature.default_box,
        dialog.top_p.spin,
        dialog.top_p.default_box,
        dialog.max_tokens.spin,
        dialog.max_tokens.default_box,
        dialog.thinking,
    ]
    for control in controls:
        assert control.accessibleName(), control.objectName()
    labels = [label for label in dialog.findChildren(QLabel) if label.text().endswith(":")]
    assert len(labels) == 7
    for label in labels:
        assert "&" in label.text() and label.buddy() is not None, label.text()


def test_mnemonics_move_the_focus(qtbot: QtBot, make_dialog: MakeDialog) -> None:
    dialog = make_dialog()
    alt = Qt.KeyboardModifier.AltModifier
    qtbot.keyClick(dialog, Qt.Key.Key_T, alt)
    assert dialog.temperature.spin.hasFocus()
    qtbot.keyClick(dialog, Qt.Key.Key_S, alt)
    assert dialog.system_prompt.hasFocus()
    # With "Default" ticked, the mnemonic lands on the check box instead.
    qtbot.keyClick(dialog, Qt.Key.Key_P, alt)
    assert dialog.top_p.default_box.hasFocus()


def test_tab_walks_the_form_top_to_bottom(qtbot: QtBot, make_dialog: MakeDialog) -> None:
    dialog = make_dialog()
    dialog.model_combo.setFocus()
    expected = [
        dialog.system_prompt,  # Tab leaves the prompt rather than typing a tab
        dialog.temperature.spin,
        dialog.temperature.default_box,
        dialog.top_p.default_box,  # the disabled spin box is skipped
        dialog.max_tokens.spin,
        dialog.max_tokens.default_box,
        dialog.thinking,
        dialog.reset_button,
        dialog.ok_button,
    ]
    for widget in expected:
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        assert QApplication.focusWidget() is widget, widget.objectName()
    assert "\t" not in dialog.system_prompt.toPlainText()
