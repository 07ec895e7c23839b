"""`manage.py backup` and `manage.py restore`: a whole installation restored into a fresh database.

The restore goes into a new, empty database of the suite's own kind (a new SQLite file, or on
PostgreSQL, as in .ci/run, a new database created here and dropped afterwards) and a new MEDIA_ROOT;
every table and every file is then compared with the original.
"""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from collections.abc import Callable
from pathlib import Path

import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.db import connections
from django.db.migrations.recorder import MigrationRecorder
from django.db.utils import load_backend

from assessment.models import Assessment, Response
from organisations.models import AuditEvent, Firm
from reports.models import Report, ReportStatus
from reports.services import request_report
from surveys.models import Invitation
from tests.factories import InvitationFactory
from tests.organisations.conftest import stored_files

# Backups are read by other processes (pg_dump) and other connections: the rows must be committed.
pytestmark = pytest.mark.django_db(transaction=True)

PNG_LOGO = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005"
    "0001ff2ea43c4b0000000049454e44ae426082"
)
EXPORT = b"kind,count\nresponses,3\n"


@pytest.fixture
def fresh_database(transactional_db, tmp_path):
    """A new, empty database of the suite's kind, as the connection alias "restored"."""
    default = connections["default"]
    settings_dict = dict(default.settings_dict)
    created = None
    if default.vendor == "sqlite":
        settings_dict["NAME"] = str(tmp_path / "restored.sqlite3")
    else:
        created = f"{default.settings_dict['NAME']}_restored"[:63]
        with default.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {default.ops.quote_name(created)}")
            cursor.execute(f"CREATE DATABASE {default.ops.quote_name(created)}")
        settings_dict["NAME"] = created
    # Made here rather than configured, as Django's tests allow a connection they did not configure.
    connections["restored"] = load_backend(settings_dict["ENGINE"]).DatabaseWrapper(settings_dict, "restored")
    yield connections["restored"]
    connections["restored"].close()
    del connections["restored"]
    if created:
        with default.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {default.ops.quote_name(created)} WITH (FORCE)")


@pytest.fixture
def logo(organisation) -> Firm:
    firm = organisation.firm
    firm.logo.save("northwind.png", ContentFile(PNG_LOGO))
    return firm


@pytest.fixture
def installation(world, logo, media_root):
    """Real data: assessments with submitted and draft responses, an invitation, a report rendered to
    PDF with the firm's logo on its cover, the logo itself, and a file of another kind in storage."""
    InvitationFactory(assessment=world.closed_assessment, name="Northwind Rep", response=world.submitted_response)
    report = request_report(assessment=world.closed_assessment, requested_by=world.consultant)
    report.refresh_from_db()
    assert report.status == ReportStatus.READY and report.pdf.read(5) == b"%PDF-"
    report.pdf.close()
    (media_root / "exports").mkdir(parents=True)
    (media_root / "exports" / "responses.csv").write_bytes(EXPORT)
    return world, report


def every_table(connection) -> dict[str, tuple[list[str], list[tuple]]]:
    """Every table of the database: its columns and all of its rows (in a stable order)."""
    quote = connection.ops.quote_name
    tables = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {quote(table)}")
            columns = [column[0] for column in cursor.description]
            tables[table] = (columns, sorted(cursor.fetchall(), key=repr))
    return tables


def file_contents(root: Path) -> dict[str, bytes]:
    return {name: (Path(root) / name).read_bytes() for name in stored_files(root)} if Path(root).exists() else {}


def backup(path: Path) -> Path:
    call_command("backup", "-o", str(path), stdout=io.StringIO())
    return path


def restore(archive: Path, *flags: str) -> str:
    out = io.StringIO()
    call_command("restore", str(archive), "--database", "restored", *flags, stdout=out)
    return out.getvalue()


def test_a_backup_restored_into_a_fresh_database_has_every_row_and_every_file(
    installation, fresh_database, media_root, settings, tmp_path
):
    world, report = installation
    archive = backup(tmp_path / "waypoint.tar.gz")
    assert archive.stat().st_mode & 0o077 == 0, "the archive holds personal data: its owner's only"
    original_tables, original_files = every_table(connections["default"]), file_contents(media_root)

    settings.MEDIA_ROOT = tmp_path / "restored-media"
    said = restore(archive)

    assert "Restored the backup" in said
    restored_tables = every_table(fresh_database)
    assert restored_tables.keys() == original_tables.keys()
    for table, (columns, rows) in original_tables.items():
        assert restored_tables[table] == (columns, rows), f"{table} differs after the restore"
    # Every model's table was compared, and the ones that matter held rows.
    assert {m._meta.db_table for m in apps.get_models(include_auto_created=True)} <= restored_tables.keys()
    for model in (Firm, Assessment, Response, Invitation, Report, AuditEvent):
        assert original_tables[model._meta.db_table][1], f"{model.__name__} had no rows to compare"
    assert original_tables["django_migrations"][1]

    # The restored database goes on: new rows get new ids.
    firm = Firm.objects.using("restored").create(name="Founded after the restore")
    assert firm.pk > max(Firm.objects.values_list("pk", flat=True))

    assert file_contents(settings.MEDIA_ROOT) == original_files
    assert {report.pdf.name, world.firm.logo.name, "exports/responses.csv"} <= original_files.keys()


