"""Checks for exercise 2: the output layer and loss functions.

Tolerances are chosen so every correct form passes: ``log(y + 1e-7)`` and
``log(np.clip(y, 1e-7, None))`` differ by about ``1e-7 / y`` per term, so the
loss checks use probabilities well away from 0 and a relative tolerance of
``1e-5``; where a probability is exactly 0 both forms give ``-log(1e-7)``.
A loss may come back as a Python float, a NumPy float or a 0-d array.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from grader.checks.common import error_hint_for, generator, output_check
from grader.checks.verdicts import Variant, close, is_close, matching_variant, unchanged
from grader.grading.compare import dtype_kind_mismatch
from grader.grading.engine import Check
from grader.grading.results import Verdict
from grader.sandbox.client import Probe, ProbeRun
from grader.text import Text
from reference import cross_entropy_error, mean_squared_error, one_hot, softmax

# softmax values: only floating-point rounding separates correct forms
SOFTMAX_RTOL, SOFTMAX_ATOL = 1e-7, 1e-12
# losses: room for log(clip(y, 1e-7, None)) against log(y + 1e-7)
LOSS_RTOL, LOSS_ATOL = 1e-5, 1e-6

KEEPDIMS_HINT = Text(
    "take the max and the sum of each row: np.max(x, axis=-1, keepdims=True) and "
    "np.sum(e, axis=-1, keepdims=True); axis=-1 works for (K,) and (N, K) alike, and "
    "keepdims keeps the (N, 1) shape that broadcasts against (N, K)",
    "最大値と和は行ごとに求めます: np.max(x, axis=-1, keepdims=True) と "
    "np.sum(e, axis=-1, keepdims=True)。axis=-1 なら (K,) にも (N, K) にも使え、"
    "keepdims=True で (N, K) とブロードキャストできる (N, 1) の形が保たれます",
)


IN_PLACE_HINTS = {
    "softmax": Text(
        "the values are right, but the caller's x was changed: `x -= np.max(...)` writes into the "
        "argument itself; write `x = x - np.max(...)`, which makes a new array",
        "値は正しいのですが、呼び出し側の x が書き換えられています。`x -= np.max(...)` は引数そのものを"
        "書き換えます。新しい配列を作る `x = x - np.max(...)` と書いてください",
    ),
    "cross_entropy_error": Text(
        "the values are right, but the caller's y was changed: `y += 1e-7` and `y[y == 0] = 1e-7` "
        "write into the argument itself; add the constant inside the log, np.log(y + 1e-7), "
        "which makes a new array",
        "値は正しいのですが、呼び出し側の y が書き換えられています。`y += 1e-7` や `y[y == 0] = 1e-7` は"
        "引数そのものを書き換えます。log の中で np.log(y + 1e-7) と足せば新しい配列が作られます",
    ),
}
# the book's cross_entropy_error(y, t) puts the network's output first; the course's takes (d, y)
SWAPPED_HINT = Text(
    "the arguments are the wrong way round: your function gives the right loss when called as "
    "cross_entropy_error(y, d); the course's order is cross_entropy_error(d, y), teacher data first "
    "(the book writes cross_entropy_error(y, t), output first)",
    "引数の順序が逆です。あなたの関数は cross_entropy_error(y, d) と呼ぶと正しい損失を返します。"
    "この講座では教師データが先の cross_entropy_error(d, y) です"
    "(書籍は出力が先の cross_entropy_error(y, t) です)",
)
# for a labels or single-sample check whose one-hot batch form fails as well
CE_TWIN_HINT = Text(
    "the same loss with d as one-hot rows of a batch is wrong too, so the mistake is not in reading this "
    "form of d: the loss is -sum(d * log(y + 1e-7)) / N, the mean over the batch (see the one-hot checks)",
    "d を one-hot の行にしたバッチでも同じ損失が正しくないので、この形の d の扱いが原因ではありません。"
    "損失は -sum(d * log(y + 1e-7)) / N、バッチの平均です(one-hot のチェックを見てください)",
)
DEFAULT_IN_PLACE_HINT = Text(
    "the values are right, but the caller's array was changed: `a -= ...`, `a[...] = ...` and "
    "a.sort() write into the argument itself; work on a new array (a - ..., a.copy(), np.sort(a))",
    "値は正しいのですが、呼び出し側の配列が書き換えられています。`a -= ...`、`a[...] = ...`、a.sort() は"
    "引数そのものを書き換えます。新しい配列 (a - ...、a.copy()、np.sort(a)) を使ってください",
)


def _value_check(
    name: str,
    name_ja: str,
    function: str,
    args: Sequence[Any],
    expected: Any,
    *,
    rtol: float,
    atol: float,
    arg_names: Sequence[str],
    hint: Text | None = None,
    variants: Sequence[Variant] = (),
    context: str | Text = "",
    swapped_hint: Text | None = None,
    error_hint: Text | Callable[[str, str], Text | None] | None = None,
    twin: Sequence[Any] | None = None,
    twin_hint: Text | None = None,
) -> Check:
    """``output_check`` with this exercise's per-function hint for an argument changed in place."""
    return output_check(
        name,
        name_ja,
        function,
        args,
        expected,
        rtol=rtol,
        atol=atol,
        arg_names=arg_names,
        hint=hint,
        variants=variants,
        context=context,
        in_place_hint=IN_PLACE_HINTS.get(function, DEFAULT_IN_PLACE_HINT),
        swapped_hint=swapped_hint,
        error_hint=error_hint,
        twin=twin,
        twin_hint=twin_hint,
    )


