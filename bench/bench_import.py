"""Patient import speed (issue 4, "Import"): a 10,000-row Excel workbook into a new clinic.

    .venv/bin/python bench/bench_import.py [--rows 10000] [--runs 5] [--warmup 1]
                                           [--seed 7] [--json PATH]

Builds one workbook with openpyxl (``write_workbook``: CJK names, sex, birth date,
mobile, a resident ID number for a third of the rows, address; and one bad row in
every ``BAD_EVERY``: a birth date in the future, an emoji in the name, a sex that is no
sex, an unreadable date). Each run sets up a new clinic in a temporary folder (not
timed) and imports the workbook through the real service, signed in as the director:
``patient_import.run_import`` end to end (read the file, check every row as the
registration form does, write 500 rows a transaction with their search keys and audit
rows, the summary audit row). Each run must import every good row and report every
bad one, or the bench stops.

The floor, timed in the same runs: the same workbook read by openpyxl (read-only,
values only) and its rows stored as they are, the same seven text columns, by the
bare ``sqlite3`` module into a plaintext table (WAL, ``synchronous = FULL`` as the
clinic's store, one transaction per 500 rows as the import): what any import of this
file must do at least, without checking, search keys, audit or encryption. Its two
parts are in the JSON too (``floor_read_*``, ``floor_insert_*``).

Prints median and p95 of each (milliseconds); ``--json`` writes them to PATH. No
target is named for it (the README says about 20 seconds here).
"""

from __future__ import annotations

import argparse
import functools
import json
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl

from clinic_desk.core.rules.id_documents import gb11643_check_char
from clinic_desk.core.security.keys import KdfParams
from clinic_desk.core.services import patient_import, staff
from clinic_desk.core.services.clinic import open_clinic, setup_clinic

HEADER = ["姓名", "性别", "出生日期", "手机", "身份证号", "地址", "备注"]
FAMILIES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVENS = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英"
BAD_EVERY = 250  # one bad row among this many, as a real list has
# Rows the import must reject, each for a different reason.
BAD_ROWS: tuple[list[object], ...] = (
    ["坏行", "女", "2099-01-01", "", "", "", "出生日期在将来"],
    ["张三😀", "男", "", "", "", "", "名字里有表情符号"],
    ["李四", "未知性别", "1980-01-01", "", "", "", "性别不明"],
    ["王五", "男", "去年春天", "", "", "", "日期看不懂"],
)
PASSPHRASE = "马跑了 青山绿水 七点钟 rain"
DIRECTOR = ("wang.li", "director-pass-1")


def pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def write_workbook(path: Path, rows: int, seed: int = 7) -> tuple[int, int]:
    """A patient list of ``rows`` good rows (the same rows for the same seed) and one bad
    row (of ``BAD_ROWS``, in turn) after every ``BAD_EVERY - 1`` good ones; returns
    (good, bad). Phones are distinct, so no good row repeats another."""
    rng = random.Random(seed)
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("患者")
    ws.append(HEADER)
    bad = 0
    for i in range(rows):
        if i % (BAD_EVERY - 1) == BAD_EVERY // 2:
            ws.append(BAD_ROWS[bad % len(BAD_ROWS)])
            bad += 1
        born = date(1940 + rng.randrange(80), 1 + rng.randrange(12), 1 + rng.randrange(28))
        number = ""
        if i % 3 == 0:
            first17 = f"110101{born:%Y%m%d}{i % 1000:03d}"
            number = first17 + gb11643_check_char(first17)
        ws.append(
            [
                rng.choice(FAMILIES) + rng.choice(GIVENS) + rng.choice(GIVENS),
                "男" if (i % 1000) % 2 else "女",  # as the ID number's 17th digit says
                born,
                f"139{i:08d}",
                number,
                "北京市朝阳区",
                "",
            ]
        )
    wb.save(path)
    return rows, bad


def import_once(work: Path, workbook: Path, good: int, bad: int) -> float:
    """One import into a new clinic; its seconds. Stops the bench if a row went astray."""
    data_dir = work / "clinic"
    shutil.rmtree(data_dir, ignore_errors=True)
    setup_clinic(
        data_dir,
        clinic_name="仁和诊所",
        director_login=DIRECTOR[0],
        director_name="王丽",
        director_password=DIRECTOR[1],
        passphrase=PASSPHRASE,
        kdf=KdfParams.floor(),
        use_keyring=False,
    )
    clinic = open_clinic(data_dir, passphrase=PASSPHRASE, use_keyring=False)
    try:
        director = staff.sign_in(clinic, *DIRECTOR)
        started = time.perf_counter()
        report = patient_import.run_import(clinic, director, workbook)
        seconds = time.perf_counter() - started
    finally:
        clinic.close()
    got = (report.rows, report.imported, report.rejected, report.complete)
    if got != (good + bad, good, bad, True):
        raise SystemExit(f"the import went wrong: (rows, imported, rejected, complete) = {got}")
    return seconds


