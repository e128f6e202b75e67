"""Checks for exercise 3: derivatives and backpropagation.

The derivatives are checked on inputs that tell the classic wrong formulas
apart (``u * (1 - u)`` for the sigmoid, ``/ N`` against ``/ y.size`` for the
squared error, ``y.shape[0]`` taken as the batch size of one ``(K,)`` sample).
``backward`` is checked on a network whose every dimension differs
(N = 5, D = 4, H = 6, K = 3), so a wrong transpose or a wrong summing axis
shows up as a wrong shape, and whose hidden pre-activations ``u1`` have both
signs and stay at least 0.5 away from ReLU's kink.  Besides the reference,
a failing gradient is compared with central differences of the loss: an
oracle that does not share the reference's algebra.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from grader.checks.common import generator, output_check
from grader.checks.verdicts import Variant, close, is_close, matching_variant, unchanged, value_of
from grader.grading.compare import abbreviate, dtype_kind_mismatch
from grader.grading.engine import Check
from grader.grading.results import Verdict
from grader.sandbox.client import Output, Probe, ProbeRun
from grader.text import Text
from reference import (
    backward,
    cross_entropy_error,
    d_mean_squared_error,
    d_relu,
    d_sigmoid,
    d_softmax_with_loss,
    one_hot,
    relu,
    sigmoid,
    softmax,
)

KEYS = ("W1", "b1", "W2", "b2")
# the loss carries a 1e-7 guard inside its log that the exact gradient has not;
# tolerances stay far above that and far below every wrong formula checked here
GRADIENT_RTOL = 1e-6
GRADIENT_ATOL = 1e-10
NUMERICAL_STEP = 1e-5


def _in_place(function: str) -> Text:
    if function in ("d_softmax_with_loss", "backward"):
        return Text(
            f"the values are right, but {function} changed an argument the caller still needs "
            "(y is used again after the loss): copy before subtracting, grad = y.copy(), "
            "as the book's SoftmaxWithLoss does",
            f"値は正しいのですが、{function} が呼び出し元でまだ使う引数を書き換えました"
            "(y は損失の計算の後でも使います)。教科書の SoftmaxWithLoss のように、"
            "grad = y.copy() とコピーしてから引き算してください",
        )
    return Text(
        f"the values are right, but {function} changed its argument in place; "
        "the caller still needs it: build a new array instead",
        f"値は正しいのですが、{function} が引数をその場で書き換えました。"
        "呼び出し元でまだ使うので、新しい配列を作ってください",
    )


def _output_check(name: str, name_ja: str, function: str, args: Sequence[Any], expected: Any, **options: Any) -> Check:
    """``common.output_check`` with this exercise's in-place hint."""
    return output_check(name, name_ja, function, args, expected, in_place_hint=_in_place(function), **options)


# --------------------------------------------------------------------------- d_sigmoid


TREATED_AS_OUTPUT = Text(
    "you computed u * (1 - u), treating u as the sigmoid's output; "
    "u is its input (pre-activation): s = sigmoid(u), then s * (1 - s)",
    "u * (1 - u) になっています。これは u がシグモイドの出力のときの式です。"
    "u は入力(活性化前の値)なので、s = sigmoid(u) としてから s * (1 - s) です",
)


def _d_sigmoid_checks() -> list[Check]:
    u = generator(31).uniform(-4, 4, size=(3, 4))
    u[0, 0] = 0.0  # 0.25 there; u * (1 - u) gives 0
    s = sigmoid(u)
    extreme = np.array([-1000.0, -30.0, -1.0, 0.0, 1.0, 30.0, 1000.0])
    return [
        _output_check(
            "d_sigmoid: sigmoid(u) * (1 - sigmoid(u)) on a (3, 4) array",
            "d_sigmoid: (3, 4) 配列で sigmoid(u) * (1 - sigmoid(u))",
            "d_sigmoid",
            [u],
            d_sigmoid(u),
            arg_names=["u"],
            rtol=1e-9,
            atol=1e-12,
            hint=Text(
                "u is the sigmoid's input: compute s = sigmoid(u) first, then s * (1 - s)",
                "u はシグモイドの入力です。まず s = sigmoid(u) を計算し、s * (1 - s) を返してください",
            ),
            variants=[
                Variant(
                    u * (1 - u),
                    TREATED_AS_OUTPUT,
                ),
                Variant(
                    s,
                    Text(
                        "that is sigmoid(u) itself, not its derivative s * (1 - s)",
                        "これは sigmoid(u) そのものです。微分は s * (1 - s) です",
                    ),
                ),
                Variant(
                    s * (1 - u),
                    Text(
                        "both factors use the sigmoid's output: s * (1 - s), not s * (1 - u)",
                        "2 つの因子はどちらもシグモイドの出力です。s * (1 - u) ではなく s * (1 - s) です",
                    ),
                ),
            ],
        ),
        _output_check(
            "d_sigmoid: finite for u = -1000 and u = 1000",
            "d_sigmoid: u = -1000 と u = 1000 でも有限の値",
            "d_sigmoid",
            [extreme],
            d_sigmoid(extreme),
            arg_names=["u"],
            atol=1e-12,
            variants=[
                Variant(
                    extreme * (1 - extreme),
                    TREATED_AS_OUTPUT,
                ),
            ],
            hint=Text(
                "exp(-u) / (1 + exp(-u)) ** 2 becomes inf / inf = nan for u = -1000; "
                "compute s = sigmoid(u) with your overflow-safe sigmoid of exercise 1, then s * (1 - s)",
                "exp(-u) / (1 + exp(-u)) ** 2 は u = -1000 で inf / inf = nan になります。"
                "課題 1 のオーバーフローしない sigmoid で s = sigmoid(u) を求め、s * (1 - s) としてください",
            ),
        ),
    ]


