"""Exercise 14: word2vec with an Embedding layer and negative sampling.

Speed word2vec up as "Deep Learning from Scratch 2" does in chapter 4
(ゼロから作るDeep Learning ❷, 4 章): multiplying a one-hot vector by W only
picks a row of W, so the input side becomes a row lookup (Embedding); and a
softmax over the whole vocabulary becomes a few yes/no questions: "is this
the true context word?" for the target and for sample_size words drawn at
random from the corpus (negative sampling).

    Embedding(W)                         out = W[idx]
    EmbeddingDot(W)                      out[n] = h[n] . W[idx[n]]
    UnigramSampler(corpus, power, sample_size, rng)
                                         draws negatives, p(w) ~ count(w) ** power
    NegativeSamplingLoss(W, corpus, power=0.75, sample_size=5, rng=None)
                                         sigmoid cross-entropy, target and negatives

The book's conventions hold here: a layer keeps its parameters in the list
``self.params = [W]`` and their gradients in ``self.grads = [dW]``, created
once in ``__init__`` (zeros) and overwritten *in place* on every backward
(``dW[...] = 0`` then ``np.add.at(dW, idx, dout)``), so that a model or an
optimizer that collected these lists sees the new values.  Word ids are
integers 0..V-1 (V = the number of rows of W); ``rng`` is a
``numpy.random.Generator``.

Grade it with:   grade exercise 14
Allowed imports: NumPy, the Python standard library, and your own earlier
exercise files.  The reference implementation and the worked solutions can
not be imported while your file is graded.

課題 14：Embedding レイヤと Negative Sampling による word2vec の高速化

『ゼロから作るDeep Learning ❷』4 章と同じ手順で word2vec を高速化します。
one-hot ベクトルと W の積は W の行を 1 つ取り出すだけなので、入力側は
行の抜き出し（Embedding）に置き換えられます。また、語彙全体のソフトマックス
の代わりに「これは正解の単語か」という二値分類を、正解（target）と、
コーパスからランダムに選んだ sample_size 個の単語（負例）について行います
（Negative Sampling）。

    Embedding(W)                         out = W[idx]
    EmbeddingDot(W)                      out[n] = h[n] と W[idx[n]] の内積
    UnigramSampler(corpus, power, sample_size, rng)
                                         負例を抽出、確率は count(w) ** power に比例
    NegativeSamplingLoss(W, corpus, power=0.75, sample_size=5, rng=None)
                                         正例と負例のシグモイド交差エントロピー誤差

書籍と同じく、レイヤはパラメータをリスト self.params = [W] に、その勾配を
リスト self.grads = [dW] に持ちます。self.grads は __init__ で一度だけ
（0 で）作り、backward のたびに配列の中身を上書きします
（dW[...] = 0 のあと np.add.at(dW, idx, dout)）。単語 ID は 0..V-1 の
整数（V は W の行数）、rng は numpy.random.Generator です。

採点コマンド:    grade exercise 14
import できるもの: NumPy、Python 標準ライブラリ、自分で書いた前の課題ファイル。
採点中は参照実装や模範解答は import できません。
"""

from __future__ import annotations

import numpy as np


