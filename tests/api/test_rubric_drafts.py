"""The rubric drafts API: start, edit (whole document, located problems), preview, diff, publish;
only the firm's own members reach a draft, built-ins never change and a draft is never assessable."""

from __future__ import annotations

import pytest

from assessment import authoring, services
from assessment.models import Assessment, RubricDraft, RubricVersion
from assessment.queries import load_rubric
from assessment.rubric import load_rubric_yaml
from tests.factories import rubric_document

URL = "/api/v1/rubric-drafts/"


@pytest.fixture
def tiny(db) -> RubricVersion:
    return services.import_rubric(document=rubric_document()).version


@pytest.fixture
def draft_id(api_client, consultant, tiny) -> int:
    response = api_client(consultant).post(URL, {"source": tiny.pk}, format="json")
    assert response.status_code == 201, response.json()
    return response.json()["id"]


def edited(client, draft_id: int) -> dict:
    """The draft's document, as JSON, with p1 reworded and p3 added."""
    document = client.get(f"{URL}{draft_id}/").json()["document"]
    document["dimensions"][0]["criteria"][0]["text"] = "Every stage has written exit criteria."
    document["dimensions"][0]["criteria"].append({"key": "p3", "text": "Partners follow them.", "answer_set": "five"})
    return document


def test_a_consultant_starts_a_draft_of_a_built_in(api_client, consultant, organisation, tiny, draft_id):
    body = api_client(consultant).get(f"{URL}{draft_id}/").json()

    assert body["firm"] == organisation.firm_id
    assert body["source"] == {"id": tiny.pk, "key": "tiny", "version": 1, "built_in": True}
    assert body["follows"] == body["source"]
    assert body["document"]["dimensions"][0]["levels"]["1"] == "Level 1 looks like this."
    assert [d["id"] for d in api_client(consultant).get(URL).json()["results"]] == [draft_id]


def test_a_draft_starts_from_a_yaml_document_too(api_client, consultant, tiny):
    text = (services.BUILT_IN_RUBRICS / "sales-transformation.yaml").read_text()

    response = api_client(consultant).post(URL, {"document": text}, format="json")

    assert response.status_code == 201
    assert response.json()["name"] == "Sales Transformation Maturity"


def test_put_replaces_the_document_given_as_json(api_client, consultant, draft_id):
    client = api_client(consultant)

    response = client.put(f"{URL}{draft_id}/", {"document": edited(client, draft_id)}, format="json")

    assert response.status_code == 200
    criteria = response.json()["document"]["dimensions"][0]["criteria"]
    assert [c["key"] for c in criteria] == ["p1", "p2", "p-note", "p3"]


def test_an_invalid_document_is_refused_with_located_problems_and_nothing_changes(api_client, consultant, draft_id):
    client = api_client(consultant)
    before = RubricDraft.objects.get(pk=draft_id).document
    document = edited(client, draft_id)
    document["dimensions"][0]["criteria"][3]["answer_set"] = "likert7"

    response = client.put(f"{URL}{draft_id}/", {"document": document}, format="json")

    assert response.status_code == 422
    assert response.json()["fields"]["document"] == ["dimensions[0].criteria[3].answer_set: 'likert7' is not defined"]
    assert RubricDraft.objects.get(pk=draft_id).document == before


def test_preview_as_a_group(api_client, consultant, draft_id):
    client = api_client(consultant)

    reps = client.get(f"{URL}{draft_id}/preview/", {"group": "reps"}).json()
    unknown = client.get(f"{URL}{draft_id}/preview/", {"group": "board"})

    assert [q["key"] for s in reps["sections"] for q in s["questions"]] == ["p1", "p2", "p-note", "c1", "c2", "q1"]
    assert reps["group_name"] == "Reps" and reps["question_count"] == 6
    assert unknown.status_code == 422 and "Unknown respondent group 'board'" in unknown.json()["message"]


def test_diff_then_publish_makes_version_one_then_two_of_the_firms_rubric(api_client, consultant, tiny, draft_id):
    client = api_client(consultant)
    client.put(f"{URL}{draft_id}/", {"document": edited(client, draft_id)}, format="json")

    changes = client.get(f"{URL}{draft_id}/diff/").json()["changes"]
    first = client.post(f"{URL}{draft_id}/publish/")

    assert {(c["key"], c["change"]) for c in changes} == {("p1", "changed"), ("p3", "added")}
    assert first.status_code == 201 and first.json()["version"] == 1 and first.json()["built_in"] is False
    assert client.get(f"{URL}{draft_id}/").status_code == 404  # the draft is gone once published

    second = client.post(URL, {"source": first.json()["id"]}, format="json").json()
    document = second["document"]
    document["dimensions"][0]["criteria"][1] = {
        **document["dimensions"][0]["criteria"][1],
        "key": "p2-followed",
        "replaces": ["p2"],
    }
    client.put(f"{URL}{second['id']}/", {"document": document}, format="json")
    replaced = client.get(f"{URL}{second['id']}/diff/").json()["changes"]
    published = client.post(f"{URL}{second['id']}/publish/").json()

    assert [(c["key"], c["change"], c["replaces"]) for c in replaced] == [("p2-followed", "replaced", ["p2"])]
    assert published["key"] == first.json()["key"] and published["version"] == 2
    assert RubricVersion.objects.get(pk=tiny.pk).checksum == tiny.checksum


def test_publishing_an_unchanged_draft_is_a_conflict(api_client, consultant, draft_id):
    response = api_client(consultant).post(f"{URL}{draft_id}/publish/")

    assert response.status_code == 409
    assert RubricDraft.objects.filter(pk=draft_id).exists()


def test_the_published_rubric_exports_and_imports_to_the_same_document(api_client, consultant, draft_id):
    client = api_client(consultant)
    client.put(f"{URL}{draft_id}/", {"document": edited(client, draft_id)}, format="json")
    version = client.post(f"{URL}{draft_id}/publish/").json()

    text = client.get(f"/api/v1/rubrics/{version['id']}/export/").content.decode()
    again = client.post("/api/v1/rubrics/", {"document": text}, format="json")

    assert again.status_code == 200 and again.json()["rubric"]["id"] == version["id"]
    stored = load_rubric(RubricVersion.objects.get(pk=version["id"])).rubric
    assert load_rubric_yaml(text).checksum == stored.checksum


def test_other_firms_and_client_side_members_do_not_reach_a_draft(api_client, draft_id, leader, outsider, tiny):
    for person in (leader, outsider):
        client = api_client(person)
        assert client.get(f"{URL}{draft_id}/").status_code == 404
        assert client.post(f"{URL}{draft_id}/publish/").status_code == 404
        assert client.delete(f"{URL}{draft_id}/").status_code == 404
        assert client.get(URL).json()["results"] == []
    assert api_client(leader).post(URL, {"source": tiny.pk}, format="json").status_code == 403
    assert RubricDraft.objects.filter(pk=draft_id).exists()


def test_a_draft_id_is_not_a_rubric_an_assessment_can_use(api_client, consultant, organisation, tiny, draft_id):
    draft = RubricDraft.objects.get(pk=draft_id)
    while RubricVersion.objects.filter(pk=draft.pk).exists():
        draft = authoring.start_draft(firm=organisation.firm, source=tiny)

    response = api_client(consultant).post(
        "/api/v1/assessments/",
        {"organisation": organisation.pk, "period": "FY2031", "rubric": draft.pk},
        format="json",
    )

    assert response.status_code == 404
    assert not Assessment.objects.filter(organisation=organisation).exists()
