"""The rubric catalogue over the API: list, whole tree, YAML export, import with the command's messages."""

from __future__ import annotations

from io import StringIO

import pytest
import yaml
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils.text import slugify

from assessment import services
from assessment.models import Assessment, RubricVersion
from assessment.queries import load_rubric
from organisations.audit import Action
from organisations.models import AuditEvent, Firm, Organisation
from surveys.services import default_rubric_version
from tests.conftest import DEFAULT_RUBRIC
from tests.factories import FirmFactory, FirmMembershipFactory, rubric_document
from tests.surveys.test_self_assessment import SIGN_UP, sign_up

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


def test_a_firms_changed_document_becomes_the_firms_own_rubric_and_then_its_next_version(
    consultant, organisation, default_rubric, api_client
):
    firm = organisation.firm
    document = yaml.safe_load(DEFAULT_RUBRIC.read_text())
    document["name"] = "Sales Transformation Maturity (revised)"
    client = api_client(consultant)
    first = client.post("/api/v1/rubrics/", {"document": yaml.safe_dump(document)})
    assert first.status_code == 201
    own = first.json()["rubric"]
    assert own["key"] == f"{slugify(firm.name)}-{firm.pk}-sales-transformation"
    assert (own["version"], own["firm"], own["built_in"], own["based_on"]) == (
        1,
        firm.pk,
        False,
        "sales-transformation v1",
    )

    document["dimensions"][0]["criteria"][0]["text"] = "We map how our customers buy."
    document["version"] = 2
    second = client.post("/api/v1/rubrics/", {"document": yaml.safe_dump(document)})
    assert second.status_code == 201
    assert (second.json()["rubric"]["key"], second.json()["rubric"]["version"]) == (own["key"], 2)
    # Re-importing the same document, or the firm's own export of it, is idempotent.
    again = client.post("/api/v1/rubrics/", {"document": yaml.safe_dump(document)})
    assert (again.status_code, again.json()["rubric"]["id"]) == (200, second.json()["rubric"]["id"])
    exported = client.get(f"/api/v1/rubrics/{second.json()['rubric']['id']}/export/").content.decode()
    assert yaml.safe_load(exported)["key"] == own["key"]
    back = client.post("/api/v1/rubrics/", {"document": exported})
    assert (back.status_code, back.json()["rubric"]["id"]) == (200, second.json()["rubric"]["id"])
    # The built-in is untouched.
    assert list(RubricVersion.objects.filter(rubric__key="sales-transformation")) == [default_rubric]


def test_an_import_into_the_firms_own_key_is_numbered_by_the_server(consultant, organisation, api_client):
    client = api_client(consultant)
    first = client.post("/api/v1/rubrics/", {"document": yaml.safe_dump(rubric_document(version=7))}).json()
    assert (first["rubric"]["version"], first["rubric"]["based_on"]) == (1, "tiny v7")
    changed = rubric_document(key=first["rubric"]["key"], version=40, name="Tiny, revised")
    second = client.post("/api/v1/rubrics/", {"document": yaml.safe_dump(changed)})
    assert second.status_code == 201
    assert (second.json()["rubric"]["key"], second.json()["rubric"]["version"]) == (first["rubric"]["key"], 2)


def test_every_firm_import_is_in_the_firms_audit_log(consultant, organisation, default_rubric, api_client):
    document = yaml.safe_load(DEFAULT_RUBRIC.read_text())
    document["name"] = "Ours"
    client = api_client(consultant)
    created = client.post("/api/v1/rubrics/", {"document": yaml.safe_dump(document)}).json()["rubric"]
    client.post("/api/v1/rubrics/", {"document": DEFAULT_RUBRIC.read_text()})
    events = AuditEvent.objects.filter(firm=organisation.firm, action=Action.RUBRIC_IMPORTED).order_by("id")
    assert [(e.actor, e.details["key"], e.details["version"], e.details["created"]) for e in events] == [
        (consultant, created["key"], 1, True),
        (consultant, "sales-transformation", 1, False),
    ]
    assert events[0].summary == f"Imported rubric {created['key']} v1 from a 'sales-transformation' document"


