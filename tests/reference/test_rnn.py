"""Tests for reference.rnn (ex11): RNN, TimeRNN, clip_grads.

Three oracles: small cases worked out by hand, numerical gradients
(reference.numerical_gradient on L = sum(out * dout) for a random dout, the
parameters perturbed in place because the layers hold them by reference), and
PyTorch's autograd in float64 (skipped when torch is absent).
"""

from __future__ import annotations

import numpy as np
import pytest

from reference import RNN, TimeRNN, clip_grads, numerical_gradient

NUMERIC = {"rtol": 1e-6, "atol": 1e-9}
EXACT = {"rtol": 1e-12, "atol": 1e-14}


def generator() -> np.random.Generator:
    return np.random.default_rng(1111)


def parameters(g: np.random.Generator, D: int, H: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Wx (D, H), Wh (H, H) not symmetric, b (H,) not zero."""
    return g.normal(size=(D, H)) / np.sqrt(D), g.normal(size=(H, H)) / np.sqrt(H), g.normal(size=H)


# --- RNN ---------------------------------------------------------------------


def test_rnn_by_hand():
    # one unit: h = tanh(0.5 * 1 + 1 * 2 + 0.25) = tanh(2.75)
    layer = RNN(np.array([[2.0]]), np.array([[0.5]]), np.array([0.25]))
    h = layer.forward(np.array([[1.0]]), np.array([[1.0]]))
    np.testing.assert_allclose(h, [[np.tanh(2.75)]], **EXACT)
    dt = 3.0 * (1 - np.tanh(2.75) ** 2)
    dx, dh_prev = layer.backward(np.array([[3.0]]))
    np.testing.assert_allclose(dx, [[2.0 * dt]], **EXACT)
    np.testing.assert_allclose(dh_prev, [[0.5 * dt]], **EXACT)
    np.testing.assert_allclose(layer.grads[0], [[1.0 * dt]], **EXACT)
    np.testing.assert_allclose(layer.grads[1], [[1.0 * dt]], **EXACT)
    np.testing.assert_allclose(layer.grads[2], [dt], **EXACT)


def test_rnn_matches_numerical_gradients():
    g = generator()
    N, D, H = 3, 4, 5
    Wx, Wh, b = parameters(g, D, H)
    x, h_prev, dh_next = g.normal(size=(N, D)), np.tanh(g.normal(size=(N, H))), g.normal(size=(N, H))
    layer = RNN(Wx, Wh, b)

    def loss(_):
        return np.sum(layer.forward(x, h_prev) * dh_next)

    numeric = [numerical_gradient(loss, array) for array in (x, h_prev, Wx, Wh, b)]
    layer.forward(x, h_prev)
    dx, dh_prev = layer.backward(dh_next)
    for got, want in zip((dx, dh_prev, *layer.grads), numeric, strict=True):
        np.testing.assert_allclose(got, want, **NUMERIC)


def test_rnn_keeps_its_parameters_by_reference_and_its_grads_in_place():
    g = generator()
    Wx, Wh, b = parameters(g, 2, 3)
    layer = RNN(Wx, Wh, b)
    assert all(held is given for held, given in zip(layer.params, (Wx, Wh, b), strict=True))
    grads = list(layer.grads)
    assert all(np.all(grad == 0) for grad in grads)
    layer.forward(g.normal(size=(4, 2)), g.normal(size=(4, 3)))
    layer.backward(g.normal(size=(4, 3)))
    # the same array objects, now holding the gradients
    assert all(new is old for new, old in zip(layer.grads, grads, strict=True))
    assert not np.all(grads[1] == 0)
    Wh *= 2.0  # an optimizer's in-place update reaches the layer
    x, h = np.ones((1, 2)), np.ones((1, 3))
    np.testing.assert_allclose(layer.forward(x, h), np.tanh(h @ Wh + x @ Wx + b), **EXACT)


def test_rnn_validates_shapes():
    g = generator()
    Wx, Wh, b = parameters(g, 2, 3)
    with pytest.raises(ValueError, match=r"RNN expects Wh of shape \(3, 3\)"):
        RNN(Wx, np.zeros((2, 2)), b)
    layer = RNN(Wx, Wh, b)
    with pytest.raises(ValueError, match="h_prev"):
        layer.forward(np.zeros((4, 2)), np.zeros((3, 3)))
    with pytest.raises(RuntimeError, match="before forward"):
        layer.backward(np.zeros((4, 3)))


# --- TimeRNN -----------------------------------------------------------------


def unrolled(xs: np.ndarray, Wx: np.ndarray, Wh: np.ndarray, b: np.ndarray, h0: np.ndarray) -> np.ndarray:
    """The recurrence written out independently of the RNN class."""
    h, hs = h0, []
    for t in range(xs.shape[1]):
        h = np.tanh(h @ Wh + xs[:, t] @ Wx + b)
        hs.append(h)
    return np.stack(hs, axis=1)


def test_time_rnn_forward_is_the_unrolled_recurrence_from_zeros():
    g = generator()
    N, T, D, H = 2, 5, 3, 4
    Wx, Wh, b = parameters(g, D, H)
    xs = g.normal(size=(N, T, D))
    layer = TimeRNN(Wx, Wh, b)
    hs = layer.forward(xs)
    assert hs.shape == (N, T, H)
    np.testing.assert_allclose(hs, unrolled(xs, Wx, Wh, b, np.zeros((N, H))), **EXACT)
    # not stateful: a second call starts from zeros again
    np.testing.assert_allclose(layer.forward(xs), hs, **EXACT)


def test_time_rnn_stateful_carries_the_last_state_until_reset():
    g = generator()
    N, T, D, H = 3, 4, 2, 5
    Wx, Wh, b = parameters(g, D, H)
    first, second = g.normal(size=(N, T, D)), g.normal(size=(N, T, D))
    layer = TimeRNN(Wx, Wh, b, stateful=True)
    hs1 = layer.forward(first)
    hs2 = layer.forward(second)
    np.testing.assert_allclose(hs2, unrolled(second, Wx, Wh, b, hs1[:, -1]), **EXACT)
    # the two calls together are one sequence of 2T steps
    np.testing.assert_allclose(
        np.concatenate([hs1, hs2], axis=1), unrolled(np.concatenate([first, second], axis=1), Wx, Wh, b, 0 * hs1[:, 0])
    )
    layer.reset_state()
    np.testing.assert_allclose(layer.forward(second), unrolled(second, Wx, Wh, b, np.zeros((N, H))), **EXACT)
    with pytest.raises(ValueError, match="reset_state"):
        layer.forward(g.normal(size=(N + 1, T, D)))


def test_time_rnn_matches_numerical_gradients_and_sums_over_time():
    g = generator()
    N, T, D, H = 2, 4, 3, 3
    Wx, Wh, b = parameters(g, D, H)
    xs, dhs = g.normal(size=(N, T, D)), g.normal(size=(N, T, H))
    layer = TimeRNN(Wx, Wh, b)

    def loss(_):
        return np.sum(layer.forward(xs) * dhs)

    numeric = [numerical_gradient(loss, array) for array in (xs, Wx, Wh, b)]
    layer.forward(xs)
    grads = list(layer.grads)
    dxs = layer.backward(dhs)
    for got, want in zip((dxs, *layer.grads), numeric, strict=True):
        np.testing.assert_allclose(got, want, **NUMERIC)
    assert all(new is old for new, old in zip(layer.grads, grads, strict=True))
    # every step contributes: the last step's dWh alone is not the gradient
    last = layer.layers[0].grads[1]
    assert not np.allclose(layer.grads[1], last)


def test_time_rnn_dh_is_the_gradient_of_the_initial_state():
    g = generator()
    N, T, D, H = 2, 3, 2, 4
    Wx, Wh, b = parameters(g, D, H)
    warm, xs, dhs = g.normal(size=(N, T, D)), g.normal(size=(N, T, D)), g.normal(size=(N, T, H))
    layer = TimeRNN(Wx, Wh, b, stateful=True)
    layer.forward(warm)
    h0 = layer.h.copy()
    layer.forward(xs)
    layer.backward(dhs)
    numeric = numerical_gradient(lambda h: np.sum(unrolled(xs, Wx, Wh, b, h) * dhs), h0)
    np.testing.assert_allclose(layer.dh, numeric, **NUMERIC)


# --- clip_grads --------------------------------------------------------------


def test_clip_grads_by_hand_scales_every_array_in_place_by_the_global_norm():
    # norm = sqrt(12**2 + 3**2 + 4**2) = 13
    first, second = np.array([[0.0, 12.0]]), np.array([3.0, 4.0])
    grads = [first, second]
    clip_grads(grads, 5.0)
    rate = 5.0 / (13.0 + 1e-6)
    assert grads[0] is first
    assert grads[1] is second
    np.testing.assert_allclose(first, [[0.0, 12.0 * rate]], **EXACT)
    np.testing.assert_allclose(second, [3.0 * rate, 4.0 * rate], **EXACT)
    total = np.sqrt(sum(np.sum(grad**2) for grad in grads))
    assert total == pytest.approx(5.0, rel=1e-6)


# norm = 13: the factor max_norm / (13 + 1e-6) reaches 1 only for max_norm >= 13 + 1e-6
@pytest.mark.parametrize("max_norm", [13.0 + 1e-6, 20.0], ids=["factor-exactly-1", "norm-well-below"])
def test_clip_grads_leaves_small_gradients_unchanged(max_norm):
    grads = [np.array([[0.0, 12.0]]), np.array([3.0, 4.0])]
    clip_grads(grads, max_norm)
    np.testing.assert_array_equal(grads[0], [[0.0, 12.0]])
    np.testing.assert_array_equal(grads[1], [3.0, 4.0])


def test_clip_grads_rejects_what_it_can_not_scale_in_place():
    with pytest.raises(TypeError, match=r"grads\[1\] must be a float ndarray"):
        clip_grads([np.ones(2), np.ones(2, dtype=int)], 1.0)
    with pytest.raises(ValueError, match="max_norm >= 0"):
        clip_grads([np.ones(2)], -1.0)


# --- PyTorch -----------------------------------------------------------------


def test_rnn_and_time_rnn_match_pytorch():
    torch = pytest.importorskip("torch")
    g = generator()
    N, T, D, H = 3, 6, 4, 5
    Wx, Wh, b = parameters(g, D, H)
    xs, dhs = g.normal(size=(N, T, D)), g.normal(size=(N, T, H))
    layer = TimeRNN(Wx, Wh, b)
    hs = layer.forward(xs)
    dxs = layer.backward(dhs)

    # torch's RNN computes tanh(x W_ih^T + b_ih + h W_hh^T + b_hh): W_ih = Wx.T, W_hh = Wh.T, one bias zero
    rnn = torch.nn.RNN(D, H, batch_first=True, nonlinearity="tanh").double()
    with torch.no_grad():
        rnn.weight_ih_l0.copy_(torch.from_numpy(Wx.T))
        rnn.weight_hh_l0.copy_(torch.from_numpy(Wh.T))
        rnn.bias_ih_l0.copy_(torch.from_numpy(b))
        rnn.bias_hh_l0.zero_()
    txs = torch.tensor(xs, requires_grad=True)
    h0 = torch.zeros(1, N, H, dtype=torch.float64, requires_grad=True)
    t_hs, _ = rnn(txs, h0)
    t_hs.backward(torch.from_numpy(dhs))
    np.testing.assert_allclose(hs, t_hs.detach().numpy(), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(dxs, txs.grad.numpy(), rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(layer.grads[0], rnn.weight_ih_l0.grad.numpy().T, rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(layer.grads[1], rnn.weight_hh_l0.grad.numpy().T, rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(layer.grads[2], rnn.bias_ih_l0.grad.numpy(), rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(layer.dh, h0.grad.numpy()[0], rtol=1e-10, atol=1e-13)

    # one cell against torch's RNNCell with a non-zero h_prev
    cell = RNN(Wx, Wh, b)
    x, h_prev, dh_next = xs[:, 0], np.tanh(g.normal(size=(N, H))), g.normal(size=(N, H))
    h_next = cell.forward(x, h_prev)
    dx, dh_prev = cell.backward(dh_next)
    t_x, t_h = torch.tensor(x, requires_grad=True), torch.tensor(h_prev, requires_grad=True)
    t_Wx, t_Wh, t_b = (torch.tensor(a, requires_grad=True) for a in (Wx, Wh, b))
    t_next = torch.tanh(t_h @ t_Wh + t_x @ t_Wx + t_b)
    t_next.backward(torch.from_numpy(dh_next))
    np.testing.assert_allclose(h_next, t_next.detach().numpy(), rtol=1e-12, atol=1e-14)
    for got, want in zip((dx, dh_prev, *cell.grads), (t_x, t_h, t_Wx, t_Wh, t_b), strict=True):
        np.testing.assert_allclose(got, want.grad.numpy(), rtol=1e-10, atol=1e-13)


def test_time_rnn_stateful_matches_pytorch_with_a_detached_state():
    torch = pytest.importorskip("torch")
    g = generator()
    N, T, D, H = 2, 3, 3, 4
    Wx, Wh, b = parameters(g, D, H)
    first, second, dhs = g.normal(size=(N, T, D)), g.normal(size=(N, T, D)), g.normal(size=(N, T, H))
    layer = TimeRNN(Wx, Wh, b, stateful=True)
    layer.forward(first)
    hs = layer.forward(second)
    layer.backward(dhs)

    rnn = torch.nn.RNN(D, H, batch_first=True).double()
    with torch.no_grad():
        rnn.weight_ih_l0.copy_(torch.from_numpy(Wx.T))
        rnn.weight_hh_l0.copy_(torch.from_numpy(Wh.T))
        rnn.bias_ih_l0.copy_(torch.from_numpy(b))
        rnn.bias_hh_l0.zero_()
        _, h_last = rnn(torch.from_numpy(first))
    # truncated BPTT: the carried state is a leaf, its gradient is self.dh
    h0 = h_last.detach().requires_grad_(True)
    t_hs, _ = rnn(torch.from_numpy(second), h0)
    t_hs.backward(torch.from_numpy(dhs))
    np.testing.assert_allclose(hs, t_hs.detach().numpy(), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(layer.grads[1], rnn.weight_hh_l0.grad.numpy().T, rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(layer.dh, h0.grad.numpy()[0], rtol=1e-10, atol=1e-13)


def test_clip_grads_matches_pytorch_clip_grad_norm():
    torch = pytest.importorskip("torch")
    g = generator()
    arrays = [g.normal(size=(4, 5)) * 3.0, g.normal(size=(5, 5)), g.normal(size=5)]
    grads = [array.copy() for array in arrays]
    clip_grads(grads, 2.0)
    tensors = [torch.zeros(array.shape, dtype=torch.float64, requires_grad=True) for array in arrays]
    for tensor, array in zip(tensors, arrays, strict=True):
        tensor.grad = torch.from_numpy(array.copy())
    # torch scales by max_norm / (total_norm + 1e-6) when that is below 1, as the contract does
    torch.nn.utils.clip_grad_norm_(tensors, max_norm=2.0)
    for got, tensor in zip(grads, tensors, strict=True):
        np.testing.assert_allclose(got, tensor.grad.numpy(), rtol=1e-12)
