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
    sql: str
    params: tuple[Any, ...]
    returning: list[str]
    using: str

    def execute(self) -> list[tuple[Any, ...]]:
        """Run the INSERT (inside the caller's transaction); the RETURNING rows, if any."""
        with connections[self.using].cursor() as cursor:
            cursor.execute(self.sql, self.params)
            rows = cursor.fetchall() if self.returning else []
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
    """One INSERT of `objs` (new rows, no primary key yet) ready to execute.

    `returning` names fields to read back; rows come back in no promised order, so include
    a unique field to match them with `objs`.
    """
    assert objs, "nothing to insert"
    meta = model._meta
    fields = [
        f for f in meta.concrete_fields if not f.generated and not isinstance(f, models.AutoField)
    ]
    for obj in objs:
        obj._prepare_related_fields_for_save(operation_name="bulk_create")
    query = InsertQuery(model)
    query.insert_values(fields, list(objs))
    compiler = query.get_compiler(using=using)
    connection = connections[using]
    if returning:
        if not connection.features.can_return_rows_from_bulk_insert:
            raise NotImplementedError("this database cannot return rows from a bulk INSERT")
        compiler.returning_fields = [meta.get_field(name) for name in returning]
    statements = compiler.as_sql()
    if len(statements) != 1:
        raise NotImplementedError("this database cannot insert many rows in one statement")
    sql, params = statements[0]
    return PreparedInsert(objs, sql, tuple(params), list(returning), using)
