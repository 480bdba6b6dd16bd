"""The shopper's market and cart for a request.

The market comes from ``request.market`` (storefront.middleware.MarketMiddleware).
The cart is ``request.session["checkout_token"]`` (the restore-cart email link
sets the same key).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from commerce.channel.models import Channel
from commerce.checkout.models import Checkout
from commerce.checkout.services import (
    checkout_channel_update,
    checkout_create,
    checkout_user_attach,
)

SESSION_KEY = "checkout_token"


def current_channel(request: HttpRequest) -> Channel:
    market = getattr(request, "market", None)
    channel = getattr(market, "channel", None)
    if channel is not None:
        return channel
    # FALLBACK until the storefront branch's MarketMiddleware is merged: the default
    # storefront channel. With the middleware in place this line is never reached.
    found = Channel.objects.filter(slug=settings.DEFAULT_CHANNEL_SLUG, is_active=True).first()
    if found is None:
        raise Http404(_("This shop has no market open."))
    return found


def current_checkout(request: HttpRequest, *, create: bool = False) -> Checkout | None:
    """The session's open cart, moved to the shopper's current market; created if asked."""
    checkout = None
    raw = request.session.get(SESSION_KEY)
    if raw:
        try:
            token = uuid.UUID(str(raw))
        except ValueError:
            token = None
        if token:
            checkout = (Checkout.objects.select_related("channel", "shipping_address")
                        .filter(pk=token, completed_at__isnull=True).first())
    user = request.user if request.user.is_authenticated else None
    if checkout is not None and checkout.user_id and (user is None or checkout.user_id != user.pk):
        checkout = None  # someone else's cart: never show it
    channel = current_channel(request)
    if checkout is not None and checkout.channel_id != channel.pk:
        dropped = checkout_channel_update(checkout, channel)
        if dropped:
            messages.warning(request, _("Not sold in this market, removed from your cart: "
                                        "%(names)s") % {"names": ", ".join(dropped)})
    if checkout is not None and user is not None and checkout.user_id is None:
        checkout_user_attach(checkout, user)
    if checkout is None and create:
        checkout = checkout_create(channel, user=user, language_code=get_language() or "")
        request.session[SESSION_KEY] = str(checkout.token)
    return checkout
