"""The reference: a well-known Python connector framework reading the same source in the same run.

Issue 2 sets its targets against what such frameworks do on this machine (10,000-12,000
records/s, "without validating or storing anything"). This machine's speed moves by up to 2x
between sessions, so `python -m bench` measures that yardstick itself, beside the sync: Meltano's
singer-sdk (`bench/reference_tap.py`) reads the very pages the sync reads, and the report gives
each first sync as a multiple of it.

singer-sdk is no dependency of the hub: it lives in a virtual environment of its own,
`.venv-reference`, made on first use (`python -m venv`, then pip from the package index).
`python -m bench.reference [--n N]` measures the reference alone.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from bench.child import REPO_ROOT
from bench.source import source_process

#: The reference's own environment, and what it installs there.
REFERENCE_VENV = REPO_ROOT / ".venv-reference"
REQUIREMENT = "singer-sdk>=0.54,<0.55"
TAP = REPO_ROOT / "bench" / "reference_tap.py"


@dataclass(frozen=True)
class Reference:
    """The reference's records/s: the median run's, and every run's."""

    version: str
    rate: float
    rates: tuple[float, ...]


def reference_python() -> Path:
    """The reference environment's Python, with singer-sdk installed (made on first use).

    Raises `RuntimeError`, with pip's last words, when it cannot be made.
    """
    python = REFERENCE_VENV / "bin" / "python"
    stamp = REFERENCE_VENV / f".installed-{REQUIREMENT}"
    if stamp.exists():
        return python
    pip = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    steps = [[sys.executable, "-m", "venv", str(REFERENCE_VENV)], [*pip, REQUIREMENT]]
    for step in steps:
        done = subprocess.run(step, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            last = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
            raise RuntimeError(f"could not make {REFERENCE_VENV.name}: {last[0]}")
    stamp.touch()
    return python


def reference_rate(source: str, page_size: int, expected: int, repeat: int = 3) -> Reference:
    """singer-sdk's records/s reading `source` (`expected` records), median of `repeat` runs.

    Raises `RuntimeError` when the environment cannot be made, a run fails or reads other than
    `expected` records.
    """
    python = reference_python()
    version = subprocess.run(
        [str(python), "-c", "import importlib.metadata as m; print(m.version('singer-sdk'))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    rates = []
    for _ in range(repeat):
        done = subprocess.run(
            [str(python), str(TAP), source, str(page_size)],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            last = done.stderr.strip().splitlines()[-1:] or ["no output"]
            raise RuntimeError(f"the reference tap failed: {last[0]}")
        measured = json.loads(done.stdout.strip().splitlines()[-1])
        if measured["records"] != expected:
            raise RuntimeError(f"the reference read {measured['records']}, expected {expected}")
        rates.append(measured["records"] / measured["seconds"])
    return Reference(version, statistics.median(rates), tuple(rates))


def main() -> None:
    """Measure the reference alone on a catalog of N courses."""
    parser = argparse.ArgumentParser(description="singer-sdk's records/s on the bench catalog.")
    parser.add_argument("--n", type=int, default=100_000, help="courses (default 100,000)")
    parser.add_argument("--page-size", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with source_process(args.n, args.page_size) as source:
        found = reference_rate(source, args.page_size, args.n, args.repeat)
    runs = ", ".join(f"{rate:,.0f}" for rate in found.rates)
    print(f"singer-sdk {found.version}: {found.rate:,.0f} records/s (median; runs: {runs})")


if __name__ == "__main__":
    main()
