"""Tests for reference.losses (ex02)."""

from __future__ import annotations

import numpy as np
import pytest

from reference import cross_entropy_error, mean_squared_error, one_hot, softmax

# Deep Learning from Scratch, section 4.2.1: "2" is the correct class
Y_GOOD = np.array([0.1, 0.05, 0.6, 0.0, 0.05, 0.1, 0.0, 0.1, 0.0, 0.0])
Y_BAD = np.array([0.1, 0.05, 0.1, 0.0, 0.05, 0.1, 0.0, 0.6, 0.0, 0.0])
T_2 = np.array([0, 0, 1, 0, 0, 0, 0, 0, 0, 0])


# --- hand-worked cases -------------------------------------------------------


@pytest.mark.parametrize(
    ("d", "y", "expected"),
    [
        pytest.param(T_2, Y_GOOD, 0.510825457099338, id="textbook-one-hot-0.51"),
        pytest.param(T_2, Y_BAD, 2.302584092994546, id="textbook-one-hot-2.30"),
        pytest.param(np.array(2), Y_GOOD, 0.510825457099338, id="0d-label"),
        pytest.param(np.array([2]), Y_GOOD[np.newaxis], 0.510825457099338, id="batch-of-1"),
        pytest.param(
            np.array([2, 2]),
            np.stack([Y_GOOD, Y_BAD]),
            (0.510825457099338 + 2.302584092994546) / 2,
            id="batch-mean-not-sum",
        ),
    ],
)
def test_cross_entropy_error_values(d, y, expected):
    assert cross_entropy_error(d, y) == pytest.approx(expected, rel=1e-12)


def test_cross_entropy_error_returns_a_python_float():
    assert type(cross_entropy_error(T_2, Y_GOOD)) is float


def test_cross_entropy_error_one_hot_equals_labels():
    y = softmax(np.random.default_rng(0).normal(size=(6, 4)))
    labels = np.array([0, 3, 1, 1, 2, 0])
    assert cross_entropy_error(one_hot(labels, 4), y) == pytest.approx(cross_entropy_error(labels, y), rel=1e-14)


def test_cross_entropy_error_is_finite_for_a_zero_probability():
    # -log(0 + 1e-7) = 7 * log(10)
    loss = cross_entropy_error(np.array([1]), np.array([[1.0, 0.0, 0.0]]))
    assert loss == pytest.approx(7 * np.log(10), rel=1e-6)


@pytest.mark.parametrize(
    ("d", "y", "expected"),
    [
        # the textbook prints 0.0975 and 0.5975 for 0.5 * sum((y - t) ** 2);
        # the contract's mean over all 10 elements is a tenth of that
        pytest.param(T_2, Y_GOOD, 0.00975, id="textbook-good/10"),
        pytest.param(T_2, Y_BAD, 0.05975, id="textbook-bad/10"),
        pytest.param(np.zeros((2, 2)), np.array([[1.0, 0.0], [0.0, -1.0]]), 0.25, id="2x2"),
    ],
)
def test_mean_squared_error_values(d, y, expected):
    assert mean_squared_error(d, y) == pytest.approx(expected, rel=1e-12)
    assert type(mean_squared_error(d, y)) is float


def test_mean_squared_error_is_the_textbook_sum_form_divided_by_size():
    assert mean_squared_error(T_2, Y_GOOD) * Y_GOOD.size == pytest.approx(0.0975, rel=1e-12)


@pytest.mark.parametrize(
    ("labels", "num_classes", "expected"),
    [
        pytest.param([2, 0], 3, [[0, 0, 1], [1, 0, 0]], id="two-labels"),
        pytest.param([0], 1, [[1]], id="one-class"),
        pytest.param(np.array(1), 2, [0, 1], id="0d-label"),
    ],
)
def test_one_hot_values(labels, num_classes, expected):
    out = one_hot(np.asarray(labels), num_classes)
    np.testing.assert_array_equal(out, expected)
    assert out.dtype == np.float64


def test_one_hot_of_an_empty_batch():
    assert one_hot(np.array([], dtype=int), 3).shape == (0, 3)


# --- inputs are not modified ---------------------------------------------------


