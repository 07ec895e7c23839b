"""The survey API. Thin: validate, call one service, serialize.

Respondent endpoints are reached by the invitation token alone (no account, no session):
fetch the questionnaire of the respondent's group, save answers, submit. Invitation endpoints
are for consultants and leaders of the assessment's organisation.
"""

from __future__ import annotations

import functools
import json
from typing import Any

import django_filters
from django.core.exceptions import RequestDataTooBig
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponseBase
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.exceptions import Throttled
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from assessment import services as assessment_services
from assessment.filters import IdFilter
from assessment.models import Assessment
from assessment.services import AnswerInput
from organisations.errors import NotFound
from organisations.exceptions import UnprocessableFields, handle_exception
from organisations.parsers import JSONParser
from organisations.permissions import RUN, require_role, visible_object
from organisations.throttles import SurveyThrottle, record_bad_token, survey_wait
from outbox import services as outbox
from surveys import idempotency, services
from surveys.forms import MAX_LIST_BYTES
from surveys.models import Invitation
from surveys.queries import survey_of
from surveys.serializers import (
    ANSWERS_SCHEMA,
    AnswersSerializer,
    InvitationBatchSerializer,
    InvitationCreateSerializer,
    InvitationCsvSerializer,
    InvitationListSerializer,
    InvitationSerializer,
    PageSerializer,
    read_plain_answers,
)

IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    {"type": "string", "minLength": 1, "maxLength": idempotency.MAX_KEY_LENGTH, "pattern": idempotency.KEY_PATTERN},
    OpenApiParameter.HEADER,
    required=False,
    description="Replaying a key with the same body returns the first result; with another body, 409.",
)

SavedSerializer = inline_serializer(
    "SavedAnswers",
    {
        "saved": serializers.ListField(child=serializers.DictField()),
        "response_started": serializers.BooleanField(),
    },
)
SubmittedSerializer = inline_serializer(
    "SubmittedResponse", {"submitted_at": serializers.DateTimeField(), "late": serializers.BooleanField()}
)
QuestionnaireSerializer = inline_serializer(
    "Questionnaire",
    {
        "organisation": serializers.CharField(),
        "assessment": serializers.CharField(),
        "state": serializers.CharField(),
        "group": serializers.CharField(),
        "group_name": serializers.CharField(),
        "expires_at": serializers.DateTimeField(),
        "submitted": serializers.BooleanField(),
        "late": serializers.BooleanField(),
        "answered": serializers.IntegerField(),
        "required": serializers.IntegerField(),
        "resume_page": serializers.IntegerField(allow_null=True),
        "pages": PageSerializer(many=True),
    },
)


def respondent_invitation(request: HttpRequest, token: str, *, answering: bool = False) -> Invitation:
    """The invitation of a respondent's link; an unknown link is counted against the client's address."""
    try:
        return services.find_invitation(token=token, answering=answering)
    except NotFound:
        record_bad_token(request)
        raise


