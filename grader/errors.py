"""The grader's exceptions: one hierarchy, each with a message that says what to do."""

from __future__ import annotations


class GraderError(Exception):
    """Base class of every error the grader raises on purpose."""


class UsageError(GraderError):
    """The command was given something it can not work with (exit status 2)."""


class SandboxError(GraderError):
    """The sandbox itself could not run (not the learner's code failing)."""


class OutputError(GraderError):
    """A probe did not bring back a value a check needs."""
