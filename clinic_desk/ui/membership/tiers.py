"""The Tiers tab (spec H1), for the director (MEMBERSHIP_TIERS).

The tiers in their order, named in the interface language, with price, period,
people, benefits and how many memberships use each; a retired tier greyed.
``TierDialog`` edits one: the three names, description, price in yuan (stored
in cents), period, people, colour and benefits (a known benefit ticked, as a
flag or an allowance per month or year; custom benefits with their own label).
Delete is refused by the service once a tier was used; its sentence is shown.
"""

from __future__ import annotations

import uuid
from typing import Any

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QColorDialog,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QVBoxLayout,
    QWidget,
)

from clinic_desk.core.services import membership
from clinic_desk.core.services.base import Changes, Topic, Written
from clinic_desk.ui.context import AppContext
from clinic_desk.ui.i18n import ui_language
from clinic_desk.ui.membership.common import (
    GREY,
    MoneyEdit,
    benefit_text,
    money_error,
    money_text,
    period_text,
    text_color,
    unit_word,
)
from clinic_desk.ui.membership.dialogs import BadInput, MembershipDialog
from clinic_desk.ui.patients.common import ReadOnlyTable, combo_index, full_error_text, tr_code
from clinic_desk.ui.settings.common import MessageLabel, hint_label

COL_NAME = 0
UNITS = ("year", "month")


