"""The PDF's dimension pages show sub-groups at every depth in rubric order, with the decimals the scale needs,
and page 1 and the deck say the overall is withheld when a weighted dimension has insufficient evidence."""

from __future__ import annotations

import datetime
import io

from pptx import Presentation
from pypdf import PdfReader

from reports.deck import roadmap_deck
from reports.document import build_roadmap_document, roadmap_html
from reports.pdf import AssetFetcher, html_to_pdf
from tests.api.test_node_scores import deep_assessment
from tests.assessment.test_node_scores import DEEP_ANSWERS

ISSUED = datetime.date(2031, 3, 2)


def pdf_pages(document) -> list[str]:
    reader = PdfReader(io.BytesIO(html_to_pdf(roadmap_html(document), fetcher=AssetFetcher())))
    return [" ".join(page.extract_text().split()) for page in reader.pages]


def test_sub_groups_at_every_depth_in_rubric_order_with_two_decimals_on_a_zero_to_three_scale(organisation):
    assessment = deep_assessment(organisation, [("reps", a) for a in DEEP_ANSWERS])
    document = build_roadmap_document(assessment, issued_on=ISSUED)
    function = document.dimensions[0]
    assert [(s.name, s.depth, s.score_text) for s in function.subgroups] == [
        ("Practice A", 2, "1.44"),  # (1.25 + 3 × 1.5) ÷ 4 = 1.4375
        ("Stream A1", 3, "1.25"),  # 0.4 + 0.45 + 0.4, which one decimal would have shown as 1.2
        ("Stream A2", 3, "1.50"),  # 0.4 + 2 × 0.55
        ("Practice B", 2, "1.60"),
    ]
    assert [r.mean_text for r in function.subgroups[1].rows] == ["0.40", "0.45", "0.40"]
    page = next(text for text in pdf_pages(document) if "WHERE YOU ARE" in text and "Stream A1" in text)
    assert page.index("Practice A") < page.index("Stream A1") < page.index("Stream A2") < page.index("Practice B")
    assert "Stream A1 · 1.25" in page


def test_page_one_says_the_overall_is_withheld_when_a_dimension_has_insufficient_evidence(organisation):
    seven = [*DEEP_ANSWERS, DEEP_ANSWERS[0], DEEP_ANSWERS[1]]
    answers = [("reps", {**a, "e1": a["e1"] if i < 3 else None}) for i, a in enumerate(seven)]
    document = build_roadmap_document(deep_assessment(organisation, answers), issued_on=ISSUED)
    assert document.summary.overall_score == "–"
    assert document.summary.overall_level == "Withheld: Evidence has insufficient evidence"
    first = pdf_pages(document)[0]
    assert "withheld: Evidence has insufficient evidence" in first
    assert "stands at" not in first


def test_the_deck_says_the_overall_is_withheld_and_charts_a_zero_to_three_scale_with_two_decimals(organisation):
    seven = [*DEEP_ANSWERS, DEEP_ANSWERS[0], DEEP_ANSWERS[1]]
    answers = [("reps", {**a, "e1": a["e1"] if i < 3 else None}) for i, a in enumerate(seven)]
    document = build_roadmap_document(deep_assessment(organisation, answers), issued_on=ISSUED)
    deck = Presentation(io.BytesIO(roadmap_deck(document.as_json(), logo=None)))
    first = " ".join(shape.text_frame.text for shape in deck.slides[0].shapes if shape.has_text_frame)
    assert "withheld: Evidence has insufficient evidence" in first
    assert " of 5" not in first
    charts = [shape.chart for slide in deck.slides for shape in slide.shapes if shape.has_chart]
    bars = next(c for c in charts if c.plots[0].series[0].name == "Team's score")
    # Stream A1's questions first: their means 13/28, 13/28 and 9/28 keep their second decimal.
    assert list(bars.plots[0].series[0].values)[:3] == [0.46, 0.46, 0.32]
