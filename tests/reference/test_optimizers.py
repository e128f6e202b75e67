"""Tests for reference.optimizers (ex04)."""

from __future__ import annotations

import numpy as np
import pytest

from reference import SGD, AdaGrad, Adam, Momentum, RMSprop

EXACT = {"rtol": 1e-13, "atol": 0}

OPTIMIZERS = [SGD, Momentum, AdaGrad, RMSprop, Adam]
OPTIMIZER_IDS = [cls.__name__ for cls in OPTIMIZERS]


def run(optimizer, start: float, gradients: list[float]) -> list[float]:
    """Apply one update per gradient to a 1-element parameter; return the trace."""
    params = {"p": np.array([start])}
    trace = []
    for g in gradients:
        optimizer.update(params, {"p": np.array([g])})
        trace.append(float(params["p"][0]))
    return trace


# --- hand-worked cases -------------------------------------------------------


def test_sgd_two_steps_by_hand():
    # p -= 0.1 * g
    assert run(SGD(lr=0.1), 1.0, [0.5, -1.0]) == pytest.approx([0.95, 1.05], rel=1e-14)


def test_momentum_three_steps_by_hand():
    # v = 0.9 v - 0.1 * 1: v = -0.1, -0.19, -0.271; p = 0.9, 0.71, 0.439
    trace = run(Momentum(lr=0.1, momentum=0.9), 1.0, [1.0, 1.0, 1.0])
    assert trace == pytest.approx([0.9, 0.71, 0.439], rel=1e-14)


def test_adagrad_accumulates_squared_gradients_over_3_steps():
    # h = 4, 8, 9
    p1 = 1.0 - 0.1 * 2 / (2 + 1e-7)
    p2 = p1 - 0.1 * 2 / (np.sqrt(8) + 1e-7)
    p3 = p2 - 0.1 * 1 / (3 + 1e-7)
    trace = run(AdaGrad(lr=0.1), 1.0, [2.0, 2.0, 1.0])
    assert trace == pytest.approx([p1, p2, p3], rel=1e-14)


def test_rmsprop_decays_the_squared_gradient_average_over_2_steps():
    # h = 0.1 * 1 = 0.1, then 0.9 * 0.1 + 0.1 * 4 = 0.49
    p1 = 1.0 - 0.1 * 1 / (np.sqrt(0.1) + 1e-7)
    p2 = p1 - 0.1 * 2 / (np.sqrt(0.49) + 1e-7)
    trace = run(RMSprop(lr=0.1, decay_rate=0.9), 1.0, [1.0, 2.0])
    assert trace == pytest.approx([p1, p2], rel=1e-14)


def test_adam_bias_correction_over_2_steps():
    # t = 1: m = 0.1, v = 0.001, m_hat = 1, v_hat = 1
    p1 = 1.0 - 0.1 * 1 / (1 + 1e-7)
    # t = 2: m = 0.09 + 0.3 = 0.39, v = 0.000999 + 0.009 = 0.009999
    m_hat = 0.39 / (1 - 0.9**2)
    v_hat = 0.009999 / (1 - 0.999**2)
    p2 = p1 - 0.1 * m_hat / (np.sqrt(v_hat) + 1e-7)
    trace = run(Adam(lr=0.1), 1.0, [1.0, 3.0])
    assert trace == pytest.approx([p1, p2], rel=1e-13)


def test_adam_first_step_has_size_lr_whatever_the_gradient_scale():
    for g in (1e-3, 1.0, 1e3):
        (p,) = run(Adam(lr=0.01), 0.0, [g])
        # m_hat = g and sqrt(v_hat) = |g|: the step is lr * g / (|g| + 1e-7)
        assert p == pytest.approx(-0.01 * g / (g + 1e-7), rel=1e-12)


def test_adam_counts_one_step_per_update_not_per_parameter():
    adam = Adam()
    params = {"W": np.ones((2, 2)), "b": np.ones(2)}
    grads = {"W": np.ones((2, 2)), "b": np.ones(2)}
    for _ in range(3):
        adam.update(params, grads)
    assert adam.t == 3


@pytest.mark.parametrize(
    ("cls", "defaults"),
    [
        pytest.param(SGD, {"lr": 0.01}, id="SGD"),
        pytest.param(Momentum, {"lr": 0.01, "momentum": 0.9}, id="Momentum"),
        pytest.param(AdaGrad, {"lr": 0.01}, id="AdaGrad"),
        pytest.param(RMSprop, {"lr": 0.01, "decay_rate": 0.99}, id="RMSprop"),
        pytest.param(Adam, {"lr": 0.001, "beta1": 0.9, "beta2": 0.999}, id="Adam"),
    ],
)
def test_contract_defaults(cls, defaults):
    optimizer = cls()
    for name, value in defaults.items():
        assert getattr(optimizer, name) == value, name


# --- in place, state, inputs ---------------------------------------------------


