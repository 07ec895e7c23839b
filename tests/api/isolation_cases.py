"""The tenant-isolation registry: one case for every (path, method) of the OpenAPI schema.

tests/api/test_isolation.py generates the schema with drf-spectacular and, for every operation,
sends the request as a user of ANOTHER organisation (the "outsider", authenticated by an API
token) against OUR organisation's objects (see tests/api/world.py), then checks:

- the status the case expects (404 for our objects; 200 with none of ours for lists);
- no marker of our organisation ("Northwind", our members' emails) appears in the body;
- every row our organisation owns (whatever the app) is unchanged, none added, none removed.

An operation in the schema without a case FAILS the test, and so does a case whose operation is
no longer in the schema.

How to add a case
-----------------
Add a call to `case(...)` next to your endpoint's tests: in this file for organisations and
assessment, or in `tests/<your app>/isolation_cases.py` (any module with that name under tests/
is imported by the test). `path` is the schema's path template exactly as /api/schema/ shows it
(`/api/v1/reports/{id}/`), `method` upper case. The callables receive the `World`:

    from tests.api.isolation_cases import NOT_FOUND, case

    case(
        "/api/v1/reports/{id}/", "GET", NOT_FOUND,
        params=lambda w: {"id": ReportFactory(assessment=w.closed_assessment).pk},
    )
    case(
        "/api/v1/reports/", "POST", NOT_FOUND,
        body=lambda w: {"assessment": w.closed_assessment.pk},
    )

`params` fills the path's {placeholders} and may create the object of ours the request aims at
(it runs before the "unchanged" snapshot); `query` adds query parameters; `body` is sent as JSON
(send a body that would be valid for us, so a 404 is not just a 400 for shape).

Expectations:
- NOT_FOUND: the outsider gets 404, as if the object did not exist.
- LIST: the outsider gets 200 and a list (paginated or not) with nothing of ours; give a `query`
  that filters on our object (`{"organisation": w.organisation.pk}`) when the list has a filter.
- UNSCOPED: the endpoint holds no organisation's data (sign-in, the shared rubric catalogue);
  `statuses` lists what the outsider may get.
- TOKEN_SCOPED: the respondent endpoints reached by an invitation token alone. The request is
  anonymous; `params` gives the token of ANOTHER response (use `w.outsider_response`, which is
  in the other organisation), `statuses` what that respondent may get. Our response must stay
  unchanged and unseen. The test also sends a made-up token and expects 404.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from tests.api.world import World
from tests.conftest import DEFAULT_RUBRIC
from tests.factories import rubric_document

NOT_FOUND = "not_found"
LIST = "list"
UNSCOPED = "unscoped"
TOKEN_SCOPED = "token_scoped"
EXPECTATIONS = (NOT_FOUND, LIST, UNSCOPED, TOKEN_SCOPED)


def _nothing(world: World) -> dict[str, Any]:
    return {}


@dataclass(frozen=True)
class Case:
    path: str
    method: str
    expect: str
    params: Callable[[World], Mapping[str, Any]] = _nothing
    query: Callable[[World], Mapping[str, Any]] = _nothing
    body: Callable[[World], Any] | None = None
    statuses: tuple[int, ...] = field(default=())


CASES: dict[tuple[str, str], Case] = {}


def case(
    path: str,
    method: str,
    expect: str,
    *,
    params: Callable[[World], Mapping[str, Any]] = _nothing,
    query: Callable[[World], Mapping[str, Any]] = _nothing,
    body: Callable[[World], Any] | None = None,
    statuses: tuple[int, ...] = (),
) -> Case:
    """Register the isolation case of one operation (see the module docstring)."""
    method = method.upper()
    if expect not in EXPECTATIONS:
        raise ValueError(f"{expect!r} is not one of {EXPECTATIONS}")
    if expect in (UNSCOPED, TOKEN_SCOPED) and not statuses:
        raise ValueError(f"{method} {path}: an {expect} case lists the statuses it accepts")
    if (path, method) in CASES:
        raise ValueError(f"{method} {path} already has an isolation case")
    registered = Case(path, method, expect, params, query, body, statuses)
    CASES[(path, method)] = registered
    return registered


def missing_cases(operations: set[tuple[str, str]]) -> list[str]:
    """Operations of the schema that have no case: each one fails the isolation test."""
    return sorted(f"{method} {path}" for path, method in operations if (path, method) not in CASES)


def stale_cases(operations: set[tuple[str, str]]) -> list[str]:
    """Cases whose operation is no longer in the schema."""
    return sorted(f"{method} {path}" for path, method in CASES if (path, method) not in operations)


# --- organisations and assessment ---------------------------------------------------------
# (cases are added here as the endpoints are built)

case(
    "/api/v1/auth/token/",
    "POST",
    UNSCOPED,
    body=lambda w: {"username": "outsider", "password": "wrong"},
    statuses=(401,),
)
case("/api/v1/auth/token/", "DELETE", UNSCOPED, statuses=(204,))
case("/api/v1/organisations/", "GET", LIST, query=lambda w: {"name": w.organisation.name})
case("/api/v1/organisations/", "POST", UNSCOPED, body=lambda w: {"name": "Contoso Subsidiary"}, statuses=(201,))
case("/api/v1/organisations/{id}/", "GET", NOT_FOUND, params=lambda w: {"id": w.organisation.pk})
case(
    "/api/v1/organisations/{id}/",
    "PATCH",
    NOT_FOUND,
    params=lambda w: {"id": w.organisation.pk},
    body=lambda w: {"name": "Taken over", "size_band": "500+"},
)
case(
    "/api/v1/organisations/{organisation_id}/members/",
    "GET",
    NOT_FOUND,
    params=lambda w: {"organisation_id": w.organisation.pk},
)
case(
    "/api/v1/organisations/{organisation_id}/members/",
    "POST",
    NOT_FOUND,
    params=lambda w: {"organisation_id": w.organisation.pk},
    body=lambda w: {"email": w.outsider.email, "role": "viewer"},
)
for _method, _body in (("GET", None), ("PATCH", lambda w: {"role": "consultant"}), ("DELETE", None)):
    case(
        "/api/v1/organisations/{organisation_id}/members/{id}/",
        _method,
        NOT_FOUND,
        params=lambda w: {"organisation_id": w.organisation.pk, "id": w.viewer_membership.pk},
        body=_body,
    )


def _our_invitation(w: World, *, of_organisation: bool) -> int:
    """A pending invitation of ours (to the organisation, or to its firm)."""
    from datetime import timedelta

    from django.utils import timezone

    from organisations.models import FirmRole, MemberInvitation, Role
    from organisations.tokens import digest_of, new_token

    return MemberInvitation.objects.create(
        firm=w.organisation.firm,
        organisation=w.organisation if of_organisation else None,
        email="northwind-invitee@example.com",
        role=Role.VIEWER if of_organisation else FirmRole.CONSULTANT,
        digest=digest_of(new_token()),
        expires_at=timezone.now() + timedelta(days=7),
    ).pk


def _our_firm_membership(w: World) -> int:
    from organisations.models import FirmMembership

    return FirmMembership.objects.get(user=w.consultant, firm=w.organisation.firm).pk


case(
    "/api/v1/organisations/{organisation_id}/invitations/",
    "GET",
    NOT_FOUND,
    params=lambda w: {"organisation_id": w.organisation.pk},
)
case(
    "/api/v1/organisations/{organisation_id}/invitations/{id}/",
    "DELETE",
    NOT_FOUND,
    params=lambda w: {"organisation_id": w.organisation.pk, "id": _our_invitation(w, of_organisation=True)},
)
case(
    "/api/v1/organisations/{organisation_id}/invitations/{id}/resend/",
    "POST",
    NOT_FOUND,
    params=lambda w: {"organisation_id": w.organisation.pk, "id": _our_invitation(w, of_organisation=True)},
)
case("/api/v1/firms/", "GET", LIST)
case("/api/v1/firms/", "POST", UNSCOPED, body=lambda w: {"name": "Contoso Advisory"}, statuses=(201,))
case("/api/v1/firms/{id}/", "GET", NOT_FOUND, params=lambda w: {"id": w.organisation.firm_id})
case(
    "/api/v1/firms/{id}/",
    "PATCH",
    NOT_FOUND,
    params=lambda w: {"id": w.organisation.firm_id},
    body=lambda w: {"name": "Taken over", "colour": "#000000"},
)
case("/api/v1/firms/{firm_id}/members/", "GET", NOT_FOUND, params=lambda w: {"firm_id": w.organisation.firm_id})
for _method, _body in (("GET", None), ("PATCH", lambda w: {"role": "admin"}), ("DELETE", None)):
    case(
        "/api/v1/firms/{firm_id}/members/{id}/",
        _method,
        NOT_FOUND,
        params=lambda w: {"firm_id": w.organisation.firm_id, "id": _our_firm_membership(w)},
        body=_body,
    )
case("/api/v1/firms/{firm_id}/invitations/", "GET", NOT_FOUND, params=lambda w: {"firm_id": w.organisation.firm_id})
case(
    "/api/v1/firms/{firm_id}/invitations/",
    "POST",
    NOT_FOUND,
    params=lambda w: {"firm_id": w.organisation.firm_id},
    body=lambda w: {"email": w.outsider.email, "role": "admin"},
)
case(
    "/api/v1/firms/{firm_id}/invitations/{id}/",
    "DELETE",
    NOT_FOUND,
    params=lambda w: {"firm_id": w.organisation.firm_id, "id": _our_invitation(w, of_organisation=False)},
)
case(
    "/api/v1/firms/{firm_id}/invitations/{id}/resend/",
    "POST",
    NOT_FOUND,
    params=lambda w: {"firm_id": w.organisation.firm_id, "id": _our_invitation(w, of_organisation=False)},
)

# Rubrics are the shared, published catalogue: readable by everyone signed in, holding no tenant's data.
case("/api/v1/rubrics/", "GET", UNSCOPED, statuses=(200,))
case(
    "/api/v1/rubrics/",
    "POST",
    UNSCOPED,
    body=lambda w: {"document": DEFAULT_RUBRIC.read_text()},
    statuses=(200,),
)
case("/api/v1/rubrics/{id}/", "GET", UNSCOPED, params=lambda w: {"id": w.rubric_version.pk}, statuses=(200,))
case("/api/v1/rubrics/{id}/export/", "GET", UNSCOPED, params=lambda w: {"id": w.rubric_version.pk}, statuses=(200,))


def our_rubric_draft(w: World) -> int:
    """A draft of our firm's own rubric, renamed, so that publishing it would make a new version."""
    from assessment import authoring

    draft = authoring.start_draft(firm=w.firm, source=w.firm_rubric, created_by=w.admin)
    document = authoring.normalise(draft.document)
    document["name"] = f"{document['name']}, second edition"
    return authoring.edit_draft(draft, document).pk


