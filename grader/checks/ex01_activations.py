"""Checks for exercise 1: activation functions and a forward pass."""

from __future__ import annotations

import numpy as np

from grader.checks.common import generator, output_check
from grader.checks.verdicts import Variant, close, matching_variant, value_of
from grader.grading.compare import dtype_kind_mismatch
from grader.grading.engine import Check
from grader.grading.results import Verdict
from grader.sandbox.client import Probe, ProbeRun
from grader.text import Text
from reference import forward, relu, sigmoid, step_function

BOOK_NETWORK = {
    "W1": np.array([[0.1, 0.3, 0.5], [0.2, 0.4, 0.6]]),
    "b1": np.array([0.1, 0.2, 0.3]),
    "W2": np.array([[0.1, 0.4], [0.2, 0.5], [0.3, 0.6]]),
    "b2": np.array([0.1, 0.2]),
    "W3": np.array([[0.1, 0.3], [0.2, 0.4]]),
    "b3": np.array([0.1, 0.2]),
}


def _step_checks() -> list[Check]:
    x = np.array([[-2.0, -0.5, 0.0, 0.5], [3.0, -1e-9, 1e-9, 0.0], [-7.0, 7.0, 0.25, -0.25]])
    grid = generator(1).normal(size=(5, 6))

    def integer_dtype(run: ProbeRun) -> Verdict:
        return Verdict.unless(
            dtype_kind_mismatch(run.output("result"), "iu", "step_function(x)"),
            Text(
                "x > 0 gives booleans; convert them, e.g. np.array(x > 0, dtype=np.int64)",
                "x > 0 の結果は bool 型です。np.array(x > 0, dtype=np.int64) などで整数にしてください",
            ),
        )

    dtype_probe = Probe()
    dtype_probe.save(dtype_probe.call("step_function", grid), "result")

    def scalar_shape(run: ProbeRun) -> Verdict:
        array, lines = value_of(run.output("result"), "step_function(2.5)")
        if array is None:
            return Verdict.fail(lines)
        if array.shape != () or array.item() != 1:
            return Verdict.fail(
                [
                    Text(
                        f"step_function(2.5) gave {array!r}; expected a 0-d array holding 1",
                        f"step_function(2.5) の結果が {array!r} です。1 を持つ 0 次元配列が期待されます",
                    )
                ]
            )
        return Verdict.ok()

    scalar_probe = Probe()
    scalar_probe.save(scalar_probe.call("step_function", 2.5), "result")
    return [
        output_check(
            "step_function: 1 where x > 0 and 0 elsewhere, zero included",
            "step_function: x > 0 で 1、それ以外(0 を含む)で 0",
            "step_function",
            [x],
            step_function(x),
            arg_names=["x"],
            hint=Text(
                "the condition is x > 0, strictly: step_function(0) is 0",
                "条件は x > 0(等号なし)です。step_function(0) は 0 です",
            ),
            variants=[
                Variant(
                    (x >= 0).astype(np.int64),
                    Text(
                        "you used x >= 0: at exactly 0 the step function gives 0",
                        "x >= 0 になっています。ちょうど 0 のときステップ関数は 0 です",
                    ),
                )
            ],
        ),
        Check(
            "step_function: returns an integer array",
            "step_function: 整数型の配列を返す",
            dtype_probe,
            integer_dtype,
            context="x: (5, 6) float64",
        ),
        Check(
            "step_function: a scalar gives a 0-d array",
            "step_function: スカラー入力には 0 次元配列を返す",
            scalar_probe,
            scalar_shape,
            hint=Text(
                "np.array(x > 0, dtype=np.int64) works for scalars and arrays alike",
                "np.array(x > 0, dtype=np.int64) ならスカラーにも配列にも使えます",
            ),
            context="x = 2.5",
        ),
    ]


def _sigmoid_checks() -> list[Check]:
    x = generator(2).uniform(-6, 6, size=(4, 5))
    extreme = np.array([-1000.0, -50.0, 0.0, 50.0, 1000.0])
    return [
        output_check(
            "sigmoid: 1 / (1 + exp(-x)) on a (4, 5) array",
            "sigmoid: (4, 5) 配列で 1 / (1 + exp(-x))",
            "sigmoid",
            [x],
            sigmoid(x),
            arg_names=["x"],
            rtol=1e-9,
            atol=1e-12,
            variants=[
                Variant(
                    1 / (1 + np.exp(x)),
                    Text(
                        "the sign in the exponent is flipped: it is exp(-x)",
                        "指数の符号が逆です。exp(-x) です",
                    ),
                )
            ],
        ),
        output_check(
            "sigmoid: finite for x = -1000 and x = 1000",
            "sigmoid: x = -1000 と x = 1000 でも有限の値",
            "sigmoid",
            [extreme],
            sigmoid(extreme),
            arg_names=["x"],
            atol=1e-12,
            hint=Text(
                "exp(1000) overflows to inf; use a form that never exponentiates a large "
                "positive number, e.g. np.exp(-np.logaddexp(0, -x)), or split by the sign of x",
                "exp(1000) は inf にオーバーフローします。np.exp(-np.logaddexp(0, -x)) のように"
                "大きな正の数の exp を計算しない形にするか、x の符号で場合分けしてください",
            ),
        ),
    ]


