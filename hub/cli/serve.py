"""`hub serve`: the API, the docs and the dashboard over HTTP (gunicorn)."""

from __future__ import annotations

from typing import Any

import click
from gunicorn.app.base import BaseApplication

from hub.cli.context import Hub, pass_hub, reports_errors


class _Server(BaseApplication):
    """gunicorn run in-process on the hub's app factory."""

    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        from hub.app import create_app

        return create_app()


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64))
@click.option("--threads", default=4, show_default=True, type=click.IntRange(1, 64))
@pass_hub
@reports_errors
def serve(hub: Hub, host: str, port: int, workers: int, threads: int) -> None:
    """Serve the API, its docs and the dashboard.

    The same app serves under any WSGI server: `gunicorn 'hub.app:create_app()'`.
    """
    hub.settings  # noqa: B018 -- resolve settings now, so a bad one fails before binding
    _Server(
        {
            "bind": f"{host}:{port}",
            "workers": workers,
            "threads": threads,
            "worker_class": "gthread",
            "accesslog": "-",
            "errorlog": "-",
            # The access log line names the path and status, never the Authorization header.
            "access_log_format": '%(h)s "%(r)s" %(s)s %(b)s %(M)sms',
        }
    ).run()
