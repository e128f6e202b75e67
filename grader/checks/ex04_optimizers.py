"""Checks for exercise 4: optimizers (SGD, Momentum, AdaGrad, RMSprop, Adam).

Every optimizer is driven as in training: one object, several ``update`` calls
with different gradients, the parameters saved after every call.  The grader
replays the same calls on the reference optimizer.  Where the contract allows
more than one correct form (1e-7 after or inside the square root; Adam's
m_hat / v_hat form or the book's folded lr_t), the tolerance is derived from
how far those forms drift apart on the very inputs of the check, so every
correct form passes and the classic mistakes, which move the parameters by a
different step altogether, do not.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from functools import partial
from itertools import combinations
from typing import Any

import numpy as np

from grader.checks.common import generator
from grader.checks.verdicts import Later, Variant, close, is_close, modified_line, untouched
from grader.grading.engine import Check
from grader.grading.results import Verdict
from grader.sandbox.client import Probe, ProbeRun
from grader.text import Text
from reference import SGD, AdaGrad, Adam, Momentum, RMSprop

EPS = 1e-7
REFERENCE = {"SGD": SGD, "Momentum": Momentum, "AdaGrad": AdaGrad, "RMSprop": RMSprop, "Adam": Adam}
DEFAULTS: dict[str, dict[str, float]] = {
    "SGD": {"lr": 0.01},
    "Momentum": {"lr": 0.01, "momentum": 0.9},
    "AdaGrad": {"lr": 0.01},
    "RMSprop": {"lr": 0.01, "decay_rate": 0.99},
    "Adam": {"lr": 0.001, "beta1": 0.9, "beta2": 0.999},
}
# hyper-parameters of the main checks: none equals its default, so a constructor
# that ignores its arguments is seen
MAIN_HYPER: dict[str, dict[str, float]] = {
    "SGD": {"lr": 0.1},
    "Momentum": {"lr": 0.05, "momentum": 0.7},
    "AdaGrad": {"lr": 0.3},
    "RMSprop": {"lr": 0.05, "decay_rate": 0.8},
    "Adam": {"lr": 0.05, "beta1": 0.8, "beta2": 0.95},
}
# defaults other libraries and tutorials use, which learners sometimes copy
OTHER_DEFAULTS: dict[str, list[dict[str, float]]] = {
    "SGD": [{"lr": 0.1}, {"lr": 0.001}],
    "Momentum": [{"lr": 0.1}, {"lr": 0.001}, {"momentum": 0.5}],
    "AdaGrad": [{"lr": 0.001}, {"lr": 0.1}],
    "RMSprop": [{"decay_rate": 0.9}, {"lr": 0.001}],
    "Adam": [{"lr": 0.01}, {"lr": 0.0001}, {"beta2": 0.99}],
}
# the smallest tolerance, relative to the largest step: allows float32 state
STEP_RTOL = 1e-5

Params = dict[str, np.ndarray]
Trajectory = list[Params]
# a rule returns the change of one parameter, given its state, gradient and step count t
Rule = Callable[[dict[str, Any], np.ndarray, int], np.ndarray]


# -- the inputs -------------------------------------------------------------------


def _gradients(
    rng: np.random.Generator, shapes: dict[str, tuple[int, ...]], steps: int, size: tuple[float, float]
) -> list[Params]:
    """Gradients of ``size`` (low, high) in absolute value, random sign, new in every call.

    Kept away from 0 so that 1e-7 inside or outside the square root makes no
    visible difference, and varied from call to call so that state that is lost
    or shared changes the answer.
    """
    return [
        {key: rng.uniform(*size, size=shape) * rng.choice([-1.0, 1.0], size=shape) for key, shape in shapes.items()}
        for _ in range(steps)
    ]


def _inputs(
    seed: int, shapes: dict[str, tuple[int, ...]], steps: int = 3, size: tuple[float, float] = (0.2, 2.0)
) -> tuple[Params, list[Params]]:
    rng = generator(seed)
    params = {key: rng.normal(size=shape) for key, shape in shapes.items()}
    return params, _gradients(rng, shapes, steps, size)


# -- replaying updates in the grader ---------------------------------------------


def _copy(params: Params) -> Params:
    return {key: np.array(value, dtype=np.float64, copy=True) for key, value in params.items()}


def _reference_run(name: str, hyper: dict[str, float], params0: Params, grads_seq: list[Params]) -> Trajectory:
    """The parameters after each update call of the reference optimizer."""
    optimizer = REFERENCE[name](**hyper)
    params = _copy(params0)
    trajectory = []
    for grads in grads_seq:
        optimizer.update(params, _copy(grads))
        trajectory.append(_copy(params))
    return trajectory


def _replay(
    rule: Rule,
    params0: Params,
    grads_seq: list[Params],
    *,
    fresh: bool = False,
    keep_t: bool = False,
    shared: bool = False,
) -> Trajectory:
    """Apply ``rule`` key by key, call by call, the way a (possibly wrong) optimizer would.

    fresh : the state is thrown away at every call (``keep_t``: but t keeps counting).
    shared : one state for every key instead of one per key.
    """
    params = _copy(params0)
    states: dict[str, dict[str, Any]] = {}
    t = 0
    trajectory = []
    with np.errstate(all="ignore"):
        for grads in grads_seq:
            if fresh:
                states = {}
                t = t if keep_t else 0
            t += 1
            for key in params:
                state = states.setdefault("shared" if shared else key, {})
                params[key] = params[key] + rule(state, grads[key], t)
            trajectory.append(_copy(params))
    return trajectory


def _scaled_step(
    lr: float, g: np.ndarray, h: np.ndarray, *, eps_inside: bool, no_sqrt: bool, eps: float = EPS
) -> np.ndarray:
    if no_sqrt:
        return -lr * g / (h + eps)
    if eps_inside:
        return -lr * g / np.sqrt(h + eps)
    return -lr * g / (np.sqrt(h) + eps)


def _rule(name: str, hyper: dict[str, float], **how: Any) -> Rule:
    """The update rule of ``name``; ``how`` switches on one known variant of it."""
    lr = hyper["lr"]
    eps_inside = how.get("eps_inside", False)
    no_sqrt = how.get("no_sqrt", False)
    eps = how.get("eps", EPS)
    if name == "SGD":
        return lambda state, g, t: -lr * g
    if name == "Momentum":
        momentum = hyper["momentum"]

        def momentum_rule(state, g, t):
            state["v"] = momentum * state.get("v", 0.0) - lr * g
            return state["v"]

        return momentum_rule
    if name == "AdaGrad":
        linear = how.get("linear", False)

        def adagrad_rule(state, g, t):
            state["h"] = state.get("h", 0.0) + (g if linear else g * g)
            return _scaled_step(lr, g, state["h"], eps_inside=eps_inside, no_sqrt=no_sqrt, eps=eps)

        return adagrad_rule
    if name == "RMSprop":
        rate = hyper["decay_rate"]
        old, new = {
            "contract": (rate, 1 - rate),
            "no_one_minus": (rate, 1.0),
            "swapped": (1 - rate, rate),
            "sum": (1.0, 1.0),
        }[how.get("weights", "contract")]

        def rmsprop_rule(state, g, t):
            state["h"] = old * state.get("h", 0.0) + new * g * g
            return _scaled_step(lr, g, state["h"], eps_inside=eps_inside, no_sqrt=no_sqrt, eps=eps)

        return rmsprop_rule
    if name == "Adam":
        return _adam_rule(hyper, **how)
    raise ValueError(f"no rule for {name}")


def _adam_rule(
    hyper: dict[str, float],
    *,
    folded: bool = False,
    eps_inside: bool = False,
    no_sqrt: bool = False,
    eps: float = EPS,
    correct_m: bool = True,
    correct_v: bool = True,
    t_mode: str = "call",
) -> Rule:
    lr, beta1, beta2 = hyper["lr"], hyper["beta1"], hyper["beta2"]
    per_key = [0]

    def adam_rule(state, g, t):
        if t_mode == "key":
            per_key[0] += 1
            t = per_key[0]
        elif t_mode == "one":
            t = 1
        elif t_mode == "zero":
            t = 0
        state["m"] = beta1 * state.get("m", 0.0) + (1 - beta1) * g
        state["v"] = beta2 * state.get("v", 0.0) + (1 - beta2) * g * g
        c1 = 1 - beta1**t if correct_m else 1.0
        c2 = 1 - beta2**t if correct_v else 1.0
        if folded:
            lr_t = lr * np.sqrt(c2) / c1
            return _scaled_step(lr_t, state["m"], state["v"], eps_inside=eps_inside, no_sqrt=no_sqrt, eps=eps)
        return _scaled_step(lr, state["m"] / c1, state["v"] / c2, eps_inside=eps_inside, no_sqrt=no_sqrt, eps=eps)

    return adam_rule


def _flat(trajectory: Sequence[Params]) -> np.ndarray:
    return np.concatenate([np.ravel(params[key]) for params in trajectory for key in params])


def _accepted_forms(name: str, hyper: dict[str, float], params0: Params, grads_seq: list[Params]) -> list[Trajectory]:
    """Every correct way to write ``name`` that the contract allows."""
    if name in ("AdaGrad", "RMSprop"):
        return [_replay(_rule(name, hyper, eps_inside=True), params0, grads_seq)]
    if name == "Adam":
        return [
            _replay(_adam_rule(hyper, folded=folded, eps_inside=inside), params0, grads_seq)
            for folded in (False, True)
            for inside in (False, True)
        ]
    return []


def _tolerance(expected: Trajectory, params0: Params, accepted: list[Trajectory]) -> float:
    """Absolute tolerance on the parameters: the spread of the correct forms, with room.

    Never below ``STEP_RTOL`` times the largest single step, so rounding and
    float32 state pass; the mistakes the checks look for change a step by far
    more than that.
    """
    previous = [params0, *expected[:-1]]
    largest_step = max(
        float(np.max(np.abs(after[key] - before[key])))
        for before, after in zip(previous, expected, strict=True)
        for key in after
    )
    spread = max((float(np.max(np.abs(_flat(form) - _flat(expected)))) for form in accepted), default=0.0)
    return max(STEP_RTOL * largest_step, 4 * spread) + 1e-12


# -- known mistakes ---------------------------------------------------------------


def _signature(name: str, hyper: dict[str, float]) -> str:
    return f"{name}({', '.join(f'{key}={value:g}' for key, value in hyper.items())})"


def _common_variants(name: str, hyper: dict[str, float], params0: Params, grads_seq: list[Params]) -> list[Variant]:
    """Mistakes every optimizer can make."""
    variants = [
        Variant(
            [params0] * len(grads_seq),
            Text(
                "params did not change at all: `p = p - ...` on a loop variable, or a new dict, leaves "
                "the caller's params as they were; write params[key] -= ... (or += for Momentum)",
                "params がまったく変わっていません。ループ変数への `p = p - ...` や新しい dict の作成では"
                "呼び出し元の params は変わりません。params[key] -= ...(Momentum は +=)と書いてください",
            ),
        ),
        Variant(
            _reference_run(name, hyper, params0, [{k: -g for k, g in grads.items()} for grads in grads_seq]),
            Text(
                "the parameters moved uphill, along the gradient: the sign of the step is flipped "
                "(descent subtracts lr * g; for Momentum, v = momentum * v - lr * g and then p += v)",
                "パラメータが勾配の方向(上り坂)に動いています。更新の符号が逆です"
                "(勾配降下では lr * g を引きます。Momentum は v = momentum * v - lr * g、p += v)",
            ),
        ),
    ]
    changed = [key for key in hyper if hyper[key] != DEFAULTS[name][key]]
    for size in range(len(changed), 0, -1):
        for keys in combinations(changed, size):
            used = {**hyper, **{key: DEFAULTS[name][key] for key in keys}}
            names = ", ".join(f"{key}={DEFAULTS[name][key]:g}" for key in keys)
            given = ", ".join(f"{key}={hyper[key]:g}" for key in keys)
            variants.append(
                Variant(
                    _reference_run(name, used, params0, grads_seq),
                    Text(
                        f"your numbers are what {names} ({'the default' if size == 1 else 'the defaults'}) "
                        f"{'gives' if size == 1 else 'give'}, not the {given} passed to the constructor: "
                        "store the arguments in __init__ (self.lr = lr) and use self.lr etc. in update",
                        f"コンストラクタに渡した {given} ではなく、既定値 {names} の結果になっています。"
                        "__init__ で引数を保存し(self.lr = lr)、update では self.lr などを使ってください",
                    ),
                )
            )
    return variants


FRESH_HINT = Text(
    "the first update call is right but later ones are not: the state (v, h, m) is re-created on every "
    "call. Create it once, when it is still None, and keep it in self between calls",
    "1 回目の update は正しいのに 2 回目以降が違います。状態(v, h, m)が呼び出しのたびに作り直されています。"
    "None のときに 1 回だけ作り、self に保持して呼び出しをまたいで使ってください",
)
SHARED_HINT = Text(
    "one state array is shared by every key: each parameter needs its own, e.g. "
    "self.v = {key: np.zeros_like(val) for key, val in params.items()} on the first call",
    "状態の配列が全キーで 1 つを共有しています。パラメータごとに必要です。例えば最初の呼び出しで "
    "self.v = {key: np.zeros_like(val) for key, val in params.items()} とします",
)
PER_KEY_HINT = Text(
    "every key needs its own state, kept between calls: e.g. "
    "self.v = {key: np.zeros_like(val) for key, val in params.items()} when self.v is None "
    "(if the check with W (3, 4) and b (4,) fails too, fix that one first: a wrong update rule shows here as well)",
    "キーごとに別の状態を持ち、呼び出しをまたいで保持します。例えば self.v が None のときに "
    "self.v = {key: np.zeros_like(val) for key, val in params.items()} とします"
    "(W (3, 4) と b (4,) のチェックも失敗している場合は、そちらを先に直してください。更新式の誤りはここにも現れます)",
)
NO_SQRT_HINT = Text(
    "the square root is missing: divide by np.sqrt(h) + 1e-7, not by h + 1e-7",
    "平方根が抜けています。h + 1e-7 ではなく np.sqrt(h) + 1e-7 で割ります",
)


def _variants(name: str, hyper: dict[str, float], params0: Params, grads_seq: list[Params]) -> list[Variant]:
    """The known wrong answers for this optimizer on these inputs."""
    variants = _common_variants(name, hyper, params0, grads_seq)

    def replay(hint: Text, *, fresh: bool = False, keep_t: bool = False, shared: bool = False, **how: Any) -> None:
        trajectory = _replay(_rule(name, hyper, **how), params0, grads_seq, fresh=fresh, keep_t=keep_t, shared=shared)
        variants.append(Variant(trajectory, hint))

    if name == "SGD":
        return variants
    replay(FRESH_HINT, fresh=True)
    if len({value.shape for value in params0.values()}) == 1:
        replay(SHARED_HINT, shared=True)
    if name == "Momentum":
        return variants
    if name == "Adam":
        replay(FRESH_HINT, fresh=True, keep_t=True)
        replay(
            Text(
                "the bias correction is missing: m_hat = m / (1 - beta1**t) and v_hat = v / (1 - beta2**t) "
                "(or the folded lr_t = lr * sqrt(1 - beta2**t) / (1 - beta1**t)); m and v start at 0",
                "バイアス補正が抜けています。m_hat = m / (1 - beta1**t)、v_hat = v / (1 - beta2**t) です"
                "(または lr_t = lr * sqrt(1 - beta2**t) / (1 - beta1**t))。m と v は 0 から始まります",
            ),
            correct_m=False,
            correct_v=False,
        )
        replay(
            Text(
                "only m is bias-corrected: v needs it too, v_hat = v / (1 - beta2**t)",
                "m だけがバイアス補正されています。v も v_hat = v / (1 - beta2**t) と補正します",
            ),
            correct_v=False,
        )
        replay(
            Text(
                "only v is bias-corrected: m needs it too, m_hat = m / (1 - beta1**t)",
                "v だけがバイアス補正されています。m も m_hat = m / (1 - beta1**t) と補正します",
            ),
            correct_m=False,
        )
        replay(
            Text(
                "t is increased once per key: it counts update calls, so increase it once, before the loop "
                "over the keys",
                "t がキーごとに増えています。t は update の呼び出し回数なので、キーのループの前で 1 回だけ増やします",
            ),
            t_mode="key",
        )
        replay(
            Text(
                "t stays 1: keep the step count in self (self.iter += 1 at the start of update) so it grows "
                "with every call",
                "t が 1 のままです。ステップ数を self に保持し(update の最初に self.iter += 1)、"
                "呼び出しごとに増やしてください",
            ),
            t_mode="one",
        )
        replay(
            Text(
                "t is 0 in the bias correction, so 1 - beta**t is 0 and every value is nan: increase t "
                "before you use it, so the first call has t = 1",
                "バイアス補正で t が 0 のため 1 - beta**t が 0 になり、すべて nan です。"
                "t は使う前に増やし、最初の呼び出しで t = 1 にしてください",
            ),
            t_mode="zero",
        )
        replay(
            Text(
                "the square root is missing: divide by np.sqrt(v_hat) + 1e-7",
                "平方根が抜けています。np.sqrt(v_hat) + 1e-7 で割ります",
            ),
            no_sqrt=True,
        )
        return variants
    replay(NO_SQRT_HINT, no_sqrt=True)
    if name == "AdaGrad":
        replay(
            Text(
                "h accumulates g instead of g * g (the root of a negative h is nan): h += g * g",
                "h に g * g ではなく g を足しています(負の h の平方根は nan になります)。h += g * g です",
            ),
            linear=True,
        )
    if name == "RMSprop":
        replay(
            Text(
                "the new g * g needs the weight (1 - decay_rate): h = decay_rate * h + (1 - decay_rate) * g * g",
                "新しい g * g には (1 - decay_rate) を掛けます。h = decay_rate * h + (1 - decay_rate) * g * g です",
            ),
            weights="no_one_minus",
        )
        replay(
            Text(
                "decay_rate and 1 - decay_rate are swapped: decay_rate weighs the old h, 1 - decay_rate the new g * g",
                "decay_rate と 1 - decay_rate が逆です。"
                "decay_rate は古い h に、1 - decay_rate は新しい g * g に掛けます",
            ),
            weights="swapped",
        )
        replay(
            Text(
                "h is a sum as in AdaGrad, not a moving average: h = decay_rate * h + (1 - decay_rate) * g * g",
                "h が AdaGrad と同じ和になっています。移動平均 h = decay_rate * h + (1 - decay_rate) * g * g です",
            ),
            weights="sum",
        )
    return variants


# -- hints ------------------------------------------------------------------------

RULES: dict[str, Text] = {
    "SGD": Text(
        "params[key] -= self.lr * grads[key] for every key, with the lr given to the constructor",
        "すべてのキーで params[key] -= self.lr * grads[key] です(lr はコンストラクタに渡された値)",
    ),
    "Momentum": Text(
        "one velocity per key, zeros on the first call and kept afterwards: "
        "v[key] = momentum * v[key] - lr * g, then params[key] += v[key]",
        "速度 v はキーごとに 1 つ、最初の呼び出しで 0 として作り、その後も保持します。"
        "v[key] = momentum * v[key] - lr * g、続けて params[key] += v[key] です",
    ),
    "AdaGrad": Text(
        "one h per key, zeros on the first call, growing with every call: h[key] += g * g, then "
        "params[key] -= lr * g / (np.sqrt(h[key]) + 1e-7)",
        "h はキーごとに 1 つ、最初の呼び出しで 0 として作り、呼び出しのたびに増えます。h[key] += g * g、"
        "続けて params[key] -= lr * g / (np.sqrt(h[key]) + 1e-7) です",
    ),
    "RMSprop": Text(
        "one h per key, zeros on the first call and kept afterwards: "
        "h[key] = decay_rate * h[key] + (1 - decay_rate) * g * g, then "
        "params[key] -= lr * g / (np.sqrt(h[key]) + 1e-7)",
        "h はキーごとに 1 つ、最初の呼び出しで 0 として作り、その後も保持します。"
        "h[key] = decay_rate * h[key] + (1 - decay_rate) * g * g、"
        "続けて params[key] -= lr * g / (np.sqrt(h[key]) + 1e-7) です",
    ),
    "Adam": Text(
        "one m and one v per key, zeros on the first call and kept afterwards; t += 1 once per call; "
        "per key m = beta1 * m + (1 - beta1) * g, v = beta2 * v + (1 - beta2) * g * g, "
        "params[key] -= lr * m_hat / (np.sqrt(v_hat) + 1e-7) with m_hat = m / (1 - beta1**t), "
        "v_hat = v / (1 - beta2**t)",
        "m と v はキーごとに 1 つずつ、最初の呼び出しで 0 として作り、その後も保持します。"
        "呼び出しごとに t += 1、キーごとに m = beta1 * m + (1 - beta1) * g、v = beta2 * v + (1 - beta2) * g * g、"
        "m_hat = m / (1 - beta1**t)、v_hat = v / (1 - beta2**t) として "
        "params[key] -= lr * m_hat / (np.sqrt(v_hat) + 1e-7) です",
    ),
}
REBIND_HINT = Text(
    "params[key] = params[key] - ... puts a new array into the dict; a layer that still holds the old array "
    "never sees the update. Change the array itself: params[key] -= ... (or += for Momentum)",
    "params[key] = params[key] - ... は dict に新しい配列を入れるだけで、古い配列を持っている層には更新が"
    "届きません。配列そのものを書き換えてください: params[key] -= ...(Momentum は +=)",
)
GRADS_HINT = Text(
    "grads belong to the caller and must stay as they were (something like grads[key] *= lr changes them); "
    "compute into a new array: params[key] -= self.lr * grads[key]",
    "grads は呼び出し元のもので、変更してはいけません(grads[key] *= lr などで書き換わります)。"
    "新しい配列で計算してください: params[key] -= self.lr * grads[key]",
)


# -- verdicts ---------------------------------------------------------------------


def _describe_params(params: Params) -> str:
    return ", ".join(f"{key} {tuple(value.shape)}" for key, value in params.items())


def _trajectory_lines(run: ProbeRun, expected: Trajectory, params0: Params, atol: float) -> list[Text]:
    """Lines about the first update call whose result differs; empty when none does."""
    previous_got, previous_expected = params0, params0
    for call, expected_params in enumerate(expected, start=1):
        items = run.output(f"params_{call}").items
        got_params: Params = {}
        for key, want in expected_params.items():
            after = Text(
                f"after update call {call} of {len(expected)}:", f"update {call} 回目({len(expected)} 回中)の後:"
            )
            got = items.get(key)
            if got is None:
                return [
                    after,
                    Text(
                        f"params['{key}'] is not a numeric array (update must keep ndarrays in params)",
                        f"params['{key}'] が数値の配列ではありません(params には ndarray を入れたままにしてください)",
                    ),
                ]
            lines = close(got, want, what=f"params['{key}']", rtol=0.0, atol=atol)
            if lines:
                lines = [after, *lines, *_step_lines(got, want, previous_got[key], previous_expected[key], call)]
                if call > 1:
                    earlier = "update call 1 gave" if call == 2 else f"update calls 1 to {call - 1} gave"
                    lines.append(
                        Text(
                            f"{earlier} the right values; call {call} is the first that differs",
                            f"update の {'1' if call == 2 else f'1〜{call - 1}'} 回目は正しく、"
                            f"{call} 回目で初めて違いが出ます",
                        )
                    )
                return lines
            got_params[key] = got
        previous_got, previous_expected = got_params, expected_params
    return []


def _step_lines(
    got: np.ndarray, want: np.ndarray, got_before: np.ndarray, want_before: np.ndarray, call: int
) -> list[Text]:
    """How far that call moved the worst element, against how far it should have."""
    if got.shape != want.shape:
        return []
    with np.errstate(all="ignore"):
        error = np.nan_to_num(np.abs(got.astype(np.float64) - want), nan=np.inf)
    index = np.unravel_index(int(np.argmax(error)), want.shape)
    moved = float(got[index]) - float(got_before[index])
    should = float(want[index]) - float(want_before[index])
    where = "[" + ", ".join(str(int(i)) for i in index) + "]" if index else ""
    return [
        Text(
            f"update call {call} moved that element{where} by {moved:.6g}; expected a step of {should:.6g}",
            f"update {call} 回目でその要素{where}は {moved:.6g} 動きました。期待される更新量は {should:.6g} です",
        )
    ]


def _identity_lines(run: ProbeRun, keys: Sequence[str], calls: int, owner: str) -> list[Text]:
    for call in range(1, calls + 1):
        for key in keys:
            kept = run.output(f"same_{call}_{key}").array
            if kept is None or not bool(kept):
                return [
                    Text(
                        f"after update call {call}, params['{key}'] is a new array object: {owner}.update "
                        "replaced the dict entry instead of changing the array in place",
                        f"update {call} 回目の後、params['{key}'] が別の配列オブジェクトになっています。"
                        f"{owner}.update が配列をその場で書き換えず、dict の値を差し替えました",
                    )
                ]
    return []


def _grads_lines(run: ProbeRun, grads_seq: list[Params], owner: str) -> list[Text]:
    for call, grads in enumerate(grads_seq, start=1):
        items = run.output(f"grads_{call}").items
        for key, original in grads.items():
            if not untouched(items.get(key), original):
                label = Text(f"grads['{key}'] (update call {call})", f"grads['{key}'](update {call} 回目)")
                return [modified_line(f"{owner}.update", label)]
    return []


def _probe(
    name: str, hyper: dict[str, float] | None, params0: Params, grads_seq: list[Params], *, in_place: bool
) -> Probe:
    """Construct ``name``, call update once per gradient dict, save params after each call.

    With ``in_place``, also save whether each params[key] is still the same object
    and, at the end, every grads dict.
    """
    probe = Probe()
    optimizer = probe.new(name, **(hyper or {}))
    params = probe.dict(**params0)
    grads_refs = []
    for call, grads in enumerate(grads_seq, start=1):
        grads_ref = probe.dict(**grads)
        grads_refs.append(grads_ref)
        before = {key: probe.item(params, key) for key in params0} if in_place else {}
        probe.method(optimizer, "update", params, grads_ref)
        for key, ref in before.items():
            probe.save(probe.same(ref, probe.item(params, key)), f"same_{call}_{key}")
        probe.save(params, f"params_{call}")
    if in_place:
        for call, grads_ref in enumerate(grads_refs, start=1):
            probe.save(grads_ref, f"grads_{call}")
    return probe


def _trajectory_check(
    name: str,
    check_name: str,
    check_name_ja: str,
    hyper: dict[str, float] | None,
    params0: Params,
    grads_seq: list[Params],
    *,
    in_place: bool,
    variants: Callable[[], list[Variant]],
    hint: Text,
) -> Check:
    """A check that replays ``len(grads_seq)`` update calls against the reference.

    ``variants`` works out the known wrong trajectories, when a wrong answer first asks (``Later``).
    """
    used = hyper if hyper is not None else DEFAULTS[name]
    expected = _reference_run(name, used, params0, grads_seq)
    atol = _tolerance(expected, params0, _accepted_forms(name, used, params0, grads_seq))
    flat_variants = Later(partial(_flattened, variants))
    keys = list(params0)

    def verify(run: ProbeRun) -> Verdict:
        lines = _trajectory_lines(run, expected, params0, atol)
        failure_hint = None
        got_flat = _flat_or_none(run, keys, len(grads_seq)) if lines else None
        if got_flat is not None:
            failure_hint = _variant_hint(got_flat, flat_variants(), atol)
        if in_place:
            rebound = _identity_lines(run, keys, len(grads_seq), name)
            modified = _grads_lines(run, grads_seq, name)
            if not lines:
                failure_hint = REBIND_HINT if rebound else GRADS_HINT if modified else None
            lines += rebound + modified
        return Verdict.unless(lines, failure_hint)

    constructed = _signature(name, hyper) if hyper is not None else f"{name}()"
    context = f"{constructed}; params {_describe_params(params0)}; {len(grads_seq)} × update(params, grads)"
    return Check(
        check_name,
        check_name_ja,
        _probe(name, hyper, params0, grads_seq, in_place=in_place),
        verify,
        hint=hint,
        context=context,
        error_hint=_error_hint,
    )


def _flattened(variants: Callable[[], list[Variant]]) -> list[Variant]:
    return [Variant(_flat(variant.value), variant.hint) for variant in variants()]


def _variant_hint(got: np.ndarray, variants: Sequence[Variant], atol: float) -> Text | None:
    """The hint of the known mistake that gives ``got``; every one of them when several do.

    Some mistakes are indistinguishable on some inputs: RMSprop without the
    (1 - decay_rate) weight gives exactly what lr=0.001 gives at the defaults.
    """
    hints: list[Text] = []
    for variant in variants:
        if is_close(got, variant.value, 0.0, atol) and variant.hint not in hints:
            hints.append(variant.hint)
    if len(hints) <= 1:
        return hints[0] if hints else None
    numbered_en = " ".join(f"({number}) {hint.en}" for number, hint in enumerate(hints, start=1))
    numbered_ja = " ".join(f"({number}) {hint.ja}" for number, hint in enumerate(hints, start=1))
    return Text(
        f"{len(hints)} different mistakes give exactly these numbers: {numbered_en}",
        f"次の {len(hints)} つのどれでも、まさにこの値になります: {numbered_ja}",
    )


def _flat_or_none(run: ProbeRun, keys: Sequence[str], calls: int) -> np.ndarray | None:
    """All saved parameters in one flat float64 array, or None if any is missing."""
    parts = []
    for call in range(1, calls + 1):
        items = run.output(f"params_{call}").items
        for key in keys:
            value = items.get(key)
            if value is None or value.dtype.kind not in "biuf":
                return None
            parts.append(np.ravel(value).astype(np.float64))
    return np.concatenate(parts)


# -- gradients of exactly 0 and below the 1e-7 constant ----------------------------

# (key, index) of the elements whose gradient is 0 in every call, and of those whose
# gradient is smaller than the 1e-7 constant (one value per update call)
ZERO_ELEMENTS: tuple[tuple[str, tuple[int, ...]], ...] = (("W", (0, 0)), ("b", (2,)))
TINY_ELEMENTS: dict[tuple[str, tuple[int, ...]], tuple[float, ...]] = {
    ("W", (1, 2)): (3e-8, -6e-8, 2e-8),
    ("b", (1,)): (-5e-8, -5e-8, 4e-9),
}
EDGE_NAMES = {
    name: (
        f"{name}: a gradient of exactly 0 leaves its weight where it is, one below 1e-7 steps against it "
        f"({_signature(name, MAIN_HYPER[name])}, 3 update calls)",
        f"{name}: 勾配がちょうど 0 の重みは動かさず、1e-7 より小さい勾配では勾配と逆向きに動かす"
        f"({_signature(name, MAIN_HYPER[name])}、3 回の update)",
    )
    for name in ("AdaGrad", "RMSprop", "Adam")
}
DROPPED_EPS_HINT = Text(
    "where g is 0, h is 0 too, and without the small constant the step is 0 / 0 = nan (a gradient below 1e-7 "
    "takes the full step lr instead of a small one): divide by (np.sqrt(h) + 1e-7), with the parentheses",
    "g が 0 の要素では h も 0 で、小さな定数がないと更新量は 0 / 0 = nan になります(1e-7 より小さい勾配でも"
    "小さな更新ではなく lr いっぱいの更新になります)。括弧をつけて (np.sqrt(h) + 1e-7) で割ってください",
)
SUBTRACTED_EPS_HINT = Text(
    "the 1e-7 is subtracted: for a gradient smaller than 1e-7, np.sqrt(h) - 1e-7 is negative, so the weight "
    "moves uphill, along g; the constant is added, np.sqrt(h) + 1e-7",
    "1e-7 を引いています。1e-7 より小さい勾配では np.sqrt(h) - 1e-7 が負になり、重みが勾配の方向(上り坂)に"
    "動きます。定数は足します: np.sqrt(h) + 1e-7",
)
OTHER_EPS_HINT = Text(
    "the small constant is 1e-8 (PyTorch's Adam default); this course's is 1e-7, and with gradients near "
    "1e-7 the two give different steps",
    "小さな定数が 1e-8(PyTorch の Adam の既定値)になっています。この講座では 1e-7 で、"
    "1e-7 付近の勾配では更新量が変わります",
)


def _edge_inputs(seed: int) -> tuple[Params, list[Params]]:
    params0, grads_seq = _inputs(seed, {"W": (2, 3), "b": (3,)})
    for call, grads in enumerate(grads_seq):
        for key, index in ZERO_ELEMENTS:
            grads[key][index] = 0.0
        for (key, index), values in TINY_ELEMENTS.items():
            grads[key][index] = values[call]
    return params0, grads_seq


def _edge_forms(
    name: str, hyper: dict[str, float], params0: Params, grads_seq: list[Params], **how: Any
) -> list[Trajectory]:
    """The trajectories of every accepted form, or of every form with ``how`` (a wrong constant)."""
    if name == "Adam":
        return [
            _replay(_adam_rule(hyper, folded=folded, eps_inside=inside, **how), params0, grads_seq)
            for folded in (False, True)
            for inside in (False, True)
        ]
    return [_replay(_rule(name, hyper, eps_inside=inside, **how), params0, grads_seq) for inside in (False, True)]


def _edge_lines(run: ProbeRun, params0: Params, grads_seq: list[Params], forms: list[Trajectory]) -> list[Text]:
    """How the learner moved the special elements in the first update call, against the accepted forms."""
    items = run.output("params_1").items
    lines: list[Text] = []
    special = [(key, index, 0.0) for key, index in ZERO_ELEMENTS]
    special += [(key, index, values[0]) for (key, index), values in TINY_ELEMENTS.items()]
    for key, index, g in special:
        got = items.get(key)
        if got is None or got.shape != params0[key].shape or got.dtype.kind not in "biuf":
            continue
        where = f"params['{key}'][{', '.join(str(i) for i in index)}]"
        moved = float(got[index]) - float(params0[key][index])
        steps = [float(form[0][key][index]) - float(params0[key][index]) for form in forms]
        if g == 0.0:
            lines.append(
                Text(
                    f"update call 1: {where} has g = 0 and moved by {moved:.6g}; every accepted form leaves it still",
                    f"update 1 回目: {where} は g = 0 で {moved:.6g} 動きました。正しい形ではどれも動きません",
                )
            )
        else:
            low, high = min(steps, key=abs), max(steps, key=abs)
            lines.append(
                Text(
                    f"update call 1: {where} has g = {g:g} and moved by {moved:.6g}; the accepted forms move it "
                    f"by {low:.3g} to {high:.3g}, against g (1e-7 after or inside the square root)",
                    f"update 1 回目: {where} は g = {g:g} で {moved:.6g} 動きました。正しい形での更新量は "
                    f"{low:.3g} から {high:.3g} で、勾配と逆向きです(1e-7 は平方根の外でも中でもよい)",
                )
            )
    return lines


def _edge_check(name: str, seed: int) -> Check:
    """Gradients of exactly 0 and below 1e-7: the step must match one accepted form exactly.

    Here the accepted forms drift far apart (1e-7 inside the root turns a 3e-8
    gradient's step into about lr * 1e-4, outside into about lr / 4), so the
    learner's trajectory is compared with each form on its own, not with a
    tolerance as wide as their spread.
    """
    hyper = MAIN_HYPER[name]
    params0, grads_seq = _edge_inputs(seed)
    forms = _edge_forms(name, hyper, params0, grads_seq)
    largest_step = max(
        float(np.max(np.abs(after[key] - before[key])))
        for before, after in zip([params0, *forms[0][:-1]], forms[0], strict=True)
        for key in after
    )
    atol = STEP_RTOL * largest_step + 1e-12
    variants = [
        Variant(_flat(trajectory), hint)
        for eps, hint in ((0.0, DROPPED_EPS_HINT), (-EPS, SUBTRACTED_EPS_HINT), (1e-8, OTHER_EPS_HINT))
        for trajectory in _edge_forms(name, hyper, params0, grads_seq, eps=eps)
    ]
    keys = list(params0)
    calls = len(grads_seq)

    def verify(run: ProbeRun) -> Verdict:
        got = _flat_or_none(run, keys, calls)
        if got is not None and got.shape != _flat(forms[0]).shape:
            got = None  # a parameter of another shape: _trajectory_lines says which
        if got is not None and any(is_close(got, _flat(form), 0.0, atol) for form in forms):
            return Verdict.ok()
        nearest = forms[0]
        if got is not None:
            with np.errstate(all="ignore"):
                errors = [np.nan_to_num(np.abs(got - _flat(form)), nan=np.inf).max() for form in forms]
            nearest = forms[int(np.argmin(errors))]
        lines = _trajectory_lines(run, nearest, params0, atol) + _edge_lines(run, params0, grads_seq, forms)
        return Verdict.fail(lines, _variant_hint(got, variants, atol) if got is not None else None)

    zero = ", ".join(f"{key}[{', '.join(str(i) for i in index)}]" for key, index in ZERO_ELEMENTS)
    tiny = ", ".join(f"{key}[{', '.join(str(i) for i in index)}]" for key, index in TINY_ELEMENTS)
    return Check(
        *EDGE_NAMES[name],
        _probe(name, hyper, params0, grads_seq, in_place=False),
        verify,
        hint=RULES[name],
        context=Text(
            f"{_signature(name, hyper)}; params W (2, 3), b (3,); 3 × update(params, grads); "
            f"g = 0 at {zero} in every call, |g| between 4e-9 and 6e-8 at {tiny}",
            f"{_signature(name, hyper)}。params は W (2, 3)、b (3,)。update(params, grads) を 3 回。"
            f"{zero} は毎回 g = 0、{tiny} は |g| が 4e-9 から 6e-8",
        ),
        error_hint=_error_hint,
    )


# -- optimizers written for lists ----------------------------------------------------

LIST_STYLE_HINT = Text(
    "params and grads are dicts of arrays keyed by name ('W', 'b', ...), not lists as in the book's second "
    "volume, so params[0] is a KeyError and a for loop over params gives the keys: loop with "
    "for key in params.keys(): params[key] -= self.lr * grads[key], and keep the state in dicts too (self.v[key])",
    "params と grads は名前('W'、'b' など)をキーとする配列の辞書で、ゼロから作る Deep Learning ❷ のような"
    "リストではありません。params[0] は KeyError になり、params を for でまわすとキーが出てきます。"
    "for key in params.keys(): params[key] -= self.lr * grads[key] のようにキーでループし、"
    "状態も辞書(self.v[key])に持ってください",
)


def _error_hint(exception: str, message: str) -> Text | None:
    """The hint for an exception that shows code written for lists of parameters, else None."""
    last = message.strip().splitlines()[-1] if message.strip() else ""
    if exception == "KeyError" and re.search(r"KeyError: -?\d+$", last):
        return LIST_STYLE_HINT
    # a key ('W') used as an array: as a Python string, or in NumPy as a string dtype ('<U1')
    if "TypeError" in exception and any(word in last for word in ("'str'", "can't multiply sequence", "dtype('<U")):
        return LIST_STYLE_HINT
    return None


# -- the checks -------------------------------------------------------------------

MAIN_NAMES = {
    "SGD": (
        "SGD: 3 update calls with lr=0.1 change W (3, 4) and b (4,) in place",
        "SGD: lr=0.1 で 3 回 update し、W (3, 4) と b (4,) をその場で更新する",
    ),
    "Momentum": (
        "Momentum: keeps its velocity over 3 update calls (lr=0.05, momentum=0.7)",
        "Momentum: 3 回の update で速度を保持する(lr=0.05, momentum=0.7)",
    ),
    "AdaGrad": (
        "AdaGrad: accumulates squared gradients over 3 update calls (lr=0.3)",
        "AdaGrad: 3 回の update で勾配の二乗を累積する(lr=0.3)",
    ),
    "RMSprop": (
        "RMSprop: moving average of g * g over 3 update calls (lr=0.05, decay_rate=0.8)",
        "RMSprop: 3 回の update で g * g の移動平均をとる(lr=0.05, decay_rate=0.8)",
    ),
    "Adam": (
        "Adam: bias-corrected steps over 3 update calls (lr=0.05, beta1=0.8, beta2=0.95)",
        "Adam: 3 回の update でバイアス補正した更新をする(lr=0.05, beta1=0.8, beta2=0.95)",
    ),
}
PER_KEY_NAMES = {
    "Momentum": (
        "Momentum: one velocity per parameter (two (2, 3) keys)",
        "Momentum: パラメータごとに別の速度を持つ((2, 3) のキー 2 つ)",
    ),
    "Adam": (
        "Adam: one m and v per parameter (two (2, 3) keys)",
        "Adam: パラメータごとに別の m と v を持つ((2, 3) のキー 2 つ)",
    ),
}


def _main_check(name: str, seed: int) -> Check:
    hyper = MAIN_HYPER[name]
    params0, grads_seq = _inputs(seed, {"W": (3, 4), "b": (4,)})
    return _trajectory_check(
        name,
        *MAIN_NAMES[name],
        hyper,
        params0,
        grads_seq,
        in_place=True,
        variants=partial(_variants, name, hyper, params0, grads_seq),
        hint=RULES[name],
    )


def _per_key_check(name: str, seed: int) -> Check:
    hyper = MAIN_HYPER[name]
    params0, grads_seq = _inputs(seed, {"W1": (2, 3), "W2": (2, 3)})
    return _trajectory_check(
        name,
        *PER_KEY_NAMES[name],
        hyper,
        params0,
        grads_seq,
        in_place=False,
        variants=partial(_variants, name, hyper, params0, grads_seq),
        hint=PER_KEY_HINT,
    )


def _defaults_check(name: str, seed: int) -> Check:
    defaults = DEFAULTS[name]
    # larger gradients: Adam's folded form with 1e-7 inside the root drifts from the
    # textbook form by about 5e-5 / g**2 of a step, and beta2 = 0.99 must stand out
    params0, grads_seq = _inputs(seed, {"W": (2, 3), "b": (3,)}, size=(1.0, 4.0))
    signature = _signature(name, defaults)
    return _trajectory_check(
        name,
        f"{name}: {name}() uses the defaults {signature[len(name) + 1 : -1]}",
        f"{name}: {name}() は既定値 {signature[len(name) + 1 : -1]} を使う",
        None,
        params0,
        grads_seq,
        in_place=False,
        variants=partial(_default_variants, name, params0, grads_seq),
        hint=Text(
            f"constructed with no arguments, it must behave as {signature}: check the defaults in __init__'s "
            "signature (if the check with explicit hyper-parameters fails too, fix that one first)",
            f"引数なしで作ったときは {signature} と同じ動作になります。__init__ の引数の既定値を確認してください"
            "(明示的なハイパーパラメータのチェックも失敗している場合は、そちらを先に直してください)",
        ),
    )


def _default_variants(name: str, params0: Params, grads_seq: list[Params]) -> list[Variant]:
    """What other defaults give, then the known wrong update rules (at the defaults)."""
    defaults = DEFAULTS[name]
    variants = []
    for other in OTHER_DEFAULTS[name]:
        used = {**defaults, **other}
        seen = ", ".join(f"{key}={value:g}" for key, value in other.items())
        wanted = ", ".join(f"{key}={defaults[key]:g}" for key in other)
        variants.append(
            Variant(
                _reference_run(name, used, params0, grads_seq),
                Text(
                    f"your numbers are what {seen} gives; the contract's default is {wanted}: "
                    "check __init__'s signature",
                    f"{seen} のときの値になっています。課題で決まっている既定値は {wanted} です。"
                    "__init__ の引数を確認してください",
                ),
            )
        )
    # a wrong update rule also shows here; name it, as the check with explicit values does
    return variants + _variants(name, defaults, params0, grads_seq)


def build_checks() -> list[Check]:
    """Every check of exercise 4."""
    return [
        _main_check("SGD", 41),
        _defaults_check("SGD", 42),
        _main_check("Momentum", 50),
        _per_key_check("Momentum", 51),
        _defaults_check("Momentum", 52),
        _main_check("AdaGrad", 60),
        _defaults_check("AdaGrad", 62),
        _edge_check("AdaGrad", 63),
        _main_check("RMSprop", 70),
        _defaults_check("RMSprop", 72),
        _edge_check("RMSprop", 73),
        _main_check("Adam", 80),
        _per_key_check("Adam", 81),
        _defaults_check("Adam", 82),
        _edge_check("Adam", 83),
    ]
