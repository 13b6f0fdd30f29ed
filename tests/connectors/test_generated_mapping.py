"""The generated mapper against the closures: the same dicts for good records, the same
MappingError (per-field messages) for bad ones, over every field and transform kind."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connectors.errors import MappingError
from connectors.mapping import compile_mapping
from hub.sandbox.catalog import COURSE_MAPPING, course

#: One target per transform kind, and every other field form: defaults, consts, templates,
#: dotted paths and targets, alternative paths, chains, `each` with and without a default.
SPEC: dict[str, Any] = {
    "plain": "a",
    "dotted": "info.judul",
    "either": {"path": ["b", "info.b"]},
    "with_default": {"path": "c", "default": "none"},
    "listed_default": {"path": "c2", "default": ["x"]},
    "fixed": {"const": {"k": [1]}},
    "fixed_scalar": {"const": 1.5},
    "label": {"template": "{a}-{info.judul}"},
    "label_upper": {"template": "K{a}", "transform": "upper"},
    "t.str": {"path": "s", "transform": "str"},
    "t.int": {"path": "i", "transform": "int"},
    "t.float": {"path": "f", "transform": "float"},
    "t.bool": {"path": "bo", "transform": "bool"},
    "t.strip": {"path": "st", "transform": "strip"},
    "t.lower": {"path": "lo", "transform": "lower"},
    "t.upper": {"path": "up", "transform": "upper"},
    "t.number": {"path": "n", "transform": "number", "decimal": ","},
    "t.rupiah": {"path": "r", "transform": "rupiah"},
    "t.date": {"path": "d", "transform": "date"},
    "t.datetime": {"path": "dt", "transform": "datetime", "zone": "Asia/Jakarta"},
    "t.datetime_format": {"path": "dt", "transform": {"type": "datetime", "format": "%d/%m/%Y"}},
    "t.enum": {"path": "e", "transform": "enum", "map": {"x": 1, "1": "one", "true": "yes"}},
    "t.enum_default": {"path": "e2", "transform": "enum", "map": {"x": 1}, "default": 0},
    "t.split": {"path": "sp", "transform": "split", "sep": ";"},
    "t.join": {"path": "j", "transform": "join"},
    "t.chain": {"path": "ch", "transform": ["split", "int"]},
    "t.chain_default": {"path": "ch2", "transform": ["strip", "lower"], "default": None},
    "items": {
        "path": "jadwal",
        "each": {"code": "kode", "n": {"path": "kuota", "transform": "int"}},
    },
    "items_default": {"path": "jadwal2", "default": [], "each": {"where": "info.kota"}},
}

_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 3),
    st.floats(allow_nan=False, allow_infinity=False, width=16),
    st.sampled_from(
        ["x", "1", " Ya ", "2024-05-01", "01/05/2024", "2024-05-01T08:00:00", "Rp1.950.000"]
    ),
    st.sampled_from(["1,5", "1;2; 3", " ABC ", "true", "", "Rp1.950,50", "y"]),
    st.text(max_size=4),
)
_VALUES = st.one_of(_SCALARS, st.lists(_SCALARS, max_size=3))
_ELEMENTS = st.one_of(
    st.fixed_dictionaries(
        {}, optional={"kode": _VALUES, "kuota": _VALUES, "info": st.just({"kota": "Bandung"})}
    ),
    _SCALARS,
)
_SOURCE_KEYS = [
    "a", "b", "c", "c2", "s", "i", "f", "bo", "st", "lo", "up", "n", "r",
    "d", "dt", "e", "e2", "sp", "j", "ch", "ch2",
]  # fmt: skip
RECORDS = st.fixed_dictionaries(
    {},
    optional={
        **dict.fromkeys(_SOURCE_KEYS, _VALUES),
        "info": st.fixed_dictionaries({}, optional={"judul": _VALUES, "b": _VALUES}) | _SCALARS,
        "jadwal": st.lists(_ELEMENTS, max_size=3) | _SCALARS,
        "jadwal2": st.lists(_ELEMENTS, max_size=2) | _SCALARS,
    },
)

CLOSURES = compile_mapping(SPEC, generated=False)
GENERATED = compile_mapping(SPEC)
#: Each target alone too: a record fails the whole mapping if any one field fails, so only
#: single-field mappings see many records the generated code gets all the way through.
ALONE = {
    target: (compile_mapping({target: field}), compile_mapping({target: field}, generated=False))
    for target, field in SPEC.items()
}


def outcome(mapper: Any, record: dict[str, Any]) -> tuple[str, Any]:
    """What a mapper makes of a record: its dict, or its MappingError's message and fields."""
    try:
        return "mapped", mapper(record)
    except MappingError as error:
        return "rejected", (str(error), error.errors)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(RECORDS)
def test_generated_mapper_agrees_with_the_closures(record: dict[str, Any]) -> None:
    assert outcome(GENERATED, record) == outcome(CLOSURES, record)


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(sorted(ALONE)), RECORDS)
def test_each_field_alone_agrees_with_the_closures(target: str, record: dict[str, Any]) -> None:
    generated, closures = ALONE[target]
    assert outcome(generated, record) == outcome(closures, record)


def test_a_record_with_every_field_good_maps_the_same() -> None:
    record = {
        **dict.fromkeys(["a", "b", "s", "st", "lo", "up", "j"], " Ab "),
        "info": {"judul": "T"},
        "i": "7", "f": 2, "bo": "ya", "n": "1234,5", "r": "Rp1.950.000", "d": "2024-05-01",
        "dt": "01/05/2024", "e": True, "e2": "y", "sp": "1; 2", "ch": "1,2",
        "jadwal": [{"kode": "J1", "kuota": "40"}], "jadwal2": [{"info": {"kota": "Bandung"}}],
    }  # fmt: skip
    # The datetime target with a format rejects an ISO time, so both paths fail alike here...
    assert outcome(GENERATED, record) == outcome(CLOSURES, record)
    spec = {key: value for key, value in SPEC.items() if key != "t.datetime"}
    mapped = compile_mapping(spec)(record)
    # ...and without the ISO target every field maps, the same through both paths.
    assert mapped == compile_mapping(spec, generated=False)(record)
    assert mapped["t"]["enum"] == "yes"
    assert mapped["t"]["number"] == 1234.5
    assert mapped["items"] == [{"code": "J1", "n": 40}]
    assert mapped["fixed"] == {"k": [1]}


def test_consts_and_defaults_are_fresh_copies_per_record() -> None:
    mapper = compile_mapping({"k": {"const": {"a": []}}, "d": {"path": "z", "default": []}})
    one, two = mapper({}), mapper({})
    one["k"]["a"].append(1)
    one["d"].append(1)
    assert two == {"k": {"a": []}, "d": []}


def test_catalog_courses_map_the_same_through_both_paths() -> None:
    generated = compile_mapping(COURSE_MAPPING)
    closures = compile_mapping(COURSE_MAPPING, generated=False)
    for index in range(200):
        assert generated(course(index)) == closures(course(index))


def test_a_dict_subclass_record_reads_as_the_closures_read_it() -> None:
    # A defaultdict answers a subscript for a missing member; the closures' `get` does not.
    generated, closures = ALONE["plain"]
    record: defaultdict[str, object] = defaultdict(lambda: "filled", {"info": {"judul": "T"}})
    assert outcome(generated, record) == outcome(closures, record)
    assert outcome(generated, record)[0] == "rejected"