def _normalised_exp(x: np.ndarray, shift: Any, axis: int | None) -> np.ndarray:
    """exp(x - shift) / its sum over ``axis`` (None: the whole array), as a learner's code computes it.

    NaN where exp() overflows, as in the learner's process.
    """
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        e = np.exp(x - shift)
        return e / np.sum(e, axis=axis, keepdims=True)


WHOLE_BATCH_HINT = Text(
    "the whole batch sums to 1, not each row: the max and the sum were taken over "
    "all elements; for (N, K) use axis=-1 with keepdims=True",
    "バッチ全体の和が 1 になっていて、行ごとになっていません。最大値と和を全要素で"
    "とっています。(N, K) では axis=-1, keepdims=True を指定してください",
)
COLUMNS_HINT = Text(
    "each column sums to 1 instead of each row: axis=0 runs down the batch; the classes are the last axis (axis=-1)",
    "各行ではなく各列の和が 1 になっています。axis=0 はバッチ方向です。クラスの軸は最後の軸 (axis=-1) です",
)
COLUMN_MAX_HINT = Text(
    "you subtracted each column's max (axis=0): that changes every row's result; "
    "subtract each row's own max, np.max(x, axis=-1, keepdims=True)",
    "列ごとの最大値 (axis=0) を引いたため、各行の結果が変わっています。"
    "行ごとの最大値 np.max(x, axis=-1, keepdims=True) を引いてください",
)
AXIS_HINT = Text(
    "y_k = exp(x_k) / sum_j exp(x_j); for a 1-D x, axis=-1 is its only axis (axis=1 does not exist for a (K,) array)",
    "y_k = exp(x_k) / sum_j exp(x_j) です。1 次元の x の軸は axis=-1(=0)だけで、(K,) の配列に axis=1 はありません",
)


def _batch_variants(x: np.ndarray) -> list[Variant]:
    """The wrong axes of a batch softmax, as they come out on ``x``."""
    column_max = np.max(x, axis=0, keepdims=True)
    return [
        Variant(_normalised_exp(x, np.max(x), None), WHOLE_BATCH_HINT),
        Variant(_normalised_exp(x, column_max, 0), COLUMNS_HINT),
        Variant(_normalised_exp(x, column_max, -1), COLUMN_MAX_HINT),
    ]


# an axis that a (K,) vector does not have, or (N,) maxima and sums against (N, K) scores
AXIS_ERROR = error_hint_for(AXIS_HINT, ("AxisError",), ("axis",))
KEEPDIMS_ERROR = error_hint_for(KEEPDIMS_HINT, ("ValueError",), ("broadcast",))


