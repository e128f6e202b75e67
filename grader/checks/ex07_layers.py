"""Checks for exercise 7: layers with forward and backward.

Relu, Sigmoid, Affine, SoftmaxWithLoss and BatchNormalization are each one
``Layer`` row of the layer-check engine (``grader.checks.layers``): a forward
check against the reference on inputs that expose the classic mistakes (a 4-D
x and a non-zero bias for Affine, N != K for SoftmaxWithLoss, features of
different means and scales for BatchNormalization), a gradient check (float64
inputs kept at least 0.1 away from ReLU's kink, several shapes, batch size 1
included, a random ``dout``, every gradient; backward against the learner's
own forward and against the reference, reported separately) and a hygiene
check (linear in ``dout``, repeatable, ``dout``, the inputs and the parameters
left unchanged).

Dropout's masks are random (np.random's global functions or the learner's own
generator: both are fine, and no exact mask is required), so it is checked by
properties that hold for every mask: about ``dropout_ratio`` of the units are
dropped (5 standard deviations of the binomial count), the kept ones all scaled
by one factor (1, the book, or 1 / (1 - ratio), inverted dropout), backward
zero exactly where forward dropped, and test mode consistent with the
convention the training output shows.

BatchNormalization's eps is not fixed by the contract (1e-7 to 1e-5, inside or
outside the square root): its inputs have a per-feature batch variance between
1 and 3, where eps moves no output by more than 1e-5 relatively and no element
of dx by more than 2e-4 of the largest, and the row's slack (3e-4) sits above
that and far below every mistake looked for.
``running_var`` may be updated with the biased batch variance (the book and
the stub's docstring) or the unbiased one (PyTorch's convention, N / (N - 1)
times larger): both are accepted when used consistently, because the contract
in EXERCISES.md does not fix it and a network trains equally well with either.
The variance that normalises the batch in training must be the biased one.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from grader.checks.common import generator
from grader.checks.layers import (
    IN_PLACE_DOUT,
    IN_PLACE_INPUT,
    LINEAR_RTOL,
    NOT_LINEAR,
    Attribute,
    Case,
    Cases,
    Hygiene,
    Input,
    Known,
    Layer,
    Param,
    layer_checks,
)
from grader.checks.verdicts import (
    Variant,
    close,
    is_close,
    join_hints,
    matching_variant,
    same_shape,
    unchanged,
    value_of,
)
from grader.grading.engine import Check
from grader.grading.results import Verdict
from grader.sandbox.client import Probe, ProbeRun
from grader.text import Text, plain
from reference import Affine, BatchNormalization, Relu, Sigmoid, SoftmaxWithLoss, softmax

# BatchNormalization: eps (1e-7 .. 1e-5, inside or outside the sqrt) moves out by < 1e-5 relatively,
# and dx, through its cancellations, by up to 2e-4 of its largest element (2000 random inputs of these shapes)
BN_SLACK = 3e-4
# SoftmaxWithLoss: the 1e-7 inside the log moves the loss by < 2e-6 (every y_t >= 0.05 here)
LOSS_SLACK = 2e-5
DROPOUT_RATIO = 0.3
# allowed deviation of the dropped fraction, in binomial standard deviations
SIGMAS = 5.0


def _away_from_zero(
    rng: np.random.Generator, shape: tuple[int, ...], low: float = 0.1, high: float = 3.0
) -> np.ndarray:
    """Values of both signs with |value| in [low, high]: ReLU's kink and dropped units stay apart."""
    return rng.uniform(low, high, size=shape) * rng.choice([-1.0, 1.0], size=shape)


def _feature_batch(rng: np.random.Generator, n: int, d: int) -> np.ndarray:
    """(n, d) with per-feature means far apart and batch variances in [1, 3] exactly.

    With a variance of at least 1, eps (1e-7 .. 1e-5) changes nothing beyond 1e-5.
    """
    z = rng.normal(size=(n, d))
    z = z - z.mean(axis=0)
    z = z / np.sqrt(np.mean(z**2, axis=0))
    scale = np.sqrt(rng.uniform(1.0, 3.0, size=d))
    means = rng.uniform(-4.0, 6.0, size=d)
    return means + scale * z


def _scale(expected: np.ndarray) -> float:
    return float(np.max(np.abs(expected))) if np.size(expected) else 1.0


# ----------------------------------------------------------------- Relu and Sigmoid


RELU_ZERO = Text(
    "at x == 0 exactly the gradient is 0 (d_relu(0) = 0, as in exercise 3): the mask is x <= 0, so an input "
    "of 0 blocks dout; a mask of x < 0 lets it through",
    "x == 0 ちょうどの位置の勾配は 0 です(課題 3 と同じく d_relu(0) = 0)。マスクは x <= 0 なので、入力が 0 の位置も"
    "dout を通しません。x < 0 のマスクだと通してしまいます",
)


def _relu_mistakes(case: Case) -> list[Known]:
    if not isinstance(case.dout, np.ndarray):
        return []
    x, dout = case.values["x"], case.dout
    kink = [Known("dx", dout * (x >= 0), RELU_ZERO)] if np.any(x == 0) else []
    return [
        *kink,
        Known(
            "dx",
            dout,
            Text(
                "dx is dout unchanged: the mask saved in forward (where x <= 0) must zero those entries",
                "dx が dout のままです。forward で保存したマスク(x <= 0 の位置)で、その要素を 0 にしてください",
            ),
        ),
        Known(
            "dx",
            dout * (dout > 0),
            Text(
                "the mask was computed from dout (dout > 0); it must come from forward's x: "
                "the gradient passes where the *input* was positive, whatever dout's sign",
                "マスクを dout から(dout > 0)作っています。マスクは forward の x から作ります。"
                "dout の符号に関係なく、*入力*が正だった位置で勾配が通ります",
            ),
        ),
        Known(
            "dx",
            dout * (x <= 0),
            Text(
                "the mask is inverted: the gradient passes where x > 0 and is 0 where x <= 0",
                "マスクが逆です。x > 0 の位置で勾配が通り、x <= 0 の位置で 0 になります",
            ),
        ),
    ]


def _activation_cases(rng: np.random.Generator, shapes: Sequence[tuple[int, ...]], relu: bool) -> tuple[Case, ...]:
    cases = []
    for number, shape in enumerate(shapes):
        x = _away_from_zero(rng, shape, 0.1, 3.0) if relu else rng.uniform(-4, 4, size=shape)
        dout = rng.normal(size=shape)
        cases.append(Case(plain(f"x {shape}"), {"x": x}, dout, hygiene=number == len(shapes) - 1))
    return tuple(cases)


def _relu_kink_case() -> Case:
    rng = generator(703)
    x = _away_from_zero(rng, (3, 4))
    x[[0, 0, 1, 2, 2], [1, 3, 0, 2, 3]] = 0.0
    return Case(plain("x (3, 4) with zeros"), {"x": x}, rng.normal(size=x.shape), consistency=False)


def _relu() -> Layer:
    rng = generator(701)
    forward_cases = []
    for shape in [(3, 5), (1, 6), (2, 3, 2, 2)]:
        x = _away_from_zero(rng, shape)
        if shape == (3, 5):
            x[1, 2] = 0.0
        forward_cases.append(Case(plain(f"x {shape}"), {"x": x}))
    return Layer(
        name="Relu",
        constructor=(),
        reference=Relu,
        mistakes=_relu_mistakes,
        forward=(
            Cases(
                Text(
                    "Relu: forward is max(0, x) for batch sizes 3 and 1 and a 4-D x, x unchanged",
                    "Relu: バッチサイズ 3・1 と 4 次元の x で forward が max(0, x)、x は変更しない",
                ),
                Text(
                    "x (3, 5) with a 0, x (1, 6), x (2, 3, 2, 2); |x| >= 0.1 elsewhere",
                    "0 を含む x (3, 5)、x (1, 6)、x (2, 3, 2, 2)。それ以外は |x| >= 0.1",
                ),
                tuple(forward_cases),
            ),
        ),
        gradient=(
            Cases(
                Text(
                    "Relu: backward passes dout where x > 0 (gradient check)",
                    "Relu: backward は x > 0 の位置だけ dout を通す(勾配確認)",
                ),
                Text(
                    "x (1, 6) and (2, 3, 2, 2), |x| >= 0.1 (away from the kink), random dout",
                    "x (1, 6) と (2, 3, 2, 2)、|x| >= 0.1(折れ目から離す)、dout はランダム",
                ),
                _activation_cases(generator(702), [(1, 6), (2, 3, 2, 2)], relu=True),
            ),
            Cases(
                Text(
                    "Relu: backward gives 0 where x == 0 exactly (the mask is x <= 0)",
                    "Relu: x == 0 ちょうどの位置では backward が 0 を返す(マスクは x <= 0)",
                ),
                Text(
                    "x (3, 4) with 5 entries exactly 0, random dout; compared with the correct gradient only "
                    "(at the kink a numerical gradient is one-sided)",
                    "5 個の要素がちょうど 0 の x (3, 4)、ランダムな dout。正しい勾配とだけ比較"
                    "(折れ目では数値微分が片側になるため)",
                ),
                (_relu_kink_case(),),
                RELU_ZERO,
            ),
        ),
        hygiene=Hygiene(Text("x (2, 3, 2, 2), random dout", "x (2, 3, 2, 2)、ランダムな dout")),
        forward_hint=Text(
            "out = x.copy(), then out[self.mask] = 0 with self.mask = (x <= 0); or np.maximum(0, x)",
            "out = x.copy() のあと self.mask = (x <= 0) で out[self.mask] = 0、または np.maximum(0, x) です",
        ),
        backward_hint=Text(
            "dx = dout where the forward input was positive, 0 elsewhere: keep the mask from forward",
            "forward の入力が正だった位置で dx = dout、それ以外は 0 です。forward のマスクを使ってください",
        ),
    )


