"""Fast, pickle-free reading and writing of plain numeric ``.npy`` files.

Every value that crosses the sandbox boundary is a ``.npy`` file; a batch moves
hundreds of thousands of small ones.  ``numpy.load`` parses each header with
``ast.literal_eval`` and costs about 0.1 ms per file; the headers NumPy writes
for plain numeric arrays have one fixed form, which a regular expression reads
in microseconds.  Anything else (object, structured or unusual dtypes, another
header layout) goes to ``numpy.load(..., allow_pickle=False)``, so the result is
never less strict than NumPy's own loader.

The sandbox server loads this file by path (it can not import ``grader``), so
it imports nothing but NumPy and the standard library.
"""

from __future__ import annotations

import io
import math
import re
from pathlib import Path
from typing import Any, Literal

import numpy as np

MAGIC = b"\x93NUMPY"
MAX_DIMENSIONS = 64
_HEADER = re.compile(
    r"\{'descr': '(?P<descr>[<>|=]?[biufc]\d+)', 'fortran_order': (?P<fortran>True|False), "
    r"'shape': \((?P<shape>[0-9, ]{0,2000})\), \}\s*"
)


def to_bytes(array: np.ndarray) -> bytes:
    """``array`` (numeric, or bool) as the bytes of a version 1.0 ``.npy`` file."""
    array = np.asarray(array)
    if not array.flags.c_contiguous:
        array = np.ascontiguousarray(array) if array.ndim else array.copy()
    return header(array) + array.tobytes()


def header(array: np.ndarray) -> bytes:
    """The bytes of a version 1.0 ``.npy`` file before the values of ``array`` (numeric, or bool), in C order.

    A file is these, then the bytes of the array's buffer: a large array can be
    written from its own buffer (``memoryview(array)``) with no copy.
    """
    if array.dtype.kind not in "biufc" or array.dtype.hasobject:
        raise ValueError(f"only numeric arrays are written, not dtype {array.dtype}")
    shape = "(" + "".join(f"{size}, " for size in array.shape).rstrip(" ")
    shape = shape[:-1] + ")" if len(array.shape) > 1 else shape + ")"
    text = f"{{'descr': '{array.dtype.str}', 'fortran_order': False, 'shape': {shape}, }}"
    # pad so that the data starts at a multiple of 64 bytes, as NumPy does
    padding = 64 - (len(MAGIC) + 4 + len(text) + 1) % 64
    text = text + " " * padding + "\n"
    return MAGIC + b"\x01\x00" + len(text).to_bytes(2, "little") + text.encode("latin1")


def save(path: str | Path, array: np.ndarray) -> None:
    """Write ``array`` (numeric, or bool) as a version 1.0 ``.npy`` file."""
    data = to_bytes(array)
    with open(path, "wb") as handle:
        handle.write(data)


def load(path: str | Path) -> np.ndarray:
    """Read a numeric ``.npy`` file into a new, writable array; never unpickles."""
    with open(path, "rb") as handle:
        return from_bytes(handle.read())


# a header's reading by its text: a grading reads hundreds of arrays whose headers repeat (the same
# shapes, check after check); kept small, since a submission chooses the headers of what it returns
_HEADERS: dict[bytes, tuple[np.dtype[Any], tuple[int, ...], Literal["C", "F"], int]] = {}
_HEADERS_KEPT = 512


def _header(raw: bytes) -> tuple[np.dtype[Any], tuple[int, ...], Literal["C", "F"], int] | None:
    """(dtype, shape, order, element count) of a plain header NumPy writes; None for any other header."""
    known = _HEADERS.get(raw)
    if known is not None:
        return known
    match = _HEADER.fullmatch(raw.decode("latin1"))
    if match is None:
        return None
    try:
        dtype = np.dtype(match["descr"])
    except TypeError:  # the pattern lets through sizes NumPy has no type of, '<f3'
        raise ValueError(f"no NumPy dtype {match['descr']!r}") from None
    shape = tuple(int(size) for size in match["shape"].replace(" ", "").split(",") if size)
    if len(shape) > MAX_DIMENSIONS:
        raise ValueError(f"{len(shape)} dimensions (NumPy allows {MAX_DIMENSIONS})")
    order: Literal["C", "F"] = "F" if match["fortran"] == "True" else "C"
    read = (dtype, shape, order, math.prod(shape))
    if len(_HEADERS) >= _HEADERS_KEPT:
        _HEADERS.clear()
    _HEADERS[raw] = read
    return read


def from_bytes(data: bytes | memoryview) -> np.ndarray:
    """Parse the bytes of a numeric ``.npy`` file into a new, writable array; never unpickles.

    Raises ``ValueError`` for anything that is not a whole numeric ``.npy``
    file: data from a submission is read with this, so a damaged, truncated or
    forged file is an error, never a crash or an unpickled object.  The array
    owns a copy of its values: ``data`` may be a view into a larger buffer.
    """
    if len(data) < 10 or data[:6] != MAGIC or data[6] not in (1, 2, 3):
        raise ValueError("not an .npy file")
    if data[6] == 1:
        length, start = int.from_bytes(data[8:10], "little"), 10
    else:
        length, start = int.from_bytes(data[8:12], "little"), 12
    header = _header(bytes(data[start : start + length]))
    if header is None:
        try:
            array = np.load(io.BytesIO(data), allow_pickle=False)
        except (OSError, EOFError, SyntaxError, TypeError, MemoryError) as problem:
            raise ValueError(f"not a numeric .npy file: {problem}") from None
        if not isinstance(array, np.ndarray) or array.dtype.kind not in "biufc" or array.dtype.hasobject:
            raise ValueError("not a numeric array")
        return array
    dtype, shape, order, count = header
    if len(data) - start - length != count * dtype.itemsize:
        raise ValueError("the data does not match the header's shape")
    # one copy, out of the (read-only) buffer into the array's own memory
    flat = np.frombuffer(data, dtype=dtype, count=count, offset=start + length).copy()
    return flat.reshape(shape, order=order)
