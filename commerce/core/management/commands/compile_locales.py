"""Compile locales/*/LC_MESSAGES/*.po into .mo with Babel (no gettext binaries needed)."""

from __future__ import annotations

from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Compile gettext catalogs in LOCALE_PATHS to .mo files."

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        count = 0
        for root in settings.LOCALE_PATHS:
            for po_path in sorted(Path(root).glob("*/LC_MESSAGES/*.po")):
                mo_path = po_path.with_suffix(".mo")
                if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
                    continue
                with po_path.open("rb") as fh:
                    catalog = read_po(fh, locale=po_path.parent.parent.name)
                errors = list(catalog.check())
                if errors:
                    raise CommandError(f"{po_path}: {errors[0]}")
                with mo_path.open("wb") as fh:
                    write_mo(fh, catalog, use_fuzzy=False)
                count += 1
        if options["verbosity"] > 1:
            self.stdout.write(f"compiled {count} catalogs")