def _sigmoid_mistakes(case: Case) -> list[Known]:
    x = case.values["x"]
    found = [
        Known(
            "out",
            1 / (1 + np.exp(x)),
            Text("the sign in the exponent is flipped: exp(-x)", "指数の符号が逆です。exp(-x) です"),
        )
    ]
    if not isinstance(case.dout, np.ndarray):
        return found
    out = Sigmoid().forward(x)
    return [
        *found,
        Known(
            "dx",
            case.dout * x * (1 - x),
            Text(
                "you used x * (1 - x): the derivative is out * (1 - out), with out = sigmoid(x), "
                "the output saved in forward",
                "x * (1 - x) になっています。微分は out * (1 - out) で、out = sigmoid(x) は forward で保存した出力です",
            ),
        ),
        Known(
            "dx",
            out * (1 - out),
            Text(
                "dx ignores dout: the chain rule multiplies the local derivative by dout",
                "dx が dout を使っていません。連鎖律では局所的な微分に dout を掛けます",
            ),
        ),
    ]


def _sigmoid() -> Layer:
    rng = generator(711)
    shapes = [(3, 4), (1, 5), (2, 3, 2)]
    forward_cases = tuple(Case(plain(f"x {shape}"), {"x": rng.uniform(-6, 6, size=shape)}) for shape in shapes)
    return Layer(
        name="Sigmoid",
        constructor=(),
        reference=Sigmoid,
        mistakes=_sigmoid_mistakes,
        forward=(
            Cases(
                Text("Sigmoid: forward is 1 / (1 + exp(-x))", "Sigmoid: forward が 1 / (1 + exp(-x))"),
                Text("x (3, 4), (1, 5), (2, 3, 2) in [-6, 6]", "x (3, 4)、(1, 5)、(2, 3, 2)、値は [-6, 6]"),
                forward_cases,
            ),
        ),
        gradient=(
            Cases(
                Text(
                    "Sigmoid: backward is dout * out * (1 - out) (gradient check)",
                    "Sigmoid: backward が dout * out * (1 - out)(勾配確認)",
                ),
                Text(
                    "x (1, 5) and (3, 4) in [-4, 4], random dout", "x (1, 5) と (3, 4)、値は [-4, 4]、dout はランダム"
                ),
                _activation_cases(generator(712), [(1, 5), (3, 4)], relu=False),
            ),
        ),
        hygiene=Hygiene(Text("x (3, 4), random dout", "x (3, 4)、ランダムな dout")),
        forward_hint=Text(
            "out = 1 / (1 + np.exp(-x)); keep it in self.out for backward",
            "out = 1 / (1 + np.exp(-x)) です。backward のために self.out に保存します",
        ),
        backward_hint=Text(
            "dx = dout * out * (1 - out), with out the output saved in forward",
            "dx = dout * out * (1 - out) です。out は forward で保存した出力です",
        ),
    )


# ----------------------------------------------------------------- Affine


def _affine_case(rng: np.random.Generator, x_shape: tuple[int, ...], m: int, hygiene: bool = False) -> Case:
    n = x_shape[0]
    d = int(np.prod(x_shape[1:]))
    x = rng.normal(size=x_shape)
    W = rng.normal(size=(d, m)) / np.sqrt(d)
    b = rng.uniform(0.5, 2.0, size=m) * rng.choice([-1.0, 1.0], size=m)
    dout = rng.normal(size=(n, m))
    return Case(plain(f"x {x.shape}, W {W.shape}, b {b.shape}"), {"W": W, "b": b, "x": x}, dout, hygiene)


NOT_SUMMED = Text(
    "db must be summed over the batch axis: db = np.sum(dout, axis=0), shape (M,)",
    "db はバッチ方向に和をとります: db = np.sum(dout, axis=0)、形状 (M,)",
)


def _affine_mistakes(case: Case) -> list[Known]:
    x, W = case.values["x"], case.values["W"]
    flat = x.reshape(x.shape[0], -1)
    found = [
        Known("out", flat @ W, Text("the bias is missing: out = x @ W + b", "バイアスが抜けています: out = x @ W + b"))
    ]
    if not isinstance(case.dout, np.ndarray):
        return found
    dout = case.dout
    found += [
        Known(
            "dx",
            dout @ W.T,
            Text(
                "dx must have the shape of the x forward received: remember x.shape in forward and "
                "return dx.reshape(self.original_x_shape)",
                "dx は forward が受け取った x と同じ形状にします。forward で x.shape を覚えておき、"
                "dx.reshape(self.original_x_shape) を返してください",
            ),
        ),
        Known(
            "dW",
            dout.T @ flat,
            Text(
                "dW is transposed: dW = x.T @ dout has W's shape (D, M); dout.T @ x gives (M, D)",
                "dW が転置になっています。dW = x.T @ dout は W と同じ形状 (D, M) です。"
                "dout.T @ x では (M, D) になります",
            ),
        ),
        Known("db", dout, NOT_SUMMED),
        Known(
            "db",
            dout.mean(axis=0),
            Text(
                "db is a sum over the batch, not a mean: b is added to every sample, so every sample's "
                "dout adds to db (the 1/N of the mean loss is already in dout)",
                "db はバッチ方向の平均ではなく和です。b はすべてのサンプルに足されるので、各サンプルの dout が"
                "db に加わります(損失の平均の 1/N はすでに dout に入っています)",
            ),
        ),
        Known("db", np.array(dout.sum()), NOT_SUMMED),
        Known("db", dout.sum(axis=1), NOT_SUMMED),
    ]
    if x.ndim > 2:
        found.append(
            Known(
                "dW",
                np.dot(x.T, dout),
                Text(
                    "dW was computed from the original 4-D x: use the flattened (N, D) x saved in forward, "
                    "dW = self.x.T @ dout",
                    "dW を元の 4 次元の x から計算しています。forward で保存した (N, D) に平らにした x を使い、"
                    "dW = self.x.T @ dout としてください",
                ),
            )
        )
    return found


def _affine() -> Layer:
    rng = generator(721)
    image = _affine_case(rng, (3, 2, 3, 2), 5, hygiene=True)
    single = _affine_case(rng, (1, 4), 3)
    return Layer(
        name="Affine",
        constructor=("W", "b"),
        reference=Affine,
        params=(Param("W", "dW", Attribute("dW")), Param("b", "db", Attribute("db"))),
        mistakes=_affine_mistakes,
        forward=(
            Cases(
                Text(
                    "Affine: forward flattens a 4-D x to (N, -1) and adds the bias",
                    "Affine: forward は 4 次元の x を (N, -1) に平らにしてバイアスを足す",
                ),
                Text(
                    "x (3, 2, 3, 2) -> (3, 12), W (12, 5), b (5,) non-zero; x (1, 4), W (4, 3), b (3,)",
                    "x (3, 2, 3, 2) -> (3, 12)、W (12, 5)、0 でない b (5,)。x (1, 4)、W (4, 3)、b (3,)",
                ),
                (Case(image.label, image.values), Case(single.label, single.values)),
            ),
        ),
        gradient=(
            Cases(
                Text(
                    "Affine: backward gives dx in x's 4-D shape, dW and db (gradient check)",
                    "Affine: backward が x と同じ 4 次元の形状の dx、dW、db を求める(勾配確認)",
                ),
                Text(
                    "x (3, 2, 3, 2) with W (12, 5), b (5,); x (1, 4) with W (4, 3), b (3,); random dout",
                    "x (3, 2, 3, 2) と W (12, 5)、b (5,)。x (1, 4) と W (4, 3)、b (3,)。dout はランダム",
                ),
                (image, single),
            ),
        ),
        hygiene=Hygiene(
            Text(
                "x (3, 2, 3, 2), W (12, 5), b (5,), random dout (3, 5)",
                "x (3, 2, 3, 2)、W (12, 5)、b (5,)、ランダムな dout (3, 5)",
            )
        ),
        forward_hint=Text(
            "flatten each sample first, x.reshape(x.shape[0], -1), then x @ W + b",
            "まず各サンプルを x.reshape(x.shape[0], -1) で平らにし、x @ W + b を計算します",
        ),
        backward_hint=Text(
            "dx = (dout @ W.T).reshape(original x shape), dW = x_flat.T @ dout, db = np.sum(dout, axis=0)",
            "dx = (dout @ W.T).reshape(元の x の形状)、dW = x_flat.T @ dout、db = np.sum(dout, axis=0) です",
        ),
    )


# ----------------------------------------------------------------- SoftmaxWithLoss


def _scores(rng: np.random.Generator, n: int, k: int, labels: np.ndarray) -> np.ndarray:
    """Scores whose softmax gives every true class at least 0.05 (the 1e-7 in the log stays invisible)."""
    while True:
        x = rng.normal(size=(n, k)) * 1.2
        y = softmax(x)
        if np.all(y[np.arange(n), labels] >= 0.05):
            return x


def _swl_cases() -> tuple[Case, ...]:
    """Labels N=4 K=3, one-hot N=4 K=3, labels N=1 K=5."""
    rng = generator(731)
    labels_a = np.array([2, 0, 1, 1])
    labels_b = np.array([1, 2, 2, 0])
    labels_c = np.array([3])
    x_a = _scores(rng, 4, 3, labels_a)
    x_b = _scores(rng, 4, 3, labels_b)
    x_c = _scores(rng, 1, 5, labels_c)
    return (
        Case(Text("x (4, 3), t labels (4,)", "x (4, 3)、t はラベル (4,)"), {"x": x_a, "t": labels_a}, hygiene=True),
        Case(Text("x (4, 3), t one-hot (4, 3)", "x (4, 3)、t は one-hot (4, 3)"), {"x": x_b, "t": np.eye(3)[labels_b]}),
        Case(Text("x (1, 5), t labels (1,)", "x (1, 5)、t はラベル (1,)"), {"x": x_c, "t": labels_c}),
    )


