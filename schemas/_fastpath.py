"""The fast path: a schema's load, compiled once into plain Python.

marshmallow stays the single source of truth. `compile_loader` walks a schema instance — its
load fields, each field's class, options and validators, and its hooks — and writes one Python
function per schema that does what `Schema.load` does, without marshmallow's per-call machinery
(error stores, validator composition, hook dispatch, one call per step). Each field follows
`Field.deserialize` step for step: missing (required or default), null (allowed or not),
`_deserialize`, then the validators; the record-level rules come last, as in marshmallow.

The function is written as source text and compiled, because the same steps as closures (one
per field and validator) cost too many calls: source lets every step run inline. Each field's
usual inputs (a value of its exact type, and for the hub's field types the forms
`schemas._fastfields` recognizes or remembers) are loaded inline; every other input goes to an
exact closure of `Field.deserialize` (`_conv`) that the function names, as it names constants,
a field's `parse`, validators and nested loaders. Record-level rules are inline too
(`schemas._fastrules`).

The loader returns the document `Schema.load` would return, or raises `Reject`; it never words
an error. On `Reject` the caller runs marshmallow, which rejects with the canonical messages.
For JSON-shaped input (dict, list, str, int, float, bool, None) the loader rejects exactly what
marshmallow rejects; other containers (a non-dict mapping, a set, a generator that must not be
read twice) it rejects, leaving marshmallow to decide. Anything the compiler does not know — a
field class, validator, hook, pre/post-load function or schema option — makes `compile_loader`
return None: that schema is always loaded by marshmallow.

`compile_happy_loader` writes, from the same code, a function that needs no context variable:
nested schemas are inlined (a list of schedules is a loop, not a call per item), the load's
context comes in as a parameter, and every input whose load might read the context variable
(an unusual form of a time or a NIK) rejects instead. The `Normalizer` tries it first, without
setting the context variable, then this loader.
"""

from __future__ import annotations

import ast
import builtins
import math
import textwrap
from collections.abc import Callable
from typing import Any, cast

from marshmallow import EXCLUDE, RAISE, Schema, ValidationError, fields, validate
from marshmallow.constants import missing
from marshmallow.decorators import POST_LOAD, PRE_LOAD, VALIDATES, VALIDATES_SCHEMA

from schemas import _context
from schemas._codegen import Branch, Conv, Reject, Source, Unsupported
from schemas._context import LoadContext
from schemas._fastfields import NO_NUL, parsed_field_code, url_code
from schemas._fastrules import rule_code
from schemas._rules import Rule, RuleSchema
from schemas._validators import IDENTIFIER, NO_CONTROL, Pattern
from schemas.fields import (
    HubId,
    LanguageTag,
    ParsedField,
    Phone,
    Rupiah,
    StringOrInt,
    Text,
    Timezone,
)

__all__ = ["HappyLoader", "Loader", "Reject", "compile_happy_loader", "compile_loader"]

Loader = Callable[[Any], dict[str, Any]]
#: A happy path: the record and the load's context in, the document out (or `Reject`).
HappyLoader = Callable[[Any, LoadContext], dict[str, Any]]
Check = Callable[[Any], None]


def compile_loader(schema: Schema) -> Loader | None:
    """A function equivalent to `schema.load` (see the module docstring), or None when the
    schema uses anything the compiler does not know."""
    try:
        return _schema_loader(schema, schema.unknown)
    except Unsupported:
        return None


def compile_happy_loader(schema: Schema) -> HappyLoader | None:
    """The happy path of `schema.load`: `load(data, ctx)` gives what `schema.load(data)` gives
    in the context `ctx`, or raises `Reject`, leaving the loader of `compile_loader` and
    marshmallow to decide. None when the schema uses anything the compiler does not know.

    It is the compiled loader with its nested schemas inlined (no call per schedule), reading
    the context from `ctx`: whatever would need the context variable (a time or a NIK in an
    unusual form, a default that reads it) rejects, so a caller sets the variable only on
    `Reject`.
    """
    source = Source(data_is_dict=True, happy=True)
    try:
        head = _schema_code(schema, schema.unknown, source)
    except Unsupported:
        return None
    source.add(1, "return out")
    header = "\n".join(
        ["def load(data, ctx):", "    if type(data) is not dict:", "        raise Reject"]
    )
    return cast(
        HappyLoader, source.compile("\n".join([header, *head]), "load", type(schema).__name__)
    )


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
#: Field types whose `deserialize` of a present value reads nothing but the value and `data`
#: (not the load's context: a happy path may call it). AwareDateTime and Nik read the context.
_CONTEXT_FREE: tuple[type[fields.Field[Any]], ...] = (
    *_STRING_FIELDS,
    fields.Integer,
    fields.Float,
    HubId,
    LanguageTag,
    Phone,
    Rupiah,
    StringOrInt,
    Text,
    Timezone,
)


