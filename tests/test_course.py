"""The course material: every worked solution passes, every untouched stub is "not attempted"."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.grading.engine import EXERCISES, grade_exercise
from grader.grading.results import Status

ROOT = Path(__file__).resolve().parents[1]
NUMBERS = sorted(EXERCISES)


def _file(folder: str, number: int) -> Path:
    return ROOT / folder / f"{EXERCISES[number].module}.py"


@pytest.mark.parametrize("number", NUMBERS, ids=lambda n: f"ex{n:02d}")
def test_solution_passes_every_check(number):
    result = grade_exercise(number, _file("solutions", number))
    failed = {check.name: [line.en for line in check.lines] for check in result.results if not check.passed}
    assert not failed
    assert len(result.results) >= 5


@pytest.mark.parametrize("number", NUMBERS, ids=lambda n: f"ex{n:02d}")
def test_untouched_stub_is_not_attempted(number):
    result = grade_exercise(number, _file("exercises", number))
    assert not result.attempted
    assert {check.status for check in result.results} == {Status.NOT_ATTEMPTED}
    assert result.score == 0


@pytest.mark.parametrize("number", NUMBERS, ids=lambda n: f"ex{n:02d}")
def test_every_check_is_named_after_a_contract_name(number):
    text = _file("exercises", number).read_text(encoding="utf-8")
    for check in EXERCISES[number].build_checks():
        assert f"def {check.target}(" in text or f"class {check.target}" in text, check.name
        assert check.name_ja, check.name
