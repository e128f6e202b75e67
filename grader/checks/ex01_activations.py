"""Checks for exercise 1: activation functions and a forward pass."""

from __future__ import annotations

import numpy as np

from grader.checks.common import error_hint_for, generator, output_check
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
        got = run.output("result")
        lines = dtype_kind_mismatch(got, "iu", "step_function(x)")
        if not lines:
            return Verdict.ok()
        array, _ = value_of(got, "step_function(x)")
        if array is not None and array.dtype.kind == "b":
            hint = Text(
                "x > 0 gives booleans; convert them, e.g. np.array(x > 0, dtype=np.int64)",
                "x > 0 の結果は bool 型です。np.array(x > 0, dtype=np.int64) などで整数にしてください",
            )
        else:
            hint = Text(
                "the step function's values are the integers 0 and 1, not floats (1.0 from np.where(x > 0, 1.0, "
                "0.0) or np.heaviside): np.array(x > 0, dtype=np.int64)",
                "ステップ関数の値は整数の 0 と 1 で、float ではありません(np.where(x > 0, 1.0, 0.0) や "
                "np.heaviside は 1.0 を返します)。np.array(x > 0, dtype=np.int64) としてください",
            )
        return Verdict.fail(lines, hint)

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
    scalar_hint = Text(
        "x may be a plain number: np.array(x > 0, dtype=np.int64) works for scalars and arrays alike, "
        "where (x > 0).astype(...) needs an array",
        "x はただの数のこともあります。np.array(x > 0, dtype=np.int64) ならスカラーにも配列にも使えます"
        "((x > 0).astype(...) は配列にしか使えません)",
    )
    return [
        output_check(
            "step_function: 1 where x > 0 and 0 elsewhere, zero included",
            "step_function: x > 0 で 1、それ以外(0 を含む)で 0",
            "step_function",
            [x],
            step_function(x),
            arg_names=["x"],
            hint=Text(
                "the step function takes only the values 1 (x > 0) and 0 (everywhere else, x = 0 included): "
                "step_function(0) is 0",
                "ステップ関数の値は 1(x > 0)と 0(それ以外。x = 0 も含む)だけです。step_function(0) は 0 です",
            ),
            variants=[
                Variant(
                    (x >= 0).astype(np.int64),
                    Text(
                        "you used x >= 0: at exactly 0 the step function gives 0",
                        "x >= 0 になっています。ちょうど 0 のときステップ関数は 0 です",
                    ),
                ),
                Variant(
                    np.sign(x),
                    Text(
                        "np.sign gives -1 for negative x; the step function gives 0 there: "
                        "np.array(x > 0, dtype=np.int64)",
                        "np.sign は負の x で -1 を返します。ステップ関数はそこで 0 です: "
                        "np.array(x > 0, dtype=np.int64)",
                    ),
                ),
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
            hint=scalar_hint,
            context="x = 2.5",
            # (x > 0).astype(...) on a Python float: a bool has no astype
            error_hint=error_hint_for(scalar_hint, ("AttributeError", "TypeError")),
        ),
    ]


def _sigmoid_checks() -> list[Check]:
    x = generator(2).uniform(-6, 6, size=(4, 5))
    extreme = np.array([-1000.0, -50.0, 0.0, 50.0, 1000.0])
    flipped = Text(
        "the sign in the exponent is flipped: it is exp(-x)",
        "指数の符号が逆です。exp(-x) です",
    )
    with np.errstate(over="ignore"):
        flipped_extreme = 1 / (1 + np.exp(extreme))
    overflow = Text(
        "exp(1000) overflows to inf; use a form that never exponentiates a large "
        "positive number, e.g. np.exp(-np.logaddexp(0, -x)), or split by the sign of x",
        "exp(1000) は inf にオーバーフローします。np.exp(-np.logaddexp(0, -x)) のように"
        "大きな正の数の exp を計算しない形にするか、x の符号で場合分けしてください",
    )
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
                Variant(1 / (1 + np.exp(x)), flipped),
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
            hint=overflow,
            variants=[Variant(flipped_extreme, flipped)],
            # np.errstate(over="raise") or math.exp: the overflow is an exception
            error_hint=error_hint_for(overflow, ("FloatingPointError", "OverflowError")),
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
                "relu keeps each element of x that is > 0 and puts 0 elsewhere, element by element: np.maximum(0, x)",
                "relu は x の要素ごとに、0 より大きければそのまま、それ以外は 0 にします: np.maximum(0, x)",
            ),
            variants=[
                Variant(
                    np.max(x, axis=0),
                    Text(
                        "np.max(x, 0) is the largest element along axis 0, not relu; "
                        "np.maximum(0, x) compares each element with 0",
                        "np.max(x, 0) は軸 0 方向の最大値で、relu ではありません。"
                        "各要素を 0 と比べるのは np.maximum(0, x) です",
                    ),
                )
            ],
            error_hint=_relu_error_hint,
        ),
    ]


def _relu_error_hint(exception: str, message: str) -> Text | None:
    """np.max(0, x) and max(0, x) or `if x > 0:` raise: name the elementwise np.maximum."""
    if exception == "TypeError" and "integer scalar arrays" in message:
        return Text(
            "np.max(0, x) reads x as an axis number; the elementwise maximum is np.maximum(0, x)",
            "np.max(0, x) は x を軸の番号として読みます。要素ごとの最大は np.maximum(0, x) です",
        )
    if exception == "ValueError" and "truth value of an array" in message:
        return Text(
            "Python's max(0, x) and `if x > 0:` need one number, and x is an array: "
            "np.maximum(0, x) compares every element with 0",
            "Python の max(0, x) や `if x > 0:` は 1 つの数にしか使えず、x は配列です。"
            "np.maximum(0, x) なら要素ごとに 0 と比べます",
        )
    return None


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
