"""Checks for exercise 12: gated cells (LSTM, TimeLSTM, GRU).

LSTM, TimeLSTM and GRU are each one ``Layer`` row of the layer-check engine
(``grader.checks.layers``): a forward check against the reference, a gradient
check (a random ``dout`` for every output, every gradient: the inputs', and
the parameters' in ``self.grads``, against the learner's own forward and
against the reference) and a hygiene check.  The inputs expose the classic
mistakes: D != H, so a transposed weight can not pass; pre-activations of
order 1, so every sigmoid and tanh derivative is far from 0 and from 1; a
non-zero ``c_prev`` and ``h_prev``, so a dropped path shows; batch size 1
beside a batch of 3, so a gradient not summed over the batch shows by its
shape.  Each row's ``mistakes`` replay the known wrong answers (every wrong
order of the LSTM's gate blocks, the f missing from dc_prev, the tanh'(c_next)
missing on the way from dh_next to c_next, GRU's z and 1 - z swapped, r
applied after the product, dWh of the candidate without r, the gradient of a
TimeLSTM overwritten instead of summed over time, the cell state not carried
...) so that the feedback names the misconception.

Beside the rows:

- ``TimeLSTM``'s state: with ``stateful=True`` the second forward continues
  from ``self.h`` and ``self.c`` of the first, ``reset_state()`` forgets both,
  and without it every forward starts from zeros.
- ``TimeLSTM``'s ``self.dh`` after a backward from a kept, non-zero state.
- For each class, ``self.params`` holds ``[Wx, Wh, b]`` and backward writes
  into the arrays ``self.grads`` held when the layer was built: a model of
  the book gathers those lists once (``self.grads += layer.grads``), so a
  backward that puts new arrays in their place is never seen by the optimizer.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from grader.checks.common import generator
from grader.checks.layers import (
    FORWARD_RTOL,
    GRADIENT_RTOL,
    Case,
    Cases,
    GradsItem,
    Hygiene,
    Input,
    Known,
    Layer,
    Param,
    layer_checks,
)
from grader.checks.verdicts import close, is_close, value_of
from grader.grading.engine import Check
from grader.grading.results import Verdict
from grader.sandbox.client import Probe, ProbeRun, Ref
from grader.text import Text, plain
from reference import GRU, LSTM, TimeLSTM

Arrays = dict[str, np.ndarray]
Values = Mapping[str, Any]  # a case's values: arrays by name
GATES = "fgio"  # the contract's order of the LSTM's blocks
PARAMS = (
    Param("Wx", "dWx", GradsItem(0)),
    Param("Wh", "dWh", GradsItem(1)),
    Param("b", "db", GradsItem(2)),
)


def _sigmoid(a: np.ndarray) -> np.ndarray:
    return np.asarray(1.0 / (1.0 + np.exp(-a)))


def _weights(rng: np.random.Generator, D: int, H: int, blocks: int) -> Arrays:
    """Weights that keep every pre-activation of order 1 (no gate saturates, none sits at 1/2)."""
    return {
        "Wx": rng.normal(scale=0.8 / np.sqrt(D), size=(D, blocks * H)),
        "Wh": rng.normal(scale=0.8 / np.sqrt(H), size=(H, blocks * H)),
        "b": rng.uniform(0.2, 0.8, size=blocks * H) * rng.choice([-1.0, 1.0], size=blocks * H),
    }


# ----------------------------------------------------------------- LSTM: the known mistakes, replayed


def _lstm_forward(values: Values, order: str = GATES, out_tanh: bool = True) -> tuple[np.ndarray, ...]:
    """h_next, c_next and the gates; ``order`` names the gate each block of A is read as."""
    H = values["h_prev"].shape[1]
    A = values["x"] @ values["Wx"] + values["h_prev"] @ values["Wh"] + values["b"]
    block = {gate: A[:, k * H : (k + 1) * H] for k, gate in enumerate(order)}
    f, i, o = _sigmoid(block["f"]), _sigmoid(block["i"]), _sigmoid(block["o"])
    g = np.tanh(block["g"])
    c_next = f * values["c_prev"] + g * i
    h_next = o * (np.tanh(c_next) if out_tanh else c_next)
    return h_next, c_next, f, g, i, o


def _lstm_backward(values: Values, douts: tuple[np.ndarray, ...], **wrong: bool) -> Arrays:
    """Every gradient of a right forward, with the backward mistakes named in ``wrong`` made."""
    dh, dc = douts
    _, c_next, f, g, i, o = _lstm_forward(values)
    tanh_c = np.tanh(c_next)
    through_h = dh * o if wrong.get("no_tanh_derivative_c") else dh * o * (1 - tanh_c**2)
    ds = through_h if wrong.get("dc_ignored") else dc + through_h
    gates = {
        "f": ds * values["c_prev"] * f * (1 - f),
        "g": ds * i * (1 - g**2),
        "i": ds * g * i * (1 - i),
        "o": dh * tanh_c * o * (1 - o),
    }
    if wrong.get("no_sigmoid_derivative"):
        gates.update(f=ds * values["c_prev"], i=ds * g, o=dh * tanh_c)
    if wrong.get("no_tanh_derivative_g"):
        gates["g"] = ds * i
    order = "ifgo" if wrong.get("pytorch_stack") else GATES
    dA = np.hstack([gates[gate] for gate in order])
    return {
        "dx": dA @ values["Wx"].T,
        "dh_prev": dA @ values["Wh"].T,
        "dc_prev": ds if wrong.get("no_f_in_dc") else ds * f,
        "dWx": values["x"].T @ dA,
        "dWh": values["h_prev"].T @ dA,
        "db": dA.sum(axis=0),
    }


def _order_hint(order: str) -> Text:
    named = ", ".join(order)
    pytorch = order == "ifgo"
    return Text(
        f"the blocks of A = x @ Wx + h_prev @ Wh + b are read in the order {named}"
        + (" (PyTorch's order)" if pytorch else "")
        + "; the exercise's order is f, g, i, o: f = sigmoid(A[:, :H]), g = tanh(A[:, H:2H]), "
        "i = sigmoid(A[:, 2H:3H]), o = sigmoid(A[:, 3H:])",
        f"A = x @ Wx + h_prev @ Wh + b のブロックを {named} の順に読んでいます"
        + ("(PyTorch の順番)" if pytorch else "")
        + "。この課題の順番は f, g, i, o です: f = sigmoid(A[:, :H])、g = tanh(A[:, H:2H])、"
        "i = sigmoid(A[:, 2H:3H])、o = sigmoid(A[:, 3H:])",
    )


NO_TANH_OUT = Text(
    "h_next = o * c_next: the cell state passes through tanh before the output gate, h_next = o * np.tanh(c_next)",
    "h_next = o * c_next になっています。記憶セルは tanh を通してから出力ゲートを掛けます: "
    "h_next = o * np.tanh(c_next)",
)
LSTM_BACKWARD_MISTAKES: tuple[tuple[str, Text], ...] = (
    (
        "no_f_in_dc",
        Text(
            "dc_prev misses the f factor: c_next = f * c_prev + g * i, so the gradient reaching c_prev is "
            "dc_prev = ds * f (ds the whole gradient at c_next)",
            "dc_prev に f が掛かっていません。c_next = f * c_prev + g * i なので、c_prev に戻る勾配は "
            "dc_prev = ds * f です(ds は c_next に届いた勾配の合計)",
        ),
    ),
    (
        "no_tanh_derivative_c",
        Text(
            "the path from dh_next to c_next forgot the tanh derivative: h_next = o * tanh(c_next), so it adds "
            "dh_next * o * (1 - tanh(c_next) ** 2) to dc_next, not dh_next * o",
            "dh_next から c_next への経路で tanh の微分が抜けています。h_next = o * tanh(c_next) なので、dc_next に "
            "足すのは dh_next * o ではなく dh_next * o * (1 - tanh(c_next) ** 2) です",
        ),
    ),
    (
        "dc_ignored",
        Text(
            "dc_next was ignored: the gradient at c_next is the sum of two paths, "
            "ds = dc_next + dh_next * o * (1 - tanh(c_next) ** 2) (dc_next comes from the next time step)",
            "dc_next が使われていません。c_next での勾配は 2 つの経路の和 "
            "ds = dc_next + dh_next * o * (1 - tanh(c_next) ** 2) です(dc_next は次の時刻から戻ってきます)",
        ),
    ),
    (
        "no_sigmoid_derivative",
        Text(
            "the gates' sigmoid derivatives are missing: df, di and do must each be multiplied by "
            "gate * (1 - gate) to reach the blocks of A",
            "ゲートの sigmoid の微分が抜けています。df、di、do にそれぞれ gate * (1 - gate) を掛けて "
            "A のブロックでの勾配にします",
        ),
    ),
    (
        "no_tanh_derivative_g",
        Text(
            "the tanh derivative of g is missing: g = tanh(A[:, H:2H]), so dg = ds * i * (1 - g ** 2)",
            "g の tanh の微分が抜けています。g = tanh(A[:, H:2H]) なので dg = ds * i * (1 - g ** 2) です",
        ),
    ),
    (
        "pytorch_stack",
        Text(
            "dA stacks the gate gradients in the order i, f, g, o; stack them in forward's order, "
            "dA = np.hstack((df, dg, di, do))",
            "dA のゲートの勾配を i, f, g, o の順に並べています。順伝播と同じ順に "
            "dA = np.hstack((df, dg, di, do)) と並べてください",
        ),
    ),
)


def _transposed(grad: str, name: str, shape: tuple[int, ...]) -> Known:
    return Known(
        grad,
        None,
        Text(
            f"{grad} is transposed: it has {name}'s shape {shape[::-1]}, e.g. dWx = x.T @ dA, not dA.T @ x",
            f"{grad} が転置になっています。{name} と同じ形状 {shape[::-1]} にします。"
            "例えば dWx = x.T @ dA で、dA.T @ x ではありません",
        ),
        shape=shape,
    )


def _not_summed(shape: tuple[int, ...]) -> Known:
    return Known(
        "db",
        None,
        Text(
            "db must be summed over the batch axis: db = dA.sum(axis=0)",
            "db はバッチ方向に和をとります: db = dA.sum(axis=0)",
        ),
        shape=shape,
    )


def _lstm_mistakes(case: Case) -> list[Known]:
    values = case.values
    found: list[Known] = []
    for order in ("".join(p) for p in itertools.permutations(GATES)):
        if order != GATES:
            wrong = _lstm_forward(values, order)
            found += [Known("h_next", wrong[0], _order_hint(order)), Known("c_next", wrong[1], _order_hint(order))]
    found.append(Known("h_next", _lstm_forward(values, out_tanh=False)[0], NO_TANH_OUT))
    if not isinstance(case.dout, tuple):
        return found
    correct = _lstm_backward(values, case.dout)
    for flag, hint in LSTM_BACKWARD_MISTAKES:
        wrong_grads = _lstm_backward(values, case.dout, **{flag: True})
        found += [
            Known(name, value, hint)
            for name, value in wrong_grads.items()
            if not is_close(value, correct[name], 1e-6, 1e-12)
        ]
    D, H4 = values["Wx"].shape
    found += [_transposed("dWx", "Wx", (H4, D)), _transposed("dWh", "Wh", (H4, H4 // 4))]
    found.append(_not_summed((values["x"].shape[0], H4)))
    return found


def _lstm_case(rng: np.random.Generator, N: int, D: int, H: int, *, gradient: bool, hygiene: bool = False) -> Case:
    values = {
        **_weights(rng, D, H, 4),
        "x": rng.normal(size=(N, D)),
        "h_prev": rng.uniform(-0.9, 0.9, size=(N, H)),
        "c_prev": rng.uniform(0.5, 1.5, size=(N, H)) * rng.choice([-1.0, 1.0], size=(N, H)),
    }
    label = plain(f"N={N}, D={D}, H={H}")
    if not gradient:
        return Case(label, values)
    douts = (rng.normal(size=(N, H)), rng.normal(size=(N, H)))
    return Case(label, values, douts, hygiene)


def _lstm() -> Layer:
    rng = generator(1201)
    forward_cases = (_lstm_case(rng, 3, 3, 4, gradient=False), _lstm_case(rng, 1, 5, 2, gradient=False))
    gradient_cases = (
        _lstm_case(generator(1202), 3, 3, 4, gradient=True, hygiene=True),
        _lstm_case(generator(1203), 1, 2, 3, gradient=True),
    )
    return Layer(
        name="LSTM",
        constructor=("Wx", "Wh", "b"),
        reference=LSTM,
        params=PARAMS,
        inputs=(Input("x", "dx"), Input("h_prev", "dh_prev"), Input("c_prev", "dc_prev")),
        outputs=("h_next", "c_next"),
        mistakes=_lstm_mistakes,
        forward=(
            Cases(
                Text(
                    "LSTM: forward gives h_next and c_next with the gate blocks in the order f, g, i, o",
                    "LSTM: forward がゲートのブロックを f, g, i, o の順に使って h_next と c_next を返す",
                ),
                Text(
                    "N=3, D=3, H=4 and N=1, D=5, H=2; non-zero h_prev and c_prev; no gate saturated",
                    "N=3, D=3, H=4 と N=1, D=5, H=2。h_prev と c_prev は 0 でない。飽和したゲートはない",
                ),
                forward_cases,
            ),
        ),
        gradient=(
            Cases(
                Text(
                    "LSTM: backward gives dx, dh_prev, dc_prev and dWx, dWh, db in self.grads (gradient check)",
                    "LSTM: backward が dx・dh_prev・dc_prev と self.grads の dWx・dWh・db を求める(勾配確認)",
                ),
                Text(
                    "N=3, D=3, H=4 and N=1, D=2, H=3; random dh_next and dc_next",
                    "N=3, D=3, H=4 と N=1, D=2, H=3。dh_next と dc_next はランダム",
                ),
                gradient_cases,
            ),
        ),
        hygiene=Hygiene(
            Text("N=3, D=3, H=4, random dh_next and dc_next", "N=3, D=3, H=4、ランダムな dh_next と dc_next")
        ),
        forward_hint=Text(
            "A = x @ Wx + h_prev @ Wh + b (N, 4H); f, g, i, o are its four blocks of H columns in this order "
            "(sigmoid, tanh, sigmoid, sigmoid); c_next = f * c_prev + g * i, h_next = o * tanh(c_next)",
            "A = x @ Wx + h_prev @ Wh + b (N, 4H)。f, g, i, o はこの順に並んだ H 列ずつの 4 ブロックです"
            "(sigmoid、tanh、sigmoid、sigmoid)。c_next = f * c_prev + g * i、h_next = o * tanh(c_next)",
        ),
        backward_hint=Text(
            "ds = dc_next + dh_next * o * (1 - tanh(c_next) ** 2); dc_prev = ds * f; df = ds * c_prev, dg = ds * i, "
            "di = ds * g, do = dh_next * tanh(c_next), each times its activation's derivative; "
            "dA = np.hstack((df, dg, di, do)); dx = dA @ Wx.T, dh_prev = dA @ Wh.T",
            "ds = dc_next + dh_next * o * (1 - tanh(c_next) ** 2)、dc_prev = ds * f。df = ds * c_prev、dg = ds * i、"
            "di = ds * g、do = dh_next * tanh(c_next) にそれぞれの活性化関数の微分を掛け、"
            "dA = np.hstack((df, dg, di, do))、dx = dA @ Wx.T、dh_prev = dA @ Wh.T です",
        ),
    )


# ----------------------------------------------------------------- TimeLSTM


def _time_lstm_run(values: Values, **wrong: bool) -> tuple[np.ndarray, list[LSTM], np.ndarray, np.ndarray]:
    """The hs and the cells of a forward from zeros, with the state mistakes in ``wrong``; and the last h, c."""
    Wx, Wh, b, xs = values["Wx"], values["Wh"], values["b"], values["xs"]
    N, T, _ = xs.shape
    H = Wh.shape[0]
    h, c = values.get("h0", np.zeros((N, H))), values.get("c0", np.zeros((N, H)))
    hs, cells = np.empty((N, T, H)), []
    for t in range(T):
        cell = LSTM(Wx, Wh, b)
        h_in = np.zeros((N, H)) if wrong.get("h_not_carried") else h
        c_in = np.zeros((N, H)) if wrong.get("c_not_carried") else c
        h, c = cell.forward(xs[:, t], h_in, c_in)
        hs[:, t] = c if wrong.get("hs_holds_c") else h
        cells.append(cell)
    return hs, cells, h, c


def _time_lstm_backward(values: Values, dhs: np.ndarray, **wrong: bool) -> Arrays:
    """dxs, the parameter gradients and dh of a right forward, with the backward mistakes in ``wrong``."""
    _, cells, _, _ = _time_lstm_run(values)
    N, T, H = dhs.shape
    dxs = np.empty((N, T, values["xs"].shape[2]))
    dh: np.ndarray = np.zeros((N, H))
    dc: np.ndarray = np.zeros((N, H))
    sums = [np.zeros_like(values[name]) for name in ("Wx", "Wh", "b")]
    last: list[np.ndarray] = []
    for t in reversed(range(T)):
        dh_in = dhs[:, t] if wrong.get("dh_not_carried") else dhs[:, t] + dh
        dc_in = np.zeros((N, H)) if wrong.get("dc_not_carried") else dc
        dxs[:, t], dh, dc = cells[t].backward(dh_in, dc_in)
        last = [grad.copy() for grad in cells[t].grads]
        for total, grad in zip(sums, cells[t].grads, strict=True):
            total += grad
    grads = last if wrong.get("overwritten") else sums
    return {"dxs": dxs, "dWx": grads[0], "dWh": grads[1], "db": grads[2], "dh": dh}


NOT_SUMMED_OVER_TIME = Text(
    "the parameter gradients hold one time step only (they were assigned inside the loop over time): every step "
    "uses the same Wx, Wh and b, so add up the steps' layer.grads and write the sums into self.grads after the loop",
    "パラメータの勾配が 1 時刻分しかありません(時刻のループの中で代入しています)。全時刻が同じ Wx・Wh・b を"
    "使うので、各時刻の layer.grads を足し合わせ、ループの後で合計を self.grads に書き込んでください",
)
TIME_FORWARD_MISTAKES: tuple[tuple[str, Text], ...] = (
    (
        "c_not_carried",
        Text(
            "the cell state is not carried from step to step: each step must get the c_next of the step before "
            "(self.h, self.c = layer.forward(xs[:, t, :], self.h, self.c))",
            "記憶セルが時刻から時刻へ引き継がれていません。各時刻には前の時刻の c_next を渡します"
            "(self.h, self.c = layer.forward(xs[:, t, :], self.h, self.c))",
        ),
    ),
    (
        "h_not_carried",
        Text(
            "the hidden state is not carried from step to step: each step must get the h_next of the step before",
            "隠れ状態が時刻から時刻へ引き継がれていません。各時刻には前の時刻の h_next を渡します",
        ),
    ),
    (
        "hs_holds_c",
        Text(
            "hs holds the cell states; it holds the hidden states: hs[:, t, :] = h_next of step t",
            "hs に記憶セルが入っています。hs には隠れ状態を入れます: hs[:, t, :] = 時刻 t の h_next",
        ),
    ),
)
TIME_BACKWARD_MISTAKES: tuple[tuple[str, Text], ...] = (
    ("overwritten", NOT_SUMMED_OVER_TIME),
    (
        "dh_not_carried",
        Text(
            "the gradient of h is not carried back: h of step t went to hs[:, t] and to step t + 1, so step t gets "
            "dhs[:, t, :] + dh, with dh the dh_prev returned by step t + 1",
            "h の勾配が逆向きに引き継がれていません。時刻 t の h は hs[:, t] と時刻 t + 1 の両方に流れたので、"
            "時刻 t には dhs[:, t, :] + dh(dh は時刻 t + 1 が返した dh_prev)を渡します",
        ),
    ),
    (
        "dc_not_carried",
        Text(
            "the gradient of the cell state is not carried back: pass the dc_prev returned by step t + 1 as "
            "dc_next of step t (0 only before the last step)",
            "記憶セルの勾配が逆向きに引き継がれていません。時刻 t + 1 が返した dc_prev を時刻 t の dc_next として"
            "渡します(0 なのは最後の時刻の前だけです)",
        ),
    ),
)


def _time_lstm_mistakes(case: Case) -> list[Known]:
    values = case.values
    found = [Known("hs", _time_lstm_run(values, **{flag: True})[0], hint) for flag, hint in TIME_FORWARD_MISTAKES]
    if not isinstance(case.dout, np.ndarray):
        return found
    correct = _time_lstm_backward(values, case.dout)
    for flag, hint in TIME_BACKWARD_MISTAKES:
        wrong = _time_lstm_backward(values, case.dout, **{flag: True})
        found += [
            Known(name, value, hint)
            for name, value in wrong.items()
            if name != "dh" and not is_close(value, correct[name], 1e-6, 1e-12)
        ]
    return found


def _sequence(rng: np.random.Generator, N: int, T: int, D: int, H: int) -> Arrays:
    return {**_weights(rng, D, H, 4), "xs": rng.normal(size=(N, T, D))}


FLOAT32_NOTE = Text(
    "if hs or dxs is made with the book's np.empty(..., dtype='f'), it is float32 and rounds at 1e-7: "
    "leave the dtype out (float64, like the inputs)",
    "書籍のように np.empty(..., dtype='f') で hs や dxs を作ると float32 になり、1e-7 程度で丸められます。"
    "dtype を指定しないでください(入力と同じ float64 になります)",
)


def _time_lstm() -> Layer:
    rng = generator(1211)
    forward_cases = tuple(
        Case(plain(f"N={N}, T={T}, D={D}, H={H}"), _sequence(rng, N, T, D, H))
        for N, T, D, H in ((2, 5, 3, 4), (1, 3, 2, 2))
    )
    gradient_cases = []
    for number, (N, T, D, H) in enumerate(((2, 4, 3, 3), (1, 3, 2, 2))):
        values = _sequence(generator(1212 + number), N, T, D, H)
        dhs = generator(1214 + number).normal(size=(N, T, H))
        gradient_cases.append(Case(plain(f"N={N}, T={T}, D={D}, H={H}"), values, dhs, hygiene=number == 0))
    return Layer(
        name="TimeLSTM",
        constructor=("Wx", "Wh", "b"),
        reference=TimeLSTM,
        params=PARAMS,
        inputs=(Input("xs", "dxs"),),
        outputs=("hs",),
        mistakes=_time_lstm_mistakes,
        forward=(
            Cases(
                Text(
                    "TimeLSTM: forward runs the cell over T steps from zeros, carrying h and c",
                    "TimeLSTM: forward が 0 から始めて h と c を引き継ぎながら T 時刻分セルを適用する",
                ),
                Text(
                    "TimeLSTM(Wx, Wh, b) (stateful left at its default); xs (2, 5, 3) with H=4, xs (1, 3, 2) with H=2",
                    "TimeLSTM(Wx, Wh, b)(stateful は既定値)。xs (2, 5, 3) と H=4、xs (1, 3, 2) と H=2",
                ),
                forward_cases,
            ),
        ),
        gradient=(
            Cases(
                Text(
                    "TimeLSTM: backward gives dxs and dWx, dWh, db summed over time (gradient check)",
                    "TimeLSTM: backward が dxs と時間方向に和をとった dWx・dWh・db を求める(勾配確認)",
                ),
                Text(
                    "xs (2, 4, 3) with H=3 and xs (1, 3, 2) with H=2; random dhs",
                    "xs (2, 4, 3) と H=3、xs (1, 3, 2) と H=2。dhs はランダム",
                ),
                tuple(gradient_cases),
            ),
        ),
        hygiene=Hygiene(Text("xs (2, 4, 3), H=3, random dhs", "xs (2, 4, 3)、H=3、ランダムな dhs")),
        forward_hint=Text(
            "for t in range(T): layer = LSTM(*self.params); self.h, self.c = layer.forward(xs[:, t, :], self.h, "
            "self.c); hs[:, t, :] = self.h; keep every layer for backward. " + FLOAT32_NOTE.en,
            "for t in range(T): layer = LSTM(*self.params)、self.h, self.c = layer.forward(xs[:, t, :], self.h, "
            "self.c)、hs[:, t, :] = self.h とし、各 layer を backward のために保存します。" + FLOAT32_NOTE.ja,
        ),
        backward_hint=Text(
            "from t = T - 1 down to 0: dx, dh, dc = self.layers[t].backward(dhs[:, t, :] + dh, dc), starting from "
            "dh = dc = 0; add up each layer.grads, then self.grads[k][...] = the sums",
            "t = T - 1 から 0 へ: dh = dc = 0 から始めて dx, dh, dc = self.layers[t].backward(dhs[:, t, :] + dh, dc)。"
            "各 layer.grads を足し合わせ、最後に self.grads[k][...] = 合計 とします",
        ),
    )


def _state_check() -> Check:
    rng = generator(1221)
    N, D, H = 2, 3, 3
    weights = _weights(rng, D, H, 4)
    xs1, xs2 = rng.normal(size=(N, 4, D)), rng.normal(size=(N, 3, D))
    probe = Probe()
    sent = {name: probe.array(value) for name, value in weights.items()}
    refs = (sent["Wx"], sent["Wh"], sent["b"])
    kept = probe.new("TimeLSTM", *refs, stateful=True)
    probe.save(probe.method(kept, "forward", xs1), "first")
    probe.save(probe.attr(kept, "h"), "h")
    probe.save(probe.attr(kept, "c"), "c")
    probe.save(probe.method(kept, "forward", xs2), "second")
    probe.method(kept, "reset_state")
    probe.save(probe.method(kept, "forward", xs2), "reset")
    stateless = probe.new("TimeLSTM", *refs, stateful=False)
    probe.method(stateless, "forward", xs1)
    probe.save(probe.method(stateless, "forward", xs2), "stateless")
    default = probe.new("TimeLSTM", *refs)
    probe.method(default, "forward", xs1)
    probe.save(probe.method(default, "forward", xs2), "default")

    first, _, h1, c1 = _time_lstm_run({**weights, "xs": xs1})
    continued, _, h2, c2 = _time_lstm_run({**weights, "xs": xs2, "h0": h1, "c0": c1})
    fresh = _time_lstm_run({**weights, "xs": xs2})[0]
    zeros = np.zeros((N, H))
    from_zeros = Text(
        "with stateful=True, forward started again from zeros: when self.stateful, start from the self.h and "
        "self.c the previous forward left (zeros only when they are None)",
        "stateful=True なのに forward が 0 から始まりました。self.stateful のときは前回の forward が残した "
        "self.h と self.c から始めます(None のときだけ 0)",
    )
    c_dropped = Text(
        "with stateful=True, h was kept but the cell state was not: keep self.c beside self.h",
        "stateful=True で h は引き継がれましたが記憶セルが引き継がれていません。"
        "self.h と並べて self.c も保存してください",
    )
    steps: list[tuple[str, np.ndarray, Text, list[tuple[np.ndarray, Text]]]] = [
        ("first", first, Text("the first forward from zeros:", "0 から始めた 1 回目の forward:"), []),
        (
            "h",
            h1,
            Text(
                "self.h after the first forward (the last hidden state):",
                "1 回目の forward の後の self.h(最後の隠れ状態):",
            ),
            [],
        ),
        (
            "c",
            c1,
            Text(
                "self.c after the first forward (the last cell state):",
                "1 回目の forward の後の self.c(最後の記憶セル):",
            ),
            [
                (
                    first[:, -1],
                    Text(
                        "self.c holds h; it is the cell state c_next of the last step",
                        "self.c に h が入っています。最後の時刻の記憶セル c_next を入れます",
                    ),
                )
            ],
        ),
        (
            "second",
            continued,
            Text(
                "the second forward of TimeLSTM(Wx, Wh, b, stateful=True), which continues from h and c:",
                "TimeLSTM(Wx, Wh, b, stateful=True) の 2 回目の forward(h と c の続きから):",
            ),
            [
                (fresh, from_zeros),
                (_time_lstm_run({**weights, "xs": xs2, "h0": h1, "c0": zeros})[0], c_dropped),
            ],
        ),
        (
            "reset",
            fresh,
            Text(
                "after reset_state(), the same forward again (from zeros):", "reset_state() の後に同じ forward(0 から):"
            ),
            [
                (
                    _time_lstm_run({**weights, "xs": xs2, "h0": h2, "c0": c2})[0],
                    Text(
                        "reset_state() did not forget the state: set self.h and self.c to None",
                        "reset_state() で状態が消えていません。self.h と self.c を None にしてください",
                    ),
                ),
                (
                    _time_lstm_run({**weights, "xs": xs2, "h0": zeros, "c0": c2})[0],
                    Text(
                        "reset_state() forgot h but kept c: reset both, self.h, self.c = None, None",
                        "reset_state() が h だけを消して c を残しています。"
                        "両方を消してください: self.h, self.c = None, None",
                    ),
                ),
            ],
        ),
        (
            "stateless",
            fresh,
            Text(
                "the second forward of TimeLSTM(Wx, Wh, b, stateful=False), which starts from zeros:",
                "TimeLSTM(Wx, Wh, b, stateful=False) の 2 回目の forward(0 から):",
            ),
            [
                (
                    continued,
                    Text(
                        "with stateful=False every forward starts from h = 0 and c = 0; the state was carried over",
                        "stateful=False では forward のたびに h = 0、c = 0 から始めます。状態が引き継がれています",
                    ),
                )
            ],
        ),
        (
            "default",
            fresh,
            Text(
                "the second forward of TimeLSTM(Wx, Wh, b), stateful left at its default False (from zeros):",
                "TimeLSTM(Wx, Wh, b)(stateful は既定値の False)の 2 回目の forward(0 から):",
            ),
            [
                (
                    continued,
                    Text(
                        "stateful defaults to False: TimeLSTM(Wx, Wh, b) starts every forward from zeros "
                        "(def __init__(self, Wx, Wh, b, stateful=False))",
                        "stateful の既定値は False です。TimeLSTM(Wx, Wh, b) は forward のたびに 0 から始めます"
                        "(def __init__(self, Wx, Wh, b, stateful=False))",
                    ),
                )
            ],
        ),
    ]

    def verify(run: ProbeRun) -> Verdict:
        for key, expected, label, variants in steps:
            rtol, atol = FORWARD_RTOL, FORWARD_RTOL * 1e-3 * float(np.max(np.abs(expected)))
            what = "hs" if expected.ndim == 3 else f"self.{key}"
            lines = close(run.output(key), expected, what=what, rtol=rtol, atol=atol)
            if lines:
                array, _ = value_of(run.output(key), what)
                hint = next(
                    (hint for wrong, hint in variants if array is not None and is_close(array, wrong, 1e-7, 1e-12)),
                    None,
                )
                return Verdict.fail([label, *lines], hint)
        return Verdict.ok()

    return Check(
        "TimeLSTM: stateful=True carries h and c into the next forward, reset_state() forgets them",
        "TimeLSTM: stateful=True なら h と c を次の forward に引き継ぎ、reset_state() で捨てる",
        probe,
        verify,
        hint=Text(
            "in forward: if not self.stateful or self.h is None: self.h = zeros (N, H), the same for self.c; "
            "reset_state sets both to None",
            "forward で: if not self.stateful or self.h is None: self.h = 形状 (N, H) の 0(self.c も同様)。"
            "reset_state は両方を None にします",
        ),
        context=Text(
            "xs (2, 4, 3) then xs (2, 3, 3), H=3; stateful=True (twice, then after reset_state()), "
            "stateful=False and the default",
            "xs (2, 4, 3) のあと xs (2, 3, 3)、H=3。"
            "stateful=True(2 回、reset_state() の後にもう 1 回)、stateful=False と既定値",
        ),
    )


def _dh_check() -> Check:
    rng = generator(1231)
    N, D, H = 2, 3, 4
    weights = _weights(rng, D, H, 4)
    xs1, xs2 = rng.normal(size=(N, 3, D)), rng.normal(size=(N, 4, D))
    dhs = rng.normal(size=(N, 4, H))
    probe = Probe()
    layer = probe.new("TimeLSTM", *(probe.array(weights[k]) for k in ("Wx", "Wh", "b")), stateful=True)
    probe.method(layer, "forward", xs1)
    probe.method(layer, "forward", xs2)
    probe.save(probe.method(layer, "backward", dhs), "dxs")
    probe.save(probe.attr(layer, "dh"), "dh")

    _, _, h1, c1 = _time_lstm_run({**weights, "xs": xs1})
    values = {**weights, "xs": xs2, "h0": h1, "c0": c1}
    expected = _time_lstm_backward(values, dhs)
    variants = [
        (
            _entering_step_0(values, dhs),
            Text(
                "self.dh holds the gradient that entered step 0 (dhs[:, 0] + dh); it is the one step 0 sends back, "
                "the dh_prev its backward returns",
                "self.dh に時刻 0 に入ってきた勾配(dhs[:, 0] + dh)が入っています。時刻 0 の backward が返す "
                "dh_prev、つまり時刻 0 から戻る勾配を入れます",
            ),
        ),
        (
            _time_lstm_backward(values, dhs, dh_not_carried=True)["dh"],
            TIME_BACKWARD_MISTAKES[1][1],
        ),
    ]

    def verify(run: ProbeRun) -> Verdict:
        lines = close(run.output("dxs"), expected["dxs"], what="dxs", rtol=GRADIENT_RTOL, atol=1e-12)
        if lines:
            return Verdict.fail(
                [
                    Text(
                        "from a kept, non-zero state, backward's dxs differs:",
                        "0 でない引き継いだ状態からの backward の dxs が違います:",
                    ),
                    *lines,
                ],
                Text(
                    "this backward follows two stateful forwards: when 'TimeLSTM: stateful=True carries h and c' or "
                    "the gradient check fails, fix that first (the state the forward starts from changes every step)",
                    "この backward は stateful な 2 回の forward の後に呼ばれます。"
                    "「TimeLSTM: stateful=True なら h と c を次の forward に引き継ぎ」や勾配確認が失敗しているなら、"
                    "先にそちらを直してください"
                    "(forward が始まる状態は全時刻に影響します)",
                ),
            )
        output = run.output("dh")
        if output.kind == "none":
            return Verdict.fail(
                [
                    Text(
                        "self.dh is not set after TimeLSTM.backward",
                        "TimeLSTM.backward の後も self.dh が設定されていません",
                    )
                ],
                Text(
                    "after the loop over time, keep the dh that step 0 sent back: self.dh = dh",
                    "時刻のループの後、時刻 0 が返した dh を保存してください: self.dh = dh",
                ),
            )
        lines = close(output, expected["dh"], what="self.dh", rtol=GRADIENT_RTOL, atol=1e-12)
        if not lines:
            return Verdict.ok()
        array, _ = value_of(output, "self.dh")
        hint = next((h for wrong, h in variants if array is not None and is_close(array, wrong, 1e-7, 1e-12)), None)
        return Verdict.fail(lines, hint)

    return Check(
        "TimeLSTM: backward keeps the gradient of the initial hidden state in self.dh",
        "TimeLSTM: backward が最初の隠れ状態についての勾配を self.dh に保存する",
        probe,
        verify,
        hint=Text(
            "self.dh = the dh returned by the backward of step 0 (the gradient with respect to the state the "
            "forward started from)",
            "self.dh = 時刻 0 の backward が返した dh(forward が始まった状態についての勾配)です",
        ),
        context=Text(
            "TimeLSTM(Wx, Wh, b, stateful=True): forward(xs (2, 3, 3)), forward(xs (2, 4, 3)), backward(dhs); H=4",
            "TimeLSTM(Wx, Wh, b, stateful=True): forward(xs (2, 3, 3))、forward(xs (2, 4, 3))、backward(dhs)。H=4",
        ),
    )


def _entering_step_0(values: Values, dhs: np.ndarray) -> np.ndarray:
    """dhs[:, 0] plus the dh that step 1 sends back to step 0."""
    _, cells, _, _ = _time_lstm_run(values)
    N, T, H = dhs.shape
    dh: np.ndarray = np.zeros((N, H))
    dc: np.ndarray = np.zeros((N, H))
    for t in reversed(range(1, T)):
        _, dh, dc = cells[t].backward(dhs[:, t] + dh, dc)
    return np.asarray(dhs[:, 0] + dh)


# ----------------------------------------------------------------- GRU


def _gru_forward(values: Values, **wrong: bool) -> tuple[np.ndarray, ...]:
    """h_next, z, r, h_hat, with the forward mistakes named in ``wrong``."""
    x, h, Wx, Wh, b = values["x"], values["h_prev"], values["Wx"], values["Wh"], values["b"]
    H = h.shape[1]
    ax = x @ Wx + b
    first, second = (slice(H, 2 * H), slice(0, H)) if wrong.get("r_z_swapped") else (slice(0, H), slice(H, 2 * H))
    z = _sigmoid(ax[:, first] + h @ Wh[:, first])
    r = _sigmoid(ax[:, second] + h @ Wh[:, second])
    Whh = Wh[:, 2 * H :]
    if wrong.get("r_after_product"):
        recurrent = r * (h @ Whh)
    elif wrong.get("no_reset"):
        recurrent = h @ Whh
    else:
        recurrent = (r * h) @ Whh
    h_hat = np.tanh(ax[:, 2 * H :] + recurrent)
    h_next = z * h + (1 - z) * h_hat if wrong.get("z_swapped") else (1 - z) * h + z * h_hat
    return h_next, z, r, h_hat


def _gru_backward(values: Values, dh: np.ndarray, **wrong: bool) -> Arrays:
    """Every gradient of a right forward, with the backward mistakes named in ``wrong``."""
    x, h, Wx, Wh = values["x"], values["h_prev"], values["Wx"], values["Wh"]
    H = h.shape[1]
    _, z, r, h_hat = _gru_forward(values)
    dt = dh * z if wrong.get("no_tanh_derivative") else dh * z * (1 - h_hat**2)
    dz = dh * (h - h_hat) if wrong.get("dz_sign") else dh * (h_hat - h)
    d_rh = dt @ Wh[:, 2 * H :].T
    dz_pre = dz * z * (1 - z)
    dr_pre = d_rh * h * r * (1 - r)
    dA = np.hstack((dz_pre, dr_pre, dt))
    dh_prev = dA[:, : 2 * H] @ Wh[:, : 2 * H].T
    if not wrong.get("no_direct"):
        dh_prev = dh_prev + dh * (1 - z)
    if not wrong.get("no_r_path"):
        dh_prev = dh_prev + d_rh * r
    dWh = np.hstack((h.T @ dz_pre, h.T @ dr_pre, (h if wrong.get("dWh_without_r") else r * h).T @ dt))
    return {"dx": dA @ Wx.T, "dh_prev": dh_prev, "dWx": x.T @ dA, "dWh": dWh, "db": dA.sum(axis=0)}


GRU_FORWARD_MISTAKES: tuple[tuple[str, Text], ...] = (
    (
        "z_swapped",
        Text(
            "z and 1 - z are swapped: the update gate z weighs the candidate, h_next = (1 - z) * h_prev + z * h_hat "
            "(PyTorch's GRU writes it the other way round, with its z the exercise's 1 - z)",
            "z と 1 - z が逆です。更新ゲート z を掛けるのは候補のほうです: h_next = (1 - z) * h_prev + z * h_hat"
            "(PyTorch の GRU は逆向きに書き、その z がこの課題の 1 - z にあたります)",
        ),
    ),
    (
        "r_after_product",
        Text(
            "r was applied after the matrix product, r * (h_prev @ Wh_h) (PyTorch's form); the exercise's "
            "candidate resets h_prev before it: (r * h_prev) @ Wh_h",
            "r を行列の積の後に掛けています(r * (h_prev @ Wh_h)、PyTorch の形)。この課題の候補は積の前に "
            "h_prev をリセットします: (r * h_prev) @ Wh_h",
        ),
    ),
    (
        "r_z_swapped",
        Text(
            "the blocks z and r are swapped: columns [0, H) are the update gate z, [H, 2H) the reset gate r, "
            "[2H, 3H) the candidate",
            "z と r のブロックが入れ替わっています。列 [0, H) が更新ゲート z、[H, 2H) がリセットゲート r、"
            "[2H, 3H) が候補です",
        ),
    ),
    (
        "no_reset",
        Text(
            "the reset gate is not used: the candidate is h_hat = tanh(x @ Wx_h + (r * h_prev) @ Wh_h + b_h)",
            "リセットゲートが使われていません。候補は h_hat = tanh(x @ Wx_h + (r * h_prev) @ Wh_h + b_h) です",
        ),
    ),
)
GRU_BACKWARD_MISTAKES: tuple[tuple[str, Text], ...] = (
    (
        "dWh_without_r",
        Text(
            "the candidate's block of dWh misses r: the candidate multiplies Wh_h by r * h_prev, so its "
            "gradient is (r * h_prev).T @ dh_hat, not h_prev.T @ dh_hat",
            "dWh の候補のブロックに r が抜けています。候補では Wh_h に r * h_prev が掛かるので、その勾配は "
            "h_prev.T @ dh_hat ではなく (r * h_prev).T @ dh_hat です",
        ),
    ),
    (
        "no_direct",
        Text(
            "dh_prev misses the direct path: h_next = (1 - z) * h_prev + ..., so dh_prev includes dh_next * (1 - z)",
            "dh_prev に直接の経路が抜けています。h_next = (1 - z) * h_prev + ... なので dh_prev には "
            "dh_next * (1 - z) が入ります",
        ),
    ),
    (
        "no_r_path",
        Text(
            "dh_prev misses the path through the candidate: h_prev enters it as r * h_prev, so add "
            "(dh_hat @ Wh_h.T) * r",
            "dh_prev に候補を通る経路が抜けています。h_prev は r * h_prev として候補に入るので、"
            "(dh_hat @ Wh_h.T) * r を足します",
        ),
    ),
    (
        "dz_sign",
        Text(
            "dz has the wrong sign: h_next = (1 - z) * h_prev + z * h_hat, so dz = dh_next * (h_hat - h_prev)",
            "dz の符号が逆です。h_next = (1 - z) * h_prev + z * h_hat なので dz = dh_next * (h_hat - h_prev) です",
        ),
    ),
    (
        "no_tanh_derivative",
        Text(
            "the candidate's tanh derivative is missing: dh_hat = dh_next * z * (1 - h_hat ** 2) at its pre-activation",
            "候補の tanh の微分が抜けています。活性化の前では dh_hat = dh_next * z * (1 - h_hat ** 2) です",
        ),
    ),
)


def _gru_mistakes(case: Case) -> list[Known]:
    values = case.values
    found = [Known("h_next", _gru_forward(values, **{flag: True})[0], hint) for flag, hint in GRU_FORWARD_MISTAKES]
    if not isinstance(case.dout, np.ndarray):
        return found
    correct = _gru_backward(values, case.dout)
    for flag, hint in GRU_BACKWARD_MISTAKES:
        wrong = _gru_backward(values, case.dout, **{flag: True})
        found += [
            Known(name, value, hint) for name, value in wrong.items() if not is_close(value, correct[name], 1e-6, 1e-12)
        ]
    D, H3 = values["Wx"].shape
    found += [_transposed("dWx", "Wx", (H3, D)), _transposed("dWh", "Wh", (H3, H3 // 3))]
    found.append(_not_summed((values["x"].shape[0], H3)))
    return found


def _gru_case(rng: np.random.Generator, N: int, D: int, H: int, *, gradient: bool, hygiene: bool = False) -> Case:
    values = {**_weights(rng, D, H, 3), "x": rng.normal(size=(N, D)), "h_prev": rng.uniform(-0.9, 0.9, size=(N, H))}
    label = plain(f"N={N}, D={D}, H={H}")
    if not gradient:
        return Case(label, values)
    return Case(label, values, rng.normal(size=(N, H)), hygiene)


def _gru() -> Layer:
    rng = generator(1241)
    return Layer(
        name="GRU",
        constructor=("Wx", "Wh", "b"),
        reference=GRU,
        params=PARAMS,
        inputs=(Input("x", "dx"), Input("h_prev", "dh_prev")),
        outputs=("h_next",),
        mistakes=_gru_mistakes,
        forward=(
            Cases(
                Text(
                    "GRU: forward gives h_next = (1 - z) * h_prev + z * h_hat, blocks z, r, candidate",
                    "GRU: forward が h_next = (1 - z) * h_prev + z * h_hat を返す(ブロックは z, r, 候補の順)",
                ),
                Text(
                    "N=3, D=3, H=4 and N=1, D=5, H=2; non-zero h_prev",
                    "N=3, D=3, H=4 と N=1, D=5, H=2。h_prev は 0 でない",
                ),
                (_gru_case(rng, 3, 3, 4, gradient=False), _gru_case(rng, 1, 5, 2, gradient=False)),
            ),
        ),
        gradient=(
            Cases(
                Text(
                    "GRU: backward gives dx, dh_prev and dWx, dWh, db in self.grads (gradient check)",
                    "GRU: backward が dx・dh_prev と self.grads の dWx・dWh・db を求める(勾配確認)",
                ),
                Text(
                    "N=3, D=3, H=4 and N=1, D=2, H=3; random dh_next",
                    "N=3, D=3, H=4 と N=1, D=2, H=3。dh_next はランダム",
                ),
                (
                    _gru_case(generator(1242), 3, 3, 4, gradient=True, hygiene=True),
                    _gru_case(generator(1243), 1, 2, 3, gradient=True),
                ),
            ),
        ),
        hygiene=Hygiene(Text("N=3, D=3, H=4, random dh_next", "N=3, D=3, H=4、ランダムな dh_next")),
        forward_hint=Text(
            "z = sigmoid(x @ Wx[:, :H] + h_prev @ Wh[:, :H] + b[:H]), r the same with [H:2H], "
            "h_hat = tanh(x @ Wx[:, 2H:] + (r * h_prev) @ Wh[:, 2H:] + b[2H:]), h_next = (1 - z) * h_prev + z * h_hat",
            "z = sigmoid(x @ Wx[:, :H] + h_prev @ Wh[:, :H] + b[:H])、r は [H:2H] で同様、"
            "h_hat = tanh(x @ Wx[:, 2H:] + (r * h_prev) @ Wh[:, 2H:] + b[2H:])、h_next = (1 - z) * h_prev + z * h_hat",
        ),
        backward_hint=Text(
            "dh_hat = dh_next * z * (1 - h_hat ** 2); dz = dh_next * (h_hat - h_prev) * z * (1 - z); "
            "d_rh = dh_hat @ Wh_h.T; dr = d_rh * h_prev * r * (1 - r); "
            "dh_prev = dh_next * (1 - z) + d_rh * r + dz @ Wh_z.T + dr @ Wh_r.T",
            "dh_hat = dh_next * z * (1 - h_hat ** 2)、dz = dh_next * (h_hat - h_prev) * z * (1 - z)、"
            "d_rh = dh_hat @ Wh_h.T、dr = d_rh * h_prev * r * (1 - r)、"
            "dh_prev = dh_next * (1 - z) + d_rh * r + dz @ Wh_z.T + dr @ Wh_r.T です",
        ),
    )


# ----------------------------------------------------------------- self.params and self.grads


GRADS_IN_PLACE = Text(
    "write the gradients into the arrays self.grads already holds: self.grads[0][...] = dWx (and [1], [2]). "
    "self.grads = [dWx, dWh, db] or self.grads[0] = dWx put new arrays in their place, and a model that "
    "gathered the lists once (self.grads += layer.grads, as in the book) never sees them",
    "勾配は self.grads がすでに持っている配列に書き込みます: self.grads[0][...] = dWx([1]、[2] も同様)。"
    "self.grads = [dWx, dWh, db] や self.grads[0] = dWx では新しい配列に置き換わり、リストを一度だけ集めた"
    "モデル(書籍の self.grads += layer.grads)からは新しい勾配が見えません",
)
STORAGE_ERROR = Text(
    "if the error is about self.params or self.grads: create both lists in __init__, "
    "self.params = [Wx, Wh, b] and self.grads = [np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)]",
    "self.params か self.grads についてのエラーなら、__init__ で両方のリストを作ってください: "
    "self.params = [Wx, Wh, b]、self.grads = [np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)]",
)
NAMES = ("Wx", "Wh", "b")


def _storage_check(name: str, values: Arrays, inputs: Sequence[str], douts: Sequence[np.ndarray]) -> Check:
    """self.params holds [Wx, Wh, b]; backward writes into the arrays self.grads held at construction."""
    probe = Probe()
    layer = probe.new(name, *(probe.array(values[key]) for key in NAMES))
    params = probe.attr(layer, "params")
    for k in range(3):
        probe.save(probe.item(params, k), f"params:{k}")  # type: ignore[arg-type]
    held: list[Ref] = [probe.item(probe.attr(layer, "grads"), k) for k in range(3)]  # type: ignore[arg-type]
    probe.method(layer, "forward", *(values[key] for key in inputs))
    probe.method(layer, "backward", *douts)
    now = probe.attr(layer, "grads")
    for k in range(3):
        probe.save(held[k], f"held:{k}")
        probe.save(probe.item(now, k), f"now:{k}")  # type: ignore[arg-type]

    def verify(run: ProbeRun) -> Verdict:
        for k, key in enumerate(NAMES):
            lines = close(run.output(f"params:{k}"), values[key], what=f"self.params[{k}]", rtol=0.0, atol=0.0)
            if lines:
                return Verdict.fail(
                    lines,
                    Text(
                        "self.params is the list [Wx, Wh, b] of the arrays given to the constructor, in this order",
                        "self.params はコンストラクタに渡された配列のリスト [Wx, Wh, b](この順)です",
                    ),
                )
        for k, grad in enumerate(("dWx", "dWh", "db")):
            now_array, problems = value_of(run.output(f"now:{k}"), f"self.grads[{k}]")
            if now_array is None:
                return Verdict.fail(problems)
            held_array, problems = value_of(run.output(f"held:{k}"), f"self.grads[{k}]")
            if held_array is None:
                return Verdict.fail(problems)
            if held_array.shape != now_array.shape or not np.array_equal(held_array, now_array):
                state = "still all zeros" if not np.any(held_array) else "not the gradient of this backward"
                state_ja = "0 のまま" if not np.any(held_array) else "この backward の勾配ではありません"
                return Verdict.fail(
                    [
                        Text(
                            f"after backward, self.grads[{k}] ({grad}) is a new array: the array it held before "
                            f"forward and backward is {state}",
                            f"backward の後の self.grads[{k}]({grad})は新しい配列です。forward と backward の前に"
                            f"持っていた配列は{state_ja}",
                        )
                    ],
                    GRADS_IN_PLACE,
                )
        return Verdict.ok()

    return Check(
        f"{name}: self.params is [Wx, Wh, b] and backward writes into the arrays of self.grads in place",
        f"{name}: self.params が [Wx, Wh, b] で、backward は self.grads の配列に上書きで書き込む",
        probe,
        verify,
        hint=GRADS_IN_PLACE,
        context=Text(
            f"a new {name}: self.grads[k] read before forward, compared with self.grads[k] after backward",
            f"新しい {name}: forward の前に読んだ self.grads[k] と backward の後の self.grads[k] を比べる",
        ),
        error_hint=STORAGE_ERROR,
    )


def _storage_checks() -> dict[str, Check]:
    rng = generator(1251)
    lstm = {**_weights(rng, 3, 2, 4), "x": rng.normal(size=(2, 3)), "h": rng.normal(size=(2, 2))}
    lstm["c"] = rng.normal(size=(2, 2))
    time = {**_weights(rng, 2, 3, 4), "xs": rng.normal(size=(2, 3, 2))}
    gru = {**_weights(rng, 3, 2, 3), "x": rng.normal(size=(2, 3)), "h": rng.normal(size=(2, 2))}
    return {
        "LSTM": _storage_check("LSTM", lstm, ("x", "h", "c"), (rng.normal(size=(2, 2)), rng.normal(size=(2, 2)))),
        "TimeLSTM": _storage_check("TimeLSTM", time, ("xs",), (rng.normal(size=(2, 3, 3)),)),
        "GRU": _storage_check("GRU", gru, ("x", "h"), (rng.normal(size=(2, 2)),)),
    }


def build_checks() -> list[Check]:
    """Every check of exercise 12."""
    storage = _storage_checks()
    lstm = layer_checks(_lstm())
    time_lstm = layer_checks(_time_lstm())
    # forward, the kept state, gradient, self.dh, hygiene
    time_lstm[1:1] = [_state_check()]
    time_lstm[3:3] = [_dh_check()]
    gru = layer_checks(_gru())
    return [*lstm, storage["LSTM"], *time_lstm, storage["TimeLSTM"], *gru, storage["GRU"]]
