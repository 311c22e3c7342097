"""Printing speed (issue 8's figures): a medication card, and a 200-row appointment list.

    .venv/bin/python bench/bench_printing.py [--repeats 30] [--warmup 3] [--json PATH]
                                             [--profile]

A small clinic is set up in a temporary folder (the printouts read one patient,
one prescription and the clinic's settings, so the size of the database does
not matter here) with a doctor on a weekly roster, a patient of 74 and a
prescription of six drugs, two with cautions. Then, over ``--repeats`` runs, it
times:

* the medication card (D2) end to end as the prescriptions tab builds it:
  ``printouts.medication_card`` (permission, read, honorific, audit row, one
  commit) and ``medication_card_pdf`` (layout twice, QR code, embedded font
  subset, compressed PDF), normal and large print; and the PDF alone;
* the next day's list for the triage nurse (A8) with 200 appointments over 8
  doctors, as a PDF (``next_day_list_pdf``, the rows built in memory: the
  service's own read is issue 5's figure).

Each timed run starts with the text-measuring caches empty (``fonts.printable``,
widths), as for a document with words not printed before; the clinic's QR code
stays cached, as it does in the running program.

Each has its floor (``--json`` only; the printed lines are unchanged): a bare
reportlab document of the same text on pages of the same size (``bare_pdf``: the
printout's text, read back from its PDF, drawn line by line with the same embedded
font, compressed; no layout, measuring, QR code or charts, no database).

Prints median and p95 milliseconds; ``--json`` writes them to PATH. Targets: a
card under 100 ms, the 200-row list under 500 ms (p95).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from pypdf import PdfReader
from reportlab.pdfgen.canvas import Canvas

from clinic_desk.core.printing import fonts
from clinic_desk.core.printing.day_list import next_day_list_pdf
from clinic_desk.core.printing.medication_card import medication_card_pdf
from clinic_desk.core.security.keys import KdfParams
from clinic_desk.core.security.permissions import Role
from clinic_desk.core.services import patients, prescriptions, printouts, rosters, staff
from clinic_desk.core.services.appointment_reports import DayList, DayListRow, DoctorDayList
from clinic_desk.core.services.base import Actor, Clinic
from clinic_desk.core.services.clinic import open_clinic, setup_clinic
from clinic_desk.core.services.settings import update_settings

TARGET_CARD_MS = 100.0
TARGET_LIST_MS = 500.0
ROWS = 200
DOCTORS = 8
PASSPHRASE = "马跑了 青山绿水 七点钟 rain"

DRUGS = [
    prescriptions.ItemInput("阿莫西林胶囊", "0.25g", "2粒", "oral", "tid", "after_meal", 7, "12粒"),
    prescriptions.ItemInput(
        "布洛芬缓释胶囊",
        "0.3g",
        "1粒",
        "oral",
        "prn",
        "after_meal",
        3,
        "6粒",
        "发热超过38.5℃时服用，两次间隔至少6小时。",
    ),
    prescriptions.ItemInput("氨氯地平片", "5mg", "1片", "oral", "qd", "", 30, "30片"),
    prescriptions.ItemInput(
        "艾司唑仑片", "1mg", "1片", "oral", "qn", "bedtime", 7, "7片", "服药后不要驾车。"
    ),
    prescriptions.ItemInput("妥布霉素滴眼液", "5ml", "1滴", "eye", "qid", "", 5, "1支"),
    prescriptions.ItemInput("头孢克肟分散片", "100mg", "1片", "oral", "q12h", "before_meal", 5),
]


def pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def cold() -> None:
    """Forget the measured text: each run lays out its words as if they were new."""
    fonts.printable.cache_clear()
    fonts._width.cache_clear()


def timed(fn: Callable[[], Any], repeats: int, warmup: int) -> dict[str, float]:
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(repeats):
        cold()
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return {
        "median_ms": round(statistics.median(samples), 2),
        "p95_ms": round(pct(samples, 0.95), 2),
        "runs": len(samples),
    }


PdfPages = list[tuple[float, float, list[str]]]


def pdf_pages(pdf: bytes) -> PdfPages:
    """Each page's size (points) and text lines, read back from a printout."""
    return [
        (float(page.mediabox.width), float(page.mediabox.height), page.extract_text().splitlines())
        for page in PdfReader(io.BytesIO(pdf)).pages
    ]


