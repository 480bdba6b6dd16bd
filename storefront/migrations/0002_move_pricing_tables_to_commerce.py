"""The storefront's FX rates and rounding rules move to commerce.pricing (one FX table for
the storefront and the hub): rows are copied, then the storefront tables are dropped.

Where the hub's table (hub 0002) brings a rate for the same pair and effective date, the
one entered last (``created_at``) is kept. Rows the new table's checks refuse (a rate from
a currency to itself, a code that is not three letters) were never used for a price and
are not copied. Reversing copies every rate and rule back.
"""

from django.db import migrations

COPY_RATES = """
INSERT INTO pricing_fxrate (base_currency, quote_currency, rate, effective_date, source,
                            created_at)
SELECT upper(base_currency), upper(quote_currency), rate, date, source, created_at
FROM storefront_fxrate
WHERE upper(base_currency) ~ '^[A-Z]{3}$' AND upper(quote_currency) ~ '^[A-Z]{3}$'
  AND upper(base_currency) <> upper(quote_currency) AND rate > 0
ON CONFLICT (base_currency, quote_currency, effective_date) DO UPDATE
SET rate = EXCLUDED.rate, source = EXCLUDED.source, created_at = EXCLUDED.created_at
WHERE EXCLUDED.created_at > pricing_fxrate.created_at
"""

COPY_RATES_BACK = """
INSERT INTO storefront_fxrate (base_currency, quote_currency, rate, date, source, created_at)
SELECT base_currency, quote_currency, rate, effective_date, source, created_at
FROM pricing_fxrate
ON CONFLICT (base_currency, quote_currency, date) DO NOTHING
"""

COPY_ROUNDING = """
INSERT INTO pricing_pricerounding (currency, strategy)
SELECT upper(currency), strategy FROM storefront_pricerounding
ON CONFLICT (currency) DO NOTHING
"""

COPY_ROUNDING_BACK = """
INSERT INTO storefront_pricerounding (currency, strategy)
SELECT currency, strategy FROM pricing_pricerounding
ON CONFLICT (currency) DO NOTHING
"""


class Migration(migrations.Migration):

    dependencies = [
        ("storefront", "0001_initial"),
        ("pricing", "0001_initial"),
    ]

    operations = [
        migrations.RunSQL(COPY_RATES, COPY_RATES_BACK),
        migrations.RunSQL(COPY_ROUNDING, COPY_ROUNDING_BACK),
        migrations.DeleteModel(name="FxRate"),
        migrations.DeleteModel(name="PriceRounding"),
    ]
