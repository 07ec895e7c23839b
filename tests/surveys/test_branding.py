"""The firm's branding where respondents see it: the survey's pages (colour and logo) and the emails."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.files.base import ContentFile

from tests.organisations.test_backup import PNG_LOGO


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def branded(organisation):
    firm = organisation.firm
    firm.name, firm.colour = "Northwind Advisory", "#0B7A75"
    firm.logo.save("northwind.png", ContentFile(PNG_LOGO), save=False)
    firm.save()
    return firm


def test_the_survey_pages_carry_the_firms_colour_and_logo(client, branded, invited_rep):
    text = client.get(invited_rep.url()).content.decode()
    css, logo = invited_rep.url("brand-css"), invited_rep.url("brand-logo")
    assert f'<link rel="stylesheet" href="{css}">' in text
    assert 'class="site-header site-header--branded"' in text
    assert f'<img class="brand__logo" src="{logo}" alt="Northwind Advisory"' in text
    assert "· Northwind Traders" in text

    stylesheet = client.get(css)
    assert stylesheet.status_code == 200 and stylesheet["Content-Type"].startswith("text/css")
    assert stylesheet.content.decode() == ":root { --firm: #0B7A75; }\n"
    image = client.get(logo)
    assert image.status_code == 200 and image["Content-Type"] == "image/png"
    assert b"".join(image.streaming_content) == PNG_LOGO
    assert "sandbox" in image["Content-Security-Policy"]
    assert image["Referrer-Policy"] == "no-referrer"


def test_without_a_logo_the_firms_name_stands_in_and_a_made_up_link_brands_nothing(client, organisation, invited_rep):
    text = client.get(invited_rep.url()).content.decode()
    assert f'<span class="brand brand--survey">{organisation.firm.name} <small>' in text
    assert client.get(invited_rep.url("brand-logo")).status_code == 404
    assert client.get("/s/made-up-token/brand.css").status_code == 404
    assert client.get("/s/made-up-token/logo/").status_code == 404


def test_the_invitation_comes_from_the_firm_for_its_client(branded, open_assessment, invite):
    mail.outbox.clear()
    invite(open_assessment, email="rep@example.com", group="reps")
    (message,) = mail.outbox
    assert message.from_email.startswith("Northwind Advisory via Waypoint <")
    assert message.body.rstrip().endswith("Northwind Advisory, for Northwind Traders, through Waypoint")


def test_a_firm_name_cannot_forge_a_header(branded, open_assessment, invite):
    branded.name = "Evil\r\nBcc: victim@example.com"
    branded.save()
    mail.outbox.clear()
    invite(open_assessment, email="rep@example.com", group="reps")
    (message,) = mail.outbox
    assert message.bcc == [] and "\n" not in message.from_email
    assert "victim@example.com" not in message.message().get("Bcc", "")
