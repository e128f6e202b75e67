"""Shards of a class: ``grade batch --shard K/N`` grades the K-th of N shares of the learners.

A big cohort is graded by N machines at once (a Kubernetes Indexed Job, a
Slurm array, a GitHub Actions matrix), each with its own gradebook; ``grade
merge`` then combines the N gradebooks into the one a single batch would have
written (``grader.classroom.merge``).

Which shard a learner is in depends on the learner's name only (the folder
name, as the gradebook stores it): the first 8 bytes of its SHA-256 as an
unsigned big-endian integer, modulo N, plus 1.  That is the same on every
machine, Python version and run (Python's own ``hash()`` of a string is
salted per process, so it is not used), and adding or removing a learner moves
no other learner to another shard.

A shard's gradebook records ``shard = K/N`` in its settings table, so ``grade
merge`` can tell which shares it holds, and a batch of another shard (or of
the whole class) into the same gradebook is refused.  A merge of only some of
the shards records the shards it holds, ``1,3/3``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from grader.classroom.gradebook import learner_name
from grader.errors import UsageError

if TYPE_CHECKING:
    from grader.classroom.gradebook import Gradebook
    from grader.classroom.roster import Roster

SETTING = "shard"
MAX_SHARDS = 10_000

# ASCII digits only: \d would take full-width and other scripts' digits, which int() reads too
_SHARD = re.compile(r"^\s*([0-9]{1,6})\s*/\s*([0-9]{1,6})\s*$")
_SHARDS = re.compile(r"^([0-9]{1,6}(?:,[0-9]{1,6})*)/([0-9]{1,6})$")


def shard_of(name: str, count: int) -> int:
    """The shard (1 to ``count``) of the learner ``name``: sha256(name as UTF-8)[:8] mod count, plus 1.

    Parameters
    ----------
    name : str
        The learner's name as the gradebook stores it (``learner_name`` of the
        folder name); a lone surrogate (a folder name that is not UTF-8) is
        hashed as its escape.
    count : int
        N, the number of shards (at least 1).
    """
    if count < 1:
        raise ValueError(f"a class is split into at least 1 shard; got {count}")
    data = name.encode("utf-8", "backslashreplace")
    return int.from_bytes(hashlib.sha256(data).digest()[:8], "big") % count + 1


@dataclass(frozen=True)
class Shard:
    """The K-th of N shards (``index`` K from 1 to N)."""

    index: int
    count: int

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"

    def holds(self, name: str) -> bool:
        """Whether the learner ``name`` is graded by this shard."""
        return shard_of(name, self.count) == self.index

    def select(self, names: Iterable[str]) -> list[str]:
        """The names of ``names`` this shard grades, in their order."""
        return [name for name in names if self.holds(name)]

    def roster(self, roster: Roster | None) -> Roster | None:
        """The learners of ``roster`` in this shard (by login, read as a folder name), or None for None.

        A shard records only its own roster learners, those without a folder
        included, so the shards' gradebooks never disagree about a learner.
        """
        if roster is None:
            return None
        entries = tuple(entry for entry in roster.entries if self.holds(learner_name(entry.login)))
        return dataclasses.replace(roster, entries=entries)


def parse_shard(text: str) -> Shard:
    """``K/N`` as a ``Shard``; a ``UsageError`` that says what is wrong with anything else.

    K runs from 1 to N and N from 1 to ``MAX_SHARDS``: ``0/3``, ``4/3``,
    ``a/b`` and ``1/0`` are refused.
    """
    match = _SHARD.match(text)
    if match is None:
        raise UsageError(f"--shard takes K/N, the K-th of N shards with K from 1 to N (e.g. --shard 2/8); got {text!r}")
    index, count = int(match.group(1)), int(match.group(2))
    if not 1 <= count <= MAX_SHARDS:
        raise UsageError(f"--shard {text}: N, the number of shards, is from 1 to {MAX_SHARDS}")
    if not 1 <= index <= count:
        raise UsageError(f"--shard {text}: K counts the shards from 1 to N, so K is from 1 to {count}")
    return Shard(index, count)


def parse_setting(value: str) -> tuple[frozenset[int], int] | None:
    """The shards a gradebook holds and N, from its ``shard`` setting (``2/3`` or ``1,3/3``); None if malformed."""
    match = _SHARDS.match(value.strip())
    if match is None:
        return None
    count = int(match.group(2))
    held = frozenset(int(part) for part in match.group(1).split(","))
    if not 1 <= count <= MAX_SHARDS or not all(1 <= index <= count for index in held):
        return None
    return held, count


def format_setting(held: Iterable[int], count: int) -> str:
    """The ``shard`` setting of a gradebook holding the shards ``held`` of ``count``: ``1,3/3``."""
    return ",".join(str(index) for index in sorted(held)) + f"/{count}"


def claim(gradebook: Gradebook, shard: Shard | None) -> None:
    """Check that ``gradebook`` is the one of ``shard`` (None: of the whole class); a new one records it.

    A gradebook holds one shard, or the whole class: a batch of shard 2/3 into
    the gradebook of shard 1/3 would leave learners of two shards in it (and
    ``grade merge`` would find them twice), so it is refused, as is a shard
    into a gradebook that already holds learners of a batch without
    ``--shard`` and a batch without ``--shard`` into a shard's gradebook.
    """
    recorded = gradebook.setting(SETTING)
    if shard is None:
        if recorded is not None:
            raise UsageError(
                f"{gradebook.path} is the gradebook of shard {recorded}; grade it with --shard {recorded}, "
                "or name another gradebook with --db (grade merge combines the shards' gradebooks)"
            )
        return
    if recorded is None:
        if gradebook.learners():
            raise UsageError(
                f"{gradebook.path} holds a batch of the whole class; a shard writes a gradebook of its own: "
                f"name another one, e.g. --db gradebook-{shard.index}-of-{shard.count}.sqlite"
            )
        gradebook.record_setting(SETTING, str(shard))
    elif recorded != str(shard):
        raise UsageError(
            f"{gradebook.path} is the gradebook of shard {recorded}, not {shard}; "
            f"name another one, e.g. --db gradebook-{shard.index}-of-{shard.count}.sqlite"
        )
