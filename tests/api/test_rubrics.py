"""The rubric catalogue over the API: list, whole tree, YAML export, import with the command's messages."""

from __future__ import annotations

from io import StringIO

import pytest
import yaml
from django.core.management import CommandError, call_command

from assessment.models import RubricVersion
from tests.conftest import DEFAULT_RUBRIC

BROKEN = """\
key: Broken Rubric
name: Broken
scale:
  - {value: 1, name: Low}
  - {value: 2, name: High}
answer_sets:
  - key: two
    options:
      - {key: a, value: 1, label: A}
      - {key: b, value: 2, label: B}
dimensions:
  - key: only
    name: Only
    levels: {1: Low, 2: High}
    criteria:
      - {key: q1, text: Question, answer_set: likert7}
"""


def test_every_signed_in_user_lists_the_rubric_versions(viewer, default_rubric, draft_assessment, api_client):
    body = api_client(viewer).get("/api/v1/rubrics/").json()
    assert body["count"] == 1
    version = body["results"][0]
    assert (version["id"], version["key"], version["version"], version["frozen"]) == (
        default_rubric.pk,
        "sales-transformation",
        1,
        True,
    )
    assert [g["key"] for g in version["respondent_groups"]] == ["sales-leadership", "managers", "reps", "marketing"]


def test_the_detail_holds_the_whole_tree(viewer, default_rubric, api_client):
    tree = api_client(viewer).get(f"/api/v1/rubrics/{default_rubric.pk}/").json()
    assert [d["key"] for d in tree["dimensions"]] == [
        "sales-process",
        "organisation-design",
        "technology",
        "marketing-alignment",
        "strategic-leadership",
    ]
    process = tree["dimensions"][0]
    assert process["criteria"][0]["key"] == "buying-process-mapped"
    # Sub-groups nest the same shape.
    assert [g["key"] for g in process["groups"]] == ["pipeline-discipline"]
    assert [c["key"] for c in process["groups"][0]["criteria"]] == [
        "stage-exit-criteria",
        "evidence-based-pipeline-reviews",
        "forecast-categories-defined",
    ]
    assert process["groups"][0]["groups"] == []
    assert len(process["levels"]) == 5
    assert process["recommendations"][0]["key"] == "define-core-stages"
    assert tree["answer_sets"][0]["not_applicable"] == "Don't know / not applicable"
    assert [o["key"] for o in tree["answer_sets"][0]["options"]] == ["1", "2", "3", "4", "5"]
    assert tree["thresholds"] == [1.8, 2.6, 3.4, 4.2]


def test_the_export_is_the_canonical_yaml_and_imports_back_to_the_same_version(consultant, default_rubric, api_client):
    client = api_client(consultant)
    exported = client.get(f"/api/v1/rubrics/{default_rubric.pk}/export/")
    assert exported.status_code == 200
    assert exported["Content-Type"] == "application/yaml; charset=utf-8"
    assert exported["Content-Disposition"] == 'attachment; filename="sales-transformation-v1.yaml"'
    text = exported.content.decode()
    assert yaml.safe_load(text)["key"] == "sales-transformation"
    again = client.post("/api/v1/rubrics/", {"document": text})
    assert again.status_code == 200
    assert again.json()["created"] is False
    assert again.json()["rubric"]["id"] == default_rubric.pk


def test_changed_content_becomes_a_new_version(consultant, default_rubric, api_client):
    document = yaml.safe_load(DEFAULT_RUBRIC.read_text())
    document["name"] = "Sales Transformation Maturity (revised)"
    response = api_client(consultant).post("/api/v1/rubrics/", {"document": yaml.safe_dump(document)})
    assert response.status_code == 201
    assert (response.json()["created"], response.json()["rubric"]["version"]) == (True, 2)
    assert RubricVersion.objects.count() == 2


def test_an_invalid_document_gets_the_same_messages_as_the_command(consultant, db, tmp_path, api_client):
    path = tmp_path / "broken.yaml"
    path.write_text(BROKEN)
    stderr = StringIO()
    with pytest.raises(CommandError, match="2 problem"):
        call_command("import_rubric", str(path), stderr=stderr)
    command_messages = stderr.getvalue().splitlines()

    response = api_client(consultant).post("/api/v1/rubrics/", {"document": BROKEN})
    assert response.status_code == 400
    assert response.json() == {
        "code": "invalid",
        "message": "The rubric has 2 problems; nothing was imported.",
        "fields": {"document": command_messages},
    }
    assert command_messages == [
        "key: 'Broken Rubric' is not a valid key (lower-case letters, digits, '-' and '_', starting with a letter "
        "or digit)",
        "dimensions[0].criteria[0].answer_set: 'likert7' is not defined",
    ]
    assert not RubricVersion.objects.exists()


@pytest.mark.parametrize("who", ["leader", "viewer"])
def test_only_consultants_import_rubrics(who, request, api_client):
    response = api_client(request.getfixturevalue(who)).post(
        "/api/v1/rubrics/", {"document": DEFAULT_RUBRIC.read_text()}
    )
    assert response.status_code == 403
    assert not RubricVersion.objects.exists()
