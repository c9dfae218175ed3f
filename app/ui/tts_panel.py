"""The speech panel: a dock where text is typed, spoken, heard, stopped and saved.

It only shows and asks: what to say and how (text, voice, style, format, model), the
transport (Speak, Stop, Save as…), what plays (a scrolling level meter, elapsed and
total time), the volume, the output device, auto-read, and a message line for
errors. The speech controller does the work; the wiring connects the two.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import replace

from PySide6.QtCore import QEvent, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDockWidget,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from app.api.speech_request import (
    DEFAULT_TTS_MODEL,
    DEFAULT_VOICE,
    KNOWN_VOICES,
    AudioFormat,
    SpeechRequest,
)
from app.api.translation import translate
from app.audio.backend import OutputDevice

_ERROR_STYLE = "color: #b91c1c;"
_INFO_STYLE = "color: palette(mid);"
_UNUSABLE_TTS = ("voiceclone", "voicedesign")  # these need a voice sample or description
HISTORY = 60  # bars in the level meter
_BAR_GAP = 1.0
STYLE_TAGS = ("", "Happy", "Sad", "Whisper", "Excited", "Calm")
"""The style presets' tags, as the API takes them ("" for none)."""
FORMATS = ("pcm16", "wav", "mp3")


def voice_name(voice: str) -> str:
    """The name of a built-in voice in the user's language; other voices by their id."""

    names = {
        "mimo_default": translate("TtsPanel", "MiMo default"),
        "default_zh": translate("TtsPanel", "Chinese"),
        "default_en": translate("TtsPanel", "English"),
    }
    return names.get(voice, voice)


def style_name(tag: str) -> str:
    """The name of a style preset (its tag as sent to the API) in the user's language."""
    names = {
        "": translate("TtsPanel", "Neutral"),
        "Happy": translate("TtsPanel", "Happy"),
        "Sad": translate("TtsPanel", "Sad"),
        "Whisper": translate("TtsPanel", "Whisper"),
        "Excited": translate("TtsPanel", "Excited"),
        "Calm": translate("TtsPanel", "Calm"),
    }
    return names.get(tag, tag)


def format_name(audio_format: str) -> str:
    """What a speech format choice is called in the user's language."""
    names = {
        "pcm16": translate("TtsPanel", "PCM, streamed (starts at once)"),
        "wav": translate("TtsPanel", "WAV file"),
        "mp3": translate("TtsPanel", "MP3 file"),
    }
    return names.get(audio_format, audio_format)


