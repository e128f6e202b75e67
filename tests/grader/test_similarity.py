"""grade similarity: normalising, winnowing, the class of 40 with 22 copies, hostile files, the report section."""

from __future__ import annotations

import json
import random
import time

import pytest
from click.testing import CliRunner
from similarity_class import COPIERS, INDEPENDENT, copied, fill, own, write_class

from grader.classroom import similarity
from grader.classroom.gradebook import Gradebook, SimilarPair
from grader.classroom.report import build_report, render_html
from grader.classroom.similarity import (
    Document,
    Token,
    clusters_of,
    compare,
    fingerprint,
    normalise,
    read_class,
    render_page,
    report_section,
    run_similarity,
    winnow,
)
from grader.cli import main


def texts(source: str, kept: frozenset[str] = frozenset({"relu", "x", "np"})) -> list[str]:
    tokens, problem = normalise(source, kept)
    assert problem is None
    return [token.text for token in tokens]


# --- normalising ---------------------------------------------------------------------------------


def test_names_comments_and_formatting_do_not_change_the_tokens():
    written = (
        "def relu(x: np.ndarray) -> np.ndarray:\n"
        '    """Docstring."""\n'
        "    result = x.copy()  # copy first\n"
        "    mask = result <= 0\n"
        "    result[mask] = 0\n"
        "    return result\n"
    )
    black = (
        "def relu(\n    x,\n):\n    out = x.copy()\n    neg = out <= 0\n"
        "    out[\n        neg,\n    ] = 0\n    # give it back\n    return out\n"
    )
    compact = "def relu(x):\n    r=x.copy();m=r<=0;r[m]=0;return r\n"
    assert texts(written) == texts(black) == texts(compact)
    assert texts(written)[:6] == ["def", "relu", "(", "x", ")", ":"]  # the annotations went, the stub's names stay


def test_what_normalising_keeps():
    # attributes, builtins and the stub's names stay; strings are S; numbers by value
    assert texts("y = np.exp(len(x)) + 1e-07 + 'a'") == ["V", "=", "np", ".", "exp", "(", "len", "(", "x", ")", ")"] + [
        "+",
        "1e-07",
        "+",
        "S",
    ]
    assert texts("y = 0.0000001") == texts("z = 1e-7")
    assert texts("y = x") != texts("y = -x")


def test_a_docstring_is_dropped_but_a_string_argument_is_not():
    assert texts('"""only a docstring"""\n') == []
    assert texts('print("a")\n') == ["print", "(", "S", ")"]


# --- winnowing -----------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_winnowing_keeps_the_minimum_of_every_window(seed):
    rng = random.Random(seed)
    hashes = [rng.randrange(50) for _ in range(300)]
    selected = winnow(hashes, 4)
    for start in range(len(hashes) - 3):
        window = hashes[start : start + 4]
        # the definition: the window's smallest hash is a fingerprint (its rightmost copy where it was chosen)
        assert min(window) in selected
    assert len(selected) < len(set(hashes))  # and not every hash: winnowing thins them out
    assert all(hashes[position] == value for value, position in selected.items())


def test_winnowing_by_hand():
    # windows of 3 over 7 5 9 5 3 8: minimum 5 at 1, 5 at 3 (the rightmost of two), 3 at 4, 3 at 4;
    # a hash keeps the first position it was chosen at
    assert winnow([7, 5, 9, 5, 3, 8], 3) == {5: 1, 3: 4}


# --- the class of 40 -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def class_of_40(tmp_path_factory):
    root = tmp_path_factory.mktemp("similarity")
    folder = write_class(root)
    database = root / "gradebook.sqlite"
    with Gradebook(database) as gradebook:
        for name in (*COPIERS, *INDEPENDENT):
            gradebook.replace_problems(name, [])  # the learners grade batch would have recorded
        result = run_similarity(folder, gradebook=gradebook)
    return folder, database, result


