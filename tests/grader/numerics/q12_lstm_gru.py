"""Numeric answers of quiz 12 (LSTM, GRU, seq2seq), recomputed (see the package docstring).

The reference implementation has no LSTM or GRU yet: the cells are written out
step by step with NumPy (the LSTM's gates through ``reference.sigmoid``), in
the slice orders of the course contract (LSTM f, g, i, o; GRU z, r, candidate).
"""

from __future__ import annotations

import numpy as np

import reference as ref


def _lstm_cell_value() -> float:
    H = 1
    c_prev = np.array([[1.0]])
    gates = np.array([[2.0, 0.5, 0.0, 1.0]])  # x @ Wx + h_prev @ Wh + b, slices f, g, i, o
    f = ref.sigmoid(gates[:, :H])
    g = np.tanh(gates[:, H : 2 * H])
    i = ref.sigmoid(gates[:, 2 * H : 3 * H])
    o = ref.sigmoid(gates[:, 3 * H :])
    c_next = f * c_prev + g * i
    h_next = o * np.tanh(c_next)
    return float(h_next[0, 0])


def _lstm_dc_path() -> float:
    forget = {1: 0.95, 2: 0.8, 3: 0.9}
    dc = 2.0  # dL/dc_3
    for t in (3, 2, 1):  # dc_prev = ds * f with ds = dc_next along the cell path only
        dc = dc * forget[t]
    return float(dc)


def _lstm_param_count() -> float:
    D, H = 100, 128
    Wx, Wh, b = np.zeros((D, 4 * H)), np.zeros((H, 4 * H)), np.zeros(4 * H)
    return float(Wx.size + Wh.size + b.size)


def _gru_step_value() -> float:
    h_prev, z, r = 1.0, 0.2, 0.5
    x_part, Whh = 0.3, 0.8  # x @ Wx_h + b_h, and Wh_h
    h_hat = np.tanh(x_part + (r * h_prev) * Whh)
    return float((1 - z) * h_prev + z * h_hat)


def _beam_search_two_steps() -> float:
    first = {"A": 0.5, "B": 0.4, "C": 0.1}
    second = {
        "A": {"x": 0.4, "y": 0.3, "z": 0.3},
        "B": {"x": 0.9, "y": 0.05, "z": 0.05},
        "C": {"x": 1 / 3, "y": 1 / 3, "z": 1 / 3},
    }
    width = 2
    beam = sorted(first.items(), key=lambda item: -item[1])[:width]
    candidates = [(prefix + token, p * q) for prefix, p in beam for token, q in second[prefix].items()]
    best = max(candidates, key=lambda item: item[1])
    return float(best[1])


RECOMPUTE = {
    "lstm-cell-value": ("reference", _lstm_cell_value),
    "lstm-dc-path": ("arithmetic", _lstm_dc_path),
    "lstm-param-count": ("arithmetic", _lstm_param_count),
    "gru-step-value": ("arithmetic", _gru_step_value),
    "beam-search-two-steps": ("arithmetic", _beam_search_two_steps),
}
