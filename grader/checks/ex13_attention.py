"""Checks for exercise 13: attention, LayerNorm, positional encoding and a Transformer encoder block.

The layers are rows of the layer-check engine (``grader.checks.layers``):
forward against an oracle on inputs that expose the classic mistakes, the
gradient check (backward against the learner's own forward along random
directions, and against the reference, element by element, with a random
``dout``; every gradient, the parameters' included), the hygiene check
(repeatable, linear in ``dout``, nothing the layer was given changed), and
the sequel's rule that ``backward`` writes into the arrays of ``self.grads``
(``grads_in_place_check``).  Every constructor and forward is also called
with its contract defaults (``eps``, ``mask``), and the forward oracles are
computed here by loops (one query, one head, one sample at a time), so the
forward is never judged only against code of the reference's making; the
reference itself is verified against PyTorch (tests/reference).

The inputs are chosen so each mistake shows: Tq != Tk and dk != dv (a
transposed product fails by its shape, not by luck), several heads of more
than one column (interleaved heads differ from consecutive blocks), masks
that leave every query at least one key under either polarity (so the
inverted mask is a wrong answer, not a NaN), scores beyond 700 for the
overflow, sequences (N, T, D) for LayerNorm (statistics over the batch or
the time axis differ from the last axis), d_model != d_ff and T != d_model
(a transposed table or weight shows by its shape).  ``positional_encoding`` is
graded on even widths only: the contract's formula covers odd ones, but the
usual ``pe[:, 0::2] = sin``, ``pe[:, 1::2] = cos`` idiom is written for even
d_model, as every Transformer uses.

LayerNorm's eps is 1e-5 by default, but the contract does not say whether it
is added inside the square root, sqrt(var + eps) (the paper, PyTorch), or
outside, sqrt(var) + eps: as exercise 7 does for BatchNormalization, both are
accepted, in LayerNorm and in the block (the row's ``conventions``: a forward
that follows the second is judged against it, backward then by the exact
gradient of that forward).  A missing or subtracted eps is a named mistake.

Self-attention has a check of its own: with q, k and v the same array x, the
gradient with respect to x is dq + dk + dv, compared with the reference and
with the learner's own forward moved along a direction of x in all three
slots at once (what TransformerEncoderBlock relies on).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from grader.checks.common import generator, output_check
from grader.checks.layers import (
    CONSISTENCY_RTOL,
    FORWARD_RTOL,
    GRADIENT_RTOL,
    IN_PLACE_INPUT,
    STEP,
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
from grader.checks.verdicts import Variant, close, is_close, matching_variant, unchanged, value_of
from grader.grading.engine import Check
from grader.grading.results import Verdict
from grader.sandbox.client import Probe, ProbeRun
from grader.text import Text, plain
from reference import (
    LayerNorm,
    MultiHeadAttention,
    ScaledDotProductAttention,
    TransformerEncoderBlock,
    positional_encoding,
)
from reference.attention import BLOCK_KEYS

EPS = 1e-5  # the contract's default eps of LayerNorm

# ----------------------------------------------------------------- inputs


def _mask(rng: np.random.Generator, tq: int, tk: int) -> np.ndarray:
    """A (tq, tk) mask whose every row hides some keys and shows others (either polarity is a valid mask)."""
    while True:
        mask = rng.random((tq, tk)) < 0.45
        if np.all(mask.any(axis=1)) and np.all((~mask).any(axis=1)):
            return mask


def _causal(t: int) -> np.ndarray:
    """True above the diagonal: position p does not see the positions after it."""
    return np.triu(np.ones((t, t), dtype=bool), k=1)


# ----------------------------------------------------------------- oracles and known mistakes, by loops


def _softmax_rows(scores: np.ndarray) -> np.ndarray:
    e = np.exp(scores - scores.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _attend(
    Q: np.ndarray,
    K: np.ndarray,
    V: np.ndarray,
    mask: np.ndarray | None = None,
    *,
    scale: str = "sqrt",
    axis: int = -1,
    fill: float = -np.inf,
    after: bool = False,
    invert: bool = False,
    naive: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """(out, weights) of attention, right or with one known mistake; one query at a time."""
    dk = Q.shape[-1]
    divide = {"sqrt": np.sqrt(dk), "none": 1.0, "dk": float(dk)}[scale]
    scores = np.einsum("...qd,...kd->...qk", Q, K) / divide
    hidden = None if mask is None else np.broadcast_to(mask, scores.shape)
    if hidden is not None and invert:
        hidden = ~hidden
    if hidden is not None and not after:
        scores = np.where(hidden, fill, scores)
    with np.errstate(all="ignore"):
        if naive:
            e = np.exp(scores)
            weights = e / e.sum(axis=axis, keepdims=True)
        elif axis == -1:
            weights = np.empty_like(scores)
            for index in np.ndindex(scores.shape[:-1]):
                row = scores[index]
                e = np.exp(row - row.max())
                weights[index] = e / e.sum()
        else:
            e = np.exp(scores - scores.max(axis=axis, keepdims=True))
            weights = e / e.sum(axis=axis, keepdims=True)
    if hidden is not None and after:
        weights = np.where(hidden, 0.0, weights)
    return np.einsum("...qk,...kv->...qv", weights, V), weights


def _attend_backward(
    Q: np.ndarray, K: np.ndarray, V: np.ndarray, mask: np.ndarray | None, dout: np.ndarray, mistake: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(dQ, dK, dV) with one known mistake in the backward pass."""
    _, weights = _attend(Q, K, V, mask)
    dweights = dout @ np.swapaxes(V, -1, -2)
    if mistake == "diagonal":
        dscores = dweights * weights * (1 - weights)
    else:
        dscores = weights * (dweights - np.sum(dweights * weights, axis=-1, keepdims=True))
    if mistake != "unscaled":
        dscores = dscores / np.sqrt(Q.shape[-1])
    return dscores @ K, np.swapaxes(dscores, -1, -2) @ Q, np.swapaxes(weights, -1, -2) @ dout


def _layer_norm(
    x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, eps: float = EPS, *, axes: Any = -1, ddof: int = 0
) -> np.ndarray:
    """Gamma * (x - mean) / sqrt(var + eps) + beta with the statistics over ``axes``."""
    mean = x.mean(axis=axes, keepdims=True)
    count = np.prod([x.shape[a] for a in np.atleast_1d(axes)])
    var = np.sum((x - mean) ** 2, axis=axes, keepdims=True) / (count - ddof)
    return gamma * (x - mean) / np.sqrt(var + eps) + beta


def _layer_norm_oracle(values: Mapping[str, Any]) -> np.ndarray:
    """One sample (one time step) at a time, with the statistics written out."""
    x, gamma, beta, eps = values["x"], values["gamma"], values["beta"], values["eps"]
    out = np.empty_like(x)
    for index in np.ndindex(x.shape[:-1]):
        row = x[index]
        mean = sum(row) / row.size
        var = sum((value - mean) ** 2 for value in row) / row.size
        out[index] = gamma * (row - mean) / np.sqrt(var + eps) + beta
    return out


def _heads(
    q: np.ndarray,
    k: np.ndarray,
    v: np.ndarray,
    weights: Sequence[np.ndarray],
    num_heads: int,
    mask: np.ndarray | None = None,
    *,
    interleave: bool = False,
    scale_model: bool = False,
    merge: str = "concat",
    output: bool = True,
) -> np.ndarray:
    """Multi-head attention head by head with column slices; one known mistake at a time."""
    Wq, Wk, Wv, Wo = weights
    d_model = Wq.shape[0]
    dh = d_model // num_heads
    Q, K, V = q @ Wq, k @ Wk, v @ Wv
    outs = []
    for j in range(num_heads):
        columns = slice(j, None, num_heads) if interleave else slice(j * dh, (j + 1) * dh)
        Qj = Q[..., columns]
        if scale_model:
            Qj = Qj * np.sqrt(dh) / np.sqrt(d_model)
        outs.append(_attend(Qj, K[..., columns], V[..., columns], mask)[0])
    if merge == "no-transpose":
        # (N, h, T, dh) reshaped straight to (N, T, d_model)
        concat = np.stack(outs, axis=1).reshape(q.shape[0], q.shape[1], d_model)
    elif interleave:
        concat = np.empty_like(Q)
        for j, out in enumerate(outs):
            concat[..., j::num_heads] = out
    else:
        concat = np.concatenate(outs, axis=-1)
    return concat @ Wo if output else concat


def _mha_oracle(values: Mapping[str, Any]) -> np.ndarray:
    weights = [values[key] for key in ("Wq", "Wk", "Wv", "Wo")]
    return _heads(values["q"], values["k"], values["v"], weights, values["num_heads"], values["mask"])