SWAPPED_HINT = Text(
    "the arguments of cross_entropy_error are swapped: exercise 2's loss takes the teacher "
    "data first, cross_entropy_error(t, y) (the book writes (y, t))",
    "cross_entropy_error の引数が逆です。課題 2 の損失関数は教師データが先で "
    "cross_entropy_error(t, y) です(教科書は (y, t) の順です)",
)


def _swl_mistakes(case: Case) -> list[Known]:
    x, t = case.values["x"], case.values["t"]
    n, k = x.shape
    y = softmax(x)
    labels = t.argmax(axis=1) if t.ndim == 2 else t
    onehot = np.eye(k)[labels]
    loss = SoftmaxWithLoss().forward(x, t)
    columns = y.copy()
    columns[:, labels] -= 1.0
    found = [
        Known(
            "out",
            np.array(loss * n),
            Text(
                "the loss is the sum over the batch; the contract asks for the mean: divide by N",
                "損失がバッチの和になっています。課題はミニバッチの平均です。N で割ってください",
            ),
        ),
        Known(
            "dx",
            y - onehot,
            Text(
                "dx is not divided by the batch size: the loss is a batch mean, so dx = (y - t) / N",
                "dx がバッチサイズで割られていません。損失はミニバッチの平均なので dx = (y - t) / N です",
            ),
        ),
        Known(
            "dx",
            columns / n,
            Text(
                "with labels, dx[:, t] -= 1 subtracts from whole columns; subtract 1 once per row, "
                "at the true class: dx[np.arange(N), t] -= 1",
                "ラベルのとき dx[:, t] -= 1 は列全体から引いてしまいます。各行の正解クラスの位置で 1 回だけ"
                "引きます: dx[np.arange(N), t] -= 1",
            ),
        ),
        Known(
            "dx",
            (y - onehot) / k,
            Text(
                "dx was divided by the number of classes K; divide by the batch size N = x.shape[0]",
                "dx をクラス数 K で割っています。バッチサイズ N = x.shape[0] で割ってください",
            ),
        ),
    ]
    if t.ndim == 2:
        swapped = _swapped_loss(x, t)
        found.append(
            Known("out", np.array(swapped), SWAPPED_HINT),
        )
    return found


def _swapped_loss(x: np.ndarray, t: np.ndarray) -> float:
    """What forward returns for one-hot t when it calls exercise 2's loss as cross_entropy_error(y, t)."""
    with np.errstate(all="ignore"):
        return float(-np.sum(softmax(x) * np.log(t + 1e-7)) / x.shape[0])


def _swap_diagnosis(check: Check) -> Check:
    """``check`` whose probe first attempts forward with one-hot t, and names swapped arguments when it raised.

    cross_entropy_error(y, t) runs for one-hot t (the one-hot check names it), but
    with labels it raises, so the checks that pass labels would only show the
    exception: a guarded forward on the one-hot case, made before their own
    calls, tells whether the swap is the cause.
    """
    case = next(case for case in _swl_cases() if case.values["t"].ndim == 2)
    x, t = case.values["x"], case.values["t"]
    swapped = _swapped_loss(x, t)
    attempts = Probe(names="swap_")
    layer = attempts.attempt("SoftmaxWithLoss")
    attempts.save(attempts.attempt_method(layer, "forward", x, t), "swap:one-hot")
    earlier = check.error_diagnosis

    def diagnose(run: ProbeRun) -> Text | None:
        if is_close(run.output("swap:one-hot"), swapped, LOSS_SLACK, LOSS_SLACK * abs(swapped)):
            return SWAPPED_HINT
        return earlier(run) if earlier is not None else None

    return replace(check, probe=attempts.then(check.probe), error_diagnosis=diagnose)


def _swl_checks() -> list[Check]:
    """The SoftmaxWithLoss row's checks; those that pass labels also name swapped arguments when they raise."""
    checks = layer_checks(_softmax_with_loss())
    one_hot = _softmax_with_loss().forward[1].name.en
    return [check if check.name == one_hot else _swap_diagnosis(check) for check in checks]


def _softmax_with_loss() -> Layer:
    cases = _swl_cases()
    return Layer(
        name="SoftmaxWithLoss",
        constructor=(),
        reference=SoftmaxWithLoss,
        inputs=(Input("x", "dx"), Input("t")),
        mistakes=_swl_mistakes,
        slack=LOSS_SLACK,
        forward=(
            Cases(
                Text(
                    "SoftmaxWithLoss: forward returns the batch-mean loss for labels t",
                    "SoftmaxWithLoss: t がラベルのとき forward がミニバッチ平均の損失を返す",
                ),
                Text(
                    "x (4, 3) with t labels (4,); x (1, 5) with t labels (1,)",
                    "x (4, 3) と t ラベル (4,)、x (1, 5) と t ラベル (1,)",
                ),
                tuple(Case(case.label, case.values) for case in cases if case.values["t"].ndim == 1),
            ),
            # a check of its own: a forward that raises for labels (exercise 2's loss with swapped
            # arguments) still shows what it computes for one-hot t
            Cases(
                Text(
                    "SoftmaxWithLoss: forward returns the batch-mean loss for one-hot t",
                    "SoftmaxWithLoss: t が one-hot のとき forward がミニバッチ平均の損失を返す",
                ),
                Text("x (4, 3) with t one-hot (4, 3)", "x (4, 3) と t one-hot (4, 3)"),
                tuple(Case(case.label, case.values) for case in cases if case.values["t"].ndim == 2),
            ),
        ),
        gradient=(
            Cases(
                Text(
                    "SoftmaxWithLoss: backward() returns (y - t) / N for labels and one-hot t (gradient check)",
                    "SoftmaxWithLoss: t がラベルでも one-hot でも backward() が (y - t) / N を返す(勾配確認)",
                ),
                Text(
                    "as in the forward check; L = loss (backward's default dout = 1)",
                    "forward のチェックと同じ入力。L = loss(backward の既定値 dout = 1)",
                ),
                cases,
            ),
        ),
        hygiene=Hygiene(
            Text("x (4, 3), t labels (4,)", "x (4, 3)、t はラベル (4,)"),
            name=Text(
                "SoftmaxWithLoss: backward(2.0) doubles dx, a second backward() gives the same, x and t unchanged",
                "SoftmaxWithLoss: backward(2.0) で dx が 2 倍、backward() を 2 回呼んでも同じ、x と t は変更しない",
            ),
        ),
        forward_hint=Text(
            "self.y = softmax(x), then the mean over the batch of -log(y of the true class + 1e-7); "
            "exercise 2's cross_entropy_error(t, self.y) does exactly that",
            "self.y = softmax(x) のあと、正解クラスの -log(y + 1e-7) のミニバッチ平均です。"
            "課題 2 の cross_entropy_error(t, self.y) がちょうどそれです",
        ),
        backward_hint=Text(
            "dx = (y - onehot(t)) / N with y saved in forward; with labels, dx = y.copy() and "
            "dx[np.arange(N), t] -= 1, then divide by N",
            "forward で保存した y を使い dx = (y - onehot(t)) / N です。ラベルなら dx = y.copy() のあと "
            "dx[np.arange(N), t] -= 1 とし、N で割ります",
        ),
        linear_hint=Text(
            "multiply by dout: dx = dout * (y - t) / N. The book's version ignores dout because it "
            "is 1 at the end of a network, but the contract's backward(dout=1) must scale with it",
            "dout を掛けてください: dx = dout * (y - t) / N。教科書の実装はネットワークの最後で dout が 1 なので"
            "無視していますが、課題の backward(dout=1) は dout に比例する必要があります",
        ),
    )


# ----------------------------------------------------------------- Dropout


def _dropout_input(seed: int) -> np.ndarray:
    return _away_from_zero(generator(seed), (40, 50), 0.1, 2.0)


def _binomial_limit(ratio: float, count: int) -> float:
    return SIGMAS * np.sqrt(ratio * (1 - ratio) / count)


def _median(values: np.ndarray) -> float:
    """``np.median`` of ``values`` (NaN if one is NaN), without the NumPy masked-array import it costs (~14 ms)."""
    ordered = np.sort(values, axis=None)
    if ordered.size == 0 or np.isnan(ordered[-1]):
        return math.nan
    middle = ordered.size // 2
    if ordered.size % 2:
        return float(ordered[middle])
    return float((ordered[middle - 1] + ordered[middle]) / 2)


def _kept_scale(out: np.ndarray, x: np.ndarray) -> tuple[float | None, Text | None]:
    """The one factor kept units are multiplied by, or why there is none."""
    kept = out != 0
    if not kept.any():
        return None, Text("every unit was dropped", "すべてのユニットが消去されました")
    factors = out[kept] / x[kept]
    scale = _median(factors)
    if np.max(np.abs(factors - scale)) > 1e-9 * max(abs(scale), 1.0):
        return None, Text(
            f"the kept units are not all multiplied by one factor: out / x ranges from "
            f"{factors.min():.6g} to {factors.max():.6g}",
            f"残したユニットが同じ倍率になっていません: out / x が {factors.min():.6g} から {factors.max():.6g} まで"
            "ばらついています",
        )
    return scale, None


