"""Checks for exercise 7: layers with forward and backward.

Every layer with a backward pass is checked three ways (issue 4, "gradient
checking done right"):

forward
    compared with the reference on inputs that expose the classic mistakes (a
    4-D x and a non-zero bias for Affine, N != K for SoftmaxWithLoss, features
    of different means and scales for BatchNormalization); the inputs must come
    back unchanged.
backward, the gradient check
    float64 inputs kept at least 0.1 away from ReLU's kink, several shapes
    (batch size 1 included), a random upstream gradient ``dout`` (never all
    ones: that hides a missing transpose), and every gradient (``dx`` and each
    parameter's).  Two questions, answered separately in the feedback:

    * self-consistency: does backward agree with the learner's *own* forward?
      The probe evaluates the learner's forward at x + hV and x - hV (and at
      perturbed parameters, on new objects) for a random direction V per
      tensor; the grader compares the central difference of
      L = sum(dout * out) with sum(dx * V).  A directional check costs two
      forward calls whatever the tensor's size, and the relative error of a
      correct backward is below 1e-8 here, so the tolerance stays tight
      (1e-6; wider only where the contract lets correct answers differ).
    * correctness: does backward agree with the reference, element by element?

    A backward that agrees with its own forward but not with the reference
    means the forward is wrong; the reverse means the backward is wrong.
backward, hygiene
    linear in ``dout`` (2 * dout gives twice every gradient), the same answer
    when called twice, ``dout``, the forward input and the parameters left
    unchanged.

Dropout's masks are random (np.random's global functions or the learner's own
generator: both are fine, and no exact mask is required), so it is checked by
properties that hold for every mask: about ``dropout_ratio`` of the units are
dropped (5 standard deviations of the binomial count), the kept ones all scaled
by one factor (1, the book, or 1 / (1 - ratio), inverted dropout), backward
zero exactly where forward dropped, and test mode consistent with the
convention the training output shows.

BatchNormalization's eps is not fixed by the contract (1e-7 to 1e-5, inside or
outside the square root): its inputs have a per-feature batch variance between
1 and 3, where eps moves no value by more than 1e-5 relatively, and the
tolerances sit above that and far below every mistake looked for.
``running_var`` may be updated with the biased batch variance (the book and
the stub's docstring) or the unbiased one (PyTorch's convention, N / (N - 1)
times larger): both are accepted when used consistently, because the contract
in EXERCISES.md does not fix it and a network trains equally well with either.
The variance that normalises the batch in training must be the biased one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from grader.checks.common import Variant, generator, matching_variant
from grader.grading.compare import mismatch, value_of
from grader.grading.engine import Check, Failure, Verdict
from grader.sandbox.client import Probe, ProbeRun, Ref
from grader.text import Text, plain
from reference import Affine, BatchNormalization, Relu, Sigmoid, SoftmaxWithLoss, softmax

# random directions per tensor in the self-consistency check
DIRECTIONS = 1
# a directional derivative below this counts as this large in the relative error
FLOOR = 1e-4
# relative error of a correct backward against its own forward: < 1e-8 here
CONSISTENCY_TOL = 1e-6
# BatchNormalization: eps (1e-7 .. 1e-5, inside or outside the sqrt) moves values by < 1e-5
BN_RTOL = 5e-5
# SoftmaxWithLoss: the 1e-7 inside the log moves the loss by < 2e-6 (every y_t >= 0.05 here)
LOSS_RTOL = 2e-5
DROPOUT_RATIO = 0.3
# allowed deviation of the dropped fraction, in binomial standard deviations
SIGMAS = 5.0


def _join(hints: Sequence[Text]) -> Text | None:
    unique: list[Text] = []
    for hint in hints:
        if hint not in unique:
            unique.append(hint)
    if not unique:
        return None
    return Text(" ".join(h.en for h in unique[:2]), " ".join(h.ja for h in unique[:2]))


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


# ----------------------------------------------------------------- gradient checks


@dataclass(frozen=True)
class Grad:
    """One gradient a backward produces: ``dx`` (its return value) or a parameter's."""

    label: str  # dx, dW, db, dgamma, dbeta
    wrt: str  # x or the constructor parameter it belongs to
    attribute: str | None  # None: backward's return value; else self.<attribute>
    expected: np.ndarray
    directions: tuple[np.ndarray, ...]
    variants: tuple[Variant, ...] = ()


@dataclass(frozen=True)
class Case:
    """One layer object, one forward, one backward: the unit of the gradient check."""

    key: str
    label: Text
    layer: str
    params: dict[str, np.ndarray]  # constructor's positional arguments, in order
    x: np.ndarray
    expected_out: np.ndarray
    grads: tuple[Grad, ...]
    extra: tuple[Any, ...] = ()  # forward's further arguments: (t,) or (True,)
    dout: np.ndarray | None = None  # None: backward() with its default dout = 1
    h: float = 1e-5
    consistency_tol: float = CONSISTENCY_TOL
    rtol: float = 1e-7
    floor: float = 1e-3  # atol of the element comparison, relative to the largest value
    objective: str = "L = sum(dout * out)"
    hygiene: bool = False  # also call backward twice more: again with dout, then with 2 * dout


def _gradient_probe(cases: Sequence[Case]) -> Probe:
    """Forward, backward, then the learner's forward at perturbed inputs and parameters.

    For the case marked ``hygiene`` backward is called twice more (the same
    dout, then 2 * dout), and dout, x, t and the parameters are brought back
    afterwards, so the hygiene check shares this probe.
    """
    probe = Probe()
    for case in cases:
        key = case.key
        param_refs = [probe.array(value) for value in case.params.values()]
        x_ref = probe.array(case.x)
        extra = [probe.array(a) if isinstance(a, np.ndarray) else a for a in case.extra]
        layer = probe.new(case.layer, *param_refs)
        probe.save(probe.method(layer, "forward", x_ref, *extra), f"{key}:out")
        dout_ref = None if case.dout is None else probe.array(case.dout)
        calls = [("", dout_ref)]
        if case.hygiene:
            double = 2.0 if case.dout is None else probe.array(2.0 * case.dout)
            calls += [("second:", dout_ref), ("double:", double)]
        for prefix, argument in calls:
            dx = probe.method(layer, "backward") if argument is None else probe.method(layer, "backward", argument)
            for grad in case.grads:
                value = dx if grad.attribute is None else probe.attr(layer, grad.attribute)
                probe.save(value, f"{key}:{prefix}{grad.label}")
        if case.hygiene:
            if dout_ref is not None:
                probe.save(dout_ref, f"{key}:after:dout")
            probe.save(x_ref, f"{key}:after:x")
            for name, ref in zip(case.params, param_refs, strict=True):
                probe.save(ref, f"{key}:after:{name}")
            for ref in extra:
                if isinstance(ref, Ref):
                    probe.save(ref, f"{key}:after:t")
        for grad in case.grads:
            for index, direction in enumerate(grad.directions):
                for sign in (1, -1):
                    step = sign * case.h * direction
                    if grad.wrt == "x":
                        out = probe.method(layer, "forward", case.x + step, *extra)
                    else:
                        shifted = [
                            probe.array(value + step) if name == grad.wrt else ref
                            for (name, value), ref in zip(case.params.items(), param_refs, strict=True)
                        ]
                        other = probe.new(case.layer, *shifted)
                        out = probe.method(other, "forward", case.x, *extra)
                    probe.save(out, f"{key}:{grad.label}:{index}:{sign}")
    return probe


def _objective(case: Case, out: np.ndarray | None) -> float | None:
    """L = sum(dout * out), or dout * loss for a loss layer; None when out is unusable."""
    if out is None or out.shape != case.expected_out.shape or out.dtype.kind not in "biuf":
        return None
    out = out.astype(np.float64)
    if not np.all(np.isfinite(out)):
        return None
    if case.dout is None:
        return float(np.sum(out))
    return float(np.sum(case.dout * out))


@dataclass(frozen=True)
class Disagreement:
    """The worst direction along which backward and the learner's forward disagree."""

    analytic: float
    numeric: float
    error: float


def _self_consistency(run: ProbeRun, case: Case, grad: Grad, got: np.ndarray) -> tuple[bool, Disagreement | None]:
    """Whether backward's ``got`` could be compared with the learner's forward, and the worst disagreement.

    It can not be compared when the forward at the perturbed points returned
    something unusable (None, another shape, nan); the reference comparison
    still speaks then.
    """
    worst: Disagreement | None = None
    for index, direction in enumerate(grad.directions):
        plus = _objective(case, run.output(f"{case.key}:{grad.label}:{index}:1").array)
        minus = _objective(case, run.output(f"{case.key}:{grad.label}:{index}:-1").array)
        analytic = float(np.sum(got.astype(np.float64) * direction))
        if plus is None or minus is None or not np.isfinite(analytic):
            return False, None
        numeric = (plus - minus) / (2 * case.h)
        # relative error, with a floor so a tiny directional derivative is judged absolutely
        error = abs(analytic - numeric) / max(abs(analytic), abs(numeric), FLOOR)
        if error > case.consistency_tol and (worst is None or error > worst.error):
            worst = Disagreement(analytic, numeric, error)
    return True, worst


def _disagreement_line(case: Case, grad: Grad, worst: Disagreement) -> Text:
    wrt, label = grad.wrt, grad.label
    return Text(
        f"{label} disagrees with your own forward: along a random direction V of {wrt}, "
        f"sum({label} * V) = {worst.analytic:.8g}, but the central difference of your forward, "
        f"(L({wrt} + hV) - L({wrt} - hV)) / 2h with {case.objective} and h = {case.h:g}, "
        f"is {worst.numeric:.8g} (relative error {worst.error:.2g}, tolerance {case.consistency_tol:g})",
        f"{label} があなた自身の forward と一致しません: {wrt} のランダムな方向 V について "
        f"sum({label} * V) = {worst.analytic:.8g} ですが、あなたの forward の中心差分 "
        f"(L({wrt} + hV) - L({wrt} - hV)) / 2h({case.objective}、h = {case.h:g})は "
        f"{worst.numeric:.8g} です(相対誤差 {worst.error:.2g}、許容 {case.consistency_tol:g})",
    )


