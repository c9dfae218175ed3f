"""The model picker: which MiMo model answers, and what it can do."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QWidget

from app.core.catalogue import ModelSpec, spec_for

SPEC_ROLE = Qt.ItemDataRole.UserRole + 1


class ModelPicker(QWidget):
    """A combo box of models with a line that says what the chosen one can do.

    Signals:
        modelChanged(str): the user picked another model (its id).
    """

    modelChanged = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("modelPicker")
        self.combo = QComboBox(self)
        self.combo.setObjectName("modelCombo")
        self.combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.capabilities = QLabel(self)
        self.capabilities.setObjectName("modelCapabilities")
        self.label = QLabel(self)
        self.label.setObjectName("modelLabel")
        self.label.setBuddy(self.combo)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label)
        layout.addWidget(self.combo)
        layout.addWidget(self.capabilities, 1)
        self._specs: list[ModelSpec] = []
        self.combo.currentIndexChanged.connect(self._index_changed)
        self.retranslate()

    def retranslate(self) -> None:
        """Set the texts (again, after the language changed): labels and descriptions."""
        self.combo.setAccessibleName(self.tr("Model"))
        self.label.setText(self.tr("&Model:"))
        for index, spec in enumerate(self._specs):
            self.combo.setItemData(index, spec.summary_text(), Qt.ItemDataRole.ToolTipRole)
        self._show_capabilities()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def specs(self) -> list[ModelSpec]:
        """The models offered, in order."""
        return list(self._specs)

    @property
    def current_id(self) -> str | None:
        index = self.combo.currentIndex()
        return self._specs[index].id if 0 <= index < len(self._specs) else None

    def set_models(self, specs: Sequence[ModelSpec], current: str) -> None:
        """Fill the list; keep ``current`` selected (added as unknown if missing)."""
        specs = list(specs)
        if current and all(spec.id != current for spec in specs):
            specs.append(spec_for(current))
        self.combo.blockSignals(True)
        try:
            self.combo.clear()
            self._specs = specs
            for spec in specs:
                self.combo.addItem(spec.label, spec.id)
                index = self.combo.count() - 1
                self.combo.setItemData(index, spec.summary_text(), Qt.ItemDataRole.ToolTipRole)
            ids = [spec.id for spec in specs]
            self.combo.setCurrentIndex(ids.index(current) if current in ids else 0)
        finally:
            self.combo.blockSignals(False)
        self._show_capabilities()

    def select(self, model_id: str) -> None:
        ids = [spec.id for spec in self._specs]
        if model_id in ids:
            self.combo.setCurrentIndex(ids.index(model_id))

    def _index_changed(self, _index: int) -> None:
        self._show_capabilities()
        model_id = self.current_id
        if model_id is not None:
            self.modelChanged.emit(model_id)

    def _show_capabilities(self) -> None:
        index = self.combo.currentIndex()
        if 0 <= index < len(self._specs):
            spec = self._specs[index]
            self.capabilities.setText(spec.capability_text())
            self.combo.setToolTip(spec.summary_text())
        else:
            self.capabilities.clear()
