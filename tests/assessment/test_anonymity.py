"""The anonymity rules (PRODUCT.md: Anonymity rules) through the public API, pages, exports and the PDF."""

from __future__ import annotations

import csv
import io
import re
from itertools import count, pairwise

import pytest
from django.db import transaction
from django.urls import reverse
from hypothesis import HealthCheck, example, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from pypdf import PdfReader
from rest_framework.test import APIClient

from assessment import services
from assessment.models import Assessment, ScoreSnapshot
from assessment.queries import load_evidence, load_rubric
from assessment.scoring import score_assessment
from reports.services import render_pdf

GROUPS = ("sales-leadership", "managers", "reps", "marketing")
TARGETS = dict.fromkeys(
    ("sales-process", "organisation-design", "technology", "marketing-alignment", "strategic-leadership"), 5
)
ROLES = ("consultant", "leader", "viewer")
periods = count(1)


def submit(assessment: Assessment, group: str, option: str, *, user=None, every: int = 1, offset: int = 0) -> None:
    """One submitted response answering every `every`-th scored criterion of the group with `option`."""
    rubric = load_rubric(assessment.rubric_version).rubric
    scored = [c for c in rubric.criteria_for_group(group) if rubric.answer_set_by_key[c.answer_set].scored]
    answers = [services.AnswerInput(criterion=c.key, option=option) for c in scored[offset::every]]
    response = services.start_response(assessment=assessment, group=group, user=user)
    services.save_answers(response=response, answers=answers or [services.AnswerInput(scored[0].key, option)])
    services.submit_response(response=response)


def new_assessment(organisation, rubric_version) -> Assessment:
    assessment = services.create_assessment(
        organisation=organisation, period=f"P{next(periods):04d}", rubric_version=rubric_version, targets=TARGETS
    )
    return services.open_assessment(assessment=assessment)


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def scores_of(user, assessment) -> dict:
    response = api(user).get(f"/api/v1/assessments/{assessment.pk}/scores/")
    assert response.status_code == 200
    return response.json()


def shown_figures(body: dict) -> list:
    """Every number (or level) of a scores body derived from answers, None where withheld."""
    figures = [body["overall"][k] for k in ("score", "level", "index", "coverage")]
    for d in body["dimensions"]:
        figures += [d[k] for k in ("score", "level", "index", "coverage", "consensus", "gap", "progress_to_date")]
    for n in body["nodes"]:
        figures += [n[k] for k in ("score", "level", "index", "coverage", "consensus")]
    for c in body["criteria"]:
        figures += [c[k] for k in ("mean", "sd", "consensus", "not_applicable")]
    for g in body["groups"]:
        figures += [g["overall"], *g["dimensions"].values()]
    figures += [p["spread"] for p in body["perception_gaps"]]
    return [f for f in figures if f is not None]


def entering_dimensions(assessment: Assessment, body: dict) -> set[str]:
    """The dimensions that enter the overall shown in `body`: those with a score before anything is
    withheld, from the same responses (the latest snapshot's while open, every counted one once closed).
    A dimension with too little evidence has no score and enters nothing, so hiding it hides no sum."""
    responses = None
    if body["state"] == "open":
        snapshot = ScoreSnapshot.objects.filter(assessment=assessment).order_by("-created_at", "-id").first()
        responses = snapshot.response_ids if snapshot else []
    evidence = load_evidence(assessment, response_ids=responses)
    raw = score_assessment(evidence.rubric, evidence.responses, group_weighting=assessment.group_weighting)
    return {key for key, d in raw.dimensions.items() if d.score is not None}


