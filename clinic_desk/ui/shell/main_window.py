"""The main window: the sign-in/lock page in front, the features behind it."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QSizePolicy,
    QStackedWidget,
    QToolBar,
    QWidget,
)

from clinic_desk.core.security.permissions import ROLE_LABELS, Action, Role
from clinic_desk.core.services import staff
from clinic_desk.core.services.base import Actor, Clock, system_clock
from clinic_desk.ui.context import AppContext
from clinic_desk.ui.followups.sender import OutboxSender
from clinic_desk.ui.shell.features import FEATURES, Feature
from clinic_desk.ui.signin.idle import IdleLock
from clinic_desk.ui.signin.window import SignInWidget
from clinic_desk.ui.sync.status import SyncController, SyncStatusLabel


class MainWindow(QMainWindow):
    sig_signed_out = Signal()

    def __init__(self, ctx: AppContext, *, clock: Clock = system_clock) -> None:
        super().__init__()
        self.ctx = ctx
        self.setObjectName("mainWindow")
        self.resize(1180, 760)
        self.stack = QStackedWidget(self)
        self.setCentralWidget(self.stack)
        self.signin = SignInWidget(ctx, self)
        self.stack.addWidget(self.signin)
        self.work: QWidget | None = None
        self.pages: dict[str, QWidget] = {}
        self.features: list[Feature] = []
        self.nav: QListWidget | None = None
        self.page_stack: QStackedWidget | None = None

        self.idle = IdleLock(ctx, clock)
        ctx.sig_lock_requested.connect(self.lock)
        self.signin.sig_signed_in.connect(self._signed_in)
        self._build_menus()
        self.search_bar = QToolBar(self)
        self.search_bar.setObjectName("searchBar")
        self.search_bar.setMovable(False)
        self.search = QLineEdit(self)
        self.search.setObjectName("globalSearch")
        self.search.setMaxLength(100)
        self.search.setClearButtonEnabled(True)
        self.search.returnPressed.connect(self._global_search)
        self.search.setMinimumWidth(380)
        spacer = QWidget(self)
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.search_bar.addWidget(spacer)
        self.search_bar.addWidget(self.search)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, self.search_bar)
        self.who = QLabel(self)
        # Sync (issue 7): the loop starts once the window is up, if the clinic syncs.
        self.sync = SyncController(ctx, self)
        self.sync_label = SyncStatusLabel(ctx, self)
        self.sync.sig_status.connect(self.sync_label.show_status)
        self.sync.sig_running.connect(self._sync_running)
        self.sync_label.sig_clicked.connect(self.sync_now)
        self.statusBar().addPermanentWidget(self.sync_label)
        # The outbox's e-mails (issue 9) go from here if this is the sending workstation.
        self.outbox_sender = OutboxSender(ctx, self)
        self.statusBar().addPermanentWidget(self.who)
        self.retranslate()
        self._show_signin(locked=False)

    # -- menus ----------------------------------------------------------------------

    def _build_menus(self) -> None:
        bar = self.menuBar()
        self.file_menu = bar.addMenu("")
        self.go_menu = bar.addMenu("")
        self.help_menu = bar.addMenu("")
        self.act_search = QAction(self)
        self.act_search.setShortcuts([QKeySequence("Ctrl+K"), QKeySequence("F2")])
        self.act_search.triggered.connect(self.focus_search)
        self.act_lock = QAction(self)
        self.act_lock.setShortcut(QKeySequence("Ctrl+L"))
        self.act_lock.triggered.connect(self.lock)
        self.act_signout = QAction(self)
        self.act_signout.setShortcut(QKeySequence("Ctrl+Shift+Q"))
        self.act_signout.triggered.connect(self.sign_out)
        self.act_quit = QAction(self)
        self.act_quit.setShortcut(QKeySequence.StandardKey.Quit)
        self.act_quit.triggered.connect(self.close)
        self.act_about = QAction(self)
        self.act_about.triggered.connect(self._about)
        self.act_sync_now = QAction(self)
        self.act_sync_now.setObjectName("syncNow")
        self.act_sync_now.setShortcut(QKeySequence("F9"))
        self.act_sync_now.triggered.connect(self.sync_now)
        self.act_sync_now.setVisible(False)  # only on a workstation that syncs
        self.act_sync_now.setEnabled(False)
        for act in (self.act_search, self.act_lock, self.act_signout):
            self.file_menu.addAction(act)
        self.file_menu.addSeparator()
        self.file_menu.addAction(self.act_sync_now)
        self.file_menu.addSeparator()
        self.file_menu.addAction(self.act_quit)
        self.help_menu.addAction(self.act_about)

    def retranslate(self) -> None:
        name = str(self.ctx.clinic.setting("clinic.name"))
        self.setWindowTitle(self.tr("{clinic} — ClinicDesk").format(clinic=name[:80]))
        self.file_menu.setTitle(self.tr("&File"))
        self.go_menu.setTitle(self.tr("&Go"))
        self.help_menu.setTitle(self.tr("&Help"))
        self.act_search.setText(self.tr("Find a patient…"))
        self.act_lock.setText(self.tr("Lock screen"))
        self.act_signout.setText(self.tr("Sign out"))
        self.act_quit.setText(self.tr("Quit"))
        self.act_about.setText(self.tr("About ClinicDesk"))
        self.act_sync_now.setText(self.tr("Sync now"))
        self.search.setPlaceholderText(
            self.tr("Find a patient: name, pinyin, phone digits, ID (Ctrl+K / F2)")
        )
        self.signin.retranslate()
        self._rebuild_go_menu()
        self._update_who()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
            if self.nav is not None:
                for row, feature in enumerate(self.features):
                    item = self.nav.item(row)
                    if item is not None:
                        item.setText(feature.label())
        super().changeEvent(event)

    def _rebuild_go_menu(self) -> None:
        self.go_menu.clear()
        for feature in self.features:
            act = QAction(feature.label(), self)
            act.setShortcut(QKeySequence(feature.shortcut))
            act.triggered.connect(lambda _=False, key=feature.key: self.show_feature(key))
            self.go_menu.addAction(act)

    # -- signing in and out, locking -----------------------------------------------------

    def _show_signin(self, *, locked: bool, login: str = "") -> None:
        self.search_bar.setVisible(False)
        self.search.clear()
        self.go_menu.menuAction().setVisible(False)
        for act in (self.act_search, self.act_lock, self.act_signout):
            act.setEnabled(False)
        self.signin.reset(locked=locked, login=login)
        self.stack.setCurrentWidget(self.signin)

    def _signed_in(self, actor: Actor) -> None:
        self.ctx.set_actor(actor)
        self._build_work(actor)
        self.search_bar.setVisible(self.ctx.may(_search_action()))
        self.go_menu.menuAction().setVisible(True)
        for act in (self.act_search, self.act_lock, self.act_signout):
            act.setEnabled(True)
        self.act_search.setEnabled(self.ctx.may(_search_action()))
        self._update_who()
        self.idle.start()
        if actor.must_change_password:
            from clinic_desk.ui.signin.password import ChangePasswordDialog

            # open(), not exec(): window-modal without a nested event loop, so a
            # lock or sign-out can still close it.
            self.password_dialog = ChangePasswordDialog(self.ctx, self, forced=True)
            self.password_dialog.open()
        else:
            # F5: serious complaints escalated to the director, shown at their sign-in.
            from clinic_desk.ui.quality.complaint_dialog import check_escalations

            check_escalations(self.ctx, self)

    def _build_work(self, actor: Actor) -> None:
        """Fresh pages for each sign-in: nothing of the last person's screen remains."""
        if self.work is not None:
            self.stack.removeWidget(self.work)
            self.work.deleteLater()
        self.work = QWidget(self)
        layout = QHBoxLayout(self.work)
        layout.setContentsMargins(0, 0, 0, 0)
        self.nav = QListWidget(self.work)
        self.nav.setObjectName("featureNav")
        self.nav.setFixedWidth(200)
        self.nav.setStyleSheet(
            "QListWidget#featureNav { font-size: 11pt; border: none; }"
            "QListWidget#featureNav::item { padding: 9px 14px; }"
        )
        self.page_stack = QStackedWidget(self.work)
        layout.addWidget(self.nav)
        layout.addWidget(self.page_stack, 1)
        self.features = [f for f in FEATURES if self.ctx.may(f.action)]
        self.pages = {}
        for feature in self.features:
            page = feature.factory(self.ctx)
            page.setObjectName(f"page_{feature.key}")
            opener = getattr(page, "sig_open_feature", None)
            if opener is not None:
                opener.connect(self.open_in_feature)
            self.pages[feature.key] = page
            self.page_stack.addWidget(page)
            item = QListWidgetItem(feature.label())
            item.setToolTip(feature.shortcut)
            self.nav.addItem(item)
        self.nav.currentRowChanged.connect(self.page_stack.setCurrentIndex)
        self.nav.setCurrentRow(0)
        self._rebuild_go_menu()
        self.stack.addWidget(self.work)
        self.stack.setCurrentWidget(self.work)
        del actor

    def show_feature(self, key: str) -> QWidget | None:
        if self.nav is None or key not in self.pages:
            return None
        self.nav.setCurrentRow([f.key for f in self.features].index(key))
        return self.pages[key]

    def open_in_feature(self, key: str, target: object) -> None:
        """A page asks to show something on another page (the desk's "needs attention"
        list opens the calendar on a day, or the patients with one record number)."""
        page = self.show_feature(key)
        if page is None:
            self.statusBar().showMessage(
                self.tr("That screen is not open to your role; ask a colleague who uses it."),
                10_000,
            )
            return
        show_day = getattr(page, "show_day", None)
        find = getattr(page, "find", None)
        if key == "calendar" and isinstance(target, tuple) and show_day is not None:
            show_day(*target)
        elif key == "patients" and isinstance(target, str) and find is not None:
            find(target)
        elif key == "membership" and isinstance(target, tuple):
            open_target = getattr(page, "open_target", None)
            if open_target is not None:
                open_target(*target)

    # -- sync --------------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.sync.start()  # does nothing once started, or on a standalone workstation
        self.outbox_sender.start()

    def sync_now(self) -> None:
        self.sync.sync_now()

    def _sync_running(self, running: bool) -> None:
        self.act_sync_now.setVisible(running)
        self.act_sync_now.setEnabled(running)
        self.sync_label.set_running(running)

    def lock(self) -> None:
        """Hide everything until the same or another staff member signs in."""
        actor = self.ctx.actor
        if actor is None:
            return
        self.idle.stop()
        for widget in QApplication.topLevelWidgets():
            if isinstance(widget, (QDialog, QMessageBox)) and widget.isVisible():
                widget.reject() if isinstance(widget, QDialog) else widget.close()
        if self.work is not None:
            self.stack.removeWidget(self.work)
            self.work.deleteLater()
            self.work = None
            self.pages = {}
        self.ctx.runner.start(staff.sign_out, self.ctx.clinic, actor, reason="lock")
        self.ctx.set_actor(None)
        self._update_who()
        self._show_signin(locked=True, login=actor.login)

    def sign_out(self) -> None:
        actor = self.ctx.actor
        if actor is None:
            return
        self.lock()
        self.signin.reset(locked=False)
        self.sig_signed_out.emit()

    def focus_search(self) -> None:
        if self.ctx.actor is None:
            return
        self.search.setFocus()
        self.search.selectAll()

    def _global_search(self) -> None:
        page = self.show_feature("patients")
        if page is not None and hasattr(page, "find"):
            page.find(self.search.text())

    def _update_who(self) -> None:
        actor = self.ctx.actor
        if actor is None:
            self.who.setText(self.tr("Not signed in"))
            return
        role = actor.role
        label = ROLE_LABELS.get(Role(role), str(role)) if role in set(Role) else str(role)
        from PySide6.QtCore import QCoreApplication

        self.who.setText(
            self.tr("{name} ({role}) · {workstation}").format(
                name=actor.display_name,
                role=QCoreApplication.translate("Roles", label),
                workstation=self.ctx.clinic.workstation,
            )
        )

    def _about(self) -> None:
        from clinic_desk.ui.shell.about import AboutDialog

        self.about_dialog = AboutDialog(self.ctx.clinic.data_dir, self)
        self.about_dialog.open()

    def closeEvent(self, event: QCloseEvent) -> None:
        actor = self.ctx.actor
        if actor is not None:
            self.ctx.runner.start(staff.sign_out, self.ctx.clinic, actor)
        self.idle.stop()
        self.outbox_sender.stop()
        self.ctx.runner.wait(10_000)
        self.sync.stop()  # before the clinic is closed (app.py)
        super().closeEvent(event)


def _search_action() -> Action:
    return Action.PATIENT_SEARCH
