"""The sales leader's self-assessment: sign up, answer, and see the results at once."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock
from urllib.parse import urlsplit

import yaml
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from assessment import services as assessment_services
from assessment.models import Assessment, Response, RubricVersion
from organisations.models import Firm, FirmMembership, FirmRole, Organisation, SignUp
from surveys.services import DEFAULT_RUBRIC_FILE
from tests.factories import consult_for
from tests.surveys.test_results import PATTERN
from tests.two_factor import enrol

SIGN_UP = {
    "name": "Dana Scully",
    "email": "Dana@Example.com",
    "password": "a-long-and-unusual-passphrase",
    "company": "Initech",
}


def submit_sign_up(client, **changes):
    """The form posted, its emails sent (after commit, as in production)."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(reverse("surveys:sign-up"), {**SIGN_UP, **changes})


def confirmation_link(message) -> str:
    link = next(line.strip() for line in message.body.splitlines() if "/start/confirm/" in line)
    return urlsplit(link).path


def sign_up(client, **changes):
    """Sign up and open the emailed confirmation link, as a leader does; as the admin of their new firm,
    they then set up two-factor sign-in."""
    mail.outbox.clear()
    submit_sign_up(client, **changes)
    started = client.get(confirmation_link(mail.outbox[-1]))
    enrol(client)
    return started


def own_url(response: Response, name: str, **kwargs) -> str:
    return reverse(f"surveys:own-{name}", kwargs={"response_id": response.pk, **kwargs})


def answer_with_pattern(response: Response) -> None:
    from assessment.queries import load_rubric

    rubric = load_rubric(response.assessment.rubric_version).rubric
    answers = [
        assessment_services.AnswerInput(criterion=c.key, option=str(int(PATTERN[rubric.dimension_of_criterion[c.key]])))
        for c in rubric.criteria_for_group(response.group)
        if rubric.answer_set_by_key[c.answer_set].scored
    ]
    assessment_services.save_answers(response=response, answers=answers)


def test_the_sign_up_page_asks_for_name_email_password_and_company(client, db):
    page = client.get(reverse("surveys:sign-up"))
    text = page.content.decode()
    assert page.status_code == 200
    for field, label in (
        ("name", "Your name"),
        ("email", "Work email"),
        ("password", "Password"),
        ("company", "Company"),
    ):
        assert f'<label for="id_{field}">{label}</label>' in text
    assert "<legend" in text and "Front-line managers" in text


def test_signing_up_creates_the_account_organisation_and_an_open_self_assessment_and_signs_in(client, db):
    assert not RubricVersion.objects.exists()
    started = sign_up(client)
    user = get_user_model().objects.get()
    assert (user.username, user.email, user.first_name, user.last_name) == (
        "dana@example.com",
        "dana@example.com",
        "Dana",
        "Scully",
    )
    assert user.check_password(SIGN_UP["password"])
    organisation = Organisation.objects.get()
    assert organisation.name == "Initech"
    assert FirmMembership.objects.get(user=user).role == FirmRole.ADMIN
    assert organisation.firm.name == "Initech"
    assessment = Assessment.objects.get()
    assert (assessment.organisation, assessment.state, assessment.respondent_groups) == (
        organisation,
        "open",
        ["sales-leadership"],
    )
    assert assessment.rubric_version.rubric.key == "sales-transformation"
    response = Response.objects.get()
    assert (response.user, response.group, response.assessment) == (user, "sales-leadership", assessment)
    assert started.status_code == 302
    assert started["Location"] == own_url(response, "page", number=1)
    assert client.get(reverse("home")).status_code == 200  # signed in
    assert "Continue your self-assessment" in client.get(reverse("home")).content.decode()


