"""Hypothesis strategies over every public service function (issue 12: fuzz, SQL injection).

The harness finds the public service functions by introspection (a function of a
``clinic_desk.core.services`` module whose first two parameters are ``clinic`` and
``actor``) and builds each call's arguments from its type hints: nasty text for
``str``, extremes for numbers and dates, real ids from a demo clinic for ids (a
random id would only test "not found"), dataclass drafts with nasty fields.
"""

from __future__ import annotations

import dataclasses
import enum
import importlib
import inspect
import pkgutil
import shutil
import signal
import types
import typing
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import strategies as st

from clinic_desk.core.errors import ClinicError
from clinic_desk.core.i18n import english
from clinic_desk.core.security.keys import KdfParams
from clinic_desk.core.services import demo, staff
from clinic_desk.core.services.base import Actor, Clinic
from clinic_desk.core.services.clinic import open_clinic

SERVICES_PACKAGE = "clinic_desk.core.services"

# Public functions that take (clinic, actor) but are left out of the fuzz, with why.
SKIPPED: dict[str, str] = {
    "demo.generate_demo": "the demo builder: fills a clinic with generated data, not user input "
    "(its numeric arguments are checked by tests/unit/test_demo.py)",
}

# --- nasty values ---------------------------------------------------------------------

MEGABYTE = 1_000_000
BIG_STRINGS: tuple[str, ...] = (
    "a" * MEGABYTE,
    "张" * MEGABYTE,
    "😀" * (MEGABYTE // 4),
    " " * MEGABYTE,
)
NASTY_STRINGS: tuple[str, ...] = (
    "",
    " ",
    "\t\n \u3000",
    "\x00",
    "a\x00b",
    "\udcff",
    "张\udcff三",
    "\ud800",
    "\u202eevil\u202c",
    "\u200f\u200e\u200b",
    "\ufeff",
    "张三",
    "張三",
    "李",
    "仁和社区诊所",
    "😀👨‍👩‍👧",
    "\U0001f600" * 3,
    "e\u0301",
    "ﬃ",
    "Ⅻ",
    "１２３４",
    "' OR 1=1 --",
    "'; DROP TABLE patient; --",
    '" OR ""="',
    "%",
    "_",
    "\\",
    "*/",
    "‘’“”",
    "<script>alert(1)</script>",
    "{name}",
    "{0}",
    "%s%s%n",
    "NULL",
    "None",
    "-1",
    "0",
    "9" * 40,
    "1e999",
    "NaN",
    "2026-02-30",
    "13800138000",
    "110101199003077777",
    "2026-000001",
    "\r\n",
    "a" * 300,
    "张" * 5000,
)


def nasty_text(*, big: bool = True) -> st.SearchStrategy[str]:
    """Strings that break naive code: CJK, emoji, NUL, lone surrogates, RTL marks,
    whitespace only, SQL- and HTML-looking, 1 MB."""
    pieces: list[st.SearchStrategy[str]] = [
        st.sampled_from(NASTY_STRINGS),
        # Any code point, surrogates included (category Cs).
        st.text(st.characters(codec=None), max_size=20),
    ]
    if big:
        pieces.append(st.sampled_from(BIG_STRINGS))
    return st.one_of(*pieces)


BIG_INTS = (0, 1, -1, 2**31, -(2**31), 2**63 - 1, -(2**63), 2**63, 2**64, 10**30, -(10**30))
NASTY_INTS = st.one_of(st.sampled_from(BIG_INTS), st.integers(-1000, 1000))
NASTY_FLOATS = st.one_of(
    st.sampled_from((0.0, -0.0, 1e308, -1e308, 5e-324, float("inf"), float("-inf"), float("nan"))),
    st.floats(allow_nan=True, allow_infinity=True),
)
NASTY_DECIMALS = st.one_of(
    st.sampled_from((Decimal("0"), Decimal("-1"), Decimal("1e30"), Decimal("NaN"), Decimal("Inf"))),
    st.decimals(allow_nan=True, allow_infinity=True),
)

_TODAY = datetime.now(UTC).date()
NASTY_DATES = st.one_of(
    st.sampled_from(
        (
            date.min,
            date.max,
            date(1, 1, 1),
            date(9999, 12, 31),
            date(1900, 2, 28),
            date(2000, 2, 29),
        )
    ),
    st.dates(),
    # Near today, where the valid paths are.
    st.integers(-400, 400).map(lambda d: _TODAY + timedelta(days=d)),
)
_AWARE_ZONES = (UTC, timezone(timedelta(hours=8)), timezone(timedelta(hours=-12)))
NASTY_DATETIMES = st.one_of(
    st.sampled_from(
        (
            datetime.min,
            datetime.max,
            datetime.min.replace(tzinfo=UTC),
            datetime.max.replace(tzinfo=UTC),
            datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=14))),
            datetime(9999, 12, 31, 23, 59, tzinfo=timezone(timedelta(hours=-14))),
        )
    ),
    st.datetimes(),  # naive
    st.datetimes(timezones=st.sampled_from(_AWARE_ZONES)),
    st.integers(-400 * 24, 400 * 24).map(
        lambda h: datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(hours=h)
    ),
)

