"""Declarative field mappings from a source record to the common-schema input form.

A mapping is a JSON object: target field → field spec. A target may be dotted
(`participant.nik`) to build nested objects. A field spec is either a source path string
(`"harga"`, `"info.judul"`) or an object:

- `path`: the dotted source path (see `connectors.records`), or a list of alternative paths of
  which the first present in a record is read (a CSV header in Indonesian or in English);
- `const`: a fixed value instead of a path;
- `template`: a string built from source fields, `"{kode}-{angkatan}"` (dotted names allowed);
- `default`: the value when the source field is missing or null, written in target form
  (transforms do not apply to it); without one a missing field is an error, a null stays null;
- `transform`: a transform or a list applied in order (see `connectors.transforms`); a single
  named transform may take its options beside it:
  `{"path": "mode", "transform": "enum", "map": {...}, "default": ...}`, where `default` then
  serves both a missing field and an unmapped label;
- `each`: a mapping applied to every object of the source array at `path` (a course's
  schedules).

A mapping reshapes and converts; the common schema judges the result (the NIK, the rupiah
range, the dates). It is compiled once into a function of plain closures; the record mapper does
no spec parsing. Every problem with a record is collected per target field into one
`MappingError`; messages name the source path and never echo a source value, which may be
personal data, except for an unmapped enum label.

`connectors._mapgen` also writes the mapping's way through a good record as straight Python
source; the mapper runs that first, and a record it does not get through goes to the closures,
which decide and word the errors.
"""

from __future__ import annotations

import copy
import string
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from connectors._base import Mapper, RawRecord
from connectors._mapgen import Leaf, Tree, generate
from connectors.errors import ConfigError, MappingError, format_field_errors
from connectors.records import MISSING, Getter, compile_path, json_type, path_problem
from connectors.transforms import (
    INLINE_OPTIONS,
    Transform,
    TransformProblem,
    compile_transform,
    to_str,
)

_FIELD_KEYS = frozenset(
    {"path", "const", "template", "default", "transform", "each", *INLINE_OPTIONS}
)

FieldFn = Callable[[Any, str], Any]
"""A compiled field: (source object, source path prefix for messages) → target value."""


class _Problem(Exception):
    """One target field of one record cannot be filled; the message is final."""


@dataclass(frozen=True, slots=True)
class SourceField:
    """A top-level source member a mapping reads for one target: its alternatives, and whether
    a record without it is rejected (no `default`)."""

    target: str
    names: tuple[str, ...]
    required: bool


class _SpecErrors:
    """Collects problems with a mapping spec, keyed by their dotted place in the spec."""

    def __init__(self) -> None:
        self.errors: dict[str, list[str]] = {}

    def add(self, where: str, message: str) -> None:
        self.errors.setdefault(where or "(mapping)", []).append(message)


def compile_mapping(
    spec: Mapping[str, Any], defaults: Mapping[str, Any] | None = None, *, generated: bool = True
) -> Mapper:
    """Compile a mapping spec into a record mapper; a bad spec raises `ConfigError`.

    `defaults` are the stream's number conventions (`decimal`, `thousands`) for the `number` and
    `rupiah` transforms. The mapper returns a new dict per record, or raises `MappingError`
    listing every target field it could not fill. `generated=False` keeps to the closures alone
    (the reference the generated mapper is tested against); both give the same results.
    """
    problems = _SpecErrors()
    tree = _target_tree(spec, "", problems, defaults or {})
    if problems.errors or tree is None:
        raise ConfigError(
            f"invalid field mapping: {format_field_errors(problems.errors)}", problems.errors
        )
    build = _compile_tree(tree)
    fast = generate(tree) if generated else None
    if fast is None:

        def mapper(record: RawRecord) -> dict[str, Any]:
            return build(record, "")

        return mapper

    def fast_mapper(record: RawRecord) -> dict[str, Any]:
        try:
            return fast(record)
        except Exception:
            # The generated code knows only the way through a good record; for any other the
            # closures decide, and word the MappingError exactly as they always have.
            return build(record, "")

    return fast_mapper


def mapping_spec_errors(
    spec: object, defaults: Mapping[str, Any] | None = None
) -> dict[str, list[str]]:
    """The problems with a mapping spec by dotted place in it; empty when the spec compiles."""
    problems = _SpecErrors()
    _compile_object(spec, "", problems, defaults or {})
    return problems.errors


