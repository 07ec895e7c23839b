"""The reports page: list, request, live status, download; members only."""

from __future__ import annotations

import hashlib

import pytest
from django.urls import reverse

from organisations.models import Organisation
from reports import services
from reports.models import Report


def page_url(assessment) -> str:
    return reverse("reports:assessment-reports", kwargs={"assessment_id": assessment.pk})


@pytest.fixture
def ready(this_year, consultant, django_capture_on_commit_callbacks) -> Report:
    with django_capture_on_commit_callbacks(execute=True):
        report = services.request_report(assessment=this_year, requested_by=consultant)
    report.refresh_from_db()
    return report


def test_the_page_lists_reports_with_their_status_and_a_download_link(client, leader, ready, this_year):
    queued = Report.objects.create(assessment=this_year, rubric_version=this_year.rubric_version)
    client.force_login(leader)
    response = client.get(page_url(this_year))
    html = response.content.decode()
    assert response.status_code == 200
    assert "<title>Reports · Northwind Traders FY2026 · Waypoint</title>" in html
    assert "Request a new report" in html
    assert reverse("reports:download", kwargs={"report_id": ready.pk}) in html
    assert f"{ready.pages} pages" in html
    # The unfinished report is polled by the page's script, the ready one is not.
    assert f'data-report-status-url="{reverse("api-report", kwargs={"id": queued.pk})}"' in html
    assert f'data-report-status-url="{reverse("api-report", kwargs={"id": ready.pk})}"' not in html
    assert "reports/reports.js" in html


def test_requesting_a_report_from_the_page_renders_it_and_comes_back(
    client, leader, this_year, django_capture_on_commit_callbacks
):
    client.force_login(leader)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(page_url(this_year))
    assert response.status_code == 302
    assert response["Location"] == page_url(this_year)
    report = Report.objects.get()
    assert (report.status, report.requested_by) == ("ready", leader)
    page = client.get(page_url(this_year)).content.decode()
    assert "Report requested." in page
    assert reverse("reports:download", kwargs={"report_id": report.pk}) in page


def test_a_viewer_sees_the_reports_but_no_request_button_and_a_post_is_refused(client, viewer, ready, this_year):
    client.force_login(viewer)
    page = client.get(page_url(this_year)).content.decode()
    assert reverse("reports:download", kwargs={"report_id": ready.pk}) in page
    assert "Request a new report" not in page
    assert client.post(page_url(this_year)).status_code == 403
    assert Report.objects.count() == 1


def test_a_draft_offers_no_request_button_and_a_post_is_refused_with_a_message(client, consultant, draft_assessment):
    client.force_login(consultant)
    assert "Request a new report" not in client.get(page_url(draft_assessment)).content.decode()
    response = client.post(page_url(draft_assessment), follow=True)
    assert "A draft assessment has no answers to report on yet" in response.content.decode()
    assert not Report.objects.exists()


def test_the_download_link_serves_the_pdf_as_delivered(client, viewer, ready):
    client.force_login(viewer)
    response = client.get(reverse("reports:download", kwargs={"report_id": ready.pk}))
    assert response.status_code == 200
    assert hashlib.sha256(b"".join(response.streaming_content)).hexdigest() == ready.checksum


def test_a_download_is_named_after_the_organisation_even_one_named_like_a_path(client, viewer, ready):
    organisation = ready.assessment.organisation
    organisation.name = 'Acme/..\\Robotics: "West"'
    organisation.save()
    client.force_login(viewer)
    response = client.get(reverse("reports:download", kwargs={"report_id": ready.pk}))
    assert response.status_code == 200
    disposition = response["Content-Disposition"]
    assert disposition == (
        "attachment; filename*=utf-8''Acme%20..%20Robotics%20West%20%E2%80%93%20Sales%20maturity%20roadmap%20FY2026.pdf"
    )
    # The file kept on disk is still named by ids only.
    assert ready.pdf.name.rsplit("/", 1)[-1].startswith(f"roadmap-{ready.assessment_id}-report-{ready.pk}-")


def test_another_organisations_member_gets_404_on_the_page_and_the_download(client, outsider, ready, this_year):
    client.force_login(outsider)
    assert client.get(page_url(this_year)).status_code == 404
    assert client.post(page_url(this_year)).status_code == 404
    assert client.get(reverse("reports:download", kwargs={"report_id": ready.pk})).status_code == 404
    assert Report.objects.count() == 1


def test_signed_out_visitors_are_sent_to_sign_in(client, this_year):
    response = client.get(page_url(this_year))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_names_on_the_page_are_escaped(client, viewer, this_year):
    Organisation.objects.filter(pk=this_year.organisation_id).update(name="<script>alert(1)</script>")
    client.force_login(viewer)
    html = client.get(page_url(this_year)).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
