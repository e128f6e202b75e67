"""Tests for reference.layers (ex07).

Numerical oracle: reference.numerical_gradient (checked by hand in
test_gradient.py) on f = sum(layer.forward(x) * dout) for a random upstream
gradient dout, so a backward that ignores dout or mixes up its axes fails.
"""

from __future__ import annotations

import numpy as np
import pytest

from reference import (
    Affine,
    BatchNormalization,
    Dropout,
    Relu,
    Sigmoid,
    SoftmaxWithLoss,
    cross_entropy_error,
    numerical_gradient,
    softmax,
)

NUMERIC = {"rtol": 1e-6, "atol": 1e-8}
# SoftmaxWithLoss's loss carries cross_entropy_error's 1e-7 guard; its
# backward is the exact unguarded gradient
GUARDED = {"rtol": 1e-5, "atol": 1e-6}


def generator() -> np.random.Generator:
    return np.random.default_rng(2024)


def check_input_gradient(layer, x, dout, **forward_kwargs):
    """Compare layer.backward(dout) with central differences of sum(forward(x) * dout)."""
    numeric = numerical_gradient(lambda _: np.sum(layer.forward(x, **forward_kwargs) * dout), x)
    layer.forward(x, **forward_kwargs)
    analytic = layer.backward(dout)
    assert analytic.shape == x.shape
    np.testing.assert_allclose(analytic, numeric, **NUMERIC)


# --- Relu ----------------------------------------------------------------------


def test_relu_by_hand():
    layer = Relu()
    x = np.array([[1.0, -0.5], [-2.0, 3.0]])
    np.testing.assert_array_equal(layer.forward(x), [[1.0, 0.0], [0.0, 3.0]])
    np.testing.assert_array_equal(layer.backward(np.array([[5.0, 6.0], [7.0, 8.0]])), [[5.0, 0.0], [0.0, 8.0]])


def test_relu_matches_numerical_gradient_away_from_zero():
    g = generator()
    x = g.normal(size=(4, 5))
    x = np.where(np.abs(x) < 0.1, 0.3, x)
    check_input_gradient(Relu(), x, g.normal(size=(4, 5)))


# --- Sigmoid -------------------------------------------------------------------


def test_sigmoid_by_hand():
    layer = Sigmoid()
    np.testing.assert_allclose(layer.forward(np.array([0.0, np.log(3.0)])), [0.5, 0.75], rtol=1e-14)
    np.testing.assert_allclose(layer.backward(np.array([1.0, 2.0])), [0.25, 0.375], rtol=1e-14)


def test_sigmoid_matches_numerical_gradient():
    g = generator()
    check_input_gradient(Sigmoid(), g.normal(scale=2.0, size=(3, 4)), g.normal(size=(3, 4)))


# --- Affine --------------------------------------------------------------------


def test_affine_by_hand():
    layer = Affine(np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([1.0, 1.0]))
    np.testing.assert_array_equal(layer.forward(np.array([[1.0, 1.0]])), [[5.0, 7.0]])
    dx = layer.backward(np.array([[1.0, 0.0]]))
    np.testing.assert_array_equal(dx, [[1.0, 3.0]])
    np.testing.assert_array_equal(layer.dW, [[1.0, 0.0], [1.0, 0.0]])
    np.testing.assert_array_equal(layer.db, [1.0, 0.0])


def test_affine_with_4d_input_matches_numerical_gradients():
    g = generator()
    x = g.normal(size=(2, 2, 3, 3))
    W, b = g.normal(size=(18, 4)), g.normal(size=4)
    dout = g.normal(size=(2, 4))
    layer = Affine(W, b)
    assert layer.forward(x).shape == (2, 4)
    check_input_gradient(layer, x, dout)

    def loss(_):
        return np.sum(layer.forward(x) * dout)

    # numerical_gradient perturbs W and b in place; the layer holds them by reference
    numeric_W = numerical_gradient(loss, W)
    numeric_b = numerical_gradient(loss, b)
    layer.forward(x)
    layer.backward(dout)
    np.testing.assert_allclose(layer.dW, numeric_W, **NUMERIC)
    np.testing.assert_allclose(layer.db, numeric_b, **NUMERIC)


def test_affine_sees_in_place_parameter_updates():
    W = np.eye(2)
    layer = Affine(W, np.zeros(2))
    W *= 3.0
    np.testing.assert_array_equal(layer.forward(np.array([[1.0, 2.0]])), [[3.0, 6.0]])


# --- SoftmaxWithLoss -----------------------------------------------------------


def test_softmax_with_loss_by_hand():
    layer = SoftmaxWithLoss()
    loss = layer.forward(np.array([[0.0, 0.0]]), np.array([0]))
    assert loss == pytest.approx(-np.log(0.5 + 1e-7), rel=1e-14)
    np.testing.assert_allclose(layer.backward(), [[-0.5, 0.5]], rtol=1e-14)