def _softmax_checks() -> list[Check]:
    vector = np.array([0.3, 2.9, 4.0, -1.2, 0.5])
    batch = generator(21).normal(size=(4, 7)) * 2
    large = np.array([1000.0, 1010.0, 990.0])
    scales = np.array(
        [
            [1000.0, 1010.0, 990.0],
            [-1000.0, -990.0, -1010.0],
            [0.5, -0.5, 2.0],
            [3.0, 3.0, 3.0],
        ]
    )
    return [
        _value_check(
            "softmax: a single (5,) vector",
            "softmax: (5,) のベクトル 1 本",
            "softmax",
            [vector],
            softmax(vector),
            arg_names=["x"],
            rtol=SOFTMAX_RTOL,
            atol=SOFTMAX_ATOL,
            hint=AXIS_HINT,
            error_hint=AXIS_ERROR,
        ),
        _value_check(
            "softmax: each row of a (4, 7) batch sums to 1",
            "softmax: (4, 7) のバッチで各行の和が 1",
            "softmax",
            [batch],
            softmax(batch),
            arg_names=["x"],
            rtol=SOFTMAX_RTOL,
            atol=SOFTMAX_ATOL,
            hint=KEEPDIMS_HINT,
            variants=_batch_variants(batch),
            context="x: (4, 7) float64 (N = 4, K = 7)",
            error_hint=KEEPDIMS_ERROR,
        ),
        _value_check(
            "softmax: finite for x = [1000, 1010, 990]",
            "softmax: x = [1000, 1010, 990] でも有限の値",
            "softmax",
            [large],
            softmax(large),
            arg_names=["x"],
            rtol=SOFTMAX_RTOL,
            atol=SOFTMAX_ATOL,
            hint=Text(
                "exp(1000) overflows to inf and inf / inf is nan; subtracting the max first "
                "(x - np.max(x)) leaves softmax unchanged and keeps every exp() <= 1",
                "exp(1000) は inf にオーバーフローし、inf / inf は nan です。先に最大値を引けば "
                "(x - np.max(x)) 結果は変わらず、exp() はすべて 1 以下になります",
            ),
            error_hint=AXIS_ERROR,
        ),
        _value_check(
            "softmax: rows 2000 apart in a (4, 3) batch, each shifted by its own max",
            "softmax: 値が 2000 離れた行を含む (4, 3) のバッチ(行ごとの最大値を引く)",
            "softmax",
            [scales],
            softmax(scales),
            arg_names=["x"],
            rtol=SOFTMAX_RTOL,
            atol=SOFTMAX_ATOL,
            hint=Text(
                "subtract each row's own max, np.max(x, axis=-1, keepdims=True): with no max, "
                "exp(1010) overflows; with one max for the whole batch (1010 here), a row of -1000s "
                "becomes exp(-2000) = 0 and 0 / 0 = nan",
                "行ごとの最大値 np.max(x, axis=-1, keepdims=True) を引いてください。最大値を引かないと "
                "exp(1010) がオーバーフローし、バッチ全体の最大値 (ここでは 1010) を引くと -1000 前後の行が "
                "exp(-2000) = 0 になって 0 / 0 = nan です",
            ),
            variants=_batch_variants(scales),
            context="x = [[1000, 1010, 990], [-1000, -990, -1010], [0.5, -0.5, 2], [3, 3, 3]]",
            error_hint=KEEPDIMS_ERROR,
        ),
        _wide_row_check(),
    ]


def _wide_row_check() -> Check:
    """Rows whose scores spread by 805 and 3005: exp() of the spread overflows, exp() of every score does not.

    Only a shift by something other than the row's max fails here (its min, its
    mean, the batch's min): without any shift the exponents stay <= 5.  The
    first row tells a shift by the min (max - min = 805) from one by the mean
    (max - mean = 203.5, no overflow); the second overflows both.  Four columns,
    so that maxima taken without keepdims can not broadcast against three rows.
    """
    wide = np.array([[-800.0, 0.0, 5.0, 1.0], [-3000.0, 0.0, 5.0, 2.0], [0.3, -0.2, 1.1, 0.4]])
    row_max = np.max(wide, axis=-1, keepdims=True)
    row_min = np.min(wide, axis=-1, keepdims=True)
    row_mean = np.mean(wide, axis=-1, keepdims=True)
    spread = float(row_max[0, 0] - row_min[0, 0])
    above_mean = float(row_max[1, 0] - row_mean[1, 0])
    overflow = Text(
        "exp() overflows to inf above about 709, and inf / inf is nan: subtract each row's max, "
        "np.max(x, axis=-1, keepdims=True), so the largest exponent is 0 and every other one is negative",
        "exp() は約 709 を超えると inf にオーバーフローし、inf / inf は nan です。行ごとの最大値 "
        "np.max(x, axis=-1, keepdims=True) を引けば、指数の最大が 0 になり、ほかはすべて負になります",
    )
    return _value_check(
        "softmax: rows spread 805 and 3005 wide are shifted by their max",
        "softmax: 値の幅が 805 と 3005 の行でも最大値を引いて計算する",
        "softmax",
        [wide],
        softmax(wide),
        arg_names=["x"],
        rtol=SOFTMAX_RTOL,
        atol=SOFTMAX_ATOL,
        hint=overflow,
        variants=[
            Variant(
                _normalised_exp(wide, row_min, -1),
                Text(
                    f"you subtracted the row's min: then the largest exponent is max - min, {spread:g} in the "
                    f"first row, and exp({spread:g}) is inf; the max is what to subtract, so that no exponent "
                    "is above 0",
                    f"行の最小値を引いています。すると指数の最大は max - min(1 行目では {spread:g})になり、"
                    f"exp({spread:g}) は inf です。引くのは最大値で、そうすればどの指数も 0 以下になります",
                ),
            ),
            Variant(
                _normalised_exp(wide, row_mean, -1),
                Text(
                    f"you subtracted the row's mean: the largest exponent is then max - mean, {above_mean:g} in "
                    f"the second row, and exp({above_mean:g}) is inf; the max is what to subtract, so that no "
                    "exponent is above 0",
                    f"行の平均を引いています。すると指数の最大は max - mean(2 行目では {above_mean:g})になり、"
                    f"exp({above_mean:g}) は inf です。引くのは最大値で、そうすればどの指数も 0 以下になります",
                ),
            ),
            *_batch_variants(wide),
        ],
        context="x = [[-800, 0, 5, 1], [-3000, 0, 5, 2], [0.3, -0.2, 1.1, 0.4]]",
        error_hint=KEEPDIMS_ERROR,
    )


