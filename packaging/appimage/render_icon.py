"""Render the SVG app icon to a PNG of one size (for the AppDir and .DirIcon).

QT_QPA_PLATFORM=offscreen python packaging/appimage/render_icon.py SVG SIZE OUT.png
"""

from __future__ import annotations

import sys

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer


def render(svg: str, size: int, out: str) -> None:
    renderer = QSvgRenderer(svg)
    if not renderer.isValid():
        raise SystemExit(f"render_icon: {svg} is not a valid SVG")
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    if not image.save(out, "PNG"):
        raise SystemExit(f"render_icon: could not write {out}")


if __name__ == "__main__":
    app = QGuiApplication(sys.argv[:1])
    render(sys.argv[1], int(sys.argv[2]), sys.argv[3])
