"""Lifecycle flows run by Celery beat: welcome series, abandoned checkout, review /
NPS request, birthday coupon, win-back.

Each run takes ``now`` (tests travel in time by passing it), finds the recipients
whose step is due in every storefront channel where the flow is switched on,
claims one log row per (flow, step, recipient, object) and delivers the claimed
rows in batches over one connection. Running a flow twice, or in two workers at
once, sends each email once.

Step windows: step *i* is due ``delays[i]`` hours after the trigger and may go out
until step *i+1* is due (the last step: for a grace period), so a flow switched
on late or a scheduler that was down never sends stale steps out of order.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from commerce.account.models import Customer
from commerce.channel.models import Channel, ChannelKind
from commerce.checkout.models import Checkout
from commerce.orders.models import Order, OrderEvent, OrderStatus

from .. import conf
from ..formatting import pick_language
from ..kinds import FLOW_DEFAULT_DELAYS, FLOW_KINDS, FLOW_LAST_STEP_GRACE_HOURS
from ..models import ConsentAction, ConsentEvent, Coupon, CouponKind, Flow, FlowSetting, MessageLog
from ..tokens import TokenPurpose, make_token
from .consent import marketing_allowed
from .coupons import coupon_code
from .mailer import Claim, DeliveryResult, claim_messages, deliver_messages, idempotency_key

logger = logging.getLogger(__name__)

# Order events that mean "the shopper has the goods" (the review clock starts there).
REVIEW_ANCHOR_EVENTS = ("fulfilled", "delivered", "picked_up")


@dataclass
class Candidate:
    claim: Claim
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class FlowRunResult:
    flow: str
    candidates: int = 0
    claimed: int = 0
    delivery: DeliveryResult = field(default_factory=DeliveryResult)

    def as_dict(self) -> dict[str, Any]:
        return {"flow": str(self.flow), "candidates": self.candidates, "claimed": self.claimed,
                "sent": self.delivery.sent, "failed": self.delivery.failed,
                "suppressed": self.delivery.suppressed, "retry": len(self.delivery.retry)}


# --- Settings -----------------------------------------------------------------------
def flow_settings(flow: str) -> list[FlowSetting]:
    """The flow's setting row for every active storefront channel (rows with the
    defaults are created on first use so the admin lists them all); enabled only."""
    channels = list(Channel.objects.filter(kind=ChannelKind.STOREFRONT, is_active=True))
    existing = {s.channel_id: s for s in
                FlowSetting.objects.filter(flow=flow, channel__in=channels).select_related("channel")}
    missing = [FlowSetting(channel=ch, flow=flow, delays_hours=list(FLOW_DEFAULT_DELAYS[flow]))
               for ch in channels if ch.pk not in existing]
    if missing:
        FlowSetting.objects.bulk_create(missing, ignore_conflicts=True)
        existing = {s.channel_id: s for s in FlowSetting.objects.filter(
            flow=flow, channel__in=channels).select_related("channel")}
    return [s for s in existing.values() if s.enabled]


def ensure_flow_settings() -> None:
    for flow in FLOW_KINDS:
        flow_settings(flow)


def _windows(setting: FlowSetting) -> list[tuple[int, dt.timedelta, dt.timedelta]]:
    """(step index, due offset, end offset) for each configured step."""
    kinds = FLOW_KINDS[setting.flow]
    delays = [int(d) for d in (setting.delays_hours or FLOW_DEFAULT_DELAYS[setting.flow])][:len(kinds)]
    grace = FLOW_LAST_STEP_GRACE_HOURS[setting.flow]
    out = []
    for i, due in enumerate(delays):
        end = delays[i + 1] if i + 1 < len(delays) and delays[i + 1] > due else due + grace
        out.append((i, dt.timedelta(hours=due), dt.timedelta(hours=end)))
    return out


def _default_channel_id() -> int | None:
    ch = Channel.objects.filter(slug=settings.DEFAULT_CHANNEL_SLUG, kind=ChannelKind.STOREFRONT)\
        .values_list("pk", flat=True).first()
    if ch is None:
        ch = Channel.objects.filter(kind=ChannelKind.STOREFRONT).order_by("pk")\
            .values_list("pk", flat=True).first()
    return ch


def _in_home_channel(qs: QuerySet[Customer], channel_id: int) -> QuerySet[Customer]:
    """Customers whose marketing home is ``channel_id``: where they confirmed the
    opt-in, or the default storefront when that is unknown."""
    home = (ConsentEvent.objects.filter(customer=OuterRef("pk"), action=ConsentAction.CONFIRMED)
            .order_by("-at", "-pk").values("channel_id")[:1])
    qs = qs.annotate(home_channel=Subquery(home))
    if channel_id == _default_channel_id():
        return qs.filter(Q(home_channel=channel_id) | Q(home_channel__isnull=True))
    return qs.filter(home_channel=channel_id)


def _url(language: str, path: str) -> str:
    return f"{conf.public_url()}/{language}/{path.lstrip('/')}"


# --- Generators: one per flow -----------------------------------------------------------
def _welcome(setting: FlowSetting, now: dt.datetime) -> Iterator[Candidate]:
    channel = setting.channel
    for step, due, end in _windows(setting):
        qs = Customer.objects.filter(marketing_consent=True,
                                     marketing_consent_at__lte=now - due,
                                     marketing_consent_at__gt=now - end)
        customers = list(_in_home_channel(qs, channel.pk).order_by("pk"))
        allowed = marketing_allowed(c.email for c in customers)
        for customer in customers:
            if customer.email not in allowed:
                continue
            lang = pick_language(customer.preferred_language, channel.default_language)
            yield Candidate(Claim(
                kind=FLOW_KINDS[Flow.WELCOME][step], to=customer.email, language=lang,
                context={"recipient_name": customer.first_name, "step": step + 1},
                idempotency_key=idempotency_key(Flow.WELCOME, step + 1, customer.email,
                                                f"customer:{customer.pk}"),
                flow=Flow.WELCOME, step=step + 1, customer_id=customer.pk, channel_id=channel.pk,
                object_ref=f"customer:{customer.pk}",
            ))


def checkout_email(checkout: Checkout) -> str:
    """Where to write about a cart: its email, else its customer's or user's."""
    email = checkout.email
    if not email and checkout.customer is not None:
        email = checkout.customer.email
    if not email and checkout.user is not None:
        email = checkout.user.email
    return (email or "").strip().lower()


def checkout_lines(checkout: Checkout, language: str) -> tuple[list[dict[str, Any]], Decimal]:
    """The cart's lines (translated names, the channel's prices) and their subtotal."""
    lines, subtotal = [], Decimal(0)
    for line in checkout.lines.all():
        variant = line.variant
        product = variant.product
        name = next((t.name for t in product.translations.all() if t.language_code == language),
                    product.name)
        price = next((lst.price_amount for lst in variant.channel_listings.all()
                      if lst.channel_id == checkout.channel_id), None)
        total = price * line.quantity if price is not None else None
        subtotal += total or 0
        lines.append({"name": name, "variant": variant.name, "quantity": line.quantity,
                      "unit_price": price, "total": total})
    return lines, subtotal


def _abandoned_checkout(setting: FlowSetting, now: dt.datetime) -> Iterator[Candidate]:
    channel = setting.channel
    for step, due, end in _windows(setting):
        checkouts = list(
            Checkout.objects.filter(channel=channel, completed_at__isnull=True,
                                    completed_order__isnull=True,
                                    last_change__lte=now - due, last_change__gt=now - end,
                                    lines__isnull=False)
            .distinct().select_related("customer", "user")
            .prefetch_related("lines__variant__product__translations",
                              "lines__variant__channel_listings")
            .order_by("last_change", "token")
        )
        emails = {checkout_email(c) for c in checkouts} - {""}
        allowed = marketing_allowed(emails)
        # Stopped by purchase: any order by the same address since the cart was started.
        orders: dict[str, list[dt.datetime]] = {}
        if checkouts:
            since = min(c.created_at for c in checkouts)
            for email, created in Order.objects.filter(user_email__in=allowed,
                                                       created_at__gte=since)\
                    .values_list("user_email", "created_at"):
                orders.setdefault(email, []).append(created)
        customers = {c.email: c for c in Customer.objects.filter(email__in=allowed)}
        for checkout in checkouts:
            email = checkout_email(checkout)
            if email not in allowed:
                continue
            if any(created >= checkout.created_at for created in orders.get(email, [])):
                continue
            customer = customers.get(email)
            lang = pick_language(checkout.language_code,
                                 getattr(customer, "preferred_language", None),
                                 channel.default_language)
            lines, subtotal = checkout_lines(checkout, lang)
            # Links are signed on the real clock (their age is checked against it).
            token = make_token(TokenPurpose.CART, {"t": str(checkout.token)})
            yield Candidate(Claim(
                kind=FLOW_KINDS[Flow.ABANDONED_CHECKOUT][step], to=email, language=lang,
                context={
                    "recipient_name": getattr(customer, "first_name", ""),
                    "lines": lines, "subtotal": subtotal,
                    "currency": checkout.currency or channel.currency_code,
                    "restore_url": _url(lang, f"cart/restore/{token}/"),
                },
                idempotency_key=idempotency_key(Flow.ABANDONED_CHECKOUT, step + 1, email,
                                                f"checkout:{checkout.token}"),
                flow=Flow.ABANDONED_CHECKOUT, step=step + 1,
                customer_id=getattr(customer, "pk", None), channel_id=channel.pk,
                object_ref=f"checkout:{checkout.token}",
            ))


def _order_email(order: Order) -> str:
    email = order.user_email
    if not email and order.customer is not None:
        email = order.customer.email
    return (email or "").strip().lower()


def _review(setting: FlowSetting, now: dt.datetime) -> Iterator[Candidate]:
    channel = setting.channel
    delivered = (OrderEvent.objects.filter(order=OuterRef("pk"), type__in=REVIEW_ANCHOR_EVENTS)
                 .order_by("-date").values("date")[:1])
    for _step, due, end in _windows(setting):
        orders = list(
            Order.objects.filter(channel=channel, status=OrderStatus.FULFILLED,
                                 nps_response__isnull=True)
            .annotate(delivered_at=Coalesce(Subquery(delivered), "updated_at"))
            .filter(delivered_at__lte=now - due, delivered_at__gt=now - end)
            .select_related("customer").order_by("delivered_at", "pk")
        )
        allowed = marketing_allowed(_order_email(o) for o in orders)
        for order in orders:
            email = _order_email(order)
            if email not in allowed:
                continue
            customer = order.customer if order.customer_id else None
            lang = pick_language(order.language_code, getattr(customer, "preferred_language", None),
                                 channel.default_language)
            token = make_token(TokenPurpose.FEEDBACK, {"o": str(order.pk)})
            yield Candidate(Claim(
                kind="review_request", to=email, language=lang,
                context={
                    "recipient_name": getattr(customer, "first_name", ""),
                    "order": {"number": order.number, "created_at": order.created_at},
                    "score_urls": [(score, _url(lang, f"feedback/{token}/{score}/"))
                                   for score in range(11)],
                },
                idempotency_key=idempotency_key(Flow.REVIEW, 1, email, f"order:{order.pk}"),
                flow=Flow.REVIEW, step=1, customer_id=getattr(customer, "pk", None),
                order_id=order.pk, channel_id=channel.pk, object_ref=f"order:{order.pk}",
            ))


def _is_birthday(birthday: dt.date, today: dt.date) -> bool:
    if (birthday.month, birthday.day) == (today.month, today.day):
        return True
    # 29 February birthdays are celebrated on 28 February in common years.
    leap = today.year % 4 == 0 and (today.year % 100 != 0 or today.year % 400 == 0)
    return (birthday.month, birthday.day) == (2, 29) and not leap \
        and (today.month, today.day) == (2, 28)


def _birthday(setting: FlowSetting, now: dt.datetime) -> Iterator[Candidate]:
    channel = setting.channel
    today = now.date()
    days = [(today.month, today.day)]
    if (today.month, today.day) == (2, 28):
        days.append((2, 29))
    cond = Q()
    for month, day in days:
        cond |= Q(birthday__month=month, birthday__day=day)
    qs = Customer.objects.filter(cond, marketing_consent=True, birthday__isnull=False)
    customers = [c for c in _in_home_channel(qs, channel.pk).order_by("pk")
                 if c.birthday and _is_birthday(c.birthday, today)]
    allowed = marketing_allowed(c.email for c in customers)
    valid_until = now + dt.timedelta(days=setting.coupon_valid_days)
    for customer in customers:
        if customer.email not in allowed:
            continue
        lang = pick_language(customer.preferred_language, channel.default_language)
        code = coupon_code()
        yield Candidate(
            Claim(
                kind="birthday", to=customer.email, language=lang,
                context={"recipient_name": customer.first_name, "coupon_code": code,
                         "percent_off": setting.coupon_percent_off, "valid_until": valid_until},
                idempotency_key=idempotency_key(Flow.BIRTHDAY, today.year, customer.email,
                                                f"customer:{customer.pk}"),
                flow=Flow.BIRTHDAY, step=1, customer_id=customer.pk, channel_id=channel.pk,
                object_ref=f"customer:{customer.pk}:{today.year}",
            ),
            extra={"coupon": Coupon(code=code, kind=CouponKind.BIRTHDAY, customer_id=customer.pk,
                                    channel_id=channel.pk,
                                    percent_off=setting.coupon_percent_off,
                                    valid_from=now, valid_until=valid_until)},
        )


def _winback(setting: FlowSetting, now: dt.datetime) -> Iterator[Candidate]:
    channel = setting.channel
    last = (Order.objects.filter(customer=OuterRef("pk"), channel__kind=ChannelKind.STOREFRONT)
            .order_by("-created_at", "-pk"))
    for _step, due, end in _windows(setting):
        customers = list(
            Customer.objects.filter(marketing_consent=True)
            .annotate(last_order_at=Subquery(last.values("created_at")[:1]),
                      last_order_id=Subquery(last.values("id")[:1]),
                      last_channel_id=Subquery(last.values("channel_id")[:1]))
            .filter(last_channel_id=channel.pk, last_order_at__lte=now - due,
                    last_order_at__gt=now - end)
            .order_by("pk")
        )
        allowed = marketing_allowed(c.email for c in customers)
        for customer in customers:
            if customer.email not in allowed:
                continue
            lang = pick_language(customer.preferred_language, channel.default_language)
            ref = f"order:{customer.last_order_id}"  # type: ignore[attr-defined]
            yield Candidate(Claim(
                kind="winback", to=customer.email, language=lang,
                context={"recipient_name": customer.first_name,
                         "last_order_at": customer.last_order_at},  # type: ignore[attr-defined]
                idempotency_key=idempotency_key(Flow.WINBACK, 1, customer.email, ref),
                flow=Flow.WINBACK, step=1, customer_id=customer.pk, channel_id=channel.pk,
                object_ref=ref,
            ))


_GENERATORS: dict[str, Callable[[FlowSetting, dt.datetime], Iterator[Candidate]]] = {
    Flow.WELCOME: _welcome,
    Flow.ABANDONED_CHECKOUT: _abandoned_checkout,
    Flow.REVIEW: _review,
    Flow.BIRTHDAY: _birthday,
    Flow.WINBACK: _winback,
}


def _chunks(items: Iterable[Candidate], size: int) -> Iterator[list[Candidate]]:
    chunk: list[Candidate] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _after_claim(chunk: list[Candidate], created: dict[str, Any]) -> None:
    """Things that exist only for claimed emails (the birthday coupon), written in the
    claim's transaction so an email never refers to a coupon that was not saved."""
    coupons = []
    for cand in chunk:
        coupon = cand.extra.get("coupon")
        log_id = created.get(cand.claim.idempotency_key)
        if coupon is not None and log_id is not None:
            coupon.message_id = log_id
            coupons.append(coupon)
    if coupons:
        Coupon.objects.bulk_create(coupons)


