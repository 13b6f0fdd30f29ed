"""Common schema v1 (DESIGN.md §4): the input form of each entity, as a partner sends it.

Loading a record gives its normalized document: JSON-ready, times in UTC, money in integer
rupiah, phones in E.164, and a participant as `{"ref", "name"}` (the NIK is validated, hashed
and dropped). Every field is present in the document: defaults are filled in, optional fields
without one are None, and lists default to `[]`. Unknown fields, including the hub-managed ones
(`id`, `partner_id`, `revision`, `created_at`, `updated_at`, `deleted_at`), are rejected.
"""

from __future__ import annotations

from typing import Any

from marshmallow import fields, validate

from schemas import _context
from schemas._rules import (
    AtMost,
    NotBefore,
    RequiredInItemsWhen,
    RequiredWhen,
    RuleSchema,
    UniqueWithin,
)
from schemas._validators import Pattern, identifier_pattern, no_control_pattern
from schemas.fields import (
    AwareDateTime,
    HubId,
    LanguageTag,
    Nik,
    Phone,
    Rupiah,
    StringOrInt,
    Text,
    Timezone,
)

__all__ = [
    "AttendanceSchema",
    "CertificateSchema",
    "ContactSchema",
    "CourseSchema",
    "ParticipantSchema",
    "PartnerSchema",
    "PaymentTransactionSchema",
    "RecordSchema",
    "ScheduleSchema",
]

DELIVERY_MODES = ("self_paced", "webinar", "offline", "blended")
COURSE_STATUSES = ("active", "inactive")
CERTIFICATE_STATUSES = ("issued", "revoked")
PAYMENT_TYPES = ("purchase", "disbursement", "refund", "reversal")
PURCHASE = frozenset({"purchase"})
PAYMENT_STATUSES = ("pending", "succeeded", "failed", "reversed")
PARTNER_KINDS = ("training_provider", "platform", "payment_partner")
PARTNER_STATUSES = ("active", "suspended")

#: KBJI 2014 (and ISCO-08) unit groups have 4 digits; KBJI's occupations add `.` and 2-3 more.
KBJI_CODE = "[0-9]{4}(?:[.][0-9]{2,3})?"
#: A programme redeem code (`GHOPNYXUVMT0`), or a sandbox one (`PRAT-…`).
REDEEM_CODE = "[A-Z0-9]{12}|PRAT-[A-Z0-9_-]{1,59}"
PARTNER_CODE = "[a-z0-9][a-z0-9_-]{1,63}"


def _code(max_length: int, **kwargs: Any) -> fields.String:
    """An identifier or reference code: compared byte for byte, so never padded."""
    return fields.String(
        validate=[validate.Length(min=1, max=max_length), identifier_pattern()], **kwargs
    )


def _choice(choices: tuple[str, ...], **kwargs: Any) -> fields.String:
    return fields.String(validate=validate.OneOf(choices), **kwargs)


class RecordSchema(RuleSchema):
    """What every ingested record carries: the partner's own id for it."""

    external_id = _code(128, required=True)


class ScheduleSchema(RuleSchema):
    """A run of a course. Naive times are read in the schedule's own `timezone`, which
    defaults to the source's zone."""

    schedule_code = _code(64, required=True)
    starts_at = AwareDateTime(required=True, zone_field="timezone")
    ends_at = AwareDateTime(required=True, zone_field="timezone")
    timezone = Timezone(
        load_default=_context.current_zone_name,
        metadata={"description": "Defaults to the source's zone."},
    )
    location = Text(max_length=255, load_default=None, metadata={"description": "Regency/city."})
    quota = fields.Integer(
        strict=True, validate=validate.Range(min=1, max=100_000), load_default=None
    )

    rules = (NotBefore("ends_at", "starts_at", strict=True),)


