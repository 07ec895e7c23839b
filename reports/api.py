"""The reports API: request a render (202), follow its status, list, download. Members of the organisation only."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, renderers, status
from rest_framework.exceptions import Throttled
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from assessment.models import Assessment
from organisations.exceptions import JsonErrors
from organisations.models import Organisation
from organisations.permissions import FIRM_MEMBER, RUN, acting_firm, require_firm_role, require_role, visible_object
from organisations.throttles import ReportRenderThrottle
from reports import delivery, services
from reports.batches import ReportBatch
from reports.deck import MEDIA_TYPE as DECK_MEDIA_TYPE
from reports.models import Report, ReportLink
from reports.serializers import (
    DeliverySerializer,
    ReportBatchRequestSerializer,
    ReportBatchSerializer,
    ReportLinkSerializer,
    ReportSendSerializer,
    ReportSerializer,
)


def _reports() -> QuerySet[Report]:
    return Report.objects.select_related("assessment", "rubric_version__rubric", "requested_by")


class PdfRenderer(renderers.BaseRenderer):
    """Lets a client ask for application/pdf; errors still go out as JSON."""

    media_type = "application/pdf"
    format = "pdf"
    charset = None

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> bytes:
        return renderers.JSONRenderer().render(data)


class PptxRenderer(PdfRenderer):
    """Lets a client ask for the deck's media type; errors still go out as JSON."""

    media_type = DECK_MEDIA_TYPE
    format = "pptx"


class AssessmentReportList(generics.ListAPIView):
    """An assessment's reports, newest first (GET); request a new one (POST: 202 with its status URL)."""

    serializer_class = ReportSerializer
    # Renders per organisation per hour (THROTTLE_REPORT_RENDERS); reading the list is not counted.
    throttle_classes = [ReportRenderThrottle]

    def assessment(self) -> Assessment:
        return visible_object(
            Assessment.objects.all(), self.request.user, self.kwargs["assessment_id"], name="assessment"
        )

    def get_queryset(self) -> QuerySet[Report]:
        if getattr(self, "swagger_fake_view", False):
            return Report.objects.none()
        return _reports().filter(assessment=self.assessment())

    @extend_schema(
        request=None,
        responses={202: ReportSerializer},
        summary="Request a new report",
        description="For the organisation's consultants and leaders (a viewer gets 403). Renders are limited "
        "per organisation per hour: over the limit, 429 with Retry-After.",
    )
    def post(self, request: Request, assessment_id: int) -> Response:
        assessment = self.assessment()
        require_role(request.user, assessment.organisation, RUN, action="request reports")
        report = services.request_report(assessment=assessment, requested_by=request.user)
        report = _reports().get(pk=report.pk)
        body = ReportSerializer(report, context={"request": request}).data
        return Response(body, status=status.HTTP_202_ACCEPTED, headers={"Location": body["url"]})


class OrganisationReportList(generics.ListAPIView):
    """Every report of an organisation's assessments, newest first."""

    serializer_class = ReportSerializer

    def get_queryset(self) -> QuerySet[Report]:
        if getattr(self, "swagger_fake_view", False):
            return Report.objects.none()
        organisation = visible_object(
            Organisation.objects.all(), self.request.user, self.kwargs["organisation_id"], name="organisation"
        )
        return _reports().filter(assessment__organisation=organisation)


class ReportDetail(generics.RetrieveAPIView):
    """One report's status: queued, rendering, ready (with its download URL) or failed (with the error)."""

    serializer_class = ReportSerializer
    queryset = Report.objects.none()

    def get_object(self) -> Report:
        return visible_object(_reports(), self.request.user, self.kwargs["id"], name="report")


class ReportPdf(JsonErrors, APIView):
    """The report's PDF, exactly as it was delivered; an error is JSON, whatever the client accepts."""

    renderer_classes = [renderers.JSONRenderer, PdfRenderer]

    @extend_schema(
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="The PDF"),
            409: OpenApiResponse(description="Not ready yet: queued, rendering or failed."),
        },
        summary="Download a ready report's PDF",
    )
    def get(self, request: Request, id: int) -> FileResponse:
        report = visible_object(_reports(), request.user, id, name="report")
        pdf = services.open_report(report=report, downloaded_by=request.user)
        return FileResponse(pdf, as_attachment=True, filename=report.filename, content_type="application/pdf")


