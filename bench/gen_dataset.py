"""Build the issue-12 demo clinic at a given size and time it.

    .venv/bin/python bench/gen_dataset.py [--dir DIR] [--patients 60000] [--years 5]
                                          [--seed 1] [--profile] [--only STEP]

The generator itself is ``clinic_desk.core.services.demo_dataset`` (its docstring
describes the steps), the same code ``clinic-desk demo-data --busy-clinic`` runs; this
script is its bench front end. The other benches import this module for
``TODAY``, ``now_utc`` and ``week_of``, re-exported here.

Prints the setup time, each step's time and rows/s, what the steps noted, the final
counts, the total and the file size, and with ``--profile`` the functions the time
goes to. The clinic is left in DIR (passphrase ``demo clinic passphrase 2026``, every
account's password ``demo-pass-1``) for the other benchmarks; without ``--dir`` it goes
to a temporary folder that is deleted afterwards. ``--only NAME`` runs one step on a
dataset built before the step existed (``--dir DIR --only membership``).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import shutil
import sys
import tempfile
from pathlib import Path

from clinic_desk.core.services import demo
from clinic_desk.core.services.demo_dataset import (
    STEPS,
    TODAY,
    build_dataset,
    facts,
    now_utc,
    report,
    run_step,
    week_of,
)
from clinic_desk.core.store.engine import DB_FILENAME
from clinic_desk.core.tasks import TaskState

__all__ = ["STEPS", "TODAY", "main", "now_utc", "week_of"]


def run_one_step(folder: str | None, name: str, seed: int) -> int:
    """One step on an existing dataset (a step added after the dataset was built)."""
    from clinic_desk.core.services.clinic import open_clinic

    if folder is None or not (Path(folder) / DB_FILENAME).exists():
        print("--only needs --dir with a clinic built by this script.", file=sys.stderr)
        return 2
    clinic = open_clinic(Path(folder), passphrase=demo.DEMO_PASSPHRASE, use_keyring=False)
    try:
        done = run_step(clinic, name, seed)
    finally:
        clinic.close()
    print(f"{name + ':':13}{done.seconds:6.2f} s, {done.rows:,} rows")
    print("\n".join(facts()))
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dir", help="build here and keep it (an empty or new folder)")
    parser.add_argument("--patients", type=int, default=60_000)
    parser.add_argument("--years", type=float, default=5.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--profile", action="store_true", help="show where the time goes")
    parser.add_argument(
        "--only",
        choices=[name for name, _ in STEPS],
        help="run this one step on the clinic already in --dir (built before the step existed)",
    )
    args = parser.parse_args()
    if args.only:
        return run_one_step(args.dir, args.only, args.seed)

    keep = args.dir is not None
    data_dir = Path(args.dir) if keep else Path(tempfile.mkdtemp(prefix="clinicdesk-bench-"))
    if keep and (data_dir / DB_FILENAME).exists():
        print(f"{data_dir} already holds a clinic; give an empty or new folder.", file=sys.stderr)
        return 2

    def show(fraction: float, message: str) -> None:
        print(f"\r{fraction:4.0%}  {message}\033[K", end="", file=sys.stderr, flush=True)

    def step(name: str) -> None:
        print(f"\r      {name}...\033[K", end="", file=sys.stderr, flush=True)

    profiler = cProfile.Profile() if args.profile else None
    try:
        if profiler:
            profiler.enable()
        summary = build_dataset(
            data_dir,
            seed=args.seed,
            patients=args.patients,
            years=args.years,
            state=TaskState(show),
            on_step=step,
        )
        if profiler:
            profiler.disable()
        print(file=sys.stderr)
        size = sum(f.stat().st_size for f in data_dir.iterdir() if f.is_file())
        print(f"clinic:      {data_dir}{'' if keep else ' (deleted afterwards)'}")
        print("\n".join(report(summary)))
        print(f"files:       {size / 1e6:,.1f} MB")
        if profiler:
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(20)
            print(out.getvalue())
    finally:
        if not keep:
            shutil.rmtree(data_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
