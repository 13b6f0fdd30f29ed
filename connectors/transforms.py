"""The value transforms a field mapping may apply: type coercion, text, numbers, rupiah, dates,
enums, lists.

A transform is compiled once from its options into a plain function of one value. It raises
`TransformProblem` with a message that describes the value by its JSON type, never by its text
(source values may be personal data), except for an unmapped enum label, which is a code.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from connectors.records import json_type

Transform = Callable[[Any], Any]
Factory = Callable[[dict[str, Any], Mapping[str, Any]], Transform]

#: Options a single named transform may take beside it in a field spec.
INLINE_OPTIONS = ("sep", "map", "format", "zone", "decimal", "thousands")


class TransformProblem(Exception):
    """A value the transform cannot convert; the message is final and echoes no source text."""


def compile_transform(kind: str, options: dict[str, Any], defaults: Mapping[str, Any]) -> Transform:
    """The transform `kind` with `options`; `defaults` are the stream's number conventions
    (`decimal`, `thousands`) for options left out. Raises ValueError for a bad name or option."""
    factory = TRANSFORMS.get(kind)
    if factory is None:
        raise ValueError(f"Unknown transform {kind!r}; known: {sorted(TRANSFORMS)}.")
    return factory(options, defaults)


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


def to_str(value: Any) -> str:
    """A scalar as text; JSON booleans as `true`/`false`."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    raise TransformProblem(f"str expects a scalar, got {json_type(value)}")


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
    raise TransformProblem(f"int expects a whole number, got {json_type(value)} that is not one")


def _to_float(value: Any) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            pass
    raise TransformProblem(f"float expects a number, got {json_type(value)} that is not one")


_TRUE = frozenset({"true", "ya", "yes", "y", "1", "benar", "aktif"})
_FALSE = frozenset({"false", "tidak", "no", "n", "0", "salah", "nonaktif"})


def _to_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        text = value.strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
    raise TransformProblem(
        f"bool expects true/false, ya/tidak, yes/no or 1/0, got {json_type(value)}"
    )


def _text(name: str, method: Callable[[str], str]) -> Transform:
    def convert(value: Any) -> str:
        if not isinstance(value, str):
            raise TransformProblem(f"{name} expects a string, got {json_type(value)}")
        return method(value)

    return convert


def _simple(convert: Transform) -> Factory:
    def factory(options: dict[str, Any], defaults: Mapping[str, Any]) -> Transform:
        _options(options, set())
        return _elementwise(convert)

    return factory


def _separator(options: dict[str, Any], name: str, default: str | None) -> str | None:
    value = options.get(name, default)
    if value is not None and (not isinstance(value, str) or len(value) > 3):
        raise ValueError(f"'{name}' must be a short string (a separator character).")
    return value


def _number_format(
    options: dict[str, Any], defaults: Mapping[str, Any], decimal: str, thousands: str | None
) -> tuple[str, str | None]:
    point = _separator(options, "decimal", defaults.get("decimal", decimal))
    grouping = _separator(options, "thousands", defaults.get("thousands", thousands))
    if not point:
        raise ValueError("'decimal' must be a separator character.")
    if grouping == point:
        raise ValueError("'decimal' and 'thousands' must differ.")
    return point, grouping


def _digits(text: str, point: str, grouping: str | None) -> str:
    """Numeric text in Python's notation: grouping removed, the decimal mark made a dot."""
    text = text.strip().replace(" ", "").replace("\u00a0", "")
    if grouping:
        text = text.replace(grouping, "")
    return text.replace(point, ".") if point != "." else text


def _number(options: dict[str, Any], defaults: Mapping[str, Any]) -> Transform:
    _options(options, {"decimal", "thousands"})
    point, grouping = _number_format(options, defaults, ".", None)

    def convert(value: Any) -> int | float:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return value
        if isinstance(value, str):
            try:
                number = float(_digits(value, point, grouping))
            except ValueError:
                pass
            else:
                return int(number) if number.is_integer() else number
        raise TransformProblem(f"number expects a number, got {json_type(value)} that is not one")

    return _elementwise(convert)


_RUPIAH = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")
_CURRENCY = re.compile(r"^(?:rp\.?|idr)\s*", re.IGNORECASE)


def _rupiah(options: dict[str, Any], defaults: Mapping[str, Any]) -> Transform:
    _options(options, {"decimal", "thousands"})
    point, grouping = _number_format(options, defaults, ",", ".")

    def convert(value: Any) -> int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str):
            text = _digits(_CURRENCY.sub("", value.strip()), point, grouping)
            if _RUPIAH.fullmatch(text):
                whole, _, fraction = text.partition(".")
                if fraction.strip("0"):
                    raise TransformProblem("rupiah expects whole rupiah, got a fraction of one")
                return int(whole)
        raise TransformProblem(f"rupiah expects an amount like Rp1.950.000, got {json_type(value)}")

    return _elementwise(convert)


