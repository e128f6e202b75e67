"""Hints that unfold: from a gentle nudge to the near-answer, one level at a time.

A check module (``grader.checks.exNN_*``) may define ``HINTS``, a ladder of
three hints per function or class name::

    HINTS: dict[str, tuple[Text, Text, Text]] = {
        "softmax": (nudge, closer, near_answer),
    }

The ladder of one failed check is its own hint, the misconception the check
recognised (when it has one), followed by the levels of ``HINTS`` for the
function or class it checks.  A failed check shows the first level only;
``grade hint N`` unfolds the next one each time it is run.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from grader.text import Text

if TYPE_CHECKING:
    from grader.grading.results import CheckResult


def hint_ladders(checks_module: str) -> dict[str, tuple[Text, ...]]:
    """``HINTS`` of a check module (function or class name -> its levels); empty when it has none."""
    module = importlib.import_module(checks_module)
    found = getattr(module, "HINTS", None)
    if not isinstance(found, Mapping):
        return {}
    ladders: dict[str, tuple[Text, ...]] = {}
    for name, levels in found.items():
        if isinstance(levels, Text):
            levels = (levels,)
        if isinstance(levels, Sequence):
            usable = tuple(level for level in levels if isinstance(level, Text))
            if usable:
                ladders[str(name)] = usable
    return ladders


def ladder(result: CheckResult, ladders: Mapping[str, Sequence[Text]]) -> list[Text]:
    """Every hint level of one check's result, first to last, without repeats."""
    levels: list[Text] = []
    for level in ([result.hint] if result.hint is not None else []) + list(ladders.get(result.target, ())):
        if level not in levels:
            levels.append(level)
    return levels


def with_first_hint(result: CheckResult, ladders: Mapping[str, Sequence[Text]]) -> CheckResult:
    """A failed check without a hint of its own gets the first level of its ladder."""
    from grader.grading.results import Status

    if result.status != Status.FAILED or result.hint is not None or not ladders.get(result.target):
        return result
    return replace(result, hint=ladders[result.target][0])