# --- the services ---------------------------------------------------------------------


def service_modules() -> list[types.ModuleType]:
    package = importlib.import_module(SERVICES_PACKAGE)
    return [
        importlib.import_module(f"{SERVICES_PACKAGE}.{info.name}")
        for info in pkgutil.iter_modules(package.__path__)
    ]


def is_service_function(module: types.ModuleType, name: str, value: object) -> bool:
    if name.startswith("_") or not inspect.isfunction(value):
        return False
    if value.__module__ != module.__name__:
        return False  # imported from elsewhere
    params = list(inspect.signature(value).parameters)
    return params[:2] == ["clinic", "actor"]


def public_service_functions() -> dict[str, Callable[..., Any]]:
    """``"module.function"`` -> function, for every public ``(clinic, actor, ...)`` function."""
    found: dict[str, Callable[..., Any]] = {}
    for module in service_modules():
        short = module.__name__.rsplit(".", 1)[1]
        for name, value in vars(module).items():
            if is_service_function(module, name, value):
                found[f"{short}.{name}"] = value
    return found


def fuzzed_functions() -> dict[str, Callable[..., Any]]:
    return {k: v for k, v in public_service_functions().items() if k not in SKIPPED}


# --- the clinic they run on -----------------------------------------------------------

_TEMPLATE: dict[str, Path] = {}


def demo_template(factory: pytest.TempPathFactory) -> Path:
    """A small demo clinic (30 patients, with rosters, bookings, follow-ups, complaints,
    memberships), built once per test session and copied by each module."""
    base = factory.getbasetemp()
    key = str(base)
    if key not in _TEMPLATE:
        data_dir = factory.mktemp("fuzz-demo") / "clinic"
        clinic, _ = demo.build_demo_clinic(data_dir, patients=30, years=0.2, kdf=KdfParams.floor())
        clinic.close()
        _TEMPLATE[key] = data_dir
    return _TEMPLATE[key]


# Param name -> table of real ids, where the name is not "<table>_id".
_STAFF_PARAMS = (
    "assignee",
    "caller",
    "owner",
    "staff",
    "staff_concerned",
    "to_staff",
)
ID_TABLES: dict[str, str] = {
    **{name: "staff" for name in _STAFF_PARAMS},
    **{name: "doctor" for name in ("doctor", "new_doctor", "substitute")},
    "keep": "patient",
    "merge": "patient",
    "call": "followup_call",
    "exception": "roster_exception",
    "forward": "followup_forward",
    "message": "outbox_message",
    "tier": "member_tier",
    "new_tier": "member_tier",
    "note": "clinical_note",
    "series": "appointment_series",
    "task": "followup_task",
    "type": "appointment_type",
    "use": "benefit_use",
    "vitals": "vital_signs",
    "sample": "survey_sample",
    "contact": "absence_contact",
    "conflict": "sync_conflict",
    "closure": "clinic_closure",
    "resource": "resource",
}
# Same name, different table per module.
MODULE_ID_TABLES: dict[tuple[str, str], str] = {
    ("reception", "entry"): "queue_entry",
    ("waitlist", "entry"): "waitlist_entry",
}

AUDIT_TABLE = "audit_log"