def _zone(options: dict[str, Any]) -> ZoneInfo | None:
    name = options.get("zone")
    if name is None:
        return None
    try:
        return ZoneInfo(name) if isinstance(name, str) else None
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError("'zone' must be an IANA time zone such as Asia/Jakarta.") from None


def _format(options: dict[str, Any]) -> str | None:
    pattern = options.get("format")
    if pattern is not None and (not isinstance(pattern, str) or "%" not in pattern):
        raise ValueError("'format' must be a strptime pattern such as '%d/%m/%Y %H:%M'.")
    return pattern


def _parse_datetime(name: str, pattern: str | None, value: Any) -> datetime:
    if not isinstance(value, str):
        raise TransformProblem(f"{name} expects a string, got {json_type(value)}")
    try:
        if pattern is None:
            return datetime.fromisoformat(value.strip())
        return datetime.strptime(value.strip(), pattern)
    except ValueError:
        wanted = f"the format {pattern!r}" if pattern else "ISO 8601"
        raise TransformProblem(f"{name} expects a time in {wanted}, got one that is not") from None


def _datetime(options: dict[str, Any], defaults: Mapping[str, Any]) -> Transform:
    _options(options, {"format", "zone"})
    pattern, zone = _format(options), _zone(options)

    def convert(value: Any) -> str:
        parsed = _parse_datetime("datetime", pattern, value)
        if parsed.tzinfo is None and zone is not None:
            parsed = parsed.replace(tzinfo=zone)
        return parsed.isoformat()

    return _elementwise(convert)


def _date(options: dict[str, Any], defaults: Mapping[str, Any]) -> Transform:
    _options(options, {"format"})
    pattern = _format(options)

    def convert(value: Any) -> str:
        if pattern is None and isinstance(value, str):
            try:
                return date.fromisoformat(value.strip()).isoformat()
            except ValueError:
                pass
        return _parse_datetime("date", pattern, value).date().isoformat()

    return _elementwise(convert)


def _split(options: dict[str, Any], defaults: Mapping[str, Any]) -> Transform:
    _options(options, {"sep"})
    sep = options.get("sep", ",")
    if not isinstance(sep, str) or not sep:
        raise ValueError("'sep' must be a non-empty string.")

    def split(value: Any) -> list[Any]:
        if isinstance(value, list):
            return value
        if not isinstance(value, str):
            raise TransformProblem(f"split expects a string, got {json_type(value)}")
        return [part for part in (piece.strip() for piece in value.split(sep)) if part]

    return split


def _join(options: dict[str, Any], defaults: Mapping[str, Any]) -> Transform:
    _options(options, {"sep"})
    sep = options.get("sep", ", ")
    if not isinstance(sep, str):
        raise ValueError("'sep' must be a string.")

    def join(value: Any) -> str:
        if isinstance(value, str):
            return value
        if not isinstance(value, list):
            raise TransformProblem(f"join expects an array, got {json_type(value)}")
        return sep.join(to_str(element) for element in value)

    return join


def _enum(options: dict[str, Any], defaults: Mapping[str, Any]) -> Transform:
    _options(options, {"map", "default"})
    table = options.get("map")
    if not isinstance(table, dict) or not table:
        raise ValueError("'map' must be a non-empty object from source labels to target values.")
    has_default = "default" in options
    default = options.get("default")

    def lookup(value: Any) -> Any:
        # JSON object keys are strings, so numbers and booleans are looked up by their text.
        if isinstance(value, dict | list):
            raise TransformProblem(f"enum expects a scalar, got {json_type(value)}")
        key = value if isinstance(value, str) else to_str(value)
        if key in table:
            return table[key]
        if has_default:
            return default
        raise TransformProblem(f"enum has no mapping for {key[:60]!r}")

    return _elementwise(lookup)


TRANSFORMS: dict[str, Factory] = {
    "str": _simple(to_str),
    "int": _simple(_to_int),
    "float": _simple(_to_float),
    "bool": _simple(_to_bool),
    "strip": _simple(_text("strip", str.strip)),
    "lower": _simple(_text("lower", str.lower)),
    "upper": _simple(_text("upper", str.upper)),
    "number": _number,
    "rupiah": _rupiah,
    "date": _date,
    "datetime": _datetime,
    "enum": _enum,
    "split": _split,
    "join": _join,
}
