"""Declarative field mappings from a source record to the common-schema input form.

A mapping is a JSON object: target field → field spec. A target may be dotted
(`participant.nik`) to build nested objects. A field spec is either a source path string
(`"harga"`, `"info.judul"`) or an object:

- `path`: the dotted source path (see `connectors.records`);
- `const`: a fixed value instead of a path;
- `default`: the value when the source field is missing or null, written in target form
  (transforms do not apply to it); without one a missing field is an error, a null stays null;
- `transform`: a transform or a list applied in order: `str`, `int`, `float`, `lower`, `upper`,
  `{"type": "split", "sep": ","}`, `{"type": "enum", "map": {...}, "default": ...}` (the enum's
  `default` stands for labels missing from `map`); a transform other than `split` given an array
  applies to each element. A single named transform may take its options beside it:
  `{"path": "mode", "transform": "enum", "map": {...}, "default": ...}`, where `default` then
  serves both a missing field and an unmapped label;
- `each`: a mapping applied to every object of the source array at `path` (a course's
  schedules).

A mapping only reshapes: value rules (rupiah, NIK, dates) belong to the common schema. It is
compiled once into a function of plain closures; the record mapper does no spec parsing.
Every problem with a record is collected per target field into one `MappingError`; messages name
the source path and never echo a source value, which may be personal data, except for an
unmapped enum label.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from typing import Any

from connectors._base import Mapper, RawRecord
from connectors.errors import ConfigError, MappingError, format_field_errors
from connectors.records import MISSING, compile_path, json_type, path_problem

# Options of a single named transform that may sit beside it in the field spec.
_INLINE_OPTIONS = ("sep", "map")
_FIELD_KEYS = frozenset({"path", "const", "default", "transform", "each", *_INLINE_OPTIONS})

FieldFn = Callable[[Any, str], Any]
"""A compiled field: (source object, source path prefix for messages) → target value."""
Transform = Callable[[Any], Any]


class _Problem(Exception):
    """One target field of one record cannot be filled; the message is final."""


class _SpecErrors:
    """Collects problems with a mapping spec, keyed by their dotted place in the spec."""

    def __init__(self) -> None:
        self.errors: dict[str, list[str]] = {}

    def add(self, where: str, message: str) -> None:
        self.errors.setdefault(where or "(mapping)", []).append(message)


def compile_mapping(spec: Mapping[str, Any]) -> Mapper:
    """Compile a mapping spec into a record mapper; a bad spec raises `ConfigError`.

    The mapper returns a new dict per record, or raises `MappingError` listing every target
    field it could not fill.
    """
    problems = _SpecErrors()
    build = _compile_object(spec, "", problems)
    if problems.errors:
        raise ConfigError(
            f"invalid field mapping: {format_field_errors(problems.errors)}", problems.errors
        )

    def mapper(record: RawRecord) -> dict[str, Any]:
        return build(record, "")

    return mapper


def mapping_spec_errors(spec: object) -> dict[str, list[str]]:
    """The problems with a mapping spec by dotted place in it; empty when the spec compiles."""
    problems = _SpecErrors()
    _compile_object(spec, "", problems)
    return problems.errors


def _compile_object(spec: object, where: str, problems: _SpecErrors) -> FieldFn:
    """Compile a mapping (target → field spec) into a function building one target object."""
    if not isinstance(spec, dict) or not spec:
        problems.add(where, "A mapping must be a non-empty object of target fields.")
        return _fail
    tree: dict[str, Any] = {}
    for target, field_spec in spec.items():
        place = f"{where}.{target}" if where else target
        if not isinstance(target, str) or not target or "" in target.split("."):
            problems.add(place, "A target must be a dotted field name without empty segments.")
            continue
        *parents, last = target.split(".")
        node = tree
        for segment in parents:
            node = node.setdefault(segment, {})
            if isinstance(node, _Leaf):
                break
        if isinstance(node, _Leaf) or last in node:
            problems.add(place, "Overlaps another target (a field cannot also hold subfields).")
            continue
        node[last] = _Leaf(_compile_field(field_spec, place, problems))
    return _compile_tree(tree)


class _Leaf:
    """A compiled field in the target tree, told apart from a nested object of targets."""

    __slots__ = ("fn",)

    def __init__(self, fn: FieldFn) -> None:
        self.fn = fn


def _compile_tree(tree: dict[str, Any]) -> FieldFn:
    fields = tuple(
        (key, node.fn if isinstance(node, _Leaf) else _compile_tree(node))
        for key, node in tree.items()
    )

    def build(source: Any, prefix: str) -> dict[str, Any]:
        target: dict[str, Any] = {}
        failed: dict[str, list[str]] | None = None
        for key, fn in fields:
            try:
                target[key] = fn(source, prefix)
            except _Problem as problem:
                failed = failed or {}
                failed[key] = [str(problem)]
            except MappingError as nested:
                failed = failed or {}
                for path, messages in nested.errors.items():
                    failed[f"{key}.{path}"] = messages
        if failed:
            raise MappingError(failed)
        return target

    return build


def _compile_field(spec: object, where: str, problems: _SpecErrors) -> FieldFn:
    if isinstance(spec, str):
        spec = {"path": spec}
    if not isinstance(spec, dict):
        problems.add(where, "A field spec is a source path or an object with 'path' or 'const'.")
        return _fail
    unknown = sorted(str(key) for key in spec.keys() - _FIELD_KEYS)
    if unknown:
        problems.add(where, f"Unknown keys {unknown}; allowed: {sorted(_FIELD_KEYS)}.")
    if "const" in spec:
        if spec.keys() & _FIELD_KEYS - {"const"}:
            problems.add(where, "'const' stands alone, without other keys.")
        return _constant(spec["const"])
    inline = sorted(key for key in _INLINE_OPTIONS if key in spec)
    if inline and "transform" not in spec:
        problems.add(where, f"{inline} are options of a 'transform', and there is none.")
    path = spec.get("path")
    problem = "A field spec needs a 'path' or a 'const'." if path is None else path_problem(path)
    if problem or not path:
        problems.add(f"{where}.path", problem or "A source path cannot be empty.")
        return _fail
    has_default = "default" in spec
    default = spec.get("default")
    if "each" in spec:
        if "transform" in spec:
            problems.add(where, "'each' and 'transform' cannot be combined.")
        item = _compile_object(spec["each"], f"{where}.each", problems)
        return _each_field(path, item, has_default, default)
    transform = None
    if "transform" in spec:
        transform_spec = _with_inline_options(spec, where, problems)
        transform = _compile_transforms(transform_spec, f"{where}.transform", problems)
    return _path_field(path, transform, has_default, default)


def _with_inline_options(spec: dict[str, Any], where: str, problems: _SpecErrors) -> Any:
    """The field's transform, with any options written beside it moved into it."""
    inline = {key: spec[key] for key in _INLINE_OPTIONS if key in spec}
    if not inline:
        return spec["transform"]
    if not isinstance(spec["transform"], str):
        problems.add(where, f"{sorted(inline)} may only sit beside a single transform name.")
        return spec["transform"]
    if spec["transform"] == "enum" and "default" in spec:
        inline["default"] = spec["default"]
    return {"type": spec["transform"], **inline}


