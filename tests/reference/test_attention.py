"""Tests for reference.attention (ex13).

Three oracles: small cases worked out by hand, central differences of
L = sum(dout * out) for a random dout (numerical_gradient), and PyTorch's
autograd on the same forward written in torch operations (skipped without
torch; float64 throughout).
"""

from __future__ import annotations

import numpy as np
import pytest

from reference import (
    LayerNorm,
    MultiHeadAttention,
    ScaledDotProductAttention,
    TransformerEncoderBlock,
    numerical_gradient,
    positional_encoding,
    scaled_dot_product_attention,
)
from reference.attention import BLOCK_KEYS

NUMERIC = {"rtol": 1e-6, "atol": 1e-8}
TORCH = {"rtol": 1e-10, "atol": 1e-12}


def generator(seed: int = 1313) -> np.random.Generator:
    return np.random.default_rng(seed)


def causal(t: int) -> np.ndarray:
    """True above the diagonal: query p does not see the keys after it."""
    return np.triu(np.ones((t, t), dtype=bool), k=1)


def block_params(rng: np.random.Generator, d: int, d_ff: int) -> dict[str, np.ndarray]:
    params = {key: rng.normal(size=(d, d)) / np.sqrt(d) for key in ("Wq", "Wk", "Wv", "Wo")}
    params.update(W1=rng.normal(size=(d, d_ff)) / np.sqrt(d), b1=rng.normal(size=d_ff) * 0.5)
    params.update(W2=rng.normal(size=(d_ff, d)) / np.sqrt(d_ff), b2=rng.normal(size=d) * 0.5)
    for key in ("gamma1", "gamma2"):
        params[key] = rng.uniform(0.5, 1.5, size=d)
    for key in ("beta1", "beta2"):
        params[key] = rng.normal(size=d) * 0.3
    return params


def numeric(forward, tensor: np.ndarray, dout: np.ndarray) -> np.ndarray:
    """Central differences of sum(dout * forward()) with respect to ``tensor``, changed in place and restored."""
    return numerical_gradient(lambda _: float(np.sum(dout * forward())), tensor)


# --- scaled dot-product attention ----------------------------------------------------------------


def test_attention_by_hand():
    # the quiz's example: scores 4, 0, 2 scaled by 1/sqrt(4) to 2, 0, 1
    q = np.array([[1.0, 0.0, 1.0, 0.0]])
    k = np.array([[2.0, 0.0, 2.0, 0.0], [0.0, 1.0, 0.0, 1.0], [1.0, 1.0, 1.0, 1.0]])
    v = np.array([[1.0], [4.0], [-2.0]])
    out, weights = scaled_dot_product_attention(q, k, v)
    e = np.exp([2.0, 0.0, 1.0])
    np.testing.assert_allclose(weights, [e / e.sum()], rtol=1e-14)
    np.testing.assert_allclose(out, [[(e @ [1.0, 4.0, -2.0]) / e.sum()]], rtol=1e-14)
    assert out[0, 0] == pytest.approx(0.536, abs=5e-4)


def test_a_hidden_key_gets_weight_zero_and_the_rest_renormalise():
    q = np.zeros((2, 3))  # equal scores: the visible keys share the weight equally
    k = np.arange(9.0).reshape(3, 3)
    v = np.array([[1.0], [2.0], [6.0]])
    mask = np.array([[False, True, False], [True, True, False]])
    out, weights = scaled_dot_product_attention(q, k, v, mask)
    np.testing.assert_array_equal(weights, [[0.5, 0.0, 0.5], [0.0, 0.0, 1.0]])
    np.testing.assert_array_equal(out, [[3.5], [6.0]])


def test_large_scores_do_not_overflow():
    q = np.array([[30.0, 30.0]])
    k = np.array([[40.0, 40.0], [-40.0, 40.0]])  # scores 1697 and 0: exp(1697) would overflow
    out, weights = scaled_dot_product_attention(q, k, np.array([[1.0], [2.0]]))
    np.testing.assert_array_equal(weights, [[1.0, 0.0]])
    assert np.all(np.isfinite(out))


