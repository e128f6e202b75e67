"""The short limit: once a function hung, every other check of it, and every check whose steps call it, gets less."""

from __future__ import annotations

import numpy as np

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
    frames.add(_frame("confined", b"") + _frame("imported", b"") + _frame("p1/running", b'["relu"]'))
    assert (frames.running, frames.frames["p1"], frames.broken) == ({"p1": ["relu"]}, [], False)
    frames.add(_frame("p2/running", b'["relu"]'))  # not the probe running now: a forged frame
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
