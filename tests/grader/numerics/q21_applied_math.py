"""Numeric answers of quiz 21 (applied mathematics), recomputed."""

from __future__ import annotations

import math

import numpy as np

import reference as ref


def _entropy_bits() -> float:
    # H(p) is the cross-entropy of p with itself: the reference's cross_entropy_error with the
    # distribution as a soft target, in nats (its 1e-7 moves the result by about 4e-7), then
    # converted to bits.
    p = np.array([1 / 2, 1 / 4, 1 / 8, 1 / 8])
    return ref.cross_entropy_error(p, p) / math.log(2)


def _kl_nats() -> float:
    # D_KL(p || q) = H(p, q) - H(p), both through the reference's cross-entropy.
    p, q = np.array([0.5, 0.5]), np.array([0.25, 0.75])
    return ref.cross_entropy_error(p, q) - ref.cross_entropy_error(p, p)


def _bayes_posterior() -> float:
    prior, sensitivity, false_positive = 0.01, 0.9, 0.05
    evidence = sensitivity * prior + false_positive * (1 - prior)
    return sensitivity * prior / evidence


def _variance_of_sum() -> float:
    n, p = 10, 0.3
    var_x = n * p * (1 - p)  # binomial
    var_y = 2.0**2  # standard deviation 2
    return 2**2 * var_x + var_y


def _larger_eigenvalue() -> float:
    return float(np.max(np.linalg.eigvals(np.array([[4.0, 1.0], [2.0, 3.0]])).real))


RECOMPUTE = {
    "self-information-bits": ("arithmetic", lambda: -math.log2((1 / 2) * (1 / 4))),
    "entropy-bits": ("reference", _entropy_bits),
    "kl-value": ("reference", _kl_nats),
    "bayes-posterior": ("arithmetic", _bayes_posterior),
    "variance-sum-independent": ("arithmetic", _variance_of_sum),
    "eigenvalue-2x2": ("arithmetic", _larger_eigenvalue),
}
