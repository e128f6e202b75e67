"""After a pass: the next exercise, what to read next and how to see the worked solution.

``READING`` is the one table of what to read after each exercise: the idea to
take further, where "Deep Learning from Scratch" (『ゼロから作るDeep Learning』,
volume 2 for exercises 11-14) treats it, by chapter and section topic (section
numbers differ between printings), and the confirmation tests that ask about it.
``tests/grader/test_nextsteps.py`` checks that it covers every exercise and that
its quizzes exist and are linked to the exercise.
"""

from __future__ import annotations

from dataclasses import dataclass

from grader.grading.engine import EXERCISES
from grader.text import Text


@dataclass(frozen=True)
class Reading:
    """What to read after one exercise: the idea, the book's chapter, the quizzes (``grade quiz K``)."""

    concept: Text
    book: Text
    quizzes: tuple[int, ...]


_DLFS = Text("Deep Learning from Scratch", "『ゼロから作るDeep Learning』")
_DLFS2 = Text("Deep Learning from Scratch 2", "『ゼロから作るDeep Learning ❷ 自然言語処理編』")


def _book(volume: Text, en: str, ja: str) -> Text:
    return Text(f"{volume.en}, {en}", f"{volume.ja}{ja}")


READING: dict[int, Reading] = {
    1: Reading(
        Text(
            "why a network needs a non-linear activation, and a forward pass as a chain of matrix products",
            "ニューラルネットワークに非線形の活性化関数が必要な理由と、行列の積の連なりとしての順伝播",
        ),
        _book(
            _DLFS,
            "chapter 3 (activation functions; implementing a 3-layer network)",
            "3章「活性化関数」「3層ニューラルネットワークの実装」",
        ),
        (1,),
    ),
    2: Reading(
        Text(
            "softmax with its overflow guard, and why cross-entropy (not accuracy) is what training minimises",
            "オーバーフロー対策をしたソフトマックス関数と、学習で認識精度ではなく交差エントロピー誤差を最小化する理由",
        ),
        _book(
            _DLFS,
            "chapter 3 (designing the output layer) and chapter 4 (loss functions)",
            "3章「出力層の設計」と 4章「損失関数」",
        ),
        (2,),
    ),
    3: Reading(
        Text(
            "the chain rule on a computational graph: each node passes dout times its local derivative back",
            "計算グラフ上の連鎖律: 各ノードは dout に局所的な微分を掛けて逆向きに伝える",
        ),
        _book(
            _DLFS,
            "chapter 5 (computational graphs; the chain rule; implementing backpropagation)",
            "5章「計算グラフ」「連鎖律」「誤差逆伝播法の実装」",
        ),
        (4,),
    ),
    4: Reading(
        Text(
            "how Momentum, AdaGrad, RMSprop and Adam change the step of plain SGD, and when each helps",
            "Momentum、AdaGrad、RMSprop、Adam が SGD の更新幅をどう変えるか、それぞれどんなときに効くか",
        ),
        _book(_DLFS, "chapter 6 (updating parameters)", "6章「パラメータの更新」"),
        (6,),
    ),
    5: Reading(
        Text(
            "the output size formula and how im2col turns a convolution into one matrix product",
            "出力サイズの式と、im2col が畳み込みを 1 回の行列の積に変える仕組み",
        ),
        _book(
            _DLFS,
            "chapter 7 (implementing the Convolution and Pooling layers: im2col)",
            "7章「Convolution/Pooling レイヤの実装」(im2col)",
        ),
        (9,),
    ),
    6: Reading(
        Text(
            "the central difference and its error, and gradient checking against backpropagation",
            "中心差分とその誤差、誤差逆伝播法の結果を数値微分で確かめる勾配確認",
        ),
        _book(
            _DLFS,
            "chapter 4 (numerical differentiation; the gradient) and chapter 5 (gradient check)",
            "4章「数値微分」「勾配」と 5章「勾配確認」",
        ),
        (3,),
    ),
    7: Reading(
        Text(
            "layers as forward/backward pairs, and what Dropout and batch normalization do differently in training",
            "順伝播と逆伝播を組にしたレイヤ、Dropout とバッチ正規化が学習時と推論時で何を変えるか",
        ),
        _book(
            _DLFS,
            "chapter 5 (the activation, Affine and Softmax layers) and chapter 6 (Batch Normalization; Dropout)",
            "5章「活性化関数レイヤの実装」「Affine/Softmax レイヤの実装」と 6章「Batch Normalization」「Dropout」",
        ),
        (4, 7),
    ),
    8: Reading(
        Text(
            "what a convolution layer and max-pooling keep of an image, and their backward passes through col2im",
            "畳み込み層と Max プーリングが画像の何を保つか、col2im を通る逆伝播",
        ),
        _book(
            _DLFS,
            "chapter 7 (the convolution layer; the pooling layer; implementing a CNN)",
            "7章「畳み込み層」「プーリング層」「CNN の実装」",
        ),
        (9,),
    ),
    9: Reading(
        Text(
            "why Xavier and He scale the initial weights by the fan-in, and weight decay against overfitting",
            "Xavier と He の初期値が入力ノード数で重みをスケールする理由と、過学習を抑える荷重減衰",
        ),
        _book(_DLFS, "chapter 6 (the initial weight values; regularization)", "6章「重みの初期値」「正則化」"),
        (5, 8),
    ),
    10: Reading(
        Text(
            "mini-batch training, held-out data and how to choose hyperparameters without looking at the test set",
            "ミニバッチ学習、評価用に取り分けたデータ、テストデータを見ずにハイパーパラメータを選ぶ方法",
        ),
        _book(
            _DLFS,
            "chapter 4 (implementing the learning algorithm) and chapter 6 (validating hyperparameters)",
            "4章「学習アルゴリズムの実装」と 6章「ハイパーパラメータの検証」",
        ),
        (8,),
    ),
    11: Reading(
        Text(
            "truncated backpropagation through time, and why gradients explode or vanish along a sequence",
            "Truncated BPTT と、系列に沿って勾配が爆発・消失する理由",
        ),
        _book(
            _DLFS2,
            "chapter 5 (recurrent neural networks: Truncated BPTT) and chapter 6 (gradient clipping)",
            "5章「リカレントニューラルネットワーク(RNN)」(Truncated BPTT)と 6章「勾配クリッピング」",
        ),
        (11,),
    ),
    12: Reading(
        Text(
            "how the LSTM's gates and the GRU's update and reset gates keep the gradient alive over many steps",
            "LSTM のゲートと GRU の更新ゲート・リセットゲートが長い系列で勾配を保つ仕組み",
        ),
        _book(
            _DLFS2, "chapter 6 (gated RNNs: LSTM) and appendix C (GRU)", "6章「ゲート付き RNN」(LSTM)と付録 C「GRU」"
        ),
        (12,),
    ),
    13: Reading(
        Text(
            "attention as a weighted average of values, and how multi-head attention, LayerNorm and positions make "
            "a Transformer block",
            "値の重み付き平均としての注意機構と、Multi-Head Attention・LayerNorm・位置エンコーディングによる "
            "Transformer ブロックの構成",
        ),
        _book(
            _DLFS2,
            "chapter 8 (Attention; the Transformer), then the paper Attention Is All You Need (Vaswani et al., 2017)",
            "8章「Attention」(Transformer)、続いて論文 Attention Is All You Need(Vaswani ら, 2017)",
        ),
        (13,),
    ),
    14: Reading(
        Text(
            "distributed representations of words, and why negative sampling makes word2vec fast",
            "単語の分散表現と、Negative Sampling で word2vec が速くなる理由",
        ),
        _book(
            _DLFS2,
            "chapter 3 (word2vec) and chapter 4 (speeding up word2vec: Embedding; negative sampling)",
            "3章「word2vec」と 4章「word2vec の高速化」(Embedding レイヤ、Negative Sampling)",
        ),
        (14,),
    ),
}


