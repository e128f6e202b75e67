"""Learner-facing text in English and Japanese."""

from __future__ import annotations

import locale
import os
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
