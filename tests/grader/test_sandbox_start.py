"""A sandbox server's start and a worker's: Landlock rules built once per zygote, inputs read, memory measured."""

from __future__ import annotations

import ctypes
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from grader.sandbox import confinement, npyfile, server, spawn
from grader.sandbox.client import Probe, Sandbox

LANDLOCK = confinement.landlock_abi() >= 1 and not os.environ.get("GRADE_NO_CONFINE")


@pytest.fixture
def opened(tmp_path):
    folder, file = tmp_path / "folder", tmp_path / "file.txt"
    folder.mkdir()
    file.write_text("x")
    found = confinement.open_paths([str(folder), str(file)])
    yield found
    for fd, _is_folder in found:
        os.close(fd)


def test_prepared_rules_are_built_once_and_read_each_opened_path(opened):
    handled = confinement._fs_rights(6)
    rules = confinement.prepare_rules(opened, handled)
    assert confinement.prepare_rules(opened, handled) is rules  # a server forked from the zygote only passes them on
    read_folder, read_file = confinement.FS_READ & handled, confinement.FS_READ & confinement.FILE_ONLY & handled
    found = [ctypes.cast(rule, ctypes.POINTER(confinement._PathBeneathAttr)).contents for rule in rules]
    assert [(rule.allowed_access, rule.parent_fd) for rule in found] == [
        (read_folder, opened[0][0]),
        (read_file, opened[1][0]),
    ]
    # other handled rights are other rules (a kernel with fewer rights handles fewer)
    fewer = confinement.prepare_rules(opened, confinement._fs_rights(1))
    assert fewer is not rules
    first = ctypes.cast(fewer[0], ctypes.POINTER(confinement._PathBeneathAttr)).contents
    assert first.allowed_access == confinement.FS_READ & confinement._fs_rights(1)


@pytest.mark.skipif(not LANDLOCK, reason="Landlock is not available")
def test_a_ruleset_of_prepared_rules_lets_a_process_read_those_paths_and_nothing_else(tmp_path):
    allowed, other = tmp_path / "allowed", tmp_path / "other"
    for folder in (allowed, other):
        folder.mkdir()
        (folder / "data.txt").write_text(folder.name)
    script = textwrap.dedent(
        f"""
        import os
        from grader.sandbox import confinement

        opened = confinement.open_paths([{str(allowed)!r}])
        confinement.prepare_rules(opened)  # as a zygote does; the ruleset below uses them
        ruleset = confinement.landlock_ruleset([], [os.devnull], opened_read=opened)
        assert confinement.restrict(ruleset)
        for path in ({str(allowed / "data.txt")!r}, {str(other / "data.txt")!r}):
            try:
                fd = os.open(path, os.O_RDONLY)
            except PermissionError:
                print("denied")
            else:
                print(os.read(fd, 100).decode())
        try:
            os.open({str(allowed / "new.txt")!r}, os.O_WRONLY | os.O_CREAT, 0o600)
        except PermissionError:
            print("denied")
        """
    )
    completed = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=60, check=False)
    assert completed.returncode == 0, completed.stderr.decode()[-2000:]
    assert completed.stdout.decode().split() == ["allowed", "denied", "denied"]


@pytest.mark.skipif(not LANDLOCK, reason="Landlock is not available")
def test_a_ruleset_given_its_folders_after_its_prepared_rules_allows_what_one_built_at_once_does(tmp_path):
    """As a spare builds its rulesets: Python's paths while it waits, the request's folders once it has it."""
    python, learner, out, other = (tmp_path / name for name in ("python", "learner", "out", "other"))
    for folder in (python, learner, out, other):
        folder.mkdir()
        (folder / "data.txt").write_text(folder.name)
    script = textwrap.dedent(
        f"""
        import os
        from grader.sandbox import confinement

        opened = confinement.open_paths([{str(python)!r}])
        ruleset = confinement.landlock_ruleset([], [], opened_read=opened)  # before the request
        assert confinement.add_paths(ruleset, [{str(learner)!r}], [{str(out)!r}]) == ruleset
        assert confinement.add_paths(-1, [{str(learner)!r}], []) == -1  # no Landlock: none
        assert confinement.restrict(ruleset)
        for folder in ("python", "learner", "out", "other"):
            try:
                fd = os.open(os.path.join({str(tmp_path)!r}, folder, "data.txt"), os.O_RDONLY)
            except PermissionError:
                print("denied")
            else:
                print(os.read(fd, 100).decode())
        for folder in ("out", "learner"):
            try:
                os.close(os.open(os.path.join({str(tmp_path)!r}, folder, "new.txt"), os.O_WRONLY | os.O_CREAT, 0o600))
            except PermissionError:
                print("denied")
            else:
                print("written")
        """
    )
    completed = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=60, check=False)
    assert completed.returncode == 0, completed.stderr.decode()[-2000:]
    assert completed.stdout.decode().split() == ["python", "learner", "out", "denied", "written", "denied"]


