"""Demo invitations for `make run`: Acme's FY2027 survey, open, with four respondents invited.

Run after seed_demo. Prints each respondent's link, so the survey can be tried without email.
Running it again changes nothing and prints the same links.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from assessment import services as assessment_services
from assessment.models import Assessment, AssessmentState
from organisations.models import Organisation
from surveys import services
from surveys.models import Invitation

ORGANISATION = "Acme Robotics"
PERIOD = "FY2027"
RESPONDENTS = [
    ("priya.shah@acme.example", "Priya Shah", "sales-leadership"),
    ("tom.becker@acme.example", "Tom Becker", "managers"),
    ("ana.lopez@acme.example", "Ana López", "reps"),
    ("sam.okafor@acme.example", "Sam Okafor", "marketing"),
]


class Command(BaseCommand):
    help = "Open Acme's FY2027 survey and invite four demo respondents; print their links."

    def handle(self, *args, **options) -> None:
        organisation = Organisation.objects.filter(name=ORGANISATION).first()
        if organisation is None:
            raise CommandError(f"{ORGANISATION} is missing: run `manage.py seed_demo` first.")
        with transaction.atomic():
            assessment = self.open_assessment(organisation)
            invitations = [self.invitation(assessment, *respondent) for respondent in RESPONDENTS]
        self.stdout.write(f"Demo survey links ({ORGANISATION}, {PERIOD}):")
        for invitation in invitations:
            self.stdout.write(f"  {invitation.name} ({invitation.group}): {services.invitation_link(invitation)}")

    def open_assessment(self, organisation: Organisation) -> Assessment:
        assessment = Assessment.objects.filter(organisation=organisation, period=PERIOD).first()
        membership = organisation.firm.memberships.select_related("user").order_by("id").first()
        consultant = membership.user if membership else None
        if assessment is None:
            assessment = assessment_services.create_assessment(
                organisation=organisation,
                period=PERIOD,
                title=f"Sales maturity {PERIOD}",
                rubric_version=services.default_rubric_version(),
                created_by=consultant,
            )
        if assessment.state == AssessmentState.DRAFT:
            assessment_services.open_assessment(assessment=assessment, actor=consultant)
        if assessment.state == AssessmentState.CLOSED:
            raise CommandError(f"{ORGANISATION}'s {PERIOD} assessment is closed; it takes no more invitations.")
        return assessment

    def invitation(self, assessment: Assessment, email: str, name: str, group: str) -> Invitation:
        existing = Invitation.objects.filter(assessment=assessment, email=email).first()
        if existing is not None:
            return existing
        return services.invite(assessment=assessment, email=email, name=name, group=group)
