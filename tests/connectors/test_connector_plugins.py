"""Third-party connector types: a package with a `hub.connectors` entry point is found once
installed, and its broken entry points are reported without hiding the good ones."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

PLUGIN_SOURCE = Path(__file__).parent / "plugin_pkg"
REPO_ROOT = Path(__file__).parents[2]

# Runs in a fresh interpreter, so the registry sees the environment as a new process would.
PROBE = """
import json
import connectors
from connectors.registry import connector_type_problems, connector_types, get_connector_type

hello = get_connector_type("hello")
config = connectors.load_config(hello, {"token": "t0ps3cret"})
connector = hello()
items = list(connector.read(config, "courses", None))
mapper = connector.mapper(config, "courses")
refusals = {}
for name in ("hello_missing", "hello_not_a_connector"):
    try:
        get_connector_type(name)
    except LookupError as error:
        refusals[name] = str(error)
print(json.dumps({
    "types": sorted(connector_types()),
    "problems": sorted(connector_type_problems()),
    "refusals": refusals,
    "records": [mapper(item) for item in items if isinstance(item, dict)],
    "redacted": connectors.redact_config(hello, config),
    "schema": connectors.config_json_schema(hello)["properties"]["token"],
}))
"""


@pytest.fixture
def plugin_site(tmp_path: Path) -> Iterator[Path]:
    """The plugin package, pip-installed (offline) into a directory of its own.

    A target directory rather than the shared virtualenv: other suites running at the same time
    never see the plugin, and nothing is left behind if the test dies. The removal of the
    directory is the uninstall.
    """
    source = tmp_path / "source"
    site = tmp_path / "site"
    # Built from a copy, so the build leaves no files in the repository.
    shutil.copytree(PLUGIN_SOURCE, source)
    install = subprocess.run(
        [
            sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
            "--no-deps", "--no-index", "--no-build-isolation", "--target", str(site), str(source),
        ],
        capture_output=True,
        text=True,
    )  # fmt: skip
    assert install.returncode == 0, install.stderr
    yield site
    shutil.rmtree(site)


def test_an_installed_plugin_is_found_through_its_entry_point(plugin_site: Path) -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(plugin_site), str(REPO_ROOT)])}
    probe = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True)
    assert probe.returncode == 0, probe.stderr
    found = json.loads(probe.stdout)

    assert {"hello", "json_api"} <= set(found["types"])
    assert found["records"] == [
        {"external_id": "1", "title": "halo 1"},
        {"external_id": "2", "title": "halo 2"},
    ]
    assert found["redacted"] == {"greeting": "halo", "token": "********"}
    assert found["schema"]["writeOnly"] is True
    assert {"hello_missing", "hello_not_a_connector"} <= set(found["problems"])
    assert "failed to import: ModuleNotFoundError" in found["refusals"]["hello_missing"]
    assert "hub-hello-connector 0.1.0" in found["refusals"]["hello_missing"]
    assert "is not a subclass of connectors.Connector" in found["refusals"]["hello_not_a_connector"]
    assert "skipping an unusable connector type" in probe.stderr