def test_a_member_of_several_firms_says_which_firm_imports(consultant, organisation, api_client):
    other = FirmFactory(name="Second Practice")
    FirmMembershipFactory(user=consultant, firm=other, role="admin")
    body = {"document": yaml.safe_dump(rubric_document())}
    client = api_client(consultant)

    unsaid = client.post("/api/v1/rubrics/", body)
    assert (unsaid.status_code, unsaid.json()["fields"]) == (
        422,
        {"firm": ["You are a member of several firms; say which one in `firm`."]},
    )
    assert not RubricVersion.objects.exists()

    said = client.post("/api/v1/rubrics/", {**body, "firm": other.pk})
    assert said.status_code == 201
    assert said.json()["rubric"]["firm"] == other.pk
    assert said.json()["rubric"]["key"] == f"second-practice-{other.pk}-tiny"


def test_naming_a_firm_one_is_not_in_is_not_found(consultant, other_organisation, api_client):
    body = {"document": yaml.safe_dump(rubric_document()), "firm": other_organisation.firm_id}
    response = api_client(consultant).post("/api/v1/rubrics/", body)
    assert response.status_code == 404
    assert response.json()["message"] == f"There is no firm {other_organisation.firm_id} in your organisations."
    assert not RubricVersion.objects.exists()


def test_an_invalid_document_gets_the_same_messages_as_the_command(consultant, db, tmp_path, api_client):
    path = tmp_path / "broken.yaml"
    path.write_text(BROKEN)
    stderr = StringIO()
    with pytest.raises(CommandError, match="2 problem"):
        call_command("import_rubric", str(path), stderr=stderr)
    command_messages = stderr.getvalue().splitlines()

    response = api_client(consultant).post("/api/v1/rubrics/", {"document": BROKEN})
    assert response.status_code == 422
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
def test_only_members_of_a_firm_import_rubrics(who, request, api_client):
    document = yaml.safe_dump(rubric_document())
    response = api_client(request.getfixturevalue(who)).post("/api/v1/rubrics/", {"document": document})
    assert response.status_code == 403
    assert not RubricVersion.objects.exists()


def test_someone_signed_out_cannot_import_or_read_rubrics(default_rubric, api_client):
    client = api_client(None)
    assert client.post("/api/v1/rubrics/", {"document": yaml.safe_dump(rubric_document())}).status_code == 401
    assert client.get("/api/v1/rubrics/").status_code == 401
    assert client.get(f"/api/v1/rubrics/{default_rubric.pk}/").status_code == 401
    assert list(RubricVersion.objects.all()) == [default_rubric]


# --- a firm's rubric belongs to the firm (issue 13, finding 1) -------------------------------


def _taken_over_document(text: str) -> str:
    """The exported built-in with a changed question and a version number far above the latest."""
    document = yaml.safe_load(text)
    document["dimensions"][0]["criteria"][0]["text"] = "Buy our add-on before answering."
    document["version"] = 999
    return yaml.safe_dump(document)


def test_a_sign_ups_import_of_the_default_rubric_changes_nothing_another_firm_or_start_resolves(
    client, consultant, organisation, default_rubric, api_client
):
    original = "Our sales stages follow the steps our customers actually take to buy, not just the way we like to sell."
    sign_up(client)
    founder = get_user_model().objects.get(email__iexact=SIGN_UP["email"])
    firm = Firm.objects.get(memberships__user=founder)
    attacker = api_client(founder)
    exported = attacker.get(f"/api/v1/rubrics/{default_rubric.pk}/export/").content.decode()

    response = attacker.post("/api/v1/rubrics/", {"document": _taken_over_document(exported)})

    assert response.status_code == 201
    own = response.json()["rubric"]
    assert (own["key"], own["version"], own["based_on"], own["firm"], own["built_in"]) == (
        f"initech-{firm.pk}-sales-transformation",
        1,
        "sales-transformation v1",
        firm.pk,
        False,
    )
    # What every other firm resolves is the built-in, as it was.
    assert default_rubric_version().pk == default_rubric.pk
    ours = api_client(consultant)
    assert [v["id"] for v in ours.get("/api/v1/rubrics/").json()["results"]] == [default_rubric.pk]
    tree = ours.get(f"/api/v1/rubrics/{default_rubric.pk}/").json()
    assert tree["dimensions"][0]["criteria"][0]["text"] == original
    created = ours.post("/api/v1/assessments/", {"organisation": organisation.pk, "period": "FY2031"})
    assert (created.status_code, created.json()["rubric"]) == (201, default_rubric.pk)
    # The founder's own assessments without a rubric, and every later /start/ sign-up, too.
    own_org = Organisation.objects.get(firm=firm)
    theirs = attacker.post("/api/v1/assessments/", {"organisation": own_org.pk, "period": "FY2031"})
    assert (theirs.status_code, theirs.json()["rubric"]) == (201, default_rubric.pk)
    later = Client()
    sign_up(later, email="fox@example.com", company="Globex")
    assert Assessment.objects.get(organisation__name="Globex").rubric_version == default_rubric
    assert load_rubric(default_rubric).rubric.criterion_by_key["buying-process-mapped"].text == original


