"""Keeping Python's cycle collector out of the way of the screens.

A full collection walks every object the program holds. After start-up that is
hundreds of thousands of long-lived ones (modules, Qt wrappers, SQLAlchemy's
mappers) that will never be garbage, and a walk over them took up to 200 ms,
landing in the middle of whatever screen was being drawn (a week view's p95 in
bench/bench_calendar.py). Freezing them once start-up is done leaves later
collections only the objects made since.
"""

from __future__ import annotations

import gc


def settle_after_start() -> None:
    """Call once the main window is up: collect once, then freeze what survived."""
    gc.collect()
    gc.freeze()
