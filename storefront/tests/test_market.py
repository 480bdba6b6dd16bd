from __future__ import annotations

import pytest
from django.test import RequestFactory, override_settings
from django.utils.translation import override

from storefront.market import get_market

from .conftest import parse, text

pytestmark = pytest.mark.django_db


def _request(cookie: str | None = None):
    request = RequestFactory().get("/en/")
    if cookie is not None:
        request.COOKIES["market_country"] = cookie
    return request


def test_without_a_choice_everyone_gets_the_default_market(markets):
    with override("de"):
        market = get_market(_request())
    assert market.channel == markets.us
    assert (market.currency, market.country_code, market.country_chosen) == ("USD", "US", False)
    assert market.language == "de"
    assert market.tax_display == "net"


def test_the_chosen_country_picks_its_channel(markets):
    market = get_market(_request("jp"))
    assert market.channel == markets.jp
    assert (market.currency, market.country_code, market.country_chosen) == ("JPY", "JP", True)
    assert market.tax_display == "gross"


@pytest.mark.parametrize("cookie", ["ZZ", "", "<script>", "DEU", "1"])
def test_an_unknown_country_cookie_falls_back_to_the_default(markets, cookie):
    assert get_market(_request(cookie)).channel == markets.us


@override_settings(DEFAULT_CHANNEL_SLUG="eu")
def test_default_channel_comes_from_settings(markets):
    assert get_market(_request()).channel == markets.eu


def test_market_switch_by_cookie_changes_currency_on_the_page(client, tee):
    page = client.get("/en/product/classic-tee/")
    assert "$24.50" in text(parse(page).cssselect(".product-price")[0])

    client.cookies["market_country"] = "DE"
    page = client.get("/de/product/klassisches-t-shirt/")
    assert "1.234,50\xa0€" in text(parse(page).cssselect(".product-price")[0])
    assert "Cookie" in page["Vary"]


def test_market_selector_remembers_the_country_and_returns(client, tee):
    response = client.get("/de/market/", {"country": "jp", "next": "/de/category/bekleidung/"})
    assert response.status_code == 302
    assert response["Location"] == "/de/category/bekleidung/"
    cookie = response.cookies["market_country"]
    assert cookie.value == "JP" and cookie["samesite"] == "Lax"
    page = client.get("/de/category/bekleidung/")
    assert "4.040\xa0¥" in text(parse(page).cssselect(".product-card")[0])


def test_market_selector_refuses_a_country_we_do_not_serve(client, tee):
    response = client.get("/en/market/", {"country": "ZZ", "next": "/en/"})
    assert response.status_code == 400
    assert "We do not deliver to" in response.content.decode()
    assert "market_country" not in response.cookies


def test_market_selector_does_not_redirect_off_site(client, tee):
    response = client.get("/en/market/", {"country": "DE", "next": "https://evil.example/"})
    assert response.status_code == 302
    assert response["Location"] == "/en/"


def test_selector_lists_countries_in_the_page_language(client, tee):
    page = parse(client.get("/de/"))
    options = {o.get("value"): o.text for o in page.cssselect("#market-country option")}
    assert options["DE"] == "Deutschland"
    assert options["JP"] == "Japan"
    assert page.cssselect("#market-country option[selected]")[0].get("value") == "US"


def test_no_storefront_channel_shows_a_closed_page_not_a_500(client, db):
    response = client.get("/en/")
    assert response.status_code == 503
    assert "not open yet" in response.content.decode()
