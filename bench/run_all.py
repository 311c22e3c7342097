"""Every benchmark in one command, one table (issue 12).

    .venv/bin/python bench/run_all.py [--dir DATASET] [--json out.json] [--quick]
                                      [--only NAMES] [--logs FOLDER] [--patients 60000]

Runs each ``bench/bench_*.py`` as its own process with ``--json``, reads the figures
back and prints one table: for each figure its median and p95, its floor (what it is:
the same lookup by the bare ``sqlite3`` module on a plaintext copy, the service's
SELECTs on a bare SQLCipher connection where the bench replays them there, a bare
reportlab document of the same text and page size for a PDF, a bare PySide6 window
process for the start-up and the memory, PostgreSQL COPY of the same bytes for sync,
openpyxl reading the workbook plus a bare ``sqlite3`` insert of its rows for the import),
the ratio to the floor (p95 to the floor's p95, or median to median where the target
is on the median ratio; the column says which), the target from the issues and
whether it is met. ``--json`` writes every figure in one shape, each bench's own
JSON, and the machine (CPU count, load average before and after, Python, Qt, SQLite
and SQLCipher versions, git commit) for comparing commits.

DATASET is a clinic built by ``bench/gen_dataset.py --dir DATASET`` (with its quality
and membership steps); without ``--dir`` one is built in a temporary folder first (its
build time printed) and removed at the end. Benches that write into the dataset
beyond audit rows (quality writes queue history when it has none; start-up and memory
start the program, which writes its log) get one scratch copy of it, removed at the
end; search and calendar only add sign-in audit rows, reception and follow-ups copy
it themselves. ``--quick`` runs few repeats of each (a smoke test, figures not to be
quoted; sync then moves 2,000 operations, not 10,000, and the import reads 2,000
rows, not 10,000). ``--only search,sync`` runs
those benches. Each bench's own output goes to FOLDER (default: a temporary folder,
kept and named at the end); the exit status is 1 if a figure missed its target, 2 if
a bench failed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent


# -- the benches --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bench:
    name: str
    script: str
    dataset: str  # "none": makes its own data; "dir": reads DATASET; "scratch": a copy of it
    full: tuple[str, ...] = ()
    quick: tuple[str, ...] = ()


BENCHES: tuple[Bench, ...] = (
    Bench("search", "bench_search.py", "dir", (), ("--queries", "20", "--repeats", "2")),
    Bench("calendar", "bench_calendar.py", "dir", (), ("--repeats", "5", "--warmup", "1")),
    Bench(
        "reception",
        "bench_reception.py",
        "dir",  # it copies the dataset itself
        (),
        ("--repeats", "5", "--warmup", "1", "--history-days", "30"),
    ),
    Bench("followups", "bench_followups.py", "dir", (), ("--repeats", "5", "--warmup", "1")),
    Bench(
        "quality",
        "bench_quality.py",
        "scratch",
        (),
        ("--repeats", "3", "--warmup", "1", "--history-days", "60"),
    ),
    Bench("membership", "bench_membership.py", "dir", (), ("--repeats", "5", "--warmup", "1")),
    Bench("printing", "bench_printing.py", "none", (), ("--repeats", "5", "--warmup", "1")),
    Bench("keys", "bench_keys.py", "none", (), ("--rows", "20000")),
    Bench("startup", "bench_startup.py", "scratch", ("--runs", "10"), ("--runs", "2")),
    Bench(
        "memory", "bench_memory.py", "scratch", ("--runs", "3"), ("--runs", "1", "--settle", "2")
    ),
    Bench(
        "import",
        "bench_import.py",
        "none",
        (),
        ("--rows", "2000", "--runs", "2", "--warmup", "0"),
    ),
    Bench(
        "sync",
        "bench_sync.py",
        "none",
        (),
        ("--repeats", "5", "--warmup", "1", "--ops", "2000", "--runs", "1"),
    ),
)
BENCH_NAMES = tuple(b.name for b in BENCHES)


# -- the figures ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    text: str
    p95_max: float | None = None  # p95 must be under this
    ratio_max: float | None = None  # and the ratio (the figure's kind) at most this


@dataclass(frozen=True)
class Spec:
    key: str
    label: str
    bench: str
    source: str  # the figure's name in the bench's JSON ("figures", or search's "kinds")
    floor: str  # what the floor is, short (the table)
    floor_long: str  # and in full (the JSON)
    target: Target | None = None
    issue: bool = False  # one of issue 12's listed figures
    unit: str = "ms"
    ratio_on: str = "p95"  # "p95": p95 / floor p95; "median": median / floor median
    floor_prefix: str = "floor"


SQLITE = ("sqlite3, plain copy", "the same SELECT by the bare sqlite3 module on a plaintext copy")
SQLCIPHER = (
    "SQLCipher, bare conn",
    "the service's SELECTs, captured, replayed on a bare SQLCipher connection to the same file",
)
REPORTLAB = (
    "reportlab, same text",
    "a bare reportlab document: the same text on pages of the same size, same embedded font "
    "(no layout, QR code or charts, no database)",
)
SEARCH_TARGET = Target("p95 < 2.2 ms, med ratio <= 2x", p95_max=2.2, ratio_max=2.0)


def _search(key: str, label: str, kind: str, issue: bool) -> Spec:
    return Spec(
        key,
        f"patient search: {label}",
        "search",
        kind,
        *SQLITE,
        SEARCH_TARGET,
        issue,
        ratio_on="median",
    )


def _ms(limit: float) -> Target:
    return Target(f"p95 < {limit:g} ms", p95_max=limit)


SPECS: tuple[Spec, ...] = (
    _search("search.name", "name", "name (hanzi prefix)", True),
    _search("search.initials", "pinyin initials", "pinyin initials", True),
    _search("search.phone_tail", "phone tail (4)", "phone last 4", True),
    _search("search.id", "ID number", "ID full", True),
    _search("search.id_tail", "ID tail (6)", "ID last 6", True),
    _search("search.pinyin", "full pinyin", "pinyin full", False),
    _search("search.letter", "1st pinyin letter", "pinyin 1st letter", False),
    _search("search.record", "record number", "record number", False),
    Spec(
        "calendar.week", "week calendar, 8 doctors: load + draw", "calendar", "week load + draw",
        "sqlite3, plain copy", "the calendar's SELECT on a plaintext copy (no drawing)",
        _ms(100), True,
    ),
    Spec(
        "calendar.next_free_15", "next free slot (15 min)", "calendar", "next free slot 15 min",
        *SQLITE, _ms(20), True,
    ),
    Spec(
        "calendar.next_free_60", "next free slot (60 min)", "calendar", "next free slot 60 min",
        *SQLITE, _ms(20), True,
    ),
    Spec(
        "reception.board", "today board refresh (200 patients)", "reception",
        "today_board, 200 patients", "sqlite3, plain copy",
        "the board's 3 SELECTs on a plaintext copy", _ms(50), True,
    ),
    Spec(
        "reception.check_in", "check-in commit (status, vitals, audit)", "reception",
        "check-in with vitals, 1 commit", "sqlite3 replay",
        "the same statements replayed on a plaintext copy in one write transaction "
        "(WAL, synchronous=FULL)",
        _ms(20), True,
    ),
    Spec(
        "followups.worklist", "worklist build (all, director)", "followups",
        "worklist, all (director)", *SQLCIPHER, _ms(200), True,
    ),
    Spec(
        "followups.worklist_cs", "worklist (customer service)", "followups",
        "worklist, mine (customer service)", *SQLCIPHER, _ms(200),
    ),
    Spec(
        "followups.worklist_doctor", "worklist (a doctor)", "followups",
        "worklist, mine (doctor)", *SQLCIPHER, _ms(200),
    ),
    Spec(
        "quality.dashboard", "dashboard month (clinic)", "quality",
        "dashboard, a month (clinic)", *SQLCIPHER, _ms(300), True,
    ),
    Spec(
        "quality.dashboard_doctor", "dashboard month (one doctor)", "quality",
        "dashboard, a month (one doctor)", *SQLCIPHER, _ms(300),
    ),
    Spec(
        "quality.complaints", "complaint list (all)", "quality",
        "complaint list (all, customer service)", *SQLCIPHER, _ms(100),
    ),
    Spec(
        "printing.card", "medication card PDF (end to end)", "printing", "medication_card",
        *REPORTLAB, _ms(100), True,
    ),
    Spec(
        "printing.card_pdf", "medication card PDF (layout only)", "printing",
        "medication_card_pdf_only", *REPORTLAB, _ms(100),
    ),
    Spec(
        "printing.day_list", "day list PDF, 200 rows", "printing", "day_list_200_rows",
        *REPORTLAB, _ms(500),
    ),
    Spec(
        "quality.pdf", "monthly report PDF (11 charts)", "quality", "monthly PDF report",
        *REPORTLAB, _ms(2000), True, floor_prefix="pdf_floor",
    ),
    Spec(
        "startup.cold", "cold start to the sign-in window", "startup",
        "cold start to the sign-in window", "bare Qt window proc",
        "a new process that imports PySide6 and shows a bare QWidget, spawn to shown",
        None, True,
    ),
    Spec(
        "memory.desk", "resident memory, 5-year clinic (desk)", "memory", "desk board open",
        "bare Qt window RSS", "VmRSS of a process showing a bare PySide6 QWidget",
        None, True, unit="MiB",
    ),
    Spec(
        "memory.all_pages", "resident memory, every page opened", "memory",
        "every page opened once", "bare Qt window RSS",
        "VmRSS of a process showing a bare PySide6 QWidget", None, unit="MiB",
    ),
    Spec(
        "sync.bulk", "sync 10,000 ops (push + pull + apply)", "sync", "push + pull + apply",
        "PostgreSQL COPY", "binary COPY of the same envelopes' bytes into a plain table",
        Target("med ratio <= 5x COPY", ratio_max=5.0), True, ratio_on="median",
    ),
    # What no design keeping one sealed, compressed JSON operation per change can go
    # below (issue 7's 5x): the hub's indexed log, and the per-operation crypto and parsing.
    Spec(
        "sync.least_log", "  least: COPY into an indexed log", "sync", "COPY into an indexed log",
        "PostgreSQL COPY", "binary COPY of the same envelopes' bytes into a plain table",
        ratio_on="median",
    ),
    Spec(
        "sync.least_codec", "  least: seal + open + unzip + JSON", "sync",
        "seal + open + unzip + JSON", "PostgreSQL COPY",
        "binary COPY of the same envelopes' bytes into a plain table", ratio_on="median",
    ),
    Spec(
        "sync.propagation", "check-in propagation to the other desk", "sync",
        "check-in seen at the other desk", "psycopg NOTIFY trip",
        "bare psycopg: insert + NOTIFY on one connection, LISTEN + SELECT on another",
        Target("p95 < 1 s", p95_max=1000.0), True,
    ),
    Spec(
        "membership.search", "member search by name", "membership", "search by name",
        *SQLCIPHER, _ms(100),
    ),
    Spec(
        "membership.badges", "member badges, board of 120", "membership",
        "badges, board of 120", *SQLCIPHER, _ms(30),
    ),
    Spec(
        "membership.overdrafts", "membership overdraft scan", "membership", "overdraft scan",
        *SQLCIPHER, _ms(300),
    ),
    Spec(
        "keys.open", "open SQLCipher + first query", "keys", "open + first query",
        "sqlite3, plain file", "the same open and query by the sqlite3 module, unencrypted",
    ),
    Spec(
        "import.xlsx", "patient import, 10,000-row xlsx", "import", "import 10,000-row xlsx",
        "openpyxl + sqlite3",
        "the same workbook read by openpyxl (read-only, values) and its rows stored as text "
        "by the bare sqlite3 module in a plaintext table of the same 7 columns (WAL, "
        "synchronous=FULL, 500 rows a transaction as the import)",
    ),
)  # fmt: skip


def source_figures(bench: str, raw: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """A bench's figures by name: search keeps them under "kinds", the rest "figures"."""
    figures = raw.get("kinds") if bench == "search" else raw.get("figures")
    return figures if isinstance(figures, dict) else {}


