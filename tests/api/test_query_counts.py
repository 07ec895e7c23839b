"""Every list endpoint issues the same number of queries for 1 row as for 50."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator

from assessment import services
from assessment.models import Assessment, AssessmentState, Initiative
from organisations import services as organisation_services
from organisations.models import FirmMembership, FirmRole, Role
from reports import links
from reports.models import Report, ReportLink
from tests.api.conftest import token_client
from tests.assessment.test_portfolio import client, closed
from tests.factories import (
    FirmMembershipFactory,
    InvitationFactory,
    MembershipFactory,
    OrganisationFactory,
    rubric_document,
)


def add_organisations(ctx, n: int) -> None:
    for _ in range(n):
        MembershipFactory(user=ctx["consultant"], organisation=OrganisationFactory(), role=Role.CONSULTANT)


def add_members(ctx, n: int) -> None:
    for _ in range(n):
        MembershipFactory(organisation=ctx["organisation"], role=Role.VIEWER)


def add_firms(ctx, n: int) -> None:
    for _ in range(n):
        FirmMembershipFactory(user=ctx["consultant"])


def add_firm_members(ctx, n: int) -> None:
    for _ in range(n):
        FirmMembershipFactory(firm=ctx["organisation"].firm)


def add_member_invitations(ctx, n: int, *, of_organisation: bool = False) -> None:
    for _ in range(n):
        ctx["invited"] = ctx.get("invited", 0) + 1
        organisation_services.invite_member(
            firm=ctx["organisation"].firm,
            organisation=ctx["organisation"] if of_organisation else None,
            email=f"invited{ctx['invited']}@example.com",
            role=Role.VIEWER if of_organisation else FirmRole.CONSULTANT,
            invited_by=ctx["consultant"],
        )


def add_rubric_versions(ctx, n: int) -> None:
    for _ in range(n):
        ctx["rubrics"] = ctx.get("rubrics", 0) + 1
        services.import_rubric(document=rubric_document(key=f"tiny-{ctx['rubrics']}"))


def add_assessments(ctx, n: int) -> None:
    for _ in range(n):
        ctx["periods"] = ctx.get("periods", 0) + 1
        services.create_assessment(
            organisation=ctx["organisation"],
            period=f"P{ctx['periods']:03d}",
            rubric_version=ctx["default_rubric"],
            targets={"technology": 3, "sales-process": 4},
        )


def add_initiatives(ctx, n: int) -> None:
    for _ in range(n):
        ctx["periods"] = ctx.get("periods", 0) + 1
        assessment = services.create_assessment(
            organisation=ctx["organisation"], period=f"P{ctx['periods']:03d}", rubric_version=ctx["default_rubric"]
        )
        Initiative.objects.create(
            assessment=assessment, dimension_key="technology", title="Tidy the CRM", horizon="0-90d", effort=2, impact=3
        )


def add_invitations(ctx, n: int) -> None:
    for _ in range(n):
        InvitationFactory(assessment=ctx["open_assessment"], group="reps")


def add_reports(ctx, n: int) -> None:
    for _ in range(n):
        Report.objects.create(assessment=ctx["open_assessment"], rubric_version=ctx["default_rubric"])


def add_report_links(ctx, n: int) -> None:
    for _ in range(n):
        secret = links.new_secret()
        ReportLink.objects.create(
            report=ctx["report"],
            email=f"board{ReportLink.objects.count()}@example.com",
            secret=secret,
            digest=links.digest_of(links.token_for(secret)),
            expires_at=timezone.now() + timedelta(days=14),
        )


def add_rubric_drafts(ctx, n: int) -> None:
    from assessment import authoring

    for _ in range(n):
        authoring.start_draft(firm=ctx["organisation"].firm, source=ctx["default_rubric"])


LISTS: dict[str, tuple[str, Callable]] = {
    "organisations": ("/api/v1/organisations/", add_organisations),
    "members": ("/api/v1/organisations/{organisation}/members/", add_members),
    "organisation invitations": (
        "/api/v1/organisations/{organisation}/invitations/",
        functools.partial(add_member_invitations, of_organisation=True),
    ),
    "firms": ("/api/v1/firms/", add_firms),
    "firm members": ("/api/v1/firms/{firm_id}/members/", add_firm_members),
    "firm invitations": ("/api/v1/firms/{firm_id}/invitations/", add_member_invitations),
    "rubrics": ("/api/v1/rubrics/", add_rubric_versions),
    "rubric drafts": ("/api/v1/rubric-drafts/", add_rubric_drafts),
    "assessments": ("/api/v1/assessments/", add_assessments),
    "initiatives": ("/api/v1/initiatives/", add_initiatives),
    "invitations": ("/api/v1/invitations/", add_invitations),
    "reports of an assessment": ("/api/v1/assessments/{assessment}/reports/", add_reports),
    "reports of an organisation": ("/api/v1/organisations/{organisation}/reports/", add_reports),
    "links a report was sent with": ("/api/v1/reports/{report}/links/", add_report_links),
}
# Lists whose query count is tested beside the rest of their endpoint's tests.
COUNTED_ELSEWHERE = {
    "/api/v1/firms/{id}/audit/": "tests/organisations/test_audit_log.py",
    # Counted at two sizes for every sort and filter, beside its pages and their order.
    "/api/v1/portfolio/": "tests/api/test_portfolio_pages.py",
}


def test_every_paginated_list_in_the_schema_has_a_query_count_case():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    paginated = {
        path
        for path, item in schema["paths"].items()
        if "get" in item and "Paginated" in str(item["get"]["responses"]["200"].get("content", {}))
    }
    covered = {template.replace("{assessment}", "{assessment_id}") for template, _ in LISTS.values()}
    covered = {p.replace("/organisations/{organisation}/", "/organisations/{organisation_id}/") for p in covered}
    covered = {p.replace("/reports/{report}/", "/reports/{id}/") for p in covered}
    assert paginated - covered - set(COUNTED_ELSEWHERE) == set()


def count_queries(client, url: str) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response.json()["count"]


@pytest.mark.parametrize("name", LISTS)
def test_a_list_costs_the_same_number_of_queries_for_1_and_for_50_rows(
    name, consultant, organisation, default_rubric, open_assessment
):
    path, add = LISTS[name]
    ctx = {
        "consultant": consultant,
        "organisation": organisation,
        "default_rubric": default_rubric,
        "open_assessment": open_assessment,
    }
    if "{report}" in path:
        ctx["report"] = Report.objects.create(assessment=open_assessment, rubric_version=default_rubric)
    report = ctx["report"].pk if "report" in ctx else 0
    url = path.format(
        organisation=organisation.pk, assessment=open_assessment.pk, firm_id=organisation.firm_id, report=report
    )
    # An admin of the firm, who may read every list of it (invitations included).
    FirmMembership.objects.filter(user=consultant).update(role=FirmRole.ADMIN)
    client = token_client(consultant)
    # Bring the list to exactly one row (the cast already has an organisation, members, a rubric).
    baseline = client.get(url).json()["count"]
    if baseline == 0:
        add(ctx, 1)
    few, rows = count_queries(client, url)
    add(ctx, 50 - rows)
    many, more_rows = count_queries(client, url)
    assert (rows, more_rows) == (1, 50)
    assert many == few


def _portfolio_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("url", ["/api/v1/portfolio/", "/api/v1/portfolio/export.xlsx"])
def test_the_portfolio_costs_the_same_queries_for_two_or_twenty_clients(url, consultant, default_rubric):
    """The workbook holds every client: its cost must not grow with their number (nor the first page's)."""
    http = token_client(consultant)

    def add(first: int, last: int) -> None:
        for i in range(first, last):
            organisation = client(consultant, f"C{i:02d}")
            closed(organisation, default_rubric, "FY24", 1.0)
            closed(organisation, default_rubric, "FY25", 2.0)
            opened = Assessment.objects.create(
                organisation=organisation, period="FY26", rubric_version=default_rubric, state=AssessmentState.OPEN
            )
            InvitationFactory(assessment=opened, group="reps")

    add(0, 1)  # with the cast's own organisation: two
    few = _portfolio_queries(http, url)
    add(1, 19)
    assert http.get("/api/v1/portfolio/").json()["count"] == 20
    assert _portfolio_queries(http, url) == few