def _block_forward(values: Mapping[str, Any], mistake: str = "") -> np.ndarray:
    """The encoder block from its parts, right or with one known mistake."""
    p = values
    x, mask, heads = values["x"], values["mask"], values["num_heads"]
    weights = [p["Wq"], p["Wk"], p["Wv"], p["Wo"]]
    g1, b1, g2, b2 = p["gamma1"], p["beta1"], p["gamma2"], p["beta2"]
    if mistake == "swapped-norms":
        g1, b1, g2, b2 = g2, b2, g1, b1

    def ffn(h: np.ndarray) -> np.ndarray:
        u = h @ p["W1"] + p["b1"]
        return (u if mistake == "no-relu" else np.maximum(u, 0.0)) @ p["W2"] + p["b2"]

    if mistake == "pre-ln":
        n1 = _layer_norm(x, g1, b1)
        x1 = x + _heads(n1, n1, n1, weights, heads, mask)
        return x1 + ffn(_layer_norm(x1, g2, b2))
    attended = _heads(x, x, x, weights, heads, mask)
    x1 = _layer_norm(attended if mistake == "no-residual-1" else x + attended, g1, b1)
    return _layer_norm(ffn(x1) if mistake == "no-residual-2" else x1 + ffn(x1), g2, b2)


def _block_oracle(values: Mapping[str, Any]) -> np.ndarray:
    return _block_forward(values)


def _block_dx(values: Mapping[str, Any], dout: np.ndarray, mistake: str) -> np.ndarray:
    """Dx of the encoder block with one known mistake in its backward pass (the reference's parts)."""
    p = values
    attention = MultiHeadAttention(p["Wq"], p["Wk"], p["Wv"], p["Wo"], values["num_heads"])
    norm1, norm2 = LayerNorm(p["gamma1"], p["beta1"]), LayerNorm(p["gamma2"], p["beta2"])
    x = values["x"]
    x1 = norm1.forward(x + attention.forward(x, x, x, values["mask"]))
    u = x1 @ p["W1"] + p["b1"]
    norm2.forward(x1 + np.maximum(u, 0.0) @ p["W2"] + p["b2"])
    dsum2 = norm2.backward(dout)
    du = (dsum2 @ p["W2"].T) * (u > 0)
    dx1 = {"ffn-only": du @ p["W1"].T, "residual-only": dsum2}.get(mistake, dsum2 + du @ p["W1"].T)
    dsum1 = norm1.backward(dx1)
    dq, dk, dv = attention.backward(dsum1)
    return {"no-residual": dq + dk + dv, "dq-only": dsum1 + dq}.get(mistake, dsum1 + dq + dk + dv)


# ----------------------------------------------------------------- hints

NO_SCALE = Text(
    "the scores are not scaled: divide Q K^T by sqrt(dk) before the softmax (dk = Q.shape[-1]); "
    "without it the dot products grow with dk and the softmax saturates",
    "スコアがスケーリングされていません。softmax の前に Q K^T を sqrt(dk)(dk = Q.shape[-1])で割ります。"
    "割らないと内積が dk とともに大きくなり、softmax が飽和します",
)
SCALE_BY_DK = Text(
    "the scores were divided by dk; divide by its square root, sqrt(dk): a dot product of dk terms of "
    "variance 1 has variance dk, so standard deviation sqrt(dk)",
    "スコアを dk で割っています。割るのは平方根 sqrt(dk) です。分散 1 の項 dk 個の内積は分散 dk、"
    "つまり標準偏差 sqrt(dk) になるからです",
)
WRONG_AXIS = Text(
    "the softmax normalises over the queries (axis -2); each query's weights over the keys must sum to 1: "
    "softmax over the last axis, axis=-1 with keepdims=True",
    "softmax をクエリの方向(axis -2)で正規化しています。各クエリのキーに対する重みの和が 1 になるよう、"
    "最後の軸(axis=-1、keepdims=True)で softmax をとってください",
)
MASK_ZERO = Text(
    "the hidden scores were set to 0, but exp(0) = 1 still gives those keys weight: fill them with -inf "
    "(or a very large negative number such as -1e9) before the softmax, np.where(mask, -np.inf, scores)",
    "隠すスコアを 0 にしていますが、exp(0) = 1 なのでそのキーにも重みが残ります。softmax の前に -inf"
    "(または -1e9 のような非常に大きな負の数)で埋めてください: np.where(mask, -np.inf, scores)",
)
MASK_AFTER = Text(
    "the mask was applied after the softmax: zeroing weights there leaves rows that no longer sum to 1; "
    "hide the keys in the scores, before the softmax, so the visible keys share the whole weight",
    "マスクを softmax の後に適用しています。そこで重みを 0 にすると行の和が 1 でなくなります。"
    "softmax の前にスコアの段階でキーを隠せば、見えるキーだけで重みの合計 1 を分け合います",
)
MASK_INVERTED = Text(
    "the mask's polarity is inverted: True means the key is hidden (weight 0), False that it is visible",
    "マスクの意味が逆です。True が「このキーを隠す」(重み 0)、False が「見える」です",
)
MASK_IGNORED = Text(
    "the mask was not used: hide the keys where mask is True by setting their scores to -inf before the softmax",
    "マスクが使われていません。mask が True の位置のスコアを softmax の前に -inf にしてキーを隠してください",
)
OVERFLOW = Text(
    "exp() overflowed on large scores (exp(710) is inf, and inf / inf is nan): subtract each row's maximum, "
    "scores - scores.max(axis=-1, keepdims=True), before exp(); it cancels in the ratio",
    "大きなスコアで exp() がオーバーフローしました(exp(710) は inf、inf / inf は nan)。exp() の前に"
    "各行の最大値を引いてください: scores - scores.max(axis=-1, keepdims=True)。比をとると打ち消し合います",
)
SWAPPED_QK = Text(
    "the weights have shape (..., Tk, Tq): the scores are Q @ K^T (queries by keys), not K @ Q^T",
    "重みの形状が (..., Tk, Tq) になっています。スコアは Q @ K^T(クエリ × キー)で、K @ Q^T ではありません",
)


# ----------------------------------------------------------------- scaled_dot_product_attention


def _attention_variants(Q: np.ndarray, K: np.ndarray, V: np.ndarray, mask: np.ndarray | None) -> list[Variant]:
    """Known wrong (out, weights) pairs, each with its misconception."""
    found = [
        (_attend(Q, K, V, mask, scale="none"), NO_SCALE),
        (_attend(Q, K, V, mask, scale="dk"), SCALE_BY_DK),
        (_attend(Q, K, V, mask, axis=-2), WRONG_AXIS),
        (_attend(Q, K, V, mask, naive=True), OVERFLOW),
    ]
    if mask is not None:
        found += [
            (_attend(Q, K, V, mask, fill=0.0), MASK_ZERO),
            (_attend(Q, K, V, mask, after=True), MASK_AFTER),
            (_attend(Q, K, V, mask, invert=True), MASK_INVERTED),
            (_attend(Q, K, V), MASK_IGNORED),
        ]
    return [Variant(pair, hint) for pair, hint in found]


def _attention_function_check(
    name: Text, context: Text, calls: Sequence[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]]
) -> Check:
    """scaled_dot_product_attention on each call: weights, then out; inputs unchanged; known mistakes named."""
    probe = Probe()
    for index, (Q, K, V, mask) in enumerate(calls):
        refs = {"Q": probe.array(Q), "K": probe.array(K), "V": probe.array(V)}
        if mask is None:
            returned = probe.call("scaled_dot_product_attention", refs["Q"], refs["K"], refs["V"])
        else:
            refs["mask"] = probe.array(mask)
            returned = probe.call("scaled_dot_product_attention", *refs.values())
        probe.save(probe.item(returned, 0), f"{index}:out")  # type: ignore[arg-type]
        probe.save(probe.item(returned, 1), f"{index}:weights")  # type: ignore[arg-type]
        for key, ref in refs.items():
            probe.save(ref, f"{index}:input:{key}")

    def verify(run: ProbeRun) -> Verdict:
        for index, (Q, K, V, mask) in enumerate(calls):
            expected = _attend(Q, K, V, mask)
            header = Text(
                f"Q {Q.shape}, K {K.shape}, V {V.shape}, "
                + ("no mask" if mask is None else f"mask {mask.shape}")
                + ", returned (out, weights):",
                f"Q {Q.shape}、K {K.shape}、V {V.shape}、"
                + ("マスクなし" if mask is None else f"mask {mask.shape}")
                + "、戻り値 (out, weights):",
            )
            for position, what in ((1, "weights"), (0, "out")):
                got = run.output(f"{index}:{what}")
                want = expected[position]
                atol = FORWARD_RTOL * 1e-3 * max(float(np.max(np.abs(want))), 1e-300)
                lines = close(got, want, what=what, rtol=FORWARD_RTOL, atol=atol)
                if lines:
                    return Verdict.fail([header, *lines], _attention_hint(got, position, calls[index]))
        arrays = {
            f"{index}:{key}": value
            for index, call in enumerate(calls)
            for key, value in zip(("Q", "K", "V", "mask"), call, strict=True)
            if value is not None
        }
        changed = [line for key in arrays for line in _changed(run, key, arrays[key])]
        return Verdict.unless(changed, IN_PLACE_INPUT)

    return Check(name.en, name.ja, probe, verify, hint=ATTENTION_HINT, context=context)