def _probabilities(rng: np.random.Generator, n: int, k: int) -> np.ndarray:
    """Softmax rows whose every probability is at least about 0.05 (far from log(0))."""
    return softmax(rng.uniform(-1.0, 1.0, size=(n, k)))


def _sign_variant(expected: float) -> Variant:
    return Variant(
        -expected,
        Text(
            "the sign is flipped: the loss is -sum(d * log(y + 1e-7)), positive because log(y) <= 0",
            "符号が逆です。損失は -sum(d * log(y + 1e-7)) で、log(y) <= 0 なので正の値です",
        ),
    )


def _cross_entropy_checks() -> list[Check]:
    rng = generator(22)

    single_y = np.array([0.1, 0.05, 0.6, 0.02, 0.05, 0.1, 0.03, 0.05])
    single_d = one_hot(np.array([2]), 8)[0]
    single = cross_entropy_error(single_d, single_y)

    batch_y = _probabilities(rng, 5, 4)
    batch_labels = np.array([3, 0, 2, 2, 1])
    batch_d = one_hot(batch_labels, 4)
    batch = cross_entropy_error(batch_d, batch_y)
    batch_per_sample = -np.log(batch_y[np.arange(5), batch_labels] + 1e-7)

    label_y = _probabilities(rng, 6, 4)
    labels = np.array([1, 3, 0, 3, 2, 1])
    by_label = cross_entropy_error(labels, label_y)
    picked_columns = -np.sum(np.log(label_y[:, labels] + 1e-7)) / 6

    scalar_y = np.array([0.15, 0.25, 0.45, 0.15])
    scalar_d = np.array(2)
    by_scalar = cross_entropy_error(scalar_d, scalar_y)

    sum_hint = Text(
        "you summed over the batch: divide by the batch size N (y.shape[0] for a (N, K) y) "
        "so the loss does not grow with the batch",
        "バッチで合計しています。バッチサイズ N((N, K) の y なら y.shape[0])で割って平均に"
        "してください。そうすれば損失がバッチの大きさに依存しません",
    )
    per_element_hint = Text(
        "you divided by the number of elements N * K: the mean is over the N samples only",
        "要素数 N * K で割っています。平均をとるのはデータ数 N についてだけです",
    )
    per_sample_hint = Text(
        "you returned one loss per sample: the result is a single number, their mean over the batch",
        "データごとの損失を返しています。戻り値はそれらのバッチ平均、1 つの数です",
    )
    columns_hint = Text(
        "y[:, d] picks whole columns, an (N, N) array: pair each row with its own label, y[np.arange(N), d]",
        "y[:, d] は列をまるごと取り出し (N, N) の配列になります。"
        "各行をその行のラベルと組にする y[np.arange(N), d] を使ってください",
    )
    single_batch_hint = Text(
        "you divided by K: a single (K,) sample is a batch of N = 1 "
        "(y.shape[0] of a 1-D y is K, not N; reshape y to (1, K) first)",
        "K で割っています。データ 1 件 (K,) は N = 1 のバッチです"
        "(1 次元の y の y.shape[0] は K です。先に y を (1, K) に reshape しましょう)",
    )
    single_hint = Text(
        "-sum(d * log(y + 1e-7)) = -log(y[2] + 1e-7) here; a one-hot d has y's shape, "
        "so compare d.shape with y.shape (not d.ndim) to tell it from labels",
        "ここでは -sum(d * log(y + 1e-7)) = -log(y[2] + 1e-7) です。one-hot の d は y と"
        "同じ形状なので、ラベルとの区別は d.ndim ではなく d.shape と y.shape の比較で行います",
    )
    labels_hint = Text(
        "d of shape (N,) holds the class of each sample, not a one-hot row: pick each "
        "sample's probability of its class with y[np.arange(N), d], or turn d into "
        "one-hot first when d.shape != y.shape",
        "形状 (N,) の d は各データの正解クラスで、one-hot ではありません。"
        "y[np.arange(N), d] で正解クラスの確率を取り出すか、d.shape != y.shape のときは"
        "先に one-hot に変換してください",
    )
    scalar_hint = Text(
        "d = np.array(2) is the class of one sample: the loss is -log(y[2] + 1e-7); "
        "treat (K,) y as a batch of 1 (y.reshape(1, -1), d.reshape(1)) and index as for "
        "(N,) labels",
        "d = np.array(2) はデータ 1 件の正解クラスで、損失は -log(y[2] + 1e-7) です。"
        "(K,) の y は N = 1 のバッチとして扱い (y.reshape(1, -1), d.reshape(1))、"
        "(N,) のラベルと同じように取り出してください",
    )
    return [
        _value_check(
            "cross_entropy_error: one-hot d for a single (8,) sample",
            "cross_entropy_error: データ 1 件 (8,) と one-hot の d",
            "cross_entropy_error",
            [single_d, single_y],
            single,
            arg_names=["d", "y"],
            rtol=LOSS_RTOL,
            atol=LOSS_ATOL,
            hint=single_hint,
            twin=[single_d.reshape(1, -1), single_y.reshape(1, -1)],
            twin_hint=CE_TWIN_HINT,
            variants=[
                Variant(single / 8, single_batch_hint),
                Variant(np.array([single]), per_sample_hint),
                _sign_variant(single),
            ],
            context="d = one_hot([2], 8)[0], y = [0.1, 0.05, 0.6, 0.02, 0.05, 0.1, 0.03, 0.05]",
            swapped_hint=SWAPPED_HINT,
        ),
        _value_check(
            "cross_entropy_error: one-hot d, the mean over a batch of 5",
            "cross_entropy_error: one-hot の d、5 件のバッチの平均",
            "cross_entropy_error",
            [batch_d, batch_y],
            batch,
            arg_names=["d", "y"],
            rtol=LOSS_RTOL,
            atol=LOSS_ATOL,
            hint=Text(
                "the loss is -sum(d * log(y + 1e-7)) / N with N = y.shape[0] = 5: the mean over "
                "the batch, a single number",
                "損失は -sum(d * log(y + 1e-7)) / N (N = y.shape[0] = 5)、バッチ平均の 1 つの数です",
            ),
            variants=[
                Variant(batch * 5, sum_hint),
                Variant(batch / 4, per_element_hint),
                Variant(batch_per_sample, per_sample_hint),
                _sign_variant(batch),
            ],
            context=Text(
                "d = one_hot([3, 0, 2, 2, 1], 4), y: (5, 4) float64, softmax rows, every y >= 0.05",
                "d = one_hot([3, 0, 2, 2, 1], 4)、y: (5, 4) float64、各行はソフトマックスの出力で、すべての y >= 0.05",
            ),
            swapped_hint=SWAPPED_HINT,
        ),
        _value_check(
            "cross_entropy_error: integer labels d of shape (6,)",
            "cross_entropy_error: 形状 (6,) の整数ラベル d",
            "cross_entropy_error",
            [labels, label_y],
            by_label,
            arg_names=["d", "y"],
            rtol=LOSS_RTOL,
            atol=LOSS_ATOL,
            hint=labels_hint,
            twin=[one_hot(labels, 4), label_y],
            twin_hint=CE_TWIN_HINT,
            variants=[
                Variant(picked_columns, columns_hint),
                Variant(by_label * 6, sum_hint),
                Variant(by_label / 4, per_element_hint),
                Variant(-np.log(label_y[np.arange(6), labels] + 1e-7), per_sample_hint),
                _sign_variant(by_label),
            ],
            context=Text(
                "d = [1, 3, 0, 3, 2, 1] (int64), y: (6, 4) float64, softmax rows",
                "d = [1, 3, 0, 3, 2, 1] (int64)、y: (6, 4) float64、各行はソフトマックスの出力",
            ),
            swapped_hint=SWAPPED_HINT,
        ),
        _value_check(
            "cross_entropy_error: a 0-d integer label for a single (4,) sample",
            "cross_entropy_error: データ 1 件 (4,) と 0 次元の整数ラベル",
            "cross_entropy_error",
            [scalar_d, scalar_y],
            by_scalar,
            arg_names=["d", "y"],
            rtol=LOSS_RTOL,
            atol=LOSS_ATOL,
            hint=scalar_hint,
            twin=[one_hot(scalar_d, 4), scalar_y],
            twin_hint=CE_TWIN_HINT,
            variants=[
                Variant(
                    -2 * np.sum(np.log(scalar_y + 1e-7)),
                    Text(
                        "the 0-d label 2 was used as one-hot data: d * log(y) multiplied every "
                        "log-probability by 2; a d whose shape differs from y's holds labels",
                        "0 次元のラベル 2 を one-hot として使ったため、d * log(y) ですべての対数確率が "
                        "2 倍されています。y と形状の違う d はラベルです",
                    ),
                ),
                Variant(by_scalar / 4, single_batch_hint),
                Variant(np.array([by_scalar]), per_sample_hint),
                _sign_variant(by_scalar),
            ],
            context="d = np.array(2) (0-d int64), y = [0.15, 0.25, 0.45, 0.15]",
            swapped_hint=SWAPPED_HINT,
        ),
        _zero_probability_check(sum_hint, per_sample_hint, per_element_hint, columns_hint),
    ]


