"""Checks for exercise 14: word2vec's Embedding layer and negative sampling.

Why word2vec rather than the VAE for exercise 14: chapter 4 of "Deep Learning
from Scratch 2" is the word2vec material E資格 learners meet, and its two
ideas give bugs a grader can catch and name.  ``Embedding.backward`` with
repeated word ids: ``dW[idx] = dout`` (and ``dW[idx] += dout``, which NumPy
buffers the same way) keeps one row per id and silently drops the others,
where ``np.add.at(dW, idx, dout)`` adds them up; and negative sampling, whose
sampler must follow count ** power and never return the row's own target,
and whose loss is a batch mean of k + 1 sigmoid cross-entropies that must not
take log(0).

Embedding, EmbeddingDot and, on a two-word vocabulary, NegativeSamplingLoss
are rows of the layer-check engine (``grader.checks.layers``): forward
against the reference on batches whose word ids repeat, a gradient check
(backward against the learner's own forward along random directions and
against the reference, a random dout, every gradient: dh and dW), a hygiene
check (repeatable, linear in dout, inputs and parameters unchanged), and the
sequel's rule that backward writes into the arrays of ``self.grads`` created
by the constructor.  Beside them: dW holds only the last backward's gradient
(zeroed before it accumulates).

Sampling is random, and the contract exposes neither the negatives drawn nor
the sampler's algorithm, so NegativeSamplingLoss is compared with the
reference only where every correct sampler gives the same loss:

* a vocabulary of two words with ``sample_size=1``: the negative of a row is
  the other word, whatever the algorithm (the engine's row);
* a W whose rows are equal except the target's, with every row's target the
  same word: every negative scores the same, so loss, dh, the target's row of
  dW and the sum of the other rows of dW are fixed for any negatives (the
  defaults power=0.75, sample_size=5, rng=None are checked this way), and
  again at scores of +-50, where sigmoid is exactly 0.0 or 1.0 in float64
  and a loss without an eps or a stable form takes log(0).  There the book's
  ``log(y + 1e-7)`` (16.1 per saturated term) and the exact stable value are
  both accepted: the contract does not fix the guard.

``self.grads`` of NegativeSamplingLoss is either ``[dW]`` or, as in the book,
one dW per EmbeddingDot layer (k + 1 arrays on the same W): the grader adds
them up (``GradsSum``).

UnigramSampler is checked by properties every correct sampler has, with
margins that hold for any of them: the shape and dtype, the row's target
never drawn (on a corpus where the target is the most frequent word), one
draw per row against count ** power with the target removed (5 standard
deviations per word on 1,500 draws: a correct sampler fails with probability
below 4e-6), sample_size draws per row against both accepted conventions
(without replacement, the book's ``rng.choice(..., replace=False, p=p)``,
whose inclusion probabilities are computed exactly, set by set of the words
drawn so far; or
with replacement, every entry on its own: a row with a repeated word says
which), and the draws coming from the ``rng`` given (equal seeds give equal
samples, NumPy's global state moved in between).  NegativeSamplingLoss must
pass its ``rng`` on in the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from grader.checks.common import generator
from grader.checks.layers import (
    Case,
    Cases,
    GradsItem,
    GradsSum,
    Hygiene,
    Input,
    Known,
    Layer,
    Param,
    grads_in_place_check,
    layer_checks,
)
from grader.checks.verdicts import close, is_close, unchanged, value_of
from grader.grading.engine import Check
from grader.grading.results import Verdict
from grader.sandbox.client import Probe, ProbeRun
from grader.text import Text, plain
from reference import Embedding, EmbeddingDot, NegativeSamplingLoss

# NegativeSamplingLoss: the book's 1e-7 inside the log moves a loss of moderate scores (sigmoid >= 0.05
# and <= 0.95 here) by < 4e-6 relatively
LOSS_SLACK = 2e-5
SIGMAS = 5.0  # allowed deviation of a word's count, in standard deviations
VALUE_RTOL = 1e-7

# ----------------------------------------------------------------- shared hints

OVERWRITE_HINT = Text(
    "a word id that occurs several times in idx got only one row of dout: dW[idx] = dout, and also "
    "dW[idx] += dout (NumPy buffers a fancy-index update), keep the last row for a repeated id; add them all "
    "with np.add.at(dW, idx, dout), or a loop: for i, word_id in enumerate(idx): dW[word_id] += dout[i]",
    "idx に何度も現れる単語 ID に dout の行が 1 つしか入っていません。dW[idx] = dout も dW[idx] += dout も"
    "(NumPy はファンシーインデックスの更新をまとめて行うため)重複した ID では最後の行だけが残ります。"
    "np.add.at(dW, idx, dout) か、ループ for i, word_id in enumerate(idx): dW[word_id] += dout[i] で"
    "すべて足し合わせてください",
)
NOT_ZEROED_HINT = Text(
    "dW still holds the previous backward's gradient: zero it at the start of every backward, dW[...] = 0, "
    "then add with np.add.at (the book's Embedding does exactly this)",
    "dW に前回の backward の勾配が残っています。backward のたびに最初に dW[...] = 0 で 0 にしてから "
    "np.add.at で足してください(書籍の Embedding もそうしています)",
)
TARGET_DRAWN_HINT = Text(
    "before drawing row n, set the probability of its own target to 0 and renormalise: p = word_p.copy(); "
    "p[target[n]] = 0; p /= p.sum() (a negative sample must be a word other than the true one)",
    "行 n を抽出する前に、その行の target の確率を 0 にして正規化し直します: p = word_p.copy(); "
    "p[target[n]] = 0; p /= p.sum()(負例は正解以外の単語でなければなりません)",
)
POWER_HINT = Text(
    "the probabilities must be count ** power, normalised: raise the counts to the power given to the "
    "constructor (self.power), then divide by their sum",
    "確率は count ** power を正規化したものです。コンストラクタに渡された power(self.power)で出現回数を"
    "累乗してから、その和で割ってください",
)
RNG_HINT = Text(
    "draw from the generator given as rng (rng.choice(V, size=..., replace=..., p=p)), and pass rng on to "
    "the UnigramSampler; np.random.choice and a new np.random.default_rng() can not be seeded by the caller",
    "引数 rng の Generator から抽出し(rng.choice(V, size=..., replace=..., p=p))、UnigramSampler にも "
    "rng を渡してください。np.random.choice や新しく作った np.random.default_rng() は呼び出し側から"
    "シードを決められません",
)
LOG_ZERO_HINT = Text(
    "for a large |score| sigmoid is exactly 0.0 or 1.0 in float64 and log(0) is -inf: add a small constant "
    "as the book does, -log(y + 1e-7) and -log(1 - y + 1e-7), or use the stable form -log sigmoid(s) = "
    "np.logaddexp(0, -s), -log(1 - sigmoid(s)) = np.logaddexp(0, s)",
    "スコアの絶対値が大きいと float64 の sigmoid はちょうど 0.0 か 1.0 になり、log(0) は -inf です。"
    "書籍のように小さな定数を足す(-log(y + 1e-7)、-log(1 - y + 1e-7))か、安定な形 "
    "-log sigmoid(s) = np.logaddexp(0, -s)、-log(1 - sigmoid(s)) = np.logaddexp(0, s) を使ってください",
)
SUMMED_HINT = Text(
    "the loss is summed over the batch; the contract asks for the mean: divide by N (the book's "
    "SigmoidWithLoss layers each return a batch mean)",
    "損失がバッチの和になっています。課題はミニバッチの平均です。N で割ってください"
    "(書籍の SigmoidWithLoss レイヤはどれもバッチ平均を返します)",
)
SAMPLE_SIZE_HINT = Text(
    "the loss adds one term per negative: use the sample_size given to the constructor (k), and draw "
    "(N, k) negatives with the sampler",
    "損失は負例 1 つにつき 1 項を足します。コンストラクタに渡された sample_size(k)を使い、"
    "サンプラーで (N, k) 個の負例を抽出してください",
)


def _softplus(s: np.ndarray) -> np.ndarray:
    """log(1 + exp(s)) = -log(1 - sigmoid(s)), without overflow."""
    return np.logaddexp(0.0, s)


def _sigmoid(s: np.ndarray) -> np.ndarray:
    return np.exp(-np.logaddexp(0.0, -s))


# ----------------------------------------------------------------- Embedding


def _overwritten(shape: tuple[int, ...], idx: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """The dW of ``dW[idx] = rows`` (what dW[idx] += rows gives too): the last row of a repeated id."""
    wrong = np.zeros(shape)
    wrong[idx] = rows
    return wrong


def _embedding_mistakes(case: Case) -> list[Known]:
    if not isinstance(case.dout, np.ndarray):
        return []
    W, idx, dout = case.values["W"], case.values["idx"], case.dout
    return [Known("dW", _overwritten(W.shape, idx, dout), OVERWRITE_HINT)]


def _embedding_case(rng: np.random.Generator, V: int, D: int, idx: list[int], hygiene: bool = False) -> Case:
    ids = np.array(idx, dtype=np.int64)
    W = rng.normal(size=(V, D))
    dout = rng.normal(size=(ids.size, D))
    label = plain(f"W ({V}, {D}), idx {idx}")
    return Case(label, {"W": W, "idx": ids}, dout, hygiene)


def _embedding() -> Layer:
    rng = generator(1401)
    repeated = _embedding_case(rng, 6, 3, [4, 1, 4, 0, 4, 1], hygiene=True)
    same = _embedding_case(rng, 5, 4, [3, 3, 3, 3])
    single = _embedding_case(rng, 4, 2, [2])
    return Layer(
        name="Embedding",
        constructor=("W",),
        reference=Embedding,
        params=(Param("W", "dW", GradsItem(0)),),
        inputs=(Input("idx"),),
        mistakes=_embedding_mistakes,
        forward=(
            Cases(
                Text(
                    "Embedding: forward returns the rows W[idx], repeated ids included",
                    "Embedding: forward が重複した ID も含めて W[idx] の行を返す",
                ),
                Text(
                    "W (6, 3) with idx [4, 1, 4, 0, 4, 1]; W (5, 4) with idx [3, 3, 3, 3]; W (4, 2) with idx [2]",
                    "W (6, 3) と idx [4, 1, 4, 0, 4, 1]、W (5, 4) と idx [3, 3, 3, 3]、W (4, 2) と idx [2]",
                ),
                tuple(Case(case.label, case.values) for case in (repeated, same, single)),
            ),
        ),
        gradient=(
            Cases(
                Text(
                    "Embedding: backward adds the rows of dout of a repeated id into dW (gradient check)",
                    "Embedding: backward は重複した ID の dout の行を dW に足し合わせる(勾配確認)",
                ),
                Text(
                    "idx [4, 1, 4, 0, 4, 1] (id 4 three times), [3, 3, 3, 3], [2]; random dout; "
                    "dW read from self.grads[0]",
                    "idx [4, 1, 4, 0, 4, 1](ID 4 が 3 回)、[3, 3, 3, 3]、[2]。dout はランダム。dW は self.grads[0]",
                ),
                (repeated, same, single),
            ),
        ),
        hygiene=Hygiene(Text("W (6, 3), idx [4, 1, 4, 0, 4, 1], random dout", "W (6, 3)、idx [4, 1, 4, 0, 4, 1]")),
        forward_hint=Text(
            "keep idx for backward (self.idx = idx) and return W[idx], shape (N, D)",
            "backward のために idx を保存し(self.idx = idx)、W[idx](形状 (N, D))を返します",
        ),
        backward_hint=Text(
            "dW = self.grads[0]; dW[...] = 0; np.add.at(dW, self.idx, dout); return None",
            "dW = self.grads[0]; dW[...] = 0; np.add.at(dW, self.idx, dout) とし、None を返します",
        ),
    )


def _two_rounds_check() -> Check:
    """After forward, backward, forward, backward, dW must be the second round's gradient alone."""
    rng = generator(1405)
    W = rng.normal(size=(5, 3))
    first, second = np.array([1, 3, 1]), np.array([0, 3])
    dout1, dout2 = rng.normal(size=(3, 3)), rng.normal(size=(2, 3))
    probe = Probe()
    layer = probe.new("Embedding", probe.array(W))
    probe.method(layer, "forward", first)
    probe.method(layer, "backward", dout1)
    probe.method(layer, "forward", second)
    probe.method(layer, "backward", dout2)
    probe.save(probe.item(probe.attr(layer, "grads"), 0), "dW")  # type: ignore[arg-type]
    expected = np.zeros_like(W)
    np.add.at(expected, second, dout2)
    stale = expected.copy()
    np.add.at(stale, first, dout1)

    def verify(run: ProbeRun) -> Verdict:
        got, problems = value_of(run.output("dW"), "self.grads[0]")
        if got is None:
            return Verdict.fail(problems)
        lines = close(got, expected, what="dW = self.grads[0]", rtol=VALUE_RTOL, atol=1e-12)
        if not lines:
            return Verdict.ok()
        lead = Text(
            "after forward(idx1), backward(dout1), forward(idx2), backward(dout2), dW must be the gradient "
            "of the second round alone:",
            "forward(idx1)、backward(dout1)、forward(idx2)、backward(dout2) の後、dW は 2 回目の勾配だけのはずです:",
        )
        hint = NOT_ZEROED_HINT if is_close(got, stale, VALUE_RTOL, 1e-12) else None
        return Verdict.fail([lead, *lines], hint)

    return Check(
        "Embedding: after two rounds of forward and backward, dW holds only the second round's gradient",
        "Embedding: forward と backward を 2 回繰り返した後、dW は 2 回目の勾配だけを持つ",
        probe,
        verify,
        hint=NOT_ZEROED_HINT,
        context=Text(
            "W (5, 3); idx1 [1, 3, 1] with dout1 (3, 3), then idx2 [0, 3] with dout2 (2, 3)",
            "W (5, 3)。idx1 [1, 3, 1] と dout1 (3, 3)、続いて idx2 [0, 3] と dout2 (2, 3)",
        ),
    )


