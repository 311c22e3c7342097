"""Build a demo clinic at a given size and time it (issue 12's data set).

    .venv/bin/python bench/gen_dataset.py [--dir DIR] [--patients 60000] [--years 5]
                                          [--seed 1] [--profile]

Default size: the issue-12 target, 60,000 patients over 5 years (about 260,000
visits). The build runs in steps, each timed:

1. ``demo``: the demo service's staff, patients, visits and vital signs;
2. ``registry``: the registry columns the demo service does not fill yet
   (issue 4): record numbers like ``2021-000123``, phones in E.164, a second
   phone for some, a resident ID number that passes the GB 11643 checksum for
   about 70%, and a few names written in traditional characters;
3. ``search index``: ``patient_search_key`` from ``patient_search.search_keys_for``,
   bulk-inserted.

Everything is deterministic from ``--seed``. To add a step (visits,
appointments...), write a function ``(clinic, seed) -> int`` (rows written)
and append it to ``STEPS``.

Prints the setup time, each step's time, rows/s and patients/s, the file
size, and with ``--profile`` the functions the time goes to. The clinic is
left in DIR (passphrase ``demo clinic passphrase 2026``, every account's
password ``demo-pass-1``) for the other benchmarks; without ``--dir`` it goes
to a temporary folder that is deleted afterwards.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import random
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from sqlalchemy import delete, select, update

from clinic_desk.core.rules.id_documents import DocumentKind, gb11643_check_char
from clinic_desk.core.security.keys import KdfParams
from clinic_desk.core.services import demo
from clinic_desk.core.services.base import Clinic
from clinic_desk.core.services.patient_search import search_keys_for
from clinic_desk.core.store.engine import DB_FILENAME
from clinic_desk.core.store.models import Patient, PatientSearchKey
from clinic_desk.core.tasks import TaskState

ID_SHARE = 0.70  # patients who gave a resident ID number
PHONE2_SHARE = 0.08  # a second phone (a relative's, the office)
TRADITIONAL_SHARE = 0.03  # names registered in traditional characters (HK, Macau, Taiwan)
BATCH = 5_000
BULK_CACHE_KIB = 512 * 1024

# Real county-level codes (GB/T 2260), the first six digits of a resident ID.
_REGIONS = tuple(
    "110101 110105 110106 110108 120101 130102 310101 310104 310115 320102 330102 340102 "
    "350102 370102 410102 420102 430102 440103 440304 500103 510104 610102 210102 230102".split()
)
_MOBILE_PREFIXES = tuple(
    "130 131 132 133 135 136 137 138 139 150 151 152 153 155 156 157 158 159 176 177 180 "
    "181 182 183 185 186 187 188 189 191 198 199".split()
)
# Simplified → traditional for the demo's common name characters.
_S2T = str.maketrans(
    "张陈刘杨黄赵吴孙马罗郑谢许韩冯邓萧叶苏卢钟谭陆汪贺顾龚钱汤"
    "国伟军强丽红兰凤东涛华杰鹏浩宇晓俊嘉志业庆长学书贵荣丽颖婷梦伦",
    "張陳劉楊黃趙吳孫馬羅鄭謝許韓馮鄧蕭葉蘇盧鍾譚陸汪賀顧龔錢湯"
    "國偉軍強麗紅蘭鳳東濤華傑鵬浩宇曉俊嘉誌業慶長學書貴榮麗穎婷夢倫",
)


def _mobile(rng: random.Random) -> str:
    return f"+86{rng.choice(_MOBILE_PREFIXES)}{rng.randrange(10**8):08d}"


def _resident_id(rng: random.Random, birth: date, sex: str) -> str:
    # Serial: odd for men, even for women (GB 11643); the 18th character is the check.
    serial = rng.randrange(0, 1000)
    if sex in ("M", "F") and (serial % 2 == 1) != (sex == "M"):
        serial = (serial + 1) % 1000
    first17 = f"{rng.choice(_REGIONS)}{birth:%Y%m%d}{serial:03d}"
    return first17 + gb11643_check_char(first17)


def step_registry(clinic: Clinic, seed: int) -> int:
    """Fill the registry columns of every patient (see the module docstring)."""
    rng = random.Random(f"gen-dataset-registry:{seed}")
    tz = clinic.timezone()
    cols = (
        Patient.id,
        Patient.family_name,
        Patient.given_name,
        Patient.sex,
        Patient.birth_date,
        Patient.phone,
        Patient.created_at,
    )
    with clinic.store.unit_of_work(write=True) as uow:
        rows = uow.session.execute(select(*cols).order_by(Patient.created_at, Patient.id)).all()
        serials: dict[int, int] = {}
        changes = []
        for pid, family, given, sex, birth, phone, created in rows:
            year = created.astimezone(tz).year
            serials[year] = serials.get(year, 0) + 1
            change: dict[str, object] = {
                "id": pid,
                "record_no": f"{year}-{serials[year]:06d}",
                "phone": f"+86{phone}" if phone and not phone.startswith("+") else phone,
                "phone2": _mobile(rng) if rng.random() < PHONE2_SHARE else "",
                "id_kind": "",
                "id_number": "",
            }
            if birth is not None and rng.random() < ID_SHARE:
                change["id_kind"] = DocumentKind.RESIDENT_ID.value
                change["id_number"] = _resident_id(rng, birth, sex)
            if rng.random() < TRADITIONAL_SHARE:
                change["family_name"] = family.translate(_S2T)
                change["given_name"] = given.translate(_S2T)
            changes.append(change)
        # Rows differ in which columns they set; group so each executemany is uniform.
        for with_name in (False, True):
            group = [c for c in changes if ("family_name" in c) == with_name]
            for start in range(0, len(group), BATCH):
                uow.session.execute(update(Patient), group[start : start + BATCH])
        uow.commit()
    return len(changes)


def step_search_index(clinic: Clinic, seed: int) -> int:
    """``patient_search_key`` for every live patient, the same keys the registry writes."""
    del seed  # derived data: nothing random
    cols = [Patient.id, Patient.record_no, Patient.family_name, Patient.given_name]
    cols += [Patient.phone, Patient.phone2, Patient.id_number]
    with clinic.store.unit_of_work(write=True) as uow:
        session = uow.session
        session.execute(delete(PatientSearchKey))
        keys: list[tuple[str, str, str]] = []
        live = (Patient.deleted_at.is_(None), Patient.merged_into.is_(None))
        for row in session.execute(select(*cols).where(*live)).mappings():
            patient = Patient(**row)  # transient: search_keys_for only reads its fields
            pid = row["id"].hex  # the Uuid column's stored form
            keys.extend((key, pid, kind) for key, kind in search_keys_for(patient))
        # In key order, so the primary-key index is built by appending; and a
        # cache that holds both indexes, so the patient_id one (random order
        # here) is not written out and read back, encrypted, page by page.
        keys.sort()
        session.connection().exec_driver_sql(f"PRAGMA cache_size = -{BULK_CACHE_KIB}")
        session.connection().exec_driver_sql(
            "INSERT INTO patient_search_key (key, patient_id, kind) VALUES (?, ?, ?)", keys
        )
        uow.commit()
    return len(keys)


Step = Callable[[Clinic, int], int]
STEPS: list[tuple[str, Step]] = [
    ("registry", step_registry),
    ("search index", step_search_index),
]


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
            data_dir,
            seed=args.seed,
            patients=args.patients,
            years=args.years,
            kdf=KdfParams.floor(),
            state=TaskState(show),
        )
        print(file=sys.stderr)
        step_times: list[tuple[str, int, float]] = []
        try:
            for name, step in STEPS:
                print(f"\r      {name}...\033[K", end="", file=sys.stderr, flush=True)
                step_started = time.perf_counter()
                written = step(clinic, args.seed)
                step_times.append((name, written, time.perf_counter() - step_started))
        finally:
            clinic.close()
        if profiler:
            profiler.disable()
        total = time.perf_counter() - started
        print(file=sys.stderr)
        size = sum(f.stat().st_size for f in data_dir.iterdir() if f.is_file())
        rows = summary.staff_added + summary.patients + summary.visits + summary.vital_signs
        steps_seconds = sum(s for _, _, s in step_times)
        print(f"clinic:      {data_dir}{'' if keep else ' (deleted afterwards)'}")
        print(
            f"data:        {summary.patients:,} patients, {summary.visits:,} visits, "
            f"{summary.vital_signs:,} vital signs, "
            f"{summary.staff_added} staff, {summary.first_day} to {summary.last_day} "
            f"({summary.visits / max(summary.patients, 1):.1f} visits per patient)"
        )
        print(
            f"setup:       {total - summary.seconds - steps_seconds:6.2f} s "
            "(key file, schema, director)"
        )
        print(
            f"generation:  {summary.seconds:6.2f} s, {rows / summary.seconds:,.0f} rows/s, "
            f"{summary.patients_per_second:,.0f} patients/s (one transaction)"
        )
        for name, written, seconds in step_times:
            print(
                f"{name + ':':13}{seconds:6.2f} s, {written:,} rows, "
                f"{written / max(seconds, 1e-9):,.0f} rows/s"
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