def test_mask_validation():
    q = k = v = np.ones((2, 2))
    with pytest.raises(TypeError, match="boolean"):
        scaled_dot_product_attention(q, k, v, np.zeros((2, 2)))
    with pytest.raises(ValueError, match="every key hidden"):
        scaled_dot_product_attention(q, k, v, np.array([[True, True], [False, True]]))
    with pytest.raises(ValueError, match="broadcastable"):
        scaled_dot_product_attention(q, k, v, np.zeros((3,), dtype=bool))


@pytest.mark.parametrize("masked", [False, True], ids=["no-mask", "causal"])
def test_attention_layer_matches_numerical_gradients(masked):
    g = generator()
    Q, K, V = g.normal(size=(2, 4, 3)), g.normal(size=(2, 4, 3)), g.normal(size=(2, 4, 5))
    mask = causal(4) if masked else None
    dout = g.normal(size=(2, 4, 5))
    layer = ScaledDotProductAttention()
    out = layer.forward(Q, K, V, mask)
    np.testing.assert_allclose(out, scaled_dot_product_attention(Q, K, V, mask)[0], rtol=1e-15)
    grads = layer.backward(dout)
    for tensor, grad in zip((Q, K, V), grads, strict=True):
        expected = numeric(lambda: ScaledDotProductAttention().forward(Q, K, V, mask), tensor, dout)
        np.testing.assert_allclose(grad, expected, **NUMERIC)


def test_attention_with_fewer_queries_than_keys():
    g = generator()
    Q, K, V = g.normal(size=(3, 2)), g.normal(size=(5, 2)), g.normal(size=(5, 4))
    layer = ScaledDotProductAttention()
    assert layer.forward(Q, K, V).shape == (3, 4)
    dQ, dK, dV = layer.backward(np.ones((3, 4)))
    assert (dQ.shape, dK.shape, dV.shape) == ((3, 2), (5, 2), (5, 4))


# --- LayerNorm -----------------------------------------------------------------------------------


def test_layer_norm_by_hand():
    layer = LayerNorm(np.array([1.0, 1.0, 2.0]), np.array([0.0, 1.0, 0.0]), eps=0.0)
    # mean 2, biased variance 2/3
    out = layer.forward(np.array([[1.0, 2.0, 3.0]]))
    s = np.sqrt(2.0 / 3.0)
    np.testing.assert_allclose(out, [[-1.0 / s, 1.0, 2.0 / s]], rtol=1e-14)


def test_layer_norm_default_eps_and_grads_written_in_place():
    g = generator()
    gamma, beta = g.uniform(0.5, 1.5, size=4), g.normal(size=4)
    layer = LayerNorm(gamma, beta)
    assert layer.eps == 1e-5
    assert layer.params[0] is gamma
    assert layer.params[1] is beta
    held = list(layer.grads)
    x = g.normal(size=(2, 3, 4))
    out = layer.forward(x)
    xc = x - x.mean(axis=-1, keepdims=True)
    np.testing.assert_allclose(out, gamma * xc / np.sqrt(np.mean(xc**2, -1, keepdims=True) + 1e-5) + beta, rtol=1e-13)
    layer.backward(g.normal(size=x.shape))
    assert held[0] is layer.grads[0]
    assert held[1] is layer.grads[1]
    assert held[0].shape == (4,)
    assert np.any(held[0] != 0)


def test_layer_norm_matches_numerical_gradients_on_a_sequence():
    g = generator()
    gamma, beta = g.uniform(0.5, 1.5, size=5), g.normal(size=5)
    x = g.normal(size=(2, 3, 5)) * 2.0 + 1.0
    dout = g.normal(size=x.shape)
    layer = LayerNorm(gamma, beta)
    layer.forward(x)
    dx = layer.backward(dout)
    np.testing.assert_allclose(dx, numeric(lambda: LayerNorm(gamma, beta).forward(x), x, dout), **NUMERIC)
    for index, tensor in enumerate((gamma, beta)):
        expected = numeric(lambda: LayerNorm(gamma, beta).forward(x), tensor, dout)
        np.testing.assert_allclose(layer.grads[index], expected, **NUMERIC)


