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
