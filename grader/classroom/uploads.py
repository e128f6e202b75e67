"""What a learner handed in, made gradable: the file picked for each exercise, sources, notebooks, zips.

``grade batch`` and the Gradescope bundle (``run_autograder.py``) share every
rule here, so both grade the same file of the same folder.

Which file is graded
--------------------
A folder may hold several candidates for one exercise: two copies of
``ex01_*.py`` in different subfolders, a ``.py`` and a notebook, a file inside
a zip upload.  ``choose`` takes, in this order:

1. the shallowest: a file directly in the learner's folder is depth 0, one in
   a subfolder depth 1, and so on; a zip counts as a folder of its own
   (``upload.zip/ex01_activations.py`` is depth 1);
2. then a ``.py`` file over a notebook (``.ipynb``) over a file taken from a zip;
3. then the path, in code-point order (``a/ex01_x.py`` before ``b/ex01_x.py``,
   ``ex01_activations.py`` before ``ex01_old.py``).

The other candidates are listed as a problem that names the file graded.

Python sources: the decode order
--------------------------------
``decode_source`` reads a ``.py`` file as: UTF-8 (a byte-order mark is
dropped), else the encoding its PEP 263 coding line declares
(``# -*- coding: shift_jis -*-``), else, with no coding line, Shift_JIS as
Windows writes it (``cp932``, which Japanese editors on Windows save by
default).  A file none of these decodes is a problem.  The copy that is graded
is UTF-8 (a coding line is rewritten to ``utf-8`` on the same line, so line
numbers stay).

Notebooks
---------
The code cells of an ``exNN_*.ipynb`` become one module, as ``grade exercise
N --file work.ipynb`` makes it (``grader.notebook``): each cell in its own
``try`` block, IPython magics, shell and help lines left out, a cell that calls
the grader left out.  The limits of ``grader.notebook`` hold.

Zip uploads
-----------
A ``.zip`` in a learner's folder is read in memory with ``zipfile``; nothing
is extracted, and the files graded are written only into the batch's private
staging folder.  The zip file is read only when it is at most
``MAX_ZIP_BYTES``; it is refused whole (a problem) when it holds more than
``MAX_ZIP_ENTRIES`` entries or declares more than ``MAX_ZIP_TOTAL`` bytes
uncompressed, or an entry larger than 1 MiB compressed more than
``MAX_ZIP_RATIO`` to 1 (a zip bomb).  Each of these entries is a problem and
is left out, the others are used: an absolute path, a path with ``..``, a
symbolic link, an encrypted entry, a zip inside the zip (one level is read),
a name that is not UTF-8.  Only ``exNN_*.py`` and ``exNN_*.ipynb`` entries are
read (a ``.py`` at most 1 MiB, as in a folder), each with a bounded read.

A zip entry's time has no time zone: it is taken as the local time of the
machine that runs the batch.
"""

from __future__ import annotations

import hashlib
import io
import re
import stat
import struct
import tokenize
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

EXERCISE_NAME = re.compile(r"^ex(\d\d)_\w+\.(py|ipynb)$")
SOURCES = ("py", "ipynb", "zip")  # the order of rule 2
MAX_ZIP_BYTES = 16 << 20
MAX_ZIP_ENTRIES = 1000
MAX_ZIP_TOTAL = 64 << 20
MAX_ZIP_RATIO = 100
MAX_PY_BYTES = 1 << 20
MAX_NOTEBOOK_BYTES = 16 << 20  # in a zip; a notebook in a folder has grader.notebook's own limit

# PEP 263: a coding line is a comment on line 1 or 2
_CODING = re.compile(rb"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)")
_ZIP_END = b"PK\x05\x06"
_NOT_SHIFT_JIS = re.compile("[\x00\x80\uf8f0-\uf8f3]")


class UploadError(Exception):
    """A learner's file or zip that can not be graded; the message says why (a problem for that learner)."""


