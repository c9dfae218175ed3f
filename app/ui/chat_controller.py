"""The chat controller: sends the conversation, streams the reply, reports as Qt signals.

It owns the reply task. Deltas from the API are coalesced and handed to the view about
every 40 ms, never per token, so the view's work does not grow with the token rate.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Coroutine, Sequence
from dataclasses import replace
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from app.api import errors
from app.api.client import ChatRequest
from app.api.events import (
    Finish,
    ReasoningDelta,
    ReasoningSignature,
    RetryScheduled,
    TextDelta,
    ToolCallDelta,
    Usage,
)
from app.api.translation import translate
from app.core.catalogue import spec_for
from app.core.chat_settings import ChatSettings, request_options
from app.core.connection import Connection, NoApiKey
from app.core.conversation import Attachment, Conversation, Message, Status
from app.core.history import load_conversation
from app.core.recorder import CHECKPOINT_SECONDS, Recorder
from app.core.request_media import AttachmentUnavailable, with_media
from app.core.store_async import AsyncStore
from app.core.store_records import StoreError
from app.core.tool_calls import ToolCallAssembler
from app.core.tool_types import ToolCall, ToolResult
from app.ui.tasks import TaskSet
from app.ui.tool_runner import ToolRunner

log = logging.getLogger(__name__)

FLUSH_INTERVAL_MS = 40
PROGRESS_FROM_BYTES = 4_000_000  # files at least this big show "Preparing… n %"


def describe_error(error: BaseException) -> str:
    """A sentence for the user; typed API errors already carry one."""
    if isinstance(error, errors.MimoError):
        return error.message
    return translate("ChatController", "Unexpected error: {name}").format(name=type(error).__name__)


class NotSaved(Exception):
    """The user's message could not be committed; it is not sent."""


def retry_reason(error: errors.MimoError) -> str:
    """Why a request is being sent again, in a few words."""
    if isinstance(error, errors.RateLimited):
        return translate("ChatController", "Rate limited")
    if isinstance(error, errors.ServerError):
        return translate("ChatController", "The server is busy or failed ({status})").format(
            status=error.status
        )
    if isinstance(error, errors.Timeout):
        return translate("ChatController", "The server did not answer in time")
    if isinstance(error, errors.ConnectionFailed):
        return translate("ChatController", "Could not connect")
    return error.message


