"""grade merge: shard gradebooks combined give what one batch gives; everything that can not be merged is refused."""

from __future__ import annotations

import dataclasses
import sqlite3
import time
from pathlib import Path

import pytest
from classbook import make_result
from click.testing import CliRunner

from grader.classroom import gradebook as gradebook_module
from grader.classroom.batch import run_batch
from grader.classroom.gradebook import Gradebook, GradebookError, Person
from grader.classroom.merge import MergeError, merge_gradebooks
from grader.classroom.report import write_report
from grader.classroom.roster import load_roster
from grader.classroom.shards import Shard
from grader.cli import main
from grader.quiz.attempts import save_attempt
from grader.quiz.bank import is_correct, load_bank

ROOT = Path(__file__).resolve().parents[2]
SOLUTIONS = ROOT / "solutions"
STUBS = ROOT / "exercises"


def shard_book(path: Path, shard: str, learners: dict[str, float], *, settings: dict[str, str] | None = None) -> Path:
    """A shard's gradebook without a sandbox: ``learners`` maps a name to the share of exercise 1 passed."""
    with Gradebook(path) as gradebook, gradebook.transaction():  # one commit: fast
        gradebook.record_setting("shard", shard)
        for key, value in (settings or {}).items():
            gradebook.record_setting(key, value)
        for name, share in learners.items():
            statuses = ["passed" if position < share * 4 else "failed" for position in range(4)]
            gradebook.record_exercise(name, 1, "ex01_activations.py", f"{name}-1", make_result(1, statuses))
    return path


def timeless(record):
    """A ``ClassRecord`` without what says when: graded_at of the history."""
    history = tuple(dataclasses.replace(row, graded_at="") for row in record.history)
    submissions = tuple(dataclasses.replace(row, graded_at="") for row in record.submissions)
    return dataclasses.replace(record, history=history, submissions=submissions)


# --- a real class: three shards against one batch ------------------------------------------------


def learner_folder(class_dir: Path, name: str, files: dict[str, str]) -> Path:
    folder = class_dir / name
    folder.mkdir(parents=True)
    for file_name, text in files.items():
        (folder / file_name).write_text(text)
    return folder


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """One class graded twice: by one batch, and by three shards merged (with a re-run after a fix in each)."""
    root = tmp_path_factory.mktemp("merge")
    class_dir = root / "class"
    bank, _errors = load_bank()
    ex01 = (SOLUTIONS / "ex01_activations.py").read_text()
    ex02 = (SOLUTIONS / "ex02_softmax_loss.py").read_text()
    stub01 = (STUBS / "ex01_activations.py").read_text()
    broken01 = ex01 + "\n\ndef relu(x):\n    return x\n"
    names = [f"learner-{index}" for index in range(7)]
    for index, name in enumerate(names):
        files = {"ex01_activations.py": [ex01, broken01, stub01][index % 3] + f"\n# {name}\n"}
        if index % 2 == 0:
            files["ex02_softmax_loss.py"] = ex02 + f"\n# {name}\n"
        if index == 3:
            files["notes.md"] = "my notes"  # a problem, fixed below
        if index == 5:
            files["todo.txt"] = "a stray file"  # a problem that stays
        folder = learner_folder(class_dir, name, files)
        if index in (1, 4) and (1, "en") in bank:
            quiz = bank[(1, "en")]
            answers = []
            for position, question in enumerate(quiz.questions):
                if question.kind == "numeric":
                    chosen = question.answer if position % 2 else question.answer + 1000.0
                else:
                    chosen = sorted(question.correct_indices)
                answers.append(
                    {"id": question.id, "chosen": chosen, "correct": is_correct(question, chosen), "seconds": 7.0}
                )
            save_attempt(folder, quiz, answers, time.time() - 60 * index)
    learner_folder(class_dir, "empty", {})  # no file at all
    # the roster: every learner but learner-6 (a folder not in the roster), and one without a folder
    roster_file = root / "roster.csv"
    listed = [name for name in names if name != "learner-6"] + ["empty", "ghost"]
    roster_file.write_text(
        "login,lms_id,name,section\n"
        + "".join(f"{login},S{index:04d},Name {index},{'AB'[index % 2]}\n" for index, login in enumerate(listed))
    )
    roster = load_roster(roster_file)
    shards = [Shard(index, 3) for index in (1, 2, 3)]
    assert all(shard.select(names) for shard in shards), "every shard has a learner (the names were chosen so)"
    single = root / "single.sqlite"
    parts = [root / f"shard-{shard.index}.sqlite" for shard in shards]

    def grade_all() -> None:
        with Gradebook(single) as gradebook:
            run_batch(class_dir, gradebook, jobs=2, roster=roster)
        for shard, part in zip(shards, parts, strict=True):
            with Gradebook(part) as gradebook:
                run_batch(class_dir, gradebook, jobs=2, shard=shard, roster=roster)

    grade_all()
    # a fix and a deleted file: history rows (current = 0) in both
    (class_dir / "learner-1" / "ex01_activations.py").write_text(ex01 + "\n# fixed\n")
    (class_dir / "learner-3" / "notes.md").unlink()
    grade_all()
    merged = root / "merged.sqlite"
    merge_gradebooks(merged, parts)
    return {"root": root, "single": single, "merged": merged, "parts": parts, "names": [*names, "empty"]}


