"""The class roster: ``grade batch --roster roster.csv`` maps learner folders to people.

Format (``docs/instructors/roster.md``)
---------------------------------------
A CSV file with a header line.  The columns, in any order:

``login`` (or ``folder``)
    Required. The name of the learner's folder in the class directory (a
    GitHub Classroom login, an LMS user name), matched exactly, case included.
``lms_id``
    The learner's id in the LMS (Moodle's ``idnumber``, Canvas's ``SIS User ID``).
``name``
    The learner's full name, as the report shows it.
``section``
    A section or group, to sort and filter the report by.

Header names are matched without case and surrounding spaces; any other
column is an error (it is likely a typo).  Blank lines are skipped; spaces
around a value are dropped.

Encoding: UTF-8, with or without a byte-order mark (Excel's "CSV UTF-8"
writes one).  A file that is not UTF-8 is read as Shift_JIS (``cp932``), what
Excel for Japanese Windows saves as "CSV"; one that is neither is an error.

Refused with a ``grade: ...`` message (exit status 2) that names the line:
no header or no ``login`` column, an unknown or repeated column, an empty or
repeated login, a line with more cells than the header, a file larger than
``MAX_ROSTER_BYTES`` or with more than ``MAX_ROSTER_ROWS`` learners, a value
longer than ``MAX_VALUE`` characters.
"""

from __future__ import annotations

import csv
import io
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from grader.classroom.uploads import strict_text
from grader.errors import UsageError

MAX_ROSTER_BYTES = 4 << 20
MAX_ROSTER_ROWS = 20_000
MAX_VALUE = 1024
COLUMNS = ("login", "lms_id", "name", "section")
ALIASES = {"folder": "login"}


@dataclass(frozen=True)
class RosterEntry:
    """One learner of the roster; ``line`` is where the file names them."""

    login: str
    lms_id: str | None
    full_name: str | None
    section: str | None
    line: int


@dataclass(frozen=True)
class Roster:
    """Every learner of a roster file, in the file's order, with the encoding it was read in."""

    path: Path
    entries: tuple[RosterEntry, ...]
    encoding: str

    def logins(self) -> set[str]:
        """Every login of the roster."""
        return {entry.login for entry in self.entries}


NOT_IN_ROSTER = " is not in the roster "


def not_in_roster(folder: str, roster_file: str) -> str:
    """The problem noted for a learner folder the roster does not name (about its name, not its files)."""
    return (
        f"the folder {folder}{NOT_IN_ROSTER}{roster_file}; "
        "add its login to the roster, or rename the folder to the learner's login"
    )


def is_about_files(problem: str, folder: str) -> bool:
    """Whether a noted problem is about the learner's files (every problem but ``not_in_roster``'s)."""
    return not problem.startswith(f"the folder {folder}{NOT_IN_ROSTER}")


def _fail(path: Path, line: int | None, problem: str, ja: str) -> UsageError:
    where = f"{path}:{line}" if line is not None else str(path)
    return UsageError(f"the roster {where}: {problem}", f"名簿 {where}: {ja}")


def _read_bytes(path: Path) -> bytes:
    try:
        found = os.stat(path)
    except OSError as problem:
        raise _fail(path, None, f"can not be read ({problem.strerror})", f"読めません({problem.strerror})") from None
    if not stat.S_ISREG(found.st_mode):
        raise _fail(
            path,
            None,
            "is not a file; name a CSV file with --roster",
            "ファイルではありません。--roster には CSV ファイルを指定してください",
        )
    if found.st_size > MAX_ROSTER_BYTES:
        raise _too_large(path)
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_ROSTER_BYTES + 1)
    except OSError as problem:
        raise _fail(path, None, f"can not be read ({problem.strerror})", f"読めません({problem.strerror})") from None
    if len(data) > MAX_ROSTER_BYTES:
        raise _too_large(path)
    return data


def _too_large(path: Path) -> UsageError:
    return _fail(
        path,
        None,
        f"is larger than {MAX_ROSTER_BYTES >> 20} MiB; a roster is one short line per learner",
        f"{MAX_ROSTER_BYTES >> 20} MiB を超えています。名簿は受講者 1 人につき短い 1 行です",
    )