class Embedding:
    """Embedding layer: the rows of W for the given word ids.

    Parameters
    ----------
    W : ndarray of float, shape (V, D)
        One row of D weights per word of a vocabulary of V words.

    forward(idx) -> out
        idx : ndarray of int, shape (N,) (any shape S works the same way).
        out = W[idx], shape (N, D) (S + (D,)).
    backward(dout) -> None
        dout : shape of out.  Sets the gradient dW (shape (V, D)) in
        self.grads[0]: first zero it, then add each row of dout to the row
        of dW of its word id.  An id that occurs several times in idx
        collects the *sum* of its rows:  dW[...] = 0;  np.add.at(dW, idx, dout)
        (or a loop:  for i, word_id in enumerate(idx): dW[word_id] += dout[i]).
        Returns None: word ids have no gradient.

    Pitfalls / 注意
    ---------------
    dW[idx] = dout, and also dW[idx] += dout, keep only ONE row for an id
    that occurs several times: NumPy's fancy-index assignment does not add
    up repeated indices.  Zero dW at the start of every backward, or the
    previous call's gradient stays in it.  Write into the existing array
    (dW[...] = 0, np.add.at(dW, ...)); self.grads[0] = np.zeros(...) puts a
    new array in place of the one the caller holds.

    Embedding レイヤ: 単語 ID に対応する W の行を取り出す
    ----------------------------------------------------
    引数 W : 形状 (V, D)。語彙数 V の各単語に D 個の重みの行
    forward(idx) -> out
        idx : 整数の ndarray、形状 (N,)（任意の形状 S でも同じ）
        out = W[idx]、形状 (N, D)（S + (D,)）
    backward(dout) -> None
        dout : out と同じ形状。勾配 dW（形状 (V, D)）を self.grads[0] に
        設定します。まず 0 にし、dout の各行を、その単語 ID の dW の行に
        足します。idx に同じ ID が何度も現れたら、その行の*和*になります:
        dW[...] = 0;  np.add.at(dW, idx, dout)
        （ループなら for i, word_id in enumerate(idx): dW[word_id] += dout[i]）
        単語 ID には勾配がないので None を返します。
    注意: dW[idx] = dout や dW[idx] += dout では、何度も現れる ID の行が
    1 つしか残りません（NumPy のファンシーインデックスへの代入は、重複した
    添字を足し合わせません）。backward のたびに最初に dW を 0 にしないと、
    前回の勾配が残ります。既存の配列に書き込んでください（dW[...] = 0、
    np.add.at(dW, ...)）。self.grads[0] = np.zeros(...) では、呼び出し側が
    持っている配列とは別の新しい配列に置き換わってしまいます。
    """

    def __init__(self, W: np.ndarray) -> None:
        self.params = [W]
        self.grads = [np.zeros_like(W)]
        self.idx = None

    def forward(self, idx: np.ndarray) -> np.ndarray:
        """Return W[idx] and remember idx.  順伝播。"""
        raise NotImplementedError("Embedding.forward: not implemented yet (未実装)")

    def backward(self, dout: np.ndarray) -> None:
        """Zero self.grads[0], then add dout's rows at idx.  逆伝播。"""
        raise NotImplementedError("Embedding.backward: not implemented yet (未実装)")


class EmbeddingDot:
    """Embedding followed by a row-wise dot product with h.

    Parameters
    ----------
    W : ndarray of float, shape (V, D)
        Output-side word vectors.

    forward(h, idx) -> out
        h : (N, D) hidden vectors, idx : (N,) int word ids.
        out[n] = sum over D of h[n] * W[idx[n]], shape (N,).
    backward(dout) -> dh
        dout : (N,).  dh = dout[:, None] * W[idx], shape (N, D); the
        gradient for the rows W[idx] is dout[:, None] * h, which goes into
        self.grads[0] as in Embedding.backward (repeated ids summed).

    Pitfalls / 注意
    ---------------
    Reuse Embedding: self.embed = Embedding(W), self.params =
    self.embed.params and self.grads = self.embed.grads (the same lists), so
    Embedding.backward fills this layer's grads.  dout has shape (N,):
    reshape it to (N, 1) before multiplying by an (N, D) array.

    EmbeddingDot レイヤ: Embedding と行ごとの内積
    ---------------------------------------------
    引数 W : 出力側の単語ベクトル、形状 (V, D)
    forward(h, idx) -> out
        h : 隠れ層のベクトル (N, D)、idx : 単語 ID (N,)
        out[n] = h[n] * W[idx[n]] の D 方向の和、形状 (N,)
    backward(dout) -> dh
        dout : (N,)。dh = dout[:, None] * W[idx]、形状 (N, D)。
        W[idx] の行の勾配は dout[:, None] * h で、Embedding.backward と同じく
        self.grads[0] に入れます（重複した ID は和）。
    注意: Embedding を再利用しましょう。self.embed = Embedding(W)、
    self.params = self.embed.params、self.grads = self.embed.grads
    （同じリスト）とすれば、Embedding.backward がこのレイヤの grads を
    埋めます。dout は形状 (N,) なので、(N, D) の配列と掛ける前に
    (N, 1) に変形します。
    """

    def __init__(self, W: np.ndarray) -> None:
        self.embed = Embedding(W)
        self.params = self.embed.params
        self.grads = self.embed.grads
        self.cache = None

    def forward(self, h: np.ndarray, idx: np.ndarray) -> np.ndarray:
        """Return the row-wise dot products of h and W[idx].  順伝播。"""
        raise NotImplementedError("EmbeddingDot.forward: not implemented yet (未実装)")

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """Set the gradient for W in self.grads; return dh.  逆伝播。"""
        raise NotImplementedError("EmbeddingDot.backward: not implemented yet (未実装)")


