"""The tool call card: consent, the running clock, results, long and malformed text."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QPushButton, QWidget
from pytestqt.qtbot import QtBot

from app.core.tool_types import Consent, ToolCall, ToolResult
from app.ui import tool_card
from app.ui.style import STYLE_SHEET
from app.ui.tool_card import MAX_LINES, TOOL_CARD_QSS, ToolCallCard

READ = ToolCall("call_1", "read_text_file", '{"path": "notes.md"}')
MakeCard = Callable[..., ToolCallCard]


@pytest.fixture
def make_card(qtbot: QtBot) -> MakeCard:
    def make(call: ToolCall = READ, **kwargs: str) -> ToolCallCard:
        card = ToolCallCard(call, **kwargs)
        qtbot.addWidget(card)
        card.resize(520, 300)
        card.show()
        qtbot.waitExposed(card)
        return card

    return make


@pytest.fixture
def app_style(qapp: QApplication) -> Iterator[None]:
    """The app's style sheet with the cards' rules, as the lead appends them."""
    before = qapp.styleSheet()
    qapp.setStyleSheet(STYLE_SHEET + TOOL_CARD_QSS)
    yield
    qapp.setStyleSheet(before)


def click(qtbot: QtBot, widget: QWidget) -> None:
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


@pytest.mark.parametrize(
    ("button", "consent", "status"),
    [
        ("allow_button", Consent.ALLOW_ONCE, "Allowed"),
        ("always_button", Consent.ALWAYS, "Allowed"),
        ("deny_button", Consent.DENY, "Denied"),
    ],
)
def test_each_consent_button_emits_its_answer_and_the_row_hides(
    qtbot: QtBot, make_card: MakeCard, button: str, consent: Consent, status: str
) -> None:
    card = make_card()
    card.ask_consent()
    assert card.waiting
    assert card.expanded  # the user sees the arguments before deciding
    assert card.status_text == "Waiting for your approval"
    assert card.consent.isVisible()
    with qtbot.waitSignal(card.decided) as decided:
        click(qtbot, getattr(card, button))
    assert decided.args == [consent.value]
    assert not card.consent.isVisible()
    assert not card.waiting
    assert card.status_text == status


def test_a_second_click_after_deciding_emits_nothing(qtbot: QtBot, make_card: MakeCard) -> None:
    card = make_card()
    card.ask_consent()
    answers: list[str] = []
    card.decided.connect(answers.append)
    click(qtbot, card.allow_button)
    card.allow_button.click()  # hidden, but a programmatic click still arrives
    assert answers == ["allow_once"]


def test_the_consent_buttons_name_the_tool(make_card: MakeCard) -> None:
    card = make_card(ToolCall("c", "read_text_file", "{}"), title="Read a file")
    card.ask_consent()
    assert card.always_button.text() == "Always allow “Read a file”"
    names = [b.accessibleName() for b in (card.allow_button, card.always_button, card.deny_button)]
    assert names == [
        "Allow Read a file this once",
        "Always allow Read a file",
        "Deny this call of Read a file",
    ]


@pytest.mark.parametrize("key", [Qt.Key.Key_Space, Qt.Key.Key_Return], ids=["space", "return"])
def test_allow_once_is_reached_with_tab_and_pressed_with_the_keyboard(
    qtbot: QtBot, make_card: MakeCard, key: Qt.Key
) -> None:
    card = make_card()
    card.ask_consent()
    card.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is card)
    card.toggle.setFocus(Qt.FocusReason.TabFocusReason)
    for _ in range(10):
        if card.allow_button.hasFocus():
            break
        focused = QApplication.focusWidget()
        assert focused is not None
        qtbot.keyClick(focused, Qt.Key.Key_Tab)
    assert card.allow_button.hasFocus()
    with qtbot.waitSignal(card.decided) as decided:
        qtbot.keyClick(card.allow_button, key)
    assert decided.args == ["allow_once"]


def test_the_running_status_counts_seconds_until_the_result(
    qtbot: QtBot, make_card: MakeCard, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = [100.0]
    monkeypatch.setattr(tool_card, "monotonic", lambda: now[0])
    monkeypatch.setattr(ToolCallCard, "TICK_MS", 10)
    card = make_card()
    assert not card.ticking
    card.set_running()
    assert card.ticking
    assert card.status_text == "Running… 0 s"
    now[0] = 103.4
    qtbot.waitUntil(lambda: card.status_text == "Running… 3 s", timeout=2000)
    card.set_result(ToolResult("fine", "ok", 3.4))
    assert not card.ticking
    assert card.status_text == "Done in 3.4 s"


def test_asking_consent_stops_no_clock_and_running_hides_the_consent_row(
    make_card: MakeCard,
) -> None:
    card = make_card()
    card.ask_consent()
    assert not card.ticking
    card.set_running()  # e.g. the tool was allowed elsewhere
    assert not card.consent.isVisible()
    assert card.ticking


@pytest.mark.parametrize(
    ("result", "status"),
    [
        (ToolResult('{"lines": 3}', "ok", 0.4), "Done in 0.4 s"),
        (ToolResult("No such file: notes.md", "error", 0.02), "Failed"),
        (ToolResult("The user denied this tool call.", "denied"), "Denied"),
        (ToolResult("No answer", "timeout", 30.0), "Timed out after 30 s"),
        (ToolResult("slow but fine", "ok", 12.3), "Done in 12 s"),
    ],
)
def test_each_result_says_how_the_call_ended(
    make_card: MakeCard, result: ToolResult, status: str
) -> None:
    card = make_card()
    card.set_running()
    card.set_result(result)
    assert card.status_text == status
    assert card.outcome == result.outcome
    assert card.property("outcome") == result.outcome
    assert card.result.text.property("outcome") == result.outcome
    assert not card.expanded  # folded once finished
    assert not card.ticking


def test_errors_are_styled_as_errors_by_the_style_sheet(
    app_style: None, make_card: MakeCard
) -> None:
    card = make_card()
    ok = make_card()
    card.set_result(ToolResult("boom", "error", 0.1))
    ok.set_result(ToolResult("fine", "ok", 0.1))
    red = QColor("#dc2626")
    assert card.status.palette().color(QPalette.ColorRole.WindowText) == red
    assert ok.status.palette().color(QPalette.ColorRole.WindowText) != red
    assert all(w.styleSheet() == "" for w in [card, *card.findChildren(QWidget)])


def test_a_card_restored_from_history_shows_its_result_without_asking(
    make_card: MakeCard,
) -> None:
    card = make_card()
    card.set_result(ToolResult("4 files", "ok", 0.1))
    assert not card.consent.isVisible()
    assert not card.waiting
    assert card.result_text == "4 files"
    card.set_expanded(True)
    assert card.result.text.isVisible()
    assert card.result.text.toPlainText() == "4 files"


def test_a_card_the_user_opened_stays_open_when_the_result_comes(
    qtbot: QtBot, make_card: MakeCard
) -> None:
    card = make_card()
    card.set_running()
    assert not card.expanded
    click(qtbot, card.toggle)
    assert card.expanded and card.body.isVisible()
    card.set_result(ToolResult("done", "ok", 1.0))
    assert card.expanded


def test_a_long_result_is_cut_to_forty_lines_until_show_all(
    qtbot: QtBot, make_card: MakeCard
) -> None:
    card = make_card()
    content = "\n".join(f"line {n}" for n in range(1, 101))
    card.set_result(ToolResult(content, "ok", 0.2))
    card.set_expanded(True)
    shown = card.result.text.toPlainText().splitlines()
    assert shown[:MAX_LINES] == [f"line {n}" for n in range(1, MAX_LINES + 1)]
    assert shown[MAX_LINES:] == ["…"]
    assert card.result.show_all.isVisible()
    assert card.result.show_all.text() == "Show all (60 more lines)"
    click(qtbot, card.result.show_all)
    assert card.result.text.toPlainText() == content
    assert card.result.show_all.text() == "Show less"
    click(qtbot, card.result.show_all)
    assert len(card.result.text.toPlainText().splitlines()) == MAX_LINES + 1
    assert card.result_text == content


def test_a_short_result_has_no_show_all(make_card: MakeCard) -> None:
    card = make_card()
    card.set_result(ToolResult("one line", "ok", 0.2))
    card.set_expanded(True)
    assert not card.result.show_all.isVisible()


def test_json_arguments_and_results_are_pretty_printed(make_card: MakeCard) -> None:
    card = make_card(ToolCall("c", "f", '{"b":[1,2],"a":"é"}'))
    assert card.arguments_text == json.dumps({"b": [1, 2], "a": "é"}, indent=2, ensure_ascii=False)
    assert not card.arguments.note.isVisibleTo(card)
    card.set_result(ToolResult('{"ok":true}', "ok", 0.1))
    assert card.result_text == '{\n  "ok": true\n}'


@pytest.mark.parametrize("arguments", ['{"path": "notes.md"', "[1, 2]", "not json"])
def test_arguments_that_are_no_json_object_are_shown_raw_with_a_note(
    make_card: MakeCard, arguments: str
) -> None:
    card = make_card(ToolCall("c", "read_text_file", arguments))
    card.ask_consent()
    assert card.arguments_text == arguments
    assert card.arguments.text.toPlainText() == arguments
    assert card.arguments.note.isVisible()
    assert "not a valid JSON object" in card.arguments.note.text()


def test_empty_arguments_read_as_an_empty_object(make_card: MakeCard) -> None:
    card = make_card(ToolCall("c", "list_files", ""))
    assert card.arguments_text == "{}"
    assert not card.arguments.note.isVisibleTo(card)


def test_mcp_tools_are_named_with_their_server(make_card: MakeCard) -> None:
    card = make_card(ToolCall("c", "weather__forecast", "{}"), source="weather")
    assert card.title_label.text() == "forecast · weather"
    titled = make_card(ToolCall("c", "weather__forecast", "{}"), source="weather", title="Fc")
    assert titled.title_label.text() == "Fc · weather"
    builtin = make_card(ToolCall("c", "list_files", "{}"))
    assert builtin.title_label.text() == "list_files"


def test_the_text_is_selectable_and_grows_instead_of_scrolling(make_card: MakeCard) -> None:
    card = make_card()
    card.set_result(ToolResult("\n".join("x" * 10 for _ in range(20)), "ok", 0.1))
    card.set_expanded(True)
    view = card.result.text
    flags = view.textInteractionFlags()
    assert flags & Qt.TextInteractionFlag.TextSelectableByMouse
    assert flags & Qt.TextInteractionFlag.TextSelectableByKeyboard
    assert view.isReadOnly()
    assert view.height() >= view.fontMetrics().lineSpacing() * 20
    assert view.verticalScrollBar().maximum() == 0


def test_every_button_has_an_accessible_name(make_card: MakeCard) -> None:
    card = make_card()
    card.ask_consent()
    buttons = [*card.findChildren(QPushButton), card.toggle]
    assert all(button.accessibleName() for button in buttons)
    assert card.toggle.accessibleName() == "Hide the details"