def source_fields(spec: Mapping[str, Any]) -> list[SourceField]:
    """The top-level source members a (valid) mapping reads, per target field."""
    found = []
    for target, field_spec in spec.items():
        if isinstance(field_spec, str):
            field_spec = {"path": field_spec}
        required = "default" not in field_spec
        if "path" in field_spec:
            paths = field_spec["path"]
            paths = paths if isinstance(paths, list) else [paths]
            names = tuple(dict.fromkeys(path.split(".")[0] for path in paths))
            found.append(SourceField(target, names, required))
        elif "template" in field_spec:
            for name in _template_names(field_spec["template"]):
                found.append(SourceField(target, (name.split(".")[0],), required))
    return found


def _template_names(template: str) -> list[str]:
    return [name for _, name, _, _ in string.Formatter().parse(template) if name is not None]


def _compile_object(
    spec: object, where: str, problems: _SpecErrors, defaults: Mapping[str, Any]
) -> FieldFn:
    """Compile a mapping (target → field spec) into a function building one target object."""
    tree = _target_tree(spec, where, problems, defaults)
    return _fail if tree is None else _compile_tree(tree)


def _target_tree(
    spec: object, where: str, problems: _SpecErrors, defaults: Mapping[str, Any]
) -> Tree | None:
    """The compiled fields of a mapping, nested by dotted target; None for a non-mapping."""
    if not isinstance(spec, dict) or not spec:
        problems.add(where, "A mapping must be a non-empty object of target fields.")
        return None
    tree: Tree = {}
    for target, field_spec in spec.items():
        place = f"{where}.{target}" if where else target
        if not isinstance(target, str) or not target or "" in target.split("."):
            problems.add(place, "A target must be a dotted field name without empty segments.")
            continue
        *parents, last = target.split(".")
        node: Tree | Leaf = tree
        for segment in parents:
            if isinstance(node, Leaf):
                break
            node = node.setdefault(segment, {})
        if isinstance(node, Leaf) or last in node:
            problems.add(place, "Overlaps another target (a field cannot also hold subfields).")
            continue
        node[last] = _compile_field(field_spec, place, problems, defaults)
    return tree


