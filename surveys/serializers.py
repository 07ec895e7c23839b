"""API input and output shapes of the survey: answers, the questionnaire, invitations."""

from __future__ import annotations

import datetime
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
