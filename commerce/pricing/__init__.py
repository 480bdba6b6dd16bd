"""Market prices: the FX rate table, per-currency rounding rules, and the rule that prices
a variant in a channel (its fixed price, else derived from the base channel)."""
