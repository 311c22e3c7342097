"""Membership speed (issue 11's figures) on the 5-year dataset.

    .venv/bin/python bench/bench_membership.py --dir DIR [--repeats 30] [--warmup 3]
                                               [--json PATH] [--profile]

DIR is a clinic built by ``bench/gen_dataset.py --dir DIR`` with its ``membership`` step
(about 3,000 memberships over 5 years with their members, events, payments, home-visit
uses and care teams; a dataset built before the step gets it with
``gen_dataset.py --dir DIR --only membership``).

The clock is the dataset's "now" (``gen_dataset.now_utc``). Over repeated runs after
warm-ups:

* ``membership.search`` as customer service: by a live member's name (what the members
  tab's search box sends as it is typed), and by a card number (typed or scanned);
* ``membership.find_by_card``: the card scanned at the desk, the membership opened;
* ``membership.badges_in`` for a reception board of 120 patients (TODAY's booked
  patients, about one in six a member): one query per board refresh;
* ``membership.renewals_due`` and ``membership.members_by_tier`` on TODAY (the reports
  tab);
* ``membership.overdrafts`` as the director: every quota period of every membership
  scanned for uses past the quota (after sync).

Each has its floor: the very SELECTs the service sent (captured from the engine on one
run) replayed on a bare SQLCipher connection to the same file, rows fetched and nothing
else. Prints median and p95 milliseconds and the ratio to the floor; ``--json`` writes
them to PATH. Targets (p95): a search or a card under 100 ms, the board's badges under
30 ms, each report under 300 ms.
"""

from __future__ import annotations

import argparse
import functools
import io
import json
import pstats
import random
import sys
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import gen_dataset  # bench/ is on sys.path when this runs as a script
from bench_followups import Capture, Timer, replay

from clinic_desk.core.services import demo, membership, staff
from clinic_desk.core.services.base import Clinic
from clinic_desk.core.services.clinic import open_clinic
from clinic_desk.core.store.engine import DB_FILENAME, raw_connect

TARGETS_MS: dict[str, float | None] = {
    "search by name": 100.0,
    "search by card number": 100.0,
    "find by card (scan)": 100.0,
    "badges, board of 120": 30.0,
    "renewals due": 300.0,
    "members by tier": 300.0,
    "overdraft scan": 300.0,
}
BOARD = 120
BOARD_MEMBERS = 20  # live members among the board's patients


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dir", required=True, help="a clinic built by bench/gen_dataset.py")
    parser.add_argument("--repeats", type=int, default=30, help="timed runs of each figure")
    parser.add_argument("--warmup", type=int, default=3, help="untimed runs before")
    parser.add_argument("--json", help="write the results here as JSON")
    parser.add_argument("--profile", action="store_true", help="show where the time goes")
    args = parser.parse_args()
    folder = Path(args.dir)
    if not (folder / DB_FILENAME).exists():
        print(f"{folder} holds no clinic; build one with gen_dataset.py.", file=sys.stderr)
        return 2
    clinic = open_clinic(folder, passphrase=demo.DEMO_PASSPHRASE, use_keyring=False)
    try:
        now = gen_dataset.now_utc(clinic)
        clinic.clock = lambda: now  # the dataset's "now"
        raw = raw_connect(clinic.store.db_path, clinic.store.data_key)
        try:
            report = measure(clinic, raw, args)
        finally:
            raw.close()
    finally:
        clinic.close()
    if not report:
        return 2
    if args.json:
        Path(args.json).write_text(
            json.dumps(report, indent=2, ensure_ascii=False, default=str), encoding="utf-8"
        )
    return 0 if all(r["ok"] for r in report["figures"].values()) else 1


def _board(raw: Any, today: str, rng: random.Random) -> list[uuid.UUID]:
    """TODAY's booked patients, with ``BOARD_MEMBERS`` of them live members."""
    members = [
        r[0]
        for r in raw.execute(
            "SELECT DISTINCT mm.patient_id FROM membership_member mm "
            "JOIN membership m ON m.id = mm.membership_id "
            "WHERE m.deleted_at IS NULL AND mm.deleted_at IS NULL AND mm.left_on IS NULL "
            "AND m.status != 'cancelled' AND m.ends_on >= ? ORDER BY mm.patient_id",
            (today,),
        )
    ]
    booked = [
        r[0]
        for r in raw.execute(
            "SELECT DISTINCT patient_id FROM appointment WHERE deleted_at IS NULL "
            "AND patient_id IS NOT NULL AND date(starts_at) = ? ORDER BY patient_id",
            (today,),
        )
    ]
    chosen = rng.sample(members, min(BOARD_MEMBERS, len(members)))
    others = [p for p in booked if p not in set(chosen)]
    chosen += rng.sample(others, min(BOARD - len(chosen), len(others)))
    return [uuid.UUID(hex=p) for p in chosen]


