"""Compare what a submission returned with what was expected, and say how it differs.

Every function here returns a list of ``Text`` lines describing the difference,
empty when there is none, so checks can add their own context and hint.
Comparisons are in float64; NaN and infinity count as wrong wherever the
expected value is finite.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from grader.sandbox.client import Output
from grader.text import Text, plain


def describe(array: np.ndarray) -> str:
    """``shape (4, 7) float64`` for an array."""
    return f"shape {tuple(array.shape)} {array.dtype}"


MAX_RENDERED_CHARS = 160


def abbreviate(array: Any, edge: int = 3) -> str:
    """A short, one-line rendering of an array: the corners of a big one, at most 160 characters."""
    array = np.asarray(array)
    text = np.array2string(array, precision=6, threshold=24, edgeitems=edge, max_line_width=10_000, separator=", ")
    text = " ".join(text.split())
    if len(text) > MAX_RENDERED_CHARS:
        text = text[: MAX_RENDERED_CHARS - 5] + " ...]"
    return text


def _index(flat_index: int, shape: tuple[int, ...]) -> str:
    if not shape:
        return ""
    return "[" + ", ".join(str(int(i)) for i in np.unravel_index(flat_index, shape)) + "]"


def value_of(got: Output | np.ndarray | None, what: str) -> tuple[np.ndarray | None, list[Text]]:
    """Unwrap a probe output into an array, or explain why there is none."""
    if isinstance(got, np.ndarray):
        return got, []
    if got is None or got.kind == "none":
        return None, [
            Text(
                f"{what} returned None; expected an array (is a `return` missing?)",
                f"{what} が None を返しました。配列を返してください(return を忘れていませんか?)",
            )
        ]
    if got.kind == "dict":
        return None, [
            Text(
                f"{what} returned a dict; expected an array",
                f"{what} が dict を返しました。配列を返してください",
            )
        ]
    if got.array is None:
        return None, [
            Text(
                f"{what} returned a {got.pytype} that is not a numeric array ({got.reason})",
                f"{what} が数値の配列ではない {got.pytype} を返しました({got.reason})",
            )
        ]
    return got.array, []


def same_shape(array: np.ndarray, shape: tuple[int, ...], what: str) -> list[Text]:
    """``[]`` when ``array`` has ``shape``, else the complaint (and a word on reshape when only the layout differs)."""
    shape = tuple(shape)
    if array.shape == shape:
        return []
    lines = [
        Text(
            f"{what}: expected shape {shape}, got {array.shape}",
            f"{what}: 期待される形状は {shape}、あなたの結果は {array.shape}",
        )
    ]
    if array.size == int(np.prod(shape)):
        lines.append(
            Text(
                "same number of elements in another arrangement: check reshape and transpose",
                "要素数は同じで並びが違います。reshape や転置を確認してください",
            )
        )
    return lines


def close(
    got: Output | np.ndarray | None,
    expected: Any,
    *,
    what: str,
    rtol: float = 1e-7,
    atol: float = 1e-9,
) -> list[Text]:
    """Describe how ``got`` differs from ``expected``; ``[]`` when they agree.

    Parameters
    ----------
    got : Output or ndarray or None
        What the submission returned.
    expected : array_like
        The right answer, from the reference implementation.
    what : str
        How to name the value in messages, e.g. ``softmax(x)``.
    rtol, atol : float
        Tolerances of ``|got - expected| <= atol + rtol * |expected|``.
    """
    expected = np.asarray(expected, dtype=np.float64)
    array, problems = value_of(got, what)
    if array is None:
        return problems
    problems = same_shape(array, expected.shape, what)
    if problems:
        return problems
    if array.dtype.kind == "c":
        return [plain(f"{what}: got complex values ({array.dtype})")]
    got64 = np.asarray(array, dtype=np.float64)  # no copy of what is float64 already: nothing writes to it
    return _not_finite(got64, expected, what) or _differences(got64, expected, what, rtol, atol)


def agrees(got: Output | np.ndarray | None, expected: Any, *, rtol: float = 1e-7, atol: float = 1e-9) -> bool:
    """Whether ``close`` would find nothing to say, without rendering what it would say.

    Checks ask this of every known mistake (``Variant``, ``Known``) of a failed
    check; rendering arrays for answers nobody reads made that the slowest part
    of judging a wrong submission.
    """
    expected = np.asarray(expected, dtype=np.float64)
    if isinstance(got, np.ndarray):
        array = got
    elif got is None or got.kind != "array" or got.array is None:
        return False
    else:
        array = got.array
    if array.shape != expected.shape or array.dtype.kind == "c":
        return False
    got64 = np.asarray(array, dtype=np.float64)  # no copy of what is float64 already: nothing writes to it
    if _any_not_finite(got64, expected):
        return False
    within = _within(got64, expected, rtol, atol)
    # every element within the tolerance (the usual answer) needs no look at nan and inf
    return bool(within.all()) or bool(_agreement(got64, expected, within).all())


def _within(got: np.ndarray, expected: np.ndarray, rtol: float, atol: float) -> np.ndarray:
    """Where ``|got - expected| <= atol + rtol * |expected|``."""
    within: np.ndarray = np.abs(got - expected) <= atol + rtol * np.abs(expected)
    return within


def _agreement(got: np.ndarray, expected: np.ndarray, within: np.ndarray) -> np.ndarray:
    """Where ``got`` agrees with ``expected``: ``within`` the tolerance (``_within``), or the same nan or inf."""
    # nan == nan and inf == inf count as agreement where the reference has them too
    agree: np.ndarray = within | (got == expected) | (np.isnan(got) & np.isnan(expected))
    return agree


def _any_not_finite(got: np.ndarray, expected: np.ndarray) -> bool:
    """Whether ``got`` holds a nan or inf where the reference is finite (all finite, the usual case, is asked first)."""
    return not np.isfinite(got).all() and bool((~np.isfinite(got) & np.isfinite(expected)).any())


def _not_finite(got: np.ndarray, expected: np.ndarray, what: str) -> list[Text]:
    """The first nan or inf where the reference is finite, and how many there are."""
    if not _any_not_finite(got, expected):
        return []
    bad = ~np.isfinite(got) & np.isfinite(expected)
    flat = int(np.flatnonzero(bad)[0])
    where = _index(flat, expected.shape)
    return [
        Text(
            f"{what}{where} is {got.flat[flat]} (expected {expected.flat[flat]:.6g}); "
            f"{int(bad.sum())} of {bad.size} values are nan or inf",
            f"{what}{where} が {got.flat[flat]} です(期待値 {expected.flat[flat]:.6g})。"
            f"{bad.size} 個中 {int(bad.sum())} 個が nan か inf です",
        )
    ]


def _differences(got: np.ndarray, expected: np.ndarray, what: str, rtol: float, atol: float) -> list[Text]:
    """The worst element beyond the tolerance, how many there are, and both arrays in short."""
    within = _within(got, expected, rtol, atol)
    if within.all():
        return []
    agree = _agreement(got, expected, within)
    if agree.all():
        return []
    error = np.where(agree, 0.0, np.nan_to_num(np.abs(got - expected), nan=np.inf))
    flat = int(np.argmax(error))
    where = _index(flat, expected.shape)
    lines = [
        Text(
            f"largest error {error.flat[flat]:.3g} at {what}{where}: "
            f"expected {expected.flat[flat]:.8g}, got {got.flat[flat]:.8g}",
            f"最大誤差 {error.flat[flat]:.3g}({what}{where}): "
            f"期待値 {expected.flat[flat]:.8g}、あなたの値 {got.flat[flat]:.8g}",
        ),
    ]
    if expected.size > 1:
        lines.append(
            Text(
                f"{int((~agree).sum())} of {agree.size} values differ",
                f"{agree.size} 個中 {int((~agree).sum())} 個が一致しません",
            )
        )
        shown, seen = abbreviate(expected), abbreviate(got)  # rendered once for both languages (the slow part)
        lines.append(Text(f"expected {shown}", f"期待値   {shown}"))
        lines.append(Text(f"got      {seen}", f"あなたの値 {seen}"))
    return lines


def dtype_kind_mismatch(got: Output, kinds: str, what: str) -> list[Text]:
    """Complain unless the returned array's dtype kind is one of ``kinds`` (e.g. ``"iub"``)."""
    array, problems = value_of(got, what)
    if array is None:
        return problems
    if array.dtype.kind in kinds:
        return []
    names = {"i": "integer", "u": "unsigned integer", "b": "bool", "f": "float"}
    wanted = " or ".join(names.get(kind, kind) for kind in kinds)
    return [
        Text(
            f"{what} has dtype {array.dtype}; expected {wanted}",
            f"{what} の dtype が {array.dtype} です。{wanted} が期待されます",
        )
    ]
