"""Tests for reference.conv (ex08).

Numerical oracle: reference.numerical_gradient (checked by hand in
test_gradient.py) on f = sum(layer.forward(x) * dout) for a random dout.
"""

from __future__ import annotations

import numpy as np
import pytest

from reference import Convolution, Pooling, numerical_gradient

NUMERIC = {"rtol": 1e-6, "atol": 1e-8}

# (x_shape, W_shape, stride, pad)
CONV_CONFIGS = [
    pytest.param((2, 3, 5, 5), (4, 3, 3, 3), 2, 1, id="C3-FN4-f3-stride2-pad1"),
    pytest.param((1, 2, 6, 5), (3, 2, 2, 3), 1, 0, id="C2-FN3-f2x3"),
    pytest.param((2, 1, 4, 4), (2, 1, 1, 1), 1, 0, id="1x1-filter"),
]

# (x_shape, pool_h, pool_w, stride, pad)
POOL_CONFIGS = [
    pytest.param((2, 3, 4, 4), 2, 2, 2, 0, id="2x2-stride2"),
    pytest.param((1, 2, 5, 5), 3, 3, 2, 0, id="3x3-stride2-overlapping"),
    pytest.param((2, 2, 4, 5), 2, 3, 1, 1, id="2x3-stride1-pad1"),
]


def generator() -> np.random.Generator:
    return np.random.default_rng(77)


def distinct_positive(shape, g):
    """Values 0.1, 0.2, ... in random order: no ties, so a maximum stays the
    maximum under a +-1e-4 perturbation, and never below the zero padding."""
    return (g.permutation(int(np.prod(shape))) + 1.0).reshape(shape) * 0.1


# --- Convolution: hand-worked ------------------------------------------------


def test_convolution_by_hand():
    x = np.arange(9.0).reshape(1, 1, 3, 3)  # [[0 1 2] [3 4 5] [6 7 8]]
    layer = Convolution(np.ones((1, 1, 2, 2)), np.array([1.0]))
    # each output is the sum of a 2x2 window, plus 1
    np.testing.assert_array_equal(layer.forward(x), [[[[9.0, 13.0], [21.0, 25.0]]]])
    dx = layer.backward(np.ones((1, 1, 2, 2)))
    # dx counts the windows covering each pixel; dW[fy, fx] sums x over the
    # pixels tap (fy, fx) touched; db counts the outputs
    np.testing.assert_array_equal(dx[0, 0], [[1, 2, 1], [2, 4, 2], [1, 2, 1]])
    np.testing.assert_array_equal(layer.dW[0, 0], [[8, 12], [20, 24]])
    np.testing.assert_array_equal(layer.db, [4.0])


def test_convolution_sums_over_channels_and_keeps_filters_apart():
    x = np.stack([np.ones((3, 3)), 2 * np.ones((3, 3))])[np.newaxis]  # (1, 2, 3, 3)
    W = np.zeros((2, 2, 1, 1))
    W[0, 0], W[0, 1] = 1.0, 10.0  # filter 0: 1 * channel 0 + 10 * channel 1
    W[1, 1] = -1.0  # filter 1: -channel 1
    out = Convolution(W, np.zeros(2)).forward(x)
    assert out.shape == (1, 2, 3, 3)
    np.testing.assert_array_equal(out[0, 0], np.full((3, 3), 21.0))
    np.testing.assert_array_equal(out[0, 1], np.full((3, 3), -2.0))


@pytest.mark.parametrize(
    ("x_shape", "W_shape", "stride", "pad", "out_shape"),
    [
        # Deep Learning from Scratch, SimpleConvNet: 30 filters of 5x5 on MNIST
        pytest.param((2, 1, 28, 28), (30, 1, 5, 5), 1, 0, (2, 30, 24, 24), id="textbook-mnist"),
        pytest.param((1, 3, 7, 7), (2, 3, 3, 3), 2, 1, (1, 2, 4, 4), id="stride2-pad1"),
    ],
)
def test_convolution_output_shape(x_shape, W_shape, stride, pad, out_shape):
    layer = Convolution(np.zeros(W_shape), np.zeros(W_shape[0]), stride, pad)
    assert layer.forward(np.zeros(x_shape)).shape == out_shape


# --- Convolution: numerical gradients ------------------------------------------


