"""The fast path: a schema's load, compiled once into plain Python.

marshmallow stays the single source of truth. `compile_loader` walks a schema instance — its
load fields, each field's class, options and validators, and its hooks — and writes one Python
function per schema that does what `Schema.load` does, without marshmallow's per-call machinery
(error stores, validator composition, hook dispatch, one call per step). Each field follows
`Field.deserialize` step for step: missing (required or default), null (allowed or not),
`_deserialize`, then the validators; the record-level rules come last, as in marshmallow.

The function is written as source text and compiled, because the same steps as closures (one
per field and validator) cost too many calls: source lets every step run inline. What it names
lives in its namespace: constants, a field's `parse`, validators, nested loaders, and for each
field an exact closure of `Field.deserialize` (`_conv`) that takes the inputs the inline path
does not (a str where a number is usual...).

The loader returns the document `Schema.load` would return, or raises `Reject`; it never words
an error. On `Reject` the caller runs marshmallow, which rejects with the canonical messages.
For JSON-shaped input (dict, list, str, int, float, bool, None) the loader rejects exactly what
marshmallow rejects; other containers (a non-dict mapping, a set, a generator that must not be
read twice) it rejects, leaving marshmallow to decide. Anything the compiler does not know — a
field class, validator, hook, pre/post-load function or schema option — makes `compile_loader`
return None: that schema is always loaded by marshmallow.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from marshmallow import EXCLUDE, RAISE, Schema, ValidationError, fields, validate
from marshmallow.constants import missing
from marshmallow.decorators import POST_LOAD, PRE_LOAD, VALIDATES, VALIDATES_SCHEMA

from schemas._rules import Rule, RuleSchema
from schemas._validators import Pattern
from schemas.fields import ParsedField, Text

__all__ = ["Loader", "Reject", "compile_loader"]

Loader = Callable[[Any], dict[str, Any]]
#: Loads one present value given the raw mapping it came from (None for a list's items).
Conv = Callable[[Any, Any], Any]
Check = Callable[[Any], None]


class Reject(Exception):
    """The fast path does not accept this input; marshmallow must decide (and word the error)."""


class _Unsupported(Exception):
    """The compiler meets something it cannot prove equivalent; the schema stays on marshmallow."""


def compile_loader(schema: Schema) -> Loader | None:
    """A function equivalent to `schema.load` (see the module docstring), or None when the
    schema uses anything the compiler does not know."""
    try:
        return _schema_loader(schema, schema.unknown)
    except _Unsupported:
        return None


# Methods whose behaviour the loader copies; a subclass that overrides one is unknown.
_SCHEMA_METHODS = (
    "load",
    "_do_load",
    "_deserialize",
    "_call_and_store",
    "_invoke_field_validators",
    "_invoke_schema_validators",
    "_run_validator",
)
_FIELD_METHODS = ("deserialize", "_validate_missing", "_validate")
_STRING_FIELDS = (fields.String, fields.Url, fields.Email)


class _Source:
    """The text of one generated function and the objects it refers to by name. A source made
    with another's `namespace` holds lines to place into that one."""

    def __init__(self, namespace: dict[str, Any] | None = None) -> None:
        self.lines: list[str] = []
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

    def name(self, value: Any) -> str:
        """A name under which the function sees `value`."""
        name = f"_{len(self.namespace)}"
        self.namespace[name] = value
        return name

    def add(self, indent: int, *lines: str) -> None:
        self.lines.extend("    " * indent + line for line in lines)

    def compile(self, function: str, title: str) -> Any:
        code = compile("\n".join(self.lines), f"<fast path: {title}>", "exec")
        exec(code, self.namespace)  # the source is ours, written just above from field options
        return self.namespace[function]


