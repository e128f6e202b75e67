"""Tests for reference.word2vec (ex14).

Three oracles: cases worked out by hand (repeated word ids, scores of 0 whose
loss is (k + 1) log 2), central differences of reference.numerical_gradient
with the negative samples held fixed, and PyTorch 2.13 (autograd through
torch.nn.functional.embedding and binary_cross_entropy_with_logits, float64)
on the very negatives the reference drew.  The sampler's distribution is
compared with exact probabilities: count ** power with the target removed
for one draw per row, and the inclusion probabilities of successive sampling
without replacement, enumerated over every ordered draw, for three.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from reference import Embedding, EmbeddingDot, NegativeSamplingLoss, UnigramSampler, numerical_gradient

NUMERIC = {"rtol": 1e-6, "atol": 1e-9}
# five standard deviations of a count: a correct sampler stays inside with probability 1 - 6e-7 per word
SIGMAS = 5.0


def generator(seed: int = 2024) -> np.random.Generator:
    return np.random.default_rng(seed)


def corpus_with_counts(counts: list[int], seed: int = 0) -> np.ndarray:
    """A shuffled corpus in which word w occurs counts[w] times."""
    ids = np.repeat(np.arange(len(counts)), counts)
    return generator(seed).permutation(ids)


def fixed_negatives(loss: NegativeSamplingLoss, negative: np.ndarray) -> None:
    """Make ``loss`` use ``negative`` on every forward (for central differences)."""
    loss.sampler.get_negative_sample = lambda target: negative.copy()


# --- Embedding -----------------------------------------------------------------


def test_embedding_by_hand_with_repeated_ids():
    W = np.arange(8.0).reshape(4, 2)
    layer = Embedding(W)
    idx = np.array([1, 3, 1, 1])
    np.testing.assert_array_equal(layer.forward(idx), [[2.0, 3.0], [6.0, 7.0], [2.0, 3.0], [2.0, 3.0]])
    dout = np.array([[1.0, 10.0], [2.0, 20.0], [3.0, 30.0], [4.0, 40.0]])
    assert layer.backward(dout) is None
    # word 1 occurs three times: its gradient is the sum of the three rows, not the last one
    np.testing.assert_array_equal(layer.grads[0], [[0.0, 0.0], [8.0, 80.0], [0.0, 0.0], [2.0, 20.0]])


def test_embedding_grads_are_written_in_place_and_zeroed_each_backward():
    layer = Embedding(generator().normal(size=(5, 3)))
    held = layer.grads[0]
    layer.forward(np.array([0, 0, 2]))
    layer.backward(np.ones((3, 3)))
    layer.forward(np.array([4]))
    layer.backward(np.full((1, 3), 2.0))
    assert layer.grads[0] is held
    expected = np.zeros((5, 3))
    expected[4] = 2.0
    np.testing.assert_array_equal(held, expected)


def test_embedding_keeps_w_by_reference_and_takes_a_2d_idx():
    W = generator().normal(size=(6, 4))
    layer = Embedding(W)
    assert layer.params[0] is W
    idx = np.array([[0, 5, 5], [2, 0, 1]])
    out = layer.forward(idx)
    assert out.shape == (2, 3, 4)
    dout = generator(1).normal(size=(2, 3, 4))
    numeric = numerical_gradient(lambda _: float(np.sum(layer.forward(idx) * dout)), W)
    layer.forward(idx)
    layer.backward(dout)
    np.testing.assert_allclose(layer.grads[0], numeric, **NUMERIC)


def test_embedding_rejects_ids_outside_the_vocabulary():
    layer = Embedding(np.zeros((3, 2)))
    with pytest.raises(ValueError, match=r"0\.\.2"):
        layer.forward(np.array([0, 3]))
    with pytest.raises(TypeError, match="integer word ids"):
        layer.forward(np.array([0.0, 1.0]))


# --- EmbeddingDot --------------------------------------------------------------


def test_embedding_dot_by_hand():
    W = np.array([[1.0, 0.0], [0.0, 2.0], [1.0, 1.0]])
    layer = EmbeddingDot(W)
    h = np.array([[3.0, 4.0], [5.0, 6.0], [1.0, -1.0]])
    idx = np.array([1, 1, 2])
    np.testing.assert_array_equal(layer.forward(h, idx), [8.0, 12.0, 0.0])
    dh = layer.backward(np.array([1.0, 2.0, 3.0]))
    np.testing.assert_array_equal(dh, [[0.0, 2.0], [0.0, 4.0], [3.0, 3.0]])
    np.testing.assert_array_equal(layer.grads[0], [[0.0, 0.0], [13.0, 16.0], [3.0, -3.0]])
    assert layer.grads is layer.embed.grads


def test_embedding_dot_matches_numerical_gradients():
    g = generator()
    W, h, dout = g.normal(size=(4, 3)), g.normal(size=(6, 3)), g.normal(size=6)
    idx = np.array([0, 2, 2, 3, 0, 2])
    layer = EmbeddingDot(W)

    def objective(_):
        return float(np.sum(layer.forward(h, idx) * dout))

    numeric_h = numerical_gradient(objective, h)
    numeric_W = numerical_gradient(objective, W)
    layer.forward(h, idx)
    np.testing.assert_allclose(layer.backward(dout), numeric_h, **NUMERIC)
    np.testing.assert_allclose(layer.grads[0], numeric_W, **NUMERIC)


# --- UnigramSampler ------------------------------------------------------------


def test_sampler_probabilities_are_count_to_the_power():
    sampler = UnigramSampler(corpus_with_counts([1, 16, 81, 0, 2]), 0.75, 2, generator())
    weights = np.array([1.0, 8.0, 27.0, 0.0, 2.0**0.75])
    np.testing.assert_allclose(sampler.word_p, weights / weights.sum(), rtol=1e-14)
    assert sampler.vocab_size == 5


def test_sampler_never_returns_the_target_and_rows_are_distinct():
    corpus = corpus_with_counts([500, 3, 2, 1, 1, 40])
    sampler = UnigramSampler(corpus, 0.75, 4, generator())
    target = np.tile(np.arange(6), 300)
    negative = sampler.get_negative_sample(target)
    assert negative.shape == (1800, 4)
    assert negative.dtype.kind in "iu"
    assert not np.any(negative == target[:, None])
    assert all(len(set(row)) == 4 for row in negative.tolist())


def expected_single_draw(p: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Expected count of each word over rows that each draw one word from p without the row's target."""
    rows = np.tile(p, (target.size, 1))
    rows[np.arange(target.size), target] = 0.0
    return (rows / rows.sum(axis=1, keepdims=True)).sum(axis=0), rows / rows.sum(axis=1, keepdims=True)


