"""Web sign-in (with django-axes' lockout), sign-out, and each role's home page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from assessment import services as assessment_services
from surveys import services
from tests.factories import consult_for

PASSWORD = "correct horse battery staple"  # tests.factories.UserFactory's


def test_the_sign_in_page_has_labelled_fields(client, db):
    page = client.get(reverse("login"))
    text = page.content.decode()
    assert page.status_code == 200
    assert '<label for="id_username">Username or email</label>' in text
    assert '<label for="id_password">Password</label>' in text


def test_signing_in_leads_home_and_signing_out_leads_back_to_sign_in(client, consultant):
    signed_in = client.post(reverse("login"), {"username": "consultant", "password": PASSWORD})
    assert signed_in.status_code == 302
    assert signed_in["Location"] == reverse("home")
    signed_out = client.post(reverse("logout"))
    assert signed_out["Location"] == reverse("login")
    assert client.get(reverse("home"))["Location"].startswith(reverse("login"))


def test_a_wrong_password_says_so(client, consultant):
    refused = client.post(reverse("login"), {"username": "consultant", "password": "wrong"})
    assert refused.status_code == 200
    assert "Please enter a correct username and password" in refused.content.decode()


def test_repeated_failures_lock_the_sign_in_out_with_a_clear_message(client, consultant, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert client.post(reverse("login"), {"username": "consultant", "password": "wrong"}).status_code == 200
    locked = client.post(reverse("login"), {"username": "consultant", "password": "wrong"})
    assert locked.status_code == 429
    assert "Too many failed sign-in attempts" in locked.content.decode()
    # Even the right password is refused while the lockout lasts.
    again = client.post(reverse("login"), {"username": "consultant", "password": PASSWORD})
    assert again.status_code == 429
    assert "_auth_user_id" not in client.session


def test_a_consultant_sees_each_organisations_assessments_with_their_links(
    client, consultant, open_assessment, draft_assessment, other_organisation
):
    consult_for(consultant, other_organisation)
    assessment_services.create_assessment(
        organisation=other_organisation, period="FY2030", rubric_version=open_assessment.rubric_version
    )
    client.force_login(consultant)
    text = client.get(reverse("home")).content.decode()
    assert text.index("Contoso Rivals") < text.index("Northwind Traders")
    assert "you are consultant" in text
    assert "FY2030" in text and "FY2026" in text
    invitations = reverse("surveys:invitations", kwargs={"assessment_id": open_assessment.pk})
    assert f'href="{invitations}"' in text
    assert "0 responses submitted" in text


def test_a_viewer_sees_the_assessments_but_no_invitations(client, viewer, open_assessment):
    client.force_login(viewer)
    text = client.get(reverse("home")).content.decode()
    assert "FY2026" in text and "you are viewer" in text
    assert reverse("surveys:invitations", kwargs={"assessment_id": open_assessment.pk}) not in text


def test_the_home_page_counts_submitted_responses_only(client, consultant, open_assessment, invite):
    for n in range(3):
        invited = invite(open_assessment, email=f"r{n}@example.com")
        response = services.begin_response(invitation=invited.invitation)
        if n < 2:
            assessment_services.submit_response(response=response)
    client.force_login(consultant)
    assert "2 responses submitted" in client.get(reverse("home")).content.decode()


def test_the_home_page_links_the_reports_page_only_when_it_exists(client, consultant, open_assessment):
    from assessment.views import reports_url

    client.force_login(consultant)
    text = client.get(reverse("home")).content.decode()
    url = reports_url(open_assessment.pk)
    if url is None:
        assert "Reports</a>" not in text
    else:
        assert f'href="{url}"' in text


def test_a_user_without_an_organisation_is_offered_the_self_assessment(client, user_factory):
    client.force_login(user_factory(username="loner"))
    text = client.get(reverse("home")).content.decode()
    assert "You are not a member of any organisation yet." in text
    assert reverse("surveys:sign-up") in text


@pytest.mark.parametrize("count", [1, 5])
def test_the_home_page_takes_a_bounded_number_of_queries(
    client, consultant, default_rubric, user_factory, count, django_assert_max_num_queries
):
    from tests.factories import OrganisationFactory

    for n in range(count):
        organisation = OrganisationFactory()
        consult_for(consultant, organisation)
        assessment_services.create_assessment(organisation=organisation, period=f"FY{n}", rubric_version=default_rubric)
    client.force_login(consultant)
    # One of them reads the second factor the session was verified with; two more count the page's rows
    # (50 a page) and its open assessments' responses in one grouped query.
    with django_assert_max_num_queries(10):
        assert client.get(reverse("home")).status_code == 200
