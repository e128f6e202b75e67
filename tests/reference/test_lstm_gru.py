"""Tests for reference.lstm_gru (ex12): LSTM, TimeLSTM, GRU.

Three oracles: cases worked out by hand (saturated gates pick out one block,
so the block order f, g, i, o and z, r, candidate is pinned down), numerical
gradients (reference.numerical_gradient of L = sum(dout * out) for random
upstream gradients), and PyTorch 2.13 in float64: nn.LSTMCell / nn.LSTM with
the blocks reordered from the contract's f, g, i, o to PyTorch's i, f, g, o;
the contract's GRU written out with torch operations and differentiated by
autograd; and its exact relation to nn.GRUCell (z is PyTorch's 1 - z, and
the two agree when the candidate's recurrent block is diagonal, because the
contract applies r before the matrix product and PyTorch after it).
"""

from __future__ import annotations

import numpy as np
import pytest

from reference import GRU, LSTM, TimeLSTM, numerical_gradient

NUMERIC = {"rtol": 1e-6, "atol": 1e-8}
TORCH = {"rtol": 1e-10, "atol": 1e-12}


def generator() -> np.random.Generator:
    return np.random.default_rng(1212)


def lstm_problem(g: np.random.Generator, N: int = 3, D: int = 4, H: int = 5) -> dict[str, np.ndarray]:
    return {
        "Wx": g.normal(scale=0.6, size=(D, 4 * H)),
        "Wh": g.normal(scale=0.6, size=(H, 4 * H)),
        "b": g.normal(scale=0.5, size=4 * H),
        "x": g.normal(size=(N, D)),
        "h_prev": g.normal(scale=0.7, size=(N, H)),
        "c_prev": g.normal(size=(N, H)),
        "dh_next": g.normal(size=(N, H)),
        "dc_next": g.normal(size=(N, H)),
    }


def gru_problem(g: np.random.Generator, N: int = 3, D: int = 4, H: int = 5) -> dict[str, np.ndarray]:
    return {
        "Wx": g.normal(scale=0.6, size=(D, 3 * H)),
        "Wh": g.normal(scale=0.6, size=(H, 3 * H)),
        "b": g.normal(scale=0.5, size=3 * H),
        "x": g.normal(size=(N, D)),
        "h_prev": g.normal(scale=0.7, size=(N, H)),
        "dh_next": g.normal(size=(N, H)),
    }


# --- by hand -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("b", "c_next"),
    [
        # f = 1, g = 0, i = 0: the cell keeps c_prev
        pytest.param([50.0, 0.0, -50.0, 50.0], 2.0, id="forget-gate-open"),
        # f = 0, g = tanh(50) = 1, i = 1: the cell forgets c_prev and writes 1
        pytest.param([-50.0, 50.0, 50.0, 50.0], 1.0, id="input-gate-open"),
        # all pre-activations 0: f = i = o = 1/2, g = 0
        pytest.param([0.0, 0.0, 0.0, 0.0], 1.0, id="half"),
    ],
)
def test_lstm_by_hand_blocks_are_f_g_i_o(b, c_next):
    layer = LSTM(np.zeros((1, 4)), np.zeros((1, 4)), np.array(b))
    h, c = layer.forward(np.array([[3.0]]), np.array([[-1.0]]), np.array([[2.0]]))
    o = 1.0 if b[3] > 0 else 0.5
    np.testing.assert_allclose(c, [[c_next]], rtol=1e-14)
    np.testing.assert_allclose(h, [[o * np.tanh(c_next)]], rtol=1e-14)


def test_lstm_backward_by_hand():
    # all pre-activations 0 (f = i = o = 1/2, g = 0), c_prev = 2: c_next = 1, h_next = tanh(1) / 2
    layer = LSTM(np.zeros((1, 4)), np.zeros((1, 4)), np.zeros(4))
    layer.forward(np.array([[1.0]]), np.array([[1.0]]), np.array([[2.0]]))
    dx, dh_prev, dc_prev = layer.backward(np.array([[0.0]]), np.array([[1.0]]))
    # dc_next = 1 alone: ds = 1, dc_prev = f * ds, df = c_prev * f(1-f), dg = i, di = g * i(1-i) = 0, do = 0
    np.testing.assert_allclose(dc_prev, [[0.5]], rtol=1e-14)
    np.testing.assert_allclose(layer.grads[2], [0.5, 0.5, 0.0, 0.0], rtol=1e-14)
    np.testing.assert_allclose(dx, [[0.0]], atol=0)  # Wx = 0
    np.testing.assert_allclose(dh_prev, [[0.0]], atol=0)


