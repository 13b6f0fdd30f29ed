"""Field mappings: reshaping source records into the common-schema input form."""

from __future__ import annotations

from typing import Any

import pytest

from connectors.errors import ConfigError, MappingError
from connectors.mapping import compile_mapping

RAW = {
    "kode": 101,
    "info": {"judul": "Digital Marketing untuk UMKM", "kategori": "PEMASARAN"},
    "harga": "Rp1.950.000",
    "metode": "Daring",
    "kbji": "2431; 3322",
    "durasi": "16",
    "peserta": {"nik": "3171014101900001", "nama": "Siti"},
    "jadwal": [
        {"kode": "J1", "mulai": "2024-05-01T08:00:00+07:00", "kuota": "40"},
        {"kode": "J2", "mulai": "2024-06-01T08:00:00+07:00", "kuota": 150},
    ],
    "deskripsi": None,
}


def map_one(spec: dict[str, Any], raw: dict[str, Any] = RAW) -> dict[str, Any]:
    return compile_mapping(spec)(raw)


def mapping_errors(spec: dict[str, Any], raw: dict[str, Any] = RAW) -> dict[str, list[str]]:
    with pytest.raises(MappingError) as caught:
        compile_mapping(spec)(raw)
    return caught.value.errors


def spec_errors(spec: Any) -> dict[str, list[str]]:
    with pytest.raises(ConfigError) as caught:
        compile_mapping(spec)
    return caught.value.errors


def test_paths_copy_values_into_nested_targets() -> None:
    mapped = map_one(
        {
            "external_id": "kode",
            "title": "info.judul",
            "price_idr": "harga",
            "participant.nik": "peserta.nik",
            "participant.name": "peserta.nama",
            "first_schedule": "jadwal.0.kode",
        }
    )

    assert mapped == {
        "external_id": 101,
        "title": "Digital Marketing untuk UMKM",
        "price_idr": "Rp1.950.000",
        "participant": {"nik": "3171014101900001", "name": "Siti"},
        "first_schedule": "J1",
    }


def test_const_and_default_fill_fields_the_source_lacks() -> None:
    mapped = map_one(
        {
            "language": {"const": "id"},
            "description": {"path": "deskripsi", "default": ""},
            "url": {"path": "tautan", "default": None},
            "skills": {"path": "keahlian", "default": []},
        }
    )

    assert mapped == {"language": "id", "description": "", "url": None, "skills": []}


def test_a_null_without_default_stays_null_for_the_schema_to_judge() -> None:
    assert map_one({"description": "deskripsi"}) == {"description": None}


def test_every_missing_field_is_reported_by_target_naming_its_source_path() -> None:
    errors = mapping_errors(
        {
            "external_id": "kode",
            "title": "judul",
            "category": "info.kategori_utama",
            "participant.name": "peserta.nama_lengkap",
        }
    )

    assert errors == {
        "title": ["'judul' is missing in the source record"],
        "category": ["'info.kategori_utama' is missing in the source record"],
        "participant.name": ["'peserta.nama_lengkap' is missing in the source record"],
    }


def test_list_targets_map_each_sub_record() -> None:
    mapped = map_one(
        {
            "schedules": {
                "path": "jadwal",
                "each": {
                    "schedule_code": "kode",
                    "starts_at": "mulai",
                    "timezone": {"path": "zona", "default": "Asia/Jakarta"},
                    "quota": {"path": "kuota", "transform": "int"},
                },
            }
        }
    )

    assert mapped["schedules"] == [
        {
            "schedule_code": "J1",
            "starts_at": "2024-05-01T08:00:00+07:00",
            "timezone": "Asia/Jakarta",
            "quota": 40,
        },
        {
            "schedule_code": "J2",
            "starts_at": "2024-06-01T08:00:00+07:00",
            "timezone": "Asia/Jakarta",
            "quota": 150,
        },
    ]


def test_sub_record_problems_are_reported_by_index() -> None:
    raw = {"jadwal": [{"kode": "J1", "mulai": "x"}, {"kode": "J2"}, "J3"]}

    errors = mapping_errors(
        {"schedules": {"path": "jadwal", "each": {"schedule_code": "kode", "starts_at": "mulai"}}},
        raw,
    )

    assert errors == {
        "schedules.1.starts_at": ["'jadwal.1.mulai' is missing in the source record"],
        "schedules.2": ["jadwal.2 is a string, not an object"],
    }


def test_each_needs_an_array() -> None:
    errors = mapping_errors({"schedules": {"path": "info", "each": {"code": "kode"}}})

    assert errors == {"schedules": ["info is an object, not an array"]}


@pytest.mark.parametrize(
    ("transform", "source", "expected"),
    [
        ("str", 101, "101"),
        ("str", True, "true"),
        ("int", "16", 16),
        ("int", 16.0, 16),
        ("float", "16.5", 16.5),
        ("float", 3, 3.0),
        ("lower", "PEMASARAN", "pemasaran"),
        ("upper", "daring", "DARING"),
        ("split", "a, b,,c ", ["a", "b", "c"]),
        ({"type": "split", "sep": ";"}, "2431; 3322", ["2431", "3322"]),
        ({"type": "split", "sep": ";"}, ["2431"], ["2431"]),
        ([{"type": "split", "sep": ";"}, "int"], "2431; 3322", [2431, 3322]),
        (["str", "upper"], "daring", "DARING"),
    ],
)
def test_transforms(transform: Any, source: Any, expected: Any) -> None:
    assert map_one({"value": {"path": "v", "transform": transform}}, {"v": source}) == {
        "value": expected
    }