class BenefitsTable(QTableWidget):
    """One row per known benefit (ticked or not) and per custom benefit."""

    COL_WHAT, COL_KIND, COL_QUOTA, COL_COUNT, COL_UNIT, COL_REMOVE = range(6)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, 6, parent)
        self.setObjectName("tier-benefits")
        self.verticalHeader().hide()
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(self.COL_WHAT, QHeaderView.ResizeMode.Stretch)
        self.keys: list[str] = []
        for key in membership.BENEFITS:
            self._add_row(key)
        self.retranslate()

    def retranslate(self) -> None:
        self.setHorizontalHeaderLabels(
            [self.tr("Benefit"), self.tr("Kind"), self.tr("How many"), self.tr("Every"), "", ""]
        )
        for r, key in enumerate(self.keys):
            what = self.cellWidget(r, self.COL_WHAT)
            if isinstance(what, QCheckBox):
                what.setText(tr_code("Membership", membership.BENEFITS[key]))
            elif isinstance(what, QLineEdit):
                what.setPlaceholderText(self.tr("What the member gets, in your words"))
            kind = self.cellWidget(r, self.COL_KIND)
            if isinstance(kind, QComboBox):
                kind.setItemText(0, self.tr("Included"))
                kind.setItemText(1, self.tr("Allowance"))
            self._units(r)
            remove = self.cellWidget(r, self.COL_REMOVE)
            if isinstance(remove, QPushButton):
                remove.setText(self.tr("Remove"))

    def _units(self, r: int) -> None:
        unit = self.cellWidget(r, self.COL_UNIT)
        count = self.cellWidget(r, self.COL_COUNT)
        if isinstance(unit, QComboBox) and isinstance(count, QSpinBox):
            for i, code in enumerate(UNITS):
                unit.setItemText(i, unit_word(code, count.value()))

    def _add_row(self, key: str, label: str = "") -> int:
        r = self.rowCount()
        self.insertRow(r)
        self.keys.append(key)
        what: QWidget
        if key in membership.BENEFITS:
            what = QCheckBox(self)
            what.setObjectName(f"benefit-{key}")
            what.toggled.connect(lambda _on, row=what: self._enable(self._row_of(row)))
        else:
            what = QLineEdit(label, self)
            what.setMaxLength(membership.MAX_NAME)
        kind = QComboBox(self)
        kind.addItem("", "flag")
        kind.addItem("", "quota")
        kind.currentIndexChanged.connect(lambda _i, row=kind: self._enable(self._row_of(row)))
        quota = QSpinBox(self)
        quota.setRange(0, membership.MAX_QUOTA)
        quota.setValue(1)
        count = QSpinBox(self)
        count.setRange(1, 120)
        unit = QComboBox(self)
        for code in UNITS:
            unit.addItem("", code)
        count.valueChanged.connect(lambda _v, row=count: self._units(self._row_of(row)))
        self.setCellWidget(r, self.COL_WHAT, what)
        self.setCellWidget(r, self.COL_KIND, kind)
        self.setCellWidget(r, self.COL_QUOTA, quota)
        self.setCellWidget(r, self.COL_COUNT, count)
        self.setCellWidget(r, self.COL_UNIT, unit)
        if key not in membership.BENEFITS:
            remove = QPushButton(self)
            remove.clicked.connect(lambda _c=False, row=remove: self._remove(self._row_of(row)))
            self.setCellWidget(r, self.COL_REMOVE, remove)
        self._enable(r)
        return r

    def _row_of(self, widget: QWidget) -> int:
        for r in range(self.rowCount()):
            for c in range(self.columnCount()):
                if self.cellWidget(r, c) is widget:
                    return r
        return -1

    def _remove(self, r: int) -> None:
        if r >= 0:
            self.removeRow(r)
            del self.keys[r]

    def add_custom(self, label: str = "") -> int:
        used = {int(k[7:]) for k in self.keys if k.startswith("custom_") and k[7:].isdigit()}
        n = 1
        while n in used:
            n += 1
        r = self._add_row(f"custom_{n}", label)
        self.retranslate()
        return r

    def _enable(self, r: int) -> None:
        if r < 0:
            return
        what = self.cellWidget(r, self.COL_WHAT)
        on = not isinstance(what, QCheckBox) or what.isChecked()
        kind = self.cellWidget(r, self.COL_KIND)
        quota = isinstance(kind, QComboBox) and kind.currentData() == "quota"
        if isinstance(kind, QComboBox):
            kind.setEnabled(on)
        for c in (self.COL_QUOTA, self.COL_COUNT, self.COL_UNIT):
            w = self.cellWidget(r, c)
            if w is not None:
                w.setEnabled(on and quota)

    def w(self, r: int, c: int) -> Any:
        return self.cellWidget(r, c)

    def row_of_key(self, key: str) -> int:
        return self.keys.index(key) if key in self.keys else -1

    def set_benefit(self, b: membership.BenefitDef) -> None:
        r = self.row_of_key(b.key)
        if r < 0:
            r = self._add_row(b.key, b.label)
        what = self.cellWidget(r, self.COL_WHAT)
        if isinstance(what, QCheckBox):
            what.setChecked(True)
        self.w(r, self.COL_KIND).setCurrentIndex(1 if b.kind == "quota" else 0)
        self.w(r, self.COL_QUOTA).setValue(b.quota)
        self.w(r, self.COL_COUNT).setValue(b.count)
        unit = self.cellWidget(r, self.COL_UNIT)
        if isinstance(unit, QComboBox):
            unit.setCurrentIndex(max(0, combo_index(unit, b.unit)))
        self._enable(r)

    def benefits(self) -> tuple[membership.BenefitDef, ...]:
        out: list[membership.BenefitDef] = []
        for r, key in enumerate(self.keys):
            what = self.cellWidget(r, self.COL_WHAT)
            label = ""
            if isinstance(what, QCheckBox):
                if not what.isChecked():
                    continue
            elif isinstance(what, QLineEdit):
                label = what.text().strip()
            kind = str(self.w(r, self.COL_KIND).currentData())
            quota = kind == "quota"
            out.append(
                membership.BenefitDef(
                    key=key,
                    kind=kind,
                    quota=self.w(r, self.COL_QUOTA).value() if quota else 0,
                    unit=str(self.w(r, self.COL_UNIT).currentData()) if quota else "year",
                    count=self.w(r, self.COL_COUNT).value() if quota else 1,
                    label=label,
                )
            )
        return tuple(out)