def test_gru_by_hand_blocks_are_z_r_candidate():
    h_prev = np.array([[0.3, -0.4]])
    keep = GRU(np.zeros((1, 6)), np.zeros((2, 6)), np.array([-50.0, -50.0, 0.0, 0.0, 1.0, 1.0]))
    np.testing.assert_allclose(keep.forward(np.array([[2.0]]), h_prev), h_prev, rtol=1e-14)  # z = 0
    # z = 1: h_next = h_hat = tanh(b_h) when Wx and Wh are 0
    write = GRU(np.zeros((1, 6)), np.zeros((2, 6)), np.array([50.0, 50.0, 0.0, 0.0, 1.0, -2.0]))
    np.testing.assert_allclose(write.forward(np.array([[2.0]]), h_prev), np.tanh([[1.0, -2.0]]), rtol=1e-14)


def test_gru_reset_gate_scales_h_prev_before_the_product():
    # z = 1 (h_next = h_hat), r = 0: h_hat = tanh(0 @ Wh_h) = 0 whatever Wh_h is
    Wh = np.zeros((2, 6))
    Wh[:, 4:] = [[1.0, 2.0], [3.0, 4.0]]
    layer = GRU(np.zeros((1, 6)), Wh, np.array([50.0, 50.0, -50.0, -50.0, 0.0, 0.0]))
    np.testing.assert_allclose(layer.forward(np.zeros((1, 1)), np.array([[1.0, 1.0]])), [[0.0, 0.0]], atol=1e-20)


def test_parameters_are_kept_by_reference_and_grads_written_in_place():
    p = lstm_problem(generator())
    for layer in (LSTM(p["Wx"], p["Wh"], p["b"]), TimeLSTM(p["Wx"], p["Wh"], p["b"])):
        assert all(a is b for a, b in zip(layer.params, (p["Wx"], p["Wh"], p["b"]), strict=True))
        held = list(layer.grads)
        if isinstance(layer, LSTM):
            layer.forward(p["x"], p["h_prev"], p["c_prev"])
            layer.backward(p["dh_next"], p["dc_next"])
        else:
            # two steps: at the first, h_prev is 0 and so is that step's dWh
            layer.backward(layer.forward(np.stack([p["x"], -p["x"]], axis=1)))
        assert all(a is b for a, b in zip(layer.grads, held, strict=True))
        assert all(np.any(grad != 0) for grad in held)


def test_validation_names_the_argument():
    with pytest.raises(ValueError, match=r"LSTM expects Wh of shape \(2, 8\) \(\(H, 4H\)"):
        LSTM(np.zeros((3, 8)), np.zeros((2, 6)), np.zeros(8))
    with pytest.raises(ValueError, match=r"GRU.forward expects h_prev of shape \(2, 2\)"):
        GRU(np.zeros((3, 6)), np.zeros((2, 6)), np.zeros(6)).forward(np.zeros((2, 3)), np.zeros((2, 3)))
    with pytest.raises(RuntimeError, match="called before forward"):
        TimeLSTM(np.zeros((3, 8)), np.zeros((2, 8)), np.zeros(8)).backward(np.zeros((1, 1, 2)))


# --- numerical gradients ----------------------------------------------------------------


def test_lstm_matches_numerical_gradients():
    p = lstm_problem(generator())
    layer = LSTM(p["Wx"], p["Wh"], p["b"])

    def loss(_):
        h, c = layer.forward(p["x"], p["h_prev"], p["c_prev"])
        return np.sum(p["dh_next"] * h) + np.sum(p["dc_next"] * c)

    # numerical_gradient perturbs the arrays in place; the layer reads them by reference
    numeric = {name: numerical_gradient(loss, p[name]) for name in ("x", "h_prev", "c_prev", "Wx", "Wh", "b")}
    layer.forward(p["x"], p["h_prev"], p["c_prev"])
    dx, dh_prev, dc_prev = layer.backward(p["dh_next"], p["dc_next"])
    for name, analytic in zip(
        ("x", "h_prev", "c_prev", "Wx", "Wh", "b"), (dx, dh_prev, dc_prev, *layer.grads), strict=True
    ):
        np.testing.assert_allclose(analytic, numeric[name], **NUMERIC, err_msg=name)