def assert_every_figure_has_enough_people(body: dict, minimum: int, entering: set[str] | None = None) -> None:
    """The property: a figure is shown only with a respondent count of at least `minimum` beside it."""
    overall = body["overall"]
    if any(overall[k] is not None for k in ("score", "level", "index", "coverage", "insufficient_evidence")):
        assert overall["respondents"] >= minimum
        # Withheld for want of evidence (not of people), the overall still shows its coverage, never a score.
        assert overall["withheld"] is None or (
            overall["withheld"].startswith("withheld: ") and overall["score"] is None
        )
    for d in body["dimensions"]:
        if any(d[k] is not None for k in ("score", "level", "index", "coverage", "consensus", "gap")):
            assert d["respondents"] >= minimum and d["withheld"] is None
    for n in body["nodes"]:
        if any(n[k] is not None for k in ("score", "level", "index", "coverage", "consensus")):
            assert n["respondents"] >= minimum and n["withheld"] is None
    for c in body["criteria"]:
        if any(c[k] is not None for k in ("mean", "sd", "consensus", "not_applicable")):
            assert c["respondents"] >= minimum and c["withheld"] is None
    shown_groups = {}
    for g in body["groups"]:
        if g["hidden"]:
            assert (g["overall"], g["dimensions"]) == (None, {})
            continue
        assert g["respondents"] >= minimum
        shown_groups[g["group"]] = g
        if g["overall"] is not None:
            assert g["overall_respondents"] >= minimum
        for key, value in g["dimensions"].items():
            if value is not None:
                assert g["dimension_respondents"][key] >= minimum
    # No shown whole has exactly one withheld part with answers behind it: it would be the whole minus the rest.
    for d in body["dimensions"]:
        if d["score"] is not None:
            parts = [c for c in body["criteria"] if c["dimension"] == d["key"] and c["respondents"] > 0]
            assert sum(1 for c in parts if c["withheld"]) != 1
    if overall["score"] is not None:
        inside = [d for d in body["dimensions"] if entering is None or d["key"] in entering]
        assert sum(1 for d in inside if d["withheld"] and d["respondents"] > 0) != 1
    # The hidden groups together are never fewer than the minimum: the shown ones cannot be subtracted away.
    hidden = sum(g["respondents"] for g in body["groups"] if g["hidden"])
    assert hidden == 0 or hidden >= minimum or not shown_groups
    for gap in body["perception_gaps"]:
        for group in (gap["highest_group"], gap["lowest_group"]):
            assert shown_groups[group]["dimensions"][gap["dimension"]] is not None


@pytest.fixture
def two_respondents(organisation, default_rubric, leader) -> Assessment:
    """Finding 3: the leader answers 5 everywhere (knowing it), one rep 2: a mean of 3.5 gives the rep away."""
    assessment = new_assessment(organisation, default_rubric)
    submit(assessment, "sales-leadership", "5", user=leader)
    submit(assessment, "reps", "2")
    return assessment


# --- finding 3, through the public API and pages ---------------------------------------------------


@pytest.mark.parametrize("close", [False, True])
@pytest.mark.parametrize("role", ROLES)
def test_with_a_leader_and_one_rep_no_role_gets_a_number_from_the_scores_endpoint(
    request, two_respondents, role, close
):
    if close:
        services.close_assessment(assessment=two_respondents)
    body = scores_of(request.getfixturevalue(role), two_respondents)
    assert shown_figures(body) == []
    assert body["perception_gaps"] == [] and all(g["hidden"] for g in body["groups"])
    if close:
        assert body["overall"]["withheld"] == "fewer than 3 responses"
        assert {d["withheld"] for d in body["dimensions"]} == {"fewer than 3 responses"}
    else:
        assert body["published"] is False and body["respondents"] == 0


@pytest.mark.parametrize("role", ROLES)
def test_with_a_leader_and_one_rep_the_scores_page_export_and_roadmap_show_no_number(
    client, request, two_respondents, role
):
    services.close_assessment(assessment=two_respondents)
    user = request.getfixturevalue(role)
    client.force_login(user)
    html = client.get(reverse("assessment:assessment", kwargs={"assessment_id": two_respondents.pk})).content
    page = html.decode()
    assert "Overall level withheld: fewer than 3 responses" in page
    nodes = load_rubric(two_respondents.rubric_version).rubric.nodes
    # The overall, each dimension beside the radar, and each dimension and sub-group in the table of every depth.
    assert page.count("withheld: fewer than 3 responses") == 1 + 5 + len(nodes)
    assert "(score " not in page and "3.50" not in page
    exported = api(user).get(f"/api/v1/assessments/{two_respondents.pk}/export/scores.csv")
    header, *rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    for column in ("score", "level", "index", "coverage", "consensus", "sd", "n/a"):
        assert {row[header.index(column)] for row in rows} == {""}, column
    assert {row[header.index("withheld")] for row in rows} == {"fewer than 3 responses"}
    roadmap = api(user).get(f"/api/v1/assessments/{two_respondents.pk}/roadmap/").json()
    assert [i for h in roadmap["horizons"] for i in h["items"]] == []
    assert len(roadmap["skipped_dimensions"]) == 5