def _member(path: str) -> str | None:
    """The member name when `path` is one segment, which a field reads with a plain dict lookup.

    Fields only ever read objects (a record, or an element `each` checked), so the lookup needs
    no type check; this is the hot path of a mapper.
    """
    return None if "." in path else path


def _path_field(path: str, transform: Transform | None, has_default: bool, default: Any) -> FieldFn:
    member, get = _member(path), compile_path(path)
    # The plain copy is by far the most common field, so it gets the shortest closure.
    if transform is None and not has_default:

        def copy_value(source: Any, prefix: str) -> Any:
            value = source.get(member, MISSING) if member else get(source)
            if value is MISSING:
                raise _Problem(_missing(prefix, path))
            return value

        return copy_value

    fresh_default = _constant(default)

    def map_value(source: Any, prefix: str) -> Any:
        value = source.get(member, MISSING) if member else get(source)
        if value is MISSING or value is None:
            if has_default:
                return fresh_default(source, prefix)
            if value is MISSING:
                raise _Problem(_missing(prefix, path))
            return None
        if transform is None:
            return value
        try:
            return transform(value)
        except _Problem as problem:
            raise _Problem(f"{prefix}{path}: {problem}") from None

    return map_value


def _each_field(path: str, item: FieldFn, has_default: bool, default: Any) -> FieldFn:
    member, get = _member(path), compile_path(path)
    fresh_default = _constant(default)

    def map_items(source: Any, prefix: str) -> Any:
        items = source.get(member, MISSING) if member else get(source)
        if items is MISSING or items is None:
            if has_default:
                return fresh_default(source, prefix)
            if items is MISSING:
                raise _Problem(_missing(prefix, path))
            return None
        if not isinstance(items, list):
            raise _Problem(f"{prefix}{path} is {json_type(items)}, not an array")
        mapped = []
        failed: dict[str, list[str]] = {}
        for index, element in enumerate(items):
            where = f"{prefix}{path}.{index}"
            if not isinstance(element, dict):
                failed[str(index)] = [f"{where} is {json_type(element)}, not an object"]
                continue
            try:
                mapped.append(item(element, f"{where}."))
            except MappingError as nested:
                for sub, messages in nested.errors.items():
                    failed[f"{index}.{sub}"] = messages
        if failed:
            raise MappingError(failed)
        return mapped

    return map_items