# A firm's rubric drafts: only its own members reach them.
case("/api/v1/rubric-drafts/", "GET", LIST)
case("/api/v1/rubric-drafts/", "POST", NOT_FOUND, body=lambda w: {"source": w.firm_rubric.pk})
for _method in ("GET", "PUT", "DELETE"):
    case(
        "/api/v1/rubric-drafts/{id}/",
        _method,
        NOT_FOUND,
        params=lambda w: {"id": our_rubric_draft(w)},
        body=(lambda w: {"document": rubric_document(key="northwind-tiny")}) if _method == "PUT" else None,
    )
case(
    "/api/v1/rubric-drafts/{id}/preview/",
    "GET",
    NOT_FOUND,
    params=lambda w: {"id": our_rubric_draft(w)},
    query=lambda w: {"group": "leaders"},
)
case("/api/v1/rubric-drafts/{id}/diff/", "GET", NOT_FOUND, params=lambda w: {"id": our_rubric_draft(w)})
case("/api/v1/rubric-drafts/{id}/publish/", "POST", NOT_FOUND, params=lambda w: {"id": our_rubric_draft(w)})


case("/api/v1/assessments/", "GET", LIST, query=lambda w: {"organisation": w.organisation.pk})
case(
    "/api/v1/assessments/",
    "POST",
    NOT_FOUND,
    body=lambda w: {"organisation": w.organisation.pk, "period": "FY2030", "rubric": w.rubric_version.pk},
)
case("/api/v1/assessments/{id}/", "GET", NOT_FOUND, params=lambda w: {"id": w.open_assessment.pk})
case(
    "/api/v1/assessments/{id}/",
    "PATCH",
    NOT_FOUND,
    params=lambda w: {"id": w.draft_assessment.pk},
    body=lambda w: {"title": "Taken over"},
)
case("/api/v1/assessments/{id}/open/", "POST", NOT_FOUND, params=lambda w: {"id": w.draft_assessment.pk})
case("/api/v1/assessments/{id}/close/", "POST", NOT_FOUND, params=lambda w: {"id": w.open_assessment.pk})
for _path in ("targets", "progress", "scores", "roadmap"):
    case(f"/api/v1/assessments/{{id}}/{_path}/", "GET", NOT_FOUND, params=lambda w: {"id": w.closed_assessment.pk})
