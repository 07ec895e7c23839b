"""`python manage.py restore ARCHIVE`: a backup put back into a new, empty database and MEDIA_ROOT."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS

from organisations.backup import BackupError, restore_backup


class Command(BaseCommand):
    help = (
        "Restore an archive made by `manage.py backup` into an empty database and MEDIA_ROOT. Checks every "
        "checksum and the migrations first; refuses a database that is not empty unless --force."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("archive", help="The .tar.gz archive made by `manage.py backup`")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Drop every table of a database that is not empty, and overwrite stored files with other content",
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="The database alias (default: default)")

    def handle(self, *args, **options) -> None:
        try:
            restored = restore_backup(
                archive=Path(options["archive"]), using=options["database"], force=options["force"]
            )
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        manifest = restored.manifest
        self.stdout.write(
            f"Restored the backup of {manifest['created_at']}: the {manifest['database']['vendor']} database and "
            f"{len(manifest['files'])} stored files."
        )
        if restored.pending_migrations:
            self.stdout.write(
                f"This code has {len(restored.pending_migrations)} migrations the backup has not: "
                "run `python manage.py migrate` (make migrate) before serving."
            )