@pytest.mark.parametrize(
    ("x_shape", "t"),
    [
        pytest.param((5, 4), np.array([0, 3, 1, 1, 2]), id="batch-labels"),
        pytest.param((5, 4), np.eye(4)[[0, 3, 1, 1, 2]], id="batch-one-hot"),
        pytest.param((4,), np.array(2), id="single-sample-0d-label"),
    ],
)
def test_softmax_with_loss_forward_and_numerical_gradient(x_shape, t):
    g = generator()
    x = g.normal(size=x_shape)
    dout = 0.7  # a scalar upstream gradient other than 1
    layer = SoftmaxWithLoss()
    assert layer.forward(x, t) == pytest.approx(cross_entropy_error(t, softmax(x)), rel=1e-14)
    numeric = numerical_gradient(lambda _: dout * layer.forward(x, t), x)
    layer.forward(x, t)
    np.testing.assert_allclose(layer.backward(dout), numeric, **GUARDED)


def test_softmax_with_loss_backward_defaults_to_dout_1():
    layer = SoftmaxWithLoss()
    layer.forward(np.array([[1.0, 2.0, 3.0]]), np.array([1]))
    np.testing.assert_allclose(layer.backward(), layer.backward(1.0), rtol=0)


# --- Dropout -------------------------------------------------------------------


def test_dropout_test_mode_scales_by_keep_probability():
    layer = Dropout(0.3, rng=np.random.default_rng(0))
    x = np.array([[1.0, -2.0], [3.0, 4.0]])
    np.testing.assert_allclose(layer.forward(x, train_flg=False), x * 0.7, rtol=1e-15)
    np.testing.assert_allclose(layer.backward(np.ones((2, 2))), np.full((2, 2), 0.7), rtol=1e-15)


def test_dropout_backward_uses_the_forward_mask():
    layer = Dropout(0.5, rng=np.random.default_rng(0))
    x = generator().normal(size=(20, 30)) + 10.0  # never 0, so out == 0 marks a dropped unit
    out = layer.forward(x)
    kept = out != 0
    np.testing.assert_array_equal(out[kept], x[kept])
    dout = generator().normal(size=(20, 30))
    dx = layer.backward(dout)
    np.testing.assert_array_equal(dx, np.where(kept, dout, 0.0))
    # backward draws nothing new
    np.testing.assert_array_equal(layer.backward(dout), dx)


def test_dropout_drops_about_the_given_ratio():
    layer = Dropout(0.25, rng=np.random.default_rng(1))
    dropped = np.mean(layer.forward(np.ones((200, 200))) == 0)
    assert dropped == pytest.approx(0.25, abs=0.01)


def test_dropout_is_repeatable_with_a_seeded_generator():
    x = np.ones((5, 6))
    first = Dropout(0.5, rng=np.random.default_rng(42)).forward(x)
    second = Dropout(0.5, rng=np.random.default_rng(42)).forward(x)
    np.testing.assert_array_equal(first, second)


def test_dropout_ratio_0_keeps_everything():
    x = generator().normal(size=(3, 3))
    np.testing.assert_array_equal(Dropout(0.0).forward(x), x)


# --- BatchNormalization --------------------------------------------------------


def test_batch_normalization_by_hand():
    # mu = 2, var = 1: xn = (x - 2) / sqrt(1 + 1e-7)
    layer = BatchNormalization(np.array([2.0]), np.array([0.5]))
    out = layer.forward(np.array([[1.0], [3.0]]))
    np.testing.assert_allclose(out, [[0.5 - 2 / np.sqrt(1 + 1e-7)], [0.5 + 2 / np.sqrt(1 + 1e-7)]], rtol=1e-14)
    # running statistics start at 0: 0.9 * 0 + 0.1 * batch statistic
    np.testing.assert_allclose(layer.running_mean, [0.2], rtol=1e-14)
    np.testing.assert_allclose(layer.running_var, [0.1], rtol=1e-14)


def test_batch_normalization_test_mode_uses_running_statistics():
    layer = BatchNormalization(
        np.array([1.0, 2.0]),
        np.array([0.0, 1.0]),
        running_mean=np.array([1.0, -1.0]),
        running_var=np.array([4.0, 0.25]),
    )
    out = layer.forward(np.array([[3.0, 0.0]]), train_flg=False)
    np.testing.assert_allclose(out, [[2 / np.sqrt(4 + 1e-7), 1 + 2 / np.sqrt(0.25 + 1e-7)]], rtol=1e-14)
    # test mode leaves the running statistics alone
    np.testing.assert_array_equal(layer.running_mean, [1.0, -1.0])