def bare_pdf(pages: PdfPages, size: float = 9.0) -> bytes:
    """The floor of a printout: the same text on pages of the same size, drawn line by
    line with the same embedded font and compression, nothing else."""
    out = io.BytesIO()
    canvas = Canvas(out, initialFontName=fonts.register_fonts(), pageCompression=1)
    for width, height, lines in pages:
        canvas.setPageSize((width, height))
        canvas.setFont(fonts.FONT_NAME, size)
        y = height - 2 * size
        for line in lines:
            canvas.drawString(size, y, line)
            y -= size * 1.2
        canvas.showPage()
    canvas.save()
    return out.getvalue()


def floor_of(make: Callable[[], bytes], repeats: int, warmup: int) -> dict[str, float]:
    """``timed`` of ``bare_pdf`` for the text and pages ``make`` prints."""
    pages = pdf_pages(make())
    r = timed(lambda: bare_pdf(pages), repeats, warmup)
    return {
        "floor_median_ms": r["median_ms"],
        "floor_p95_ms": r["p95_ms"],
        "floor_pages": len(pages),
        "floor_lines": sum(len(lines) for _, _, lines in pages),
    }


def build_clinic(data_dir: Path) -> tuple[Clinic, Actor, uuid.UUID]:
    setup_clinic(
        data_dir,
        clinic_name="仁和诊所",
        director_login="wang.li",
        director_name="王丽",
        director_password="director-pass-1",
        passphrase=PASSPHRASE,
        phone="010-8888 6666",
        address="北京市朝阳区建国路 88 号仁和大厦一层",
        kdf=KdfParams.floor(),
        use_keyring=False,
    )
    clinic = open_clinic(data_dir, passphrase=PASSPHRASE, use_keyring=False)
    director = staff.sign_in(clinic, "wang.li", "director-pass-1")
    doctor = staff.add_staff(
        clinic,
        director,
        login="li.doc",
        display_name="李医生",
        role=Role.DOCTOR,
        password="some-pass-123",
    ).value.id
    blocks = [rosters.RosterBlock(d, 8 * 60, 12 * 60) for d in range(6)]
    blocks += [rosters.RosterBlock(d, 13 * 60 + 30, 17 * 60 + 30) for d in range(5)]
    rosters.set_weekly_roster(clinic, director, doctor, blocks)
    update_settings(clinic, director, {"clinic.phone": "010-8888 6666"})
    patient = patients.register_patient(
        clinic,
        director,
        family_name="张",
        given_name="秀英",
        sex="F",
        birth_date=date(1952, 3, 2),
        phone="13812345678",
    ).value.id
    rx = prescriptions.write_prescription(
        clinic,
        director,
        patient,
        DRUGS,
        acknowledged_warnings=True,
        override_reason="bench: reviewed",
    ).value.id
    return clinic, director, rx