def test_merged_shards_hold_what_one_batch_holds(graded):
    with Gradebook(graded["single"]) as book:
        single = book.load()
    with Gradebook(graded["merged"]) as book:
        merged = book.load()
    assert set(graded["names"]) | {"ghost"} <= set(single.learners)
    assert single.people["ghost"] == Person("ghost", "S0007", "Name 7", "B", in_roster=True, has_folder=False)
    assert not single.people["learner-6"].in_roster
    assert single.people["learner-6"].has_folder
    assert len(single.history) > len(single.submissions), "the class has history rows (a re-graded fix)"
    assert single.attempts, "the class has quiz attempts"
    assert timeless(merged) == timeless(single)


def test_every_table_row_of_the_single_batch_is_in_the_merge(graded):
    """Row counts of every table, current or not, from SQLite itself: nothing dropped, nothing doubled."""

    def counts(path: Path) -> dict[str, int]:
        with sqlite3.connect(path) as db:
            tables = [name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
            return {table: db.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0] for table in tables}

    single, merged = counts(graded["single"]), counts(graded["merged"])
    assert merged == single
    assert single["check_results"] > 0
    assert single["quiz_answers"] > 0
    assert single["problems"] > 0


def test_merged_report_csvs_equal_the_single_batchs(graded, tmp_path):
    written = {}
    for label in ("single", "merged"):
        out = tmp_path / label
        write_report(graded[label], csv_dir=out)
        written[label] = {path.name: path.read_text() for path in sorted(out.glob("*.csv"))}
    assert written["single"], "the report wrote CSV files"
    assert written["merged"] == written["single"]


def test_each_shard_holds_only_its_learners(graded):
    with Gradebook(graded["single"]) as book:
        all_learners = book.learners()
    seen = []
    for index, part in enumerate(graded["parts"], start=1):
        with Gradebook(part) as book:
            record = book.load()
        assert record.settings == {"shard": f"{index}/3"}
        assert list(record.learners) == Shard(index, 3).select(all_learners)
        seen += record.learners
    assert sorted(seen) == list(all_learners)


def test_the_merged_gradebook_records_no_shard(graded):
    with Gradebook(graded["merged"]) as book:
        assert book.setting("shard") is None


# --- refusals (gradebooks made without a sandbox) -------------------------------------------------


def three(tmp_path: Path) -> list[Path]:
    return [
        shard_book(tmp_path / "a.sqlite", "1/3", {"ann": 1.0}),
        shard_book(tmp_path / "b.sqlite", "2/3", {"bob": 0.5}),
        shard_book(tmp_path / "c.sqlite", "3/3", {"cy": 0.0}),
    ]


def refused(tmp_path: Path, shards: list[Path], match: str, **options) -> MergeError:
    out = tmp_path / "out.sqlite"
    with pytest.raises(MergeError, match=match) as caught:
        merge_gradebooks(out, shards, **options)
    assert not out.exists()
    assert [path.name for path in tmp_path.iterdir() if ".merging" in path.name] == []  # no temporary file left
    return caught.value


def test_shards_of_different_n_are_refused(tmp_path):
    a, b = shard_book(tmp_path / "a.sqlite", "1/2", {"ann": 1}), shard_book(tmp_path / "b.sqlite", "2/3", {"bob": 1})
    refused(tmp_path, [a, b], r"a\.sqlite is one of 2, .*b\.sqlite one of 3")


def test_the_same_shard_twice_is_refused(tmp_path):
    a, b, _ = three(tmp_path)
    again = shard_book(tmp_path / "again.sqlite", "2/3", {"dee": 1})
    refused(tmp_path, [a, b, again], r"shard 2/3 is given twice: in .*b\.sqlite and in .*again\.sqlite")


