"""Every page under the strict Content-Security-Policy in real Chromium: no violation is reported,
and what needs scripts and styles still works (autosave, the report status, charts, Swagger UI)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from assessment import authoring
from assessment import services as assessment_services
from organisations.models import FirmRole
from reports.tasks import render_report
from surveys import tokens
from tests.browser.test_executive import DIMENSIONS, closed_year
from tests.factories import InvitationFactory, OrganisationFactory, UserFactory, consult_for
from tests.two_factor import code_of, give_authenticator

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DEFAULT_RUBRIC = Path(settings.BASE_DIR) / "assessment" / "rubrics" / "sales-transformation.yaml"
PASSWORD = "correct horse battery staple"
# Chromium reports a violation as a securitypolicyviolation event, and on the console as "Refused
# to ... because it violates the following Content Security Policy directive". The script below is
# put into every page by the browser's debugging protocol, which the policy does not govern.
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (e) => {
  console.error("securitypolicyviolation: " + e.violatedDirective + " blocked " + e.blockedURI
    + " at " + e.sourceFile + ":" + e.lineNumber);
});
"""


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def reported(page) -> list[str]:
    """What the pages report about the policies: CSP violations, Permissions-Policy errors, and any
    other console error (a script that broke)."""
    messages: list[str] = []
    page.add_init_script(REPORT_VIOLATIONS)

    def keep(message) -> None:
        text = message.text
        # A failed load is reported below with its address.
        if (message.type == "error" and not text.startswith("Failed to load resource")) or "Policy" in text:
            messages.append(f"{page.url}: {text}")

    def failed(response) -> None:
        # Browsers ask for /favicon.ico by themselves; we have none.
        if response.status >= 400 and not response.url.endswith("/favicon.ico"):
            messages.append(f"{page.url}: {response.status} from {response.url}")

    page.on("console", keep)
    page.on("pageerror", lambda error: messages.append(f"{page.url}: {error}"))
    page.on("response", failed)
    return messages


def northwind():
    """Northwind with two closed years (charts, trends), an open FY2027 survey with one invitation,
    and its consultant, an admin of the firm: (organisation, closed FY2026, open FY2027, link token)."""
    version = assessment_services.import_rubric(document=DEFAULT_RUBRIC.read_text()).version
    organisation = OrganisationFactory(name="Northwind Traders")
    consultant = UserFactory(username="consultant", first_name="Cara")
    consult_for(consultant, organisation, role=FirmRole.ADMIN)
    closed_year(organisation, version, consultant, "FY2025", dict.fromkeys(DIMENSIONS, "2"))
    fy2026 = closed_year(
        organisation, version, consultant, "FY2026", {**dict.fromkeys(DIMENSIONS, "3"), "sales-process": "4"}
    )
    fy2027 = assessment_services.open_assessment(
        assessment=assessment_services.create_assessment(
            organisation=organisation, period="FY2027", rubric_version=version, created_by=consultant
        )
    )
    invitation = InvitationFactory(assessment=fy2027, group="reps")
    return organisation, fy2026, fy2027, tokens.token_for(invitation.secret)


def test_no_page_reports_a_policy_violation_and_every_page_still_works(live_server, page, reported, shoot, monkeypatch):
    organisation, fy2026, fy2027, token = northwind()
    base = live_server.url

    def visit(path: str, step: str):
        response = page.goto(base + path)
        assert response.status == 200, path
        assert "script-src 'self'" in response.headers["content-security-policy"]
        page.wait_for_load_state("load")
        shoot(page, step, full_page=True)
        assert reported == [], step

    # A respondent: the welcome page, an answer autosaved, the page posted (Origin: null under
    # no-referrer), the review page.
    visit(f"/s/{token}/", "survey-welcome")
    page.get_by_role("link", name="Start the survey").click()
    question = page.locator('fieldset[data-kind="scored"]').first
    question.locator("label.option").nth(2).click()
    expect(question.locator("[data-save-state]")).to_have_text("Saved")
    shoot(page, "survey-autosaved")
    page.get_by_role("button", name="Save and continue").click()
    expect(page).to_have_url(f"{base}/s/{token}/2/")
    assert reported == [], "survey"
    visit(f"/s/{token}/review/", "survey-review")

    # The consultant signs in and goes through the workspace.
    # (With the code of their authenticator app: consultants sign in with two factors.)
    device = give_authenticator(get_user_model().objects.get(username="consultant"))
    visit("/login/", "login")
    page.get_by_label("Username or email").fill("consultant")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your sign-in code")
    assert reported == [], "sign-in code"
    page.get_by_label("Code").fill(code_of(device))
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Hello")
    visit("/account/two-factor/", "two-factor-account")
    visit("/", "home")
    visit("/portfolio/", "portfolio")
    visit(f"/organisations/{organisation.pk}/", "organisation")
    visit(f"/assessments/{fy2026.pk}/", "assessment-closed")
    radar = page.locator("svg.chart.radar")
    expect(radar).to_be_visible()
    assert radar.bounding_box()["height"] > 100
    visit(f"/assessments/{fy2027.pk}/", "assessment-open")
    visit(f"/assessments/{fy2027.pk}/invitations/", "invitations")
    visit(f"/reports/organisations/{organisation.pk}/", "overview")
    expect(page.locator("svg.chart.trend")).to_have_count(5)
    expect(page.locator("svg.chart.trend").first).to_be_visible()
    visit(f"/firms/{organisation.firm_id}/", "firm")
    visit(f"/firms/{organisation.firm_id}/settings/", "firm-settings")
    visit("/rubrics/", "rubrics")
    draft = authoring.start_draft(firm=organisation.firm, source=fy2027.rubric_version)
    for suffix, step in (("", "rubric-editor"), ("preview/", "rubric-preview"), ("diff/", "rubric-diff")):
        visit(f"/rubrics/drafts/{draft.pk}/{suffix}", step)
    visit(f"/rubrics/drafts/{draft.pk}/publish/", "rubric-publish")

    # The reports page notices by itself, with its script, when a queued report is ready.
    queued: list[int] = []
    monkeypatch.setattr(render_report, "apply_async", lambda args, **options: queued.append(args[0]))
    visit(f"/reports/assessments/{fy2026.pk}/", "reports")
    page.get_by_role("button", name="Request a new report").click()
    status = page.locator("[data-status]").first
    expect(status).to_have_text("Queued")
    from reports import services as report_services

    report_services.render_report(report_id=queued[0])
    expect(status).to_have_text("Ready", timeout=30_000)
    shoot(page, "report-ready")

    # Django's admin (its sign-in page: the consultant is no staff member).
    visit("/admin/login/", "admin-login")
    expect(page.get_by_role("button", name="Log in")).to_be_visible()

    # Swagger UI draws the API from its own static files and its script served as a file.
    visit("/api/docs/", "api-docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Waypoint API")
    expect(page.locator(".opblock").first).to_be_visible()
    shoot(page, "api-docs-drawn")
    assert reported == []
