"""A check may diagnose an exception from what its probe saved before it (Check.error_diagnosis).

The probe's ``attempt`` calls run first and never end it; when the real call
then raises, the check's ``error_diagnosis`` reads the attempts and names the
cause: the arguments of ``cross_entropy_error`` the other way round (the book's
order), or, for a check of labels, whether the same call with one-hot ``d`` (its
twin) is right, so the hint blames the labels only when they are the cause.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest

from grader.checks import ex07_layers
from grader.checks.common import output_check
from grader.grading.engine import SHAPE_HINT, Check, grade_exercise, judge
from grader.grading.results import Status, Verdict
from grader.sandbox.client import Output, Probe, ProbeRun
from grader.text import Text

SWAPPED = Text("swapped", "逆")
FIXED = Text("error hint", "エラーのヒント")


def raised(outputs: dict[str, Output]) -> ProbeRun:
    return ProbeRun("error", outputs, message="IndexError: index 3 is out of bounds for axis 0", exception="IndexError")


def swapped_output(value: float | None) -> dict[str, Output]:
    if value is None:
        return {"swapped": Output("swapped", "none", "NoneType")}
    return {"swapped": Output("swapped", "array", "float", array=np.array(value))}


def loss_check() -> Check:
    return output_check("f: a loss", "f: 損失", "f", [np.ones(3), np.zeros(3)], 2.5, swapped_hint=SWAPPED)


def test_the_attempt_comes_first_with_the_first_two_arguments_swapped():
    probe = loss_check().probe
    calls = [step for step in probe.steps if step["op"] == "call"]
    assert [bool(step.get("guarded")) for step in calls] == [True, False]
    attempt, real = calls
    swapped = [probe.arrays[arg["ref"]] for arg in attempt["args"]]
    as_called = [probe.arrays[arg["ref"]] for arg in real["args"]]
    np.testing.assert_array_equal(swapped[0], as_called[1])
    np.testing.assert_array_equal(swapped[1], as_called[0])
    # copies of their own: what the attempt does to its arguments can not reach the real call's
    assert not {arg["ref"] for arg in attempt["args"]} & {arg["ref"] for arg in real["args"]}


def test_the_swapped_attempt_may_be_given_in_another_form():
    # f(d, y) = y - d called as f(y, d) is d - y, which a flipped sign gives too: labels tell the order apart
    labels, probabilities = np.array([2, 0]), np.full((2, 3), 1 / 3)
    check = output_check(
        "f: a gradient",
        "f: 勾配",
        "f",
        [np.eye(3)[labels], probabilities],
        probabilities - np.eye(3)[labels],
        swapped_hint=SWAPPED,
        swapped=[probabilities, labels],
    )
    attempt = next(step for step in check.probe.steps if step.get("guarded"))
    sent = [check.probe.arrays[arg["ref"]] for arg in attempt["args"]]
    np.testing.assert_array_equal(sent[0], probabilities)
    np.testing.assert_array_equal(sent[1], labels)


def test_a_raising_call_whose_swapped_attempt_was_right_gets_the_diagnosis():
    result = judge(loss_check(), raised(swapped_output(2.5)), 5.0)
    assert result.status == Status.FAILED
    assert result.hint == SWAPPED
    assert any("IndexError" in line.en for line in result.lines)


def test_otherwise_the_hint_of_the_exception_stands():
    for outputs in (swapped_output(1.0), swapped_output(None), {}):
        result = judge(loss_check(), raised(outputs), 5.0)
        assert result.status == Status.FAILED
        assert result.hint == SHAPE_HINT, outputs


def test_a_diagnosis_comes_before_the_error_hint_and_falls_back_to_it():
    def check(diagnosis: Text | None) -> Check:
        return Check(
            "f: x",
            "f: x",
            Probe(),
            lambda run: Verdict.ok(),
            error_hint=FIXED,
            error_diagnosis=lambda run: diagnosis,
        )

    assert judge(check(SWAPPED), raised({}), 5.0).hint == SWAPPED
    assert judge(check(None), raised({}), 5.0).hint == FIXED


def test_a_wrong_value_whose_swapped_attempt_was_right_gets_the_same_hint():
    run = ProbeRun(
        "ok",
        {
            **swapped_output(2.5),
            "result": Output("result", "array", "float", array=np.array(-1e-7)),
            "input:#1": Output("input:#1", "array", "ndarray", array=np.ones(3)),
            "input:#2": Output("input:#2", "array", "ndarray", array=np.zeros(3)),
        },
    )
    result = judge(loss_check(), run, 5.0)
    assert result.status == Status.FAILED
    assert result.hint == SWAPPED


LABELS = Text("labels hint", "ラベルのヒント")
SHARED = Text("both forms", "両方の形")


def labels_check() -> Check:
    """A check of labels d whose twin is the same call with one-hot d."""
    return output_check(
        "f: labels",
        "f: ラベル",
        "f",
        [np.array([1, 0]), np.full((2, 2), 0.5)],
        0.7,
        hint=LABELS,
        twin=[np.eye(2)[[1, 0]], np.full((2, 2), 0.5)],
        twin_hint=SHARED,
    )


def outputs(result: float, twin: float | None) -> dict[str, Output]:
    found = {
        "result": Output("result", "array", "float", array=np.array(result)),
        "input:#1": Output("input:#1", "array", "ndarray", array=np.array([1, 0])),
        "input:#2": Output("input:#2", "array", "ndarray", array=np.full((2, 2), 0.5)),
    }
    if twin is None:
        found["twin"] = Output("twin", "none", "NoneType")
    else:
        found["twin"] = Output("twin", "array", "float", array=np.array(twin))
    return found


def test_a_twin_tells_a_mistake_of_this_form_from_one_both_forms_share():
    check = labels_check()
    # one-hot right, labels wrong: the labels are the cause
    assert judge(check, ProbeRun("ok", outputs(0.1, 0.7)), 5.0).hint == LABELS
    # both wrong: the cause lies elsewhere
    assert judge(check, ProbeRun("ok", outputs(0.1, 0.2)), 5.0).hint == SHARED
    assert judge(check, ProbeRun("ok", outputs(0.1, None)), 5.0).hint == SHARED
    # an exception with labels only: the labels hint; with both forms: the exception's own hint
    assert judge(check, raised({"twin": outputs(0.0, 0.7)["twin"]}), 5.0).hint == LABELS
    assert judge(check, raised({"twin": outputs(0.0, None)["twin"]}), 5.0).hint == SHAPE_HINT


def test_a_twin_needs_the_hint_for_a_shared_mistake():
    with pytest.raises(ValueError, match="twin_hint"):
        output_check("f: x", "f: x", "f", [np.ones(2), np.ones(2)], 1.0, twin=[np.ones(2), np.ones(2)])


SWAPPED_FORWARD = """
class SoftmaxWithLoss(SoftmaxWithLoss):
    def forward(self, x, t):
        self.t = np.asarray(t)
        self.y = softmax(x)
        self.loss = cross_entropy_error(self.y, self.t)  # the book's order: runs for one-hot t, raises for labels
        return self.loss