def _zero_probability_check(sum_hint: Text, per_sample_hint: Text, per_element_hint: Text, columns_hint: Text) -> Check:
    """One-hot and label forms on probabilities that are exactly 0 (and exactly 1)."""
    y = np.array(
        [
            [0.0, 0.3, 0.7],  # the correct class has probability 0
            [0.0, 1.0, 0.0],  # certain and right
            [0.2, 0.0, 0.8],  # zeros only where d is 0
        ]
    )
    labels = np.array([0, 1, 2])
    d = one_hot(labels, 3)
    expected = cross_entropy_error(d, y)
    log_y = np.log(y + 1e-7)
    common = [
        Variant(expected * 3, sum_hint),
        Variant(-np.sum(d * log_y, axis=1), per_sample_hint),
        Variant(expected / 3, per_element_hint),
        _sign_variant(expected),
    ]
    calls = {
        "onehot": ("one-hot d", d, common),
        "labels": (
            "labels d",
            labels,
            [
                *common,
                Variant(-np.sum(log_y[:, labels]) / 3, columns_hint),
                Variant(
                    -np.sum(labels * log_y) / 3,
                    Text(
                        "the labels were multiplied in as if they were one-hot rows: d of shape (N,) "
                        "holds class indices; pick y[np.arange(N), d]",
                        "ラベルを one-hot の行のように掛けています。形状 (N,) の d はクラス番号です。"
                        "y[np.arange(N), d] で取り出してください",
                    ),
                ),
            ],
        ),
    }
    probe = Probe()
    originals = {}
    for key, (_what, teacher, _variants) in calls.items():
        probe.save(probe.attempt("cross_entropy_error", y, teacher), f"swapped {key}")
    for key, (what, teacher, _variants) in calls.items():
        d_ref, y_ref = probe.array(teacher), probe.array(y)
        probe.save(probe.call("cross_entropy_error", d_ref, y_ref), key)
        probe.save(y_ref, f"input:y ({what})")
        originals[f"y ({what})"] = y

    def swapped(run: ProbeRun) -> Text | None:
        right = [is_close(run.output(f"swapped {key}"), expected, LOSS_RTOL, LOSS_ATOL) for key in calls]
        return SWAPPED_HINT if any(right) else None

    def verify(run: ProbeRun) -> Verdict:
        lines: list[Text] = []
        hint = None
        finite = True
        for key, (what, _teacher, variants) in calls.items():
            got = run.output(key)
            wrong = close(got, expected, what=f"cross_entropy_error({what}, y)", rtol=LOSS_RTOL, atol=LOSS_ATOL)
            if not wrong:
                continue
            lines += wrong
            finite = finite and got.array is not None and bool(np.all(np.isfinite(got.array)))
            variant = matching_variant(got, variants, LOSS_RTOL, LOSS_ATOL)
            hint = hint or swapped(run) or (variant.hint if variant else None)
        in_place = unchanged(run, "cross_entropy_error", originals)
        if not lines:
            return Verdict.unless(in_place, IN_PLACE_HINTS["cross_entropy_error"])
        if hint is None and finite:
            hint = Text(
                f"finite, as it must be, but a zero probability should cost -log(0 + 1e-7) = "
                f"{-np.log(1e-7):.4f}: the contract's constant is 1e-7 (np.log(y + 1e-7), or "
                "np.log(np.clip(y, 1e-7, None))); if other cross_entropy_error checks fail, fix those first",
                f"有限なのは正しいのですが、確率 0 の項は -log(0 + 1e-7) = {-np.log(1e-7):.4f} になるはずです。"
                "課題で決まっている微小な値は 1e-7 です (np.log(y + 1e-7) または "
                "np.log(np.clip(y, 1e-7, None)))。ほかの cross_entropy_error のチェックも失敗しているなら、"
                "先にそちらを直してください",
            )
        return Verdict.fail(lines + in_place, hint)

    return Check(
        "cross_entropy_error: finite when a probability is exactly 0 (one-hot and labels)",
        "cross_entropy_error: 確率がちょうど 0 でも有限(one-hot とラベルの両方)",
        probe,
        verify,
        hint=Text(
            "log(0) is -inf, and 0 * log(0) is nan: add the small constant inside the log, "
            "np.log(y + 1e-7), in every branch (one-hot and labels), so a zero probability "
            "costs -log(1e-7) = 16.1 instead of inf",
            "log(0) は -inf、0 * log(0) は nan です。log の中に微小な値を足して np.log(y + 1e-7) と"
            "してください(one-hot とラベルの両方の処理で)。確率 0 の損失は inf ではなく "
            "-log(1e-7) = 16.1 になります",
        ),
        context=Text(
            "y = [[0, 0.3, 0.7], [0, 1, 0], [0.2, 0, 0.8]]; d = one_hot([0, 1, 2], 3) and d = [0, 1, 2]",
            "y = [[0, 0.3, 0.7], [0, 1, 0], [0.2, 0, 0.8]]。d = one_hot([0, 1, 2], 3) と d = [0, 1, 2]",
        ),
        error_diagnosis=swapped,
    )


