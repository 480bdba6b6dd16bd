"""Monthly settlement per store: the online orders it fulfilled and the fee it earned.

A month is a calendar month in the store's own time zone. An order counts in
the month its store part was handed over (pickup) or shipped (ship from store).
The amount is the goods value the store handed out (its lines at the prices
charged); the fee is the store's percentage of that plus the fixed per-order
fee of the order's currency. Money stays Decimal per currency, rounded to the
currency's precision.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db.models import Q
from django.utils.translation import gettext as _

from commerce.core.money import quantize

from .models import FulfilmentStatus, Store, StoreFulfilment


@dataclass
class StatementLine:
    order_number: int
    channel: str
    kind: str
    completed_at: datetime  # store-local
    currency: str
    amount: Decimal
    fee: Decimal


@dataclass
class CurrencyTotal:
    currency: str
    orders: int = 0
    amount: Decimal = Decimal(0)
    percent_fee: Decimal = Decimal(0)
    fixed_fee: Decimal = Decimal(0)
    has_fixed_rule: bool = False

    @property
    def fee(self) -> Decimal:
        return self.percent_fee + self.fixed_fee


@dataclass
class Statement:
    store: Store
    year: int
    month: int
    starts: datetime
    ends: datetime
    fee_percent: Decimal
    lines: list[StatementLine] = field(default_factory=list)
    totals: list[CurrencyTotal] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


def month_bounds(store: Store, year: int, month: int) -> tuple[datetime, datetime]:
    if not (1 <= month <= 12) or not (2000 <= year <= 9999):
        raise ValueError(_("Pick a month between 2000-01 and 9999-12."))
    tz = ZoneInfo(store.time_zone)
    starts = datetime(year, month, 1, tzinfo=tz)
    ends = datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=tz)
    return starts, ends


def settlement_statement(store: Store, year: int, month: int) -> Statement:
    """Compute the statement of one store for one month (reads only)."""
    starts, ends = month_bounds(store, year, month)
    tz = ZoneInfo(store.time_zone)
    fixed = {r.currency: r.fixed_per_order for r in store.fee_rules.all()}
    percent = Decimal(store.fee_percent)
    rows = (
        StoreFulfilment.objects.filter(store=store)
        .filter(Q(status=FulfilmentStatus.COLLECTED, collected_at__gte=starts, collected_at__lt=ends)
                | Q(status=FulfilmentStatus.SHIPPED, shipped_at__gte=starts, shipped_at__lt=ends))
        .select_related("order__channel")
        .prefetch_related("lines__order_line")
    )
    statement = Statement(store=store, year=year, month=month, starts=starts, ends=ends,
                          fee_percent=percent)
    totals: dict[str, CurrencyTotal] = {}
    for f in rows:
        order = f.order
        cur = order.currency
        amount = quantize(sum((fl.order_line.unit_price_gross_amount * fl.quantity
                               for fl in f.lines.all()), Decimal(0)), cur)
        pct_fee = quantize(amount * percent / Decimal(100), cur)
        fixed_fee = quantize(fixed.get(cur, Decimal(0)), cur)
        done = f.collected_at if f.status == FulfilmentStatus.COLLECTED else f.shipped_at
        assert done is not None
        statement.lines.append(StatementLine(
            order_number=order.number, channel=order.channel.name, kind=f.get_kind_display(),
            completed_at=done.astimezone(tz), currency=cur, amount=amount,
            fee=pct_fee + fixed_fee))
        t = totals.setdefault(cur, CurrencyTotal(cur, has_fixed_rule=cur in fixed))
        t.orders += 1
        t.amount += amount
        t.percent_fee += pct_fee
        t.fixed_fee += fixed_fee
    statement.lines.sort(key=lambda ln: (ln.completed_at, ln.order_number))
    statement.totals = [totals[c] for c in sorted(totals)]
    return statement


def statement_csv(statement: Statement) -> str:
    """The statement as CSV: one row per order, then one total row per currency."""
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["store", "month", "order", "channel", "kind", "completed_at", "currency",
                "amount", "fee"])
    for ln in statement.lines:
        w.writerow([statement.store.name, statement.label, ln.order_number, ln.channel, ln.kind,
                    ln.completed_at.isoformat(timespec="minutes"), ln.currency, f"{ln.amount}",
                    f"{ln.fee}"])
    w.writerow([])
    w.writerow(["store", "month", "currency", "orders", "amount", "percent_fee", "fixed_fee",
                "fee_total"])
    for t in statement.totals:
        w.writerow([statement.store.name, statement.label, t.currency, t.orders, f"{t.amount}",
                    f"{t.percent_fee}", f"{t.fixed_fee}", f"{t.fee}"])
    return out.getvalue()


def statement_pdf(statement: Statement) -> bytes:
    """The statement as a one-table-per-section A4 PDF (reportlab)."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, title=f"{statement.store.name} {statement.label}")
    styles = getSampleStyleSheet()
    story = [
        Paragraph(_("Settlement %(month)s — %(store)s")
                  % {"month": statement.label, "store": statement.store.name}, styles["Title"]),
        Paragraph(_("Fee: %(pct)s%% of goods value plus the per-order fee of the currency.")
                  % {"pct": statement.fee_percent}, styles["Normal"]),
        Spacer(1, 12),
    ]
    style = TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
        ("BACKGROUND", (0, 0), (-1, 0), colors.lightgrey),
        ("ALIGN", (-3, 1), (-1, -1), "RIGHT"),
        ("FONTSIZE", (0, 0), (-1, -1), 8),
    ])
    totals = [[_("Currency"), _("Orders"), _("Amount"), _("Percentage fee"), _("Fixed fee"), _("Fee total")]]
    totals += [[t.currency, str(t.orders), f"{t.amount}", f"{t.percent_fee}", f"{t.fixed_fee}",
                f"{t.fee}"] for t in statement.totals]
    if not statement.totals:
        totals.append([_("No fulfilled online orders this month."), "", "", "", "", ""])
    story += [Paragraph(_("Totals per currency"), styles["Heading2"]),
              Table(totals, style=style, hAlign="LEFT"), Spacer(1, 12)]
    rows = [[_("Order"), _("Channel"), _("Kind"), _("Completed"), _("Currency"), _("Amount"),
             _("Fee")]]
    rows += [[f"#{ln.order_number}", ln.channel[:28], ln.kind,
              ln.completed_at.strftime("%Y-%m-%d %H:%M"), ln.currency, f"{ln.amount}", f"{ln.fee}"]
             for ln in statement.lines]
    story += [Paragraph(_("Orders"), styles["Heading2"]),
              Table(rows, style=style, hAlign="LEFT", repeatRows=1)]
    doc.build(story)
    return buffer.getvalue()

