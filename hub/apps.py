from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HubConfig(AppConfig):
    name = "hub"
    label = "hub"
    verbose_name = _("Marketplace hub")

    def ready(self) -> None:
        from commerce.inventory.hooks import register_stock_changed_listener
        from commerce.pricing.hooks import register_fx_rates_changed_listener

        from .alert_mail import mail_alert
        from .hooks import register_alert_listener
        from .services.listings import fx_rates_changed
        from .services.outbox import on_stock_changed

        # Every stock change writes the hub's outbox rows in its own transaction.
        register_stock_changed_listener(on_stock_changed)
        # So does every FX rate change, for listings priced by derived rules.
        register_fx_rates_changed_listener(fx_rates_changed)
        # Staff hear about each newly opened alert by email (after its commit).
        register_alert_listener(mail_alert)
