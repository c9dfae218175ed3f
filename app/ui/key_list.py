"""The stored API keys of one provider, as the key dialog shows and edits them.

:class:`KeyBook` is what the key controller knows (the lists it read, and the run's
``MIMO_API_KEY``); :class:`KeyListPanel` shows one provider's keys and records the
user's edits as :data:`~app.core.api_keys.KeyChange` s, which are applied to the store
only when the dialog is accepted. A key shows in full only in the entry field while it
is typed; the list, its status line and the confirmation show it masked.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QDate, QLocale, QObject, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.api.translation import translate
from app.core.api_keys import (
    MAX_KEYS,
    MAX_LABEL,
    ActivateKey,
    AddKey,
    ApiKey,
    KeyChange,
    KeyList,
    RemoveKey,
    RenameKey,
    apply_changes,
    clean_label,
    new_key,
)
from app.core.providers import PRESETS, display_name, preset

ENV_ROW = "\x00env"
"""The id of the list row standing for ``MIMO_API_KEY`` (never a stored key's id)."""

_ID_ROLE = Qt.ItemDataRole.UserRole
_LABEL, _KEY, _ADDED, _STATUS = range(4)


class KeyBook(QObject):
    """The stored keys a key dialog shows; the key controller fills and updates it.

    Signals:
        changed(): lists, problems, the environment key's use or the storage warning
            changed.
        loadRequested(): a key dialog wants lists that are not read yet.

    Attributes:
        lists: Provider id -> its keys, for every provider read so far.
        unreadable: Provider id -> why its keys could not be read.
        problems: Provider id -> what was wrong with its stored entries.
        env_mask: ``MIMO_API_KEY`` masked, or None when it is not set.
        env_in_use: Requests use ``MIMO_API_KEY`` (for the provider in the settings).
        storage_warning: Shown while keys are kept in the fallback file.
    """

    changed = Signal()
    loadRequested = Signal()

    def __init__(self, *, env_mask: str | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.lists: dict[str, KeyList] = {}
        self.unreadable: dict[str, str] = {}
        self.problems: dict[str, tuple[str, ...]] = {}
        self.env_mask = env_mask
        self.env_in_use = False
        self.storage_warning: str | None = None

    def set_list(self, provider_id: str, keys: KeyList, problems: Iterable[str] = ()) -> None:
        self.lists[provider_id] = keys
        self.unreadable.pop(provider_id, None)
        found = tuple(problems)
        if found:
            self.problems[provider_id] = found
        self.changed.emit()

    def set_unreadable(self, provider_id: str, reason: str) -> None:
        self.unreadable[provider_id] = reason
        self.changed.emit()

    def set_storage_warning(self, warning: str | None) -> None:
        self.storage_warning = warning
        self.changed.emit()

    def missing(self) -> list[str]:
        """The providers whose keys are not read yet (or could not be)."""
        return [provider_id for provider_id in PRESETS if provider_id not in self.lists]

    def request(self) -> None:
        """Ask the owner to read the lists that are missing."""
        if self.missing():
            self.loadRequested.emit()


class KeyListPanel(QWidget):
    """One provider's stored keys (and ``MIMO_API_KEY``), with the actions on them.

    Add key (an entry field whose show toggle works only while a key is typed, and an
    optional label), Make active, Rename (F2) and Remove (Delete; asks first). Every
    edit is kept as a change per provider until :meth:`result` is taken.

    Signals:
        edited(): the list, the key in use or the typed key changed.
    """

    edited = Signal()

    def __init__(self, book: KeyBook, provider_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.book = book
        self.provider_id = provider_id
        self._changes: dict[str, list[KeyChange]] = {}
        self._env_choice = provider_id if book.env_in_use and book.env_mask else None
        self._notice = ""
        self.confirm_box: QMessageBox | None = None
        self._make_key_list()
        self._make_add_fields()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.keys_box)
        layout.addWidget(self.add_box)
        self.key.textChanged.connect(self._typed)
        book.changed.connect(self._book_changed)
        self._typed()

    def set_provider(self, provider_id: str) -> None:
        """Show another provider's keys (the edits of each are kept)."""
        self.provider_id = provider_id
        self._notice = ""
        self.refresh()

    def focus_widgets(self) -> list[QWidget]:
        """The panel's controls in tab order."""
        return [
            self.key_list,
            self.activate_button,
            self.rename_button,
            self.remove_button,
            self.key,
            self.show_key,
            self.key_label,
            self.add_button,
        ]

    def pending(self) -> str:
        """The key typed in the entry field, without surrounding spaces."""
        return self.key.text().strip()

    def has_changes(self) -> bool:
        return any(self._changes.values())

    def row_count(self) -> int:
        return self.key_list.topLevelItemCount()

    def result(self) -> tuple[dict[str, tuple[KeyChange, ...]], bool, str | None]:
        """What the user chose: ``(changes, use_env, api_key)``.

        ``changes`` are the edits per provider; ``use_env`` says MIMO_API_KEY stays in
        use for the shown provider; ``api_key`` is that provider's key to use (None:
        none, or MIMO_API_KEY). A key still in the entry field is added (or, when
        already listed, chosen) and made active, as the first run expects: type, Save.
        """
        provider_id = self.provider_id
        changes = {p: tuple(c) for p, c in self._changes.items() if c}
        use_env = self._env_choice == provider_id
        pending = self.pending()
        if pending:
            working = self.working(provider_id)
            known = working.with_secret(pending)
            last: KeyChange = (
                ActivateKey(known.id)
                if known is not None
                else AddKey(self._new_key(pending, working), activate=True)
            )
            changes[provider_id] = (*changes.get(provider_id, ()), last)
            use_env = False
        base = self.book.lists.get(provider_id, KeyList())
        active = apply_changes(base, changes.get(provider_id, ())).active
        return changes, use_env, None if use_env or active is None else active.secret

    def working(self, provider_id: str | None = None) -> KeyList:
        """A provider's keys as stored, with this panel's edits (default: the shown one)."""
        provider_id = self.provider_id if provider_id is None else provider_id
        base = self.book.lists.get(provider_id, KeyList())
        return apply_changes(base, self._changes.get(provider_id, ()))

    def in_use(self) -> str | None:
        """The shown provider's row in use: a key id, :data:`ENV_ROW`, or None."""
        return self._in_use(self.provider_id, self.working())

    # --- building ---------------------------------------------------------------------

    def _make_key_list(self) -> None:
        self.keys_box = QGroupBox(self)
        self.keys_box.setObjectName("keysBox")
        self.key_list = QTreeWidget(self.keys_box)
        self.key_list.setObjectName("keyList")
        self.key_list.setAccessibleName(translate("KeyDialog", "Stored API keys"))
        self.key_list.setColumnCount(4)
        self.key_list.setHeaderLabels(
            [
                translate("KeyDialog", "Label"),
                translate("KeyDialog", "Key"),
                translate("KeyDialog", "Added"),
                translate("KeyDialog", "Status"),
            ]
        )
        self.key_list.setRootIsDecorated(False)
        self.key_list.setUniformRowHeights(True)
        self.key_list.setAllColumnsShowFocus(True)
        self.key_list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.key_list.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.key_list.header().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.key_list.header().setStretchLastSection(True)
        self.key_list.setMinimumHeight(120)
        self.key_list.currentItemChanged.connect(lambda *_: self._update_actions())
        self.key_list.itemChanged.connect(self._label_edited)
        rename = QAction(self.key_list)
        rename.setShortcut(QKeySequence(Qt.Key.Key_F2))
        rename.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        rename.triggered.connect(self._rename)
        remove = QAction(self.key_list)
        remove.setShortcut(QKeySequence(QKeySequence.StandardKey.Delete))
        remove.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        remove.triggered.connect(self._ask_remove)
        self.key_list.addActions([rename, remove])
        self.key_status = QLabel(self.keys_box)
        self.key_status.setObjectName("keyStatus")
        self.key_status.setWordWrap(True)
        self.activate_button = QPushButton(translate("KeyDialog", "Make &active"), self.keys_box)
        self.activate_button.setObjectName("makeActiveButton")
        self.activate_button.setAccessibleName(
            translate("KeyDialog", "Make the selected key active")
        )
        self.activate_button.clicked.connect(self._make_active)
        self.rename_button = QPushButton(translate("KeyDialog", "Re&name"), self.keys_box)
        self.rename_button.setObjectName("renameKeyButton")
        self.rename_button.setAccessibleName(translate("KeyDialog", "Rename the selected key"))
        self.rename_button.clicked.connect(self._rename)
        self.remove_button = QPushButton(translate("KeyDialog", "&Remove…"), self.keys_box)
        self.remove_button.setObjectName("removeKeyButton")
        self.remove_button.setAccessibleName(translate("KeyDialog", "Remove the selected key"))
        self.remove_button.clicked.connect(self._ask_remove)
        actions = QHBoxLayout()
        actions.addWidget(self.activate_button)
        actions.addWidget(self.rename_button)
        actions.addWidget(self.remove_button)
        actions.addStretch(1)
        box = QVBoxLayout(self.keys_box)
        box.addWidget(self.key_list)
        box.addLayout(actions)
        box.addWidget(self.key_status)

    def _make_add_fields(self) -> None:
        self.add_box = QGroupBox(translate("KeyDialog", "Add a key"), self)
        self.add_box.setObjectName("addKeyBox")
        self.key = QLineEdit(self.add_box)
        self.key.setObjectName("apiKeyEdit")
        self.key.setEchoMode(QLineEdit.EchoMode.Password)
        self.key.setClearButtonEnabled(True)
        self.key.setAccessibleName(translate("KeyDialog", "New API key"))
        self.show_key = QCheckBox(
            translate("KeyDialog", "Sho&w the key while typing"), self.add_box
        )
        self.show_key.setObjectName("showKey")
        self.show_key.setAccessibleName(translate("KeyDialog", "Show the new key while typing"))
        self.show_key.toggled.connect(self._toggle_echo)
        self.key_label = QLineEdit(self.add_box)
        self.key_label.setObjectName("keyLabelEdit")
        self.key_label.setMaxLength(MAX_LABEL)
        self.key_label.setPlaceholderText(translate("KeyDialog", "for example: work"))
        self.key_label.setAccessibleName(translate("KeyDialog", "Label for the new key (optional)"))
        self.add_button = QPushButton(translate("KeyDialog", "A&dd key"), self.add_box)
        self.add_button.setObjectName("addKeyButton")
        self.add_button.setAccessibleName(translate("KeyDialog", "Add the new key to the list"))
        self.add_button.setAutoDefault(False)
        self.add_button.clicked.connect(self._add)
        form = QFormLayout(self.add_box)
        form.addRow(translate("KeyDialog", "API &key:"), self.key)
        form.addRow("", self.show_key)
        form.addRow(translate("KeyDialog", "&Label (optional):"), self.key_label)
        form.addRow("", self.add_button)

    # --- the list ---------------------------------------------------------------------

    def _in_use(self, provider_id: str, keys: KeyList) -> str | None:
        return ENV_ROW if self._env_choice == provider_id else keys.active_id

    def _selected_id(self) -> str | None:
        item = self.key_list.currentItem()
        return None if item is None else str(item.data(_LABEL, _ID_ROLE))

    def _record(self, provider_id: str, change: KeyChange) -> None:
        self._changes.setdefault(provider_id, []).append(change)

    def _new_key(self, secret: str, keys: KeyList) -> ApiKey:
        return new_key(secret, self.key_label.text(), taken=[key.id for key in keys.keys])

    def refresh(self, select: str | None = None) -> None:
        """Show the current provider's rows again, keeping the selection if it can."""
        provider_id = self.provider_id
        keys = self.working(provider_id)
        in_use = self._in_use(provider_id, keys)
        wanted = select if select is not None else self._selected_id()
        self.keys_box.setTitle(
            translate("KeyDialog", "API keys for {provider}").format(
                provider=display_name(preset(provider_id))
            )
        )
        self.key_list.blockSignals(True)
        self.key_list.clear()
        rows: list[QTreeWidgetItem] = []
        if self.book.env_mask:
            rows.append(
                self._row(
                    ENV_ROW,
                    translate("KeyDialog", "MIMO_API_KEY, this run only"),
                    self.book.env_mask,
                    "",
                    in_use,
                )
            )
        rows.extend(
            self._row(key.id, key.label, key.masked, key.added, in_use) for key in keys.keys
        )
        self.key_list.addTopLevelItems(rows)
        ids = [str(row.data(_LABEL, _ID_ROLE)) for row in rows]
        for choice in (wanted, in_use, ids[0] if ids else None):
            if choice in ids:
                self.key_list.setCurrentItem(rows[ids.index(choice)])
                break
        self.key_list.blockSignals(False)
        self._show_status(provider_id, len(rows))
        self._update_actions()
        self.edited.emit()

    def _row(
        self, key_id: str, label: str, masked: str, added: str, in_use: str | None
    ) -> QTreeWidgetItem:
        status = translate("KeyDialog", "Active") if key_id == in_use else ""
        item = QTreeWidgetItem([label, masked, self._day(added), status])
        item.setData(_LABEL, _ID_ROLE, key_id)
        flags = item.flags()
        if key_id != ENV_ROW:
            flags |= Qt.ItemFlag.ItemIsEditable
        item.setFlags(flags)
        if key_id == in_use:
            font = item.font(_LABEL)
            font.setBold(True)
            for column in range(4):
                item.setFont(column, font)
        return item

    @staticmethod
    def _day(added: str) -> str:
        day = QDate.fromString(added, Qt.DateFormat.ISODate)
        return QLocale().toString(day, QLocale.FormatType.ShortFormat) if day.isValid() else ""

    def _show_status(self, provider_id: str, rows: int) -> None:
        parts = [self._notice] if self._notice else []
        if provider_id in self.book.unreadable:
            parts.append(
                translate(
                    "KeyDialog", "The stored keys for this provider could not be read: {reason}"
                ).format(reason=self.book.unreadable[provider_id])
            )
        elif provider_id not in self.book.lists:
            parts.append(translate("KeyDialog", "Reading the stored keys…"))
        else:
            parts.extend(self.book.problems.get(provider_id, ()))
            if not rows and not self._notice:
                parts.append(
                    translate("KeyDialog", "No key is stored for this provider yet: add one below.")
                )
        self.key_status.setText("\n".join(parts))
        self.key_status.setVisible(bool(parts))

    def _update_actions(self) -> None:
        provider_id = self.provider_id
        keys = self.working(provider_id)
        selected = self._selected_id()
        stored = selected is not None and selected != ENV_ROW
        self.activate_button.setEnabled(
            selected is not None and selected != self._in_use(provider_id, keys)
        )
        self.rename_button.setEnabled(stored)
        self.remove_button.setEnabled(stored)

    def _book_changed(self) -> None:
        if self.key_list.state() != QAbstractItemView.State.EditingState:
            self.refresh()

    def _make_active(self) -> None:
        provider_id = self.provider_id
        selected = self._selected_id()
        if selected is None:
            return
        keys = self.working(provider_id)
        if selected == ENV_ROW:
            self._env_choice = provider_id
            self._notice = translate("KeyDialog", "The key from MIMO_API_KEY is used for this run.")
        else:
            key = keys.get(selected)
            if key is None:
                return
            if keys.active_id != selected:
                self._record(provider_id, ActivateKey(selected))
            if self._env_choice == provider_id:
                self._env_choice = None
            self._notice = translate("KeyDialog", "{key} is now the active key.").format(
                key=key.title
            )
        self.refresh(select=selected)
        self.key_list.setFocus()

    def _rename(self) -> None:
        item = self.key_list.currentItem()
        if item is None or self._selected_id() in (None, ENV_ROW):
            return
        self.key_list.setFocus()
        self.key_list.editItem(item, _LABEL)

    def _label_edited(self, item: QTreeWidgetItem, column: int) -> None:
        if column != _LABEL:
            return
        key_id = str(item.data(_LABEL, _ID_ROLE))
        provider_id = self.provider_id
        key = self.working(provider_id).get(key_id)
        if key is None:
            return
        label = clean_label(item.text(_LABEL))
        self.key_list.blockSignals(True)
        item.setText(_LABEL, label)
        self.key_list.blockSignals(False)
        if label == key.label:
            return
        self._record(provider_id, RenameKey(key_id, label))
        renamed = self.working(provider_id).get(key_id)
        self._notice = translate("KeyDialog", "Renamed {key}.").format(
            key=renamed.title if renamed else label
        )
        self._show_status(provider_id, self.key_list.topLevelItemCount())
        self.edited.emit()

    def _ask_remove(self) -> None:
        provider_id = self.provider_id
        keys = self.working(provider_id)
        selected = self._selected_id()
        key = keys.get(selected) if selected is not None else None
        if key is None or self.confirm_box is not None:
            return
        box = QMessageBox(self)
        box.setObjectName("removeKeyConfirm")
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle(translate("KeyDialog", "Remove API key"))
        box.setText(translate("KeyDialog", "Remove the key {key}?").format(key=key.title))
        after = keys.removed(key.id).active
        if key.id != keys.active_id:
            detail = translate("KeyDialog", "It is deleted from this computer when you save.")
        elif after is not None:
            detail = translate(
                "KeyDialog",
                "It is the active key: {other} becomes the active key. It is deleted from "
                "this computer when you save.",
            ).format(other=after.title)
        else:
            detail = translate(
                "KeyDialog",
                "It is the active key and no other key is stored for this provider. It is "
                "deleted from this computer when you save.",
            )
        box.setInformativeText(detail)
        remove = box.addButton(
            translate("KeyDialog", "Remove"), QMessageBox.ButtonRole.DestructiveRole
        )
        keep = box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(keep)
        box.setEscapeButton(keep)
        box.finished.connect(lambda _result: self._removal_answered(box, remove, key.id))
        self.confirm_box = box
        box.open()

    def _removal_answered(self, box: QMessageBox, remove: QPushButton, key_id: str) -> None:
        self.confirm_box = None
        chosen = box.clickedButton()
        box.deleteLater()
        if chosen != remove:
            self.key_list.setFocus()
            return
        provider_id = self.provider_id
        keys = self.working(provider_id)
        key = keys.get(key_id)
        if key is None:
            return
        self._record(provider_id, RemoveKey(key_id))
        after = self.working(provider_id)
        if key.id != keys.active_id:
            self._notice = translate("KeyDialog", "Removed {key}.").format(key=key.title)
        elif after.active is not None:
            self._notice = translate(
                "KeyDialog", "Removed {key}. {other} is now the active key."
            ).format(key=key.title, other=after.active.title)
        else:
            self._notice = translate(
                "KeyDialog",
                "Removed {key}. No key is left for this provider: add one, or requests "
                "will stop until you do.",
            ).format(key=key.title)
        self.refresh()
        self.key_list.setFocus()

    def _add(self) -> None:
        secret = self.key.text().strip()
        if not secret or any(ch.isspace() for ch in secret):
            return
        provider_id = self.provider_id
        keys = self.working(provider_id)
        known = keys.with_secret(secret)
        if known is not None:
            self._notice = translate("KeyDialog", "This key is already stored as {key}.").format(
                key=known.title
            )
            self._clear_entry()
            self.refresh(select=known.id)
            return
        if len(keys.keys) >= MAX_KEYS:
            self._notice = translate(
                "KeyDialog", "A provider can have at most {count} keys."
            ).format(count=MAX_KEYS)
            self.refresh()
            return
        key = self._new_key(secret, keys)
        activate = self._in_use(provider_id, keys) is None
        self._record(provider_id, AddKey(key, activate=activate))
        self._notice = (
            translate("KeyDialog", "Added {key}. It is the active key.")
            if activate
            else translate("KeyDialog", "Added {key}. Choose Make active to use it.")
        ).format(key=key.title)
        self._clear_entry()
        self.refresh(select=key.id)
        self.key_list.setFocus()

    def _clear_entry(self) -> None:
        self.show_key.setChecked(False)  # hidden again before the next key is typed
        self.key.clear()
        self.key_label.clear()

    def _typed(self) -> None:
        pending = self.pending()
        self.show_key.setEnabled(bool(self.key.text()) or self.show_key.isChecked())
        self.add_button.setEnabled(bool(pending) and not any(ch.isspace() for ch in pending))
        self.edited.emit()

    def _toggle_echo(self, shown: bool) -> None:
        self.key.setEchoMode(QLineEdit.EchoMode.Normal if shown else QLineEdit.EchoMode.Password)