def test_with_version_2_imported_the_self_assessment_starts_on_it(client, default_rubric):
    # default_rubric is version 1; the shipped built-ins add version 2 beside it, as the demo does.
    latest = assessment_services.import_built_in_rubrics()["sales-transformation"]
    assert (default_rubric.version, latest.version) == (1, 2)
    sign_up(client)
    assessment = Assessment.objects.get()
    assert assessment.rubric_version == latest
    assert assessment.respondent_groups == ["sales-leadership"]


def test_with_no_rubric_stored_the_self_assessment_imports_the_built_ins_and_starts_on_the_latest(client, db):
    sign_up(client)
    version = Assessment.objects.get().rubric_version
    assert (version.rubric.key, version.version) == ("sales-transformation", 2)
    assert RubricVersion.objects.filter(rubric__key="sales-transformation").count() == 2


def test_the_self_assessment_uses_the_latest_version_of_the_default_rubric(client, default_rubric):
    document = yaml.safe_load(DEFAULT_RUBRIC_FILE.read_text())
    document["description"] += " Revised."
    newer = assessment_services.import_rubric(document=document).version
    assert newer.version == default_rubric.version + 1
    sign_up(client)
    assert Assessment.objects.get().rubric_version == newer


def test_a_leader_who_will_invite_their_team_gets_those_groups_in_the_same_assessment(client, db):
    sign_up(client, team_groups=["reps", "managers"])
    assert Assessment.objects.get().respondent_groups == ["sales-leadership", "managers", "reps"]


def test_the_form_answers_check_your_email_and_creates_nothing_until_the_link_is_opened(client, db):
    mail.outbox.clear()
    answered = submit_sign_up(client)
    assert answered.status_code == 302
    page = client.get(answered["Location"])
    assert "Check your email" in page.content.decode()
    assert not get_user_model().objects.exists()
    assert not Organisation.objects.exists() and not Firm.objects.exists()
    pending = SignUp.objects.get()
    assert pending.confirmed_at is None
    assert SIGN_UP["password"] not in str(pending.details)
    assert pending.details["password"].startswith(("pbkdf2_", "md5$", "argon2", "bcrypt", "scrypt"))
    [message] = mail.outbox
    assert message.to == ["dana@example.com"]
    assert "/start/confirm/" in message.body
    assert client.get(reverse("home")).status_code == 302  # not signed in


def test_an_address_with_an_account_gets_the_same_page_and_its_owner_an_email_and_nothing_is_created(client, leader):
    leader.email = "dana@example.com"
    leader.save()
    users, firms, organisations = get_user_model().objects.count(), Firm.objects.count(), Organisation.objects.count()
    mail.outbox.clear()
    existing = submit_sign_up(client)
    existing_page = client.get(existing["Location"]).content.decode()
    new = submit_sign_up(client, email="fox@example.com")
    assert (existing.status_code, existing["Location"]) == (new.status_code, new["Location"])
    assert client.get(new["Location"]).content.decode() == existing_page
    owner, newcomer = mail.outbox
    assert owner.to == ["dana@example.com"]
    assert "Someone (perhaps you) tried to start" in owner.body
    assert "/password-reset/" in owner.body and "/login/" in owner.body
    assert "/start/confirm/" not in owner.body
    assert newcomer.to == ["fox@example.com"] and "/start/confirm/" in newcomer.body
    assert (get_user_model().objects.count(), Firm.objects.count(), Organisation.objects.count()) == (
        users,
        firms,
        organisations,
    )
    assert not SignUp.objects.filter(email="dana@example.com").exists()
    assert not SignUp.objects.filter(confirmed_at__isnull=False).exists()


def test_a_confirmation_link_works_once(client, db):
    mail.outbox.clear()
    submit_sign_up(client)
    link = confirmation_link(mail.outbox[0])
    assert client.get(link).status_code == 302
    client.logout()
    again = client.get(link)
    assert again.status_code == 410
    assert "This sign-up link has already been used" in again.content.decode()
    assert get_user_model().objects.count() == Organisation.objects.count() == 1


