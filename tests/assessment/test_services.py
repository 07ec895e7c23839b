import pytest
from django.db import IntegrityError, transaction

from assessment import services
from assessment.models import Answer, Response
from assessment.outcomes import OUTCOME_KPIS
from organisations.errors import AlreadySubmitted, InvalidInput, StateConflict


def test_saving_the_same_answer_twice_changes_nothing(open_assessment):
    response = services.start_response(assessment=open_assessment, group="reps")
    first = services.save_answer(
        response=response, answer=services.AnswerInput(criterion="stage-exit-criteria", option="3")
    )
    stamp = Answer.objects.get(pk=first.pk).updated_at
    again = services.save_answer(
        response=response, answer=services.AnswerInput(criterion="stage-exit-criteria", option="3")
    )
    assert again.pk == first.pk
    assert Answer.objects.filter(response=response).count() == 1
    assert Answer.objects.get(pk=first.pk).updated_at == stamp


def test_submitting_twice_is_refused(open_assessment):
    response = services.start_response(assessment=open_assessment, group="reps")
    services.submit_response(response=response)
    with pytest.raises(AlreadySubmitted):
        services.submit_response(response=response)


def test_an_answer_outside_the_answer_set_is_refused_and_stores_nothing(open_assessment):
    response = services.start_response(assessment=open_assessment, group="reps")
    with pytest.raises(InvalidInput, match="is not an answer"):
        services.save_answers(
            response=response,
            answers=[
                services.AnswerInput(criterion="stage-exit-criteria", option="3"),
                services.AnswerInput(criterion="evidence-based-pipeline-reviews", option="9"),
            ],
        )
    assert not Answer.objects.filter(response=response).exists()


def test_a_response_submitted_after_closing_is_kept_and_marked_late(open_assessment):
    response = services.start_response(assessment=open_assessment, group="reps")
    services.save_answer(response=response, answer=services.AnswerInput(criterion="stage-exit-criteria", option="2"))
    services.close_assessment(assessment=open_assessment)
    services.save_answer(response=response, answer=services.AnswerInput(criterion="stage-exit-criteria", option="4"))
    services.submit_response(response=response)
    stored = Response.objects.get(pk=response.pk)
    assert stored.late is True
    assert stored.answers.get().option.key == "4"


def test_a_closed_assessment_cannot_be_opened_again(open_assessment):
    services.close_assessment(assessment=open_assessment)
    with pytest.raises(StateConflict):
        services.open_assessment(assessment=open_assessment)


def test_creating_an_assessment_freezes_nothing_it_should_not_and_sets_targets(organisation, default_rubric):
    a = services.create_assessment(
        organisation=organisation, period=" FY2027 ", rubric_version=default_rubric, targets={"technology": 4}
    )
    assert a.period == "FY2027"
    assert a.state == "draft"
    assert a.respondent_groups == ["sales-leadership", "managers", "reps", "marketing"]
    assert dict(a.targets.values_list("dimension_key", "level")) == {"technology": 4}


@pytest.mark.parametrize(
    ("targets", "message"),
    [
        ({"finance": 3}, "'finance' is not a dimension"),
        ({"technology": 6}, "must be a level from 1 to 5"),
        ({"technology": "4"}, "must be a level from 1 to 5"),
        ({"technology": True}, "must be a level from 1 to 5"),
    ],
)
def test_bad_targets_are_refused_and_change_nothing(draft_assessment, targets, message):
    before = dict(draft_assessment.targets.values_list("dimension_key", "level"))
    with pytest.raises(InvalidInput, match=message):
        services.set_targets(assessment=draft_assessment, targets=targets)
    assert dict(draft_assessment.targets.values_list("dimension_key", "level")) == before


def test_a_second_assessment_for_the_same_period_is_a_conflict(draft_assessment, default_rubric):
    with pytest.raises(StateConflict, match="already has an assessment for FY2026"):
        services.create_assessment(
            organisation=draft_assessment.organisation, period="FY2026", rubric_version=default_rubric
        )


def test_unknown_respondent_groups_are_refused(organisation, default_rubric):
    with pytest.raises(InvalidInput, match="Unknown respondent group 'finance'"):
        services.create_assessment(
            organisation=organisation, period="FY2026", rubric_version=default_rubric, respondent_groups=["finance"]
        )


