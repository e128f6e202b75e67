# expect: pass
# One (N, k + 1) lookup instead of k + 1 EmbeddingDot layers, a single [dW],
# negatives drawn with replacement (targets redrawn), the loss through log-sigmoid.
import numpy as np


class Embedding:
    def __init__(self, W):
        self.params = [W]
        self.grads = [np.zeros_like(W)]

    def forward(self, idx):
        self.idx = idx
        return self.params[0][idx]

    def backward(self, dout):
        # a one-hot matrix product adds the rows of repeated ids, as np.add.at does
        V = self.params[0].shape[0]
        one_hot = (self.idx.reshape(-1)[:, None] == np.arange(V)).astype(float)
        self.grads[0][...] = one_hot.T @ dout.reshape(one_hot.shape[0], -1)


class EmbeddingDot:
    def __init__(self, W):
        self.embed = Embedding(W)
        self.params, self.grads = self.embed.params, self.embed.grads

    def forward(self, h, idx):
        self.h, self.rows = h, self.embed.forward(idx)
        return np.einsum("nd,nd->n", h, self.rows)

    def backward(self, dout):
        self.embed.backward(dout[:, None] * self.h)
        return dout[:, None] * self.rows


class UnigramSampler:
    def __init__(self, corpus, power, sample_size, rng):
        counts = np.bincount(corpus).astype(float)
        self.p = counts**power / np.sum(counts**power)
        self.k = sample_size
        self.rng = rng if rng is not None else np.random.default_rng()

    def get_negative_sample(self, target):
        target = np.asarray(target)
        drawn = self.rng.choice(len(self.p), size=(len(target), self.k), p=self.p)
        # redraw every entry that hit its row's target: the same as drawing from
        # p with the target removed and renormalised
        hit = drawn == target[:, None]
        while hit.any():
            drawn[hit] = self.rng.choice(len(self.p), size=int(hit.sum()), p=self.p)
            hit = drawn == target[:, None]
        return drawn


class NegativeSamplingLoss:
    def __init__(self, W, corpus, power=0.75, sample_size=5, rng=None):
        self.W = W
        self.sampler = UnigramSampler(corpus, power, sample_size, rng)
        self.params = [W]
        self.grads = [np.zeros_like(W)]

    def forward(self, h, target):
        negative = self.sampler.get_negative_sample(target)
        self.idx = np.concatenate([target[:, None], negative], axis=1)
        self.h = h
        self.s = np.einsum("nkd,nd->nk", self.W[self.idx], h)
        self.sign = np.where(np.arange(self.idx.shape[1]) == 0, 1.0, -1.0)
        # -log sigmoid(sign * s), by log-sum-exp
        return float(np.sum(np.logaddexp(0.0, -self.sign * self.s)) / len(h))

    def backward(self, dout=1):
        n = len(self.h)
        g = dout * -self.sign / (1.0 + np.exp(np.clip(self.sign * self.s, -700, 700))) / n
        self.grads[0][...] = 0.0
        np.add.at(self.grads[0], self.idx, g[:, :, None] * self.h[:, None, :])
        return np.einsum("nk,nkd->nd", g, self.W[self.idx])
