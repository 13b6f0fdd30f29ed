"""`hub demo` for real, as `make run` starts it: the sandbox, the hub and the scheduler as child
processes on free ports of 127.0.0.1, on a data directory of its own."""

from __future__ import annotations

import os
import re
import signal
import socket
import stat
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import orjson
import pytest

#: The smallest sandbox, so that the first sync takes seconds.
SCALE = "12000"
STREAMS = 180 * 2 + 5


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class DemoHome:
    """A data directory with `hub init` done, and the environment and ports to run the demo."""

    data_dir: Path
    env: dict[str, str]
    port: int
    sandbox_port: int

    def command(self, *options: str) -> list[str]:
        return [
            sys.executable,
            "-m",
            "hub",
            "demo",
            "--port",
            str(self.port),
            "--sandbox-port",
            str(self.sandbox_port),
            "--scale",
            SCALE,
            *options,
        ]

    def run(self, *options: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            self.command(*options), env=self.env, capture_output=True, text=True, timeout=120
        )

    def credentials(self) -> dict[str, str]:
        return dict(orjson.loads((self.data_dir / "demo-credentials.json").read_bytes()))


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> DemoHome:
    data_dir = tmp_path_factory.mktemp("demo") / "var"
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    env |= {"HUB_DATA_DIR": str(data_dir), "COLUMNS": "200"}
    init = subprocess.run(
        [sys.executable, "-m", "hub", "init"], env=env, capture_output=True, text=True
    )
    assert init.returncode == 0, init.stderr
    return DemoHome(data_dir, env, free_port(), free_port())


@pytest.fixture(scope="module")
def first(home: DemoHome) -> subprocess.CompletedProcess[str]:
    """The first run of the demo in `home`."""
    return home.run("--once")


def pids(output: str) -> dict[str, int]:
    """The child processes the demo says it started."""
    found = {
        name: int(pid)
        for name, pid in re.findall(r"(sandbox|hub|scheduler) (?:at \S+ )?\(pid (\d+)\)", output)
    }
    assert set(found) == {"sandbox", "hub", "scheduler"}, output
    return found


def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def refused(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    except ConnectionRefusedError:
        return True
    return False


def test_the_first_run_registers_syncs_serves_and_prints_where_to_look(
    home: DemoHome, first: subprocess.CompletedProcess[str]
) -> None:
    assert first.returncode == 0, first.stdout + first.stderr
    out = first.stdout
    assert "185 partners and their connectors registered (185 new)" in out
    assert "185 connectors newly scheduled every 15 minutes" in out
    assert f"first sync of {STREAMS} of {STREAMS} streams\n" in out
    # The summary's total row: every partner, every stream read through, every record read.
    total = re.search(r"│ all\s+│\s+│\s+185 │\s+(\d+) │\s+(\d+) │\s+(\d+) │\s+([\d,]+) │", out)
    assert total, out
    succeeded, partial, failed, records = total.groups()
    assert (int(succeeded) + int(partial), failed, records) == (STREAMS, "0", "12,000")
    assert "the API answered with a token: 185 partners" in out
    credentials = home.credentials()
    mode = stat.S_IMODE((home.data_dir / "demo-credentials.json").stat().st_mode)
    assert mode == 0o600
    base = f"http://127.0.0.1:{home.port}"
    for where in ("docs", "openapi.json", "admin/"):
        assert f"{base}/{where}" in out
    assert "admin@hub.local" in out
    assert credentials["admin_password"] in out
    assert (
        f"curl -s -u {credentials['client_id']}:{credentials['client_secret']} "
        f"-d grant_type=client_credentials {base}/oauth/token" in out
    )
    assert f"{base}/api/v1/courses" in out
    # --once stops everything it started.
    for pid in pids(out).values():
        assert gone(pid)


@contextmanager
def serving(home: DemoHome, *options: str) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """The demo started without --once, once it says it serves: the process and its output
    so far."""
    process = subprocess.Popen(
        home.command(*options),
        env=home.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # Started the way a shell starts a background job: with SIGINT ignored.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),
    )
    assert process.stdout is not None
    lines = []
    for line in process.stdout:
        lines.append(line)
        if "Ctrl-C stops" in line:
            break
    try:
        yield process, "".join(lines)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_running_again_reuses_what_exists_and_ctrl_c_stops_every_child(
    home: DemoHome, first: subprocess.CompletedProcess[str]
) -> None:
    before = home.credentials()
    with serving(home) as (process, out):
        assert "185 partners and their connectors registered (0 new)" in out
        assert "0 connectors newly scheduled" in out
        assert f"every one of the {STREAMS} streams was synced before" in out
        assert "first sync of" not in out
        assert home.credentials() == before
        assert before["admin_password"] in out
        assert "(the same as before)" in out
        children = pids(out)
        assert not refused(home.port)
        assert not refused(home.sandbox_port)
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=60) == 0, process.communicate()
        assert all(gone(pid) for pid in children.values())
        assert refused(home.port)
        assert refused(home.sandbox_port)


def test_a_child_that_dies_is_reported_and_the_others_stopped(
    home: DemoHome, first: subprocess.CompletedProcess[str]
) -> None:
    with serving(home, "--no-sync") as (process, out):
        children = pids(out)
        os.kill(children["scheduler"], signal.SIGKILL)
        assert process.wait(timeout=60) == 1
        _, stderr = process.communicate()
        assert f"scheduler (pid {children['scheduler']}) exited with status -9" in stderr
        assert all(gone(pid) for pid in children.values())
        assert refused(home.port)
        assert refused(home.sandbox_port)
