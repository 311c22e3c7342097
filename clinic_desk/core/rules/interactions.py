"""Drug interaction, allergy and duplication warnings from a small local table (spec D1).

Pure: no database, no Qt. The table is ``resources/drug_interactions.json``,
a compilation of common outpatient drugs and well-known interactions that
clinics may extend. It is NOT a complete reference (its header says so in
three languages): a missing warning never means a combination is safe.

A drug is found by its generic English name, its simplified or traditional
Chinese name or a brand/alias name, inside whatever was typed
("阿莫西林胶囊 0.25g" finds amoxicillin). A drug the table does not list can
still be placed in a class by its name stem (美洛西林 and "mezlocillin" are
penicillins), so a penicillin allergy still warns.

``check`` compares the new items with each other and with what the patient
already takes, and each new item with the recorded allergies:

- ``interaction``: a pair in the table (drug or class against drug or class);
  a drug-specific entry wins over a class entry, so the table can refine it;
- ``allergy``: the allergy names the drug, its allergy class (青霉素 against
  阿莫西林) or a cross-reacting class (penicillin against a cephalosporin,
  moderate); an allergy the table cannot place still warns when its name is
  part of the drug's name;
- ``duplicate``: the same drug twice, or two drugs of a class where that is
  usually a duplication (two NSAIDs).
"""

from __future__ import annotations

import functools
import json
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from clinic_desk.core import paths
from clinic_desk.core.errors import ClinicError
from clinic_desk.core.i18n import QT_TRANSLATE_NOOP

TABLE_FILE = "drug_interactions.json"
FORMAT = 1
SEVERITIES = ("major", "moderate", "minor")
KINDS = ("allergy", "interaction", "duplicate")
LANGUAGES = ("en", "zh_CN", "zh_TW")
MESSAGE_KEYS = (
    "allergy_drug",
    "allergy_class",
    "allergy_name",
    "duplicate_drug",
    "duplicate_class",
)
DUPLICATE_SEVERITY = "moderate"

_ID = re.compile(r"^[a-z0-9_]+$")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


class InteractionTableError(ClinicError):
    template = QT_TRANSLATE_NOOP(
        "Errors",
        "The drug interaction table {path} cannot be used: {problem}. Prescriptions cannot be "
        "checked until the file is corrected or restored from the ClinicDesk installation.",
    )