def test_sampler_one_draw_per_row_follows_the_renormalised_distribution():
    counts = [60, 25, 9, 4, 1, 1]
    sampler = UnigramSampler(corpus_with_counts(counts), 0.75, 1, generator(7))
    target = generator(8).integers(0, 6, size=20_000)
    drawn = sampler.get_negative_sample(target)[:, 0]
    expected, rows = expected_single_draw(sampler.word_p, target)
    variance = (rows * (1 - rows)).sum(axis=0)
    z = (np.bincount(drawn, minlength=6) - expected) / np.sqrt(variance)
    assert np.all(np.abs(z) < SIGMAS), z
    # the same draw against the distribution without the power (0.75 is not 1) is far off
    plain = np.array(counts, dtype=float) / sum(counts)
    wrong, _ = expected_single_draw(plain, target)
    assert np.max(np.abs(np.bincount(drawn, minlength=6) - wrong) / np.sqrt(variance)) > 20


def inclusion_without_replacement(p: np.ndarray, k: int) -> np.ndarray:
    """P(word in the row) under successive sampling without replacement, by enumerating every ordered draw."""
    inclusion = np.zeros_like(p)
    for order in itertools.permutations(np.flatnonzero(p), k):
        chance, left = 1.0, 1.0
        for word in order:
            chance *= p[word] / left
            left -= p[word]
        inclusion[list(order)] += chance
    return inclusion


