"""The real loopback marketplace sandboxes (Amazon SP-API, eBay Sell APIs) for hub tests.

Each test gets both sandboxes in threads of the test process on free ports, with
their own seller accounts (revoking one never leaks into another test), short token
lifetimes and their rate limits on, sped up by ``RATE_SCALE`` (the hub's token
buckets and the connectors' pacing read the same factor from the credentials).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest

from commerce.channel.models import Channel, ChannelKind
from commerce.tests.factories import ChannelFactory
from connectors.amazon import sandbox as amazon_sandbox
from connectors.ebay import sandbox as ebay_sandbox
from connectors.sandbox_kit import SandboxServer
from hub.connectors import forget_connectors
from hub.models import MarketplaceAccount
from hub.ratelimit import _client

RATE_SCALE = 50.0  # documented limits × 50: a test's few calls never wait on a bucket
TOKEN_TTL = 30.0


@dataclass
class Sandbox:
    name: str
    server: SandboxServer
    base_url: str

    @property
    def app(self) -> Any:  # noqa: ANN401 - AmazonSandbox | EbaySandbox
        return self.server.app

    def credentials(self, **extra: str):  # noqa: ANN201
        return self.app.credentials(rate_scale=str(RATE_SCALE), **extra)

    def held(self, sku: str) -> tuple[int | None, Decimal | None]:
        """(quantity, price) a shopper sees on the marketplace for ``sku``."""
        state = self.app.listing_state(sku)
        if state is None:
            return None, None
        price = state.get("price")
        quantity = state.get("quantity")
        return (int(quantity) if quantity is not None else None,
                Decimal(str(price)) if price is not None else None)


@dataclass
class Sandboxes:
    amazon: Sandbox
    ebay: Sandbox

    def __iter__(self) -> Iterator[Sandbox]:
        return iter((self.amazon, self.ebay))


def clear_buckets() -> None:
    client = _client()
    for key in client.scan_iter(match="*hub:bucket:*", count=1000):
        client.delete(key)


def start_sandboxes(**options: Any) -> Sandboxes:
    """Both sandboxes on free ports, each with a private copy of its demo seller."""
    options = {"token_ttl": TOKEN_TTL, "rate_scale": RATE_SCALE, **options}
    amazon_server, amazon_url = amazon_sandbox.serve(
        port=0, accounts=[dataclasses.replace(amazon_sandbox.DEMO_ACCOUNT)], **options)
    try:
        ebay_server, ebay_url = ebay_sandbox.serve(
            port=0, accounts=[dataclasses.replace(ebay_sandbox.DEMO_ACCOUNT)], **options)
    except Exception:
        amazon_server.close()
        raise
    return Sandboxes(Sandbox("amazon", amazon_server, amazon_url),
                     Sandbox("ebay", ebay_server, ebay_url))


@pytest.fixture
def hub_settings(settings):
    """Tests drain and poll explicitly (no broker), with fresh buckets and connectors."""
    from hub.stores.routing import invalidate_routing_table

    settings.HUB_SYNC_AUTODRAIN = False
    settings.STORES_ROUTING_REFRESH_SECONDS = 0
    settings.STORES_PAYMENT_BACKEND = "hub.stores.tests.fake_payments"
    settings.HUB_SYNC_BACKOFF_BASE = 0.05  # retries come round quickly (real clock)
    settings.HUB_SYNC_BACKOFF_CAP = 0.5
    clear_buckets()
    forget_connectors()
    invalidate_routing_table()
    yield settings
    forget_connectors()
    invalidate_routing_table()


@pytest.fixture
def sandboxes(hub_settings) -> Iterator[Sandboxes]:
    running = start_sandboxes()
    yield running
    for sandbox in running:
        sandbox.server.close()


def marketplace_channel(slug: str, warehouses, currency: str = "USD",  # noqa: ANN001
                        countries: tuple[str, ...] = ("US",)) -> Channel:
    return ChannelFactory(slug=slug, name=slug, kind=ChannelKind.MARKETPLACE,
                          currency_code=currency, countries=list(countries),
                          warehouses=list(warehouses))


def sandbox_account(channel: Channel, sandbox: Sandbox, *, site: str = "",
                    language: str = "en-US", **account_fields: Any) -> MarketplaceAccount:
    """A marketplace account whose credentials reach ``sandbox``'s seller."""
    import json

    creds = sandbox.credentials()
    return MarketplaceAccount.objects.create(
        channel=channel, connector=sandbox.name, site=site or creds.site,
        site_language=language, seller_id=creds.seller_id, client_id=creds.client_id,
        client_secret=creds.client_secret, refresh_token=creds.refresh_token,
        endpoint=creds.endpoint, auth_endpoint=creds.auth_endpoint,
        extra_credentials=json.dumps(creds.extra), **account_fields)


def eventually(predicate: Callable[[], bool], timeout: float = 30.0, step: float = 0.05) -> bool:
    """Poll until true (work done by another process or thread); no timing is asserted."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return predicate()