def test_only_a_draft_can_be_edited(open_assessment):
    with pytest.raises(StateConflict, match="the assessment is open"):
        services.update_assessment(assessment=open_assessment, title="New title")


def test_a_draft_takes_no_responses(draft_assessment):
    with pytest.raises(StateConflict):
        services.start_response(assessment=draft_assessment, group="reps")


def test_a_question_not_asked_of_the_group_cannot_be_answered(open_assessment):
    from assessment.queries import load_rubric

    rubric = load_rubric(open_assessment.rubric_version).rubric
    hidden = next(c for c in rubric.scored_criteria if not c.addressed_to("reps"))
    response = services.start_response(assessment=open_assessment, group="reps")
    with pytest.raises(InvalidInput, match="is not asked of the 'reps' group"):
        services.save_answer(response=response, answer=services.AnswerInput(criterion=hidden.key, option="3"))


def test_not_applicable_and_comments_and_text_answers_are_stored(open_assessment):
    response = services.start_response(assessment=open_assessment, group="reps")
    services.save_answers(
        response=response,
        answers=[
            services.AnswerInput(criterion="stage-exit-criteria", not_applicable=True, comment="  New here.  "),
            services.AnswerInput(criterion="sales-process-comment", text="Deals stall after demos."),
        ],
    )
    stored = {a.criterion.key: a for a in Answer.objects.filter(response=response).select_related("criterion")}
    assert stored["stage-exit-criteria"].not_applicable and stored["stage-exit-criteria"].option is None
    assert stored["stage-exit-criteria"].comment == "New here."
    assert stored["sales-process-comment"].text == "Deals stall after demos."


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (services.AnswerInput(criterion="nope", option="3"), "'nope' is not a criterion"),
        (services.AnswerInput(criterion="stage-exit-criteria", option="3", not_applicable=True), "not both"),
        (services.AnswerInput(criterion="sales-process-comment", option="3"), "takes a text answer"),
        (services.AnswerInput(criterion="stage-exit-criteria", text="four"), "takes an option, not text"),
        (services.AnswerInput(criterion="stage-exit-criteria", option="3", comment="x" * 5001), "limited to 5000"),
    ],
)
def test_malformed_answers_are_refused(open_assessment, answer, message):
    response = services.start_response(assessment=open_assessment, group="reps")
    with pytest.raises(InvalidInput, match=message):
        services.save_answer(response=response, answer=answer)
    assert not Answer.objects.exists()


def test_a_submitted_response_is_read_only(open_assessment):
    response = services.start_response(assessment=open_assessment, group="reps")
    services.save_answer(response=response, answer=services.AnswerInput(criterion="stage-exit-criteria", option="2"))
    services.submit_response(response=response)
    with pytest.raises(AlreadySubmitted):
        services.save_answer(
            response=response, answer=services.AnswerInput(criterion="stage-exit-criteria", option="5")
        )
    assert Answer.objects.get(response=response).option.key == "2"


def test_a_response_submitted_meanwhile_refuses_answers_from_a_stale_copy(open_assessment):
    response = services.start_response(assessment=open_assessment, group="reps")
    services.save_answer(response=response, answer=services.AnswerInput(criterion="stage-exit-criteria", option="2"))
    services.submit_response(response=Response.objects.get(pk=response.pk))
    assert response.submitted_at is None  # the copy a page loaded before the submission
    with pytest.raises(AlreadySubmitted):
        services.save_answer(
            response=response, answer=services.AnswerInput(criterion="buying-process-mapped", option="5")
        )
    assert list(Answer.objects.filter(response=response).values_list("option__key", flat=True)) == ["2"]


def test_changing_an_answer_updates_it_in_place_with_a_new_stamp(open_assessment):
    response = services.start_response(assessment=open_assessment, group="reps")
    first = services.save_answer(
        response=response, answer=services.AnswerInput(criterion="stage-exit-criteria", option="2")
    )
    stamp = Answer.objects.get(pk=first.pk).updated_at
    changed = services.save_answer(
        response=response, answer=services.AnswerInput(criterion="stage-exit-criteria", not_applicable=True)
    )
    stored = Answer.objects.get()
    assert (changed.pk, changed.option_id, changed.not_applicable) == (first.pk, None, True)
    assert (stored.pk, stored.option_id, stored.not_applicable) == (first.pk, None, True)
    assert stored.updated_at > stamp