def _changed(run: ProbeRun, key: str, original: np.ndarray) -> list[Text]:
    index, name = key.split(":")
    return unchanged(run, "scaled_dot_product_attention", {name: original}, prefix=f"{index}:input:")


def _attention_hint(got: Any, position: int, call: tuple[Any, ...]) -> Text | None:
    array, _ = value_of(got, "")
    if array is None or array.dtype.kind not in "biuf":
        return None
    Q, K, V, mask = call
    if position == 1 and array.shape == (*Q.shape[:-2], K.shape[-2], Q.shape[-2]) and K.shape[-2] != Q.shape[-2]:
        return SWAPPED_QK
    variants = [Variant(variant.value[position], variant.hint) for variant in _attention_variants(Q, K, V, mask)]
    found = matching_variant(array.astype(np.float64), variants, 1e-7, 1e-10)
    if found is not None:
        return found.hint
    if not np.all(np.isfinite(array)):
        return OVERFLOW
    return None


ATTENTION_HINT = Text(
    "scores = Q @ np.swapaxes(K, -1, -2) / np.sqrt(dk); hidden keys to -inf; weights = softmax over axis -1 "
    "(row maximum subtracted first); out = weights @ V; return (out, weights)",
    "scores = Q @ np.swapaxes(K, -1, -2) / np.sqrt(dk)、隠すキーは -inf、weights = 最後の軸での softmax"
    "(先に行の最大値を引く)、out = weights @ V。(out, weights) を返します",
)


def _attention_checks() -> list[Check]:
    rng = generator(1301)
    plain_calls = [
        (rng.normal(size=(2, 3, 4)), rng.normal(size=(2, 5, 4)), rng.normal(size=(2, 5, 2)), None),
        (rng.normal(size=(4, 3)), rng.normal(size=(6, 3)), rng.normal(size=(6, 5)), None),
    ]
    masked_calls = [
        (rng.normal(size=(2, 3, 4)), rng.normal(size=(2, 5, 4)), rng.normal(size=(2, 5, 2)), _mask(rng, 3, 5)),
        (
            rng.normal(size=(2, 4, 3)),
            rng.normal(size=(2, 4, 3)),
            rng.normal(size=(2, 4, 3)),
            np.stack([_causal(4), _mask(rng, 4, 4)]),
        ),
    ]
    # scores up to about +-1500: exp() overflows without the row maximum subtracted
    large = rng.normal(size=(2, 3, 4)) * 25.0, rng.normal(size=(2, 4, 4)) * 25.0, rng.normal(size=(2, 4, 2)), None
    return [
        _attention_function_check(
            Text(
                "scaled_dot_product_attention: weights = softmax(Q K^T / sqrt(dk)) over the keys, out = weights V",
                "scaled_dot_product_attention: weights = キー方向の softmax(Q K^T / sqrt(dk))、out = weights V",
            ),
            Text(
                "no mask (the default); Q (2, 3, 4), K (2, 5, 4), V (2, 5, 2): Tq != Tk and dk != dv; "
                "and Q (4, 3), K (6, 3), V (6, 5) without a batch axis",
                "mask は既定値(なし)。Q (2, 3, 4)、K (2, 5, 4)、V (2, 5, 2): Tq != Tk、dk != dv。"
                "バッチ軸のない Q (4, 3)、K (6, 3)、V (6, 5) も",
            ),
            plain_calls,
        ),
        _attention_function_check(
            Text(
                "scaled_dot_product_attention: keys where mask is True get weight 0, the rest share the weight",
                "scaled_dot_product_attention: mask が True のキーは重み 0、残りのキーで重みを分け合う",
            ),
            Text(
                "a (3, 5) mask broadcast over a batch of 2; a (2, 4, 4) mask, causal for the first sample; "
                "every query keeps a visible key",
                "バッチ 2 にブロードキャストする (3, 5) のマスク。1 つ目のサンプルが因果マスクの (2, 4, 4) のマスク。"
                "どのクエリにも見えるキーが残る",
            ),
            masked_calls,
        ),
        _attention_function_check(
            Text(
                "scaled_dot_product_attention: finite for scores beyond 700 (no overflow in exp)",
                "scaled_dot_product_attention: 700 を超えるスコアでも有限(exp がオーバーフローしない)",
            ),
            Text(
                "Q, K (2, 3, 4) and (2, 4, 4) with entries about 25 in size: scores up to about 1500",
                "大きさ 25 程度の要素をもつ Q (2, 3, 4)、K (2, 4, 4)。スコアは最大 1500 程度",
            ),
            [large],
        ),
    ]


# ----------------------------------------------------------------- ScaledDotProductAttention


def _sdpa_mistakes(case: Case) -> list[Known]:
    Q, K, V, mask = (case.values[key] for key in ("Q", "K", "V", "mask"))
    found = [Known("out", variant.value[0], variant.hint) for variant in _attention_variants(Q, K, V, mask)]
    if not isinstance(case.dout, np.ndarray):
        return found
    diagonal = _attend_backward(Q, K, V, mask, case.dout, "diagonal")
    unscaled = _attend_backward(Q, K, V, mask, case.dout, "unscaled")
    for grad, position in (("dQ", 0), ("dK", 1)):
        found += [
            Known(
                grad,
                diagonal[position],
                Text(
                    "the softmax's backward is not elementwise: every weight of a row depends on every score of "
                    "the row, so dS = W * (dW - sum(dW * W, axis=-1, keepdims=True)); W * (1 - W) * dW keeps only "
                    "the diagonal of its Jacobian",
                    "softmax の逆伝播は要素ごとではありません。行の各重みは行のすべてのスコアに依存するので "
                    "dS = W * (dW - sum(dW * W, axis=-1, keepdims=True)) です。W * (1 - W) * dW はヤコビ行列の"
                    "対角成分しか使っていません",
                ),
            ),
            Known(
                grad,
                unscaled[position],
                Text(
                    "forward divided the scores by sqrt(dk), so backward multiplies dS by 1 / sqrt(dk) too, "
                    "before dQ = dS @ K and dK = dS^T @ Q",
                    "順伝播でスコアを sqrt(dk) で割ったので、逆伝播でも dQ = dS @ K と dK = dS^T @ Q の前に "
                    "dS に 1 / sqrt(dk) を掛けます",
                ),
            ),
        ]
    return found


def _sdpa_oracle(values: Mapping[str, Any]) -> np.ndarray:
    return _attend(values["Q"], values["K"], values["V"], values["mask"])[0]


def _sdpa() -> Layer:
    rng = generator(1311)

    def case(tq: int, tk: int, dk: int, dv: int, masked: bool, hygiene: bool = False) -> Case:
        values = {
            "Q": rng.normal(size=(2, tq, dk)),
            "K": rng.normal(size=(2, tk, dk)),
            "V": rng.normal(size=(2, tk, dv)),
            "mask": _mask(rng, tq, tk) if masked else None,
        }
        label = plain(f"Q (2, {tq}, {dk}), K (2, {tk}, {dk}), V (2, {tk}, {dv})" + (", mask" if masked else ""))
        dout = rng.normal(size=(2, tq, dv))
        return Case(label, values, dout, hygiene=hygiene, defaults=() if masked else ("mask",))

    cases = (case(3, 5, 4, 2, False, hygiene=True), case(4, 3, 2, 3, True))
    return Layer(
        name="ScaledDotProductAttention",
        constructor=(),
        reference=ScaledDotProductAttention,
        inputs=(Input("Q", "dQ"), Input("K", "dK"), Input("V", "dV"), Input("mask")),
        oracle=_sdpa_oracle,
        mistakes=_sdpa_mistakes,
        forward=(
            Cases(
                Text(
                    "ScaledDotProductAttention: forward returns softmax(Q K^T / sqrt(dk)) V, with and without a mask",
                    "ScaledDotProductAttention: forward がマスクあり・なしで softmax(Q K^T / sqrt(dk)) V を返す",
                ),
                Text(
                    "Q (2, 3, 4), K (2, 5, 4), V (2, 5, 2) with the default mask; Q (2, 4, 2), K (2, 3, 2), "
                    "V (2, 3, 3) with a (4, 3) mask",
                    "mask 既定値の Q (2, 3, 4)、K (2, 5, 4)、V (2, 5, 2)。(4, 3) のマスクつきの Q (2, 4, 2)、"
                    "K (2, 3, 2)、V (2, 3, 3)",
                ),
                tuple(Case(c.label, c.values, defaults=c.defaults) for c in cases),
            ),
        ),
        gradient=(
            Cases(
                Text(
                    "ScaledDotProductAttention: backward gives dQ, dK and dV (gradient check)",
                    "ScaledDotProductAttention: backward が dQ、dK、dV を求める(勾配確認)",
                ),
                Text(
                    "as in the forward check, random dout (2, Tq, dv)",
                    "forward のチェックと同じ入力、dout (2, Tq, dv) はランダム",
                ),
                cases,
            ),
        ),
        hygiene=Hygiene(
            Text(
                "Q (2, 3, 4), K (2, 5, 4), V (2, 5, 2), random dout",
                "Q (2, 3, 4)、K (2, 5, 4)、V (2, 5, 2)、ランダムな dout",
            )
        ),
        forward_hint=Text(
            "out, self.weights = scaled_dot_product_attention(Q, K, V, mask); "
            "keep Q, K, V and the weights for backward",
            "out, self.weights = scaled_dot_product_attention(Q, K, V, mask) とし、"
            "backward のために Q、K、V と重みを保存します",
        ),
        backward_hint=Text(
            "dV = W^T @ dout; dW = dout @ V^T; dS = W * (dW - sum(dW * W, axis=-1, keepdims=True)) / sqrt(dk); "
            "dQ = dS @ K; dK = dS^T @ Q (^T: np.swapaxes(., -1, -2))",
            "dV = W^T @ dout、dW = dout @ V^T、dS = W * (dW - sum(dW * W, axis=-1, keepdims=True)) / sqrt(dk)、"
            "dQ = dS @ K、dK = dS^T @ Q です(^T は np.swapaxes(., -1, -2))",
        ),
    )


