from django.apps import AppConfig


class StorefrontConfig(AppConfig):
    name = "storefront"
    label = "storefront"
    verbose_name = "Storefront"

    def ready(self) -> None:
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from .cache import on_catalog_write

        # Cache invalidation only (see storefront.cache): any catalogue write renews the
        # generation that cached pages and reference data are checked against.
        post_save.connect(on_catalog_write, dispatch_uid="storefront-catalog-save")
        post_delete.connect(on_catalog_write, dispatch_uid="storefront-catalog-delete")
        m2m_changed.connect(on_catalog_write, dispatch_uid="storefront-catalog-m2m")
