"""What `grade batch` does faster (issue 17) changes no verdict, no guarantee and loses nothing."""

from __future__ import annotations

import os
import random
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from classbook import make_result

from grader.classroom.gradebook import Gradebook, GradebookError, stored_text
from grader.grading.results import Status
from grader.sandbox import confinement
from grader.text import _CONTROL, _ESCAPES, _NEEDS_ESCAPE, is_plain, untrusted

ROOT = Path(__file__).resolve().parents[2]
SOLUTION = (ROOT / "solutions" / "ex01_activations.py").read_text(encoding="utf-8")


def test_untrusted_escapes_exactly_as_translating_every_character_did():
    rng = random.Random(17)
    specials = [*_CONTROL, ord("\n"), ord("\t"), ord("あ"), 0xDC80, 0x10FFFF]
    for _ in range(3000):
        text = "".join(
            chr(rng.choice(specials)) if rng.random() < 0.2 else chr(rng.randrange(0x20, 0x3100))
            for _ in range(rng.randrange(0, 30))
        )
        if rng.random() < 0.3:
            text = text.encode("ascii", "ignore").decode()
        limit = rng.randrange(1, 40)
        cut = text if len(text) <= limit else text[:limit] + f"\n... ({len(text) - limit} more characters cut)"
        assert untrusted(text, limit) == cut.translate(_ESCAPES), repr(text)
    assert untrusted("出力\x1b[2J\u202e", 100) == "出力\\x1b[2J\\u202e"


def test_untrusted_searches_for_exactly_the_characters_it_escapes():
    # untrusted translates only text the search finds something in: the two must name the same characters
    found = {code for code in range(0x110000) if _NEEDS_ESCAPE.match(chr(code))}
    assert found == set(_ESCAPES)
    assert untrusted("plain ASCII, no control", 100) == "plain ASCII, no control"
    assert untrusted("a\x7fb\x1b", 100) == "a\\x7fb\\x1b"


def _utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate
        return False
    return True


def test_a_plain_text_is_exactly_one_that_untrusted_and_utf8_leave_as_it_is():
    # stored_text returns a plain text at once: that must be exactly the text its slow way leaves alone
    rng = random.Random(4)
    specials = [*_CONTROL, ord("\n"), ord("\t"), ord("あ"), 0xD800, 0xDC80, 0xDFFF, 0x10FFFF]
    plain = 0
    for _ in range(5000):
        text = "".join(
            chr(rng.choice(specials)) if rng.random() < 0.1 else chr(rng.randrange(0x20, 0x3100))
            for _ in range(rng.randrange(0, 12))
        )
        limit = rng.randrange(0, 15)
        expected = untrusted(text, limit) == text and _utf8(text)
        assert is_plain(text, limit) == expected, (repr(text), limit)
        plain += expected
        escaped = untrusted(untrusted(text.encode("utf-8", "backslashreplace").decode(), len(text) * 10), limit)
        assert stored_text(text, limit) == escaped, repr(text)
    assert 1000 < plain < 4000  # both kinds were tried
    assert stored_text("\udcff.py", 100) == "\\udcff.py"


def _synchronous(book: Gradebook) -> int:
    return book._connection.execute("PRAGMA synchronous").fetchone()[0]


def test_fast_commits_sync_everything_at_the_end_and_pass_errors_on(tmp_path):
    with Gradebook(tmp_path / "book.sqlite") as book:
        assert _synchronous(book) == 2  # FULL
        with book.fast_commits():
            assert _synchronous(book) == 1  # NORMAL
            book.record_exercise("ann", 1, "ex01_activations.py", "h1", make_result(1, [Status.PASSED]))
        assert _synchronous(book) == 2
        with pytest.raises(GradebookError, match="a learner is named"), book.fast_commits():
            book.record_problem("", "no name")
        assert _synchronous(book) == 2
        assert book.is_graded("ann", 1, "h1")


