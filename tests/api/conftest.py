"""Fixtures of the API tests: the world of the isolation walk and clients signed in by token."""

from __future__ import annotations

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.api.world import World, build_world


@pytest.fixture
def world(organisation, consultant, leader, viewer, outsider, default_rubric) -> World:
    return build_world(
        organisation=organisation,
        consultant=consultant,
        leader=leader,
        viewer=viewer,
        outsider=outsider,
        rubric_version=default_rubric,
    )


def token_client(user) -> APIClient:
    """A client that authenticates as `user` with an API token, as an integration would."""
    client = APIClient()
    if user is not None:
        token, _ = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def api_client():
    """`api_client(user)` → an APIClient authenticated by that user's token (None: anonymous)."""
    return token_client
