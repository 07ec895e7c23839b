from django.core.management.base import BaseCommand, CommandError

from assessment.rubric import RubricInvalid
from assessment.services import import_built_in_rubrics


class Command(BaseCommand):
    help = (
        "Import every rubric shipped in assessment/rubrics/, a family's files in the order of the versions "
        "they name (content already stored maps to its version), and print each family's latest version."
    )

    def handle(self, *args, **options) -> None:
        try:
            latest = import_built_in_rubrics()
        except RubricInvalid as exc:
            for error in exc.errors:
                self.stderr.write(error)
            raise CommandError(f"{len(exc.errors)} problem(s) in a shipped rubric.") from exc
        for key, version in sorted(latest.items()):
            self.stdout.write(f"{key}: latest version {version.version}.")