def _mse_variants(expected: float, size: int, batch_size: int) -> list[Variant]:
    """The classic wrong reductions of mean((y - d) ** 2) / 2."""
    candidates = [
        (
            expected * 2,
            Text(
                "the 1/2 is missing: the loss is mean((y - d) ** 2) / 2",
                "1/2 が抜けています。損失は mean((y - d) ** 2) / 2 です",
            ),
        ),
        (
            expected * size,
            Text(
                "this is the book's 0.5 * sum((y - d) ** 2); this course takes the mean over "
                "all elements: 0.5 * np.mean((y - d) ** 2)",
                "書籍の 0.5 * sum((y - d) ** 2) になっています。この課題では全要素の平均をとります: "
                "0.5 * np.mean((y - d) ** 2)",
            ),
        ),
        (
            expected * 2 * size,
            Text(
                "you summed the squares and left out the 1/2: take the mean over all elements and halve it",
                "二乗の和をとり、1/2 も抜けています。全要素の平均をとって 1/2 を掛けてください",
            ),
        ),
    ]
    if batch_size != size:
        candidates += [
            (
                expected * size / batch_size,
                Text(
                    f"you divided by the batch size N = {batch_size} only: the mean is over all "
                    f"{size} elements, np.mean((y - d) ** 2) / 2",
                    f"バッチサイズ N = {batch_size} だけで割っています。平均は全 {size} 要素について"
                    "とります: np.mean((y - d) ** 2) / 2",
                ),
            ),
            (
                expected * 2 * size / batch_size,
                Text(
                    "you divided by the batch size only and left out the 1/2: "
                    "np.mean((y - d) ** 2) / 2 averages over all elements",
                    "バッチサイズだけで割り、1/2 も抜けています。np.mean((y - d) ** 2) / 2 は全要素の平均です",
                ),
            ),
        ]
    return [Variant(value, hint) for value, hint in candidates]