def _missing_gradient(grad: Grad, layer: str, got: Any) -> list[Text]:
    if grad.attribute is None:
        return value_of(got, f"{layer}.backward(dout)")[1]
    if got.kind == "none":
        return [
            Text(
                f"self.{grad.attribute} is not set after backward: expected an array of shape "
                f"{grad.expected.shape} ({grad.wrt}'s shape)",
                f"backward の後に self.{grad.attribute} が設定されていません。"
                f"形状 {grad.expected.shape}({grad.wrt} と同じ形状)の配列が必要です",
            )
        ]
    return value_of(got, f"self.{grad.attribute}")[1]


def _judge_case(run: ProbeRun, case: Case, forward_check: Text) -> tuple[list[Text], list[Text]]:
    """Lines and hints for one case; both empty when every gradient is right."""
    lines: list[Text] = []
    hints: list[Text] = []
    out = run.output(f"{case.key}:out")
    forward_wrong = bool(
        mismatch(out, case.expected_out, what="out", rtol=case.rtol, atol=case.rtol * _scale(case.expected_out))
    )
    for grad in case.grads:
        got_output = run.output(f"{case.key}:{grad.label}")
        problems = _missing_gradient(grad, case.layer, got_output)
        if problems:
            lines += problems
            continue
        got = got_output.array
        atol = case.rtol * case.floor * max(_scale(grad.expected), 1e-12)
        wrong = mismatch(got, grad.expected, what=grad.label, rtol=case.rtol, atol=atol)
        variant = matching_variant(got, grad.variants, case.rtol, atol) if wrong and grad.variants else None
        if variant is not None:
            hints.append(variant.hint)
        if got.shape != grad.expected.shape:
            lines += wrong
            continue
        comparable, worst = _self_consistency(run, case, grad, got)
        if not wrong and worst is None:
            continue
        if not comparable:
            lines.append(
                Text(
                    f"{grad.label} compared with the correct gradient "
                    "(your forward gave no usable output to compare it with):",
                    f"{grad.label} を正しい勾配と比べると(あなたの forward の出力は比較に使えませんでした):",
                )
            )
            lines += wrong
        elif worst is not None and wrong:
            lines.append(_disagreement_line(case, grad, worst))
            lines.append(Text("and compared with the correct gradient:", "正しい勾配と比べると:"))
            lines += wrong
        elif worst is not None:
            lines.append(_disagreement_line(case, grad, worst))
            lines.append(
                Text(
                    f"yet {grad.label} is the correct gradient: your backward is right and your forward "
                    f"is what is wrong (see '{forward_check.en}')",
                    f"ただし {grad.label} は正しい勾配です。backward は正しく、間違っているのは "
                    f"forward のほうです(「{forward_check.ja}」を参照)",
                )
            )
        else:
            lines.append(
                Text(
                    f"{grad.label} agrees with your own forward (the numerical gradient check passes), "
                    "but not with the correct gradient:",
                    f"{grad.label} はあなた自身の forward とは一致します(数値微分による確認は通ります)が、"
                    "正しい勾配とは一致しません:",
                )
            )
            lines += wrong
            if not forward_wrong:
                continue
            lines.append(
                Text(
                    f"so your forward is what is wrong, and backward faithfully differentiates it: "
                    f"fix forward first (see '{forward_check.en}')",
                    f"つまり間違っているのは forward で、backward はそれを正しく微分しています。"
                    f"まず forward を直してください(「{forward_check.ja}」を参照)",
                )
            )
    if lines and forward_wrong:
        lines.append(
            Text(
                "(your forward output differs from the correct one here too)",
                "(このときの forward の出力も正しい値と異なります)",
            )
        )
    return lines, hints


def _gradient_verify(cases: Sequence[Case], forward_check: Text) -> Callable[[ProbeRun], Verdict]:
    def verify(run: ProbeRun) -> Verdict:
        for case in cases:
            lines, hints = _judge_case(run, case, forward_check)
            if lines:
                header = Text(f"case {case.label.en}:", f"ケース {case.label.ja}:")
                return Failure([header, *lines], _join(hints))
        return None

    return verify


# ----------------------------------------------------------------- backward hygiene


IN_PLACE_DOUT = Text(
    "backward wrote into dout, an array the caller still owns (the book's Relu does "
    "dout[self.mask] = 0): start from a copy, dx = dout.copy(), or build a new array "
    "(np.where(self.mask, 0, dout), dout * ...)",
    "backward が呼び出し元の配列 dout に書き込みました(教科書の Relu の dout[self.mask] = 0 がこれです)。"
    "dx = dout.copy() とコピーしてから変更するか、np.where(self.mask, 0, dout) や dout * ... で"
    "新しい配列を作ってください",
)
IN_PLACE_INPUT = Text(
    "forward (or backward) wrote into the array it was given: x[mask] = 0, x -= mu and the like change "
    "the caller's data (the book writes out = x.copy() for this reason)",
    "forward(または backward)が渡された配列に書き込みました。x[mask] = 0 や x -= mu などは"
    "呼び出し元のデータを変えてしまいます(教科書が out = x.copy() と書くのはこのためです)",
)
NOT_REPEATABLE = Text(
    "backward must not change what forward saved: copy before modifying (dx = self.y.copy(), not dx = self.y), "
    "and set gradients with self.dW = ..., not self.dW += ...",
    "backward は forward が保存した値を変えてはいけません。変更する前にコピーし(dx = self.y ではなく "
    "dx = self.y.copy())、勾配は self.dW += ... ではなく self.dW = ... で設定してください",
)
NOT_LINEAR = Text(
    "every gradient is dout times the local derivative: multiply by dout, do not ignore it, add to it or square it",
    "どの勾配も「dout × 局所的な微分」です。dout を無視したり、足したり、2 乗したりせず、掛けてください",
)


def _hygiene_verify(case: Case, linear_hint: Text) -> Callable[[ProbeRun], Verdict]:
    """Judge backward called three times on one forward: dout, dout again, 2 * dout."""
    key = case.key
    scalar = case.dout is None
    call_text = "backward()" if scalar else "backward(dout)"
    double_text = "backward(2.0)" if scalar else "backward(2 * dout)"
    originals = {"x": case.x, **case.params}
    for argument in case.extra:
        if isinstance(argument, np.ndarray):
            originals["t"] = argument

    def verify(run: ProbeRun) -> Verdict:
        lines: list[Text] = []
        hints: list[Text] = []
        for grad in case.grads:
            what = "dx" if grad.attribute is None else f"self.{grad.attribute}"
            output = run.output(f"{key}:{grad.label}")
            if grad.attribute is not None and output.kind == "none":
                return [
                    Text(
                        f"self.{grad.attribute} is not set after {call_text}",
                        f"{call_text} の後に self.{grad.attribute} が設定されていません",
                    )
                ]
            first, problems = value_of(output, f"{case.layer}.{call_text}" if grad.attribute is None else what)
            if problems:
                return problems
            assert first is not None
            first = first.astype(np.float64)
            scale = max(_scale(first), 1e-300)
            again = mismatch(run.output(f"{key}:second:{grad.label}"), first, what=what, rtol=1e-12, atol=1e-14 * scale)
            if again:
                lines.append(
                    Text(
                        f"calling {call_text} a second time with the same dout gave a different {what}:",
                        f"同じ dout で {call_text} をもう一度呼ぶと、{what} が変わりました:",
                    )
                )
                lines += again
                hints.append(NOT_REPEATABLE)
                continue
            doubled = mismatch(
                run.output(f"{key}:double:{grad.label}"), 2.0 * first, what=what, rtol=1e-10, atol=1e-12 * scale
            )
            if doubled:
                lines.append(
                    Text(
                        f"{double_text} should give twice the {what} of {call_text}:",
                        f"{double_text} の {what} は {call_text} の 2 倍になるはずです:",
                    )
                )
                lines += doubled
                hints.append(linear_hint)
        if not scalar:
            after = run.output(f"{key}:after:dout").array
            if after is None or not np.array_equal(after, case.dout):
                lines.append(
                    Text(
                        "backward changed the dout array it was given",
                        "backward が渡された dout の配列を書き換えました",
                    )
                )
                hints.append(IN_PLACE_DOUT)
        changed = [
            label
            for label, original in originals.items()
            if (after := run.output(f"{key}:after:{label}").array) is None or not np.array_equal(after, original)
        ]
        if changed:
            lines.append(
                Text(
                    f"forward/backward changed the caller's array(s): {', '.join(changed)}",
                    f"forward / backward が呼び出し元の配列を書き換えました: {', '.join(changed)}",
                )
            )
            hints.append(IN_PLACE_INPUT)
        if lines:
            return Failure(lines, _join(hints))
        return None

    return verify


def _backward_checks(
    cases: Sequence[Case],
    forward_check: Text,
    gradient: tuple[Text, Text, Text],
    hygiene: tuple[Text, Text],
    linear_hint: Text = NOT_LINEAR,
) -> list[Check]:
    """The gradient check and the hygiene check of one layer, sharing one probe.

    ``gradient`` is (name, hint, context), ``hygiene`` is (name, context); the
    hygiene check judges the case marked ``hygiene``.
    """
    probe = _gradient_probe(cases)
    (hygiene_case,) = [case for case in cases if case.hygiene]
    gradient_name, gradient_hint, gradient_context = gradient
    hygiene_name, hygiene_context = hygiene
    return [
        Check(
            gradient_name.en,
            gradient_name.ja,
            probe,
            _gradient_verify(cases, forward_check),
            hint=gradient_hint,
            context=gradient_context,
        ),
        Check(
            hygiene_name.en,
            hygiene_name.ja,
            probe,
            _hygiene_verify(hygiene_case, linear_hint),
            context=hygiene_context,
        ),
    ]


# ----------------------------------------------------------------- forward checks


@dataclass(frozen=True)
class ForwardCase:
    """One object, one forward call, the reference's answer and known wrong answers."""

    label: Text
    params: dict[str, np.ndarray]  # constructor's positional arguments, in order
    inputs: tuple[Any, ...]  # forward's arguments: (x,), (x, t) or (x, True)
    expected: Any
    variants: tuple[Variant, ...] = ()


