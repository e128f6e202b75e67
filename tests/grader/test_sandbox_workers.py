"""Workers: one runs fast probes alone, a second takes half of the rest of slow ones, none forges another's result."""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pytest

from grader.sandbox.client import Probe, ProbeRun, Sandbox

WHERE = """
import os
import time
import numpy as np

def where(x):
    time.sleep({seconds})
    return np.array([os.getpid(), x[0]])
"""


def _run(tmp_path: Path, source: str, count: int, **options) -> list[ProbeRun]:
    learner = tmp_path / "ex01_activations.py"
    learner.write_text(textwrap.dedent(source))
    probes = []
    for number in range(count):
        probe = Probe()
        probe.save(probe.call("where", np.array([float(number), 5.0])), "y")
        probes.append(probe)
    with Sandbox(learner, "ex01_activations", timeout=5.0, **options) as sandbox:
        return sandbox.run(probes)


def _pids_and_values(runs: list[ProbeRun]) -> tuple[set[int], list[float]]:
    assert [run.status for run in runs] == ["ok"] * len(runs)
    outputs = [run.output("y").array for run in runs]
    return {int(output[0]) for output in outputs}, [float(output[1]) for output in outputs]


def test_fast_probes_run_in_one_worker_even_with_two_jobs(tmp_path):
    runs = _run(tmp_path, WHERE.format(seconds=0), 6, jobs=2, share_after=60.0)
    pids, values = _pids_and_values(runs)
    assert len(pids) == 1
    assert values == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]


def test_slow_probes_are_shared_with_a_second_worker(tmp_path):
    runs = _run(tmp_path, WHERE.format(seconds=0.03), 6, jobs=2, share_after=0.0)
    pids, values = _pids_and_values(runs)
    assert len(pids) >= 2
    assert values == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]  # each probe's own result, in order


def test_one_job_never_shares(tmp_path):
    runs = _run(tmp_path, WHERE.format(seconds=0.01), 4, jobs=1, share_after=0.0)
    pids, _values = _pids_and_values(runs)
    assert len(pids) == 1


FORGER = """
import json
import os
import struct
import time
import numpy as np

def _frame(label, data):
    return struct.pack(">I", len(label)) + label.encode() + struct.pack(">Q", len(data)) + data

def where(x):
    if x[0] == 0.0:
        time.sleep(0.05)  # long enough for the server to have given the last probes to another worker
        forged = json.dumps({{"status": "ok", "outputs": {{"y": {{"kind": "none", "pytype": "Forged"}}}}}})
        for target in {targets}:
            os.write(3, _frame(target + "/result.json", forged.encode()))
    return np.array([os.getpid(), x[0]])
"""


@pytest.mark.parametrize(
    ("jobs", "targets"),
    [(1, ["p001"]), (2, ["p001"]), (2, ["p005"]), (2, ["p003", "p004", "p005"])],
    ids=["the next probe, one job", "the next probe", "a probe given to another worker", "several"],
)
def test_a_probe_can_not_forge_another_probes_result(tmp_path, jobs, targets):
    runs = _run(tmp_path, FORGER.format(targets=targets), 6, jobs=jobs, share_after=0.0)
    assert runs[0].status == "tampered"  # the probe whose code wrote the frames
    for number, run in enumerate(runs[1:], start=1):
        assert run.status == "ok"
        assert run.output("y").pytype == "ndarray"
        assert float(run.output("y").array[1]) == number
