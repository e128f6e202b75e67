"""Numeric answers of quiz 22 (machine learning basics), recomputed."""

from __future__ import annotations

import numpy as np


def _least_squares_slope() -> float:
    x = np.array([1.0, 2.0, 3.0, 4.0])
    y = np.array([2.0, 3.0, 5.0, 6.0])
    X = np.column_stack([x, np.ones_like(x)])  # columns: slope, intercept
    w, _ = np.linalg.solve(X.T @ X, X.T @ y)  # the normal equation
    return float(w)


def _kmeans_new_c1_x() -> float:
    X = np.array([[1.0, 1.0], [2.0, 1.0], [1.0, 2.0], [3.0, 2.0], [4.0, 3.0], [5.0, 4.0]])
    centroids = np.array([[1.0, 1.0], [5.0, 4.0]])
    dists = np.linalg.norm(X[:, None, :] - centroids[None, :, :], axis=2)  # Euclidean, (N, K)
    labels = np.argmin(dists, axis=1)
    return float(X[labels == 0].mean(axis=0)[0])


def _pca_explained_ratio() -> float:
    # a covariance matrix with the question's eigenvalues in a random orientation, then PCA on it
    eigenvalues = np.array([4.0, 2.0, 1.0, 0.6, 0.4])
    Q, _ = np.linalg.qr(np.random.default_rng(0).standard_normal((5, 5)))
    covariance = Q @ np.diag(eigenvalues) @ Q.T
    variances = np.sort(np.linalg.eigvalsh(covariance))[::-1]
    return float(variances[:2].sum() / np.trace(covariance))


def _f1_score() -> float:
    # rows: true class (positive, negative); columns: predicted class (positive, negative)
    confusion = np.array([[40, 20], [10, 30]])
    tp, fn, fp = confusion[0, 0], confusion[0, 1], confusion[1, 0]
    precision = tp / (tp + fp)
    recall = tp / (tp + fn)
    return float(2 * precision * recall / (precision + recall))


RECOMPUTE = {
    "least-squares-slope": ("arithmetic", _least_squares_slope),
    "kmeans-centroid": ("arithmetic", _kmeans_new_c1_x),
    "pca-explained-variance": ("arithmetic", _pca_explained_ratio),
    "f1-from-confusion": ("arithmetic", _f1_score),
}
