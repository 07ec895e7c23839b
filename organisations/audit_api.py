"""The firm's records over the API: its audit log, and the download of all of an organisation's data.

Both are for the firm's admins: a consultant of the firm gets 403, anyone outside it 404.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils import timezone
from django.utils.text import slugify
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, renderers
from rest_framework.request import Request
from rest_framework.views import APIView

from organisations import custody
from organisations.exceptions import JsonErrors
from organisations.filters import AuditEventFilter
from organisations.models import AuditEvent, Firm, Organisation
from organisations.permissions import FIRM_ADMIN, require_firm_admin, require_firm_role, visible_object
from organisations.serializers import AuditEventSerializer

ZIP = "application/zip"


class ZipRenderer(renderers.BaseRenderer):
    """Lets a client ask for application/zip; errors still go out as JSON."""

    media_type = ZIP
    format = "zip"
    charset = None

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> bytes:
        return renderers.JSONRenderer().render(data)


class OrganisationExport(JsonErrors, APIView):
    renderer_classes = [renderers.JSONRenderer, ZipRenderer]

    @extend_schema(
        responses={(200, ZIP): OpenApiResponse(OpenApiTypes.BINARY, description="A ZIP archive")},
        operation_id="organisations_export",
        summary="Download all of an organisation's data (GDPR arts. 15 and 20)",
        description=(
            "A ZIP of `organisation.json` (every kind of row, keyed by kind), `csv/<kind>.csv` (one per kind: "
            "organisations, memberships, assessments, targets, initiatives, invitations, reports, people, audit "
            "events, ...), `responses/<period>-<id>.csv` (each assessment's anonymous responses table, under the "
            "same rules as the responses export: answers are never exported as raw rows) and `files/` (the report "
            "PDFs). No secrets: link digests and passwords are left out, and no invitation is linked to its "
            "anonymous response. For the firm's admins; recorded in the audit log."
        ),
    )
    def get(self, request: Request, id: int) -> HttpResponse:
        organisation = visible_object(
            Organisation.objects.select_related("firm"), request.user, id, name="organisation"
        )
        require_firm_admin(request.user, organisation, action="download all of an organisation's data")
        content = custody.export_organisation(organisation=organisation, exported_by=request.user)
        name = slugify(organisation.name)[:60].strip("-") or "organisation"
        response = HttpResponse(content, content_type=ZIP)
        response["Content-Disposition"] = f'attachment; filename="{name}-{timezone.localdate():%Y-%m-%d}.zip"'
        return response


class FirmAuditLog(generics.ListAPIView):
    """The firm's audit log, newest first, 50 a page: who did what and when. For the firm's admins."""

    serializer_class = AuditEventSerializer
    filterset_class = AuditEventFilter

    def get_queryset(self) -> QuerySet[AuditEvent]:
        if getattr(self, "swagger_fake_view", False):
            return AuditEvent.objects.none()
        firm = visible_object(Firm.objects.all(), self.request.user, self.kwargs["id"], name="firm")
        require_firm_role(self.request.user, firm, FIRM_ADMIN, action="read the audit log")
        return AuditEvent.objects.filter(firm=firm).order_by("-at", "-id")

    @extend_schema(
        summary="The firm's audit log",
        description=(
            "Every recorded event of the firm, newest first, 50 a page: memberships and roles, invitations, "
            "rubric imports, assessments created, opened and closed, targets changed, reports requested and "
            "downloaded, exports, organisations deleted. Filter by `action` and by `organisation` (its id, "
            "which stays on the events after the organisation is deleted). Admins of the firm only."
        ),
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Any:
        return super().get(request, *args, **kwargs)
