"""Find the connector (and the sandbox) for a marketplace by name.

The hub builds a connector from stored credentials without knowing the classes:

    from connectors.registry import get_connector
    with get_connector(credentials) as connector:   # credentials.marketplace picks the class
        connector.update_offers(...)

``make run`` starts every sandbox in-process (threads) or one per process:

    from connectors.registry import start_sandboxes
    running = start_sandboxes()          # {"amazon": (server, "http://127.0.0.1:8701"), ...}
    python -m connectors.amazon.sandbox --port 8701
    python -m connectors.ebay.sandbox --port 8702
"""

from __future__ import annotations

import importlib
import os
from typing import Any

from connectors.base import AccountCredentials, AuthFailed, Connector
from connectors.sandbox_kit import SandboxServer

# marketplace -> "module:Class"; Shopee, AliExpress and Walmart register here later.
CONNECTORS: dict[str, str] = {
    "amazon": "connectors.amazon.connector:AmazonConnector",
    "ebay": "connectors.ebay.connector:EbayConnector",
}

# marketplace -> (sandbox module, default port, env var overriding the port)
SANDBOXES: dict[str, tuple[str, int, str]] = {
    "amazon": ("connectors.amazon.sandbox", 8701, "OMNIPORT_AMAZON_SANDBOX_PORT"),
    "ebay": ("connectors.ebay.sandbox", 8702, "OMNIPORT_EBAY_SANDBOX_PORT"),
}


def register(marketplace: str, dotted: str) -> None:
    """Add or replace the connector class of a marketplace ("package.module:Class")."""
    CONNECTORS[marketplace] = dotted


def connector_class(marketplace: str) -> type[Connector]:
    dotted = CONNECTORS.get(marketplace)
    if dotted is None:
        raise AuthFailed(
            f"no connector for marketplace {marketplace!r} "
            f"(known: {', '.join(sorted(CONNECTORS))})",
            code="unsupported_marketplace",
        )
    module_name, _, class_name = dotted.partition(":")
    cls = getattr(importlib.import_module(module_name), class_name)
    if not (isinstance(cls, type) and issubclass(cls, Connector)):
        raise TypeError(f"{dotted} is not a Connector")
    return cls


def get_connector(credentials: AccountCredentials, **options: Any) -> Connector:
    """A ready connector for one account; ``options`` (http, retry, pace, token_store) go
    to the class.

    Raises AuthFailed when the marketplace is unknown or the credentials incomplete.
    Connectors are cheap; one per task is fine (tokens and rate budgets are shared
    per account inside the process).
    """
    return connector_class(credentials.marketplace)(credentials, **options)


def sandbox_port(marketplace: str) -> int:
    module, default, env = SANDBOXES[marketplace]
    return int(os.environ.get(env, default))


def start_sandboxes(
    host: str = "127.0.0.1", ports: dict[str, int] | None = None, **options: Any
) -> dict[str, tuple[SandboxServer, str]]:
    """Start every sandbox in a background thread: {marketplace: (server, base_url)}.

    Ports: ``ports`` argument, else OMNIPORT_<NAME>_SANDBOX_PORT, else 8701/8702;
    0 picks free ports. ``options`` (token_ttl, rate_scale, rate_limits_enabled)
    go to every sandbox. Stop them with ``server.close()``.
    """
    running: dict[str, tuple[SandboxServer, str]] = {}
    try:
        for marketplace, (module, _, _) in SANDBOXES.items():
            port = (ports or {}).get(marketplace, sandbox_port(marketplace))
            serve = importlib.import_module(module).serve
            running[marketplace] = serve(host, port, **options)
    except Exception:
        for server, _ in running.values():
            server.close()
        raise
    return running


def demo_credentials(marketplace: str, base_url: str, **extra: str) -> AccountCredentials:
    """Credentials of a sandbox's built-in demo seller account (for seeding demo channels)."""
    module = importlib.import_module(SANDBOXES[marketplace][0])
    credentials: AccountCredentials = module.demo_credentials(base_url, **extra)
    return credentials
