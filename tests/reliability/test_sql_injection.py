"""SQL injection through every search and form (issue 12, reliability suite).

A payload list (classic quote breaks, stacked DROP, comment closers, LIKE wildcards,
unicode quotes, hex) goes through each search function and into the text fields of
form writes. It must have no effect: the schema and the row counts are unchanged
(except the write meant), a stored value reads back exactly as typed, and ``%`` or
``_`` do not match everyone. And no user string is ever part of SQL text: a guard on
the clinic's engine (SQLAlchemy ``before_cursor_execute``, which sees the statement
before its values are bound) and on ``Store.read_rows`` (the raw-cursor path of the
patient search) fails the test if a marker payload appears in any statement.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import event, text

from clinic_desk.core.errors import ClinicError
from clinic_desk.core.services import (
    clinical,
    complaints,
    membership,
    outbox,
    patient_search,
    patients,
    rosters,
    surveys,
)
from clinic_desk.core.services.registry_rules import PatientInput
from clinic_desk.core.store.store import Store
from tests.reliability.helpers import fuzz

MARK = "zz_inj_7f3a"
PAYLOADS: tuple[str, ...] = (
    "' OR 1=1 --",
    "' OR '1'='1",
    "'; DROP TABLE patient; --",
    '"; DROP TABLE staff; --',
    '" OR ""="',
    "') OR ('a'='a",
    "1; DELETE FROM audit_log",
    "' UNION SELECT id, id, id FROM staff --",
    "%",
    "_",
    "%%",
    "_%_",
    "\\",
    "\\%",
    "*/",
    "/*",
    "--",
    ";",
    "‘ OR 1=1 --",
    "’; DROP TABLE patient; --",
    "“ OR ”=“",
    "ʼ OR 1=1",
    "＇ OR １=１ --",
    "0x27",
    "char(39)",
    "' || (SELECT hex(randomblob(4))) || '",
    "NEAR(a b)",
    "a* OR b*",
    '"a" AND "b"',
    "?",
    ":q",
    "$1",
    "@x",
)
# Marked payloads: the marker must never show up in a statement's text.
MARKED: tuple[str, ...] = tuple(f"{MARK}{p}" for p in PAYLOADS) + tuple(
    f"{p}{MARK}" for p in PAYLOADS[:8]
)
WILDCARDS = ("%", "_", "%%", "_%_", "%_%", "\\%", "*")


class SqlGuard:
    """Records every statement text that holds the marker."""

    def __init__(self) -> None:
        self.leaks: list[str] = []
        self.statements = 0

    def see(self, statement: str) -> None:
        self.statements += 1
        if MARK in statement.casefold():
            self.leaks.append(statement[:300])


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[fuzz.World]:
    template = fuzz.demo_template(tmp_path_factory)
    w = fuzz.open_world(template, tmp_path_factory.mktemp("inj-world"))
    yield w
    w.clinic.close()


@pytest.fixture
def guard(world: fuzz.World, monkeypatch: pytest.MonkeyPatch) -> Iterator[SqlGuard]:
    watcher = SqlGuard()
    engine = world.clinic.store.engine

    def before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        watcher.see(statement)

    real_read_rows = Store.read_rows

    def read_rows(self: Store, sql: str, params: Any = ()) -> list[Any]:
        watcher.see(sql)  # the text, before the driver binds ``params``
        return real_read_rows(self, sql, params)

    event.listen(engine, "before_cursor_execute", before)
    monkeypatch.setattr(Store, "read_rows", read_rows)
    try:
        yield watcher
    finally:
        event.remove(engine, "before_cursor_execute", before)
    assert not watcher.leaks, f"user text inside SQL statements: {watcher.leaks[:3]}"


def schema(world: fuzz.World) -> list[tuple[str, str]]:
    return [
        (r[0], r[1] or "")
        for r in world.clinic.store.read_rows("SELECT name, sql FROM sqlite_master ORDER BY name")
    ]


def grown(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    """Tables whose row count changed, by how much; a shrink is always wrong here."""
    changed = {t: after[t] - before[t] for t in before if after[t] != before[t]}
    assert all(n > 0 for n in changed.values()), f"rows disappeared: {changed}"
    return changed


def a_patient(world: fuzz.World) -> uuid.UUID:
    return world.ids["patient"][0]


# --- the guard itself -------------------------------------------------------------------


def test_guard_catches_user_text_in_sql(world: fuzz.World) -> None:
    """The guard can fail: a statement with the marker written into its text (the bug it
    looks for) is caught on both paths, a bound marker is not."""
    watcher = SqlGuard()
    engine = world.clinic.store.engine

    def before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        watcher.see(statement)

    event.listen(engine, "before_cursor_execute", before)
    try:
        with world.clinic.store.unit_of_work(write=False) as uow:
            bound = uow.session.execute(text("SELECT :v"), {"v": MARKED[0]}).scalar()
            assert bound == MARKED[0]
            assert not watcher.leaks
            inlined = "SELECT '" + MARK + "'"
            uow.session.execute(text(inlined))
    finally:
        event.remove(engine, "before_cursor_execute", before)
    assert watcher.leaks == [inlined]


# --- searches ---------------------------------------------------------------------------


def _searches(world: fuzz.World) -> dict[str, Callable[[str], list[Any]]]:
    c, a = world.clinic, world.actor

    def campaign(typed: str) -> list[Any]:
        reached, skipped = outbox.campaign_preview(
            c, a, outbox.CampaignCriteria(condition_contains=typed)
        )
        return [reached + sum(skipped.values())]

    return {
        "patient_search.search_patients": lambda q: patient_search.search_patients(c, a, q),
        "patients.search_patients": lambda q: patients.search_patients(c, a, q),
        "membership.search": lambda q: membership.search(c, a, q, status="all"),
        "membership.find_by_card": lambda q: [membership.find_by_card(c, a, q)],
        "complaints.list_complaints": lambda q: complaints.list_complaints(
            c, a, status="all", search=q
        ),
        "surveys.find_sample": lambda q: [surveys.find_sample(c, a, q)],
        "outbox.campaign_preview": campaign,
    }


SEARCHES = (
    "patient_search.search_patients",
    "patients.search_patients",
    "membership.search",
    "membership.find_by_card",
    "complaints.list_complaints",
    "surveys.find_sample",
    "outbox.campaign_preview",
)


@pytest.mark.parametrize("name", SEARCHES)
def test_search_payloads_have_no_effect(name: str, world: fuzz.World, guard: SqlGuard) -> None:
    """Issue 12 (SQL injection), spec B2 search: every payload, marked and bare, is only
    a search term: no row or table changes (reads may add their audit row), no error
    other than a ClinicError, and a wildcard alone matches no one."""
    search = _searches(world)[name]
    tables_before, counts_before = schema(world), world.row_counts()
    for payload in (*MARKED, *PAYLOADS):
        try:
            search(payload)
        except ClinicError as error:
            fuzz.check_user_error(error)
    assert schema(world) == tables_before
    changed = grown(counts_before, world.row_counts())
    assert set(changed) <= {"audit_log"}, changed
    assert guard.statements > 0
    for wildcard in WILDCARDS:
        try:
            found = search(wildcard)
        except ClinicError:
            continue
        if name == "outbox.campaign_preview":
            assert found == [0], f"{wildcard!r} matched {found[0]} patients"
        else:
            assert found == [] or found == [None], f"{wildcard!r} matched {len(found)}"


def test_search_wildcards_match_only_literally(world: fuzz.World, guard: SqlGuard) -> None:
    """A patient whose address holds a literal ``%`` is not found by ``%`` in a name
    search, and a name search finds that patient by name (payload stored as text)."""
    c, a = world.clinic, world.actor
    typed = f"{MARK}%_' OR 1=1 --"
    made = patients.register_patient(
        c, a, PatientInput(family_name="欧阳", given_name="百分", address=typed, desk_notes=typed)
    ).value
    assert made.id in {h.id for h in patient_search.search_patients(c, a, "欧阳百分")}
    assert patient_search.search_patients(c, a, "%") == []
    assert patient_search.search_patients(c, a, "欧阳%") == []
    back = patients.get_patient(c, a, made.id).data
    assert (back.address, back.desk_notes) == (typed, typed)


# --- forms ------------------------------------------------------------------------------


Write = Callable[[fuzz.World, str], tuple[frozenset[str], Callable[[], tuple[str, ...]]]]


def _register(w: fuzz.World, p: str) -> tuple[frozenset[str], Callable[[], tuple[str, ...]]]:
    made = patients.register_patient(
        w.clinic,
        w.actor,
        PatientInput(
            family_name="张",
            given_name="三",
            address=p,
            desk_notes=p,
            occupation=p[:50],
            emergency_relation=p[:20],
        ),
    ).value

    def back() -> tuple[str, ...]:
        d = patients.get_patient(w.clinic, w.actor, made.id).data
        return (d.address, d.desk_notes)

    return frozenset({"patient", "patient_search_key", "audit_log"}), back


def _update(w: fuzz.World, p: str) -> tuple[frozenset[str], Callable[[], tuple[str, ...]]]:
    pid = a_patient(w)
    old = patients.get_patient(w.clinic, w.actor, pid).data
    patients.update_patient(
        w.clinic, w.actor, pid, PatientInput(**{**old.__dict__, "address": p, "desk_notes": p})
    )

    def back() -> tuple[str, ...]:
        d = patients.get_patient(w.clinic, w.actor, pid).data
        return (d.address, d.desk_notes)

    return frozenset({"audit_log", "patient_search_key"}), back


def _note(w: fuzz.World, p: str) -> tuple[frozenset[str], Callable[[], tuple[str, ...]]]:
    note = patients.add_clinical_note(w.clinic, w.actor, a_patient(w), body=p).value

    def back() -> tuple[str, ...]:
        record = patients.read_clinical_record(w.clinic, w.actor, a_patient(w))
        return tuple(n.body for n in record.notes if n.id == note.id)

    return frozenset({"clinical_note", "audit_log"}), back


def _allergy(w: fuzz.World, p: str) -> tuple[frozenset[str], Callable[[], tuple[str, ...]]]:
    made = clinical.add_allergy(w.clinic, w.actor, a_patient(w), substance=p, reaction=p).value

    def back() -> tuple[str, ...]:
        safety = clinical.read_safety(w.clinic, w.actor, a_patient(w))
        return tuple(
            x for al in safety.allergies if al.id == made.id for x in (al.substance, al.reaction)
        )

    return frozenset({"allergy", "audit_log"}), back


def _resource(w: fuzz.World, p: str) -> tuple[frozenset[str], Callable[[], tuple[str, ...]]]:
    made = rosters.add_resource(w.clinic, w.actor, kind="room", name=p, description=p).value

    def back() -> tuple[str, ...]:
        return tuple(
            x
            for r in rosters.list_resources(w.clinic, w.actor, include_inactive=True)
            if r.id == made.id
            for x in (r.name, r.description)
        )

    return frozenset({"resource", "audit_log"}), back


FORMS: dict[str, Write] = {
    "patients.register_patient": _register,
    "patients.update_patient": _update,
    "patients.add_clinical_note": _note,
    "clinical.add_allergy": _allergy,
    "rosters.add_resource": _resource,
}


@pytest.mark.parametrize("name", sorted(FORMS))
def test_form_payloads_stored_as_typed(name: str, world: fuzz.World, guard: SqlGuard) -> None:
    """Issue 12 (SQL injection): a payload typed into a form's text fields is stored and
    read back exactly; only the tables the write is meant for gain rows; the schema
    (no dropped table) is unchanged."""
    write = FORMS[name]
    tables_before = schema(world)
    for payload in MARKED:
        before = world.row_counts()
        allowed, back = write(world, payload)
        assert set(back()) == {payload}, f"{payload!r} read back as {back()!r}"
        assert set(grown(before, world.row_counts())) <= allowed
    assert schema(world) == tables_before


# --- every text parameter of every service ----------------------------------------------


@pytest.mark.parametrize("name", sorted(fuzz.fuzzed_functions()))
def test_no_user_text_in_sql_anywhere(name: str, world: fuzz.World, guard: SqlGuard) -> None:
    """Issue 12: every str parameter (and str field of a draft) of every public service
    function gets a marked payload; whatever the call does, the marker never reaches a
    statement's text (the guard fails the test otherwise) and no table is dropped."""
    fn = fuzz.fuzzed_functions()[name]
    builder = fuzz.Builder(world, name.split(".", 1)[0], text=st.sampled_from(MARKED))
    tables_before = schema(world)

    @settings(
        max_examples=2,  # bounded CI time; the fuzz test runs the rest
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(kwargs=builder.call(fn))
    def run(kwargs: dict[str, Any]) -> None:
        try:
            with fuzz.time_limit(60):
                fn(world.clinic, world.actor, **kwargs)
        except ClinicError:
            pass
        except Exception as error:
            if not fuzz.is_contract_error(error):
                raise

    run()
    assert [n for n, _ in schema(world)] == [n for n, _ in tables_before]
    world.refresh_ids()
