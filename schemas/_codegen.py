"""What the fast path's compilers share: the generated source, its outcome and its caches."""

from __future__ import annotations

import ast
import itertools
import linecache
import math
import textwrap
from collections.abc import Callable
from typing import Any

from marshmallow import ValidationError
from marshmallow.constants import missing

from schemas import _context

#: Numbers the generated functions' file names apart.
_COMPILED = itertools.count(1)
#: Loads one present value given the raw mapping it came from (None for a list's items).
Conv = Callable[[Any, Any], Any]
#: Source lines that load `v`, for inputs that pass the condition: `(condition, lines)`.
Branch = tuple[str, list[str]]


class Reject(Exception):
    """The fast path does not accept this input; marshmallow must decide (and word the error)."""


class Unsupported(Exception):
    """The compiler meets something it cannot prove equivalent; the schema stays on marshmallow."""


class Memo(dict[Any, Any]):
    """Results of a pure function by argument, for values that recur across records (a
    catalog's start times, prices, URL hosts). It forgets everything once it holds `limit`
    entries, so a stream of distinct values costs memory once and little time."""

    __slots__ = ("limit",)

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit

    def put(self, key: Any, value: Any) -> None:
        """Remember `value` for `key`."""
        # Dict operations hold the GIL, so threads sharing a normalizer at worst lose entries.
        if len(self) >= self.limit:
            self.clear()
        self[key] = value


class Source:
    """The text of one generated function and the objects it refers to by name.

    `prelude` lines run once at the top of the function, before the field code in `lines`;
    `once` puts a computation there and names its result for every field that needs it.
    A source made with another's `namespace` (or by `child`) holds lines to place into that one.
    """

    def __init__(
        self, namespace: dict[str, Any] | None = None, *, data_is_dict: bool, happy: bool = False
    ) -> None:
        self.lines: list[str] = []
        self.prelude: list[str] = []
        self._once: dict[Any, str] = {}
        self._shared: dict[Any, Any] = {}
        #: Whether `data` is the raw dict being loaded (a schema's) rather than None (an item's).
        self.data_is_dict = data_is_dict
        #: Whether this is a happy path's source (`schemas._fastpath.compile_happy_loader`): one
        #: that reads the load's context from its parameter `ctx` and calls nothing that reads
        #: the context variable.
        self.happy = happy
        self.namespace: dict[str, Any] = (
            namespace
            if namespace is not None
            else {
                "Reject": Reject,
                "ValidationError": ValidationError,
                "missing": missing,
                "isfinite": math.isfinite,
            }
        )

    def child(self) -> Source:
        """A source for lines to place into this one's: same namespace, same prelude."""
        child = Source(self.namespace, data_is_dict=self.data_is_dict, happy=self.happy)
        child.prelude = self.prelude
        child._once = self._once
        child._shared = self._shared
        return child

    def name(self, value: Any) -> str:
        """A name under which the function sees `value`."""
        name = f"_{len(self.namespace)}"
        self.namespace[name] = value
        return name

    def const(self, value: Any) -> str:
        """`value` as an expression: a literal for a str, an int or a finite float (the
        function then reads a constant, not a global), else a name."""
        if type(value) in (str, int) or (type(value) is float and math.isfinite(value)):
            return repr(value)
        if value is None:
            return "None"
        return self.name(value)

    def context(self) -> str:
        """An expression of the load's `LoadContext`: a happy path's parameter `ctx`, else the
        context variable's value."""
        return "ctx" if self.happy else f"{self.name(_context.CURRENT.get)}()"

    def shared(self, key: Any, make: Callable[[], Any]) -> Any:
        """The object made by `make` for `key`, one for the whole function."""
        found = self._shared.get(key)
        if found is None:
            found = self._shared[key] = make()
        return found

    def once(self, key: Any, lines: Callable[[str], list[str]]) -> str:
        """The variable that `lines(variable)` set in the prelude, written there the first
        time `key` is asked for."""
        variable = self._once.get(key)
        if variable is None:
            variable = self._once[key] = f"p{len(self._once)}"
            self.prelude.extend("    " + line for line in lines(variable))
        return variable

    def add(self, indent: int, *lines: str) -> None:
        """Append `lines`, indented `indent` levels."""
        self.lines.extend("    " * indent + line for line in lines)

    def rename(self, start: int, old: str, new: str) -> None:
        """Rename the variable `old` to `new` in the lines from `start` on (a block of whole
        statements at one indent): only names, never text inside strings."""
        block = self.lines[start:]
        indent = block[0][: len(block[0]) - len(block[0].lstrip())]
        tree = ast.parse(textwrap.dedent("\n".join(block)))
        for node in ast.walk(tree):
            if isinstance(node, ast.Name) and node.id == old:
                node.id = new
        self.lines[start:] = textwrap.indent(ast.unparse(tree), indent).splitlines()

    def compile(self, header: str, function: str, title: str) -> Any:
        """Compile `header` (the def and the lines before the prelude), the prelude and the
        lines, and return the function named `function`. Its text stays readable as
        `inspect.getsource(function)`, and tracebacks through it show its lines."""
        text = "\n".join([header, *self.prelude, *self.lines]) + "\n"
        filename = f"<fast path: {title} {next(_COMPILED)}>"
        # An entry without a modification time is one linecache.checkcache keeps.
        linecache.cache[filename] = (len(text), None, text.splitlines(keepends=True), filename)
        exec(compile(text, filename, "exec"), self.namespace)  # the source is ours
        return self.namespace[function]
