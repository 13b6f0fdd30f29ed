"""json_api end to end against mocked partners: pagination, resuming, incremental reads, auth."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import pytest
import responses
from responses import matchers

from connectors import each_record
from connectors._base import Checkpoint, Notice, State
from connectors.declarative import JsonApiConnector
from connectors.errors import (
    AuthenticationError,
    ConfigError,
    ConnectorError,
    PaginationLoopError,
    SourceFormatError,
    SourceUnavailableError,
)
from connectors.registry import load_config

COURSES_URL = "https://lpk.example.id/api/v1/pelatihan"
ConfigFactory = Callable[..., dict[str, Any]]

PAGE_NUMBER = {"type": "page_number", "page_size": 2}
PAGE_NUMBER_SHORT_STOPS = {**PAGE_NUMBER, "stop": {"short_page": True}}
CURSOR = {"type": "cursor", "cursor_path": "meta.next"}


def course(code: int, updated_at: str = "2024-05-01T00:00:00Z") -> dict[str, Any]:
    return {"kode": code, "judul": f"Pelatihan {code}", "diperbarui": updated_at}


def page_query(page: int, size: int = 2, **extra: str) -> Any:
    return matchers.query_param_matcher({"page": str(page), "per_page": str(size), **extra})


def cursor_query(cursor: str | None = None) -> Any:
    return matchers.query_param_matcher({"cursor": cursor} if cursor else {})


def read_all(
    connector: JsonApiConnector, config: dict[str, Any], state: State | None = None
) -> list[Any]:
    """Everything `read` yields: records as their `kode`, checkpoints as their state, notices
    as themselves (so an unexpected notice shows in the comparison that fails)."""
    return [
        item.state
        if isinstance(item, Checkpoint)
        else item
        if isinstance(item, Notice)
        else item["kode"]
        for item in each_record(connector.read(config, "courses", state))
    ]


def serve_pages(partner: responses.RequestsMock, pages: Iterable[list[dict[str, Any]]]) -> None:
    for number, records in enumerate(pages, start=1):
        partner.get(COURSES_URL, json={"data": records}, match=[page_query(number)])


# -- page numbers -------------------------------------------------------------------------------


def test_page_numbers_are_walked_until_a_short_page_when_asked(
    partner: responses.RequestsMock, connector: JsonApiConnector, make_config: ConfigFactory
) -> None:
    serve_pages(partner, [[course(1), course(2)], [course(3), course(4)], [course(5)]])

    items = read_all(connector, make_config(pagination=PAGE_NUMBER_SHORT_STOPS))

    assert items == [1, 2, {"page": 2}, 3, 4, {"page": 3}, 5, {}]


def test_by_default_a_short_page_does_not_end_the_walk(
    partner: responses.RequestsMock, connector: JsonApiConnector, make_config: ConfigFactory
) -> None:
    # A source that caps its page size below the size asked serves short pages mid-walk.
    serve_pages(partner, [[course(1)], [course(2)], []])

    items = read_all(connector, make_config(pagination=PAGE_NUMBER))

    assert items == [1, {"page": 2}, 2, {"page": 3}, {}]


def test_page_numbers_end_at_an_empty_page(
    partner: responses.RequestsMock, connector: JsonApiConnector, make_config: ConfigFactory
) -> None:
    serve_pages(partner, [[course(1), course(2)], []])

    assert read_all(connector, make_config(pagination=PAGE_NUMBER_SHORT_STOPS)) == [
        1,
        2,
        {"page": 2},
        {},
    ]


def test_a_page_number_walk_resumes_from_its_checkpoint(
    partner: responses.RequestsMock, connector: JsonApiConnector, make_config: ConfigFactory
) -> None:
    partner.get(COURSES_URL, json={"data": [course(3)]}, match=[page_query(2)])

    items = read_all(connector, make_config(pagination=PAGE_NUMBER_SHORT_STOPS), {"page": 2})

    assert items == [3, {}]


def test_a_source_that_ignores_the_page_parameter_is_a_pagination_loop(
    partner: responses.RequestsMock, connector: JsonApiConnector, make_config: ConfigFactory
) -> None:
    partner.get(COURSES_URL, json={"data": [course(1), course(2)]})

    with pytest.raises(PaginationLoopError, match="same records as the page before") as caught:
        read_all(connector, make_config(pagination=PAGE_NUMBER_SHORT_STOPS))

    assert caught.value.code == "pagination_loop"


def test_static_params_and_page_settings_go_into_the_query(
    partner: responses.RequestsMock, connector: JsonApiConnector, make_config: ConfigFactory
) -> None:
    pagination = {"type": "page_number", "page_param": "hal", "size_param": None, "page_size": 1}
    partner.get(
        COURSES_URL,
        json={"data": []},
        match=[matchers.query_param_matcher({"hal": "0", "status": "aktif"})],
    )
    config = make_config(pagination={**pagination, "start_page": 0}, params={"status": "aktif"})

    assert read_all(connector, config) == [{}]


def serve_cursor_pages(partner: responses.RequestsMock, *nexts: str | None) -> None:
    """Courses 1, 2, … one a page: page n answers the cursor page n - 1 gave (no cursor for the
    first) and gives `nexts[n - 1]` as the next cursor."""
    asked: str | None = None
    for number, following in enumerate(nexts, start=1):
        partner.get(
            COURSES_URL,
            json={"data": [course(number)], "meta": {"next": following}},
            match=[cursor_query(asked)],
        )
        asked = following


# -- cursors ------------------------------------------------------------------------------------


def test_cursors_are_followed_until_the_cursor_is_null(
    partner: responses.RequestsMock, connector: JsonApiConnector, make_config: ConfigFactory
) -> None:
    serve_cursor_pages(partner, "c2", "c3", None)

    items = read_all(connector, make_config(pagination=CURSOR))

    assert items == [1, {"cursor": "c2"}, 2, {"cursor": "c3"}, 3, {}]


@pytest.mark.parametrize("last_meta", [{"next": ""}, {}])
def test_cursors_end_at_an_empty_or_absent_cursor(
    partner: responses.RequestsMock,
    connector: JsonApiConnector,
    make_config: ConfigFactory,
    last_meta: dict[str, Any],
) -> None:
    partner.get(COURSES_URL, json={"data": [course(1)], "meta": last_meta})

    assert read_all(connector, make_config(pagination=CURSOR)) == [1, {}]


def test_a_cursor_walk_resumes_from_its_checkpoint(
    partner: responses.RequestsMock, connector: JsonApiConnector, make_config: ConfigFactory
) -> None:
    partner.get(
        COURSES_URL, json={"data": [course(3)], "meta": {"next": None}}, match=[cursor_query("c3")]
    )

    assert read_all(connector, make_config(pagination=CURSOR), {"cursor": "c3"}) == [3, {}]


def test_a_cursor_seen_twice_is_a_pagination_loop(
    partner: responses.RequestsMock, connector: JsonApiConnector, make_config: ConfigFactory
) -> None:
    serve_cursor_pages(partner, "c2", "c3", "c2")

    with pytest.raises(PaginationLoopError, match="cursor 'c2' a second time"):
        read_all(connector, make_config(pagination=CURSOR))


def test_a_resumed_cursor_that_comes_back_is_a_pagination_loop(
    partner: responses.RequestsMock, connector: JsonApiConnector, make_config: ConfigFactory
) -> None:
    partner.get(COURSES_URL, json={"data": [course(3)], "meta": {"next": "c3"}})

    with pytest.raises(PaginationLoopError):
        read_all(connector, make_config(pagination=CURSOR), {"cursor": "c3"})


# -- where the records are ----------------------------------------------------------------------


def test_records_are_found_at_a_nested_path(
    partner: responses.RequestsMock, connector: JsonApiConnector, make_config: ConfigFactory
) -> None:
    partner.get(COURSES_URL, json={"result": {"items": [course(1), course(2)]}})

    assert read_all(connector, make_config(records_path="result.items")) == [1, 2, {}]


def test_an_empty_records_path_takes_the_body_as_the_list(
    partner: responses.RequestsMock, connector: JsonApiConnector, make_config: ConfigFactory
) -> None:
    partner.get(COURSES_URL, json=[course(1)])

    assert read_all(connector, make_config(records_path="")) == [1, {}]


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ({"error": "maintenance"}, "has no 'data'"),
        ({"data": {"kode": 1}}, "'data' is an object, not an array"),
        ({"data": [course(1), "x"]}, "record 1 in 'data' is a string, not an object"),
    ],
)
def test_a_page_without_a_records_list_is_a_source_format_error(
    partner: responses.RequestsMock,
    connector: JsonApiConnector,
    make_config: ConfigFactory,
    body: Any,
    problem: str,
) -> None:
    partner.get(COURSES_URL, json=body, match=[page_query(1)])

    with pytest.raises(SourceFormatError, match=problem) as caught:
        read_all(connector, make_config(pagination=PAGE_NUMBER_SHORT_STOPS))

    assert "stream 'courses', page 1" in str(caught.value)


def test_an_html_page_in_the_middle_fails_after_the_pages_before_it(
    partner: responses.RequestsMock, connector: JsonApiConnector, make_config: ConfigFactory
) -> None:
    serve_pages(partner, [[course(1), course(2)]])
    partner.get(COURSES_URL, body="<html>Maintenance</html>", content_type="text/html")
    items = each_record(
        connector.read(make_config(pagination=PAGE_NUMBER_SHORT_STOPS), "courses", None)
    )

    assert [next(items) for _ in range(3)] == [course(1), course(2), Checkpoint({"page": 2})]
    with pytest.raises(SourceFormatError, match="text/html"):
        next(items)


def test_transient_faults_are_retried_inside_read(
    partner: responses.RequestsMock,
    connector: JsonApiConnector,
    make_config: ConfigFactory,
    delays: list[float],
) -> None:
    partner.get(COURSES_URL, status=503)
    partner.get(COURSES_URL, json={"data": [course(1)]})

    assert read_all(connector, make_config()) == [1, {}]
    assert delays == [0.5]


def test_the_config_can_tune_timeouts_and_retries_for_its_source(
    partner: responses.RequestsMock,
    connector: JsonApiConnector,
    make_config: ConfigFactory,
    delays: list[float],
) -> None:
    partner.get(COURSES_URL, status=500)
    config = {**make_config(), "http": {"read_timeout": 90.0, "max_retries": 1}}

    with pytest.raises(SourceUnavailableError, match="gave up after 2 attempts"):
        read_all(connector, config)

    assert delays == [0.5]
    # responses keeps the keyword arguments requests sent the request with.
    sent = partner.calls[0].request.req_kwargs  # type: ignore[attr-defined]
    assert sent["timeout"] == (5.0, 90.0)


# -- incremental reads --------------------------------------------------------------------------

INCREMENTAL = {"cursor_field": "diperbarui", "param": "updated_since"}


def test_an_incremental_read_keeps_the_highest_cursor_value_and_sends_it_next_time(
    partner: responses.RequestsMock, connector: JsonApiConnector, make_config: ConfigFactory
) -> None:
    config = make_config(pagination=PAGE_NUMBER_SHORT_STOPS, incremental=INCREMENTAL)
    # 08:00+07:00 is 01:00Z: earlier than 02:00Z although it sorts later as text.
    serve_pages(
        partner,
        [
            [course(1, "2024-05-01T02:00:00Z"), course(2, "2024-05-01T08:00:00+07:00")],
            [course(3, "2024-04-30T00:00:00Z")],
        ],
    )

    first = read_all(connector, config)

    assert first == [
        1,
        2,
        {"page": 2, "max_seen": "2024-05-01T02:00:00Z"},
        3,
        {"since": "2024-05-01T02:00:00Z"},
    ]

    partner.get(
        COURSES_URL,
        json={"data": [course(4, "2024-05-02T00:00:00Z")]},
        match=[page_query(1, updated_since="2024-05-01T02:00:00Z")],
    )

    assert read_all(connector, config, first[-1]) == [4, {"since": "2024-05-02T00:00:00Z"}]


def test_a_resumed_incremental_walk_keeps_sending_its_own_lower_bound(
    partner: responses.RequestsMock, connector: JsonApiConnector, make_config: ConfigFactory
) -> None:
    config = make_config(pagination=PAGE_NUMBER_SHORT_STOPS, incremental=INCREMENTAL)
    partner.get(
        COURSES_URL,
        json={"data": [course(3, "2024-05-01T12:00:00Z")]},
        match=[page_query(2, updated_since="2024-05-01T00:00:00Z")],
    )
    state = {"page": 2, "since": "2024-05-01T00:00:00Z", "max_seen": "2024-05-03T00:00:00Z"}

    assert read_all(connector, config, state) == [3, {"since": "2024-05-03T00:00:00Z"}]


def test_incremental_streams_offer_both_sync_modes(make_config: ConfigFactory) -> None:
    plain = JsonApiConnector().streams(make_config())["courses"]
    incremental = JsonApiConnector().streams(make_config(incremental=INCREMENTAL))["courses"]

    assert (plain.entity, plain.sync_modes) == ("course", ("full_refresh",))
    assert incremental.sync_modes == ("full_refresh", "incremental")


# -- authentication -----------------------------------------------------------------------------

SECRET = "sk-live-9f8e7d6c5b4a"
AUTHS = {
    "api_key": ({"type": "api_key", "key": SECRET}, "X-API-Key", SECRET),
    "api_key_custom_header": (
        {"type": "api_key", "name": "X-LPK-Token", "key": SECRET},
        "X-LPK-Token",
        SECRET,
    ),
    "bearer": ({"type": "bearer", "token": SECRET}, "Authorization", f"Bearer {SECRET}"),
}


def test_no_auth_sends_no_credentials(
    partner: responses.RequestsMock, connector: JsonApiConnector, make_config: ConfigFactory
) -> None:
    partner.get(COURSES_URL, json={"data": []})

    read_all(connector, make_config())

    headers = partner.calls[0].request.headers
    assert "Authorization" not in headers
    assert "X-API-Key" not in headers


@pytest.mark.parametrize(("auth", "header", "value"), AUTHS.values(), ids=AUTHS.keys())
def test_each_auth_method_sends_its_header(
    partner: responses.RequestsMock,
    connector: JsonApiConnector,
    make_config: ConfigFactory,
    auth: dict[str, Any],
    header: str,
    value: str,
) -> None:
    partner.get(
        COURSES_URL, json={"data": [course(1)]}, match=[matchers.header_matcher({header: value})]
    )

    assert read_all(connector, make_config(auth=auth)) == [1, {}]


@pytest.mark.parametrize(("auth", "header", "value"), AUTHS.values(), ids=AUTHS.keys())
@pytest.mark.parametrize(
    "answer",
    [
        {"status": 401},
        {"status": 403},
        {"status": 404},
        {"status": 500},
        {"body": "<html>oops</html>", "content_type": "text/html"},
        {"json": {"unexpected": True}},
    ],
    ids=["401", "403", "404", "500", "html", "no-records"],
)
def test_no_error_ever_carries_the_secret(
    partner: responses.RequestsMock,
    make_http: Callable[..., Any],
    make_config: ConfigFactory,
    auth: dict[str, Any],
    header: str,
    value: str,
    answer: dict[str, Any],
) -> None:
    partner.get(COURSES_URL, **answer)
    connector = JsonApiConnector(make_http(max_retries=1))

    with pytest.raises(ConnectorError) as caught:
        read_all(connector, make_config(auth=auth))

    assert SECRET not in str(caught.value)
    assert SECRET not in repr(caught.value)
    assert SECRET not in repr(connector.stream(make_config(auth=auth), "courses").auth)


def test_refused_credentials_are_an_authentication_error(
    partner: responses.RequestsMock, connector: JsonApiConnector, make_config: ConfigFactory
) -> None:
    partner.get(COURSES_URL, status=401)

    with pytest.raises(AuthenticationError):
        read_all(connector, make_config(auth={"type": "bearer", "token": SECRET}))


# -- check, streams, unknown names --------------------------------------------------------------


def test_check_fetches_the_first_page_of_the_first_stream_only(
    partner: responses.RequestsMock, connector: JsonApiConnector
) -> None:
    config = load_config(
        JsonApiConnector,
        {
            "base_url": "https://lpk.example.id/api/v1",
            "streams": {
                "courses": {
                    "entity": "course",
                    "path": "pelatihan",
                    "records_path": "data",
                    "pagination": PAGE_NUMBER,
                    "mapping": {"external_id": "kode"},
                },
                "certificates": {
                    "entity": "certificate",
                    "path": "sertifikat",
                    "mapping": {"certificate_number": "nomor"},
                },
            },
        },
    )
    partner.get(COURSES_URL, json={"data": [course(1), course(2)]}, match=[page_query(1)])

    connector.check(config)

    assert len(partner.calls) == 1


def test_check_raises_the_classified_error(
    partner: responses.RequestsMock, make_http: Callable[..., Any], make_config: ConfigFactory
) -> None:
    partner.get(COURSES_URL, status=502)

    with pytest.raises(SourceUnavailableError):
        JsonApiConnector(make_http(max_retries=0)).check(make_config())


def test_an_unknown_stream_is_a_config_error(
    connector: JsonApiConnector, make_config: ConfigFactory
) -> None:
    with pytest.raises(
        ConfigError, match="unknown stream 'payments'; this connector offers: courses"
    ):
        each_record(connector.read(make_config(), "payments", None))
    with pytest.raises(ConfigError):
        connector.mapper(make_config(), "payments")


def test_the_mapper_maps_what_read_yields(
    partner: responses.RequestsMock, connector: JsonApiConnector, make_config: ConfigFactory
) -> None:
    partner.get(COURSES_URL, json={"data": [course(7)]})
    config = make_config()
    records = [
        item
        for item in each_record(connector.read(config, "courses", None))
        if isinstance(item, dict)
    ]

    assert [connector.mapper(config, "courses")(raw) for raw in records] == [
        {"external_id": 7, "title": "Pelatihan 7"}
    ]
