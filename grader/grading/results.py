"""What grading says: statuses, one check's verdict and result, an exercise's result.

A check's ``verify`` returns a ``Verdict`` (passed or not, the lines that
explain it, maybe a hint of its own); the engine turns it, with the probe's
captured output, into a ``CheckResult``; an ``ExerciseResult`` holds them all
and serialises itself, so that the CLI's JSON, Gradescope's ``results.json``,
the gradebook and notebooks say the same things in the same words.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from grader.text import Text

if TYPE_CHECKING:
    from grader.grading.engine import Exercise


class Status(StrEnum):
    """A check's status; the values are what JSON, the gradebook and reports store."""

    PASSED = "passed"
    FAILED = "failed"
    NOT_ATTEMPTED = "not_attempted"


@dataclass(frozen=True)
class Verdict:
    """What a check's ``verify`` concludes from one probe run.

    ``lines`` explain a failure (expected against got, the worst element) or
    tell something on a pass (accuracy, time, a loss curve); ``hint`` names
    the misconception when the check recognised one (else the check's own).
    """

    passed: bool
    lines: tuple[Text, ...] = ()
    hint: Text | None = None

    @classmethod
    def ok(cls, *lines: Text) -> Verdict:
        """A pass, with anything worth telling the learner."""
        return cls(True, tuple(lines))

    @classmethod
    def fail(cls, lines: Iterable[Text], hint: Text | None = None) -> Verdict:
        """A failure and why; ``hint`` when a known mistake was recognised."""
        return cls(False, tuple(lines), hint)

    @classmethod
    def unless(cls, problems: Iterable[Text], hint: Text | None = None) -> Verdict:
        """A pass when ``problems`` is empty, else a failure that lists them."""
        found = tuple(problems)
        return cls(not found, found, hint if found else None)


@dataclass(frozen=True)
class CheckResult:
    """The verdict on one check."""

    name: str
    name_ja: str
    status: Status
    score: float
    max_score: float
    lines: tuple[Text, ...] = ()
    hint: Text | None = None
    context: str | Text = ""
    stdout: str = ""
    stderr: str = ""

    @property
    def passed(self) -> bool:
        """Whether the check passed."""
        return self.status == Status.PASSED

    @property
    def target(self) -> str:
        """The function or class the check is about."""
        return self.name.split(":", 1)[0].strip()

    def title(self, lang: str) -> str:
        """The check's name in ``lang``."""
        return self.name_ja if lang == "ja" and self.name_ja else self.name


@dataclass(frozen=True)
class ExerciseResult:
    """Every check's verdict for one submission of one exercise."""

    exercise: Exercise
    submission: Path
    results: tuple[CheckResult, ...]
    elapsed: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def score(self) -> float:
        """Points earned."""
        return sum(result.score for result in self.results)

    @property
    def max_score(self) -> float:
        """Points available."""
        return sum(result.max_score for result in self.results)

    @property
    def passed(self) -> bool:
        """Whether every check passed."""
        return all(result.passed for result in self.results)

    @property
    def attempted(self) -> bool:
        """False when every check found only ``NotImplementedError`` (an untouched stub)."""
        return any(result.status != Status.NOT_ATTEMPTED for result in self.results)
