"""Sign-in tokens, lockout, organisations and members over the API."""

from __future__ import annotations

import pytest
from django.test import RequestFactory, override_settings
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from organisations.exceptions import lockout_response
from organisations.models import Membership, Organisation, Role
from tests.factories import MembershipFactory, UserFactory

PASSWORD = "correct horse battery staple"


def sign_in(username: str, password: str, client: APIClient | None = None):
    return (client or APIClient()).post("/api/v1/auth/token/", {"username": username, "password": password})


def test_a_username_and_password_get_a_token_that_authenticates_requests(consultant, organisation):
    response = sign_in("consultant", PASSWORD)
    assert response.status_code == 200
    token = response.json()["token"]
    assert token == Token.objects.get(user=consultant).key
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    listed = client.get("/api/v1/organisations/")
    assert [o["name"] for o in listed.json()["results"]] == ["Northwind Traders"]


def test_signing_in_twice_returns_the_same_token(consultant):
    assert sign_in("consultant", PASSWORD).json()["token"] == sign_in("consultant", PASSWORD).json()["token"]


def test_a_wrong_password_is_a_401_with_a_message(consultant):
    response = sign_in("consultant", "not it")
    assert response.status_code == 401
    assert response.json() == {"code": "invalid_credentials", "message": "The username or password is not right."}
    assert not Token.objects.filter(user=consultant).exists()


def test_a_revoked_token_no_longer_authenticates(consultant, api_client):
    client = api_client(consultant)
    assert client.delete("/api/v1/auth/token/").status_code == 204
    assert not Token.objects.filter(user=consultant).exists()
    response = client.get("/api/v1/organisations/")
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


def test_an_anonymous_call_is_a_401_that_names_the_token_scheme(db):
    response = APIClient().get("/api/v1/assessments/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json() == {
        "code": "not_authenticated",
        "message": "Sign in, or send an API token: Authorization: Token <key>.",
    }


@override_settings(AXES_FAILURE_LIMIT=3)
def test_repeated_failures_lock_the_username_and_address_out_with_a_json_429(consultant):
    statuses = [sign_in("consultant", "guess").status_code for _ in range(2)]
    locked = sign_in("consultant", "guess")
    assert statuses == [401, 401]
    assert locked.status_code == 429
    assert locked.json() == {
        "code": "locked_out",
        "message": "Too many failed sign-in attempts for this username from your address. Try again in 15 minutes.",
    }
    assert locked["Retry-After"] == "900"
    # Even the right password is refused while the lockout lasts, and no token is issued.
    assert sign_in("consultant", PASSWORD).status_code == 429
    assert not Token.objects.filter(user=consultant).exists()


@override_settings(AXES_FAILURE_LIMIT=3)
def test_a_lockout_is_per_address(consultant):
    for _ in range(3):
        sign_in("consultant", "guess")
    elsewhere = APIClient(REMOTE_ADDR="192.0.2.7")
    assert sign_in("consultant", PASSWORD, elsewhere).status_code == 200


def test_the_lockout_outside_the_api_is_a_plain_429_page(db):
    request = RequestFactory().post("/login/")
    response = lockout_response(request, None, {"username": "someone"})
    assert response.status_code == 429
    assert response["Content-Type"].startswith("text/html")
    assert b"Too many failed sign-in attempts for this username from your address. Try again in 15 minutes." in (
        response.content
    )


def test_a_consultant_creates_an_organisation_and_becomes_its_consultant(consultant, api_client):
    response = api_client(consultant).post(
        "/api/v1/organisations/", {"name": "  Initech ", "industry": "Software", "size_band": "21-100"}
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["name"], body["industry"], body["size_band"], body["role"]) == (
        "Initech",
        "Software",
        "21-100",
        "consultant",
    )
    assert Organisation.objects.get(pk=body["id"]).role_of(consultant) == Role.CONSULTANT


@pytest.mark.parametrize("who", ["leader", "viewer"])
def test_anyone_signed_in_creates_an_organisation_and_becomes_its_consultant(who, request, api_client, organisation):
    user = request.getfixturevalue(who)
    response = api_client(user).post("/api/v1/organisations/", {"name": "Initech"})
    assert response.status_code == 201
    created = Organisation.objects.get(name="Initech")
    assert (created.industry, created.size_band, created.role_of(user)) == ("", "", Role.CONSULTANT)
    # Their role in the organisation they already belonged to is unchanged.
    assert organisation.role_of(user) == who


def test_an_unknown_size_band_creates_nothing(consultant, api_client):
    response = api_client(consultant).post("/api/v1/organisations/", {"name": "Initech", "size_band": "huge"})
    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["size_band"]
    assert not Organisation.objects.filter(name="Initech").exists()


def test_a_consultant_edits_the_name_industry_and_size_band(consultant, organisation, api_client):
    url = f"/api/v1/organisations/{organisation.pk}/"
    response = api_client(consultant).patch(url, {"name": " Northwind Ltd ", "industry": "Retail", "size_band": "500+"})
    assert response.status_code == 200
    body = response.json()
    assert (body["name"], body["industry"], body["size_band"], body["role"]) == (
        "Northwind Ltd",
        "Retail",
        "500+",
        "consultant",
    )
    organisation.refresh_from_db()
    assert (organisation.name, organisation.industry, organisation.size_band) == ("Northwind Ltd", "Retail", "500+")
    # Only the fields sent change; an empty size band clears it.
    assert api_client(consultant).patch(url, {"size_band": ""}).json()["name"] == "Northwind Ltd"
    organisation.refresh_from_db()
    assert (organisation.industry, organisation.size_band) == ("Retail", "")