def _schema_loader(schema: Schema, unknown: str) -> Loader:
    """`schema.load(data, unknown=unknown)` as a generated function `load(data)`."""
    cls = type(schema)
    if any(getattr(cls, name) is not getattr(Schema, name) for name in _SCHEMA_METHODS):
        raise _Unsupported(f"{cls.__name__} overrides how it loads")
    if schema.many or schema.partial or cls.dict_class is not dict:
        raise _Unsupported(f"{cls.__name__} has options the fast path does not copy")
    if unknown not in (RAISE, EXCLUDE):
        raise _Unsupported(f"{cls.__name__} includes unknown fields")
    rules = _rules_of(schema)

    source = _Source()
    body = _Source(source.namespace)
    known = []
    for name, field in schema.load_fields.items():
        data_key = field.data_key if field.data_key is not None else name
        out_key = field.attribute or name
        if "." in out_key:
            raise _Unsupported(f"{cls.__name__}.{name} loads into a nested attribute")
        known.append(data_key)
        body.add(1, f"v = get({data_key!r}, missing)")
        if _value_code(field, body, 1):
            body.add(1, "if v is not missing:", f"    out[{out_key!r}] = v")
        else:
            body.add(1, f"out[{out_key!r}] = v")
    # marshmallow runs the rules (check_rules) only once every field has loaded, as here.
    for rule in rules:
        body.add(1, f"if {source.name(rule.violations)}(out):", "    raise Reject")
    body.add(1, "return out")

    source.add(0, "def load(data):")
    if unknown == RAISE:
        known_keys = source.name(frozenset(known))
        source.add(1, f"if type(data) is not dict or not {known_keys}.issuperset(data):")
    else:
        source.add(1, "if type(data) is not dict:")
    source.add(1, "    raise Reject", "get = data.get", "out = {}")
    source.lines += body.lines
    return cast(Loader, source.compile("load", cls.__name__))


def _rules_of(schema: Schema) -> tuple[Rule, ...]:
    """The record-level rules the schema's hooks run; a hook other than `RuleSchema`'s is
    unknown, and so is any pre-load, post-load or field-validator hook."""
    hooks = schema._hooks
    if hooks[PRE_LOAD] or hooks[POST_LOAD] or hooks[VALIDATES]:
        raise _Unsupported(f"{type(schema).__name__} has load hooks")
    schema_hooks = hooks[VALIDATES_SCHEMA]
    if not schema_hooks:
        return ()
    if not isinstance(schema, RuleSchema) or len(schema_hooks) != 1:
        raise _Unsupported(f"{type(schema).__name__} has schema validators")
    name, pass_collection, options = schema_hooks[0]
    if (
        name != "_check_rules"
        or type(schema)._check_rules is not RuleSchema._check_rules
        or pass_collection
        or options.get("pass_original")
        or not options.get("skip_on_field_errors")
    ):
        raise _Unsupported(f"{type(schema).__name__} has schema validators")
    return tuple(schema.rules)


def _item_fn(field: fields.Field[Any]) -> Conv:
    """`field.deserialize` of a list's item (never missing; List gives it no parent mapping)."""
    source = _Source()
    source.add(0, "def item(v, data):")
    _value_code(field, source, 1)
    source.add(1, "return v")
    return cast(Conv, source.compile("item", f"item of {type(field).__name__}"))


def _value_code(field: fields.Field[Any], source: _Source, indent: int) -> bool:
    """Source that loads `v` (the raw value, or `missing`) into `v`, as `field.deserialize`
    would, or raises `Reject`; `data` is the raw parent mapping. True when an absent value
    stays `missing` (no default), so the caller must not store it."""
    cls = type(field)
    if any(getattr(cls, name) is not getattr(fields.Field, name) for name in _FIELD_METHODS):
        raise _Unsupported(f"{cls.__name__} overrides how it deserializes")
    if field.pre_load or field.post_load:
        raise _Unsupported(f"{cls.__name__} has pre/post-load functions")
    core = _core(field)
    conv = source.name(_conv(field, core))
    # The field's usual input type first: neither missing nor None is of it.
    usual = _usual_code(field, source, core)
    if usual is not None:
        condition, body = usual
        source.add(indent, f"if {condition}:", *("    " + line for line in body))
    branch = "if" if usual is None else "elif"
    # Field.deserialize: a missing value is required or takes the default, unvalidated.
    default = field.load_default
    if field.required:
        source.add(indent, f"{branch} v is missing:", "    raise Reject")
    elif callable(default):
        source.add(indent, f"{branch} v is missing:", f"    v = {source.name(default)}()")
    elif default is not missing:
        source.add(indent, f"{branch} v is missing:", f"    v = {source.name(default)}")
    else:
        source.add(indent, f"{branch} v is missing:", "    pass")
    # Then null is allowed or not; then _deserialize and the validators.
    source.add(indent, "elif v is None:", "    pass" if field.allow_none else "    raise Reject")
    if usual is None:
        # A parsed field takes any present value through its parse.
        parse = source.name(cast(ParsedField[Any], field).parse)
        source.add(indent, "else:", "    try:", f"        v = {parse}(v, data)")
        source.add(indent + 1, "except ValidationError:", "    raise Reject from None")
        _checks_code(list(field.validators), source, indent + 1, hashable=False)
    else:
        source.add(indent, "else:", f"    v = {conv}(v, data)")
    return not field.required and default is missing


