"""Scores and people counted by the database: the tally of an assessment's answers (grouped by group,
criterion and option) and the nodes each respondent answered in (kept on the response at submission)
give exactly what reading every answer gives, in a number of queries that does not grow with the
respondents."""

from __future__ import annotations

import random
from collections import Counter

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from assessment import models, services
from assessment.anonymity import count_people, score_counted
from assessment.queries import load_evidence, load_rubric, load_tally
from assessment.scoring import nodes_answered, score_assessment, score_tally

ANSWER_TABLE = '"assessment_answer"'


def add_responses(assessment: models.Assessment, rng: random.Random, sizes: dict[str, int], **fields) -> list[int]:
    """Responses written straight to the tables: each scored criterion of the group answered with a random
    option, "not applicable" or left out; each free-text criterion sometimes answered."""
    loaded = load_rubric(assessment.rubric_version)
    rubric = loaded.rubric
    answers, ids = [], []
    for group, size in sizes.items():
        for _ in range(size):
            response = models.Response.objects.create(assessment=assessment, group=group, **fields)
            ids.append(response.pk)
            for criterion in rubric.criteria_for_group(group):
                answer_set = rubric.answer_set_by_key[criterion.answer_set]
                draw = rng.random()
                if not answer_set.scored:
                    if draw < 0.5:
                        answers.append(
                            models.Answer(
                                response=response,
                                criterion_id=loaded.criterion_id_by_key[criterion.key],
                                text="We review the pipeline on Mondays.",
                            )
                        )
                    continue
                if draw < 0.15:
                    continue
                option = None if draw < 0.3 else rng.choice(answer_set.options).key
                answers.append(
                    models.Answer(
                        response=response,
                        criterion_id=loaded.criterion_id_by_key[criterion.key],
                        option_id=None if option is None else loaded.option_id_by_key[(answer_set.key, option)],
                        not_applicable=option is None,
                    )
                )
    models.Answer.objects.bulk_create(answers)
    return ids


def answer_to_a_question_not_asked(assessment: models.Assessment, group: str) -> None:
    """A submitted response of `group` with an answer to a criterion its group is not asked (ignored by
    scoring and by the people counts)."""
    loaded = load_rubric(assessment.rubric_version)
    rubric = loaded.rubric
    criterion = next(c for c in rubric.scored_criteria if not c.addressed_to(group))
    answer_set = rubric.answer_set_by_key[criterion.answer_set]
    response = models.Response.objects.create(assessment=assessment, group=group, submitted_at=timezone.now())
    models.Answer.objects.create(
        response=response,
        criterion_id=loaded.criterion_id_by_key[criterion.key],
        option_id=loaded.option_id_by_key[(answer_set.key, answer_set.options[-1].key)],
    )


def read_every_answer(assessment: models.Assessment, response_ids=None):
    """Scores of every group and the people behind each figure, from every answer read one by one."""
    evidence = load_evidence(assessment, response_ids=response_ids)
    scores = score_assessment(
        evidence.rubric, evidence.responses, group_weighting=assessment.group_weighting, min_group_size=1
    )
    return scores, count_people(evidence.rubric, evidence.responses)


@pytest.fixture
def busy_assessment(open_assessment, other_organisation, default_rubric):
    """Counted responses of every group, with what must not count beside them: a late response, one not
    yet submitted, one with no answers, an answer to a question not asked, and another assessment's."""
    now = timezone.now()
    rng = random.Random(11)
    add_responses(
        open_assessment, rng, {"sales-leadership": 2, "managers": 6, "reps": 9, "marketing": 4}, submitted_at=now
    )
    add_responses(open_assessment, rng, {"reps": 2}, submitted_at=now, late=True)
    add_responses(open_assessment, rng, {"managers": 3})
    models.Response.objects.create(assessment=open_assessment, group="reps", submitted_at=now)
    answer_to_a_question_not_asked(open_assessment, "marketing")
    other = services.create_assessment(organisation=other_organisation, period="FY2026", rubric_version=default_rubric)
    services.open_assessment(assessment=other)
    add_responses(other, rng, {"reps": 5}, submitted_at=now)
    return open_assessment


@pytest.mark.parametrize("group_weighting", [False, True])
def test_the_database_tally_scores_and_counts_people_exactly_as_reading_every_answer(busy_assessment, group_weighting):
    models.Assessment.objects.filter(pk=busy_assessment.pk).update(group_weighting=group_weighting)
    assessment = models.Assessment.objects.get(pk=busy_assessment.pk)
    scores, people = read_every_answer(assessment)

    _, counted_scores, counted_people = score_counted(assessment)

    assert counted_scores == scores
    assert counted_people == people
    # The late, unsubmitted and other assessment's responses are not among them; the empty one is.
    assert scores.respondents == 2 + 6 + 9 + 4 + 1 + 1
    assert people.groups["reps"] == 10
    assert people.overall == scores.respondents - 2  # the empty response and the question not asked
    assert any(c.not_applicable for c in scores.criteria.values())


