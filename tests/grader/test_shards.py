"""grade batch --shard K/N: which learners a shard grades, the option's refusals, the gradebook's claim."""

from __future__ import annotations

import hashlib
import sqlite3

import pytest
from classbook import make_result
from click.testing import CliRunner

from grader.classroom.gradebook import Gradebook, GradebookError
from grader.classroom.shards import Shard, claim, format_setting, parse_setting, parse_shard, shard_of
from grader.cli import main
from grader.errors import UsageError

NAMES = [f"learner-{index:04d}" for index in range(2000)]


def by_the_formula(name: str, count: int) -> int:
    """The documented rule, written out again: sha256 of the UTF-8 name, first 8 bytes big-endian, mod N, + 1."""
    digest = hashlib.sha256(name.encode("utf-8")).hexdigest()
    return int(digest[:16], 16) % count + 1


@pytest.mark.parametrize("count", [1, 2, 3, 7, 64])
def test_the_shard_is_the_documented_function_of_the_name(count):
    assert [shard_of(name, count) for name in NAMES[:300]] == [by_the_formula(name, count) for name in NAMES[:300]]


def test_the_shard_does_not_depend_on_the_process():
    # Python's hash() of a str is salted per process; the shard must be the same on every machine
    import subprocess
    import sys

    code = "from grader.classroom.shards import shard_of; print([shard_of(f'learner-{i:04d}', 5) for i in range(50)])"
    runs = {
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env).stdout
        for env in ({"PYTHONHASHSEED": "1"}, {"PYTHONHASHSEED": "2"})
    }
    assert runs == {str([shard_of(f"learner-{i:04d}", 5) for i in range(50)]) + "\n"}


@pytest.mark.parametrize("count", [2, 3, 8])
def test_every_learner_is_in_exactly_one_shard(count):
    shards = [Shard(index, count) for index in range(1, count + 1)]
    for name in NAMES:
        assert sum(shard.holds(name) for shard in shards) == 1, name
    assert sorted(name for shard in shards for name in shard.select(NAMES)) == sorted(NAMES)


@pytest.mark.parametrize("count", [2, 3, 8])
def test_the_shards_are_roughly_balanced(count):
    sizes = [len(Shard(index, count).select(NAMES)) for index in range(1, count + 1)]
    expected = len(NAMES) / count
    # a binomial count: 5 standard deviations either side
    spread = 5 * (len(NAMES) * (1 / count) * (1 - 1 / count)) ** 0.5
    assert all(abs(size - expected) < spread for size in sizes), sizes


def test_a_name_that_is_not_utf8_has_a_shard():
    # a folder name with bytes that are not UTF-8 comes as lone surrogates; it must not crash the hash
    name = b"caf\xe9".decode("utf-8", "surrogateescape")
    assert 1 <= shard_of(name, 4) <= 4
    assert shard_of(name, 4) == shard_of(name, 4)


def test_adding_a_learner_moves_nobody_else():
    before = {name: shard_of(name, 4) for name in NAMES[:500]}
    after = {name: shard_of(name, 4) for name in [*NAMES[:500], "a-latecomer"]}
    assert {name: after[name] for name in before} == before


@pytest.mark.parametrize(("text", "expected"), [("1/3", Shard(1, 3)), ("3/3", Shard(3, 3)), (" 2 / 8 ", Shard(2, 8))])
def test_parse_shard(text, expected):
    assert parse_shard(text) == expected
    assert str(parse_shard(text)) == f"{expected.index}/{expected.count}"


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("0/3", "K is from 1 to 3"),
        ("4/3", "K is from 1 to 3"),
        ("a/b", "takes K/N"),
        ("1/0", "N, the number of shards, is from 1 to"),
        ("", "takes K/N"),
        ("1/", "takes K/N"),
        ("-1/3", "takes K/N"),
        ("1/3/4", "takes K/N"),
        ("1.5/3", "takes K/N"),
        ("1/99999999999999999999", "takes K/N"),
        ("1/100000", "N, the number of shards, is from 1 to 10000"),
        ("１/３", "takes K/N"),  # full-width digits: \d would take them, int() too
    ],
)
def test_parse_shard_refuses(text, said):
    with pytest.raises(UsageError, match=said):
        parse_shard(text)


@pytest.mark.parametrize("text", ["0/3", "4/3", "a/b", "1/0"])
def test_a_bad_shard_is_a_usage_error_of_grade_batch(tmp_path, text):
    (tmp_path / "class").mkdir()
    result = CliRunner().invoke(
        main, ["batch", str(tmp_path / "class"), "--db", str(tmp_path / "g.sqlite"), "--shard", text]
    )
    assert result.exit_code == 2, result.output
    assert "--shard" in result.output
    assert not (tmp_path / "g.sqlite").exists()  # refused before the gradebook is made


@pytest.mark.parametrize(
    ("value", "expected"),
    [("2/3", ({2}, 3)), ("1,3/3", ({1, 3}, 3)), ("0/3", None), ("4/3", None), ("x", None), ("1,,2/3", None)],
)
def test_parse_setting(value, expected):
    parsed = parse_setting(value)
    assert parsed == (None if expected is None else (frozenset(expected[0]), expected[1]))


def test_format_setting_reads_back():
    assert format_setting([3, 1], 3) == "1,3/3"
    assert parse_setting(format_setting([3, 1], 3)) == (frozenset({1, 3}), 3)


# --- the gradebook of a shard ----------------------------------------------------------------------


def test_a_shard_records_itself_in_a_new_gradebook(tmp_path):
    with Gradebook(tmp_path / "g.sqlite") as gradebook:
        claim(gradebook, Shard(2, 3))
        claim(gradebook, Shard(2, 3))  # the same shard again: a re-run
        assert gradebook.load().settings == {"shard": "2/3"}


