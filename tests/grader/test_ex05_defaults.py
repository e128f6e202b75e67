"""Exercise 5's defaults checks blame the defaults for an exception only when the explicit call ran.

Each defaults check calls the function with ``stride=1, pad=0`` given first, saves
that result, then calls it with the defaults.  When the learner's code raises, the
hint must say the defaults are the cause only if the first call came back: a
``conv_output_size`` that returns floats makes every call raise, and then the
defaults are not to blame.
"""

from __future__ import annotations

import numpy as np
import pytest

from grader.checks.ex05_im2col import build_checks
from grader.grading.engine import GENERAL_ERROR_HINT, SHAPE_HINT, judge
from grader.grading.results import Status
from grader.sandbox.client import Output, ProbeRun

RESHAPE = "ValueError: cannot reshape array of size 540 into shape (2,3,3,2,2,5)"
FLOAT_SIZE = "TypeError: 'float' object cannot be interpreted as an integer"


def defaults_check(function: str):
    (check,) = [check for check in build_checks() if check.name == f"{function}: stride and pad default to 1 and 0"]
    return check


def raised(outputs: dict[str, Output], message: str) -> ProbeRun:
    return ProbeRun("error", outputs, message=message, exception=message.split(":")[0])


def explicit_ran() -> dict[str, Output]:
    return {"explicit": Output("explicit", "array", "ndarray", array=np.zeros((2, 3, 5, 7)))}


@pytest.mark.parametrize("function", ["im2col", "col2im"])
def test_an_exception_after_the_explicit_call_ran_is_blamed_on_the_defaults(function):
    result = judge(defaults_check(function), raised(explicit_ran(), RESHAPE), 5.0)
    assert result.status == Status.FAILED
    assert "while the same call with stride=1, pad=0 given ran: the defaults are the cause" in result.hint.en
    assert f"{function}(" in result.hint.en
    assert "既定値" in result.hint.ja


@pytest.mark.parametrize("function", ["im2col", "col2im"])
@pytest.mark.parametrize(
    ("message", "expected"), [(FLOAT_SIZE, GENERAL_ERROR_HINT), (RESHAPE, SHAPE_HINT)], ids=["float-size", "reshape"]
)
def test_an_exception_of_the_explicit_call_keeps_the_exceptions_hint(function, message, expected):
    # nothing saved: the call with stride=1, pad=0 given raised already, so every call of the function fails
    result = judge(defaults_check(function), raised({}, message), 5.0)
    assert result.status == Status.FAILED
    assert result.hint == expected
    assert "default" not in result.hint.en
