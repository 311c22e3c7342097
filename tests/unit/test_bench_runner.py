"""bench/run_all.py's table and JSON from canned bench outputs (issue 12: one command runs
every benchmark and prints median, p95, floor, ratio, target and ok/missed per figure).

Pure functions only: no bench runs here (they take minutes on the 5-year dataset).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH))

import run_all  # noqa: E402


def fig(median: float, p95: float, floor_median: float, floor_p95: float, **extra: Any) -> dict:
    return {
        "runs": 30,
        "median_ms": median,
        "p95_ms": p95,
        "floor_median_ms": floor_median,
        "floor_p95_ms": floor_p95,
        **extra,
    }


def canned() -> dict[str, dict[str, Any]]:
    """Each bench's JSON as it writes it (the keys the runner reads), made-up figures."""
    kinds = {
        k: fig(1.2, 1.8, 0.8, 1.1, ratio=1.5)
        for k in (
            "name (hanzi prefix)", "pinyin initials", "pinyin full", "pinyin 1st letter",
            "phone last 4", "ID full", "ID last 6", "record number",
        )
    }  # fmt: skip
    return {
        "search": {"patients": 60000, "kinds": kinds},
        "calendar": {
            "figures": {
                "week load + draw": fig(86, 98, 30, 33),
                "next free slot 15 min": fig(4, 6, 1, 1.5),
                "next free slot 60 min": fig(8, 12, 2, 3),
            }
        },
        "reception": {
            "figures": {
                "today_board, 200 patients": fig(20, 24, 5, 6),
                "check-in with vitals, 1 commit": fig(12, 16, 4, 5),
            }
        },
        "followups": {
            "figures": {
                "worklist, all (director)": fig(68, 87, 20, 25),
                "worklist, mine (customer service)": fig(40, 45, 10, 12),
                "worklist, mine (doctor)": fig(10, 12, 3, 4),
            }
        },
        "quality": {
            "figures": {
                "dashboard, a month (clinic)": fig(125, 185, 104, 160),
                "dashboard, a month (one doctor)": fig(63, 93, 50, 80),
                "complaint list (all, customer service)": fig(32, 52, 20, 30),
                "monthly PDF report": fig(
                    1400, 1500, 900, 1000, pdf_floor_median_ms=100, pdf_floor_p95_ms=120
                ),
            }
        },
        "membership": {
            "figures": {
                "search by name": fig(5.8, 6.7, 0.7, 0.9),
                "badges, board of 120": fig(3.9, 4.9, 0.7, 0.8),
                "overdraft scan": fig(73, 79, 23, 25),
            }
        },
        "printing": {
            "figures": {
                "medication_card": fig(30, 36, 10, 12),
                "medication_card_pdf_only": fig(20, 25, 10, 12),
                "day_list_200_rows": fig(251, 352, 100, 120),
            }
        },
        "keys": {"figures": {"open + first query": fig(29, 30, 12, 14)}},
        "import": {"figures": {"import 10,000-row xlsx": fig(20000, 21000, 2500, 2700)}},
        "startup": {"figures": {"cold start to the sign-in window": fig(3000, 3400, 500, 600)}},
        "memory": {
            "figures": {
                phase: {
                    "runs": 3,
                    "median_mib": 550.0,
                    "p95_mib": 560.0,
                    "floor_median_mib": 51.0,
                    "floor_p95_mib": 52.0,
                }
                for phase in ("desk board open", "every page opened once")
            }
        },
        "sync": {
            "figures": {
                "check-in seen at the other desk": fig(34, 42, 2, 3),
                "push + pull + apply": fig(14000, 14500, 50, 60),
                "COPY into an indexed log": fig(150, 160, 50, 60),
                "seal + open + unzip + JSON": fig(190, 200, 50, 60),
            }
        },
    }


ISSUE_FIGURES = {
    "search.name", "search.initials", "search.phone_tail", "search.id", "calendar.week",
    "calendar.next_free_15", "reception.board", "reception.check_in", "followups.worklist",
    "quality.dashboard", "printing.card", "quality.pdf", "startup.cold", "memory.desk",
    "sync.bulk", "sync.propagation",
}  # fmt: skip