def _schema_loader(schema: Schema, unknown: str) -> Loader:
    """`schema.load(data, unknown=unknown)` as a generated function `load(data)`."""
    source = Source(data_is_dict=True)
    head = _schema_code(schema, unknown, source)
    source.add(1, "return out")
    header = ["def load(data):", "    if type(data) is not dict:", "        raise Reject", *head]
    return cast(Loader, source.compile("\n".join(header), "load", type(schema).__name__))


def _schema_code(schema: Schema, unknown: str, source: Source) -> list[str]:
    """Add to `source` the lines that load the dict `data` into the dict `out` (as
    `schema.load(data, unknown=unknown)` would) or raise `Reject`; return the lines to run
    before the prelude (at indent 1)."""
    cls = type(schema)
    if any(getattr(cls, name) is not getattr(Schema, name) for name in _SCHEMA_METHODS):
        raise Unsupported(f"{cls.__name__} overrides how it loads")
    if schema.many or schema.partial or cls.dict_class is not dict:
        raise Unsupported(f"{cls.__name__} has options the fast path does not copy")
    if unknown not in (RAISE, EXCLUDE):
        raise Unsupported(f"{cls.__name__} includes unknown fields")
    rules = _rules_of(schema)

    known = [
        field.data_key if field.data_key is not None else name
        for name, field in schema.load_fields.items()
    ]
    # Unknown fields: a dict holds none when its size is the number of known keys it holds,
    # which the field code counts as it goes (a key absent from it reads as missing). That is
    # cheaper than a set comparison; with a data key read twice, the count would not hold.
    count = unknown == RAISE and len(set(known)) == len(known)
    loaded: list[tuple[str, str, bool]] = []  # (document key, variable, may stay missing)
    for index, ((name, field), data_key) in enumerate(
        zip(schema.load_fields.items(), known, strict=True)
    ):
        out_key = field.attribute or name
        if "." in out_key:
            raise Unsupported(f"{cls.__name__}.{name} loads into a nested attribute")
        start = len(source.lines)
        if field.required:
            # A subscript costs less than a call of get; a required field's absence rejects.
            source.add(1, "try:", f"    v = data[{data_key!r}]", "except KeyError:")
            source.add(1, "    raise Reject from None")
        else:
            source.add(1, f"v = data.get({data_key!r}, missing)")
        stays_missing = _value_code(field, source, 1, on_missing="absent += 1" if count else None)
        # The field's value is loaded into its own variable, not copied there from `v`.
        source.rename(start, "v", f"f{index}")
        loaded.append((out_key, f"f{index}", stays_missing))
    if count:
        source.add(1, f"if len(data) != {len(known)} - absent:", "    raise Reject")
    _document_code(loaded, source)
    # marshmallow runs the rules (check_rules) only once every field has loaded, as here; they
    # read the loaded values where a variable holds one for sure, else the document.
    keys = [key for key, _, _ in loaded]
    values = {
        key: variable
        for key, variable, stays_missing in loaded
        if not stays_missing and keys.count(key) == 1
    }
    for rule in rules:
        rule_code(rule, source, 1, values)

    if unknown == RAISE and not count:
        known_keys = source.name(frozenset(known))
        return [f"    if not {known_keys}.issuperset(data):", "        raise Reject"]
    return ["    absent = 0"] if count else []


def _inline_schema(
    schema: Schema, unknown: str, parent: Source, data: str
) -> tuple[str, list[str]]:
    """Happy-path lines (at indent 0) that load the dict in the variable `data` as
    `schema.load(data, unknown=unknown)`, and the variable that then holds the document: the
    nested schema's code with its variables renamed apart from the parent's."""
    source = Source(parent.namespace, data_is_dict=True, happy=True)
    head = _schema_code(schema, unknown, source)
    tree = ast.parse(textwrap.dedent("\n".join([*head, *source.prelude, *source.lines])))
    prefix = f"{parent.name(schema)}_"  # unique in the namespace, and a name for debugging
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and _is_local(node.id, parent.namespace):
            node.id = prefix + node.id
    return f"{prefix}out", [f"{prefix}data = {data}", *ast.unparse(tree).splitlines()]


