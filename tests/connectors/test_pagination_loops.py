"""A numbered walk refuses a page with the same records as the page before, exactly as comparing
the two pages' records would, whether it kept the page before as its records or as JSON bytes."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from connectors.errors import PaginationLoopError
from connectors.pagination import OffsetPaginator, Page, PageNumberPaginator, Paginator

# Few values, so that pages often share their first record or all of them; 1, 1.0 and True are
# equal in Python, as they are in the comparison of records.
_VALUES = st.sampled_from([None, 0, 1, 1.0, True, "1", "a"])
_RECORDS = st.lists(
    st.dictionaries(st.sampled_from(["kode", "judul"]), _VALUES, max_size=2), max_size=3
)


def _page(records: list[dict[str, Any]], *, as_json: bool) -> Page:
    if not as_json:
        return Page(None, records)
    content = orjson.dumps({"data": records})
    return Page(
        None, orjson.loads(content)["data"], decode_again=lambda: orjson.loads(content)["data"]
    )


def _refuses(paginator: Paginator, first: Page, second: Page) -> bool:
    paginator.advance(first)
    try:
        paginator.advance(second)
    except PaginationLoopError:
        return True
    return False


@pytest.mark.parametrize("walk", [PageNumberPaginator, OffsetPaginator])
@pytest.mark.parametrize("as_json", [True, False], ids=["json-bytes", "records"])
@given(first=_RECORDS, second=_RECORDS)
def test_a_page_is_refused_exactly_when_its_records_equal_the_page_befores(
    walk: type[PageNumberPaginator | OffsetPaginator],
    as_json: bool,
    first: list[dict[str, Any]],
    second: list[dict[str, Any]],
) -> None:
    refused = _refuses(walk(), _page(first, as_json=as_json), _page(second, as_json=as_json))

    assert refused == (bool(second) and first == second)
