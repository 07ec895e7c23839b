"""The counts the database keeps beside each assessment (models.AssessmentCounts, migration 0010) equal the
live invitations and submitted responses however they change: one by one, by a list, revoked, renewed,
submitted late, deleted or erased with the organisation."""

from __future__ import annotations

from assessment import services
from assessment.models import Assessment, AssessmentCounts, Response
from assessment.portfolio import _open_assessments
from surveys import services as survey_services
from surveys.models import Invitation
from tests.factories import InvitationFactory


def counted(assessment: Assessment) -> tuple[int, int]:
    kept = AssessmentCounts.objects.get(assessment=assessment)
    return kept.live_invitations, kept.submitted_responses


def actual(assessment: Assessment) -> tuple[int, int]:
    return (
        Invitation.objects.filter(assessment=assessment, revoked_at__isnull=True).count(),
        Response.objects.filter(assessment=assessment, submitted_at__isnull=False).count(),
    )


def submit(assessment: Assessment, group: str = "reps") -> Response:
    response = services.start_response(assessment=assessment, group=group)
    return services.submit_response(response=response)


def test_the_kept_counts_follow_every_way_invitations_and_responses_change(open_assessment, consultant):
    assert counted(open_assessment) == (0, 0)  # a new assessment has its row at once

    first = survey_services.invite(assessment=open_assessment, email="one@example.com", group="reps")
    batch = survey_services.invite_many(
        assessment=open_assessment,
        csv_text="email,name,group\n" + "".join(f"p{i}@example.com,P {i},managers\n" for i in range(7)),
    )
    assert counted(open_assessment) == actual(open_assessment) == (8, 0)

    survey_services.revoke_invitation(invitation=first)
    survey_services.revoke_invitation(invitation=batch.created[0])
    assert counted(open_assessment) == actual(open_assessment) == (6, 0)
    # Invited again: the revoked invitation is renewed, and counts once more.
    survey_services.invite(assessment=open_assessment, email="one@example.com", group="reps")
    survey_services.resend_invitation(invitation=batch.created[1])  # changes nothing counted
    assert counted(open_assessment) == actual(open_assessment) == (7, 0)

    for _ in range(3):
        submit(open_assessment)
    late = services.start_response(assessment=open_assessment, group="reps")  # started, not submitted
    assert counted(open_assessment) == actual(open_assessment) == (7, 3)

    closed = services.close_assessment(assessment=open_assessment)
    assert services.submit_response(response=late).late
    assert counted(closed) == actual(closed) == (7, 4)

    Invitation.objects.filter(pk=batch.created[2].pk).delete()
    Response.objects.filter(pk=late.pk).delete()
    assert counted(closed) == actual(closed) == (6, 3)

    # Rows written in bulk are counted as well.
    other = services.create_assessment(
        organisation=closed.organisation, period="FY2027", rubric_version=closed.rubric_version
    )
    InvitationFactory.create_batch(4, assessment=other, group="reps")
    Invitation.objects.filter(assessment=other).update(revoked_at=closed.closed_at)
    assert counted(other) == actual(other) == (0, 0)

    pk = closed.pk
    closed.organisation.delete()
    assert not AssessmentCounts.objects.filter(assessment_id=pk).exists()


def test_the_portfolio_reads_the_kept_counts(open_assessment):
    for i in range(4):
        survey_services.invite(assessment=open_assessment, email=f"r{i}@example.com", group="reps")
    submit(open_assessment)
    (row,) = _open_assessments([open_assessment.organisation_id])[open_assessment.organisation_id]
    assert (row.invited, row.submitted, row.response_rate) == (4, 1, 25.0)
