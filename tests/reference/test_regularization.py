"""Tests for reference.regularization (ex09)."""

from __future__ import annotations

import numpy as np
import pytest

from reference import l1_grad, l1_penalty, l2_grad, l2_penalty, numerical_gradient

W1 = np.array([[1.0, 2.0], [3.0, 4.0]])  # sum of squares 30, of absolute values 10
W2 = np.array([-1.0, 0.5])  # sum of squares 1.25, of absolute values 1.5


# --- hand-worked cases -------------------------------------------------------


@pytest.mark.parametrize(
    ("func", "weights", "lam", "expected"),
    [
        pytest.param(l2_penalty, [W1, W2], 0.1, 0.5 * 0.1 * 31.25, id="l2-two-matrices"),
        pytest.param(l2_penalty, W1, 2.0, 30.0, id="l2-single-array"),
        pytest.param(l2_penalty, [], 0.1, 0.0, id="l2-no-weights"),
        pytest.param(l1_penalty, [W1, W2], 0.1, 0.1 * 11.5, id="l1-two-matrices"),
        pytest.param(l1_penalty, (w for w in [W1]), 1.0, 10.0, id="l1-generator"),
        pytest.param(l1_penalty, [W1, W2], 0.0, 0.0, id="l1-lam-0"),
    ],
)
def test_penalty_values(func, weights, lam, expected):
    result = func(weights, lam)
    assert type(result) is float
    assert result == pytest.approx(expected, rel=1e-14)


def test_gradients_by_hand():
    np.testing.assert_array_equal(l2_grad(W2, 0.5), [-0.5, 0.25])
    np.testing.assert_array_equal(l1_grad(np.array([-3.0, 0.0, 2.0]), 0.5), [-0.5, 0.0, 0.5])
    assert l2_grad(np.array([1, 2]), 1).dtype == np.float64


# --- numerical gradients -----------------------------------------------------


def test_l2_grad_matches_numerical_gradient():
    W = np.random.default_rng(0).normal(size=(3, 4))
    numeric = numerical_gradient(lambda w: l2_penalty([w], 0.3), W.copy())
    np.testing.assert_allclose(l2_grad(W, 0.3), numeric, rtol=1e-7, atol=1e-10)


def test_l1_grad_matches_numerical_gradient_away_from_zero():
    W = np.random.default_rng(1).normal(size=(3, 4))
    W = np.where(np.abs(W) < 0.1, 0.5, W)
    numeric = numerical_gradient(lambda w: l1_penalty([w], 0.3), W.copy())
    np.testing.assert_allclose(l1_grad(W, 0.3), numeric, rtol=1e-7, atol=1e-10)


# --- inputs are not modified ---------------------------------------------------


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda w: l2_penalty([w], 0.1), id="l2_penalty"),
        pytest.param(lambda w: l2_grad(w, 0.1), id="l2_grad"),
        pytest.param(lambda w: l1_penalty([w], 0.1), id="l1_penalty"),
        pytest.param(lambda w: l1_grad(w, 0.1), id="l1_grad"),
    ],
)
def test_weights_are_not_modified(call):
    W = W1.copy()
    call(W)
    np.testing.assert_array_equal(W, W1)


# --- validation messages -------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        pytest.param(
            lambda: l2_penalty({"W1": W1}, 0.1),
            TypeError,
            r"l2_penalty expects a sequence of weight arrays such as \[W1, W2\]; got a dict\. "
            r"Pass the weights only",
            id="dict",
        ),
        pytest.param(
            lambda: l1_penalty([W1], -0.1),
            ValueError,
            r"l1_penalty expects lam >= 0 \(the penalty's strength\); got -0\.1",
            id="negative-lam",
        ),
        pytest.param(
            lambda: l2_grad(W1, "0.1"),
            TypeError,
            r"l2_grad expects lam to be a real number; got str",
            id="string-lam",
        ),
        pytest.param(
            lambda: l1_penalty(3.0, 0.1),
            TypeError,
            r"l1_penalty expects a sequence of weight arrays such as \[W1, W2\]; got float",
            id="scalar-weights",
        ),
    ],
)
def test_validation_messages(call, error, match):
    with pytest.raises(error, match=match):
        call()


# --- PyTorch cross-check -------------------------------------------------------


def test_gradients_match_pytorch_autograd():
    torch = pytest.importorskip("torch")
    W = np.random.default_rng(2).normal(size=(4, 3))
    tensor = torch.tensor(W, requires_grad=True)
    (0.5 * 0.2 * (tensor**2).sum()).backward()
    np.testing.assert_allclose(l2_grad(W, 0.2), tensor.grad.numpy(), rtol=1e-14)
    tensor.grad = None
    (0.2 * tensor.abs().sum()).backward()
    np.testing.assert_allclose(l1_grad(W, 0.2), tensor.grad.numpy(), rtol=1e-14)
