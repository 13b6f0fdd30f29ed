"""`python -m hub`: the same as the `hub` command."""

from hub.cli import main

# Guarded: sync worker processes are spawned and import the parent's main module.
if __name__ == "__main__":
    main()
