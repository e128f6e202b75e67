"""The layer-check engine (grader.checks.layers): what one row generates and what its checks say.

Each test grades a small learner file through the real sandbox with the checks of
a toy row, so the probes, the verdicts and their wording are the ones learners see.
"""

from __future__ import annotations

import textwrap
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from grader.checks.layers import (
    FORWARD_FIRST_HINT,
    IN_PLACE_DOUT,
    IN_PLACE_INPUT,
    Attribute,
    Case,
    Cases,
    GradsItem,
    Hygiene,
    Input,
    Known,
    Layer,
    Param,
    layer_checks,
)
from grader.checks.verdicts import unchanged
from grader.grading.engine import grade_exercise
from grader.grading.results import ExerciseResult, Status
from grader.sandbox.client import Output, ProbeRun
from grader.text import Text, plain


class Scale:
    """The reference of the toy layer: out = x * a, with a (D,) broadcast over the batch."""

    def __init__(self, a):
        self.a = a

    def forward(self, x):
        self.x = x
        return x * self.a

    def backward(self, dout):
        self.da = np.sum(dout * self.x, axis=0)
        return dout * self.a


CORRECT = """
import numpy as np


class Scale:
    def __init__(self, a):
        self.a = a

    def forward(self, x):
        self.x = x
        return x * self.a

    def backward(self, dout):
        self.da = np.sum(dout * self.x, axis=0)
        return dout * self.a
"""

NO_X_HINT = Text("da is dout * x summed over the batch", "da は dout * x のバッチ方向の和です")


def _mistakes(case: Case) -> list[Known]:
    if case.dout is None:
        return []
    return [Known("da", np.sum(case.dout, axis=0), NO_X_HINT)]


def _scale_row() -> Layer:
    rng = np.random.default_rng(12)
    x = rng.normal(size=(4, 3))
    a = rng.uniform(0.5, 2.0, size=3)
    dout = rng.normal(size=(4, 3))
    return Layer(
        name="Scale",
        constructor=("a",),
        reference=Scale,
        params=(Param("a", "da", Attribute("da")),),
        mistakes=_mistakes,
        forward=(Cases(plain("Scale: forward is x * a"), "x (4, 3)", (Case(plain("x (4, 3)"), {"a": a, "x": x}),)),),
        gradient=(
            Cases(
                plain("Scale: backward gives dx and da (gradient check)"),
                "x (4, 3), random dout",
                (Case(plain("x (4, 3)"), {"a": a, "x": x}, dout, hygiene=True),),
            ),
        ),
        hygiene=Hygiene("x (4, 3), random dout"),
        forward_hint=plain("out = x * a"),
        backward_hint=plain("dx = dout * a, da = sum(dout * x, axis=0)"),
    )


def _grade(tmp_path: Path, source: str, row: Layer) -> ExerciseResult:
    learner = tmp_path / "ex07_layers.py"
    learner.write_text(textwrap.dedent(source), encoding="utf-8")
    return grade_exercise(7, learner, checks=layer_checks(row), jobs=1)


def _by_name(result: ExerciseResult) -> dict:
    return {check.name: check for check in result.results}


def _said(check) -> str:
    return "\n".join(line.en for line in check.lines)


FORWARD = "Scale: forward is x * a"
GRADIENT = "Scale: backward gives dx and da (gradient check)"
HYGIENE = "Scale: backward is linear in dout, repeatable, and leaves dout, x and a unchanged"


def test_one_row_makes_forward_gradient_and_hygiene_checks():
    checks = layer_checks(_scale_row())
    assert [check.name for check in checks] == [FORWARD, GRADIENT, HYGIENE]
    assert checks[2].name_ja == "Scale: backward は dout に線形で、2 回呼んでも同じ、dout・x・a は変更しない"
    # the hygiene check judges the gradient case marked hygiene in a probe of its own, so an exception
    # in another gradient case can not fail it
    assert checks[2].probe is not checks[1].probe
    assert checks[0].probe is not checks[1].probe
    assert (checks[0].hint, checks[1].hint) == (
        plain("out = x * a"),
        plain("dx = dout * a, da = sum(dout * x, axis=0)"),
    )


def test_a_right_layer_passes_every_check(tmp_path):
    result = _grade(tmp_path, CORRECT, _scale_row())
    assert [check.status for check in result.results] == [Status.PASSED] * 3, [_said(c) for c in result.results]