@pytest.fixture
def firm_rubric(consultant, organisation):
    """Our firm's own rubric: the built-in with a changed question."""
    document = yaml.safe_load(DEFAULT_RUBRIC.read_text())
    document["dimensions"][0]["criteria"][0]["text"] = "Northwind's own question."
    return services.import_rubric(document=document, firm=organisation.firm, imported_by=consultant).version


def test_a_firms_rubric_is_listed_read_and_exported_inside_the_firm(
    consultant, default_rubric, firm_rubric, api_client
):
    client = api_client(consultant)
    assert [v["id"] for v in client.get("/api/v1/rubrics/").json()["results"]] == [firm_rubric.pk, default_rubric.pk]
    assert client.get(f"/api/v1/rubrics/{firm_rubric.pk}/").json()["based_on"] == "sales-transformation v1"
    assert "Northwind's own question." in client.get(f"/api/v1/rubrics/{firm_rubric.pk}/export/").content.decode()


@pytest.mark.parametrize("path", ["/api/v1/rubrics/{id}/", "/api/v1/rubrics/{id}/export/"])
def test_another_firms_member_gets_not_found_for_a_firms_rubric(path, outsider, firm_rubric, api_client):
    response = api_client(outsider).get(path.format(id=firm_rubric.pk))
    missing = api_client(outsider).get(path.format(id=firm_rubric.pk + 1000))
    assert (response.status_code, missing.status_code) == (404, 404)
    assert response.json()["message"] == f"There is no rubric version {firm_rubric.pk} in your organisations."
    assert "Northwind" not in response.content.decode()


@pytest.mark.parametrize("who", ["outsider", "leader"])
def test_a_firms_rubric_is_not_listed_outside_the_firm(who, request, default_rubric, firm_rubric, api_client):
    body = api_client(request.getfixturevalue(who)).get("/api/v1/rubrics/").json()
    assert [v["id"] for v in body["results"]] == [default_rubric.pk]
    assert body["results"][0]["built_in"] is True and body["results"][0]["firm"] is None


def test_another_firms_rubric_version_cannot_be_used_for_an_assessment(
    outsider, other_organisation, firm_rubric, api_client
):
    client = api_client(outsider)
    body = {"organisation": other_organisation.pk, "period": "FY2031"}
    used = client.post("/api/v1/assessments/", {**body, "rubric": firm_rubric.pk})
    missing = client.post("/api/v1/assessments/", {**body, "rubric": firm_rubric.pk + 1000})
    assert (used.status_code, missing.status_code) == (404, 404)
    assert used.json()["message"] == f"There is no rubric version {firm_rubric.pk} in your organisations."
    assert not Assessment.objects.exists()


def test_a_firms_rubric_is_used_for_its_own_organisations(consultant, organisation, firm_rubric, api_client):
    body = {"organisation": organisation.pk, "period": "FY2031", "rubric": firm_rubric.pk}
    created = api_client(consultant).post("/api/v1/assessments/", body)
    assert created.status_code == 201
    assert (created.json()["rubric"], created.json()["rubric_key"]) == (firm_rubric.pk, firm_rubric.rubric.key)