case(
    "/api/v1/assessments/{id}/targets/",
    "PATCH",
    NOT_FOUND,
    params=lambda w: {"id": w.open_assessment.pk},
    body=lambda w: {"targets": {"technology": 1}},
)


def _our_rating(w: World) -> dict[str, Any]:
    """Our closed assessment with an assessor's rating of ours, which the outsider must not see or change."""
    from assessment.models import AssessorRating

    AssessorRating.objects.get_or_create(
        assessment=w.closed_assessment,
        criterion_key="win-loss-analysis",
        defaults={"option_key": "2", "notes": "Northwind win/loss review, March", "links": []},
    )
    return {"id": w.closed_assessment.pk, "criterion_key": "win-loss-analysis"}


case("/api/v1/assessments/{id}/ratings/", "GET", NOT_FOUND, params=_our_rating)
case(
    "/api/v1/assessments/{id}/ratings/{criterion_key}/",
    "PUT",
    NOT_FOUND,
    params=_our_rating,
    body=lambda w: {"option": "5", "notes": "Taken over", "links": ["https://example.com/crm"]},
)
case("/api/v1/assessments/{id}/ratings/{criterion_key}/", "DELETE", NOT_FOUND, params=_our_rating)

case("/api/v1/assessments/{id}/outcomes/", "GET", NOT_FOUND, params=lambda w: {"id": w.closed_assessment.pk})
case(
    "/api/v1/assessments/{id}/outcomes/",
    "PATCH",
    NOT_FOUND,
    params=lambda w: {"id": w.closed_assessment.pk},
    body=lambda w: {"win_rate": 12.5},
)

