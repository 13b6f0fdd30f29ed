"""Definition files: YAML (or JSON) read with the place of every node, so that each mistake
the definition schema finds is reported at its `line:column` beside its JSON path."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from connectors.declarative import DeclarativeConnector
from connectors.errors import ConfigError
from connectors.registry import config_json_schema, load_config

#: The published JSON Schema of a definition, kept current by a test.
SCHEMA_FILE = Path(__file__).resolve().parent.parent / "config/connectors/definition.schema.json"


@dataclass(frozen=True, slots=True)
class Problem:
    """One mistake in a definition: where (JSON path, and YAML line and column from 1) and why."""

    path: str
    line: int
    column: int
    message: str

    def __str__(self) -> str:
        return f"{self.line}:{self.column}: {self.path}: {self.message}"


class DefinitionError(ConfigError):
    """A definition file that cannot be used; `problems` locate each mistake."""

    def __init__(self, source: str, problems: list[Problem]) -> None:
        super().__init__(
            f"{source}: " + "; ".join(str(problem) for problem in problems),
            {problem.path: [problem.message] for problem in problems},
        )
        self.problems = problems


def definition_schema() -> dict[str, Any]:
    """The JSON Schema (2020-12) of a declarative connector definition."""
    return config_json_schema(DeclarativeConnector)


def schema_text() -> str:
    """The published schema file's exact text."""
    return json.dumps(definition_schema(), indent=2, ensure_ascii=False) + "\n"


def load_definition(path: str | Path) -> dict[str, Any]:
    """Read and validate the definition in `path`; return it loaded, defaults filled.

    Raises `DefinitionError` listing every mistake with its place.
    """
    content = Path(path).read_bytes()
    try:
        text = content.decode()
    except UnicodeDecodeError as exc:
        before = content[: exc.start]
        line, column = before.count(b"\n") + 1, exc.start - before.rfind(b"\n")
        problem = Problem("(file)", line, column, "Not UTF-8 text.")
        raise DefinitionError(str(path), [problem]) from None
    return parse_definition(text, str(path))


def parse_definition(text: str, source: str = "<definition>") -> dict[str, Any]:
    """Validate the definition written in `text` (YAML or JSON); see `load_definition`."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        reason = getattr(exc, "problem", None) or str(exc)
        raise DefinitionError(
            source, [Problem("(file)", line, column, f"Not valid YAML: {reason}.")]
        ) from None
    try:
        return load_config(DeclarativeConnector, raw if raw is not None else {})
    except ConfigError as error:
        problems: list[Problem] = []
        for where, messages in error.errors.items():
            line, column = locate(node, where)
            problems.extend(Problem(where, line, column, message) for message in messages)
        problems.sort(key=lambda problem: (problem.line, problem.column))
        raise DefinitionError(source, problems) from None


def locate(node: yaml.Node | None, path: str) -> tuple[int, int]:
    """The line and column (from 1) of the node at dotted `path`, or of its nearest existing
    ancestor. Keys may hold dots themselves (mapping targets such as `participant.nik`)."""
    if node is None:
        return 1, 1
    rest = [] if path == "(config)" else path.split(".")
    place = node.start_mark
    while rest:
        child, used, key_mark = _child(node, rest)
        if child is None:
            break
        node, rest = child, rest[used:]
        place = key_mark if not rest else node.start_mark
    return place.line + 1, place.column + 1


def _child(node: yaml.Node, rest: list[str]) -> tuple[yaml.Node | None, int, Any]:
    if isinstance(node, yaml.MappingNode):
        for used in range(len(rest), 0, -1):
            wanted = ".".join(rest[:used])
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode) and key.value == wanted:
                    return value, used, key.start_mark
    if isinstance(node, yaml.SequenceNode) and rest[0].isdigit():
        index = int(rest[0])
        if index < len(node.value):
            item = node.value[index]
            return item, 1, item.start_mark
    return None, 0, None
