"""Schemathesis against /api/schema/ with every check it has: zero failures of any kind.

A schema-valid request is never answered 400 (positive_data_acceptance), a schema-violating one
never accepted (negative_data_rejection), and statuses, media types and headers are as stated.

`make test` runs a bounded number of examples per operation; .ci/run runs the same test with
many more (WAYPOINT_SCHEMATHESIS_EXAMPLES). Requests are signed in as a consultant of a seeded
organisation, and path ids point at its real objects, so bodies and queries reach the code
behind the 404s.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, assume, given, settings
from hypothesis.errors import Unsatisfiable
from rest_framework.authtoken.models import Token
from schemathesis import GenerationMode
from schemathesis.config import SchemathesisConfig

from config.wsgi import application
from reports.models import Report
from surveys import tokens
from tests.api.isolation_cases import our_rubric_draft
from tests.factories import InvitationFactory
from tests.reports.isolation_cases import our_batch

EXAMPLES = int(os.environ.get("WAYPOINT_SCHEMATHESIS_EXAMPLES", "5"))
# The operations are dealt round-robin into this many tests, so the suite's workers share them.
SHARDS = 6
# Schemathesis' own list of the statuses that reject bad data, and 410 (an expired or withdrawn link).
REJECTIONS = ["400", "401", "403", "404", "405", "406", "409", "410", "413", "415", "422", "428", "429"]
# A request the schema allows may still break a rule that depends on stored data (a dimension key
# the assessment's rubric does not have, a rubric document with problems): 422, documented on every
# operation. Every other 4xx than these to schema-valid data is a failure.
ACCEPTANCES = ["2xx", "3xx", "401", "403", "404", "409", "422", "429", "5xx"]
CONFIG = SchemathesisConfig.from_dict(
    {
        "checks": {
            "enabled": True,
            "negative_data_rejection": {"expected-statuses": REJECTIONS},
            "positive_data_acceptance": {"expected-statuses": ACCEPTANCES},
        }
    }
)


@pytest.fixture
def in_process_requests():
    """Keep the test's database connection across requests to the WSGI app, as Django's test client does.

    Django closes "old" connections when a request starts and finishes; inside a test's
    transaction that would close the test's own connection (on PostgreSQL).
    """
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def known_ids(world) -> dict[str, dict[str, object]]:
    """Path parameters, per path template, that name the seeded organisation's objects."""
    invitation = InvitationFactory(assessment=world.open_assessment, group="managers", response=world.response)
    # Withdrawn by a generated revoke or delete: not the one whose link the survey operations follow.
    managed = InvitationFactory(assessment=world.open_assessment, group="reps")
    report = Report.objects.create(assessment=world.closed_assessment, rubric_version=world.rubric_version)
    batch = our_batch(world)
    organisation, assessment = world.organisation.pk, world.open_assessment.pk
    draft = our_rubric_draft(world)
    return {
        "/api/v1/organisations/{id}/": {"id": organisation},
        "/api/v1/organisations/{id}/year-over-year/": {"id": organisation},
        "/api/v1/organisations/{organisation_id}/members/": {"organisation_id": organisation},
        "/api/v1/organisations/{organisation_id}/members/{id}/": {
            "organisation_id": organisation,
            "id": world.viewer_membership.pk,
        },
        "/api/v1/organisations/{organisation_id}/reports/": {"organisation_id": organisation},
        "/api/v1/assessments/{id}/export/{kind}.{fmt}": {"id": world.closed_assessment.pk},
        "/api/v1/assessments/{id}/ratings/": {"id": world.closed_assessment.pk},
        "/api/v1/assessments/{id}/ratings/{criterion_key}/": {
            "id": world.closed_assessment.pk,
            "criterion_key": "win-loss-analysis",
        },
        "/api/v1/rubrics/{id}/": {"id": world.rubric_version.pk},
        "/api/v1/rubrics/{id}/export/": {"id": world.rubric_version.pk},
        "/api/v1/assessments/{id}/": {"id": world.draft_assessment.pk},
        "/api/v1/assessments/{assessment_id}/reports/": {"assessment_id": world.closed_assessment.pk},
        "/api/v1/initiatives/{id}/": {"id": world.initiative.pk},
        **{f"/api/v1/rubric-drafts/{{id}}/{view}": {"id": draft} for view in ("", "preview/", "diff/", "publish/")},
        "/api/v1/invitations/{id}/": {"id": managed.pk},
        "/api/v1/invitations/{id}/resend/": {"id": managed.pk},
        "/api/v1/invitations/{id}/revoke/": {"id": managed.pk},
        "/api/v1/reports/{id}/": {"id": report.pk},
        "/api/v1/reports/{id}/pdf/": {"id": report.pk},
        "/api/v1/reports/{id}/deck/": {"id": report.pk},
        "/api/v1/report-batches/{id}/": batch,
        "/api/v1/survey/{token}/": {"token": tokens.token_for(invitation.secret)},
        "/api/v1/survey/{token}/answers/": {"token": tokens.token_for(invitation.secret)},
        "/api/v1/survey/{token}/submit/": {"token": tokens.token_for(invitation.secret)},
        **{f"/api/v1/assessments/{{id}}/{action}/": {"id": assessment} for action in ("open", "close", "targets")},
        **{
            f"/api/v1/assessments/{{id}}/{view}/": {"id": world.closed_assessment.pk}
            for view in ("progress", "scores", "roadmap", "outcomes", "benchmark")
        },
    }


def _sent_as_generated(case) -> bool:
    """False for a multipart body with an empty text value, which the in-process client cannot send.

    Werkzeug's test encoder writes an empty form field without the line break that ends it, so the
    field never reaches Django and the request tests the client rather than the API; an empty value
    sent over Django's own client is refused (tests/api/test_organisations.py).
    """
    if case.media_type != "multipart/form-data" or not isinstance(case.body, dict):
        return True
    return all(value != "" and value != [""] for value in case.body.values())


@pytest.mark.parametrize("shard", range(SHARDS))
def test_the_api_answers_every_generated_request_as_its_schema_says(shard, world, known_ids, in_process_requests):
    schema = schemathesis.openapi.from_wsgi("/api/schema/", application, config=CONFIG)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= SHARDS, "every shard has operations to try"
    failures: list[str] = []
    for operation in operations[shard::SHARDS]:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            strategy = operation.as_strategy(mode, path_parameters=known_ids.get(operation.path))

            @given(case=strategy)
            @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
            def check(case):
                assume(_sent_as_generated(case))
                # A generated DELETE /auth/token/ revokes the token: sign in afresh for every request.
                token, _ = Token.objects.get_or_create(user=world.consultant)
                case.call_and_validate(headers={"Authorization": f"Token {token.key}"})

            try:
                check()
            except Unsatisfiable:
                continue  # nothing of this operation can be negated (its only inputs are the fixed ids)
            except (Exception, BaseExceptionGroup) as exc:  # try every operation, report every failure
                failures.append(f"{operation.method.upper()} {operation.path} ({mode.value}): {exc}")
                print(failures[-1], flush=True)  # seen at once with `-s` in a long run
    assert not failures, "\n\n".join(failures)
