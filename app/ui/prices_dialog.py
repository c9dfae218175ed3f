"""The price table dialog: what each model costs, with the user's corrections."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRegularExpression, Qt
from PySide6.QtGui import QPalette, QRegularExpressionValidator
from PySide6.QtWidgets import (
    QAbstractItemView,
    QAbstractScrollArea,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.core.catalogue import (
    Price,
    PriceTable,
    catalogue_prices,
    known_models,
    price_to_json,
    same_price,
    spec_for,
)

MODEL_COLUMN, INPUT_COLUMN, CACHED_COLUMN, OUTPUT_COLUMN = range(4)
RATE_COLUMNS = (INPUT_COLUMN, CACHED_COLUMN, OUTPUT_COLUMN)
# A blank, or a number >= 0 with at most 6 decimals (a minus sign cannot be typed).
RATE_PATTERN = r"|\d{1,7}(\.\d{0,6})?|\.\d{1,6}"


def format_rate(value: float | None) -> str:
    """``1.0 -> "1.00"``, ``0.125 -> "0.125"``, ``None -> ""``."""
    if value is None:
        return ""
    whole, _, decimals = f"{value:.6f}".partition(".")
    decimals = decimals.rstrip("0").ljust(2, "0")
    return f"{whole}.{decimals}"


def parse_rate(text: str) -> float | None:
    """A rate from a cell: None when blank.

    Raises:
        ValueError: Not a finite number >= 0.
    """
    text = text.strip()
    if not text:
        return None
    value = float(text)
    if not math.isfinite(value) or value < 0:
        raise ValueError(text)
    return value


class _RateDelegate(QStyledItemDelegate):
    """Edits a rate in a line edit that only takes a blank or a number >= 0."""

    def createEditor(
        self,
        parent: QWidget,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> QWidget:
        editor = QLineEdit(parent)
        editor.setObjectName("rateEditor")
        editor.setValidator(QRegularExpressionValidator(QRegularExpression(RATE_PATTERN), editor))
        header = index.model().headerData(index.column(), Qt.Orientation.Horizontal)
        editor.setAccessibleName(str(header))
        return editor


class PricesDialog(QDialog):
    """Shows the price of every model and lets the user correct it.

    Prices are USD per million tokens. A row equal to the catalogue's is no override;
    :meth:`overrides` gives the rows that differ, in ``Settings.prices`` shape.
    """

    def __init__(
        self,
        overrides: Mapping[str, Mapping[str, Any]],
        models: Sequence[str] = (),
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("pricesDialog")
        self.setWindowTitle(self.tr("Model prices"))
        self.setMinimumWidth(620)
        self._catalogue = catalogue_prices()
        table = PriceTable(overrides)
        self._ids = self._row_ids(table, models)

        self.table = QTableWidget(len(self._ids), 4, self)
        self.table.setObjectName("pricesTable")
        self.table.setAccessibleName(self.tr("Model prices"))
        self.table.setHorizontalHeaderLabels(
            [self.tr("Model"), self.tr("Input"), self.tr("Cached input"), self.tr("Output")]
        )
        self.table.verticalHeader().hide()
        self.table.setAlternatingRowColors(True)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.table.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed
        )
        self.table.setItemDelegate(_RateDelegate(self.table))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(MODEL_COLUMN, QHeaderView.ResizeMode.Stretch)
        rate_width = self.fontMetrics().horizontalAdvance(self.tr("Cached input")) + 48
        for column in RATE_COLUMNS:
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Fixed)
            self.table.setColumnWidth(column, rate_width)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 12)
        self.table.setTabKeyNavigation(False)  # Tab leaves the table; arrows move in it

        self.note = QLabel(
            self.tr(
                "USD per million tokens. Leave “Cached input” blank when a model has no "
                "reduced rate for cached input. Prices that differ from the catalogue's "
                "are shown in bold."
            ),
            self,
        )
        self.note.setObjectName("pricesNote")
        self.note.setWordWrap(True)
        self.note.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.problem = QLabel(self)
        self.problem.setObjectName("pricesProblem")
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("color: #b91c1c;")
        self.problem.hide()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok
            | QDialogButtonBox.StandardButton.Cancel
            | QDialogButtonBox.StandardButton.RestoreDefaults,
            self,
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.reset_button = self.buttons.button(QDialogButtonBox.StandardButton.RestoreDefaults)
        self.reset_button.setText(self.tr("Reset to &catalogue prices"))
        self.reset_button.setAutoDefault(False)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.reset_button.clicked.connect(self.reset_to_catalogue)

        label = QLabel(self.tr("&Prices per million tokens:"), self)
        label.setBuddy(self.table)
        layout = QVBoxLayout(self)
        layout.addWidget(label)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.note)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)

        self._fill(table)
        self.table.itemChanged.connect(self._validate)
        self._validate()
        # Tall enough for every row (up to a point), and no taller.
        self.table.setSizeAdjustPolicy(QAbstractScrollArea.SizeAdjustPolicy.AdjustToContents)
        self.table.setMaximumHeight(max(self.table.sizeHint().height(), 200))
        self.table.setMinimumHeight(min(self.table.sizeHint().height(), 420))

    # -- public -----------------------------------------------------------------------

    def model_ids(self) -> list[str]:
        """The model of each row, top to bottom."""
        return list(self._ids)

    def row_of(self, model_id: str) -> int:
        """The row of ``model_id`` (case-insensitive), or -1."""
        key = model_id.strip().lower()
        return self._ids.index(key) if key in self._ids else -1

    def price_in_row(self, row: int) -> Price | None:
        """The row's price; None when the row is blank.

        Raises:
            ValueError: The row is incomplete or holds a bad number.
        """
        rates = [parse_rate(self._text(row, column)) for column in RATE_COLUMNS]
        input_rate, cached_rate, output_rate = rates
        if input_rate is None and output_rate is None:
            if cached_rate is not None:
                raise ValueError("cached input without input and output prices")
            return None
        if input_rate is None or output_rate is None:
            raise ValueError("input or output price missing")
        return Price(input=input_rate, output=output_rate, cached_input=cached_rate)

    def overrides(self) -> dict[str, dict[str, float | None]]:
        """The rows that differ from the catalogue, as ``Settings.prices`` stores them.

        Rows with a problem (the dialog's OK button is then disabled) are left out.
        """
        result: dict[str, dict[str, float | None]] = {}
        for row, model_id in enumerate(self._ids):
            try:
                price = self.price_in_row(row)
            except ValueError:
                continue
            if price is not None and not same_price(price, self._catalogue.get(model_id)):
                result[model_id] = price_to_json(price)
        return result

    def reset_to_catalogue(self) -> None:
        """Put the catalogue's prices back in every row (rows it does not price go blank)."""
        self._fill(PriceTable())
        self._validate()

    # -- internals --------------------------------------------------------------------

    @staticmethod
    def _row_ids(table: PriceTable, models: Sequence[str]) -> list[str]:
        ids = [spec.id for spec in known_models()]
        ids += [model_id for model_id in table.model_ids() if model_id not in ids]
        extra = {m.strip().lower() for m in models if m.strip()} - set(ids)
        return ids + sorted(extra)

    def _text(self, row: int, column: int) -> str:
        item = self.table.item(row, column)
        return item.text() if item is not None else ""

    def _fill(self, table: PriceTable) -> None:
        self.table.blockSignals(True)
        try:
            for row, model_id in enumerate(self._ids):
                name = QTableWidgetItem(model_id)
                name.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
                spec = spec_for(model_id)
                name.setToolTip(spec.label if spec.known else self.tr("Not in the catalogue"))
                self.table.setItem(row, MODEL_COLUMN, name)
                price = table.price_for(model_id)
                rates = (
                    (price.input, price.cached_input, price.output)
                    if price is not None
                    else (None, None, None)
                )
                for column, rate in zip(RATE_COLUMNS, rates, strict=True):
                    item = QTableWidgetItem(format_rate(rate))
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                    self.table.setItem(row, column, item)
        finally:
            self.table.blockSignals(False)

    def _validate(self) -> None:
        """Mark bad rows, bold changed ones, and allow OK only when every row is good."""
        problems: list[str] = []
        self.table.blockSignals(True)
        try:
            for row, model_id in enumerate(self._ids):
                problem = ""
                changed = False
                try:
                    price = self.price_in_row(row)
                except ValueError:
                    problem = self.tr("{model}: give both an input and an output price.").format(
                        model=model_id
                    )
                else:
                    catalogue = self._catalogue.get(model_id)
                    if price is None and catalogue is not None:
                        problem = self.tr(
                            "{model}: the catalogue has a price; give one or reset it."
                        ).format(model=model_id)
                    changed = price is not None and not same_price(price, catalogue)
                if problem:
                    problems.append(problem)
                self._mark_row(row, problem, changed)
        finally:
            self.table.blockSignals(False)
        self.problem.setText(problems[0] if problems else "")
        self.problem.setVisible(bool(problems))
        self.ok_button.setEnabled(not problems)

    def _mark_row(self, row: int, problem: str, changed: bool) -> None:
        for column in range(self.table.columnCount()):
            item = self.table.item(row, column)
            if item is None:
                continue
            font = item.font()
            font.setBold(changed)
            item.setFont(font)
            item.setToolTip(problem if column != MODEL_COLUMN else item.toolTip())
            if problem:
                item.setForeground(Qt.GlobalColor.red)
            else:
                item.setData(Qt.ItemDataRole.ForegroundRole, None)
