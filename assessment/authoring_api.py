"""The rubric authoring API: a firm's drafts (assessment/authoring.py), under /api/v1/rubric-drafts/.

A firm's members (admins and consultants) see and change their firm's drafts; anyone else gets
404 for a draft, as for anything outside their firms. A document with problems is refused with
each problem located (`fields.document`, 422 as for an import) and nothing stored changes.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from assessment import authoring
from assessment.models import Assessment, RubricDraft, RubricVersion
from assessment.rubric import RubricInvalid
from assessment.serializers import RubricVersionSerializer, id_field
from organisations.errors import InvalidInput, Unprocessable
from organisations.exceptions import UnprocessableFields
from organisations.openapi import ANY_TEXT
from organisations.permissions import FIRM_MEMBER, acting_firm, require_firm_role, visible_object
from organisations.serializers import StrictSerializer

MAX_DOCUMENT = 2_000_000
# How deep the JSON form of a document is described: the document, its dimensions, two levels of
# sub-groups, their criteria and anchors. A document nested deeper is sent as YAML text. (Each level
# described makes the schema, and the documents a fuzzer builds from it, much larger.)
DOCUMENT_DEPTH = 5
SCALARS = ["string", "number", "boolean", "null"]
KEY_TEXT = {"type": "string", "pattern": ANY_TEXT}


def _flat() -> dict[str, Any]:
    """A text, number, flag or null, or a mapping of them (a dimension's `levels`)."""
    return {
        "type": [*SCALARS, "object"],
        "pattern": ANY_TEXT,
        "propertyNames": KEY_TEXT,
        "additionalProperties": {"type": SCALARS, "pattern": ANY_TEXT},
    }


def _mapping(depth: int) -> dict[str, Any]:
    """A mapping of the document (the document, a dimension, a criterion...), or a value in a list:
    each of its values is a value, a flat mapping, or a list of such mappings."""
    if depth == 0:
        return _flat()
    value = {
        "type": [*SCALARS, "object", "array"],
        "pattern": ANY_TEXT,
        "propertyNames": KEY_TEXT,
        "additionalProperties": {"type": SCALARS, "pattern": ANY_TEXT},
        "items": _mapping(depth - 1),
    }
    return {"type": [*SCALARS, "object"], "pattern": ANY_TEXT, "propertyNames": KEY_TEXT, "additionalProperties": value}


DOCUMENT_SCHEMA = {
    **_mapping(DOCUMENT_DEPTH),
    "type": ["string", "object"],
    "description": (
        "The rubric document (docs/rubric-format.md): YAML text, or the same document as a JSON object "
        "(a dimension's `levels` keyed by level numbers written as strings; sub-groups more than two "
        "levels deep: send YAML text)."
    ),
    "maxLength": MAX_DOCUMENT,
}


@extend_schema_field(DOCUMENT_SCHEMA)
class DocumentField(serializers.Field):
    """A rubric document, as YAML text or as a JSON object; its content is judged by the rubric parser."""

    default_error_messages = {"invalid": "Send the rubric as YAML text or as a JSON object.", "long": "Too long."}

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, str):
            if len(data) > MAX_DOCUMENT:
                self.fail("long")
            return data
        if isinstance(data, dict):
            return data
        self.fail("invalid")

    def to_representation(self, value: Any) -> Any:
        return value


class RubricDraftCreateSerializer(StrictSerializer):
    source = id_field(required=False, help_text="The rubric version to copy: a built-in or one of the firm's.")
    document = DocumentField(required=False, help_text="Or a rubric document to start from.")
    firm = id_field(required=False, help_text="The firm the draft belongs to; a member of one firm may leave it out.")


class RubricDraftEditSerializer(StrictSerializer):
    document = DocumentField(help_text="The whole document; it replaces the draft's.")


class VersionRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    key = serializers.CharField()
    version = serializers.IntegerField()
    built_in = serializers.BooleanField()


def _version_ref(version: RubricVersion | None) -> dict[str, Any] | None:
    if version is None:
        return None
    return {
        "id": version.pk,
        "key": version.rubric.key,
        "version": version.version,
        "built_in": version.rubric.is_built_in,
    }


