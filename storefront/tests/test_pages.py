from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from commerce.catalog.models import ProductChannelListing
from commerce.inventory.models import Stock

from .conftest import make_product, parse, set_color, text

pytestmark = pytest.mark.django_db


def test_root_redirects_to_the_shoppers_language(client, tee):
    assert client.get("/", HTTP_ACCEPT_LANGUAGE="ja,en;q=0.5")["Location"] == "/ja/"
    assert client.get("/", HTTP_ACCEPT_LANGUAGE="de-DE")["Location"] == "/de/"
    assert client.get("/", HTTP_ACCEPT_LANGUAGE="zh-CN")["Location"] == "/zh-hans/"


@pytest.mark.parametrize("prefix", ["en", "de", "fr", "es", "ja", "zh-hans"])
def test_every_language_has_its_home(client, tee, prefix):
    response = client.get(f"/{prefix}/")
    assert response.status_code == 200
    assert parse(response).get("lang") == prefix


@pytest.mark.parametrize("path", ["/pt/", "/xx/product/classic-tee/", "/en-gb/"])
def test_a_language_we_do_not_offer_is_a_404(client, tee, path):
    assert client.get(path).status_code == 404


def test_home_shows_categories_and_new_products_in_german(client_in, tee):
    page = parse(client_in("DE").get("/de/"))
    assert "Bekleidung" in [a.text for a in page.cssselect(".category-nav a")]
    card = page.cssselect(".product-card")[0]
    assert "Klassisches T-Shirt" in text(card)
    assert "1.234,50\xa0€" in text(card)
    assert card.cssselect("a")[0].get("href") == "/de/product/klassisches-t-shirt/"


def test_japanese_shopper_sees_yen_without_decimals(client_in, tee):
    page = parse(client_in("JP").get("/ja/product/クラシックtシャツ/"))
    assert page.cssselect("h1")[0].text == "クラシックTシャツ"
    price = text(page.cssselect(".product-price")[0])
    assert "￥4,040" in price
    assert "." not in price.split("￥")[1].split()[0]


def test_tax_label_follows_the_channel(client_in, tee):
    assert "excl. tax" in text(parse(client_in("US").get("/en/product/classic-tee/"))
                               .cssselect(".tax-label")[0])
    assert "incl. tax" in text(parse(client_in("DE").get("/en/product/classic-tee/"))
                               .cssselect(".tax-label")[0])


def test_product_page_offers_variants_and_gallery(client_in, tee):
    page = parse(client_in("DE").get("/de/product/klassisches-t-shirt/"))
    radios = page.cssselect("input[name=variant_id]")
    assert [r.getparent().cssselect(".variant-name")[0].text for r in radios] == ["S", "M"]
    assert all(r.get("disabled") is None for r in radios)
    assert page.cssselect("img.gallery-main")[0].get("src") == "https://cdn.example.com/tee.jpg"
    assert page.cssselect(".gallery-main")[0].get("alt") == "Klassisches T-Shirt"


def test_out_of_stock_products_are_shown_but_not_buyable(client_in, tee):
    Stock.objects.filter(variant__product=tee).update(quantity=0)
    client = client_in("DE")
    page = parse(client.get("/de/product/klassisches-t-shirt/"))
    assert all(r.get("disabled") is not None for r in page.cssselect("input[name=variant_id]"))
    sold_out = page.cssselect(".add-to-cart button")[0]
    assert sold_out.get("disabled") is not None
    assert page.cssselect(".badge-soldout")
    card = parse(client.get("/de/category/bekleidung/")).cssselect(".product-card")[0]
    assert card.cssselect(".badge-soldout")


def test_one_sold_out_variant_is_disabled_the_other_stays_buyable(client_in, tee):
    Stock.objects.filter(variant__sku="TEE-S").update(quantity=0)
    page = parse(client_in("DE").get("/de/product/klassisches-t-shirt/"))
    radios = {r.get("value"): r for r in page.cssselect("input[name=variant_id]")}
    s, m = (tee.variants.get(sku=s).pk for s in ("TEE-S", "TEE-M"))
    assert radios[str(s)].get("disabled") is not None
    assert radios[str(m)].get("disabled") is None and radios[str(m)].get("checked") is not None


def test_unpublished_product_is_a_404(client_in, tee):
    ProductChannelListing.objects.filter(product=tee).update(is_published=False)
    assert client_in("DE").get("/de/product/klassisches-t-shirt/").status_code == 404


def test_product_scheduled_for_later_publication_is_a_404(client_in, tee):
    ProductChannelListing.objects.filter(product=tee).update(
        published_at=timezone.now() + timedelta(days=2))
    assert client_in("DE").get("/de/product/klassisches-t-shirt/").status_code == 404


def test_product_not_listed_in_the_shoppers_market_is_a_404(client_in, tee):
    ProductChannelListing.objects.filter(product=tee, channel__slug="jp").delete()
    assert client_in("DE").get("/ja/product/クラシックtシャツ/").status_code == 200
    assert client_in("JP").get("/ja/product/クラシックtシャツ/").status_code == 404