def test_backward_that_disagrees_with_its_own_forward_is_reported_as_self_consistency(tmp_path):
    # forward is right; backward forgets a, so dx agrees neither with forward's slope nor with the reference
    source = CORRECT.replace("return dout * self.a", "return dout.copy()")
    checks = _by_name(_grade(tmp_path, source, _scale_row()))
    assert checks[FORWARD].status == Status.PASSED
    assert checks[GRADIENT].status == Status.FAILED
    said = _said(checks[GRADIENT])
    assert "your backward disagrees with your own forward at dx[" in said
    assert "your forward is right, so its slope is the true gradient" in said
    assert "along a random direction v of x: your backward gives sum(dx * v)" in said
    assert "at da[" not in said
    assert "v of a:" not in said
    assert checks[GRADIENT].hint == plain("dx = dout * a, da = sum(dout * x, axis=0)")


def test_backward_consistent_with_a_wrong_forward_is_reported_against_the_reference(tmp_path):
    # forward and backward both use a + 1: consistent with each other, wrong against the reference
    source = CORRECT.replace("return x * self.a", "return x * (self.a + 1)").replace(
        "return dout * self.a", "return dout * (self.a + 1)"
    )
    checks = _by_name(_grade(tmp_path, source, _scale_row()))
    assert checks[FORWARD].status == Status.FAILED
    assert checks[GRADIENT].status == Status.FAILED
    said = _said(checks[GRADIENT])
    assert "your forward is wrong (see 'Scale: forward is x * a'); compared with the correct output:" in said
    assert "your backward agrees with your own forward: dx matches the numerical gradients" in said
    assert "disagrees" not in said
    assert checks[GRADIENT].hint == FORWARD_FIRST_HINT


def test_right_backward_of_a_wrong_forward_blames_the_forward(tmp_path):
    source = CORRECT.replace("return x * self.a", "return x * self.a + x")
    checks = _by_name(_grade(tmp_path, source, _scale_row()))
    said = _said(checks[GRADIENT])
    assert checks[GRADIENT].status == Status.FAILED
    assert "dx: your backward gives the correct gradient, but your forward does not change at that rate" in said


def test_a_known_mistake_gives_its_hint(tmp_path):
    source = CORRECT.replace("np.sum(dout * self.x, axis=0)", "np.sum(dout, axis=0)")
    checks = _by_name(_grade(tmp_path, source, _scale_row()))
    assert checks[GRADIENT].status == Status.FAILED
    assert "your backward disagrees with your own forward at da[" in _said(checks[GRADIENT])
    assert checks[GRADIENT].hint == NO_X_HINT


@pytest.mark.parametrize(
    ("change", "failed", "line", "hint"),
    [
        (
            ("return dout * self.a", "dout *= self.a\n        return dout"),
            HYGIENE,
            "Scale.backward modified its argument dout in place; work on a copy or build a new array",
            IN_PLACE_DOUT,
        ),
        (
            ("return x * self.a", "x *= 1.0\n        x += 0.5\n        return (x - 0.5) * self.a"),
            FORWARD,
            "Scale.forward modified its argument x in place; work on a copy or build a new array",
            IN_PLACE_INPUT,
        ),
        (
            (
                "self.da = np.sum(dout * self.x, axis=0)",
                "self.da = np.sum(dout * self.x, axis=0)\n        self.a += 1e-3",
            ),
            HYGIENE,
            "Scale modified its argument a in place; work on a copy or build a new array",
            IN_PLACE_INPUT,
        ),
    ],
    ids=["dout", "x", "a"],
)
def test_hygiene_names_the_argument_changed_in_place(tmp_path, change, failed, line, hint):
    source = CORRECT.replace(*change)
    assert source != CORRECT
    checks = _by_name(_grade(tmp_path, source, _scale_row()))
    assert checks[failed].status == Status.FAILED
    assert line in _said(checks[failed]).splitlines()
    assert checks[failed].hint is not None
    assert hint.en in checks[failed].hint.en


def test_a_backward_that_accumulates_is_not_repeatable(tmp_path):
    source = CORRECT.replace("self.da = np.sum", "self.da = getattr(self, 'da', 0) + np.sum")
    checks = _by_name(_grade(tmp_path, source, _scale_row()))
    said = _said(checks[HYGIENE])
    assert checks[HYGIENE].status == Status.FAILED
    assert "calling backward(dout) a second time with the same dout gave a different self.da:" in said
    assert "self.da += ..." in checks[HYGIENE].hint.en


