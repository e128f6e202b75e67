"""Every quiz page in a real headless Chromium, driven by the keyboard only.

Each page is answered with Tab, Space, the arrow keys and typed numbers (some
questions right, some wrong, some left out), checked with the keyboard, and
then the score, the live region, the per-question verdicts and the math are
read back from the rendered page. Every page runs under its own
Content-Security-Policy; the browser's console is listened to, and a
violation (or any other error) fails the test. Needs the system Chromium (Debian package
``chromium``) and the ``playwright`` Python package (its driver only; no
browser download). Skipped, with the reason, when either is missing.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from grader.quiz.bank import Question, Quiz, is_correct, load_bank, load_quiz
from grader.quiz.page import SCRIPT_TEXT, render_quiz_page, write_site

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SEED = 7
SAMPLES = Path(__file__).resolve().parent / "golden" / "quizzes"

try:
    from playwright.sync_api import sync_playwright
except ImportError:  # pragma: no cover - depends on the machine
    sync_playwright = None

pytestmark = [
    pytest.mark.skipif(
        sync_playwright is None,
        reason="the playwright Python package is not installed (pip install -e '.[test]' installs it)",
    ),
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason=f"no Chromium at {CHROMIUM} (apt-get install -y chromium; .ci/run installs it when it can)",
    ),
]


@pytest.fixture(scope="module")
def bank() -> dict[tuple[int, str], Quiz]:
    quizzes, errors = load_bank()
    assert not errors, "\n".join(str(error) for error in errors)
    return quizzes


@pytest.fixture(scope="module")
def site(bank, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("site")
    write_site(out, list(bank.values()), seed=SEED)
    return out


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile),
            executable_path=str(CHROMIUM),
            args=CHROMIUM_ARGS,
            headless=True,
            viewport={"width": 1000, "height": 800},
        )
        requests: list[str] = []
        context.on("request", lambda request: requests.append(request.url))
        yield context, requests
        context.close()
    outside = [url for url in requests if not url.startswith(("file:", "data:", "about:"))]
    assert not outside, f"a page asked the network for {outside[:5]}"


def listen(tab) -> tuple[list[str], list[str]]:
    """Collect the page's errors and, apart, what it says about its Content-Security-Policy."""
    errors: list[str] = []
    policy: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    tab.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    tab.on(
        "console", lambda message: policy.append(message.text) if "Content Security Policy" in message.text else None
    )
    tab.on("dialog", lambda dialog: (errors.append(f"a dialog opened: {dialog.message}"), dialog.dismiss()))
    return errors, policy


@pytest.fixture
def page(browser):
    context, _ = browser
    tab = context.new_page()
    errors, policy = listen(tab)
    yield tab
    tab.close()
    assert not policy, f"the page violated its Content-Security-Policy: {policy}"
    assert not errors, f"the page reported errors: {errors}"


def focused_question(page) -> str | None:
    return page.evaluate(
        "() => { const s = document.activeElement && document.activeElement.closest('section.question');"
        " return s ? s.id : null; }"
    )


def focused_input(page) -> bool:
    return page.evaluate("() => document.activeElement && document.activeElement.tagName === 'INPUT'")


def tab_into(page, dom_id: str) -> None:
    """Press Tab until the focus is on an answer field of the question ``dom_id``.

    A code block too wide for the page is a tab stop of its own (so a keyboard
    user can scroll it); Tab moves past it to the question's first option.
    """
    for _ in range(15):
        page.keyboard.press("Tab")
        if focused_question(page) == dom_id and focused_input(page):
            return
    raise AssertionError(f"Tab never reached {dom_id}; focus is on {focused_question(page)}")


def shown_order(page, dom_id: str) -> list[int]:
    return page.eval_on_selector_all(f"#{dom_id} li.option", "items => items.map(i => Number(i.dataset.index))")


def plan(question: Question, position: int) -> object:
    """What to answer: right, wrong or nothing, in turn, so the score is neither 0 nor full."""
    choice = position % 3
    if choice == 2:
        return None
    if question.kind == "numeric":
        # as typed: 12 significant digits, so the page and is_correct see the same number
        return float(f"{question.answer if choice == 0 else question.answer + 1 + 10 * question.tolerance:.12g}")
    right = set(question.correct_indices)
    if choice == 0:
        return right
    wrong = next(index for index in range(len(question.options)) if index not in right)
    return {wrong} if question.kind == "single" else right - {min(right)} | {wrong}


