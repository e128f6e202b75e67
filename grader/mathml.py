r"""LaTeX math in quiz Markdown: find it, and convert it to MathML at build time.

The converter is ``math-core`` (LaTeX to MathML Core, a Rust library with a
Python binding). It was chosen over ``latex2mathml`` because it refuses what it
does not know: ``latex2mathml`` turns ``\foo`` into ``<mi>\foo</mi>`` and
accepts a stray ``}``, so a typo would reach the learner as a raw backslash
command. Both convert every formula of the question bank.
"""

from __future__ import annotations

import difflib
import functools
import html.entities
import re
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
        For an unknown command, math that does not parse, an empty formula or
        a ``%`` (a TeX comment, which would drop the rest of the formula).
    """
    if not tex.strip():
        raise MathError(tex, "empty math $$", "remove the dollars or put a formula between them")
    comment = _COMMENT.search(tex)
    if comment:
        raise MathError(tex, f"% in ${tex}$ starts a TeX comment", "write \\% for a percent sign", comment.start())
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
    return _numeric_entities(mathml)


def _closes(candidate: str, fence: str) -> bool:
    """A closing fence uses the opening fence's character, at least as many times."""
    return candidate[0] == fence[0] and len(candidate) >= len(fence)


def _code_ranges(text: str) -> list[tuple[int, int]]:
    """Offsets of fenced code blocks and inline code spans, where a $ is not math."""
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

    def in_fence(position: int) -> bool:
        return any(start <= position < end for start, end in ranges)

    spans: list[tuple[int, int]] = []
    position = 0
    while position < len(text):
        if text[position] != "`" or in_fence(position):
            position += 1
            continue
        run = 0
        while position + run < len(text) and text[position + run] == "`":
            run += 1
        closer = re.compile(r"(?<!`)" + "`" * run + r"(?!`)")
        found = closer.search(text, position + run)
        if found is None:
            position += run
            continue
        spans.append((position, found.end()))
        position = found.end()
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
    code = _code_ranges(text)
    spans: list[MathSpan] = []
    position = 0
    length = len(text)
    while position < length:
        skip = next((end for start, end in code if start <= position < end), None)
        if skip is not None:
            position = skip
            continue
        character = text[position]
        if character == "\\":
            position += 2
            continue
        if character != "$":
            position += 1
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
            if text[cursor] == "\n" and text[cursor + 1 :].lstrip(" \t").startswith(("\n", "\r")):
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
