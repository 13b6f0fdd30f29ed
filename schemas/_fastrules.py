"""The fast path's code for record-level rules: each known rule's test inline, raising
`Reject` where `Rule.violations` would report anything; any other rule is called."""

from __future__ import annotations

from collections.abc import Mapping

from schemas._codegen import Source
from schemas._rules import AtMost, NotBefore, RequiredInItemsWhen, RequiredWhen, Rule, UniqueWithin

__all__ = ["rule_code"]


def rule_code(rule: Rule, source: Source, indent: int, values: Mapping[str, str]) -> None:
    """Add lines that raise `Reject` when the loaded record `out` breaks `rule`.

    `values` names the variables that hold the values of some of `out`'s keys (`out[key]` is
    that variable's value). Each known rule restates its class's `violations` as a test: the
    same reads of `out` in the same order, stopping at the first violation.
    """

    def value(key: str) -> str:
        return values.get(key) or f"out.get({key!r})"

    lines: list[str]
    if type(rule) is NotBefore:
        operator = "<=" if rule.strict else "<"
        lines = [
            f"ra = {value(rule.later)}",
            f"rb = {value(rule.earlier)}",
            f"if ra is not None and rb is not None and ra {operator} rb:",
            "    raise Reject",
        ]
    elif type(rule) is AtMost:
        lines = [
            f"ra = {value(rule.field)}",
            f"rb = {value(rule.limit)}",
            "if ra is not None and rb is not None and ra > rb:",
            "    raise Reject",
        ]
    elif type(rule) is UniqueWithin:
        lines = [
            "rb = set()",
            f"for ra in {value(rule.items)} or ():",
            f"    ra = ra.get({rule.key!r})",
            "    if ra in rb:",
            "        raise Reject",
            "    rb.add(ra)",
        ]
    elif type(rule) is RequiredInItemsWhen:
        lines = [
            f"if {value(rule.when)} in {source.name(rule.values)}:",
            f"    for ra in {value(rule.items)} or ():",
            f"        if ra.get({rule.field!r}) is None:",
            "            raise Reject",
        ]
    elif type(rule) is RequiredWhen:
        lines = [
            f"if {value(rule.when)} in {source.name(rule.values)} and {value(rule.field)} is None:",
            "    raise Reject",
        ]
    else:
        lines = [f"if {source.name(rule.violations)}(out):", "    raise Reject"]
    source.add(indent, *lines)
