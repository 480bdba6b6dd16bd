from __future__ import annotations

import pytest
from django.db import transaction
from django.test import Client

from .data import Catalog, build_catalog, make_staff


@pytest.fixture(scope="module")
def _module_catalog(django_db_setup, django_db_blocker):
    """The catalogue is built once per test module inside a transaction rolled back at the end.

    Each test still runs in its own savepoint (the ``db`` fixture), so writes made by a
    test vanish after it.
    """
    with django_db_blocker.unblock(), transaction.atomic():
        catalog = build_catalog()
        yield catalog
        transaction.set_rollback(True)


@pytest.fixture
def catalog(_module_catalog, db) -> Catalog:
    return _module_catalog


@pytest.fixture
def staff_client(db) -> Client:
    client = Client()
    client.force_login(make_staff())
    return client
