"""Admin for the hub: accounts (health, pause/resume), listings (status, marketplace
messages), the sync outbox with dead letters, the sync log, order imports and alerts.

Admin classes stay thin: every action calls one service.
"""

from __future__ import annotations

import json

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.db.models import Count, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from commerce.catalog.models import Category
from commerce.core.errors import DomainError

from . import services
from .connectors import documented_rate_limits
from .errors import HubError
from .models import (
    Alert,
    CategoryMapping,
    Listing,
    MarketplaceAccount,
    MarketplaceProduct,
    OrderImport,
    OutboxEntry,
    OutboxStatus,
    PriceRule,
    PublishBatch,
    QuantityRule,
    SyncLog,
)
from .selectors import publish_progress
from .services.listings import EDITABLE_FIELDS

SECRET_FIELDS = ("client_id", "client_secret", "refresh_token", "extra_credentials")


def _queue_on_commit(task, *args) -> None:  # noqa: ANN001
    transaction.on_commit(lambda: task.delay(*args), robust=True)


# --------------------------------------------------------------------------- accounts


class MarketplaceAccountForm(forms.ModelForm):
    """Secrets are write-only: left empty, the stored value is kept."""

    endpoint = forms.URLField(label=_("API endpoint"), max_length=300, required=False,
                              assume_scheme="https")
    auth_endpoint = forms.URLField(label=_("token endpoint"), max_length=300, required=False,
                                   assume_scheme="https")

    class Meta:
        model = MarketplaceAccount
        fields = "__all__"  # noqa: DJ007
        widgets = {name: forms.PasswordInput(render_value=False) for name in SECRET_FIELDS}

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        for name in SECRET_FIELDS:
            self.fields[name].required = False
            if self.instance.pk and getattr(self.instance, name):
                self.fields[name].help_text = _("Stored (encrypted). Leave empty to keep it.")

    def clean_extra_credentials(self) -> str:
        value = self.cleaned_data.get("extra_credentials") or ""
        if value:
            try:
                parsed = json.loads(value)
            except ValueError as exc:
                raise forms.ValidationError(_("Enter a JSON object.")) from exc
            if not isinstance(parsed, dict):
                raise forms.ValidationError(_("Enter a JSON object."))
        return value

    def clean(self):  # type: ignore[no-untyped-def]
        data = super().clean() or {}
        channel = data.get("channel")
        if channel is not None and channel.kind != "marketplace":
            self.add_error("channel", _("Choose a marketplace channel."))
        if self.instance.pk:
            for name in SECRET_FIELDS:
                if not data.get(name):
                    data[name] = getattr(self.instance, name)
        return data


class CategoryMappingInline(admin.TabularInline):
    model = CategoryMapping
    extra = 0
    raw_id_fields = ("category",)


class PublishCategoryForm(forms.Form):
    category = forms.ModelChoiceField(queryset=Category.objects.all(), label=_("Category"))
    include_subcategories = forms.BooleanField(required=False, initial=True,
                                               label=_("Include subcategories"))
    price_rule = forms.ModelChoiceField(queryset=PriceRule.objects.all(), required=False,
                                        label=_("Price rule"))
    quantity_rule = forms.ModelChoiceField(queryset=QuantityRule.objects.all(), required=False,
                                           label=_("Quantity rule"))


def _count(status_filter: Q) -> Coalesce:
    sub = (OutboxEntry.objects.filter(status_filter, account=OuterRef("pk")).order_by()
           .values("account").annotate(n=Count("pk")).values("n"))
    return Coalesce(Subquery(sub, output_field=IntegerField()), 0)


