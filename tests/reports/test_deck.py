"""The editable deck: read back with python-pptx, every chart's data equals the snapshot the PDF was built from."""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

import openpyxl
import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.chart import XL_CHART_TYPE
from pptx.enum.shapes import MSO_SHAPE_TYPE
from pptx.util import Inches
from pypdf import PdfReader
from rest_framework.test import APIClient

from organisations.models import AuditEvent
from reports import services
from reports.deck import MEDIA_TYPE, TITLE_CHARS, answer_of, chart_values, roadmap_deck
from reports.document import build_roadmap_document
from reports.models import Report, ReportStatus
from tests.reports.test_pdf import PNG_LOGO

DECK_NAME = "Northwind Traders – Sales maturity roadmap FY2026.pptx"


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def ready(this_year, consultant, django_capture_on_commit_callbacks) -> Report:
    """A report rendered through the real service, as a worker renders it."""
    firm = this_year.organisation.firm
    firm.name, firm.colour = "Northstar Partners", "#0b6e4f"
    firm.logo.save("northstar.png", ContentFile(PNG_LOGO), save=False)
    firm.save()
    with django_capture_on_commit_callbacks(execute=True):
        report = services.request_report(assessment=this_year, requested_by=consultant)
    report.refresh_from_db()
    assert report.status == ReportStatus.READY
    return report


def read_deck(report: Report):
    with report.deck.open("rb") as handle:
        return Presentation(io.BytesIO(handle.read()))


def charts(deck, kind) -> list:
    return [
        shape.chart
        for slide in deck.slides
        for shape in slide.shapes
        if shape.has_chart and shape.chart.chart_type == kind
    ]


def slide_text(slide) -> str:
    return " ".join(shape.text_frame.text for shape in slide.shapes if shape.has_text_frame)


def kicker_of(slide) -> str:
    """The small section name above the title (a dimension's slide: the dimension's name)."""
    return next(shape for shape in slide.shapes if shape.name == "Title").text_frame.paragraphs[0].text


def title_of(slide) -> str:
    """The title bar's title, under its small section name."""
    return next(shape for shape in slide.shapes if shape.name == "Title").text_frame.paragraphs[-1].text


# --- one render, two files, one snapshot ---------------------------------------------------------


def test_a_render_stores_the_pdf_and_the_deck_of_one_snapshot(ready):
    assert ready.pdf.name.endswith(".pdf") and ready.deck.name.endswith(".pptx")
    deck = read_deck(ready)
    assert (deck.slide_width, deck.slide_height) == (Inches(13.333), Inches(7.5))  # 16:9
    block = ready.snapshot["answer"]
    answer = slide_text(deck.slides[0])
    # The deck's answer and the PDF's page 1 say the same thing, from the stored snapshot.
    assert block["level_text"] in answer and block["change"] in answer
    assert f"{block['score']} of 5" in answer and block["heading"]["title"] in answer
    with ready.pdf.open("rb") as handle:
        pdf = " ".join(" ".join(page.extract_text().split()) for page in PdfReader(handle).pages)
    assert block["heading"]["title"] in pdf and block["level_text"] in pdf


def test_the_radar_is_a_native_radar_chart_of_this_year_last_year_and_the_target(ready):
    radar = ready.snapshot["radar"]
    (chart,) = charts(read_deck(ready), XL_CHART_TYPE.RADAR)
    plot = chart.plots[0]
    assert list(plot.categories) == radar["labels"]
    assert [s.name for s in plot.series] == ["This year", "FY2025", "Target"]
    assert [list(s.values) for s in plot.series] == [chart_values(s["values"]) for s in radar["series"]]
    # The values are the ones the PDF's table prints, one decimal.
    assert [f"{v:.1f}" for v in plot.series[0].values] == [row["current"] for row in radar["rows"]]
    assert [f"{v:.1f}" for v in plot.series[1].values] == [row["previous"] for row in radar["rows"]]


def test_the_radar_data_lives_in_a_workbook_a_consultant_can_edit(ready):
    (chart,) = charts(read_deck(ready), XL_CHART_TYPE.RADAR)
    sheet = openpyxl.load_workbook(io.BytesIO(chart.part.chart_workbook.xlsx_part.blob)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][1:] == ("This year", "FY2025", "Target")
    this_year = chart_values(ready.snapshot["radar"]["series"][0]["values"])
    assert [row[1] for row in rows[1:]] == this_year


