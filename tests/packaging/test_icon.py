"""The app icon: a valid SVG that Qt renders, legible from 16 to 256 pixels."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPainter
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QApplication

from app.core.resources import icon_path


def render(size: int) -> QImage:
    renderer = QSvgRenderer(str(icon_path()))
    assert renderer.isValid()
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    renderer.render(painter)
    painter.end()
    return image


def test_the_icon_is_a_square_svg_document() -> None:
    root = ET.parse(icon_path()).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.get("viewBox") == "0 0 256 256"


@pytest.mark.parametrize("size", [16, 32, 256])
def test_the_icon_renders_a_coloured_tile_with_a_white_bubble(
    qapp: QApplication, size: int
) -> None:
    image = render(size)
    centre = image.pixelColor(size // 2, size // 2 - size // 8)
    corner = image.pixelColor(0, 0)
    edge = image.pixelColor(size // 2, size * 3 // 100 + 1)

    assert corner.alpha() == 0  # rounded corners stay transparent
    assert edge.alpha() == 255 and edge.blue() > edge.red()  # the indigo tile
    # inside the bubble: white, or the voice bars drawn on it
    assert centre.alpha() == 255