def _convention(scale: float | None, ratio: float) -> str | None:
    if scale is None:
        return None
    if abs(scale - 1.0) <= 1e-9:
        return "book"
    if abs(scale - 1.0 / (1.0 - ratio)) <= 1e-9 * scale:
        return "inverted"
    return None


def _arrays(run: ProbeRun, calls: Sequence[tuple[str, str]], shape: tuple[int, ...]) -> tuple[dict, list[Text]]:
    """The outputs ``name`` (called ``what`` in messages) as float64 arrays of ``shape``, or why one is not."""
    arrays = {}
    for name, what in calls:
        array, problems = value_of(run.output(name), what)
        if array is None:
            return {}, problems
        problems = same_shape(array, shape, what)
        if problems:
            return {}, problems
        arrays[name] = array.astype(np.float64)
    return arrays, []


def _fraction_problem(out: np.ndarray, wanted: float, call: Text) -> tuple[list[Text], Text | None]:
    """Whether about ``wanted`` of the units were dropped, and the likely mistake when not."""
    dropped = float(np.mean(out == 0))
    limit = _binomial_limit(wanted, out.size)
    if abs(dropped - wanted) <= limit:
        return [], None
    line = Text(
        f"{call.en} dropped {dropped:.1%} of the {out.size} units; expected about {wanted:.0%} "
        f"(within {limit:.1%}: {SIGMAS:g} standard deviations of the count)",
        f"{call.ja} は {out.size} 個のうち {dropped:.1%} を消去しました。約 {wanted:.0%} のはずです"
        f"(許容 {limit:.1%}: 個数の標準偏差の {SIGMAS:g} 倍)",
    )
    if abs(dropped - (1 - wanted)) <= limit:
        return [line], Text(
            "the comparison is reversed: mask = np.random.rand(*x.shape) > dropout_ratio keeps a unit "
            "with probability 1 - dropout_ratio",
            "比較が逆です。mask = np.random.rand(*x.shape) > dropout_ratio なら、各ユニットは"
            "確率 1 - dropout_ratio で残ります",
        )
    if abs(dropped - 0.5) <= _binomial_limit(0.5, out.size) and wanted != 0.5:
        return [line], Text(
            "dropout_ratio given to the constructor was not used (0.5 instead?): keep it as self.dropout_ratio",
            "コンストラクタに渡した dropout_ratio が使われていません(0.5 のまま?)。self.dropout_ratio に保存して"
            "使ってください",
        )
    return [line], None


def _scale_problem(out: np.ndarray, x: np.ndarray, ratio: float) -> tuple[list[Text], Text | None]:
    """Whether the kept units are scaled by 1 or 1 / (1 - ratio)."""
    scale, problem = _kept_scale(out, x)
    if problem is not None:
        return [problem], None
    if _convention(scale, ratio) is not None:
        return [], None
    line = Text(
        f"the kept units are multiplied by {scale:.6g}; expected 1 (the book: scale at test time) or "
        f"1 / (1 - dropout_ratio) = {1 / (1 - ratio):.6g} (inverted dropout: scale in training)",
        f"残したユニットが {scale:.6g} 倍されています。1(教科書: テスト時に調整)か "
        f"1 / (1 - dropout_ratio) = {1 / (1 - ratio):.6g}(inverted dropout: 学習時に調整)のはずです",
    )
    if scale is not None and abs(scale - (1 - ratio)) < 1e-9:
        return [line], Text(
            "multiplying by (1 - dropout_ratio) belongs to test mode (book convention); "
            "in training the kept units pass unchanged",
            "(1 - dropout_ratio) を掛けるのはテスト時です(教科書の方式)。学習時は残したユニットをそのまま通します",
        )
    return [line], None


def _dropout_forward_check() -> Check:
    x = _dropout_input(741)
    ratio = DROPOUT_RATIO
    probe = Probe()
    probe.seed(741)
    x_ref = probe.array(x)
    layer = probe.new("Dropout", ratio)
    probe.save(probe.method(layer, "forward", x_ref, True), "first")
    probe.save(probe.method(layer, "forward", x_ref, True), "second")
    default = probe.new("Dropout")
    # dropout_ratio and train_flg left to their defaults, 0.5 and True
    probe.save(probe.method(default, "forward", x_ref), "default")
    probe.save(x_ref, "input:x")
    calls = (
        ("first", ratio, plain(f"Dropout({ratio}).forward(x, True)")),
        (
            "second",
            ratio,
            Text(
                f"Dropout({ratio}).forward(x, True), called a second time,",
                f"2 回目の Dropout({ratio}).forward(x, True)",
            ),
        ),
        ("default", 0.5, plain("Dropout().forward(x)")),
    )

    def verify(run: ProbeRun) -> Verdict:
        outs, problems = _arrays(run, [(name, "Dropout.forward(x, True)") for name, _, _ in calls], x.shape)
        if problems:
            return Verdict.fail(problems)
        lines, hint = _scale_problem(outs["first"], x, ratio)
        hints = [hint]
        if not np.any(outs["default"] == 0):
            hints.append(
                Text(
                    "Dropout().forward(x) dropped nothing: train_flg defaults to True, forward(x, train_flg=True)",
                    "Dropout().forward(x) が何も消去しませんでした。train_flg の既定値は True です: "
                    "forward(x, train_flg=True)",
                )
            )
        for name, wanted, call in calls:
            more, hint = _fraction_problem(outs[name], wanted, call)
            lines += more
            hints.append(hint)
        if np.array_equal(outs["first"] == 0, outs["second"] == 0):
            lines.append(
                Text(
                    "two training forwards dropped exactly the same units",
                    "2 回の学習時の forward で、まったく同じユニットが消去されました",
                )
            )
            hints.append(
                Text(
                    "draw a new mask on every training forward: a fixed mask trains a single thinned network",
                    "学習時の forward のたびに新しいマスクを作ってください。マスクが固定だと、"
                    "一つの間引かれたネットワークを学習するだけになります",
                )
            )
        changed = unchanged(run, "Dropout.forward", {"x": x})
        hints.append(IN_PLACE_INPUT if changed else None)
        return Verdict.unless(lines + changed, join_hints(hints))

    return Check(
        "Dropout: training forward drops about dropout_ratio of the units, with a new mask every call",
        "Dropout: 学習時の forward は約 dropout_ratio の割合のユニットを消去し、呼ぶたびに新しいマスクを使う",
        probe,
        verify,
        hint=Text(
            "self.mask = np.random.rand(*x.shape) > self.dropout_ratio; return x * self.mask",
            "self.mask = np.random.rand(*x.shape) > self.dropout_ratio とし、x * self.mask を返します",
        ),
        context=Text(
            f"x (40, 50), |x| >= 0.1; Dropout({ratio}).forward(x, True) twice and Dropout().forward(x) once",
            f"x (40, 50)、|x| >= 0.1。Dropout({ratio}).forward(x, True) を 2 回、Dropout().forward(x) を 1 回",
        ),
    )


NEW_MASK = Text(
    "backward must use the mask saved by the last training forward (self.mask), not draw a new one",
    "backward では、直前の学習時の forward で保存したマスク(self.mask)を使います。新しく作ってはいけません",
)


def _against_forward(
    out: np.ndarray, dx: np.ndarray, x: np.ndarray, dout: np.ndarray, which: Text
) -> tuple[list[Text], Text | None]:
    """Whether backward passes dout exactly where forward kept units, scaled as forward scaled them."""
    dropped = out == 0
    wrong_zero = int(np.sum(dropped & (dx != 0)))
    wrong_kept = int(np.sum(~dropped & (dx == 0)))
    if wrong_zero or wrong_kept:
        return [
            Text(
                f"dx disagrees with your own forward ({which.en}): dx is non-zero at {wrong_zero} units "
                f"forward dropped and zero at {wrong_kept} units it kept",
                f"dx があなた自身の forward({which.ja})と一致しません: forward が消去した {wrong_zero} 個の"
                f"ユニットで dx が 0 でなく、残した {wrong_kept} 個で dx が 0 です",
            )
        ], NEW_MASK
    scale, problem = _kept_scale(out, x)
    if scale is None:
        return [problem] if problem else [], None
    factors = dx[~dropped] / dout[~dropped]
    if np.max(np.abs(factors - scale)) <= 1e-9 * max(abs(scale), 1.0):
        return [], None
    backward = _median(factors)
    return [
        Text(
            f"dx disagrees with your own forward ({which.en}): forward multiplies kept units by {scale:.6g}, "
            f"backward multiplies dout by {backward:.6g}",
            f"dx があなた自身の forward({which.ja})と一致しません: forward は残したユニットを {scale:.6g} 倍、"
            f"backward は dout を {backward:.6g} 倍しています",
        )
    ], Text(
        "backward multiplies dout by what forward multiplied x by: the mask, and with inverted "
        "dropout also 1 / (1 - dropout_ratio)",
        "backward では forward で x に掛けたものを dout に掛けます。マスクと、inverted dropout なら "
        "1 / (1 - dropout_ratio) もです",
    )