def _relu_checks() -> list[Check]:
    x = generator(3).normal(size=(2, 3, 4)) * 3
    x[0, 0, 0] = 0.0
    return [
        output_check(
            "relu: max(0, x) on a (2, 3, 4) array, input left unchanged",
            "relu: (2, 3, 4) 配列で max(0, x)、入力は変更しない",
            "relu",
            [x],
            relu(x),
            arg_names=["x"],
            hint=Text(
                "np.maximum(0, x) compares elementwise; np.max(0, x) does something else",
                "要素ごとの比較は np.maximum(0, x) です。np.max(0, x) は別の関数です",
            ),
        ),
    ]


def _identity_checks() -> list[Check]:
    x = generator(4).normal(size=(3, 2))
    return [
        output_check(
            "identity_function: returns its input",
            "identity_function: 入力をそのまま返す",
            "identity_function",
            [x],
            x,
            arg_names=["x"],
        ),
    ]


def _forward_check(name: str, name_ja: str, network: dict[str, np.ndarray], x: np.ndarray) -> Check:
    probe = Probe()
    net = probe.dict(**network)
    probe.save(probe.call("forward", net, x), "result")
    expected = forward(network, x)

    def relu_variant() -> np.ndarray:
        a1 = relu(x @ network["W1"] + network["b1"])
        a2 = relu(a1 @ network["W2"] + network["b2"])
        return a2 @ network["W3"] + network["b3"]

    def sigmoid_output() -> np.ndarray:
        return sigmoid(expected)

    def no_bias() -> np.ndarray:
        a1 = sigmoid(x @ network["W1"])
        a2 = sigmoid(a1 @ network["W2"])
        return a2 @ network["W3"]

    variants = [
        Variant(
            sigmoid_output(),
            Text(
                "the output layer uses the identity function, not sigmoid",
                "出力層は恒等関数です。シグモイドではありません",
            ),
        ),
        Variant(
            relu_variant(),
            Text(
                "the hidden layers use sigmoid here, not ReLU",
                "この課題の隠れ層はシグモイドです。ReLU ではありません",
            ),
        ),
        Variant(
            no_bias(),
            Text(
                "the biases b1, b2, b3 are missing: each layer is x @ W + b",
                "バイアス b1, b2, b3 が抜けています。各層は x @ W + b です",
            ),
        ),
    ]
    shapes = ", ".join(f"{key} {value.shape}" for key, value in network.items())

    def verify(run: ProbeRun) -> Verdict:
        got = run.output("result")
        lines = close(got, expected, what="forward(network, x)", rtol=1e-9, atol=1e-12)
        variant = matching_variant(got, variants, 1e-9, 1e-12) if lines else None
        return Verdict.unless(lines, variant.hint if variant else None)

    return Check(
        name,
        name_ja,
        probe,
        verify,
        hint=Text(
            "a1 = x @ W1 + b1, z1 = sigmoid(a1), a2 = z1 @ W2 + b2, z2 = sigmoid(a2), y = z2 @ W3 + b3",
            "a1 = x @ W1 + b1, z1 = sigmoid(a1), a2 = z1 @ W2 + b2, z2 = sigmoid(a2), y = z2 @ W3 + b3 です",
        ),
        context=f"x {x.shape}, {shapes}",
    )


def _forward_checks() -> list[Check]:
    rng = generator(5)
    sizes = [(4, 6), (6, 3), (3, 2)]
    network = {}
    for index, (n_in, n_out) in enumerate(sizes, start=1):
        network[f"W{index}"] = rng.normal(size=(n_in, n_out))
        network[f"b{index}"] = rng.normal(size=n_out)
    return [
        _forward_check(
            "forward: the book's network on x = [1.0, 0.5]",
            "forward: 教科書のネットワークに x = [1.0, 0.5]",
            BOOK_NETWORK,
            np.array([1.0, 0.5]),
        ),
        _forward_check(
            "forward: a batch of 5 through a 4-6-3-2 network with biases",
            "forward: バイアスありの 4-6-3-2 ネットワークに 5 件のバッチ",
            network,
            rng.normal(size=(5, 4)),
        ),
    ]