@pytest.mark.parametrize(
    ("func", "d"),
    [
        pytest.param(cross_entropy_error, np.array([1, 0]), id="cross_entropy_error-labels"),
        pytest.param(cross_entropy_error, np.eye(3)[[1, 0]], id="cross_entropy_error-one-hot"),
        pytest.param(mean_squared_error, np.eye(3)[[1, 0]], id="mean_squared_error"),
    ],
)
def test_inputs_are_not_modified(func, d):
    y = np.array([[0.2, 0.5, 0.3], [0.0, 0.1, 0.9]])
    d_before, y_before = d.copy(), y.copy()
    func(d, y)
    np.testing.assert_array_equal(d, d_before)
    np.testing.assert_array_equal(y, y_before)


# --- validation messages -------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        pytest.param(
            lambda: cross_entropy_error(np.array([3]), np.full((1, 3), 1 / 3)),
            ValueError,
            r"cross_entropy_error expects d in 0\.\.2 for 3 classes; got values from 3 to 3",
            id="label-out-of-range",
        ),
        pytest.param(
            lambda: cross_entropy_error(np.array([1.0, 0.0]), np.full((2, 3), 1 / 3)),
            TypeError,
            r"expects d to be integer class labels; got dtype float64.*astype\(int\)",
            id="float-labels",
        ),
        pytest.param(
            lambda: cross_entropy_error(np.array([0, 1, 2]), np.full((2, 3), 1 / 3)),
            ValueError,
            r"expects d to be one-hot of y's shape \(2, 3\) or integer labels of shape \(2,\); "
            r"got d of shape \(3,\)",
            id="labels-wrong-length",
        ),
        pytest.param(
            lambda: cross_entropy_error(np.array([0]), np.zeros((1, 2, 3))),
            ValueError,
            r"cross_entropy_error expects y of shape \(K,\) or \(N, K\); got \(1, 2, 3\)",
            id="y-3d",
        ),
        pytest.param(
            lambda: mean_squared_error(np.array([1, 0]), np.zeros((2, 3))),
            ValueError,
            r"mean_squared_error expects d and y of the same shape; got d \(2,\) and y \(2, 3\)",
            id="mse-shapes",
        ),
        pytest.param(
            lambda: one_hot(np.array([0, 3]), 3),
            ValueError,
            r"one_hot expects labels in 0\.\.2 for 3 classes",
            id="one_hot-range",
        ),
        pytest.param(
            lambda: one_hot(np.array([0, 1]), 0),
            ValueError,
            r"one_hot expects num_classes >= 1; got 0",
            id="one_hot-zero-classes",
        ),
        pytest.param(
            lambda: one_hot(np.array([[0, 1]]), 3),
            ValueError,
            r"one_hot expects labels of shape \(N,\); got \(1, 2\)",
            id="one_hot-2d",
        ),
    ],
)
def test_validation_messages(call, error, match):
    with pytest.raises(error, match=match):
        call()


# --- PyTorch cross-check -------------------------------------------------------


def test_cross_entropy_error_matches_pytorch():
    torch = pytest.importorskip("torch")
    functional = torch.nn.functional
    rng = np.random.default_rng(2)
    u = rng.normal(scale=3.0, size=(8, 5))
    labels = rng.integers(0, 5, size=8)
    y = softmax(u)
    # the same formula, 1e-7 guard included: equal to rounding
    expected = functional.nll_loss(torch.log(torch.from_numpy(y) + 1e-7), torch.from_numpy(labels)).item()
    assert cross_entropy_error(labels, y) == pytest.approx(expected, rel=1e-12)
    # PyTorch's cross_entropy has no guard: -log(p) - (-log(p + 1e-7)) < 1e-7 / p
    unguarded = functional.cross_entropy(torch.from_numpy(u), torch.from_numpy(labels)).item()
    bound = np.mean(1e-7 / y[np.arange(8), labels])
    assert 0 < unguarded - cross_entropy_error(labels, y) < bound


def test_mean_squared_error_matches_half_pytorch_mse_loss():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    d, y = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    expected = torch.nn.functional.mse_loss(torch.from_numpy(y), torch.from_numpy(d)).item() / 2
    assert mean_squared_error(d, y) == pytest.approx(expected, rel=1e-12)
