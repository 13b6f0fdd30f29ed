"""JSON text that follows JSON's grammar but spells ill-formed Unicode: a UTF-16 surrogate
escaped without its partner (`"Kelas \\ud83d"`).

RFC 8259 (§8.2) lets such text through its grammar and leaves what a reader makes of it open.
orjson and msgspec refuse it, and no stored text can hold a lone surrogate. It is what a source
sends when it cuts a string between the two halves of an emoji (JavaScript's `slice` counts
UTF-16 units) and then serializes it (`JSON.stringify`, Python's `json.dumps`). Such a page is
read with each lone surrogate replaced by U+FFFD, as a browser decodes ill-formed UTF-16, and
the run notes how many were replaced.
"""

from __future__ import annotations

import re

#: An escape that is one (a backslash before it is not itself escaped): a surrogate pair, kept,
#: or a lone surrogate, replaced. Pairs are matched first, so a pair is never split.
_SURROGATE_ESCAPE = re.compile(
    rb"(?<!\\)((?:\\\\)*)"
    rb"(\\u[dD][89abAB][0-9a-fA-F]{2}\\u[dD][c-fC-F][0-9a-fA-F]{2}|\\u[dD][89a-fA-F][0-9a-fA-F]{2})"
)
_PAIR_LENGTH = 12
REPLACEMENT = rb"\ufffd"


def replace_lone_surrogates(content: bytes) -> tuple[bytes, int]:
    """`content` with every escaped lone surrogate replaced by an escaped U+FFFD, and how many
    were replaced (0: the same text)."""
    if b"\\u" not in content:
        return content, 0
    replaced = 0

    def replace(match: re.Match[bytes]) -> bytes:
        nonlocal replaced
        if len(match[2]) == _PAIR_LENGTH:
            return match[0]
        replaced += 1
        return match[1] + REPLACEMENT

    return _SURROGATE_ESCAPE.sub(replace, content), replaced
