"""`hub demo`: the hub's main job on one machine — the sandbox, its partners registered and
synced, the hub served with its scheduler (the Makefile's `make run`)."""
