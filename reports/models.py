"""Reports: rendered PDF roadmaps of an assessment, kept exactly as they were delivered."""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q

from assessment.models import Assessment, RubricVersion
from organisations.errors import StateConflict
from organisations.models import Organisation
from reports.batches import ReportBatch


class ReportStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RENDERING = "rendering", "Rendering"
    READY = "ready", "Ready"
    FAILED = "failed", "Failed"


class ReportQuerySet(models.QuerySet):
    def visible_to(self, user: Any) -> ReportQuerySet:
        """Reports of the organisations the user is a member of, whatever their role."""
        return self.filter(assessment__organisation__in=Organisation.objects.visible_to(user))

    def ready(self) -> ReportQuerySet:
        return self.filter(status=ReportStatus.READY)

    def unfinished(self) -> ReportQuerySet:
        return self.filter(status__in=[ReportStatus.QUEUED, ReportStatus.RENDERING])


UNSAFE_IN_FILE_NAMES = re.compile(r'[\x00-\x1f\x7f-\x9f/\\:*?"<>|\u2028\u2029]+')


def _file_safe(name: str) -> str:
    return " ".join(UNSAFE_IN_FILE_NAMES.sub(" ", name).split()).strip(". ")[:150] or "Sales maturity roadmap"


def report_path(report: Report, filename: str) -> str:
    return f"reports/{report.assessment.organisation_id}/{filename}"


class Report(models.Model):
    """One rendering of an assessment's roadmap. Once ready it never changes; a new render is a new Report."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="reports")
    rubric_version = models.ForeignKey(RubricVersion, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=ReportStatus.choices, default=ReportStatus.QUEUED)
    error = models.TextField(blank=True)
    pdf = models.FileField(upload_to=report_path, blank=True, max_length=300)
    deck = models.FileField(
        upload_to=report_path, blank=True, max_length=300, help_text="The editable PowerPoint deck of the same snapshot"
    )
    snapshot = models.JSONField(null=True, blank=True, help_text="Every number and sentence the PDF shows")
    checksum = models.CharField(max_length=64, blank=True, help_text="SHA-256 of the PDF")
    pages = models.PositiveIntegerField(null=True, blank=True)
    size = models.PositiveIntegerField(null=True, blank=True, help_text="Bytes")
    attempts = models.PositiveSmallIntegerField(default=0, help_text="Renders started, counting interrupted ones")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    # Requested with the roadmaps of other clients from the portfolio (reports/batches.py).
    batch = models.ForeignKey(ReportBatch, null=True, blank=True, on_delete=models.SET_NULL, related_name="reports")
    started_at = models.DateTimeField(null=True, blank=True)
    rendered_at = models.DateTimeField(null=True, blank=True)

    objects = ReportQuerySet.as_manager()

    class Meta:
        ordering = ["-requested_at", "-id"]
        indexes = [models.Index(fields=["assessment", "-requested_at"], name="report_by_assessment")]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=ReportStatus.values), name="report_status_is_known"),
            models.CheckConstraint(
                condition=~Q(status=ReportStatus.READY)
                | (~Q(pdf="") & ~Q(checksum="") & Q(snapshot__isnull=False) & Q(rendered_at__isnull=False)),
                name="ready_report_has_its_pdf",
            ),
        ]

    def __str__(self) -> str:
        return f"Report {self.pk} · {self.assessment_id} ({self.status})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # A delivered report is a record: nothing may rewrite it, whatever the caller.
        if self.pk and Report.objects.filter(pk=self.pk, status=ReportStatus.READY).exists():
            raise StateConflict("A ready report never changes; request a new report instead.")
        super().save(*args, **kwargs)

    @property
    def is_ready(self) -> bool:
        return self.status == ReportStatus.READY

    @property
    def is_finished(self) -> bool:
        return self.status in (ReportStatus.READY, ReportStatus.FAILED)

    @property
    def stored_stem(self) -> str:
        """The start of the stored file's name: ids only, whatever the organisation is called."""
        return f"roadmap-{self.assessment_id}-report-{self.pk}"

    @property
    def filename(self) -> str:
        """The name a download is saved under: "Acme Robotics – Sales maturity roadmap FY2026.pdf".

        Sent as RFC 6266 `filename*` (UTF-8) by FileResponse. Characters no file system takes (path
        separators, control characters, quotes and the like) become spaces."""
        return f"{self._download_stem()}.pdf"

    @property
    def deck_filename(self) -> str:
        """The deck's download name: "Acme Robotics – Sales maturity roadmap FY2026.pptx"."""
        return f"{self._download_stem()}.pptx"

    @property
    def has_deck(self) -> bool:
        """Reports rendered before decks existed have only their PDF."""
        return self.is_ready and bool(self.deck)

    def _download_stem(self) -> str:
        assessment = self.assessment
        return _file_safe(f"{assessment.organisation.name} – Sales maturity roadmap {assessment.period}")


class ReportLinkQuerySet(models.QuerySet):
    def visible_to(self, user: Any) -> ReportLinkQuerySet:
        return self.filter(report__in=Report.objects.visible_to(user))


class ReportLink(models.Model):
    """A ready report sent to an address outside the organisation: a download link that expires and can
    be revoked. The link's token is HMAC(SECRET_KEY, secret) (reports/links.py); the database keeps the
    secret and the token's digest, never the token."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="links")
    email = models.EmailField(max_length=254)
    secret = models.CharField(max_length=64, editable=False)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    downloads = models.PositiveIntegerField(default=0)
    last_downloaded_at = models.DateTimeField(null=True, blank=True)

    objects = ReportLinkQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Link to report {self.report_id} for {self.email}"

    def state(self, now: Any) -> str:
        """active, expired or revoked."""
        if self.revoked_at is not None:
            return "revoked"
        return "expired" if self.expires_at <= now else "active"
