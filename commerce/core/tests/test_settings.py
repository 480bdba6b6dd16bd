from __future__ import annotations

import os
import subprocess
import sys
from decimal import Decimal

import pytest
from django.conf import settings

from commerce.core.money import from_minor_units, quantize, to_minor_units

PROD_ENV = {
    "DJANGO_ENV": "production",
    "DATABASE_URL": "postgresql://u:p@db.invalid:5432/omniport",
    "CELERY_BROKER_URL": "redis://redis.invalid:6379/0",
    "FIELD_ENCRYPTION_KEYS": "x" * 44,
}


def _load_settings(extra: dict[str, str]) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DJANGO_ENV"}}
    env.update(extra)
    return subprocess.run(
        [sys.executable, "-c", "import config.settings"],
        env=env,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_refuses_to_start_with_the_default_secret_key():
    result = _load_settings(PROD_ENV)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_starts_with_a_real_secret_key():
    result = _load_settings({**PROD_ENV, "SECRET_KEY": "k" * 50})
    assert result.returncode == 0, result.stderr


def test_only_postgresql_urls_are_accepted():
    result = _load_settings(
        {"DATABASE_URL": "sqlite:///db.sqlite3", "CELERY_BROKER_URL": "redis://x:1/0"}
    )
    assert result.returncode != 0 and "PostgreSQL only" in result.stderr


@pytest.mark.parametrize(
    ("amount", "currency", "minor"),
    [
        ("19.99", "USD", 1999),
        ("1235", "JPY", 1235),
        ("1234.4", "JPY", 1234),
        ("10.005", "EUR", 1001),
        ("1.2345", "KWD", 1235),
        ("5000", "KRW", 5000),
    ],
)
def test_minor_units_respect_zero_and_three_decimal_currencies(amount, currency, minor):
    assert to_minor_units(Decimal(amount), currency) == minor
    assert from_minor_units(minor, currency) == quantize(Decimal(amount), currency)
