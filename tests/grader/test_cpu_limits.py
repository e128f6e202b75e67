"""Time limits are CPU seconds of the worker: a busy machine does not fail correct-but-slow code."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np

from grader.sandbox.client import Probe, Sandbox

# about 0.6 s of CPU time, however long the machine makes it take
SLOW_BUT_CORRECT = """
import time

def relu(x):
    start = time.process_time()
    while time.process_time() - start < 0.6:
        pass
    return x
"""


def _relu_probe() -> Probe:
    probe = Probe()
    probe.group = "relu"
    probe.save(probe.call("relu", np.arange(3.0)), "y")
    return probe


def test_a_correct_but_slow_call_under_a_cpu_hog_is_not_failed(tmp_path):
    learner = tmp_path / "ex01_activations.py"
    learner.write_text(SLOW_BUT_CORRECT)
    # busy processes enough that the call gets half a core: its 0.6 s of CPU time take 1.2 s, beyond its
    # 1 s limit were that wall-clock time, and well within the 3 s cap of code that waits even beside
    # another busy test.  Each in a session of its own, as the sandbox's worker is: where the kernel
    # shares the CPU between sessions (autogroup) the call's share is the same as where it does not
    busy = 2 * (os.cpu_count() or 1) - 1
    hogs = [subprocess.Popen([sys.executable, "-c", "while True: pass"], start_new_session=True) for _ in range(busy)]
    try:
        with Sandbox(learner, "ex01_activations", timeout=1.0, jobs=1) as sandbox:
            (run,) = sandbox.run([_relu_probe()])
    finally:
        for hog in hogs:
            hog.kill()
            hog.wait()
    assert run.status == "ok"
    assert run.output("y").array.tolist() == [0.0, 1.0, 2.0]


def test_code_that_waits_instead_of_computing_is_stopped_by_the_wall_clock_cap(tmp_path):
    learner = tmp_path / "ex01_activations.py"
    learner.write_text("import time\n\ndef relu(x):\n    time.sleep(60)\n    return x\n")
    with Sandbox(learner, "ex01_activations", timeout=0.3, jobs=1) as sandbox:
        (run,) = sandbox.run([_relu_probe()])
    assert run.status == "timeout"
    assert run.limit == 0.3
