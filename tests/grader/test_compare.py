"""``agrees`` and ``close`` give one answer, ``untouched`` is array equality with NaN equal to NaN."""

from __future__ import annotations

import numpy as np
import pytest

from grader.checks.verdicts import untouched
from grader.grading.compare import agrees, close

NAN, INF = np.nan, np.inf
# (got, expected, rtol, atol, they agree)
PAIRS = {
    "equal": ([1.0, 2.0], [1.0, 2.0], 1e-7, 0.0, True),
    "within rtol": ([1.0 + 1e-9, 2.0], [1.0, 2.0], 1e-7, 0.0, True),
    "beyond rtol": ([1.0 + 1e-6, 2.0], [1.0, 2.0], 1e-7, 0.0, False),
    "within atol only": ([1e-10], [0.0], 1e-7, 1e-9, True),
    "at the limit": ([1.5], [1.0], 0.25, 0.25, True),
    "nan where the reference has nan": ([NAN, 1.0], [NAN, 1.0], 1e-7, 0.0, True),
    "nan where the reference is finite": ([NAN, 1.0], [0.0, 1.0], 1e-7, 0.0, False),
    "a number where the reference has nan": ([0.0, 1.0], [NAN, 1.0], 1e-7, 0.0, False),
    "inf where the reference has inf": ([INF, -INF], [INF, -INF], 1e-7, 0.0, True),
    "inf where the reference is finite": ([INF], [1e308], 1e-7, 0.0, False),
    "huge, equal, tolerance overflows": ([1e308], [1e308], 1e308, 1e308, True),
    "0-d": (2.0, 2.0, 1e-7, 0.0, True),
    "empty": (np.zeros((0, 3)), np.zeros((0, 3)), 1e-7, 0.0, True),
    "integers against floats": (np.array([1, 2]), [1.0, 2.0], 1e-7, 0.0, True),
    "another shape": ([1.0, 2.0], [[1.0, 2.0]], 1e-7, 0.0, False),
}


@pytest.mark.filterwarnings("ignore:.*encountered:RuntimeWarning")  # inf - inf, on purpose
@pytest.mark.parametrize("case", list(PAIRS))
def test_agrees_is_close_finding_nothing(case):
    got, expected, rtol, atol, agree = PAIRS[case]
    got = np.asarray(got)
    assert agrees(got, expected, rtol=rtol, atol=atol) is agree
    assert (close(got, expected, what="y", rtol=rtol, atol=atol) == []) is agree


def test_close_names_the_first_nan_where_the_reference_is_finite():
    (line,) = close(np.array([1.0, NAN, INF]), [1.0, 2.0, 3.0], what="y")
    assert line.en == "y[1] is nan (expected 2); 2 of 3 values are nan or inf"


def test_close_names_the_worst_element_beyond_the_tolerance():
    lines = close(np.array([1.0, 2.5, 3.1]), [1.0, 2.0, 3.0], what="y", rtol=0.0, atol=0.2)
    assert lines[0].en == "largest error 0.5 at y[1]: expected 2, got 2.5"
    assert lines[1].en == "1 of 3 values differ"


@pytest.mark.parametrize(
    ("after", "original", "same"),
    [
        (np.array([1.0, 2.0]), np.array([1.0, 2.0]), True),
        (np.array([1.0, NAN]), np.array([1.0, NAN]), True),
        (np.array([1.0, NAN]), np.array([1.0, 2.0]), False),
        (np.array([1.0, 2.0]), np.array([1.0, NAN]), False),
        (np.array([-0.0]), np.array([0.0]), True),
        (np.array([1, 2]), np.array([1.0, 2.0]), True),
        (np.array([1.0, 3.0]), np.array([1.0, 2.0]), False),
        (np.array(5.0), np.array(5.0), True),
        (np.array([[1.0, 2.0]]), np.array([1.0, 2.0]), False),
        (np.array(["a", "b"]), np.array([1.0, 2.0]), False),
        (None, np.array([1.0]), False),
    ],
)
def test_untouched_is_equality_with_nan_equal_to_nan(after, original, same):
    assert untouched(after, original) is same
