"""The look: one style sheet built on the palette, so light and dark schemes both work."""

from __future__ import annotations

from PySide6.QtGui import (
    QColor,
    QPalette,
    QTextBlockFormat,
    QTextCursor,
    QTextDocument,
    QTextFormat,
)

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
"""

CODE_MARGIN = 8.0
BLOCK_SPACING = 6.0


def is_code_block(fmt: QTextBlockFormat) -> bool:
    """Qt's Markdown reader marks fenced and indented code with these properties."""
    return fmt.hasProperty(QTextFormat.Property.BlockCodeFence) or fmt.hasProperty(
        QTextFormat.Property.BlockCodeLanguage
    )


def polish_markdown(document: QTextDocument, palette: QPalette) -> None:
    """Give code blocks a shaded background and every block some air.

    Qt's Markdown reader marks fenced and indented code with a block property; it sets
    no spacing or background of its own.
    """
    base = palette.color(QPalette.ColorRole.Base)
    shade = QColor(base).darker(106) if base.lightness() > 128 else QColor(base).lighter(130)
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
        elif fmt.bottomMargin() < BLOCK_SPACING and block.textList() is None:
            changed.setBottomMargin(BLOCK_SPACING)
        if changed != fmt:
            QTextCursor(block).setBlockFormat(changed)
        block = block.next()
