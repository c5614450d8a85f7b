"""Languages of everything a user reads: English (``en``) and Simplified Chinese (``zh``).

English text is the message id, as in GNU gettext: code keeps its English strings and
wraps each user-visible one in ``_()`` where it is produced; the Chinese for each lives in
one catalog per area, ``blinrwe/locale/zh/<area>.toml`` (``"English" = "中文"``), the one
declaration of that translation for every consumer (template, findings, report, figures,
web page). Messages with fields are translated before they are filled::

    _("{column} must be a date").format(column=name)

The language is a context variable, set once per run (``with language("zh"): ...``) and
inherited by everything called from there; a worker process is given it explicitly.
Coded values in storage stay language-neutral; only display text is translated.

A missing translation falls back to the English text and is recorded
(:func:`missing_translations`), so the tests can fail on it while a user never sees a gap.
TOML rather than .po files: stdlib ``tomllib`` reads it with no compile step, and a
catalog per area keeps each layer's strings beside that layer's work.
"""

from __future__ import annotations

import contextlib
import contextvars
import tomllib
from functools import cache
from importlib import resources
from typing import Iterator

LANGUAGES = ("en", "zh")
LANGUAGE_NAMES = {"en": "English", "zh": "简体中文"}

_current = contextvars.ContextVar("blinrwe_language", default="en")
_missing: set[tuple[str, str]] = set()


def current_language() -> str:
    """The language of the run in progress (``en`` unless set)."""
    return _current.get()


@contextlib.contextmanager
def language(code: str | None) -> Iterator[str]:
    """Produce text in ``code`` (``en``/``zh``; None keeps the current one) inside the block."""
    code = code or current_language()
    if code not in LANGUAGES:
        raise ValueError(f"unknown language {code!r}; choose one of {', '.join(LANGUAGES)}")
    token = _current.set(code)
    try:
        yield code
    finally:
        _current.reset(token)


@cache
def catalog(code: str) -> dict[str, str]:
    """Every translation into ``code``, all areas merged (English maps to itself: empty)."""
    if code == "en":
        return {}
    merged: dict[str, str] = {}
    folder = resources.files("blinrwe") / "locale" / code
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            with entry.open("rb") as handle:
                merged.update(tomllib.load(handle))
    return merged


def translate(text: str, code: str | None = None) -> str:
    """``text`` in language ``code`` (default: the current one); English when none is declared."""
    code = code or current_language()
    if code == "en" or not text:
        return text
    found = catalog(code).get(text)
    if found is None:
        _missing.add((code, text))
        return text
    return found


_ = translate


def translations(text: str) -> dict[str, str]:
    """``text`` in every language (for a page that switches language without a round trip)."""
    return {code: translate(text, code) for code in LANGUAGES}


def missing_translations() -> set[tuple[str, str]]:
    """(language, English text) asked for since the last :func:`reset_missing`, with no entry."""
    return set(_missing)


def reset_missing() -> None:
    _missing.clear()


def untranslate(label: str, candidates, code: str = "zh") -> str | None:
    """The English text among ``candidates`` whose ``code`` translation is ``label``, else None.

    Lets a reader accept a Chinese display label (``"男"``) where the English one
    (``"male"``) belongs.
    """
    table = catalog(code)
    wanted = label.strip()
    for english in candidates:
        if table.get(english) == wanted:
            return english
    return None