# --------------------------------------------------------------------------- d_relu


def _d_relu_checks() -> list[Check]:
    magnitudes = generator(32).uniform(0.1, 3.0, size=(4, 5))
    signs = np.where(generator(33).random(size=(4, 5)) < 0.5, -1.0, 1.0)
    u = magnitudes * signs  # every value at least 0.1 away from the kink
    at_kink = np.array([[-1.5, 0.0, 2.0], [0.0, 0.5, -0.25]])

    def float_dtype(run: ProbeRun) -> Verdict:
        got = run.output("result")
        lines = dtype_kind_mismatch(got, "f", "d_relu(u)")
        if not lines:
            return Verdict.ok()
        array, _ = value_of(got, "d_relu(u)")
        if array is not None and array.dtype.kind == "b":
            hint = Text(
                "u > 0 is a bool array; return floats: (u > 0).astype(float) or np.where(u > 0, 1.0, 0.0)",
                "u > 0 は bool の配列です。(u > 0).astype(float) や np.where(u > 0, 1.0, 0.0) で float にしてください",
            )
        else:
            hint = Text(
                "np.where(u > 0, 1, 0) gives integers; write 1.0 and 0.0, or convert with .astype(float)",
                "np.where(u > 0, 1, 0) は整数になります。1.0 と 0.0 と書くか .astype(float) で変換してください",
            )
        return Verdict.fail(lines, hint)

    dtype_probe = Probe()
    dtype_probe.save(dtype_probe.call("d_relu", u), "result")
    return [
        _output_check(
            "d_relu: 1 where u > 0 and 0 where u < 0 on a (4, 5) array",
            "d_relu: (4, 5) 配列で u > 0 なら 1、u < 0 なら 0",
            "d_relu",
            [u],
            d_relu(u),
            arg_names=["u"],
            hint=Text(
                "ReLU's slope is 1 where it passes u through (u > 0) and 0 where it outputs 0",
                "ReLU の傾きは、u をそのまま通すところ(u > 0)で 1、0 を出すところで 0 です",
            ),
            variants=[
                Variant(
                    relu(u),
                    Text(
                        "that is relu(u) itself; its derivative is 1.0 where u > 0, else 0.0",
                        "これは relu(u) そのものです。微分は u > 0 で 1.0、それ以外で 0.0 です",
                    ),
                ),
                Variant(
                    (u < 0).astype(float),
                    Text(
                        "the condition is reversed: the slope is 1 where u > 0",
                        "条件が逆です。傾きが 1 なのは u > 0 のところです",
                    ),
                ),
            ],
        ),
        Check(
            "d_relu: returns a float array",
            "d_relu: float 型の配列を返す",
            dtype_probe,
            float_dtype,
            context=f"u: {u.shape} float64",
        ),
        _output_check(
            "d_relu: 0.0 at exactly u = 0",
            "d_relu: ちょうど u = 0 では 0.0",
            "d_relu",
            [at_kink],
            d_relu(at_kink),
            arg_names=["u"],
            hint=Text(
                "the exercise fixes the slope at the kink to 0.0 (as the book's Relu layer, "
                "whose mask is x <= 0): use u > 0, not u >= 0",
                "この課題では折れ目 u = 0 での傾きを 0.0 と決めています(教科書の Relu レイヤの "
                "mask = (x <= 0) と同じ)。u >= 0 ではなく u > 0 を使ってください",
            ),
        ),
    ]


# --------------------------------------------------------------------------- d_softmax_with_loss


