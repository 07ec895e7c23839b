from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from assessment.rubric import RubricInvalid
from assessment.services import import_rubric


class Command(BaseCommand):
    help = (
        "Validate a rubric YAML file and store it as a built-in rubric version (numbered by the server; "
        "the document's version is ignored)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)

    def handle(self, *args, path: Path, **options) -> None:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"Cannot read {path}: {exc}") from exc
        try:
            result = import_rubric(document=text)
        except RubricInvalid as exc:
            for error in exc.errors:
                self.stderr.write(error)
            raise CommandError(f"{path}: {len(exc.errors)} problem(s); nothing was imported.") from exc
        version = result.version
        if result.created:
            self.stdout.write(f"Imported {version.rubric.key} version {version.version}.")
        else:
            self.stdout.write(f"{version.rubric.key} version {version.version} already holds this content.")
