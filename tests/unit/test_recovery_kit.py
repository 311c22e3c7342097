"""The recovery kit PDF and the printing fonts behind it."""

from __future__ import annotations

import ast
import io
import os
import re
import shutil
import subprocess
import threading
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import segno
from pypdf import PageObject, PdfReader
from pypdf.generic import ContentStream
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics

from clinic_desk.core.printing import fonts, recovery_kit
from clinic_desk.core.printing.recovery_kit import build_recovery_kit

KEY = "ABCD-EFGH-JKMN-PQRS-TVWX-YZ01-2345-6789"
KEY_ROWS = ("ABCD-EFGH-JKMN-PQRS", "TVWX-YZ01-2345-6789")
CLINIC = "仁和诊所（朝阳分院）"
CLINIC_ID = "0191f3c2-7d4e-7a3b-9c1d-2e3f4a5b6c7d"
CREATED = datetime(2025, 3, 14, 9, 26, 53, tzinfo=UTC)
WARNING = (
    "If the passphrase, this recovery key and every computer's saved key are all lost, "
    "the clinic's data cannot be recovered by anyone, including ClinicDesk's makers."
)
MARGIN_MIN = 18 * mm

needs_pdftotext = pytest.mark.skipif(
    shutil.which("pdftotext") is None, reason="poppler's pdftotext is not installed"
)


def build(path: Path, **overrides: object) -> Path:
    kwargs: dict[str, object] = {
        "clinic_name": CLINIC,
        "clinic_id": CLINIC_ID,
        "recovery_key": KEY,
        "created_at": CREATED,
    }
    kwargs.update(overrides)
    build_recovery_kit(path, **kwargs)  # type: ignore[arg-type]
    return path


def flat(text: str) -> str:
    """Text with every run of whitespace (including line breaks) as one space."""
    return " ".join(text.split())


def pypdf_text(path: Path) -> str:
    reader = PdfReader(path)
    assert len(reader.pages) == 1
    return reader.pages[0].extract_text()


def resources(page: PageObject) -> Any:
    """The page's resource dictionary (typed loosely: pypdf objects are dynamic)."""
    return page["/Resources"].get_object()