def test_each_input_array_is_a_new_writable_copy_of_its_file_read_once(tmp_path, monkeypatch):
    monkeypatch.setattr(server, "_NPY", npyfile)
    small, large = tmp_path / "small.npy", tmp_path / "large.npy"
    npyfile.save(small, np.arange(6.0).reshape(2, 3))
    npyfile.save(large, np.linspace(0.0, 1.0, 300_000))  # 2.4 MB: more than one pipe or page
    files: dict[str, bytes] = {}
    first = server._input_array(str(small), files)
    second = server._input_array(str(small), files)
    assert first is not second
    assert first.flags.writeable
    first[0, 0] = 99.0  # a probe that changes its input changes no other probe's
    np.testing.assert_array_equal(second, np.arange(6.0).reshape(2, 3))
    assert files == {str(small): small.read_bytes()}
    np.testing.assert_array_equal(server._input_array(str(large), files), np.linspace(0.0, 1.0, 300_000))
    assert files[str(large)] == large.read_bytes()


def test_a_damaged_input_file_is_an_error_not_an_array(tmp_path, monkeypatch):
    monkeypatch.setattr(server, "_NPY", npyfile)
    path = tmp_path / "cut.npy"
    path.write_bytes(npyfile.to_bytes(np.arange(10.0))[:-8])
    with pytest.raises(ValueError, match="does not match"):
        server._input_array(str(path), {})


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="no /proc")
def test_the_address_space_in_use_is_the_kernel_s_vmsize():
    measured = server._address_space_in_use()
    with open("/proc/self/status") as handle:
        vmsize = next(int(line.split()[1]) * 1024 for line in handle if line.startswith("VmSize:"))
    assert abs(measured - vmsize) < 16 * 1024 * 1024  # the same figure, give or take what was mapped in between


@pytest.mark.skipif(sys.platform != "linux", reason="glibc's mallopt")
def test_a_sandbox_process_reuses_freed_memory_instead_of_faulting_it_in_again():
    script = textwrap.dedent(
        """
        import resource
        from grader.sandbox import confinement

        confinement.keep_freed_memory()
        first = bytearray(8 << 20)  # a NumPy temporary's size: mapped afresh by default
        del first
        before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        second = bytearray(8 << 20)
        print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
        """
    )
    completed = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=60, check=False)
    assert completed.returncode == 0, completed.stderr.decode()[-2000:]
    assert int(completed.stdout) < 200  # 2,048 pages of 4 KB, all of them faulted in again without it


@pytest.fixture
def zygote_inputs(tmp_path, monkeypatch):
    """A zygote's view: its working folder (with the pool's ``inputs``), and no inputs or steps loaded."""
    monkeypatch.setattr(server, "_NPY", npyfile)
    monkeypatch.setattr(server, "_INPUTS", {})
    monkeypatch.setattr(server, "_STEPS", {})
    monkeypatch.setattr(server, "_INPUTS_BYTES", 0)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "inputs").mkdir()
    return tmp_path


def _pool_file(folder, array) -> str:
    """Write ``array`` as the pool does: named by the SHA-256 of its bytes."""
    return _shared_file(folder, npyfile.to_bytes(array), ".npy")


def _shared_file(folder, data: bytes, suffix: str) -> str:
    """Write ``data`` into ``folder`` as the pool writes its shared files: named by their SHA-256 and ``suffix``."""
    import hashlib

    path = folder / f"{hashlib.sha256(data).hexdigest()}{suffix}"
    path.write_bytes(data)
    return str(path)


