"""Chart labels in the PDF: one shaped run per label, where WeasyPrint's own drawer would put them."""

from __future__ import annotations

import io
from dataclasses import dataclass

import pytest
import weasyprint.svg as weasyprint_svg
from pypdf import PdfReader
from pypdf.generic import ContentStream

from reports import svg_text
from reports.pdf import html_to_pdf

LABELS = (
    '<text x="100" y="20" text-anchor="middle" font-size="10">AV Wave</text>'
    '<text x="100" y="40" text-anchor="end" dominant-baseline="middle" font-size="10" font-weight="600">'
    "Tally 4.0</text>"
    '<text x="10" y="55" dx="4" text-anchor="middle" font-size="10">Start</text>'
)
# Glyphs at their own x, and text split by a tspan: both keep WeasyPrint's drawer.
PER_GLYPH = (
    '<text x="10 30 50" y="58" text-anchor="end" font-size="10">xyz</text>'
    '<text x="150" y="58" text-anchor="end" font-size="10">a<tspan>b</tspan></text>'
)


@dataclass(frozen=True)
class DrawnLabel:
    shift: float  # the text-anchor shift applied to the label's group
    position: tuple[float, float]  # where its first glyph's baseline starts, in the SVG's units
    runs: int  # text-showing operators that draw it


def svg_page(body: str) -> str:
    return (
        '<!doctype html><html lang="en"><head><title>Labels</title></head><body>'
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 60" width="200" height="60" '
        f'font-family="Inter">{body}</svg></body></html>'
    )


def drawn_labels(pdf: bytes) -> list[DrawnLabel]:
    """The SVG's anchored labels in drawing order: each is a form XObject, shifted by the anchor."""
    reader = PdfReader(io.BytesIO(pdf))
    page = reader.pages[0]
    forms = page["/Resources"]["/XObject"]
    labels, shift = [], 0.0
    for operands, operator in ContentStream(page.get_contents(), reader).operations:
        if operator == b"cm":
            shift = float(operands[4])
        elif operator == b"Do":
            drawing = ContentStream(forms[operands[0]].get_object(), reader).operations
            matrix = next(operands for operands, operator in drawing if operator == b"Tm")
            runs = sum(1 for _, operator in drawing if operator in (b"TJ", b"Tj"))
            labels.append(DrawnLabel(shift, (float(matrix[4]), float(matrix[5])), runs))
    return labels


def page_lines(pdf: bytes) -> list[str]:
    return [line.strip() for line in PdfReader(io.BytesIO(pdf)).pages[0].extract_text().splitlines()]


@pytest.fixture
def use_drawer(monkeypatch):
    """Switch WeasyPrint's SVG text drawer within one test; the installed one comes back after it."""
    monkeypatch.setattr(weasyprint_svg, "TAGS", dict(weasyprint_svg.TAGS))
    monkeypatch.setattr(weasyprint_svg, "text", weasyprint_svg.text)
    return svg_text.install


def test_the_pinned_weasyprint_draws_chart_labels_through_the_one_run_drawer():
    # Fails after a WeasyPrint upgrade: check whether it now shapes SVG text whole (upstream issue
    # 2249), then drop reports/svg_text.py or move SUPPORTED_VERSION.
    assert svg_text.installed()


def test_each_label_is_one_text_run_that_reads_as_its_words():
    pdf = html_to_pdf(svg_page(LABELS))

    assert [label.runs for label in drawn_labels(pdf)] == [1, 1, 1]
    assert page_lines(pdf)[:3] == ["AV Wave", "Tally 4.0", "Start"]


def test_labels_land_where_weasyprints_own_drawer_puts_them(use_drawer):
    use_drawer(svg_text.weasyprint_draw_text)
    own = drawn_labels(html_to_pdf(svg_page(LABELS)))
    use_drawer(svg_text.draw_text)
    ours = drawn_labels(html_to_pdf(svg_page(LABELS)))

    # WeasyPrint's own drawer emits one run per visible character.
    assert [label.runs for label in own] == [len("AVWave"), len("Tally4.0"), len("Start")]
    assert len(ours) == len(own)
    for mine, theirs in zip(ours, own, strict=True):
        # The same start (x with its dx, y moved down for dominant-baseline) ...
        assert mine.position == pytest.approx(theirs.position, abs=0.01)
        # ... and the same anchor shift, give or take the kerning the whole run gains ("AV", "Wa").
        assert mine.shift == pytest.approx(theirs.shift, rel=0.05)
    # Centred labels move left by half their width, the end-anchored one by all of it.
    assert ours[0].shift < ours[2].shift < 0
    assert ours[1].shift < 2 * ours[2].shift


def test_per_glyph_positions_and_tspans_keep_weasyprints_drawer():
    pdf = html_to_pdf(svg_page(PER_GLYPH))
    glyphs = drawn_labels(pdf)[0]

    assert glyphs.runs == 3
    assert glyphs.position == pytest.approx((10, 58), abs=0.01)
    assert page_lines(pdf)[:3] == ["x y z", "a", "b"]
