"""Checks for exercise 11: RNN, TimeRNN (truncated BPTT) and clip_grads.

RNN and TimeRNN are rows of the layer-check engine (``grader.checks.layers``):
forward against the reference on inputs that expose the classic mistakes (a
non-zero ``h_prev`` and bias, a recurrent weight that is not symmetric, so a
transposed ``Wh`` shows, D = H once so that swapped ``Wx`` and ``Wh`` show, N,
D, H all different elsewhere), a gradient check of every gradient (dx and
dh_prev, dxs, and each of ``self.grads``: backward against the learner's own
forward and against the reference) and hygiene.  The known mistakes are
replayed in NumPy here (``_bptt``): a forgotten tanh derivative, a transposed
weight, gradients kept from one time step instead of summed over time, the
hidden-state gradient not carried back from step t + 1, the steps walked
forwards, one RNN cell reused for every step.

Beyond the rows: ``self.grads`` written in place (the array objects the
constructor made must be the ones holding the gradients after backward, as the
book's models and optimizers collect them once), statefulness across two
forward calls and ``reset_state()``, ``self.dh`` after backward, and
``clip_grads`` (one global norm, one factor, in place, nothing changed below
``max_norm``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from grader.checks.common import generator
from grader.checks.layers import (
    Case,
    Cases,
    GradsItem,
    Hygiene,
    Input,
    Known,
    Layer,
    Param,
    grads_in_place_check,
    layer_checks,
)
from grader.checks.verdicts import Variant, close, is_close, matching_variant, untouched
from grader.grading.engine import Check
from grader.grading.results import Verdict
from grader.sandbox.client import Probe, ProbeRun
from grader.text import Text, plain
from reference import RNN, TimeRNN, clip_grads

# clip_grads: the 1e-6 beside the norm (>= 1.5 here) moves nothing by more than 1e-6 relatively
CLIP_RTOL = 1e-5
STATE_RTOL = 1e-9


def _parameters(rng: np.random.Generator, d: int, h: int) -> dict[str, np.ndarray]:
    """Wx (D, H), Wh (H, H) far from symmetric, b (H,) away from 0: tanh stays out of saturation."""
    b = rng.uniform(0.2, 0.8, size=h) * rng.choice([-1.0, 1.0], size=h)
    return {"Wx": rng.normal(size=(d, h)) / np.sqrt(d), "Wh": rng.normal(size=(h, h)) / np.sqrt(h), "b": b}


def _shape_text(values: dict[str, Any], names: Sequence[str]) -> str:
    return ", ".join(f"{name} {values[name].shape}" for name in names)


# ----------------------------------------------------------------- RNN

NO_TANH = Text(
    "tanh is missing: h_next = np.tanh(h_prev @ Wh + x @ Wx + b); without it the hidden state can grow without "
    "bound from step to step",
    "tanh が抜けています: h_next = np.tanh(h_prev @ Wh + x @ Wx + b)。tanh がないと隠れ状態が時刻ごとに際限なく"
    "大きくなり得ます",
)
WH_TRANSPOSED = Text(
    "Wh is transposed: h_prev (N, H) times Wh (H, H) is h_prev @ Wh; h_prev @ Wh.T has the same shape but "
    "mixes the hidden units the wrong way round",
    "Wh が転置されています。h_prev (N, H) に Wh (H, H) を掛けるのは h_prev @ Wh です。h_prev @ Wh.T でも形状は"
    "同じですが、隠れユニットの対応が逆になります",
)
NO_BIAS = Text(
    "the bias b is missing: tanh(h_prev @ Wh + x @ Wx + b)", "バイアス b が抜けています: tanh(h_prev @ Wh + x @ Wx + b)"
)
SIGMOID_NOT_TANH = Text(
    "this is the sigmoid; the RNN's activation is tanh (np.tanh), whose outputs lie in (-1, 1)",
    "これはシグモイド関数です。RNN の活性化関数は tanh(np.tanh)で、出力は (-1, 1) の範囲です",
)
NO_H_PREV = Text(
    "h_prev is not used: the previous hidden state enters through the recurrent weights, + h_prev @ Wh",
    "h_prev が使われていません。前の時刻の隠れ状態は再帰の重みを通して h_prev @ Wh として加わります",
)
SWAPPED = Text(
    "Wx and Wh are swapped: x goes through Wx (D, H), h_prev through Wh (H, H)",
    "Wx と Wh が入れ替わっています。x には Wx (D, H)、h_prev には Wh (H, H) を掛けます",
)
NO_DERIVATIVE = Text(
    "the tanh derivative is missing: first go back through tanh, dt = dh_next * (1 - h_next ** 2), then use dt "
    "(not dh_next) for dx, dh_prev, dWx, dWh and db",
    "tanh の微分が抜けています。まず tanh を逆にたどって dt = dh_next * (1 - h_next ** 2) とし、dx、dh_prev、dWx、"
    "dWh、db には dh_next ではなく dt を使います",
)
DERIVATIVE_OF_H_PREV = Text(
    "tanh's derivative is written with this step's output: 1 - h_next ** 2, not 1 - h_prev ** 2",
    "tanh の微分はこの時刻の出力で書きます: 1 - h_prev ** 2 ではなく 1 - h_next ** 2 です",
)
TANH_TWICE = Text(
    "1 - np.tanh(h_next) ** 2 applies tanh a second time: h_next already is tanh(a), so the derivative is "
    "1 - h_next ** 2",
    "1 - np.tanh(h_next) ** 2 は tanh を 2 回適用しています。h_next がすでに tanh(a) なので、微分は "
    "1 - h_next ** 2 です",
)
WH_NOT_TRANSPOSED = Text(
    "dh_prev = dt @ Wh.T: forward multiplied by Wh, so backward multiplies by its transpose (Wh is square, so "
    "dt @ Wh has the right shape but the wrong values)",
    "dh_prev = dt @ Wh.T です。順伝播で Wh を掛けたので、逆伝播ではその転置を掛けます(Wh は正方行列なので "
    "dt @ Wh でも形状は合いますが、値が違います)",
)
DWH_TRANSPOSED = Text(
    "dWh is transposed: dWh = h_prev.T @ dt (rows follow h_prev's units, as Wh's rows do); dt.T @ h_prev is its "
    "transpose, of the same square shape",
    "dWh が転置になっています。dWh = h_prev.T @ dt です(Wh の行と同じく h_prev のユニットが行になります)。"
    "dt.T @ h_prev は同じ正方形の形状の転置です",
)
DWH_OF_H_NEXT = Text(
    "dWh multiplies dt by the input of Wh, which is h_prev: dWh = h_prev.T @ dt, not h_next.T @ dt",
    "dWh は dt に Wh への入力 h_prev を掛けたものです: h_next.T @ dt ではなく dWh = h_prev.T @ dt です",
)
DWX_TRANSPOSED = Text(
    "dWx is transposed: dWx = x.T @ dt has Wx's shape (D, H); dt.T @ x gives (H, D)",
    "dWx が転置になっています。dWx = x.T @ dt は Wx と同じ形状 (D, H) です。dt.T @ x では (H, D) になります",
)
DB_NOT_SUMMED = Text(
    "db must be summed over the batch axis: db = np.sum(dt, axis=0), shape (H,)",
    "db はバッチ方向に和をとります: db = np.sum(dt, axis=0)、形状 (H,)",
)
DB_MEAN = Text(
    "db is a sum over the batch, not a mean: b is added to every sample",
    "db はバッチ方向の平均ではなく和です。b はすべてのサンプルに足されています",
)


def _sigmoid(a: np.ndarray) -> np.ndarray:
    return np.asarray(np.exp(-np.logaddexp(0.0, -a)))


def _rnn_forward_mistakes(values: dict[str, Any]) -> list[Known]:
    x, h_prev, Wx, Wh, b = (values[key] for key in ("x", "h_prev", "Wx", "Wh", "b"))
    a = h_prev @ Wh + x @ Wx + b
    found = [
        Known("h_next", np.tanh(h_prev @ Wh.T + x @ Wx + b), WH_TRANSPOSED),
        Known("h_next", a, NO_TANH),
        Known("h_next", np.tanh(h_prev @ Wh + x @ Wx), NO_BIAS),
        Known("h_next", _sigmoid(a), SIGMOID_NOT_TANH),
        Known("h_next", np.tanh(x @ Wx + b), NO_H_PREV),
    ]
    if Wx.shape == Wh.shape:
        found.append(Known("h_next", np.tanh(h_prev @ Wx + x @ Wh + b), SWAPPED))
    return found


def _rnn_backward_mistakes(values: dict[str, Any], dh_next: np.ndarray) -> list[Known]:
    x, h_prev, Wx, Wh, b = (values[key] for key in ("x", "h_prev", "Wx", "Wh", "b"))
    h_next = np.tanh(h_prev @ Wh + x @ Wx + b)
    found: list[Known] = []
    for wrong, hint in (
        (dh_next, NO_DERIVATIVE),
        (dh_next * (1 - h_prev**2), DERIVATIVE_OF_H_PREV),
        (dh_next * (1 - np.tanh(h_next) ** 2), TANH_TWICE),
    ):
        found += [
            Known("dx", wrong @ Wx.T, hint),
            Known("dh_prev", wrong @ Wh.T, hint),
            Known("dWx", x.T @ wrong, hint),
            Known("dWh", h_prev.T @ wrong, hint),
            Known("db", wrong.sum(axis=0), hint),
        ]
    dt = dh_next * (1 - h_next**2)
    n, h = dt.shape
    found += [
        Known("dh_prev", dt @ Wh, WH_NOT_TRANSPOSED),
        Known("dWh", dt.T @ h_prev, DWH_TRANSPOSED),
        Known("dWh", h_next.T @ dt, DWH_OF_H_NEXT),
        Known("dWx", dt.T @ x if Wx.shape[0] == h else None, DWX_TRANSPOSED, shape=(h, Wx.shape[0])),
        Known("db", None, DB_NOT_SUMMED, shape=(n, h)),
    ]
    if n > 1:
        found.append(Known("db", dt.mean(axis=0), DB_MEAN))
    return found


def _rnn_mistakes(case: Case) -> list[Known]:
    found = _rnn_forward_mistakes(dict(case.values))
    if isinstance(case.dout, np.ndarray):
        found += _rnn_backward_mistakes(dict(case.values), case.dout)
    return found


def _rnn_case(rng: np.random.Generator, n: int, d: int, h: int, *, hygiene: bool = False) -> Case:
    values: dict[str, Any] = _parameters(rng, d, h)
    values["x"] = rng.normal(size=(n, d))
    values["h_prev"] = np.tanh(rng.normal(size=(n, h)) * 1.5)
    label = plain(f"N={n}, D={d}, H={h}")
    return Case(label, values, rng.normal(size=(n, h)), hygiene)


def _rnn() -> Layer:
    rng = generator(1101)
    forward_cases = [_rnn_case(rng, 3, 4, 5), _rnn_case(rng, 2, 3, 3), _rnn_case(rng, 1, 2, 4)]
    # D = H first: a forward with Wx and Wh swapped survives it and raises on the next case (see _swap_diagnosis)
    forward_cases[:2] = forward_cases[1::-1]
    gradient_cases = (_rnn_case(rng, 3, 4, 5, hygiene=True), _rnn_case(rng, 2, 3, 3), _rnn_case(rng, 1, 2, 4))
    return Layer(
        name="RNN",
        constructor=("Wx", "Wh", "b"),
        reference=RNN,
        params=(Param("Wx", "dWx", GradsItem(0)), Param("Wh", "dWh", GradsItem(1)), Param("b", "db", GradsItem(2))),
        inputs=(Input("x", "dx"), Input("h_prev", "dh_prev")),
        outputs=("h_next",),
        mistakes=_rnn_mistakes,
        forward=(
            Cases(
                Text(
                    "RNN: forward is tanh(h_prev @ Wh + x @ Wx + b)",
                    "RNN: forward が tanh(h_prev @ Wh + x @ Wx + b)",
                ),
                Text(
                    "N=2, D=H=3; N=3, D=4, H=5; N=1, D=2, H=4; h_prev and b not zero, Wh not symmetric",
                    "N=2, D=H=3。N=3, D=4, H=5。N=1, D=2, H=4。h_prev と b は 0 でなく、Wh は対称でない",
                ),
                tuple(Case(case.label, case.values) for case in forward_cases),
            ),
        ),
        gradient=(
            Cases(
                Text(
                    "RNN: backward gives dx, dh_prev and dWx, dWh, db in self.grads (gradient check)",
                    "RNN: backward が dx と dh_prev を返し、self.grads に dWx・dWh・db を求める(勾配確認)",
                ),
                Text(
                    "N=3, D=4, H=5; N=2, D=H=3; N=1, D=2, H=4; random dh_next",
                    "N=3, D=4, H=5。N=2, D=H=3。N=1, D=2, H=4。dh_next はランダム",
                ),
                gradient_cases,
            ),
        ),
        hygiene=Hygiene(Text("N=3, D=4, H=5, random dh_next", "N=3, D=4, H=5、ランダムな dh_next")),
        forward_hint=Text(
            "h_next = np.tanh(h_prev @ Wh + x @ Wx + b); keep x, h_prev and h_next for backward",
            "h_next = np.tanh(h_prev @ Wh + x @ Wx + b) です。backward のために x、h_prev、h_next を保存します",
        ),
        backward_hint=Text(
            "dt = dh_next * (1 - h_next ** 2); dx = dt @ Wx.T, dh_prev = dt @ Wh.T, dWx = x.T @ dt, "
            "dWh = h_prev.T @ dt, db = dt.sum(axis=0), written with self.grads[i][...] = ...",
            "dt = dh_next * (1 - h_next ** 2)。dx = dt @ Wx.T、dh_prev = dt @ Wh.T、dWx = x.T @ dt、"
            "dWh = h_prev.T @ dt、db = dt.sum(axis=0) を self.grads[i][...] = ... で書き込みます",
        ),
    )


# ----------------------------------------------------------------- TimeRNN: replays of BPTT


Step = Callable[[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray], np.ndarray]
# RNN.forward's known mistakes (_rnn_forward_mistakes) as steps h_prev, x, Wx, Wh, b -> h_next
FORWARD_STEP_MISTAKES: dict[str, Step] = {
    "Wh transposed": lambda h, x, Wx, Wh, b: np.tanh(h @ Wh.T + x @ Wx + b),
    "no tanh": lambda h, x, Wx, Wh, b: h @ Wh + x @ Wx + b,
    "no bias": lambda h, x, Wx, Wh, b: np.tanh(h @ Wh + x @ Wx),
    "sigmoid": lambda h, x, Wx, Wh, b: _sigmoid(h @ Wh + x @ Wx + b),
}


def _unroll(
    values: dict[str, Any], h0: np.ndarray | None = None, step: Step | None = None
) -> tuple[np.ndarray, list[np.ndarray]]:
    """The hidden states hs (N, T, H) and the state each step started from (with ``step``, a wrong RNN.forward)."""
    xs, Wx, Wh, b = (values[key] for key in ("xs", "Wx", "Wh", "b"))
    h = np.zeros((xs.shape[0], Wx.shape[1])) if h0 is None else h0
    hs, starts = [], []
    for t in range(xs.shape[1]):
        starts.append(h)
        h = step(h, xs[:, t], Wx, Wh, b) if step is not None else np.tanh(h @ Wh + xs[:, t] @ Wx + b)
        hs.append(h)
    return np.stack(hs, axis=1), starts


def _bptt(
    values: dict[str, Any],
    dhs: np.ndarray,
    h0: np.ndarray | None = None,
    *,
    carry: bool = True,
    backwards: bool = True,
    keep: str = "sum",
    derivative: bool = True,
    cache_of: int | None = None,
    step_mistake: str = "",
) -> dict[str, np.ndarray]:
    """TimeRNN.backward, right or replaying one mistake.

    ``carry``: dh from step t + 1 added to dhs[:, t]; ``backwards``: t from T - 1 down to 0;
    ``keep``: the parameter gradients summed over time, or only the ``first`` / ``last`` step
    the loop visited; ``derivative``: through tanh's derivative; ``cache_of``: one cell's
    cache used for every step (one RNN object reused); ``step_mistake``: one of the known
    mistakes of RNN.backward (``STEP_MISTAKES``) at every step.  Gives dxs, dWx, dWh, db, dh
    (after the loop) and dh_first (after the loop's first step).
    """
    xs, Wx, Wh = values["xs"], values["Wx"], values["Wh"]
    hs, starts = _unroll(values, h0)
    n, steps, _ = xs.shape
    dxs = np.zeros(xs.shape)
    dh = np.zeros((n, Wx.shape[1]))
    visited: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    dh_first = dh
    for t in reversed(range(steps)) if backwards else range(steps):
        cell = t if cache_of is None else cache_of
        grad = dhs[:, t] + (dh if carry else 0.0)
        h_next, h_prev = hs[:, cell], starts[cell]
        if not derivative:
            dt = grad
        elif step_mistake == "tanh twice":
            dt = grad * (1 - np.tanh(h_next) ** 2)
        elif step_mistake == "derivative of h_prev":
            dt = grad * (1 - h_prev**2)
        else:
            dt = grad * (1 - h_next**2)
        dxs[:, t] = dt @ Wx.T
        dh = dt @ (Wh if step_mistake == "Wh not transposed" else Wh.T)
        dWh = {"dWh transposed": dt.T @ h_prev, "dWh of h_next": h_next.T @ dt}.get(step_mistake, h_prev.T @ dt)
        db = dt.mean(axis=0) if step_mistake == "db mean" else dt.sum(axis=0)
        visited.append((xs[:, cell].T @ dt, dWh, db))
        if len(visited) == 1:
            dh_first = dh
    if keep == "sum":
        dWx, dWh, db = (np.sum([step[i] for step in visited], axis=0) for i in range(3))
    else:
        dWx, dWh, db = visited[0] if keep == "first" else visited[-1]
    return {"dxs": dxs, "dWx": dWx, "dWh": dWh, "db": db, "dh": dh, "dh_first": dh_first}


NOT_CARRIED_FORWARD = Text(
    "the hidden state is not passed on: each step must start from the previous step's h_next "
    "(self.h = layer.forward(xs[:, t, :], self.h)); yours starts every step from zeros",
    "隠れ状態が次の時刻に渡されていません。各時刻は前の時刻の h_next から始めます"
    "(self.h = layer.forward(xs[:, t, :], self.h))。すべての時刻を 0 から始めています",
)
TIME_AXIS = Text(
    "hs must be (N, T, H), batch first and time second as xs is; loop over xs[:, t, :] and fill hs[:, t, :]",
    "hs は xs と同じくバッチが先、時刻が 2 番目の (N, T, H) です。xs[:, t, :] でループし hs[:, t, :] に入れます",
)
ONLY_LAST = Text(
    "forward returns every step's hidden state, hs of shape (N, T, H), not only the last one",
    "forward は最後の時刻だけでなく、全時刻の隠れ状態 hs(形状 (N, T, H))を返します",
)
NOT_SUMMED_OVER_TIME = Text(
    "the weights are shared by every time step, so their gradients are sums over time: add each step's "
    "grads (grads[i] += layer.grads[i]) and write the sums into self.grads after the loop; yours holds one "
    "step's gradient only (assigned, not added, in the loop)",
    "重みは全時刻で共有されているので、その勾配は時間方向の和です。各時刻の勾配を足し合わせ"
    "(grads[i] += layer.grads[i])、ループの後で self.grads に書き込みます。1 時刻分の勾配しか残っていません"
    "(ループの中で足さずに代入しています)",
)
DH_NOT_CARRIED = Text(
    "the gradient of the hidden state is not carried back: h_t went both to hs[:, t] and to step t + 1, so "
    "step t's backward takes dhs[:, t] + dh, with dh the dh_prev that step t + 1 returned",
    "隠れ状態の勾配が前の時刻に伝わっていません。h_t は hs[:, t] と時刻 t + 1 の両方に流れたので、時刻 t の "
    "backward には dhs[:, t] + dh(dh は時刻 t + 1 が返した dh_prev)を渡します",
)
WRONG_DIRECTION = Text(
    "backpropagation through time goes back in time: for t in reversed(range(T)), from the last step to the "
    "first, because step t needs the gradient coming from step t + 1",
    "通時的逆伝播は時間を逆にたどります: for t in reversed(range(T)) で最後の時刻から最初へ進みます。"
    "時刻 t には時刻 t + 1 から来る勾配が必要だからです",
)
ONE_CELL = Text(
    "one RNN object was reused for every step, so its cache holds only the last step's x, h_prev and h_next: "
    "create a new RNN(*self.params) per time step in forward and keep them all in self.layers",
    "1 つの RNN オブジェクトを全時刻で使い回しているので、その cache には最後の時刻の x、h_prev、h_next しか"
    "残っていません。forward では時刻ごとに新しい RNN(*self.params) を作り、すべて self.layers に保存します",
)
CELL_WITHOUT_DERIVATIVE = Text(
    "these are the gradients of an RNN cell whose backward skips tanh's derivative: fix RNN.backward first "
    "(dt = dh_next * (1 - h_next ** 2)); TimeRNN uses it at every step",
    "これは tanh の微分を飛ばした RNN セルの勾配です。先に RNN.backward を直してください"
    "(dt = dh_next * (1 - h_next ** 2))。TimeRNN は各時刻でそれを使います",
)

STEP_FORWARD_WRONG = Text(
    "hs is what T steps of an RNN.forward with a known mistake give (the check 'RNN: forward is "
    "tanh(h_prev @ Wh + x @ Wx + b)' names it), while the loop over time is right: fix RNN.forward first",
    "hs は既知の間違いを含む RNN.forward を T 時刻分適用した結果と一致します(チェック「RNN: forward が "
    "tanh(h_prev @ Wh + x @ Wx + b)」がその間違いを示します)。時間方向のループは正しいので、先に RNN.forward を"
    "直してください",
)
STEP_WRONG = Text(
    "these are the right sums over time of wrong step gradients: every step's gradients are what an "
    "RNN.backward with a known mistake gives (the check 'RNN: backward gives dx, dh_prev and dWx, dWh, db' names "
    "it), while the loop over time is right; fix the step's backward first",
    "時間方向の和のとり方は正しいのですが、各時刻の勾配が間違っています。各時刻の勾配は既知の間違いを含む "
    "RNN.backward が返すものと一致します(チェック「RNN: backward が dx と dh_prev を返し、self.grads に dWx・dWh・db を"
    "求める」がその間違いを示します)。時間方向のループは正しいので、先に各時刻の backward を直してください",
)
# RNN.backward's known mistakes (_rnn_backward_mistakes) and the gradients each one changes
STEP_MISTAKES = {
    "tanh twice": ("dxs", "dWx", "dWh", "db"),
    "derivative of h_prev": ("dxs", "dWx", "dWh", "db"),
    "Wh not transposed": ("dxs", "dWx", "dWh", "db"),
    "dWh transposed": ("dWh",),
    "dWh of h_next": ("dWh",),
    "db mean": ("db",),
}


def _time_rnn_mistakes(case: Case) -> list[Known]:
    values = dict(case.values)
    xs, Wx, Wh, b = (values[key] for key in ("xs", "Wx", "Wh", "b"))
    n, steps, _ = xs.shape
    h = Wx.shape[1]
    found = [
        Known("hs", np.tanh(xs @ Wx + b), NOT_CARRIED_FORWARD),
        Known("hs", None, ONLY_LAST, shape=(n, h)),
    ]
    if n != steps:
        found.append(Known("hs", None, TIME_AXIS, shape=(steps, n, h)))
    found += [Known("hs", _unroll(values, step=step)[0], STEP_FORWARD_WRONG) for step in FORWARD_STEP_MISTAKES.values()]
    if not isinstance(case.dout, np.ndarray):
        return found
    dhs = case.dout
    grads = ("dxs", "dWx", "dWh", "db")
    for how, hint in (
        ({"keep": "first"}, NOT_SUMMED_OVER_TIME),
        ({"keep": "last"}, NOT_SUMMED_OVER_TIME),
        ({"carry": False}, DH_NOT_CARRIED),
        ({"backwards": False}, WRONG_DIRECTION),
        ({"cache_of": steps - 1}, ONE_CELL),
        ({"derivative": False}, CELL_WITHOUT_DERIVATIVE),
    ):
        if steps == 1 and "derivative" not in how:
            continue  # one step: these mistakes change nothing
        wrong = _bptt(values, dhs, **how)
        names = ("dWx", "dWh", "db") if "keep" in how else grads
        found += [Known(name, wrong[name], hint) for name in names]
    for mistake, changed in STEP_MISTAKES.items():
        if mistake == "db mean" and n == 1:
            continue  # the mean of one sample is the sum
        wrong = _bptt(values, dhs, step_mistake=mistake)
        found += [Known(name, wrong[name], STEP_WRONG) for name in changed]
    return found


def _time_case(
    rng: np.random.Generator, n: int, steps: int, d: int, h: int, *, hygiene: bool = False, default: bool = False
) -> Case:
    """A TimeRNN(Wx, Wh, b, False) case; with ``default``, stateful is left out (its default is False)."""
    values: dict[str, Any] = {**_parameters(rng, d, h), "stateful": False}
    values["xs"] = rng.normal(size=(n, steps, d))
    label = plain(f"N={n}, T={steps}, D={d}, H={h}" + (", TimeRNN(Wx, Wh, b)" if default else ""))
    defaults = ("stateful",) if default else ()
    return Case(label, values, rng.normal(size=(n, steps, h)), hygiene, defaults=defaults)


def _time_rnn() -> Layer:
    rng = generator(1111)
    forward_cases = [
        _time_case(rng, 2, 4, 3, 5, default=True),
        _time_case(rng, 3, 1, 2, 2),
        _time_case(rng, 1, 5, 2, 3),
    ]
    gradient_cases = (
        _time_case(rng, 2, 4, 3, 4, hygiene=True, default=True),
        _time_case(rng, 1, 3, 2, 3),
        _time_case(rng, 3, 1, 2, 2),
    )
    return Layer(
        name="TimeRNN",
        constructor=("Wx", "Wh", "b", "stateful"),
        reference=TimeRNN,
        params=(Param("Wx", "dWx", GradsItem(0)), Param("Wh", "dWh", GradsItem(1)), Param("b", "db", GradsItem(2))),
        inputs=(Input("xs", "dxs"),),
        outputs=("hs",),
        mistakes=_time_rnn_mistakes,
        forward=(
            Cases(
                Text(
                    "TimeRNN: forward runs the cell over T steps from a zero state, hs (N, T, H)",
                    "TimeRNN: forward が 0 の状態からセルを T 時刻分適用し、hs (N, T, H) を返す",
                ),
                Text(
                    "TimeRNN(Wx, Wh, b) with N=2, T=4, D=3, H=5; TimeRNN(Wx, Wh, b, False) with N=3, T=1 and N=1, T=5",
                    "TimeRNN(Wx, Wh, b) で N=2, T=4, D=3, H=5。TimeRNN(Wx, Wh, b, False) で N=3, T=1 と N=1, T=5",
                ),
                tuple(Case(case.label, case.values, defaults=case.defaults) for case in forward_cases),
            ),
        ),
        gradient=(
            Cases(
                Text(
                    "TimeRNN: backward gives dxs and the gradients summed over time in self.grads (gradient check)",
                    "TimeRNN: backward が dxs を返し、self.grads に時間方向に足し合わせた勾配を求める(勾配確認)",
                ),
                Text(
                    "N=2, T=4, D=3, H=4; N=1, T=3, D=2, H=3; N=3, T=1, D=H=2; random dhs",
                    "N=2, T=4, D=3, H=4。N=1, T=3, D=2, H=3。N=3, T=1, D=H=2。dhs はランダム",
                ),
                gradient_cases,
            ),
        ),
        hygiene=Hygiene(
            Text(
                "TimeRNN(Wx, Wh, b), N=2, T=4, D=3, H=4, random dhs",
                "TimeRNN(Wx, Wh, b)、N=2, T=4, D=3, H=4、ランダムな dhs",
            )
        ),
        forward_hint=Text(
            "self.h = zeros (N, H) unless carried; for t in range(T): layer = RNN(*self.params), "
            "self.h = layer.forward(xs[:, t, :], self.h), hs[:, t, :] = self.h",
            "引き継がないときは self.h = 0 (N, H)。for t in range(T): layer = RNN(*self.params)、"
            "self.h = layer.forward(xs[:, t, :], self.h)、hs[:, t, :] = self.h です",
        ),
        backward_hint=Text(
            "dh = 0; for t in reversed(range(T)): dx, dh = self.layers[t].backward(dhs[:, t, :] + dh), "
            "dxs[:, t, :] = dx, grads[i] += layer.grads[i]; then self.grads[i][...] = grads[i], self.dh = dh",
            "dh = 0。for t in reversed(range(T)): dx, dh = self.layers[t].backward(dhs[:, t, :] + dh)、"
            "dxs[:, t, :] = dx、grads[i] += layer.grads[i]。最後に self.grads[i][...] = grads[i]、self.dh = dh です",
        ),
    )


# ----------------------------------------------------------------- TimeRNN: state and self.dh

NOT_STATEFUL = Text(
    "with stateful=True the second forward must start from the last hidden state of the first: keep it "
    "(self.h = the last h_next) and start from it when self.stateful and self.h is not None; yours starts "
    "from zeros again",
    "stateful=True のとき、2 回目の forward は 1 回目の最後の隠れ状態から始めます。それを保存し"
    "(self.h = 最後の h_next)、self.stateful で self.h が None でなければそこから始めてください。"
    "0 から始め直しています",
)
FIRST_STATE_CARRIED = Text(
    "the state carried over is the first step's; carry the last step's hidden state, hs[:, -1, :]",
    "引き継いだのは最初の時刻の状態です。最後の時刻の隠れ状態 hs[:, -1, :] を引き継ぎます",
)
RESET_KEEPS = Text(
    "reset_state() must forget the carried state (self.h = None), so the next forward starts from zeros",
    "reset_state() は引き継いでいる状態を捨てます(self.h = None)。次の forward は 0 から始まります",
)
CARRIED_WHEN_NOT_STATEFUL = Text(
    "with stateful=False (the default) every forward starts from zeros: carry the state over only when "
    "self.stateful is True",
    "stateful=False(既定値)のとき、forward は毎回 0 から始めます。状態を引き継ぐのは self.stateful が True の"
    "ときだけです",
)
DEFAULT_NOT_STATEFUL = Text(
    "the default is stateful=False: def __init__(self, Wx, Wh, b, stateful=False), so TimeRNN(Wx, Wh, b) starts "
    "every forward from zeros",
    "既定値は stateful=False です: def __init__(self, Wx, Wh, b, stateful=False)。TimeRNN(Wx, Wh, b) は forward の"
    "たびに 0 から始めます",
)
FORWARD_FIRST = Text(
    "the forward itself is wrong (see 'TimeRNN: forward runs the cell over T steps'): fix it first",
    "forward そのものが間違っています(「TimeRNN: forward がセルを T 時刻分適用」を参照)。先に直してください",
)


def _state_check() -> Check:
    rng = generator(1121)
    values: dict[str, Any] = _parameters(rng, 3, 4)
    first, second = rng.normal(size=(2, 3, 3)), rng.normal(size=(2, 3, 3))
    probe = Probe()
    refs = [probe.array(values[key]) for key in ("Wx", "Wh", "b")]
    first_ref, second_ref = probe.array(first), probe.array(second)
    stateful = probe.new("TimeRNN", *refs, True)
    probe.save(probe.method(stateful, "forward", first_ref), "stateful:1")
    probe.save(probe.method(stateful, "forward", second_ref), "stateful:2")
    probe.method(stateful, "reset_state")
    probe.save(probe.method(stateful, "forward", second_ref), "reset")
    plain_layer = probe.new("TimeRNN", *refs, False)
    probe.save(probe.method(plain_layer, "forward", first_ref), "stateless:1")
    probe.save(probe.method(plain_layer, "forward", second_ref), "stateless:2")
    default_layer = probe.new("TimeRNN", *refs)
    probe.method(default_layer, "forward", first_ref)
    probe.save(probe.method(default_layer, "forward", second_ref), "default:2")

    def run_from(xs: np.ndarray, h0: np.ndarray | None) -> np.ndarray:
        return _unroll({**values, "xs": xs}, h0)[0]

    hs1 = run_from(first, None)
    hs2 = run_from(second, hs1[:, -1])
    fresh = run_from(second, None)
    steps: list[tuple[str, np.ndarray, Text, list[Variant]]] = [
        (
            "stateful:1",
            hs1,
            Text("TimeRNN(Wx, Wh, b, True), first forward(xs1):", "TimeRNN(Wx, Wh, b, True) の 1 回目の forward(xs1):"),
            [],
        ),
        (
            "stateful:2",
            hs2,
            Text(
                "then forward(xs2), which must start from the last hidden state of forward(xs1):",
                "続く forward(xs2) は forward(xs1) の最後の隠れ状態から始まるはずです:",
            ),
            [Variant(fresh, NOT_STATEFUL), Variant(run_from(second, hs1[:, 0]), FIRST_STATE_CARRIED)],
        ),
        (
            "reset",
            fresh,
            Text(
                "then reset_state() and forward(xs2), which must start from zeros:",
                "続いて reset_state() のあとの forward(xs2) は 0 から始まるはずです:",
            ),
            [Variant(run_from(second, hs2[:, -1]), RESET_KEEPS)],
        ),
        (
            "stateless:1",
            hs1,
            Text(
                "TimeRNN(Wx, Wh, b, False), first forward(xs1):", "TimeRNN(Wx, Wh, b, False) の 1 回目の forward(xs1):"
            ),
            [],
        ),
        (
            "stateless:2",
            fresh,
            Text(
                "then forward(xs2), which must start from zeros again:",
                "続く forward(xs2) も 0 から始まるはずです:",
            ),
            [Variant(run_from(second, hs1[:, -1]), CARRIED_WHEN_NOT_STATEFUL)],
        ),
        (
            "default:2",
            fresh,
            Text(
                "TimeRNN(Wx, Wh, b) (stateful left out): forward(xs1), then forward(xs2), which must start from zeros:",
                "TimeRNN(Wx, Wh, b)(stateful を省略): forward(xs1) に続く forward(xs2) は 0 から始まるはずです:",
            ),
            [Variant(run_from(second, hs1[:, -1]), DEFAULT_NOT_STATEFUL)],
        ),
    ]

    def verify(run: ProbeRun) -> Verdict:
        for key, want, label, variants in steps:
            got = run.output(key)
            atol = STATE_RTOL * float(np.max(np.abs(want)))
            lines = close(got, want, what="hs", rtol=STATE_RTOL, atol=atol)
            if lines:
                variant = matching_variant(got, variants, STATE_RTOL, atol)
                first_call = key.endswith(":1")
                hint = variant.hint if variant else FORWARD_FIRST if first_call else None
                return Verdict.fail([label, *lines], hint)
        return Verdict.ok()

    return Check(
        "TimeRNN: stateful=True carries the last hidden state into the next forward, reset_state() and "
        "stateful=False (the default) start from zeros",
        "TimeRNN: stateful=True なら最後の隠れ状態を次の forward に引き継ぎ、reset_state() のあとと "
        "stateful=False(既定値)では 0 から始める",
        probe,
        verify,
        hint=Text(
            "in forward: if not self.stateful or self.h is None: self.h = np.zeros((N, H)); after the loop self.h "
            "is the last hidden state; reset_state(): self.h = None",
            "forward で: if not self.stateful or self.h is None: self.h = np.zeros((N, H))。ループの後の self.h が"
            "最後の隠れ状態です。reset_state() では self.h = None とします",
        ),
        context=Text(
            "Wx (3, 4), Wh (4, 4), b (4,); xs1, xs2 (2, 3, 3); stateful: forward(xs1), forward(xs2), "
            "reset_state(), forward(xs2); stateful=False and left out: forward(xs1), forward(xs2)",
            "Wx (3, 4)、Wh (4, 4)、b (4,)。xs1, xs2 (2, 3, 3)。stateful: forward(xs1)、forward(xs2)、"
            "reset_state()、forward(xs2)。stateful=False と省略時: forward(xs1)、forward(xs2)",
        ),
    )


DH_MISSING = Text(
    "keep the hidden-state gradient left after the loop's last step (t = 0) in self.dh: it is dL/dh0, the "
    "gradient of the initial state, where truncated BPTT stops",
    "ループの最後(t = 0)の後に残った隠れ状態の勾配を self.dh に保存してください。これは最初の隠れ状態に"
    "ついての勾配 dL/dh0 で、Truncated BPTT はそこで止まります",
)
DH_FIRST_STEP = Text(
    "self.dh holds the gradient after step T - 1 (the loop's first step); it must be the one after step 0, "
    "the last step of the backward loop: set self.dh = dh after the loop",
    "self.dh が時刻 T - 1(ループの最初)の後の勾配です。逆伝播のループで最後に処理する時刻 0 の後の勾配が"
    "必要です。ループの後で self.dh = dh としてください",
)


DH_GRADIENTS_WRONG = Text(
    "self.dh comes from the same backward step (t = 0) as dxs[:, 0], and dxs[:, 0] is wrong too: the gradients "
    "themselves are wrong, not the place they are kept; fix RNN.backward and TimeRNN's forward and backward first "
    "(see their checks), then self.dh = dh after the loop follows",
    "self.dh は dxs[:, 0] と同じ逆伝播のステップ(t = 0)から得られますが、dxs[:, 0] も間違っています。"
    "間違っているのは保存場所ではなく勾配そのものです。先に RNN.backward と TimeRNN の forward・backward を"
    "直してください(それぞれのチェックを参照)。そうすればループの後の self.dh = dh も正しくなります",
)
DH_START_CARRIED = Text(
    "self.dh is right after a forward from zeros, but after a forward from a carried state it is wrong, and so is "
    "dxs[:, 0]: that forward did not start from the last hidden state of the previous one (see the check "
    "'TimeRNN: stateful=True carries the last hidden state'); fix the carried state first",
    "0 から始めた forward の後の self.dh は正しいのですが、引き継いだ状態から始めた forward の後では self.dh も "
    "dxs[:, 0] も間違っています。その forward が前の forward の最後の隠れ状態から始まっていません"
    "(チェック「TimeRNN: stateful=True なら最後の隠れ状態を次の forward に引き継ぎ」を参照)。"
    "先に引き継ぐ状態を直してください",
)


def _dh_check() -> Check:
    rng = generator(1131)
    values: dict[str, Any] = _parameters(rng, 2, 3)
    warm, xs, dhs = rng.normal(size=(2, 4, 2)), rng.normal(size=(2, 4, 2)), rng.normal(size=(2, 4, 3))
    probe = Probe()
    refs = [probe.array(values[key]) for key in ("Wx", "Wh", "b")]
    xs_ref, dhs_ref = probe.array(xs), probe.array(dhs)
    fresh = probe.new("TimeRNN", *refs)
    probe.method(fresh, "forward", xs_ref)
    probe.save(probe.method(fresh, "backward", dhs_ref), "fresh:dxs")
    probe.save(probe.attr(fresh, "dh"), "fresh")
    carried = probe.new("TimeRNN", *refs, True)
    probe.method(carried, "forward", warm)
    probe.method(carried, "forward", xs_ref)
    probe.save(probe.method(carried, "backward", dhs_ref), "stateful:dxs")
    probe.save(probe.attr(carried, "dh"), "stateful")

    own = {**values, "xs": xs}
    h0 = _unroll({**values, "xs": warm})[0][:, -1]
    cases = []
    for key, start, label in (
        (
            "fresh",
            None,
            Text("TimeRNN(Wx, Wh, b): forward(xs), backward(dhs):", "TimeRNN(Wx, Wh, b): forward(xs)、backward(dhs):"),
        ),
        (
            "stateful",
            h0,
            Text(
                "TimeRNN(Wx, Wh, b, True): forward(xs0), forward(xs), backward(dhs) (the initial state is the "
                "last state of forward(xs0)):",
                "TimeRNN(Wx, Wh, b, True): forward(xs0)、forward(xs)、backward(dhs)(最初の隠れ状態は "
                "forward(xs0) の最後の状態):",
            ),
        ),
    ):
        layer = TimeRNN(values["Wx"], values["Wh"], values["b"], True)
        if start is not None:
            layer.forward(warm)
        layer.forward(xs)
        first_dx = np.asarray(layer.backward(dhs), dtype=np.float64)[:, 0]
        want = np.asarray(layer.dh, dtype=np.float64)
        variants = [
            Variant(_bptt(own, dhs, start)["dh_first"], DH_FIRST_STEP),
            Variant(_bptt(own, dhs, start, carry=False)["dh"], DH_NOT_CARRIED),
            Variant(_bptt(own, dhs, start, backwards=False)["dh"], WRONG_DIRECTION),
            Variant(_bptt(own, dhs, start, cache_of=xs.shape[1] - 1)["dh"], ONE_CELL),
            Variant(_bptt(own, dhs, start, derivative=False)["dh"], CELL_WITHOUT_DERIVATIVE),
        ]
        cases.append((key, want, first_dx, label, variants))

    def first_step_wrong(run: ProbeRun, key: str, first_dx: np.ndarray) -> bool:
        """Whether dxs[:, 0], from the same backward step as self.dh, is wrong too."""
        dxs = run.output(f"{key}:dxs").array
        if dxs is None or dxs.dtype.kind not in "biuf" or dxs.shape != xs.shape:
            return False  # nothing to tell from: the gradient check says what is wrong with dxs
        return not is_close(dxs[:, 0], first_dx, 1e-7, 1e-10 * float(np.max(np.abs(first_dx))))

    def verify(run: ProbeRun) -> Verdict:
        for key, want, first_dx, label, variants in cases:
            got = run.output(key)
            if got.kind == "none":
                line = Text(
                    "self.dh is not set (None) after backward", "backward の後も self.dh が設定されていません(None)"
                )
                return Verdict.fail([label, line], DH_MISSING)
            atol = 1e-10 * float(np.max(np.abs(want)))
            lines = close(got, want, what="self.dh", rtol=1e-7, atol=atol)
            if lines:
                variant = matching_variant(got, variants, 1e-7, atol)
                if variant is not None:
                    return Verdict.fail([label, *lines], variant.hint)
                if first_step_wrong(run, key, first_dx):
                    # the step's gradients are wrong, not where dh is kept
                    return Verdict.fail([label, *lines], DH_START_CARRIED if key == "stateful" else DH_GRADIENTS_WRONG)
                return Verdict.fail([label, *lines])
        return Verdict.ok()

    return Check(
        "TimeRNN: backward keeps the gradient of the initial hidden state in self.dh",
        "TimeRNN: backward は最初の隠れ状態についての勾配を self.dh に保存する",
        probe,
        verify,
        hint=DH_MISSING,
        context=Text(
            "Wx (2, 3), Wh (3, 3), b (3,); xs0, xs (2, 4, 2); random dhs (2, 4, 3); a zero and a carried initial state",
            "Wx (2, 3)、Wh (3, 3)、b (3,)。xs0, xs (2, 4, 2)。ランダムな dhs (2, 4, 3)。最初の隠れ状態が 0 の場合と"
            "引き継いだ場合",
        ),
    )


# ----------------------------------------------------------------- clip_grads

CLIP_PER_ARRAY = Text(
    "each array was clipped by its own norm: gradient clipping computes one norm over all the arrays together, "
    "norm = sqrt(sum of every squared element of every array), and scales all of them by the same factor, "
    "so the direction of the whole gradient is kept",
    "配列ごとに自分のノルムでクリップしています。勾配クリッピングでは全配列をまとめて 1 つのノルム "
    "norm = sqrt(全配列の全要素の 2 乗の和) を計算し、すべての配列に同じ係数を掛けます。そうすれば勾配全体の"
    "向きが保たれます",
)
CLIP_NOT_IN_PLACE = Text(
    "change the arrays themselves: for grad in grads: grad *= rate. grads[i] = grads[i] * rate, a new list, or "
    "grads = [...] leave the arrays the caller (the model's grads) holds unchanged",
    "配列そのものを変更してください: for grad in grads: grad *= rate。grads[i] = grads[i] * rate、新しいリスト、"
    "grads = [...] では、呼び出し側(モデルの grads)が持つ配列は変わりません",
)
CLIP_INVERTED = Text(
    "the factor is rate = max_norm / (norm + 1e-6), which is below 1 when the norm is too large; norm / max_norm "
    "makes large gradients larger",
    "係数は rate = max_norm / (norm + 1e-6) で、ノルムが大きすぎるとき 1 より小さくなります。norm / max_norm では"
    "大きな勾配がさらに大きくなります",
)
CLIP_SUM_OF_NORMS = Text(
    "the global norm is the square root of the sum of all squared elements, not the sum of the arrays' norms",
    "全体のノルムは全要素の 2 乗の和の平方根です。各配列のノルムの和ではありません",
)
CLIP_NO_SQRT = Text(
    "take the square root: norm = np.sqrt(sum of the squares)", "平方根をとってください: norm = np.sqrt(2 乗の和)"
)
CLIP_ALWAYS = Text(
    "multiply only when rate < 1: gradients whose norm is already at most max_norm are left as they are (never "
    "scaled up)",
    "掛けるのは rate < 1 のときだけです。ノルムがすでに max_norm 以下の勾配はそのままにします(大きくはしません)",
)
CLIP_UNCHANGED = Text(
    "nothing reached the caller's arrays. Either the factor was applied to new arrays (a new list, "
    "grads = [...] or grads[i] = grads[i] * rate leave the arrays the caller holds unchanged: use grad *= rate), "
    "or it was never applied: with rate = max_norm / (norm + 1e-6), scale when rate < 1",
    "呼び出し側の配列が何も変わっていません。係数を新しい配列に掛けた(新しいリスト、grads = [...]、"
    "grads[i] = grads[i] * rate では呼び出し側の配列は変わりません。grad *= rate を使います)か、係数を一度も"
    "掛けていないかのどちらかです。rate = max_norm / (norm + 1e-6) とし、rate < 1 のときに掛けます",
)
CLIP_HINT = Text(
    "norm = np.sqrt(sum(np.sum(g ** 2) for g in grads)); rate = max_norm / (norm + 1e-6); "
    "if rate < 1: for g in grads: g *= rate",
    "norm = np.sqrt(sum(np.sum(g ** 2) for g in grads))、rate = max_norm / (norm + 1e-6)、"
    "if rate < 1: for g in grads: g *= rate です",
)


def _clipped(arrays: Sequence[np.ndarray], max_norm: float) -> list[np.ndarray]:
    copies = [array.copy() for array in arrays]
    clip_grads(copies, max_norm)
    return copies


def _clip_variants(arrays: Sequence[np.ndarray], max_norm: float) -> list[Variant]:
    squares = [float(np.sum(a**2)) for a in arrays]
    norm = float(np.sqrt(sum(squares)))
    per_array = [a * min(1.0, max_norm / (np.sqrt(s) + 1e-6)) for a, s in zip(arrays, squares, strict=True)]
    summed = sum(float(np.sqrt(s)) for s in squares)
    return [
        Variant(np.concatenate([a.ravel() for a in per_array]), CLIP_PER_ARRAY),
        Variant(np.concatenate([(a * norm / max_norm).ravel() for a in arrays]), CLIP_INVERTED),
        Variant(np.concatenate([(a * max_norm / (summed + 1e-6)).ravel() for a in arrays]), CLIP_SUM_OF_NORMS),
        Variant(np.concatenate([(a * max_norm / (sum(squares) + 1e-6)).ravel() for a in arrays]), CLIP_NO_SQRT),
    ]


def _flat(run: ProbeRun, prefix: str, arrays: Sequence[np.ndarray]) -> np.ndarray | None:
    """Saved arrays ``prefix:i`` as one flat float64 array, or None when one is unusable."""
    found = []
    for index, original in enumerate(arrays):
        array = run.output(f"{prefix}:{index}").array
        if array is None or array.shape != original.shape or array.dtype.kind not in "biuf":
            return None
        found.append(array.astype(np.float64).ravel())
    return np.concatenate(found)


def _clip_probe(groups: Sequence[tuple[Sequence[np.ndarray], float]]) -> Probe:
    probe = Probe()
    for number, (arrays, max_norm) in enumerate(groups):
        refs = [probe.array(array) for array in arrays]
        grads = probe.list(*refs)
        probe.call("clip_grads", grads, max_norm)
        for index, ref in enumerate(refs):
            probe.save(ref, f"{number}:array:{index}")
            item = probe.item(grads, index)  # type: ignore[arg-type]
            probe.save(item, f"{number}:item:{index}")
            probe.save(probe.same(ref, item), f"{number}:same:{index}")
    return probe


def _clip_above_check() -> Check:
    rng = generator(1141)
    shapes = [(3, 4), (4, 4), (4,)]
    norms = [3.0, 0.4, 4.0]  # per-array clipping would spare the middle one
    arrays = []
    for shape, norm in zip(shapes, norms, strict=True):
        a = rng.normal(size=shape)
        arrays.append(a * norm / np.sqrt(np.sum(a**2)))
    max_norm = 2.0
    expected = _clipped(arrays, max_norm)
    flat_expected = np.concatenate([a.ravel() for a in expected])
    total = float(np.sqrt(sum(np.sum(a**2) for a in arrays)))
    variants = _clip_variants(arrays, max_norm)
    atol = CLIP_RTOL * 1e-3 * float(np.max(np.abs(flat_expected)))

    def verify(run: ProbeRun) -> Verdict:
        got = _flat(run, "0:array", arrays)
        if got is not None and is_close(got, flat_expected, CLIP_RTOL, atol):
            return Verdict.ok()
        items = _flat(run, "0:item", arrays)
        replaced = [index for index in range(len(arrays)) if not bool(np.all(run.output(f"0:same:{index}").array))]
        if items is not None and is_close(items, flat_expected, CLIP_RTOL, atol) and replaced:
            line = Text(
                f"the list now holds new, clipped arrays at {replaced}, but the arrays that were in it are unchanged",
                f"リストの {replaced} 番目は新しいクリップ済みの配列になりましたが、もとの配列は変わっていません",
            )
            return Verdict.fail([line], CLIP_NOT_IN_PLACE)
        if all(untouched(run.output(f"0:array:{i}").array, a) for i, a in enumerate(arrays)):
            line = Text(
                f"every array is unchanged, but the global norm {total:.6g} is above max_norm = {max_norm:g}: "
                f"each should have been multiplied by {max_norm / (total + 1e-6):.6g}",
                f"どの配列も変わっていませんが、全体のノルム {total:.6g} は max_norm = {max_norm:g} を超えています。"
                f"各配列に {max_norm / (total + 1e-6):.6g} を掛けるはずです",
            )
            return Verdict.fail([line], CLIP_UNCHANGED)
        lines: list[Text] = []
        for index, want in enumerate(expected):
            lines = close(run.output(f"0:array:{index}"), want, what=f"grads[{index}]", rtol=CLIP_RTOL, atol=atol)
            if lines:
                break
        variant = matching_variant(got, variants, CLIP_RTOL, atol) if got is not None else None
        return Verdict.fail(lines, variant.hint if variant else None)

    return Check(
        "clip_grads: above max_norm, every array is scaled in place by one factor, max_norm / (global norm + 1e-6)",
        "clip_grads: max_norm を超えるとき、すべての配列をその場で同じ係数 max_norm / (全体のノルム + 1e-6) 倍する",
        _clip_probe([(arrays, max_norm)]),
        verify,
        hint=CLIP_HINT,
        context=Text(
            f"grads = [(3, 4), (4, 4), (4,)] with norms 3, 0.4, 4 (global norm {total:.4g}); max_norm = {max_norm:g}",
            f"grads = [(3, 4), (4, 4), (4,)]、ノルムは 3・0.4・4(全体のノルム {total:.4g})。max_norm = {max_norm:g}",
        ),
    )


CLIP_EPS = Text(
    "rate = max_norm / (norm + 1e-6): the 1e-6 is part of the formula (it keeps an all-zero gradient from "
    "dividing by 0), and for a small norm it shows: here it moves the factor by 0.5 %",
    "rate = max_norm / (norm + 1e-6) です。1e-6 も式の一部で(すべて 0 の勾配で 0 で割らないため)、ノルムが"
    "小さいと効いてきます。ここでは係数が 0.5 % 変わります",
)


def _clip_small_norm_check() -> Check:
    rng = generator(1145)
    arrays = [rng.normal(size=(2, 3)), rng.normal(size=(3,))]
    scale = 2e-4 / float(np.sqrt(sum(np.sum(a**2) for a in arrays)))
    arrays = [a * scale for a in arrays]
    max_norm = 1e-4
    expected = _clipped(arrays, max_norm)
    without_eps = [a * max_norm / 2e-4 for a in arrays]

    def verify(run: ProbeRun) -> Verdict:
        for index, want in enumerate(expected):
            got = run.output(f"0:array:{index}")
            atol = CLIP_RTOL * 1e-3 * float(np.max(np.abs(want)))
            lines = close(got, want, what=f"grads[{index}]", rtol=CLIP_RTOL, atol=atol)
            if lines:
                no_eps = is_close(got, without_eps[index], CLIP_RTOL, atol)
                unchanged_all = all(untouched(run.output(f"0:array:{i}").array, a) for i, a in enumerate(arrays))
                return Verdict.fail(lines, CLIP_EPS if no_eps else CLIP_UNCHANGED if unchanged_all else None)
        return Verdict.ok()

    return Check(
        "clip_grads: the factor is max_norm / (norm + 1e-6), also for a small global norm",
        "clip_grads: ノルムが小さいときも係数は max_norm / (norm + 1e-6)",
        _clip_probe([(arrays, max_norm)]),
        verify,
        hint=CLIP_HINT,
        context=Text(
            "grads = [(2, 3), (3,)] of global norm 2e-4, max_norm = 1e-4 (factor 0.4975, not 0.5)",
            "全体のノルム 2e-4 の grads = [(2, 3), (3,)]、max_norm = 1e-4(係数は 0.5 ではなく 0.4975)",
        ),
    )


def _clip_below_check() -> Check:
    rng = generator(1151)
    small = [rng.normal(size=(2, 3)), rng.normal(size=(3,))]
    scale = 1.5 / float(np.sqrt(sum(np.sum(a**2) for a in small)))
    small = [a * scale for a in small]
    zeros = [np.zeros((2, 2)), np.zeros(2)]
    groups: list[tuple[Sequence[np.ndarray], float]] = [(small, 2.5), (zeros, 1.0)]
    labels = [
        Text("global norm 1.5, max_norm = 2.5:", "全体のノルム 1.5、max_norm = 2.5:"),
        Text("all-zero gradients (norm 0), max_norm = 1:", "すべて 0 の勾配(ノルム 0)、max_norm = 1:"),
    ]

    def verify(run: ProbeRun) -> Verdict:
        for number, ((arrays, max_norm), label) in enumerate(zip(groups, labels, strict=True)):
            for index, original in enumerate(arrays):
                got = run.output(f"{number}:array:{index}")
                if untouched(got.array, original):
                    continue
                lines = close(got, original, what=f"grads[{index}]", rtol=1e-12, atol=0.0)
                lines = lines or [
                    Text(f"grads[{index}] changed", f"grads[{index}] が変わりました")
                ]  # e.g. -0.0 for 0.0 or another dtype
                scaled = [a * max_norm / (float(np.sqrt(sum(np.sum(b**2) for b in arrays))) + 1e-6) for a in arrays]
                flat = _flat(run, f"{number}:array", arrays)
                up = flat is not None and is_close(flat, np.concatenate([a.ravel() for a in scaled]), CLIP_RTOL, 0.0)
                return Verdict.fail([label, *lines], CLIP_ALWAYS if up or number == 1 else None)
        return Verdict.ok()

    return Check(
        "clip_grads: gradients whose global norm is below max_norm are left unchanged",
        "clip_grads: 全体のノルムが max_norm より小さい勾配は変更しない",
        _clip_probe(groups),
        verify,
        hint=CLIP_ALWAYS,
        context=Text(
            "grads = [(2, 3), (3,)] of global norm 1.5 with max_norm = 2.5; grads of zeros with max_norm = 1",
            "全体のノルム 1.5 の grads = [(2, 3), (3,)] と max_norm = 2.5。すべて 0 の grads と max_norm = 1",
        ),
    )


# ----------------------------------------------------------------- all checks


def build_checks() -> list[Check]:
    """Every check of exercise 11."""
    rnn_row, time_row = _rnn(), _time_rnn()
    rnn_case = _rnn_case(generator(1161), 2, 3, 4)
    time_case = _time_case(generator(1162), 2, 3, 3, 4)
    rnn = layer_checks(rnn_row)
    time_rnn = layer_checks(time_row)
    # forward, gradient, then what the rows can not see, then hygiene
    rnn[2:2] = [
        grads_in_place_check(
            rnn_row, rnn_case, plain(f"RNN(Wx, Wh, b), forward(x, h_prev), backward(dh_next); {rnn_case.label.en}")
        )
    ]
    time_rnn[1:1] = [_state_check()]
    time_rnn[3:3] = [
        _dh_check(),
        grads_in_place_check(
            time_row, time_case, plain(f"TimeRNN(Wx, Wh, b, False), forward(xs), backward(dhs); {time_case.label.en}")
        ),
    ]
    return [*rnn, *time_rnn, _clip_above_check(), _clip_small_norm_check(), _clip_below_check()]
