"""What the schema states is what the API does: the rules Schemathesis found unstated, one by one.

A request the schema allows must not be refused with a 400; a rule that depends on stored data (a
key the rubric does not have) answers 422, stated on every operation; an error is JSON also where
the success is a PDF; a filter by another firm's assessment answers as one that does not exist.
"""

from __future__ import annotations

import re

import pytest
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.plumbing import ComponentRegistry
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from assessment.models import Assessment, Initiative
from organisations.openapi import ApiSchema
from reports.models import Report
from surveys.models import Invitation
from tests.factories import InvitationFactory


@pytest.fixture(scope="module")
def schema() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


def component(schema: dict, name: str) -> dict:
    return schema["components"]["schemas"][name]


def operation(schema: dict, path: str, method: str) -> dict:
    return schema["paths"][f"/api/v1{path}"][method]


# --- ?assessment= on the invitations list --------------------------------------------------


def test_filtering_invitations_by_another_firms_assessment_answers_as_for_one_that_does_not_exist(world, api_client):
    client = api_client(world.consultant)
    theirs = client.get("/api/v1/invitations/", {"assessment": world.outsider_assessment.pk})
    absent = client.get("/api/v1/invitations/", {"assessment": 987654321})
    assert theirs.status_code == absent.status_code == 404
    assert theirs.json()["code"] == absent.json()["code"] == "not_found"


def test_filtering_invitations_by_our_assessment_lists_its_invitations(world, api_client):
    ours = InvitationFactory(assessment=world.open_assessment, group="reps")
    InvitationFactory(assessment=world.outsider_assessment, group="reps")
    response = api_client(world.consultant).get("/api/v1/invitations/", {"assessment": world.open_assessment.pk})
    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [ours.pk]


# --- the PDF endpoint's errors ---------------------------------------------------------------


@pytest.mark.parametrize("accept", ["application/pdf", "*/*"])
def test_a_report_that_is_not_ready_is_a_json_conflict_even_to_a_client_asking_for_a_pdf(world, api_client, accept):
    report = Report.objects.create(assessment=world.closed_assessment, rubric_version=world.rubric_version)
    response = api_client(world.consultant).get(f"/api/v1/reports/{report.pk}/pdf/", HTTP_ACCEPT=accept)
    assert response.status_code == 409
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "conflict"


def test_an_absent_report_is_a_json_404_to_a_client_asking_for_a_pdf(world, api_client):
    response = api_client(world.consultant).get("/api/v1/reports/987654321/pdf/", HTTP_ACCEPT="application/pdf")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "not_found"


def test_the_schema_gives_the_pdf_endpoints_errors_as_json(schema):
    responses = operation(schema, "/reports/{id}/pdf/", "get")["responses"]
    assert list(responses["200"]["content"]) == ["application/pdf"]
    for code in ("404", "409"):
        assert list(responses[code]["content"]) == ["application/json"], code
        assert responses[code]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}


# --- rules stated in the schema --------------------------------------------------------------


def test_the_schema_refuses_control_characters_in_text_and_in_keys_as_the_parser_does(schema):
    period = component(schema, "AssessmentCreateRequest")["properties"]["period"]["pattern"]
    assert re.search(period, "FY2026")
    assert not re.search(period, "FY\x1f2026")
    assert not re.search(period, "   "), "blank text is refused after trimming"
    keys = component(schema, "AssessmentCreateRequest")["properties"]["targets"]["propertyNames"]["pattern"]
    assert re.search(keys, "sales-process")
    assert not re.search(keys, "sales\x7fprocess")
    comment = component(schema, "AnswerRequest")["properties"]["comment"]["pattern"]
    assert re.search(comment, "") and re.search(comment, "two\nlines"), "a comment may be empty or span lines"


def test_the_schema_states_the_survey_answer_as_one_answer_or_a_list_and_nothing_else(schema):
    body = operation(schema, "/survey/{token}/answers/", "post")["requestBody"]["content"]["application/json"]
    forms = component(schema, body["schema"]["$ref"].rsplit("/", 1)[1])["oneOf"]
    assert forms == [
        {"$ref": "#/components/schemas/AnswerRequest"},
        {"$ref": "#/components/schemas/AnswerListRequest"},
    ]
    answer = component(schema, "AnswerRequest")
    assert answer["additionalProperties"] is False
    assert answer["properties"]["option"]["type"] == ["string", "null"]
    assert answer["properties"]["not_applicable"]["type"] == "boolean"
    listed = component(schema, "AnswerListRequest")
    assert listed["additionalProperties"] is False
    assert (listed["properties"]["answers"]["minItems"], listed["properties"]["answers"]["maxItems"]) == (1, 500)


