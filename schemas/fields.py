"""Field types for Indonesian data: NIK, rupiah, phone numbers, zones, times, language tags.

Every type here is strict about what it accepts and loads to a JSON-ready value (a str or an
int; optional `Text` loads blank text as None).
Each keeps its whole input rule in `parse(value, data)`: marshmallow calls it, and so does the
compiled fast path (`schemas._fastpath`), which is how the two agree by construction.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
from collections.abc import Mapping
from typing import Any, TypeVar, cast
from zoneinfo import ZoneInfo

from marshmallow import fields
from stdnum import numdb
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.id import nik as stdnum_nik

from schemas import _context
from schemas._refs import participant_ref

__all__ = [
    "MAX_IDR",
    "NIK_PROVINCES_WITHOUT_REGENCIES",
    "AwareDateTime",
    "HubId",
    "LanguageTag",
    "Nik",
    "ParsedField",
    "Phone",
    "Rupiah",
    "StringOrInt",
    "Text",
    "Timezone",
    "participant_ref",
]

_T = TypeVar("_T")

JsonSchema = dict[str, Any]


class ParsedField(fields.Field[_T]):
    """A field whose whole input rule is `parse(value, data)`.

    `parse` returns the loaded value or raises `marshmallow.ValidationError`; `data` is the raw
    mapping the value came from (for rules that read a sibling). `json_schema` describes the
    accepted input for JSON Schema export, before the field's declared validators add theirs.
    """

    def _deserialize(
        self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any
    ) -> _T:
        return self.parse(value, data)

    def parse(self, value: Any, data: Mapping[str, Any] | None) -> _T:
        """The loaded form of `value` (never None, which marshmallow handles before)."""
        raise NotImplementedError

    def json_schema(self) -> JsonSchema:
        """The JSON Schema of the input this field accepts."""
        raise NotImplementedError


_NIK = re.compile("[0-9]{16}")
_NIK_PLACES = numdb.get("id/loc")
#: Women's NIKs add 40 to the birth day, so the day part is 01-31 or 41-71.
_NIK_MAX_DAY = 71


# stdnum's checks of a NIK read the date part and the place part apart, and cost more than
# the rest of a record's validation; cached per part (never per NIK), they run once per value.
# Nik.validated and the fast path (schemas._fastfields) call them; they are not exported.


@functools.lru_cache(maxsize=1 << 15)
def nik_birth_date_valid(ddmmyy: str) -> bool:
    """The date part (DDMMYY, day + 40 for women) is a date, as stdnum reads it."""
    # stdnum reads the day modulo 40, which would let days 81-99 through.
    if int(ddmmyy[:2]) > _NIK_MAX_DAY:
        return False
    try:
        stdnum_nik.get_birth_date(f"000000{ddmmyy}0000")
    except StdnumError:
        return False
    return True


#: Provinces whose NIKs are checked by province code alone, by Kemendagri's numbering (which
#: Dukcapil uses for NIKs). stdnum's location data predates them or numbers them otherwise:
#: it lacks 65 Kalimantan Utara (2012) and the provinces of 2022, 93 Papua Selatan,
#: 94 Papua Tengah, 95 Papua Pegunungan and 96 Papua Barat Daya; and it numbers Papua as BPS
#: does (91 Papua Barat, 94 Papua) where Kemendagri has 91 Papua and 92 Papua Barat, so it lacks
#: 92 and holds the wrong regencies under 91 and 94. Rather than keep a regency list of our
#: own, a NIK from these provinces is accepted with any regency: quarantining real
#: participants costs more than letting through a NIK with a made-up regency.
NIK_PROVINCES_WITHOUT_REGENCIES: frozenset[str] = frozenset(
    {"65", "91", "92", "93", "94", "95", "96"}
)


@functools.lru_cache(maxsize=1 << 10)
def nik_place_known(province_regency: str) -> bool:
    """stdnum's location data knows the province (what `stdnum.id.nik.validate` checks) and,
    under it, the regency; or the province is one whose regencies are not checked."""
    if province_regency[:2] in NIK_PROVINCES_WITHOUT_REGENCIES:
        return province_regency[2:] != "00"  # regencies are numbered from 01
    place = _NIK_PLACES.info(province_regency)
    return len(place) == 2 and bool(place[0][1]) and bool(place[1][1])


class Nik(ParsedField[str]):
    """A NIK (Nomor Induk Kependudukan), loaded as its `participant_ref` and never kept.

    Accepts only a str of exactly 16 ASCII digits: no separators or spaces (a KTP prints it
    unbroken) and no int (a JSON number that long loses digits in many readers). The province
    and regency must be known to python-stdnum's location data (for the provinces it lacks or
    numbers otherwise, `NIK_PROVINCES_WITHOUT_REGENCIES`, the province alone) and the birth
    date part must be a date (day + 40 for women). The key comes from the load's context
    (`schemas._context`); loading a NIK without one is a programming error (`RuntimeError`).
    No message ever repeats the value.
    """

    default_error_messages = {
        "invalid": "Not a valid NIK: must be a string of 16 digits.",
        "place": "Not a valid NIK: unknown province or regency code.",
        "birth_date": "Not a valid NIK: the birth date part is not a date.",
    }

    def parse(self, value: Any, data: Mapping[str, Any] | None) -> str:
        key = _context.current().nik_key
        if key is None:
            raise RuntimeError("a NIK can only be loaded in a source context with a NIK key")
        return participant_ref(self.validated(value), key)

    def validated(self, value: Any) -> str:
        """`value` itself if it is a valid NIK, else a `ValidationError` that does not quote it."""
        if not isinstance(value, str) or _NIK.fullmatch(value) is None:
            raise self.make_error("invalid")
        if not nik_birth_date_valid(value[6:12]):
            raise self.make_error("birth_date")
        if not nik_place_known(value[:4]):
            raise self.make_error("place")
        return value

    def json_schema(self) -> JsonSchema:
        return {"type": "string", "pattern": f"^(?:{_NIK.pattern})$"}


#: The largest amount: every JSON reader (JavaScript's included) keeps integers this size exact.
MAX_IDR = 2**53 - 1

_IDR_PREFIX = r"(?:[Rr][Pp]\.?|[Ii][Dd][Rr])"


def _rupiah_regex(*, signed: bool, decimals: str) -> str:
    """The written forms of an amount: plain, dot-grouped or comma-grouped digits, each with the
    other separator before `decimals`. Groups of exactly three digits are thousands, so `1.950`
    and `1,950` are both 1950, while one or two digits after a separator are decimals. A signed
    form captures a minus before or after the currency."""
    sign = r"(-?)\s*" if signed else ""
    return (
        rf"\s*{sign}(?:{_IDR_PREFIX}\s*)?{sign}"
        rf"(?:([0-9]+)(?:[.,]({decimals}))?"
        rf"|([0-9]{{1,3}}(?:\.[0-9]{{3}})+)(?:,({decimals}))?"
        rf"|([0-9]{{1,3}}(?:,[0-9]{{3}})+)(?:\.({decimals}))?)\s*"
    )


_RUPIAH_TEXT = re.compile(_rupiah_regex(signed=True, decimals="[0-9]{1,2}"))
_RUPIAH_WHOLE = _rupiah_regex(signed=False, decimals="0{1,2}")


class Rupiah(ParsedField[int]):
    """An amount of rupiah, loaded as an int.

    Accepts an int, an integral float (`1950000.0`), or a str in Indonesian or English
    notation with an optional `Rp`, `Rp.` or `IDR` prefix: `"1950000"`, `"Rp1.950.000"`,
    `"Rp 1.950.000,00"`, `"1,950,000"`, `"IDR 1.950.000"`, and SNAP's `"12345.00"`. Rupiah have
    no minor unit in practice, so decimals must be zero. Rejects fractions, negatives, NaN and
    infinities, bools, other types, mixed separators, and amounts above `MAX_IDR`.
    """

    default_error_messages = {
        "invalid": "Not a valid rupiah amount.",
        "fraction": "Fractions of a rupiah are not allowed.",
        "negative": "Must not be negative.",
        "too_large": f"Must be at most {MAX_IDR}.",
    }

    def parse(self, value: Any, data: Mapping[str, Any] | None) -> int:
        if isinstance(value, str):
            amount = self._parse_text(value)
        elif isinstance(value, bool):
            raise self.make_error("invalid")
        elif isinstance(value, int):
            amount = int(value)
        elif isinstance(value, float):
            if not math.isfinite(value):
                raise self.make_error("invalid")
            if not value.is_integer():
                raise self.make_error("fraction")
            amount = int(value)
        else:
            raise self.make_error("invalid")
        if amount < 0:
            raise self.make_error("negative")
        if amount > MAX_IDR:
            raise self.make_error("too_large")
        return amount

    def _parse_text(self, value: str) -> int:
        match = _RUPIAH_TEXT.fullmatch(value) if len(value) <= 64 else None
        if match is None:
            raise self.make_error("invalid")
        sign, sign_after_prefix, plain, plain_dec, dotted, dotted_dec, comma, comma_dec = (
            match.groups()
        )
        decimals = plain_dec or dotted_dec or comma_dec or ""
        if decimals.strip("0"):
            raise self.make_error("fraction")
        digits = plain or (dotted or "").replace(".", "") or (comma or "").replace(",", "")
        amount = int(digits)
        return -amount if sign or sign_after_prefix else amount

    def json_schema(self) -> JsonSchema:
        return {
            "anyOf": [
                {"type": "integer", "minimum": 0, "maximum": MAX_IDR},
                {"type": "string", "maxLength": 64, "pattern": f"^(?:{_RUPIAH_WHOLE})$"},
            ]
        }


_PHONE_SEPARATORS = re.compile(r"[\s().-]")
#: After +62: mobile numbers are 8, a digit 1-9 (080x is toll-free) and 7-10 more; landlines an
#: area code starting 2-7 or 9 (never 0, 1 or 8) and 7-10 more digits.
_PHONE_NATIONAL = re.compile("8[1-9][0-9]{7,10}|[2-79][0-9]{7,10}")


class Phone(ParsedField[str]):
    """An Indonesian phone number, loaded in E.164 form (`+6281234567890`).

    Accepts a str with the trunk prefix `0` (`0812-3456-7890`, `(021) 555-0123`) or the
    country code with or without `+` (`+62 812…`, `62812…`, as e-wallet APIs write it), with
    spaces, dots, hyphens and parentheses ignored. The national number must be a mobile number
    (9-12 digits from 81-89) or a landline (8-11 digits, the area code starting 2-7 or 9).
    Foreign numbers, toll-free and service numbers, letters and ints (which lose the leading 0)
    are rejected.
    """

    default_error_messages = {
        "invalid": "Not a valid Indonesian phone number.",
        "foreign": "Only Indonesian (+62) phone numbers are accepted.",
    }

    def parse(self, value: Any, data: Mapping[str, Any] | None) -> str:
        if not isinstance(value, str) or len(value) > 32:
            raise self.make_error("invalid")
        number = _PHONE_SEPARATORS.sub("", value)
        if number.startswith("+"):
            if not number.startswith("+62"):
                raise self.make_error("foreign")
            national = number[3:]
        elif number.startswith("62"):
            national = number[2:]
        elif number.startswith("0"):
            national = number[1:]
        else:
            raise self.make_error("invalid")
        if _PHONE_NATIONAL.fullmatch(national) is None:
            raise self.make_error("invalid")
        return "+62" + national

    def json_schema(self) -> JsonSchema:
        return {"type": "string", "maxLength": 32, "pattern": r"^(?:[+]?[0-9 ().-]+)$"}


class Timezone(ParsedField[str]):
    """One of Indonesia's three IANA zones: `Asia/Jakarta`, `Asia/Makassar`, `Asia/Jayapura`."""

    default_error_messages = {"invalid": f"Must be one of: {', '.join(_context.ZONES)}."}

    def parse(self, value: Any, data: Mapping[str, Any] | None) -> str:
        if isinstance(value, str) and value in _context.ZONES:
            return value
        raise self.make_error("invalid")

    def json_schema(self) -> JsonSchema:
        return {"type": "string", "enum": list(_context.ZONES)}


