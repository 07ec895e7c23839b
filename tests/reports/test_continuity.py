"""The roadmap and the overview follow a rubric's `replaces`: a renamed dimension or criterion keeps its
history, and what is not like for like is said in the method."""

from __future__ import annotations

import copy
import re

from django.urls import reverse

from assessment import services
from reports.document import build_roadmap_document
from tests.api.test_year_over_year_continuity import closed_assessment
from tests.factories import rubric_document


def version_two() -> dict:
    """The tiny rubric with its `people` dimension renamed `team`, one criterion renamed and one added."""
    document = copy.deepcopy(rubric_document())
    process, people = document["dimensions"][0], document["dimensions"][1]
    process["criteria"][1] = {**process["criteria"][1], "key": "p2-followed", "replaces": ["p2"]}
    process["criteria"].insert(2, {"key": "p3", "text": "Managers inspect the stages.", "answer_set": "five"})
    document["dimensions"][1] = {**people, "key": "team", "name": "Team", "replaces": ["people"]}
    return document


def test_the_roadmap_compares_a_renamed_dimension_and_criterion_with_what_they_replace(organisation):
    first = services.import_rubric(document=rubric_document()).version
    second = services.import_rubric(document=version_two()).version
    closed_assessment(organisation, first, "FY2025", "1")
    this_year = closed_assessment(organisation, second, "FY2026", "3")

    document = build_roadmap_document(this_year)

    # Last year's line on the radar has a point for the renamed dimension: its old name's score.
    last_year = next(series for series in document.radar.series if series.name == "FY2025")
    assert None not in last_year.values
    team = next(page for page in document.dimensions if page.key == "team")
    assert team.heading.title == "Team rose to Defined"
    assert "FY2025" in team.change_text, team.change_text
    # One trend line for the renamed dimension, with both years.
    trend = next(t for t in document.year_over_year.trends if t.dimension == "Team")
    assert None not in trend.values and len(trend.values) == 2
    changes = " ".join(document.method.rubric_changes)
    assert "Team continues People" in changes
    assert "1 criterion carries on under a new key" in changes
    assert "is not like for like: of its criteria, 1 added." in changes
    assert "New criterion: Managers inspect the stages." in changes
    assert "Dimension no longer assessed" not in changes and "no longer asked" not in changes


def test_the_overview_draws_one_trend_for_a_renamed_dimension(client, viewer, organisation):
    first = services.import_rubric(document=rubric_document()).version
    second = services.import_rubric(document=version_two()).version
    closed_assessment(organisation, first, "FY2025", "1")
    closed_assessment(organisation, second, "FY2026", "3")
    client.force_login(viewer)

    html = client.get(reverse("reports:organisation", kwargs={"organisation_id": organisation.pk})).content.decode()

    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    assert "Team by period" in html and "People by period" not in html
    # Its line carries People's FY2025 score: the change is measured across the rename.
    assert "Team 3.0 in FY2026 · +2.0 since FY2025" in text
