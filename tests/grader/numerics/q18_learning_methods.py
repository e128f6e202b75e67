"""Numeric answers of quiz 18 (learning methods), recomputed (see the package docstring)."""

from __future__ import annotations

import numpy as np

import reference as ref


def _simclr_negatives() -> float:
    # 2N views; for view 0 the positive is view N (its other augmentation); the rest are negatives
    n = 256
    views = np.arange(2 * n)
    image_of_view = views % n
    anchor = 0
    negatives = (views != anchor) & (image_of_view != image_of_view[anchor])
    return float(np.count_nonzero(negatives))


def _info_nce() -> float:
    # InfoNCE is the softmax cross-entropy of picking the positive (index 0) among the candidates
    similarities = np.array([0.8, 0.2, -0.4])
    tau = 0.5
    return float(ref.cross_entropy_error(np.array([1.0, 0.0, 0.0]), ref.softmax(similarities / tau)))


def _triplet() -> float:
    a, p, n = np.array([0.0, 0.0]), np.array([0.6, 0.8]), np.array([1.2, 0.5])
    margin = 0.5
    return float(max(0.0, np.linalg.norm(a - p) - np.linalg.norm(a - n) + margin))


RECOMPUTE = {
    "simclr-negatives": ("arithmetic", _simclr_negatives),
    "nt-xent-value": ("reference", _info_nce),
    "triplet-value": ("arithmetic", _triplet),
    "distill-softmax": ("reference", lambda: float(ref.softmax(np.array([4.0, 2.0, 0.0]) / 2.0)[0])),
}
