"""Dispatch: accepting runs and executing them asynchronously.

`Dispatcher` is the interface (the API's `POST /connectors/{id}/runs`, the CLI and the scheduler
submit runs through it); `ThreadPoolDispatcher` is the embedded default, executing runs in a
bounded pool of threads of the process that submits them.
"""

from hub.dispatch.base import Dispatcher
from hub.dispatch.threads import ThreadPoolDispatcher

#: Where a web app keeps its one dispatcher (the API and the dashboard share it).
APP_EXTENSION = "hub.dispatcher"

__all__ = ["APP_EXTENSION", "Dispatcher", "ThreadPoolDispatcher"]