def test_the_zygote_loads_a_pool_input_once_and_each_worker_copy_is_made_as_from_a_file(zygote_inputs):
    values = [
        np.arange(6.0).reshape(2, 3),
        np.arange(12, dtype=np.int32).reshape(3, 2, 2),
        np.array([True, False]),
        np.float32(2.5) * np.ones((2, 2), dtype=np.float32),
        np.array(3.0),
        np.zeros((0, 4)),
        np.array([1 + 2j]),
    ]
    for value in values:
        path = _pool_file(zygote_inputs / "inputs", value)
        server._load_shared(path)
        assert path in server._INPUTS
        os.unlink(path)  # from now on only the zygote's copy can answer
        first, second = server._input_array(path, {}), server._input_array(path, {})
        expected = npyfile.from_bytes(npyfile.to_bytes(value))  # what a worker reading the file gets
        for made in (first, second):
            assert made.dtype == expected.dtype
            assert made.shape == expected.shape
            np.testing.assert_array_equal(made, expected)
            assert made.flags.writeable
            assert made.flags.c_contiguous
            assert not made.flags.owndata
            assert made.strides == expected.strides
            assert type(made.base) is type(expected.base)
        if first.size:
            first.reshape(-1)[0] = 0  # a probe that changes its input changes no other probe's, nor the zygote's
            np.testing.assert_array_equal(second, expected)
            np.testing.assert_array_equal(server._input_array(path, {}), expected)
    assert server._INPUTS_BYTES == sum(len(npyfile.to_bytes(value)) for value in values)


def test_the_zygote_loads_nothing_but_the_pool_s_own_input_files(zygote_inputs):
    inputs, outside = zygote_inputs / "inputs", zygote_inputs / "outside"
    outside.mkdir()
    elsewhere = _pool_file(outside, np.arange(3.0))  # a right name, in another folder
    linked = inputs / os.path.basename(elsewhere)
    linked.symlink_to(elsewhere)  # a link in the folder to a file outside it
    relative = os.path.join(str(inputs), "..", "outside", os.path.basename(elsewhere))
    renamed = inputs / ("0" * 64 + ".npy")
    renamed.write_bytes(npyfile.to_bytes(np.arange(4.0)))  # a name that is not the SHA-256 of its bytes
    other_name = inputs / "x.npy"
    other_name.write_bytes(npyfile.to_bytes(np.arange(5.0)))
    fortran = np.asfortranarray(np.arange(6.0).reshape(2, 3))
    import hashlib

    header = npyfile.to_bytes(fortran).replace(b"'fortran_order': False", b"'fortran_order': True ")
    data = header[: -fortran.nbytes] + fortran.tobytes(order="F")
    fortran_path = inputs / f"{hashlib.sha256(data).hexdigest()}.npy"
    fortran_path.write_bytes(data)  # a valid .npy file, but not of the form the pool writes
    folder = inputs / ("1" * 64 + ".npy")
    folder.mkdir()
    for path in (elsewhere, str(linked), relative, str(renamed), str(other_name), str(fortran_path), str(folder)):
        server._load_shared(path)
    assert server._INPUTS == {}
    assert server._INPUTS_BYTES == 0
    # the worker reads those as it always did
    np.testing.assert_array_equal(server._input_array(str(fortran_path), {}), np.arange(6.0).reshape(2, 3))


def _steps_file(folder, data: bytes) -> str:
    """Write ``data`` as the pool writes a probe's steps."""
    return _shared_file(folder, data, ".json")


STEPS = [
    {"op": "new", "out": "v1", "target": "Relu", "args": [], "kwargs": {}},
    {"op": "method", "out": "v2", "obj": "v1", "name": "forward", "args": [{"ref": "in0"}], "kwargs": {}},
    {"op": "save", "src": "v2", "name": "out"},
]


def test_a_server_takes_a_probe_s_steps_from_the_zygote_or_else_from_their_file(zygote_inputs):
    loaded = _steps_file(zygote_inputs / "inputs", json.dumps(STEPS).encode())
    server._load_shared(loaded)
    assert server._STEPS == {loaded: STEPS}
    os.unlink(loaded)  # from now on only the zygote's copy can answer
    other = [{"op": "call", "out": "v1", "target": "relu", "args": [{"ref": "in0"}], "kwargs": {}}]
    unloaded = _steps_file(zygote_inputs / "inputs", json.dumps(other).encode())  # named after this server's fork
    manifest = {"probes": [{"id": "p000", "steps_file": loaded}, {"id": "p001", "steps_file": unloaded}]}
    server._resolve_steps(manifest)
    assert manifest["probes"] == [{"id": "p000", "steps": STEPS}, {"id": "p001", "steps": other}]
    assert server._INPUTS_BYTES == len(json.dumps(STEPS).encode())


