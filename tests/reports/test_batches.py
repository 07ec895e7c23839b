"""Batches: the roadmaps of every client whose assessment closed in a period, requested from the portfolio
(page and API), followed on one page while the workers render them."""

from __future__ import annotations

from datetime import date, datetime
from unittest import mock

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from organisations.audit import Action
from organisations.models import AuditEvent, FirmRole
from outbox.models import OutboxMessage
from reports.batches import ReportBatch
from reports.models import Report, ReportStatus
from tests.api.conftest import token_client
from tests.assessment.test_portfolio import closed
from tests.factories import FirmMembershipFactory, OrganisationFactory

API = "/api/v1/report-batches/"
TODAY = date(2026, 12, 3)
# 10 minutes into an hour: a render limit's window ends in 50 minutes.
START = 1_800_000_000 - 1_800_000_000 % 3600 + 600


@pytest.fixture(autouse=True)
def today():
    """The batch rules read today's date (a period may not start after it)."""
    with mock.patch("reports.services.timezone.localdate", return_value=TODAY):
        yield TODAY


@pytest.fixture
def clock():
    with mock.patch("organisations.throttles.now", return_value=START) as now:
        yield now


def closed_on(organisation, rubric, period: str, day: date, *, respondents: int = 3):
    """A closed assessment of the organisation, closed at noon on `day`, with `respondents` counted responses."""
    assessment = closed(organisation, rubric, period, 3.0, respondents=respondents)
    moment = timezone.make_aware(datetime(day.year, day.month, day.day, 12))
    type(assessment).objects.filter(pk=assessment.pk).update(closed_at=moment)
    assessment.refresh_from_db()
    return assessment


@pytest.fixture
def clients(organisation, default_rubric):
    """Our firm's clients: two closed in November with answers, one closed in November with none, one
    closed the year before; another firm's client closed in November."""
    firm = organisation.firm
    acme = OrganisationFactory(firm=firm, name="Acme Robotics")
    initech = OrganisationFactory(firm=firm, name="Initech")
    quiet = OrganisationFactory(firm=firm, name="Quiet Ltd")
    return {
        "northwind": closed_on(organisation, default_rubric, "FY2026", date(2026, 11, 20)),
        "acme": closed_on(acme, default_rubric, "FY2026", date(2026, 11, 2)),
        "quiet": closed_on(quiet, default_rubric, "FY2026", date(2026, 11, 10), respondents=0),
        "initech_old": closed_on(initech, default_rubric, "FY2025", date(2025, 11, 10)),
        "elsewhere": closed_on(OrganisationFactory(name="Globex"), default_rubric, "FY2026", date(2026, 11, 5)),
    }


NOVEMBER = {"closed_from": "2026-11-01", "closed_to": "2026-11-30"}


