"""The busy clinic of issue 12, built deterministically from a seed in timed steps.

``clinic-desk demo-data --busy-clinic`` and ``bench/gen_dataset.py`` both run
``build_dataset`` (the default size is the issue-12 target: 60,000 patients over 5
years, about 250,000 visits). The build runs in steps, each timed:

1. ``demo``: the demo service's staff, patients, visits and vital signs
   (``demo.generate_demo``; the small demo's service-made extras are left out);
2. ``registry``: the registry columns the demo service does not fill yet
   (issue 4): record numbers like ``2021-000123``, phones in E.164, a second
   phone for some, a resident ID number that passes the GB 11643 checksum for
   about 70%, and a few names written in traditional characters;
3. ``search index``: ``patient_search_key`` from ``patient_search.search_keys_for``,
   bulk-inserted;
4. ``calendar setup`` (issue 5): the 8 demo doctors' profiles and weekly rosters
   (Mon-Sat 08:00-12:00 and 13:30-17:30, varied a little per doctor, one changed
   two years ago), 4 rooms and devices, the 4 default appointment types, through
   the rosters service;
5. ``appointments``: about 300,000 appointments from the first demo day to 8
   weeks after ``TODAY`` (2026-11-02), bulk-inserted: in rostered hours, a doctor
   never booked twice at once (flagged add-ons go over bookings, as the service
   allows), rooms and devices never double-booked; past ones done, no-show or
   cancelled (some late), future ones booked or confirmed; the week containing
   ``TODAY`` and the next about 2,000 each (``bench/bench_calendar.py`` loads the
   first, with the clock at ``now_utc``);
6. ``follow-ups`` (issue 9): the four visit categories the demo's diagnoses never give
   (chronic discharge, post-operative, family planning, inpatient surgery) for 1.5-4% of
   the visits each, and 1.5% more minor operations; the clinic's chronic plan with a
   second call a month later (``CLINIC_PLANS``, saved through the service); each
   finished visit's tasks as the clinic's plans (``followups.DEFAULT_PLANS`` and that
   one) make them, about 400,000 at the default size, ids and due dates as
   ``followups.plan_for_visit_in`` derives them; the past ones mostly done (some late,
   a few closed unreachable, no contact, deceased or opted out), about 300 still open
   overdue and about 150 in their window on ``TODAY``; a call row for each attempt
   (reached ones with the survey for 60%, some spot-checked); patients' contact
   preferences (60% text messages), a few deaths and opt-outs; the week-before
   reminder of each appointment of a patient who prefers text messages, exported in
   the past, queued for the coming week (the 7th day ahead is ``prepare_worklist``'s).

Then ``quality`` (issue 10) and ``membership`` (issue 11: about 3,000 memberships of the
three seed tiers over the years, families, renewals, payments, home-visit uses with a few
overdrafts, care teams; see ``step_membership``). ``run_step`` runs one step on a
dataset built before it (``gen_dataset.py --dir DIR --only membership``).

Everything is deterministic from the seed: the clinic's clock (and the rows' default
timestamps) stand at ``now_utc`` while it is built, and the rows the services make take
their ids from the seed (``store.base.reproducible``), so two builds with the same seed
hold the same rows (only the key, its salts, what they sign and the clinic's random id
differ; ``tests/unit/test_demo_dataset.py``). To add a step, write a function
``(clinic, seed) -> int`` (rows written) and append it to ``STEPS``.

The clinic opens with passphrase ``demo clinic passphrase 2026``; every account's
password is ``demo-pass-1``.
"""

from __future__ import annotations

import bisect
import hashlib
import itertools
import json
import math
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, select, update

from clinic_desk.core.outbox import templates
from clinic_desk.core.rules import honorifics
from clinic_desk.core.rules.id_documents import DocumentKind, gb11643_check_char
from clinic_desk.core.security.keys import KdfParams
from clinic_desk.core.security.permissions import Role
from clinic_desk.core.services import demo, followups, reception, rosters, staff, surveys
from clinic_desk.core.services import patients as patient_service
from clinic_desk.core.services.base import Actor, Clinic
from clinic_desk.core.services.patient_search import search_keys_for
from clinic_desk.core.services.rosters import RosterBlock
from clinic_desk.core.store.base import SYNCED_ROW_NAMESPACE, reproducible
from clinic_desk.core.store.models import (
    Appointment,
    AppointmentType,
    AuditEntry,
    Patient,
    PatientSearchKey,
    Resource,
    Staff,
)
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


# -- issue 5: the calendar (rosters, rooms, appointment types, the appointment book) --------

# The dataset's "today": the demo's visits end the day before its anchor; the anchor
# (2026-11-01) is a Sunday, when the rostered clinic is closed, so today is the next
# working day. ``now_utc`` is "now" for the calendar benchmark: 10:00 that morning.
TODAY = demo.DEFAULT_ANCHOR + timedelta(days=1 if demo.DEFAULT_ANCHOR.weekday() == 6 else 0)
NOW_MINUTE = 10 * 60
APPOINTMENTS_TARGET = 300_000  # issue 5's figure over the 5 years, for FULL_SIZE
FULL_SIZE = (60_000, 5.0)  # patients and years of the issue-12 dataset
BUSY_WEEK_TARGET = 2_000  # appointments shown in the week containing TODAY, 8 doctors
FUTURE_WEEKS = 8  # how far ahead the book reaches
CANCELLED_SHARE = 0.08  # of all rows
LATE_CANCEL_SHARE = 0.35  # of the cancelled: within 24 h of the start
NO_SHOW_SHARE = 0.065  # of the past rows that were not cancelled
ADD_ON_SHARE = 0.02  # 临时加号 on an ordinary day (busy weeks: as many as it takes)
FILL_BUSY = 0.96  # the current and next weeks: almost every minute booked
GAP_MINUTES = (10, 15, 20, 30)  # free time left between bookings on quieter days

# (specialties, description, calendar colour), by demo login; the 8 demo doctors.
_PROFILES = {
    "zhang.wei": ("全科；高血压、糖尿病随访", "主治医师，慢病管理十余年。", "#1e88e5"),
    "li.na": ("儿科；儿童保健、疫苗咨询", "儿科主治医师，周六上午儿保门诊。", "#d81b60"),
    "chen.jianguo": ("内科；心血管、心电图", "副主任医师，擅长冠心病、心律失常。", "#43a047"),
    "liu.fang": ("妇科；孕前孕期保健", "妇科主治医师。", "#8e24aa"),
    "yang.ming": ("中医科；针灸、推拿", "中医师，颈肩腰腿痛的针灸推拿。", "#fb8c00"),
    "zhao.jing": ("皮肤科；湿疹、痤疮", "皮肤科主治医师。", "#00897b"),
    "huang.zhiqiang": ("骨科；运动损伤、康复", "骨科副主任医师，康复评估。", "#6d4c41"),
    "zhou.min": ("耳鼻喉科；过敏性鼻炎", "耳鼻喉科主治医师。", "#3949ab"),
}
# Mon-Sat (morning start, morning end, afternoon start, afternoon end), varied a little;
# ``_SAT_AM_ONLY`` work Saturday mornings only.
_HOURS = {
    "zhang.wei": ("08:00", "12:00", "13:30", "17:30"),
    "li.na": ("08:00", "12:00", "13:30", "17:30"),
    "chen.jianguo": ("07:30", "11:30", "13:30", "17:30"),
    "liu.fang": ("08:30", "12:00", "13:30", "18:00"),
    "yang.ming": ("08:00", "12:00", "14:00", "18:00"),
    "zhao.jing": ("08:00", "12:00", "13:30", "17:00"),
    "huang.zhiqiang": ("08:00", "12:30", "13:30", "17:30"),
    "zhou.min": ("08:00", "12:00", "13:30", "17:30"),
}
_SAT_AM_ONLY = frozenset({"liu.fang", "zhao.jing"})
# A roster that changed: zhou.min's afternoons ended at 17:00 until this day.
_ROSTER_CHANGE = ("zhou.min", "17:00", TODAY - timedelta(days=2 * 365))
_RESOURCES = (
    ("room", "体检室", "二楼，体检与心电图"),
    ("room", "治疗室", "一楼，换药、针灸、推拿"),
    ("device", "心电图机", "十二导联"),
    ("device", "B超机", "便携式彩超"),
)
# Default appointment type (English name, as stored) -> share on ordinary / busy days.
_TYPE_MIX = {
    "General consult": (0.45, 0.45),
    "Follow-up visit": (0.30, 0.40),
    "Specialist consult": (0.15, 0.10),
    "Physical exam": (0.10, 0.05),
}
_PURPOSES = {
    "General consult": ("感冒", "咳嗽", "发热", "头痛", "腹泻", "咽痛", "皮疹"),
    "Follow-up visit": ("复诊", "血压复查", "血糖复查", "取药", "看化验结果"),
    "Specialist consult": ("专家门诊", "会诊", "康复评估"),
    "Physical exam": ("年度体检", "入职体检", "老年人体检"),
}
_CHANNELS = ("phone", "online", "on_site", "referral", "free_clinic")
_CHANNEL_CUM = tuple(itertools.accumulate((0.42, 0.33, 0.17, 0.05, 0.03)))
_CANCEL_REASONS = ("患者电话取消", "时间冲突", "病情好转", "改约其他时间", "")
_APPT_COLUMNS = (
    "id created_at updated_at deleted_at patient_id doctor_id type_id starts_at ends_at status "
    "channel purpose notes add_on series_id series_day on_holiday identity_checked_at "
    "identity_checked_by booked_by override_reason confirmed_at arrived_at started_at "
    "finished_at cancelled_at cancelled_by cancel_reason late_cancel no_show_at moved_from_id"
).split()
CALENDAR_FACTS: dict[str, object] = {}  # filled by step_appointments, printed by main


def now_utc(clinic: Clinic) -> datetime:
    """The calendar benchmark's "now": TODAY at 10:00 in the clinic's time zone."""
    local = datetime.combine(TODAY, datetime.min.time(), clinic.timezone())
    return (local + timedelta(minutes=NOW_MINUTE)).astimezone(UTC)


def week_of(day: date) -> tuple[date, date]:
    """Monday and Sunday of the week containing ``day``."""
    monday = day - timedelta(days=day.weekday())
    return monday, monday + timedelta(days=6)


def _director(clinic: Clinic) -> Actor:
    return staff.sign_in(clinic, demo.DEMO_DIRECTOR_LOGIN, demo.DEMO_PASSWORD)


def _doctor_ids(clinic: Clinic) -> dict[str, uuid.UUID]:
    with clinic.store.unit_of_work(write=False) as uow:
        rows = uow.session.execute(
            select(Staff.login, Staff.id).where(Staff.login.in_(list(_PROFILES)))
        ).all()
    return {login: sid for login, sid in rows}


def _blocks(hours: tuple[str, str, str, str], saturday_am_only: bool) -> list[RosterBlock]:
    am_start, am_end, pm_start, pm_end = (rosters.parse_clock(h) for h in hours)
    blocks = []
    for weekday in range(6):
        blocks.append(RosterBlock(weekday, am_start, am_end))
        if not (weekday == 5 and saturday_am_only):
            blocks.append(RosterBlock(weekday, pm_start, pm_end))
    return blocks


