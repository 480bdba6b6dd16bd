from __future__ import annotations

import pytest
from django.core.management import call_command

from commerce.catalog.models import Product, ProductTranslation
from commerce.catalog.services import product_translate
from storefront.search import cjk_query_literal, cjk_tokens, cjk_vector_literal
from storefront.tasks import update_search_index

from .conftest import make_product, parse

pytestmark = pytest.mark.django_db


def names(client, url: str) -> list[str]:
    page = parse(client.get(url))
    return [c.cssselect(".product-name")[0].text for c in page.cssselect(".product-card")]


@pytest.fixture
def catalog(markets, apparel):
    products = [
        make_product(markets, apparel, slug="wool-scarf", name="Wool scarf", usd="30.00",
                     description="A warm scarf knitted from merino wool.",
                     translations={
                         "de": {"name": "Wollschal", "description": "Ein warmer Schal aus Merinowolle."},
                         "fr": {"name": "Écharpe en laine", "description": "Une écharpe chaude en laine mérinos."},
                         "es": {"name": "Bufanda de lana", "description": "Una bufanda cálida de lana merino."},
                         "ja": {"name": "ウールのマフラー", "description": "メリノウールで編んだ暖かいマフラー。"},
                         "zh-hans": {"name": "羊毛围巾", "description": "美利奴羊毛编织的保暖围巾。"},
                     }, variants=[("SCARF-1", "")]),
        make_product(markets, apparel, slug="running-shoes", name="Running shoes", usd="80.00",
                     description="Light shoes for running on the road.",
                     translations={
                         "de": {"name": "Laufschuhe", "description": "Leichte Schuhe zum Laufen."},
                         "fr": {"name": "Chaussures de course", "description": "Des chaussures légères pour courir."},
                         "es": {"name": "Zapatillas para correr", "description": "Zapatillas ligeras para correr."},
                         "ja": {"name": "ランニングシューズ", "description": "ロードを走るための軽い靴。"},
                         "zh-hans": {"name": "跑步鞋", "description": "适合公路跑步的轻便鞋。"},
                     }, variants=[("SHOE-1", "")]),
        make_product(markets, apparel, slug="tokyo-tower-mug", name="Tokyo Tower mug",
                     usd="12.00",
                     translations={"ja": {"name": "東京タワーのマグカップ"},
                                   "zh-hans": {"name": "东京塔马克杯"}},
                     variants=[("MUG-1", "")]),
    ]
    call_command("update_search_index", "--all", verbosity=0)
    return products


def test_german_search_uses_german_stemming(client, catalog):
    assert names(client, "/de/search/?q=Schals") == ["Wollschal"]
    assert names(client, "/de/search/?q=laufen") == ["Laufschuhe"]


def test_french_and_spanish_search(client, catalog):
    assert names(client, "/fr/search/?q=écharpes") == ["Écharpe en laine"]
    assert names(client, "/es/search/?q=zapatilla") == ["Zapatillas para correr"]


def test_english_search_and_base_name_fallback_in_other_languages(client, catalog):
    assert names(client, "/en/search/?q=running") == ["Running shoes"]
    # a German shopper typing the original (English) name still finds it, in German
    assert names(client, "/de/search/?q=running shoes") == ["Laufschuhe"]


def test_japanese_search_by_character_bigrams(client, catalog):
    assert names(client, "/ja/search/?q=マフラー") == ["ウールのマフラー"]
    assert names(client, "/ja/search/?q=東京タワー") == ["東京タワーのマグカップ"]
    assert names(client, "/ja/search/?q=シューズ") == ["ランニングシューズ"]
    # the bigrams must be adjacent: タワ and ー東 do not make "タワー東"
    assert names(client, "/ja/search/?q=タワー東") == []


def test_chinese_search_single_and_multi_character(client, catalog):
    assert names(client, "/zh-hans/search/?q=围巾") == ["羊毛围巾"]
    assert names(client, "/zh-hans/search/?q=鞋") == ["跑步鞋"]
    assert set(names(client, "/zh-hans/search/?q=羊毛")) == {"羊毛围巾"}


def test_full_width_input_is_folded(client, catalog):
    assert names(client, "/ja/search/?q=ﾏﾌﾗｰ") == ["ウールのマフラー"]


def test_search_ranks_name_hits_first(client, markets, apparel, catalog):
    make_product(markets, apparel, slug="wool-socks", name="Socks",
                 description="Socks with a little wool.", variants=[("SOCK-1", "")])
    call_command("update_search_index", verbosity=0)
    assert names(client, "/en/search/?q=wool") == ["Wool scarf", "Socks"]


def test_search_only_finds_products_visible_in_the_market(client_in, catalog, markets):
    from commerce.catalog.models import ProductChannelListing

    ProductChannelListing.objects.filter(product__slug="wool-scarf",
                                         channel=markets.jp).delete()
    assert names(client_in("JP"), "/ja/search/?q=マフラー") == []
    assert names(client_in("DE"), "/ja/search/?q=マフラー") == ["ウールのマフラー"]


def test_empty_and_punctuation_only_queries_show_no_results(client, catalog):
    for query in ("", "   ", "!!!", "&|<->", "'"):
        response = client.get("/en/search/", {"q": query})
        assert response.status_code == 200
        assert not parse(response).cssselect(".product-card")


def test_search_results_are_not_indexed_by_crawlers(client, catalog):
    page = parse(client.get("/en/search/?q=wool"))
    assert page.cssselect("meta[name=robots]")[0].get("content") == "noindex,follow"


def test_translation_edit_marks_dirty_and_the_beat_task_reindexes(client, catalog):
    scarf = Product.objects.get(slug="wool-scarf")
    product_translate(scarf, "de", name="Kuschelschal", slug="kuschelschal")
    assert Product.objects.get(pk=scarf.pk).search_index_dirty
    assert names(client, "/de/search/?q=Kuschelschal") == []  # not indexed yet
    assert update_search_index() == 1
    assert names(client, "/de/search/?q=Kuschelschal") == ["Kuschelschal"]
    assert not Product.objects.get(pk=scarf.pk).search_index_dirty


def test_vectors_are_stored_on_product_and_translations(catalog):
    assert Product.objects.filter(search_vector__isnull=True).count() == 0
    assert ProductTranslation.objects.filter(search_vector__isnull=True).count() == 0


def test_cjk_tokenizer_and_literals():
    assert cjk_tokens("東京タワー mug") == ["東京", "京タ", "タワ", "ワー", "ー", "mug"]
    assert cjk_vector_literal([("東京", "A")]) == "'東京':1A '京':2A"
    assert cjk_query_literal("東京タワー") == "('東京' <-> '京タ' <-> 'タワ' <-> 'ワー')"
    assert cjk_query_literal("茶 Tea") == "'茶':* & 'tea':*"
    assert cjk_query_literal("it's") == "'it':* & 's':*"
    assert cjk_query_literal("'\\") == ""