def test_the_copies_are_varied():
    # the 22 files are not all byte-identical: renamed, recommented, black and compact
    variants = {copied(1, variant) for variant in range(22)}
    assert len(variants) >= 15
    assert any("neg = " in source for source in variants)  # a rename
    assert any("自分で考えた" in source for source in variants)  # comments rewritten
    assert any(";" in source for source in variants)  # compact
    assert any("        negative / (1 + negative),\n    )" in source for source in variants)  # black's exploded call


def test_the_22_copies_are_one_cluster_per_exercise(class_of_40):
    _, _, result = class_of_40
    for exercise in (1, 2):
        clusters = [cluster for cluster in result.clusters if cluster.exercise == exercise]
        assert [cluster.learners for cluster in clusters] == [COPIERS]
        assert clusters[0].lowest >= similarity.THRESHOLD


def test_no_independent_pair_is_flagged(class_of_40):
    _, _, result = class_of_40
    flagged = {name for pair in result.pairs for name in (pair.learner_a, pair.learner_b)}
    assert flagged == set(COPIERS)


def test_independent_files_are_compared_and_stay_below_the_threshold(class_of_40):
    # with no threshold to speak of, the independent files do share code (the same function, the
    # book's lines), so the test would notice a comparison that never looked at them
    folder, _, _ = class_of_40
    documents, _ = read_class(folder, {1, 2})
    everything = compare(documents, threshold=0.01)
    independent = [pair for pair in everything.pairs if pair.learner_a in INDEPENDENT and pair.learner_b in INDEPENDENT]
    assert independent
    assert max(pair.similarity for pair in independent) < similarity.THRESHOLD


def test_the_untouched_stub_is_not_a_match(class_of_40):
    _, _, result = class_of_40
    # 29 learners hand in the ex03 stub and 3 the ex02 stub: nothing of their own to compare
    assert not [pair for pair in result.pairs if pair.exercise == 3]
    assert result.compared[3] == 0
    assert result.compared[2] == 40 - 3
    stub_only = {INDEPENDENT[0], INDEPENDENT[1], INDEPENDENT[2]}
    assert not [pair for pair in result.pairs if {pair.learner_a, pair.learner_b} & stub_only and pair.exercise == 2]


def test_a_copy_with_one_function_rewritten_is_still_found():
    from similarity_class import EX02, OWN, SHARED

    bodies = {name: SHARED[name] for name in EX02}
    edited = fingerprint("b", 2, "ex02.py", fill(2, {**bodies, "mean_squared_error": OWN["mean_squared_error"][3]}))
    original = fingerprint("a", 2, "ex02.py", fill(2, bodies))
    stranger = fingerprint("c", 2, "ex02.py", own(2, 7))
    result = compare([original, edited, stranger])
    assert [(pair.learner_a, pair.learner_b) for pair in result.pairs] == [("a", "b")]
    assert similarity.THRESHOLD <= result.pairs[0].similarity < 1
    # the shared lines: softmax's body in both files, on the same lines (the stub is the same above it)
    first_a, last_a, first_b, last_b = result.pairs[0].shared[0]
    assert (first_a, last_a) == (first_b, last_b)
    assert "biggest" in "".join(original.lines[first_a - 1 : last_a])


def test_a_half_done_stub_compares_only_the_learners_code():
    done = fingerprint("a", 2, "ex02.py", fill(2, {"softmax": "return np.exp(x) / np.sum(np.exp(x))"}))
    stub = fingerprint("b", 2, "ex02.py", fill(2, {}))
    assert stub.fingerprints == {}
    assert done.fingerprints  # the body is there, the three untouched functions are not
    assert len(done.fingerprints) < 6


