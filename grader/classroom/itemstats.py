"""Quiz item analysis: the statistics of Moodle's quiz statistics report, on response matrices.

Every function here is pure: it takes NumPy arrays built from each learner's
first full attempt and returns numbers. ``grader.classroom.report`` turns quizzes and
attempts into these arrays and the numbers into a page.

Notation (as in Moodle's "Quiz statistics calculations"): ``s`` attempts (rows),
``K`` items (columns), ``x[i, j]`` the mark of attempt ``i`` on item ``j`` out of
``max_marks[j]``, ``T[i] = sum_j x[i, j]`` the attempt's total and
``R[i, j] = T[i] - x[i, j]`` the rest of the test. Variances and covariances
divide by ``s - 1``, as Moodle's do.

Definitions (followed from Moodle's ``question/classes/statistics/questions/
calculator.php`` and ``mod/quiz/report/statistics/classes/calculator.php``)
-------------------------------------------------------------------------
facility index          mean_i x[i, j] / max_marks[j]
standard deviation      sqrt(sum_i (x[i, j] - mean_j)^2 / (s - 1)) / max_marks[j]
random guess score      the mean mark of a random response, as a fraction of the mark
discrimination index    corr(x[:, j], R[:, j]): the item-rest (corrected item-total) correlation
discriminative          cov(x[:, j], R[:, j]) / cov(sorted x[:, j], sorted R[:, j]): the
efficiency              covariance over the largest covariance the marks allow
test SD                 sqrt(sum_i (T[i] - mean T)^2 / (s - 1))
skewness, kurtosis      k3 / k2^1.5 and k4 / k2^2 with the unbiased cumulants k2, k3, k4
CIC (Cronbach's alpha)  K / (K - 1) * (1 - sum_j var(x[:, j]) / var(T))
error ratio             sqrt(1 - CIC)
standard error          error ratio * test SD

Deviations from Moodle
----------------------
- Fractions, not percentages: Moodle shows 100 times these numbers.
- A statistic that is undefined (a variance of 0, too few attempts) is NaN where
  Moodle stores null.
- Random guess score of a multiple-answer question: Moodle gives none ("pretty
  much impossible to compute"); ours are all-or-nothing, so a random non-empty
  subset of the ``n`` options scores 1 / (2^n - 1) on average, and that is shown.
- Moodle's report has no 27 % groups; the distractor analysis adds Kelley's
  upper and lower 27 % (ranked by total score, ties broken by attempt order so
  the groups have exactly ``round(0.27 * s)`` attempts each).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

RELIABLE_ATTEMPTS = 30
GROUP_FRACTION = 0.27
# Moodle flags a question whose discriminative efficiency is below 15 % (is_dubious_question).
DUBIOUS_EFFICIENCY = 0.15


@dataclass(frozen=True)
class ItemStatistics:
    """Moodle's per-question statistics, as fractions (NaN when undefined)."""

    facility: float
    sd: float
    discrimination: float
    efficiency: float


@dataclass(frozen=True)
class QuizStatistics:
    """Moodle's per-quiz statistics, in marks (NaN when undefined)."""

    attempts: int
    items: int
    max_total: float
    mean: float
    median: float
    sd: float
    skewness: float
    kurtosis: float
    cic: float
    error_ratio: float
    standard_error: float

    @property
    def reliable(self) -> bool:
        """Whether there are enough attempts (30) for the statistics to mean much."""
        return self.attempts >= RELIABLE_ATTEMPTS


@dataclass(frozen=True)
class OptionStatistics:
    """How often one option was chosen: by everyone, by the upper and the lower 27 %."""

    chosen: float
    upper: float
    lower: float


def _as_matrix(marks: NDArray[np.floating]) -> NDArray[np.float64]:
    matrix = np.asarray(marks, dtype=np.float64)
    if matrix.ndim != 2:
        raise ValueError(f"marks must be a matrix of shape (attempts, items); got shape {matrix.shape}")
    return matrix


