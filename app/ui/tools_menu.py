"""The composer's Tools button: which tools the model may call in this conversation.

The button reads "Tools · 3" (three tools on); its menu lists every available tool as a
check box, grouped by where it comes from: the built-in tools, then one section per MCP
server. A server that could not start shows a disabled line with the reason. Checking a
tool keeps the menu open, so several can be toggled in one go (Space does the same from
the keyboard; Enter toggles and closes).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

from PySide6.QtCore import QEvent, QObject, QSize, Qt, Signal
from PySide6.QtGui import QAction, QKeyEvent, QMouseEvent
from PySide6.QtWidgets import QMenu, QStyle, QToolButton, QWidget

from app.core.tool_types import BUILTIN_SOURCE, ToolSpec
from app.ui.tool_card import shown_text, spec_label

ERROR_CHARS = 90


def _escaped(text: str) -> str:
    """``text`` for a menu item: a lone ``&`` would become a mnemonic."""
    return text.replace("&", "&&")


def _short(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


class ToolsButton(QToolButton):
    """A tool button with a menu of the available tools as check boxes.

    Names of enabled tools that are not listed (say, those of a server that failed to
    start) are kept as they were, so toggling another tool does not turn them off.

    Signals:
        enabledChanged(list): the user turned tools on or off; the names of every tool
            now on (``list[str]``, listed tools in menu order, then the unlisted ones).
        settingsRequested(): "Tool settings…" was chosen.
    """

    enabledChanged = Signal(list)
    settingsRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("toolsButton")
        self.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.tools_menu = QMenu(self)
        self.tools_menu.setObjectName("toolsMenu")
        self.tools_menu.setToolTipsVisible(True)
        self.tools_menu.installEventFilter(self)
        self.setMenu(self.tools_menu)
        self._specs: list[ToolSpec] = []
        self._errors: dict[str, str] = {}
        self._actions: dict[str, QAction] = {}
        self._unlisted: list[str] = []
        self.all_on = QAction(self)
        self.all_off = QAction(self)
        self.settings_action = QAction(self)
        self.all_on.triggered.connect(lambda: self._set_all(True))
        self.all_off.triggered.connect(lambda: self._set_all(False))
        self.settings_action.triggered.connect(self.settingsRequested)
        self.retranslate()

    def retranslate(self) -> None:
        """Set the static texts (again, after the language changed) and rebuild the menu."""
        self.setToolTip(self.tr("Choose the tools the model may call"))
        self.tools_menu.setAccessibleName(self.tr("Tools"))
        self.tools_menu.setTitle(self.tr("Tools"))
        self.all_on.setText(self.tr("Turn all on"))
        self.all_off.setText(self.tr("Turn all off"))
        self.settings_action.setText(self.tr("Tool settings…"))
        self.set_tools(self._specs, self.enabled(), self._errors)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    # -- public -----------------------------------------------------------------------

    def set_tools(
        self,
        specs: Sequence[ToolSpec],
        enabled: Collection[str],
        errors: Mapping[str, str] | None = None,
    ) -> None:
        """List ``specs`` (checked when named in ``enabled``) and the servers that failed.

        Args:
            specs: The tools that can be called now.
            enabled: The names of the tools that are on.
            errors: Server name to why it could not start.
        """
        self._specs = list(specs)
        listed = {spec.name for spec in self._specs}
        self._unlisted = [name for name in enabled if name not in listed]
        menu = self.tools_menu
        menu.clear()
        self._actions = {}
        failures = self._errors = dict(errors or {})
        for source in self._sources(failures):
            label = self.tr("Built-in") if source == BUILTIN_SOURCE else source
            if any(spec.source == source for spec in self._specs):
                menu.addSection(_escaped(label))
            else:
                menu.addSeparator()  # the failure line names the server
            for spec in self._specs:
                if spec.source == source:
                    menu.addAction(self._tool_action(spec, spec.name in enabled))
            if source in failures:
                menu.addAction(self._failure_action(source, failures[source]))
        if not self._specs and not failures:
            empty = menu.addAction(self.tr("No tools available"))
            empty.setEnabled(False)
        menu.addSeparator()
        menu.addAction(self.all_on)
        menu.addAction(self.all_off)
        menu.addSeparator()
        menu.addAction(self.settings_action)
        self._update()

    def enabled(self) -> list[str]:
        """The names of the tools that are on: listed ones in menu order, then the rest."""
        checked = [name for name, action in self._actions.items() if action.isChecked()]
        return checked + self._unlisted

    def tool_actions(self) -> dict[str, QAction]:
        """The check box of each listed tool, by tool name."""
        return dict(self._actions)

    def sizeHint(self) -> QSize:
        """Room for the menu arrow, which Qt draws over the text of an instant popup."""
        hint = super().sizeHint()
        arrow = self.style().pixelMetric(QStyle.PixelMetric.PM_MenuButtonIndicator, None, self)
        return QSize(hint.width() + arrow, hint.height())

    # -- events -----------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Toggle a tool without closing the menu: on a click, or on Space."""
        if watched is self.tools_menu:
            action: QAction | None = None
            if event.type() == QEvent.Type.MouseButtonRelease and isinstance(event, QMouseEvent):
                action = self.tools_menu.actionAt(event.position().toPoint())
            elif (
                event.type() == QEvent.Type.KeyPress
                and isinstance(event, QKeyEvent)
                and event.key() == Qt.Key.Key_Space
            ):
                action = self.tools_menu.activeAction()
            if action is not None and action in self._actions.values() and action.isEnabled():
                action.trigger()
                return True
        return super().eventFilter(watched, event)

    # -- internals --------------------------------------------------------------------

    def _sources(self, failures: Mapping[str, str]) -> list[str]:
        """Built-in first, then the servers in the order their tools came, then the
        servers that only failed."""
        sources = [BUILTIN_SOURCE] if any(s.source == BUILTIN_SOURCE for s in self._specs) else []
        for spec in self._specs:
            if spec.source not in sources:
                sources.append(spec.source)
        sources.extend(sorted(name for name in failures if name not in sources))
        return sources

    def _tool_action(self, spec: ToolSpec, checked: bool) -> QAction:
        label = spec_label(spec)
        action = QAction(_escaped(label), self.tools_menu)
        action.setObjectName(f"tool:{spec.name}")
        action.setCheckable(True)
        action.setChecked(checked)
        action.setData(spec.name)
        description = shown_text(spec.description) if spec.source == BUILTIN_SOURCE else ""
        action.setToolTip(_short(description or spec.description, 300) or spec.name)
        action.triggered.connect(self._toggled)
        self._actions[spec.name] = action
        return action

    def _failure_action(self, source: str, error: str) -> QAction:
        text = self.tr("{server}: could not start — {error}").format(
            server=source, error=_short(error, ERROR_CHARS)
        )
        action = QAction(_escaped(text), self.tools_menu)
        action.setObjectName(f"failed:{source}")
        action.setToolTip(error)
        action.setEnabled(False)
        return action

    def _toggled(self) -> None:
        self._update()
        self.enabledChanged.emit(self.enabled())

    def _set_all(self, on: bool) -> None:
        changed = False
        for action in self._actions.values():
            if action.isChecked() != on:
                action.setChecked(on)
                changed = True
        if changed:
            self._toggled()

    def _update(self) -> None:
        count = sum(action.isChecked() for action in self._actions.values())
        total = len(self._actions)
        if total:
            self.setText(self.tr("Tools · {count}").format(count=count))
        else:
            self.setText(self.tr("Tools"))
        self.setAccessibleName(
            self.tr("Tools, {count} of {total} on").format(count=count, total=total)
        )
        self.all_on.setEnabled(count < total)
        self.all_off.setEnabled(count > 0)