def test_an_answer_can_be_changed_before_submitting(open_assessment):
    response = services.start_response(assessment=open_assessment, group="reps")
    services.save_answer(response=response, answer=services.AnswerInput(criterion="stage-exit-criteria", option="2"))
    services.save_answer(response=response, answer=services.AnswerInput(criterion="stage-exit-criteria", option="4"))
    assert Answer.objects.get(response=response).option.key == "4"


def test_a_roadmap_recommendation_becomes_an_initiative_once(organisation, default_rubric):
    from assessment.queries import assessment_roadmap, load_rubric

    technology = load_rubric(default_rubric).rubric.criterion_shares["technology"]
    a = services.create_assessment(
        organisation=organisation, period="FY2026", rubric_version=default_rubric, targets={"technology": 3}
    )
    services.open_assessment(assessment=a)
    # Three respondents: the first snapshot the roadmap is published from.
    for _ in range(3):
        response = services.start_response(assessment=a, group="sales-leadership")
        services.save_answers(
            response=response,
            answers=[services.AnswerInput(criterion=k, option="1") for k in technology],
        )
        services.submit_response(response=response)
    _, _, roadmap = assessment_roadmap(a)
    first = roadmap.items[0]
    initiative = services.create_initiative(assessment=a, recommendation_key=first.recommendation.key, owner="Ana")
    assert (initiative.title, initiative.dimension_key, initiative.status) == (
        first.recommendation.title,
        "technology",
        "planned",
    )
    with pytest.raises(StateConflict):
        services.create_initiative(assessment=a, recommendation_key=first.recommendation.key)
    with pytest.raises(InvalidInput, match="not on this assessment's roadmap"):
        services.create_initiative(assessment=a, recommendation_key="define-core-stages")
    services.update_initiative(initiative=initiative, status="in_progress")
    with pytest.raises(InvalidInput, match="is not a status"):
        services.update_initiative(initiative=initiative, status="finished")
    initiative.refresh_from_db()
    assert initiative.status == "in_progress"


def test_outcomes_are_recorded_and_cleared(draft_assessment):
    outcome = services.set_outcomes(assessment=draft_assessment, values={"win_rate": "27.5", "ramp_months": 6})
    assert (outcome.win_rate, outcome.ramp_months, outcome.attrition) == (27.5, 6.0, None)
    services.set_outcomes(assessment=draft_assessment, values={"win_rate": None, "attrition": 12})
    outcome.refresh_from_db()
    assert (outcome.win_rate, outcome.ramp_months, outcome.attrition) == (None, 6.0, 12.0)


@pytest.mark.parametrize("kpi", OUTCOME_KPIS, ids=lambda kpi: kpi.key)
def test_each_outcomes_range_is_the_one_the_database_enforces(draft_assessment, kpi):
    """The one table of KPIs (assessment/outcomes.py) and the Outcome table's check constraints agree."""
    outcome = services.set_outcomes(assessment=draft_assessment, values={kpi.key: kpi.maximum})
    assert getattr(outcome, kpi.key) == kpi.maximum
    for beyond in (-0.1, kpi.maximum + 0.1):
        setattr(outcome, kpi.key, beyond)
        with pytest.raises(IntegrityError), transaction.atomic():
            outcome.save()


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"win_rate": 101}, "Win rate of forecast deals must be a percentage from 0 to 100"),
        ({"ramp_months": -1}, "Average ramp time must be a number of months from 0 to 60"),
        ({"attrition": "lots"}, "Sales attrition must be a percentage"),
        ({"attrition": True}, "Sales attrition must be a percentage"),
        ({"nps": 40}, "'nps' is not an outcome"),
        ({"win_rate": 30, "forecast_accuracy": 1e308 * 10}, "Forecast accuracy must be a percentage"),
    ],
)
def test_bad_outcomes_are_refused_and_change_nothing(draft_assessment, values, message):
    services.set_outcomes(assessment=draft_assessment, values={"win_rate": 20})
    with pytest.raises(InvalidInput, match=message):
        services.set_outcomes(assessment=draft_assessment, values=values)
    draft_assessment.outcome.refresh_from_db()
    assert draft_assessment.outcome.win_rate == 20
