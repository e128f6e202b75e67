"""Fixtures shared by the tests of tests/grader."""

from servers import runtime

__all__ = ["runtime"]
