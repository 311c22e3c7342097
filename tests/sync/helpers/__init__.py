"""Helpers for the sync fault tests and the sync bench (issue 7)."""