# --- positional encoding -------------------------------------------------------------------------


def test_positional_encoding_by_hand():
    pe = positional_encoding(3, 4)
    assert pe.shape == (3, 4)
    np.testing.assert_array_equal(pe[0], [0.0, 1.0, 0.0, 1.0])
    # columns 2 and 3 share the frequency 1 / 10000**(2/4) = 1/100
    np.testing.assert_allclose(pe[2], [np.sin(2.0), np.cos(2.0), np.sin(0.02), np.cos(0.02)], rtol=1e-15)


def test_positional_encoding_odd_width_ends_with_a_sine():
    pe = positional_encoding(4, 5)
    np.testing.assert_allclose(pe[:, 4], np.sin(np.arange(4) / 10000.0 ** (4 / 5)), rtol=1e-15)
    p = np.arange(4.0)[:, np.newaxis]
    slow = p / 10000.0 ** (2 / 5)
    np.testing.assert_allclose(pe[:, :4], np.hstack([np.sin(p), np.cos(p), np.sin(slow), np.cos(slow)]), rtol=1e-15)


# --- MultiHeadAttention --------------------------------------------------------------------------


def _mha_setup(seed: int = 7):
    g = generator(seed)
    d, heads = 6, 3
    weights = [g.normal(size=(d, d)) / np.sqrt(d) for _ in range(4)]
    q, k, v = g.normal(size=(2, 3, d)), g.normal(size=(2, 4, d)), g.normal(size=(2, 4, d))
    return g, weights, heads, (q, k, v)


def test_multi_head_attention_heads_are_consecutive_blocks():
    g, weights, heads, (q, k, v) = _mha_setup()
    out = MultiHeadAttention(*weights, heads).forward(q, k, v)
    Q, K, V = (x @ W for x, W in zip((q, k, v), weights[:3], strict=True))
    dh = 6 // heads
    parts = [scaled_dot_product_attention(*(a[..., j * dh : (j + 1) * dh] for a in (Q, K, V)))[0] for j in range(heads)]
    np.testing.assert_allclose(out, np.concatenate(parts, axis=-1) @ weights[3], rtol=1e-13)


@pytest.mark.parametrize("mask", [None, causal(3)], ids=["no-mask", "causal"])
def test_multi_head_attention_matches_numerical_gradients(mask):
    g, weights, heads, (q, k, v) = _mha_setup()
    if mask is not None:
        k, v = k[:, :3], v[:, :3]
    dout = g.normal(size=q.shape)
    layer = MultiHeadAttention(*weights, heads)
    held = list(layer.grads)
    layer.forward(q, k, v, mask)
    grads = layer.backward(dout)

    def again():
        return MultiHeadAttention(*weights, heads).forward(q, k, v, mask)

    for tensor, grad in zip((q, k, v), grads, strict=True):
        np.testing.assert_allclose(grad, numeric(again, tensor, dout), **NUMERIC)
    for index, W in enumerate(weights):
        assert layer.grads[index] is held[index]
        np.testing.assert_allclose(layer.grads[index], numeric(again, W, dout), **NUMERIC)


def test_self_attention_gradient_is_the_sum_of_dq_dk_dv():
    g, weights, heads, (x, _, _) = _mha_setup()
    dout = g.normal(size=x.shape)
    layer = MultiHeadAttention(*weights, heads)
    layer.forward(x, x, x)
    total = sum(layer.backward(dout))
    expected = numeric(lambda: MultiHeadAttention(*weights, heads).forward(x, x, x), x, dout)
    np.testing.assert_allclose(total, expected, **NUMERIC)