def normalize(text: str) -> str:
    """NFKC (full-width letters and digits become plain ones), case-folded, single spaces."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


@dataclass(frozen=True)
class Localized:
    en: str
    zh_cn: str
    zh_tw: str

    def get(self, language: str = "en") -> str:
        """The text for a language code ("en", "zh_CN", "zh-TW", "zh_HK"...)."""
        code = language.replace("-", "_").lower()
        if code in {"zh_tw", "zh_hk", "zh_mo", "zh_hant"}:
            return self.zh_tw
        if code.startswith("zh"):
            return self.zh_cn
        return self.en


@dataclass(frozen=True)
class DrugClass:
    id: str
    names: Localized
    aliases: tuple[str, ...]
    patterns: tuple[re.Pattern[str], ...]
    duplicate: bool


@dataclass(frozen=True)
class DrugEntry:
    """A drug (or a substance such as alcohol) from the table.

    An entry made up from a class stem for a drug the table does not list
    has an id starting with ``class:``, the typed text as its names and no
    cautions.
    """

    id: str
    kind: str
    en: str
    zh_cn: str
    zh_tw: str
    aliases: tuple[str, ...]
    classes: tuple[str, ...]
    allergy_class: str | None
    cautions: Localized | None

    def name(self, language: str = "en") -> str:
        return Localized(self.en, self.zh_cn, self.zh_tw).get(language)

    @property
    def listed(self) -> bool:
        return not self.id.startswith("class:")


@dataclass(frozen=True)
class Interaction:
    a: str
    b: str
    severity: str
    advice: Localized

    @property
    def class_refs(self) -> int:
        return int(self.a.startswith("class:")) + int(self.b.startswith("class:"))


@dataclass(frozen=True)
class CrossReactivity:
    allergy: str
    drug_class: str
    severity: str
    advice: Localized


@dataclass(frozen=True)
class DrugWarning:
    """One warning about a new item: ``drug`` is the item as typed, ``other`` the
    other drug or the recorded allergy it clashes with."""

    kind: str
    severity: str
    drug: str
    other: str
    advice_en: str
    advice_zh: str
    advice_zh_tw: str

    def advice(self, language: str = "en") -> str:
        return Localized(self.advice_en, self.advice_zh, self.advice_zh_tw).get(language)

    @property
    def needs_override(self) -> bool:
        """Major interactions and every allergy warning need the prescriber's reason."""
        return self.severity == "major" or self.kind == "allergy"

    def to_dict(self) -> dict[str, str]:
        return {
            "kind": self.kind,
            "severity": self.severity,
            "drug": self.drug,
            "other": self.other,
            "advice_en": self.advice_en,
            "advice_zh": self.advice_zh,
            "advice_zh_tw": self.advice_zh_tw,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DrugWarning:
        return cls(
            kind=str(data.get("kind", "")),
            severity=str(data.get("severity", "")),
            drug=str(data.get("drug", "")),
            other=str(data.get("other", "")),
            advice_en=str(data.get("advice_en", "")),
            advice_zh=str(data.get("advice_zh", "")),
            advice_zh_tw=str(data.get("advice_zh_tw", "")),
        )


# The brief's name for it; kept as an alias so callers may say ``interactions.Warning``.
Warning = DrugWarning


def _sort_key(w: DrugWarning) -> tuple[int, int, str, str]:
    return (SEVERITIES.index(w.severity), KINDS.index(w.kind), w.drug, w.other)


def _name_pattern(name: str) -> re.Pattern[str]:
    # Latin names must stand as words ("asa" is not in "lasagne", "5-asa" is
    # mesalazine); CJK names have no word breaks, so a plain substring is right.
    head = r"(?<![a-z0-9\-])" if name[:1].isascii() and name[:1].isalnum() else ""
    tail = r"(?![a-z])" if name[-1:].isascii() and name[-1:].isalpha() else ""
    return re.compile(head + re.escape(name) + tail)


class InteractionTable:
    """The loaded, validated table with its name indexes."""

    def __init__(
        self,
        *,
        path: Path,
        disclaimer: Localized,
        source: Localized,
        classes: Mapping[str, DrugClass],
        drugs: Sequence[DrugEntry],
        interactions: Sequence[Interaction],
        cross_reactivity: Sequence[CrossReactivity],
        messages: Mapping[str, Localized],
    ) -> None:
        self.path = path
        self.disclaimer = disclaimer
        self.source = source
        self.classes = dict(classes)
        self.drugs = tuple(drugs)
        self.interactions = tuple(interactions)
        self.cross_reactivity = tuple(cross_reactivity)
        self.messages = dict(messages)
        # Longest name first, so "甲红霉素" (clarithromycin) wins over "红霉素".
        self._drug_names = sorted(
            ((_name_pattern(n), len(n), d) for d in self.drugs for n in _names(d)),
            key=lambda t: -t[1],
        )
        self._class_names = sorted(
            (
                (_name_pattern(normalize(n)), len(normalize(n)), c)
                for c in self.classes.values()
                for n in (c.names.en, c.names.zh_cn, c.names.zh_tw, *c.aliases)
            ),
            key=lambda t: -t[1],
        )

    # -- finding drugs ------------------------------------------------------

    def match_drug(self, text: str) -> DrugEntry | None:
        """The listed drug named in ``text`` (strengths and forms may surround it)."""
        norm = normalize(text)
        if not norm:
            return None
        for pattern, _, entry in self._drug_names:
            if pattern.search(norm):
                return entry
        return None

    def match_class(self, text: str) -> DrugClass | None:
        """The class named in ``text`` ("青霉素", "NSAIDs") or recognised by a name stem."""
        norm = normalize(text)
        if not norm:
            return None
        for pattern, _, cls in self._class_names:
            if pattern.search(norm):
                return cls
        for cls in self.classes.values():
            if any(p.search(norm) for p in cls.patterns):
                return cls
        return None

    def resolve(self, text: str) -> DrugEntry | None:
        """A listed drug, else a stand-in entry for a drug recognised only by its class."""
        entry = self.match_drug(text)
        if entry is not None:
            return entry
        cls = self.match_class(text)
        if cls is None:
            return None
        typed = text.strip()
        return DrugEntry(
            id=f"class:{cls.id}:{normalize(text)}",
            kind="drug",
            en=typed,
            zh_cn=typed,
            zh_tw=typed,
            aliases=(),
            classes=(cls.id,),
            allergy_class=cls.id,
            cautions=None,
        )

    # -- checking -----------------------------------------------------------

    def check(
        self,
        new_items: Sequence[str],
        current_drugs: Sequence[str],
        allergies: Sequence[str],
    ) -> list[DrugWarning]:
        """Warnings for ``new_items`` against each other, ``current_drugs`` and ``allergies``."""
        new = [(t.strip(), self.resolve(t)) for t in new_items if t.strip()]
        current: list[tuple[str, DrugEntry | None]] = []
        seen: set[str] = set()
        for text in current_drugs:
            entry = self.resolve(text)
            key = entry.id if entry is not None else normalize(text)
            if text.strip() and key not in seen:
                seen.add(key)
                current.append((text.strip(), entry))
        found: dict[tuple[str, str, str], DrugWarning] = {}

        def keep(w: DrugWarning) -> None:
            key = (w.kind, normalize(w.drug), normalize(w.other))
            if key not in found or _sort_key(w) < _sort_key(found[key]):
                found[key] = w

        pairs = [(new[i], new[j]) for i in range(len(new)) for j in range(i + 1, len(new))]
        pairs += [(n, c) for n in new for c in current]
        for (text_a, a), (text_b, b) in pairs:
            if a is None or b is None:
                continue
            for w in self._pair_warnings(text_a, a, text_b, b):
                keep(w)
        for text, entry in new:
            for allergy in allergies:
                found_allergy = self._allergy_warning(text, entry, allergy)
                if found_allergy is not None:
                    keep(found_allergy)
        return sorted(found.values(), key=_sort_key)

    def _pair_warnings(
        self, text_a: str, a: DrugEntry, text_b: str, b: DrugEntry
    ) -> Iterable[DrugWarning]:
        if a.id == b.id:
            yield self._message("duplicate", DUPLICATE_SEVERITY, "duplicate_drug", text_a, text_b)
            return
        shared = [c for c in a.classes if c in b.classes and self.classes[c].duplicate]
        if shared:
            yield self._message(
                "duplicate",
                DUPLICATE_SEVERITY,
                "duplicate_class",
                text_a,
                text_b,
                group=self.classes[shared[0]].names,
            )
        rules = [
            r
            for r in self.interactions
            if (_refers(r.a, a) and _refers(r.b, b)) or (_refers(r.a, b) and _refers(r.b, a))
        ]
        if rules:
            best = min(rules, key=lambda r: (r.class_refs, SEVERITIES.index(r.severity)))
            yield DrugWarning(
                "interaction",
                best.severity,
                text_a,
                text_b,
                best.advice.en,
                best.advice.zh_cn,
                best.advice.zh_tw,
            )

    def _allergy_warning(
        self, text: str, entry: DrugEntry | None, allergy: str
    ) -> DrugWarning | None:
        other = allergy.strip()
        if not other:
            return None
        # Every drug and class the allergy names: "头孢类和青霉素过敏" is both.
        allergic_drugs, allergic_classes = self._allergy_targets(other)
        if entry is not None:
            if entry.id in allergic_drugs:
                return self._message("allergy", "major", "allergy_drug", text, other)
            same = [c for c in entry.classes if c in allergic_classes]
            if same:
                return self._message(
                    "allergy",
                    "major",
                    "allergy_class",
                    text,
                    other,
                    group=self.classes[same[0]].names,
                )
            crosses = [
                x
                for x in self.cross_reactivity
                if x.allergy in allergic_classes and x.drug_class in entry.classes
            ]
            if crosses:
                x = min(crosses, key=lambda x: SEVERITIES.index(x.severity))
                return DrugWarning(
                    "allergy", x.severity, text, other, x.advice.en, x.advice.zh_cn, x.advice.zh_tw
                )
        if not allergic_drugs and not allergic_classes and _name_in(other, text):
            return self._message("allergy", "major", "allergy_name", text, other)
        return None

    def _allergy_targets(self, allergy: str) -> tuple[set[str], set[str]]:
        norm = normalize(allergy)
        drugs = {d for pattern, _, d in self._drug_names if pattern.search(norm)}
        classes = {d.allergy_class for d in drugs if d.allergy_class}
        classes |= {c.id for pattern, _, c in self._class_names if pattern.search(norm)}
        if not drugs:
            classes |= {
                c.id for c in self.classes.values() if any(p.search(norm) for p in c.patterns)
            }
        return {d.id for d in drugs}, classes

    def _message(
        self,
        kind: str,
        severity: str,
        key: str,
        drug: str,
        other: str,
        *,
        group: Localized | None = None,
    ) -> DrugWarning:
        text = self.messages[key]
        groups = group or Localized("", "", "")
        return DrugWarning(
            kind,
            severity,
            drug,
            other,
            text.en.format(drug=drug, other=other, group=groups.en),
            text.zh_cn.format(drug=drug, other=other, group=groups.zh_cn),
            text.zh_tw.format(drug=drug, other=other, group=groups.zh_tw),
        )


def _names(entry: DrugEntry) -> set[str]:
    return {normalize(n) for n in (entry.en, entry.zh_cn, entry.zh_tw, *entry.aliases)} - {""}


def _refers(ref: str, entry: DrugEntry) -> bool:
    if ref.startswith("class:"):
        return ref[6:] in entry.classes
    return ref == entry.id


def _name_in(allergy: str, drug: str) -> bool:
    # Only names long enough to mean something: "药" or "abc" would match far too much.
    needle = normalize(allergy)
    needed = 2 if _CJK.search(needle) else 4
    return len(needle) >= needed and _name_pattern(needle).search(normalize(drug)) is not None


# -- loading and validation -------------------------------------------------


class _Broken(Exception):
    """A structural problem, with where it is; turned into InteractionTableError."""


def _obj(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _Broken(f"{where} should be an object")
    return value


def _list(value: Any, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise _Broken(f"{where} should be a list")
    return value


def _text(value: Any, where: str, *, empty: bool = False) -> str:
    if not isinstance(value, str) or (not empty and not value.strip()):
        raise _Broken(f"{where} should be a non-empty text")
    return value


def _texts(value: Any, where: str) -> tuple[str, ...]:
    return tuple(_text(v, f"{where}[{i}]") for i, v in enumerate(_list(value, where)))


def _localized(value: Any, where: str) -> Localized:
    data = _obj(value, where)
    return Localized(*(_text(data.get(lang), f"{where}.{lang}") for lang in LANGUAGES))


def _severity(value: Any, where: str) -> str:
    if value not in SEVERITIES:
        raise _Broken(f"{where} should be one of {', '.join(SEVERITIES)}")
    return str(value)


def _parse(raw: Any, path: Path) -> InteractionTable:
    top = _obj(raw, "the file")
    if top.get("format") != FORMAT:
        raise _Broken(f"format should be {FORMAT}")
    classes: dict[str, DrugClass] = {}
    for cid, value in _obj(top.get("classes"), "classes").items():
        where = f"classes.{cid}"
        if not _ID.match(cid):
            raise _Broken(f"{where}: a class id uses a-z, 0-9 and _ only")
        data = _obj(value, where)
        names = Localized(*(_text(data.get(k), f"{where}.{k}") for k in LANGUAGES))
        patterns = []
        for i, p in enumerate(_texts(data.get("patterns", []), f"{where}.patterns")):
            try:
                patterns.append(re.compile(p))
            except re.error as error:
                raise _Broken(f"{where}.patterns[{i}] is not a valid pattern ({error})") from None
        duplicate = data.get("duplicate", False)
        if not isinstance(duplicate, bool):
            raise _Broken(f"{where}.duplicate should be true or false")
        classes[cid] = DrugClass(
            cid,
            names,
            _texts(data.get("aliases", []), f"{where}.aliases"),
            tuple(patterns),
            duplicate,
        )

    def class_id(value: Any, where: str) -> str:
        if value not in classes:
            raise _Broken(f"{where} names an unknown class {value!r}")
        return str(value)

    drugs: list[DrugEntry] = []
    owner: dict[str, str] = {}
    for i, value in enumerate(_list(top.get("drugs"), "drugs")):
        where = f"drugs[{i}]"
        data = _obj(value, where)
        did = _text(data.get("id"), f"{where}.id")
        if not _ID.match(did) or any(d.id == did for d in drugs):
            raise _Broken(f"{where}.id {did!r} is not a unique id of a-z, 0-9 and _")
        kind = data.get("kind", "drug")
        if kind not in ("drug", "substance"):
            raise _Broken(f"{where}.kind should be drug or substance")
        allergy = data.get("allergy_class")
        cautions = data.get("cautions")
        entry = DrugEntry(
            id=did,
            kind=str(kind),
            en=_text(data.get("en"), f"{where}.en"),
            zh_cn=_text(data.get("zh_CN"), f"{where}.zh_CN"),
            zh_tw=_text(data.get("zh_TW"), f"{where}.zh_TW"),
            aliases=_texts(data.get("aliases", []), f"{where}.aliases"),
            classes=tuple(
                class_id(c, f"{where}.classes")
                for c in _texts(data.get("classes", []), f"{where}.classes")
            ),
            allergy_class=None if allergy is None else class_id(allergy, f"{where}.allergy_class"),
            cautions=None if cautions is None else _localized(cautions, f"{where}.cautions"),
        )
        for name in _names(entry):
            if owner.setdefault(name, did) != did:
                raise _Broken(f"the name {name!r} is given to both {owner[name]} and {did}")
        drugs.append(entry)
    drug_ids = {d.id for d in drugs}

    def ref(value: Any, where: str) -> str:
        text = _text(value, where)
        if text.startswith("class:"):
            class_id(text[6:], where)
        elif text not in drug_ids:
            raise _Broken(f"{where} names an unknown drug {text!r}")
        return text

    interactions = []
    for i, value in enumerate(_list(top.get("interactions"), "interactions")):
        where = f"interactions[{i}]"
        data = _obj(value, where)
        a, b = ref(data.get("a"), f"{where}.a"), ref(data.get("b"), f"{where}.b")
        if a == b:
            raise _Broken(f"{where} pairs {a} with itself")
        interactions.append(
            Interaction(
                a,
                b,
                _severity(data.get("severity"), f"{where}.severity"),
                _localized(data.get("advice"), f"{where}.advice"),
            )
        )
    cross = []
    for i, value in enumerate(_list(top.get("cross_reactivity", []), "cross_reactivity")):
        where = f"cross_reactivity[{i}]"
        data = _obj(value, where)
        cross.append(
            CrossReactivity(
                class_id(data.get("allergy"), f"{where}.allergy"),
                class_id(data.get("drug_class"), f"{where}.drug_class"),
                _severity(data.get("severity"), f"{where}.severity"),
                _localized(data.get("advice"), f"{where}.advice"),
            )
        )
    messages_raw = _obj(top.get("messages"), "messages")
    messages = {k: _localized(messages_raw.get(k), f"messages.{k}") for k in MESSAGE_KEYS}
    for key, message in messages.items():
        for lang, template in zip(
            LANGUAGES, (message.en, message.zh_cn, message.zh_tw), strict=True
        ):
            try:
                template.format(drug="", other="", group="")
            except (KeyError, IndexError, ValueError):
                raise _Broken(
                    f"messages.{key}.{lang} may only use {{drug}}, {{other}} and {{group}}"
                ) from None
    return InteractionTable(
        path=path,
        disclaimer=_localized(top.get("disclaimer"), "disclaimer"),
        source=_localized(top.get("source"), "source"),
        classes=classes,
        drugs=drugs,
        interactions=interactions,
        cross_reactivity=cross,
        messages=messages,
    )


def load_table(path: Path) -> InteractionTable:
    """Read and validate a table; any problem raises ``InteractionTableError`` naming it."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise InteractionTableError(
            path=str(path), problem=f"the file cannot be read ({error.strerror or error})"
        ) from error
    except ValueError as error:
        line = getattr(error, "lineno", None)
        where = f" at line {line}" if line else ""
        raise InteractionTableError(
            path=str(path), problem=f"it is not valid JSON{where}"
        ) from error
    try:
        return _parse(raw, path)
    except _Broken as error:
        raise InteractionTableError(path=str(path), problem=str(error)) from None


def table_path() -> Path:
    return paths.resources_dir() / TABLE_FILE


@functools.cache
def default_table() -> InteractionTable:
    """The bundled table, loaded once per process."""
    return load_table(table_path())


def match_drug(text: str) -> DrugEntry | None:
    return default_table().match_drug(text)


def check(
    new_items: Sequence[str], current_drugs: Sequence[str], allergies: Sequence[str]
) -> list[DrugWarning]:
    return default_table().check(new_items, current_drugs, allergies)