def _two_case_row() -> Layer:
    """The Scale row with a second gradient case (batch 2) beside the hygiene case (batch 4)."""
    row = _scale_row()
    rng = np.random.default_rng(14)
    small = {"a": rng.uniform(0.5, 2.0, size=3), "x": rng.normal(size=(2, 3))}
    cases = row.gradient[0]
    extra = Case(plain("x (2, 3)"), small, rng.normal(size=(2, 3)))
    return replace(row, gradient=(replace(cases, cases=(*cases.cases, extra)),))


def test_an_exception_in_one_gradient_case_does_not_fail_the_hygiene_of_another(tmp_path):
    # backward raises for a batch of 2 only: the gradient check names that case, the hygiene check
    # names the batch of 4, whose backward is fine
    source = CORRECT.replace(
        "self.da = np.sum", "if dout.shape[0] == 2:\n            raise ValueError('two')\n        self.da = np.sum"
    )
    checks = _by_name(_grade(tmp_path, source, _two_case_row()))
    assert checks[GRADIENT].status == Status.FAILED
    assert "ValueError: two" in _said(checks[GRADIENT])
    assert checks[HYGIENE].status == Status.PASSED, _said(checks[HYGIENE])


class Times:
    """out = x * a * k, k a constructor argument with a default."""

    def __init__(self, a, k=2.0):
        self.a, self.k = a, k

    def forward(self, x):
        self.x = x
        return x * self.a * self.k

    def backward(self, dout):
        self.da = np.sum(dout * self.x * self.k, axis=0)
        return dout * self.a * self.k


TIMES = """
import numpy as np


class Times:
    def __init__(self, a, k=2.0):
        self.a, self.k = a, k

    def forward(self, x):
        self.x = x
        return x * self.a * self.k

    def backward(self, dout):
        self.da = np.sum(dout * self.x * self.k, axis=0)
        return dout * self.a * self.k
"""


def _times_row() -> Layer:
    rng = np.random.default_rng(15)
    values = {"a": rng.uniform(0.5, 2.0, size=3), "k": 2.0, "x": rng.normal(size=(4, 3))}
    return Layer(
        name="Times",
        constructor=("a", "k"),
        reference=Times,
        params=(Param("a", "da", Attribute("da")),),
        forward=(
            Cases(plain("Times: forward with k left to its default"), "", (Case(plain("x"), values, defaults=("k",)),)),
        ),
        gradient=(
            Cases(
                plain("Times: backward with k left to its default"),
                "",
                (Case(plain("x"), values, rng.normal(size=(4, 3)), defaults=("k",)),),
            ),
        ),
        forward_hint=plain("out = x * a * k"),
    )


def test_a_case_with_defaults_leaves_them_out_and_names_a_wrong_default(tmp_path):
    right = _grade(tmp_path, TIMES, _times_row())
    assert right.passed, [_said(c) for c in right.results]
    checks = _by_name(_grade(tmp_path, TIMES.replace("k=2.0", "k=3.0"), _times_row()))
    forward = checks["Times: forward with k left to its default"]
    assert forward.status == Status.FAILED
    assert "with k left out the output is wrong, and with it given it is right" in _said(forward)
    assert "Times(a, k=2.0)" in forward.hint.en
    assert checks["Times: backward with k left to its default"].status == Status.FAILED


def test_a_wrong_forward_is_not_blamed_on_the_defaults(tmp_path):
    checks = _by_name(_grade(tmp_path, TIMES.replace("return x * self.a * self.k", "return x * self.a"), _times_row()))
    forward = checks["Times: forward with k left to its default"]
    assert forward.status == Status.FAILED
    assert "left out" not in _said(forward)
    assert forward.hint == plain("out = x * a * k")


OWN_HINT = plain("backward must use what forward used")


def _own_forward_row() -> Layer:
    """Scale, whose gradient case is judged against the learner's own forward only."""
    row = _scale_row()
    case = row.gradient[0].cases[0]
    cases = Cases(plain("Scale: backward agrees with your forward"), "", (replace(case, reference=False),), OWN_HINT)
    return replace(row, gradient=(cases,))


