"""Shared by every test: progress kept outside a workspace never goes to the real home folder, and what
``grade`` keeps in the user's runtime folder never goes to the real one."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _data_dir(tmp_path_factory, monkeypatch):
    """Point ``DLGRADE_DATA_DIR`` (``grader.learner.datadir``) at a fresh folder for each test."""
    monkeypatch.setenv("DLGRADE_DATA_DIR", str(tmp_path_factory.mktemp("data-dir")))


@pytest.fixture(autouse=True)
def _no_grading_server(monkeypatch):
    """``grade`` run by a test grades in its own process: no test leaves a grading server behind.

    tests/grader/test_server.py turns the server on for its own tests (and stops what they start).
    """
    monkeypatch.setenv("DLGRADE_NO_SERVER", "1")


@pytest.fixture(scope="session")
def _session_runtime(tmp_path_factory):
    folder = tmp_path_factory.mktemp("run")
    folder.chmod(0o700)
    return folder


@pytest.fixture(autouse=True)
def _runtime_folder(_session_runtime, monkeypatch):
    """``XDG_RUNTIME_DIR`` is a private folder of the test session's: the class code ``grade`` keeps
    (``grader.launch.keep_class_code``) is written there, not in the user's own (a test may set another)."""
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(_session_runtime))
