"""Start-up stays light (issue 12: cold start to the sign-in window).

The sign-in window needs neither the pinyin dictionary (seconds to load), nor
Alembic when the schema is current, nor the holiday calendars, nor the sync hub's
PostgreSQL driver (psycopg): they are imported where they are first used. These
tests run the real program (``run_app``, as ``clinic-desk run`` does) in a new
process on a real encrypted clinic and look at ``sys.modules`` when the sign-in
window is shown.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from clinic_desk.core.store import migrate
from tests.conftest import PASSPHRASE, ClinicFixture

ROOT = Path(__file__).resolve().parents[2]

# Imported only where used; none of them is needed to show the sign-in window.
LAZY_MODULES = (
    "pypinyin",
    "pypinyin.phrases_dict",
    "alembic",
    "holidays",
    "chinese_calendar",
    "reportlab",
    "openpyxl",
    "pypdfium2",
    "segno",
    "psycopg",  # the sync hub's driver: only when talking to the hub (~6% of the start)
)

CHILD = textwrap.dedent(
    """
    import json, sys, threading
    from pathlib import Path

    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from clinic_desk.ui.app import run_app

    LAZY = json.loads(sys.argv[2])

    def loaded():
        return sorted(name for name in LAZY if name in sys.modules)

    def shown(window):
        def at_sign_in():
            print("AT-SIGN-IN " + json.dumps(loaded()), flush=True)
            QTimer.singleShot(1500, after_warm_up)

        def after_warm_up():
            # The pinyin warm-up thread starts 1 s after the window is shown.
            for thread in threading.enumerate():
                if thread.name == "pinyin-warm-up":
                    thread.join(120)
            print("AFTER-WARM-UP " + json.dumps(loaded()), flush=True)
            QApplication.quit()

        QTimer.singleShot(0, at_sign_in)

    sys.exit(run_app(Path(sys.argv[1]), language="zh_CN", after_show=shown))
    """
)


def _marked(stdout: str, mark: str) -> list[str]:
    line = next(line for line in stdout.splitlines() if line.startswith(mark + " "))
    return list(json.loads(line[len(mark) + 1 :]))


def test_head_revision_constant_matches_the_scripts() -> None:
    """Issue 12: the start-up check compares with HEAD_REVISION instead of reading the
    migration scripts; it must name the newest script's revision."""
    assert migrate.HEAD_REVISION == migrate.head_revision()


def test_sign_in_window_does_not_load_lazy_modules(cf: ClinicFixture) -> None:
    """Issue 12 (cold start): opening a current clinic and showing the sign-in window
    loads none of LAZY_MODULES (psycopg included, through the follow-up sender and
    the sync status: issue 12 review); the pinyin dictionary is loaded afterwards in the
    background, so the first search by characters does not wait (spec C1)."""
    cf.clinic.close()
    env = dict(os.environ)
    env.update(
        QT_QPA_PLATFORM="offscreen",
        CLINIC_DESK_PASSPHRASE=PASSPHRASE,
        PYTHONPATH=os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p),
    )
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(cf.data_dir), json.dumps(LAZY_MODULES)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert _marked(done.stdout, "AT-SIGN-IN") == []
    assert "pypinyin.phrases_dict" in _marked(done.stdout, "AFTER-WARM-UP")
