"""The short limit: once a function hung, every other check of it, and every check whose steps call it, gets less."""

from __future__ import annotations

import math
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from grader.grading.engine import abnormal
from grader.sandbox.client import Probe, ProbeRun, Sandbox
from grader.sandbox.server import SHORT_FLOOR

HANGS = """
def im2col(x):
    while True:
        pass

def col2im(x):
    return x

def relu(x):
    return x
"""


def _probe(group: str, *targets: str) -> Probe:
    probe = Probe()
    probe.group = group
    value = np.arange(3.0)
    for target in targets:
        value = probe.call(target, value)
    probe.save(value, "y")
    return probe


def test_a_check_that_calls_a_function_that_hung_gets_the_short_limit_and_says_why(tmp_path):
    learner = tmp_path / "ex01_activations.py"
    learner.write_text(HANGS)
    probes = [_probe("im2col", "im2col"), _probe("col2im", "col2im", "im2col"), _probe("relu", "relu")]
    with Sandbox(learner, "ex01_activations", timeout=1.0, jobs=1) as sandbox:
        hung, calls_it, unrelated = sandbox.run(probes)
    assert (hung.status, hung.limit, hung.hung_function) == ("timeout", 1.0, "")
    assert (calls_it.status, calls_it.limit, calls_it.hung_function) == ("timeout", SHORT_FLOOR, "im2col")
    assert unrelated.status == "ok"


@pytest.mark.parametrize(("limit", "short"), [(0.05, 0.05), (0.6, 0.1), (2.0, 0.1), (5.0, 0.25), (30.0, 1.0)])
def test_the_short_limit_is_a_twentieth_of_the_limit_between_0_1_and_1_s_never_more_than_the_limit(limit, short):
    from grader.sandbox.server import _short_limit

    assert _short_limit({"timeout": limit}) == pytest.approx(short)


def test_the_timeout_message_names_the_function_that_hung_in_both_languages():
    run = ProbeRun("timeout", {}, limit=0.25, hung_function="im2col")
    en, ja = (
        " ".join(line.en for line in abnormal(run, 2.0).lines),
        " ".join(line.ja for line in abnormal(run, 2.0).lines),
    )
    assert "did not finish within 0.25 s" in en
    assert "an earlier call of im2col did not finish within 2 s, and this check calls im2col too" in en
    assert "im2col の呼び出しが 2 秒以内に終わらず" in ja
    assert "0.25 秒で打ち切りました" in ja


def test_the_same_function_keeps_its_message():
    run = ProbeRun("timeout", {}, limit=0.25)
    en = " ".join(line.en for line in abnormal(run, 2.0).lines)
    assert "an earlier call of the same function" in en


INNER_HANG = """
def d_relu(u):
    while True:
        pass

def backward(u):
    return d_relu(u) * 2

def relu(x):
    return x
"""


def test_a_check_whose_function_calls_a_function_that_hung_ends_at_the_short_limit_and_says_where(tmp_path):
    """d_relu hung on its own check; backward calls d_relu: backward's check ends at the short limit."""
    learner = tmp_path / "ex01_activations.py"
    learner.write_text(INNER_HANG)
    probes = [_probe("d_relu", "d_relu"), _probe("backward", "backward"), _probe("relu", "relu")]
    with Sandbox(learner, "ex01_activations", timeout=1.0, jobs=1) as sandbox:
        hung, calls_it, unrelated = sandbox.run(probes)
    assert (hung.status, hung.limit, hung.hung_function) == ("timeout", 1.0, "")
    assert (calls_it.status, calls_it.limit) == ("timeout", SHORT_FLOOR)
    assert (calls_it.hung_function, calls_it.called_from) == ("d_relu", "backward")
    assert unrelated.status == "ok"


def test_a_timeout_names_the_function_that_was_running_and_it_then_gets_the_short_limit(tmp_path):
    """backward's check hangs first, in d_relu: it says so, and d_relu's own check then has the short limit."""
    learner = tmp_path / "ex01_activations.py"
    learner.write_text(INNER_HANG)
    probes = [_probe("backward", "backward"), _probe("d_relu", "d_relu"), _probe("relu", "relu")]
    with Sandbox(learner, "ex01_activations", timeout=1.0, jobs=1) as sandbox:
        first, direct, unrelated = sandbox.run(probes)
    assert (first.status, first.limit, first.hung_function) == ("timeout", 1.0, "")
    assert (first.running_function, first.called_from) == ("d_relu", "backward")
    assert (direct.status, direct.limit, direct.hung_function) == ("timeout", SHORT_FLOOR, "d_relu")
    assert unrelated.status == "ok"