@dataclass(frozen=True)
class Candidate:
    """One file that could be graded as ``exercise``.

    ``relative`` is its path in the learner's folder (a zip entry:
    ``upload.zip/ex01_x.py``), ``source`` is ``py``, ``ipynb`` or ``zip``;
    for a zip entry, ``container`` is the zip's path and ``member`` the entry's
    name, and ``kind`` says whether the entry is a ``py`` or an ``ipynb``.
    ``submitted_at`` is the file's time (ISO 8601, UTC), None when it has none.
    """

    exercise: int
    relative: str
    source: str
    depth: int
    submitted_at: str | None = None
    container: str = ""
    member: str = ""

    @property
    def file_name(self) -> str:
        """The file's own name, last in its path (a zip entry's path may use backslashes, as Windows tools write it)."""
        return (self.member or self.relative).replace("\\", "/").rsplit("/", 1)[-1]

    @property
    def staged_name(self) -> str:
        """The name of the graded copy: the file's name with ``.py`` (``ex01_x.ipynb`` -> ``ex01_x.py``)."""
        return self.file_name.rsplit(".", 1)[0] + ".py"

    @property
    def kind(self) -> str:
        """``py`` or ``ipynb``: how the file's bytes are read."""
        return "ipynb" if self.relative.endswith(".ipynb") else "py"

    def rank(self) -> tuple[int, int, str]:
        """The order of the rule in the module docstring: smaller is graded first."""
        return (self.depth, SOURCES.index(self.source), self.relative)


def exercise_of(name: str) -> int | None:
    """The exercise number a file name is for (``ex05_im2col.ipynb`` -> 5), None for any other name."""
    match = EXERCISE_NAME.match(name)
    return int(match.group(1)) if match else None


def choose(candidates: Iterable[Candidate]) -> tuple[Candidate, list[Candidate]]:
    """The candidate graded and the others, by the rule of the module docstring.

    Raises
    ------
    ValueError
        When there is no candidate.
    """
    ordered = sorted(candidates, key=Candidate.rank)
    if not ordered:
        raise ValueError("no candidate to choose from")
    return ordered[0], ordered[1:]


def duplicates_problem(chosen: Candidate, others: Sequence[Candidate], shown=str) -> str:
    """The problem that lists the candidates not graded, naming the one graded and the rule."""
    listed = ", ".join(shown(other.relative) for other in others)
    return (
        f"{len(others) + 1} files for exercise {chosen.exercise}: graded {shown(chosen.relative)} "
        f"(the shallowest; then .py over .ipynb over a zip; then by name), not {listed}; "
        "keep one copy of each exercise"
    )


def utc_time(seconds: float) -> str | None:
    """A file's modification time as ISO 8601 UTC; None for a time no calendar holds (a hostile mtime)."""
    try:
        return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="seconds")
    except (OverflowError, OSError, ValueError):
        return None


def zip_time(date_time: tuple[int, int, int, int, int, int]) -> str | None:
    """A zip entry's time (no time zone: taken as this machine's local time) as ISO 8601 UTC; None when invalid."""
    try:
        local = datetime(*date_time).astimezone()  # naive: local time
        return local.astimezone(UTC).isoformat(timespec="seconds")
    except (OverflowError, OSError, ValueError, TypeError):
        return None


# --- sources ---------------------------------------------------------------------------------------


