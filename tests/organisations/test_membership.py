"""Membership only by accepted invitation: the emailed link, accepting through the pages, resending,
withdrawing, expiry, the last admin, and the audit trail (PRODUCT.md: Tenancy)."""

from __future__ import annotations

from datetime import timedelta
from smtplib import SMTPException
from unittest import mock
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from organisations import services
from organisations.audit import Action
from organisations.errors import StateConflict
from organisations.models import AuditEvent, FirmMembership, FirmRole, MemberInvitation, Membership, Role
from tests.api.conftest import token_client
from tests.factories import FirmMembershipFactory, UserFactory
from tests.two_factor import code_of, enrol, give_authenticator

PASSWORD = "correct horse battery staple"


@pytest.fixture
def admin(organisation):
    return FirmMembershipFactory(firm=organisation.firm, role=FirmRole.ADMIN, user__username="admin").user


@pytest.fixture
def sent(django_capture_on_commit_callbacks):
    """Run a call and send the emails it queued, as the commit would."""

    def run(call, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return call(*args, **kwargs)

    return run


def link_path(message) -> str:
    return urlsplit(next(line.strip() for line in message.body.splitlines() if "/join/" in line)).path


def test_an_invitation_through_the_organisation_page_is_accepted_after_signing_in(
    client, consultant, organisation, outsider, sent
):
    """Another firm's consultant, invited as a viewer, sees the organisation only once they accept."""
    authenticator = give_authenticator(outsider)
    client.force_login(consultant)
    mail.outbox.clear()
    posted = sent(
        client.post,
        reverse("organisation-invite", kwargs={"organisation_id": organisation.pk}),
        {"email": outsider.email, "role": "viewer"},
    )
    assert posted.status_code == 302
    page = client.get(posted["Location"]).content.decode()
    assert f"Invitation sent to {outsider.email}." in page
    assert outsider.email in page  # pending, listed with resend and withdraw
    assert organisation.role_of(outsider) is None
    api = token_client(outsider)
    assert organisation.pk not in [o["id"] for o in api.get("/api/v1/organisations/").json()["results"]]

    [message] = mail.outbox
    assert message.to == [outsider.email]
    link = link_path(message)
    client.logout()
    invited = client.get(link)
    text = invited.content.decode()
    assert invited.status_code == 200
    assert f"Join {organisation.name}" in text and "Sign in to accept" in text and "Create an account" in text
    sign_in = client.get(f"{reverse('login')}?next={link}&username={outsider.email}")
    assert f'value="{outsider.email}"' in sign_in.content.decode()
    signed_in = client.post(reverse("login"), {"username": "outsider", "password": PASSWORD, "next": link})
    assert signed_in["Location"] == link
    # A firm member: the code of their authenticator comes before the invitation.
    asked = client.get(link)
    assert asked["Location"].startswith(reverse("two-factor-verify"))
    verified = client.post(reverse("two-factor-verify"), {"otp": code_of(authenticator), "next": link})
    assert verified["Location"] == link
    assert "Accept the invitation" in client.get(link).content.decode()
    accepted = client.post(link, {"accept": "1"})
    assert accepted["Location"] == reverse("assessment:organisation", kwargs={"organisation_id": organisation.pk})
    assert organisation.role_of(outsider) == Role.VIEWER
    assert organisation.pk in [o["id"] for o in api.get("/api/v1/organisations/").json()["results"]]
    # A client role: the organisation is still not in their firm's portfolio.
    assert organisation.name not in str(api.get("/api/v1/portfolio/").json())
    used = client.get(link)
    assert used.status_code == 410
    assert "This invitation has already been accepted" in used.content.decode()


def test_a_new_person_creates_an_account_for_the_invited_address_and_joins_the_firm(client, admin, organisation, sent):
    invitation = sent(
        services.invite_member, firm=organisation.firm, email="New@Example.com", role="consultant", invited_by=admin
    )
    link = link_path(mail.outbox[-1])
    joined = client.post(link, {"name": "Fox Mulder", "password": "a-long-and-unusual-passphrase"})
    assert joined["Location"] == reverse("firm", kwargs={"firm_id": organisation.firm_id})
    membership = FirmMembership.objects.get(user__email="new@example.com")
    assert (membership.firm, membership.role, membership.user.get_full_name()) == (
        organisation.firm,
        FirmRole.CONSULTANT,
        "Fox Mulder",
    )
    assert organisation.role_of(membership.user) == Role.CONSULTANT
    invitation.refresh_from_db()
    assert (invitation.accepted_by, invitation.status) == (membership.user, "accepted")
    # Signed in; a firm member sets up two-factor sign-in before anything else.
    firm_page = reverse("firm", kwargs={"firm_id": organisation.firm_id})
    assert client.get(firm_page)["Location"].startswith(reverse("two-factor-enrol"))
    enrol(client)
    assert client.get(firm_page).status_code == 200


def test_creating_an_account_for_an_address_that_has_one_asks_to_sign_in_and_grants_nothing(
    client, admin, organisation, outsider, sent
):
    sent(services.invite_member, firm=organisation.firm, email=outsider.email, role="consultant", invited_by=admin)
    refused = client.post(link_path(mail.outbox[-1]), {"name": "Someone", "password": "a-long-and-unusual-passphrase"})
    assert refused.status_code == 400
    assert "sign in to accept" in refused.content.decode()
    assert organisation.firm.role_of(outsider) is None


def test_an_invitation_expires(client, admin, organisation, outsider, sent, settings):
    settings.MEMBER_INVITATION_TTL_DAYS = 7
    sent(services.invite_member, firm=organisation.firm, email=outsider.email, role="consultant", invited_by=admin)
    client.force_login(outsider)
    later = timezone.now() + timedelta(days=7, minutes=1)
    with mock.patch("django.utils.timezone.now", return_value=later):
        expired = client.post(link_path(mail.outbox[-1]), {"accept": "1"})
    assert expired.status_code == 410
    assert "This invitation has expired" in expired.content.decode()
    assert organisation.firm.role_of(outsider) is None


def test_a_withdrawn_invitation_is_gone(client, admin, organisation, outsider, sent):
    invitation = sent(
        services.invite_member, firm=organisation.firm, email=outsider.email, role="consultant", invited_by=admin
    )
    client.force_login(admin)
    withdrawn = client.post(
        reverse("firm-invitation-withdraw", kwargs={"firm_id": organisation.firm_id, "invitation_id": invitation.pk})
    )
    assert withdrawn.status_code == 302
    client.force_login(outsider)
    gone = client.post(link_path(mail.outbox[-1]), {"accept": "1"})
    assert gone.status_code == 410
    assert "This invitation has been withdrawn" in gone.content.decode()
    assert organisation.firm.role_of(outsider) is None


def test_resending_sends_a_new_link_and_the_old_one_stops_working(client, admin, organisation, outsider, sent):
    invitation = sent(
        services.invite_member, firm=organisation.firm, email=outsider.email, role="admin", invited_by=admin
    )
    client.force_login(admin)
    sent(
        client.post,
        reverse("firm-invitation-resend", kwargs={"firm_id": organisation.firm_id, "invitation_id": invitation.pk}),
    )
    old, new = (link_path(m) for m in mail.outbox[-2:])
    assert old != new
    client.force_login(outsider)
    assert client.post(old, {"accept": "1"}).status_code == 404
    assert client.post(new, {"accept": "1"}).status_code == 302
    assert organisation.firm.role_of(outsider) == FirmRole.ADMIN


def test_a_mail_server_failure_leaves_the_invitation_not_sent_and_the_request_succeeds(admin, organisation, sent):
    failing = mock.patch(
        "django.core.mail.backends.locmem.EmailBackend.send_messages", side_effect=SMTPException("421")
    )
    with failing:
        response = sent(
            token_client(admin).post,
            f"/api/v1/firms/{organisation.firm_id}/invitations/",
            {"email": "new@example.com", "role": "consultant"},
        )
    assert response.status_code == 202
    assert MemberInvitation.objects.get().status == "queued"


def test_only_the_latest_link_is_emailed_when_a_queued_send_is_stale(admin, organisation):
    invitation = services.invite_member(
        firm=organisation.firm, email="new@example.com", role="consultant", invited_by=admin
    )
    mail.outbox.clear()
    assert services.send_member_invitation_email(invitation_id=invitation.pk, token="an-older-token") is False
    assert mail.outbox == []


def test_the_firm_page_lets_admins_invite_and_shows_consultants_a_read_only_list(
    client, admin, consultant, outsider, organisation, sent
):
    url = reverse("firm", kwargs={"firm_id": organisation.firm_id})
    client.force_login(admin)
    page = client.get(url).content.decode()
    assert "Invite someone" in page and "Change role" in page and "Pending invitations" in page
    posted = sent(
        client.post,
        reverse("firm-invite", kwargs={"firm_id": organisation.firm_id}),
        {"email": "new@example.com", "role": "consultant"},
    )
    assert posted.status_code == 302
    assert "new@example.com" in client.get(url).content.decode()
    client.force_login(consultant)
    read_only = client.get(url).content.decode()
    assert "admin" in read_only and "consultant" in read_only
    assert "Invite someone" not in read_only and "new@example.com" not in read_only
    refused = client.post(
        reverse("firm-invite", kwargs={"firm_id": organisation.firm_id}), {"email": "x@example.com", "role": "admin"}
    )
    assert refused.status_code == 403
    client.force_login(outsider)
    assert client.get(url).status_code == 404
    assert MemberInvitation.objects.count() == 1


def test_the_last_admin_cannot_leave_from_the_firm_page(client, admin, organisation):
    client.force_login(admin)
    mine = FirmMembership.objects.get(user=admin)
    left = client.post(reverse("firm-member-remove", kwargs={"firm_id": organisation.firm_id, "member_id": mine.pk}))
    page = client.get(left["Location"]).content.decode()
    assert "needs at least one admin" in page
    assert organisation.firm.role_of(admin) == FirmRole.ADMIN
    with pytest.raises(StateConflict):
        services.change_firm_role(membership=mine, role="consultant", changed_by=admin)


def test_the_firm_settings_page_changes_the_branding_for_admins_only(client, admin, consultant, organisation):
    url = reverse("firm-settings", kwargs={"firm_id": organisation.firm_id})
    client.force_login(consultant)
    assert client.get(url).status_code == 403
    client.force_login(admin)
    assert client.get(url).status_code == 200
    saved = client.post(url, {"name": "Northstar Partners", "colour": "#0b5394"})
    assert saved.status_code == 302
    organisation.firm.refresh_from_db()
    assert (organisation.firm.name, organisation.firm.colour) == ("Northstar Partners", "#0b5394")
    bad = client.post(url, {"name": "Northstar Partners", "colour": "blue"})
    assert bad.status_code == 400
    assert "A colour is written #rrggbb" in bad.content.decode()


def test_the_nav_links_firm_members_to_their_firm(client, consultant, organisation):
    client.force_login(consultant)
    home = client.get(reverse("home")).content.decode()
    assert f'href="{reverse("firms")}"' in home
    assert client.get(reverse("firms"))["Location"] == reverse("firm", kwargs={"firm_id": organisation.firm_id})


def test_every_membership_change_is_in_the_firms_audit_log(admin, consultant, organisation, sent):
    joiner = UserFactory(username="joiner")
    invitation = sent(
        services.invite_member, firm=organisation.firm, email="joiner@example.com", role="consultant", invited_by=admin
    )
    sent(services.resend_member_invitation, invitation=invitation, resent_by=admin)
    token = link_path(mail.outbox[-1]).split("/")[2]
    services.accept_member_invitation(token=token, user=joiner)
    other = services.invite_member(
        firm=organisation.firm, organisation=organisation, email="x@example.com", role="leader", invited_by=consultant
    )
    services.withdraw_member_invitation(invitation=other, withdrawn_by=consultant)
    membership = FirmMembership.objects.get(user=joiner)
    services.change_firm_role(membership=membership, role="admin", changed_by=admin)
    services.remove_firm_member(membership=membership, removed_by=admin)
    actions = list(AuditEvent.objects.filter(firm=organisation.firm).order_by("id").values_list("action", flat=True))
    assert actions == [
        Action.MEMBER_INVITED,
        Action.MEMBER_INVITATION_RESENT,
        Action.MEMBER_JOINED,
        Action.MEMBER_INVITED,
        Action.MEMBER_INVITATION_WITHDRAWN,
        Action.MEMBER_ROLE_CHANGED,
        Action.MEMBER_REMOVED,
    ]
    joined = AuditEvent.objects.get(action=Action.MEMBER_JOINED)
    assert joined.actor == joiner


def test_accepting_an_organisation_invitation_gives_the_client_role(leader, consultant, organisation):
    newcomer = UserFactory(username="newcomer")
    invitation = services.invite_member(
        firm=organisation.firm, organisation=organisation, email="n@example.com", role="leader", invited_by=consultant
    )
    assert not Membership.objects.filter(user=newcomer).exists()
    # The link's token is not stored: accept through a fresh link, as a resend gives.
    with mock.patch("organisations.tokens.new_token", return_value="t" * 43):
        services.resend_member_invitation(invitation=invitation, resent_by=consultant)
    services.accept_member_invitation(token="t" * 43, user=newcomer)
    assert organisation.role_of(newcomer) == Role.LEADER


def test_the_firm_and_organisation_pages_offer_resend_and_withdraw_for_each_pending_invitation(
    client, admin, organisation
):
    to_firm = services.invite_member(
        firm=organisation.firm, email="new@example.com", role="consultant", invited_by=admin
    )
    to_client = services.invite_member(
        firm=organisation.firm, organisation=organisation, email="cfo@example.com", role="viewer", invited_by=admin
    )
    client.force_login(admin)
    firm_page = client.get(f"/firms/{organisation.firm_id}/").content.decode()
    organisation_page = client.get(f"/organisations/{organisation.pk}/").content.decode()
    firm_base = f"/firms/{organisation.firm_id}/invitations/{to_firm.pk}/"
    client_base = f"/organisations/{organisation.pk}/invitations/{to_client.pk}/"
    assert f'action="{firm_base}resend/"' in firm_page and f'action="{firm_base}withdraw/"' in firm_page
    assert f'action="{client_base}resend/"' in organisation_page
    assert f'action="{client_base}withdraw/"' in organisation_page
