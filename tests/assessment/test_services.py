import pytest

from assessment import services
from assessment.models import Answer, Response
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
