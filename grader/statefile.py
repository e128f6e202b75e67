"""The small JSON files a workspace keeps in ``.grade/``: read as what they are, the learner's.

A learner can edit, truncate or replace any of them (by hand, or a script gone
wrong), so reading never trusts them: at most ``STATE_FILE_LIMIT_BYTES``, a
regular file, no symbolic link followed, and anything that does not parse (bad
JSON, a 5000-digit number, nesting too deep) reads as ``None``.  Writing goes
through a temporary file, so a reader never sees half a file.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

STATE_FILE_LIMIT_BYTES = 1024 * 1024


def read_state(path: Path, limit: int = STATE_FILE_LIMIT_BYTES) -> Any:
    """The JSON value in ``path``, or None when it is missing, too big, not a file or does not parse."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > limit:
            return None
        data = os.read(fd, limit + 1)
    except OSError:
        return None
    finally:
        os.close(fd)
    if len(data) > limit:
        return None
    try:
        return json.loads(data.decode("utf-8"))
    except (ValueError, RecursionError):  # bad JSON, bad UTF-8, an integer too long to convert
        return None


def write_state(path: Path, value: Any) -> None:
    """Write ``value`` as JSON to ``path`` (its folder made when missing), whole or not at all."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(json.dumps(value, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    temporary.replace(path)