def test_backup_writes_a_dated_archive_in_a_folder_and_never_overwrites_one(logo, settings, tmp_path):
    call_command("backup", "-o", f"{tmp_path}/backups/", stdout=io.StringIO())
    (archive,) = (tmp_path / "backups").iterdir()
    assert archive.name.startswith("waypoint-backup-") and archive.name.endswith(".tar.gz")
    before = archive.read_bytes()
    with pytest.raises(CommandError, match="already exists"):
        backup(archive)
    assert archive.read_bytes() == before
    with tarfile.open(archive) as tar:
        members = {m.name: tar.extractfile(m).read() for m in tar}
    manifest = json.loads(members["manifest.json"])
    assert manifest["database"]["vendor"] == connections["default"].vendor
    assert ["organisations", "0001_initial"] in manifest["migrations"]
    assert manifest["files"] == [
        {"name": logo.logo.name, "size": len(PNG_LOGO), "sha256": hashlib.sha256(PNG_LOGO).hexdigest()}
    ]
    assert not any(settings.SECRET_KEY.encode() in content for content in members.values())


# --- refusals ------------------------------------------------------------------------------------


def repack(archive: Path, out: Path, change: Callable[[dict[str, bytes]], None]) -> Path:
    """A copy of the archive with its members changed by `change` (name → content)."""
    with tarfile.open(archive) as tar:
        members = {m.name: tar.extractfile(m).read() for m in tar}
    change(members)
    with tarfile.open(out, "w:gz") as tar:
        for name, content in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            tar.addfile(info, io.BytesIO(content))
    return out


def database_member(members: dict[str, bytes]) -> str:
    return next(name for name in members if name.startswith("database."))


def flip_a_byte(content: bytes) -> bytes:
    middle = len(content) // 2
    return content[:middle] + bytes([content[middle] ^ 0xFF]) + content[middle + 1 :]


def with_manifest(members: dict[str, bytes], edit: Callable[[dict], None]) -> None:
    """Edit the manifest and write its checksum to match, as someone who knew the format would."""
    manifest = json.loads(members["manifest.json"])
    edit(manifest)
    members["manifest.json"] = json.dumps(manifest).encode()
    members["manifest.sha256"] = hashlib.sha256(members["manifest.json"]).hexdigest().encode()


def change_logo(members):
    name = next(n for n in members if n.startswith("files/"))
    members[name] = flip_a_byte(members[name])


def change_database(members):
    name = database_member(members)
    members[name] = flip_a_byte(members[name])


def drop_logo(members):
    del members[next(n for n in members if n.startswith("files/"))]


def add_a_file(members):
    members["files/firms/logos/extra.png"] = PNG_LOGO


def escape_the_media_root(members):
    members["files/../../outside.txt"] = b"should never be written"


def edit_the_manifest_only(members):
    manifest = json.loads(members["manifest.json"])
    manifest["files"][0]["sha256"] = hashlib.sha256(b"other").hexdigest()
    members["manifest.json"] = json.dumps(manifest).encode()


def garble_the_migrations(members):
    with_manifest(members, lambda m: m.update(migrations=[["assessment"]]))


DAMAGE = {
    "a stored file changed": (change_logo, "does not match its checksum"),
    "the database copy changed": (change_database, "does not match its checksum"),
    "a stored file missing": (drop_logo, "is missing"),
    "a file not in the manifest": (add_a_file, "is not in the manifest"),
    "a name outside the media root": (escape_the_media_root, "unexpected entry"),
    "the manifest edited": (edit_the_manifest_only, "manifest does not match"),
    "the migrations garbled": (garble_the_migrations, "not \\(app, name\\) pairs"),
}


@pytest.fixture
def archive(logo, tmp_path) -> Path:
    return backup(tmp_path / "good.tar.gz")


def assert_nothing_restored(database, media: Path) -> None:
    assert database.introspection.table_names() == []
    assert file_contents(media) == {}


