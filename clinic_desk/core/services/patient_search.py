"""Fast patient search (issue 4, "Search"): the desk's most frequent action.

Every searchable form of a patient is a row of ``patient_search_key`` (key,
patient, kind), and every search is a *prefix* lookup: a range scan
``key >= q AND key < q || U+10FFFF`` on the table's primary-key index, never
``LIKE`` and never a scan of ``patient``. What makes "contains" and "ends
with" searches prefix lookups is what is stored:

- ``name`` and ``gname``: the written full name and the given name
  (normalised as ``search_keys.name_keys`` does): 张三 is found by 张, 张三 and
  三; both are reported as ``name``, kept apart so only the full name is "exact";
- ``py``: full pinyin, initials and their variants (``zs``, ``zhangsan``;
  traditional characters are read too, so 張三 is found by ``zs``);
- ``tel``: every suffix of 4+ digits of each phone's national number, so any
  run of 4+ digits typed (the last four, a middle run) is a key prefix;
- ``id``: the normalised document number, for the full number or its start;
- ``idrev``: the same number reversed, so "the last 4+ characters" reversed
  is a key prefix. One key instead of one per suffix, and only true endings
  match (a birth year typed as phone digits does not list every ID holding it);
- ``rec``: the record number, lowercased, with its separator-free form and its
  serial part (``2021-000123`` → ``2021000123``, ``000123``, ``123``).

A membership card number (H2: 13 digits with a Luhn check digit, typed with or
without spaces, or read from the card's QR code) finds the membership's current
members, the payer first, ahead of the other hits. It is not a key: the card
number lives on the ``membership`` row, and the lookup is made only when the text
is 13 digits that pass the check, so every other search costs what it did.

A search is one SQL statement: one bounded range scan per key form the query
could be (``query_kind`` routes it), ranked on the keys, then the best few
joined to ``patient`` for the display fields, deleted and merged-away
patients dropped.
The index is local and derived: ``reindex_patient`` keeps a patient's keys in
step inside the registry's write transaction, ``rebuild_search_index``
recomputes the table after a migration, sync or import.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from clinic_desk.core.rules.phones import phone_digits_for_search
from clinic_desk.core.rules.search_keys import NameKeys, is_han, name_keys, query_kind
from clinic_desk.core.rules.search_keys import normalize_query as _normalize_query
from clinic_desk.core.security.permissions import Action
from clinic_desk.core.services.base import Actor, Clinic
from clinic_desk.core.store.models import Patient, PatientSearchKey

KIND_NAME = "name"
KIND_GIVEN_NAME = "gname"  # reported as "name"; kept apart so only a full name ranks as exact
KIND_PINYIN = "py"
KIND_PHONE = "tel"
KIND_ID = "id"
KIND_ID_REVERSED = "idrev"
KIND_RECORD = "rec"
KIND_CARD = "card"  # a membership card number (not a key: see _CARD_SQL)

MAX_QUERY_CHARS = 100
MAX_LIMIT = 200
MAX_KEY_CHARS = 80  # the column's length
MIN_DIGITS = 4  # shorter digit runs would match a large share of all phones
# A digits query this long may be the start of an ID number being typed in full.
MIN_ID_PREFIX_DIGITS = 10
# Key rows one range scan may return: bounds the work of a one-letter query
# ("z" has tens of thousands of keys); exact keys sort first, so they are kept.
CANDIDATE_CAP = 200
# The pinyin reading of a Chinese query only adds homophones and the other
# script's spelling, ranked last: fewer of them are worth fetching.
FALLBACK_CAP = 100
REBUILD_BATCH = 2_000

_TOP = "\U0010ffff"  # above every character: q <= key < q + _TOP is "key starts with q"
_NOT_ALNUM = re.compile(r"[^0-9a-z]+")
_DIGITS = re.compile(r"[0-9]+")
_SERIAL = re.compile(r"([0-9]+)$")


@dataclass(frozen=True)
class PatientHit:
    """One search result, ready for the results list (no clinical data)."""

    id: uuid.UUID
    record_no: str
    family_name: str
    given_name: str
    sex: str
    birth_date: date | None
    phone: str  # E.164
    id_kind: str
    id_number_masked: str  # 1101**********1234
    matched_kind: str  # name, py, tel, id, rec or card


# --- keys ---------------------------------------------------------------------------


@lru_cache(maxsize=8192)
def _name_keys(name: str) -> NameKeys:
    # Names repeat a lot (王伟, 张静...) and pypinyin costs ~0.1 ms a name.
    return name_keys(name)


def _full_name(family: str, given: str) -> str:
    """Chinese names are written family-given without a space; Latin ones with one."""
    family, given = family.strip(), given.strip()
    if family and given and not (is_han(family[-1]) and is_han(given[0])):
        return f"{family} {given}"
    return family + given


def _id_key(number: str) -> str:
    return _NOT_ALNUM.sub("", unicodedata.normalize("NFKC", number).casefold())


def _record_keys(record_no: str) -> set[str]:
    rec = unicodedata.normalize("NFKC", record_no).casefold().strip()
    if not rec:
        return set()
    keys = {rec, _NOT_ALNUM.sub("", rec)}
    serial = _SERIAL.search(rec)
    if serial:  # the part people read out: "000123", "123"
        keys.update({serial.group(1), serial.group(1).lstrip("0")})
    keys.discard("")
    return keys


def _name_search_keys(family: str, given: str) -> set[tuple[str, str]]:
    full = _full_name(family, given)
    if not full:
        return set()
    keys: set[tuple[str, str]] = set()
    forms = [_name_keys(full)]
    if given.strip() and family.strip() and not is_han(full[0]):
        forms.append(_name_keys(f"{given} {family}"))  # "John Smith" as well as "Smith John"
    for nk in forms:
        keys.add((nk.hanzi, KIND_NAME))
        keys.update((k, KIND_PINYIN) for k in (nk.full_pinyin, nk.initials))
        keys.update((k, KIND_PINYIN) for k in nk.alternatives + nk.alternative_initials)
    if given.strip():
        keys.add((_name_keys(given).hanzi, KIND_GIVEN_NAME))
    return keys


def search_keys_for(patient: Patient) -> set[tuple[str, str]]:
    """The (key, kind) pairs that find ``patient``; pure over the row's fields.

    Deleted and merged-away patients still get keys here: whether a row is
    indexed at all is ``reindex_patient``'s decision.
    """
    keys = _name_search_keys(patient.family_name or "", patient.given_name or "")
    for phone in (patient.phone, patient.phone2):
        digits = phone_digits_for_search(phone) if phone else ""
        keys.update((digits[start:], KIND_PHONE) for start in range(len(digits) - MIN_DIGITS + 1))
    number = _id_key(patient.id_number or "")
    if number:
        keys.add((number, KIND_ID))
        if len(number) >= MIN_DIGITS:
            keys.add((number[::-1], KIND_ID_REVERSED))
    keys.update((k, KIND_RECORD) for k in _record_keys(patient.record_no or ""))
    return {(k[:MAX_KEY_CHARS], kind) for k, kind in keys if k}


def _indexed(patient: Patient) -> bool:
    return patient.deleted_at is None and patient.merged_into is None


def _key_rows(patient: Patient) -> list[dict[str, Any]]:
    if not _indexed(patient):
        return []
    return [
        {"key": key, "patient_id": patient.id, "kind": kind}
        for key, kind in sorted(search_keys_for(patient))
    ]


def reindex_patient(session: Session, patient: Patient) -> None:
    """Replace ``patient``'s keys; call inside the write that changed the patient.

    A deleted or merged-away patient is left with no keys.
    """
    if patient.id is None or patient in session.new:
        session.flush()  # the id, and the row the keys' foreign key points at
    session.execute(delete(PatientSearchKey).where(PatientSearchKey.patient_id == patient.id))
    rows = _key_rows(patient)
    if rows:
        session.execute(insert(PatientSearchKey), rows)


def reindex_patients(session: Session, patients: Sequence[Patient]) -> None:
    """``reindex_patient`` for many at once: one DELETE and one INSERT (sync applies
    thousands of patients in a batch; two statements each cost more than the keys)."""
    if not patients:
        return
    if any(p.id is None or p in session.new for p in patients):
        session.flush()
    session.execute(
        delete(PatientSearchKey).where(PatientSearchKey.patient_id.in_([p.id for p in patients]))
    )
    rows = [row for p in patients for row in _key_rows(p)]
    if rows:
        session.execute(insert(PatientSearchKey), rows)


def index_new_patients(session: Session, patients: Sequence[Patient]) -> None:
    """Insert the keys of just-added patients in one statement (register, import).

    They have no keys yet, so nothing is deleted first; ``reindex_patient``
    is the one to call after an edit.
    """
    if any(p.id is None or p in session.new for p in patients):
        session.flush()
    rows = [row for p in patients for row in _key_rows(p)]
    if rows:
        session.execute(insert(PatientSearchKey), rows)


# Bump when the keys change form: opening the clinic then rebuilds the index.
INDEX_VERSION = "1"
META_INDEX_VERSION = "search_index_version"


def ensure_search_index(clinic: Clinic) -> bool:
    """Rebuild the index if it was made by another version (or never: an upgraded clinic).

    Called when a clinic is opened; True when it rebuilt.
    """
    if clinic.store.meta_value(META_INDEX_VERSION) == INDEX_VERSION:
        return False
    rebuild_search_index(clinic)
    return True


def rebuild_search_index(clinic: Clinic, *, batch_size: int = REBUILD_BATCH) -> int:
    """Recompute the whole index from ``patient`` (after a migration, sync or import).

    One write transaction, so searches see the old index or the new one, never
    half of it. Returns the number of key rows written.
    """
    written = 0
    with clinic.store.unit_of_work(write=True) as uow:
        session = uow.session
        session.execute(delete(PatientSearchKey))
        stmt = (
            select(Patient)
            .where(Patient.deleted_at.is_(None), Patient.merged_into.is_(None))
            .order_by(Patient.id)
            .execution_options(yield_per=batch_size)
        )
        for batch in session.execute(stmt).scalars().partitions():
            rows = [row for p in batch for row in _key_rows(p)]
            if rows:
                session.execute(insert(PatientSearchKey), rows)
                written += len(rows)
            # Memory stays flat on a large registry. Not expunge_all(): it replaces the
            # identity map the streaming result still loads the next batch into.
            for patient in batch:
                session.expunge(patient)
        uow.set_meta(META_INDEX_VERSION, INDEX_VERSION)
        uow.commit()
    return written


# --- the query ----------------------------------------------------------------------


@dataclass(frozen=True)
class _Range:
    prefix: str
    kinds: tuple[str, ...]
    fallback: bool = False  # a looser reading of the query, ranked after the rest


def _clean_query(query: str) -> str:
    # Lone surrogates cannot be encoded for SQLite; control characters are never in keys.
    kept = (
        ch for ch in query[: MAX_QUERY_CHARS * 2] if unicodedata.category(ch) not in ("Cs", "Cc")
    )
    return "".join(kept).strip()[:MAX_QUERY_CHARS]


def _phone_prefixes(norm: str) -> list[str]:
    """Digit runs to look up among the phone suffixes for a digits query."""
    digits = "".join(_DIGITS.findall(norm))
    if norm.startswith("+"):
        national = phone_digits_for_search(norm)
        found = [national] if national and national != digits else []
        return [*found, digits] if len(digits) >= MIN_DIGITS else found
    out = [digits] if len(digits) >= MIN_DIGITS else []
    if digits.startswith("00") and len(digits) > 2:  # the international prefix
        national = phone_digits_for_search("+" + digits[2:])
        if national:
            out.insert(0, national)
    elif digits.startswith("0") and len(digits) > MIN_DIGITS:  # a landline's trunk 0
        out.append(digits[1:])
    return [p for p in out if len(p) >= MIN_DIGITS]


def _ranges(query: str) -> tuple[str, list[_Range]]:
    """The normalised query and the key ranges to scan for it."""
    norm = _normalize_query(query)
    if not norm:
        return "", []
    kind = query_kind(query)
    ranges: list[_Range] = []
    if kind == "hanzi":
        ranges.append(_Range(norm, (KIND_NAME, KIND_GIVEN_NAME)))
        if all(is_han(ch) for ch in norm):
            # Traditional characters typed for a name stored in simplified ones
            # (or the reverse) meet in the pinyin; homophones come too, ranked last.
            # Only for all-Han text: the reading of "张😀" would be just "zhang".
            reading = _name_keys(norm).full_pinyin
            if reading:
                ranges.append(_Range(reading, (KIND_PINYIN,), fallback=True))
    elif kind == "pinyin":
        ranges.append(_Range(norm, (KIND_PINYIN, KIND_NAME, KIND_GIVEN_NAME, KIND_RECORD)))
    else:
        alnum = _NOT_ALNUM.sub("", norm)
        ranges.append(_Range(norm, (KIND_RECORD, KIND_NAME, KIND_GIVEN_NAME)))
        if alnum != norm and alnum:
            ranges.append(_Range(alnum, (KIND_RECORD,)))
        if kind == "digits":
            ranges.extend(_Range(p, (KIND_PHONE,)) for p in _phone_prefixes(norm))
        if len(alnum) >= MIN_DIGITS:
            ranges.append(_Range(alnum[::-1], (KIND_ID_REVERSED,)))
        if kind == "id" or len(alnum) >= MIN_ID_PREFIX_DIGITS:
            ranges.append(_Range(alnum, (KIND_ID,)))
    return norm, ranges


_RANGE_SQL = (
    "SELECT patient_id, kind, key, {fallback} AS fallback FROM ("
    "SELECT patient_id, kind, key FROM patient_search_key"
    " WHERE key >= :lo{i} AND key < :hi{i} AND kind IN ({kinds}) LIMIT {cap})"
)

# Ranks: 0 the exact record, ID or full name; 1 a name prefix (full or given
# name); 2 a whole key (initials "zs", a full phone); 3 any other prefix; 4 fallbacks.
# The candidates are ranked on the key index alone (its pages are few and
# clustered), and only the best few are looked up in ``patient``: a patient row
# read is the costly part once pages have to be decrypted. Ties go by key, so
# pinyin results come out in alphabetical order.
_SEARCH_SQL = """
WITH c(patient_id, kind, key, fallback) AS ({ranges}),
best AS (
    SELECT patient_id, kind, key,
           min(CASE
               WHEN fallback THEN 4
               WHEN key = :q AND kind IN ('rec', 'id', 'name') THEN 0
               WHEN kind IN ('name', 'gname') THEN 1
               WHEN key = :q THEN 2
               ELSE 3
           END) AS rnk
    FROM c GROUP BY patient_id ORDER BY rnk, key, patient_id LIMIT {inner_limit}
)
SELECT p.id, p.record_no, p.family_name, p.given_name, p.sex, p.birth_date, p.phone,
       p.id_kind, p.id_number, best.kind
