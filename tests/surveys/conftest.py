"""Fixtures of the survey tests: invitations with their link tokens, and a respondent's pages."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.urls import reverse

from surveys import services, tokens
from surveys.models import Invitation


@dataclass
class Invited:
    """An invitation and the token of its link (which the database does not hold)."""

    invitation: Invitation
    token: str

    def url(self, name: str = "start", **kwargs) -> str:
        return reverse(f"surveys:{name}", kwargs={"token": self.token, **kwargs})

    def refresh(self) -> Invitation:
        self.invitation.refresh_from_db()
        return self.invitation


@pytest.fixture
def invite(consultant, django_capture_on_commit_callbacks):
    """`invite(assessment, email=..., group=...)` → Invited, with the invitation email sent."""

    def make(assessment, *, email: str = "rep@example.com", group: str = "reps", name: str = "") -> Invited:
        with django_capture_on_commit_callbacks(execute=True):
            invitation = services.invite(
                assessment=assessment, email=email, group=group, name=name, invited_by=consultant
            )
        return Invited(invitation=invitation, token=tokens.token_for(invitation.secret))

    return make


@pytest.fixture
def invited_rep(open_assessment, invite) -> Invited:
    return invite(open_assessment, email="rep@example.com", group="reps", name="Robin Rep")
