r"""LaTeX math in quiz Markdown: find it, and convert it to MathML at build time.

The converter is ``math-core`` (LaTeX to MathML Core, a Rust library with a
Python binding). It was chosen over ``latex2mathml`` because it refuses what it
does not know: ``latex2mathml`` turns ``\foo`` into ``<mi>\foo</mi>`` and
accepts a stray ``}``, so a typo would reach the learner as a raw backslash
command. Both convert every formula of the question bank.

Limits
------
A formula is checked before it reaches the converter, which is native code: it
recurses once per level of nesting and crashes the whole process (a segfault,
not an exception) a few thousand levels down, and it takes time exponential in
the number of opening brackets that are never closed (25 take seconds, 40
about an hour). So a formula may be at most ``MAX_FORMULA_CHARS`` characters
long, nest groups (``{...}``, ``\left...\right``, ``\begin...\end``) at most
``MAX_NESTING`` deep, and leave at most ``MAX_OPEN_FENCES`` opening brackets
unclosed. Chains of commands without braces (``\hat\hat x``)
also recurse; within the length limit every formula converts on a 1 MiB
stack (tests/grader/test_mathml.py checks the densest ones), and the stacks
Python runs on are 8 MiB or more on Linux and macOS. The longest formula of the
bank has 116 characters, its deepest nests 3 groups, and none leaves more
than one bracket open.
"""

from __future__ import annotations

import bisect
import difflib
import functools
import html
import html.entities
import re
import unicodedata
from dataclasses import dataclass

from grader.errors import MathError

# Commands a quiz author is likely to mean; only used to suggest a correction
# for an unknown command, never to decide what is allowed (math-core does that).
COMMON_COMMANDS = (
    "alpha beta gamma delta epsilon varepsilon zeta eta theta lambda mu nu xi pi rho sigma tau phi varphi chi psi "
    "omega Gamma Delta Theta Lambda Sigma Phi Psi Omega frac dfrac tfrac sqrt sum prod int partial nabla infty "
    "cdot cdots ldots dots times div pm mp leq geq neq approx equiv sim propto in notin subset to leftarrow "
    "rightarrow Leftarrow Rightarrow mapsto exp log ln max min arg argmax argmin sin cos tan tanh sinh cosh "
    "text mathrm mathbf mathit mathbb mathcal operatorname hat bar tilde vec dot ddot overline underline left "
    "right big Big quad qquad lfloor rfloor lceil rceil langle rangle top odot otimes oplus forall exists lim"
).split()

_UNKNOWN_COMMAND = re.compile(r'Unknown command "\\(?P<name>[A-Za-z]+)"')
_ERROR_POSITION = re.compile(r"^(?P<position>\d+): (?P<message>.*)$", re.S)
_NAMED_ENTITY = re.compile(r"&(?P<name>[A-Za-z][A-Za-z0-9]*);")
_XML_ENTITIES = {"lt", "gt", "amp", "quot", "apos"}
# an unescaped % starts a TeX comment and silently drops the rest of the formula
_COMMENT = re.compile(r"(?<!\\)%")
_FENCE = re.compile(r"^ {0,3}(?P<fence>```+|~~~+)")
_BACKTICKS = re.compile(r"`+")
# what find_math stops at outside a formula (a code span or block is skipped where it starts)
_MATH_OR_ESCAPE = re.compile(r"[\\$]")
_BLANK_LINE_AHEAD = re.compile(r"[ \t]*[\n\r]")
# one TeX token: a command (\frac), a control symbol (\,), a run of spaces, or one character
TEX_TOKEN = re.compile(r"\\(?:[A-Za-z]+|.?)|\s+|.", re.S)
_SIZED_DELIMITER = re.compile(r"^\\(?:big|Big|bigg|Bigg)(?P<side>[lrm]?)$")
_SINGLE_OPERATOR = re.compile(r"^<math[^>]*><mo(?P<attrs>[^>]*)>(?P<text>[^<]+)</mo></math>$")
_STYLE_COLOUR = re.compile(r' style="color:(?P<colour>#[0-9A-Fa-f]{3,8});"')
_STYLE_ATTRIBUTE = re.compile(r"<[^>]*\sstyle=")

MAX_FORMULA_CHARS = 2000
MAX_NESTING = 50
MAX_OPEN_FENCES = 8


