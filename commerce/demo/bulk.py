"""Fast bulk loading for demo data: PostgreSQL COPY with ids reserved from the sequences.

Django's bulk_create sends parameterised INSERTs and builds a model instance
per row; for a million rows of demo data that is most of the time spent.
COPY streams plain tuples. Ids are taken from each table's own sequence first,
so rows can point at each other and later inserts through the ORM carry on
from the right number. Fields a caller leaves out get their model default
(auto_now fields: now), exactly what the ORM would have written.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection, models
from django.utils import timezone


def reserve_ids(model: type[models.Model], count: int) -> list[int]:
    """Take ``count`` ids from the model's primary-key sequence."""
    if count <= 0:
        return []
    table, column = model._meta.db_table, model._meta.pk.column
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) "
                       "FROM generate_series(1, %s)", [table, column, count])
        return [row[0] for row in cursor.fetchall()]


def copy_rows(model: type[models.Model], fields: Sequence[str],
              rows: Iterable[Sequence[Any]]) -> int:
    """COPY rows (values in ``fields`` order, by attname) into the model's table."""
    by_attname = {f.attname: f for f in model._meta.concrete_fields}
    unknown = set(fields) - by_attname.keys()
    if unknown:
        raise ValueError(f"{model.__name__} has no fields {sorted(unknown)}")
    now = timezone.now()
    extra_columns: list[str] = []
    extra_values: list[Any] = []
    for attname, field in by_attname.items():
        if attname in fields or field.primary_key:
            continue
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            value: Any = now
        elif field.has_default():
            value = field.get_default()
        elif field.null:
            value = None
        else:
            value = field.get_default()  # "" for text fields, as the ORM would write
            if value is None:
                raise ValueError(f"{model.__name__}.{attname} needs a value")
        if isinstance(field, models.JSONField) and value is not None:
            value = json.dumps(value)
        extra_columns.append(str(field.column))
        extra_values.append(value)
    columns = [str(by_attname[a].column) for a in fields] + extra_columns
    sql = 'COPY "{}" ({}) FROM STDIN'.format(
        model._meta.db_table, ", ".join(f'"{c}"' for c in columns))
    tail = tuple(extra_values)
    written = 0
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row((*row, *tail))
            written += 1
    return written