def pdftotext(path: Path, *args: str) -> str:
    return subprocess.run(
        ["pdftotext", *args, str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


# --- content --------------------------------------------------------------------


def test_pypdf_reads_key_name_and_warning(tmp_path: Path) -> None:
    text = pypdf_text(build(tmp_path / "kit.pdf"))
    for row in KEY_ROWS:
        assert row in text
    assert text.index(KEY_ROWS[0]) < text.index(KEY_ROWS[1])
    assert CLINIC in text
    assert CLINIC_ID in text
    assert "2025-03-14 09:26 UTC" in text
    assert "ClinicDesk recovery kit" in text
    assert WARNING in flat(text)
    assert "Stored by ____" in text
    for words in ("new computer", "passphrase has been forgotten", "locked place",
                  "Never photograph it", "email it"):  # fmt: skip
        assert words in flat(text)


@needs_pdftotext
def test_pdftotext_reads_key_name_and_warning(tmp_path: Path) -> None:
    text = pdftotext(build(tmp_path / "kit.pdf"))
    for row in KEY_ROWS:
        assert row in text
    assert text.index(KEY_ROWS[0]) < text.index(KEY_ROWS[1])
    assert CLINIC in text
    assert CLINIC_ID in text
    assert "ClinicDesk recovery kit" in text
    assert WARNING in flat(text)
    for words in ("new computer", "passphrase has been forgotten", "Never photograph it"):
        assert words in flat(text)


def test_created_is_shown_in_utc(tmp_path: Path) -> None:
    beijing = timezone(timedelta(hours=8))
    created = datetime(2025, 3, 14, 17, 26, tzinfo=beijing)
    assert "2025-03-14 09:26 UTC" in pypdf_text(build(tmp_path / "kit.pdf", created_at=created))


def test_metadata(tmp_path: Path) -> None:
    meta = PdfReader(build(tmp_path / "kit.pdf")).metadata
    assert meta is not None
    assert meta.title == "ClinicDesk recovery kit"
    assert meta.author == "ClinicDesk"
    # The secret stays on the page, out of the metadata that file browsers show.
    assert "ABCD" not in str(dict(meta))


def _fonts_of(resource_dict: Any) -> list[Any]:
    """Every font a resource dictionary uses, its forms' fonts and Type0 descendants included."""
    found: list[Any] = []
    for ref in resource_dict.get("/Font", {}).values():
        font = ref.get_object()
        found.append(font)
        for descendant in font.get("/DescendantFonts", []):
            found.append(descendant.get_object())
    for ref in resource_dict.get("/XObject", {}).values():
        xobject = ref.get_object()
        if "/Resources" in xobject:
            found.extend(_fonts_of(xobject["/Resources"].get_object()))
    return found


@pytest.mark.parametrize("name", [CLINIC, "Sunshine Family Clinic", "诊所😀" * 2500])
def test_every_font_is_embedded_as_subset(tmp_path: Path, name: str) -> None:
    """No standard-14 (non-embedded) font: every glyph, Latin included, ships in the PDF."""
    page = PdfReader(build(tmp_path / "kit.pdf", clinic_name=name)).pages[0]
    all_fonts = _fonts_of(resources(page))
    assert all_fonts
    names = set()
    for font in all_fonts:
        if font["/Subtype"] == "/Type0":
            continue  # its glyphs live in the descendant font, checked on its own
        base = str(font["/BaseFont"])
        descriptor = font.get("/FontDescriptor")
        assert descriptor is not None, f"{base} is not embedded"
        descriptor = descriptor.get_object()
        assert "/FontFile2" in descriptor or "/FontFile3" in descriptor, f"{base} is not embedded"
        # "ABCDEF+" marks a subset: only the glyphs used are in the file.
        match = re.fullmatch(r"/[A-Z]{6}\+(.+?)(-\d+)?", base)
        assert match, f"{base} is not a subset"
        names.add(match.group(1))
    assert names == {"WenQuanYiMicroHei", "WenQuanYiMicroHeiMono"}
    raw = (tmp_path / "kit.pdf").read_bytes()
    for standard in (b"/Helvetica", b"/Courier", b"/Times", b"/Symbol", b"/ZapfDingbats"):
        assert standard not in raw


@pytest.mark.skipif(shutil.which("pdffonts") is None, reason="poppler's pdffonts is missing")
def test_pdffonts_lists_only_embedded_subsets(tmp_path: Path) -> None:
    out = subprocess.run(
        ["pdffonts", str(build(tmp_path / "kit.pdf"))], check=True, capture_output=True, text=True
    ).stdout
    rows = out.splitlines()[2:]  # after the header and the dashes
    assert len(rows) >= 2
    for row in rows:
        name, *_, emb, sub, uni, _obj, _gen = row.split()
        assert (emb, sub, uni) == ("yes", "yes", "yes"), row
        assert re.match(r"[A-Z]{6}\+WenQuanYiMicroHei", name), row


def test_latin_name_is_extracted(tmp_path: Path) -> None:
    name = "Sunshine Family Clinic — Dr. Wáng's, 2nd floor"
    path = build(tmp_path / "kit.pdf", clinic_name=name)
    text = pypdf_text(path)
    assert name in text
    assert all(row in text for row in KEY_ROWS)
    if shutil.which("pdftotext") is not None:
        text = pdftotext(path)
        assert name in text
        assert all(row in text for row in KEY_ROWS)
        assert "ClinicDesk recovery kit" in text
        assert "2025-03-14 09:26 UTC" in text


def test_writes_to_a_binary_stream(tmp_path: Path) -> None:
    buf = io.BytesIO()
    build_recovery_kit(
        buf, clinic_name=CLINIC, clinic_id=CLINIC_ID, recovery_key=KEY, created_at=CREATED
    )
    assert buf.getvalue().startswith(b"%PDF-")
    assert KEY_ROWS[1] in PdfReader(buf).pages[0].extract_text()


def test_key_is_canonicalised(tmp_path: Path) -> None:
    sloppy = " abcd efgh-jkmn pqrs tvwx yz01 2345 6789\n"
    text = pypdf_text(build(tmp_path / "kit.pdf", recovery_key=sloppy))
    assert all(row in text for row in KEY_ROWS)


@pytest.mark.parametrize(
    "bad",
    ["", "ABCD-EFGH", KEY + "-ABCD", KEY.replace("A", "I"), KEY.replace("B", "U"), KEY + "Z"],
)
def test_malformed_key_is_refused_without_echoing_it(tmp_path: Path, bad: str) -> None:
    with pytest.raises(ValueError) as err:
        build(tmp_path / "kit.pdf", recovery_key=bad)
    assert "ABCD" not in str(err.value)
    assert not (tmp_path / "kit.pdf").exists()


def test_naive_created_at_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="timezone"):
        build(tmp_path / "kit.pdf", created_at=datetime(2025, 3, 14, 9, 26))


# --- awkward clinic names ------------------------------------------------------------


def test_ten_thousand_char_name_with_emoji_stays_one_page(tmp_path: Path) -> None:
    path = build(tmp_path / "kit.pdf", clinic_name="诊所😀" * 2500)
    text = pypdf_text(path)  # asserts exactly one page
    assert all(row in text for row in KEY_ROWS)
    assert WARNING in flat(text)
    assert "诊所诊所" in text
    assert "😀" not in text
    assert "…" in text  # truncated, and it shows
    name_chars = sum(text.count(ch) for ch in "诊所")
    assert 30 < name_chars < 400  # about three lines of it, not 5,000 characters


@needs_pdftotext
@pytest.mark.parametrize(
    "name",
    [
        CLINIC,
        "诊所😀" * 2500,
        "Sunshine Family Medicine & Dental Clinic, North Haidian " * 200,
        "X" * 10_000,  # one endless "word"
        "😀" * 50,  # nothing printable at all
        "仁和\n诊所\t（朝阳\u200d分院）\u0000",
    ],
)
def test_every_word_stays_inside_the_margins(tmp_path: Path, name: str) -> None:
    page_w, page_h = A4
    html = pdftotext(build(tmp_path / "kit.pdf", clinic_name=name), "-bbox")
    assert html.count("<page ") == 1
    boxes = re.findall(
        r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">', html
    )
    assert len(boxes) > 50
    for x0, y0, x1, y1 in ((float(v) for v in box) for box in boxes):
        assert x0 >= MARGIN_MIN and x1 <= page_w - MARGIN_MIN
        assert y0 >= MARGIN_MIN and y1 <= page_h - MARGIN_MIN


def test_printable_drops_what_no_font_can_draw() -> None:
    assert fonts.printable("诊所😀\n 仁和\u200d\ufe0f") == "诊所 仁和"
    assert fonts.printable("Dr. Wáng's clinic — 1") == "Dr. Wáng's clinic — 1"
    # A letter outside the font (CJK extension B) leaves a visible mark, not a silent gap.
    assert fonts.printable("\U00020bb7野家") == "?野家"
    # Invisible format marks are dropped even though the font maps some of them.
    assert fonts.printable("Zhang\u00adSan\u200b \u200f诊所\ufeff") == "ZhangSan 诊所"
    assert fonts.printable("繁體 Ünïcødé …") == "繁體 Ünïcødé …"


def test_key_is_drawn_in_the_mono_face() -> None:
    fonts.register_fonts()
    size = 20.0
    assert fonts.text_width(KEY_ROWS[0], size, mono=True) == pytest.approx(19 * 0.6 * size, 0.01)
    assert fonts.text_width("IIII", size) < fonts.text_width("WWWW", size)
    assert fonts.text_width("IIII", size, mono=True) == fonts.text_width("WWWW", size, mono=True)
    for ch in recovery_kit._CROCKFORD + "-":
        assert ord(ch) in pdfmetrics.getFont(fonts.MONO_FONT_NAME).face.charToGlyph


def test_fake_bold_is_spaced_by_its_stroke() -> None:
    fonts.register_fonts()
    plain = fonts.text_width("Recovery key", 13)
    bold = fonts.text_width("Recovery key", 13, bold=True)
    assert bold == pytest.approx(plain + len("Recovery key") * 13 * fonts.BOLD_STROKE)


def test_wrap_keeps_chinese_punctuation_off_line_starts() -> None:
    fonts.register_fonts()
    size = 12.0
    text = "如果口令、本恢复密钥以及每台电脑上保存的密钥全部丢失，诊所的数据将无法恢复。" * 3
    for chars in range(8, 30):
        width = fonts.text_width("诊" * chars, size)
        lines = fonts.wrap(text, size, width, max_lines=50)
        assert "".join(lines) == text
        assert all(fonts.text_width(line, size) <= width + 0.01 for line in lines)
        assert not any(line[0] in "，。、" for line in lines)


def test_wrap_truncates_with_ellipsis_within_width() -> None:
    fonts.register_fonts()
    lines = fonts.wrap("word " * 1000, 12, 200, max_lines=3)
    assert len(lines) == 3
    assert lines[-1].endswith("…")
    assert all(fonts.text_width(line, 12) <= 200 for line in lines)


# --- translation -------------------------------------------------------------------

ZH = {
    "ClinicDesk recovery kit": "ClinicDesk 恢复密钥单",
    "Recovery key": "恢复密钥",
    "Clinic": "诊所",
    WARNING: "如果口令、本恢复密钥以及每台电脑上保存的密钥全部丢失，诊所的数据将无法由任何人恢复，"
    "包括 ClinicDesk 的开发者。",
    "Stored by {name} on {date}": "保管人 {name} 日期 {date}",
}


def test_translate_is_used_for_the_text(tmp_path: Path) -> None:
    calls: list[tuple[str, str]] = []

    def chinese(context: str, text: str) -> str:
        calls.append((context, text))
        return ZH.get(text, text)

    path = build(tmp_path / "kit.pdf", translate=chinese)
    text = pypdf_text(path)
    assert "ClinicDesk 恢复密钥单" in text
    assert "恢复密钥" in text
    assert "包括 ClinicDesk 的开发者。" in flat(text)
    assert "保管人 ____" in text
    assert "ClinicDesk recovery kit" not in text
    assert WARNING not in flat(text)
    assert all(row in text for row in KEY_ROWS)
    assert {context for context, _ in calls} == {"RecoveryKit"}
    assert set(ZH) <= {source for _, source in calls}
    meta = PdfReader(path).metadata
    assert meta is not None and meta.title == "ClinicDesk 恢复密钥单"


@needs_pdftotext
def test_wordy_translation_still_fits_one_page(tmp_path: Path) -> None:
    def wordy(context: str, text: str) -> str:
        return f"{text} {text}"

    path = build(tmp_path / "kit.pdf", clinic_name="诊所😀" * 2500, translate=wordy)
    html = pdftotext(path, "-bbox")
    assert html.count("<page ") == 1
    for y0, y1 in re.findall(
        r'<word xMin="[\d.]+" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">', html
    ):
        assert float(y0) >= MARGIN_MIN and float(y1) <= A4[1] - MARGIN_MIN
    text = flat(pdftotext(path))
    assert f"{WARNING} {WARNING}" in text  # the warning is never cut short
    assert all(row in text for row in KEY_ROWS)


def test_broken_placeholder_in_a_translation_does_not_stop_printing(tmp_path: Path) -> None:
    def broken(context: str, text: str) -> str:
        return "保管人 {nom}" if text == "Stored by {name} on {date}" else text

    assert "保管人 {nom}" in pypdf_text(build(tmp_path / "kit.pdf", translate=broken))


def test_every_string_is_extractable_by_lupdate() -> None:
    """Each translate() call has the literal context and text at the call site."""
    tree = ast.parse(Path(recovery_kit.__file__).read_text(encoding="utf-8"))
    calls = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "translate"
    ]
    assert len(calls) >= 14
    for call in calls:
        context, text = call.args
        assert isinstance(context, ast.Constant) and context.value == "RecoveryKit"
        assert isinstance(text, ast.Constant) and isinstance(text.value, str)