# ----------------------------------------------------------------- EmbeddingDot


def _embedding_dot_mistakes(case: Case) -> list[Known]:
    W, h, idx = case.values["W"], case.values["h"], case.values["idx"]
    n, d = h.shape
    found = [
        Known(
            "out",
            None,
            Text(
                "out has one score per pair of rows: h @ W[idx].T gives every h[i] against every W[idx[j]]; "
                "the row-wise dot product is np.sum(h * W[idx], axis=1)",
                "out がすべての行の組み合わせのスコアになっています。h @ W[idx].T はすべての h[i] と W[idx[j]] の"
                "組です。行ごとの内積は np.sum(h * W[idx], axis=1) です",
            ),
            shape=(n, n),
        ),
        Known(
            "out",
            None,
            Text(
                "sum over the features only (axis=1): one score per row of h, shape (N,)",
                "特徴量の方向(axis=1)だけで和をとります。h の各行に 1 つのスコア、形状 (N,) です",
            ),
            shape=(d,),
        ),
        Known(
            "out",
            None,
            Text(
                "sum over the features only (axis=1): one score per row of h, shape (N,)",
                "特徴量の方向(axis=1)だけで和をとります。h の各行に 1 つのスコア、形状 (N,) です",
            ),
            shape=(),
        ),
    ]
    if not isinstance(case.dout, np.ndarray):
        return found
    dout = case.dout[:, np.newaxis]
    return [
        *found,
        Known(
            "dh",
            W[idx],
            Text(
                "dh ignores dout: the chain rule gives dh = dout[:, None] * W[idx]",
                "dh が dout を使っていません。連鎖律から dh = dout[:, None] * W[idx] です",
            ),
        ),
        Known(
            "dh",
            dout * h,
            Text(
                "dh and the gradient for W's rows are swapped: out = sum(h * W[idx]) gives dh = dout * W[idx] "
                "and, for the rows W[idx], dout * h",
                "dh と W の行の勾配が入れ替わっています。out = sum(h * W[idx]) から dh = dout * W[idx]、"
                "W[idx] の行には dout * h です",
            ),
        ),
        Known("dW", _overwritten(W.shape, idx, dout * h), OVERWRITE_HINT),
    ]


