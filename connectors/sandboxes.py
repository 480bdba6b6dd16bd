"""Every marketplace sandbox in one process, for ``make run``.

    python -m connectors.sandboxes [--host 127.0.0.1] [--rate-scale 1] [--no-rate-limits]

Ports come from OMNIPORT_AMAZON_SANDBOX_PORT / OMNIPORT_EBAY_SANDBOX_PORT (default
8701 / 8702). The demo seller of each sandbox is what
``connectors.registry.demo_credentials(name, base_url)`` returns.
"""

from __future__ import annotations

import argparse
import signal
import threading
from typing import Any

from connectors.registry import start_sandboxes
from connectors.sandbox_kit import serving_arguments, serving_options


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Omniport marketplace sandboxes")
    serving_arguments(parser)
    args = parser.parse_args(argv)
    running = start_sandboxes(args.host, **serving_options(args))
    stop = threading.Event()

    def on_signal(signum: int, frame: Any) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    for name, (_, base_url) in running.items():
        print(f"{name} sandbox on {base_url}", flush=True)  # noqa: T201 - command line
    stop.wait()
    for server, _ in running.values():
        server.close()


if __name__ == "__main__":
    main()
