"""The Jinja environment a site's templates run in: sandboxed and bounded.

A site's templates/ comes with the site (a cloned repository, a theme): they are code from someone
else. They may read the catalog they are given, never reach Python's internals, the file system or
another module (ImmutableSandboxedEnvironment, and no attribute of a path but its name), and what one
page may cost is bounded: loop steps, the size of any value made, the size of the page, the numbers
a power makes. Past a bound the page fails with one line at its template and line.

A site with no templates of its own renders with sitegen's theme alone, which is sitegen's own code:
ThemeEnvironment, the same Jinja with no sandbox (whose checks of every attribute and call made each
page 1.6 times as slow: 2.09 against 1.31 s of CPU for the 1,629 pages of 1,500 papers).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Generator, Iterable, Iterator
from functools import wraps
from pathlib import PurePath
from types import ModuleType
from typing import Any

from jinja2 import Environment, nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.filters import FILTERS
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
MAX_ARGUMENT = 100_000  # a number given to a filter or a call: a width, a count (as the sandbox's MAX_RANGE)
PERCENT_SPEC = re.compile(r"%[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?")  # a %-format's width and precision
BRACE_SPEC = re.compile(r"\{[^{}]*:([^{}]*)\}")  # a str.format field's spec, after its ':'



class ThemeEnvironment(Environment):
    """sitegen's own theme, with no template of the site's: rendered as it is written."""

    def start_page(self) -> None:
        """No budget to reset: the theme's pages cost what sitegen's code makes them cost."""

    def page_text(self, chunks: Generator[str, None, None]) -> str:
        return "".join(chunks)


class TooCostly(SecurityError):
    """A template asked for more than a page may cost."""


def check_arguments(args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    for value in (*args, *kwargs.values()):
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_ARGUMENT:
            raise TooCostly(f"a number argument of {value:,} (at most {MAX_ARGUMENT:,}): a width or count that large is no page's")


def check_format(text: str) -> None:
    """A format string whose width or precision (`%0999999999d`, `{:>999999999}`, `%*d`) is past the bounds."""
    numbers = [n for m in PERCENT_SPEC.finditer(text) for n in m.groups() if n]
    numbers += [n for spec in BRACE_SPEC.findall(text) for n in re.findall(r"\d+", spec)]
    if any(n == "*" or len(n) > len(str(MAX_ARGUMENT)) or int(n) > MAX_ARGUMENT for n in numbers):
        raise TooCostly(f"a format with a width or precision over {MAX_ARGUMENT:,}")


def bounded_arguments(function: Callable[..., Any]) -> Callable[..., Any]:
    """A built-in filter that refuses a number argument past MAX_ARGUMENT (`center(10**9)`, `batch(10**9, 'x')`,
    `indent(10**9)`) and a format past the bounds (`'%0999999999d'|format(1)`). Jinja's `pass_context`
    and `pass_environment` marks are kept (wraps copies them)."""
    @wraps(function)
    def checked(*args: Any, **kwargs: Any) -> Any:
        passed = getattr(function, "jinja_pass_arg", None) is not None
        value, rest = (args[1], args[2:]) if passed and len(args) > 1 else (args[0] if args else None, args[1:])
        check_arguments(rest, kwargs)
        if function is FILTERS["format"] and isinstance(value, str):
            check_format(value)
        return function(*args, **kwargs)
    return checked


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
        del self.globals["lipsum"]  # no use on a site, and `lipsum(10**6)` is minutes and gigabytes
        self.filters = {name: bounded_arguments(f) for name, f in self.filters.items()}

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
            check_format(left)
        return self.bounded(super().call_binop(context, operator, left, right))

    def call(__self, __context: Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805 (Jinja's own spelling)
        """A call with a number past MAX_ARGUMENT is refused (`'x'.center(10**9)`, `'x'.zfill(...)`), and
        so is str.format with a width or precision past the bounds (`'{:>999999999}'.format(1)`)."""
        check_arguments(args, kwargs)
        method = getattr(__obj, "__wrapped__", __obj)  # the sandbox hands out str.format wrapped
        if getattr(method, "__name__", "") in ("format", "format_map") and isinstance(getattr(method, "__self__", None), str):
            check_format(method.__self__)
        return super().call(__context, __obj, *args, **kwargs)

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
