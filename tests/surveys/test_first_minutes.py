"""What a respondent reads before and while answering: how long it takes, how questions are numbered and
grouped, and an invitation that reads right whatever the group is called."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import call_command

from assessment.queries import load_rubric
from surveys.queries import build_survey, estimated_minutes, group_minutes

ROOT = Path(settings.BASE_DIR)


@pytest.mark.parametrize(
    ("scored", "optional", "minutes"),
    [(0, 0, 5), (1, 0, 5), (10, 0, 5), (11, 0, 10), (32, 4, 20), (45, 4, 30), (32, 0, 20)],
)
def test_the_time_estimate_grows_with_the_questions_and_rounds_up_to_five_minutes(scored, optional, minutes):
    assert estimated_minutes(scored=scored, optional=optional) == minutes


def test_question_numbers_count_the_questions_shown_in_the_order_shown(default_rubric):
    loaded = load_rubric(default_rubric)
    for group in loaded.rubric.respondent_groups:
        survey = build_survey(loaded, group.key, {})
        numbers = [q.number for page in survey.pages for q in page.questions]
        assert numbers == list(range(1, survey.total + 1)), group.key
        assert survey.total == len(loaded.rubric.criteria_for_group(group.key))
        assert survey.required + survey.optional == survey.total


def test_a_sub_group_heading_stands_only_over_its_own_questions(default_rubric):
    loaded = load_rubric(default_rubric)
    rubric = loaded.rubric

    def members(node) -> dict[str, set[str]]:
        found = {node.name: {c.key for c in node.criteria}}
        for child in node.groups:
            found.update(members(child))
        return found

    checked = 0
    for group in rubric.respondent_groups:
        survey = build_survey(loaded, group.key, {})
        for page in survey.pages:
            dimension = next(d for d in rubric.dimensions if d.key == page.key)
            own = members(dimension)
            for position, section in enumerate(page.sections):
                if section.name.startswith("Other questions on "):
                    # The dimension's own questions, after its sub-groups, under a heading of their own.
                    assert position > 0 and page.sections[position - 1].name
                    expected = {c.key for c in dimension.criteria}
                elif not section.name:
                    expected = {c.key for c in dimension.criteria}
                else:
                    expected = own[section.name]
                    checked += 1
                assert {q.key for q in section.questions} <= expected, (page.key, section.name)
    assert checked, "the default rubric has sub-groups"


def test_the_welcome_page_counts_every_numbered_question_and_estimates_the_time(client, invited_rep):
    survey = build_survey(load_rubric(invited_rep.invitation.assessment.rubric_version), "reps", {})
    text = client.get(invited_rep.url()).content.decode()
    sentence = f"{survey.total} questions in {len(survey.pages)} short sections"
    assert sentence in text
    assert f"about {survey.minutes} minutes" in text
    assert "fifteen" not in text
    page_numbers = [int(n) for n in re.findall(r'class="question__number">(\d+)\.', text)]
    assert page_numbers == []  # the welcome page numbers nothing itself
    last_page = client.get(invited_rep.url("page", number=len(survey.pages))).content.decode()
    last_number = max(int(n) for n in re.findall(r'class="question__number">(\d+)\.', last_page))
    assert last_number == survey.total


@pytest.mark.parametrize("group", ["sales-leadership", "managers", "reps", "marketing"])
def test_the_invitation_email_names_the_group_as_it_is_called_and_quotes_its_time(open_assessment, invite, group):
    mail.outbox.clear()
    invite(open_assessment, email=f"{group}@example.com", group=group)
    body = mail.outbox[-1].body
    loaded = load_rubric(open_assessment.rubric_version)
    name = next(g.name for g in loaded.rubric.respondent_groups if g.key == group)
    assert f"counted with the others of the group “{name}”" in body
    assert "as one of the" not in body
    assert f"about {group_minutes(loaded, group)} minutes" in body


def test_the_demo_prints_an_admin_login_that_opens_the_admin_site(db, client, capsys):
    call_command("seed_demo")
    printed = capsys.readouterr().out
    assert f"Administration at {settings.SITE_URL}/admin/: admin (password 'waypoint-demo')" in printed
    admin = get_user_model().objects.get(username="admin")
    assert admin.check_password("waypoint-demo") and admin.is_staff and admin.is_superuser
    client.force_login(admin)  # with the second factor given, as the sign-in page would after the code
    assert client.get("/admin/").status_code == 200


def test_make_run_serves_and_prints_links_on_the_port_it_is_given():
    plan = subprocess.run(
        ["make", "-n", "run", "PORT=8001"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    assert "runserver 127.0.0.1:8001" in plan
    seeding = [line for line in plan.splitlines() if "seed_demo" in line]
    assert seeding and all("SITE_URL=http://127.0.0.1:8001" in line for line in seeding)