def day_list(rows: int, doctors: int) -> DayList:
    """A day of ``rows`` appointments over ``doctors`` doctors, as the service returns it."""
    day = date(2026, 11, 24)
    made = datetime(2026, 11, 23, 8, 40, tzinfo=UTC)
    names = ["张", "王", "李", "赵", "陈", "欧阳", "黄", "周"]
    out = []
    per = rows // doctors
    for d in range(doctors):
        items = []
        for i in range(per):
            n = d * per + i
            starts = datetime(2026, 11, 24, 0, 0, tzinfo=UTC) + timedelta(minutes=15 * i)
            family = names[n % len(names)]
            items.append(
                DayListRow(
                    appointment_id=uuid.uuid4(),
                    starts_at=starts,
                    ends_at=starts + timedelta(minutes=15),
                    local_time=(starts + timedelta(hours=8)).strftime("%H:%M"),
                    patient_id=uuid.uuid4(),
                    patient_name=f"{family}建国{n}",
                    address=f"{family}先生",
                    phone=f"+86138{n:08d}",
                    record_no=f"2026-{n:06d}",
                    type_name="General consult",
                    purpose="高血压复诊" if n % 3 else "发烧两天，咳嗽，夜间加重",
                    status="booked",
                    channel="phone",
                    first_visit=n % 7 == 0,
                    special_needs=("elderly",) if n % 5 == 0 else (),
                    add_on=n % 11 == 0,
                    on_holiday=False,
                    notes="家属陪同，需要轮椅。上次检查血压偏高，请先量血压再候诊。"
                    if n % 4 == 0
                    else "",
                )
            )
        out.append(DoctorDayList(uuid.uuid4(), f"医生{d + 1}", "", None, tuple(items)))
    return DayList(day, made, True, made, tuple(out))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=30, help="timed runs of each figure")
    parser.add_argument("--warmup", type=int, default=3, help="untimed runs before")
    parser.add_argument("--json", help="write the results here as JSON")
    parser.add_argument("--profile", action="store_true", help="show where the time goes")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="clinicdesk-bench-printing-"))
    try:
        clinic, director, rx = build_clinic(work / "clinic")
        try:
            job = printouts.medication_card(clinic, director, rx, language="zh_CN")
            settings = printouts.print_settings(clinic, director)

            def card_end_to_end() -> bytes:
                read = printouts.medication_card(clinic, director, rx, language="zh_CN")
                return medication_card_pdf(read.card, page=settings.card_size)

            def card_large() -> bytes:
                read = printouts.medication_card(clinic, director, rx, language="zh_CN")
                return medication_card_pdf(
                    read.card, page=settings.large_print_size, large_print=True
                )

            def card_pdf_only() -> bytes:
                return medication_card_pdf(job.card, page=settings.card_size)

            listing = day_list(ROWS, DOCTORS)

            def list_pdf() -> bytes:
                return next_day_list_pdf(listing, clinic_name="仁和诊所")

            made = {
                "medication_card": card_end_to_end,
                "medication_card_large_print": card_large,
                "medication_card_pdf_only": card_pdf_only,
                "day_list_200_rows": list_pdf,
            }
            figures: dict[str, dict[str, Any]] = {
                name: timed(fn, args.repeats, args.warmup) for name, fn in made.items()
            }
            for name, fn in made.items():
                figures[name] |= floor_of(fn, args.repeats, args.warmup)
                figures[name]["ratio"] = figures[name]["median_ms"] / figures[name][
                    "floor_median_ms"
                ]
            if args.profile:
                profile = cProfile.Profile()
                profile.runcall(card_end_to_end)
                profile.runcall(list_pdf)
                out = io.StringIO()
                pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(25)
                print(out.getvalue())
        finally:
            clinic.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)

    targets = {
        "medication_card": TARGET_CARD_MS,
        "medication_card_large_print": TARGET_CARD_MS,
        "medication_card_pdf_only": TARGET_CARD_MS,
        "day_list_200_rows": TARGET_LIST_MS,
    }
    ok = True
    for name, figure in figures.items():
        target = targets[name]
        passed = figure["p95_ms"] < target
        ok = ok and passed
        print(
            f"{name:32s} median {figure['median_ms']:7.1f} ms   p95 {figure['p95_ms']:7.1f} ms"
            f"   target < {target:.0f} ms  {'ok' if passed else 'SLOW'}"
        )
    report = {"figures": figures, "targets_ms": targets, "ok": ok}
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2), encoding="utf-8")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
