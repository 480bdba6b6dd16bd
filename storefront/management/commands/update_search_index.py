from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from storefront.services import search_index_update


class Command(BaseCommand):
    help = "Rebuild storefront search vectors (products marked dirty, or all with --all)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--all", action="store_true", help="Re-index every product.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["all"]:
            from commerce.catalog.models import Product

            count = search_index_update(Product.objects.values_list("pk", flat=True))
        else:
            count = search_index_update()
        if options["verbosity"]:
            self.stdout.write(f"indexed {count} products")
