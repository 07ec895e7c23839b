"""Password rules (AUTH_PASSWORD_VALIDATORS): at least 12 characters, not a common password, not only
spaces; applied on sign-up, on accepting an invitation with a new account and on a password change."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.test import TestCase
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from assessment.management.commands.seed_demo import DEMO_PASSWORD
from organisations import services
from organisations.models import SignUp
from tests.surveys.test_self_assessment import submit_sign_up

ELEVEN = "kq7-vb2-mzx"
SIXTEEN_SPACES = " " * 16
EIGHT_SPACES = " " * 8
TOO_SHORT = "This password is too short. It must contain at least 12 characters."
ONLY_SPACES = "This password is only spaces"


@pytest.mark.parametrize(
    ("password", "reason"),
    [(ELEVEN, TOO_SHORT), (EIGHT_SPACES, TOO_SHORT), (SIXTEEN_SPACES, ONLY_SPACES), ("password1234", "too common")],
)
def test_sign_up_refuses_a_weak_password_with_the_reason_and_stores_nothing(client, db, password, reason):
    refused = submit_sign_up(client, password=password)
    assert refused.status_code == 400
    assert reason in refused.content.decode()
    assert not SignUp.objects.exists()
    assert mail.outbox == []


def test_sign_up_takes_a_twelve_character_password(client, db):
    assert submit_sign_up(client, password="kq7-vb2-mzx4").status_code == 302
    assert SignUp.objects.count() == 1


def test_the_sign_up_page_states_the_rule(client, db):
    assert "At least 12 characters" in client.get(reverse("surveys:sign-up")).content.decode()


@pytest.mark.parametrize(("password", "reason"), [(ELEVEN, TOO_SHORT), (SIXTEEN_SPACES, ONLY_SPACES)])
def test_accepting_an_invitation_with_a_new_account_refuses_a_weak_password(
    client, organisation, consultant, password, reason
):
    with TestCase.captureOnCommitCallbacks(execute=True):
        services.invite_member(
            firm=organisation.firm,
            organisation=organisation,
            email="new@example.com",
            role="viewer",
            invited_by=consultant,
        )
    link = next(line.strip() for line in mail.outbox[-1].body.splitlines() if "/join/" in line)
    refused = client.post(urlsplit(link).path, {"name": "Fox Mulder", "password": password})
    assert refused.status_code == 400
    assert reason in refused.content.decode()
    assert not get_user_model().objects.filter(email="new@example.com").exists()


@pytest.mark.parametrize(("password", "reason"), [(ELEVEN, TOO_SHORT), (SIXTEEN_SPACES, ONLY_SPACES)])
def test_a_password_change_refuses_a_weak_password(client, consultant, password, reason):
    uid = urlsafe_base64_encode(force_bytes(consultant.pk))
    token = default_token_generator.make_token(consultant)
    form = client.get(reverse("password_reset_confirm", kwargs={"uidb64": uid, "token": token}))
    assert form.status_code == 302  # to the same form without the token in the address
    refused = client.post(form["Location"], {"new_password1": password, "new_password2": password})
    assert refused.status_code == 200
    assert reason in refused.content.decode()
    consultant.refresh_from_db()
    assert not consultant.check_password(password)
    changed = client.post(
        form["Location"], {"new_password1": "kq7-vb2-mzx4-long", "new_password2": "kq7-vb2-mzx4-long"}
    )
    assert changed.status_code == 302
    consultant.refresh_from_db()
    assert consultant.check_password("kq7-vb2-mzx4-long")


def test_the_demo_password_meets_the_rules():
    validate_password(DEMO_PASSWORD)
