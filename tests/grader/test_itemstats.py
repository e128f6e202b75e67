"""Quiz item statistics against values worked out by hand, and against independent formulas.

The hand-worked matrix (5 attempts, 3 right/wrong items)::

    attempt  item1 item2 item3   total T
       0       1     1     1       3
       1       1     1     0       2
       2       1     0     0       1
       3       0     1     0       1
       4       0     0     0       0

mean T = 7/5 = 1.4; deviations of T: 1.6, 0.6, -0.4, -0.4, -1.4;
sum of squares 5.2, so var(T) = 5.2 / 4 = 1.3 (Moodle divides by s - 1).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from grader.classroom import itemstats

HAND = np.array(
    [
        [1, 1, 1],
        [1, 1, 0],
        [1, 0, 0],
        [0, 1, 0],
        [0, 0, 0],
    ],
    dtype=np.float64,
)
EXACT = 1e-12


def test_facility_is_the_share_right():
    # item1: 3 of 5 right, item2: 3 of 5, item3: 1 of 5
    np.testing.assert_allclose(itemstats.facility(HAND), [0.6, 0.6, 0.2], rtol=0, atol=EXACT)


def test_facility_with_partial_marks_divides_by_the_max_mark():
    marks = np.array([[2.0], [1.0], [0.0], [1.0]])
    # mean 1.0 out of 2
    np.testing.assert_allclose(itemstats.facility(marks, np.array([2.0])), [0.5], atol=EXACT)


def test_item_sd_is_the_sample_sd():
    # item1: deviations 0.4 (x3), -0.6 (x2): squares 0.48 + 0.72 = 1.2, / 4 = 0.3
    # item3: deviations 0.8, -0.2 (x4): squares 0.64 + 0.16 = 0.8, / 4 = 0.2
    np.testing.assert_allclose(
        itemstats.item_sd(HAND), [math.sqrt(0.3), math.sqrt(0.3), math.sqrt(0.2)], rtol=0, atol=EXACT
    )


def test_item_sd_of_a_two_mark_item_is_a_share_of_its_mark():
    marks = np.array([[2.0], [0.0]])
    # values 2, 0: mean 1, squares 1 + 1 = 2, / 1 = 2, sd sqrt(2), / 2
    np.testing.assert_allclose(itemstats.item_sd(marks, np.array([2.0])), [math.sqrt(2) / 2], atol=EXACT)


def test_discrimination_index_is_the_item_rest_correlation():
    # item1: x = 1 1 1 0 0, rest R = T - x = 2 1 0 1 0 (mean 0.8)
    #   sum dx*dR = 0.48 + 0.08 - 0.32 - 0.12 + 0.48 = 0.6; sum dx^2 = 1.2; sum dR^2 = 2.8
    #   r = 0.6 / sqrt(1.2 * 2.8) = 0.6 / sqrt(3.36)
    # item2: x = 1 1 0 1 0, R = 2 1 1 0 0: the same sums
    # item3: x = 1 0 0 0 0, R = 2 2 1 1 0 (mean 1.2)
    #   sum dx*dR = 0.64 - 0.16 + 0.04 + 0.04 + 0.24 = 0.8; sum dx^2 = 0.8; sum dR^2 = 2.8
    #   r = 0.8 / sqrt(0.8 * 2.8) = 0.8 / sqrt(2.24)
    expected = [0.6 / math.sqrt(3.36), 0.6 / math.sqrt(3.36), 0.8 / math.sqrt(2.24)]
    np.testing.assert_allclose(itemstats.discrimination_index(HAND), expected, rtol=0, atol=EXACT)
    assert expected[0] == pytest.approx(0.3273268354, abs=1e-9)
    assert expected[2] == pytest.approx(0.5345224838, abs=1e-9)


def test_discriminative_efficiency_divides_by_the_sorted_covariance():
    # item1: sorted x 0 0 1 1 1 (dev -0.6 -0.6 0.4 0.4 0.4), sorted R 0 0 1 1 2 (dev -0.8 -0.8 0.2 0.2 1.2)
    #   largest sum = 0.48 + 0.48 + 0.08 + 0.08 + 0.48 = 1.6; DE = 0.6 / 1.6 = 0.375
    # item3: sorted x 0 0 0 0 1, sorted R 0 1 1 2 2: largest sum = 0.24 + 0.04 + 0.04 - 0.16 + 0.64 = 0.8;
    #   DE = 0.8 / 0.8 = 1: item3 is as discriminating as a question this hard can be
    np.testing.assert_allclose(itemstats.discriminative_efficiency(HAND), [0.375, 0.375, 1.0], rtol=0, atol=EXACT)


def test_quiz_statistics_by_hand():
    stats = itemstats.quiz_statistics(HAND)
    assert stats.attempts == 5
    assert stats.items == 3
    assert stats.max_total == 3.0
    assert stats.mean == pytest.approx(1.4, abs=EXACT)
    assert stats.median == 1.0
    assert stats.sd == pytest.approx(math.sqrt(1.3), abs=EXACT)
    # m3 = (4.096 + 0.216 - 0.064 - 0.064 - 2.744) / 5 = 0.288; k2 = 1.3; k3 = 25 * 0.288 / (4 * 3) = 0.6
    assert stats.skewness == pytest.approx(0.6 / 1.3**1.5, abs=EXACT)
    # m2 = 1.04, m4 = 10.576 / 5 = 2.1152; k4 = 25 * (6 * 2.1152 - 3 * 4 * 1.04^2) / (4 * 3 * 2) = -0.3
    assert stats.kurtosis == pytest.approx(-0.3 / 1.3**2, abs=EXACT)
    # alpha = 3/2 * (1 - (0.3 + 0.3 + 0.2) / 1.3) = 15/26
    assert stats.cic == pytest.approx(15 / 26, abs=EXACT)
    # error ratio sqrt(1 - 15/26) = sqrt(11/26); standard error = sqrt(11/26) * sqrt(1.3) = sqrt(0.55)
    assert stats.error_ratio == pytest.approx(math.sqrt(11 / 26), abs=EXACT)
    assert stats.standard_error == pytest.approx(math.sqrt(0.55), abs=EXACT)
    assert not stats.reliable


def test_kr20_by_hand_equals_alpha():
    # p = 0.6 0.6 0.2, sum pq = 0.24 + 0.24 + 0.16 = 0.64; population var(T) = 5.2 / 5 = 1.04
    # KR-20 = 3/2 * (1 - 0.64 / 1.04) = 0.6 / 1.04 = 15/26
    assert itemstats.kr20(HAND) == pytest.approx(15 / 26, abs=EXACT)
    assert itemstats.cronbach_alpha(HAND) == pytest.approx(15 / 26, abs=EXACT)


def test_kr20_refuses_partial_marks():
    with pytest.raises(ValueError, match="0 and 1"):
        itemstats.kr20(np.array([[0.5, 1.0], [1.0, 0.0]]))


def test_alpha_can_be_negative_and_then_the_error_ratio_exceeds_one():
    # two items that disagree perfectly: var(T) = 0 -> undefined; three rows with an anti-correlated pair
    marks = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    # item variances 1/3 each; totals 1 1 2 -> var 1/3; alpha = 2 * (1 - (2/3) / (1/3)) = -2
    stats = itemstats.quiz_statistics(marks)
    assert stats.cic == pytest.approx(-2.0, abs=EXACT)
    assert stats.error_ratio == pytest.approx(math.sqrt(3.0), abs=EXACT)


@pytest.mark.parametrize(
    ("kind", "options", "correct", "expected"),
    [
        pytest.param("single", 4, 1, 0.25, id="one-of-four"),
        pytest.param("single", 2, 1, 0.5, id="true-false"),
        pytest.param("multiple", 4, 2, 1 / 15, id="select-all-of-four"),
        pytest.param("multiple", 3, 3, 1 / 7, id="select-all-of-three"),
        pytest.param("numeric", 0, 0, 0.0, id="numeric"),
    ],
)
def test_random_guess_score(kind, options, correct, expected):
    assert itemstats.random_guess_score(kind, options, correct) == pytest.approx(expected, abs=EXACT)


def test_random_guess_score_of_an_unknown_kind_is_an_error():
    with pytest.raises(ValueError, match="unknown question kind"):
        itemstats.random_guess_score("essay", 0)


def test_a_question_everybody_answered_right_has_no_discrimination():
    marks = np.array([[1.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    assert math.isnan(itemstats.discrimination_index(marks)[0])
    assert math.isnan(itemstats.discriminative_efficiency(marks)[0])
    assert itemstats.facility(marks)[0] == 1.0


@pytest.mark.parametrize("rows", [0, 1], ids=["no-attempt", "one-attempt"])
def test_too_few_attempts_give_nan_not_an_error(rows):
    marks = np.ones((rows, 3))
    stats = itemstats.quiz_statistics(marks)
    assert stats.attempts == rows
    for value in (stats.sd, stats.skewness, stats.kurtosis, stats.cic, stats.error_ratio, stats.standard_error):
        assert math.isnan(value)
    assert all(math.isnan(value) for value in itemstats.discrimination_index(marks))
    assert all(math.isnan(value) for value in itemstats.item_sd(marks))


def test_a_one_question_quiz_has_no_internal_consistency():
    assert math.isnan(itemstats.cronbach_alpha(np.array([[1.0], [0.0], [1.0]])))


def test_matrices_must_be_two_dimensional():
    with pytest.raises(ValueError, match=r"shape \(attempts, items\)"):
        itemstats.facility(np.array([1.0, 0.0]))


# --- independent oracles on random matrices -------------------------------------------------------


@pytest.fixture
def random_marks() -> np.ndarray:
    rng = np.random.default_rng(20240611)
    ability = rng.normal(size=(60, 1))
    difficulty = rng.normal(size=(1, 8))
    return (rng.random((60, 8)) < 1 / (1 + np.exp(difficulty - ability))).astype(np.float64)


def test_discrimination_matches_numpy_corrcoef(random_marks):
    totals = random_marks.sum(axis=1)
    expected = [np.corrcoef(random_marks[:, j], totals - random_marks[:, j])[0, 1] for j in range(8)]
    np.testing.assert_allclose(itemstats.discrimination_index(random_marks), expected, rtol=1e-12)


def test_alpha_matches_the_covariance_matrix_form(random_marks):
    # alpha = K/(K-1) * (1 - trace(C) / sum(C)) with C the item covariance matrix
    covariance = np.cov(random_marks, rowvar=False)
    items = random_marks.shape[1]
    expected = items / (items - 1) * (1 - np.trace(covariance) / covariance.sum())
    assert itemstats.cronbach_alpha(random_marks) == pytest.approx(expected, rel=1e-12)
    assert itemstats.kr20(random_marks) == pytest.approx(expected, rel=1e-12)


def test_efficiency_is_at_most_one_and_has_the_sign_of_the_discrimination(random_marks):
    efficiency = itemstats.discriminative_efficiency(random_marks)
    discrimination = itemstats.discrimination_index(random_marks)
    assert np.all(efficiency <= 1 + 1e-12)
    assert np.all(np.sign(efficiency) == np.sign(discrimination))


def test_reliable_from_thirty_attempts():
    assert not itemstats.quiz_statistics(np.ones((29, 2))).reliable
    assert itemstats.quiz_statistics(np.ones((30, 2))).reliable


# --- upper and lower 27 % -----------------------------------------------------------------------------


def test_extreme_groups_take_27_percent_from_each_end():
    totals = np.arange(10.0)  # 0..9: round(2.7) = 3 per group
    upper, lower = itemstats.extreme_groups(totals)
    assert upper.tolist() == [7, 8, 9]
    assert lower.tolist() == [0, 1, 2]


def test_extreme_groups_break_ties_by_attempt_order():
    totals = np.array([2.0, 2.0, 1.0, 2.0, 0.0])  # round(1.35) = 1
    upper, lower = itemstats.extreme_groups(totals)
    assert upper.tolist() == [0]  # the first of the three 2s
    assert lower.tolist() == [4]


def test_extreme_groups_never_overlap():
    upper, lower = itemstats.extreme_groups(np.array([1.0, 0.0]))
    assert upper.tolist() == [0]
    assert lower.tolist() == [1]
    upper, lower = itemstats.extreme_groups(np.array([1.0]))
    assert upper.size == 0
    assert lower.size == 0


def test_option_statistics_by_hand():
    # 5 attempts of a 3-option question; upper group rows 0 and 1, lower rows 3 and 4
    chosen = np.array(
        [
            [True, False, False],
            [True, False, False],
            [False, True, False],
            [False, True, False],
            [False, False, True],
        ]
    )
    stats = itemstats.option_statistics(chosen, np.array([0, 1]), np.array([3, 4]))
    assert [round(option.chosen, 12) for option in stats] == [0.4, 0.4, 0.2]
    assert [option.upper for option in stats] == [1.0, 0.0, 0.0]
    assert [option.lower for option in stats] == [0.0, 0.5, 0.5]


def test_group_difference_by_hand():
    upper, lower = itemstats.extreme_groups(HAND.sum(axis=1))  # rows 0 (T=3) and 4 (T=0)
    assert itemstats.group_difference(HAND[:, 0], upper, lower) == 1.0
    assert itemstats.group_difference(HAND[:, 2], upper, lower) == 1.0
    assert math.isnan(itemstats.group_difference(np.array([1.0]), np.array([], dtype=int), np.array([], dtype=int)))
