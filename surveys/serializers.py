"""API input and output shapes of the survey: answers, the questionnaire, invitations."""

from __future__ import annotations

import datetime
import json
import re
from typing import Any

from django.utils import timezone
from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema_field
from rest_framework import serializers

from assessment.services import MAX_COMMENT, AnswerInput
from organisations.permissions import MAX_ID
from organisations.serializers import SingleLineField, StrictSerializer
from surveys.models import Invitation

MAX_ANSWERS = 500


class AnswerSerializer(StrictSerializer):
    """One answer: `option` is an option's key (text, e.g. "3"), `not_applicable` true or false; keys and
    types other than these are refused (400), as everywhere in the API."""

    shallow_field_copies = True

    criterion = SingleLineField(max_length=80)
    option = SingleLineField(max_length=80, required=False, allow_null=True, default=None)
    not_applicable = serializers.BooleanField(required=False, default=False)
    text = serializers.CharField(max_length=MAX_COMMENT, required=False, allow_blank=True, default="")
    comment = serializers.CharField(max_length=MAX_COMMENT, required=False, allow_blank=True, default="")


class AnswersSerializer(StrictSerializer):
    """One answer, or several under "answers"; saved all or none."""

    shallow_field_copies = True

    answers = AnswerSerializer(many=True, required=False)
    criterion = SingleLineField(max_length=80, required=False)
    option = SingleLineField(max_length=80, required=False, allow_null=True)
    not_applicable = serializers.BooleanField(required=False)
    text = serializers.CharField(max_length=MAX_COMMENT, required=False, allow_blank=True)
    comment = serializers.CharField(max_length=MAX_COMMENT, required=False, allow_blank=True)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "answers" in attrs and "criterion" in attrs:
            raise serializers.ValidationError("Send either one answer or a list under 'answers', not both.")
        if "answers" not in attrs and "criterion" not in attrs:
            raise serializers.ValidationError({"answers": ["Send at least one answer."]})
        if "answers" in attrs:
            if not attrs["answers"]:
                raise serializers.ValidationError({"answers": ["Send at least one answer."]})
            if len(attrs["answers"]) > MAX_ANSWERS:
                raise serializers.ValidationError({"answers": [f"Send at most {MAX_ANSWERS} answers at once."]})
        return attrs

    def answer_inputs(self) -> list[AnswerInput]:
        data = self.validated_data
        items = data.get("answers", [data])
        return [
            AnswerInput(
                criterion=item["criterion"],
                option=item.get("option"),
                not_applicable=item.get("not_applicable", False),
                text=item.get("text", ""),
                comment=item.get("comment", ""),
            )
            for item in items
        ]


class AnswerListSerializer(StrictSerializer):
    """Several answers at once (the schema's second form of AnswersSerializer)."""

    answers = serializers.ListField(child=AnswerSerializer(), min_length=1, max_length=MAX_ANSWERS)


# --- the plain autosave ------------------------------------------------------------------------

# A criterion's or an option's key as the rubrics write them: no space, no control character, nothing
# the single-line field would refuse or trim.
PLAIN_KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,79}")
ANSWER_FIELDS = frozenset({"criterion", "option", "not_applicable", "text", "comment"})


def _no_constant(name: str) -> Any:
    raise ValueError(name)


def read_plain_answers(body: bytes) -> list[AnswerInput] | None:
    """The answers of a body exactly as `AnswersSerializer` reads them, when it is sure to accept them; else None.

    Each autosaved answer is one request, and the serializer was most of its CPU. Read here: UTF-8 JSON
    of one answer or a list of 1 to MAX_ANSWERS under "answers", each of the fields the serializer
    knows and of its type, keys as the rubrics write them (PLAIN_KEY), texts within MAX_COMMENT, of
    printable characters and without spaces at their ends: nothing the serializer or the API's JSON
    parser would refuse, trim or convert. Anything else is None, and goes to the serializer, which
    says what is wrong (`tests/surveys/test_plain_answers.py` compares the two on generated bodies).
    """
    try:
        data = json.loads(body.decode("utf-8"), parse_constant=_no_constant)
    except (ValueError, RecursionError):  # not UTF-8, not JSON, NaN or Infinity, nested too deeply
        return None
    if type(data) is not dict:
        return None
    if "criterion" in data:
        answer = _plain_answer(data)
        return None if answer is None else [answer]
    items = data.get("answers")
    if len(data) != 1 or type(items) is not list or not 1 <= len(items) <= MAX_ANSWERS:
        return None
    answers = []
    for item in items:
        answer = _plain_answer(item) if type(item) is dict else None
        if answer is None:
            return None
        answers.append(answer)
    return answers


