"""The partner hub: app, store, sync runner and CLI."""

__version__ = "0.1.0"