def test_the_same_file_twice_is_refused(tmp_path):
    a, b, c = three(tmp_path)
    refused(tmp_path, [a, b, c, tmp_path / "." / "b.sqlite"], "are the same file")


def test_a_missing_shard_is_refused_and_named(tmp_path):
    a, _, c = three(tmp_path)
    refused(tmp_path, [a, c], r"shard\(s\) 2/3 missing.*--allow-partial")


def test_a_partial_merge_records_its_shards_and_completes_later(tmp_path):
    a, b, c = three(tmp_path)
    partial = tmp_path / "partial.sqlite"
    summary = merge_gradebooks(partial, [a, c], allow_partial=True)
    assert (summary.held, summary.missing) == ((1, 3), (2,))
    with Gradebook(partial) as book:
        assert book.setting("shard") == "1,3/3"
        assert book.learners() == ["ann", "cy"]
    whole = tmp_path / "whole.sqlite"
    merge_gradebooks(whole, [partial, b])
    with Gradebook(whole) as book:
        assert book.setting("shard") is None
        assert book.learners() == ["ann", "bob", "cy"]
    refused(tmp_path, [partial, a, b], r"shard 1/3 is given twice")


def test_a_learner_in_two_shards_with_different_data_is_refused_by_name(tmp_path):
    a = shard_book(tmp_path / "a.sqlite", "1/2", {"ann": 1.0, "zoe": 1.0})
    b = shard_book(tmp_path / "b.sqlite", "2/2", {"bob": 1.0, "zoe": 0.25})
    error = refused(tmp_path, [a, b], r"1 learner\(s\) of .*b\.sqlite are also in an earlier shard")
    assert "zoe (check_results, submissions)" in str(error)
    assert "ann" not in str(error)
    assert "bob" not in str(error)
    assert "zoe" in error.ja


def test_a_learner_in_two_shards_with_the_same_data_is_kept_once(tmp_path):
    a = shard_book(tmp_path / "a.sqlite", "1/2", {"ann": 1.0, "zoe": 0.5})
    b = shard_book(tmp_path / "b.sqlite", "2/2", {"bob": 1.0, "zoe": 0.5})
    with sqlite3.connect(b) as db:  # graded later: times are not data
        db.execute("UPDATE submissions SET graded_at = '2031-01-01T00:00:00+00:00', elapsed = 9.5")
        db.execute("UPDATE learners SET first_seen = '2031-01-01T00:00:00+00:00'")
    out = tmp_path / "out.sqlite"
    merge_gradebooks(out, [a, b])
    with Gradebook(out) as book:
        record = book.load()
    assert record.learners == ("ann", "bob", "zoe")
    assert [row.learner for row in record.history] == ["ann", "bob", "zoe"]


def test_a_gradebook_that_is_not_a_shards_is_refused(tmp_path):
    a, b, c = three(tmp_path)
    with Gradebook(tmp_path / "whole.sqlite") as book:
        book.record_problem("dee", "x")
    refused(tmp_path, [a, b, c, tmp_path / "whole.sqlite"], r"whole\.sqlite is not a shard's gradebook")


def test_shards_graded_with_different_settings_are_refused(tmp_path):
    a = shard_book(tmp_path / "a.sqlite", "1/2", {"ann": 1}, settings={"course": "[weights]\nex01 = 1\n"})
    b = shard_book(tmp_path / "b.sqlite", "2/2", {"bob": 1}, settings={"course": "[weights]\nex01 = 2\n"})
    refused(tmp_path, [a, b], r"'course' differs between")


def test_agreed_settings_are_kept(tmp_path):
    a = shard_book(tmp_path / "a.sqlite", "1/2", {"ann": 1}, settings={"course": "x = 1\n"})
    b = shard_book(tmp_path / "b.sqlite", "2/2", {"bob": 1}, settings={"course": "x = 1\n"})
    merge_gradebooks(tmp_path / "out.sqlite", [a, b])
    with Gradebook(tmp_path / "out.sqlite") as book:
        assert book.load().settings == {"course": "x = 1\n"}


def test_a_newer_schema_is_refused(tmp_path):
    a, b, c = three(tmp_path)
    with sqlite3.connect(b) as db:
        db.execute("UPDATE schema_version SET version = 99")
    with pytest.raises(GradebookError, match="written by a newer grader"):
        merge_gradebooks(tmp_path / "out.sqlite", [a, b, c])
    assert not (tmp_path / "out.sqlite").exists()


