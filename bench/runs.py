"""Running the measured syncs: each in a fresh child process, against a running source."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import orjson

from bench.source import REPO_ROOT


def run_child(
    backend: str,
    size: int,
    source: str,
    page_size: int,
    *,
    prefix: list[str] | None = None,
    cprofile_dir: Path | None = None,
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
        ]
        if cprofile_dir is not None:
            command += ["--cprofile", str(cprofile_dir)]
        done = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, check=False)
        if result_file.exists():
            result: dict[str, Any] = orjson.loads(result_file.read_bytes())
        else:
            result = {"backend": backend, "n": size, "error": f"exit {done.returncode}"}
        if "error" in result:
            tail = "\n".join(done.stderr.strip().splitlines()[-15:])
            result["error"] = f"{result['error']}\n{tail}" if tail else result["error"]
        return result