def test_a_case_without_reference_judges_only_against_the_own_forward(tmp_path):
    # forward adds 0.5: wrong against the reference, but backward agrees with it
    consistent = CORRECT.replace("return x * self.a", "return x * self.a + 0.5")
    checks = _by_name(_grade(tmp_path, consistent, _own_forward_row()))
    assert checks["Scale: backward agrees with your forward"].status == Status.PASSED
    assert checks[FORWARD].status == Status.FAILED
    inconsistent = CORRECT.replace("return dout * self.a", "return dout * 1.5 * self.a")
    check = _by_name(_grade(tmp_path, inconsistent, _own_forward_row()))["Scale: backward agrees with your forward"]
    assert check.status == Status.FAILED
    assert "your backward disagrees with your own forward for dx:" in _said(check)
    assert "da" not in _said(check)
    assert check.hint == OWN_HINT
    nan = CORRECT.replace("return x * self.a", "return x * self.a / 0.0")
    check = _by_name(_grade(tmp_path, nan, _own_forward_row()))["Scale: backward agrees with your forward"]
    assert check.status == Status.FAILED
    assert "not finite numbers" in _said(check)


class Ramp:
    """out = max(x, 0); its gradient at x == 0 is 0."""

    def forward(self, x):
        self.x = x
        return np.maximum(x, 0.0)

    def backward(self, dout):
        return dout * (self.x > 0)


RAMP = """
import numpy as np


class Ramp:
    def forward(self, x):
        self.x = x
        return np.maximum(x, 0.0)

    def backward(self, dout):
        return dout * (self.x > 0)
"""


def _ramp_row(consistency: bool) -> Layer:
    x = np.array([[0.0, 1.0, -1.0], [0.0, 0.0, 2.0]])
    dout = np.array([[0.5, -1.5, 2.0], [1.0, -0.7, 0.3]])
    case = Case(plain("x with zeros"), {"x": x}, dout, consistency=consistency)
    return Layer(
        name="Ramp", constructor=(), reference=Ramp, gradient=(Cases(plain("Ramp: at the kink"), "", (case,)),)
    )


def test_a_case_at_a_kink_is_judged_against_the_reference_only(tmp_path):
    # at x == 0 the central difference of max(x, 0) is one-sided: a right backward disagrees with it
    assert not _grade(tmp_path, RAMP, _ramp_row(consistency=True)).passed
    assert _grade(tmp_path, RAMP, _ramp_row(consistency=False)).passed
    check = _grade(tmp_path, RAMP.replace("self.x > 0", "self.x >= 0"), _ramp_row(consistency=False)).results[0]
    assert check.status == Status.FAILED
    assert "dx differs from the correct gradient:" in _said(check)


def test_a_known_mistake_that_gives_nan_matches_only_its_nan_pattern():
    known = Known("out", np.array([1.0, np.nan, 2.0]), plain("eps"))
    assert known.matches(np.array([1.0, np.nan, 2.0]), 1e-9, 0.0)
    assert known.matches(np.array([1.0, np.inf, 2.0]), 1e-9, 0.0)
    assert not known.matches(np.array([1.0, 5.0, 2.0]), 1e-9, 0.0)
    assert not known.matches(np.array([np.nan, np.nan, 2.0]), 1e-9, 0.0)
    assert not known.matches(np.array([1.5, np.nan, 2.0]), 1e-9, 0.0)


# --- the conventions of "Deep Learning from Scratch 2": self.grads, two inputs, two outputs ------


class Mix:
    """out = x * a + h, h_out = 2 * h; backward(dout, dh_out) -> (dx, dh); grads = [da]."""

    def __init__(self, a):
        self.params = [a]
        self.grads = [np.zeros_like(a)]

    def forward(self, x, h):
        self.x = x
        return x * self.params[0] + h, 2 * h

    def backward(self, dout, dh_out):
        self.grads[0][...] = np.sum(dout * self.x, axis=0)
        return dout * self.params[0], dout + 2 * dh_out


MIX = """
import numpy as np


class Mix:
    def __init__(self, a):
        self.params = [a]
        self.grads = [np.zeros_like(a)]

    def forward(self, x, h):
        self.x = x
        return x * self.params[0] + h, 2 * h

    def backward(self, dout, dh_out):
        self.grads[0][...] = np.sum(dout * self.x, axis=0)
        return dout * self.params[0], dout + 2 * dh_out
"""


