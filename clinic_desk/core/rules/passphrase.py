"""How strong is a clinic passphrase? (pure; used by setup and the command line)

The passphrase guards the whole clinic's data on a stolen disk, where there
is no lockout, so the bar is an offline-guessing bar: zxcvbn's estimate, plus
plain length limits. Feedback is our own short sentences so it can be
translated.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from zxcvbn import zxcvbn

from clinic_desk.core.i18n import QT_TRANSLATE_NOOP

MIN_CHARS = 10
MAX_CHARS = 1024
MIN_SCORE = 3  # zxcvbn 0..4; 3 = "safely unguessable: moderate protection from offline attack"
_SCORED_PREFIX = 72  # zxcvbn refuses longer text (and is slow on it); 72 chars decide anyway

TOO_SHORT = QT_TRANSLATE_NOOP("Passphrase", "Use at least {n} characters.")
TOO_LONG = QT_TRANSLATE_NOOP("Passphrase", "Use at most {n} characters.")
EMPTY = QT_TRANSLATE_NOOP("Passphrase", "Type a passphrase.")
GUESSABLE = QT_TRANSLATE_NOOP(
    "Passphrase",
    "Too easy to guess. Use four or more unrelated words, or a sentence only you would say.",
)
HAS_NAME = QT_TRANSLATE_NOOP(
    "Passphrase", "Do not use the clinic's name, phone or a login in the passphrase."
)

LABELS = (
    QT_TRANSLATE_NOOP("Passphrase", "Very weak"),
    QT_TRANSLATE_NOOP("Passphrase", "Weak"),
    QT_TRANSLATE_NOOP("Passphrase", "Fair"),
    QT_TRANSLATE_NOOP("Passphrase", "Strong"),
    QT_TRANSLATE_NOOP("Passphrase", "Very strong"),
)


@dataclass(frozen=True)
class Strength:
    score: int  # 0..4
    acceptable: bool
    problems: tuple[tuple[str, dict[str, int]], ...]  # (template, params)

    @property
    def label(self) -> str:
        return LABELS[self.score]


def assess(passphrase: str, *, avoid: tuple[str, ...] = ()) -> Strength:
    """Score ``passphrase``; ``avoid`` holds words it must not lean on (clinic name...)."""
    text = unicodedata.normalize("NFKC", passphrase)
    problems: list[tuple[str, dict[str, int]]] = []
    if not text.strip():
        return Strength(0, False, ((EMPTY, {}),))
    if len(text) > MAX_CHARS:
        return Strength(0, False, ((TOO_LONG, {"n": MAX_CHARS}),))
    if len(text) < MIN_CHARS:
        problems.append((TOO_SHORT, {"n": MIN_CHARS}))
    inputs = [a for a in avoid if a and len(a) <= 200]
    result = zxcvbn(text[:_SCORED_PREFIX], user_inputs=inputs, max_length=_SCORED_PREFIX)
    score = int(result["score"])
    folded = text.casefold()
    if any(len(a) >= 3 and a.casefold() in folded for a in inputs):
        problems.append((HAS_NAME, {}))
        score = min(score, 2)
    if score < MIN_SCORE:
        problems.append((GUESSABLE, {}))
    if problems:
        score = min(score, 2)
    return Strength(score, not problems, tuple(problems))