class CourseSchema(RecordSchema):
    """A course in a training provider's catalog. Its schedules' codes are unique within it,
    and when it is taught offline every schedule names its location (a blended course may run
    its in-person part elsewhere, so it is not held to that)."""

    title = Text(max_length=255, required=True)
    description = Text(max_length=20_000, load_default=None)
    category = Text(max_length=100, load_default=None)
    language = LanguageTag(load_default="id")
    delivery_mode = _choice(DELIVERY_MODES, required=True)
    duration_hours = fields.Float(
        required=True, validate=validate.Range(min=0, min_inclusive=False, max=10_000)
    )
    price_idr = Rupiah(required=True)
    occupation_codes = fields.List(
        fields.String(validate=Pattern(KBJI_CODE, error="Not a KBJI code (e.g. 2512 or 2512.01).")),
        load_default=list,
        validate=validate.Length(max=20),
    )
    kkni_level = fields.Integer(
        strict=True, validate=validate.Range(min=1, max=9), load_default=None
    )
    skills = fields.List(Text(max_length=100), load_default=list, validate=validate.Length(max=50))
    status = _choice(COURSE_STATUSES, load_default="active")
    url = fields.Url(
        schemes={"http", "https"},
        validate=[validate.Length(max=2048), no_control_pattern()],
        load_default=None,
    )
    schedules = fields.List(
        fields.Nested(ScheduleSchema), load_default=list, validate=validate.Length(max=500)
    )

    rules = (
        UniqueWithin("schedules", "schedule_code"),
        RequiredInItemsWhen("schedules", "location", "delivery_mode", frozenset({"offline"})),
    )


class ParticipantSchema(RuleSchema):
    """A participant as sent (`nik`, `name`), loaded as `{"ref", "name"}`."""

    nik = Nik(required=True, attribute="ref", metadata={"secret": True})
    name = Text(max_length=255, required=True)


class AttendanceSchema(RuleSchema):
    """How many of a course's sessions the participant attended."""

    sessions_attended = fields.Integer(
        strict=True, required=True, validate=validate.Range(min=0, max=1000)
    )
    sessions_total = fields.Integer(
        strict=True, required=True, validate=validate.Range(min=1, max=1000)
    )

    rules = (AtMost("sessions_attended", "sessions_total"),)


class CertificateSchema(RecordSchema):
    """A completion certificate. It names its course by the course's external id; it may not
    be issued before the participant completed (state audits found exactly that)."""

    certificate_number = _code(64, required=True)
    course_external_id = _code(128, required=True)
    schedule_code = _code(64, load_default=None)
    participant = fields.Nested(ParticipantSchema, required=True)
    redeem_code = fields.String(
        required=True, validate=Pattern(REDEEM_CODE, error="Not a valid redeem code.")
    )
    completed_at = AwareDateTime(required=True)
    issued_at = AwareDateTime(required=True)
    score = fields.Float(validate=validate.Range(min=0, max=100), load_default=None)
    attendance = fields.Nested(AttendanceSchema, required=True)
    status = _choice(CERTIFICATE_STATUSES, load_default="issued")

    rules = (NotBefore("issued_at", "completed_at"),)


class PaymentTransactionSchema(RecordSchema):
    """A purchase, incentive disbursement, refund or reversal from a payment partner. A
    purchase names its invoice and transaction codes; the other types may leave them out."""

    type = _choice(PAYMENT_TYPES, required=True)
    amount_idr = Rupiah(required=True, validate=validate.Range(min=0, min_inclusive=False))
    fee_idr = Rupiah(load_default=0)
    status = _choice(PAYMENT_STATUSES, required=True)
    participant = fields.Nested(ParticipantSchema, required=True)
    # A platform purchase always has both codes; an incentive disbursement from a bank or an
    # e-wallet (and its refund or reversal) may carry neither.
    invoice_code = StringOrInt(
        load_default=None, validate=[validate.Length(min=1, max=64), identifier_pattern()]
    )
    transaction_code = _code(64, load_default=None)
    redeem_code = fields.String(
        validate=Pattern(REDEEM_CODE, error="Not a valid redeem code."), load_default=None
    )
    certificate_id = HubId(load_default=None)
    occurred_at = AwareDateTime(required=True)
    settled_at = AwareDateTime(load_default=None)

    rules = (
        RequiredWhen("invoice_code", "type", PURCHASE, "Required for a purchase."),
        RequiredWhen("transaction_code", "type", PURCHASE, "Required for a purchase."),
        NotBefore("settled_at", "occurred_at"),
    )


class ContactSchema(RuleSchema):
    """Who to reach at a partner."""

    name = Text(max_length=255, required=True)
    email = fields.Email(validate=validate.Length(max=254), load_default=None)
    phone = Phone(load_default=None)


class PartnerSchema(RuleSchema):
    """A partner, as an admin creates it: no `external_id`, since the hub is its source."""

    kind = _choice(PARTNER_KINDS, required=True)
    code = fields.String(
        required=True,
        validate=Pattern(PARTNER_CODE, error="Must be 2-64 lowercase letters, digits, '_' or '-'."),
    )
    name = Text(max_length=255, required=True)
    status = _choice(PARTNER_STATUSES, load_default="active")
    contact = fields.Nested(ContactSchema, load_default=None)