def test_hidden_from_listings_is_reachable_but_not_listed(client_in, tee):
    ProductChannelListing.objects.filter(product=tee).update(visible_in_listings=False)
    client = client_in("DE")
    assert client.get("/de/product/klassisches-t-shirt/").status_code == 200
    assert not parse(client.get("/de/category/bekleidung/")).cssselect(".product-card")


def test_not_yet_purchasable_product_cannot_be_ordered(client_in, tee):
    ProductChannelListing.objects.filter(product=tee).update(
        available_for_purchase_at=timezone.now() + timedelta(days=5))
    page = parse(client_in("DE").get("/de/product/klassisches-t-shirt/"))
    assert not page.cssselect(".add-to-cart button:not([disabled])")
    assert all(r.get("disabled") is not None for r in page.cssselect("input[name=variant_id]"))
    assert page.cssselect(".add-to-cart .notice")


def test_product_without_a_price_in_this_market_says_so(client_in, markets, apparel):
    make_product(markets, apparel, slug="usd-less", name="Priceless", usd=None)
    page = parse(client_in("DE").get("/en/product/usd-less/"))
    assert "Not available in your country" in text(page.cssselect(".product-price")[0])
    assert page.cssselect(".add-to-cart button[disabled]")


def test_untranslated_product_falls_back_to_the_base_name_and_slug(client_in, markets, apparel):
    make_product(markets, apparel, slug="plain-mug", name="Plain mug", usd="8.00")
    page = parse(client_in("DE").get("/de/product/plain-mug/"))
    assert page.cssselect("h1")[0].text == "Plain mug"


def test_base_slug_redirects_to_the_translated_slug(client, tee):
    response = client.get("/de/product/classic-tee/?variant=1")
    assert response.status_code == 301
    assert response["Location"] == "/de/product/klassisches-t-shirt/?variant=1"


def test_other_languages_slug_redirects_to_this_languages_url(client, tee):
    response = client.get("/fr/product/klassisches-t-shirt/")
    assert response.status_code == 301
    assert response["Location"] == "/fr/product/t-shirt-classique/"


def test_unknown_product_is_a_404(client, tee):
    response = client.get("/de/product/gibt-es-nicht/")
    assert response.status_code == 404


def test_language_switcher_keeps_you_on_the_same_product(client, tee):
    page = parse(client.get("/de/product/klassisches-t-shirt/"))
    links = {a.get("hreflang"): a.get("href") for a in page.cssselect(".language-switcher a")}
    assert links["ja"].endswith("/ja/product/%E3%82%AF%E3%83%A9%E3%82%B7%E3%83%83%E3%82%AFt"
                                "%E3%82%B7%E3%83%A3%E3%83%84/")
    assert links["fr"].endswith("/fr/product/t-shirt-classique/")
    assert links["es"].endswith("/es/product/classic-tee/")  # no Spanish translation yet
    followed = client.get(links["ja"])
    assert followed.status_code == 200
    assert parse(followed).cssselect("h1")[0].text == "クラシックTシャツ"


def test_language_switcher_on_category_uses_translated_slugs(client, tee):
    page = parse(client.get("/en/category/apparel/"))
    links = {a.get("hreflang"): a.get("href") for a in page.cssselect(".language-switcher a")}
    assert links["de"].endswith("/de/category/bekleidung/")
    assert parse(client.get(links["de"])).cssselect("h1")[0].text == "Bekleidung"


def test_category_base_slug_redirects_to_translation(client, tee):
    response = client.get("/de/category/apparel/")
    assert response.status_code == 301 and response["Location"] == "/de/category/bekleidung/"
    assert client.get("/de/category/vetements/")["Location"] == "/de/category/bekleidung/"
    assert client.get("/de/category/nothing/").status_code == 404


def test_category_lists_subcategory_products_and_paginates(client_in, markets, apparel):
    from commerce.tests.factories import CategoryFactory

    tees = CategoryFactory(slug="tees", name="Tees", parent=apparel)
    for i in range(30):
        make_product(markets, tees, slug=f"tee-{i:02d}", name=f"Tee {i:02d}", usd=f"{10 + i}.00",
                     variants=[(f"T{i}", "M")])
    client = client_in("US")
    first = parse(client.get("/en/category/apparel/"))
    assert len(first.cssselect(".product-card")) == 24
    assert "30 products" in text(first.cssselect(".result-count")[0])
    assert first.cssselect(".pagination a[rel=next]")[0].get("href") == "?page=2"
    second = parse(client.get("/en/category/apparel/?page=2"))
    assert len(second.cssselect(".product-card")) == 6
    assert client.get("/en/category/apparel/?page=3").status_code == 404
    assert client.get("/en/category/apparel/?page=abc").status_code == 404
    assert len(parse(client.get("/en/category/tees/")).cssselect(".product-card")) == 24


