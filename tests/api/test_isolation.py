"""Tenant isolation over every operation of the OpenAPI schema (cases in isolation_cases.py)."""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.db import transaction
from drf_spectacular.generators import SchemaGenerator

from assessment.models import Answer, Target
from tests.api.conftest import token_client
from tests.api.isolation_cases import (
    CASES,
    LIST,
    NOT_FOUND,
    TOKEN_SCOPED,
    Case,
    missing_cases,
    stale_cases,
)
from tests.api.world import World, fingerprint

METHODS = {"get", "post", "put", "patch", "delete"}
MADE_UP_TOKEN = "made-up-token-that-no-invitation-has-0123456789"


def load_cases() -> None:
    """Import every tests/<area>/isolation_cases.py, so each app registers its own cases."""
    for module in sorted(Path(settings.BASE_DIR, "tests").glob("*/isolation_cases.py")):
        importlib.import_module(f"tests.{module.parent.name}.isolation_cases")


def schema_operations() -> set[tuple[str, str]]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return {(path, method.upper()) for path, item in schema["paths"].items() for method in item if method in METHODS}


def test_every_operation_in_the_schema_has_an_isolation_case():
    load_cases()
    operations = schema_operations()
    assert missing_cases(operations) == []
    assert stale_cases(operations) == []


def test_an_operation_without_a_case_is_reported_missing():
    assert missing_cases({("/api/v1/no-such-thing/{id}/", "DELETE")}) == ["DELETE /api/v1/no-such-thing/{id}/"]


def _request(client, case: Case, world: World, params: dict) -> tuple[int, str, object]:
    url = case.path.format(**params)
    query = case.query(world)
    if query:
        url += "?" + urlencode(query, doseq=True)
    body = case.body(world) if case.body else None
    response = client.generic(
        case.method, url, json.dumps(body) if body is not None else "", content_type="application/json"
    )
    text = response.content.decode(errors="replace") if not getattr(response, "streaming", False) else ""
    try:
        parsed = json.loads(text) if text else None
    except ValueError:
        parsed = None
    return response.status_code, text, parsed


def _problems_of(case: Case, world: World, outsider: Any) -> list[str]:
    name = f"{case.method} {case.path} as {outsider.username}"
    problems = []
    params = dict(case.params(world))
    before = fingerprint(world)
    anonymous = case.expect == TOKEN_SCOPED
    client = token_client(None if anonymous else outsider)
    status, text, body = _request(client, case, world, params)
    if case.expect == NOT_FOUND and status != 404:
        problems.append(f"{name}: expected 404, got {status}: {text[:200]}")
    elif case.expect == LIST:
        items = body.get("results") if isinstance(body, dict) else body
        if status != 200 or not isinstance(items, list):
            problems.append(f"{name}: expected 200 and a list, got {status}: {text[:200]}")
    elif case.statuses and status not in case.statuses:
        problems.append(f"{name}: expected one of {case.statuses}, got {status}: {text[:200]}")
    if leaked := world.leaks(text):
        problems.append(f"{name}: the body shows our organisation's {leaked}")
    if case.expect == TOKEN_SCOPED:
        status, text, _ = _request(client, case, world, {**params, "token": MADE_UP_TOKEN})
        if status != 404:
            problems.append(f"{name} with a made-up token: expected 404, got {status}: {text[:200]}")
    after = fingerprint(world)
    if after != before:
        changed = sorted({key for key in before.keys() | after.keys() if before.get(key) != after.get(key)})
        problems.append(f"{name}: changed our organisation's rows {changed[:5]}")
    return problems


@pytest.mark.parametrize("who", ["outsider_admin", "outsider"])
def test_another_firms_admin_and_consultant_reach_none_of_our_objects(world, who):
    load_cases()
    operations = schema_operations()
    problems: list[str] = []
    for key in sorted(operations):
        case = CASES.get(key)
        if case is None:
            continue  # reported by test_every_operation_in_the_schema_has_an_isolation_case
        # Each case runs in a savepoint rolled back afterwards, so cases cannot affect one another.
        with transaction.atomic():
            problems.extend(_problems_of(case, world, getattr(world, who)))
            transaction.set_rollback(True)
    assert problems == []


def test_the_fingerprint_notices_a_change_to_any_row_of_our_organisation(world):
    before = fingerprint(world)
    Answer.objects.filter(response=world.response).update(comment="changed")
    Target.objects.create(assessment=world.draft_assessment, dimension_key="technology", level=2)
    changed = {
        key for key in before.keys() | fingerprint(world).keys() if before.get(key) != fingerprint(world).get(key)
    }
    assert {label for label, _ in changed} == {"assessment.Answer", "assessment.Target"}
