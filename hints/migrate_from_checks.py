"""One-off (issue 12): write hints/<lang>/NN-topic.md from the HINTS dicts of grader/checks/exNN_*.py.

Run once from the project root: ``python hints/migrate_from_checks.py``.  Text is
written as it is in the dicts, line for line; tests/grader/test_hints_migration.py
compares every level after loading.  Removed once the files are committed.
"""

from __future__ import annotations

import importlib

from grader.grading.engine import EXERCISES
from grader.grading.hints import LEVELS, hint_file
from grader.text import LANGUAGES

TITLES = {"en": "Hints: exercise {number}, {title}", "ja": "ヒント: 課題 {number} {title}"}


def markdown(number: int, lang: str) -> str:
    """The hint file of exercise ``number`` in ``lang``, from its check module's ``HINTS``."""
    exercise = EXERCISES[number]
    hints = importlib.import_module(exercise.checks_module).HINTS
    lines = ["# " + TITLES[lang].format(number=number, title=exercise.title(lang))]
    for name, levels in hints.items():
        lines += ["", f"## {name}"]
        for label, text in zip(LEVELS, levels, strict=True):
            lines += ["", f"### {label}", text(lang)]
    return "\n".join(lines) + "\n"


def main() -> None:
    """Write every file."""
    for number in sorted(EXERCISES):
        for lang in LANGUAGES:
            path = hint_file(number, lang)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(markdown(number, lang), encoding="utf-8")
            print(path)


if __name__ == "__main__":
    main()