def test_another_shard_into_a_shards_gradebook_is_refused(tmp_path):
    with Gradebook(tmp_path / "g.sqlite") as gradebook:
        claim(gradebook, Shard(2, 3))
        with pytest.raises(UsageError, match=r"gradebook of shard 2/3, not 1/3"):
            claim(gradebook, Shard(1, 3))
        with pytest.raises(UsageError, match=r"gradebook of shard 2/3; grade it with --shard 2/3"):
            claim(gradebook, None)
        assert gradebook.setting("shard") == "2/3"


def test_a_shard_into_a_whole_class_gradebook_is_refused(tmp_path):
    with Gradebook(tmp_path / "g.sqlite") as gradebook:
        gradebook.record_exercise("ann", 1, "ex01_activations.py", "h", make_result(1, ["passed"]))
        claim(gradebook, None)  # a whole-class gradebook: as before
        with pytest.raises(UsageError, match="holds a batch of the whole class"):
            claim(gradebook, Shard(1, 2))
        assert gradebook.setting("shard") is None


def test_grade_batch_refuses_the_gradebook_of_another_shard(tmp_path):
    (tmp_path / "class" / "ann").mkdir(parents=True)
    database = tmp_path / "g.sqlite"
    runner = CliRunner()
    first = runner.invoke(main, ["batch", str(tmp_path / "class"), "--db", str(database), "--shard", "1/2"])
    assert first.exit_code == 0, first.output
    second = runner.invoke(main, ["batch", str(tmp_path / "class"), "--db", str(database), "--shard", "2/2"])
    assert second.exit_code == 2
    assert "is the gradebook of shard 1/2, not 2/2" in second.output
    assert "Traceback" not in second.output


# --- Gradebook.transaction --------------------------------------------------------------------------


def test_writes_in_a_transaction_are_committed_together(tmp_path):
    path = tmp_path / "g.sqlite"
    with Gradebook(path) as gradebook:
        with gradebook.transaction():
            gradebook.record_problem("ann", "one")
            gradebook.record_problem("bob", "two")
            with sqlite3.connect(path) as other:  # another reader sees nothing before the block ends
                assert other.execute("SELECT count(*) FROM problems").fetchone()[0] == 0
        with sqlite3.connect(path) as other:
            assert other.execute("SELECT count(*) FROM problems").fetchone()[0] == 2


def test_an_exception_leaving_a_transaction_rolls_all_of_it_back(tmp_path):
    with Gradebook(tmp_path / "g.sqlite") as gradebook:

        def interrupted() -> None:
            with gradebook.transaction():
                gradebook.record_problem("ann", "one")
                raise KeyboardInterrupt

        with pytest.raises(KeyboardInterrupt):
            interrupted()
        assert gradebook.load().problems == {}
        gradebook.record_problem("ann", "after")  # the gradebook is usable again
        assert gradebook.load().problems == {"ann": ("after",)}


def test_a_failed_write_inside_a_transaction_is_undone_alone(tmp_path):
    with Gradebook(tmp_path / "g.sqlite") as gradebook:
        with gradebook.transaction():
            gradebook.record_problem("ann", "kept")
            with pytest.raises(GradebookError):
                gradebook.record_problem("", "a learner without a name")  # refused inside the write
            gradebook.replace_problems("bob", ["also kept"])
        assert gradebook.load().problems == {"ann": ("kept",), "bob": ("also kept",)}
        assert gradebook.learners() == ["ann", "bob"]


def test_the_batch_records_attempts_in_one_commit(tmp_path, monkeypatch):
    """Quiz attempts and problems of every learner: one commit, not one per file."""
    from grader.classroom import batch

    for name in ("ann", "bob", "cy"):
        (tmp_path / "class" / name).mkdir(parents=True)
        (tmp_path / "class" / name / "notes.txt").write_text("x")
    commits = []
    original = Gradebook._write

    def counting(self):
        commits.append(self._outer)
        return original(self)

    monkeypatch.setattr(Gradebook, "_write", counting)
    with Gradebook(tmp_path / "g.sqlite") as gradebook:
        commits.clear()
        summary = batch.run_batch(tmp_path / "class", gradebook, jobs=1)
        record = gradebook.load()
    assert summary.problems == 3
    assert set(record.problems) == {"ann", "bob", "cy"}
    # two commits whatever the number of learners: the folders found (record_people), then the import,
    # in which the three learners' writes are savepoints
    assert commits.count(False) == 2
    assert commits.count(True) == 3


def test_sharded_batch_grades_only_its_learners(tmp_path):
    names = [f"l{index}" for index in range(12)]
    for name in names:
        (tmp_path / "class" / name).mkdir(parents=True)
        (tmp_path / "class" / name / "notes.txt").write_text("x")  # a problem: the learner is recorded
    from grader.classroom.batch import run_batch

    seen = []
    for index in (1, 2, 3):
        with Gradebook(tmp_path / f"g{index}.sqlite") as gradebook:
            summary = run_batch(tmp_path / "class", gradebook, jobs=1, shard=Shard(index, 3))
            assert summary.learners == len(gradebook.learners())
            assert gradebook.learners() == sorted(Shard(index, 3).select(names))
            seen += gradebook.learners()
    assert sorted(seen) == sorted(names)


def test_the_shard_option_is_in_the_help():
    result = CliRunner().invoke(main, ["batch", "--help"])
    text = " ".join(result.output.split())
    assert "--shard K/N" in text
    assert "combine their gradebooks with grade merge" in text
