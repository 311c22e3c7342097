"""Shared code for the reliability tests (issue 2)."""
