"""QR codes on printed documents (segno), drawn as vector shapes so they print sharp.

The clinic's contact goes in as a vCard: a phone camera (and WeChat's scanner)
offers to save it as a contact, with the clinic's name, phone and address.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from functools import lru_cache

import segno
from reportlab.pdfgen.canvas import Canvas

QUIET = 4  # modules of white a scanner needs around the code
ERROR = "m"  # 15% may be smudged; a vCard with Chinese text stays a small code


@lru_cache(maxsize=16)
def make_qr(data: str) -> segno.QRCode:
    """A full-size (not Micro) QR code of ``data``; the error level is raised if it fits.

    Cached: choosing the mask takes tens of milliseconds, and the clinic's contact is
    the same on every card printed.
    """
    return segno.make(data, error=ERROR, micro=False, boost_error=True)


def _escape(value: str) -> str:
    # vCard 3.0 text: backslash, comma and semicolon escaped, line breaks as \n.
    text = value.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;")
    return "\\n".join(line.strip() for line in text.splitlines() if line.strip())


def contact_vcard(*, name: str, phone: str = "", address: str = "", note: str = "") -> str:
    """The clinic's contact as a vCard 3.0 text (empty fields left out)."""
    lines = ["BEGIN:VCARD", "VERSION:3.0", f"N:{_escape(name)};;;;", f"FN:{_escape(name)}"]
    lines.append(f"ORG:{_escape(name)}")
    if phone.strip():
        lines.append(f"TEL;TYPE=WORK,VOICE:{phone.strip()}")
    if address.strip():
        lines.append(f"ADR;TYPE=WORK:;;{_escape(address)};;;;")
    if note.strip():
        lines.append(f"NOTE:{_escape(note)}")
    lines.append("END:VCARD")
    return "\r\n".join(lines)


Matrix = Sequence[Sequence[int]]


def dark_runs(matrix: Matrix) -> Iterator[tuple[int, int, int]]:
    """Each horizontal run of dark modules as (column, row from the bottom, length):
    a rectangle per run draws the code in far fewer pieces than one per module."""
    n = len(matrix)
    for r, row in enumerate(matrix):
        start: int | None = None
        for col, dark in enumerate([*row, 0]):
            if dark and start is None:
                start = col
            elif not dark and start is not None:
                yield start, n - 1 - r, col - start
                start = None


_OPS: dict[str, str] = {}


def _ops(name: str, matrix: Matrix) -> str:
    """The modules as PDF path operators in module units, one rectangle per run of dark.

    Written out once per code (and kept, the clinic's code is on every card): through
    reportlab's path objects each of several hundred rectangles costs four number
    formats.
    """
    ops = _OPS.get(name)
    if ops is None:
        parts = ["0 g"]
        parts += [f"{x} {y} {length} 1 re" for x, y, length in dark_runs(matrix)]
        parts.append("f")
        ops = "\n".join(parts)
        if len(_OPS) > 64:
            _OPS.clear()
        _OPS[name] = ops
    return ops


def draw_qr(c: Canvas, qr: segno.QRCode, *, x: float, y: float, size: float) -> None:
    """Draw ``qr`` with its quiet zone inside the square at (x, y) of side ``size``.

    The modules are one filled path (no hairline seams between them) in a form
    XObject in module units: a code repeated on every card is stored once.
    """
    matrix = qr.matrix
    n = len(matrix)
    name = "QR" + hashlib.sha1(bytes(v for row in matrix for v in row)).hexdigest()[:12]
    defined: set[str] = c.__dict__.setdefault("_clinicdesk_qr_forms", set())
    if name not in defined:
        c.beginForm(name, 0, 0, n, n)
        c.addLiteral(_ops(name, matrix))
        c.endForm()
        defined.add(name)
    module = size / (n + 2 * QUIET)
    c.saveState()
    c.translate(x + QUIET * module, y + QUIET * module)
    c.scale(module, module)
    c.doForm(name)
    c.restoreState()
