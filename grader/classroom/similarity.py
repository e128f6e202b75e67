"""Find learners' exercise files that are the same after normalising names, comments and formatting.

``grade similarity CLASS_DIR`` reads every learner folder the way ``grade batch``
does (``grader.classroom.batch.discover`` and ``collect_submission``: no
symlink is followed, at most 1 MiB per file, the same file chosen, notebooks
and zip uploads read) and compares the files of each exercise with token
fingerprints chosen by winnowing (Schleimer, Wilkerson and Aiken,
"Winnowing: local algorithms for document fingerprinting", SIGMOD 2003), the
method of MOSS and copydetect.

Normalising
    A file is read with the standard ``tokenize`` module.  Comments, docstrings
    (a string that is a statement of its own), line breaks, indentation, ``;``
    and a trailing comma before a closing bracket are dropped; every string is
    ``S``; numbers keep their value (``1e-07`` and ``1e-7`` alike); a name is
    kept when it is a keyword, a builtin, an attribute (after ``.``) or a name
    the stub uses (the contract's functions, parameters, ``np``), and is ``V``
    otherwise.  Renaming variables, rewriting comments or reformatting
    (black against compact one-liners) leaves the tokens unchanged.
Fingerprints
    The stub's own code is cut out first: the signatures of the functions and
    classes it defines, and every run of ``K`` tokens it has too (``import
    numpy as np``, a function left as the stub has it).  Every run of ``K``
    (12) tokens left is hashed; winnowing keeps the smallest hash of every
    ``WINDOW`` (4) consecutive ones, so any shared run of 15 tokens or more is
    found.  A run that ``COMMON_LIMIT`` (10) or more
    different versions of the file share (the book's own three lines of a
    forward pass are common knowledge, as MOSS's ``-m`` treats them).
Comparing
    Files whose fingerprints are the same are one version.  An inverted index
    (fingerprint -> versions holding it, at most ``COMMON_LIMIT`` long) counts
    the fingerprints two versions share without comparing all pairs, so the work
    grows with the number of fingerprints, not with the square of the class.
    ``similarity`` = shared / fingerprints of the smaller of the two (common
    passages left out); a pair is reported from ``threshold`` (0.8) with at
    least ``MIN_SHARED`` (8) shared.  Files of one version (the same code once
    normalised, with at least ``MIN_SHARED`` fingerprints) are always reported,
    at 1.0, however common their passages are.
    Pairs link learners into clusters: 22 learners with the same file are one
    cluster of 22.

A match is a reason to talk to the learner, not proof: see
docs/instructors/similarity.md.
"""

from __future__ import annotations

import builtins
import hashlib
import io
import json
import keyword
import tokenize
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from grader.classroom.batch import collect_submission, discover, shown_name
from grader.classroom.gradebook import FILE_NAME_LIMIT, PROBLEM_LIMIT
from grader.errors import GraderError, UsageError
from grader.text import Text, untrusted

if TYPE_CHECKING:
    from grader.classroom.gradebook import Gradebook, SimilarPair

K = 12
WINDOW = 4
COMMON_LIMIT = 10
MIN_SHARED = 8
THRESHOLD = 0.8
MAX_TOKENS = 50_000  # an exercise file has a few thousand; a 1 MiB file of one token repeated stops here
LINE_LIMIT = 300  # characters of one source line shown in the page
SETTINGS_KEY = "similarity"
REPORT_PAIRS = 200  # pairs listed in the report; the clusters always show everyone

_KEPT_NAMES = frozenset(keyword.kwlist) | frozenset(keyword.softkwlist) | frozenset(dir(builtins))
_DROPPED = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.ENCODING}
_CLOSING = {")", "]", "}"}


@dataclass(frozen=True)
class Token:
    """One normalised token and the source lines it came from (1-based)."""

    text: str
    first_line: int
    last_line: int