def _plain_answer(data: dict[str, Any]) -> AnswerInput | None:
    if "criterion" not in data or not ANSWER_FIELDS.issuperset(data):
        return None
    criterion, option = data["criterion"], data.get("option")
    not_applicable, text, comment = data.get("not_applicable", False), data.get("text", ""), data.get("comment", "")
    if type(criterion) is not str or not PLAIN_KEY.fullmatch(criterion):
        return None
    if option is not None and (type(option) is not str or not PLAIN_KEY.fullmatch(option)):
        return None
    if type(not_applicable) is not bool:
        return None
    for value in (text, comment):
        if type(value) is not str or len(value) > MAX_COMMENT or not value.isprintable() or value != value.strip():
            return None
    return AnswerInput(criterion=criterion, option=option, not_applicable=not_applicable, text=text, comment=comment)


# The request body as the schema states it: one answer, or a list of 1 to MAX_ANSWERS under
# "answers", never both (AnswersSerializer.validate enforces the same).
ANSWERS_SCHEMA = PolymorphicProxySerializer(
    component_name="Answers",
    serializers=[AnswerSerializer, AnswerListSerializer],
    resource_type_field_name=None,
)


class InvitationSerializer(serializers.ModelSerializer):
    """What inviters see of an invitation: how far the respondent got, never what they answered, and
    no time finer than a day that follows the respondent (PRODUCT.md: Anonymity rules)."""

    status = serializers.SerializerMethodField(
        help_text="invited, started, submitted, expired or revoked: progress only, never when."
    )
    # Reminders go only to those who have not submitted, so the time of the last email would tell
    # to the minute when someone submitted: the day is enough to see that a reminder went out.
    last_emailed_on = serializers.SerializerMethodField(
        help_text="The day the last invitation or reminder email went out (no time of day)."
    )

    class Meta:
        model = Invitation
        fields = [
            "id",
            "assessment",
            "email",
            "name",
            "group",
            "status",
            "created_at",
            "expires_at",
            "emails_sent",
            "last_emailed_on",
            "reminder_count",
            "email_error",
            "email_state",
        ]
        read_only_fields = fields

    # The email's state: queued in the outbox (the broker may be down: it goes when it is back), sent,
    # failed (`email_error` says why; it is retried), or none (never sent, e.g. revoked first).
    email_state = serializers.SerializerMethodField(help_text="queued, sent, failed or none")

    @extend_schema_field(serializers.ChoiceField(choices=["queued", "sent", "failed", "none"]))
    def get_email_state(self, invitation: Invitation) -> str:
        queued = getattr(invitation, "email_queued", None)
        if queued is None:
            from outbox.services import queued_about
            from surveys.services import INVITATION_EMAIL

            queued = bool(queued_about(INVITATION_EMAIL, [invitation.pk]))
        if invitation.email_error:
            return "failed"
        if queued:
            return "queued"
        return "sent" if invitation.emails_sent else "none"

    def get_status(self, invitation: Invitation) -> str:
        return invitation.status(self.context.get("now"))

    @extend_schema_field(serializers.DateField(allow_null=True))
    def get_last_emailed_on(self, invitation: Invitation) -> datetime.date | None:
        sent = invitation.last_emailed_at
        return None if sent is None else timezone.localdate(sent)


class InvitationCreateSerializer(StrictSerializer):
    assessment = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    email = SingleLineField(max_length=254)
    name = SingleLineField(max_length=200, required=False, allow_blank=True, default="")
    group = SingleLineField(max_length=200, help_text="A respondent group of the assessment, by key or name.")


class InvitationCsvSerializer(StrictSerializer):
    """A list pasted as text (JSON or a form); a file comes only as multipart (InvitationListSerializer)."""

    assessment = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    csv = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)


class InvitationListSerializer(StrictSerializer):
    assessment = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    csv = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    file = serializers.FileField(required=False)


class InvitationBatchSerializer(serializers.Serializer):
    created = InvitationSerializer(many=True)
    already_invited = serializers.ListField(child=serializers.EmailField())


class QuestionOptionSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    statement = serializers.CharField()


class QuestionSerializer(serializers.Serializer):
    key = serializers.CharField()
    number = serializers.IntegerField()
    text = serializers.CharField()
    description = serializers.CharField()
    kind = serializers.CharField()
    required = serializers.BooleanField()
    options = QuestionOptionSerializer(many=True)
    not_applicable = serializers.CharField(allow_null=True)
    answer = serializers.SerializerMethodField()

    def get_answer(self, question: Any) -> dict[str, Any] | None:
        a = question.answer
        if a is None:
            return None
        return {"option": a.option, "not_applicable": a.not_applicable, "text": a.text, "comment": a.comment}


class SectionSerializer(serializers.Serializer):
    name = serializers.CharField()
    description = serializers.CharField()
    questions = QuestionSerializer(many=True)


class PageSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    key = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField()
    sections = SectionSerializer(many=True)
