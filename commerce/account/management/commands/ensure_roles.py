"""Create or repair the staff role groups (Catalog manager, Warehouse staff, …)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from commerce.account.roles import ROLES, ensure_roles


class Command(BaseCommand):
    help = "Create or repair the staff role groups and their permissions (idempotent)."

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        groups = ensure_roles()
        for role in ROLES:
            group = groups[role.name]
            self.stdout.write(f"{group.name}: {group.permissions.count()} permissions. "
                              f"{role.description}")
