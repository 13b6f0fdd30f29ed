"""Monitoring: the runs list and run detail, connector health, Prometheus metrics, and
structured logs bound to runs."""