def test_an_older_schema_is_migrated_and_merged(tmp_path):
    a, b = shard_book(tmp_path / "a.sqlite", "1/2", {"ann": 1}), tmp_path / "b.sqlite"
    # a schema-1 gradebook has no settings table: this one says its shard through a table made for the test
    with sqlite3.connect(b) as db:
        db.executescript(gradebook_module._SCHEMA_1)
        db.execute("INSERT INTO schema_version VALUES (1)")
    with Gradebook(b) as book:  # migrated to 2, then made a shard
        book.record_setting("shard", "2/2")
        book.record_problem("bob", "x")
    merge_gradebooks(tmp_path / "out.sqlite", [a, b])
    with Gradebook(tmp_path / "out.sqlite") as book:
        assert book.learners() == ["ann", "bob"]


@pytest.mark.parametrize("kind", ["table", "column"])
def test_a_table_or_column_this_grader_does_not_know_is_refused(tmp_path, kind):
    a, b, c = three(tmp_path)
    with sqlite3.connect(c) as db:
        if kind == "table":
            db.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, note TEXT)")
        else:
            db.execute("ALTER TABLE submissions ADD COLUMN late_days REAL")
    refused(tmp_path, [a, b, c], "notes" if kind == "table" else r"table submissions .* \(late_days differ\)")


def test_a_later_schema_step_is_merged_without_a_change_to_merge(tmp_path, monkeypatch):
    """A migration that adds a column and a learner's table: both copied, generically."""
    step = (
        "ALTER TABLE submissions ADD COLUMN late_days REAL;"
        "CREATE TABLE notes (id INTEGER PRIMARY KEY, learner_id INTEGER NOT NULL REFERENCES learners(id), note TEXT)"
    )
    later = gradebook_module.SCHEMA_VERSION + 1
    monkeypatch.setattr(gradebook_module, "SCHEMA_VERSION", later)
    monkeypatch.setitem(gradebook_module._MIGRATIONS, later, step)
    parts = three(tmp_path)
    for part, (name, late) in zip(parts, [("ann", 1.5), ("bob", None), ("cy", 3.0)], strict=True):
        with sqlite3.connect(part) as db:
            db.execute("UPDATE submissions SET late_days = ?", (late,))
            learner = db.execute("SELECT id FROM learners WHERE name = ?", (name,)).fetchone()[0]
            db.execute("INSERT INTO notes (learner_id, note) VALUES (?, ?)", (learner, f"note of {name}"))
    merge_gradebooks(tmp_path / "out.sqlite", parts)
    with sqlite3.connect(tmp_path / "out.sqlite") as db:
        rows = db.execute(
            "SELECT name, late_days, note FROM learners JOIN submissions ON submissions.learner_id = learners.id "
            "JOIN notes ON notes.learner_id = learners.id ORDER BY name"
        ).fetchall()
    assert rows == [("ann", 1.5, "note of ann"), ("bob", None, "note of bob"), ("cy", 3.0, "note of cy")]


def test_a_later_table_the_merge_can_not_place_is_refused(tmp_path, monkeypatch):
    later = gradebook_module.SCHEMA_VERSION + 1
    monkeypatch.setattr(gradebook_module, "SCHEMA_VERSION", later)
    monkeypatch.setitem(gradebook_module._MIGRATIONS, later, "CREATE TABLE deadlines (exercise INTEGER, due TEXT)")
    refused(tmp_path, three(tmp_path), r"does not know how to combine the table\(s\) deadlines")


def test_similar_pairs_follow_their_learners(tmp_path):
    a = shard_book(tmp_path / "a.sqlite", "1/2", {"ann": 1, "amy": 1})
    b = shard_book(tmp_path / "b.sqlite", "2/2", {"bob": 1, "ben": 1})
    for path, (first, second) in ((a, ("ann", "amy")), (b, ("bob", "ben"))):
        with sqlite3.connect(path) as db:
            ids = {name: id_ for id_, name in db.execute("SELECT id, name FROM learners")}
            db.execute(
                "INSERT INTO similar_pairs (exercise, learner_a, learner_b, similarity, shared, computed_at) "
                "VALUES (1, ?, ?, 0.9, '[[1, 5]]', '2026-01-01')",
                (ids[first], ids[second]),
            )
    merge_gradebooks(tmp_path / "out.sqlite", [a, b])
    with Gradebook(tmp_path / "out.sqlite") as book:
        pairs = [(pair.learner_a, pair.learner_b, pair.shared) for pair in book.load().similar]
    assert sorted(pairs) == [("ann", "amy", [[1, 5]]), ("bob", "ben", [[1, 5]])]