@admin.register(MarketplaceAccount)
class MarketplaceAccountAdmin(admin.ModelAdmin):
    form = MarketplaceAccountForm
    inlines = [CategoryMappingInline]
    list_display = ("channel", "connector", "site", "status_badge", "backlog", "dead_letters",
                    "listing_errors", "last_sync_at", "last_reconciled_at", "orders_polled_at",
                    "publish_link")
    list_filter = ("connector", "status")
    search_fields = ("channel__name", "channel__slug", "site", "seller_id")
    readonly_fields = ("paused_at", "orders_polled_at", "last_sync_at", "last_reconciled_at",
                       "last_error", "created_at", "updated_at")
    actions = ("pause_accounts", "resume_accounts", "seed_rate_limits", "drain_now",
               "reconcile_now", "poll_orders_now")
    fieldsets = (
        (None, {"fields": ("channel", "connector", "site", "site_language", "seller_id",
                           "status", "paused_reason", "paused_at")}),
        (_("Credentials"), {"fields": ("endpoint", "auth_endpoint", *SECRET_FIELDS)}),
        (_("Sync"), {"fields": ("rate_limits", "default_price_rule", "default_quantity_rule",
                                "auto_delist_at", "last_sync_at", "last_reconciled_at",
                                "last_error")}),
        (_("Orders"), {"fields": ("oversell_policy", "orders_cursor", "orders_overlap_seconds",
                                  "orders_polled_at")}),
    )

    def get_queryset(self, request: HttpRequest):  # type: ignore[no-untyped-def]
        return super().get_queryset(request).select_related("channel").annotate(
            _backlog=_count(Q(status__in=[OutboxStatus.PENDING, OutboxStatus.IN_FLIGHT])),
            _dead=_count(Q(status=OutboxStatus.DEAD)),
            _errors=Coalesce(Subquery(
                Listing.objects.filter(account=OuterRef("pk"), status="error").order_by()
                .values("account").annotate(n=Count("pk")).values("n"),
                output_field=IntegerField()), 0),
        )

    @admin.display(description=_("status"), ordering="status")
    def status_badge(self, obj: MarketplaceAccount) -> str:
        if obj.is_active:
            return str(_("Active"))
        return format_html("<strong>{}</strong>: {}", _("Paused"), obj.paused_reason)

    @admin.display(description=_("backlog"), ordering="_backlog")
    def backlog(self, obj: MarketplaceAccount) -> int:
        return obj._backlog  # type: ignore[attr-defined]

    @admin.display(description=_("dead letters"), ordering="_dead")
    def dead_letters(self, obj: MarketplaceAccount) -> str:
        n = obj._dead  # type: ignore[attr-defined]
        if not n:
            return "0"
        url = reverse("admin:hub_outboxentry_changelist") + f"?status=dead&account__id__exact={obj.pk}"
        return format_html('<a href="{}">{}</a>', url, n)

    @admin.display(description=_("listing errors"), ordering="_errors")
    def listing_errors(self, obj: MarketplaceAccount) -> str:
        n = obj._errors  # type: ignore[attr-defined]
        if not n:
            return "0"
        url = reverse("admin:hub_listing_changelist") + f"?status=error&account__id__exact={obj.pk}"
        return format_html('<a href="{}">{}</a>', url, n)

    @admin.display(description=_("publish"))
    def publish_link(self, obj: MarketplaceAccount) -> str:
        url = reverse("admin:hub_marketplaceaccount_publish_category", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("Publish a category…"))

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        if not change and not obj.rate_limits:
            try:
                obj.rate_limits = documented_rate_limits(obj.connector)
            except HubError as exc:
                self.message_user(request, exc.message, messages.WARNING)
        super().save_model(request, obj, form, change)

    @admin.action(description=_("Pause syncing"))
    def pause_accounts(self, request, queryset):  # type: ignore[no-untyped-def]
        for account in queryset:
            services.account_pause(account, _("Paused by %(user)s.") % {"user": request.user})
        self.message_user(request, _("Paused."))

    @admin.action(description=_("Resume syncing"))
    def resume_accounts(self, request, queryset):  # type: ignore[no-untyped-def]
        for account in queryset:
            services.account_resume(account)
        self.message_user(request, _("Resumed: queued changes are being pushed."))

    @admin.action(description=_("Reset rate limits to the documented ones"))
    def seed_rate_limits(self, request, queryset):  # type: ignore[no-untyped-def]
        for account in queryset:
            try:
                services.account_seed_rate_limits(account, overwrite=True)
            except HubError as exc:
                self.message_user(request, exc.message, messages.ERROR)

    @admin.action(description=_("Push queued changes now"))
    def drain_now(self, request, queryset):  # type: ignore[no-untyped-def]
        from .tasks import sync_drain

        for account in queryset:
            _queue_on_commit(sync_drain, account.pk)
        self.message_user(request, _("Queued."))

    @admin.action(description=_("Read back and repair drift now"))
    def reconcile_now(self, request, queryset):  # type: ignore[no-untyped-def]
        from .tasks import sync_reconcile

        for account in queryset:
            _queue_on_commit(sync_reconcile, account.pk)
        self.message_user(request, _("Queued."))

    @admin.action(description=_("Import orders now"))
    def poll_orders_now(self, request, queryset):  # type: ignore[no-untyped-def]
        from .tasks import orders_poll

        for account in queryset:
            _queue_on_commit(orders_poll, account.pk)
        self.message_user(request, _("Queued."))

    def get_urls(self):  # type: ignore[no-untyped-def]
        return [
            path("<int:pk>/publish-category/",
                 self.admin_site.admin_view(self.publish_category_view),
                 name="hub_marketplaceaccount_publish_category"),
            *super().get_urls(),
        ]

    def publish_category_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """Bulk publish: every variant of a category (and below) onto this marketplace."""
        account = get_object_or_404(MarketplaceAccount, pk=pk)
        if not self.has_change_permission(request, account):
            return HttpResponseRedirect(reverse("admin:index"))
        form = PublishCategoryForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            result = services.listings_publish_category(
                account, form.cleaned_data["category"],
                include_subcategories=form.cleaned_data["include_subcategories"],
                price_rule=form.cleaned_data["price_rule"],
                quantity_rule=form.cleaned_data["quantity_rule"], user=request.user)
            self.message_user(request, _("%(published)d listings queued for publishing "
                                         "(%(created)d new).") % result)
            return HttpResponseRedirect(
                reverse("admin:hub_publishbatch_change", args=[result["batch"]]))
        context = {**self.admin_site.each_context(request), "form": form, "account": account,
                   "opts": self.model._meta, "title": _("Publish a category on %(ch)s")
                   % {"ch": account.channel}}
        return TemplateResponse(request, "admin/hub/publish_category.html", context)