def _max_marks(max_marks: NDArray[np.floating] | None, items: int) -> NDArray[np.float64]:
    if max_marks is None:
        return np.ones(items)
    values = np.asarray(max_marks, dtype=np.float64)
    if values.shape != (items,):
        raise ValueError(f"max_marks must have shape ({items},), one per item; got {values.shape}")
    return values


def facility(marks: NDArray[np.floating], max_marks: NDArray[np.floating] | None = None) -> NDArray[np.float64]:
    """Facility index of every item.

    Parameters
    ----------
    marks : ndarray, shape (s, K)
        Mark of attempt i on item j.
    max_marks : ndarray, shape (K,), optional
        The most each item gives (default 1: right or wrong).

    Returns
    -------
    ndarray, shape (K,)
        mean over the s attempts of marks[:, j] / max_marks[j]: 1 is easy, 0 hard.
    """
    matrix = _as_matrix(marks)
    if matrix.shape[0] == 0:
        return np.full(matrix.shape[1], np.nan)
    return matrix.mean(axis=0) / _max_marks(max_marks, matrix.shape[1])


def item_sd(marks: NDArray[np.floating], max_marks: NDArray[np.floating] | None = None) -> NDArray[np.float64]:
    """Standard deviation of every item's marks over the attempts, as a fraction of its max mark.

    Returns
    -------
    ndarray, shape (K,)
        sqrt(sum_i (x[i, j] - mean_j)^2 / (s - 1)) / max_marks[j]; NaN for s < 2.
    """
    matrix = _as_matrix(marks)
    if matrix.shape[0] < 2:
        return np.full(matrix.shape[1], np.nan)
    return matrix.std(axis=0, ddof=1) / _max_marks(max_marks, matrix.shape[1])


