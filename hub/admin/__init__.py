"""The admin dashboard at /admin/: programme admins see and act on every connector and run."""
