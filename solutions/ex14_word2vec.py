"""Worked solution, exercise 14: word2vec with an Embedding layer and negative sampling.

模範解答 課題 14：Embedding レイヤと Negative Sampling による word2vec の高速化
"""

from __future__ import annotations

import numpy as np


class Embedding:
    """out = W[idx]; backward adds dout's rows into dW at idx."""

    def __init__(self, W: np.ndarray) -> None:
        self.params = [W]
        self.grads = [np.zeros_like(W)]
        self.idx = None

    def forward(self, idx: np.ndarray) -> np.ndarray:
        """Return the rows of W for the word ids idx."""
        (W,) = self.params
        self.idx = idx
        return W[idx]

    def backward(self, dout: np.ndarray) -> None:
        """Zero dW, then add every row of dout at its word id (repeats summed)."""
        (dW,) = self.grads
        dW[...] = 0  # in place: the caller holds this very array
        # dW[self.idx] = dout would keep only one row of a repeated id
        np.add.at(dW, self.idx, dout)


class EmbeddingDot:
    """out[n] = h[n] . W[idx[n]]."""

    def __init__(self, W: np.ndarray) -> None:
        self.embed = Embedding(W)
        # the same lists: Embedding.backward fills this layer's grads
        self.params = self.embed.params
        self.grads = self.embed.grads
        self.cache = None

    def forward(self, h: np.ndarray, idx: np.ndarray) -> np.ndarray:
        """Return the dot product of each h[n] with W[idx[n]], shape (N,)."""
        target_W = self.embed.forward(idx)
        self.cache = (h, target_W)
        return np.sum(target_W * h, axis=1)

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """Set the gradient for W in self.grads; return dh (N, D)."""
        h, target_W = self.cache
        dout = dout.reshape(dout.shape[0], 1)  # (N,) -> (N, 1), to scale whole rows
        self.embed.backward(dout * h)
        return dout * target_W


class UnigramSampler:
    """Negative samples drawn with probability proportional to count ** power."""

    def __init__(
        self,
        corpus: np.ndarray,
        power: float,
        sample_size: int,
        rng: np.random.Generator | None,
    ) -> None:
        self.sample_size = sample_size
        self.rng = np.random.default_rng() if rng is None else rng
        counts = np.bincount(corpus)  # counts[w]: how often word w occurs
        self.vocab_size = len(counts)
        self.word_p = counts**power  # the power first, then normalise
        self.word_p = self.word_p / np.sum(self.word_p)

    def get_negative_sample(self, target: np.ndarray) -> np.ndarray:
        """Return (N, sample_size) word ids; row n never holds target[n]."""
        batch_size = target.shape[0]
        negative_sample = np.zeros((batch_size, self.sample_size), dtype=np.int64)
        for i in range(batch_size):
            p = self.word_p.copy()
            p[target[i]] = 0  # never the row's own target
            p /= p.sum()
            negative_sample[i, :] = self.rng.choice(
                self.vocab_size, size=self.sample_size, replace=False, p=p
            )
        return negative_sample


class NegativeSamplingLoss:
    """Sigmoid cross-entropy of the target (label 1) and k negatives (label 0)."""

    def __init__(
        self,
        W: np.ndarray,
        corpus: np.ndarray,
        power: float = 0.75,
        sample_size: int = 5,
        rng: np.random.Generator | None = None,
    ) -> None:
        self.sample_size = sample_size
        self.sampler = UnigramSampler(corpus, power, sample_size, rng)
        # as in the book: one EmbeddingDot per sample, all sharing W
        self.embed_dot_layers = [EmbeddingDot(W) for _ in range(sample_size + 1)]
        self.params, self.grads = [], []
        for layer in self.embed_dot_layers:
            self.params += layer.params
            self.grads += layer.grads
        self.cache = None

    def forward(self, h: np.ndarray, target: np.ndarray) -> float:
        """Draw the negatives and return the batch-mean loss."""
        batch_size = target.shape[0]
        negative_sample = self.sampler.get_negative_sample(target)
        columns = [target] + [negative_sample[:, i] for i in range(self.sample_size)]
        scores = np.stack(
            [
                layer.forward(h, idx)
                for layer, idx in zip(self.embed_dot_layers, columns, strict=True)
            ],
            axis=1,
        )  # (N, k + 1): column 0 the target, then the negatives
        labels = np.zeros_like(scores)
        labels[:, 0] = 1.0
        self.cache = (scores, labels, batch_size)
        # stable: -log sigmoid(s) = log(1 + exp(-s)),
        #         -log(1 - sigmoid(s)) = log(1 + exp(s))
        losses = np.logaddexp(0, np.where(labels == 1, -scores, scores))
        return float(np.sum(losses) / batch_size)

    def backward(self, dout: float = 1) -> np.ndarray:
        """Fill self.grads (one dW per EmbeddingDot); return dh."""
        scores, labels, batch_size = self.cache
        y = 1 / (1 + np.exp(-np.clip(scores, -500, 500)))
        dscores = dout * (y - labels) / batch_size
        dh = 0
        for i, layer in enumerate(self.embed_dot_layers):
            dh = dh + layer.backward(dscores[:, i])
        return dh
