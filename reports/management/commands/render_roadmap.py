"""`python manage.py render_roadmap ASSESSMENT_ID -o roadmap.pdf`: the roadmap PDF, rendered now."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from assessment.models import Assessment
from organisations.errors import DomainError
from reports.services import render_pdf


class Command(BaseCommand):
    help = "Render an assessment's roadmap PDF synchronously and write it to a file."

    def add_arguments(self, parser) -> None:
        parser.add_argument("assessment_id", type=int)
        parser.add_argument(
            "-o", "--output", default="roadmap.pdf", help="Where to write the PDF (default roadmap.pdf)"
        )

    def handle(self, *args, **options) -> None:
        assessment = Assessment.objects.select_related("organisation").filter(pk=options["assessment_id"]).first()
        if assessment is None:
            raise CommandError(f"No assessment with id {options['assessment_id']}.")
        try:
            _, pdf = render_pdf(assessment=assessment)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        output = Path(options["output"])
        output.write_bytes(pdf)
        self.stdout.write(f"Wrote {output} ({len(pdf):,} bytes): {assessment.organisation.name}, {assessment.period}.")
