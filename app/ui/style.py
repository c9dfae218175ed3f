"""The look: one style sheet built on the palette, so light and dark schemes both work."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import (
    QColor,
    QPalette,
    QTextBlock,
    QTextBlockFormat,
    QTextCharFormat,
    QTextCursor,
    QTextDocument,
    QTextFormat,
    QTextTable,
)

from app.ui.theme import is_dark

STYLE_SHEET = """
#chatContent { background: palette(base); }
#chatView { border: none; background: palette(base); }
#userBubble {
    background: palette(alternate-base);
    border: 1px solid palette(midlight);
    border-radius: 10px;
    margin-left: 80px;
}
#assistantBubble { background: palette(base); border: none; margin-right: 40px; }
#bubbleHeader { font-weight: 600; color: palette(window-text); }
#reasoningToggle { border: none; color: palette(mid); }
#reasoning { color: palette(mid); }
MarkdownView { background: transparent; }
#userText { background: transparent; }
#replyStatus { color: palette(mid); font-style: italic; }
#errorCard {
    background: rgba(220, 38, 38, 0.08);
    border: 1px solid rgba(220, 38, 38, 0.45);
    border-radius: 8px;
}
#placeholder { color: palette(mid); font-size: 15px; }
#composerEdit { border: 1px solid palette(mid); border-radius: 6px; }
#historyList { border: none; background: palette(window); }
#historyList::item { padding: 0 10px; border-radius: 6px; }
#historyList::item:selected { background: palette(highlight); color: palette(highlighted-text); }
#historyEmpty { color: palette(mid); }
#undoBar { background: palette(alternate-base); border-top: 1px solid palette(midlight); }
#bubbleAction { border: none; color: palette(mid); padding: 2px 6px; }
#bubbleAction:hover { color: palette(window-text); }
#branchLabel { color: palette(mid); }
#replyUsage { color: palette(mid); font-size: 11px; }
#userBubble[highlighted="true"], #assistantBubble[highlighted="true"] {
    border: 2px solid palette(highlight);
    border-radius: 10px;
}
#attachmentChip {
    background: palette(alternate-base);
    border: 1px solid palette(midlight);
    border-radius: 8px;
}
#attachmentChip[invalid="true"] { border-color: #dc2626; }
#chipName { font-weight: 600; }
#chipDetail { color: palette(mid); font-size: 11px; }
#chipDetail[error="true"] { color: #dc2626; }
#chipThumbnail { background: palette(base); border-radius: 4px; font-size: 20px; }
#attachmentTag {
    background: palette(alternate-base);
    border: 1px solid palette(midlight);
    border-radius: 4px;
    padding: 1px 6px;
    font-size: 11px;
}
#offerBar { background: #fef3c7; color: #78350f; border-top: 1px solid #fcd34d; }
#recordingBar { background: palette(alternate-base); border-radius: 6px; }
#recordingDot { color: #dc2626; font-size: 14px; }
"""

CODE_MARGIN = 8.0
BLOCK_SPACING = 6.0
QUOTE_INDENT = 14.0
MIN_CONTRAST = 4.5  # WCAG AA for normal text
_TOOLTIP_CHARS = 200


def blend(color: QColor, other: QColor, amount: float) -> QColor:
    """``color`` moved ``amount`` (0 to 1) of the way towards ``other``."""
    return QColor.fromRgbF(
        color.redF() + (other.redF() - color.redF()) * amount,
        color.greenF() + (other.greenF() - color.greenF()) * amount,
        color.blueF() + (other.blueF() - color.blueF()) * amount,
    )


def _luminance(color: QColor) -> float:
    def linear(channel: float) -> float:
        return channel / 12.92 if channel <= 0.04045 else ((channel + 0.055) / 1.055) ** 2.4

    red, green, blue = linear(color.redF()), linear(color.greenF()), linear(color.blueF())
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast(first: QColor, second: QColor) -> float:
    """The WCAG contrast ratio of two colours, from 1 (same) to 21 (black on white)."""
    lighter, darker = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def readable(color: QColor, background: QColor, text: QColor, minimum: float) -> QColor:
    """``color``, or the nearest blend of it with ``text`` that reaches ``minimum``."""
    for step in range(11):
        candidate = blend(color, text, step / 10)
        if contrast(candidate, background) >= minimum:
            return candidate
    return QColor(text)


def code_background(palette: QPalette) -> QColor:
    """The shade behind code blocks and inline code: a little towards the text colour.

    Rounded to 8-bit channels, as it is painted (and as the highlighter's cache keys it),
    so contrast is judged against the colour on screen."""
    base = palette.color(QPalette.ColorRole.Base)
    text = palette.color(QPalette.ColorRole.Text)
    return QColor(blend(base, text, 0.10 if is_dark(palette) else 0.05).rgba())


def quote_background(palette: QPalette) -> QColor:
    """A faint tint of the highlight colour behind block quotes."""
    base = palette.color(QPalette.ColorRole.Base)
    return blend(base, palette.color(QPalette.ColorRole.Highlight), 0.12)


def is_code_block(fmt: QTextBlockFormat) -> bool:
    """Qt's Markdown reader marks fenced and indented code with these properties."""
    return fmt.hasProperty(QTextFormat.Property.BlockCodeFence) or fmt.hasProperty(
        QTextFormat.Property.BlockCodeLanguage
    )


def polish_markdown(document: QTextDocument, palette: QPalette) -> None:
    """Make Qt's plain Markdown rendering readable in light and dark palettes.

    Code blocks get a shaded background and margins, block quotes a tint and a smaller
    indent, inline code a shaded background, every block some air; images become links
    (a reply never loads an image). Qt's Markdown reader marks fenced and indented code
    and quotes with block properties; it sets no spacing or background of its own.
    """
    shade = code_background(palette)
    tint = quote_background(palette)
    link = palette.color(QPalette.ColorRole.Link)
    shaded = QTextCharFormat()
    shaded.setBackground(shade)
    block = document.begin()
    while block.isValid():
        fmt = block.blockFormat()
        changed = QTextBlockFormat(fmt)
        if is_code_block(fmt):
            changed.setBackground(shade)
            changed.setLeftMargin(CODE_MARGIN)
            changed.setRightMargin(CODE_MARGIN)
            following = block.next()
            if not following.isValid() or not is_code_block(following.blockFormat()):
                changed.setBottomMargin(BLOCK_SPACING + CODE_MARGIN / 2)
        else:
            if fmt.bottomMargin() < BLOCK_SPACING and block.textList() is None:
                changed.setBottomMargin(BLOCK_SPACING)
            level = fmt.intProperty(QTextFormat.Property.BlockQuoteLevel)
            if level > 0:
                changed.setBackground(tint)
                changed.setLeftMargin(QUOTE_INDENT * level)
                changed.setRightMargin(0)
                changed.setTopMargin(0)
            _polish_inline(block, shaded, link)
        if changed != fmt:
            QTextCursor(block).setBlockFormat(changed)
        block = block.next()
    _polish_tables(document, palette, shade)


def _polish_tables(document: QTextDocument, palette: QPalette, shade: QColor) -> None:
    """Air above and below each table, a border from the palette, a shaded header row
    (a Markdown table always has one)."""
    border = blend(
        palette.color(QPalette.ColorRole.Base), palette.color(QPalette.ColorRole.Text), 0.3
    )
    for frame in document.rootFrame().childFrames():
        if not isinstance(frame, QTextTable):
            continue
        _drop_stray_block(frame)
        fmt = frame.format()
        fmt.setTopMargin(BLOCK_SPACING + CODE_MARGIN / 2)  # Qt ignores the margin above
        fmt.setBottomMargin(BLOCK_SPACING)
        fmt.setBorderBrush(border)
        fmt.setCellPadding(5)
        frame.setFormat(fmt)
        for column in range(frame.columns()):
            cell = frame.cellAt(0, column)
            cell_format = cell.format()
            cell_format.setBackground(shade)
            cell.setFormat(cell_format)


def _drop_stray_block(table: QTextTable) -> None:
    """Remove the empty block Qt's reader puts into the first cell of a table that
    follows a fenced code block or a quote (a streamed table has none); it took the
    header's bold with it, so give that back to the cell's text."""
    cell = table.cellAt(0, 0)
    first = cell.firstCursorPosition().block()
    if first.text() or first == cell.lastCursorPosition().block():
        return
    weight = QTextCharFormat()
    weight.setFontWeight(first.charFormat().fontWeight())
    cursor = QTextCursor(first.next())
    cursor.deletePreviousChar()
    cursor.movePosition(QTextCursor.MoveOperation.EndOfBlock, QTextCursor.MoveMode.KeepAnchor)
    cursor.mergeCharFormat(weight)
    cursor.mergeBlockCharFormat(weight)


def _polish_inline(block: QTextBlock, shaded: QTextCharFormat, link_color: QColor) -> None:
    """Shade inline code and turn images into links, within one block."""
    code: list[tuple[int, int]] = []
    images: list[tuple[int, int, QTextCharFormat]] = []
    iterator = block.begin()
    while not iterator.atEnd():
        fragment = iterator.fragment()
        fmt = fragment.charFormat()
        if fmt.isImageFormat():
            images.append((fragment.position(), fragment.length(), fmt))
        elif fmt.fontFixedPitch() and fmt.background().style() == Qt.BrushStyle.NoBrush:
            code.append((fragment.position(), fragment.length()))
        iterator += 1
    if not code and not images:
        return
    cursor = QTextCursor(block)
    for position, length in code:  # formats only: positions stay put
        cursor.setPosition(position)
        cursor.setPosition(position + length, QTextCursor.MoveMode.KeepAnchor)
        cursor.mergeCharFormat(shaded)
    for position, length, fmt in reversed(images):  # from the end: text changes
        _image_to_link(cursor, position, length, fmt, link_color)


def _image_to_link(
    cursor: QTextCursor, position: int, length: int, fmt: QTextCharFormat, color: QColor
) -> None:
    """Put a link in place of an image: its alt text (or address), opened only on click."""
    image = fmt.toImageFormat()
    source = image.name()
    alt = str(image.property(QTextFormat.Property.ImageAltText) or "").strip()
    label = QCoreApplication.translate("Markdown", "[image: {0}]").format(alt or source)
    link = QTextCharFormat(fmt)
    link.setObjectType(QTextFormat.ObjectTypes.NoObject)
    for prop in (
        QTextFormat.Property.ImageName,
        QTextFormat.Property.ImageTitle,
        QTextFormat.Property.ImageAltText,
        QTextFormat.Property.ImageWidth,
        QTextFormat.Property.ImageHeight,
        QTextFormat.Property.ImageMaxWidth,
        QTextFormat.Property.ImageQuality,
    ):
        link.clearProperty(prop)
    if not fmt.isAnchor():
        link.setAnchor(True)
        link.setAnchorHref(source)
    link.setFontUnderline(True)
    link.setForeground(color)
    link.setToolTip(source[:_TOOLTIP_CHARS])
    cursor.setPosition(position)
    cursor.setPosition(position + length, QTextCursor.MoveMode.KeepAnchor)
    cursor.insertText(label, link)
