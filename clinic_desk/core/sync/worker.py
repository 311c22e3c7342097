"""Sync in the background: rounds on a timer, when the hub rings, and on request.

A plain thread (no Qt): the window wraps it and turns its reports into
signals. Rounds never run on the caller's thread. The hub's NOTIFY only rings
the bell; a round also runs when the program starts, every
``sync.interval_seconds`` and when someone chooses "Sync now".
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from clinic_desk.core.errors import ClinicError
from clinic_desk.core.services.base import Clinic
from clinic_desk.core.sync import engine as sync_engine
from clinic_desk.core.sync.hub import HubUnreachable, checked_url

log = logging.getLogger(__name__)

SYNCED = "synced"
PENDING = "pending"
OFFLINE = "offline"
ERROR = "error"
SYNCING = "syncing"
RETRY_SOON_S = 2.0


@dataclass(frozen=True)
class SyncStatus:
    state: str  # synced | pending | offline | error | syncing
    pending: int = 0  # changes made here that the hub does not have yet
    offline_since: datetime | None = None
    error: str = ""  # the sentence to show (English; the UI translates ClinicError itself)
    error_obj: ClinicError | None = None
    last_ok: datetime | None = None


class SyncLoop:
    """One background thread per open clinic that syncs."""

    def __init__(
        self,
        clinic: Clinic,
        *,
        on_status: Callable[[SyncStatus], None] = lambda status: None,
        on_round: Callable[[sync_engine.RoundResult], None] = lambda result: None,
        interval_s: float | None = None,
    ) -> None:
        self.clinic = clinic
        self.on_status = on_status
        self.on_round = on_round
        self.interval_s = interval_s or float(clinic.setting("sync.interval_seconds"))
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._listener: threading.Thread | None = None
        self._offline_since: datetime | None = None
        self._last_ok = sync_engine.last_ok(clinic)
        self.status = SyncStatus(PENDING, sync_engine.pending_count(clinic), last_ok=self._last_ok)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="clinicdesk-sync", daemon=True)
        self._thread.start()
        self._listener = threading.Thread(
            target=self._listen, name="clinicdesk-sync-listen", daemon=True
        )
        self._listener.start()

    def sync_now(self) -> None:
        self._wake.set()

    def stop(self, timeout_s: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        for thread in (self._thread, self._listener):
            if thread is not None:
                thread.join(timeout_s)

    # -- the loop -----------------------------------------------------------------------------

    def _run(self) -> None:
        eng: sync_engine.SyncEngine | None = None
        while not self._stop.is_set():
            retry_soon = False
            try:
                if eng is None:
                    eng = sync_engine.SyncEngine(self.clinic)
                self._report(
                    SyncStatus(SYNCING, self._pending(), self._offline_since, last_ok=self._last_ok)
                )
                result = eng.run_round()
                self._offline_since = None
                self._last_ok = self.clinic.now()
                pending = self._pending()
                self._report(
                    SyncStatus(SYNCED if pending == 0 else PENDING, pending, last_ok=self._last_ok)
                )
                if result.pulled or result.conflicts:
                    self.on_round(result)
            except HubUnreachable as error:
                if self._offline_since is None:
                    self._offline_since = self.clinic.now()
                    # A hub that restarted leaves our connection stale; the next
                    # attempt reconnects, so try again soon before waiting long.
                    retry_soon = True
                self._report(
                    SyncStatus(
                        OFFLINE,
                        self._pending(),
                        self._offline_since,
                        str(error),
                        error,
                        self._last_ok,
                    )
                )
            except ClinicError as error:
                self._report(
                    SyncStatus(
                        ERROR,
                        self._pending(),
                        self._offline_since,
                        str(error),
                        error,
                        self._last_ok,
                    )
                )
            except Exception as error:  # a bug must not kill the thread silently
                log.exception("sync round failed")
                self._report(
                    SyncStatus(
                        ERROR,
                        self._pending(),
                        self._offline_since,
                        f"{type(error).__name__}: {error}",
                        None,
                        self._last_ok,
                    )
                )
                if eng is not None:
                    eng.close()
                eng = None
            self._wake.wait(min(RETRY_SOON_S, self.interval_s) if retry_soon else self.interval_s)
            self._wake.clear()
        if eng is not None:
            eng.close()

    def _pending(self) -> int:
        try:
            return sync_engine.pending_count(self.clinic)
        except Exception:  # the database being closed under us at shutdown
            return 0

    def _report(self, status: SyncStatus) -> None:
        self.status = status
        try:
            self.on_status(status)
        except Exception:
            log.exception("sync status report failed")

    # -- the bell -----------------------------------------------------------------------------

    def _listen(self) -> None:
        """LISTEN on the hub; a NOTIFY for this clinic wakes the loop at once."""
        import psycopg  # here, not at the top: the sign-in window imports this module

        state = sync_engine.load_state(self.clinic)
        if state is None:
            return
        clinic_id = state.creds.clinic_id
        while not self._stop.is_set():
            try:
                with psycopg.connect(checked_url(state.url), autocommit=True) as conn:
                    conn.execute("LISTEN clinicdesk")
                    while not self._stop.is_set():
                        for note in conn.notifies(timeout=1.0):
                            if note.payload == clinic_id:
                                self._wake.set()
            except (psycopg.Error, HubUnreachable, OSError):
                # The round reports the hub being away; try again a little later.
                self._stop.wait(min(self.interval_s, 10.0))
