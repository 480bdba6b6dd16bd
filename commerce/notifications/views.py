"""Pages behind the links in emails. Thin: verify the token, call one service,
render a page in the link's language. Bad or expired links get a clear page and
change nothing (HTTP 400 / 410)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils import translation
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from commerce.channel.models import Channel

from . import conf
from .services import consent, flows
from .services import feedback as nps
from .tokens import TokenExpired, TokenInvalid


def _ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def _agent(request: HttpRequest) -> str:
    return str(request.META.get("HTTP_USER_AGENT", ""))[:512]


def _page(request: HttpRequest, lang: str, template: str, context: dict | None = None,
          status: int = 200) -> HttpResponse:
    with translation.override(lang):
        ctx = {"shop_name": conf.shop_name(), "shop_url": f"/{lang}/", "lang": lang,
               "support_email": conf.support_email(), **(context or {})}
        response = render(request, template, ctx, status=status)
    response["Content-Language"] = lang
    response["X-Robots-Tag"] = "noindex"
    return response


def _link_problem(request: HttpRequest, lang: str, expired: bool) -> HttpResponse:
    return _page(request, lang, "notifications/link_problem.html", {"expired": expired},
                 status=410 if expired else 400)


@never_cache
@require_http_methods(["GET", "HEAD"])
def cart_restore(request: HttpRequest, lang: str, token: str) -> HttpResponse:
    """Abandoned-cart link: make that checkout the visitor's cart, go to the cart page."""
    try:
        checkout = flows.checkout_from_restore_token(token)
    except (TokenInvalid, TokenExpired) as exc:
        return _link_problem(request, lang, isinstance(exc, TokenExpired))
    except flows.CheckoutGone:
        return _page(request, lang, "notifications/cart_restore.html", {"gone": True}, 404)
    if checkout.completed_at or checkout.completed_order_id:
        return _page(request, lang, "notifications/cart_restore.html", {"completed": True})
    request.session["checkout_token"] = str(checkout.token)
    return HttpResponseRedirect(f"/{lang}/cart/")


@csrf_exempt  # RFC 8058: the one-click POST comes without cookies, login or CSRF token
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request: HttpRequest, lang: str, token: str) -> HttpResponse:
    """GET: a page with one button (link scanners must not unsubscribe anyone).
    POST (the button, or the mail client's ``List-Unsubscribe=One-Click``): done, at once."""
    try:
        if request.method == "POST":
            email = consent.unsubscribe_with_token(
                token, source="one-click" if request.POST.get("List-Unsubscribe") else "link",
                ip=_ip(request), user_agent=_agent(request))
            return _page(request, lang, "notifications/unsubscribe.html",
                         {"done": True, "email": email})
        email = consent.unsubscribe_token_email(token)
    except (TokenInvalid, TokenExpired) as exc:
        return _link_problem(request, lang, isinstance(exc, TokenExpired))
    return _page(request, lang, "notifications/unsubscribe.html", {"done": False, "email": email})


@never_cache
@require_http_methods(["GET", "HEAD"])
def consent_confirm(request: HttpRequest, lang: str, token: str) -> HttpResponse:
    """Double opt-in: the link in the confirmation email."""
    try:
        customer = consent.consent_confirm(token, ip=_ip(request), user_agent=_agent(request))
    except (TokenInvalid, TokenExpired) as exc:
        return _link_problem(request, lang, isinstance(exc, TokenExpired))
    except consent.ConsentError:
        return _link_problem(request, lang, False)
    return _page(request, lang, "notifications/consent.html", {"email": customer.email})


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def subscribe(request: HttpRequest, lang: str) -> HttpResponse:
    """Newsletter sign-up form: starts double opt-in."""
    error, email = "", ""
    if request.method == "POST":
        email = request.POST.get("email", "")
        channel = Channel.objects.filter(slug=request.POST.get("channel", "")).first()
        try:
            with translation.override(lang):
                consent.consent_request(email, source=request.POST.get("source") or "subscribe-form",
                                        channel=channel, language=lang, ip=_ip(request),
                                        user_agent=_agent(request))
        except consent.ConsentError:
            error = "invalid"
        else:
            return _page(request, lang, "notifications/subscribe.html",
                         {"sent": True, "email": email.strip().lower()})
    return _page(request, lang, "notifications/subscribe.html",
                 {"sent": False, "error": error, "email": email}, status=400 if error else 200)


@csrf_exempt  # authorized by the signed link, which is only in the shopper's email
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def feedback(request: HttpRequest, lang: str, token: str, score: int) -> HttpResponse:
    """One-click NPS: GET records the score and thanks; POST adds a comment."""
    try:
        if request.method == "POST":
            nps.nps_comment(token, request.POST.get("comment", ""))
            return _page(request, lang, "notifications/feedback.html",
                         {"score": score, "commented": True})
        nps.nps_record(token, score, language=lang)
    except (TokenInvalid, TokenExpired) as exc:
        return _link_problem(request, lang, isinstance(exc, TokenExpired))
    except nps.FeedbackError:
        return _link_problem(request, lang, False)
    return _page(request, lang, "notifications/feedback.html", {"score": score, "commented": False})
