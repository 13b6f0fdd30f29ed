"""The change feed: every real change to a stored record, in commit order."""
