from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import path
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from . import admin_views
from .models import (
    ConsentEvent,
    Coupon,
    FlowSetting,
    InboxMessage,
    MessageLog,
    MessageStatus,
    MissingTranslation,
    NpsResponse,
    Suppression,
)
from .rendering import scan_missing_translations
from .services import flows
from .services.mailer import message_requeue


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(MessageLog)
class MessageLogAdmin(ReadOnlyAdmin):
    change_list_template = "admin/notifications/messagelog/change_list.html"
    list_display = ("created_at", "kind", "to_email", "language", "status", "attempts",
                    "sent_at", "short_error")
    list_filter = ("status", "flow", "marketing", "kind", "language", "channel")
    search_fields = ("to_email", "idempotency_key", "subject", "message_id")
    date_hierarchy = "created_at"
    list_select_related = ("channel",)
    readonly_fields = [f.name for f in MessageLog._meta.fields]
    actions = ["requeue"]

    @admin.display(description=_("error"))
    def short_error(self, obj: MessageLog) -> str:
        return obj.error[:80]

    @admin.action(description=_("Send again (failed or stuck messages only)"))
    def requeue(self, request: HttpRequest, queryset: QuerySet[MessageLog]) -> None:
        count = sum(message_requeue(log) for log in queryset.filter(
            status__in=[MessageStatus.FAILED, MessageStatus.SENDING]))
        self.message_user(request, _("%(count)d message(s) queued again.") % {"count": count})

    def get_urls(self) -> list[Any]:
        view = self.admin_site.admin_view
        return [
            path("preview/", view(admin_views.preview_index), name="notifications_preview"),
            path("preview/<str:kind>/<str:lang>/", view(admin_views.preview_email),
                 name="notifications_preview_email"),
            *super().get_urls(),
        ]


@admin.register(FlowSetting)
class FlowSettingAdmin(admin.ModelAdmin):
    list_display = ("channel", "flow", "enabled", "delays_hours", "coupon_percent_off",
                    "coupon_valid_days")
    list_editable = ("enabled", "delays_hours")
    list_filter = ("flow", "enabled", "channel")

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        flows.ensure_flow_settings()  # one row per storefront channel and flow
        return super().changelist_view(request, extra_context)


@admin.register(ConsentEvent)
class ConsentEventAdmin(ReadOnlyAdmin):
    list_display = ("at", "email", "action", "source", "ip", "channel")
    list_filter = ("action", "source", "channel")
    search_fields = ("email",)
    date_hierarchy = "at"


@admin.register(Suppression)
class SuppressionAdmin(admin.ModelAdmin):
    list_display = ("email", "reason", "esp_name", "created_at")
    list_filter = ("reason", "esp_name")
    search_fields = ("email",)


@admin.register(Coupon)
class CouponAdmin(admin.ModelAdmin):
    list_display = ("code", "kind", "customer", "percent_off", "valid_until", "redeemed_at",
                    "redeemed_order")
    list_filter = ("kind",)
    search_fields = ("code", "customer__email")
    raw_id_fields = ("customer", "redeemed_order", "message")
    readonly_fields = ("redeemed_at", "redeemed_order", "message")


@admin.register(NpsResponse)
class NpsResponseAdmin(ReadOnlyAdmin):
    list_display = ("responded_at", "order", "score", "language", "comment")
    list_filter = ("score", "language")
    search_fields = ("order__number", "comment")


@admin.register(MissingTranslation)
class MissingTranslationAdmin(ReadOnlyAdmin):
    list_display = ("language", "msgid", "template", "first_seen")
    list_filter = ("language", "template")
    search_fields = ("msgid",)
    actions = ["rescan"]

    @admin.action(description=_("Re-scan all email templates"))
    def rescan(self, request: HttpRequest, queryset: QuerySet[MissingTranslation]) -> None:
        count = scan_missing_translations()
        self.message_user(request, _("%(count)d missing translation(s).") % {"count": count},
                          messages.WARNING if count else messages.SUCCESS)

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        if request.method == "GET" and "rescan" in request.GET:
            scan_missing_translations()
            return HttpResponseRedirect(request.path)
        return super().changelist_view(request, extra_context)


@admin.register(InboxMessage)
class InboxMessageAdmin(ReadOnlyAdmin):
    """The development inbox: every message the local SMTP server (devsmtp) caught."""

    list_display = ("received_at", "subject", "to", "mail_from")
    search_fields = ("subject", "message_id")
    fields = ("received_at", "mail_from", "recipients", "subject", "message_id", "rendered")
    readonly_fields = fields

    @admin.display(description=_("to"))
    def to(self, obj: InboxMessage) -> str:
        return ", ".join(obj.recipients)

    @admin.display(description=_("message"))
    def rendered(self, obj: InboxMessage) -> str:
        parsed = admin_views.parse_message(bytes(obj.raw))
        headers = format_html_join("", "<tr><th>{}</th><td>{}</td></tr>", parsed["headers"])
        return format_html(
            '<table class="inbox-headers">{}</table>'
            '<h3>HTML</h3><iframe sandbox="" referrerpolicy="no-referrer" '
            'style="width:100%;min-height:600px;border:1px solid #ccc" srcdoc="{}"></iframe>'
            '<h3>Text</h3><pre style="white-space:pre-wrap">{}</pre>'
            '<p>{}</p>',
            headers, parsed["html"], parsed["text"],
            ", ".join(parsed["attachments"]),
        )
