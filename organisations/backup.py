"""Backups of a whole installation (the database and the stored files, in one archive) and their restore.

A backup is a gzipped tar archive holding:

- `database.dump`: the PostgreSQL database in pg_dump's custom format, or `database.sqlite3`: a copy
  of the SQLite database taken with SQLite's online backup API;
- `files/<name>`: every file under MEDIA_ROOT (report PDFs, firm logos, ...);
- `manifest.json`: when it was made, the database vendor, the applied migrations, and the size and
  SHA-256 of every other member; `manifest.sha256`: the SHA-256 of `manifest.json`.

The database is dumped before the files are read: a file written in between is in the archive with no
row naming it, which is harmless, while no row can name a file the archive lacks (files are written
once and never changed), save the files of an organisation erased in between, which are skipped.

Secrets (SECRET_KEY, passwords of the mail server and the database) are settings, not data: they are
never in a backup. Survey links are HMACs under SECRET_KEY, so a restore needs the same SECRET_KEY.

A restore checks everything before it changes anything: the archive is read whole, every member must
match the manifest, the migrations must all be known to this code and the database must be empty
(unless `force`). The database is then restored in one transaction, and the files after it.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO, Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

FORMAT = "waypoint-backup"
VERSION = 1
MANIFEST = "manifest.json"
MANIFEST_DIGEST = "manifest.sha256"
FILES = "files/"
DATABASE_MEMBERS = {"postgresql": "database.dump", "sqlite": "database.sqlite3"}
CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup cannot be made, or an archive cannot be restored; the message says why, for people."""


@dataclass
class Restored:
    """What a restore put back: the archive's manifest, and the migrations this code has that it lacked."""

    manifest: dict[str, Any]
    pending_migrations: list[str] = field(default_factory=list)


# --- helpers -------------------------------------------------------------------------------------


def _sha256_of(path: Path) -> tuple[int, str]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


class _Hashing:
    """A reader that hashes what is read through it (tarfile reads a member's content with read())."""

    def __init__(self, handle: IO[bytes]):
        self.handle = handle
        self.digest = hashlib.sha256()
        self.size = 0

    def read(self, size: int = -1) -> bytes:
        chunk = self.handle.read(size)
        self.digest.update(chunk)
        self.size += len(chunk)
        return chunk


def _vendor(connection: BaseDatabaseWrapper) -> str:
    if connection.vendor not in DATABASE_MEMBERS:
        raise BackupError(f"Backups support PostgreSQL and SQLite, not {connection.vendor}.")
    return connection.vendor


def _media_root() -> Path:
    return Path(settings.MEDIA_ROOT)


def _stored_files(root: Path) -> Iterator[tuple[str, Path]]:
    """Every regular file under the storage root, by its name relative to it (sorted)."""
    if not root.is_dir():
        return
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            yield path.relative_to(root).as_posix(), path


def _applied_migrations(connection: BaseDatabaseWrapper) -> list[list[str]]:
    return sorted([app, name] for app, name in MigrationRecorder(connection).applied_migrations())


# --- PostgreSQL through its own tools --------------------------------------------------------------


def _pg_env(connection: BaseDatabaseWrapper) -> dict[str, str]:
    """The environment that points pg_dump, pg_restore and psql at the connection's database (the
    password goes in the environment, never on a command line)."""
    settings_dict = connection.settings_dict
    _, client_env = connection.client.settings_to_cmd_args_env(settings_dict, [])
    env = {**os.environ, **(client_env or {})}
    for variable, key in (("PGHOST", "HOST"), ("PGPORT", "PORT"), ("PGUSER", "USER"), ("PGDATABASE", "NAME")):
        if settings_dict.get(key):
            env[variable] = str(settings_dict[key])
    return env


def _run(command: list[str], *, env: dict[str, str] | None = None, what: str) -> str:
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    except FileNotFoundError as exc:
        raise BackupError(f"{command[0]} is not installed (it is needed to {what}).") from exc
    if done.returncode != 0:
        raise BackupError(f"Could not {what}: {command[0]} said: {done.stderr.strip()[-2000:]}")
    return done.stdout


def _tool_major(tool: str) -> int:
    """The major version of a PostgreSQL client tool ("pg_dump (PostgreSQL) 15.20 (Debian ...)" → 15)."""
    out = _run([tool, "--version"], what=f"read the version of {tool}")
    found = re.search(r"\)\s*(\d+)", out)
    if not found:
        raise BackupError(f"Could not read the version of {tool} from {out!r}.")
    return int(found.group(1))


