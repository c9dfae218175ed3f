"""The price table dialog, edited with the mouse and keyboard as a user would."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLineEdit
from pytestqt.qtbot import QtBot

from app.core.catalogue import known_models
from app.ui.prices_dialog import (
    CACHED_COLUMN,
    INPUT_COLUMN,
    MODEL_COLUMN,
    OUTPUT_COLUMN,
    PricesDialog,
    format_rate,
    parse_rate,
)

MakeDialog = Callable[..., PricesDialog]


@pytest.fixture
def make_dialog(qtbot: QtBot) -> MakeDialog:
    def make(
        overrides: Mapping[str, Mapping[str, Any]] | None = None, models: Sequence[str] = ()
    ) -> PricesDialog:
        dialog = PricesDialog(overrides or {}, models)
        qtbot.addWidget(dialog)
        dialog.open()
        qtbot.waitExposed(dialog)
        dialog.activateWindow()
        qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)
        return dialog

    return make


def cell(dialog: PricesDialog, model: str, column: int) -> str:
    item = dialog.table.item(dialog.row_of(model), column)
    assert item is not None
    return item.text()


def is_bold(dialog: PricesDialog, model: str) -> bool:
    item = dialog.table.item(dialog.row_of(model), MODEL_COLUMN)
    assert item is not None
    return item.font().bold()


def edit(qtbot: QtBot, dialog: PricesDialog, model: str, column: int, text: str) -> None:
    """Click the cell, type over it (blank: clear it with F2, select all, delete), Enter."""
    table = dialog.table
    item = table.item(dialog.row_of(model), column)
    assert item is not None
    rect = table.visualItemRect(item)
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert table.currentItem() is item
    if text:
        qtbot.keyClicks(table.viewport(), text[0])  # typing starts the editor
        editor = table.viewport().focusWidget()
        assert isinstance(editor, QLineEdit)
        qtbot.keyClicks(editor, text[1:])
    else:
        qtbot.keyClick(table.viewport(), Qt.Key.Key_F2)
        editor = table.viewport().focusWidget()
        assert isinstance(editor, QLineEdit)
        qtbot.keyClick(editor, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
        qtbot.keyClick(editor, Qt.Key.Key_Delete)
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: table.state() != table.State.EditingState)  # closes queued


def test_rate_text_round_trips() -> None:
    assert format_rate(1.0) == "1.00"
    assert format_rate(0.01) == "0.01"
    assert format_rate(0.125) == "0.125"
    assert format_rate(None) == ""
    assert parse_rate(" 0.5 ") == 0.5
    assert parse_rate("") is None
    for bad in ("-1", "abc", "nan", "inf"):
        with pytest.raises(ValueError):
            parse_rate(bad)


def test_the_table_shows_catalogue_prices_and_every_known_model(make_dialog: MakeDialog) -> None:
    dialog = make_dialog()
    assert dialog.model_ids() == [spec.id for spec in known_models()]
    assert [
        cell(dialog, "mimo-v2-pro", c) for c in (INPUT_COLUMN, CACHED_COLUMN, OUTPUT_COLUMN)
    ] == [
        "1.00",
        "0.20",
        "3.00",
    ]
    assert cell(dialog, "mimo-v2-omni", CACHED_COLUMN) == ""  # no cached rate
    assert cell(dialog, "mimo-v2.5-pro", INPUT_COLUMN) == ""  # no price known
    assert not any(is_bold(dialog, model) for model in dialog.model_ids())
    assert dialog.overrides() == {}
    assert dialog.ok_button.isEnabled()


def test_overrides_are_shown_in_bold_with_extra_models_at_the_end(
    make_dialog: MakeDialog,
) -> None:
    dialog = make_dialog(
        {"mimo-v2-pro": {"input": 1.5, "output": 3.0, "cached_input": 0.2}},
        models=["Zeta-Local", "mimo-v2-pro"],
    )
    assert cell(dialog, "mimo-v2-pro", INPUT_COLUMN) == "1.50"
    assert is_bold(dialog, "mimo-v2-pro")
    assert not is_bold(dialog, "mimo-v2-flash")
    assert dialog.model_ids()[-1] == "zeta-local"
    assert dialog.overrides() == {"mimo-v2-pro": {"input": 1.5, "cached_input": 0.2, "output": 3.0}}


def test_editing_a_price_makes_an_override(qtbot: QtBot, make_dialog: MakeDialog) -> None:
    dialog = make_dialog()
    edit(qtbot, dialog, "mimo-v2-flash", OUTPUT_COLUMN, "0.45")
    assert cell(dialog, "mimo-v2-flash", OUTPUT_COLUMN) == "0.45"
    assert dialog.isVisible()  # Enter finished the edit, it did not press OK
    assert is_bold(dialog, "mimo-v2-flash")
    assert dialog.overrides() == {
        "mimo-v2-flash": {"input": 0.1, "cached_input": 0.01, "output": 0.45}
    }
    with qtbot.waitSignal(dialog.accepted):
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)


def test_setting_a_price_back_to_the_catalogue_value_is_no_override(
    qtbot: QtBot, make_dialog: MakeDialog
) -> None:
    dialog = make_dialog({"mimo-v2-pro": {"input": 5.0, "output": 3.0, "cached_input": 0.2}})
    edit(qtbot, dialog, "mimo-v2-pro", INPUT_COLUMN, "1")
    assert dialog.overrides() == {}
    assert not is_bold(dialog, "mimo-v2-pro")


def test_letters_and_minus_signs_cannot_be_typed(qtbot: QtBot, make_dialog: MakeDialog) -> None:
    dialog = make_dialog()
    edit(qtbot, dialog, "mimo-v2-omni", INPUT_COLUMN, "-x2y.5")
    assert cell(dialog, "mimo-v2-omni", INPUT_COLUMN) == "2.5"


def test_a_blank_cached_rate_means_no_cached_rate(qtbot: QtBot, make_dialog: MakeDialog) -> None:
    dialog = make_dialog()
    edit(qtbot, dialog, "mimo-v2-flash", CACHED_COLUMN, "")
    assert cell(dialog, "mimo-v2-flash", CACHED_COLUMN) == ""
    assert dialog.ok_button.isEnabled()
    assert dialog.overrides() == {
        "mimo-v2-flash": {"input": 0.1, "cached_input": None, "output": 0.3}
    }


def test_a_catalogue_model_cannot_lose_its_input_price(
    qtbot: QtBot, make_dialog: MakeDialog
) -> None:
    dialog = make_dialog()
    edit(qtbot, dialog, "mimo-v2-pro", INPUT_COLUMN, "")
    assert not dialog.ok_button.isEnabled()
    assert dialog.problem.isVisible()
    assert "mimo-v2-pro" in dialog.problem.text()
    edit(qtbot, dialog, "mimo-v2-pro", INPUT_COLUMN, "1.25")
    assert dialog.ok_button.isEnabled()
    assert not dialog.problem.isVisible()
    assert dialog.overrides()["mimo-v2-pro"]["input"] == 1.25


def test_pricing_an_unpriced_model_needs_input_and_output(
    qtbot: QtBot, make_dialog: MakeDialog
) -> None:
    dialog = make_dialog()
    edit(qtbot, dialog, "mimo-v2.5-pro", CACHED_COLUMN, "0.1")
    assert not dialog.ok_button.isEnabled()  # a cached rate alone is no price
    edit(qtbot, dialog, "mimo-v2.5-pro", INPUT_COLUMN, "1")
    assert not dialog.ok_button.isEnabled()
    edit(qtbot, dialog, "mimo-v2.5-pro", OUTPUT_COLUMN, "4")
    assert dialog.ok_button.isEnabled()
    assert dialog.overrides() == {
        "mimo-v2.5-pro": {"input": 1.0, "cached_input": 0.1, "output": 4.0}
    }


def test_reset_puts_the_catalogue_prices_back(qtbot: QtBot, make_dialog: MakeDialog) -> None:
    dialog = make_dialog(
        {
            "mimo-v2-pro": {"input": 9.0, "output": 9.0},
            "local": {"input": 1.0, "output": 1.0},
        }
    )
    edit(qtbot, dialog, "mimo-v2-flash", INPUT_COLUMN, "")
    assert not dialog.ok_button.isEnabled()
    qtbot.mouseClick(dialog.reset_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible()
    assert dialog.overrides() == {}
    assert cell(dialog, "mimo-v2-pro", INPUT_COLUMN) == "1.00"
    assert cell(dialog, "local", INPUT_COLUMN) == ""
    assert not is_bold(dialog, "mimo-v2-pro")
    assert dialog.ok_button.isEnabled()


def test_cancel_rejects(qtbot: QtBot, make_dialog: MakeDialog) -> None:
    dialog = make_dialog()
    with qtbot.waitSignal(dialog.rejected):
        qtbot.keyClick(dialog.table, Qt.Key.Key_Escape)


def test_model_names_are_not_editable(qtbot: QtBot, make_dialog: MakeDialog) -> None:
    dialog = make_dialog()
    item = dialog.table.item(0, MODEL_COLUMN)
    assert item is not None
    qtbot.mouseDClick(
        dialog.table.viewport(),
        Qt.MouseButton.LeftButton,
        pos=dialog.table.visualItemRect(item).center(),
    )
    assert dialog.table.state() != dialog.table.State.EditingState
    assert item.text() == "mimo-v2-pro"
