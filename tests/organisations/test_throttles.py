"""Member invitations are limited per client address (THROTTLE_MEMBER_INVITATIONS), in the API and on the
pages; the client address comes from TRUSTED_PROXY_COUNT trusted proxies, never from a header a client sets."""

from __future__ import annotations

from unittest import mock

import pytest
from django.test import Client, RequestFactory, override_settings
from django.urls import reverse
from rest_framework.test import APIClient

from organisations.models import FirmRole, MemberInvitation
from organisations.throttles import client_address
from tests.factories import FirmMembershipFactory

START = 1_800_000_000 - 1_800_000_000 % 3600 + 600  # 10 minutes into an hour


@pytest.fixture(autouse=True)
def clock():
    with mock.patch("organisations.throttles.now", return_value=START) as now:
        yield now


def api_as(user, address: str = "127.0.0.1") -> APIClient:
    client = APIClient(REMOTE_ADDR=address)
    client.force_authenticate(user)
    return client


def invite(client, organisation, n: int):
    return client.post(
        f"/api/v1/organisations/{organisation.pk}/members/", {"email": f"person{n}@example.com", "role": "viewer"}
    )


@override_settings(THROTTLE_MEMBER_INVITATIONS="2/hour")
def test_member_invitations_through_the_api_are_limited_per_address(consultant, organisation):
    api = api_as(consultant, "203.0.113.9")
    assert [invite(api, organisation, n).status_code for n in range(2)] == [202, 202]
    refused = invite(api, organisation, 3)
    assert refused.status_code == 429
    assert refused["Retry-After"] == "3000"
    assert refused.json() == {"code": "throttled", "message": "Too many requests; try again in 50 minutes."}
    assert MemberInvitation.objects.count() == 2
    # Resending counts as well; reading the members is not counted.
    pending = MemberInvitation.objects.first()
    resend = f"/api/v1/organisations/{organisation.pk}/invitations/{pending.pk}/resend/"
    assert api.post(resend).status_code == 429
    assert api.get(f"/api/v1/organisations/{organisation.pk}/members/").status_code == 200
    # The same person from another address is not affected.
    assert invite(api_as(consultant, "198.51.100.4"), organisation, 4).status_code == 202


@override_settings(THROTTLE_MEMBER_INVITATIONS="1/hour")
def test_firm_invitations_count_in_the_same_allowance(organisation):
    admin = FirmMembershipFactory(firm=organisation.firm, role=FirmRole.ADMIN, user__username="admin").user
    api = api_as(admin)
    url = f"/api/v1/firms/{organisation.firm_id}/invitations/"
    assert api.post(url, {"email": "a@example.com", "role": "consultant"}).status_code == 202
    assert api.post(url, {"email": "b@example.com", "role": "consultant"}).status_code == 429
    assert invite(api, organisation, 1).status_code == 429


@override_settings(THROTTLE_MEMBER_INVITATIONS="1/hour")
def test_the_invitation_pages_answer_a_429_page_with_retry_after(consultant, organisation):
    admin = FirmMembershipFactory(firm=organisation.firm, role=FirmRole.ADMIN, user__username="admin").user
    browser = Client(REMOTE_ADDR="203.0.113.9")
    browser.force_login(admin)
    page = reverse("organisation-invite", kwargs={"organisation_id": organisation.pk})
    assert browser.post(page, {"email": "a@example.com", "role": "viewer"}).status_code == 302
    refused = browser.post(page, {"email": "b@example.com", "role": "viewer"})
    assert refused.status_code == 429
    assert refused["Retry-After"] == "3000"
    assert "Too many requests" in refused.content.decode()
    firm_page = reverse("firm-invite", kwargs={"firm_id": organisation.firm_id})
    assert browser.post(firm_page, {"email": "c@example.com", "role": "consultant"}).status_code == 429
    assert list(MemberInvitation.objects.values_list("email", flat=True)) == ["a@example.com"]
    # The same admin's invitation from another address goes through.
    elsewhere = Client(REMOTE_ADDR="198.51.100.4")
    elsewhere.force_login(admin)
    assert elsewhere.post(page, {"email": "d@example.com", "role": "viewer"}).status_code == 302


