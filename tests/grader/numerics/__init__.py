"""Recomputations of the quiz bank's numeric answers, one module per quiz.

A module ``qNN_topic.py`` here holds ``RECOMPUTE``: question id -> (how, function),
``how`` being ``"reference"`` when the function calls the reference
implementation (so the bank and the reference check each other) or
``"arithmetic"`` when it recomputes the answer from the question's numbers.
Question ids are unique across the whole bank.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable

Recomputation = tuple[str, Callable[[], float]]


def all_recomputations() -> dict[str, Recomputation]:
    """Every module's ``RECOMPUTE``, merged; a question id recomputed twice is an error."""
    merged: dict[str, Recomputation] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda info: info.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        for question_id, recomputation in module.RECOMPUTE.items():
            if question_id in merged:
                raise ValueError(f"{question_id} is recomputed twice ({info.name})")
            merged[question_id] = recomputation
    return merged