def _dump_postgresql(connection: BaseDatabaseWrapper, target: Path) -> dict[str, Any]:
    connection.ensure_connection()
    server = connection.pg_version  # type: ignore[attr-defined]
    server_major = server // 10000
    client_major = _tool_major("pg_dump")
    if client_major < server_major:
        raise BackupError(
            f"pg_dump is version {client_major} and the server {server_major}: a dump needs pg_dump of the "
            "server's version or newer. Install it and put it first in PATH."
        )
    _run(
        ["pg_dump", "--format=custom", "--no-password", "--file", str(target)],
        env=_pg_env(connection),
        what="dump the PostgreSQL database",
    )
    return {"server_version": f"{server_major}.{server % 10000}", "pg_dump_version": client_major}


def _dump_sqlite(connection: BaseDatabaseWrapper, target: Path) -> dict[str, Any]:
    connection.ensure_connection()
    copy = sqlite3.connect(target)
    try:
        # The online backup API: a consistent copy, even while other connections write.
        connection.connection.backup(copy)
    finally:
        copy.close()
    return {"server_version": sqlite3.sqlite_version}


def _drop_everything_sql(connection: BaseDatabaseWrapper) -> str:
    """SQL that drops every table, view, sequence and function of the database's schema (for a forced
    restore, on PostgreSQL)."""
    quote = connection.ops.quote_name
    statements = []
    with connection.cursor() as cursor:
        for table in connection.introspection.get_table_list(cursor):
            kind = "VIEW" if table.type == "v" else "TABLE"
            statements.append(f"DROP {kind} IF EXISTS {quote(table.name)} CASCADE;")
        cursor.execute(
            "SELECT sequence_name FROM information_schema.sequences WHERE sequence_schema = current_schema()"
        )
        statements += [f"DROP SEQUENCE IF EXISTS {quote(name)} CASCADE;" for (name,) in cursor.fetchall()]
        # The schema's own functions (the triggers' of assessment/migrations/0010), not an extension's.
        cursor.execute(
            "SELECT p.oid::regprocedure::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
            "WHERE n.nspname = current_schema() AND p.prokind = 'f' AND NOT EXISTS "
            "(SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')"
        )
        statements += [f"DROP FUNCTION IF EXISTS {signature} CASCADE;" for (signature,) in cursor.fetchall()]
    return "\n".join(statements) + "\n"


def _restore_postgresql(connection: BaseDatabaseWrapper, dump: Path, work: Path, *, replace: bool) -> None:
    """pg_restore writes the dump as SQL; psql runs it (after dropping what was there, when replacing)
    in one transaction, so a failure leaves the database as it was."""
    script = work / "restore.sql"
    _run(
        ["pg_restore", "--no-owner", "--no-privileges", "--file", str(script), str(dump)],
        what="read the PostgreSQL dump (pg_restore must be of the dump's version or newer)",
    )
    drops = work / "drop.sql"
    drops.write_text(_drop_everything_sql(connection) if replace else "")
    connection.close()
    _run(
        [
            "psql",
            "--no-psqlrc",
            "--no-password",
            "--quiet",
            "--single-transaction",
            "--set",
            "ON_ERROR_STOP=1",
            "--file",
            str(drops),
            "--file",
            str(script),
        ],
        env=_pg_env(connection),
        what="restore the PostgreSQL database (nothing was changed)",
    )


def _restore_sqlite(connection: BaseDatabaseWrapper, copy_path: Path) -> None:
    connection.ensure_connection()
    copy = sqlite3.connect(copy_path)
    try:
        # The backup API in the other direction replaces the whole database, in one step.
        copy.backup(connection.connection)
    finally:
        copy.close()
    connection.close()


# --- backup --------------------------------------------------------------------------------------


def default_name() -> str:
    return f"waypoint-backup-{timezone.now():%Y%m%d-%H%M%S}.tar.gz"


