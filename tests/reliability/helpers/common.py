"""A real encrypted clinic for the reliability tests, and ways to look inside it.

Self-contained on purpose (it does not import ``tests/conftest.py``), so the
child processes and the tests agree on one passphrase and one director.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine
from sqlalchemy.pool import NullPool

from clinic_desk.core.security import audit
from clinic_desk.core.security.keys import KdfParams, derive_subkey
from clinic_desk.core.services import staff
from clinic_desk.core.services.base import Actor, Clinic
from clinic_desk.core.services.clinic import open_clinic, setup_clinic, unlock_key
from clinic_desk.core.store.engine import DB_FILENAME, raw_connect, raw_connection
from clinic_desk.core.store.store import AUDIT_KEY_PURPOSE

PASSPHRASE = "马跑了 青山绿水 七点钟 rain"
DIRECTOR_LOGIN = "wang.li"
DIRECTOR_PASSWORD = "director-pass-1"
HELPERS = Path(__file__).resolve().parent
WORKERS = HELPERS / "workers.py"


class FakeClock:
    """A clock moved by hand, so throttling tests never sleep."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 11, 23, 2, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


def create_clinic(data_dir: Path) -> None:
    """Set up a new clinic (fast Argon2id floor, no OS keyring)."""
    setup_clinic(
        data_dir,
        clinic_name="仁和诊所",
        director_login=DIRECTOR_LOGIN,
        director_name="王丽",
        director_password=DIRECTOR_PASSWORD,
        passphrase=PASSPHRASE,
        kdf=KdfParams.floor(),
        use_keyring=False,
    )


def open_and_sign_in(data_dir: Path, **kwargs: Any) -> tuple[Clinic, Actor]:
    clinic = open_clinic(data_dir, passphrase=PASSPHRASE, use_keyring=False, **kwargs)
    try:
        director = staff.sign_in(clinic, DIRECTOR_LOGIN, DIRECTOR_PASSWORD)
    except BaseException:
        clinic.close()
        raise
    return clinic, director


@dataclass(frozen=True)
class Keys:
    data: bytes
    audit: bytes


def keys_for(data_dir: Path) -> Keys:
    key = unlock_key(data_dir, passphrase=PASSPHRASE, use_keyring=False)
    return Keys(key, derive_subkey(key, AUDIT_KEY_PURPOSE))


def db_path(data_dir: Path) -> Path:
    return data_dir / DB_FILENAME


def query(data_dir: Path, keys: Keys, sql: str, params: tuple[Any, ...] = ()) -> list[Any]:
    """Plain SQL on a fresh connection outside any clinic's pool."""
    with raw_connection(db_path(data_dir), keys.data) as conn:
        return conn.execute(sql, params).fetchall()


def count_rows(data_dir: Path, keys: Keys, *tables: str) -> dict[str, int]:
    with raw_connection(db_path(data_dir), keys.data) as conn:
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}


@contextmanager
def sa_connection(data_dir: Path, keys: Keys) -> Iterator[Any]:
    """A SQLAlchemy connection that does not open the clinic (so writes no audit row)."""
    engine = create_engine(
        "sqlite+pysqlite://",
        creator=lambda: raw_connect(db_path(data_dir), keys.data),
        poolclass=NullPool,
    )
    try:
        with engine.connect() as conn:
            yield conn
            conn.rollback()
    finally:
        engine.dispose()


def verify_chain(data_dir: Path, keys: Keys) -> audit.AuditVerification:
    """The audit chain as it is on disk, without opening the clinic."""
    with sa_connection(data_dir, keys) as conn:
        return audit.verify(conn, keys.audit)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def copy_clinic(template: Path, target: Path) -> Path:
    shutil.copytree(template, target)
    return target


def child_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        CLINIC_DESK_NO_KEYRING="1",
        CLINIC_DESK_PASSPHRASE=PASSPHRASE,
        CLINIC_DESK_PASSWORD=DIRECTOR_PASSWORD,
        PYTHONUNBUFFERED="1",
    )
    env.pop("CLINIC_DESK_RECOVERY_KEY", None)
    env.update(extra)
    return env


def worker_command(*args: str) -> list[str]:
    return [sys.executable, str(WORKERS), *args]


def run_cli(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "clinic_desk", *args],
        env=child_env(), capture_output=True, text=True, timeout=timeout, check=False,
    )


# Signs that an error shows a program's insides instead of a sentence for people.
_NOT_FOR_PEOPLE = ("Traceback", "Errno", "sqlite3.", "object at 0x", "{", "}", "None")


def assert_clear_sentence(error: Any, *english_parts: str) -> None:
    """``error`` (a ClinicError) reads as a finished sentence in English and, through the
    shipped translation, in Simplified Chinese (issue 12: "clear errors")."""
    from clinic_desk.ui.printing.labels import translator_for  # Qt: only when asked

    english = error.message()
    for part in english_parts:
        assert part in english, (part, english)
    chinese = error.message(translator_for("zh_CN"))
    for text, end in ((english, "."), (chinese, "。")):
        assert text.rstrip().endswith(end), text
        assert not any(bad in text for bad in _NOT_FOR_PEOPLE), text
    assert chinese != english and any("\u4e00" <= ch <= "\u9fff" for ch in chinese), chinese
    # The values the sentence names (a path, a count) are in the translation too.
    for value in error.params.values():
        assert str(value) in chinese, (value, chinese)