_UTC = dt.UTC


def _plain(moment: dt.datetime) -> dt.datetime:
    """`moment` as a plain datetime: a subclass (pandas, pendulum) may compute or write itself
    otherwise."""
    if type(moment) is dt.datetime:
        return moment
    return dt.datetime(*moment.timetuple()[:6], moment.microsecond, moment.tzinfo)


class AwareDateTime(ParsedField[str]):
    """A moment in time, loaded as a UTC ISO 8601 string with offset (`...+00:00`).

    Accepts ISO 8601 in extended form with at least hours and minutes (`2020-03-18T20:23:45Z`,
    `2020-03-18T20:23:45+07:00`, `2020-03-18 20:23:45`), or a `datetime`. A time with an offset
    keeps it; a naive time is read in the zone named by the sibling field `zone_field` when that
    holds one of the three zones, else in the source's zone (the load's context; WIB by default).
    Dates without a time, week dates and other forms `fromisoformat` allows are rejected, as
    is anything outside [`earliest`, `latest`).
    """

    default_error_messages = {
        "invalid": "Not a valid ISO 8601 date and time.",
        "range": "Must be between {earliest} and {latest}.",
    }

    def __init__(
        self,
        *,
        zone_field: str | None = None,
        earliest: dt.datetime = dt.datetime(1970, 1, 1, tzinfo=_UTC),
        latest: dt.datetime = dt.datetime(2100, 1, 1, tzinfo=_UTC),
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.zone_field = zone_field
        self.earliest = earliest
        self.latest = latest
        self._earliest_naive = earliest.astimezone(_UTC).replace(tzinfo=None)
        self._latest_naive = latest.astimezone(_UTC).replace(tzinfo=None)

    def parse(self, value: Any, data: Mapping[str, Any] | None) -> str:
        if isinstance(value, str):
            return self.load_text(value, self.naive_zone(data))
        if isinstance(value, dt.datetime):
            return self._load_moment(_plain(value), None, self.naive_zone(data))
        raise self.make_error("invalid")

    def load_text(self, value: str, zone: ZoneInfo) -> str:
        """The loaded form of the text `value`, read in `zone` if it has no offset.

        A function of `value` and `zone` alone (and the field's bounds), so the fast path
        may remember its results.
        """
        # The shape checks keep out what fromisoformat also reads (a date alone, week
        # dates, basic format); fromisoformat then requires ASCII digits everywhere else.
        if not (
            16 <= len(value) <= 64
            and value[4] == "-"
            and value[7] == "-"
            and value[10] in "Tt "
            and value[13] == ":"
        ):
            raise self.make_error("invalid")
        try:
            moment = dt.datetime.fromisoformat(value)
        except ValueError:
            raise self.make_error("invalid") from None
        return self._load_moment(moment, value, zone)

    def _load_moment(self, moment: dt.datetime, text: str | None, zone: ZoneInfo) -> str:
        """`moment` (parsed from `text`, if it came as text) in UTC as ISO 8601."""
        # Times are shifted to UTC as naive datetimes where that is cheaper than
        # astimezone(UTC) (and equal to it), which counts: a course has four times, and they
        # are most of the cost of loading it.
        try:
            offset = moment.utcoffset()
            if offset is None:
                utc = moment - cast(dt.timedelta, zone.utcoffset(moment))
            elif text is not None and len(text) == 25 and text[16] == ":" and text[19] in "+-":
                # `YYYY-MM-DDTHH:MM:SS+HH:MM`: its first 19 characters are the local time.
                utc = dt.datetime.fromisoformat(text[:19]) - offset
            else:
                utc = moment if moment.tzinfo is _UTC else moment.astimezone(_UTC)
                if not self.earliest <= utc < self.latest:
                    raise self._range_error()
                if text is not None and len(text) == 20 and text[19] == "Z" and text[16] == ":":
                    # `YYYY-MM-DDTHH:MM:SSZ`, the commonest form, is what isoformat writes
                    # but for the separator and the Z.
                    return text[:10] + "T" + text[11:19] + "+00:00"
                return utc.isoformat()
        except OverflowError:
            raise self._range_error() from None
        if not self._earliest_naive <= utc < self._latest_naive:
            raise self._range_error()
        return utc.isoformat() + "+00:00"

    def naive_zone(self, data: Mapping[str, Any] | None) -> ZoneInfo:
        """The zone in which naive times of this field in `data` are read: the one that
        `zone_field` names, if it names one of the three, else the source's."""
        if self.zone_field is not None and (type(data) is dict or isinstance(data, Mapping)):
            name = data.get(self.zone_field)
            if isinstance(name, str) and name in _context.ZONE_INFO:
                return _context.ZONE_INFO[name]
        return _context.current().zone

    def _range_error(self) -> Exception:
        return self.make_error(
            "range", earliest=self.earliest.isoformat(), latest=self.latest.isoformat()
        )

    def json_schema(self) -> JsonSchema:
        return {"type": "string", "format": "date-time"}


_LANGUAGE_TAG = re.compile(
    "[a-zA-Z]{2,3}(?:-[a-zA-Z]{4})?(?:-(?:[a-zA-Z]{2}|[0-9]{3}))?"
    "(?:-(?:[a-zA-Z0-9]{5,8}|[0-9][a-zA-Z0-9]{3}))*"
    "(?:-[0-9a-wyzA-WYZ](?:-[a-zA-Z0-9]{2,8})+)*"
    "(?:-[xX](?:-[a-zA-Z0-9]{1,8})+)?"
)


@functools.lru_cache(maxsize=512)
def _canonical_tag(value: str) -> str | None:
    # Cached: a catalog uses a handful of tags, and this runs once per course.
    if not _LANGUAGE_TAG.fullmatch(value):
        return None
    subtags = value.lower().split("-")
    for index, subtag in enumerate(subtags[1:], start=1):
        if len(subtag) == 1:
            break  # extensions and private use stay lowercase
        if len(subtag) == 4 and subtag.isalpha():
            subtags[index] = subtag.title()
        elif len(subtag) == 2:
            subtags[index] = subtag.upper()
    return "-".join(subtags)


class LanguageTag(ParsedField[str]):
    """A BCP 47 language tag (`id`, `en-US`, `jv`, `zh-Hant-TW`), loaded in canonical case.

    Accepts language (2-3 letters), script, region, variants, extensions and private use, as
    RFC 5646 writes them, up to 64 characters; extended language subtags and grandfathered
    tags are not accepted. Casing follows RFC 5646 §2.1.1: `ID` loads as `id`, `en-us` as `en-US`.
    """

    default_error_messages = {"invalid": "Not a valid BCP 47 language tag."}

    def parse(self, value: Any, data: Mapping[str, Any] | None) -> str:
        tag = _canonical_tag(value) if isinstance(value, str) and len(value) <= 64 else None
        if tag is None:
            raise self.make_error("invalid")
        return tag

    def json_schema(self) -> JsonSchema:
        return {"type": "string", "maxLength": 64, "pattern": f"^(?:{_LANGUAGE_TAG.pattern})$"}


class Text(ParsedField[str | None]):
    """Free text (a title, a name), loaded with surrounding whitespace removed.

    Text holding a NUL character is refused: no backend stores one in a text column
    (PostgreSQL refuses it, so a single such record would fail the whole batch). Blank text
    counts as null: an optional field (`allow_none`, as `load_default=None` implies)
    loads it as None, a required one rejects it. Length is checked after stripping, against
    `max_length`; declared validators are refused because they would also receive None.
    """

    default_error_messages = {
        "invalid": "Not a valid string.",
        "blank": "Must not be blank.",
        "nul": "Must not contain a NUL character.",
        "too_long": "Longer than maximum length {max_length}.",
    }

    def __init__(self, *, max_length: int, **kwargs: Any) -> None:
        if kwargs.get("validate") is not None:
            raise ValueError("Text checks its own length; it takes no validators")
        super().__init__(**kwargs)
        self.max_length = max_length

    def parse(self, value: Any, data: Mapping[str, Any] | None) -> str | None:
        if not isinstance(value, str):
            raise self.make_error("invalid")
        text = value.strip()
        if not text:
            if self.allow_none:
                return None
            raise self.make_error("blank")
        if len(text) > self.max_length:
            raise self.make_error("too_long", max_length=self.max_length)
        if "\x00" in text:
            raise self.make_error("nul")
        return text

    def json_schema(self) -> JsonSchema:
        if self.allow_none:
            return {"type": "string", "maxLength": self.max_length, "pattern": r"^[^\x00]*$"}
        # Not blank: something other than whitespace, and no NUL anywhere.
        pattern = r"^[^\x00]*[^\s\x00][^\x00]*$"
        return {"type": "string", "maxLength": self.max_length, "pattern": pattern}


class StringOrInt(ParsedField[str]):
    """A code that some partners send as a number (`invoice_code`): a str, or a non-negative int
    loaded as its decimal str. Declared validators see the str."""

    default_error_messages = {"invalid": "Not a valid string or whole number."}

    def parse(self, value: Any, data: Mapping[str, Any] | None) -> str:
        if isinstance(value, str):
            return value
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            return str(int(value))
        raise self.make_error("invalid")

    def json_schema(self) -> JsonSchema:
        return {"type": ["string", "integer"], "minimum": 0}


_UUID = re.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


class HubId(ParsedField[str]):
    """A hub id: a UUID in its hyphenated 36-character form, loaded in lowercase."""

    default_error_messages = {"invalid": "Not a valid hub id (a UUID)."}

    def parse(self, value: Any, data: Mapping[str, Any] | None) -> str:
        if not isinstance(value, str) or _UUID.fullmatch(value) is None:
            raise self.make_error("invalid")
        # What str(uuid.UUID(value)) gives for this form (the same ASCII hex digits in the same
        # places, lowercased), without building a UUID.
        return value.lower()

    def json_schema(self) -> JsonSchema:
        return {"type": "string", "format": "uuid", "pattern": f"^(?:{_UUID.pattern})$"}