FROM best CROSS JOIN patient AS p ON p.id = best.patient_id
WHERE p.deleted_at IS NULL AND p.merged_into IS NULL
ORDER BY best.rnk, best.key, best.patient_id
LIMIT {limit}
"""
# Spare candidates for rows whose keys outlived a delete or merge (until a rebuild).
SPARE = 10


@lru_cache(maxsize=64)
def _statement_sql(shape: tuple[tuple[tuple[str, ...], bool], ...], limit: int) -> str:
    """The SQL for one shape of query (which kinds each range scans); few shapes exist.

    The limit is written into the text: a bound LIMIT makes SQLCipher's SQLite
    (3.53) run the statement several times slower.
    """
    parts = []
    for i, (kinds, fallback) in enumerate(shape):
        kind_list = ", ".join(f"'{k}'" for k in kinds)  # our constants, never user text
        parts.append(
            _RANGE_SQL.format(
                i=i,
                kinds=kind_list,
                fallback=int(fallback),
                cap=FALLBACK_CAP if fallback else CANDIDATE_CAP,
            )
        )
    # CROSS JOIN: SQLite must drive from the few candidates, never scan patient.
    return _SEARCH_SQL.format(
        ranges=" UNION ALL ".join(parts), limit=int(limit), inner_limit=int(limit) + SPARE
    )


def search_sql(query: str, *, limit: int = 20) -> tuple[str, dict[str, Any]]:
    """The one statement ``search_patients`` runs for ``query``, and its parameters.

    Public for the benchmark, which runs the same statement on bare SQLite.
    Returns ``("", {})`` when there is nothing to look up.
    """
    norm, ranges = _ranges(_clean_query(query))
    if not ranges:
        return "", {}
    params: dict[str, Any] = {"q": norm}
    for i, r in enumerate(ranges):
        params[f"lo{i}"] = r.prefix
        params[f"hi{i}"] = r.prefix + _TOP
    shape = tuple((r.kinds, r.fallback) for r in ranges)
    return _statement_sql(shape, max(1, min(limit, MAX_LIMIT))), params


def mask_id_number(number: str) -> str:
    """The number with its middle hidden, for lists: ``1101**********1234``."""
    n = len(number)
    if n < 4:
        return "*" * n
    keep = min(4, max(1, n // 4))
    return number[:keep] + "*" * (n - 2 * keep) + number[-keep:]


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


_REPORTED_KIND = {KIND_ID_REVERSED: KIND_ID, KIND_GIVEN_NAME: KIND_NAME}


def hits_from_rows(rows: Iterable[Any]) -> list[PatientHit]:
    return [
        PatientHit(
            id=uuid.UUID(hex=r[0]),  # the Uuid column's stored form: 32 hex digits
            record_no=r[1] or "",
            family_name=r[2] or "",
            given_name=r[3] or "",
            sex=r[4] or "U",
            birth_date=_date(r[5]),
            phone=r[6] or "",
            id_kind=r[7] or "",
            id_number_masked=mask_id_number(r[8] or ""),
            matched_kind=_REPORTED_KIND.get(r[9], str(r[9])),
        )
        for r in rows
    ]


# The current members of the membership with this card number, the payer first. The
# number is matched as stored, with or without its spaces ("1234 5678 9012 3").
_CARD_SQL = """
SELECT p.id, p.record_no, p.family_name, p.given_name, p.sex, p.birth_date, p.phone,
       p.id_kind, p.id_number, 'card'
