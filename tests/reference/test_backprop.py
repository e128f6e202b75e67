"""Tests for reference.backprop (ex03).

The numerical oracle is reference.numerical_gradient, itself checked against
hand-worked values in test_gradient.py.
"""

from __future__ import annotations

import numpy as np
import pytest

from reference import (
    backward,
    cross_entropy_error,
    d_mean_squared_error,
    d_relu,
    d_sigmoid,
    d_softmax_with_loss,
    mean_squared_error,
    numerical_gradient,
    one_hot,
    relu,
    sigmoid,
    softmax,
)

# central differences with h = 1e-4 are good to about 1e-8 here
NUMERIC = {"rtol": 1e-6, "atol": 1e-8}
# cross_entropy_error's 1e-7 guard moves its gradient by about 1e-7 / p
# relative to the exact (y - onehot(d)) / N
GUARDED = {"rtol": 1e-5, "atol": 1e-6}


def rng() -> np.random.Generator:
    return np.random.default_rng(12345)


# --- hand-worked cases -------------------------------------------------------


@pytest.mark.parametrize(
    ("u", "expected"),
    [
        pytest.param(0.0, 0.25, id="zero"),
        # sigmoid(log 3) = 3/4, so 3/4 * 1/4
        pytest.param(np.log(3.0), 0.1875, id="log3"),
        pytest.param(-np.log(3.0), 0.1875, id="minus-log3-even"),
    ],
)
def test_d_sigmoid_values(u, expected):
    assert float(d_sigmoid(np.array(u))) == pytest.approx(expected, rel=1e-12)


def test_d_relu_values_and_dtype():
    out = d_relu(np.array([-2.0, 0.0, 3.0]))
    np.testing.assert_array_equal(out, [0.0, 0.0, 1.0])
    assert out.dtype.kind == "f"
    assert d_relu(np.array([-1, 0, 5])).dtype == np.float64


@pytest.mark.parametrize(
    ("d", "y", "expected"),
    [
        pytest.param(np.array(1), [0.2, 0.3, 0.5], [0.2, -0.7, 0.5], id="single-0d-label"),
        pytest.param(np.array([0, 1, 0]), [0.2, 0.3, 0.5], [0.2, -0.7, 0.5], id="single-one-hot"),
        pytest.param(
            np.array([1, 2]),
            [[0.2, 0.3, 0.5], [0.1, 0.1, 0.8]],
            [[0.1, -0.35, 0.25], [0.05, 0.05, -0.1]],
            id="batch-divides-by-N",
        ),
    ],
)
def test_d_softmax_with_loss_values(d, y, expected):
    np.testing.assert_allclose(d_softmax_with_loss(d, np.array(y)), expected, rtol=1e-12, atol=1e-15)


def test_d_mean_squared_error_values():
    # (y - d) / y.size with 4 elements
    out = d_mean_squared_error(np.array([[1.0, 0.0], [0.0, 1.0]]), np.array([[0.5, 0.5], [0.0, 3.0]]))
    np.testing.assert_allclose(out, [[-0.125, 0.125], [0.0, 0.5]], rtol=1e-12)


def test_backward_by_hand_with_one_hidden_unit():
    # x = 2, z1 = relu(1 * 2) = 2, u2 = [2, -2], y = [s, 1 - s] with
    # s = sigmoid(4); for label 0: du2 = [s - 1, 1 - s], dz1 = du2 @ [1, -1] = 2(s - 1)
    network = {
        "W1": np.array([[1.0]]),
        "b1": np.array([0.0]),
        "W2": np.array([[1.0, -1.0]]),
        "b2": np.array([0.0, 0.0]),
    }
    x = np.array([[2.0]])
    z1 = np.array([[2.0]])
    s = 1 / (1 + np.exp(-4.0))
    y = np.array([[s, 1 - s]])
    grads = backward(network, x, np.array([0]), z1, y)
    np.testing.assert_allclose(grads["W2"], [[2 * (s - 1), 2 * (1 - s)]], rtol=1e-12)
    np.testing.assert_allclose(grads["b2"], [s - 1, 1 - s], rtol=1e-12)
    np.testing.assert_allclose(grads["W1"], [[4 * (s - 1)]], rtol=1e-12)
    np.testing.assert_allclose(grads["b1"], [2 * (s - 1)], rtol=1e-12)


