"""Tests for reference.gradient (ex06).

The other test modules use numerical_gradient as their numerical oracle, so
its hand-worked checks here matter.
"""

from __future__ import annotations

import numpy as np
import pytest

from reference import numerical_diff, numerical_gradient


def function_1(x):
    """Deep Learning from Scratch, section 4.3.2."""
    return 0.01 * x**2 + 0.1 * x


def function_2(x):
    """Deep Learning from Scratch, section 4.3.3: x0 ** 2 + x1 ** 2."""
    return np.sum(x**2)


# --- hand-worked cases -------------------------------------------------------


@pytest.mark.parametrize(
    ("x", "exact", "printed"),
    [
        # the textbook prints 0.1999999999990898 and 0.2999999999986347
        pytest.param(5.0, 0.2, 0.1999999999990898, id="textbook-at-5"),
        pytest.param(10.0, 0.3, 0.2999999999986347, id="textbook-at-10"),
    ],
)
def test_numerical_diff_textbook(x, exact, printed):
    result = numerical_diff(function_1, x)
    assert type(result) is float
    assert result == pytest.approx(exact, rel=1e-9)
    assert result == pytest.approx(printed, rel=1e-12)


def test_numerical_diff_of_a_cubic_is_exact_up_to_h_squared():
    # (f(x+h) - f(x-h)) / 2h = 3x^2 + h^2 for f = x^3
    assert numerical_diff(lambda x: x**3, 2.0) == pytest.approx(12.0 + 1e-8, rel=1e-9)


@pytest.mark.parametrize(
    ("point", "expected"),
    [
        pytest.param([3.0, 4.0], [6.0, 8.0], id="textbook-(3,4)"),
        pytest.param([0.0, 2.0], [0.0, 4.0], id="textbook-(0,2)"),
        pytest.param([3.0, 0.0], [6.0, 0.0], id="textbook-(3,0)"),
    ],
)
def test_numerical_gradient_textbook(point, expected):
    grad = numerical_gradient(function_2, np.array(point))
    np.testing.assert_allclose(grad, expected, rtol=1e-9, atol=1e-9)


def test_numerical_gradient_of_a_2d_linear_function_is_its_coefficients():
    coefficients = np.arange(6.0).reshape(2, 3) - 2.5
    grad = numerical_gradient(lambda w: np.sum(coefficients * w), np.ones((2, 3)))
    assert grad.shape == (2, 3)
    assert grad.dtype == np.float64
    np.testing.assert_allclose(grad, coefficients, rtol=1e-9, atol=1e-9)


def test_numerical_gradient_of_a_0d_array():
    grad = numerical_gradient(lambda v: float(v) ** 2, np.array(3.0))
    assert grad.shape == ()
    assert float(grad) == pytest.approx(6.0, rel=1e-9)


def test_numerical_gradient_calls_f_twice_per_element():
    calls = []
    numerical_gradient(lambda v: calls.append(1) or 0.0, np.zeros((2, 3)))
    assert len(calls) == 12


# --- x is perturbed in place and restored --------------------------------------


def test_numerical_gradient_perturbs_x_itself_for_the_textbook_closure_idiom():
    # f ignores its argument and reads W, as in `f = lambda w: net.loss(x, t)`
    W = np.array([[1.0, -2.0], [0.5, 3.0]])
    grad = numerical_gradient(lambda _: np.sum(W**2), W)
    np.testing.assert_allclose(grad, 2 * W, rtol=1e-9)


def test_numerical_gradient_restores_x_exactly():
    x = np.random.default_rng(0).normal(size=(3, 4))
    before = x.copy()
    numerical_gradient(function_2, x)
    np.testing.assert_array_equal(x, before)


def test_numerical_gradient_restores_x_when_f_raises():
    x = np.array([1.0, 2.0])

    def failing(_):
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        numerical_gradient(failing, x)
    np.testing.assert_array_equal(x, [1.0, 2.0])


# --- validation messages -------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        pytest.param(
            lambda: numerical_gradient(function_2, np.array([3, 4])),
            TypeError,
            r"numerical_gradient expects a float ndarray x .*got dtype int64\. Pass x\.astype\(float\)",
            id="int-array",
        ),
        pytest.param(
            lambda: numerical_gradient(function_2, [3.0, 4.0]),
            TypeError,
            r"numerical_gradient expects x to be an ndarray .*got list",
            id="list",
        ),
        pytest.param(
            lambda: numerical_gradient(lambda v: v * 2, np.ones(2)),
            ValueError,
            r"numerical_gradient expects f to return a scalar; got an array of shape \(2,\)",
            id="f-returns-array",
        ),
        pytest.param(
            lambda: numerical_gradient(lambda v: None, np.ones(2)),
            TypeError,
            r"numerical_gradient expects f to return a number; got NoneType",
            id="f-returns-None",
        ),
        pytest.param(
            lambda: numerical_gradient("f", np.ones(2)),
            TypeError,
            r"numerical_gradient expects f to be a function; got str",
            id="f-not-callable",
        ),
        pytest.param(
            lambda: numerical_diff(function_1, np.array([1.0, 2.0])),
            TypeError,
            r"numerical_diff expects a scalar x; got an array of shape \(2,\)\. "
            r"Use numerical_gradient",
            id="diff-array",
        ),
    ],
)
def test_validation_messages(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_numerical_gradient_rejects_a_read_only_array():
    x = np.ones(2)
    x.flags.writeable = False
    with pytest.raises(ValueError, match=r"x is read-only; pass x\.copy\(\)"):
        numerical_gradient(function_2, x)


# --- PyTorch cross-check -------------------------------------------------------


def test_numerical_gradient_matches_pytorch_autograd():
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(1).normal(size=(3, 4))
    tensor = torch.tensor(x, requires_grad=True)
    (torch.logsumexp(tensor, dim=1) * torch.arange(1.0, 4.0, dtype=torch.float64)).sum().backward()

    def f(v):
        row_max = v.max(axis=1)
        lse = row_max + np.log(np.exp(v - row_max[:, None]).sum(axis=1))
        return np.sum(lse * np.arange(1.0, 4.0))

    np.testing.assert_allclose(numerical_gradient(f, x), tensor.grad.numpy(), rtol=1e-7, atol=1e-9)