def test_multi_head_attention_validates_its_arguments():
    w = np.eye(6)
    with pytest.raises(ValueError, match="does not divide"):
        MultiHeadAttention(w, w, w, w, 4)
    with pytest.raises(ValueError, match=r"\(N, T, 6\)"):
        MultiHeadAttention(w, w, w, w, 2).forward(np.ones((3, 6)), np.ones((3, 6)), np.ones((3, 6)))


# --- TransformerEncoderBlock ---------------------------------------------------------------------


@pytest.mark.parametrize("masked", [False, True], ids=["no-mask", "causal"])
def test_encoder_block_matches_numerical_gradients(masked):
    g = generator(11)
    params = block_params(g, 4, 6)
    x = g.normal(size=(2, 3, 4))
    mask = causal(3) if masked else None
    dout = g.normal(size=x.shape)
    block = TransformerEncoderBlock(params, 2)
    held = dict(block.grads)
    block.forward(x, mask)
    dx = block.backward(dout)

    def again():
        return TransformerEncoderBlock(params, 2).forward(x, mask)

    np.testing.assert_allclose(dx, numeric(again, x, dout), **NUMERIC)
    assert set(block.grads) == set(BLOCK_KEYS)
    for key in BLOCK_KEYS:
        assert block.grads[key] is held[key], key
        np.testing.assert_allclose(block.grads[key], numeric(again, params[key], dout), **NUMERIC, err_msg=key)


def test_encoder_block_refuses_missing_keys():
    params = block_params(generator(), 4, 6)
    del params["gamma2"]
    with pytest.raises(ValueError, match="gamma2"):
        TransformerEncoderBlock(params, 2)


# --- PyTorch -------------------------------------------------------------------------------------


def _torch_attention(torch, Q, K, V, mask=None):
    scores = Q @ K.transpose(-1, -2) / np.sqrt(Q.shape[-1])
    if mask is not None:
        scores = scores.masked_fill(torch.as_tensor(mask), float("-inf"))
    return torch.softmax(scores, dim=-1) @ V


