"""The pieces a conversation is made of on screen: user and assistant bubbles, error cards.

Each bubble ends in a row of actions (copy, edit or regenerate) and, when the message
has siblings in the conversation tree, "< 2 / 3 >" arrows to move between them.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.core.conversation import Attachment
from app.ui.attachment_strip import AttachmentStrip
from app.ui.composer import ComposerEdit
from app.ui.markdown_view import MarkdownView


def _action_button(text: str, tip: str, parent: QWidget) -> QToolButton:
    button = QToolButton(parent)
    button.setObjectName("bubbleAction")
    button.setText(text)
    button.setToolTip(tip)
    button.setAccessibleName(tip)
    button.setAutoRaise(True)
    button.setCursor(Qt.CursorShape.PointingHandCursor)
    return button


class BranchSwitch(QWidget):
    """Which of its siblings a message is, with arrows to the others.

    Hidden while the message has no siblings.

    Signals:
        stepped(int): -1 for the previous sibling, +1 for the next.
    """

    stepped = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("branchSwitch")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        self.previous = _action_button("\u2039", self.tr("Previous version"), self)
        self.label = QLabel(self)
        self.label.setObjectName("branchLabel")
        self.next = _action_button("\u203a", self.tr("Next version"), self)
        layout.addWidget(self.previous)
        layout.addWidget(self.label)
        layout.addWidget(self.next)
        self.previous.clicked.connect(lambda: self.stepped.emit(-1))
        self.next.clicked.connect(lambda: self.stepped.emit(1))
        self.index, self.count = 1, 1
        self.hide()

    def set_branch(self, index: int, count: int) -> None:
        self.index, self.count = index, count
        self.label.setText(f"{index} / {count}")
        self.label.setAccessibleName(self.tr("Version {0} of {1}").format(index, count))
        self.previous.setEnabled(index > 1)
        self.next.setEnabled(index < count)
        self.setVisible(count > 1)


class BranchHolder:
    """The "< 2 / 3 >" arrows of a bubble, made only when the message has siblings.

    Most messages never have any, and each switch costs ~60 KB of widgets.
    """

    branchStepped: Signal

    def _init_branch(self, row: QHBoxLayout, index: int) -> None:
        self._branch: BranchSwitch | None = None
        self._branch_row = row
        self._branch_index = index
        self._branch_enabled = True

    @property
    def branch(self) -> BranchSwitch:
        if self._branch is None:
            assert isinstance(self, QWidget)
            self._branch = BranchSwitch(self)
            self._branch.setEnabled(self._branch_enabled)
            self._branch.stepped.connect(self.branchStepped)
            self._branch_row.insertWidget(self._branch_index, self._branch)
        return self._branch

    def set_branch(self, index: int, count: int) -> None:
        """Show "index / count" arrows (none while the message has no siblings)."""
        if count > 1 or self._branch is not None:
            self.branch.set_branch(index, count)

    def _enable_branch(self, enabled: bool) -> None:
        self._branch_enabled = enabled
        if self._branch is not None:
            self._branch.setEnabled(enabled)


class EditBox(QWidget):
    """The editor a user message turns into, with Send and Cancel."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.editor = ComposerEdit(self)
        self.editor.setObjectName("messageEditor")
        self.editor.setAccessibleName(self.tr("Edit message"))
        self.save_button = QPushButton(self.tr("Send"), self)
        self.save_button.setObjectName("editSendButton")
        self.cancel_button = QPushButton(self.tr("Cancel"), self)
        self.cancel_button.setObjectName("editCancelButton")
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.save_button)
        layout.addWidget(self.editor)
        layout.addLayout(buttons)


