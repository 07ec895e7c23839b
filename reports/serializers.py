"""The API's shape of a Report."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import timezone
from rest_framework import serializers

from organisations.permissions import MAX_ID
from organisations.serializers import StrictSerializer
from reports.batches import ReportBatch
from reports.delivery import DEFAULT_LINK_DAYS, MAX_LINK_DAYS, MAX_RECIPIENTS
from reports.models import Report, ReportLink


class ReportSerializer(serializers.ModelSerializer):
    organisation = serializers.IntegerField(source="assessment.organisation_id", read_only=True)
    period = serializers.CharField(source="assessment.period", read_only=True)
    rubric_version = serializers.SerializerMethodField()
    requested_by = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField(help_text="This report's status URL")
    download_url = serializers.SerializerMethodField(help_text="The PDF, once the report is ready")
    deck_url = serializers.SerializerMethodField(
        help_text="The editable PowerPoint deck, once the report is ready (null for reports rendered before decks)"
    )

    class Meta:
        model = Report
        fields = [
            "id",
            "assessment",
            "organisation",
            "period",
            "status",
            "error",
            "rubric_version",
            "requested_by",
            "requested_at",
            "rendered_at",
            "checksum",
            "pages",
            "size",
            "url",
            "download_url",
            "deck_url",
        ]
        read_only_fields = fields

    def get_rubric_version(self, report: Report) -> str:
        return f"{report.rubric_version.rubric.key} v{report.rubric_version.version}"

    def get_requested_by(self, report: Report) -> str | None:
        return report.requested_by.username if report.requested_by else None

    def _absolute(self, path: str) -> str:
        request: Any = self.context.get("request")
        return request.build_absolute_uri(path) if request else path

    def get_url(self, report: Report) -> str:
        return self._absolute(reverse("api-report", kwargs={"id": report.pk}))

    def get_download_url(self, report: Report) -> str | None:
        if not report.is_ready:
            return None
        return self._absolute(reverse("api-report-pdf", kwargs={"id": report.pk}))

    def get_deck_url(self, report: Report) -> str | None:
        if not report.has_deck:
            return None
        return self._absolute(reverse("api-report-deck", kwargs={"id": report.pk}))


class ReportLinkSerializer(serializers.ModelSerializer):
    """A link sent to an outside address; the token itself is only ever in the email."""

    state = serializers.SerializerMethodField(help_text="active, expired or revoked")

    class Meta:
        model = ReportLink
        fields = [
            "id",
            "report",
            "email",
            "created_at",
            "expires_at",
            "revoked_at",
            "downloads",
            "last_downloaded_at",
            "state",
        ]
        read_only_fields = fields

    def get_state(self, link: ReportLink) -> str:
        return link.state(timezone.now())


class ReportSendSerializer(StrictSerializer):
    members = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        required=False,
        default=list,
        max_length=MAX_RECIPIENTS,
        help_text="User ids of members of the organisation: each gets an email with a link to sign in and read it",
    )
    emails = serializers.ListField(
        child=serializers.EmailField(max_length=254),
        required=False,
        default=list,
        max_length=MAX_RECIPIENTS,
        help_text="Outside addresses: each gets a download link of its own that expires and can be revoked",
    )
    days = serializers.IntegerField(
        min_value=1, max_value=MAX_LINK_DAYS, default=DEFAULT_LINK_DAYS, help_text="How long the links work"
    )


class DeliverySerializer(serializers.Serializer):
    report = serializers.IntegerField()
    members = serializers.ListField(child=serializers.IntegerField(), help_text="User ids emailed")
    links = ReportLinkSerializer(many=True)


class ReportBatchRequestSerializer(StrictSerializer):
    closed_from = serializers.DateField(help_text="First day of the period the assessments closed in (YYYY-MM-DD)")
    closed_to = serializers.DateField(help_text="Last day of the period, included (YYYY-MM-DD)")
    firm = serializers.IntegerField(
        min_value=1,
        max_value=MAX_ID,
        required=False,
        help_text="The firm whose clients are batched; may be left out by a member of exactly one firm.",
    )


class BatchReportSerializer(serializers.ModelSerializer):
    """One report of a batch: whose, how far along, and where to fetch it."""

    organisation = serializers.CharField(source="assessment.organisation.name", read_only=True)
    period = serializers.CharField(source="assessment.period", read_only=True)
    url = serializers.SerializerMethodField(help_text="This report's status URL")
    download_url = serializers.SerializerMethodField(help_text="The PDF, once the report is ready")

    class Meta:
        model = Report
        fields = ["id", "assessment", "organisation", "period", "status", "error", "url", "download_url"]
        read_only_fields = fields

    def _absolute(self, path: str) -> str:
        request: Any = self.context.get("request")
        return request.build_absolute_uri(path) if request else path

    def get_url(self, report: Report) -> str:
        return self._absolute(reverse("api-report", kwargs={"id": report.pk}))

    def get_download_url(self, report: Report) -> str | None:
        return self._absolute(reverse("api-report-pdf", kwargs={"id": report.pk})) if report.is_ready else None


class SkippedSerializer(serializers.Serializer):
    assessment = serializers.IntegerField()
    organisation = serializers.CharField()
    period = serializers.CharField()
    reason = serializers.ChoiceField(
        choices=["no_answers", "not_allowed", "throttled"],
        help_text="no_answers: nobody submitted answers; not_allowed: not yours to request; throttled: the "
        "organisation's render limit for the hour was used up",
    )
    message = serializers.CharField()


class ReportBatchSerializer(serializers.ModelSerializer):
    """A batch and its progress: `ready` of `total` reports, the failed ones with their error."""

    requested_by = serializers.SerializerMethodField()
    total = serializers.SerializerMethodField()
    ready = serializers.SerializerMethodField()
    failed = serializers.SerializerMethodField()
    unfinished = serializers.SerializerMethodField(help_text="Queued or rendering")
    finished = serializers.SerializerMethodField(help_text="True once every report is ready or failed")
    skipped = SkippedSerializer(many=True, read_only=True)
    reports = BatchReportSerializer(many=True, read_only=True)
    url = serializers.SerializerMethodField(help_text="This batch's status URL")

    class Meta:
        model = ReportBatch
        fields = [
            "id",
            "firm",
            "closed_from",
            "closed_to",
            "requested_by",
            "created_at",
            "total",
            "ready",
            "failed",
            "unfinished",
            "finished",
            "skipped",
            "reports",
            "url",
        ]
        read_only_fields = fields

    def get_requested_by(self, batch: ReportBatch) -> str | None:
        return batch.requested_by.username if batch.requested_by else None

    def get_total(self, batch: ReportBatch) -> int:
        return batch.progress().total

    def get_ready(self, batch: ReportBatch) -> int:
        return batch.progress().ready

    def get_failed(self, batch: ReportBatch) -> int:
        return batch.progress().failed

    def get_unfinished(self, batch: ReportBatch) -> int:
        return batch.progress().unfinished

    def get_finished(self, batch: ReportBatch) -> bool:
        return batch.progress().is_finished

    def get_url(self, batch: ReportBatch) -> str:
        request: Any = self.context.get("request")
        path = reverse("api-report-batch", kwargs={"id": batch.pk})
        return request.build_absolute_uri(path) if request else path
