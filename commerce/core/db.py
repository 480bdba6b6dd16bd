"""Database helpers shared by the hot paths."""

from __future__ import annotations

from typing import Any

import psycopg
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils.asyncio import async_unsafe

_ONLY_WHEN_ASKED = 2**31


class _PreparingCursor(psycopg.Cursor):
    """Binds parameters on the server and prepares each statement text on first use, so
    PostgreSQL parses and plans a hot statement once per connection, not on every call."""

    def execute(
        self,
        query: Any,
        params: Any = None,
        *,
        prepare: bool | None = None,
        binary: bool | None = None,
    ) -> Any:
        return super().execute(query, params, prepare=True, binary=binary)

    def _maybe_prepare_gen(self, pgq: Any, **kwargs: Any) -> Any:
        # psycopg records the query it sent only when it did not prepare it; keep it for
        # Django's query log (connection.queries, CaptureQueriesContext).
        self._query = pgq
        return super()._maybe_prepare_gen(pgq, **kwargs)


@async_unsafe
def prepared_cursor():  # noqa: ANN201
    """A Django cursor (query logging, execute wrappers, error wrapping) whose statements
    are prepared server-side. Use it only for statements whose text does not vary (pass a
    list as one array or JSON parameter, not as a placeholder per item): psycopg keeps
    ``prepared_max`` (100) of them per connection. A rollback makes psycopg forget them
    all (DEALLOCATE ALL); the next use prepares again. Behind PgBouncer in transaction
    mode this needs PgBouncer >= 1.21 with ``max_prepared_statements`` set."""
    conn = connections[DEFAULT_DB_ALIAS]
    conn.close_if_health_check_failed()  # as Django's own cursor() does
    conn.ensure_connection()
    raw = conn.connection
    if raw.prepare_threshold is None:
        # Django turns automatic preparing off (prepare_threshold=None), which also refuses
        # prepare=True. Django's own cursors bind on the client and never prepare, so a
        # threshold no query reaches only enables the cursors that ask for it.
        raw.prepare_threshold = _ONLY_WHEN_ASKED
    conn.validate_thread_sharing()
    with conn.wrap_database_errors:
        cursor = _PreparingCursor(raw)
    # (django-stubs type these as taking a CursorWrapper; they take the driver cursor)
    if conn.queries_logged:
        return conn.make_debug_cursor(cursor)  # type: ignore[arg-type]
    return conn.make_cursor(cursor)  # type: ignore[arg-type]