def test_category_sorts_by_price_in_the_shoppers_currency(client_in, markets, apparel):
    make_product(markets, apparel, slug="cheap", name="Cheap", usd="5.00")
    make_product(markets, apparel, slug="pricey", name="Pricey", usd="50.00")
    make_product(markets, apparel, slug="middle", name="Middle", usd="20.00", eur="2.00")
    client = client_in("DE")

    def names(query: str) -> list[str]:
        page = parse(client.get(f"/en/category/apparel/{query}"))
        return [c.cssselect(".product-name")[0].text for c in page.cssselect(".product-card")]

    # EUR: Middle has a fixed 2.00 €, Cheap derives ~5.99 €, Pricey ~54.99 €
    assert names("?sort=price") == ["Middle", "Cheap", "Pricey"]
    assert names("?sort=-price") == ["Pricey", "Cheap", "Middle"]
    assert names("?sort=name") == ["Cheap", "Middle", "Pricey"]
    assert names("?sort=bogus") == names("?sort=newest")


def test_category_filters_by_attribute(client_in, markets, apparel, color_attribute):
    red = make_product(markets, apparel, slug="red-tee", name="Red tee", variants=[("R1", "M")])
    blue = make_product(markets, apparel, slug="blue-tee", name="Blue tee",
                        variants=[("B1", "M")])
    make_product(markets, apparel, slug="plain", name="Plain tee", variants=[("P1", "M")])
    set_color(red, "red")
    set_color(blue, "blue")
    client = client_in("DE")

    def names(query: str) -> set[str]:
        page = parse(client.get(f"/en/category/apparel/{query}"))
        return {c.cssselect(".product-name")[0].text for c in page.cssselect(".product-card")}

    assert names("?color=red") == {"Red tee"}
    assert names("?color=red&color=blue") == {"Red tee", "Blue tee"}
    assert names("?color=green") == {"Red tee", "Blue tee", "Plain tee"}  # unknown: ignored
    assert names("?utm_source=mail") == {"Red tee", "Blue tee", "Plain tee"}
    page = parse(client.get("/de/category/bekleidung/?color=red"))
    facet = page.cssselect("fieldset.facet")[0]
    assert facet.cssselect("legend")[0].text == "Color"
    labels = {text(label) for label in facet.cssselect("label")}
    assert labels == {"Rot (1)", "Blau (1)"}
    assert facet.cssselect("input[value=red]")[0].get("checked") is not None
    assert page.cssselect("meta[name=robots]")[0].get("content") == "noindex,follow"


def test_policy_pages_are_localized(client, tee):
    for slug in ("shipping", "returns", "privacy", "terms"):
        assert client.get(f"/en/pages/{slug}/").status_code == 200
    assert client.get("/en/pages/secret/").status_code == 404


def test_cart_link_appears_only_once_the_cart_exists(client, tee):
    page = parse(client.get("/en/"))
    from django.urls import NoReverseMatch, reverse

    try:
        cart = reverse("checkout:cart")
    except NoReverseMatch:
        assert not page.cssselect(".cart-link")
    else:
        assert page.cssselect(".cart-link")[0].get("href") == cart


@pytest.mark.parametrize("path", [
    "/en/search/?q=" + "x" * 5000,
    "/en/search/?q=%00%01",
    "/en/search/?q=' OR 1=1 --",
    "/en/search/?q=a%20%26%20b%20%7C%20!c%20%3C-%3E",
    "/ja/search/?q=%27%27%5C",
    "/en/category/apparel/?page=-1",
    "/en/category/apparel/?page=99999999999999999999",
    "/en/category/apparel/?sort=%00",
    "/en/product/classic-tee/?variant=abc",
    "/en/product/classic-tee/?variant=99999999999999999999",
    "/en/market/?country=%00",
    "/en/market/",
])
def test_hostile_input_never_causes_a_500(client, tee, path):
    assert client.get(path).status_code < 500


def test_pages_refuse_unsafe_methods(client, tee):
    assert client.post("/en/category/apparel/").status_code == 405


@pytest.mark.parametrize("path", [
    "/en/product/a%00b/",
    "/en/category/a%00b/",
    "/en/search/?q=abc%00def",
    "/ja/search/?q=%E6%9D%B1%00%E4%BA%AC",
    "/en/category/apparel/?page=%C2%B2",
    "/en/product/classic-tee/?variant=%C2%B2",
    "/en/category/apparel/?color=%00",
    "/en/market/?country=DE&next=%00",
    "/en/pages/shipping%00/",
    "/en/account/orders/99999999999999999999999999/",
])
def test_null_bytes_and_odd_numbers_are_not_a_500(client, tee, path):
    assert client.get(path).status_code < 500


def test_out_of_range_ids_in_account_urls_are_404(client, tee):
    from commerce.tests.factories import UserFactory

    client.force_login(UserFactory(email="range@example.com"))
    assert client.get("/en/account/orders/99999999999999999999999999/").status_code == 404
    assert client.get("/en/account/addresses/99999999999999999999999/").status_code == 404