@pytest.mark.parametrize(
    ("body", "field"),
    [({"size_band": "huge"}, "size_band"), ({"name": "   "}, "name"), ({"industry": 7}, "industry"), ({"x": 1}, "x")],
)
def test_a_bad_edit_is_a_400_that_changes_nothing(body, field, consultant, organisation, api_client):
    response = api_client(consultant).patch(f"/api/v1/organisations/{organisation.pk}/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()["fields"]
    organisation.refresh_from_db()
    assert (organisation.name, organisation.industry, organisation.size_band) == ("Northwind Traders", "", "")


@pytest.mark.parametrize("who", ["leader", "viewer"])
def test_only_its_consultants_edit_an_organisation(who, request, organisation, api_client):
    response = api_client(request.getfixturevalue(who)).patch(
        f"/api/v1/organisations/{organisation.pk}/", {"name": "Taken over"}
    )
    assert response.status_code == 403
    organisation.refresh_from_db()
    assert organisation.name == "Northwind Traders"


def test_another_organisations_consultant_cannot_edit_ours(outsider, organisation, api_client):
    response = api_client(outsider).patch(f"/api/v1/organisations/{organisation.pk}/", {"name": "Taken over"})
    assert response.status_code == 404
    organisation.refresh_from_db()
    assert organisation.name == "Northwind Traders"


def test_a_consultant_adds_a_member_by_email_with_a_role(consultant, organisation, api_client):
    newcomer = UserFactory(username="hr", email="HR@northwind.example")
    response = api_client(consultant).post(
        f"/api/v1/organisations/{organisation.pk}/members/", {"email": "hr@northwind.example", "role": "viewer"}
    )
    assert response.status_code == 201
    assert response.json()["user"]["username"] == "hr"
    assert organisation.role_of(newcomer) == Role.VIEWER


def test_adding_an_email_nobody_uses_is_a_400_that_says_so(consultant, organisation, api_client):
    response = api_client(consultant).post(
        f"/api/v1/organisations/{organisation.pk}/members/", {"email": "ghost@example.com", "role": "viewer"}
    )
    assert response.status_code == 400
    message = "Nobody with an account uses ghost@example.com; they need an account first."
    assert response.json() == {"code": "invalid", "message": message, "fields": {"email": [message]}}


def test_adding_an_existing_member_again_is_a_conflict(consultant, leader, organisation, api_client):
    response = api_client(consultant).post(
        f"/api/v1/organisations/{organisation.pk}/members/", {"email": leader.email, "role": "viewer"}
    )
    assert response.status_code == 409
    assert organisation.role_of(leader) == Role.LEADER


def test_a_consultant_changes_a_role_and_removes_a_member(consultant, viewer, organisation, api_client):
    membership = Membership.objects.get(user=viewer, organisation=organisation)
    client = api_client(consultant)
    url = f"/api/v1/organisations/{organisation.pk}/members/{membership.pk}/"
    changed = client.patch(url, {"role": "leader"})
    assert (changed.status_code, changed.json()["role"]) == (200, "leader")
    assert client.delete(url).status_code == 204
    assert organisation.role_of(viewer) is None


def test_the_last_consultant_can_be_neither_demoted_nor_removed(consultant, organisation, api_client):
    membership = Membership.objects.get(user=consultant, organisation=organisation)
    client = api_client(consultant)
    url = f"/api/v1/organisations/{organisation.pk}/members/{membership.pk}/"
    demoted = client.patch(url, {"role": "viewer"})
    removed = client.delete(url)
    assert demoted.status_code == removed.status_code == 409
    assert removed.json()["message"] == (
        "Northwind Traders needs at least one consultant; add another before removing this one."
    )
    assert organisation.role_of(consultant) == Role.CONSULTANT


def test_a_second_consultant_makes_removing_the_first_possible(consultant, organisation, api_client):
    MembershipFactory(organisation=organisation, role=Role.CONSULTANT)
    membership = Membership.objects.get(user=consultant, organisation=organisation)
    response = api_client(consultant).delete(f"/api/v1/organisations/{organisation.pk}/members/{membership.pk}/")
    assert response.status_code == 204


def test_a_member_of_another_organisation_is_not_found_under_ours(consultant, organisation, outsider, api_client):
    theirs = Membership.objects.get(user=outsider)
    response = api_client(consultant).patch(
        f"/api/v1/organisations/{organisation.pk}/members/{theirs.pk}/", {"role": "viewer"}
    )
    assert response.status_code == 404
    assert Membership.objects.get(pk=theirs.pk).role == Role.CONSULTANT


def test_a_signed_in_session_reads_the_api_and_writes_only_with_the_csrf_token(consultant, organisation):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(consultant)
    assert client.get("/api/v1/organisations/").json()["count"] == 1
    refused = client.post("/api/v1/organisations/", {"name": "Initech"})
    assert refused.status_code == 403
    assert refused.json()["code"] == "forbidden"
    assert refused.json()["message"].startswith("CSRF Failed")
    assert not Organisation.objects.filter(name="Initech").exists()