class TierDialog(MembershipDialog):
    """Create or edit a tier (the director)."""

    def __init__(
        self,
        ctx: AppContext,
        tier: membership.TierView | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(ctx, parent)
        self.setObjectName("membership-tier")
        self.setMinimumWidth(820)
        self.tier = tier
        self.code = QLineEdit(self)
        self.code.setObjectName("tier-code")
        self.code.setMaxLength(membership.MAX_CODE)
        self.code_row = QLabel(self)
        self.form.addRow(self.code_row, self.code)
        names = QHBoxLayout()
        self.name_zh_cn = QLineEdit(self)
        self.name_zh_cn.setObjectName("tier-name-zh_CN")
        self.name_zh_tw = QLineEdit(self)
        self.name_zh_tw.setObjectName("tier-name-zh_TW")
        self.name_en = QLineEdit(self)
        self.name_en.setObjectName("tier-name-en")
        self.name_labels: list[QLabel] = []
        for edit, tag in (
            (self.name_zh_cn, "简体"),
            (self.name_zh_tw, "繁體"),
            (self.name_en, "EN"),
        ):
            edit.setMaxLength(membership.MAX_NAME)
            tag_label = QLabel(tag, self)
            tag_label.setStyleSheet(f"color: {GREY};")
            names.addWidget(tag_label)
            names.addWidget(edit, 1)
        self.names_row = QLabel(self)
        self.form.addRow(self.names_row, names)
        self.description = QPlainTextEdit(self)
        self.description.setObjectName("tier-description")
        self.description.setTabChangesFocus(True)
        self.description.setMaximumHeight(70)
        self.description_row = QLabel(self)
        self.form.addRow(self.description_row, self.description)
        terms = QHBoxLayout()
        self.price = MoneyEdit(self)
        self.price.setObjectName("tier-price")
        self.period_count = QSpinBox(self)
        self.period_count.setObjectName("tier-period-count")
        self.period_count.setRange(1, 120)
        self.period_unit = QComboBox(self)
        self.period_unit.setObjectName("tier-period-unit")
        for code in UNITS:
            self.period_unit.addItem("", code)
        self.period_count.valueChanged.connect(lambda _v: self._unit_texts())
        self.max_members = QSpinBox(self)
        self.max_members.setObjectName("tier-max-members")
        self.max_members.setRange(1, membership.MAX_MEMBERS)
        self.for_label = QLabel(self)
        self.people_label = QLabel(self)
        terms.addWidget(self.price, 1)
        terms.addWidget(self.for_label)
        terms.addWidget(self.period_count)
        terms.addWidget(self.period_unit)
        terms.addSpacing(16)
        terms.addWidget(self.people_label)
        terms.addWidget(self.max_members)
        self.terms_row = QLabel(self)
        self.form.addRow(self.terms_row, terms)
        colour = QHBoxLayout()
        self.color = QLineEdit(self)
        self.color.setObjectName("tier-color")
        self.color.setMaxLength(9)
        self.color.setPlaceholderText("#1565c0")
        self.color.textChanged.connect(lambda _t: self._swatch())
        self.swatch = QLabel(self)
        self.swatch.setMinimumWidth(120)
        self.pick = QPushButton(self)
        self.pick.clicked.connect(self._pick_color)
        colour.addWidget(self.color)
        colour.addWidget(self.pick)
        colour.addWidget(self.swatch, 1)
        self.color_row = QLabel(self)
        self.form.addRow(self.color_row, colour)
        self.benefits = BenefitsTable(self)
        self.benefits.setMinimumHeight(250)
        self.add_custom = QPushButton(self)
        self.add_custom.setObjectName("tier-add-custom")
        self.add_custom.clicked.connect(lambda: self.benefits.add_custom())
        benefit_box = QVBoxLayout()
        benefit_box.addWidget(self.benefits)
        benefit_box.addWidget(self.add_custom, 0, Qt.AlignmentFlag.AlignLeft)
        self.benefits_row = QLabel(self)
        self.form.addRow(self.benefits_row, benefit_box)
        self.paid_hint = hint_label(self)
        self.paid_hint.setWordWrap(True)
        self.layout_.addWidget(self.paid_hint)
        if tier is not None:
            self.code.setText(tier.code)
            self.name_zh_cn.setText(tier.name_zh_cn)
            self.name_zh_tw.setText(tier.name_zh_tw)
            self.name_en.setText(tier.name_en)
            self.description.setPlainText(tier.description)
            self.price.set_cents(tier.price_cents)
            self.period_count.setValue(tier.period.count)
            self.period_unit.setCurrentIndex(
                max(0, combo_index(self.period_unit, tier.period.unit))
            )
            self.max_members.setValue(tier.max_members)
            self.color.setText(tier.color)
            for b in tier.benefits:
                self.benefits.set_benefit(b)
        self.retranslate()
        self._swatch()
        self.name_zh_cn.setFocus()

    def retranslate(self) -> None:
        if self.tier is None:
            self.setWindowTitle(self.tr("New membership tier"))
        else:
            name = self.tier.name(ui_language())
            self.setWindowTitle(self.tr("Edit tier {name}").format(name=name))
        self.intro.setText(
            self.tr(
                "A tier's name in the three languages, its price and period, how many people "
                "it covers and its benefits: included, or an allowance counted per period."
            )
        )
        self.code_row.setText(self.tr("Code"))
        self.code.setPlaceholderText(self.tr("Short, unique: basic, family…"))
        self.names_row.setText(self.tr("Name"))
        self.description_row.setText(self.tr("Description"))
        self.terms_row.setText(self.tr("Price"))
        self.for_label.setText(self.tr("for"))
        self.people_label.setText(self.tr("People, payer included"))
        self._unit_texts()
        self.color_row.setText(self.tr("Colour"))
        self.pick.setText(self.tr("Choose…"))
        self.benefits_row.setText(self.tr("Benefits"))
        self.add_custom.setText(self.tr("Add a benefit of your own"))
        self.benefits.retranslate()
        self.paid_hint.setText(
            self.tr(
                "Changing the price does not change what existing members paid; it applies "
                "to enrolments and renewals from now on."
            )
        )
        self._swatch()

    def _unit_texts(self) -> None:
        for i, code in enumerate(UNITS):
            self.period_unit.setItemText(i, unit_word(code, self.period_count.value()))

    def _swatch(self) -> None:
        text = self.color.text().strip()
        name = self.name_zh_cn.text() if ui_language() != "en" else self.name_en.text()
        if text and QColor(text).isValid():
            sample = self.tr("Sample")
            self.swatch.setText(f" {name or sample} ")
            self.swatch.setStyleSheet(f"background-color: {text}; color: {text_color(text)};")
        else:
            self.swatch.setText(self.tr("No colour") if not text else self.tr("Not a colour"))
            self.swatch.setStyleSheet(f"color: {GREY};")

    def _pick_color(self) -> None:
        start = QColor(self.color.text().strip() or "#1565c0")
        chosen = QColorDialog.getColor(start, self, self.tr("Tier colour"))
        if chosen.isValid():
            self.color.setText(chosen.name())

    def data(self) -> membership.TierInput:
        cents = self.price.cents()
        if cents is None:
            self.price.setFocus()
            raise BadInput(money_error())
        return membership.TierInput(
            code=self.code.text().strip(),
            name_zh_cn=self.name_zh_cn.text().strip(),
            name_zh_tw=self.name_zh_tw.text().strip(),
            name_en=self.name_en.text().strip(),
            description=self.description.toPlainText().strip(),
            price_cents=cents,
            period_unit=str(self.period_unit.currentData()),
            period_count=self.period_count.value(),
            max_members=self.max_members.value(),
            benefits=self.benefits.benefits(),
            color=self.color.text().strip(),
        )

    def send(self) -> None:
        self.run(membership.save_tier, self.tier.id if self.tier else None, self.data())


class TiersPanel(QWidget):
    """Feature "Membership", tab "Tiers" (the director)."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("membership-tiers")
        self.tiers: list[membership.TierView] = []
        self.loaded = False
        self.loads = 0
        self.dialog: QDialog | None = None
        layout = QVBoxLayout(self)
        self.hint = hint_label(self)
        self.hint.setWordWrap(True)
        layout.addWidget(self.hint)
        self.message = MessageLabel(self)
        self.message.setObjectName("tiers-message")
        layout.addWidget(self.message)
        self.table = ReadOnlyTable(self)
        self.table.setObjectName("tiers-table")
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.table.doubleClicked.connect(lambda _i: self.edit())
        layout.addWidget(self.table, 1)
        actions = QHBoxLayout()
        self.buttons: dict[str, QPushButton] = {}
        for key in ("new", "edit", "up", "down", "retire", "restore", "delete"):
            button = QPushButton(self)
            button.setObjectName(f"tiers-{key}")
            button.clicked.connect(lambda _c=False, k=key: self.act(k))
            self.buttons[key] = button
            actions.addWidget(button)
            if key in ("edit", "down"):
                actions.addSpacing(16)
        actions.addStretch(1)
        layout.addLayout(actions)
        ctx.sig_changes.connect(self._on_changes)
        self.retranslate()

    def retranslate(self) -> None:
        self.hint.setText(
            self.tr(
                "The tiers the desk can sell, in the order shown to them. A tier in use "
                "cannot be deleted: retire it, and its members keep it until they renew or "
                "change."
            )
        )
        labels = {
            "new": self.tr("New tier…"),
            "edit": self.tr("Edit…"),
            "up": self.tr("Move up"),
            "down": self.tr("Move down"),
            "retire": self.tr("Retire"),
            "restore": self.tr("Offer again"),
            "delete": self.tr("Delete…"),
        }
        for key, text in labels.items():
            self.buttons[key].setText(text)
        self.table.set_headers(
            [
                self.tr("Tier"),
                self.tr("Price"),
                self.tr("Period"),
                self.tr("People"),
                self.tr("Benefits"),
                self.tr("In use"),
                self.tr("Offered"),
            ]
        )
        header = self.table.horizontalHeader()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        self._fill()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        if not self.loaded:
            self.reload()

    def reload(self) -> None:
        actor = self.ctx.actor
        if actor is None:
            return
        self.ctx.runner.start(
            membership.list_tiers,
            self.ctx.clinic,
            actor,
            include_retired=True,
            on_success=self._show,
            on_error=lambda e: self.message.show_error(full_error_text(e)),
            owner=self,
        )

    def _show(self, tiers: list[membership.TierView]) -> None:
        self.tiers = list(tiers)
        self.loaded = True
        self.loads += 1
        self._fill()

    def _on_changes(self, changes: Changes) -> None:
        if changes.touches(Topic.MEMBERSHIP) and self.loaded:
            self.reload()

    def _fill(self) -> None:
        lang = ui_language()
        selected = self.table.current_id()
        rows = [
            (
                t.id,
                [
                    t.name(lang),
                    money_text(t.price_cents),
                    period_text(t.period),
                    str(t.max_members),
                    "\n".join(benefit_text(b) for b in t.benefits),
                    str(t.in_use),
                    self.tr("Retired") if t.retired else self.tr("Yes"),
                ],
            )
            for t in self.tiers
        ]
        self.table.blockSignals(True)
        self.table.set_rows(rows)
        for r, t in enumerate(self.tiers):
            for c in range(self.table.columnCount()):
                item = self.table.item(r, c)
                if item is None:
                    continue
                if t.retired:
                    item.setForeground(QColor(GREY))
                elif c == COL_NAME and t.color and QColor(t.color).isValid():
                    item.setBackground(QColor(t.color))
                    item.setForeground(QColor(text_color(t.color)))
                if c == 1:
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
            if t.id == selected:
                self.table.selectRow(r)
        if self.table.currentRow() < 0 and self.tiers:
            self.table.selectRow(0)
        self.table.blockSignals(False)
        self.table.resizeRowsToContents()
        self._selection_changed()

    def selected(self) -> membership.TierView | None:
        chosen = self.table.current_id()
        return next((t for t in self.tiers if t.id == chosen), None)

    def _selection_changed(self) -> None:
        t = self.selected()
        index = self.tiers.index(t) if t is not None else -1
        self.buttons["edit"].setEnabled(t is not None)
        self.buttons["up"].setEnabled(index > 0)
        self.buttons["down"].setEnabled(0 <= index < len(self.tiers) - 1)
        self.buttons["retire"].setEnabled(t is not None and not t.retired)
        self.buttons["restore"].setEnabled(t is not None and t.retired)
        self.buttons["delete"].setEnabled(t is not None)
        if t is not None and t.in_use:
            self.buttons["delete"].setToolTip(
                self.tr("In use by %n membership(s): retire it instead.", "", t.in_use)
            )
        else:
            self.buttons["delete"].setToolTip("")

    def edit(self) -> QDialog | None:
        return self.act("edit")

    def act(self, key: str) -> QDialog | None:
        t = self.selected()
        if key == "new":
            return self._open(TierDialog(self.ctx, None, self))
        if t is None:
            return None
        if key == "edit":
            return self._open(TierDialog(self.ctx, t, self))
        if key == "delete":
            box = QMessageBox(
                QMessageBox.Icon.Question,
                self.tr("Delete tier"),
                self.tr("Delete the tier {name}? This cannot be undone.").format(
                    name=t.name(ui_language())
                ),
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                self,
            )
            box.setObjectName("tiers-delete-confirm")
            box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            tier_id = t.id

            def answered(_result: int) -> None:
                if box.clickedButton() is box.button(QMessageBox.StandardButton.Yes):
                    self.run(membership.delete_tier, tier_id)

            box.finished.connect(answered)
            self.dialog = box
            box.open()
            return box
        elif key == "retire":
            self.run(membership.retire_tier, t.id)
        elif key == "restore":
            self.run(membership.restore_tier, t.id)
        elif key in ("up", "down"):
            self.run(membership.move_tier, t.id, key == "up")
        return None

    def _open(self, dialog: TierDialog) -> QDialog:
        dialog.accepted.connect(lambda: self.message.show_ok(self.tr("Tier saved.")))
        self.dialog = dialog
        return dialog.start()

    def run(self, fn: Any, *args: Any) -> None:
        """A one-click change (retire, restore, delete, move); a refusal as a sentence."""
        actor = self.ctx.actor
        if actor is None:
            return
        self.message.clear()

        def done(written: Written[Any]) -> None:
            self.ctx.broadcast(written.changes)

        self.ctx.runner.start(
            fn,
            self.ctx.clinic,
            actor,
            *args,
            on_success=done,
            on_error=lambda e: self.message.show_error(full_error_text(e)),
            owner=self,
        )

    def tier_by_id(self, tier_id: uuid.UUID) -> membership.TierView | None:
        return next((t for t in self.tiers if t.id == tier_id), None)
