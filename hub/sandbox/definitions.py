"""Each sandbox partner's connector definition, rendered from its style's template.

The templates are `config/connectors/sandbox/<style>.yaml`: declarative connector definitions
(see the `declarative` connector type) with `$`-placeholders for what differs between partners
of one style: `$base_url`, the credentials (`$api_key`, `$token`, `$username`, `$password`,
`$client_id`, `$client_secret`, `$client_code`, `$sign_key`) and the home zone `$zone`.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from string import Template
from typing import Any

import yaml

from hub.sandbox.population import Partner, World

#: Where the style templates are: `config/connectors/sandbox/` of the project.
TEMPLATES = Path(__file__).resolve().parents[2] / "config" / "connectors" / "sandbox"
#: The connector type the definitions are written for.
CONNECTOR_TYPE = "declarative"


@cache
def template(style: str) -> Template:
    """The definition template of a style."""
    return Template((TEMPLATES / f"{style}.yaml").read_text(encoding="utf-8"))


def definition_text(partner: Partner, base_url: str) -> str:
    """A partner's definition as YAML, for a sandbox serving at `base_url`."""
    values = {**partner.secrets, "base_url": f"{base_url.rstrip('/')}/{partner.code}"}
    values["zone"] = partner.zone
    return template(partner.style).substitute(values)


def definition(partner: Partner, base_url: str) -> dict[str, Any]:
    """A partner's definition, loaded."""
    loaded: dict[str, Any] = yaml.safe_load(definition_text(partner, base_url))
    return loaded


def write_definitions(world: World, base_url: str, directory: Path) -> list[Path]:
    """Write every partner's definition to `directory/<code>.yaml`; the paths written."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for partner in world.partners:
        path = directory / f"{partner.code}.yaml"
        path.write_text(definition_text(partner, base_url), encoding="utf-8")
        written.append(path)
    return written
