r"""LaTeX math of the quiz bank as plain Unicode text, for the terminal.

``\frac{\partial L}{\partial W}`` becomes ``∂L/∂W``, ``W^{\top}`` ``Wᵀ``,
``h_{t-1}`` ``hₜ₋₁``, ``\sqrt{1 - \beta_2^t}`` ``√(1 − β₂ᵗ)``. The subset is the
one the bank uses (the same the MathML converter, ``grader.quiz.mathml``,
checks at load time): Greek letters, operators and relations, ``\frac``,
``\sqrt``, sub- and superscripts, accents (``\hat``, ``\bar``, ``\tilde``),
fonts (``\mathbf`` and ``\boldsymbol`` dropped, ``\mathbb{R}`` as ``ℝ``,
``\mathcal{N}`` as ``𝒩``), ``\text``, ``\left``/``\right`` (dropped, the
delimiters kept) and small ``pmatrix`` matrices, written ``(1, 0; 2, 1)``.

Rules of the text form:

- a fraction is ``a/b``, each side in parentheses when it is not one term:
  ``\frac{a+b}{c d}`` is ``(a + b)/(c d)``;
- a sub- or superscript uses Unicode's small characters when every character
  has one, else ``_x`` / ``^x`` for one character and ``_(…)`` / ``^(…)`` for
  more: ``x_{ij}`` is ``xᵢⱼ``, ``b_y`` is ``b_y``, ``e^{-x^2}`` is ``e^(−x²)``;
- a command this module does not know is kept as its TeX text, never an error.

``to_unicode`` never raises for any string.
"""

from __future__ import annotations

import re
import unicodedata

from grader.quiz.mathml import TEX_TOKEN

GREEK = {
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ϵ", "varepsilon": "ε", "zeta": "ζ",
    "eta": "η", "theta": "θ", "vartheta": "ϑ", "iota": "ι", "kappa": "κ", "lambda": "λ", "mu": "μ", "nu": "ν",
    "xi": "ξ", "pi": "π", "rho": "ρ", "sigma": "σ", "tau": "τ", "upsilon": "υ", "phi": "ϕ", "varphi": "φ",
    "chi": "χ", "psi": "ψ", "omega": "ω", "Gamma": "Γ", "Delta": "Δ", "Theta": "Θ", "Lambda": "Λ", "Xi": "Ξ",
    "Pi": "Π", "Sigma": "Σ", "Upsilon": "Υ", "Phi": "Φ", "Psi": "Ψ", "Omega": "Ω",
}  # fmt: skip
SYMBOLS = {
    "partial": "∂", "nabla": "∇", "sum": "∑", "prod": "∏", "int": "∫", "infty": "∞", "ldots": "…",
    "cdots": "⋯", "dots": "…", "top": "ᵀ", "varnothing": "∅", "emptyset": "∅", "neg": "¬", "forall": "∀",
    "exists": "∃", "prime": "′", "ell": "ℓ", "|": "‖", "lVert": "‖", "rVert": "‖", "Vert": "‖", "lvert": "|",
    "rvert": "|", "vert": "|", "{": "{", "}": "}", "%": "%", "$": "$", "_": "_", "#": "#", "&": "&",
    "langle": "⟨", "rangle": "⟩", "lfloor": "⌊", "rfloor": "⌋", "lceil": "⌈", "rceil": "⌉",
}  # fmt: skip
# binary operators and relations: written with a space either side
OPERATORS = {
    "cdot": "·", "times": "×", "div": "÷", "pm": "±", "mp": "∓", "odot": "⊙", "otimes": "⊗", "oplus": "⊕",
    "circ": "∘", "ast": "∗", "cap": "∩", "cup": "∪", "setminus": "∖", "leq": "≤", "le": "≤", "geq": "≥",
    "ge": "≥", "neq": "≠", "ne": "≠", "approx": "≈", "equiv": "≡", "sim": "∼", "simeq": "≃", "propto": "∝",
    "in": "∈", "notin": "∉", "subset": "⊂", "subseteq": "⊆", "to": "→", "rightarrow": "→", "leftarrow": "←",
    "Rightarrow": "⇒", "Leftarrow": "⇐", "leftrightarrow": "↔", "Leftrightarrow": "⇔", "mapsto": "↦",
    "gets": "←", "mid": "|", "ll": "≪", "gg": "≫", "land": "∧", "lor": "∨", "wedge": "∧", "vee": "∨",
}  # fmt: skip
FUNCTIONS = set("log ln exp sin cos tan tanh sinh cosh max min arg argmax argmin det lim sup inf dim ker sgn".split())
SPACES = {",": " ", ";": " ", ":": " ", "!": "", " ": " ", "quad": "  ", "qquad": "    ", "enspace": " "}
DROPPED = {"left", "right", "big", "Big", "bigg", "Bigg", "bigl", "bigr", "Bigl", "Bigr", "displaystyle",
           "limits", "nolimits", "middle"}  # fmt: skip
