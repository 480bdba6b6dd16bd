from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from django.db import connection

from commerce.core import fields


def test_secrets_are_ciphertext_at_rest_and_plaintext_in_python(settings):
    key_old, key_new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [key_old]
    fields._fernet.cache_clear()
    token = fields.encrypt("refresh-token-123")
    assert "refresh-token-123" not in token
    # key rotation: a new primary key still reads what the old one wrote
    settings.FIELD_ENCRYPTION_KEYS = [key_new, key_old]
    fields._fernet.cache_clear()
    assert fields.decrypt(token) == "refresh-token-123"
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    fields._fernet.cache_clear()
    with pytest.raises(ValueError, match="FIELD_ENCRYPTION_KEYS"):
        fields.decrypt(token)
    fields._fernet.cache_clear()


def test_field_round_trip(db):
    field = fields.EncryptedTextField()
    stored = field.get_prep_value("s3cr3t")
    assert stored != "s3cr3t"
    assert field.from_db_value(stored, None, connection) == "s3cr3t"