def _embedding_dot_case(rng: np.random.Generator, V: int, D: int, idx: list[int], hygiene: bool = False) -> Case:
    ids = np.array(idx, dtype=np.int64)
    values = {"W": rng.normal(size=(V, D)), "h": rng.normal(size=(ids.size, D)), "idx": ids}
    return Case(plain(f"W ({V}, {D}), h ({ids.size}, {D}), idx {idx}"), values, rng.normal(size=ids.size), hygiene)


def _embedding_dot() -> Layer:
    rng = generator(1411)
    repeated = _embedding_dot_case(rng, 5, 3, [2, 0, 2, 4, 2], hygiene=True)
    single = _embedding_dot_case(rng, 4, 6, [1])
    return Layer(
        name="EmbeddingDot",
        constructor=("W",),
        reference=EmbeddingDot,
        params=(Param("W", "dW", GradsItem(0)),),
        inputs=(Input("h", "dh"), Input("idx")),
        mistakes=_embedding_dot_mistakes,
        forward=(
            Cases(
                Text(
                    "EmbeddingDot: forward returns the row-wise dot products of h and W[idx], shape (N,)",
                    "EmbeddingDot: forward が h と W[idx] の行ごとの内積(形状 (N,))を返す",
                ),
                Text(
                    "W (5, 3), h (5, 3), idx [2, 0, 2, 4, 2]; W (4, 6), h (1, 6), idx [1]",
                    "W (5, 3)、h (5, 3)、idx [2, 0, 2, 4, 2]。W (4, 6)、h (1, 6)、idx [1]",
                ),
                tuple(Case(case.label, case.values) for case in (repeated, single)),
            ),
        ),
        gradient=(
            Cases(
                Text(
                    "EmbeddingDot: backward gives dh and adds dW's rows of a repeated id (gradient check)",
                    "EmbeddingDot: backward が dh を返し、重複した ID の dW の行を足し合わせる(勾配確認)",
                ),
                Text(
                    "as in the forward check (id 2 three times); random dout (N,); dW read from self.grads[0]",
                    "forward のチェックと同じ入力(ID 2 が 3 回)。dout (N,) はランダム。dW は self.grads[0]",
                ),
                (repeated, single),
            ),
        ),
        hygiene=Hygiene(Text("W (5, 3), h (5, 3), idx [2, 0, 2, 4, 2], random dout", "W (5, 3)、h (5, 3)")),
        forward_hint=Text(
            "target_W = self.embed.forward(idx); keep (h, target_W) for backward; return np.sum(target_W * h, axis=1)",
            "target_W = self.embed.forward(idx) とし、(h, target_W) を backward のために保存して "
            "np.sum(target_W * h, axis=1) を返します",
        ),
        backward_hint=Text(
            "dout = dout.reshape(N, 1); self.embed.backward(dout * h) fills the grads; return dout * target_W",
            "dout = dout.reshape(N, 1) とし、self.embed.backward(dout * h) で grads を埋め、dout * target_W を返します",
        ),
    )


# ----------------------------------------------------------------- UnigramSampler


def _corpus(counts: Sequence[int], seed: int) -> np.ndarray:
    """A shuffled corpus in which word w occurs counts[w] times."""
    return generator(seed).permutation(np.repeat(np.arange(len(counts)), counts)).astype(np.int64)


def _word_p(counts: Sequence[int], power: float) -> np.ndarray:
    weights = np.asarray(counts, dtype=np.float64) ** power
    return weights / weights.sum()


