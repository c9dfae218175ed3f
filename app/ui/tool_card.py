"""One tool call in the conversation: what the model asked to run, and what came back.

The header names the tool and says where the call stands ("Running… 3 s", "Done in
0.4 s", "Timed out after 30 s"...); the body, folded once the call is over, shows the
arguments and the result in monospace; while the call waits for the user, a row asks:
allow once, always allow, deny. The card only shows; the tool loop decides. Looks come
from :data:`TOOL_CARD_QSS` (object names, dynamic properties ``state`` and ``outcome``),
to be appended to the application's style sheet.
"""

from __future__ import annotations

import json
import math
from time import monotonic

from PySide6.QtCore import QLocale, QSizeF, Qt, QTimer, Signal
from PySide6.QtGui import QFontDatabase, QResizeEvent, QTextOption
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QTextEdit,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.core.mcp_config import TOOL_SEPARATOR
from app.core.tool_types import BUILTIN_SOURCE, Consent, ToolCall, ToolResult, ToolSpec

MAX_LINES = 40
MAX_CHARS = 6000
GLYPH = "\u2692"  # hammer and pick

# The cards' rules and the tool settings' warnings, to append to the app's style sheet.
TOOL_CARD_QSS = """
#toolCard { background: palette(alternate-base); border: 1px solid palette(midlight); }
#toolCard { border-radius: 8px; }
#toolCard[state="waiting"] { border: 1px solid palette(highlight); }
#toolCard[outcome="error"], #toolCard[outcome="timeout"] { border-color: rgba(220, 38, 38, 0.45); }
#toolCard[outcome="denied"] { border-style: dashed; }
#toolGlyph { color: palette(highlight); font-size: 15px; }
#toolName { font-weight: 600; }
#toolStatus { color: palette(window-text); }
#toolStatus[outcome="error"], #toolStatus[outcome="timeout"] { color: #dc2626; font-weight: 600; }
#toolToggle, #toolShowAll { border: none; padding: 0 2px; }
#toolCaption { font-size: 11px; font-weight: 600; }
#toolNote { font-style: italic; }
#toolText { background: palette(base); border: 1px solid palette(midlight); border-radius: 4px; }
#toolText[outcome="error"], #toolText[outcome="timeout"] {
    background: rgba(220, 38, 38, 0.08);
    border-color: rgba(220, 38, 38, 0.45);
}
#serverProblems, #serverTestResult[error="true"] { color: #dc2626; }
"""


def elide_lines(text: str, max_lines: int = MAX_LINES, max_chars: int = MAX_CHARS) -> str:
    """The start of ``text``: at most ``max_lines`` lines and ``max_chars`` characters."""
    return "\n".join(text.splitlines()[:max_lines])[:max_chars]


def pretty_json(text: str, *, objects_only: bool = False) -> str | None:
    """``text`` re-indented when it is a JSON object (or array, unless ``objects_only``),
    else None."""
    try:
        value = json.loads(text)
    except ValueError:
        return None
    kinds = dict if objects_only else dict | list
    return json.dumps(value, indent=2, ensure_ascii=False) if isinstance(value, kinds) else None


def format_seconds(seconds: float) -> str:
    """``0.4 -> "0.4"``, ``30.0 -> "30"``: a tenth of a second only below ten seconds."""
    return QLocale().toString(float(seconds), "f", 1 if seconds < 10 else 0)


def short_name(name: str, title: str, source: str) -> str:
    """A tool's title (a built-in's in the user's language), or its name without the
    ``server__`` prefix of MCP tools."""
    if title and source == BUILTIN_SOURCE:
        title = shown_text(title)
    prefix = f"{source}{TOOL_SEPARATOR}"
    if title or source == BUILTIN_SOURCE or not name.startswith(prefix):
        return title or name
    return name[len(prefix) :]


def spec_label(spec: ToolSpec) -> str:
    """A listed tool's short name: its title, its own name on its server, or its name."""
    if spec.title and spec.source == BUILTIN_SOURCE:
        return shown_text(spec.title)
    return spec.title or spec.remote_name or short_name(spec.name, "", spec.source)


def display_name(name: str, title: str, source: str) -> str:
    """What people call a tool: its short name, plus ``· server`` for MCP tools."""
    short = short_name(name, title, source)
    return short if source == BUILTIN_SOURCE else f"{short} \u00b7 {source}"