def create_backup(*, output: str | Path, using: str = DEFAULT_DB_ALIAS) -> tuple[Path, dict[str, Any]]:
    """Write a backup archive of the database and of every stored file to `output` (a file name, or a
    directory to write a dated archive in). An existing archive is never overwritten; a failed backup
    leaves nothing at `output`. Returns the archive's path and its manifest."""
    connection = connections[using]
    vendor = _vendor(connection)
    if str(output).endswith(os.sep) or Path(output).is_dir():
        Path(output).mkdir(parents=True, exist_ok=True)
        output = Path(output) / default_name()
    output = Path(output)
    if output.exists():
        raise BackupError(f"{output} already exists; a backup never overwrites one.")
    if not output.parent.is_dir():
        raise BackupError(f"The folder {output.parent} does not exist.")
    created_at = timezone.now()
    partial = output.with_name(output.name + ".partial")
    with tempfile.TemporaryDirectory(prefix="waypoint-backup-") as work:
        database_member = DATABASE_MEMBERS[vendor]
        dump = Path(work) / database_member
        migrations = _applied_migrations(connection)
        details = _dump_postgresql(connection, dump) if vendor == "postgresql" else _dump_sqlite(connection, dump)
        size, sha256 = _sha256_of(dump)
        database = {"vendor": vendor, "name": database_member, "size": size, "sha256": sha256, **details}
        files: list[dict[str, Any]] = []
        # The archive holds personal data: readable by its owner only.
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(descriptor, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as archive:
                archive.add(dump, arcname=database_member, recursive=False)
                for name, path in _stored_files(_media_root()):
                    try:
                        handle = path.open("rb")
                    except FileNotFoundError:
                        continue  # deleted since the folder was listed (an erasure's files go after its rows)
                    with handle:
                        info = archive.gettarinfo(arcname=FILES + name, fileobj=handle)
                        reader = _Hashing(handle)
                        archive.addfile(info, fileobj=reader)  # type: ignore[arg-type]
                    files.append({"name": name, "size": reader.size, "sha256": reader.digest.hexdigest()})
                manifest = {
                    "format": FORMAT,
                    "version": VERSION,
                    "created_at": created_at.isoformat(),
                    "database": database,
                    "migrations": migrations,
                    "files": files,
                    "not_included": "Settings and secrets (SECRET_KEY, passwords): keep them apart from backups.",
                }
                encoded = json.dumps(manifest, indent=1, sort_keys=True).encode()
                _add_bytes(archive, MANIFEST, encoded)
                _add_bytes(archive, MANIFEST_DIGEST, (hashlib.sha256(encoded).hexdigest() + "\n").encode())
            os.replace(partial, output)
        finally:
            partial.unlink(missing_ok=True)
    return output, manifest


def _add_bytes(archive: tarfile.TarFile, name: str, content: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(content)
    info.mtime = int(timezone.now().timestamp())
    info.mode = 0o600
    archive.addfile(info, io.BytesIO(content))


# --- reading an archive --------------------------------------------------------------------------


def _allowed_member(name: str) -> bool:
    path = PurePosixPath(name)
    if path.is_absolute() or not path.parts or any(part in ("", ".", "..") for part in path.parts):
        return False
    return name in (MANIFEST, MANIFEST_DIGEST, *DATABASE_MEMBERS.values()) or (
        name.startswith(FILES) and len(path.parts) > 1
    )


def _unpack(archive_path: Path, into: Path) -> tuple[dict[str, Any], dict[str, tuple[int, str]]]:
    """Extract every member into `into`, refusing anything but plain files at expected names; returns
    the manifest and the size and SHA-256 of each member."""
    found: dict[str, tuple[int, str]] = {}
    try:
        with tarfile.open(archive_path, mode="r:gz") as archive:
            for member in archive:
                name = member.name
                if not member.isfile() or not _allowed_member(name) or name in found:
                    raise BackupError(
                        f"{archive_path} is not a Waypoint backup: it holds an unexpected entry {name!r}."
                    )
                target = into / name
                target.parent.mkdir(parents=True, exist_ok=True)
                source = archive.extractfile(member)
                assert source is not None  # a regular file always has content
                digest = hashlib.sha256()
                with source, target.open("xb") as out:
                    while chunk := source.read(CHUNK):
                        digest.update(chunk)
                        out.write(chunk)
                found[name] = (member.size, digest.hexdigest())
    except FileNotFoundError as exc:
        raise BackupError(f"There is no file {archive_path}.") from exc
    except (tarfile.TarError, EOFError, zlib.error, OSError) as exc:
        raise BackupError(f"{archive_path} is damaged or not a Waypoint backup ({exc}).") from exc
    if MANIFEST not in found or MANIFEST_DIGEST not in found:
        raise BackupError(f"{archive_path} is not a Waypoint backup: it has no manifest.")
    recorded = (into / MANIFEST_DIGEST).read_text().strip()
    if recorded != found[MANIFEST][1]:
        raise BackupError(f"{archive_path} is damaged: its manifest does not match the manifest's checksum.")
    try:
        manifest = json.loads((into / MANIFEST).read_text())
    except ValueError as exc:
        raise BackupError(f"{archive_path} is damaged: its manifest is not JSON.") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{archive_path} is not a Waypoint backup.")
    if manifest.get("version") != VERSION:
        raise BackupError(f"{archive_path} is a backup of format {manifest.get('version')}; this code reads {VERSION}.")
    return manifest, found


def _verify(archive_path: Path, manifest: dict[str, Any], found: dict[str, tuple[int, str]]) -> None:
    """Every member the manifest lists is there with its size and checksum, and nothing else is."""
    try:
        database = manifest["database"]
        expected = {database["name"]: (database["size"], database["sha256"])}
        for entry in manifest["files"]:
            expected[FILES + entry["name"]] = (entry["size"], entry["sha256"])
        if database["name"] != DATABASE_MEMBERS.get(database["vendor"]):
            raise BackupError(f"{archive_path} is damaged: its manifest names no database copy.")
        if not all(
            isinstance(m, list) and len(m) == 2 and all(isinstance(part, str) for part in m)
            for m in manifest["migrations"]
        ):
            raise BackupError(f"{archive_path} is damaged: its manifest's migrations are not (app, name) pairs.")
    except (KeyError, TypeError) as exc:
        raise BackupError(f"{archive_path} is damaged: its manifest lacks {exc}.") from exc
    present = {name: value for name, value in found.items() if name not in (MANIFEST, MANIFEST_DIGEST)}
    missing = sorted(set(expected) - set(present))
    unlisted = sorted(set(present) - set(expected))
    changed = sorted(name for name in set(expected) & set(present) if tuple(expected[name]) != present[name])
    problems = [
        *(f"{name} is missing" for name in missing),
        *(f"{name} is not in the manifest" for name in unlisted),
        *(f"{name} does not match its checksum" for name in changed),
    ]
    if problems:
        shown = "; ".join(problems[:5]) + (f"; and {len(problems) - 5} more" if len(problems) > 5 else "")
        raise BackupError(f"{archive_path} is damaged, nothing was restored: {shown}.")


def _unknown_migrations(manifest: dict[str, Any]) -> list[str]:
    """The archive's applied migrations that this code does not have (the backup came from newer code)."""
    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    return [f"{app}.{name}" for app, name in manifest["migrations"] if (app, name) not in known]


def _pending_migrations(connection: BaseDatabaseWrapper) -> list[str]:
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _ in plan]


# --- restore -------------------------------------------------------------------------------------


def restore_backup(*, archive: Path, using: str = DEFAULT_DB_ALIAS, force: bool = False) -> Restored:
    """Restore an archive made by create_backup into the (empty) database and MEDIA_ROOT.

    Refused, with nothing changed: a damaged archive (a member missing, added or not matching its
    checksum), a backup of another database vendor or with migrations this code does not have, and,
    unless `force`, a database that holds any table or a stored file the archive would replace with
    other content. With `force` the database's tables are all dropped (in the restore's transaction)
    and such files are overwritten; files that are not in the archive are left alone."""
    connection = connections[using]
    vendor = _vendor(connection)
    archive = Path(archive)
    with tempfile.TemporaryDirectory(prefix="waypoint-restore-") as work_dir:
        work = Path(work_dir)
        content = work / "content"
        content.mkdir()
        manifest, found = _unpack(archive, content)
        _verify(archive, manifest, found)
        if manifest["database"]["vendor"] != vendor:
            raise BackupError(
                f"{archive} is a backup of a {manifest['database']['vendor']} database; DATABASE_URL names a "
                f"{vendor} one. Restore it into a database of the same kind."
            )
        unknown = _unknown_migrations(manifest)
        if unknown:
            raise BackupError(
                f"{archive} was made by a newer version of Waypoint: its database has migrations this code "
                f"does not have ({', '.join(unknown[:5])}). Restore it with the version that made it, or a newer one."
            )
        tables = connection.introspection.table_names(include_views=True)
        if tables and not force:
            raise BackupError(
                f"The database is not empty (it has {len(tables)} tables); a backup is restored into a new, "
                "empty database. Create one and point DATABASE_URL at it, or pass --force to replace everything "
                "in this one."
            )
        root = _media_root()
        conflicts = [
            entry["name"]
            for entry in manifest["files"]
            if (root / entry["name"]).is_file() and _sha256_of(root / entry["name"])[1] != entry["sha256"]
        ]
        if conflicts and not force:
            raise BackupError(
                f"MEDIA_ROOT ({root}) already holds {len(conflicts)} files with other content under the "
                f"archive's names (such as {conflicts[0]}); restore into an empty MEDIA_ROOT, or pass --force "
                "to overwrite them."
            )
        dump = content / manifest["database"]["name"]
        if vendor == "postgresql":
            _restore_postgresql(connection, dump, work, replace=bool(tables))
        else:
            _restore_sqlite(connection, dump)
        for entry in manifest["files"]:
            target = root / entry["name"]
            target.parent.mkdir(parents=True, exist_ok=True)
            staged = target.with_name(target.name + ".restoring")
            shutil.copyfile(content / FILES / entry["name"], staged)
            os.replace(staged, target)
        return Restored(manifest=manifest, pending_migrations=_pending_migrations(connection))