def _forward_check(
    name: str,
    name_ja: str,
    layer: str,
    cases: Sequence[ForwardCase],
    *,
    rtol: float,
    floor: float = 1e-9,
    hint: Text,
    context: str | Text,
) -> Check:
    """forward(*inputs) against the reference, for several objects; inputs and parameters unchanged."""
    probe = Probe()
    originals: list[tuple[str, np.ndarray]] = []
    for index, case in enumerate(cases):
        params, inputs = case.params, case.inputs
        refs = {key: probe.array(value) for key, value in params.items()}
        args = [probe.array(a) if isinstance(a, np.ndarray) else a for a in inputs]
        obj = probe.new(layer, *refs.values())
        probe.save(probe.method(obj, "forward", *args), f"{index}:out")
        names = ["x", "t"]
        for position, (value, ref) in enumerate(zip(inputs, args, strict=True)):
            if isinstance(ref, Ref):
                label = names[position] if position < len(names) else f"#{position + 1}"
                probe.save(ref, f"{index}:after:{label}")
                originals.append((f"{index}:after:{label}", value))
        for key, ref in refs.items():
            probe.save(ref, f"{index}:after:{key}")
            originals.append((f"{index}:after:{key}", params[key]))

    def verify(run: ProbeRun) -> Verdict:
        for index, case in enumerate(cases):
            got = run.output(f"{index}:out")
            atol = max(rtol * _scale(case.expected), floor)
            lines = mismatch(got, case.expected, what=f"{layer}.forward", rtol=rtol, atol=atol)
            if lines:
                header = Text(f"case {case.label.en}:", f"ケース {case.label.ja}:")
                variant = matching_variant(got, case.variants, rtol, atol)
                return Failure([header, *lines], variant.hint if variant else None)
        changed = sorted(
            {
                key.rsplit(":", 1)[1]
                for key, original in originals
                if (after := run.output(key).array) is None or not np.array_equal(after, original)
            }
        )
        if changed:
            return Failure(
                [
                    Text(
                        f"the values are right, but forward changed the caller's array(s): {', '.join(changed)}",
                        f"値は正しいのですが、forward が呼び出し元の配列を書き換えました: {', '.join(changed)}",
                    )
                ],
                IN_PLACE_INPUT,
            )
        return None

    return Check(name, name_ja, probe, verify, hint=hint, context=context)


# ----------------------------------------------------------------- Relu and Sigmoid


def _activation_cases(layer: str, shapes: Sequence[tuple[int, ...]], seed: int, h: float) -> list[Case]:
    rng = generator(seed)
    cases = []
    for number, shape in enumerate(shapes):
        x = _away_from_zero(rng, shape, 0.1, 3.0) if layer == "Relu" else rng.uniform(-4, 4, size=shape)
        dout = rng.normal(size=shape)
        reference = Relu() if layer == "Relu" else Sigmoid()
        out = reference.forward(x)
        dx = reference.backward(dout)
        if layer == "Relu":
            variants = (
                Variant(
                    dout,
                    Text(
                        "dx is dout unchanged: the mask saved in forward (where x <= 0) must zero those entries",
                        "dx が dout のままです。forward で保存したマスク(x <= 0 の位置)で、その要素を 0 にしてください",
                    ),
                ),
                Variant(
                    dout * (dout > 0),
                    Text(
                        "the mask was computed from dout (dout > 0); it must come from forward's x: "
                        "the gradient passes where the *input* was positive, whatever dout's sign",
                        "マスクを dout から(dout > 0)作っています。マスクは forward の x から作ります。"
                        "dout の符号に関係なく、*入力*が正だった位置で勾配が通ります",
                    ),
                ),
                Variant(
                    dout * (x <= 0),
                    Text(
                        "the mask is inverted: the gradient passes where x > 0 and is 0 where x <= 0",
                        "マスクが逆です。x > 0 の位置で勾配が通り、x <= 0 の位置で 0 になります",
                    ),
                ),
            )
        else:
            variants = (
                Variant(
                    dout * x * (1 - x),
                    Text(
                        "you used x * (1 - x): the derivative is out * (1 - out), with out = sigmoid(x), "
                        "the output saved in forward",
                        "x * (1 - x) になっています。微分は out * (1 - out) で、out = sigmoid(x) は forward で"
                        "保存した出力です",
                    ),
                ),
                Variant(
                    out * (1 - out),
                    Text(
                        "dx ignores dout: the chain rule multiplies the local derivative by dout",
                        "dx が dout を使っていません。連鎖律では局所的な微分に dout を掛けます",
                    ),
                ),
            )
        directions = tuple(rng.normal(size=shape) for _ in range(DIRECTIONS))
        cases.append(
            Case(
                key=f"c{number}",
                label=plain(f"x {shape}"),
                layer=layer,
                params={},
                x=x,
                expected_out=out,
                grads=(Grad("dx", "x", None, dx, directions, variants),),
                dout=dout,
                h=h,
                rtol=1e-9,
                hygiene=number == len(shapes) - 1,
            )
        )
    return cases


def _relu_checks() -> list[Check]:
    rng = generator(701)
    shapes = [(3, 5), (1, 6), (2, 3, 2, 2)]
    forward_cases = []
    for shape in shapes:
        x = _away_from_zero(rng, shape)
        if shape == (3, 5):
            x[1, 2] = 0.0
        forward_cases.append(ForwardCase(plain(f"x {shape}"), {}, (x,), Relu().forward(x)))
    forward_name = Text(
        "Relu: forward is max(0, x) for batch sizes 3 and 1 and a 4-D x, x unchanged",
        "Relu: バッチサイズ 3・1 と 4 次元の x で forward が max(0, x)、x は変更しない",
    )
    return [
        _forward_check(
            forward_name.en,
            forward_name.ja,
            "Relu",
            forward_cases,
            rtol=1e-12,
            hint=Text(
                "out = x.copy(), then out[self.mask] = 0 with self.mask = (x <= 0); or np.maximum(0, x)",
                "out = x.copy() のあと self.mask = (x <= 0) で out[self.mask] = 0、または np.maximum(0, x) です",
            ),
            context=Text(
                "x (3, 5) with a 0, x (1, 6), x (2, 3, 2, 2); |x| >= 0.1 elsewhere",
                "0 を含む x (3, 5)、x (1, 6)、x (2, 3, 2, 2)。それ以外は |x| >= 0.1",
            ),
        ),
        *_backward_checks(
            _activation_cases("Relu", [(1, 6), (2, 3, 2, 2)], 702, h=1e-6),
            forward_name,
            (
                Text(
                    "Relu: backward passes dout where x > 0 (gradient check)",
                    "Relu: backward は x > 0 の位置だけ dout を通す(勾配確認)",
                ),
                Text(
                    "dx = dout where the forward input was positive, 0 elsewhere: keep the mask from forward",
                    "forward の入力が正だった位置で dx = dout、それ以外は 0 です。forward のマスクを使ってください",
                ),
                Text(
                    "x (1, 6) and (2, 3, 2, 2), |x| >= 0.1 (away from the kink), random dout",
                    "x (1, 6) と (2, 3, 2, 2)、|x| >= 0.1(折れ目から離す)、dout はランダム",
                ),
            ),
            (
                Text(
                    "Relu: backward is linear in dout, repeatable, and leaves dout and x unchanged",
                    "Relu: backward は dout に線形で、2 回呼んでも同じ、dout と x は変更しない",
                ),
                Text("x (2, 3, 2, 2), random dout", "x (2, 3, 2, 2)、ランダムな dout"),
            ),
        ),
    ]


def _sigmoid_checks() -> list[Check]:
    rng = generator(711)
    shapes = [(3, 4), (1, 5), (2, 3, 2)]
    forward_cases = []
    for shape in shapes:
        x = rng.uniform(-6, 6, size=shape)
        forward_cases.append(
            ForwardCase(
                plain(f"x {shape}"),
                {},
                (x,),
                Sigmoid().forward(x),
                (
                    Variant(
                        1 / (1 + np.exp(x)),
                        Text("the sign in the exponent is flipped: exp(-x)", "指数の符号が逆です。exp(-x) です"),
                    ),
                ),
            )
        )
    forward_name = Text("Sigmoid: forward is 1 / (1 + exp(-x))", "Sigmoid: forward が 1 / (1 + exp(-x))")
    return [
        _forward_check(
            forward_name.en,
            forward_name.ja,
            "Sigmoid",
            forward_cases,
            rtol=1e-9,
            floor=1e-12,
            hint=Text(
                "out = 1 / (1 + np.exp(-x)); keep it in self.out for backward",
                "out = 1 / (1 + np.exp(-x)) です。backward のために self.out に保存します",
            ),
            context=Text("x (3, 4), (1, 5), (2, 3, 2) in [-6, 6]", "x (3, 4)、(1, 5)、(2, 3, 2)、値は [-6, 6]"),
        ),
        *_backward_checks(
            _activation_cases("Sigmoid", [(1, 5), (3, 4)], 712, h=1e-5),
            forward_name,
            (
                Text(
                    "Sigmoid: backward is dout * out * (1 - out) (gradient check)",
                    "Sigmoid: backward が dout * out * (1 - out)(勾配確認)",
                ),
                Text(
                    "dx = dout * out * (1 - out), with out the output saved in forward",
                    "dx = dout * out * (1 - out) です。out は forward で保存した出力です",
                ),
                Text(
                    "x (1, 5) and (3, 4) in [-4, 4], random dout", "x (1, 5) と (3, 4)、値は [-4, 4]、dout はランダム"
                ),
            ),
            (
                Text(
                    "Sigmoid: backward is linear in dout, repeatable, and leaves dout and x unchanged",
                    "Sigmoid: backward は dout に線形で、2 回呼んでも同じ、dout と x は変更しない",
                ),
                Text("x (3, 4), random dout", "x (3, 4)、ランダムな dout"),
            ),
        ),
    ]


# ----------------------------------------------------------------- Affine


def _affine_setup(rng: np.random.Generator, x_shape: tuple[int, ...], m: int) -> dict[str, Any]:
    n = x_shape[0]
    d = int(np.prod(x_shape[1:]))
    x = rng.normal(size=x_shape)
    W = rng.normal(size=(d, m)) / np.sqrt(d)
    b = rng.uniform(0.5, 2.0, size=m) * rng.choice([-1.0, 1.0], size=m)
    dout = rng.normal(size=(n, m))
    return {"x": x, "W": W, "b": b, "dout": dout}


