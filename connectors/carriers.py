"""Canonical carrier codes, so the hub names a carrier once for every marketplace.

Each marketplace has its own carrier vocabulary (Walmart's ``CarrierNameType``
enum in ``walmart/us_mp_orders.json``; Amazon's ``carrierCode``; eBay's
``shippingCarrierCode`` from GeteBayDetails; Shopee assigns the carrier of its
logistics channel itself). The hub passes a :class:`Carrier` value, a common
spelling of one, or the marketplace's own code; each connector's mappers turn
it into its marketplace's code with :func:`canonical`.
"""

from __future__ import annotations

import re
from enum import StrEnum


class Carrier(StrEnum):
    UPS = "ups"
    USPS = "usps"
    FEDEX = "fedex"
    DHL = "dhl"  # DHL Express
    DHL_ECOMMERCE = "dhl_ecommerce"
    DEUTSCHE_POST = "deutsche_post"
    DPD = "dpd"
    GLS = "gls"
    HERMES = "hermes"  # Evri in the UK
    ROYAL_MAIL = "royal_mail"
    LA_POSTE = "la_poste"  # Colissimo
    CHRONOPOST = "chronopost"
    CANADA_POST = "canada_post"
    JAPAN_POST = "japan_post"
    YAMATO = "yamato"
    SAGAWA = "sagawa"
    CHINA_POST = "china_post"
    SF_EXPRESS = "sf_express"
    YUNEXPRESS = "yunexpress"
    FOUR_PX = "4px"
    YANWEN = "yanwen"
    CAINIAO = "cainiao"
    ONTRAC = "ontrac"
    LASERSHIP = "lasership"
    OTHER = "other"


# Spellings seen in the wild (and in the marketplaces' lists), folded by _fold().
_ALIASES: dict[str, Carrier] = {
    "unitedparcelservice": Carrier.UPS,
    "unitedstatespostalservice": Carrier.USPS,
    "fdx": Carrier.FEDEX,
    "federalexpress": Carrier.FEDEX,
    "dhlexpress": Carrier.DHL,
    "dhlecommerceus": Carrier.DHL_ECOMMERCE,
    "dhlglobalmail": Carrier.DHL_ECOMMERCE,
    "dhlparcel": Carrier.DHL_ECOMMERCE,
    "deutschepostdhl": Carrier.DEUTSCHE_POST,
    "dhlpaket": Carrier.DEUTSCHE_POST,
    "evri": Carrier.HERMES,
    "hermesworld": Carrier.HERMES,
    "colissimo": Carrier.LA_POSTE,
    "coliposte": Carrier.LA_POSTE,
    "yamatotransport": Carrier.YAMATO,
    "kuronekoyamato": Carrier.YAMATO,
    "sagawaexpress": Carrier.SAGAWA,
    "sfexpress": Carrier.SF_EXPRESS,
    "4px": Carrier.FOUR_PX,
    "fourpx": Carrier.FOUR_PX,
    "ls": Carrier.LASERSHIP,
    "cainiaologistics": Carrier.CAINIAO,
}


def _fold(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


_BY_FOLDED: dict[str, Carrier] = {
    **{_fold(c.value): c for c in Carrier},
    **{_fold(c.name): c for c in Carrier},
    **_ALIASES,
}


def canonical(carrier: str) -> Carrier | None:
    """The canonical carrier for a code or a common spelling ("FedEx", "fedex", "FDX");
    None for a name we do not know (send it as the marketplace's "other" carrier)."""
    return _BY_FOLDED.get(_fold(carrier or ""))