def normalise(spec: Spec, raw: dict[str, Any] | None, error: str | None = None) -> dict[str, Any]:
    """One figure in the runner's shape, from its bench's JSON (None: the bench failed)."""
    unit = spec.unit.lower()
    out: dict[str, Any] = {
        "key": spec.key,
        "figure": spec.label,
        "bench": spec.bench,
        "source": spec.source,
        "issue_12": spec.issue,
        "unit": spec.unit,
        "floor": {"what": spec.floor_long},
        "ratio": {"of": f"{spec.ratio_on} / floor {spec.ratio_on}"},
        "target": None
        if spec.target is None
        else {
            "text": spec.target.text,
            "p95_max": spec.target.p95_max,
            "ratio_max": spec.target.ratio_max,
        },
    }
    figure = source_figures(spec.bench, raw or {}).get(spec.source)
    if figure is None:
        out["status"] = "failed" if raw is None else "missing"
        out["error"] = error or (
            "the bench did not run" if raw is None else f"no figure {spec.source!r} in its JSON"
        )
        out["ok"] = None
        return out
    median = figure.get(f"median_{unit}")
    p95 = figure.get(f"p95_{unit}")
    floor_median = figure.get(f"{spec.floor_prefix}_median_{unit}")
    floor_p95 = figure.get(f"{spec.floor_prefix}_p95_{unit}")
    out |= {"median": median, "p95": p95, "runs": figure.get("runs")}
    out["floor"] |= {"median": floor_median, "p95": floor_p95}
    mine, floor = (median, floor_median) if spec.ratio_on == "median" else (p95, floor_p95)
    out["ratio"]["value"] = mine / floor if mine is not None and floor else None
    out["status"] = "measured"
    out["ok"] = verdict(spec.target, p95, out["ratio"]["value"])
    return out