def test_the_trends_are_a_native_line_chart_with_every_period_of_every_dimension(ready):
    yoy = ready.snapshot["year_over_year"]
    (chart,) = charts(read_deck(ready), XL_CHART_TYPE.LINE_MARKERS)
    plot = chart.plots[0]
    assert list(plot.categories) == yoy["periods"] == ["FY2025", "FY2026"]
    assert [s.name for s in plot.series] == [t["dimension"] for t in yoy["trends"]]
    assert [list(s.values) for s in plot.series] == [chart_values(t["values"]) for t in yoy["trends"]]
    assert [[f"{v:.1f}" for v in s.values] for s in plot.series] == [t["scores"] for t in yoy["trends"]]


def test_each_dimension_has_one_slide_whose_bar_chart_holds_its_criteria_scores(ready):
    deck = read_deck(ready)
    pages = ready.snapshot["dimensions"]
    kickers = [kicker_of(slide) for slide in deck.slides]
    for page in pages:
        assert kickers.count(page["name"].upper()) == 1, page["name"]
    bars = charts(deck, XL_CHART_TYPE.BAR_CLUSTERED)
    assert len(bars) == len(pages) == 5
    for chart, page in zip(bars, pages, strict=True):
        rows = [row for group in page["subgroups"] for row in group["rows"]]
        (series,) = chart.plots[0].series
        assert len(list(chart.plots[0].categories)) == len(rows)
        assert list(series.values) == chart_values([row["mean"] for row in rows])
        assert [f"{v:.1f}" for v in series.values] == [row["mean_text"] for row in rows]
    # Answer, radar, trends, five dimensions, the roadmap, last year's plan, the method.
    assert len(deck.slides) == 3 + len(pages) + 3


def test_the_deck_carries_the_firms_name_colour_and_logo_on_every_slide(ready):
    deck = read_deck(ready)
    green = RGBColor.from_string("0B6E4F")
    for slide in deck.slides:
        assert "Northstar Partners" in slide_text(slide)
        bar = next(shape for shape in slide.shapes if shape.name == "Title bar")
        assert bar.fill.fore_color.rgb == green
        assert [s.shape_type for s in slide.shapes].count(MSO_SHAPE_TYPE.PICTURE) == 1
    theme = deck.slide_masters[0].part.part_related_by(
        "http://schemas.openxmlformats.org/officeDocument/2006/relationships/theme"
    )
    assert b'<a:accent1><a:srgbClr val="0B6E4F"/></a:accent1>' in theme.blob


def test_an_svg_logo_is_drawn_as_a_picture_on_every_slide_as_a_png_is(this_year, tmp_path):
    snapshot = json.loads(json.dumps(build_roadmap_document(this_year).as_json()))
    svg = tmp_path / "mark.svg"
    svg.write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>'
    )
    png = tmp_path / "mark.png"
    png.write_bytes(PNG_LOGO)

    def pictures(logo: Path) -> int:
        deck = Presentation(io.BytesIO(roadmap_deck(snapshot, logo=logo)))
        assert snapshot["cover"]["firm"]["name"] in slide_text(deck.slides[0])
        return sum(shape.shape_type == MSO_SHAPE_TYPE.PICTURE for slide in deck.slides for shape in slide.shapes)

    assert pictures(svg) == pictures(png) == len(snapshot["dimensions"]) + 6
    deck = Presentation(io.BytesIO(roadmap_deck(snapshot, logo=svg)))
    (logo,) = [shape for shape in deck.slides[0].shapes if shape.shape_type == MSO_SHAPE_TYPE.PICTURE]
    assert logo.image.content_type == "image/png" and logo.image.size[1] == 140  # drawn 140 dots high
    # A drawing that fails (an SVG that is not one) leaves the logo out, and the deck renders.
    svg.write_text("<svg")
    assert pictures(svg) == 0


# --- the answer slide ------------------------------------------------------------------------------


def test_the_answer_slide_says_what_page_1_of_the_pdf_says(this_year):
    snapshot = json.loads(json.dumps(build_roadmap_document(this_year).as_json()))
    block = snapshot["answer"]
    text = slide_text(Presentation(io.BytesIO(roadmap_deck(snapshot, logo=None))).slides[0])
    assert block["level_text"] in text and f"{block['score']} of 5" in text
    assert (block["change"] or "First assessment") in text
    for gap in block["gaps"][:3]:
        assert gap["dimension"] in text
        assert gap["missing"].removeprefix("Not yet in place: ")[:60] in text
    for step in block["next_90_days"][:3]:
        assert f"#{step['rank']} {step['title']}" in text
        assert f"{step['owner']} · {step['due']}" in text