@dataclass(frozen=True)
class MathSpan:
    """One formula in a Markdown text.

    ``start`` and ``end`` delimit the whole span in the text, dollars included;
    ``tex`` is the LaTeX between the dollars; ``display`` is True for ``$$...$$``.
    """

    start: int
    end: int
    tex: str
    display: bool


def _converter():
    import math_core

    # xml_namespace: the output is also well-formed XML (Moodle, XHTML, tests)
    return math_core.LatexToMathML(fancy_error=False, xml_namespace=True)


@functools.lru_cache(maxsize=1)
def _shared_converter():
    return _converter()


def _numeric_entities(mathml: str) -> str:
    """Named HTML entities (``&ApplyFunction;``) as numeric references, so XML parsers accept them."""

    def replace(match: re.Match[str]) -> str:
        name = match.group("name")
        if name in _XML_ENTITIES:
            return match.group(0)
        characters = html.entities.html5.get(name + ";")
        if characters is None:
            return match.group(0)
        return "".join(f"&#x{ord(character):x};" for character in characters)

    return _NAMED_ENTITY.sub(replace, mathml)


def _explain(tex: str, message: str) -> tuple[str, str]:
    """What is wrong and what to do, from math-core's message."""
    tex = " ".join(tex.split())  # display math may run over lines; the message is one line
    unknown = _UNKNOWN_COMMAND.search(message)
    if unknown:
        name = unknown.group("name")
        close = difflib.get_close_matches(name, COMMON_COMMANDS, n=1, cutoff=0.7)
        fix = f"did you mean \\{close[0]}?" if close else "use a standard LaTeX math command"
        return f"unknown command \\{name} in ${tex}$", fix
    reason = message.rstrip(".")
    return f"${tex}$ does not parse ({reason[:1].lower()}{reason[1:]})", "fix the LaTeX"


def _short(tex: str, width: int = 40) -> str:
    tex = " ".join(tex.split())
    return tex if len(tex) <= width else tex[: width - 3] + "..."


@functools.lru_cache(maxsize=2048)
def _fence_role(token: str) -> str | None:
    r"""``open`` or ``close`` when the converter treats ``token`` as an opening or closing bracket.

    Asked of the converter itself, one token at a time (which can not nest):
    an opener is drawn as an operator in Unicode's "open punctuation" class or
    with ``form="prefix"`` (``(``, ``\lfloor``, ``\lvert``, ``⟨``); a closer as a
    non-stretchy operator in the "close punctuation" class or with
    ``form="postfix"``. Erring on the side of counting an opener and not
    counting a closer only makes the limit stricter.
    """
    if token.isalnum() or token.isspace():
        return None
    import math_core

    try:
        mathml = _shared_converter().convert_with_local_state(token, displaystyle=False)
    except math_core.LatexError:
        return None
    found = _SINGLE_OPERATOR.match(mathml)
    if found is None:
        return None
    attributes, text = found.group("attrs"), html.unescape(found.group("text"))
    category = unicodedata.category(text) if len(text) == 1 else ""
    if category == "Ps" or 'form="prefix"' in attributes:
        return "open"
    plain = attributes.strip() in ('stretchy="false"', 'stretchy="false" form="postfix"')
    if plain and (category == "Pe" or 'form="postfix"' in attributes):
        return "close"
    return None


@dataclass(frozen=True)
class FormulaShape:
    r"""How deep a formula nests, as ``check_formula`` measures it.

    ``depth`` is the deepest nesting of groups (``{}``, ``\left...\right``,
    ``\begin...\end``) and ``deepest_at`` the offset of the group that
    reaches it; ``unclosed`` counts the opening brackets never closed (a
    closing bracket closes only one of its own group; braces around a bracket
    do not hide it from the converter) and ``unclosed_at`` is the offset of
    the first of them beyond ``MAX_OPEN_FENCES`` (the last when there are fewer).
    """

    depth: int
    deepest_at: int
    unclosed: int
    unclosed_at: int


