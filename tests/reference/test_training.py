"""Tests for reference.training (ex10).

The data is an Iris-like synthetic set made here: three Gaussian classes in
four features, with the per-class means and standard deviations of the real
Iris measurements (sepal length, sepal width, petal length, petal width, cm).
"""

from __future__ import annotations

import numpy as np
import pytest

from reference import predict, train

IRIS_MEANS = np.array([[5.01, 3.43, 1.46, 0.25], [5.94, 2.77, 4.26, 1.33], [6.59, 2.97, 5.55, 2.03]])
IRIS_STDS = np.array([[0.35, 0.38, 0.17, 0.11], [0.52, 0.31, 0.47, 0.20], [0.64, 0.32, 0.55, 0.27]])


def iris_like(seed: int, per_class: int = 50):
    """150 samples, shuffled and split 120 / 30 with every class in both parts."""
    rng = np.random.default_rng(seed)
    x = np.concatenate([rng.normal(m, s, size=(per_class, 4)) for m, s in zip(IRIS_MEANS, IRIS_STDS, strict=True)])
    t = np.repeat(np.arange(3), per_class)
    train_idx, test_idx = [], []
    for c in range(3):
        members = rng.permutation(np.flatnonzero(t == c))
        train_idx += list(members[10:])
        test_idx += list(members[:10])
    train_idx, test_idx = rng.permutation(train_idx), rng.permutation(test_idx)
    return x[train_idx], t[train_idx], x[test_idx], t[test_idx]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_reaches_90_percent_on_a_held_out_split(seed):
    # its speed is measured by bench/bench_grade.py (exercise 10), not asserted here
    x_train, t_train, x_test, t_test = iris_like(seed)
    params = train(x_train, t_train)
    accuracy = np.mean(predict(params, x_test) == t_test)
    assert accuracy >= 0.9, f"held-out accuracy {accuracy:.3f}"


def test_is_deterministic():
    x_train, t_train, _, _ = iris_like(0)
    first, second = train(x_train, t_train), train(x_train, t_train)
    assert first.keys() == second.keys()
    for key in first:
        np.testing.assert_array_equal(first[key], second[key], err_msg=key)


def test_returns_parameters_and_the_standardisation():
    x_train, t_train, _, _ = iris_like(0)
    params = train(x_train, t_train)
    assert set(params) == {"W1", "b1", "W2", "b2", "mean", "std"}
    assert all(isinstance(value, np.ndarray) for value in params.values())
    assert params["W1"].shape == (4, params["b1"].size)
    assert params["W2"].shape == (params["b1"].size, 3)
    np.testing.assert_allclose(params["mean"], x_train.mean(axis=0), rtol=1e-14)
    np.testing.assert_allclose(params["std"], x_train.std(axis=0), rtol=1e-14)


def test_predict_returns_integer_labels_of_shape_n():
    x_train, t_train, x_test, _ = iris_like(0)
    labels = predict(train(x_train, t_train), x_test)
    assert labels.shape == (30,)
    assert labels.dtype.kind == "i"
    assert set(np.unique(labels)) <= {0, 1, 2}


def test_unscaled_features_are_standardised_inside_train():
    # centimetres as micrometres, shifted: standardisation undoes it
    x_train, t_train, x_test, t_test = iris_like(1)
    params = train(x_train * 1e4 + 50.0, t_train)
    assert np.mean(predict(params, x_test * 1e4 + 50.0) == t_test) >= 0.9


def test_a_constant_feature_does_not_break_training():
    x_train, t_train, x_test, t_test = iris_like(2)
    x_train, x_test = x_train.copy(), x_test.copy()
    x_train[:, 1] = x_test[:, 1] = 7.0
    params = train(x_train, t_train)
    assert params["std"][1] == 1.0
    assert np.mean(predict(params, x_test) == t_test) >= 0.9


def test_inputs_are_not_modified():
    x_train, t_train, x_test, _ = iris_like(0)
    before = [a.copy() for a in (x_train, t_train, x_test)]
    params = train(x_train, t_train)
    params_before = {key: value.copy() for key, value in params.items()}
    predict(params, x_test)
    for after, original in zip((x_train, t_train, x_test), before, strict=True):
        np.testing.assert_array_equal(after, original)
    for key, value in params.items():
        np.testing.assert_array_equal(value, params_before[key])


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        pytest.param(
            lambda: train(np.ones(5), np.zeros(5, dtype=int)),
            ValueError,
            r"train expects x_train of shape \(N, D\); got \(5,\)",
            id="train-1d-x",
        ),
        pytest.param(
            lambda: train(np.ones((5, 2)), np.zeros(4, dtype=int)),
            ValueError,
            r"train expects t_train of shape \(5,\), one label per row of x_train; got \(4,\)",
            id="train-label-count",
        ),
        pytest.param(
            lambda: train(np.ones((3, 2)), np.array([0.0, 1.0, 1.0])),
            TypeError,
            r"train expects t_train to be integer class labels; got dtype float64",
            id="train-float-labels",
        ),
        pytest.param(
            lambda: train(np.array([[1.0, np.nan]]), np.array([0])),
            ValueError,
            r"train expects finite features",
            id="train-nan",
        ),
        pytest.param(
            lambda: predict({"W1": np.ones((2, 2))}, np.ones((1, 2))),
            ValueError,
            r"predict expects the dict train returned \(W1, b1, W2, b2, mean, std\); missing b1, W2, b2, mean, std",
            id="predict-missing-keys",
        ),
    ],
)
def test_validation_messages(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_predict_rejects_a_different_number_of_features():
    x_train, t_train, _, _ = iris_like(0)
    params = train(x_train, t_train)
    message = r"predict expects x of shape \(N, 4\), the number of features train saw; got \(3, 5\)"
    with pytest.raises(ValueError, match=message):
        predict(params, np.ones((3, 5)))