def _usual_code(
    field: fields.Field[Any], source: _Source, core: _Core
) -> tuple[str, list[str]] | None:
    """The test for the field's usual input type and the source that loads such a `v`; None
    for a parsed field, whose parse takes every present value."""
    cls = type(field)
    validators = list(field.validators)
    if isinstance(field, ParsedField):
        if cls is Text and not validators:
            # Text.parse gives a str that is not blank once stripped, and not too long, stripped.
            limit = source.name(cast(Text, field).max_length)
            return f"type(v) is str and 0 < len(t := v.strip()) <= {limit}", ["v = t"]
        return None
    body = _Source(source.namespace)
    if cls in _STRING_FIELDS:
        condition = "type(v) is str"
    elif cls is fields.Integer:
        condition = "type(v) is int"
    elif cls is fields.Float and not cast(fields.Float, field).allow_nan:
        # float(value) of an int is finite, or OverflowError, which marshmallow rejects too.
        condition = "type(v) is float and isfinite(v) or type(v) is int"
        body.add(
            0, "try:", "    v = float(v)", "except OverflowError:", "    raise Reject from None"
        )
    elif cls is fields.Nested:
        condition = "type(v) is dict"
        body.add(0, f"v = {source.name(core.part)}(v)")
    elif cls is fields.List:
        condition = "type(v) is list"
        body.add(0, f"v = [{source.name(core.part)}(x, None) for x in v]")
    else:
        raise _Unsupported(f"no fast path for {cls.__name__}")
    _checks_code(validators, body, 0, hashable=cls in _STRING_FIELDS)
    return condition, body.lines or ["pass"]


def _checks_code(validators: list[Any], source: _Source, indent: int, *, hashable: bool) -> None:
    """Source that raises `Reject` unless loaded `v` passes every validator; `hashable` says
    the loaded value is a str, so a set can answer for OneOf's tuple."""
    for validator in validators:
        cls = type(validator)
        if cls is validate.Length:
            low, high = _length_bounds(validator)
            source.add(
                indent,
                f"if not {source.name(low)} <= len(v) <= {source.name(high)}:",
                "    raise Reject",
            )
        elif cls is validate.Range:
            tests = []
            if validator.min is not None:
                operator = "<" if validator.min_inclusive else "<="
                tests.append(f"v {operator} {source.name(validator.min)}")
            if validator.max is not None:
                operator = ">" if validator.max_inclusive else ">="
                tests.append(f"v {operator} {source.name(validator.max)}")
            if tests:
                source.add(indent, f"if {' or '.join(tests)}:", "    raise Reject")
        elif (
            cls is validate.OneOf
            and hashable
            and all(type(choice) is str for choice in validator.choices)
        ):
            allowed = source.name(frozenset(validator.choices))
            source.add(indent, f"if v not in {allowed}:", "    raise Reject")
        elif cls is Pattern:
            match = source.name(validator.compiled.fullmatch)
            source.add(indent, f"if {match}(v) is None:", "    raise Reject")
        else:
            source.add(indent, f"{source.name(_check(validator))}(v)")


def _length_bounds(validator: validate.Length) -> tuple[float, float]:
    if validator.equal is not None:
        return validator.equal, validator.equal
    low = 0 if validator.min is None else validator.min
    high = math.inf if validator.max is None else validator.max
    return low, high


def _nested_loader(field: fields.Nested) -> Loader:
    schema = field.schema
    if field.many or schema.many:
        raise _Unsupported("Nested(many=True)")
    return _schema_loader(schema, field.unknown if field.unknown is not None else schema.unknown)


# `Field.deserialize` as closures: what the generated code calls for unusual inputs.


def _conv(field: fields.Field[Any], core: _Core) -> Conv:
    """`Field.deserialize` of one value: missing and null, the default, `core`
    (`_deserialize`), then the validators."""
    deserialize = core.deserialize
    checks = tuple(_check(validator) for validator in field.validators)
    required, allow_none = field.required, field.allow_none
    default = field.load_default
    default_is_factory = callable(default)

    def conv(value: Any, data: Any) -> Any:
        if value is missing:
            if required:
                raise Reject
            return default() if default_is_factory else default
        if value is None:
            if allow_none:
                return None
            raise Reject
        out = deserialize(value, data)
        for check in checks:
            check(out)
        return out

    return conv