def _dropout_backward_check() -> Check:
    x = _dropout_input(751)
    dout = generator(752).normal(size=x.shape)
    ratio = DROPOUT_RATIO
    probe = Probe()
    probe.seed(751)
    x_ref = probe.array(x)
    dout_ref = probe.array(dout)
    layer = probe.new("Dropout", ratio)
    probe.save(probe.method(layer, "forward", x_ref, True), "out1")
    probe.save(probe.method(layer, "backward", dout_ref), "dx1")
    probe.save(probe.method(layer, "backward", dout_ref), "dx1again")
    probe.save(probe.method(layer, "backward", 2.0 * dout), "dx1double")
    probe.save(dout_ref, "input:dout")
    probe.save(probe.method(layer, "forward", x_ref, True), "out2")
    probe.save(probe.method(layer, "backward", dout_ref), "dx2")
    probe.save(x_ref, "input:x")
    calls = (
        ("out1", "Dropout.forward(x, True)"),
        ("dx1", "Dropout.backward(dout)"),
        ("dx1again", "Dropout.backward(dout) #2"),
        ("dx1double", "Dropout.backward(2 * dout)"),
        ("out2", "Dropout.forward(x, True) #2"),
        ("dx2", "Dropout.backward(dout) #3"),
    )

    def verify(run: ProbeRun) -> Verdict:
        values, problems = _arrays(run, calls, x.shape)
        if problems:
            return Verdict.fail(problems)
        first = Text("first training forward", "1 回目の学習時の forward")
        lines, hint = _against_forward(values["out1"], values["dx1"], x, dout, first)
        if not lines:
            second = Text("second training forward", "2 回目の学習時の forward")
            lines, hint = _against_forward(values["out2"], values["dx2"], x, dout, second)
        hints = [hint]
        if not np.array_equal(values["dx1again"], values["dx1"]):
            lines.append(
                Text(
                    "calling backward(dout) a second time with the same dout gave a different dx",
                    "同じ dout で backward(dout) をもう一度呼ぶと、dx が変わりました",
                )
            )
            hints.append(NEW_MASK)
        elif not is_close(values["dx1double"], 2 * values["dx1"], LINEAR_RTOL, 0.0):
            lines.append(
                Text(
                    "backward(2 * dout) should give twice the dx of backward(dout)",
                    "backward(2 * dout) の dx は backward(dout) の 2 倍になるはずです",
                )
            )
            hints.append(NOT_LINEAR)
        changed_dout = unchanged(run, "Dropout.backward", {"dout": dout})
        changed_x = unchanged(run, "Dropout.forward", {"x": x})
        hints += [IN_PLACE_DOUT if changed_dout else None, IN_PLACE_INPUT if changed_x else None]
        return Verdict.unless(lines + changed_dout + changed_x, join_hints(hints))

    return Check(
        "Dropout: backward uses the mask of the last training forward, linear in dout, dout unchanged",
        "Dropout: backward は直前の学習時の forward のマスクを使い、dout に線形で、dout は変更しない",
        probe,
        verify,
        hint=Text(
            "return dout * self.mask, with the mask saved in forward",
            "forward で保存したマスクを使い dout * self.mask を返します",
        ),
        context=Text(
            f"Dropout({ratio}), x (40, 50) with |x| >= 0.1, random dout; forward, backward, forward, backward",
            f"Dropout({ratio})、|x| >= 0.1 の x (40, 50)、ランダムな dout。forward・backward・forward・backward の順",
        ),
    )


TEST_MODE_EXPLAINED = {
    "book": Text(
        "your training forward keeps units unscaled (the book's convention), so at test time "
        "out = x * (1 - dropout_ratio), the expected training output",
        "学習時の forward は残したユニットをそのまま通す(教科書の方式)ので、テスト時は学習時の出力の"
        "期待値 out = x * (1 - dropout_ratio) です",
    ),
    None: Text(
        "your training forward follows neither convention (see the training check), so test mode "
        "may be either x * (1 - dropout_ratio) (the book) or x (inverted dropout); it is neither",
        "学習時の forward がどちらの方式にも合わない(学習時のチェックを参照)ので、テスト時は "
        "x * (1 - dropout_ratio)(教科書)か x(inverted dropout)のどちらでもよいのですが、"
        "どちらでもありません",
    ),
    "inverted": Text(
        "your training forward scales kept units by 1 / (1 - dropout_ratio) (inverted dropout), "
        "so at test time out = x, the expected training output",
        "学習時の forward は残したユニットを 1 / (1 - dropout_ratio) 倍する(inverted dropout)ので、"
        "テスト時は学習時の出力の期待値 out = x です",
    ),
}


def _test_mode_hint(got: np.ndarray, x: np.ndarray, ratio: float, convention: str | None) -> Text | None:
    """The mistake a wrong test-mode output shows, if a known one."""
    book = x * (1 - ratio)
    if np.any(got == 0):
        return Text(
            "test mode drops nothing: every unit is present, only scaled",
            "テスト時は何も消去しません。すべてのユニットを使い、倍率だけを調整します",
        )
    if is_close(got, x * ratio, 1e-12, 1e-15):
        return Text(
            "multiply by the keep probability 1 - dropout_ratio, not by dropout_ratio",
            "掛けるのは残す確率 1 - dropout_ratio です。dropout_ratio ではありません",
        )
    if convention == "book" and is_close(got, x, 1e-12, 1e-15):
        return Text(
            "returning x unchanged is right only for inverted dropout; with unscaled training "
            "output the test output must be scaled by (1 - dropout_ratio) to match its mean",
            "x をそのまま返すのは inverted dropout の場合だけです。学習時に倍率を掛けないなら、"
            "平均を合わせるためテスト時に (1 - dropout_ratio) を掛けます",
        )
    if convention == "inverted" and is_close(got, book, 1e-12, 1e-15):
        return Text(
            "inverted dropout already scaled in training, so test mode returns x unchanged: "
            "scaling again mixes the two conventions",
            "inverted dropout では学習時にすでに倍率を掛けているので、テスト時は x をそのまま返します。"
            "もう一度掛けると二つの方式が混ざります",
        )
    return None


def _dropout_test_check() -> Check:
    x = _dropout_input(761)
    ratio = DROPOUT_RATIO
    probe = Probe()
    probe.seed(761)
    x_ref = probe.array(x)
    fresh = probe.new("Dropout", ratio)
    probe.save(probe.method(fresh, "forward", x_ref, False), "fresh")
    layer = probe.new("Dropout", ratio)
    probe.save(probe.method(layer, "forward", x_ref, True), "train")
    probe.save(probe.method(layer, "forward", x_ref, False), "test")
    probe.save(x_ref, "input:x")
    book = x * (1 - ratio)
    calls = (
        ("fresh", "Dropout.forward(x, False)"),
        ("train", "Dropout.forward(x, True)"),
        ("test", "Dropout.forward(x, False) after training"),
    )

    def verify(run: ProbeRun) -> Verdict:
        values, problems = _arrays(run, calls, x.shape)
        if problems:
            return Verdict.fail(problems)
        scale, _problem = _kept_scale(values["train"], x)
        convention = _convention(scale, ratio)
        accepted = {"book": [book], "inverted": [x], None: [book, x]}[convention]
        for name, when in (
            ("test", Text("after a training forward", "学習時の forward の後")),
            ("fresh", Text("on a new object", "新しいオブジェクト")),
        ):
            got = values[name]
            if any(is_close(got, expected, 1e-12, 1e-15) for expected in accepted):
                continue
            lines = [
                Text(f"test mode {when.en}:", f"テスト時({when.ja}):"),
                TEST_MODE_EXPLAINED[convention],
                *close(got, accepted[0], what="Dropout.forward(x, False)", rtol=1e-12, atol=1e-15),
            ]
            return Verdict.fail(lines, _test_mode_hint(got, x, ratio, convention))
        return Verdict.unless(unchanged(run, "Dropout.forward", {"x": x}), IN_PLACE_INPUT)

    return Check(
        "Dropout: test-mode forward (train_flg=False) gives the expected training output",
        "Dropout: テスト時の forward(train_flg=False)が学習時の出力の期待値を返す",
        probe,
        verify,
        hint=Text(
            "book convention: out = x * (1 - dropout_ratio) at test time; inverted dropout: out = x",
            "教科書の方式ならテスト時は out = x * (1 - dropout_ratio)、inverted dropout なら out = x です",
        ),
        context=Text(
            f"Dropout({ratio}), x (40, 50); test mode on a new object and after a training forward",
            f"Dropout({ratio})、x (40, 50)。新しいオブジェクトで、また学習時の forward の後でテスト時の forward",
        ),
    )


# ----------------------------------------------------------------- BatchNormalization


EPS = 1e-7


def _bn_parameters(rng: np.random.Generator, d: int) -> tuple[np.ndarray, np.ndarray]:
    gamma = rng.uniform(0.5, 2.0, size=d) * rng.choice([-1.0, 1.0], size=d)
    beta = rng.uniform(-1.5, 1.5, size=d)
    return gamma, beta


def _bn_case(rng: np.random.Generator, n: int, d: int, hygiene: bool = False) -> Case:
    x = _feature_batch(rng, n, d)
    gamma, beta = _bn_parameters(rng, d)
    dout = rng.normal(size=(n, d))
    return Case(plain(f"x ({n}, {d})"), {"gamma": gamma, "beta": beta, "x": x, "train_flg": True}, dout, hygiene)


EPS_ZERO_VARIANCE = Text(
    "a feature whose values are all equal has variance 0, and xc / np.sqrt(var) is then 0 / 0 = NaN: "
    "add a small positive eps under the square root, xn = xc / np.sqrt(var + 1e-7) (added, not subtracted)",
    "値がすべて等しい特徴量は分散が 0 で、xc / np.sqrt(var) は 0 / 0 = NaN になります。平方根の中に小さな正の eps を"
    "足してください: xn = xc / np.sqrt(var + 1e-7)(引くのではなく足します)",
)
OWN_STD = Text(
    "at small variances your backward and your forward disagree: backward must divide by the same "
    "std = np.sqrt(var + eps) forward used, eps included (keep it from forward as self.std); "
    "dividing by np.sqrt(var) is off by the eps",
    "分散が小さいと逆伝播と順伝播が食い違っています。逆伝播では順伝播と同じ std = np.sqrt(var + eps) "
    "(eps を含む)で割ってください(forward で self.std として保存しておきます)。"
    "np.sqrt(var) で割ると eps の分だけずれます",
)


