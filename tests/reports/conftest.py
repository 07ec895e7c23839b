"""Two closed years of a client's assessments, with answers chosen so that every score is known."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from assessment import services
from assessment.models import Assessment
from assessment.queries import assessment_roadmap, load_rubric

# FY2025: everyone answers "2" everywhere, so every dimension scores 2.0.
# FY2026: one option per dimension; sales leadership rates technology "5" where the others say "3".
FY2026 = {
    "sales-process": "4",
    "organisation-design": "3",
    "technology": "3",
    "marketing-alignment": "2",
    "strategic-leadership": "1",
}
GROUP_SIZES_FY2026 = {"sales-leadership": 3, "managers": 3, "reps": 3, "marketing": 2}
TARGETS = {
    "sales-process": 4,
    "organisation-design": 4,
    "technology": 4,
    "marketing-alignment": 3,
    "strategic-leadership": 4,
}
COMMENT = "Deals stall after the first demo & nobody <b>owns</b> next steps."
TEXT_ANSWER = "Agree exit criteria with the buyer, not among ourselves."


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def respond(
    assessment: Assessment, group: str, options: Mapping[str, str], *, comment: str = "", text: str = ""
) -> None:
    """One submitted response: every criterion addressed to the group answered with its dimension's option."""
    rubric = load_rubric(assessment.rubric_version).rubric
    answers = []
    for criterion in rubric.criteria_for_group(group):
        dimension = rubric.dimension_of_criterion[criterion.key]
        if not rubric.answer_set_by_key[criterion.answer_set].scored:
            if text and dimension == "sales-process":
                answers.append(services.AnswerInput(criterion=criterion.key, text=text))
            continue
        note = comment if comment and criterion.key == "stage-exit-criteria" else ""
        answers.append(services.AnswerInput(criterion=criterion.key, option=options[dimension], comment=note))
    response = services.start_response(assessment=assessment, group=group)
    services.save_answers(response=response, answers=answers)
    services.submit_response(response=response)


def closed_assessment(organisation, rubric_version, consultant, period: str, groups: Mapping[str, int], options):
    assessment = services.create_assessment(
        organisation=organisation,
        period=period,
        title=f"Sales maturity {period}",
        rubric_version=rubric_version,
        targets=TARGETS,
        created_by=consultant,
    )
    services.open_assessment(assessment=assessment)
    for group, size in groups.items():
        for i in range(size):
            per_group = options(group) if callable(options) else options
            respond(
                assessment,
                group,
                per_group,
                # Three people comment on sales process (two reps alike), the fewest comments are shown from.
                comment=COMMENT if (period == "FY2026" and group == "reps" and i < 2) else "",
                text=TEXT_ANSWER if (period == "FY2026" and group == "managers" and i == 0) else "",
            )
    return services.close_assessment(assessment=assessment)


@pytest.fixture
def last_year(organisation, default_rubric, consultant) -> Assessment:
    assessment = closed_assessment(
        organisation,
        default_rubric,
        consultant,
        "FY2025",
        {"sales-leadership": 3, "managers": 3, "reps": 3, "marketing": 3},
        dict.fromkeys(FY2026, "2"),
    )
    _, _, roadmap = assessment_roadmap(assessment)
    keys = [item.recommendation.key for item in roadmap.items[:3]]
    for key, status, owner in zip(
        keys, ["done", "in_progress", "dropped"], ["Head of sales", "RevOps", ""], strict=True
    ):
        initiative = services.create_initiative(assessment=assessment, recommendation_key=key, owner=owner)
        services.update_initiative(initiative=initiative, status=status)
    return assessment


@pytest.fixture
def this_year(last_year, organisation, default_rubric, consultant) -> Assessment:
    def options(group: str) -> dict[str, str]:
        return {**FY2026, "technology": "5"} if group == "sales-leadership" else FY2026

    return closed_assessment(organisation, default_rubric, consultant, "FY2026", GROUP_SIZES_FY2026, options)
