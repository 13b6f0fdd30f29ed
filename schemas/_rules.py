"""Record-level rules: checks across fields, declared as data so both load paths run them.

A schema lists its rules in `rules`; `RuleSchema` runs them once every field has loaded
cleanly, and the fast path calls the same `check_rules` on its own (identical) loaded dict.
"""

from __future__ import annotations

import abc
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from marshmallow import RAISE, Schema, ValidationError, validates_schema

Path = tuple[str | int, ...]
Violation = tuple[Path, str]


class Rule(abc.ABC):
    """One rule across the fields of a loaded record."""

    @abc.abstractmethod
    def violations(self, data: Mapping[str, Any]) -> Sequence[Violation]:
        """The (path of the offending field, message) pairs; empty when the record obeys.

        `data` is the loaded record; optional fields may be None.
        """


@dataclass(frozen=True, slots=True)
class NotBefore(Rule):
    """`later` is not before `earlier` (or strictly after it, if `strict`): two times loaded by
    `AwareDateTime`."""

    later: str
    earlier: str
    strict: bool = False

    def violations(self, data: Mapping[str, Any]) -> Sequence[Violation]:
        later, earlier = data.get(self.later), data.get(self.earlier)
        if later is None or earlier is None:
            return ()
        # AwareDateTime writes `YYYY-MM-DDTHH:MM:SS[.ffffff]+00:00`, years 1970-2099: as text
        # these sort as the times do (a whole second's "+" sorts before a fraction's ".").
        if self.strict and later <= earlier:
            return [((self.later,), f"Must be after {self.earlier}.")]
        if later < earlier:
            return [((self.later,), f"Must not be before {self.earlier}.")]
        return ()


@dataclass(frozen=True, slots=True)
class AtMost(Rule):
    """The number in `field` is at most the number in `limit`."""

    field: str
    limit: str

    def violations(self, data: Mapping[str, Any]) -> Sequence[Violation]:
        value, limit = data.get(self.field), data.get(self.limit)
        if value is not None and limit is not None and value > limit:
            return [((self.field,), f"Must not be more than {self.limit}.")]
        return ()


@dataclass(frozen=True, slots=True)
class UniqueWithin(Rule):
    """No two items of the list `items` share a value of `key`; repeats are flagged."""

    items: str
    key: str

    def violations(self, data: Mapping[str, Any]) -> Sequence[Violation]:
        found: list[Violation] = []
        seen: set[Any] = set()
        for index, item in enumerate(data.get(self.items) or ()):
            value = item.get(self.key)
            if value in seen:
                found.append(
                    ((self.items, index, self.key), f"Duplicate {self.key} in {self.items}.")
                )
            seen.add(value)
        return found


@dataclass(frozen=True, slots=True)
class RequiredInItemsWhen(Rule):
    """Every item of `items` has `field` when the record's `when` is one of `values`."""

    items: str
    field: str
    when: str
    values: frozenset[str]

    def violations(self, data: Mapping[str, Any]) -> Sequence[Violation]:
        if data.get(self.when) not in self.values:
            return ()
        lacking = [
            index
            for index, item in enumerate(data.get(self.items) or ())
            if item.get(self.field) is None
        ]
        if not lacking:
            return ()
        message = f"Required when {self.when} is {' or '.join(sorted(self.values))}."
        return [((self.items, index, self.field), message) for index in lacking]


@dataclass(frozen=True, slots=True)
class RequiredWhen(Rule):
    """`field` is present (not None) when the record's `when` is one of `values`; otherwise
    it is optional. `message` defaults to naming `when` and `values`."""

    field: str
    when: str
    values: frozenset[str]
    message: str | None = None

    def violations(self, data: Mapping[str, Any]) -> Sequence[Violation]:
        if data.get(self.when) in self.values and data.get(self.field) is None:
            message = self.message or (
                f"Required when {self.when} is {' or '.join(sorted(self.values))}."
            )
            return [((self.field,), message)]
        return ()


def check_rules(rules: tuple[Rule, ...], data: Mapping[str, Any]) -> dict[str | int, Any]:
    """Every violation of `rules` by `data`, nested the way marshmallow nests messages."""
    errors: dict[str | int, Any] = {}
    for rule in rules:
        for path, message in rule.violations(data):
            node = errors
            for part in path[:-1]:
                node = node.setdefault(part, {})
            node.setdefault(path[-1], []).append(message)
    return errors


class RuleSchema(Schema):
    """A schema that rejects unknown fields and, once its fields load cleanly, runs `rules`."""

    rules: ClassVar[tuple[Rule, ...]] = ()

    class Meta:
        unknown = RAISE

    @validates_schema
    def _check_rules(self, data: Mapping[str, Any], **kwargs: Any) -> None:
        errors = check_rules(self.rules, data)
        if errors:
            raise ValidationError(errors)
