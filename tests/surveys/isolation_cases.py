"""Tenant-isolation cases of the survey API (see tests/api/isolation_cases.py)."""

from __future__ import annotations

from surveys import tokens
from tests.api.isolation_cases import NOT_FOUND, TOKEN_SCOPED, case
from tests.api.world import World
from tests.factories import InvitationFactory


def our_invitation(w: World) -> dict:
    invitation = InvitationFactory(assessment=w.open_assessment, email="northwind.rep@example.com", group="reps")
    return {"id": invitation.pk}


def token_of_another_response(w: World) -> dict:
    """A link to the outsider's own response: what a respondent of another organisation holds."""
    response = w.outsider_response
    invitation = InvitationFactory(assessment=response.assessment, group=response.group, response=response)
    return {"token": tokens.token_for(invitation.secret)}


# Filtering by our assessment answers as filtering by one that does not exist: 404, not an empty list.
case(
    "/api/v1/invitations/",
    "GET",
    NOT_FOUND,
    params=our_invitation,
    query=lambda w: {"assessment": w.open_assessment.pk},
)
case(
    "/api/v1/invitations/",
    "POST",
    NOT_FOUND,
    body=lambda w: {"assessment": w.open_assessment.pk, "email": "new.rep@example.com", "group": "reps"},
)
case(
    "/api/v1/invitations/upload/",
    "POST",
    NOT_FOUND,
    body=lambda w: {"assessment": w.open_assessment.pk, "csv": "new.rep@example.com,New Rep,reps\n"},
)
case("/api/v1/invitations/{id}/", "GET", NOT_FOUND, params=our_invitation)
case("/api/v1/invitations/{id}/resend/", "POST", NOT_FOUND, params=our_invitation)
case("/api/v1/invitations/{id}/revoke/", "POST", NOT_FOUND, params=our_invitation)

case("/api/v1/survey/{token}/", "GET", TOKEN_SCOPED, params=token_of_another_response, statuses=(200,))
case(
    "/api/v1/survey/{token}/answers/",
    "POST",
    TOKEN_SCOPED,
    params=token_of_another_response,
    body=lambda w: {"criterion": "stage-exit-criteria", "option": "3"},
    statuses=(200,),
)
case("/api/v1/survey/{token}/submit/", "POST", TOKEN_SCOPED, params=token_of_another_response, statuses=(200,))
