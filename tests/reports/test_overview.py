"""The executive overview of an organisation: reports, trends, outcomes beside scores, initiatives; members only."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessment import services as assessment_services
from assessment.queries import assessment_roadmap, load_rubric
from reports import services
from reports.document import delta_text, score_change, score_text
from reports.models import Report
from surveys import services as survey_services
from tests.reports.conftest import COMMENT, TEXT_ANSWER, respond

DIMENSION_NAMES = {
    "sales-process": "Sales process",
    "organisation-design": "Organisation design",
    "technology": "Sales technology and data",
    "marketing-alignment": "Marketing alignment",
    "strategic-leadership": "Strategic sales leadership",
}


def overview_url(organisation) -> str:
    return reverse("reports:organisation", kwargs={"organisation_id": organisation.pk})


def text_of(html: str) -> str:
    """The page's visible words, tags dropped and spaces collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.fixture
def ready(this_year, consultant, django_capture_on_commit_callbacks) -> Report:
    with django_capture_on_commit_callbacks(execute=True):
        report = services.request_report(assessment=this_year, requested_by=consultant)
    report.refresh_from_db()
    return report


@pytest.fixture
def outcomes(last_year, this_year):
    assessment_services.set_outcomes(assessment=last_year, values={"win_rate": 20, "attrition": 18.5})
    assessment_services.set_outcomes(assessment=this_year, values={"win_rate": 26, "attrition": 21})


def test_a_viewer_sees_the_reports_trends_outcomes_and_initiatives(client, viewer, organisation, ready, outcomes):
    client.force_login(viewer)
    response = client.get(overview_url(organisation))
    html = response.content.decode()
    text = text_of(html)
    assert response.status_code == 200
    assert "<title>Northwind Traders · Overview · Waypoint</title>" in html
    # The report, with its period and page count, and its download link.
    assert reverse("reports:download", kwargs={"report_id": ready.pk}) in html
    # And its editable deck, which the viewer downloads too.
    deck_url = reverse("reports:download-deck", kwargs={"report_id": ready.pk})
    assert deck_url in html and "PowerPoint deck of the FY2026 roadmap" in text
    deck = client.get(deck_url)
    assert deck.status_code == 200 and b"".join(deck.streaming_content)[:2] == b"PK"
    assert "Roadmap FY2026 · Sales maturity FY2026 latest Issued" in text
    assert f"· {ready.pages} pages ·" in text
    # One trend chart per dimension, each with its target line (every dimension has one).
    assert html.count('<svg xmlns="http://www.w3.org/2000/svg" class="chart trend"') == 5
    assert html.count('class="target"') == 5
    assert "Sales process by period" in html
    assert "Sales process 4.0 in FY2026 · +2.0 since FY2025 · target 4" in text
    assert "Strategic sales leadership 1.0 in FY2026 · \u22121.0 since FY2025 · target 4" in text
    # Outcome KPIs beside the maturity scores: higher win rate is better, higher attrition is worse.
    assert "Change since FY2025" in text  # the column, named in full for screen readers
    assert "Sales process 2.0 4.0 +2.0 better" in text
    assert "Win rate of forecast deals (%) 20 26 +6 better" in text
    assert "Sales attrition (%) lower is better 18.5 21 +2.5 worse" in text
    assert "Reps at quota" not in text  # never supplied in any period
    # Last year's initiatives with status, owner and due date, grouped by their assessment.
    assert "Agreed after the FY2025 assessment · 1 of 3 done" in text
    assert "in progress" in text and "Owner: RevOps" in text and "No owner named" in text
    assert "No due date" in text


def test_the_overview_shows_nothing_below_the_organisation_level(client, viewer, organisation, this_year):
    client.force_login(viewer)
    html = client.get(overview_url(organisation)).content.decode()
    assert "Deals stall" not in html and COMMENT not in html and TEXT_ANSWER not in html
    for group in ("Sales leadership", "Front-line managers", "Marketing", "sales-leadership", "marketing"):
        assert group not in html.replace("Marketing alignment", "").replace("marketing-alignment", "")