@pytest.mark.parametrize(("x_shape", "W_shape", "stride", "pad"), CONV_CONFIGS)
def test_convolution_matches_numerical_gradients(x_shape, W_shape, stride, pad):
    g = generator()
    x, W, b = g.normal(size=x_shape), g.normal(size=W_shape), g.normal(size=W_shape[0])
    layer = Convolution(W, b, stride=stride, pad=pad)
    dout = g.normal(size=layer.forward(x).shape)

    def loss(_):
        return np.sum(layer.forward(x) * dout)

    # numerical_gradient perturbs x, W and b in place; the layer holds W and b by reference
    numeric = {"x": numerical_gradient(loss, x), "W": numerical_gradient(loss, W), "b": numerical_gradient(loss, b)}
    layer.forward(x)
    dx = layer.backward(dout)
    assert dx.shape == x.shape
    assert layer.dW.shape == W.shape
    assert layer.db.shape == b.shape
    np.testing.assert_allclose(dx, numeric["x"], **NUMERIC)
    np.testing.assert_allclose(layer.dW, numeric["W"], **NUMERIC)
    np.testing.assert_allclose(layer.db, numeric["b"], **NUMERIC)


# --- Pooling: hand-worked --------------------------------------------------------


def test_pooling_by_hand():
    # Deep Learning from Scratch, figure 7-14: 2x2 max pooling with stride 2
    x = np.array([[1, 2, 1, 0], [0, 1, 2, 3], [3, 0, 1, 2], [2, 4, 0, 1]], dtype=float)[np.newaxis, np.newaxis]
    layer = Pooling(2, 2, stride=2)
    np.testing.assert_array_equal(layer.forward(x), [[[[2, 3], [4, 2]]]])
    dx = layer.backward(np.array([[[[10.0, 20.0], [30.0, 40.0]]]]))
    expected = np.zeros((4, 4))
    expected[0, 1], expected[1, 3], expected[3, 1], expected[2, 3] = 10, 20, 30, 40
    np.testing.assert_array_equal(dx[0, 0], expected)


def test_pooling_works_channel_by_channel():
    x = np.stack([np.arange(16.0).reshape(4, 4), -np.arange(16.0).reshape(4, 4)])[np.newaxis]
    out = Pooling(2, 2, stride=2).forward(x)
    np.testing.assert_array_equal(out[0, 0], [[5, 7], [13, 15]])
    np.testing.assert_array_equal(out[0, 1], [[0, -2], [-8, -10]])


def test_pooling_overlapping_windows_add_gradients_at_a_shared_maximum():
    x = np.zeros((1, 1, 1, 3))
    x[0, 0, 0, 1] = 5.0  # the maximum of both windows [0, 1] and [1, 2]
    layer = Pooling(1, 2, stride=1)
    layer.forward(x)
    np.testing.assert_array_equal(layer.backward(np.array([[[[1.0, 2.0]]]]))[0, 0, 0], [0.0, 3.0, 0.0])


def test_pooling_pads_with_zeros_like_the_textbook():
    # an all-negative window that reaches into the padding has maximum 0
    out = Pooling(2, 2, stride=2, pad=1).forward(-np.ones((1, 1, 2, 2)))
    np.testing.assert_array_equal(out[0, 0], [[0.0, 0.0], [0.0, 0.0]])


# --- Pooling: numerical gradients ------------------------------------------------


@pytest.mark.parametrize(("x_shape", "pool_h", "pool_w", "stride", "pad"), POOL_CONFIGS)
def test_pooling_matches_numerical_gradient(x_shape, pool_h, pool_w, stride, pad):
    g = generator()
    x = distinct_positive(x_shape, g)
    layer = Pooling(pool_h, pool_w, stride=stride, pad=pad)
    dout = g.normal(size=layer.forward(x).shape)
    numeric = numerical_gradient(lambda _: np.sum(layer.forward(x) * dout), x)
    layer.forward(x)
    np.testing.assert_allclose(layer.backward(dout), numeric, **NUMERIC)


# --- inputs are not modified ---------------------------------------------------


def test_convolution_does_not_modify_x_dout_or_parameters():
    g = generator()
    W, b = g.normal(size=(2, 3, 3, 3)), g.normal(size=2)
    x = g.normal(size=(2, 3, 4, 4))
    before = [a.copy() for a in (W, b, x)]
    layer = Convolution(W, b, stride=2, pad=1)
    dout = g.normal(size=layer.forward(x).shape)
    dout_before = dout.copy()
    layer.backward(dout)
    for after, original in zip((W, b, x, dout), (*before, dout_before), strict=True):
        np.testing.assert_array_equal(after, original)


def test_pooling_does_not_modify_x_or_dout():
    g = generator()
    x = g.normal(size=(2, 3, 4, 4))
    x_before = x.copy()
    layer = Pooling(2, 2, stride=2)
    dout = g.normal(size=layer.forward(x).shape)
    dout_before = dout.copy()
    layer.backward(dout)
    np.testing.assert_array_equal(x, x_before)
    np.testing.assert_array_equal(dout, dout_before)