def test_batch_normalization_train_output_is_normalised():
    layer = BatchNormalization(np.ones(3), np.zeros(3))
    out = layer.forward(generator().normal(loc=5.0, scale=3.0, size=(50, 3)))
    np.testing.assert_allclose(out.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(out.std(axis=0), 1.0, rtol=1e-6)


@pytest.mark.parametrize("train_flg", [True, False], ids=["train", "test"])
def test_batch_normalization_matches_numerical_gradients(train_flg):
    g = generator()
    N, D = 6, 4
    x = g.normal(loc=1.0, scale=2.0, size=(N, D))
    gamma, beta = g.normal(size=D), g.normal(size=D)
    dout = g.normal(size=(N, D))
    layer = BatchNormalization(gamma, beta, running_mean=g.normal(size=D), running_var=g.uniform(0.5, 2.0, size=D))
    check_input_gradient(layer, x, dout, train_flg=train_flg)

    def loss(_):
        return np.sum(layer.forward(x, train_flg=train_flg) * dout)

    numeric_gamma = numerical_gradient(loss, gamma)
    numeric_beta = numerical_gradient(loss, beta)
    layer.forward(x, train_flg=train_flg)
    layer.backward(dout)
    np.testing.assert_allclose(layer.dgamma, numeric_gamma, **NUMERIC)
    np.testing.assert_allclose(layer.dbeta, numeric_beta, **NUMERIC)


def test_batch_normalization_does_not_modify_given_running_statistics():
    running_mean, running_var = np.zeros(2), np.ones(2)
    layer = BatchNormalization(np.ones(2), np.zeros(2), running_mean=running_mean, running_var=running_var)
    layer.forward(np.array([[1.0, 2.0], [3.0, 5.0]]))
    np.testing.assert_array_equal(running_mean, [0.0, 0.0])
    np.testing.assert_array_equal(running_var, [1.0, 1.0])
    assert not np.array_equal(layer.running_mean, running_mean)


# --- inputs are not modified ---------------------------------------------------


def layer_cases():
    g = generator()
    return [
        pytest.param(Relu(), {}, id="Relu"),
        pytest.param(Sigmoid(), {}, id="Sigmoid"),
        pytest.param(Affine(g.normal(size=(4, 3)), g.normal(size=3)), {}, id="Affine"),
        pytest.param(Dropout(0.5, rng=np.random.default_rng(0)), {}, id="Dropout"),
        pytest.param(BatchNormalization(np.ones(4), np.zeros(4)), {}, id="BatchNormalization"),
    ]


@pytest.mark.parametrize(("layer", "kwargs"), layer_cases())
def test_forward_and_backward_do_not_modify_x_or_dout(layer, kwargs):
    g = generator()
    x = g.normal(size=(5, 4))
    x_before = x.copy()
    out = layer.forward(x, **kwargs)
    dout = g.normal(size=out.shape)
    dout_before = dout.copy()
    layer.backward(dout)
    np.testing.assert_array_equal(x, x_before)
    np.testing.assert_array_equal(dout, dout_before)


def test_softmax_with_loss_does_not_modify_x_or_t():
    x, t = generator().normal(size=(3, 4)), np.array([0, 1, 3])
    x_before, t_before = x.copy(), t.copy()
    layer = SoftmaxWithLoss()
    layer.forward(x, t)
    layer.backward()
    np.testing.assert_array_equal(x, x_before)
    np.testing.assert_array_equal(t, t_before)


# --- validation messages -------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        pytest.param(
            lambda: Relu().backward(np.ones(3)),
            RuntimeError,
            r"Relu\.backward was called before forward",
            id="Relu-backward-first",
        ),
        pytest.param(
            lambda: (lambda layer: (layer.forward(np.ones((2, 3))), layer.backward(np.ones((3, 2)))))(Sigmoid()),
            ValueError,
            r"Sigmoid\.backward expects dout of shape \(2, 3\) \(the shape forward returned\); got \(3, 2\)",
            id="Sigmoid-dout-shape",
        ),
        pytest.param(
            lambda: Affine(np.ones((48, 10)), np.zeros(10)).forward(np.ones((2, 3, 4, 5))),
            ValueError,
            r"Affine\.forward: x of shape \(2, 3, 4, 5\) flattens to \(2, 60\), but W has shape "
            r"\(48, 10\); W needs 60 rows",
            id="Affine-flattened-size",
        ),
        pytest.param(
            lambda: Affine(np.ones((4, 2)), np.zeros(2)).forward(np.ones(4)),
            ValueError,
            r"Affine\.forward expects x of shape \(N, \.\.\.\) with the batch on axis 0; got \(4,\)",
            id="Affine-no-batch-axis",
        ),
        pytest.param(
            lambda: Affine(np.ones((4, 2)), np.zeros(3)),
            ValueError,
            r"Affine expects b of shape \(2,\)",
            id="Affine-b-shape",
        ),
        pytest.param(
            lambda: SoftmaxWithLoss().forward(np.ones((2, 3)), np.array([0, 5])),
            ValueError,
            r"SoftmaxWithLoss\.forward expects t in 0\.\.2 for 3 classes",
            id="SoftmaxWithLoss-label",
        ),
        pytest.param(
            lambda: Dropout(1.0),
            ValueError,
            r"Dropout expects dropout_ratio in \[0, 1\); got 1\.0",
            id="Dropout-ratio",
        ),
        pytest.param(
            lambda: Dropout(0.5, rng=0),
            TypeError,
            r"Dropout expects rng to be a numpy\.random\.Generator or None; got int\. "
            r"For a seed, pass np\.random\.default_rng\(seed\)",
            id="Dropout-rng",
        ),
        pytest.param(
            lambda: BatchNormalization(np.ones(3), np.zeros(3)).forward(np.ones((4, 5))),
            ValueError,
            r"BatchNormalization\.forward expects x of shape \(N, 3\) \(D = gamma\.size\); got \(4, 5\)",
            id="BatchNormalization-width",
        ),
        pytest.param(
            lambda: BatchNormalization(np.ones(3), np.zeros(2)),
            ValueError,
            r"BatchNormalization expects beta of shape \(3,\)",
            id="BatchNormalization-beta",
        ),
    ],
)
def test_validation_messages(call, error, match):
    with pytest.raises(error, match=match):
        call()