def _single_draw(p: np.ndarray, target: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """Expected count of each word, and its variance, when every row draws one word from p without its target."""
    rows = np.tile(p, (len(target) if target is not None else 1, 1))
    if target is not None:
        rows[np.arange(len(target)), target] = 0.0
    rows /= rows.sum(axis=1, keepdims=True)
    return rows.sum(axis=0), (rows * (1.0 - rows)).sum(axis=0)


def _inclusion(p: np.ndarray, k: int) -> np.ndarray:
    """P(word in the row) for k successive draws without replacement from p (the book's rng.choice).

    Exact, by the probability of every set of words drawn so far (a bitmask):
    the next word w follows with p[w] / (1 - p(set)).
    """
    words = np.flatnonzero(p)
    reached = {0: 1.0}  # the sets of the words drawn so far, with their probabilities
    for _ in range(k):
        following: dict[int, float] = {}
        for drawn, chance in reached.items():
            left = 1.0 - sum(p[w] for w in words if drawn >> int(w) & 1)
            for w in words:
                if not drawn >> int(w) & 1:
                    key = drawn | 1 << int(w)
                    following[key] = following.get(key, 0.0) + chance * p[w] / left
        reached = following
    inclusion = np.zeros_like(p)
    for drawn, chance in reached.items():
        for w in words:
            if drawn >> int(w) & 1:
                inclusion[w] += chance
    return inclusion


def _deviations(counted: np.ndarray, expected: np.ndarray, variance: np.ndarray) -> np.ndarray:
    """(count - expected) / standard deviation per word; a word that can not occur must not."""
    spread = np.sqrt(np.maximum(variance, 0.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (counted - expected) / spread
    return np.where(spread > 0, z, np.where(counted == expected, 0.0, np.inf))


def _frequency_lines(counted: np.ndarray, expected: np.ndarray, z: np.ndarray, draws: int) -> list[Text]:
    shown_got = ", ".join(f"{int(c)}" for c in counted)
    shown_want = ", ".join(f"{e:.0f}" for e in expected)
    worst = int(np.argmax(np.abs(z)))
    return [
        Text(
            f"how often each word id 0..{counted.size - 1} was drawn in {draws} draws: [{shown_got}]; "
            f"expected about [{shown_want}]",
            f"{draws} 回の抽出で各単語 ID 0..{counted.size - 1} が選ばれた回数: [{shown_got}]。"
            f"期待値はおよそ [{shown_want}]",
        ),
        Text(
            f"word {worst} is {abs(z[worst]):.1f} standard deviations off (allowed: {SIGMAS:g})",
            f"単語 {worst} は標準偏差の {abs(z[worst]):.1f} 倍ずれています(許容 {SIGMAS:g} 倍)",
        ),
    ]


def _negatives(
    run: ProbeRun, name: str, shape: tuple[int, int], vocab: int, call: str
) -> tuple[np.ndarray | None, list[Text]]:
    """The learner's negative samples as int64, or why they can not be used."""
    array, problems = value_of(run.output(name), call)
    if array is None:
        return None, problems
    if array.shape != shape:
        return None, [
            Text(
                f"{call} has shape {array.shape}; expected {shape}, (N, sample_size)",
                f"{call} の形状が {array.shape} です。(N, sample_size) = {shape} のはずです",
            )
        ]
    if array.dtype.kind not in "iu":
        return None, [
            Text(
                f"{call} has dtype {array.dtype}; word ids are integers (they index the rows of W)",
                f"{call} の dtype が {array.dtype} です。単語 ID は整数です(W の行の添字になります)",
            )
        ]
    if array.size and (array.min() < 0 or array.max() >= vocab):
        return None, [
            Text(
                f"{call} holds ids from {array.min()} to {array.max()}; the corpus has the words 0..{vocab - 1}",
                f"{call} の ID が {array.min()} から {array.max()} です。コーパスの単語は 0..{vocab - 1} です",
            )
        ]
    return array.astype(np.int64), []


def _sampler_probe(
    corpus: np.ndarray, power: float, sample_size: int, seed: int, targets: Sequence[np.ndarray]
) -> Probe:
    probe = Probe()
    corpus_ref = probe.array(corpus)
    sampler = probe.new("UnigramSampler", corpus_ref, power, sample_size, probe.function("generator", seed=seed))
    sent = []
    for number, target in enumerate(targets):
        target_ref = probe.array(target)
        sent.append(target_ref)
        probe.save(probe.method(sampler, "get_negative_sample", target_ref), f"negative:{number}")
    probe.save(corpus_ref, "input:corpus")
    for number, ref in enumerate(sent):
        probe.save(ref, f"input:{number}:target")
    return probe


def _inputs_unchanged(run: ProbeRun, corpus: np.ndarray, targets: Sequence[np.ndarray]) -> list[Text]:
    lines = unchanged(run, "UnigramSampler", {"corpus": corpus})
    for number, target in enumerate(targets):
        lines += unchanged(run, "get_negative_sample", {"target": target}, prefix=f"input:{number}:")
    return lines


IN_PLACE_TARGET = Text(
    "the sampler changed corpus or target: remove a row's target from a copy of the probabilities "
    "(p = self.word_p.copy()), never from the caller's arrays",
    "サンプラーが corpus か target を書き換えました。行の target を除くのは確率のコピー"
    "(p = self.word_p.copy())で行い、呼び出し側の配列は変更しないでください",
)


def _never_target_check() -> Check:
    counts = [300, 40, 20, 10, 6, 3, 2, 1]
    corpus = _corpus(counts, 1421)
    target = np.concatenate([np.zeros(300, dtype=np.int64), np.tile(np.arange(8), 25)])
    sample_size = 3
    probe = _sampler_probe(corpus, 0.75, sample_size, 1421, [target])
    call = "get_negative_sample(target)"

    def verify(run: ProbeRun) -> Verdict:
        negative, problems = _negatives(run, "negative:0", (target.size, sample_size), len(counts), call)
        if negative is None:
            return Verdict.fail(problems)
        hit = np.any(negative == target[:, np.newaxis], axis=1)
        if hit.any():
            row = int(np.argmax(hit))
            return Verdict.fail(
                [
                    Text(
                        f"{int(hit.sum())} of {target.size} rows hold their own target; e.g. row {row}: "
                        f"target {int(target[row])}, negatives {negative[row].tolist()}",
                        f"{target.size} 行のうち {int(hit.sum())} 行に自分の target が入っています。例えば行 {row}: "
                        f"target {int(target[row])}、負例 {negative[row].tolist()}",
                    )
                ],
                TARGET_DRAWN_HINT,
            )
        return Verdict.unless(_inputs_unchanged(run, corpus, [target]), IN_PLACE_TARGET)

    return Check(
        "UnigramSampler: get_negative_sample(target) gives (N, sample_size) word ids, never the row's target",
        "UnigramSampler: get_negative_sample(target) は (N, sample_size) の単語 ID を返し、その行の target は含まない",
        probe,
        verify,
        hint=TARGET_DRAWN_HINT,
        context=Text(
            "corpus of 8 words, word 0 in 300 of its 382 positions; power 0.75, sample_size 3; "
            "500 rows, 325 of them with target 0",
            "8 単語のコーパス(382 語のうち 300 が単語 0)。power 0.75、sample_size 3。500 行、うち 325 行の target は 0",
        ),
    )


def _distribution_check() -> Check:
    counts = [60, 25, 9, 4, 1, 1]
    power = 0.5
    rows = 1500
    corpus = _corpus(counts, 1431)
    target = generator(1432).integers(0, len(counts), size=rows)
    probe = _sampler_probe(corpus, power, 1, 1433, [target])
    expected, variance = _single_draw(_word_p(counts, power), target)
    alternatives = [
        (_single_draw(_word_p(counts, 1.0), target), POWER_HINT),
        (
            _single_draw(_word_p(counts, 0.75), target),
            Text(
                "the draws follow count ** 0.75, not the power given (0.5 here): use the constructor's power",
                "抽出が指定の power(ここでは 0.5)ではなく count ** 0.75 に従っています。コンストラクタの power を"
                "使ってください",
            ),
        ),
        (
            _single_draw(np.full(len(counts), 1.0 / len(counts)), target),
            Text(
                "every word is drawn equally often: draw with p = word_p (rng.choice(V, size=..., p=p)), "
                "the normalised count ** power",
                "どの単語も同じ頻度で選ばれています。p = word_p(正規化した count ** power)を渡して "
                "rng.choice(V, size=..., p=p) で抽出してください",
            ),
        ),
    ]
    call = "get_negative_sample(target)"

    def verify(run: ProbeRun) -> Verdict:
        negative, problems = _negatives(run, "negative:0", (rows, 1), len(counts), call)
        if negative is None:
            return Verdict.fail(problems)
        counted = np.bincount(negative[:, 0], minlength=len(counts)).astype(np.float64)
        z = _deviations(counted, expected, variance)
        if np.all(np.abs(z) <= SIGMAS):
            return Verdict.unless(_inputs_unchanged(run, corpus, [target]), IN_PLACE_TARGET)
        hint = None
        if np.any(negative[:, 0] == target):
            hint = TARGET_DRAWN_HINT
        for (want, spread), text in alternatives:
            if hint is None and np.all(np.abs(_deviations(counted, want, spread)) <= SIGMAS):
                hint = text
        return Verdict.fail(_frequency_lines(counted, expected, z, rows), hint)

    return Check(
        "UnigramSampler: one negative per row follows count ** power with the row's target removed",
        "UnigramSampler: 1 行 1 個の負例が、その行の target を除いた (出現回数) ** power に従う",
        probe,
        verify,
        hint=POWER_HINT,
        context=Text(
            f"word counts {counts}, power {power}, sample_size 1, {rows:,} rows with random targets; "
            f"each word's count within {SIGMAS:g} standard deviations",
            f"単語の出現回数 {counts}、power {power}、sample_size 1、ランダムな target の {rows:,} 行。"
            f"各単語の回数が標準偏差の {SIGMAS:g} 倍以内",
        ),
    )


def _several_expected(
    p: np.ndarray, target: np.ndarray, sample_size: int
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Expected counts and variances of sample_size draws per row: (without, with) replacement."""
    single, single_variance = _single_draw(p, target)
    inclusion_sum = np.zeros(p.size)
    inclusion_variance = np.zeros(p.size)
    # (counted by np.unique: without counts, its first call in a process also loads numpy.ma, some 6 ms)
    for word, share in zip(*np.unique(target, return_counts=True), strict=True):
        removed = p.copy()
        removed[word] = 0.0
        pi = _inclusion(removed / removed.sum(), sample_size)
        inclusion_sum += share * pi
        inclusion_variance += share * pi * (1.0 - pi)
    return (inclusion_sum, inclusion_variance), (sample_size * single, sample_size * single_variance)


def _several_draws_check() -> Check:
    counts = [30, 12, 6, 3, 2, 1]
    power, sample_size, rows = 0.75, 3, 900
    corpus = _corpus(counts, 1441)
    target = np.repeat(np.array([0, 1, 2], dtype=np.int64), rows // 3)
    probe = _sampler_probe(corpus, power, sample_size, 1442, [target])
    (inclusion_sum, inclusion_variance), with_replacement = _several_expected(
        _word_p(counts, power), target, sample_size
    )
    unpowered = _several_expected(_word_p(counts, 1.0), target, sample_size)
    call = "get_negative_sample(target)"

    def verify(run: ProbeRun) -> Verdict:
        negative, problems = _negatives(run, "negative:0", (rows, sample_size), len(counts), call)
        if negative is None:
            return Verdict.fail(problems)
        repeats = np.any(np.diff(np.sort(negative, axis=1), axis=1) == 0, axis=1)
        counted = np.bincount(negative.ravel(), minlength=len(counts)).astype(np.float64)
        if repeats.any():
            convention = Text(
                f"{int(repeats.sum())} rows hold a word twice, so the rows are drawn with replacement; "
                "compared with sample_size independent draws per row:",
                f"{int(repeats.sum())} 行に同じ単語が 2 回あるので復元抽出と判断し、各行 sample_size 回の独立な"
                "抽出と比べます:",
            )
            expected, variance = with_replacement
        else:
            convention = Text(
                "no row holds a word twice, so the rows are drawn without replacement; compared with the "
                "book's rng.choice(V, size=sample_size, replace=False, p=p):",
                "同じ単語を 2 回含む行がないので非復元抽出と判断し、書籍の "
                "rng.choice(V, size=sample_size, replace=False, p=p) と比べます:",
            )
            expected, variance = inclusion_sum, inclusion_variance
        z = _deviations(counted, expected, variance)
        if np.all(np.abs(z) <= SIGMAS):
            return Verdict.unless(_inputs_unchanged(run, corpus, [target]), IN_PLACE_TARGET)
        hint = TARGET_DRAWN_HINT if np.any(negative == target[:, np.newaxis]) else None
        if hint is None and np.all(np.abs(_deviations(counted, *unpowered[bool(repeats.any())])) <= SIGMAS):
            hint = POWER_HINT
        return Verdict.fail([convention, *_frequency_lines(counted, expected, z, rows * sample_size)], hint)

    return Check(
        "UnigramSampler: sample_size negatives per row follow count ** power, with or without replacement",
        "UnigramSampler: 1 行 sample_size 個の負例が (出現回数) ** power に従う(非復元でも復元でもよい)",
        probe,
        verify,
        hint=Text(
            "draw each row from p = word_p with the row's target set to 0 and renormalised: "
            "rng.choice(V, size=sample_size, replace=False, p=p) as the book, or with replacement",
            "各行は、その行の target を 0 にして正規化し直した p = word_p から抽出します。書籍のように "
            "rng.choice(V, size=sample_size, replace=False, p=p)、または復元抽出で",
        ),
        context=Text(
            f"word counts {counts}, power {power}, sample_size {sample_size}, {rows:,} rows with targets 0, 1 "
            f"and 2; each word's count within {SIGMAS:g} standard deviations",
            f"単語の出現回数 {counts}、power {power}、sample_size {sample_size}、target が 0・1・2 の {rows:,} 行。"
            f"各単語の回数が標準偏差の {SIGMAS:g} 倍以内",
        ),
    )


def _rng_check() -> Check:
    counts = [9, 7, 5, 4, 3, 2, 1]
    corpus = _corpus(counts, 1451)
    target = generator(1452).integers(0, len(counts), size=40)
    probe = Probe()
    corpus_ref, target_ref = probe.array(corpus), probe.array(target)
    for name, seed, global_seed in (("first", 5, 1), ("again", 5, 2), ("other", 6, 2)):
        probe.seed(global_seed)  # NumPy's global state moves: a sampler that uses it draws differently
        sampler = probe.new("UnigramSampler", corpus_ref, 0.75, 2, probe.function("generator", seed=seed))
        probe.save(probe.method(sampler, "get_negative_sample", target_ref), name)
    call = "get_negative_sample(target)"

    def verify(run: ProbeRun) -> Verdict:
        drawn = {}
        for name in ("first", "again", "other"):
            negative, problems = _negatives(run, name, (target.size, 2), len(counts), call)
            if negative is None:
                return Verdict.fail(problems)
            drawn[name] = negative
        if not np.array_equal(drawn["first"], drawn["again"]):
            return Verdict.fail(
                [
                    Text(
                        "two samplers built with np.random.default_rng(5) each drew different negatives: "
                        "the draws do not come from the rng given",
                        "どちらも np.random.default_rng(5) で作った 2 つのサンプラーが違う負例を抽出しました。"
                        "抽出が引数の rng から行われていません",
                    )
                ],
                RNG_HINT,
            )
        if np.array_equal(drawn["first"], drawn["other"]):
            return Verdict.fail(
                [
                    Text(
                        "samplers built with np.random.default_rng(5) and np.random.default_rng(6) drew the same "
                        "negatives: the draws do not depend on the rng given",
                        "np.random.default_rng(5) と np.random.default_rng(6) で作ったサンプラーが同じ負例を"
                        "抽出しました。抽出が引数の rng に依存していません",
                    )
                ],
                RNG_HINT,
            )
        return Verdict.ok()

    return Check(
        "UnigramSampler: draws from the rng it is given (equal seeds give equal negatives)",
        "UnigramSampler: 引数の rng から抽出する(同じシードなら同じ負例)",
        probe,
        verify,
        hint=RNG_HINT,
        context=Text(
            "three samplers, rng seeded 5, 5 and 6, NumPy's global generator reseeded in between; 40 targets, "
            "sample_size 2",
            "rng のシードが 5・5・6 の 3 つのサンプラー(間で NumPy のグローバルな乱数も再設定)。"
            "target 40 個、sample_size 2",
        ),
    )


# ----------------------------------------------------------------- NegativeSamplingLoss on two words


def _two_word_scores(case: Case) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Scores, labels, the (N, 2) ids [target, negative] and h of a two-word case (the negative is the other word)."""
    W, h, target = case.values["W"], case.values["h"], case.values["target"]
    idx = np.stack([target, 1 - target], axis=1)
    scores = np.einsum("nkd,nd->nk", W[idx], h)
    labels = np.zeros_like(scores)
    labels[:, 0] = 1.0
    return scores, labels, idx, h


def _nsl_mistakes(case: Case) -> list[Known]:
    scores, labels, idx, h = _two_word_scores(case)
    n = scores.shape[0]
    terms = _softplus(np.where(labels == 1.0, -scores, scores))
    loss = terms.sum() / n
    found = [
        Known("out", np.array(loss * n), SUMMED_HINT),
        Known(
            "out",
            np.array(terms[:, 0].sum() / n),
            Text(
                "only the target's term is there: add -log(1 - sigmoid(s)) of every negative sample to the loss",
                "正解の項しかありません。負例ごとの -log(1 - sigmoid(s)) を損失に足してください",
            ),
        ),
        Known(
            "out",
            np.array(loss / 2),
            Text(
                "the loss is divided by the k + 1 samples too: sum over the target and the negatives, mean only "
                "over the batch",
                "損失をサンプル数 k + 1 でも割っています。正解と負例については和、平均はバッチ方向だけです",
            ),
        ),
        Known(
            "out",
            np.array(_softplus(-scores).sum() / n),
            Text(
                "the negatives are labelled 1: a negative sample's label is 0, so its term is -log(1 - sigmoid(s))",
                "負例のラベルが 1 になっています。負例のラベルは 0 なので、項は -log(1 - sigmoid(s)) です",
            ),
        ),
    ]
    g = (_sigmoid(scores) - labels) / n
    W = case.values["W"]
    per_layer = sum(
        (_overwritten(W.shape, idx[:, j], g[:, j : j + 1] * h) for j in range(idx.shape[1])), np.zeros(W.shape)
    )
    return [
        *found,
        Known(
            "dh",
            np.einsum("nk,nkd->nd", g * n, W[idx]),
            Text(
                "dh is not divided by the batch size: the loss is a batch mean, so each sample's gradient is "
                "(sigmoid(s) - label) / N",
                "dh がバッチサイズで割られていません。損失はバッチ平均なので、各サンプルの勾配は "
                "(sigmoid(s) - label) / N です",
            ),
        ),
        Known("dW", per_layer, OVERWRITE_HINT),
        Known("dW", _overwritten(W.shape, idx, g[:, :, np.newaxis] * h[:, np.newaxis, :]), OVERWRITE_HINT),
    ]


def _moderate_pair(rng: np.random.Generator, n: int, d: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """W (2, d), h (n, d) and targets whose scores stay within +-2.9 (sigmoid in [0.05, 0.95])."""
    target = rng.integers(0, 2, size=n).astype(np.int64)
    if n >= 2:
        target[:2] = [0, 1]  # both words are targets somewhere
    while True:
        W = rng.normal(size=(2, d)) * 0.8
        h = rng.normal(size=(n, d)) * 0.8
        if np.all(np.abs(h @ W.T) <= 2.9):
            return W, h, target


def _nsl_two_words() -> Layer:
    rng = generator(1461)
    corpus = np.array([0, 1, 1, 0, 1, 1, 0, 1], dtype=np.int64)
    W, h, target = _moderate_pair(rng, 5, 4)
    batch = Case(
        Text(f"W (2, 4), h (5, 4), target {target.tolist()}, rng left out", "W (2, 4)、h (5, 4)、rng は省略"),
        {"W": W, "corpus": corpus, "power": 0.75, "sample_size": 1, "rng": None, "h": h, "target": target},
        hygiene=True,
        defaults=("rng",),
    )
    W1, h1, target1 = _moderate_pair(rng, 1, 3)
    single = Case(
        Text(f"W (2, 3), h (1, 3), target {target1.tolist()}, power 0.5", "W (2, 3)、h (1, 3)、power 0.5"),
        {"W": W1, "corpus": corpus, "power": 0.5, "sample_size": 1, "rng": None, "h": h1, "target": target1},
    )
    context = Text(
        "a two-word corpus [0, 1, 1, 0, 1, 1, 0, 1] with sample_size=1: each row's negative is the other word, "
        "whatever the sampler's algorithm; W (2, 4) with h (5, 4), and W (2, 3) with h (1, 3); scores within +-2.9",
        "2 単語のコーパス [0, 1, 1, 0, 1, 1, 0, 1] と sample_size=1: どんな抽出方法でも各行の負例はもう一方の単語。"
        "W (2, 4) と h (5, 4)、W (2, 3) と h (1, 3)。スコアは +-2.9 以内",
    )
    return Layer(
        name="NegativeSamplingLoss",
        constructor=("W", "corpus", "power", "sample_size", "rng"),
        reference=NegativeSamplingLoss,
        params=(Param("W", "dW", GradsSum()),),
        inputs=(Input("h", "dh"), Input("target")),
        mistakes=_nsl_mistakes,
        slack=LOSS_SLACK,
        forward=(
            Cases(
                Text(
                    "NegativeSamplingLoss: forward is the batch mean of the target's and the negatives' "
                    "sigmoid cross-entropy",
                    "NegativeSamplingLoss: forward が正解と負例のシグモイド交差エントロピー誤差のバッチ平均",
                ),
                context,
                (Case(batch.label, batch.values, defaults=batch.defaults), Case(single.label, single.values)),
            ),
        ),
        gradient=(
            Cases(
                Text(
                    "NegativeSamplingLoss: backward() gives dh and dW (gradient check)",
                    "NegativeSamplingLoss: backward() が dh と dW を求める(勾配確認)",
                ),
                Text(
                    "as in the forward check; L = loss (backward's default dout = 1); dW = the sum of the arrays "
                    "in self.grads",
                    "forward のチェックと同じ入力。L = loss(backward の既定値 dout = 1)。dW は self.grads の配列の和",
                ),
                (batch, single),
            ),
        ),
        hygiene=Hygiene(
            Text("two words, h (5, 4)", "2 単語、h (5, 4)"),
            name=Text(
                "NegativeSamplingLoss: backward(2.0) doubles dh and dW, a second backward() gives the same, "
                "W, corpus, h and target unchanged",
                "NegativeSamplingLoss: backward(2.0) で dh と dW が 2 倍、backward() を 2 回呼んでも同じ、"
                "W・corpus・h・target は変更しない",
            ),
        ),
        forward_hint=Text(
            "scores s = sum(h * W[word], axis=1) for the target and each negative; loss = (sum over rows of "
            "-log sigmoid(s_target) - sum over negatives of log(1 - sigmoid(s_negative))) / N",
            "正解と各負例のスコア s = sum(h * W[単語], axis=1) から、loss = (各行の -log sigmoid(s_正解) "
            "- Σ負例 log(1 - sigmoid(s_負例)) の和) / N です",
        ),
        backward_hint=Text(
            "for every sample g = dout * (sigmoid(s) - label) / N (label 1 for the target, 0 for a negative); "
            "dh = sum over the samples of g[:, None] * W[word]; dW gets g[:, None] * h added at each word",
            "各サンプルで g = dout * (sigmoid(s) - label) / N(正解はラベル 1、負例は 0)。"
            "dh = Σサンプル g[:, None] * W[単語]。dW には各単語の位置に g[:, None] * h を足します",
        ),
        linear_hint=Text(
            "multiply by dout: g = dout * (sigmoid(s) - label) / N. The book ignores dout because it is 1 at "
            "the end of the network, but the contract's backward(dout=1) must scale with it",
            "dout を掛けてください: g = dout * (sigmoid(s) - label) / N。書籍はネットワークの最後で dout が 1 "
            "なので無視していますが、課題の backward(dout=1) は dout に比例する必要があります",
        ),
    )


# ----------------------------------------------------------------- NegativeSamplingLoss on any negatives


@dataclass(frozen=True)
class _AnyNegatives:
    """What every correct NegativeSamplingLoss gives when word 0 is every row's target and W's other rows are equal.

    Every negative is a word other than 0, so all of them score h[n] . u: the
    loss, dh, dW[0] and the sum of dW[1:] do not depend on which were drawn.
    """

    loss: float
    low: float  # the smallest correct loss: the book's -log(y + 1e-7) where a term saturates
    dh: np.ndarray
    dW0: np.ndarray
    rest: np.ndarray
    wrong_losses: tuple[tuple[float, Text], ...]
    last_row: np.ndarray  # dW[0] when a repeated id keeps only the last row


def _any_negatives(a: np.ndarray, u: np.ndarray, h: np.ndarray, k: int) -> _AnyNegatives:
    n = h.shape[0]
    s_pos, s_neg = h @ a, h @ u
    loss = float((_softplus(-s_pos) + k * _softplus(s_neg)).sum() / n)
    with np.errstate(divide="ignore"):
        guarded = float((-np.log(_sigmoid(s_pos) + 1e-7) - k * np.log(1.0 - _sigmoid(s_neg) + 1e-7)).sum() / n)
    g_pos = (_sigmoid(s_pos) - 1.0) / n
    g_neg = _sigmoid(s_neg) / n
    wrong = [
        (loss * n, SUMMED_HINT),
        (
            float(_softplus(-s_pos).sum() / n),
            Text(
                "only the target's term is there: add -log(1 - sigmoid(s)) of every negative sample to the loss",
                "正解の項しかありません。負例ごとの -log(1 - sigmoid(s)) を損失に足してください",
            ),
        ),
    ]
    if k != 5:
        wrong.append((float((_softplus(-s_pos) + 5 * _softplus(s_neg)).sum() / n), SAMPLE_SIZE_HINT))
    return _AnyNegatives(
        loss=loss,
        low=min(loss, guarded),
        dh=g_pos[:, np.newaxis] * a + k * g_neg[:, np.newaxis] * u,
        dW0=g_pos @ h,
        rest=k * (g_neg @ h),
        wrong_losses=tuple(wrong),
        last_row=g_pos[-1] * h[-1],
    )


def _shared_rows(a: np.ndarray, u: np.ndarray, V: int) -> np.ndarray:
    """W with row 0 = a and every other row = u."""
    W = np.tile(u, (V, 1))
    W[0] = a
    return W


def _total_gradient(run: ProbeRun, name: str, shape: tuple[int, ...]) -> tuple[np.ndarray | None, list[Text]]:
    """The arrays of the learner's self.grads, brought back stacked, added up (``GradsSum``)."""
    output = run.output(name)
    if output.kind == "none":
        return None, [
            Text(
                "self.grads is missing or None after backward: it must hold the gradient for W",
                "backward の後も self.grads がないか None です。W の勾配を持つ必要があります",
            )
        ]
    array, problems = value_of(output, "self.grads")
    if array is None:
        return None, problems
    total = GradsSum.total(array.astype(np.float64), shape)
    if total.shape != shape:
        return None, [
            Text(
                f"self.grads came back as an array of shape {array.shape}; expected a list of arrays of W's "
                f"shape {shape}",
                f"self.grads の形状が {array.shape} です。W と同じ形状 {shape} の配列のリストのはずです",
            )
        ]
    return total, []


# a constructor's arguments after (W, corpus): literals, or ("seed", s) for np.random.default_rng(s)
Extras = tuple[object, ...]


def _loss_probe(
    arrays: dict[str, np.ndarray], calls: Sequence[tuple[str, Extras]], *, global_seeds: Sequence[int] = ()
) -> Probe:
    """Per call: a new NegativeSamplingLoss(W, corpus, *extras), forward(h, target), backward(), self.grads."""
    probe = Probe()
    refs = {name: probe.array(value) for name, value in arrays.items()}
    for number, (label, extras) in enumerate(calls):
        if global_seeds:
            probe.seed(global_seeds[number])  # NumPy's global state moves between the objects
        sent = [
            probe.function("generator", seed=int(value[1])) if isinstance(value, tuple) else value for value in extras
        ]
        loss = probe.new("NegativeSamplingLoss", refs["W"], refs["corpus"], *sent)
        probe.save(probe.method(loss, "forward", refs["h"], refs["target"]), f"{label}:loss")
        probe.save(probe.method(loss, "backward"), f"{label}:dh")
        probe.save(probe.attr(loss, "grads"), f"{label}:grads")
    for name, ref in refs.items():
        probe.save(ref, f"input:{name}")
    return probe


def _loss_value(run: ProbeRun, label: str) -> tuple[float | None, list[Text]]:
    got, problems = value_of(run.output(f"{label}:loss"), "forward(h, target)")
    if got is None:
        return None, problems
    if got.shape != () or got.dtype.kind not in "biuf":
        return None, [
            Text(
                f"forward returned an array of shape {got.shape}; the loss is one number (a float)",
                f"forward が形状 {got.shape} の配列を返しました。損失は 1 つの数(float)です",
            )
        ]
    return float(got), []


def _judge_any(
    run: ProbeRun, label: str, want: _AnyNegatives, shape: tuple[int, ...]
) -> tuple[list[Text], Text | None]:
    """How one object's loss, dh and dW differ from what every correct implementation gives.

    The loss may lie anywhere from the book's guarded -log(y + 1e-7) to the
    exact value: a guard of 1e-7 or less, or the stable form (the interval is
    1e-6 wide, relatively, unless a term saturates).
    """
    value, problems = _loss_value(run, label)
    if value is None:
        return problems, None
    if not np.isfinite(value):
        return [
            Text(f"forward(h, target) returned {value}", f"forward(h, target) が {value} を返しました")
        ], LOG_ZERO_HINT
    tolerance = VALUE_RTOL * abs(want.loss) + 1e-12
    if not want.low - tolerance <= value <= want.loss + tolerance:
        line = Text(
            f"forward(h, target) returned {value:.10g}; expected {want.loss:.10g} "
            f"(with the book's log(y + 1e-7): {want.low:.10g})",
            f"forward(h, target) が {value:.10g} を返しました。期待値は {want.loss:.10g} "
            f"(書籍の log(y + 1e-7) なら {want.low:.10g})です",
        )
        hint = next((text for wrong, text in want.wrong_losses if abs(value - wrong) <= 1e-6 * abs(wrong)), None)
        return [line], hint
    dh, problems = value_of(run.output(f"{label}:dh"), "backward()")
    if dh is None:
        return problems, None
    scale = float(np.abs(want.dh).max())
    lines = close(dh, want.dh, what="dh = backward()", rtol=1e-6, atol=1e-9 * scale)
    if lines:
        return lines, LOG_ZERO_HINT if dh.dtype.kind == "f" and not np.all(np.isfinite(dh)) else None
    total, problems = _total_gradient(run, f"{label}:grads", shape)
    if total is None:
        return problems, None
    scale = max(float(np.abs(want.dW0).max()), float(np.abs(want.rest).max()))
    lines = close(total[0], want.dW0, what="dW[target]", rtol=1e-6, atol=1e-9 * scale)
    lines += close(total[1:].sum(axis=0), want.rest, what="the sum of dW's other rows", rtol=1e-6, atol=1e-9 * scale)
    if lines:
        return lines, OVERWRITE_HINT if is_close(total[0], want.last_row, 1e-6, 1e-9 * scale) else None
    return [], None


SHARED_CONTEXT = Text(
    "W's rows all equal except row 0, and word 0 the target of every row: every negative (never word 0) has the "
    "same score, so loss, dh, dW[0] and the sum of dW's other rows are the same for any negatives drawn",
    "W の行は 0 行目以外すべて等しく、どの行の target も単語 0: 負例(単語 0 以外)はどれも同じスコアなので、"
    "どの負例が選ばれても loss・dh・dW[0]・dW のほかの行の和は同じ",
)


def _any_negatives_check() -> Check:
    rng = generator(1471)
    V, D, n = 9, 3, 6
    a, u = rng.normal(size=D) * 0.7, rng.normal(size=D) * 0.7
    h = rng.normal(size=(n, D)) * 0.8
    arrays = {
        "W": _shared_rows(a, u, V),
        "corpus": _corpus([7, 6, 5, 4, 4, 3, 2, 2, 1], 1472),
        "h": h,
        "target": np.zeros(n, dtype=np.int64),
    }
    calls: list[tuple[str, Extras]] = [("defaults", ()), ("given", (0.5, 3, ("seed", 7)))]
    expected = {"defaults": _any_negatives(a, u, h, 5), "given": _any_negatives(a, u, h, 3)}
    probe = _loss_probe(arrays, calls)
    headers = {
        "defaults": plain("NegativeSamplingLoss(W, corpus), the defaults power=0.75, sample_size=5, rng=None:"),
        "given": plain("NegativeSamplingLoss(W, corpus, 0.5, 3, np.random.default_rng(7)):"),
    }

    def verify(run: ProbeRun) -> Verdict:
        for label, _extras in calls:
            lines, hint = _judge_any(run, label, expected[label], arrays["W"].shape)
            if lines:
                return Verdict.fail([headers[label], *lines], hint)
        changed = unchanged(run, "NegativeSamplingLoss", arrays)
        return Verdict.unless(changed, IN_PLACE_TARGET if changed else None)

    return Check(
        "NegativeSamplingLoss: with the defaults (sample_size=5) and with sample_size=3, loss, dh and dW are "
        "right for any negatives",
        "NegativeSamplingLoss: 既定値(sample_size=5)でも sample_size=3 でも、どの負例でも loss・dh・dW が正しい",
        probe,
        verify,
        hint=Text(
            "loss = (sum over rows of -log sigmoid(s_target) - sum over the k negatives of "
            "log(1 - sigmoid(s_negative))) / N, with k = sample_size; backward: g = (sigmoid(s) - label) / N",
            "loss = (各行の -log sigmoid(s_正解) - k 個の負例の log(1 - sigmoid(s_負例)) の和) / N、"
            "k = sample_size。backward は g = (sigmoid(s) - label) / N",
        ),
        context=Text(
            f"{SHARED_CONTEXT.en}; W ({V}, {D}), h ({n}, {D}), target all 0",
            f"{SHARED_CONTEXT.ja}。W ({V}, {D})、h ({n}, {D})、target はすべて 0",
        ),
    )


def _saturated_check() -> Check:
    a, u = np.array([1.0, 0.0]), np.array([0.0, 1.0])
    # scores h . a of the target and h . u of every negative: +-50 saturate sigmoid to exactly 1.0 or 0.0
    h = np.array([[-50.0, 50.0], [50.0, -50.0], [2.0, 50.0], [-50.0, 1.5]])
    arrays = {
        "W": _shared_rows(a, u, 6),
        "corpus": _corpus([5, 4, 3, 3, 2, 1], 1481),
        "h": h,
        "target": np.zeros(4, dtype=np.int64),
    }
    calls: list[tuple[str, Extras]] = [("saturated", (0.75, 2, ("seed", 3)))]
    expected = _any_negatives(a, u, h, 2)
    probe = _loss_probe(arrays, calls)

    def verify(run: ProbeRun) -> Verdict:
        lines, hint = _judge_any(run, "saturated", expected, arrays["W"].shape)
        return Verdict.unless(lines, hint)

    return Check(
        "NegativeSamplingLoss: finite loss and exact gradients at scores of +-50 (sigmoid exactly 0.0 or 1.0)",
        "NegativeSamplingLoss: スコアが +-50(sigmoid がちょうど 0.0 か 1.0)でも損失が有限で勾配が正確",
        probe,
        verify,
        hint=LOG_ZERO_HINT,
        context=Text(
            f"{SHARED_CONTEXT.en}; target scores [-50, 50, 2, -50], negative scores [50, -50, 50, 1.5], "
            "sample_size 2; the book's -log(y + 1e-7) and the exact loss are both accepted",
            f"{SHARED_CONTEXT.ja}。正解のスコア [-50, 50, 2, -50]、負例のスコア [50, -50, 50, 1.5]、sample_size 2。"
            "書籍の -log(y + 1e-7) でも厳密な損失でもよい",
        ),
    )


def _loss_rng_check() -> Check:
    rng = generator(1491)
    arrays = {
        "W": rng.normal(size=(10, 3)),
        "corpus": _corpus([6, 5, 5, 4, 4, 3, 3, 2, 2, 1], 1492),
        "h": rng.normal(size=(8, 3)),
        "target": rng.integers(0, 10, size=8).astype(np.int64),
    }
    calls: list[tuple[str, Extras]] = [
        ("first", (0.75, 4, ("seed", 3))),
        ("again", (0.75, 4, ("seed", 3))),
        ("other", (0.75, 4, ("seed", 4))),
    ]
    probe = _loss_probe(arrays, calls, global_seeds=(1, 2, 2))

    def verify(run: ProbeRun) -> Verdict:
        values = {}
        for label, _extras in calls:
            value, problems = _loss_value(run, label)
            if value is None:
                return Verdict.fail(problems)
            values[label] = value
        if values["first"] != values["again"]:
            return Verdict.fail(
                [
                    Text(
                        f"two losses built with np.random.default_rng(3) each gave {values['first']:.10g} and "
                        f"{values['again']:.10g} on the same h and target: the negatives do not come from "
                        "the rng given",
                        f"どちらも np.random.default_rng(3) で作った 2 つの損失が、同じ h と target で "
                        f"{values['first']:.10g} と {values['again']:.10g} を返しました。負例が引数の rng から"
                        "抽出されていません",
                    )
                ],
                RNG_HINT,
            )
        if values["first"] == values["other"]:
            return Verdict.fail(
                [
                    Text(
                        "losses built with np.random.default_rng(3) and np.random.default_rng(4) gave exactly the "
                        "same value: the negatives do not depend on the rng given",
                        "np.random.default_rng(3) と np.random.default_rng(4) で作った損失がまったく同じ値でした。"
                        "負例が引数の rng に依存していません",
                    )
                ],
                RNG_HINT,
            )
        return Verdict.ok()

    return Check(
        "NegativeSamplingLoss: draws its negatives with the rng it is given (equal seeds give equal losses)",
        "NegativeSamplingLoss: 引数の rng で負例を抽出する(同じシードなら同じ損失)",
        probe,
        verify,
        hint=RNG_HINT,
        context=Text(
            "W (10, 3) with distinct rows, h (8, 3), sample_size 4; rng seeded 3, 3 and 4, NumPy's global "
            "generator reseeded in between",
            "行がすべて異なる W (10, 3)、h (8, 3)、sample_size 4。rng のシードは 3・3・4(間で NumPy のグローバルな"
            "乱数も再設定)",
        ),
    )


def _default_power_check() -> Check:
    counts = [30, 20, 14, 10, 7, 5, 4, 3, 2, 1]
    rows, k = 1200, 5
    corpus = _corpus(counts, 1501)
    rng = generator(1502)
    a, u = rng.normal(size=3) * 0.5, rng.normal(size=3) * 0.5
    h = np.tile(rng.normal(size=3), (rows, 1))  # one hidden vector: dW[w] is count(w) times one row
    arrays = {"W": _shared_rows(a, u, len(counts)), "corpus": corpus, "h": h, "target": np.zeros(rows, dtype=np.int64)}
    probe = _loss_probe(arrays, [("defaults", ())])
    # dW[w] = (number of times w was drawn) * sigmoid(h . u) * h / N for every word w other than the target
    unit = _sigmoid(np.array(h[0] @ u)) * (h[0] @ h[0]) / rows
    target = arrays["target"]
    hypotheses = {power: _several_expected(_word_p(counts, power), target, k) for power in (0.75, 1.0)}

    def matches(drawn: np.ndarray, power: float) -> bool:
        return any(
            bool(np.all(np.abs(_deviations(drawn, expected[1:], variance[1:])) <= SIGMAS))
            for expected, variance in hypotheses[power]
        )

    def verify(run: ProbeRun) -> Verdict:
        total, problems = _total_gradient(run, "defaults:grads", arrays["W"].shape)
        if total is None:
            return Verdict.fail(problems)
        drawn = (total[1:] @ h[0]) / unit
        if not np.all(np.isfinite(drawn)) or np.max(np.abs(drawn - np.round(drawn))) > 1e-4:
            return Verdict.fail(
                [
                    Text(
                        "the rows of dW do not read as whole numbers of drawn negatives, so the distribution of the "
                        "negatives can not be judged: first make the other checks of NegativeSamplingLoss pass",
                        "dW の行から、抽出された負例の個数(整数)が読み取れないため、負例の分布を判定できません。"
                        "先に NegativeSamplingLoss のほかのチェックを通してください",
                    )
                ]
            )
        drawn = np.round(drawn)
        if matches(drawn, 0.75):
            return Verdict.ok()
        expected = hypotheses[0.75][0][0][1:]
        z = _deviations(drawn, expected, hypotheses[0.75][0][1][1:])
        shown = ", ".join(str(int(c)) for c in drawn)
        lines = [
            Text(
                f"negatives drawn per word 1..{len(counts) - 1} (read from dW): [{shown}]; expected about "
                f"[{', '.join(f'{e:.0f}' for e in expected)}] for count ** 0.75 (worst {np.max(np.abs(z)):.1f} "
                f"standard deviations off)",
                f"単語 1..{len(counts) - 1} ごとの負例の数(dW から読み取り): [{shown}]。count ** 0.75 なら"
                f"およそ [{', '.join(f'{e:.0f}' for e in expected)}]"
                f"(最大で標準偏差の {np.max(np.abs(z)):.1f} 倍のずれ)",
            )
        ]
        hint = (
            Text(
                "the negatives follow count ** 1: the default power of NegativeSamplingLoss is 0.75, and it must "
                "reach the UnigramSampler (UnigramSampler(corpus, power, sample_size, rng))",
                "負例が count ** 1 に従っています。NegativeSamplingLoss の power の既定値は 0.75 で、それを "
                "UnigramSampler に渡す必要があります(UnigramSampler(corpus, power, sample_size, rng))",
            )
            if matches(drawn, 1.0)
            else None
        )
        return Verdict.fail(lines, hint)

    return Check(
        "NegativeSamplingLoss: with the defaults, the negatives follow count ** 0.75",
        "NegativeSamplingLoss: 既定値のとき、負例が (出現回数) ** 0.75 に従う",
        probe,
        verify,
        hint=Text(
            "pass power (default 0.75), sample_size (default 5) and rng on to UnigramSampler(corpus, power, "
            "sample_size, rng)",
            "power(既定値 0.75)・sample_size(既定値 5)・rng を UnigramSampler(corpus, power, sample_size, rng) に"
            "渡してください",
        ),
        context=Text(
            f"NegativeSamplingLoss(W, corpus): word counts {counts}, target 0 in all {rows:,} rows, one h repeated, "
            "W's rows equal but the target's, so dW[w] counts how often word w was drawn; either sampling "
            "convention, within 5 standard deviations",
            f"NegativeSamplingLoss(W, corpus): 単語の出現回数 {counts}、{rows:,} 行すべて target 0、h は同じ行の"
            "繰り返し、W は target 以外の行が等しいので dW[w] が単語 w の抽出回数を表す。どちらの抽出方法でもよく、"
            "標準偏差の 5 倍以内",
        ),
    )


# ----------------------------------------------------------------- all checks


def build_checks() -> list[Check]:
    """Every check of exercise 14."""
    embedding = _embedding()
    embedding_dot = _embedding_dot()
    return [
        *layer_checks(embedding),
        _two_rounds_check(),
        grads_in_place_check(
            embedding,
            embedding.gradient[0].cases[0],
            Text("W (6, 3), idx [4, 1, 4, 0, 4, 1], random dout", "W (6, 3)、idx [4, 1, 4, 0, 4, 1]、ランダムな dout"),
        ),
        *layer_checks(embedding_dot),
        grads_in_place_check(
            embedding_dot, embedding_dot.gradient[0].cases[0], plain("W (5, 3), h (5, 3), idx [2, 0, 2, 4, 2]")
        ),
        _never_target_check(),
        _distribution_check(),
        _several_draws_check(),
        _rng_check(),
        *layer_checks(_nsl_two_words()),
        _any_negatives_check(),
        _saturated_check(),
        _default_power_check(),
        _loss_rng_check(),
    ]