def _decode(path: Path, data: bytes) -> tuple[str, str]:
    text = strict_text(data)
    if text is not None:
        try:
            data.decode("utf-8-sig")
            return text, "utf-8"
        except UnicodeDecodeError:
            return text, "cp932"
    raise _fail(
        path,
        None,
        "is neither UTF-8 nor Shift_JIS text; save it as CSV UTF-8 (Excel: Save As > CSV UTF-8)",
        "UTF-8 でも Shift_JIS でもありません。CSV UTF-8 で保存し直してください(Excel: 名前を付けて保存 > CSV UTF-8)",
    )


def load_roster(path: Path) -> Roster:
    """Read and check the roster at ``path`` (format in the module docstring).

    Raises
    ------
    grader.errors.UsageError
        With the file, the line and what to fix, for anything the format refuses.
    """
    path = Path(path)
    text, encoding = _decode(path, _read_bytes(path))
    if "\x00" in text:
        raise _fail(
            path,
            None,
            "holds NUL characters; it is not a CSV text file",
            "NUL 文字を含んでいます。CSV のテキストファイルではありません",
        )
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    header: list[str] | None = None
    entries: list[RosterEntry] = []
    seen: dict[str, int] = {}
    try:
        for row in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if any(len(cell) > MAX_VALUE for cell in row):
                raise _fail(
                    path,
                    line,
                    f"a value is longer than {MAX_VALUE} characters",
                    f"{MAX_VALUE} 文字を超える値があります",
                )
            if header is None:
                header = _header(path, line, row)
                continue
            if len(row) > len(header):
                raise _fail(
                    path,
                    line,
                    f"has {len(row)} cells and the header {len(header)}; is a comma missing quotes?",
                    f"セルが {len(row)} 個あり、見出しは {len(header)} 個です。コンマを含む値を引用符で囲んでいますか",
                )
            values = {column: (row[index].strip() if index < len(row) else "") for index, column in enumerate(header)}
            login = values["login"]
            if not login:
                raise _fail(
                    path, line, "the login (the learner's folder name) is empty", "login(受講者のフォルダ名)が空です"
                )
            if login in seen:
                raise _fail(
                    path,
                    line,
                    f"the login {login!r} is listed twice (also on line {seen[login]})",
                    f"login {login!r} が 2 回あります({seen[login]} 行目にも)",
                )
            if len(entries) >= MAX_ROSTER_ROWS:
                raise _fail(
                    path,
                    line,
                    f"holds more than {MAX_ROSTER_ROWS} learners",
                    f"受講者が {MAX_ROSTER_ROWS} 人を超えています",
                )
            seen[login] = line
            entries.append(
                RosterEntry(
                    login=login,
                    lms_id=values.get("lms_id") or None,
                    full_name=values.get("name") or None,
                    section=values.get("section") or None,
                    line=line,
                )
            )
    except csv.Error as problem:
        raise _fail(
            path, reader.line_num, f"is not valid CSV ({problem})", f"CSV として読めません({problem})"
        ) from None
    if header is None:
        raise _fail(
            path,
            None,
            f"is empty; its first line is the header: {','.join(COLUMNS)}",
            f"空です。1 行目は見出し {','.join(COLUMNS)} です",
        )
    return Roster(path, tuple(entries), encoding)


def _header(path: Path, line: int, row: list[str]) -> list[str]:
    columns = []
    for cell in row:
        name = cell.strip().lower()
        name = ALIASES.get(name, name)
        if name not in COLUMNS:
            raise _fail(
                path,
                line,
                f"unknown column {cell.strip()!r}; the header names the columns {', '.join(COLUMNS)} "
                "(login may be called folder; only login is required)",
                f"不明な列 {cell.strip()!r} があります。見出しに書ける列は {', '.join(COLUMNS)} です"
                "(login は folder とも書けます。必須は login だけです)",
            )
        if name in columns:
            raise _fail(
                path, line, f"the column {name} is named twice in the header", f"見出しに列 {name} が 2 回あります"
            )
        columns.append(name)
    if "login" not in columns:
        raise _fail(
            path,
            line,
            f"the header has no login column; the first line names the columns, e.g. {','.join(COLUMNS)}",
            f"見出しに login の列がありません。1 行目に列名を書いてください(例: {','.join(COLUMNS)})",
        )
    return columns
