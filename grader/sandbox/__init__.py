"""The sandbox: learner code runs here, in processes of its own, and never in the grader.

``client`` (``Sandbox``, ``SandboxPool``, ``Probe``) is the grader's side; ``server``
is the script that runs in a fresh interpreter and forks the workers, which
``confinement`` locks down (namespaces, Landlock, seccomp, limits, no
privileges); ``npyfile`` moves arrays across without pickles.  Nothing here
knows what a right answer is: verdicts are ``grader.grading``'s.
"""

from grader.sandbox.client import Output, Probe, ProbeRun, Ref, Sandbox, SandboxPool

__all__ = ["Output", "Probe", "ProbeRun", "Ref", "Sandbox", "SandboxPool"]