class LevelMeter(QWidget):
    """Recent output levels (0.0 to 1.0) as bars centred on a line, newest on the right.

    The panel pushes the output peak at each step of the playback (about every 40 ms),
    so it reads like a simple waveform of what was just heard; it paints at most
    :data:`HISTORY` bars, whatever the length of the audio.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("levelMeter")  # the panel names it (and renames it)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self._levels: deque[float] = deque(maxlen=HISTORY)

    @property
    def levels(self) -> list[float]:
        """The levels shown, oldest first."""
        return list(self._levels)

    def sizeHint(self) -> QSize:
        return QSize(180, 28)

    def minimumSizeHint(self) -> QSize:
        return QSize(60, 28)

    def push(self, level: float) -> None:
        """Add the newest level (clamped to 0.0-1.0)."""
        self._levels.append(min(max(level, 0.0), 1.0))
        self.update()

    def clear(self) -> None:
        """Forget the levels (playback stopped)."""
        self._levels.clear()
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = self.palette()
        rect = QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5)
        painter.setPen(palette.color(QPalette.ColorRole.Mid))
        painter.setBrush(palette.color(QPalette.ColorRole.Base))
        painter.drawRoundedRect(rect, 4, 4)
        middle = rect.center().y()
        painter.drawLine(int(rect.left()) + 3, int(middle), int(rect.right()) - 3, int(middle))
        if not self._levels:
            painter.end()
            return
        width = (rect.width() - 6) / HISTORY
        height = rect.height() - 6
        color = palette.color(QPalette.ColorGroup.Active, QPalette.ColorRole.Highlight)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(color)
        first = HISTORY - len(self._levels)  # new bars enter on the right
        for offset, level in enumerate(self._levels):
            bar = max(1.0, height * level**0.5)  # perceived loudness is not linear
            x = rect.left() + 3 + (first + offset) * width
            painter.drawRect(QRectF(x, middle - bar / 2, max(width - _BAR_GAP, 1.0), bar))
        painter.end()


def clock(ms: int) -> str:
    """``83_000`` -> ``"1:23"`` (whole seconds, rounded down)."""
    minutes, seconds = divmod(max(ms, 0) // 1000, 60)
    return f"{minutes}:{seconds:02}"


class TtsPanel(QDockWidget):
    """The speech dock.

    Signals:
        speakRequested(object): Speak was clicked; the :class:`SpeechRequest` to speak.
        stopRequested(): Stop was clicked.
        saveRequested(): Save as… was clicked.
        voiceChosen(str): the user picked a voice.
        volumeChosen(float): the user moved the volume slider (0.0 to 1.0).
        deviceChosen(object): the user picked an output device: its name, or None for
            the system default.
        autoReadToggled(bool): the "Auto-read replies" switch changed.
        devicesWanted(): the device list should be refreshed (the panel was shown).
    """

    speakRequested = Signal(object)
    stopRequested = Signal()
    saveRequested = Signal()
    voiceChosen = Signal(str)
    volumeChosen = Signal(float)
    deviceChosen = Signal(object)
    autoReadToggled = Signal(bool)
    devicesWanted = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("speechDock")
        self.setAllowedAreas(
            Qt.DockWidgetArea.RightDockWidgetArea | Qt.DockWidgetArea.LeftDockWidgetArea
        )
        body = QWidget(self)
        body.setObjectName("speechPanel")
        self.text = QPlainTextEdit(body)
        self.text.setObjectName("speechText")
        self.text.setTabChangesFocus(True)  # Tab moves on, as in the composer
        self.voice = self._combo(body, "speechVoice")
        for voice in KNOWN_VOICES:
            self.voice.addItem(voice, voice)
        self.style_preset = self._combo(body, "speechStyle")
        for tag in STYLE_TAGS:
            self.style_preset.addItem(tag, tag)
        self.instruction = QLineEdit(body)
        self.instruction.setObjectName("speechInstruction")
        self.format = self._combo(body, "speechFormat")
        for audio_format in FORMATS:
            self.format.addItem(audio_format, audio_format)
        self.model = self._combo(body, "speechModel")
        self.model.addItem(DEFAULT_TTS_MODEL, DEFAULT_TTS_MODEL)
        self.speak_button = QPushButton(body)
        self.speak_button.setObjectName("speakButton")
        self.speak_button.setDefault(True)
        self.stop_button = QPushButton(body)
        self.stop_button.setObjectName("speechStopButton")
        self.stop_button.setEnabled(False)
        self.save_button = QPushButton(body)
        self.save_button.setObjectName("speechSaveButton")
        self.save_button.setEnabled(False)
        self.meter = LevelMeter(body)
        self.time = QLabel(clock(0) + " / " + clock(0), body)
        self.time.setObjectName("speechTime")
        self.volume = QSlider(Qt.Orientation.Horizontal, body)
        self.volume.setObjectName("speechVolume")
        self.volume.setRange(0, 100)
        self.volume.setValue(100)
        self.device = self._combo(body, "speechDevice")
        self.device.addItem("", None)  # the system default; named in retranslate()
        self._absent_device: str | None = None  # listed as "(not connected)"
        self.auto_read = QCheckBox(body)
        self.auto_read.setObjectName("autoReadSwitch")
        self.message = QLabel(body)
        self.message.setObjectName("speechMessage")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.hide()
        self._level = 0.0
        self._elapsed_ms = 0
        self._labels: dict[QWidget, QLabel] = {}
        self._lay_out(body)
        self.setWidget(body)
        self.speak_button.clicked.connect(self._speak)
        self.stop_button.clicked.connect(self.stopRequested)
        self.save_button.clicked.connect(self.saveRequested)
        self.voice.activated.connect(lambda _index: self.voiceChosen.emit(self.voice_id))
        self.volume.valueChanged.connect(lambda value: self.volumeChosen.emit(value / 100))
        self.device.activated.connect(lambda _i: self.deviceChosen.emit(self.device.currentData()))
        self.auto_read.toggled.connect(self.autoReadToggled)
        self.visibilityChanged.connect(self._visibility_changed)
        self.retranslate()

    def retranslate(self) -> None:
        """Set the static texts, and the names in the lists, in the current language."""
        self.setWindowTitle(self.tr("Speech"))
        self.text.setPlaceholderText(self.tr("Type or paste the text to speak…"))
        self.text.setAccessibleName(self.tr("Text to speak"))
        self.voice.setAccessibleName(self.tr("Voice"))
        for index in range(self.voice.count()):
            voice = str(self.voice.itemData(index))
            name = voice_name(voice)
            self.voice.setItemText(index, f"{name} · {voice}" if name != voice else voice)
        self.style_preset.setAccessibleName(self.tr("Style"))
        for index in range(self.style_preset.count()):
            self.style_preset.setItemText(index, style_name(self.style_preset.itemData(index)))
        self.instruction.setPlaceholderText(self.tr("e.g. slowly, like a bedtime story"))
        self.instruction.setAccessibleName(self.tr("Style instruction"))
        self.format.setAccessibleName(self.tr("Format"))
        for index in range(self.format.count()):
            self.format.setItemText(index, format_name(self.format.itemData(index)))
        self.format.setToolTip(self.tr("WAV and MP3 play once the whole file has arrived"))
        self.model.setAccessibleName(self.tr("Model"))
        self.speak_button.setText(self.tr("Speak"))
        self.stop_button.setText(self.tr("Stop"))
        self.save_button.setText(self.tr("Save as…"))
        self.meter.setAccessibleName(self.tr("Output level"))
        self.time.setAccessibleName(self.tr("Elapsed and total time"))
        self.volume.setAccessibleName(self.tr("Volume"))
        self.device.setAccessibleName(self.tr("Output device"))
        self.device.setItemText(0, self.tr("System default"))
        if self._absent_device is not None:
            index = self.device.findData(self._absent_device)
            if index >= 0:
                self.device.setItemText(index, self._absent_name(self._absent_device))
        self.auto_read.setText(self.tr("Auto-read replies"))
        self.auto_read.setToolTip(self.tr("Read each reply aloud while it streams in"))
        labels = {
            self.voice: self.tr("&Voice"),
            self.style_preset: self.tr("St&yle"),
            self.instruction: self.tr("&Instruction"),
            self.format: self.tr("&Format"),
            self.model: self.tr("&Model"),
            self.volume: self.tr("Vol&ume"),
            self.device: self.tr("&Output"),
        }
        for field, text in labels.items():
            self._labels[field].setText(text)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def _absent_name(self, device: str) -> str:
        return self.tr("{device} (not connected)").format(device=device)

    def _visibility_changed(self, visible: bool) -> None:
        if visible:
            self.devicesWanted.emit()

    def _combo(self, parent: QWidget, name: str) -> QComboBox:
        combo = QComboBox(parent)
        combo.setObjectName(name)
        return combo

    def _row(self, form: QFormLayout, field: QWidget) -> None:
        """Add ``field`` to ``form`` under a label that is its buddy (for the mnemonic)."""
        label = QLabel(field.parentWidget())
        label.setBuddy(field)
        self._labels[field] = label
        form.addRow(label, field)

    def _lay_out(self, body: QWidget) -> None:
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        for field in (self.voice, self.style_preset, self.instruction, self.format, self.model):
            self._row(form, field)
        form.setRowVisible(self.model, False)  # shown when the server offers a choice
        buttons = QHBoxLayout()
        buttons.addWidget(self.speak_button)
        buttons.addWidget(self.stop_button)
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)
        playing = QHBoxLayout()
        playing.addWidget(self.meter, 1)
        playing.addWidget(self.time)
        output = QFormLayout()
        output.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self._row(output, self.volume)
        self._row(output, self.device)
        layout = QVBoxLayout(body)
        layout.setContentsMargins(10, 8, 10, 10)
        layout.addWidget(self.text, 3)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addLayout(playing)
        layout.addWidget(self.message)
        layout.addLayout(output)
        layout.addWidget(self.auto_read)
        layout.addStretch(1)  # a tall dock grows the text box, but keeps some air below
        self._form = form

    # -- what the user chose ----------------------------------------------------

    @property
    def voice_id(self) -> str:
        return str(self.voice.currentData() or DEFAULT_VOICE)

    def template(self, text: str = "…") -> SpeechRequest:
        """A request with the chosen voice, style, instruction and model (streamed)."""
        return SpeechRequest(
            text=text,
            instruction=self.instruction.text().strip() or None,
            style=str(self.style_preset.currentData() or "") or None,
            voice=self.voice_id,
            format="pcm16",
            model=str(self.model.currentData() or DEFAULT_TTS_MODEL),
        )

    def _speak(self) -> None:
        text = self.text.toPlainText().strip()
        if not text:
            self.show_error(self.tr("Type something to speak first."))
            self.text.setFocus()
            return
        audio_format: AudioFormat = self.format.currentData()
        self.speakRequested.emit(replace(self.template(text), format=audio_format))

    # -- filling in ------------------------------------------------------------

    def set_voice(self, voice: str) -> None:
        """Select ``voice``; a voice not offered yet (a newer model's) is added."""
        if self.voice.findData(voice) < 0:
            self.voice.addItem(voice, voice)  # by its id: its name is not known
        self.voice.setCurrentIndex(self.voice.findData(voice))

    def set_volume(self, volume: float) -> None:
        self.volume.setValue(round(min(max(volume, 0.0), 1.0) * 100))

    def set_models(self, model_ids: Sequence[str]) -> None:
        """Offer the server's speech models; the row shows only when there is a choice."""
        usable = [m for m in model_ids if "tts" in m and not m.endswith(_UNUSABLE_TTS)]
        chosen = self.model.currentData()
        self.model.clear()
        for model_id in usable or [DEFAULT_TTS_MODEL]:
            self.model.addItem(model_id, model_id)
        self.model.setCurrentIndex(max(self.model.findData(chosen), 0))
        self._form.setRowVisible(self.model, self.model.count() > 1)

    def set_devices(self, devices: Sequence[OutputDevice], chosen: str | None) -> None:
        """List the output devices; ``chosen`` (a name) stays listed even when absent."""
        self.device.clear()
        self.device.addItem(self.tr("System default"), None)
        for device in devices:
            self.device.addItem(device.name, device.name)
        self._absent_device = None
        if chosen is not None and self.device.findData(chosen) < 0:
            self._absent_device = chosen
            self.device.addItem(self._absent_name(chosen), chosen)
        self.device.setCurrentIndex(max(self.device.findData(chosen), 0))

    # -- what plays ------------------------------------------------------------

    def set_speaking(self, speaking: bool) -> None:
        """Something sounds (or is being synthesised): Stop is on."""
        self.stop_button.setEnabled(speaking)
        if not speaking:
            self.meter.clear()

    def show_level(self, level: float) -> None:
        """The output peak now; the meter takes it at the next step of the playback."""
        self._level = level

    def show_position(self, elapsed_ms: int, total_ms: int) -> None:
        """Elapsed and total time; each step forward adds a bar to the meter."""
        if elapsed_ms > self._elapsed_ms:
            self.meter.push(self._level)
        self._elapsed_ms = elapsed_ms
        self.time.setText(f"{clock(elapsed_ms)} / {clock(total_ms)}")
        self.save_button.setEnabled(total_ms > 0)

    def show_error(self, text: str) -> None:
        self._show_message(text, _ERROR_STYLE)

    def show_info(self, text: str) -> None:
        self._show_message(text, _INFO_STYLE)

    def clear_message(self) -> None:
        self.message.clear()
        self.message.hide()

    def _show_message(self, text: str, style: str) -> None:
        self.message.setStyleSheet(style)
        self.message.setText(text)
        self.message.setVisible(bool(text))