@pytest.mark.parametrize("role", ["viewer", "leader", "consultant"])
def test_every_member_role_sees_the_overview_and_the_home_page_links_it(client, request, role, organisation, ready):
    client.force_login(request.getfixturevalue(role))
    assert client.get(overview_url(organisation)).status_code == 200
    home = client.get(reverse("home")).content.decode()
    assert f'href="{overview_url(organisation)}"' in home
    # Viewers come for this page alone: theirs is the page's main button.
    assert ('class="button home-overview"' in home) == (role == "viewer")


def test_another_organisations_member_gets_404_for_the_overview_and_the_report(
    client, outsider, organisation, other_organisation, ready
):
    client.force_login(outsider)
    assert client.get(overview_url(organisation)).status_code == 404
    assert client.get(reverse("reports:download", kwargs={"report_id": ready.pk})).status_code == 404
    # Their own organisation's overview works, and lists nothing of ours.
    own = client.get(overview_url(other_organisation)).content.decode()
    assert "Northwind" not in own and reverse("reports:download", kwargs={"report_id": ready.pk}) not in own


def test_signed_out_visitors_are_sent_to_sign_in(client, organisation):
    response = client.get(overview_url(organisation))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_page_shows_the_same_scores_and_changes_as_the_year_over_year_api(client, viewer, organisation, this_year):
    client.force_login(viewer)
    api = client.get(f"/api/v1/organisations/{organisation.pk}/year-over-year/").json()
    text = text_of(client.get(overview_url(organisation)).content.decode())
    [comparison] = api["comparisons"]
    overall = comparison["overall"]
    assert (
        f"Overall {score_text(overall['previous'])} {score_text(overall['current'])} "
        f"{delta_text(score_change(overall['previous'], overall['current']))}" in text
    )
    for delta in comparison["dimensions"]:
        change = delta_text(score_change(delta["previous"], delta["current"]))
        row = f"{DIMENSION_NAMES[delta['key']]} {score_text(delta['previous'])} {score_text(delta['current'])} {change}"
        assert row in text
        assert (
            f"{DIMENSION_NAMES[delta['key']]} {score_text(delta['current'])} in FY2026 · {change} since FY2025" in text
        )
    # The headline is the API's overall, with the same change.
    assert f"{score_text(overall['current'])} of 5 Level " in text


@pytest.mark.parametrize("role", ["consultant", "viewer"])
def test_an_open_assessment_shows_only_how_many_have_answered_and_the_headline_stays_on_the_last_closed(
    client, request, role, consultant, organisation, this_year
):
    current = assessment_services.create_assessment(
        organisation=organisation, period="FY2027", rubric_version=this_year.rubric_version, created_by=consultant
    )
    assessment_services.open_assessment(assessment=current)
    for n in range(8):
        survey_services.invite(assessment=current, email=f"rep{n}@example.com", group="reps", invited_by=consultant)
    for _ in range(3):
        respond(current, "reps", dict.fromkeys(DIMENSION_NAMES, "5"))
    client.force_login(request.getfixturevalue(role))
    text = text_of(client.get(overview_url(organisation)).content.decode())
    # Even the firm's consultant, who may read the open assessment's snapshot on its own page, sees here
    # what a CEO sees: the last closed year's scores, and how many have answered this year.
    assert "Overall maturity in FY2026" in text
    assert "The FY2027 assessment is open. Answers so far: 3 of 8 invited (38%)." in text
    assert "FY2027" not in text.split("Scores and outcomes by period")[1]
    assert "5.0" not in text
    assert "Sales process 2.0 4.0 +2.0 better" in text
    assessment_services.close_assessment(assessment=current)
    text = text_of(client.get(overview_url(organisation)).content.decode())
    assert "Overall maturity in FY2027" in text
    assert "is open" not in text
    assert "Sales process 2.0 4.0 5.0 +1.0 better" in text


def test_an_organisation_whose_only_assessment_is_open_shows_its_progress_and_no_score(
    client, viewer, organisation, open_assessment
):
    respond(open_assessment, "reps", dict.fromkeys(DIMENSION_NAMES, "4"))
    client.force_login(viewer)
    text = text_of(client.get(overview_url(organisation)).content.decode())
    assert "The FY2026 assessment is open. Answers so far: 1." in text
    assert "No assessment of Northwind Traders has results yet." in text
    assert "<svg" not in text and "Overall maturity" not in text