# ----------------------------------------------------------------- LayerNorm


def _ln_case(rng: np.random.Generator, shape: tuple[int, ...], eps: float | None, hygiene: bool = False) -> Case:
    d = shape[-1]
    z = rng.normal(size=shape)
    z = (z - z.mean(axis=-1, keepdims=True)) / z.std(axis=-1, keepdims=True)
    # every sample has its own mean and a variance in [0.5, 3]: statistics over another axis differ clearly
    x = rng.uniform(-3.0, 3.0, size=(*shape[:-1], 1)) + np.sqrt(rng.uniform(0.5, 3.0, size=(*shape[:-1], 1))) * z
    gamma = rng.uniform(0.5, 2.0, size=d) * rng.choice([-1.0, 1.0], size=d)
    beta = rng.uniform(-1.5, 1.5, size=d)
    values = {"gamma": gamma, "beta": beta, "eps": EPS if eps is None else eps, "x": x}
    label = plain(f"x {shape}" + ("" if eps is None else f", eps={eps:g}"))
    return Case(label, values, rng.normal(size=shape), hygiene=hygiene, defaults=("eps",) if eps is None else ())


EPS_MISSING = Text(
    "eps is missing from the denominator: xn = (x - mu) / np.sqrt(var + eps), so that a sample whose features "
    "are all equal (var = 0) gives 0, not 0 / 0 = NaN",
    "分母に eps がありません。xn = (x - mu) / np.sqrt(var + eps) とします。"
    "特徴量がすべて等しいサンプル(var = 0)でも 0 / 0 = NaN にならず 0 になります",
)
EPS_SUBTRACTED = Text(
    "eps was subtracted: it is added, np.sqrt(var + eps), to keep the denominator above 0",
    "eps を引いています。分母が 0 より大きくなるよう、np.sqrt(var + eps) のように足します",
)


class _LayerNormEpsOutside(LayerNorm):
    """LayerNorm with eps outside the square root, xn = (x - mu) / (sqrt(var) + eps): an accepted convention.

    The contract fixes eps = 1e-5 but not where it goes (exercise 7 accepts both
    places for BatchNormalization too); backward is the exact gradient of this
    forward: the path through var carries the factor (sqrt(var) + eps) / sqrt(var).
    """

    def forward(self, x: Any) -> np.ndarray:
        gamma, beta = self.params
        inputs = np.asarray(x, dtype=np.float64)
        centred = inputs - inputs.mean(axis=-1, keepdims=True)
        self.sigma = np.sqrt(np.mean(centred**2, axis=-1, keepdims=True))
        self.std = self.sigma + self.eps
        self.xn = centred / self.std
        return gamma * self.xn + beta

    def backward(self, dout: Any) -> np.ndarray:
        grad = np.asarray(dout, dtype=np.float64)
        xn, std, sigma = self.xn, self.std, self.sigma
        if xn is None or std is None:
            raise RuntimeError("LayerNorm.backward called before forward")
        leading = tuple(range(grad.ndim - 1))
        self.grads[0][...] = np.sum(grad * xn, axis=leading)
        self.grads[1][...] = np.sum(grad, axis=leading)
        dxn = grad * self.params[0]
        through_var = xn * np.mean(dxn * xn, axis=-1, keepdims=True) * std / sigma
        return (dxn - dxn.mean(axis=-1, keepdims=True) - through_var) / std


class _BlockEpsOutside(TransformerEncoderBlock):
    """The encoder block whose two LayerNorms put eps outside the square root (see ``_LayerNormEpsOutside``)."""

    def __init__(self, params: Mapping[str, Any], num_heads: int) -> None:
        super().__init__(params, num_heads)
        self.norm1 = _LayerNormEpsOutside(self.params["gamma1"], self.params["beta1"])
        self.norm2 = _LayerNormEpsOutside(self.params["gamma2"], self.params["beta2"])


def _ln_forward_mistakes(values: dict[str, Any]) -> list[Known]:
    x, gamma, beta, eps = values["x"], values["gamma"], values["beta"], values["eps"]
    centred = x - x.mean(axis=-1, keepdims=True)
    var = np.mean(centred**2, axis=-1, keepdims=True)
    found = [
        Known(
            "out",
            _layer_norm(x, gamma, beta, eps, axes=0),
            Text(
                "the statistics were taken over the batch axis (axis=0), as in BatchNormalization; LayerNorm "
                "normalises each sample over its own features: mean and var over axis=-1, keepdims=True",
                "統計量をバッチ方向(axis=0)でとっています。それは BatchNormalization です。LayerNorm は各サンプルを"
                "それ自身の特徴量で正規化します: 平均と分散は axis=-1、keepdims=True",
            ),
        ),
        Known(
            "out",
            _layer_norm(x, gamma, beta, eps, ddof=1),
            Text(
                "the variance is the biased one, divided by D (np.var's default ddof=0), not by D - 1",
                "分散は D で割る標本分散(np.var の既定 ddof=0)です。D - 1 で割るのではありません",
            ),
        ),
        Known(
            "out",
            gamma * centred / (var + eps) + beta,
            Text(
                "divide by the standard deviation sqrt(var + eps), not by the variance",
                "分散ではなく標準偏差 sqrt(var + eps) で割ってください",
            ),
        ),
        Known("out", gamma * centred / np.sqrt(var) + beta, EPS_MISSING),
        Known("out", gamma * centred / np.sqrt(var - eps) + beta, EPS_SUBTRACTED),
        Known("out", gamma * centred / (np.sqrt(var) - eps) + beta, EPS_SUBTRACTED),
        Known(
            "out",
            beta * centred / np.sqrt(var + eps) + gamma,
            Text(
                "gamma and beta are swapped: out = gamma * xn + beta", "gamma と beta が逆です: out = gamma * xn + beta"
            ),
        ),
        Known(
            "out",
            centred / np.sqrt(var + eps),
            Text(
                "gamma and beta are missing: out = gamma * xn + beta",
                "gamma と beta が抜けています: out = gamma * xn + beta",
            ),
        ),
    ]
    if eps != EPS:
        eps_ignored = Text(
            "the eps given to the constructor was not used (1e-5 instead): keep it as self.eps",
            "コンストラクタに渡した eps が使われていません(1e-5 のまま)。self.eps に保存して使ってください",
        )
        found += [
            Known("out", _layer_norm(x, gamma, beta, EPS), eps_ignored),
            # the same with eps outside the square root, the accepted convention
            Known("out", gamma * centred / (np.sqrt(var) + EPS) + beta, eps_ignored),
        ]
    if x.ndim == 3:
        found.append(
            Known(
                "out",
                _layer_norm(x, gamma, beta, eps, axes=(1, 2)),
                Text(
                    "the statistics were taken over the time axis too: for a sequence (N, T, D) every time step "
                    "is normalised on its own, over axis=-1 only",
                    "統計量を時間方向も含めてとっています。時系列 (N, T, D) では時刻ごとに、axis=-1 だけで正規化します",
                ),
            )
        )
    return found