def test_a_snapshots_responses_are_tallied_alone(busy_assessment):
    counted = list(models.Response.objects.filter(assessment=busy_assessment).counted().values_list("id", flat=True))
    some = sorted(counted)[: len(counted) // 2]

    _, scores, people = score_counted(busy_assessment, response_ids=some)

    assert (scores, people) == read_every_answer(busy_assessment, response_ids=some)
    assert scores.respondents == len(some)


def test_the_pure_tally_and_the_databases_give_the_same_bits_in_any_order(busy_assessment):
    evidence = load_evidence(busy_assessment)
    shuffled = list(evidence.responses)
    random.Random(3).shuffle(shuffled)
    _, tally = load_tally(busy_assessment)

    for weighting in (False, True):
        assert score_tally(evidence.rubric, tally, group_weighting=weighting) == score_assessment(
            evidence.rubric, shuffled, group_weighting=weighting
        )


def test_submitting_keeps_the_nodes_the_respondent_answered_in(open_assessment):
    rubric = load_rubric(open_assessment.rubric_version).rubric
    dimension = next(d for d in rubric.dimensions if d.groups)
    sub_group = dimension.groups[0]
    criterion = next(c for c in sub_group.walk_criteria() if c.addressed_to("managers"))
    other = next(c for c in rubric.scored_criteria if rubric.dimension_of_criterion[c.key] != dimension.key)
    answered = services.start_response(assessment=open_assessment, group="managers")
    services.save_answers(
        response=answered,
        answers=[
            services.AnswerInput(criterion=criterion.key, option="3"),
            services.AnswerInput(criterion=other.key, not_applicable=True),
        ],
    )
    not_applicable_only = services.start_response(assessment=open_assessment, group="managers")
    services.save_answers(
        response=not_applicable_only, answers=[services.AnswerInput(criterion=criterion.key, not_applicable=True)]
    )

    services.submit_response(response=answered)
    services.submit_response(response=not_applicable_only)

    answered.refresh_from_db()
    not_applicable_only.refresh_from_db()
    assert answered.answered_nodes == sorted(rubric.nodes_of_criterion[criterion.key])
    assert {dimension.key, sub_group.key} <= set(answered.answered_nodes)
    assert not_applicable_only.answered_nodes == []


def test_responses_submitted_before_the_nodes_were_kept_get_them_once(busy_assessment):
    models.Response.objects.filter(assessment=busy_assessment).update(answered_nodes=None)
    expected = read_every_answer(busy_assessment)

    assert score_counted(busy_assessment)[1:] == expected

    # Each counted response now keeps the nodes its own answers give.
    rubric = load_rubric(busy_assessment.rubric_version).rubric
    kept = Counter(
        (group, tuple(nodes))
        for group, nodes in models.Response.objects.filter(assessment=busy_assessment)
        .counted()
        .values_list("group", "answered_nodes")
    )
    assert kept == Counter(
        (r.group, tuple(sorted(nodes_answered(rubric, r)))) for r in load_evidence(busy_assessment).responses
    )
    assert not models.Response.objects.filter(assessment=busy_assessment).counted().filter(answered_nodes=None).exists()
    with CaptureQueriesContext(connection) as queries:
        assert score_counted(busy_assessment)[1:] == expected
    # Once kept, the answers are read in one grouped query (the tally) and never one by one.
    answer_reads = [q["sql"] for q in queries.captured_queries if ANSWER_TABLE in q["sql"]]
    assert len(answer_reads) == 1
    assert "GROUP BY" in answer_reads[0]


def test_counting_costs_the_same_queries_for_few_respondents_and_many(
    open_assessment, other_organisation, default_rubric
):
    larger = services.create_assessment(organisation=other_organisation, period="FY2026", rubric_version=default_rubric)
    services.open_assessment(assessment=larger)
    now = timezone.now()
    add_responses(open_assessment, random.Random(1), {"managers": 3}, submitted_at=now)
    add_responses(larger, random.Random(2), {"managers": 30, "reps": 30, "marketing": 10}, submitted_at=now)
    score_counted(open_assessment)  # the nodes kept on the responses written straight to the table
    score_counted(larger)

    counts = []
    for assessment in (open_assessment, larger):
        with CaptureQueriesContext(connection) as queries:
            _, scores, people = score_counted(assessment)
        counts.append(len(queries.captured_queries))
        assert scores.respondents == (3 if assessment == open_assessment else 70)
        assert people == count_people(
            load_rubric(assessment.rubric_version).rubric, load_evidence(assessment).responses
        )

    assert counts[0] == counts[1]
