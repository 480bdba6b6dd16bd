"""Development SMTP server: catches every email and stores it for the admin inbox.

    python -m commerce.notifications.devsmtp --port 1025

Listens on 127.0.0.1 only (EMAIL_HOST/EMAIL_PORT default to 127.0.0.1:1025), keeps
each message in the database (admin → Notifications → Inbox), never relays.
"""

from __future__ import annotations

import argparse
import asyncio
import email
import email.policy
import logging
import os
import signal
from concurrent.futures import ThreadPoolExecutor
from typing import Any

logger = logging.getLogger("devsmtp")


class InboxHandler:
    """aiosmtpd handler: store each message through Django on one worker thread."""

    def __init__(self) -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="inbox-db")

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode("utf-8")
        loop = asyncio.get_running_loop()
        try:
            await loop.run_in_executor(self._executor, store_message, envelope.mail_from,
                                       list(envelope.rcpt_tos), raw)
        except Exception:
            logger.exception("could not store message")
            return "451 Requested action aborted: local error in processing"
        return "250 Message accepted for delivery"

    def close(self) -> None:
        """Close the worker thread's database connection, then the thread."""
        from django.db import connections

        self._executor.submit(connections.close_all).result()
        self._executor.shutdown()


def store_message(mail_from: str, rcpt_tos: list[str], raw: bytes) -> int:
    from django.db import close_old_connections

    from commerce.notifications.models import InboxMessage

    close_old_connections()
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    obj = InboxMessage.objects.create(
        mail_from=mail_from or "", recipients=rcpt_tos,
        subject=str(msg.get("Subject", ""))[:998], message_id=str(msg.get("Message-ID", ""))[:255],
        raw=raw,
    )
    logger.info("captured %s → %s: %s", mail_from, ", ".join(rcpt_tos), obj.subject)
    return obj.pk


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=int(os.environ.get("EMAIL_PORT", "1025")))
    args = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from aiosmtpd.controller import Controller

    logging.basicConfig(level=logging.INFO, format="%(asctime)s devsmtp %(message)s")
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd's per-command chatter
    stop_signals = {signal.SIGINT, signal.SIGTERM}
    signal.pthread_sigmask(signal.SIG_BLOCK, stop_signals)  # threads inherit: only we wait
    handler = InboxHandler()
    controller = Controller(handler, hostname=args.host, port=args.port,
                            data_size_limit=25 * 1024 * 1024)
    controller.start()
    logger.info("development SMTP server on %s:%s (messages in admin → Inbox)",
                args.host, args.port)
    try:
        signal.sigwait(stop_signals)
    finally:
        controller.stop()
        handler.close()


if __name__ == "__main__":
    main()