def test_without_an_answer_block_the_answer_comes_from_the_summary(this_year):
    summary = build_roadmap_document(this_year).summary
    snapshot = json.loads(json.dumps(build_roadmap_document(this_year).as_json()))
    snapshot["answer"] = None  # a report rendered before page 1 carried the answer
    answer = answer_of(snapshot)
    assert (answer.level, answer.change) == (summary.overall_level, summary.overall_change)
    assert len(answer.gaps) == min(3, len(summary.gaps))
    assert [a.title for a in answer.actions] == [p.title for p in summary.priorities[:3]]


def test_every_slide_title_is_the_conclusion_the_pdf_prints_for_that_page(ready):
    snapshot = ready.snapshot
    titles = [title_of(slide) for slide in read_deck(ready).slides]
    for heading in (snapshot["radar"]["heading"], snapshot["method"]["heading"], snapshot["roadmap"]["heading"]):
        assert heading["title"][: TITLE_CHARS - 1] in " ".join(titles)
    for page in snapshot["dimensions"]:
        assert any(t.startswith(page["heading"]["title"][:40]) for t in titles), page["heading"]["title"]


def test_a_very_long_organisation_name_is_cut_to_fit_the_title_bar(this_year):
    this_year.organisation.name = ("Northwind Traders International " * 7)[:200]  # the longest a name may be
    this_year.organisation.save()
    snapshot = json.loads(json.dumps(build_roadmap_document(this_year).as_json()))
    deck = Presentation(io.BytesIO(roadmap_deck(snapshot, logo=None)))
    assert all(len(title_of(slide)) <= TITLE_CHARS for slide in deck.slides)
    assert title_of(deck.slides[0]).endswith("…")


# --- downloads -------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["consultant", "leader", "viewer"])
def test_members_download_the_deck_with_its_name_and_media_type(role, request, ready):
    user = request.getfixturevalue(role)
    response = client_for(user).get(f"/api/v1/reports/{ready.pk}/deck/")
    assert response.status_code == 200
    assert response["Content-Type"] == MEDIA_TYPE
    assert ready.deck_filename == DECK_NAME
    assert response["Content-Disposition"] == (
        "attachment; filename*=utf-8''Northwind%20Traders%20%E2%80%93%20Sales%20maturity%20roadmap%20FY2026.pptx"
    )
    with ready.deck.open("rb") as handle:
        assert b"".join(response.streaming_content) == handle.read()
    event = AuditEvent.objects.filter(action="report.downloaded").latest("at")
    assert (event.actor, event.details["format"], event.details["report"]) == (user, "pptx", ready.pk)


def test_the_status_url_gives_the_decks_address_once_ready(ready, viewer):
    body = client_for(viewer).get(f"/api/v1/reports/{ready.pk}/").json()
    assert body["deck_url"] == f"http://testserver/api/v1/reports/{ready.pk}/deck/"


def test_a_client_that_asks_for_the_decks_media_type_gets_it(ready, viewer):
    response = client_for(viewer).get(f"/api/v1/reports/{ready.pk}/deck/", HTTP_ACCEPT=MEDIA_TYPE)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"PK")


def test_another_organisations_member_and_anonymous_callers_get_no_deck(ready, outsider):
    response = client_for(outsider).get(f"/api/v1/reports/{ready.pk}/deck/")
    assert response.status_code == 404 and "Northwind" not in response.content.decode()
    assert APIClient().get(f"/api/v1/reports/{ready.pk}/deck/").status_code == 401


def test_a_deck_that_is_not_ready_is_a_json_conflict_even_to_a_client_asking_for_a_deck(this_year, viewer):
    report = Report.objects.create(assessment=this_year, rubric_version=this_year.rubric_version)
    response = client_for(viewer).get(f"/api/v1/reports/{report.pk}/deck/", HTTP_ACCEPT=MEDIA_TYPE)
    assert response.status_code == 409
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "conflict"


def old_report(assessment) -> Report:
    """A report rendered before decks existed: ready, with its PDF only."""
    report = Report.objects.create(assessment=assessment, rubric_version=assessment.rubric_version)
    report.pdf.save("old.pdf", ContentFile(b"%PDF-1.7\n"), save=False)
    Report.objects.filter(pk=report.pk).update(
        status=ReportStatus.READY,
        pdf=report.pdf.name,
        checksum=hashlib.sha256(b"%PDF-1.7\n").hexdigest(),
        snapshot={},
        rendered_at=report.requested_at,
    )
    return Report.objects.get(pk=report.pk)