def _is_local(name: str, namespace: dict[str, Any]) -> bool:
    return name != "ctx" and name not in namespace and not hasattr(builtins, name)


def _document_code(loaded: list[tuple[str, str, bool]], source: Source) -> None:
    """Source that builds `out`, the document: the loaded values in the fields' order, leaving
    out those that stayed missing, as marshmallow does."""
    if not any(stays_missing for _, _, stays_missing in loaded):
        items = ", ".join(f"{key!r}: {variable}" for key, variable, _ in loaded)
        source.add(1, f"out = {{{items}}}")
        return
    source.add(1, "out = {}")
    for key, variable, stays_missing in loaded:
        if stays_missing:
            source.add(1, f"if {variable} is not missing:", f"    out[{key!r}] = {variable}")
        else:
            source.add(1, f"out[{key!r}] = {variable}")


def _rules_of(schema: Schema) -> tuple[Rule, ...]:
    """The record-level rules the schema's hooks run; a hook other than `RuleSchema`'s is
    unknown, and so is any pre-load, post-load or field-validator hook."""
    hooks = schema._hooks
    if hooks[PRE_LOAD] or hooks[POST_LOAD] or hooks[VALIDATES]:
        raise Unsupported(f"{type(schema).__name__} has load hooks")
    schema_hooks = hooks[VALIDATES_SCHEMA]
    if not schema_hooks:
        return ()
    if not isinstance(schema, RuleSchema) or len(schema_hooks) != 1:
        raise Unsupported(f"{type(schema).__name__} has schema validators")
    name, pass_collection, options = schema_hooks[0]
    if (
        name != "_check_rules"
        or type(schema)._check_rules is not RuleSchema._check_rules
        or pass_collection
        or options.get("pass_original")
        or not options.get("skip_on_field_errors")
    ):
        raise Unsupported(f"{type(schema).__name__} has schema validators")
    return tuple(schema.rules)


def _item_fn(field: fields.Field[Any]) -> Conv:
    """`field.deserialize` of a list's item (never missing; List gives it no parent mapping)."""
    source = Source(data_is_dict=False)
    _value_code(field, source, 1)
    source.add(1, "return v")
    title = f"item of {type(field).__name__}"
    return cast(Conv, source.compile("def item(v, data):", "item", title))


def _value_code(
    field: fields.Field[Any], source: Source, indent: int, *, on_missing: str | None = None
) -> bool:
    """Source that loads `v` (the raw value, or `missing`) into `v`, as `field.deserialize`
    would, or raises `Reject`; `data` is the raw parent mapping. `on_missing` is a line to run
    when `v` is missing and the field not required. True when an absent value stays `missing`
    (no default), so the caller must not store it."""
    cls = type(field)
    if any(getattr(cls, name) is not getattr(fields.Field, name) for name in _FIELD_METHODS):
        raise Unsupported(f"{cls.__name__} overrides how it deserializes")
    if field.pre_load or field.post_load:
        raise Unsupported(f"{cls.__name__} has pre/post-load functions")
    deserialize, branches = _parts(field, source)
    # The field's usual inputs first: neither missing nor None passes their tests.
    keyword = "if"
    for condition, body in branches:
        source.add(indent, f"{keyword} {condition}:", *("    " + line for line in body))
        keyword = "elif"
    # Field.deserialize: a missing value is required or takes the default, unvalidated.
    default = field.load_default
    if field.required:
        source.add(indent, f"{keyword} v is missing:", "    raise Reject")
    else:
        source.add(indent, f"{keyword} v is missing:")
        if on_missing is not None:
            source.add(indent + 1, on_missing)
        if callable(default):
            source.add(indent + 1, _factory_code(default, source))
        elif default is not missing:
            source.add(indent + 1, f"v = {source.const(default)}")
        elif on_missing is None:
            source.add(indent + 1, "pass")
    # Then null is allowed or not; then _deserialize and the validators.
    source.add(indent, "elif v is None:", "    pass" if field.allow_none else "    raise Reject")
    if source.happy and not _context_free(field):
        # Any other value might need the context variable.
        source.add(indent, "else:", "    raise Reject")
    elif not branches:
        # A parsed field with no usual form takes any present value through its parse.
        parse = source.name(cast(ParsedField[Any], field).parse)
        source.add(indent, "else:", "    try:", f"        v = {parse}(v, data)")
        source.add(indent + 1, "except ValidationError:", "    raise Reject from None")
        _checks_code(list(field.validators), source, indent + 1, hashable=False)
    else:
        source.add(indent, "else:", f"    v = {source.name(_conv(field, deserialize))}(v, data)")
    return not field.required and default is missing