"""
ONE_HOT_ONLY = """
class SoftmaxWithLoss(SoftmaxWithLoss):
    def forward(self, x, t):
        self.t = np.asarray(t)
        self.y = softmax(x)
        # right for one-hot t; labels (N,) do not broadcast against (N, K) and raise
        self.loss = -np.sum(self.t * np.log(self.y + 1e-7)) / x.shape[0]
        return self.loss
"""


def graded_softmax_with_loss(tmp_path: Path, override: str) -> list:
    """The SoftmaxWithLoss results of the worked solution with ``override`` appended, graded in the sandbox."""
    solutions = Path(__file__).resolve().parents[2] / "solutions"
    for earlier in solutions.glob("ex0[1-6]_*.py"):
        (tmp_path / earlier.name).write_text(earlier.read_text(encoding="utf-8"), encoding="utf-8")
    target = tmp_path / "ex07_layers.py"
    target.write_text((solutions / "ex07_layers.py").read_text(encoding="utf-8") + override, encoding="utf-8")
    return [result for result in grade_exercise(7, target).results if result.target == "SoftmaxWithLoss"]


def test_softmax_with_loss_names_swapped_arguments_in_every_check_that_raises_for_labels(tmp_path):
    results = graded_softmax_with_loss(tmp_path, SWAPPED_FORWARD)
    raised = [result for result in results if any("ValueError" in line.en for line in result.lines)]
    # the labels forward check, the gradient check (labels and one-hot cases) and the hygiene check (labels)
    assert len(raised) == 3, [result.name for result in results]
    assert all(result.hint == ex07_layers.SWAPPED_HINT for result in raised)
    # the one-hot forward check runs, and names the swap by the value it computes
    (one_hot,) = [result for result in results if result.name.endswith("loss for one-hot t")]
    assert one_hot.status == Status.FAILED
    assert one_hot.hint == ex07_layers.SWAPPED_HINT


def test_softmax_with_loss_blames_no_swap_for_a_forward_right_on_one_hot_that_raises_for_labels(tmp_path):
    results = graded_softmax_with_loss(tmp_path, ONE_HOT_ONLY)
    raised = [result for result in results if result.status == Status.FAILED]
    assert raised, "a forward that raises for labels must fail"
    assert all(result.hint != ex07_layers.SWAPPED_HINT for result in raised)
    assert all(not result.name.endswith("loss for one-hot t") for result in raised)


def test_numpy_warnings_of_a_checks_arithmetic_on_a_learners_values_are_not_printed():
    def verify(run: ProbeRun) -> Verdict:
        got = run.outputs["out"].array
        if not np.isfinite((got - got) / (got * 0.0) + got * got).all():  # inf - inf, x / 0, an overflow
            return Verdict.fail([Text("not finite", "有限ではありません")])
        return Verdict.ok()

    check = Check("f: finite", "f: 有限", loss_check().probe, verify)
    run = ProbeRun("ok", {"out": Output("out", "array", "float", array=np.array([np.inf, 1e200, 0.0]))})
    before = np.geterr()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = judge(check, run, 5.0)
    assert result.status is Status.FAILED
    assert "not finite" in result.message("en")
    assert np.geterr() == before  # the caller's own setting is left as it was