# --- the client's address -------------------------------------------------------------------------


def request(remote: str, forwarded: str | None = None):
    headers = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return RequestFactory().get("/", REMOTE_ADDR=remote, **headers)


@override_settings(TRUSTED_PROXY_COUNT=0)
def test_without_a_proxy_the_address_is_remote_addr_whatever_the_client_says():
    assert client_address(request("203.0.113.9")) == "203.0.113.9"
    assert client_address(request("203.0.113.9", "198.51.100.1")) == "203.0.113.9"


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_behind_one_proxy_the_address_is_the_one_the_proxy_saw():
    # nginx appends the address it was reached from; what the client wrote to the left is ignored.
    assert client_address(request("10.0.0.2", "198.51.100.1")) == "198.51.100.1"
    assert client_address(request("10.0.0.2", "192.0.2.66, 198.51.100.1")) == "198.51.100.1"
    # A request that did not come through the proxy has nothing to believe in the header.
    assert client_address(request("10.0.0.2")) == "10.0.0.2"


@override_settings(TRUSTED_PROXY_COUNT=2)
def test_behind_two_proxies_the_address_is_the_one_the_outer_proxy_saw():
    assert client_address(request("10.0.0.3", "192.0.2.66, 198.51.100.1, 10.0.0.2")) == "198.51.100.1"
    assert client_address(request("10.0.0.3", "10.0.0.2")) == "10.0.0.3"


@override_settings(THROTTLE_MEMBER_INVITATIONS="1/hour", TRUSTED_PROXY_COUNT=1)
def test_behind_a_proxy_each_client_has_its_own_allowance(consultant, organisation):
    """Every request comes from the proxy's address: without the setting, everyone would share one limit."""
    first = APIClient(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.1")
    first.force_authenticate(consultant)
    second = APIClient(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.2")
    second.force_authenticate(consultant)
    assert invite(first, organisation, 1).status_code == 202
    assert invite(first, organisation, 2).status_code == 429
    assert invite(second, organisation, 3).status_code == 202
    # The first client cannot pass for someone else by writing its own X-Forwarded-For.
    first.credentials(HTTP_X_FORWARDED_FOR="198.51.100.7, 198.51.100.1")
    assert invite(first, organisation, 4).status_code == 429


@override_settings(THROTTLE_PASSWORD_RESETS="2/hour")
def test_password_reset_emails_are_limited_per_address(consultant, mailoutbox):
    """Anyone may ask for a reset email for any address; an address that asks too often waits."""
    flooder = Client(REMOTE_ADDR="203.0.113.9")
    answers = [flooder.post(reverse("password_reset"), {"email": consultant.email}) for _ in range(3)]
    assert [answer.status_code for answer in answers] == [302, 302, 429]
    assert answers[2]["Retry-After"] == str(3600 - 600)
    assert len(mailoutbox) == 2
    # Another address (the consultant at their desk) still gets theirs.
    assert (
        Client(REMOTE_ADDR="198.51.100.4").post(reverse("password_reset"), {"email": consultant.email}).status_code
        == 302
    )
    assert len(mailoutbox) == 3


@pytest.mark.parametrize(
    ("meta", "proxies", "address"),
    [
        ({}, 0, "0.0.0.0"),  # no REMOTE_ADDR at all (a Unix socket)
        ({"REMOTE_ADDR": "not-an-address"}, 0, "0.0.0.0"),
        ({"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "garbage"}, 1, "10.0.0.2"),
        ({"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "2001:DB8::1"}, 1, "2001:db8::1"),
    ],
)
def test_the_address_is_always_an_ip_address(meta, proxies, address, settings):
    settings.TRUSTED_PROXY_COUNT = proxies
    request = RequestFactory().get("/")
    request.META = meta
    assert client_address(request) == address


def test_a_sign_in_without_a_client_address_is_answered_not_a_server_error(consultant):
    """The lockout keeps addresses in an address column (PostgreSQL's inet): a request without one
    used to be looked up as "unknown" and fail there."""
    client = APIClient(REMOTE_ADDR="")
    answered = client.post("/api/v1/auth/token/", {"username": "consultant", "password": "wrong password"})
    assert answered.status_code == 401