def _context_free(field: fields.Field[Any]) -> bool:
    """Whether `field.deserialize` of a present value reads nothing but the value and `data`
    (a list: its items')."""
    if type(field) is fields.List:
        return _context_free(field.inner)
    return type(field) in _CONTEXT_FREE


def _factory_code(default: Callable[[], Any], source: Source) -> str:
    """A line that sets `v` to a new default from the factory `default`. A happy path reads
    the source's zone from `ctx`, and rejects for factories it does not know (which might
    read the context variable)."""
    if not source.happy or default in (list, dict):
        return f"v = {source.name(default)}()"
    if default is _context.current_zone_name:
        return f"v = {source.context()}.zone_name"
    return "raise Reject"


def _parts(field: fields.Field[Any], source: Source) -> tuple[Conv, list[Branch]]:
    """`field._deserialize` as a `Conv` (for the known field classes), and the branches that
    load its usual inputs inline, validators included."""
    cls = type(field)
    usual: list[Branch]
    if isinstance(field, ParsedField) and cls._deserialize is ParsedField._deserialize:
        deserialize, usual = parsed_field_code(field, source)
        if not usual:
            return deserialize, []
    elif cls in _STRING_FIELDS:
        deserialize, usual = _as_is_core(field, str), [("type(v) is str", [])]
    elif cls is fields.Integer:
        deserialize, usual = _as_is_core(field, int), [("type(v) is int", [])]
    elif cls is fields.Float and not cast(fields.Float, field).allow_nan:
        # float(value) of an int is finite, or OverflowError, which marshmallow rejects too.
        condition = "type(v) is float and isfinite(v) or type(v) is int"
        to_float = [
            "try:",
            "    v = float(v)",
            "except OverflowError:",
            "    raise Reject from None",
        ]
        deserialize, usual = _float_core(field), [(condition, to_float)]
    elif cls is fields.Nested and source.happy:
        nested = cast(fields.Nested, field)
        out, lines = _inline_schema(nested.schema, _nested_unknown(nested), source, "v")
        deserialize, usual = (
            _loader_core(_nested_loader(nested)),
            [("type(v) is dict", [*lines, f"v = {out}"])],
        )
    elif cls is fields.Nested:
        load = _nested_loader(cast(fields.Nested, field))
        deserialize, usual = (
            _loader_core(load),
            [("type(v) is dict", [f"v = {source.name(load)}(v)"])],
        )
    elif cls is fields.List:
        inner = cast(fields.List[Any], field).inner
        item = _item_fn(inner)
        if source.happy and _plain_nested(inner):
            lines = _nested_items_code(cast(fields.Nested, inner), source)
        else:
            lines = _list_code(_item_expression(inner, item, source))
        deserialize, usual = _list_core(item), [("type(v) is list", lines)]
    else:
        raise Unsupported(f"no fast path for {cls.__name__}")
    branches = []
    for condition, lines in usual:
        body = source.child()
        body.add(0, *lines)
        _checks_code(list(field.validators), body, 0, hashable=cls in _STRING_FIELDS)
        branches.append((condition, body.lines or ["pass"]))
    return deserialize, branches


def _list_code(each: str) -> list[str]:
    """Lines that load the list `v` item by item, `each` loading item `x`, into a new list.

    A list comprehension costs a function and a frame per list, more than loading one or two
    items (as most lists hold); those are loaded in line, first to last, as it would.
    """
    return [
        "if len(v) == 1:",
        "    x = v[0]",
        f"    v = [{each}]",
        "elif len(v) == 2:",
        "    x = v[0]",
        f"    xa = {each}",
        "    x = v[1]",
        f"    v = [xa, {each}]",
        "else:",
        f"    v = [{each} for x in v]",
    ]


def _nested_items_code(inner: fields.Nested, source: Source) -> list[str]:
    """Happy-path lines that load the list `v` of dicts into a new list, each item's schema
    inline (a loop: no call per item)."""
    _nested_loader(inner)  # for its checks
    out, lines = _inline_schema(inner.schema, _nested_unknown(inner), source, "x")
    return [
        "xs = []",
        "for x in v:",
        "    if type(x) is not dict:",
        "        raise Reject",
        *("    " + line for line in lines),
        f"    xs.append({out})",
        "v = xs",
    ]


