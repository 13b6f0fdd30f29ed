"""Charts: runs per hour counted in the right hour on both backends, drawn as inline SVG."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from hub.admin import charts
from hub.admin.stats import runs_per_hour
from hub.connections.secrets import ConfigSealer
from hub.connections.services import ConnectorService
from hub.partners.services import PartnerService
from hub.sandbox.catalog import catalog_connector_config
from hub.settings import Settings
from hub.store.models import Run

NOW = datetime(2026, 11, 28, 10, 30, tzinfo=UTC)


def test_runs_are_counted_per_hour_and_status(
    sessions: sessionmaker[Session], settings: Settings
) -> None:
    with sessions.begin() as session:
        PartnerService(session).create({"kind": "training_provider", "code": "lpk-a", "name": "A"})
        cid = (
            ConnectorService(session)
            .add(
                "lpk-a",
                "json_api",
                catalog_connector_config("http://x"),
                sealer=ConfigSealer(settings),
            )
            .id
        )
        for minutes_ago, status in [
            (5, "failed"),
            (20, "succeeded"),
            (70, "succeeded"),
            (60 * 30, "failed"),
        ]:
            session.add(
                Run(connector_id=cid, stream="courses", trigger="schedule", mode="incremental",
                    status=status, created_at=NOW - timedelta(minutes=minutes_ago))
            )  # fmt: skip

    with sessions() as session:
        hourly = runs_per_hour(session, now=NOW)

    assert hourly.total == 3
    assert hourly.hours[-1] == ("10", {"failed": 1, "succeeded": 1})
    assert hourly.hours[-2] == ("09", {"succeeded": 1})
    assert len(hourly.hours) == 24


def test_charts_are_svg_with_a_title_and_exact_numbers_on_hover() -> None:
    svg = charts.stacked_columns(
        [("09", {"failed": 2}), ("10", {"succeeded": 5})],
        [charts.Series("succeeded", "succeeded"), charts.Series("failed", "failed")],
        title="Runs <per> hour",
    )
    bars = charts.horizontal_bars([("lpk-a", 1200, "fresh")], title="Records", unit="records")

    assert str(svg).count("<rect") == 2
    assert "<title>10: 5 succeeded</title>" in svg
    assert "Runs &lt;per&gt; hour" in svg
    assert "1,200 records" in bars