class UserBubble(BranchHolder, QFrame):
    """A message the user sent; Edit turns it into an editor whose text is sent anew.

    The text is a selectable label and the editor is made on the first Edit: a bubble
    costs a third of what a text view and a hidden editor did.

    Signals:
        editSubmitted(str): the edited text, to be sent as a new version of the message.
        branchStepped(int): the user moved to the previous (-1) or next (+1) version.
    """

    editSubmitted = Signal(str)
    branchStepped = Signal(int)

    def __init__(
        self,
        text: str,
        parent: QWidget | None = None,
        attachments: Sequence[Attachment] = (),
    ) -> None:
        super().__init__(parent)
        self.setObjectName("userBubble")
        self.text = text
        self.attachments = AttachmentStrip(attachments, self)
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(12, 8, 12, 4)
        header = QLabel(self.tr("You"), self)
        header.setObjectName("bubbleHeader")
        self.body = QLabel(self)
        self.body.setObjectName("userText")
        self.body.setTextFormat(Qt.TextFormat.PlainText)
        self.body.setWordWrap(True)
        self.body.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
            | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        self.body.setText(text)
        self._edit_box: EditBox | None = None
        self.edit_button = _action_button(self.tr("Edit"), self.tr("Edit and send again"), self)
        self.copy_button = _action_button(self.tr("Copy"), self.tr("Copy the message"), self)
        actions = QHBoxLayout()
        actions.setSpacing(2)
        actions.addStretch(1)
        actions.addWidget(self.edit_button)
        actions.addWidget(self.copy_button)
        self._init_branch(actions, 1)
        self._layout.addWidget(header)
        self._layout.addWidget(self.attachments)
        self._layout.addWidget(self.body)
        self._layout.addLayout(actions)
        self.edit_button.clicked.connect(self.start_editing)
        self.copy_button.clicked.connect(lambda: QGuiApplication.clipboard().setText(self.text))

    @property
    def edit_box(self) -> EditBox:
        if self._edit_box is None:
            box = EditBox(self)
            box.hide()
            box.save_button.setEnabled(self.edit_button.isEnabled())
            box.save_button.clicked.connect(self._submit_edit)
            box.cancel_button.clicked.connect(self.stop_editing)
            box.editor.submitted.connect(self._submit_edit)
            self._layout.insertWidget(self._layout.indexOf(self.body) + 1, box)
            self._edit_box = box
        return self._edit_box

    @property
    def editor(self) -> ComposerEdit:
        return self.edit_box.editor

    @property
    def save_button(self) -> QPushButton:
        return self.edit_box.save_button

    @property
    def cancel_button(self) -> QPushButton:
        return self.edit_box.cancel_button

    @property
    def editing(self) -> bool:
        return self._edit_box is not None and self._edit_box.isVisible()

    def set_actions_enabled(self, enabled: bool) -> None:
        """Edit and the arrows are off while a reply streams."""
        self.edit_button.setEnabled(enabled)
        self._enable_branch(enabled)
        if self._edit_box is not None:
            self._edit_box.save_button.setEnabled(enabled)

    def start_editing(self) -> None:
        self.editor.setPlainText(self.text)
        self._show_editor(True)
        self.editor.setFocus()
        self.editor.selectAll()

    def stop_editing(self) -> None:
        if self._edit_box is not None:
            self._show_editor(False)

    def _show_editor(self, editing: bool) -> None:
        self.edit_box.setVisible(editing)
        for widget in (self.body, self.edit_button):
            widget.setVisible(not editing)

    def _submit_edit(self) -> None:
        text = self.editor.toPlainText().strip()
        if not text or not self.save_button.isEnabled():
            return
        self.stop_editing()
        self.editSubmitted.emit(text)