def _affine_case(key: str, setup: dict[str, Any], rng: np.random.Generator) -> Case:
    x, W, b, dout = setup["x"], setup["W"], setup["b"], setup["dout"]
    layer = Affine(W, b)
    out = layer.forward(x)
    dx = layer.backward(dout)
    flat = x.reshape(x.shape[0], -1)
    transposed = Text(
        "dW is transposed: dW = x.T @ dout has W's shape (D, M); dout.T @ x gives (M, D)",
        "dW が転置になっています。dW = x.T @ dout は W と同じ形状 (D, M) です。dout.T @ x では (M, D) になります",
    )
    dw_variants = [Variant(dout.T @ flat, transposed)]
    if x.ndim > 2:
        dw_variants.append(
            Variant(
                np.dot(x.T, dout),
                Text(
                    "dW was computed from the original 4-D x: use the flattened (N, D) x saved in forward, "
                    "dW = self.x.T @ dout",
                    "dW を元の 4 次元の x から計算しています。forward で保存した (N, D) に平らにした x を使い、"
                    "dW = self.x.T @ dout としてください",
                ),
            )
        )
    not_summed = Text(
        "db must be summed over the batch axis: db = np.sum(dout, axis=0), shape (M,)",
        "db はバッチ方向に和をとります: db = np.sum(dout, axis=0)、形状 (M,)",
    )
    db_variants = (
        Variant(dout, not_summed),
        Variant(
            dout.mean(axis=0),
            Text(
                "db is a sum over the batch, not a mean: b is added to every sample, so every sample's "
                "dout adds to db (the 1/N of the mean loss is already in dout)",
                "db はバッチ方向の平均ではなく和です。b はすべてのサンプルに足されるので、各サンプルの dout が"
                "db に加わります(損失の平均の 1/N はすでに dout に入っています)",
            ),
        ),
        Variant(np.array(dout.sum()), not_summed),
        Variant(dout.sum(axis=1), not_summed),
    )
    dx_variants = (
        Variant(
            dout @ W.T,
            Text(
                "dx must have the shape of the x forward received: remember x.shape in forward and "
                "return dx.reshape(self.original_x_shape)",
                "dx は forward が受け取った x と同じ形状にします。forward で x.shape を覚えておき、"
                "dx.reshape(self.original_x_shape) を返してください",
            ),
        ),
    )
    directions = {name: tuple(rng.normal(size=value.shape) for _ in range(DIRECTIONS)) for name, value in setup.items()}
    return Case(
        key=key,
        label=plain(f"x {x.shape}, W {W.shape}, b {b.shape}"),
        layer="Affine",
        params={"W": W, "b": b},
        x=x,
        expected_out=out,
        grads=(
            Grad("dx", "x", None, dx, directions["x"], dx_variants),
            Grad("dW", "W", "dW", layer.dW, directions["W"], tuple(dw_variants)),
            Grad("db", "b", "db", layer.db, directions["b"], db_variants),
        ),
        dout=dout,
        rtol=1e-9,
    )


def _affine_checks() -> list[Check]:
    rng = generator(721)
    image = _affine_setup(rng, (3, 2, 3, 2), 5)
    single = _affine_setup(rng, (1, 4), 3)
    forward_cases = []
    for setup in (image, single):
        x, W, b = setup["x"], setup["W"], setup["b"]
        flat = x.reshape(x.shape[0], -1)
        forward_cases.append(
            ForwardCase(
                plain(f"x {x.shape}, W {W.shape}, b {b.shape}"),
                {"W": W, "b": b},
                (x,),
                Affine(W, b).forward(x),
                (
                    Variant(
                        flat @ W,
                        Text("the bias is missing: out = x @ W + b", "バイアスが抜けています: out = x @ W + b"),
                    ),
                ),
            )
        )
    forward_name = Text(
        "Affine: forward flattens a 4-D x to (N, -1) and adds the bias",
        "Affine: forward は 4 次元の x を (N, -1) に平らにしてバイアスを足す",
    )
    return [
        _forward_check(
            forward_name.en,
            forward_name.ja,
            "Affine",
            forward_cases,
            rtol=1e-9,
            hint=Text(
                "flatten each sample first, x.reshape(x.shape[0], -1), then x @ W + b",
                "まず各サンプルを x.reshape(x.shape[0], -1) で平らにし、x @ W + b を計算します",
            ),
            context=Text(
                "x (3, 2, 3, 2) -> (3, 12), W (12, 5), b (5,) non-zero; x (1, 4), W (4, 3), b (3,)",
                "x (3, 2, 3, 2) -> (3, 12)、W (12, 5)、0 でない b (5,)。x (1, 4)、W (4, 3)、b (3,)",
            ),
        ),
        *_backward_checks(
            [replace(_affine_case("image", image, rng), hygiene=True), _affine_case("single", single, rng)],
            forward_name,
            (
                Text(
                    "Affine: backward gives dx in x's 4-D shape, dW and db (gradient check)",
                    "Affine: backward が x と同じ 4 次元の形状の dx、dW、db を求める(勾配確認)",
                ),
                Text(
                    "dx = (dout @ W.T).reshape(original x shape), dW = x_flat.T @ dout, db = np.sum(dout, axis=0)",
                    "dx = (dout @ W.T).reshape(元の x の形状)、dW = x_flat.T @ dout、db = np.sum(dout, axis=0) です",
                ),
                Text(
                    "x (3, 2, 3, 2) with W (12, 5), b (5,); x (1, 4) with W (4, 3), b (3,); random dout",
                    "x (3, 2, 3, 2) と W (12, 5)、b (5,)。x (1, 4) と W (4, 3)、b (3,)。dout はランダム",
                ),
            ),
            (
                Text(
                    "Affine: backward is linear in dout, repeatable, and leaves dout, x, W and b unchanged",
                    "Affine: backward は dout に線形で、2 回呼んでも同じ、dout・x・W・b は変更しない",
                ),
                Text(
                    "x (3, 2, 3, 2), W (12, 5), b (5,), random dout (3, 5)",
                    "x (3, 2, 3, 2)、W (12, 5)、b (5,)、ランダムな dout (3, 5)",
                ),
            ),
        ),
    ]


# ----------------------------------------------------------------- SoftmaxWithLoss


def _scores(rng: np.random.Generator, n: int, k: int, labels: np.ndarray) -> np.ndarray:
    """Scores whose softmax gives every true class at least 0.05 (the 1e-7 in the log stays invisible)."""
    while True:
        x = rng.normal(size=(n, k)) * 1.2
        y = softmax(x)
        if np.all(y[np.arange(n), labels] >= 0.05):
            return x


def _swl_setups() -> list[tuple[str, Text, np.ndarray, np.ndarray, np.ndarray]]:
    """(key, label, x, t as passed, labels) for labels N=4 K=3, one-hot N=4 K=3, labels N=1 K=5."""
    rng = generator(731)
    labels_a = np.array([2, 0, 1, 1])
    labels_b = np.array([1, 2, 2, 0])
    labels_c = np.array([3])
    x_a = _scores(rng, 4, 3, labels_a)
    x_b = _scores(rng, 4, 3, labels_b)
    x_c = _scores(rng, 1, 5, labels_c)
    return [
        ("labels", Text("x (4, 3), t labels (4,)", "x (4, 3)、t はラベル (4,)"), x_a, labels_a, labels_a),
        (
            "onehot",
            Text("x (4, 3), t one-hot (4, 3)", "x (4, 3)、t は one-hot (4, 3)"),
            x_b,
            np.eye(3)[labels_b],
            labels_b,
        ),
        ("single", Text("x (1, 5), t labels (1,)", "x (1, 5)、t はラベル (1,)"), x_c, labels_c, labels_c),
    ]


def _swl_checks() -> list[Check]:
    setups = _swl_setups()
    forward_cases = []
    for _key, label, x, t, _labels in setups:
        n = x.shape[0]
        y = softmax(x)
        loss = SoftmaxWithLoss().forward(x, t)
        variants = [
            Variant(
                loss * n,
                Text(
                    "the loss is the sum over the batch; the contract asks for the mean: divide by N",
                    "損失がバッチの和になっています。課題はミニバッチの平均です。N で割ってください",
                ),
            )
        ]
        if t.ndim == 2:
            with np.errstate(all="ignore"):
                swapped = -np.sum(y * np.log(t + 1e-7)) / n
            variants.append(
                Variant(
                    swapped,
                    Text(
                        "the arguments of cross_entropy_error are swapped: exercise 2's loss takes the teacher "
                        "data first, cross_entropy_error(t, y) (the book writes (y, t))",
                        "cross_entropy_error の引数が逆です。演習 2 の損失関数は教師データが先で "
                        "cross_entropy_error(t, y) です(教科書は (y, t) の順です)",
                    ),
                )
            )
        forward_cases.append(ForwardCase(label, {}, (x, t), loss, tuple(variants)))
    forward_name = Text(
        "SoftmaxWithLoss: forward returns the batch-mean loss for labels and one-hot t",
        "SoftmaxWithLoss: t がラベルでも one-hot でも forward がミニバッチ平均の損失を返す",
    )

    rng = generator(732)
    cases = []
    for key, label, x, t, labels in setups:
        n, k = x.shape
        reference = SoftmaxWithLoss()
        loss = reference.forward(x, t)
        dx = reference.backward()
        y = softmax(x)
        onehot = np.eye(k)[labels]
        columns = y.copy()
        columns[:, labels] -= 1.0
        variants = (
            Variant(
                y - onehot,
                Text(
                    "dx is not divided by the batch size: the loss is a batch mean, so dx = (y - t) / N",
                    "dx がバッチサイズで割られていません。損失はミニバッチの平均なので dx = (y - t) / N です",
                ),
            ),
            Variant(
                columns / n,
                Text(
                    "with labels, dx[:, t] -= 1 subtracts from whole columns; subtract 1 once per row, "
                    "at the true class: dx[np.arange(N), t] -= 1",
                    "ラベルのとき dx[:, t] -= 1 は列全体から引いてしまいます。各行の正解クラスの位置で 1 回だけ"
                    "引きます: dx[np.arange(N), t] -= 1",
                ),
            ),
            Variant(
                (y - onehot) / k,
                Text(
                    "dx was divided by the number of classes K; divide by the batch size N = x.shape[0]",
                    "dx をクラス数 K で割っています。バッチサイズ N = x.shape[0] で割ってください",
                ),
            ),
        )
        directions = tuple(rng.normal(size=x.shape) for _ in range(DIRECTIONS))
        cases.append(
            Case(
                key=key,
                label=label,
                layer="SoftmaxWithLoss",
                params={},
                x=x,
                expected_out=np.array(loss),
                grads=(Grad("dx", "x", None, dx, directions, variants),),
                extra=(t,),
                dout=None,
                consistency_tol=LOSS_RTOL,
                rtol=LOSS_RTOL,
                objective="L = loss",
                hygiene=key == "labels",
            )
        )
    return [
        _forward_check(
            forward_name.en,
            forward_name.ja,
            "SoftmaxWithLoss",
            forward_cases,
            rtol=LOSS_RTOL,
            floor=1e-6,
            hint=Text(
                "self.y = softmax(x), then the mean over the batch of -log(y of the true class + 1e-7); "
                "exercise 2's cross_entropy_error(t, self.y) does exactly that",
                "self.y = softmax(x) のあと、正解クラスの -log(y + 1e-7) のミニバッチ平均です。"
                "演習 2 の cross_entropy_error(t, self.y) がちょうどそれです",
            ),
            context=Text(
                "x (4, 3) with t labels (4,); x (4, 3) with t one-hot (4, 3); x (1, 5) with t labels (1,)",
                "x (4, 3) と t ラベル (4,)、x (4, 3) と t one-hot (4, 3)、x (1, 5) と t ラベル (1,)",
            ),
        ),
        *_backward_checks(
            cases,
            forward_name,
            (
                Text(
                    "SoftmaxWithLoss: backward() returns (y - t) / N for labels and one-hot t (gradient check)",
                    "SoftmaxWithLoss: t がラベルでも one-hot でも backward() が (y - t) / N を返す(勾配確認)",
                ),
                Text(
                    "dx = (y - onehot(t)) / N with y saved in forward; with labels, dx = y.copy() and "
                    "dx[np.arange(N), t] -= 1, then divide by N",
                    "forward で保存した y を使い dx = (y - onehot(t)) / N です。ラベルなら dx = y.copy() のあと "
                    "dx[np.arange(N), t] -= 1 とし、N で割ります",
                ),
                Text(
                    "as in the forward check; L = loss (backward's default dout = 1)",
                    "forward のチェックと同じ入力。L = loss(backward の既定値 dout = 1)",
                ),
            ),
            (
                Text(
                    "SoftmaxWithLoss: backward(2.0) doubles dx, a second backward() gives the same, x and t unchanged",
                    "SoftmaxWithLoss: backward(2.0) で dx が 2 倍、backward() を 2 回呼んでも同じ、x と t は変更しない",
                ),
                Text("x (4, 3), t labels (4,)", "x (4, 3)、t はラベル (4,)"),
            ),
            linear_hint=Text(
                "multiply by dout: dx = dout * (y - t) / N. The book's version ignores dout because it "
                "is 1 at the end of a network, but the contract's backward(dout=1) must scale with it",
                "dout を掛けてください: dx = dout * (y - t) / N。教科書の実装はネットワークの最後で dout が 1 なので"
                "無視していますが、課題の backward(dout=1) は dout に比例する必要があります",
            ),
        ),
    ]


