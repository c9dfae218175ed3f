"""Wiring of the look, the help and Settings: theme, language, preferences, network,
shortcuts, about.

Part of the one wiring place (:func:`app.ui.wiring.connect_signals` calls it). A theme
or language switch re-renders the open conversation, so its bubbles (made once, with
colours and words of their time) follow the rest of the window.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QMessageBox

from app.api.translation import translate
from app.ui.conversation_display import show_conversation
from app.ui.network_dialog import open_network_settings
from app.ui.preferences_dialog import PreferencesDialog
from app.ui.shortcuts_dialog import ShortcutsDialog
from app.ui.tasks import TaskSet

if TYPE_CHECKING:
    from app.ui.wiring import AppParts


def app_version() -> str:
    from importlib import metadata

    try:
        return metadata.version("mimo-desktop")
    except metadata.PackageNotFoundError:
        return "0.0.0+source"


def connect_look(parts: AppParts) -> None:
    window, prefs, look, chat = parts.window, parts.preferences, parts.look, parts.chat
    view = window.chat_view
    window.show_theme_choice(prefs.settings.theme)
    window.show_language_choice(prefs.settings.language)

    def rerender() -> None:
        if chat.conversation.id is not None and not chat.busy:
            show_conversation(view, chat.conversation, prefs.price_table())

    def choose_theme(choice: str) -> None:
        window.show_theme_choice(choice)
        if choice != prefs.settings.theme:
            prefs.update(theme=choice)
        look.theme.apply(choice)

    def choose_language(choice: str) -> None:
        window.show_language_choice(choice)
        if choice != prefs.settings.language:
            prefs.update(language=choice)
        before = look.translations.language
        if look.translations.apply(choice) != before:
            rerender()

    def speak_selection() -> None:
        text = window.selected_text().strip()
        if not text:
            window.show_status(translate("Wiring", "Select some text to speak first."))
            return
        parts.speech.speak(window.tts_panel.template(text))

    def open_shortcuts() -> None:
        menus = [
            window.file_menu,
            window.edit_menu,
            window.chat_menu,
            window.view_menu,
            window.settings_menu,
            window.help_menu,
        ]
        first, last = window.model_actions[0], window.model_actions[-1]
        keys = f"{first.shortcut().toString()} … {last.shortcut().toString()}"
        dialog = ShortcutsDialog(menus, keys, window)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()

    def open_about() -> None:
        box = QMessageBox(window)
        box.setObjectName("aboutBox")
        box.setWindowTitle(translate("Wiring", "About MiMo Desktop"))
        box.setIconPixmap(window.windowIcon().pixmap(64, 64))
        box.setText(
            translate("Wiring", "<b>MiMo Desktop</b> {version}").format(version=app_version())
        )
        box.setInformativeText(
            translate(
                "Wiring",
                "A native app for chatting with and listening to the MiMo models. "
                "Your conversations stay on this computer; your API key stays in the "
                "system keyring.",
            )
        )
        box.finished.connect(box.deleteLater)
        box.open()

    def open_preferences() -> None:
        dialog = PreferencesDialog(prefs.settings, window)
        more = {
            "keys": window.key_action,
            "network": window.network_action,
            "tools": window.tools_action,
            "prices": window.prices_action,
        }

        def open_more(name: str) -> None:
            dialog.reject()
            more[name].trigger()

        def accepted() -> None:
            choices = dialog.choices()
            choose_theme(choices.theme)
            choose_language(choices.language)
            if choices.auto_titles != window.auto_titles_action.isChecked():
                window.auto_titles_action.setChecked(choices.auto_titles)
            if choices.auto_read != window.auto_read_action.isChecked():
                window.auto_read_action.setChecked(choices.auto_read)

        dialog.moreRequested.connect(open_more)
        dialog.accepted.connect(accepted)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()

    window.themeChosen.connect(choose_theme)
    window.languageChosen.connect(choose_language)
    look.theme.themeChanged.connect(lambda _dark: rerender())
    window.speak_selection_action.triggered.connect(speak_selection)
    window.shortcuts_action.triggered.connect(open_shortcuts)
    window.about_action.triggered.connect(open_about)
    window.preferences_action.triggered.connect(open_preferences)
    tasks = TaskSet()

    def open_network() -> None:
        open_network_settings(window, prefs, parts.connection, tasks, window.show_status)

    window.network_action.triggered.connect(open_network)
    window.closing.connect(tasks.cancel_all)
