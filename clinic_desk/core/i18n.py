"""Translation markers for the Qt-free core.

The core cannot call Qt's ``tr()``, so it marks user-facing strings with
``QT_TRANSLATE_NOOP(context, text)``: ``pyside6-lupdate`` recognises the name
and extracts the string into the ``.ts`` files, and the UI translates it at
display time with ``QCoreApplication.translate(context, text)``. Code that
produces text for people (errors, printed documents) takes a ``Translate``
callable so the caller decides the language; the default returns English.
"""

from __future__ import annotations

from collections.abc import Callable

Translate = Callable[[str, str], str]


def QT_TRANSLATE_NOOP(context: str, text: str) -> str:
    """Mark ``text`` for extraction under ``context``; returns it unchanged."""
    del context
    return text


def english(context: str, text: str) -> str:
    """The identity translation: the source strings are English."""
    del context
    return text
