"""The sandbox: learner code runs here, in processes of its own, and never in the grader.

``client`` (``Sandbox``, ``SandboxPool``, ``Probe``) is the grader's side; ``server``
is the script that runs in a fresh interpreter and forks the workers, which
``confinement`` locks down (namespaces, Landlock, seccomp, limits, no
privileges); ``npyfile`` moves arrays across without pickles; ``spawn`` starts a
server process.  Nothing here knows what a right answer is: verdicts are
``grader.grading``'s.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from grader.sandbox.client import Output, Probe, ProbeRun, Ref, Sandbox, SandboxPool

__all__ = ["Output", "Probe", "ProbeRun", "Ref", "Sandbox", "SandboxPool"]


def __getattr__(name: str) -> object:
    # ``client`` loaded when one of its names is asked for: the grading server imports ``spawn`` (to start
    # its zygote) before ``client``'s tens of milliseconds of imports
    if name in __all__:
        from grader.sandbox import client

        return getattr(client, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