class CodeText(QTextEdit):
    """Read-only monospace text that grows to fit instead of scrolling; Tab moves on."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("toolText")
        self.setReadOnly(True)
        self.setTabChangesFocus(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setWordWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
            | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        self.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        document = self.document()
        document.setDocumentMargin(6)
        document.documentLayout().documentSizeChanged.connect(self._fit_height)

    def set_text(self, text: str) -> None:
        if text != self.toPlainText():
            self.setPlainText(text)

    def _fit_height(self, size: QSizeF) -> None:
        margins = self.contentsMargins()
        height = math.ceil(size.height()) + margins.top() + margins.bottom()
        if height != self.height():
            self.setFixedHeight(max(height, 1))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_height(self.document().size())


class TextSection(QWidget):
    """A caption, monospace text elided to :data:`MAX_LINES` lines, and "Show all"."""

    def __init__(self, caption: str, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.caption = QLabel(caption, self)
        self.caption.setObjectName("toolCaption")
        self.note = QLabel(self)
        self.note.setObjectName("toolNote")
        self.note.setWordWrap(True)
        self.note.hide()
        self.text = CodeText(self)
        self.text.setAccessibleName(name)
        self.show_all = QToolButton(self)
        self.show_all.setObjectName("toolShowAll")
        self.show_all.setCheckable(True)
        self.show_all.setAutoRaise(True)
        self.show_all.hide()
        self.show_all.toggled.connect(self._show)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(3)
        layout.addWidget(self.caption)
        layout.addWidget(self.note)
        layout.addWidget(self.text)
        layout.addWidget(self.show_all, 0, Qt.AlignmentFlag.AlignLeft)
        self.full_text = ""

    def set_text(self, text: str) -> None:
        self.full_text = text
        elided = elide_lines(text) != text
        self.show_all.setVisible(elided)
        self.show_all.setChecked(False)
        self._show(False)

    def _show(self, everything: bool) -> None:
        text, shown = self.full_text, elide_lines(self.full_text)
        if everything or shown == text:
            self.text.set_text(text)
            self.show_all.setText(self.tr("Show less"))
        else:
            self.text.set_text(shown + "\n…")
            hidden = text.count("\n") - shown.count("\n")
            more = self.tr("Show all ({count} more lines)").format(count=hidden)
            self.show_all.setText(more if hidden > 0 else self.tr("Show all"))
        self.show_all.setAccessibleName(self.show_all.text())


class ToolCallCard(QFrame):
    """One tool call: header with its status, foldable arguments and result, consent row.

    Built from a :class:`ToolCall`; then :meth:`ask_consent`, :meth:`set_running` and
    :meth:`set_result` move it along. A card restored from history gets
    :meth:`set_result` straight away.

    In the chat view a card stands for the ``tool`` message with the call's result,
    beside the bubbles, so it answers the bubbles' calls (it has no actions and no
    versions of its own).

    Signals:
        decided(str): the user answered the consent row (a :class:`Consent` value);
            the row hides itself.
        branchStepped(int): never emitted (bubbles have it).
    """

    decided = Signal(str)
    branchStepped = Signal(int)
    TICK_MS = 1000

    @property
    def text(self) -> str:
        """The result, as sent back to the model."""
        return self.result_text

    def set_actions_enabled(self, enabled: bool) -> None:
        """Nothing to switch off while a reply streams."""

    def set_branch(self, index: int, count: int) -> None:
        """A tool result has no versions of its own."""

    def __init__(
        self,
        call: ToolCall,
        *,
        title: str = "",
        source: str = BUILTIN_SOURCE,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("toolCard")
        self.call = call
        self.name = display_name(call.name, title, source)
        self._state = "pending"
        self._user_toggled = False
        self._started = 0.0
        self._timer = QTimer(self)
        self._timer.setInterval(self.TICK_MS)
        self._timer.timeout.connect(self._tick)
        self._build()
        self._set_arguments(call.arguments)
        self.setAccessibleName(self.tr("Tool call: {name}").format(name=self.name))
        self._set_state("pending", self.tr("Requested"))
        self.set_expanded(False)

    def _build(self) -> None:
        self.toggle = QToolButton(self)
        self.toggle.setObjectName("toolToggle")
        self.toggle.setCheckable(True)
        self.toggle.setAutoRaise(True)
        self.toggle.clicked.connect(self._toggled_by_user)
        glyph = QLabel(GLYPH, self)
        glyph.setObjectName("toolGlyph")
        glyph.setAccessibleName(self.tr("Tool"))
        self.title_label = QLabel(self.name, self)
        self.title_label.setObjectName("toolName")
        self.title_label.setToolTip(self.call.name)
        self.status = QLabel(self)
        self.status.setObjectName("toolStatus")
        header = QHBoxLayout()
        header.setSpacing(6)
        header.addWidget(self.toggle)
        header.addWidget(glyph)
        header.addWidget(self.title_label, 1)
        header.addWidget(self.status)

        self.body = QWidget(self)
        self.arguments = TextSection(self.tr("Arguments"), self.tr("Arguments"), self.body)
        self.result = TextSection(self.tr("Result"), self.tr("Result"), self.body)
        self.result.hide()
        body = QVBoxLayout(self.body)
        body.setContentsMargins(0, 2, 0, 0)
        body.setSpacing(8)
        body.addWidget(self.arguments)
        body.addWidget(self.result)

        self.consent = QWidget(self)
        row = QHBoxLayout(self.consent)
        row.setContentsMargins(0, 2, 0, 0)
        self.allow_button, self.always_button, self.deny_button = (
            self._consent_button(row, text, name, consent)
            for text, name, consent in (
                (self.tr("Allow once"), self.tr("Allow {name} this once"), Consent.ALLOW_ONCE),
                (self.tr("Always allow “{name}”"), self.tr("Always allow {name}"), Consent.ALWAYS),
                (self.tr("Deny"), self.tr("Deny this call of {name}"), Consent.DENY),
            )
        )
        row.addStretch(1)
        self.consent.hide()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 8)
        layout.setSpacing(6)
        layout.addLayout(header)
        layout.addWidget(self.body)
        layout.addWidget(self.consent)  # tab order: creation order, top to bottom

    def _consent_button(
        self, row: QHBoxLayout, text: str, name: str, consent: Consent
    ) -> QPushButton:
        button = QPushButton(text.format(name=self.name), self.consent)
        row.addWidget(button)
        button.setObjectName(f"toolConsent_{consent.value}")
        button.setAccessibleName(name.format(name=self.name))
        button.setAutoDefault(True)  # Enter presses it as Space does
        button.clicked.connect(lambda: self._decide(consent))
        return button

    # -- properties for callers and tests ----------------------------------------------

    @property
    def status_text(self) -> str:
        return self.status.text()

    @property
    def arguments_text(self) -> str:
        """The arguments in full, re-indented when they are a JSON object."""
        return self.arguments.full_text

    @property
    def result_text(self) -> str:
        """The result in full, re-indented when it is JSON ("" until there is one)."""
        return self.result.full_text

    @property
    def expanded(self) -> bool:
        return self.toggle.isChecked()

    @property
    def waiting(self) -> bool:
        """Whether the consent row is up, waiting for the user's answer."""
        return self._state == "waiting"

    @property
    def ticking(self) -> bool:
        """Whether the elapsed-seconds timer runs (only while the call runs)."""
        return self._timer.isActive()

    @property
    def outcome(self) -> str:
        """The result's outcome, "" until there is a result."""
        return str(self.property("outcome") or "")

    # -- moving along ----------------------------------------------------------------

    def ask_consent(self) -> None:
        """Show the consent row and the arguments; wait for :attr:`decided`."""
        self._timer.stop()
        self._set_state("waiting", self.tr("Waiting for your approval"))
        self.consent.show()
        self.set_expanded(True)

    def set_running(self) -> None:
        """The call runs: the status counts the seconds until :meth:`set_result`."""
        self.consent.hide()
        self._started = monotonic()
        self._set_state("running", "")
        self._tick()
        self._timer.start()

    def set_result(self, result: ToolResult) -> None:
        """Show what the call gave back, and fold the card unless the user opened it."""
        self._timer.stop()
        self.consent.hide()
        seconds = format_seconds(result.duration)
        status = {
            "ok": self.tr("Done in {seconds} s").format(seconds=seconds),
            "error": self.tr("Failed"),
            "denied": self.tr("Denied"),
            "timeout": self.tr("Timed out after {seconds} s").format(seconds=seconds),
        }[result.outcome]
        self.result.set_text(pretty_json(result.content) or result.content)
        self.result.show()
        for widget in (self, self.status, self.result.text):
            widget.setProperty("outcome", result.outcome)
        self._set_state("done", status)
        if not self._user_toggled:
            self.set_expanded(False)

    def set_expanded(self, expanded: bool) -> None:
        """Show or fold the arguments and the result."""
        self.toggle.setChecked(expanded)
        self.toggle.setArrowType(Qt.ArrowType.DownArrow if expanded else Qt.ArrowType.RightArrow)
        tip = self.tr("Hide the details") if expanded else self.tr("Show the details")
        self.toggle.setAccessibleName(tip)
        self.toggle.setToolTip(tip)
        self.body.setVisible(expanded)

    # -- internals --------------------------------------------------------------------

    def _set_arguments(self, arguments: str) -> None:
        pretty = pretty_json(arguments if arguments.strip() else "{}", objects_only=True)
        if pretty is None:
            note = self.tr("These arguments are not a valid JSON object; shown as sent.")
            self.arguments.note.setText(note)
            self.arguments.note.show()
        self.arguments.set_text(pretty or arguments)

    def _set_state(self, state: str, status: str) -> None:
        self._state = state
        self.status.setText(status)
        self.setProperty("state", state)
        for widget in (self, self.status, self.result.text):
            widget.style().unpolish(widget)
            widget.style().polish(widget)

    def _tick(self) -> None:
        seconds = int(monotonic() - self._started)
        self.status.setText(self.tr("Running… {seconds} s").format(seconds=seconds))

    def _toggled_by_user(self, checked: bool) -> None:
        self._user_toggled = True
        self.set_expanded(checked)

    def _decide(self, consent: Consent) -> None:
        if self._state != "waiting":
            return
        self.consent.hide()
        denied = consent is Consent.DENY
        self._set_state("decided", self.tr("Denied") if denied else self.tr("Allowed"))
        self.decided.emit(consent.value)


def shown_text(text: str) -> str:
    """:func:`app.core.builtin_tools.shown_text`, imported on first use: this module
    loads before the window's first paint, the built-in tools (~10 ms) need not."""
    from app.core.builtin_tools import shown_text

    return shown_text(text)
