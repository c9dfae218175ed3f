"""The one place where widgets and controllers are connected (signals to slots)."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QObject

from app.api.events import Usage
from app.api.translation import translate
from app.core.catalogue import CostSummary, spec_for
from app.core.chat_settings import ChatSettings, presets_from_settings, presets_to_json
from app.core.connection import Connection
from app.core.conversation import Conversation
from app.core.malloc_tuning import release_free_memory
from app.core.paths import AppPaths
from app.ui.attachment_controller import AttachmentController
from app.ui.chat_controller import ChatController
from app.ui.chat_settings_dialog import ChatSettingsDialog
from app.ui.conversation_display import show_conversation, show_earlier, usage_summary
from app.ui.history_controller import HistoryController
from app.ui.key_controller import KeyController
from app.ui.key_dialog import KeyDialog
from app.ui.look import Look
from app.ui.main_window import MainWindow
from app.ui.models_controller import ModelsController
from app.ui.preferences import Preferences
from app.ui.prices_dialog import PricesDialog
from app.ui.speech_controller import SpeechController
from app.ui.title_controller import TitleController
from app.ui.tool_runner import ToolRunner
from app.ui.transfer_controller import TransferController, file_dialog, file_name_for
from app.ui.wiring_attachments import connect_attachments, send_draft
from app.ui.wiring_look import connect_look
from app.ui.wiring_speech import connect_speech
from app.ui.wiring_tools import connect_tools


@dataclass
class AppParts:
    """Every long-lived object of the running app."""

    window: MainWindow
    chat: ChatController
    models: ModelsController
    keys: KeyController
    preferences: Preferences
    connection: Connection
    paths: AppPaths
    history: HistoryController
    transfer: TransferController
    titles: TitleController
    attachments: AttachmentController
    speech: SpeechController
    tools: ToolRunner
    look: Look


class KeyDialogOpener(QObject):
    """Opens at most one key dialog at a time (window-modal, never a nested loop)."""

    def __init__(self, parts: AppParts) -> None:
        super().__init__(parts.window)
        self._parts = parts
        self.dialog: KeyDialog | None = None

    def open(self, reason: str = "") -> None:
        if self.dialog is not None:
            self.dialog.set_reason(reason)
            self.dialog.raise_()
            return
        settings = self._parts.preferences.settings
        dialog = KeyDialog(
            provider_id=settings.provider_id,
            base_url=self._parts.connection.base_url,
            wire=self._parts.connection.wire,
            reason=reason,
            storage_warning=self._parts.keys.storage_warning,
            keys=self._parts.keys.book,
            parent=self._parts.window,
        )
        dialog.accepted.connect(lambda: self._parts.keys.save(dialog.entry()))
        dialog.finished.connect(self._closed)
        self.dialog = dialog
        dialog.open()

    def _closed(self, _result: int) -> None:
        if self.dialog is not None:
            self.dialog.deleteLater()
        self.dialog = None


class PendingFocus:
    """The message a conversation being opened should show (search), taken once."""

    def __init__(self) -> None:
        self._position: int | None = None

    def set(self, position: int | None) -> None:
        self._position = position

    def pop(self) -> int | None:
        position, self._position = self._position, None
        return position


def connect_signals(parts: AppParts) -> KeyDialogOpener:
    """Connect everything; returns the key-dialog opener (tests drive it)."""
    window, chat, models, keys, prefs = (
        parts.window,
        parts.chat,
        parts.models,
        parts.keys,
        parts.preferences,
    )
    view, composer, picker = window.chat_view, window.composer, window.model_picker
    sidebar, search, history = window.sidebar, window.search_dialog, parts.history
    transfer, titles = parts.transfer, parts.titles
    key_dialog = KeyDialogOpener(parts)
    pending_focus = PendingFocus()

    def model_changed(model_id: str) -> None:
        chat.set_model(model_id)
        prefs.update(model=model_id)  # the model of the next new chat
        sync_thinking()

    def sync_thinking() -> None:
        """The Thinking box shows the chat's choice, or the model's default."""
        default = spec_for(chat.model).thinking_default
        window.thinking.setEnabled(default is not None)
        chosen = chat.thinking
        window.thinking.blockSignals(True)
        window.thinking.setChecked(bool(default if chosen is None else chosen))
        window.thinking.blockSignals(False)

    def thinking_toggled(checked: bool) -> None:
        chat.set_thinking(checked)
        prefs.update(thinking=checked)

    def settings_changed(settings: ChatSettings) -> None:
        picker.blockSignals(True)
        picker.select(settings.model)
        picker.blockSignals(False)
        sync_thinking()

    def open_chat_settings() -> None:
        dialog = ChatSettingsDialog(
            chat.settings, picker.specs(), presets_from_settings(prefs.settings), window
        )
        dialog.accepted.connect(lambda: chat.apply_settings(dialog.result_settings()))
        dialog.presetsChanged.connect(
            lambda presets: prefs.update(presets=presets_to_json(presets))
        )
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()

    def open_prices() -> None:
        dialog = PricesDialog(prefs.settings.prices, [spec.id for spec in picker.specs()], window)
        dialog.accepted.connect(lambda: prices_changed(dialog.overrides()))
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()

    def prices_changed(overrides: dict[str, dict[str, float | None]]) -> None:
        prefs.update(prices=overrides)
        if chat.conversation.id is not None:
            show_loaded(chat.conversation)  # the replies' footers, at the new prices

    def title_suggested(conv_id: str, title: str) -> None:
        if chat.conversation.id == conv_id:
            chat.conversation.title = title
        history.rename(conv_id, title)

    def show_cost(conv_id: str, summary: CostSummary) -> None:
        if conv_id == chat.conversation.id:
            window.show_cost(summary)

    def reply_finished(status: str, finish_reason: str) -> None:
        view.finish_reply(status, finish_reason)
        conversation = chat.conversation
        if conversation.id is not None:
            history.load_usage(conversation.id, prefs.price_table())
            first_reply = [m.role for m in conversation.messages] == ["user", "assistant"]
            if prefs.settings.auto_titles and status == "complete" and first_reply:
                titles.suggest(conversation.id, conversation.messages[0].content)
        notes = {
            "length": translate("Wiring", "The reply stopped at the output limit."),
            "content_filter": translate("Wiring", "The reply was stopped by the content filter."),
            "repetition_truncation": translate(
                "Wiring", "The reply was cut off for repeating itself."
            ),
        }
        if finish_reason in notes:
            window.show_status(notes[finish_reason])

    def new_chat() -> None:
        chat.new_conversation()
        view.clear()
        window.show_cost(CostSummary())
        sidebar.set_current(None)
        composer.edit.setFocus()

    def show_usage(usage: Usage) -> None:
        if view.current_reply is not None:
            view.current_reply.set_usage(*usage_summary(usage, chat.model, prefs.price_table()))

    def show_loaded(conversation: Conversation) -> None:
        show_conversation(view, conversation, prefs.price_table(), focus=pending_focus.pop())
        sidebar.set_current(conversation.id)
        window.show_cost(CostSummary())
        if conversation.id is not None:
            history.load_usage(conversation.id, prefs.price_table())

    def open_saved(conversation: Conversation, message_id: str) -> None:
        position = conversation.position_of(message_id) if message_id else None
        pending_focus.set(position)
        chat.load(conversation)
        if position is not None:
            view.scroll_to_message(position)
        else:
            composer.edit.setFocus()

    def conversation_saved(conv_id: str) -> None:
        history.refresh_one(conv_id)
        sidebar.set_current(conv_id)

    def delete_conversation(conv_id: str) -> None:
        if chat.conversation.id == conv_id:
            new_chat()
        history.delete(conv_id)

    def conversation_deleted(_conv_id: str, title: str) -> None:
        sidebar.show_deleted(title)
        window.undo_delete_action.setEnabled(True)

    def undo_delete() -> None:
        sidebar.hide_undo()
        history.undo_delete()

    def open_search() -> None:
        search.open_fresh()

    def ask_export(conv_id: str | None, kind: str) -> None:
        if conv_id is None:
            window.show_status(
                translate("Wiring", "Nothing to export yet: this chat has no messages.")
            )
            return
        row = sidebar.model.row(conv_id)
        title = row.title if row is not None else chat.conversation.title
        dialog = file_dialog(window, saving=True, kind=kind, suggested=file_name_for(title, kind))
        dialog.fileSelected.connect(
            lambda path: transfer.export(conv_id, "json" if kind == "json" else "markdown", path)
        )
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()

    def ask_import() -> None:
        dialog = file_dialog(window, saving=False, kind="json")
        dialog.fileSelected.connect(transfer.import_file)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()

    def imported(conv_id: str) -> None:
        history.refresh_one(conv_id)
        history.open(conv_id)
        window.show_status(translate("Wiring", "Conversation imported."))

    # composer and window actions -> chat
    composer.sendRequested.connect(lambda text: send_draft(parts, text))  # see wiring_attachments
    composer.stopRequested.connect(chat.stop)
    window.stop_action.triggered.connect(chat.stop)
    window.new_chat_action.triggered.connect(new_chat)
    window.quit_action.triggered.connect(window.close)
    window.key_action.triggered.connect(lambda: key_dialog.open())
    window.closing.connect(chat.shutdown)
    view.retryRequested.connect(chat.retry)
    view.earlierRequested.connect(
        lambda: show_earlier(view, chat.conversation, prefs.price_table())
    )
    view.editRequested.connect(chat.edit)
    view.regenerateRequested.connect(chat.regenerate)
    view.branchRequested.connect(chat.switch_branch)
    picker.modelChanged.connect(model_changed)
    window.thinking.toggled.connect(thinking_toggled)
    # chat -> view
    chat.conversationLoaded.connect(show_loaded)
    chat.settingsChanged.connect(settings_changed)
    chat.truncated.connect(view.truncate)
    chat.branchChanged.connect(view.set_branch)
    chat.busyChanged.connect(view.set_busy)
    chat.conversationSaved.connect(conversation_saved)
    chat.notice.connect(window.show_status)
    chat.userMessageAdded.connect(view.add_user_message)
    chat.replyStarted.connect(lambda model_id: view.begin_reply(spec_for(model_id).label))
    chat.replyDelta.connect(view.append_reply)
    chat.replyPreparing.connect(view.show_preparing)
    chat.replyRetrying.connect(view.show_retrying)
    chat.replyFinished.connect(reply_finished)
    chat.replyFailed.connect(view.show_error)
    chat.usageReported.connect(show_usage)
    chat.busyChanged.connect(composer.set_busy)
    chat.busyChanged.connect(lambda busy: None if busy else release_free_memory())
    chat.authFailed.connect(key_dialog.open)
    # history: sidebar and search
    sidebar.openRequested.connect(history.open)
    sidebar.renameRequested.connect(history.rename)
    sidebar.pinRequested.connect(history.set_pinned)
    sidebar.deleteRequested.connect(delete_conversation)
    sidebar.undoRequested.connect(undo_delete)
    sidebar.new_chat_button.clicked.connect(new_chat)
    sidebar.search_button.clicked.connect(open_search)
    window.search_action.triggered.connect(open_search)
    window.undo_delete_action.triggered.connect(undo_delete)
    window.closing.connect(history.shutdown)
    window.closing.connect(transfer.shutdown)
    window.export_markdown_action.triggered.connect(
        lambda: ask_export(chat.conversation.id, "markdown")
    )
    window.export_json_action.triggered.connect(lambda: ask_export(chat.conversation.id, "json"))
    window.import_action.triggered.connect(ask_import)
    sidebar.exportRequested.connect(ask_export)
    transfer.exported.connect(
        lambda path: window.show_status(translate("Wiring", "Exported to {0}").format(path))
    )
    transfer.imported.connect(imported)
    transfer.failed.connect(window.show_status)
    search.queryChanged.connect(history.search)
    search.hitActivated.connect(history.open)
    history.listLoaded.connect(sidebar.model.set_rows)
    history.rowChanged.connect(sidebar.model.upsert)
    history.rowRemoved.connect(sidebar.model.remove)
    history.deleted.connect(conversation_deleted)
    history.conversationOpened.connect(open_saved)
    history.searchFinished.connect(search.set_results)
    history.usageLoaded.connect(show_cost)
    window.chat_settings_action.triggered.connect(open_chat_settings)
    window.settings_button.clicked.connect(open_chat_settings)
    window.prices_action.triggered.connect(open_prices)
    window.auto_titles_action.setChecked(prefs.settings.auto_titles)
    window.auto_titles_action.toggled.connect(lambda on: prefs.update(auto_titles=on))
    titles.titleSuggested.connect(title_suggested)
    window.closing.connect(titles.shutdown)
    history.failed.connect(window.show_status)
    # keys and models
    keys.keyMissing.connect(key_dialog.open)
    keys.keyReady.connect(models.refresh)
    keys.storageWarning.connect(window.show_storage_warning)
    keys.saveFailed.connect(window.show_status)
    models.modelsChanged.connect(lambda specs: picker.set_models(specs, chat.model))
    models.refreshFailed.connect(window.show_status)
    models.authFailed.connect(key_dialog.open)
    connect_attachments(parts)
    connect_speech(parts)  # after view.begin_reply: auto-read needs the new bubble
    connect_tools(parts)
    connect_look(parts)
    sync_thinking()
    return key_dialog