class UnigramSampler:
    """Draws negative samples from the corpus's word frequencies.

    Parameters
    ----------
    corpus : ndarray of int, shape (L,)
        The corpus as word ids 0..V-1 (V = corpus.max() + 1).
    power : float
        Word w is drawn with probability proportional to count(w) ** power,
        count(w) the number of times w occurs in the corpus (word2vec uses
        0.75: rare words a little more often than their frequency).
    sample_size : int
        Negative samples per row.
    rng : numpy.random.Generator, or None for np.random.default_rng()
        Draw everything from it (rng.choice, rng.random ...), never from
        np.random's global functions: equally seeded generators must give
        equal samples.

    get_negative_sample(target) -> negative_sample
        target : (N,) int, the true context word of each row.
        Returns an int array (N, sample_size): row n holds word ids drawn
        with p = count ** power normalised, with p[target[n]] set to 0 and
        the rest renormalised, so the row's target never appears.  Without
        replacement (the book: rng.choice(V, size=sample_size,
        replace=False, p=p)) or with replacement (every entry drawn on its
        own): both are accepted.

    Pitfalls / 注意
    ---------------
    Apply the power before normalising: p = counts ** power; p /= p.sum().
    Remove the target of each row, and renormalise, before drawing that row.

    UnigramSampler: コーパスの単語の出現頻度から負例を抽出する
    ------------------------------------------------------------
    引数 corpus : 単語 ID 0..V-1 の列、形状 (L,)（V = corpus.max() + 1）
    引数 power  : 単語 w を count(w) ** power に比例する確率で選びます。
                 count(w) はコーパスでの w の出現回数です（word2vec は 0.75。
                 まれな単語を出現頻度より少しだけ多く選びます）
    引数 sample_size : 1 行あたりの負例の数
    引数 rng    : numpy.random.Generator（None なら np.random.default_rng()）。
                 乱数はすべてこれから引き（rng.choice、rng.random など）、
                 np.random のグローバルな関数は使いません。同じシードの
                 Generator からは同じ負例が得られなければなりません。
    get_negative_sample(target) -> negative_sample
        target : 各行の正解の単語 ID (N,)
        整数の配列 (N, sample_size) を返します。行 n の単語 ID は
        p = count ** power を正規化し、p[target[n]] を 0 にして正規化し直した
        確率で選ぶので、その行の target は決して現れません。非復元抽出
        （書籍: rng.choice(V, size=sample_size, replace=False, p=p)）でも
        復元抽出（各要素を独立に抽出）でも正解です。
    注意: 正規化の前に累乗します: p = counts ** power; p /= p.sum()。
    各行を抽出する前に、その行の target を除いて正規化し直します。
    """

    def __init__(
        self,
        corpus: np.ndarray,
        power: float,
        sample_size: int,
        rng: np.random.Generator | None,
    ) -> None:
        raise NotImplementedError("UnigramSampler: not implemented yet (未実装)")

    def get_negative_sample(self, target: np.ndarray) -> np.ndarray:
        """Return (N, sample_size) word ids, never the row's target.  負例の抽出。"""
        raise NotImplementedError(
            "UnigramSampler.get_negative_sample: not implemented yet (未実装)"
        )


