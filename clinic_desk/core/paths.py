"""Where bundled resources and per-user data live."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import platformdirs

APP_NAME = "ClinicDesk"
HOME_ENV = "CLINIC_DESK_HOME"


def resources_dir() -> Path:
    """The ``resources/`` folder: beside the package in a checkout, or in a bundle."""
    bundle = getattr(sys, "_MEIPASS", None)  # PyInstaller one-folder bundle
    if bundle:
        return Path(bundle) / "resources"
    return Path(__file__).resolve().parents[2] / "resources"


def default_data_dir() -> Path:
    """``$CLINIC_DESK_HOME`` if set, else the platform's per-user data folder."""
    env = os.environ.get(HOME_ENV)
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