class ChatController(QObject):
    """Runs one conversation against the API.

    Signals:
        conversationLoaded(object): a saved :class:`Conversation` replaced the current one.
        userMessageAdded(object): the user sent this :class:`Message` (it is saved
            before it goes out).
        replyStarted(str): a reply from the given model id began.
        replyPreparing(str): progress of encoding large attachments ("" when done).
        replyDelta(str, str): coalesced reasoning and text pieces of the reply.
        replyRetrying(float, int, str): the request will be sent again in N s (attempt,
            reason), before any reply arrived.
        replyFinished(str, str): the reply ended: status (complete, cancelled, failed)
            and the finish reason (or "").
        replyFailed(str, bool): the reply failed: the message, and whether Retry makes
            sense.
        usageReported(object): the :class:`Usage` of the last reply.
        busyChanged(bool): a reply is in flight, or not.
        authFailed(str): the key was missing or rejected; the key dialog should open.
        conversationSaved(str): a message of this conversation (id) was saved; the
            history list should show it (a new conversation, a new date).
        truncated(int): the messages from position N on were dropped from the view's
            branch (an edit or a regenerate branches off before them).
        branchChanged(int, int, int): message N is version I of C.
        notice(str): something for the status bar.
        settingsChanged(object): the conversation's :class:`ChatSettings` changed (it
            was loaded or edited); the model picker and Thinking box follow.
    """

    conversationLoaded = Signal(object)
    userMessageAdded = Signal(object)
    replyPreparing = Signal(str)
    replyStarted = Signal(str)
    replyDelta = Signal(str, str)
    replyRetrying = Signal(float, int, str)
    replyFinished = Signal(str, str)
    replyFailed = Signal(str, bool)
    usageReported = Signal(object)
    busyChanged = Signal(bool)
    authFailed = Signal(str)
    conversationSaved = Signal(str)
    truncated = Signal(int)
    branchChanged = Signal(int, int, int)
    notice = Signal(str)
    settingsChanged = Signal(object)

    def __init__(
        self,
        connection: Connection,
        *,
        model: str,
        thinking: bool | None = None,
        recorder: Recorder | None = None,
        tools: ToolRunner | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._connection = connection
        self._tools = tools
        self._recorder = recorder or Recorder(None)
        self.conversation = Conversation()
        self.settings = ChatSettings(model=model, thinking=thinking)
        self._tasks = TaskSet()
        self._reply_task: asyncio.Task[None] | None = None
        self._reply: Message | None = None
        self._pending_reasoning: list[str] = []
        self._pending_text: list[str] = []
        self._flush_timer = QTimer(self)
        self._flush_timer.setSingleShot(True)
        self._flush_timer.setInterval(FLUSH_INTERVAL_MS)
        self._flush_timer.timeout.connect(self._flush)
        self._checkpoint_timer = QTimer(self)
        self._checkpoint_timer.setSingleShot(True)
        self._checkpoint_timer.setInterval(int(CHECKPOINT_SECONDS * 1000))
        self._checkpoint_timer.timeout.connect(self._checkpoint)

    # -- public slots --------------------------------------------------------------

    @property
    def busy(self) -> bool:
        return self._reply is not None

    @property
    def model(self) -> str:
        return self.settings.model

    @property
    def thinking(self) -> bool | None:
        return self.settings.thinking

    def set_model(self, model_id: str) -> None:
        if model_id != self.settings.model:
            self._change_settings(replace(self.settings, model=model_id))

    def set_thinking(self, thinking: bool | None) -> None:
        if thinking != self.settings.thinking:
            self._change_settings(replace(self.settings, thinking=thinking))

    def apply_settings(self, settings: ChatSettings) -> None:
        """Use ``settings`` for this conversation from the next request on (and save them)."""
        self._change_settings(settings)
        self.settingsChanged.emit(settings)

    def _change_settings(self, settings: ChatSettings) -> None:
        self.settings = settings
        self.conversation.system_prompt = settings.system_prompt
        if self.conversation.id is not None:
            saving = self._recorder.save_settings(
                self.conversation, settings.to_json(), settings.model
            )
            self._tasks.start(self._guard_save(saving), name="save-settings")

    async def _guard_save(self, saving: Coroutine[Any, Any, None]) -> None:
        try:
            await saving
        except (OSError, sqlite3.Error, StoreError) as error:
            self.notice.emit(
                self.tr("The chat settings could not be saved: {error}").format(error=error)
            )

    def send(self, text: str, attachments: Sequence[Attachment] = ()) -> bool:
        """Store the user's message and ask for a reply. False when busy or empty."""
        text = text.strip()
        if not (text or attachments) or self.busy:
            return False
        message = self.conversation.add_user(text, list(attachments))
        self.userMessageAdded.emit(message)
        self._start_reply()
        return True

    def retry(self) -> bool:
        """Ask again for a reply to the last user message (after a failure).

        A failed or cut-off last reply is kept as an older version of the new one.
        """
        messages = self.conversation.messages
        if self.busy or self.conversation.last_user() is None:
            return False
        if messages[-1].role == "assistant":
            return self.regenerate(len(messages) - 1)
        self._start_reply()
        return True

    def edit(self, position: int, text: str) -> bool:
        """Send ``text`` as a new version of user message ``position``; the old one stays."""
        text = text.strip()
        messages = self.conversation.messages
        if self.busy or not text or not 0 <= position < len(messages):
            return False
        if messages[position].role != "user":
            return False
        attachments = messages[position].attachments  # the new version keeps the files
        self._branch_off(position)
        message = self.conversation.add_user(text, attachments)
        self.userMessageAdded.emit(message)
        self._start_reply()
        return True

    def regenerate(self, position: int) -> bool:
        """Ask again for reply ``position``; the new reply is its sibling, the old stays."""
        messages = self.conversation.messages
        if self.busy or not 0 <= position < len(messages):
            return False
        if messages[position].role != "assistant" or position == 0:
            return False
        self._branch_off(position)
        self._start_reply()
        return True

    def switch_branch(self, position: int, step: int) -> bool:
        """Show the previous (-1) or next (+1) version of message ``position``."""
        store = self._recorder.store
        if self.busy or store is None or self.conversation.id is None:
            return False
        if not 0 <= position < len(self.conversation.messages):
            return False
        target = self.conversation.sibling(position, step)
        if target is None:
            return False
        self._tasks.start(self._show_branch(self.conversation.id, target), name="branch")
        return True

    async def _show_branch(self, conv_id: str, message_id: str) -> None:
        store = self._recorder.store
        assert store is not None
        try:
            conversation = await load_conversation(store, conv_id, at_message=message_id)
        except (OSError, sqlite3.Error) as error:
            self.notice.emit(
                self.tr("Could not switch to that version: {error}").format(error=error)
            )
            return
        if conversation is not None and not self.busy and self.conversation.id == conv_id:
            self.load(conversation)

    def _branch_off(self, position: int) -> None:
        self.conversation.truncate(position)
        self.truncated.emit(position)

    def stop(self) -> None:
        """Cancel the reply in flight; what arrived stays, marked cancelled."""
        if self._reply_task is not None:
            self._reply_task.cancel()

    def attach_store(self, store: AsyncStore | None) -> None:
        """Save from now on into ``store`` (None: keep the conversation in memory only)."""
        self._recorder.store = store

    def load(self, conversation: Conversation) -> None:
        """Show and continue a saved conversation, with its own settings."""
        self.stop()
        self.conversation = conversation
        self.settings = ChatSettings.from_json(
            conversation.settings, conversation.model or self.settings.model
        )
        if not conversation.system_prompt:
            conversation.system_prompt = self.settings.system_prompt
        self.conversationLoaded.emit(conversation)
        self.settingsChanged.emit(self.settings)

    def new_conversation(self) -> None:
        """Stop any reply and start over: same model, Thinking and tools, others reset."""
        self.stop()
        self.conversation = Conversation()
        fresh = ChatSettings(
            model=self.settings.model, thinking=self.settings.thinking, tools=self.settings.tools
        )
        if fresh != self.settings:
            self.settings = fresh
            self.settingsChanged.emit(fresh)

    def shutdown(self) -> None:
        self._tasks.cancel_all()

    # -- the reply -----------------------------------------------------------------

    def _start_reply(self) -> None:
        self._reply = self.conversation.start_reply(self.model)
        self.busyChanged.emit(True)
        self.replyStarted.emit(self.model)
        self._reply_task = self._tasks.start(self._run_reply(self._reply), name="reply")

    async def _request(self) -> ChatRequest:
        """The request for the next reply; attachments are encoded in a worker thread."""
        settings = self.settings
        if settings.thinking is None:  # send what the Thinking box shows: the default
            settings = replace(settings, thinking=spec_for(settings.model).thinking_default)
        turns = self.conversation.request_turns(thinking=settings.thinking is True)
        specs = self._tools.specs(settings.tools) if self._tools is not None else []
        return ChatRequest(
            model=self.model,
            messages=await with_media(turns, progress=self._encoding_progress),
            tools=[spec.to_openai() for spec in specs] or None,
            **request_options(settings),
        )

    def _encoding_progress(self, attachment: Attachment, done: int, total: int) -> None:
        if total >= PROGRESS_FROM_BYTES:
            percent = 100 * done // max(total, 1)
            self.replyPreparing.emit(
                self.tr("Preparing {name}… {percent} %").format(
                    name=attachment.name, percent=percent
                )
                if done < total
                else ""
            )

    async def _run_reply(self, reply: Message) -> None:
        """Stream the reply; while it asks for tools, run them and stream the next one."""
        status, failure, open_reply = Status.COMPLETE, None, True
        rounds = 0
        try:
            await self._save_before_sending(reply)
            self._report_saved(reply)
            while True:
                calls = await self._stream(reply)
                if not calls or self._tools is None:
                    break
                reply.tool_calls = [call.to_wire() for call in calls]
                reply.finish_reason = "tool_calls"  # whatever the server said
                open_reply = False
                self._end(reply, Status.COMPLETE, None)
                await self._save_end(reply)
                await self._tools.run_calls(calls, self._save_tool_result)
                rounds += 1
                if rounds >= self._tools.rounds:
                    self.notice.emit(
                        self.tr(
                            "Stopped after {0} rounds of tool calls; send a message to go on."
                        ).format(rounds)
                    )
                    break
                reply = self._begin_next_reply()
                open_reply = True
                await self._recorder.begin_reply(self.conversation, reply)
        except (NotSaved, AttachmentUnavailable) as error:
            status, failure = Status.FAILED, str(error)
        except NoApiKey:
            status, failure = Status.FAILED, self.tr("No API key is set.")
            self.authFailed.emit(self.tr("Enter your MiMo API key to start chatting."))
        except errors.AuthError as error:
            status, failure = Status.FAILED, error.message
            self.authFailed.emit(error.message)
        except errors.MimoError as error:
            status, failure = Status.FAILED, error.message
        except asyncio.CancelledError:
            status = Status.CANCELLED
        except Exception as error:  # a bug must not leave the window stuck "busy"
            log.exception("Reply failed unexpectedly")
            status, failure = Status.FAILED, describe_error(error)
        self._reply = None
        self._reply_task = None
        if open_reply:
            self._end(reply, status, failure)
        self.busyChanged.emit(False)
        if open_reply:
            await self._save_end(reply)

    async def _stream(self, reply: Message) -> list[ToolCall]:
        """Stream one reply into ``reply``; the tool calls it asked for."""
        calls = ToolCallAssembler()
        client = self._connection.client()
        request = await self._request()
        async for event in client.stream_chat(request):
            if isinstance(event, ToolCallDelta):
                calls.feed(event)
            elif self._on_event(reply, event) and not self._checkpoint_timer.isActive():
                self._checkpoint_timer.start()
        return calls.calls()

    def _end(self, reply: Message, status: Status, failure: str | None) -> None:
        """Show ``reply`` finished (:meth:`_save_end` then saves it)."""
        self._flush()
        self._checkpoint_timer.stop()
        reply.status = status
        reply.error = failure
        self.replyFinished.emit(status.value, reply.finish_reason or "")
        if failure is not None:
            self.replyFailed.emit(failure, True)

    async def _save_end(self, reply: Message) -> None:
        try:
            await self._recorder.finish(reply)  # queued on the store's thread at once
        except Exception:
            log.exception("Could not save the end of the reply")

    def _begin_next_reply(self) -> Message:
        """The model's next turn, after the results of its tool calls."""
        reply = self.conversation.start_reply(self.model)
        self._reply = reply
        self.replyStarted.emit(self.model)
        return reply

    async def _save_tool_result(self, call: ToolCall, result: ToolResult) -> None:
        message = Message(
            role="tool",
            content=result.content,
            tool_call_id=call.id,
            tool_name=call.name,
            tool_outcome=result.outcome,
            tool_duration=result.duration,
        )
        self.conversation.messages.append(message)
        try:
            await self._recorder.save_tool_result(self.conversation, message)
        except (OSError, sqlite3.Error, StoreError) as error:
            self.notice.emit(
                self.tr("A tool result could not be saved: {error}").format(error=error)
            )

    async def _save_before_sending(self, reply: Message) -> None:
        """Commit the user's message (and the empty reply) before any network traffic."""
        user = self.conversation.last_user()
        try:
            if user is not None:
                await self._recorder.save_user(
                    self.conversation, user, self.model, self.settings.to_json()
                )
            await self._recorder.begin_reply(self.conversation, reply)
        except (OSError, sqlite3.Error) as error:
            raise NotSaved(
                self.tr("Your message could not be saved, so it was not sent: {error}").format(
                    error=error
                )
            ) from error

    def _report_saved(self, reply: Message) -> None:
        """Tell the history list, and show the arrows of a new version."""
        conversation = self.conversation
        if conversation.id is None or reply.id is None:
            return
        self.conversationSaved.emit(conversation.id)
        for position in (len(conversation.messages) - 2, len(conversation.messages) - 1):
            if position >= 0:
                index, count = conversation.branch_of(position)
                if count > 1:
                    self.branchChanged.emit(position, index, count)

    def _on_event(self, reply: Message, event: object) -> bool:
        """Apply one API event; True when text or reasoning arrived."""
        if isinstance(event, TextDelta):
            reply.content += event.text
            self._pending_text.append(event.text)
        elif isinstance(event, ReasoningDelta):
            reply.reasoning += event.text
            self._pending_reasoning.append(event.text)
        elif isinstance(event, Usage):
            reply.usage = event
            self.usageReported.emit(event)
            return False
        elif isinstance(event, Finish):
            reply.finish_reason = event.reason
            return False
        elif isinstance(event, RetryScheduled):
            self.replyRetrying.emit(event.delay, event.attempt, retry_reason(event.error))
            return False
        elif isinstance(event, ReasoningSignature):
            reply.reasoning_signature += event.signature
            return False
        if not self._flush_timer.isActive():
            self._flush_timer.start()
        return True

    def _checkpoint(self) -> None:
        """Save the streaming reply: what arrived is on disk within CHECKPOINT_SECONDS."""
        if self._reply is not None:
            self._tasks.start(self._recorder.checkpoint(self._reply), name="checkpoint")

    def _flush(self) -> None:
        self._flush_timer.stop()
        if not self._pending_reasoning and not self._pending_text:
            return
        reasoning = "".join(self._pending_reasoning)
        text = "".join(self._pending_text)
        self._pending_reasoning.clear()
        self._pending_text.clear()
        self.replyDelta.emit(reasoning, text)
