"""The reports API: 202 with a status URL, status, lists, download; members only, 404 for anyone else."""

from __future__ import annotations

import hashlib

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from reports import services
from reports.models import Report


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def ready(this_year, consultant, django_capture_on_commit_callbacks) -> Report:
    with django_capture_on_commit_callbacks(execute=True):
        report = services.request_report(assessment=this_year, requested_by=consultant)
    report.refresh_from_db()
    return report


@pytest.mark.parametrize("role", ["consultant", "leader"])
def test_a_member_requests_a_report_and_gets_202_with_its_status_url(
    role, request, this_year, django_capture_on_commit_callbacks
):
    user = request.getfixturevalue(role)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client_for(user).post(f"/api/v1/assessments/{this_year.pk}/reports/")
    assert response.status_code == 202
    report = Report.objects.get()
    status_url = f"http://testserver/api/v1/reports/{report.pk}/"
    assert response["Location"] == status_url
    assert response.json()["url"] == status_url
    assert response.json()["status"] == "queued"
    assert response.json()["download_url"] is None
    assert response.json()["requested_by"] == role
    assert len(callbacks) == 1


def test_a_viewer_cannot_request_a_report(this_year, viewer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client_for(viewer).post(f"/api/v1/assessments/{this_year.pk}/reports/")
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert not Report.objects.exists()
    assert callbacks == []


def test_the_status_url_says_ready_with_a_download_link_once_rendered(ready, viewer):
    body = client_for(viewer).get(f"/api/v1/reports/{ready.pk}/").json()
    assert body["status"] == "ready"
    assert body["download_url"] == f"http://testserver/api/v1/reports/{ready.pk}/pdf/"
    assert (body["checksum"], body["pages"], body["period"]) == (ready.checksum, ready.pages, "FY2026")
    assert body["rubric_version"] == "sales-transformation v1"


@pytest.mark.parametrize("role", ["consultant", "leader", "viewer"])
def test_members_download_the_pdf_exactly_as_delivered(role, request, ready):
    response = client_for(request.getfixturevalue(role)).get(f"/api/v1/reports/{ready.pk}/pdf/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    # RFC 6266: the organisation's name, the product and the period, in UTF-8 (the dash is not ASCII).
    assert ready.filename == "Northwind Traders – Sales maturity roadmap FY2026.pdf"
    assert response["Content-Disposition"] == (
        "attachment; filename*=utf-8''Northwind%20Traders%20%E2%80%93%20Sales%20maturity%20roadmap%20FY2026.pdf"
    )
    body = b"".join(response.streaming_content)
    assert hashlib.sha256(body).hexdigest() == ready.checksum


def test_a_client_that_asks_for_a_pdf_gets_it(ready, viewer):
    response = client_for(viewer).get(f"/api/v1/reports/{ready.pk}/pdf/", HTTP_ACCEPT="application/pdf")
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF-")


def test_downloading_a_report_that_is_not_ready_is_a_conflict(this_year, viewer):
    report = Report.objects.create(assessment=this_year, rubric_version=this_year.rubric_version)
    response = client_for(viewer).get(f"/api/v1/reports/{report.pk}/pdf/")
    assert response.status_code == 409
    assert response.json()["code"] == "conflict"
    assert "queued" in response.json()["message"]


def test_requesting_a_report_of_a_draft_is_a_conflict_and_creates_nothing(draft_assessment, consultant):
    response = client_for(consultant).post(f"/api/v1/assessments/{draft_assessment.pk}/reports/")
    assert response.status_code == 409
    assert response.json()["message"] == "A draft assessment has no answers to report on yet; open it first."
    assert not Report.objects.exists()


def test_the_lists_of_an_assessment_and_an_organisation_show_newest_first(ready, this_year, last_year, viewer):
    older = Report.objects.create(assessment=last_year, rubric_version=last_year.rubric_version)
    client = client_for(viewer)
    by_assessment = client.get(f"/api/v1/assessments/{this_year.pk}/reports/").json()
    assert [r["id"] for r in by_assessment["results"]] == [ready.pk]
    by_organisation = client.get(f"/api/v1/organisations/{this_year.organisation_id}/reports/").json()
    assert [r["id"] for r in by_organisation["results"]] == [older.pk, ready.pk]
    assert [r["status"] for r in by_organisation["results"]] == ["queued", "ready"]


def test_listing_reports_takes_a_bounded_number_of_queries(this_year, viewer, django_assert_max_num_queries):
    for _ in range(15):
        Report.objects.create(assessment=this_year, rubric_version=this_year.rubric_version, requested_by=viewer)
    client = client_for(viewer)
    with django_assert_max_num_queries(6):
        response = client.get(f"/api/v1/organisations/{this_year.organisation_id}/reports/")
    assert response.json()["count"] == 15


def test_another_organisations_member_finds_nothing_at_any_reports_endpoint(ready, this_year, outsider):
    client = client_for(outsider)
    for url in (
        f"/api/v1/reports/{ready.pk}/",
        f"/api/v1/reports/{ready.pk}/pdf/",
        f"/api/v1/assessments/{this_year.pk}/reports/",
        f"/api/v1/organisations/{this_year.organisation_id}/reports/",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "Northwind" not in response.content.decode()
    assert client.post(f"/api/v1/assessments/{this_year.pk}/reports/").status_code == 404
    assert Report.objects.count() == 1


def test_anonymous_callers_are_asked_to_authenticate(ready):
    assert APIClient().get(reverse("api-report", kwargs={"id": ready.pk})).status_code == 401
    assert APIClient().get(reverse("api-report-pdf", kwargs={"id": ready.pk})).status_code == 401