@dataclass
class Document:
    """One learner's file of one exercise, fingerprinted.

    ``fingerprints`` maps each hash winnowing kept (the stub's and common ones
    removed later) to the index of the first token of its run.
    """

    learner: str
    exercise: int
    file_name: str
    lines: list[str]
    tokens: list[Token]
    fingerprints: dict[int, int] = field(default_factory=dict)
    problem: str | None = None


@dataclass(frozen=True)
class Pair:
    """Two learners' files of one exercise found alike.

    ``shared`` lists matched line ranges ``[a_first, a_last, b_first, b_last]``
    (1-based, inclusive), in the order of ``learner_a``'s file.
    """

    exercise: int
    learner_a: str
    learner_b: str
    similarity: float
    shared_count: int
    shared: tuple[tuple[int, int, int, int], ...]


@dataclass(frozen=True)
class Cluster:
    """Learners of one exercise linked by reported pairs (a chain: a ~ b and b ~ c puts a, b, c together)."""

    exercise: int
    learners: tuple[str, ...]
    lowest: float
    highest: float


@dataclass
class SimilarityResult:
    """What a run found: per exercise, clusters and pairs, ranked by similarity."""

    threshold: float
    clusters: list[Cluster] = field(default_factory=list)
    pairs: list[Pair] = field(default_factory=list)
    documents: dict[tuple[str, int], Document] = field(default_factory=dict)
    compared: Counter = field(default_factory=Counter)  # exercise -> files with code of their own
    problems: list[str] = field(default_factory=list)
    stored: int | None = None  # pairs written to the gradebook (None: no --db)


# --- tokens and fingerprints -------------------------------------------------------------------


class _Annotations:
    """Drops the annotations of a ``def`` line: ``def f(x: np.ndarray) -> float:`` reads as ``def f(x):``."""

    def __init__(self) -> None:
        self.header = False  # inside "def name(...) -> ...:"
        self.depth = 0  # brackets open in the header
        self.annotation = False  # inside a parameter's or the return's annotation

    def skip(self, kind: int, text: str) -> bool:
        """Whether the token is part of an annotation (the state moves on either way)."""
        if kind == tokenize.NAME and text == "def":
            self.header, self.depth, self.annotation = True, 0, False
        elif self.header and kind == tokenize.OP:
            if text in ("(", "[", "{"):
                self.depth += 1
            elif text in (")", "]", "}"):
                self.depth -= 1
                if self.depth == 0:
                    self.annotation = False
            elif self.depth == 1 and text in (",", "="):
                self.annotation = False
            elif (text == ":" and self.depth == 1 and not self.annotation) or (text == "->" and self.depth == 0):
                self.annotation = True
                return True
            elif text == ":" and self.depth == 0:
                self.header = self.annotation = False
        return self.annotation


def normalise(source: str, kept: frozenset[str] = frozenset()) -> tuple[list[Token], str | None]:
    """The tokens of ``source`` that survive normalising, and what stopped the tokenizer early (or None).

    Names in ``kept`` (the stub's) stay as they are, as do keywords, builtins
    and attributes; every other name is ``V``.  A source that does not
    tokenize (a syntax error, NUL bytes) gives the tokens read before the error.
    At most ``MAX_TOKENS`` tokens are kept.
    """
    tokens: list[Token] = []
    statement_start = True
    previous = ""
    problem = None
    annotations = _Annotations()
    source = source.replace("\0", " ")  # NUL stops the tokenizer; a copier could use it to hide the rest
    try:
        for found in tokenize.generate_tokens(io.StringIO(source).readline):
            kind, text = found.type, found.string
            if kind in _DROPPED or kind == tokenize.ENDMARKER:
                if kind in (tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT):
                    statement_start = True
                continue
            if kind == tokenize.OP and text == ";":
                statement_start = True
                continue
            if kind == tokenize.STRING and statement_start:
                continue  # a docstring, or a string used as a comment
            statement_start = False
            if annotations.skip(kind, text):
                continue
            if kind == tokenize.OP and text in _CLOSING and tokens and tokens[-1].text == ",":
                tokens.pop()  # black's trailing comma
            text = _normal_text(kind, text, previous, kept)
            if not text:
                continue
            previous = text
            tokens.append(Token(text, found.start[0], found.end[0]))
            if len(tokens) >= MAX_TOKENS:
                problem = f"longer than {MAX_TOKENS} tokens; the rest was not compared"
                break
    except (tokenize.TokenError, SyntaxError) as error:
        problem = f"not valid Python ({_reason(error)}); the code before it was compared"
    except (ValueError, RecursionError, MemoryError) as error:
        problem = f"could not be read as Python ({type(error).__name__}); the code before it was compared"
    return tokens, problem


