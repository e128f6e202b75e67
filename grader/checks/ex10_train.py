"""Checks for exercise 10: the completion assignment, train and predict on Iris.

The grader splits Iris (``grader/data/iris.csv``, 150 rows) into 120 training
rows (40 per class, shuffled) and 30 held-out rows (10 per class).  In the
sandbox the learner's ``train`` sees the training rows only, with the features
as they are in the file (centimetres, not standardised); ``predict`` then gets
the held-out features, after training, in the same probe.  The held-out labels
never leave the grader: the accuracy is computed here.

The accuracy is judged on five splits, and the network is trained from scratch
on each: the fixed split below, and a stratified split drawn with
``np.random.default_rng(seed)`` for each seed in ``SPLIT_SEEDS`` (the rule of
``stratified_split``).  It passes when the mean over the five (150 held-out
predictions) is at least 90 %; the report shows every split's count and the
worst one.  One split decides by luck: a ``- b2`` in train's forward pass (a
mutant of the solution) gets 28 of 30 on the fixed split, 87 % over the five.
On these splits the worked solution and the correct variants in
``tests/submissions/ex10`` get 96.7 % to 98 % on average and at least 28 of 30
on each split.  Over 20 seeded splits the correct variants average 94 % to
96 %, so 5 splits leave them a margin of about two standard errors of the mean
even on a bad draw.

The fixed split (the rows written out below, so it does not depend on NumPy's
random streams) is also the one the checks of ``predict``'s output use: it was
chosen as a typical split, on which every correct variant misses the same
versicolor (row 83, petals 5.1 x 1.6 cm) that looks like a virginica.

Every check trains the learner's network in its own probe: a learner's file is
graded by what train and predict do, and the checks that need only ``train``
never call ``predict``, so a ``predict`` that raises is not blamed on
``train``.  Checks share ``Probe`` objects, so that an engine that runs each
distinct probe once trains seven times (once for ``train``'s checks, once for
``predict``'s, five times for the accuracy) instead of once per check.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

import numpy as np

from grader.checks.verdicts import modified_line, untouched, value_of
from grader.grading import engine
from grader.grading.compare import abbreviate
from grader.grading.engine import Check
from grader.grading.results import Verdict
from grader.sandbox.client import Output, Probe, ProbeRun
from grader.text import Text

# 30 held-out rows of iris.csv (0-based, header and comments not counted),
# 10 per class, in the order predict receives them
TEST_ROWS = (26, 2, 39, 29, 62, 15, 35, 63, 129, 120, 140, 109, 84, 141, 65,
             83, 107, 71, 46, 73, 138, 69, 44, 102, 97, 113, 105, 61, 10, 38)  # fmt: skip
# the other 120 rows, 40 per class, in the order train receives them: shuffled,
# because the file is sorted by class and a minibatch learner that forgets to
# shuffle should meet real data, not the file's order
TRAIN_ROWS = (130, 33, 103, 127, 41, 32, 139, 82, 149, 89, 13, 70, 3, 117, 67,
              128, 53, 50, 79, 86, 101, 121, 115, 133, 123, 23, 146, 136, 14, 131,
              51, 122, 75, 143, 104, 45, 55, 5, 126, 77, 27, 112, 40, 81, 114,
              94, 22, 59, 64, 76, 74, 118, 30, 68, 12, 147, 85, 142, 1, 88,
              11, 43, 137, 24, 19, 47, 116, 18, 87, 72, 93, 111, 78, 135, 36,
              56, 100, 95, 54, 17, 124, 28, 31, 96, 58, 48, 125, 21, 148, 90,
              8, 92, 25, 20, 52, 7, 144, 134, 60, 108, 34, 16, 57, 80, 0,
              42, 110, 37, 119, 106, 49, 132, 4, 99, 9, 145, 6, 98, 66, 91)  # fmt: skip
NUM_CLASSES = 3
PASS_ACCURACY = 0.9
# the accuracy is the mean over the fixed split and one stratified split drawn with each of these
# seeds (5 splits, 150 held-out predictions): one lucky or unlucky split can not decide it
SPLIT_SEEDS = (1, 2, 3, 4)
# predict on parts of the held-out set: a single row and a handful of rows of
# all three classes; the single row is a virginica (class 2), because a row of
# nan (std 0 of one row) has argmax 0 and would pass for a setosa
SUBSET_POSITIONS = (8, 4, 12, 0, 22, 16, 1)
SINGLE_POSITION = 8
SPARK_WIDTH = 40
SPARK_BARS = "▁▂▃▄▅▆▇█"
SPARK_BAD = "×"
# a learner's train that takes longer than this on 120 rows is worth a remark
SLOW_SECONDS = 10.0
LOSS_KEY = "loss_history"


# -- the data ---------------------------------------------------------------------


@cache
def load_iris() -> tuple[np.ndarray, np.ndarray]:
    """Iris from ``grader/data/iris.csv``: features (150, 4) float64, labels (150,) int64."""
    text = resources.files("grader").joinpath("data", "iris.csv").read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    rows = np.array([[float(value) for value in line.split(",")] for line in lines[1:]])
    features, labels = rows[:, :4], rows[:, 4].astype(np.int64)
    if features.shape != (150, 4) or np.bincount(labels).tolist() != [50, 50, 50]:
        raise RuntimeError(f"grader/data/iris.csv is damaged: {features.shape[0]} rows, labels {np.bincount(labels)}")
    return features, labels


@cache
def split() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``x_train (120, 4), t_train (120,), x_test (30, 4), t_test (30,)``: the fixed split."""
    features, labels = load_iris()
    train, test = np.array(TRAIN_ROWS), np.array(TEST_ROWS)
    return features[train], labels[train], features[test], labels[test]