def by_key(figures: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {f["key"]: f for f in figures}


def test_every_listed_figure_is_measured_with_a_floor() -> None:
    """Issue 12's list: each figure appears, measured, with a floor value and a ratio."""
    figures = by_key(run_all.build_figures(canned()))
    assert ISSUE_FIGURES <= {k for k, f in figures.items() if f["issue_12"]}
    for key, f in figures.items():
        assert f["status"] == "measured", key
        assert f["floor"]["what"] and f["floor"]["p95"] is not None, key
        assert f["ratio"]["value"] is not None, key
    # issue 12's figures come first in the table
    order = [f["issue_12"] for f in run_all.build_figures(canned())]
    assert order == sorted(order, reverse=True)


def test_ratios_and_verdicts() -> None:
    """The ratio is p95/floor p95 unless the target is on the median ratio (search, sync)."""
    figures = by_key(run_all.build_figures(canned()))
    week = figures["calendar.week"]
    assert week["ratio"]["of"] == "p95 / floor p95"
    assert week["ratio"]["value"] == pytest.approx(98 / 33)
    assert week["ok"] is True
    search = figures["search.name"]
    assert search["ratio"]["of"] == "median / floor median"
    assert search["ratio"]["value"] == pytest.approx(1.5)
    assert search["ok"] is True
    bulk = figures["sync.bulk"]
    assert bulk["ratio"]["value"] == pytest.approx(280)
    assert bulk["ok"] is False  # 280x COPY, target 5x
    # the monthly PDF's floor is the bare reportlab document, not the SELECTs
    assert figures["quality.pdf"]["floor"]["p95"] == 120
    assert figures["memory.desk"]["unit"] == "MiB"
    assert figures["memory.desk"]["ok"] is None  # no target named
    assert figures["startup.cold"]["ok"] is None


@pytest.mark.parametrize(
    ("p95", "median", "floor_median", "ok"),
    [(2.1, 1.0, 0.6, True), (2.2, 1.0, 0.6, False), (1.5, 1.3, 0.6, False)],
)
def test_search_target_is_p95_and_median_ratio(
    p95: float, median: float, floor_median: float, ok: bool
) -> None:
    """Search: p95 under 2.2 ms and within 2x of the bare-sqlite3 floor's median (issue 4)."""
    raw = canned()
    raw["search"]["kinds"]["ID full"] = fig(median, p95, floor_median, 1.0)
    assert by_key(run_all.build_figures(raw))["search.id"]["ok"] is ok


def test_failed_and_missing_figures_are_shown() -> None:
    """A bench that failed or lacks a figure leaves its rows in the table, marked."""
    raw: dict[str, dict[str, Any] | None] = dict(canned())
    raw["sync"] = None
    del raw["calendar"]["figures"]["next free slot 60 min"]  # type: ignore[index]
    figures = run_all.build_figures(raw, {"sync": "exit 1, no JSON"})
    f = by_key(figures)
    assert f["sync.bulk"]["status"] == "failed"
    assert f["sync.bulk"]["error"] == "exit 1, no JSON"
    assert f["calendar.next_free_60"]["status"] == "missing"
    summary = run_all.summary(figures)
    # Every row of the failed bench, and the one missing figure.
    assert summary["not_measured"] == sum(s.bench == "sync" for s in run_all.SPECS) + 1
    table = run_all.format_table(figures)
    assert "FAILED" in table and "MISSING" in table


def test_table_and_json() -> None:
    """One table with the seven columns, a row per figure; the JSON holds all of it."""
    figures = run_all.build_figures(canned())
    table = run_all.format_table(figures)
    lines = table.splitlines()
    header = [c.strip() for c in lines[0].split("|")]
    assert header == ["figure", "median", "p95", "floor (what it is)", "ratio", "target", "ok"]
    assert len(lines) == 2 + len(figures) + 1
    week = next(line for line in lines if line.startswith("week calendar"))
    assert [c.strip() for c in week.split("|")] == [
        "week calendar, 8 doctors: load + draw", "86.0 ms", "98.0 ms",
        "33.0 ms sqlite3, plain copy", "3.0x p95", "p95 < 100 ms", "ok",
    ]  # fmt: skip
    bulk = next(line for line in lines if line.startswith("sync 10,000"))
    assert "14.00 s" in bulk and "280.0x med" in bulk and "MISSED" in bulk
    machine = {"cpus": 2, "git": {"commit": "abc", "changed_files": 0}}
    report = run_all.build_report(figures, {"search": {"exit": 0}}, machine, {"quick": True})
    back = json.loads(json.dumps(report))
    assert back["machine"]["cpus"] == 2 and back["quick"] is True
    assert back["summary"]["missed"] == 1
    assert [f["key"] for f in back["figures"] if f["ok"] is False] == ["sync.bulk"]


def test_figure_names_exist_in_the_benches() -> None:
    """Each figure the runner reads is named in its bench's source (a renamed figure
    would otherwise show as missing only after a 30-minute run)."""
    scripts = {b.name: (BENCH / b.script).read_text(encoding="utf-8") for b in run_all.BENCHES}
    for spec in run_all.SPECS:
        assert f'"{spec.source}' in scripts[spec.bench], (spec.bench, spec.source)


def test_commands() -> None:
    """--quick passes fewer repeats; only the dataset benches get --dir; --json always."""
    benches = {b.name: b for b in run_all.BENCHES}
    data, out = Path("/data"), Path("/out/x.json")
    full = run_all.bench_command(benches["sync"], data, out, quick=False)
    quick = run_all.bench_command(benches["sync"], data, out, quick=True)
    assert "--dir" not in full and full[-2:] == ["--json", str(out)]
    assert quick[quick.index("--ops") + 1] == "2000"
    search = run_all.bench_command(benches["search"], data, out, quick=False)
    assert search[search.index("--dir") + 1] == "/data"
    assert run_all.verdict(None, 1.0, 1.0) is None
