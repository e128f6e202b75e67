"""Known wrong answers are worked out when a wrong answer first asks, not when the checks are built.

Building them was half of building exercise 8's checks, most of exercise 13's
and a third of exercises 4, 5 and 6's, on the path of every cold start
(``grader.checks.verdicts.Later``; a layer case's ``grader.checks.layers._Mistakes``).
Worked out later, they must be exactly what working them out again gives, leave
what they were made from (shared by every grading of a batch) as it was, and be
worked out once however many threads ask.
"""

from __future__ import annotations

import functools
import threading
import time
from typing import Any

import numpy as np
import pytest

from grader.checks import layers
from grader.checks.verdicts import Later, Variant
from grader.grading.engine import EXERCISES
from grader.text import Text

LAZY_EXERCISES = (4, 5, 6, 7, 8, 11, 12, 13)
LAYER_EXERCISES = (7, 8, 11, 12, 13)


def _built(number: int) -> list[Later[Any]]:
    """Build exercise ``number``'s checks; every ``Later`` made meanwhile (layer cases' mistakes included)."""
    made: list[Later[Any]] = []
    original = Later.__init__

    def init(self: Later[Any], *args: Any) -> None:
        original(self, *args)
        made.append(self)

    Later.__init__ = init  # type: ignore[method-assign]
    try:
        EXERCISES[number].build_checks()
    finally:
        Later.__init__ = original  # type: ignore[method-assign]
    return made


def _arrays(later: Later[Any]) -> list[Any]:
    """Copies of what ``later`` is worked out from: a layer case's values and douts, or its work's arguments."""
    if isinstance(later, layers._Mistakes):
        douts = later.case.dout if isinstance(later.case.dout, tuple) else (later.case.dout,)
        values = [*later.case.values.values(), *douts]
    else:
        assert isinstance(later.work, functools.partial), later.work  # so that its arguments can be compared
        values = [*later.work.args, *later.work.keywords.values()]
    return [np.array(value, copy=True) if isinstance(value, np.ndarray) else value for value in values]


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and np.array_equal(a, b, equal_nan=True)
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[key], b[key]) for key in a)
    if isinstance(a, Variant) and isinstance(b, Variant):
        return a.hint == b.hint and _same(a.value, b.value)
    if isinstance(a, layers.Known) and isinstance(b, layers.Known):
        return (a.output, a.hint, a.shape) == (b.output, b.hint, b.shape) and _same(a.value, b.value)
    return bool(a == b)


@pytest.mark.parametrize("number", LAZY_EXERCISES)
def test_known_wrong_answers_are_not_worked_out_while_the_checks_are_built(number):
    made = _built(number)
    assert made  # each of these exercises has known wrong answers to work out later
    assert not any(later.done for later in made)
    if number in LAYER_EXERCISES:
        assert any(isinstance(later, layers._Mistakes) for later in made)


@pytest.mark.parametrize("number", LAZY_EXERCISES)
def test_worked_out_later_they_are_what_working_them_out_again_gives_and_leave_their_inputs(number):
    made = _built(number)
    assert any(later() for later in made)  # at least one holds known wrong answers to compare
    for later in made:
        before = _arrays(later)
        value = later()
        assert _same(before, _arrays(later))
        assert _same(value, later.work())
        assert later() is value  # worked out once


def test_threads_that_ask_at_once_work_it_out_once():
    calls = []

    def work() -> list[int]:
        calls.append(1)
        time.sleep(0.05)  # long enough for every other thread to ask meanwhile
        return [len(calls)]

    later = Later(work)
    start = threading.Barrier(8)
    answers: list[list[int]] = []

    def ask() -> None:
        start.wait()
        answers.append(later())

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(calls) == 1
    assert len(answers) == 8
    assert all(answer is answers[0] for answer in answers)


def test_a_layer_mistake_function_that_writes_to_its_case_leaves_the_shared_case_as_it_was():
    case = layers.Case(label=Text("a case", "ケース"), values={"x": np.ones(3)}, dout=np.ones(3))

    class Writes:
        @staticmethod
        def mistakes(seen: layers.Case) -> list[layers.Known]:
            seen.values["x"][...] = 0.0
            assert isinstance(seen.dout, np.ndarray)
            seen.dout[...] = 0.0
            return [layers.Known("out", np.asarray(seen.values["x"]), Text("a hint", "ヒント"))]

    (known,) = layers._Mistakes(Writes(), case)()  # type: ignore[arg-type]
    assert np.array_equal(known.value, np.zeros(3))  # what the function saw: its own copies
    assert np.array_equal(case.values["x"], np.ones(3))
    assert np.array_equal(case.dout, np.ones(3))
