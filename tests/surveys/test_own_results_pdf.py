"""The leader's own results as a PDF: their level and dimension scores as the results page shows them,
for them alone."""

from __future__ import annotations

import io
import re

import pytest
from django.test import override_settings
from django.urls import reverse
from pypdf import PdfReader

from assessment.models import Response
from organisations.models import Organisation, Role
from tests.factories import MembershipFactory, consult_for
from tests.surveys.test_results import PATTERN
from tests.surveys.test_self_assessment import answer_with_pattern, own_url, sign_up

NAMES = {
    "sales-process": "Sales process",
    "organisation-design": "Organisation design",
    "technology": "Sales technology and data",
    "marketing-alignment": "Marketing alignment",
    "strategic-leadership": "Strategic sales leadership",
}


@pytest.fixture
def submitted(client, default_rubric) -> Response:
    """A leader who signed up on version 1 of the default rubric (the pattern's dimensions), answered with the
    pattern and submitted; still signed in on `client`."""
    sign_up(client)
    response = Response.objects.get()
    answer_with_pattern(response)
    client.post(own_url(response, "review"))
    return response


def pdf_text(body: bytes) -> str:
    return " ".join(" ".join((page.extract_text() or "").split()) for page in PdfReader(io.BytesIO(body)).pages)


def test_the_results_page_offers_the_pdf(client, submitted):
    page = client.get(own_url(submitted, "results")).content.decode()
    assert f'href="{own_url(submitted, "results-pdf")}" download>Download my results (PDF)</a>' in page


def test_the_pdf_carries_the_level_and_each_dimensions_score_as_the_results_page_shows_them(client, submitted):
    page = client.get(own_url(submitted, "results")).content.decode()
    downloaded = client.get(own_url(submitted, "results-pdf"))
    assert downloaded.status_code == 200
    assert downloaded["Content-Type"] == "application/pdf"
    assert downloaded["Content-Disposition"] == (
        "attachment; filename*=utf-8''Initech%20%E2%80%93%20Self-assessment%20results%20"
        f"{submitted.assessment.period}.pdf"
    )
    assert downloaded["Cache-Control"].startswith("max-age=0")
    text = pdf_text(downloaded.content)
    # The overall level: "Level 2: Emerging" on the page.
    overall = re.search(r"Level (\d): (\w+) <span class=\"muted small\">\(score ([\d.]+)", page)
    assert overall is not None
    level, name, score = overall.groups()
    assert f"Overall: level {level}, {name}" in text
    assert f"Score {float(score):.1f} on the 1–5 scale" in text
    assert f"Initech is at level {level}, {name}, by your answers" in text
    # Each dimension: the page's level, and the score that placed it there (the pattern's answer).
    for key, dimension in NAMES.items():
        shown = re.search(
            rf'chart-key__name">{dimension}</span> <span class="chart-key__level">level (\d), (\w+)', page
        )
        assert shown is not None, dimension
        assert f"{dimension} {PATTERN[key]:.1f} {shown[1]} · {shown[2]}" in text, dimension
    # The biggest gaps and their first steps, as on the page.
    assert "1. Marketing alignment: level 1, Ad hoc" in text
    assert "Agree what counts as a qualified lead" in text
    reader = PdfReader(io.BytesIO(downloaded.content))
    assert reader.metadata.title == f"Your self-assessment results · Initech {submitted.assessment.period}"


def test_nobody_else_gets_the_leaders_pdf(client, submitted, user_factory):
    url = own_url(submitted, "results-pdf")
    organisation = Organisation.objects.get()
    consultant = user_factory(username="their-consultant")
    consult_for(consultant, organisation)
    viewer = MembershipFactory(organisation=organisation, role=Role.VIEWER).user
    stranger = user_factory(username="stranger")
    for someone in (consultant, viewer, stranger):
        client.force_login(someone)
        assert client.get(url).status_code == 404, someone.username
    client.logout()
    assert client.get(url)["Location"].startswith(reverse("login"))


def test_before_submitting_the_pdf_sends_the_leader_back_to_the_survey(client, db):
    sign_up(client)
    response = Response.objects.get()
    assert client.get(own_url(response, "results-pdf"))["Location"] == own_url(response, "start")


@override_settings(THROTTLE_REPORT_RENDERS="2/hour")
def test_each_download_is_a_render_counted_against_the_organisations_limit(client, submitted):
    url = own_url(submitted, "results-pdf")
    assert client.get(url).status_code == 200
    assert client.get(url).status_code == 200
    refused = client.get(url)
    assert refused.status_code == 429
    assert "Too many requests" in refused.content.decode()
    assert int(refused["Retry-After"]) > 0