# ----------------------------------------------------------------- Dropout


def _dropout_input(seed: int) -> np.ndarray:
    return _away_from_zero(generator(seed), (40, 50), 0.1, 2.0)


def _binomial_limit(ratio: float, count: int) -> float:
    return SIGMAS * np.sqrt(ratio * (1 - ratio) / count)


def _kept_scale(out: np.ndarray, x: np.ndarray) -> tuple[float | None, Text | None]:
    """The one factor kept units are multiplied by, or why there is none."""
    kept = out != 0
    if not kept.any():
        return None, Text("every unit was dropped", "すべてのユニットが消去されました")
    factors = out[kept] / x[kept]
    scale = float(np.median(factors))
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


def _array(run: ProbeRun, name: str, what: str, shape: tuple[int, ...]) -> tuple[np.ndarray | None, list[Text]]:
    array, problems = value_of(run.output(name), what)
    if problems:
        return None, problems
    assert array is not None
    if array.shape != shape:
        return None, [
            Text(
                f"{what}: expected shape {shape}, got {array.shape}",
                f"{what}: 期待される形状は {shape}、結果は {array.shape}",
            )
        ]
    return array.astype(np.float64), []


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
    probe.save(probe.method(default, "forward", x_ref, True), "default")
    probe.save(x_ref, "after:x")

    def fraction_problem(out: np.ndarray, wanted: float, call: Text) -> tuple[list[Text], Text | None]:
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

    def verify(run: ProbeRun) -> Verdict:
        outs = {}
        for name in ("first", "second", "default"):
            array, problems = _array(run, name, "Dropout.forward(x, True)", x.shape)
            if problems:
                return problems
            outs[name] = array
        lines: list[Text] = []
        hints: list[Text] = []
        scale, problem = _kept_scale(outs["first"], x)
        if problem is not None:
            lines.append(problem)
        elif _convention(scale, ratio) is None:
            lines.append(
                Text(
                    f"the kept units are multiplied by {scale:.6g}; expected 1 (the book: scale at test time) or "
                    f"1 / (1 - dropout_ratio) = {1 / (1 - ratio):.6g} (inverted dropout: scale in training)",
                    f"残したユニットが {scale:.6g} 倍されています。1(教科書: テスト時に調整)か "
                    f"1 / (1 - dropout_ratio) = {1 / (1 - ratio):.6g}(inverted dropout: 学習時に調整)のはずです",
                )
            )
            if scale is not None and abs(scale - (1 - ratio)) < 1e-9:
                hints.append(
                    Text(
                        "multiplying by (1 - dropout_ratio) belongs to test mode (book convention); "
                        "in training the kept units pass unchanged",
                        "(1 - dropout_ratio) を掛けるのはテスト時です(教科書の方式)。学習時は残したユニットを"
                        "そのまま通します",
                    )
                )
        for name, wanted, call in (
            ("first", ratio, plain(f"Dropout({ratio}).forward(x, True)")),
            (
                "second",
                ratio,
                Text(
                    f"Dropout({ratio}).forward(x, True), called a second time,",
                    f"2 回目の Dropout({ratio}).forward(x, True)",
                ),
            ),
            ("default", 0.5, plain("Dropout().forward(x, True)")),
        ):
            more, hint = fraction_problem(outs[name], wanted, call)
            lines += more
            if hint is not None:
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
        after = run.output("after:x").array
        if after is None or not np.array_equal(after, x):
            lines.append(Text("forward changed the caller's array x", "forward が呼び出し元の配列 x を書き換えました"))
            hints.append(IN_PLACE_INPUT)
        return Failure(lines, _join(hints)) if lines else None

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
            f"x (40, 50), |x| >= 0.1; Dropout({ratio}) twice and Dropout() once",
            f"x (40, 50)、|x| >= 0.1。Dropout({ratio}) で 2 回、Dropout() で 1 回",
        ),
    )


def _dropout_backward_check() -> Check:
    x = _dropout_input(751)
    rng = generator(752)
    dout = rng.normal(size=x.shape)
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
    probe.save(dout_ref, "after:dout")
    probe.save(probe.method(layer, "forward", x_ref, True), "out2")
    probe.save(probe.method(layer, "backward", dout_ref), "dx2")
    probe.save(x_ref, "after:x")
    new_mask = Text(
        "backward must use the mask saved by the last training forward (self.mask), not draw a new one",
        "backward では、直前の学習時の forward で保存したマスク(self.mask)を使います。新しく作ってはいけません",
    )

    def against_forward(out: np.ndarray, dx: np.ndarray, which: Text) -> tuple[list[Text], list[Text]]:
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
            ], [new_mask]
        scale, problem = _kept_scale(out, x)
        if scale is None:
            return [problem] if problem else [], []
        factors = dx[~dropped] / dout[~dropped]
        if np.max(np.abs(factors - scale)) > 1e-9 * max(abs(scale), 1.0):
            return [
                Text(
                    f"dx disagrees with your own forward ({which.en}): forward multiplies kept units by {scale:.6g}, "
                    f"backward multiplies dout by {np.median(factors):.6g}",
                    f"dx があなた自身の forward({which.ja})と一致しません: forward は残したユニットを {scale:.6g} 倍、"
                    f"backward は dout を {np.median(factors):.6g} 倍しています",
                )
            ], [
                Text(
                    "backward multiplies dout by what forward multiplied x by: the mask, and with inverted "
                    "dropout also 1 / (1 - dropout_ratio)",
                    "backward では forward で x に掛けたものを dout に掛けます。マスクと、inverted dropout なら "
                    "1 / (1 - dropout_ratio) もです",
                )
            ]
        return [], []

    def verify(run: ProbeRun) -> Verdict:
        values = {}
        for name, what in (
            ("out1", "Dropout.forward(x, True)"),
            ("dx1", "Dropout.backward(dout)"),
            ("dx1again", "Dropout.backward(dout) #2"),
            ("dx1double", "Dropout.backward(2 * dout)"),
            ("out2", "Dropout.forward(x, True) #2"),
            ("dx2", "Dropout.backward(dout) #3"),
        ):
            array, problems = _array(run, name, what, x.shape)
            if problems:
                return problems
            values[name] = array
        lines, hints = against_forward(
            values["out1"], values["dx1"], Text("first training forward", "1 回目の学習時の forward")
        )
        if not lines:
            more, more_hints = against_forward(
                values["out2"], values["dx2"], Text("second training forward", "2 回目の学習時の forward")
            )
            lines += more
            hints += more_hints
        if not np.array_equal(values["dx1again"], values["dx1"]):
            lines.append(
                Text(
                    "calling backward(dout) a second time gave a different dx",
                    "backward(dout) をもう一度呼ぶと dx が変わりました",
                )
            )
            hints.append(new_mask)
        elif mismatch(values["dx1double"], 2 * values["dx1"], what="dx", rtol=1e-12, atol=0.0):
            lines.append(
                Text(
                    "backward(2 * dout) should give twice the dx of backward(dout)",
                    "backward(2 * dout) は 2 倍の dx になるはずです",
                )
            )
            hints.append(NOT_LINEAR)
        after = run.output("after:dout").array
        if after is None or not np.array_equal(after, dout):
            lines.append(
                Text("backward changed the dout array it was given", "backward が渡された dout の配列を書き換えました")
            )
            hints.append(IN_PLACE_DOUT)
        after = run.output("after:x").array
        if after is None or not np.array_equal(after, x):
            lines.append(Text("forward changed the caller's array x", "forward が呼び出し元の配列 x を書き換えました"))
            hints.append(IN_PLACE_INPUT)
        return Failure(lines, _join(hints)) if lines else None

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
    probe.save(x_ref, "after:x")
    book = x * (1 - ratio)

    def verify(run: ProbeRun) -> Verdict:
        values = {}
        for name, what in (
            ("fresh", "Dropout.forward(x, False)"),
            ("train", "Dropout.forward(x, True)"),
            ("test", "Dropout.forward(x, False) after training"),
        ):
            array, problems = _array(run, name, what, x.shape)
            if problems:
                return problems
            values[name] = array
        scale, _problem = _kept_scale(values["train"], x)
        convention = _convention(scale, ratio)
        accepted = {"book": [book], "inverted": [x], None: [book, x]}[convention]
        for name, when in (
            ("test", Text("after a training forward", "学習時の forward の後")),
            ("fresh", Text("on a new object", "新しいオブジェクト")),
        ):
            got = values[name]
            if any(not mismatch(got, expected, what="", rtol=1e-12, atol=1e-15) for expected in accepted):
                continue
            expected = accepted[0]
            lines = [
                Text(f"test mode {when.en}:", f"テスト時({when.ja}):"),
                *mismatch(got, expected, what="Dropout.forward(x, False)", rtol=1e-12, atol=1e-15),
            ]
            if convention == "book":
                lines.insert(
                    1,
                    Text(
                        "your training forward keeps units unscaled (the book's convention), so at test time "
                        "out = x * (1 - dropout_ratio), the expected training output",
                        "学習時の forward は残したユニットをそのまま通す(教科書の方式)ので、テスト時は学習時の出力の"
                        "期待値 out = x * (1 - dropout_ratio) です",
                    ),
                )
            elif convention is None:
                lines.insert(
                    1,
                    Text(
                        "your training forward follows neither convention (see the training check), so test mode "
                        "may be either x * (1 - dropout_ratio) (the book) or x (inverted dropout); it is neither",
                        "学習時の forward がどちらの方式にも合わない(学習時のチェックを参照)ので、テスト時は "
                        "x * (1 - dropout_ratio)(教科書)か x(inverted dropout)のどちらでもよいのですが、"
                        "どちらでもありません",
                    ),
                )
            elif convention == "inverted":
                lines.insert(
                    1,
                    Text(
                        "your training forward scales kept units by 1 / (1 - dropout_ratio) (inverted dropout), "
                        "so at test time out = x, the expected training output",
                        "学習時の forward は残したユニットを 1 / (1 - dropout_ratio) 倍する(inverted dropout)ので、"
                        "テスト時は学習時の出力の期待値 out = x です",
                    ),
                )
            hint = None
            if np.any(got == 0):
                hint = Text(
                    "test mode drops nothing: every unit is present, only scaled",
                    "テスト時は何も消去しません。すべてのユニットを使い、倍率だけを調整します",
                )
            elif not mismatch(got, x * ratio, what="", rtol=1e-12, atol=1e-15):
                hint = Text(
                    "multiply by the keep probability 1 - dropout_ratio, not by dropout_ratio",
                    "掛けるのは残す確率 1 - dropout_ratio です。dropout_ratio ではありません",
                )
            elif convention == "book" and not mismatch(got, x, what="", rtol=1e-12, atol=1e-15):
                hint = Text(
                    "returning x unchanged is right only for inverted dropout; with unscaled training "
                    "output the test output must be scaled by (1 - dropout_ratio) to match its mean",
                    "x をそのまま返すのは inverted dropout の場合だけです。学習時に倍率を掛けないなら、"
                    "平均を合わせるためテスト時に (1 - dropout_ratio) を掛けます",
                )
            elif convention == "inverted" and not mismatch(got, book, what="", rtol=1e-12, atol=1e-15):
                hint = Text(
                    "inverted dropout already scaled in training, so test mode returns x unchanged: "
                    "scaling again mixes the two conventions",
                    "inverted dropout では学習時にすでに倍率を掛けているので、テスト時は x をそのまま返します。"
                    "もう一度掛けると二つの方式が混ざります",
                )
            return Failure(lines, hint)
        after = run.output("after:x").array
        if after is None or not np.array_equal(after, x):
            return Failure(
                [Text("forward changed the caller's array x", "forward が呼び出し元の配列 x を書き換えました")],
                IN_PLACE_INPUT,
            )
        return None

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