def build_checks() -> list[Check]:
    """Every check of exercise 1."""
    return [
        *_step_checks(),
        *_sigmoid_checks(),
        *_relu_checks(),
        *_identity_checks(),
        *_forward_checks(),
    ]


# Hints that unfold: grade hint N shows them one at a time, from a nudge to the near-answer.
HINTS: dict[str, tuple[Text, Text, Text]] = {
    "step_function": (
        Text(
            "Think of the step function as one yes/no question asked of every element at once: "
            "is it positive? NumPy answers such a question for a whole array without a loop; "
            "what remains is the type of the answer.",
            "ステップ関数は、すべての要素に「正かどうか」という同じ問いを一度に投げる関数だと考えましょう。NumPy なら、"
            "ループを書かずに配列全体へ比較を適用できます。残る問題は、その答えの型です。",
        ),
        Text(
            "Compare x > 0 elementwise (strictly greater: 0 maps to 0). "
            "The comparison gives a bool array of x's shape; convert it to integers. "
            "Turn the input into an array with np.asarray first, so that a Python scalar becomes a 0-d array and the "
            "result is a 0-d integer array.",
            "x > 0 を要素ごとに比較します（等号は含みません。0 は 0 になります）。"
            "比較の結果は x と同じ形状の bool 配列なので、整数に変換します。最初に np.asarray で配列にしておけば、"
            "Python のスカラーは 0 次元配列になり、結果も 0 次元の整数配列になります。",
        ),
        Text(
            "Compare, then store the booleans with an integer dtype (which one is up to you):\n"
            "    x = np.asarray(x)\n"
            "    return np.array(x > 0, dtype=...)",
            "比較してから、bool を整数の dtype で配列にします（どの整数型にするかはお任せします）:\n"
            "    x = np.asarray(x)\n"
            "    return np.array(x > 0, dtype=...)",
        ),
    ),
    "sigmoid": (
        Text(
            "The formula is one line; the trap is floating-point overflow. "
            "Think about what the exponential does for a large negative input, and whether the expression can be "
            "rearranged so that exp only ever sees numbers that are zero or negative.",
            "式そのものは 1 行ですが、落とし穴は浮動小数点数のオーバーフローです。"
            "大きな負の入力に対して指数関数がどうなるかを考え、"
            "exp に 0 以下の数しか渡さない形に式を変形できないか考えてみましょう。",
        ),
        Text(
            "1 / (1 + exp(-x)) overflows at x = -1000, since exp(1000) = inf. Two stable forms: (a) split by sign: "
            "for x >= 0 use 1 / (1 + exp(-x)), for x < 0 use exp(x) / (1 + exp(x)); "
            "with e = exp(-|x|) both only exponentiate numbers <= 0. "
            "(b) 1 + exp(-x) = exp(logaddexp(0, -x)), so sigmoid(x) = exp(-logaddexp(0, -x)). "
            "The result is a float array of x's shape.",
            "1 / (1 + exp(-x)) は x = -1000 で exp(1000) = inf となりオーバーフローします。"
            "安定な書き方は 2 つあります。(a) 符号で場合分け: x >= 0 では 1 / (1 + exp(-x))、"
            "x < 0 では exp(x) / (1 + exp(x)) を使います。e = exp(-|x|) とおけば、"
            "どちらも 0 以下の数の exp しか計算しません。(b) 1 + exp(-x) = exp(logaddexp(0, -x)) なので、"
            "sigmoid(x) = exp(-logaddexp(0, -x)) です。結果は x と同じ形状の float 配列です。",
        ),
        Text(
            "The split-by-sign form; e never exceeds 1, so nothing overflows. The x < 0 branch is yours:\n"
            "    x = np.asarray(x, dtype=float)\n"
            "    e = np.exp(-np.abs(x))                     # always <= 1\n"
            "    return np.where(x >= 0, 1 / (1 + e), ...)  # for x < 0: exp(x) / (1 + exp(x))",
            "符号で場合分けする形です。e は 1 を超えないので、オーバーフローしません。x < 0 の側を埋めてください:\n"
            "    x = np.asarray(x, dtype=float)\n"
            "    e = np.exp(-np.abs(x))                     # 常に 1 以下\n"
            "    return np.where(x >= 0, 1 / (1 + e), ...)  # x < 0 では exp(x) / (1 + exp(x))",
        ),
    ),
    "relu": (
        Text(
            "ReLU keeps positive values and replaces negative ones with zero. "
            "Look for a NumPy function that compares two values element by element (a scalar broadcasts), not one that "
            "reduces a whole array to its single largest value.",
            "ReLU は正の値をそのまま残し、負の値を 0 に置き換えます。"
            "配列全体を 1 つの最大値にまとめる（集約する）関数ではなく、"
            "要素ごとに 2 つの値を比べる関数（スカラーはブロードキャストされます）を探しましょう。",
        ),
        Text(
            "relu(x) = max(0, x) for every element; the output has x's shape. "
            "np.maximum(a, b) is the elementwise maximum, while np.max(a, axis) reduces along an axis, so np.max(0, x) "
            "is something else entirely. Return a new array: x[x < 0] = 0 would change the caller's x.",
            "各要素について relu(x) = max(0, x) で、出力は x と同じ形状です。要素ごとの最大値は np.maximum(a, b) です。"
            "np.max(a, axis) は軸に沿って集約する関数なので、np.max(0, x) はまったく別の計算になります。"
            "新しい配列を返しましょう。x[x < 0] = 0 と書くと、呼び出し側の x が書き換わってしまいます。",
        ),
        Text(
            "A single elementwise call; it returns a new array and leaves x alone:\n"
            "    return np.maximum(..., x)  # not np.max",
            "要素ごとの関数を 1 回呼ぶだけです。新しい配列が返るので、x は変わりません:\n"
            "    return np.maximum(..., x)  # np.max ではありません",
        ),
    ),
    "identity_function": (
        Text(
            "The simplest function of the course: the output layer of a regression network passes its input on "
            "unchanged. It exists so that forward can write every layer the same way.",
            "この講座でいちばん簡単な関数です。回帰問題の出力層は、入力に何も手を加えずにそのまま渡します。"
            "forward の中で、どの層も同じ形で書けるようにするための関数です。",
        ),
        Text(
            "identity_function(x) = x: same values, same shape, same dtype. "
            "No copy or conversion is needed, and no sigmoid or softmax belongs here.",
            "identity_function(x) = x です。値も形状も dtype も変わりません。コピーも型変換も不要で、"
            "ここで sigmoid や softmax をかけてはいけません。",
        ),
        Text(
            "The whole body is one return statement:\n"
            "    def identity_function(x):\n"
            "        return ...  # the input, untouched",
            "本体は return 文 1 行だけです:\n    def identity_function(x):\n        return ...  # 入力をそのまま",
        ),
    ),
    "forward": (
        Text(
            "One layer is 'multiply by the weights, add the bias, apply the activation'. "
            "Do it three times, taking W1, b1, ... from the dict, and check which activation each layer uses. "
            "Matrix products let the same code handle a single sample and a mini-batch.",
            "1 つの層は「重みを掛けて、バイアスを足して、活性化関数を通す」です。これを辞書から W1, b1, ... "
            "を取り出して 3 回繰り返します。各層でどの活性化関数を使うかも確認しましょう。行列の積で書けば、"
            "データ 1 件でもミニバッチでも同じコードで動きます。",
        ),
        Text(
            "a1 = x @ W1 + b1 (N, H1), z1 = sigmoid(a1); a2 = z1 @ W2 + b2 (N, H2), z2 = sigmoid(a2); "
            "a3 = z2 @ W3 + b3 (N, K), y = identity_function(a3). "
            "For x of shape (D,), every (N, ...) above becomes (...,): "
            "@ handles both, and each bias broadcasts over the rows of the batch.",
            "a1 = x @ W1 + b1 (N, H1)、z1 = sigmoid(a1)。a2 = z1 @ W2 + b2 (N, H2)、z2 = sigmoid(a2)。"
            "a3 = z2 @ W3 + b3 (N, K)、y = identity_function(a3)。x の形状が (D,) なら、"
            "上の (N, ...) は すべて (...,) になります。@ はどちらにも対応し、"
            "バイアスはミニバッチの各行にブロードキャストされます。",
        ),
        Text(
            "Unpack the dict, then three layers; the output layer is yours:\n"
            '    W1, W2, W3 = network["W1"], network["W2"], network["W3"]\n'
            '    b1, b2, b3 = network["b1"], network["b2"], network["b3"]\n'
            "    z1 = sigmoid(x @ W1 + b1)\n"
            "    z2 = sigmoid(z1 @ W2 + b2)\n"
            "    return ...  # which activation at the output?",
            "辞書から取り出して 3 層を計算します。出力層はご自分で:\n"
            '    W1, W2, W3 = network["W1"], network["W2"], network["W3"]\n'
            '    b1, b2, b3 = network["b1"], network["b2"], network["b3"]\n'
            "    z1 = sigmoid(x @ W1 + b1)\n"
            "    z2 = sigmoid(z1 @ W2 + b2)\n"
            "    return ...  # 出力層の活性化関数は?",
        ),
    ),
}