def test_a_client_role_field_offers_only_the_roles_it_takes(schema):
    role = component(schema, "MemberAddRequest")["properties"]["role"]
    assert role["allOf"] == [{"$ref": "#/components/schemas/ClientRoleEnum"}]
    assert sorted(component(schema, "ClientRoleEnum")["enum"]) == ["leader", "viewer"]


def test_every_operation_states_the_error_statuses_as_the_error_shape(schema):
    for path, operations in schema["paths"].items():
        for method, spec in operations.items():
            for code in ("400", "401", "403", "404", "409", "422", "429"):
                content = spec["responses"][code]["content"]
                assert content == {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}, (
                    method,
                    path,
                    code,
                )


def test_the_sign_in_which_locks_out_says_when_to_try_again(schema):
    locked = operation(schema, "/auth/token/", "post")["responses"]["429"]
    assert locked["headers"]["Retry-After"]["schema"] == {"type": "integer", "minimum": 0}


def test_a_view_with_throttles_states_retry_after_on_its_429(schema):
    class Throttled(APIView):
        throttle_classes = [AnonRateThrottle]

    class Plain(APIView):
        throttle_classes: list = []

    def retry_after(view_class) -> bool:
        view = view_class()
        view.request = None
        view.kwargs = {}
        view.format_kwarg = None
        generator = ApiSchema()
        generator.view = view
        generator.method = "GET"
        generator.path = "/api/v1/x/"
        generator.path_regex = "^api/v1/x/$"
        generator.registry = ComponentRegistry()
        return "headers" in generator._get_response_bodies()["429"]

    assert retry_after(Throttled)
    assert not retry_after(Plain)


# --- what the schema allows, the API accepts -------------------------------------------------


def test_a_key_the_rubric_does_not_have_is_a_422_and_creates_nothing(world, api_client):
    client = api_client(world.consultant)
    before = Assessment.objects.count()
    response = client.post(
        "/api/v1/assessments/",
        {"organisation": world.organisation.pk, "period": "FY2030", "targets": {"no-such-dimension": 3}},
    )
    assert response.status_code == 422
    assert response.json()["fields"] == {"targets": ["'no-such-dimension' is not a dimension of this rubric."]}
    assert Assessment.objects.count() == before


def test_a_recommendation_not_on_the_roadmap_is_a_422_and_creates_nothing(world, api_client):
    before = Initiative.objects.count()
    response = api_client(world.consultant).post(
        "/api/v1/initiatives/", {"assessment": world.closed_assessment.pk, "recommendation_key": "no-such-thing"}
    )
    assert response.status_code == 422
    assert list(response.json()["fields"]) == ["recommendation_key"]
    assert Initiative.objects.count() == before


def test_a_group_the_assessment_does_not_ask_is_a_422_and_invites_nobody(world, api_client):
    before = Invitation.objects.count()
    response = api_client(world.consultant).post(
        "/api/v1/invitations/",
        {"assessment": world.open_assessment.pk, "email": "new@example.com", "group": "interns"},
    )
    assert response.status_code == 422
    assert list(response.json()["fields"]) == ["group"]
    assert Invitation.objects.count() == before


def test_a_whole_number_written_with_a_decimal_point_is_a_whole_number(world, api_client):
    response = api_client(world.consultant).post(
        "/api/v1/assessments/", {"organisation": float(world.organisation.pk), "period": "FY2031"}
    )
    assert response.status_code == 201, response.json()
    assert Assessment.objects.get(pk=response.json()["id"]).organisation_id == world.organisation.pk
    half = api_client(world.consultant).post(
        "/api/v1/assessments/", {"organisation": world.organisation.pk + 0.5, "period": "FY2032"}
    )
    assert half.status_code == 400
    assert half.json()["fields"] == {"organisation": ["Expected a whole number."]}


def test_an_invitation_refuses_keys_it_does_not_know(world, api_client):
    response = api_client(world.consultant).post(
        "/api/v1/invitations/",
        {"assessment": world.open_assessment.pk, "email": "new@example.com", "group": "reps", "role": "admin"},
    )
    assert response.status_code == 400
    assert response.json()["fields"] == {"role": ["Unknown field."]}
    assert not Invitation.objects.filter(email="new@example.com").exists()