# --------------------------------------------------------------------------- listings


class ListingForm(forms.ModelForm):
    class Meta:
        model = Listing
        fields = ("account", "variant", "sku", *sorted(EDITABLE_FIELDS))


@admin.register(Listing)
class ListingAdmin(admin.ModelAdmin):
    form = ListingForm
    list_display = ("sku", "account", "status", "is_live", "pushed_quantity", "pushed_price",
                    "remote_quantity", "last_sync_ok", "last_sync_result", "last_sync_at")
    list_filter = ("status", "is_live", "last_sync_ok", "auto_delisted", "account")
    search_fields = ("sku", "variant__sku", "variant__product__name", "external_id")
    list_select_related = ("account__channel",)
    raw_id_fields = ("variant",)
    actions = ("publish", "delist", "relist", "force_resync")
    readonly_fields = ("status", "is_live", "auto_delisted", "pushed_quantity", "pushed_price",
                       "pushed_at", "remote_quantity", "remote_price", "reconciled_at",
                       "last_sync_at", "last_sync_ok", "last_sync_result", "error_code",
                       "messages_list", "created_at", "updated_at")

    def get_readonly_fields(self, request, obj=None):  # type: ignore[no-untyped-def]
        fields = list(self.readonly_fields)
        if obj is not None:
            fields += ["account", "variant", "sku"]
        return fields

    @admin.display(description=_("marketplace messages"))
    def messages_list(self, obj: Listing) -> str:
        return format_html_join("", "<p>{}</p>", ((m,) for m in obj.marketplace_messages or []))

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        # Through the services, so every edit queues its push.
        edits = {name: form.cleaned_data[name] for name in EDITABLE_FIELDS
                 if name in form.changed_data}
        try:
            if change:
                services.listing_update(obj, **edits)
            else:
                created = services.listing_create(obj.account, obj.variant, sku=obj.sku, **{
                    name: form.cleaned_data[name] for name in EDITABLE_FIELDS
                    if name in form.cleaned_data})
                obj.pk = created.pk
                obj._state.adding = False
        except DomainError as exc:
            self.message_user(request, exc.message, messages.ERROR)

    @admin.action(description=_("Publish on the marketplace"))
    def publish(self, request, queryset):  # type: ignore[no-untyped-def]
        n = services.listings_relist(queryset)
        self.message_user(request, ngettext("%d listing queued.", "%d listings queued.", n) % n)

    @admin.action(description=_("Delist from the marketplace"))
    def delist(self, request, queryset):  # type: ignore[no-untyped-def]
        n = services.listings_delist(queryset)
        self.message_user(request, ngettext("%d listing queued.", "%d listings queued.", n) % n)

    @admin.action(description=_("Relist on the marketplace"))
    def relist(self, request, queryset):  # type: ignore[no-untyped-def]
        n = services.listings_relist(queryset.exclude(status="draft"))
        self.message_user(request, ngettext("%d listing queued.", "%d listings queued.", n) % n)

    @admin.action(description=_("Push price and quantity again"))
    def force_resync(self, request, queryset):  # type: ignore[no-untyped-def]
        n = services.listings_force_resync(queryset)
        self.message_user(request, ngettext("%d listing queued.", "%d listings queued.", n) % n)


