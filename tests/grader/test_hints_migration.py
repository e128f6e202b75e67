"""Issue 12, during the migration only: the Markdown hint files load to exactly the check modules' HINTS."""

from __future__ import annotations

import importlib

import pytest

from grader.grading.engine import EXERCISES
from grader.grading.hints import hint_ladders


@pytest.mark.parametrize("number", sorted(EXERCISES), ids=lambda number: f"ex{number:02d}")
def test_the_files_hold_every_level_of_every_ladder_unchanged(number):
    before = importlib.import_module(EXERCISES[number].checks_module).HINTS
    after = hint_ladders(number)
    assert list(after) == list(before)
    for name, levels in before.items():
        assert len(after[name]) == len(levels), name
        for level, (old, new) in enumerate(zip(levels, after[name], strict=True), start=1):
            assert new.en == old.en, f"{name} level {level} (en)"
            assert new.ja == old.ja, f"{name} level {level} (ja)"
            assert new == old
