"""grade batch stores each quiz attempt with the answer key it was scored against, and scores it again only then.

A re-run with nothing changed parses and scores no attempt file again; a changed
answer key (or a changed grader) scores every attempt again, and the marks follow
the key; a gradebook of schema 3 (no key stored) is scored again once.
"""

from __future__ import annotations

import shutil
import sqlite3

import pytest
from test_batch_hostile import answers_to, attempt_file, honest_learner

from grader.classroom import attempts as attempts_module
from grader.classroom.attempts import load_scoring_bank, scoring_key
from grader.classroom.batch import discover, import_attempts, run_batch
from grader.classroom.gradebook import Gradebook, quiz_attempt_rows
from grader.quiz.bank import load_bank, quiz_root


@pytest.fixture
def quizzes(tmp_path, monkeypatch):
    """A private copy of quiz 1 (both languages) as the course's quizzes: a test may edit its answer key."""
    root = tmp_path / "quizzes"
    for lang in ("en", "ja"):
        (root / lang).mkdir(parents=True)
        for path in (quiz_root() / lang).glob("01-*.md"):
            shutil.copy(path, root / lang)
    monkeypatch.setenv("GRADE_QUIZ_ROOT", str(root))
    return root


@pytest.fixture
def scored(monkeypatch):
    """The number of attempt files ``grade batch`` scores (``rescore_attempt`` calls)."""
    calls = []
    real = attempts_module.rescore_attempt

    def counting(*args, **kwargs):
        calls.append(args[0])
        return real(*args, **kwargs)

    monkeypatch.setattr(attempts_module, "rescore_attempt", counting)
    return calls


# the learners of _class and the questions each answered right (the first ones)
MARKS = (("ann", 3), ("bob", 4), ("cy", 5))


def _class(tmp_path, bank, learners=("ann", "bob", "cy")):
    class_dir = tmp_path / "class"
    for right, name in enumerate(learners, start=3):
        honest_learner(class_dir, bank, name, right)
    return class_dir


def _marks(gradebook):
    return sorted((row.learner, row.quiz, row.score, row.max_score) for row in gradebook.load().attempts)


def count(bank):
    """The number of questions of quiz 1: a full attempt's maximum."""
    return len(bank[(1, "en")].questions)


def _graded_then_changed(tmp_path, quizzes, *statements):
    """The class of ``_class`` graded into a gradebook, then ``statements`` run on it: the folder, file and marks."""
    bank, _ = load_bank(quizzes)
    class_dir = _class(tmp_path, bank)
    path = tmp_path / "book.sqlite"
    with Gradebook(path) as gradebook:
        run_batch(class_dir, gradebook, jobs=1)
        marks = _marks(gradebook)
    with sqlite3.connect(path) as connection:
        for statement in statements:
            connection.execute(statement)
    return class_dir, path, marks


def _keys(path):
    with sqlite3.connect(path) as connection:
        return [row[0] for row in connection.execute("SELECT scored_with FROM quiz_attempts ORDER BY id")]


def test_a_rerun_scores_no_attempt_again_and_keeps_every_mark(tmp_path, quizzes, scored):
    bank, _ = load_bank(quizzes)
    class_dir = _class(tmp_path, bank)
    with Gradebook(tmp_path / "book.sqlite") as gradebook:
        first = run_batch(class_dir, gradebook, jobs=1)
        marks = _marks(gradebook)
        assert len(scored) == 3
        assert first.attempts == 3
        scored.clear()
        again = run_batch(class_dir, gradebook, jobs=1)
        assert scored == []
        assert again.attempts == 0
        assert _marks(gradebook) == marks == [(name, 1, right, count(bank)) for name, right in MARKS]
    key = scoring_key(*load_scoring_bank(quizzes)[:1])
    assert _keys(tmp_path / "book.sqlite") == [key] * 3


def test_a_changed_answer_key_scores_every_attempt_again(tmp_path, quizzes, scored):
    bank, _ = load_bank(quizzes)
    class_dir = _class(tmp_path, bank)
    with Gradebook(tmp_path / "book.sqlite") as gradebook:
        run_batch(class_dir, gradebook, jobs=1)
        before = scoring_key(load_scoring_bank(quizzes)[0])
        # the first question's answer is "fixed": every learner answered 0.5, which is now wrong
        for lang in ("en", "ja"):
            (path,) = (quizzes / lang).glob("01-*.md")
            text = path.read_text(encoding="utf-8")
            assert text.count("= 0.5 ± 0.001") == 1
            path.write_text(text.replace("= 0.5 ± 0.001", "= 0.25 ± 0.001"), encoding="utf-8")
        after = scoring_key(load_scoring_bank(quizzes)[0])
        assert after != before
        scored.clear()
        summary = run_batch(class_dir, gradebook, jobs=1)
        assert len(scored) == 3
        assert summary.attempts == 3
        assert _marks(gradebook) == [(name, 1, right - 1, count(bank)) for name, right in MARKS]
    assert _keys(tmp_path / "book.sqlite") == [after] * 3


