"""The grade client's own pieces that need no server (the server's behaviour: test_server.py)."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from grader import launch


def walked_fingerprint(folders: list[str]) -> bytes:
    """The fingerprint as it was first written, with os.walk and os.stat: the oracle of the scandir one."""
    digest = hashlib.sha256()
    for top in folders:
        for dirpath, dirnames, filenames in os.walk(top):
            dirnames[:] = sorted(name for name in dirnames if name != "__pycache__")
            for name in sorted(filenames):
                if name.endswith((".pyc", ".pyo")):
                    continue
                path = os.path.join(dirpath, name)
                try:
                    found = os.stat(path)
                except OSError:
                    continue
                digest.update(f"{path}\0{found.st_size}\0{found.st_mtime_ns}\n".encode())
    return digest.digest()


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """Files and folders whose names sort differently as a walk and as one list, links, caches, a dead link."""
    root = tmp_path / "sources"
    for folder in ("b", "a/z", "a/b-c", "a/__pycache__", "outside"):
        (root / folder).mkdir(parents=True)
    for index, file in enumerate(("a.py", "a-b.py", "b/x.md", "a/z/y.py", "a/b-c/w.txt", "a/m.py", "a/x.pyc")):
        (root / file).write_text("x" * index)
    (root / "a" / "__pycache__" / "m.cpython-311.pyc").write_bytes(b"cache")
    (root / "c" / "__pycache__").parent.mkdir()
    (root / "c" / "__pycache__").write_text("a file of that name counts")
    (root / "outside" / "secret.py").write_text("not ours")
    (root / "linked").symlink_to(root / "outside")  # a folder link: not followed
    (root / "b" / "link.py").symlink_to(root / "a.py")  # a file link: its target's size and time
    (root / "b" / "dead.py").symlink_to(root / "missing.py")  # a dead link: left out
    return root


def test_the_sources_fingerprint_is_the_walked_one(tree):
    folders = [str(tree / "a"), str(tree), str(tree / "no such folder")]
    assert launch.sources_fingerprint(folders) == walked_fingerprint(folders)
    (tree / "b" / "x.md").write_text("changed")
    assert launch.sources_fingerprint(folders) == walked_fingerprint(folders)


def test_the_sources_fingerprint_of_the_grader_is_the_walked_one():
    package = Path(launch.__file__).resolve().parent
    folders = [str(package), str(package.parent / "reference"), str(package.parent / "hints")]
    assert launch.sources_fingerprint(folders) == walked_fingerprint(folders)
