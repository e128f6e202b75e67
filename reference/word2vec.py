"""word2vec's layers: embedding lookup and negative sampling (exercise 14).

"Deep Learning from Scratch 2", chapter 4, speeds up word2vec in two steps:
the input-side matrix product with a one-hot vector becomes a row lookup
(``Embedding``), and the softmax over the whole vocabulary becomes a few
binary classifications, the true context word against ``sample_size`` words
drawn from the corpus (``UnigramSampler``, ``NegativeSamplingLoss``).

The layers follow the sequel's conventions: ``self.params`` is a list of the
parameter arrays (kept by reference, so an optimizer that updates them in
place updates the layer) and ``self.grads`` a list of arrays of the same
shapes, written in place on every ``backward`` (``grads[0][...] = ...``), so
that a model which collected them once sees every new gradient.  No layer
modifies its inputs or the upstream gradient.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._validation import as_float_array, as_generator, as_int, as_real, check_ndim, check_shape, require_forward

__all__ = ["Embedding", "EmbeddingDot", "NegativeSamplingLoss", "UnigramSampler"]


def _word_ids(ids: ArrayLike, func: str, name: str, vocab_size: int) -> NDArray[np.integer]:
    """Return ``ids`` as an integer array, checking that every id is a row of W (0..vocab_size-1)."""
    array = np.asarray(ids)
    if array.dtype.kind not in "iu":
        raise TypeError(f"{func} expects {name} to be integer word ids; got dtype {array.dtype}")
    if array.size and (array.min() < 0 or array.max() >= vocab_size):
        raise ValueError(
            f"{func} expects {name} in 0..{vocab_size - 1} (the rows of W); "
            f"got values from {array.min()} to {array.max()}"
        )
    return array


def _scalar_dout(dout: object, func: str) -> float:
    if np.ndim(dout) != 0:
        raise ValueError(f"{func} expects a scalar dout (the loss is a scalar); got shape {np.shape(dout)}")
    return as_real(np.asarray(dout).item(), func, "dout")


class Embedding:
    """Row lookup: out = W[idx], the product of one-hot rows with W without building them.

    Parameters
    ----------
    W : ndarray, shape (V, D), float
        One row of D numbers per word of a vocabulary of V words; kept by
        reference as ``params[0]``.

    Attributes
    ----------
    params : list of ndarray
        ``[W]``.
    grads : list of ndarray
        ``[dW]``, dW of W's shape, zeros until the first backward and
        overwritten in place by every backward.
    idx : ndarray of int or None
        The word ids of the last forward.
    """

    def __init__(self, W: NDArray[np.floating]) -> None:
        weights = as_float_array(W, "Embedding", "W")
        check_ndim(weights, (2,), "Embedding", "W", "(V, D)")
        self.params = [weights]
        self.grads = [np.zeros_like(weights)]
        self.idx: NDArray[np.integer] | None = None

    def forward(self, idx: ArrayLike) -> NDArray[np.floating]:
        """Look the rows up.

        Parameters
        ----------
        idx : array_like of int, any shape S, values in 0..V-1
            Word ids; the same id may occur several times.

        Returns
        -------
        ndarray, shape S + (D,), float
            W[idx].
        """
        (W,) = self.params
        self.idx = _word_ids(idx, "Embedding.forward", "idx", W.shape[0])
        return W[self.idx]

    def backward(self, dout: ArrayLike) -> None:
        """Set grads[0] to dL/dW.

        Parameters
        ----------
        dout : array_like, shape S + (D,), real
            dL/dout, forward's output shape.

        Returns
        -------
        None
            The ids are not differentiable; the gradient for W is ``grads[0]``:
            zero, then dout's row for each position added to W's row of that
            position's id.  An id that occurs several times collects the sum of
            its rows (``np.add.at``): ``dW[idx] = dout`` would keep only one.
        """
        require_forward(self.idx, "Embedding.backward")
        (dW,) = self.grads
        grad = as_float_array(dout, "Embedding.backward", "dout")
        check_shape(grad, self.idx.shape + dW.shape[1:], "Embedding.backward", "dout", "the shape forward returned")
        dW[...] = 0.0
        np.add.at(dW, self.idx, grad)


class EmbeddingDot:
    """Score of each (h, word) pair: out[n] = sum over D of h[n] * W[idx[n]].

    The output side of word2vec with negative sampling: the hidden vector of
    sample n against the output-side row of one word, without the product
    with the whole of W.

    Parameters
    ----------
    W : ndarray, shape (V, D), float
        Output-side word vectors; kept by reference as ``params[0]``.

    Attributes
    ----------
    params, grads : list of ndarray
        ``[W]`` and ``[dW]``, shared with the inner ``Embedding`` (the same
        list objects), dW overwritten in place by every backward.
    """

    def __init__(self, W: NDArray[np.floating]) -> None:
        self.embed = Embedding(W)
        self.params = self.embed.params
        self.grads = self.embed.grads
        self.cache: tuple[NDArray[np.floating], NDArray[np.floating]] | None = None

    def forward(self, h: ArrayLike, idx: ArrayLike) -> NDArray[np.floating]:
        """Row-wise dot products.

        Parameters
        ----------
        h : array_like, shape (N, D), real
            Hidden vectors.
        idx : array_like of int, shape (N,)
            One word id per row of h.

        Returns
        -------
        ndarray, shape (N,), float
            sum(h * W[idx], axis=1).
        """
        hidden = as_float_array(h, "EmbeddingDot.forward", "h")
        D = self.params[0].shape[1]
        check_ndim(hidden, (2,), "EmbeddingDot.forward", "h", f"(N, {D})")
        check_shape(hidden, (hidden.shape[0], D), "EmbeddingDot.forward", "h", "D, the columns of W")
        ids = np.asarray(idx)
        check_shape(ids, (hidden.shape[0],), "EmbeddingDot.forward", "idx", "one id per row of h")
        target_W = self.embed.forward(ids)
        self.cache = (hidden, target_W)
        return np.sum(target_W * hidden, axis=1)

    def backward(self, dout: ArrayLike) -> NDArray[np.floating]:
        """Gradients of the scores; sets grads[0] to dL/dW.

        Parameters
        ----------
        dout : array_like, shape (N,), real
            dL/dout.

        Returns
        -------
        ndarray, shape (N, D), float
            dL/dh = dout[:, None] * W[idx]; dL/dW gets dout[:, None] * h added
            at each row idx[n] (repeated ids summed).
        """
        require_forward(self.cache, "EmbeddingDot.backward")
        hidden, target_W = self.cache
        grad = as_float_array(dout, "EmbeddingDot.backward", "dout")
        check_shape(grad, (hidden.shape[0],), "EmbeddingDot.backward", "dout", "the shape forward returned")
        column = grad[:, np.newaxis]
        self.embed.backward(column * hidden)
        return column * target_W


class UnigramSampler:
    """Draws negative samples: word w with probability proportional to count(w) ** power.

    Parameters
    ----------
    corpus : array_like of int, shape (L,)
        The corpus as word ids; V = corpus.max() + 1 and count(w) is how often
        w occurs (a word that never occurs is never drawn).
    power : float
        The exponent; 0.75 (word2vec's choice) lifts rare words a little.
    sample_size : int
        Negative samples per row.
    rng : numpy.random.Generator or None
        Source of every draw; None means a fresh np.random.default_rng().

    Attributes
    ----------
    vocab_size : int
        V.
    word_p : ndarray, shape (V,), float
        count ** power, normalised to sum to 1.

    Notes
    -----
    Each row is drawn without replacement from word_p with the row's target
    removed and the rest renormalised (the book's ``np.random.choice(...,
    replace=False, p=p)``).  The contract also accepts draws with
    replacement; both give exactly this distribution when sample_size = 1.
    """

    def __init__(self, corpus: ArrayLike, power: float, sample_size: int, rng: np.random.Generator | None) -> None:
        ids = np.asarray(corpus)
        if ids.ndim != 1 or ids.size == 0:
            raise ValueError(f"UnigramSampler expects corpus to be a non-empty 1-D array of word ids; got {ids.shape}")
        ids = _word_ids(ids, "UnigramSampler", "corpus", int(ids.max()) + 1)
        self.power = as_real(power, "UnigramSampler", "power")
        self.sample_size = as_int(sample_size, "UnigramSampler", "sample_size", 1)
        self.rng = as_generator(rng, "UnigramSampler")
        counts = np.bincount(ids).astype(np.float64)
        # a word with count 0 stays at probability 0 whatever the power (0 ** 0 would be 1)
        weights = np.where(counts > 0, counts**self.power, 0.0)
        self.vocab_size = int(counts.size)
        self.word_p = weights / weights.sum()
        if np.count_nonzero(self.word_p) <= self.sample_size:
            raise ValueError(
                f"UnigramSampler: the corpus has {np.count_nonzero(self.word_p)} different words; drawing "
                f"{self.sample_size} without the target needs at least {self.sample_size + 1}"
            )

    def get_negative_sample(self, target: ArrayLike) -> NDArray[np.integer]:
        """Draw sample_size words per row, never the row's target.

        Parameters
        ----------
        target : array_like of int, shape (N,)
            The true context word of each row.

        Returns
        -------
        ndarray of int, shape (N, sample_size)
            Row n: distinct word ids drawn from word_p with target[n] removed
            and the rest renormalised.
        """
        targets = _word_ids(target, "UnigramSampler.get_negative_sample", "target", self.vocab_size)
        check_ndim(targets, (1,), "UnigramSampler.get_negative_sample", "target", "(N,)")
        negative = np.zeros((targets.shape[0], self.sample_size), dtype=np.int64)
        for row, word in enumerate(targets):
            p = self.word_p.copy()
            p[word] = 0.0
            negative[row] = self.rng.choice(self.vocab_size, size=self.sample_size, replace=False, p=p / p.sum())
        return negative


class NegativeSamplingLoss:
    """Binary cross-entropy of the true word against sample_size sampled words.

    For row n with hidden vector h[n], target word t and negatives w_1..w_k:
    loss_n = -log sigmoid(h[n] . W[t]) - sum over j of log(1 - sigmoid(h[n] . W[w_j])),
    and the loss is the mean over the batch of loss_n (summed over the k + 1
    samples, as the book adds its k + 1 SigmoidWithLoss layers).

    Parameters
    ----------
    W : ndarray, shape (V, D), float
        Output-side word vectors; kept by reference as ``params[0]``.
    corpus : array_like of int, shape (L,)
        Word ids, for the ``UnigramSampler``.
    power : float, default 0.75
        The sampler's exponent.
    sample_size : int, default 5
        Negatives per row, k.
    rng : numpy.random.Generator or None, default None
        Handed to the sampler; None means a fresh np.random.default_rng().

    Attributes
    ----------
    params, grads : list of ndarray
        ``[W]`` and ``[dW]`` (the book keeps one EmbeddingDot, so one W and
        one dW, per sample: k + 1 entries that add up to the same dW).
    idx : ndarray of int, shape (N, k + 1), or None
        The last forward's target (column 0) and negatives (columns 1..k).
    """

    def __init__(
        self,
        W: NDArray[np.floating],
        corpus: ArrayLike,
        power: float = 0.75,
        sample_size: int = 5,
        rng: np.random.Generator | None = None,
    ) -> None:
        self.sampler = UnigramSampler(corpus, power, sample_size, rng)
        self.embed = Embedding(W)
        if self.sampler.vocab_size > self.embed.params[0].shape[0]:
            raise ValueError(
                f"NegativeSamplingLoss: the corpus holds word id {self.sampler.vocab_size - 1}, "
                f"but W has only {self.embed.params[0].shape[0]} rows"
            )
        self.params = self.embed.params
        self.grads = self.embed.grads
        self.idx: NDArray[np.integer] | None = None
        self.cache: tuple[NDArray[np.floating], NDArray[np.floating], NDArray[np.floating]] | None = None

    def forward(self, h: ArrayLike, target: ArrayLike) -> float:
        """Draw the negatives and return the batch-mean loss.

        Parameters
        ----------
        h : array_like, shape (N, D), real
            Hidden vectors.
        target : array_like of int, shape (N,)
            The true context word of each row.

        Returns
        -------
        float
            mean over N of [softplus(-s_pos) + sum over k of softplus(s_neg)],
            softplus(s) = log(1 + exp(s)) = -log(1 - sigmoid(s)), computed
            without overflow.
        """
        hidden = as_float_array(h, "NegativeSamplingLoss.forward", "h")
        D = self.params[0].shape[1]
        check_ndim(hidden, (2,), "NegativeSamplingLoss.forward", "h", f"(N, {D})")
        check_shape(hidden, (hidden.shape[0], D), "NegativeSamplingLoss.forward", "h", "D, the columns of W")
        targets = _word_ids(target, "NegativeSamplingLoss.forward", "target", self.params[0].shape[0])
        check_shape(targets, (hidden.shape[0],), "NegativeSamplingLoss.forward", "target", "one id per row of h")
        negative = self.sampler.get_negative_sample(targets)
        self.idx = np.concatenate([targets[:, np.newaxis], negative], axis=1)
        rows = self.embed.forward(self.idx)  # (N, k + 1, D)
        scores = np.einsum("nkd,nd->nk", rows, hidden)
        labels = np.zeros_like(scores)
        labels[:, 0] = 1.0
        self.cache = (hidden, rows, scores)
        # -log sigmoid(s) = log(1 + exp(-s)); -log(1 - sigmoid(s)) = log(1 + exp(s))
        losses = np.logaddexp(0.0, np.where(labels == 1.0, -scores, scores))
        return float(np.sum(losses) / hidden.shape[0])

    def backward(self, dout: float = 1) -> NDArray[np.floating]:
        """Gradient for h; sets grads[0] to dL/dW.

        Parameters
        ----------
        dout : float, default 1
            dL/dloss.

        Returns
        -------
        ndarray, shape (N, D), float
            dL/dh = sum over the k + 1 samples of g * W[word], with
            g = dout * (sigmoid(s) - label) / N (label 1 for the target, 0
            for a negative); dL/dW gets g * h[n] added at each sampled row.
        """
        require_forward(self.cache, "NegativeSamplingLoss.backward")
        scale = _scalar_dout(dout, "NegativeSamplingLoss.backward")
        hidden, rows, scores = self.cache
        labels = np.zeros_like(scores)
        labels[:, 0] = 1.0
        sigmoid = np.exp(-np.logaddexp(0.0, -scores))
        g = scale * (sigmoid - labels) / hidden.shape[0]  # (N, k + 1)
        self.embed.backward(g[:, :, np.newaxis] * hidden[:, np.newaxis, :])
        return np.einsum("nk,nkd->nd", g, rows)