def test_an_edited_attempt_file_is_scored_again(tmp_path, quizzes, scored):
    bank, _ = load_bank(quizzes)
    class_dir = _class(tmp_path, bank, ("ann",))
    with Gradebook(tmp_path / "book.sqlite") as gradebook:
        run_batch(class_dir, gradebook, jobs=1)
        (path,) = (class_dir / "ann" / ".grade" / "quiz-attempts").glob("*.json")
        path.unlink()
        attempt_file(class_dir / "ann", {"quiz": 1, "lang": "en", "questions": answers_to(bank[(1, "en")], 9)})
        scored.clear()
        run_batch(class_dir, gradebook, jobs=1)
        assert len(scored) == 1
        assert _marks(gradebook) == [("ann", 1, 9, count(bank))]


def test_marks_stored_with_another_key_are_checked_once_then_skipped(tmp_path, quizzes, scored):
    """A gradebook of schema 3 (or one written by another grader) has no key: its attempts are scored once more."""
    class_dir, path, marks = _graded_then_changed(
        tmp_path,
        quizzes,
        "UPDATE quiz_attempts SET scored_with = NULL WHERE id = 1",
        "UPDATE quiz_attempts SET scored_with = 'another grader' WHERE id = 2",
    )
    with Gradebook(path) as gradebook:
        scored.clear()
        assert run_batch(class_dir, gradebook, jobs=1).attempts == 0  # the same marks: nothing rewritten
        assert len(scored) == 2
        assert _marks(gradebook) == marks
        scored.clear()
        run_batch(class_dir, gradebook, jobs=1)
        assert scored == []
    assert len(set(_keys(path))) == 1


def test_a_schema_3_gradebook_gains_the_key_column_and_keeps_its_attempts(tmp_path, quizzes):
    bank, _ = load_bank(quizzes)
    class_dir = _class(tmp_path, bank, ("ann",))
    path = tmp_path / "book.sqlite"
    with Gradebook(path) as gradebook:
        run_batch(class_dir, gradebook, jobs=1)
        marks = _marks(gradebook)
    with sqlite3.connect(path) as connection:  # as schema 3 wrote it
        connection.execute("ALTER TABLE quiz_attempts DROP COLUMN scored_with")
        connection.execute("UPDATE schema_version SET version = 3")
    with Gradebook(path) as gradebook:
        assert gradebook.schema_version() == 4
        assert _marks(gradebook) == marks
    assert _keys(path) == [None]


def test_the_key_follows_everything_a_score_depends_on(quizzes):
    bank, _ = load_scoring_bank(quizzes)
    key = scoring_key(bank)
    assert scoring_key(load_scoring_bank(quizzes)[0]) == key  # loaded again: the same
    assert scoring_key(bank, {2}) != key  # a quiz left out
    (quiz, *_) = bank.values()
    numeric = next(question for question in quiz.questions if question.kind == "numeric")
    choice = next(question for question in quiz.questions if question.kind != "numeric")
    import dataclasses

    def with_question(question):
        questions = tuple(question if q.id == question.id else q for q in quiz.questions)
        return {**bank, (quiz.number, quiz.lang): dataclasses.replace(quiz, questions=questions)}

    assert scoring_key(with_question(dataclasses.replace(numeric, tolerance=numeric.tolerance * 2))) != key
    assert scoring_key(with_question(dataclasses.replace(numeric, answer=numeric.answer + 1))) != key
    flipped = tuple(dataclasses.replace(option, correct=not option.correct) for option in choice.options)
    assert scoring_key(with_question(dataclasses.replace(choice, options=flipped))) != key
    assert scoring_key(with_question(dataclasses.replace(numeric, explanation="reworded"))) == key


def test_one_attempt_twice_in_a_learners_files_is_stored_once(tmp_path, quizzes):
    bank, _ = load_bank(quizzes)
    document = {"quiz": 1, "lang": "en", "questions": answers_to(bank[(1, "en")], 4), "score": 4}
    rows = quiz_attempt_rows(document, "h" * 64)
    with Gradebook(tmp_path / "book.sqlite") as gradebook:
        assert gradebook.record_quiz_attempts("ann", [rows, rows], "k") == 1
        assert gradebook.record_quiz_attempts("ann", [rows], "k") == 0
        assert gradebook.scored_with("ann") == {"h" * 64: "k"}
        assert _marks(gradebook) == [("ann", 1, 4, count(bank))]


def test_without_a_key_every_attempt_file_is_scored(tmp_path, quizzes, scored):
    """``import_attempts`` called without a key (no bank digest to compare with) skips nothing."""
    bank, _ = load_bank(quizzes)
    class_dir = _class(tmp_path, bank)
    with Gradebook(tmp_path / "book.sqlite") as gradebook:
        run_batch(class_dir, gradebook, jobs=1)
        scored.clear()
        for learner in discover(class_dir):
            assert import_attempts(learner, gradebook, bank, set()) == 0  # the same marks: nothing written
        assert len(scored) == 3


def test_force_scores_every_attempt_again_and_mends_a_changed_row(tmp_path, quizzes, scored):
    """grade batch --force: the attempts too, so a gradebook row changed by hand is put right."""
    class_dir, path, marks = _graded_then_changed(tmp_path, quizzes, "UPDATE quiz_attempts SET score = 17 WHERE id = 1")
    with Gradebook(path) as gradebook:
        scored.clear()
        run_batch(class_dir, gradebook, jobs=1)
        assert scored == []  # no file changed: the row stays as it was made
        assert _marks(gradebook) != marks
        run_batch(class_dir, gradebook, jobs=1, force=True)
        assert len(scored) == 3
        assert _marks(gradebook) == marks