def test_the_zygote_loads_nothing_but_the_pool_s_own_files_of_steps(zygote_inputs):
    inputs, outside = zygote_inputs / "inputs", zygote_inputs / "outside"
    outside.mkdir()
    elsewhere = _steps_file(outside, json.dumps(STEPS).encode())  # a right name, in another folder
    linked = inputs / os.path.basename(elsewhere)
    linked.symlink_to(elsewhere)  # a link in the folder to a file outside it
    renamed = inputs / ("0" * 64 + ".json")
    renamed.write_text(json.dumps(STEPS))  # a name that is not the SHA-256 of its bytes
    not_a_list = _steps_file(inputs, json.dumps({"steps": STEPS}).encode())
    not_json = _steps_file(inputs, npyfile.to_bytes(np.arange(3.0)))  # an input's bytes, named as steps
    for path in (elsewhere, str(linked), str(renamed), not_a_list, not_json):
        server._load_shared(path)
    assert server._STEPS == {}
    assert server._INPUTS_BYTES == 0


def test_the_zygote_keeps_at_most_its_budget_of_inputs(zygote_inputs, monkeypatch):
    small = _pool_file(zygote_inputs / "inputs", np.arange(10.0))
    large = _pool_file(zygote_inputs / "inputs", np.arange(1000.0))
    monkeypatch.setattr(server, "INPUTS_KEEP_BYTES", len(npyfile.to_bytes(np.arange(10.0))) + 4000)
    server._load_shared(small)
    server._load_shared(large)
    assert list(server._INPUTS) == [small]
    np.testing.assert_array_equal(server._input_array(large, {}), np.arange(1000.0))  # read from its file


# --- a grading in the command's own process starts its sandbox server early (spawn.start_early) ----------

ROOT = Path(__file__).resolve().parents[2]
SOLUTION_1 = ROOT / "solutions" / "ex01_activations.py"


@pytest.fixture
def scratch(tmp_path, monkeypatch):
    """The scratch root (``GRADE_TMPDIR``) of this test alone: what is left there is what a run left."""
    folder = tmp_path / "scratch"
    folder.mkdir()
    monkeypatch.setenv("GRADE_TMPDIR", str(folder))
    yield folder
    spawn.end_early()


def test_a_sandbox_takes_the_server_started_early_and_the_next_one_starts_its_own(scratch):
    spawn.start_early()
    [early] = spawn._EARLY
    probe = Probe()
    probe.save(probe.call("relu", np.array([-1.0, 2.0])), "out")
    with Sandbox(SOLUTION_1, "ex01_activations") as sandbox:
        assert spawn._EARLY == []
        assert sandbox._process is early.process
        assert sandbox.work_dir == Path(early.work_dir)
        [run] = sandbox.run([probe])
    assert run.status == "ok", run.message
    np.testing.assert_array_equal(run.output("out").array, [0.0, 2.0])
    assert list(scratch.iterdir()) == []  # its folder went with the sandbox, as any sandbox's
    with Sandbox(SOLUTION_1, "ex01_activations") as again:
        assert again._process is not None
        assert again._process is not early.process
        assert again.work_dir != Path(early.work_dir)
    assert list(scratch.iterdir()) == []


def test_a_server_started_early_that_no_sandbox_takes_is_ended_with_its_folder(scratch):
    spawn.start_early()
    [early] = spawn._EARLY
    assert Path(early.work_dir).parent == scratch
    spawn.end_early()
    assert early.process.poll() is not None
    assert list(scratch.iterdir()) == []
    # one that does not confine as the sandbox asks is not taken, and ended as well
    spawn.start_early()
    [other] = spawn._EARLY
    assert spawn.take_early(not other.confine) is None
    assert other.process.poll() is not None
    assert spawn._EARLY == []
    assert list(scratch.iterdir()) == []


@pytest.mark.parametrize(
    ("args", "status"),
    [
        (["exercise", "1", "--file", str(SOLUTION_1)], 0),  # graded: the sandbox took the server
        (["exercise", "99"], 2),  # no such exercise
        (["exercise", "1", "--file", "missing.py"], 2),  # no such file
        (["hint", "1", "--file", str(SOLUTION_1), "--timeout", "-1"], 2),  # a wrong option
    ],
)
def test_a_grading_in_the_command_s_process_leaves_no_sandbox_server_or_folder(scratch, tmp_path, args, status):
    command = [sys.executable, "-c", "from grader.launch import run; run()", *args, "--no-server"]
    done = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == status, done.stderr
    assert list(scratch.iterdir()) == []
