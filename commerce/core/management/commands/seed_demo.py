"""Load the demo shop: channels, warehouses, staff roles and logins, a translated catalog."""

from __future__ import annotations

import sys
import time

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from commerce.demo.seed import SeedRefused, seed_demo


class Command(BaseCommand):
    help = ("Create demo data (deterministic, idempotent): 6 channels, 5 warehouses, staff "
            "roles, demo logins, N translated products with prices and stock, shipping rates "
            "and email flows, then the seeds listed in settings.DEMO_SEED_EXTENSIONS.")

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--products", type=int, default=200,
                            help="How many products the demo catalog should hold (default 200).")
        parser.add_argument("--no-progress", action="store_true",
                            help="Do not draw a progress bar.")

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        n = options["products"]
        if n < 0:
            raise CommandError("--products must be zero or more.")
        started = time.monotonic()
        show = not options["no_progress"] and options["verbosity"] > 0
        with tqdm(total=n, unit="products", desc="Seeding demo", disable=not show,
                  file=sys.stderr) as bar:
            try:
                report = seed_demo(n, progress=bar.update)
            except SeedRefused as exc:
                raise CommandError(str(exc)) from exc
        elapsed = time.monotonic() - started
        out = self.stdout
        if report.already_seeded and not report.created:
            out.write(self.style.SUCCESS(
                f"Demo data already present ({report.skipped_products} products): nothing to do."))
        else:
            out.write(self.style.SUCCESS(f"Demo data seeded in {elapsed:.1f} s."))
            for what, count in report.created.items():
                out.write(f"  {what}: {count}")
            if report.skipped_products:
                out.write(f"  products already there: {report.skipped_products}")
        out.write("Demo logins (email / password / role):")
        for email, password, role in report.logins:
            shown = password if password in ("admin", "demo") else "(from DEMO_*_PASSWORD)"
            out.write(f"  {email} / {shown} / {role}")
