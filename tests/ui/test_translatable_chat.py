"""The chat, its tools and their dialogs show only translatable text.

Each widget is opened while :class:`~tests.ui.i18n_check.CatalogueTranslator` marks every
text lupdate extracts from ``app/``; whatever shows up unmarked (and is not data: model
names, user text, tool names) could never be translated. See :mod:`tests.ui.i18n_check`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QApplication, QComboBox, QDialogButtonBox, QMenu, QWidget
from pytestqt.qtbot import QtBot

from app.api import translation
from app.core.builtin_tools import SPECS, shown_text
from app.core.catalogue import known_models, spec_for
from app.core.chat_settings import BUILTIN_PRESETS, ChatSettings, Preset, preset_label
from app.core.mcp_config import McpServerConfig
from app.core.tool_box import ToolBox
from app.core.tool_types import ToolSpec
from app.ui.chat_settings_dialog import ChatSettingsDialog
from app.ui.chat_view import ChatView
from app.ui.event_loop import AppEventLoop
from app.ui.mcp_server_form import McpServerDialog
from app.ui.model_picker import ModelPicker
from app.ui.prices_dialog import INPUT_COLUMN, PricesDialog
from app.ui.tool_card import ToolCallCard
from app.ui.tools_menu import ToolsButton
from app.ui.tools_settings_dialog import ToolsSettingsDialog
from tests.sim import Plan, Simulator
from tests.ui.conftest import RunningApp, start_app
from tests.ui.i18n_check import MARK_OPEN, CatalogueTranslator, catalogue, untranslated_texts

# Data shown as it is: the app's and the models' names.
DATA = frozenset({"MiMo Desktop"} | {spec.label for spec in known_models()})
# Qt's own texts (standard buttons): Qt's qtbase_<lang>.qm translates them.
QT_TEXTS = frozenset({"OK", "&OK", "Cancel", "&Cancel", "Restore Defaults"})
FILES = McpServerConfig("files", command="npx", args=("-y", "server-files"), env={"TOKEN": "x"})
WEATHER = McpServerConfig("weather", transport="http", url="http://127.0.0.1:8000/mcp")
FORECAST = ToolSpec(
    "weather__forecast", "The forecast", {}, source="weather", remote_name="forecast"
)
# The MCP form's examples: a command line and a URL.
EXAMPLES = frozenset(
    {"npx", "-y @modelcontextprotocol/server-filesystem ~/notes", "http://127.0.0.1:8000/mcp"}
)


def marked(text: str) -> bool:
    """Whether ``text`` went through the marking translator."""
    return text.startswith(MARK_OPEN)


def install_marker() -> CatalogueTranslator:
    marker = CatalogueTranslator(catalogue())
    QCoreApplication.installTranslator(marker)
    translation.install(QCoreApplication.translate)
    return marker


def remove_marker(marker: CatalogueTranslator) -> None:
    QCoreApplication.removeTranslator(marker)
    translation.install(None)


@pytest.fixture
def marker(qapp: QApplication) -> Iterator[CatalogueTranslator]:
    """A translator that marks every text lupdate can extract, installed for the test."""
    installed = install_marker()
    try:
        yield installed
    finally:
        remove_marker(installed)


@pytest.fixture
def marked_app(
    qtbot: QtBot, qloop: AppEventLoop, sim: Simulator, tmp_path: Path
) -> Iterator[RunningApp]:
    """The app built while a translator marks every text lupdate can extract."""
    installed = install_marker()
    try:
        yield from start_app(qtbot, qloop, sim, tmp_path)
    finally:
        remove_marker(installed)


def assert_translatable(
    widget: QWidget, allowed: Iterable[str] = (), *, visible_only: bool = True
) -> None:
    found = untranslated_texts(
        widget, allowed=DATA | QT_TEXTS | set(allowed), visible_only=visible_only
    )
    assert found == [], "\n".join(found)


def assert_menu_translatable(menu: QMenu, allowed: Iterable[str] = ()) -> None:
    """The menu's actions (the check walks menus through a widget's actions)."""
    holder = QWidget()
    holder.addActions(menu.actions())
    assert_translatable(holder, allowed, visible_only=False)
    assert marked(menu.accessibleName()), menu.accessibleName()


def assert_tooltips_marked(combo: QComboBox) -> None:
    tips = [combo.itemData(i, Qt.ItemDataRole.ToolTipRole) for i in range(combo.count())]
    assert tips and all(marked(tip) for tip in tips), tips


def show(qtbot: QtBot, widget: QWidget) -> None:
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)


# -- fixed data shown in the user's language ---------------------------------------------


def test_catalogue_summaries_capabilities_and_presets_are_translatable(
    marker: CatalogueTranslator,
) -> None:
    for spec in known_models():
        assert spec.summary_text() == f"⟦{spec.summary}⟧"
        assert all(marked(part) for part in spec.capability_text().split(" · "))
    assert marked(spec_for("some-new-model").summary_text())
    for preset in BUILTIN_PRESETS:
        assert preset_label(preset) == f"⟦{preset.name}⟧"


def test_builtin_tool_titles_and_descriptions_are_translatable(
    marker: CatalogueTranslator,
) -> None:
    for spec in SPECS:
        assert shown_text(spec.title) == f"⟦{spec.title}⟧"
        assert shown_text(spec.description) == f"⟦{spec.description}⟧"
    assert shown_text("An MCP tool's own text") == "An MCP tool's own text"


def test_problems_of_an_mcp_server_entry_are_translatable(marker: CatalogueTranslator) -> None:
    broken = McpServerConfig("bad name!", command=" ", timeout=0)
    assert len(broken.problems()) == 3
    assert all(marked(problem) for problem in broken.problems())
    assert marked(McpServerConfig("web", transport="http", url="ftp://x").problems()[0])


def test_long_lived_widgets_follow_a_language_switch(qtbot: QtBot) -> None:
    view, picker, button = ChatView(), ModelPicker(), ToolsButton()
    picker.set_models(known_models(), "mimo-v2-pro")
    button.set_tools([*SPECS, FORECAST], ["calculate"])
    for widget in (view, picker, button):
        show(qtbot, widget)
    assert untranslated_texts(picker, allowed=DATA)  # English until the switch
    installed = install_marker()
    try:
        qtbot.waitUntil(lambda: marked(picker.label.text()))
        for widget in (view, picker, button):
            assert_translatable(widget, {"The forecast", "forecast", "weather"})
        assert_tooltips_marked(picker.combo)
        assert_menu_translatable(button.tools_menu, {"The forecast", "forecast", "weather"})
    finally:
        remove_marker(installed)
    qtbot.waitUntil(lambda: not marked(picker.label.text()))


# -- the main window ---------------------------------------------------------------------


def test_model_picker_and_tools_button_are_translatable(
    marked_app: RunningApp, qloop: AppEventLoop
) -> None:
    window = marked_app.window
    window.show()
    marked_app.qtbot.waitExposed(window)
    picker, button = window.model_picker, window.composer.tools_button
    assert_translatable(picker)
    assert_tooltips_marked(picker.combo)
    assert marked(picker.combo.toolTip()) and marked(picker.capabilities.text())
    assert_translatable(button)
    assert_menu_translatable(button.tools_menu)

    # An MCP server's tools (its own texts are data) and one that could not start.
    box = ToolBox(servers=[McpServerConfig("broken", command="")])
    refreshing = qloop.create_task(box.refresh())
    marked_app.qtbot.waitUntil(refreshing.done)
    refreshing.result()
    assert all(marked(error) for error in box.server_errors().values())
    button.set_tools([*box.specs(), FORECAST], ["calculate"], box.server_errors())
    assert_translatable(button, {"The forecast", "forecast", "weather"})
    assert_menu_translatable(button.tools_menu, {"The forecast", "forecast", "weather"})


def test_a_streamed_reply_with_reasoning_and_code_is_translatable(
    marked_app: RunningApp,
) -> None:
    app, window = marked_app, marked_app.window
    view = window.chat_view
    window.show()
    app.parts.chat.set_thinking(True)
    app.sim.default_plan = Plan(
        reasoning="First I think about it hard.",
        content="Here:\n\n```python\nprint(42)\n```\n",
        pause_after=4,
    )
    question = "Hello there"
    app.send(question)
    app.qtbot.waitUntil(
        lambda: bool(app.replies()) and not app.replies()[-1].reasoning_toggle.isHidden()
    )
    reply = app.replies()[-1]
    assert reply.reasoning_toggle.isVisible()
    assert_translatable(view, {question})  # "Thinking…", the reasoning still open
    app.sim.release()
    app.wait_idle()

    assert reply.reasoning_toggle.isVisible() and reply.copy_button.isVisible()
    assert reply.usage.text()
    assert_translatable(view, {question})
    assert marked(reply.usage.toolTip())
    assert "⟦Copy⟧" in reply.body.toPlainText()  # the code block's Copy link


def test_a_retry_countdown_and_an_error_card_are_translatable(marked_app: RunningApp) -> None:
    app, view = marked_app, marked_app.window.chat_view
    app.window.show()
    app.sim.enqueue(Plan(status=429, retry_after="3"), Plan(status=400))
    app.send("Hello there")
    app.qtbot.waitUntil(lambda: bool(app.sleep.delays))
    reply = app.replies()[-1]
    app.qtbot.waitUntil(lambda: "3" in reply.status.text())
    assert marked(reply.status.text())  # "Rate limited: retrying in 3 s…"
    assert_translatable(view, {"Hello there"})
    app.sleep.release()
    app.wait_idle()

    (card,) = app.error_cards()
    assert card.retry_button.isVisible()
    assert_translatable(view, {"Hello there"})


def test_tool_call_cards_approved_and_denied_are_translatable(marked_app: RunningApp) -> None:
    app, view = marked_app, marked_app.window.chat_view
    app.window.show()
    chat = app.parts.chat
    chat.apply_settings(replace(chat.settings, tools=("calculate", "current_time")))
    data = {"What is 6*7?", "What time is it?", "calculate", "current_time"}

    def cards() -> list[ToolCallCard]:
        return [bubble for bubble in view.bubbles if isinstance(bubble, ToolCallCard)]

    def answer(index: int, button: str) -> None:
        app.qtbot.waitUntil(lambda: len(cards()) > index and cards()[index].waiting)
        card = cards()[index]
        assert card.consent.isVisible()
        assert_translatable(view, data)  # the consent row, the arguments
        app.qtbot.mouseClick(getattr(card, button), Qt.MouseButton.LeftButton)

    app.sim.enqueue(
        Plan(tool_calls=[{"name": "calculate", "arguments": '{"expression": "6*7"}'}]),
        Plan(content="It is 42."),
        Plan(tool_calls=[{"name": "current_time", "arguments": "{}"}]),
        Plan(content="Understood."),
    )
    app.send("What is 6*7?")
    answer(0, "allow_button")
    app.wait_idle()
    assert cards()[0].outcome == "ok"
    cards()[0].set_expanded(True)
    assert_translatable(view, data)

    app.send("What time is it?")
    answer(1, "deny_button")
    app.wait_idle()
    assert cards()[1].outcome == "denied"
    cards()[1].set_expanded(True)
    assert_translatable(view, data)


# -- dialogs -----------------------------------------------------------------------------


def test_chat_settings_dialog_is_translatable(qtbot: QtBot, marker: CatalogueTranslator) -> None:
    settings = ChatSettings(model="mimo-v2-pro", system_prompt="Be brief.", temperature=0.7)
    mine = Preset("Mine", ChatSettings(model="mimo-v2-flash"))
    dialog = ChatSettingsDialog(settings, known_models(), [mine])
    show(qtbot, dialog)
    assert_translatable(dialog, {"Mine"})
    assert_tooltips_marked(dialog.model_combo)
    combo = dialog.preset_combo
    assert all(
        marked(combo.itemText(i)) for i in range(combo.count()) if combo.itemData(i) != "Mine"
    )

    dialog.start_saving_preset()  # the inline name row, with its hint
    assert dialog.preset_name_hint.isVisible()
    assert_translatable(dialog, {"Mine"})
    dialog.preset_name.setText("Mine")
    assert marked(dialog.preset_name_hint.text())  # "Saving replaces…"
    dialog.cancel_saving_preset()

    unknown = ChatSettingsDialog(ChatSettings(model="my-own-model"), known_models(), [])
    show(qtbot, unknown)
    assert_translatable(unknown, {"my-own-model"})


def test_prices_dialog_is_translatable(qtbot: QtBot, marker: CatalogueTranslator) -> None:
    dialog = PricesDialog({}, ["my-own-model"])
    show(qtbot, dialog)
    assert_translatable(dialog)
    item = dialog.table.item(0, INPUT_COLUMN)
    assert item is not None
    item.setText("")  # a row with only an output price: a problem is shown
    assert dialog.problem.isVisible()
    assert_translatable(dialog)
    assert dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).isEnabled() is False


def test_tools_settings_dialog_is_translatable(
    qtbot: QtBot, marker: CatalogueTranslator, qloop: AppEventLoop, tmp_path: Path
) -> None:
    async def probe(server: McpServerConfig) -> list[ToolSpec]:
        await asyncio.sleep(0)
        return [FORECAST]

    dialog = ToolsSettingsDialog(
        folder=str(tmp_path / "gone"),
        rounds=8,
        servers=[FILES, WEATHER],
        always_allowed=["list_files", "weather__forecast"],
        probe=probe,
    )
    show(qtbot, dialog)
    assert dialog.folder_note.isVisible()  # "There is no such folder."
    data = {str(tmp_path / "gone"), "list_files", "forecast · weather"}
    assert_translatable(dialog, data)
    item = dialog.server_list.topLevelItem(1)
    assert item is not None
    dialog.server_list.setCurrentItem(item)
    assert marked(dialog.test_button.toolTip())
    qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "forecast" in dialog.test_result.text())
    assert_translatable(dialog, data)
    headers = dialog.server_list.headerItem()
    assert all(marked(headers.text(column)) for column in range(3))


def test_mcp_server_form_is_translatable(qtbot: QtBot, marker: CatalogueTranslator) -> None:
    new = McpServerDialog(taken=["files"])
    show(qtbot, new)
    assert new.problems.isVisible()
    assert all(marked(problem) for problem in new.problem_list())
    assert_translatable(new, EXAMPLES)

    edit = McpServerDialog(FILES, taken=["files"])  # a taken name, a bad variable name
    show(qtbot, edit)
    edit.env.add_row("1BAD", "v")
    assert all(marked(problem) for problem in edit.problem_list())
    assert_translatable(edit, EXAMPLES | {"files", "npx", "-y server-files"})
    edit.http.setChecked(True)
    assert_translatable(edit, EXAMPLES | {"files"})
    header = edit.env.horizontalHeaderItem(0)
    assert header is not None and marked(header.text())