class RubricDraftSummarySerializer(serializers.Serializer):
    """A draft in a list: what it is and where it came from (its document: GET the draft)."""

    id = serializers.IntegerField()
    firm = serializers.IntegerField(source="firm_id")
    name = serializers.SerializerMethodField()
    source = serializers.SerializerMethodField(help_text="The version the draft started from.")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    def get_name(self, draft: RubricDraft) -> str:
        return str(draft.document.get("name", ""))

    @extend_schema_field(VersionRefSerializer(allow_null=True))
    def get_source(self, draft: RubricDraft) -> dict[str, Any] | None:
        return _version_ref(draft.source)


class RubricDraftSerializer(RubricDraftSummarySerializer):
    """A draft whole: the summary's fields, the version it would follow, and its document."""

    follows = serializers.SerializerMethodField(help_text="The version publishing it would follow.")
    document = serializers.JSONField(help_text="The rubric document, in its canonical form.")

    @extend_schema_field(VersionRefSerializer(allow_null=True))
    def get_follows(self, draft: RubricDraft) -> dict[str, Any] | None:
        return _version_ref(authoring.follows(draft))


class PreviewOptionSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    statement = serializers.CharField(help_text="What the respondent reads: the anchor, else the label.")


class PreviewQuestionSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    key = serializers.CharField()
    text = serializers.CharField()
    description = serializers.CharField()
    kind = serializers.CharField()
    group = serializers.CharField(help_text="The sub-group it sits in; empty directly under the dimension.")
    options = PreviewOptionSerializer(many=True)
    not_applicable = serializers.CharField()


class PreviewSectionSerializer(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField()
    questions = PreviewQuestionSerializer(many=True)


class PreviewSerializer(serializers.Serializer):
    group_key = serializers.CharField()
    group_name = serializers.CharField()
    question_count = serializers.IntegerField()
    sections = PreviewSectionSerializer(many=True)


class ChangeSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["rubric", "dimension", "group", "criterion", "recommendation"])
    key = serializers.CharField()
    change = serializers.ChoiceField(choices=["added", "removed", "changed", "moved", "replaced"])
    fields = serializers.ListField(child=serializers.CharField(), help_text="The fields that changed.")
    replaces = serializers.ListField(child=serializers.CharField(), help_text="The old keys it takes over.")
    where = serializers.CharField(help_text="The dimension or sub-group it is in.")
    sentence = serializers.CharField(help_text="Its name, text or title, for a reader.")


class DiffSerializer(serializers.Serializer):
    follows = VersionRefSerializer(allow_null=True)
    changes = ChangeSerializer(many=True)


def _drafts() -> QuerySet[RubricDraft]:
    return RubricDraft.objects.select_related("firm", "source__rubric", "family")


def _draft(request: Request, id: Any) -> RubricDraft:
    """A draft of one of the caller's firms (404 otherwise)."""
    draft = visible_object(_drafts(), request.user, id, name="rubric draft")
    require_firm_role(request.user, draft.firm, FIRM_MEMBER, action="write rubrics")
    return draft


def _invalid(exc: RubricInvalid, what: str) -> UnprocessableFields:
    problems = len(exc.errors)
    return UnprocessableFields(
        f"The rubric has {problems} problem{'s' if problems != 1 else ''}; {what}.", fields={"document": exc.errors}
    )


class RubricDraftList(generics.ListAPIView):
    """The drafts of the caller's firms (GET); a firm member starts one (POST)."""

    serializer_class = RubricDraftSummarySerializer

    def get_queryset(self) -> QuerySet[RubricDraft]:
        return _drafts().visible_to(self.request.user).order_by("-updated_at", "-pk")

    @extend_schema(
        request=RubricDraftCreateSerializer,
        responses={201: RubricDraftSerializer},
        summary="Start a rubric draft",
        description=(
            "Copy a rubric version (`source`: a built-in or one of the firm's) or start from a document "
            "(`document`: YAML text or a JSON object), into a draft of the firm's. Give one of the two "
            "(422 otherwise). A draft of a built-in publishes as the firm's own rubric, under the firm's "
            "key; a draft of the firm's rubric as its next version. Drafts are never used by assessments."
        ),
    )
    def post(self, request: Request) -> Response:
        given = RubricDraftCreateSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        firm = acting_firm(request.user, data.get("firm"), action="write rubrics")
        require_firm_role(request.user, firm, FIRM_MEMBER, action="write rubrics")
        if ("source" in data) == ("document" in data):
            raise Unprocessable("Give either `source`, the version to start from, or `document`.", field="source")
        try:
            draft = authoring.start_draft(
                firm=firm, source=data.get("source"), document=data.get("document"), created_by=request.user
            )
        except RubricInvalid as exc:
            raise _invalid(exc, "no draft was started") from exc
        return Response(RubricDraftSerializer(_drafts().get(pk=draft.pk)).data, status=status.HTTP_201_CREATED)


