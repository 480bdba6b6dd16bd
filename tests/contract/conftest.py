from __future__ import annotations

import pytest
from django.db import transaction

from commerce.api.tests.data import build_catalog


@pytest.fixture(scope="module")
def _module_catalog(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        catalog = build_catalog()
        yield catalog
        transaction.set_rollback(True)


@pytest.fixture
def catalog(_module_catalog, db):
    return _module_catalog