# --- QR code -------------------------------------------------------------------------


def form_and_placement(reader: PdfReader, name: str) -> tuple[list[list[float]], list[float]]:
    """The rectangles of page 1's form XObject ``name`` (in the form's own units: a QR
    code's modules) and the matrix placing it on the page (the printouts' QR codes are
    checked with this too)."""
    page = reader.pages[0]
    form = resources(page)["/XObject"][name].get_object()
    rects = [
        [float(v) for v in operands]
        for operands, op in ContentStream(form, reader).operations
        if op == b"re"
    ]
    ctm = [1.0, 0.0, 0.0, 1.0, 0.0, 0.0]
    stack: list[list[float]] = []
    for operands, op in ContentStream(page.get_contents(), reader).operations:
        if op == b"q":
            stack.append(ctm)
        elif op == b"Q":
            ctm = stack.pop()
        elif op == b"cm":
            a, b, c, d, e, f = (float(v) for v in operands)
            A, B, C, D, E, F = ctm
            ctm = [a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D,
                   e * A + f * C + E, e * B + f * D + F]  # fmt: skip
        elif op == b"Do" and operands[0] == name:
            return rects, ctm
    raise AssertionError(f"the form {name} is never drawn")


def _qr_form_and_placement(path: Path) -> tuple[list[list[float]], list[float]]:
    return form_and_placement(PdfReader(path), f"/FormXob.{recovery_kit.QR_FORM}")