def _normal_text(kind: int, text: str, previous: str, kept: frozenset[str]) -> str:
    """A token's text once normalised ("" to drop it)."""
    if kind == tokenize.NAME:
        return text if text in kept or text in _KEPT_NAMES or previous == "." else "V"
    if kind == tokenize.STRING:
        return "S"
    if kind == tokenize.NUMBER:
        return _number(text)
    if kind == tokenize.ERRORTOKEN and text.isspace():
        return ""
    return text


def _reason(error: BaseException) -> str:
    if isinstance(error, SyntaxError):
        return f"line {error.lineno}: {error.msg}"
    message, *rest = error.args or ("",)
    line = rest[0][0] if rest and isinstance(rest[0], tuple) else None
    return f"line {line}: {message}" if line else str(message)


def _number(text: str) -> str:
    """A number literal by its value, so that 1e-07, 1e-7 and 0.0000001 read the same."""
    try:
        return repr(complex(text.replace("_", ""))) if text[-1] in "jJ" else repr(float(text.replace("_", "")))
    except (ValueError, OverflowError):
        return text


@cache
def _token_hash(text: str) -> int:
    # a hash of our own: Python's str hash changes from one process to the next
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8", "backslashreplace"), digest_size=8).digest(), "big")


def kgram_hashes(tokens: Sequence[Token], k: int = K) -> list[int]:
    """The hash of every run of ``k`` consecutive tokens (``len(tokens) - k + 1`` of them)."""
    values = [_token_hash(token.text) for token in tokens]
    return [hash(tuple(values[start : start + k])) for start in range(len(values) - k + 1)]


def winnow(hashes: Sequence[int], window: int = WINDOW) -> dict[int, int]:
    """Robust winnowing: the smallest hash of every window (the rightmost on a tie), each with its first position.

    Returns
    -------
    dict
        hash -> index in ``hashes`` where it was first selected.
    """
    selected: dict[int, int] = {}
    if len(hashes) < window:
        for position, value in enumerate(hashes):
            selected.setdefault(value, position)
        return selected
    chosen = -1
    for start in range(len(hashes) - window + 1):
        if chosen < start:  # the previous minimum left the window: look at all of it again
            chosen = start
            for position in range(start + 1, start + window):
                if hashes[position] <= hashes[chosen]:
                    chosen = position
        elif hashes[start + window - 1] <= hashes[chosen]:
            chosen = start + window - 1
        else:
            continue
        selected.setdefault(hashes[chosen], chosen)
    return selected


@dataclass(frozen=True)
class Stub:
    """What every learner's file of an exercise shares: the stub's names, definitions and runs of K tokens."""

    names: frozenset[str] = frozenset()
    defined: frozenset[str] = frozenset()
    hashes: frozenset[int] = frozenset()