@admin.register(PriceRule)
class PriceRuleAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "source_channel", "markup_percent", "rounding_ending")

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        super().save_model(request, obj, form, change)
        if change:
            services.rule_changed(obj)


@admin.register(QuantityRule)
class QuantityRuleAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "percent_of_available", "buffer_units", "max_units")

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        super().save_model(request, obj, form, change)
        if change:
            services.rule_changed(obj)


@admin.register(MarketplaceProduct)
class MarketplaceProductAdmin(admin.ModelAdmin):
    """Products with their marketplace listings: delist or relist everywhere at once."""

    list_display = ("name", "live_listings", "listings")
    search_fields = ("name", "slug", "variants__sku")
    actions = ("delist_everywhere", "relist_everywhere")

    def get_queryset(self, request):  # type: ignore[no-untyped-def]
        return super().get_queryset(request).annotate(
            _listings=Count("variants__marketplace_listings", distinct=True),
            _live=Count("variants__marketplace_listings",
                        filter=Q(variants__marketplace_listings__is_live=True), distinct=True))

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return request.user.has_perm("hub.change_listing")

    def has_view_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return request.user.has_perm("hub.view_listing") or self.has_change_permission(request)

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    @admin.display(description=_("listings"), ordering="_listings")
    def listings(self, obj) -> int:  # noqa: ANN001
        return obj._listings

    @admin.display(description=_("live"), ordering="_live")
    def live_listings(self, obj) -> int:  # noqa: ANN001
        return obj._live

    @admin.action(description=_("Delist on every marketplace"))
    def delist_everywhere(self, request, queryset):  # type: ignore[no-untyped-def]
        n = sum(services.product_delist_everywhere(p) for p in queryset)
        self.message_user(request, ngettext("%d listing queued for delisting.",
                                            "%d listings queued for delisting.", n) % n)

    @admin.action(description=_("Relist on every marketplace"))
    def relist_everywhere(self, request, queryset):  # type: ignore[no-untyped-def]
        n = sum(services.product_relist_everywhere(p) for p in queryset)
        self.message_user(request, ngettext("%d listing queued for relisting.",
                                            "%d listings queued for relisting.", n) % n)


# --------------------------------------------------------------------------- outbox & log


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(OutboxEntry)
class OutboxEntryAdmin(ReadOnlyAdmin):
    list_display = ("pk", "account", "kind", "subject", "reason", "status", "attempts",
                    "available_at", "short_error", "created_at")
    list_filter = ("status", "kind", "account")
    search_fields = ("subject", "last_error", "listing__sku", "order__external_id")
    list_select_related = ("account__channel",)
    actions = ("retry",)

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        # Needed for the retry action; every field stays read-only.
        return request.user.has_perm("hub.change_outboxentry")

    def get_readonly_fields(self, request, obj=None):  # type: ignore[no-untyped-def]
        return [f.name for f in self.model._meta.fields]

    @admin.display(description=_("last error"))
    def short_error(self, obj: OutboxEntry) -> str:
        return obj.last_error[:120]

    @admin.action(description=_("Retry (dead letters and rejected)"))
    def retry(self, request, queryset):  # type: ignore[no-untyped-def]
        n = services.outbox_retry(queryset)
        self.message_user(request, ngettext("%d entry queued again.", "%d entries queued again.",
                                            n) % n)


