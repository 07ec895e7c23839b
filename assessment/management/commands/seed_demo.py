"""Demo data for `make run`: a consultant's two clients, three years of history, a self-assessment."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.urls import reverse

from assessment import assessor, services
from assessment.models import Assessment, RubricVersion
from assessment.queries import load_rubric
from assessment.rubric import Rubric
from organisations import two_factor
from organisations.models import Firm, FirmMembership, FirmRole, Membership, Organisation, Role

DEMO_PASSWORD = "waypoint-demo"
DEFAULT_RUBRIC = Path(settings.BASE_DIR) / "assessment" / "rubrics" / "sales-transformation.yaml"

# The organisation's "true" maturity per year: progress in process and technology,
# slower in organisation design and marketing, and a decline in strategic leadership.
HISTORY = {
    "FY2024": {
        "sales-process": 2.0,
        "organisation-design": 2.3,
        "technology": 1.7,
        "marketing-alignment": 2.1,
        "strategic-leadership": 3.0,
    },
    "FY2025": {
        "sales-process": 2.7,
        "organisation-design": 2.5,
        "technology": 2.5,
        "marketing-alignment": 2.3,
        "strategic-leadership": 2.7,
    },
    "FY2026": {
        "sales-process": 3.3,
        "organisation-design": 2.9,
        "technology": 3.3,
        "marketing-alignment": 2.5,
        "strategic-leadership": 2.3,
    },
}
TARGETS = {
    "sales-process": 4,
    "organisation-design": 4,
    "technology": 4,
    "marketing-alignment": 3,
    "strategic-leadership": 4,
}
# How each group tends to rate the same reality: leaders see it rosier than reps.
GROUP_BIAS = {"sales-leadership": 0.5, "managers": 0.1, "reps": -0.4, "marketing": -0.2}
GROUP_SIZES = {"FY2024": (3, 4, 6, 3), "FY2025": (3, 5, 8, 3), "FY2026": (4, 5, 8, 3)}
# What Acme reported beside its maturity each year: win rate, reps at quota, forecast accuracy (%),
# ramp time (months) and attrition (%).
OUTCOMES = {
    "FY2024": {
        "win_rate": 17.0,
        "reps_at_quota": 41.0,
        "forecast_accuracy": 62.0,
        "ramp_months": 9.0,
        "attrition": 24.0,
    },
    "FY2025": {
        "win_rate": 19.5,
        "reps_at_quota": 48.0,
        "forecast_accuracy": 71.0,
        "ramp_months": 8.0,
        "attrition": 21.0,
    },
    "FY2026": {
        "win_rate": 23.0,
        "reps_at_quota": 55.0,
        "forecast_accuracy": 80.0,
        "ramp_months": 6.5,
        "attrition": 17.5,
    },
}
# The consultant's other clients, each with one closed assessment, so the portfolio benchmark has
# enough comparable organisations to show: (name, industry, size band, maturity in every dimension).
PEERS = [
    ("Initech", "Software", "21-100", 2.2),
    ("Umbrella Logistics", "Logistics", "101-500", 2.6),
    ("Stark Components", "Industrial automation", "21-100", 3.1),
    ("Hooli Cloud", "Software", "101-500", 3.6),
    ("Vandelay Industries", "Industrial automation", "1-20", 1.8),
    ("Wayne Freight", "Logistics", "21-100", 2.9),
    ("Soylent Foods", "Food and drink", "101-500", 2.4),
]
# What respondents write under each dimension's open question: about that dimension, as people do.
COMMENTS = {
    "sales-process": [
        "Deals stall after the first demo because we never agree next steps with the buyer.",
        "Every team runs its pipeline review differently, so the stages mean different things.",
        "We only look at lost deals when a big one goes, and then we blame price.",
    ],
    "organisation-design": [
        "Our managers spend their week in forecast calls instead of coaching.",
        "New reps take most of a year to close their first deal on their own.",
        "When someone misses target we hire more people rather than ask why.",
    ],
    "technology": [
        "The CRM is finally used by everyone, but the dashboards are not trusted yet.",
        "Half the fields in the CRM are there for reports nobody reads.",
        "Marketing and service data live in other systems, so we never see the whole customer.",
    ],
    "marketing-alignment": [
        "Marketing and sales still argue about what a qualified lead is.",
        "Nobody tells marketing what happened to the leads they sent.",
        "The plans are made separately and only compared when the quarter is lost.",
    ],
    "strategic-leadership": [
        "We plan one quarter at a time; nobody owns the three-year picture.",
        "The same problems come back every year because we fix the symptoms.",
        "Sales is not in the room when the company sets its strategy.",
    ],
}


class Command(BaseCommand):
    help = (
        "Create the demo consultant, leader and viewer, two client organisations with their assessments, "
        "and six more clients of the consultant with one closed assessment each."
    )

    def handle(self, *args, **options) -> None:
        version = services.import_rubric(document=DEFAULT_RUBRIC.read_text()).version
        with transaction.atomic():
            created = seed(version)
            # The firm admins sign in with a code: a demo authenticator each (a fixed, demo-only key).
            for username in ("consultant", "leader", "admin"):
                two_factor.give_demo_authenticator(get_user_model().objects.get(username=username))
        if created:
            self.stdout.write("Demo data created.")
        else:
            self.stdout.write("Demo data already present.")
        site = settings.SITE_URL
        self.stdout.write(
            f"Demo logins at {site}{reverse('login')} (password '{DEMO_PASSWORD}'): consultant (consultant), "
            "leader (sales leader, Globex), viewer (CEO, Acme)."
        )
        self.stdout.write(f"Administration at {site}{reverse('admin:index')}: admin (password '{DEMO_PASSWORD}').")
        self.stdout.write(
            "Two-factor sign-in: consultant, leader and admin are asked for a code after the password; "
            "`python manage.py totp_code consultant` (or leader, admin) prints it, or add the demo-only key "
            f"{two_factor.DEMO_SECRET} to an authenticator app."
        )


def _user(username: str, first: str, last: str):
    user, created = get_user_model().objects.get_or_create(
        username=username, defaults={"first_name": first, "last_name": last, "email": f"{username}@example.com"}
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save()
    return user


def seed(version: RubricVersion) -> bool:
    """Create the demo set once; returns False when it is already there."""
    admin = _user("admin", "Ada", "Admin")
    if not admin.is_superuser:
        admin.is_staff = admin.is_superuser = True
        admin.save(update_fields=["is_staff", "is_superuser"])
    consultant = _user("consultant", "Casey", "Consultant")
    leader = _user("leader", "Lee", "Morgan")
    viewer = _user("viewer", "Vic", "Ashford")
    if Organisation.objects.filter(name="Acme Robotics").exists():
        return False
    rng = random.Random(2026)
    rubric = load_rubric(version).rubric

    # Waypoint Advisory: the consultant's firm, with Acme and the peers as its clients.
    firm = Firm.objects.create(name=settings.WAYPOINT_FIRM_NAME, colour=settings.WAYPOINT_FIRM_COLOUR)
    FirmMembership.objects.create(user=consultant, firm=firm, role=FirmRole.ADMIN)
    acme = Organisation.objects.create(
        firm=firm, name="Acme Robotics", industry="Industrial automation", size_band="21-100"
    )
    Membership.objects.create(user=viewer, organisation=acme, role=Role.VIEWER)
    for period, truth in HISTORY.items():
        assessment = services.create_assessment(
            organisation=acme,
            period=period,
            title=f"Sales maturity {period}",
            rubric_version=version,
            targets=TARGETS,
            created_by=consultant,
        )
        services.open_assessment(assessment=assessment, actor=consultant)
        groups = [g.key for g in rubric.respondent_groups]
        for group, size in zip(groups, GROUP_SIZES[period], strict=True):
            for _ in range(size):
                _respond(rng, rubric, assessment, group, truth, submit=True)
        services.close_assessment(assessment=assessment, actor=consultant)
        services.set_outcomes(assessment=assessment, values=OUTCOMES[period])
    _seed_initiatives(Assessment.objects.get(organisation=acme, period="FY2025"))
    _seed_assessor_ratings(Assessment.objects.get(organisation=acme, period="FY2026"), consultant)

    # Globex runs its own self-assessment: a firm of its own, with its sales leader as admin.
    globex_firm = Firm.objects.create(name="Globex Software", colour=settings.WAYPOINT_FIRM_COLOUR)
    FirmMembership.objects.create(user=leader, firm=globex_firm, role=FirmRole.ADMIN)
    globex = Organisation.objects.create(
        firm=globex_firm, name="Globex Software", industry="Software", size_band="21-100"
    )
    self_assessment = services.create_assessment(
        organisation=globex,
        period="FY2026",
        title="Self-assessment",
        rubric_version=version,
        respondent_groups=["sales-leadership"],
        created_by=leader,
    )
    services.open_assessment(assessment=self_assessment, actor=leader)
    truth = dict.fromkeys(TARGETS, 2.6)
    _respond(rng, rubric, self_assessment, "sales-leadership", truth, submit=False, user=leader, share=0.5)

    for name, industry, size_band, level in PEERS:
        peer = Organisation.objects.create(firm=firm, name=name, industry=industry, size_band=size_band)
        assessment = services.create_assessment(
            organisation=peer, period="FY2026", rubric_version=version, created_by=consultant
        )
        services.open_assessment(assessment=assessment, actor=consultant)
        for group in ("sales-leadership", "managers", "reps", "reps"):
            _respond(rng, rubric, assessment, group, dict.fromkeys(TARGETS, level), submit=True)
        services.close_assessment(assessment=assessment, actor=consultant)
    return True


def _respond(
    rng: random.Random,
    rubric: Rubric,
    assessment: Assessment,
    group: str,
    truth: dict[str, float],
    *,
    submit: bool,
    user=None,
    share: float = 1.0,
) -> None:
    response = services.start_response(assessment=assessment, group=group, user=user)
    answers = []
    criteria = rubric.criteria_for_group(group)
    for criterion in criteria[: max(1, int(len(criteria) * share))]:
        answer_set = rubric.answer_set_by_key[criterion.answer_set]
        if not answer_set.scored:
            if rng.random() < 0.3:
                written = COMMENTS.get(rubric.dimension_of_criterion.get(criterion.key, ""), [])
                if written:
                    answers.append(services.AnswerInput(criterion=criterion.key, text=rng.choice(written)))
            continue
        if answer_set.not_applicable and rng.random() < 0.05:
            answers.append(services.AnswerInput(criterion=criterion.key, not_applicable=True))
            continue
        base = truth[rubric.dimension_of_criterion[criterion.key]] + GROUP_BIAS.get(group, 0.0)
        value = min(5, max(1, round(rng.gauss(base, 0.7))))
        option = min(answer_set.options, key=lambda o: abs(o.value - value))
        answers.append(services.AnswerInput(criterion=criterion.key, option=option.key))
    services.save_answers(response=response, answers=answers)
    if submit:
        services.submit_response(response=response)


# --- the assessor's ratings of FY2026, from the interviews and the evidence read -----------------

ASSESSOR_RATINGS = (
    (
        "win-loss-analysis",
        "1",
        "No win/loss review since the spring; the two lost renewals were never debriefed (pipeline review, Q3).",
        ["https://crm.acme-robotics.example/reports/closed-lost-q3"],
    ),
    (
        "crm-data-quality",
        "2",
        "A third of open opportunities have no next step or close date in the CRM export of 1 October.",
        ["https://crm.acme-robotics.example/reports/pipeline-hygiene"],
    ),
    (
        "incentives-aligned",
        "2",
        "The FY2026 comp plan pays on bookings only: nothing for multi-year deals or new logos.",
        [],
    ),
    ("forecast-categories-defined", "3", "Commit and best case are defined and used in the weekly call.", []),
)


def _seed_assessor_ratings(assessment: Assessment, consultant: Any) -> None:
    """The consultant's own ratings with evidence, beside the team's answers (assessment/assessor.py)."""
    for key, option, notes, links in ASSESSOR_RATINGS:
        assessor.record_rating(
            assessment=assessment, criterion_key=key, option_key=option, notes=notes, links=links, actor=consultant
        )


# --- initiatives (used by the FY2026 roadmap report's year over year) -------------------------

# What Acme did with its FY2025 roadmap: (owner, status) for its first roadmap items, in order.
INITIATIVE_OUTCOMES = [
    ("Dana Whitfield, VP Sales", "done"),
    ("Sam Okafor, Sales operations", "done"),
    ("Priya Nair, Sales enablement", "in_progress"),
    ("Dana Whitfield, VP Sales", "dropped"),
    ("Tom Berg, Marketing operations", "in_progress"),
    ("", "planned"),
]


def _seed_initiatives(assessment: Assessment) -> None:
    """Turn the first items of FY2025's roadmap into initiatives, some done, some not, one dropped."""
    from assessment.queries import assessment_roadmap

    _, _, roadmap = assessment_roadmap(assessment)
    for item, (owner, status) in zip(roadmap.items, INITIATIVE_OUTCOMES, strict=False):
        initiative = services.create_initiative(
            assessment=assessment, recommendation_key=item.recommendation.key, owner=owner
        )
        services.update_initiative(initiative=initiative, status=status)
