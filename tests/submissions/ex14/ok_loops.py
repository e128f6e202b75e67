# expect: pass
# Loops everywhere: the book's slower Embedding backward, a sampler that draws
# without replacement by hand (successive draws, each from what is left), and a
# loss clipped away from log(0).
import numpy as np


class Embedding:
    def __init__(self, W):
        self.params = [W]
        self.grads = [np.zeros_like(W)]
        self.idx = None

    def forward(self, idx):
        self.idx = idx
        return np.array([self.params[0][i] for i in idx])

    def backward(self, dout):
        (dW,) = self.grads
        dW[...] = 0
        for i, word_id in enumerate(self.idx):
            dW[word_id] += dout[i]


class UnigramSampler:
    def __init__(self, corpus, power, sample_size, rng):
        self.rng = np.random.default_rng() if rng is None else rng
        self.sample_size = sample_size
        V = max(corpus) + 1
        counts = [0] * V
        for word in corpus:
            counts[word] += 1
        weights = [c**power for c in counts]
        total = sum(weights)
        self.word_p = np.array([w / total for w in weights])

    def get_negative_sample(self, target):
        rows = []
        for t in target:
            p = self.word_p.copy()
            p[t] = 0.0
            row = []
            for _ in range(self.sample_size):
                p = p / p.sum()
                word = int(np.searchsorted(np.cumsum(p), self.rng.random(), side="right"))
                word = min(word, len(p) - 1)
                while p[word] == 0.0:  # rounding at the top end of the cumulative sum
                    word -= 1
                row.append(word)
                p[word] = 0.0
            rows.append(row)
        return np.array(rows, dtype=np.int64)


class NegativeSamplingLoss:
    def __init__(self, W, corpus, power=0.75, sample_size=5, rng=None):
        self.k = sample_size
        self.sampler = UnigramSampler(corpus, power, sample_size, rng)
        self.layers = [EmbeddingDot(W) for _ in range(sample_size + 1)]
        self.params = [layer.params[0] for layer in self.layers]
        self.grads = [layer.grads[0] for layer in self.layers]

    def forward(self, h, target):
        negative = self.sampler.get_negative_sample(target)
        self.n = len(target)
        self.ys = []
        loss = 0.0
        for j, layer in enumerate(self.layers):
            idx = target if j == 0 else negative[:, j - 1]
            y = 1 / (1 + np.exp(-layer.forward(h, idx)))
            self.ys.append(y)
            y = np.clip(y, 1e-12, 1 - 1e-12)
            loss += -np.sum(np.log(y) if j == 0 else np.log(1 - y))
        return loss / self.n

    def backward(self, dout=1):
        dh = None
        for j, layer in enumerate(self.layers):
            label = 1.0 if j == 0 else 0.0
            part = layer.backward(dout * (self.ys[j] - label) / self.n)
            dh = part if dh is None else dh + part
        return dh