@admin.register(SyncLog)
class SyncLogAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "account", "operation", "items", "failed", "ok", "error_class",
                    "duration_ms", "submission_id")
    list_filter = ("ok", "operation", "error_class", "account")
    search_fields = ("message", "submission_id")
    date_hierarchy = "created_at"


# --------------------------------------------------------------------------- orders & alerts


@admin.register(PublishBatch)
class PublishBatchAdmin(ReadOnlyAdmin):
    """Progress of bulk publishes: accepted by the marketplace, in error, still queued.
    The page refreshes itself while a batch is still running."""

    list_display = ("created_at", "account", "category", "progress", "created_count",
                    "created_by")
    list_filter = ("account",)
    list_select_related = ("account__channel", "category", "created_by")
    fields = ("account", "category", "created_at", "created_by", "created_count", "progress",
              "listings_link")
    readonly_fields = fields
    change_form_template = "admin/hub/publishbatch/change_form.html"

    @admin.display(description=_("progress"))
    def progress(self, obj: PublishBatch) -> str:
        p = publish_progress(obj)
        return format_html(
            '<progress max="100" value="{}"></progress> {}',
            p.percent,
            _("%(live)d of %(total)d live, %(failed)d failed, %(pending)d queued") % {
                "live": p.live, "total": p.total, "failed": p.failed, "pending": p.pending})

    @admin.display(description=_("listings"))
    def listings_link(self, obj: PublishBatch) -> str:
        url = reverse("admin:hub_listing_changelist") + f"?account__id__exact={obj.account_id}"
        return format_html('<a href="{}">{}</a>', url, _("Listings of this account"))

    def change_view(self, request, object_id, form_url="", extra_context=None):  # type: ignore[no-untyped-def]
        batch = self.get_object(request, object_id)
        running = batch is not None and not publish_progress(batch).finished
        return super().change_view(request, object_id, form_url,
                                   {**(extra_context or {}), "refresh_seconds": 5 if running else 0})


@admin.register(OrderImport)
class OrderImportAdmin(ReadOnlyAdmin):
    list_display = ("external_id", "account", "status", "order_link", "remote_status",
                    "remote_updated_at", "error_message", "updated_at")
    list_filter = ("status", "account", "remote_status")
    search_fields = ("external_id", "error_message")
    list_select_related = ("account__channel", "order")
    actions = ("reprocess",)

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return request.user.has_perm("hub.change_orderimport")

    def get_readonly_fields(self, request, obj=None):  # type: ignore[no-untyped-def]
        return [f.name for f in self.model._meta.fields]

    @admin.display(description=_("order"))
    def order_link(self, obj: OrderImport) -> str:
        if obj.order is None:
            return "—"
        return str(obj.order)

    @admin.action(description=_("Re-process (after fixing the SKU mapping)"))
    def reprocess(self, request, queryset):  # type: ignore[no-untyped-def]
        outcomes: dict[str, int] = {}
        for record in queryset:
            try:
                _record, outcome = services.order_import_reprocess(record)
            except DomainError as exc:
                self.message_user(request, f"{record.external_id}: {exc.message}", messages.ERROR)
                continue
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
        if outcomes:
            self.message_user(request, ", ".join(f"{k}: {v}" for k, v in sorted(outcomes.items())))


@admin.register(Alert)
class AlertAdmin(ReadOnlyAdmin):
    list_display = ("last_seen_at", "severity", "kind", "message", "account", "occurrences",
                    "is_open")
    list_filter = ("is_open", "severity", "kind", "account")
    search_fields = ("message",)
    actions = ("resolve",)

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return request.user.has_perm("hub.change_alert")

    def get_readonly_fields(self, request, obj=None):  # type: ignore[no-untyped-def]
        return [f.name for f in self.model._meta.fields]

    @admin.action(description=_("Mark resolved"))
    def resolve(self, request, queryset):  # type: ignore[no-untyped-def]
        n = services.alerts_resolve(queryset, user=request.user)
        self.message_user(request, ngettext("%d alert resolved.", "%d alerts resolved.", n) % n)
