"""The workspace pages: portfolio, organisation, new assessment, the assessment page and its actions."""

from __future__ import annotations

import pytest
import yaml
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from assessment import services
from assessment.models import Assessment, AssessmentState, Initiative, Outcome
from assessment.queries import assessment_roadmap, load_rubric
from organisations.models import Organisation, Role
from tests.assessment.test_portfolio import closed, peer
from tests.conftest import DEFAULT_RUBRIC
from tests.factories import InvitationFactory, MembershipFactory, OrganisationFactory

DIMENSIONS = ("sales-process", "organisation-design", "technology", "marketing-alignment", "strategic-leadership")


def respond(assessment: Assessment, group: str, option: str) -> None:
    """One submitted response answering every scored criterion of the group with the same option."""
    rubric = load_rubric(assessment.rubric_version).rubric
    answers = [
        services.AnswerInput(criterion=c.key, option=option)
        for c in rubric.criteria_for_group(group)
        if rubric.answer_set_by_key[c.answer_set].scored
    ]
    response = services.start_response(assessment=assessment, group=group)
    services.save_answers(response=response, answers=answers)
    services.submit_response(response=response)


def client_of(consultant, name, **fields) -> Organisation:
    organisation = OrganisationFactory(name=name, **fields)
    MembershipFactory(organisation=organisation, user=consultant, role=Role.CONSULTANT)
    return organisation


@pytest.fixture
def answered(open_assessment) -> Assessment:
    """The open FY2026 assessment with three reps who answered "2" and one manager who started."""
    for _ in range(3):
        respond(open_assessment, "reps", "2")
    services.start_response(assessment=open_assessment, group="managers")
    for i in range(4):
        InvitationFactory(assessment=open_assessment, group="reps", email=f"rep{i}@example.com")
    return open_assessment


def page(assessment: Assessment) -> str:
    return reverse("assessment:assessment", kwargs={"assessment_id": assessment.pk})


def roadmap_keys(assessment: Assessment) -> list[str]:
    _, _, roadmap = assessment_roadmap(assessment)
    return [item.recommendation.key for item in roadmap.items]


# --- portfolio ---------------------------------------------------------------------------------


def test_the_portfolio_shows_each_clients_level_trend_and_response_rate(client, consultant, answered, default_rubric):
    organisation = answered.organisation
    closed(organisation, default_rubric, "FY2024", 2.0)
    latest = closed(organisation, default_rubric, "FY2025", 3.5)
    falling = client_of(consultant, "Falling Ltd")
    closed(falling, default_rubric, "FY2024", 3.0)
    closed(falling, default_rubric, "FY2025", 2.5)
    client_of(consultant, "Fresh Start Ltd")
    client.force_login(consultant)
    response = client.get(reverse("assessment:portfolio"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "3 client organisations" in html
    assert reverse("assessment:assessment", kwargs={"assessment_id": latest.pk}) in html
    assert "Level 3</a>" in html and "score 3.50, FY2025" in html
    assert '<span class="visually-hidden">Up </span>+1.50' in html
    assert '<span class="visually-hidden">Down </span>-0.50' in html
    assert "No earlier assessment to compare" in html
    # Three of four live invitations submitted.
    assert 'value="75"' in html and "3 of 4 (75%)" in html
    assert reverse("assessment:organisation-new") in html
    assert reverse("assessment:portfolio") in html  # the nav link


def test_home_points_consultants_to_their_portfolio_and_not_leaders(client, consultant, leader, draft_assessment):
    client.force_login(consultant)
    html = client.get(reverse("home")).content.decode()
    assert reverse("assessment:portfolio") in html
    assert reverse("assessment:assessment", kwargs={"assessment_id": draft_assessment.pk}) in html
    client.force_login(leader)
    html = client.get(reverse("home")).content.decode()
    assert reverse("assessment:portfolio") not in html
    assert reverse("assessment:organisation", kwargs={"organisation_id": draft_assessment.organisation_id}) in html


@pytest.mark.parametrize("role", [Role.LEADER, Role.VIEWER])
def test_the_portfolio_is_for_consultants_only(client, organisation, user_factory, role):
    member = MembershipFactory(organisation=organisation, role=role).user
    client.force_login(member)
    assert client.get(reverse("assessment:portfolio")).status_code == 403
    assert client.get(reverse("assessment:organisation-new")).status_code == 403


def test_the_portfolio_takes_as_many_queries_for_20_clients_as_for_2(client, consultant, default_rubric):
    def build(count: int) -> None:
        for i in range(count):
            organisation = client_of(consultant, f"Client {Organisation.objects.count()}")
            closed(organisation, default_rubric, "FY2024", 2.0)
            closed(organisation, default_rubric, "FY2025", 3.0)
            current = services.open_assessment(
                assessment=services.create_assessment(
                    organisation=organisation, period="FY2026", rubric_version=default_rubric
                )
            )
            InvitationFactory(assessment=current, group="reps", email=f"c{i}@example.com")

    client.force_login(consultant)
    build(2)
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("assessment:portfolio")).status_code == 200
    build(18)
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("assessment:portfolio"))
    assert response.content.decode().count('class="rate"') == 20
    assert len(many) == len(few) <= 11


