"""Every email in every language; missing translations are reported; admin
preview and the development inbox."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.test import Client

from commerce.notifications.kinds import KINDS
from commerce.notifications.models import InboxMessage, MissingTranslation
from commerce.notifications.rendering import render_email, scan_missing_translations
from commerce.notifications.samples import sample_context
from commerce.notifications.services import flow_run
from commerce.tests.factories import UserFactory

from .conftest import opt_in

pytestmark = pytest.mark.django_db
LANGUAGES = [code for code, _ in django_settings.LANGUAGES]
EXPECTED_HELLO = {"en": "Hello Ada,", "de": "Hallo Ada,", "fr": "Bonjour Ada,",
                  "es": "Hola, Ada:", "ja": "Ada 様", "zh-hans": "Ada，您好："}


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_email_renders_in_every_language(language: str) -> None:
    for kind in KINDS:
        ctx = {**sample_context(kind, language), "recipient_name": "Ada"}
        rendered = render_email(kind, language, ctx, to_email="a@example.com",
                                unsubscribe_url="https://shop.example.com/u/")
        assert rendered.subject and "{{" not in rendered.subject and "%(" not in rendered.text
        assert rendered.missing == [], (kind, rendered.missing)
        if kind not in ("marketing_confirmation",):
            assert EXPECTED_HELLO[language] in rendered.text, kind
        assert "<style" not in rendered.html.split("</head>")[0] or "@media" in rendered.html


def test_shipped_templates_have_no_missing_translations() -> None:
    assert scan_missing_translations() == 0
    assert not MissingTranslation.objects.exists()


def test_a_missing_translation_falls_back_and_is_reported(
        eu_channel: Any, settings: Any, tmp_path: Any) -> None:
    theme = tmp_path / "emails" / "welcome_1"
    theme.mkdir(parents=True)
    (theme / "body.txt").write_text(
        '{% extends "emails/base.txt" %}{% load i18n %}{% block content %}'
        '{% translate "Our brand-new summer collection is here." %}{% endblock %}')
    settings.TEMPLATES = [{**settings.TEMPLATES[0],
                           "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}]
    opt_in("fan@example.com", channel=eu_channel, language="de")
    flow_run("welcome")
    (msg,) = mail.outbox
    assert msg.subject == "Willkommen bei Omniport Shop"  # translated parts stay German
    assert "Our brand-new summer collection is here." in msg.body  # English fallback
    missing = MissingTranslation.objects.get()
    assert (missing.language, missing.msgid, missing.template) == (
        "de", "Our brand-new summer collection is here.", "emails/welcome_1/body.txt")
    assert scan_missing_translations() == len(LANGUAGES) - 1  # every language but English


@pytest.fixture
def staff_client(db: Any) -> Client:
    client = Client()
    client.force_login(UserFactory(email="admin@example.com", is_staff=True, is_superuser=True))
    return client


def test_admin_previews_every_template_in_every_language(staff_client: Client) -> None:
    index = staff_client.get("/admin/notifications/messagelog/preview/")
    assert index.status_code == 200
    for kind in KINDS:
        for language in LANGUAGES:
            assert f"/admin/notifications/messagelog/preview/{kind}/{language}/" in index.content.decode()
    page = staff_client.get("/admin/notifications/messagelog/preview/ready_for_pickup/ja/")
    content = page.content.decode()
    assert page.status_code == 200 and "data:image/png;base64," in content
    assert "受け取りコード" in content
    assert staff_client.get("/admin/notifications/messagelog/preview/nope/ja/").status_code == 404
    assert Client().get("/admin/notifications/messagelog/preview/").status_code == 302  # login


def test_admin_lists_log_settings_and_missing_translations(staff_client: Client,
                                                            eu_channel: Any) -> None:
    for url in ("/admin/notifications/messagelog/", "/admin/notifications/flowsetting/",
                "/admin/notifications/missingtranslation/",
                "/admin/notifications/consentevent/", "/admin/notifications/suppression/",
                "/admin/notifications/coupon/", "/admin/notifications/npsresponse/",
                "/admin/notifications/inboxmessage/"):
        assert staff_client.get(url).status_code == 200, url
    rescan = staff_client.get("/admin/notifications/missingtranslation/?rescan=1")
    assert rescan.status_code == 302 and rescan["Location"] == "/admin/notifications/missingtranslation/"
    content = staff_client.get("/admin/notifications/flowsetting/").content.decode()
    assert "Abandoned checkout" in content and "Win-back" in content  # one row per flow


@pytest.mark.django_db(transaction=True)
def test_dev_smtp_server_captures_mail_for_the_admin_inbox(staff_client: Client) -> None:
    from aiosmtpd.controller import Controller

    from commerce.notifications.devsmtp import InboxHandler

    from .conftest import free_port

    handler = InboxHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        msg = EmailMessage()
        msg["From"], msg["To"], msg["Subject"] = "shop@example.com", "ada@example.com", "Hi Ada"
        msg.set_content("plain body")
        msg.add_alternative("<p>html <b>body</b></p>", subtype="html")
        with smtplib.SMTP("127.0.0.1", controller.port) as smtp:
            smtp.send_message(msg)
    finally:
        controller.stop()
        handler.close()
    stored = InboxMessage.objects.get()
    assert stored.recipients == ["ada@example.com"] and stored.subject == "Hi Ada"
    page = staff_client.get(f"/admin/notifications/inboxmessage/{stored.pk}/change/")
    content = page.content.decode()
    assert page.status_code == 200
    assert "plain body" in content and "srcdoc=" in content and "&lt;b&gt;body&lt;/b&gt;" in content
