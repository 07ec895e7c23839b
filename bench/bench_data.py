"""Set-up shared by bench/scoring.py and bench/history.py: a database, the default rubric, and assessments
of N submitted respondents answering at random (written in bulk; never part of what is measured)."""

from __future__ import annotations

import os
import random
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def setup_django(database_url: str) -> tempfile.TemporaryDirectory:
    """Point Django at `database_url` (a fresh PostgreSQL database of that name) or a temporary SQLite file."""
    tmp = tempfile.TemporaryDirectory()
    os.environ["DATABASE_URL"] = database_url or f"sqlite:///{tmp.name}/bench.sqlite3"
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor == "postgresql":
        name = connection.settings_dict["NAME"]
        with connection._nodb_cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
            cursor.execute(f'CREATE DATABASE "{name}"')
        connection.close()
    call_command("migrate", verbosity=0)
    return tmp


def default_rubric() -> Any:
    from assessment import services

    return services.import_rubric(document=(ROOT / "assessment/rubrics/sales-transformation.yaml").read_text()).version


def open_assessment(version: Any, organisation_name: str, period: str, respondents: int, seed: int = 1) -> Any:
    """An open assessment of the default rubric with `respondents` submitted responses: each answers every
    scored criterion of its group, one in twenty "not applicable"."""
    from django.db import connection
    from django.utils import timezone

    from assessment import services
    from assessment.models import Answer, Response
    from assessment.queries import load_rubric
    from organisations.models import Firm, Organisation

    loaded = load_rubric(version)
    rubric = loaded.rubric
    firm = Firm.objects.first() or Firm.objects.create(name="Bench Advisory")
    organisation, _ = Organisation.objects.get_or_create(firm=firm, name=organisation_name)
    assessment = services.create_assessment(organisation=organisation, period=period, rubric_version=version)
    services.open_assessment(assessment=assessment)
    rng = random.Random(seed)
    groups = [g.key for g in rubric.respondent_groups]
    now = timezone.now()
    responses = Response.objects.bulk_create(
        (Response(assessment=assessment, group=groups[i % len(groups)], submitted_at=now) for i in range(respondents)),
        batch_size=5000,
    )
    asked = {
        group: [
            (loaded.criterion_id_by_key[c.key], rubric.answer_set_by_key[c.answer_set])
            for c in rubric.criteria_for_group(group)
            if rubric.answer_set_by_key[c.answer_set].scored
        ]
        for group in groups
    }

    def rows():
        for response in responses:
            for criterion_id, answer_set in asked[response.group]:
                if rng.random() < 0.05:
                    yield response.pk, criterion_id, None, True
                else:
                    option = rng.choice(answer_set.options)
                    yield response.pk, criterion_id, loaded.option_id_by_key[(answer_set.key, option.key)], False

    if connection.vendor == "postgresql":
        null, stamp = "\\N", now.isoformat()
        columns = "response_id, criterion_id, option_id, not_applicable, text, comment, updated_at"
        with connection.cursor() as cursor, cursor.copy(f"COPY assessment_answer ({columns}) FROM STDIN") as copy:
            chunk = []
            for response_id, criterion_id, option_id, na in rows():
                option = null if option_id is None else option_id
                chunk.append(f"{response_id}\t{criterion_id}\t{option}\t{'t' if na else 'f'}\t\t\t{stamp}\n")
                if len(chunk) >= 100_000:
                    copy.write("".join(chunk))
                    chunk = []
            copy.write("".join(chunk))
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE assessment_answer")
            cursor.execute("ANALYZE assessment_response")
    else:
        Answer.objects.bulk_create(
            (
                Answer(response_id=r, criterion_id=c, option_id=o, not_applicable=na, updated_at=now)
                for r, c, o, na in rows()
            ),
            batch_size=5000,
        )
    return assessment
