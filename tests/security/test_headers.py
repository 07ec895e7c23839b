"""Every page sends a strict Content-Security-Policy and a Permissions-Policy, holds no inline code
that the policy would block, and a survey link's pages send no Referer anywhere."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.test import Client
from django.urls import reverse

from organisations.models import FirmRole
from tests.assessment.test_pages import respond
from tests.factories import consult_for
from tests.surveys.test_pages import scored_keys

STRICT = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}


def policy(response) -> dict[str, list[str]]:
    header = response.headers.get("Content-Security-Policy")
    assert header, f"no Content-Security-Policy on {response.request['PATH_INFO']}"
    directives = [part.split() for part in header.split(";") if part.strip()]
    return {d[0]: d[1:] for d in directives}


def permissions(response) -> dict[str, str]:
    header = response.headers.get("Permissions-Policy", "")
    return dict(part.strip().split("=", 1) for part in header.split(",") if part.strip())


class InlineCode(HTMLParser):
    """Inline <script> and <style> elements, style="..." attributes and on...= handlers."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        names = {name for name, _ in attrs}
        if tag == "script" and "src" not in names:
            self.found.append("<script> without src")
        if tag == "style":
            self.found.append("<style>")
        self.found += [f'<{tag} {name}="...">' for name in names if name == "style" or name.startswith("on")]


def inline_code(html: str) -> list[str]:
    parser = InlineCode()
    parser.feed(html)
    return parser.found


@pytest.fixture
def answered_assessment(open_assessment):
    """The open assessment with three reps' answers: scores and charts to show."""
    for _ in range(3):
        respond(open_assessment, "reps", "2")
    return open_assessment


@pytest.fixture
def admin_client(client, consultant, organisation):
    membership = consult_for(consultant, organisation)
    membership.role = FirmRole.ADMIN
    membership.save(update_fields=["role"])
    client.force_login(consultant)
    return client


def assert_strict(response) -> None:
    assert response.status_code == 200, response.request["PATH_INFO"]
    got = policy(response)
    for directive, sources in STRICT.items():
        assert got.get(directive) == sources, (response.request["PATH_INFO"], directive, got.get(directive))
    assert not any("unsafe" in s for sources in got.values() for s in sources)
    assert permissions(response)["camera"] == "()"
    assert permissions(response)["microphone"] == "()"
    assert permissions(response)["geolocation"] == "()"
    assert permissions(response)["payment"] == "()"
    assert permissions(response)["usb"] == "()"
    if response["Content-Type"].startswith("text/html"):
        assert inline_code(response.content.decode()) == [], response.request["PATH_INFO"]


def test_the_workspace_pages_send_a_strict_policy_and_hold_no_inline_code(admin_client, answered_assessment):
    assessment = answered_assessment
    organisation = assessment.organisation
    firm = organisation.firm
    firm.logo = "logo.png"
    firm.save(update_fields=["logo"])
    for url in (
        reverse("home"),
        reverse("assessment:portfolio"),
        reverse("assessment:organisation", kwargs={"organisation_id": organisation.pk}),
        reverse("assessment:assessment", kwargs={"assessment_id": assessment.pk}),
        reverse("surveys:invitations", kwargs={"assessment_id": assessment.pk}),
        reverse("reports:assessment-reports", kwargs={"assessment_id": assessment.pk}),
        reverse("reports:organisation", kwargs={"organisation_id": organisation.pk}),
        reverse("firm", kwargs={"firm_id": firm.pk}),
        reverse("firm-settings", kwargs={"firm_id": firm.pk}),
        reverse("firm-audit", kwargs={"firm_id": firm.pk}),
    ):
        assert_strict(admin_client.get(url))


def test_the_anonymous_pages_and_a_survey_link_send_a_strict_policy(client, invited_rep):
    for url in (
        reverse("login"),
        reverse("surveys:sign-up"),
        reverse("password_reset"),
        invited_rep.url(),
        invited_rep.url("page", number=1),
        invited_rep.url("review"),
    ):
        assert_strict(client.get(url))


def test_the_api_and_a_missing_page_send_the_headers_too(client, consultant):
    client.force_login(consultant)
    for response in (client.get("/api/v1/assessments/"), client.get("/no-such-page/")):
        assert policy(response)["default-src"] == ["'self'"]
        assert permissions(response)["camera"] == "()"


def test_the_api_docs_load_their_script_from_a_file_and_allow_only_data_images_beyond_the_policy(client):
    page = client.get("/api/docs/")
    assert page.status_code == 200
    assert inline_code(page.content.decode()) == []
    got = policy(page)
    assert got["script-src"] == ["'self'"] and got["style-src"] == ["'self'"]
    assert got["img-src"] == ["'self'", "data:"]
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in script.content.decode()


# --- Referrer-Policy ---------------------------------------------------------------------------


def test_a_survey_links_pages_and_api_send_no_referrer_and_other_pages_same_origin(client, invited_rep, consultant):
    for url in (invited_rep.url(), invited_rep.url("page", number=1), f"/api/v1/survey/{invited_rep.token}/"):
        assert client.get(url)["Referrer-Policy"] == "no-referrer", url
    # A link that does not exist is still a link's address.
    assert client.get("/s/not-a-real-token/")["Referrer-Policy"] == "no-referrer"
    assert client.get(reverse("login"))["Referrer-Policy"] == "same-origin"
    client.force_login(consultant)
    assert client.get(reverse("home"))["Referrer-Policy"] == "same-origin"


def test_a_survey_page_posted_by_a_browser_that_sends_origin_null_is_saved(invited_rep, open_assessment):
    """With no-referrer, browsers send `Origin: null` with a form post; the link's pages still save it."""
    browser = Client(enforce_csrf_checks=True)
    key = scored_keys(open_assessment, "reps")[0]
    response = browser.post(invited_rep.url("page", number=1), {f"q-{key}": "2", "go": "next"}, HTTP_ORIGIN="null")
    assert response.status_code == 302
    assert response["Location"] == invited_rep.url("page", number=2)
    invitation = invited_rep.refresh()
    assert invitation.response.answers.get(criterion__key=key).option.key == "2"


def test_pages_behind_a_sign_in_still_refuse_a_cross_site_post(leader, open_assessment):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(leader)
    response = browser.post(reverse("logout"), HTTP_ORIGIN="null")
    assert response.status_code == 403


def test_a_leaders_self_assessment_pages_and_results_send_a_strict_policy(client, default_rubric):
    from assessment.models import Response
    from tests.surveys.test_self_assessment import answer_with_pattern, own_url, sign_up

    sign_up(client)
    response = Response.objects.get()
    assert_strict(client.get(own_url(response, "page", number=1)))
    answer_with_pattern(response)
    assert client.post(own_url(response, "review")).status_code == 302
    for name in ("results", "summary"):
        page = client.get(own_url(response, name))
        assert_strict(page)
        # Reached by signing in, not by a link: the address holds no secret.
        assert page["Referrer-Policy"] == "same-origin"
    assert (
        '<svg xmlns="http://www.w3.org/2000/svg" class="chart radar"'
        in client.get(own_url(response, "results")).content.decode()
    )