def _ln_gradient_mistakes(values: dict[str, Any], dout: np.ndarray) -> list[Known]:
    x, gamma, eps = values["x"], values["gamma"], values["eps"]
    centred = x - x.mean(axis=-1, keepdims=True)
    std = np.sqrt(np.mean(centred**2, axis=-1, keepdims=True) + eps)
    xn = centred / std
    dxn = gamma * dout
    leading = tuple(range(x.ndim - 1))
    # the accepted convention std = sqrt(var) + eps, with the backward formula of sqrt(var + eps)
    std_outside = np.sqrt(np.mean(centred**2, axis=-1, keepdims=True)) + eps
    xn_outside = centred / std_outside
    dxn_outside = gamma * dout
    mean_outside = np.mean(dxn_outside * xn_outside, axis=-1, keepdims=True)
    not_summed = Text(
        "gamma and beta act on every sample and time step: sum their gradients over every axis but the last, "
        "np.sum(..., axis=tuple(range(dout.ndim - 1))), shape (D,)",
        "gamma と beta はすべてのサンプル・時刻に作用するので、勾配は最後の軸以外のすべての軸で和をとります: "
        "np.sum(..., axis=tuple(range(dout.ndim - 1)))、形状 (D,)",
    )
    found = [
        Known(
            "dx",
            dxn / std,
            Text(
                "dx = gamma * dout / std treats mu and var as constants, but both are computed from the same "
                "sample: dx = (dxn - mean(dxn) - xn * mean(dxn * xn)) / std, means over axis=-1",
                "dx = gamma * dout / std は mu と var を定数として扱っていますが、"
                "どちらも同じサンプルから計算されます: "
                "dx = (dxn - mean(dxn) - xn * mean(dxn * xn)) / std(平均は axis=-1)",
            ),
        ),
        Known(
            "dx",
            (dxn - dxn.mean(axis=-1, keepdims=True)) / std,
            Text(
                "the path through var is missing: subtract xn * mean(dxn * xn, axis=-1, keepdims=True) as well",
                "var を通る経路が抜けています。xn * mean(dxn * xn, axis=-1, keepdims=True) も引いてください",
            ),
        ),
        Known(
            "dx",
            (dxn - xn * np.mean(dxn * xn, axis=-1, keepdims=True)) / std,
            Text(
                "the path through mu is missing: subtract mean(dxn, axis=-1, keepdims=True) as well",
                "mu を通る経路が抜けています。mean(dxn, axis=-1, keepdims=True) も引いてください",
            ),
        ),
        Known(
            "dx",
            (dout - dout.mean(axis=-1, keepdims=True) - xn * np.mean(dout * xn, axis=-1, keepdims=True)) / std,
            Text(
                "gamma is missing from dx: out = gamma * xn + beta, so dxn = gamma * dout",
                "dx に gamma が抜けています。out = gamma * xn + beta なので dxn = gamma * dout です",
            ),
        ),
        Known(
            "dx",
            (dxn_outside - dxn_outside.mean(axis=-1, keepdims=True) - xn_outside * mean_outside) / std_outside,
            Text(
                "with eps outside the square root, std = sqrt(var) + eps (accepted), the path through var carries "
                "the factor std / sqrt(var): dx = (dxn - mean(dxn) - xn * mean(dxn * xn) * std / sqrt(var)) / std",
                "eps を平方根の外に足す std = sqrt(var) + eps(これも可)では、var を通る経路に std / sqrt(var) が"
                "掛かります: dx = (dxn - mean(dxn) - xn * mean(dxn * xn) * std / sqrt(var)) / std",
            ),
        ),
        Known("dgamma", None, not_summed, shape=x.shape),
        Known("dbeta", None, not_summed, shape=x.shape),
        Known(
            "dgamma",
            np.sum(dout * x, axis=leading),
            Text(
                "dgamma = sum(dout * xn): the normalised xn, not x",
                "dgamma = sum(dout * xn) です。x ではなく正規化した xn です",
            ),
        ),
        Known(
            "dgamma",
            np.mean(dout * xn, axis=leading),
            Text("dgamma is a sum, not a mean", "dgamma は和です。平均ではありません"),
        ),
        Known(
            "dbeta",
            np.mean(dout, axis=leading),
            Text("dbeta is a sum, not a mean", "dbeta は和です。平均ではありません"),
        ),
    ]
    if x.ndim == 3:
        found += [
            Known("dgamma", None, not_summed, shape=x.shape[1:]),
            Known("dbeta", None, not_summed, shape=x.shape[1:]),
        ]
    return found


def _ln_mistakes(case: Case) -> list[Known]:
    found = _ln_forward_mistakes(dict(case.values))
    if isinstance(case.dout, np.ndarray):
        found += _ln_gradient_mistakes(dict(case.values), case.dout)
    return found


def _layer_norm_row() -> tuple[Layer, Case]:
    rng = generator(1321)
    matrix = _ln_case(rng, (4, 6), None, hygiene=True)
    sequence = _ln_case(rng, (2, 3, 5), 1e-3)
    layer = Layer(
        name="LayerNorm",
        constructor=("gamma", "beta", "eps"),
        reference=LayerNorm,
        conventions=(_LayerNormEpsOutside,),
        params=(Param("gamma", "dgamma", GradsItem(0)), Param("beta", "dbeta", GradsItem(1))),
        oracle=_layer_norm_oracle,
        mistakes=_ln_mistakes,
        forward=(
            Cases(
                Text(
                    "LayerNorm: forward normalises each sample over its last axis "
                    "(biased variance, eps added inside or outside the sqrt)",
                    "LayerNorm: forward は各サンプルを最後の軸で正規化する(標本分散、eps は平方根の中か外に足す)",
                ),
                Text(
                    "x (4, 6) with the default eps; a sequence x (2, 3, 5) with eps=0.001; every sample its own "
                    "mean and variance; gamma, beta not 1 and 0",
                    "eps 既定値の x (4, 6)。eps=0.001 の時系列 x (2, 3, 5)。サンプルごとに平均と分散が異なる。"
                    "gamma, beta は 1 と 0 以外",
                ),
                (
                    Case(matrix.label, matrix.values, defaults=matrix.defaults),
                    Case(sequence.label, sequence.values),
                ),
            ),
        ),
        gradient=(
            Cases(
                Text(
                    "LayerNorm: backward gives dx and writes dgamma, dbeta into self.grads (gradient check)",
                    "LayerNorm: backward が dx を返し、dgamma と dbeta を self.grads に書き込む(勾配確認)",
                ),
                Text("as in the forward check, random dout", "forward のチェックと同じ入力、dout はランダム"),
                (matrix, sequence),
            ),
        ),
        hygiene=Hygiene(Text("x (4, 6), random dout", "x (4, 6)、ランダムな dout")),
        forward_hint=Text(
            "mu = x.mean(axis=-1, keepdims=True), var = np.mean((x - mu) ** 2, axis=-1, keepdims=True), "
            "xn = (x - mu) / np.sqrt(var + eps), out = gamma * xn + beta",
            "mu = x.mean(axis=-1, keepdims=True)、var = np.mean((x - mu) ** 2, axis=-1, keepdims=True)、"
            "xn = (x - mu) / np.sqrt(var + eps)、out = gamma * xn + beta です",
        ),
        backward_hint=Text(
            "grads[0][...] = sum(dout * xn), grads[1][...] = sum(dout) over every axis but the last; "
            "dxn = gamma * dout, dx = (dxn - mean(dxn) - xn * mean(dxn * xn)) / std, means over axis=-1",
            "grads[0][...] = sum(dout * xn)、grads[1][...] = sum(dout)(最後の軸以外で和)。dxn = gamma * dout、"
            "dx = (dxn - mean(dxn) - xn * mean(dxn * xn)) / std(平均は axis=-1)です",
        ),
    )
    return layer, matrix


# ----------------------------------------------------------------- positional_encoding


def _pe_variants(T: int, d_model: int) -> list[Variant]:
    p = np.arange(T)[:, np.newaxis]
    j = np.arange(d_model)[np.newaxis, :]
    pair = j // 2

    def table(exponent: np.ndarray, first: Any = np.sin, second: Any = np.cos, positions: Any = p) -> np.ndarray:
        angle = positions / 10000.0 ** (exponent / d_model)
        return np.where(j % 2 == 0, first(angle), second(angle))

    half = d_model // 2
    angle = p / 10000.0 ** (2 * np.arange(half) / d_model)
    return [
        Variant(
            table(2 * pair, np.cos, np.sin),
            Text(
                "sine and cosine are swapped: sin on the even columns 2i, cos on the odd columns 2i + 1",
                "sin と cos が逆です。偶数列 2i が sin、奇数列 2i + 1 が cos です",
            ),
        ),
        Variant(
            table(pair),
            Text(
                "the exponent is 2i / d_model with i the index of the (sin, cos) pair; you used i / d_model",
                "指数は 2i / d_model で、i は (sin, cos) の組の番号です。i / d_model になっています",
            ),
        ),
        Variant(
            table(2 * j),
            Text(
                "the exponent doubled the column index: column j belongs to the pair i = j // 2, so its exponent "
                "is 2 * (j // 2) / d_model, the same for columns 2i and 2i + 1",
                "列番号を 2 倍しています。列 j は組 i = j // 2 に属するので、指数は 2 * (j // 2) / d_model です"
                "(列 2i と 2i + 1 で同じ)",
            ),
        ),
        Variant(
            table(j),
            Text(
                "columns 2i and 2i + 1 share one frequency: the exponent is 2 * (j // 2) / d_model, not j / d_model",
                "列 2i と 2i + 1 は同じ周波数です。指数は j / d_model ではなく 2 * (j // 2) / d_model です",
            ),
        ),
        Variant(
            np.hstack([np.sin(angle), np.cos(angle)]),
            Text(
                "sine and cosine are interleaved, sin in column 2i and cos in column 2i + 1, not the sines in "
                "the first half and the cosines in the second: pe[:, 0::2] = sin, pe[:, 1::2] = cos",
                "sin と cos は交互に並びます(列 2i が sin、列 2i + 1 が cos)。前半に sin、後半に cos ではありません: "
                "pe[:, 0::2] = sin、pe[:, 1::2] = cos",
            ),
        ),
        Variant(
            table(2 * pair, positions=p + 1),
            Text("positions start at p = 0: np.arange(T)", "位置は p = 0 から始まります: np.arange(T)"),
        ),
        Variant(
            table(2 * pair).T,
            Text("the table is (T, d_model): one row per position", "表の形状は (T, d_model) で、位置ごとに 1 行です"),
        ),
    ]