def test_pairs_go_into_the_gradebook_and_the_report(class_of_40):
    _, database, result = class_of_40
    with Gradebook(database) as gradebook:
        record = gradebook.load()
    assert len(record.similar) == len(result.pairs)
    assert {(pair.exercise, pair.learner_a, pair.learner_b) for pair in record.similar} == {
        (pair.exercise, pair.learner_a, pair.learner_b) for pair in result.pairs
    }
    assert all(isinstance(block, list) and len(block) == 4 for pair in record.similar for block in pair.shared)
    assert [cluster.learners for cluster in clusters_of(record.similar)] == [COPIERS, COPIERS]
    section = report_section(record.similar, record.settings.get("similarity"), "ja")
    assert section["run"]
    assert "しきい値 80%" in section["checked"]
    page = render_html(build_report(record, generated="2025-04-01T09:00:00+09:00"), "en")
    assert '<section id="similarity">' in page
    assert page.count("copier-00") >= 2  # the cluster row and the pairs


def test_the_report_has_no_similarity_section_before_a_run(tmp_path):
    with Gradebook(tmp_path / "g.sqlite") as gradebook:
        gradebook.replace_problems("a", [])
        record = gradebook.load()
    assert 'id="similarity"' not in render_html(build_report(record, generated="x"), "en")


def test_a_run_replaces_the_pairs_and_never_adds_learners(tmp_path):
    with Gradebook(tmp_path / "g.sqlite") as gradebook:
        gradebook.replace_problems("a", [])
        gradebook.replace_problems("b", [])
        assert gradebook.replace_similar_pairs([(1, "a", "b", 1.0, [[1, 2, 3, 4]])], exercises=None, settings="{}") == 1
        stored = gradebook.replace_similar_pairs(
            [(2, "a", "b", 0.9, []), (2, "a", "stranger", 1.0, [])], exercises=None, settings="{}"
        )
        assert stored == 1
        record = gradebook.load()
    assert [(pair.exercise, pair.similarity) for pair in record.similar] == [(2, 0.9)]
    assert "stranger" not in record.learners