@cache
def stub_profile(exercise: int) -> Stub:
    """The exercise's stub: the names it uses, the functions and classes it defines, its runs of K tokens."""
    from grader.course import stub_path

    try:
        source = stub_path(exercise).read_text(encoding="utf-8")
    except (GraderError, OSError):
        return Stub()
    found = [token for token in tokenize.generate_tokens(io.StringIO(source).readline) if token.type == tokenize.NAME]
    names = frozenset(token.string for token in found)
    defined = frozenset(
        token.string for before, token in zip(found, found[1:], strict=False) if before.string in ("def", "class")
    )
    tokens, _ = normalise(source, names)
    return Stub(names, defined, frozenset(kgram_hashes(tokens)))


def _headers(tokens: Sequence[Token], defined: frozenset[str]) -> Iterator[tuple[int, int]]:
    """The ``[start, end)`` of every ``def name(...):`` / ``class name(...):`` of a name in ``defined``."""
    for start in range(len(tokens) - 1):
        if tokens[start].text in ("def", "class") and tokens[start + 1].text in defined:
            depth = 0
            for end in range(start + 2, len(tokens)):
                text = tokens[end].text
                depth += text in ("(", "[", "{")
                depth -= text in (")", "]", "}")
                if text == ":" and depth <= 0:
                    yield start, end + 1
                    break


def own_runs(tokens: Sequence[Token], stub: Stub) -> list[tuple[int, int]]:
    """The runs ``[start, end)`` of the learner's own tokens: what the stub has too is cut out.

    A learner's file is the stub filled in.  Cut out are the signatures of the
    stub's functions and classes (every learner has them, so a run of K tokens
    never joins the end of one function to the start of the next) and every
    run of K tokens the stub has too: ``import numpy as np``, functions left
    as the stub has them.  Runs shorter than K tokens give no fingerprint.
    """
    covered = bytearray(len(tokens))
    for start, value in enumerate(kgram_hashes(tokens)):
        if value in stub.hashes:
            covered[start : start + K] = b"\x01" * K
    for start, end in _headers(tokens, stub.defined):
        covered[start:end] = b"\x01" * (end - start)
    runs = []
    begun: int | None = None
    for position, flag in enumerate(covered):
        if not flag and begun is None:
            begun = position
        elif flag and begun is not None:
            runs.append((begun, position))
            begun = None
    if begun is not None:
        runs.append((begun, len(tokens)))
    return [(first, end) for first, end in runs if end - first >= K]


def fingerprint(learner: str, exercise: int, file_name: str, source: str) -> Document:
    """One file's document: normalised tokens and winnowed fingerprints of the learner's own code."""
    stub = stub_profile(exercise)
    tokens, problem = normalise(source, stub.names)
    document = Document(learner, exercise, file_name, source.splitlines(), tokens, problem=problem)
    for first, end in own_runs(tokens, stub):
        for value, position in winnow(kgram_hashes(tokens[first:end])).items():
            document.fingerprints.setdefault(value, first + position)
    return document


# --- reading the class -------------------------------------------------------------------------


def read_class(class_dir: Path, exercises: set[int] | None = None) -> tuple[list[Document], list[str]]:
    """Every learner's exercise files, fingerprinted, and the problems met (``learner: problem``)."""
    documents = []
    problems: list[str] = []
    # many learners hand in the same bytes (the worked solution, the stub, a shared file): fingerprint them once
    seen: dict[tuple[int, str], Document] = {}
    for learner in discover(class_dir):
        # the files grade batch grades, read and chosen by its rules (notebooks and zip entries included)
        chosen, found = ({}, []) if learner.folder.is_symlink() else collect_submission(learner.folder)
        for problem in found:
            learner.note(problem)
        for exercise, (candidate, source) in sorted(chosen.items()):
            if exercises is not None and exercise not in exercises:
                continue
            shown = untrusted(shown_name(candidate.relative), FILE_NAME_LIMIT)
            key = (exercise, hashlib.sha256(source.encode("utf-8", "surrogatepass")).hexdigest())
            known = seen.get(key)
            if known is None:
                document = seen[key] = fingerprint(learner.name, exercise, shown, source)
            else:
                document = replace(known, learner=learner.name, file_name=shown)
            if document.problem:
                learner.note(f"{shown}: {document.problem}")
            documents.append(document)
        # a file name may hold control characters: escaped, as the gradebook stores problems
        problems.extend(untrusted(f"{learner.name}: {problem}", PROBLEM_LIMIT) for problem in learner.all_problems())
    return documents, problems