def _pe_check(T: int, d_model: int, name: Text) -> Check:
    return output_check(
        name.en,
        name.ja,
        "positional_encoding",
        [T, d_model],
        positional_encoding(T, d_model),
        arg_names=["T", "d_model"],
        rtol=1e-9,
        atol=1e-12,
        variants=_pe_variants(T, d_model),
        hint=Text(
            "angle = p / 10000 ** (2i / d_model) for p = np.arange(T)[:, None] and 2i = np.arange(0, d_model, 2); "
            "pe[:, 0::2] = np.sin(angle), pe[:, 1::2] = np.cos(angle)",
            "p = np.arange(T)[:, None]、2i = np.arange(0, d_model, 2) として angle = p / 10000 ** (2i / d_model)、"
            "pe[:, 0::2] = np.sin(angle)、pe[:, 1::2] = np.cos(angle) です",
        ),
    )


def _pe_checks() -> list[Check]:
    return [
        _pe_check(
            7,
            10,
            Text(
                "positional_encoding: (T, d_model) = (7, 10), sin on even columns, cos on odd, shared frequencies",
                "positional_encoding: (T, d_model) = (7, 10)、偶数列が sin・奇数列が cos、組ごとに同じ周波数",
            ),
        ),
        _pe_check(
            64,
            16,
            Text(
                "positional_encoding: a long table (64, 16) down to the slowest frequency",
                "positional_encoding: 長い表 (64, 16) で、最も遅い周波数まで",
            ),
        ),
    ]


# ----------------------------------------------------------------- MultiHeadAttention


def _mha_values(rng: np.random.Generator, tq: int, tk: int, d: int, heads: int, mask: np.ndarray | None) -> dict:
    values: dict[str, Any] = {key: rng.normal(size=(d, d)) * 1.5 / np.sqrt(d) for key in ("Wq", "Wk", "Wv", "Wo")}
    values.update(num_heads=heads, q=rng.normal(size=(2, tq, d)), k=rng.normal(size=(2, tk, d)))
    values.update(v=rng.normal(size=(2, tk, d)), mask=mask)
    return values


def _mha_mistakes(case: Case) -> list[Known]:
    values = case.values
    q, k, v, mask, heads = values["q"], values["k"], values["v"], values["mask"], values["num_heads"]
    weights = [values[key] for key in ("Wq", "Wk", "Wv", "Wo")]
    found = [
        Known(
            "out",
            _heads(q, k, v, weights, heads, mask, interleave=True),
            Text(
                "the heads interleave the columns (reshape (N, T, dh, h)); head j owns the consecutive block of "
                "columns j*dh .. (j+1)*dh - 1: reshape (N, T, h, dh), then transpose(0, 2, 1, 3)",
                "ヘッドが列を 1 つおきに取っています(reshape (N, T, dh, h))。ヘッド j は連続した列 "
                "j*dh .. (j+1)*dh - 1 を受け持ちます: reshape (N, T, h, dh) のあと transpose(0, 2, 1, 3)",
            ),
        ),
        Known(
            "out",
            _heads(q, k, v, weights, heads, mask, scale_model=True),
            Text(
                "each head's scores are scaled by 1 / sqrt(dh), dh = d_model // num_heads (the head's own dk), "
                "not by 1 / sqrt(d_model)",
                "各ヘッドのスコアは 1 / sqrt(dh)(dh = d_model // num_heads、ヘッド自身の dk)でスケーリングします。"
                "1 / sqrt(d_model) ではありません",
            ),
        ),
        Known(
            "out",
            _heads(q, k, v, weights, heads, mask, merge="no-transpose"),
            Text(
                "the heads were merged by reshaping (N, h, T, dh) straight to (N, T, d_model), which mixes time "
                "steps: transpose back to (N, T, h, dh) first, then reshape",
                "ヘッドの連結で (N, h, T, dh) をそのまま (N, T, d_model) に reshape しているので、時刻が混ざります。"
                "先に (N, T, h, dh) に transpose してから reshape してください",
            ),
        ),
        Known(
            "out",
            _heads(q, k, v, weights, heads, mask, output=False),
            Text(
                "the output projection is missing: out = concat @ Wo",
                "出力の射影が抜けています: out = concat @ Wo",
            ),
        ),
        Known(
            "out",
            _heads(q, k, v, weights, 1, mask),
            Text(
                "this is one head over all of d_model: split Q, K and V into num_heads blocks and attend in each",
                "d_model 全体で 1 つのヘッドになっています。"
                "Q、K、V を num_heads 個のブロックに分け、それぞれで注意を計算します",
            ),
        ),
    ]
    if isinstance(case.dout, np.ndarray):
        reference = MultiHeadAttention(weights[0], weights[1], weights[2], weights[3], heads)
        reference.forward(q, k, v, mask)
        reference.backward(case.dout)
        for index, grad in enumerate(("dWq", "dWk", "dWv", "dWo")):
            found.append(
                Known(
                    grad,
                    reference.grads[index].T,
                    Text(
                        f"{grad} is transposed: for Y = X @ W, dW = X^T @ dY (X flattened to (N * T, d_model)); "
                        "the square shape hides the transpose",
                        f"{grad} が転置になっています。Y = X @ W なら dW = X^T @ dY(X は (N * T, d_model) に平らにする)"
                        "です。正方行列なので形状では転置に気づけません",
                    ),
                )
            )
            found.append(
                Known(
                    grad,
                    None,
                    Text(
                        f"{grad} must be summed over the batch: flatten X and dY to (N * T, d_model) before X^T @ dY",
                        f"{grad} はバッチについて和をとります。"
                        "X^T @ dY の前に X と dY を (N * T, d_model) に平らにします",
                    ),
                    shape=(q.shape[0], *weights[0].shape),
                )
            )
    return found


def _mha() -> tuple[Layer, Case]:
    rng = generator(1331)
    cross = _mha_values(rng, 3, 4, 6, 3, None)
    masked = _mha_values(rng, 4, 4, 8, 2, _causal(4))
    cases = (
        Case(plain("q (2, 3, 6), k and v (2, 4, 6), 3 heads"), cross, rng.normal(size=(2, 3, 6)), True, ("mask",)),
        Case(plain("q, k, v (2, 4, 8), 2 heads, causal mask (4, 4)"), masked, rng.normal(size=(2, 4, 8))),
    )
    layer = Layer(
        name="MultiHeadAttention",
        constructor=("Wq", "Wk", "Wv", "Wo", "num_heads"),
        reference=MultiHeadAttention,
        params=tuple(Param(key, f"d{key}", GradsItem(index)) for index, key in enumerate(("Wq", "Wk", "Wv", "Wo"))),
        inputs=(Input("q", "dq"), Input("k", "dk"), Input("v", "dv"), Input("mask")),
        oracle=_mha_oracle,
        mistakes=_mha_mistakes,
        forward=(
            Cases(
                Text(
                    "MultiHeadAttention: forward attends in each head (consecutive column blocks) and projects by Wo",
                    "MultiHeadAttention: forward は各ヘッド(連続した列のブロック)で注意を計算し、Wo で射影する",
                ),
                Text(
                    "q (2, 3, 6), k and v (2, 4, 6), 3 heads of 2 columns, the default mask; q, k, v (2, 4, 8), "
                    "2 heads of 4 columns, a causal mask (4, 4)",
                    "q (2, 3, 6)、k と v (2, 4, 6)、2 列ずつの 3 ヘッド、mask は既定値。q、k、v (2, 4, 8)、"
                    "4 列ずつの 2 ヘッド、因果マスク (4, 4)",
                ),
                tuple(Case(c.label, c.values, defaults=c.defaults) for c in cases),
            ),
        ),
        gradient=(
            Cases(
                Text(
                    "MultiHeadAttention: backward gives dq, dk, dv and writes dWq, dWk, dWv, dWo (gradient check)",
                    "MultiHeadAttention: backward が dq、dk、dv を返し、dWq、dWk、dWv、dWo を書き込む(勾配確認)",
                ),
                Text("as in the forward check, random dout", "forward のチェックと同じ入力、dout はランダム"),
                cases,
            ),
        ),
        hygiene=Hygiene(
            Text("q (2, 3, 6), k and v (2, 4, 6), random dout", "q (2, 3, 6)、k と v (2, 4, 6)、ランダムな dout")
        ),
        forward_hint=Text(
            "Q = q @ Wq (and K, V); split: reshape (N, T, h, dh).transpose(0, 2, 1, 3); attend per head with "
            "1/sqrt(dh); merge: transpose(0, 2, 1, 3).reshape(N, T, d_model); out = concat @ Wo",
            "Q = q @ Wq(K、V も同様)。分割: reshape (N, T, h, dh).transpose(0, 2, 1, 3)。ヘッドごとに 1/sqrt(dh) で"
            "注意を計算。連結: transpose(0, 2, 1, 3).reshape(N, T, d_model)。out = concat @ Wo です",
        ),
        backward_hint=Text(
            "dWo = concat^T @ dout and dconcat = dout @ Wo^T (flattened to (N * T, d_model)); split dconcat into "
            "heads, attention's backward, merge; then dWq = q^T @ dQ and dq = dQ @ Wq^T (and the same for k, v)",
            "dWo = concat^T @ dout、dconcat = dout @ Wo^T((N * T, d_model) に平らにして)。dconcat をヘッドに分け、"
            "注意機構の逆伝播のあと連結。dWq = q^T @ dQ、dq = dQ @ Wq^T(k、v も同様)です",
        ),
    )
    return layer, cases[0]


