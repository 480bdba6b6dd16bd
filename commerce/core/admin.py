"""Admin site identity and small helpers shared by the commerce apps' admin modules.

Admin classes stay thin: they parse input, call one service and show the
result. A DomainError from a service becomes an admin message or a form
error, never a 500.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import admin, messages
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .errors import DomainError

admin.site.site_header = _("Omniport administration")
admin.site.site_title = _("Omniport admin")
admin.site.index_title = _("Catalog, channels, stock and orders")


class ReadOnlyAdminMixin:
    """For records written only by services (ledger rows, orders' history): view only."""

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


def run_service_per_object(
    request: HttpRequest,
    queryset: QuerySet,
    service: Callable[[Any], Any],
    *,
    success: str | Promise,
    label: Callable[[Any], str] = str,
) -> tuple[int, list[str]]:
    """Call ``service`` for each selected object; each call is its own transaction.

    Domain errors are reported per object as admin error messages; the others
    still go through. Returns (successes, failure messages).
    """
    done = 0
    failures: list[str] = []
    for obj in queryset:
        try:
            service(obj)
        except DomainError as exc:
            failures.append(f"{label(obj)}: {exc.message}")
        else:
            done += 1
    if done:
        messages.success(request, success % {"count": done})
    for failure in failures:
        messages.error(request, failure)
    return done, failures
