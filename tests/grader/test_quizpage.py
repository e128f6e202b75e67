"""Quiz pages: golden files, self-containment, MathML, form structure, option order, the site.

Golden files live in tests/grader/golden/. After an intended change to the
page, regenerate them and review the diff:

    GRADE_REGENERATE_GOLDEN=1 python -m pytest tests/grader/test_quizpage.py
"""

from __future__ import annotations

import dataclasses
import difflib
import hashlib
import json
import os
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest

from grader.errors import MathError
from grader.quiz.bank import AREAS, Quiz, load_bank, load_quiz, option_order
from grader.quiz.mathml import find_math
from grader.quiz.page import FONT_FILE, render_index, render_quiz_page, write_site

HERE = Path(__file__).resolve().parent
GOLDEN = HERE / "golden"
SAMPLES = GOLDEN / "quizzes"
REGENERATE = os.environ.get("GRADE_REGENERATE_GOLDEN") == "1"
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
FONT_DATA = re.compile(r"url\(data:font/woff2;base64,[A-Za-z0-9+/=]+\)")


@pytest.fixture(scope="module")
def bank() -> dict[tuple[int, str], Quiz]:
    quizzes, errors = load_bank()
    assert not errors, "\n".join(str(error) for error in errors)
    return quizzes


def sample(lang: str = "en", name: str = "01-sample") -> Quiz:
    return load_quiz(SAMPLES / lang / f"{name}.md")


