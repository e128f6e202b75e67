"""Combine the gradebooks of ``grade batch --shard K/N`` into one: ``grade merge OUT SHARD...``.

The merged gradebook holds what one batch of the whole class would have
written: every learner (with the roster's columns), every grading (current and
history, with its check rows), problems, quiz attempts and their answers,
settings and similar pairs.  Row ids are renumbered; nothing else changes.

Every table is copied, generically
----------------------------------
The merge reads the tables, their columns and their foreign keys from SQLite
itself (``sqlite_master``, ``PRAGMA table_info``, ``PRAGMA foreign_key_list``),
not from a list kept here, so a column added to the schema later is copied
without a change to this module.  A table is copied when the merge knows how
to renumber it: ``learners`` (matched by name), ``settings`` (which must agree),
``schema_version``, and any table whose foreign keys all point at the ``id`` of
``learners`` or of another such table.  A table it does not know how to copy,
or a shard whose tables or columns differ from this grader's schema, is
refused with an error: nothing is ever dropped silently.

What is refused
---------------
- a file that is not a gradebook, or one of a newer schema (an older one is
  migrated, as ``grade batch`` would: ``Gradebook``);
- a gradebook that is not a shard's (no ``shard`` setting);
- shards of different N, the same shard twice (or the same file twice);
- a learner in two shards with different data (named, with the tables that
  differ); the same learner with the same data in two shards is kept once;
- shards graded with different settings (a different course file);
- missing shards, unless ``allow_partial``: the merged gradebook then records
  the shards it holds (``shard = 1,3/3``), and merging it later with the
  missing ones completes it;
- ``OUT`` when it exists, unless ``force`` (and then only when it is a
  gradebook: a typo must not overwrite another file).

The merged gradebook is written to a temporary file next to ``OUT`` and
renamed over it only once complete and checked (``PRAGMA foreign_key_check``),
so ``OUT`` is never half written.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from grader.classroom.gradebook import Gradebook, GradebookError
from grader.classroom.shards import SETTING, format_setting, parse_setting
from grader.errors import GraderError

# when and how long, not what: two gradings of the same file differ in these only
VOLATILE_COLUMNS = frozenset({"first_seen", "graded_at", "recorded_at", "computed_at", "elapsed"})
LEARNERS = "learners"
SPECIAL_TABLES = ("schema_version", "settings", LEARNERS)
MAX_NAMED = 10  # learners named in an error; the rest are counted


class MergeError(GraderError):
    """The shard gradebooks can not be merged as given (exit status 2, like a usage error)."""

    exit_code = 2


@dataclass(frozen=True)
class Table:
    """A table as SQLite describes it: its columns, whether ``id`` is its row id, its foreign keys."""

    name: str
    columns: tuple[str, ...]
    numbered: bool  # an ``id INTEGER PRIMARY KEY``: renumbered by an offset per shard
    references: tuple[tuple[str, str], ...]  # (column, parent table), each pointing at the parent's id


@dataclass(frozen=True)
class MergeSummary:
    """What ``merge_gradebooks`` wrote."""

    output: Path
    count: int  # N
    held: tuple[int, ...]  # the shards merged
    missing: tuple[int, ...]
    learners: int
    submissions: int  # current gradings
    attempts: int  # current quiz attempts


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def layout(db: sqlite3.Connection, schema: str) -> dict[str, Table]:
    """The tables of the database ``schema`` (``main`` or an attached name), as SQLite describes them."""
    tables = {}
    names = [
        name
        for (name,) in db.execute(
            f"SELECT name FROM {schema}.sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
    ]
    for name in names:
        info = db.execute(f"PRAGMA {schema}.table_info({_quoted(name)})").fetchall()
        columns = tuple(row[1] for row in info)
        primary = [row for row in info if row[5]]
        numbered = len(primary) == 1 and primary[0][1] == "id" and primary[0][2].upper() == "INTEGER"
        references = tuple(
            sorted(
                (row[3], row[2])
                for row in db.execute(f"PRAGMA {schema}.foreign_key_list({_quoted(name)})")
                if row[4] in (None, "id")
            )
        )
        unknown = [
            row[3]
            for row in db.execute(f"PRAGMA {schema}.foreign_key_list({_quoted(name)})")
            if row[4] not in (None, "id")
        ]
        if unknown:
            references += tuple((column, "") for column in unknown)  # refused by copy_order
        tables[name] = Table(name, columns, numbered, references)
    return tables


def copy_order(tables: dict[str, Table]) -> list[Table]:
    """The tables besides ``SPECIAL_TABLES`` in an order that copies every parent before its children.

    Raises
    ------
    MergeError
        For a table the merge does not know how to copy: one with no foreign
        key to the learners (directly or through its parents), or one whose
        foreign key points at a table without an ``id`` row id.
    """
    pending = {name: table for name, table in tables.items() if name not in SPECIAL_TABLES}
    order: list[Table] = []
    placed = {LEARNERS}
    while pending:
        ready = [
            table
            for table in pending.values()
            if table.references
            and all(parent in placed for _, parent in table.references)
            and all(parent == LEARNERS or tables[parent].numbered for _, parent in table.references)
        ]
        if not ready:
            names = ", ".join(sorted(pending))
            raise MergeError(
                f"grade merge does not know how to combine the table(s) {names} of the gradebooks (each row must "
                "belong to a learner, directly or through a row of another table); update the grader, "
                "nothing was written",
                f"grade merge は成績簿の表 {names} の結合方法を知りません（各行が受講者に直接または別の表の行を介して"
                "属している必要があります）。grader を更新してください。何も書き出していません",
            )
        for table in sorted(ready, key=lambda item: item.name):
            order.append(table)
            placed.add(table.name)
            del pending[table.name]
    return order


def merge_gradebooks(
    output: Path, shards: Sequence[Path], *, force: bool = False, allow_partial: bool = False
) -> MergeSummary:
    """Merge the shard gradebooks ``shards`` into a new gradebook ``output``.

    Parameters
    ----------
    output : Path
        The merged gradebook; refused when it exists, unless ``force``.
    shards : sequence of Path
        Gradebooks written by ``grade batch --shard K/N`` (or earlier partial merges).
    force : bool
        Replace ``output`` when it exists (it must be a gradebook).
    allow_partial : bool
        Merge even when some of the N shards are missing.

    Raises
    ------
    MergeError
        When the shards can not be merged (see the module's list); nothing is written.
    GradebookError
        When a shard is not a usable gradebook, or ``output`` can not be written.
    """
    output = Path(output)
    paths = [Path(path) for path in shards]
    _check_files(output, paths, force=force)
    held_by: dict[int, Path] = {}
    count = None
    for path in paths:
        with Gradebook(path) as book:  # refuses a newer schema and a file that is not a gradebook; migrates an older
            value = book.setting(SETTING)
        parsed = None if value is None else parse_setting(value)
        if parsed is None:
            raise MergeError(
                f"{path} is not a shard's gradebook (its shard setting is {value!r}); "
                "grade merge combines gradebooks written by grade batch --shard K/N",
                f"{path} はシャードの成績簿ではありません（shard の設定: {value!r}）。"
                "grade merge は grade batch --shard K/N で書いた成績簿を結合します",
            )
        held, shard_count = parsed
        if count is not None and shard_count != count:
            raise MergeError(
                f"the shards split the class in different numbers: {paths[0]} is one of {count}, "
                f"{path} one of {shard_count}; merge the shards of one split",
                f"シャードの分割数が違います: {paths[0]} は {count} 分割、{path} は {shard_count} 分割です。"
                "同じ分割のシャードを結合してください",
            )
        count = shard_count
        for index in sorted(held):
            if index in held_by:
                raise MergeError(
                    f"shard {index}/{count} is given twice: in {held_by[index]} and in {path}",
                    f"シャード {index}/{count} が 2 回指定されています: {held_by[index]} と {path}",
                )
            held_by[index] = path
    if count is None:  # no shard given: _check_files refused that already
        raise MergeError("name the shard gradebooks to merge: grade merge OUT SHARD...")
    missing = tuple(index for index in range(1, count + 1) if index not in held_by)
    if missing and not allow_partial:
        listed = ", ".join(f"{index}/{count}" for index in missing)
        raise MergeError(
            f"shard(s) {listed} missing: grade them (grade batch CLASS_DIR --shard K/{count}) and merge all "
            f"{count}, or pass --allow-partial to merge what is here (the merged gradebook then records the shards "
            "it holds; its learners are only theirs)",
            f"シャード {listed} がありません。採点して（grade batch CLASS_DIR --shard K/{count}）{count} 個すべてを"
            "結合するか、--allow-partial でここにある分だけを結合してください（結合した成績簿には含むシャードを記録し、"
            "受講者もその分だけになります）",
        )
    ordered = [held_by[index] for index in sorted(held_by)]
    ordered = list(dict.fromkeys(ordered))  # a partial merge holds several shards
    return _write(output, ordered, count, tuple(sorted(held_by)), missing, force=force)


def _check_files(output: Path, paths: list[Path], *, force: bool) -> None:
    if not paths:
        raise MergeError("name the shard gradebooks to merge: grade merge OUT SHARD...")
    seen: dict[tuple[int, int], Path] = {}
    for path in paths:
        if not path.is_file():
            raise MergeError(f"no gradebook at {path}", f"{path} に成績簿がありません")
        found = path.stat()
        key = (found.st_dev, found.st_ino)
        if key in seen:
            raise MergeError(
                f"{seen[key]} and {path} are the same file; name each shard's gradebook once",
                f"{seen[key]} と {path} は同じファイルです。各シャードの成績簿は 1 回だけ指定してください",
            )
        seen[key] = path
    if output.is_dir():
        raise MergeError(
            f"{output} is a folder; name the merged gradebook's file, e.g. {output / 'gradebook.sqlite'}",
            f"{output} はフォルダです。結合した成績簿のファイル名を指定してください"
            f"（例: {output / 'gradebook.sqlite'}）",
        )
    if output.exists():
        found = output.stat()
        if (found.st_dev, found.st_ino) in seen:
            raise MergeError(
                f"{output} is one of the shards; name a new file for the merged gradebook",
                f"{output} はシャードの 1 つです。結合した成績簿には新しいファイル名を指定してください",
            )
        if not force:
            raise MergeError(
                f"{output} exists; pass --force to replace it, or name another file",
                f"{output} は既にあります。置き換えるには --force を付けるか、別のファイル名を指定してください",
            )


def _write(
    output: Path,
    paths: list[Path],
    count: int,
    held: tuple[int, ...],
    missing: tuple[int, ...],
    *,
    force: bool,
) -> MergeSummary:
    """Merge into a temporary file next to ``output``, check it, then rename it over ``output``."""
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        descriptor, name = tempfile.mkstemp(prefix=f".{output.name}.", suffix=".merging", dir=output.parent)
        os.close(descriptor)
    except OSError as problem:
        raise GradebookError(
            f"the merged gradebook can not be written next to {output} ({problem.strerror}); "
            "name a file in a folder you can write"
        ) from None
    scratch = Path(name)
    try:
        Gradebook(scratch).close()  # the current schema, made the one way every gradebook is
        db = sqlite3.connect(str(scratch), isolation_level=None)
        try:
            db.execute("PRAGMA foreign_keys = ON")
            tables = layout(db, "main")
            order = copy_order(tables)
            settings = _agreed_settings(db, paths, tables)
            # the scratch file is renamed only once complete, and synced first: no need to sync every commit
            db.execute("PRAGMA synchronous = OFF")
            db.execute("CREATE TEMP TABLE learner_map (old INTEGER PRIMARY KEY, new INTEGER NOT NULL, taken INTEGER)")
            for path in paths:
                _attach(db, path)  # not inside a transaction: SQLite attaches and detaches only outside one
                try:
                    db.execute("BEGIN IMMEDIATE")
                    _merge_shard(db, path, tables, order)
                    db.execute("COMMIT")
                finally:
                    if db.in_transaction:
                        db.execute("ROLLBACK")
                    db.execute("DETACH DATABASE shard")
            db.execute("BEGIN IMMEDIATE")
            if missing:
                settings[SETTING] = format_setting(held, count)
            db.executemany("INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)", sorted(settings.items()))
            broken = db.execute("PRAGMA foreign_key_check").fetchall()
            if broken:
                raise GradebookError(f"the merged gradebook has rows without their parents ({broken[:3]}); not written")
            db.execute("COMMIT")
            summary = MergeSummary(
                output=output,
                count=count,
                held=held,
                missing=missing,
                learners=db.execute("SELECT count(*) FROM learners").fetchone()[0],
                submissions=db.execute("SELECT count(*) FROM submissions WHERE current = 1").fetchone()[0],
                attempts=db.execute("SELECT count(*) FROM quiz_attempts WHERE current = 1").fetchone()[0],
            )
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            db.close()
        with open(scratch, "rb+") as written:
            os.fsync(written.fileno())
        if output.exists():
            if not force:  # made meanwhile
                raise MergeError(f"{output} exists; pass --force to replace it, or name another file")
            Gradebook(output).close()  # a gradebook, or refused: --force never replaces another kind of file
            for suffix in ("-wal", "-shm"):
                # a WAL file left next to the new gradebook would be replayed into it
                Path(f"{output}{suffix}").unlink(missing_ok=True)
        os.replace(scratch, output)
    except sqlite3.Error as problem:
        raise GradebookError(f"the shards could not be merged into {output} ({problem}); nothing was written") from None
    except OSError as problem:
        raise GradebookError(
            f"the merged gradebook could not be written to {output} ({problem.strerror}); nothing was written"
        ) from None
    finally:
        for leftover in (scratch, Path(f"{scratch}-wal"), Path(f"{scratch}-shm")):
            leftover.unlink(missing_ok=True)
    return summary


def _attach(db: sqlite3.Connection, path: Path) -> None:
    try:
        db.execute("ATTACH DATABASE ? AS shard", (str(path),))
    except sqlite3.Error as problem:
        raise GradebookError(f"{path} can not be opened ({problem})") from None


def _check_layout(db: sqlite3.Connection, path: Path, tables: dict[str, Table]) -> None:
    """Refuse a shard whose tables or columns are not this grader's: they would not all be copied."""
    found = layout(db, "shard")
    extra = sorted(set(found) - set(tables))
    if extra:
        raise MergeError(
            f"{path} holds table(s) this grader does not know: {', '.join(extra)} (written by another program?); "
            "grade merge copies every table it knows and drops none silently, so it stops here",
            f"{path} にはこの grader が知らない表があります: {', '.join(extra)}（別のプログラムが書いたもの？）。"
            "grade merge は知っている表をすべて写し、黙って捨てることはしないので、ここで止めます",
        )
    for name, table in tables.items():
        theirs = found.get(name)
        if theirs is None or set(theirs.columns) != set(table.columns) or theirs.references != table.references:
            columns = sorted(set(theirs.columns) ^ set(table.columns)) if theirs else ["the whole table"]
            raise MergeError(
                f"the table {name} of {path} is not this grader's ({', '.join(columns)} differ); "
                "was the file edited by hand? nothing was written",
                f"{path} の表 {name} がこの grader のものと違います（{', '.join(columns)}）。"
                "手で編集しましたか？ 何も書き出していません",
            )


def _agreed_settings(db: sqlite3.Connection, paths: list[Path], tables: dict[str, Table]) -> dict[str, str]:
    """The settings every shard was graded with (``shard`` aside); refused when they differ."""
    agreed: dict[str, str | None] | None = None
    first = paths[0]
    for path in paths:
        _attach(db, path)
        try:
            _check_layout(db, path, tables)
            settings: dict[str, str | None] = {
                key: value for key, value in db.execute("SELECT key, value FROM shard.settings") if key != SETTING
            }
        finally:
            db.execute("DETACH DATABASE shard")
        if agreed is None:
            agreed = settings
            continue
        for key in sorted(set(agreed) | set(settings)):
            if agreed.get(key) != settings.get(key):
                raise MergeError(
                    f"the shards were graded with different settings: {key!r} differs between {first} and {path}; "
                    "grade every shard with the same course file and options",
                    f"シャードの採点設定が違います: {first} と {path} で {key!r} が異なります。"
                    "すべてのシャードを同じコースファイルとオプションで採点してください",
                )
    return {key: value for key, value in (agreed or {}).items() if value is not None}


def _merge_shard(db: sqlite3.Connection, path: Path, tables: dict[str, Table], order: list[Table]) -> None:
    """Copy the attached ``shard`` into ``main``: learners matched by name, every other row renumbered."""
    offsets = {
        table.name: db.execute(f"SELECT coalesce(max(id), 0) FROM main.{_quoted(table.name)}").fetchone()[0]
        for table in order
        if table.numbered
    }
    db.execute("DELETE FROM temp.learner_map")
    learner_columns = [column for column in tables[LEARNERS].columns if column != "id"]
    listed = ", ".join(_quoted(column) for column in learner_columns)
    conflicts: list[tuple[str, list[str]]] = []
    for old, *values in db.execute(f"SELECT id, {listed} FROM shard.learners ORDER BY id").fetchall():
        name = values[learner_columns.index("name")]
        held = db.execute("SELECT id FROM main.learners WHERE name = ?", (name,)).fetchone()
        if held is None:
            new = db.execute(
                f"INSERT INTO main.learners ({listed}) VALUES ({', '.join('?' * len(values))})", values
            ).lastrowid
            db.execute("INSERT INTO temp.learner_map (old, new, taken) VALUES (?, ?, 1)", (old, new))
            continue
        ours = _learner_record(db, "main", held[0], tables, order)
        theirs = _learner_record(db, "shard", old, tables, order)
        if ours != theirs:
            conflicts.append((name, sorted(key for key in set(ours) | set(theirs) if ours.get(key) != theirs.get(key))))
        db.execute("INSERT INTO temp.learner_map (old, new, taken) VALUES (?, ?, 0)", (old, held[0]))
    if conflicts:
        shown = "; ".join(f"{name} ({', '.join(parts)})" for name, parts in conflicts[:MAX_NAMED])
        more = f"; and {len(conflicts) - MAX_NAMED} more" if len(conflicts) > MAX_NAMED else ""
        raise MergeError(
            f"{len(conflicts)} learner(s) of {path} are also in an earlier shard with different data: {shown}{more}. "
            "A learner belongs to one shard; were the shards graded from different class folders, or one gradebook "
            "written by two shards? Nothing was written",
            f"{path} の受講者 {len(conflicts)} 人が前のシャードにも別の内容で入っています: {shown}{more}。"
            "受講者は 1 つのシャードにだけ属します。別々のクラスフォルダから採点しましたか？ 何も書き出していません",
        )
    for table in order:
        _copy_table(db, table, offsets)


def _copy_table(db: sqlite3.Connection, table: Table, offsets: dict[str, int]) -> None:
    """``INSERT ... SELECT`` of one table from ``shard``: ids moved by the offset, references mapped."""
    expressions: list[str] = []
    joins: list[str] = []
    conditions: list[str] = []
    taken: list[str] = []
    references = dict(table.references)
    for column in table.columns:
        source = f"s.{_quoted(column)}"
        if column == "id" and table.numbered:
            expressions.append(f"{source} + {offsets[table.name]}")
        elif references.get(column) == LEARNERS:
            alias = f"m_{len(joins)}"
            joins.append(f"LEFT JOIN temp.learner_map AS {alias} ON {alias}.old = {source}")
            expressions.append(f"{alias}.new")
            conditions.append(f"({source} IS NULL OR {alias}.new IS NOT NULL)")
            taken.append(f"{alias}.taken = 1")
        elif column in references:
            parent = references[column]
            moved = f"{source} + {offsets[parent]}"
            expressions.append(moved)
            # a row is copied with its parent: the parent row was copied from this shard (above the offset)
            conditions.append(f"({source} IS NULL OR {moved} IN (SELECT id FROM main.{_quoted(parent)}))")
        else:
            expressions.append(source)
    if taken:
        conditions.append("(" + " OR ".join(taken) + ")")  # a learner found identical in an earlier shard: kept once
    columns = ", ".join(_quoted(column) for column in table.columns)
    db.execute(
        f"INSERT INTO main.{_quoted(table.name)} ({columns}) SELECT {', '.join(expressions)} "
        f"FROM shard.{_quoted(table.name)} AS s {' '.join(joins)} WHERE {' AND '.join(conditions or ['1'])}"
    )


def _learner_record(
    db: sqlite3.Connection, schema: str, learner_id: int, tables: dict[str, Table], order: list[Table]
) -> dict[str, list]:
    """Everything about one learner in ``schema``, ids and times left out: two records are equal for equal data.

    A row stands for itself by its values; a reference by what it points at
    (a learner's name, the parent row's values), so renumbered ids do not count.
    """
    record: dict[str, list] = {}
    learner = tables[LEARNERS]
    kept = [column for column in learner.columns if column != "id" and column not in VOLATILE_COLUMNS]
    record[LEARNERS] = db.execute(
        f"SELECT {', '.join(map(_quoted, kept))} FROM {schema}.learners WHERE id = ?", (learner_id,)
    ).fetchall()
    # the rows taken so far, per table: id -> the row's values (what a child row's reference stands for)
    chosen: dict[str, dict[int, tuple]] = {LEARNERS: {learner_id: ()}}
    for table in order:
        references = dict(table.references)
        selected = [column for column in table.columns if column not in VOLATILE_COLUMNS and column != "id"]
        rows: dict[int | tuple, tuple] = {}
        for column, parent in table.references:
            for parent_id, parent_values in chosen.get(parent, {}).items():
                for row_id, *row in db.execute(
                    f"SELECT {'id' if table.numbered else 'NULL'}, {', '.join(map(_quoted, selected))} "
                    f"FROM {schema}.{_quoted(table.name)} WHERE {_quoted(column)} = ?",
                    (parent_id,),
                ):
                    values = tuple(
                        _named(db, schema, value)
                        if references.get(name) == LEARNERS
                        else (parent_values if name == column else value)
                        if name in references
                        else value
                        for name, value in zip(selected, row, strict=True)
                    )
                    rows[row_id if row_id is not None else (column, parent_id, len(rows))] = values
        if table.numbered:
            chosen[table.name] = {row_id: values for row_id, values in rows.items() if isinstance(row_id, int)}
        record[table.name] = sorted(rows.values(), key=repr)
    return record


def _named(db: sqlite3.Connection, schema: str, learner_id: int | None) -> str | None:
    if learner_id is None:
        return None
    found = db.execute(f"SELECT name FROM {schema}.learners WHERE id = ?", (learner_id,)).fetchone()
    return None if found is None else found[0]