def _d_softmax_checks() -> list[Check]:
    rng = generator(34)
    y = softmax(rng.normal(size=(5, 3)) * 2)
    labels = np.array([2, 0, 1, 2, 0])
    d = one_hot(labels, 3)
    n = y.shape[0]
    y_single = softmax(np.array([0.3, -1.2, 2.0, 0.5]))
    d_single = one_hot(np.array(1), 4)
    label_single = np.array(2)
    general = Text(
        "the loss is the batch mean of the cross-entropy, so the gradient is "
        "(y - onehot(d)) / N with N the batch size (N = 1 for one (K,) sample)",
        "損失は交差エントロピーのバッチ平均なので、勾配は (y - onehot(d)) / N です"
        "(N はバッチサイズ、(K,) のデータ 1 件なら N = 1)",
    )
    no_mean = Text(
        "the loss is a mean over the batch: divide y - onehot(d) by N = y.shape[0]",
        "損失はバッチの平均です。y - onehot(d) をバッチサイズ N = y.shape[0] で割ってください",
    )
    sign = Text(
        "the sign is flipped: the gradient is y - d (prediction minus teacher)",
        "符号が逆です。勾配は y - d(予測 − 教師)です",
    )
    single_divided = Text(
        "for one sample of shape (K,), y.shape[0] is K, not a batch size: N = 1, "
        "so the gradient is y - onehot(d) with no division",
        "形状 (K,) のデータ 1 件では y.shape[0] はクラス数 K でバッチサイズではありません。"
        "N = 1 なので勾配は割らずに y - onehot(d) です",
    )
    twin_hint = Text(
        "the same call with d as one-hot rows is wrong too, so the mistake is not in reading labels: "
        "the gradient is (y - onehot(d)) / N (see the one-hot checks)",
        "d を one-hot の行にしても同じく正しくないので、ラベルの扱いが原因ではありません。"
        "勾配は (y - onehot(d)) / N です(one-hot のチェックを見てください)",
    )
    labels_hint = Text(
        "d can hold class labels (N,): turn them into one-hot first (np.eye(K)[d]), "
        "or copy y and subtract 1 at [np.arange(N), d], then divide by N",
        "d はクラスラベル (N,) のこともあります。先に one-hot にする(np.eye(K)[d])か、"
        "y をコピーして [np.arange(N), d] の位置から 1 を引き、N で割ってください",
    )
    # the book's SoftmaxWithLoss works with (y, t), output first; y - d with them swapped is d - y, which a sign
    # flip gives too, so the one-hot checks try the other order with labels, which only that order gets right
    swapped_hint = Text(
        "the arguments are the wrong way round: your function gives the right gradient when called as "
        "d_softmax_with_loss(y, d); the course's order is d_softmax_with_loss(d, y), teacher data first "
        "(the book's SoftmaxWithLoss takes (y, t), output first)",
        "引数の順序が逆です。あなたの関数は d_softmax_with_loss(y, d) と呼ぶと正しい勾配を返します。"
        "この講座では教師データが先の d_softmax_with_loss(d, y) です"
        "(書籍の SoftmaxWithLoss は出力が先の (y, t) です)",
    )
    label_hint = Text(
        "a 0-d integer d is the label of a single sample: subtract 1 at y[d] "
        "(np.eye(K)[d] is its one-hot vector); N = 1",
        "0 次元の整数の d はデータ 1 件のラベルです。y[d] から 1 を引いてください(one-hot は np.eye(K)[d])。N = 1 です",
    )
    return [
        _output_check(
            "d_softmax_with_loss: (y - d) / N for one-hot d, batch of 5",
            "d_softmax_with_loss: one-hot の d、5 件のバッチで (y - d) / N",
            "d_softmax_with_loss",
            [d, y],
            d_softmax_with_loss(d, y),
            arg_names=["d", "y"],
            hint=general,
            context=f"d = one_hot({abbreviate(labels)}, 3), y = softmax(u) (5, 3)",
            swapped_hint=swapped_hint,
            swapped=[y, labels],
            variants=[
                Variant(y - d, no_mean),
                Variant((d - y) / n, sign),
                Variant(d - y, sign),
                Variant(
                    (y - d) / y.size,
                    Text(
                        "divide by the batch size N = y.shape[0], not by y.size: "
                        "the cross-entropy sums over the classes and averages over the batch",
                        "割るのは要素数 y.size ではなくバッチサイズ N = y.shape[0] です。"
                        "交差エントロピーはクラス方向に和、バッチ方向に平均をとります",
                    ),
                ),
                Variant(
                    (softmax(y) - d) / n,
                    Text(
                        "y is already the softmax output, softmax(u): subtract d from y itself; "
                        "softmax(y) applies softmax a second time",
                        "y はすでにソフトマックスの出力 softmax(u) です。y からそのまま d を引いてください。"
                        "softmax(y) ではソフトマックスを 2 回かけることになります",
                    ),
                ),
            ],
        ),
        _output_check(
            "d_softmax_with_loss: integer labels (5,) give the same gradient as one-hot",
            "d_softmax_with_loss: 整数ラベル (5,) でも one-hot と同じ勾配",
            "d_softmax_with_loss",
            [labels, y],
            d_softmax_with_loss(labels, y),
            arg_names=["d", "y"],
            hint=labels_hint,
            twin=[d, y],
            twin_hint=twin_hint,
            context=f"d = {abbreviate(labels)}, y = softmax(u) (5, 3)",
            swapped_hint=swapped_hint,
            variants=[
                Variant(y - d, no_mean),
                Variant(
                    (y - labels[:, None]) / n,
                    Text(
                        "the labels were subtracted as numbers; they are class indices: "
                        "subtract 1 at the column of each sample's label",
                        "ラベルを数値として引いています。ラベルはクラスの番号なので、"
                        "各データのラベルの列で 1 を引いてください",
                    ),
                ),
            ],
        ),
        _output_check(
            "d_softmax_with_loss: one sample (4,) with one-hot d is y - d (N = 1)",
            "d_softmax_with_loss: データ 1 件 (4,)、one-hot の d では y - d(N = 1)",
            "d_softmax_with_loss",
            [d_single, y_single],
            d_softmax_with_loss(d_single, y_single),
            arg_names=["d", "y"],
            hint=general,
            context=f"d = {abbreviate(d_single)}, y = softmax(u) = {abbreviate(y_single)}",
            swapped_hint=swapped_hint,
            swapped=[y_single, np.array(1)],  # the label of d_single
            variants=[
                Variant((y_single - d_single) / y_single.shape[0], single_divided),
                Variant(d_single - y_single, sign),
            ],
        ),
        _output_check(
            "d_softmax_with_loss: one sample (4,) with a 0-d integer label",
            "d_softmax_with_loss: データ 1 件 (4,)、0 次元の整数ラベル",
            "d_softmax_with_loss",
            [label_single, y_single],
            d_softmax_with_loss(label_single, y_single),
            arg_names=["d", "y"],
            hint=label_hint,
            twin=[one_hot(label_single, 4), y_single],
            twin_hint=twin_hint,
            context=f"d = np.array(2), y = softmax(u) = {abbreviate(y_single)}",
            swapped_hint=swapped_hint,
            variants=[
                Variant(
                    y_single - 2,
                    Text(
                        "the label 2 was subtracted from every element; it is a class index: subtract 1 at y[2] only",
                        "ラベル 2 を全要素から引いています。ラベルはクラスの番号なので、"
                        "y[2] だけから 1 を引いてください",
                    ),
                ),
                Variant((y_single - one_hot(label_single, 4)) / 4, single_divided),
            ],
        ),
    ]


# --------------------------------------------------------------------------- d_mean_squared_error


