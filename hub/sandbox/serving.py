"""Serving a simulated partner over HTTP from a background thread, as tests and the demo do."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@contextmanager
def serve_in_thread(
    handler: type[BaseHTTPRequestHandler], *, host: str, port: int, name: str
) -> Iterator[str]:
    """Serve `handler` on host:port (port 0: a free one), a thread per request, from a daemon
    thread called `name`; yields the base URL `http://host:port` and stops serving on leaving."""
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name=name, daemon=True)
    thread.start()
    try:
        bound_host, bound_port = server.server_address[:2]
        yield f"http://{bound_host!s}:{bound_port}"
    finally:
        server.shutdown()
        server.server_close()
