"""The one translation function every layer calls for user-visible text.

``translate(context, text)`` is spelt so Qt's ``pyside6-lupdate`` finds each call and
puts ``text`` into the ``.ts`` files under its ``context`` (by convention the class or
module that shows it). It imports no Qt: until :func:`install` is called it returns the
English text, and the UI installs ``QCoreApplication.translate`` at start-up (see
:mod:`app.ui.i18n`), so the API and core layers stay free of Qt.

Rules for callers:

- the text must be a string literal (lupdate reads source code, not values); put
  variable parts in with ``.format(...)`` after translating, never an f-string;
- ``disambiguation`` tells apart two uses of the same English text;
- ``n`` picks a plural form of a text with ``%n`` in it (Chinese has one form).
"""

from __future__ import annotations

from collections.abc import Callable

Translator = Callable[[str, str, "str | None", int], str]


def _untranslated(context: str, text: str, disambiguation: str | None = None, n: int = -1) -> str:
    return text.replace("%n", str(n)) if n >= 0 else text


_active: Translator = _untranslated


def install(translator: Translator | None) -> None:
    """Route :func:`translate` through ``translator``; None restores plain English."""
    global _active
    _active = translator if translator is not None else _untranslated


def translate(context: str, text: str, disambiguation: str | None = None, n: int = -1) -> str:
    """``text`` in the user's language, from the ``.qm`` file of ``context``."""
    return _active(context, text, disambiguation, n)


def QT_TRANSLATE_NOOP(context: str, text: str) -> str:
    """Marks ``text`` for lupdate under ``context`` without translating it yet.

    For English constants kept as they are (tests and the API compare them); the place
    that shows one calls ``translate(context, constant)``.
    """
    return text