def _mix_row() -> Layer:
    rng = np.random.default_rng(13)
    values = {"a": rng.uniform(0.5, 2.0, size=3), "x": rng.normal(size=(2, 3)), "h": rng.normal(size=(2, 3))}
    douts = (rng.normal(size=(2, 3)), rng.normal(size=(2, 3)))
    return Layer(
        name="Mix",
        constructor=("a",),
        reference=Mix,
        params=(Param("a", "da", GradsItem(0)),),
        inputs=(Input("x", "dx"), Input("h", "dh")),
        outputs=("out", "h_out"),
        forward=(Cases(plain("Mix: forward"), "", (Case(plain("x (2, 3)"), values),)),),
        gradient=(Cases(plain("Mix: backward (gradient check)"), "", (Case(plain("x (2, 3)"), values, douts, True),)),),
        hygiene=Hygiene(""),
    )


def test_two_inputs_two_outputs_and_a_grads_list(tmp_path):
    checks = layer_checks(_mix_row())
    assert (
        checks[2].name == "Mix: backward is linear in dout, repeatable, and leaves dout, dh_out, x, h and a unchanged"
    )
    right = _grade(tmp_path, MIX, _mix_row())
    assert right.passed, [_said(c) for c in right.results]
    wrong = _by_name(_grade(tmp_path, MIX.replace("dout + 2 * dh_out", "dout + dh_out"), _mix_row()))
    said = _said(wrong["Mix: backward (gradient check)"])
    assert "your backward disagrees with your own forward at dh[" in said
    assert "L = sum(dout * out) + sum(dh_out * h_out)" in said


# --- the one wording of an argument modified in place --------------------------------------------


def _run(**arrays: np.ndarray) -> ProbeRun:
    outputs = {name: Output(name, "array", "ndarray", array=array) for name, array in arrays.items()}
    return ProbeRun(status="ok", outputs=outputs)


def test_unchanged_names_every_argument_modified_and_nothing_else():
    x, y = np.arange(6.0).reshape(2, 3), np.array([1.0, np.nan])
    reinterpreted = x.copy().view("<U2")  # the same bytes read as text: changed, and no crash comparing it
    run = _run(**{"input:x": x.copy(), "input:y": y.copy(), "input:z": reinterpreted, "input:w": x + 1})
    lines = unchanged(run, "f", {"x": x, "y": y, "z": x, "w": x})
    assert [line.en for line in lines] == [
        "f modified its argument z in place; work on a copy or build a new array",
        "f modified its argument w in place; work on a copy or build a new array",
    ]
    assert lines[0].ja == "f が引数 z をその場で書き換えました。コピーを使うか新しい配列を作ってください"


class ScaleShifted(Scale):
    """Another convention for the toy layer: out = x * a + a, so da = sum(dout * (x + 1), axis=0)."""

    def forward(self, x):
        return super().forward(x) + self.a

    def backward(self, dout):
        dx = super().backward(dout)
        self.da = self.da + np.sum(dout, axis=0)
        return dx


SHIFTED = CORRECT.replace("return x * self.a", "return x * self.a + self.a").replace(
    "self.da = np.sum(dout * self.x, axis=0)", "self.da = np.sum(dout * (self.x + 1), axis=0)"
)


def test_a_layer_following_an_accepted_convention_is_judged_against_it(tmp_path):
    row = replace(_scale_row(), conventions=(ScaleShifted,))
    result = _grade(tmp_path, SHIFTED, row)
    assert [check.status for check in result.results] == [Status.PASSED] * 3, [_said(c) for c in result.results]
    # without the convention the same file is wrong
    checks = _by_name(_grade(tmp_path, SHIFTED, _scale_row()))
    assert checks[FORWARD].status == Status.FAILED
    assert checks[GRADIENT].status == Status.FAILED


def test_the_convention_forward_with_the_contract_backward_fails_against_the_convention(tmp_path):
    # forward follows ScaleShifted, backward keeps da = sum(dout * x): the exact gradient of that forward differs
    source = CORRECT.replace("return x * self.a", "return x * self.a + self.a")
    checks = _by_name(_grade(tmp_path, source, replace(_scale_row(), conventions=(ScaleShifted,))))
    assert checks[FORWARD].status == Status.PASSED
    assert checks[GRADIENT].status == Status.FAILED
    said = _said(checks[GRADIENT])
    assert "your backward disagrees with your own forward at da[" in said
    assert "your forward is right, so its slope is the true gradient" in said