# --- numerical gradients -----------------------------------------------------


def test_d_sigmoid_matches_numerical_gradient():
    u = rng().normal(scale=3.0, size=(3, 4))
    upstream = rng().normal(size=(3, 4))
    numeric = numerical_gradient(lambda v: np.sum(sigmoid(v) * upstream), u.copy())
    np.testing.assert_allclose(d_sigmoid(u) * upstream, numeric, **NUMERIC)


def test_d_relu_matches_numerical_gradient_away_from_zero():
    u = rng().normal(size=(3, 4))
    u = np.where(np.abs(u) < 0.1, 0.5, u)  # a kink within h would spoil the difference
    upstream = rng().normal(size=(3, 4))
    numeric = numerical_gradient(lambda v: np.sum(relu(v) * upstream), u.copy())
    np.testing.assert_allclose(d_relu(u) * upstream, numeric, **NUMERIC)


@pytest.mark.parametrize("batch_shape", [pytest.param((), id="single-sample"), pytest.param((5,), id="batch-of-5")])
def test_d_softmax_with_loss_matches_numerical_gradient(batch_shape):
    generator = rng()
    u = generator.normal(size=(*batch_shape, 4))
    d = generator.integers(0, 4, size=batch_shape)
    numeric = numerical_gradient(lambda v: cross_entropy_error(d, softmax(v)), u.copy())
    np.testing.assert_allclose(d_softmax_with_loss(d, softmax(u)), numeric, **GUARDED)


def test_d_mean_squared_error_matches_numerical_gradient():
    generator = rng()
    d, y = generator.normal(size=(3, 5)), generator.normal(size=(3, 5))
    numeric = numerical_gradient(lambda v: mean_squared_error(d, v), y.copy())
    np.testing.assert_allclose(d_mean_squared_error(d, y), numeric, **NUMERIC)


def two_layer_problem(labels_as: str):
    generator = rng()
    N, D, H, K = 6, 4, 5, 3
    network = {
        "W1": generator.normal(scale=0.5, size=(D, H)),
        "b1": generator.normal(scale=0.5, size=H),
        "W2": generator.normal(scale=0.5, size=(H, K)),
        "b2": generator.normal(scale=0.5, size=K),
    }
    x = generator.normal(size=(N, D))
    labels = generator.integers(0, K, size=N)
    d = labels if labels_as == "labels" else one_hot(labels, K)
    return network, x, d


def two_layer_forward(network, x):
    u1 = x @ network["W1"] + network["b1"]
    z1 = relu(u1)
    return u1, z1, softmax(z1 @ network["W2"] + network["b2"])


@pytest.mark.parametrize("labels_as", ["labels", "one-hot"])
def test_backward_matches_numerical_gradient(labels_as):
    network, x, d = two_layer_problem(labels_as)
    u1, z1, y = two_layer_forward(network, x)
    assert np.min(np.abs(u1)) > 1e-3  # no relu kink within h of a pre-activation

    grads = backward(network, x, d, z1, y)
    assert set(grads) == {"W1", "b1", "W2", "b2"}

    def loss(_):
        return cross_entropy_error(d, two_layer_forward(network, x)[2])

    for key in ("W1", "b1", "W2", "b2"):
        assert grads[key].shape == network[key].shape, key
        # numerical_gradient perturbs network[key] in place; loss reads it from there
        numeric = numerical_gradient(loss, network[key])
        np.testing.assert_allclose(grads[key], numeric, **GUARDED, err_msg=key)