def formula_shape(tex: str) -> FormulaShape:
    """Measure the nesting of ``tex`` in one pass over its tokens, without converting it."""
    depth = deepest_at = 0
    group = 0  # a number for each group opened, so that a bracket only closes one of its own group
    groups = [group]
    unclosed: list[tuple[int, int]] = []  # (group, offset) of each opening bracket not closed yet
    tokens = [match for match in TEX_TOKEN.finditer(tex) if not match.group().isspace()]
    index = 0
    while index < len(tokens):
        token, position = tokens[index].group(), tokens[index].start()
        index += 1
        role = None
        if token in ("{", "\\left", "\\begin"):
            group += 1
            groups.append(group)
            if len(groups) - 1 > depth:
                depth, deepest_at = len(groups) - 1, position
        elif token in ("}", "\\right", "\\end"):
            if len(groups) > 1:
                groups.pop()
        elif token == "\\middle":
            index += 1
        elif (sized := _SIZED_DELIMITER.match(token)) and index < len(tokens):
            delimiter = _fence_role(tokens[index].group())
            index += 1
            side = sized.group("side")
            if side == "l" or delimiter == "open":
                role = "open"
            elif side == "r" and delimiter == "close":
                role = "close"
        else:
            role = _fence_role(token)
        if token in ("\\left", "\\right"):
            index += 1  # the delimiter belongs to \left or \right, not to the brackets of a group
        elif token in ("\\begin", "\\end") and index < len(tokens) and tokens[index].group() == "{":
            while index < len(tokens) and tokens[index].group() != "}":
                index += 1  # the environment's name: {matrix} is part of its level, not one more
            index += 1
        if role == "open":
            unclosed.append((groups[-1], position))
        elif role == "close" and unclosed and unclosed[-1][0] == groups[-1]:
            unclosed.pop()
    unclosed_at = unclosed[min(MAX_OPEN_FENCES, len(unclosed) - 1)][1] if unclosed else 0
    return FormulaShape(depth, deepest_at, len(unclosed), unclosed_at)


def check_formula(tex: str) -> None:
    r"""Refuse a formula the converter could not handle safely, before it is called.

    Raises
    ------
    MathError
        When ``tex`` is longer than ``MAX_FORMULA_CHARS``, nests groups
        (``{}``, ``\left...\right``, ``\begin...\end``) deeper than
        ``MAX_NESTING``, or leaves more than ``MAX_OPEN_FENCES`` opening
        brackets unclosed; ``position`` is where, in ``tex``.
    """
    if len(tex) > MAX_FORMULA_CHARS:
        raise MathError(
            tex,
            f"the formula ${_short(tex)}$ is {len(tex)} characters long",
            f"split it into shorter formulas (at most {MAX_FORMULA_CHARS} characters each)",
            MAX_FORMULA_CHARS,
        )
    shape = formula_shape(tex)
    if shape.depth > MAX_NESTING:
        raise MathError(
            tex,
            f"${_short(tex)}$ nests groups {shape.depth} deep",
            f"at most {MAX_NESTING} levels of braces, \\left...\\right and environments; "
            "remove extra braces or split the formula",
            shape.deepest_at,
        )
    if shape.unclosed > MAX_OPEN_FENCES:
        raise MathError(
            tex,
            f"${_short(tex)}$ leaves {shape.unclosed} opening brackets unclosed",
            f"close them; at most {MAX_OPEN_FENCES} may stay open in one formula",
            shape.unclosed_at,
        )


@functools.lru_cache(maxsize=4096)
def to_mathml(tex: str, display: bool = False) -> str:
    r"""Convert one LaTeX formula to a MathML ``<math>`` element.

    Parameters
    ----------
    tex : str
        The LaTeX between the dollars, e.g. ``\frac{1}{1 + \exp(-x)}``.
    display : bool
        True for display math (``$$...$$``): ``display="block"``.

    Returns
    -------
    str
        One ``<math xmlns=...>`` element, well-formed XML, with no backslash.

    Raises
    ------
    MathError
        For an unknown command, math that does not parse, an empty formula, a
        ``%`` (a TeX comment, which would drop the rest of the formula), a
        formula beyond the limits of ``check_formula`` (never converted), or
        one that needs inline CSS (which the pages' Content-Security-Policy
        blocks).
    """
    if not tex.strip():
        raise MathError(tex, "empty math $$", "remove the dollars or put a formula between them")
    comment = _COMMENT.search(tex)
    if comment:
        raise MathError(
            tex, f"% in ${_short(tex)}$ starts a TeX comment", "write \\% for a percent sign", comment.start()
        )
    check_formula(tex)
    import math_core

    try:
        mathml = _shared_converter().convert_with_local_state(tex, displaystyle=display)
    except math_core.LatexError as problem:
        text = str(problem)
        found = _ERROR_POSITION.match(text)
        position = int(found.group("position")) if found else 0
        message = found.group("message") if found else text
        raise MathError(tex, *_explain(tex, message), min(position, len(tex))) from None
    if "\\" in mathml:
        raise MathError(tex, f"${tex}$ converts to MathML that still shows a backslash", "rewrite the formula")
    # a colour as MathML's own attribute: a style attribute would need 'unsafe-inline' in the pages' CSP
    mathml = _STYLE_COLOUR.sub(lambda found: f' mathcolor="{found.group("colour")}"', mathml)
    if _STYLE_ATTRIBUTE.search(mathml):
        raise MathError(
            tex,
            f"${_short(tex)}$ needs inline CSS, which quiz pages do not allow",
            "leave out the styling command",
        )
    return _numeric_entities(mathml)


