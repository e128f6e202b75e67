"""What grading says: statuses, one check's verdict and result, an exercise's result.

A check's ``verify`` returns a ``Verdict`` (passed or not, the lines that
explain it, maybe a hint of its own); the engine turns it, with the probe's
captured output, into a ``CheckResult``; an ``ExerciseResult`` holds them all
and serialises itself, so that the CLI's JSON, Gradescope's ``results.json``,
the gradebook and notebooks say the same things in the same words.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
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

    def message(self, lang: str) -> str:
        """Everything said about this check, as plain text (JSON, Gradescope, the gradebook)."""
        from grader.grading.feedback import check_detail

        if self.passed or self.status == Status.NOT_ATTEMPTED:
            return "\n".join(line(lang) for line in self.lines)
        return "\n".join(line.strip() for line in check_detail(self, lang))

    def to_data(self) -> dict[str, Any]:
        """Everything, in both languages, as JSON-ready data (``from_data`` reads it back)."""
        return {
            "name": self.name,
            "name_ja": self.name_ja,
            "status": str(self.status),
            "score": self.score,
            "max_score": self.max_score,
            "lines": [_text_data(line) for line in self.lines],
            "hint": _text_data(self.hint),
            "context": _text_data(self.context) if isinstance(self.context, Text) else str(self.context),
            "stdout": self.stdout,
            "stderr": self.stderr,
        }

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> CheckResult:
        """The result ``to_data`` wrote."""
        context = data["context"]
        return cls(
            name=str(data["name"]),
            name_ja=str(data["name_ja"]),
            status=Status(str(data["status"])),
            score=float(data["score"]),
            max_score=float(data["max_score"]),
            lines=tuple(_text_from(line) or Text("", "") for line in data["lines"]),
            hint=_text_from(data["hint"]),
            context=_text_from(context) or "" if isinstance(context, list) else str(context),
            stdout=str(data["stdout"]),
            stderr=str(data["stderr"]),
        )


@dataclass(frozen=True)
class ImportFailure:
    """The learner's file failed at its top level (an exception, a hang, a crash): one report for it.

    No check could run, so each check is reported failed with a pointer here,
    and the learner reads the reason once, with the file's own name and line.
    """

    status: Status
    lines: tuple[Text, ...]
    hint: Text | None = None
    stdout: str = ""
    stderr: str = ""

    def to_data(self) -> dict[str, Any]:
        """Everything, in both languages, as JSON-ready data."""
        return {
            "status": str(self.status),
            "lines": [_text_data(line) for line in self.lines],
            "hint": _text_data(self.hint),
            "stdout": self.stdout,
            "stderr": self.stderr,
        }

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> ImportFailure:
        """The failure ``to_data`` wrote."""
        return cls(
            Status(str(data["status"])),
            tuple(_text_from(line) or Text("", "") for line in data["lines"]),
            _text_from(data["hint"]),
            str(data["stdout"]),
            str(data["stderr"]),
        )

    def message(self, lang: str) -> str:
        """The report as plain text."""
        lines = [line(lang) for line in self.lines]
        if self.hint is not None:
            lines.append(Text("hint: ", "ヒント: ")(lang) + self.hint(lang))
        return "\n".join(lines)


@dataclass(frozen=True)
class ExerciseResult:
    """Every check's verdict for one submission of one exercise."""

    exercise: Exercise
    submission: Path
    results: tuple[CheckResult, ...]
    elapsed: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)
    import_failure: ImportFailure | None = None

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

    def to_text(self, lang: str, colour: bool = False) -> str:
        """The report a learner reads in the terminal."""
        from grader.grading.feedback import render_text

        return render_text(self, lang, colour=colour)

    def to_json(self, lang: str) -> dict[str, Any]:
        """The ``grade exercise --format json`` document (with ``notes`` when a notebook was graded)."""
        document: dict[str, Any] = {
            "exercise": self.exercise.number,
            "passed": self.passed,
            "score": self.score,
            "max_score": self.max_score,
            "checks": [
                {
                    "name": check.name,
                    "passed": check.passed,
                    "score": check.score,
                    "max_score": check.max_score,
                    "message": check.message(lang),
                }
                for check in self.results
            ],
        }
        notes = self.extra.get("notes", ())
        if notes:
            document["notes"] = [note(lang) for note in notes]
        if self.import_failure is not None:
            document["import_error"] = self.import_failure.message(lang)
        return document

    def to_gradescope(self, lang: str) -> dict[str, Any]:
        """A Gradescope ``results.json`` document: one test per check."""
        from grader.grading.feedback import summary

        output = summary(self, lang)
        if self.import_failure is not None:
            output = self.import_failure.message(lang) + "\n\n" + output
        return {
            "score": self.score,
            "max_score": self.max_score,
            "output": output,
            "visibility": "visible",
            "tests": [
                {
                    "name": check.title(lang),
                    "number": f"{self.exercise.number}.{index}",
                    "score": check.score,
                    "max_score": check.max_score,
                    "status": "passed" if check.passed else "failed",
                    "output": check.message(lang),
                    "visibility": "visible",
                }
                for index, check in enumerate(self.results, start=1)
            ],
        }

    def to_data(self) -> dict[str, Any]:
        """Everything, in both languages, as JSON-ready data (``from_data`` reads it back)."""
        return {
            "exercise": self.exercise.number,
            "submission": str(self.submission),
            "elapsed": self.elapsed,
            "notes": [_text_data(note) for note in self.extra.get("notes", ())],
            "results": [check.to_data() for check in self.results],
            "import_failure": None if self.import_failure is None else self.import_failure.to_data(),
        }

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> ExerciseResult:
        """The result ``to_data`` wrote."""
        from grader.grading.engine import get_exercise

        return cls(
            get_exercise(int(data["exercise"])),
            Path(str(data["submission"])),
            tuple(CheckResult.from_data(item) for item in data["results"]),
            elapsed=float(data["elapsed"]),
            extra={"notes": tuple(_text_from(note) for note in data["notes"])},
            import_failure=None
            if data.get("import_failure") is None
            else ImportFailure.from_data(data["import_failure"]),
        )


def _text_data(value: Text | None) -> list[str] | None:
    return None if value is None else [value.en, value.ja]


def _text_from(value: Any) -> Text | None:
    return None if value is None else Text(str(value[0]), str(value[1]))