def step_calendar_setup(clinic: Clinic, seed: int) -> int:
    """Doctor profiles, weekly rosters (one changed two years ago), 4 rooms and devices,
    and the 4 default appointment types, through the services (a few dozen rows)."""
    del seed  # fixed tables
    actor = _director(clinic)
    doctors = _doctor_ids(clinic)
    written = 0
    for login, (specialties, description, color) in _PROFILES.items():
        rosters.set_doctor_profile(
            clinic,
            actor,
            doctors[login],
            specialties=specialties,
            description=description,
            color=color,
        )
        written += 1
        hours = _HOURS[login]
        if login == _ROSTER_CHANGE[0]:
            old = (*hours[:3], _ROSTER_CHANGE[1])
            rosters.set_weekly_roster(
                clinic, actor, doctors[login], _blocks(old, login in _SAT_AM_ONLY)
            )
        roster = rosters.set_weekly_roster(
            clinic,
            actor,
            doctors[login],
            _blocks(hours, login in _SAT_AM_ONLY),
            valid_from=_ROSTER_CHANGE[2] if login == _ROSTER_CHANGE[0] else None,
        )
        written += len(roster.value.blocks)
    for kind, name, description in _RESOURCES:
        rosters.add_resource(clinic, actor, kind=kind, name=name, description=description)
        written += 1
    rosters.ensure_default_types(clinic)  # already run at open; idempotent
    return written + len(rosters.list_appointment_types(clinic, actor))


def _first_day(clinic: Clinic) -> date:
    """The demo's first day, from its audit entry (the generated period)."""
    with clinic.store.unit_of_work(write=False) as uow:
        detail = uow.session.execute(
            select(AuditEntry.detail)
            .where(AuditEntry.action == "demo.generate")
            .order_by(AuditEntry.seq.desc())
            .limit(1)
        ).scalar_one_or_none()
    if detail:
        return date.fromisoformat(json.loads(detail)["first_day"])
    return TODAY - timedelta(days=round(5 * 365.25))


_NOON = timedelta(hours=12)


def _between(r: random.Random, lo: int, hi: int) -> int:
    """``r.randint(lo, hi)`` at a fraction of its cost (300,000 rows draw a dozen each)."""
    return lo + int(r.random() * (hi - lo + 1))


class _Book:
    """Draws one doctor-day of appointments at a time; every row in stored form."""

    def __init__(self, clinic: Clinic, seed: int, doctors: list[uuid.UUID]) -> None:
        self.rng = random.Random(f"gen-dataset-appointments:{seed}")
        self.ids = random.Random(f"gen-dataset-appointment-ids:{seed}")
        self.tz = clinic.timezone()
        self.now = now_utc(clinic).replace(tzinfo=None)  # naive UTC, like the rows
        self.doctors = doctors
        with clinic.store.unit_of_work(write=False) as uow:
            s = uow.session
            self.desk = list(
                s.execute(select(Staff.id).where(Staff.role == Role.RECEPTIONIST.value)).scalars()
            )
            types = s.execute(
                select(
                    AppointmentType.name, AppointmentType.id, AppointmentType.default_minutes
                ).where(AppointmentType.deleted_at.is_(None))
            ).all()
            self.resources = dict(s.execute(select(Resource.name, Resource.id)).all())
            # Bookings already there (the demo books a few days from the real today):
            # their times stay the doctor's, so nothing here overlaps them.
            existing = s.execute(
                select(Appointment.doctor_id, Appointment.starts_at, Appointment.ends_at).where(
                    Appointment.deleted_at.is_(None),
                    Appointment.status.not_in(("cancelled", "no_show")),
                    Appointment.add_on.is_(False),
                )
            ).all()
            patients = s.execute(
                select(Patient.id, Patient.created_at)
                .where(Patient.deleted_at.is_(None), Patient.merged_into.is_(None))
                .order_by(Patient.created_at, Patient.id)
            ).all()
        self.types = {name: (tid.hex, minutes) for name, tid, minutes in types}
        self.type_names = [n for n in _TYPE_MIX if n in self.types]
        self.type_cum = [
            tuple(itertools.accumulate(_TYPE_MIX[n][busy] for n in self.type_names))
            for busy in (0, 1)
        ]
        self.mean_minutes = [
            sum(_TYPE_MIX[n][busy] * self.types[n][1] for n in self.type_names)
            / self.type_cum[busy][-1]
            for busy in (0, 1)
        ]
        # Each patient mostly sees one doctor (their panel), sometimes another.
        self.all_ids = [p.hex for p, _ in patients]
        self.all_created = [c.replace(tzinfo=None) for _, c in patients]
        panel_rng = random.Random(f"gen-dataset-panels:{seed}")
        self.panel_ids: list[list[str]] = [[] for _ in doctors]
        self.panel_created: list[list[datetime]] = [[] for _ in doctors]
        for pid, created in zip(self.all_ids, self.all_created, strict=True):
            k = panel_rng.randrange(len(doctors))
            self.panel_ids[k].append(pid)
            self.panel_created[k].append(created)
        index = {d: k for k, d in enumerate(doctors)}
        self.existing: dict[tuple[int, date], list[tuple[int, int]]] = {}
        for doctor, starts, ends in existing:
            if doctor in index:
                local_start, local_end = starts.astimezone(self.tz), ends.astimezone(self.tz)
                self.existing.setdefault((index[doctor], local_start.date()), []).append(
                    (
                        local_start.hour * 60 + local_start.minute,
                        local_end.hour * 60 + local_end.minute + (local_end.second > 0),
                    )
                )
        self.rows: list[tuple[object, ...]] = []
        self.holds: list[tuple[str, str, str, str, int]] = []
        self.held: dict[tuple[str, date], list[tuple[int, int]]] = {}
        self.bases: dict[date, datetime] = {}

    def _patient(self, k: int, at: datetime) -> str | None:
        ids, created = (
            (self.panel_ids[k], self.panel_created[k])
            if self.rng.random() < 0.75
            else (self.all_ids, self.all_created)
        )
        bound = bisect.bisect_right(created, at)
        return ids[int(self.rng.random() * bound)] if bound else None

    def _type(self, busy: bool, room: int) -> str | None:
        cum = self.type_cum[busy]
        name = self.type_names[bisect.bisect_right(cum, self.rng.random() * cum[-1])]
        if self.types[name][1] > room:
            fitting = [n for n in self.type_names if self.types[n][1] <= room]
            return min(fitting, key=lambda n: self.types[n][1]) if fitting else None
        return name

    def _utc(self, day: date, minute: int) -> datetime:
        # The day's UTC offset at noon: right for clinic hours even on a DST day.
        base = self.bases.get(day)
        if base is None:
            noon = datetime(day.year, day.month, day.day, 12, tzinfo=self.tz)
            base = self.bases[day] = noon.astimezone(UTC).replace(tzinfo=None) - _NOON
        return base + timedelta(minutes=minute)

    def day(
        self,
        k: int,
        day: date,
        spans: list[tuple[int, int]],
        regular: float,
        busy: bool,
        add_ons: int,
    ) -> int:
        """Book doctor ``k`` on ``day``: about ``regular`` bookings that never overlap,
        then ``add_ons`` flagged add-ons over them and the cancelled rows."""
        r = self.rng
        minutes = sum(e - s for s, e in spans)
        mean = self.mean_minutes[busy]
        gap = sum(GAP_MINUTES) / len(GAP_MINUTES)
        if busy:
            fill = FILL_BUSY
        elif regular * mean >= minutes:
            fill = 1.0
        else:  # expected bookings = fill*M / (fill*mean + (1-fill)*gap)
            fill = regular * gap / (minutes - regular * mean + regular * gap)
        made = 0
        taken = self.existing.get((k, day), ())
        for start, end in spans:
            t = start
            while t < end:
                if r.random() >= fill:
                    t += r.choice(GAP_MINUTES)
                    continue
                name = self._type(busy, end - t)
                if name is None:
                    break
                length = self.types[name][1]
                clash = next((e for s, e in taken if s < t + length and t < e), None)
                if clash is not None:
                    t = clash
                    continue
                made += self._row(k, day, t, length, name, add_on=False, cancelled=False)
                t += length
        for _ in range(add_ons):
            start, end = spans[int(r.random() * len(spans))]
            t = r.randrange(start, end - 10 + 1, 5)
            made += self._row(k, day, t, 10, "Follow-up visit", add_on=True, cancelled=False)
        cancelled = sum(r.random() < CANCELLED_SHARE / (1 - CANCELLED_SHARE) for _ in range(made))
        for _ in range(cancelled):
            start, end = spans[int(r.random() * len(spans))]
            name = self._type(busy, end - start) or "Follow-up visit"
            length = self.types[name][1]
            t = start + r.randrange(0, max(1, end - start - length + 1), 5)
            made += self._row(k, day, t, length, name, add_on=False, cancelled=True)
        return made

    def _row(
        self,
        k: int,
        day: date,
        minute: int,
        length: int,
        type_name: str,
        *,
        add_on: bool,
        cancelled: bool,
    ) -> int:
        r = self.rng
        starts = self._utc(day, minute)
        ends = starts + timedelta(minutes=length)
        channel = _CHANNELS[bisect.bisect_right(_CHANNEL_CUM, r.random() * _CHANNEL_CUM[-1])]
        if add_on or channel == "on_site":
            lead = timedelta(minutes=_between(r, 5, 180))
        elif channel == "free_clinic":
            lead = timedelta(days=r.uniform(1, 30))
        else:
            lead = timedelta(days=min(r.expovariate(1 / 3.0), 28), minutes=_between(r, 10, 600))
        created = min(starts - lead, self.now - timedelta(minutes=_between(r, 1, 600)))
        patient = self._patient(k, created)
        if patient is None:
            return 0
        desk = r.choice(self.desk) if self.desk and channel != "online" else None
        desk_hex = desk.hex if desk else None
        status, updated = "booked", created
        confirmed = arrived = started = finished = cancelled_at = no_show = checked = None
        late = False
        reason = ""
        if cancelled:
            status = "cancelled"
            if r.random() < LATE_CANCEL_SHARE:
                cancelled_at = starts - timedelta(minutes=_between(r, 30, 24 * 60))
                late = True
            else:
                cancelled_at = starts - timedelta(days=r.uniform(1, 10))
            cancelled_at = min(max(cancelled_at, created + timedelta(minutes=1)), self.now)
            updated = cancelled_at
            reason = r.choice(_CANCEL_REASONS)
        elif ends <= self.now:  # past
            if r.random() < NO_SHOW_SHARE:
                status, no_show = "no_show", starts + timedelta(minutes=30)
                updated = no_show
            else:
                status = "done"
                arrived = starts - timedelta(minutes=_between(r, 0, 20))
                started = starts + timedelta(minutes=_between(r, 0, 15))
                finished = started + timedelta(minutes=length + _between(r, -3, 5))
                checked, updated = arrived, finished
        elif starts <= self.now:  # going on now
            status = "in_consultation"
            arrived = starts - timedelta(minutes=_between(r, 0, 20))
            started = starts + timedelta(minutes=_between(r, 0, 5))
            checked, updated = arrived, started
        elif starts - self.now < timedelta(minutes=30) and r.random() < 0.5:
            status, arrived = "arrived", self.now - timedelta(minutes=_between(r, 0, 15))
            checked, updated = arrived, arrived
        if status != "cancelled" and (status != "booked" or starts - self.now < timedelta(days=2)):
            if r.random() < (0.7 if status == "booked" else 0.6):
                confirmed = max(created, starts - timedelta(hours=_between(r, 2, 30)))
                if confirmed <= self.now:
                    status = "confirmed" if status == "booked" else status
                else:
                    confirmed = None
        purpose = r.choice(_PURPOSES[type_name]) if r.random() < 0.6 else ""
        row_id = demo._uuid7(self.ids, created.replace(tzinfo=UTC)).hex

        def t(moment: datetime | None) -> str | None:
            return None if moment is None else moment.isoformat(" ", "microseconds")

        self.rows.append((
            row_id, t(created), t(updated), None, patient, self.doctors[k].hex,
            self.types[type_name][0], t(starts), t(ends), status, channel, purpose, "",
            int(add_on), None, None, 0, t(checked), desk_hex if checked else None, desk_hex,
            "", t(confirmed), t(arrived), t(started), t(finished), t(cancelled_at),
            desk_hex if cancelled_at else None, reason, int(late), t(no_show), None,
        ))  # fmt: skip
        if not add_on and type_name in ("Physical exam", "Specialist consult"):
            self._hold(row_id, day, minute, length, starts, ends, type_name, cancelled)
        return 1

    def _hold(
        self,
        row_id: str,
        day: date,
        minute: int,
        length: int,
        starts: datetime,
        ends: datetime,
        type_name: str,
        cancelled: bool,
    ) -> None:
        """Rooms and devices: an exam takes the exam room (and the ECG or the
        ultrasound now and then), a specialist visit now and then the treatment room;
        each only when free, so no resource is double-booked either."""
        wanted = ["体检室"] if type_name == "Physical exam" else []
        if type_name == "Physical exam" and self.rng.random() < 0.4:
            wanted.append(self.rng.choice(("心电图机", "B超机")))
        if type_name == "Specialist consult" and self.rng.random() < 0.3:
            wanted.append("治疗室")
        for name in wanted:
            rid = self.resources.get(name)
            if rid is None:
                continue
            taken = self.held.setdefault((name, day), [])
            end = minute + length
            if not cancelled:
                if any(s < end and minute < e for s, e in taken):
                    continue
                taken.append((minute, end))
            self.holds.append((
                row_id, rid.hex, starts.isoformat(" ", "microseconds"),
                ends.isoformat(" ", "microseconds"), int(not cancelled),
            ))  # fmt: skip


