"""The survey in real Chromium: autosave and resume, offline answers, submitting, the leader's results, phones."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.core import mail
from playwright.sync_api import expect

from assessment import services as assessment_services
from assessment.models import Answer, Response
from surveys import services, tokens
from tests.factories import OrganisationFactory, UserFactory, consult_for
from tests.two_factor import code_from_secret

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DEFAULT_RUBRIC = Path(settings.BASE_DIR) / "assessment" / "rubrics" / "sales-transformation.yaml"
PHONE = {"width": 360, "height": 740}


def open_invitation(live_server, *, group: str = "reps") -> tuple[str, object]:
    """An open assessment of Northwind Traders and one invitation to it: (link, invitation)."""
    version = assessment_services.import_rubric(document=DEFAULT_RUBRIC.read_text()).version
    organisation = OrganisationFactory(name="Northwind Traders")
    consultant = UserFactory(username="consultant")
    consult_for(consultant, organisation)
    assessment = assessment_services.create_assessment(
        organisation=organisation,
        period="FY2026",
        title="Sales maturity FY2026",
        rubric_version=version,
        targets={"sales-process": 4, "technology": 3},
        created_by=consultant,
    )
    assessment_services.open_assessment(assessment=assessment)
    invitation = services.invite(assessment=assessment, email="rep@example.com", group=group, invited_by=consultant)
    return f"{live_server.url}/s/{tokens.token_for(invitation.secret)}/", invitation


def scored_keys(page) -> list[str]:
    return page.locator('fieldset[data-kind="scored"]').evaluate_all("els => els.map(e => e.dataset.criterion)")


def choose(page, key: str, option: int) -> None:
    """Click the option-th statement of a question and wait until the page says it is saved."""
    question = page.locator(f'fieldset[data-criterion="{key}"]')
    question.locator("label.option").nth(option).click()
    expect(question.locator("[data-save-state]")).to_have_text("Saved")


def answer_page(page, *, option: int | None = None, limit: int | None = None) -> dict[str, int]:
    chosen = {}
    for i, key in enumerate(scored_keys(page)[:limit]):
        chosen[key] = (i % 5) if option is None else option
        choose(page, key, chosen[key])
    return chosen


def stored(invitation) -> dict[str, str | None]:
    invitation.refresh_from_db()
    if invitation.response_id is None:
        return {}
    return {
        a.criterion.key: ("na" if a.not_applicable else (a.option.key if a.option else None))
        for a in Answer.objects.filter(response_id=invitation.response_id).select_related("criterion", "option")
    }


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_a_respondent_answers_half_the_survey_reloads_and_every_answer_is_still_there(live_server, page, shoot):
    link, invitation = open_invitation(live_server)
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("How does Northwind Traders sell today?")
    shoot(page, "welcome")
    page.get_by_role("link", name="Start the survey").click()

    chosen = answer_page(page)
    shoot(page, "page-1-answered")
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Organisation design")
    chosen |= answer_page(page)
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sales technology and data")
    # Half of the 32 questions: the last two only autosaved, the page is never posted.
    chosen |= answer_page(page, limit=16 - len(chosen))
    first_here = scored_keys(page)[0]
    question = page.locator(f'fieldset[data-criterion="{first_here}"]')
    question.locator("summary").click()
    question.locator("textarea").fill("Our CRM is only used for forecasts.")
    expect(question.locator("[data-save-state]")).to_have_text("Saved")
    expect(page.locator(".progress label")).to_have_text("16 of 32 questions answered")
    shoot(page, "page-3-half-answered")

    page.reload()
    expect(page.locator(".progress label")).to_have_text("16 of 32 questions answered")
    shoot(page, "page-3-after-reload")
    for key in scored_keys(page)[:2]:
        expect(page.locator(f'input[name="q-{key}"][value="{chosen[key] + 1}"]')).to_be_checked()
    expect(question.locator("textarea")).to_have_value("Our CRM is only used for forecasts.")
    page.get_by_role("link", name="1 Sales process").click()
    for key in scored_keys(page):
        expect(page.locator(f'input[name="q-{key}"][value="{chosen[key] + 1}"]')).to_be_checked()
    shoot(page, "page-1-after-reload")

    assert stored(invitation) == {key: str(option + 1) for key, option in chosen.items()}
    assert Answer.objects.get(criterion__key=first_here).comment == "Our CRM is only used for forecasts."
    # Opened again elsewhere, the link resumes on the first page with unanswered questions.
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Sales technology and data")


def test_an_answer_chosen_while_offline_is_saved_once_the_network_is_back(live_server, context, page, shoot):
    link, invitation = open_invitation(live_server)
    page.goto(link + "1/")
    first, second = scored_keys(page)[:2]
    choose(page, first, 1)

    context.set_offline(True)
    page.locator(f'fieldset[data-criterion="{second}"] label.option').nth(3).click()
    state = page.locator(f'fieldset[data-criterion="{second}"] [data-save-state]')
    expect(state).to_have_text("Not saved yet — retrying")
    expect(page.locator("[data-status-bar]")).to_contain_text("Not saved yet — retrying")
    shoot(page, "offline-not-saved-yet")
    assert stored(invitation) == {first: "2"}

    # Changed again while still offline: only the latest choice may reach the server.
    page.locator(f'fieldset[data-criterion="{second}"] label.option').nth(4).click()
    context.set_offline(False)
    expect(state).to_have_text("Saved")
    expect(page.locator("[data-status-bar]")).to_have_text("All answers saved.")
    shoot(page, "back-online-saved")
    assert stored(invitation) == {first: "2", second: "5"}


def test_a_question_can_be_answered_with_the_keyboard(live_server, page, shoot):
    link, invitation = open_invitation(live_server)
    page.goto(link + "1/")
    key = scored_keys(page)[0]
    page.locator(f'input[name="q-{key}"]').first.focus()
    page.keyboard.press("Space")
    page.keyboard.press("ArrowDown")
    expect(page.locator(f'input[name="q-{key}"][value="2"]')).to_be_focused()
    expect(page.locator(f'fieldset[data-criterion="{key}"] [data-save-state]')).to_have_text("Saved")
    shoot(page, "keyboard-focus")
    assert stored(invitation) == {key: "2"}


def test_the_respondent_finishes_and_submits_and_the_link_then_shows_their_answers(live_server, page, shoot):
    link, invitation = open_invitation(live_server)
    page.goto(link + "1/")
    for number in range(1, 6):
        answer_page(page, option=2)
        if number < 5:
            page.get_by_role("button", name="Save and continue").click()
    page.get_by_role("button", name="Save and review").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Review and submit")
    expect(page.get_by_text("Every question is answered. Thank you!")).to_be_visible()
    shoot(page, "review")
    page.get_by_role("button", name="Submit my answers").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you")
    shoot(page, "thanks")

    response = Response.objects.get()
    assert response.submitted_at is not None and response.user is None and response.late is False
    assert set(stored(invitation).values()) == {"3"}
    assert len(stored(invitation)) == 32

    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Your answers")
    assert page.locator("main input").count() == 0
    shoot(page, "read-only-summary")


def confirmation_link(live_server, email: str) -> str:
    """The link of the sign-up confirmation emailed to `email` (the live server shares our outbox)."""
    message = next(m for m in reversed(mail.outbox) if m.to == [email])
    link = next(line.strip() for line in message.body.splitlines() if "/start/confirm/" in line)
    return live_server.url + urlsplit(link).path


def set_up_two_factor(page, shoot=None) -> None:
    """The new firm's admin sets up an authenticator: the key typed into the app, its code confirmed, the
    recovery codes kept."""
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up two-factor sign-in")
    expect(page.locator("figure.qr svg")).to_be_visible()
    if shoot:
        shoot(page, "two-factor-set-up")
    page.get_by_label("Code").fill(code_from_secret(page.locator("#secret").inner_text()))
    page.get_by_role("button", name="Turn on two-factor sign-in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your recovery codes")
    expect(page.get_by_role("list", name="Recovery codes").get_by_role("listitem")).to_have_count(10)
    page.get_by_role("link", name="I have kept them: continue").click()


def test_a_leader_signs_up_completes_the_self_assessment_and_sees_the_radar_and_gaps(live_server, page, shoot):
    assessment_services.import_rubric(document=DEFAULT_RUBRIC.read_text())
    page.goto(f"{live_server.url}/start/")
    shoot(page, "sign-up")
    page.get_by_label("Your name").fill("Dana Scully")
    page.get_by_label("Work email").fill("dana@example.com")
    page.get_by_label("Password").fill("a-long-and-unusual-passphrase")
    page.get_by_label("Company").fill("Initech")
    page.get_by_role("button", name="Create my account and start").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    shoot(page, "sign-up-sent")
    page.goto(confirmation_link(live_server, "dana@example.com"))
    set_up_two_factor(page, shoot)
    expect(page.get_by_role("heading", level=1)).to_have_text("Sales process")
    # A pattern that leaves clear gaps: sales process high, marketing alignment lowest.
    options = {1: 3, 2: 1, 3: 2, 4: 0, 5: 1}
    for number, option in options.items():
        answer_page(page, option=option)
        page.get_by_role("button", name="Save and continue" if number < 5 else "Save and review").click()
    page.get_by_role("button", name="Submit my answers").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Your results")
    radar = page.locator("svg.radar")
    expect(radar).to_be_visible()
    assert radar.locator("polygon.series-current").count() == 1
    expect(page.get_by_role("heading", name="Your three biggest gaps")).to_be_visible()
    gaps = page.locator(".gap h3").all_inner_texts()
    assert gaps == ["Gap 1: Marketing alignment", "Gap 2: Organisation design", "Gap 3: Strategic sales leadership"]
    expect(page.get_by_text("Agree what counts as a qualified lead")).to_be_visible()
    expect(page.locator(".overall")).to_contain_text("Level 2: Emerging")
    shoot(page, "results", full_page=True)
    assert Response.objects.get().user.email == "dana@example.com"


def test_no_survey_page_scrolls_sideways_on_a_360_px_screen(live_server, browser, shoot):
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        link, _ = open_invitation(live_server, group="managers")
        visited = []

        def check(step: str) -> None:
            shoot(page, step, full_page=True)
            visited.append((step, page.evaluate("document.documentElement.scrollWidth")))

        page.goto(link)
        check("welcome")
        for number in range(1, 6):
            page.goto(f"{link}{number}/")
            if number == 2:
                question = page.locator('fieldset[data-kind="scored"]').first
                question.locator("summary").click()
                question.locator("textarea").fill("A long comment " * 20)
                expect(question.locator("[data-save-state]")).to_have_text("Saved")
            check(f"page-{number}")
        page.goto(f"{link}review/")
        check("review")
        page.get_by_role("button", name="Submit my answers").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Thank you")
        check("thanks")
        page.goto(link)
        check("read-only-summary")

        page.goto(f"{live_server.url}/start/")
        check("sign-up")
        page.get_by_label("Your name").fill("Dana Scully")
        page.get_by_label("Work email").fill("dana@example.com")
        page.get_by_label("Password").fill("a-long-and-unusual-passphrase")
        page.get_by_label("Company").fill("Initech")
        page.get_by_role("button", name="Create my account and start").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
        check("sign-up-sent")
        page.goto(confirmation_link(live_server, "dana@example.com"))
        check("two-factor-set-up")
        set_up_two_factor(page)
        expect(page.get_by_role("heading", level=1)).to_have_text("Sales process")
        answer_page(page, option=1)
        page.get_by_role("link", name="Review").click()
        page.get_by_role("button", name="Submit my answers").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Your results")
        check("results")
        page.get_by_role("link", name="Invite your team").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("Invitations")
        check("invitations")
        page.goto(f"{live_server.url}/")
        check("home")
        page.get_by_role("button", name="Sign out").click()
        check("sign-in")

        assert [step for step, width in visited if width > PHONE["width"]] == [], visited
    finally:
        context.close()
