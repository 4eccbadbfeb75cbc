"""The one configured MarkdownIt: CommonMark, raw HTML off, links made from bare URLs (found as
`sitegen.parse.url_spans` finds them, at a fifth of linkify-it's cost), and
LaTeX remnants from arXiv abstracts (`^{2}`, `\\textbf{x}`, `$\\alpha$`, `O(N^2)`) shown as
readable text through inline rules, never by rewriting HTML.

Math (`$...$`, `$$...$$`) becomes a `<span class="math" data-tex="...">` holding that readable text;
in the browser site.js typesets it with the vendored KaTeX, fetched only by pages that have some.
"""

from __future__ import annotations

import re
from functools import lru_cache

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token

from sitegen.parse import url_spans

STRONG = {"textbf", "mathbf", "bm", "boldsymbol"}
EMPHASIS = {"textit", "emph", "mathit", "textsl"}
CODE = {"texttt", "mathtt"}
PLAIN = {"text", "textrm", "mathrm", "mathcal", "mathbb", "mathsf", "mathfrak", "operatorname", "textsc", "mbox", "hbox", "textsf", "textup"}
SYMBOLS = {
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "varepsilon": "ε", "zeta": "ζ",
    "eta": "η", "theta": "θ", "kappa": "κ", "lambda": "λ", "mu": "μ", "nu": "ν", "xi": "ξ", "pi": "π",
    "rho": "ρ", "sigma": "σ", "tau": "τ", "phi": "φ", "varphi": "φ", "chi": "χ", "psi": "ψ", "omega": "ω",
    "Gamma": "Γ", "Delta": "Δ", "Theta": "Θ", "Lambda": "Λ", "Sigma": "Σ", "Phi": "Φ", "Psi": "Ψ", "Omega": "Ω",
    "times": "×", "cdot": "·", "leq": "≤", "le": "≤", "geq": "≥", "ge": "≥", "neq": "≠", "approx": "≈",
    "sim": "∼", "infty": "∞", "pm": "±", "to": "→", "rightarrow": "→", "leftarrow": "←", "ell": "ℓ",
    "in": "∈", "sum": "∑", "prod": "∏", "partial": "∂", "nabla": "∇", "sqrt": "√", "log": "log", "ldots": "…",
    "dots": "…", "cdots": "⋯", "mid": "|", "circ": "∘", "star": "⋆", "top": "⊤", "propto": "∝", "forall": "∀",
    "exists": "∃", "downarrow": "↓", "uparrow": "↑", "checkmark": "✓", "%": "%", "&": "&", "#": "#",
}
COMMAND = re.compile(r"\\([A-Za-z]+|[%&#])")
BARE_SUPERSCRIPT = re.compile(r"\^([-+]?[0-9]+|[A-Za-z](?![A-Za-z]))")


MAX_NESTING = 12  # groups inside groups; deeper ones show as their plain text (200 deep would overflow the stack)


@lru_cache(maxsize=16)
def brace_pairs(src: str) -> dict[int, int]:
    """Each '{' of a text that is closed, mapped to its '}': one linear pass per text, so many
    unclosed `^{` cost linear time instead of a scan to the end for each."""
    pairs: dict[int, int] = {}
    opened: list[int] = []
    for i, char in enumerate(src):
        if char == "{":
            opened.append(i)
        elif char == "}" and opened:
            pairs[opened.pop()] = i
    return pairs


def braced_end(src: str, start: int, limit: int) -> int:
    """Index of the '}' that closes the '{' at `start` before `limit`, or -1."""
    close = brace_pairs(src).get(start, -1)
    return close if close < limit else -1


def inline(state: StateInline, start: int, end: int) -> None:
    """Emit the inline Markdown of src[start:end], parsed on its own so that it cannot run past `end`."""
    state.pushPending()
    depth = state.env.get("latex_nesting", 0)
    if depth >= MAX_NESTING:
        state.push("text", "", 0).content = state.src[start:end]
        return
    state.env["latex_nesting"] = depth + 1
    nested: list[Token] = []  # parsed apart and then appended, with the outer state's token metadata kept in step:
    try:  # parsing into state.tokens itself would shift the outer emphasis delimiters' token indices ("*b* $a$")
        state.md.inline.parse(state.src[start:end], state.md, state.env, nested)
    finally:
        state.env["latex_nesting"] = depth
    for token in nested:
        token.level += state.level
    state.tokens.extend(nested)
    state.tokens_meta.extend([None] * len(nested))


def wrap(state: StateInline, tag: str, start: int, end: int) -> None:
    """Emit <tag>, the inline Markdown of src[start:end], </tag>."""
    state.push(f"{tag}_open", tag, 1)
    inline(state, start, end)
    state.push(f"{tag}_close", tag, -1)