def _bn_forward_mistakes(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray) -> list[Known]:
    xc = x - x.mean(axis=0)
    var = np.mean(xc**2, axis=0)
    xn = xc / np.sqrt(var + EPS)
    per_sample = (x - x.mean(axis=1, keepdims=True)) / np.sqrt(x.var(axis=1, keepdims=True) + EPS)
    constant = var == 0
    no_eps = [Known("out", np.where(constant, np.nan, gamma * xn + beta), EPS_ZERO_VARIANCE)] if constant.any() else []
    return [
        *no_eps,
        Known(
            "out",
            gamma * xc / np.sqrt(x.var(axis=0, ddof=1) + EPS) + beta,
            Text(
                "the batch variance divides by N, not N - 1: var = np.mean((x - mu) ** 2, axis=0)",
                "バッチの分散は N - 1 ではなく N で割ります: var = np.mean((x - mu) ** 2, axis=0)",
            ),
        ),
        Known(
            "out",
            gamma * xc / (var + EPS) + beta,
            Text(
                "divide by the standard deviation sqrt(var + eps), not by the variance",
                "分散ではなく標準偏差 sqrt(var + eps) で割ってください",
            ),
        ),
        Known(
            "out",
            beta * xn + gamma,
            Text(
                "gamma and beta are swapped: out = gamma * xn + beta", "gamma と beta が逆です: out = gamma * xn + beta"
            ),
        ),
        Known(
            "out",
            xn,
            Text(
                "gamma and beta are missing: out = gamma * xn + beta",
                "gamma と beta が抜けています: out = gamma * xn + beta",
            ),
        ),
        Known(
            "out",
            gamma * per_sample + beta,
            Text(
                "each feature is normalised over the batch: statistics along axis=0 (down the batch), not axis=1",
                "各特徴量をミニバッチ方向に正規化します。統計量は axis=1 ではなく axis=0(バッチ方向)でとります",
            ),
        ),
    ]


def _bn_dx_mistakes(x: np.ndarray, gamma: np.ndarray, dout: np.ndarray) -> list[Known]:
    xc = x - x.mean(axis=0)
    std = np.sqrt(np.mean(xc**2, axis=0) + EPS)
    xn = xc / std
    dxn = gamma * dout
    return [
        Known(
            "dx",
            dxn / std,
            Text(
                "dx = gamma * dout / std treats mu and var as constants, but both are computed from the whole "
                "batch: the gradient also flows through them, dx = (dxn - mean(dxn) - xn * mean(dxn * xn)) / std "
                "with dxn = gamma * dout, means over axis 0",
                "dx = gamma * dout / std は mu と var を定数として扱っていますが、どちらもバッチ全体から計算されるので"
                "勾配はそれらも通ります: dx = (dxn - mean(dxn) - xn * mean(dxn * xn)) / std"
                "(dxn = gamma * dout、平均は axis 0)",
            ),
        ),
        Known(
            "dx",
            (dxn - dxn.mean(axis=0)) / std,
            Text(
                "the path through var is missing: in the book's graph, dxc += (2.0 / N) * xc * dvar "
                "(with dvar = 0.5 * dstd / std, dstd = -sum(dxn * xc / std**2)) before dmu is taken",
                "var を通る経路が抜けています。教科書の計算グラフでは dmu を求める前に dxc += (2.0 / N) * xc * dvar"
                "(dvar = 0.5 * dstd / std、dstd = -sum(dxn * xc / std**2))を足します",
            ),
        ),
        Known(
            "dx",
            (dxn - xn * np.mean(dxn * xn, axis=0)) / std,
            Text(
                "the path through mu is missing: finish with dx = dxc - dmu / N, dmu = sum(dxc, axis=0)",
                "mu を通る経路が抜けています。最後に dx = dxc - dmu / N(dmu = sum(dxc, axis=0))とします",
            ),
        ),
        Known(
            "dx",
            # the whole formula with dxn = dout: only gamma is missing (dout / std would be two mistakes)
            (dout - dout.mean(axis=0) - xn * np.mean(dout * xn, axis=0)) / std,
            Text(
                "gamma is missing from dx: out = gamma * xn + beta, so dxn = gamma * dout",
                "dx に gamma が抜けています。out = gamma * xn + beta なので dxn = gamma * dout です",
            ),
        ),
    ]


def _bn_parameter_mistakes(x: np.ndarray, dout: np.ndarray) -> list[Known]:
    xc = x - x.mean(axis=0)
    xn = xc / np.sqrt(np.mean(xc**2, axis=0) + EPS)
    return [
        Known(
            "dgamma",
            np.sum(dout * x, axis=0),
            Text(
                "dgamma = sum(dout * xn, axis=0): the normalised xn, not x",
                "dgamma = sum(dout * xn, axis=0) です。x ではなく正規化した xn です",
            ),
        ),
        Known(
            "dgamma",
            dout * xn,
            Text(
                "dgamma must be summed over the batch axis: shape (D,)",
                "dgamma はバッチ方向に和をとります。形状は (D,) です",
            ),
        ),
        Known(
            "dgamma",
            np.mean(dout * xn, axis=0),
            Text("dgamma is a sum over the batch, not a mean", "dgamma はバッチ方向の和です。平均ではありません"),
        ),
        Known(
            "dbeta",
            dout,
            Text(
                "dbeta must be summed over the batch axis: shape (D,)",
                "dbeta はバッチ方向に和をとります。形状は (D,) です",
            ),
        ),
        Known(
            "dbeta",
            dout.mean(axis=0),
            Text("dbeta is a sum over the batch, not a mean", "dbeta はバッチ方向の和です。平均ではありません"),
        ),
    ]


def _bn_mistakes(case: Case) -> list[Known]:
    x, gamma, beta = case.values["x"], case.values["gamma"], case.values["beta"]
    found = _bn_forward_mistakes(x, gamma, beta)
    if isinstance(case.dout, np.ndarray):
        found += _bn_dx_mistakes(x, gamma, case.dout) + _bn_parameter_mistakes(x, case.dout)
    return found


def _bn_constant_case() -> Case:
    """The batch x (5, 4) whose feature 2 is constant (variance 0); the others have variances in [1, 3]."""
    rng = generator(772)
    x = _feature_batch(rng, 5, 4)
    x[:, 2] = 1.75
    gamma, beta = _bn_parameters(rng, 4)
    return Case(plain("x (5, 4), feature 2 constant"), {"gamma": gamma, "beta": beta, "x": x, "train_flg": True})


def _bn_small_variance_case() -> Case:
    """The batch x (4, 3) whose features 0 and 1 have batch variances 1e-6 and 4e-6, where eps matters.

    Judged against the learner's own forward only (its eps is its own); h = 1e-7, far below the
    standard deviations, so the central difference stays exact to ~1e-8.
    """
    rng = generator(802)
    x = _feature_batch(rng, 4, 3)
    centred = x - x.mean(axis=0)
    x[:, :2] = x.mean(axis=0)[:2] + centred[:, :2] / np.sqrt(np.mean(centred[:, :2] ** 2, axis=0)) * [1e-3, 2e-3]
    gamma, beta = _bn_parameters(rng, 3)
    values = {"gamma": gamma, "beta": beta, "x": x, "train_flg": True}
    return Case(
        plain("x (4, 3), variances 1e-6 and 4e-6"), values, rng.normal(size=x.shape), reference=False, step=1e-7
    )


