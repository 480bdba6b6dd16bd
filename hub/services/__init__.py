"""Hub services (writes). Split by area; the names below are the public surface."""

from .accounts import account_create, account_pause, account_resume, account_seed_rate_limits
from .alerts import alert_raise, alert_resolve, alerts_resolve
from .listings import (
    fx_rates_changed,
    listing_create,
    listing_delist,
    listing_publish,
    listing_relist,
    listing_update,
    listings_delist,
    listings_force_resync,
    listings_publish_category,
    listings_relist,
    product_delist_everywhere,
    product_relist_everywhere,
    rule_changed,
)
from .orders import (
    account_orders_poll,
    order_import_remote,
    order_import_reprocess,
    order_ship_confirm,
    orders_poll,
    orders_process,
    orders_receive,
)
from .outbox import (
    on_stock_changed,
    outbox_purge,
    outbox_retry,
    request_drain,
    variants_prices_changed,
)
from .reconcile import account_reconcile, sync_reconcile
from .stock import low_stock_check
from .sync import backoff_delay, sync_drain

__all__ = [
    "account_create", "account_orders_poll", "account_pause", "account_reconcile",
    "account_resume", "account_seed_rate_limits", "alert_raise", "alert_resolve",
    "alerts_resolve", "backoff_delay", "fx_rates_changed", "rule_changed", "listing_create", "listing_delist", "listing_publish",
    "listing_relist", "listing_update", "listings_delist", "listings_force_resync",
    "listings_publish_category", "listings_relist", "low_stock_check", "on_stock_changed",
    "order_import_remote", "order_import_reprocess", "order_ship_confirm", "orders_poll", "orders_process", "orders_receive",
    "outbox_purge", "outbox_retry", "product_delist_everywhere", "product_relist_everywhere",
    "request_drain", "sync_drain", "sync_reconcile", "variants_prices_changed",
]