# --- validation messages -------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        pytest.param(
            lambda: Convolution(np.ones((10, 1, 5, 5)), np.zeros(10)).forward(np.ones((2, 3, 28, 28))),
            ValueError,
            r"Convolution\.forward: x has 3 channels but W expects 1 \(W is \(FN, C, FH, FW\) = "
            r"\(10, 1, 5, 5\)\); x must be \(N, 1, H, W\)",
            id="Convolution-channels",
        ),
        pytest.param(
            lambda: Convolution(np.ones((10, 1, 5, 5)), np.zeros(10)).forward(np.ones((1, 28, 28))),
            ValueError,
            r"Convolution\.forward expects x of shape \(N, C, H, W\); got \(1, 28, 28\)",
            id="Convolution-3d-x",
        ),
        pytest.param(
            lambda: Convolution(np.ones((10, 5, 5)), np.zeros(10)),
            ValueError,
            r"Convolution expects W of shape \(FN, C, FH, FW\); got \(10, 5, 5\)",
            id="Convolution-3d-W",
        ),
        pytest.param(
            lambda: Convolution(np.ones((10, 1, 5, 5)), np.zeros((10, 1))),
            ValueError,
            r"Convolution expects b of shape \(10,\)",
            id="Convolution-b",
        ),
        pytest.param(
            lambda: Convolution(np.ones((1, 1, 5, 5)), np.zeros(1)).forward(np.ones((1, 1, 3, 3))),
            ValueError,
            r"im2col: a filter height of 5 does not fit an input height of 3",
            id="Convolution-filter-too-large",
        ),
        pytest.param(
            lambda: Convolution(np.ones((1, 1, 2, 2)), np.zeros(1)).backward(np.ones((1, 1, 2, 2))),
            RuntimeError,
            r"Convolution\.backward was called before forward",
            id="Convolution-backward-first",
        ),
        pytest.param(
            lambda: (lambda layer: (layer.forward(np.ones((1, 1, 4, 4))), layer.backward(np.ones((1, 1, 3, 3)))))(
                Pooling(2, 2, 2)
            ),
            ValueError,
            r"Pooling\.backward expects dout of shape \(1, 1, 2, 2\) \(the shape forward returned\); "
            r"got \(1, 1, 3, 3\)",
            id="Pooling-dout-shape",
        ),
        pytest.param(lambda: Pooling(0, 2), ValueError, r"Pooling expects pool_h >= 1; got 0", id="Pooling-size"),
    ],
)
def test_validation_messages(call, error, match):
    with pytest.raises(error, match=match):
        call()


# --- PyTorch cross-check -------------------------------------------------------


@pytest.mark.parametrize(("x_shape", "W_shape", "stride", "pad"), CONV_CONFIGS)
def test_convolution_matches_pytorch_conv2d(x_shape, W_shape, stride, pad):
    torch = pytest.importorskip("torch")
    g = generator()
    x, W, b = g.normal(size=x_shape), g.normal(size=W_shape), g.normal(size=W_shape[0])
    layer = Convolution(W, b, stride=stride, pad=pad)
    out = layer.forward(x)
    dout = g.normal(size=out.shape)
    dx = layer.backward(dout)

    tx, tW, tb = (torch.tensor(a, requires_grad=True) for a in (x, W, b))
    t_out = torch.nn.functional.conv2d(tx, tW, tb, stride=stride, padding=pad)
    t_out.backward(torch.from_numpy(dout))
    np.testing.assert_allclose(out, t_out.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(dx, tx.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(layer.dW, tW.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(layer.db, tb.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize(("x_shape", "pool_h", "pool_w", "stride", "pad"), POOL_CONFIGS)
def test_pooling_matches_pytorch_max_pool2d(x_shape, pool_h, pool_w, stride, pad):
    torch = pytest.importorskip("torch")
    g = generator()
    # positive, tie-free input: torch pads with -inf and the textbook with 0,
    # which agree only when no window's maximum could be the padding
    x = distinct_positive(x_shape, g)
    layer = Pooling(pool_h, pool_w, stride=stride, pad=pad)
    out = layer.forward(x)
    dout = g.normal(size=out.shape)
    dx = layer.backward(dout)

    tx = torch.tensor(x, requires_grad=True)
    t_out = torch.nn.functional.max_pool2d(tx, (pool_h, pool_w), stride=stride, padding=pad)
    t_out.backward(torch.from_numpy(dout))
    np.testing.assert_array_equal(out, t_out.detach().numpy())
    np.testing.assert_allclose(dx, tx.grad.numpy(), rtol=1e-14, atol=0)