def floor_read(workbook: Path) -> list[tuple[str, ...]]:
    """The workbook's data rows, as text, by openpyxl read-only."""
    wb = openpyxl.load_workbook(workbook, read_only=True, data_only=True)
    try:
        rows = wb.worksheets[0].iter_rows(min_row=2, values_only=True)
        return [tuple("" if v is None else str(v) for v in row) for row in rows]
    finally:
        wb.close()


def floor_insert(path: Path, rows: list[tuple[str, ...]]) -> None:
    """The rows into a new plaintext table with the same columns, a transaction per batch."""
    path.unlink(missing_ok=True)
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute(
            "CREATE TABLE patient (name TEXT, sex TEXT, birth TEXT, phone TEXT,"
            " id_number TEXT, address TEXT, notes TEXT)"
        )
        size = patient_import.BATCH_ROWS
        for at in range(0, len(rows), size):
            conn.execute("BEGIN")
            conn.executemany(
                "INSERT INTO patient VALUES (?, ?, ?, ?, ?, ?, ?)", rows[at : at + size]
            )
            conn.execute("COMMIT")
    finally:
        conn.close()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    out = fn()
    return time.perf_counter() - started, out


def stats(samples_s: list[float], prefix: str = "") -> dict[str, float]:
    ms = [s * 1000 for s in samples_s]
    return {
        f"{prefix}median_ms": round(statistics.median(ms), 1),
        f"{prefix}p95_ms": round(pct(ms, 0.95), 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000, help="good rows in the workbook")
    parser.add_argument("--runs", type=int, default=5, help="timed imports")
    parser.add_argument("--warmup", type=int, default=1, help="untimed imports before")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", help="write the results here as JSON")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="clinicdesk-bench-import-"))
    try:
        workbook = work / "patients.xlsx"
        made, (good, bad) = timed(lambda: write_workbook(workbook, args.rows, args.seed))
        print(f"workbook: {good:,} good rows and {bad} bad ones, written in {made:.1f} s")
        imports: list[float] = []
        reads: list[float] = []
        inserts: list[float] = []
        for run in range(args.warmup + args.runs):
            seconds = import_once(work, workbook, good, bad)
            read_s, rows = timed(functools.partial(floor_read, workbook))
            insert_s, _ = timed(functools.partial(floor_insert, work / "plain.db", rows))
            if len(rows) != good + bad:
                raise SystemExit(f"the floor read {len(rows)} rows, not {good + bad}")
            if run >= args.warmup:
                imports.append(seconds)
                reads.append(read_s)
                inserts.append(insert_s)
            print(
                f"  run {run + 1}{' (warm-up)' if run < args.warmup else ''}: import "
                f"{seconds:.2f} s, floor {read_s + insert_s:.2f} s "
                f"(read {read_s:.2f} s + insert {insert_s:.2f} s)",
                flush=True,
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)

    floors = [r + i for r, i in zip(reads, inserts, strict=True)]
    name = f"import {args.rows:,}-row xlsx" if args.rows != 10_000 else "import 10,000-row xlsx"
    figure: dict[str, Any] = {
        "runs": len(imports),
        "rows": good,
        "bad_rows": bad,
        **stats(imports),
        **stats(floors, "floor_"),
        **stats(reads, "floor_read_"),
        **stats(inserts, "floor_insert_"),
    }
    figure["ratio"] = round(figure["median_ms"] / figure["floor_median_ms"], 2)
    print(
        f"{name:32s} median {figure['median_ms'] / 1000:6.2f} s   p95 "
        f"{figure['p95_ms'] / 1000:6.2f} s   floor (openpyxl read + sqlite3 executemany) "
        f"median {figure['floor_median_ms'] / 1000:.2f} s, "
        f"p95 {figure['floor_p95_ms'] / 1000:.2f} s"
        f"   ratio {figure['ratio']:.1f}x median"
    )
    # run_all reads the figure under its 10,000-row name whatever --rows was (--quick).
    report = {"figures": {"import 10,000-row xlsx": figure | {"name": name}}}
    if args.json:
        Path(args.json).write_text(
            json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
