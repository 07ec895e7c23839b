"""Two-factor sign-in: required for firm members (and staff), optional for clients unless their firm
requires it, with single-use recovery codes; on the pages, the token endpoint and the admin site."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from organisations.audit import Action
from organisations.models import AuditEvent
from tests.api.conftest import token_client
from tests.factories import UserFactory
from tests.two_factor import code_of, enrol, give_authenticator, unverified_force_login

PASSWORD = "correct horse battery staple"  # tests.factories.UserFactory's
HOME = reverse("home")
VERIFY = reverse("two-factor-verify")
ENROL = reverse("two-factor-enrol")


def sign_in(client, username: str):
    """The password step of the sign-in form."""
    signed_in = client.post(reverse("login"), {"username": username, "password": PASSWORD})
    assert signed_in.status_code == 302, signed_in.content.decode()
    return signed_in


def later(seconds: float):
    """The clock moved on (django-otp's throttle reads Django's clock)."""
    return mock.patch("django.utils.timezone.now", return_value=timezone.now() + timedelta(seconds=seconds))


def actions(firm) -> list[str]:
    return list(
        AuditEvent.objects.filter(firm=firm, action__startswith="two_factor.")
        .order_by("id")
        .values_list("action", flat=True)
    )


# --- firm members must -------------------------------------------------------------------------


def test_a_firm_member_without_an_authenticator_is_sent_to_set_one_up_before_any_other_page(
    client, consultant, organisation
):
    sign_in(client, "consultant")
    for page in (HOME, reverse("firm", kwargs={"firm_id": organisation.firm_id}), reverse("two-factor")):
        sent = client.get(page)
        assert sent.status_code == 302
        assert sent["Location"] == f"{ENROL}?next={page.replace('/', '%2F')}"
    # The session's API calls are refused too, with a message saying why.
    refused = client.get("/api/v1/organisations/")
    assert refused.status_code == 403
    assert refused.json()["code"] == "two_factor_required"
    assert "second factor" in refused.json()["message"]


def test_setting_up_shows_a_qr_code_and_the_key_and_a_code_of_the_app_confirms_it(client, consultant, organisation):
    sign_in(client, "consultant")
    page = client.get(ENROL)
    text = page.content.decode()
    assert page.status_code == 200
    assert "<svg" in text and 'id="secret"' in text
    assert "<script" not in text and "style=" not in text
    # The same key until it is confirmed (a reload does not change what the app scanned).
    assert client.get(ENROL).content.decode().count(text.split('id="secret">')[1].split("<")[0]) == 1

    wrong = client.post(ENROL, {"otp": "000000"})
    assert wrong.status_code == 400
    assert "That code is not right" in wrong.content.decode()
    assert not TOTPDevice.objects.filter(user=consultant, confirmed=True).exists()
    assert client.get(HOME).status_code == 302

    with later(5):
        codes = enrol(client)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert client.get(HOME).status_code == 200
    assert client.get("/api/v1/organisations/").status_code == 200
    assert actions(organisation.firm) == [Action.TWO_FACTOR_ENABLED]


def test_signing_in_asks_for_the_code_and_refuses_a_wrong_one(client, consultant):
    device = give_authenticator(consultant)
    assert sign_in(client, "consultant")["Location"] == HOME
    asked = client.get(HOME)
    assert asked["Location"] == f"{VERIFY}?next=%2F"
    assert 'autocomplete="one-time-code"' in client.get(asked["Location"]).content.decode()

    wrong = client.post(VERIFY, {"otp": "123456" if code_of(device) != "123456" else "654321", "next": HOME})
    assert wrong.status_code == 400
    assert "That code is not right" in wrong.content.decode()
    assert client.get(HOME).status_code == 302
    # Straight away, even the right code waits: wrong codes are throttled.
    throttled = client.post(VERIFY, {"otp": code_of(device), "next": HOME})
    assert throttled.status_code == 429
    assert "Too many wrong codes" in throttled.content.decode()

    with later(2):
        verified = client.post(VERIFY, {"otp": code_of(device), "next": HOME})
    assert verified.status_code == 302 and verified["Location"] == HOME
    assert client.get(HOME).status_code == 200
    # The same code cannot be used twice.
    client.logout()
    sign_in(client, "consultant")
    with later(4):
        assert client.post(VERIFY, {"otp": code_of(device), "next": HOME}).status_code == 400


def test_a_recovery_code_signs_in_once(client, consultant, organisation):
    sign_in(client, "consultant")
    first, *others = enrol(client)
    client.logout()

    sign_in(client, "consultant")
    used = client.post(VERIFY, {"otp": first.upper(), "next": HOME})
    assert used["Location"] == HOME
    assert "9 left" in client.get(HOME).content.decode()
    event = AuditEvent.objects.get(firm=organisation.firm, action=Action.RECOVERY_CODE_USED)
    assert event.details == {"left": 9}
    client.logout()

    sign_in(client, "consultant")
    again = client.post(VERIFY, {"otp": first, "next": HOME})
    assert again.status_code == 400
    assert client.get(HOME).status_code == 302
    with later(2):
        assert client.post(VERIFY, {"otp": others[0], "next": HOME})["Location"] == HOME


def test_new_recovery_codes_replace_the_old_ones(client, consultant, organisation):
    sign_in(client, "consultant")
    old = enrol(client)
    made = client.post(reverse("two-factor-recovery-codes"))
    assert made.status_code == 200
    new = [c for c in old if c in made.content.decode()]
    assert new == []
    assert Action.RECOVERY_CODES_REGENERATED in actions(organisation.firm)
    client.logout()
    sign_in(client, "consultant")
    assert client.post(VERIFY, {"otp": old[0], "next": HOME}).status_code == 400


def test_a_firm_member_cannot_turn_it_off(client, consultant):
    device = give_authenticator(consultant)
    client.force_login(consultant)
    assert "cannot be turned off" in client.get(reverse("two-factor")).content.decode()
    refused = client.post(reverse("two-factor-disable"), {"otp": code_of(device)})
    assert refused.status_code == 400
    assert "Your role requires two-factor sign-in" in refused.content.decode()
    assert TOTPDevice.objects.filter(user=consultant).exists()


# --- clients may, unless their firm requires it ---------------------------------------------------


def test_a_client_leader_signs_in_without_a_code_and_may_set_one_up(client, leader, organisation):
    sign_in(client, "leader")
    account = client.get(reverse("two-factor"))
    assert account.status_code == 200
    assert "Set up two-factor sign-in" in account.content.decode()
    assert client.get(HOME).status_code == 200
    assert client.get("/api/v1/organisations/").status_code == 200

    codes = enrol(client)
    client.logout()
    sign_in(client, "leader")
    assert client.get(HOME)["Location"].startswith(VERIFY)
    assert client.post(VERIFY, {"otp": codes[0], "next": HOME})["Location"] == HOME
    assert actions(organisation.firm) == [Action.TWO_FACTOR_ENABLED, Action.RECOVERY_CODE_USED]


def test_a_client_turns_it_off_with_a_current_code(client, leader, organisation):
    device = give_authenticator(leader)
    client.force_login(leader)
    turned_off = client.post(reverse("two-factor-disable"), {"otp": code_of(device)})
    assert turned_off["Location"] == reverse("two-factor")
    assert not TOTPDevice.objects.filter(user=leader).exists()
    assert actions(organisation.firm) == [Action.TWO_FACTOR_DISABLED]
    client.logout()
    sign_in(client, "leader")
    assert client.get(HOME).status_code == 200


def test_a_firm_that_requires_it_sends_its_clients_to_set_it_up(client, firm_admin, consultant, leader, organisation):
    firm = organisation.firm
    path = f"/api/v1/firms/{firm.pk}/"
    assert token_client(consultant).patch(path, {"require_two_factor_for_clients": True}).status_code == 403
    refused = token_client(firm_admin).patch(path, {"require_two_factor_for_clients": "yes"})
    assert refused.status_code == 400 and "require_two_factor_for_clients" in refused.json()["fields"]
    firm.refresh_from_db()
    assert firm.require_two_factor_for_clients is False

    changed = token_client(firm_admin).patch(path, {"require_two_factor_for_clients": True})
    assert changed.status_code == 200
    assert changed.json()["require_two_factor_for_clients"] is True
    event = AuditEvent.objects.get(firm=firm, action=Action.FIRM_TWO_FACTOR_POLICY_CHANGED)
    assert event.details == {"require_two_factor_for_clients": True}

    sign_in(client, "leader")
    assert client.get(HOME)["Location"].startswith(ENROL)
    assert client.get("/api/v1/organisations/").status_code == 403
    enrol(client)
    assert client.get(HOME).status_code == 200


def test_the_firm_settings_page_sets_the_requirement(client, firm_admin, leader, organisation):
    client.force_login(firm_admin)
    page = reverse("firm-settings", kwargs={"firm_id": organisation.firm_id})
    assert "Clients&#x27; leaders and viewers must sign in with two factors" in client.get(page).content.decode()
    saved = client.post(
        page, {"name": organisation.firm.name, "colour": "#1d3557", "require_two_factor_for_clients": "on"}
    )
    assert saved.status_code == 302
    organisation.firm.refresh_from_db()
    assert organisation.firm.require_two_factor_for_clients is True
    client.logout()
    sign_in(client, "leader")
    assert client.get(HOME)["Location"].startswith(ENROL)


# --- the API token -----------------------------------------------------------------------------


def test_the_token_endpoint_asks_a_firm_member_for_the_code(consultant, organisation):
    api = token_client(None)
    url = "/api/v1/auth/token/"
    not_set_up = api.post(url, {"username": "consultant", "password": PASSWORD})
    assert not_set_up.status_code == 403
    assert not_set_up.json()["code"] == "two_factor_enrolment_required"

    device = give_authenticator(consultant)
    missing = api.post(url, {"username": "consultant", "password": PASSWORD})
    assert missing.status_code == 400
    assert missing.json()["code"] == "otp_required" and "otp" in missing.json()["fields"]
    wrong_code = "123456" if code_of(device) != "123456" else "654321"
    wrong = api.post(url, {"username": "consultant", "password": PASSWORD, "otp": wrong_code})
    assert wrong.status_code == 401
    assert wrong.json()["code"] == "otp_invalid"
    throttled = api.post(url, {"username": "consultant", "password": PASSWORD, "otp": code_of(device)})
    assert throttled.status_code == 429 and int(throttled["Retry-After"]) >= 1
    assert throttled.json()["code"] == "otp_throttled"
    with later(2):
        given = api.post(url, {"username": "consultant", "password": PASSWORD, "otp": code_of(device)})
    assert given.status_code == 200
    signed = token_client(None).get("/api/v1/organisations/", HTTP_AUTHORIZATION=f"Token {given.json()['token']}")
    assert signed.status_code == 200
    # A wrong password is still only that: nothing about the second factor.
    assert api.post(url, {"username": "consultant", "password": "nope", "otp": "123456"}).status_code == 401


def test_the_token_endpoint_does_not_ask_a_client_without_an_authenticator(leader):
    given = token_client(None).post("/api/v1/auth/token/", {"username": "leader", "password": PASSWORD})
    assert given.status_code == 200 and given.json()["token"]


def test_the_schema_documents_the_otp_field():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    request = schema["components"]["schemas"]["TokenRequestRequest"]
    assert "otp" in request["properties"] and "otp" not in request.get("required", [])
    description = schema["paths"]["/api/v1/auth/token/"]["post"]["description"]
    assert "otp_required" in description and "two_factor_enrolment_required" in description


# --- the admin site --------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_admin_site_asks_staff_for_the_code(client):
    staff = UserFactory(username="staff", is_staff=True, is_superuser=True)
    unverified_force_login(client, staff)
    assert client.get("/admin/")["Location"].startswith("/admin/login/")
    login_page = client.get("/admin/login/").content.decode()
    assert 'name="otp_token"' in login_page
    client.logout()
    client.force_login(staff)  # signed in with the code
    assert client.get("/admin/").status_code == 200


# --- the demo ------------------------------------------------------------------------------------


def test_the_demo_admins_sign_in_with_the_code_totp_code_prints(client, db, settings):
    from io import StringIO

    from django.core.management import CommandError, call_command

    from assessment.management.commands.seed_demo import DEMO_PASSWORD

    printed = StringIO()
    call_command("seed_demo", stdout=printed)
    assert "python manage.py totp_code consultant" in printed.getvalue()
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("totp_code", "consultant", stdout=StringIO())
    settings.DEBUG = True
    with pytest.raises(CommandError, match="no demo authenticator"):
        call_command("totp_code", "viewer", stdout=StringIO())
    code = StringIO()
    call_command("totp_code", "consultant", stdout=code)
    settings.DEBUG = False

    signed_in = client.post(reverse("login"), {"username": "consultant", "password": DEMO_PASSWORD})
    assert client.get(signed_in["Location"])["Location"].startswith(VERIFY)
    assert client.post(VERIFY, {"otp": code.getvalue().strip(), "next": HOME})["Location"] == HOME
    assert client.get(HOME).status_code == 200