# --- comparing ---------------------------------------------------------------------------------


def compare(documents: Iterable[Document], *, threshold: float = THRESHOLD) -> SimilarityResult:
    """Pairs and clusters of documents alike, per exercise, in time linear in the fingerprints.

    Parameters
    ----------
    documents : iterable of Document
        ``fingerprint()`` of every file.
    threshold : float
        The least similarity reported: shared fingerprints over those of the
        smaller file, between 0 and 1.
    """
    if not 0 < threshold <= 1:
        raise UsageError(f"the similarity threshold is a number above 0 and at most 1; got {threshold}")
    result = SimilarityResult(threshold)
    by_exercise: dict[int, list[Document]] = {}
    for document in documents:
        result.documents[(document.learner, document.exercise)] = document
        by_exercise.setdefault(document.exercise, []).append(document)
    for exercise in sorted(by_exercise):
        pairs, clusters, compared = _compare_exercise(exercise, by_exercise[exercise], threshold)
        result.pairs.extend(pairs)
        result.clusters.extend(clusters)
        result.compared[exercise] = compared
    return result


def _compare_exercise(
    exercise: int, documents: list[Document], threshold: float
) -> tuple[list[Pair], list[Cluster], int]:
    # versions: files with the same fingerprints (the same code once normalised) are compared once
    versions: dict[frozenset[int], list[Document]] = {}
    for document in sorted(documents, key=lambda found: found.learner):
        if document.fingerprints:  # the untouched stub, or only the stub's code: nothing of its own
            versions.setdefault(frozenset(document.fingerprints), []).append(document)
    keys = list(versions)
    index: dict[int, list[int]] = {}
    for number, key in enumerate(keys):
        for value in key:
            index.setdefault(value, []).append(number)
    common = {value for value, holders in index.items() if len(holders) >= COMMON_LIMIT}
    sizes = [len(key - common) for key in keys]
    counts: Counter[tuple[int, int]] = Counter()
    for value, holders in index.items():
        if value in common:
            continue
        for position, first in enumerate(holders):
            for second in holders[position + 1 :]:
                counts[(first, second)] += 1
    pairs: list[Pair] = []
    for key in keys:
        members = versions[key]
        if len(key) >= MIN_SHARED:
            # the same code once normalised, every line of it (common passages included: a whole file
            # handed in by several learners is what matters here): one pair per member with the first
            pairs.extend(_pair(members[0], other, 1.0, len(key), set()) for other in members[1:])
    for (first, second), shared in counts.items():
        smaller = min(sizes[first], sizes[second])
        if shared < MIN_SHARED or not smaller or shared / smaller < threshold:
            continue
        pairs.append(_pair(versions[keys[first]][0], versions[keys[second]][0], shared / smaller, shared, common))
    pairs.sort(key=lambda pair: (-pair.similarity, pair.learner_a, pair.learner_b))
    return pairs, _clusters(exercise, pairs), sum(len(members) for members in versions.values())


def _pair(first: Document, second: Document, similarity: float, shared: int, common: set[int]) -> Pair:
    a, b = sorted((first, second), key=lambda document: document.learner)
    return Pair(a.exercise, a.learner, b.learner, round(similarity, 4), shared, tuple(_shared_lines(a, b, common)))