def _closes(candidate: str, fence: str) -> bool:
    """A closing fence uses the opening fence's character, at least as many times."""
    return candidate[0] == fence[0] and len(candidate) >= len(fence)


def code_ranges(text: str) -> list[tuple[int, int]]:
    """Offsets of fenced code blocks and inline code spans, where a $ is not math.

    Linear in the length of ``text``: a code span's closing run of backticks
    is looked up among the runs of the same length, never searched for.
    """
    ranges: list[tuple[int, int]] = []
    offset = 0
    fence: str | None = None
    fence_start = 0
    for line in text.splitlines(keepends=True):
        found = _FENCE.match(line)
        if fence is None and found:
            fence, fence_start = found.group("fence"), offset
        elif fence is not None and found and _closes(found.group("fence"), fence):
            ranges.append((fence_start, offset + len(line)))
            fence = None
        offset += len(line)
    if fence is not None:
        ranges.append((fence_start, len(text)))

    runs = [(found.start(), found.end() - found.start()) for found in _BACKTICKS.finditer(text)]
    starts_by_length: dict[int, list[int]] = {}
    for start, length in runs:
        starts_by_length.setdefault(length, []).append(start)
    spans: list[tuple[int, int]] = []
    position = 0
    fence_index = 0
    for start, length in runs:
        if start < position:
            continue
        while fence_index < len(ranges) and ranges[fence_index][1] <= start:
            fence_index += 1
        if fence_index < len(ranges) and ranges[fence_index][0] <= start:
            continue
        starts = starts_by_length[length]
        closing = bisect.bisect_right(starts, start)
        if closing == len(starts):
            continue  # no run of the same length follows: the backticks are literal
        spans.append((start, starts[closing] + length))
        position = starts[closing] + length
    return sorted(ranges + spans)


def find_math(text: str) -> list[MathSpan]:
    r"""Every ``$...$`` and ``$$...$$`` formula of a Markdown text, outside code.

    ``\$`` is a literal dollar sign. A formula may not run over a blank line.

    Raises
    ------
    MathError
        For a ``$`` that is never closed (``position`` is its offset in
        ``text``), or inline math that starts or ends with a space, which is
        almost always a stray dollar sign.
    """
    code = code_ranges(text)
    code_index = 0
    spans: list[MathSpan] = []
    position = 0
    length = len(text)
    while position < length:
        while code_index < len(code) and code[code_index][1] <= position:
            code_index += 1
        if code_index < len(code) and code[code_index][0] <= position:
            position = code[code_index][1]
            continue
        character = text[position]
        if character == "\\":
            position += 2
            continue
        if character != "$":  # on to the next escape or dollar: nothing else between matters
            found = _MATH_OR_ESCAPE.search(text, position + 1)
            position = length if found is None else found.start()
            continue
        display = text.startswith("$$", position)
        delimiter = "$$" if display else "$"
        cursor = position + len(delimiter)
        close = None
        while cursor < length:
            if text[cursor] == "\\":
                cursor += 2
                continue
            if text.startswith(delimiter, cursor):
                close = cursor
                break
            if text[cursor] == "\n" and _BLANK_LINE_AHEAD.match(text, cursor + 1):
                break
            cursor += 1
        if close is None:
            raise MathError(
                text[position:cursor],
                f"unbalanced {delimiter}: the math opened here is never closed",
                f"close it with {delimiter} in the same paragraph, or write \\$ for a dollar sign",
                position,
            )
        tex = text[position + len(delimiter) : close]
        if not display and tex.strip() and (tex[0].isspace() or tex[-1].isspace()):
            raise MathError(
                tex,
                f"${tex}$ starts or ends with a space, which looks like a stray $",
                "write $x$ without inner spaces, or \\$ for a dollar sign",
                position,
            )
        spans.append(MathSpan(position, close + len(delimiter), tex, display))
        position = close + len(delimiter)
    return spans
