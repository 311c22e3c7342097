"""``clinic-desk import-patients``, run as a real process (issue 4, "Import")."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from clinic_desk.core.rules.id_documents import gb11643_check_char
from tests.unit.test_cli import PASS, run

ENV = {"CLINIC_DESK_PASSPHRASE": PASS}
ZHANG_ID = "11010119850312123" + gb11643_check_char("11010119850312123")


@pytest.fixture(scope="module")
def clinic_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("cli_import") / "clinic"
    r = run(
        "init",
        "--data-dir",
        str(d),
        "--clinic-name",
        "仁和诊所",
        "--director",
        "wang",
        "--fast-kdf",
        env={**ENV, "CLINIC_DESK_PASSWORD": "director-pass-1"},
    )
    assert r.returncode == 0, r.stderr
    return d


def _gbk_list(path: Path) -> Path:
    with path.open("w", encoding="gbk", newline="") as f:
        w = csv.writer(f)
        w.writerow(["姓名", "性别", "出生日期", "联系", "身份证号"])
        w.writerow(["张三", "男", "1985-03-12", "13812345678", ZHANG_ID])
        w.writerow(["李四", "女", "12/03/1990", "13912345678", ""])
        w.writerow(["王五", "男", "2030-01-01", "", ""])
        w.writerow(["赵六", "女", "", "13712345678", ""])
    return path


def test_import_dry_run_then_real_then_again(clinic_dir: Path, tmp_path: Path) -> None:
    data = _gbk_list(tmp_path / "名单.csv")
    report = tmp_path / "rejected.csv"
    args = ("import-patients", "--data-dir", str(clinic_dir), str(data), "--map", "联系=phone")

    r = run(*args, "--dry-run", env=ENV)
    assert r.returncode == 0, r.stderr
    assert "4 rows: 2 would be imported (dry run: nothing was saved)" in r.stdout
    assert "联系→phone" in r.stdout

    r = run(*args, "--report", str(report), env=ENV)
    assert r.returncode == 0, r.stderr
    assert "4 rows: 2 imported, 0 already registered, 2 rejected" in r.stdout
    assert "row 3, column 出生日期: " in r.stdout and "year-month-day" in r.stdout
    assert "row 4, column 出生日期: " in r.stdout and "future" in r.stdout
    assert report.read_bytes().startswith(b"\xef\xbb\xbf")
    assert "Traceback" not in r.stderr

    r = run(*args, env=ENV)
    assert r.returncode == 0, r.stderr
    assert "4 rows: 0 imported, 2 already registered, 2 rejected" in r.stdout

    r = run("verify-audit", "--data-dir", str(clinic_dir), env=ENV)
    assert r.returncode == 0, r.stderr


def test_refused_files_exit_2_with_a_sentence(clinic_dir: Path, tmp_path: Path) -> None:
    no_name = tmp_path / "x.csv"
    no_name.write_text("手机,地址\n13812345678,北京\n", encoding="utf-8")
    r = run("import-patients", "--data-dir", str(clinic_dir), str(no_name), env=ENV)
    assert r.returncode == 2
    assert "no column for the patient's name" in r.stderr and "手机, 地址" in r.stderr
    assert "Traceback" not in r.stderr

    r = run("import-patients", "--data-dir", str(clinic_dir), str(tmp_path / "nope.csv"), env=ENV)
    assert r.returncode == 2 and "There is no file" in r.stderr

    r = run(
        "import-patients", "--data-dir", str(clinic_dir), str(no_name), "--map", "oops", env=ENV
    )
    assert r.returncode == 2 and "COLUMN=FIELD" in r.stderr


def test_needs_the_passphrase(clinic_dir: Path, tmp_path: Path) -> None:
    data = _gbk_list(tmp_path / "l.csv")
    r = run("import-patients", "--data-dir", str(clinic_dir), str(data))
    assert r.returncode == 2 and "CLINIC_DESK_PASSPHRASE" in r.stderr
