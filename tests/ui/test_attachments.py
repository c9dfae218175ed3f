"""Attachments in the window: drop, paste and pick files; chips; sending them to Omni."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QColor, QDragEnterEvent, QDropEvent, QGuiApplication, QImage
from PySide6.QtWidgets import QApplication

from app.core.media import format_size
from app.ui.attachment_pane import AttachmentChip
from tests import media_samples as samples
from tests.sim import Plan
from tests.ui.conftest import RunningApp

OMNI = "mimo-v2-omni"


def chips(app: RunningApp) -> list[AttachmentChip]:
    return list(app.window.attachment_pane.chips.values())


def settled(app: RunningApp, count: int) -> None:
    """Wait until ``count`` chips exist and every file has been examined."""
    app.qtbot.waitUntil(
        lambda: len(chips(app)) == count and not app.parts.attachments.busy(), timeout=5000
    )


def drop(app: RunningApp, paths: list[Path]) -> None:
    """Drag ``paths`` over the conversation and drop them, as a file manager would."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path)) for path in paths])
    target = app.window.chat_view.viewport()  # not a drop target: the window takes it
    point = QPoint(50, 50)
    buttons, keys = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    enter = QDragEnterEvent(point, Qt.DropAction.CopyAction, mime, buttons, keys)
    QApplication.sendEvent(target, enter)
    assert enter.isAccepted()
    event = QDropEvent(QPointF(point), Qt.DropAction.CopyAction, mime, buttons, keys)
    QApplication.sendEvent(target, event)
    assert event.isAccepted()


def choose_model(app: RunningApp, model_id: str) -> None:
    app.window.model_picker.select(model_id)
    assert app.parts.chat.model == model_id


def test_dropped_files_become_chips_that_say_what_each_file_is(
    app: RunningApp, tmp_path: Path
) -> None:
    picture = samples.write(tmp_path, "photo.png", samples.png(64, 48))
    sound = samples.write(tmp_path, "voice.wav", samples.audio("WAV", seconds=3.0))
    clip = samples.write(tmp_path, "walk.mov", samples.iso_media(b"qt  ", 12.0))
    drop(app, [picture, sound, clip])
    settled(app, 3)
    image_chip, audio_chip, video_chip = chips(app)
    assert image_chip.detail.text() == f"PNG · 64\u00d748 · {format_size(picture.stat().st_size)}"
    app.qtbot.waitUntil(lambda: not image_chip.thumbnail.pixmap().isNull())
    assert audio_chip.detail.text().startswith("WAV · 0:03 · ")
    assert audio_chip.play_button.isVisibleTo(audio_chip)
    assert video_chip.detail.text().startswith("MOV · 640\u00d7480 · 0:12 · ")
    assert video_chip.options_button.isVisibleTo(video_chip)
    assert not image_chip.play_button.isVisibleTo(image_chip)
    app.qtbot.mouseClick(image_chip.remove_button, Qt.MouseButton.LeftButton)
    app.qtbot.waitUntil(lambda: len(chips(app)) == 2)
    assert [a.name for a in app.parts.attachments.attachments()] == ["voice.wav", "walk.mov"]


def test_a_pasted_image_and_pasted_files_are_attached_not_typed(
    app: RunningApp, tmp_path: Path
) -> None:
    image = QImage(32, 20, QImage.Format.Format_RGB32)
    image.fill(QColor("teal"))
    QGuiApplication.clipboard().setImage(image)
    edit = app.window.composer.edit
    edit.setFocus()
    edit.paste()
    settled(app, 1)
    (chip,) = chips(app)
    assert chip.state.name.startswith("pasted-") and chip.state.name.endswith(".png")
    assert chip.detail.text().startswith("PNG · 32\u00d720 · ")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(samples.write(tmp_path, "a.gif", samples.gif())))])
    QGuiApplication.clipboard().setMimeData(mime)
    edit.paste()
    settled(app, 2)
    assert edit.toPlainText() == ""