def _bn_forward_check() -> tuple[Check, Text]:
    rng = generator(771)
    x = _feature_batch(rng, 6, 4)
    gamma, beta = _bn_parameters(rng, 4)
    expected = BatchNormalization(gamma, beta).forward(x, True)
    mu = x.mean(axis=0)
    xc = x - mu
    var = np.mean(xc**2, axis=0)
    xn = xc / np.sqrt(var + EPS)
    per_sample = (x - x.mean(axis=1, keepdims=True)) / np.sqrt(x.var(axis=1, keepdims=True) + EPS)
    variants = [
        Variant(
            gamma * xc / np.sqrt(x.var(axis=0, ddof=1) + EPS) + beta,
            Text(
                "the batch variance divides by N, not N - 1: var = np.mean((x - mu) ** 2, axis=0)",
                "バッチの分散は N - 1 ではなく N で割ります: var = np.mean((x - mu) ** 2, axis=0)",
            ),
        ),
        Variant(
            gamma * xc / (var + EPS) + beta,
            Text(
                "divide by the standard deviation sqrt(var + eps), not by the variance",
                "分散ではなく標準偏差 sqrt(var + eps) で割ってください",
            ),
        ),
        Variant(
            beta * xn + gamma,
            Text(
                "gamma and beta are swapped: out = gamma * xn + beta", "gamma と beta が逆です: out = gamma * xn + beta"
            ),
        ),
        Variant(
            xn,
            Text(
                "gamma and beta are missing: out = gamma * xn + beta",
                "gamma と beta が抜けています: out = gamma * xn + beta",
            ),
        ),
        Variant(
            gamma * per_sample + beta,
            Text(
                "each feature is normalised over the batch: statistics along axis=0 (down the batch), not axis=1",
                "各特徴量をミニバッチ方向に正規化します。統計量は axis=1 ではなく axis=0(バッチ方向)でとります",
            ),
        ),
    ]
    name = Text(
        "BatchNormalization: training forward normalises each feature with the batch mean and variance",
        "BatchNormalization: 学習時の forward は各特徴量をバッチの平均と分散で正規化する",
    )
    check = _forward_check(
        name.en,
        name.ja,
        "BatchNormalization",
        [ForwardCase(plain("x (6, 4)"), {"gamma": gamma, "beta": beta}, (x, True), expected, tuple(variants))],
        rtol=BN_RTOL,
        hint=Text(
            "mu = x.mean(axis=0), xc = x - mu, var = np.mean(xc ** 2, axis=0), xn = xc / np.sqrt(var + eps), "
            "out = gamma * xn + beta",
            "mu = x.mean(axis=0)、xc = x - mu、var = np.mean(xc ** 2, axis=0)、xn = xc / np.sqrt(var + eps)、"
            "out = gamma * xn + beta です",
        ),
        context=Text(
            "x (6, 4), features with means far apart and batch variances in [1, 3]; gamma, beta (4,) not 1 and 0",
            "x (6, 4)。特徴量ごとに平均が大きく異なり、バッチの分散は [1, 3]。gamma, beta (4,) は 1 と 0 以外",
        ),
    )
    return check, name


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

    def verify(run: ProbeRun) -> Verdict:
        got: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for key, _label in steps:
            pair = []
            for stat in ("mean", "var"):
                output = run.output(f"{key}:{stat}")
                if output.kind == "none":
                    return Failure(
                        [
                            Text(
                                f"self.running_{stat} is missing or None after a training forward",
                                f"学習時の forward の後も self.running_{stat} がないか None です",
                            )
                        ],
                        Text(
                            "when running_mean and running_var are None, create them as zeros of shape (D,) "
                            "and update them in every training forward",
                            "running_mean と running_var が None なら形状 (D,) の 0 で作り、"
                            "学習時の forward のたびに更新してください",
                        ),
                    )
                array, problems = value_of(output, f"self.running_{stat}")
                if problems:
                    return problems
                assert array is not None
                pair.append(array.astype(np.float64))
            got[key] = (pair[0], pair[1])
        # running_var may use the biased (book) or the unbiased (PyTorch) variance, one of them throughout
        var_forms = [form for form in (biased, unbiased) if all(agree(got[k][1], form[k][1]) for k in got)]
        expected_var = var_forms[0] if var_forms else biased
        for key, label in steps:
            mean, var = got[key]
            lines = []
            if not agree(mean, biased[key][0]):
                lines += mismatch(mean, biased[key][0], what="running_mean", rtol=tolerance, atol=1e-9)
            if not agree(var, expected_var[key][1]):
                lines += mismatch(var, expected_var[key][1], what="running_var", rtol=tolerance, atol=1e-9)
            if lines:
                hint = next(
                    (hint for wrong, hint in mistakes if agree(mean, wrong[key][0]) and agree(var, wrong[key][1])),
                    None,
                )
                return Failure([label, *lines], hint)
        return None

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
    layer = probe.new("BatchNormalization", *refs, 0.8, mean0, var0)
    probe.method(layer, "forward", x_train, True)
    probe.save(probe.attr(layer, "running_mean"), "before:mean")
    probe.save(probe.attr(layer, "running_var"), "before:var")
    probe.save(probe.method(layer, "forward", test_ref, False), "test")
    probe.save(probe.attr(layer, "running_mean"), "after:mean")
    probe.save(probe.attr(layer, "running_var"), "after:var")
    probe.save(test_ref, "after:x")

    def expected_with(mean: np.ndarray, var: np.ndarray) -> np.ndarray:
        return gamma * (x_test - mean) / np.sqrt(var + EPS) + beta

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

    def verify(run: ProbeRun) -> Verdict:
        rtol = BN_RTOL
        fresh_expected = expected_with(mean0, var0)
        got = run.output("fresh")
        lines = mismatch(got, fresh_expected, what="forward(x, False)", rtol=rtol, atol=rtol * _scale(fresh_expected))
        if lines:
            variant = matching_variant(got, variants(mean0, var0), rtol, rtol * _scale(fresh_expected))
            return Failure(
                [
                    Text(
                        "on a new object built with running_mean and running_var, before any training:",
                        "running_mean と running_var を指定して作った新しいオブジェクトで、学習前に:",
                    ),
                    *lines,
                ],
                variant.hint if variant else None,
            )
        stats = {}
        for key in ("before:mean", "before:var", "after:mean", "after:var"):
            stat = f"running_{key.split(':')[1]}"
            output = run.output(key)
            if output.kind == "none":
                return [
                    Text(
                        f"self.{stat} is missing or None after a training forward",
                        f"学習時の forward の後も self.{stat} がないか None です",
                    )
                ]
            array, problems = value_of(output, f"self.{stat}")
            if problems:
                return problems
            stats[key] = array.astype(np.float64)
        mean, var = stats["before:mean"], stats["before:var"]
        if mean.shape != (d,) or var.shape != (d,):
            return [
                Text(
                    f"running_mean and running_var should have shape ({d},); got {mean.shape} and {var.shape}",
                    f"running_mean と running_var の形状は ({d},) のはずです。結果は {mean.shape} と {var.shape}",
                )
            ]
        # the learner's own running statistics: whether they are right is the previous check's business
        expected = expected_with(mean, np.maximum(var, 0.0))
        got = run.output("test")
        lines = mismatch(got, expected, what="forward(x, False)", rtol=rtol, atol=rtol * _scale(expected))
        if lines:
            variant = matching_variant(got, variants(mean, var), rtol, rtol * _scale(expected))
            return Failure(
                [
                    Text(
                        "after a training forward, with your running_mean and running_var at that point:",
                        "学習時の forward の後、その時点のあなたの running_mean と running_var で:",
                    ),
                    *lines,
                ],
                variant.hint if variant else None,
            )
        if not (np.array_equal(stats["after:mean"], mean) and np.array_equal(stats["after:var"], var)):
            return Failure(
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
        after = run.output("after:x").array
        if after is None or not np.array_equal(after, x_test):
            return Failure(
                [Text("forward changed the caller's array x", "forward が呼び出し元の配列 x を書き換えました")],
                IN_PLACE_INPUT,
            )
        return None

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
            "x (5, 4) in test mode: on a new object with given running statistics, and after a training forward",
            "テスト時の x (5, 4): 移動平均を指定した新しいオブジェクトで、また学習時の forward の後で",
        ),
    )