def test_enum_maps_labels_with_an_optional_default() -> None:
    delivery = {
        "type": "enum",
        "map": {"Daring": "self_paced", "Webinar": "webinar", "Luring": "offline"},
    }
    status = {"type": "enum", "map": {"1": "active", "true": "active"}, "default": "inactive"}
    spec = {
        "delivery_mode": {"path": "metode", "transform": delivery},
        "status": {"path": "aktif", "transform": status},
    }

    assert map_one(spec, {"metode": "Daring", "aktif": 1}) == {
        "delivery_mode": "self_paced",
        "status": "active",
    }
    assert map_one(spec, {"metode": "Luring", "aktif": False})["status"] == "inactive"
    assert mapping_errors(spec, {"metode": "Campuran", "aktif": True}) == {
        "delivery_mode": ["metode: enum has no mapping for 'Campuran'"]
    }


def test_a_named_transform_may_take_its_options_beside_it() -> None:
    spec = {
        "delivery_mode": {
            "path": "metode",
            "transform": "enum",
            "map": {"Daring": "self_paced", "Luring": "offline"},
            "default": "blended",
        },
        "occupation_codes": {"path": "kbji", "transform": "split", "sep": ";"},
    }

    assert map_one(spec) == {"delivery_mode": "self_paced", "occupation_codes": ["2431", "3322"]}
    assert map_one(spec, {"metode": "Campuran", "kbji": "1"})["delivery_mode"] == "blended"
    assert map_one(spec, {"kbji": "1"})["delivery_mode"] == "blended"


def test_a_failed_conversion_names_the_path_but_never_echoes_the_value() -> None:
    errors = mapping_errors({"quota": {"path": "nik", "transform": "int"}}, {"nik": "31710141X"})

    assert errors == {"quota": ["nik: int expects a whole number, got a string that is not one"]}
    assert "31710141X" not in str(errors)


@pytest.mark.parametrize(
    ("transform", "source", "message"),
    [
        ("int", 1.5, "int expects a whole number"),
        ("int", True, "int expects a whole number"),
        ("float", "abc", "float expects a number"),
        ("lower", 5, "lower expects a string, got a number"),
        ("split", 5, "split expects a string"),
        ("str", {"a": 1}, "str expects a scalar, got an object"),
    ],
)
def test_conversions_refuse_values_they_cannot_convert(
    transform: str, source: Any, message: str
) -> None:
    errors = mapping_errors({"value": {"path": "v", "transform": transform}}, {"v": source})

    assert message in errors["value"][0]


def test_constant_containers_are_not_shared_between_records() -> None:
    mapper = compile_mapping({"skills": {"const": []}, "tags": {"path": "t", "default": []}})
    first, second = mapper({}), mapper({})
    first["skills"].append("x")
    first["tags"].append("y")

    assert second == {"skills": [], "tags": []}


@pytest.mark.parametrize(
    ("spec", "where", "message"),
    [
        ({}, "(mapping)", "non-empty object"),
        ({"title": 5}, "title", "a source path or an object"),
        ({"title": {"default": "x"}}, "title.path", "needs a 'path', a 'const' or a 'template'"),
        ({"title": {"path": ""}}, "title.path", "cannot be empty"),
        ({"title": "info..judul"}, "title.path", "empty segment"),
        ({"title": {"path": "judul", "trnsform": "str"}}, "title", "Unknown keys ['trnsform']"),
        ({"title": {"const": "x", "path": "judul"}}, "title", "'const' stands alone"),
        ({"t": {"path": "j", "map": {"a": "b"}}}, "t", "options of a 'transform'"),
        ({"t": {"path": "j", "transform": ["enum"], "map": {}}}, "t", "beside a single"),
        ({"t": {"path": "j", "transform": "int", "sep": ","}}, "t.transform", "Unknown options"),
        (
            {"title": {"path": "judul", "transform": "title"}},
            "title.transform",
            "Unknown transform",
        ),
        ({"title": {"path": "j", "transform": ["str", 5]}}, "title.transform.1", "a name or an"),
        ({"title": {"path": "j", "transform": []}}, "title.transform", "empty transform list"),
        ({"title": {"path": "j", "transform": "enum"}}, "title.transform", "'map' must be"),
        (
            {"t": {"path": "j", "transform": {"type": "split", "sep": ""}}},
            "t.transform",
            "'sep' must be",
        ),
        (
            {"t": {"path": "j", "transform": {"type": "int", "base": 16}}},
            "t.transform",
            "Unknown options ['base']",
        ),
        ({"participant": "p", "participant.nik": "nik"}, "participant.nik", "Overlaps"),
        ({"participant.nik": "nik", "participant": "p"}, "participant", "Overlaps"),
        ({"a..b": "x"}, "a..b", "without empty segments"),
        ({"s": {"path": "jadwal", "each": {"x": {"path": 1}}}}, "s.each.x.path", "must be a str"),
        ({"s": {"path": "jadwal", "each": {}, "transform": "str"}}, "s", "cannot be combined"),
    ],
)
def test_a_bad_spec_is_a_config_error_naming_the_place(spec: Any, where: str, message: str) -> None:
    errors = spec_errors(spec)

    assert where in errors, errors
    assert any(message in text for text in errors[where]), errors[where]