def _weight(rng: random.Random, day: date, popularity: float) -> float:
    """How busy an ordinary day is: weekday, season (winter colds), noise."""
    weekday = (1.15, 1.05, 1.0, 1.0, 1.0, 0.9, 0.6)[day.weekday()]
    season = 1.0 + 0.12 * math.cos(2 * math.pi * (day.timetuple().tm_yday - 15) / 365.25)
    return weekday * season * popularity * rng.uniform(0.8, 1.2)


def step_appointments(clinic: Clinic, seed: int) -> int:
    """About 300,000 appointments (at ``FULL_SIZE``; in proportion to the patients and
    years otherwise) from the first demo day to FUTURE_WEEKS ahead, in
    rostered hours, never two bookings of a doctor at once (add-ons, flagged, go over
    them as the service allows); the current and next weeks nearly full."""
    logins = list(_PROFILES)
    by_login = _doctor_ids(clinic)
    doctors = [by_login[login] for login in logins]
    book = _Book(clinic, seed, doctors)
    rng = random.Random(f"gen-dataset-book:{seed}")
    first_day = _first_day(clinic)
    busy_first, _ = week_of(TODAY)
    busy_last = busy_first + timedelta(days=13)
    last_day = busy_first + timedelta(days=7 * FUTURE_WEEKS - 1)
    # Working time and closed days through the services, a year at a time.
    spans: dict[tuple[uuid.UUID, date], list[tuple[int, int]]] = {}
    closed: set[date] = set()
    chunk = first_day
    while chunk <= last_day:
        chunk_end = min(chunk + timedelta(days=365), last_day)
        spans.update(rosters.working_spans_range(clinic, doctors, chunk, chunk_end))
        closed.update(d.day for d in rosters.calendar_days(clinic, chunk, chunk_end) if d.closed)
        chunk = chunk_end + timedelta(days=1)
    popularity = [rng.uniform(0.8, 1.2) for _ in doctors]
    days = [first_day + timedelta(days=i) for i in range((last_day - first_day).days + 1)]
    plan: list[tuple[int, date, list[tuple[int, int]], float]] = []
    past_weight = 0.0
    for day in days:
        if day in closed:
            continue
        for k, doctor in enumerate(doctors):
            worked = spans.get((doctor, day), [])
            if worked:
                w = _weight(rng, day, popularity[k])
                plan.append((k, day, worked, w))
                past_weight += w if day < busy_first else 0.0
    # Busy weeks: full, then add-ons up to the target; later weeks fewer and fewer.
    busy_days = sum(1 for _, d, _, _ in plan if busy_first <= d <= busy_last)
    busy_regular = (
        sum(sum(e - s for s, e in sp) for _, d, sp, _ in plan if busy_first <= d <= busy_last)
        / book.mean_minutes[1]
        * FILL_BUSY
        * 0.97
    )
    add_ons_per_day = max(0.0, (2 * BUSY_WEEK_TARGET - busy_regular) / max(busy_days, 1))
    future_estimate = 2 * BUSY_WEEK_TARGET / (1 - CANCELLED_SHARE) + sum(
        25 * 0.6 * 0.65 ** ((d - busy_first).days // 7 - 2) for _, d, _, _ in plan if d > busy_last
    )
    # A smaller clinic or fewer years: fewer past bookings, in proportion.
    with clinic.store.unit_of_work(write=False) as uow:
        patients = int(uow.scalar(select(func.count()).select_from(Patient)) or 0)
    years = (busy_first - first_day).days / 365.25
    wanted = APPOINTMENTS_TARGET * patients / FULL_SIZE[0] * years / FULL_SIZE[1]
    # (The busy weeks are full at any size: a small clinic's past keeps half its share.)
    per_weight = max(wanted / 2, wanted - future_estimate) * (1 - CANCELLED_SHARE)
    per_weight /= max(past_weight, 1e-9)
    written = 0
    week_counts: dict[date, int] = {}
    with clinic.store.unit_of_work(write=True) as uow:
        conn = uow.session.connection()
        conn.exec_driver_sql(f"PRAGMA cache_size = -{BULK_CACHE_KIB}")
        sql = (
            f"INSERT INTO appointment ({', '.join(_APPT_COLUMNS)}) "
            f"VALUES ({', '.join('?' for _ in _APPT_COLUMNS)})"
        )
        for k, day, worked, w in plan:
            if day < busy_first:
                target = w * per_weight
                extra = sum(rng.random() < ADD_ON_SHARE for _ in range(round(target)))
                made = book.day(k, day, worked, target, False, extra)
            elif day <= busy_last:
                extra = int(add_ons_per_day) + (rng.random() < add_ons_per_day % 1)
                made = book.day(k, day, worked, 0, True, extra)
            else:
                share = 0.6 * 0.65 ** ((day - busy_first).days // 7 - 2)
                made = book.day(k, day, worked, 25 * share * w, False, 0)
            week_counts[week_of(day)[0]] = week_counts.get(week_of(day)[0], 0) + made
            if len(book.rows) >= BATCH:
                conn.exec_driver_sql(sql, book.rows)
                written += len(book.rows)
                book.rows.clear()
        if book.rows:
            conn.exec_driver_sql(sql, book.rows)
            written += len(book.rows)
            book.rows.clear()
        conn.exec_driver_sql(
            "INSERT INTO appointment_resource "
            "(appointment_id, resource_id, starts_at, ends_at, active) VALUES (?, ?, ?, ?, ?)",
            book.holds,
        )
        uow.commit()
    CALENDAR_FACTS.update(
        first_day=first_day,
        last_day=last_day,
        today=TODAY,
        appointments=written,
        resource_holds=len(book.holds),
        this_week=week_counts.get(busy_first, 0),
        next_week=week_counts.get(busy_first + timedelta(days=7), 0),
    )
    return written + len(book.holds)


# -- issue 9: follow-up tasks and their calls, and the reminder outbox --------------------

# The demo's diagnoses never give the first four categories: a share of all visits moves
# to each from the category it refines (a chronic patient discharged; a check after an
# operation done elsewhere; family planning, women only; an inpatient operation). The
# busy clinic's treatment room also does more minor operations (wound care, abscesses,
# ingrown nails) than the demo's diagnoses give.
_RECATEGORISE = (
    ("chronic_discharge", 0.02, "chronic", ""),
    ("post_operative", 0.04, "other", ""),
    ("family_planning", 0.015, "other", "F"),
    ("inpatient_surgery", 0.02, "other_treatment", ""),
    ("outpatient_surgery", 0.015, "other", ""),
)
# The clinic's own plans (E1, saved through the service before the tasks are made): a
# chronic visit's call after 3 days, then, as the public health service's chronic care
# asks, a check a month later (medicines taken, blood pressure or sugar at home).
CLINIC_PLANS: dict[str, tuple[followups.PlanStep, ...]] = {
    "chronic": (
        *followups.DEFAULT_PLANS["chronic"],
        followups.PlanStep(30, 7, "phone", "customer_service", checks_previous=True),
    ),
}
DONE_SHARE = 0.92  # tasks whose window closed before TODAY: done, some of them late
LATE_SHARE = 0.12  # of the done: after the window closed
REFUSED_SHARE = 0.01  # of the done: the patient would not talk (recorded, done)
WRONG_NUMBER_SHARE = 0.15  # of the not done: closed no_contact; the rest unreachable
OVERDUE_OPEN = 0.12  # tasks whose window closed yesterday and are still open; fewer
OVERDUE_DECAY = 0.85  # each day further back (about 300 overdue in all)
IN_WINDOW_DAILY = 0.75  # tasks in their window: the share of those still open done each day
MORNING = 1 / 6  # of TODAY's working day gone by now_utc (10:00): its first calls are made
NO_ANSWER_FIRST = 0.15  # done calls that took no-answer attempts first
SATISFACTION_SHARE = 0.60  # reached calls where the patient answered the survey
SPOT_CHECK_SHARE = 0.05  # reached calls a supervisor checked (抽查, E6)
DECEASED_SHARE = 0.03  # of the patients 75 and older, with no visit since
OPT_OUT_SHARE = 0.01  # asked for no calls from some day; a third for no messages either
SMS_SHARE = 0.60  # prefer text messages: the appointment reminders go to them
CALL_ONLY_SHARE = 0.30  # said "call my mobile" and nothing else; the rest said nothing
WORK_MINUTES = (8 * 60 + 30, 17 * 60 + 30)  # when calls are made, local time
MESSAGE_MINUTE = 8 * 60  # the reminders go out at 08:00 local (outbox.send_from)
_SCORES = (5, 5, 5, 5, 4, 4, 4, 3, 2)
_RECOVERY = ("recovered", "improving", "improving", "unchanged", "worse")
_ADHERENCE = ("as_prescribed", "as_prescribed", "as_prescribed", "sometimes_missed", "stopped")
_MEDICINE_PLANS = frozenset({"chronic", "chronic_discharge"})  # calls that ask about them
_OPEN_ANSWERS = ("医生很耐心，讲得很清楚", "候诊时间有点长", "护士态度很好", "希望停车方便些")
_SUGGESTIONS = ("希望增加周末门诊", "建议药房多开一个窗口", "希望能在网上查化验结果")
_TASK_COLUMNS = (
    "id created_at updated_at deleted_at patient_id kind source_id plan_category step_no "
    "level channel caller_role assignee_id doctor_id department title checks_previous "
    "due_from due_by status close_reason close_note attempts next_try_at last_outcome "
    "done_at done_by created_by"
).split()
_CALL_COLUMNS = (
    "id created_at updated_at deleted_at task_id patient_id caller_id called_at channel "
    "department outcome recovery adherence satisfaction open_answer suggestions notes "
    "previous_levels check_at check_by check_rating check_note scored_answers satisfied_answers"
).split()
_MESSAGE_COLUMNS = (
    "id created_at updated_at deleted_at patient_id channel address purpose template_code "
    "subject body source_id campaign_id not_before state attempts last_error next_try_at "
    "sent_at gateway batch created_by"
).split()
FOLLOWUP_FACTS: dict[str, Any] = {}  # filled by step_followups, printed by main
_NAMESPACE_BYTES = SYNCED_ROW_NAMESPACE.bytes


def _text(moment: datetime | None) -> str | None:
    """A naive UTC moment as a ``UTCDateTime`` column stores it."""
    return None if moment is None else moment.isoformat(" ", "microseconds")


def _uuid5_hex(name: str) -> str:
    """``uuid.uuid5(SYNCED_ROW_NAMESPACE, name).hex`` without the UUID objects (a million
    of them cost seconds here); ``step_followups`` checks it against the service's ids."""
    digest = bytearray(hashlib.sha1(_NAMESPACE_BYTES + name.encode()).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x50
    digest[8] = (digest[8] & 0x3F) | 0x80
    return digest.hex()


def _dashed(hex_id: str) -> str:
    """``str(uuid.UUID(hex_id))``: the form the derived ids' names are made of."""
    return f"{hex_id[:8]}-{hex_id[8:12]}-{hex_id[12:16]}-{hex_id[16:20]}-{hex_id[20:]}"


def _insert(table: str, columns: list[str]) -> str:
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"


class _Person:
    """A patient as the follow-up step sees them, and what it decides for them."""

    __slots__ = (
        "birth", "channels", "death_noted", "deceased_on", "family", "given", "honorific",
        "id", "opt_out_at", "opt_out_messages", "phone", "sex",
    )  # fmt: skip

    def __init__(
        self, pid: str, family: str, given: str, sex: str, birth: str | None, phone: str
    ) -> None:
        self.id, self.family, self.given, self.sex, self.phone = pid, family, given, sex, phone
        self.birth = date.fromisoformat(birth) if birth else None
        self.channels = ""
        self.deceased_on: date | None = None
        self.death_noted: datetime | None = None  # when the desk recorded it (naive UTC)
        self.opt_out_at: datetime | None = None
        self.opt_out_messages = False
        self.honorific = ""


class _Followups:
    """Each finished visit's plan tasks as the service makes them (``plan_for_visit_in``),
    each lived through to TODAY (done on time or late, unreachable, still open) with its
    calls; rows in stored form, flushed in batches."""

    def __init__(
        self,
        clinic: Clinic,
        seed: int,
        conn: Any,
        plans: dict[str, tuple[tuple[followups.PlanStep, ...], bool]],
    ) -> None:
        self.rng = random.Random(f"gen-dataset-followups:{seed}")
        self.ids = random.Random(f"gen-dataset-followup-ids:{seed}")
        self.conn = conn
        self.tz = clinic.timezone()
        self.now = now_utc(clinic).replace(tzinfo=None)  # naive UTC, like the rows
        self.percent = int(clinic.setting("followup.random_sample_percent"))
        self.plans = plans  # category -> its steps and whether the plan is on
        self.rule = str(clinic.setting("followup.closed_day_rule"))
        self.retry = timedelta(hours=int(clinic.setting("followup.retry_hours")))
        self.max_attempts = int(clinic.setting("followup.max_attempts"))
        self.closed: frozenset[date] = frozenset()
        self.callers: dict[str, list[str]] = {}  # caller role -> staff ids (hex)
        self.supervisor = ""
        self.bases: dict[date, datetime] = {}
        self.tasks: list[tuple[object, ...]] = []
        self.calls: list[tuple[object, ...]] = []
        self.written = {"tasks": 0, "calls": 0}
        self.facts: dict[str, int] = {}

    # -- time ------------------------------------------------------------------------

    def utc(self, day: date, minute: int) -> datetime:
        """Local ``day`` at ``minute``, as naive UTC (the day's offset at noon)."""
        base = self.bases.get(day)
        if base is None:
            noon = datetime(day.year, day.month, day.day, 12, tzinfo=self.tz)
            base = self.bases[day] = noon.astimezone(UTC).replace(tzinfo=None) - _NOON
        return base + timedelta(minutes=minute)

    def local_day(self, moment: datetime) -> date:
        return moment.replace(tzinfo=UTC).astimezone(self.tz).date()

    def work_time(self, day: date, after: datetime) -> datetime:
        """A moment in working hours on ``day``, after ``after`` and before now."""
        moment = self.utc(day, _between(self.rng, *WORK_MINUTES))
        if moment <= after:
            moment = after + timedelta(minutes=_between(self.rng, 5, 120))
        return min(moment, self.now - timedelta(minutes=_between(self.rng, 1, 30)))

    def _count(self, key: str) -> None:
        self.facts[key] = self.facts.get(key, 0) + 1

    # -- one visit -------------------------------------------------------------------

    def visit(
        self,
        visit_id: str,
        person: _Person,
        doctor: str | None,
        department: str,
        category: str,
        finished: datetime,
        finished_text: str,
    ) -> None:
        source = _dashed(visit_id)
        if category in followups.SAMPLED_CATEGORIES and not self.sampled(source):
            return
        day = self.local_day(finished)
        steps, active = self.plans.get(category, ((), False))
        if not active:
            return
        for step_no, step in enumerate(steps):
            calls = step.channel in followups.CALL_CHANNELS
            if person.opt_out_at is not None and finished >= person.opt_out_at:
                if calls or person.opt_out_messages:
                    continue  # an opted-out patient gets no such task
            start = day + timedelta(days=step.after_days)
            due_from = followups._move(start, self.closed, self.rule, day)
            due_by = followups._move(
                start + timedelta(days=step.within_days), self.closed, self.rule, day
            )
            self._task(
                _uuid5_hex(f"followup:{source}:{category}:{step_no}"),
                person,
                visit_id,
                category,
                step_no,
                step,
                doctor,
                department,
                due_from,
                max(due_by, due_from),
                finished,
                finished_text,
            )

    def sampled(self, source: str) -> bool:
        """``followups.is_sampled`` on the dashed text of the visit id."""
        return int(_uuid5_hex(f"sample:{source}")[:8], 16) % 100 < self.percent

    def _task(
        self,
        task_id: str,
        person: _Person,
        source: str,
        category: str,
        step_no: int,
        step: Any,
        doctor: str | None,
        department: str,
        due_from: date,
        due_by: date,
        created: datetime,
        created_text: str,
    ) -> None:
        r = self.rng
        calls = step.channel in followups.CALL_CHANNELS
        assignee = doctor if step.caller == "doctor" else None
        pool = self.callers.get(step.caller) or [self.supervisor]
        caller = assignee or pool[int(r.random() * len(pool))]
        status, reason, outcome = "open", "", ""
        when: datetime | None = None  # when it was done or closed
        no_answers = 0  # unanswered calls before that, or so far when still open
        if due_by < TODAY:
            age = (TODAY - due_by).days
            if r.random() < OVERDUE_OPEN * OVERDUE_DECAY ** (age - 1):
                no_answers = int(r.random() * self.max_attempts) if calls else 0
            elif r.random() < DONE_SHARE or not calls:
                status = "done"
                outcome = "refused" if calls and r.random() < REFUSED_SHARE else "reached"
                if r.random() < LATE_SHARE:
                    on = min(due_by + timedelta(days=1 + int(r.expovariate(1 / 3))), TODAY)
                else:
                    on = due_from + timedelta(days=int(r.random() * ((due_by - due_from).days + 1)))
                when = self.work_time(on, created)
                if calls and r.random() < NO_ANSWER_FIRST:
                    no_answers = 1 + (r.random() < 0.3)
            else:
                status = "closed"
                when = self.work_time(due_by, created)
                if r.random() < WRONG_NUMBER_SHARE:
                    reason, outcome = "no_contact", "wrong_number"
                else:
                    reason, outcome = "unreachable", "no_answer"
                    no_answers = self.max_attempts - 1
        elif due_from <= TODAY:  # in its window today
            elapsed = (TODAY - due_from).days
            if r.random() < 1 - (1 - IN_WINDOW_DAILY) ** (elapsed + MORNING):
                status, outcome = "done", "reached"
                on = due_from + timedelta(days=int(r.random() * (elapsed + 1)))
                when = self.work_time(on, created)
            elif calls and elapsed:
                no_answers = int(r.random() < 0.15)
        # A death or an opt-out closes what was still open then, as the service does.
        for noted, why, applies in (
            (person.death_noted, "deceased", True),
            (person.opt_out_at, "opted_out", calls or person.opt_out_messages),
        ):
            if applies and noted is not None and noted > created and (when is None or when > noted):
                status, reason, outcome, when, no_answers = "closed", why, "", noted, 0
                break
        # The calls, oldest first: unanswered attempts, then the one that settled it.
        attempts = 0
        last_call: datetime | None = None
        for k in range(no_answers, 0, -1):
            moment = (when or self.now) - self.retry * k - timedelta(minutes=_between(r, 0, 180))
            if moment > created:
                self._call(task_id, person, caller, moment, step, category, department, "no_answer")
                attempts, last_call = attempts + 1, moment
        if outcome and when is not None:
            self._call(task_id, person, caller, when, step, category, department, outcome)
            attempts += 1
        if status == "open":
            if due_from > TODAY:
                self._count("open, due later")
            elif due_by < TODAY:
                self._count("open, overdue")
            else:
                self._count("open, due today")
        else:
            self._count(f"{status} {reason}".strip())
        done = status == "done"
        when_text = _text(when)
        self.tasks.append((
            task_id, created_text, when_text or _text(last_call) or created_text, None, person.id,
            "plan", source, category, step_no, step.level, step.channel, step.caller, assignee,
            doctor, department, "", int(step.checks_previous), due_from.isoformat(),
            due_by.isoformat(), status, reason, "", attempts,
            _text(last_call + self.retry) if status == "open" and last_call else None,
            outcome or ("no_answer" if attempts else ""), when_text if done else None,
            caller if done else None, doctor,
        ))  # fmt: skip
        if len(self.tasks) >= BATCH:
            self.flush()

    def _call(
        self,
        task_id: str,
        person: _Person,
        caller: str,
        at: datetime,
        step: Any,
        category: str,
        department: str,
        outcome: str,
    ) -> None:
        r = self.rng
        recovery = adherence = survey = open_answer = suggestion = previous = ""
        rating = ""
        scored = satisfied = 0
        checked: datetime | None = None
        if outcome == "reached" and step.channel in followups.CALL_CHANNELS:
            if not category.startswith("physical_exam"):
                recovery = r.choice(_RECOVERY)
            if category in _MEDICINE_PLANS:
                adherence = r.choice(_ADHERENCE)
            if r.random() < SATISFACTION_SHARE:
                scores = {k: r.choice(_SCORES) for k in followups.SATISFACTION_KEYS}
                survey = json.dumps(scores, sort_keys=True)
                scored = len(scores)
                satisfied = sum(1 for v in scores.values() if v >= 4)
                if r.random() < 0.15:
                    open_answer = r.choice(_OPEN_ANSWERS)
                if r.random() < 0.04:
                    suggestion = r.choice(_SUGGESTIONS)
            if step.checks_previous:
                previous = "yes" if r.random() < 0.9 else "no"
            if r.random() < SPOT_CHECK_SHARE and caller != self.supervisor:
                checked = at + timedelta(days=1 + int(r.random() * 7))
                if checked >= self.now:
                    checked = None
                else:
                    rating = "good" if r.random() < 0.8 else r.choice(("acceptable", "poor"))
        at_text = _text(at)
        self.calls.append((
            demo._uuid7(self.ids, at.replace(tzinfo=UTC)).hex, at_text, _text(checked) or at_text,
            None, task_id, person.id, caller, at_text, step.channel, department, outcome,
            recovery, adherence, survey or "{}", open_answer, suggestion, "", previous,
            _text(checked), self.supervisor if checked else None, rating, "", scored, satisfied,
        ))  # fmt: skip

    def flush(self) -> None:
        if self.tasks:
            self.conn.exec_driver_sql(_insert("followup_task", _TASK_COLUMNS), self.tasks)
            self.written["tasks"] += len(self.tasks)
            self.tasks.clear()
        if self.calls:
            self.conn.exec_driver_sql(_insert("followup_call", _CALL_COLUMNS), self.calls)
            self.written["calls"] += len(self.calls)
            self.calls.clear()


def _people(
    clinic: Clinic,
    conn: Any,
    rng: random.Random,
    first_visit: dict[str, datetime],
    last_visit: dict[str, datetime],
    fu: _Followups,
) -> dict[str, _Person]:
    """Every live patient, with the deaths, opt-outs and contact preferences decided."""
    people: dict[str, _Person] = {}
    for row in conn.exec_driver_sql(
        "SELECT id, family_name, given_name, sex, birth_date, phone FROM patient "
        "WHERE deleted_at IS NULL AND merged_into IS NULL ORDER BY created_at, id"
    ):
        person = people[row[0]] = _Person(*row)
        draw = rng.random()
        if person.phone:
            person.channels = (
                "sms"
                if draw < SMS_SHARE
                else "mobile"
                if draw < SMS_SHARE + CALL_ONLY_SHARE
                else ""
            )
        last = last_visit.get(person.id)
        old = person.birth is not None and (TODAY - person.birth).days >= 75 * 365.25
        if old and last is not None and rng.random() < DECEASED_SHARE:
            after = fu.local_day(last) + timedelta(days=1)
            if after < TODAY:
                person.deceased_on = after + timedelta(
                    days=int(rng.random() * (TODAY - after).days)
                )
                noted = person.deceased_on + timedelta(days=int(rng.random() * 4))
                person.death_noted = fu.work_time(min(noted, TODAY), last)
        elif person.id in first_visit and rng.random() < OPT_OUT_SHARE:
            start = fu.local_day(first_visit[person.id])
            day = start + timedelta(days=int(rng.random() * max(1, (TODAY - start).days)))
            person.opt_out_at = fu.work_time(day, first_visit[person.id])
            person.opt_out_messages = rng.random() < 1 / 3
    return people


def _reminders(
    clinic: Clinic,
    conn: Any,
    people: dict[str, _Person],
    fu: _Followups,
    staff_names: dict[str, str],
    seed: int,
) -> dict[str, int]:
    """The week-before reminder (A5) of each appointment of a patient who prefers text
    messages: exported in the morning's SMS batch for the past days, still queued for
    TODAY and the 6 days after (the 7th day ahead is ``prepare_worklist``'s, as on any
    morning). None for a booking cancelled before its reminder went out."""
    rng = random.Random(f"gen-dataset-reminders:{seed}")
    language = str(clinic.setting("clinic.language"))
    template = templates.default_template("reminder_week", language)
    style = patient_service.honorific_style(clinic)
    language_ = language if language in honorifics.LANGUAGES else "zh_CN"
    automatic = {
        "clinic": str(clinic.setting("clinic.name")),
        "clinic_phone": str(clinic.setting("clinic.phone")),
    }
    ahead = timedelta(days=int(clinic.setting("appointments.reminder_message_days")))
    batches: dict[date, str] = {}
    rows: list[tuple[object, ...]] = []
    written: dict[str, int] = {}
    sql = _insert("outbox_message", _MESSAGE_COLUMNS)
    for (
        appointment_id,
        patient_id,
        doctor_id,
        starts_text,
        status,
        created_text,
        cancelled,
    ) in conn.exec_driver_sql(
        "SELECT id, patient_id, doctor_id, starts_at, status, created_at, cancelled_at "
        "FROM appointment WHERE deleted_at IS NULL AND starts_at < ? "
        "ORDER BY starts_at, id",
        (_text(fu.utc(TODAY + ahead, 0)),),
    ).fetchall():
        person = people.get(patient_id)
        if person is None or person.channels != "sms" or not person.phone:
            continue
        starts = datetime.fromisoformat(starts_text)
        day = fu.local_day(starts)
        created = datetime.fromisoformat(created_text)
        not_before = max(created, fu.utc(day - ahead, MESSAGE_MINUTE))
        stop = min(
            (at for at in (person.death_noted, person.opt_out_at if person.opt_out_messages
                           else None) if at is not None),
            default=None,
        )  # fmt: skip
        if stop is not None and stop <= not_before:
            continue  # never queued: the outbox skips them
        if not person.honorific:
            sex: Any = person.sex if person.sex in ("F", "M") else "U"
            whom = honorifics.Person(person.family, person.given, sex, person.birth)
            person.honorific = honorifics.address(
                whom, today=TODAY, language=language_, style=style
            )
        values = templates.appointment_values(
            starts.replace(tzinfo=UTC), fu.tz, language, doctor=staff_names.get(doctor_id, "")
        )
        body = templates.render(
            template.body, {**values, **automatic, "honorific": person.honorific}
        )
        out_day = fu.local_day(not_before)
        if fu.utc(out_day, MESSAGE_MINUTE + 30) < not_before:
            out_day += timedelta(days=1)  # after the morning's batch: in the next one
        out = fu.utc(out_day, MESSAGE_MINUTE + 30) if day < TODAY else fu.now
        if status == "cancelled" and (not cancelled or datetime.fromisoformat(cancelled) <= out):
            continue  # cancelled before it went out (or, this week, already)
        state, batch, gateway, sent, reason = "queued", "", "", None, ""
        if stop is not None and stop <= out:
            state, reason = "cancelled", "deceased" if stop == person.death_noted else "opted_out"
        elif day < TODAY:
            state, gateway, sent = "exported", "file", out
            if out_day not in batches:
                batches[out_day] = f"sms-{out_day:%Y%m%d}-083000-{rng.getrandbits(16):04x}"
            batch = batches[out_day]
        written[state] = written.get(state, 0) + 1
        message_id = _uuid5_hex(f"reminder:{_dashed(appointment_id)}")
        rows.append((
            message_id, _text(not_before), _text(sent or stop or not_before), None, patient_id,
            "sms", person.phone, "reminder", "reminder_week", "", body, appointment_id, None,
            _text(not_before), state, int(state == "exported"), reason, None, _text(sent), gateway,
            batch, None,
        ))  # fmt: skip
        if len(rows) >= BATCH:
            conn.exec_driver_sql(sql, rows)
            rows.clear()
    if rows:
        conn.exec_driver_sql(sql, rows)
    return written


def step_followups(clinic: Clinic, seed: int) -> int:
    """Follow-up tasks for every finished visit as the clinic's plans make them (the
    defaults and ``CLINIC_PLANS``), lived through to TODAY (mostly done, a realistic
    backlog still open), their calls, the patients' deaths, opt-outs and contact
    preferences, and the reminder outbox."""
    rng = random.Random(f"gen-dataset-followup-people:{seed}")
    director = _director(clinic)
    for category, steps in CLINIC_PLANS.items():
        followups.save_plan(clinic, director, category, steps)
    plans = {p.category: (p.steps, p.active) for p in followups.list_plans(clinic, director)}
    with clinic.store.unit_of_work(write=True) as uow:
        conn = uow.session.connection()
        conn.exec_driver_sql(f"PRAGMA cache_size = -{BULK_CACHE_KIB}")
        fu = _Followups(clinic, seed, conn, plans)
        staff_rows = conn.exec_driver_sql(
            "SELECT s.id, s.role, s.display_name, p.specialties FROM staff s "
            "LEFT JOIN doctor_profile p ON p.staff_id = s.id AND p.deleted_at IS NULL "
            "WHERE s.deleted_at IS NULL ORDER BY s.login"
        ).fetchall()
        staff_names = {sid: name for sid, _, name, _ in staff_rows}
        departments = {
            sid: reception._specialties(spec or "")[0][: followups.MAX_DEPARTMENT]
            for sid, _, _, spec in staff_rows
            if reception._specialties(spec or "")
        }
        for sid, role, _, _ in staff_rows:
            caller = followups.ROLE_CALLER.get(Role(role))
            if caller:
                fu.callers.setdefault(caller, []).append(sid)
            if role == Role.DIRECTOR.value:
                fu.supervisor = sid
        visits = conn.exec_driver_sql(
            "SELECT v.id, v.patient_id, v.doctor_id, v.category, v.finished_at, p.sex "
            "FROM visit v JOIN patient p ON p.id = v.patient_id "
            "WHERE v.deleted_at IS NULL AND v.finished_at IS NOT NULL "
            "AND p.deleted_at IS NULL AND p.merged_into IS NULL "
            "ORDER BY v.finished_at, v.id"
        ).fetchall()
        first = fu.local_day(datetime.fromisoformat(visits[0][4])) if visits else TODAY
        closed: set[date] = set()
        while first <= TODAY + timedelta(days=200):  # a year at a time, as the service allows
            last = min(first + timedelta(days=365), TODAY + timedelta(days=200))
            closed.update(
                d.day for d in rosters.calendar_days_in(uow, clinic, first, last) if d.closed
            )
            first = last + timedelta(days=1)
        fu.closed = frozenset(closed)
        # Re-categorise (see _RECATEGORISE): each visit of a source category moves with
        # the share that makes the target's share of all visits.
        pool: dict[tuple[str, str], int] = {}
        for _, _, _, category, _, sex in visits:
            pool[category, ""] = pool.get((category, ""), 0) + 1
            pool[category, sex] = pool.get((category, sex), 0) + 1
        moved: list[tuple[str, str]] = []
        first_visit: dict[str, datetime] = {}
        last_visit: dict[str, datetime] = {}
        parsed = []
        for visit_id, patient_id, doctor_id, category, finished_text, sex in visits:
            finished = datetime.fromisoformat(finished_text)
            first_visit.setdefault(patient_id, finished)
            last_visit[patient_id] = finished
            draw = rng.random()
            for target, share, source, only_sex in _RECATEGORISE:
                if category == source and (not only_sex or sex == only_sex):
                    chance = share * len(visits) / max(pool[source, only_sex], 1)
                    if draw < chance:
                        category = target
                        moved.append((target, visit_id))
                        break
                    draw -= chance
            parsed.append((visit_id, patient_id, doctor_id, category, finished, finished_text))
        if moved:
            conn.exec_driver_sql("UPDATE visit SET category = ? WHERE id = ?", moved)
        people = _people(clinic, conn, rng, first_visit, last_visit, fu)
        if visits:  # the derived ids must be the service's own
            first_id = uuid.UUID(visits[0][0])
            service_id = followups.task_id_for(first_id, "other", 0).hex
            service_sampled = followups.is_sampled(first_id, fu.percent)
            if (
                _uuid5_hex(f"followup:{first_id}:other:0") != service_id
                or fu.sampled(str(first_id)) != service_sampled
            ):
                raise RuntimeError("the follow-up ids differ from the followups service's")
        for visit_id, patient_id, doctor_id, category, finished, text in parsed:
            person = people.get(patient_id)
            if person is not None:
                department = departments.get(doctor_id, "") if doctor_id else ""
                fu.visit(visit_id, person, doctor_id, department, category, finished, text)
        fu.flush()
        conn.exec_driver_sql(
            "UPDATE patient SET contact_channels = ?, deceased_on = ?, opt_out_calls = ?, "
            "opt_out_messages = ? WHERE id = ?",
            [
                (p.channels, p.deceased_on.isoformat() if p.deceased_on else None,
                 int(p.opt_out_at is not None), int(p.opt_out_messages), p.id)
                for p in people.values()
            ],
        )  # fmt: skip
        messages = _reminders(clinic, conn, people, fu, staff_names, seed)
        uow.commit()
    FOLLOWUP_FACTS.update(
        recategorised=len(moved),
        tasks=fu.written["tasks"],
        calls=fu.written["calls"],
        task_states=dict(sorted(fu.facts.items())),
        messages=messages,
        deceased=sum(p.deceased_on is not None for p in people.values()),
        opted_out=sum(p.opt_out_at is not None for p in people.values()),
    )
    return len(moved) + fu.written["tasks"] + fu.written["calls"] + sum(messages.values())


# -- quality (issue 10) ---------------------------------------------------------------------------

QUALITY_FACTS: dict[str, Any] = {}  # filled by step_quality, printed by main
_COMPLAINT_TEXTS = (
    "候诊时间太长，等了一个多小时", "护士态度不好", "收费不清楚", "预约后还要排队",
    "医生解释太少", "停车不方便", "厕所不干净", "药房排队太久",
)  # fmt: skip
_IMPROVE_TEXTS = ("多开一个挂号窗口", "候诊区加些座位", "希望周末也有专家门诊", "")
_WHYS = ("叫号系统故障", "没有备用方案", "维护计划未执行", "职责不清", "缺少检查表")


def _insert_rows(conn: Any, table: str, rows: list[dict[str, Any]]) -> int:
    """Bulk-insert ``rows``; columns a row leaves out get the empty value of their type
    when the table needs one (NOT NULL), else NULL."""
    if not rows:
        return 0
    info = conn.exec_driver_sql(f"PRAGMA table_info({table})").fetchall()
    columns = [c[1] for c in info]
    empty = {
        c[1]: (0 if "INT" in c[2].upper() or "BOOL" in c[2].upper() else "") for c in info if c[3]
    }
    values = [tuple(r.get(c, empty.get(c)) for c in columns) for r in rows]
    conn.exec_driver_sql(_insert(table, columns), values)
    return len(rows)


def step_quality(clinic: Clinic, seed: int) -> int:
    """Issue 10 at busy-clinic rates over the dataset's years: 2-4 complaints a week (10%
    serious, most closed within the week, some late, the last weeks' still open), the
    weekly survey (10% of the week's patients answer the five questions), self-checks by
    most staff on most open days, and a 5-Why root-cause analysis a month."""
    rng = random.Random(f"gen-dataset-quality:{seed}")
    zone = clinic.timezone()
    written = 0
    with clinic.store.unit_of_work(write=True) as uow:
        conn = uow.session.connection()
        conn.exec_driver_sql(f"PRAGMA cache_size = -{BULK_CACHE_KIB}")
        staff_rows = conn.exec_driver_sql(
            "SELECT s.id, s.role, s.created_at, p.specialties FROM staff s "
            "LEFT JOIN doctor_profile p ON p.staff_id = s.id AND p.deleted_at IS NULL "
            "WHERE s.deleted_at IS NULL AND s.disabled_at IS NULL ORDER BY s.login"
        ).fetchall()
        departments = {
            sid: reception._specialties(spec or "")[0][: followups.MAX_DEPARTMENT]
            for sid, _, _, spec in staff_rows
            if reception._specialties(spec or "")
        }
        doctors = [sid for sid, role, _, _ in staff_rows if role == Role.DOCTOR.value]
        handlers = [
            sid for sid, role, _, _ in staff_rows if role == Role.CUSTOMER_SERVICE.value
        ] or [staff_rows[0][0]]
        director = next(sid for sid, role, _, _ in staff_rows if role == Role.DIRECTOR.value)
        visits = conn.exec_driver_sql(
            "SELECT patient_id, doctor_id, finished_at FROM visit "
            "WHERE deleted_at IS NULL AND finished_at IS NOT NULL ORDER BY finished_at"
        ).fetchall()
        first = datetime.fromisoformat(visits[0][2]).replace(tzinfo=UTC).astimezone(zone).date()
        first -= timedelta(days=first.weekday())
        closed_days: set[date] = set()
        probe = first
        while probe <= TODAY:
            last = min(probe + timedelta(days=365), TODAY)
            closed_days.update(
                d.day for d in rosters.calendar_days_in(uow, clinic, probe, last) if d.closed
            )
            probe = last + timedelta(days=1)
        now = now_utc(clinic).replace(tzinfo=None)

        def local(day: date, minute: int) -> datetime:
            """Naive UTC, as ``_text`` writes it."""
            moment = datetime.combine(day, datetime.min.time(), zone) + timedelta(minutes=minute)
            return moment.astimezone(UTC).replace(tzinfo=None)

        # Complaints, and a root cause a month (half of them about a complaint).
        complaint_rows: list[dict[str, Any]] = []
        root_rows: list[dict[str, Any]] = []
        week = first
        month_seen: set[tuple[int, int]] = set()
        while week + timedelta(days=6) < TODAY:
            for _ in range(rng.choice((2, 3, 3, 4))):
                received = local(week + timedelta(days=rng.randrange(7)), rng.randint(480, 1050))
                age = now - received
                doctor = rng.choice(doctors) if doctors and rng.random() < 0.6 else None
                late = rng.random() < 0.12
                close_after = timedelta(days=rng.uniform(8, 16) if late else rng.uniform(1, 6))
                closed = age > close_after and rng.random() < 0.97
                serious = rng.random() < 0.10
                row: dict[str, Any] = {
                    "id": new_hex(rng),
                    "created_at": _text(received),
                    "updated_at": _text(received),
                    "channel": rng.choice(("in_person", "phone", "letter", "website",
                                           "suggestion_box", "followup_call")),
                    "content": rng.choice(_COMPLAINT_TEXTS),
                    "complainant": "匿名" if rng.random() < 0.2 else "患者家属",
                    "contact": _mobile(rng),
                    "department": departments.get(doctor, "") if doctor else "",
                    "severity": "serious" if serious else "normal",
                    "complexity": "complex" if rng.random() < 0.1 else "simple",
                    "owner_id": rng.choice(handlers),
                    "recorded_by": rng.choice(handlers),
                    "staff_concerned_id": doctor,
                    "received_at": _text(received),
                    "status": "closed" if closed else "open",
                    "accepted_at": _text(received + timedelta(minutes=rng.randint(5, 70))),
                    "contacted_at": _text(received + timedelta(minutes=rng.randint(30, 150))),
                    "answered_at": _text(received + timedelta(hours=rng.randint(3, 30)))
                    if closed or age > timedelta(days=1)
                    else None,
                    "reply_at": (
                        _text(received + close_after - timedelta(hours=2)) if closed else None
                    ),
                    "reply_channel": "phone" if closed else "",
                    "reply_text": "已电话回复并致歉" if closed else "",
                    "response": "已核实并处理" if closed else "",
                    "closed_at": _text(received + close_after) if closed else None,
                    "closed_by": rng.choice(handlers) if closed else None,
                    "escalated_at": _text(received) if serious else None,
                    "escalation_seen_at": _text(received + timedelta(hours=20))
                    if serious and age > timedelta(days=2)
                    else None,
                    "escalation_seen_by": director if serious and age > timedelta(days=2) else None,
                    "reopened": 0,
                }  # fmt: skip
                complaint_rows.append(row)
                month = (week.year, week.month)
                if month not in month_seen:
                    month_seen.add(month)
                    found = received + timedelta(hours=rng.randint(1, 20))
                    done = found + timedelta(hours=rng.uniform(6, 30))
                    root_rows.append(
                        {
                            "id": new_hex(rng),
                            "created_at": _text(found),
                            "updated_at": _text(done),
                            "complaint_id": row["id"] if rng.random() < 0.5 else None,
                            "problem": row["content"],
                            "department": row["department"],
                            "whys": json.dumps(_WHYS[: rng.randint(3, 5)], ensure_ascii=False),
                            "root_cause": "流程缺少备用方案",
                            "actions": "增加备用叫号流程并培训",
                            "owner_id": rng.choice(handlers),
                            "found_at": _text(found),
                            "due_at": _text(found + timedelta(hours=24)),
                            "done_at": _text(done) if done < now else None,
                            "status": "done" if done < now else "open",
                        }
                    )
            week += timedelta(days=7)
        written += _insert_rows(conn, "complaint", complaint_rows)
        written += _insert_rows(conn, "root_cause", root_rows)

        # The weekly survey: 10% of each week's patients answer it the week after.
        questionnaire = uuid.uuid5(SYNCED_ROW_NAMESPACE, "questionnaire:weekly-default").hex
        if not conn.exec_driver_sql(
            "SELECT 1 FROM questionnaire WHERE id = ?", (questionnaire,)
        ).first():
            written += _insert_rows(
                conn,
                "questionnaire",
                [
                    {
                        "id": questionnaire,
                        "created_at": _text(local(first, 0)),
                        "updated_at": _text(local(first, 0)),
                        "name": "Weekly satisfaction survey",
                        "purpose": "weekly",
                        "items": json.dumps(
                            [{"key": k, "kind": "scale", "text": t}
                             for k, t in followups.SATISFACTION_QUESTIONS]
                            + [{"key": "improve", "kind": "open", "text": surveys.IMPROVE_TEXT}]
                        ),
                        "active": 1,
                    }
                ],
            )  # fmt: skip
        seen: dict[date, dict[str, str | None]] = {}
        for patient_id, doctor_id, finished in visits:
            day = datetime.fromisoformat(finished).replace(tzinfo=UTC).astimezone(zone).date()
            seen.setdefault(day - timedelta(days=day.weekday()), {})[patient_id] = doctor_id
        responses: list[dict[str, Any]] = []
        answers: list[dict[str, Any]] = []
        for monday, patients in sorted(seen.items()):
            answered_on = monday + timedelta(days=rng.randint(7, 11))
            if answered_on >= TODAY:
                continue
            chosen = sorted(patients)
            for patient_id in rng.sample(chosen, math.ceil(len(chosen) * 0.10)):
                doctor_id = patients[patient_id]
                moment = _text(local(answered_on, rng.randint(540, 1020)))
                response = new_hex(rng)
                responses.append(
                    {
                        "id": response, "created_at": moment, "updated_at": moment,
                        "questionnaire_id": questionnaire, "patient_id": patient_id,
                        "doctor_id": doctor_id,
                        "department": departments.get(doctor_id, "") if doctor_id else "",
                        "via": "call", "answered_on": answered_on.isoformat(),
                        "recorded_by": rng.choice(handlers),
                    }
                )  # fmt: skip
                for key in followups.SATISFACTION_KEYS:
                    answers.append(
                        {
                            "id": new_hex(rng), "created_at": moment, "updated_at": moment,
                            "response_id": response, "item_key": key,
                            "score": rng.choices((5, 4, 3, 2, 1), (62, 31, 5, 1, 1))[0],
                            "text": "",
                        }
                    )  # fmt: skip
                improve = rng.choice(_IMPROVE_TEXTS)
                if improve:
                    answers.append(
                        {
                            "id": new_hex(rng), "created_at": moment, "updated_at": moment,
                            "response_id": response, "item_key": "improve", "score": None,
                            "text": improve,
                        }
                    )  # fmt: skip
        written += _insert_rows(conn, "survey_response", responses)
        for start in range(0, len(answers), BATCH * 10):
            written += _insert_rows(conn, "survey_answer", answers[start : start + BATCH * 10])

        # Self-checks: most staff, most open days (doctors Monday to Saturday).
        checks: list[dict[str, Any]] = []
        day = first
        while day < TODAY:
            if day not in closed_days:
                for sid, role, created, _ in staff_rows:
                    if datetime.fromisoformat(created).date() > day:
                        continue
                    if role == Role.DOCTOR.value and day.weekday() == 6:
                        continue
                    if rng.random() >= 0.9:
                        continue
                    items = surveys.DEFAULT_SELF_CHECKS.get(role, ())
                    done_at = _text(local(day, rng.randint(1020, 1140)))
                    checks.append(
                        {
                            "id": _uuid5_hex(f"self_check:{_dashed(sid)}:{day.isoformat()}"),
                            "created_at": done_at, "updated_at": done_at, "staff_id": sid,
                            "day": day.isoformat(), "role": role,
                            "answers": json.dumps(
                                [{"item": i, "ok": rng.random() > 0.03, "note": ""} for i in items],
                                ensure_ascii=False,
                            ),
                            "note": "", "completed_at": done_at,
                        }
                    )  # fmt: skip
            day += timedelta(days=1)
        written += _insert_rows(conn, "self_check", checks)
        uow.commit()
    QUALITY_FACTS.update(
        complaints=len(complaint_rows),
        open=sum(r["status"] == "open" for r in complaint_rows),
        serious=sum(r["severity"] == "serious" for r in complaint_rows),
        root_causes=len(root_rows),
        responses=len(responses),
        answers=len(answers),
        self_checks=len(checks),
    )
    return written


# -- membership (issue 11) ------------------------------------------------------------------------

MEMBERSHIP_FACTS: dict[str, Any] = {}  # filled by step_membership, printed by main
MEMBERSHIP_TARGET = 3_000  # memberships enrolled over the dataset's years
_TIER_MIX = (("basic", 0.55), ("advanced", 0.35), ("premium", 0.10))
_FAMILY_SHARE = {"basic": 0.0, "advanced": 0.55, "premium": 0.6}
RENEW_SHARE = 0.68  # of the terms that ended before TODAY
LATE_RENEW_SHARE = 0.15  # of the renewals: made after the end (a gap, a new anchor)
UPGRADE_SHARE = 0.06  # of the renewals: to the next tier up
CANCEL_SHARE = 0.02
SUSPENDED_SHARE = 0.01  # of the live memberships, suspended today
# Home visits a member family uses a year (Poisson), capped by the tier's allowance.
_VISITS_PER_YEAR = {"advanced": 1.8, "premium": 5.0}
OVERDRAFT_SHARE = 0.04  # of the quota periods used up: one more use from a second desk
_METHODS = (("wechat", 45), ("alipay", 25), ("card", 15), ("cash", 10), ("transfer", 5))
_OUTSIDE = ("营养师 林静", "营养师 周敏", "健身教练 高峰", "健身教练 赵磊", "康复师 何云")


def _poisson(rng: random.Random, mean: float) -> int:
    limit, k, p = math.exp(-mean), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


def step_membership(clinic: Clinic, seed: int) -> int:
    """Issue 11 over the dataset's years: about ``MEMBERSHIP_TARGET`` memberships of the
    three seed tiers (enrolments growing over the years; advanced and premium ones often
    families of payer, spouse, children or parents with the payer's family name), each
    term paid with a receipt number, about two thirds renewed (some late: a gap and a new
    anchor; a few upgraded), a few cancelled and suspended; home visits as ledger rows
    within the allowance, a few periods overdrawn as two offline desks leave them (the
    old ones reviewed, the last months' for the director); premium care teams. The
    annual-plan check-ins and renewal tasks are left to the services (the worklist)."""
    from clinic_desk.core.rules import membership as rules
    from clinic_desk.core.services import membership

    rng = random.Random(f"gen-dataset-membership:{seed}")
    zone = clinic.timezone()
    membership.ensure_default_tiers(clinic)  # seeded when the clinic opens; once only
    year = rules.Period("year", 1)
    with clinic.store.unit_of_work(write=True) as uow:
        conn = uow.session.connection()
        conn.exec_driver_sql(f"PRAGMA cache_size = -{BULK_CACHE_KIB}")
        if conn.exec_driver_sql("SELECT count(*) FROM membership").scalar():
            MEMBERSHIP_FACTS.update(skipped="the clinic has memberships already")
            return 0
        tiers: dict[str, dict[str, Any]] = {}
        for tid, code, price, max_members, benefits in conn.exec_driver_sql(
            "SELECT id, code, price_cents, max_members, benefits FROM member_tier "
            "WHERE deleted_at IS NULL AND retired_at IS NULL"
        ):
            quota = next(
                (int(b.get("quota", 0)) for b in json.loads(benefits) if b["key"] == "home_visits"),
                0,
            )
            tiers[code] = {"id": tid, "price": price, "max": max_members, "quota": quota}
        staff_rows = conn.exec_driver_sql(
            "SELECT id, role FROM staff WHERE deleted_at IS NULL AND disabled_at IS NULL "
            "ORDER BY login"
        ).fetchall()
        desk = [s for s, r in staff_rows if r in (Role.RECEPTIONIST.value,
                                                  Role.CUSTOMER_SERVICE.value,
                                                  Role.HEALTH_MANAGER.value)]  # fmt: skip
        desk = desk or [staff_rows[0][0]]
        doctors = [s for s, r in staff_rows if r == Role.DOCTOR.value]
        people = conn.exec_driver_sql(
            "SELECT id, family_name, sex, birth_date, created_at, deceased_on FROM patient "
            "WHERE deleted_at IS NULL AND merged_into IS NULL ORDER BY created_at, id"
        ).fetchall()
        by_family: dict[str, list[int]] = {}
        for i, p in enumerate(people):
            by_family.setdefault(p[1], []).append(i)
        taken: set[int] = set()
        first = _first_day(clinic)
        span = (TODAY - first).days
        now = now_utc(clinic).replace(tzinfo=None)

        def moment(day: date) -> datetime:
            """A working-hours moment on ``day`` as naive UTC, never after now."""
            local = datetime.combine(day, datetime.min.time(), zone) + timedelta(
                minutes=_between(rng, 8 * 60 + 30, 17 * 60)
            )
            return min(local.astimezone(UTC).replace(tzinfo=None), now - timedelta(minutes=5))

        def born(i: int) -> date | None:
            b = people[i][3]
            return date.fromisoformat(b) if b else None

        def alive_on(i: int, day: date) -> bool:
            created = datetime.fromisoformat(people[i][4]).date()
            dead = people[i][5]
            return created <= day and (dead is None or date.fromisoformat(dead) > TODAY)

        def relative(payer: int, day: date) -> tuple[int, str] | None:
            """Someone of the payer's family name who fits as spouse, child or parent."""
            pool = by_family.get(people[payer][1], [])
            pb = born(payer)
            if pb is None:
                return None
            for _ in range(12):
                j = pool[_between(rng, 0, len(pool) - 1)]
                jb = born(j)
                if j == payer or j in taken or jb is None or not alive_on(j, day):
                    continue
                gap = (pb - jb).days / 365.25
                if abs(gap) < 12 and people[j][2] != people[payer][2]:
                    return j, "spouse"
                if -45 <= gap <= -18:
                    return j, "child"
                if 18 <= gap <= 45:
                    return j, "parent"
            return None

        rows: dict[str, list[dict[str, Any]]] = {
            t: []
            for t in ("membership", "membership_member", "membership_event",
                      "membership_payment", "benefit_use", "care_team_member")
        }  # fmt: skip
        receipts = itertools.count(1)
        facts = {"renewals": 0, "late_renewals": 0, "upgrades": 0, "cancelled": 0,
                 "suspended": 0, "families": 0, "overdrafts": 0, "overdrafts_open": 0}  # fmt: skip
        codes = [c for c, _ in _TIER_MIX]
        weights = [w for _, w in _TIER_MIX]

        def event(mid: str, kind: str, day: date, by: str, detail: dict[str, Any],
                  note: str = "") -> str:  # fmt: skip
            at = _text(moment(day))
            eid = new_hex(rng)
            rows["membership_event"].append(
                {"id": eid, "created_at": at, "updated_at": at, "membership_id": mid,
                 "kind": kind, "at": at, "by_id": by, "note": note,
                 "detail": json.dumps(detail, ensure_ascii=False)}
            )  # fmt: skip
            return eid

        def pay(mid: str, day: date, amount: int, by: str, eid: str, kind: str = "payment") -> None:
            at = _text(moment(day))
            method = rng.choices([m for m, _ in _METHODS], [w for _, w in _METHODS])[0]
            rows["membership_payment"].append(
                {"id": new_hex(rng), "created_at": at, "updated_at": at, "membership_id": mid,
                 "kind": kind, "amount_cents": amount, "paid_on": day.isoformat(),
                 "method": method, "receipt_no": f"HY{day.year}{next(receipts):06d}",
                 "note": "", "event_id": eid, "by_id": by}
            )  # fmt: skip

        def uses(mid: str, code: str, members: list[str], anchor: date, start: date,
                 end: date) -> None:  # fmt: skip
            """The home visits of each quota period of ``start``..``end`` (up to today)."""
            quota = tiers[code]["quota"]
            if not quota:
                return
            day = start
            while day <= end and day < TODAY:
                *_, p_last = rules.period_of(anchor, year, day)
                last = min(p_last, end, TODAY - timedelta(days=1))
                length = (last - day).days + 1
                count = min(quota, _poisson(rng, _VISITS_PER_YEAR[code] * length / 365))
                extra = count == quota and rng.random() < OVERDRAFT_SHARE * 10 / quota
                days = sorted(day + timedelta(days=_between(rng, 0, length - 1))
                              for _ in range(count))  # fmt: skip
                if extra and days:
                    days.append(days[-1])  # the same day on a second desk, offline
                    facts["overdrafts"] += 1
                reviewed = None
                if extra and days and (TODAY - days[-1]).days > 60:
                    reviewed = _text(moment(min(days[-1] + timedelta(days=3), TODAY)))
                elif extra and days:
                    facts["overdrafts_open"] += 1
                for d in days:
                    at = _text(moment(d))
                    rows["benefit_use"].append(
                        {"id": new_hex(rng), "created_at": at, "updated_at": at,
                         "membership_id": mid, "patient_id": rng.choice(members),
                         "benefit_key": "home_visits", "day": d.isoformat(), "count": 1,
                         "appointment_id": None, "override_reason": "", "note": "",
                         "by_id": rng.choice(desk), "reviewed_at": reviewed}
                    )  # fmt: skip
                day = p_last + timedelta(days=1)

        for _ in range(MEMBERSHIP_TARGET):
            # Enrolments grow over the years (the scheme catches on).
            start = first + timedelta(days=int(span * rng.random() ** 0.75))
            if start.weekday() == 6:
                start += timedelta(days=1)
            if start >= TODAY:
                start = TODAY - timedelta(days=1)
            for _try in range(20):
                payer = _between(rng, 0, len(people) - 1)
                if payer not in taken and alive_on(payer, start):
                    break
            else:
                continue
            taken.add(payer)
            code = rng.choices(codes, weights)[0]
            tier = tiers[code]
            family = [(payer, "self")]
            if rng.random() < _FAMILY_SHARE[code]:
                for _more in range(_between(rng, 1, tier["max"] - 1)):
                    found = relative(payer, start)
                    if found:
                        taken.add(found[0])
                        family.append(found)
                facts["families"] += len(family) > 1
            mid = new_hex(rng)
            by = rng.choice(desk)
            anchor, ends = start, rules.end_after(start, year)
            status, suspended_on = "active", None
            member_ids = [people[i][0] for i, _ in family]
            eid = event(mid, "enrol", start, by, {
                "tier": code, "tier_id": tier["id"], "price_cents": tier["price"],
                "starts_on": start.isoformat(), "ends_on": ends.isoformat(), "periods": 1,
                "members": member_ids})  # fmt: skip
            pay(mid, start, tier["price"], by, eid)
            for i, relation in family:
                at = _text(moment(start))
                rows["membership_member"].append(
                    {"id": new_hex(rng), "created_at": at, "updated_at": at,
                     "membership_id": mid, "patient_id": people[i][0], "relation": relation,
                     "joined_on": start.isoformat(), "left_on": None}
                )  # fmt: skip
            term_start = starts_on = start
            while True:
                uses(mid, code, member_ids, anchor, term_start, ends)
                if ends >= TODAY:
                    break
                if rng.random() < CANCEL_SHARE:  # given up mid-term, part refunded
                    day = term_start + timedelta(days=_between(rng, 20, 200))
                    if day < TODAY and day < ends:
                        eid = event(mid, "cancel", day, by, {}, "搬家，不再来本诊所")
                        left = (ends - day).days * tiers[code]["price"] // 365
                        pay(mid, day, max(left, 100), by, eid, kind="refund")
                        status = "cancelled"
                        facts["cancelled"] += 1
                        break
                if rng.random() >= RENEW_SHARE:
                    break  # lapsed: expired, not renewed
                facts["renewals"] += 1
                if rng.random() < LATE_RENEW_SHARE:
                    day = ends + timedelta(days=_between(rng, 5, 60))
                    if day >= TODAY:
                        break
                    before = ends
                    anchor = term_start = starts_on = day  # the gap is not covered
                    ends = rules.end_after(day, year)
                    facts["late_renewals"] += 1
                    lapsed = True
                else:
                    day = ends - timedelta(days=_between(rng, 0, 30))
                    before, term_start = ends, ends + timedelta(days=1)
                    ends = rules.end_after(term_start, year)
                    lapsed = False
                detail: dict[str, Any] = {
                    "from": term_start.isoformat(), "ends_on_before": before.isoformat(),
                    "ends_on": ends.isoformat(), "lapsed": lapsed,
                }  # fmt: skip
                by = rng.choice(desk)
                kind = "renew"
                if code != "premium" and rng.random() < UPGRADE_SHARE:
                    new_code = codes[codes.index(code) + 1]
                    if len(family) <= tiers[new_code]["max"]:
                        kind, detail = "upgrade", {**detail, "old": code, "new": new_code}
                        code = new_code
                        facts["upgrades"] += 1
                eid = event(mid, kind, day, by, {
                    **detail, "tier": code, "price_cents": tiers[code]["price"], "periods": 1,
                })  # fmt: skip
                pay(mid, day, tiers[code]["price"], by, eid)
            if status == "active" and ends >= TODAY and rng.random() < SUSPENDED_SHARE:
                suspended_on = TODAY - timedelta(days=_between(rng, 3, 40))
                event(mid, "suspend", suspended_on, by, {}, "出国半年，申请暂停")
                status = "suspended"
                facts["suspended"] += 1
            if code == "premium":
                at = _text(moment(start))
                team = [("doctor", rng.choice(doctors) if doctors else None, "")]
                team += [("nutritionist", None, rng.choice(_OUTSIDE[:2]).split()[1]),
                         ("trainer", None, rng.choice(_OUTSIDE[2:4]).split()[1])]  # fmt: skip
                for role, sid, name in team:
                    rows["care_team_member"].append(
                        {"id": new_hex(rng), "created_at": at, "updated_at": at,
                         "membership_id": mid, "role": role, "staff_id": sid, "name": name,
                         "phone": "" if sid else _mobile(rng)}
                    )  # fmt: skip
            created = _text(moment(start))
            rows["membership"].append(
                {"id": mid, "created_at": created, "updated_at": created,
                 "tier_id": tiers[code]["id"], "payer_id": people[payer][0],
                 "card_no": membership.card_number(uuid.UUID(mid)),
                 "starts_on": starts_on.isoformat(), "ends_on": ends.isoformat(),
                 "anchor_on": anchor.isoformat(), "status": status,
                 "suspended_on": suspended_on.isoformat() if suspended_on else None,
                 "note": "", "created_by": by}
            )  # fmt: skip
        written = 0
        for table in ("membership", "membership_member", "membership_event",
                      "membership_payment", "benefit_use", "care_team_member"):  # fmt: skip
            written += _insert_rows(conn, table, rows[table])
        uow.commit()
    ms = rows["membership"]
    MEMBERSHIP_FACTS.update(
        memberships=len(ms),
        live=sum(m["status"] != "cancelled" and m["ends_on"] >= TODAY.isoformat() for m in ms),
        members=len(rows["membership_member"]),
        payments=len(rows["membership_payment"]),
        uses=len(rows["benefit_use"]),
        **facts,
    )
    return written


def new_hex(rng: random.Random) -> str:
    """A random row id (deterministic from the step's generator)."""
    return uuid.UUID(int=rng.getrandbits(128), version=4).hex


Step = Callable[[Clinic, int], int]
STEPS: list[tuple[str, Step]] = [
    ("registry", step_registry),
    ("search index", step_search_index),
    ("calendar setup", step_calendar_setup),
    ("appointments", step_appointments),
    ("follow-ups", step_followups),
    ("quality", step_quality),
    ("membership", step_membership),
]




# -- the whole build ----------------------------------------------------------------------

# The final counts reported after a build: (label, SQL).
COUNTS: tuple[tuple[str, str], ...] = (
    ("patients", "SELECT count(*) FROM patient WHERE deleted_at IS NULL"),
    ("visits", "SELECT count(*) FROM visit WHERE deleted_at IS NULL"),
    ("appointments", "SELECT count(*) FROM appointment WHERE deleted_at IS NULL"),
    ("doctors", "SELECT count(*) FROM staff WHERE role = 'doctor' AND deleted_at IS NULL"),
    ("follow-up tasks", "SELECT count(*) FROM followup_task WHERE deleted_at IS NULL"),
    ("calls", "SELECT count(*) FROM followup_call WHERE deleted_at IS NULL"),
    ("complaints", "SELECT count(*) FROM complaint WHERE deleted_at IS NULL"),
    ("survey answers", "SELECT count(*) FROM survey_answer WHERE deleted_at IS NULL"),
    ("memberships", "SELECT count(*) FROM membership WHERE deleted_at IS NULL"),
)


@dataclass(frozen=True)
class StepTime:
    name: str
    rows: int
    seconds: float


@dataclass(frozen=True)
class DatasetSummary:
    """What ``build_dataset`` made and how long each part took."""

    demo: demo.DemoSummary
    setup_seconds: float  # key file, schema, director
    steps: tuple[StepTime, ...]
    seconds: float  # the whole build
    counts: dict[str, int]


def counts(clinic: Clinic) -> dict[str, int]:
    """The figures issue 12 names, counted in the clinic (see ``COUNTS``)."""
    with clinic.store.unit_of_work(write=False) as uow:
        conn = uow.session.connection()
        return {label: int(conn.exec_driver_sql(sql).scalar() or 0) for label, sql in COUNTS}


def _id_source(stream: str, moment: datetime) -> Callable[[], uuid.UUID]:
    """UUIDv7s at ``moment``, in the order they are asked for, the rest from ``stream``
    (the seed, and a step's name when it runs alone: other ids than the build's)."""
    rng = random.Random(f"gen-dataset-ids:{stream}")
    stamp = int(moment.timestamp() * 1000) & 0xFFFFFFFFFFFF
    serial = itertools.count()

    def source() -> uuid.UUID:
        # 48-bit time, version 7, 12 + 18 bits of serial, variant, 44 random bits.
        n = next(serial)
        rand_b = (n & 0x3FFFF) << 44 | rng.getrandbits(44)
        return uuid.UUID(int=stamp << 80 | 7 << 76 | (n >> 18 & 0xFFF) << 64 | 2 << 62 | rand_b)

    return source


def build_dataset(
    data_dir: Path,
    *,
    seed: int = 1,
    patients: int = 60_000,
    years: float = 5.0,
    kdf: KdfParams | None = None,
    state: TaskState | None = None,
    on_step: Callable[[str], None] | None = None,
) -> DatasetSummary:
    """Set up the demo clinic in an empty ``data_dir`` and run every step of ``STEPS``.

    The clinic's clock stands at ``now_utc`` (10:00 on ``TODAY``) and the services' row
    ids come from the seed, so the same seed builds the same rows. ``on_step`` hears
    each step's name before it runs; ``state`` the demo step's progress. The clinic is
    closed afterwards (open it with ``demo.DEMO_PASSPHRASE``).
    """
    zone = ZoneInfo("Asia/Shanghai")  # setup_clinic's default, checked once it is open
    moment = (datetime.combine(TODAY, clock_time(), zone) + timedelta(minutes=NOW_MINUTE))
    moment = moment.astimezone(UTC)
    started = time.perf_counter()
    with reproducible(_id_source(str(seed), moment), lambda: moment):
        clinic, summary = demo.build_demo_clinic(
            data_dir,
            seed=seed,
            patients=patients,
            years=years,
            kdf=kdf or KdfParams.floor(),
            state=state,
            clock=lambda: moment,
            extras=False,
        )
        if now_utc(clinic) != moment:  # the clinic's zone is the setup's default
            raise RuntimeError("the demo clinic's time zone is not the one assumed")
        times: list[StepTime] = []
        try:
            for name, step in STEPS:
                if on_step is not None:
                    on_step(name)
                step_started = time.perf_counter()
                written = step(clinic, seed)
                times.append(StepTime(name, written, time.perf_counter() - step_started))
            found = counts(clinic)
        finally:
            clinic.close()
    total = time.perf_counter() - started
    return DatasetSummary(
        demo=summary,
        setup_seconds=total - summary.seconds - sum(t.seconds for t in times),
        steps=tuple(times),
        seconds=total,
        counts=found,
    )


def run_step(clinic: Clinic, name: str, seed: int) -> StepTime:
    """One step of ``STEPS`` on a clinic built before the step existed."""
    step = dict(STEPS)[name]
    moment = now_utc(clinic)
    started = time.perf_counter()
    with reproducible(_id_source(f"{seed}:{name}", moment), lambda: moment):
        written = step(clinic, seed)
    return StepTime(name, written, time.perf_counter() - started)


def report(summary: DatasetSummary) -> list[str]:
    """The build's times and counts, a line each (the command line and the bench print it)."""
    d = summary.demo
    rows = d.staff_added + d.patients + d.visits + d.vital_signs
    lines = [
        f"data:        {d.patients:,} patients, {d.visits:,} visits, {d.vital_signs:,} vital "
        f"signs, {d.staff_added} staff, {d.first_day} to {d.last_day} "
        f"({d.visits / max(d.patients, 1):.1f} visits per patient)",
        f"setup:       {summary.setup_seconds:6.2f} s (key file, schema, director)",
        f"demo:        {d.seconds:6.2f} s, {rows / max(d.seconds, 1e-9):,.0f} rows/s, "
        f"{d.patients_per_second:,.0f} patients/s (one transaction)",
    ]
    lines += [
        f"{t.name + ':':13}{t.seconds:6.2f} s, {t.rows:,} rows, "
        f"{t.rows / max(t.seconds, 1e-9):,.0f} rows/s"
        for t in summary.steps
    ]
    lines += facts()
    lines.append("counts:      " + ", ".join(f"{n:,} {k}" for k, n in summary.counts.items()))
    lines.append(f"total:       {summary.seconds:6.2f} s")
    return lines


def facts() -> list[str]:
    """What the steps that ran in this process noted (their ``*_FACTS``)."""
    lines = []
    if CALENDAR_FACTS:
        f = CALENDAR_FACTS
        lines.append(
            f"calendar:    {f['appointments']:,} appointments {f['first_day']} to "
            f"{f['last_day']}, {f['resource_holds']:,} room/device holds; today {f['today']}: "
            f"{f['this_week']:,} rows this week, {f['next_week']:,} next week"
        )
    if FOLLOWUP_FACTS:
        u = FOLLOWUP_FACTS
        states = ", ".join(f"{n:,} {k}" for k, n in u["task_states"].items())
        sent = ", ".join(f"{n:,} {k}" for k, n in u["messages"].items())
        lines.append(
            f"follow-ups:  {u['tasks']:,} tasks ({states}), {u['calls']:,} calls; "
            f"{u['recategorised']:,} visits re-categorised; {u['deceased']:,} patients "
            f"deceased, {u['opted_out']:,} opted out; reminders: {sent}"
        )
    if QUALITY_FACTS:
        lines.append(f"quality:     {QUALITY_FACTS}")
    if MEMBERSHIP_FACTS:
        lines.append(f"membership:  {MEMBERSHIP_FACTS}")
    return lines
