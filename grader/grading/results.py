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
    # the number of another exercise whose file made this check fail (see ``Blocker``)
    blocked_by: int | None = None
    # how the check's run ended when it did not return: the exception's class name
    # (``ValueError``, ``SyntaxError``) or ``timeout``, ``memory``, ``crashed``, ``exited``,
    # ``tampered``, ``too_large``; "" when ``verify`` judged what came back
    error: str = ""
    # True when ``hint`` is only the engine's advice for that kind of error (or a first hint
    # of the function's ladder), not a diagnosis the check made
    generic_hint: bool = False

    @property
    def passed(self) -> bool:
        """Whether the check passed."""
        return self.status == Status.PASSED

    @property
    def crash(self) -> str:
        """The kind of error of a check that failed by one and that no hint of the check explains, else "".

        The class report groups such failures as ``crashed: <kind>`` instead of
        showing the engine's generic advice as if it named a misconception.
        """
        if self.status != Status.FAILED or not self.error or self.blocked_by is not None:
            return ""
        return self.error if self.generic_hint or self.hint is None else ""

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
            "blocked_by": self.blocked_by,
            "error": self.error,
            "generic_hint": self.generic_hint,
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
            blocked_by=None if data.get("blocked_by") is None else int(data["blocked_by"]),
            error=str(data.get("error", "")),
            generic_hint=bool(data.get("generic_hint", False)),
        )


@dataclass(frozen=True)
class Blocker:
    """Another exercise's file that made checks of this one fail: said once, and not this exercise's fault.

    A learner's later exercise imports earlier ones (``from ex01_activations
    import sigmoid``).  When that file does not import (a syntax error, an
    exception at its top level, a name it lacks, no such file), still is the
    stub (``NotImplementedError``), or raises inside its own code, the checks
    that reached it fail for a reason the learner fixes in exercise
    ``exercise``, not here.  The engine records it on each such check
    (``CheckResult.blocked_by``) and once here.
    """

    exercise: int
    file: str
    reason: Text  # what is wrong with the file: "still raises NotImplementedError in sigmoid"
    lines: tuple[Text, ...] = ()  # the learner's traceback, when there is one

    def heading(self, exercise: int, blocked: int, total: int) -> Text:
        """One sentence: what could not be checked, because of which file, and what to do."""
        m = self.exercise
        what = Text(f"exercise {exercise}", f"課題 {exercise} を")
        if blocked < total:
            what = Text(
                f"{blocked} of {total} checks of exercise {exercise}",
                f"課題 {exercise} のチェック {total} 件のうち {blocked} 件を",
            )
        return Text(
            f"{what.en} could not be checked because {self.file} (exercise {m}) {self.reason.en}; "
            f"fix exercise {m} first (grade exercise {m})",
            f"{self.file}(課題 {m})が{self.reason.ja}ため、{what.ja}確認できませんでした。"
            f"先に課題 {m} を直してください(grade exercise {m})",
        )

    def to_data(self) -> dict[str, Any]:
        """Everything, in both languages, as JSON-ready data."""
        return {
            "exercise": self.exercise,
            "file": self.file,
            "reason": _text_data(self.reason),
            "lines": [_text_data(line) for line in self.lines],
        }

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Blocker:
        """The blocker ``to_data`` wrote."""
        return cls(
            int(data["exercise"]),
            str(data["file"]),
            _text_from(data["reason"]) or Text("", ""),
            tuple(_text_from(line) or Text("", "") for line in data.get("lines", ())),
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
    blockers: tuple[Blocker, ...] = ()  # other exercises' files that made checks fail, lowest number first

    @property
    def blocked_by(self) -> int | None:
        """The lowest-numbered exercise whose file made a check of this one fail (fix it first), or None."""
        return self.blockers[0].exercise if self.blockers else None

    def blocker_message(self, blocker: Blocker, lang: str) -> str:
        """What ``blocker`` stopped, why, and what to do, with the traceback if any (plain text)."""
        blocked = sum(1 for check in self.results if check.blocked_by == blocker.exercise)
        heading = blocker.heading(self.exercise.number, blocked, len(self.results))(lang)
        return "\n".join([heading, *(part for line in blocker.lines for part in line(lang).splitlines())])

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

    def to_text(self, lang: str, colour: bool = False, show_output: bool = False) -> str:
        """The report a learner reads in the terminal; ``show_output`` adds what passing checks printed."""
        from grader.grading.feedback import render_text

        return render_text(self, lang, colour=colour, show_output=show_output)

    def to_json(self, lang: str, show_output: bool = False) -> dict[str, Any]:
        """The ``grade exercise --format json`` document (with ``notes`` when a notebook was graded).

        ``show_output`` adds each check's captured ``stdout`` and ``stderr`` (as the sandbox kept them).
        """
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
                    **({"stdout": check.stdout, "stderr": check.stderr} if show_output else {}),
                }
                for check in self.results
            ],
        }
        notes = self.extra.get("notes", ())
        if notes:
            document["notes"] = [note(lang) for note in notes]
        if self.import_failure is not None:
            document["import_error"] = self.import_failure.message(lang)
        if self.blockers:
            document["blocked_by"] = [
                {"exercise": blocker.exercise, "file": blocker.file, "message": self.blocker_message(blocker, lang)}
                for blocker in self.blockers
            ]
        return document

    def to_gradescope(self, lang: str) -> dict[str, Any]:
        """A Gradescope ``results.json`` document: one test per check."""
        from grader.grading.feedback import summary

        output = summary(self, lang)
        if self.import_failure is not None:
            output = self.import_failure.message(lang) + "\n\n" + output
        for blocker in reversed(self.blockers):
            output = self.blocker_message(blocker, lang) + "\n\n" + output
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
            "blockers": [blocker.to_data() for blocker in self.blockers],
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
            blockers=tuple(Blocker.from_data(item) for item in data.get("blockers", ())),
        )


def _text_data(value: Text | None) -> list[str] | None:
    return None if value is None else [value.en, value.ja]


def _text_from(value: Any) -> Text | None:
    return None if value is None else Text(str(value[0]), str(value[1]))
