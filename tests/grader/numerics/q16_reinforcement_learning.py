"""Numeric answers of quiz 16 (reinforcement learning), recomputed (see the package docstring).

The reference implementation has no reinforcement learning; each answer is
written out with NumPy from the numbers in the question, step by step.
"""

from __future__ import annotations

import numpy as np


def _discounted_return() -> float:
    rewards, gamma = [2.0, 0.0, 0.0, 10.0], 0.9
    g = 0.0
    for reward in reversed(rewards):  # G_t = R_{t+1} + gamma * G_{t+1}, G = 0 after the end
        g = reward + gamma * g
    return g


def _epsilon_greedy_probability() -> float:
    epsilon, n_actions, greedy = 0.2, 4, 0
    probabilities = np.full(n_actions, epsilon / n_actions)  # the random branch, greedy action included
    probabilities[greedy] += 1.0 - epsilon
    assert np.isclose(probabilities.sum(), 1.0)
    return float(probabilities[greedy])


def _q_learning_update() -> float:
    Q = np.array([[2.0, 0.0, 0.0], [3.0, 1.0, -1.0]])  # row 0: state s, row 1: state s'
    s, a, r, s_next, alpha, gamma = 0, 0, 1.0, 1, 0.1, 0.9
    target = r + gamma * np.max(Q[s_next])
    Q[s, a] += alpha * (target - Q[s, a])
    return float(Q[s, a])


def _td_advantage() -> float:
    V = {"s": 2.5, "s_next": 2.0}
    r, gamma = 1.0, 0.9
    return r + gamma * V["s_next"] - V["s"]


RECOMPUTE = {
    "discounted-return": ("arithmetic", _discounted_return),
    "epsilon-greedy-probability": ("arithmetic", _epsilon_greedy_probability),
    "q-learning-update": ("arithmetic", _q_learning_update),
    "td-advantage": ("arithmetic", _td_advantage),
}