@pytest.mark.parametrize("role", ROLES)
def test_with_a_leader_and_one_rep_the_overview_page_shows_no_score(client, request, two_respondents, role):
    services.close_assessment(assessment=two_respondents)
    client.force_login(request.getfixturevalue(role))
    url = reverse("reports:organisation", kwargs={"organisation_id": two_respondents.organisation_id})
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", client.get(url).content.decode()))
    assert "Withheld: fewer than 3 responses." in text
    assert "3.5" not in text and "Level 3" not in text


def test_with_a_leader_and_one_rep_the_pdf_shows_no_score(two_respondents):
    services.close_assessment(assessment=two_respondents)
    document, pdf = render_pdf(assessment=two_respondents)
    text = " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "is withheld: fewer than 3 responses" in text
    assert text.count("Withheld: fewer than 3 responses") >= 5
    # The mean (3.5), the spread (1.5) and the index (63) of the two answers appear nowhere.
    for number in ("3.5", "1.5", "63", "62.5"):
        assert number not in text
    assert all(page.score is None for page in document.dimensions)
    assert all(
        not row.mean_text.replace("–", "") for page in document.dimensions for s in page.subgroups for row in s.rows
    )


def test_a_single_respondents_scores_are_withheld_from_a_viewer(viewer, organisation, default_rubric):
    assessment = new_assessment(organisation, default_rubric)
    submit(assessment, "reps", "4")
    services.close_assessment(assessment=assessment)
    body = scores_of(viewer, assessment)
    assert body["respondents"] == 1
    assert shown_figures(body) == []
    assert {c["withheld"] for c in body["criteria"]} == {"fewer than 3 responses"}


# --- snapshots of an open assessment ---------------------------------------------------------------


def test_readings_of_an_open_assessment_never_differ_by_one_response(consultant, organisation, default_rubric):
    assessment = new_assessment(organisation, default_rubric)
    readings = [scores_of(consultant, assessment)]
    for i in range(7):
        submit(assessment, GROUPS[i % 3], str(1 + i % 5))
        readings.append(scores_of(consultant, assessment))
    respondents = [r["respondents"] for r in readings]
    assert respondents == [0, 0, 0, 3, 3, 3, 6, 6]
    for before, after in pairwise(readings):
        if before["respondents"] == after["respondents"]:
            assert before == after  # nothing moves between snapshots
        else:
            assert after["respondents"] - before["respondents"] >= 3
    assert list(ScoreSnapshot.objects.filter(assessment=assessment).values_list("respondents", flat=True)) == [6, 3]
    assert readings[3]["source"] == "snapshot" and readings[3]["overall"]["score"] is not None


@pytest.mark.parametrize("role", ["leader", "viewer"])
def test_leaders_and_viewers_get_no_scores_until_the_assessment_closes(request, organisation, default_rubric, role):
    assessment = new_assessment(organisation, default_rubric)
    for option in ("2", "3", "4", "5"):
        submit(assessment, "reps", option)
    user = request.getfixturevalue(role)
    body = scores_of(user, assessment)
    assert (body["published"], body["notice"]) == (False, "Scores are published when the assessment closes.")
    assert shown_figures(body) == []
    services.close_assessment(assessment=assessment)
    closed = scores_of(user, assessment)
    assert (closed["published"], closed["respondents"], closed["overall"]["score"]) == (True, 4, 3.5)


def test_submitting_takes_a_snapshot_once_enough_new_responses_are_in(organisation, default_rubric):
    assessment = new_assessment(organisation, default_rubric)
    for _ in range(5):
        submit(assessment, "reps", "3")
    (snapshot,) = ScoreSnapshot.objects.filter(assessment=assessment)
    assert snapshot.respondents == len(snapshot.response_ids) == 3
    assert snapshot.scores["overall"] == 3.0 and snapshot.scores["overall_respondents"] == 3


# --- the minimum is a setting ----------------------------------------------------------------------


