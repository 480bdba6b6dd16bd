"""Database helpers shared by the hot paths."""

from __future__ import annotations

from typing import Any

import psycopg
from django.db import DEFAULT_DB_ALIAS, connections

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


def prepared_cursor():  # noqa: ANN201
    """A Django cursor (query logging, execute wrappers, error wrapping) whose statements
    are prepared server-side. Use it only for fixed statement texts with array parameters;
    psycopg keeps up to ``prepared_max`` of them per connection."""
    conn = connections[DEFAULT_DB_ALIAS]
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