def _bn_case(key: str, rng: np.random.Generator, n: int, d: int) -> Case:
    x = _feature_batch(rng, n, d)
    gamma, beta = _bn_parameters(rng, d)
    dout = rng.normal(size=(n, d))
    layer = BatchNormalization(gamma, beta)
    out = layer.forward(x, True)
    dx = layer.backward(dout)
    mu = x.mean(axis=0)
    xc = x - mu
    std = np.sqrt(np.mean(xc**2, axis=0) + EPS)
    xn = xc / std
    dxn = gamma * dout
    dx_variants = (
        Variant(
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
        Variant(
            (dxn - dxn.mean(axis=0)) / std,
            Text(
                "the path through var is missing: in the book's graph, dxc += (2.0 / N) * xc * dvar "
                "(with dvar = 0.5 * dstd / std, dstd = -sum(dxn * xc / std**2)) before dmu is taken",
                "var を通る経路が抜けています。教科書の計算グラフでは dmu を求める前に dxc += (2.0 / N) * xc * dvar"
                "(dvar = 0.5 * dstd / std、dstd = -sum(dxn * xc / std**2))を足します",
            ),
        ),
        Variant(
            (dxn - xn * np.mean(dxn * xn, axis=0)) / std,
            Text(
                "the path through mu is missing: finish with dx = dxc - dmu / N, dmu = sum(dxc, axis=0)",
                "mu を通る経路が抜けています。最後に dx = dxc - dmu / N(dmu = sum(dxc, axis=0))とします",
            ),
        ),
        Variant(
            dout / std,
            Text(
                "gamma is missing from dx: out = gamma * xn + beta, so dxn = gamma * dout",
                "dx に gamma が抜けています。out = gamma * xn + beta なので dxn = gamma * dout です",
            ),
        ),
    )
    dgamma_variants = (
        Variant(
            np.sum(dout * x, axis=0),
            Text(
                "dgamma = sum(dout * xn, axis=0): the normalised xn, not x",
                "dgamma = sum(dout * xn, axis=0) です。x ではなく正規化した xn です",
            ),
        ),
        Variant(
            dout * xn,
            Text(
                "dgamma must be summed over the batch axis: shape (D,)",
                "dgamma はバッチ方向に和をとります。形状は (D,) です",
            ),
        ),
        Variant(
            np.mean(dout * xn, axis=0),
            Text("dgamma is a sum over the batch, not a mean", "dgamma はバッチ方向の和です。平均ではありません"),
        ),
    )
    dbeta_variants = (
        Variant(
            dout,
            Text(
                "dbeta must be summed over the batch axis: shape (D,)",
                "dbeta はバッチ方向に和をとります。形状は (D,) です",
            ),
        ),
        Variant(
            dout.mean(axis=0),
            Text("dbeta is a sum over the batch, not a mean", "dbeta はバッチ方向の和です。平均ではありません"),
        ),
    )
    directions = {
        name: tuple(rng.normal(size=shape) for _ in range(DIRECTIONS))
        for name, shape in (("x", x.shape), ("gamma", (d,)), ("beta", (d,)))
    }
    return Case(
        key=key,
        label=plain(f"x ({n}, {d})"),
        layer="BatchNormalization",
        params={"gamma": gamma, "beta": beta},
        x=x,
        expected_out=out,
        grads=(
            Grad("dx", "x", None, dx, directions["x"], dx_variants),
            Grad("dgamma", "gamma", "dgamma", layer.dgamma, directions["gamma"], dgamma_variants),
            Grad("dbeta", "beta", "dbeta", layer.dbeta, directions["beta"], dbeta_variants),
        ),
        extra=(True,),
        dout=dout,
        # eps outside the square root (std + eps) makes the book's formula off by eps / std <= 1e-5
        consistency_tol=BN_RTOL,
        rtol=BN_RTOL,
        # eps moves every element by up to 1e-5 of the largest, however small the element
        floor=1.0,
    )


def _bn_checks() -> list[Check]:
    forward, forward_name = _bn_forward_check()
    rng = generator(801)
    cases = [replace(_bn_case("five", rng, 5, 3), hygiene=True), _bn_case("three", rng, 3, 4)]
    return [
        forward,
        _bn_running_check(),
        _bn_test_check(),
        *_backward_checks(
            cases,
            forward_name,
            (
                Text(
                    "BatchNormalization: backward gives dx, dgamma and dbeta (gradient check)",
                    "BatchNormalization: backward が dx、dgamma、dbeta を求める(勾配確認)",
                ),
                Text(
                    "dbeta = sum(dout, axis=0), dgamma = sum(dout * xn, axis=0), and dx through xc, var and mu: "
                    "dx = (dxn - mean(dxn) - xn * mean(dxn * xn)) / std with dxn = gamma * dout",
                    "dbeta = sum(dout, axis=0)、dgamma = sum(dout * xn, axis=0)、dx は xc・var・mu を通る経路の和: "
                    "dx = (dxn - mean(dxn) - xn * mean(dxn * xn)) / std(dxn = gamma * dout)です",
                ),
                Text(
                    "training mode, x (5, 3) and x (3, 4) with batch variances in [1, 3], gamma and beta not 1 and 0, "
                    "random dout",
                    "学習時。x (5, 3) と x (3, 4)(バッチの分散は [1, 3])、gamma と beta は 1 と 0 以外、"
                    "dout はランダム",
                ),
            ),
            (
                Text(
                    "BatchNormalization: backward is linear in dout, repeatable, and leaves dout, x, gamma and beta "
                    "unchanged",
                    "BatchNormalization: backward は dout に線形で、2 回呼んでも同じ、"
                    "dout・x・gamma・beta は変更しない",
                ),
                Text("training mode, x (5, 3), random dout (5, 3)", "学習時、x (5, 3)、ランダムな dout (5, 3)"),
            ),
        ),
    ]


def build_checks() -> list[Check]:
    """Every check of exercise 7."""
    return [
        *_relu_checks(),
        *_sigmoid_checks(),
        *_affine_checks(),
        *_swl_checks(),
        _dropout_forward_check(),
        _dropout_backward_check(),
        _dropout_test_check(),
        *_bn_checks(),
    ]


# Hints that unfold: grade hint N shows them one at a time, from a nudge to the near-answer.
HINTS: dict[str, tuple[Text, Text, Text]] = {
    "Relu": (
        Text(
            "In forward, remember which inputs were blocked (not positive); "
            "in backward, block the gradient at exactly those positions. "
            "That mask is the layer's memory between the two calls.",
            "forward では、どの入力が止められたか（正でなかったか）を覚えておき、"
            "backward ではちょうど同じ位置で勾配を止めます。このマスクが、"
            "2 つの呼び出しの間でレイヤが覚えておくものです。",
        ),
        Text(
            "forward: self.mask = (x <= 0), a bool array of x's shape; out = a copy of x with out[self.mask] = 0. "
            "backward: dx = a copy of dout with dx[self.mask] = 0. "
            "Copy before writing, so that neither x nor dout changes for the caller.",
            "forward: self.mask = (x <= 0) は x と同じ形状の bool 配列です。x のコピーを作り、"
            "out[self.mask] = 0 とします。backward: dout のコピーを作り、dx[self.mask] = 0 とします。"
            "書き込む前にコピーすれば、呼び出し側の x や dout は変わりません。",
        ),
        Text(
            "forward in full; backward does the same masking on dout:\n"
            "    def forward(self, x):\n"
            "        self.mask = x <= 0\n"
            "        out = x.copy()             # the caller's x stays as it is\n"
            "        out[self.mask] = 0\n"
            "        return out\n"
            "    def backward(self, dout): ...  # a copy of dout, zero where masked",
            "forward はこのとおりです。backward では同じマスクを dout に使います:\n"
            "    def forward(self, x):\n"
            "        self.mask = x <= 0\n"
            "        out = x.copy()             # 呼び出し側の x はそのまま\n"
            "        out[self.mask] = 0\n"
            "        return out\n"
            "    def backward(self, dout): ...  # dout のコピーのマスク位置を 0 に",
        ),
    ),
    "Sigmoid": (
        Text(
            "The sigmoid's derivative can be written with its own output. "
            "So forward should keep the output, and backward multiplies the incoming gradient by that local "
            "derivative.",
            "シグモイド関数の微分は、その出力を使って書けます。そこで forward では出力を保存しておき、"
            "backward では流れてきた勾配にその局所的な微分を掛けます。",
        ),
        Text(
            "forward: out = sigmoid(x) in the stable form of exercise 1; store it as self.out. backward: "
            "dx = dout * out * (1 - out), dout's shape.",
            "forward: 演習 1 の安定な形で out = sigmoid(x) を計算し、self.out に保存します。backward: "
            "dx = dout * out * (1 - out) で、形状は dout と同じです。",
        ),
        Text(
            "Keep the output in forward; the local derivative in backward is yours:\n"
            "    def forward(self, x):\n"
            "        self.out = np.exp(-np.logaddexp(0, -x))  # stable 1 / (1 + exp(-x))\n"
            "        return self.out\n"
            "    def backward(self, dout):\n"
            "        return dout * ...                        # written with self.out",
            "forward で出力を保存します。backward の局所的な微分はご自分で:\n"
            "    def forward(self, x):\n"
            "        self.out = np.exp(-np.logaddexp(0, -x))  # 安定な 1 / (1 + exp(-x))\n"
            "        return self.out\n"
            "    def backward(self, dout):\n"
            "        return dout * ...                        # self.out を使って",
        ),
    ),
    "Affine": (
        Text(
            "The affine layer is a matrix product plus a bias. For backward, ask what each gradient must look like: "
            "dW like W, db like b, dx like the original x. "
            "Matching the shapes all but tells you where the transposes go.",
            "Affine レイヤは行列の積にバイアスを足したものです。backward では、"
            "それぞれの勾配がどの形状になるべきかを考えましょう。dW は W と、db は b と、dx は元の x と同じ形状です。"
            "形状を合わせれば、どこに転置が入るかはほとんど決まります。",
        ),
        Text(
            "forward: remember x.shape, flatten x to (N, D) with x.reshape(x.shape[0], -1), keep it, out = x @ W + b "
            "(N, M). backward with dout (N, M): dW = x.T @ dout (D, M); "
            "db = dout summed over axis 0 (M,), because b was broadcast over the batch; "
            "dx = dout @ W.T (N, D), reshaped to x's original shape.",
            "forward: x.shape を覚えておき、x.reshape(x.shape[0], -1) で (N, D) に平らにして保存し、"
            "out = x @ W + b (N, M) とします。backward（dout は (N, M)）: dW = x.T @ dout (D, M)。"
            "b はミニバッチの各行にブロードキャストされたので、db は dout の axis 0 方向の和 (M,) です。"
            "dx = dout @ W.T (N, D) を元の x の形状に reshape して返します。",
        ),
        Text(
            "Three lines of forward, then backward; dx is yours:\n"
            "    self.original_x_shape = x.shape  # forward\n"
            "    self.x = x.reshape(x.shape[0], -1)\n"
            "    out = self.x @ self.W + self.b\n"
            "    self.dW = self.x.T @ dout        # backward\n"
            "    self.db = np.sum(dout, axis=0)   # summed over the batch\n"
            "    dx = ...                         # (N, D), then the original shape",
            "forward の 3 行と backward です。dx はご自分で:\n"
            "    self.original_x_shape = x.shape  # forward\n"
            "    self.x = x.reshape(x.shape[0], -1)\n"
            "    out = self.x @ self.W + self.b\n"
            "    self.dW = self.x.T @ dout        # backward\n"
            "    self.db = np.sum(dout, axis=0)   # バッチ方向の和\n"
            "    dx = ...                         # (N, D) を元の形状に",
        ),
    ),
    "SoftmaxWithLoss": (
        Text(
            "This layer ends the network: forward computes softmax and the loss and remembers the probabilities and "
            "the teacher data; backward returns the simple 'prediction minus target' gradient. "
            "You wrote both halves already, in exercises 2 and 3.",
            "このレイヤはネットワークの最後に置かれます。forward ではソフトマックスと損失を計算し、"
            "確率と教師データを覚えておきます。backward は「予測 - 正解」という簡単な勾配を返します。"
            "どちらも演習 2 と演習 3 ですでに書いています。",
        ),
        Text(
            "forward(x, t): self.t = t, self.y = softmax(x), loss = cross_entropy_error(t, y) (teacher first); "
            "return the loss. backward(dout=1): dx = dout * (y - onehot(t)) / N, N the batch size "
            "(1 for a single (K,) sample); for labels t, subtract 1 at [i, t[i]] of a copy of y.",
            "forward(x, t): self.t = t、self.y = softmax(x) とし、"
            "loss = cross_entropy_error(t, y)（教師データが先）を返します。backward(dout=1): "
            "dx = dout * (y - onehot(t)) / N です。N はバッチサイズ（データ 1 件 (K,) なら 1）です。ラベルの t なら、"
            "y のコピーの [i, t[i]] から 1 を引きます。",
        ),
        Text(
            "With softmax and cross_entropy_error imported from ex02_softmax_loss; N is yours:\n"
            "    self.t, self.y = t, softmax(x)   # forward\n"
            "    self.loss = cross_entropy_error(self.t, self.y)\n"
            "    dx = self.y.copy()               # backward\n"
            "    N = ...                          # the batch size\n"
            "    dx[np.arange(N), self.t] -= 1.0  # labels (N,); one-hot t: dx -= self.t\n"
            "    return dout * dx / N",
            "ex02_softmax_loss から softmax と cross_entropy_error を import したうえで（N はご自分で）:\n"
            "    self.t, self.y = t, softmax(x)   # forward\n"
            "    self.loss = cross_entropy_error(self.t, self.y)\n"
            "    dx = self.y.copy()               # backward\n"
            "    N = ...                          # バッチサイズ\n"
            "    dx[np.arange(N), self.t] -= 1.0  # ラベル (N,) のとき。one-hot なら dx -= self.t\n"
            "    return dout * dx / N",
        ),
    ),
    "Dropout": (
        Text(
            "While training, switch neurons off at random and remember which ones: "
            "the same ones must block the gradient in backward. "
            "At test time nothing is switched off, so the output has to be scaled to match what the next layer saw on "
            "average during training.",
            "学習時はニューロンをランダムに消去し、どれを消したかを覚えておきます。"
            "backward では同じニューロンで勾配を止めなければなりません。テスト時は何も消去しないので、"
            "学習時に次の層が平均して受け取っていた大きさに合わせて、出力をスケールします。",
        ),
        Text(
            "forward, training: mask = uniform random numbers of x's shape > dropout_ratio "
            "(each element kept with probability 1 - dropout_ratio); store it; out = x * mask. forward, test: "
            "out = x * (1 - dropout_ratio). backward: dx = dout * mask, the stored mask. "
            "(Inverted dropout: divide by 1 - dropout_ratio in training and in backward, return x as is at test time.)",
            "学習時の forward: x と同じ形状の一様乱数 > dropout_ratio をマスクとし（各要素は確率 1 - dropout_ratio "
            "で残ります）、保存して out = x * mask とします。テスト時の forward: out = x * (1 - dropout_ratio)。"
            "backward: 保存したマスクで dx = dout * mask。"
            "（inverted dropout なら、学習時と backward で 1 - dropout_ratio で割り、テスト時は x をそのまま返します。"
            "）",
        ),
        Text(
            "forward with a fresh mask in training; the test-time output is yours:\n"
            "    if train_flg:\n"
            "        self.mask = np.random.default_rng().random(x.shape) > self.dropout_ratio\n"
            "        return x * self.mask\n"
            "    return ...                                         # test: nothing dropped, scale instead\n"
            "    def backward(self, dout): return dout * self.mask  # the stored mask, never a new one",
            "学習時は新しいマスクを作る forward です。テスト時の出力はご自分で:\n"
            "    if train_flg:\n"
            "        self.mask = np.random.default_rng().random(x.shape) > self.dropout_ratio\n"
            "        return x * self.mask\n"
            "    return ...                                         # テスト時: 消去せずスケールする\n"
            "    def backward(self, dout): return dout * self.mask  # 保存したマスクを使い、作り直さない",
        ),
    ),
    "BatchNormalization": (
        Text(
            "Forward normalises each feature (column) over the mini-batch, then gamma and beta rescale and shift it; "
            "running averages are kept for test time. Backward is the hard part: "
            "the batch mean and variance depend on every sample, so the gradient flows through them too. "
            "Draw the computational graph.",
            "forward では各特徴量（列）をミニバッチについて正規化し、gamma と beta で拡大・平行移動します。"
            "テスト用に移動平均も更新します。難しいのは backward です。"
            "バッチの平均と分散はすべてのデータに依存するので、勾配はそれらを経由しても流れます。"
            "計算グラフを描いてみましょう。",
        ),
        Text(
            "Training forward, everything over axis 0: mu = mean(x), xc = x - mu, var = mean(xc ** 2), std = "
            "sqrt(var + eps), xn = xc / std, out = gamma * xn + beta; "
            "running = momentum * running + (1 - momentum) * batch value (zeros (D,) when None). Test: "
            "xn from the running statistics. Backward: dbeta = sum(dout), dgamma = sum(dout * xn) (axis 0, (D,)); "
            "dxn = gamma * dout; dx = (dxn - mean(dxn) - xn * mean(dxn * xn)) / std, means over axis 0.",
            "学習時の forward（すべて axis 0 方向）: mu = mean(x)、xc = x - mu、var = mean(xc ** 2)、"
            "std = sqrt(var + eps)、xn = xc / std、out = gamma * xn + beta。"
            "移動平均は momentum * 移動平均 + (1 - momentum) * バッチの値（None なら形状 (D,) のゼロから）。"
            "テスト時は移動平均から xn を求めます。backward: dbeta = sum(dout)、"
            "dgamma = sum(dout * xn)（axis 0 方向、(D,)）、dxn = gamma * dout、"
            "dx = (dxn - mean(dxn) - xn * mean(dxn * xn)) / std（平均は axis 0 方向）。",
        ),
        Text(
            "backward, with self.xn and self.std saved by forward; the last division is yours:\n"
            "    dxn = self.gamma * dout  # (N, D)\n"
            "    self.dbeta = dout.sum(axis=0)\n"
            "    self.dgamma = (dout * self.xn).sum(axis=0)\n"
            "    dx = dxn - dxn.mean(axis=0) - self.xn * (dxn * self.xn).mean(axis=0)  # paths through mu and var\n"
            "    return dx / ...  # saved by forward",
            "forward で保存した self.xn と self.std を使う backward です。最後の割り算はご自分で:\n"
            "    dxn = self.gamma * dout  # (N, D)\n"
            "    self.dbeta = dout.sum(axis=0)\n"
            "    self.dgamma = (dout * self.xn).sum(axis=0)\n"
            "    dx = dxn - dxn.mean(axis=0) - self.xn * (dxn * self.xn).mean(axis=0)  # mu と var を経由する経路\n"
            "    return dx / ...  # forward で保存したもの",
        ),
    ),
}
