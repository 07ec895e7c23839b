"""Helpers for the few hot paths that are written in SQL rather than built by the ORM.

The survey's answer save runs hundreds of times a second; building its queries with the ORM cost
more CPU than the database spent running them. Those statements are written once per process
from the models' own table and column names, and their rows come back as model instances
through the same converters the ORM applies, so callers cannot tell the difference.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, Generic, TypeVar

from django.db import connection, models
from django.db.models import Field, Model

# Fields whose Python values the database drivers take unchanged.
PLAIN_FIELDS = (models.CharField, models.TextField, models.IntegerField, models.BooleanField, models.ForeignKey)

M = TypeVar("M", bound=Model)


def quote(name: str) -> str:
    return connection.ops.quote_name(name)


def field(model: type[Model], name: str) -> Field[Any, Any]:
    """A field stored in the model's own table (not a reverse relation)."""
    found = model._meta.get_field(name)
    if not isinstance(found, Field) or found.column is None:
        raise TypeError(f"{model.__name__}.{name} is not a column of {model._meta.db_table}")
    return found


def column(model: type[Model], field_name: str, alias: str | None = None) -> str:
    """The quoted column of a model's field, prefixed with a table alias when one is given."""
    name = quote(str(field(model, field_name).column))
    return f"{alias}.{name}" if alias else name


def table(model: type[Model]) -> str:
    return quote(model._meta.db_table)


class ModelRows(Generic[M]):
    """Turn a slice of a result row into an instance of `model` with the given fields loaded.

    The other fields are deferred (loaded on access, as with `.only()`); values go through the
    database backend's and the fields' converters (SQLite's datetimes, JSON), as the ORM does.
    """

    def __init__(self, model: type[M], field_names: Sequence[str]) -> None:
        self.model = model
        # Model.from_db takes the loaded values in the order of the model's concrete fields.
        wanted = {field(model, name).attname for name in field_names}
        fields = [f for f in model._meta.concrete_fields if f.attname in wanted]
        self.attnames = [f.attname for f in fields]
        self.converters: list[list[Callable[..., Any]]] = []
        self.columns: list[Any] = []
        for f in fields:
            col = f.get_col(model._meta.db_table)
            self.columns.append(col)
            self.converters.append(connection.ops.get_db_converters(col) + f.get_db_converters(connection))

    def __len__(self) -> int:
        return len(self.attnames)

    def select(self, alias: str) -> str:
        """The columns to select, in the order `build` takes them."""
        return ", ".join(f"{alias}.{quote(col.target.column)}" for col in self.columns)

    def build(self, values: Sequence[Any]) -> M:
        converted = []
        for value, converters, col in zip(values, self.converters, self.columns, strict=True):
            for convert in converters:
                value = convert(value, col, connection)
            converted.append(value)
        return self.model.from_db(connection.alias, self.attnames, converted)

    def build_all(self, rows: Iterable[Sequence[Any]]) -> list[M]:
        return [self.build(row) for row in rows]


def build_each(parts: Sequence[ModelRows[Any]], row: Sequence[Any]) -> list[Any]:
    """One instance per part from a joined row whose columns are the parts' `select`s, in order."""
    built, start = [], 0
    for part in parts:
        built.append(part.build(row[start : start + len(part)]))
        start += len(part)
    return built


def insert_many(objs: Sequence[M], *, batch_size: int) -> list[M]:
    """Insert new instances of one model, `batch_size` rows per statement, and set their primary keys.

    What `bulk_create` does for a model without signals or multi-table inheritance, for the lists that
    are long enough for the ORM's per-value statement building to cost more than the database's insert:
    each value goes through its field's `pre_save` and `get_db_prep_save` as the ORM does (defaults,
    `auto_now_add`, JSON, datetimes), and the statement is built once per batch size.
    """
    if not objs:
        return []
    model = type(objs[0])
    meta = model._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    stamped = {f.attname for f in fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)}
    # Text, numbers and foreign keys go to the driver as they are; other types (datetimes, JSON) through
    # their field's own preparation.
    plain = {f.attname for f in fields if isinstance(f, PLAIN_FIELDS) and not isinstance(f, models.JSONField)}
    prepare = [(f, f.attname in stamped, f.attname in plain) for f in fields]
    columns = ", ".join(quote(str(f.column)) for f in fields)
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    size = max(1, min(batch_size, connection.ops.bulk_batch_size(fields, objs)))
    statements: dict[int, str] = {}
    returning = quote(str(meta.pk.column))
    unnest = ""
    if connection.vendor == "postgresql":
        arrays = ", ".join(f"(%s)::{(f.db_type(connection) or '').split('(')[0]}[]" for f in fields)
        unnest = f"INSERT INTO {table(model)} ({columns}) SELECT * FROM UNNEST({arrays}) RETURNING {returning}"
    with connection.cursor() as cursor:
        for start in range(0, len(objs), size):
            batch = objs[start : start + size]
            params: list[Any] = []
            for obj in batch:
                for f, stamp, as_is in prepare:
                    value = f.pre_save(obj, True) if stamp else getattr(obj, f.attname)
                    params.append(value if as_is or value is None else f.get_db_prep_save(value, connection))
            if unnest:
                # One array per column, as Django's own bulk insert does on PostgreSQL: a statement of a
                # dozen parameters, which the driver need not parse again for each batch.
                width = len(fields)
                params = [params[i::width] for i in range(width)]
                statement = unnest
            else:
                statement = statements.get(len(batch)) or statements.setdefault(
                    len(batch),
                    f"INSERT INTO {table(model)} ({columns}) VALUES {', '.join([row] * len(batch))} "
                    f"RETURNING {returning}",
                )
            cursor.execute(statement, params)
            for obj, (pk,) in zip(batch, cursor.fetchall(), strict=True):
                obj.pk = pk
                obj._state.adding = False
                obj._state.db = connection.alias
    return list(objs)
