"""Building blocks shared by the exercises' check modules.

Most checks call one learner function on inputs that expose a classic mistake
and compare the result with the reference.  ``output_check`` builds such a check
in one call; it also verifies that the inputs were not modified, and when the
wrong answer matches a known mistake (a ``Variant``) it names that mistake.
What a check says about what came back is ``grader.checks.verdicts``; layers
with forward and backward are rows of ``grader.checks.layers``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from grader.checks.verdicts import Variant, close, is_close, matching_variant, unchanged, value_of
from grader.grading.compare import abbreviate, describe
from grader.grading.engine import Check
from grader.grading.results import Verdict
from grader.sandbox.client import Probe, ProbeRun, Ref
from grader.text import Text

IN_PLACE_HINT = Text(
    "the values are right, but an argument was changed: operations like x[mask] = 0, x -= m "
    "or x += 1e-7 write into the caller's array; compute into a new array instead",
    "値は正しいのですが引数が書き換えられています。x[mask] = 0、x -= m、x += 1e-7 のような演算は"
    "呼び出し元の配列に書き込みます。新しい配列に計算してください",
)


def generator(seed: int) -> np.random.Generator:
    """The generator every check uses for its inputs: fixed, so verdicts repeat."""
    return np.random.default_rng(seed)


def call_probe(
    function: str,
    args: Sequence[Any],
    kwargs: dict[str, Any] | None = None,
    arg_names: Sequence[str] = (),
    *,
    attempts: Mapping[str, Sequence[Any]] | None = None,
) -> tuple[Probe, dict[str, np.ndarray]]:
    """A probe that calls ``function`` and brings back the result and its array arguments.

    Returns the probe and the original of every array argument, by name, for
    ``verdicts.unchanged``.  The result is saved as ``result``.  ``attempts``
    (name to arguments) are calls of the same function made first, on copies of
    their own, to diagnose a mistake (``Probe.attempt``): each is saved under
    its name, None if it raised.
    """
    names = list(arg_names) + [f"#{i + 1}" for i in range(len(arg_names), len(args))]
    probe = Probe()
    for key, attempt_args in (attempts or {}).items():
        probe.save(probe.attempt(function, *attempt_args, **(kwargs or {})), key)
    originals: dict[str, np.ndarray] = {}
    refs: dict[str, Ref] = {}
    encoded: list[Any] = []
    for name, arg in zip(names, args, strict=False):
        if isinstance(arg, np.ndarray):
            refs[name] = probe.array(arg)
            originals[name] = arg.copy()
            encoded.append(refs[name])
        else:
            encoded.append(arg)
    probe.save(probe.call(function, *encoded, **(kwargs or {})), "result")
    for name, ref in refs.items():
        probe.save(ref, f"input:{name}")
    return probe, originals


def output_check(
    name: str,
    name_ja: str,
    function: str,
    args: Sequence[Any],
    expected: Any,
    *,
    kwargs: dict[str, Any] | None = None,
    rtol: float = 1e-7,
    atol: float = 1e-9,
    hint: Text | None = None,
    variants: Sequence[Variant] = (),
    context: str | Text = "",
    arg_names: Sequence[str] = (),
    points: float = 1.0,
    error_hint: Text | Callable[[str, str], Text | None] | None = None,
    in_place_hint: Text | None = None,
    swapped_hint: Text | None = None,
    swapped: Sequence[Any] | None = None,
    twin: Sequence[Any] | None = None,
    twin_hint: Text | None = None,
) -> Check:
    """A check that ``function(*args, **kwargs)`` returns ``expected``.

    Parameters
    ----------
    name, name_ja : str
        The check's name (starting with ``function``) in English and Japanese.
    function : str
        The learner's function to call.
    args : sequence
        Positional arguments; ndarrays are sent as arrays and checked for
        modification afterwards.
    expected : array_like
        The reference answer.
    rtol, atol : float
        Tolerances for the comparison in float64.
    hint : Text, optional
        The general hint when the values are wrong.
    variants : sequence of Variant
        Known wrong answers; a match replaces the general hint by the variant's.
    context : str or Text, optional
        The input, described for the learner; derived from the shapes when empty.
    arg_names : sequence of str
        Names of the positional arguments for messages (``x``, ``d``, ``y``).
    error_hint : Text or callable, optional
        The hint when the learner's code raises instead of returning
        (``error_hint_for`` picks it by the kind of exception).
    in_place_hint : Text, optional
        The hint when the values are right but an argument was modified
        (default: ``IN_PLACE_HINT``).
    swapped_hint : Text, optional
        The hint when the call is wrong, or raises, and the same call with the
        first two arguments swapped gives ``expected``: the learner's function
        takes them in the other order (the book's ``(y, t)`` against ``(d, y)``).
    swapped : sequence, optional
        The arguments of that call in the other order, when the first two of
        ``args`` swapped can not tell the order from another mistake (for
        ``f(d, y) = y - d``, ``f(y, d)`` is also what ``d - y`` gives): the same
        call in another form that gives ``expected`` (labels for one-hot ``d``).
    twin : sequence, optional
        The arguments of the same call in another accepted form that gives
        ``expected`` too (one-hot ``d`` for labels ``d``).  When the twin is
        right, the failure is about this form: the variants or ``hint`` name it,
        and an exception gets ``hint``.  When the twin is wrong as well, the
        mistake lies elsewhere: a variant or ``twin_hint`` names it.
    twin_hint : Text, optional
        The hint when both this call and its twin are wrong (required with ``twin``).
    """
    attempts: dict[str, Sequence[Any]] = {}
    if swapped_hint is not None:
        attempts["swapped"] = list(swapped) if swapped is not None else [args[1], args[0], *args[2:]]
    if twin is not None:
        if twin_hint is None:
            raise ValueError(f"{name}: a twin needs the twin_hint for a mistake both forms share")
        attempts["twin"] = twin
    probe, originals = call_probe(function, args, kwargs, arg_names, attempts=attempts)
    names = list(arg_names) + [f"#{i + 1}" for i in range(len(arg_names), len(args))]
    if not context:
        context = Text(_input_context(names, args, kwargs, "en"), _input_context(names, args, kwargs, "ja"))
    call_text = f"{function}({', '.join(names)})"
    in_place = in_place_hint or IN_PLACE_HINT

    def verify(run: ProbeRun) -> Verdict:
        got = run.output("result")
        lines = close(got, expected, what=call_text, rtol=rtol, atol=atol)
        modified = unchanged(run, function, originals)
        if not lines:
            return Verdict.unless(modified, in_place)
        if right(run, "swapped"):
            return Verdict.fail(lines + modified, swapped_hint)
        variant = matching_variant(got, variants, rtol, atol) if variants else None
        if variant is not None:
            return Verdict.fail(lines + modified, variant.hint)
        if twin is not None and not right(run, "twin"):
            return Verdict.fail(lines + modified, twin_hint)
        return Verdict.fail(lines + modified)

    def right(run: ProbeRun, attempt: str) -> bool:
        return attempt in attempts and is_close(run.output(attempt), expected, rtol, atol)

    def diagnose(run: ProbeRun) -> Text | None:
        if right(run, "swapped"):
            return swapped_hint
        return hint if right(run, "twin") else None

    return Check(
        name,
        name_ja,
        probe,
        verify,
        hint=hint,
        context=context,
        points=points,
        error_hint=error_hint,
        error_diagnosis=diagnose if attempts else None,
    )


def error_hint_for(
    hint: Text, exceptions: Sequence[str], words: Sequence[str] = ()
) -> Callable[[str, str], Text | None]:
    """An ``error_hint`` that gives ``hint`` for the exceptions a known mistake raises, else the default.

    Parameters
    ----------
    hint : Text
        The misconception behind the exception.
    exceptions : sequence of str
        Class names of the exceptions that mistake raises (``ValueError``).
    words : sequence of str
        When given, the exception's message (its last line) must hold one of them.
    """

    def choose(exception: str, message: str) -> Text | None:
        last = message.strip().splitlines()[-1] if message.strip() else ""
        if exception in exceptions and (not words or any(word in last for word in words)):
            return hint
        return None

    return choose


def _input_context(names: Sequence[str], args: Sequence[Any], kwargs: dict[str, Any] | None, lang: str) -> str:
    """The arguments of a call, described for a check's context line in ``lang``."""
    parts = []
    for label, arg in zip(names, args, strict=False):
        if not isinstance(arg, np.ndarray):
            parts.append(f"{label}={arg!r}")
        elif arg.size <= 8 or lang == "en":
            parts.append(f"{label} {render_array(arg)}")
        else:
            # ``describe`` says "shape (3, 4) float64"; a shape and a dtype need no English word
            parts.append(f"{label} {tuple(arg.shape)} {arg.dtype}")
    parts += [f"{key}={value!r}" for key, value in (kwargs or {}).items()]
    return ", ".join(parts)


def render_array(array: Any) -> str:
    """A compact rendering of an input for a check's context line."""
    array = np.asarray(array)
    if array.size <= 8:
        return abbreviate(array)
    return describe(array)


def array_of(run: ProbeRun, name: str, what: str) -> tuple[np.ndarray | None, list[Text]]:
    """The array output ``name``, or lines explaining why there is none."""
    return value_of(run.output(name), what)
