"""Scores are kept: a closed assessment (and each snapshot of an open one) is scored once, and every read
after that (pages, API, the PDF, year over year) gives the same published figures without reading answers."""

from __future__ import annotations

import random
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from assessment import anonymity, kept, models, services
from assessment.anonymity import (
    count_people,
    published_history,
    published_scores,
    suppression,
    withhold,
)
from assessment.queries import assessments_with_evidence, load_evidence, load_rubric
from assessment.scoring import score_assessment
from organisations.models import Role
from reports.document import build_roadmap_document

ANSWER_TABLE = '"assessment_answer"'


def answer_queries(queries: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if ANSWER_TABLE in q["sql"]]


def add_responses(assessment: models.Assessment, rng: random.Random, sizes: dict[str, int]) -> None:
    """Submitted responses written straight to the tables: each criterion of the group answered with a
    random option, "not applicable", or left out."""
    loaded = load_rubric(assessment.rubric_version)
    rubric = loaded.rubric
    now = timezone.now()
    answers = []
    for group, size in sizes.items():
        scored = [c for c in rubric.criteria_for_group(group) if rubric.answer_set_by_key[c.answer_set].scored]
        for _ in range(size):
            response = models.Response.objects.create(assessment=assessment, group=group, submitted_at=now)
            for criterion in scored:
                draw = rng.random()
                if draw < 0.15:
                    continue
                option = (
                    None if draw < 0.25 else loaded.option_id_by_key[(criterion.answer_set, str(rng.randint(1, 5)))]
                )
                answers.append(
                    models.Answer(
                        response=response,
                        criterion_id=loaded.criterion_id_by_key[criterion.key],
                        option_id=option,
                        not_applicable=option is None,
                    )
                )
    models.Answer.objects.bulk_create(answers)


def closed(organisation, rubric_version, period: str, rng: random.Random, sizes: dict[str, int], **kwargs):
    assessment = services.create_assessment(
        organisation=organisation,
        period=period,
        rubric_version=rubric_version,
        respondent_groups=list(sizes),
        **kwargs,
    )
    services.open_assessment(assessment=assessment)
    add_responses(assessment, rng, sizes)
    return services.close_assessment(assessment=assessment)


def recomputed(assessment: models.Assessment, minimum: int):
    """The published figures the way they were worked out before scores were kept: from the answers."""
    evidence = load_evidence(assessment)
    rubric = evidence.rubric
    scores = score_assessment(
        rubric, evidence.responses, group_weighting=assessment.group_weighting, min_group_size=minimum
    )
    people = count_people(rubric, evidence.responses)
    hidden = suppression(rubric, scores, people, minimum)
    return withhold(rubric, scores, people, minimum, hidden), people, hidden


GROUP_SIZES = [
    {"sales-leadership": 1, "managers": 3, "reps": 7, "marketing": 2},
    {"sales-leadership": 4, "managers": 5, "reps": 2},
    {"reps": 9, "marketing": 1},
    {"sales-leadership": 2, "managers": 2, "reps": 3, "marketing": 3},
]


@pytest.mark.parametrize("seed", range(4))
def test_kept_scores_publish_exactly_what_scoring_the_answers_again_would(seed, organisation, default_rubric, settings):
    rng = random.Random(seed)
    assessment = closed(
        organisation, default_rubric, f"FY{seed}", rng, GROUP_SIZES[seed], group_weighting=bool(seed % 2)
    )
    for minimum in (3, 4, 6):
        settings.MIN_RESPONDENTS = minimum
        published = published_scores(assessment, role=Role.VIEWER)
        scores, people, hidden = recomputed(assessment, minimum)
        assert published.scores == scores
        assert published.people == people
        assert published.hidden == hidden
        # The order pages list dimensions, criteria and groups in is kept too.
        assert list(published.scores.dimensions) == list(scores.dimensions)
        assert list(published.scores.criteria) == list(scores.criteria)
        assert [g.group for g in published.scores.groups] == [g.group for g in scores.groups]
    settings.MIN_RESPONDENTS = 3
    # Something is withheld somewhere in these cases, so the comparison covers withholding.
    assert any(g.hidden for g in published_scores(assessment, role=Role.VIEWER).scores.groups) or seed == 1