case("/api/v1/initiatives/", "GET", LIST, query=lambda w: {"assessment": w.closed_assessment.pk})
case(
    "/api/v1/initiatives/",
    "POST",
    NOT_FOUND,
    body=lambda w: {"assessment": w.closed_assessment.pk, "recommendation_key": "run-evidence-pipeline-reviews"},
)
case("/api/v1/initiatives/{id}/", "GET", NOT_FOUND, params=lambda w: {"id": w.initiative.pk})
case(
    "/api/v1/initiatives/{id}/",
    "PATCH",
    NOT_FOUND,
    params=lambda w: {"id": w.initiative.pk},
    body=lambda w: {"status": "dropped", "owner": "Someone else"},
)
case("/api/v1/organisations/{id}/year-over-year/", "GET", NOT_FOUND, params=lambda w: {"id": w.organisation.pk})

# The portfolio lists only the caller's own clients: the outsider's list holds nothing of ours.
case("/api/v1/portfolio/", "GET", LIST)
# A workbook is compressed, so the walk cannot read it: tests/api/test_portfolio.py opens the outsider's.
case("/api/v1/portfolio/export.xlsx", "GET", UNSCOPED, statuses=(200,))
case(
    "/api/v1/assessments/{id}/benchmark/",
    "GET",
    NOT_FOUND,
    params=lambda w: {"id": w.closed_assessment.pk},
    query=lambda w: {"industry": "Software"},
)
case(
    "/api/v1/assessments/{id}/export/{kind}.{fmt}",
    "GET",
    NOT_FOUND,
    # CSV is plain text, so the walk would also see our markers in a body that leaked.
    params=lambda w: {"id": w.closed_assessment.pk, "kind": "responses", "fmt": "csv"},
)
