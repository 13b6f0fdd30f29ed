"""Lone surrogates escaped in JSON text: replaced by U+FFFD, pairs and escaped backslashes kept."""

from __future__ import annotations

import json
import re

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from connectors.repair import replace_lone_surrogates

# Text that puts surrogates, pairs, backslashes and what follows them next to each other.
PIECES = st.sampled_from(
    ["\ud83d", "\ude80", "\ud800", "\udfff", "\\", "u", "d", "8", "00", "a", "é", "🚀", '"']
)


def read_as_a_browser_would(text: str) -> str:
    """What `text` serialized by a source and read back means: each surrogate pair one
    character (stdlib's json pairs adjacent escapes), each lone surrogate U+FFFD."""
    paired: str = json.loads(json.dumps(text))
    return re.sub("[\ud800-\udfff]", "\ufffd", paired)


@given(st.lists(PIECES, max_size=12).map("".join))
def test_a_source_text_reads_as_a_browser_would_read_it(text: str) -> None:
    sent = json.dumps({"judul": text}).encode()  # escapes as JavaScript and Python do

    repaired, replaced = replace_lone_surrogates(sent)

    assert orjson.loads(repaired) == {"judul": read_as_a_browser_would(text)}
    assert replaced == read_as_a_browser_would(text).count("\ufffd") - text.count("\ufffd")


@pytest.mark.parametrize(
    "text",
    [
        rb'{"a": "\ud83d\ude80"}',  # a pair
        rb'{"a": "\\ud800"}',  # an escaped backslash, then the letters u d 8 0 0
        rb'{"a": "\u00e9 plain"}',
        rb'{"a": "no escapes"}',
    ],
)
def test_text_without_lone_surrogates_is_given_back_as_it_is(text: bytes) -> None:
    assert replace_lone_surrogates(text) == (text, 0)


def test_each_half_of_a_broken_pair_is_replaced() -> None:
    sent = rb'["Kelas \ud83d", "\ude80 Akhir", "\uD83D\uDE80", "\ude80\ud83d", "\\\ud800"]'

    repaired, replaced = replace_lone_surrogates(sent)

    assert replaced == 5
    assert orjson.loads(repaired) == [
        "Kelas \ufffd",
        "\ufffd Akhir",
        "🚀",  # a pair in upper-case hex
        "\ufffd\ufffd",
        "\\\ufffd",
    ]