def answer_by_keyboard(page, question: Question, response: object) -> None:
    dom_id = f"q-{question.id}"
    tab_into(page, dom_id)
    if question.kind == "numeric":
        page.keyboard.type(f"{response:.12g}")
        return
    order = shown_order(page, dom_id)
    if question.kind == "single":
        (wanted,) = response
        # Tab lands on the first radio of an unanswered group; Space picks it, each arrow moves the choice down
        page.keyboard.press("Space")
        for _ in range(order.index(wanted)):
            page.keyboard.press("ArrowDown")
        return
    for position, index in enumerate(order):
        if index in response:
            page.keyboard.press("Space")
        if position < len(order) - 1:
            page.keyboard.press("Tab")


def chosen(page, question: Question) -> object:
    dom_id = f"q-{question.id}"
    if question.kind == "numeric":
        value = page.input_value(f"#{dom_id} input")
        return float(value) if value else None
    values = page.eval_on_selector_all(f"#{dom_id} input:checked", "inputs => inputs.map(i => Number(i.value))")
    return set(values) or None


def math_report(page) -> dict:
    return page.evaluate(
        """() => {
          const maths = Array.from(document.querySelectorAll('math'));
          const fractions = Array.from(document.querySelectorAll('mfrac')).filter(f => f.getClientRects().length);
          return {
            count: maths.length,
            mathml: maths.every(m => m.namespaceURI === 'http://www.w3.org/1998/Math/MathML'),
            drawn: maths.filter(m => m.getClientRects().length).every(m => m.getBoundingClientRect().width > 0),
            // MathML Core layout: a fraction's numerator sits above its denominator
            stacked: fractions.every(f => f.children[0].getBoundingClientRect().bottom
                                          <= f.children[1].getBoundingClientRect().top + 1),
            fractions: fractions.length,
            text: document.body.innerText,
          };
        }"""
    )


def _by_keyboard(key: tuple[int, str]) -> bool:
    """Each quiz is answered by keyboard in one language: English for odd numbers, Japanese for even ones.

    The keyboard walk is the slow part (a few hundred key presses a quiz) and
    the pages of the two languages share one script and one layout; the page of
    the other language still has its math checked, by
    ``test_the_other_language_draws_its_math_after_checking``.
    """
    number, lang = key
    return lang == ("en" if number % 2 else "ja")


@pytest.mark.parametrize(
    "key", [key for key in sorted(load_bank()[0]) if _by_keyboard(key)], ids=lambda key: f"{key[0]:02d}-{key[1]}"
)
def test_answer_every_quiz_by_keyboard_and_read_the_score(bank, site, page, key):
    quiz = bank[key]
    page.goto((site / quiz.lang / f"{quiz.slug}.html").as_uri())
    assert page.get_attribute("html", "lang") == quiz.lang
    assert page.inner_text("#result") == ""
    plans = [plan(question, position) for position, question in enumerate(quiz.questions)]
    for question, response in zip(quiz.questions, plans, strict=True):
        if response is not None:
            answer_by_keyboard(page, question, response)
    for question, response in zip(quiz.questions, plans, strict=True):
        assert chosen(page, question) == response, question.id

    for _ in range(60):
        if page.evaluate("() => document.activeElement.id") == "check":
            break
        page.keyboard.press("Tab")
    page.keyboard.press("Enter")

    expected = sum(
        response is not None and is_correct(question, response)
        for question, response in zip(quiz.questions, plans, strict=True)
    )
    total = len(quiz.questions)
    assert 0 < expected < total
    score = SCRIPT_TEXT["score"](quiz.lang).format(score=expected, total=total, percent=round(100 * expected / total))
    assert page.inner_text("#result .score") == score
    live = page.locator("[aria-live]")
    assert live.count() == 1
    assert live.get_attribute("role") == "status"
    assert live.get_attribute("aria-live") == "polite"
    assert score in live.inner_text()
    assert page.evaluate("() => document.activeElement.id") == "again"

    verdicts = page.eval_on_selector_all("section.question .verdict", "ps => ps.map(p => p.innerText)")
    for question, response, verdict in zip(quiz.questions, plans, verdicts, strict=True):
        right = response is not None and is_correct(question, response)
        state = "correct" if right else "wrong" if response is not None else "unanswered"
        # the verdict is words and a symbol, not only a colour
        assert verdict == SCRIPT_TEXT[state](quiz.lang), question.id
    assert page.locator(".feedback:visible").count() == total
    assert page.locator(".right-answer:visible").count() == total

    assert_math_drawn(page)


@pytest.mark.parametrize(
    "key", [key for key in sorted(load_bank()[0]) if not _by_keyboard(key)], ids=lambda key: f"{key[0]:02d}-{key[1]}"
)
def test_the_other_language_draws_its_math_after_checking(bank, site, page, key):
    """The pages not answered by keyboard: Check with nothing answered shows every explanation, all math drawn."""
    quiz = bank[key]
    page.goto((site / quiz.lang / f"{quiz.slug}.html").as_uri())
    assert page.get_attribute("html", "lang") == quiz.lang
    page.focus("#check")
    page.keyboard.press("Enter")
    assert page.locator(".feedback:visible").count() == len(quiz.questions)
    assert_math_drawn(page)