def test_qr_matrix_is_segno_qr_of_the_key(tmp_path: Path) -> None:
    rects, _ = _qr_form_and_placement(build(tmp_path / "kit.pdf"))
    expected = segno.make(KEY, error="q", micro=False)
    assert not expected.is_micro and expected.mode == "alphanumeric"
    n = len(expected.matrix)
    drawn = [[0] * n for _ in range(n)]
    for x, y, w, h in rects:
        assert h == 1 and w >= 1 and x == int(x) and y == int(y) and w == int(w)
        for col in range(int(x), int(x + w)):
            drawn[n - 1 - int(y)][col] = 1
    assert drawn == [list(row) for row in expected.matrix]
    assert drawn == [list(row) for row in recovery_kit.recovery_key_qr(KEY).matrix]


def test_qr_is_large_enough_to_scan(tmp_path: Path) -> None:
    _, ctm = _qr_form_and_placement(build(tmp_path / "kit.pdf"))
    module_pt = ctm[0]
    assert ctm[1] == ctm[2] == 0 and ctm[3] == module_pt
    assert module_pt >= 1.0 * mm  # phones read 1 mm modules easily; 0.33 mm is the floor


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler's pdftoppm is missing")
def test_qr_renders_module_for_module(tmp_path: Path) -> None:
    """Rasterise the page and sample the centre of each module: what prints is the code."""
    image_mod = pytest.importorskip("PIL.Image")
    path = build(tmp_path / "kit.pdf")
    _, (module_pt, _, _, _, x0, y0) = _qr_form_and_placement(path)
    dpi = 200
    subprocess.run(
        ["pdftoppm", "-png", "-r", str(dpi), "-gray", "-singlefile", str(path),
         str(tmp_path / "page")],
        check=True,
    )  # fmt: skip
    image = image_mod.open(tmp_path / "page.png").convert("L")
    matrix = segno.make(KEY, error="q", micro=False).matrix
    assert_modules_print(image, matrix, (module_pt, x0, y0), page_height=A4[1], dpi=dpi)


