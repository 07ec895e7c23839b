"""The consultant's workspace in real Chromium: organisation, assessment, invitations, a report from request to PDF."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from assessment import services as assessment_services
from assessment.models import Assessment
from assessment.queries import load_rubric
from organisations.models import Organisation, Role
from reports import services as report_services
from reports.models import Report
from reports.tasks import render_report
from surveys.models import Invitation
from tests.factories import OrganisationFactory, UserFactory, consult_for
from tests.two_factor import code_of, give_authenticator

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DEFAULT_RUBRIC = Path(settings.BASE_DIR) / "assessment" / "rubrics" / "sales-transformation.yaml"
PHONE = {"width": 360, "height": 740}
PASSWORD = "correct horse battery staple"
INVITATIONS_CSV = (
    "email,name,group\n"
    "ana@fabrikam.example,Ana Lima,reps\n"
    "ben@fabrikam.example,Ben Ode,reps\n"
    "cleo@fabrikam.example,Cleo Park,managers\n"
)


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def consultant(db):
    """A consultant with one existing client, so the portfolio is not empty."""
    assessment_services.import_rubric(document=DEFAULT_RUBRIC.read_text())
    user = UserFactory(username="consultant", first_name="Cara")
    consult_for(user, OrganisationFactory(name="Contoso"))
    return user


def sign_in(page, live_server, username: str) -> None:
    """The password, then (a firm member) the code of their authenticator app."""
    device = give_authenticator(get_user_model().objects.get(username=username))
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username or email").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your sign-in code")
    page.get_by_label("Code").fill(code_of(device))
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Hello")


def respond(assessment: Assessment, group: str, option: str) -> None:
    rubric = load_rubric(assessment.rubric_version).rubric
    answers = [
        assessment_services.AnswerInput(criterion=c.key, option=option)
        for c in rubric.criteria_for_group(group)
        if rubric.answer_set_by_key[c.answer_set].scored
    ]
    response = assessment_services.start_response(assessment=assessment, group=group)
    assessment_services.save_answers(response=response, answers=answers)
    assessment_services.submit_response(response=response)


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_a_consultant_creates_a_client_and_an_assessment_invites_three_and_downloads_the_report(
    live_server, page, shoot, consultant, monkeypatch, tmp_path
):
    sign_in(page, live_server, "consultant")
    page.get_by_role("link", name="Portfolio").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your portfolio")
    shoot(page, "portfolio-before")

    page.get_by_role("link", name="New organisation").click()
    page.get_by_label("Name", exact=True).fill("Fabrikam")
    page.get_by_label("Industry (optional)").fill("Software")
    page.get_by_label("Size of the sales team (optional)").select_option("21-100")
    shoot(page, "new-organisation")
    page.get_by_role("button", name="Create the organisation").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Fabrikam")
    shoot(page, "organisation")

    page.get_by_role("link", name="New assessment").click()
    page.get_by_label("Period").fill("FY2026")
    page.get_by_label("Title (optional)").fill("Sales maturity FY2026")
    page.get_by_role("checkbox", name="Marketing", exact=True).uncheck()
    page.get_by_label("Sales process", exact=True).select_option("4")
    page.get_by_label("Sales technology and data", exact=True).select_option("3")
    shoot(page, "new-assessment", full_page=True)
    page.get_by_role("button", name="Create the assessment").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sales maturity FY2026")
    assessment = Assessment.objects.get(organisation__name="Fabrikam", period="FY2026")
    assert assessment.respondent_groups == ["sales-leadership", "managers", "reps"]
    assert dict(assessment.targets.values_list("dimension_key", "level")) == {"sales-process": 4, "technology": 3}

    page.get_by_role("button", name="Open the assessment").click()
    expect(page.locator(".status--open").first).to_have_text("open")
    page.get_by_role("link", name="Invitations: upload, resend, revoke").click()
    csv_file = tmp_path / "team.csv"
    csv_file.write_text(INVITATIONS_CSV)
    page.get_by_label("…or upload a CSV file").set_input_files(str(csv_file))
    page.get_by_role("button", name="Invite everyone on the list").click()
    for email in ("ana@fabrikam.example", "ben@fabrikam.example", "cleo@fabrikam.example"):
        expect(page.get_by_role("button", name=f"Revoke the link of {email}")).to_be_visible()
    assert Invitation.objects.filter(assessment=assessment).count() == 3
    shoot(page, "invitations-uploaded", full_page=True)

    # Three reps answer (as their links would), so the report has scores to show.
    assessment.refresh_from_db()
    for _ in range(3):
        respond(assessment, "reps", "2")
    page.goto(f"{live_server.url}/assessments/{assessment.pk}/")
    expect(page.locator(".overall")).to_contain_text("Level 2")
    expect(page.get_by_role("row", name="Sales reps")).to_contain_text("2")
    shoot(page, "assessment-page", full_page=True)

    # The worker is held back, so that the page shows the report queued and must notice by itself
    # when rendering finishes; the render then runs for real, outside the page's request.
    queued: list[int] = []
    monkeypatch.setattr(render_report, "apply_async", lambda args, **options: queued.append(args[0]))
    page.get_by_role("link", name="Roadmap reports (PDF)").click()
    page.get_by_role("button", name="Request a new report").click()
    status = page.locator("[data-status]").first
    expect(status).to_have_text("Queued")
    page.evaluate("window.notReloaded = true")
    shoot(page, "report-queued")
    assert len(queued) == 1
    report_services.render_report(report_id=queued[0])
    expect(status).to_have_text("Ready", timeout=20_000)
    assert page.evaluate("window.notReloaded === true")
    shoot(page, "report-ready")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download PDF").click()
    path = tmp_path / "roadmap.pdf"
    download_info.value.save_as(path)
    assert path.read_bytes().startswith(b"%PDF-")
    assert Report.objects.get(pk=queued[0]).status == "ready"
    # The page, never reloaded, offers the deck of the same render beside the PDF.
    with page.expect_download() as download_info:
        page.get_by_role("link", name="PowerPoint deck").click()
    assert download_info.value.suggested_filename == Report.objects.get(pk=queued[0]).deck_filename
    deck = tmp_path / "roadmap.pptx"
    download_info.value.save_as(deck)
    assert deck.read_bytes().startswith(b"PK")

    page.goto(f"{live_server.url}/portfolio/")
    expect(page.get_by_role("link", name="Fabrikam")).to_be_visible()
    expect(page.get_by_text("3 of 3 (100%)")).to_be_visible()
    shoot(page, "portfolio-after", full_page=True)
    assert Organisation.objects.get(name="Fabrikam").role_of(consultant) == Role.CONSULTANT


def test_no_workspace_page_scrolls_sideways_on_a_360_px_screen(live_server, browser, shoot, consultant):
    organisation = Organisation.objects.get(name="Contoso")
    version = assessment_services.import_rubric(document=DEFAULT_RUBRIC.read_text()).version
    assessment = assessment_services.open_assessment(
        assessment=assessment_services.create_assessment(
            organisation=organisation,
            period="FY2026",
            rubric_version=version,
            targets={"sales-process": 4, "technology": 4, "strategic-leadership": 3},
        )
    )
    for _ in range(3):
        respond(assessment, "reps", "2")
    from assessment.queries import assessment_roadmap

    _, _, roadmap = assessment_roadmap(assessment)
    assessment_services.create_initiative(assessment=assessment, recommendation_key=roadmap.items[0].recommendation.key)
    context = browser.new_context(viewport=PHONE, locale="en-GB", device_scale_factor=1)
    page = context.new_page()
    try:
        sign_in(page, live_server, "consultant")
        for step, path in (
            ("portfolio", "/portfolio/"),
            ("new-organisation", "/organisations/new/"),
            ("organisation", f"/organisations/{organisation.pk}/"),
            ("new-assessment", f"/organisations/{organisation.pk}/assessments/new/"),
            ("assessment", f"/assessments/{assessment.pk}/"),
        ):
            page.goto(live_server.url + path)
            if step == "assessment":
                page.get_by_text("Edit").first.click()
            shoot(page, f"phone-{step}", full_page=True)
            assert no_sideways_scroll(page), step
    finally:
        context.close()