def flow_run(flow: str, *, now: dt.datetime | None = None, batch_size: int = 100) -> FlowRunResult:
    """Run one lifecycle flow for every storefront channel where it is on."""
    now = now or timezone.now()
    result = FlowRunResult(flow=flow)
    generate = _GENERATORS[flow]
    for setting in flow_settings(flow):
        for chunk in _chunks(generate(setting, now), batch_size):
            result.candidates += len(chunk)
            known = set(MessageLog.objects.filter(
                idempotency_key__in=[c.claim.idempotency_key for c in chunk])
                .values_list("idempotency_key", flat=True))
            chunk = [c for c in chunk if c.claim.idempotency_key not in known]
            if not chunk:
                continue
            with transaction.atomic():
                created_ids = claim_messages([c.claim for c in chunk])
                created = dict(MessageLog.objects.filter(pk__in=created_ids)
                               .values_list("idempotency_key", "pk"))
                _after_claim(chunk, created)
            result.claimed += len(created_ids)
            result.delivery += deliver_messages(created_ids)
    if result.claimed:
        logger.info("email flow %s: %s", flow, result.as_dict())
    return result


def flows_run_all(*, now: dt.datetime | None = None) -> list[FlowRunResult]:
    now = now or timezone.now()
    results = []
    for flow in _GENERATORS:
        try:
            results.append(flow_run(flow, now=now))
        except Exception:  # one broken flow must not stop the others
            logger.exception("email flow %s failed", flow)
    return results


class CheckoutGone(Exception):
    """The cart behind a restore link no longer exists."""


def checkout_from_restore_token(token: str, *, now: dt.datetime | None = None) -> Checkout:
    """The checkout an abandoned-cart link points to. Raises TokenInvalid /
    TokenExpired / CheckoutGone; the caller checks ``completed_at``."""
    import uuid

    from ..tokens import TokenInvalid, read_token

    data = read_token(TokenPurpose.CART, token, max_age_days=conf.CART_RESTORE_MAX_AGE_DAYS,
                      now=now)
    try:
        checkout_token = uuid.UUID(str(data.get("t", "")))
    except ValueError as exc:
        raise TokenInvalid("bad checkout token") from exc
    checkout = Checkout.objects.filter(token=checkout_token).first()
    if checkout is None:
        raise CheckoutGone()
    return checkout
