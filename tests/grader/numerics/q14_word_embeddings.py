"""Numeric answers of quiz 14 (word embeddings and language models), recomputed (see the package docstring).

The reference implementation has no word2vec layers; PPMI, the sampling
distribution and the tree depth are written out with NumPy from the numbers in
each question, and the perplexity goes through the reference cross-entropy.
"""

from __future__ import annotations

import numpy as np

import reference as ref


def _ppmi_value() -> float:
    N, count_x, count_y, count_xy = 8000, 50, 200, 12
    pmi = np.log2(count_xy * N / (count_x * count_y))
    return float(max(0.0, pmi))


def _negative_sampling_distribution() -> float:
    counts = np.array([81.0, 16.0, 1.0])  # "the", "cat", "axolotl"
    weights = counts**0.75
    probabilities = weights / weights.sum()
    return float(probabilities[2])


def _hierarchical_softmax_depth() -> float:
    # walk from the root of a balanced binary tree to one leaf, halving the candidates each time
    leaves, decisions = 1_048_576, 0
    while leaves > 1:
        leaves //= 2
        decisions += 1
    return float(decisions)


def _perplexity_value() -> float:
    # each word's predicted distribution over a 4-word toy vocabulary puts p_n on the true word;
    # the rest of the mass goes elsewhere (it does not enter the cross-entropy)
    p = np.array([0.5, 0.25, 0.125, 0.5])
    labels = np.array([0, 1, 2, 3])
    y = np.tile(((1 - p) / 3)[:, None], (1, 4))
    y[np.arange(4), labels] = p
    cross_entropy = ref.cross_entropy_error(labels, y)  # mean of -ln p_n over the words (with its 1e-7)
    return float(np.exp(cross_entropy))


RECOMPUTE = {
    "ppmi-value": ("arithmetic", _ppmi_value),
    "negative-sampling-distribution": ("arithmetic", _negative_sampling_distribution),
    "hierarchical-softmax-depth": ("arithmetic", _hierarchical_softmax_depth),
    "perplexity-value": ("reference", _perplexity_value),
}
