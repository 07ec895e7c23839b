"""The invitation pages of consultants and leaders, and anonymity: nobody in the organisation reads a response."""

from __future__ import annotations

import re
from datetime import timedelta
from unittest import mock

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from assessment import services as assessment_services
from surveys import services
from surveys.models import Invitation
from tests.api.world import answer_everything


def page_url(assessment) -> str:
    return reverse("surveys:invitations", kwargs={"assessment_id": assessment.pk})


def test_the_invitations_page_lists_each_person_with_how_far_they_got(client, consultant, open_assessment, invite):
    done = invite(open_assessment, email="done@example.com", name="Dee Done")
    assessment_services.submit_response(response=services.begin_response(invitation=done.invitation))
    started = invite(open_assessment, email="started@example.com", group="managers")
    services.begin_response(invitation=started.invitation)
    invite(open_assessment, email="new@example.com", group="marketing")
    client.force_login(consultant)
    text = client.get(page_url(open_assessment)).content.decode()
    assert "Dee Done" in text and "done@example.com" in text
    assert '<span class="status status--submitted">1 submitted</span>' in text
    assert '<span class="status status--started">1 started</span>' in text
    assert '<span class="status status--invited">1 invited</span>' in text
    assert "You see how far each person got, never what they answered." in text


def test_the_invitations_page_shows_progress_with_no_time_of_day(client, consultant, open_assessment, invite):
    done = invite(open_assessment, email="done@example.com")
    invite(open_assessment, email="waiting@example.com")
    submitted_at = timezone.now() + timedelta(hours=2, minutes=41)
    with mock.patch("django.utils.timezone.now", return_value=submitted_at):
        assessment_services.submit_response(response=services.begin_response(invitation=done.invitation))
    client.force_login(consultant)
    text = client.get(page_url(open_assessment)).content.decode()
    listed = text[text.index("<h2>Invited</h2>") :]
    assert '<span class="status status--submitted">submitted</span>' in listed
    assert '<span class="status status--invited">invited</span>' in listed
    # Dates (the link's expiry) but never a time of day that could tell when someone submitted.
    assert not re.search(r"\d{1,2}:\d{2}", listed)
    assert timezone.localtime(submitted_at).strftime("%H:%M") not in text


def test_inviting_one_person_from_the_page_sends_the_email(
    client, consultant, open_assessment, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(consultant)
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(
            reverse("surveys:invite", kwargs={"assessment_id": open_assessment.pk}),
            {"email": "ann@example.com", "name": "Ann", "group": "reps"},
        )
    assert sent["Location"] == page_url(open_assessment)
    assert mailoutbox[0].to == ["ann@example.com"]
    assert "Invitation sent to ann@example.com." in client.get(page_url(open_assessment)).content.decode()


def test_inviting_the_same_person_twice_from_the_page_is_refused_clearly(client, consultant, open_assessment, invite):
    invite(open_assessment, email="ann@example.com")
    client.force_login(consultant)
    refused = client.post(
        reverse("surveys:invite", kwargs={"assessment_id": open_assessment.pk}),
        {"email": "ann@example.com", "group": "reps"},
    )
    assert refused.status_code == 400
    assert "ann@example.com is already invited to this assessment; resend the invitation instead." in (
        refused.content.decode()
    )


def test_a_pasted_list_with_problems_shows_each_line_and_invites_nobody(client, consultant, open_assessment):
    client.force_login(consultant)
    refused = client.post(
        reverse("surveys:invite-list", kwargs={"assessment_id": open_assessment.pk}),
        {"csv_text": "ann@example.com,Ann,reps\nann@,Bob,reps\nbob@example.com,Bob,chefs\n"},
    )
    text = refused.content.decode()
    assert refused.status_code == 400
    assert "2 problems in the list; nobody was invited." in text
    assert "<li>Line 2: &#x27;ann@&#x27; is not a valid email address.</li>" in text
    assert "<li>Line 3: &#x27;chefs&#x27; is not a respondent group of this assessment" in text
    assert not Invitation.objects.exists()


def test_an_uploaded_csv_file_invites_everyone_on_it(client, consultant, open_assessment):
    client.force_login(consultant)
    upload = SimpleUploadedFile("team.csv", "email,name,group\nzoe@example.com,Zoë,reps\n".encode("cp1252"))
    sent = client.post(
        reverse("surveys:invite-list", kwargs={"assessment_id": open_assessment.pk}), {"csv_file": upload}
    )
    assert sent.status_code == 302
    assert Invitation.objects.get().name == "Zoë"
    assert "1 invitation sent." in client.get(page_url(open_assessment)).content.decode()


def test_an_empty_list_form_is_refused(client, consultant, open_assessment):
    client.force_login(consultant)
    refused = client.post(reverse("surveys:invite-list", kwargs={"assessment_id": open_assessment.pk}), {})
    assert refused.status_code == 400
    assert "Paste a list or choose a CSV file." in refused.content.decode()


def test_resend_and_revoke_from_the_page(
    client, consultant, invited_rep, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(consultant)
    pk = invited_rep.invitation.pk
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("surveys:resend", kwargs={"invitation_id": pk}))
    assert len(mailoutbox) == 2
    client.post(reverse("surveys:revoke", kwargs={"invitation_id": pk}))
    assert invited_rep.refresh().revoked_at is not None
    again = client.post(reverse("surveys:resend", kwargs={"invitation_id": pk}), follow=True)
    assert "This invitation was revoked; invite the person again to send a new link." in again.content.decode()
    assert len(mailoutbox) == 2


def test_a_viewer_may_not_manage_invitations(client, viewer, open_assessment, invited_rep):
    client.force_login(viewer)
    assert client.get(page_url(open_assessment)).status_code == 403
    assert (
        client.post(reverse("surveys:revoke", kwargs={"invitation_id": invited_rep.invitation.pk})).status_code == 403
    )
    assert invited_rep.refresh().revoked_at is None


def test_another_organisations_consultant_reaches_none_of_our_invitation_pages(
    client, outsider, open_assessment, invited_rep
):
    client.force_login(outsider)
    assert client.get(page_url(open_assessment)).status_code == 404
    pk = invited_rep.invitation.pk
    for name in ("resend", "revoke"):
        assert client.post(reverse(f"surveys:{name}", kwargs={"invitation_id": pk})).status_code == 404
    assert invited_rep.refresh().revoked_at is None


def test_no_page_or_endpoint_shows_a_consultant_what_a_respondent_answered(client, consultant, open_assessment, invite):
    """Anonymity: the organisation sees progress and, from three respondents, group results; never a response."""
    invited = invite(open_assessment, email="honest@example.com")
    response = services.begin_response(invitation=invited.invitation)
    answer_everything(response, "1", comment="My manager never coaches me")
    assessment_services.submit_response(response=response)
    client.force_login(consultant)
    seen = [
        client.get(reverse("home")),
        client.get(page_url(open_assessment)),
        client.get(f"/api/v1/invitations/?assessment={open_assessment.pk}"),
        client.get(f"/api/v1/invitations/{invited.invitation.pk}/"),
    ]
    for page in seen:
        assert page.status_code == 200
        assert "never coaches" not in page.content.decode()
    own = reverse("surveys:own-start", kwargs={"response_id": response.pk})
    assert client.get(own).status_code == 404
    assert client.get(reverse("surveys:own-summary", kwargs={"response_id": response.pk})).status_code == 404
    assert response.user is None
