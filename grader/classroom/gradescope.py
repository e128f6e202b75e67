"""A Gradescope autograder bundle: ``grade gradescope EXERCISE... -o autograder.zip``.

Gradescope unpacks the zip into ``/autograder/source``, runs ``setup.sh`` once
to build the image, then ``run_autograder`` for every submission. The zip holds:

``setup.sh``
    installs Python 3.11+ and, into ``/autograder/venv``, this project from the
    source archive below (its dependencies come from PyPI);
``run_autograder``
    runs ``run_autograder.py`` with that Python;
``run_autograder.py``
    picks the file graded for each exercise in ``/autograder/submission`` with
    ``grade batch``'s own walk and rule (``grader.classroom.batch.collect_submission``:
    ``exNN_*.py``, ``exNN_*.ipynb`` and zip uploads; see
    ``grader.classroom.uploads``), runs ``grade exercise N --file ... --format
    gradescope`` for each exercise and merges the results into
    ``/autograder/results/results.json``, one test per check;
``autograder.json``
    the exercises and the feedback language;
``dlgrade-VERSION.tar.gz``
    the project's own files (``grader/``, ``reference/``, ``pyproject.toml``,
    ``README.md``, and any other folder ``pyproject.toml`` builds packages
    from): what the course runs is what Gradescope runs.

The zip is reproducible: the same project files and options give the same bytes.
"""

from __future__ import annotations

import gzip
import io
import json
import tarfile
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path

from grader.errors import UsageError
from grader.grading.engine import get_exercise

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
PROJECT_FILES = ("pyproject.toml", "README.md")
PROJECT_FOLDERS = ("grader", "reference")
SKIPPED = {"__pycache__", ".pytest_cache", ".ruff_cache"}
# 1980-01-01, the earliest time a zip entry can hold: fixed so the bundle is reproducible
FIXED_TIME = (1980, 1, 1, 0, 0, 0)
FIXED_EPOCH = 315532800

RUN_AUTOGRADER = """#!/usr/bin/env bash
# Gradescope runs this for every submission; the work is done by run_autograder.py.
set -euo pipefail
exec /autograder/venv/bin/python /autograder/source/run_autograder.py "$@"
"""


def project_root() -> Path:
    """The folder holding this project's ``pyproject.toml`` (a source checkout or an editable install)."""
    root = Path(__file__).resolve().parents[2]
    if not (root / "pyproject.toml").is_file():
        raise UsageError(
            f"the grader's sources are not next to it ({root} has no pyproject.toml); "
            "build the bundle from a clone of the course repository (pip install -e .)"
        )
    return root


def project_version(root: Path) -> str:
    """The ``version`` in ``pyproject.toml``."""
    import tomllib

    with (root / "pyproject.toml").open("rb") as handle:
        return str(tomllib.load(handle)["project"]["version"])


def source_folders(root: Path) -> list[str]:
    """The top-level folders ``pyproject.toml`` builds packages from (``grader/``, ``reference/``, ...).

    Read from ``[tool.setuptools]`` (``packages``, ``package-dir``, or
    ``packages.find``'s ``include``) and ``[build-system]``'s ``backend-path``,
    so the archive always holds what the build needs; ``grader`` and ``reference`` when it names none.
    """
    import tomllib

    with (root / "pyproject.toml").open("rb") as handle:
        config = tomllib.load(handle)
    setuptools = config.get("tool", {}).get("setuptools", {})
    mapped = setuptools.get("package-dir", {})
    folders = {str(folder).split("/")[0] for folder in mapped.values() if folder}
    # the in-tree build backend (build_backend/): pip can build nothing without it
    folders.update(str(folder).split("/")[0] for folder in config.get("build-system", {}).get("backend-path", []))
    packages = setuptools.get("packages", [])
    if isinstance(packages, dict):  # [tool.setuptools.packages.find]
        packages = packages.get("find", {}).get("include", [])
    for package in packages:
        if package not in mapped:
            folders.add(package.split(".")[0].rstrip("*"))
    return sorted(folder for folder in folders | set(PROJECT_FOLDERS) if folder and (root / folder).is_dir())


def _project_files(root: Path) -> list[Path]:
    """Every file of the source archive, relative to ``root``, sorted."""
    files = [Path(name) for name in PROJECT_FILES if (root / name).is_file()]
    for folder in source_folders(root):
        for path in (root / folder).rglob("*"):
            relative = path.relative_to(root)
            if path.is_file() and not SKIPPED.intersection(relative.parts) and path.suffix not in (".pyc", ".pyo"):
                files.append(relative)
    return sorted(files)


def source_archive(root: Path, version: str) -> bytes:
    """A ``.tar.gz`` of the project, unpacking to ``dlgrade-VERSION/``, that pip can install."""
    buffer = io.BytesIO()
    prefix = f"dlgrade-{version}"
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as archive:
        for relative in _project_files(root):
            data = (root / relative).read_bytes()
            info = tarfile.TarInfo(f"{prefix}/{relative.as_posix()}")
            info.size = len(data)
            info.mtime = FIXED_EPOCH
            info.mode = 0o644
            archive.addfile(info, io.BytesIO(data))
    # mtime=0: the gzip header would otherwise hold the time of the build
    return gzip.compress(buffer.getvalue(), compresslevel=9, mtime=0)


def _add(bundle: zipfile.ZipFile, name: str, data: bytes | str, executable: bool = False) -> None:
    info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = ((0o755 if executable else 0o644) | 0o100000) << 16
    bundle.writestr(info, data.encode("utf-8") if isinstance(data, str) else data)


def build_bundle(exercises: Sequence[int], output: Path, *, lang: str = "en") -> list[str]:
    """Write the autograder zip for ``exercises`` to ``output`` and return the names it holds.

    Parameters
    ----------
    exercises : sequence of int
        The exercises graded for every submission, in this order.
    output : Path
        The zip to write (its folder must exist).
    lang : str
        Language of the feedback learners see (``en`` or ``ja``).
    """
    numbers = list(dict.fromkeys(int(number) for number in exercises))
    if not numbers:
        raise UsageError("name at least one exercise: grade gradescope 1 2 3 -o autograder.zip")
    for number in numbers:
        get_exercise(number)
    root = project_root()
    version = project_version(root)
    archive_name = f"dlgrade-{version}.tar.gz"
    setup = (TEMPLATES / "gradescope_setup.sh").read_text(encoding="utf-8").replace("__ARCHIVE__", archive_name)
    config = {"exercises": numbers, "lang": lang, "dlgrade": version}
    output = Path(output)
    temporary = output.with_name(output.name + ".tmp")
    with zipfile.ZipFile(temporary, "w") as bundle:
        _add(bundle, "setup.sh", setup, executable=True)
        _add(bundle, "run_autograder", RUN_AUTOGRADER, executable=True)
        _add(bundle, "run_autograder.py", (TEMPLATES / "gradescope_run_autograder.py").read_text(encoding="utf-8"))
        _add(bundle, "autograder.json", json.dumps(config, indent=2) + "\n")
        _add(bundle, archive_name, source_archive(root, version))
        names = bundle.namelist()
    temporary.replace(output)
    return names


def describe(names: Iterable[str], exercises: Sequence[int], output: Path) -> str:
    """What was written, for the terminal."""
    listed = ", ".join(str(number) for number in exercises)
    return (
        f"Wrote {output}: a Gradescope autograder for exercise(s) {listed} ({', '.join(names)}).\n"
        "Upload it in Gradescope under Configure Autograder > Zip file upload; learners submit their exNN_*.py "
        "(or .ipynb) files, or a zip of them."
    )
