"""The demo's invitations: `make run` prints survey links that work."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from assessment.models import Assessment
from organisations.models import Role
from reports.document import build_roadmap_document
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
    # The four printed links, and the eighteen people who answered before the demo starts.
    assert Invitation.objects.count() == 4 + 18
    assert Invitation.objects.filter(response__submitted_at__isnull=False).count() == 18


def test_the_demos_fy2027_uses_version_2_and_compares_with_fy2026_across_the_change(db):
    call_command("seed_demo", stdout=StringIO())
    call_command("seed_demo_invitations", stdout=StringIO())
    fy2027 = Assessment.objects.get(organisation__name="Acme Robotics", period="FY2027")
    assert (fy2027.rubric_version.rubric.key, fy2027.rubric_version.version) == ("sales-transformation", 2)

    # The interim roadmap the consultant can request: version 2's revenue operations dimension carries
    # on version 1's technology dimension, so last year's line has its point; customer growth is new.
    document = build_roadmap_document(fy2027, role=Role.CONSULTANT)
    last_year = dict(
        zip(document.radar.labels, next(s for s in document.radar.series if s.name == "FY2026").values, strict=True)
    )
    assert last_year["Revenue operations, technology and data"] is not None
    assert last_year["Customer growth and partners"] is None
    changes = document.method.rubric_changes
    assert (
        "Revenue operations, technology and data continues Sales technology and data: compared with its scores."
        in changes
    )
    assert "New dimension: Customer growth and partners." in changes
    assert any(line.endswith("is not like for like: of its criteria, 6 added.") for line in changes)


def test_the_demo_invitations_need_the_demo_data(db):
    with pytest.raises(CommandError, match=r"run `manage\.py seed_demo` first"):
        call_command("seed_demo_invitations", stdout=StringIO())
