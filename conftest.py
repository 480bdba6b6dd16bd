"""Root pytest configuration shared by every test package."""

from __future__ import annotations

import ipaddress
import os
import socket

import pytest

os.environ.setdefault("DJANGO_ENV", "test")
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytest_plugins = ["commerce.tests.fixtures"]

_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex


def _loopback_only(address: object) -> None:
    if not isinstance(address, tuple):
        return  # Unix sockets
    host = str(address[0])
    if host in {"localhost", ""}:
        return
    try:
        if ipaddress.ip_address(host.split("%")[0]).is_loopback:
            return
    except ValueError:
        pass
    raise OSError(f"tests may only reach loopback, not {host}")


def _guarded_connect(self: socket.socket, address: object) -> None:
    _loopback_only(address)
    return _real_connect(self, address)


def _guarded_connect_ex(self: socket.socket, address: object) -> int:
    _loopback_only(address)
    return _real_connect_ex(self, address)


@pytest.fixture(autouse=True, scope="session")
def _no_network_beyond_loopback():
    """Nothing under test may talk to the internet (pytest-socket style guard)."""
    socket.socket.connect = _guarded_connect  # type: ignore[method-assign]
    socket.socket.connect_ex = _guarded_connect_ex  # type: ignore[method-assign]
    yield
    socket.socket.connect = _real_connect  # type: ignore[method-assign]
    socket.socket.connect_ex = _real_connect_ex  # type: ignore[method-assign]


@pytest.fixture(autouse=True)
def _fresh_storefront_reference_data():
    """Each test rolls its database back, which no catalogue write signal reports: the
    storefront's per-process reference data (see storefront.cache) starts empty."""
    from storefront.cache import forget_local

    forget_local()
    yield
    forget_local()
