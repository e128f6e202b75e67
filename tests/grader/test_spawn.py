"""Starting sandbox servers (grader/sandbox/spawn.py): light, and what a cold start imports first."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from grader.sandbox import spawn

ROOT = Path(__file__).resolve().parents[2]


def _modules_after(code: str, *, isolated: bool = False) -> set[str]:
    """The modules a fresh interpreter holds after running ``code`` (with the project first on its path)."""
    flags = ["-I", "-S"] if isolated else []
    script = (
        f"import sys; sys.path.insert(0, {str(ROOT)!r}); {code}; import json; print(json.dumps(sorted(sys.modules)))"
    )
    done = subprocess.run([sys.executable, *flags, "-c", script], capture_output=True, text=True, check=True)
    return set(json.loads(done.stdout.splitlines()[-1]))


def test_the_zygote_is_started_before_the_client_module_and_its_slow_imports():
    # the grading server's first step: what it loads before the zygote runs delays the zygote's NumPy
    # what the interpreter's start loaded already (pathlib, for an editable install's finder) is not counted
    loaded = _modules_after("from grader.sandbox import spawn") - _modules_after("pass")
    slow = {"grader.sandbox.client", "pathlib", "dataclasses", "inspect", "tempfile", "shutil", "hashlib", "numpy"}
    assert "grader.sandbox.spawn" in loaded
    assert loaded & slow == set()


def test_the_package_still_offers_the_clients_names():
    import grader.sandbox
    from grader.sandbox import client

    assert grader.sandbox.Probe is client.Probe
    assert grader.sandbox.SandboxPool is client.SandboxPool
    with pytest.raises(AttributeError):
        _ = grader.sandbox.NoSuchName  # type: ignore[attr-defined]


def test_confinement_loads_libc_without_running_ldconfig():
    # ctypes.util.find_library("c") ran /sbin/ldconfig -p in the grader, the zygote and every sandbox
    path = ROOT / "grader" / "sandbox"
    loaded = _modules_after(
        f"sys.path.insert(0, {str(path)!r}); import confinement; assert confinement.describe()['system']",
        isolated=True,
    )
    assert "confinement" in loaded
    assert loaded & {"ctypes.util", "platform", "subprocess", "shutil"} == set()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux's C library")
def test_confinement_calls_reach_the_c_library():
    from grader.sandbox import confinement

    assert confinement.describe()["system"] == "Linux"
    # landlock_abi() goes through libc's syscall(): 0 where the kernel lacks it, never an error
    assert confinement.landlock_abi() >= 0
    assert confinement.seccomp_available() == (os.uname().machine in confinement.DENIED)


def test_a_scratch_folder_is_private_fresh_and_named_after_this_process(tmp_path, monkeypatch):
    monkeypatch.setenv("GRADE_TMPDIR", str(tmp_path))
    first, second = spawn.scratch_dir("grade"), spawn.scratch_dir("grade")
    assert first != second
    for folder in (first, second):
        found = os.lstat(folder)
        assert stat.S_ISDIR(found.st_mode)
        assert stat.S_IMODE(found.st_mode) == 0o700
        assert os.path.basename(folder).startswith(f"grade-{os.getpid()}-")
        assert os.path.dirname(folder) == str(tmp_path)


def test_a_link_named_like_a_dead_graders_folder_is_not_followed(tmp_path, monkeypatch):
    monkeypatch.setenv("GRADE_TMPDIR", str(tmp_path / "scratch"))
    (tmp_path / "scratch").mkdir()
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "keep").write_text("x")
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    os.symlink(victim, tmp_path / "scratch" / f"grade-{dead.pid}-planted")
    spawn.scratch_dir("grade")
    assert (victim / "keep").exists()


def test_a_zygote_started_ahead_is_the_pools(tmp_path, monkeypatch):
    from grader.sandbox.client import SandboxPool

    monkeypatch.setenv("GRADE_TMPDIR", str(tmp_path))
    started = spawn.start_zygote(confine=False)
    with SandboxPool(started=started) as pool:
        assert pool.alive
        assert pool.work_dir == Path(started.work_dir)
        assert not pool.shares_inputs
    assert started.process.poll() is not None
    assert not Path(started.work_dir).exists()
