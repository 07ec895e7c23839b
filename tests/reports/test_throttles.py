"""Report renders are limited per organisation per hour (THROTTLE_REPORT_RENDERS), in the API and on the page."""

from __future__ import annotations

from unittest import mock

import pytest
from django.test import override_settings
from django.urls import reverse
from rest_framework.test import APIClient

from assessment import services as assessment_services
from reports.models import Report
from tests.factories import MembershipFactory, OrganisationFactory

# 10 minutes into an hour: the window ends in 50 minutes.
START = 1_800_000_000 - 1_800_000_000 % 3600 + 600


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def request_url(assessment) -> str:
    return f"/api/v1/assessments/{assessment.pk}/reports/"


@pytest.fixture
def clock():
    with mock.patch("organisations.throttles.now", return_value=START) as now:
        yield now


@pytest.fixture
def elsewhere(default_rubric):
    """Another organisation with an open assessment, and its consultant."""
    organisation = OrganisationFactory(name="Globex")
    consultant = MembershipFactory(organisation=organisation, role="consultant", user__username="globex").user
    assessment = assessment_services.create_assessment(
        organisation=organisation, period="FY2026", rubric_version=default_rubric, created_by=consultant
    )
    return consultant, assessment_services.open_assessment(assessment=assessment)


@override_settings(THROTTLE_REPORT_RENDERS="2/hour")
def test_the_api_answers_429_with_retry_after_once_an_organisation_used_its_renders(
    clock, consultant, leader, this_year, elsewhere
):
    assert client_for(consultant).post(request_url(this_year)).status_code == 202
    assert client_for(leader).post(request_url(this_year)).status_code == 202
    refused = client_for(consultant).post(request_url(this_year))
    assert refused.status_code == 429
    assert refused["Retry-After"] == "3000"
    assert refused.json() == {"code": "throttled", "message": "Too many requests; try again in 50 minutes."}
    assert Report.objects.filter(assessment=this_year).count() == 2
    # Reading is not counted; another organisation is not affected.
    assert client_for(consultant).get(request_url(this_year)).status_code == 200
    other_consultant, other_assessment = elsewhere
    assert client_for(other_consultant).post(request_url(other_assessment)).status_code == 202
    # The next hour, the organisation may request again.
    clock.return_value = START + 3000
    assert client_for(consultant).post(request_url(this_year)).status_code == 202


@override_settings(THROTTLE_REPORT_RENDERS="1/hour")
def test_refused_requests_spend_nobody_s_allowance(clock, consultant, viewer, outsider, this_year):
    """A viewer's 403s and another firm's 404s do not use up the organisation's renders."""
    for _ in range(3):
        assert client_for(viewer).post(request_url(this_year)).status_code == 403
        assert client_for(outsider).post(request_url(this_year)).status_code == 404
    assert client_for(consultant).post(request_url(this_year)).status_code == 202


@override_settings(THROTTLE_REPORT_RENDERS="1/hour")
def test_the_page_answers_a_429_page_with_retry_after(clock, client, consultant, this_year):
    client.force_login(consultant)
    page = reverse("reports:assessment-reports", kwargs={"assessment_id": this_year.pk})
    # (The render is queued for after the commit, which a test's transaction never reaches.)
    assert client.post(page).status_code == 302
    refused = client.post(page)
    assert refused.status_code == 429
    assert refused["Retry-After"] == "3000"
    assert "Too many requests" in refused.content.decode()
    assert "try again in 50 minutes" in refused.content.decode()
    assert Report.objects.filter(assessment=this_year).count() == 1
    # The API counts in the same allowance.
    assert client_for(consultant).post(request_url(this_year)).status_code == 429