def next_steps(number: int, lang: str, *, solution: bool = True) -> list[str]:
    """The lines ``grade exercise N`` shows after every check passed.

    Parameters
    ----------
    number : int
        The exercise that passed.
    lang : str
        ``en`` or ``ja``.
    solution : bool
        Whether to point at ``grade solution N``: only when the pass was
        recorded as the learner's (``grade solution`` refuses otherwise).
    """
    lines = ["", Text("Next steps:", "次のステップ:")(lang)]
    later = sorted(n for n in EXERCISES if n > number)
    if later:
        following = EXERCISES[later[0]]
        lines.append(
            Text(
                "  next exercise:   {n}  {title}  ->  grade exercise {n}",
                "  次の課題:       {n}  {title} → grade exercise {n}",
            ).format(n=following.number, title=following.title(lang))(lang)
        )
    else:
        lines.append(
            Text(
                "  next exercise:   none, this was the last one; grade list shows what is left",
                "  次の課題:       ありません(これが最後の課題です)。残りは grade list で確認できます",
            )(lang)
        )
    reading = READING.get(number)
    if reading is not None:
        quizzes = ", ".join(f"grade quiz {quiz}" for quiz in reading.quizzes)
        lines += [
            Text("  read next:       {text}", "  次に読む:       {text}").format(text=reading.concept(lang))(lang),
            Text("                   in {text}", "                  {text}").format(text=reading.book(lang))(lang),
            Text("  check yourself:  {quizzes}", "  理解の確認:     {quizzes}").format(quizzes=quizzes)(lang),
        ]
    if solution:
        lines.append(
            Text(
                "  worked solution: grade solution {n}  (side by side with your file; --write saves it to solutions/)",
                "  模範解答:       grade solution {n}(あなたのファイルと並べて表示。--write で solutions/ に保存)",
            ).format(n=number)(lang)
        )
    return lines
