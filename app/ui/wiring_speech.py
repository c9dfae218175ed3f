"""The speech part of the wiring: the panel, read-aloud buttons, auto-read, audio chips.

Called from :func:`app.ui.wiring.connect_signals` (the one place that connects), kept
apart so that file stays readable. Everything that sounds goes through the one
:class:`~app.ui.speech_controller.SpeechController`; its ``speakingChanged`` decides
which button says "Stop".
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QFileDialog, QWidget

from app.api.translation import translate
from app.ui.message_widgets import AssistantBubble
from app.ui.speech_controller import AudioFile
from app.ui.transfer_controller import documents_folder

if TYPE_CHECKING:
    from app.ui.wiring import AppParts

SAVE_SUFFIXES = ("wav", "flac", "ogg", "mp3")


def save_dialog(parent: QWidget) -> QFileDialog:
    """A Qt (non-native) dialog to save speech as WAV, FLAC, OGG or MP3; caller opens it."""
    dialog = QFileDialog(parent)
    dialog.setObjectName("saveSpeechDialog")
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    dialog.setFileMode(QFileDialog.FileMode.AnyFile)
    filters = [
        translate("Wiring", "WAV audio (*.wav)"),
        translate("Wiring", "FLAC audio (*.flac)"),
        translate("Wiring", "Ogg Vorbis audio (*.ogg)"),
        translate("Wiring", "MP3 audio (*.mp3)"),
    ]
    dialog.setNameFilters(filters)
    dialog.setDefaultSuffix(SAVE_SUFFIXES[0])

    def filter_selected(chosen: str) -> None:
        """A name typed without a suffix gets the chosen type's."""
        if chosen in filters:
            dialog.setDefaultSuffix(SAVE_SUFFIXES[filters.index(chosen)])

    dialog.filterSelected.connect(filter_selected)
    dialog.setDirectory(str(documents_folder()))
    dialog.selectFile("speech.wav")
    dialog.setWindowTitle(translate("Wiring", "Save speech"))
    return dialog


def connect_speech(parts: AppParts) -> None:
    """The speech panel, read-aloud, auto-read and the audio chips' play buttons."""
    window, speech, prefs, chat = parts.window, parts.speech, parts.preferences, parts.chat
    panel, view, player = window.tts_panel, window.chat_view, speech.player

    def show_failure(text: str) -> None:
        panel.show_error(text)
        if not panel.isVisible():  # the panel is where errors live; say it here too
            window.show_status(text)

    def speaking_changed(owner: object) -> None:
        panel.set_speaking(owner is not None)
        if owner is not None:
            panel.clear_message()
        for bubble in view.bubbles:
            if isinstance(bubble, AssistantBubble):
                bubble.set_speaking(bubble is owner)
        playing = Path(owner.path).name if isinstance(owner, AudioFile) else None
        for chip in window.attachment_pane.chips.values():
            chip.set_playing(chip.state.name == playing)

    def read_reply(bubble: AssistantBubble) -> None:
        speech.toggle(bubble, lambda: speech.read_aloud(bubble, bubble.text, panel.template()))

    def play_attachment(path: str) -> None:
        speech.toggle(AudioFile(path), lambda: speech.play_file(path))

    def reply_started(_model_id: str) -> None:
        # view.begin_reply (connected before this) made the bubble of the new reply.
        if prefs.settings.auto_read and view.current_reply is not None:
            speech.begin_live(view.current_reply, panel.template())

    def reply_delta(_reasoning: str, text: str) -> None:
        if text:
            speech.feed_live(text)

    def set_auto_read(on: bool) -> None:
        panel.auto_read.setChecked(on)  # no signal when unchanged: no loop
        window.auto_read_action.setChecked(on)
        if on != prefs.settings.auto_read:
            prefs.update(auto_read=on)

    def volume_chosen(volume: float) -> None:
        speech.set_volume(volume)
        if not panel.volume.isSliderDown():  # saved once the drag ends
            prefs.update(speech_volume=volume)

    def device_chosen(device: str | None) -> None:
        speech.set_device(device)
        prefs.update(audio_device=device)

    def ask_save() -> None:
        dialog = save_dialog(window)
        dialog.fileSelected.connect(speech.save)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()

    def saved(path: str) -> None:
        panel.show_info(translate("Wiring", "Saved to {0}").format(path))

    settings = prefs.settings
    panel.set_voice(settings.speech_voice)
    panel.set_volume(settings.speech_volume)
    speech.set_volume(settings.speech_volume)
    set_auto_read(settings.auto_read)
    # the panel
    panel.speakRequested.connect(speech.speak)
    panel.stopRequested.connect(speech.stop)
    panel.saveRequested.connect(ask_save)
    panel.voiceChosen.connect(lambda voice: prefs.update(speech_voice=voice))
    panel.volumeChosen.connect(volume_chosen)
    panel.volume.sliderReleased.connect(lambda: volume_chosen(panel.volume.value() / 100))
    panel.deviceChosen.connect(device_chosen)
    panel.devicesWanted.connect(speech.refresh_devices)
    panel.autoReadToggled.connect(set_auto_read)
    window.auto_read_action.toggled.connect(set_auto_read)
    parts.models.modelsChanged.connect(lambda specs: panel.set_models([s.id for s in specs]))
    # the controller and the player -> the panel, the bubbles, the chips
    speech.speakingChanged.connect(speaking_changed)
    speech.failed.connect(show_failure)
    speech.notice.connect(panel.show_info)
    speech.saved.connect(saved)
    speech.devicesListed.connect(lambda found: panel.set_devices(found, settings.audio_device))
    player.errorOccurred.connect(show_failure)
    player.positionChanged.connect(panel.show_position)
    player.levelChanged.connect(panel.show_level)
    # read-aloud, auto-read, audio attachments
    view.readAloudRequested.connect(read_reply)
    chat.replyStarted.connect(reply_started)
    chat.replyDelta.connect(reply_delta)
    chat.replyFinished.connect(lambda _status, _reason: speech.end_live())
    parts.attachments.playRequested.connect(play_attachment)
    window.closing.connect(speech.shutdown)
