"""Demo invitations for `make run`: Acme's FY2027 survey, open, with four respondents invited.

FY2027 uses version 2 of the sales rubric (FY2024–FY2026 used version 1): eighteen people invited
earlier have already answered, so its published scores compare with FY2026 across the change, through
the keys version 2 says it `replaces`. Run after seed_demo. Prints each of the four respondents' links,
so the survey can be tried without email. Running it again changes nothing and prints the same links.
"""

from __future__ import annotations

import random

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from assessment import services as assessment_services
from assessment.models import Assessment, AssessmentState
from assessment.queries import load_rubric
from organisations.models import Organisation
from surveys import services
from surveys.models import Invitation

RUBRIC = "sales-transformation"

ORGANISATION = "Acme Robotics"
PERIOD = "FY2027"
RESPONDENTS = [
    ("priya.shah@acme.example", "Priya Shah", "sales-leadership"),
    ("tom.becker@acme.example", "Tom Becker", "managers"),
    ("ana.lopez@acme.example", "Ana López", "reps"),
    ("sam.okafor@acme.example", "Sam Okafor", "marketing"),
]
# Version 2's dimensions: revenue operations carries on sales technology and data; customer growth is new.
TARGETS = {
    "sales-process": 4,
    "organisation-design": 4,
    "revenue-operations": 4,
    "marketing-alignment": 3,
    "customer-growth": 3,
    "strategic-leadership": 4,
}
# Where Acme stands this year, and how many of each group answered before the demo starts.
TRUTH = {
    "sales-process": 3.4,
    "organisation-design": 3.1,
    "revenue-operations": 3.4,
    "marketing-alignment": 2.8,
    "customer-growth": 2.5,
    "strategic-leadership": 2.6,
}
GROUP_BIAS = {"sales-leadership": 0.5, "managers": 0.1, "reps": -0.4, "marketing": -0.2, "customer-success": 0.0}
ANSWERED = {"sales-leadership": 3, "managers": 4, "reps": 5, "marketing": 3, "customer-success": 3}


class Command(BaseCommand):
    help = "Open Acme's FY2027 survey and invite four demo respondents; print their links."

    def handle(self, *args, **options) -> None:
        organisation = Organisation.objects.filter(name=ORGANISATION).first()
        if organisation is None:
            raise CommandError(f"{ORGANISATION} is missing: run `manage.py seed_demo` first.")
        with transaction.atomic():
            assessment = self.open_assessment(organisation)
            if not assessment.invitations.exists():
                self.answered_already(assessment)
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
                rubric_version=assessment_services.import_built_in_rubrics()[RUBRIC],
                targets=TARGETS,
                created_by=consultant,
            )
        if assessment.state == AssessmentState.DRAFT:
            assessment_services.open_assessment(assessment=assessment, actor=consultant)
        if assessment.state == AssessmentState.CLOSED:
            raise CommandError(f"{ORGANISATION}'s {PERIOD} assessment is closed; it takes no more invitations.")
        return assessment

    def answered_already(self, assessment: Assessment) -> None:
        """People invited before the demo starts, each with a submitted response (their emails long sent)."""
        rng = random.Random(2027)
        rubric = load_rubric(assessment.rubric_version).rubric
        for group, count in ANSWERED.items():
            for n in range(1, count + 1):
                invitation = Invitation.objects.create(
                    assessment=assessment,
                    email=f"{group}.{n}@acme.example",
                    group=group,
                    emails_sent=1,
                    last_emailed_at=timezone.now(),
                    **services._new_credentials(),
                )
                response = services.begin_response(invitation=invitation)
                answers = []
                for criterion in rubric.criteria_for_group(group):
                    answer_set = rubric.answer_set_by_key[criterion.answer_set]
                    if not answer_set.scored:
                        continue
                    base = TRUTH[rubric.dimension_of_criterion[criterion.key]] + GROUP_BIAS[group]
                    value = min(5, max(1, round(rng.gauss(base, 0.7))))
                    option = min(answer_set.options, key=lambda o, v=value: abs(o.value - v))
                    answers.append(assessment_services.AnswerInput(criterion=criterion.key, option=option.key))
                assessment_services.save_answers(response=response, answers=answers)
                assessment_services.submit_response(response=response)

    def invitation(self, assessment: Assessment, email: str, name: str, group: str) -> Invitation:
        existing = Invitation.objects.filter(assessment=assessment, email=email).first()
        if existing is not None:
            return existing
        return services.invite(assessment=assessment, email=email, name=name, group=group)
