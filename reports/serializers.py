"""The API's shape of a Report."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from rest_framework import serializers

from reports.models import Report


class ReportSerializer(serializers.ModelSerializer):
    organisation = serializers.IntegerField(source="assessment.organisation_id", read_only=True)
    period = serializers.CharField(source="assessment.period", read_only=True)
    rubric_version = serializers.SerializerMethodField()
    requested_by = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField(help_text="This report's status URL")
    download_url = serializers.SerializerMethodField(help_text="The PDF, once the report is ready")

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
