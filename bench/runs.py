"""Running the measured syncs: each in a fresh child process, against a running source."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import orjson

from bench.child import REPO_ROOT

#: How much of a failed child's stderr a report shows.
TAIL_LINES = 12
LINE_LIMIT = 200


def run_child(
    backend: str,
    size: int,
    source: str,
    page_size: int,
    *,
    prefix: list[str] | None = None,
    cprofile_dir: Path | None = None,
    repeat: int = 1,
) -> dict[str, Any]:
    """Run `bench.sync_once` in a fresh process and return its JSON result.

    `prefix` goes before the interpreter (a profiler's command line). A child that dies without
    writing its result gives `{"error": ...}` with the end of its stderr.
    """
    with tempfile.TemporaryDirectory(prefix="hub-bench-result-") as tmp:
        result_file = Path(tmp) / "result.json"
        command = [
            *(prefix or []),
            sys.executable,
            "-m",
            "bench.sync_once",
            "--backend",
            backend,
            "--n",
            str(size),
            "--source",
            source,
            "--page-size",
            str(page_size),
            "--result",
            str(result_file),
            "--repeat",
            str(repeat),
        ]
        if cprofile_dir is not None:
            command += ["--cprofile", str(cprofile_dir)]
        done = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, check=False)
        if result_file.exists():
            result: dict[str, Any] = orjson.loads(result_file.read_bytes())
        else:
            result = {"backend": backend, "n": size, "error": f"exit {done.returncode}"}
        if "error" in result:
            tail = "\n".join(line[:LINE_LIMIT] for line in _traceback(done.stderr)[-TAIL_LINES:])
            result["error"] = f"{result['error']}\n{tail}" if tail else result["error"]
        return result


def _traceback(stderr: str) -> list[str]:
    """The lines of the last traceback in `stderr` up to its exception line (a database error's
    statement and values, which follow, are left out)."""
    lines = stderr.strip().splitlines()
    start = max((i for i, line in enumerate(lines) if line.startswith("Traceback")), default=0)
    lines = lines[start:]
    end = next((i for i, line in enumerate(lines) if i and line and not line[0].isspace()), None)
    return lines if end is None else lines[: end + 1]