def stratified_split(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Row indices ``(train (120,), test (30,))`` of a stratified split drawn with ``default_rng(seed)``.

    Per class, in the order 0, 1, 2, the class's 50 rows are permuted and the
    first 10 held out; the 120 training rows are then permuted as a whole (the
    same rule as ``bench/harness.py``'s ``iris_split``).
    """
    _features, labels = load_iris()
    rng = np.random.default_rng(seed)
    train: list[int] = []
    test: list[int] = []
    for label in range(NUM_CLASSES):
        rows = rng.permutation(np.flatnonzero(labels == label))
        test += rows[:10].tolist()
        train += rows[10:].tolist()
    return rng.permutation(np.array(train)), np.array(test)


@cache
def accuracy_splits() -> tuple[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray], ...]:
    """The splits the accuracy is judged on: the fixed split, then one drawn with each of ``SPLIT_SEEDS``."""
    features, labels = load_iris()
    splits = [split()]
    for seed in SPLIT_SEEDS:
        train, test = stratified_split(seed)
        splits.append((features[train], labels[train], features[test], labels[test]))
    return tuple(splits)


# -- the probes ---------------------------------------------------------------------


def _train_probe() -> Probe:
    """train(x_train, t_train) alone; brings back params and both arguments afterwards."""
    x_train, t_train, _x_test, _t_test = split()
    probe = Probe()
    x = probe.array(x_train)
    t = probe.array(t_train)
    probe.save(probe.call("train", x, t), "params")
    probe.save(x, "input:x_train")
    probe.save(t, "input:t_train")
    return probe


def _predict_probe() -> Probe:
    """train, then predict on the held-out rows (twice), on parts of them and on the training rows."""
    x_train, t_train, x_test, _t_test = split()
    probe = Probe()
    params = probe.call("train", probe.array(x_train), probe.array(t_train))
    probe.save(params, "params")
    x = probe.array(x_test)
    probe.save(probe.call("predict", params, x), "labels")
    probe.save(probe.call("predict", params, x), "labels again")
    probe.save(x, "input:x")
    single = x_test[SINGLE_POSITION : SINGLE_POSITION + 1]
    probe.save(probe.call("predict", params, single), "labels single")
    probe.save(probe.call("predict", params, x_test[list(SUBSET_POSITIONS)]), "labels subset")
    probe.save(probe.call("predict", params, x_test[::-1].copy()), "labels reversed")
    probe.save(probe.call("predict", params, x_train.copy()), "train labels")
    return probe


def _accuracy_probe() -> Probe:
    """On every split: train, then predict on its held-out rows and on its training rows."""
    probe = Probe()
    for number, (x_train, t_train, x_test, _t_test) in enumerate(accuracy_splits(), start=1):
        params = probe.call("train", probe.array(x_train), probe.array(t_train))
        probe.save(params, f"params {number}")
        x = probe.array(x_test)
        probe.save(probe.call("predict", params, x), f"labels {number}")
        if number == 1:
            probe.save(probe.call("predict", params, x), "labels 1 again")
        probe.save(probe.call("predict", params, probe.array(x_train)), f"train labels {number}")
    return probe


LABELS_NAME = Text(
    f"predict: returns integer labels of shape ({len(TEST_ROWS)},), each 0, 1 or 2",
    f"predict: 形状 ({len(TEST_ROWS)},) の整数ラベル(0, 1, 2)を返す",
)
REPEATABLE_NAME = Text(
    "predict: the same labels when called twice, x left unchanged",
    "predict: 2 回呼んでも同じラベル、x は書き換えない",
)
CONTEXT = Text(
    "Iris: train(x_train (120, 4), t_train (120,)), 40 flowers per class, features in cm "
    "(not standardised); then predict(params, x) on 30 held-out flowers, 10 per class",
    "Iris: train(x_train (120, 4), t_train (120,))、各クラス 40 件、特徴量は cm 単位(標準化なし)。"
    "続いて predict(params, x) に学習に使っていない 30 件(各クラス 10 件)",
)


ACCURACY_CONTEXT = Text(
    f"Iris, {1 + len(SPLIT_SEEDS)} stratified splits (the fixed one above, and one drawn with "
    f"np.random.default_rng(seed) for seed in {SPLIT_SEEDS}): on each, train(x_train (120, 4), t_train (120,)) "
    "from scratch, then predict(params, x) on its 30 held-out flowers, 10 per class; features in cm",
    f"Iris の層化分割 {1 + len(SPLIT_SEEDS)} 通り(上の固定の分割と、seed = {SPLIT_SEEDS} の "
    "np.random.default_rng(seed) で作った分割)。それぞれで train(x_train (120, 4), t_train (120,)) を最初から行い、"
    "学習に使っていない 30 件(各クラス 10 件)に predict(params, x)。特徴量は cm 単位",
)


# -- train: returns a dict of numeric arrays ----------------------------------------------


NONE_HINT = Text(
    "end train with `return params`, the dict that predict needs",
    "train の最後に `return params`(predict が必要とする辞書)を書いてください",
)
NOT_DICT_HINT = Text(
    "return one dict of arrays, e.g. {'W1': W1, 'b1': b1, 'W2': W2, 'b2': b2, 'mean': mean, 'std': std}; "
    "with the book's TwoLayerNet return net.params plus what predict needs besides; "
    "put extras such as the losses into the same dict (params['loss_history'])",
    "配列の辞書を 1 つ返してください(例: {'W1': W1, 'b1': b1, 'W2': W2, 'b2': b2, 'mean': mean, 'std': std})。"
    "教科書の TwoLayerNet なら net.params に predict が必要なものを加えて返します。"
    "損失などの追加情報も同じ辞書に入れてください(params['loss_history'])",
)
ITEM_HINT = Text(
    "every value of the dict must be a numeric array (or a number, or a list of numbers): no layer "
    "objects, nested dicts or strings; store the numbers predict needs and rebuild the network from them",
    "辞書の値はすべて数値の配列(または数値、数値のリスト)にしてください。レイヤのオブジェクト・入れ子の辞書・"
    "文字列は不可です。predict に必要な数値だけを保存し、predict の中でネットワークを組み立て直してください",
)


def _params_verdict(got: Output) -> Verdict:
    """Whether train's return value is a dict of numeric arrays, and why not."""
    if got.kind == "none":
        return Verdict.fail(
            [
                Text(
                    "train returned None; expected a dict of arrays", "train が None を返しました。配列の辞書が必要です"
                )
            ],
            NONE_HINT,
        )
    if got.kind != "dict":
        return Verdict.fail(
            [
                Text(
                    f"train returned a {got.pytype}; expected a dict of arrays",
                    f"train が {got.pytype} を返しました。配列の辞書が必要です",
                )
            ],
            NOT_DICT_HINT,
        )
    if not got.items:
        return Verdict.fail(
            [Text("train returned an empty dict", "train が空の辞書を返しました")],
            Text(
                "put the trained weights and biases (and the standardisation statistics) into the dict",
                "学習した重みとバイアス(と標準化の統計量)を辞書に入れてください",
            ),
        )
    bad = [key for key, array in got.items.items() if array is None]
    if not bad:
        return Verdict.ok()
    lines = [
        Text(
            f"params[{key!r}] is not a numeric array: {got.item_reasons.get(key, '?')}",
            f"params[{key!r}] が数値の配列ではありません: {got.item_reasons.get(key, '?')}",
        )
        for key in bad[:5]
    ]
    if len(bad) > 5:
        lines.append(Text(f"... and {len(bad) - 5} more keys", f"... ほか {len(bad) - 5} 個のキー"))
    return Verdict.fail(lines, ITEM_HINT)


def _verify_params(run: ProbeRun) -> Verdict:
    return _params_verdict(run.output("params"))


# -- train: leaves its arguments unchanged -------------------------------------------------


def _standardised(original: np.ndarray) -> np.ndarray:
    return (original - original.mean(axis=0)) / original.std(axis=0)


def _verify_inputs_unchanged(run: ProbeRun) -> Verdict:
    x_train, t_train, _x_test, _t_test = split()
    lines: list[Text] = []
    for label, original in (("x_train", x_train), ("t_train", t_train)):
        after = run.output(f"input:{label}").array
        if untouched(after, original):
            continue
        lines.append(modified_line("train", label))
        if after is None or after.shape != original.shape:
            continue
        changed = np.abs(after.astype(np.float64) - original)
        changed[np.isnan(changed)] = np.inf
        flat = int(np.argmax(changed))
        where = "[" + ", ".join(str(int(i)) for i in np.unravel_index(flat, original.shape)) + "]"
        lines.append(
            Text(
                f"{label}{where} was {original.flat[flat]:g} before the call and is {after.flat[flat]:g} after it",
                f"{label}{where} は呼び出し前 {original.flat[flat]:g}、呼び出し後 {after.flat[flat]:g} です",
            )
        )
        if label == "x_train" and np.allclose(after, _standardised(original), atol=1e-6):
            lines.append(
                Text(
                    "x_train now holds the standardised features: the standardisation was done in place",
                    "x_train に標準化後の値が入っています。標準化をその場で行っています",
                )
            )
    hint = Text(
        "x_train -= mean or x /= std (where x = x_train, or np.asarray(x_train) of a float array, is the same "
        "array) writes into the caller's data: in a notebook that runs train twice, the second run would "
        "standardise standardised data; write x = (x_train - mean) / std, which makes a new array",
        "x_train -= mean や x /= std(x = x_train や float 配列の np.asarray(x_train) は同じ配列です)は"
        "呼び出し元のデータを書き換えます。ノートブックで train を 2 回実行すると、標準化済みのデータを"
        "もう一度標準化することになります。新しい配列を作る x = (x_train - mean) / std と書いてください",
    )
    return Verdict.unless(lines, hint)


# -- predict: returns integer labels (N,) ----------------------------------------------------


def _labels_verdict(got: Output, rows: int, call: str) -> Verdict:
    """Whether predict's output is ``rows`` integer labels 0..2, and why not."""
    array, lines = value_of(got, call)
    if array is None:
        return Verdict.fail(
            lines,
            Text(
                "predict returns np.argmax(scores, axis=1), an integer array with one label per row",
                "predict は np.argmax(scores, axis=1) のように、各行に 1 つのラベルを持つ整数配列を返します",
            ),
        )
    assert array is not None
    shape = tuple(array.shape)
    if shape == (rows, NUM_CLASSES):
        one_hot = bool(np.all((array == 0) | (array == 1)) and np.all(array.sum(axis=1) == 1))
        what = "one-hot rows" if one_hot else "scores or probabilities"
        what_ja = "one-hot の行" if one_hot else "スコアか確率"
        return Verdict.fail(
            [
                Text(
                    f"{call} returned shape {shape}, {what} for each class; expected labels of shape ({rows},)",
                    f"{call} の形状が {shape} で、各クラスの{what_ja}です。形状 ({rows},) のラベルが必要です",
                ),
                Text(f"first row: {abbreviate(array[0])}", f"1 行目: {abbreviate(array[0])}"),
            ],
            Text(
                "the label is the index of the largest score: return np.argmax(y, axis=1)",
                "ラベルは最大スコアの位置です。np.argmax(y, axis=1) を返してください",
            ),
        )
    if shape in ((rows, 1), (1, rows)):
        return Verdict.fail(
            [
                Text(
                    f"{call} returned shape {shape}; expected ({rows},), one label per row",
                    f"{call} の形状が {shape} です。各行に 1 つのラベル、形状 ({rows},) が必要です",
                )
            ],
            Text(
                "np.argmax(y, axis=1) already gives shape (N,); drop keepdims=True, or return labels.reshape(-1)",
                "np.argmax(y, axis=1) の結果はすでに形状 (N,) です。"
                "keepdims=True をやめるか labels.reshape(-1) を返してください",
            ),
        )
    if shape == ():
        return Verdict.fail(
            [
                Text(
                    f"{call} returned a single number, {array.item()!r}; expected ({rows},) labels",
                    f"{call} が数値 1 つ({array.item()!r})を返しました。形状 ({rows},) のラベルが必要です",
                )
            ],
            Text(
                "np.argmax(y) without axis=1 gives the index into the flattened array; use np.argmax(y, axis=1)",
                "axis=1 のない np.argmax(y) は平坦化した配列での位置を返します。np.argmax(y, axis=1) としてください",
            ),
        )
    if shape != (rows,):
        return Verdict.fail(
            [
                Text(
                    f"{call} returned shape {shape}; expected ({rows},), one label per row of x",
                    f"{call} の形状が {shape} です。x の各行に 1 つのラベル、形状 ({rows},) が必要です",
                )
            ],
            Text(
                "x has one flower per row: predict returns one label per row, np.argmax(scores, axis=1)",
                "x は 1 行に 1 つの花です。predict は各行に 1 つのラベル np.argmax(scores, axis=1) を返します",
            ),
        )
    if array.dtype.kind not in "iu":
        integral = array.dtype.kind == "f" and bool(np.all(np.isfinite(array)) and np.all(array == np.round(array)))
        lines = [
            Text(
                f"{call} has dtype {array.dtype}; expected integer labels",
                f"{call} の dtype が {array.dtype} です。整数のラベルが必要です",
            )
        ]
        if array.dtype.kind != "f" or not integral:
            lines.append(Text(f"got {abbreviate(array)}", f"あなたの値 {abbreviate(array)}"))
        return Verdict.fail(
            lines,
            Text(
                "labels are class numbers, used as indices: np.argmax already returns integers; "
                "a label array built with np.zeros(N) is float, use np.zeros(N, dtype=int) or .astype(np.int64)",
                "ラベルはクラスの番号で、添字にも使います。np.argmax は整数を返します。"
                "np.zeros(N) で作った配列は float なので np.zeros(N, dtype=int) や .astype(np.int64) を使ってください",
            ),
        )
    outside = sorted({int(v) for v in np.unique(array)} - set(range(NUM_CLASSES)))
    if outside:
        return Verdict.fail(
            [
                Text(
                    f"{call} contains labels {outside}; Iris's labels are 0, 1 and 2",
                    f"{call} にラベル {outside} が含まれています。Iris のラベルは 0, 1, 2 です",
                ),
                Text(f"got {abbreviate(array)}", f"あなたの値 {abbreviate(array)}"),
            ],
            Text(
                "labels count from 0, like t_train: no + 1, and argmax over the classes (axis=1), not over the rows",
                "ラベルは t_train と同じく 0 から数えます。+ 1 は不要で、argmax はクラス方向(axis=1)に取ります",
            ),
        )
    return Verdict.ok()


def _verify_labels(run: ProbeRun) -> Verdict:
    return _labels_verdict(run.output("labels"), len(TEST_ROWS), "predict(params, x)")


# -- predict: deterministic, x unchanged ----------------------------------------------------


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    """Equal labels; for float outputs (scores a learner returned), equal up to rounding."""
    if a.shape != b.shape:
        return False
    if a.dtype.kind in "fc" or b.dtype.kind in "fc":
        return bool(np.allclose(a, b, rtol=1e-9, atol=1e-12, equal_nan=True))
    return bool(np.array_equal(a, b))


REPEATABLE_HINT = Text(
    "predict must not draw random numbers or change params: no dropout at prediction time "
    "(train_flg=False), no noise, no update of params inside predict",
    "predict で乱数を使ったり params を変えたりしてはいけません。予測時は Dropout を使わず"
    "(train_flg=False)、ノイズも加えず、predict の中で params を更新しないでください",
)


X_IN_PLACE_HINT = Text(
    "x -= params['mean'] writes into the caller's array, so predicting twice standardises twice; "
    "write z = (x - params['mean']) / params['std'], a new array",
    "x -= params['mean'] は呼び出し元の配列を書き換えるので、2 回予測すると 2 回標準化されます。"
    "新しい配列を作る z = (x - params['mean']) / params['std'] と書いてください",
)


def _unrepeatable_hint(run: ProbeRun) -> Text:
    """Why two predict calls on the same x disagree: x changed by the first, or randomness."""
    _x_train, _t_train, x_test, _t_test = split()
    return REPEATABLE_HINT if untouched(run.output("input:x").array, x_test) else X_IN_PLACE_HINT


def _verify_repeatable(run: ProbeRun) -> Verdict:
    _x_train, _t_train, x_test, _t_test = split()
    first, problems = value_of(run.output("labels"), "predict(params, x)")
    if first is None:
        return Verdict.fail(problems)
    lines: list[Text] = []
    hint = None
    after = run.output("input:x").array
    if not untouched(after, x_test):
        lines.append(modified_line("predict", "x"))
        if after is not None and after.shape == x_test.shape:
            lines.append(
                Text(
                    f"x[0] was {abbreviate(x_test[0])} and is {abbreviate(after[0])} after the calls",
                    f"x[0] は呼び出し前 {abbreviate(x_test[0])}、呼び出し後 {abbreviate(after[0])} です",
                )
            )
        hint = X_IN_PLACE_HINT
    second, problems = value_of(run.output("labels again"), "predict(params, x), second call")
    if second is None:
        return Verdict.fail(lines + problems, hint)
    if not _same(first, second):
        lines.append(
            Text(
                "calling predict(params, x) twice with the same params and x gave different results",
                "同じ params と x で predict(params, x) を 2 回呼ぶと結果が変わりました",
            )
        )
        if first.shape == second.shape:
            differ = int(np.sum(first != second))
            lines.append(
                Text(
                    f"first call  {abbreviate(first)}\nsecond call {abbreviate(second)} ({differ} differ)",
                    f"1 回目 {abbreviate(first)}\n2 回目 {abbreviate(second)}({differ} 個が違います)",
                )
            )
        if hint is None:
            hint = REPEATABLE_HINT
    return Verdict.unless(lines, hint)


# -- predict: a row's label does not depend on the other rows ------------------------------


def _verify_row_independent(run: ProbeRun) -> Verdict:
    full, problems = value_of(run.output("labels"), "predict(params, x)")
    if full is None:
        return Verdict.fail(problems)
    if full.ndim == 0 or full.shape[0] != len(TEST_ROWS):
        return Verdict.fail(
            [
                Text(
                    f"predict(params, x) returned shape {full.shape}; the labels of parts of x can not be compared",
                    f"predict(params, x) の形状が {full.shape} なので、x の一部に対するラベルと比べられません",
                )
            ]
        )
    again, _ = value_of(run.output("labels again"), "predict(params, x)")
    if again is not None and not _same(full, again):
        return Verdict.fail(
            [
                Text(
                    "predict gives different labels for the same x at every call (see the check "
                    f"'{REPEATABLE_NAME.en}'), so the labels of parts of x can not be compared",
                    f"predict は同じ x でも呼ぶたびに違うラベルを返すので(チェック「{REPEATABLE_NAME.ja}」を参照)、"
                    "x の一部に対するラベルと比べられません",
                )
            ],
            _unrepeatable_hint(run),
        )
    n = len(TEST_ROWS)
    parts = (
        ("labels single", [SINGLE_POSITION], f"x[{SINGLE_POSITION}:{SINGLE_POSITION + 1}], one row alone",
         f"x[{SINGLE_POSITION}:{SINGLE_POSITION + 1}](1 行だけ)"),
        ("labels subset", list(SUBSET_POSITIONS), f"x[{list(SUBSET_POSITIONS)}], {len(SUBSET_POSITIONS)} rows",
         f"x[{list(SUBSET_POSITIONS)}]({len(SUBSET_POSITIONS)} 行)"),
        ("labels reversed", list(range(n - 1, -1, -1)), "x[::-1], the rows in reverse order", "x[::-1](行を逆順)"),
    )  # fmt: skip
    lines: list[Text] = []
    for name, positions, label, label_ja in parts:
        got, problems = value_of(run.output(name), f"predict(params, {label})")
        if problems:
            lines.extend(problems)
            continue
        assert got is not None
        expected = full[positions]
        if _same(got, expected):
            continue
        lines.append(
            Text(
                f"predict on {label}: expected the same labels as those rows got in the whole batch, "
                f"{abbreviate(expected)}; got {abbreviate(got)}",
                f"{label_ja} に対する predict: バッチ全体のときと同じラベル {abbreviate(expected)} が"
                f"期待されますが、結果は {abbreviate(got)} です",
            )
        )
    return Verdict.unless(
        lines,
        Text(
            "a flower's label must not depend on which other flowers are in x: standardise with the training "
            "mean and std saved in params, not with x.mean(axis=0) and x.std(axis=0) (one row has std 0), "
            "and use no batch statistics (BatchNormalization: train_flg=False uses the running averages)",
            "花のラベルが x に一緒に入っている他の花で変わってはいけません。標準化には x.mean(axis=0) や "
            "x.std(axis=0) ではなく params に保存した訓練データの平均と標準偏差を使ってください"
            "(1 行だけなら標準偏差は 0 です)。バッチの統計量も使わないでください"
            "(BatchNormalization は train_flg=False で移動平均を使います)",
        ),
    )


# -- the accuracy, the time, the loss curve --------------------------------------------------


def sparkline(values: np.ndarray, width: int = SPARK_WIDTH) -> tuple[str, float, float]:
    """``values`` as at most ``width`` bars, and the values of the lowest and the highest bar.

    The bars are values read at evenly spaced positions, the first and the last
    value included, so a curve that ends higher than it started is drawn so (a
    bar that averaged its share of the values would smear an early spike into
    the first bar).  nan and inf are drawn as ``×``; the scale runs from the
    smallest to the largest finite bar (nan when there is none).
    """
    values = np.asarray(values, dtype=np.float64).ravel()
    if values.size == 0:
        return "", float("nan"), float("nan")
    positions = np.unique(np.round(np.linspace(0, values.size - 1, min(width, values.size))).astype(int))
    bars = values[positions]
    finite = np.isfinite(bars)
    if not finite.any():
        return SPARK_BAD * len(bars), float("nan"), float("nan")
    low, high = float(bars[finite].min()), float(bars[finite].max())
    span = high - low
    chars = []
    for value in bars:
        if not np.isfinite(value):
            chars.append(SPARK_BAD)
        elif span <= 1e-12 * max(1.0, abs(high)):
            chars.append(SPARK_BARS[len(SPARK_BARS) // 2])
        else:
            level = int(round((value - low) / span * (len(SPARK_BARS) - 1)))
            chars.append(SPARK_BARS[level])
    return "".join(chars), low, high


def _loss_lines(params: Output, which: str = "") -> tuple[list[Text], np.ndarray | None]:
    """Lines that draw params['loss_history'] (of ``which`` split), or say how to get one; and the history."""
    if params.kind != "dict":
        return [], None
    if LOSS_KEY not in params.items:
        return [
            Text(
                "loss curve: none; store the loss of every epoch in params['loss_history'] "
                "(a 1-D array or a list of floats) and it is drawn here",
                "損失の推移: なし。エポックごとの損失を params['loss_history'](1 次元配列か float のリスト)に"
                "入れると、ここにグラフが表示されます",
            )
        ], None
    history = params.items[LOSS_KEY]
    if history is None or history.ndim != 1 or history.size == 0 or history.dtype.kind not in "iuf":
        shape = "not numeric" if history is None else f"shape {history.shape} {history.dtype}"
        return [
            Text(
                f"loss curve: params['loss_history'] is {shape}; expected a 1-D array of losses, one per epoch",
                f"損失の推移: params['loss_history'] が {shape} です。エポックごとの損失の 1 次元配列にしてください",
            )
        ], None
    history = history.astype(np.float64)
    bars, low, high = sparkline(history)
    scale = f"▁ = {low:.3g}, █ = {high:.3g}" if np.isfinite(low) else "no finite value"
    scale_ja = f"▁ = {low:.3g}、█ = {high:.3g}" if np.isfinite(low) else "有限の値なし"
    lines = [
        Text(
            f"loss curve{which} ({history.size} values, {len(bars)} shown evenly from the first to the last; "
            f"{scale}): {bars}",
            f"損失の推移{which}({history.size} 個から最初と最後を含め等間隔に {len(bars)} 個表示。{scale_ja}): {bars}",
        )
    ]
    finite = np.isfinite(history)
    if finite.all():
        lowest, highest = int(np.argmin(history)), int(np.argmax(history))
        lines.append(
            Text(
                f"  first {history[0]:.4g}, last {history[-1]:.4g}, lowest {history[lowest]:.4g} "
                f"(value {lowest + 1}), highest {history[highest]:.4g} (value {highest + 1}) of {history.size}",
                f"  最初 {history[0]:.4g}、最後 {history[-1]:.4g}、最小 {history[lowest]:.4g}"
                f"({lowest + 1} 番目)、最大 {history[highest]:.4g}({highest + 1} 番目)、全 {history.size} 個",
            )
        )
    else:
        first_bad = int(np.flatnonzero(~finite)[0])
        lines.append(
            Text(
                f"  first {history[0]:.4g}; the first nan or inf is value {first_bad + 1} of {history.size}",
                f"  最初 {history[0]:.4g}。{history.size} 個中 {first_bad + 1} 番目で初めて nan か inf になります",
            )
        )
    return lines, history


def _as_labels(array: np.ndarray, rows: int) -> tuple[np.ndarray | None, bool]:
    """Labels (rows,) read from predict's output if they can be; and whether it took argmax."""
    if array.shape in ((rows,), (rows, 1), (1, rows)):
        return array.reshape(rows), False
    if array.ndim == 2 and array.shape[0] == rows and array.shape[1] > 1:
        return np.argmax(array, axis=1), True
    return None, False


def _accuracy(got: Output, labels: np.ndarray) -> tuple[float | None, bool]:
    array, problems = value_of(got, "predict")
    if problems or array is None or array.dtype.kind not in "biuf":
        return None, False
    predicted, took_argmax = _as_labels(array, labels.size)
    if predicted is None:
        return None, False
    return float(np.mean(predicted == labels)), took_argmax


def _percent(value: float) -> str:
    return f"{100 * value:.1f} %"


def _went_down(history: np.ndarray) -> bool:
    """Whether a loss curve shows a network that learnt (3 classes: log 3 = 1.10 is guessing)."""
    return bool(history.size > 1 and history[-1] < 0.35 and history[-1] < 0.5 * history[0])


def _rose(history: np.ndarray) -> bool:
    """Whether a finite loss curve ends above its start or climbs to twice it: steps that overshoot.

    With a learning rate that suits the data, a full-batch (or epoch-mean) loss
    wobbles, but it neither ends above where it started nor doubles on the way.
    """
    return bool(history.size > 1 and (history[-1] > history[0] or history.max() > 2.0 * history[0]))


def _rising_loss(history: np.ndarray) -> Text:
    highest = int(np.argmax(history))
    ended = history[-1] > history[0]
    how = (
        f"ended at {history[-1]:.3g}, {history[-1] / history[0]:.2g} times where it started ({history[0]:.3g})"
        if ended
        else f"climbed from {history[0]:.3g} to {history[highest]:.3g} (value {highest + 1}) before it ended "
        f"at {history[-1]:.3g}"
    )
    how_ja = (
        f"最初 ({history[0]:.3g}) の {history[-1] / history[0]:.2g} 倍の {history[-1]:.3g} で終わっています"
        if ended
        else f"{history[0]:.3g} から {highest + 1} 番目で {history[highest]:.3g} まで上がり、"
        f"{history[-1]:.3g} で終わっています"
    )
    return Text(
        f"the loss went up, not down: it {how}. The steps overshoot the minimum and the training diverges: "
        "the learning rate is too large (more epochs do not help). Lower it (Adam: about 0.01; SGD on "
        "standardised features: about 0.1) and standardise the features with the training mean and std",
        f"損失が下がらずに上がっています。{how_ja}。更新が最小値を飛び越えて学習が発散しています。"
        "学習率が大きすぎます(エポック数を増やしても直りません)。学習率を下げ(Adam なら 0.01 程度、"
        "標準化した特徴量での SGD なら 0.1 程度)、訓練データの平均と標準偏差で特徴量を標準化してください",
    )


def _diagnosis(
    params: Output,
    history: np.ndarray | None,
    test_labels: np.ndarray | None,
    accuracy: float,
    train_accuracy: float | None,
) -> Text:
    """The likeliest reason for a low held-out accuracy, from what the probe brought back."""
    diverged = [
        key
        for key, array in (params.items.items() if params.kind == "dict" else ())
        if array is not None and array.dtype.kind in "fc" and not np.all(np.isfinite(array))
    ]
    if diverged or (history is not None and not np.all(np.isfinite(history))):
        where = f"params[{diverged[0]!r}] holds nan or inf: " if diverged else ""
        where_ja = f"params[{diverged[0]!r}] に nan か inf があります。" if diverged else ""
        return Text(
            f"{where}the training diverged (the loss became nan). With features in cm and no "
            "standardisation, a large learning rate makes the weights blow up: standardise the "
            "features with the training mean and std, and/or lower the learning rate",
            f"{where_ja}学習が発散しました(損失が nan になりました)。cm 単位の特徴量を標準化せずに"
            "大きな学習率を使うと重みが爆発します。訓練データの平均と標準偏差で特徴量を標準化するか、"
            "学習率を下げてください",
        )
    one_class = test_labels is not None and np.unique(test_labels).size == 1
    if one_class and history is not None and abs(history[-1] - np.log(NUM_CLASSES)) < 1e-3:
        return Text(
            f"the loss ends at {history[-1]:.4f} = log 3, the loss of a network that gives every flower the "
            "same scores, and predict gives every flower one class: the hidden ReLU units died (every "
            "pre-activation negative) after too large a step. Standardise the features with the training "
            "mean and std, and/or lower the learning rate",
            f"損失が {history[-1]:.4f} = log 3(すべての花に同じスコアを出すネットワークの損失)で止まり、"
            "predict もすべての花を同じクラスにしています。大きすぎる更新で中間層の ReLU がすべて死んで"
            "(入力がすべて負に)います。訓練データの平均と標準偏差で特徴量を標準化するか、学習率を下げてください",
        )
    if history is not None and _rose(history):
        return _rising_loss(history)
    if one_class and (history is None or not _went_down(history)):
        assert test_labels is not None
        return Text(
            f"predict gives class {int(test_labels[0])} to every flower: the network has not learnt "
            "(too few epochs, a tiny learning rate, weights that all start at 0 so that every hidden unit "
            "stays the same, dead ReLU units after too large a step, or an optimizer "
            "whose update does not reach the arrays in params), or predict does not compute what train "
            "trained (the same standardisation, the same layers); a loss curve in params['loss_history'] "
            "tells which",
            f"predict がすべての花をクラス {int(test_labels[0])} にしています。ネットワークが学習できていない"
            "(エポック数が少ない、学習率が小さすぎる、重みをすべて 0 で初期化したため中間層のユニットが"
            "みな同じままになっている、大きすぎる更新で ReLU が死んだ、optimizer の更新が "
            "params の配列に届いていない)か、predict が train で学習したものと同じ計算(同じ標準化、同じ層)を"
            "していないかです。params['loss_history'] に損失の推移を入れるとどちらか分かります",
        )
    if accuracy < 0.2 and train_accuracy is not None and train_accuracy < 0.2:
        return Text(
            f"{_percent(accuracy)} is far below the 33 % of guessing: the labels are systematically "
            "mixed up; predict must number the classes as t_train does (0 = setosa, 1 = versicolor, "
            "2 = virginica), with the argmax over the class axis",
            f"{_percent(accuracy)} は当てずっぽう(33 %)よりずっと低く、ラベルが系統的に入れ替わっています。"
            "predict はクラスを t_train と同じ番号(0 = setosa, 1 = versicolor, 2 = virginica)で返し、"
            "argmax はクラスの軸に沿って取ります",
        )
    if train_accuracy is not None and train_accuracy >= 0.97:
        return Text(
            f"the training rows are {_percent(train_accuracy)} right but the held-out rows much less: "
            "what train learnt fits its 120 flowers and does not carry over to new ones (overfitting, or a "
            "predict that recognises only the rows it was trained on); predict must compute the class from "
            "the learnt weights for any x, and a network that memorises needs L2 weight decay (exercise 9), "
            "fewer hidden units or fewer epochs",
            f"訓練データの正解率は {_percent(train_accuracy)} ですが、テストデータではずっと低くなっています。"
            "学習したものが 120 件の訓練データにだけ合っていて、新しいデータに通用していません(過学習、"
            "または訓練に使った行しか見分けられない predict)。predict はどんな x でも学習した重みからクラスを"
            "計算する必要があります。ネットワークが丸暗記しているなら、L2 正則化(課題 9)を加えるか、"
            "中間層のユニット数やエポック数を減らしてください",
        )
    if history is not None and _went_down(history):
        return Text(
            f"the loss went down to {history[-1]:.3g}, yet even the training rows are only "
            f"{_percent(train_accuracy or 0.0)} right: predict does not compute what train trained; "
            "it must apply the same standardisation (the training mean and std stored in params) "
            "and the same layers",
            f"損失は {history[-1]:.3g} まで下がったのに、訓練データでも正解率が "
            f"{_percent(train_accuracy or 0.0)} しかありません。predict が train で学習したものと同じ計算を"
            "していません。params に保存した訓練データの平均と標準偏差で同じように標準化し、同じ層を通してください",
        )
    advice = Text(
        "the network underfits: train for more epochs (a few hundred full-batch steps with Adam), "
        "standardise the features, and check that every step applies the optimizer to the arrays "
        "predict will use",
        "学習不足です。エポック数を増やし(Adam でフルバッチなら数百ステップ)、特徴量を標準化し、"
        "毎ステップ optimizer が predict で使う配列を更新しているか確認してください",
    )
    if history is None:
        return Text(
            advice.en + "; a loss curve in params['loss_history'] would show whether the loss went down at all",
            advice.ja + "。params['loss_history'] に損失の推移を入れると、損失が下がったかどうか分かります",
        )
    return advice


@dataclass(frozen=True)
class SplitResult:
    """What train and predict gave on one split."""

    number: int
    params: Output
    labels: Output
    test_labels: np.ndarray
    accuracy: float | None
    took_argmax: bool
    train_accuracy: float | None


def _split_results(run: ProbeRun) -> list[SplitResult]:
    results = []
    for number, (_x_train, t_train, _x_test, t_test) in enumerate(accuracy_splits(), start=1):
        got = run.output(f"labels {number}")
        accuracy, took_argmax = _accuracy(got, t_test)
        train_accuracy, _ = _accuracy(run.output(f"train labels {number}"), t_train)
        results.append(
            SplitResult(number, run.output(f"params {number}"), got, t_test, accuracy, took_argmax, train_accuracy)
        )
    return results


def _right(result: SplitResult) -> str:
    """``29/30``: the held-out flowers of one split predicted right."""
    return f"{int(round((result.accuracy or 0.0) * result.test_labels.size))}/{result.test_labels.size}"


def _accuracy_lines(results: list[SplitResult], passed: bool) -> list[Text]:
    """The mean held-out accuracy, every split's count and the worst split."""
    mean = float(np.mean([result.accuracy or 0.0 for result in results]))
    held_out = sum(result.test_labels.size for result in results)
    right = sum(int(round((result.accuracy or 0.0) * result.test_labels.size)) for result in results)
    verdict = (
        Text("passes: the mean is at least 90 %", "合格: 平均が 90 % 以上")
        if passed
        else Text("the mean must be at least 90 %", "合格には平均 90 % 以上が必要")
    )
    counts = ", ".join(_right(result) for result in results)
    worst = min(results, key=lambda result: result.accuracy or 0.0)
    worst_percent = _percent(worst.accuracy or 0.0)
    lines = [
        Text(
            f"held-out accuracy over {len(results)} stratified splits of Iris (120 flowers to train, 30 held out, "
            f"10 per class): {right}/{held_out} = {_percent(mean)} ({verdict.en})",
            f"Iris の層化分割 {len(results)} 通り(学習 120 件、テスト 30 件、各クラス 10 件)でのテストデータの"
            f"正解率: {right}/{held_out} = {_percent(mean)}({verdict.ja})",
        ),
        Text(
            f"  per split: {counts}; worst: split {worst.number}, {_right(worst)} = {worst_percent}",
            f"  分割ごと: {counts}。最低: 分割 {worst.number}、{_right(worst)} = {worst_percent}",
        ),
    ]
    argmax = next((result for result in results if result.took_argmax), None)
    if argmax is not None:
        columns = argmax.labels.array.shape[1]
        lines.append(
            Text(
                f"(counted with np.argmax over the {columns} columns predict returned; "
                "predict must return the labels themselves)",
                f"(predict が返した {columns} 列に np.argmax を取って数えました。"
                "predict はラベルそのものを返す必要があります)",
            )
        )
    train = [result.train_accuracy for result in results if result.train_accuracy is not None]
    if train:
        lines.append(
            Text(
                f"accuracy on the 120 training flowers, mean over the splits: {_percent(float(np.mean(train)))}",
                f"訓練データ 120 件の正解率(分割の平均): {_percent(float(np.mean(train)))}",
            )
        )
    return lines


def training_report(run: ProbeRun, timeout: float) -> tuple[list[Text], bool, Text | None]:
    """What the learner should see about the trained networks, whether they pass, and a diagnosis.

    The network is trained once per split (``accuracy_splits``); it passes when
    the mean held-out accuracy over the splits is at least 90 %.  The lines hold
    the mean, every split's count and the worst split, the training accuracy,
    the time the probe took and the loss curve of the worst split.
    """
    results = _split_results(run)
    unusable = next((result for result in results if result.accuracy is None), None)
    lines: list[Text] = []
    passed = False
    if unusable is not None:
        call = f"predict(params, x) on split {unusable.number}"
        array, problems = value_of(unusable.labels, call)
        lines.extend(problems)
        if array is not None:
            lines.append(
                Text(
                    f"{call} returned shape {array.shape} {array.dtype}: no labels to count",
                    f"{call} が形状 {array.shape} {array.dtype} を返したので、ラベルを数えられません",
                )
            )
    else:
        mean = float(np.mean([result.accuracy or 0.0 for result in results]))
        # 27 of 30 is exactly 90 %: the tolerance keeps rounding from deciding it
        passed = mean >= PASS_ACCURACY - 1e-9 and not any(result.took_argmax for result in results)
        lines += _accuracy_lines(results, passed)
    seconds = f"{run.elapsed:.2f}" if run.elapsed >= 0.01 else "< 0.01"
    trainings = len(results)
    calls = 2 * trainings + 1
    lines.append(
        Text(
            f"time: {seconds} s for {trainings} trainings and {calls} predict calls (limit {timeout:g} s)",
            f"時間: 学習 {trainings} 回と predict {calls} 回で {seconds} 秒(制限 {timeout:g} 秒)",
        )
    )
    if run.elapsed > SLOW_SECONDS * trainings:
        lines.append(
            Text(
                "  Iris trains in well under a second: look for per-sample Python loops or far more epochs "
                "than the loss curve needs",
                "  Iris の学習は 1 秒もかかりません。サンプルごとの Python ループや、必要以上のエポック数が"
                "ないか確認してください",
            )
        )
    worst = unusable or min(results, key=lambda result: result.accuracy or 0.0)
    loss_lines, history = _loss_lines(worst.params, f" of split {worst.number}")
    lines.extend(loss_lines)
    if passed:
        return lines, True, None
    return lines, False, _report_diagnosis(run, results, worst, history)


def _report_diagnosis(
    run: ProbeRun, results: list[SplitResult], worst: SplitResult, history: np.ndarray | None
) -> Text:
    """Why the accuracy check failed: unusable labels first, then what the worst split shows."""
    if worst.accuracy is None or any(result.took_argmax for result in results):
        return Text(
            f"predict must return one integer label per row (see the check '{LABELS_NAME.en}')",
            f"predict は各行に 1 つの整数ラベルを返す必要があります(チェック「{LABELS_NAME.ja}」を参照)",
        )
    if not _repeatable(run):
        return Text(
            "predict gives different labels for the same x at every call, so this accuracy changes "
            f"from run to run (see the check '{REPEATABLE_NAME.en}'): {REPEATABLE_HINT.en}",
            "predict は同じ x でも呼ぶたびに違うラベルを返すので、この正解率も実行ごとに変わります"
            f"(チェック「{REPEATABLE_NAME.ja}」を参照)。{REPEATABLE_HINT.ja}",
        )
    problem = _labels_verdict(worst.labels, worst.test_labels.size, "predict(params, x)")
    if not problem.passed:
        return Text(
            f"{problem.lines[0].en}: fix predict's labels first, then look at the accuracy again "
            f"(see the check '{LABELS_NAME.en}')",
            f"{problem.lines[0].ja}。まず predict のラベルを直してから、正解率をもう一度見てください"
            f"(チェック「{LABELS_NAME.ja}」を参照)",
        )
    predicted, _ = _as_labels(worst.labels.array, worst.test_labels.size)
    mean = float(np.mean([result.accuracy or 0.0 for result in results]))
    train = [result.train_accuracy for result in results if result.train_accuracy is not None]
    return _diagnosis(worst.params, history, predicted, mean, float(np.mean(train)) if train else None)


def _repeatable(run: ProbeRun) -> bool:
    """Whether the two predict calls on split 1's held-out rows agreed (True when either is unusable)."""
    first, _ = value_of(run.output("labels 1"), "predict")
    second, _ = value_of(run.output("labels 1 again"), "predict")
    return first is None or second is None or _same(first, second)


def _verify_accuracy(run: ProbeRun) -> Verdict:
    lines, passed, diagnosis = training_report(run, engine.get_exercise(10).timeout)
    if passed:
        return Verdict.ok(*lines)
    return Verdict.fail(lines, diagnosis)


# -- the checks -------------------------------------------------------------------------------


def build_checks() -> list[Check]:
    """Every check of exercise 10; the accuracy check, the one that matters most, last."""
    train_probe = _train_probe()
    predict_probe = _predict_probe()
    rows = len(TEST_ROWS)
    splits = len(accuracy_splits())
    return [
        Check(
            "train: returns a dict of numeric arrays",
            "train: 数値配列の辞書を返す",
            train_probe,
            _verify_params,
            context=CONTEXT,
        ),
        Check(
            "train: leaves x_train and t_train unchanged",
            "train: x_train と t_train を書き換えない",
            train_probe,
            _verify_inputs_unchanged,
            context=CONTEXT,
        ),
        Check(
            LABELS_NAME.en,
            LABELS_NAME.ja,
            predict_probe,
            _verify_labels,
            context=CONTEXT,
        ),
        Check(
            REPEATABLE_NAME.en,
            REPEATABLE_NAME.ja,
            predict_probe,
            _verify_repeatable,
            context=CONTEXT,
        ),
        Check(
            "predict: a row's label does not depend on the other rows of x",
            "predict: 各行のラベルは x の他の行に左右されない",
            predict_probe,
            _verify_row_independent,
            context=Text(
                f"predict on all {rows} held-out rows, on one row, on {len(SUBSET_POSITIONS)} rows, "
                "and on the rows in reverse order",
                f"テストデータ {rows} 件すべて、1 行だけ、{len(SUBSET_POSITIONS)} 行、逆順の行で predict",
            ),
        ),
        Check(
            f"train: the trained networks get at least 90 % of the held-out flowers right, "
            f"on average over {splits} splits",
            f"train: 学習したネットワークが {splits} 通りの分割の平均でテストデータの 90 % 以上を正解する",
            _accuracy_probe(),
            _verify_accuracy,
            context=ACCURACY_CONTEXT,
        ),
    ]
