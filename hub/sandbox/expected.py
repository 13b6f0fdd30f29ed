"""What a sync of the sandbox must find: record counts, the malformed records with the error
each must be quarantined with, and the exact changes catalog version 2 brings."""

from __future__ import annotations

from functools import lru_cache

from hub.sandbox import generate
from hub.sandbox.population import Partner, World


@lru_cache(maxsize=512)
def course_indexes(seed: int, partner: Partner, version: int) -> tuple[int, ...]:
    """The indexes of a provider's courses at `version`, in catalog order (cached)."""
    return tuple(generate.course_indexes(seed, partner, version))


def stream_size(world: World, partner: Partner, stream: str, version: int) -> int:
    """How many records a partner's stream serves at catalog `version`."""
    if stream == "courses":
        return len(course_indexes(world.seed, partner, version))
    return partner.size(stream)


def indexes(world: World, partner: Partner, stream: str, version: int) -> range | tuple[int, ...]:
    """The record indexes a partner's stream serves at catalog `version`, in order."""
    if stream == "courses":
        return course_indexes(world.seed, partner, version)
    return range(partner.size(stream))


def external_id(world: World, partner: Partner, stream: str, index: int) -> str:
    """The external id of record `index` (cheap: without generating the record)."""
    if stream == "courses":
        return generate.course_external_id(partner, index)
    if stream == "certificates":
        return f"{partner.prefix}-S{index:07d}"
    return f"{partner.prefix}{index:010d}"


def malformed(
    world: World, version: int = 1, *, enabled: bool = True
) -> dict[str, dict[str, dict[str, dict[str, list[str]]]]]:
    """Partner code → stream → external id → the per-field errors its quarantine must show."""
    manifest: dict[str, dict[str, dict[str, dict[str, list[str]]]]] = {}
    if not enabled:
        return manifest
    for partner in world.partners:
        for stream in partner.streams:
            found = {}
            for index in indexes(world, partner, stream, version):
                defect = generate.defect_of(world.seed, partner, stream, index)
                if defect is not None:
                    found[external_id(world, partner, stream, index)] = {
                        defect.field: [defect.message]
                    }
            if found:
                manifest.setdefault(partner.code, {})[stream] = found
    return manifest


def counts(world: World, version: int = 1) -> dict[str, dict[str, int]]:
    """Partner code → stream → records served at `version`."""
    return {
        partner.code: {
            stream: stream_size(world, partner, stream, version) for stream in partner.streams
        }
        for partner in world.partners
    }


def changes(world: World) -> dict[str, dict[str, list[str]]]:
    """Provider code → the external ids of the courses catalog version 2 creates, updates and
    deletes (relative to version 1), each list sorted."""
    result = {}
    for partner in world.partners:
        if "courses" not in partner.streams:
            continue
        updated, deleted = [], []
        for index in range(partner.courses):
            change = generate.change_of(world.seed, partner, index)
            if change == "updated":
                updated.append(generate.course_external_id(partner, index))
            elif change == "removed":
                deleted.append(generate.course_external_id(partner, index))
        created = [
            generate.course_external_id(partner, index)
            for index in range(partner.courses, partner.courses + generate.added_courses(partner))
        ]
        result[partner.code] = {"created": created, "updated": updated, "deleted": deleted}
    return result