def decode_source(data: bytes) -> str:
    """The text of a Python source (decode order in the module docstring), its coding line made ``utf-8``.

    Raises
    ------
    UploadError
        When no encoding of the order decodes it.
    """
    lines = data.split(b"\n", 2)[:2]
    declared = None
    for position, line in enumerate(lines):
        found = _CODING.match(line)
        if found:
            declared = (position, found)
            break
        if line.strip() and not line.lstrip().startswith(b"#"):
            break  # PEP 263: the second line counts only after a comment or blank first line
    if declared is None:
        text = strict_text(data)
        if text is not None:
            return text
        raise UploadError(
            "not UTF-8 text, nor Shift_JIS (cp932); save it as UTF-8 "
            "(or declare its encoding on line 1: # -*- coding: shift_jis -*-)"
        )
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        text = data.decode(encoding)
    except (SyntaxError, LookupError, UnicodeDecodeError):
        name = declared[1].group(1).decode("ascii", "replace")
        raise UploadError(
            f"not in the encoding its coding line declares ({name}); save it as UTF-8, "
            "or make the coding line name the encoding it is saved in"
        ) from None
    # the graded copy is UTF-8: the coding line must say so, on the same line
    position, found = declared
    text_lines = text.split("\n", 2)
    text_lines[position] = re.sub(r"coding[:=][ \t]*[-\w.]+", "coding: utf-8", text_lines[position], count=1)
    return "\n".join(text_lines)


def strict_text(data: bytes) -> str | None:
    """``data`` as UTF-8 (a byte-order mark dropped), else as Shift_JIS (cp932); None when it is neither.

    Python's cp932 codec maps the bytes 0x80, 0xA0 and 0xFD-0xFF, which no
    Shift_JIS text holds, to characters of their own; text that has them (or
    NUL, as UTF-16 has) is not taken for Shift_JIS.
    """
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp932")
    except UnicodeDecodeError:
        return None
    return None if _NOT_SHIFT_JIS.search(text) else text


def notebook_source(data: bytes, name: str) -> str:
    """One module of the notebook's code cells, as ``grade exercise N --file work.ipynb`` builds it.

    Raises
    ------
    UploadError
        When the notebook can not be read (not JSON, not nbformat 4, beyond the limits).
    """
    from grader.errors import UsageError
    from grader.notebook.cells import notebook_cells_of
    from grader.notebook.folder import _imports_the_grader
    from grader.notebook.module import Chunk, build_module

    try:
        cells = notebook_cells_of(data, name)
    except UsageError as problem:  # InputLimitError included
        raise UploadError(str(problem).replace(f"{name} ", "", 1)) from None
    chunks = [Chunk(cell.label, cell.code) for cell in cells if cell.code is not None]
    chunks = [chunk for chunk in chunks if not _imports_the_grader(chunk.code)]
    futures = [feature for cell in cells for feature in cell.futures]
    return build_module(chunks, futures, name).text


def gradable_source(data: bytes, kind: str, name: str) -> str:
    """The Python text graded for a file's bytes: ``kind`` is ``py`` or ``ipynb``."""
    return notebook_source(data, name) if kind == "ipynb" else decode_source(data)


def digest(data: bytes) -> str:
    """The content hash of a file's bytes (sha256, hex)."""
    return hashlib.sha256(data).hexdigest()


# --- zips ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ZipListing:
    """The exercise entries of a zip (as candidates) and the problems found in it."""

    candidates: tuple[Candidate, ...]
    problems: tuple[str, ...]


def _central_directory(data: bytes) -> tuple[int, int]:
    """Entries and central-directory size the zip's end record declares, before ``zipfile`` reads them."""
    start = data.rfind(_ZIP_END, max(0, len(data) - (1 << 16) - 22))
    if start < 0 or len(data) < start + 22:
        raise UploadError("is not a zip file (no end of central directory); upload it again")
    entries, size = struct.unpack("<HI", data[start + 10 : start + 16])
    return entries, size


def _entry_problem(info: zipfile.ZipInfo) -> str | None:
    name = info.filename
    parts = name.replace("\\", "/").split("/")
    if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name):
        return "has an absolute path; left out"
    if ".." in parts:
        return "leads out of the zip (..); left out"
    if stat.S_ISLNK(info.external_attr >> 16):
        return "is a symbolic link; left out"
    if info.flag_bits & 0x1:
        return "is encrypted; left out (upload it without a password)"
    if not info.flag_bits & 0x800 and not name.isascii():
        raw = name.encode("cp437")  # how zipfile decoded a name without the UTF-8 flag
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError:
            return "has a name that is not UTF-8; left out (zip it again with a UTF-8 zip tool)"
    if name.lower().endswith(".zip"):
        return "is a zip inside the zip; not opened (upload the files, or one zip)"
    return None


