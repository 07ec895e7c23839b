"""The assessor's rating in the roadmap PDF and the deck: beside the team's on the dimension page and slide,
with the evidence notes; page 1 and the roadmap say when they follow the assessor's scores."""

from __future__ import annotations

import datetime
import io

from pptx import Presentation
from pptx.enum.chart import XL_CHART_TYPE
from pypdf import PdfReader

from assessment import assessor
from reports.deck import roadmap_deck
from reports.document import build_roadmap_document, roadmap_html
from reports.pdf import html_to_pdf

ISSUED = datetime.date(2026, 3, 2)
NOTE = "Only a third of reps logged in to the CRM last month (login report)."


def rate(assessment, consultant) -> None:
    assessor.record_rating(
        assessment=assessment,
        criterion_key="crm-adoption",
        option_key="1",
        notes=NOTE,
        links=["https://crm.example.com/reports/logins"],
        actor=consultant,
    )
    assessor.record_rating(assessment=assessment, criterion_key="crm-data-quality", option_key="2", actor=consultant)


def pdf_pages(document) -> list[str]:
    reader = PdfReader(io.BytesIO(html_to_pdf(roadmap_html(document))))
    return [" ".join(page.extract_text().split()) for page in reader.pages]


def test_the_dimension_page_shows_the_assessors_rating_beside_the_teams_with_the_evidence(this_year, consultant):
    rate(this_year, consultant)
    document = build_roadmap_document(this_year, issued_on=ISSUED)
    technology = next(p for p in document.dimensions if p.key == "technology")
    assert technology.assessor is not None
    # (1 + 2) ÷ 2 over the two criteria the assessor rated.
    assert technology.assessor.assessor_text == "1.5"
    assert technology.assessor.team_text == technology.score_text
    assert next(p for p in document.dimensions if p.key == "sales-process").assessor is None
    assert document.as_json()["dimensions"][2]["assessor"]["lines"][0]["notes"] == NOTE

    pages = pdf_pages(document)
    sentence = f"team says {technology.score_text}, evidence says 1.5"
    found = [text for text in pages if sentence in text]
    assert found, [p[:400] for p in pages]
    assert NOTE in found[0]
    assert "THE ASSESSOR'S RATING" in found[0].upper()


def test_page_one_and_the_roadmap_say_when_they_follow_the_assessors_scores(this_year, consultant):
    rate(this_year, consultant)
    team = build_roadmap_document(this_year, issued_on=ISSUED)
    assert team.answer.basis_note == "" and not any("assessor" in n for n in team.roadmap.notes)
    this_year.roadmap_basis = "assessor"
    this_year.save(update_fields=["roadmap_basis"])
    document = build_roadmap_document(this_year, issued_on=ISSUED)
    assert document.answer.basis_note.startswith("Scores from the assessor's evidence")
    assert document.roadmap.notes[0] == document.answer.basis_note
    # Technology falls to Ad hoc on the assessor's evidence: its first steps join the roadmap.
    titles = {e.title for h in document.roadmap.horizons for e in h.entries}
    team_titles = {e.title for h in team.roadmap.horizons for e in h.entries}
    assert titles > team_titles
    assert "Scores from the assessor's evidence" in pdf_pages(document)[0]


def test_the_deck_shows_the_assessors_rating_beside_the_teams_on_the_dimension_slide(this_year, consultant):
    rate(this_year, consultant)
    snapshot = build_roadmap_document(this_year, issued_on=ISSUED).as_json()
    deck = Presentation(io.BytesIO(roadmap_deck(snapshot, logo=None)))
    technology = next(
        slide
        for slide in deck.slides
        if any(s.has_text_frame and "evidence says 1.5" in s.text_frame.text for s in slide.shapes)
    )
    chart = next(
        s.chart for s in technology.shapes if s.has_chart and s.chart.chart_type == XL_CHART_TYPE.BAR_CLUSTERED
    )
    series = {s.name: list(s.values) for s in chart.plots[0].series}
    assert set(series) == {"Team's score", "Assessor's rating"}
    assert sorted(v for v in series["Assessor's rating"] if v is not None) == [1.0, 2.0]
    assert NOTE in technology.notes_slide.notes_text_frame.text


def test_a_rendered_report_keeps_the_ratings_it_was_built_with(
    this_year, consultant, django_capture_on_commit_callbacks
):
    from reports import services
    from reports.models import ReportStatus

    rate(this_year, consultant)
    with django_capture_on_commit_callbacks(execute=True):
        report = services.request_report(assessment=this_year, requested_by=consultant)
    report.refresh_from_db()
    assert report.status == ReportStatus.READY
    kept = next(d for d in report.snapshot["dimensions"] if d["key"] == "technology")["assessor"]
    assert kept["assessor_text"] == "1.5" and kept["lines"][0]["notes"] == NOTE
    assessor.record_rating(assessment=this_year, criterion_key="crm-adoption", option_key="5", actor=consultant)
    report.refresh_from_db()
    again = next(d for d in report.snapshot["dimensions"] if d["key"] == "technology")["assessor"]
    assert again == kept
    with report.deck.open("rb") as handle:
        deck = Presentation(io.BytesIO(handle.read()))
    assert any(
        "evidence says 1.5" in s.text_frame.text for slide in deck.slides for s in slide.shapes if s.has_text_frame
    )
