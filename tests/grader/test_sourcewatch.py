"""grader.sourcewatch: a grading server sees every change of the grader's sources, and no bytecode cache as one."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from grader import sourcewatch
from grader.sourcewatch import SourceWatch

LINUX = sys.platform.startswith("linux")


def tree(root: Path) -> list[str]:
    """A copy of the sources' shape: a package with a subfolder and its bytecode cache, and a hints folder."""
    (root / "grader" / "checks" / "__pycache__").mkdir(parents=True)
    (root / "grader" / "checks" / "ex01_activations.py").write_text("x = 1\n")
    (root / "grader" / "cli.py").write_text("y = 1\n")
    (root / "hints" / "en").mkdir(parents=True)
    (root / "hints" / "en" / "01-activations.md").write_text("hint\n")
    return [str(root / "grader"), str(root / "hints")]


def _modify(root: Path) -> None:
    (root / "grader" / "checks" / "ex01_activations.py").write_text("x = 2\n")


def _add(root: Path) -> None:
    (root / "hints" / "en" / "02-softmax.md").write_text("another hint\n")


def _delete(root: Path) -> None:
    (root / "grader" / "cli.py").unlink()


def _rename(root: Path) -> None:
    (root / "grader" / "cli.py").rename(root / "grader" / "cli_old.py")


def _touch(root: Path) -> None:
    found = (root / "grader" / "cli.py").stat()
    os.utime(root / "grader" / "cli.py", ns=(found.st_atime_ns, found.st_mtime_ns + 1_000_000_000))


def _new_folder(root: Path) -> None:
    (root / "grader" / "extra").mkdir()
    (root / "grader" / "extra" / "more.py").write_text("z = 1\n")


def _replace_atomically(root: Path) -> None:  # as editors save: a new file renamed over the old one
    (root / "grader" / ".cli.py.tmp").write_text("y = 2\n")
    os.replace(root / "grader" / ".cli.py.tmp", root / "grader" / "cli.py")


CHANGES: dict[str, Callable[[Path], None]] = {
    "modified": _modify,
    "added": _add,
    "deleted": _delete,
    "renamed": _rename,
    "touched": _touch,
    "new folder": _new_folder,
    "replaced": _replace_atomically,
}


@pytest.fixture(params=["inotify", "fingerprint"])
def mode(request, monkeypatch) -> str:
    if request.param == "inotify" and not LINUX:
        pytest.skip("inotify is Linux's")
    if request.param == "fingerprint":
        monkeypatch.setattr(sourcewatch, "_watch", lambda folders: -1)  # as on a system without inotify
    return str(request.param)


@pytest.mark.parametrize("change", list(CHANGES))
def test_every_change_of_a_source_is_seen_and_stays_seen(tmp_path, mode, change):
    watch = SourceWatch(tree(tmp_path))
    try:
        assert watch.watching == (mode == "inotify")
        assert not watch.changed()
        CHANGES[change](tmp_path)
        assert watch.changed()
        assert watch.changed()  # once changed, always: the server stops at the next request
    finally:
        watch.close()


def test_bytecode_caches_are_no_change(tmp_path, mode):
    watch = SourceWatch(tree(tmp_path))
    try:
        cache = tmp_path / "grader" / "checks" / "__pycache__" / "ex01_activations.cpython-311.pyc"
        cache.write_bytes(b"cache")
        cache.unlink()
        (tmp_path / "grader" / "__pycache__").mkdir()  # a new cache folder, as the first import makes
        (tmp_path / "grader" / "__pycache__" / "cli.cpython-311.pyc").write_bytes(b"cache")
        (tmp_path / "grader" / "stray.pyc").write_bytes(b"cache")
        assert not watch.changed()
        # and reading every source (as imports do) is no change either
        for path in (tmp_path / "grader").rglob("*.py"):
            path.read_bytes()
        assert not watch.changed()
    finally:
        watch.close()


@pytest.mark.skipif(not LINUX, reason="inotify is Linux's")
def test_what_inotify_can_not_see_falls_back_to_the_fingerprint(tmp_path):
    folders = tree(tmp_path)
    outside = tmp_path / "elsewhere.py"
    outside.write_text("w = 1\n")
    (tmp_path / "grader" / "linked.py").symlink_to(outside)  # the fingerprint reads a linked file's target
    watch = SourceWatch(folders)
    try:
        assert not watch.watching
        assert not watch.changed()
        outside.write_text("w = 22\n")  # outside every watched folder: only the fingerprint sees it
        assert watch.changed()
    finally:
        watch.close()
    missing = SourceWatch([*folders[:1], str(tmp_path / "reference")])  # a folder that is not there
    try:
        assert not missing.watching
        (tmp_path / "reference").mkdir()
        (tmp_path / "reference" / "layers.py").write_text("v = 1\n")
        assert missing.changed()
    finally:
        missing.close()


@pytest.mark.skipif(not LINUX, reason="inotify is Linux's")
def test_a_watch_holds_one_descriptor_which_no_child_inherits(tmp_path):
    watch = SourceWatch(tree(tmp_path))
    try:
        assert watch.watching
        assert not os.get_inheritable(watch.fd)
        assert os.get_blocking(watch.fd) is False  # a request never waits on it
    finally:
        watch.close()
    assert watch.fd == -1


MOUNTS = [
    "22 27 0:21 / /proc rw,relatime - proc proc rw",
    "27 1 259:1 / / rw,relatime shared:1 - ext4 /dev/vda1 rw",
    "40 27 0:45 / /home rw,relatime shared:7 - nfs4 server:/home rw,vers=4.2",
    "41 40 0:46 / /home/course\\040files rw,relatime - tmpfs tmpfs rw",
    "42 27 0:47 / /mnt/c rw,noatime - 9p drvfs rw",
    "43 27 0:48 / /mnt/c rw,noatime - ext4 /dev/vdb rw",  # mounted over the one before: this one counts
]


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("/", "ext4"),
        ("/opt/venv/lib/python3.11/site-packages/grader", "ext4"),
        ("/home/learner/grader", "nfs4"),  # another machine's changes: inotify would not see them
        ("/homework/grader", "ext4"),  # not under /home
        ("/home/course files/grader", "tmpfs"),  # an escaped space in the mount point
        ("/mnt/c/grader", "ext4"),
        ("/proc/self", "proc"),
    ],
)
def test_the_file_system_of_a_path_is_that_of_its_innermost_mount(path, kind):
    assert sourcewatch.filesystem_of(path, MOUNTS) == kind
    assert sourcewatch.filesystem_of(path, []) == ""


@pytest.mark.skipif(not LINUX, reason="inotify is Linux's")
def test_sources_on_a_network_file_system_are_fingerprinted_not_watched(tmp_path, monkeypatch):
    folders = tree(tmp_path)
    monkeypatch.setattr(sourcewatch, "filesystem_of", lambda path, mounts: "nfs4")
    watch = SourceWatch(folders)
    try:
        assert not watch.watching
        assert not watch.changed()
        _modify(tmp_path)
        assert watch.changed()
    finally:
        watch.close()