def _self_attention_check() -> Check:
    """MultiHeadAttention.forward(x, x, x): dq + dk + dv is the gradient with respect to x."""
    rng = generator(1341)
    values = _mha_values(rng, 4, 4, 6, 2, None)
    x, mask = values["q"], _causal(4)
    weights = [values[key] for key in ("Wq", "Wk", "Wv", "Wo")]
    dout = rng.normal(size=x.shape)
    v = rng.normal(size=x.shape)
    v /= np.max(np.abs(v))
    reference = MultiHeadAttention(weights[0], weights[1], weights[2], weights[3], 2)
    reference.forward(x, x, x, mask)
    expected = sum(reference.backward(dout))
    probe = Probe()
    refs = [probe.array(W) for W in weights]
    for name, point in (("", x), ("plus:", x + STEP * v), ("minus:", x - STEP * v)):
        layer = probe.new("MultiHeadAttention", *refs, 2)
        x_ref = probe.array(point)
        out = probe.method(layer, "forward", x_ref, x_ref, x_ref, mask)
        probe.save(out, f"{name}out")
        if not name:
            returned = probe.method(layer, "backward", probe.array(dout))
            for index, grad in enumerate(("dq", "dk", "dv")):
                probe.save(probe.item(returned, index), grad)  # type: ignore[arg-type]
            probe.save(x_ref, "input:x")
    # the same values as three separate arrays: a backward wrong for any inputs is told apart from one
    # that goes wrong only when q, k and v are one array
    layer = probe.new("MultiHeadAttention", *refs, 2)
    probe.method(layer, "forward", probe.array(x), probe.array(x), probe.array(x), mask)
    returned = probe.method(layer, "backward", probe.array(dout))
    for index, grad in enumerate(("dq", "dk", "dv")):
        probe.save(probe.item(returned, index), f"copies:{grad}")  # type: ignore[arg-type]

    def verify(run: ProbeRun) -> Verdict:
        grads = []
        for grad in ("dq", "dk", "dv"):
            array, problems = value_of(run.output(grad), f"MultiHeadAttention.backward(dout): {grad}")
            if array is None:
                return Verdict.fail(problems)
            if array.shape != x.shape:
                return Verdict.fail([plain(f"{grad} has shape {array.shape}; expected {x.shape}, the shape of x")])
            grads.append(array.astype(np.float64))
        total = grads[0] + grads[1] + grads[2]
        scale = float(np.max(np.abs(expected)))
        lines = close(total, expected, what="dq + dk + dv", rtol=GRADIENT_RTOL, atol=GRADIENT_RTOL * 1e-3 * scale)
        if lines:
            slope = _self_slope(run, total, dout, v)
            lead = Text(
                "with q, k and v the same array x, the gradient with respect to x is dq + dk + dv; yours differs "
                "from the correct one:",
                "q、k、v が同じ配列 x のとき、x についての勾配は dq + dk + dv です。正しい勾配と違います:",
            )
            copies = _copies_total(run, x.shape)
            if copies is not None and not is_close(copies, expected, GRADIENT_RTOL, GRADIENT_RTOL * 1e-3 * scale):
                # wrong for three separate arrays too: the backward itself, not the shared input
                return Verdict.fail([lead, *lines, *slope, SELF_COPIES_WRONG], SELF_BACKWARD_WRONG)
            return Verdict.fail([lead, *lines, *slope])
        changed = unchanged(run, "MultiHeadAttention", {"x": x})
        return Verdict.unless(changed, IN_PLACE_INPUT)

    return Check(
        "MultiHeadAttention: self-attention forward(x, x, x) gives dq + dk + dv, the gradient with respect to x",
        "MultiHeadAttention: 自己注意 forward(x, x, x) で dq + dk + dv が x についての勾配になる",
        probe,
        verify,
        hint=Text(
            "when one array is passed as q, k and v, backward still returns three separate gradients, each "
            "computed from what forward saved for that input; the caller adds them. Keep q, k and v in forward "
            "without modifying them in place",
            "1 つの配列を q、k、v として渡しても、backward は forward がそれぞれの入力について"
            "保存した値から 3 つの勾配を"
            "別々に返し、呼び出し側が足します。forward では q、k、v をその場で書き換えずに保存してください",
        ),
        context=Text(
            "x (2, 4, 6) passed as q, k and v, 2 heads, causal mask (4, 4), random dout; x moved by h = 1e-5 "
            "along a random direction in all three slots",
            "x (2, 4, 6) を q、k、v として渡す。2 ヘッド、因果マスク (4, 4)、ランダムな dout。x を 3 か所同時に"
            "ランダムな方向へ h = 1e-5 動かす",
        ),
    )


SELF_COPIES_WRONG = Text(
    "with three separate copies of x as q, k and v, dq + dk + dv is wrong as well",
    "x の 3 つの別々のコピーを q、k、v として渡しても、dq + dk + dv はやはり違います",
)
SELF_BACKWARD_WRONG = Text(
    "dq + dk + dv is wrong even when q, k and v are three separate arrays, so the cause is not the shared "
    "input: fix MultiHeadAttention's forward and gradient checks first, and this one follows",
    "q、k、v が 3 つの別々の配列でも dq + dk + dv が違うので、原因は同じ配列を渡したことではありません。"
    "先に MultiHeadAttention の forward と勾配確認のチェックを直せば、このチェックも通ります",
)


def _copies_total(run: ProbeRun, shape: tuple[int, ...]) -> np.ndarray | None:
    """The sum dq + dk + dv for three separate copies of x, when all three are numeric arrays of x's shape."""
    total = None
    for grad in ("dq", "dk", "dv"):
        array = run.output(f"copies:{grad}").array
        if array is None or array.dtype.kind not in "biuf" or np.shape(array) != shape:
            return None
        total = array.astype(np.float64) if total is None else total + array.astype(np.float64)
    return total


def _self_slope(run: ProbeRun, total: np.ndarray, dout: np.ndarray, v: np.ndarray) -> list[Text]:
    """Whether dq + dk + dv at least agrees with the learner's own forward along v."""
    plus, minus = run.output("plus:out").array, run.output("minus:out").array
    if plus is None or minus is None or np.shape(plus) != dout.shape or np.shape(minus) != dout.shape:
        return []
    with np.errstate(all="ignore"):
        numeric = float(np.sum(dout * (plus.astype(np.float64) - minus.astype(np.float64)))) / (2 * STEP)
    analytic = float(np.sum(total * v))
    agree = abs(analytic - numeric) <= CONSISTENCY_RTOL * max(abs(analytic), abs(numeric), 1e-4)
    verdict = Text(
        "they agree, so your forward is what is wrong (see the forward check)"
        if agree
        else "they disagree: backward and forward are inconsistent",
        "一致するので、間違っているのは順伝播です(forward のチェックを参照)"
        if agree
        else "一致しません。逆伝播と順伝播が食い違っています",
    )
    return [
        Text(
            f"along a random direction v of x: sum((dq + dk + dv) * v) = {analytic:.10g}, your forward changes "
            f"sum(dout * out) at the rate {numeric:.10g}; {verdict.en}",
            f"x のランダムな方向 v について: sum((dq + dk + dv) * v) = {analytic:.10g}、順伝播の sum(dout * out) "
            f"の変化率は {numeric:.10g}。{verdict.ja}",
        )
    ]


# ----------------------------------------------------------------- TransformerEncoderBlock


def _block_values(rng: np.random.Generator, t: int, d: int, d_ff: int, mask: np.ndarray | None) -> dict[str, Any]:
    values: dict[str, Any] = {key: rng.normal(size=(d, d)) * 1.2 / np.sqrt(d) for key in ("Wq", "Wk", "Wv", "Wo")}
    values.update(W1=rng.normal(size=(d, d_ff)) / np.sqrt(d), b1=rng.normal(size=d_ff) * 0.5)
    values.update(W2=rng.normal(size=(d_ff, d)) / np.sqrt(d_ff), b2=rng.normal(size=d) * 0.5)
    for key in ("gamma1", "gamma2"):
        values[key] = rng.uniform(0.5, 1.5, size=d) * rng.choice([-1.0, 1.0], size=d)
    for key in ("beta1", "beta2"):
        values[key] = rng.uniform(-1.0, 1.0, size=d)
    values.update(num_heads=2, x=rng.normal(size=(2, t, d)), mask=mask)
    return values