def latex_command(state: StateInline, silent: bool) -> bool:
    match = COMMAND.match(state.src, state.pos, state.posMax)
    if not match:
        return False
    name, end = match.group(1), match.end()
    braced = end < state.posMax and state.src[end] == "{"
    close = braced_end(state.src, end, state.posMax) if braced else -1
    formats = STRONG | EMPHASIS | CODE | PLAIN
    if name in formats and close > end:
        if not silent:
            inner = (end + 1, close)
            if name in STRONG:
                wrap(state, "strong", *inner)
            elif name in EMPHASIS:
                wrap(state, "em", *inner)
            elif name in CODE:
                state.push("code_inline", "code", 0).content = state.src[inner[0] : inner[1]]
            else:
                inline(state, *inner)
        state.pos = close + 1
        return True
    if name in SYMBOLS:
        if not silent:
            state.push("text", "", 0).content = SYMBOLS[name]
        state.pos = end
        return True
    return False


def script(state: StateInline, silent: bool) -> bool:
    """`x^{2}`, `x_{i}`, `N^2`: superscripts and subscripts."""
    char = state.src[state.pos]
    if char not in "^_":
        return False
    tag = "sup" if char == "^" else "sub"
    nxt = state.pos + 1
    if nxt < state.posMax and state.src[nxt] == "{":
        close = braced_end(state.src, nxt, state.posMax)
        if close <= nxt + 1:
            return False
        if not silent:
            wrap(state, tag, nxt + 1, close)
        state.pos = close + 1
        return True
    bare = BARE_SUPERSCRIPT.match(state.src, state.pos, state.posMax)
    if char == "^" and bare and state.pos > 0 and (state.src[state.pos - 1].isalnum() or state.src[state.pos - 1] in ")}"):
        if not silent:
            wrap(state, tag, state.pos + 1, bare.end())
        state.pos = bare.end()
        return True
    return False


def math(state: StateInline, start: int, end: int, display: bool) -> None:
    """A math span: the TeX for KaTeX in data-tex, and the readable text (the rules above) inside."""
    classes = "math math-display" if display else "math"
    state.push("math_open", "span", 1).attrs = {"class": classes, "data-tex": state.src[start:end].strip()}
    wrap(state, "em", start, end)
    state.push("math_close", "span", -1)


def display_math(state: StateInline, silent: bool) -> bool:
    """`$$...$$`, which may run over several lines of a paragraph."""
    if not state.src.startswith("$$", state.pos):
        return False
    start = state.pos + 2
    end = state.src.find("$$", start, state.posMax)
    if end < 0 or not state.src[start:end].strip():
        return False
    if not silent:
        math(state, start, end, display=True)
    state.pos = end + 2
    return True


def inline_math(state: StateInline, silent: bool) -> bool:
    """`$...$` on one line; not `$5 and $6`: no space just inside, no digit just after."""
    if state.src[state.pos] != "$":
        return False
    start = state.pos + 1
    end = state.src.find("$", start, state.posMax)
    if end <= start or state.src[start].isspace() or state.src[end - 1].isspace() or "\n" in state.src[start:end]:
        return False
    if end + 1 < state.posMax and state.src[end + 1].isdigit():
        return False
    if not silent:
        math(state, start, end, display=False)
    state.pos = end + 1
    return True


def link_urls(state: StateCore) -> None:
    """Turn bare URLs in text (outside links and code) into links, as linkify would."""
    for block in state.tokens:
        if block.type != "inline" or not block.children:
            continue
        children: list[Token] = []
        inside_link = 0
        for token in block.children:
            inside_link += {"link_open": 1, "link_close": -1}.get(token.type, 0)
            spans = url_spans(token.content) if token.type == "text" and not inside_link and "/" in token.content else []
            spans = [s for s in spans if state.md.validateLink(state.md.normalizeLink(s[2]))]
            if not spans:
                children.append(token)
                continue
            position = 0
            for start, end, href in spans:
                if start > position:
                    children.append(text_token(token.content[position:start], token.level))
                link = Token("link_open", "a", 1, attrs={"href": state.md.normalizeLink(href)}, level=token.level, markup="linkify", info="auto")
                children += [link, text_token(token.content[start:end], token.level + 1),
                             Token("link_close", "a", -1, level=token.level, markup="linkify", info="auto")]
                position = end
            if position < len(token.content):
                children.append(text_token(token.content[position:], token.level))
        block.children = children


def text_token(content: str, level: int) -> Token:
    return Token("text", "", 0, content=content, level=level)


def make_markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "typographer": True})
    md.enable(["replacements", "smartquotes"])
    md.core.ruler.after("inline", "link_urls", link_urls)
    md.inline.ruler.before("escape", "latex_command", latex_command)
    md.inline.ruler.before("emphasis", "script", script)
    md.inline.ruler.before("emphasis", "display_math", display_math)
    md.inline.ruler.before("emphasis", "inline_math", inline_math)
    return md


@lru_cache(maxsize=1)
def plain_markdown() -> MarkdownIt:
    return make_markdown()


def plain_text(markdown: str) -> str:
    """Markdown as the words a reader sees, for search: no `**`, list dashes or link targets; math as its
    typeset symbols' text (`$\\sqrt{d}$` → `√{d}`)."""
    if not markdown.strip():
        return ""
    blocks = []
    for token in plain_markdown().parse(markdown):
        if token.type == "inline" and token.children:
            blocks.append("".join(c.content if c.type in ("text", "code_inline") else " " if c.type in ("softbreak", "hardbreak") else ""
                                  for c in token.children))
        elif token.type in ("code_block", "fence"):
            blocks.append(token.content)
    return " ".join(" ".join(blocks).split())