def test_a_report_rendered_before_decks_answers_404_saying_why(this_year, viewer, client):
    report = old_report(this_year)
    response = client_for(viewer).get(f"/api/v1/reports/{report.pk}/deck/")
    assert response.status_code == 404
    assert "before reports came with a PowerPoint deck" in response.json()["message"]
    assert client_for(viewer).get(f"/api/v1/reports/{report.pk}/").json()["deck_url"] is None
    client.force_login(viewer)
    page = client.get(reverse("reports:download-deck", kwargs={"report_id": report.pk}))
    assert page.status_code == 404
    assert "This report has no PowerPoint deck" in page.content.decode()
    assert not AuditEvent.objects.filter(action="report.downloaded").exists()


def test_the_reports_page_offers_the_deck_beside_the_pdf(ready, this_year, viewer, client):
    old = old_report(this_year)
    client.force_login(viewer)
    page = client.get(reverse("reports:assessment-reports", kwargs={"assessment_id": this_year.pk})).content.decode()
    assert reverse("reports:download-deck", kwargs={"report_id": ready.pk}) in page
    assert reverse("reports:download-deck", kwargs={"report_id": old.pk}) not in page
    response = client.get(reverse("reports:download-deck", kwargs={"report_id": ready.pk}))
    assert response.status_code == 200 and response["Content-Type"] == MEDIA_TYPE
    assert "filename*=utf-8''Northwind%20Traders" in response["Content-Disposition"]


def test_the_decks_page_is_not_found_for_another_organisation(ready, outsider, client):
    client.force_login(outsider)
    assert client.get(reverse("reports:download-deck", kwargs={"report_id": ready.pk})).status_code == 404


# --- first years, interim readings, hostile text -----------------------------------------------------


def test_a_first_assessment_has_no_last_year_line_no_trend_and_no_outcomes_slide(last_year):
    snapshot = json.loads(json.dumps(build_roadmap_document(last_year).as_json()))
    deck = Presentation(io.BytesIO(roadmap_deck(snapshot, logo=None)))
    (radar,) = charts(deck, XL_CHART_TYPE.RADAR)
    assert [s.name for s in radar.plots[0].series] == ["This year", "Target"]
    assert charts(deck, XL_CHART_TYPE.LINE_MARKERS) == []
    # Answer, radar, five dimensions, the roadmap, the method.
    assert len(deck.slides) == 2 + len(snapshot["dimensions"]) + 2
    assert "First assessment" in slide_text(deck.slides[0])


def test_scores_withheld_from_too_few_people_stay_empty_in_every_chart(organisation, default_rubric, consultant):
    from assessment import services as assessment_services
    from tests.reports.conftest import FY2026, TARGETS, respond

    assessment = assessment_services.create_assessment(
        organisation=organisation,
        period="FY2027",
        rubric_version=default_rubric,
        targets=TARGETS,
        created_by=consultant,
    )
    assessment_services.open_assessment(assessment=assessment)
    respond(assessment, "reps", FY2026)  # one person: nothing may be shown
    snapshot = json.loads(json.dumps(build_roadmap_document(assessment).as_json()))
    deck = Presentation(io.BytesIO(roadmap_deck(snapshot, logo=None)))
    (radar,) = charts(deck, XL_CHART_TYPE.RADAR)
    assert list(radar.plots[0].series[0].values) == [None] * len(snapshot["dimensions"])
    for chart in charts(deck, XL_CHART_TYPE.BAR_CLUSTERED):
        assert set(chart.plots[0].series[0].values) == {None}


def test_render_roadmap_writes_the_deck_of_the_same_snapshot_beside_the_pdf(this_year, tmp_path):
    from django.core.management import call_command

    out = io.StringIO()
    deck_path = tmp_path / "roadmap.pptx"
    call_command(
        "render_roadmap", str(this_year.pk), "-o", str(tmp_path / "roadmap.pdf"), "--deck", str(deck_path), stdout=out
    )
    deck = Presentation(str(deck_path))
    assert deck.core_properties.title == "Northwind Traders · Sales maturity roadmap · FY2026"
    assert f"Wrote {deck_path} (" in out.getvalue()
    assert not Report.objects.exists()


def test_a_logo_that_is_not_an_image_is_left_out_and_the_deck_still_renders(this_year, tmp_path):
    snapshot = json.loads(json.dumps(build_roadmap_document(this_year).as_json()))
    fake = tmp_path / "logo.png"
    fake.write_bytes(b"<svg xmlns='http://www.w3.org/2000/svg'/>")
    deck = Presentation(io.BytesIO(roadmap_deck(snapshot, logo=fake)))
    assert not any(shape.shape_type == MSO_SHAPE_TYPE.PICTURE for slide in deck.slides for shape in slide.shapes)
