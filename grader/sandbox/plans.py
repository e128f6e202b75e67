"""Remembered manifests, so a grading server's first grading of an exercise starts its run early.

A grading server's first grading of an exercise spends most of its time
importing NumPy and building the checks (the inputs and what the reference
computes from them) before the sandbox can run anything.  The checks, and so
the manifest the sandbox runs, are the same every time for one grader version
and one set of options (time limit, workers, memory, live progress or not).  So
the server keeps the last manifest of each exercise here, its paths made
relative and its input arrays beside it, and on a cold start sends it to the
sandbox at once (``Sandbox.speculate``) while it builds the checks.  The run is
adopted only if the manifest built afresh is identical, inputs included
(``Sandbox.run``); otherwise it is stopped and the fresh one runs.  So what a
plan says never decides a verdict: a stale, damaged or edited plan costs a
wasted run, nothing else.

A plan file: one line of JSON (``key``, ``options``, ``manifest``, ``inputs``:
each input's file name and size), then the inputs' bytes in that order.  Each
input is named by the SHA-256 of its bytes, checked when the plan is read.
Imports nothing beyond the standard library: it is read before NumPy is.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path
from typing import Any

PLAN_LIMIT_BYTES = 8 * 1024 * 1024  # inputs and all (the largest exercise's are ~120 KB)
PLANS_KEPT = 64  # files in a store; the oldest go first
INPUT_NAME = re.compile(r"^[0-9a-f]{64}\.npy$")
PROBE_DIR = re.compile(r"^p\d{3,6}$")
# the manifest's own fields, besides the probes; paths are the sandbox's and the pool's, put back on reading
PLAIN_FIELDS = ("module", "jobs", "import_timeout", "limits", "share_after")
PROBE_FIELDS = ("id", "dir", "arrays", "steps", "timeout", "group")


class Plan:
    """A remembered manifest: its probes with paths made relative, and the bytes of every input it names."""

    def __init__(self, manifest: dict[str, Any], inputs: dict[str, bytes]) -> None:
        self.manifest = manifest
        self.inputs = inputs


def relative(manifest: dict[str, Any]) -> dict[str, Any] | None:
    """``manifest`` with the sandbox's and the pool's paths taken out; None if it is not one ``materialize`` rebuilds.

    Each probe's folder keeps only its name, each input only its file name,
    and the learner, output, inputs and code folders are left out: they are
    put back from the sandbox that runs it.
    """
    inputs_dir = manifest.get("inputs_dir")
    if not inputs_dir or set(manifest) - {*PLAIN_FIELDS, "learner_dir", "out_dir", "inputs_dir", "code_dir", "probes"}:
        return None
    probes = []
    for probe in manifest["probes"]:
        if set(probe) != set(PROBE_FIELDS):
            return None
        name = os.path.basename(str(probe["dir"]))  # the sandbox's folder goes: ``materialize`` puts another
        arrays = {}
        for key, path in probe["arrays"].items():
            parent, file = os.path.split(str(path))
            if parent != str(inputs_dir) or not INPUT_NAME.match(file):
                return None
            arrays[key] = file
        if not PROBE_DIR.match(name):
            return None
        probes.append({**probe, "dir": name, "arrays": arrays})
    plain = {key: manifest[key] for key in PLAIN_FIELDS if key in manifest}
    return {**plain, "probes": probes}


def materialize(
    plan: dict[str, Any],
    work_dir: Path,
    learner_dir: Path,
    out_dir: Path,
    inputs_dir: Path,
    code_dir: Path | None = None,
) -> dict[str, Any]:
    """The manifest ``relative`` took the paths out of, with this sandbox's and this pool's paths."""
    probes = [
        {
            **probe,
            "dir": str(work_dir / probe["dir"]),
            "arrays": {key: str(inputs_dir / file) for key, file in probe["arrays"].items()},
        }
        for probe in plan["probes"]
    ]
    manifest: dict[str, Any] = {"learner_dir": str(learner_dir), "out_dir": str(out_dir)}
    manifest.update({key: plan[key] for key in PLAIN_FIELDS if key in plan})
    manifest["probes"] = probes
    manifest["inputs_dir"] = str(inputs_dir)
    if code_dir is not None:
        manifest["code_dir"] = str(code_dir)
    return manifest


class PlanStore:
    """A grading server's plans, one file per exercise and set of options, in a private folder of the user's.

    ``key`` is the grader's version key (``launch.version_key``): a plan of
    another version is never read.
    """

    def __init__(self, folder: str | Path, key: str) -> None:
        self.folder = Path(folder)
        self.key = key
        self.kept: list[tuple[dict[str, Any], dict[str, Any]]] = []  # ``keep``'s, until ``flush``

    def keep(self, options: dict[str, Any], manifest: dict[str, Any]) -> None:
        """``save`` this later (``flush``): once the grading's answer is on its way."""
        self.kept.append((options, manifest))

    def flush(self) -> None:
        """``save`` what ``keep`` was given."""
        kept, self.kept = self.kept, []
        for options, manifest in kept:
            self.save(options, manifest)

    def _path(self, options: dict[str, Any]) -> Path:
        name = hashlib.sha256(json.dumps([self.key, options], sort_keys=True).encode()).hexdigest()[:32]
        return self.folder / f"{name}.plan"

    def load(self, options: dict[str, Any]) -> Plan | None:
        """The plan kept for ``options``, or None (none kept, another version's, or not one this module wrote)."""
        try:
            fd = os.open(self._path(options), os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
        except OSError:
            return None
        try:
            with os.fdopen(fd, "rb") as handle:
                data = handle.read(PLAN_LIMIT_BYTES + 1)
        except OSError:
            return None
        if len(data) > PLAN_LIMIT_BYTES:
            return None
        head, _, body = data.partition(b"\n")
        try:
            header = json.loads(head)
            if header.get("key") != self.key or header.get("options") != options:
                return None
            manifest = header["manifest"]
            inputs, at = {}, 0
            for name, size in header["inputs"]:
                if not INPUT_NAME.match(name) or not isinstance(size, int) or size < 0:
                    return None
                blob = body[at : at + size]
                if len(blob) != size or hashlib.sha256(blob).hexdigest() != name[:-4]:
                    return None
                inputs[name] = blob
                at += size
            named = {file for probe in manifest["probes"] for file in probe["arrays"].values()}
            folders = all(PROBE_DIR.match(probe["dir"]) for probe in manifest["probes"])
            if at != len(body) or not named <= set(inputs) or not folders:
                return None
        except (ValueError, KeyError, TypeError, AttributeError, RecursionError):
            return None
        return Plan(manifest, inputs)

    def save(self, options: dict[str, Any], manifest: dict[str, Any]) -> bool:
        """Keep ``manifest`` (as ``Sandbox.run`` sent it) for ``options``; False when it can not be kept.

        Its inputs are read back from the pool's folder, where ``run`` wrote them.
        """
        plan = relative(manifest)
        if plan is None:
            return False
        inputs_dir = Path(manifest["inputs_dir"])
        names = sorted({file for probe in plan["probes"] for file in probe["arrays"].values()})
        blobs = []
        try:
            for name in names:
                blobs.append((inputs_dir / name).read_bytes())
        except OSError:
            return False
        sizes = [[name, len(blob)] for name, blob in zip(names, blobs, strict=True)]
        header = {"key": self.key, "options": options, "manifest": plan, "inputs": sizes}
        data = json.dumps(header).encode() + b"\n" + b"".join(blobs)
        if len(data) > PLAN_LIMIT_BYTES:
            return False
        path = self._path(options)
        part = path.with_name(f".{path.name}.{os.getpid()}")
        try:
            self.folder.mkdir(mode=0o700, exist_ok=True)
            fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(part, path)
        except OSError:
            part.unlink(missing_ok=True)
            return False
        self._prune()
        return True

    def _prune(self) -> None:
        """Delete the oldest plans beyond ``PLANS_KEPT``."""
        try:
            plans = sorted(self.folder.glob("*.plan"), key=lambda path: path.stat().st_mtime)
            for path in plans[:-PLANS_KEPT]:
                path.unlink(missing_ok=True)
        except OSError:
            pass