@dataclass(frozen=True, slots=True)
class _Core:
    """A field's `_deserialize`, and the compiled part it runs (a nested loader, a list's item
    function) that the generated code calls directly."""

    deserialize: Conv
    part: Any = None


def _core(field: fields.Field[Any]) -> _Core:
    """`field._deserialize`, for the known field classes."""
    cls = type(field)
    if isinstance(field, ParsedField) and cls._deserialize is ParsedField._deserialize:
        return _Core(_parsed_core(field))
    if cls in _STRING_FIELDS:
        return _Core(_as_is_core(field, str))
    if cls is fields.Integer:
        return _Core(_as_is_core(field, int))
    if cls is fields.Float and not cast(fields.Float, field).allow_nan:
        return _Core(_float_core(field))
    if cls is fields.Nested:
        load = _nested_loader(cast(fields.Nested, field))
        return _Core(_loader_core(load), load)
    if cls is fields.List:
        item = _item_fn(cast(fields.List[Any], field).inner)
        return _Core(_list_core(item), item)
    raise _Unsupported(f"no fast path for {cls.__name__}")


def _parsed_core(field: ParsedField[Any]) -> Conv:
    parse = field.parse

    def core(value: Any, data: Any) -> Any:
        try:
            return parse(value, data)
        except ValidationError:
            raise Reject from None

    return core


def _through_field(field: fields.Field[Any], value: Any, data: Any) -> Any:
    try:
        return field._deserialize(value, field.name, data)
    except ValidationError:
        raise Reject from None


def _as_is_core(field: fields.Field[Any], kind: type) -> Conv:
    # String and Integer (strict or not) load a value of exactly their type as itself.
    def core(value: Any, data: Any) -> Any:
        if type(value) is kind:
            return value
        return _through_field(field, value, data)

    return core


def _float_core(field: fields.Field[Any]) -> Conv:
    def core(value: Any, data: Any) -> Any:
        if type(value) is float:
            if math.isfinite(value):
                return value
            raise Reject
        return _through_field(field, value, data)

    return core


def _loader_core(load: Loader) -> Conv:
    # Nested._deserialize is schema.load(value); the loader turns away whatever is not a dict.
    def core(value: Any, data: Any) -> Any:
        return load(value)

    return core


def _list_core(item: Conv) -> Conv:
    def core(value: Any, data: Any) -> Any:
        # Other collections (sets, generators) are left to marshmallow: a generator read here
        # would be spent before marshmallow could read it.
        if type(value) is list or type(value) is tuple:
            return [item(each, None) for each in value]
        raise Reject

    return core


def _check(validator: Any) -> Check:
    """The validator as a check that raises `Reject`; an unknown validator is unsupported."""
    cls = type(validator)
    if cls is validate.Length:
        low, high = _length_bounds(validator)
        return _predicate_check(lambda value: low <= len(value) <= high)
    if cls is validate.Range:
        return _call_check(validator)
    if cls is validate.OneOf:
        return _call_check(validator)
    if cls is Pattern:
        fullmatch = validator.compiled.fullmatch
        return _predicate_check(lambda value: fullmatch(value) is not None)
    if cls is validate.Regexp:
        match = validator.regex.match
        return _predicate_check(lambda value: match(value) is not None)
    if cls is validate.And:
        return _all_checks(tuple(_check(inner) for inner in validator.validators))
    if cls in (validate.URL, validate.Email, validate.Equal, validate.NoneOf):
        return _call_check(validator)
    raise _Unsupported(f"no fast path for validator {cls.__name__}")


def _predicate_check(holds: Callable[[Any], bool]) -> Check:
    def check(value: Any) -> None:
        if not holds(value):
            raise Reject

    return check


def _all_checks(checks: tuple[Check, ...]) -> Check:
    def check(value: Any) -> None:
        for each in checks:
            each(value)

    return check


def _call_check(validator: Callable[[Any], Any]) -> Check:
    # The validator itself: it raises ValidationError, or TypeError where marshmallow would too.
    def check(value: Any) -> None:
        try:
            validator(value)
        except ValidationError:
            raise Reject from None

    return check
