import socket

import pytest


def test_tests_cannot_reach_beyond_loopback():
    with pytest.raises(OSError, match="only reach loopback"), socket.socket() as s:
        s.connect(("192.0.2.1", 80))  # TEST-NET-1: never routed
