"""Numeric answers of quiz 20 (normalisation layers and explainability), recomputed."""

from __future__ import annotations

import itertools
import math

import numpy as np

import reference as ref


def _layernorm_row_value() -> float:
    # LayerNorm normalises one sample over its features; BatchNormalization normalises each
    # feature over the batch axis. Laying the sample's D features out as a batch of D rows
    # makes the reference's batch statistics the sample's statistics (biased variance, as the
    # question states); the scale and shift are those of the last feature.
    x = np.array([1.0, 2.0, 3.0, 6.0])
    layer = ref.BatchNormalization(np.array([2.0]), np.array([0.5]))
    return float(layer.forward(x.reshape(-1, 1), train_flg=True)[-1, 0])


def _groupnorm_group_size() -> float:
    n, c, h, w, groups = 8, 32, 16, 16, 8
    x = np.zeros((n, c, h, w)).reshape(n, groups, -1)  # what a GroupNorm forward pass reshapes to
    return float(x.shape[-1])


def _gradcam_map_sum() -> float:
    A = np.array([[[1.0, 0.0], [2.0, 1.0]], [[0.0, 3.0], [1.0, 0.0]]])
    dA = np.array([[[0.2, 0.4], [0.6, 0.8]], [[-0.5, 0.0], [0.0, -0.5]]])
    alpha = dA.mean(axis=(1, 2))  # global average pooling of the gradients
    cam = ref.relu(np.sum(alpha[:, None, None] * A, axis=0))
    return float(cam.sum())


def _shapley_value(v: dict[frozenset[str], float], player: str) -> float:
    players = sorted(set().union(*v))
    others = [p for p in players if p != player]
    n = len(players)
    total = 0.0
    for size in range(len(others) + 1):
        for coalition in itertools.combinations(others, size):
            s = frozenset(coalition)
            weight = math.factorial(size) * math.factorial(n - size - 1) / math.factorial(n)
            total += weight * (v[s | {player}] - v[s])
    return total


def _shapley_two_features() -> float:
    v = {
        frozenset(): 10.0,
        frozenset({"x1"}): 30.0,
        frozenset({"x2"}): 20.0,
        frozenset({"x1", "x2"}): 50.0,
    }
    return _shapley_value(v, "x1")


RECOMPUTE = {
    "layernorm-row-value": ("reference", _layernorm_row_value),
    "groupnorm-group-size": ("arithmetic", _groupnorm_group_size),
    "gradcam-map-value": ("arithmetic", _gradcam_map_sum),
    "shapley-two-features": ("arithmetic", _shapley_two_features),
}
