"""The executive view in real Chromium: a viewer (HR, the CEO) reads the trends and downloads the roadmap."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import expect

from assessment import services as assessment_services
from assessment.queries import assessment_roadmap
from organisations.models import Membership, Role
from reports import services as report_services
from reports.models import Report
from tests.factories import OrganisationFactory, UserFactory, consult_for
from tests.reports.conftest import respond

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DEFAULT_RUBRIC = Path(settings.BASE_DIR) / "assessment" / "rubrics" / "sales-transformation.yaml"
PASSWORD = "correct horse battery staple"
PHONE = {"width": 360, "height": 740}
DIMENSIONS = ("sales-process", "organisation-design", "technology", "marketing-alignment", "strategic-leadership")


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def closed_year(organisation, version, consultant, period: str, options: dict[str, str]):
    assessment = assessment_services.create_assessment(
        organisation=organisation,
        period=period,
        title=f"Sales maturity {period}",
        rubric_version=version,
        targets={"sales-process": 4, "technology": 4, "marketing-alignment": 3},
        created_by=consultant,
    )
    assessment_services.open_assessment(assessment=assessment)
    for group in ("sales-leadership", "managers", "reps"):
        respond(assessment, group, options)
    return assessment_services.close_assessment(assessment=assessment)


def ready_report(assessment, consultant) -> Report:
    # Celery is eager and the database autocommits here, so the report renders before this returns.
    report = report_services.request_report(assessment=assessment, requested_by=consultant)
    report.refresh_from_db()
    assert report.is_ready, report.error
    return report


def two_years_of_northwind() -> tuple[object, Report, Report]:
    """Northwind's two closed years with an initiative, outcomes and a ready report, a viewer, and a
    ready report of another organisation: (organisation, Northwind's report, the other's report)."""
    version = assessment_services.import_rubric(document=DEFAULT_RUBRIC.read_text()).version
    organisation = OrganisationFactory(name="Northwind Traders")
    consultant = UserFactory(username="consultant")
    consult_for(consultant, organisation)
    Membership.objects.create(
        user=UserFactory(username="ceo", first_name="Morgan"), organisation=organisation, role=Role.VIEWER
    )
    last_year = closed_year(organisation, version, consultant, "FY2025", dict.fromkeys(DIMENSIONS, "2"))
    first = assessment_roadmap(last_year)[2].items[0].recommendation.key
    initiative = assessment_services.create_initiative(assessment=last_year, recommendation_key=first, owner="CRO")
    assessment_services.update_initiative(initiative=initiative, status="done")
    this_year = closed_year(
        organisation,
        version,
        consultant,
        "FY2026",
        {**dict.fromkeys(DIMENSIONS, "3"), "sales-process": "4", "strategic-leadership": "2"},
    )
    assessment_services.set_outcomes(assessment=last_year, values={"win_rate": 21, "attrition": 19})
    assessment_services.set_outcomes(assessment=this_year, values={"win_rate": 27, "attrition": 16})
    other = OrganisationFactory(name="Contoso Rivals")
    consult_for(consultant, other)
    theirs = closed_year(other, version, consultant, "FY2026", dict.fromkeys(DIMENSIONS, "4"))
    return organisation, ready_report(this_year, consultant), ready_report(theirs, consultant)


def sign_in(page, live_server) -> None:
    page.goto(f"{live_server.url}/")
    page.get_by_label("Username or email").fill("ceo")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Morgan")


def test_a_viewer_reads_the_trends_downloads_the_roadmap_and_cannot_fetch_another_organisations(
    live_server, page, shoot
):
    organisation, report, theirs = two_years_of_northwind()
    sign_in(page, live_server)
    shoot(page, "home")
    page.get_by_role("link", name="Open the overview of Northwind Traders").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Northwind Traders: sales maturity overview")
    assert page.url == f"{live_server.url}/reports/organisations/{organisation.pk}/"

    charts = page.locator("svg.chart.trend")
    expect(charts).to_have_count(5)
    expect(charts.first).to_be_visible()
    expect(page.locator(".trend-figure").first).to_contain_text("Sales process 4.0 in FY2026 · +2.0 since FY2025")
    expect(page.get_by_role("row", name="Win rate of forecast deals")).to_contain_text("+6 better")
    expect(page.get_by_text("Agreed after the FY2025 assessment")).to_be_visible()
    shoot(page, "overview", full_page=True)

    link = page.get_by_role("link", name="Download the FY2026 roadmap")
    expect(link).to_be_visible()
    with page.expect_download() as info:
        link.click()
    download = info.value
    assert download.suggested_filename == report.filename
    assert Path(download.path()).read_bytes()[:5] == b"%PDF-"

    response = page.goto(f"{live_server.url}/reports/{theirs.pk}/download/")
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    shoot(page, "another-organisations-report")


def test_the_overview_of_five_years_reads_on_a_360_px_screen_without_sideways_scrolling(live_server, browser, shoot):
    organisation, _, _ = two_years_of_northwind()
    version = organisation.assessments.first().rubric_version
    consultant = organisation.firm.memberships.get().user
    for year, option in ((2022, "1"), (2023, "2"), (2024, "3")):
        closed_year(organisation, version, consultant, f"FY{year}", dict.fromkeys(DIMENSIONS, option))
    assessment_services.set_outcomes(
        assessment=organisation.assessments.get(period="FY2022"), values={"win_rate": 12.5, "attrition": 30}
    )
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        sign_in(page, live_server)
        shoot(page, "home", full_page=True)
        page.get_by_role("link", name="Open the overview of Northwind Traders").click()
        expect(page.locator("svg.chart.trend")).to_have_count(5)
        # On a phone each figure is labelled with its period (the table's head is for screen readers).
        expect(page.get_by_role("row", name="Sales process").get_by_role("cell", name="FY2022 1.0")).to_be_visible()
        shoot(page, "overview-five-years", full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        # Nothing scrolls inside the page either: the scores table fits its box.
        assert page.evaluate("[...document.querySelectorAll('.table-wrap')].every(w => w.scrollWidth <= w.clientWidth)")
        # Chart text as rendered: the font size in the SVG's units times the SVG's scale on screen.
        sizes = page.evaluate(
            "[...document.querySelectorAll('svg.chart.trend text')]"
            ".map(t => parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a)"
        )
        assert sizes and min(sizes) >= 10, min(sizes)
    finally:
        context.close()
