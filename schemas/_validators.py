"""Validators that marshmallow lacks, written so JSON Schema export can state them too."""

from __future__ import annotations

import re
from typing import Any

from marshmallow import ValidationError, validate


class Pattern(validate.Regexp):
    """Succeeds when the *whole* string matches `regex` (marshmallow's `Regexp` anchors only the
    start, and `$` also matches before a final newline).

    Write `regex` in the common subset of Python and ECMA-262 syntax (no named groups, inline
    flags or `\\Z`, `[0-9]` rather than `\\d`): it is exported verbatim as a JSON Schema
    `pattern`, wrapped in `^(?:...)$`.
    """

    def __init__(self, regex: str, *, error: str | None = None) -> None:
        self.compiled = re.compile(regex)
        super().__init__(self.compiled, error=error)

    @property
    def json_pattern(self) -> str:
        """The same rule as a JSON Schema `pattern`, which is not anchored by itself."""
        return f"^(?:{self.compiled.pattern})$"

    def __call__(self, value: Any) -> Any:
        if self.compiled.fullmatch(value) is None:
            raise ValidationError(self._format_error(value))
        return value


#: No surrounding whitespace and no control characters: ids and codes compare byte for byte.
IDENTIFIER = r"[^\s\x00-\x1f\x7f](?:[^\x00-\x1f\x7f]*[^\s\x00-\x1f\x7f])?"


#: No control character (C0 or DEL) anywhere: a URL holds none (RFC 3986), whatever
#: marshmallow's URL validator lets through in a path.
NO_CONTROL = r"[^\x00-\x1f\x7f]*"


def no_control_pattern() -> Pattern:
    """The rule that text holds no control character."""
    return Pattern(NO_CONTROL, error="Must not contain control characters.")


def identifier_pattern() -> Pattern:
    """The rule shared by every external id and reference code."""
    return Pattern(
        IDENTIFIER,
        error="Must not be blank, start or end with whitespace, or contain control characters.",
    )