def test_the_kept_form_reads_back_equal_to_the_scores_through_the_database(organisation, default_rubric):
    assessment = closed(organisation, default_rubric, "FY2026", random.Random(7), GROUP_SIZES[0])
    data = models.KeptScores.objects.get(assessment=assessment).data
    evidence = load_evidence(assessment)
    scores = score_assessment(evidence.rubric, evidence.responses, min_group_size=1)
    assert kept.decode_scores(data["scores"]) == scores
    assert anonymity.People(**kept.decode_people_fields(data["people"])) == count_people(
        evidence.rubric, evidence.responses
    )


def test_a_closed_assessments_scores_page_api_and_report_read_no_answers(organisation, default_rubric, viewer, client):
    assessment = closed(organisation, default_rubric, "FY2026", random.Random(1), GROUP_SIZES[1])
    client.force_login(viewer)
    api = APIClient()
    api.force_authenticate(viewer)

    with CaptureQueriesContext(connection) as page:
        html = client.get(reverse("assessment:assessment", kwargs={"assessment_id": assessment.pk}))
    with CaptureQueriesContext(connection) as endpoint:
        body = api.get(f"/api/v1/assessments/{assessment.pk}/scores/")
    with CaptureQueriesContext(connection) as report:
        document = build_roadmap_document(models.Assessment.objects.get(pk=assessment.pk))

    assert html.status_code == 200 and body.status_code == 200
    assert body.json()["overall"]["score"] == published_scores(assessment, role=Role.VIEWER).scores.overall.score
    assert answer_queries(page) == []
    assert answer_queries(endpoint) == []
    # The report reads respondents' written comments, and nothing else of the answers: no option, no score.
    assert all('"option_id"' not in sql for sql in answer_queries(report))
    assert document.summary is not None


def test_an_assessment_closed_before_scores_were_kept_is_scored_once_on_first_read(organisation, default_rubric):
    assessment = closed(organisation, default_rubric, "FY2026", random.Random(2), GROUP_SIZES[1])
    before = published_scores(assessment, role=Role.VIEWER)
    models.KeptScores.objects.filter(assessment=assessment).delete()

    with CaptureQueriesContext(connection) as first:
        again = published_scores(assessment, role=Role.VIEWER)
    with CaptureQueriesContext(connection) as second:
        third = published_scores(assessment, role=Role.VIEWER)

    assert again == before == third
    assert len(answer_queries(first)) == 1
    assert answer_queries(second) == []
    assert models.KeptScores.objects.filter(assessment=assessment).count() == 1


def test_late_responses_change_nothing_of_a_closed_assessments_kept_scores(organisation, default_rubric):
    assessment = closed(organisation, default_rubric, "FY2026", random.Random(3), GROUP_SIZES[1])
    before = published_scores(assessment, role=Role.VIEWER)
    loaded = load_rubric(assessment.rubric_version)
    # A respondent who was still answering when it closed submits afterwards: kept, marked late, not counted.
    response = models.Response.objects.create(assessment=assessment, group="reps")
    services.save_answers(
        response=response,
        answers=[services.AnswerInput(criterion=key, option="5") for key in list(loaded.criterion_id_by_key)[:3]],
    )
    services.submit_response(response=response)
    assert models.Response.objects.get(pk=response.pk).late
    assert published_scores(assessment, role=Role.VIEWER) == before


def test_year_over_year_costs_the_same_queries_for_two_years_or_ten(default_rubric, consultant):
    from tests.factories import OrganisationFactory

    rng = random.Random(4)
    counts = {}
    for years in (2, 10):
        organisation = OrganisationFactory()
        for year in range(years):
            closed(organisation, default_rubric, f"FY{2010 + year}", rng, {"managers": 3, "reps": 3})
        with CaptureQueriesContext(connection) as queries:
            history = published_history(assessments_with_evidence(organisation.pk), role=Role.VIEWER)
        assert [h.period for h in history] == [f"FY{2010 + y}" for y in range(years)]
        assert answer_queries(queries) == []
        counts[years] = len(queries.captured_queries)
    assert counts[2] == counts[10]