ACCENTS = {"hat": "\u0302", "widehat": "\u0302", "bar": "\u0304", "overline": "\u0305", "tilde": "\u0303",
           "widetilde": "\u0303", "vec": "\u20d7", "dot": "\u0307", "ddot": "\u0308"}  # fmt: skip
FONTS_DROPPED = {"mathbf", "boldsymbol", "bm", "mathit", "mathrm", "mathsf", "mathtt", "operatorname"}
TEXT_COMMANDS = {"text", "textrm", "textbf", "textit", "mbox"}
_SCRIPT_EXCEPTIONS = {"B": "ℬ", "E": "ℰ", "F": "ℱ", "H": "ℋ", "I": "ℐ", "L": "ℒ", "M": "ℳ", "R": "ℛ"}
_DOUBLE_STRUCK_EXCEPTIONS = {"C": "ℂ", "H": "ℍ", "N": "ℕ", "P": "ℙ", "Q": "ℚ", "R": "ℝ", "Z": "ℤ"}

SUPERSCRIPTS = dict(
    zip(
        "0123456789+-−=()abcdefghijklmnoprstuvwxyzABDEGHIJKLMNOPRTUVWβγδθϕφχ⊤′'∗*ᵀ",
        "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁻⁼⁽⁾ᵃᵇᶜᵈᵉᶠᵍʰⁱʲᵏˡᵐⁿᵒᵖʳˢᵗᵘᵛʷˣʸᶻᴬᴮᴰᴱᴳᴴᴵᴶᴷᴸᴹᴺᴼᴾᴿᵀᵁⱽᵂᵝᵞᵟᶿᵠᵠᵡᵀ′′**ᵀ",
        strict=True,
    )
)
SUBSCRIPTS = dict(
    zip("0123456789+-−=()aehijklmnoprstuvxβγρφϕχ", "₀₁₂₃₄₅₆₇₈₉₊₋₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓᵦᵧᵨᵩᵩᵪ", strict=True)
)
_FUNCTION = "\0"  # marks a function name until its neighbour is known
# a one-character script written with _ or ^ (no small character for it): a letter after it is spaced
_SPACED_SCRIPT = re.compile(r"[_^][^(\s]$")
# a side of a fraction needs parentheses when one of these is outside brackets
_COMPOUND = set(" +-−=·×/÷±∓⊙<>≤≥≠≈→←|∣,;")


def _tokens(tex: str) -> list[str]:
    return TEX_TOKEN.findall(tex)


class _Parser:
    """Recursive descent over TeX tokens; ``stop`` tokens end a group."""

    def __init__(self, tex: str) -> None:
        self.tokens = _tokens(tex)
        self.index = 0

    def peek(self) -> str | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def take(self) -> str | None:
        token = self.peek()
        if token is not None:
            self.index += 1
        return token

    def skip_spaces(self) -> None:
        while (token := self.peek()) is not None and token.isspace():
            self.index += 1

    def raw_group(self) -> str:
        """The source text of the next argument: a braced group or one token."""
        self.skip_spaces()
        token = self.take()
        if token != "{":
            return token or ""
        depth, parts = 1, []
        while (token := self.take()) is not None:
            if token == "{":
                depth += 1
            elif token == "}":
                depth -= 1
                if depth == 0:
                    break
            parts.append(token)
        return "".join(parts)

    def argument(self) -> str:
        r"""The next argument rendered: a braced group, or one token (``\frac12``, ``x^2``)."""
        self.skip_spaces()
        token = self.peek()
        if token == "{":
            self.take()
            return self.sequence(stop="}")
        if token is None:
            return ""
        return self.atom().removeprefix(_FUNCTION)

    def sequence(self, stop: str | None = None, stops: tuple[str, ...] = ()) -> str:
        parts: list[str] = []
        while (token := self.peek()) is not None:
            if token == stop:
                self.take()
                break
            if token in stops:
                break
            if token in ("\\right", "\\rVert", "\\rvert") and parts:
                parts[-1] = parts[-1].rstrip()
            if token in ("^", "_"):
                self.take()
                parts.append(_script(self.argument(), superscript=token == "^"))
                continue
            part = self.atom()
            if part.startswith(_FUNCTION):  # γ max, not γmax; but −log, (log
                part = (" " if parts and parts[-1][-1:].isalnum() else "") + part[1:]
            elif parts and _SPACED_SCRIPT.search(parts[-1]) and (part[:1].isalnum() or part[:1] in "∇∂√"):
                part = " " + part  # ∇_θ π, not ∇_θπ
            parts.append(part)
        return _tidy("".join(parts))

    def atom(self) -> str:
        token = self.take()
        if token is None:
            return ""
        if token.isspace():
            return " "
        if token == "{":
            return self.sequence(stop="}")
        if token in "}&":
            return token
        if token == "-":
            return "−"
        if token in "=<>+":
            return f" {token} "
        if token == "~":
            return " "
        if not token.startswith("\\"):
            return token
        name = token[1:]
        if name and name.isalpha():
            # TeX skips spaces after a control word
            while (following := self.peek()) is not None and following.isspace():
                self.index += 1
        return self.command(name, token)

    def command(self, name: str, token: str) -> str:
        simple = _simple(name)
        if simple is not None:
            return simple
        if name in FUNCTIONS:
            return _FUNCTION + name + ("" if self.peek() in ("(", "\\left", "{", "_", "^", None) else " ")
        if name in DROPPED:
            if name in ("left", "right", "middle"):
                delimiter = self.take() or ""
                return "" if delimiter == "." else self.atom_of(delimiter)
            return ""
        if name in ("frac", "dfrac", "tfrac"):
            numerator, denominator = self.argument(), self.argument()
            return f"{_operand(numerator)}/{_operand(denominator)}"
        if name == "sqrt":
            return self.root()
        if name in ACCENTS:
            body = self.argument()
            return body + ACCENTS[name] if len(body) == 1 else f"{name}({body})"
        if name in FONTS_DROPPED:
            return self.argument()
        if name in TEXT_COMMANDS:
            return self.raw_group()
        if name == "mathbb":
            return "".join(_letter(c, "DOUBLE-STRUCK CAPITAL", _DOUBLE_STRUCK_EXCEPTIONS) for c in self.argument())
        if name == "mathcal":
            return "".join(_letter(c, "SCRIPT CAPITAL", _SCRIPT_EXCEPTIONS) for c in self.argument())
        if name == "begin":
            return self.matrix()
        return token + " " if name.isalpha() else token  # unknown: shown as typed

    def root(self) -> str:
        self.skip_spaces()
        index = ""
        if self.peek() == "[":
            self.take()
            index = self.sequence(stop="]")
        radicand = self.argument()
        root = {"": "√", "3": "∛", "4": "∜"}.get(index, _script(index, superscript=True) + "√")
        return root + _operand(radicand)

    def matrix(self) -> str:
        environment = self.raw_group()
        body = self.sequence(stops=("\\end",))
        if self.peek() == "\\end":
            self.take()
            self.raw_group()
        cells = _tidy(body.replace("&", ",")).rstrip("; ")
        brackets = {"pmatrix": "()", "bmatrix": "[]", "vmatrix": "||", "Bmatrix": "{}"}.get(environment, "()")
        return brackets[0] + cells + brackets[1]

    def atom_of(self, token: str) -> str:
        if token.startswith("\\"):
            return self.command(token[1:], token)
        return token


