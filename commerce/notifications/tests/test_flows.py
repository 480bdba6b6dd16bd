"""Lifecycle flows with time travel: every run takes ``now``."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from commerce.notifications.models import Coupon, FlowSetting, MessageLog, NpsResponse
from commerce.notifications.services import (
    CouponError,
    consent_withdraw,
    coupon_check,
    coupon_discount,
    coupon_redeem,
    flow_run,
    flows_run_all,
)

from .conftest import PUBLIC_URL, fulfil, make_checkout, make_order, opt_in

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
H = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)


def flow_logs() -> Any:
    """Log rows of lifecycle flows (not the opt-in confirmations the setup sends)."""
    return MessageLog.objects.exclude(flow="transactional")


def kinds() -> list[str]:
    return list(flow_logs().filter(status="sent").order_by("created_at", "kind")
                .values_list("kind", flat=True))


# --- Abandoned checkout ------------------------------------------------------------------
def test_abandoned_checkout_reminders_at_4h_and_24h(eu_channel: Any, shirt: Any) -> None:
    opt_in("cart@example.com", channel=eu_channel, at=T0 - 30 * DAY)
    checkout = make_checkout(eu_channel, shirt, email_address="cart@example.com",
                             language="fr", last_change=T0)

    for hours in (1, 3, 3.9):
        flow_run("abandoned_checkout", now=T0 + hours * H)
    assert kinds() == []

    flow_run("abandoned_checkout", now=T0 + 4 * H)
    flow_run("abandoned_checkout", now=T0 + 5 * H)
    flow_run("abandoned_checkout", now=T0 + 23 * H)
    assert kinds() == ["abandoned_checkout_1"]
    first = mail.outbox[0]
    assert first.subject == "Vous avez oublié quelque chose dans votre panier"
    assert "99,80\xa0€" in first.body  # 2 × 49,90 € in French format

    flow_run("abandoned_checkout", now=T0 + 24 * H)
    flow_run("abandoned_checkout", now=T0 + 30 * H)
    flow_run("abandoned_checkout", now=T0 + 80 * H)
    assert kinds() == ["abandoned_checkout_1", "abandoned_checkout_2"]
    assert all(log.object_ref == f"checkout:{checkout.token}"
               for log in flow_logs())


def test_restore_link_puts_the_cart_back_in_the_session(eu_channel: Any, shirt: Any) -> None:
    opt_in("cart@example.com", channel=eu_channel, at=T0 - 30 * DAY)
    checkout = make_checkout(eu_channel, shirt, email_address="cart@example.com",
                             language="de", last_change=T0)
    flow_run("abandoned_checkout", now=T0 + 4 * H)
    url = flow_logs().get().context["restore_url"]
    assert url.startswith(f"{PUBLIC_URL}/de/cart/restore/") and url in mail.outbox[0].body

    client = Client()  # a different browser than the one that built the cart
    response = client.get(url.removeprefix(PUBLIC_URL))
    assert response.status_code == 302 and response["Location"] == "/de/cart/"
    assert client.session["checkout_token"] == str(checkout.token)

    forged = url.removeprefix(PUBLIC_URL).replace("/restore/", "/restore/x")
    response = Client().get(forged)
    assert response.status_code == 400 and "Dieser Link ist ungültig" in response.content.decode()


def test_no_reminder_after_purchase(eu_channel: Any, shirt: Any) -> None:
    opt_in("a@example.com", channel=eu_channel, at=T0 - 30 * DAY)
    opt_in("b@example.com", channel=eu_channel, at=T0 - 30 * DAY)
    paid = make_checkout(eu_channel, shirt, email_address="a@example.com", last_change=T0)
    other_cart = make_checkout(eu_channel, shirt, email_address="b@example.com", last_change=T0)
    flow_run("abandoned_checkout", now=T0 + 4 * H)
    assert flow_logs().count() == 2

    # a@ completes this checkout; b@ buys through another cart.
    order = make_order(eu_channel, shirt, email_address="a@example.com")
    paid.completed_order, paid.completed_at = order, T0 + 5 * H
    paid.save(update_fields=["completed_order", "completed_at"])
    make_order(eu_channel, shirt, email_address="b@example.com", created_at=T0 + 6 * H)

    flow_run("abandoned_checkout", now=T0 + 24 * H)
    assert flow_logs().count() == 2  # no second reminders
    client = Client()
    url = flow_logs().get(object_ref=f"checkout:{paid.token}").context["restore_url"]
    response = client.get(url.removeprefix(PUBLIC_URL))
    assert response.status_code == 200 and "already been ordered" in response.content.decode()
    assert "checkout_token" not in client.session
    assert other_cart.completed_at is None


def test_no_reminder_without_consent_or_when_switched_off(eu_channel: Any, shirt: Any) -> None:
    make_checkout(eu_channel, shirt, email_address="stranger@example.com", last_change=T0)
    opt_in("fan@example.com", channel=eu_channel, at=T0 - 30 * DAY)
    make_checkout(eu_channel, shirt, email_address="fan@example.com", last_change=T0)
    flow_run("abandoned_checkout", now=T0 - H)  # creates the channel's settings row
    FlowSetting.objects.filter(channel=eu_channel, flow="abandoned_checkout").update(enabled=False)
    flow_run("abandoned_checkout", now=T0 + 4 * H)
    assert not flow_logs().exists()

    FlowSetting.objects.filter(channel=eu_channel, flow="abandoned_checkout")\
        .update(enabled=True, delays_hours=[2, 12])
    flow_run("abandoned_checkout", now=T0 + 4 * H)
    assert list(flow_logs().values_list("to_email", flat=True)) == ["fan@example.com"]


# --- Welcome series ---------------------------------------------------------------------
def test_welcome_series_steps(eu_channel: Any) -> None:
    opt_in("new@example.com", channel=eu_channel, language="es", at=T0, first_name="Lucía")
    flow_run("welcome", now=T0)
    flow_run("welcome", now=T0 + 47 * H)
    assert kinds() == ["welcome_1"]
    assert mail.outbox[0].subject == "Bienvenido a Omniport Shop"
    assert "Hola, Lucía:" in mail.outbox[0].body

    flow_run("welcome", now=T0 + 2 * DAY)
    flow_run("welcome", now=T0 + 3 * DAY)
    assert kinds() == ["welcome_1", "welcome_2"]
    flow_run("welcome", now=T0 + 4 * DAY)
    flow_run("welcome", now=T0 + 5 * DAY)
    flow_run("welcome", now=T0 + 30 * DAY)
    assert kinds() == ["welcome_1", "welcome_2", "welcome_3"]
    assert [log.step for log in flow_logs().order_by("step")] == [1, 2, 3]


def test_welcome_series_stops_when_they_unsubscribe(eu_channel: Any) -> None:
    opt_in("fickle@example.com", channel=eu_channel, at=T0)
    flow_run("welcome", now=T0)
    consent_withdraw("fickle@example.com", source="test", now=T0 + DAY)
    flow_run("welcome", now=T0 + 2 * DAY)
    flow_run("welcome", now=T0 + 4 * DAY)
    assert kinds() == ["welcome_1"]


def test_a_broken_template_fails_visibly_and_the_flow_goes_on(
        eu_channel: Any, settings: Any, tmp_path: Any) -> None:
    theme = tmp_path / "emails" / "welcome_2"
    theme.mkdir(parents=True)
    (theme / "body.html").write_text('{% extends "emails/base.html" %}{% block content %}'
                                     "{% if %}{% endblock %}")
    settings.TEMPLATES = [{**settings.TEMPLATES[0],
                           "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}]
    opt_in("early@example.com", channel=eu_channel, at=T0 - 2 * DAY)  # due for step 2
    opt_in("late@example.com", channel=eu_channel, at=T0)  # due for step 1
    flow_run("welcome", now=T0)
    broken = flow_logs().get(to_email="early@example.com")
    assert broken.status == "failed" and "Template error: TemplateSyntaxError" in broken.error
    assert flow_logs().get(to_email="late@example.com").status == "sent"
    assert [m.to for m in mail.outbox] == [["late@example.com"]]


# --- Review / NPS ------------------------------------------------------------------------
def test_review_request_seven_days_after_delivery_records_one_click_scores(
        eu_channel: Any, shirt: Any) -> None:
    opt_in("buyer@example.com", channel=eu_channel, at=T0 - 30 * DAY)
    order = make_order(eu_channel, shirt, email_address="buyer@example.com", language="de")
    fulfil(order, at=T0)
    flow_run("review", now=T0 + 6 * DAY)
    assert kinds() == []
    flow_run("review", now=T0 + 7 * DAY)
    flow_run("review", now=T0 + 8 * DAY)
    assert kinds() == ["review_request"]
    body = mail.outbox[0].body
    links = re.findall(r"^\d+: (\S+/feedback/\S+)$", body, re.MULTILINE)
    assert len(links) == 11 and links[9].endswith("/9/")

    client = Client()
    response = client.get(links[9].removeprefix(PUBLIC_URL))
    assert response.status_code == 200
    assert "Sie haben uns 9 von 10 Punkten gegeben." in response.content.decode()
    client.get(links[9].removeprefix(PUBLIC_URL))  # clicked twice
    assert NpsResponse.objects.get().score == 9
    client.get(links[10].removeprefix(PUBLIC_URL))  # changed their mind
    client.post(links[10].removeprefix(PUBLIC_URL), {"comment": "Schnell und gut"})
    answer = NpsResponse.objects.get(order=order)
    assert (answer.score, answer.comment) == (10, "Schnell und gut")
    assert Client().get(links[3].removeprefix(PUBLIC_URL).replace("/3/", "/11/")).status_code == 404


# --- Birthday ----------------------------------------------------------------------------
def test_birthday_coupon_single_use_valid_14_days(eu_channel: Any, shirt: Any) -> None:
    cust = opt_in("bday@example.com", channel=eu_channel, language="de", at=T0 - 90 * DAY,
                  birthday=dt.date(1990, 3, 2), first_name="Grete")
    opt_in("notyet@example.com", channel=eu_channel, at=T0 - 90 * DAY,
           birthday=dt.date(1990, 3, 3))
    flow_run("birthday", now=T0)
    flow_run("birthday", now=T0 + 2 * H)  # hourly beat: still one email, one coupon
    assert kinds() == ["birthday"]
    coupon = Coupon.objects.get()
    assert coupon.customer == cust and coupon.valid_until == T0 + 14 * DAY
    assert coupon.code in mail.outbox[0].body and "10\xa0% Rabatt" in mail.outbox[0].body

    order = make_order(eu_channel, shirt, email_address=cust.email, customer=cust)
    assert coupon_check(coupon.code.lower(), cust, now=T0 + DAY) == coupon
    assert coupon_discount(coupon, order.subtotal_gross_amount, "EUR") == coupon.percent_off / 100 * order.subtotal_gross_amount
    coupon_redeem(coupon.code, cust, order, now=T0 + DAY)
    coupon_redeem(coupon.code, cust, order, now=T0 + DAY)  # the same checkout retried: fine
    second = make_order(eu_channel, shirt, email_address=cust.email, customer=cust)
    with pytest.raises(CouponError) as used:
        coupon_redeem(coupon.code, cust, second, now=T0 + 2 * DAY)
    assert used.value.code == "coupon_already_used"

    next_year = T0.replace(year=2027)
    flow_run("birthday", now=next_year)
    fresh = Coupon.objects.exclude(pk=coupon.pk).get()
    with pytest.raises(CouponError) as expired:
        coupon_redeem(fresh.code, cust, second, now=next_year + 14 * DAY)
    assert expired.value.code == "coupon_expired"
    other = make_order(eu_channel, shirt, email_address="thief@example.com")
    with pytest.raises(CouponError) as theft:
        coupon_redeem(fresh.code, other.customer, other, now=next_year + DAY)
    assert theft.value.code == "coupon_wrong_customer"


def test_leap_day_birthdays_are_celebrated_on_28_february(eu_channel: Any) -> None:
    opt_in("leap@example.com", channel=eu_channel, at=T0 - 90 * DAY, birthday=dt.date(2000, 2, 29))
    flow_run("birthday", now=dt.datetime(2027, 2, 28, 8, tzinfo=dt.UTC))
    flow_run("birthday", now=dt.datetime(2028, 2, 28, 8, tzinfo=dt.UTC))  # a leap year: wait
    assert flow_logs().count() == 1
    flow_run("birthday", now=dt.datetime(2028, 2, 29, 8, tzinfo=dt.UTC))
    assert flow_logs().count() == 2


# --- Win-back ----------------------------------------------------------------------------
def test_winback_after_60_days_without_purchase(eu_channel: Any, shirt: Any) -> None:
    cust = opt_in("gone@example.com", channel=eu_channel, at=T0 - 300 * DAY)
    make_order(eu_channel, shirt, email_address=cust.email, customer=cust,
               created_at=T0 - 100 * DAY)
    make_order(eu_channel, shirt, email_address=cust.email, customer=cust, created_at=T0)
    flow_run("winback", now=T0 + 59 * DAY)
    assert kinds() == []
    flow_run("winback", now=T0 + 60 * DAY)
    flow_run("winback", now=T0 + 90 * DAY)
    assert kinds() == ["winback"]
    make_order(eu_channel, shirt, email_address=cust.email, customer=cust,
               created_at=T0 + 91 * DAY)
    flow_run("winback", now=T0 + 100 * DAY)
    assert kinds() == ["winback"]
    flow_run("winback", now=T0 + 151 * DAY)  # a new quiet spell after the new order
    assert kinds() == ["winback", "winback"]


def test_all_flows_together_are_idempotent(eu_channel: Any, shirt: Any) -> None:
    opt_in("w@example.com", channel=eu_channel, at=T0)
    cust = opt_in("c@example.com", channel=eu_channel, at=T0 - 300 * DAY,
                  birthday=T0.date().replace(year=1985))
    make_checkout(eu_channel, shirt, email_address=cust.email, last_change=T0 - 5 * H)
    make_order(eu_channel, shirt, email_address=cust.email, customer=cust,
               created_at=T0 - 61 * DAY)
    for _ in range(3):
        flows_run_all(now=T0)
    assert sorted(kinds()) == ["abandoned_checkout_1", "birthday", "welcome_1", "winback"]
    assert len(mail.outbox) == 4
    assert timezone.is_aware(flow_logs().first().created_at)
