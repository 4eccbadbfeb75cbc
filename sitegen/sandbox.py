"""The Jinja environment a site's templates run in: sandboxed and bounded.

A site's templates/ comes with the site (a cloned repository, a theme): they are code from someone
else. They may read the catalog they are given, never reach Python's internals, the file system or
another module (ImmutableSandboxedEnvironment, and no attribute of a path but its name), and what one
page may cost is bounded: loop steps, the size of any value made, the size of the page, the numbers
a power makes. Past a bound the page fails with one line at its template and line.
"""

from __future__ import annotations

import re
from collections.abc import Generator, Iterable, Iterator
from pathlib import PurePath
from types import ModuleType
from typing import Any

from jinja2 import nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.exceptions import SecurityError
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment

# Far above what a 10,000-paper site needs (its longest page loops over some 30,000 paths, and is
# under 10 MB), far below what stalls or exhausts a laptop.
MAX_LOOP_STEPS = 10_000_000  # loop iterations per page
MAX_VALUE_SIZE = 50_000_000  # characters of a text, items of a list, that a template makes
MAX_PAGE_CHARS = 200_000_000  # characters of one rendered file
MAX_POWER_BITS = 100_000  # bits of a number `**` makes (a 30,000-digit number)
PATH_ATTRIBUTES = frozenset({"name", "stem", "suffix"})  # of a page's path: the rest reads and writes files
FORMAT_WIDTH = re.compile(r"%[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?")


class TooCostly(SecurityError):
    """A template asked for more than a page may cost."""


class BoundingCodeGenerator(CodeGenerator):
    """Compiles templates so that every loop step is counted and every value a filter, a call or
    `~` makes is measured (the sandbox itself sees only attribute access, calls and operators)."""

    def visit_For(self, node: nodes.For, frame: Frame) -> None:
        node.iter = nodes.Call(nodes.EnvironmentAttribute("counted", lineno=node.lineno), [node.iter], [], None, None,
                               lineno=node.lineno)
        super().visit_For(node, frame)

    def visit_Filter(self, node: nodes.Filter, frame: Frame) -> None:
        self.write("environment.bounded(")
        super().visit_Filter(node, frame)
        self.write(")")

    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        self.write("environment.bounded(")
        super().visit_Concat(node, frame)
        self.write(")")

    def visit_Call(self, node: nodes.Call, frame: Frame, forward_caller: bool = False) -> None:
        self.write("environment.bounded(")
        super().visit_Call(node, frame, forward_caller=forward_caller)
        self.write(")")


class BoundedEnvironment(ImmutableSandboxedEnvironment):
    """The sandbox, with a budget per rendered page (`start_page` resets it)."""

    code_generator_class = BoundingCodeGenerator
    intercepted_binops = frozenset({"*", "**", "+", "%"})

    def __init__(self, **options: Any) -> None:
        super().__init__(optimized=False, **options)  # no folding of constants at compile time: `'x'|center(10**12)` would run there, unbounded
        self.steps_left = MAX_LOOP_STEPS

    def start_page(self) -> None:
        self.steps_left = MAX_LOOP_STEPS

    def counted(self, iterable: Iterable[Any]) -> Iterator[Any]:
        for item in iterable:
            self.steps_left -= 1
            if self.steps_left < 0:
                raise TooCostly(f"the page's loops ran more than {MAX_LOOP_STEPS:,} steps")
            yield item

    def bounded(self, value: Any) -> Any:
        if isinstance(value, (str, list, tuple, dict, set)) and len(value) > MAX_VALUE_SIZE:
            raise TooCostly(f"a value of {len(value):,} items or characters (at most {MAX_VALUE_SIZE:,})")
        return value

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        """`*`, `+`, `**` and `%` refused before they make a value past the bounds."""
        if operator == "*":
            count, sized = (left, right) if isinstance(left, int) else (right, left)
            if isinstance(count, int) and hasattr(sized, "__len__") and len(sized) * count > MAX_VALUE_SIZE:
                raise TooCostly(f"'*' would make a value of {len(sized) * count:,} items or characters (at most {MAX_VALUE_SIZE:,})")
        elif operator == "+" and hasattr(left, "__len__") and hasattr(right, "__len__"):
            if len(left) + len(right) > MAX_VALUE_SIZE:
                raise TooCostly(f"'+' would make a value of {len(left) + len(right):,} items or characters (at most {MAX_VALUE_SIZE:,})")
        elif operator == "**" and isinstance(left, int) and isinstance(right, int) and right > 0:
            if abs(left).bit_length() * right > MAX_POWER_BITS:
                raise TooCostly(f"'**' would make a number of over {MAX_POWER_BITS:,} bits")
        elif operator == "%" and isinstance(left, str):
            widths = [int(n) if n != "*" else MAX_VALUE_SIZE + 1 for m in FORMAT_WIDTH.finditer(left) for n in m.groups() if n]
            if widths and max(widths) > MAX_VALUE_SIZE:
                raise TooCostly(f"'%' with a width or precision over {MAX_VALUE_SIZE:,}")
        return self.bounded(super().call_binop(context, operator, left, right))

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        """No module, and of a path only its name: `paper.path.read_text()` would read any file."""
        if isinstance(obj, ModuleType) or isinstance(value, ModuleType):
            return False
        if isinstance(obj, PurePath) and attr not in PATH_ATTRIBUTES:
            return False
        return bool(super().is_safe_attribute(obj, attr, value))

    def page_text(self, chunks: Generator[str, None, None]) -> str:
        """A rendered page, refused once it grows past MAX_PAGE_CHARS (the error raised in the
        template, so that it names the line that wrote too much)."""
        parts, size = [], 0
        for chunk in chunks:
            size += len(chunk)
            if size > MAX_PAGE_CHARS:
                chunks.throw(TooCostly(f"the page grew past {MAX_PAGE_CHARS:,} characters"))
            parts.append(chunk)
        return "".join(parts)