def _item_rest_deviations(matrix: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Each item's marks and each rest score (total minus that item), minus their means."""
    rest = matrix.sum(axis=1, keepdims=True) - matrix
    return matrix - matrix.mean(axis=0), rest - rest.mean(axis=0)


def discrimination_index(marks: NDArray[np.floating]) -> NDArray[np.float64]:
    """Correlation of every item with the rest of the test (Moodle's discrimination index / 100).

    Returns
    -------
    ndarray, shape (K,)
        cov(x_j, R_j) / sqrt(var(x_j) var(R_j)) with R_j = T - x_j, in [-1, 1];
        NaN when either variance is 0 (everyone right, say) or s < 2.
    """
    matrix = _as_matrix(marks)
    attempts, items = matrix.shape
    result = np.full(items, np.nan)
    if attempts < 2:
        return result
    item_dev, rest_dev = _item_rest_deviations(matrix)
    covariance = (item_dev * rest_dev).sum(axis=0) / (attempts - 1)
    product = (item_dev**2).sum(axis=0) * (rest_dev**2).sum(axis=0) / (attempts - 1) ** 2
    defined = product > 0
    result[defined] = covariance[defined] / np.sqrt(product[defined])
    return result


def discriminative_efficiency(marks: NDArray[np.floating]) -> NDArray[np.float64]:
    """Every item's discrimination as a share of the most its marks allow (Moodle's DE / 100).

    Returns
    -------
    ndarray, shape (K,)
        cov(x_j, R_j) / cov(sort(x_j), sort(R_j)): the covariance over the one
        obtained by pairing the lowest item marks with the lowest rest scores.
        NaN when that maximum is 0 or s < 2.
    """
    matrix = _as_matrix(marks)
    attempts, items = matrix.shape
    result = np.full(items, np.nan)
    if attempts < 2:
        return result
    item_dev, rest_dev = _item_rest_deviations(matrix)
    covariance = (item_dev * rest_dev).sum(axis=0)
    largest = (np.sort(item_dev, axis=0) * np.sort(rest_dev, axis=0)).sum(axis=0)
    defined = largest != 0
    result[defined] = covariance[defined] / largest[defined]
    return result


def item_statistics(marks: NDArray[np.floating], max_marks: NDArray[np.floating] | None = None) -> list[ItemStatistics]:
    """Facility, SD, discrimination index and discriminative efficiency of every item."""
    columns = zip(
        facility(marks, max_marks),
        item_sd(marks, max_marks),
        discrimination_index(marks),
        discriminative_efficiency(marks),
        strict=True,
    )
    return [ItemStatistics(*(float(value) for value in column)) for column in columns]


def random_guess_score(kind: str, options: int, correct: int = 1) -> float:
    """The mean mark, as a fraction, of a response chosen at random.

    Parameters
    ----------
    kind : str
        ``single``, ``multiple`` (all-or-nothing: every right option and no
        other) or ``numeric``.
    options : int
        Number of options shown.
    correct : int
        Number of right options (only ``multiple`` uses it: any count gives 1 subset).

    Returns
    -------
    float
        1 / options for ``single`` (Moodle's value); 1 / (2^options - 1) for
        ``multiple``, a uniformly random non-empty subset (Moodle gives none);
        0 for ``numeric`` (Moodle's value for a numerical question without a
        ``*`` answer). NaN for a question without options.
    """
    if kind not in ("single", "multiple", "numeric"):
        raise ValueError(f"unknown question kind {kind!r}; expected single, multiple or numeric")
    if kind == "numeric":
        return 0.0
    if options < 1 or correct < 1:
        return math.nan
    if kind == "single":
        return 1.0 / options
    return 1.0 / (2**options - 1)


def _skewness_kurtosis(totals: NDArray[np.float64]) -> tuple[float, float]:
    """Moodle's skewness k3 / k2^1.5 (s > 2) and kurtosis k4 / k2^2 (s > 3), NaN otherwise."""
    s = totals.size
    if s < 3:
        return math.nan, math.nan
    deviation = totals - totals.mean()
    m2, m3, m4 = (float((deviation**power).sum()) / s for power in (2, 3, 4))
    k2 = s * m2 / (s - 1)
    if k2 == 0:
        return math.nan, math.nan
    k3 = s * s * m3 / ((s - 1) * (s - 2))
    skewness = k3 / k2**1.5
    if s < 4:
        return skewness, math.nan
    k4 = s * s * ((s + 1) * m4 - 3 * (s - 1) * m2 * m2) / ((s - 1) * (s - 2) * (s - 3))
    return skewness, k4 / (k2 * k2)


def cronbach_alpha(marks: NDArray[np.floating]) -> float:
    """Moodle's coefficient of internal consistency (CIC) / 100, i.e. Cronbach's alpha.

    Returns
    -------
    float
        K / (K - 1) * (1 - sum_j var(x_j) / var(T)), variances over s - 1;
        NaN for K < 2, s < 2 or var(T) = 0. Can be negative.
    """
    matrix = _as_matrix(marks)
    attempts, items = matrix.shape
    if items < 2 or attempts < 2:
        return math.nan
    total_variance = float(matrix.sum(axis=1).var(ddof=1))
    if total_variance == 0:
        return math.nan
    return items / (items - 1) * (1 - float(matrix.var(axis=0, ddof=1).sum()) / total_variance)


def kr20(correct: NDArray[np.floating]) -> float:
    """Kuder-Richardson formula 20 for right/wrong items.

    Parameters
    ----------
    correct : ndarray, shape (s, K) of 0 and 1
        1 where attempt i answered item j right.

    Returns
    -------
    float
        K / (K - 1) * (1 - sum_j p_j (1 - p_j) / var(T)) with p_j the facility and
        var(T) over s (population variance, as the formula has it). Equal to
        ``cronbach_alpha`` for 0/1 marks; NaN where alpha is.
    """
    matrix = _as_matrix(correct)
    if not np.isin(matrix, (0.0, 1.0)).all():
        raise ValueError("KR-20 needs marks of 0 and 1; use cronbach_alpha for partial marks")
    attempts, items = matrix.shape
    if items < 2 or attempts < 2:
        return math.nan
    total_variance = float(matrix.sum(axis=1).var(ddof=0))
    if total_variance == 0:
        return math.nan
    p = matrix.mean(axis=0)
    return items / (items - 1) * (1 - float((p * (1 - p)).sum()) / total_variance)


def quiz_statistics(marks: NDArray[np.floating], max_marks: NDArray[np.floating] | None = None) -> QuizStatistics:
    """Moodle's statistics of the whole quiz: mean, median, SD, skewness, kurtosis, CIC, ER, SE.

    Parameters
    ----------
    marks : ndarray, shape (s, K)
        One row per first attempt.
    max_marks : ndarray, shape (K,), optional
        The most each item gives (default 1).

    Returns
    -------
    QuizStatistics
        Mean, median, SD and standard error in marks (divide by ``max_total``
        for Moodle's percentages); CIC and error ratio as fractions.
    """
    matrix = _as_matrix(marks)
    attempts, items = matrix.shape
    max_total = float(_max_marks(max_marks, items).sum())
    totals = matrix.sum(axis=1)
    mean = float(totals.mean()) if attempts else math.nan
    median = float(np.median(totals)) if attempts else math.nan
    sd = float(totals.std(ddof=1)) if attempts > 1 else math.nan
    skewness, kurtosis = _skewness_kurtosis(totals)
    cic = cronbach_alpha(matrix)
    error_ratio = math.sqrt(1 - cic) if not math.isnan(cic) else math.nan
    standard_error = error_ratio * sd if not math.isnan(error_ratio) else math.nan
    return QuizStatistics(
        attempts=attempts,
        items=items,
        max_total=max_total,
        mean=mean,
        median=median,
        sd=sd,
        skewness=skewness,
        kurtosis=kurtosis,
        cic=cic,
        error_ratio=error_ratio,
        standard_error=standard_error,
    )


def extreme_groups(
    totals: NDArray[np.floating], fraction: float = GROUP_FRACTION
) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """The upper and lower ``fraction`` of the attempts by total score (Kelley's 27 %).

    Parameters
    ----------
    totals : ndarray, shape (s,)
        Total score of each attempt.
    fraction : float
        Share of the attempts in each group.

    Returns
    -------
    upper, lower : ndarray of int
        Row indices, ``max(1, round(fraction * s))`` each (none when s < 2).
        Ties at a group's edge are broken by attempt order (the earlier row is
        ranked higher), so the groups are deterministic and never overlap.
    """
    values = np.asarray(totals, dtype=np.float64)
    count = values.size
    if count < 2:
        return np.array([], dtype=np.intp), np.array([], dtype=np.intp)
    size = min(max(1, round(fraction * count)), count // 2)
    # stable sort on -total: highest first, earlier rows first among equals
    ranked = np.argsort(-values, kind="stable")
    return np.sort(ranked[:size]), np.sort(ranked[-size:])


def option_statistics(
    chosen: NDArray[np.bool_], upper: NDArray[np.intp], lower: NDArray[np.intp]
) -> list[OptionStatistics]:
    """The share of attempts that chose each option: all, upper group, lower group.

    Parameters
    ----------
    chosen : ndarray of bool, shape (s, n)
        True where attempt i chose option k (several per row for a multiple-answer question).
    upper, lower : ndarray of int
        Row indices of the two groups (``extreme_groups``).

    Returns
    -------
    list of OptionStatistics
        One per option; NaN shares for an empty group.
    """
    matrix = np.asarray(chosen, dtype=bool)
    if matrix.ndim != 2:
        raise ValueError(f"chosen must have shape (attempts, options); got {matrix.shape}")

    def share(rows: NDArray[np.bool_]) -> NDArray[np.float64]:
        if rows.shape[0] == 0:
            return np.full(matrix.shape[1], np.nan)
        return rows.mean(axis=0)

    everyone, top, bottom = share(matrix), share(matrix[upper]), share(matrix[lower])
    return [OptionStatistics(float(a), float(b), float(c)) for a, b, c in zip(everyone, top, bottom, strict=True)]


def group_difference(correct: NDArray[np.floating], upper: NDArray[np.intp], lower: NDArray[np.intp]) -> float:
    """Share right in the upper group minus share right in the lower group (the classic D index)."""
    values = np.asarray(correct, dtype=np.float64)
    if upper.size == 0 or lower.size == 0:
        return math.nan
    return float(values[upper].mean() - values[lower].mean())
