"""The demo's child processes: started, awaited until they answer, watched, and stopped."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import requests

from hub.errors import HubError

#: How long a child gets to stop after SIGTERM before it is killed.
STOP_TIMEOUT_SECONDS = 10.0
#: How often readiness is asked while waiting for a child to answer.
_PROBE_INTERVAL_SECONDS = 0.1


class ChildFailed(HubError):
    """A child process did not start, or stopped while it should be running."""


@dataclass(slots=True)
class Child:
    """A running child process: its name, its process, and where its output goes."""

    name: str
    process: subprocess.Popen[bytes]
    log_path: Path

    @property
    def pid(self) -> int:
        """Its process id."""
        return self.process.pid

    def running(self) -> bool:
        """Whether it has not exited yet."""
        return self.process.poll() is None


@dataclass
class Children:
    """The child processes of one demo: each runs `python -m hub ...` with its output in
    `<log_dir>/<name>.log`, in a session of its own so that a Ctrl-C at the terminal reaches the
    demo alone, which then stops every child in reverse order of start.

    `exited` is set as soon as any child exits; `stop_all` is idempotent."""

    log_dir: Path
    children: list[Child] = field(default_factory=list)
    exited: threading.Event = field(default_factory=threading.Event)

    def start(self, name: str, args: Sequence[str], env: Mapping[str, str] | None = None) -> Child:
        """Start `hub <args>` as a child named `name`, with `env` added to this environment."""
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log_path = self.log_dir / f"{name}.log"
        with log_path.open("ab") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "hub", *args],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                env={**os.environ, **(env or {})},
            )
        child = Child(name, process, log_path)
        self.children.append(child)
        threading.Thread(
            target=self._watch, args=(child,), name=f"watch-{name}", daemon=True
        ).start()
        return child

    def wait_ready(self, child: Child, url: str, timeout: float) -> None:
        """Return once GET `url` answers 200; ChildFailed when the child exits first or
        `timeout` seconds pass."""
        deadline = time.monotonic() + timeout
        while True:
            if not child.running():
                raise ChildFailed(self.describe_exit(child))
            try:
                if requests.get(url, timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass  # not listening yet
            if time.monotonic() > deadline:
                raise ChildFailed(
                    f"{child.name} did not answer at {url} within {timeout:.0f}s "
                    f"(see {child.log_path})"
                )
            # Wake at once if the child exits meanwhile.
            self.exited.wait(_PROBE_INTERVAL_SECONDS)

    def first_exited(self) -> Child | None:
        """A child that has exited, if any."""
        return next((c for c in self.children if not c.running()), None)

    def describe_exit(self, child: Child) -> str:
        """Why a child is gone, in words, with the last lines of its log."""
        tail = child.log_path.read_text(encoding="utf-8", errors="replace").splitlines()[-5:]
        lines = "".join(f"\n    {line}" for line in tail)
        return (
            f"{child.name} (pid {child.pid}) exited with status {child.process.returncode}"
            f"; the end of {child.log_path}:{lines}"
        )

    def stop_all(self, timeout: float = STOP_TIMEOUT_SECONDS) -> None:
        """Stop every child, the last started first: SIGTERM, then SIGKILL after `timeout`."""
        for child in reversed(self.children):
            if child.running():
                child.process.terminate()
        deadline = time.monotonic() + timeout
        for child in reversed(self.children):
            try:
                child.process.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.process.kill()
                child.process.wait()

    def _watch(self, child: Child) -> None:
        child.process.wait()
        self.exited.set()