class ReportDeck(JsonErrors, APIView):
    """The report's editable PowerPoint deck, laid out from the same snapshot as its PDF."""

    renderer_classes = [renderers.JSONRenderer, PptxRenderer]

    @extend_schema(
        responses={
            (200, DECK_MEDIA_TYPE): OpenApiResponse(OpenApiTypes.BINARY, description="The deck"),
            404: OpenApiResponse(description="No such report, or one rendered before reports came with a deck."),
            409: OpenApiResponse(description="Not ready yet: queued, rendering or failed."),
        },
        summary="Download a ready report's PowerPoint deck",
    )
    def get(self, request: Request, id: int) -> FileResponse:
        report = visible_object(_reports(), request.user, id, name="report")
        deck = services.open_report(report=report, downloaded_by=request.user, deck=True)
        return FileResponse(deck, as_attachment=True, filename=report.deck_filename, content_type=DECK_MEDIA_TYPE)


class ReportSend(APIView):
    """Send a ready report by email to members of its organisation and to outside addresses."""

    @extend_schema(
        request=ReportSendSerializer,
        responses={202: DeliverySerializer},
        summary="Send a ready report",
        description="For the organisation's consultants and leaders (a viewer gets 403). Members get a link to "
        "sign in and read it; each outside address gets a download link of its own that expires after `days` "
        "and can be revoked. The emails are queued; 409 while the report is not ready.",
    )
    def post(self, request: Request, id: int) -> Response:
        report = visible_object(_reports().select_related("assessment__organisation"), request.user, id, name="report")
        require_role(request.user, report.assessment.organisation, RUN, action="send reports")
        given = ReportSendSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        sent = delivery.send_report(
            report=report, sent_by=request.user, member_ids=data["members"], emails=data["emails"], days=data["days"]
        )
        body = {
            "report": report.pk,
            "members": [m.pk for m in sent.members],
            "links": ReportLinkSerializer(sent.links, many=True).data,
        }
        return Response(body, status=status.HTTP_202_ACCEPTED)


class ReportLinkList(generics.ListAPIView):
    """The links a report was sent with, newest first: who, until when, downloads, revoked."""

    serializer_class = ReportLinkSerializer

    def get_queryset(self) -> QuerySet[ReportLink]:
        if getattr(self, "swagger_fake_view", False):
            return ReportLink.objects.none()
        report = visible_object(
            _reports().select_related("assessment__organisation"), self.request.user, self.kwargs["id"], name="report"
        )
        # Who a report went to outside the organisation is for those who send it, not its viewers.
        require_role(self.request.user, report.assessment.organisation, RUN, action="see who a report was sent to")
        return ReportLink.objects.filter(report=report)


class ReportLinkRevoke(APIView):
    @extend_schema(
        request=None,
        responses={200: ReportLinkSerializer},
        summary="Make a sent link stop working",
        description="From then on the link answers 410. For consultants and leaders; revoking twice is harmless.",
    )
    def post(self, request: Request, id: int) -> Response:
        link = visible_object(
            ReportLink.objects.select_related("report__assessment__organisation"), request.user, id, name="link"
        )
        require_role(request.user, link.report.assessment.organisation, RUN, action="revoke report links")
        return Response(ReportLinkSerializer(delivery.revoke_link(link=link, revoked_by=request.user)).data)


class ReportBatchCreate(APIView):
    @extend_schema(
        request=ReportBatchRequestSerializer,
        responses={201: ReportBatchSerializer},
        summary="Request the roadmaps of every client whose assessment closed in a period",
        description="For the firm's admins and consultants (a client's leader or viewer gets 403). Each "
        "assessment of the firm's clients closed between `closed_from` and `closed_to` (both included) gets a "
        "report, rendered in the background; those with no submitted answers are skipped and listed with the "
        "reason. A batch counts once per client against the render limit per organisation; a client over it "
        "is skipped, and if every client is, 429 with Retry-After. Nothing to request: 422, and no batch.",
    )
    def post(self, request: Request) -> Response:
        given = ReportBatchRequestSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        firm = acting_firm(request.user, data.get("firm"), action="request reports in batches")
        require_firm_role(request.user, firm, FIRM_MEMBER, action="request reports in batches")
        try:
            batch = services.request_batch(
                firm=firm, closed_from=data["closed_from"], closed_to=data["closed_to"], requested_by=request.user
            )
        except services.BatchThrottled as exc:
            raise Throttled(wait=exc.wait, detail=exc.message) from exc
        body = ReportBatchSerializer(
            ReportBatch.objects.with_reports().get(pk=batch.pk), context={"request": request}
        ).data
        return Response(body, status=status.HTTP_201_CREATED, headers={"Location": body["url"]})


class ReportBatchDetail(generics.RetrieveAPIView):
    """A batch's progress: how many of its reports are ready, which failed and why, what was skipped."""

    serializer_class = ReportBatchSerializer
    queryset = ReportBatch.objects.none()

    def get_object(self) -> ReportBatch:
        return visible_object(
            ReportBatch.objects.with_reports(), self.request.user, self.kwargs["id"], name="batch of reports"
        )
