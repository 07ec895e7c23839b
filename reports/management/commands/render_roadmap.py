"""`python manage.py render_roadmap ASSESSMENT_ID -o roadmap.pdf [--deck roadmap.pptx]`: the roadmap PDF, and
its editable deck from the same snapshot, rendered now."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from assessment.models import Assessment
from organisations.errors import DomainError
from reports.deck import roadmap_deck
from reports.document import logo_path
from reports.services import render_pdf


class Command(BaseCommand):
    help = "Render an assessment's roadmap PDF synchronously and write it to a file."

    def add_arguments(self, parser) -> None:
        parser.add_argument("assessment_id", type=int)
        parser.add_argument(
            "-o", "--output", default="roadmap.pdf", help="Where to write the PDF (default roadmap.pdf)"
        )
        parser.add_argument("--deck", default="", help="Also write the PowerPoint deck of the same snapshot here")

    def handle(self, *args, **options) -> None:
        assessment = Assessment.objects.select_related("organisation").filter(pk=options["assessment_id"]).first()
        if assessment is None:
            raise CommandError(f"No assessment with id {options['assessment_id']}.")
        try:
            document, pdf = render_pdf(assessment=assessment)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        output = Path(options["output"])
        output.write_bytes(pdf)
        self.stdout.write(f"Wrote {output} ({len(pdf):,} bytes): {assessment.organisation.name}, {assessment.period}.")
        if options["deck"]:
            deck = Path(options["deck"])
            deck.write_bytes(roadmap_deck(document.as_json(), logo=logo_path(document)))
            self.stdout.write(f"Wrote {deck} ({deck.stat().st_size:,} bytes), the deck of the same snapshot.")
