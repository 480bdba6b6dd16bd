"""The sync engine: drain the outbox of each marketplace account.

One drain, per account:

1. **Claim** a slice of due rows in a short transaction (advisory lock per
   account, ``FOR UPDATE SKIP LOCKED``), all rows of the same subjects together,
   never a subject another worker holds; the rows get a lease.
2. **Coalesce**: per listing, the current state is computed once (available
   stock through the quantity rule, price through the price rule) no matter how
   many rows asked for it; unchanged state is not pushed again.
3. **Push** in batches of the connector's ``bulk_limit``, each call through the
   account's token bucket for that operation.
4. **Settle**: successes mark rows done and the listing's pushed state;
   ``RateLimited``/``Transient`` put rows back with exponential backoff and
   jitter (dead letter after N tries); ``AuthFailed`` pauses the account and
   alerts; ``Rejected`` marks the listing in error with the marketplace's words.

A worker that dies leaves its rows in flight; when the lease runs out they are
claimable again, so nothing is lost, and pushing a state twice is harmless.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import logging
import random
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, TypeVar

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils.translation import gettext as _

from commerce.orders.models import Order, OrderEvent
from connectors.base import (
    AuthFailed,
    BatchResult,
    Connector,
    ConnectorError,
    ItemResult,
    RateLimited,
    Rejected,
    Shipment,
    ShipmentConfirmation,
    Submission,
    Transient,
)

from .. import clock
from ..connectors import connector_for, is_metered, offers_operation, rate_limit_for
from ..errors import HubError
from ..models import (
    AccountStatus,
    AlertKind,
    AlertSeverity,
    Listing,
    ListingStatus,
    MarketplaceAccount,
    OrderImport,
    OutboxEntry,
    OutboxKind,
    OutboxStatus,
    SyncLog,
)
from ..ratelimit import TokenBucket
from ..selectors import (
    DesiredOffer,
    listing_desired_offers,
    listing_payloads,
    listings_for_sync,
    offer_update,
)
from .accounts import account_pause
from .alerts import alert_raise
from .outbox import drain_started, request_drain

logger = logging.getLogger(__name__)

ADVISORY_LOCK_NAMESPACE = 0x4855_4253  # "HUBS": claims of one account are serialized
T = TypeVar("T")


def _setting(name: str, default: Any) -> Any:
    return getattr(settings, name, default)


def backoff_delay(attempts: int, retry_after: float | None = None) -> float:
    """Exponential backoff with jitter: half the step fixed, half random (never below
    the marketplace's Retry-After)."""
    base = float(_setting("HUB_SYNC_BACKOFF_BASE", 2.0))
    cap = float(_setting("HUB_SYNC_BACKOFF_CAP", 600.0))
    step = min(cap, base * (2 ** max(attempts - 1, 0)))
    delay = step / 2 + random.uniform(0, step / 2)
    if retry_after:
        delay = max(delay, float(retry_after))
    return delay


@dataclass
class DrainReport:
    claimed: int = 0
    calls: int = 0
    pushed: int = 0
    unchanged: int = 0
    retried: int = 0
    rejected: int = 0
    dead: int = 0
    paused: list[int] = field(default_factory=list)

    def merge(self, other: DrainReport) -> None:
        for name in ("claimed", "calls", "pushed", "unchanged", "retried", "rejected", "dead"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.paused.extend(other.paused)


class _Stop(Exception):
    """Stop draining this account now (paused, or out of time/tokens)."""


def _claimable(now) -> Q:  # noqa: ANN001
    return Q(status=OutboxStatus.PENDING, available_at__lte=now) | Q(
        status=OutboxStatus.IN_FLIGHT, leased_until__lte=now)


def sync_drain(account_id: int | None = None, *, time_budget: float | None = None) -> DrainReport:
    """Drain due outbox rows of one account (or of every active account with due rows)."""
    budget = time_budget if time_budget is not None else float(
        _setting("HUB_SYNC_TIME_BUDGET", 50.0))
    deadline = clock.monotonic() + budget
    accounts = MarketplaceAccount.objects.filter(status=AccountStatus.ACTIVE).select_related(
        "channel")
    if account_id is not None:
        accounts = accounts.filter(pk=account_id)
    else:
        due = OutboxEntry.objects.filter(account=OuterRef("pk")).filter(_claimable(clock.now()))
        accounts = accounts.filter(Exists(due))
    report = DrainReport()
    for account in accounts:
        drain_started(account.pk)
        try:
            report.merge(_AccountDrain(account, deadline).run())
        except Exception:  # one account's trouble never stops the others
            logger.exception("drain of account %s failed", account.pk)
        if clock.monotonic() >= deadline:
            break
    return report


class _AccountDrain:
    def __init__(self, account: MarketplaceAccount, deadline: float) -> None:
        self.account = account
        self.deadline = deadline
        self.report = DrainReport()
        self.lease = float(_setting("HUB_SYNC_LEASE_SECONDS", 120.0))
        self.max_attempts = int(_setting("HUB_SYNC_MAX_ATTEMPTS", 8))
        self.max_wait = float(_setting("HUB_SYNC_MAX_TOKEN_WAIT", 30.0))
        self.small_batch_wait = float(_setting("HUB_SYNC_SMALL_BATCH_WAIT", 0.25))
        self.bulk_limit = 1
        self.connector: Connector | None = None
        self.token: uuid.UUID | None = None
        self.open: dict[int, OutboxEntry] = {}  # claimed rows not settled yet
        self.renewed_at = 0.0
        self.retry_in: float | None = None

    # ------------------------------------------------------------------ loop

    def run(self) -> DrainReport:
        try:
            self.connector = connector_for(self.account)
        except HubError as exc:
            MarketplaceAccount.objects.filter(pk=self.account.pk).update(last_error=exc.message)
            logger.error("account %s: %s", self.account.pk, exc.message)
            return self.report
        except AuthFailed as exc:  # incomplete credentials: nothing can be pushed
            account_pause(self.account, exc.message or str(exc), alert=True)
            self.report.paused.append(self.account.pk)
            return self.report
        self.bulk_limit = max(1, int(getattr(self.connector, "bulk_limit", 1) or 1))
        claim_size = int(_setting("HUB_SYNC_CLAIM_SIZE", 0)) or min(
            max(self.bulk_limit * 4, 200), 2000)
        while clock.monotonic() < self.deadline:
            status = MarketplaceAccount.objects.filter(pk=self.account.pk).values_list(
                "status", flat=True).first()
            if status != AccountStatus.ACTIVE:
                break
            rows = self._claim(claim_size)
            if not rows:
                break
            try:
                self._process(rows)
            except _Stop:
                self._release_open(count_attempt=False)
                break
            except Exception as exc:  # a bug or an unexpected answer: retry later, keep going
                logger.exception("account %s: drain batch failed", self.account.pk)
                self._retry(list(self.open.values()), exc)
            MarketplaceAccount.objects.filter(pk=self.account.pk).update(last_sync_at=clock.now())
        if self.retry_in is not None:
            request_drain(self.account.pk, countdown=max(self.retry_in, 0.05))
        return self.report

    # ------------------------------------------------------------------ claim

    def _claim(self, limit: int) -> list[OutboxEntry]:
        now = clock.now()
        token = uuid.uuid4()
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)",
                               [ADVISORY_LOCK_NAMESPACE, self.account.pk])
            busy = OutboxEntry.objects.filter(account_id=self.account.pk,
                                              status=OutboxStatus.IN_FLIGHT,
                                              leased_until__gt=now).values("subject")
            due = (OutboxEntry.objects.filter(account_id=self.account.pk).filter(_claimable(now))
                   .exclude(subject__in=busy))
            head = list(due.select_for_update(skip_locked=True).order_by("pk")
                        .values_list("subject", flat=True)[:limit])
            if not head:
                return []
            ids = list(due.filter(subject__in=set(head)).select_for_update(skip_locked=True)
                       .values_list("pk", flat=True))
            OutboxEntry.objects.filter(pk__in=ids).update(
                status=OutboxStatus.IN_FLIGHT, lease_token=token,
                leased_until=now + timedelta(seconds=self.lease), attempts=F("attempts") + 1)
        self.token = token
        self.renewed_at = clock.monotonic()
        rows = list(OutboxEntry.objects.filter(pk__in=ids, lease_token=token)
                    .select_related("order").order_by("pk"))
        self.open = {r.pk: r for r in rows}
        self.report.claimed += len(rows)
        return rows

    def _renew_lease(self) -> None:
        if clock.monotonic() - self.renewed_at < self.lease / 3:
            return
        OutboxEntry.objects.filter(pk__in=list(self.open), lease_token=self.token,
                                   status=OutboxStatus.IN_FLIGHT).update(
            leased_until=clock.now() + timedelta(seconds=self.lease))
        self.renewed_at = clock.monotonic()

    # ------------------------------------------------------------------ settle rows

    def _mine(self, rows: Iterable[OutboxEntry]) -> list[int]:
        return [r.pk for r in rows if r.pk in self.open]

    def _done(self, rows: Iterable[OutboxEntry]) -> None:
        ids = self._mine(rows)
        if ids:
            OutboxEntry.objects.filter(pk__in=ids, lease_token=self.token).update(
                status=OutboxStatus.DONE, done_at=clock.now(), leased_until=None, last_error="")
        for pk in ids:
            self.open.pop(pk, None)

    def _failed(self, rows: Iterable[OutboxEntry], message: str) -> None:
        ids = self._mine(rows)
        if ids:
            OutboxEntry.objects.filter(pk__in=ids, lease_token=self.token).update(
                status=OutboxStatus.FAILED, leased_until=None, last_error=message)
        for pk in ids:
            self.open.pop(pk, None)
        self.report.rejected += len(ids)

    def _retry(self, rows: Sequence[OutboxEntry], exc: BaseException) -> None:
        """Back off (and dead-letter rows out of tries)."""
        rows = [r for r in rows if r.pk in self.open]
        if not rows:
            return
        retry_after = getattr(exc, "retry_after", None)
        message = f"{type(exc).__name__}: {exc}"[:2000]
        now = clock.now()
        dead = [r for r in rows if r.attempts >= self.max_attempts]
        again = [r for r in rows if r.attempts < self.max_attempts]
        if again:
            delay = backoff_delay(max(r.attempts for r in again), retry_after)
            OutboxEntry.objects.filter(pk__in=[r.pk for r in again], lease_token=self.token).update(
                status=OutboxStatus.PENDING, leased_until=None, lease_token=None,
                available_at=now + timedelta(seconds=delay), last_error=message)
            self.retry_in = delay if self.retry_in is None else min(self.retry_in, delay)
            self.report.retried += len(again)
        if dead:
            OutboxEntry.objects.filter(pk__in=[r.pk for r in dead], lease_token=self.token).update(
                status=OutboxStatus.DEAD, leased_until=None, last_error=message)
            self.report.dead += len(dead)
            alert_raise(
                AlertKind.DEAD_LETTER, f"dead_letter:{self.account.pk}",
                _("Changes for %(channel)s could not be pushed after %(n)d tries (%(error)s). "
                  "Retry them from the sync outbox once the cause is fixed.")
                % {"channel": self.account.channel, "n": self.max_attempts, "error": message},
                severity=AlertSeverity.CRITICAL, account=self.account,
            )
        for r in rows:
            self.open.pop(r.pk, None)

    def _release_open(self, *, count_attempt: bool) -> None:
        """Give unsettled rows back untouched (account paused, out of time or tokens)."""
        ids = list(self.open)
        if ids:
            update: dict[str, Any] = {"status": OutboxStatus.PENDING, "leased_until": None,
                                      "lease_token": None}
            if not count_attempt:
                update["attempts"] = F("attempts") - 1
            OutboxEntry.objects.filter(pk__in=ids, lease_token=self.token,
                                       status=OutboxStatus.IN_FLIGHT).update(**update)
        self.open = {}

    # ------------------------------------------------------------------ calls

    def _take(self, operation: str, items: int = 1) -> None:
        """Wait for the operation's token bucket; stop the drain rather than wait too long.

        A full batch waits (up to HUB_SYNC_MAX_TOKEN_WAIT); a small one does not hold a
        worker for long: the drain gives its rows back and is queued again for when the
        token is there, by which time more changes have joined the batch.
        """
        if not is_metered(self.account, operation, self.connector):
            return
        limit = rate_limit_for(self.account, operation, self.connector)
        bucket = TokenBucket(self.account.pk, operation, limit)
        remaining = self.deadline - clock.monotonic()
        cap = self.max_wait if items >= self.bulk_limit else min(self.max_wait,
                                                                 self.small_batch_wait)
        wait_cap = max(0.0, min(cap, remaining))
        wait = bucket.reserve(1, wait_cap)
        if wait > wait_cap:
            self.retry_in = wait if self.retry_in is None else min(self.retry_in, wait)
            raise _Stop
        self._renew_lease()
        clock.sleep(wait)

    def _call(self, operation: str, items: int, fn: Callable[[], T], *, meter: bool = True) -> T:
        if meter:
            self._take(operation, items)
        started = clock.monotonic()
        log = SyncLog(account_id=self.account.pk, operation=operation, items=items)
        self.report.calls += 1
        try:
            result = fn()
        except Exception as exc:
            log.ok, log.error_class, log.message = False, type(exc).__name__, str(exc)[:2000]
            log.duration_ms = int((clock.monotonic() - started) * 1000)
            SyncLog.objects.bulk_create([log])
            if isinstance(exc, RateLimited) and meter:
                limit = rate_limit_for(self.account, operation, self.connector)
                TokenBucket(self.account.pk, operation, limit).hold_empty(
                    float(exc.retry_after or 1.0))
            raise
        log.duration_ms = int((clock.monotonic() - started) * 1000)
        if isinstance(result, BatchResult):
            log.failed = len(result.failed)
            log.ok = not result.failed
            log.submission_id = (result.submission_id or "")[:128]
        SyncLog.objects.bulk_create([log])
        return result

    def _await(self, result: BatchResult) -> BatchResult:
        """Poll the submissions the marketplace processes later (Amazon feeds) until
        every key is settled, keeping the claimed rows' lease alive meanwhile.

        Past HUB_SYNC_SUBMISSION_WAIT the rows go back with a Transient (pushing
        absolute values again is safe).
        """
        assert self.connector is not None
        connector = self.connector

        def poll(submission: Submission) -> BatchResult:
            # Not through the account's buckets: the submission is already paid for,
            # and the client paces its status calls by their own documented limits.
            return self._call("poll_submission", 1,
                              functools.partial(connector.poll_submission, submission),
                              meter=False)

        def sleep(seconds: float) -> None:
            self._renew_lease()
            clock.sleep(seconds)
            self._renew_lease()

        try:
            return connector.wait_for(
                result, timeout=float(_setting("HUB_SYNC_SUBMISSION_WAIT", 900.0)),
                sleep=sleep, clock=clock.monotonic, poll=poll)
        except Transient as exc:
            if exc.code != "submission_timeout":
                raise
            raise Transient(
                _("The marketplace has not finished processing submission %(id)s.")
                % {"id": (exc.details or {}).get("submission", "")},
                code="submission_timeout") from exc

    def _auth_failed(self, exc: AuthFailed) -> None:
        account_pause(self.account, exc.message or str(exc), alert=True)
        self.report.paused.append(self.account.pk)
        raise _Stop from exc

    # ------------------------------------------------------------------ dispatch

    def _process(self, rows: list[OutboxEntry]) -> None:
        listing_groups: dict[int, list[OutboxEntry]] = defaultdict(list)
        order_groups: dict[str, list[OutboxEntry]] = defaultdict(list)
        for row in rows:
            if row.listing_id:
                listing_groups[row.listing_id].append(row)
            else:
                order_groups[row.subject].append(row)
        if listing_groups:
            self._process_listings(listing_groups)
        for group in order_groups.values():
            self._process_order_ops(group)

    # ------------------------------------------------------------------ listings

    def _process_listings(self, groups: dict[int, list[OutboxEntry]]) -> None:
        listings = list(listings_for_sync(groups))
        gone = set(groups) - {lst.pk for lst in listings}
        for pk in gone:
            self._done(groups[pk])
        desired = listing_desired_offers(listings)
        offers: list[Listing] = []
        publishes: list[Listing] = []
        delists: list[Listing] = []
        for listing in listings:
            kinds = {r.kind for r in groups[listing.pk]}
            want = desired[listing.pk]
            if self._auto_delist(listing, want):
                kinds.add(OutboxKind.PUBLISH if listing.wants_live else OutboxKind.DELIST)
            if listing.wants_live:
                if not listing.is_live or OutboxKind.PUBLISH in kinds:
                    publishes.append(listing)
                elif (listing.last_sync_ok and want.quantity == listing.pushed_quantity
                      and want.price is not None and listing.pushed_price is not None
                      and want.price == listing.pushed_price
                      # A row tried before may have reached the marketplace without the
                      # hub recording it (a worker killed between push and settle): the
                      # recorded state is not proof, so push the current one again.
                      and all(r.attempts <= 1 for r in groups[listing.pk])):
                    self._done(groups[listing.pk])
                    self.report.unchanged += 1
                else:
                    offers.append(listing)
            elif listing.is_live or (OutboxKind.DELIST in kinds and listing.pushed_at):
                delists.append(listing)
            else:
                self._done(groups[listing.pk])
                self.report.unchanged += 1
        for start in range(0, len(offers), self.bulk_limit):
            self._push_offers(offers[start:start + self.bulk_limit], groups, desired)
        if publishes:
            payloads = listing_payloads(publishes, desired)
            for listing in publishes:
                self._publish(listing, payloads[listing.pk], groups, desired[listing.pk])
        for listing in delists:
            self._delist(listing, groups)

    def _auto_delist(self, listing: Listing, want: DesiredOffer) -> bool:
        """Withdraw at the account's low-stock level; relist when stock comes back."""
        level = self.account.auto_delist_at
        if listing.status == ListingStatus.ACTIVE and level is not None and want.available <= level:
            note = _("Delisted: %(n)d available, at or below %(level)d.") % {
                "n": want.available, "level": level}
            changed = Listing.objects.filter(pk=listing.pk, status=ListingStatus.ACTIVE).update(
                status=ListingStatus.INACTIVE, auto_delisted=True, last_sync_result=note)
            if changed:
                listing.status, listing.auto_delisted = ListingStatus.INACTIVE, True
                listing.last_sync_result = note
                return True
        elif (listing.status == ListingStatus.INACTIVE and listing.auto_delisted
              and (level is None or want.available > level)):
            changed = Listing.objects.filter(pk=listing.pk, status=ListingStatus.INACTIVE,
                                             auto_delisted=True).update(
                status=ListingStatus.ACTIVE, auto_delisted=False)
            if changed:
                listing.status, listing.auto_delisted = ListingStatus.ACTIVE, False
                return True
        return False

    def _push_offers(self, chunk: list[Listing], groups: dict[int, list[OutboxEntry]],
                     desired: dict[int, DesiredOffer]) -> None:
        assert self.connector is not None
        connector = self.connector
        updates = [offer_update(lst, desired[lst.pk]) for lst in chunk]
        rows = [r for lst in chunk for r in groups[lst.pk]]
        try:
            result = self._call(offers_operation(connector, len(updates)), len(updates),
                                lambda: connector.update_offers(updates))
            if result.pending:
                result = self._await(result)
        except AuthFailed as exc:
            self._auth_failed(exc)
            return
        except Rejected as exc:
            if len(chunk) > 1:  # find the culprit: one at a time
                for listing in chunk:
                    self._push_offers([listing], groups, desired)
                return
            self._reject(chunk[0], groups[chunk[0].pk], exc.message or str(exc), exc.code)
            return
        except (RateLimited, Transient, ConnectorError) as exc:
            self._retry(rows, exc)
            return
        by_sku = {item.sku: item for item in result.results}
        unconfirmed: list[OutboxEntry] = []
        succeeded: list[tuple[Listing, ItemResult, DesiredOffer]] = []
        for listing in chunk:
            item = by_sku.get(listing.sku)
            want = desired[listing.pk]
            if item is None:  # the marketplace skipped it without a word: try again
                unconfirmed.extend(groups[listing.pk])
            elif item.ok:
                succeeded.append((listing, item, want))
            else:
                self._reject(listing, groups[listing.pk], "; ".join(item.messages) or item.code,
                             item.code, item.messages)
        if succeeded:
            with transaction.atomic():
                _record_offers_pushed(succeeded, clock.now())
                Listing.objects.filter(pk__in=[lst.pk for lst, _i, _w in succeeded],
                                       status=ListingStatus.ERROR).update(
                    status=ListingStatus.ACTIVE, error_code="")
                self._done([r for lst, _i, _w in succeeded for r in groups[lst.pk]])
            self.report.pushed += len(succeeded)
        if unconfirmed:
            self._retry(unconfirmed, Transient(_("The marketplace did not report on these SKUs.")))

    def _publish(self, listing: Listing, payload, groups: dict[int, list[OutboxEntry]],  # noqa: ANN001
                 want: DesiredOffer) -> None:
        assert self.connector is not None
        connector = self.connector
        rows = groups[listing.pk]
        if want.price is None:
            self._reject(listing, rows, want.price_error, "no_price")
            return
        try:
            item = self._call("upsert_listing", 1, lambda: connector.upsert_listing(payload))
        except AuthFailed as exc:
            self._auth_failed(exc)
            return
        except Rejected as exc:
            self._reject(listing, rows, exc.message or str(exc), exc.code)
            return
        except (RateLimited, Transient, ConnectorError) as exc:
            self._retry(rows, exc)
            return
        if not item.ok:
            self._reject(listing, rows, "; ".join(item.messages) or item.code, item.code,
                         item.messages)
            return
        now = clock.now()
        Listing.objects.filter(pk=listing.pk).update(
            is_live=True, pushed_quantity=want.quantity, pushed_price=want.price, pushed_at=now,
            last_sync_at=now, last_sync_ok=True, marketplace_messages=list(item.messages),
            external_id=item.external_id or listing.external_id, error_code="",
            last_sync_result=_("Published: quantity %(q)d, price %(p)s.")
            % {"q": want.quantity, "p": want.price})
        Listing.objects.filter(pk=listing.pk, status=ListingStatus.ERROR).update(
            status=ListingStatus.ACTIVE)
        self._done(rows)
        self.report.pushed += 1

    def _delist(self, listing: Listing, groups: dict[int, list[OutboxEntry]]) -> None:
        assert self.connector is not None
        connector = self.connector
        rows = groups[listing.pk]
        try:
            item = self._call("delist", 1,
                              lambda: connector.delist(listing.sku, listing.external_id))
        except AuthFailed as exc:
            self._auth_failed(exc)
            return
        except Rejected as exc:
            self._reject(listing, rows, exc.message or str(exc), exc.code, keep_status=True)
            return
        except (RateLimited, Transient, ConnectorError) as exc:
            self._retry(rows, exc)
            return
        if not item.ok:
            self._reject(listing, rows, "; ".join(item.messages) or item.code, item.code,
                         item.messages, keep_status=True)
            return
        now = clock.now()
        Listing.objects.filter(pk=listing.pk).update(
            is_live=False, pushed_quantity=None, pushed_at=now, last_sync_at=now,
            last_sync_ok=True, marketplace_messages=list(item.messages), error_code="",
            last_sync_result=listing.last_sync_result if listing.auto_delisted
            else _("Delisted."))
        self._done(rows)
        self.report.pushed += 1

    def _reject(self, listing: Listing, rows: Sequence[OutboxEntry], message: str, code: str = "",
                messages: Sequence[str] = (), *, keep_status: bool = False) -> None:
        """The marketplace refused the content: the listing shows its words; no retry."""
        message = message or _("Rejected by the marketplace without a message.")
        fields: dict[str, Any] = {
            "last_sync_at": clock.now(), "last_sync_ok": False, "last_sync_result": message[:500],
            "error_code": (code or "")[:128], "marketplace_messages": list(messages) or [message],
        }
        Listing.objects.filter(pk=listing.pk).update(**fields)
        if not keep_status:
            Listing.objects.filter(pk=listing.pk, status=ListingStatus.ACTIVE).update(
                status=ListingStatus.ERROR)
        self._failed(rows, message)

    # ------------------------------------------------------------------ orders

    def _process_order_ops(self, rows: list[OutboxEntry]) -> None:
        rows = sorted(rows, key=lambda r: r.pk)
        for index, row in enumerate(rows):
            order = row.order
            if order is None or not order.external_id:
                self._failed([row], _("The order is gone or has no marketplace id."))
                continue
            try:
                self._order_op(row, order)
            except AuthFailed as exc:
                self._auth_failed(exc)
            except Rejected as exc:
                self._order_rejected(row, order, exc)
            except (RateLimited, Transient, ConnectorError) as exc:
                self._retry([row], exc)
                # Later operations on the same order wait for this one (ack before ship).
                later = rows[index + 1:]
                self._retry(later, exc)
                return

    def _order_op(self, row: OutboxEntry, order: Order) -> None:
        assert self.connector is not None
        connector = self.connector
        external_id = order.external_id or ""
        payload = row.payload or {}
        parameters: dict[str, Any] = {"outbox": row.pk}
        if row.kind == OutboxKind.ORDER_ACK:
            self._call("acknowledge_order", 1, lambda: connector.acknowledge_order(external_id))
            OrderImport.objects.filter(account_id=self.account.pk, external_id=external_id).update(
                acknowledged_at=clock.now())
            event, message = "marketplace_acknowledged", _("Acknowledged to the marketplace.")
        elif row.kind == OutboxKind.ORDER_SHIP:
            shipment = Shipment(
                external_order_id=external_id, carrier=payload.get("carrier", ""),
                tracking_number=payload.get("tracking_number", ""),
                shipped_at=_parse_time(payload.get("shipped_at")) or clock.now(),
                lines=tuple((str(a), int(b)) for a, b in payload.get("lines", [])),
                service=payload.get("service", ""), tracking_url=payload.get("tracking_url", ""),
                package_id=str(payload.get("package_id", "")),
                carrier_name=str(payload.get("carrier_name", "")),
            )
            confirmed = self._call("confirm_shipment", 1,
                                   lambda: connector.confirm_shipment(shipment))
            event = "marketplace_shipment_confirmed"
            message = _("Shipment confirmed to the marketplace: %(carrier)s %(tracking)s.") % {
                "carrier": shipment.carrier, "tracking": shipment.tracking_number}
            if isinstance(confirmed, ShipmentConfirmation):
                parameters.update({k: v for k, v in dataclasses.asdict(confirmed).items() if v})
        elif row.kind == OutboxKind.ORDER_CANCEL:
            reason = payload.get("reason", "")
            lines = tuple((str(a), int(b)) for a, b in payload.get("lines", []))
            submitted = self._call("cancel_order", 1,
                                   lambda: connector.cancel_order(external_id, reason, lines))
            if isinstance(submitted, Submission):  # the marketplace decides later (a feed)
                outcome = self._await(BatchResult(results=(), pending=(submitted,)))
                refused = [r for r in outcome.results if not r.ok]
                if refused:
                    raise Rejected("; ".join(m for r in refused for m in r.messages)
                                   or refused[0].code, code=refused[0].code)
                if not outcome.results:
                    raise Transient(_("The marketplace did not report on the cancellation."))
                parameters["submission_id"] = submitted.id
            event = "marketplace_canceled"
            message = _("Canceled on the marketplace (%(reason)s).") % {"reason": reason}
        else:
            self._failed([row], f"unknown outbox kind {row.kind}")
            return
        with transaction.atomic():
            OrderEvent.objects.create(order=order, type=event, message=message,
                                      parameters=parameters)
            self._done([row])
        self.report.pushed += 1

    def _order_rejected(self, row: OutboxEntry, order: Order, exc: Rejected) -> None:
        message = exc.message or str(exc)
        with transaction.atomic():
            OrderEvent.objects.create(order=order, type="marketplace_rejected",
                                      message=f"{row.get_kind_display()}: {message}",
                                      parameters={"outbox": row.pk, "code": exc.code})
            alert_raise(
                AlertKind.ORDER_PROBLEM, f"order_op:{row.pk}",
                _("%(channel)s refused “%(op)s” for order %(ext)s: %(msg)s")
                % {"channel": self.account.channel, "op": row.get_kind_display(),
                   "ext": order.external_id, "msg": message},
                account=self.account, order=order,
            )
            self._failed([row], message)


