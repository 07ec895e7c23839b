"""The rubric authoring pages: the firm's rubrics, the draft editor (form and YAML, located messages),
preview as a group, the diff and publishing; only the firm's members reach them."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from assessment import authoring, services
from assessment.models import Assessment, RubricDraft, RubricVersion
from assessment.queries import load_rubric
from tests.factories import rubric_document


@pytest.fixture
def tiny(db) -> RubricVersion:
    return services.import_rubric(document=rubric_document()).version


@pytest.fixture
def draft(organisation, tiny, consultant) -> RubricDraft:
    return authoring.start_draft(firm=organisation.firm, source=tiny, created_by=consultant)


def editor_post(client, draft: RubricDraft, **fields):
    """Post the editor's form as the page would: its base document, the criteria it shows, the fields."""
    document = authoring.normalise(RubricDraft.objects.get(pk=draft.pk).document)
    criteria = [
        f"dimensions[{i}].criteria[{j}]"
        for i, d in enumerate(document["dimensions"])
        for j in range(len(d.get("criteria", [])))
    ]
    data = {"base": json.dumps(document), "criteria": criteria, **fields}
    return client.post(reverse("assessment:rubric-draft", kwargs={"draft_id": draft.pk}), data)


def test_the_rubrics_page_lists_built_in_and_own_rubrics_with_versions_and_is_in_the_nav(client, consultant, tiny):
    client.force_login(consultant)

    html = client.get(reverse("assessment:rubrics")).content.decode()

    assert "Tiny rubric" in html and "Version 1" in html
    assert "Copy<span" in html
    assert f'href="{reverse("assessment:rubrics")}"' in client.get(reverse("assessment:portfolio")).content.decode()


def test_copying_a_built_in_opens_a_draft_in_the_editor(client, consultant, organisation, tiny):
    client.force_login(consultant)

    response = client.post(reverse("assessment:rubric-draft-start"), {"source": tiny.pk})

    draft = RubricDraft.objects.get(firm=organisation.firm)
    assert response.status_code == 302 and response["Location"] == reverse(
        "assessment:rubric-draft", kwargs={"draft_id": draft.pk}
    )
    html = client.get(response["Location"]).content.decode()
    assert 'rows="2">Stages have exit criteria.</textarea>' in html
    assert "Rubric document (YAML)" in html


def test_client_side_members_and_other_firms_get_404(client, leader, outsider, draft):
    for person in (leader, outsider):
        client.force_login(person)
        for name in ("rubric-draft", "rubric-draft-preview", "rubric-draft-diff", "rubric-draft-publish"):
            assert client.get(reverse(f"assessment:{name}", kwargs={"draft_id": draft.pk})).status_code == 404
        assert client.post(reverse("assessment:rubric-draft-delete", kwargs={"draft_id": draft.pk})).status_code == 404
    client.force_login(leader)
    assert client.get(reverse("assessment:rubrics")).status_code == 404
    assert RubricDraft.objects.filter(pk=draft.pk).exists()


def test_the_form_rewords_a_question_and_adds_one(client, consultant, draft):
    client.force_login(consultant)

    response = editor_post(
        client,
        draft,
        **{"dimensions[0].criteria[0].text": "Every stage has written exit criteria."},
        action="add-criterion:dimensions[0]",
    )

    assert response.status_code == 302
    rubric = authoring.draft_rubric(RubricDraft.objects.get(pk=draft.pk))
    assert rubric.criterion_by_key["p1"].text == "Every stage has written exit criteria."
    assert [c.key for c in rubric.dimensions[0].criteria] == ["p1", "p2", "p-note", "new-question-1"]


def test_the_form_moves_and_removes_questions_and_sets_the_audience(client, consultant, draft):
    client.force_login(consultant)

    editor_post(client, draft, action="down:dimensions[0].criteria[0]")
    editor_post(client, draft, action="remove:dimensions[0].criteria[2]")
    editor_post(client, draft, **{"dimensions[0].criteria[0].audience": ["leaders"]})

    rubric = authoring.draft_rubric(RubricDraft.objects.get(pk=draft.pk))
    assert [c.key for c in rubric.dimensions[0].criteria] == ["p2", "p1"]
    assert rubric.criterion_by_key["p2"].audience == ("leaders",)
    assert rubric.criterion_by_key["p1"].audience == ()


def test_an_invalid_form_shows_the_message_beside_its_field_and_saves_nothing(client, consultant, draft):
    client.force_login(consultant)
    before = RubricDraft.objects.get(pk=draft.pk).document

    response = editor_post(
        client,
        draft,
        **{"dimensions[0].criteria[0].weight": "heavy", "dimensions[0].criteria[1].text": "Reworded"},
    )

    assert response.status_code == 422
    html = response.content.decode()
    field = html.index('id="dimensions[0].criteria[0].weight"')
    message = html.rindex("errorlist", 0, field)
    assert html.index('for="dimensions[0].criteria[0].weight"') < message < field
    assert "nothing was saved" in html
    assert ">Reworded</textarea>" in html  # what was typed is kept on the page
    assert RubricDraft.objects.get(pk=draft.pk).document == before