def test_gru_matches_numerical_gradients():
    p = gru_problem(generator())
    layer = GRU(p["Wx"], p["Wh"], p["b"])

    def loss(_):
        return np.sum(p["dh_next"] * layer.forward(p["x"], p["h_prev"]))

    numeric = {name: numerical_gradient(loss, p[name]) for name in ("x", "h_prev", "Wx", "Wh", "b")}
    layer.forward(p["x"], p["h_prev"])
    dx, dh_prev = layer.backward(p["dh_next"])
    for name, analytic in zip(("x", "h_prev", "Wx", "Wh", "b"), (dx, dh_prev, *layer.grads), strict=True):
        np.testing.assert_allclose(analytic, numeric[name], **NUMERIC, err_msg=name)


def test_time_lstm_matches_numerical_gradients_with_a_kept_state():
    g = generator()
    N, T, D, H = 2, 4, 3, 3
    p = lstm_problem(g, N, D, H)
    xs = g.normal(size=(N, T, D))
    dhs = g.normal(size=(N, T, H))
    h0, c0 = g.normal(size=(N, H)), g.normal(size=(N, H))
    layer = TimeLSTM(p["Wx"], p["Wh"], p["b"], stateful=True)

    def loss(_):
        layer.h, layer.c = h0.copy(), c0.copy()
        return np.sum(dhs * layer.forward(xs))

    numeric = {name: numerical_gradient(loss, value) for name, value in (("xs", xs), ("h0", h0))}
    numeric.update({name: numerical_gradient(loss, p[name]) for name in ("Wx", "Wh", "b")})
    loss(None)
    dxs = layer.backward(dhs)
    np.testing.assert_allclose(dxs, numeric["xs"], **NUMERIC)
    np.testing.assert_allclose(layer.dh, numeric["h0"], **NUMERIC)
    for name, analytic in zip(("Wx", "Wh", "b"), layer.grads, strict=True):
        np.testing.assert_allclose(analytic, numeric[name], **NUMERIC, err_msg=name)


def test_time_lstm_state_is_kept_only_when_stateful():
    g = generator()
    p = lstm_problem(g, 2, 3, 4)
    xs1, xs2 = g.normal(size=(2, 3, 3)), g.normal(size=(2, 2, 3))
    whole = TimeLSTM(p["Wx"], p["Wh"], p["b"]).forward(np.concatenate([xs1, xs2], axis=1))
    fresh = TimeLSTM(p["Wx"], p["Wh"], p["b"]).forward(xs2)

    stateful = TimeLSTM(p["Wx"], p["Wh"], p["b"], stateful=True)
    stateful.forward(xs1)
    np.testing.assert_allclose(stateful.forward(xs2), whole[:, 3:], rtol=1e-14)
    np.testing.assert_allclose(stateful.h, whole[:, -1], rtol=1e-14)
    stateful.reset_state()
    np.testing.assert_allclose(stateful.forward(xs2), fresh, rtol=1e-14)

    stateless = TimeLSTM(p["Wx"], p["Wh"], p["b"])
    stateless.forward(xs1)
    np.testing.assert_allclose(stateless.forward(xs2), fresh, rtol=1e-14)


def test_time_lstm_of_one_step_is_the_cell():
    p = lstm_problem(generator())
    N, H = p["h_prev"].shape
    cell = LSTM(p["Wx"], p["Wh"], p["b"])
    h, _ = cell.forward(p["x"], np.zeros((N, H)), np.zeros((N, H)))
    layer = TimeLSTM(p["Wx"], p["Wh"], p["b"])
    np.testing.assert_allclose(layer.forward(p["x"][:, None, :])[:, 0], h, rtol=1e-14)
    dxs = layer.backward(p["dh_next"][:, None, :])
    dx, dh_prev, _ = cell.backward(p["dh_next"], np.zeros((N, H)))
    np.testing.assert_allclose(dxs[:, 0], dx, rtol=1e-14)
    np.testing.assert_allclose(layer.dh, dh_prev, rtol=1e-14)


# --- PyTorch ----------------------------------------------------------------------


