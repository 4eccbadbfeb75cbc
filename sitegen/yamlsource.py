"""YAML read with its places: every problem becomes a SourceError at the right line.

Shared by list headers, paper front matter, the taxonomy and `sitegen.yml`, so that all four
report bad YAML, unknown keys ('did you mean') and wrong types the same way.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from sitegen.errors import SourceError

# libyaml when PyYAML has it (ten times faster on thousands of pages), else the pure-Python loader.
Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
TYPE_NAMES = {int: "a whole number", float: "a number", str: "text", dt.date: "a date (YYYY-MM-DD)", list: "a list", dict: "a mapping", bool: "true or false"}


@dataclass(frozen=True)
class Entry:
    """One top-level key of a mapping: its value, the lines it spans (0-based, in `text`)."""

    value: Any
    key_line: int
    start: int
    end: int


KEY_VALUE = re.compile(r"[ \t]*([A-Za-z_][\w-]*):[ \t]+(.*\S)")  # a `key: value` line, its value unquoted
# What YAML's parser was reading when it failed → what the user opened there and did not close.
UNCLOSED = {"while parsing a flow sequence": "'[' list", "while parsing a flow mapping": "'{' mapping",
            "while scanning a quoted scalar": "quoted text"}


def compose_mapping(path: Path, text: str, first_line: int) -> dict[str, Entry]:
    """Top-level keys of a YAML mapping with their values and character spans."""
    deep = too_deep_at(text)
    if deep is not None:  # before libyaml sees it: its composer recurses in C and overflows the stack (a crash, no message)
        raise SourceError(path, first_line + deep, f"YAML nested too deeply (more than {MAX_DEPTH} levels)")
    loader = Loader(text)
    try:
        try:
            node = loader.get_single_node()
        except RecursionError:
            raise SourceError(path, first_line, f"YAML nested too deeply (more than {MAX_DEPTH} levels)") from None
        if node is None:
            return {}
        check_bounds(path, node, first_line)
        if not isinstance(node, yaml.MappingNode):
            raise SourceError(path, first_line + node.start_mark.line, "expected 'key: value' lines")
        entries: dict[str, Entry] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            line = first_line + key_node.start_mark.line
            if not isinstance(key, str):
                raise SourceError(path, line, f"a key must be text, not {key!r}")
            if key in entries:
                raise SourceError(path, line, f"'{key}' is given twice")
            try:
                value = loader.construct_object(value_node, deep=True)
            except ValueError as error:  # a date that does not exist, 2024-02-30: named at its own line, however deep
                where, bad = failing_scalar(loader, str(key), value_node)
                raise SourceError(path, first_line + bad.start_mark.line, f"'{where}': {shown(bad)} is not a real date ({error})") from None
            entries[key] = Entry(value, line, key_node.start_mark.index, node_end(value_node))
        return entries
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = first_line + mark.line if mark else first_line
        problem = error.problem or error.context or "invalid YAML"
        opened = next((name for context, name in UNCLOSED.items() if (error.context or "").startswith(context)), None)
        if opened and error.context_mark and mark and error.context_mark.line < mark.line:
            # Where the fix goes: the line that opened what is not closed, not the later line where YAML noticed.
            problem, line = f"the {opened} that starts here is not closed ({problem} at line {line})", first_line + error.context_mark.line
        if problem.startswith("mapping values are not allowed") and mark:  # `title: Weekly picks: diffusion`
            lines = text.splitlines()
            written = KEY_VALUE.match(lines[mark.line]) if mark.line < len(lines) else None
            if written:
                problem += f"; a value with ': ' in it needs quotes: {written[1]}: {json.dumps(written[2], ensure_ascii=False)}"
        raise SourceError(path, line, f"invalid YAML: {problem}") from None
    except yaml.reader.ReaderError as error:  # a character YAML refuses (NUL, another control character): at its own line
        raise SourceError(path, first_line + reader_line(text, error.position),
                          f"invalid YAML: {error.reason} (U+{error.character:04X}); remove it or write it as an escape "
                          "in double quotes") from None
    except yaml.YAMLError as error:
        raise SourceError(path, first_line, f"invalid YAML: {error}") from None
    finally:
        loader.dispose()


def reader_line(text: str, position: int) -> int:
    """The line (0-based) of a ReaderError's position: libyaml counts bytes of the UTF-8 text, PyYAML's own reader characters."""
    if issubclass(Loader, yaml.CSafeLoader):
        return text.encode("utf-8", errors="surrogatepass").count(b"\n", 0, position)
    return text.count("\n", 0, position)


def spans_fit(text: str, entries: dict[str, Entry], first_line: int) -> bool:
    """Whether remembered entries can be this text's (a memo is input: its spans are used to rewrite the
    user's page, so each must lie in the text, in order, at its key and on its line)."""
    end = 0
    for key, entry in entries.items():
        if not (end <= entry.start <= entry.end <= len(text) and text.startswith(key, entry.start + (text[entry.start:entry.start + 1] in "'\""))
                and entry.key_line == first_line + text.count("\n", 0, entry.start)):
            return False
        end = entry.end
    return True


MAX_DEPTH = 50  # levels of nesting; a front matter needs three or four
MAX_NUMBER_CHARS = 1000  # a YAML number longer than this is no value of any use, and past 4,300 digits Python cannot even print it
NUMBER_TAGS = ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float")
MAX_NODES = 100_000  # values after aliases are expanded: a page is a few hundred; an alias bomb is billions
MAX_EXPANDED_CHARS = 20_000_000  # text after aliases are expanded: a page's front matter is a few KB, a 5,000-tag taxonomy 1 MB