def _plain_nested(field: fields.Field[Any]) -> bool:
    """A `Nested` field that loads a dict as its schema does, with nothing after."""
    return (
        type(field) is fields.Nested
        and not field.validators
        and not field.pre_load
        and not field.post_load
    )


def _item_expression(inner: fields.Field[Any], item: Conv, source: Source) -> str:
    """An expression of a list's item `x` that loads it as `item(x, None)` does, with the
    commonest item types' usual inputs inline (a call per item would cost as much as they do).
    On a happy path, an item that might need the context variable rejects."""
    if source.happy and not _context_free(inner):
        call = f"{source.name(_reject)}()"
    else:
        call = f"{source.name(item)}(x, None)"
    cls = type(inner)
    if inner.pre_load or inner.post_load:
        return call
    if _plain_nested(inner):
        load = source.name(_nested_loader(cast(fields.Nested, inner)))
        return f"{load}(x) if type(x) is dict else {call}"
    if cls is Text and not inner.validators:
        limit = source.const(cast(Text, inner).max_length)
        test = f"type(x) is str and 0 < len(t := x.strip()) <= {limit} and {NO_NUL.format('t')}"
        return f"t if {test} else {call}"
    patterns = [check for check in inner.validators if type(check) is Pattern]
    if cls is fields.String and len(patterns) == len(inner.validators):
        tests = "".join(
            f" and {source.name(check.compiled.fullmatch)}(x) is not None" for check in patterns
        )
        return f"x if type(x) is str{tests} else {call}"
    return call


def _checks_code(validators: list[Any], source: Source, indent: int, *, hashable: bool) -> None:
    """Source that raises `Reject` unless loaded `v` passes every validator; `hashable` says
    the loaded value is a str, so a set can answer for OneOf's tuple and a URL can be checked
    by its parts."""
    for validator in validators:
        cls = type(validator)
        if cls is validate.Length:
            low, high = _length_bounds(validator)
            source.add(
                indent,
                f"if not {source.const(low)} <= len(v) <= {source.const(high)}:",
                "    raise Reject",
            )
        elif cls is validate.Range:
            tests = []
            if validator.min is not None:
                operator = "<" if validator.min_inclusive else "<="
                tests.append(f"v {operator} {source.const(validator.min)}")
            if validator.max is not None:
                operator = ">" if validator.max_inclusive else ">="
                tests.append(f"v {operator} {source.const(validator.max)}")
            if tests:
                source.add(indent, f"if {' or '.join(tests)}:", "    raise Reject")
        elif (
            cls is validate.OneOf
            and hashable
            and all(type(choice) is str for choice in validator.choices)
        ):
            allowed = source.name(frozenset(validator.choices))
            source.add(indent, f"if v not in {allowed}:", "    raise Reject")
        elif cls is Pattern and validator.compiled.pattern == IDENTIFIER:
            # For printable ASCII, IDENTIFIER holds exactly when the text is not empty and
            # neither starts nor ends with a space (its only whitespace); else the regex says.
            match = source.name(validator.compiled.fullmatch)
            source.add(
                indent,
                "if not (v.isascii() and v.isprintable() and v and v[0] != ' ' != v[-1])"
                f" and {match}(v) is None:",
                "    raise Reject",
            )
        elif cls is Pattern and validator.compiled.pattern == NO_CONTROL:
            # Printable text holds no control character; of other text, the regex says.
            match = source.name(validator.compiled.fullmatch)
            test = f"not v.isprintable() and {match}(v) is None"
            source.add(indent, f"if {test}:", "    raise Reject")
        elif cls is Pattern:
            match = source.name(validator.compiled.fullmatch)
            source.add(indent, f"if {match}(v) is None:", "    raise Reject")
        elif hashable and (passes := url_code(validator, source)) is not None:
            source.add(indent, f"if not ({passes}):", "    raise Reject")
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
        raise Unsupported("Nested(many=True)")
    return _schema_loader(schema, _nested_unknown(field))


def _nested_unknown(field: fields.Nested) -> str:
    return field.unknown if field.unknown is not None else field.schema.unknown


def _reject() -> Any:
    """Raise `Reject` (for expressions, which cannot raise)."""
    raise Reject


# `Field.deserialize` as closures: what the generated code calls for unusual inputs.


def _conv(field: fields.Field[Any], deserialize: Conv) -> Conv:
    """`Field.deserialize` of one value: missing and null, the default, `deserialize`
    (`_deserialize`), then the validators."""
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
    raise Unsupported(f"no fast path for validator {cls.__name__}")


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
