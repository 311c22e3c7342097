"""The application's shared state: the open clinic, who is signed in, and the
one signal that tells every screen what a write changed (STYLE 3)."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from clinic_desk.core.security.permissions import Action, allowed
from clinic_desk.core.services.base import Actor, Changes, Clinic, Clock, system_clock
from clinic_desk.ui.operations.runner import Runner


class AppContext(QObject):
    """Passed to every feature widget; widgets talk through it, not to each other."""

    #: a write finished; carries its ``Changes`` so screens redraw only what it touched
    sig_changes = Signal(object)
    #: the signed-in staff member changed (an ``Actor``), or None when locked/signed out
    sig_actor_changed = Signal(object)
    #: the user asked to lock the screen now (idle timer or Ctrl+L)
    sig_lock_requested = Signal()
    #: the interface language changed (code such as "zh_CN"); widgets re-run retranslate
    sig_language_changed = Signal(str)

    def __init__(
        self,
        clinic: Clinic,
        *,
        clock: Clock = system_clock,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.clinic = clinic
        self.clock = clock
        self.runner = Runner(self)
        self._actor: Actor | None = None

    @property
    def actor(self) -> Actor | None:
        return self._actor

    def set_actor(self, actor: Actor | None) -> None:
        self._actor = actor
        self.sig_actor_changed.emit(actor)

    def may(self, action: Action) -> bool:
        """Whether to offer ``action`` in the UI; services enforce it regardless."""
        actor = self._actor
        return actor is not None and (actor.is_system or allowed(actor.role, action))

    def broadcast(self, changes: Changes) -> None:
        if changes.topics:
            self.sig_changes.emit(changes)