def _mse_checks() -> list[Check]:
    rng = generator(23)
    book_y = np.array([0.1, 0.05, 0.6, 0.0, 0.05, 0.1, 0.0, 0.1, 0.0, 0.0])
    book_d = one_hot(np.array([2]), 10)[0]
    batch_y = rng.normal(size=(3, 5))
    batch_d = rng.normal(size=(3, 5))
    hint = Text(
        "the loss is np.mean((y - d) ** 2) / 2: the mean over all elements, then halved",
        "損失は np.mean((y - d) ** 2) / 2 です。全要素の平均をとってから 1/2 を掛けます",
    )
    return [
        _value_check(
            "mean_squared_error: the book's (10,) example, halved mean",
            "mean_squared_error: 書籍の (10,) の例、平均の 1/2",
            "mean_squared_error",
            [book_d, book_y],
            mean_squared_error(book_d, book_y),
            arg_names=["d", "y"],
            rtol=1e-9,
            atol=1e-12,
            hint=hint,
            variants=_mse_variants(mean_squared_error(book_d, book_y), 10, 10),
            context="d = one_hot([2], 10)[0], y = [0.1, 0.05, 0.6, 0, 0.05, 0.1, 0, 0.1, 0, 0]",
        ),
        _value_check(
            "mean_squared_error: mean over all 15 elements of a (3, 5) batch",
            "mean_squared_error: (3, 5) のバッチの全 15 要素の平均",
            "mean_squared_error",
            [batch_d, batch_y],
            mean_squared_error(batch_d, batch_y),
            arg_names=["d", "y"],
            rtol=1e-9,
            atol=1e-12,
            hint=hint,
            variants=_mse_variants(mean_squared_error(batch_d, batch_y), 15, 3),
            context="d (3, 5) float64, y (3, 5) float64",
        ),
    ]


