"""A layer case's known mistakes are worked out when a wrong answer first asks, not when the checks are built.

Building them was half of building exercise 8's checks and most of exercise
13's, on the path of every cold start (``grader.checks.layers._Mistakes``).
Worked out later, they must be exactly what building them gave, leave the case
(shared by every grading of a batch) as it was, and be worked out once however
many threads ask.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import numpy as np
import pytest

from grader.checks import layers
from grader.grading.engine import EXERCISES
from grader.text import Text

LAYER_EXERCISES = (7, 8, 11, 12, 13)


def _built(number: int) -> list[layers._Mistakes]:
    """Build exercise ``number``'s checks; every case's known mistakes made meanwhile, not yet worked out."""
    made: list[layers._Mistakes] = []
    original = layers._Mistakes.__init__

    def init(self: layers._Mistakes, *args: Any) -> None:
        original(self, *args)
        made.append(self)

    layers._Mistakes.__init__ = init  # type: ignore[method-assign]
    try:
        EXERCISES[number].build_checks()
    finally:
        layers._Mistakes.__init__ = original  # type: ignore[method-assign]
    return made


def _snapshot(case: layers.Case) -> list[Any]:
    douts = case.dout if isinstance(case.dout, tuple) else (case.dout,)
    values = [*case.values.values(), *douts]
    return [np.array(value, copy=True) if isinstance(value, np.ndarray) else value for value in values]


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and np.array_equal(a, b, equal_nan=True)
    return bool(a == b)


@pytest.mark.parametrize("number", LAYER_EXERCISES)
def test_known_mistakes_are_not_worked_out_while_the_checks_are_built(number):
    made = _built(number)
    assert made  # every layer exercise has cases with known mistakes
    assert all(mistakes._found is None for mistakes in made)


@pytest.mark.parametrize("number", LAYER_EXERCISES)
def test_worked_out_later_they_are_what_building_gave_and_the_case_is_unchanged(number):
    made = _built(number)
    some = [found for mistakes in made if (found := mistakes())]
    assert some  # at least one case of each exercise has known mistakes to compare
    for mistakes in made:
        before = _snapshot(mistakes._case)
        lazy = mistakes()
        assert all(_same(a, b) for a, b in zip(before, _snapshot(mistakes._case), strict=True))
        eager = tuple(mistakes._find(mistakes._case))  # as the checks were built before: on the case itself
        assert len(lazy) == len(eager)
        for got, want in zip(lazy, eager, strict=True):
            assert (got.output, got.hint, got.shape) == (want.output, want.hint, want.shape)
            assert _same(got.value, want.value)
        assert mistakes() is lazy  # worked out once


def test_threads_that_ask_at_once_work_them_out_once():
    (mistakes, *_) = [m for m in _built(8) if m()]
    calls = []
    find = mistakes._find
    fresh = layers._Mistakes.__new__(layers._Mistakes)
    fresh.__dict__.update(mistakes.__dict__, _found=None, _lock=threading.Lock())

    def counted(case: layers.Case) -> Any:
        calls.append(case)
        time.sleep(0.05)  # long enough for every other thread to ask meanwhile
        return find(case)

    fresh._find = counted
    start = threading.Barrier(8)
    answers: list[tuple[layers.Known, ...]] = []

    def ask() -> None:
        start.wait()
        answers.append(fresh())

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(calls) == 1
    assert len(answers) == 8
    assert all(answer is answers[0] for answer in answers)


def test_a_mistake_function_that_writes_to_its_case_leaves_the_shared_case_as_it_was():
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