def test_an_open_assessment_read_twice_without_new_submissions_is_scored_once(open_assessment, monkeypatch):
    add_responses(open_assessment, random.Random(5), {"managers": 3, "reps": 3})
    # Submitted before snapshots kept their complete scores: the first read completes the snapshot.
    anonymity.take_snapshot_if_due(assessment=open_assessment)
    models.ScoreSnapshot.objects.filter(assessment=open_assessment).update(kept=None)
    scored = []
    real = anonymity.score_tally

    def counting(*args, **kwargs):
        scored.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(anonymity, "score_tally", counting)
    first = published_scores(open_assessment, role=Role.CONSULTANT)
    second = published_scores(open_assessment, role=Role.CONSULTANT)

    assert first.source == second.source == "snapshot"
    assert first == second
    assert len(scored) == 1


def test_a_snapshot_taken_on_submission_is_read_without_scoring(open_assessment, monkeypatch):
    rubric = load_rubric(open_assessment.rubric_version).rubric
    key = next(c.key for c in rubric.criteria_for_group("reps") if rubric.answer_set_by_key[c.answer_set].scored)
    for option in ("2", "3", "4"):
        response = services.start_response(assessment=open_assessment, group="reps")
        services.save_answers(response=response, answers=[services.AnswerInput(criterion=key, option=option)])
        services.submit_response(response=response)
    monkeypatch.setattr(anonymity, "score_tally", None)  # any scoring would fail
    monkeypatch.setattr(anonymity, "score_assessment", None)

    with CaptureQueriesContext(connection) as queries:
        published = published_scores(open_assessment, role=Role.CONSULTANT)

    assert published.scores.criteria[key].mean == 3.0
    assert answer_queries(queries) == []


def test_loading_the_evidence_neither_sorts_nor_joins(open_assessment):
    add_responses(open_assessment, random.Random(6), {"managers": 3})
    assessment = models.Assessment.objects.get(pk=open_assessment.pk)
    load_rubric(assessment.rubric_version)

    with CaptureQueriesContext(connection) as queries:
        evidence = load_evidence(assessment)

    assert len(evidence.responses) == 3
    reads = [q["sql"].upper() for q in queries.captured_queries if "ASSESSMENT_RESPONSE" in q["sql"].upper()]
    assert reads
    for sql in reads:
        assert "ORDER BY" not in sql
        assert "JOIN" not in sql


def test_the_admin_lists_responses_and_a_responses_answers_in_their_order(admin_client, organisation, default_rubric):
    from tests.factories import OrganisationFactory

    rng = random.Random(8)
    # Two assessments whose responses are written interleaved: the list still shows them by assessment.
    first = closed(OrganisationFactory(name="Aardvark Ltd"), default_rubric, "FY2026", rng, {"reps": 1})
    second = closed(organisation, default_rubric, "FY2026", rng, {"reps": 1})
    later = models.Response.objects.create(assessment=first, group="reps")

    html = admin_client.get(reverse("admin:assessment_response_changelist")).content.decode()
    shown = [int(pk) for pk in re.findall(r"/admin/assessment/response/(\d+)/change/", html)]
    expected = list(
        models.Response.objects.filter(assessment__in=[first, second])
        .order_by("assessment__organisation__name", "id")
        .values_list("id", flat=True)
    )
    assert later.pk in shown
    assert shown == list(dict.fromkeys(expected))

    response = models.Response.objects.filter(assessment=second).first()
    answers = list(
        models.Answer.objects.filter(response=response).order_by("id").values_list("criterion__key", flat=True)
    )
    detail = admin_client.get(reverse("admin:assessment_response_change", args=[response.pk])).content.decode()
    positions = [detail.index(f">{key}<") for key in answers]
    assert len(answers) > 5 and positions == sorted(positions)


def test_a_closed_assessments_weighting_cannot_be_changed_in_the_admin(admin_client, organisation, default_rubric):
    assessment = closed(organisation, default_rubric, "FY2026", random.Random(9), {"reps": 3})
    html = admin_client.get(reverse("admin:assessment_assessment_change", args=[assessment.pk])).content.decode()
    assert 'name="group_weighting"' not in html