def _one_hot_checks() -> list[Check]:
    labels = np.array([2, 0, 3, 3, 1])
    num_classes = 6
    expected = one_hot(labels, num_classes)
    shape_variants = [
        Variant(
            one_hot(labels, int(labels.max()) + 1),
            Text(
                "you used labels.max() + 1 columns: the width is num_classes, because a batch "
                "need not contain the largest class",
                "列数が labels.max() + 1 になっています。列数は num_classes です"
                "(ミニバッチに最大のクラスが含まれるとは限りません)",
            ),
        ),
        Variant(
            expected.T,
            Text(
                "the result is transposed: one row per label, (N, num_classes)",
                "転置になっています。ラベル 1 つにつき 1 行、形状は (N, num_classes) です",
            ),
        ),
    ]
    dtype_labels = np.array([1, 0, 2])
    dtype_probe = Probe()
    dtype_probe.save(dtype_probe.call("one_hot", dtype_labels, 3), "result")

    def float_dtype(run: ProbeRun) -> Verdict:
        return Verdict.unless(
            dtype_kind_mismatch(run.output("result"), "f", "one_hot(labels, 3)"),
            Text(
                "build it from a float array: np.zeros((N, num_classes)) or np.eye(num_classes) are "
                "float64 by default; np.zeros_like(labels) would copy the labels' integer dtype",
                "float の配列から作ってください。np.zeros((N, num_classes)) や np.eye(num_classes) は"
                "既定で float64 です。np.zeros_like(labels) はラベルの整数型を引き継ぎます",
            ),
        )

    return [
        _value_check(
            "one_hot: 5 labels to a (5, 6) array, one 1.0 per row",
            "one_hot: ラベル 5 個から (5, 6) の配列、各行に 1.0 が 1 つ",
            "one_hot",
            [labels, num_classes],
            expected,
            arg_names=["labels", "num_classes"],
            rtol=0.0,
            atol=0.0,
            hint=Text(
                "row i is all 0.0 except 1.0 in column labels[i]: out[np.arange(N), labels] = 1, "
                "or np.eye(num_classes)[labels]",
                "i 行目は labels[i] 列だけ 1.0、残りは 0.0 です: out[np.arange(N), labels] = 1、"
                "または np.eye(num_classes)[labels]",
            ),
            variants=shape_variants,
            context="labels = [2, 0, 3, 3, 1], num_classes = 6",
        ),
        Check(
            "one_hot: returns a float array",
            "one_hot: float 型の配列を返す",
            dtype_probe,
            float_dtype,
            context="labels = [1, 0, 2] (int64), num_classes = 3",
        ),
    ]


def build_checks() -> list[Check]:
    """Every check of exercise 2."""
    return [
        *_softmax_checks(),
        *_cross_entropy_checks(),
        *_mse_checks(),
        *_one_hot_checks(),
    ]
