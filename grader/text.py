"""Learner-facing text in English and Japanese."""

from __future__ import annotations

import locale
import os
import re
from dataclasses import dataclass

LANGUAGES = ("en", "ja")


@dataclass(frozen=True)
class Text:
    """One message in both languages; call it with a language code to pick one."""

    en: str
    ja: str

    def __call__(self, lang: str) -> str:
        """The text in ``lang`` (``ja``, else English)."""
        return self.ja if lang == "ja" else self.en

    def format(self, **values: object) -> Text:
        """Fill ``{name}`` placeholders in both languages."""
        return Text(self.en.format(**values), self.ja.format(**values))


def plain(text: str) -> Text:
    """Text that reads the same in both languages (numbers, shapes, code)."""
    return Text(text, text)


def default_language() -> str:
    """``ja`` when the locale is Japanese, else ``en``."""
    for var in ("GRADE_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var, "")
        if value:
            return "ja" if value.lower().startswith("ja") else "en"
    found = locale.getlocale()[0] or ""
    return "ja" if found.lower().startswith("ja") else "en"


# Control characters a terminal acts on (ESC sequences clear the screen, rewrite lines, set the
# title or the clipboard), C1 controls included; newline and tab are kept.  DEL and the Unicode
# bidirectional overrides, which reorder what is shown, are escaped too.
_CONTROL = {code for code in range(0x20) if code not in (0x09, 0x0A)} | {0x7F} | set(range(0x80, 0xA0))
_CONTROL |= {0x200E, 0x200F, 0x2028, 0x2029} | set(range(0x202A, 0x202F)) | set(range(0x2066, 0x206A))
_ESCAPES = {code: f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" for code in _CONTROL}
_ESCAPES[0x0D] = "\\r"
# every text is searched first: translating costs a dict look-up per character (ASCII included, about
# 10 us for a 60-character message) and almost no text holds a control character
_ESCAPED = "\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u2028-\u202e\u2066-\u2069"  # _CONTROL, as a character class
_NEEDS_ESCAPE = re.compile(f"[{_ESCAPED}]")
# what makes a text other than plain: a character untrusted() escapes, or a lone surrogate (the bytes of
# a file name that are not UTF-8), which UTF-8 can not hold
_NOT_PLAIN = re.compile(f"[{_ESCAPED}\ud800-\udfff]")


def is_plain(text: str, limit: int) -> bool:
    """Whether ``text`` is shown and stored as it is: at most ``limit`` characters, nothing to escape, valid UTF-8.

    One search (most text is plain): ``untrusted`` and the gradebook's
    ``stored_text`` return such a text unchanged.
    """
    return len(text) <= limit and _NOT_PLAIN.search(text) is None


def untrusted(text: str, limit: int) -> str:
    r"""Text that came from a submission, made safe to show and store.

    Cut to ``limit`` characters (saying how much was cut) and with every control
    character but newline and tab written as an escape (``\x1b``), so learner
    output can never move the cursor, recolour, retitle or rewrite a terminal,
    and a report or gradebook never holds more than ``limit`` characters of it.

    Parameters
    ----------
    text : str
        What the submission printed, raised or named.
    limit : int
        The most characters kept, before escaping.
    """
    if len(text) > limit:
        text = text[:limit] + f"\n... ({len(text) - limit} more characters cut)"
    return text.translate(_ESCAPES) if _NEEDS_ESCAPE.search(text) else text