LIAR = """
import signal
import types

def relu(x):
    while True:
        pass

def _lie(signum, frame):
    # the grader's own handler, fed a made-up frame: "relu is running"
    fake = types.SimpleNamespace(f_code=types.SimpleNamespace(co_filename=__file__, co_qualname="relu"), f_back=None)
    _HONEST[0](signum, fake)

_HONEST = [None]

def lying_hang(x):
    _HONEST[0] = signal.getsignal(signal.SIGUSR1)
    signal.signal(signal.SIGUSR1, _lie)
    while True:
        pass

def lying_fast(x):
    _HONEST[0] = signal.getsignal(signal.SIGUSR1)
    signal.signal(signal.SIGUSR1, _lie)
    return x

def silent_hang(x):
    signal.signal(signal.SIGUSR1, signal.SIG_IGN)
    while True:
        pass
"""


def test_what_the_worker_says_is_running_can_only_shorten_its_own_limits(tmp_path):
    """A made-up answer ends a hang sooner; silence gets the full limit, no more; a fast call still passes."""
    learner = tmp_path / "ex01_activations.py"
    learner.write_text(LIAR)
    probes = [_probe(name, name) for name in ("relu", "lying_hang", "silent_hang", "lying_fast")]
    with Sandbox(learner, "ex01_activations", timeout=0.8, jobs=1) as sandbox:
        hung, lying, silent, fast = sandbox.run(probes)
    assert (hung.status, hung.limit) == ("timeout", 0.8)
    assert (lying.status, lying.limit, lying.hung_function) == ("timeout", SHORT_FLOOR, "relu")
    assert (silent.status, silent.limit, silent.running_function) == ("timeout", 0.8, "")
    assert fast.status == "ok"
    assert np.array_equal(fast.output("y").array, np.arange(3.0))


def test_running_reports_are_read_only_as_short_lists_of_plain_names():
    from grader.sandbox.server import RUNNING_BYTES, RUNNING_NAMES, _running_names

    assert _running_names(b'["d_relu", "Relu.backward"]') == ["d_relu", "Relu.backward"]
    for bad in (
        b'"d_relu"',
        b'["d_relu", 3]',
        b'["<lambda>"]',
        b'["x; rm -rf /"]',
        b'["' + b"a" * 101 + b'"]',
        b"[" + b",".join([b'"f"'] * (RUNNING_NAMES + 1)) + b"]",
        b'["f", ' + b" " * RUNNING_BYTES + b'"g"]',
        b"not json",
    ):
        assert _running_names(bad) == []


def test_a_running_report_is_not_part_of_the_probe_s_result_and_only_the_running_probe_may_send_one():
    from grader.sandbox.server import _frame, _Frames

    frames = _Frames(["p1", "p2"], 1 << 20)
    frames.add(b"".join(_frame("confined", b"") + _frame("imported", b"") + _frame("p1/running", b'["relu"]')))
    assert (frames.running, frames.frames["p1"], frames.broken) == ({"p1": ["relu"]}, [], False)
    frames.add(b"".join(_frame("p2/running", b'["relu"]')))  # not the probe running now: a forged frame
    assert frames.broken
    assert "p2" not in frames.running


def test_the_messages_say_which_function_did_not_finish_and_from_where_in_both_languages():
    cut = ProbeRun("timeout", {}, limit=0.25, hung_function="d_relu", called_from="backward")
    en, ja = (
        " ".join(line.en for line in abnormal(cut, 2.0).lines),
        " ".join(line.ja for line in abnormal(cut, 2.0).lines),
    )
    assert en.startswith("d_relu did not finish within 0.25 s when called from backward")
    assert "an earlier call of d_relu did not finish within 2 s, so this check was given 0.25 s" in en
    assert ja.startswith("backward から呼び出された d_relu が 0.25 秒以内に終わりませんでした")
    assert "0.25 秒で打ち切りました" in ja
    full = ProbeRun("timeout", {}, limit=2.0, running_function="d_relu", called_from="backward")
    en, ja = (
        " ".join(line.en for line in abnormal(full, 2.0).lines),
        " ".join(line.ja for line in abnormal(full, 2.0).lines),
    )
    assert en == "d_relu did not finish within 2 s when called from backward"
    assert ja == "backward から呼び出された d_relu が 2 秒以内に終わりませんでした"


SLOW = """
import time

def im2col(x):
    started = time.process_time()
    while time.process_time() - started < 0.6:
        pass
    return x * 2

def relu(x):
    return x
"""


def test_side_by_side_hangs_of_one_function_end_as_they_would_one_after_the_other(tmp_path):
    """The second lone run of a hanging im2col waits for the first's verdict (_waits): the short limit."""
    learner = tmp_path / "ex01_activations.py"
    learner.write_text(HANGS)
    # the first pass's worker gives the relu checks to a second one and runs out of time in im2col: both
    # im2col checks then run again alone, side by side
    probes = [_probe("im2col", "im2col"), _probe("im2col", "im2col"), _probe("relu", "relu"), _probe("relu", "relu")]
    with Sandbox(learner, "ex01_activations", timeout=1.0, jobs=2) as sandbox:
        *hung, unrelated, also = sandbox.run(probes)
    # one of them has the full limit; the other ends as one worker would have ended it (jobs=1), after the
    # first hang, at the short limit
    assert sorted((run.status, run.limit, run.hung_function) for run in hung) == [
        ("timeout", SHORT_FLOOR, "im2col"),
        ("timeout", 1.0, ""),
    ]
    assert unrelated.status == also.status == "ok"


