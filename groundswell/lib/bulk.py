"""Multi-row INSERTs whose SQL is built before the write transaction begins.

`QuerySet.bulk_create` turns every value of every row into SQL parameters inside the
transaction; on SQLite the transaction holds the one write lock of the database file, so
that work (most of a bulk write's cost) kept the sign form's INSERTs waiting. Here the
statement is prepared first, with Django's own insert compiler (the same defaults,
`auto_now` values and conversions as `bulk_create`), and executing it takes the lock only
for as long as the database needs.

Even outside the lock, the insert compiler was the worker's biggest cost while it recorded
a spike (bench/intake_turns.py: three fifths of the recording step), asking of every value
of every row whether it is an expression, what its placeholder is and how to convert it.
For models whose fields are all plain (`_plain_fields`), the statement is written here
instead: one placeholder per value, plain strings, integers and booleans passed as they
are and anything else through the field's own `get_db_prep_save`, as the compiler would.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.db import connections, models
from django.db.models.sql import InsertQuery


@dataclass
class PreparedInsert:
    objs: Sequence[models.Model]
    statements: list[tuple[str, tuple[Any, ...]]]
    returning: list[str]
    using: str

    def execute(self) -> list[tuple[Any, ...]]:
        """Run the INSERT (inside the caller's transaction); the RETURNING rows, if any."""
        rows: list[Any] = []
        with connections[self.using].cursor() as cursor:
            for sql, params in self.statements:
                cursor.execute(sql, params)
                if self.returning:
                    rows += cursor.fetchall()
        for obj in self.objs:
            obj._state.adding = False
            obj._state.db = self.using
        return [tuple(row) for row in rows]


def prepare_insert(
    model: type[models.Model],
    objs: Sequence[models.Model],
    *,
    returning: Sequence[str] = (),
    conflict: Sequence[str] = (),
    using: str = "default",
) -> PreparedInsert:
    """INSERTs of `objs` (new rows, no primary key yet) ready to execute: one statement per
    batch the database can take (as many rows as its limit on parameters allows).

    `returning` names fields to read back; rows come back in no promised order, so include
    a unique field to match them with `objs`. `conflict` names the fields of a unique
    constraint: a row that would break it is skipped (ON CONFLICT … DO NOTHING) and
    returns nothing.
    """
    assert objs, "nothing to insert"
    meta = model._meta
    fields = [
        f for f in meta.concrete_fields if not f.generated and not isinstance(f, models.AutoField)
    ]
    for obj in objs:
        # What bulk_create does first: a related object must be saved, its id copied over.
        obj._prepare_related_fields_for_save(operation_name="bulk_create")  # type: ignore[attr-defined]
    connection = connections[using]
    if returning and not connection.features.can_return_rows_from_bulk_insert:
        raise NotImplementedError("this database cannot return rows from a bulk INSERT")
    size = max(1, connection.ops.bulk_batch_size(fields, objs))
    plain = _plain_fields(model)
    if plain is not None:
        return PreparedInsert(
            objs,
            _plain_statements(model, plain, objs, size, returning, conflict, using),
            list(returning),
            using,
        )
    if conflict:
        raise NotImplementedError("ON CONFLICT is written for models of plain fields only")
    statements = []
    for start in range(0, len(objs), size):
        query = InsertQuery(model)
        query.insert_values(fields, list(objs[start : start + size]))
        compiler = query.get_compiler(using=using)
        compiler.returning_fields = [meta.get_field(name) for name in returning] or None
        compiled = compiler.as_sql()
        if len(compiled) != 1:
            raise NotImplementedError("this database cannot insert many rows in one statement")
        sql, params = compiled[0]
        statements.append((sql, tuple(params)))
    return PreparedInsert(objs, statements, list(returning), using)


# The field classes whose values go to the database as they are, when they have this exact
# Python type: what their `get_db_prep_save` would return unchanged. Anything else (dates,
# JSON, a bool for an integer column, which PostgreSQL would refuse) is converted by the field.
_AS_THEY_ARE: dict[type[models.Field[Any, Any]], type] = {
    models.CharField: str,
    models.TextField: str,
    models.EmailField: str,
    models.SlugField: str,
    models.URLField: str,
    models.IntegerField: int,
    models.BigIntegerField: int,
    models.SmallIntegerField: int,
    models.PositiveIntegerField: int,
    models.PositiveSmallIntegerField: int,
    models.PositiveBigIntegerField: int,
    models.BooleanField: bool,
}
_PRE_SAVE_ATTRS = ("auto_now", "auto_now_add")

type _Value = Callable[[models.Model], Any]


@cache
def _plain_fields(
    model: type[models.Model],
) -> tuple[tuple[models.Field[Any, Any], bool], ...] | None:
    """(field, whether its pre_save matters) for each field an INSERT writes, if every one
    is plain: no database default, no placeholder of its own, no file; None otherwise."""
    plain = []
    for field in model._meta.concrete_fields:
        if field.generated or isinstance(field, models.AutoField):
            continue
        if (
            field.has_db_default()
            or "get_placeholder_sql" in type(field).__dict__
            or hasattr(field, "get_placeholder")
            or isinstance(field, models.FileField)
        ):
            return None
        plain.append((field, any(getattr(field, name, False) for name in _PRE_SAVE_ATTRS)))
    return tuple(plain)


type _Converter = tuple[models.Field[Any, Any], str, bool, type | None]


@cache
def _plain_sql(
    model: type[models.Model],
    fields: tuple[tuple[models.Field[Any, Any], bool], ...],
    returning: tuple[str, ...],
    conflict: tuple[str, ...],
    using: str,
) -> tuple[str, str, str, tuple[_Converter, ...]]:
    """The statement's head, one row's placeholders, its tail and the values' converters:
    the same for every INSERT of a model, so worked out once (the web's one-row INSERTs
    would otherwise spend as long on this as on the row)."""
    quote = connections[using].ops.quote_name
    meta = model._meta
    columns = ", ".join(quote(str(field.column)) for field, _ in fields)
    head = f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES "  # noqa: S608 - names quoted
    tail = ""
    if conflict:
        keys = ", ".join(quote(str(getattr(meta.get_field(n), "column", ""))) for n in conflict)
        tail = f" ON CONFLICT ({keys}) DO NOTHING"
    if returning:
        returned = [meta.get_field(name) for name in returning]
        tail += " RETURNING " + ", ".join(quote(str(getattr(f, "column", ""))) for f in returned)
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    converters = []
    for field, pre_save in fields:
        as_is = _AS_THEY_ARE.get(type(field))
        if isinstance(field, models.ForeignKey):
            target = field.target_field
            as_is = int if isinstance(target, models.AutoField) else None
        converters.append((field, field.attname, pre_save, as_is))
    return head, row, tail, tuple(converters)


def _plain_statements(
    model: type[models.Model],
    fields: tuple[tuple[models.Field[Any, Any], bool], ...],
    objs: Sequence[models.Model],
    size: int,
    returning: Sequence[str],
    conflict: Sequence[str],
    using: str,
) -> list[tuple[str, tuple[Any, ...]]]:
    connection = connections[using]
    head, row, tail, converters = _plain_sql(
        model, fields, tuple(returning), tuple(conflict), using
    )
    statements = []
    for start in range(0, len(objs), size):
        chunk = objs[start : start + size]
        params: list[Any] = []
        for obj in chunk:
            for field, attname, pre_save, as_is in converters:
                value = field.pre_save(obj, True) if pre_save else getattr(obj, attname)
                if value is not None and type(value) is not as_is:
                    value = field.get_db_prep_save(value, connection)
                params.append(value)
        statements.append((head + ", ".join([row] * len(chunk)) + tail, tuple(params)))
    return statements