def _entry_shown(info: zipfile.ZipInfo) -> str:
    name = info.filename
    if not info.flag_bits & 0x800 and not name.isascii():
        try:
            name = name.encode("cp437").decode("utf-8")
        except UnicodeDecodeError:
            name = name.encode("cp437").decode("utf-8", "backslashreplace")
    return name


def list_zip(data: bytes, relative: str, depth: int) -> ZipListing:
    """The exercise entries of the zip ``data`` (at ``relative``, ``depth`` folders deep), checked; never extracted.

    Raises
    ------
    UploadError
        When the zip is refused whole: not a zip, too many entries, too large
        uncompressed, a zip bomb.
    """
    entries, directory_size = _central_directory(data)
    # zipfile reads the whole central directory into memory: bound it before it does
    if entries > MAX_ZIP_ENTRIES or directory_size > min(len(data), MAX_ZIP_ENTRIES * 1024):
        raise UploadError(f"holds more than {MAX_ZIP_ENTRIES} entries; not opened (zip only your exercise files)")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, ValueError, EOFError) as problem:
        raise UploadError(f"is not a readable zip file ({problem}); upload it again") from None
    infos = archive.infolist()
    if len(infos) > MAX_ZIP_ENTRIES:
        raise UploadError(f"holds more than {MAX_ZIP_ENTRIES} entries; not opened (zip only your exercise files)")
    total = sum(info.file_size for info in infos)
    if total > MAX_ZIP_TOTAL:
        raise UploadError(
            f"would unpack to {total:,} bytes, more than the {MAX_ZIP_TOTAL >> 20} MiB read from a zip; not opened"
        )
    for info in infos:
        if info.file_size > (1 << 20) and info.file_size > MAX_ZIP_RATIO * max(info.compress_size, 1):
            raise UploadError(
                f"has an entry compressed more than {MAX_ZIP_RATIO} to 1 ({_entry_shown(info)}); "
                "not opened (a zip bomb?)"
            )
    candidates: list[Candidate] = []
    problems: list[str] = []
    for info in infos:
        if info.is_dir():
            continue
        shown = f"{relative}/{_entry_shown(info)}"
        refused = _entry_problem(info)
        if refused is not None:
            problems.append(f"{shown} {refused}")
            continue
        parts = [part for part in info.filename.replace("\\", "/").split("/") if part not in ("", ".")]
        if any(part in ("__MACOSX", "__pycache__", ".ipynb_checkpoints") for part in parts[:-1]):
            continue
        number = exercise_of(parts[-1]) if parts else None
        if number is None:
            continue
        candidates.append(
            Candidate(
                exercise=number,
                relative=shown,
                source="zip",
                depth=depth + len(parts),
                submitted_at=zip_time(info.date_time),
                container=relative,
                member=info.filename,
            )
        )
    return ZipListing(tuple(candidates), tuple(problems))


def read_member(data: bytes, member: str) -> bytes:
    """The bytes of the entry ``member`` of the zip ``data``, read with a bound (never past its limit).

    Raises
    ------
    UploadError
        When the entry is too large, damaged (a CRC error) or gone.
    """
    limit = MAX_NOTEBOOK_BYTES if member.endswith(".ipynb") else MAX_PY_BYTES
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive, archive.open(member) as handle:
            content = handle.read(limit + 1)
    except (zipfile.BadZipFile, KeyError, NotImplementedError, RuntimeError, ValueError, EOFError) as problem:
        raise UploadError(f"can not be read from the zip ({problem})") from None
    if len(content) > limit:
        raise UploadError(f"is larger than {limit >> 20} MiB in the zip; not read")
    return content