def assert_modules_print(
    image: Any,
    matrix: Any,
    placement: tuple[float, float, float],
    *,
    page_height: float,
    dpi: int,
) -> None:
    """Sample the centre of each module of the page rendered as ``image`` (grey, at
    ``dpi``): dark where the code is, white elsewhere, the quiet zone around it included.
    ``placement`` is the module's side and the code's lower left corner, in points."""
    module, x0, y0 = placement
    scale = dpi / 72
    n = len(matrix)
    for r in range(-4, n + 4):
        for c in range(-4, n + 4):
            dark = 0 <= r < n and 0 <= c < n and matrix[r][c]
            px = (x0 + (c + 0.5) * module) * scale
            py = (page_height - (y0 + (n - r - 0.5) * module)) * scale
            value = image.getpixel((int(px), int(py)))
            assert (value < 80) if dark else (value > 200), (r, c, value)


# --- writing -----------------------------------------------------------------------


def test_replaces_an_existing_file_privately(tmp_path: Path) -> None:
    path = tmp_path / "kit.pdf"
    path.write_bytes(b"old")
    build(path)
    assert path.read_bytes().startswith(b"%PDF-")
    assert os.listdir(tmp_path) == ["kit.pdf"]
    if os.name == "posix":
        assert path.stat().st_mode & 0o077 == 0


