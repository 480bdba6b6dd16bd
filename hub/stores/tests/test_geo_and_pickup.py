from __future__ import annotations

from decimal import Decimal

import pytest

from commerce.account.models import Address
from commerce.checkout.models import Checkout, CheckoutLine
from commerce.inventory.services import StockRequest, stock_reserve
from hub.stores import geo
from hub.stores.errors import StoresError
from hub.stores.pickup import PickupDeliveryProvider
from hub.stores.routing import Destination
from hub.stores.selectors import pickup_summary


def test_haversine_berlin_munich():
    assert geo.haversine_km(52.520008, 13.404954, 48.137154, 11.576124) == pytest.approx(504, abs=2)


def test_geocode_postcode_countries_and_city_fallback():
    berlin = geo.geocode_address("DE", "10117", "")
    assert berlin.precision == geo.Precision.POSTCODE
    assert geo.haversine_km(berlin.latitude, berlin.longitude, 52.517, 13.389) < 3
    nyc = geo.geocode_address("US", "10001-2345", "")
    assert nyc.precision == geo.Precision.POSTCODE and round(nyc.latitude) == 41
    paris = geo.geocode_address("FR", "75001", "Paris")  # no French postcode table: city
    assert paris.precision == geo.Precision.CITY and round(paris.latitude) == 49
    assert geo.geocode_address("DE", "", "Cologne").label == "Köln"  # alternate name
    portland_me = geo.geocode_address("US", "", "Portland", "ME")
    assert round(portland_me.longitude) == -70
    assert geo.geocode_address("DE", "", "Nowhere-on-earth") is None
    assert geo.geocode_address("", "10117", "Berlin") is None


def test_browser_points_are_checked():
    assert geo.point_from_browser("52.5", "13.4").precision == geo.Precision.GEOLOCATION
    assert geo.point_from_browser("91", "0") is None
    assert geo.point_from_browser("nan", "0") is None
    assert geo.point_from_browser(None, "1") is None


@pytest.mark.django_db
def test_pickup_summary_lists_nearby_stores_with_the_product(market):
    summary = pickup_summary(market.tee.product, market.channel,
                             near=Destination(country="DE", city="München"))
    assert summary.store_count == 2
    assert [s.name for s in summary.stores] == ["Munich store", "Berlin store"]
    assert summary.stores[0].distance_km < 5 and summary.stores[0].units == 2
    assert summary.location_precision == "city"
    assert summary.message == "Available for pickup at 2 stores"
    mug = pickup_summary(market.mug.product, market.channel, near=(52.52, 13.40))
    assert mug.store_count == 1 and mug.stores[0].name == "Berlin store"
    market.berlin.warehouse.pickup_enabled = False
    market.berlin.warehouse.save()
    assert pickup_summary(market.mug.product, market.channel).store_count == 0


def _checkout(m, lines, city="Berlin"):  # noqa: ANN001, ANN202
    address = Address.objects.create(first_name="A", city=city, country="DE")
    checkout = Checkout.objects.create(channel=m.channel, currency="EUR", country="DE",
                                       shipping_address=address, email="a@example.com")
    for variant, qty in lines:
        CheckoutLine.objects.create(checkout=checkout, variant=variant, quantity=qty)
    return checkout


@pytest.mark.django_db
def test_checkout_offers_pickup_where_every_line_can_be_served(market):
    provider = PickupDeliveryProvider()
    checkout = _checkout(market, [(market.tee, 2), (market.mug, 1)])
    options = provider.available_options(checkout)
    assert [o.name for o in options] == ["Pick up at Berlin store"]  # Munich has no mug
    assert options[0].price == Decimal(0) and options[0].transfers == []
    assert "ready in about 15 minutes" in options[0].description
    market.munich.allow_transfers = True
    market.munich.save()
    options = provider.available_options(checkout, near=(48.14, 11.58))
    assert [o.name for o in options] == ["Pick up at Munich store", "Pick up at Berlin store"]
    munich = options[0]
    assert [(t.sku, t.quantity, t.from_warehouse) for t in munich.transfers] == [
        ("MUG-WHT", 1, "Leipzig central")]
    assert "1 × MUG-WHT will be transferred from Leipzig central" in munich.description
    chosen = provider.apply(checkout, munich.id)
    checkout.refresh_from_db()
    assert (checkout.delivery_method, checkout.collection_point_id) == (
        "pickup", market.munich.warehouse_id)
    assert chosen.id == munich.id
    with pytest.raises(StoresError):
        provider.apply(checkout, "pickup:999999")


@pytest.mark.django_db
def test_own_reservation_counts_as_available_to_the_checkout(market):
    checkout = _checkout(market, [(market.mug, 3)])  # Berlin holds exactly 3 mugs
    stock_reserve(checkout.reservation_reference, [StockRequest(market.mug.pk, 3)],
                  market.channel, warehouse_ids=[market.berlin.warehouse_id])
    provider = PickupDeliveryProvider()
    assert [o.warehouse_id for o in provider.available_options(checkout)] == [
        market.berlin.warehouse_id]
    other = _checkout(market, [(market.mug, 1)])
    assert provider.available_options(other) == []
