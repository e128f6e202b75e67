"""The confinement building blocks: system call tables, the seccomp program, privileges, limits."""

from __future__ import annotations

import os
import re
import resource
from pathlib import Path

import pytest

from grader.sandbox import confinement

HEADERS = {
    "x86_64": Path("/usr/include/x86_64-linux-gnu/asm/unistd_64.h"),
    "aarch64": Path("/usr/include/asm-generic/unistd.h"),
}


def _numbers(header: Path) -> dict[str, int]:
    found = {}
    for line in header.read_text().splitlines():
        match = re.match(r"#define __NR(?:3264)?_(\w+)\s+(\d+)\b", line)
        if match:
            found[match.group(1)] = int(match.group(2))
    return found


@pytest.mark.parametrize("machine", sorted(confinement.DENIED))
def test_system_call_numbers_match_the_kernel_headers(machine):
    header = HEADERS[machine]
    if not header.exists():
        pytest.skip(f"{header} is not installed (Debian: linux-libc-dev)")
    numbers = _numbers(header)
    table = {**confinement.DENIED[machine], **confinement.CONDITIONAL[machine]}
    wrong = {name: (number, numbers.get(name)) for name, number in table.items() if numbers.get(name) != number}
    assert not wrong, f"name: (ours, the header's) {wrong}"


@pytest.mark.parametrize("machine", sorted(confinement.DENIED))
def test_every_jump_of_the_seccomp_program_lands_inside_it(machine):
    program = confinement._seccomp_program(machine)
    assert len(program) < 4096
    for index, (code, true, false, k) in enumerate(program):
        if code == confinement._BPF_RET:
            continue
        if code == confinement._BPF_JA:
            assert index + 1 + k < len(program)
        else:
            assert index + 1 + max(true, false) < len(program), index
    assert program[-1] == (confinement._BPF_RET, 0, 0, confinement._RET_ALLOW)


def _run_in_child(body) -> int:
    """Run ``body`` in a forked child (limits and filters are for good); its exit status."""
    pid = os.fork()
    if pid == 0:
        try:
            os._exit(body())
        except BaseException:
            os._exit(99)
    _pid, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


def test_hard_limits_can_not_be_raised_again():
    def body() -> int:
        confinement.hard_limits({resource.RLIMIT_NOFILE: 64})
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (128, 128))
        except (ValueError, OSError):
            return 0 if resource.getrlimit(resource.RLIMIT_NOFILE) == (64, 64) else 2
        return 1

    assert _run_in_child(body) == 0


@pytest.mark.skipif(not confinement.capabilities().get("CapEff"), reason="this process holds no capability")
def test_every_forked_process_that_drops_its_privileges_keeps_none_with_the_arguments_built_once():
    # capset's arguments are built when the module loads; each worker is a fork that uses the same ones
    def body() -> int:
        confinement.drop_privileges(False)
        left = confinement.capabilities()
        return 0 if left and not any(left.values()) else 1

    header = bytes(confinement._NO_CAPABILITIES[0])
    assert [_run_in_child(body) for _ in range(2)] == [0, 0]
    assert bytes(confinement._NO_CAPABILITIES[0]) == header
    assert confinement.capabilities()["CapEff"]  # the parent kept its own


@pytest.mark.skipif(not confinement.seccomp_available(), reason="no seccomp filter for this architecture")
def test_the_filter_denies_a_new_process_and_allows_ordinary_work():
    def body() -> int:
        if not confinement.seccomp():
            return 3
        try:
            os.fork()
            return 1
        except OSError:
            pass
        total = sum(os.getpid() for _ in range(3))  # ordinary system calls still work
        return 0 if total > 0 and os.listdir(".") is not None else 2

    assert _run_in_child(body) == 0
    assert _run_in_child(body) == 0  # the program and its sock_fprog are built once, applied by each process


def test_readable_by_others_follows_every_folder_up_to_the_root(tmp_path):
    folder = tmp_path / "a" / "b"
    folder.mkdir(parents=True)
    os.chmod(tmp_path / "a", 0o755)
    os.chmod(folder, 0o755)
    visible = confinement.readable_by_others([str(folder)])
    os.chmod(tmp_path / "a", 0o700)
    assert not confinement.readable_by_others([str(folder)])
    os.chmod(tmp_path / "a", 0o755)
    assert confinement.readable_by_others([str(folder)]) == visible
    assert not confinement.readable_by_others([str(tmp_path / "missing")])
