"""Tests for reference.activations (ex01 activations, ex02 softmax)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from reference import identity_function, relu, sigmoid, softmax, step_function

RTOL = 1e-7


# --- hand-worked cases -------------------------------------------------------


@pytest.mark.parametrize(
    ("x", "expected"),
    [
        pytest.param([-1.0, 1.0, 2.0], [0, 1, 1], id="textbook-[-1,1,2]"),
        pytest.param([-0.5, 0.0, 0.5], [0, 0, 1], id="zero-maps-to-0"),
        pytest.param([[3, -3], [0, 7]], [[1, 0], [0, 1]], id="int-2d"),
    ],
)
def test_step_function_values(x, expected):
    out = step_function(np.array(x))
    np.testing.assert_array_equal(out, expected)
    assert out.dtype.kind == "i"


def test_step_function_scalar_gives_0d_int_array():
    out = step_function(3.0)
    assert isinstance(out, np.ndarray)
    assert out.shape == ()
    assert out.dtype.kind == "i"
    assert out == 1


@pytest.mark.parametrize(
    ("x", "expected"),
    [
        # Deep Learning from Scratch, section 3.2.4
        pytest.param([-1.0, 1.0, 2.0], [0.26894142, 0.73105858, 0.88079708], id="textbook"),
        pytest.param([0.0], [0.5], id="zero"),
        pytest.param([np.log(3.0)], [0.75], id="log3"),
        pytest.param([-np.log(3.0)], [0.25], id="minus-log3"),
    ],
)
def test_sigmoid_values(x, expected):
    np.testing.assert_allclose(sigmoid(np.array(x)), expected, rtol=1e-7)


def test_sigmoid_is_finite_for_extreme_inputs_without_warnings():
    x = np.array([-1000.0, -710.0, 0.0, 710.0, 1000.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            out = sigmoid(x)
    assert np.all(np.isfinite(out))
    np.testing.assert_allclose(out[[0, 2, 4]], [0.0, 0.5, 1.0], atol=1e-300)


def test_sigmoid_matches_the_plain_formula_where_that_is_safe():
    x = np.linspace(-30, 30, 121)
    np.testing.assert_allclose(sigmoid(x), 1 / (1 + np.exp(-x)), rtol=1e-14)


def test_sigmoid_of_ints_is_float64():
    assert sigmoid(np.array([0, 1])).dtype == np.float64


@pytest.mark.parametrize(
    ("x", "expected"),
    [
        pytest.param([-1.0, 0.0, 2.5], [0.0, 0.0, 2.5], id="mixed"),
        pytest.param([[-3, 4]], [[0.0, 4.0]], id="int-2d"),
    ],
)
def test_relu_values(x, expected):
    np.testing.assert_array_equal(relu(np.array(x)), expected)


def test_identity_function_returns_its_argument():
    x = np.array([1.0, -2.0])
    assert identity_function(x) is x


@pytest.mark.parametrize(
    ("x", "expected"),
    [
        # Deep Learning from Scratch, section 3.5.1
        pytest.param([0.3, 2.9, 4.0], [0.01821127, 0.24519181, 0.73659691], id="textbook"),
        # section 3.5.2: would overflow without subtracting the maximum
        pytest.param(
            [1010.0, 1000.0, 990.0],
            [9.99954600e-01, 4.53978686e-05, 2.06106005e-09],
            id="textbook-large",
        ),
        pytest.param([0.0, 0.0], [0.5, 0.5], id="uniform"),
    ],
)
def test_softmax_values(x, expected):
    np.testing.assert_allclose(softmax(np.array(x)), expected, rtol=1e-6)


def test_softmax_contract_large_input_is_finite_without_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = softmax(np.array([1000.0, 1010.0, 990.0]))
    assert np.all(np.isfinite(out))
    assert out.sum() == pytest.approx(1.0, rel=1e-12)


def test_softmax_rows_sum_to_one_for_a_4x7_batch():
    x = np.random.default_rng(0).normal(scale=5.0, size=(4, 7))
    out = softmax(x)
    assert out.shape == (4, 7)
    np.testing.assert_allclose(out.sum(axis=1), np.ones(4), rtol=1e-12)
    # each row is the softmax of that row alone
    for row_in, row_out in zip(x, out, strict=True):
        np.testing.assert_allclose(softmax(row_in), row_out, rtol=1e-12)


def test_softmax_is_shift_invariant():
    x = np.array([[0.1, -2.0, 3.0]])
    np.testing.assert_allclose(softmax(x + 100.0), softmax(x), rtol=1e-12)


# --- inputs are not modified ---------------------------------------------------


@pytest.mark.parametrize(
    "func",
    [step_function, sigmoid, relu, softmax],
    ids=["step_function", "sigmoid", "relu", "softmax"],
)
def test_inputs_are_not_modified(func):
    x = np.array([[-1.5, 0.0, 2.0], [1000.0, -1000.0, 3.0]])
    before = x.copy()
    func(x)
    np.testing.assert_array_equal(x, before)


def test_relu_returns_a_new_array():
    x = np.array([1.0, 2.0])
    out = relu(x)
    out[0] = 99.0
    assert x[0] == 1.0


# --- validation messages -------------------------------------------------------


@pytest.mark.parametrize(
    ("func", "x", "error", "match"),
    [
        pytest.param(
            softmax,
            np.zeros((2, 3, 4)),
            ValueError,
            r"softmax expects x of shape \(K,\) or \(N, K\); got \(2, 3, 4\)",
            id="softmax-3d",
        ),
        pytest.param(
            softmax,
            np.zeros((2, 0)),
            ValueError,
            r"at least one class",
            id="softmax-no-class",
        ),
        pytest.param(
            sigmoid,
            np.array(["a"]),
            TypeError,
            r"sigmoid expects x to hold real numbers",
            id="sigmoid-strings",
        ),
        pytest.param(
            relu,
            np.array([1j]),
            TypeError,
            r"relu expects x to hold real numbers",
            id="relu-complex",
        ),
    ],
)
def test_validation_messages(func, x, error, match):
    with pytest.raises(error, match=match):
        func(x)


# --- PyTorch cross-check -------------------------------------------------------


def test_softmax_and_sigmoid_match_pytorch():
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(1).normal(scale=10.0, size=(5, 6))
    np.testing.assert_allclose(softmax(x), torch.softmax(torch.from_numpy(x), dim=1).numpy(), rtol=RTOL, atol=1e-15)
    np.testing.assert_allclose(sigmoid(x), torch.sigmoid(torch.from_numpy(x)).numpy(), rtol=RTOL, atol=1e-15)
