"""Multi-row INSERTs whose SQL is built before the write transaction begins.

`QuerySet.bulk_create` turns every value of every row into SQL parameters inside the
transaction; on SQLite the transaction holds the one write lock of the database file, so
that work (most of a bulk write's cost) kept the sign form's INSERTs waiting. Here the
statement is prepared first, with Django's own insert compiler (the same defaults,
`auto_now` values and conversions as `bulk_create`), and executing it takes the lock only
for as long as the database needs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
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
    using: str = "default",
) -> PreparedInsert:
    """INSERTs of `objs` (new rows, no primary key yet) ready to execute: one statement per
    batch the database can take (as many rows as its limit on parameters allows).

    `returning` names fields to read back; rows come back in no promised order, so include
    a unique field to match them with `objs`.
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
