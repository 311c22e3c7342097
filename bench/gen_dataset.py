"""Build a demo clinic at a given size and time it (issue 12's data set).

    .venv/bin/python bench/gen_dataset.py [--dir DIR] [--patients 60000] [--years 5]
                                          [--seed 1] [--profile]

Default size: the issue-12 target, 60,000 patients over 5 years (about 260,000
visits). Prints the setup time, the generation time, rows/s and patients/s,
the file size, and with ``--profile`` the functions the time goes to. The
clinic is left in DIR (passphrase ``demo clinic passphrase 2026``, every
account's password ``demo-pass-1``) for the other benchmarks; without
``--dir`` it goes to a temporary folder that is deleted afterwards.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import shutil
import sys
import tempfile
import time
from pathlib import Path

from clinic_desk.core.security.keys import KdfParams
from clinic_desk.core.services import demo
from clinic_desk.core.store.engine import DB_FILENAME
from clinic_desk.core.tasks import TaskState


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dir", help="build here and keep it (an empty or new folder)")
    parser.add_argument("--patients", type=int, default=60_000)
    parser.add_argument("--years", type=float, default=5.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--profile", action="store_true", help="show where the time goes")
    args = parser.parse_args()

    keep = args.dir is not None
    data_dir = Path(args.dir) if keep else Path(tempfile.mkdtemp(prefix="clinicdesk-bench-"))
    if keep and (data_dir / DB_FILENAME).exists():
        print(f"{data_dir} already holds a clinic; give an empty or new folder.", file=sys.stderr)
        return 2

    def show(fraction: float, message: str) -> None:
        print(f"\r{fraction:4.0%}  {message}\033[K", end="", file=sys.stderr, flush=True)

    profiler = cProfile.Profile() if args.profile else None
    try:
        started = time.perf_counter()
        if profiler:
            profiler.enable()
        clinic, summary = demo.build_demo_clinic(
            data_dir, seed=args.seed, patients=args.patients, years=args.years,
            kdf=KdfParams.floor(), state=TaskState(show),
        )
        if profiler:
            profiler.disable()
        clinic.close()
        total = time.perf_counter() - started
        print(file=sys.stderr)
        size = sum(f.stat().st_size for f in data_dir.iterdir() if f.is_file())
        rows = summary.staff_added + summary.patients + summary.notes
        print(f"clinic:      {data_dir}{'' if keep else ' (deleted afterwards)'}")
        print(
            f"data:        {summary.patients:,} patients, {summary.notes:,} visits, "
            f"{summary.staff_added} staff, {summary.first_day} to {summary.last_day} "
            f"({summary.notes / max(summary.patients, 1):.1f} visits per patient)"
        )
        print(f"setup:       {total - summary.seconds:6.2f} s (key file, schema, director)")
        print(
            f"generation:  {summary.seconds:6.2f} s, {rows / summary.seconds:,.0f} rows/s, "
            f"{summary.patients_per_second:,.0f} patients/s (one transaction)"
        )
        print(f"total:       {total:6.2f} s; files {size / 1e6:,.1f} MB")
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
