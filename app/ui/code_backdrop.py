"""Backdrops painted behind code blocks, and bars beside block quotes.

A block's background in a QTextDocument starts exactly where its text starts, so a code
block drawn with block backgrounds alone has its text touching the shaded edge. The
view paints, under the text, a rounded rectangle a margin wider than each run of code
lines (with its Copy header), in the colour of the blocks' own background, and a bar to
the left of each quote level.

Only the blocks in the exposed rectangle are visited (the layout's hit test finds the
first one), so a paint costs the same for a short reply and a long one.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QTextBlock, QTextDocument, QTextFormat

from app.ui.code_blocks import CODE_PROPERTY
from app.ui.style import CODE_MARGIN, QUOTE_INDENT, is_code_block

RADIUS = 6.0
QUOTE_BAR = 3.0
_TOP_PAD = 2.0  # the header's small text needs little
_BOTTOM_PAD = 4.0


def _is_header(block: QTextBlock) -> bool:
    return block.blockFormat().hasProperty(CODE_PROPERTY)


def _in_code(block: QTextBlock) -> bool:
    fmt = block.blockFormat()
    return is_code_block(fmt) or fmt.hasProperty(CODE_PROPERTY)


def _text_rect(document: QTextDocument, block: QTextBlock) -> QRectF:
    """Where a block's lines go: its bounding rect moved right past margin and indent."""
    rect = document.documentLayout().blockBoundingRect(block)
    fmt = block.blockFormat()
    left = fmt.leftMargin() + fmt.indent() * document.indentWidth()
    return rect.translated(left, 0)


def _paint_code_run(painter: QPainter, document: QTextDocument, first: QTextBlock) -> QTextBlock:
    """Paint the backdrop of the code run starting at ``first``; return the block after."""
    area = _text_rect(document, first)
    brush = first.blockFormat().background()
    block = first.next()
    while block.isValid() and _in_code(block) and not _is_header(block):
        area = area.united(_text_rect(document, block))
        block = block.next()
    if brush.style() != Qt.BrushStyle.NoBrush:
        backdrop = area.adjusted(-CODE_MARGIN, -_TOP_PAD, CODE_MARGIN, _BOTTOM_PAD)
        # The document's height leaves out its last block's bottom margin: stay inside.
        backdrop.setBottom(min(backdrop.bottom(), document.size().height()))
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(brush)
        painter.drawRoundedRect(backdrop, RADIUS, RADIUS)
    return block


def _paint_quote(
    painter: QPainter, document: QTextDocument, block: QTextBlock, level: int, bar: QColor
) -> None:
    """Spread the block's tint from the bars to the next quote line; draw the bars."""
    text = _text_rect(document, block)
    rect = document.documentLayout().blockBoundingRect(block)
    following = block.next()
    bottom = text.bottom()
    if following.isValid() and following.blockFormat().intProperty(
        QTextFormat.Property.BlockQuoteLevel
    ):
        bottom = document.documentLayout().blockBoundingRect(following).top()  # no gaps
    brush = QBrush(block.blockFormat().background())
    painter.setPen(Qt.PenStyle.NoPen)
    if brush.style() != Qt.BrushStyle.NoBrush:
        painter.setBrush(brush)
        painter.drawRect(
            QRectF(rect.left(), text.top(), text.right() - rect.left(), bottom - text.top())
        )
    painter.setBrush(bar)
    for depth in range(level):
        x = rect.left() + depth * QUOTE_INDENT
        painter.drawRect(QRectF(x, text.top(), QUOTE_BAR, bottom - text.top()))


def paint_backdrops(
    painter: QPainter, document: QTextDocument, exposed: QRectF, bar: QColor
) -> None:
    """Paint code backdrops and quote bars that meet ``exposed``.

    Args:
        painter: Translated so that it paints in document coordinates.
        document: The laid-out document.
        exposed: The part to paint, in document coordinates.
        bar: The colour of the quote bars.
    """
    layout = document.documentLayout()
    position = layout.hitTest(exposed.topLeft(), Qt.HitTestAccuracy.FuzzyHit)
    block = document.findBlock(max(position, 0))
    while _in_code(block) and not _is_header(block) and _in_code(block.previous()):
        block = block.previous()  # a code block that starts above the exposed part
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    while block.isValid():
        if layout.blockBoundingRect(block).top() > exposed.bottom():
            break
        if _in_code(block):
            block = _paint_code_run(painter, document, block)
            continue
        level = block.blockFormat().intProperty(QTextFormat.Property.BlockQuoteLevel)
        if level > 0:
            _paint_quote(painter, document, block, level, bar)
        block = block.next()


def paint_view_backdrops(
    painter: QPainter, document: QTextDocument, exposed: QRectF, scroll: QPointF, bar: QColor
) -> None:
    """:func:`paint_backdrops` for a view's viewport scrolled by ``scroll``."""
    painter.translate(-scroll)
    paint_backdrops(painter, document, exposed.translated(scroll), bar)