def test_sampler_three_draws_per_row_match_successive_sampling():
    counts = [30, 12, 6, 3, 2, 1]
    sampler = UnigramSampler(corpus_with_counts(counts), 0.75, 3, generator(11))
    rows = 20_000
    target = np.zeros(rows, dtype=np.int64)
    drawn = sampler.get_negative_sample(target)
    p = sampler.word_p.copy()
    p[0] = 0.0
    inclusion = inclusion_without_replacement(p / p.sum(), 3)
    assert inclusion.sum() == pytest.approx(3.0)
    z = (np.bincount(drawn.ravel(), minlength=6) - rows * inclusion) / np.sqrt(
        rows * inclusion * (1 - inclusion) + 1e-12
    )
    assert np.all(np.abs(z[1:]) < SIGMAS), z
    assert not np.any(drawn == 0)


def test_sampler_draws_only_from_its_generator():
    corpus = corpus_with_counts([5, 4, 3, 2, 1])
    target = np.array([0, 1, 2, 3, 4, 0, 1])
    first = UnigramSampler(corpus, 0.75, 2, generator(3)).get_negative_sample(target)
    np.random.seed(1)  # noqa: NPY002 - moving the global state must not change what the sampler draws
    second = UnigramSampler(corpus, 0.75, 2, generator(3)).get_negative_sample(target)
    np.testing.assert_array_equal(first, second)


def test_sampler_refuses_too_few_words():
    with pytest.raises(ValueError, match="at least 3"):
        UnigramSampler(np.array([0, 1, 1]), 0.75, 2, generator())


# --- NegativeSamplingLoss ------------------------------------------------------


def test_loss_with_zero_scores_is_k_plus_one_log_two():
    # W = 0 makes every score 0: each of the k + 1 terms is log 2, whatever the negatives
    corpus = corpus_with_counts([4, 3, 3, 2, 2, 1, 1])
    loss = NegativeSamplingLoss(np.zeros((7, 3)), corpus, sample_size=4, rng=generator())
    value = loss.forward(generator(1).normal(size=(5, 3)), np.array([0, 1, 2, 3, 4]))
    assert value == pytest.approx(5 * np.log(2.0), rel=1e-14)
    assert loss.idx.shape == (5, 5)
    np.testing.assert_array_equal(loss.idx[:, 0], [0, 1, 2, 3, 4])


def test_loss_is_the_batch_mean_over_positive_and_negatives():
    g = generator()
    W, h = g.normal(size=(6, 4)), g.normal(size=(3, 4))
    target = np.array([1, 1, 4])
    loss = NegativeSamplingLoss(W, corpus_with_counts([3, 3, 2, 2, 1, 1]), 0.75, 2, generator(5))
    value = loss.forward(h, target)
    scores = np.einsum("nkd,nd->nk", W[loss.idx], h)
    sigmoid = 1 / (1 + np.exp(-scores))
    by_hand = -(np.log(sigmoid[:, 0]).sum() + np.log(1 - sigmoid[:, 1:]).sum()) / 3
    assert value == pytest.approx(by_hand, rel=1e-12)


def test_loss_defaults_and_extreme_scores_stay_finite():
    corpus = corpus_with_counts([9, 8, 7, 6, 5, 4, 3])
    W = np.full((7, 2), 30.0)
    loss = NegativeSamplingLoss(W, corpus)  # power 0.75, sample_size 5, a fresh generator
    h = np.array([[2.0, 2.0], [-2.0, -2.0]])  # scores +-120: sigmoid is exactly 1.0 or 0.0 in float64
    value = loss.forward(h, np.array([0, 1]))
    # row 0: the positive costs ~0, five negatives cost 120 each; row 1: the positive costs 120
    assert value == pytest.approx((5 * 120.0 + 120.0) / 2, rel=1e-12)
    assert loss.idx.shape == (2, 6)
    dh = loss.backward()
    assert np.all(np.isfinite(dh))
    np.testing.assert_allclose(dh, [[5 * 30.0 / 2] * 2, [-30.0 / 2] * 2], rtol=1e-12)