def test_each_kind_reaches_omni_intact_and_the_draft_is_cleared(
    app: RunningApp, tmp_path: Path
) -> None:
    choose_model(app, OMNI)
    files = [
        samples.write(tmp_path, "photo.png", samples.png(64, 48)),
        samples.write(tmp_path, "voice.wav", samples.audio("WAV", seconds=1.5)),
        samples.write(tmp_path, "walk.mp4", samples.iso_media()),
    ]
    drop(app, files)
    settled(app, 3)
    video_chip = chips(app)[2]
    video_chip.videoOptionsChanged.emit(5.0, "max")
    app.send("What is in these?")
    app.wait_idle()
    reply = app.replies()[-1].body.toPlainText()
    for path in files:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
        assert f"{path.stat().st_size} bytes sha256={digest}" in reply
    assert "image/png 64x48" in reply
    assert "audio/wav 1.50 s" in reply
    assert "video/mp4 3.00 s" in reply
    content = app.chat_requests()[-1]["messages"][-1]["content"]
    assert [part["type"] for part in content] == ["image_url", "input_audio", "video_url", "text"]
    assert (content[2]["fps"], content[2]["media_resolution"]) == (5.0, "max")
    assert content[3] == {"type": "text", "text": "What is in these?"}
    assert chips(app) == [] and not app.window.attachment_pane.isVisible()
    tags = app.user_bubbles()[-1].attachments.tags
    assert [tag.text().split(" · ")[0] for tag in tags] == [
        "\u25a3 photo.png", "\u266a voice.wav", "\u25b6 walk.mp4"
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "says"),
    [
        ("empty.png", "is empty (0 bytes)"),
        ("cut.png", "ends in the middle of a chunk"),
        ("notes.jpg", "notes.jpg is text, not an image."),
        ("noise.bin", "not in a format Omni can"),
    ],
)
def test_a_bad_file_says_why_at_its_chip_and_the_draft_is_kept(
    app: RunningApp, tmp_path: Path, name: str, says: str
) -> None:
    broken = {b.name: b for b in samples.BROKEN}[name]
    choose_model(app, OMNI)
    drop(app, [samples.write(tmp_path, name, broken.make())])
    settled(app, 1)
    (chip,) = chips(app)
    assert says in chip.detail.text()
    assert chip.property("invalid") is True
    edit = app.window.composer.edit
    edit.setPlainText("Look at this")
    app.qtbot.keyClick(edit, Qt.Key.Key_Return)
    assert edit.toPlainText() == "Look at this"  # not sent, not lost
    assert app.chat_requests() == []
    assert "Remove the files marked in red" in app.window.statusBar().currentMessage()
    app.qtbot.mouseClick(chip.remove_button, Qt.MouseButton.LeftButton)
    app.qtbot.keyClick(edit, Qt.Key.Key_Return)
    app.wait_idle()
    assert app.chat_requests()[-1]["messages"][-1]["content"] == "Look at this"


def test_a_folder_and_an_over_limit_video_are_refused_with_their_reasons(
    app: RunningApp, tmp_path: Path
) -> None:
    folder = tmp_path / "holiday"
    folder.mkdir()
    big = samples.sparse_mp4(tmp_path / "long.mp4", 38_000_000)
    drop(app, [folder, big])
    settled(app, 2)
    folder_chip, video_chip = chips(app)
    assert "folder" in folder_chip.detail.text()
    assert "too large to send" in video_chip.detail.text()
    assert "50 MB" in video_chip.detail.text()


def test_a_model_that_cannot_read_the_file_offers_omni(app: RunningApp, tmp_path: Path) -> None:
    choose_model(app, "mimo-v2-flash")
    drop(app, [samples.write(tmp_path, "photo.png", samples.png())])
    settled(app, 1)
    bar = app.window.offer_bar
    app.qtbot.waitUntil(bar.isVisible)
    assert bar.label.text() == "MiMo-V2-Flash cannot read image."
    app.window.composer.edit.setPlainText("Describe it")
    app.qtbot.keyClick(app.window.composer.edit, Qt.Key.Key_Return)
    assert app.chat_requests() == []  # not sent to a model that cannot read it
    app.qtbot.mouseClick(bar.button, Qt.MouseButton.LeftButton)
    assert app.parts.chat.model == OMNI
    assert not bar.isVisible()
    app.qtbot.keyClick(app.window.composer.edit, Qt.Key.Key_Return)
    app.wait_idle()
    assert app.chat_requests()[-1]["model"] == OMNI


def test_attachments_come_back_from_history_and_are_sent_again_on_regenerate(
    app: RunningApp, tmp_path: Path
) -> None:
    choose_model(app, OMNI)
    picture = samples.write(tmp_path, "photo.png", samples.png(8, 6))
    drop(app, [picture])
    settled(app, 1)
    app.send("And this?")
    app.wait_idle()
    conv_id = app.parts.chat.conversation.id
    picture.unlink()  # the stored copy is what counts from now on
    app.window.new_chat_action.trigger()
    app.parts.history.open(conv_id)
    app.qtbot.waitUntil(lambda: len(app.user_bubbles()) == 1)
    (tag,) = app.user_bubbles()[0].attachments.tags
    assert tag.text().startswith("\u25a3 photo.png")
    app.sim.enqueue(Plan(content="Again."))
    app.qtbot.mouseClick(app.replies()[0].regenerate_button, Qt.MouseButton.LeftButton)
    app.wait_idle()
    content = app.chat_requests()[-1]["messages"][-1]["content"]
    assert content[0]["type"] == "image_url"
    assert content[0]["image_url"]["url"].startswith("data:image/png;base64,")