def test_a_higher_minimum_withholds_more(settings, consultant, organisation, default_rubric):
    assessment = new_assessment(organisation, default_rubric)
    for option in ("2", "3", "4"):
        submit(assessment, "reps", option)
    services.close_assessment(assessment=assessment)
    assert scores_of(consultant, assessment)["overall"]["score"] == 3.0
    settings.MIN_RESPONDENTS = 4
    body = scores_of(consultant, assessment)
    assert (body["min_respondents"], body["overall"]["score"]) == (4, None)
    assert body["overall"]["withheld"] == "fewer than 4 responses"
    assert shown_figures(body) == []


def test_a_higher_minimum_spaces_snapshots_further_apart(settings, consultant, organisation, default_rubric):
    settings.MIN_RESPONDENTS = 4
    assessment = new_assessment(organisation, default_rubric)
    seen = []
    for _ in range(8):
        submit(assessment, "reps", "3")
        seen.append(scores_of(consultant, assessment)["respondents"])
    assert seen == [0, 0, 0, 4, 4, 4, 4, 8]


# --- the property --------------------------------------------------------------------------------

respondent = st.tuples(
    st.integers(0, 3),  # the group, among those taking part
    st.sampled_from("12345"),  # the option given
    st.sampled_from([(1, 0), (2, 0), (2, 1), (3, 2)]),  # which criteria are answered: every n-th from k
)


@hypothesis_settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
# Found by a random run: organisation design answered by two people, too thinly to be scored at all,
# beside an overall from three: withheld alone, but it enters no sum, so nothing can be worked back.
@example(groups=4, respondents=[(2, "2", (2, 0)), (3, "2", (1, 0)), (3, "3", (2, 0))], close=False)
@given(
    groups=st.integers(1, 4),
    respondents=st.lists(respondent, min_size=1, max_size=12),
    close=st.booleans(),
)
def test_nothing_shown_is_derived_from_fewer_than_the_minimum(
    groups, respondents, close, consultant, leader, viewer, organisation, default_rubric
):
    with transaction.atomic():
        assessment = new_assessment(organisation, default_rubric)
        taking_part = GROUPS[:groups]
        for group_index, option, (every, offset) in respondents:
            submit(assessment, taking_part[group_index % groups], option, every=every, offset=offset)
        if close:
            services.close_assessment(assessment=assessment)
        for user in (consultant, leader, viewer):
            body = scores_of(user, assessment)
            assert_every_figure_has_enough_people(body, 3, entering_dimensions(assessment, body))
            if not close and user != consultant:
                assert body["published"] is False and shown_figures(body) == []
            if not close and user == consultant:
                assert body["respondents"] in (0, *range(3, 13))
        transaction.set_rollback(True)


# --- arithmetic: a withheld figure cannot be worked back from a shown whole and its siblings ------------


def test_a_withheld_criterion_cannot_be_subtracted_from_its_shown_dimension(consultant, organisation):
    """Three leaders and one rep: `p2` (asked of reps only) is one person's answer and is withheld; the
    process dimension (four people) is shown. Were `p1` shown too, process = (2·p1 + p2) / 3 would give
    the rep's answer away, so `p1` is withheld with it."""
    from tests.factories import rubric_document

    version = services.import_rubric(document=rubric_document()).version
    assessment = services.create_assessment(
        organisation=organisation, period="FY2031", rubric_version=version, respondent_groups=["leaders", "reps"]
    )
    services.open_assessment(assessment=assessment)
    for group, p1, p2 in [("leaders", "4", None), ("leaders", "4", None), ("leaders", "3", None), ("reps", "2", "5")]:
        response = services.start_response(assessment=assessment, group=group)
        answers = [services.AnswerInput(criterion="p1", option=p1)]
        if p2:
            answers.append(services.AnswerInput(criterion="p2", option=p2))
        services.save_answers(response=response, answers=answers)
        services.submit_response(response=response)
    services.close_assessment(assessment=assessment)

    body = scores_of(consultant, assessment)
    criteria = {c["key"]: c for c in body["criteria"]}
    process = next(d for d in body["dimensions"] if d["key"] == "process")
    assert process["score"] is not None and process["respondents"] == 4
    assert criteria["p2"]["mean"] is None and criteria["p2"]["withheld"]
    assert criteria["p1"]["mean"] is None and criteria["p1"]["withheld"]
    assert criteria["p1"]["respondents"] == 4  # withheld to protect p2, not for its own count