def _batch_normalization() -> Layer:
    rng = generator(771)
    x = _feature_batch(rng, 6, 4)
    gamma, beta = _bn_parameters(rng, 4)
    default_values = {"gamma": gamma[:3], "beta": beta[:3], "x": x[:5, :3].copy(), "train_flg": True}
    rng = generator(801)
    return Layer(
        name="BatchNormalization",
        constructor=("gamma", "beta"),
        reference=BatchNormalization,
        params=(Param("gamma", "dgamma", Attribute("dgamma")), Param("beta", "dbeta", Attribute("dbeta"))),
        inputs=(Input("x", "dx"), Input("train_flg")),
        mistakes=_bn_mistakes,
        # eps (1e-7 .. 1e-5, inside or outside the square root) moves every element by up to 1e-5 of the largest
        slack=BN_SLACK,
        forward=(
            Cases(
                Text(
                    "BatchNormalization: training forward normalises each feature with the batch mean and variance",
                    "BatchNormalization: 学習時の forward は各特徴量をバッチの平均と分散で正規化する",
                ),
                Text(
                    "x (6, 4), features with means far apart and batch variances in [1, 3]; "
                    "gamma, beta (4,) not 1 and 0",
                    "x (6, 4)。特徴量ごとに平均が大きく異なり、バッチの分散は [1, 3]。gamma, beta (4,) は 1 と 0 以外",
                ),
                (Case(plain("x (6, 4)"), {"gamma": gamma, "beta": beta, "x": x, "train_flg": True}),),
            ),
            Cases(
                Text(
                    "BatchNormalization: training forward of a constant feature (variance 0) gives beta, not NaN",
                    "BatchNormalization: 値が一定の特徴量(分散 0)の学習時の forward は NaN でなく beta を返す",
                ),
                Text(
                    "x (5, 4) whose feature 2 is 1.75 in every sample; the other features have variances in [1, 3]",
                    "特徴量 2 がすべてのサンプルで 1.75 の x (5, 4)。ほかの特徴量の分散は [1, 3]",
                ),
                (_bn_constant_case(),),
                EPS_ZERO_VARIANCE,
            ),
            Cases(
                Text(
                    "BatchNormalization: forward(x) trains by default (train_flg=True)",
                    "BatchNormalization: forward(x) は既定で学習時の動作(train_flg=True)",
                ),
                Text(
                    "BatchNormalization(gamma, beta).forward(x), x (5, 3): momentum, the running statistics and "
                    "train_flg left to their defaults",
                    "BatchNormalization(gamma, beta).forward(x)、x (5, 3)。momentum・移動平均・train_flg は既定値",
                ),
                (Case(plain("forward(x)"), default_values, defaults=("train_flg",)),),
            ),
        ),
        gradient=(
            Cases(
                Text(
                    "BatchNormalization: backward gives dx, dgamma and dbeta (gradient check)",
                    "BatchNormalization: backward が dx、dgamma、dbeta を求める(勾配確認)",
                ),
                Text(
                    "training mode, x (5, 3) and x (3, 4) with batch variances in [1, 3], gamma and beta not 1 and 0, "
                    "random dout",
                    "学習時。x (5, 3) と x (3, 4)(バッチの分散は [1, 3])、gamma と beta は 1 と 0 以外、"
                    "dout はランダム",
                ),
                (_bn_case(rng, 5, 3, hygiene=True), _bn_case(rng, 3, 4)),
            ),
            Cases(
                Text(
                    "BatchNormalization: at batch variances of 1e-6 backward agrees with your own forward, "
                    "whatever your eps",
                    "BatchNormalization: バッチの分散が 1e-6 でも逆伝播が自分の順伝播と一致する(eps の値によらず)",
                ),
                Text(
                    "training mode, x (4, 3) with batch variances 1e-6, 4e-6 and about 2, random dout; gradients "
                    "compared with the numerical gradient of your forward (h = 1e-7) only, as eps is yours to choose",
                    "学習時。バッチの分散が 1e-6・4e-6・約 2 の x (4, 3)、ランダムな dout。eps は自由なので、"
                    "勾配は自分の順伝播の数値微分(h = 1e-7)とだけ比較",
                ),
                (_bn_small_variance_case(),),
                OWN_STD,
            ),
        ),
        hygiene=Hygiene(
            Text("training mode, x (5, 3), random dout (5, 3)", "学習時、x (5, 3)、ランダムな dout (5, 3)")
        ),
        forward_hint=Text(
            "mu = x.mean(axis=0), xc = x - mu, var = np.mean(xc ** 2, axis=0), xn = xc / np.sqrt(var + eps), "
            "out = gamma * xn + beta",
            "mu = x.mean(axis=0)、xc = x - mu、var = np.mean(xc ** 2, axis=0)、xn = xc / np.sqrt(var + eps)、"
            "out = gamma * xn + beta です",
        ),
        backward_hint=Text(
            "dbeta = sum(dout, axis=0), dgamma = sum(dout * xn, axis=0), and dx through xc, var and mu: "
            "dx = (dxn - mean(dxn) - xn * mean(dxn * xn)) / std with dxn = gamma * dout",
            "dbeta = sum(dout, axis=0)、dgamma = sum(dout * xn, axis=0)、dx は xc・var・mu を通る経路の和: "
            "dx = (dxn - mean(dxn) - xn * mean(dxn * xn)) / std(dxn = gamma * dout)です",
        ),
    )


def _running_replay(
    momentum: float,
    mean: np.ndarray,
    var: np.ndarray,
    batches: Sequence[np.ndarray],
    *,
    unbiased: bool = False,
    swap: bool = False,
    std: bool = False,
) -> list[tuple[np.ndarray, np.ndarray]]:
    """running_mean and running_var after each training forward; the flags replay known mistakes."""
    steps = []
    old, new = (1 - momentum, momentum) if swap else (momentum, 1 - momentum)
    for x in batches:
        n = x.shape[0]
        mu = x.mean(axis=0)
        batch_var = np.mean((x - mu) ** 2, axis=0) * (n / (n - 1) if unbiased else 1.0)
        if std:
            batch_var = np.sqrt(batch_var + EPS)
        mean = old * mean + new * mu
        var = old * var + new * batch_var
        steps.append((mean, var))
    return steps


RUNNING_MISSING_HINT = Text(
    "when running_mean and running_var are None, create them as zeros of shape (D,) "
    "and update them in every training forward",
    "running_mean と running_var が None なら形状 (D,) の 0 で作り、学習時の forward のたびに更新してください",
)


def _running_statistic(run: ProbeRun, name: str, stat: str) -> tuple[np.ndarray | None, list[Text]]:
    """self.running_mean or self.running_var as saved under ``name``, or why it can not be used."""
    output = run.output(name)
    if output.kind == "none":
        return None, [
            Text(
                f"self.{stat} is missing or None after a training forward",
                f"学習時の forward の後も self.{stat} がないか None です",
            )
        ]
    array, problems = value_of(output, f"self.{stat}")
    return (None if array is None else array.astype(np.float64)), problems


def _bn_running_check() -> Check:
    rng = generator(781)
    d = 3
    x1 = _feature_batch(rng, 5, d)
    x2 = _feature_batch(rng, 5, d)
    gamma, beta = _bn_parameters(rng, d)
    mean0 = rng.uniform(-1.0, 1.0, size=d)
    var0 = rng.uniform(0.8, 2.5, size=d)
    zeros = np.zeros(d)
    momentum = 0.7
    probe = Probe()
    refs = [probe.array(v) for v in (gamma, beta)]
    layer = probe.new("BatchNormalization", *refs, momentum, mean0, var0)
    for step, x in (("given:1", x1), ("given:2", x2)):
        probe.method(layer, "forward", x, True)
        probe.save(probe.attr(layer, "running_mean"), f"{step}:mean")
        probe.save(probe.attr(layer, "running_var"), f"{step}:var")
    default = probe.new("BatchNormalization", *refs)
    probe.method(default, "forward", x1, True)
    probe.save(probe.attr(default, "running_mean"), "default:1:mean")
    probe.save(probe.attr(default, "running_var"), "default:1:var")

    def trajectory(**how: Any) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """The statistics at every saved point, by output key."""
        given_momentum = how.pop("given_momentum", momentum)
        start_mean, start_var = how.pop("start", (mean0, var0))
        given = _running_replay(given_momentum, start_mean, start_var, [x1, x2], **how)
        fresh = _running_replay(0.9, zeros, zeros, [x1], **how)
        return {"given:1": given[0], "given:2": given[1], "default:1": fresh[0]}

    steps = [
        (
            "given:1",
            Text(
                f"after the first training forward of BatchNormalization(gamma, beta, {momentum}, running_mean, "
                "running_var):",
                f"BatchNormalization(gamma, beta, {momentum}, running_mean, running_var) の 1 回目の学習時の "
                "forward の後:",
            ),
        ),
        (
            "given:2",
            Text("after its second training forward:", "その 2 回目の学習時の forward の後:"),
        ),
        (
            "default:1",
            Text(
                "after the first training forward of BatchNormalization(gamma, beta) (momentum 0.9, "
                "running statistics None, so zeros):",
                "BatchNormalization(gamma, beta)(momentum 0.9、移動平均は None なので 0)の 1 回目の学習時の "
                "forward の後:",
            ),
        ),
    ]
    biased = trajectory()
    unbiased = trajectory(unbiased=True)
    not_updated = {key: (mean0, var0) if key.startswith("given") else (zeros, zeros) for key in biased}
    mistakes = [
        (
            not_updated,
            Text(
                "the running statistics were not updated: in every training forward, running_mean = momentum * "
                "running_mean + (1 - momentum) * mu, and the same for running_var with var; assign the results "
                "to self.running_mean and self.running_var",
                "移動平均が更新されていません。学習時の forward のたびに running_mean = momentum * running_mean + "
                "(1 - momentum) * mu とし(running_var も var で同様)、結果を self.running_mean と "
                "self.running_var に代入してください",
            ),
        ),
        (
            trajectory(swap=True),
            Text(
                "momentum weighs the *old* value: running = momentum * running + (1 - momentum) * batch statistic; "
                "yours is the other way round",
                "momentum を掛けるのは*古い*値です: "
                "running = momentum * running + (1 - momentum) * バッチの統計量。逆になっています",
            ),
        ),
        (
            trajectory(std=True),
            Text(
                "running_var averages the variance, not the standard deviation",
                "running_var は標準偏差ではなく分散の移動平均です",
            ),
        ),
        (
            trajectory(given_momentum=0.9),
            Text(
                "the momentum given to the constructor was not used: keep it as self.momentum",
                "コンストラクタに渡した momentum が使われていません。self.momentum に保存してください",
            ),
        ),
        (
            trajectory(start=(zeros, zeros)),
            Text(
                "the running_mean and running_var given to the constructor were not used: start from them, "
                "and from zeros only when they are None",
                "コンストラクタに渡した running_mean と running_var が使われていません。それらから始め、"
                "None のときだけ 0 から始めてください",
            ),
        ),
    ]
    tolerance = 2e-5

    def agree(got: np.ndarray, expected: np.ndarray) -> bool:
        return got.shape == expected.shape and bool(np.allclose(got, expected, rtol=tolerance, atol=1e-9))

    def statistics(run: ProbeRun) -> tuple[dict[str, tuple[np.ndarray, np.ndarray]], Verdict | None]:
        got: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for key, _label in steps:
            mean, problems = _running_statistic(run, f"{key}:mean", "running_mean")
            var, more = _running_statistic(run, f"{key}:var", "running_var")
            if mean is None or var is None:
                missing = run.output(f"{key}:mean").kind == "none" or run.output(f"{key}:var").kind == "none"
                return {}, Verdict.fail(problems or more, RUNNING_MISSING_HINT if missing else None)
            got[key] = (mean, var)
        return got, None

    def verify(run: ProbeRun) -> Verdict:
        got, failed = statistics(run)
        if failed is not None:
            return failed
        # running_var may use the biased (book) or the unbiased (PyTorch) variance, one of them throughout
        var_forms = [form for form in (biased, unbiased) if all(agree(got[k][1], form[k][1]) for k in got)]
        expected_var = var_forms[0] if var_forms else biased
        for key, label in steps:
            mean, var = got[key]
            lines = []
            if not agree(mean, biased[key][0]):
                lines += close(mean, biased[key][0], what="running_mean", rtol=tolerance, atol=1e-9)
            if not agree(var, expected_var[key][1]):
                lines += close(var, expected_var[key][1], what="running_var", rtol=tolerance, atol=1e-9)
            if lines:
                hint = next(
                    (hint for wrong, hint in mistakes if agree(mean, wrong[key][0]) and agree(var, wrong[key][1])),
                    None,
                )
                return Verdict.fail([label, *lines], hint)
        return Verdict.ok()

    return Check(
        "BatchNormalization: running_mean and running_var follow the momentum update in training",
        "BatchNormalization: 学習時に running_mean と running_var が momentum で更新される",
        probe,
        verify,
        hint=Text(
            "running_mean = momentum * running_mean + (1 - momentum) * mu; "
            "running_var = momentum * running_var + (1 - momentum) * var",
            "running_mean = momentum * running_mean + (1 - momentum) * mu、"
            "running_var = momentum * running_var + (1 - momentum) * var です",
        ),
        context=Text(
            "x (5, 3) twice with momentum=0.7 and given running_mean, running_var; once with the defaults",
            "x (5, 3) を momentum=0.7・running_mean と running_var 指定で 2 回、既定値で 1 回",
        ),
    )


