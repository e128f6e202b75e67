"""Numeric answers of quiz 13 (attention and the Transformer), recomputed (see the package docstring).

The reference implementation has no attention yet: scaled dot-product attention
is written out with NumPy around ``reference.softmax``, and LayerNorm of one token
is ``reference.BatchNormalization`` applied to that token's features laid out as
a column (BatchNorm normalises down axis 0 with the biased variance, LayerNorm
along the feature axis: the same statistics, transposed).
"""

from __future__ import annotations

import numpy as np

import reference as ref


def _attention_output_value() -> float:
    q = np.array([[1.0, 0.0, 1.0, 0.0]])  # (Tq, dk)
    K = np.array([[2.0, 0.0, 2.0, 0.0], [0.0, 1.0, 0.0, 1.0], [1.0, 1.0, 1.0, 1.0]])  # (Tk, dk)
    V = np.array([[1.0], [4.0], [-2.0]])  # (Tk, dv)
    dk = q.shape[-1]
    scores = q @ K.T / np.sqrt(dk)
    weights = ref.softmax(scores)
    return float((weights @ V)[0, 0])


def _mha_param_count() -> float:
    d_model = 512
    weights = [np.zeros((d_model, d_model)) for _ in ("Wq", "Wk", "Wv", "Wo")]
    biases = [np.zeros(d_model) for _ in ("bq", "bk", "bv", "bo")]  # heads slice these: no factor 8
    return float(sum(array.size for array in weights + biases))


def _pe_value() -> float:
    d_model, position, dimension = 8, 5, 3
    i = dimension // 2  # dimension 3 = 2i + 1
    angle = position / 10000 ** (2 * i / d_model)
    return float(np.sin(angle) if dimension % 2 == 0 else np.cos(angle))


def _layernorm_value() -> float:
    token = np.array([1.0, 2.0, 3.0, 6.0])
    layer = ref.BatchNormalization(np.ones(1), np.zeros(1))  # eps 1e-7: negligible at 3 decimals
    return float(layer.forward(token.reshape(-1, 1))[3, 0])


def _attention_cost() -> float:
    T, d_model, num_heads = 512, 512, 8
    dk = d_model // num_heads
    per_head = T * T * dk  # (T, dk) @ (dk, T): T*T scores of dk multiply-adds
    return float(num_heads * per_head)


RECOMPUTE = {
    "attention-output-value": ("reference", _attention_output_value),
    "mha-param-count": ("arithmetic", _mha_param_count),
    "pe-value": ("arithmetic", _pe_value),
    "layernorm-value": ("reference", _layernorm_value),
    "attention-cost": ("arithmetic", _attention_cost),
}
