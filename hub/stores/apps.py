from django.apps import AppConfig


class StoresConfig(AppConfig):
    name = "hub.stores"
    label = "stores"
    verbose_name = "Stores (O2O)"

    def ready(self) -> None:
        # Pickup at a store becomes a checkout delivery method. Commerce never imports the
        # hub: it offers the provider registry, the hub plugs in here (and the checkout
        # creates its orders through routing via settings.CHECKOUT_ORDER_CREATOR).
        from commerce.checkout.delivery import register_delivery_provider
        from hub.hooks import set_order_routing_hook

        from .integrations import create_imported_order
        from .pickup import checkout_provider

        register_delivery_provider(checkout_provider)

        # The product page's "available for pickup at N stores" line.
        from storefront.hooks import register_pickup_selector

        from .selectors import pickup_summary

        register_pickup_selector(pickup_summary)

        # Imported marketplace orders are routed like checkout orders (rules, stores, trace),
        # and so are oversold ones kept as backorders, whose waiting lines are allocated in
        # the routed warehouses once stock of them comes free.
        from commerce.inventory.hooks import register_stock_changed_listener
        from hub.hooks import set_backorder_hook

        from .backorders import create_imported_backorder, on_stock_changed

        set_order_routing_hook(create_imported_order)
        set_backorder_hook(create_imported_backorder)
        register_stock_changed_listener(on_stock_changed)
