"""What the engine tells a live display while an exercise is graded: checks starting and finishing.

``grade_exercise(..., progress=listener)`` calls ``listener(CheckEvent)`` from
the thread that grades; the sandbox reports which probe a worker runs (see
``grader.sandbox.client.SandboxEvent``) and this module names it by the
check(s) that probe serves.  Events are for display only: no verdict depends
on them, and without a listener the sandbox sends none.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from grader.sandbox.client import SandboxEvent

if TYPE_CHECKING:
    from grader.grading.engine import Check
    from grader.sandbox.client import Probe

IMPORTING, STARTED, FINISHED, DONE = "importing", "started", "finished", "done"


@dataclass(frozen=True)
class CheckEvent:
    """One step of a grading, as a live display shows it.

    Parameters
    ----------
    kind : str
        ``importing`` (the learner's module is being imported), ``started``
        (the check's calls run now; again when it is retried alone),
        ``finished`` (its run is over) or ``done`` (every run is over: what
        follows is judging, no more learner code).
    number : int
        1-based place of the check among the exercise's checks; 0 for
        ``importing`` and ``done``.
    total : int
        How many checks the exercise has.
    target : str
        The function or class the check calls (``softmax``); "" for
        ``importing`` and ``done``.
    limit : float
        Seconds this run may take (``started`` and ``importing``), else 0.
    """

    kind: str
    number: int
    total: int
    target: str = ""
    limit: float = 0.0


ProgressListener = Callable[[CheckEvent], None]


def check_events(
    checks: Sequence[Check], probes: Sequence[Probe], listener: ProgressListener
) -> Callable[[SandboxEvent], None]:
    """A sandbox progress callback that passes each event on to ``listener`` as check events.

    A probe several checks share (exercise 10 trains once for several checks)
    starts and finishes each of them.
    """
    served: dict[int, list[int]] = {}
    for number, check in enumerate(checks, start=1):
        served.setdefault(id(check.probe), []).append(number)
    by_index = [served.get(id(probe), []) for probe in probes]
    total = len(checks)

    def forward(event: SandboxEvent) -> None:
        if event.kind == "import":
            listener(CheckEvent(IMPORTING, 0, total, "", event.limit))
            return
        if not 0 <= event.probe < len(by_index):
            return
        kind = STARTED if event.kind == "start" else FINISHED
        for number in by_index[event.probe]:
            listener(CheckEvent(kind, number, total, checks[number - 1].target, event.limit))

    return forward