def contract_to_torch_lstm(W: np.ndarray, H: int) -> np.ndarray:
    """Contract columns f, g, i, o to PyTorch rows i, f, g, o (weight_ih is (4H, D))."""
    f, g, i, o = (W[..., k * H : (k + 1) * H] for k in range(4))
    return np.concatenate([i, f, g, o], axis=-1).T


def torch_lstm_to_contract(W: np.ndarray, H: int) -> np.ndarray:
    """The inverse: PyTorch rows i, f, g, o to contract columns f, g, i, o."""
    i, f, g, o = (W[k * H : (k + 1) * H] for k in range(4))
    return np.concatenate([f, g, i, o], axis=0).T


def test_lstm_matches_pytorch_lstm_cell_with_reordered_blocks():
    torch = pytest.importorskip("torch")
    p = lstm_problem(generator())
    H = p["h_prev"].shape[1]
    layer = LSTM(p["Wx"], p["Wh"], p["b"])
    h, c = layer.forward(p["x"], p["h_prev"], p["c_prev"])
    dx, dh_prev, dc_prev = layer.backward(p["dh_next"], p["dc_next"])

    cell = torch.nn.LSTMCell(p["x"].shape[1], H, dtype=torch.float64)
    with torch.no_grad():
        cell.weight_ih.copy_(torch.from_numpy(contract_to_torch_lstm(p["Wx"], H)))
        cell.weight_hh.copy_(torch.from_numpy(contract_to_torch_lstm(p["Wh"], H)))
        cell.bias_ih.copy_(torch.from_numpy(contract_to_torch_lstm(p["b"], H)))
        cell.bias_hh.zero_()
    tx, th, tc = (torch.tensor(p[k], requires_grad=True) for k in ("x", "h_prev", "c_prev"))
    t_h, t_c = cell(tx, (th, tc))
    (t_h * torch.from_numpy(p["dh_next"]) + t_c * torch.from_numpy(p["dc_next"])).sum().backward()

    np.testing.assert_allclose(h, t_h.detach().numpy(), **TORCH)
    np.testing.assert_allclose(c, t_c.detach().numpy(), **TORCH)
    for ours, tensor in ((dx, tx), (dh_prev, th), (dc_prev, tc)):
        np.testing.assert_allclose(ours, tensor.grad.numpy(), **TORCH)
    np.testing.assert_allclose(layer.grads[0], torch_lstm_to_contract(cell.weight_ih.grad.numpy(), H), **TORCH)
    np.testing.assert_allclose(layer.grads[1], torch_lstm_to_contract(cell.weight_hh.grad.numpy(), H), **TORCH)
    np.testing.assert_allclose(layer.grads[2], torch_lstm_to_contract(cell.bias_ih.grad.numpy(), H), **TORCH)


@pytest.mark.parametrize("stateful", [False, True], ids=["zero-state", "kept-state"])
def test_time_lstm_matches_pytorch_lstm(stateful):
    torch = pytest.importorskip("torch")
    g = generator()
    N, T, D, H = 3, 5, 4, 3
    p = lstm_problem(g, N, D, H)
    warm_up, xs, dhs = g.normal(size=(N, 2, D)), g.normal(size=(N, T, D)), g.normal(size=(N, T, H))
    layer = TimeLSTM(p["Wx"], p["Wh"], p["b"], stateful=stateful)
    layer.forward(warm_up)
    h0, c0 = (layer.h.copy(), layer.c.copy()) if stateful else (np.zeros((N, H)), np.zeros((N, H)))
    hs = layer.forward(xs)
    dxs = layer.backward(dhs)

    lstm = torch.nn.LSTM(D, H, batch_first=True, dtype=torch.float64)
    with torch.no_grad():
        lstm.weight_ih_l0.copy_(torch.from_numpy(contract_to_torch_lstm(p["Wx"], H)))
        lstm.weight_hh_l0.copy_(torch.from_numpy(contract_to_torch_lstm(p["Wh"], H)))
        lstm.bias_ih_l0.copy_(torch.from_numpy(contract_to_torch_lstm(p["b"], H)))
        lstm.bias_hh_l0.zero_()
    t_xs = torch.tensor(xs, requires_grad=True)
    t_h0 = torch.tensor(h0[None], requires_grad=True)
    t_hs, _ = lstm(t_xs, (t_h0, torch.from_numpy(c0[None])))
    (t_hs * torch.from_numpy(dhs)).sum().backward()

    np.testing.assert_allclose(hs, t_hs.detach().numpy(), **TORCH)
    np.testing.assert_allclose(dxs, t_xs.grad.numpy(), **TORCH)
    np.testing.assert_allclose(layer.dh, t_h0.grad.numpy()[0], **TORCH)
    np.testing.assert_allclose(layer.grads[0], torch_lstm_to_contract(lstm.weight_ih_l0.grad.numpy(), H), **TORCH)
    np.testing.assert_allclose(layer.grads[1], torch_lstm_to_contract(lstm.weight_hh_l0.grad.numpy(), H), **TORCH)
    np.testing.assert_allclose(layer.grads[2], torch_lstm_to_contract(lstm.bias_ih_l0.grad.numpy(), H), **TORCH)


