"""Numeric answers of quizzes 1-5, recomputed (see the package docstring)."""

from __future__ import annotations

import numpy as np

import reference as ref


def _arrays(*values):
    return [np.array(value, dtype=np.float64) for value in values]


def _forward_pass_value() -> float:
    x, W1, b1, W2 = _arrays([1, 2], [[0.5, -1.0], [0.25, -0.5]], [0.1, 0.5], [1, 2])
    return float(ref.relu(x @ W1 + b1) @ W2 + 0.3)


def _gd_two_steps() -> float:
    params = {"x": np.array([3.0, 4.0])}
    optimizer = ref.SGD(lr=0.1)
    for _ in range(2):
        grad = ref.numerical_gradient(lambda x: float(np.sum(x**2)), params["x"].copy())
        optimizer.update(params, {"x": grad})
    return float(params["x"][1])


def _numerical_gradient_cost() -> float:
    calls = 0

    def loss(W):
        nonlocal calls
        calls += 1
        return 0.0

    ref.numerical_gradient(loss, np.zeros((784, 50)))
    return float(calls)


def _affine_db() -> float:
    layer = ref.Affine(np.zeros((4, 2)), np.zeros(2))
    layer.forward(np.zeros((3, 4)))
    layer.backward(np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]))
    return float(layer.db[0])


def _sigmoid_local_gradient() -> float:
    layer = ref.Sigmoid()
    layer.forward(np.array([np.log(0.8 / 0.2)]))  # the input whose sigmoid is 0.8
    return float(layer.backward(np.array([1.0]))[0])


def _init_std(init, n_in: int, n_out: int) -> float:
    # the same generator state gives standard normals; the ratio is the std
    weights = init(n_in, n_out, rng=np.random.default_rng(7))
    normals = np.random.default_rng(7).standard_normal((n_in, n_out))
    return float(np.median(weights / normals))


# question id -> (how, recompute); how is "reference" (calls the reference
# implementation) or "arithmetic" (the reference has no such function)
RECOMPUTE = {
    "sigmoid-at-zero": ("reference", lambda: float(ref.sigmoid(0.0))),
    "sigmoid-at-two": ("reference", lambda: float(ref.sigmoid(2.0))),
    "relu-sum": ("reference", lambda: float(ref.relu(np.array([-2.0, 0.5, 3.0])).sum())),
    "forward-pass-value": ("reference", _forward_pass_value),
    "parameter-count": ("arithmetic", lambda: float((2 * 3 + 3) + (3 * 2 + 2) + (2 * 2 + 2))),
    "softmax-value": ("reference", lambda: float(ref.softmax(np.array([1.0, 2.0, 3.0]))[2])),
    "softmax-large-inputs": ("reference", lambda: float(ref.softmax(np.array([1000.0, 1001.0, 999.0]))[1])),
    "ce-single": ("reference", lambda: ref.cross_entropy_error(np.array([0, 1, 0]), np.array([0.2, 0.7, 0.1]))),
    "ce-batch": (
        "reference",
        lambda: ref.cross_entropy_error(np.array([0, 1]), np.array([[0.5, 0.3, 0.2], [0.5, 0.25, 0.25]])),
    ),
    "mse-value": ("reference", lambda: ref.mean_squared_error(np.array([0, 1, 0]), np.array([0.1, 0.7, 0.2]))),
    "forward-difference": ("arithmetic", lambda: ((3 + 1e-4) ** 2 - 3**2) / 1e-4),
    "central-difference": ("reference", lambda: ref.numerical_diff(lambda x: x**3, 2.0)),
    "gd-two-steps": ("reference", _gd_two_steps),
    "iterations-per-epoch": ("arithmetic", lambda: 60000 / 100 * 10),
    "numerical-gradient-cost": ("reference", _numerical_gradient_cost),
    "chain-rule-value": ("reference", lambda: ref.numerical_diff(lambda x: (x * 3 + 1) ** 2, 2.0)),
    "mul-node": ("reference", lambda: ref.numerical_diff(lambda a: 2 * (a * -3.0), 4.0)),
    "sigmoid-derivative-value": ("reference", _sigmoid_local_gradient),
    "softmax-loss-gradient": (
        "reference",
        lambda: float(ref.d_softmax_with_loss(np.array([0, 1, 0]), np.array([0.1, 0.7, 0.2]))[1]),
    ),
    "affine-db": ("reference", _affine_db),
    "mse-gradient": (
        "reference",
        lambda: float(ref.d_mean_squared_error(np.array([1.0, 0.0]), np.array([0.5, 0.2]))[0]),
    ),
    "sigmoid-derivative-max": ("reference", lambda: float(ref.d_sigmoid(np.linspace(-10, 10, 20001)).max())),
    "five-sigmoid-layers": ("reference", lambda: float(ref.d_sigmoid(0.0)) ** 5),
    "xavier-std": ("reference", lambda: _init_std(ref.xavier_init, 100, 50)),
    "he-std": ("reference", lambda: _init_std(ref.he_init, 50, 100)),
    "variance-of-sum": ("arithmetic", lambda: 256 * 0.1**2 * 1.0),
    "gradient-clipping": ("arithmetic", lambda: 6 * min(1.0, 5 / float(np.hypot(6, 8)))),
}
