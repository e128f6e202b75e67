"""The layer-check engine (grader.checks.layers): what one row generates and what its checks say.

Each test grades a small learner file through the real sandbox with the checks of
a toy row, so the probes, the verdicts and their wording are the ones learners see.
"""

from __future__ import annotations

import textwrap
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
    # the hygiene check judges the gradient case marked hygiene, in the same probe: no probe of its own
    assert checks[2].probe is checks[1].probe
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
