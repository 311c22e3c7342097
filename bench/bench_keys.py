"""Key and open costs (issue 2's closing figures).

    .venv/bin/python bench/bench_keys.py [--dir DIR]

Reports Argon2id milliseconds per passphrase guess (default and floor
parameters), and the time to open the SQLCipher file with the raw key and run a
first query, next to the bare-SQLite floor (same schema and query, unencrypted).
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

from clinic_desk.core.security.keys import KdfParams, derive_passphrase_key
from clinic_desk.core.store.engine import raw_connect


def ms(samples: list[float]) -> str:
    return f"{statistics.median(samples) * 1000:8.2f} ms (median of {len(samples)})"


def bench_argon2() -> None:
    for label, params in (("default", KdfParams()), ("floor", KdfParams.floor())):
        samples = []
        for _ in range(7):
            start = time.perf_counter()
            derive_passphrase_key("correct horse battery staple", os.urandom(16), params)
            samples.append(time.perf_counter() - start)
        print(
            f"argon2id {label:7} m={params.memory_kib // 1024} MiB t={params.time_cost} "
            f"p={params.parallelism}: {ms(samples)} per guess"
        )


def build(path: Path, key: bytes | None, rows: int) -> None:
    conn = raw_connect(path, key) if key else sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("CREATE TABLE patient (id TEXT PRIMARY KEY, family TEXT, given TEXT, phone TEXT)")
    conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO patient VALUES (?, ?, ?, ?)",
        ((f"{i:032x}", "王", f"名{i}", f"139{i:08d}") for i in range(rows)),
    )
    conn.execute("COMMIT")
    conn.close()


def bench_open(directory: Path, rows: int) -> None:
    key = os.urandom(32)
    enc, plain = directory / "enc.db", directory / "plain.db"
    build(enc, key, rows)
    build(plain, None, rows)
    query = "SELECT count(*) FROM patient WHERE phone LIKE '1390000%'"
    for label, opener in (
        ("sqlcipher raw key", lambda: raw_connect(enc, key)),
        ("bare sqlite floor", lambda: sqlite3.connect(plain)),
    ):
        samples = []
        for _ in range(15):
            start = time.perf_counter()
            conn = opener()
            conn.execute(query).fetchone()
            conn.close()
            samples.append(time.perf_counter() - start)
        print(f"open + first query, {rows:,} rows, {label:18}: {ms(samples)}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir")
    parser.add_argument("--rows", type=int, default=60_000)
    args = parser.parse_args()
    bench_argon2()
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        bench_open(Path(tmp), args.rows)


if __name__ == "__main__":
    main()
