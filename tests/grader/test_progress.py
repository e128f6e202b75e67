"""Quiz attempts in the workspace: saved as JSON, read back, best score and last wrong answers."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from grader.quiz.attempts import ATTEMPTS_FOLDER, attempts, best_score, last_wrong, save_attempt
from grader.quiz.bank import load_quiz

BAD = Path(__file__).resolve().parent / "quizzes_bad"
EN = load_quiz(BAD / "en" / "01-good.md")
JA = load_quiz(BAD / "ja" / "01-good.md")


def _answers(*correct: bool) -> list[dict]:
    chosen = [[1], [0, 1], 4.0]
    return [
        {"id": question.id, "chosen": chosen[index], "correct": right, "seconds": 1.25 + index}
        for index, (question, right) in enumerate(zip(EN.questions, correct, strict=False))
    ]


def test_an_attempt_is_one_json_file_in_the_workspace(tmp_path):
    started = time.time() - 30
    path = save_attempt(tmp_path, EN, _answers(True, False, True), started)
    assert path.parent == tmp_path / ATTEMPTS_FOLDER
    assert path.name.startswith("01-en-")
    assert path.suffix == ".json"
    record = json.loads(path.read_text(encoding="utf-8"))
    assert record["quiz"] == 1
    assert record["slug"] == "01-good"
    assert record["lang"] == "en"
    assert (record["score"], record["max_score"], record["review"]) == (2, 3, False)
    assert record["questions"][0] == {"id": "pick-one", "chosen": [1], "correct": True, "seconds": 1.2}
    assert record["questions"][2]["chosen"] == 4.0
    assert record["started"] < record["finished"]
    assert not list(path.parent.glob("*.tmp"))


def test_no_attempt_yet(tmp_path):
    assert attempts(tmp_path, 1) == []
    assert best_score(tmp_path, 1) is None
    assert last_wrong(tmp_path, 1) == []


def test_attempts_are_oldest_first_across_languages(tmp_path):
    first = save_attempt(tmp_path, EN, _answers(False, False, False), time.time())
    second = save_attempt(tmp_path, JA, _answers(True, False, False), time.time())
    third = save_attempt(tmp_path, EN, _answers(True, True, False), time.time())
    assert [record["path"] for record in attempts(tmp_path, 1)] == [str(first), str(second), str(third)]
    assert attempts(tmp_path, 2) == []


def test_best_score_is_the_best_full_attempt(tmp_path):
    save_attempt(tmp_path, EN, _answers(True, False, False), time.time())
    save_attempt(tmp_path, JA, _answers(True, True, False), time.time())
    save_attempt(tmp_path, EN, _answers(False, False, False), time.time())
    # a review of one question answered right is not a full score
    save_attempt(tmp_path, EN, _answers(True), time.time(), review=True)
    assert best_score(tmp_path, 1) == (2.0, 3.0)


def test_a_review_that_corrects_the_wrong_answers_improves_the_best_score(tmp_path):
    """Issue 16: --review asked the wrong answers again but never raised the best score."""
    review = [{"id": "pick-several", "chosen": [0, 1], "correct": True, "seconds": 3.0},
              {"id": "a-number", "chosen": 5.0, "correct": False, "seconds": 2.0}]  # fmt: skip
    save_attempt(tmp_path, EN, review, time.time(), review=True)  # before any full attempt: nothing to improve
    assert best_score(tmp_path, 1) is None
    save_attempt(tmp_path, EN, _answers(True, False, False), time.time())
    assert best_score(tmp_path, 1) == (1.0, 3.0)
    save_attempt(tmp_path, EN, review, time.time(), review=True)
    assert best_score(tmp_path, 1) == (2.0, 3.0)
    # the next review asks only what is still wrong; a question the attempt did not have counts nothing
    last = [{"id": "a-number", "chosen": 4.0, "correct": True, "seconds": 2.0},
            {"id": "not-in-the-quiz", "chosen": [0], "correct": True, "seconds": 1.0}]  # fmt: skip
    save_attempt(tmp_path, EN, last, time.time(), review=True)
    assert best_score(tmp_path, 1) == (3.0, 3.0)
    # a new full attempt starts over; the best so far stays
    save_attempt(tmp_path, EN, _answers(False, False, False), time.time())
    assert best_score(tmp_path, 1) == (3.0, 3.0)


def test_last_wrong_follows_the_latest_attempt_review_included(tmp_path):
    save_attempt(tmp_path, EN, _answers(True, False, False), time.time())
    assert last_wrong(tmp_path, 1) == ["pick-several", "a-number"]
    review = [{"id": "pick-several", "chosen": [0, 1], "correct": True, "seconds": 3.0},
              {"id": "a-number", "chosen": 5.0, "correct": False, "seconds": 2.0}]  # fmt: skip
    save_attempt(tmp_path, EN, review, time.time(), review=True)
    assert last_wrong(tmp_path, 1) == ["a-number"]


@pytest.mark.parametrize(
    "content",
    [
        pytest.param("{not json", id="truncated"),
        pytest.param("[1, 2]", id="not an object"),
        pytest.param('{"quiz": 2, "questions": []}', id="another quiz"),
        pytest.param('{"quiz": 1}', id="no questions"),
    ],
)
def test_files_that_are_not_attempts_are_skipped(tmp_path, content):
    save_attempt(tmp_path, EN, _answers(True, True, False), time.time())
    (tmp_path / ATTEMPTS_FOLDER / "01-en-99999999T999999999999.json").write_text(content, encoding="utf-8")
    assert len(attempts(tmp_path, 1)) == 1
    assert best_score(tmp_path, 1) == (2.0, 3.0)


def test_two_attempts_in_the_same_instant_are_both_kept(tmp_path, monkeypatch):
    monkeypatch.setattr(time, "time", lambda: 1_700_000_000.0)
    first = save_attempt(tmp_path, EN, _answers(True, True, True), 1_700_000_000.0)
    second = save_attempt(tmp_path, EN, _answers(False, True, True), 1_700_000_000.0)
    assert first != second
    assert [record["score"] for record in attempts(tmp_path, 1)] == [3, 2]


@pytest.mark.parametrize(
    "content",
    [
        '{"quiz": 1, "score": ' + "9" * 5000 + ', "max_score": 14, "questions": []}',
        '{"quiz": 1, "score": 1e400, "max_score": 14, "questions": []}',
        '{"quiz": 1, "score": "many", "max_score": 14, "questions": []}',
        '{"quiz": 1, "questions": ' + "[" * 100_000 + "]" * 100_000 + "}",
    ],
    ids=["5000-digit score", "infinite score", "text score", "nested 100000 deep"],
)
def test_hand_edited_attempts_never_break_the_best_score(tmp_path, content):
    folder = tmp_path / ATTEMPTS_FOLDER
    folder.mkdir(parents=True)
    (folder / "01-en-20250401T100000000000.json").write_text(content)
    assert best_score(tmp_path, 1) is None
    assert len(attempts(tmp_path, 1)) <= 1  # kept or skipped, never a traceback


def test_an_attempt_file_that_is_a_fifo_is_skipped_without_blocking(tmp_path):
    folder = tmp_path / ATTEMPTS_FOLDER
    folder.mkdir(parents=True)
    os.mkfifo(folder / "01-en-20250401T100000000000.json")
    assert attempts(tmp_path, 1) == []