def _compile_tree(tree: Tree) -> FieldFn:
    fields = tuple(
        (key, node.fn if isinstance(node, Leaf) else _compile_tree(node))
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


def _compile_field(
    spec: object, where: str, problems: _SpecErrors, defaults: Mapping[str, Any]
) -> Leaf:
    if isinstance(spec, str):
        spec = {"path": spec}
    if not isinstance(spec, dict):
        problems.add(
            where, "A field spec is a source path or an object with 'path', 'const' or 'template'."
        )
        return Leaf(_fail)
    unknown = sorted(str(key) for key in spec.keys() - _FIELD_KEYS)
    if unknown:
        problems.add(where, f"Unknown keys {unknown}; allowed: {sorted(_FIELD_KEYS)}.")
    if "const" in spec:
        if spec.keys() & _FIELD_KEYS - {"const"}:
            problems.add(where, "'const' stands alone, without other keys.")
        return Leaf(_constant(spec["const"]), "const", default=spec["const"])
    inline = sorted(key for key in INLINE_OPTIONS if key in spec)
    if inline and "transform" not in spec:
        problems.add(where, f"{inline} are options of a 'transform', and there is none.")
    transform = None
    enum = None
    if "transform" in spec:
        if "each" in spec:
            problems.add(where, "'each' and 'transform' cannot be combined.")
        transform_spec = _with_inline_options(spec, where, problems)
        transform = _compile_transforms(transform_spec, f"{where}.transform", problems, defaults)
        if isinstance(transform_spec, dict) and transform_spec.get("type") == "enum":
            enum = transform_spec.get("map")
    if "template" in spec:
        if spec.keys() & {"path", "each", "default"}:
            problems.add(where, "'template' takes no 'path', 'each' or 'default'.")
        return Leaf(_template_field(spec["template"], transform, f"{where}.template", problems))
    get, label = _compile_source_path(spec.get("path"), f"{where}.path", problems)
    if get is None:
        return Leaf(_fail)
    has_default = "default" in spec
    default = spec.get("default")
    member = None if " or " in label or "." in label else label
    if "each" in spec:
        items = _target_tree(spec["each"], f"{where}.each", problems, defaults)
        item = _fail if items is None else _compile_tree(items)
        return Leaf(
            _each_field(get, label, item, has_default, default),
            "each",
            get=get,
            member=member,
            has_default=has_default,
            default=default,
            items=items,
        )
    return Leaf(
        _path_field(get, label, transform, has_default, default),
        "path",
        get=get,
        member=member,
        has_default=has_default,
        default=default,
        transform=transform,
        enum=enum if isinstance(enum, dict) else None,
    )


def _compile_source_path(
    path: object, where: str, problems: _SpecErrors
) -> tuple[Getter | None, str]:
    """The getter of a field's `path` (one path or alternatives) and how messages name it."""
    if path is None:
        problems.add(where, "A field spec needs a 'path', a 'const' or a 'template'.")
        return None, ""
    given: list[object] = path if isinstance(path, list) else [path]
    if not given:
        problems.add(where, "A list of alternative paths cannot be empty.")
        return None, ""
    alternatives: list[str] = []
    for index, option in enumerate(given):
        problem = path_problem(option) or ("" if option else "A source path cannot be empty.")
        if problem or not isinstance(option, str):
            problems.add(f"{where}.{index}" if isinstance(path, list) else where, problem)
            return None, ""
        alternatives.append(option)
    if len(alternatives) == 1:
        only = alternatives[0]
        if "." not in only:
            # A top-level member is by far the most common path: a plain dict lookup, since
            # fields only ever read objects (a record, or an element `each` checked).
            return (lambda node: node.get(only, MISSING)), only
        return compile_path(only), only
    getters = tuple(compile_path(option) for option in alternatives)

    def first_present(node: Any) -> Any:
        for get in getters:
            value = get(node)
            if value is not MISSING:
                return value
        return MISSING

    return first_present, " or ".join(alternatives)


def _with_inline_options(spec: dict[str, Any], where: str, problems: _SpecErrors) -> Any:
    """The field's transform, with any options written beside it moved into it."""
    inline = {key: spec[key] for key in INLINE_OPTIONS if key in spec}
    if not inline:
        return spec["transform"]
    if not isinstance(spec["transform"], str):
        problems.add(where, f"{sorted(inline)} may only sit beside a single transform name.")
        return spec["transform"]
    if spec["transform"] == "enum" and "default" in spec:
        inline["default"] = spec["default"]
    return {"type": spec["transform"], **inline}


def _path_field(
    get: Getter, path: str, transform: Transform | None, has_default: bool, default: Any
) -> FieldFn:
    # The plain copy is by far the most common field, so it gets the shortest closure; a
    # top-level member is read inline, without a getter call.
    member = None if " or " in path or "." in path else path
    if transform is None and not has_default and member is not None:

        def copy_member(source: Any, prefix: str) -> Any:
            value = source.get(member, MISSING)
            if value is MISSING:
                raise _Problem(_missing(prefix, path))
            return value

        return copy_member
    if transform is None and not has_default:

        def copy_value(source: Any, prefix: str) -> Any:
            value = get(source)
            if value is MISSING:
                raise _Problem(_missing(prefix, path))
            return value

        return copy_value

    fresh_default = _constant(default)

    def map_value(source: Any, prefix: str) -> Any:
        value = get(source)
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
        except TransformProblem as problem:
            raise _Problem(f"{prefix}{path}: {problem}") from None

    return map_value


def _template_field(
    template: object, transform: Transform | None, where: str, problems: _SpecErrors
) -> FieldFn:
    if not isinstance(template, str) or not template:
        problems.add(where, "A template is a non-empty string such as '{kode}-{angkatan}'.")
        return _fail
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as exc:
        problems.add(where, f"Not a valid template: {exc}.")
        return _fail
    parts: list[tuple[str, str | None, Getter | None]] = []
    for literal, name, spec, conversion in parsed:
        if name is not None and (spec or conversion):
            problems.add(where, "Template fields take no format spec or conversion.")
            return _fail
        if name is not None and (not name or path_problem(name)):
            problems.add(where, "Template fields are source paths, like {kode} or {info.judul}.")
            return _fail
        parts.append((literal, name, compile_path(name) if name is not None else None))
    if not any(name for _, name, _ in parts):
        problems.add(where, "A template without source fields is a 'const'.")

    def render(source: Any, prefix: str) -> Any:
        pieces = []
        for literal, name, get in parts:
            pieces.append(literal)
            if get is not None:
                value = get(source)
                if value is MISSING or value is None:
                    raise _Problem(_missing(prefix, str(name)))
                try:
                    pieces.append(to_str(value))
                except TransformProblem as problem:
                    raise _Problem(f"{prefix}{name}: {problem}") from None
        text = "".join(pieces)
        if transform is None:
            return text
        try:
            return transform(text)
        except TransformProblem as problem:
            raise _Problem(f"template: {problem}") from None

    return render


def _each_field(get: Getter, path: str, item: FieldFn, has_default: bool, default: Any) -> FieldFn:
    fresh_default = _constant(default)

    def map_items(source: Any, prefix: str) -> Any:
        items = get(source)
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


def _compile_transforms(
    spec: object, where: str, problems: _SpecErrors, defaults: Mapping[str, Any]
) -> Transform | None:
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
        try:
            steps.append(compile_transform(kind, options, defaults))
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
