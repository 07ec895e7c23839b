"""The assessor's ratings page, and "team says …, evidence says …" on the assessment page."""

from __future__ import annotations

from django.urls import reverse

from assessment import services
from assessment.models import AssessorRating
from tests.assessment.test_pages import answered, page, respond  # noqa: F401 (a fixture)

TECHNOLOGY = ("crm-adoption", "crm-single-source")


def ratings_page(assessment) -> str:
    return reverse("assessment:ratings", kwargs={"assessment_id": assessment.pk})


def test_a_consultant_records_ratings_and_the_pages_say_what_the_evidence_says(
    client,
    consultant,
    answered,  # noqa: F811
):
    client.force_login(consultant)
    for key, option in zip(TECHNOLOGY, ("1", "2"), strict=True):
        posted = client.post(
            ratings_page(answered),
            {
                "criterion": key,
                "option": option,
                "notes": "CRM login report, May",
                "links": "https://crm.example.com/r",
            },
        )
        assert posted.status_code == 302
    rating = AssessorRating.objects.get(criterion_key="crm-adoption")
    assert (rating.option_key, rating.notes) == ("1", "CRM login report, May")
    assert rating.links == ["https://crm.example.com/r"]

    services.close_assessment(assessment=answered)
    shown = client.get(ratings_page(answered)).content.decode()
    # Three reps answered "2" everywhere: the team says 2.00; the assessor rated 1 and 2, a mean of 1.50.
    assert "team says 2.0, evidence says 1.0 (Not in place)" in shown
    assert "Team says 2.0, evidence says 1.5" in shown
    assert "CRM login report, May" in shown

    assessment_page = client.get(page(answered)).content.decode()
    assert "team says 2.0, evidence says 1.5" in assessment_page
    assert f'href="{ratings_page(answered)}"' in assessment_page


def test_choosing_the_basis_and_clearing_a_rating_on_the_page(client, consultant, answered):  # noqa: F811
    client.force_login(consultant)
    client.post(ratings_page(answered), {"criterion": "crm-adoption", "option": "not-applicable"})
    assert AssessorRating.objects.get().not_applicable
    assert client.post(ratings_page(answered), {"criterion": "crm-adoption", "option": ""}).status_code == 302
    assert not AssessorRating.objects.exists()
    assert client.post(ratings_page(answered), {"roadmap_basis": "assessor"}).status_code == 302
    answered.refresh_from_db()
    assert answered.roadmap_basis == "assessor"
    assert "Scores from the assessor" in client.get(page(answered)).content.decode()


def test_a_bad_rating_is_refused_on_the_page_with_the_reason(client, consultant, answered):  # noqa: F811
    client.force_login(consultant)
    response = client.post(
        ratings_page(answered), {"criterion": "crm-adoption", "option": "3", "links": "file:///etc/passwd"}
    )
    assert response.status_code == 400
    assert "http or https" in response.content.decode()
    assert not AssessorRating.objects.exists()


def test_client_side_members_cannot_open_the_ratings_page(client, leader, viewer, answered):  # noqa: F811
    for person in (leader, viewer):
        client.force_login(person)
        assert client.get(ratings_page(answered)).status_code == 403
        assert client.post(ratings_page(answered), {"criterion": "crm-adoption", "option": "3"}).status_code == 403
    assert not AssessorRating.objects.exists()


def test_evidence_is_not_shown_to_a_leader_while_the_assessment_is_open(
    client,
    consultant,
    leader,
    answered,  # noqa: F811
):
    client.force_login(consultant)
    client.post(ratings_page(answered), {"criterion": "crm-adoption", "option": "1"})
    respond(answered, "reps", "2")
    client.force_login(leader)
    assert "evidence says" not in client.get(page(answered)).content.decode()


def test_the_page_of_a_draft_says_to_open_it_and_of_a_fresh_one_offers_every_criterion(
    client, consultant, draft_assessment
):
    client.force_login(consultant)
    draft = client.get(ratings_page(draft_assessment)).content.decode()
    assert "This assessment is a draft" in draft and 'name="option"' not in draft
    assert client.post(ratings_page(draft_assessment), {"criterion": "crm-adoption", "option": "3"}).status_code == 409
    services.open_assessment(assessment=draft_assessment)
    fresh = client.get(ratings_page(draft_assessment)).content.decode()
    assert 'id="option-crm-adoption"' in fresh and "team: not shown" in fresh
    assert not AssessorRating.objects.exists()
