from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from storefront.demo import seed_demo_catalog


class Command(BaseCommand):
    help = "Create the demo markets and catalog (idempotent): --products N demo products."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--products", type=int, default=200)

    def handle(self, *args: Any, **options: Any) -> None:
        result = seed_demo_catalog(products=options["products"])
        if options["verbosity"]:
            self.stdout.write(f"created {result.created} products; {result.total} demo products")
