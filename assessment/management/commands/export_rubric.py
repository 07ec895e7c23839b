from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from assessment.models import RubricVersion
from assessment.queries import load_rubric
from assessment.rubric import dump_rubric_yaml


class Command(BaseCommand):
    help = "Write a stored rubric version as YAML (to standard output, or to a file with -o)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("key")
        parser.add_argument("version", type=int)
        parser.add_argument("-o", "--output", type=Path)

    def handle(self, *args, key: str, version: int, output: Path | None, **options) -> None:
        row = RubricVersion.objects.select_related("rubric").filter(rubric__key=key, version=version).first()
        if row is None:
            raise CommandError(f"There is no rubric {key!r} version {version}.")
        text = dump_rubric_yaml(load_rubric(row).rubric)
        if output:
            output.write_text(text, encoding="utf-8")
        else:
            self.stdout.write(text, ending="")