def test_loss_matches_numerical_gradients_with_fixed_negatives():
    g = generator()
    W, h = g.normal(size=(6, 3)), g.normal(size=(4, 3))
    target = np.array([0, 5, 5, 2])
    loss = NegativeSamplingLoss(W, corpus_with_counts([4, 4, 3, 3, 2, 2]), 0.75, 3, generator(9))
    loss.forward(h, target)
    fixed_negatives(loss, loss.idx[:, 1:])

    def objective(_):
        return 2.5 * loss.forward(h, target)

    numeric_h = numerical_gradient(objective, h)
    numeric_W = numerical_gradient(objective, W)
    loss.forward(h, target)
    np.testing.assert_allclose(loss.backward(2.5), numeric_h, **NUMERIC)
    np.testing.assert_allclose(loss.grads[0], numeric_W, **NUMERIC)


def test_loss_backward_is_repeatable():
    g = generator()
    loss = NegativeSamplingLoss(g.normal(size=(5, 2)), corpus_with_counts([2, 2, 2, 2, 2]), 0.75, 3, generator())
    loss.forward(g.normal(size=(4, 2)), np.array([0, 0, 0, 1]))
    first = loss.backward()
    first_dW = loss.grads[0].copy()
    np.testing.assert_array_equal(loss.backward(), first)
    np.testing.assert_array_equal(loss.grads[0], first_dW)


# --- PyTorch -------------------------------------------------------------------


def test_embedding_matches_pytorch_with_repeated_ids():
    torch = pytest.importorskip("torch")
    g = generator()
    W, dout = g.normal(size=(5, 3)), g.normal(size=(2, 4, 3))
    idx = np.array([[0, 4, 4, 1], [4, 0, 2, 4]])
    layer = Embedding(W)
    out = layer.forward(idx)
    layer.backward(dout)

    tW = torch.tensor(W, requires_grad=True)
    t_out = torch.nn.functional.embedding(torch.from_numpy(idx), tW)
    t_out.backward(torch.from_numpy(dout))
    np.testing.assert_array_equal(out, t_out.detach().numpy())
    np.testing.assert_allclose(layer.grads[0], tW.grad.numpy(), rtol=1e-12, atol=1e-15)


def test_embedding_dot_matches_pytorch():
    torch = pytest.importorskip("torch")
    g = generator()
    W, h, dout = g.normal(size=(4, 5)), g.normal(size=(6, 5)), g.normal(size=6)
    idx = np.array([3, 3, 0, 1, 3, 0])
    layer = EmbeddingDot(W)
    out = layer.forward(h, idx)
    dh = layer.backward(dout)

    tW, th = torch.tensor(W, requires_grad=True), torch.tensor(h, requires_grad=True)
    t_out = (torch.nn.functional.embedding(torch.from_numpy(idx), tW) * th).sum(dim=1)
    t_out.backward(torch.from_numpy(dout))
    np.testing.assert_allclose(out, t_out.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(dh, th.grad.numpy(), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(layer.grads[0], tW.grad.numpy(), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("scale", [1.0, 8.0], ids=["moderate-scores", "large-scores"])
def test_negative_sampling_loss_matches_pytorch_on_the_same_negatives(scale):
    torch = pytest.importorskip("torch")
    g = generator()
    N, D, k = 6, 4, 5
    W, h = g.normal(scale=scale, size=(9, D)), g.normal(scale=scale, size=(N, D))
    target = np.array([0, 3, 3, 8, 1, 3])
    corpus = corpus_with_counts([20, 9, 7, 5, 4, 3, 2, 2, 1])
    loss = NegativeSamplingLoss(W, corpus, 0.75, k, generator(3))
    value = loss.forward(h, target)
    dh = loss.backward(1.5)

    tW, th = torch.tensor(W, requires_grad=True), torch.tensor(h, requires_grad=True)
    rows = torch.nn.functional.embedding(torch.from_numpy(loss.idx), tW)  # (N, k + 1, D)
    scores = torch.einsum("nkd,nd->nk", rows, th)
    labels = torch.zeros(N, k + 1, dtype=torch.float64)
    labels[:, 0] = 1.0
    t_loss = torch.nn.functional.binary_cross_entropy_with_logits(scores, labels, reduction="sum") / N
    (1.5 * t_loss).backward()
    assert value == pytest.approx(t_loss.item(), rel=1e-12)
    np.testing.assert_allclose(dh, th.grad.numpy(), rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(loss.grads[0], tW.grad.numpy(), rtol=1e-10, atol=1e-14)