def _shared_lines(a: Document, b: Document, common: set[int]) -> Iterator[tuple[int, int, int, int]]:
    """The line ranges of ``a`` and ``b`` their shared fingerprints cover, merged where they run on together."""
    matches = sorted(
        (position, b.fingerprints[value])
        for value, position in a.fingerprints.items()
        if value in b.fingerprints and value not in common
    )
    block: list[int] | None = None
    for position_a, position_b in matches:
        lines = [
            a.tokens[position_a].first_line,
            a.tokens[position_a + K - 1].last_line,
            b.tokens[position_b].first_line,
            b.tokens[position_b + K - 1].last_line,
        ]
        if block is not None and lines[0] <= block[1] + 1 and block[2] <= lines[2] <= block[3] + 1:
            block[1] = max(block[1], lines[1])
            block[3] = max(block[3], lines[3])
            continue
        if block is not None:
            yield (block[0], block[1], block[2], block[3])
        block = lines
    if block is not None:
        yield (block[0], block[1], block[2], block[3])


def _clusters(exercise: int, pairs: Sequence[Pair]) -> list[Cluster]:
    parent: dict[str, str] = {}

    def root(name: str) -> str:
        parent.setdefault(name, name)
        while parent[name] != name:
            parent[name] = parent[parent[name]]
            name = parent[name]
        return name

    for pair in pairs:
        first, second = root(pair.learner_a), root(pair.learner_b)
        if first != second:
            parent[max(first, second)] = min(first, second)
    groups: dict[str, list[str]] = {}
    similarities: dict[str, list[float]] = {}
    for name in parent:
        groups.setdefault(root(name), []).append(name)
    for pair in pairs:
        similarities.setdefault(root(pair.learner_a), []).append(pair.similarity)
    clusters = [
        Cluster(exercise, tuple(sorted(members)), min(similarities[key]), max(similarities[key]))
        for key, members in groups.items()
    ]
    clusters.sort(key=lambda cluster: (-len(cluster.learners), -cluster.highest, cluster.learners))
    return clusters


def clusters_of(pairs: Iterable[SimilarPair | Pair]) -> list[Cluster]:
    """Clusters, per exercise, of stored pairs (``ClassRecord.similar``) or found ones."""
    by_exercise: dict[int, list[Pair]] = {}
    for pair in pairs:
        by_exercise.setdefault(pair.exercise, []).append(
            Pair(pair.exercise, pair.learner_a, pair.learner_b, pair.similarity, 0, ())
        )
    return [cluster for exercise in sorted(by_exercise) for cluster in _clusters(exercise, by_exercise[exercise])]


# --- the command -------------------------------------------------------------------------------


def run_similarity(
    class_dir: Path,
    *,
    exercises: set[int] | None = None,
    threshold: float = THRESHOLD,
    gradebook: Gradebook | None = None,
) -> SimilarityResult:
    """Read, fingerprint and compare the class; store the pairs in ``gradebook`` when one is given."""
    if not 0 < threshold <= 1:
        raise UsageError(f"the similarity threshold is a number above 0 and at most 1; got {threshold}")
    documents, problems = read_class(class_dir, exercises)
    result = compare(documents, threshold=threshold)
    result.problems = problems
    if gradebook is not None:
        settings = {
            "computed_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "threshold": threshold,
            "exercises": sorted(result.compared),
            "k": K,
            "window": WINDOW,
        }
        result.stored = gradebook.replace_similar_pairs(
            [(pair.exercise, pair.learner_a, pair.learner_b, pair.similarity, pair.shared) for pair in result.pairs],
            exercises=None if exercises is None else sorted(exercises),
            settings=json.dumps(settings),
        )
    return result