@dataclass
class World:
    """An open demo clinic, its director, and real ids to call the services with."""

    clinic: Clinic
    actor: Actor
    tmp: Path
    tables: list[str]
    ids: dict[str, list[uuid.UUID]] = field(default_factory=dict)

    def table_for(self, module: str, param: str) -> str | None:
        base = param.removesuffix("_ids").removesuffix("_id")
        table = MODULE_ID_TABLES.get((module, base)) or ID_TABLES.get(base) or base
        return table if table in self.ids else None

    def refresh_ids(self) -> None:
        for table in self.tables:
            try:
                rows = self.clinic.store.read_rows(f'SELECT id FROM "{table}" LIMIT 40')
            except Exception:
                continue
            self.ids[table] = [v if isinstance(v, uuid.UUID) else as_uuid(v) for (v,) in rows]
        # Doctors are staff with a doctor profile (the calendar's columns).
        rows = self.clinic.store.read_rows("SELECT staff_id FROM doctor_profile LIMIT 40")
        self.ids["doctor"] = [as_uuid(v) for (v,) in rows]

    def row_counts(self) -> dict[str, int]:
        """Rows per table; the audit log counts only rows that are not refusals or failed
        attempts (those are audited in their own transaction before the error is raised:
        base.require, a wrong passphrase)."""
        counts: dict[str, int] = {}
        for table in self.tables:
            sql = f'SELECT count(*) FROM "{table}"'
            if table == AUDIT_TABLE:
                sql += " WHERE outcome NOT IN ('denied', 'failed')"
            counts[table] = self.clinic.store.read_rows(sql)[0][0]
        return counts


def as_uuid(value: object) -> uuid.UUID:
    if isinstance(value, bytes):
        return uuid.UUID(bytes=value)
    return uuid.UUID(str(value))


def open_world(template: Path, target: Path) -> World:
    shutil.copytree(template, target / "clinic")
    clinic = open_clinic(target / "clinic", passphrase=demo.DEMO_PASSPHRASE, use_keyring=False)
    actor = staff.sign_in(clinic, demo.DEMO_DIRECTOR_LOGIN, demo.DEMO_PASSWORD)
    tables = [
        name
        for (name,) in clinic.store.read_rows(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "ORDER BY name"
        )
    ]
    world = World(clinic, actor, target, tables)
    world.refresh_ids()
    return world


# --- strategies from type hints -------------------------------------------------------


class Builder:
    """Builds a strategy per parameter from its type hint, its name and its default."""

    def __init__(
        self, world: World, module: str, *, text: st.SearchStrategy[str] | None = None
    ) -> None:
        self.world = world
        self.module = module
        # The injection test gives every text its marked payloads instead.
        self.text = text if text is not None else nasty_text()

    def ids(self, name: str) -> st.SearchStrategy[uuid.UUID]:
        table = self.world.table_for(self.module, name)
        known = [i for i in self.world.ids.get(table or "", []) if i != self.world.actor.staff_id]
        if not known:
            return st.uuids()
        # Mostly real ids: a random one only tests "not found".
        return st.one_of(st.sampled_from(known), st.sampled_from(known), st.uuids())

    def for_type(self, tp: Any, name: str, default: Any = inspect.Parameter.empty) -> Any:
        strategy = self._for_type(tp, name)
        if default is not inspect.Parameter.empty and _hashable_plain(default):
            # The default is a valid value: keep the paths behind it reachable.
            return st.one_of(st.just(default), strategy)
        return strategy

    def _for_type(self, tp: Any, name: str) -> Any:
        origin = typing.get_origin(tp)
        args = typing.get_args(tp)
        if tp is Any or tp is object:
            return st.one_of(nasty_text(big=False), NASTY_INTS, st.none(), NASTY_FLOATS)
        if origin in (typing.Union, types.UnionType):
            return st.one_of(*[self._for_type(a, name) for a in args])
        if tp is type(None):
            return st.none()
        if tp is str:
            return self.text
        if tp is bool:
            return st.booleans()
        if tp is int:
            return NASTY_INTS
        if tp is float:
            return st.one_of(NASTY_FLOATS, NASTY_INTS)
        if tp is Decimal:
            return NASTY_DECIMALS
        if tp is datetime:
            return NASTY_DATETIMES
        if tp is date:
            return NASTY_DATES
        if tp is uuid.UUID:
            return self.ids(name)
        if tp is bytes:
            return st.one_of(st.binary(max_size=64), st.just(b"\x00" * MEGABYTE))
        if tp is Path:
            return st.sampled_from(self._paths())
        if isinstance(tp, type) and issubclass(tp, enum.Enum):
            return st.sampled_from(list(tp))
        if origin is typing.Literal:
            return st.sampled_from(args)
        if dataclasses.is_dataclass(tp) and isinstance(tp, type):
            return self.draft(tp)
        if origin in (list, Sequence, Iterable, tuple, frozenset, set) or (
            origin is not None and origin.__name__ in ("Collection", "Iterable", "Sequence")
        ):
            if origin is tuple and (len(args) != 2 or args[1] is not Ellipsis):
                return st.tuples(*[self._for_type(a, name) for a in args])
            inner = self._for_type(args[0], name.removesuffix("s")) if args else st.none()
            items = st.lists(inner, max_size=3)
            if origin is frozenset:
                return items.map(lambda xs: frozenset(_hashables(xs)))
            if origin is set:
                return items.map(lambda xs: set(_hashables(xs)))
            if origin is tuple:
                return items.map(tuple)
            return items
        if origin in (dict, Mapping):
            key_type, value_type = args
            return st.dictionaries(
                self._for_type(key_type, name), self._for_type(value_type, name), max_size=3
            )
        if origin is not None and origin.__name__ == "Callable":
            return st.just(english)
        # Objects only the program makes (TaskState, a gateway): their "None" is the caller's.
        return st.none()

    def draft(self, cls: type) -> st.SearchStrategy[Any]:
        """A form draft with each field nasty (or left at its default)."""
        hints = typing.get_type_hints(cls)
        fields: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            if not f.init:
                continue
            default: Any = inspect.Parameter.empty
            if f.default is not dataclasses.MISSING:
                default = f.default
            elif f.default_factory is not dataclasses.MISSING:
                default = f.default_factory()
            fields[f.name] = self.for_type(hints[f.name], f.name, default)
        return st.builds(cls, **fields)

    def _paths(self) -> list[Path]:
        tmp = self.world.tmp
        junk = tmp / "junk.csv"
        if not junk.exists():
            junk.write_bytes(
                b"\xff\xfe\x00name,\x00phone\n" + "张三,\udcff\n".encode("utf-8", "surrogatepass")
            )
        return [tmp / "missing.csv", junk, tmp / "out" / "x.csv", tmp]

    def call(self, fn: Callable[..., Any]) -> st.SearchStrategy[dict[str, Any]]:
        """Keyword arguments for ``fn`` after ``clinic, actor``."""
        hints = typing.get_type_hints(fn)
        required: dict[str, Any] = {}
        optional: dict[str, Any] = {}
        for p in list(inspect.signature(fn).parameters.values())[2:]:
            if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
                continue
            strategy = self.for_type(hints.get(p.name, Any), p.name, p.default)
            if p.default is inspect.Parameter.empty:
                required[p.name] = strategy
            else:
                optional[p.name] = strategy
        return st.fixed_dictionaries(required, optional=optional)