def test_the_command_prints_clusters_and_writes_the_page(class_of_40, tmp_path):
    folder, database, _ = class_of_40
    run = CliRunner().invoke(
        main,
        ["similarity", str(folder), "--db", str(database), "--html", str(tmp_path), "--exercises", "1", "--lang", "ja"],
    )
    assert run.exit_code == 0, run.output
    assert "課題 1: 受講者 22 人" in run.output
    assert "課題 2" not in run.output
    page = (tmp_path / "similarity.html").read_text(encoding="utf-8")
    assert page.count('<div class="side">') >= 21  # one side-by-side block at least per pair
    assert "http" not in page.replace("http-equiv", "")  # self-contained
    assert "positive = np.exp(-np.maximum(x, 0))" in page  # the shared lines themselves


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["similarity", "no-such-folder"], "no such class directory"),
        (["similarity", ".", "--db", "missing.sqlite"], "no gradebook at"),
        (["similarity", ".", "--threshold", "0"], "--threshold"),
        (["similarity", ".", "--exercises", "x"], "not a number or range"),
    ],
)
def test_usage_errors(arguments, message, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    run = CliRunner().invoke(main, arguments)
    assert run.exit_code == 2
    assert message in run.output


# --- hostile input -------------------------------------------------------------------------------


def test_one_token_repeated_for_a_mebibyte(tmp_path):
    source = "x\n" * (512 * 1024 - 1)
    started = time.perf_counter()
    document = fingerprint("a", 1, "ex01.py", source)
    assert time.perf_counter() - started < 5
    assert len(document.tokens) == similarity.MAX_TOKENS
    assert "longer than" in (document.problem or "")
    assert len(document.fingerprints) == 1  # every run of K tokens is the same run


@pytest.mark.parametrize(
    ("data", "said"),
    [
        (b"def relu(x):\n    return np.maximum(0, x)\n    y = = = 1\n" + b"z = x + 1\n" * 20, None),
        (b"def relu(x):\n    s = '''never closed\n" + b"y = 1\n" * 20, "not valid Python"),
        (b"def relu(x):\n    return np.maximum(0,\x00 x) + 1 + 2 + 3 + 4 + 5 + 6\n", None),
        (b"\xef\xbb\xbf# -*- coding: latin-1 -*-\nx = 1\n", None),
        (b"def f(:\n\tif x:\n  return 1\n", "not valid Python"),
    ],
    ids=["syntax-error", "unclosed-string", "nul-byte", "bom-and-other-coding", "bad-indent"],
)
def test_files_that_do_not_tokenize(tmp_path, data, said):
    learner = tmp_path / "class" / "a"
    learner.mkdir(parents=True)
    (learner / "ex01_activations.py").write_bytes(data)
    documents, problems = read_class(tmp_path / "class")
    assert len(documents) == 1
    assert documents[0].tokens or said  # what came before the error is still compared
    if said:
        assert any(said in problem for problem in problems)


def test_a_file_that_is_no_text_is_a_problem_as_in_grade_batch(tmp_path):
    learner = tmp_path / "class" / "a"
    learner.mkdir(parents=True)
    # neither UTF-8 nor Shift_JIS (0xFF is in no Shift_JIS file): grade batch does not grade it either
    (learner / "ex01_activations.py").write_bytes(b"def relu(x):\n    return '\xff\xfe' + np.maximum(0, x)\n")
    documents, problems = read_class(tmp_path / "class")
    assert documents == []
    assert any("ex01_activations.py" in problem and "UTF-8" in problem for problem in problems)


def test_a_symlink_is_not_followed(tmp_path):
    secret = tmp_path / "secret.py"
    secret.write_text("x = 1\n" * 50)
    learner = tmp_path / "class" / "a"
    learner.mkdir(parents=True)
    (learner / "ex01_activations.py").symlink_to(secret)
    documents, problems = read_class(tmp_path / "class")
    assert documents == []
    assert any("symbolic link" in problem for problem in problems)


def test_names_and_lines_are_escaped_in_the_page(tmp_path):
    folder = tmp_path / "class"
    body = copied(1, 0) + "\n# \u202etxt.exe\x1b[2J <script>alert(1)</script>\n"
    names = ["<script>alert(1)</script>", "a\x1b[31mred", "b\u202eevil"]
    for name in names:
        (folder / name).mkdir(parents=True)
        (folder / name / "ex01_activations.py").write_text(body, encoding="utf-8")
    result = run_similarity(folder)
    assert [len(cluster.learners) for cluster in result.clusters] == [3]
    for lang in ("en", "ja"):
        page = render_page(result, lang)
        assert "<script>" not in page
        assert "&lt;script&gt;" in page
        assert "\x1b" not in page
        assert "\u202e" not in page
        assert "\\x1b[31mred" in page
    lines = similarity.terminal_lines(result, "en")
    assert not any("\x1b" in line or "\u202e" in line for line in lines)


def test_problems_are_escaped_for_the_terminal(tmp_path):
    learner = tmp_path / "class" / "a"
    learner.mkdir(parents=True)
    (learner / "\x1b[2J\u202eevil.py").write_text("x = 1\n")
    result = run_similarity(tmp_path / "class")
    assert result.problems  # not an exercise file: noted, as grade batch notes it
    lines = similarity.terminal_lines(result, "en")
    assert any("\\x1b[2J" in line for line in lines)
    assert not any("\x1b" in line or "\u202e" in line for line in lines)


def test_pairs_of_learners_the_gradebook_does_not_know_are_not_stored(tmp_path):
    folder = tmp_path / "class"
    for name in ("a", "b"):
        (folder / name).mkdir(parents=True)
        (folder / name / "ex01_activations.py").write_text(copied(1, 0), encoding="utf-8")
    with Gradebook(tmp_path / "g.sqlite") as gradebook:
        result = run_similarity(folder, gradebook=gradebook)
    assert len(result.pairs) == 1
    assert result.stored == 0
    assert any("run grade batch first" in line for line in similarity.terminal_lines(result, "en"))


def test_the_report_section_takes_hostile_settings():
    odd = SimilarPair(1, "a", "b", 1.0, [{"0": 1, "1": 2, "2": 3, "3": 4}, [1, 2, 3], "abcd", [1, 2, 3, 4]])
    assert report_section([odd], None, "en")["pairs"][0]["ranges"] == "1-2 / 3-4"
    pair = SimilarPair(1, "a", "b", 1.0, "not a list")
    for stored in (None, "[]", "{", '{"threshold": "x", "computed_at": "<b>\\u001b"}', "[" * 10000):
        section = report_section([pair], stored, "en")
        assert section["run"]
        assert [cluster.learners for cluster in section["clusters"]] == [("a", "b")]
    assert "\x1b" not in report_section([], '{"computed_at": "\\u001b"}', "en")["checked"]


# --- scale ---------------------------------------------------------------------------------------


def test_five_thousand_learners_without_comparing_every_pair():
    # 5,000 files of one exercise: a passage everyone shares (common: never counted), 40 fingerprints of
    # their own each, and one pair that copied. All pairs would be 12.5 million comparisons.
    rng = random.Random(5)
    tokens = [Token("t", 1, 1)] * similarity.K
    common = {rng.getrandbits(60): 0 for _ in range(20)}
    documents = []
    for index in range(5000):
        fingerprints = dict(common)
        fingerprints.update({rng.getrandbits(60): 0 for _ in range(40)})
        documents.append(Document(f"learner-{index:04d}", 1, "ex01.py", ["x"], tokens, fingerprints))
    # a copy with two lines of its own: found through the index, not as the same version
    documents[4321].fingerprints = {**documents[17].fingerprints, 1: 0, 2: 0}
    started = time.perf_counter()
    result = compare(documents)
    assert time.perf_counter() - started < 10
    assert [(pair.learner_a, pair.learner_b) for pair in result.pairs] == [("learner-0017", "learner-4321")]


def test_independent_files_from_the_generator_are_correct_code():
    # the corpus's own files parse (a file that did not would be compared on its first tokens only)
    for index in range(18):
        for exercise in (1, 2):
            compile(own(exercise, index), "own.py", "exec")
    for variant in range(22):
        for exercise in (1, 2):
            compile(copied(exercise, variant), "copied.py", "exec")


def test_stored_shared_ranges_are_json(class_of_40):
    _, database, _ = class_of_40
    with Gradebook(database) as gradebook:
        rows = gradebook._query("SELECT shared FROM similar_pairs")
    assert rows
    assert all(isinstance(json.loads(shared), list) for (shared,) in rows)


def test_a_zip_upload_and_a_notebook_are_compared_as_grade_batch_reads_them(tmp_path):
    import zipfile

    source = own(1, 0)  # one learner's own implementation, handed in three ways
    folder = tmp_path / "class"
    (folder / "plain").mkdir(parents=True)
    (folder / "plain" / "ex01_activations.py").write_text(source, encoding="utf-8")
    (folder / "zipped").mkdir()
    with zipfile.ZipFile(folder / "zipped" / "upload.zip", "w") as upload:
        upload.writestr("ex01_activations.py", source)
    (folder / "notebook").mkdir()
    cell = {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None, "source": source}
    notebook = {"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    (folder / "notebook" / "ex01_activations.ipynb").write_text(json.dumps(notebook), encoding="utf-8")
    documents, problems = read_class(folder)
    assert sorted(document.learner for document in documents) == ["notebook", "plain", "zipped"]
    result = compare(documents)
    assert [(cluster.exercise, sorted(cluster.learners), cluster.lowest) for cluster in result.clusters] == [
        (1, ["notebook", "plain", "zipped"], 1.0)
    ]
