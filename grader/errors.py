"""The grader's exceptions: one hierarchy, each with a message that says what to do."""

from __future__ import annotations

from pathlib import Path


class GraderError(Exception):
    """Base class of every error the grader raises on purpose.

    ``exit_code`` is the ``grade`` command's exit status for it (the CLI maps
    errors to statuses in one place): 3 when the grader could not do its job
    (a sandbox that can not start, a full disk, a broken course file), 2 for a
    usage error.  ``str()`` is English; ``ja``, when given, the same in Japanese.
    """

    exit_code = 3

    def __init__(self, message: str = "", ja: str = "") -> None:
        super().__init__(message)
        self.ja = ja

    def in_language(self, lang: str) -> str:
        """The message in ``lang`` (English when there is no Japanese)."""
        return self.ja if lang == "ja" and self.ja else str(self)


class UsageError(GraderError):
    """The command was given something it can not work with (exit status 2)."""

    exit_code = 2


class InputLimitError(UsageError):
    """A notebook or a learner's source too big or nested too deep to be read safely (exit status 2).

    In Jupyter, IPython shows the message in place of a traceback
    (``_render_traceback_``).
    """

    def _render_traceback_(self) -> list[str]:
        return [f"grade: {line}" for line in (str(self), self.ja) if line]


class SandboxError(GraderError):
    """The sandbox itself could not run (not the learner's code failing)."""


class OutputError(GraderError):
    """A probe did not bring back a value a check needs."""


class MathError(GraderError):
    """A piece of LaTeX math that can not be converted to MathML.

    ``str()`` reads ``<what is wrong>; <what to do>``. ``position`` is the
    offset where the problem was found, in ``tex`` for a conversion error and
    in the searched text for an unbalanced ``$`` (0 when nobody said).
    """

    def __init__(self, tex: str, problem: str, fix: str, position: int = 0) -> None:
        self.tex = tex
        self.problem = problem
        self.fix = fix
        self.message = f"{problem}; {fix}"
        self.position = position
        super().__init__(self.message)


class CourseFileError(GraderError):
    """A course source file (a quiz, a hint file) that breaks the rules of its format.

    ``str()`` reads ``quizzes/en/03-x.md:12: <what is wrong>; <what to do>``:
    the file, the 1-based line, the problem and the fix.
    """

    def __init__(self, path: Path, line: int, problem: str, fix: str) -> None:
        self.path = Path(path)
        self.line = line
        self.problem = problem
        self.fix = fix
        self.message = f"{problem}; {fix}"
        super().__init__(f"{display_path(self.path)}:{line}: {self.message}")


class QuizError(CourseFileError):
    """A quiz source file that breaks the rules of QUIZZES.md."""


class HintError(CourseFileError):
    """A hint file that breaks the rules of hints/README.md."""


def display_path(path: Path) -> str:
    """``path`` relative to the current directory when it lies below it, else as given."""
    try:
        return Path(path).resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return str(path)