# --- inputs are not modified ---------------------------------------------------


def test_backward_does_not_modify_its_arguments():
    network, x, d = two_layer_problem("labels")
    _, z1, y = two_layer_forward(network, x)
    arguments = [*network.values(), x, d, z1, y]
    before = [a.copy() for a in arguments]
    backward(network, x, d, z1, y)
    for after, original in zip(arguments, before, strict=True):
        np.testing.assert_array_equal(after, original)


@pytest.mark.parametrize("func", [d_sigmoid, d_relu], ids=["d_sigmoid", "d_relu"])
def test_elementwise_derivatives_do_not_modify_input(func):
    u = np.array([-1.0, 0.0, 2.0])
    func(u)
    np.testing.assert_array_equal(u, [-1.0, 0.0, 2.0])


@pytest.mark.parametrize(
    "func",
    [d_softmax_with_loss, d_mean_squared_error],
    ids=["d_softmax_with_loss", "d_mean_squared_error"],
)
def test_loss_derivatives_do_not_modify_inputs(func):
    d, y = np.eye(3)[[0, 2]], np.array([[0.2, 0.3, 0.5], [0.1, 0.1, 0.8]])
    d_before, y_before = d.copy(), y.copy()
    func(d, y)
    np.testing.assert_array_equal(d, d_before)
    np.testing.assert_array_equal(y, y_before)


# --- validation messages -------------------------------------------------------


def test_backward_validation_messages():
    network, x, d = two_layer_problem("labels")
    _, z1, y = two_layer_forward(network, x)
    with pytest.raises(ValueError, match=r"backward expects network to hold W1, b1, W2, b2; missing b2"):
        backward({k: v for k, v in network.items() if k != "b2"}, x, d, z1, y)
    with pytest.raises(ValueError, match=r"backward expects x of shape \(N, D\); got \(4,\)"):
        backward(network, x[0], d, z1, y)
    with pytest.raises(ValueError, match=r"backward expects z1 of shape \(6, 5\) \(\(N, H\)\); got \(6, 4\)"):
        backward(network, x, d, z1[:, :4], y)
    with pytest.raises(ValueError, match=r"backward expects y of shape \(6, 3\)"):
        backward(network, x, d, z1, y[:3])
    with pytest.raises(ValueError, match=r"d_softmax_with_loss expects d in 0\.\.2 for 3 classes"):
        backward(network, x, d + 5, z1, y)


def test_d_mean_squared_error_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match=r"d_mean_squared_error expects d and y of the same shape"):
        d_mean_squared_error(np.zeros(3), np.zeros((1, 3)))


# --- PyTorch cross-check -------------------------------------------------------


def test_backward_matches_pytorch_autograd():
    torch = pytest.importorskip("torch")
    network, x, d = two_layer_problem("labels")
    _, z1, y = two_layer_forward(network, x)
    grads = backward(network, x, d, z1, y)

    tensors = {key: torch.tensor(value, requires_grad=True) for key, value in network.items()}
    u2 = torch.relu(torch.from_numpy(x) @ tensors["W1"] + tensors["b1"]) @ tensors["W2"] + tensors["b2"]
    # PyTorch's cross_entropy has no 1e-7 guard: its gradient is exactly (y - onehot) / N
    torch.nn.functional.cross_entropy(u2, torch.from_numpy(d)).backward()
    for key, tensor in tensors.items():
        np.testing.assert_allclose(grads[key], tensor.grad.numpy(), rtol=1e-10, atol=1e-14, err_msg=key)


def test_d_sigmoid_matches_pytorch_autograd():
    torch = pytest.importorskip("torch")
    u = torch.linspace(-20, 20, 81, dtype=torch.float64, requires_grad=True)
    torch.sigmoid(u).sum().backward()
    np.testing.assert_allclose(d_sigmoid(u.detach().numpy()), u.grad.numpy(), rtol=1e-10, atol=1e-18)
