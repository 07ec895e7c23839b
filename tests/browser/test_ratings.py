"""The assessor's rating in real Chromium: a consultant records a rating with evidence on the ratings page, a
bad link is refused with the form left open, the roadmap follows the evidence, and the assessment page says
what the team and the evidence say."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import expect

from assessment import services
from assessment.models import AssessorRating
from tests.browser.test_workspace import respond, sign_in
from tests.factories import OrganisationFactory, UserFactory, consult_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DEFAULT_RUBRIC = Path(settings.BASE_DIR) / "assessment" / "rubrics" / "sales-transformation.yaml"
CRITERION = "stage-exit-criteria"
NOTE = "Exit criteria exist on paper; two of five deals reviewed skipped them."


@pytest.fixture
def closed(db):
    version = services.import_rubric(document=DEFAULT_RUBRIC.read_text()).version
    organisation = OrganisationFactory(name="Contoso")
    consult_for(UserFactory(username="consultant", first_name="Cara"), organisation)
    assessment = services.create_assessment(organisation=organisation, period="FY2026", rubric_version=version)
    services.open_assessment(assessment=assessment)
    for group in ("sales-leadership", "managers", "reps", "marketing"):
        for _ in range(3):
            respond(assessment, group, "4")
    return services.close_assessment(assessment=assessment)


def test_a_consultant_records_a_rating_with_evidence_and_the_roadmap_follows_it(page, live_server, closed, shoot):
    sign_in(page, live_server, "consultant")
    page.goto(f"{live_server.url}/assessments/{closed.pk}/")
    page.get_by_role("link", name="The assessor's ratings").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("The assessor's ratings")
    row = page.locator(f"#criterion-{CRITERION}")
    form = row.locator("form")
    expect(form).to_be_hidden()  # each criterion's form opens on demand

    row.locator("summary").click()
    form.get_by_label("Your rating").select_option(index=2)
    form.get_by_label("Evidence notes").fill(NOTE)
    form.get_by_label("Evidence links").fill("ftp://crm.example/report")
    form.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Evidence links must be http or https addresses")).to_be_visible()
    expect(page.locator(f"#criterion-{CRITERION} form")).to_be_visible()  # the refused form stays open
    assert not AssessorRating.objects.exists()

    row = page.locator(f"#criterion-{CRITERION}")
    expect(row.get_by_label("Evidence notes")).to_have_value(NOTE)  # nothing typed is lost
    row.get_by_label("Evidence links").fill("https://crm.example/reports/stage-audit")
    row.get_by_role("button", name="Save").click()
    expect(page.get_by_text(f"The rating of {CRITERION} is saved.")).to_be_visible()
    rating = AssessorRating.objects.get()
    assert (rating.criterion_key, rating.notes) == (CRITERION, NOTE)
    expect(page.locator(f"#criterion-{CRITERION} .row-meta")).to_contain_text("team says 4.0, evidence says 2.0")
    shoot(page, "rated")

    page.get_by_label("The roadmap follows").select_option(label="The assessor's evidence")
    page.get_by_role("button", name="Save the basis").click()
    expect(page.get_by_text("The roadmap follows the assessor's evidence.")).to_be_visible()
    closed.refresh_from_db()
    assert closed.roadmap_basis == "assessor"

    page.goto(f"{live_server.url}/assessments/{closed.pk}/")
    expect(page.locator(".chart-key__level").first).to_contain_text("team says 4.0, evidence says 2.0")
    shoot(page, "assessment", full_page=True)