class RespondentView(APIView):
    """Authenticated by the invitation token in the path, and by nothing else."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    # Per link and per address, and stopped for an address after too many unknown links (THROTTLE_SURVEY_*).
    throttle_classes = [SurveyThrottle]

    def invitation(self, token: str, *, answering: bool = False) -> Invitation:
        return respondent_invitation(self.request, token, answering=answering)

    def idempotent(self, request: Request, invitation: Invitation, work: Any) -> Response:
        """Run `work()` once per Idempotency-Key (when the client sends one)."""
        key = request.headers.get("Idempotency-Key")
        if key is None:
            return work()
        key = idempotency.check_key(key)
        request_print = idempotency.fingerprint(request.method or "", request.path, request.data)
        stored = idempotency.replay(invitation=invitation, key=key, fingerprint=request_print)
        if stored is not None:
            return Response(stored.body, status=stored.status_code, headers={"Idempotent-Replayed": "true"})
        result = work()
        if 200 <= result.status_code < 300:
            # Stored as rendered, so a replay is byte for byte what the first request got.
            rendered = json.loads(JSONRenderer().render(result.data))
            idempotency.remember(
                invitation=invitation,
                key=key,
                fingerprint=request_print,
                status_code=result.status_code,
                body=rendered,
            )
        return result


class RespondentSurvey(RespondentView):
    @extend_schema(
        auth=[],
        responses={200: QuestionnaireSerializer},
        summary="The questionnaire of the respondent's group, with their saved answers",
    )
    def get(self, request: Request, token: str) -> Response:
        invitation = self.invitation(token)
        assessment = invitation.assessment
        _, survey = survey_of(assessment.rubric_version, invitation.group, invitation.response)
        names = {g["key"]: g["name"] for g in assessment.rubric_version.respondent_groups}
        response = invitation.response
        return Response(
            {
                "organisation": assessment.organisation.name,
                "assessment": assessment.title or assessment.period,
                "state": assessment.state,
                "group": invitation.group,
                "group_name": names.get(invitation.group, invitation.group),
                "expires_at": invitation.expires_at,
                "submitted": bool(response and response.is_submitted),
                "late": bool(response and response.late),
                "answered": survey.answered,
                "required": survey.required,
                "resume_page": survey.resume_page,
                "pages": PageSerializer(survey.pages, many=True).data,
            }
        )


class RespondentAnswers(RespondentView):
    @classmethod
    def as_view(cls, **initkwargs: Any) -> Any:
        """The view, with a shorter way for the common autosave: answers in plain JSON (`plain_answers`).

        Each answer a respondent chooses is one request, and most of the CPU of one went to the REST
        framework's request, negotiation, serializer and rendering. A request whose body `plain_answers`
        reads is throttled, looked up and saved here, in the view's own order, and its result or error
        rendered as the view renders it (`tests/surveys/test_plain_answers.py` sends the same requests both
        ways and compares status, headers and body). Anything else, and anything `plain_answers` is not
        sure of, goes to the view itself, before anything is counted or read.
        """
        full = super().as_view(**initkwargs)
        allow = ", ".join(cls(**initkwargs).allowed_methods)  # the Allow header the view sends

        # With what the URL resolver, CSRF and the schema generator read from DRF's view (cls, initkwargs,
        # view_class, csrf_exempt, the docstring).
        @functools.wraps(full)
        def view(request: HttpRequest, token: str) -> HttpResponseBase:
            answers = plain_answers(request)
            if answers is None:
                return full(request, token=token)
            return _save_plain(request, token, answers, allow=allow)

        return view

    @extend_schema(
        auth=[],
        request=ANSWERS_SCHEMA,
        responses={200: SavedSerializer},
        parameters=[IDEMPOTENCY_KEY],
        summary="Save one answer, or several under 'answers' (an upsert: saving again changes nothing)",
    )
    def post(self, request: Request, token: str) -> Response:
        invitation = self.invitation(token, answering=True)
        given = AnswersSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        return self.idempotent(request, invitation, lambda: Response(saved_answers(invitation, given.answer_inputs())))


def saved_answers(invitation: Invitation, answers: list[AnswerInput]) -> dict[str, Any]:
    """Save the answers of the invitation's respondent (starting their response at the first); what was saved."""
    started = invitation.response is None
    response = services.begin_response(invitation=invitation)
    saved = assessment_services.save_answers(response=response, answers=answers)
    return {
        "saved": [
            {
                "criterion": item.criterion,
                "option": item.option if answer.option_id else None,
                "not_applicable": answer.not_applicable,
                "text": answer.text,
                "comment": answer.comment,
            }
            for item, answer in zip(answers, saved, strict=True)
        ],
        "response_started": started,
    }


# --- the plain autosave ------------------------------------------------------------------------

PLAIN_CONTENT_TYPES = frozenset(
    {"application/json", "application/json; charset=utf-8", "application/json;charset=utf-8"}
)
PLAIN_ACCEPT = frozenset({None, "", "*/*", "application/json"})


def plain_answers(request: HttpRequest) -> list[AnswerInput] | None:
    """The answers of a request as the view reads them, when the request is the plain autosave; else None.

    Plain: a POST without an Idempotency-Key, JSON accepted and sent as UTF-8, and a body that
    `serializers.read_plain_answers` reads. Anything else is None, before anything is counted or stored.
    """
    meta = request.META
    if (
        request.method != "POST"
        or "HTTP_IDEMPOTENCY_KEY" in meta
        or meta.get("CONTENT_TYPE", "").lower() not in PLAIN_CONTENT_TYPES
        or meta.get("HTTP_ACCEPT") not in PLAIN_ACCEPT
    ):
        return None
    try:
        body = request.body
    except RequestDataTooBig:
        return None
    return read_plain_answers(body)


def _save_plain(request: HttpRequest, token: str, answers: list[AnswerInput], *, allow: str) -> HttpResponseBase:
    """RespondentAnswers.post for plain answers: throttled, looked up, saved, or the view's error."""
    try:
        wait = survey_wait(request, token)
        if wait is not None:
            raise Throttled(wait)
        invitation = respondent_invitation(request, token, answering=True)
        response = Response(saved_answers(invitation, answers))
    except Exception as exc:
        handled = handle_exception(exc, {"view": None, "args": (), "kwargs": {"token": token}, "request": request})
        if handled is None:
            raise
        response = handled
    # As APIView.finalize_response does, for the one renderer the API has.
    response.accepted_renderer = JSONRenderer()
    response.accepted_media_type = "application/json"
    response.renderer_context = {"request": request, "response": response}
    response["Allow"] = allow
    return response


