"""A spin box with a "Default" check box beside it, and the grey hint label it shares."""

from __future__ import annotations

from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QCheckBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QSpinBox,
    QWidget,
)

__all__ = ["FALLBACK_TEMPERATURE", "DefaultableSpin", "hint_label"]

# Where a spin box starts when "Default" is unticked and the default is unknown.
FALLBACK_TEMPERATURE = 1.0


def hint_label(parent: QWidget) -> QLabel:
    """A word-wrapping label in the placeholder colour, for a note beside or under a field."""
    label = QLabel(parent)
    label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
    label.setWordWrap(True)
    return label


class DefaultableSpin(QWidget):
    """A spin box with a "Default" check box beside it.

    Ticked, the spin box is disabled and shows the model's default (or a text such as
    "Model default" when the value is unknown); :meth:`value` is then None.
    """

    def __init__(
        self,
        spin: QSpinBox | QDoubleSpinBox,
        *,
        name: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.spin = spin
        self.spin.setParent(self)
        self.spin.setAccessibleName(name)
        self.default_box = QCheckBox(self.tr("Default"), self)
        self.default_box.setAccessibleName(
            self.tr("Use the model's default {name}").format(name=name.lower())
        )
        self.note = hint_label(self)
        self.note.setWordWrap(False)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.spin)
        layout.addWidget(self.default_box)
        layout.addWidget(self.note, 1)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self._default: float | None = None
        self._unknown_text = ""
        self._custom: float | None = None
        self._label: QLabel | None = None
        self.setFocusProxy(self.spin)
        self.default_box.toggled.connect(self._default_toggled)

    def set_label(self, label: QLabel) -> None:
        """The row's label: its mnemonic focuses the spin box, or "Default" when ticked."""
        self._label = label
        self._update_buddy()

    def _update_buddy(self) -> None:
        target = self.default_box if self.default_box.isChecked() else self.spin
        self.setFocusProxy(target)
        if self._label is not None:
            self._label.setBuddy(target)

    def set_default(self, value: float | None, unknown_text: str) -> None:
        """The model's default, shown while "Default" is ticked."""
        self._default = value
        self._unknown_text = unknown_text
        if self.default_box.isChecked():
            self._show_default()

    def set_range(self, low: float, high: float) -> None:
        if isinstance(self.spin, QSpinBox):
            self.spin.setRange(int(low), int(high))
        else:
            self.spin.setRange(low, high)

    def set_value(self, value: float | None) -> None:
        """A number to use, or None for the default."""
        if value is None:
            self.default_box.setChecked(True)
            self._custom = None
            self._show_default()
            return
        self.default_box.setChecked(False)
        self._custom = value
        self._set_number(value)

    def value(self) -> float | None:
        return None if self.default_box.isChecked() else float(self.spin.value())

    def _set_number(self, value: float) -> None:
        self.spin.setSpecialValueText("")
        if isinstance(self.spin, QSpinBox):
            self.spin.setValue(round(value))
        else:
            self.spin.setValue(value)

    def _show_default(self) -> None:
        if self._default is None:
            self.spin.setSpecialValueText(self._unknown_text)  # shown at the minimum
            if isinstance(self.spin, QSpinBox):  # two branches only for the type checker
                self.spin.setValue(self.spin.minimum())
            else:
                self.spin.setValue(self.spin.minimum())
        else:
            self._set_number(self._default)

    def _default_toggled(self, checked: bool) -> None:
        self.spin.setEnabled(not checked)
        self._update_buddy()
        if checked:
            self._custom = float(self.spin.value())  # restored when unticked again
            self._show_default()
            return
        start = self._custom if self._custom is not None else self._default
        if start is None:
            start = self._fallback()
        self._set_number(start)

    def _fallback(self) -> float:
        if isinstance(self.spin, QSpinBox):
            return float(self.spin.maximum())
        return min(max(FALLBACK_TEMPERATURE, self.spin.minimum()), self.spin.maximum())
