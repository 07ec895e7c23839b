"""A rubric nested too deeply is refused as a bad document (422, the command's error), never a 500."""

from __future__ import annotations

import copy

import pytest
import yaml
from django.core.management import CommandError, call_command

from assessment.models import RubricVersion
from assessment.rubric import MAX_GROUP_DEPTH, TOO_DEEP
from tests.factories import rubric_document

DEEP_DOCUMENTS = {
    "lists": "[" * 3000 + "]" * 3000,
    "mappings": "{a: " * 3000 + "1" + "}" * 3000,
    "under a valid key": "key: deep\nname: " + "[" * 3000 + "]" * 3000,
}


@pytest.mark.parametrize("shape", list(DEEP_DOCUMENTS))
def test_yaml_nested_past_the_recursion_limit_is_a_clear_422_and_imports_nothing(consultant, api_client, shape):
    before = RubricVersion.objects.count()
    answered = api_client(consultant).post("/api/v1/rubrics/", {"document": DEEP_DOCUMENTS[shape]})
    assert answered.status_code == 422
    body = answered.json()
    assert body["code"] == "invalid" and body["fields"] == {"document": [TOO_DEEP]}
    assert "nothing was imported" in body["message"]
    assert RubricVersion.objects.count() == before


def nested_groups(depth: int) -> dict:
    """The small rubric with a chain of `depth` sub-groups under its second dimension."""
    document = rubric_document()
    people = document["dimensions"][1]
    group = copy.deepcopy(people["groups"][0])
    node = people
    for level in range(depth):
        child = copy.deepcopy(group)
        child["key"] = f"deep-{level}"
        child["criteria"] = [{**c, "key": f"{c['key']}-{level}"} for c in group["criteria"]]
        child.pop("groups", None)
        node["groups"] = [child]
        node = child
    return document


def test_sub_groups_nest_at_most_the_documented_depth(consultant, api_client):
    client = api_client(consultant)
    too_deep = client.post("/api/v1/rubrics/", {"document": yaml.safe_dump(nested_groups(MAX_GROUP_DEPTH + 1))})
    assert too_deep.status_code == 422
    path = "dimensions[1]" + ".groups[0]" * MAX_GROUP_DEPTH + ".groups"
    assert too_deep.json()["fields"]["document"] == [f"{path}: sub-groups nest at most {MAX_GROUP_DEPTH} levels deep"]
    deepest = client.post("/api/v1/rubrics/", {"document": yaml.safe_dump(nested_groups(MAX_GROUP_DEPTH))})
    assert deepest.status_code == 201, deepest.json()
    tree = client.get(f"/api/v1/rubrics/{deepest.json()['rubric']['id']}/")
    assert tree.status_code == 200


def test_the_import_command_reports_a_document_nested_too_deeply(tmp_path, db, capsys):
    path = tmp_path / "deep.yaml"
    path.write_text(DEEP_DOCUMENTS["lists"])
    with pytest.raises(CommandError, match="1 problem"):
        call_command("import_rubric", str(path))
    assert TOO_DEEP in capsys.readouterr().err