def test_fast_commits_survive_a_killed_grader(tmp_path):
    """What was committed inside fast_commits is kept when the process is killed right after (SIGKILL)."""
    database = tmp_path / "book.sqlite"
    script = textwrap.dedent(
        f"""
        import os, signal, sys
        sys.path[:0] = [{str(ROOT)!r}, {str(Path(__file__).parent)!r}]
        from classbook import make_result
        from grader.classroom.gradebook import Gradebook
        from grader.grading.results import Status
        book = Gradebook({str(database)!r})
        with book.fast_commits():
            for index in range(30):
                book.record_exercise(f"learner{{index}}", 1, "ex01_activations.py", f"h{{index}}",
                                     make_result(1, [Status.PASSED]))
            os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    completed = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=60, check=False)
    assert completed.returncode == -9, completed.stderr.decode()[-2000:]
    with sqlite3.connect(database) as connection:
        assert connection.execute("pragma integrity_check").fetchone()[0] == "ok"
        assert connection.execute("select count(*) from submissions where current = 1").fetchone()[0] == 30


def test_opened_paths_give_the_same_landlock_rules(tmp_path):
    folder, file = tmp_path / "folder", tmp_path / "file.txt"
    folder.mkdir()
    file.write_text("x")
    opened = confinement.open_paths([str(folder), str(file), str(tmp_path / "missing")])
    try:
        assert [is_folder for _fd, is_folder in opened] == [True, False]
        if confinement.landlock_abi() >= 1:
            ruleset = confinement.landlock_ruleset([], [], opened_read=opened)
            assert ruleset >= 0
            os.close(ruleset)
    finally:
        for fd, _is_folder in opened:
            os.close(fd)


@pytest.mark.skipif(
    confinement.landlock_abi() < 1 or bool(os.environ.get("GRADE_NO_CONFINE")), reason="Landlock is not available"
)
def test_the_pool_s_workers_read_only_what_they_may_and_inherit_no_descriptor(tmp_path):
    """The zygote opens Python's paths once for all servers: a worker still reads nothing else, holds none of them."""
    from grader.grading.engine import get_exercise, grade_exercise
    from grader.sandbox.client import SandboxPool

    secret = tmp_path / "elsewhere" / "secret.txt"
    secret.parent.mkdir()
    secret.write_text("other learner's work")
    os.chmod(secret.parent, 0o755)
    os.chmod(secret, 0o644)
    learner = tmp_path / "learner"
    learner.mkdir()
    path = learner / "ex01_activations.py"
    override = f"""
        import json, os

        def relu(x):
            leaks = []
            for target in ({str(secret)!r}, {str(ROOT / "grader" / "checks" / "ex01_activations.py")!r}):
                try:
                    with open(target) as handle:
                        leaks.append(handle.read(10))
                except OSError:
                    pass
            inherited = []
            for fd in range(5, 1024):  # 0-4 are the worker's own (streams, result and acknowledgement pipes)
                try:
                    os.fstat(fd)
                    inherited.append(fd)
                except OSError:
                    pass
            if leaks or inherited:
                return x * 0 + 42
            return np.maximum(0, x)
    """
    path.write_text(SOLUTION + "\n\n" + textwrap.dedent(override), encoding="utf-8")
    with SandboxPool() as pool:
        checks = get_exercise(1).build_checks()
        result = grade_exercise(1, path, pool=pool, checks=checks, jobs=1)
        again = grade_exercise(1, path, pool=pool, checks=checks, jobs=1)
    for graded in (result, again):
        failed = [(check.name, check.status) for check in graded.results if check.status != Status.PASSED]
        assert failed == [], failed


def _verdicts(database: Path) -> list[tuple]:
    with sqlite3.connect(database) as connection:
        return connection.execute(
            "SELECT learners.name, submissions.exercise, check_results.position, check_results.name, "
            "check_results.status, check_results.score, check_results.hint_en FROM check_results "
            "JOIN submissions ON submissions.id = check_results.submission_id "
            "JOIN learners ON learners.id = submissions.learner_id WHERE submissions.current = 1 "
            "ORDER BY learners.name, submissions.exercise, check_results.position"
        ).fetchall()


def test_shared_inputs_give_the_verdicts_each_submission_s_own_copies_gave(tmp_path, monkeypatch):
    from grader.classroom.batch import run_batch
    from grader.grading.engine import EXERCISES

    class_dir = tmp_path / "class"
    for number in (1, 3):  # exercise 3 imports exercise 1
        module = EXERCISES[number].module
        solution = (ROOT / "solutions" / f"{module}.py").read_text(encoding="utf-8")
        variants = sorted((ROOT / "tests" / "submissions" / f"ex{number:02d}").glob("*.py"))[:1]
        texts = [solution, (ROOT / "exercises" / f"{module}.py").read_text(encoding="utf-8")]
        texts += [solution + "\n\n" + variant.read_text(encoding="utf-8") for variant in variants]
        for index, text in enumerate(texts):
            folder = class_dir / f"learner{index}"
            folder.mkdir(parents=True, exist_ok=True)
            (folder / f"{module}.py").write_text(text, encoding="utf-8")
    with Gradebook(tmp_path / "shared.sqlite") as book:
        assert run_batch(class_dir, book, jobs=2, timeout=2).graded == 6
    # each submission its own copies, as before the pool shared them (and as without Landlock)
    monkeypatch.setattr(confinement, "landlock_abi", lambda: 0)
    with Gradebook(tmp_path / "own.sqlite") as book:
        assert run_batch(class_dir, book, jobs=2, timeout=2).graded == 6
    shared, own = _verdicts(tmp_path / "shared.sqlite"), _verdicts(tmp_path / "own.sqlite")
    assert len(shared) > 6 * 8
    assert {row[4] for row in shared} >= {"passed", "failed"}
    assert shared == own


@pytest.mark.skipif(
    confinement.landlock_abi() < 1 or bool(os.environ.get("GRADE_NO_CONFINE")), reason="Landlock is not available"
)
def test_a_pool_that_shares_inputs_sends_each_probe_s_steps_as_a_file_written_once(tmp_path):
    import json

    from grader.grading.engine import get_exercise, grade_exercise
    from grader.sandbox.client import Sandbox, SandboxPool

    checks = get_exercise(1).build_checks()
    probes = list({id(check.probe): check.probe for check in checks}.values())
    submission = tmp_path / "ex01_activations.py"
    submission.write_text(SOLUTION, encoding="utf-8")
    with SandboxPool(share_inputs=True) as pool:
        sent, written = [], []
        for _ in range(2):
            with Sandbox(submission, "ex01_activations", pool=pool, share_inputs=True) as sandbox:
                sent.append(json.loads(sandbox._manifest_text(pool, sandbox.manifest(probes))))
            written.append({path: path.stat().st_mtime_ns for path in pool.inputs_dir.glob("*.json")})
        for manifest in sent:
            for entry, probe in zip(manifest["probes"], probes, strict=True):
                assert "steps" not in entry
                assert json.loads(Path(entry["steps_file"]).read_text()) == probe.steps
        with Sandbox(submission, "ex01_activations", pool=pool, share_inputs=False) as sandbox:
            own = json.loads(sandbox._manifest_text(pool, sandbox.manifest(probes)))
        # the zygote parsed them once (``load``): a later grading's server does not read the files
        assert grade_exercise(1, submission, pool=pool, checks=checks, jobs=1).passed
        for path in written[1]:
            path.unlink()
        assert grade_exercise(1, submission, pool=pool, checks=checks, jobs=1).passed
    # the second grading named the same files, and wrote none again
    assert [entry["steps_file"] for entry in sent[0]["probes"]] == [entry["steps_file"] for entry in sent[1]["probes"]]
    assert set(written[0]) == {Path(entry["steps_file"]) for entry in sent[0]["probes"]}
    assert written[0] == written[1]
    # a sandbox that does not share its inputs sends the steps themselves
    assert [entry["steps"] for entry in own["probes"]] == [probe.steps for probe in probes]


@pytest.mark.skipif(
    confinement.landlock_abi() < 1 or bool(os.environ.get("GRADE_NO_CONFINE")), reason="Landlock is not available"
)
def test_a_submission_can_not_change_the_inputs_the_pool_shares(tmp_path):
    from grader.grading.engine import get_exercise, grade_exercise
    from grader.sandbox.client import SandboxPool

    checks = get_exercise(1).build_checks()
    with SandboxPool(share_inputs=True) as pool:
        assert pool.shares_inputs
        honest = tmp_path / "honest"
        honest.mkdir()
        (honest / "ex01_activations.py").write_text(SOLUTION, encoding="utf-8")
        assert grade_exercise(1, honest / "ex01_activations.py", pool=pool, checks=checks, jobs=1).passed
        inputs = {path: path.read_bytes() for path in pool.inputs_dir.iterdir()}
        # the probes' arrays, and their steps (which the manifests name instead of carrying them)
        assert {path.suffix for path in inputs} == {".npy", ".json"}
        attacker = tmp_path / "attacker"
        attacker.mkdir()
        override = f"""
            import os

            def relu(x):
                folder = {str(pool.inputs_dir)!r}
                for name in os.listdir(folder):
                    path = os.path.join(folder, name)
                    for attack in (lambda: os.chmod(path, 0o666), lambda: open(path, "r+b").write(b"X" * 200),
                                   lambda: os.unlink(path)):
                        try:
                            attack()
                        except OSError:
                            pass
                with open(os.path.join(folder, "planted.npy"), "wb") as handle:
                    handle.write(b"planted")
                return np.maximum(0, x)
        """
        (attacker / "ex01_activations.py").write_text(SOLUTION + textwrap.dedent(override), encoding="utf-8")
        attacked = grade_exercise(1, attacker / "ex01_activations.py", pool=pool, checks=checks, jobs=1)
        assert {check.status for check in attacked.results if check.target == "relu"} == {Status.FAILED}
        assert {path: path.read_bytes() for path in pool.inputs_dir.iterdir()} == inputs
        assert all(path.stat().st_mode & 0o777 == 0o444 for path in inputs)
        assert grade_exercise(1, honest / "ex01_activations.py", pool=pool, checks=checks, jobs=1).passed


def test_a_function_that_hung_once_costs_its_other_checks_a_short_limit(tmp_path):
    """A twentieth of the limit (at least 0.1 s): its quick checks still pass, its hangs end sooner."""
    import numpy as np

    from grader.sandbox.client import Probe, Sandbox

    learner = tmp_path / "ex01_activations.py"
    learner.write_text("def relu(x):\n    while x.size > 3:\n        pass\n    return x\n")
    probes = []
    for size in (5, 2, 5):
        probe = Probe()
        probe.group = "relu"
        probe.save(probe.call("relu", np.ones(size)), "y")
        probes.append(probe)
    with Sandbox(learner, "ex01_activations", timeout=0.6, jobs=1) as sandbox:
        runs = sandbox.run(probes)
    assert [run.status for run in runs] == ["timeout", "ok", "timeout"]
    # the first hang goes on alone to its own limit (0.6 s); the quick check runs after it in a shared
    # first pass (0.3 s budget, OPTIMISTIC_SECONDS); the second hang then has the short limit (was 0.6 s)
    assert [run.limit for run in runs] == [0.6, 0.3, 0.1]


def _two_exercise_class(class_dir: Path, learners: int) -> None:
    from grader.grading.engine import EXERCISES

    for index in range(learners):
        folder = class_dir / f"learner{index}"
        folder.mkdir(parents=True)
        (folder / "notes.txt").write_text("my notes")  # a problem the import records
        for number in (1, 2):
            module = EXERCISES[number].module
            text = (ROOT / "solutions" / f"{module}.py").read_text(encoding="utf-8") + f"\n# learner {index}\n"
            (folder / f"{module}.py").write_text(text, encoding="utf-8")


@pytest.mark.parametrize("share", [True, False], ids=["shared-per-learner", "own-per-task"])
def test_a_learner_s_files_are_staged_once_for_all_of_their_tasks_only_where_shared(tmp_path, monkeypatch, share):
    from grader.classroom import batch

    class_dir = tmp_path / "class"
    _two_exercise_class(class_dir, 2)
    tasks = batch.plan(batch.discover(class_dir), None)
    assert len(tasks) == 4
    staged: list[Path] = []
    real = batch._stage

    def counted(task, root):
        staged.append(real(task, root))
        return staged[-1]

    monkeypatch.setattr(batch, "_stage", counted)
    root = tmp_path / "staging"
    root.mkdir()
    stages = batch._Staging(root, tasks, share=share)
    for task in tasks:
        with stages.staged(task) as submission:
            assert submission.read_bytes().startswith(b'"""')
            assert submission.name == task.candidate.staged_name
            assert sorted(path.name for path in submission.parent.iterdir()) == [
                "ex01_activations.py",
                "ex02_softmax_loss.py",
            ]
    assert len(staged) == (2 if share else 4)
    assert list(root.iterdir()) == []  # each folder deleted after its last task


def test_a_file_changed_before_its_learner_is_staged_is_a_problem_for_each_of_their_tasks(tmp_path):
    from grader.classroom import batch

    class_dir = tmp_path / "class"
    _two_exercise_class(class_dir, 1)
    tasks = batch.plan(batch.discover(class_dir), None)
    changed = class_dir / "learner0" / "ex02_softmax_loss.py"
    changed.write_text(changed.read_text() + "\n# edited\n")
    root = tmp_path / "staging"
    root.mkdir()
    stages = batch._Staging(root, tasks, share=True)
    for task in tasks:
        with pytest.raises(batch._Changed, match="changed while the batch ran"), stages.staged(task):
            pass
    assert list(root.iterdir()) == []


def test_the_import_runs_while_grading_and_keeps_every_problem_a_grading_records(tmp_path, monkeypatch):
    """Gradings that end before their learner is imported: the import (which replaces problems) comes first."""
    from grader.classroom import batch
    from grader.errors import SandboxError

    class_dir = tmp_path / "class"
    _two_exercise_class(class_dir, 8)

    def broken(number, submission, **kwargs):
        raise SandboxError("the sandbox could not start")

    monkeypatch.setattr(batch, "grade_exercise", broken)
    with Gradebook(tmp_path / "book.sqlite") as book:
        summary = batch.run_batch(class_dir, book, jobs=2, timeout=2)
        problems = book.load().problems
    assert (summary.graded, summary.failed, summary.learners) == (0, 16, 8)
    for index in range(8):
        found = problems[f"learner{index}"]
        assert found[0] == "notes.txt: not an exercise file or quiz attempt; ignored"
        assert sorted(found[1:]) == [
            "ex01_activations.py: could not be graded (the sandbox could not start)",
            "ex02_softmax_loss.py: could not be graded (the sandbox could not start)",
        ]


def test_when_grading_can_not_start_every_learner_is_still_imported(tmp_path, monkeypatch):
    from grader.classroom import batch
    from grader.errors import SandboxError
    from grader.sandbox import client

    class_dir = tmp_path / "class"
    _two_exercise_class(class_dir, 3)

    def no_sandbox(*args, **kwargs):
        raise SandboxError("the sandbox could not start")

    monkeypatch.setattr(client, "SandboxPool", no_sandbox)
    with Gradebook(tmp_path / "book.sqlite") as book:
        with pytest.raises(SandboxError, match="could not start"):
            batch.run_batch(class_dir, book, jobs=2, timeout=2)
        problems = book.load().problems
    assert problems == {
        f"learner{index}": ("notes.txt: not an exercise file or quiz attempt; ignored",) for index in range(3)
    }