def too_deep_at(text: str) -> int | None:
    """The line (0-based) where `[`/`{` brackets first open deeper than MAX_DEPTH, or None.

    Counts brackets outside quotes and comments; a bracket inside a plain scalar ("a [b") counts too,
    which can only make a hostile text fail sooner. Block nesting needs a wider indentation per level,
    so a text of bounded size cannot nest it deep enough to matter; check_bounds checks all after composing.
    """
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return None
    depth, line, quote, comment = 0, 0, "", False
    for index, char in enumerate(text):
        if char == "\n":
            line, comment = line + 1, False
        elif comment:
            continue
        elif quote:
            if char == quote and not (quote == '"' and text[index - 1] == "\\"):
                quote = ""
        elif char in "\"'" and (index == 0 or text[index - 1] in " \t\n[{,:"):
            quote = char
        elif char == "#" and (index == 0 or text[index - 1] in " \t\n"):
            comment = True
        elif char in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return line
        elif char in "]}":
            depth = max(0, depth - 1)
    return None


def check_bounds(path: Path, root: yaml.Node, first_line: int) -> None:
    """Refuse nesting and alias expansion beyond sane bounds before anything is constructed or
    compared: an alias bomb is tiny on disk but exponential once expanded, in values or in text (a
    long string aliased a million times). Work is linear in the number of distinct nodes (an aliased
    node is measured once)."""
    sizes: dict[int, tuple[int, int]] = {}  # per node: values and characters once expanded
    stack: list[tuple[yaml.Node, int, bool]] = [(root, 1, False)]
    while stack:
        node, depth, children_done = stack.pop()
        if depth > MAX_DEPTH:
            raise SourceError(path, first_line + node.start_mark.line, f"YAML nested too deeply (more than {MAX_DEPTH} levels)")
        children = ([n for pair in node.value for n in pair] if isinstance(node, yaml.MappingNode) else
                    node.value if isinstance(node, yaml.SequenceNode) else [])
        if children_done:
            own = len(node.value) if isinstance(node, yaml.ScalarNode) else 0
            values = 1 + sum(sizes[id(child)][0] for child in children)
            chars = own + sum(sizes[id(child)][1] for child in children)
            sizes[id(node)] = (values, chars)
            if values > MAX_NODES or chars > MAX_EXPANDED_CHARS:
                raise SourceError(path, first_line + node.start_mark.line, "YAML too large once its aliases are expanded "
                                  f"(over {MAX_NODES:,} values or {MAX_EXPANDED_CHARS:,} characters): is an anchor (&) used again and again?")
        elif id(node) not in sizes:
            if isinstance(node, yaml.ScalarNode) and node.tag in NUMBER_TAGS and len(node.value) > MAX_NUMBER_CHARS:
                raise SourceError(path, first_line + node.start_mark.line, f"a number of {len(node.value):,} characters: "
                                  f"no value is that long (at most {MAX_NUMBER_CHARS}); quote it if it is text")
            stack.append((node, depth, True))
            stack.extend((child, depth + 1, False) for child in children if id(child) not in sizes)


def failing_scalar(loader: yaml.SafeLoader, where: str, node: yaml.Node) -> tuple[str, yaml.Node]:
    """The innermost value under `node` that cannot be constructed, with the keys that lead to it
    ('lists: library: date'); `node` itself when none alone fails."""
    children: list[tuple[str, yaml.Node]] = []
    if isinstance(node, yaml.MappingNode):
        children = [(f"{where}: {k.value}", v) for k, v in node.value]
    elif isinstance(node, yaml.SequenceNode):
        children = [(where, v) for v in node.value]
    for inner, child in children:
        loader.recursive_objects = {}  # what the failed construction left half-built
        try:
            loader.construct_object(child, deep=True)
        except ValueError:
            return failing_scalar(loader, inner, child)
    return where, node


def shown(node: yaml.Node) -> str:
    return str(node.value) if isinstance(node, yaml.ScalarNode) else "this value"


def node_end(node: yaml.Node) -> int:
    """Where a value's own text ends: a block collection's end mark lies past any comment after it."""
    if isinstance(node, yaml.SequenceNode) and not node.flow_style and node.value:
        return node_end(node.value[-1])
    if isinstance(node, yaml.MappingNode) and not node.flow_style and node.value:
        return node_end(node.value[-1][1])
    return int(node.end_mark.index)


def check_keys(path: Path, entries: dict[str, Entry], allowed: Mapping[str, type]) -> None:
    """Unknown keys and wrong types are errors, each at its line."""
    for key, entry in entries.items():
        if key not in allowed:
            close = difflib.get_close_matches(key, list(allowed), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else f" (known: {', '.join(sorted(allowed))})"
            raise SourceError(path, entry.key_line, f"unknown key '{key}'{hint}")
        check_type(path, entry.key_line, key, entry.value, allowed[key])


def check_type(path: Path, line: int, key: str, value: object, expected: type) -> None:
    if value is None:
        return
    ok = (isinstance(value, expected) and not (expected is dt.date and isinstance(value, dt.datetime))
          and not (expected in (int, float) and isinstance(value, bool)))  # `year: true` is no year
    if expected is str and isinstance(value, (int, float)) and not isinstance(value, bool):
        ok = True
    if not ok:
        raise SourceError(path, line, f"'{key}' must be {TYPE_NAMES.get(expected, expected.__name__)}")


def load_mapping(path: Path, text: str, first_line: int, schema: Mapping[str, type]) -> dict[str, Any]:
    """A YAML mapping checked against `schema`: values by key, None left out."""
    entries = compose_mapping(path, text, first_line)
    check_keys(path, entries, schema)
    return {key: entry.value for key, entry in entries.items() if entry.value is not None}