def test_an_organisation_without_results_says_so(client, viewer, organisation, draft_assessment):
    client.force_login(viewer)
    text = text_of(client.get(overview_url(organisation)).content.decode())
    assert "No assessment of Northwind Traders has results yet." in text
    assert "No report is ready yet." in text
    assert "<svg" not in text


def add_year(organisation, version, consultant, year: int, *, close: bool = True) -> None:
    """One more assessment with three responses (the fewest any score is published from), so that histories
    of any length are cheap to build."""
    assessment = assessment_services.create_assessment(
        organisation=organisation,
        period=f"FY{year}",
        rubric_version=version,
        targets={"sales-process": 4},
        created_by=consultant,
    )
    assessment_services.open_assessment(assessment=assessment)
    for _ in range(3):
        respond(assessment, "reps", dict.fromkeys(DIMENSION_NAMES, "3"))
    first = assessment_roadmap(assessment)[2].items[0].recommendation.key
    initiative = assessment_services.create_initiative(
        assessment=assessment, recommendation_key=first, owner="Head of sales"
    )
    assessment_services.update_initiative(initiative=initiative, status="in_progress")
    assessment_services.set_outcomes(assessment=assessment, values={"win_rate": 20 + year % 10})
    if close:
        assessment_services.close_assessment(assessment=assessment)


def queries_for(client, url) -> int:
    client.get(url)  # the rubric is then in the process's cache, as it is for every later request
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_overview_takes_the_same_number_of_queries_whatever_the_number_of_assessments(
    client, viewer, organisation, default_rubric, consultant, django_capture_on_commit_callbacks
):
    client.force_login(viewer)
    add_year(organisation, default_rubric, consultant, 2020)
    add_year(organisation, default_rubric, consultant, 2021, close=False)
    with django_capture_on_commit_callbacks(execute=True):
        services.request_report(assessment=organisation.assessments.get(period="FY2020"), requested_by=consultant)
    few = queries_for(client, overview_url(organisation))
    for year in range(2022, 2026):
        add_year(organisation, default_rubric, consultant, year, close=year != 2025)
    with django_capture_on_commit_callbacks(execute=True):
        for assessment in organisation.assessments.all():
            services.request_report(assessment=assessment, requested_by=consultant)
    many = queries_for(client, overview_url(organisation))
    assert many == few <= 14


def test_a_report_rendered_before_its_assessment_closed_is_marked_interim(
    client, viewer, organisation, open_assessment, consultant, django_capture_on_commit_callbacks
):
    respond(open_assessment, "reps", dict.fromkeys(DIMENSION_NAMES, "3"))
    with django_capture_on_commit_callbacks(execute=True):
        early = services.request_report(assessment=open_assessment, requested_by=consultant)
    assessment_services.close_assessment(assessment=open_assessment)
    with django_capture_on_commit_callbacks(execute=True):
        final = services.request_report(assessment=open_assessment, requested_by=consultant)
    client.force_login(viewer)
    text = text_of(client.get(overview_url(organisation)).content.decode())
    # Newest first: the final report, then the interim one.
    rows = text.split("Download the FY2026 roadmap")
    assert len(rows) == 3 and early.pk < final.pk
    assert "interim" not in rows[0] and "interim : rendered before the assessment closed" in rows[1]


def test_dimensions_follow_the_rubric_whatever_order_the_kept_scores_were_stored_in(organisation, this_year):
    from reports.overview import organisation_overview

    # PostgreSQL's jsonb keeps an object's keys in its own order, not the order they were written in.
    for assessment in organisation.assessments.all():
        kept = assessment.closing_scores
        assert kept, "the fixture's assessments are closed with their scores kept"
        kept["dimensions"] = dict(reversed(kept["dimensions"].items()))
        assessment.save(update_fields=["closing_scores"])
    overview = organisation_overview(organisation, role="viewer")
    rubric_order = [d.key for d in load_rubric(this_year.rubric_version).rubric.dimensions]
    assert [f.trend.key for f in overview.trends] == rubric_order
    assert [row.label for row in overview.maturity][1:] == [
        d.name for d in load_rubric(this_year.rubric_version).rubric.dimensions
    ]
