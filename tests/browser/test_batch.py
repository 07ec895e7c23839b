"""A batch of roadmaps in real Chromium: requested from the portfolio, its page following the workers."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone
from playwright.sync_api import expect

from assessment.models import Assessment
from reports.batches import ReportBatch
from reports.models import Report, ReportStatus
from tests.assessment.test_portfolio import closed
from tests.browser.test_workspace import PHONE, consultant, media_root, no_sideways_scroll, sign_in  # noqa: F401
from tests.factories import OrganisationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def closed_days_ago(organisation, period: str, days: int, *, respondents: int = 3) -> Assessment:
    from assessment.models import RubricVersion

    assessment = closed(organisation, RubricVersion.objects.get(), period, 3.0, respondents=respondents)
    Assessment.objects.filter(pk=assessment.pk).update(closed_at=timezone.now() - timedelta(days=days))
    return assessment


def finish(report: Report, status: str, error: str = "") -> None:
    """What a worker leaves: a ready report with its file, or a failed one with its error."""
    if status == ReportStatus.READY:
        report.pdf.save(f"batch-{report.pk}.pdf", ContentFile(b"%PDF-1.7\n"), save=False)
        Report.objects.filter(pk=report.pk).update(
            status=status, pdf=report.pdf.name, checksum="0" * 64, snapshot={}, rendered_at=timezone.now(), pages=9
        )
    else:
        Report.objects.filter(pk=report.pk).update(status=status, error=error)


def test_a_consultant_batches_the_roadmaps_of_a_period_and_watches_them_get_ready(live_server, page, shoot, consultant):  # noqa: F811
    firm = consultant.firm_memberships.get().firm
    closed_days_ago(OrganisationFactory(firm=firm, name="Acme Robotics"), "FY2026", 3)
    closed_days_ago(OrganisationFactory(firm=firm, name="Initech"), "FY2026", 10)
    closed_days_ago(OrganisationFactory(firm=firm, name="Quiet Ltd"), "FY2026", 5, respondents=0)
    # No worker here: the renders stay queued until the test plays the worker's part.
    with mock.patch("outbox.services.dispatch"):
        sign_in(page, live_server, "consultant")
        page.get_by_role("link", name="Portfolio").first.click()
        form = page.get_by_role("form", name="Roadmaps of every client whose assessment closed")
        form.get_by_label("from").fill((timezone.localdate() - timedelta(days=30)).isoformat())
        form.get_by_label("to").fill(timezone.localdate().isoformat())
        shoot(page, "portfolio-with-batch-form")
        form.get_by_role("button", name="Request the roadmaps").click()

        expect(page.get_by_role("heading", level=1)).to_contain_text("Roadmaps of assessments closed")
        expect(page.get_by_role("heading", name="0 of 2 ready")).to_be_visible()
        expect(page.get_by_text("Quiet Ltd · FY2026")).to_be_visible()
        shoot(page, "batch-queued", full_page=True)

        acme, initech = ReportBatch.objects.get().reports.order_by("assessment__organisation__name")
        finish(acme, ReportStatus.READY)
        # The page reloads itself: no click.
        expect(page.get_by_role("heading", name="1 of 2 ready")).to_be_visible(timeout=10_000)
        expect(page.get_by_role("link", name="Download PDF of Acme Robotics FY2026")).to_be_visible()
        shoot(page, "batch-half-ready", full_page=True)

        finish(initech, ReportStatus.FAILED, "Rendering took longer than the time limit and was stopped.")
        expect(page.get_by_text("1 failed").first).to_be_visible(timeout=10_000)
        expect(page.get_by_text("Rendering took longer than the time limit and was stopped.")).to_be_visible()
        assert page.locator("progress").get_attribute("value") == "2"
        # Finished: it stops reloading.
        assert page.locator('meta[http-equiv="refresh"]').count() == 0
        shoot(page, "batch-finished", full_page=True)

        page.set_viewport_size(PHONE)
        page.reload()
        assert no_sideways_scroll(page)
        shoot(page, "batch-finished-phone", full_page=True)
