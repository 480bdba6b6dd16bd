"""Fixtures: a fresh loopback sandbox per test, with a unique seller account so the
process-wide token cache and rate budgets of one test never leak into another."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterator
from decimal import Decimal

import pytest

from connectors import http
from connectors.amazon import sandbox as amazon_sandbox
from connectors.amazon.connector import AmazonConnector
from connectors.base import Connector, ListingPayload
from connectors.ebay import sandbox as ebay_sandbox
from connectors.ebay.connector import EbayConnector
from connectors.http import RetryPolicy
from connectors.ratelimit import TokenBucket
from connectors.sandbox_kit import SandboxServer

# httpx logs every request at INFO; thousands of sandbox calls make that the slow part.
logging.getLogger("httpx").setLevel(logging.WARNING)

FAST_RETRY = RetryPolicy(max_retries=2, backoff=0.01, max_backoff=0.05, max_rate_wait=0.5)


def _amazon_account() -> amazon_sandbox.Account:
    tag = secrets.token_hex(4)
    return amazon_sandbox.Account(
        client_id=f"amzn1.application-oa2-client.test{tag}",
        client_secret=f"secret-{tag}",
        refresh_token=f"Atzr|test-{tag}",
        seller_id=f"A{tag.upper()}TEST",
        marketplace_ids=("ATVPDKIKX0DER",),
    )


def _ebay_account() -> ebay_sandbox.Account:
    tag = secrets.token_hex(4)
    return ebay_sandbox.Account(
        client_id=f"Test-{tag}-SBX",
        client_secret=f"SBX-{tag}",
        refresh_token=f"v^1.1#i^1#r^1#test-{tag}",
        username=f"seller_{tag}",
        marketplace_id="EBAY_US",
        policies=dict(ebay_sandbox.DEMO_ACCOUNT.policies),
    )


@pytest.fixture
def amazon_server() -> Iterator[SandboxServer]:
    server, _ = amazon_sandbox.serve(
        accounts=[_amazon_account()], feed_queue_seconds=0.02, feed_processing_seconds=0.02
    )
    yield server
    server.close()


@pytest.fixture
def amazon_app(amazon_server: SandboxServer) -> amazon_sandbox.AmazonSandbox:
    app = amazon_server.app
    assert isinstance(app, amazon_sandbox.AmazonSandbox)
    return app


@pytest.fixture
def amazon(amazon_app: amazon_sandbox.AmazonSandbox) -> Iterator[AmazonConnector]:
    connector = AmazonConnector(amazon_app.credentials(feed_poll_interval="0.02"), retry=FAST_RETRY)
    yield connector
    connector.close()


@pytest.fixture
def ebay_server() -> Iterator[SandboxServer]:
    server, _ = ebay_sandbox.serve(accounts=[_ebay_account()])
    yield server
    server.close()


@pytest.fixture
def ebay_app(ebay_server: SandboxServer) -> ebay_sandbox.EbaySandbox:
    app = ebay_server.app
    assert isinstance(app, ebay_sandbox.EbaySandbox)
    return app


@pytest.fixture
def ebay(ebay_app: ebay_sandbox.EbaySandbox) -> Iterator[EbayConnector]:
    connector = EbayConnector(ebay_app.credentials(), retry=FAST_RETRY)
    yield connector
    connector.close()


def listing(
    sku: str,
    *,
    price: str = "19.99",
    quantity: int = 5,
    title: str = "Enamel mug",
    currency: str = "USD",
    language: str = "en-US",
) -> ListingPayload:
    return ListingPayload(
        sku=sku,
        title=title,
        description=f"{title}, 350 ml",
        language=language,
        price=Decimal(price),
        currency=currency,
        quantity=quantity,
        category_id="20625",
        brand="Omniport",
        ean="4006381333931",
        image_urls=("https://example.test/mug.jpg",),
        weight_grams=420,
        attributes={"Colour": "Blue"},
    )


class FrozenClock:
    """A clock that moves only when told: throttling tests without timing races."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def freeze_client_budget(connector: Connector, operation: str, clock: FrozenClock) -> None:
    """Give ``connector``'s account a fresh budget for ``operation`` on a frozen clock."""
    client = connector.client  # type: ignore[attr-defined]
    limit = client.limits[operation]
    http._buckets[(client.key, operation)] = TokenBucket(
        limit.rate * client.rate_scale, limit.burst, clock=clock
    )