@pytest.mark.parametrize("damage", DAMAGE.values(), ids=DAMAGE.keys())
def test_a_damaged_archive_is_refused_and_changes_nothing(archive, damage, fresh_database, settings, tmp_path):
    change, message = damage
    damaged = repack(archive, tmp_path / "damaged.tar.gz", change)
    settings.MEDIA_ROOT = tmp_path / "restored-media"
    with pytest.raises(CommandError, match=message):
        restore(damaged)
    assert_nothing_restored(fresh_database, settings.MEDIA_ROOT)
    assert not (tmp_path / "outside.txt").exists()


@pytest.mark.parametrize(
    "content",
    [lambda good: good[: len(good) // 2], lambda good: b"not an archive at all"],
    ids=["truncated", "not gzip"],
)
def test_an_unreadable_archive_is_refused_and_changes_nothing(archive, content, fresh_database, settings, tmp_path):
    broken = tmp_path / "broken.tar.gz"
    broken.write_bytes(content(archive.read_bytes()))
    settings.MEDIA_ROOT = tmp_path / "restored-media"
    with pytest.raises(CommandError, match="damaged or not a Waypoint backup"):
        restore(broken)
    assert_nothing_restored(fresh_database, settings.MEDIA_ROOT)


def test_a_backup_from_newer_code_is_refused(archive, fresh_database, settings, tmp_path):
    def newer(members):
        with_manifest(members, lambda m: m["migrations"].append(["assessment", "9999_from_the_future"]))

    settings.MEDIA_ROOT = tmp_path / "restored-media"
    with pytest.raises(CommandError, match=r"newer version of Waypoint.*assessment\.9999_from_the_future"):
        restore(repack(archive, tmp_path / "newer.tar.gz", newer))
    assert_nothing_restored(fresh_database, settings.MEDIA_ROOT)


def test_a_backup_of_another_database_vendor_is_refused(archive, fresh_database, settings, tmp_path):
    vendor = connections["default"].vendor
    other, other_member = ("postgresql", "database.dump") if vendor == "sqlite" else ("sqlite", "database.sqlite3")

    def elsewhere(members):
        members[other_member] = members.pop(database_member(members))
        with_manifest(members, lambda m: m["database"].update(vendor=other, name=other_member))

    settings.MEDIA_ROOT = tmp_path / "restored-media"
    with pytest.raises(CommandError, match=f"backup of a {other} database"):
        restore(repack(archive, tmp_path / "other.tar.gz", elsewhere))
    assert_nothing_restored(fresh_database, settings.MEDIA_ROOT)


def test_a_database_that_is_not_empty_is_kept_unless_forced(archive, logo, fresh_database, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "restored-media"
    restore(archive)
    expected = every_table(fresh_database)
    quote = fresh_database.ops.quote_name
    with fresh_database.cursor() as cursor:
        cursor.execute(f"UPDATE {quote(Firm._meta.db_table)} SET name = %s", ["Changed since"])
        cursor.execute(f"CREATE TABLE {quote('left_over')} (id integer)")
    changed = every_table(fresh_database)

    with pytest.raises(CommandError, match="The database is not empty"):
        restore(archive)
    assert every_table(fresh_database) == changed

    said = restore(archive, "--force")
    assert "Restored the backup" in said
    assert every_table(fresh_database) == expected
    assert file_contents(settings.MEDIA_ROOT) == {logo.logo.name: PNG_LOGO}


def test_stored_files_with_other_content_are_kept_unless_forced(archive, logo, fresh_database, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "restored-media"
    (settings.MEDIA_ROOT / logo.logo.name).parent.mkdir(parents=True)
    (settings.MEDIA_ROOT / logo.logo.name).write_bytes(b"another logo")
    with pytest.raises(CommandError, match=r"MEDIA_ROOT .* already holds 1 files with other content"):
        restore(archive)
    assert fresh_database.introspection.table_names() == []
    assert file_contents(settings.MEDIA_ROOT) == {logo.logo.name: b"another logo"}

    restore(archive, "--force")
    assert file_contents(settings.MEDIA_ROOT) == {logo.logo.name: PNG_LOGO}


def test_a_restore_from_older_code_says_to_migrate(logo, fresh_database, settings, tmp_path):
    recorder = MigrationRecorder(connections["default"])
    newest = max(name for app, name in recorder.applied_migrations() if app == "organisations")
    # django_migrations is no model's table, so the end of the test does not reset it: put it back here.
    recorder.record_unapplied("organisations", newest)
    try:
        archive = backup(tmp_path / "older.tar.gz")
    finally:
        recorder.record_applied("organisations", newest)
    settings.MEDIA_ROOT = tmp_path / "restored-media"

    said = restore(archive)

    assert "has 1 migrations the backup has not: run `python manage.py migrate`" in said
    assert ("organisations", newest) not in MigrationRecorder(fresh_database).applied_migrations()
