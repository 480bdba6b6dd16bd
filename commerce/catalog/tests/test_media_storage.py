"""Product media go through django-storages: the filesystem by default, S3 when configured."""

from __future__ import annotations

import io

import boto3
import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from moto import mock_aws
from PIL import Image

from commerce.catalog.models import ProductMedia
from commerce.tests.factories import ProductFactory

pytestmark = pytest.mark.django_db


def _png() -> ContentFile:
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buf, "PNG")
    return ContentFile(buf.getvalue(), name="red.png")


def test_media_saved_on_the_filesystem_by_default(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    media = ProductMedia.objects.create(product=ProductFactory(), image=_png(), alt="Red")
    assert (tmp_path / media.image.name).exists()
    assert media.url.startswith("/media/products/")


def test_media_saved_to_s3_when_a_bucket_is_configured(settings):
    with mock_aws():
        boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="omniport-media")
        settings.STORAGES = {
            **settings.STORAGES,
            "default": {
                "BACKEND": "storages.backends.s3.S3Storage",
                "OPTIONS": {
                    "bucket_name": "omniport-media",
                    "region_name": "us-east-1",
                    "access_key": "test",
                    "secret_key": "test",
                    "signature_version": "s3v4",
                },
            },
        }
        storages._storages.pop("default", None)  # settings changed: drop the cached backend
        field = ProductMedia._meta.get_field("image")
        original = field.storage
        try:
            field.storage = storages["default"]
            media = ProductMedia.objects.create(product=ProductFactory(), image=_png())
            objects = boto3.client("s3", region_name="us-east-1").list_objects_v2(
                Bucket="omniport-media"
            )
            assert [o["Key"] for o in objects["Contents"]] == [media.image.name]
            assert "omniport-media" in media.url and "X-Amz-Signature" in media.url
        finally:
            storages._storages.pop("default", None)
            field.storage = original