FROM membership AS m
CROSS JOIN membership_member AS mm ON mm.membership_id = m.id
CROSS JOIN patient AS p ON p.id = mm.patient_id
WHERE m.card_no IN (:digits, :shown) AND m.deleted_at IS NULL
  AND mm.deleted_at IS NULL AND mm.left_on IS NULL
  AND p.deleted_at IS NULL AND p.merged_into IS NULL
ORDER BY mm.patient_id != m.payer_id, p.family_name, p.given_name, p.id
LIMIT 50
"""
_CARD_CHARS = frozenset("0123456789 ")
CARD_DIGITS = 13


def card_query(query: str) -> str | None:
    """The card number's 13 digits when ``query`` is one (digits and spaces only, the
    Luhn check digit right), else None. Cheap enough to ask on every keystroke."""
    text = unicodedata.normalize("NFKC", query[: MAX_QUERY_CHARS * 2]).strip()
    if not text or not _CARD_CHARS.issuperset(text):
        return None
    if sum(ch.isdigit() for ch in text) != CARD_DIGITS:
        return None
    # Imported here: the membership service may use this module's keys for its own search.
    from clinic_desk.core.services import membership

    return membership.normalise_card_no(text)


def _card_hits(clinic: Clinic, digits: str) -> list[PatientHit]:
    shown = f"{digits[0:4]} {digits[4:8]} {digits[8:12]} {digits[12:]}"
    rows = clinic.store.read_rows(_CARD_SQL, {"digits": digits, "shown": shown})
    return hits_from_rows(rows)


def search_patients(
    clinic: Clinic, actor: Actor, query: str, *, limit: int = 20
) -> list[PatientHit]:
    """Patients matching what was typed, best first (see the module docstring).

    A membership card number finds its members first (``matched_kind`` "card").
    Not audited: it runs on every keystroke, and shows no clinical data.
    """
    clinic.require(actor, Action.PATIENT_SEARCH)
    card = card_query(query)
    found = _card_hits(clinic, card) if card is not None else []
    sql, params = search_sql(query, limit=limit)
    if not sql:
        return found[: max(0, limit)]
    # One statement on a pooled connection: a Session and an explicit
    # transaction would cost more than the lookup itself on every keystroke.
    rows = clinic.store.read_rows(sql, params)
    hits = hits_from_rows(rows)
    if not found:
        return hits
    seen = {h.id for h in found}
    return [*found, *(h for h in hits if h.id not in seen)][: max(1, min(limit, MAX_LIMIT))]
