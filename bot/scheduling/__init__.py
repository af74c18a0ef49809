"""Scheduling: the dispatcher, recurrences, quiet hours and the schedules table."""