def _record_offers_pushed(pushed: Sequence[tuple[Listing, ItemResult, DesiredOffer]],
                          now) -> None:  # noqa: ANN001
    """One UPDATE … FROM (VALUES …) for a batch: what each listing now shows.

    Only sync-state columns are written (a merchant's concurrent edit survives), and
    a price that could not be worked out leaves the last pushed price in place.
    """
    rows: list[Any] = []
    for listing, item, want in pushed:
        result = want.price_error or _("Quantity %(q)d, price %(p)s pushed.") % {
            "q": want.quantity, "p": want.price if want.price is not None else "—"}
        rows += [listing.pk, want.quantity, want.price, json.dumps(list(item.messages)),
                 result[:500], item.external_id or ""]
    values = ", ".join(["(%s::bigint, %s::integer, %s::numeric, %s::jsonb, %s::text, %s::text)"]
                       * len(pushed))
    table = Listing._meta.db_table
    sql = (f'UPDATE "{table}" AS l SET pushed_quantity = v.q, '  # noqa: S608 (no user input)
           "pushed_price = COALESCE(v.p, l.pushed_price), pushed_at = %s, last_sync_at = %s, "
           "last_sync_ok = true, marketplace_messages = v.m, last_sync_result = v.r, "
           "external_id = COALESCE(NULLIF(v.e, ''), l.external_id) "
           f"FROM (VALUES {values}) AS v(id, q, p, m, r, e) WHERE l.id = v.id")
    with connection.cursor() as cursor:
        cursor.execute(sql, [now, now, *rows])  # SET's two times come before the VALUES


def _parse_time(value: Any):  # noqa: ANN202
    if not value:
        return None
    from django.utils.dateparse import parse_datetime

    return parse_datetime(str(value))
