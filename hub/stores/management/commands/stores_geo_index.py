from django.core.management.base import BaseCommand

from hub.stores.geo import ensure_city_index


class Command(BaseCommand):
    help = "Build the offline geocoding index (cities and postcodes from PyPI data) ahead of use."

    def handle(self, *args, **options) -> None:  # type: ignore[no-untyped-def]
        path = ensure_city_index()
        self.stdout.write(f"geocoding index ready: {path}")