def _simple(name: str) -> str | None:
    """What a command that takes no argument stands for, or None."""
    if name in GREEK:
        return GREEK[name]
    if name in SYMBOLS:
        return SYMBOLS[name]
    if name in OPERATORS:
        return f" {OPERATORS[name]} "
    if name in SPACES:
        return SPACES[name]
    if name == "\\":
        return "; "
    return None


def _letter(character: str, kind: str, exceptions: dict[str, str]) -> str:
    if character in exceptions:
        return exceptions[character]
    try:
        return unicodedata.lookup(f"MATHEMATICAL {kind} {character}")
    except KeyError:
        return character


def _tidy(text: str) -> str:
    """One space between words, none inside brackets' edges, none at the ends."""
    text = re.sub(r"(?<=\S)/ ", " / ", text)  # \epsilon / h: TeX drops the space after \epsilon
    text = re.sub(r" {2,}", " ", text)
    text = re.sub(r"([(\[{]) ", r"\1", text)
    text = re.sub(r" ([)\]},;])", r"\1", text)
    return text.strip()


def _compound(text: str) -> bool:
    """True when ``text`` is more than one term: an operator or space outside brackets."""
    depth = 0
    bars: set[str] = set()  # | and ‖ open and close alike: |g| is one term
    for character in text.removeprefix("−"):  # a leading minus sign still makes one term: −1/4
        if character in bars:
            bars.discard(character)
            depth -= 1
        elif character in "|‖":
            bars.add(character)
            depth += 1
        elif character in "([{⟨":
            depth += 1
        elif character in ")]}⟩":
            depth -= 1
        elif depth == 0 and character in _COMPOUND:
            return True
    return False


def _operand(text: str) -> str:
    return f"({text})" if _compound(text) else text


def _script(text: str, *, superscript: bool) -> str:
    table = SUPERSCRIPTS if superscript else SUBSCRIPTS
    text = text.replace(" ", "")
    if text and all(character in table for character in text):
        return "".join(table[character] for character in text)
    mark = "^" if superscript else "_"
    if len(unicodedata.normalize("NFC", text)) == 1:  # b_ĥ, not b_(ĥ)
        return mark + text
    return f"{mark}({text})"


def to_unicode(tex: str) -> str:
    r"""One formula as readable Unicode text.

    Parameters
    ----------
    tex : str
        The LaTeX between the dollars, e.g. ``\frac{\partial L}{\partial W}``.

    Returns
    -------
    str
        E.g. ``∂L/∂W``; composed (NFC), so ``\hat{y}`` is the single ``ŷ``.
        A command outside the known subset is kept as its TeX text.
    """
    parser = _Parser(tex)
    parts = []
    while parser.peek() is not None:
        parts.append(parser.sequence(stop="}"))  # a stray } ends a sequence; keep going
    return unicodedata.normalize("NFC", _tidy(" ".join(parts)))
