"""The HTTP API under /api/v1 (DESIGN.md §5): framework, problem details, resource protection,
and the resources themselves."""