def test_gru_matches_the_contract_formula_under_autograd():
    torch = pytest.importorskip("torch")
    p = gru_problem(generator())
    H = p["h_prev"].shape[1]
    layer = GRU(p["Wx"], p["Wh"], p["b"])
    h_next = layer.forward(p["x"], p["h_prev"])
    dx, dh_prev = layer.backward(p["dh_next"])

    t = {k: torch.tensor(p[k], requires_grad=True) for k in ("Wx", "Wh", "b", "x", "h_prev")}
    Wx, Wh, b, x, h = t["Wx"], t["Wh"], t["b"], t["x"], t["h_prev"]
    z = torch.sigmoid(x @ Wx[:, :H] + h @ Wh[:, :H] + b[:H])
    r = torch.sigmoid(x @ Wx[:, H : 2 * H] + h @ Wh[:, H : 2 * H] + b[H : 2 * H])
    h_hat = torch.tanh(x @ Wx[:, 2 * H :] + (r * h) @ Wh[:, 2 * H :] + b[2 * H :])
    t_next = (1 - z) * h + z * h_hat
    (t_next * torch.from_numpy(p["dh_next"])).sum().backward()

    np.testing.assert_allclose(h_next, t_next.detach().numpy(), **TORCH)
    for ours, name in ((dx, "x"), (dh_prev, "h_prev"), *zip(layer.grads, ("Wx", "Wh", "b"), strict=True)):
        np.testing.assert_allclose(ours, t[name].grad.numpy(), **TORCH, err_msg=name)


def _gru_cell_from_contract(torch, Wx: np.ndarray, Wh: np.ndarray, b: np.ndarray, H: int):
    """nn.GRUCell (rows r, z, n) holding the contract's weights: PyTorch's z is the contract's 1 - z."""
    z_x, r_x, n_x = (Wx[:, k * H : (k + 1) * H] for k in range(3))
    z_h, r_h, n_h = (Wh[:, k * H : (k + 1) * H] for k in range(3))
    z_b, r_b, n_b = (b[k * H : (k + 1) * H] for k in range(3))
    cell = torch.nn.GRUCell(Wx.shape[0], H, dtype=torch.float64)
    with torch.no_grad():
        # 1 - sigmoid(a) = sigmoid(-a)
        cell.weight_ih.copy_(torch.from_numpy(np.concatenate([r_x, -z_x, n_x], axis=1).T))
        cell.weight_hh.copy_(torch.from_numpy(np.concatenate([r_h, -z_h, n_h], axis=1).T))
        cell.bias_ih.copy_(torch.from_numpy(np.concatenate([r_b, -z_b, n_b])))
        cell.bias_hh.zero_()
    return cell


def test_gru_equals_pytorch_gru_cell_exactly_when_the_candidate_block_is_diagonal():
    torch = pytest.importorskip("torch")
    p = gru_problem(generator())
    H = p["h_prev"].shape[1]
    # (r * h) @ W equals r * (h @ W) for every r and h only when W is diagonal
    diagonal = p["Wh"].copy()
    diagonal[:, 2 * H :] = np.diag(np.diag(p["Wh"][:, 2 * H :]))
    for Wh, agree in ((diagonal, True), (p["Wh"], False)):
        ours = GRU(p["Wx"], Wh, p["b"]).forward(p["x"], p["h_prev"])
        cell = _gru_cell_from_contract(torch, p["Wx"], Wh, p["b"], H)
        theirs = cell(torch.from_numpy(p["x"]), torch.from_numpy(p["h_prev"])).detach().numpy()
        assert np.allclose(ours, theirs, **TORCH) == agree
