"""Storefront writes: search index upkeep, shopper accounts and their address book."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.db import IntegrityError, connection, transaction
from django.db.models import Prefetch, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from commerce.account.models import Address, Customer, User
from commerce.catalog.models import Category, CategoryTranslation, Product, ProductTranslation
from commerce.checkout.models import Checkout
from commerce.core.errors import DomainError
from commerce.notifications import conf as email_conf
from commerce.notifications.services import (
    consent_request,
    send_account_confirmation,
    send_password_reset,
    send_safely,
)
from commerce.notifications.tokens import TokenInvalid, TokenPurpose, make_token, read_token
from commerce.orders.models import Order

from .cache import bump_catalog_generation
from .market import LANGUAGE_CODES
from .search import base_fields, cjk_vector_literal, config_for, is_cjk, translation_fields


# --- search index ------------------------------------------------------------------
def _index_batch(ids: list[int]) -> None:
    """Write the search vectors of these products: set-based SQL for languages with a
    text search config, Python-built bigram literals for Japanese and Chinese."""
    base_language = settings.LANGUAGE_CODE
    product_table = connection.ops.quote_name(Product._meta.db_table)
    translation_table = connection.ops.quote_name(ProductTranslation._meta.db_table)
    category_table = connection.ops.quote_name(Category._meta.db_table)
    category_tr_table = connection.ops.quote_name(CategoryTranslation._meta.db_table)
    # Plain joins (UPDATE … FROM) so the plan does not depend on fresh statistics
    # right after a bulk import.
    with connection.cursor() as cursor:
        if not is_cjk(base_language):
            cursor.execute(
                f"UPDATE {product_table} AS p SET search_vector = "  # noqa: S608 (tables from model meta)
                "setweight(to_tsvector(%(cfg)s::regconfig, coalesce(p.name, '')), 'A') || "
                "setweight(to_tsvector(%(cfg)s::regconfig, coalesce(p.brand, '')), 'B') || "
                "setweight(to_tsvector(%(cfg)s::regconfig, coalesce(pc.category, '')), 'B') || "
                "setweight(to_tsvector(%(cfg)s::regconfig, coalesce(p.description, '')), 'C') "
                f"FROM (SELECT p2.id, c.name AS category FROM {product_table} p2 "
                f"LEFT JOIN {category_table} c ON c.id = p2.category_id "
                "WHERE p2.id = ANY(%(ids)s)) AS pc WHERE p.id = pc.id",
                {"cfg": config_for(base_language), "ids": ids},
            )
        for language in LANGUAGE_CODES:
            if is_cjk(language):
                continue
            cursor.execute(
                f"UPDATE {translation_table} AS t SET search_vector = "  # noqa: S608 (tables from model meta)
                "setweight(to_tsvector(%(cfg)s::regconfig, coalesce(t.name, '')), 'A') || "
                "setweight(to_tsvector(%(cfg)s::regconfig, coalesce(pc.brand, '')), 'B') || "
                "setweight(to_tsvector(%(cfg)s::regconfig, coalesce(pc.category, '')), 'B') || "
                "setweight(to_tsvector(%(cfg)s::regconfig, coalesce(t.description, '')), 'C') "
                f"FROM (SELECT p.id, p.brand, coalesce(ct.name, c.name) AS category "
                f"FROM {product_table} p LEFT JOIN {category_table} c ON c.id = p.category_id "
                f"LEFT JOIN {category_tr_table} ct ON ct.category_id = c.id "
                "AND ct.language_code = %(lang)s WHERE p.id = ANY(%(ids)s)) AS pc "
                "WHERE t.product_id = pc.id AND t.language_code = %(lang)s",
                {"cfg": config_for(language), "lang": language, "ids": ids},
            )
    cjk = [lang for lang in LANGUAGE_CODES if is_cjk(lang)]
    if not cjk and not is_cjk(base_language):
        return
    products = list(
        Product.objects.filter(pk__in=ids).select_related("category")
        .prefetch_related(
            Prefetch("translations", ProductTranslation.objects.filter(language_code__in=cjk)),
            "category__translations",
        )
    )
    product_rows: list[tuple[int, str]] = []
    translation_rows: list[tuple[int, str]] = []
    for product in products:
        category_names = {}
        base_category = product.category.name if product.category else ""
        if product.category is not None:
            category_names = {t.language_code: t.name for t in product.category.translations.all()}
        if is_cjk(base_language):
            product_rows.append((product.pk, cjk_vector_literal(
                base_fields(product, base_category))))
        for tr in product.translations.all():
            category = category_names.get(tr.language_code, base_category)
            translation_rows.append((tr.pk, cjk_vector_literal(
                translation_fields(tr, product.brand, category))))
    _write_vectors(Product._meta.db_table, product_rows)
    _write_vectors(ProductTranslation._meta.db_table, translation_rows)


def _write_vectors(table: str, rows: list[tuple[int, str]], chunk: int = 500) -> None:
    """UPDATE … FROM (VALUES …): one statement per chunk, no per-row CASE."""
    quoted = connection.ops.quote_name(table)
    with connection.cursor() as cursor:
        for start in range(0, len(rows), chunk):
            part = rows[start:start + chunk]
            values = ", ".join(["(%s::bigint, %s::tsvector)"] * len(part))
            params = [value for row in part for value in row]
            cursor.execute(
                f"UPDATE {quoted} AS t SET search_vector = v.vec "  # noqa: S608 (table from model meta)
                f"FROM (VALUES {values}) AS v(id, vec) WHERE t.id = v.id",
                params,
            )


def search_index_update(product_ids: Iterable[int] | None = None, *,
                        batch_size: int = 1000) -> int:
    """Rebuild search vectors of the given products, or of every product marked dirty.

    ``product_translate`` and other catalog edits set ``search_index_dirty``; the
    Celery beat task and ``manage.py update_search_index`` call this. The flag is
    cleared before reading so an edit made meanwhile marks the product again.
    """
    if product_ids is None:
        base = Product.objects.filter(search_index_dirty=True)
    else:
        product_ids = list(product_ids)
        base = Product.objects.filter(pk__in=product_ids)
        if len(product_ids) > batch_size:
            # After a bulk import the planner's statistics still describe empty tables and
            # it picks nested-loop scans for the UPDATE … FROM joins: refresh them first.
            tables = [m._meta.db_table for m in (Product, ProductTranslation, Category,
                                                  CategoryTranslation)]
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE " + ", ".join(map(connection.ops.quote_name, tables)))
    done = 0
    last_pk = 0
    while True:
        ids = list(base.filter(pk__gt=last_pk).order_by("pk").values_list("pk", flat=True)
                   [:batch_size])
        if not ids:
            if done:
                bump_catalog_generation()  # search results and their facets changed
            return done
        last_pk = ids[-1]
        Product.objects.filter(pk__in=ids).update(search_index_dirty=False)
        with transaction.atomic():
            _index_batch(ids)
        done += len(ids)


# --- accounts ----------------------------------------------------------------------
class AccountError(DomainError):
    default_code = "invalid"


@dataclass
class SignUpInput:
    email: str
    password: str
    first_name: str = ""
    last_name: str = ""
    language: str = "en"
    marketing_consent: bool = False
    ip_address: str | None = None


def customer_for_user(user: User) -> Customer:
    """The Customer record of a logged-in shopper (created on first need)."""
    customer = Customer.objects.filter(user=user).first()
    if customer is not None:
        return customer
    customer, _created = Customer.objects.get_or_create(
        email=user.email.lower(), defaults={"user": user, "first_name": user.first_name,
                                            "last_name": user.last_name},
    )
    if customer.user_id is None:
        customer.user = user
        customer.save(update_fields=["user", "updated_at"])
    return customer


@transaction.atomic
def customer_sign_up(data: SignUpInput) -> User:
    """Create a login for a shopper and link it to their Customer record.

    A guest who ordered before keeps their history: the existing Customer with
    that email is attached to the new user.
    """
    email = data.email.strip().lower()
    user_model = get_user_model()
    if user_model.objects.filter(email=email).exists():
        raise AccountError(_("An account with this email already exists. Log in instead."),
                           code="unique", field="email")
    try:
        user = user_model.objects.create_user(email=email, password=data.password,
                                              first_name=data.first_name,
                                              last_name=data.last_name)
    except IntegrityError as exc:  # two sign-ups racing for the same email
        raise AccountError(_("An account with this email already exists. Log in instead."),
                           code="unique", field="email") from exc
    customer = Customer.objects.select_for_update().filter(email=email).first()
    if customer is not None and customer.user_id not in (None, user.pk):
        raise AccountError(_("An account with this email already exists. Log in instead."),
                           code="unique", field="email")
    if customer is None:
        customer = Customer(email=email)
    customer.user = user
    customer.first_name = customer.first_name or data.first_name
    customer.last_name = customer.last_name or data.last_name
    customer.preferred_language = data.language
    customer.save()
    # sent once the account is committed; a problem with an email never blocks the sign-up
    send_safely(account_confirmation_send, user, language=data.language)
    if data.marketing_consent:
        # double opt-in: consent counts once the shopper clicks the link in its own email
        send_safely(consent_request, email, source="storefront-signup", ip=data.ip_address,
                    language=data.language)
    return user


# Account emails a shopper can ask for again: at most one per address in this window.
ACCOUNT_EMAIL_WINDOW_SECONDS = 600


def _link(name: str, language: str, **kwargs: str) -> str:
    """An absolute storefront link under ``language``'s prefix (for emails)."""
    with translation.override(language):
        return email_conf.public_url() + reverse(f"storefront:{name}", kwargs=kwargs)