class Page(HTMLParser):
    """The parts of a page the tests look at; also checks that every element is closed in order."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.elements: list[tuple[str, dict[str, str | None], list[str]]] = []
        self.visible_text: list[str] = []
        self.scripts: list[str] = []
        self.feed(text)
        self.close()
        if self.stack:
            self.errors.append(f"never closed: {self.stack}")

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs), list(self.stack)))
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.elements.append((tag, dict(attrs), list(self.stack)))

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
            if tag in self.stack:
                del self.stack[self.stack.index(tag) :]
            return
        self.stack.pop()

    def handle_data(self, data):
        if self.stack and self.stack[-1] == "script":
            self.scripts.append(data)
        elif not (self.stack and self.stack[-1] == "style"):
            self.visible_text.append(data)

    def find(self, tag: str, **attrs: str) -> list[dict[str, str | None]]:
        return [
            found
            for name, found, _ in self.elements
            if name == tag and all(found.get(key) == value for key, value in attrs.items())
        ]

    def text(self) -> str:
        return "".join(self.visible_text)


def quiz_texts(quiz: Quiz) -> list[str]:
    texts = [quiz.title]
    for question in quiz.questions:
        texts += [question.title, question.body, question.explanation]
        texts += [option.text for option in question.options]
    return texts


def quiz_data(page: Page) -> dict:
    (data,) = [json.loads(script) for script in page.scripts if script.lstrip().startswith("{")]
    return data


def normalise(html: str) -> str:
    """The page with the embedded font replaced by its hash, so golden files stay small and readable."""
    digest = hashlib.sha256(FONT_FILE.read_bytes()).hexdigest()
    return FONT_DATA.sub(f"url(data:font/woff2;base64,FONT-SHA256-{digest})", html)


def compare_golden(name: str, html: str) -> None:
    path = GOLDEN / name
    actual = normalise(html)
    if REGENERATE:
        path.write_text(actual, encoding="utf-8")
        pytest.skip(f"regenerated {path.relative_to(HERE.parents[1])}; review the diff and commit it")
    if not path.exists():
        pytest.fail(f"no golden file {path.name}; create it with GRADE_REGENERATE_GOLDEN=1 python -m pytest {__file__}")
    expected = path.read_text(encoding="utf-8")
    if actual != expected:
        diff = "".join(
            difflib.unified_diff(
                expected.splitlines(keepends=True), actual.splitlines(keepends=True), "golden/" + name, "rendered", n=2
            )
        )
        pytest.fail(
            f"{name} differs from the rendered page (first lines of the diff below). If the change is intended, "
            f"regenerate: GRADE_REGENERATE_GOLDEN=1 python -m pytest tests/grader/test_quizpage.py\n{diff[:6000]}"
        )


# --- golden files -------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_sample_page_matches_golden_file(lang):
    compare_golden(f"sample-{lang}.html", render_quiz_page(sample(lang), seed=3))


def test_fixed_order_page_matches_golden_file():
    compare_golden("fixed-order-en.html", render_quiz_page(sample("en", "02-fixed-order"), seed=3))


def test_index_matches_golden_file():
    compare_golden("index.html", render_index([sample("en"), sample("ja"), sample("en", "02-fixed-order")]))


# --- every quiz of the bank ---------------------------------------------------------


def bank_keys() -> list[tuple[int, str]]:
    quizzes, _ = load_bank()
    return sorted(quizzes)


@pytest.mark.parametrize("key", bank_keys(), ids=lambda key: f"{key[0]:02d}-{key[1]}")
def test_every_quiz_renders_as_a_well_formed_self_contained_page(bank, key):
    quiz = bank[key]
    html = render_quiz_page(quiz, seed=11)
    page = Page(html)
    assert page.errors == []
    (root,) = page.find("html")
    assert root["lang"] == quiz.lang
    # self-contained: nothing is fetched (the MathML namespace is a name, not a request)
    assert not page.find("link")
    assert all("src" not in attributes for _, attributes, _ in page.elements)
    assert not re.search(r"url\((?!data:)|@import|https?://(?!www\.w3\.org/1998/Math/MathML)", html)
    assert "data:font/woff2;base64," in html
    # every formula is MathML; no TeX command or math delimiter reaches the reader
    formulas = sum(len(find_math(text)) for text in quiz_texts(quiz))
    assert len(page.find("math")) == formulas > 0
    text = page.text()
    assert not re.search(r"\\[A-Za-z]", text), re.search(r".{30}\\[A-Za-z].{30}", text)
    assert "qzmath" not in html


@pytest.mark.parametrize("key", bank_keys(), ids=lambda key: f"{key[0]:02d}-{key[1]}")
def test_every_question_is_a_fieldset_with_a_legend_and_native_controls(bank, key):
    quiz = bank[key]
    page = Page(render_quiz_page(quiz, seed=11))
    data = quiz_data(page)
    assert len(page.find("fieldset")) == len(quiz.questions) == len(data["questions"])
    assert len(page.find("legend")) == len(quiz.questions)
    for question, entry in zip(quiz.questions, data["questions"], strict=True):
        name = f"q-{question.id}"
        inputs = page.find("input", name=name)
        for _, attributes, ancestors in page.elements:
            if attributes.get("name") == name:
                assert "fieldset" in ancestors
        if question.kind == "numeric":
            (field,) = inputs
            assert field["type"] == "number"
            assert field["step"] == "any"
            assert page.find("label", **{"for": field["id"]})
            assert entry["answer"] == question.answer
            assert entry["tolerance"] == question.tolerance
        else:
            kind = "radio" if question.kind == "single" else "checkbox"
            assert [field["type"] for field in inputs] == [kind] * len(question.options)
            assert entry["correct"] == sorted(question.correct_indices)
            # each control sits inside its label
            for _, attributes, ancestors in page.elements:
                if attributes.get("name") == name:
                    assert ancestors[-1] == "label"


def test_results_region_is_a_polite_live_region_present_before_checking(bank):
    page = Page(render_quiz_page(bank[(1, "en")], seed=1))
    (region,) = page.find("div", id="result")
    assert region["role"] == "status"
    assert region["aria-live"] == "polite"


def test_japanese_page_declares_lang_ja_and_japanese_interface(bank):
    html = render_quiz_page(bank[(3, "ja")], seed=1)
    assert '<html lang="ja">' in html
    assert "答え合わせ" in html
    assert "Check answers" not in html


# --- option order -------------------------------------------------------------------


def shown_order(html: str) -> dict[str, list[int]]:
    order: dict[str, list[int]] = {}
    for match in re.finditer(r'<li class="option" data-index="(\d+)"><label><input type="\w+" name="q-([\w-]+)"', html):
        order.setdefault(match.group(2), []).append(int(match.group(1)))
    return order


def test_build_order_is_option_order_under_the_seed(bank):
    quiz = bank[(4, "en")]
    order = shown_order(render_quiz_page(quiz, seed=5))
    for question in quiz.questions:
        if question.options:
            assert order[question.id] == option_order(question, 5, quiz.shuffle)


def test_same_seed_same_page_and_other_seed_other_order(bank):
    quiz = bank[(2, "en")]
    assert render_quiz_page(quiz, seed=9) == render_quiz_page(quiz, seed=9)
    assert shown_order(render_quiz_page(quiz, seed=9)) != shown_order(render_quiz_page(quiz, seed=10))


def test_letters_follow_the_shown_order(bank):
    html = render_quiz_page(bank[(1, "en")], seed=2)
    for options in re.findall(r'<ul class="options">(.*?)</ul>', html, re.S):
        letters = re.findall(r'<span class="option-letter">(\w)</span>', options)
        assert letters == list("abcdefgh"[: len(letters)])


def test_shuffle_false_keeps_source_order_and_tells_the_script():
    quiz = sample("en", "02-fixed-order")
    html = render_quiz_page(quiz, seed=123)
    assert shown_order(html) == {"optimizer-order": [0, 1, 2, 3]}
    assert quiz_data(Page(html))["shuffle"] is False


def test_seed_reaches_the_script_for_later_attempts(bank):
    assert quiz_data(Page(render_quiz_page(bank[(1, "en")], seed=42)))["seed"] == 42
    assert quiz_data(Page(render_quiz_page(bank[(1, "en")])))["seed"] is None


# --- Markdown and math --------------------------------------------------------------


def test_markdown_code_and_escaped_dollars():
    html = render_quiz_page(sample("en"), seed=1)
    assert "<code>cost = &quot;$x&quot;</code>" in html or '<code>cost = "$x"</code>' in html
    assert "The price is &#36;5" in html
    assert "<strong>rows</strong>" in html
    assert "<em>last</em>" in html
    assert re.search(r"<li>a list item with <math", html)


def test_japanese_line_breaks_add_no_space():
    html = render_quiz_page(sample("ja"), seed=1)
    assert "畳み込みます。出力の幅" in html


def test_display_math_is_a_block():
    html = render_quiz_page(sample("en"), seed=1)
    assert re.search(r'<div class="math-display"><math[^>]*display="block"', html)


def test_unknown_command_fails_the_build_instead_of_printing_a_backslash():
    quiz = sample("en")
    broken = dataclasses.replace(quiz.questions[0], body=r"What is $\frac{1}{\sigmoid(x)}$?")
    quiz = dataclasses.replace(quiz, questions=(broken, *quiz.questions[1:]))
    with pytest.raises(MathError, match=r"sigmoid"):
        render_quiz_page(quiz)


# --- the site -----------------------------------------------------------------------


def test_site_has_an_index_and_a_page_per_quiz_and_language(bank, tmp_path):
    written = write_site(tmp_path, list(bank.values()), seed=1)
    assert written[0] == tmp_path / "index.html"
    assert len(written) == 1 + len(bank)
    index = Page(written[0].read_text(encoding="utf-8"))
    assert index.errors == []
    links = [link["href"] for link in index.find("a")]
    assert sorted(links) == sorted(f"{lang}/{quiz.slug}.html" for (_, lang), quiz in bank.items())
    for (number, lang), quiz in bank.items():
        path = tmp_path / lang / f"{quiz.slug}.html"
        page = Page(path.read_text(encoding="utf-8"))
        assert page.find("html")[0]["lang"] == lang
        for link in page.find("a"):
            assert (path.parent / link["href"]).resolve().exists(), link["href"]
        other = "ja" if lang == "en" else "en"
        assert page.find("a", hreflang=other), f"quiz {number} {lang} has no link to its {other} version"
    index_html = written[0].read_text(encoding="utf-8")
    assert bank[(1, "en")].title in index_html
    assert bank[(1, "ja")].title in index_html


def test_site_from_the_bank_leaves_out_a_broken_quiz_and_renders_the_rest(tmp_path, monkeypatch):
    root = tmp_path / "quizzes"
    for lang in ("en", "ja"):
        (root / lang).mkdir(parents=True)
        shutil.copy(SAMPLES / lang / "01-sample.md", root / lang / "01-sample.md")
        shutil.copy(SAMPLES / lang / "01-sample.md", root / lang / "02-broken.md")
    broken = root / "ja" / "02-broken.md"
    broken.write_text(broken.read_text(encoding="utf-8").replace(r"\frac{\partial z}", r"\fracc{\partial z}"), "utf-8")
    monkeypatch.setenv("GRADE_QUIZ_ROOT", str(root))
    written = write_site(tmp_path / "site")
    assert sorted(path.relative_to(tmp_path / "site").as_posix() for path in written) == [
        "en/01-sample.html",
        "index.html",
        "ja/01-sample.html",
    ]
    assert "02-broken" not in written[0].read_text(encoding="utf-8")


# --- what a quiz file may not do to a page ----------------------------------------------------------

HOSTILE = {
    "script": "<script>alert(1)</script>",
    "onerror": "<img src=x onerror=alert(1)>",
    "svg": "<svg onload=alert(1)>",
    "iframe": '<iframe src="https://example.com"></iframe>',
    "html link": '<a href="javascript:alert(1)">click</a>',
    "comment": "<!-- hidden --><style>body{display:none}</style>",
}


def hostile_quiz(tmp_path: Path) -> Quiz:
    """A quiz whose title, question title, body, options and explanation all hold raw HTML."""
    raw = " ".join(HOSTILE.values())
    text = (
        f'+++\ntitle = "Raw {HOSTILE["script"]}"\n+++\n\n'
        f"## Tags {HOSTILE['svg']} {{#tags}}\n{raw}\n\n"
        f"- [x] {HOSTILE['onerror']}\n- [ ] {HOSTILE['iframe']}\n\n> {raw}\n"
    )
    path = tmp_path / "en" / "01-raw.md"
    path.parent.mkdir(parents=True)
    path.write_text(text, encoding="utf-8")
    return load_quiz(path)


def test_raw_html_from_a_quiz_file_is_shown_as_text_never_as_markup(tmp_path):
    html = render_quiz_page(hostile_quiz(tmp_path), seed=1)
    page = Page(html)
    assert page.errors == []
    tags = {tag for tag, _, _ in page.elements}
    assert not tags & {"img", "svg", "iframe", "a"}
    assert len(page.find("style")) == 1  # the page's own
    assert [attributes.get("type") for attributes in page.find("script")] == ["application/json", None]
    assert not [name for _, attributes, _ in page.elements for name in attributes if name.startswith("on")]
    assert "<!--" not in html
    text = page.text()
    for snippet in HOSTILE.values():
        assert snippet in text, snippet


def test_the_renderer_drops_unsafe_links_and_images_whatever_quiz_it_is_given():
    """A Quiz need not come from the loader (the report renders quiz text): rendering is safe by itself."""
    quiz = sample("en")
    body = "[a](javascript:alert(1)) [b](JAVA&#x09;SCRIPT:x) [c](https://example.com) ![d](https://e.com/x.png)"
    changed = dataclasses.replace(quiz.questions[0], body=body)
    page = Page(render_quiz_page(dataclasses.replace(quiz, questions=(changed, *quiz.questions[1:])), seed=1))
    assert [link.get("href") for link in page.find("a")] == [None, None, "https://example.com"]
    assert not page.find("img")
    assert "d" in page.text()  # an image is shown as its alt text


def csp_of(html: str) -> dict[str, list[str]]:
    (meta,) = [attributes for attributes in Page(html).find("meta") if attributes.get("http-equiv")]
    assert meta["http-equiv"] == "Content-Security-Policy"
    directives = [part.split() for part in meta["content"].split(";")]
    return {name: values for name, *values in directives}


def sha256_source(text: str) -> str:
    import base64

    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode() + "'"


def inline(html: str, tag: str) -> list[str]:
    return re.findall(rf"<{tag}>(.*?)</{tag}>", html, re.S)


@pytest.mark.parametrize("key", bank_keys(), ids=lambda key: f"{key[0]:02d}-{key[1]}")
def test_every_page_carries_a_strict_content_security_policy(bank, key):
    html = render_quiz_page(bank[key], seed=1)
    # before anything it governs: right after the charset
    assert html.index('<meta http-equiv="Content-Security-Policy"') < html.index("<style>") < html.index("<script")
    (style,) = inline(html, "style")
    (script,) = inline(html, "script")  # the data block is type="application/json" and never runs
    assert csp_of(html) == {
        "default-src": ["'none'"],
        "style-src": [sha256_source(style)],
        "script-src": [sha256_source(script)],
        "font-src": ["data:"],
        "base-uri": ["'none'"],
        "form-action": ["'none'"],
    }


def test_the_index_carries_a_strict_content_security_policy(bank):
    html = render_index(bank.values())
    (style,) = inline(html, "style")
    assert not inline(html, "script")
    assert csp_of(html) == {
        "default-src": ["'none'"],
        "style-src": [sha256_source(style)],
        "base-uri": ["'none'"],
        "form-action": ["'none'"],
    }


def test_the_index_shows_how_the_bank_covers_each_syllabus_area(bank):
    index = Page(render_index(bank.values()))
    tables = index.find("table")
    assert len(tables) == 2
    coverage = render_index(bank.values()).split('class="quiz-index area-coverage"', 1)[1]
    for key, title in AREAS.items():
        numbers = sorted({number for (number, _), quiz in bank.items() if quiz.area == key})
        assert numbers, f"no quiz covers {key}"
        count = sum(len(bank[(number, "en")].questions) for number in numbers)
        name = f'<td>{title("en")} · <span lang="ja">{title("ja")}</span></td>'
        row = f"{name}\n<td>{', '.join(map(str, numbers))}</td>\n<td>{count}</td>"
        assert row in coverage, key
