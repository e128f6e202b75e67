"""Fixtures shared by the tests of tests/grader."""

import pytest
from servers import runtime

__all__ = ["fifos_made", "runtime"]


@pytest.fixture
def fifos_made(monkeypatch):
    """The paths of the progress FIFOs pooled sandbox runs make from now on (one per run read as it goes)."""
    from grader.sandbox import client

    made = []
    original = client._ProgressFifo.__init__

    def fifo(self, path, *args, **kwargs):
        made.append(path)
        original(self, path, *args, **kwargs)

    monkeypatch.setattr(client._ProgressFifo, "__init__", fifo)
    return made