def test_an_existing_output_is_refused_without_force(tmp_path):
    parts = three(tmp_path)
    out = tmp_path / "out.sqlite"
    merge_gradebooks(out, parts[:1] + parts[1:])
    before = out.read_bytes()
    with pytest.raises(MergeError, match="exists; pass --force"):
        merge_gradebooks(out, parts)
    assert out.read_bytes() == before
    merge_gradebooks(out, parts, force=True)
    with Gradebook(out) as book:
        assert book.learners() == ["ann", "bob", "cy"]


def test_force_never_replaces_a_file_that_is_not_a_gradebook(tmp_path):
    parts = three(tmp_path)
    out = tmp_path / "ex01_activations.py"
    out.write_text("def relu(x):\n    return x\n")
    with pytest.raises(GradebookError):
        merge_gradebooks(out, parts, force=True)
    assert out.read_text() == "def relu(x):\n    return x\n"
    assert [path.name for path in tmp_path.iterdir() if ".merging" in path.name] == []


def test_the_output_can_not_be_a_shard(tmp_path):
    parts = three(tmp_path)
    with pytest.raises(MergeError, match="is one of the shards"):
        merge_gradebooks(parts[0], parts, force=True)


def test_a_failure_while_writing_leaves_the_output_as_it_was(tmp_path, monkeypatch):
    from grader.classroom import merge

    parts = three(tmp_path)
    out = tmp_path / "out.sqlite"
    merge_gradebooks(out, parts)
    before = out.read_bytes()

    def failing(*args, **kwargs):
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(merge, "_copy_table", failing)
    with pytest.raises(GradebookError, match="nothing was written"):
        merge_gradebooks(out, parts, force=True)
    assert out.read_bytes() == before
    assert sorted(path.name for path in tmp_path.iterdir()) == ["a.sqlite", "b.sqlite", "c.sqlite", "out.sqlite"]


# --- the command ----------------------------------------------------------------------------------


def test_grade_merge_command(tmp_path):
    parts = three(tmp_path)
    out = tmp_path / "merged.sqlite"
    result = CliRunner().invoke(main, ["merge", str(out), *map(str, parts)])
    assert result.exit_code == 0, result.output
    assert f"Merged 3 of 3 shards into {out}: 3 learners, 3 graded exercise files, 0 quiz attempts" in result.output


def test_grade_merge_command_in_japanese_warns_of_a_partial_merge(tmp_path):
    a, _, c = three(tmp_path)
    out = tmp_path / "merged.sqlite"
    result = CliRunner().invoke(main, ["merge", str(out), str(a), str(c), "--allow-partial", "--lang", "ja"])
    assert result.exit_code == 0, result.output
    assert "警告: シャード 2/3 がありません" in result.output
    assert "3 個中 2 個のシャードを" in result.output


@pytest.mark.parametrize(
    ("make", "said"),
    [
        (lambda p: p / "missing.sqlite", "no gradebook at"),
        (lambda p: (p / "folder.sqlite").mkdir() or p / "folder.sqlite", "is a directory"),
        (lambda p: (p / "text.sqlite").write_text("hello") and p / "text.sqlite", "is not a usable gradebook"),
        (lambda p: (p / "empty.sqlite").write_bytes(b"") or p / "empty.sqlite", "is not a shard's gradebook"),
    ],
    ids=["missing", "folder", "text", "empty"],
)
def test_grade_merge_of_a_hostile_file_is_a_clear_error(tmp_path, make, said):
    a, b, _ = three(tmp_path)
    bad = make(tmp_path)
    result = CliRunner().invoke(main, ["merge", str(tmp_path / "out.sqlite"), str(a), str(b), str(bad)])
    assert result.exit_code in (2, 3), result.output
    assert said in result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert not (tmp_path / "out.sqlite").exists()


def test_grade_merge_refusal_in_japanese(tmp_path):
    a, _, c = three(tmp_path)
    result = CliRunner().invoke(main, ["merge", str(tmp_path / "out.sqlite"), str(a), str(c), "--lang", "ja"])
    assert result.exit_code == 2
    assert "grade: シャード 2/3 がありません" in result.output
