"""The real OS keyring path (Secret Service via gnome-keyring in a private D-Bus
session), and the fallback when no keyring exists (issue 2)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from clinic_desk.core.security.keys import KeyringSlot

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]


def test_no_keyring_backend_means_none() -> None:
    # conftest sets CLINIC_DESK_NO_KEYRING; a plaintext or null back-end never counts.
    assert KeyringSlot.backend_name() is None
    assert not KeyringSlot("x").save(bytes(32))
    assert KeyringSlot("x").load() is None


@pytest.mark.skipif(
    not (shutil.which("dbus-run-session") and shutil.which("gnome-keyring-daemon")),
    reason="needs dbus-run-session and gnome-keyring-daemon (Debian: dbus, gnome-keyring)",
)
def test_real_secret_service_keyring(tmp_path: Path) -> None:
    script = tmp_path / "session.sh"
    script.write_text(textwrap.dedent(f"""\
        #!/bin/sh
        set -e
        export HOME="{tmp_path}/home"
        mkdir -p "$HOME"
        eval "$(printf 'unlock-me' | gnome-keyring-daemon --unlock --components=secrets)"
        exec "{sys.executable}" "{HERE / 'keyring_session.py'}" "{tmp_path / 'clinic'}"
    """))
    script.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLINIC_DESK_")}
    env["PYTHONPATH"] = str(ROOT)
    out = subprocess.run(
        ["dbus-run-session", "--", str(script)], capture_output=True, text=True, env=env,
        timeout=120, check=False,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    report = json.loads(out.stdout.strip().splitlines()[-1])
    assert report == {
        "backend": "keyring.backends.SecretService.Keyring",
        "opened_without_passphrase": True,
        "stale": "asked",
        "stale_removed": True,
        "saved_again": True,
    }
