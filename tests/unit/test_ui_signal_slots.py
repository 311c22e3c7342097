"""Screens connect to the app's long-lived signals with bound slots (never lambdas).

A lambda connected to ``ctx.sig_*`` outlives its widget: after a page is closed
(the screen locks, another person signs in) the next signal calls into a
deleted C++ object and the app reports an error. Bound methods of a QObject are
disconnected when it is destroyed.
"""

from __future__ import annotations

import re
from pathlib import Path

UI = Path(__file__).resolve().parents[2] / "clinic_desk" / "ui"
LAMBDA_ON_CONTEXT = re.compile(r"ctx\.sig_\w+\.connect\(\s*lambda")


def test_no_lambda_is_connected_to_a_context_signal() -> None:
    offenders = [
        f"{path.relative_to(UI.parent)}:{n}"
        for path in sorted(UI.rglob("*.py"))
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if LAMBDA_ON_CONTEXT.search(line)
    ]
    assert not offenders, offenders
