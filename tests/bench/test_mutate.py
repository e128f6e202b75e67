"""bench/mutate.py and bench/harness.py: the operators, the differential-testing harness, a small run."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import harness
import mutate
import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
SOLUTION = {n: (ROOT / "solutions" / f"{name}.py").read_text(encoding="utf-8") for n, name in harness.MODULES.items()}

# -- operators ----------------------------------------------------------------------------------

TINY = '''
import numpy as np


def f(x, y, n=3, flag=True):
    """Docstring: never mutated."""
    z = x + y
    z = x * y
    if x < y:
        z -= 1e-07
    t = y * 1e-07
    w = np.sum(x, axis=0, keepdims=True)
    m = x.max(axis=-1)
    e = np.exp(-x)
    c = x.copy()
    a = np.array(y)
    s = x[n + 1]
    for i in range(n):
        c[i] = 0.5
    return np.dot(x, y)


def helper(x):
    return x + 1


class C:
    def update(self, params):
        params["w"] -= self.lr
'''
TINY_MUTANTS = mutate.mutants_of(1, TINY, names={"f", "C"})


def lines_of(mutant: mutate.Mutant) -> list[str]:
    return [line.strip() for line in mutant.source.splitlines()]


def produced(operator: str, line: str) -> bool:
    """Whether some mutant of ``operator`` has ``line`` (stripped) in its source."""
    return any(m.operator == operator and line in lines_of(m) for m in TINY_MUTANTS)


@pytest.mark.parametrize(
    ("operator", "line"),
    [
        ("arithmetic", "z = x - y"),
        ("arithmetic", "z = x / y"),
        ("arithmetic", "z += 1e-07"),
        ("arithmetic", "params['w'] += self.lr"),
        ("comparison", "if x <= y:"),
        ("comparison", "if x > y:"),
        ("constant", "z -= 0.0"),
        ("constant", "t = y * -1e-07"),
        ("constant", "t = y * 0.0"),
        ("constant", "c[i] = 1.0"),
        ("constant", "def f(x, y, n=4, flag=True):"),
        ("constant", "def f(x, y, n=6, flag=True):"),
        ("constant", "def f(x, y, n=3, flag=False):"),
        ("unary", "e = np.exp(x)"),
        ("unary", "return -np.dot(x, y)"),
        ("axis", "w = np.sum(x, axis=1, keepdims=True)"),
        ("axis", "w = np.sum(x, axis=-1, keepdims=True)"),
        ("axis", "w = np.sum(x, keepdims=True)"),
        ("axis", "w = np.sum(x, axis=0, keepdims=False)"),
        ("axis", "m = x.max(axis=0)"),
        ("numpy-function", "w = np.mean(x, axis=0, keepdims=True)"),
        ("numpy-function", "m = x.min(axis=-1)"),
        ("numpy-function", "e = np.expm1(-x)"),
        ("drop-copy", "c = x"),
        ("drop-copy", "a = np.asarray(y)"),
        ("off-by-one", "s = x[n]"),
        ("off-by-one", "for i in range(n - 1):"),
        ("swap-arguments", "return np.dot(y, x)"),
    ],
)
def test_each_operator_makes_its_change(operator, line):
    assert produced(operator, line), sorted({m.description for m in TINY_MUTANTS if m.operator == operator})


@pytest.mark.parametrize("statement", ["c[i] = 0.5", "z -= 1e-07", "z = x * y", "params['w'] -= self.lr"], ids=str)
def test_statement_deletion(statement):
    deleted = [m for m in TINY_MUTANTS if m.operator == "delete-statement" and statement not in lines_of(m)]
    assert deleted, "no mutant deletes " + statement
    # an emptied body becomes `pass`, so the mutant still parses
    for mutant in deleted:
        ast.parse(mutant.source)


def test_first_binding_is_not_deleted():
    # deleting `z = x + y` (the first binding) would only make a NameError; a rebinding is a real change
    assert not [m for m in TINY_MUTANTS if m.operator == "delete-statement" and "z = x + y" not in lines_of(m)]


def test_only_contract_code_is_mutated():
    original = ast.unparse(ast.parse(TINY))
    helper = original[original.index("def helper") : original.index("class C")]
    for mutant in TINY_MUTANTS:
        assert mutant.source.startswith("import numpy as np"), mutant.description
        assert '"""Docstring: never mutated."""' in mutant.source
        assert helper in mutant.source, mutant.description
        assert mutant.function in ("f", "C.update")
        assert mutant.target == mutant.function.split(".")[0]


@pytest.mark.parametrize("exercise", sorted(harness.MODULES))
def test_no_mutant_is_the_solution_itself(exercise):
    original = ast.unparse(ast.parse(SOLUTION[exercise]))
    mutants = mutate.mutants_of(exercise)
    assert mutants
    sources = [m.source for m in mutants]
    assert original not in sources
    assert len(set(sources)) == len(sources)
    assert [m.id for m in mutants] == sorted(m.id for m in mutants)
    assert {m.target for m in mutants} <= set(harness.CONTRACT[exercise])
    for mutant in mutants:
        ast.parse(mutant.source)


def test_the_mutants_are_deterministic_and_the_sample_reproducible():
    assert [m.source for m in mutate.mutants_of(2)] == [m.source for m in mutate.mutants_of(2)]
    full = [m.id for m in mutate.all_mutants([1, 2])]
    sample = [m.id for m in mutate.all_mutants([1, 2], sample=10, seed=5)]
    assert sample == [m.id for m in mutate.all_mutants([1, 2], sample=10, seed=5)]
    assert len(sample) == 10
    assert sample == sorted(sample)
    assert set(sample) <= set(full)
    assert sample != [m.id for m in mutate.all_mutants([1, 2], sample=10, seed=6)]


# -- the harness ------------------------------------------------------------------------------


def test_difference_rules():
    nan = float("nan")
    assert harness.difference(np.array([1.0, nan]), np.array([1.0 + 1e-9, nan])) is None
    assert "nan" in harness.difference(np.array([1.0, 2.0]), np.array([1.0, nan]))
    assert harness.difference(np.array([1.0, 2.0]), np.array([1.0, 2.00001])) is not None
    assert "shape" in harness.difference(np.zeros((2, 3)), np.zeros((3, 2)))
    assert "dtype" in harness.difference(harness.Typed(np.array(1), "iu"), harness.Typed(np.array(1.0)))
    assert "ndarray" in harness.difference(harness.Typed(np.array(1), ndarray=True), harness.Typed(np.int64(1)))
    assert "keys" in harness.difference({"a": 1.0}, {"b": 1.0})


def test_the_harness_covers_every_contract_name():
    import reference

    assert sorted(name for names in harness.CONTRACT.values() for name in names) == sorted(reference.__all__)
    for exercise, names in harness.CONTRACT.items():
        covered = {case.target for case in harness.build_cases(exercise)}
        # predict is judged inside train's cases (it needs train's parameters)
        assert covered | ({"predict"} if exercise == 10 else set()) == set(names)


def test_the_harness_knows_the_graders_exercises():
    from grader.grading.engine import EXERCISES

    assert {number: exercise.module for number, exercise in EXERCISES.items()} == harness.MODULES


@pytest.mark.parametrize("exercise", sorted(harness.MODULES))
def test_the_reference_is_equivalent_to_itself(exercise):
    verdict = harness.differential_test(exercise, harness.REFERENCE, trials=5)
    assert verdict.kind == "equivalent", verdict


def test_every_unmutated_solution_is_equivalent():
    jobs = [harness.Job(str(n), n, source) for n, source in SOLUTION.items()]
    verdicts = harness.judge_sources(jobs)
    wrong = {key: verdict for key, verdict in verdicts.items() if verdict.kind != "equivalent"}
    assert not wrong


def softmax_shifted_by_the_minimum(x):
    x = np.asarray(x, dtype=float)
    e = np.exp(x - np.min(x, axis=-1, keepdims=True))
    return e / np.sum(e, axis=-1, keepdims=True)


def softmax_by_logsumexp(x):
    x = np.asarray(x, dtype=float)
    m = x.max(axis=-1, keepdims=True)
    return np.exp(x - m - np.log(np.exp(x - m).sum(axis=-1, keepdims=True)))


def test_a_softmax_shifted_by_the_row_minimum_is_real():
    verdict = harness.differential_test(2, harness.reference_namespace(softmax=softmax_shifted_by_the_minimum))
    assert verdict.kind == "real"
    assert verdict.target == "softmax"
    assert "710" in verdict.case
    assert "nan" in verdict.detail


def test_an_equivalent_rewrite_is_equivalent():
    rewritten = harness.reference_namespace(
        softmax=softmax_by_logsumexp, relu=lambda x: np.where(np.asarray(x) > 0, x, 0.0)
    )
    assert harness.differential_test(2, rewritten).kind == "equivalent"
    assert harness.differential_test(1, rewritten).kind == "equivalent"


def edited(exercise: int, *replacements: tuple[str, str]) -> str:
    source = SOLUTION[exercise]
    for old, new in replacements:
        assert old in source, old
        source = source.replace(old, new)
    return source


FOLDED_ADAM = (
    ("m_hat = self.m[key] / (1 - self.beta1**t)", "lr_t = self.lr * np.sqrt(1 - self.beta2**t) / (1 - self.beta1**t)"),
    (
        "params[key] -= self.lr * m_hat / (np.sqrt(v_hat) + 1e-7)",
        "params[key] -= lr_t * self.m[key] / (np.sqrt(self.v[key]) + 1e-7)",
    ),
)
INVERTED_DROPOUT = (
    ("return x * self.mask\n", "return x * self.mask / (1.0 - self.dropout_ratio)\n"),
    ("return x * (1.0 - self.dropout_ratio)", "return x"),
    ("return dout * self.mask", "return dout * self.mask / (1.0 - self.dropout_ratio)"),
)


def test_accepted_conventions_are_equivalent_and_the_rest_real():
    cases = {
        "adam folded": (4, FOLDED_ADAM, "equivalent"),
        "adam eps 0": (4, (("(np.sqrt(v_hat) + 1e-7)", "(np.sqrt(v_hat) + 0.0)"),), "real"),
        "dropout inverted": (7, INVERTED_DROPOUT, "equivalent"),
        "dropout keeps ratio": (7, (("x.shape) > self.dropout_ratio", "x.shape) < self.dropout_ratio"),), "real"),
        "bn eps 1e-5": (7, (("eps = 1e-7", "eps = 1e-5"),), "equivalent"),
        "bn eps 2e-7": (7, (("eps = 1e-7", "eps = 2e-7"),), "equivalent"),
        "bn eps 1e-4": (7, (("eps = 1e-7", "eps = 1e-4"),), "real"),
        "bn unbiased running var": (
            7,
            (("(1 - m) * var", "(1 - m) * var * x.shape[0] / (x.shape[0] - 1)"),),
            "equivalent",
        ),
        "bn unbiased normalisation": (
            7,
            (("var = np.mean(xc**2, axis=0)", "var = np.var(x, axis=0, ddof=1)"),),
            "real",
        ),
    }
    jobs = [harness.Job(key, n, edited(n, *changes)) for key, (n, changes, _) in cases.items()]
    verdicts = harness.judge_sources(jobs)
    assert {key: verdicts[key].kind for key in cases} == {key: kind for key, (_, _, kind) in cases.items()}


def test_a_hang_or_a_memory_blow_up_is_real():
    endless = edited(1, ("return np.maximum(0, x)", "while True:\n        pass"))
    greedy = edited(1, ("return np.maximum(0, x)", "return [np.ones(10**8) for _ in range(10)]"))
    verdicts = harness.judge_sources(
        [harness.Job("endless", 1, endless, "relu"), harness.Job("greedy", 1, greedy, "relu")],
        timeouts={1: 3.0},
        memory_bytes=256 * 1024**2,
    )
    assert verdicts["endless"].real
    assert "did not finish within 3 s" in verdicts["endless"].detail
    assert verdicts["endless"].target == "relu"
    assert verdicts["greedy"].real
    assert "MemoryError" in verdicts["greedy"].detail


# -- the command --------------------------------------------------------------------------------


def run_mutate(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "bench" / "mutate.py"), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


@pytest.mark.parametrize(
    "args",
    # the first exercise number the harness does not know, whatever their count
    [["--exercises", str(max(harness.MODULES) + 1)], ["--exercises", "3-1"], ["--sample", "0"], ["--trials", "x"]],
    ids=str,
)
def test_usage_errors_exit_2(args):
    completed = run_mutate(*args)
    assert completed.returncode == 2
    assert "usage" in completed.stderr


@pytest.mark.slow
def test_a_sample_of_exercise_1_end_to_end(tmp_path):
    out = tmp_path / "report.json"
    completed = run_mutate("--exercises", "1", "--sample", "8", "--seed", "1", "--json", str(out))
    assert completed.returncode in (0, 1), completed.stdout + completed.stderr
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["problems"] == []
    totals = report["totals"]
    assert totals == report["exercises"]["ex01"]
    assert totals["mutants"] == len(report["mutants"]) == 8
    assert totals["real"] + totals["equivalent"] + totals["harness errors"] == totals["mutants"]
    assert totals["harness errors"] == 0
    assert totals["killed"] + totals["surviving"] == totals["real"]
    assert 0 <= totals["false alarms"] <= totals["equivalent"]
    assert 0 <= totals["well named"] <= totals["killed"]
    assert len(report["surviving"]) == totals["surviving"]
    assert len(report["false alarms"]) == totals["false alarms"]
    assert [entry["id"] for entry in report["mutants"]] == [m.id for m in mutate.all_mutants([1], 8, 1)]
    for entry in report["mutants"]:
        assert entry["verdict"] in ("real", "equivalent")
        assert entry["killed"] == bool(entry["failed checks"] or entry["grading error"])
        if entry["verdict"] == "real":
            assert entry["told apart by"]["difference"]
    failing = totals["surviving"] or totals["false alarms"] or report["grader errors"]
    assert completed.returncode == (1 if failing else 0)
    assert "differential testing: 8/8" in completed.stderr
    assert "grading: 8/8" in completed.stderr
    row = next(line for line in completed.stdout.splitlines() if line.startswith("ex01"))
    assert row.split()[1:7] == [str(totals[c]) for c in mutate.COLUMNS[:6]]


# -- the mutation sample the suite runs ------------------------------------------------------------

# a seeded sample across every exercise: the same mutants on every run, so a failure is reproducible with
# python bench/mutate.py --sample 30 --seed 13 (drop --sample to measure every mutant)
SUITE_SAMPLE = ("--sample", "30", "--seed", "13")


@pytest.mark.slow
def test_a_seeded_sample_of_every_exercise_kills_every_real_mutant_and_fails_no_equivalent_one(tmp_path):
    out = tmp_path / "report.json"
    completed = run_mutate(*SUITE_SAMPLE, "--json", str(out))
    report = json.loads(out.read_text(encoding="utf-8"))
    totals = report["totals"]
    surviving = [f"{e['id']} {e['function']} line {e['line']}: {e['description']}" for e in report["surviving"]]
    false_alarms = [f"{e['id']} {e['function']}: {e['failed checks'][:1]}" for e in report["false alarms"]]
    assert report["problems"] == []
    assert totals["harness errors"] == 0, report["harness errors"]
    assert report["grader errors"] == [], report["grader errors"]
    assert totals["mutants"] == 30
    assert report["settings"]["exercises"] == list(mutate.EXERCISE_NUMBERS)
    assert totals["real"] > 0
    assert totals["equivalent"] + totals["real"] == totals["mutants"]
    # every real mutant killed (a mutation score of 100 %), no equivalent mutant failed
    assert surviving == [], "\n".join(surviving)
    assert false_alarms == [], "\n".join(false_alarms)
    assert report["mutation score"] == 1.0
    assert completed.returncode == 0, completed.stdout[-2000:] + completed.stderr[-2000:]


def test_the_exit_status_says_whether_the_checks_held():
    def status(surviving: int, false_alarms: int, grader_errors: int = 0, harness_errors: int = 0) -> int:
        totals = {"surviving": surviving, "false alarms": false_alarms, "harness errors": harness_errors}
        return mutate.exit_status([], totals, ["x"] * grader_errors)

    assert status(0, 0) == 0
    assert status(1, 0) == 1
    assert status(0, 1) == 1
    assert status(0, 0, grader_errors=1) == 1
    assert status(0, 0, harness_errors=1) == 3
    assert mutate.exit_status(["the grader fails the unmutated solution"], {"surviving": 0}, []) == 3