def test_an_expired_confirmation_link_creates_nothing(client, db):
    mail.outbox.clear()
    submit_sign_up(client)
    later = timezone.now() + timedelta(hours=49)
    with mock.patch("django.utils.timezone.now", return_value=later):
        expired = client.get(confirmation_link(mail.outbox[0]))
    assert expired.status_code == 410
    assert "This sign-up link has expired" in expired.content.decode()
    assert not get_user_model().objects.exists()


def test_an_unknown_confirmation_link_is_not_found(client, db):
    assert client.get(reverse("surveys:sign-up-confirm", kwargs={"token": "x" * 43})).status_code == 404


def test_a_weak_password_is_refused_with_the_reason(client, db):
    refused = submit_sign_up(client, password="password")
    assert refused.status_code == 400
    assert "This password is too common." in refused.content.decode()
    assert not get_user_model().objects.exists()
    assert not Organisation.objects.exists()


def test_missing_fields_are_refused(client, db):
    refused = submit_sign_up(client, company="", email="not-an-email")
    assert refused.status_code == 400
    text = refused.content.decode()
    assert "This field is required." in text
    assert "Enter a valid email address." in text
    assert not get_user_model().objects.exists()


def test_the_leader_answers_on_the_same_pages_and_sees_the_results_at_once(client, default_rubric):
    sign_up(client)
    response = Response.objects.get()
    page = client.get(own_url(response, "page", number=1)).content.decode()
    assert '<progress id="survey-progress" max="45" value="0"' in page
    assert f'data-save-url="{own_url(response, "answers")}"' in page
    answer_with_pattern(response)
    assert client.get(own_url(response, "start"))["Location"] == own_url(response, "review")
    submitted = client.post(own_url(response, "review"))
    assert submitted["Location"] == own_url(response, "thanks")
    assert client.get(own_url(response, "thanks"))["Location"] == own_url(response, "results")
    results = client.get(own_url(response, "results"))
    text = results.content.decode()
    assert results.status_code == 200
    assert "Level 2: Emerging" in text
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="chart radar"' in text
    assert '<title id="radar-title">Your maturity by dimension</title>' in text
    assert "Level 4 · Managed" in text
    assert "Stage conversion, deal velocity and win/loss reasons are measured" in text
    assert "Your three biggest gaps" in text
    assert "Gap 1: Marketing alignment" in text and "Gap 2: Organisation design" in text
    assert "Agree what counts as a qualified lead" in text
    assert "Give sales a strategic seat at the executive table" in text


def test_the_results_wait_for_the_submission(client, db):
    sign_up(client)
    response = Response.objects.get()
    assert client.get(own_url(response, "results"))["Location"] == own_url(response, "start")


def test_the_leader_can_read_their_submitted_answers(client, default_rubric):
    sign_up(client)
    response = Response.objects.get()
    answer_with_pattern(response)
    client.post(own_url(response, "review"))
    text = client.get(own_url(response, "summary")).content.decode()
    assert "You submitted these answers on" in text
    assert "Exit criteria are enforced in the CRM and deals that skip or slip stages are reported." in text
    assert client.get(own_url(response, "start"))["Location"] == own_url(response, "results")


def test_nobody_else_reaches_a_leaders_own_response_not_even_their_consultant(client, default_rubric, user_factory):
    sign_up(client)
    response = Response.objects.get()
    answer_with_pattern(response)
    client.post(own_url(response, "review"))
    consultant = user_factory(username="their-consultant")
    consult_for(consultant, Organisation.objects.get())
    client.force_login(consultant)
    for name in ("start", "review", "thanks", "results", "summary"):
        assert client.get(own_url(response, name)).status_code == 404, name
    assert client.get(own_url(response, "page", number=1)).status_code == 404
    assert client.post(own_url(response, "answers"), "{}", content_type="application/json").status_code == 404
    client.logout()
    assert client.get(own_url(response, "results"))["Location"].startswith(reverse("login"))