def assert_math_drawn(page) -> None:
    """Every formula is MathML that is drawn, fractions stacked, and no TeX is left as text."""
    report = math_report(page)
    assert report["mathml"]
    assert report["drawn"]
    assert report["stacked"]
    assert report["count"] == page.locator("math").count() > 0
    assert not re.search(r"\\[A-Za-z]", report["text"]), re.search(r".{0,40}\\[A-Za-z].{0,40}", report["text"])
    assert not re.search(r"\$[^$\n]+\$", report["text"]), "a formula was left as $...$ text"


def test_try_again_reshuffles_the_same_way_under_a_seed(bank, site, page):
    quiz = bank[(6, "en")]
    url = (site / "en" / f"{quiz.slug}.html").as_uri()
    ids = [f"q-{question.id}" for question in quiz.questions if question.options]
    attempts = []
    for _ in range(2):
        page.goto(url)
        first = [shown_order(page, dom_id) for dom_id in ids]
        page.focus("#check")
        page.keyboard.press("Enter")
        page.keyboard.press("Enter")  # focus moved to "Try again"
        assert page.locator("input:checked").count() == 0
        second = [shown_order(page, dom_id) for dom_id in ids]
        letters = page.eval_on_selector_all(f"#{ids[0]} .option-letter", "spans => spans.map(s => s.innerText)")
        assert letters == list("abcdefgh"[: len(letters)])
        assert "2" in page.inner_text("#result")
        attempts.append((first, second))
    assert attempts[0] == attempts[1], "the same seed gave another order on a second load"
    first, second = attempts[0]
    assert first != second, "the second attempt kept the first attempt's order"
    assert all(sorted(order) == list(range(len(order))) for order in second)


def test_without_a_seed_each_load_draws_a_new_order(bank, page, tmp_path):
    quiz = bank[(2, "ja")]
    path = tmp_path / "page.html"
    path.write_text(render_quiz_page(quiz), encoding="utf-8")
    ids = [f"q-{question.id}" for question in quiz.questions if question.options]
    orders = []
    for _ in range(2):
        page.goto(path.as_uri())
        orders.append([shown_order(page, dom_id) for dom_id in ids])
    assert orders[0] != orders[1]


def test_shuffle_false_keeps_source_order_on_every_attempt(page, tmp_path):
    quiz = load_quiz(SAMPLES / "en" / "02-fixed-order.md")
    path = tmp_path / "fixed.html"
    path.write_text(render_quiz_page(quiz), encoding="utf-8")
    page.goto(path.as_uri())
    assert shown_order(page, "q-optimizer-order") == [0, 1, 2, 3]
    page.focus("#check")
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")
    assert shown_order(page, "q-optimizer-order") == [0, 1, 2, 3]


def test_wrong_and_missed_options_are_marked_in_words(page, tmp_path):
    quiz = load_quiz(SAMPLES / "ja" / "01-sample.md")
    quiz = dataclasses.replace(quiz, questions=quiz.questions[3:])  # the multiple-answer question only
    path = tmp_path / "marks.html"
    path.write_text(render_quiz_page(quiz, seed=1), encoding="utf-8")
    page.goto(path.as_uri())
    order = shown_order(page, "q-code-and-dollars")
    page.keyboard.press("Tab")
    for index in order:
        if index in (0, 2):  # one right option, one wrong, one right option missed
            page.keyboard.press("Space")
        page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    marks = dict(zip(order, page.eval_on_selector_all(".option-mark", "m => m.map(x => x.innerText)"), strict=True))
    assert marks == {
        0: SCRIPT_TEXT["mark_right"]("ja"),
        1: SCRIPT_TEXT["mark_missed"]("ja"),
        2: SCRIPT_TEXT["mark_wrong"]("ja"),
    }
    letters = sorted("abc"[order.index(index)] for index in (0, 1))
    assert page.inner_text(".right-answer") == SCRIPT_TEXT["right_answers"]("ja").format(answer="、".join(letters))


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_the_marks_after_checking_fit_a_phone(bank, page, tmp_path, lang):
    """At 375 px each mark ("✓ right answer, not chosen") stays in its option; the page does not scroll sideways."""
    quiz = bank[(1, lang)]
    path = tmp_path / "phone.html"
    path.write_text(render_quiz_page(quiz, seed=1), encoding="utf-8")
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(path.as_uri())
    # the first two options of every choice question: a wrong choice and a missed right answer somewhere
    for box in page.query_selector_all("section.question li.option:nth-child(-n+2) input"):
        box.check()
    page.click("#check")
    marks = page.eval_on_selector_all(
        ".option-mark",
        """marks => marks.filter(m => m.textContent).map(m => {
            const mark = m.getBoundingClientRect(), label = m.closest('label').getBoundingClientRect();
            return {text: m.textContent, left: mark.left, right: mark.right, labelLeft: label.left,
                    labelRight: label.right, card: m.closest('section.question').getBoundingClientRect().right};
        })""",
    )
    kinds = {mark["text"] for mark in marks}
    assert {SCRIPT_TEXT[key](lang) for key in ("mark_wrong", "mark_missed")} <= kinds
    for mark in marks:
        assert mark["labelLeft"] <= mark["left"], mark
        assert mark["right"] <= mark["labelRight"], mark  # clipped or spilling before the fix (nowrap)
        assert mark["labelRight"] <= mark["card"], mark
    assert page.evaluate("document.documentElement.scrollWidth") == 375  # 459 to 529 px before


