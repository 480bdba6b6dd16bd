"""The hub's FX rates move to commerce.pricing (one FX table for the storefront and the
hub): rows are copied, then the hub's table is dropped.

Where the storefront's table (storefront 0002) brings a rate for the same pair and
effective date, the one entered last (``created_at``) is kept. A rate from a currency to
itself was never used (the hub converts nothing then) and is not copied. Reversing copies
every rate back.
"""

from django.db import migrations

COPY_RATES = """
INSERT INTO pricing_fxrate (base_currency, quote_currency, rate, effective_date, source,
                            created_at)
SELECT base_currency, quote_currency, rate, valid_from, '', created_at
FROM hub_fxrate
WHERE base_currency <> quote_currency AND rate > 0
ON CONFLICT (base_currency, quote_currency, effective_date) DO UPDATE
SET rate = EXCLUDED.rate, source = EXCLUDED.source, created_at = EXCLUDED.created_at
WHERE EXCLUDED.created_at > pricing_fxrate.created_at
"""

COPY_RATES_BACK = """
INSERT INTO hub_fxrate (base_currency, quote_currency, rate, valid_from, created_at)
SELECT base_currency, quote_currency, rate, effective_date, created_at
FROM pricing_fxrate
ON CONFLICT (base_currency, quote_currency, valid_from) DO NOTHING
"""


class Migration(migrations.Migration):

    dependencies = [
        ("hub", "0001_initial"),
        ("pricing", "0001_initial"),
    ]

    operations = [
        migrations.RunSQL(COPY_RATES, COPY_RATES_BACK),
        migrations.DeleteModel(name="FxRate"),
    ]