def _d_mse_checks() -> list[Check]:
    rng = generator(35)
    y = rng.normal(size=(4, 3))
    d = one_hot(np.array([1, 0, 2, 1]), 3)
    return [
        _output_check(
            "d_mean_squared_error: (y - d) / y.size for a (4, 3) batch",
            "d_mean_squared_error: (4, 3) のバッチで (y - d) / y.size",
            "d_mean_squared_error",
            [d, y],
            d_mean_squared_error(d, y),
            arg_names=["d", "y"],
            hint=Text(
                "differentiate the loss of exercise 2, mean((y - d) ** 2) / 2 over all "
                "elements: the 2 of the square cancels the 1/2 and the mean leaves 1 / y.size",
                "課題 2 の損失 mean((y - d) ** 2) / 2(全要素の平均)を微分します。"
                "2 乗から出る 2 と 1/2 が打ち消し合い、平均から 1 / y.size が残ります",
            ),
            variants=[
                Variant(
                    y - d,
                    Text(
                        "the loss is a mean over all y.size elements, so the gradient is divided by y.size",
                        "損失は全 y.size 要素の平均なので、勾配も y.size で割ります",
                    ),
                ),
                Variant(
                    (y - d) / y.shape[0],
                    Text(
                        "you divided by the batch size N; this loss averages over all "
                        "N * K elements, so divide by y.size",
                        "バッチサイズ N で割っています。この損失は N * K 個すべての要素の平均なので y.size で割ります",
                    ),
                ),
                Variant(
                    2 * (y - d) / y.size,
                    Text(
                        "the loss has a factor 1/2 that cancels the 2 from the square: (y - d) / y.size",
                        "損失の 1/2 が 2 乗から出る 2 と打ち消し合います。(y - d) / y.size です",
                    ),
                ),
                Variant(
                    (d - y) / y.size,
                    Text(
                        "the sign is flipped: the gradient with respect to y is (y - d) / y.size",
                        "符号が逆です。y についての勾配は (y - d) / y.size です",
                    ),
                ),
            ],
        ),
    ]


# --------------------------------------------------------------------------- backward


@dataclass(frozen=True)
class _Case:
    """The inputs of one call of backward and what it should return."""

    network: dict[str, np.ndarray]
    x: np.ndarray
    d: np.ndarray
    z1: np.ndarray
    y: np.ndarray
    expected: dict[str, np.ndarray]
    numerical: dict[str, np.ndarray]

    def inputs(self) -> dict[str, np.ndarray]:
        """Every array backward receives, by the name messages use."""
        named = {f"network['{key}']": value for key, value in self.network.items()}
        return {**named, "x": self.x, "d": self.d, "z1": self.z1, "y": self.y}


def _network() -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
    """A 4-6-3 network, a batch of 5 and its labels.

    Seed 324 gives hidden pre-activations u1 of both signs in every row and
    every column, none closer to 0 than 0.5, so no finite difference and no
    z1 > 0 / u1 > 0 choice can land on ReLU's kink; the softmax outputs stay
    between 0.1 and 0.65, where the loss's 1e-7 guard moves the numerical
    gradient by no more than about 1e-6 of its size.
    """
    rng = generator(324)
    x = rng.normal(size=(5, 4))
    network = {
        "W1": rng.normal(scale=0.8, size=(4, 6)),
        "b1": rng.normal(scale=0.5, size=6),
        "W2": rng.normal(scale=0.5, size=(6, 3)),
        "b2": rng.normal(scale=0.5, size=3),
    }
    labels = np.array([0, 2, 1, 2, 0])
    return network, x, labels


