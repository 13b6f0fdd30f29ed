"""Scheduled syncs: schedules kept in the database, the APScheduler clock that fires them in
`hub scheduler`, due slots claimed once across processes, retries, and auto-pause."""
