"""Numeric answers of quiz 11 (recurrent networks), recomputed (see the package docstring).

The reference implementation has no RNN yet, so these are written out step by
step with NumPy from the numbers in each question.
"""

from __future__ import annotations

import numpy as np


def _rnn_layer_params() -> float:
    D, H = 100, 64
    Wx, Wh, b = np.zeros((D, H)), np.zeros((H, H)), np.zeros(H)
    return float(sum(array.size for array in (Wx, Wh, b)))  # shared by all T steps: T does not enter


def _rnn_two_steps() -> float:
    Wx, Wh, b = np.array([[1.0]]), np.array([[0.5]]), np.zeros(1)
    h = np.zeros((1, 1))
    for x in (np.array([[1.0]]), np.array([[0.5]])):
        h = np.tanh(h @ Wh + x @ Wx + b)
    return float(h[0, 0])


def _bptt_gradient_decay() -> float:
    w, steps = 1.5, 20
    # the pre-activation a with tanh'(a) = 1 - tanh(a)**2 = 0.5
    a = np.arctanh(np.sqrt(0.5))
    local = 1.0 - np.tanh(a) ** 2
    gradient = 1.0
    for _ in range(steps):  # dh_{t-1} = dh_t * w * (1 - h_t**2)
        gradient *= w * local
    return float(gradient)


def _clip_grads_global_norm() -> float:
    grads = [np.array([[0.0, 12.0]]), np.array([3.0, 4.0])]
    max_norm = 5.0
    total_norm = np.sqrt(sum(np.sum(grad**2) for grad in grads))
    rate = max_norm / (total_norm + 1e-6)
    if rate < 1:
        for grad in grads:
            grad *= rate
    return float(grads[0][0, 1])


RECOMPUTE = {
    "rnn-layer-params": ("arithmetic", _rnn_layer_params),
    "rnn-two-steps": ("arithmetic", _rnn_two_steps),
    "bptt-gradient-decay": ("arithmetic", _bptt_gradient_decay),
    "clip-grads-global-norm": ("arithmetic", _clip_grads_global_norm),
}