def test_missing_directory_raises_and_leaves_nothing(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        build(tmp_path / "no-such-dir" / "kit.pdf")
    assert os.listdir(tmp_path) == []


def test_directory_as_target_raises_and_leaves_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "kit.pdf"
    target.mkdir()
    with pytest.raises(OSError):
        build(target)
    assert os.listdir(tmp_path) == ["kit.pdf"]
    assert target.is_dir() and os.listdir(target) == []


def test_failure_while_replacing_keeps_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "kit.pdf"
    path.write_bytes(b"old")

    def broken_replace(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(recovery_kit.os, "replace", broken_replace)
    with pytest.raises(OSError, match="No space"):
        build(path)
    assert path.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["kit.pdf"]


# --- fonts ---------------------------------------------------------------------------


def test_register_fonts_once_across_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    fonts.register_fonts()
    registered = pdfmetrics.getFont(fonts.FONT_NAME)
    monkeypatch.setattr(fonts, "_regular_cmap", None)  # as if this process had not registered yet
    loads: list[tuple[str, str, int]] = []
    real_ttfont = fonts.TTFont

    def counting_ttfont(name: str, filename: str, subfontIndex: int = 0) -> object:
        loads.append((name, filename, subfontIndex))
        return real_ttfont(name, filename, subfontIndex=subfontIndex)

    monkeypatch.setattr(fonts, "TTFont", counting_ttfont)
    barrier = threading.Barrier(8)
    names: list[str] = []

    def register() -> None:
        barrier.wait()
        names.append(fonts.register_fonts())

    threads = [threading.Thread(target=register) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert names == [fonts.FONT_NAME] * 8
    path = str(fonts.font_path())
    expected = [(fonts.FONT_NAME, path, 0), (fonts.MONO_FONT_NAME, path, 1)]
    assert loads == expected
    assert fonts.register_fonts() == fonts.FONT_NAME
    assert loads == expected
    assert pdfmetrics.getFont(fonts.FONT_NAME) is registered
    assert pdfmetrics.getFont(fonts.FONT_NAME).face.name == b"WenQuanYiMicroHei"
    assert pdfmetrics.getFont(fonts.MONO_FONT_NAME).face.name == b"WenQuanYiMicroHeiMono"


def test_missing_font_file_says_to_reinstall(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = tmp_path / "fonts" / fonts.FONT_FILE
    monkeypatch.setattr(fonts, "_regular_cmap", None)
    monkeypatch.setattr(fonts, "font_path", lambda: missing)
    with pytest.raises(fonts.FontMissing) as err:
        fonts.register_fonts()
    assert isinstance(err.value, Exception)
    assert str(missing) in str(err.value)
    assert "Reinstall ClinicDesk" in str(err.value)


def test_damaged_font_file_says_to_reinstall(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    damaged = tmp_path / fonts.FONT_FILE
    damaged.write_bytes(b"not a font")
    monkeypatch.setattr(fonts, "_regular_cmap", None)
    monkeypatch.setattr(fonts, "font_path", lambda: damaged)
    with pytest.raises(fonts.FontDamaged, match="Reinstall ClinicDesk"):
        fonts.register_fonts()
