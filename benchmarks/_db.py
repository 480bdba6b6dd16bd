"""Benchmarks run on a throwaway database of their own on the configured server
(the embedded PostgreSQL unless DATABASE_URL is set), never on the demo data."""

from __future__ import annotations

import os


def setup_bench_database(name: str) -> None:
    """Create (fresh) database ``name``, point Django at it, migrate."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["OMNIPORT_DB_NAME"] = name
    from django.conf import settings

    params = settings.DATABASES["default"]  # starts the embedded server if needed
    import psycopg

    admin = psycopg.connect(
        host=params["HOST"] or None,
        port=params["PORT"] or None,
        user=params["USER"] or None,
        password=params["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    )
    with admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", interactive=False, verbosity=0)


def drop_bench_database(name: str) -> None:
    from django.conf import settings
    from django.db import connections

    connections.close_all()
    params = settings.DATABASES["default"]
    import psycopg

    admin = psycopg.connect(
        host=params["HOST"] or None,
        port=params["PORT"] or None,
        user=params["USER"] or None,
        password=params["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    )
    with admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
