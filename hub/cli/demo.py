"""`hub demo`: the main job on the embedded default — a provider's catalog synced end to end."""

from __future__ import annotations

import click
from sqlalchemy import select

from hub.cli.context import Hub, console, pass_hub, reports_errors
from hub.connections.secrets import ConfigSealer
from hub.connections.services import ConnectorService
from hub.errors import NotFound
from hub.partners.services import PartnerService
from hub.sandbox.catalog import CatalogSource, catalog_connector_config, serve_catalog
from hub.store.models import ConnectorInstance
from hub.sync.runner import SyncRunner

DEMO_PARTNER = {"kind": "training_provider", "code": "lpk-demo", "name": "LPK Demo Nusantara"}


@click.command()
@click.option("--courses", type=click.IntRange(1, 1_000_000), default=2_000, show_default=True)
@pass_hub
@reports_errors
def demo(hub: Hub, courses: int) -> None:
    """Serve a sample provider catalog on 127.0.0.1, register it, and sync it twice: the second
    sync finds nothing changed."""
    with serve_catalog(CatalogSource(courses)) as base_url:
        config = catalog_connector_config(base_url, page_size=500)
        with hub.transaction() as session:
            try:
                partner = PartnerService(session).get(DEMO_PARTNER["code"])
            except NotFound:
                partner = PartnerService(session).create(DEMO_PARTNER)
            instance = session.scalar(
                select(ConnectorInstance).where(
                    ConnectorInstance.partner_id == partner.id,
                    ConnectorInstance.name == "catalog",
                )
            )
            service, sealer = ConnectorService(session), ConfigSealer(hub.settings)
            if instance is None:
                instance = service.add(
                    partner.code, "declarative", config, sealer=sealer, name="catalog"
                )
            else:
                # The demo source listens on a new port each time.
                service.reconfigure(instance.id, config, sealer=sealer)
            connector_id = instance.id
        console.print(f"partner {partner.code}: catalog of {courses:,} courses at {base_url}")
        runner = SyncRunner(hub.sessions, hub.settings)
        for label in ("first sync", "re-sync"):
            run = runner.run(connector_id, "courses")
            seconds = (run.finished_at - run.started_at).total_seconds()  # type: ignore[operator]
            console.print(
                f"{label}: run {run.id} {run.status} in {seconds:.2f}s — read {run.records_read:,},"
                f" created {run.created:,}, updated {run.updated:,},"
                f" unchanged {run.unchanged:,}, rejected {run.rejected:,}"
            )
    console.print("\nLook closer:  .venv/bin/hub runs list   ·   .venv/bin/hub runs show ID")
