"""Records/s of the field mapper: the closures alone against the generated mapper.

Run from the repository root: `.venv/bin/python -m bench.bench_mapping [--records N]`.

Both mappers get the sandbox catalog's courses (what a first sync maps) and must give the same
dicts. Rounds alternate between the two and the best round of each counts (in CPU time), so a
busy machine slows both alike.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

from connectors.mapping import compile_mapping
from hub.sandbox.catalog import COURSE_MAPPING, course


def _seconds(mapper: Callable[[dict[str, Any]], Any], records: list[dict[str, Any]]) -> float:
    start = time.process_time()
    for record in records:
        mapper(record)
    return time.process_time() - start


def main() -> None:
    """Print µs per record and records/s of both mappers over the catalog's courses."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=20_000, help="catalog courses")
    parser.add_argument("--rounds", type=int, default=5, help="alternating rounds per mapper")
    args = parser.parse_args()
    records = [course(index) for index in range(args.records)]
    mappers = {
        "closures": compile_mapping(COURSE_MAPPING, generated=False),
        "generated": compile_mapping(COURSE_MAPPING),
    }
    if [mappers["closures"](r) for r in records] != [mappers["generated"](r) for r in records]:
        raise SystemExit("the mappers disagree")
    best = dict.fromkeys(mappers, float("inf"))
    for _ in range(args.rounds):
        for label, mapper in mappers.items():
            best[label] = min(best[label], _seconds(mapper, records))
    print(f"{args.records} catalog courses, best of {args.rounds} alternating rounds")
    for label, seconds in best.items():
        rate = args.records / seconds
        print(f"{label:10s} {1e6 * seconds / args.records:5.2f} µs/record {rate:10,.0f}/s")


if __name__ == "__main__":
    main()
