"""Fixtures of the integration tests: the loopback marketplace sandboxes for the hub."""

from tests.integration.marketplaces import hub_settings, sandboxes  # noqa: F401
