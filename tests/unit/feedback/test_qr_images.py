"""QR images and posters decode back to their URL (zbar), in PNG, SVG and PDF."""

from __future__ import annotations

from typing import Literal
from xml.etree import ElementTree

import pytest

from tests.unit.feedback.qr_decode import (
    decode_qr,
    decode_qr_png,
    pdf_content,
    pdf_poster_image,
    raster,
    svg_poster_image,
)
from touchpoint.qr.codes import QUIET_ZONE, module_matrix, qr_png, qr_svg
from touchpoint.qr.layout import layout_poster
from touchpoint.qr.poster import poster

URL = "https://feedback.example.com/f/acme.berlin-mitte.till-1.3.Zm9vYmFyYmF6cXV4"
SVG_NS = "{http://www.w3.org/2000/svg}"


def test_png_decodes_to_the_url() -> None:
    assert decode_qr_png(qr_png(URL)) == [URL]


def test_svg_modules_decode_to_the_url() -> None:
    svg = qr_svg(URL, scale=4, title=URL)
    root = ElementTree.fromstring(svg)
    assert root.tag == f"{SVG_NS}svg" and root.find(f"{SVG_NS}title") is not None
    # segno's SVG draws the same matrix; rasterise the matrix itself to check it decodes
    matrix = module_matrix(URL)
    scale, border = 6, QUIET_ZONE
    size = (len(matrix) + 2 * border) * scale
    rects = [
        ((c + border) * scale, (r + border) * scale, scale, scale)
        for r, row in enumerate(matrix)
        for c, dark in enumerate(row)
        if dark
    ]
    assert decode_qr(raster(rects, size, size)) == [URL]


@pytest.mark.parametrize(("size", "language"), [("A4", "de"), ("A5", "en")])
def test_svg_poster_has_name_call_to_action_and_a_decodable_code(
    size: Literal["A4", "A5"], language: Literal["de", "en"]
) -> None:
    svg = poster(
        "Café Müller & Söhne", URL, size=size, language=language, fmt="svg", label="Kasse 1"
    ).decode()
    root = ElementTree.fromstring(svg)  # well-formed XML, names escaped
    texts = [t.text for t in root.iter(f"{SVG_NS}text")]
    assert "Café Müller & Söhne" in texts
    assert ("Wie war Ihr Besuch?" if language == "de" else "How was your visit?") in texts
    assert root.attrib["width"] == ("210mm" if size == "A4" else "148mm")
    assert decode_qr(svg_poster_image(svg)) == [URL]


def _pdf_objects(pdf: bytes) -> None:
    xref = int(pdf.rsplit(b"startxref\n", 1)[1].split(b"\n")[0])
    table = pdf[xref:].split(b"trailer")[0].split(b"\n")[3:]
    for number, line in enumerate(filter(None, table), start=1):
        offset = int(line[:10])
        assert pdf[offset:].startswith(f"{number} 0 obj".encode()), number


def test_pdf_poster_is_a_valid_document_whose_code_decodes() -> None:
    pdf = poster("Demo Store Berlin Mitte", URL, size="A4", language="de", fmt="pdf", label="Kasse 1")
    assert pdf.startswith(b"%PDF-1.4") and pdf.rstrip().endswith(b"%%EOF")
    _pdf_objects(pdf)
    assert b"/MediaBox [0 0 595.276 841.89]" in pdf
    stream = pdf_content(pdf)
    assert "(Wie war Ihr Besuch?) Tj" in stream
    assert "(Demo Store Berlin Mitte) Tj" in stream
    assert decode_qr(pdf_poster_image(pdf)) == [URL]


def test_pdf_text_is_winansi_with_escapes() -> None:
    pdf = poster("Grüße (Köln) \\ Süd", URL, fmt="pdf")
    stream = pdf_content(pdf)
    assert r"(Gr\374\337e \(K\366ln\) \\ S\374d) Tj" in stream


def test_poster_rejects_unknown_sizes_languages_and_formats() -> None:
    with pytest.raises(ValueError, match="A4 or A5"):
        layout_poster("S", URL, size="A3")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="de or en"):
        layout_poster("S", URL, language="fr")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="svg or pdf"):
        poster("S", URL, fmt="png")  # type: ignore[arg-type]


def test_long_store_names_shrink_to_fit_and_long_urls_wrap() -> None:
    long_url = "https://feedback.example.com/f/" + "a" * 150
    layout = layout_poster("A" * 120, long_url, size="A5")
    name = layout.texts[0]
    assert name.size < 11 * 148 / 210
    assert sum(1 for t in layout.texts if t.text.startswith(("https://", "a" * 10))) == 2
