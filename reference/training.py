"""The completion assignment (exercise 10): train a classifier from scratch.

A two-layer network built from the earlier exercises,

    z  = (x - mean) / std               standardised features
    z1 = relu(z @ W1 + b1)              W1 He-initialised, HIDDEN units
    y  = softmax(z1 @ W2 + b2)          W2 Xavier-initialised

trained on the batch-mean cross-entropy plus a small L2 penalty on W1 and W2,
with Adam on shuffled minibatches. Everything random comes from
np.random.default_rng(0), so the same data always gives the same parameters.
On Iris (150 samples, 4 features, 3 classes) it reaches about 96 % held-out
accuracy (mean over random 120/30 splits) in under 0.1 s.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._validation import as_float_array, as_labels, check_ndim
from .activations import relu, softmax
from .backprop import backward
from .initialization import he_init, xavier_init
from .optimizers import Adam
from .regularization import l2_grad

__all__ = ["predict", "train"]

# Chosen on random 120/30 splits of Iris: about 96 % mean held-out accuracy;
# more epochs or units only fit the training split more closely.
HIDDEN = 32
EPOCHS = 100
BATCH_SIZE = 16
LEARNING_RATE = 0.005
WEIGHT_DECAY = 1e-2

_PARAM_KEYS = ("W1", "b1", "W2", "b2", "mean", "std")


def _forward(
    params: Mapping[str, NDArray[np.floating]], z: NDArray[np.floating]
) -> tuple[NDArray[np.floating], NDArray[np.floating]]:
    """Return (z1, y): the hidden activations and the class probabilities."""
    z1 = relu(z @ params["W1"] + params["b1"])
    return z1, softmax(z1 @ params["W2"] + params["b2"])


def train(x_train: ArrayLike, t_train: ArrayLike) -> dict[str, NDArray[np.floating]]:
    """Train the two-layer network on features and integer labels.

    Parameters
    ----------
    x_train : array_like, shape (N, D), real
        Training features, N >= 1, all finite.
    t_train : array_like, shape (N,), int
        Class labels 0..K-1; K is taken as max(t_train) + 1.

    Returns
    -------
    dict of str to ndarray, float64
        W1 (D, HIDDEN), b1 (HIDDEN,), W2 (HIDDEN, K), b2 (K,), and the
        standardisation mean (D,) and std (D,) that predict applies to new
        features.
    """
    x = as_float_array(x_train, "train", "x_train")
    check_ndim(x, (2,), "train", "x_train", "(N, D)")
    if x.shape[0] == 0:
        raise ValueError("train expects at least one sample; got x_train of shape (0, D)")
    if not np.all(np.isfinite(x)):
        raise ValueError("train expects finite features; x_train holds NaN or inf")
    labels = np.asarray(t_train)
    if labels.shape != (x.shape[0],):
        raise ValueError(
            f"train expects t_train of shape ({x.shape[0]},), one label per row of x_train; got {labels.shape}"
        )
    # as_labels rejects non-integer labels before num_classes is used
    num_classes = max(int(labels.max()) + 1, 1) if labels.dtype.kind in "iu" else 1
    labels = as_labels(labels, "train", "t_train", num_classes)

    rng = np.random.default_rng(0)
    mean = x.mean(axis=0)
    std = x.std(axis=0)
    # a constant feature has std 0; dividing it by 1 leaves it at 0 after centring
    std = np.where(std > 0, std, 1.0)
    z = (x - mean) / std

    n_samples, n_features = z.shape
    params = {
        "W1": he_init(n_features, HIDDEN, rng),
        "b1": np.zeros(HIDDEN),
        "W2": xavier_init(HIDDEN, num_classes, rng),
        "b2": np.zeros(num_classes),
    }
    optimizer = Adam(lr=LEARNING_RATE)
    for _ in range(EPOCHS):
        order = rng.permutation(n_samples)
        for start in range(0, n_samples, BATCH_SIZE):
            batch = order[start : start + BATCH_SIZE]
            z_batch = z[batch]
            z1, y = _forward(params, z_batch)
            grads = backward(params, z_batch, labels[batch], z1, y)
            for key in ("W1", "W2"):
                grads[key] += l2_grad(params[key], WEIGHT_DECAY)
            optimizer.update(params, grads)
    return {**params, "mean": mean, "std": std}


def predict(params: Mapping[str, ArrayLike], x: ArrayLike) -> NDArray[np.intp]:
    """Predict class labels with parameters returned by train.

    Parameters
    ----------
    params : dict of str to ndarray
        As returned by train: W1, b1, W2, b2, mean, std.
    x : array_like, shape (N, D), real
        Features, unstandardised (predict applies train's mean and std).

    Returns
    -------
    ndarray, shape (N,), int
        The most probable class of each row.
    """
    missing = [key for key in _PARAM_KEYS if key not in params]
    if missing:
        raise ValueError(
            f"predict expects the dict train returned (W1, b1, W2, b2, mean, std); missing {', '.join(missing)}"
        )
    arrays = {key: as_float_array(params[key], "predict", key) for key in _PARAM_KEYS}
    features = as_float_array(x, "predict", "x")
    if features.ndim != 2 or features.shape[1] != arrays["mean"].size:
        raise ValueError(
            f"predict expects x of shape (N, {arrays['mean'].size}), the number of "
            f"features train saw; got {features.shape}"
        )
    _, y = _forward(arrays, (features - arrays["mean"]) / arrays["std"])
    return np.argmax(y, axis=1)