class RubricDraftDetail(APIView):
    @extend_schema(responses={200: RubricDraftSerializer}, summary="A rubric draft with its document")
    def get(self, request: Request, id: int) -> Response:
        return Response(RubricDraftSerializer(_draft(request, id)).data)

    @extend_schema(
        request=RubricDraftEditSerializer,
        responses={200: RubricDraftSerializer},
        summary="Replace a rubric draft's document",
        description=(
            "The whole document, validated as an import is: a document with problems is refused (422) "
            "with every problem located in `fields.document`, and the draft stays as it was."
        ),
    )
    def put(self, request: Request, id: int) -> Response:
        draft = _draft(request, id)
        given = RubricDraftEditSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        try:
            authoring.edit_draft(draft, given.validated_data["document"])
        except RubricInvalid as exc:
            raise _invalid(exc, "the draft was not changed") from exc
        return Response(RubricDraftSerializer(_drafts().get(pk=draft.pk)).data)

    @extend_schema(responses={204: None}, summary="Delete a rubric draft")
    def delete(self, request: Request, id: int) -> Response:
        authoring.delete_draft(_draft(request, id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class RubricDraftPreview(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter(
                "group",
                OpenApiTypes.STR,
                description="The respondent group's key (required when the rubric has groups; 422 if unknown).",
                pattern=r"^[a-z0-9][a-z0-9_-]{0,79}$",
            )
        ],
        responses={200: PreviewSerializer},
        summary="Preview a rubric draft as a respondent group",
        description="The questions a respondent of the group would be asked, in order, with their answer options.",
    )
    def get(self, request: Request, id: int) -> Response:
        draft = _draft(request, id)
        group = request.query_params.get("group")
        try:
            shown = authoring.preview(draft, group)
        except InvalidInput as exc:
            # The group a rubric has depends on the draft's content: a rule of stored data (422).
            raise Unprocessable(exc.message, field="group") from exc
        return Response(PreviewSerializer(shown).data)


class RubricDraftDiff(APIView):
    @extend_schema(
        responses={200: DiffSerializer},
        summary="What a rubric draft changes",
        description=(
            "Against the version it would follow: the rubric's own fields, dimensions and sub-groups, "
            "criteria and recommendations, each added, removed, changed (naming the fields), moved, or "
            "replaced (a new key whose `replaces` names old ones, which are then not listed as removed)."
        ),
    )
    def get(self, request: Request, id: int) -> Response:
        changes = authoring.diff(_draft(request, id))
        return Response(DiffSerializer({"follows": _version_ref(changes.follows), "changes": changes.changes}).data)


class RubricDraftPublish(APIView):
    @extend_schema(
        request=None,
        responses={201: RubricVersionSerializer},
        summary="Publish a rubric draft as the next version",
        description=(
            "Imports the draft as the next version of the firm's rubric (as POST /rubrics/ does, with its "
            "audit log entry) and deletes the draft. Content identical to a stored version is refused (409); "
            "a document the rubric it follows no longer accepts, 422."
        ),
    )
    def post(self, request: Request, id: int) -> Response:
        draft = _draft(request, id)
        try:
            version = authoring.publish(draft, published_by=request.user)
        except RubricInvalid as exc:
            raise _invalid(exc, "nothing was published") from exc
        used = Assessment.objects.filter(rubric_version=OuterRef("pk"))
        published = RubricVersion.objects.select_related("rubric").annotate(frozen=Exists(used)).get(pk=version.pk)
        return Response(RubricVersionSerializer(published).data, status=status.HTTP_201_CREATED)
