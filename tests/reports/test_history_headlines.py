"""The years before last year reach the roadmap's trend from the headline kept on their row: the same figures,
withheld the same way, as their complete kept scores give."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assessment import services
from assessment.anonymity import headline_snapshots, published_many, year_snapshot
from assessment.models import Assessment
from assessment.queries import load_rubric
from organisations.models import Role
from reports import document
from tests.reports.conftest import TARGETS, closed_assessment


def _close_with(organisation, rubric_version, consultant, period: str, people: list[tuple[str, dict]]) -> Assessment:
    """A closed assessment of the given respondents: group, and per dimension an option or None (N/A)."""
    assessment = services.create_assessment(
        organisation=organisation, period=period, rubric_version=rubric_version, targets=TARGETS, created_by=consultant
    )
    services.open_assessment(assessment=assessment)
    rubric = load_rubric(rubric_version).rubric
    for group, by_dimension in people:
        answers = []
        for criterion in rubric.criteria_for_group(group):
            if not rubric.answer_set_by_key[criterion.answer_set].scored:
                continue
            option = by_dimension.get(rubric.dimension_of_criterion[criterion.key], "3")
            answers.append(
                services.AnswerInput(criterion=criterion.key, not_applicable=True)
                if option is None
                else services.AnswerInput(criterion=criterion.key, option=option)
            )
        response = services.start_response(assessment=assessment, group=group)
        services.save_answers(response=response, answers=answers)
        services.submit_response(response=response)
    return services.close_assessment(assessment=assessment)


@pytest.fixture
def years(organisation, default_rubric, consultant) -> list[Assessment]:
    everyone = [("sales-leadership", {}), ("managers", {}), ("reps", {}), ("marketing", {})]
    return [
        # Two people: nothing of it may be shown.
        _close_with(organisation, default_rubric, consultant, "FY2021", everyone[:2]),
        # Four people, two of whom say "not applicable" to all of technology: technology is withheld (and with
        # it, for want of evidence, the overall); the other dimensions are shown.
        _close_with(
            organisation,
            default_rubric,
            consultant,
            "FY2022",
            [(g, {"technology": None} if i < 2 else {"technology": "4"}) for i, (g, _) in enumerate(everyone)],
        ),
        closed_assessment(
            organisation, default_rubric, consultant, "FY2023", {"managers": 3, "reps": 3}, dict.fromkeys(TARGETS, "2")
        ),
        _close_with(organisation, default_rubric, consultant, "FY2024", everyone * 2),
    ]


@pytest.mark.parametrize("role", [Role.CONSULTANT, Role.VIEWER])
def test_a_kept_headline_gives_the_trend_the_figures_the_complete_kept_scores_give(years, role):
    headlines = headline_snapshots(years, role=role)
    complete = [year_snapshot(a, p) for a, p in zip(years, published_many(years, role=role), strict=True)]
    assert all(h is not None for h in headlines)
    for headline, full in zip(headlines, complete, strict=True):
        assert (headline.period, headline.overall, dict(headline.dimensions)) == (
            full.period,
            full.overall,
            dict(full.dimensions),
        )
        assert headline.replaces == full.replaces
    two_people, technology_thin = complete[0], complete[1]
    assert two_people.overall is None and set(two_people.dimensions.values()) == {None}
    assert technology_thin.dimensions["technology"] is None
    assert technology_thin.dimensions["sales-process"] is not None


def test_a_headline_kept_before_its_people_were_is_read_from_the_complete_scores(years):
    old = years[2]
    Assessment.objects.filter(pk=old.pk).update(
        closing_scores={k: v for k, v in old.closing_scores.items() if k != "dimension_respondents"}
    )
    old.refresh_from_db()
    assert headline_snapshots([old], role=Role.CONSULTANT) == [None]


def test_the_roadmaps_trend_shows_every_year_as_its_complete_scores_would(years):
    built = document.build_roadmap_document(years[-1])
    complete = [year_snapshot(a, p) for a, p in zip(years, published_many(years, role=Role.CONSULTANT), strict=True)]
    trends = {t.key: t.values for t in built.year_over_year.trends}
    assert built.year_over_year.periods == ("FY2021", "FY2022", "FY2023", "FY2024")
    for key, values in trends.items():
        assert values == tuple(s.dimensions.get(key) for s in complete), key


def test_an_organisations_history_reads_its_rubric_versions_with_its_assessments(years, django_assert_num_queries):
    """Its assessments come with their rubric versions: the trend, last year's scores and the rubric's
    changes read none again, however many years; assessments loaded without them cost one query."""
    from assessment.anonymity import rubric_versions_of
    from assessment.queries import assessments_with_evidence

    with django_assert_num_queries(1):
        history = assessments_with_evidence(years[0].organisation_id)
    with django_assert_num_queries(0):
        versions = rubric_versions_of(history)
        headline_snapshots(history[:-1], role=Role.VIEWER)
    assert versions == {years[0].rubric_version_id: years[0].rubric_version}
    assert versions[years[0].rubric_version_id].rubric.key == years[0].rubric_version.rubric.key
    plain = list(Assessment.objects.filter(pk__in=[a.pk for a in years]))
    with django_assert_num_queries(1):
        assert rubric_versions_of(plain) == versions
    # The whole roadmap of an assessment loaded with its own version: no rubric version read, and the
    # same queries with four years of history (FY2024) as with two (FY2022).
    built = {}
    for assessment in (years[1], years[-1]):
        with CaptureQueriesContext(connection) as queries:
            document.build_roadmap_document(
                Assessment.objects.select_related("rubric_version__rubric").get(pk=assessment.pk)
            )
        built[assessment.period] = [q["sql"] for q in queries.captured_queries]
    assert not [sql for sql in built["FY2024"] if 'FROM "assessment_rubricversion"' in sql]
    assert len(built["FY2024"]) == len(built["FY2022"])
