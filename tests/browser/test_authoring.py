"""Rubric authoring in real Chromium: a consultant copies the built-in rubric, rewords a question and adds
one, previews it as a respondent group, reads the changes and publishes the firm's next version."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from django.conf import settings
from playwright.sync_api import expect

from assessment import services
from assessment.models import RubricDraft, RubricVersion
from assessment.queries import load_rubric
from tests.browser.test_workspace import sign_in
from tests.factories import OrganisationFactory, UserFactory, consult_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DEFAULT_RUBRIC = Path(settings.BASE_DIR) / "assessment" / "rubrics" / "sales-transformation.yaml"
REWORDED = "Our sales stages follow the steps our customers take to buy."
NEW_QUESTION = "Our channel partners sell through the same stages as we do."


@pytest.fixture
def firm_copy(db) -> RubricVersion:
    """The built-in rubric, and the firm's own copy of it (version 1), renamed for its clients."""
    services.import_rubric(document=DEFAULT_RUBRIC.read_text())
    organisation = OrganisationFactory(name="Contoso")
    consult_for(UserFactory(username="consultant", first_name="Cara"), organisation)
    document = yaml.safe_load(DEFAULT_RUBRIC.read_text())
    document["name"] = "Northwind's sales method"
    return services.import_rubric(document=document, firm=organisation.firm).version


def test_a_consultant_rewords_and_adds_a_question_previews_it_and_publishes_the_next_version(
    page, live_server, firm_copy, shoot
):
    sign_in(page, live_server, "consultant")
    page.get_by_role("navigation", name="Account").get_by_role("link", name="Rubrics").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Rubrics of")
    shoot(page, "rubrics")

    page.get_by_role("button", name="Copy of Sales Transformation Maturity version 1").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Draft:")
    assert RubricDraft.objects.count() == 1
    shoot(page, "editor")

    page.locator('[id="dimensions[0].criteria[0].text"]').fill(REWORDED)
    page.get_by_role("button", name="Add a question to Sales process").click()
    expect(page.get_by_text("The draft was saved.")).to_be_visible()
    new = "dimensions[0].criteria[7]"
    expect(page.locator(f'[id="{new}.text"]')).to_have_value("New question")
    page.locator(f'[id="{new}.text"]').fill(NEW_QUESTION)
    page.locator(f'[id="{new}.key"]').fill("partners-follow-stages")
    page.get_by_role("button", name="Save the draft").click()
    expect(page.get_by_text("The draft was saved.")).to_be_visible()
    expect(page.locator('[id="dimensions[0].criteria[0].text"]')).to_have_value(REWORDED)
    shoot(page, "edited")

    page.get_by_role("navigation", name="Draft").get_by_role("link", name="Preview").click()
    page.get_by_label("Respondent group").select_option(label="Sales reps")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("as Sales reps see it")
    expect(page.get_by_text(NEW_QUESTION)).to_be_visible()
    expect(page.get_by_text(REWORDED)).to_be_visible()
    shoot(page, "preview", full_page=True)

    page.get_by_role("navigation", name="Draft").get_by_role("link", name="Changes").click()
    changes = page.locator("ul.changes")
    expect(changes).to_contain_text("added criterion partners-follow-stages")
    expect(changes).to_contain_text("Changed: text")
    shoot(page, "changes")

    page.get_by_role("navigation", name="Draft").get_by_role("link", name="Publish").click()
    expect(page.get_by_text("It becomes version 2 of")).to_be_visible()
    page.get_by_role("button", name="Publish", exact=True).click()
    expect(page.get_by_text("as version 2 of")).to_be_visible()
    own = page.locator(f"#rubric-{firm_copy.rubric.key}")
    expect(own.get_by_role("cell", name="Version 2", exact=True)).to_be_visible()
    expect(own.get_by_role("cell", name="Version 1", exact=True)).to_be_visible()
    shoot(page, "published", full_page=True)

    published = RubricVersion.objects.get(rubric=firm_copy.rubric, version=2)
    rubric = load_rubric(published).rubric
    assert rubric.criterion_by_key["partners-follow-stages"].text == NEW_QUESTION
    first = yaml.safe_load(DEFAULT_RUBRIC.read_text())["dimensions"][0]["criteria"][0]["key"]
    assert rubric.criterion_by_key[first].text == REWORDED
    assert not RubricDraft.objects.exists()
