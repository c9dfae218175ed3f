"""Sound: playback, decoding, saving, the speech cache and read-aloud text.

Modules (none imports sounddevice at import time, so the app starts without PortAudio):

* :mod:`app.audio.backend`: the lazy sounddevice import, ``AudioError``, devices.
* :mod:`app.audio.ring`: the ring buffer between the network and the audio callback.
* :mod:`app.audio.render`: the stream callback, filling device buffers from the ring.
* :mod:`app.audio.player`: ``AudioPlayer``, plays PCM as it arrives.
* :mod:`app.audio.qt_player`: ``QtAudioPlayer``, the player behind Qt signals.
* :mod:`app.audio.codec`: decode WAV/MP3/FLAC/OGG, save PCM as WAV/FLAC/OGG/MP3.
* :mod:`app.audio.cache`: ``SpeechCache``, synthesised speech on disk (LRU).
* :mod:`app.audio.speech_text`: Markdown to speakable text, sentence-sized pieces.
* :mod:`app.audio.speech`: ``speak()``, requests streamed into a player via the cache.
"""
