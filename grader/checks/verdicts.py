"""The verdict toolkit: how a check says what it found in what came back from the sandbox.

Every ``verify`` returns a ``Verdict`` (``grader.grading.results``); the
helpers here return the lines that explain a failure, empty when there is
nothing to say, so a check combines them and picks its hint:
``Verdict.unless(close(...) + unchanged(...), hint)``.

close(got, expected, what=, rtol=, atol=)
    how an array differs from the expected one: shape, nan or inf, the worst
    element, both arrays in short (``grader.grading.compare``).
same_shape(array, shape, what)
    the complaint when the shape is not the expected one.
is_close(got, expected, rtol, atol)
    ``close`` as a yes or no, for choosing among explanations.
unchanged(run, who, originals)
    one line per argument the learner's code modified in place, always in the
    same words (``modified_line``); ``untouched`` is its test for one array.
Variant, matching_variant
    a known wrong answer and the misconception behind it.
Later
    what only a wrong answer reads (the known wrong answers), worked out the
    first time one asks.
join_hints(hints)
    at most two different hints, in order, as one.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import numpy as np

from grader.grading.compare import agrees, close, same_shape, value_of
from grader.sandbox.client import Output, ProbeRun
from grader.text import Text

__all__ = [
    "Later",
    "Variant",
    "close",
    "is_close",
    "join_hints",
    "matching_variant",
    "modified_line",
    "same_shape",
    "unchanged",
    "untouched",
    "value_of",
]


def is_close(got: Output | np.ndarray | None, expected: Any, rtol: float, atol: float) -> bool:
    """Whether ``close`` finds nothing to say."""
    return agrees(got, expected, rtol=rtol, atol=atol)


def modified_line(who: str, label: str | Text) -> Text:
    """The one wording of "an input came back changed": ``relu modified its argument x in place; ...``."""
    label = label if isinstance(label, Text) else Text(label, label)
    return Text(
        f"{who} modified its argument {label.en} in place; work on a copy or build a new array",
        f"{who} が引数 {label.ja} をその場で書き換えました。コピーを使うか新しい配列を作ってください",
    )


def untouched(after: np.ndarray | None, original: np.ndarray) -> bool:
    """Whether ``after`` (an argument as the probe saw it after the call) still equals ``original``.

    Anything that is not a numeric array of the original shape counts as changed,
    so a learner who reinterprets the memory (``x.dtype = ...``) is caught too.
    """
    if after is None or after.shape != original.shape or after.dtype.kind not in "biufc":
        return False
    if (after == original).all():  # the usual answer, asked first: equal everywhere holds no nan
        return True
    equal_nan = after.dtype.kind in "fc" and original.dtype.kind in "fc"
    return bool(np.array_equal(after, original, equal_nan=equal_nan))


def unchanged(run: ProbeRun, who: str, originals: Mapping[str, np.ndarray], *, prefix: str = "input:") -> list[Text]:
    """One line for every argument ``who`` modified in place.

    Parameters
    ----------
    run : ProbeRun
        The probe saved each argument, after the calls, as ``prefix + label``.
    who : str
        The function or method that received them: ``relu``, ``Affine.backward``.
    originals : mapping of str to ndarray
        The arguments as they were sent, by the name messages use (``x``, ``weights[0]``).
    prefix : str
        Where the probe saved them.
    """
    return [
        modified_line(who, label)
        for label, original in originals.items()
        if not untouched(run.output(prefix + label).array, original)
    ]


@dataclass(frozen=True)
class Variant:
    """A known wrong answer and the misconception that produces it."""

    value: Any
    hint: Text


T = TypeVar("T")


class Later(Generic[T]):
    """A value only a wrong answer reads (the known wrong answers), worked out the first time one asks.

    Most graded answers are right and never ask, and working the known wrong
    answers out while the checks were built was a good part of building them,
    on the path of every cold start.  ``work`` runs once, under a lock (a batch
    judges in several threads), on arguments nothing else writes: a check makes
    a ``Later`` of copies, or of inputs that only the reference reads.
    """

    def __init__(self, work: Callable[[], T]) -> None:
        self.work = work
        self._lock = threading.Lock()
        self._value: T | None = None
        self.done = False

    def __call__(self) -> T:
        """The value (worked out now if this is the first ask)."""
        with self._lock:
            if not self.done:
                self._value = self.work()
                self.done = True
            return self._value  # type: ignore[return-value]


def matching_variant(got: Any, variants: Sequence[Variant], rtol: float, atol: float) -> Variant | None:
    """The first variant ``got`` agrees with, if any."""
    for variant in variants:
        if is_close(got, variant.value, rtol, atol):
            return variant
    return None


def join_hints(hints: Iterable[Text | None]) -> Text | None:
    """The first two different hints as one (None when there is none)."""
    unique: list[Text] = []
    for hint in hints:
        if hint is not None and hint not in unique:
            unique.append(hint)
    if not unique:
        return None
    return Text(" ".join(h.en for h in unique[:2]), " ".join(h.ja for h in unique[:2]))
