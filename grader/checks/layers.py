"""The layer-check engine: one row describes a layer, the engine makes its checks.

A layer (a class with ``forward`` and ``backward``) is described by one
``Layer`` row: its constructor's arguments, forward's inputs and outputs, its
parameters and where backward leaves their gradients, the reference (or an
independent oracle) to compare with, its known mistakes, and the cases to run.
``layer_checks(row)`` turns it into:

forward checks (``Layer.forward``: one check per ``Cases``)
    every case's outputs against the oracle's; the arrays given to the
    constructor and to forward must come back unchanged.
gradient checks (``Layer.gradient``: one check per ``Cases``)
    a random ``dout`` (never all ones: that hides a missing transpose) and
    every gradient (each differentiable input's and each parameter's), asked
    two questions that the feedback answers separately:

    * self-consistency: does backward agree with the learner's *own* forward?
      The probe runs the learner's forward, on a new object each time, at
      p + hv and p - hv for ``Layer.directions`` random directions v of every
      tensor p (max |v| = 1, so no element moves by more than h and no kink or
      window maximum is crossed); the grader compares the central difference
      of L = sum(dout * out) with sum(dp * v).  Two forward calls per
      direction, whatever the tensor's size.
    * correctness: does backward agree with the reference, element by element?

    A backward that agrees with its own forward but not with the reference
    means the forward is wrong; the reverse means the backward is wrong.
hygiene check (the case marked ``hygiene``, in a probe of its own)
    backward called again with the same dout gives the same gradients
    (repeatable), backward(2 * dout) gives twice them (linear in dout), and
    dout, forward's inputs and the constructor's arrays are left unchanged.
    Its probe runs that case alone, so an exception in another gradient case
    fails only the gradient check that names it.

A case may leave arguments out (``defaults``: the contract's defaults must
apply; a forward case then also makes the call with every argument given, so
a wrong default is told apart from a wrong forward), be judged against the
learner's own forward only (``reference=False``: where the contract leaves the
answer open, BatchNormalization at variances near its eps) or against the
reference only (``consistency=False``: at a kink, where a central difference
is one-sided), and use its own step ``step``.

One vocabulary and one set of tolerances serve every layer: ``FORWARD_RTOL``,
``GRADIENT_RTOL``, ``CONSISTENCY_RTOL``, ``REPEAT_RTOL``, ``LINEAR_RTOL`` and the
step ``STEP``.  A row widens them only by its ``slack``, the relative amount by
which the contract lets correct answers differ (BatchNormalization's eps,
SoftmaxWithLoss's 1e-7 in the log).  What a layer needs beyond this
(Dropout's random masks, BatchNormalization's running statistics, pooling's
routing of overlapping windows) stays as code beside its row.

The rows follow the book's conventions and those of its sequel, "Deep
Learning from Scratch 2" (exercises 11-14): a gradient is read from an
attribute (``Attribute("dW")``: ``self.dW``) or from the ``self.grads`` list
(``GradsItem(0)``: ``self.grads[0]``, overwritten in place on each backward;
``GradsSum()``: the sum of its arrays, for a parameter inner layers share);
forward may take several inputs and return several outputs, backward then
takes one dout per output and returns one gradient per differentiable input,
a tuple when there are several; arrays may carry a time axis ``(N, T, D)``.
An RNN cell, ``h_next = tanh(h_prev @ Wh + x @ Wx + b)``, is one row::

    Layer(
        name="RNN",
        constructor=("Wx", "Wh", "b"),
        reference=reference.RNN,
        params=(
            Param("Wx", "dWx", GradsItem(0)),
            Param("Wh", "dWh", GradsItem(1)),
            Param("b", "db", GradsItem(2)),
        ),
        inputs=(Input("x", "dx"), Input("h_prev", "dh_prev")),  # backward -> (dx, dh_prev)
        outputs=("h_next",),  # backward(dh_next)
        mistakes=rnn_mistakes,  # Case -> [Known("dh_prev", wrong_value, hint), ...]
        forward=(Cases(name, context, (Case(label, {"Wx": Wx, "Wh": Wh, "b": b, "x": x, "h_prev": h}),)),),
        gradient=(Cases(name, context, (Case(label, values, dout=dh_next, hygiene=True),)),),
        hygiene=Hygiene(context),
    )

and an LSTM cell has ``inputs=(Input("x", "dx"), Input("h_prev", "dh_prev"),
Input("c_prev", "dc_prev"))``, ``outputs=("h_next", "c_next")`` and a pair
``dout=(dh_next, dc_next)`` in each gradient case.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from grader.checks.common import generator
from grader.checks.verdicts import Later, close, is_close, join_hints, unchanged, value_of
from grader.grading.engine import Check
from grader.grading.results import Verdict
from grader.sandbox.client import Output, Probe, ProbeRun, Ref
from grader.text import Text, plain

FORWARD_RTOL = 1e-9  # forward against the oracle
GRADIENT_RTOL = 1e-7  # each gradient against the reference, element by element
CONSISTENCY_RTOL = 1e-6  # backward against the learner's own forward, per direction: < 1e-8 when right
REPEAT_RTOL = 1e-12  # a second backward with the same dout
LINEAR_RTOL = 1e-10  # backward(2 * dout) against twice backward(dout)
# the absolute tolerance of every comparison, relative to the largest expected magnitude times rtol
ATOL_SHARE = 1e-3
STEP = 1e-5  # h of the central differences
FLOOR = 1e-4  # a directional derivative below this counts as this large in the relative error
DIRECTIONS_SEED = 7001

# ----------------------------------------------------------------- the row


@dataclass(frozen=True)
class Attribute:
    """A gradient backward stores as ``self.<name>`` (the book: ``self.dW``)."""

    name: str

    def describe(self) -> str:
        """How messages name it."""
        return f"self.{self.name}"

    def read(self, layer: Any) -> Any:
        """The gradient on a reference layer."""
        return getattr(layer, self.name)

    def ref(self, probe: Probe, layer: Ref) -> Ref:
        """The gradient on the learner's layer, in a probe (None when the attribute is missing)."""
        return probe.attr(layer, self.name)


@dataclass(frozen=True)
class GradsItem:
    """A gradient backward writes into ``self.grads[key]`` (the sequel: ``self.grads[0][...] = dWx``)."""

    key: int | str

    def describe(self) -> str:
        """How messages name it."""
        return f"self.grads[{self.key!r}]"

    def read(self, layer: Any) -> Any:
        """The gradient on a reference layer."""
        return layer.grads[self.key]

    def ref(self, probe: Probe, layer: Ref) -> Ref:
        """The gradient on the learner's layer, in a probe."""
        return probe.item(probe.attr(layer, "grads"), self.key)  # type: ignore[arg-type]


