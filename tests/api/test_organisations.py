"""Sign-in tokens, lockout, organisations and members over the API."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory, override_settings
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from organisations.exceptions import lockout_response
from organisations.models import Firm, FirmMembership, FirmRole, MemberInvitation, Membership, Organisation, Role
from tests.factories import FirmMembershipFactory, MembershipFactory, UserFactory, consult_for
from tests.two_factor import code_of, give_authenticator, give_recovery_codes

PASSWORD = "correct horse battery staple"


def sign_in(username: str, password: str, client: APIClient | None = None, otp: str | None = None):
    body = {"username": username, "password": password} | ({"otp": otp} if otp else {})
    return (client or APIClient()).post("/api/v1/auth/token/", body)


def test_a_username_and_password_get_a_token_that_authenticates_requests(consultant, organisation):
    # A firm member: the code of their authenticator too (tests/organisations/test_two_factor.py).
    response = sign_in("consultant", PASSWORD, otp=code_of(give_authenticator(consultant)))
    assert response.status_code == 200
    token = response.json()["token"]
    assert token == Token.objects.get(user=consultant).key
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    listed = client.get("/api/v1/organisations/")
    assert [o["name"] for o in listed.json()["results"]] == ["Northwind Traders"]


def test_signing_in_twice_returns_the_same_token(consultant):
    give_authenticator(consultant)
    first, second = give_recovery_codes(consultant, 2)
    assert (
        sign_in("consultant", PASSWORD, otp=first).json()["token"]
        == sign_in("consultant", PASSWORD, otp=second).json()["token"]
    )


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
    code = code_of(give_authenticator(consultant))
    assert sign_in("consultant", PASSWORD, elsewhere, otp=code).status_code == 200


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
def test_someone_in_no_firm_founds_one_before_creating_an_organisation(who, request, api_client, organisation):
    user = request.getfixturevalue(who)
    client = api_client(user)
    refused = client.post("/api/v1/organisations/", {"name": "Initech"})
    assert refused.status_code == 403
    assert not Organisation.objects.filter(name="Initech").exists()
    founded = client.post("/api/v1/firms/", {"name": "Initech Advisory"})
    assert (founded.status_code, founded.json()["role"]) == (201, "admin")
    response = client.post("/api/v1/organisations/", {"name": "Initech"})
    assert response.status_code == 201
    created = Organisation.objects.get(name="Initech")
    assert (created.firm.name, created.role_of(user)) == ("Initech Advisory", Role.CONSULTANT)
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
    if field:
        assert field in response.json()["fields"]
    else:
        assert response.json()["message"].startswith("Send at least one of name, colour, logo")
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


def invite(client, organisation, email, role="viewer"):
    return client.post(f"/api/v1/organisations/{organisation.pk}/members/", {"email": email, "role": role})


def test_inviting_to_an_organisation_grants_nothing_until_accepted(
    consultant, organisation, api_client, mailoutbox, django_capture_on_commit_callbacks
):
    newcomer = UserFactory(username="hr", email="HR@northwind.example")
    with django_capture_on_commit_callbacks(execute=True):
        response = invite(api_client(consultant), organisation, "hr@northwind.example")
    assert response.status_code == 202
    body = response.json()
    assert (body["email"], body["role"], body["organisation"]) == ("hr@northwind.example", "viewer", organisation.pk)
    assert organisation.role_of(newcomer) is None
    assert [m.to for m in mailoutbox] == [["hr@northwind.example"]]
    listed = api_client(consultant).get(f"/api/v1/organisations/{organisation.pk}/invitations/").json()
    assert [(i["email"], i["status"]) for i in listed["results"]] == [("hr@northwind.example", "sent")]


def test_another_firms_consultant_invited_to_our_organisation_gets_nothing_until_they_accept(
    leader, organisation, other_organisation, outsider, api_client, mailoutbox, django_capture_on_commit_callbacks
):
    """Issue 13, finding 2: adding another firm's consultant to a throwaway organisation put it (and
    its benchmark) in their portfolio at once, and the reply showed their name."""
    ours = api_client(outsider)
    ours_before = {
        "portfolio": ours.get("/api/v1/portfolio/").json(),
        "organisations": ours.get("/api/v1/organisations/").json(),
    }
    consultant = UserFactory(username="mole")
    consult_for(consultant, organisation)
    with django_capture_on_commit_callbacks(execute=True):
        known = invite(api_client(consultant), organisation, outsider.email)
        unknown = invite(api_client(consultant), organisation, "nobody-has-this@example.com")
    assert known.status_code == unknown.status_code == 202
    varying = {"id", "email", "created_at", "expires_at"}
    assert {k: v for k, v in known.json().items() if k not in varying} == {
        k: v for k, v in unknown.json().items() if k not in varying
    }
    assert len(mailoutbox) == 2
    assert "user" not in known.json() and "name" not in known.json()
    assert outsider.get_full_name() not in known.content.decode()
    assert organisation.role_of(outsider) is None
    assert ours.get("/api/v1/portfolio/").json() == ours_before["portfolio"]
    assert ours.get("/api/v1/organisations/").json() == ours_before["organisations"]
    assert organisation.name not in str(ours.get("/api/v1/portfolio/").json())


def test_the_consultant_role_is_not_given_inside_an_organisation(consultant, organisation, api_client):
    response = invite(api_client(consultant), organisation, "new@example.com", role="consultant")
    assert response.status_code == 400
    assert "invited to the firm" in response.json()["message"]
    assert not MemberInvitation.objects.exists()


@pytest.mark.parametrize("who", ["leader", "viewer"])
def test_only_the_firms_members_invite_people_to_an_organisation(who, request, organisation, api_client):
    response = invite(api_client(request.getfixturevalue(who)), organisation, "new@example.com")
    assert response.status_code == 403
    assert not MemberInvitation.objects.exists()


def test_an_outsider_cannot_invite_to_our_organisation_or_see_its_invitations(outsider, organisation, api_client):
    client = api_client(outsider)
    assert invite(client, organisation, "new@example.com").status_code == 404
    assert client.get(f"/api/v1/organisations/{organisation.pk}/invitations/").status_code == 404
    assert not MemberInvitation.objects.exists()


def test_inviting_an_address_with_a_pending_invitation_is_a_conflict(consultant, organisation, api_client):
    client = api_client(consultant)
    invite(client, organisation, "hr@example.com")
    again = invite(client, organisation, "HR@example.com")
    assert again.status_code == 409
    assert MemberInvitation.objects.count() == 1


def test_an_organisation_invitation_is_resent_with_a_new_link_and_withdrawn(
    consultant, organisation, api_client, mailoutbox, django_capture_on_commit_callbacks
):
    client = api_client(consultant)
    with django_capture_on_commit_callbacks(execute=True):
        invitation = invite(client, organisation, "hr@example.com").json()
    base = f"/api/v1/organisations/{organisation.pk}/invitations/{invitation['id']}/"
    with django_capture_on_commit_callbacks(execute=True):
        resent = client.post(base + "resend/")
    assert resent.status_code == 202
    assert len(mailoutbox) == 2
    assert link_in(mailoutbox[0]) != link_in(mailoutbox[1])
    assert client.delete(base).status_code == 204
    assert client.get(f"/api/v1/organisations/{organisation.pk}/invitations/").json()["count"] == 0
    assert client.post(base + "resend/").status_code == 409


def link_in(message) -> str:
    return next(line for line in message.body.splitlines() if "/join/" in line).strip()


def test_a_consultant_changes_a_role_and_removes_a_member(consultant, viewer, organisation, api_client):
    membership = Membership.objects.get(user=viewer, organisation=organisation)
    client = api_client(consultant)
    url = f"/api/v1/organisations/{organisation.pk}/members/{membership.pk}/"
    changed = client.patch(url, {"role": "leader"})
    assert (changed.status_code, changed.json()["role"]) == (200, "leader")
    assert client.delete(url).status_code == 204
    assert organisation.role_of(viewer) is None


def test_a_member_of_another_organisation_is_not_found_under_ours(
    consultant, organisation, other_organisation, api_client
):
    theirs = MembershipFactory(organisation=other_organisation, role=Role.VIEWER)
    response = api_client(consultant).patch(
        f"/api/v1/organisations/{organisation.pk}/members/{theirs.pk}/", {"role": "leader"}
    )
    assert response.status_code == 404
    assert Membership.objects.get(pk=theirs.pk).role == Role.VIEWER


# --- firms --------------------------------------------------------------------------------------


@pytest.fixture
def admin(organisation):
    return FirmMembershipFactory(firm=organisation.firm, role=FirmRole.ADMIN, user__username="admin").user


def test_the_firms_list_shows_the_callers_firms_with_their_role(admin, consultant, outsider, organisation, api_client):
    body = api_client(consultant).get("/api/v1/firms/").json()
    assert [(f["id"], f["role"]) for f in body["results"]] == [(organisation.firm_id, "consultant")]
    assert api_client(admin).get("/api/v1/firms/").json()["results"][0]["role"] == "admin"


def test_anyone_signed_in_founds_a_firm_with_the_default_colour_and_becomes_its_admin(leader, api_client, settings):
    settings.WAYPOINT_FIRM_COLOUR = "#aa3300"
    response = api_client(leader).post("/api/v1/firms/", {"name": " Acme Advisory "})
    assert response.status_code == 201
    assert (response.json()["name"], response.json()["colour"], response.json()["logo"]) == (
        "Acme Advisory",
        "#aa3300",
        None,
    )
    firm = Firm.objects.get(name="Acme Advisory")
    assert firm.role_of(leader) == FirmRole.ADMIN


def test_an_admin_changes_the_firms_name_and_colour(admin, organisation, api_client):
    response = api_client(admin).patch(
        f"/api/v1/firms/{organisation.firm_id}/", {"name": "Northstar", "colour": "#0B5394"}
    )
    assert response.status_code == 200
    organisation.firm.refresh_from_db()
    assert (organisation.firm.name, organisation.firm.colour) == ("Northstar", "#0b5394")


@pytest.mark.parametrize("colour", ["red", "#12345", "#gggggg", 7])
def test_a_colour_that_is_not_rrggbb_is_refused(colour, admin, organisation, api_client):
    response = api_client(admin).patch(f"/api/v1/firms/{organisation.firm_id}/", {"colour": colour}, format="json")
    assert response.status_code == 400
    assert "colour" in response.json()["fields"]


def test_a_consultant_cannot_change_the_branding_and_an_outsider_does_not_find_the_firm(
    consultant, outsider, organisation, api_client
):
    url = f"/api/v1/firms/{organisation.firm_id}/"
    assert api_client(consultant).patch(url, {"name": "Taken"}).status_code == 403
    assert api_client(outsider).patch(url, {"name": "Taken"}).status_code == 404
    assert api_client(outsider).get(url).status_code == 404
    organisation.firm.refresh_from_db()
    assert organisation.firm.name != "Taken"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b"--B\r\n133--B--\r\n", None),  # no part at all: a body that is not a form
        (b"--B--\r\n", None),
        (b'--B\r\nContent-Disposition: form-data; name="colour"\r\n\r\n\r\n--B--\r\n', "colour"),
        (
            b'--B\r\nContent-Disposition: form-data; name="name"\r\n\r\nOne\r\n'
            b'--B\r\nContent-Disposition: form-data; name="name"\r\n\r\nTwo\r\n--B--\r\n',
            "name",
        ),
    ],
    ids=["not-a-form", "no-parts", "empty-colour", "name-twice"],
)
def test_a_multipart_change_that_names_nothing_or_a_field_twice_is_refused(
    body, field, admin, organisation, api_client
):
    before = (organisation.firm.name, organisation.firm.colour)
    response = api_client(admin).generic(
        "PATCH", f"/api/v1/firms/{organisation.firm_id}/", body, content_type="multipart/form-data; boundary=B"
    )
    assert response.status_code == 400
    if field:
        assert field in response.json()["fields"]
    else:
        assert response.json()["message"].startswith("Send at least one of name, colour, logo")
    organisation.firm.refresh_from_db()
    assert (organisation.firm.name, organisation.firm.colour) == before


PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005"
    "0001ff2ea43c4b0000000049454e44ae426082"
)


def test_an_admin_uploads_a_png_logo_and_removes_it(admin, organisation, api_client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client = api_client(admin)
    url = f"/api/v1/firms/{organisation.firm_id}/"
    response = client.patch(url, {"logo": SimpleUploadedFile("logo.png", PNG)}, format="multipart")
    assert response.status_code == 200
    assert response.json()["logo"] == f"/firms/{organisation.firm_id}/logo/"
    organisation.firm.refresh_from_db()
    stored = tmp_path / organisation.firm.logo.name
    assert stored.read_bytes() == PNG
    assert client.patch(url, {"logo": None}, format="json").json()["logo"] is None


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"GIF89a....", "A logo is a PNG or an SVG image."),
        (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "<script>"),
        (b'<svg xmlns="http://www.w3.org/2000/svg"><image href="https://evil.example/x.png"/></svg>', "links to"),
        (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "event handler"),
        (b'<!DOCTYPE svg [<!ENTITY a "b">]><svg xmlns="http://www.w3.org/2000/svg"/>', "DOCTYPE"),
        (PNG[:8] + b"\0" * (600 * 1024), "at most 512 KB"),
    ],
)
def test_a_logo_that_is_not_a_small_self_contained_image_is_refused(
    content, message, admin, organisation, api_client, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    response = api_client(admin).patch(
        f"/api/v1/firms/{organisation.firm_id}/",
        {"logo": SimpleUploadedFile("logo.svg", content)},
        format="multipart",
    )
    # Well-formed (a file), but not an image the firm's pages and roadmaps can show: 422.
    assert response.status_code == 422
    assert message in response.json()["message"]
    organisation.firm.refresh_from_db()
    assert not organisation.firm.logo


def test_firm_members_are_listed_for_every_member_and_invitations_for_admins_only(
    admin, consultant, organisation, api_client
):
    url = f"/api/v1/firms/{organisation.firm_id}/"
    members = api_client(consultant).get(url + "members/").json()["results"]
    assert {(m["user"]["username"], m["role"]) for m in members} == {("admin", "admin"), ("consultant", "consultant")}
    assert api_client(consultant).get(url + "invitations/").status_code == 403
    assert api_client(admin).get(url + "invitations/").status_code == 200


def test_inviting_to_the_firm_answers_the_same_for_an_existing_and_an_unknown_address(
    admin, outsider, organisation, api_client, mailoutbox, django_capture_on_commit_callbacks
):
    client = api_client(admin)
    url = f"/api/v1/firms/{organisation.firm_id}/invitations/"
    with django_capture_on_commit_callbacks(execute=True):
        known = client.post(url, {"email": outsider.email, "role": "consultant"})
        unknown = client.post(url, {"email": "ghost@example.com", "role": "consultant"})
    assert known.status_code == unknown.status_code == 202
    assert known.json().keys() == unknown.json().keys()
    assert (known.json()["status"], known.json()["role"]) == (unknown.json()["status"], unknown.json()["role"])
    # The email goes once the request is done: the reply says it is on its way, not that it failed.
    assert known.json()["status"] == "queued"
    assert organisation.firm.role_of(outsider) is None
    assert outsider.first_name not in known.content.decode()
    assert len(mailoutbox) == 2


def test_only_admins_invite_to_the_firm(consultant, outsider, organisation, api_client):
    url = f"/api/v1/firms/{organisation.firm_id}/invitations/"
    body = {"email": "new@example.com", "role": "consultant"}
    assert api_client(consultant).post(url, body).status_code == 403
    assert api_client(outsider).post(url, body).status_code == 404
    assert not MemberInvitation.objects.exists()


def test_a_firm_invitation_is_resent_and_withdrawn_by_an_admin(admin, organisation, api_client, mailoutbox):
    client = api_client(admin)
    url = f"/api/v1/firms/{organisation.firm_id}/invitations/"
    invitation = client.post(url, {"email": "new@example.com", "role": "admin"}).json()
    assert client.post(f"{url}{invitation['id']}/resend/").status_code == 202
    assert client.delete(f"{url}{invitation['id']}/").status_code == 204
    assert client.get(url).json()["count"] == 0
    assert MemberInvitation.objects.get().withdrawn_at is not None


def test_an_admin_changes_a_firm_role_and_removes_a_member(admin, consultant, organisation, api_client):
    membership = FirmMembership.objects.get(user=consultant)
    url = f"/api/v1/firms/{organisation.firm_id}/members/{membership.pk}/"
    client = api_client(admin)
    assert client.patch(url, {"role": "admin"}).json()["role"] == "admin"
    assert client.delete(url).status_code == 204
    assert organisation.role_of(consultant) is None


def test_a_consultant_cannot_change_roles_or_remove_others_but_can_leave(admin, consultant, organisation, api_client):
    mine = FirmMembership.objects.get(user=consultant)
    theirs = FirmMembership.objects.get(user=admin)
    client = api_client(consultant)
    base = f"/api/v1/firms/{organisation.firm_id}/members/"
    assert client.patch(f"{base}{theirs.pk}/", {"role": "consultant"}).status_code == 403
    assert client.delete(f"{base}{theirs.pk}/").status_code == 403
    assert client.delete(f"{base}{mine.pk}/").status_code == 204
    assert organisation.firm.role_of(consultant) is None


def test_the_last_admin_can_be_neither_demoted_nor_removed_nor_leave(admin, organisation, api_client):
    membership = FirmMembership.objects.get(user=admin)
    client = api_client(admin)
    url = f"/api/v1/firms/{organisation.firm_id}/members/{membership.pk}/"
    demoted = client.patch(url, {"role": "consultant"})
    removed = client.delete(url)
    assert demoted.status_code == removed.status_code == 409
    assert removed.json()["message"] == (
        f"{organisation.firm.name} needs at least one admin; make another member an admin first."
    )
    assert organisation.firm.role_of(admin) == FirmRole.ADMIN


def test_a_second_admin_makes_the_first_free_to_leave(admin, consultant, organisation, api_client):
    FirmMembership.objects.filter(user=consultant).update(role=FirmRole.ADMIN)
    membership = FirmMembership.objects.get(user=admin)
    response = api_client(admin).delete(f"/api/v1/firms/{organisation.firm_id}/members/{membership.pk}/")
    assert response.status_code == 204


def test_another_firms_member_is_not_found_under_ours(admin, outsider, organisation, api_client):
    theirs = FirmMembership.objects.get(user=outsider)
    response = api_client(admin).patch(f"/api/v1/firms/{organisation.firm_id}/members/{theirs.pk}/", {"role": "admin"})
    assert response.status_code == 404
    assert FirmMembership.objects.get(pk=theirs.pk).role == FirmRole.CONSULTANT


def test_a_signed_in_session_reads_the_api_and_writes_only_with_the_csrf_token(consultant, organisation):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(consultant)
    assert client.get("/api/v1/organisations/").json()["count"] == 1
    refused = client.post("/api/v1/organisations/", {"name": "Initech"})
    assert refused.status_code == 403
    assert refused.json()["code"] == "forbidden"
    assert refused.json()["message"].startswith("CSRF Failed")
    assert not Organisation.objects.filter(name="Initech").exists()