def test_focus_is_visible_on_an_option(bank, site, page):
    quiz = bank[(1, "en")]
    page.goto((site / "en" / f"{quiz.slug}.html").as_uri())
    question = next(question for question in quiz.questions if question.kind == "single")
    tab_into(page, f"q-{question.id}")
    outline = page.evaluate("() => getComputedStyle(document.activeElement.closest('label')).outlineStyle")
    assert outline == "solid"


def test_index_links_open_the_quiz_pages_by_keyboard(bank, site, page):
    page.goto((site / "index.html").as_uri())
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.getAttribute('href')") == f"en/{bank[(1, 'en')].slug}.html"
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    assert page.get_attribute("html", "lang") == "en"
    # the page's own navigation: back to the index, and to the other language
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    assert page.get_attribute("html", "lang") == "ja"
    assert page.title().startswith("確認テスト 1")


# --- the Content-Security-Policy at work ------------------------------------------------------------


def test_the_policy_blocks_what_the_page_did_not_bring_and_the_listener_hears_it(bank, browser, tmp_path):
    """The control for every other test here: an injected script and image are refused, and reported."""
    context, _ = browser
    html = render_quiz_page(bank[(1, "en")], seed=1).replace(
        "</main>", '<script>window.injected = 1</script><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw="></main>'
    )
    path = tmp_path / "injected.html"
    path.write_text(html, encoding="utf-8")
    tab = context.new_page()
    errors, policy = listen(tab)
    tab.goto(path.as_uri())
    tab.wait_for_load_state("load")
    injected = tab.evaluate("() => window.injected")
    works = tab.evaluate("() => document.documentElement.classList.contains('js')")  # our own script ran
    tab.close()
    assert injected is None
    assert works
    assert any("script-src" in message for message in policy), policy
    assert any("img-src" in message or "default-src" in message for message in policy), policy


def test_a_quiz_full_of_raw_html_shows_it_as_text_and_still_works(page, tmp_path):
    raw = (
        "<script>alert(1)</script><img src=x onerror=alert(2)><svg onload=alert(3)></svg>"
        '<iframe src="javascript:alert(4)"></iframe><a href="javascript:alert(5)">a</a>'
    )
    source = f"+++\ntitle = 'Raw {raw}'\n+++\n\n## Tags {{#tags}}\n{raw}\n\n- [x] {raw}\n- [ ] plain\n\n> {raw}\n"
    folder = tmp_path / "en"
    folder.mkdir()
    (folder / "01-raw.md").write_text(source, encoding="utf-8")
    path = tmp_path / "raw.html"
    path.write_text(render_quiz_page(load_quiz(folder / "01-raw.md"), seed=1), encoding="utf-8")
    page.goto(path.as_uri())  # an alert would be a dialog: the fixture fails the test on one
    assert page.locator("img, svg, iframe, section a").count() == 0
    assert raw in page.inner_text("#q-tags .question-body")
    assert raw in page.inner_text("h1")
    page.focus("#check")
    page.keyboard.press("Enter")
    assert page.inner_text("#result .score") == SCRIPT_TEXT["score"]("en").format(score=0, total=1, percent=0)


def test_a_colour_in_math_shows_under_the_policy(page, tmp_path):
    """math-core writes colour as inline CSS, which the policy refuses; the page uses MathML's mathcolor."""
    quiz = load_quiz(SAMPLES / "en" / "02-fixed-order.md")
    question = dataclasses.replace(quiz.questions[0], body=r"Is $\color{red}{x} + y$ red?")
    path = tmp_path / "colour.html"
    path.write_text(render_quiz_page(dataclasses.replace(quiz, questions=(question,)), seed=1), encoding="utf-8")
    page.goto(path.as_uri())
    colour = page.evaluate(
        "() => getComputedStyle(document.querySelector('.question-body math mrow[mathcolor] mi')).color"
    )
    assert colour == "rgb(255, 0, 0)"
