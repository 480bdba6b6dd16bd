"""Account emails as a shopper meets them: "forgot your password?" from the login page to
the new password, and the sign-up confirmation link, in the shopper's language."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from unittest import mock

import pytest
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core import mail
from django.test import override_settings
from django.utils import timezone

from commerce.account.models import Customer, User
from commerce.notifications.models import MessageLog
from commerce.notifications.services import marketing_allowed
from commerce.notifications.tests.conftest import real_smtp, smtp_server  # noqa: F401 (fixtures)
from commerce.notifications.tokens import TokenPurpose, make_token
from commerce.tests.factories import UserFactory

from .conftest import parse, text
from .test_themes import theme_settings

pytestmark = pytest.mark.django_db

PUBLIC_URL = "https://shop.example.com"
OLD = "an-Old-Secret-42"
NEW = "a-brand-New-Secret-77"


@pytest.fixture(autouse=True)
def _public_url(settings):
    settings.PUBLIC_URL = PUBLIC_URL


@pytest.fixture
def ada(markets):
    user: Any = UserFactory(email="ada@example.com", password=OLD, first_name="Ada")
    Customer.objects.create(email=user.email, user=user, first_name="Ada",
                            preferred_language="en")
    return user


def link_in(message, path_prefix: str) -> str:
    """The path of the first link in the plain-text part that starts with ``path_prefix``."""
    match = re.search(re.escape(PUBLIC_URL) + r"(" + re.escape(path_prefix) + r"\S+/)",
                      message.body)
    assert match, message.body
    return match.group(1)


def request_reset(client, capture, language: str, email: str):
    with capture(execute=True):
        return client.post(f"/{language}/account/password/reset/", {"email": email})


def logs_in(client, password: str, email: str = "ada@example.com") -> bool:
    client.logout()
    response = client.post("/en/account/login/", {"username": email, "password": password})
    return response.status_code == 302


# --- password reset ---------------------------------------------------------------------
@pytest.mark.parametrize("theme", ["default", "noir"])
def test_the_login_page_links_to_the_reset_form_in_both_themes(client, markets, theme):
    with override_settings(**theme_settings(theme)):
        login = parse(client.get("/de/account/login/"))
        link = [a for a in login.cssselect("a") if text(a) == "Passwort vergessen?"]
        assert link and link[0].get("href") == "/de/account/password/reset/"
        form = parse(client.get(link[0].get("href")))
        assert form.cssselect(f"body.theme-{theme}")
        assert text(form.cssselect("h1")[0]) == "Passwort zurücksetzen"
        assert form.cssselect("form input[name=email]")


def test_german_shopper_resets_the_password_through_the_emailed_link(
        client, ada, django_capture_on_commit_callbacks):
    response = request_reset(client, django_capture_on_commit_callbacks, "de",
                             " Ada@Example.com ")
    assert response.status_code == 302
    assert response["Location"] == "/de/account/password/reset/sent/"
    sent = parse(client.get(response["Location"]))
    assert "wir einen Link zum Wählen eines neuen Passworts" in text(sent.cssselect("main")[0])

    assert len(mail.outbox) == 1
    message: Any = mail.outbox[0]
    assert message.to == ["ada@example.com"]
    assert message.subject == "Passwort zurücksetzen"
    assert "Hallo Ada," in message.body and "Neues Passwort wählen" in message.body
    assert message.alternatives[0][1] == "text/html"
    link = link_in(message, "/de/account/password/reset/")
    assert link in message.alternatives[0][0]

    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    assert form_page.redirect_chain[-1][0].endswith("/set-password/")  # token off the URL
    set_url = form_page.redirect_chain[-1][0]
    page = parse(form_page)
    assert text(page.cssselect("h1")[0]) == "Neues Passwort wählen"
    # Django's validators, in German: too common, all digits; nothing changes
    weak = client.post(set_url, {"new_password1": "12345678", "new_password2": "12345678"})
    assert weak.status_code == 400
    assert "Dieses Passwort ist zu üblich." in weak.content.decode()
    assert "komplett numerisch" in weak.content.decode()
    mismatch = client.post(set_url, {"new_password1": NEW, "new_password2": NEW + "x"})
    assert mismatch.status_code == 400
    assert User.objects.get(pk=ada.pk).check_password(OLD)

    done = client.post(set_url, {"new_password1": NEW, "new_password2": NEW}, follow=True)
    assert done.redirect_chain[0] == ("/de/account/login/", 302)
    assert "Sie können sich jetzt mit Ihrem neuen Passwort anmelden" in done.content.decode()
    assert logs_in(client, NEW)
    assert not logs_in(client, OLD)
    assert Customer.objects.get(user=ada).email_confirmed_at is not None  # they read the mail

    # the same link again: refused, the password stays
    client.logout()
    again = client.get(link, follow=True)
    assert again.status_code == 400
    assert "abgelaufen oder wurde bereits verwendet" in again.content.decode()
    assert not parse(again).cssselect("input[name=new_password1]")
    assert logs_in(client, NEW)


def test_an_unknown_address_gets_the_same_answer_and_no_email(
        client, ada, django_capture_on_commit_callbacks):
    known = request_reset(client, django_capture_on_commit_callbacks, "en", "ada@example.com")
    unknown = request_reset(client, django_capture_on_commit_callbacks, "en",
                            "nobody@example.com")
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["ada@example.com"]
    assert not MessageLog.objects.filter(to_email="nobody@example.com").exists()


def test_inactive_accounts_get_no_link(client, ada, django_capture_on_commit_callbacks):
    User.objects.filter(pk=ada.pk).update(is_active=False)
    request_reset(client, django_capture_on_commit_callbacks, "en", "ada@example.com")
    assert mail.outbox == []


def test_asking_again_right_away_sends_no_second_email(client, ada,
                                                      django_capture_on_commit_callbacks):
    with mock.patch("storefront.services._window", return_value="w1"):  # one 10-min window
        for _ in range(3):
            request_reset(client, django_capture_on_commit_callbacks, "en", "ada@example.com")
    assert len(mail.outbox) == 1
    assert MessageLog.objects.filter(kind="password_reset").count() == 1
    with mock.patch("storefront.services._window", return_value="w2"):  # the next window
        request_reset(client, django_capture_on_commit_callbacks, "en", "ada@example.com")
    assert len(mail.outbox) == 2


def test_after_a_reset_the_shopper_can_ask_again_at_once(client, ada,
                                                          django_capture_on_commit_callbacks):
    with mock.patch("storefront.services._window", return_value="w1"):
        request_reset(client, django_capture_on_commit_callbacks, "en", "ada@example.com")
        page = client.get(link_in(mail.outbox[0], "/en/account/password/reset/"), follow=True)
        client.post(page.redirect_chain[-1][0], {"new_password1": NEW, "new_password2": NEW})
        request_reset(client, django_capture_on_commit_callbacks, "en", "ada@example.com")
    assert len(mail.outbox) == 2  # the first link is used up, so a new one is sent
    page = client.get(link_in(mail.outbox[1], "/en/account/password/reset/"), follow=True)
    assert page.status_code == 200 and parse(page).cssselect("input[name=new_password1]")


def test_the_email_follows_the_language_of_the_page(client, ada,
                                                   django_capture_on_commit_callbacks):
    request_reset(client, django_capture_on_commit_callbacks, "ja", "ada@example.com")
    (message,) = mail.outbox
    assert message.subject == "パスワードの再設定"
    assert message.extra_headers["Content-Language"] == "ja"
    assert link_in(message, "/ja/account/password/reset/")


def test_forged_links_are_refused_and_change_nothing(client, ada,
                                                    django_capture_on_commit_callbacks):
    request_reset(client, django_capture_on_commit_callbacks, "fr", "ada@example.com")
    link = link_in(mail.outbox[0], "/fr/account/password/reset/")
    uid, token = link.rstrip("/").split("/")[-2:]
    forged = [
        f"/fr/account/password/reset/{uid}/{token[:-3]}abc/",      # altered token
        f"/fr/account/password/reset/MTIzNDU2/{token}/",            # someone else's id
        f"/fr/account/password/reset/!!!/{token}/",                 # garbage id
        f"/fr/account/password/reset/{uid}/set-password/",          # no token in the session
    ]
    for url in forged:
        response = client.get(url, follow=True)
        assert response.status_code == 400, url
        assert text(parse(response).cssselect("h1")[0]) == "Ce lien n’est pas valide"
        post = client.post(url, {"new_password1": NEW, "new_password2": NEW})
        assert post.status_code in (400, 404), url
    assert logs_in(client, OLD)


def test_an_expired_link_is_refused(client, ada, django_capture_on_commit_callbacks, settings):
    four_days_ago = dt.datetime.now() - dt.timedelta(days=4)  # the generator's naive clock
    with mock.patch.object(PasswordResetTokenGenerator, "_now", return_value=four_days_ago):
        request_reset(client, django_capture_on_commit_callbacks, "es", "ada@example.com")
    link = link_in(mail.outbox[0], "/es/account/password/reset/")
    response = client.get(link, follow=True)
    assert response.status_code == 400
    assert "ha caducado o ya se ha utilizado" in response.content.decode()
    assert logs_in(client, OLD)


def test_a_bad_address_is_a_form_error(client, markets):
    response = client.post("/en/account/password/reset/", {"email": "not-an-address"})
    assert response.status_code == 400 and parse(response).cssselect(".field-error")
    assert not MessageLog.objects.exists()


def test_reset_email_over_a_real_smtp_server(client, ada, real_smtp,  # noqa: F811
                                             django_capture_on_commit_callbacks):
    request_reset(client, django_capture_on_commit_callbacks, "de", "ada@example.com")
    (received,) = real_smtp.wait_for(1)
    assert received["To"] == "ada@example.com"
    assert received["Subject"] == "Passwort zurücksetzen"
    plain = received.get_body(("plain",)).get_content()
    html = received.get_body(("html",)).get_content()
    match = re.search(re.escape(PUBLIC_URL) + r"(/de/account/password/reset/\S+/)", plain)
    assert match and match.group(1) in html
    page = client.get(match.group(1), follow=True)
    set_url = page.redirect_chain[-1][0]
    client.post(set_url, {"new_password1": NEW, "new_password2": NEW})
    assert logs_in(client, NEW) and not logs_in(client, OLD)


# --- sign-up confirmation -------------------------------------------------------------------
def sign_up(client, capture, language: str, **extra: str):
    data = {"email": "Grace@Example.com", "first_name": "Grace", "password1": OLD,
            "password2": OLD, **extra}
    with capture(execute=True):
        return client.post(f"/{language}/account/signup/", data)


def test_sign_up_sends_a_confirmation_link_that_confirms_the_address(
        client, markets, django_capture_on_commit_callbacks):
    response = sign_up(client, django_capture_on_commit_callbacks, "fr")
    assert response.status_code == 302
    (message,) = mail.outbox
    assert message.to == ["grace@example.com"]
    assert message.subject == "Confirmez votre compte chez Omniport Shop"
    assert "Bonjour Grace," in message.body
    link = link_in(message, "/fr/account/confirm/")

    dashboard = parse(client.get("/fr/account/"))
    assert dashboard.cssselect(".notice-confirm")
    customer = Customer.objects.get(email="grace@example.com")
    assert customer.email_confirmed_at is None

    confirmed = client.get(link, follow=True)
    assert confirmed.redirect_chain[0] == ("/fr/account/", 302)
    assert "votre adresse e-mail est confirmée" in confirmed.content.decode()
    assert not parse(confirmed).cssselect(".notice-confirm")
    customer.refresh_from_db()
    first = customer.email_confirmed_at
    assert first is not None
    # opening it again is harmless and keeps the first time
    assert client.get(link).status_code == 302
    customer.refresh_from_db()
    assert customer.email_confirmed_at == first


def test_confirmation_works_logged_out_and_bad_links_change_nothing(
        client, markets, django_capture_on_commit_callbacks):
    sign_up(client, django_capture_on_commit_callbacks, "en")
    link = link_in(mail.outbox[0], "/en/account/confirm/")
    client.logout()
    user = User.objects.get(email="grace@example.com")
    forged = client.get(link[:-4] + "xyz/")
    assert forged.status_code == 400 and "This link is not valid" in forged.content.decode()
    other = make_token(TokenPurpose.CART, {"u": user.pk, "e": user.email})  # wrong purpose
    assert client.get(f"/en/account/confirm/{other}/").status_code == 400
    old = make_token(TokenPurpose.ACCOUNT, {"u": user.pk, "e": user.email},
                     now=timezone.now() - dt.timedelta(days=8))
    expired = client.get(f"/en/account/confirm/{old}/")
    assert expired.status_code == 410 and "This link has expired" in expired.content.decode()
    assert Customer.objects.get(user=user).email_confirmed_at is None

    response = client.get(link)
    assert response.status_code == 302 and response["Location"] == "/en/account/login/"
    assert Customer.objects.get(user=user).email_confirmed_at is not None


def test_resending_the_confirmation_is_limited_and_stops_once_confirmed(
        client, markets, django_capture_on_commit_callbacks):
    sign_up(client, django_capture_on_commit_callbacks, "en")
    with mock.patch("storefront.services._window", return_value="w1"):  # one 10-min window
        for _ in range(3):
            with django_capture_on_commit_callbacks(execute=True):
                response = client.post("/en/account/confirm/resend/", follow=True)
    assert "We have sent you a new confirmation link." in response.content.decode()
    assert len(mail.outbox) == 2  # the sign-up email and one resend in this window
    client.get(link_in(mail.outbox[1], "/en/account/confirm/"))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/en/account/confirm/resend/", follow=True)
    assert "already confirmed" in response.content.decode() and len(mail.outbox) == 2
    assert client.get("/en/account/confirm/resend/").status_code == 405


def test_newsletter_box_at_sign_up_asks_for_double_opt_in(client, markets,
                                                        django_capture_on_commit_callbacks):
    sign_up(client, django_capture_on_commit_callbacks, "de", marketing_consent="on")
    kinds = sorted(MessageLog.objects.values_list("kind", flat=True))
    assert kinds == ["account_confirmation", "marketing_confirmation"]
    assert "grace@example.com" not in marketing_allowed(["grace@example.com"])
    doi = next(m for m in mail.outbox if "/de/email/confirm/" in m.body)
    client.get(link_in(doi, "/de/email/confirm/"))
    assert "grace@example.com" in marketing_allowed(["grace@example.com"])
