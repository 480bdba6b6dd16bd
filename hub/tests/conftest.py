"""Hub test fixtures: a marketplace channel with its account on an in-memory marketplace."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from commerce.channel.models import ChannelKind
from commerce.inventory import services as inventory
from commerce.tests.factories import ChannelFactory, VariantFactory, VariantListingFactory
from connectors.base import RemoteAddress, RemoteOrder, RemoteOrderLine, RemoteOrderStatus
from hub import clock
from hub.connectors import forget_connectors
from hub.models import Listing, MarketplaceAccount
from hub.ratelimit import _client
from hub.services import listing_create, sync_drain
from hub.tests import fakes


def _clear_buckets() -> None:
    client = _client()
    for key in client.scan_iter(match="*hub:bucket:*", count=1000):
        client.delete(key)


@pytest.fixture(autouse=True)
def _hub_test_settings(settings):
    settings.HUB_CONNECTORS = {"fake": "hub.tests.fakes.FakeConnector"}
    settings.HUB_SYNC_AUTODRAIN = False  # tests drain explicitly; nothing goes to the broker
    fakes.MARKETPLACES.clear()
    forget_connectors()
    _clear_buckets()
    yield
    fakes.MARKETPLACES.clear()
    forget_connectors()


class MovableClock:
    """Moves the hub's clock forward (backoff, leases) without sleeping."""

    def __init__(self, monkeypatch) -> None:  # noqa: ANN001
        self.offset = timedelta()
        self.slept: list[float] = []
        real_now = timezone.now
        monkeypatch.setattr(clock, "now", lambda: real_now() + self.offset)
        monkeypatch.setattr(clock, "sleep", self.slept.append)

    def advance(self, seconds: float) -> None:
        self.offset += timedelta(seconds=seconds)
        _clear_buckets()  # token buckets live on Redis's clock: time passing refills them


@pytest.fixture
def moving_clock(monkeypatch):
    return MovableClock(monkeypatch)


@pytest.fixture
def market():
    return fakes.install(fakes.FakeMarketplace(site="FAKE-US", bulk_limit=5))


@pytest.fixture
def mp_channel(warehouses):
    return ChannelFactory(slug="fake-us", name="FakeMarket US", kind=ChannelKind.MARKETPLACE,
                          currency_code="USD", warehouses=warehouses[:2])


@pytest.fixture
def account(mp_channel, market):
    return MarketplaceAccount.objects.create(channel=mp_channel, connector="fake", site=market.site,
                                             site_language="en-US", client_id="cid",
                                             client_secret="secret", refresh_token="rt")


def receive(variant, warehouse, qty: int) -> None:
    inventory.stock_adjust(variant, warehouse, delta=qty, reason="receipt")


def make_listed_variant(account, warehouses, variant_sku: str, *, qty: int = 10,
                        price: Decimal = Decimal("20.00"), **listing_fields) -> Listing:
    """A variant with stock and a channel price, listed and pushed live."""
    variant = VariantFactory(sku=variant_sku)
    VariantListingFactory(variant=variant, channel=account.channel, price_amount=price)
    if qty:
        receive(variant, warehouses[0], qty)
    listing = listing_create(account, variant, publish=True, **listing_fields)
    sync_drain(account.pk)
    listing.refresh_from_db()
    return listing


@pytest.fixture
def listing(account, warehouses):
    return make_listed_variant(account, warehouses, "TEE-RED-M", qty=10)


def remote_order(external_id: str, lines: list[tuple[str, int]] | None = None, *,
                 status: RemoteOrderStatus = RemoteOrderStatus.UNSHIPPED,
                 updated_at: datetime | None = None, currency: str = "USD",
                 unit_price: Decimal = Decimal("20.00"), site: str = "FAKE-US") -> RemoteOrder:
    lines = lines or [("TEE-RED-M", 1)]
    when = updated_at or timezone.now() - timedelta(minutes=5)
    return RemoteOrder(
        external_id=external_id, status=status, raw_status=status.value.title(),
        created_at=when - timedelta(minutes=1), updated_at=when, currency=currency,
        total=sum((unit_price * q for _s, q in lines), Decimal(0)),
        lines=tuple(RemoteOrderLine(external_line_id=f"{external_id}-{i}", sku=sku, quantity=q,
                                    unit_price=unit_price, currency=currency, title=sku)
                    for i, (sku, q) in enumerate(lines)),
        buyer_email="buyer@example.com", buyer_name="Grace Hopper",
        shipping_address=RemoteAddress(name="Grace Hopper", line1="1 Main St", city="Arlington",
                                       state="VA", postal_code="22201", country="US"),
        shipping_price=Decimal("4.99"), site=site,
    )
