"""Numeric answers of quiz 19 (compression, distributed training, deployment), recomputed."""

from __future__ import annotations

import numpy as np

import reference as ref


def _magnitude_pruning() -> float:
    weights = np.array([0.9, -0.05, 0.3, -0.6, 0.02, -0.2, 0.1, 0.7])
    pruned = weights.copy()
    pruned[np.argsort(np.abs(weights))[: weights.size // 2]] = 0.0  # the half with the smallest |w|
    return float(pruned.sum())


def _quantize_dequantize() -> float:
    x_min, x_max, x = -1.0, 3.0, 1.0
    scale = (x_max - x_min) / 255
    zero_point = np.round(-x_min / scale)
    q = np.clip(np.round(x / scale) + zero_point, 0, 255).astype(np.uint8)
    return float(scale * (float(q) - zero_point))


def _depthwise_separable_weights() -> float:
    # depthwise: one 3x3 filter per input channel, i.e. 128 filters of one channel each; pointwise: 1x1, 128 -> 256
    depthwise = ref.Convolution(np.zeros((128, 1, 3, 3)), np.zeros(128))
    pointwise = ref.Convolution(np.zeros((256, 128, 1, 1)), np.zeros(256))
    return float(depthwise.W.size + pointwise.W.size)


def _linear_scaling() -> float:
    base_batch, base_lr = 256, 0.1
    effective_batch = 32 * 64  # GPUs times examples per GPU
    return base_lr * effective_batch / base_batch


RECOMPUTE = {
    "magnitude-pruning": ("arithmetic", _magnitude_pruning),
    "quantize-value": ("arithmetic", _quantize_dequantize),
    "depthwise-params": ("reference", _depthwise_separable_weights),
    "linear-scaling": ("arithmetic", _linear_scaling),
}
