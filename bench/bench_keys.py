"""Key and open costs (issue 2's closing figures).

    .venv/bin/python bench/bench_keys.py [--dir DIR] [--json PATH]

Reports Argon2id milliseconds per passphrase guess (default and floor
parameters), and the time to open the SQLCipher file with the raw key and run a
first query, next to the bare-SQLite floor (same schema and query, unencrypted).
DIR is where the two small databases are made (a temporary folder inside it);
``--json`` also writes the figures (median and p95 ms) to PATH.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from clinic_desk.core.security.keys import KdfParams, derive_passphrase_key
from clinic_desk.core.store.engine import raw_connect


def ms(samples: list[float]) -> str:
    return f"{statistics.median(samples) * 1000:8.2f} ms (median of {len(samples)})"


def stats(samples: list[float]) -> dict[str, Any]:
    ordered = sorted(samples)
    return {
        "runs": len(samples),
        "median_ms": statistics.median(samples) * 1000,
        "p95_ms": ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))] * 1000,
    }


def bench_argon2() -> dict[str, Any]:
    out = {}
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
        out[label] = stats(samples)
    return out


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


def bench_open(directory: Path, rows: int) -> dict[str, Any]:
    key = os.urandom(32)
    enc, plain = directory / "enc.db", directory / "plain.db"
    build(enc, key, rows)
    build(plain, None, rows)
    query = "SELECT count(*) FROM patient WHERE phone LIKE '1390000%'"
    out = {}
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
        out[label] = stats(samples)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir")
    parser.add_argument("--rows", type=int, default=60_000)
    parser.add_argument("--json", help="write the results here as JSON")
    args = parser.parse_args()
    argon2 = bench_argon2()
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        opened = bench_open(Path(tmp), args.rows)
    if args.json:
        enc, bare = opened["sqlcipher raw key"], opened["bare sqlite floor"]
        figure = enc | {
            "floor_median_ms": bare["median_ms"],
            "floor_p95_ms": bare["p95_ms"],
            "ratio": enc["median_ms"] / bare["median_ms"],
        }
        report = {
            "rows": args.rows,
            "argon2id": argon2,
            "figures": {"open + first query": figure},
        }
        Path(args.json).write_text(json.dumps(report, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
