"""The learner-file corpus gets the verdicts it was written for (see tests/submissions)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from grader.grading.engine import EXERCISES, Check, grade_exercise
from grader.grading.results import Status
from grader.sandbox.client import SandboxPool

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "tests" / "submissions"
CASES = sorted(CORPUS.glob("ex*/*.py"))


def _expectation(path: Path) -> str:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    match = re.fullmatch(r"# expect: (\w+)", first.strip())
    if match is None:
        raise ValueError(f"{path}: the first line must be '# expect: NAME' or '# expect: pass'")
    return match.group(1)


def _timeout(path: Path) -> float | None:
    """An optional second line ``# timeout: SECONDS`` (for bugs such as endless loops)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    match = re.fullmatch(r"# timeout: ([0-9.]+)", lines[1].strip()) if len(lines) > 1 else None
    return float(match.group(1)) if match else None


def _hints(path: Path) -> list[str]:
    """Every ``# hint: TEXT`` line of the file's leading comment block: TEXT must be shown in English.

    A bug file names the misconception a learner must be told about; the text
    is compared with whitespace collapsed, as a part of the failed checks' hints
    and explanation lines.
    """
    hints = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        match = re.fullmatch(r"# hint: (.+)", line.strip())
        if match:
            hints.append(" ".join(match.group(1).split()))
    return hints


def _exercise(path: Path) -> int:
    return int(path.parent.name[2:])


def _submission(path: Path, tmp_path: Path) -> Path:
    number = _exercise(path)
    module = EXERCISES[number].module
    solution = (ROOT / "solutions" / f"{module}.py").read_text(encoding="utf-8")
    override = path.read_text(encoding="utf-8")
    target = tmp_path / f"{module}.py"
    target.write_text(solution + "\n\n# --- override from the corpus ---\n" + override, encoding="utf-8")
    # earlier exercises are importable from the learner's folder, as in a workspace
    for earlier in (ROOT / "solutions").glob("ex*.py"):
        if earlier.name != target.name:
            (tmp_path / earlier.name).write_text(earlier.read_text(encoding="utf-8"), encoding="utf-8")
    return target


@pytest.fixture(scope="module")
def pool():
    """One warm sandbox for the whole corpus, as ``grade batch`` uses (a fresh server is forked per file)."""
    with SandboxPool() as warm:
        yield warm


@pytest.fixture(scope="module")
def built_checks():
    """The checks of each exercise, built once (as ``grade batch`` does) and reused for every file."""
    cache: dict[int, list[Check]] = {}

    def checks(number: int) -> list[Check]:
        if number not in cache:
            cache[number] = EXERCISES[number].build_checks()
        return cache[number]

    return checks


def test_corpus_covers_every_exercise():
    covered = {_exercise(path) for path in CASES}
    assert set(EXERCISES) <= covered


@pytest.mark.parametrize("case", CASES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_corpus_verdict(case: Path, tmp_path: Path, pool: SandboxPool, built_checks):
    expect = _expectation(case)
    number = _exercise(case)
    result = grade_exercise(
        number, _submission(case, tmp_path), timeout=_timeout(case), pool=pool, checks=built_checks(number)
    )
    failed = [check for check in result.results if check.status == Status.FAILED]
    if expect == "pass":
        assert not _hints(case), f"{case.name}: a file expected to pass names no hint"
        assert result.passed, [(c.name, [line.en for line in c.lines]) for c in failed]
    else:
        assert failed, f"{case.name}: the bug in {expect} was not caught"
        assert any(check.target == expect for check in failed), (
            f"{case.name}: caught only by checks of other functions: {[c.name for c in failed]}"
        )
        shown = " ".join(" ".join(check.message("en").split()) for check in failed)
        for hint in _hints(case):
            assert hint in shown, f"{case.name}: the hint {hint!r} is not shown; the feedback says: {shown}"
