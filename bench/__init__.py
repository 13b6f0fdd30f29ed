"""The project's benchmarks: `python -m bench` (or `make bench`) from the repository root.

Syncs a generated course catalog, served over HTTP on 127.0.0.1 from its own process, into SQLite
and PostgreSQL, and prints records/s beside the fetch+parse limit measured in the same run.
"""
