import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assessment import services
from assessment.anonymity import published_history
from assessment.queries import assessment_scores, assessments_with_evidence, load_evidence, load_rubric
from assessment.rubric import load_rubric_yaml
from assessment.scoring import ResponseAnswers, score_assessment
from organisations.models import Role
from tests.conftest import DEFAULT_RUBRIC


def respond(assessment, group, answers, *, submit=True):
    response = services.start_response(assessment=assessment, group=group)
    services.save_answers(
        response=response,
        answers=[
            services.AnswerInput(criterion=k, not_applicable=True)
            if v is None
            else services.AnswerInput(criterion=k, option=str(v))
            for k, v in answers.items()
        ],
    )
    if submit:
        services.submit_response(response=response)
    return response


def queries_to_load(assessment) -> int:
    assessment = type(assessment).objects.get(pk=assessment.pk)
    with CaptureQueriesContext(connection) as ctx:
        evidence = load_evidence(assessment)
        score_assessment(evidence.rubric, evidence.responses)
    return len(ctx.captured_queries)


def test_loading_an_assessment_takes_the_same_queries_for_one_or_thirty_respondents(open_assessment):
    respond(open_assessment, "reps", {"stage-exit-criteria": 3})
    one = queries_to_load(open_assessment)
    for i in range(29):
        respond(open_assessment, "managers", {"stage-exit-criteria": 1 + i % 5, "buying-process-mapped": 2})
    assert queries_to_load(open_assessment) == one
    assert one <= 8
    # With the rubric version already built in this process: its row, the responses, the answers.
    assert one == 3


def test_a_rubric_version_is_built_from_its_rows_once_per_process(default_rubric, django_assert_num_queries):
    from assessment import queries

    queries._RUBRIC_CACHE.clear()
    version = type(default_rubric).objects.get(pk=default_rubric.pk)
    with django_assert_num_queries(6):
        first = load_rubric(version)
    with django_assert_num_queries(0):
        again = load_rubric(version)
    assert again is first


def test_the_stored_rubric_is_the_default_rubric_file(default_rubric):
    assert load_rubric(default_rubric).rubric == load_rubric_yaml(DEFAULT_RUBRIC.read_text())


def test_scores_count_only_submitted_on_time_responses(open_assessment):
    respond(open_assessment, "reps", {"stage-exit-criteria": 4, "buying-process-mapped": None})
    respond(open_assessment, "reps", {"stage-exit-criteria": 2})
    respond(open_assessment, "reps", {"stage-exit-criteria": 5}, submit=False)  # still in progress
    late = respond(open_assessment, "reps", {"stage-exit-criteria": 1}, submit=False)
    services.close_assessment(assessment=open_assessment)
    services.submit_response(response=late)

    rubric, scores = assessment_scores(open_assessment)
    assert scores.respondents == 2
    criterion = scores.criteria["stage-exit-criteria"]
    assert (criterion.mean, criterion.answered) == (3.0, 2)
    assert scores.criteria["buying-process-mapped"].not_applicable == 1
    expected = score_assessment(
        rubric,
        [
            ResponseAnswers("reps", {"stage-exit-criteria": 4.0, "buying-process-mapped": None}),
            ResponseAnswers("reps", {"stage-exit-criteria": 2.0}),
        ],
    )
    assert scores == expected


def test_history_lists_an_organisations_assessments_by_period(organisation, default_rubric):
    for period in ["FY2025", "FY2024"]:
        a = services.create_assessment(organisation=organisation, period=period, rubric_version=default_rubric)
        services.open_assessment(assessment=a)
        for _ in range(3):
            respond(a, "reps", {"stage-exit-criteria": 2 if period == "FY2024" else 4})
        services.close_assessment(assessment=a)
    services.create_assessment(organisation=organisation, period="FY2026", rubric_version=default_rubric)
    history = published_history(assessments_with_evidence(organisation.id), role=Role.VIEWER)
    assert [s.period for s in history] == ["FY2024", "FY2025"]
    assert [s.criteria["stage-exit-criteria"] for s in history] == [2.0, 4.0]


@pytest.mark.parametrize("weighting", [False, True])
def test_the_assessments_group_weighting_is_applied(organisation, default_rubric, weighting):
    a = services.create_assessment(
        organisation=organisation, period="FY2026", rubric_version=default_rubric, group_weighting=weighting
    )
    services.open_assessment(assessment=a)
    respond(a, "sales-leadership", {"stage-exit-criteria": 5})
    for _ in range(3):
        respond(a, "reps", {"stage-exit-criteria": 1})
    _, scores = assessment_scores(a)
    assert scores.criteria["stage-exit-criteria"].mean == (3.0 if weighting else 2.0)


def test_closing_keeps_the_headline_scores_that_live_scoring_gives(open_assessment):
    rubric = load_rubric(open_assessment.rubric_version).rubric
    process = [k for k in rubric.criterion_shares["sales-process"] if rubric.criterion_by_key[k].addressed_to("reps")]
    respond(open_assessment, "reps", dict.fromkeys(process, 4))
    respond(open_assessment, "managers", dict.fromkeys(process, 2))
    late = respond(open_assessment, "reps", {"stage-exit-criteria": 1}, submit=False)
    services.close_assessment(assessment=open_assessment)
    services.submit_response(response=late)

    rubric, scores = assessment_scores(open_assessment)
    kept = open_assessment.closing_scores
    assert kept["respondents"] == 2
    assert kept["overall"] == scores.overall.score
    assert kept["dimensions"] == {k: d.score for k, d in scores.dimensions.items()}
    # Only sales process is answered: the other dimensions have no evidence, so no overall is kept.
    assert kept["dimensions"]["sales-process"] == 3.0 and kept["overall"] is None
    others = [d.name for d in rubric.dimensions if d.key != "sales-process"]
    assert kept["overall_reason"] == (f"withheld: {', '.join(others[:-1])} and {others[-1]} have insufficient evidence")
    assert (kept["rubric"], kept["rubric_version"]) == (rubric.key, rubric.version)