class AssistantBubble(BranchHolder, QFrame):
    """A reply: a collapsible reasoning section, the answer, a status line and actions.

    Signals:
        regenerateRequested(): ask the model again; the new reply is a sibling of this one.
        branchStepped(int): the user moved to the previous (-1) or next (+1) version.
        readAloudRequested(): the speaker button was clicked: read the reply aloud, or
            stop reading it (see :meth:`set_speaking`).
    """

    regenerateRequested = Signal()
    branchStepped = Signal(int)
    readAloudRequested = Signal()

    def __init__(self, model_label: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("assistantBubble")
        self._text: list[str] = []
        self._reasoning_chars = 0
        self._user_toggled = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        self.header = QLabel(model_label, self)
        self.header.setObjectName("bubbleHeader")
        self.reasoning_toggle = QToolButton(self)
        self.reasoning_toggle.setObjectName("reasoningToggle")
        self.reasoning_toggle.setCheckable(True)
        self.reasoning_toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.reasoning_toggle.setArrowType(Qt.ArrowType.DownArrow)
        self.reasoning_toggle.setChecked(True)
        self.reasoning_toggle.setText(self.tr("Thinking…"))
        self.reasoning_toggle.setAccessibleName(self.tr("Show or hide the reasoning"))
        self.reasoning_toggle.hide()
        self.reasoning_toggle.clicked.connect(self._toggled_by_user)
        self._reasoning: MarkdownView | None = None  # made when reasoning is shown
        self._saved_reasoning = ""  # a saved reply's reasoning, until it is unfolded
        self.body = MarkdownView(self)
        self.body.setObjectName("answer")
        self.body.setAccessibleName(self.tr("Reply"))
        self.status = QLabel(self)
        self.status.setObjectName("replyStatus")
        self.status.setWordWrap(True)
        self.status.hide()
        self.usage = QLabel(self)
        self.usage.setObjectName("replyUsage")
        self.copy_button = _action_button(self.tr("Copy"), self.tr("Copy the reply"), self)
        self.regenerate_button = _action_button(
            self.tr("Regenerate"), self.tr("Ask again; this reply stays as a version"), self
        )
        self.read_button = _action_button("", "", self)  # text and tip: set_speaking
        self.set_speaking(False)
        actions = QHBoxLayout()
        actions.setSpacing(2)
        actions.addWidget(self.usage)
        actions.addStretch(1)
        actions.addWidget(self.read_button)
        actions.addWidget(self.copy_button)
        actions.addWidget(self.regenerate_button)
        self.read_button.hide()
        self.copy_button.hide()
        self.regenerate_button.hide()
        self._init_branch(actions, 2)
        self._layout = layout
        layout.addWidget(self.header)
        layout.addWidget(self.reasoning_toggle, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.body)
        layout.addWidget(self.status)
        layout.addLayout(actions)
        self.copy_button.clicked.connect(lambda: QGuiApplication.clipboard().setText(self.text))
        self.regenerate_button.clicked.connect(self.regenerateRequested)
        self.read_button.clicked.connect(self.readAloudRequested)

    @property
    def reasoning(self) -> MarkdownView:
        """The reasoning view (made on first use: most replies have none)."""
        if self._reasoning is None:
            self._reasoning = MarkdownView(self)
            self._reasoning.setObjectName("reasoning")
            self._reasoning.setAccessibleName(self.tr("Reasoning"))
            self._reasoning.hide()
            self._layout.insertWidget(self._layout.indexOf(self.body), self._reasoning)
            if self._saved_reasoning:
                self._reasoning.append_plain(self._saved_reasoning)
                self._saved_reasoning = ""
        return self._reasoning

    @property
    def speaking(self) -> bool:
        """Whether this reply is being read aloud (the button then stops it)."""
        return bool(self.read_button.property("speaking"))

    def set_speaking(self, speaking: bool) -> None:
        """Show "Stop reading" while this reply is read aloud, else "Read aloud"."""
        self.read_button.setProperty("speaking", speaking)
        self.read_button.setText(self.tr("Stop reading") if speaking else self.tr("Read aloud"))
        tip = self.tr("Stop reading aloud") if speaking else self.tr("Read the reply aloud")
        self.read_button.setToolTip(tip)
        self.read_button.setAccessibleName(tip)
        if speaking:
            self.read_button.show()  # also while auto-read speaks a reply still streaming

    def set_actions_enabled(self, enabled: bool) -> None:
        """Regenerate and the arrows are off while a reply streams."""
        self.regenerate_button.setEnabled(enabled)
        self._enable_branch(enabled)

    def set_usage(self, text: str, tooltip: str = "") -> None:
        self.usage.setText(text)
        self.usage.setToolTip(tooltip)

    @property
    def text(self) -> str:
        return "".join(self._text)

    @property
    def reasoning_text(self) -> str:
        if self._reasoning is None:
            return self._saved_reasoning
        return self._reasoning.toPlainText()

    def append(self, reasoning: str, text: str) -> None:
        if reasoning:
            if not self._reasoning_chars:
                self.reasoning_toggle.show()
                self._set_reasoning_visible(True)
            self._reasoning_chars += len(reasoning)
            self.reasoning.append_plain(reasoning)
        if text:
            if not self._text and self._reasoning_chars and not self._user_toggled:
                self._set_reasoning_visible(False)  # the answer began: fold the thinking
            self._text.append(text)
            self.body.append_markdown(text)
        if not self.status.isHidden() and (reasoning or text):  # also while not on screen
            self.status.hide()

    def show_saved(
        self, reasoning: str, text: str, status: str, *, calls_tools: bool = False
    ) -> None:
        """Show a reply read back from the history: rendered in one go (not block by
        block as a stream is), its reasoning folded and only laid out when unfolded."""
        if reasoning:
            self._reasoning_chars = len(reasoning)
            self._saved_reasoning = reasoning
            self.reasoning_toggle.show()
            self._set_reasoning_visible(False)
        if text:
            self._text.append(text)
            self.body.set_markdown(text)
        self.status.hide()
        self.finish(status, calls_tools=calls_tools)

    def set_status(self, text: str) -> None:
        self.status.setText(text)
        self.status.setVisible(bool(text))

    def finish(self, status: str, *, calls_tools: bool = False) -> None:
        """Close the reply: label the reasoning, and mark a cancelled or failed reply.

        ``calls_tools``: the reply asked for tool calls (their cards follow), so no text
        is expected and none is offered to copy or read.
        """
        self.body.finish_markdown()
        if self._reasoning_chars:
            self.reasoning_toggle.setText(self.tr("Reasoning"))
            if not self._text and not calls_tools:
                # Some accounts answer only in reasoning_content: show it as the answer.
                self.body.set_markdown(self.reasoning_text)
                self._text.append(self.reasoning_text)
                self.reasoning_toggle.hide()
                if self._reasoning is not None:
                    self._reasoning.hide()
        if status == "cancelled":
            self.set_status(self.tr("Stopped. The text above is what arrived."))
        elif status == "failed":
            self.set_status("")
        elif not self._text and not calls_tools:
            self.set_status(self.tr("The model returned an empty reply."))
        self.copy_button.setVisible(bool(self._text))
        self.read_button.setVisible(bool(self._text) or self.speaking)
        self.regenerate_button.show()

    def _toggled_by_user(self, checked: bool) -> None:
        self._user_toggled = True
        self._set_reasoning_visible(checked)

    def _set_reasoning_visible(self, visible: bool) -> None:
        self.reasoning_toggle.setChecked(visible)
        self.reasoning_toggle.setArrowType(
            Qt.ArrowType.DownArrow if visible else Qt.ArrowType.RightArrow
        )
        if visible or self._reasoning is not None:  # folded: no view needed yet
            self.reasoning.setVisible(visible)


class ErrorCard(QFrame):
    """An error shown in the conversation, with a Retry button.

    Signals:
        retryClicked(): the user asked to send the request again.
    """

    retryClicked = Signal()

    def __init__(self, message: str, *, retryable: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("errorCard")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        self.label = QLabel(message, self)
        self.label.setObjectName("errorText")
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.retry_button = QPushButton(self.tr("Retry"), self)
        self.retry_button.setObjectName("retryButton")
        self.retry_button.setVisible(retryable)
        self.retry_button.clicked.connect(self._retry)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.retry_button, 0, Qt.AlignmentFlag.AlignTop)

    def _retry(self) -> None:
        self.retry_button.setEnabled(False)
        self.retryClicked.emit()