def _hashable_plain(value: object) -> bool:
    return isinstance(value, (str, int, float, bool, date, uuid.UUID, tuple, frozenset)) or (
        value is None
    )


def _hashables(values: Iterable[Any]) -> Iterator[Any]:
    for v in values:
        try:
            hash(v)
        except TypeError:
            continue
        yield v


# --- what a failure must look like ----------------------------------------------------


def check_user_error(error: ClinicError) -> None:
    """A refusal a person can read: a sentence, in a translatable template."""
    message = error.message()
    assert isinstance(error.template, str) and error.template.strip(), error
    assert message.strip(), f"{type(error).__name__} with an empty message"
    assert message.strip()[-1] in ".?!。？！）)", f"not a sentence: {message!r}"
    # The template is the translatable form: translating through an identity
    # table must give the same sentence (no patient data baked into the template).
    assert english("Errors", error.template).format(**error.params) == message


# Mistakes of the calling code, not of the user, refused on purpose by guards that may
# keep raising their programming errors: a naive datetime (the UI's date widgets always
# give aware times; store/base.py UTCDateTime, clinical._moment) and a vitals key that is
# no vital sign (the keys are the form's own field names; reception.check_in).
CONTRACT_ERRORS: tuple[tuple[type[Exception], str], ...] = (
    (ValueError, "must be timezone-aware"),
    (ValueError, "naive datetime given to a UTC column"),
    (TypeError, "unknown vital signs"),
)


def is_contract_error(error: BaseException) -> bool:
    cause: BaseException | None = error
    while cause is not None:
        if any(isinstance(cause, t) and m in str(cause) for t, m in CONTRACT_ERRORS):
            return True
        cause = getattr(cause, "orig", None) or cause.__cause__
    return False


class CallTimeout(Exception):
    """A service call ran longer than a person would wait."""


@contextmanager
def time_limit(seconds: int) -> Iterator[None]:
    def _alarm(signum: int, frame: object) -> None:
        raise CallTimeout(f"call still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def short(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit]}...({len(text)} chars)"