def _constant(value: Any) -> FieldFn:
    if isinstance(value, dict | list):
        # Each record gets its own copy, so that one consumer's change never shows in another.
        return lambda source, prefix: copy.deepcopy(value)
    return lambda source, prefix: value


def _fail(source: Any, prefix: str) -> Any:
    # Stands in for a spec part that did not compile; compile_mapping never returns a mapper
    # containing it.
    raise _Problem("invalid mapping spec")


def _missing(prefix: str, path: str) -> str:
    return f"'{prefix}{path}' is missing in the source record"


# -- transforms ------------------------------------------------------------------------------


def _compile_transforms(spec: object, where: str, problems: _SpecErrors) -> Transform | None:
    steps_spec = spec if isinstance(spec, list) else [spec]
    if not steps_spec:
        problems.add(where, "An empty transform list does nothing; remove it.")
    steps: list[Transform] = []
    for index, step in enumerate(steps_spec):
        place = f"{where}.{index}" if isinstance(spec, list) else where
        if isinstance(step, str):
            kind, options = step, {}
        elif isinstance(step, dict) and isinstance(step.get("type"), str):
            kind, options = step["type"], {k: v for k, v in step.items() if k != "type"}
        else:
            problems.add(place, "A transform is a name or an object with a 'type'.")
            continue
        factory = _TRANSFORMS.get(kind)
        if factory is None:
            problems.add(place, f"Unknown transform {kind!r}; known: {sorted(_TRANSFORMS)}.")
            continue
        try:
            steps.append(factory(options))
        except ValueError as exc:
            problems.add(place, str(exc))
    if len(steps) == 1:
        return steps[0]
    if not steps:
        return None

    def chain(value: Any) -> Any:
        for step_fn in steps:
            value = step_fn(value)
        return value

    return chain


def _options(options: dict[str, Any], allowed: set[str]) -> None:
    unknown = sorted(options.keys() - allowed)
    if unknown:
        raise ValueError(f"Unknown options {unknown}; allowed: {sorted(allowed) or 'none'}.")


def _elementwise(convert: Transform) -> Transform:
    def apply(value: Any) -> Any:
        if value.__class__ is list:
            return [convert(element) for element in value]
        return convert(value)

    return apply


def _to_str(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    raise _Problem(f"str expects a scalar, got {json_type(value)}")


def _to_int(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            pass
    raise _Problem(f"int expects a whole number, got {json_type(value)} that is not one")


def _to_float(value: Any) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            pass
    raise _Problem(f"float expects a number, got {json_type(value)} that is not one")


def _text(name: str, method: Callable[[str], str]) -> Transform:
    def convert(value: Any) -> str:
        if not isinstance(value, str):
            raise _Problem(f"{name} expects a string, got {json_type(value)}")
        return method(value)

    return convert


def _simple(convert: Transform) -> Callable[[dict[str, Any]], Transform]:
    def factory(options: dict[str, Any]) -> Transform:
        _options(options, set())
        return _elementwise(convert)

    return factory


def _split(options: dict[str, Any]) -> Transform:
    _options(options, {"sep"})
    sep = options.get("sep", ",")
    if not isinstance(sep, str) or not sep:
        raise ValueError("'sep' must be a non-empty string.")

    def split(value: Any) -> list[Any]:
        if isinstance(value, list):
            return value
        if not isinstance(value, str):
            raise _Problem(f"split expects a string, got {json_type(value)}")
        return [part for part in (piece.strip() for piece in value.split(sep)) if part]

    return split


def _enum(options: dict[str, Any]) -> Transform:
    _options(options, {"map", "default"})
    table = options.get("map")
    if not isinstance(table, dict) or not table:
        raise ValueError("'map' must be a non-empty object from source labels to target values.")
    has_default = "default" in options
    default = options.get("default")

    def lookup(value: Any) -> Any:
        # JSON object keys are strings, so numbers and booleans are looked up by their text.
        if isinstance(value, dict | list):
            raise _Problem(f"enum expects a scalar, got {json_type(value)}")
        key = value if isinstance(value, str) else _to_str(value)
        if key in table:
            return table[key]
        if has_default:
            return default
        raise _Problem(f"enum has no mapping for {key[:60]!r}")

    return _elementwise(lookup)


_TRANSFORMS: dict[str, Callable[[dict[str, Any]], Transform]] = {
    "str": _simple(_to_str),
    "int": _simple(_to_int),
    "float": _simple(_to_float),
    "lower": _simple(_text("lower", str.lower)),
    "upper": _simple(_text("upper", str.upper)),
    "split": _split,
    "enum": _enum,
}