# --- organisations -----------------------------------------------------------------------------


def test_a_consultant_creates_an_organisation_and_lands_on_its_page(client, consultant):
    client.force_login(consultant)
    response = client.post(
        reverse("assessment:organisation-new"), {"name": " Fabrikam ", "industry": "Software", "size_band": "21-100"}
    )
    organisation = Organisation.objects.get(name="Fabrikam")
    assert response.status_code == 302
    assert response.url == reverse("assessment:organisation", kwargs={"organisation_id": organisation.pk})
    assert (organisation.industry, organisation.size_band) == ("Software", "21-100")
    assert organisation.role_of(consultant) == Role.CONSULTANT
    html = client.get(response.url).content.decode()
    assert "New assessment" in html and "No assessments yet." in html


def test_control_characters_pasted_into_an_organisations_name_are_left_out(client, consultant):
    client.force_login(consultant)
    client.post(reverse("assessment:organisation-new"), {"name": "\x07 Fab\x0brikam\x1b", "size_band": ""})
    assert Organisation.objects.filter(name="Fabrikam").exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "   ", "size_band": ""}, "This field is required."),
        ({"name": " \x07\x0b ", "size_band": ""}, "This field is required."),
        ({"name": "x" * 201, "size_band": ""}, "Ensure this value has at most 200 characters"),
        ({"name": "Fabrikam", "size_band": "huge"}, "Select a valid choice."),
    ],
)
def test_a_bad_organisation_is_refused_with_the_reason_and_nothing_is_created(client, consultant, data, message):
    client.force_login(consultant)
    before = Organisation.objects.count()
    response = client.post(reverse("assessment:organisation-new"), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Organisation.objects.count() == before


def test_the_organisation_page_lists_assessments_with_actions_by_role(client, consultant, viewer, answered):
    url = reverse("assessment:organisation", kwargs={"organisation_id": answered.organisation_id})
    client.force_login(consultant)
    html = client.get(url).content.decode()
    assert "FY2026" in html and "3 responses submitted" in html
    assert reverse("assessment:assessment-new", kwargs={"organisation_id": answered.organisation_id}) in html
    assert reverse("surveys:invitations", kwargs={"assessment_id": answered.pk}) in html
    overview = reverse("reports:organisation", kwargs={"organisation_id": answered.organisation_id})
    assert overview in html
    client.force_login(viewer)
    html = client.get(url).content.decode()
    assert page(answered) in html and overview in html
    assert "New assessment" not in html
    assert reverse("surveys:invitations", kwargs={"assessment_id": answered.pk}) not in html


# --- new assessment ----------------------------------------------------------------------------


def new_assessment_url(organisation) -> str:
    return reverse("assessment:assessment-new", kwargs={"organisation_id": organisation.pk})


def test_the_new_assessment_form_offers_the_rubrics_groups_and_a_target_per_dimension(
    client, consultant, organisation, default_rubric
):
    client.force_login(consultant)
    html = client.get(new_assessment_url(organisation)).content.decode()
    for group in default_rubric.respondent_groups:
        assert f'value="{group["key"]}"' in html
    for key in DIMENSIONS:
        assert f'name="target_{key}"' in html


def test_a_leader_creates_an_assessment_with_groups_weighting_and_targets(client, leader, organisation, default_rubric):
    client.force_login(leader)
    response = client.post(
        new_assessment_url(organisation),
        {
            "rubric_version": default_rubric.pk,
            "period": "FY2027",
            "title": "Second year",
            "respondent_groups": ["managers", "reps"],
            "group_weighting": "on",
            "target_sales-process": "4",
            "target_technology": "3",
            "target_organisation-design": "",
        },
    )
    assessment = Assessment.objects.get(organisation=organisation, period="FY2027")
    assert response.status_code == 302 and response.url == page(assessment)
    assert assessment.title == "Second year" and assessment.state == AssessmentState.DRAFT
    assert assessment.respondent_groups == ["managers", "reps"] and assessment.group_weighting
    assert dict(assessment.targets.values_list("dimension_key", "level")) == {"sales-process": 4, "technology": 3}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"period": "FY2026"}, "Northwind Traders already has an assessment for FY2026."),
        ({"period": ""}, "This field is required."),
        ({"respondent_groups": []}, "Choose at least one respondent group."),
        ({"respondent_groups": ["board"]}, "Select a valid choice. board is not one of the available choices."),
        ({"target_technology": "9"}, "Select a valid choice. 9 is not one of the available choices."),
    ],
)
def test_a_bad_assessment_is_refused_with_the_reason_and_nothing_is_created(
    client, consultant, draft_assessment, default_rubric, changes, message
):
    client.force_login(consultant)
    data = {"rubric_version": default_rubric.pk, "period": "FY2027", "respondent_groups": ["reps"], **changes}
    before = Assessment.objects.count()
    response = client.post(new_assessment_url(draft_assessment.organisation), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Assessment.objects.count() == before


def _firm_rubric(organisation, name: str):
    document = yaml.safe_load(DEFAULT_RUBRIC.read_text())
    document["name"] = name
    return services.import_rubric(document=document, firm=organisation.firm).version


def test_the_new_assessment_form_offers_the_firms_own_rubric_and_never_another_firms(
    client, consultant, organisation, other_organisation, default_rubric
):
    ours = _firm_rubric(organisation, "Northwind Method")
    theirs = _firm_rubric(other_organisation, "Contoso Secret Method")
    client.force_login(consultant)
    html = client.get(new_assessment_url(organisation)).content.decode()
    assert f'<option value="{ours.pk}">Northwind Method (your firm&#x27;s, version 1)</option>' in html
    assert f'value="{default_rubric.pk}" selected' in html
    assert "Contoso Secret Method" not in html
    # Naming another firm's version in the address shows the default rubric, as for one that does not exist.
    shown = client.get(new_assessment_url(organisation), {"rubric_version": theirs.pk}).content.decode()
    assert "Contoso Secret Method" not in shown and f'value="{default_rubric.pk}" selected' in shown


def test_another_firms_rubric_version_is_refused_by_the_new_assessment_form(
    client, consultant, organisation, other_organisation, default_rubric
):
    theirs = _firm_rubric(other_organisation, "Contoso Secret Method")
    client.force_login(consultant)
    data = {"rubric_version": theirs.pk, "period": "FY2027", "respondent_groups": ["reps"]}
    response = client.post(new_assessment_url(organisation), data)
    assert response.status_code == 400
    assert "Select a valid choice. That choice is not one of the available choices." in response.content.decode()
    assert not Assessment.objects.exists()


def test_a_client_leader_is_offered_the_built_in_rubrics_only(client, leader, organisation, default_rubric):
    ours = _firm_rubric(organisation, "Northwind Method")
    client.force_login(leader)
    html = client.get(new_assessment_url(organisation)).content.decode()
    assert f'value="{default_rubric.pk}" selected' in html
    assert "Northwind Method" not in html
    data = {"rubric_version": ours.pk, "period": "FY2027", "respondent_groups": ["reps"]}
    assert client.post(new_assessment_url(organisation), data).status_code == 400
    assert not Assessment.objects.exists()


def test_a_viewer_cannot_create_an_assessment(client, viewer, organisation, default_rubric):
    client.force_login(viewer)
    assert client.get(new_assessment_url(organisation)).status_code == 403
    data = {"rubric_version": default_rubric.pk, "period": "FY2027", "respondent_groups": ["reps"]}
    assert client.post(new_assessment_url(organisation), data).status_code == 403
    assert not Assessment.objects.exists()


# --- the assessment page -------------------------------------------------------------------------


def test_the_consultant_sees_progress_scores_radar_and_roadmap_with_actions(client, consultant, answered):
    client.force_login(consultant)
    response = client.get(page(answered))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'State: <span class="status status--open">open</span>' in html
    assert reverse("assessment:assessment-close", kwargs={"assessment_id": answered.pk}) in html
    assert reverse("surveys:invitations", kwargs={"assessment_id": answered.pk}) in html
    assert reverse("reports:assessment-reports", kwargs={"assessment_id": answered.pk}) in html
    # Reps: 4 invited, 3 started and submitted; managers: 1 started, nothing submitted.
    assert '<th scope="row">Sales reps</th><td>4</td><td>3</td><td>3</td>' in html
    assert '<th scope="row">Front-line managers</th><td>0</td><td>1</td><td>0</td>' in html
    assert "<svg" in html and "Maturity by dimension, FY2026" in html
    assert "level 2, " in html and "(score 2.0)" in html  # one decimal on a 1–5 scale
    assert html.count("Track as initiative<span") == len(roadmap_keys(answered)) > 0
    assert 'name="win_rate"' in html
    assert "Only 0 comparable organisations" in html


def test_a_draft_shows_the_open_button_and_no_scores(client, consultant, draft_assessment):
    client.force_login(consultant)
    html = client.get(page(draft_assessment)).content.decode()
    assert reverse("assessment:assessment-open", kwargs={"assessment_id": draft_assessment.pk}) in html
    assert "<svg" not in html and "This assessment is a draft." in html


def test_opening_then_closing_after_confirmation(client, consultant, draft_assessment):
    client.force_login(consultant)
    response = client.post(reverse("assessment:assessment-open", kwargs={"assessment_id": draft_assessment.pk}))
    assert response.status_code == 302
    draft_assessment.refresh_from_db()
    assert draft_assessment.state == AssessmentState.OPEN
    close_url = reverse("assessment:assessment-close", kwargs={"assessment_id": draft_assessment.pk})
    confirm = client.get(close_url)
    assert confirm.status_code == 200 and "Yes, close the assessment" in confirm.content.decode()
    draft_assessment.refresh_from_db()
    assert draft_assessment.state == AssessmentState.OPEN
    client.post(close_url)
    draft_assessment.refresh_from_db()
    assert draft_assessment.state == AssessmentState.CLOSED and draft_assessment.closing_scores is not None


def test_opening_twice_says_why_instead_of_failing(client, consultant, open_assessment):
    client.force_login(consultant)
    url = reverse("assessment:assessment-open", kwargs={"assessment_id": open_assessment.pk})
    response = client.post(url, follow=True)
    assert response.status_code == 200
    assert "Cannot open it: the assessment is open." in response.content.decode()


def test_a_viewer_reads_scores_roadmap_and_initiatives_without_any_action(client, viewer, answered):
    key = roadmap_keys(answered)[0]
    services.create_initiative(assessment=answered, recommendation_key=key, owner="Head of sales")
    services.close_assessment(assessment=answered)  # viewers see scores once it closes
    client.force_login(viewer)
    response = client.get(page(answered))
    html = response.content.decode()
    assert response.status_code == 200
    assert "<svg" in html and "Roadmap" in html and "owner Head of sales" in html
    for hidden in (
        "Response progress",
        'method="post" action="/assessments/',
        "Track as initiative",
        "Outcome KPIs",
        "benchmark",
    ):
        assert hidden not in html
    assert reverse("surveys:invitations", kwargs={"assessment_id": answered.pk}) not in html


def post_urls(assessment: Assessment, initiative: Initiative) -> list[tuple[str, dict]]:
    return [
        (reverse("assessment:assessment-open", kwargs={"assessment_id": assessment.pk}), {}),
        (reverse("assessment:assessment-close", kwargs={"assessment_id": assessment.pk}), {}),
        (
            reverse("assessment:initiative-create", kwargs={"assessment_id": assessment.pk}),
            {"recommendation_key": roadmap_keys(assessment)[1]},
        ),
        (
            reverse("assessment:initiative-update", kwargs={"initiative_id": initiative.pk}),
            {f"initiative-{initiative.pk}-title": "Changed", f"initiative-{initiative.pk}-status": "done"},
        ),
        (reverse("assessment:outcomes", kwargs={"assessment_id": assessment.pk}), {"win_rate": "40"}),
        (
            reverse("assessment:assessment-new", kwargs={"organisation_id": assessment.organisation_id}),
            {"rubric_version": assessment.rubric_version_id, "period": "FY2030", "respondent_groups": ["reps"]},
        ),
    ]


@pytest.mark.parametrize(("who", "status"), [("viewer", 403), ("outsider", 404)])
def test_viewers_and_outsiders_change_nothing(client, request, answered, who, status):
    initiative = services.create_initiative(assessment=answered, recommendation_key=roadmap_keys(answered)[0])
    client.force_login(request.getfixturevalue(who))
    for url, data in post_urls(answered, initiative):
        assert client.post(url, data).status_code == status, url
    answered.refresh_from_db()
    initiative.refresh_from_db()
    assert answered.state == AssessmentState.OPEN
    assert Initiative.objects.count() == 1 and initiative.title != "Changed"
    assert not Outcome.objects.exists()
    assert Assessment.objects.count() == 1


def test_an_outsider_gets_404_for_every_page_of_another_organisation(client, outsider, answered):
    initiative = services.create_initiative(assessment=answered, recommendation_key=roadmap_keys(answered)[0])
    client.force_login(outsider)
    for url in (
        page(answered),
        reverse("assessment:organisation", kwargs={"organisation_id": answered.organisation_id}),
        reverse("assessment:assessment-new", kwargs={"organisation_id": answered.organisation_id}),
        reverse("assessment:assessment-close", kwargs={"assessment_id": answered.pk}),
    ):
        assert client.get(url).status_code == 404, url
    assert "Northwind" not in client.get(reverse("assessment:portfolio")).content.decode()
    assert (
        client.post(reverse("assessment:initiative-update", kwargs={"initiative_id": initiative.pk})).status_code == 404
    )


# --- initiatives and outcomes ---------------------------------------------------------------------


def test_tracking_a_recommendation_creates_one_initiative_and_a_second_click_says_so(client, leader, answered):
    services.close_assessment(assessment=answered)  # a leader sees the roadmap once it closes
    key = roadmap_keys(answered)[0]
    url = reverse("assessment:initiative-create", kwargs={"assessment_id": answered.pk})
    client.force_login(leader)
    response = client.post(url, {"recommendation_key": key})
    assert response.status_code == 302 and response.url.endswith("#initiatives")
    initiative = Initiative.objects.get(assessment=answered)
    assert initiative.recommendation_key == key and initiative.status == "planned"
    assert f"“{escape(initiative.title)}” is now tracked as an initiative." in client.get(response.url).content.decode()
    again = client.post(url, {"recommendation_key": key}, follow=True)
    assert escape(f"{key!r} is already an initiative.") in again.content.decode()
    assert Initiative.objects.count() == 1
    unknown = client.post(url, {"recommendation_key": "no-such-thing"}, follow=True)
    assert "is not on this assessment&#x27;s roadmap" in unknown.content.decode()


def test_an_initiative_is_edited_inline(client, consultant, answered):
    initiative = services.create_initiative(assessment=answered, recommendation_key=roadmap_keys(answered)[0])
    prefix = f"initiative-{initiative.pk}"
    client.force_login(consultant)
    html = client.get(page(answered)).content.decode()
    assert f'name="{prefix}-owner"' in html
    response = client.post(
        reverse("assessment:initiative-update", kwargs={"initiative_id": initiative.pk}),
        {
            f"{prefix}-title": "Exit criteria",
            f"{prefix}-owner": "RevOps",
            f"{prefix}-due_date": "2026-09-30",
            f"{prefix}-status": "in_progress",
        },
    )
    assert response.status_code == 302
    initiative.refresh_from_db()
    assert (initiative.title, initiative.owner, str(initiative.due_date), initiative.status) == (
        "Exit criteria",
        "RevOps",
        "2026-09-30",
        "in_progress",
    )


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"title": ""}, "This field is required."),
        ({"due_date": "next week"}, "Enter a valid date."),
        ({"status": "forgotten"}, "Select a valid choice."),
    ],
)
def test_a_bad_initiative_edit_is_shown_beside_the_field_and_nothing_changes(
    client, consultant, answered, changes, message
):
    initiative = services.create_initiative(assessment=answered, recommendation_key=roadmap_keys(answered)[0])
    prefix = f"initiative-{initiative.pk}"
    data = {"title": "Exit criteria", "owner": "RevOps", "due_date": "", "status": "done", **changes}
    client.force_login(consultant)
    response = client.post(
        reverse("assessment:initiative-update", kwargs={"initiative_id": initiative.pk}),
        {f"{prefix}-{k}": v for k, v in data.items()},
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert message in html and "nothing was saved" in html
    before = initiative.title
    initiative.refresh_from_db()
    assert initiative.title == before and initiative.status == "planned"


def test_outcome_figures_are_saved_and_cleared(client, consultant, answered):
    url = reverse("assessment:outcomes", kwargs={"assessment_id": answered.pk})
    client.force_login(consultant)
    response = client.post(url, {"win_rate": "31.5", "reps_at_quota": "60", "ramp_months": "4", "attrition": ""})
    assert response.status_code == 302
    outcome = Outcome.objects.get(assessment=answered)
    assert (outcome.win_rate, outcome.reps_at_quota, outcome.ramp_months, outcome.attrition) == (31.5, 60, 4, None)
    assert 'value="31.5"' in client.get(page(answered)).content.decode()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"win_rate": "150"}, "Win rate of forecast deals must be a percentage from 0 to 100."),
        ({"ramp_months": "-1"}, "Average ramp time must be a number of months from 0 to 60."),
        ({"forecast_accuracy": "most"}, "Enter a number."),
    ],
)
def test_bad_outcome_figures_are_refused_with_the_reason_and_nothing_is_saved(
    client, consultant, answered, data, message
):
    client.force_login(consultant)
    response = client.post(reverse("assessment:outcomes", kwargs={"assessment_id": answered.pk}), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Outcome.objects.exists()


# --- the portfolio benchmark ---------------------------------------------------------------------


def test_the_benchmark_shows_percentiles_among_five_peers_without_naming_them(
    client, consultant, answered, default_rubric
):
    for i, score in enumerate((1.0, 1.5, 2.5, 3.0, 3.5)):
        closed(peer(answered.organisation, f"Secret Peer {i}", industry="Retail"), default_rubric, "FY2025", score)
    # The consultant's client in another firm is never a peer.
    closed(client_of(consultant, "Secret Outsider", industry="Retail"), default_rubric, "FY2025", 1.0)
    client.force_login(consultant)
    html = client.get(page(answered)).content.decode()
    assert "5 comparable organisations" in html
    assert "Secret Peer" not in html and "Secret Outsider" not in html
    # Sales process 2.0 among 1.0, 1.5, 2.5, 3.0, 3.5: two below → 2 / 5 = 40th percentile; median 2.5.
    assert '<th scope="row">Sales process</th><td>2.00</td><td>40</td><td>2.50</td>' in html
    filtered = client.get(page(answered), {"industry": "Software"}).content.decode()
    assert "Only 0 comparable organisations" in filtered and "industry" in filtered


def test_the_page_of_an_organisation_that_opted_out_says_so_and_shows_no_percentiles(
    client, consultant, answered, default_rubric
):
    for i, score in enumerate((1.0, 1.5, 2.5, 3.0, 3.5)):
        closed(peer(answered.organisation, f"Peer {i}"), default_rubric, "FY2025", score)
    answered.organisation.benchmark_opt_out = True
    answered.organisation.save()
    client.force_login(consultant)
    html = client.get(page(answered)).content.decode()
    assert "Northwind Traders has opted out of the benchmark" in html
    assert "comparable organisations" not in html
    assert "Peer median" not in html


# --- downloads ---------------------------------------------------------------------------------


def test_the_assessment_page_offers_the_downloads_each_role_may_have(client, consultant, leader, viewer, answered):
    def links(user) -> set[str]:
        client.force_login(user)
        html = client.get(page(answered)).content.decode()
        return {
            f"{kind}.{fmt}"
            for kind in ("responses", "scores")
            for fmt in ("csv", "xlsx")
            if reverse("api-assessment-export", kwargs={"id": answered.pk, "kind": kind, "fmt": fmt}) in html
        }

    assert links(consultant) == {"responses.csv", "responses.xlsx", "scores.csv", "scores.xlsx"}
    assert links(leader) == links(viewer) == {"scores.csv", "scores.xlsx"}
    # The link works from the signed-in browser session, not only with an API token.
    client.force_login(viewer)
    response = client.get(reverse("api-assessment-export", kwargs={"id": answered.pk, "kind": "scores", "fmt": "csv"}))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")


def test_the_portfolio_links_its_workbook_which_downloads_from_the_session(client, consultant, answered):
    client.force_login(consultant)
    html = client.get(reverse("assessment:portfolio")).content.decode()
    assert reverse("api-portfolio-export") in html
    response = client.get(reverse("api-portfolio-export"))
    assert response.status_code == 200 and response.content[:2] == b"PK"  # an XLSX is a zip archive


def test_a_consultant_takes_the_organisation_out_of_the_benchmark_and_back(client, consultant, organisation):
    client.force_login(consultant)
    page = client.get(reverse("assessment:organisation", kwargs={"organisation_id": organisation.pk})).content.decode()
    assert "out of" in page and "benchmark" in page
    url = reverse("assessment:organisation-benchmark", kwargs={"organisation_id": organisation.pk})
    response = client.post(url, {"benchmark_opt_out": "on"})
    assert response.status_code == 302
    organisation.refresh_from_db()
    assert organisation.benchmark_opt_out is True
    client.post(url, {})
    organisation.refresh_from_db()
    assert organisation.benchmark_opt_out is False


@pytest.mark.parametrize(("who", "status"), [("leader", 403), ("viewer", 403), ("outsider", 404)])
def test_only_the_firms_members_change_the_benchmark_opt_out(client, request, organisation, who, status):
    client.force_login(request.getfixturevalue(who))
    url = reverse("assessment:organisation-benchmark", kwargs={"organisation_id": organisation.pk})
    assert client.post(url, {"benchmark_opt_out": "on"}).status_code == status
    organisation.refresh_from_db()
    assert organisation.benchmark_opt_out is False
