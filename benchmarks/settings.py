"""Settings of the sync benchmark: the project's, on a throw-away database, with the
benchmark's emulated marketplaces and its own Celery queue (also used by its workers)."""

from config.settings import *  # noqa: F403

DATABASES["default"]["NAME"] = "omniport_bench_sync"  # noqa: F405
HUB_CONNECTORS = {
    "emu-amazon": "benchmarks.emulator.AmazonLikeConnector",
    "emu-ebay": "benchmarks.emulator.EbayLikeConnector",
}
HUB_SYNC_AUTODRAIN = True
# Measured like production runs: no debug cursor wrapping and query log on every query,
# and the workers keep their database connection between tasks (production: 60 s).
DEBUG = False
DATABASES["default"]["CONN_MAX_AGE"] = 60  # noqa: F405
CELERY_TASK_DEFAULT_QUEUE = "omniport-bench-sync"
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
