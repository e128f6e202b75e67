"""Tests for reference.network.forward (ex01)."""

from __future__ import annotations

import numpy as np
import pytest

from reference import forward, sigmoid


def textbook_network() -> dict[str, np.ndarray]:
    """init_network() of Deep Learning from Scratch, section 3.4.3."""
    return {
        "W1": np.array([[0.1, 0.3, 0.5], [0.2, 0.4, 0.6]]),
        "b1": np.array([0.1, 0.2, 0.3]),
        "W2": np.array([[0.1, 0.4], [0.2, 0.5], [0.3, 0.6]]),
        "b2": np.array([0.1, 0.2]),
        "W3": np.array([[0.1, 0.3], [0.2, 0.4]]),
        "b3": np.array([0.1, 0.2]),
    }


def test_forward_textbook_numbers():
    y = forward(textbook_network(), np.array([1.0, 0.5]))
    np.testing.assert_allclose(y, [0.31682708, 0.69627909], rtol=1e-7)


def test_forward_batch_equals_row_by_row():
    network = textbook_network()
    x = np.random.default_rng(0).normal(size=(5, 2))
    y = forward(network, x)
    assert y.shape == (5, 2)
    for row_x, row_y in zip(x, y, strict=True):
        np.testing.assert_allclose(forward(network, row_x), row_y, rtol=1e-14)


def test_forward_by_hand_with_a_single_unit_network():
    # x = 0: a1 = b1 = 0, z1 = 0.5; a2 = 2 * 0.5 + 0 = 1, z2 = sigmoid(1);
    # y = 3 * z2 - 1
    network = {
        "W1": np.array([[1.0]]),
        "b1": np.array([0.0]),
        "W2": np.array([[2.0]]),
        "b2": np.array([0.0]),
        "W3": np.array([[3.0]]),
        "b3": np.array([-1.0]),
    }
    expected = 3.0 / (1.0 + np.exp(-1.0)) - 1.0
    np.testing.assert_allclose(forward(network, np.array([0.0])), [expected], rtol=1e-14)
    assert sigmoid(np.array(1.0)) == pytest.approx(1 / (1 + np.exp(-1.0)), rel=1e-14)


def test_forward_does_not_modify_its_arguments():
    network = textbook_network()
    before = {key: value.copy() for key, value in network.items()}
    x = np.array([[1.0, 0.5], [0.0, -1.0]])
    x_before = x.copy()
    forward(network, x)
    np.testing.assert_array_equal(x, x_before)
    for key, value in network.items():
        np.testing.assert_array_equal(value, before[key])


@pytest.mark.parametrize(
    ("change", "match"),
    [
        pytest.param({"W3": None}, r"forward expects network to hold .*missing W3", id="missing-key"),
        pytest.param(
            {"W2": np.zeros((4, 2))},
            r"forward expects W2 of shape \(3, M\) to take the 3 outputs of layer 1; got \(4, 2\)",
            id="W2-rows",
        ),
        pytest.param(
            {"b1": np.zeros(2)},
            r"forward expects b1 of shape \(3,\)",
            id="b1-length",
        ),
    ],
)
def test_forward_validation_messages(change, match):
    network = textbook_network()
    for key, value in change.items():
        if value is None:
            del network[key]
        else:
            network[key] = value
    with pytest.raises(ValueError, match=match):
        forward(network, np.array([1.0, 0.5]))


def test_forward_rejects_x_with_the_wrong_number_of_features():
    with pytest.raises(ValueError, match=r"forward expects W1 of shape \(3, M\) to take the 3 features of x"):
        forward(textbook_network(), np.array([1.0, 0.5, 0.2]))