TEXT = {
    "heading": Text(
        "Similar submissions (threshold {threshold:.0%}: shared fingerprints over those of the smaller file)",
        "類似した提出（しきい値 {threshold:.0%}：共通するフィンガープリントの、小さい方のファイルに対する割合）",
    ),
    "none": Text(
        "No similar submissions: {files} files of {exercises} exercises compared.",
        "類似した提出はありません（課題 {exercises} 件、{files} ファイルを比較）。",
    ),
    "cluster": Text(
        "exercise {exercise}: {count} learners, similarity {lowest:.0%}-{highest:.0%}: {names}",
        "課題 {exercise}: 受講者 {count} 人、類似度 {lowest:.0%}〜{highest:.0%}: {names}",
    ),
    "pairs": Text(
        "pairs in all: {count} (--html DIR shows each with its shared lines)",
        "ペアは全部で {count} 組（--html DIR で共通する行を並べて表示します）",
    ),
    "problems": Text(
        "{count} files could not be read or were read only in part (first: {first})",
        "{count} 件のファイルは読めないか、一部だけ読みました（最初のもの: {first}）",
    ),
    "unstored": Text(
        "{count} pairs name learners the gradebook does not know and were not stored; run grade batch first",
        "{count} 組は成績簿にない受講者を含むため保存しませんでした。先に grade batch を実行してください",
    ),
    "advice": Text(
        "A match is a reason to talk to the learners, not proof of copying.",
        "一致は受講者と話すきっかけであって、写した証拠ではありません。",
    ),
}


def terminal_lines(result: SimilarityResult, lang: str, *, width: int = 100) -> list[str]:
    """A short table for the terminal: one line per cluster, largest first per exercise."""
    lines = [TEXT["heading"].format(threshold=result.threshold)(lang)]
    if not result.clusters:
        lines.append(TEXT["none"].format(files=sum(result.compared.values()), exercises=len(result.compared))(lang))
    for cluster in result.clusters:
        names = ", ".join(cluster.learners)
        if len(names) > width:
            names = names[: width - 3] + "..."
        lines.append(
            "  "
            + TEXT["cluster"].format(
                exercise=cluster.exercise,
                count=len(cluster.learners),
                lowest=cluster.lowest,
                highest=cluster.highest,
                names=names,
            )(lang)
        )
    if result.pairs:
        lines.append(TEXT["pairs"].format(count=len(result.pairs))(lang))
        lines.append(TEXT["advice"](lang))
    if result.stored is not None and result.stored < len(result.pairs):
        lines.append(TEXT["unstored"].format(count=len(result.pairs) - result.stored)(lang))
    if result.problems:
        lines.append(TEXT["problems"].format(count=len(result.problems), first=result.problems[0])(lang))
    return lines


# --- pages -------------------------------------------------------------------------------------

PAGE_TEXT = {
    "title": Text("Similar submissions", "類似した提出"),
    "lead": Text(
        "Files that are the same after normalising names, comments and formatting, the stub's own code "
        "ignored. Similarity is the share of the smaller file's fingerprints found in the other; pairs are "
        "shown from {threshold:.0%}. A match is a reason to talk to the learners, not proof of copying.",
        "変数名・コメント・書式を正規化したうえで同じになるファイルです（配布されたひな形のコードは除外）。"
        "類似度は、小さい方のファイルのフィンガープリントのうち相手にも含まれる割合で、{threshold:.0%} "
        "以上のペアを示します。一致は受講者と話すきっかけであって、写した証拠ではありません。",
    ),
    "none": Text("No similar submissions.", "類似した提出はありません。"),
    "clusters": Text("Clusters", "グループ"),
    "pairs": Text("Pairs and their shared lines", "ペアと共通する行"),
    "exercise": Text("Exercise", "課題"),
    "learners": Text("Learners", "受講者"),
    "count": Text("Number", "人数"),
    "similarity": Text("Similarity", "類似度"),
    "lines": Text("lines", "行"),
    "shared": Text("shared fingerprints", "共通フィンガープリント"),
    "not_run": Text(
        "grade similarity has not been run on this gradebook.",
        "この成績簿では grade similarity をまだ実行していません。",
    ),
    "checked": Text(
        "Checked {when} (threshold {threshold:.0%}); the full comparison is in similarity.html.",
        "{when} に確認（しきい値 {threshold:.0%}）。詳しい比較は similarity.html にあります。",
    ),
    "problems": Text("Files not read, or read only in part", "読めなかった、または一部だけ読んだファイル"),
}