ZERO_RUNNING_VAR = Text(
    "a feature constant in training has running_var 0, and np.sqrt(running_var) is then 0: "
    "test mode divides by np.sqrt(running_var + eps) too, with eps > 0 added",
    "学習時に値が一定だった特徴量は running_var が 0 で、np.sqrt(running_var) も 0 になります。"
    "テスト時も np.sqrt(running_var + eps)(正の eps を足す)で割ってください",
)


def _bn_test_check() -> Check:
    rng = generator(791)
    d = 4
    x_train = _feature_batch(rng, 6, d)
    x_test = _feature_batch(rng, 5, d)
    gamma, beta = _bn_parameters(rng, d)
    mean0 = rng.uniform(-2.0, 2.0, size=d)
    var0 = rng.uniform(1.0, 2.5, size=d)
    probe = Probe()
    refs = [probe.array(v) for v in (gamma, beta)]
    test_ref = probe.array(x_test)
    fresh = probe.new("BatchNormalization", *refs, 0.9, mean0, var0)
    probe.save(probe.method(fresh, "forward", test_ref, False), "fresh")
    # feature 1 was constant in training: running_var 0 there, and the test batch sits at its mean
    zero_mean, zero_var, zero_x = mean0.copy(), var0.copy(), x_test.copy()
    zero_var[1] = 0.0
    zero_x[:, 1] = zero_mean[1]
    constant = probe.new("BatchNormalization", *refs, 0.9, zero_mean, zero_var)
    probe.save(probe.method(constant, "forward", zero_x, False), "zero")
    layer = probe.new("BatchNormalization", *refs, 0.8, mean0, var0)
    probe.method(layer, "forward", x_train, True)
    probe.save(probe.attr(layer, "running_mean"), "before:mean")
    probe.save(probe.attr(layer, "running_var"), "before:var")
    probe.save(probe.method(layer, "forward", test_ref, False), "test")
    probe.save(probe.attr(layer, "running_mean"), "after:mean")
    probe.save(probe.attr(layer, "running_var"), "after:var")
    probe.save(test_ref, "input:x")

    def expected_with(mean: np.ndarray, var: np.ndarray, x: np.ndarray = x_test) -> np.ndarray:
        return gamma * (x - mean) / np.sqrt(var + EPS) + beta

    batch_mean = x_test.mean(axis=0)
    batch_var = x_test.var(axis=0)

    def variants(mean: np.ndarray, var: np.ndarray) -> list[Variant]:
        return [
            Variant(
                expected_with(batch_mean, batch_var),
                Text(
                    "test mode normalised with the test batch's own statistics; with train_flg=False use "
                    "running_mean and running_var, so each prediction does not depend on the rest of the batch",
                    "テスト時にテストバッチ自身の統計量で正規化しています。train_flg=False では running_mean と "
                    "running_var を使います。そうすれば予測がバッチの他のデータに左右されません",
                ),
            ),
            Variant(
                gamma * (x_test - mean) / (var + EPS) + beta,
                Text(
                    "divide by sqrt(running_var + eps), the standard deviation, not by the variance",
                    "分散ではなく標準偏差 sqrt(running_var + eps) で割ってください",
                ),
            ),
        ]

    def judged(
        run: ProbeRun, name: str, mean: np.ndarray, var: np.ndarray, when: Text, x: np.ndarray = x_test
    ) -> Verdict | None:
        """Test mode's output ``name`` for ``x`` against normalising with ``mean`` and ``var``."""
        expected = expected_with(mean, var, x)
        got = run.output(name)
        rtol, atol = BN_SLACK, BN_SLACK * _scale(expected)
        lines = close(got, expected, what="forward(x, False)", rtol=rtol, atol=atol)
        if not lines:
            return None
        variant = matching_variant(got, variants(mean, var), rtol, atol)
        array, _ = value_of(got, "forward(x, False)")
        lost = ~np.isfinite(array) if array is not None and array.dtype.kind == "f" else None
        if variant is None and lost is not None and lost.any() and np.all(lost == (var == 0)):
            return Verdict.fail([when, *lines], ZERO_RUNNING_VAR)
        return Verdict.fail([when, *lines], variant.hint if variant else None)

    def verify(run: ProbeRun) -> Verdict:
        failed = judged(
            run,
            "fresh",
            mean0,
            var0,
            Text(
                "on a new object built with running_mean and running_var, before any training:",
                "running_mean と running_var を指定して作った新しいオブジェクトで、学習前に:",
            ),
        )
        if failed is not None:
            return failed
        failed = judged(
            run,
            "zero",
            zero_mean,
            zero_var,
            Text(
                "with running_var 0 for feature 1 (constant in training) and a test batch at its running_mean:",
                "特徴量 1 の running_var が 0(学習時に値が一定)で、テストバッチがその running_mean に等しいとき:",
            ),
            zero_x,
        )
        if failed is not None:
            return failed
        stats: dict[str, np.ndarray] = {}
        for key in ("before:mean", "before:var", "after:mean", "after:var"):
            stat, problems = _running_statistic(run, key, f"running_{key.split(':')[1]}")
            if stat is None:
                return Verdict.fail(problems)
            stats[key] = stat
        mean, var = stats["before:mean"], stats["before:var"]
        if mean.shape != (d,) or var.shape != (d,):
            return Verdict.fail(
                [
                    Text(
                        f"running_mean and running_var should have shape ({d},); got {mean.shape} and {var.shape}",
                        f"running_mean と running_var の形状は ({d},) のはずです。結果は {mean.shape} と {var.shape}",
                    )
                ]
            )
        # the learner's own running statistics: whether they are right is the previous check's business
        failed = judged(
            run,
            "test",
            mean,
            np.maximum(var, 0.0),
            Text(
                "after a training forward, with your running_mean and running_var at that point:",
                "学習時の forward の後、その時点のあなたの running_mean と running_var で:",
            ),
        )
        if failed is not None:
            return failed
        if not (np.array_equal(stats["after:mean"], mean) and np.array_equal(stats["after:var"], var)):
            return Verdict.fail(
                [
                    Text(
                        "forward(x, train_flg=False) changed running_mean or running_var",
                        "forward(x, train_flg=False) が running_mean か running_var を変えました",
                    )
                ],
                Text(
                    "update the running statistics only when train_flg is True; test mode only reads them",
                    "移動平均の更新は train_flg が True のときだけです。テスト時は読むだけです",
                ),
            )
        return Verdict.unless(unchanged(run, "BatchNormalization.forward", {"x": x_test}), IN_PLACE_INPUT)

    return Check(
        "BatchNormalization: test-mode forward uses the running statistics and leaves them unchanged",
        "BatchNormalization: テスト時の forward は移動平均を使い、移動平均を変更しない",
        probe,
        verify,
        hint=Text(
            "with train_flg=False: xn = (x - running_mean) / np.sqrt(running_var + eps), out = gamma * xn + beta",
            "train_flg=False のとき: xn = (x - running_mean) / np.sqrt(running_var + eps)、"
            "out = gamma * xn + beta です",
        ),
        context=Text(
            "x (5, 4) in test mode: on a new object with given running statistics (once with a running_var of 0), "
            "and after a training forward",
            "テスト時の x (5, 4): 移動平均を指定した新しいオブジェクトで(1 回は running_var が 0)、"
            "また学習時の forward の後で",
        ),
    )


def build_checks() -> list[Check]:
    """Every check of exercise 7."""
    batch_normalization = layer_checks(_batch_normalization())
    # the running statistics and test mode right after the training forward
    batch_normalization[1:1] = [_bn_running_check(), _bn_test_check()]
    return [
        *layer_checks(_relu()),
        *layer_checks(_sigmoid()),
        *layer_checks(_affine()),
        *_swl_checks(),
        _dropout_forward_check(),
        _dropout_backward_check(),
        _dropout_test_check(),
        *batch_normalization,
    ]
