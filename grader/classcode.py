"""The code ``dataclasses`` compiles for each class, kept between a grading server's starts.

``@dataclass`` writes a class's ``__init__``, ``__repr__``, ``__eq__``,
``__hash__`` (and, frozen, ``__setattr__`` and ``__delattr__``) as source text
and compiles each with ``exec``: 0.3-1 ms per class, about 15 ms for the 36
classes a grading server defines before its first grading of exercise 7 is
answered, a tenth of that cold start.  The text depends only on the class (its
fields and options), so, as Python keeps a module's compiled code in
``__pycache__``, a grading server keeps the code compiled from each text: the
next server of the workspace runs ``exec`` on that code instead of compiling.

``install`` has ``dataclasses`` find its ``exec`` here (a name in that module,
which looks up ``exec`` in its own globals before the builtins): the same call
on code compiled exactly as ``exec`` compiles the text (file ``<string>``,
the ``__future__`` features of ``dataclasses`` itself), so every class is what
it would be without; only the compiling is skipped.  ``save`` writes the code
of every text used since, to a private file of the server's (beside its
socket, out of every sandbox's reach).  A file of another Python, a damaged or
a foreign one is not read, and replaced at the next ``save``.

A command run in its own process (``--no-server``, ``grade quiz``, ``grade
batch``...) keeps its classes' code the same way, in one file of the user's
(``grader.launch.keep_class_code``), which every such command reads and adds
to (``merge``): each defines classes of its own.
"""

from __future__ import annotations
import __future__

import marshal
import os
import sys
import types

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (as in grader.launch)
if TYPE_CHECKING:
    from typing import Any

MAGIC = b"dlgrade class code 1\n"
LIMIT_BYTES = 4 * 1024 * 1024  # the grader's own classes take about 270 KB
# a file shared by commands (``install(merge=True)``) keeps what earlier graders compiled up to this size: every
# command reads all of it (about 1 ms per 250 KB), and the classes it saves compiling cost about 15 ms
MERGE_LIMIT_BYTES = 1024 * 1024

_KEPT: dict[str, types.CodeType] = {}  # source text -> its code, as the file held it
_USED: dict[str, types.CodeType] = {}  # the texts this process ran, with their code
_COUNTS = {"kept": 0, "compiled": 0}  # methods whose code came from the file, and those compiled here
_STATE: dict[str, Any] = {"path": None, "flags": 0, "unsaved": 0, "merge": False}


def file_name() -> str:
    """The file's name for this Python (marshal's format and the bytecode are both its own)."""
    return f"classcode.{sys.implementation.cache_tag}.marshal"


def install(path: str, *, merge: bool = False) -> None:
    """Compile ``dataclasses``' methods through the code kept in ``path`` (read once here), from now on.

    With ``merge``, ``save`` writes the code read from ``path`` as well as this
    process's: a file that commands with different classes share.
    """
    import dataclasses

    _STATE["path"] = path
    _STATE["merge"] = merge
    _STATE["flags"] = _future_flags(dataclasses)
    _KEPT.update(_read(path))
    dataclasses.exec = _exec  # type: ignore[attr-defined]


def counts() -> dict[str, int]:
    """How many methods' code came from the file (``kept``) and how many were compiled here (``compiled``)."""
    return dict(_COUNTS)


def save() -> bool:
    """Write the code of every text used since ``install`` when any was compiled since the last save; whether it was.

    Installed to ``merge``, the code read from the file is written too, unless
    that makes the file larger than ``MERGE_LIMIT_BYTES``: then the texts of
    older graders (and of commands not run since) give way.
    """
    path = _STATE["path"]
    if path is None or not _STATE["unsaved"]:
        return False
    data = MAGIC + _magic() + marshal.dumps({**_KEPT, **_USED} if _STATE["merge"] else dict(_USED))
    if len(data) > MERGE_LIMIT_BYTES and _STATE["merge"]:
        data = MAGIC + _magic() + marshal.dumps(dict(_USED))
    if len(data) > LIMIT_BYTES:
        return False
    part = f"{path}.{os.getpid()}.part"
    try:
        fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(part, path)
    except OSError:
        try:
            os.unlink(part)
        except OSError:
            pass
        return False
    _STATE["unsaved"] = 0
    return True


def _exec(source: str | types.CodeType, globals: dict[str, Any] | None = None, locals: Any = None) -> None:  # noqa: A002
    """``exec`` as ``dataclasses`` calls it, with the text's code kept or compiled once."""
    if isinstance(source, str):
        text = source
        code = _USED.get(text) or _KEPT.get(text)
        if code is None:
            # exactly as exec compiles a text: its file name, and the features the calling module imported
            code = compile(text, "<string>", "exec", flags=_STATE["flags"], dont_inherit=True)
            _COUNTS["compiled"] += 1
            _STATE["unsaved"] += 1
        elif text not in _USED:
            _COUNTS["kept"] += 1
        _USED[text] = code
        source = code
    if globals is None:  # exec's default: the globals of its caller, dataclasses itself
        import dataclasses

        globals = vars(dataclasses)  # noqa: A001
    exec(source, globals, locals)  # noqa: S102 - the code dataclasses wrote, compiled from its own text


def _future_flags(module: types.ModuleType) -> int:
    """The compiler flags of the ``__future__`` features ``module`` imported (which its ``exec`` passes on)."""
    flags = 0
    for name in __future__.all_feature_names:
        feature: __future__._Feature = getattr(__future__, name)
        if getattr(module, name, None) is feature:
            flags |= feature.compiler_flag
    return flags


def _magic() -> bytes:
    import importlib.util

    return importlib.util.MAGIC_NUMBER


def _read(path: str) -> dict[str, types.CodeType]:
    """The code kept in ``path``: {} for no file, a damaged one, another Python's or one this module did not write."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError:
        return {}
    try:
        info = os.fstat(fd)
        if info.st_uid != os.getuid() or info.st_mode & 0o022 or info.st_size > LIMIT_BYTES:
            return {}  # not this user's own, or writable by others: not run
        data = os.read(fd, info.st_size + 1)
    except OSError:
        return {}
    finally:
        os.close(fd)
    return _parse(data)


def _parse(data: bytes) -> dict[str, types.CodeType]:
    """The code a file of ``save``'s holds ({} for anything else)."""
    head = MAGIC + _magic()
    if not data.startswith(head):
        return {}
    try:
        kept = marshal.loads(data[len(head) :])
    except (ValueError, EOFError, TypeError):
        return {}
    if not isinstance(kept, dict):
        return {}
    return {text: code for text, code in kept.items() if isinstance(text, str) and isinstance(code, types.CodeType)}