def _labels(lang: str) -> dict[str, str]:
    return {key: value(lang) for key, value in PAGE_TEXT.items()}


def _excerpt(document: Document, first: int, last: int) -> list[tuple[int, str]]:
    return [
        (number, untrusted(document.lines[number - 1], LINE_LIMIT).replace("\t", "    "))
        for number in range(first, min(last, len(document.lines)) + 1)
    ]


def render_page(result: SimilarityResult, lang: str) -> str:
    """``similarity.html``: clusters, then every pair with its shared lines side by side (self-contained)."""
    from grader.quiz.page import template_environment

    blocks = []
    for pair in result.pairs:
        a = result.documents.get((pair.learner_a, pair.exercise))
        b = result.documents.get((pair.learner_b, pair.exercise))
        if a is None or b is None:
            continue
        blocks.append(
            {
                "pair": pair,
                "file_a": a.file_name,
                "file_b": b.file_name,
                "ranges": [
                    {"a": _excerpt(a, a_first, a_last), "b": _excerpt(b, b_first, b_last)}
                    for a_first, a_last, b_first, b_last in pair.shared
                ],
            }
        )
    template = template_environment().get_template("similarity.html")
    return template.render(
        lang=lang,
        t=_labels(lang),
        lead=PAGE_TEXT["lead"].format(threshold=result.threshold)(lang),
        clusters=result.clusters,
        blocks=blocks,
        problems=result.problems,
    )


def write_page(result: SimilarityResult, folder: Path, lang: str) -> Path:
    """Write ``folder/similarity.html`` (the folder made when missing)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "similarity.html"
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(render_page(result, lang), encoding="utf-8")
    temporary.replace(path)
    return path


def _ranges(shared: object) -> str:
    """Stored line ranges as ``60-62 / 3-3, ...``: whatever is not four whole numbers is left out."""
    found = shared if isinstance(shared, list) else []
    return ", ".join(
        f"{block[0]}-{block[1]} / {block[2]}-{block[3]}"
        for block in found[:100]
        if isinstance(block, list) and len(block) == 4 and all(type(number) is int for number in block)
    )


def report_section(similar: Sequence[SimilarPair], run_settings: str | None, lang: str) -> dict[str, Any]:
    """The model of the report's similarity section (``report_similarity.html``).

    Parameters
    ----------
    similar : sequence of SimilarPair
        ``ClassRecord.similar``: the pairs the last ``grade similarity --db`` stored.
    run_settings : str or None
        ``ClassRecord.settings["similarity"]``: that run's JSON (when, threshold), None before any run.
    lang : str
        ``en`` or ``ja``.
    """
    run: dict[str, Any] = {}
    if run_settings:
        try:
            loaded = json.loads(run_settings)
        except (ValueError, RecursionError):
            loaded = None
        run = loaded if isinstance(loaded, dict) else {}
    checked = ""
    if run:
        try:
            threshold = float(run.get("threshold", THRESHOLD))
        except (TypeError, ValueError):
            threshold = THRESHOLD
        when = untrusted(str(run.get("computed_at", "?")), 64)
        checked = PAGE_TEXT["checked"].format(when=when, threshold=threshold)(lang)
    return {
        "t": _labels(lang),
        "run": bool(run) or bool(similar),
        "checked": checked,
        "clusters": clusters_of(similar),
        "pairs": [
            {
                "exercise": pair.exercise,
                "learner_a": pair.learner_a,
                "learner_b": pair.learner_b,
                "similarity": pair.similarity,
                "ranges": _ranges(pair.shared),
            }
            for pair in similar[:REPORT_PAIRS]
        ],
        "more": max(0, len(similar) - REPORT_PAIRS),
    }