def _window() -> str:
    return str(int(timezone.now().timestamp()) // ACCOUNT_EMAIL_WINDOW_SECONDS)


def account_confirmation_send(user: User, *, language: str, resend: bool = False) -> bool:
    """Email the "confirm your address" link; False when the address is confirmed already.
    A resend is limited to one per address per ten minutes (the earlier link keeps working).
    """
    if resend and customer_for_user(user).email_confirmed_at is not None:
        return False
    token = make_token(TokenPurpose.ACCOUNT, {"u": user.pk, "e": user.email})
    send_account_confirmation(user, _link("account_confirm", language, token=token),
                              language=language, once_per=_window() if resend else "")
    return True


def account_confirm(token: str) -> Customer:
    """Mark the account's email address as confirmed. Raises TokenInvalid / TokenExpired
    (nothing changes), also when the account's address changed since the link was sent;
    confirming twice keeps the first time."""
    data = read_token(TokenPurpose.ACCOUNT, token,
                      max_age_days=email_conf.ACCOUNT_CONFIRM_MAX_AGE_DAYS)
    user_id = data.get("u")
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first() \
        if isinstance(user_id, int) else None
    if user is None or user.email != data.get("e"):
        raise TokenInvalid("no active account with this address")
    return account_email_confirmed(user)


@transaction.atomic
def account_email_confirmed(user: User) -> Customer:
    """The shopper proved they read this address (confirmation link or password reset)."""
    customer = Customer.objects.select_for_update().get(pk=customer_for_user(user).pk)
    if customer.email_confirmed_at is None:
        customer.email_confirmed_at = timezone.now()
        customer.save(update_fields=["email_confirmed_at", "updated_at"])
    return customer


def password_reset_request(email: str, *, language: str) -> None:
    """Email a link to choose a new password to the account with this address, if there is
    one. Tells the caller nothing either way (no account enumeration): the page looks the
    same. At most one email per address per ten minutes, whose link stays valid."""
    email = (email or "").strip().lower()
    users = get_user_model().objects.filter(email=email, is_active=True)
    valid_hours = max(settings.PASSWORD_RESET_TIMEOUT // 3600, 1)
    for user in users:
        if not user.has_usable_password():
            continue
        link = _link("password_reset_confirm", language,
                     uidb64=urlsafe_base64_encode(force_bytes(user.pk)),
                     token=default_token_generator.make_token(user))
        # the window restarts when the password or last login changes (those void the link)
        state = salted_hmac("storefront.password-reset", f"{user.password}{user.last_login}"
                            ).hexdigest()[:12]
        send_password_reset(user, link, language=language, valid_hours=valid_hours,
                            once_per=f"{_window()}:{state}")


@transaction.atomic
def address_save(customer: Customer, address: Address, *, make_default: bool = False) -> Address:
    """Add or update an address in the customer's book (the form validated it)."""
    if address.pk and not customer.addresses.filter(pk=address.pk).exists():
        raise AccountError(_("This address is not in your address book."), code="not_found")
    address.save()
    customer.addresses.add(address)
    fields = []
    if make_default or customer.default_shipping_address_id is None:
        customer.default_shipping_address = address
        fields.append("default_shipping_address")
    if make_default or customer.default_billing_address_id is None:
        customer.default_billing_address = address
        fields.append("default_billing_address")
    if fields:
        customer.save(update_fields=[*fields, "updated_at"])
    return address


@transaction.atomic
def address_delete(customer: Customer, address_id: int) -> None:
    address = customer.addresses.filter(pk=address_id).first()
    if address is None:
        raise AccountError(_("This address is not in your address book."), code="not_found")
    customer.addresses.remove(address)
    if customer.default_shipping_address_id == address.pk:
        customer.default_shipping_address = None
    if customer.default_billing_address_id == address.pk:
        customer.default_billing_address = None
    customer.save(update_fields=["default_shipping_address", "default_billing_address",
                                 "updated_at"])
    # An address an order or checkout points at stays (SET_NULL would erase it there).
    in_use = (address.customers.exists()
              or Order.objects.filter(Q(shipping_address=address) | Q(billing_address=address)).exists()
              or Checkout.objects.filter(Q(shipping_address=address) | Q(billing_address=address)).exists())
    if not in_use:
        address.delete()


@transaction.atomic
def address_set_default(customer: Customer, address_id: int) -> Address:
    address = customer.addresses.filter(pk=address_id).first()
    if address is None:
        raise AccountError(_("This address is not in your address book."), code="not_found")
    customer.default_shipping_address = address
    customer.default_billing_address = address
    customer.save(update_fields=["default_shipping_address", "default_billing_address",
                                 "updated_at"])
    return address