def _torch_mha(torch, q, k, v, W, heads, mask=None):
    def split(x):
        n, t, d = x.shape
        return x.reshape(n, t, heads, d // heads).transpose(1, 2)

    out = _torch_attention(torch, split(q @ W[0]), split(k @ W[1]), split(v @ W[2]), mask)
    n, _, t, _ = out.shape
    return out.transpose(1, 2).reshape(n, t, -1) @ W[3]


def _leaves(torch, arrays):
    return [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in arrays]


def test_attention_against_torch():
    torch = pytest.importorskip("torch")
    g = generator(21)
    arrays = [g.normal(size=(2, 3, 4)), g.normal(size=(2, 5, 4)), g.normal(size=(2, 5, 2))]
    mask = g.random((3, 5)) < 0.4
    mask[:, 0] = False
    dout = g.normal(size=(2, 3, 2))
    Q, K, V = _leaves(torch, arrays)
    expected = _torch_attention(torch, Q, K, V, mask)
    expected.backward(torch.tensor(dout))
    weights = torch.softmax((Q @ K.transpose(-1, -2) / 2.0).masked_fill(torch.as_tensor(mask), float("-inf")), dim=-1)
    out, got_weights = scaled_dot_product_attention(*arrays, mask)
    np.testing.assert_allclose(out, expected.detach().numpy(), **TORCH)
    np.testing.assert_allclose(got_weights, weights.detach().numpy(), **TORCH)
    layer = ScaledDotProductAttention()
    layer.forward(*arrays, mask)
    for got, leaf in zip(layer.backward(dout), (Q, K, V), strict=True):
        np.testing.assert_allclose(got, leaf.grad.numpy(), **TORCH)


def test_layer_norm_against_torch():
    torch = pytest.importorskip("torch")
    g = generator(22)
    arrays = [g.normal(size=(2, 3, 5)) * 3.0, g.uniform(0.5, 1.5, size=5), g.normal(size=5)]
    dout = g.normal(size=(2, 3, 5))
    x, gamma, beta = _leaves(torch, arrays)
    expected = torch.nn.functional.layer_norm(x, (5,), gamma, beta, eps=1e-5)
    expected.backward(torch.tensor(dout))
    layer = LayerNorm(arrays[1], arrays[2])
    np.testing.assert_allclose(layer.forward(arrays[0]), expected.detach().numpy(), **TORCH)
    np.testing.assert_allclose(layer.backward(dout), x.grad.numpy(), **TORCH)
    np.testing.assert_allclose(layer.grads[0], gamma.grad.numpy(), **TORCH)
    np.testing.assert_allclose(layer.grads[1], beta.grad.numpy(), **TORCH)


def test_multi_head_attention_against_torch():
    torch = pytest.importorskip("torch")
    g, weights, heads, inputs = _mha_setup(23)
    dout = g.normal(size=inputs[0].shape)
    leaves = _leaves(torch, [*inputs, *weights])
    expected = _torch_mha(torch, *leaves[:3], leaves[3:], heads)
    expected.backward(torch.tensor(dout))
    layer = MultiHeadAttention(*weights, heads)
    np.testing.assert_allclose(layer.forward(*inputs), expected.detach().numpy(), **TORCH)
    for got, leaf in zip(layer.backward(dout), leaves[:3], strict=True):
        np.testing.assert_allclose(got, leaf.grad.numpy(), **TORCH)
    for got, leaf in zip(layer.grads, leaves[3:], strict=True):
        np.testing.assert_allclose(got, leaf.grad.numpy(), **TORCH)


def test_multi_head_attention_agrees_with_torch_nn_multihead_attention():
    """torch's own module, set up exactly: no biases, batch first, the same weights (it computes x @ W.T)."""
    torch = pytest.importorskip("torch")
    g, weights, heads, (q, k, v) = _mha_setup(24)
    module = torch.nn.MultiheadAttention(6, heads, bias=False, batch_first=True, dtype=torch.float64)
    with torch.no_grad():
        module.in_proj_weight.copy_(torch.tensor(np.concatenate([W.T for W in weights[:3]])))
        module.out_proj.weight.copy_(torch.tensor(weights[3].T))
    mask = np.zeros((3, 4), dtype=bool)
    mask[0, 2:] = True
    expected, _ = module(*(torch.tensor(a) for a in (q, k, v)), attn_mask=torch.tensor(mask), need_weights=False)
    got = MultiHeadAttention(*weights, heads).forward(q, k, v, mask)
    np.testing.assert_allclose(got, expected.detach().numpy(), **TORCH)


@pytest.mark.parametrize("masked", [False, True], ids=["no-mask", "causal"])
def test_encoder_block_against_torch(masked):
    torch = pytest.importorskip("torch")
    g = generator(25)
    params = block_params(g, 6, 8)
    x = g.normal(size=(2, 4, 6))
    mask = causal(4) if masked else None
    dout = g.normal(size=x.shape)
    leaves = dict(zip(("x", *BLOCK_KEYS), _leaves(torch, [x, *(params[key] for key in BLOCK_KEYS)]), strict=True))
    t = leaves
    attended = _torch_mha(torch, t["x"], t["x"], t["x"], [t["Wq"], t["Wk"], t["Wv"], t["Wo"]], 3, mask)
    x1 = torch.nn.functional.layer_norm(t["x"] + attended, (6,), t["gamma1"], t["beta1"], eps=1e-5)
    ffn = torch.relu(x1 @ t["W1"] + t["b1"]) @ t["W2"] + t["b2"]
    expected = torch.nn.functional.layer_norm(x1 + ffn, (6,), t["gamma2"], t["beta2"], eps=1e-5)
    expected.backward(torch.tensor(dout))
    block = TransformerEncoderBlock(params, 3)
    np.testing.assert_allclose(block.forward(x, mask), expected.detach().numpy(), **TORCH)
    np.testing.assert_allclose(block.backward(dout), t["x"].grad.numpy(), **TORCH)
    for key in BLOCK_KEYS:
        np.testing.assert_allclose(block.grads[key], t[key].grad.numpy(), **TORCH, err_msg=key)