@dataclass(frozen=True)
class GradsSum:
    """The gradient of a parameter several inner layers share: the sum of every array in ``self.grads``.

    The sequel's NegativeSamplingLoss keeps one EmbeddingDot per sample, all on
    the same W, so its ``self.grads`` holds k + 1 arrays that add up to dW; a
    layer that keeps one ``[dW]`` is summed to itself.
    """

    def describe(self) -> str:
        """How messages name it."""
        return "sum(self.grads)"

    def read(self, layer: Any) -> Any:
        """The gradient on a reference layer."""
        return sum(np.asarray(grad, dtype=np.float64) for grad in layer.grads)

    def ref(self, probe: Probe, layer: Ref) -> Ref:
        """The learner's ``self.grads`` list: the probe brings its arrays back stacked, ``total`` adds them."""
        return probe.attr(layer, "grads")

    @staticmethod
    def total(array: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
        """Arrays of ``shape`` stacked along a first axis, added up; anything else as it came."""
        if array.ndim == len(shape) + 1 and array.shape[1:] == tuple(shape):
            return np.asarray(array.sum(axis=0))
        return array


@dataclass(frozen=True)
class Param:
    """An array given to the constructor that forward depends on, and where backward leaves its gradient."""

    name: str  # the constructor's argument: W, gamma, Wx
    grad: str  # how messages name its gradient: dW, dgamma, dWx
    at: Attribute | GradsItem | GradsSum


@dataclass(frozen=True)
class Input:
    """An argument of forward; ``grad`` names its gradient, None when it is not differentiated (t, train_flg)."""

    name: str
    grad: str | None = None


@dataclass(frozen=True)
class Known:
    """A known wrong answer for one output (``out``, ``dx``, ``dW`` ...) and the misconception behind it.

    ``value`` is the wrong array it gives (NaN where the mistake gives NaN:
    those entries must be NaN or inf, the others close); with ``value`` None,
    ``shape`` alone recognises a mistake that shows by its shape (dcol
    returned for dx).
    """

    output: str
    value: np.ndarray | None
    hint: Text
    shape: tuple[int, ...] | None = None

    def matches(self, got: np.ndarray, rtol: float, atol: float) -> bool:
        """Whether ``got`` is this mistake."""
        if self.value is None:
            return got.shape == tuple(self.shape or ())
        if got.shape != np.shape(self.value):
            return False
        value = np.asarray(self.value)
        if value.dtype.kind == "f" and not np.all(np.isfinite(value)):
            # a mistake that gives NaN or inf (a missing eps): the same entries not finite, the others close
            lost = ~np.isfinite(value)
            return bool(np.array_equal(lost, ~np.isfinite(got))) and is_close(got[~lost], value[~lost], rtol, atol)
        return is_close(got, value, rtol, atol)


@dataclass(frozen=True)
class Case:
    """One layer object, its forward call and, for a gradient check, the upstream gradient.

    ``values`` holds every argument of the constructor and of forward by name
    (arrays are sent as arrays, everything else as a literal); ``dout`` is one
    array per output (a tuple when there are several), None for a loss layer
    whose ``backward()`` takes its default ``dout = 1``.  ``defaults`` names
    arguments the learner's calls leave out (the contract's defaults must
    apply; ``values`` holds what they are), ``reference`` and ``consistency``
    choose what a gradient case is compared with, ``step`` its h.
    """

    label: Text
    values: Mapping[str, Any]
    dout: np.ndarray | tuple[np.ndarray, ...] | None = None
    hygiene: bool = False
    # arguments left out of the learner's calls, so its defaults apply; ``values`` holds the contract's
    defaults: tuple[str, ...] = ()
    # outputs and gradients compared with the oracle and the reference (False: only with the own forward)
    reference: bool = True
    # backward compared with the learner's own forward (False: at a kink, where a central difference is one-sided)
    consistency: bool = True
    step: float = STEP  # h of this case's central differences


@dataclass(frozen=True)
class Cases:
    """The cases one check runs, the check's name and the context that describes its inputs."""

    name: Text
    context: str | Text
    cases: tuple[Case, ...]
    hint: Text | None = None  # the check's hint, instead of the row's forward or backward hint


@dataclass(frozen=True)
class Hygiene:
    """The hygiene check's context, hint, and its name when the usual one does not fit."""

    context: str | Text
    hint: Text | None = None
    name: Text | None = None


def _no_mistakes(case: Case) -> Sequence[Known]:
    return ()


CORRECT_OUTPUT = Text("the correct output", "正しい出力")
IN_PLACE_DOUT = Text(
    "backward wrote into dout, an array the caller still owns (the book's Relu does "
    "dout[self.mask] = 0): start from a copy, dx = dout.copy(), or build a new array "
    "(np.where(self.mask, 0, dout), dout * ...)",
    "backward が呼び出し元の配列 dout に書き込みました(教科書の Relu の dout[self.mask] = 0 がこれです)。"
    "dx = dout.copy() とコピーしてから変更するか、np.where(self.mask, 0, dout) や dout * ... で"
    "新しい配列を作ってください",
)
IN_PLACE_INPUT = Text(
    "a layer must not write into the arrays it is given: x[mask] = 0, x -= mu, a *= 2 or a[...] = ... change "
    "the caller's data (the next layer and the optimizer still use it), while a = a.reshape(...) or "
    "a = a * 2 make new arrays (the book writes out = x.copy() for this reason)",
    "レイヤは受け取った配列に書き込んではいけません。x[mask] = 0、x -= mu、a *= 2、a[...] = ... は呼び出し元の"
    "データ(次のレイヤや最適化でも使う)を変えてしまいます。a = a.reshape(...) や a = a * 2 なら新しい配列が"
    "作られます(教科書が out = x.copy() と書くのはこのためです)",
)
NOT_REPEATABLE = Text(
    "backward must be a function of dout and what forward saved, and leave both as they were: copy before "
    "modifying (dx = self.y.copy(), not dx = self.y), and set gradients with self.dW = ..., not self.dW += ...",
    "backward は dout と forward が保存した値だけで決まる計算で、どちらも変えてはいけません。変更する前にコピーし"
    "(dx = self.y ではなく dx = self.y.copy())、勾配は self.dW += ... ではなく self.dW = ... で設定してください",
)
NOT_LINEAR = Text(
    "every gradient is dout times what forward fixed (the local derivative, the weights, the positions of the "
    "maxima): multiply by dout; do not ignore it, add to it, square, normalise, clip or threshold it",
    "どの勾配も「dout × forward で決まった量(局所的な微分、重み、最大値の位置)」です。dout を掛けてください。"
    "dout を無視したり、足したり、2 乗・正規化・クリップ・しきい値処理をしたりしないでください",
)
GRADIENT_UNUSABLE = Text(
    "already the first backward gave no gradient this check can compare (the lines above say why): give each "
    "gradient as a numeric array, returned or stored where the contract says, as the gradient check asks; "
    "then this check can compare the calls",
    "最初の backward の時点で、このチェックが比べられる勾配がありません(理由は上の行のとおり)。"
    "勾配確認のチェックが求めるとおり、各勾配を数値の配列として返す(または課題の指定どおりの場所に保存する)と、"
    "呼び出し同士を比べられます",
)
FORWARD_FIRST_HINT = Text(
    "your backward is consistent with your own forward, so the gradients are wrong only because the forward "
    "is: fix the forward first (the forward checks show how), and the gradients will follow",
    "逆伝播は自分の順伝播と整合しているので、勾配が違うのは順伝播が違うためです。先に順伝播を直してください"
    "(順伝播のチェックに手がかりがあります)。勾配もそれで正しくなります",
)


@dataclass(frozen=True)
class Layer:
    """One layer, described once; ``layer_checks`` makes its forward, gradient and hygiene checks.

    Parameters
    ----------
    name : str
        The class, as the contract names it: ``Affine``.
    constructor : tuple of str
        The constructor's positional arguments in the contract's order; each
        case's ``values`` gives them (``("W", "b", "stride", "pad")``).
    reference : callable
        The reference class; called with the constructor's arguments, it gives
        the expected outputs and gradients.
    params : tuple of Param
        The constructor's arrays forward depends on, with their gradients.
    inputs : tuple of Input
        forward's arguments in order: ``(Input("x", "dx"),)``.
    outputs : tuple of str
        forward's return values: ``("out",)``; several are returned as a tuple.
    oracle : callable, optional
        ``oracle(values)`` gives forward's outputs without the reference's code
        (a loop over the windows); default: the reference's forward.
    oracle_text : Text
        How messages name what forward is compared with.
    mistakes : callable
        ``mistakes(case)`` gives the known wrong answers on that case's inputs.
    forward, gradient : tuple of Cases
        One forward check and one gradient check per entry.
    hygiene : Hygiene, optional
        The hygiene check of the case marked ``hygiene``.
    forward_hint, backward_hint : Text, optional
        The general hints of the forward and the gradient checks.
    linear_hint : Text
        The hint when backward is not linear in dout.
    slack : float
        How far, relatively, the contract lets correct answers differ; every
        tolerance is at least this.
    directions : int
        Random directions per tensor in the self-consistency check.
    bundles : tuple of (str, tuple of str)
        Constructor arguments that are dicts of named values (DLFS2's
        ``params``): ``(("params", ("W1", "b1")),)`` passes
        ``{"W1": W1, "b1": b1}`` built from the case's values, so each array
        is still a ``Param`` of its own, perturbed and checked by name.
    conventions : tuple of callable
        Further reference classes, one per convention the contract leaves
        open (LayerNorm's eps outside the square root).  A case whose forward
        output matches one of them, and not ``reference`` or the oracle, is
        judged against that one: its forward output, and the exact gradients
        of that forward.
    error_hint : callable, optional
        ``error_hint(cases, exception, message)``: the hint for an exception
        raised in a check of ``cases``, read from the exception's class and
        message (the shapes a known mistake gives), or None for the default.
        Before it, a gradient or hygiene check that raised names a known
        mistake its forward output already shows, and a hygiene check whose
        first backward ran says that backward must survive being called again.
    """

    name: str
    constructor: tuple[str, ...]
    reference: Callable[..., Any]
    params: tuple[Param, ...] = ()
    inputs: tuple[Input, ...] = (Input("x", "dx"),)
    outputs: tuple[str, ...] = ("out",)
    oracle: Callable[[Mapping[str, Any]], Any] | None = None
    oracle_text: Text = CORRECT_OUTPUT
    mistakes: Callable[[Case], Sequence[Known]] = _no_mistakes
    forward: tuple[Cases, ...] = ()
    gradient: tuple[Cases, ...] = ()
    hygiene: Hygiene | None = None
    forward_hint: Text | None = None
    backward_hint: Text | None = None
    linear_hint: Text = NOT_LINEAR
    slack: float = 0.0
    directions: int = 1
    bundles: tuple[tuple[str, tuple[str, ...]], ...] = ()
    conventions: tuple[Callable[..., Any], ...] = ()
    error_hint: Callable[[Sequence[Case], str, str], Text | None] | None = None

    @property
    def douts(self) -> tuple[str, ...]:
        """The arguments of backward: ``dout`` for ``out``, ``dh_next`` for ``h_next``."""
        return tuple("dout" if name == "out" else f"d{name}" for name in self.outputs)

    @property
    def differentiable(self) -> tuple[Input, ...]:
        """The inputs whose gradients backward returns, in order."""
        return tuple(item for item in self.inputs if item.grad is not None)

    def tolerance(self, rtol: float, expected: Any) -> tuple[float, float]:
        """(rtol, atol) for comparing with ``expected``, widened by the row's slack."""
        wide = max(rtol, self.slack)
        return wide, max(rtol * ATOL_SHARE, self.slack) * _largest(expected)

    def call_text(self, method: str, factor: str = "") -> str:
        """``forward(x, t)``, ``backward(dout)``, ``backward(2 * dout)``, ``backward()``."""
        if method == "forward":
            return f"forward({', '.join(item.name for item in self.inputs)})"
        if self.loss:
            return f"backward({'2.0' if factor else ''})"
        return f"backward({', '.join(factor + name for name in self.douts)})"

    @property
    def loss(self) -> bool:
        """Whether the gradient cases call ``backward()`` with its default dout (a loss layer)."""
        return all(case.dout is None for cases in self.gradient for case in cases.cases)

    def objective(self) -> str:
        """L, the scalar whose directional derivatives are compared."""
        if self.loss:
            return "L = loss"
        return "L = " + " + ".join(f"sum({d} * {o})" for d, o in zip(self.douts, self.outputs, strict=True))


def _largest(values: Any) -> float:
    """The largest magnitude in ``values`` (an array or a tuple of arrays); 1e-300 when there is none."""
    arrays = [np.asarray(a, dtype=np.float64) for a in (values if isinstance(values, tuple) else (values,))]
    return max([*(float(np.abs(a).max()) for a in arrays if a.size), 1e-300])


# ----------------------------------------------------------------- what the grader computes


@dataclass(frozen=True)
class _Tensor:
    """Something backward gives a gradient for: a differentiable input or a parameter."""

    name: str  # x, W
    grad: str  # dx, dW
    what: str  # how messages name the learner's value: Affine.backward(dout), self.dW
    attribute: bool  # an attribute (missing means None) rather than backward's return value
    summed: bool = False  # the arrays of self.grads added up (GradsSum)


def _tensors(layer: Layer) -> tuple[_Tensor, ...]:
    call = f"{layer.name}.{layer.call_text('backward')}"
    returned = tuple(_Tensor(item.name, str(item.grad), call, False) for item in layer.differentiable)
    return returned + tuple(
        _Tensor(p.name, p.grad, p.at.describe(), True, isinstance(p.at, GradsSum)) for p in layer.params
    )


class _Mistakes(Later[tuple[Known, ...]]):
    """The known mistakes of one case, worked out when a wrong answer first asks for them (``Later``).

    Building them with the checks was half of building exercise 8's and most of
    exercise 13's.  They are worked out on copies of the case's values: the case
    itself is shared by every grading of a batch.
    """

    def __init__(self, layer: Layer, case: Case) -> None:
        self.find = layer.mistakes
        self.case = case
        super().__init__(self._worked_out)

    def _worked_out(self) -> tuple[Known, ...]:
        case = replace(self.case, values=_copied(self.case.values), dout=_copied_dout(self.case.dout))
        return tuple(self.find(case))


def _copied_dout(dout: np.ndarray | tuple[np.ndarray, ...] | None) -> np.ndarray | tuple[np.ndarray, ...] | None:
    if isinstance(dout, tuple):
        return tuple(np.array(item, copy=True) for item in dout)
    return None if dout is None else np.array(dout, copy=True)


@dataclass(frozen=True)
class _Expected:
    """The oracle's outputs, the reference's gradients and the known mistakes of one case (``known``)."""

    outs: tuple[np.ndarray, ...]
    grads: Mapping[str, np.ndarray]
    mistakes: _Mistakes

    @property
    def known(self) -> tuple[Known, ...]:
        """The case's known mistakes (worked out on first use)."""
        return self.mistakes()


def _copied(values: Mapping[str, Any]) -> dict[str, Any]:
    return {
        key: np.array(value, copy=True) if isinstance(value, np.ndarray) else value for key, value in values.items()
    }


def _as_outputs(layer: Layer, returned: Any) -> tuple[np.ndarray, ...]:
    values = returned if len(layer.outputs) > 1 else (returned,)
    return tuple(np.asarray(value, dtype=np.float64) for value in values)


def _douts(case: Case) -> tuple[np.ndarray, ...]:
    if case.dout is None:
        return ()
    return case.dout if isinstance(case.dout, tuple) else (case.dout,)


def _reference_values(layer: Layer, values: Mapping[str, Any]) -> dict[str, Any]:
    """Copies of ``values`` for the reference, with the row's bundles built as dicts."""
    copied = _copied(values)
    for name, keys in layer.bundles:
        copied[name] = {key: copied[key] for key in keys}
    return copied


def _sent_bundles(probe: Probe, layer: Layer, sent: Mapping[str, Any]) -> Mapping[str, Any]:
    """``sent`` with the row's bundles built in the probe as dicts of the values sent."""
    if not layer.bundles:
        return sent
    bundled = dict(sent)
    for name, keys in layer.bundles:
        bundled[name] = probe.dict(**{key: sent[key] for key in keys})
    return bundled


def oracle_outputs(layer: Layer, values: Mapping[str, Any]) -> tuple[np.ndarray, ...]:
    """The expected outputs of forward for ``values``: the oracle's, else the reference's."""
    values = _reference_values(layer, values)
    if layer.oracle is not None:
        return _as_outputs(layer, layer.oracle(values))
    reference = layer.reference(*(values[name] for name in layer.constructor))
    return _as_outputs(layer, reference.forward(*(values[item.name] for item in layer.inputs)))


def _reference_gradients(layer: Layer, case: Case) -> dict[str, np.ndarray]:
    """The reference's gradients of every differentiable input and parameter for ``case``'s dout."""
    grads: dict[str, np.ndarray] = {}
    values = _reference_values(layer, case.values)
    reference = layer.reference(*(values[name] for name in layer.constructor))
    reference.forward(*(values[item.name] for item in layer.inputs))
    returned = reference.backward(*_douts(case))
    differentiable = layer.differentiable
    for position, item in enumerate(differentiable):
        value = returned if len(differentiable) == 1 else returned[position]
        grads[str(item.grad)] = np.asarray(value, dtype=np.float64)
    for param in layer.params:
        grads[param.grad] = np.asarray(param.at.read(reference), dtype=np.float64)
    return grads


def _expected(layer: Layer, case: Case, with_gradients: bool) -> _Expected:
    grads = _reference_gradients(layer, case) if with_gradients else {}
    return _Expected(oracle_outputs(layer, case.values), grads, _Mistakes(layer, case))


def _conventions(layer: Layer, case: Case, expected: _Expected, with_gradients: bool) -> list[tuple[Layer, _Expected]]:
    """The row and the expectations of each accepted convention, for one case (the known mistakes kept)."""
    found = []
    for reference in layer.conventions:
        row = replace(layer, reference=reference, oracle=None, conventions=())
        grads = _reference_gradients(row, case) if with_gradients else {}
        found.append((row, _Expected(oracle_outputs(row, case.values), grads, expected.mistakes)))
    return found


def _judged_as(
    run: ProbeRun, layer: Layer, prefix: str, expected: _Expected, conventions: Sequence[tuple[Layer, _Expected]]
) -> tuple[Layer, _Expected]:
    """The convention the learner's forward output (saved under ``prefix``) follows; the contract's first."""
    for row, wanted in [(layer, expected), *conventions]:
        if all(
            is_close(run.output(prefix + name), want, *layer.tolerance(FORWARD_RTOL, want))
            for name, want in zip(layer.outputs, wanted.outs, strict=True)
        ):
            return row, wanted
    return layer, expected


def _directions(rng: np.random.Generator, shape: tuple[int, ...], count: int) -> tuple[np.ndarray, ...]:
    """Random directions with max |v| = 1, so p + h v moves no element by more than h."""
    found = []
    for _ in range(count):
        v = rng.normal(size=shape)
        found.append(v / np.max(np.abs(v)))
    return tuple(found)


def _known_hint(known: Sequence[Known], output: str, got: np.ndarray, tolerance: tuple[float, float]) -> Text | None:
    for item in known:
        if item.output == output and item.matches(got, *tolerance):
            return item.hint
    return None


def _case_header(cases: Sequence[Case], case: Case) -> list[Text]:
    if len(cases) == 1:
        return []
    return [Text(f"case {case.label.en}:", f"ケース {case.label.ja}:")]


# ----------------------------------------------------------------- probes


def _send(probe: Probe, values: Mapping[str, Any]) -> dict[str, Any]:
    """Every value as the probe passes it: arrays as input arrays, the rest as literals."""
    return {key: probe.array(value) if isinstance(value, np.ndarray) else value for key, value in values.items()}


def _arguments(names: Sequence[str], sent: Mapping[str, Any], omit: Sequence[str]) -> tuple[list[Any], dict[str, Any]]:
    """The call's arguments without ``omit``: positional up to the first left out, by keyword after it."""
    args: list[Any] = []
    kwargs: dict[str, Any] = {}
    for name in names:
        if name in omit:
            continue
        if any(left in omit for left in names[: names.index(name)]):
            kwargs[name] = sent[name]
        else:
            args.append(sent[name])
    return args, kwargs


def _forward(probe: Probe, layer: Layer, sent: Mapping[str, Any], prefix: str, omit: Sequence[str] = ()) -> Ref:
    """A new object, its forward call, every output saved as ``prefix + name``; returns the object.

    The arguments named in ``omit`` are left out, so the learner's defaults apply.
    """
    sent = _sent_bundles(probe, layer, sent)
    args, kwargs = _arguments(layer.constructor, sent, omit)
    obj = probe.new(layer.name, *args, **kwargs)
    args, kwargs = _arguments(tuple(item.name for item in layer.inputs), sent, omit)
    returned = probe.method(obj, "forward", *args, **kwargs)
    if len(layer.outputs) == 1:
        probe.save(returned, prefix + layer.outputs[0])
    else:
        for position, name in enumerate(layer.outputs):
            probe.save(probe.item(returned, position), prefix + name)  # type: ignore[arg-type]
    return obj


def _backward(probe: Probe, layer: Layer, obj: Ref, douts: Sequence[Any], prefix: str) -> None:
    """One backward call; every gradient saved at once (a later call may overwrite the same arrays)."""
    returned = probe.method(obj, "backward", *douts)
    differentiable = layer.differentiable
    for position, item in enumerate(differentiable):
        value = returned if len(differentiable) == 1 else probe.item(returned, position)  # type: ignore[arg-type]
        probe.save(value, prefix + str(item.grad))
    for param in layer.params:
        probe.save(param.at.ref(probe, obj), prefix + param.grad)


def _save_arguments(probe: Probe, sent: Mapping[str, Any], prefix: str) -> None:
    for name, ref in sent.items():
        if isinstance(ref, Ref):
            probe.save(ref, f"{prefix}input:{name}")


def _hygiene_calls(probe: Probe, layer: Layer, obj: Ref, case: Case, douts: Sequence[Any], prefix: str) -> None:
    """Call backward again with the same dout, then with twice it; save every dout as it is now."""
    _backward(probe, layer, obj, douts, f"{prefix}again:")
    doubled = [2.0] if case.dout is None else [probe.array(2.0 * dout) for dout in _douts(case)]
    _backward(probe, layer, obj, doubled, f"{prefix}double:")
    for name, ref in zip(layer.douts, douts, strict=False):
        probe.save(ref, f"{prefix}input:{name}")


def _gradient_probe(
    layer: Layer, cases: Sequence[Case], directions: Sequence[dict[str, tuple[np.ndarray, ...]]]
) -> Probe:
    """Per case: forward, backward, then forward alone at p +- hv on new objects."""
    probe = Probe()
    for index, (case, chosen) in enumerate(zip(cases, directions, strict=True)):
        prefix = f"{index}:"
        sent = _send(probe, case.values)
        obj = _forward(probe, layer, sent, prefix, case.defaults)
        douts = [probe.array(dout) for dout in _douts(case)]
        _backward(probe, layer, obj, douts, prefix)
        if not case.consistency:
            continue
        for name, vectors in chosen.items():
            for number, v in enumerate(vectors):
                for sign in (1, -1):
                    moved = dict(sent)
                    moved[name] = probe.array(case.values[name] + sign * case.step * v)
                    _forward(probe, layer, moved, f"{prefix}{name}:{number}:{sign}:", case.defaults)
    return probe


def _hygiene_probe(layer: Layer, case: Case, index: int) -> Probe:
    """The hygiene case alone: forward, backward, backward again, backward(2 * dout), the arguments as left."""
    probe = Probe()
    prefix = f"{index}:"
    sent = _send(probe, case.values)
    obj = _forward(probe, layer, sent, prefix, case.defaults)
    douts = [probe.array(dout) for dout in _douts(case)]
    _backward(probe, layer, obj, douts, prefix)
    _hygiene_calls(probe, layer, obj, case, douts, prefix)
    _save_arguments(probe, sent, prefix)
    return probe


# ----------------------------------------------------------------- forward checks


def _forward_check(layer: Layer, cases: Cases) -> Check:
    expected = [_expected(layer, case, with_gradients=False) for case in cases.cases]
    conventions = [_conventions(layer, case, expected[i], False) for i, case in enumerate(cases.cases)]
    probe = Probe()
    for index, case in enumerate(cases.cases):
        sent = _send(probe, case.values)
        _forward(probe, layer, sent, f"{index}:", case.defaults)
        if case.defaults:
            # the same call with every argument given tells a wrong default from a wrong forward
            _forward(probe, layer, sent, f"{index}:explicit:")
        _save_arguments(probe, sent, f"{index}:")

    def verify(run: ProbeRun) -> Verdict:
        wrong: list[Text] = []
        hint = None
        for index in range(len(cases.cases)):
            row, wanted = _judged_as(run, layer, f"{index}:", expected[index], conventions[index])
            wrong, hint = _forward_differences(run, row, cases.cases, index, wanted)
            if wrong:
                break
        changed = _changed_arguments(run, f"{layer.name}.forward", cases.cases)
        if wrong:
            return Verdict.fail(wrong + changed, hint)
        return Verdict.unless(changed, IN_PLACE_INPUT)

    hint = cases.hint or layer.forward_hint
    return Check(
        cases.name.en,
        cases.name.ja,
        probe,
        verify,
        hint=hint,
        context=cases.context,
        error_hint=_message_reader(layer, cases.cases),
        error_diagnosis=_forward_diagnosis(layer, cases.cases, expected),
    )


def _signature(layer: Layer, case: Case) -> str:
    """The calls with the contract's defaults: ``Pooling(pool_h, pool_w, stride=1, pad=0)``."""

    def shown(names: Sequence[str]) -> str:
        return ", ".join(f"{name}={case.values[name]!r}" if name in case.defaults else name for name in names)

    calls = []
    if any(name in case.defaults for name in layer.constructor):
        calls.append(f"{layer.name}({shown(layer.constructor)})")
    inputs = tuple(item.name for item in layer.inputs)
    if any(name in case.defaults for name in inputs):
        calls.append(f"forward({shown(inputs)})")
    return " and ".join(calls)


def _defaults_differ(run: ProbeRun, layer: Layer, case: Case, index: int, expected: _Expected) -> bool:
    """Whether the call with every argument given is right, so only the left-out ones made the difference."""
    for name, want in zip(layer.outputs, expected.outs, strict=True):
        if not is_close(run.output(f"{index}:explicit:{name}"), want, *layer.tolerance(FORWARD_RTOL, want)):
            return False
    return True


def _defaults_lines(layer: Layer, case: Case) -> tuple[list[Text], Text]:
    left = ", ".join(case.defaults)
    signature = _signature(layer, case)
    them = "them" if len(case.defaults) > 1 else "it"
    return [
        Text(
            f"with {left} left out the output is wrong, and with {them} given it is right: "
            f"the defaults differ from the contract's, {signature}",
            f"{left} を省略すると出力が違い、指定すると正しくなります。既定値が課題の {signature} と違います",
        )
    ], Text(
        f"a call that leaves out {left} must behave as the contract says: {signature}; "
        "give these defaults in the def line, and use them",
        f"{left} を省略した呼び出しは課題の {signature} どおりに動く必要があります。"
        "def の行でこの既定値を指定し、それを使ってください",
    )


def _forward_differences(
    run: ProbeRun, layer: Layer, cases: Sequence[Case], index: int, expected: _Expected
) -> tuple[list[Text], Text | None]:
    """How case ``index``'s outputs differ from the oracle's, and the known mistake that explains it."""
    call = f"{layer.name}.{layer.call_text('forward')}"
    for name, want in zip(layer.outputs, expected.outs, strict=True):
        got = run.output(f"{index}:{name}")
        tolerance = layer.tolerance(FORWARD_RTOL, want)
        lines = close(got, want, what=name, rtol=tolerance[0], atol=tolerance[1])
        if lines:
            lead = Text(f"{call} differs from {layer.oracle_text.en}:", f"{call} が{layer.oracle_text.ja}と違います:")
            array, _ = value_of(got, name)
            hint = _usable_hint(expected.known, name, array, tolerance)
            case = cases[index]
            if case.defaults and _defaults_differ(run, layer, case, index, expected):
                more, hint = _defaults_lines(layer, case)
                lines = [*more, *lines]
            return [*_case_header(cases, case), lead, *lines], hint
    return [], None


def _usable_hint(
    known: Sequence[Known], output: str, array: np.ndarray | None, tolerance: tuple[float, float]
) -> Text | None:
    if array is None or array.dtype.kind not in "biuf":
        return None
    return _known_hint(known, output, array.astype(np.float64), tolerance)


def _changed_arguments(run: ProbeRun, who: str, cases: Sequence[Case]) -> list[Text]:
    """The arrays given to the constructor or to forward that came back changed, each named once."""
    lines: list[Text] = []
    for index, case in enumerate(cases):
        arrays = {key: value for key, value in case.values.items() if isinstance(value, np.ndarray)}
        for line in unchanged(run, who, arrays, prefix=f"{index}:input:"):
            if line not in lines:
                lines.append(line)
    return lines


# ----------------------------------------------------------------- gradient checks


@dataclass(frozen=True)
class _Slope:
    """One directional derivative: backward's sum(grad * v) against the central difference of forward."""

    analytic: float
    numeric: float
    error: float
    tolerance: float

    @property
    def ok(self) -> bool:
        """Whether they agree."""
        return math.isfinite(self.error) and self.error <= self.tolerance


@dataclass(frozen=True)
class _Finding:
    """What one gradient of one case is: right or not, consistent with the learner's forward or not."""

    tensor: _Tensor
    got: np.ndarray
    expected: np.ndarray
    wrong: list[Text]  # how it differs from the reference; [] when right
    slopes: list[_Slope] | None  # None: the learner's forward gave nothing usable at a perturbed point

    @property
    def consistent(self) -> bool:
        """Whether backward agrees with the learner's forward along every direction."""
        return self.slopes is not None and all(slope.ok for slope in self.slopes)

    @property
    def failing(self) -> _Slope:
        """The direction of the largest disagreement."""
        return max((slope for slope in self.slopes or () if not slope.ok), key=lambda slope: slope.error)


class _Judge:
    """Judges one case of a gradient check in one probe run."""

    def __init__(
        self,
        layer: Layer,
        run: ProbeRun,
        case: Case,
        index: int,
        expected: _Expected,
        directions: dict[str, tuple[np.ndarray, ...]],
    ) -> None:
        self.layer = layer
        self.run = run
        self.case = case
        self.prefix = f"{index}:"
        self.expected = expected
        self.directions = directions
        self.douts = _douts(case)

    def outputs(self, prefix: str) -> tuple[np.ndarray, ...] | None:
        """The outputs of forward saved under ``prefix``, when all are finite numeric arrays of the right shapes."""
        found = []
        for name, want in zip(self.layer.outputs, self.expected.outs, strict=True):
            array = self.run.output(prefix + name).array
            if array is None or array.shape != want.shape or array.dtype.kind not in "biuf":
                return None
            array = array.astype(np.float64)
            if not np.isfinite(array).all():
                return None
            found.append(array)
        return tuple(found)

    def forward_problem(self) -> tuple[list[Text], Text | None]:
        """Why the forward output can not be used at all (None, another shape), with a shape hint."""
        call = f"{self.layer.name}.{self.layer.call_text('forward')}"
        for name, want in zip(self.layer.outputs, self.expected.outs, strict=True):
            array, problems = value_of(self.run.output(self.prefix + name), call)
            if array is None:
                return problems, None
            if array.shape != want.shape:
                line = Text(
                    f"{call} has shape {array.shape}; expected {want.shape}. "
                    "The gradients can not be checked until the forward's shape is right",
                    f"{call} の形状が {array.shape} です。期待される形状は {want.shape} です。"
                    "順伝播の形状が正しくなるまで勾配は確認できません",
                )
                return [line], _known_hint(self.expected.known, name, array, (0.0, 0.0))
            if not self.case.reference and (array.dtype.kind not in "biuf" or not np.all(np.isfinite(array))):
                line = Text(
                    f"{call} gave values that are not finite numbers (NaN or inf), so the gradients can not be "
                    "compared with it",
                    f"{call} が有限の数でない値(NaN や inf)を返したため、勾配をそれと比べられません",
                )
                return [line], None
        return [], None

    def forward_right(self) -> bool:
        """Whether the learner's forward equals the oracle's (as the forward check judges it).

        A case judged against the learner's own forward only does not ask.
        """
        if not self.case.reference:
            return True
        outs = self.outputs(self.prefix)
        return outs is not None and all(
            is_close(got, want, *self.layer.tolerance(FORWARD_RTOL, want))
            for got, want in zip(outs, self.expected.outs, strict=True)
        )

    def forward_lines(self, see: Text) -> tuple[list[Text], Text | None]:
        """The wrong forward in one line, and the known mistake it is."""
        layer = self.layer
        lines = [
            Text(
                f"your forward is wrong (see {see.en}); compared with {layer.oracle_text.en}:",
                f"順伝播が間違っています({see.ja}を参照)。{layer.oracle_text.ja}との比較:",
            )
        ]
        hint = None
        for name, want in zip(layer.outputs, self.expected.outs, strict=True):
            got = self.run.output(self.prefix + name)
            tolerance = layer.tolerance(FORWARD_RTOL, want)
            lines += close(got, want, what=name, rtol=tolerance[0], atol=tolerance[1])[:1]
            hint = hint or _usable_hint(self.expected.known, name, got.array, tolerance)
        return lines, hint

    def gradient(self, tensor: _Tensor) -> tuple[np.ndarray | None, list[Text]]:
        """The learner's gradient for ``tensor`` as float64, or why it is unusable."""
        return _gradient_of(self.run.output(self.prefix + tensor.grad), self.layer, tensor, self.expected)

    def slopes(self, tensor: _Tensor, got: np.ndarray) -> list[_Slope] | None:
        """The directional derivatives along every direction of ``tensor``; None when forward is unusable there."""
        found = []
        tolerance = max(CONSISTENCY_RTOL, self.layer.slack)
        for number, v in enumerate(self.directions[tensor.name]):
            plus = self.outputs(f"{self.prefix}{tensor.name}:{number}:1:")
            minus = self.outputs(f"{self.prefix}{tensor.name}:{number}:-1:")
            analytic = float((got * v).sum())
            if plus is None or minus is None or not math.isfinite(analytic):
                return None
            numeric, terms = self._difference(plus, minus)
            # the rounding of a sum scales with its terms, not with the sum: a direction along which
            # the terms cancel must not fail a right backward
            scale = max(abs(analytic), abs(numeric), terms, FLOOR)
            found.append(_Slope(analytic, numeric, abs(analytic - numeric) / scale, tolerance))
        return found

    def _difference(self, plus: Sequence[np.ndarray], minus: Sequence[np.ndarray]) -> tuple[float, float]:
        """(L(p + hv) - L(p - hv)) / 2h, and the sum of its terms' magnitudes (the scale of its rounding)."""
        if not self.douts:
            change = [a - b for a, b in zip(plus, minus, strict=True)]
        else:
            change = [d * (a - b) for d, a, b in zip(self.douts, plus, minus, strict=True)]
        total = sum(float(c.sum()) for c in change)
        magnitude = sum(float(np.abs(c).sum()) for c in change)
        return total / (2 * self.case.step), magnitude / (2 * self.case.step)

    def forward_right_everywhere(self) -> bool:
        """Whether the learner's forward equals the oracle's at every point the probe evaluated."""
        if not self.forward_right():
            return False
        for name, vectors in self.directions.items():
            for number, v in enumerate(vectors):
                for sign in (1, -1):
                    outs = self.outputs(f"{self.prefix}{name}:{number}:{sign}:")
                    values = dict(self.case.values)
                    values[name] = values[name] + sign * self.case.step * v
                    wanted = oracle_outputs(self.layer, values)
                    if outs is None or not all(
                        is_close(got, want, *self.layer.tolerance(FORWARD_RTOL, want))
                        for got, want in zip(outs, wanted, strict=True)
                    ):
                        return False
        return True

    def finding(self, tensor: _Tensor, got: np.ndarray) -> _Finding:
        """Compare one usable gradient with the reference and with the learner's own forward."""
        want = self.expected.grads[tensor.grad]
        rtol, atol = self.layer.tolerance(GRADIENT_RTOL, want)
        wrong = close(got, want, what=tensor.grad, rtol=rtol, atol=atol) if self.case.reference else []
        slopes = self.slopes(tensor, got) if self.case.consistency else []
        return _Finding(tensor, got, want, wrong, slopes)


def _gradient_of(
    output: Output, layer: Layer, tensor: _Tensor, expected: _Expected, *, shape: bool = True
) -> tuple[np.ndarray | None, list[Text]]:
    """A gradient as float64, or the lines saying why it can not be judged.

    It can not when it is not set, not a numeric array, or (with ``shape``)
    not of its tensor's shape.
    """
    want = expected.grads[tensor.grad]
    if tensor.attribute and output.kind == "none":
        return None, [
            Text(
                f"{tensor.what} is not set after {layer.name}.backward: backward must store the gradient of "
                f"{tensor.name} there, an array of {tensor.name}'s shape {want.shape}",
                f"{layer.name}.backward の後も {tensor.what} が設定されていません。{tensor.name} の勾配を、"
                f"{tensor.name} と同じ形状 {want.shape} の配列として {tensor.what} に保存してください",
            )
        ]
    array, problems = value_of(output, tensor.what)
    if array is None:
        return None, problems
    if tensor.summed:
        array = GradsSum.total(array, want.shape)
    label = tensor.what if tensor.attribute else f"{tensor.grad} = {tensor.what}"
    if array.dtype.kind == "c":
        return None, [plain(f"{label}: got complex values ({array.dtype})")]
    if shape and array.shape != want.shape:
        return None, [
            Text(
                f"{label} has shape {array.shape}; expected {want.shape}, the shape of {tensor.name}",
                f"{label} の形状が {array.shape} です。{tensor.name} と同じ {want.shape} のはずです",
            )
        ]
    return array.astype(np.float64), []


def _slope_line(layer: Layer, tensor: _Tensor, slope: _Slope, step: float = STEP) -> Text:
    p, g = tensor.name, tensor.grad
    objective = layer.objective()
    # judged against the scale of the terms summed (see _Judge.slopes); shown against the larger of the two
    shown = abs(slope.analytic - slope.numeric) / max(abs(slope.analytic), abs(slope.numeric), FLOOR)
    return Text(
        f"along a random direction v of {p}: your backward gives sum({g} * v) = {slope.analytic:.10g}, "
        f"your forward changes {objective} at the rate (L({p} + h v) - L({p} - h v)) / 2h = "
        f"{slope.numeric:.10g} (h = {step:g}; relative difference {shown:.2g}, tolerance {slope.tolerance:g})",
        f"{p} のランダムな方向 v について: 逆伝播からは sum({g} * v) = {slope.analytic:.10g}、"
        f"順伝播からは {objective} の変化率 (L({p} + h v) - L({p} - h v)) / 2h = {slope.numeric:.10g}"
        f"(h = {step:g}。相対差 {shown:.2g}、許容 {slope.tolerance:g})",
    )


def _worst(got: np.ndarray, expected: np.ndarray, tolerance: tuple[float, float]) -> tuple[tuple[int, ...], str, int]:
    """The index of the largest difference (and as text), and how many values differ."""
    error = np.abs(got - expected)
    bad = ~(error <= tolerance[1] + tolerance[0] * np.abs(expected))
    flat = int(np.argmax(np.where(np.isfinite(error), error, np.inf)))
    index = tuple(int(i) for i in np.unravel_index(flat, got.shape))
    return index, "[" + ", ".join(map(str, index)) + "]", int(bad.sum())


def _inconsistent_lines(judge: _Judge, finding: _Finding, everywhere: bool) -> list[Text]:
    """A gradient that is neither right nor consistent with the learner's forward."""
    g = finding.tensor.grad
    if everywhere:
        # the forward equals the oracle at every evaluated point, so its slope is the true gradient
        at, where, bad = _worst(finding.got, finding.expected, judge.layer.tolerance(GRADIENT_RTOL, finding.expected))
        total = finding.expected.size
        lead = [
            Text(
                f"your backward disagrees with your own forward at {g}{where}: backward gives "
                f"{finding.got[at]:.8g}, the slope of your forward there is {finding.expected[at]:.8g} "
                f"({bad} of {total} values of {g} differ; your forward is right, so its slope is the true gradient)",
                f"逆伝播が自分の順伝播と {g}{where} で食い違っています。逆伝播の値は {finding.got[at]:.8g}、"
                f"順伝播のそこでの傾きは {finding.expected[at]:.8g} です"
                f"({g} の {total} 個中 {bad} 個が不一致。順伝播は正しいので、その傾きが本当の勾配です)",
            )
        ]
    else:
        lead = [
            Text(
                f"your backward disagrees with your own forward for {g}, and {g} is not the correct gradient either:",
                f"{g} は自分の順伝播とも食い違い、正しい勾配とも違います:",
            ),
            *finding.wrong,
        ]
    return [*lead, _slope_line(judge.layer, finding.tensor, finding.failing, judge.case.step)]


def _own_forward_lines(judge: _Judge, finding: _Finding) -> list[Text]:
    """A case judged against the learner's own forward only: consistent or not."""
    g = finding.tensor.grad
    if finding.slopes is None:
        return [
            Text(
                f"{g} could not be compared with your own forward: it gave no usable output (NaN, inf or "
                "another shape) at a slightly moved input",
                f"{g} を自分の順伝播と比べられませんでした。少しずらした入力で使える出力(有限の値で正しい形状)を"
                "返しませんでした",
            )
        ]
    if finding.consistent:
        return []
    return [
        Text(
            f"your backward disagrees with your own forward for {g}:", f"{g} で逆伝播が自分の順伝播と食い違っています:"
        ),
        _slope_line(judge.layer, finding.tensor, finding.failing, judge.case.step),
    ]


def _single_lines(judge: _Judge, finding: _Finding, forward_right: bool) -> list[Text] | None:
    """The lines about one gradient alone; None for the kinds said once for all gradients (below)."""
    g = finding.tensor.grad
    if not judge.case.reference:
        return _own_forward_lines(judge, finding)
    if not judge.case.consistency:
        lead = Text(f"{g} differs from the correct gradient:", f"{g} が正しい勾配と違います:")
        return [lead, *finding.wrong] if finding.wrong else []
    if finding.slopes is None:
        if not finding.wrong:
            return []
        lead = Text(
            f"{g} could not be compared with your own forward (it gave no usable output at a perturbed input); "
            "compared with the correct gradient:",
            f"{g} を自分の順伝播と比べられませんでした(少しずらした入力で使える出力を返しませんでした)。"
            "正しい勾配と比べると:",
        )
        return [lead, *finding.wrong]
    if finding.consistent:
        if not finding.wrong or not forward_right:
            return [] if not finding.wrong else None
        lead = Text(
            f"{g} agrees with your own forward (the numerical gradient check passes), but not with the "
            "correct gradient:",
            f"{g} はあなた自身の forward とは一致します(数値微分による確認は通ります)が、正しい勾配とは一致しません:",
        )
        return [lead, *finding.wrong]
    if not finding.wrong:
        return None
    return _inconsistent_lines(judge, finding, judge.forward_right_everywhere() if forward_right else False)


def _together_lines(judge: _Judge, findings: Sequence[_Finding], forward_right: bool) -> list[Text]:
    """What is said once for several gradients: right backward of a wrong forward, and the reverse."""
    lines: list[Text] = []
    right = [f for f in findings if f.slopes is not None and not f.consistent and not f.wrong]
    if right:
        names = ", ".join(f.tensor.grad for f in right)
        plural = len(right) > 1
        lines.append(
            Text(
                f"{names}: your backward gives the correct {'gradients' if plural else 'gradient'}, but your "
                "forward does not change at that rate, so the forward is what is wrong; for example",
                f"{names}: 逆伝播は正しい勾配を返していますが、順伝播の変化率がそれと合いません。"
                "間違っているのは順伝播です。例えば",
            )
        )
        lines.append(_slope_line(judge.layer, right[0].tensor, right[0].failing, judge.case.step))
    follow = [f for f in findings if f.consistent and f.wrong and not forward_right]
    if follow:
        names = ", ".join(f.tensor.grad for f in follow)
        lines.append(
            Text(
                f"your backward agrees with your own forward: {names} "
                + ("match" if len(follow) > 1 else "matches")
                + " the numerical gradients of your forward along random directions; the difference from "
                "the correct gradients comes only from the wrong forward",
                f"逆伝播は自分の順伝播と整合しています({names} はランダムな方向の順伝播の数値微分と一致)。"
                "正しい勾配と違うのは、順伝播が間違っているためです",
            )
        )
    return lines


def _fallback_hint(layer: Layer, findings: Sequence[_Finding], forward_right: bool) -> Text | None:
    if forward_right:
        return None  # the check's own: its Cases' hint, else the row's backward hint
    if all(finding.consistent for finding in findings):
        return FORWARD_FIRST_HINT
    return layer.forward_hint


def _see_forward(layer: Layer) -> Text:
    if len(layer.forward) == 1:
        name = layer.forward[0].name
        return Text(f"'{name.en}'", f"「{name.ja}」")
    return Text("the forward checks", "順伝播のチェック")


def _judge_gradients(judge: _Judge) -> tuple[list[Text], Text | None]:
    """The lines and the hint for one case; no lines when every gradient is right and consistent."""
    problems, hint = judge.forward_problem()
    if problems:
        return problems, hint
    findings: list[_Finding] = []
    unusable: list[Text] = []
    for tensor in _tensors(judge.layer):
        got, lines = judge.gradient(tensor)
        unusable += lines
        if got is not None:
            findings.append(judge.finding(tensor, got))
    if unusable:
        shape_hints = [
            _known_hint(judge.expected.known, tensor.grad, array, (0.0, 0.0))
            for tensor in _tensors(judge.layer)
            if (array := judge.run.output(judge.prefix + tensor.grad).array) is not None
        ]
        return unusable, join_hints(shape_hints)
    return _report(judge, findings)


def _report(judge: _Judge, findings: Sequence[_Finding]) -> tuple[list[Text], Text | None]:
    forward_right = judge.forward_right()
    lines: list[Text] = []
    hints: list[Text | None] = []
    if not forward_right:
        lines, forward_hint = judge.forward_lines(_see_forward(judge.layer))
        hints.append(forward_hint)
    said = False
    for finding in findings:
        single = _single_lines(judge, finding, forward_right)
        lines += single or []
        said = said or single is None or bool(single)
        if finding.wrong:
            tolerance = judge.layer.tolerance(GRADIENT_RTOL, finding.expected)
            hints.append(_known_hint(judge.expected.known, finding.tensor.grad, finding.got, tolerance))
    if judge.case.reference and judge.case.consistency:
        lines += _together_lines(judge, findings, forward_right)
    if not said:
        return [], None
    if not judge.case.reference:
        return lines, None  # the check's own hint
    return lines, join_hints(hints) or _fallback_hint(judge.layer, findings, forward_right)


def _gradient_check(layer: Layer, cases: Cases, check_index: int) -> tuple[Check, Check | None]:
    """The gradient check of ``cases``, and the hygiene check when one of them is marked."""
    rng = generator(DIRECTIONS_SEED + check_index)
    expected = [_expected(layer, case, with_gradients=True) for case in cases.cases]
    conventions = [_conventions(layer, case, expected[i], True) for i, case in enumerate(cases.cases)]
    directions = [
        {t.name: _directions(rng, np.shape(case.values[t.name]), layer.directions) for t in _tensors(layer)}
        for case in cases.cases
    ]
    probe = _gradient_probe(layer, cases.cases, directions)

    def verify(run: ProbeRun) -> Verdict:
        for index, case in enumerate(cases.cases):
            row, wanted = _judged_as(run, layer, f"{index}:", expected[index], conventions[index])
            judge = _Judge(row, run, case, index, wanted, directions[index])
            lines, hint = _judge_gradients(judge)
            if lines:
                return Verdict.fail([*_case_header(cases.cases, case), *lines], hint)
        return Verdict.ok()

    hint = cases.hint or layer.backward_hint
    gradient = Check(
        cases.name.en,
        cases.name.ja,
        probe,
        verify,
        hint=hint,
        context=cases.context,
        error_hint=_message_reader(layer, cases.cases),
        error_diagnosis=_forward_diagnosis(layer, cases.cases, expected),
    )
    marked = [index for index, case in enumerate(cases.cases) if case.hygiene]
    if not marked:
        return gradient, None
    index = marked[0]
    case = cases.cases[index]
    return gradient, _hygiene_check(layer, _hygiene_probe(layer, case, index), case, index, expected[index])


# ----------------------------------------------------------------- exceptions


def _message_reader(layer: Layer, cases: Sequence[Case]) -> Callable[[str, str], Text | None] | None:
    """The check's ``error_hint``: the row's reading of an exception raised in ``cases``."""
    reader = layer.error_hint
    if reader is None:
        return None
    return lambda exception, message: reader(cases, exception, message)


def _known_forward(
    run: ProbeRun, layer: Layer, cases: Sequence[Case], expected: Sequence[_Expected], first: int = 0
) -> Text | None:
    """The hint of a known mistake that a wrong forward output, saved before an exception, already shows.

    Case ``first + i`` of the probe is ``cases[i]``; a case whose forward did not run
    ends the search (``OutputError``, so the engine keeps its default).
    """
    for offset, (case, wanted) in enumerate(zip(cases, expected, strict=True)):
        prefix = f"{first + offset}:"
        row, judged = _judged_as(run, layer, prefix, wanted, _conventions(layer, case, wanted, False))
        for name, want in zip(row.outputs, judged.outs, strict=True):
            got = run.output(prefix + name)
            tolerance = row.tolerance(FORWARD_RTOL, want)
            if close(got, want, what=name, rtol=tolerance[0], atol=tolerance[1]):
                return _usable_hint(judged.known, name, value_of(got, name)[0], tolerance)
    return None


def _forward_diagnosis(
    layer: Layer, cases: Sequence[Case], expected: Sequence[_Expected]
) -> Callable[[ProbeRun], Text | None]:
    """A check's ``error_diagnosis``: a call raised after a forward output that is a known mistake.

    A forward check whose later case raises (Wx and Wh swapped run only when D = H) and a
    gradient check whose backward raises are both named by what the earlier forward gave.
    """
    return lambda run: _known_forward(run, layer, cases, expected)


# ----------------------------------------------------------------- hygiene


def _names(items: Sequence[str], english: bool) -> str:
    if len(items) == 2:
        return f"{items[0]} and {items[1]}" if english else f"{items[0]} と {items[1]}"
    if english:
        return ", ".join(items[:-1]) + f" and {items[-1]}" if len(items) > 1 else items[0]
    return "・".join(items)


def hygiene_name(layer: Layer) -> Text:
    """``Relu: backward is linear in dout, repeatable, and leaves dout and x unchanged``."""
    arrays = [*layer.douts, *(item.name for item in layer.differentiable), *(param.name for param in layer.params)]
    return Text(
        f"{layer.name}: backward is linear in dout, repeatable, and leaves {_names(arrays, True)} unchanged",
        f"{layer.name}: backward は dout に線形で、2 回呼んでも同じ、{_names(arrays, False)} は変更しない",
    )


def _doubled_hint(tensor: _Tensor) -> Text:
    grad = tensor.grad
    if tensor.attribute and tensor.what.startswith(("self.grads", "sum(self.grads")):
        # the sequel's grads list: the array is kept, so it must be reset before anything is added to it
        return Text(
            f"the second call doubled {grad}: backward adds to what the first call left in {tensor.what}; "
            f"zero the array first ({grad}[...] = 0, then add, e.g. np.add.at) or overwrite it "
            f"(grads[i][...] = new value)",
            f"2 回目の呼び出しで {grad} が 2 倍になりました。backward が {tensor.what} に前回残った値に"
            f"足しています。先に配列を 0 にする({grad}[...] = 0 のあと np.add.at などで足す)か、"
            "上書きしてください(grads[i][...] = 新しい値)",
        )
    return Text(
        f"the second call doubled {grad}: it is added to what the first call left (self.{grad} += ...); "
        f"compute it afresh each time (self.{grad} = ...)",
        f"2 回目の呼び出しで {grad} が 2 倍になりました。前回の値に足しています"
        f"(self.{grad} += ...)。毎回新しく計算してください(self.{grad} = ...)",
    )


def _hygiene_check(layer: Layer, probe: Probe, case: Case, index: int, expected: _Expected) -> Check:
    prefix = f"{index}:"
    douts = dict(zip(layer.douts, _douts(case), strict=False))
    arrays = {key: value for key, value in case.values.items() if isinstance(value, np.ndarray)}
    call = layer.call_text("backward")
    double = layer.call_text("backward", factor="2 * ")

    def repeat_lines(run: ProbeRun, tensor: _Tensor) -> tuple[list[Text], Text | None]:
        values = []
        for stage in ("", "again:", "double:"):
            # the shape is the gradient check's business: here each call is compared with the first
            got, problems = _gradient_of(run.output(prefix + stage + tensor.grad), layer, tensor, expected, shape=False)
            if got is None:
                # after the first call: the later calls broke it (the check's hint); at once: the gradient check's
                return problems, None if stage else GRADIENT_UNUSABLE
            values.append(got)
        first, again, doubled = values
        scale = _largest(first)
        what = tensor.what if tensor.attribute else tensor.grad
        if not is_close(again, first, REPEAT_RTOL, REPEAT_RTOL * ATOL_SHARE * scale):
            lead = Text(
                f"calling {call} a second time with the same dout gave a different {what}:",
                f"同じ dout で {call} をもう一度呼ぶと、{what} が変わりました:",
            )
            twice = is_close(again, 2 * first, LINEAR_RTOL, LINEAR_RTOL * ATOL_SHARE * scale)
            lines = close(again, first, what=what, rtol=REPEAT_RTOL, atol=REPEAT_RTOL * ATOL_SHARE * scale)
            return [lead, *lines], _doubled_hint(tensor) if twice else NOT_REPEATABLE
        atol = LINEAR_RTOL * ATOL_SHARE * scale
        lines = close(doubled, 2 * first, what=what, rtol=LINEAR_RTOL, atol=atol)
        if not lines:
            return [], None
        lead = Text(
            f"{double} should give twice the {what} of {call}:", f"{double} の {what} は {call} の 2 倍になるはずです:"
        )
        return [lead, *lines], layer.linear_hint

    def verify(run: ProbeRun) -> Verdict:
        lines = unchanged(run, f"{layer.name}.backward", douts, prefix=prefix + "input:")
        hints: list[Text | None] = [IN_PLACE_DOUT if lines else None]
        inputs = unchanged(run, layer.name, arrays, prefix=prefix + "input:")
        lines += inputs
        hints.append(IN_PLACE_INPUT if inputs else None)
        for tensor in _tensors(layer):
            more, hint = repeat_lines(run, tensor)
            lines += more
            hints.append(hint)
        return Verdict.unless(lines, join_hints(hints))

    spec = layer.hygiene or Hygiene("")
    first = [prefix + str(item.grad) for item in layer.differentiable] + [prefix + p.grad for p in layer.params]

    def diagnose(run: ProbeRun) -> Text | None:
        known = _known_forward(run, layer, [case], [expected], index)
        if known is not None or not all(key in run.outputs for key in first):
            return known
        return spec.hint or NOT_REPEATABLE  # the first backward ran: a later call raised

    name = spec.name or hygiene_name(layer)
    return Check(
        name.en,
        name.ja,
        probe,
        verify,
        hint=spec.hint,
        context=spec.context,
        error_hint=_message_reader(layer, [case]),
        error_diagnosis=diagnose,
    )


# ----------------------------------------------------------------- the checks of one row


def layer_checks(layer: Layer) -> list[Check]:
    """The forward checks, the gradient checks and the hygiene check of one layer, in that order."""
    checks = [_forward_check(layer, cases) for cases in layer.forward]
    hygiene = []
    for number, cases in enumerate(layer.gradient):
        gradient, marked = _gradient_check(layer, cases, number)
        checks.append(gradient)
        hygiene += [marked] if marked is not None else []
    return checks + hygiene


# ----------------------------------------------------------------- DLFS2: self.grads written in place


def grads_in_place_check(layer: Layer, case: Case, context: str | Text) -> Check:
    """``<Layer>: backward writes into the arrays of self.grads``: the sequel's optimizers hold those arrays.

    The probe takes ``self.grads[key]`` of every ``GradsItem`` parameter right
    after the constructor, runs forward and backward, and brings back both
    that array and what ``self.grads[key]`` is afterwards: they must hold the
    same values.  ``self.grads[0] = dW`` or ``self.grads = [...]`` leaves the
    first one as it was (zeros), so an optimizer that holds the list never
    sees a gradient.
    """
    held_params = [param for param in layer.params if isinstance(param.at, GradsItem)]
    probe = Probe()
    sent = _sent_bundles(probe, layer, _send(probe, case.values))
    args, kwargs = _arguments(layer.constructor, sent, case.defaults)
    obj = probe.new(layer.name, *args, **kwargs)
    held = {param.grad: param.at.ref(probe, obj) for param in held_params}
    args, kwargs = _arguments(tuple(item.name for item in layer.inputs), sent, case.defaults)
    probe.method(obj, "forward", *args, **kwargs)
    probe.method(obj, "backward", *(probe.array(dout) for dout in _douts(case)))
    for param in held_params:
        probe.save(held[param.grad], f"held:{param.grad}")
        probe.save(param.at.ref(probe, obj), f"now:{param.grad}")

    def verify(run: ProbeRun) -> Verdict:
        lines: list[Text] = []
        for param in held_params:
            what = param.at.describe()
            now, problems = value_of(run.output(f"now:{param.grad}"), f"{what} after backward")
            before, more = value_of(run.output(f"held:{param.grad}"), f"{what} as created by the constructor")
            if now is None or before is None:
                lines += problems + more
                continue
            if before.shape != now.shape or not np.array_equal(before, now, equal_nan=True):
                lines.append(
                    Text(
                        f"the array {what} held after the constructor still differs from {what} after backward: "
                        f"backward put a new array in its place instead of writing {param.grad} into it",
                        f"コンストラクタの後に {what} が指していた配列が、backward の後の {what} と違います。"
                        f"backward は {param.grad} をその配列に書き込まず、新しい配列に置き換えました",
                    )
                )
        return Verdict.unless(lines, GRADS_REPLACED)

    name = Text(
        f"{layer.name}: backward writes the gradients into the arrays of self.grads (grads[...][...] = ...)",
        f"{layer.name}: backward は勾配を self.grads の配列に書き込む(grads[...][...] = ...)",
    )
    return Check(name.en, name.ja, probe, verify, hint=GRADS_REPLACED, context=context, error_hint=GRADS_MISSING)


GRADS_REPLACED = Text(
    "write each gradient into the array the constructor created, grads[0][...] = dW (a[...] = fills the "
    "existing array), not grads[0] = dW or self.grads = [...]: an optimizer is given self.grads once and keeps "
    "reading those same arrays, as in Deep Learning from Scratch 2",
    "勾配はコンストラクタが作った配列に grads[0][...] = dW のように書き込みます(a[...] = は既存の配列を埋めます)。"
    "grads[0] = dW や self.grads = [...] ではいけません。『ゼロから作るDeep Learning ❷』のように、最適化手法は"
    "self.grads を一度受け取り、同じ配列を読み続けるからです",
)
GRADS_MISSING = Text(
    "the constructor must create self.grads, arrays of zeros shaped like the parameters "
    "(np.zeros_like(W) for each), which backward then fills in place",
    "コンストラクタで self.grads(各パラメータと同じ形状の 0 の配列、np.zeros_like(W))を作り、"
    "backward でその中身を書き換えます",
)
