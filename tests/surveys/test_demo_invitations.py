"""The demo's invitations: `make run` prints survey links that work."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from surveys.models import Invitation


def test_the_demo_invitations_open_acmes_survey_and_print_working_links(client, db, mailoutbox):
    call_command("seed_demo", stdout=StringIO())
    out = StringIO()
    call_command("seed_demo_invitations", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0] == "Demo survey links (Acme Robotics, FY2027):"
    assert [line.split(":")[0].strip() for line in lines[1:]] == [
        "Priya Shah (sales-leadership)",
        "Tom Becker (managers)",
        "Ana López (reps)",
        "Sam Okafor (marketing)",
    ]
    paths = [re.search(r"https://testserver(/s/[^/]+/)$", line).group(1) for line in lines[1:]]
    for path in paths:
        page = client.get(path)
        assert page.status_code == 200
        assert "How does Acme Robotics sell today?" in page.content.decode()
    again = StringIO()
    call_command("seed_demo_invitations", stdout=again)
    assert again.getvalue() == out.getvalue()
    assert Invitation.objects.count() == 4


def test_the_demo_invitations_need_the_demo_data(db):
    with pytest.raises(CommandError, match=r"run `manage\.py seed_demo` first"):
        call_command("seed_demo_invitations", stdout=StringIO())