def test_invalid_yaml_shows_its_line_and_saves_nothing(client, consultant, draft):
    client.force_login(consultant)
    before = RubricDraft.objects.get(pk=draft.pk).document

    response = client.post(
        reverse("assessment:rubric-draft", kwargs={"draft_id": draft.pk}),
        {"action": "save-yaml", "yaml": "key: tiny\nname: [unclosed\n"},
    )

    assert response.status_code == 422
    assert "line 3, column 1: not valid YAML" in response.content.decode()
    assert RubricDraft.objects.get(pk=draft.pk).document == before


def test_the_preview_shows_a_groups_questions_as_the_survey_does(client, consultant, draft):
    client.force_login(consultant)
    url = reverse("assessment:rubric-draft-preview", kwargs={"draft_id": draft.pk})

    leaders = client.get(url, {"group": "leaders"}).content.decode()
    reps = client.get(url, {"group": "reps"}).content.decode()

    assert "Reps follow them." not in leaders and "Reps follow them." in reps
    assert 'class="question"' in leaders and "Option 3" in leaders


def test_the_diff_and_publish_pages_then_publishing_lists_the_new_version(client, consultant, organisation, draft):
    client.force_login(consultant)
    editor_post(client, draft, **{"dimensions[0].criteria[0].text": "Every stage has written exit criteria."})

    diff = client.get(reverse("assessment:rubric-draft-diff", kwargs={"draft_id": draft.pk})).content.decode()
    confirm = client.get(reverse("assessment:rubric-draft-publish", kwargs={"draft_id": draft.pk})).content.decode()
    response = client.post(reverse("assessment:rubric-draft-publish", kwargs={"draft_id": draft.pk}))

    assert "changed</span> criterion <code>p1</code>" in diff and "Changed: text" in diff
    assert "Publish this version?" in confirm
    assert response.status_code == 302
    version = RubricVersion.objects.get(rubric__firm=organisation.firm)
    assert load_rubric(version).rubric.criterion_by_key["p1"].text == "Every stage has written exit criteria."
    rubrics = client.get(response["Location"]).content.decode()
    assert "Start a new version" in rubrics and "Published" in rubrics
    assert not RubricDraft.objects.filter(pk=draft.pk).exists()


def test_a_draft_cannot_be_chosen_for_a_new_assessment_on_the_page(client, consultant, organisation, draft, tiny):
    while RubricVersion.objects.filter(pk=draft.pk).exists():
        draft = authoring.start_draft(firm=organisation.firm, source=tiny)
    client.force_login(consultant)
    url = reverse("assessment:assessment-new", kwargs={"organisation_id": organisation.pk})

    response = client.post(url, {"period": "FY2031", "rubric": draft.pk, "respondent_groups": ["leaders"]})

    assert response.status_code in (200, 400, 422)
    assert not Assessment.objects.filter(organisation=organisation).exists()


@pytest.mark.parametrize("value", ["99999999999999999999", "²", "-1", "abc"])
def test_ids_that_cannot_be_one_are_not_found_not_errors(client, consultant, draft, value):
    client.force_login(consultant)

    assert client.get(reverse("assessment:rubrics"), {"firm": value}).status_code == 404
    started = client.post(reverse("assessment:rubric-draft-start"), {"source": value})
    assert started.status_code == 302 and RubricDraft.objects.count() == 1
    shown = client.get(reverse("assessment:rubric-draft", kwargs={"draft_id": draft.pk}), {"dimension": value})
    assert shown.status_code == 200
    assert client.get(f"/rubrics/drafts/{'9' * 25}/").status_code == 404


def test_the_form_adds_a_dimension_and_a_recommendation_with_a_dependency(client, consultant, draft):
    client.force_login(consultant)

    added = editor_post(client, draft, action="add-dimension")
    editor_post(client, draft, action="add-recommendation:dimensions[0]")
    editor_post(
        client,
        draft,
        **{
            "dimensions[0].recommendations[3].title": "Write partner stages",
            "dimensions[0].recommendations[3].depends_on": "r1, r2",
            "dimensions[0].recommendations[3].horizon": "3-6m",
        },
    )

    assert added["Location"].endswith("?dimension=2")
    rubric = authoring.draft_rubric(RubricDraft.objects.get(pk=draft.pk))
    assert [d.key for d in rubric.dimensions] == ["process", "people", "new-dimension-1"]
    recommendation = rubric.dimensions[0].recommendations[3]
    assert (recommendation.title, recommendation.depends_on, recommendation.horizon) == (
        "Write partner stages",
        ("r1", "r2"),
        "3-6m",
    )