def test_a_check_that_waited_on_a_slow_function_that_then_finished_runs_again_with_its_full_limit(tmp_path):
    """im2col takes 0.6 s of CPU time, past the short limit but within the limit: every check of it passes."""
    learner = tmp_path / "ex01_activations.py"
    learner.write_text(SLOW)
    probes = [_probe("im2col", "im2col"), _probe("im2col", "im2col"), _probe("relu", "relu")]
    with Sandbox(learner, "ex01_activations", timeout=2.0, jobs=2) as sandbox:
        runs = sandbox.run(probes)
    assert [run.status for run in runs] == ["ok"] * 3
    assert [run.limit for run in runs[:2]] == [2.0, 2.0]
    for run in runs[:2]:
        assert np.array_equal(run.output("y").array, np.arange(3.0) * 2)


def _lone(probe_id: str, started: float, names: list[str], used: float) -> Any:
    """A lone worker as ``_waits`` sees it: started at ``started``, last said it ran ``names``, used ``used`` s."""
    from grader.sandbox.server import _Running

    worker = object.__new__(_Running)
    worker.batch = [{"id": probe_id, "group": "", "timeout": 2.0, "steps": []}]
    worker.finished, worker.started = {}, started
    worker.ask_every, worker.ask_at, worker.cut_short, worker.pid = SHORT_FLOOR, math.inf, None, -1
    worker.frames = SimpleNamespace(running={probe_id: names}, confined=True)
    worker.cpu_seconds = lambda: used
    return worker


@pytest.fixture
def server_state(monkeypatch):
    """The sandbox server's module state of one grading, fresh."""
    from grader.sandbox import server

    monkeypatch.setattr(server, "_SLOW_GROUPS", set())
    monkeypatch.setattr(server, "_WAITED", set())
    return server


def test_a_lone_worker_waits_only_for_an_earlier_one_running_the_same_function_past_the_short_limit(server_state):
    first = _lone("p1", 1.0, ["im2col"], 0.8)
    second = _lone("p2", 2.0, ["im2col", "conv"], 0.3)
    running = {1: (first, "alone"), 2: (second, "alone")}
    assert server_state._waits(second, running)
    assert not server_state._waits(first, running)  # the earlier one goes on to its verdict
    assert not server_state._waits(second, {1: (first, "optimistic"), 2: (second, "alone")})
    assert not server_state._waits(_lone("p2", 2.0, ["col2im"], 0.3), running)  # another function
    assert not server_state._waits(_lone("p2", 2.0, ["im2col"], SHORT_FLOOR / 2), running)  # not past the short limit
    assert not server_state._waits(
        second, {1: (_lone("p1", 1.0, ["im2col"], SHORT_FLOOR / 2), "alone"), 2: (second, "alone")}
    )
    server_state._WAITED.add("p2")
    assert not server_state._waits(second, running)  # a probe waits once at most
    server_state._WAITED.clear()
    server_state._SLOW_GROUPS.add("im2col")
    assert not server_state._waits(second, running)  # it hung before: hung_now ends it at the short limit


def test_a_probe_that_waited_ends_cut_short_if_the_function_hung_and_runs_again_if_not(server_state, monkeypatch):
    monkeypatch.setattr(server_state, "_kill_group", lambda pid: None)
    monkeypatch.setattr(server_state, "_reap_one", lambda pid: None)
    monkeypatch.setattr(server_state._Running, "drain", lambda self: None)
    monkeypatch.setattr(server_state._Running, "record", lambda self, status, timed_out: {"timed_out": timed_out})
    first = _lone("p1", 1.0, ["im2col"], 0.8)
    waiting = [server_state._wait_for(_lone("p2", 2.0, ["im2col", "conv"], 0.3))]
    assert waiting[0][0].cut_short == ("im2col", "conv")
    ended: dict[str, Any] = {}
    pending: list[Any] = []
    server_state._decide_waiting(waiting, {1: (first, "alone")}, ended, pending)
    assert (len(waiting), ended, pending) == (1, {}, [])  # the first is still running im2col: no verdict yet
    server_state._SLOW_GROUPS.add("im2col")  # its run timed out in im2col
    server_state._decide_waiting(waiting, {}, ended, pending)
    assert (waiting, pending) == ([], [])
    assert ended["p2"][1] == {"timed_out": True, "hung_function": "im2col", "called_from": "conv"}
    server_state._SLOW_GROUPS.clear()
    waiting = [server_state._wait_for(_lone("p3", 2.0, ["im2col"], 0.3))]
    server_state._decide_waiting(waiting, {1: (_lone("p1", 1.0, ["relu"], 0.9), "alone")}, ended, pending)
    assert waiting == []
    assert "p3" not in ended  # im2col returned without hanging: p3 runs again, alone
    assert [([probe["id"] for probe in batch], kind) for batch, _limit, kind in pending] == [(["p3"], "alone")]
