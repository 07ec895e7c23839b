"""An organisation's data in the firm's custody: export all of it (GDPR arts. 15 and 20) and erase
all of it (art. 17).

"All of it" is what deleting the organisation deletes, found by Django's deletion collector, so
the rows of every app (assessments, responses, invitations, reports, ...) are included without
this module importing them (dependencies point organisations ← assessment ← surveys/reports).

A model may narrow what its rows give away in an export with class attributes:
`export_exclude` (field names left out, or "__all__" to leave the model out) and `export_as_dates`
(times written as the day only, as the anonymity rules ask of submission times). Secrets (link
digests, password hashes, tokens) are never exported, whatever the model says.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.admin.utils import NestedObjects
from django.contrib.auth import get_user_model
from django.core.files.storage import Storage
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DEFAULT_DB_ALIAS, models, transaction
from django.utils import timezone
from django.utils.text import slugify

from organisations import audit
from organisations.errors import InvalidInput
from organisations.models import AuditEvent, Organisation

# Parts that other apps add to the export (files named by path, their bytes), so that an app can
# give its rows in a shape that follows its own rules (the anonymous responses table) without
# this module importing it.
ExportPart = Callable[[Organisation], Iterable[tuple[str, bytes]]]
_EXPORT_PARTS: list[ExportPart] = []


def register_export_part(part: ExportPart) -> None:
    """Add files to every organisation export (called from an app's ready())."""
    if part not in _EXPORT_PARTS:
        _EXPORT_PARTS.append(part)


EXPORT_FORMAT = "waypoint-organisation-export"
EXPORT_VERSION = 1
SECRET_FIELDS = frozenset({"secret", "digest", "password", "token", "key"})
PERSON_FIELDS = ("id", "username", "first_name", "last_name", "email")


def _collected(organisation: Organisation) -> dict[type[models.Model], list[models.Model]]:
    """Every row that deleting the organisation would delete, by model (the organisation first)."""
    collector = NestedObjects(using=DEFAULT_DB_ALIAS)
    collector.collect([organisation])
    rows: dict[type[models.Model], list[models.Model]] = {}
    for model, instances in collector.data.items():
        rows.setdefault(model, []).extend(instances)
    return dict(sorted(rows.items(), key=lambda item: (item[0] is not Organisation, item[0]._meta.label)))


def _stored_files(rows: dict[type[models.Model], list[models.Model]]) -> list[tuple[Storage, str]]:
    """The stored files of the rows: every non-empty FileField (report PDFs, ...)."""
    found = []
    for model, instances in rows.items():
        for field in model._meta.concrete_fields:
            if isinstance(field, models.FileField):
                found.extend((field.storage, name) for o in instances if (name := getattr(o, field.attname).name))
    return found


# --- export ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Kind:
    """One kind of row in the export: its file name, columns and rows."""

    name: str
    columns: list[str]
    rows: list[dict[str, Any]]


def _exported_fields(model: type[models.Model]) -> list[models.Field] | None:
    exclude = getattr(model, "export_exclude", ())
    if exclude == "__all__":
        return None
    return [
        f
        for f in model._meta.concrete_fields
        if f.name not in exclude and f.name not in SECRET_FIELDS and f.attname not in SECRET_FIELDS
    ]


def _kind_name(model: type[models.Model], taken: set[str]) -> str:
    name = slugify(str(model._meta.verbose_name_plural))
    return f"{model._meta.app_label}-{name}" if name in taken else name


def _kinds(rows: dict[type[models.Model], list[models.Model]]) -> list[_Kind]:
    kinds: list[_Kind] = []
    user_model = get_user_model()
    people: set[int] = set()
    for model, instances in rows.items():
        fields = _exported_fields(model)
        if fields is None:
            continue
        as_dates = set(getattr(model, "export_as_dates", ()))
        columns = [f.attname for f in fields]
        values = []
        for values_row in model._base_manager.filter(pk__in=[o.pk for o in instances]).order_by("pk").values(*columns):
            for name in as_dates & set(values_row):
                if isinstance(values_row[name], datetime):
                    values_row[name] = timezone.localdate(values_row[name])
            values.append(values_row)
        for field in fields:
            if field.is_relation and field.related_model is user_model:
                people.update(v[field.attname] for v in values if v[field.attname] is not None)
        kinds.append(_Kind(_kind_name(model, {k.name for k in kinds}), columns, values))
    # Rows name people by id: the export says who they are (never their password).
    accounts = list(user_model._base_manager.filter(pk__in=people).order_by("pk").values(*PERSON_FIELDS))
    kinds.append(_Kind("people", list(PERSON_FIELDS), accounts))
    return kinds


def _events(organisation: Organisation) -> _Kind:
    columns = ["id", "at", "actor_label", "action", "summary", "details"]
    rows = list(
        AuditEvent.objects.filter(firm_id=organisation.firm_id, organisation_ref=organisation.pk)
        .order_by("at", "id")
        .values(*columns)
    )
    return _Kind("audit-events", columns, rows)


def _csv_cell(value: Any) -> Any:
    if isinstance(value, dict | list):
        value = json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False)
    elif isinstance(value, datetime):
        value = value.isoformat()
    # Text someone typed that starts with "=" stays text in a spreadsheet, never a formula.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def _to_csv(kind: _Kind) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(kind.columns)
    writer.writerows([_csv_cell(row[c]) for c in kind.columns] for row in kind.rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _file_entries(files: Iterable[tuple[Storage, str]]) -> list[tuple[str, bytes]]:
    entries = []
    for storage, name in files:
        if storage.exists(name):
            with storage.open(name, "rb") as handle:
                entries.append((f"files/{name}", handle.read()))
    return entries


@transaction.atomic
def export_organisation(*, organisation: Organisation, exported_by: Any) -> bytes:
    """A ZIP of all of the organisation's data: `organisation.json` with every kind of row, one CSV per
    kind, and the stored files (report PDFs) under `files/`. Recorded in the firm's audit log."""
    rows = _collected(organisation)
    kinds = [*_kinds(rows), _events(organisation)]
    files = _file_entries(_stored_files(rows))
    files += [entry for part in _EXPORT_PARTS for entry in part(organisation)]
    exported_at = timezone.now()
    document = {
        "format": EXPORT_FORMAT,
        "version": EXPORT_VERSION,
        "exported_at": exported_at,
        "organisation": {"id": organisation.pk, "name": organisation.name, "firm": organisation.firm.name},
        "rows": {k.name: k.rows for k in kinds},
        "files": [name for name, _ in files],
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("organisation.json", json.dumps(document, cls=DjangoJSONEncoder, ensure_ascii=False, indent=1))
        for kind in kinds:
            archive.writestr(f"csv/{kind.name}.csv", _to_csv(kind))
        for name, content in files:
            archive.writestr(name, content)
    audit.record(
        action=audit.Action.ORGANISATION_EXPORTED,
        summary=f"Downloaded all data of {organisation.name}",
        actor=exported_by,
        organisation=organisation,
        details={"rows": {k.name: len(k.rows) for k in kinds}, "files": len(files)},
    )
    return out.getvalue()


# --- erasure --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Erasure:
    """What an erasure removed: rows by model label, and the stored files deleted after commit."""

    organisation_id: int
    name: str
    rows: dict[str, int]
    files: list[str]


def _delete_files(files: list[tuple[Storage, str]]) -> None:
    for storage, name in files:
        storage.delete(name)


@transaction.atomic
def erase_organisation(*, organisation: Organisation, confirm_name: str, erased_by: Any) -> Erasure:
    """Delete the organisation, every row of it and, once the transaction commits, every stored file.

    `confirm_name` must be the organisation's name exactly; otherwise nothing is deleted. The firm's
    audit log keeps an "organisation deleted" event (it refers to the organisation by id and name).
    """
    organisation = Organisation.objects.select_for_update().select_related("firm").get(pk=organisation.pk)
    if confirm_name != organisation.name:
        raise InvalidInput(
            "Type the organisation's name exactly as it is shown to confirm the deletion.", field="confirm_name"
        )
    rows = _collected(organisation)
    files = _stored_files(rows)
    counts = Counter({model._meta.label: len(instances) for model, instances in rows.items()})
    erased = Erasure(organisation.pk, organisation.name, dict(counts), [name for _, name in files])
    audit.record(
        action=audit.Action.ORGANISATION_DELETED,
        summary=f"Deleted the organisation {organisation.name} and all of its data",
        actor=erased_by,
        organisation=organisation,
        details={"rows": erased.rows, "files": len(files)},
    )
    organisation.delete()
    # After the commit only: a rolled-back erasure keeps its files, as it keeps its rows.
    transaction.on_commit(lambda: _delete_files(files))
    return erased
