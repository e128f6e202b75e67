"""One term per concept in learner-facing Japanese text (``tests/glossary.toml``)."""

from __future__ import annotations

import ast
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
GLOSSARY = tomllib.loads((Path(__file__).with_name("glossary.toml")).read_text(encoding="utf-8"))
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
TEXT_SUFFIXES = {".md", ".html", ".css", ".js", ".txt", ".sh", ".py"}


@dataclass(frozen=True)
class Line:
    """One piece of learner-facing Japanese text and where it is."""

    file: str
    number: int
    text: str


def _python_strings(path: Path) -> list[Line]:
    """The string constants of a module that hold Japanese, with their first line."""
    lines = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and JAPANESE.search(node.value):
            name = path.relative_to(ROOT).as_posix()
            lines.extend(Line(name, node.lineno + i, part) for i, part in enumerate(node.value.splitlines()))
    return lines


def _file_lines(path: Path) -> list[Line]:
    name = path.relative_to(ROOT).as_posix()
    text = path.read_text(encoding="utf-8")
    return [Line(name, i, line) for i, line in enumerate(text.splitlines(), 1) if JAPANESE.search(line)]


def learner_text() -> list[Line]:
    """Every line of learner-facing Japanese text in the repository."""
    lines: list[Line] = []
    for path in sorted((ROOT / "grader").rglob("*.py")):
        lines.extend(_python_strings(path))
    files = [*(ROOT / "hints" / "ja").glob("*.md"), *(ROOT / "quizzes" / "ja").glob("*.md"), ROOT / "README.md"]
    # the stubs a workspace starts from and the worked solutions shown after a pass: comments too
    files += [*(ROOT / "exercises").glob("*.py"), *(ROOT / "solutions").glob("*.py")]
    files += [p for p in (ROOT / "grader" / "templates").iterdir() if p.suffix in TEXT_SUFFIXES and p.suffix != ".py"]
    for path in sorted(files):
        lines.extend(_file_lines(path))
    return lines


def _allowed(line: Line, pattern: re.Pattern[str], used: set[int]) -> bool:
    for index, entry in enumerate(GLOSSARY["allow"]):
        if entry["file"] == line.file and entry["text"] in line.text and pattern.search(entry["text"]):
            used.add(index)
            return True
    return False


def find_mixed_terms(lines: list[Line]) -> tuple[list[str], set[int]]:
    """``file:line`` messages for each forbidden variant, and the allow entries used."""
    found, used = [], set()
    for term in GLOSSARY["term"]:
        for variant in term["forbidden"]:
            pattern = re.compile(variant)
            for line in lines:
                if pattern.search(line.text) and not _allowed(line, pattern, used):
                    where = f"{line.file}:{line.number}"
                    found.append(f"{where}: {variant!r} for {term['en']}; use {term['ja']}: {line.text.strip()[:80]}")
    return found, used


def test_glossary_is_well_formed() -> None:
    japanese_terms = [term["ja"] for term in GLOSSARY["term"]]
    assert len(set(japanese_terms)) == len(japanese_terms)
    for term in GLOSSARY["term"]:
        assert set(term) == {"en", "ja", "forbidden"}, term
        assert all(term.values()), term
        for variant in term["forbidden"]:
            assert not re.search(variant, term["ja"]), f"{term['ja']} matches its own forbidden {variant!r}"
    for entry in GLOSSARY["allow"]:
        assert (ROOT / entry["file"]).is_file(), entry
        assert entry["reason"].strip(), entry


def test_scan_covers_every_kind_of_learner_text() -> None:
    files = {line.file for line in learner_text()}
    assert "grader/grading/engine.py" in files
    assert "README.md" in files
    assert any(name.startswith("hints/ja/") for name in files)
    assert any(name.startswith("quizzes/ja/") for name in files)
    assert any(name.startswith("grader/templates/") for name in files)
    assert any(name.startswith("exercises/") for name in files)
    assert any(name.startswith("solutions/") for name in files)


def test_a_mixed_term_is_named_with_file_and_line() -> None:
    lines = [Line("hints/ja/01-x.md", 7, "演習 1 の sigmoid を使います"), Line("hints/ja/01-x.md", 8, "課題 1")]
    found, _ = find_mixed_terms(lines)
    assert len(found) == 1
    assert found[0].startswith("hints/ja/01-x.md:7: '演習' for exercise; use 課題")


def test_an_allowed_use_is_not_flagged() -> None:
    lines = [Line("quizzes/ja/19-compression-deployment.md", 3, "小さな生徒モデル"), Line("README.md", 4, "生徒")]
    found, used = find_mixed_terms(lines)
    assert [message.split(":")[0] for message in found] == ["README.md"]
    assert used


def test_one_term_per_concept_in_learner_text() -> None:
    found, used = find_mixed_terms(learner_text())
    assert not found, "mixed terms (see tests/glossary.toml):\n" + "\n".join(found)
    stale = [entry for index, entry in enumerate(GLOSSARY["allow"]) if index not in used]
    assert not stale, f"allow entries that match nothing any more: {stale}"


@pytest.mark.parametrize("term", [term["ja"] for term in GLOSSARY["term"]])
def test_a_chosen_term_is_not_forbidden_by_another(term: str) -> None:
    for other in GLOSSARY["term"]:
        for variant in other["forbidden"]:
            assert not re.fullmatch(variant, term), f"{term} is forbidden by {other['en']}"