@pytest.mark.parametrize("cls", OPTIMIZERS, ids=OPTIMIZER_IDS)
def test_update_changes_params_in_place(cls):
    W = np.ones((2, 3))
    b = np.zeros(3)
    params = {"W": W, "b": b}
    grads = {"W": np.full((2, 3), 0.5), "b": np.array([1.0, -1.0, 2.0])}
    grads_before = {key: value.copy() for key, value in grads.items()}
    cls().update(params, grads)
    # the very same arrays, changed: layers holding them see the update
    assert params["W"] is W
    assert params["b"] is b
    assert np.all(W < 1.0)
    assert b[0] < 0 < b[1]
    for key, value in grads.items():
        np.testing.assert_array_equal(value, grads_before[key])


@pytest.mark.parametrize("cls", OPTIMIZERS, ids=OPTIMIZER_IDS)
def test_update_works_for_float32_params(cls):
    params = {"W": np.ones(3, dtype=np.float32)}
    cls().update(params, {"W": np.ones(3)})
    assert params["W"].dtype == np.float32
    assert np.all(params["W"] < 1.0)


@pytest.mark.parametrize(
    ("cls", "state"),
    [
        pytest.param(Momentum, "v", id="Momentum"),
        pytest.param(AdaGrad, "h", id="AdaGrad"),
        pytest.param(RMSprop, "h", id="RMSprop"),
        pytest.param(Adam, "m", id="Adam-m"),
        pytest.param(Adam, "v", id="Adam-v"),
    ],
)
def test_state_is_created_on_the_first_update_and_kept(cls, state):
    optimizer = cls()
    assert getattr(optimizer, state) is None
    params = {"W": np.ones(2)}
    optimizer.update(params, {"W": np.ones(2)})
    first = getattr(optimizer, state)
    assert set(first) == {"W"}
    assert first["W"].shape == (2,)
    assert np.all(first["W"] != 0)
    optimizer.update(params, {"W": np.ones(2)})
    assert getattr(optimizer, state) is first


# --- validation messages -------------------------------------------------------


@pytest.mark.parametrize("cls", OPTIMIZERS, ids=OPTIMIZER_IDS)
def test_update_validation_messages(cls):
    name = cls.__name__
    in_place = rf"{name}\.update changes params in place, so params\['W'\] must be a float ndarray; got int64"
    with pytest.raises(TypeError, match=in_place):
        cls().update({"W": np.array([1, 2])}, {"W": np.array([0.1, 0.1])})
    with pytest.raises(ValueError, match=rf"{name}\.update expects a gradient for every parameter; grads has no 'b'"):
        cls().update({"W": np.ones(2), "b": np.ones(2)}, {"W": np.ones(2)})
    shape = rf"{name}\.update expects grads\['W'\] of params\['W'\]'s shape \(2,\); got \(3,\)"
    with pytest.raises(ValueError, match=shape):
        cls().update({"W": np.ones(2)}, {"W": np.ones(3)})
    with pytest.raises(ValueError, match=rf"{name} expects lr > 0; got -0\.1"):
        cls(lr=-0.1)


def test_hyperparameter_range_messages():
    with pytest.raises(ValueError, match=r"Momentum expects momentum in \[0, 1\.0\); got 1\.5"):
        Momentum(momentum=1.5)
    with pytest.raises(ValueError, match=r"RMSprop expects decay_rate in \[0, 1\.0\)"):
        RMSprop(decay_rate=1.0)
    with pytest.raises(TypeError, match=r"Adam expects beta2 to be a real number; got str"):
        Adam(beta2="0.999")


# --- PyTorch cross-check -------------------------------------------------------


def torch_optimizer(torch, name, parameters):
    """The torch.optim equivalent of each reference optimizer's defaults."""
    optim = torch.optim
    return {
        "SGD": lambda: optim.SGD(parameters, lr=0.01),
        # torch: buf = mu * buf + g, p -= lr * buf; with a constant lr this is
        # exactly v = mu * v - lr * g, p += v (v = -lr * buf)
        "Momentum": lambda: optim.SGD(parameters, lr=0.01, momentum=0.9),
        # torch's eps defaults to 1e-10; both add it after the square root
        "AdaGrad": lambda: optim.Adagrad(parameters, lr=0.01, eps=1e-7),
        # torch calls decay_rate alpha (default 0.99 as well)
        "RMSprop": lambda: optim.RMSprop(parameters, lr=0.01, alpha=0.99, eps=1e-7),
        "Adam": lambda: optim.Adam(parameters, lr=0.001, betas=(0.9, 0.999), eps=1e-7),
    }[name]()


@pytest.mark.parametrize("cls", OPTIMIZERS, ids=OPTIMIZER_IDS)
def test_matches_torch_optim_over_5_steps(cls):
    torch = pytest.importorskip("torch")
    generator = np.random.default_rng(7)
    params = {"W": generator.normal(size=(3, 4)), "b": generator.normal(size=4)}
    tensors = {key: torch.tensor(value.copy(), requires_grad=True) for key, value in params.items()}
    ours = cls()
    theirs = torch_optimizer(torch, cls.__name__, list(tensors.values()))
    for _ in range(5):
        grads = {key: generator.normal(size=value.shape) for key, value in params.items()}
        ours.update(params, grads)
        for key, tensor in tensors.items():
            tensor.grad = torch.from_numpy(grads[key].copy())
        theirs.step()
    for key, tensor in tensors.items():
        np.testing.assert_allclose(params[key], tensor.detach().numpy(), rtol=1e-12, atol=1e-14, err_msg=key)
