"""Worked solution, exercise 3: derivatives and backpropagation.

模範解答 課題 3：微分と誤差逆伝播
"""

from __future__ import annotations

import numpy as np

from ex01_activations import sigmoid


def d_sigmoid(u: np.ndarray) -> np.ndarray:
    """Return sigmoid(u) * (1 - sigmoid(u)).

    Parameters
    ----------
    u : ndarray of float, any shape
        Pre-activation.

    Returns
    -------
    ndarray of float, same shape as u
        Derivative of the sigmoid at u.
    """
    s = sigmoid(u)
    return s * (1.0 - s)


def d_relu(u: np.ndarray) -> np.ndarray:
    """Return 1.0 where u > 0, else 0.0.

    Parameters
    ----------
    u : ndarray of float, any shape
        Pre-activation.

    Returns
    -------
    ndarray of float, same shape as u
        Derivative of ReLU at u (0.0 at u = 0).
    """
    return np.where(np.asarray(u) > 0, 1.0, 0.0)


def d_softmax_with_loss(d: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Return the gradient (y - onehot(d)) / N of softmax + cross-entropy.

    Parameters
    ----------
    d : ndarray
        One-hot teacher data of y's shape, or integer labels (N,) / 0-d.
    y : ndarray of float, shape (K,) or (N, K)
        Softmax output.

    Returns
    -------
    ndarray of float, same shape as y
        Gradient of the batch-mean loss with respect to the softmax input.
    """
    d = np.asarray(d)
    grad = np.array(y, dtype=float)  # a copy: y itself must not change
    batch_size = 1 if grad.ndim == 1 else grad.shape[0]

    if d.shape == grad.shape:
        grad -= d
    elif grad.ndim == 1:
        grad[int(d)] -= 1.0
    else:
        # subtracting 1 at the correct class is subtracting the one-hot vector
        grad[np.arange(batch_size), d.astype(np.intp)] -= 1.0
    return grad / batch_size


def d_mean_squared_error(d: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Return (y - d) / y.size, the gradient of mean((y - d) ** 2) / 2.

    Parameters
    ----------
    d : ndarray of float, same shape as y
        Teacher data.
    y : ndarray of float, any shape
        Network output.

    Returns
    -------
    ndarray of float, same shape as y
        Gradient with respect to y.
    """
    y = np.asarray(y, dtype=float)
    return (y - d) / y.size


def backward(
    network: dict[str, np.ndarray],
    x: np.ndarray,
    d: np.ndarray,
    z1: np.ndarray,
    y: np.ndarray,
) -> dict[str, np.ndarray]:
    """Backpropagate through u1 = x W1 + b1, z1 = relu(u1), y = softmax(z1 W2 + b2).

    Parameters
    ----------
    network : dict of ndarray
        W1 (D, H), b1 (H,), W2 (H, K), b2 (K,).
    x : ndarray of float, shape (N, D)
        Input mini-batch.
    d : ndarray
        One-hot teacher data (N, K) or integer labels (N,).
    z1 : ndarray of float, shape (N, H)
        Hidden activations from the forward pass.
    y : ndarray of float, shape (N, K)
        Softmax output from the forward pass.

    Returns
    -------
    dict of ndarray
        W1, b1, W2, b2: gradients of the batch-mean cross-entropy.
    """
    W2 = network["W2"]

    # the 1/N of the batch mean enters here, once, and flows down the chain
    du2 = d_softmax_with_loss(d, y)
    grad_W2 = np.dot(z1.T, du2)
    grad_b2 = np.sum(du2, axis=0)

    # relu passes the gradient exactly where it was active: z1 > 0 <=> u1 > 0
    du1 = np.dot(du2, W2.T) * d_relu(z1)
    grad_W1 = np.dot(x.T, du1)
    grad_b1 = np.sum(du1, axis=0)

    return {"W1": grad_W1, "b1": grad_b1, "W2": grad_W2, "b2": grad_b2}