class NegativeSamplingLoss:
    """word2vec's loss with negative sampling.

    Parameters
    ----------
    W : ndarray of float, shape (V, D)
        Output-side word vectors.
    corpus : ndarray of int, shape (L,)
        Word ids, for a UnigramSampler(corpus, power, sample_size, rng).
    power : float, default 0.75
    sample_size : int, default 5
        k, the negatives per row.
    rng : numpy.random.Generator or None, default None
        Passed on to the UnigramSampler.

    forward(h, target) -> loss
        h : (N, D) hidden vectors, target : (N,) int, the true context words.
        Draw the negatives (N, k) with the sampler; with the scores
        s = h[n] . W[word] (EmbeddingDot) and sigmoid(s) = 1 / (1 + exp(-s)):
            loss = (1/N) * sum over n of [ -log sigmoid(s of target[n])
                     - sum over the k negatives of log(1 - sigmoid(s of negative)) ]
        a float: the mean over the batch, summed over the k + 1 samples (the
        book adds k + 1 SigmoidWithLoss layers, each a batch mean).
    backward(dout=1) -> dh
        dh : (N, D).  With g = dout * (sigmoid(s) - label) / N for each
        sample (label 1 for the target, 0 for a negative), backward through
        the EmbeddingDot layers; the gradient for W goes into self.grads.
        self.grads is either [dW] or, as in the book, one dW per EmbeddingDot
        layer (k + 1 arrays, self.params = [W] * (k + 1)): the grader adds
        up the arrays in self.grads.

    Pitfalls / 注意
    ---------------
    log(0) is -inf: for a large |s|, sigmoid(s) is exactly 0.0 or 1.0 in
    float64.  Add a small constant (the book: log(y + 1e-7)) or use the stable
    form -log sigmoid(s) = np.logaddexp(0, -s), -log(1 - sigmoid(s)) =
    np.logaddexp(0, s).  The loss is a batch mean: divide by N.

    NegativeSamplingLoss: Negative Sampling による word2vec の損失
    --------------------------------------------------------------
    引数 W : 出力側の単語ベクトル、形状 (V, D)
    引数 corpus : 単語 ID の列 (L,)。UnigramSampler(corpus, power,
                 sample_size, rng) に渡します
    引数 power : 既定値 0.75
    引数 sample_size : 既定値 5。1 行あたりの負例の数 k
    引数 rng : numpy.random.Generator または None（既定値）。UnigramSampler に
              渡します
    forward(h, target) -> loss
        h : 隠れ層のベクトル (N, D)、target : 正解の単語 ID (N,)
        サンプラーで負例 (N, k) を選び、スコア s = h[n] と W[単語] の内積
        （EmbeddingDot）と sigmoid(s) = 1 / (1 + exp(-s)) から
            loss = (1/N) * Σn [ -log sigmoid(target[n] のスコア)
                     - Σ(k 個の負例) log(1 - sigmoid(負例のスコア)) ]
        を float で返します。ミニバッチの平均で、k + 1 個のサンプルについては
        和です（書籍は k + 1 個の SigmoidWithLoss レイヤ、それぞれバッチ平均、
        を足し合わせます）。
    backward(dout=1) -> dh
        dh : (N, D)。各サンプルの g = dout * (sigmoid(s) - label) / N
        （正解は label 1、負例は 0）を EmbeddingDot レイヤに逆伝播します。
        W の勾配は self.grads に入れます。self.grads は [dW] でも、書籍の
        ように EmbeddingDot レイヤごとの dW（k + 1 個、self.params =
        [W] * (k + 1)）でもかまいません。採点では self.grads の配列を
        足し合わせます。
    注意: log(0) は -inf です。|s| が大きいと float64 では sigmoid(s) が
    ちょうど 0.0 か 1.0 になります。小さな定数を足すか（書籍:
    log(y + 1e-7)）、安定な形 -log sigmoid(s) = np.logaddexp(0, -s)、
    -log(1 - sigmoid(s)) = np.logaddexp(0, s) を使いましょう。損失は
    ミニバッチの平均なので N で割ります。
    """

    def __init__(
        self,
        W: np.ndarray,
        corpus: np.ndarray,
        power: float = 0.75,
        sample_size: int = 5,
        rng: np.random.Generator | None = None,
    ) -> None:
        raise NotImplementedError("NegativeSamplingLoss: not implemented yet (未実装)")

    def forward(self, h: np.ndarray, target: np.ndarray) -> float:
        """Draw negatives; return the batch-mean loss.  順伝播。"""
        raise NotImplementedError(
            "NegativeSamplingLoss.forward: not implemented yet (未実装)"
        )

    def backward(self, dout: float = 1) -> np.ndarray:
        """Set the gradient for W in self.grads; return dh.  逆伝播。"""
        raise NotImplementedError(
            "NegativeSamplingLoss.backward: not implemented yet (未実装)"
        )