def measure(clinic: Clinic, raw: Any, args: Any) -> dict[str, Any]:
    count = raw.execute("SELECT count(*) FROM membership").fetchone()[0]
    if not count:
        print(
            "The clinic has no memberships: run gen_dataset.py --dir DIR --only membership first.",
            file=sys.stderr,
        )
        return {}
    rng = random.Random("bench-membership")
    today = gen_dataset.TODAY
    director = staff.sign_in(clinic, demo.DEMO_DIRECTOR_LOGIN, demo.DEMO_PASSWORD)
    service = next(
        (
            staff.sign_in(clinic, login, demo.DEMO_PASSWORD)
            for (login,) in raw.execute(
                "SELECT login FROM staff WHERE role = 'customer_service' AND deleted_at IS NULL "
                "ORDER BY login LIMIT 1"
            )
        ),
        director,
    )
    live = membership.search(clinic, service, status="live", limit=100_000)
    if not live:
        print("No live membership on TODAY to search for.", file=sys.stderr)
        return {}
    someone = live[len(live) // 2]
    name, card = someone.payer_name, someone.card_no
    board = _board(raw, today.isoformat(), rng)

    def badges() -> dict[uuid.UUID, membership.Badge]:
        with clinic.store.unit_of_work(write=False) as uow:
            return membership.badges_in(uow.session, board, today, "zh_CN")

    figures_fn: dict[str, Callable[[], Any]] = {
        "search by name": lambda: membership.search(clinic, service, text=name),
        "search by card number": lambda: membership.search(clinic, service, text=card),
        "find by card (scan)": lambda: membership.find_by_card(clinic, service, card),
        "badges, board of 120": badges,
        "renewals due": lambda: membership.renewals_due(clinic, service, today),
        "members by tier": lambda: membership.members_by_tier(clinic, service, today),
        "overdraft scan": lambda: membership.overdrafts(clinic, director),
    }
    capture = Capture(clinic)
    floors = {n: capture.of(fn) for n, fn in figures_fn.items()}
    timer = Timer(args.profile)
    shown: dict[str, Any] = {}
    for run in range(args.warmup + args.repeats):
        record = run >= args.warmup
        for n, fn in figures_fn.items():
            shown[n] = timer.run(n, fn, record=record)
            timer.run(f"floor: {n}", functools.partial(replay, raw, floors[n]), record=record)

    figures: dict[str, dict[str, Any]] = {}
    for n in figures_fn:
        r: dict[str, Any] = timer.stats(n)
        floor = timer.stats(f"floor: {n}")
        r["floor_median_ms"] = floor["median_ms"]
        r["floor_p95_ms"] = floor["p95_ms"]
        r["ratio"] = r["median_ms"] / max(floor["median_ms"], 1e-6)
        r["statements"] = len(floors[n])
        target = TARGETS_MS[n]
        r["target_ms"] = target
        r["ok"] = target is None or r["p95_ms"] < target
        figures[n] = r
    assert someone.membership_id in {i.membership_id for i in shown["search by name"]}
    assert [i.membership_id for i in shown["search by card number"]] == [someone.membership_id]
    assert shown["find by card (scan)"].id == someone.membership_id
    counts = {
        table: raw.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        for table in (
            "membership", "membership_member", "membership_event", "membership_payment",
            "benefit_use", "care_team_member", "patient", "appointment",
        )
    }  # fmt: skip
    results = {
        "live memberships": len(live),
        "name hits": len(shown["search by name"]),
        "badges on the board": len(shown["badges, board of 120"]),
        "renewals due": len(shown["renewals due"]),
        "tiers": {t.tier_name: t.memberships for t in shown["members by tier"]},
        "overdrafts": len(shown["overdraft scan"]),
    }
    print(
        f"\nmembership on {today}: "
        + ", ".join(f"{v:,} {t}" for t, v in counts.items())
        + f"; {args.repeats} runs after {args.warmup} warm-up"
    )
    print(
        "found: " + ", ".join(f"{k} {v}" for k, v in results.items()) + f"; name {name}, "
        f"card {card}"
    )
    header = (
        f"{'figure':26} {'median':>8} {'p95':>8} {'floor med':>9} {'floor p95':>9} "
        f"{'ratio':>6} {'target':>7}"
    )
    print(header)
    print("-" * len(header))
    for n, r in figures.items():
        print(
            f"{n:26} {r['median_ms']:8.2f} {r['p95_ms']:8.2f} {r['floor_median_ms']:9.2f} "
            f"{r['floor_p95_ms']:9.2f} {r['ratio']:6.1f} "
            + (
                f"{r['target_ms']:6.0f}  {'PASS' if r['ok'] else 'MISS'}"
                if r["target_ms"] is not None
                else f"{'-':>6}"
            )
        )
    print(
        "(ms, warm caches; PASS/MISS on p95; floor = the service's SELECTs on a bare "
        "SQLCipher connection)"
    )
    if args.profile:
        for n, prof in timer.profiles.items():
            if n.startswith("floor"):
                continue
            out = io.StringIO()
            pstats.Stats(prof, stream=out).sort_stats("cumulative").print_stats(18)
            print(f"\n== profile: {n} ==\n{out.getvalue()}")
    return {
        "today": today,
        "now": clinic.now().isoformat(),
        "rows": counts,
        "found": results,
        "repeats": args.repeats,
        "warmup": args.warmup,
        "figures": figures,
    }


if __name__ == "__main__":
    sys.exit(main())