def _block_mistakes(case: Case) -> list[Known]:
    values = dict(case.values)
    forward = [
        (
            "no-residual-1",
            "the residual connection around the attention is missing: x1 = LayerNorm1(x + MHA(x, x, x))",
            "注意機構の周りの残差接続が抜けています: x1 = LayerNorm1(x + MHA(x, x, x))",
        ),
        (
            "no-residual-2",
            "the residual connection around the feed-forward network is missing: out = LayerNorm2(x1 + FFN(x1))",
            "FFN の周りの残差接続が抜けています: out = LayerNorm2(x1 + FFN(x1))",
        ),
        (
            "pre-ln",
            "this is the pre-LN block, x + MHA(LN(x)); the contract's block is post-LN as in the original paper: "
            "the LayerNorm comes after the residual addition, x1 = LayerNorm1(x + MHA(x, x, x))",
            "これは Pre-LN の x + MHA(LN(x)) です。課題のブロックは元論文どおりの Post-LN で、LayerNorm は残差の"
            "足し算の後です: x1 = LayerNorm1(x + MHA(x, x, x))",
        ),
        (
            "swapped-norms",
            "the two LayerNorms' parameters are swapped: LayerNorm1 uses gamma1, beta1 (after the attention), "
            "LayerNorm2 gamma2, beta2 (after the FFN)",
            "2 つの LayerNorm のパラメータが逆です。LayerNorm1(注意機構の後)が gamma1, beta1、"
            "LayerNorm2(FFN の後)が gamma2, beta2 です",
        ),
        (
            "no-relu",
            "the FFN's activation is missing: FFN(h) = relu(h @ W1 + b1) @ W2 + b2",
            "FFN の活性化関数が抜けています: FFN(h) = relu(h @ W1 + b1) @ W2 + b2",
        ),
    ]
    found = [Known("out", _block_forward(values, key), Text(en, ja)) for key, en, ja in forward]
    if not isinstance(case.dout, np.ndarray):
        return found
    backward = [
        (
            "no-residual",
            "dx lacks the residual path: x is added to the attention's output, so dx gets the gradient of that "
            "sum directly, besides dq + dk + dv",
            "dx に残差の経路が抜けています。x は注意機構の出力に足されるので、dq + dk + dv のほかに、その和の勾配が"
            "そのまま dx に加わります",
        ),
        (
            "dq-only",
            "in self-attention x is the query, the key and the value: dx gets dq + dk + dv, not dq alone",
            "自己注意では x がクエリ・キー・バリューのすべてです。dx には dq だけでなく dq + dk + dv が加わります",
        ),
        (
            "ffn-only",
            "x1 feeds both the FFN and the residual connection: its gradient is the sum of both paths, "
            "dx1 = dsum2 + dh @ W1^T",
            "x1 は FFN と残差接続の両方に使われるので、勾配は 2 つの経路の和です: dx1 = dsum2 + dh @ W1^T",
        ),
        (
            "residual-only",
            "the gradient through the FFN is missing from x1's: dx1 = dsum2 + (gradient through W2, relu and W1)",
            "x1 の勾配に FFN を通る経路が抜けています: dx1 = dsum2 + (W2、relu、W1 を通る勾配)",
        ),
    ]
    found += [Known("dx", _block_dx(values, case.dout, key), Text(en, ja)) for key, en, ja in backward]
    n, t, d = values["x"].shape
    d_ff = values["W1"].shape[1]
    transposed = Text(
        "dW1 and dW2 have the shapes of W1 (d_model, d_ff) and W2 (d_ff, d_model): dW = X^T @ dY, not dY^T @ X",
        "dW1 と dW2 は W1 (d_model, d_ff)、W2 (d_ff, d_model) と同じ形状です: "
        "dW = X^T @ dY で、dY^T @ X ではありません",
    )
    not_summed = Text(
        "a bias gradient is summed over every sample and time step: db = dY.reshape(-1, dY.shape[-1]).sum(axis=0)",
        "バイアスの勾配はすべてのサンプルと時刻について和をとります: db = dY.reshape(-1, dY.shape[-1]).sum(axis=0)",
    )
    found += [
        Known("dW1", None, transposed, shape=(d_ff, d)),
        Known("dW2", None, transposed, shape=(d, d_ff)),
        Known("db1", None, not_summed, shape=(n, t, d_ff)),
        Known("db1", None, not_summed, shape=(t, d_ff)),
        Known("db2", None, not_summed, shape=(n, t, d)),
        Known("db2", None, not_summed, shape=(t, d)),
    ]
    return found


def _block() -> tuple[Layer, Case]:
    rng = generator(1351)
    plain_values = _block_values(rng, 4, 6, 8, None)
    masked_values = _block_values(rng, 3, 4, 5, _causal(3))
    cases = (
        Case(plain("x (2, 4, 6), d_ff 8, 2 heads"), plain_values, rng.normal(size=(2, 4, 6)), True, ("mask",)),
        Case(plain("x (2, 3, 4), d_ff 5, 2 heads, causal mask (3, 3)"), masked_values, rng.normal(size=(2, 3, 4))),
    )
    layer = Layer(
        name="TransformerEncoderBlock",
        constructor=("params", "num_heads"),
        bundles=(("params", BLOCK_KEYS),),
        reference=TransformerEncoderBlock,
        conventions=(_BlockEpsOutside,),
        params=tuple(Param(key, f"d{key}", GradsItem(key)) for key in BLOCK_KEYS),
        inputs=(Input("x", "dx"), Input("mask")),
        oracle=_block_oracle,
        mistakes=_block_mistakes,
        forward=(
            Cases(
                Text(
                    "TransformerEncoderBlock: forward is LayerNorm2(x1 + FFN(x1)), x1 = LayerNorm1(x + MHA(x, x, x))",
                    "TransformerEncoderBlock: forward が LayerNorm2(x1 + FFN(x1))、x1 = LayerNorm1(x + MHA(x, x, x))",
                ),
                Text(
                    "x (2, 4, 6), d_ff 8, 2 heads, the default mask; x (2, 3, 4), d_ff 5, a causal mask (3, 3); "
                    "gamma and beta not 1 and 0",
                    "x (2, 4, 6)、d_ff 8、2 ヘッド、mask は既定値。x (2, 3, 4)、d_ff 5、因果マスク (3, 3)。"
                    "gamma と beta は 1 と 0 以外",
                ),
                tuple(Case(c.label, c.values, defaults=c.defaults) for c in cases),
            ),
        ),
        gradient=(
            Cases(
                Text(
                    "TransformerEncoderBlock: backward gives dx and all 12 parameter gradients (gradient check)",
                    "TransformerEncoderBlock: backward が dx と 12 個すべてのパラメータの勾配を求める(勾配確認)",
                ),
                Text("as in the forward check, random dout", "forward のチェックと同じ入力、dout はランダム"),
                cases,
            ),
        ),
        hygiene=Hygiene(Text("x (2, 4, 6), random dout", "x (2, 4, 6)、ランダムな dout")),
        forward_hint=Text(
            "x1 = norm1.forward(x + attention.forward(x, x, x, mask)); "
            "out = norm2.forward(x1 + relu(x1 @ W1 + b1) @ W2 + b2)",
            "x1 = norm1.forward(x + attention.forward(x, x, x, mask))、"
            "out = norm2.forward(x1 + relu(x1 @ W1 + b1) @ W2 + b2) です",
        ),
        backward_hint=Text(
            "backward in reverse order: dsum2 = norm2.backward(dout); through W2, relu, W1 to dx1 = dsum2 + dh @ W1^T; "
            "dsum1 = norm1.backward(dx1); dq, dk, dv = attention.backward(dsum1); dx = dsum1 + dq + dk + dv",
            "逆順にたどります: dsum2 = norm2.backward(dout)、W2・relu・W1 を通って dx1 = dsum2 + dh @ W1^T、"
            "dsum1 = norm1.backward(dx1)、dq, dk, dv = attention.backward(dsum1)、dx = dsum1 + dq + dk + dv です",
        ),
    )
    return layer, cases[0]


def build_checks() -> list[Check]:
    """Every check of exercise 13, in the order of the stub."""
    layer_norm, ln_case = _layer_norm_row()
    mha, mha_case = _mha()
    block, block_case = _block()
    in_place = Text("the hygiene check's inputs", "衛生チェックと同じ入力")
    return [
        *_attention_checks(),
        *layer_checks(_sdpa()),
        *layer_checks(layer_norm),
        grads_in_place_check(layer_norm, ln_case, in_place),
        *_pe_checks(),
        *layer_checks(mha),
        _self_attention_check(),
        grads_in_place_check(mha, mha_case, in_place),
        *layer_checks(block),
        grads_in_place_check(block, block_case, in_place),
    ]
