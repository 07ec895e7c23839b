"""`python manage.py backup -o backups/`: the database and every stored file in one archive."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS

from organisations.backup import BackupError, create_backup


class Command(BaseCommand):
    help = (
        "Back up the database (pg_dump, or SQLite's online backup) and every file under MEDIA_ROOT into one "
        ".tar.gz archive with a manifest of checksums. Secrets such as SECRET_KEY are not in it."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "-o",
            "--output",
            required=True,
            help="The archive to write, or a folder (ending in /) to write waypoint-backup-<date>.tar.gz in",
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="The database alias (default: default)")

    def handle(self, *args, **options) -> None:
        try:
            path, manifest = create_backup(output=options["output"], using=options["database"])
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        size = path.stat().st_size
        self.stdout.write(
            f"Wrote {path} ({size:,} bytes): the {manifest['database']['vendor']} database, "
            f"{len(manifest['migrations'])} applied migrations and {len(manifest['files'])} stored files."
        )
