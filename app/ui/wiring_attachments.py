"""The attachments' part of the wiring: files in, the Omni offer, sending a draft.

Called from :func:`app.ui.wiring.connect_signals` (the one place that connects), kept
apart so that file stays readable.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from app.api.translation import translate
from app.core.catalogue import spec_for
from app.ui.attachment_pane import kind_name
from app.ui.transfer_controller import media_file_dialog

if TYPE_CHECKING:
    from app.ui.wiring import AppParts


OMNI = "mimo-v2-omni"


def send_draft(parts: AppParts, text: str) -> None:
    """Send the composer's text and attachments, unless something must be fixed first.

    The draft stays in the composer (text and files) whenever it is not sent.
    """
    window, attachments, chat = parts.window, parts.attachments, parts.chat
    problem = attachments.problem()
    if problem is not None:
        window.show_status(problem)
        return
    if offer_omni(parts):
        return
    if chat.send(text, attachments.attachments()):
        window.composer.take_text()
        attachments.clear()


def offer_omni(parts: AppParts) -> bool:
    """Offer to switch to Omni when the chosen model cannot take the attached kinds."""
    missing = parts.attachments.kinds() - set(spec_for(parts.chat.model).capabilities)
    if not missing:
        parts.window.offer_bar.hide()
        return False
    label = spec_for(parts.chat.model).label
    kinds = translate("Wiring", ", ").join(kind_name(kind) for kind in sorted(missing))
    parts.window.offer_bar.offer(
        translate("Wiring", "{model} cannot read {kinds}.").format(model=label, kinds=kinds),
        translate("Wiring", "Switch to {model}").format(model=spec_for(OMNI).label),
    )
    return True


def connect_attachments(parts: AppParts) -> None:
    """Files in: the attach button and action, drops, pastes; the Omni offer."""
    window, attachments = parts.window, parts.attachments
    composer, picker = window.composer, window.model_picker

    def pick_files() -> None:
        dialog = media_file_dialog(window)
        dialog.filesSelected.connect(lambda paths: attachments.add_paths(map(Path, paths)))
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()

    def switch_to_omni() -> None:
        picker.select(OMNI)  # emits modelChanged: the chat follows

    def toggle_recording() -> None:
        if recorder.recording:
            recorder.finish()
        elif not recorder.start():
            composer.set_recording(False)

    def recording_changed(recording: bool) -> None:
        composer.set_recording(recording)
        window.stop_action.setEnabled(not recording)  # Esc cancels the recording instead

    recorder = attachments.recorder
    bar = composer.recording_bar
    composer.recordRequested.connect(toggle_recording)
    window.record_action.triggered.connect(toggle_recording)
    recorder.started.connect(lambda: recording_changed(True))
    recorder.stopped.connect(lambda: recording_changed(False))
    recorder.levelChanged.connect(bar.set_level)
    recorder.elapsedChanged.connect(bar.set_elapsed)
    recorder.recorded.connect(lambda path: attachments.add_paths([Path(path)]))
    recorder.errorOccurred.connect(window.show_status)
    bar.finishRequested.connect(recorder.finish)
    bar.cancelRequested.connect(recorder.cancel)
    composer.attachRequested.connect(pick_files)
    window.attach_action.triggered.connect(pick_files)
    window.filesDropped.connect(attachments.add_paths)
    composer.edit.filesGiven.connect(attachments.add_paths)
    composer.edit.imagePasted.connect(attachments.add_image)
    attachments.changed.connect(lambda: offer_omni(parts))
    picker.modelChanged.connect(lambda _model: offer_omni(parts))
    window.offer_bar.accepted.connect(switch_to_omni)
    window.closing.connect(attachments.shutdown)
