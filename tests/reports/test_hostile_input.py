"""Hostile input: markup, attachments, imports and 100 kB names in every user-entered field.

The PDF must render with the text shown as text, embed no file, and fetch nothing but our own assets.
"""

from __future__ import annotations

import datetime
import io

import pytest
from django.db import connection
from pypdf import PdfReader

from assessment import services as assessment_services
from assessment.models import Answer, Assessment, Initiative
from organisations.models import Firm, Organisation
from reports import services
from reports.document import build_roadmap_document, roadmap_html
from reports.models import ReportStatus
from reports.pdf import ASSETS, BASE_URL, AssetFetcher, html_to_pdf, print_stylesheet

HOSTILE = (
    '<img src="file:///etc/passwd">'
    '<link rel="attachment" href="file:///etc/passwd">'
    "<style>@import url(http://169.254.169.254/);</style>"
    '<a rel="attachment" href="http://169.254.169.254/latest/meta-data/">metadata</a>'
)
HUNDRED_KB = (HOSTILE * (100_000 // len(HOSTILE) + 1))[:100_000]


def fill(model, field: str) -> str:
    """100 kB, or as much as the column holds where the database enforces its length (PostgreSQL)."""
    max_length = model._meta.get_field(field).max_length
    if max_length and connection.vendor != "sqlite":
        return HUNDRED_KB[:max_length]
    return HUNDRED_KB


def pdf_problems(pdf: bytes) -> list[str]:
    """Embedded files and links to anything but our own pages, wherever they hide in the PDF."""
    reader = PdfReader(io.BytesIO(pdf))
    problems = []
    if "/EmbeddedFiles" in reader.trailer["/Root"].get("/Names", {}):
        problems.append("embedded files")
    for number, page in enumerate(reader.pages, start=1):
        for annotation in page.get("/Annots", []):
            annotation = annotation.get_object()
            if annotation.get("/Subtype") == "/FileAttachment":
                problems.append(f"file attachment on page {number}")
            uri = annotation.get("/A", {}).get("/URI")
            if uri:
                problems.append(f"link to {uri} on page {number}")
    return problems


@pytest.fixture
def hostile_assessment(this_year, last_year) -> Assessment:
    Firm.objects.filter(pk=this_year.organisation.firm_id).update(name=fill(Firm, "name"))
    Organisation.objects.filter(pk=this_year.organisation_id).update(name=fill(Organisation, "name"))
    Assessment.objects.filter(pk=this_year.pk).update(title=fill(Assessment, "title"))
    Answer.objects.filter(response__assessment=this_year).exclude(comment="").update(comment=HUNDRED_KB)
    Answer.objects.filter(response__assessment=this_year).exclude(text="").update(text=HUNDRED_KB)
    item = assessment_services.create_initiative(
        assessment=this_year, recommendation_key=_first_recommendation(this_year), owner="x"
    )
    for initiative in (item, *last_year.initiatives.all()):
        Initiative.objects.filter(pk=initiative.pk).update(
            title=fill(Initiative, "title"), owner=fill(Initiative, "owner"), description=HUNDRED_KB
        )
    this_year.refresh_from_db()
    return this_year


def _first_recommendation(assessment: Assessment) -> str:
    from assessment.queries import assessment_roadmap

    return assessment_roadmap(assessment)[2].items[0].recommendation.key


def test_hostile_names_render_as_text_with_nothing_fetched_and_nothing_embedded(hostile_assessment):
    document = build_roadmap_document(hostile_assessment, issued_on=datetime.date(2026, 3, 2))
    html = roadmap_html(document)
    fetcher = AssetFetcher()
    pdf = html_to_pdf(html, fetcher=fetcher)

    # Escaped by the templates: the markup is text, never an element.
    body = html.split("</head>")[1]
    assert "<img" not in body
    assert "<link" not in body
    assert "<style" not in body
    assert 'rel="attachment"' not in body
    assert "&lt;img src=&quot;file:///etc/passwd&quot;&gt;" in html
    # Nothing outside our static folder was even asked for.
    assert fetcher.refused == []
    assert all(url.startswith(BASE_URL) for url in fetcher.requested)
    assert all(path.is_relative_to(ASSETS) for path in fetcher.served)
    assert print_stylesheet()[2].refused == []
    assert pdf_problems(pdf) == []
    reader = PdfReader(io.BytesIO(pdf))
    text = " ".join(page.extract_text() for page in reader.pages[:3])
    assert '<img src="file:///etc/passwd">' in text
    # Names are cut to their column's length and comments to a readable one: the PDF stays a report.
    assert len(reader.pages) < 40


def test_a_report_of_hostile_input_is_rendered_by_the_task_and_ends_ready(
    hostile_assessment, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        report = services.request_report(assessment=hostile_assessment)
    report.refresh_from_db()
    assert (report.status, report.error) == (ReportStatus.READY, "")
    with report.pdf.open("rb") as handle:
        assert pdf_problems(handle.read()) == []
    # The deck too: the markup is text on its slides, and nothing in it points outside the file.
    from pptx import Presentation

    with report.deck.open("rb") as handle:
        deck = Presentation(io.BytesIO(handle.read()))
    assert "<img src=" in deck.slides[0].shapes[1].text_frame.text
    for slide in deck.slides:
        assert not any(rel.is_external for rel in slide.part.rels.values())


def test_markup_that_reaches_weasyprint_unescaped_still_fetches_and_embeds_nothing():
    # Defence in depth: even if a template forgot to escape, the one entry point refuses.
    html = f'<!doctype html><html lang="en"><head><title>t</title></head><body><p>Hello</p>{HOSTILE}</body></html>'
    fetcher = AssetFetcher()
    pdf = html_to_pdf(html, fetcher=fetcher)
    assert "file:///etc/passwd" in fetcher.refused
    assert "http://169.254.169.254/" in fetcher.refused
    assert fetcher.served == []
    assert pdf_problems(pdf) == []
    assert "Hello" in PdfReader(io.BytesIO(pdf)).pages[0].extract_text()


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "http://169.254.169.254/",
        "https://example.com/site.css",
        "data:text/css,body{color:red}",
        "ftp://example.com/x",
        f"{BASE_URL}../pdf.py",
        f"{BASE_URL}fonts/../../../../../../etc/passwd",
        f"{BASE_URL}does-not-exist.css",
        BASE_URL.replace("file:///", "file://elsewhere/") + "roadmap.css",
    ],
)
def test_the_fetcher_refuses_anything_but_our_asset_files(url):
    fetcher = AssetFetcher()
    with pytest.raises(ValueError):
        fetcher.fetch(url)
    assert fetcher.refused == [url]
    assert fetcher.served == []


def test_the_fetcher_serves_our_stylesheet_and_fonts_from_disk():
    fetcher = AssetFetcher()
    css = fetcher.fetch(BASE_URL + "roadmap.css")
    font = fetcher.fetch(BASE_URL + "fonts/Inter-Regular.otf")
    assert css.read() == (ASSETS / "roadmap.css").read_bytes()
    assert css.content_type == "text/css"
    assert font.read()[:4] == b"OTTO"
    assert fetcher.refused == []