# --- PyTorch cross-check -------------------------------------------------------


def test_affine_matches_pytorch():
    torch = pytest.importorskip("torch")
    g = generator()
    x, W, b, dout = g.normal(size=(3, 2, 2, 2)), g.normal(size=(8, 5)), g.normal(size=5), g.normal(size=(3, 5))
    layer = Affine(W, b)
    out = layer.forward(x)
    dx = layer.backward(dout)

    tx, tW, tb = (torch.tensor(a, requires_grad=True) for a in (x, W, b))
    t_out = torch.nn.functional.linear(tx.reshape(3, -1), tW.T, tb)
    t_out.backward(torch.from_numpy(dout))
    np.testing.assert_allclose(out, t_out.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(dx, tx.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(layer.dW, tW.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(layer.db, tb.grad.numpy(), rtol=1e-12)


def test_softmax_with_loss_matches_pytorch_cross_entropy():
    torch = pytest.importorskip("torch")
    g = generator()
    x, t = g.normal(size=(6, 5)), g.integers(0, 5, size=6)
    layer = SoftmaxWithLoss()
    loss = layer.forward(x, t)
    dx = layer.backward()

    tx = torch.tensor(x, requires_grad=True)
    t_loss = torch.nn.functional.cross_entropy(tx, torch.from_numpy(t))
    t_loss.backward()
    # forward differs only by the 1e-7 guard; backward is the same exact gradient
    assert loss == pytest.approx(t_loss.item(), abs=1e-5)
    np.testing.assert_allclose(dx, tx.grad.numpy(), rtol=1e-10, atol=1e-15)


def test_batch_normalization_matches_pytorch_in_training_mode():
    torch = pytest.importorskip("torch")
    g = generator()
    N, D = 8, 3
    x, gamma, beta, dout = g.normal(size=(N, D)), g.normal(size=D), g.normal(size=D), g.normal(size=(N, D))
    layer = BatchNormalization(gamma, beta, momentum=0.9)
    out = layer.forward(x)
    dx = layer.backward(dout)

    tx, tgamma, tbeta = (torch.tensor(a, requires_grad=True) for a in (x, gamma, beta))
    running_mean = torch.zeros(D, dtype=torch.float64)
    running_var = torch.zeros(D, dtype=torch.float64)
    # torch normalises with the biased variance and eps inside the sqrt, as
    # here; its momentum is the weight of the new value: 1 - 0.9
    t_out = torch.nn.functional.batch_norm(
        tx, running_mean, running_var, tgamma, tbeta, training=True, momentum=0.1, eps=1e-7
    )
    t_out.backward(torch.from_numpy(dout))
    np.testing.assert_allclose(out, t_out.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(dx, tx.grad.numpy(), rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(layer.dgamma, tgamma.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(layer.dbeta, tbeta.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(layer.running_mean, running_mean.numpy(), rtol=1e-12)
    # torch's running_var takes the unbiased variance (divides by N - 1), the
    # textbook's the biased one it normalises with
    np.testing.assert_allclose(layer.running_var, running_var.numpy() * (N - 1) / N, rtol=1e-12)