def test_a_batch_requests_the_roadmap_of_each_client_closed_in_the_period_and_names_the_skipped(consultant, clients):
    response = token_client(consultant).post(API, NOVEMBER, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert [(r["organisation"], r["period"], r["status"]) for r in body["reports"]] == [
        ("Acme Robotics", "FY2026", "queued"),
        ("Northwind Traders", "FY2026", "queued"),
    ]
    assert (body["total"], body["ready"], body["failed"], body["unfinished"], body["finished"]) == (2, 0, 0, 2, False)
    assert body["skipped"] == [
        {
            "assessment": clients["quiet"].pk,
            "organisation": "Quiet Ltd",
            "period": "FY2026",
            "reason": "no_answers",
            "message": "no submitted answers to report on",
        }
    ]
    assert response["Location"].endswith(f"{API}{body['id']}/")
    batch = ReportBatch.objects.get()
    assert (batch.closed_from, batch.closed_to, batch.requested_by) == (
        date(2026, 11, 1),
        date(2026, 11, 30),
        consultant,
    )
    reports = Report.objects.filter(batch=batch)
    assert {r.assessment_id for r in reports} == {clients["acme"].pk, clients["northwind"].pk}
    # Each render is queued through the outbox, as a single request's is.
    assert set(OutboxMessage.objects.filter(about="reports.report").values_list("about_id", flat=True)) == {
        r.pk for r in reports
    }


def test_the_batch_is_in_the_firms_audit_log_with_each_report(consultant, organisation, clients):
    batch = token_client(consultant).post(API, NOVEMBER, format="json").json()
    event = AuditEvent.objects.get(firm=organisation.firm, action=Action.REPORT_BATCH_REQUESTED)
    assert event.action == "report.batch_requested"
    assert (
        event.summary == "Requested the roadmaps of 2 assessments closed between 1 Nov 2026 and 30 Nov 2026 (1 skipped)"
    )
    assert event.details["batch"] == batch["id"]
    assert sorted(event.details["assessments"]) == sorted([clients["acme"].pk, clients["northwind"].pk])
    assert AuditEvent.objects.filter(firm=organisation.firm, action=Action.REPORT_REQUESTED).count() == 2


def test_a_period_with_no_closed_assessment_says_so_and_makes_no_batch(consultant, clients):
    response = token_client(consultant).post(
        API, {"closed_from": "2026-01-01", "closed_to": "2026-03-31"}, format="json"
    )
    assert response.status_code == 422
    assert response.json() == {
        "code": "nothing_to_batch",
        "message": "No client's assessment closed between 1 Jan 2026 and 31 Mar 2026: there is nothing to request.",
    }
    assert not ReportBatch.objects.exists()
    assert not Report.objects.exists()


def test_a_period_whose_assessments_have_no_answers_says_why_nothing_was_requested(consultant, clients):
    response = token_client(consultant).post(
        API, {"closed_from": "2026-11-10", "closed_to": "2026-11-10"}, format="json"
    )
    assert response.status_code == 422
    assert response.json()["message"] == (
        "1 assessment closed between 10 Nov 2026 and 10 Nov 2026, but none can be requested: "
        "Quiet Ltd FY2026: no submitted answers to report on."
    )
    assert not ReportBatch.objects.exists()


@pytest.mark.parametrize(
    ("period", "field", "message"),
    [
        (
            {"closed_from": "2026-11-30", "closed_to": "2026-11-01"},
            "closed_to",
            "The period ends before it starts: give a “to” date on or after the “from” date.",
        ),
        (
            {"closed_from": "2026-12-04", "closed_to": "2026-12-31"},
            "closed_from",
            "The period starts in the future: no assessment has closed then yet.",
        ),
        (
            {"closed_from": "2020-01-01", "closed_to": "2026-11-30"},
            "closed_from",
            "A batch covers at most 731 days (two years); request a shorter period.",
        ),
    ],
)
def test_a_period_out_of_order_in_the_future_or_too_long_is_refused_on_its_field(
    consultant, clients, period, field, message
):
    response = token_client(consultant).post(API, period, format="json")
    assert response.status_code == 422
    assert response.json()["fields"] == {field: [message]}
    assert not ReportBatch.objects.exists()


@pytest.mark.parametrize(
    "given", [{"closed_from": "2026-11-31", "closed_to": "2026-12-01"}, {"closed_from": 20261101}, {}]
)
def test_dates_that_are_not_dates_are_a_400(consultant, clients, given):
    response = token_client(consultant).post(API, given, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


def test_client_side_members_cannot_batch_and_another_firm_batches_only_its_own(leader, viewer, outsider, clients):
    for user in (leader, viewer):
        assert token_client(user).post(API, NOVEMBER, format="json").status_code == 403
    # Globex's firm has one client closed in November: its batch holds it, and nothing of ours.
    FirmMembershipFactory(user=outsider, firm=clients["elsewhere"].organisation.firm)
    response = token_client(outsider).post(
        API, {**NOVEMBER, "firm": clients["elsewhere"].organisation.firm_id}, format="json"
    )
    assert response.status_code == 201
    assert [r["organisation"] for r in response.json()["reports"]] == ["Globex"]
    assert Report.objects.filter(assessment__organisation__firm=clients["acme"].organisation.firm).count() == 0


def test_a_batch_of_another_firm_is_not_found(consultant, outsider, organisation, clients):
    batch = token_client(consultant).post(API, NOVEMBER, format="json").json()
    assert token_client(outsider).get(f"{API}{batch['id']}/").status_code == 404
    assert (
        token_client(outsider).post(API, {**NOVEMBER, "firm": organisation.firm_id}, format="json").status_code == 404
    )


def test_a_firm_admin_batches_too(consultant, organisation, clients):
    admin = FirmMembershipFactory(firm=organisation.firm, role=FirmRole.ADMIN).user
    assert token_client(admin).post(API, NOVEMBER, format="json").status_code == 201


def _finish(report: Report, status: str, error: str = "") -> None:
    if status == ReportStatus.READY:
        report.pdf.save(f"batch-{report.pk}.pdf", ContentFile(b"%PDF-1.7\n"), save=False)
        report.deck.save(f"batch-{report.pk}.pptx", ContentFile(b"PK\x03\x04"), save=False)
        Report.objects.filter(pk=report.pk).update(
            status=status,
            pdf=report.pdf.name,
            deck=report.deck.name,
            checksum="0" * 64,
            snapshot={},
            rendered_at=timezone.now(),
            pages=9,
        )
    else:
        Report.objects.filter(pk=report.pk).update(status=status, error=error)


def test_the_batchs_status_counts_ready_failed_and_unfinished(consultant, clients):
    created = token_client(consultant).post(API, NOVEMBER, format="json").json()
    acme, northwind = (Report.objects.get(pk=r["id"]) for r in created["reports"])
    _finish(acme, ReportStatus.READY)
    _finish(northwind, ReportStatus.FAILED, "Rendering took longer than the time limit and was stopped.")
    body = token_client(consultant).get(created["url"]).json()
    assert (body["total"], body["ready"], body["failed"], body["unfinished"], body["finished"]) == (2, 1, 1, 0, True)
    assert body["reports"][0]["download_url"].endswith(f"/api/v1/reports/{acme.pk}/pdf/")
    assert body["reports"][1]["error"] == "Rendering took longer than the time limit and was stopped."


# --- the render limit: a batch counts once per organisation ----------------------------------------


@override_settings(THROTTLE_REPORT_RENDERS="1/hour")
def test_a_batch_counts_once_per_organisation_however_many_of_its_assessments_closed(
    clock, consultant, organisation, default_rubric, clients
):
    spring = closed_on(organisation, default_rubric, "H1-2026", date(2026, 11, 25))
    body = token_client(consultant).post(API, NOVEMBER, format="json").json()
    assert sorted((r["organisation"], r["period"]) for r in body["reports"]) == [
        ("Acme Robotics", "FY2026"),
        ("Northwind Traders", "FY2026"),
        ("Northwind Traders", "H1-2026"),
    ]
    assert spring.pk in {r["assessment"] for r in body["reports"]}
    # The batch used Northwind's one render of the hour: a single request now waits, like a second batch.
    single = token_client(consultant).post(f"/api/v1/assessments/{spring.pk}/reports/")
    assert single.status_code == 429
    again = token_client(consultant).post(API, NOVEMBER, format="json")
    assert again.status_code == 429
    assert again["Retry-After"] == "3000"
    assert again.json() == {"code": "throttled", "message": "Too many requests; try again in 50 minutes."}
    assert ReportBatch.objects.count() == 1


@override_settings(THROTTLE_REPORT_RENDERS="1/hour")
def test_a_client_over_its_limit_is_skipped_and_named_while_the_others_render(clock, consultant, clients):
    assert token_client(consultant).post(f"/api/v1/assessments/{clients['acme'].pk}/reports/").status_code == 202
    body = token_client(consultant).post(API, NOVEMBER, format="json").json()
    assert [r["organisation"] for r in body["reports"]] == ["Northwind Traders"]
    assert [(s["organisation"], s["reason"], s["message"]) for s in body["skipped"]] == [
        ("Acme Robotics", "throttled", "its report limit for this hour is used up; try again in 50 minutes"),
        ("Quiet Ltd", "no_answers", "no submitted answers to report on"),
    ]


# --- the pages -------------------------------------------------------------------------------------


def test_the_portfolio_offers_the_batch_form_and_its_post_goes_to_the_batchs_page(client, consultant, clients):
    client.force_login(consultant)
    portfolio = client.get(reverse("assessment:portfolio")).content.decode()
    assert f'action="{reverse("reports:batches")}"' in portfolio
    assert 'type="date" id="batch-from" name="closed_from"' in portfolio
    posted = client.post(reverse("reports:batches"), NOVEMBER)
    batch = ReportBatch.objects.get()
    assert posted.status_code == 302
    assert posted["Location"] == reverse("reports:batch", kwargs={"batch_id": batch.pk})
    page = client.get(posted["Location"])
    text = page.content.decode()
    assert page.status_code == 200
    assert "Requested 2 roadmaps." in text
    assert "Roadmaps of assessments closed 1 Nov 2026 – 30 Nov 2026" in text
    assert "0 of 2 ready" in text
    assert '<progress max="2" value="0"' in text
    # Unfinished: the page reloads itself.
    assert '<meta http-equiv="refresh" content="3">' in text
    assert "1 skipped" in text and "Quiet Ltd · FY2026" in text and "No submitted answers to report on." in text


def test_the_batch_page_shows_downloads_and_failures_and_stops_refreshing_when_finished(client, consultant, clients):
    client.force_login(consultant)
    client.post(reverse("reports:batches"), NOVEMBER)
    batch = ReportBatch.objects.get()
    acme, northwind = batch.reports.order_by("assessment__organisation__name")
    _finish(acme, ReportStatus.READY)
    url = reverse("reports:batch", kwargs={"batch_id": batch.pk})
    halfway = client.get(url).content.decode()
    assert "1 of 2 ready" in halfway and '<progress max="2" value="1"' in halfway
    assert f'href="{reverse("reports:download", kwargs={"report_id": acme.pk})}" download' in halfway
    assert f'href="{reverse("reports:download-deck", kwargs={"report_id": acme.pk})}" download' in halfway
    assert 'http-equiv="refresh"' in halfway
    _finish(northwind, ReportStatus.FAILED, "WeasyPrint ran out of memory.")
    done = client.get(url).content.decode()
    assert "1 of 2 ready" in done and '<progress max="2" value="2"' in done
    assert "1 failed" in done and "WeasyPrint ran out of memory." in done
    assert 'http-equiv="refresh"' not in done


def test_the_page_shows_a_bad_period_or_an_empty_one_on_the_form(client, consultant, clients):
    client.force_login(consultant)
    backwards = client.post(reverse("reports:batches"), {"closed_from": "2026-11-30", "closed_to": "2026-11-01"})
    assert backwards.status_code == 400
    assert "The period ends before it starts" in backwards.content.decode()
    empty = client.post(reverse("reports:batches"), {"closed_from": "2026-01-01", "closed_to": "2026-01-31"})
    assert empty.status_code == 422
    assert "No client&#x27;s assessment closed between 1 Jan 2026 and 31 Jan 2026" in empty.content.decode()
    nonsense = client.post(reverse("reports:batches"), {"closed_from": "yesterday", "closed_to": ""})
    assert nonsense.status_code == 400
    assert "Enter a valid date." in nonsense.content.decode()
    assert not ReportBatch.objects.exists()


def test_client_side_members_get_403_on_the_batch_pages_and_outsiders_404_on_a_batch(
    client, consultant, leader, viewer, outsider, clients
):
    client.force_login(consultant)
    client.post(reverse("reports:batches"), NOVEMBER)
    url = reverse("reports:batch", kwargs={"batch_id": ReportBatch.objects.get().pk})
    for user in (leader, viewer):
        client.force_login(user)
        assert client.get(reverse("reports:batches")).status_code == 403
        assert client.post(reverse("reports:batches"), NOVEMBER).status_code == 403
        assert client.get(url).status_code == 404
    client.force_login(outsider)
    assert client.get(url).status_code == 404
    assert ReportBatch.objects.count() == 1


def _batch_page_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_batch_page_costs_the_same_queries_for_2_reports_as_for_12(
    client, consultant, organisation, default_rubric, clients, django_assert_max_num_queries
):
    client.force_login(consultant)
    client.post(reverse("reports:batches"), NOVEMBER)
    small = reverse("reports:batch", kwargs={"batch_id": ReportBatch.objects.get().pk})
    few = _batch_page_queries(client, small)
    for i in range(10):
        other = OrganisationFactory(firm=organisation.firm, name=f"Client {i:02d}")
        closed_on(other, default_rubric, "FY2026", date(2026, 10, 10))
    client.post(reverse("reports:batches"), {"closed_from": "2026-10-01", "closed_to": "2026-11-30"})
    big = ReportBatch.objects.order_by("-id").first()
    assert big.reports.count() == 12
    with django_assert_max_num_queries(few):
        client.get(reverse("reports:batch", kwargs={"batch_id": big.pk}))
    assert few <= 10


def test_the_batches_page_offers_the_last_three_months_and_lists_the_firms_batches_with_their_progress(
    client, consultant, clients
):
    client.force_login(consultant)
    empty = client.get(reverse("reports:batches")).content.decode()
    # Dates in the form a date field takes (ISO), whatever the site's locale.
    assert 'type="date" name="closed_from" value="2026-09-04"' in empty
    assert 'type="date" name="closed_to" value="2026-12-03"' in empty
    assert "No batch yet." in empty
    client.post(reverse("reports:batches"), NOVEMBER)
    _finish(ReportBatch.objects.get().reports.first(), ReportStatus.READY)
    listed = client.get(reverse("reports:batches")).content.decode()
    assert "Closed 1 Nov 2026 – 30 Nov 2026" in listed
    assert "1 of 2 ready · requested" in listed
