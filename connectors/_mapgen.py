"""Generated Python source for a compiled field mapping: its way through a good record.

The closures of `connectors.mapping` make a call per field, each in a `try`, and build message
prefixes as they go. For a record that maps cleanly none of that is needed, so the generator
writes one function per target object (the record's, and each `each` element's) that reads every
field in straight-line code and returns the target dict. It checks nothing a failure would have
to explain: anything unexpected (a missing member, a transform's `TransformProblem`, a non-list
`each`) simply raises, and the mapper then runs the closures on the record, which decide and word
the `MappingError`. So the generated function must only ever agree with the closures on the
records it gets through; fields it has no special code for call their closure.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Union

from connectors.records import MISSING

FieldFn = Callable[[Any, str], Any]
"""A compiled field: (source object, source path prefix for messages) → target value."""

Tree = dict[str, Union["Leaf", "Tree"]]
"""Target fields by name: a compiled field, or a nested object of them (a dotted target)."""


@dataclass(frozen=True, slots=True)
class Leaf:
    """A compiled field in the target tree, with what the generator needs to write it inline.

    `kind` is `const` (`default` holds the value), `path` or `each` (a source read, then a
    transform or the `items` tree per element); any other field is generated as a call of `fn`.
    """

    fn: FieldFn
    kind: str = "call"
    get: Callable[[Any], Any] | None = None
    member: str | None = None
    has_default: bool = False
    default: Any = None
    transform: Callable[[Any], Any] | None = None
    enum: dict[str, Any] | None = None
    items: Tree | None = None


def generate(tree: Tree) -> Callable[[Any], dict[str, Any]]:
    """A function mapping a record that maps cleanly exactly as `tree`'s closures do; for any
    other record it raises (any exception), and the closures must be asked."""
    writer = _Writer()
    name = writer.function(tree)
    text = "\n".join(writer.lines)
    exec(compile(text, "<generated mapping>", "exec"), writer.namespace)  # source is ours
    function: Callable[[Any], dict[str, Any]] = writer.namespace[name]
    return function


class _Writer:
    """The source of the generated functions and the objects they refer to by name."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.namespace: dict[str, Any] = {"MISSING": MISSING, "deepcopy": copy.deepcopy}
        self.functions = 0

    def name(self, value: Any) -> str:
        """A global name under which the generated code sees `value`."""
        name = f"_g{len(self.namespace)}"
        self.namespace[name] = value
        return name

    def constant(self, value: Any) -> str:
        """An expression giving `value` as the closures do: a fresh copy of a dict or list."""
        if value is None or type(value) in (str, int, bool):
            return repr(value)
        if isinstance(value, dict | list):
            return f"deepcopy({self.name(value)})"
        return self.name(value)

    def function(self, tree: Tree) -> str:
        """Write the function building `tree`'s target object from a source `s`; its name."""
        # Members are read by subscript, which on a dict subclass (a defaultdict) could differ
        # from the closures' `get`: such a source, and any non-object, goes to the closures.
        body = ["    if s.__class__ is not dict: raise TypeError"]
        expression = self._object(tree, body)
        self.functions += 1
        name = f"_map{self.functions}"
        self.lines += [f"def {name}(s):", *body, f"    return {expression}", ""]
        return name

    def _object(self, tree: Tree, body: list[str]) -> str:
        entries = []
        for key, node in tree.items():
            value = self._leaf(node, body) if isinstance(node, Leaf) else self._object(node, body)
            entries.append(f"{key!r}: {value}")
        return "{" + ", ".join(entries) + "}"

    def _leaf(self, leaf: Leaf, body: list[str]) -> str:
        if leaf.kind == "const":
            return self.constant(leaf.default)
        variable = f"v{len(body)}"
        if leaf.kind == "call":
            body.append(f"    {variable} = {self.name(leaf.fn)}(s, '')")
            return variable
        lines = self._read(leaf, variable)
        if leaf.kind == "each":
            assert leaf.items is not None
            item = self.function(leaf.items)
            convert = [
                f"if not isinstance({variable}, list): raise TypeError",
                f"{variable} = [{item}(e) for e in {variable}]",
            ]
        elif leaf.enum is not None:
            table, transform = self.name(leaf.enum), self.name(leaf.transform)
            # A label that is a string in the table is looked up here; anything else (a number,
            # a list, an unmapped label) goes through the transform, which decides.
            convert = [
                f"if {variable}.__class__ is str and {variable} in {table}:",
                f"    {variable} = {table}[{variable}]",
                "else:",
                f"    {variable} = {transform}({variable})",
            ]
        elif leaf.transform is not None:
            convert = [f"{variable} = {self.name(leaf.transform)}({variable})"]
        else:
            convert = []
        # A default of None is what a null or missing value already reads as.
        fills_null = leaf.has_default and leaf.default is not None
        if convert and fills_null:
            lines += [f"if {variable} is None:", f"    {variable} = {self.constant(leaf.default)}"]
            lines += ["else:", *("    " + line for line in convert)]
        elif convert:
            # Without a default, or with None, a null stays null, untransformed.
            lines += [f"if {variable} is not None:", *("    " + line for line in convert)]
        elif fills_null:
            lines += [f"if {variable} is None:", f"    {variable} = {self.constant(leaf.default)}"]
        body.extend("    " + line for line in lines)
        return variable

    def _read(self, leaf: Leaf, variable: str) -> list[str]:
        """Lines setting `variable` to the field's source value: None when it is missing and
        there is a default; without a default a missing value raises."""
        if leaf.member is not None:
            read = f"s.get({leaf.member!r})" if leaf.has_default else f"s[{leaf.member!r}]"
            return [f"{variable} = {read}"]
        lines = [f"{variable} = {self.name(leaf.get)}(s)"]
        if leaf.has_default:
            return [*lines, f"if {variable} is MISSING: {variable} = None"]
        return [*lines, f"if {variable} is MISSING: raise KeyError"]