def verdict(target: Target | None, p95: float | None, ratio: float | None) -> bool | None:
    """Met (True), missed (False), or no target (None)."""
    if target is None:
        return None
    if target.p95_max is not None and (p95 is None or p95 >= target.p95_max):
        return False
    return not (target.ratio_max is not None and (ratio is None or ratio > target.ratio_max))


def build_figures(
    results: dict[str, dict[str, Any] | None],
    errors: dict[str, str] | None = None,
    selected: tuple[str, ...] = BENCH_NAMES,
) -> list[dict[str, Any]]:
    """Every figure of the benches that were selected, issue 12's first."""
    errors = errors or {}
    specs = [s for s in SPECS if s.bench in selected]
    specs.sort(key=lambda s: not s.issue)  # stable: the list's own order within each group
    return [normalise(s, results.get(s.bench), errors.get(s.bench)) for s in specs]


def _num(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    if unit == "MiB":
        return f"{value:.0f} MiB"
    if value >= 1000:
        return f"{value / 1000:.2f} s"
    return f"{value:.1f} ms" if value >= 10 else f"{value:.2f} ms"


def format_table(figures: list[dict[str, Any]]) -> str:
    columns = ("figure", "median", "p95", "floor (what it is)", "ratio", "target", "ok")
    rows: list[tuple[str, ...]] = []
    for f in figures:
        unit = f["unit"]
        if f["status"] != "measured":
            rows.append(
                (
                    f["figure"],
                    "-",
                    "-",
                    "-",
                    "-",
                    (f["target"] or {}).get("text", "-"),
                    f["status"].upper(),
                )
            )
            continue
        on = f["ratio"]["of"].split(" ")[0]
        floor_value = f["floor"]["median" if on == "median" else "p95"]
        floor_text = f"{_num(floor_value, unit)} {SHORT_FLOOR[f['key']]}"
        ratio = f["ratio"]["value"]
        ok = {True: "ok", False: "MISSED", None: "-"}[f["ok"]]
        rows.append(
            (
                f["figure"] + ("" if f["issue_12"] else " *"),
                _num(f["median"], unit),
                _num(f["p95"], unit),
                floor_text,
                "-" if ratio is None else f"{ratio:.1f}x {'med' if on == 'median' else 'p95'}",
                (f["target"] or {}).get("text", "none named"),
                ok,
            )
        )
    widths = [
        max(len(c), *(len(r[i]) for r in rows)) if rows else len(c) for i, c in enumerate(columns)
    ]
    right = {1, 2, 4}

    def line(cells: tuple[str, ...]) -> str:
        return " | ".join(
            c.rjust(w) if i in right else c.ljust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    out = [line(columns), "-+-".join("-" * w for w in widths)]
    out += [line(r) for r in rows]
    out.append(
        "(floor value: the floor's median where the ratio is 'med', else its p95; "
        "* = not one of issue 12's listed figures)"
    )
    return "\n".join(out)


SHORT_FLOOR = {s.key: s.floor for s in SPECS}


# -- the machine ----------------------------------------------------------------------------------


def load_average() -> list[float]:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return []


def machine_info() -> dict[str, Any]:
    info: dict[str, Any] = {
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "sqlite3_module_sqlite": sqlite3.sqlite_version,
    }
    try:
        import sqlcipher3

        conn = sqlcipher3.connect(":memory:")
        info["sqlcipher"] = conn.execute("PRAGMA cipher_version").fetchone()[0]
        conn.close()
        info["sqlcipher_sqlite"] = sqlcipher3.sqlite_version
    except Exception as error:  # a version is a note, not a reason to stop
        info["sqlcipher"] = f"unknown ({error})"
    try:
        import PySide6
        from PySide6 import QtCore

        info["pyside6"] = PySide6.__version__
        info["qt"] = QtCore.qVersion()
    except Exception as error:
        info["qt"] = f"unknown ({error})"
    info["git"] = git_state()
    return info


def git_state() -> dict[str, Any]:
    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False)
        return done.stdout.strip()

    changed = [line for line in git("status", "--porcelain").splitlines() if line.strip()]
    return {"commit": git("rev-parse", "HEAD"), "changed_files": len(changed)}


# -- running ---------------------------------------------------------------------------------


def bench_command(bench: Bench, dataset: Path | None, json_path: Path, quick: bool) -> list[str]:
    argv = [sys.executable, str(BENCH_DIR / bench.script)]
    if bench.dataset != "none" and dataset is not None:
        argv += ["--dir", str(dataset)]
    argv += list(bench.quick if quick else bench.full)
    return [*argv, "--json", str(json_path)]


def run_bench(
    bench: Bench, dataset: Path | None, work: Path, logs: Path, quick: bool
) -> dict[str, Any]:
    json_path = work / f"{bench.name}.json"
    log_path = logs / f"{bench.name}.log"
    argv = bench_command(bench, dataset, json_path, quick)
    env = dict(os.environ)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    started = time.perf_counter()
    with log_path.open("w", encoding="utf-8") as log:
        log.write("$ " + " ".join(argv) + "\n")
        log.flush()
        done = subprocess.run(
            argv, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, check=False
        )
    seconds = time.perf_counter() - started
    result: dict[str, Any] = {
        "argv": argv[1:],
        "exit": done.returncode,
        "seconds": round(seconds, 1),
        "log": str(log_path),
        "raw": None,
        "error": None,
    }
    try:
        result["raw"] = json.loads(json_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        tail = log_path.read_text(encoding="utf-8", errors="replace").splitlines()[-30:]
        result["error"] = f"exit {done.returncode}, no JSON ({error}); log tail:\n" + "\n".join(
            tail
        )
    return result


def build_dataset(folder: Path, patients: int) -> float:
    started = time.perf_counter()
    argv = [
        sys.executable,
        str(BENCH_DIR / "gen_dataset.py"),
        "--dir",
        str(folder),
        "--patients",
        str(patients),
    ]
    subprocess.run(argv, cwd=ROOT, check=True)
    return time.perf_counter() - started


def build_report(
    figures: list[dict[str, Any]],
    runs: dict[str, dict[str, Any]],
    machine: dict[str, Any],
    meta: dict[str, Any],
) -> dict[str, Any]:
    return {
        "schema": 1,
        **meta,
        "machine": machine,
        "summary": summary(figures),
        "figures": figures,
        "benches": runs,
    }


def summary(figures: list[dict[str, Any]]) -> dict[str, int]:
    return {
        "figures": len(figures),
        "met": sum(f["ok"] is True for f in figures),
        "missed": sum(f["ok"] is False for f in figures),
        "no_target": sum(f["ok"] is None and f["status"] == "measured" for f in figures),
        "not_measured": sum(f["status"] != "measured" for f in figures),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dir", help="a clinic built by bench/gen_dataset.py --dir")
    parser.add_argument("--json", help="write every result here")
    parser.add_argument("--quick", action="store_true", help="few repeats: a smoke test")
    parser.add_argument("--only", help=f"comma-separated, of: {', '.join(BENCH_NAMES)}")
    parser.add_argument("--logs", help="each bench's output goes here (default: a temp folder)")
    parser.add_argument("--patients", type=int, default=60_000, help="when building a dataset")
    args = parser.parse_args()
    selected = BENCH_NAMES
    if args.only:
        selected = tuple(n.strip() for n in args.only.split(",") if n.strip())
        unknown = [n for n in selected if n not in BENCH_NAMES]
        if unknown:
            parser.error(f"unknown bench {', '.join(unknown)}; known: {', '.join(BENCH_NAMES)}")
    benches = [b for b in BENCHES if b.name in selected]

    work = Path(tempfile.mkdtemp(prefix="clinicdesk-run-all-"))
    logs = Path(args.logs) if args.logs else Path(tempfile.mkdtemp(prefix="clinicdesk-bench-logs-"))
    logs.mkdir(parents=True, exist_ok=True)
    meta: dict[str, Any] = {
        "made_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "quick": args.quick,
        "selected": list(selected),
    }
    load_before = load_average()
    machine = machine_info()
    print(
        f"machine: {machine['cpus']} CPUs, load {load_before}, Python {machine['python']}, "
        f"Qt {machine.get('qt')}, SQLCipher {machine.get('sqlcipher')}, "
        f"commit {machine['git']['commit'][:10]}",
        flush=True,
    )
    runs: dict[str, dict[str, Any]] = {}
    try:
        needs_data = any(b.dataset != "none" for b in benches)
        dataset = Path(args.dir).resolve() if args.dir else None
        scratch: Path | None = dataset
        if needs_data and dataset is None:
            dataset = scratch = work / "dataset"
            print(f"building the dataset ({args.patients:,} patients) in {dataset} ...", flush=True)
            built = build_dataset(dataset, args.patients)
            print(f"dataset built in {built:.0f} s", flush=True)
            meta["dataset"] = {"dir": None, "built_s": round(built, 1)}
        elif dataset is not None:
            meta["dataset"] = {"dir": str(dataset)}
            if any(b.dataset == "scratch" for b in benches):
                started = time.perf_counter()
                scratch = work / "scratch"
                shutil.copytree(dataset, scratch)
                print(
                    f"scratch copy of the dataset: {time.perf_counter() - started:.0f} s",
                    flush=True,
                )
        for bench in benches:
            data = scratch if bench.dataset == "scratch" else dataset
            print(f"{bench.name} ...", end=" ", flush=True)
            runs[bench.name] = run_bench(bench, data, work, logs, args.quick)
            r = runs[bench.name]
            print(
                f"{r['seconds']:.0f} s, exit {r['exit']}"
                + ("" if r["error"] is None else " (FAILED, see below)"),
                flush=True,
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    meta["load_average"] = {"before": load_before, "after": load_average()}
    figures = build_figures(
        {n: r["raw"] for n, r in runs.items()},
        {n: r["error"] for n, r in runs.items() if r["error"]},
        selected,
    )
    print()
    print(format_table(figures))
    if args.quick:
        print(
            "(--quick: a smoke test, few repeats; sync moved 2,000 operations, not 10,000; "
            "the import read 2,000 rows, not 10,000)"
        )
    s = summary(figures)
    print(
        f"{s['met']} met, {s['missed']} missed, {s['no_target']} without a target, "
        f"{s['not_measured']} not measured; load average before {load_before}, after "
        f"{meta['load_average']['after']} ({machine['cpus']} CPUs); bench output in {logs}"
    )
    for name, r in runs.items():
        if r["error"]:
            print(f"\n{name} failed: {r['error']}")
    if args.json:
        report = build_report(figures, runs, machine, meta)
        Path(args.json).write_text(
            json.dumps(report, indent=2, ensure_ascii=False, default=str), encoding="utf-8"
        )
        print(f"results written to {args.json}")
    if any(r["error"] for r in runs.values()):
        return 2
    return 1 if s["missed"] else 0


if __name__ == "__main__":
    sys.exit(main())
