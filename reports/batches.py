"""A batch of reports: the roadmaps of every client of a firm whose assessment closed in a period,
requested together from the portfolio, and followed on one page while the workers render them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Prefetch, Q

from organisations.models import Firm


class ReportBatchQuerySet(models.QuerySet["ReportBatch"]):
    def visible_to(self, user: Any) -> ReportBatchQuerySet:
        """The batches of the user's firms: a firm's batches are its admins' and consultants' only."""
        return self.filter(firm__in=Firm.objects.visible_to(user))

    def with_reports(self) -> ReportBatchQuerySet:
        """With who requested each batch and its reports (their clients and periods), by client name:
        three queries however many reports a batch holds."""
        from reports.models import Report

        reports = Report.objects.select_related("assessment__organisation").order_by(
            "assessment__organisation__name", "assessment__organisation_id", "assessment__period", "id"
        )
        return self.select_related("requested_by").prefetch_related(Prefetch("reports", queryset=reports))


class ReportBatch(models.Model):
    """One request for the roadmaps of the firm's clients whose assessment closed between two dates.

    Its reports are ordinary Reports (each queued through reports.services.request_report) that point
    back here; the assessments left out, and why, are kept in `skipped` as they were at the request.
    """

    firm = models.ForeignKey(Firm, on_delete=models.CASCADE, related_name="report_batches")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    closed_from = models.DateField(help_text="First day of the period the assessments closed in")
    closed_to = models.DateField(help_text="Last day of the period, included")
    skipped = models.JSONField(
        default=list, blank=True, help_text="Assessments left out: organisation, period and the reason"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ReportBatchQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(closed_from__lte=models.F("closed_to")), name="batch_period_in_order")
        ]

    def __str__(self) -> str:
        return f"Batch {self.pk} · {self.closed_from} to {self.closed_to}"

    def progress(self) -> BatchProgress:
        """How many of its reports are ready, failed or still to render: from the reports loaded by
        `with_reports()`, else one query."""
        return BatchProgress.of([report.status for report in self.reports.all()])


@dataclass(frozen=True)
class BatchProgress:
    total: int
    ready: int
    failed: int

    @classmethod
    def of(cls, statuses: list[str]) -> BatchProgress:
        # ReportStatus's values (reports/models.py imports this module, not the other way round).
        return cls(total=len(statuses), ready=statuses.count("ready"), failed=statuses.count("failed"))

    @property
    def finished(self) -> int:
        return self.ready + self.failed

    @property
    def unfinished(self) -> int:
        return self.total - self.finished

    @property
    def is_finished(self) -> bool:
        return self.unfinished == 0
