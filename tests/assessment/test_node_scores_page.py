"""The assessment page lists every dimension and sub-group at every depth, in rubric order, with two
decimals on a 0–3 scale, and says why the overall is withheld."""

from __future__ import annotations

import re

from django.urls import reverse

from tests.api.test_node_scores import deep_assessment
from tests.assessment.test_node_scores import DEEP_ANSWERS


def page_text(client, user, assessment) -> str:
    client.force_login(user)
    response = client.get(reverse("assessment:assessment", kwargs={"assessment_id": assessment.pk}))
    assert response.status_code == 200
    return response.content.decode()


def rows(html: str) -> list[tuple[str, str]]:
    table = html[html.index('<table class="node-scores">') :]
    table = table[: table.index("</table>")]
    return re.findall(r'<th scope="row"[^>]*>([^<]+)</th><td>([^<]+)</td>', table)


def test_every_sub_group_is_listed_in_rubric_order_with_two_decimals(client, consultant, organisation):
    html = page_text(client, consultant, deep_assessment(organisation, [("reps", a) for a in DEEP_ANSWERS]))
    assert rows(html) == [
        ("Sales function", "1.49"),  # (2 × 1.4375 + 1.6) ÷ 3 = 1.4917
        ("Practice A", "1.44"),
        ("Stream A1", "1.25"),
        ("Stream A2", "1.50"),
        ("Practice B", "1.60"),
        ("Evidence", "2.00"),
    ]
    # Overall (1.4917 + 2) ÷ 2 = 1.7458: two decimals, level 2 from the equal bands 0.75 / 1.5 / 2.25.
    assert "Level 2: Practised" in html and "(score 1.75, 5 respondents)" in html


def test_the_page_says_the_overall_is_withheld_and_why(client, consultant, organisation):
    seven = [*DEEP_ANSWERS, DEEP_ANSWERS[0], DEEP_ANSWERS[1]]
    answers = [("reps", {**a, "e1": a["e1"] if i < 3 else None}) for i, a in enumerate(seven)]
    html = page_text(client, consultant, deep_assessment(organisation, answers))
    assert "Overall level withheld: Evidence has insufficient evidence" in html
    assert ("Evidence", "–") in rows(html)