class RespondentSubmit(RespondentView):
    @extend_schema(
        auth=[],
        request=None,
        responses={200: SubmittedSerializer},
        parameters=[IDEMPOTENCY_KEY],
        summary="Submit the response, once; afterwards it is read-only (late if the assessment closed)",
    )
    def post(self, request: Request, token: str) -> Response:
        invitation = self.invitation(token, answering=True)

        def work() -> Response:
            response = services.begin_response(invitation=invitation)
            submitted = assessment_services.submit_response(response=response)
            return Response({"submitted_at": submitted.submitted_at, "late": submitted.late})

        return self.idempotent(request, invitation, work)


# --- invitations ------------------------------------------------------------------------------


def _assessment(request: Request, assessment_id: Any) -> Assessment:
    assessment = visible_object(
        Assessment.objects.select_related("organisation", "rubric_version"),
        request.user,
        assessment_id,
        name="assessment",
    )
    require_role(request.user, assessment.organisation, RUN, action="invite respondents")
    return assessment


class InvitationFilter(django_filters.FilterSet):
    assessment = IdFilter(
        method="of_assessment",
        help_text="One assessment's invitations; 404 for an assessment outside your organisations, as for none.",
    )
    group = django_filters.CharFilter(max_length=80, help_text="One respondent group's invitations.")

    class Meta:
        model = Invitation
        fields = ["assessment", "group"]

    def of_assessment(self, queryset: QuerySet[Invitation], name: str, value: int) -> QuerySet[Invitation]:
        # Another firm's assessment is "not found", exactly like one that does not exist: an empty
        # list for one and an error for the other would tell which ids exist.
        assessment = visible_object(Assessment.objects.all(), self.request.user, value, name="assessment")
        return queryset.filter(assessment=assessment)


class InvitationList(generics.ListAPIView):
    """Invitations of the assessments the caller may invite to (GET); invite one person (POST)."""

    serializer_class = InvitationSerializer
    filterset_class = InvitationFilter

    def get_queryset(self) -> QuerySet[Invitation]:
        if getattr(self, "swagger_fake_view", False):
            return Invitation.objects.none()
        return (
            Invitation.objects.manageable_by(self.request.user)
            .select_related("response")
            .annotate(email_queued=outbox.waiting(services.INVITATION_EMAIL))
            .order_by("id")
        )

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "now": timezone.now()}

    @extend_schema(request=InvitationCreateSerializer, responses={201: InvitationSerializer})
    def post(self, request: Request) -> Response:
        given = InvitationCreateSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        assessment = _assessment(request, data.pop("assessment"))
        invitation = services.invite(assessment=assessment, invited_by=request.user, **data)
        return Response(InvitationSerializer(invitation).data, status=status.HTTP_201_CREATED)


class InvitationUpload(APIView):
    """Invite a list: CSV lines of email, name, respondent group; all or nobody, problems by line."""

    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(
        request={
            "application/json": InvitationCsvSerializer,
            "multipart/form-data": InvitationListSerializer,
            "application/x-www-form-urlencoded": InvitationCsvSerializer,
        },
        responses={201: InvitationBatchSerializer},
    )
    def post(self, request: Request) -> Response:
        given = InvitationListSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        assessment = _assessment(request, given.validated_data["assessment"])
        upload = given.validated_data.get("file")
        if upload is not None:
            if upload.size > MAX_LIST_BYTES:
                raise serializers.ValidationError({"file": ["The file is larger than 1 MB; split the list."]})
            try:
                text = upload.read().decode("utf-8-sig")
            except UnicodeDecodeError:
                message = "The file is not UTF-8 text (CSV)."
                raise UnprocessableFields(message, fields={"file": [message]}) from None
        else:
            text = given.validated_data.get("csv", "")
        batch = services.invite_many(assessment=assessment, csv_text=text, invited_by=request.user)
        return Response(InvitationBatchSerializer(batch).data, status=status.HTTP_201_CREATED)


class InvitationView(APIView):
    def invitation(self, request: Request, id: int) -> Invitation:
        invitation = visible_object(
            Invitation.objects.select_related("assessment__organisation", "response"),
            request.user,
            id,
            name="invitation",
        )
        require_role(request.user, invitation.assessment.organisation, RUN, action="manage invitations")
        return invitation


class InvitationDetail(InvitationView):
    @extend_schema(responses={200: InvitationSerializer})
    def get(self, request: Request, id: int) -> Response:
        return Response(InvitationSerializer(self.invitation(request, id)).data)


class InvitationResend(InvitationView):
    @extend_schema(request=None, responses={200: InvitationSerializer}, summary="Send the same link again")
    def post(self, request: Request, id: int) -> Response:
        invitation = services.resend_invitation(invitation=self.invitation(request, id))
        return Response(InvitationSerializer(invitation).data)


class InvitationRevoke(InvitationView):
    @extend_schema(request=None, responses={200: InvitationSerializer}, summary="Make the link stop working")
    def post(self, request: Request, id: int) -> Response:
        invitation = services.revoke_invitation(invitation=self.invitation(request, id))
        return Response(InvitationSerializer(invitation).data)