def _forward(network: dict[str, np.ndarray], x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    u1 = x @ network["W1"] + network["b1"]
    z1 = relu(u1)
    return u1, z1, softmax(z1 @ network["W2"] + network["b2"])


def _numerical_gradients(network: dict[str, np.ndarray], x: np.ndarray, d: np.ndarray) -> dict[str, np.ndarray]:
    """Central differences of the batch-mean cross-entropy, one parameter element at a time."""
    params = {key: value.copy() for key, value in network.items()}
    grads = {}
    for key, array in params.items():
        grad = np.zeros_like(array)
        for index in np.ndindex(array.shape):
            original = array[index]
            array[index] = original + NUMERICAL_STEP
            plus = cross_entropy_error(d, _forward(params, x)[2])
            array[index] = original - NUMERICAL_STEP
            minus = cross_entropy_error(d, _forward(params, x)[2])
            array[index] = original
            grad[index] = (plus - minus) / (2 * NUMERICAL_STEP)
        grads[key] = grad
    return grads


def _case(network: dict[str, np.ndarray], x: np.ndarray, d: np.ndarray) -> _Case:
    _u1, z1, y = _forward(network, x)
    return _Case(
        network=network,
        x=x,
        d=d,
        z1=z1,
        y=y,
        expected=backward(network, x, d, z1, y),
        numerical=_numerical_gradients(network, x, d),
    )


def _variants(case: _Case) -> dict[str, list[Variant]]:
    """Known wrong gradients, by parameter, for the one-hot case."""
    n = case.x.shape[0]
    expected = case.expected
    dz1 = ((case.y - case.d) / n) @ case.network["W2"].T

    def through(du1: np.ndarray) -> dict[str, np.ndarray]:
        return {"W1": case.x.T @ du1, "b1": du1.sum(axis=0)}

    no_mask = through(dz1)
    times_z1 = through(dz1 * case.z1)
    sigmoid_mask = through(dz1 * case.z1 * (1 - case.z1))
    no_mean = Text(
        "every gradient is N times too large: the loss is a batch mean, so du2 = (y - d) / N",
        "すべての勾配が N 倍大きすぎます。損失はバッチ平均なので du2 = (y - d) / N です",
    )
    twice = Text(
        "divided by N twice: the 1/N enters once, in du2 = (y - d) / N, and flows down the chain",
        "N で 2 回割っています。1/N は du2 = (y - d) / N で 1 回だけ入り、連鎖律で下の層に伝わります",
    )
    bias_mean = Text(
        "the bias gradient is the SUM of du over the batch axis (np.sum(du, axis=0)); "
        "the 1/N is already inside du2, so a mean divides by N a second time",
        "バイアスの勾配は du のバッチ方向の「和」(np.sum(du, axis=0))です。"
        "1/N は du2 にすでに入っているので、平均をとると N で 2 回割ることになります",
    )
    sign = Text(
        "the sign is flipped: du2 = y - d (prediction minus teacher), not d - y",
        "符号が逆です。du2 = y - d(予測 − 教師)で、d - y ではありません",
    )
    relu_mask = Text(
        "the gradient went through every hidden unit, as if there were no ReLU: it passes only where u1 > 0 "
        "(equivalently z1 > 0); multiply du2 @ W2.T by that 0/1 mask (a d_relu(z1) that gives 1 at exactly 0 "
        "lets everything through, because z1 is 0 wherever a unit is off)",
        "ReLU がないかのように、勾配がすべての隠れユニットを通っています。勾配が通るのは u1 > 0"
        "(z1 > 0 と同じ)のところだけなので、du2 @ W2.T にその 0/1 のマスクを掛けてください"
        "(ちょうど 0 で 1 を返す d_relu(z1) ではすべて通ってしまいます。止まっているユニットの z1 は 0 だからです)",
    )
    by_z1 = Text(
        "you multiplied by z1 itself; multiply by relu's derivative, 1.0 where z1 > 0 and 0.0 elsewhere",
        "z1 そのものを掛けています。掛けるのは ReLU の微分(z1 > 0 で 1.0、それ以外で 0.0)です",
    )
    by_sigmoid = Text(
        "z1 * (1 - z1) is the sigmoid's derivative; this hidden layer is a ReLU, "
        "whose derivative is 1.0 where z1 > 0 and 0.0 elsewhere",
        "z1 * (1 - z1) はシグモイドの微分です。この隠れ層は ReLU なので、微分は z1 > 0 で 1.0、それ以外で 0.0 です",
    )
    variants: dict[str, list[Variant]] = {}
    for key in KEYS:
        right = expected[key]
        listed = [Variant(right * n, no_mean), Variant(right / n, bias_mean if key.startswith("b") else twice)]
        listed.append(Variant(-right, sign))
        if key in ("W1", "b1"):
            listed += [
                Variant(no_mask[key], relu_mask),
                Variant(times_z1[key], by_z1),
                Variant(sigmoid_mask[key], by_sigmoid),
            ]
        variants[key] = listed
    return variants


def _backward_probe(case: _Case, twin: _Case | None = None) -> Probe:
    """A probe of backward on ``case``, saved as ``result``; first, if given, an attempt on ``twin`` (``twin``)."""
    probe = Probe()
    if twin is not None:
        arrays = [probe.array(value) for value in (twin.x, twin.d, twin.z1, twin.y)]
        network = probe.dict(**{key: probe.array(value) for key, value in twin.network.items()})
        probe.save(probe.attempt("backward", network, *arrays), "twin")
    params = {key: probe.array(value) for key, value in case.network.items()}
    refs = {f"network['{key}']": ref for key, ref in params.items()}
    refs.update(x=probe.array(case.x), d=probe.array(case.d), z1=probe.array(case.z1), y=probe.array(case.y))
    network = probe.dict(**params)
    probe.save(probe.call("backward", network, refs["x"], refs["d"], refs["z1"], refs["y"]), "result")
    for label, ref in refs.items():
        probe.save(ref, f"input:{label}")
    return probe


def _returned_dict(run: ProbeRun) -> tuple[dict[str, np.ndarray | None] | None, list[Text]]:
    got: Output = run.output("result")
    if got.kind == "dict":
        return got.items, []
    if got.kind == "none":
        return None, [
            Text(
                "backward returned None; return the dict {'W1': ..., 'b1': ..., 'W2': ..., 'b2': ...} "
                "(is a `return` missing?)",
                "backward が None を返しました。{'W1': ..., 'b1': ..., 'W2': ..., 'b2': ...} の dict を"
                "返してください(return を忘れていませんか?)",
            )
        ]
    return None, [
        Text(
            f"backward returned a {got.pytype}; expected a dict with keys W1, b1, W2, b2",
            f"backward が {got.pytype} を返しました。キー W1, b1, W2, b2 を持つ dict が期待されます",
        )
    ]


KEY_HINT = Text(
    "name the gradients after their parameters: grads = {'W1': dW1, 'b1': db1, 'W2': dW2, 'b2': db2}",
    "勾配のキーはパラメータと同じ名前にします: grads = {'W1': dW1, 'b1': db1, 'W2': dW2, 'b2': db2}",
)


def _not_numeric(what: str) -> Text:
    return Text(
        f"{what} is not a numeric array (None, or something NumPy can not turn into numbers)",
        f"{what} が数値の配列ではありません(None か、NumPy で数値に変換できない値です)",
    )


def _missing_key(key: str) -> Text:
    return Text(
        f"the returned dict has no key '{key}'",
        f"返した dict にキー '{key}' がありません",
    )


def _shape_lines(key: str, got: np.ndarray | None, shape: tuple[int, ...]) -> tuple[list[Text], Text | None]:
    """What is wrong with the gradient ``key``'s shape, and a hint when one fits."""
    what = f"backward(...)['{key}']"
    if got is None:
        return [_not_numeric(what)], None
    if got.shape == shape:
        return [], None
    lines = [
        Text(
            f"{what} has shape {got.shape}; {key} is {shape}, and its gradient must be too",
            f"{what} の形状が {got.shape} です。{key} の形状は {shape} で、勾配も同じ形状です",
        )
    ]
    layer = key[1]
    below = "x" if layer == "1" else "z1"
    if len(shape) == 2 and got.shape == shape[::-1]:
        return lines, Text(
            f"transposed: d{key} = {below}.T @ du{layer}, which is ({shape[0]}, N) @ (N, {shape[1]})",
            f"転置になっています。d{key} = {below}.T @ du{layer}、つまり ({shape[0]}, N) @ (N, {shape[1]}) です",
        )
    if len(shape) == 1:
        return lines, Text(
            f"d{key} sums du{layer} over the batch axis only: np.sum(du{layer}, axis=0), shape {shape}",
            f"d{key} は du{layer} をバッチ方向だけに足し合わせます: np.sum(du{layer}, axis=0)、形状 {shape}",
        )
    return lines, None


def _shape_check(case: _Case, context: str) -> Check:
    probe = _backward_probe(case)
    originals = {label: value.copy() for label, value in case.inputs().items()}

    def verify(run: ProbeRun) -> Verdict:
        items, lines = _returned_dict(run)
        hint = None
        if items is not None:
            missing = [key for key in KEYS if key not in items]
            extra = [key for key in items if key not in KEYS]
            lines += [_missing_key(key) for key in missing]
            if extra:
                lines.append(
                    Text(
                        f"unexpected keys: {', '.join(extra)}; the keys are exactly W1, b1, W2, b2",
                        f"余分なキーがあります: {', '.join(extra)}。キーはちょうど W1, b1, W2, b2 です",
                    )
                )
            if missing or extra:
                hint = KEY_HINT
            for key in KEYS:
                if key in items:
                    found, key_hint = _shape_lines(key, items[key], case.network[key].shape)
                    lines += found
                    hint = hint or key_hint
        changed = unchanged(run, "backward", originals)
        if changed and not lines:
            hint = _in_place("backward")
        return Verdict.unless(lines + changed, hint)

    return Check(
        "backward: returns W1, b1, W2, b2 in their parameters' shapes, inputs unchanged",
        "backward: W1, b1, W2, b2 をパラメータと同じ形状で返し、入力は変更しない",
        probe,
        verify,
        hint=Text(
            "return {'W1': dW1, 'b1': db1, 'W2': dW2, 'b2': db2}, each gradient of its "
            "parameter's shape; check each product's shapes: dW2 = z1.T @ du2 is (H, N) @ (N, K)",
            "{'W1': dW1, 'b1': db1, 'W2': dW2, 'b2': db2} を返します。各勾配はパラメータと同じ形状です。"
            "積の形状を確かめてください: dW2 = z1.T @ du2 は (H, N) @ (N, K) です",
        ),
        context=context,
    )


def _numerical_line(key: str, got: np.ndarray, numerical: np.ndarray) -> list[Text]:
    """Where ``got`` disagrees most with the central-difference gradient, if it does."""
    if got.shape != numerical.shape:
        return []
    values = np.asarray(got, dtype=np.float64)
    error = np.abs(np.nan_to_num(values - numerical, nan=np.inf))
    worst = np.unravel_index(int(np.argmax(error)), numerical.shape)
    if error[worst] <= 1e-6 + 1e-4 * abs(numerical[worst]):
        return []
    where = "[" + ", ".join(str(int(i)) for i in worst) + "]"
    return [
        Text(
            f"numerical check: changing {key}{where} by ±{NUMERICAL_STEP:g} changes the loss at a rate of "
            f"{numerical[worst]:.8g} (central difference); your d{key}{where} is {values[worst]:.8g}",
            f"数値微分による確認: {key}{where} を ±{NUMERICAL_STEP:g} 動かしたときの損失の変化率は "
            f"{numerical[worst]:.8g}(中心差分)、あなたの d{key}{where} は {values[worst]:.8g}",
        )
    ]


def _gradient_lines(
    items: dict[str, np.ndarray | None], key: str, case: _Case, variants: Sequence[Variant]
) -> tuple[list[Text], Text | None]:
    """How the returned gradient ``key`` differs from the right one, and a pointed hint."""
    if key not in items:
        return [_missing_key(key)], KEY_HINT
    got = items[key]
    what = f"backward(...)['{key}']"
    if got is None:
        return [_not_numeric(what)], None
    lines = close(got, case.expected[key], what=what, rtol=GRADIENT_RTOL, atol=GRADIENT_ATOL)
    if not lines:
        return [], None
    _shape, shape_hint = _shape_lines(key, got, case.network[key].shape)
    lines += _numerical_line(key, got, case.numerical[key])
    variant = matching_variant(got, variants, GRADIENT_RTOL, GRADIENT_ATOL)
    return lines, variant.hint if variant else shape_hint


def _gradient_check(
    key: str, case: _Case, variants: Sequence[Variant], name: str, name_ja: str, hint: Text, context: str
) -> Check:
    def verify(run: ProbeRun) -> Verdict:
        items, lines = _returned_dict(run)
        if items is None:
            return Verdict.fail(lines)
        lines, variant_hint = _gradient_lines(items, key, case, variants)
        return Verdict.unless(lines, variant_hint)

    return Check(name, name_ja, _backward_probe(case), verify, hint=hint, context=context)


def _all_gradients_check(
    case: _Case,
    variants: dict[str, list[Variant]],
    names: tuple[str, str],
    hint: Text,
    context: str | Text,
    not_finite_hint: Text | None = None,
    twin: tuple[_Case, Text] | None = None,
) -> Check:
    """Every gradient of one call of backward: the first wrong one in full, the others by name.

    ``not_finite_hint`` replaces any other hint when a returned gradient holds nan or inf.
    ``twin`` is the same call in another accepted form (one-hot d for labels d) and the
    hint for a mistake both share: backward is tried on it first, and when it is wrong
    too, that hint replaces ``hint`` (which is about this form only), also for an exception.
    """
    originals = {label: value.copy() for label, value in case.inputs().items()}

    def verify(run: ProbeRun) -> Verdict:
        items, lines = _returned_dict(run)
        hint = None
        if items is not None:
            wrong: list[str] = []
            for key in KEYS:
                found, found_hint = _gradient_lines(items, key, case, variants[key])
                if found and not wrong:
                    # the first wrong gradient in full; the others only by name
                    lines += found
                    hint = found_hint
                if found:
                    wrong.append(key)
            if len(wrong) > 1:
                others = ", ".join(wrong[1:])
                lines.append(Text(f"also wrong: {others}", f"ほかに一致しない勾配: {others}"))
            if not_finite_hint is not None and any(_has_nan_or_inf(items.get(key)) for key in wrong):
                hint = not_finite_hint
            if wrong and hint is None and twin is not None and not twin_right(run):
                hint = twin[1]
        changed = unchanged(run, "backward", originals)
        if changed and not lines:
            hint = _in_place("backward")
        return Verdict.unless(lines + changed, hint)

    def twin_right(run: ProbeRun) -> bool:
        if twin is None or "twin" not in run.outputs or run.output("twin").kind != "dict":
            return False
        items = run.output("twin").items
        return all(
            key in items and is_close(items[key], twin[0].expected[key], GRADIENT_RTOL, GRADIENT_ATOL) for key in KEYS
        )

    def diagnose(run: ProbeRun) -> Text | None:
        return hint if twin_right(run) else None

    return Check(
        names[0],
        names[1],
        _backward_probe(case, twin[0] if twin else None),
        verify,
        hint=hint,
        context=context,
        error_diagnosis=diagnose if twin else None,
    )


def _has_nan_or_inf(array: np.ndarray | None) -> bool:
    return array is not None and array.dtype.kind in "fc" and not bool(np.all(np.isfinite(array)))


def _labels_check(case: _Case, one_hot_case: _Case, variants: dict[str, list[Variant]], context: str) -> Check:
    hint = Text(
        "d may be integer labels (N,): turn them into one-hot (np.eye(K)[d]) before "
        "computing du2 = (y - d) / N, or let your d_softmax_with_loss handle both forms",
        "d は整数ラベル (N,) のこともあります。du2 = (y - d) / N の前に one-hot にする"
        "(np.eye(K)[d])か、両方の形に対応した d_softmax_with_loss を使ってください",
    )
    return _all_gradients_check(
        case,
        variants,
        (
            "backward: integer labels d (5,) give the same gradients as one-hot",
            "backward: 整数ラベルの d (5,) でも one-hot と同じ勾配",
        ),
        hint,
        context,
        twin=(
            one_hot_case,
            Text(
                "the same call with d as one-hot rows gives wrong gradients too, so the mistake is not in "
                "reading labels: the one-hot checks of backward show where it is",
                "d を one-hot の行にしても同じく勾配が正しくないので、ラベルの扱いが原因ではありません。"
                "どこが違うかは backward の one-hot のチェックを見てください",
            ),
        ),
    )


def _large_scores_check(network: dict[str, np.ndarray], x: np.ndarray, labels: np.ndarray, chain: Text) -> Check:
    """The network of the other checks with b2 raised by 1000: softmax, and so every gradient, is unchanged.

    A backward that uses the y it is given, or recomputes softmax with the max
    subtracted, passes; one that recomputes exp(u2) as it is gets inf / inf = nan.
    """
    raised = {**network, "b2": network["b2"] + 1000.0}
    case = _case(raised, x, one_hot(labels, 3))
    u2 = case.z1 @ raised["W2"] + raised["b2"]
    shapes = ", ".join(f"{key} {value.shape}" for key, value in raised.items())
    return _all_gradients_check(
        case,
        _variants(case),
        (
            "backward: output scores u2 near 1000 (b2 raised by 1000) give the same, finite gradients",
            "backward: 出力層の入力 u2 が 1000 前後(b2 に 1000 を加算)でも同じ有限の勾配",
        ),
        chain,
        Text(
            f"x (5, 4), d = one_hot({abbreviate(labels)}, 3), z1 (5, 6), y (5, 3); {shapes}; "
            f"u2 = z1 @ W2 + b2 in [{u2.min():.1f}, {u2.max():.1f}]",
            f"x (5, 4), d = one_hot({abbreviate(labels)}, 3), z1 (5, 6), y (5, 3); {shapes}; "
            f"u2 = z1 @ W2 + b2 は [{u2.min():.1f}, {u2.max():.1f}] の範囲",
        ),
        not_finite_hint=Text(
            "a gradient came back with nan or inf: y, the softmax of u2, is an argument of backward, "
            "so use it instead of computing softmax again; if you do recompute it, subtract each row's max "
            "first, because exp(1000) overflows to inf and inf / inf is nan",
            "勾配に nan か inf が含まれています。u2 のソフトマックス y は backward の引数なので、"
            "計算し直さずにそれを使ってください。計算し直すなら先に行ごとの最大値を引きます。"
            "exp(1000) は inf にオーバーフローし、inf / inf は nan になるからです",
        ),
    )


def _bias_network() -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
    """A 4-6-3 network whose b1 changes the sign of 10 of the 30 hidden pre-activations.

    Seed 5984 gives u1 = x @ W1 + b1 at least 0.57 away from ReLU's kink, and
    x @ W1 at least 0.2 away from it, with b1 turning both ways: 8 units
    active without b1 are off with it, and 2 the other way round.
    """
    rng = generator(5984)
    x = rng.normal(size=(5, 4))
    network = {
        "W1": rng.normal(scale=0.8, size=(4, 6)),
        "b1": rng.normal(scale=1.5, size=6),
        "W2": rng.normal(scale=0.5, size=(6, 3)),
        "b2": rng.normal(scale=0.5, size=3),
    }
    return network, x, np.array([1, 0, 2, 1, 2])


def _bias_check(chain: Text) -> Check:
    network, x, labels = _bias_network()
    without_b1 = x @ network["W1"]
    u1 = without_b1 + network["b1"]
    flipped = (without_b1 > 0) != (u1 > 0)
    # the properties the seed was chosen for; a change of NumPy's generator would show here
    if (
        np.abs(u1).min() < 0.5
        or np.abs(without_b1).min() < 0.2
        or (flipped & (u1 > 0)).sum() < 2
        or (flipped & (u1 <= 0)).sum() < 2
    ):
        raise RuntimeError("ex03 checks: b1 of the bias network no longer flips hidden units both ways")
    case = _case(network, x, one_hot(labels, 3))
    variants = _variants(case)
    du1 = ((case.y - case.d) / x.shape[0]) @ network["W2"].T * (without_b1 > 0)
    mask_hint = Text(
        "the ReLU mask ignores b1: it must be taken where u1 = x @ W1 + b1 > 0 (or z1 > 0, the same), "
        "not where x @ W1 > 0; here b1 changes the sign of 10 of the 30 hidden units",
        "ReLU のマスクに b1 が入っていません。マスクは x @ W1 > 0 ではなく u1 = x @ W1 + b1 > 0"
        "(z1 > 0 と同じ)のところです。ここでは b1 によって 30 個中 10 個の隠れユニットの符号が変わります",
    )
    variants["W1"].insert(0, Variant(x.T @ du1, mask_hint))
    variants["b1"].insert(0, Variant(du1.sum(axis=0), mask_hint))
    shapes = ", ".join(f"{key} {value.shape}" for key, value in network.items())
    return _all_gradients_check(
        case,
        variants,
        (
            "backward: the ReLU mask is u1 = x @ W1 + b1 > 0, where b1 flips units on and off",
            "backward: ReLU のマスクは u1 = x @ W1 + b1 > 0(b1 で符号が変わるユニットあり)",
        ),
        chain,
        Text(
            f"x (5, 4), d = one_hot({abbreviate(labels)}, 3), z1 (5, 6), y (5, 3); {shapes}; "
            f"b1 changes the sign of {int(flipped.sum())} of the {flipped.size} entries of x @ W1",
            f"x (5, 4), d = one_hot({abbreviate(labels)}, 3), z1 (5, 6), y (5, 3); {shapes}; "
            f"b1 で x @ W1 の {flipped.size} 個の要素のうち {int(flipped.sum())} 個の符号が変わる",
        ),
    )


def _backward_checks() -> list[Check]:
    network, x, labels = _network()
    u1, _z1, _y = _forward(network, x)
    # the properties the seed was chosen for; a change of NumPy's generator would show here
    if np.abs(u1).min() < 0.5 or (u1 > 0).all(axis=0).any() or (u1 <= 0).all(axis=0).any():
        raise RuntimeError("ex03 checks: the backward network's u1 lost its sign pattern")
    one_hot_case = _case(network, x, one_hot(labels, 3))
    labels_case = _case(network, x, labels)
    variants = _variants(one_hot_case)
    shapes = ", ".join(f"{key} {value.shape}" for key, value in network.items())
    context = f"x (5, 4), d = one_hot({abbreviate(labels)}, 3), z1 (5, 6), y (5, 3); {shapes}; |u1| >= 0.5"
    chain = Text(
        "du2 = (y - d) / N; dW2 = z1.T @ du2; db2 = np.sum(du2, axis=0); "
        "du1 = (du2 @ W2.T) * (z1 > 0); dW1 = x.T @ du1; db1 = np.sum(du1, axis=0)",
        "du2 = (y - d) / N、dW2 = z1.T @ du2、db2 = np.sum(du2, axis=0)、"
        "du1 = (du2 @ W2.T) * (z1 > 0)、dW1 = x.T @ du1、db1 = np.sum(du1, axis=0) です",
    )
    return [
        _shape_check(one_hot_case, context),
        _gradient_check(
            "W2",
            one_hot_case,
            variants["W2"],
            "backward: dW2 = z1.T @ du2 for one-hot d, batch of 5",
            "backward: one-hot の d、5 件のバッチで dW2 = z1.T @ du2",
            chain,
            context,
        ),
        _gradient_check(
            "b2",
            one_hot_case,
            variants["b2"],
            "backward: db2 is du2 summed over the batch",
            "backward: db2 は du2 のバッチ方向の和",
            chain,
            context,
        ),
        _gradient_check(
            "W1",
            one_hot_case,
            variants["W1"],
            "backward: dW1 through the ReLU mask",
            "backward: ReLU のマスクを通した dW1",
            chain,
            context,
        ),
        _gradient_check(
            "b1",
            one_hot_case,
            variants["b1"],
            "backward: db1 through the ReLU mask, summed over the batch",
            "backward: ReLU のマスクを通し、バッチ方向に和をとった db1",
            chain,
            context,
        ),
        _labels_check(
            labels_case,
            one_hot_case,
            variants,
            context.replace(f"one_hot({abbreviate(labels)}, 3)", abbreviate(labels)),
        ),
        _bias_check(chain),
        _large_scores_check(network, x, labels, chain),
    ]


def build_checks() -> list[Check]:
    """Every check of exercise 3."""
    return [
        *_d_sigmoid_checks(),
        *_d_relu_checks(),
        *_d_softmax_checks(),
        *_d_mse_checks(),
        *_backward_checks(),
    ]
