"""A demo catalog for local runs, tests and the benchmark: markets, translated products.

``seed_demo_catalog(products=N)`` is idempotent: it sets up the channels (US as
the base market, EU, UK, Japan, China), FX rates, rounding rules, categories and
attributes with translations, then adds demo products until there are N. Names
combine a line name, a product noun and a material, in all six languages.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.utils import timezone
from django.utils.text import slugify

from commerce.catalog.models import (
    Attribute,
    AttributeTranslation,
    AttributeValue,
    AttributeValueTranslation,
    Category,
    CategoryTranslation,
    Product,
    ProductChannelListing,
    ProductMedia,
    ProductTranslation,
    ProductType,
    ProductVariant,
    ProductVariantChannelListing,
)
from commerce.channel.models import Channel, ChannelKind, ChannelWarehouse
from commerce.inventory.models import Stock, Warehouse, WarehouseKind
from commerce.pricing.models import FxRate, PriceRounding

from .cache import bump_catalog_generation
from .services import search_index_update

LANGS = ("en", "de", "fr", "es", "ja", "zh-hans")
T = dict[str, str]


def _t(*names: str) -> T:
    return dict(zip(LANGS, names, strict=True))


CHANNELS = [
    # slug, name, currency, countries, gross, tax %, rounding, usd rate
    ("us", "United States", "USD", ["US", "CA"], False, Decimal("0"), "precision", None),
    ("eu", "Europe", "EUR", ["DE", "AT", "FR", "ES", "IT", "NL", "BE", "IE", "PT", "FI"],
     True, Decimal("19"), "ending-99", Decimal("0.92")),
    ("uk", "United Kingdom", "GBP", ["GB"], True, Decimal("20"), "ending-95", Decimal("0.79")),
    ("jp", "Japan", "JPY", ["JP"], True, Decimal("10"), "nearest-10", Decimal("151.30")),
    ("cn", "China", "CNY", ["CN"], True, Decimal("13"), "whole", Decimal("7.21")),
]

CATEGORIES = {
    "apparel": _t("Apparel", "Bekleidung", "Vêtements", "Ropa", "アパレル", "服装"),
    "home": _t("Home", "Wohnen", "Maison", "Hogar", "ホーム", "家居"),
    "accessories": _t("Accessories", "Accessoires", "Accessoires", "Accesorios", "アクセサリー", "配饰"),
    "outdoor": _t("Outdoor", "Outdoor", "Plein air", "Aire libre", "アウトドア", "户外"),
}

# slug, parent, singular names, plural (category) names, variant attribute, base USD price
NOUNS = [
    ("t-shirt", "apparel", _t("T-Shirt", "T-Shirt", "T-shirt", "Camiseta", "Tシャツ", "T恤"),
     _t("T-Shirts", "T-Shirts", "T-shirts", "Camisetas", "Tシャツ", "T恤"), "size", "19.90"),
    ("hoodie", "apparel", _t("Hoodie", "Kapuzenpullover", "Sweat à capuche", "Sudadera", "パーカー", "连帽衫"),
     _t("Hoodies", "Kapuzenpullover", "Sweats à capuche", "Sudaderas", "パーカー", "连帽衫"), "size", "49.00"),
    ("jacket", "apparel", _t("Jacket", "Jacke", "Veste", "Chaqueta", "ジャケット", "夹克"),
     _t("Jackets", "Jacken", "Vestes", "Chaquetas", "ジャケット", "夹克"), "size", "129.00"),
    ("socks", "apparel", _t("Socks", "Socken", "Chaussettes", "Calcetines", "ソックス", "袜子"),
     _t("Socks", "Socken", "Chaussettes", "Calcetines", "ソックス", "袜子"), "size", "9.50"),
    ("mug", "home", _t("Mug", "Becher", "Mug", "Taza", "マグカップ", "马克杯"),
     _t("Mugs", "Becher", "Mugs", "Tazas", "マグカップ", "马克杯"), "color", "14.00"),
    ("blanket", "home", _t("Blanket", "Decke", "Couverture", "Manta", "ブランケット", "毯子"),
     _t("Blankets", "Decken", "Couvertures", "Mantas", "ブランケット", "毯子"), "color", "69.00"),
    ("lamp", "home", _t("Lamp", "Lampe", "Lampe", "Lámpara", "ランプ", "台灯"),
     _t("Lamps", "Lampen", "Lampes", "Lámparas", "ランプ", "台灯"), "color", "89.00"),
    ("cushion", "home", _t("Cushion", "Kissen", "Coussin", "Cojín", "クッション", "靠垫"),
     _t("Cushions", "Kissen", "Coussins", "Cojines", "クッション", "靠垫"), "color", "29.00"),
    ("backpack", "accessories", _t("Backpack", "Rucksack", "Sac à dos", "Mochila", "リュック", "背包"),
     _t("Backpacks", "Rucksäcke", "Sacs à dos", "Mochilas", "リュック", "背包"), "color", "79.00"),
    ("wallet", "accessories", _t("Wallet", "Geldbörse", "Portefeuille", "Cartera", "財布", "钱包"),
     _t("Wallets", "Geldbörsen", "Portefeuilles", "Carteras", "財布", "钱包"), "color", "39.00"),
    ("cap", "accessories", _t("Cap", "Kappe", "Casquette", "Gorra", "キャップ", "棒球帽"),
     _t("Caps", "Kappen", "Casquettes", "Gorras", "キャップ", "棒球帽"), "color", "24.00"),
    ("scarf", "accessories", _t("Scarf", "Schal", "Écharpe", "Bufanda", "マフラー", "围巾"),
     _t("Scarves", "Schals", "Écharpes", "Bufandas", "マフラー", "围巾"), "color", "35.00"),
    ("bottle", "outdoor", _t("Water bottle", "Trinkflasche", "Gourde", "Botella", "水筒", "水壶"),
     _t("Water bottles", "Trinkflaschen", "Gourdes", "Botellas", "水筒", "水壶"), "color", "22.00"),
    ("tent", "outdoor", _t("Tent", "Zelt", "Tente", "Tienda de campaña", "テント", "帐篷"),
     _t("Tents", "Zelte", "Tentes", "Tiendas de campaña", "テント", "帐篷"), "color", "189.00"),
    ("sleeping-bag", "outdoor", _t("Sleeping bag", "Schlafsack", "Sac de couchage", "Saco de dormir", "寝袋", "睡袋"),
     _t("Sleeping bags", "Schlafsäcke", "Sacs de couchage", "Sacos de dormir", "寝袋", "睡袋"), "color", "99.00"),
    ("lantern", "outdoor", _t("Lantern", "Laterne", "Lanterne", "Farol", "ランタン", "营地灯"),
     _t("Lanterns", "Laternen", "Lanternes", "Faroles", "ランタン", "营地灯"), "color", "34.00"),
]

MATERIALS = [
    ("cotton", _t("Cotton", "Baumwolle", "Coton", "Algodón", "コットン", "棉")),
    ("wool", _t("Wool", "Wolle", "Laine", "Lana", "ウール", "羊毛")),
    ("linen", _t("Linen", "Leinen", "Lin", "Lino", "リネン", "亚麻")),
    ("leather", _t("Leather", "Leder", "Cuir", "Cuero", "レザー", "皮革")),
    ("bamboo", _t("Bamboo", "Bambus", "Bambou", "Bambú", "バンブー", "竹纤维")),
    ("recycled-polyester", _t("Recycled polyester", "Recyceltes Polyester", "Polyester recyclé",
                              "Poliéster reciclado", "再生ポリエステル", "再生聚酯")),
    ("ceramic", _t("Ceramic", "Keramik", "Céramique", "Cerámica", "陶器", "陶瓷")),
    ("stainless-steel", _t("Stainless steel", "Edelstahl", "Acier inoxydable", "Acero inoxidable",
                           "ステンレス", "不锈钢")),
    ("nylon", _t("Nylon", "Nylon", "Nylon", "Nailon", "ナイロン", "尼龙")),
    ("cashmere", _t("Cashmere", "Kaschmir", "Cachemire", "Cachemira", "カシミヤ", "羊绒")),
    ("silk", _t("Silk", "Seide", "Soie", "Seda", "シルク", "丝绸")),
    ("canvas", _t("Canvas", "Canvas", "Toile", "Lona", "キャンバス", "帆布")),
]

COLORS = [
    ("black", "#111111", _t("Black", "Schwarz", "Noir", "Negro", "ブラック", "黑色")),
    ("white", "#f5f5f5", _t("White", "Weiß", "Blanc", "Blanco", "ホワイト", "白色")),
    ("navy", "#1f2a44", _t("Navy", "Marineblau", "Bleu marine", "Azul marino", "ネイビー", "藏青色")),
    ("red", "#b22222", _t("Red", "Rot", "Rouge", "Rojo", "レッド", "红色")),
    ("green", "#2e7d32", _t("Green", "Grün", "Vert", "Verde", "グリーン", "绿色")),
    ("grey", "#8a8a8a", _t("Grey", "Grau", "Gris", "Gris", "グレー", "灰色")),
]
SIZES = ["S", "M", "L", "XL"]

ATTRIBUTES = {
    "material": _t("Material", "Material", "Matière", "Material", "素材", "材质"),
    "color": _t("Color", "Farbe", "Couleur", "Color", "カラー", "颜色"),
    "size": _t("Size", "Größe", "Taille", "Talla", "サイズ", "尺码"),
}

LINES = [
    "Aurora", "Kyoto", "Nordic", "Atlas", "Sierra", "Harbor", "Meadow", "Summit", "Coast",
    "Ember", "Fjord", "Tundra", "Lumen", "Oasis", "Pacific", "Riviera", "Sakura", "Terra",
    "Union", "Vega", "Willow", "Zephyr", "Alpine", "Breeze", "Cedar", "Delta", "Echo", "Flint",
    "Glacier", "Horizon", "Iris", "Juniper", "Kestrel", "Lotus", "Monsoon", "Nimbus", "Orchid",
    "Pine", "Quartz", "Raven", "Solstice", "Tide", "Umber", "Vista", "Wren", "Yukon", "Zen",
    "Basalt", "Cove", "Dune",
]

DESCRIPTIONS = _t(
    "The {line} {noun} in {material}: made to last and easy to care for.",
    "{noun} {line}, Material: {material}. Langlebig und pflegeleicht.",
    "{noun} {line}, matière : {material}. Solide et facile d’entretien.",
    "{noun} {line}, material: {material}. Resistente y fácil de cuidar.",
    "{line} {noun}（素材：{material}）。丈夫でお手入れも簡単です。",
    "{line} {noun}，材质：{material}。经久耐用，易于打理。",
)


def product_name(lang: str, line: str, noun: str, material: str) -> str:
    if lang == "ja":
        return f"{line} {noun}（{material}）"
    if lang == "zh-hans":
        return f"{line} {material}{noun}"
    if lang == "en":
        return f"{line} {noun} – {material}"
    return f"{noun} {line} – {material}"


@dataclass
class SeedResult:
    created: int
    total: int


def _placeholder_svg(label: str, color: str) -> bytes:
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="400" height="400" viewBox="0 0 400 400">'
        f'<rect width="400" height="400" fill="{color}"/>'
        '<text x="200" y="215" font-family="sans-serif" font-size="36" fill="#fff" '
        f'text-anchor="middle">{label}</text></svg>'
    ).encode()


@transaction.atomic
def seed_markets() -> dict[str, Channel]:
    """Channels, warehouses, FX rates and rounding rules (idempotent)."""
    central, _ = Warehouse.objects.get_or_create(
        slug="demo-central", defaults={"name": "Shenzhen central", "country": "CN",
                                       "city": "Shenzhen", "kind": WarehouseKind.CENTRAL})
    berlin, _ = Warehouse.objects.get_or_create(
        slug="demo-berlin", defaults={"name": "Berlin store", "country": "DE", "city": "Berlin",
                                      "kind": WarehouseKind.STORE, "pickup_enabled": True,
                                      "latitude": Decimal("52.52"),
                                      "longitude": Decimal("13.405")})
    channels: dict[str, Channel] = {}
    yesterday = timezone.localdate() - timedelta(days=1)
    for slug, name, currency, countries, gross, tax, rounding, rate in CHANNELS:
        channel, created = Channel.objects.get_or_create(slug=slug, defaults={
            "name": name, "kind": ChannelKind.STOREFRONT, "currency_code": currency,
            "default_country": countries[0], "countries": countries, "languages": list(LANGS),
            "prices_entered_with_tax": gross, "display_gross_prices": gross,
            "default_tax_rate": tax,
        })
        channels[slug] = channel
        ChannelWarehouse.objects.get_or_create(channel=channel, warehouse=central,
                                               defaults={"sort_order": 1})
        if slug == "eu":
            ChannelWarehouse.objects.get_or_create(channel=channel, warehouse=berlin,
                                                   defaults={"sort_order": 0})
        PriceRounding.objects.get_or_create(currency=currency, defaults={"strategy": rounding})
        if rate is not None:
            FxRate.objects.get_or_create(base_currency="USD", quote_currency=currency,
                                         effective_date=yesterday,
                                         defaults={"rate": rate, "source": "demo"})
    return channels


@transaction.atomic
def seed_taxonomy() -> tuple[dict[str, Category], dict[str, dict[str, AttributeValue]],
                             dict[str, ProductType]]:
    categories: dict[str, Category] = {}
    for order, (slug, names) in enumerate(CATEGORIES.items()):
        cat, _ = Category.objects.get_or_create(slug=slug, defaults={
            "name": names["en"], "sort_order": order,
            "description": f"{names['en']} from our workshops around the world."})
        categories[slug] = cat
        _translate_category(cat, names, slug)
    for order, (slug, parent, _single, plural, _kind, _price) in enumerate(NOUNS):
        cat, _ = Category.objects.get_or_create(slug=slug, defaults={
            "name": plural["en"], "parent": categories[parent], "sort_order": order})
        categories[slug] = cat
        _translate_category(cat, plural, slug)

    values: dict[str, dict[str, AttributeValue]] = {}
    attributes: dict[str, Attribute] = {}
    for slug, names in ATTRIBUTES.items():
        attr, _ = Attribute.objects.get_or_create(slug=slug, defaults={"name": names["en"]})
        attributes[slug] = attr
        for lang in LANGS[1:]:
            AttributeTranslation.objects.get_or_create(attribute=attr, language_code=lang,
                                                       defaults={"name": names[lang]})
        values[slug] = {}
    for order, (slug, names) in enumerate(MATERIALS):
        values["material"][slug] = _value(attributes["material"], slug, names, order)
    for order, (slug, hex_color, names) in enumerate(COLORS):
        values["color"][slug] = _value(attributes["color"], slug, names, order, hex_color)
    for order, size in enumerate(SIZES):
        values["size"][size.lower()] = _value(attributes["size"], size.lower(),
                                              dict.fromkeys(LANGS, size), order)

    types: dict[str, ProductType] = {}
    for kind in ("size", "color"):
        ptype, _ = ProductType.objects.get_or_create(
            slug=f"demo-{kind}", defaults={"name": f"Demo ({kind})"})
        ptype.product_attributes.add(attributes["material"])
        ptype.variant_attributes.add(attributes[kind])
        types[kind] = ptype
    return categories, values, types


def _translate_category(cat: Category, names: T, slug: str) -> None:
    for lang in LANGS[1:]:
        CategoryTranslation.objects.get_or_create(category=cat, language_code=lang, defaults={
            "name": names[lang],
            "slug": slugify(names[lang], allow_unicode=True) or slug,
        })


def _value(attr: Attribute, slug: str, names: T, order: int, value: str = "") -> AttributeValue:
    av, _ = AttributeValue.objects.get_or_create(attribute=attr, slug=slug, defaults={
        "name": names["en"], "sort_order": order, "value": value})
    for lang in LANGS[1:]:
        AttributeValueTranslation.objects.get_or_create(attribute_value=av, language_code=lang,
                                                        defaults={"name": names[lang]})
    return av


def _images() -> dict[str, str]:
    paths = {}
    palette = [c[1] for c in COLORS if c[0] != "white"]
    for index, (slug, _parent, single, _plural, _kind, _price) in enumerate(NOUNS):
        path = f"products/demo/{slug}.svg"
        if not default_storage.exists(path):
            path = default_storage.save(path, ContentFile(
                _placeholder_svg(single["en"], palette[index % len(palette)])))
        paths[slug] = path
    return paths


def seed_demo_catalog(products: int = 200, *, batch: int = 2000,
                      index_search: bool = True) -> SeedResult:
    """Ensure the demo catalog has ``products`` demo products (adds the missing ones)."""
    channels = seed_markets()
    categories, values, types = seed_taxonomy()
    images = _images()
    existing = Product.objects.filter(metadata__has_key="demo_index").count()
    created_ids: list[int] = []
    for start in range(existing, products, batch):
        stop = min(start + batch, products)
        with transaction.atomic():
            created_ids += _create_batch(range(start, stop), channels, categories, values, types,
                                         images)
    if len(created_ids) > batch:
        # Fresh statistics for every table a bulk import touched: without them the
        # planner treats them as empty and page queries pick nested-loop scans.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    if index_search and created_ids:
        search_index_update(created_ids)
    if created_ids:
        bump_catalog_generation()  # bulk inserts send no save signals
    return SeedResult(created=len(created_ids), total=max(existing, products))


def _create_batch(indexes: range, channels: dict[str, Channel], categories: dict[str, Category],
                  values: dict[str, dict[str, AttributeValue]], types: dict[str, ProductType],
                  images: dict[str, str]) -> list[int]:
    now = timezone.now()
    specs = []
    for i in indexes:
        noun = NOUNS[i % len(NOUNS)]
        material = MATERIALS[(i // len(NOUNS)) % len(MATERIALS)]
        combos = len(NOUNS) * len(MATERIALS) * len(LINES)
        line = LINES[(i // (len(NOUNS) * len(MATERIALS))) % len(LINES)]
        edition = i // combos
        if edition:
            line = f"{line} {edition + 1}"
        specs.append((i, noun, material, line))

    product_objs = []
    for i, noun, material, line in specs:
        slug, _parent, single, _plural, kind, _price = noun
        name = product_name("en", line, single["en"], material[1]["en"])
        product_objs.append(Product(
            product_type=types[kind], category=categories[slug], name=name,
            slug=f"{slugify(name)}-{i}", brand="Omniport Goods",
            description=DESCRIPTIONS["en"].format(line=line, noun=single["en"].lower(),
                                                  material=material[1]["en"].lower()),
            metadata={"demo_index": i}, rating=round(3 + (i % 20) / 10, 1),
        ))
    Product.objects.bulk_create(product_objs, batch_size=1000)

    translations, variants, media, listings = [], [], [], []
    product_values = []
    for product, (i, noun, material, line) in zip(product_objs, specs, strict=True):
        slug, _parent, single, _plural, kind, _price = noun
        for lang in LANGS[1:]:
            name = product_name(lang, line, single[lang], material[1][lang])
            translations.append(ProductTranslation(
                product=product, language_code=lang, name=name,
                slug=f"{slugify(name, allow_unicode=True)}-{i}",
                description=DESCRIPTIONS[lang].format(line=line, noun=single[lang],
                                                      material=material[1][lang]),
            ))
        media.append(ProductMedia(product=product, image=images[slug]))  # alt: the page's name
        product_values.append(Product.attribute_values.through(
            product_id=product.pk, attributevalue_id=values["material"][material[0]].pk))
        for channel in channels.values():
            listings.append(ProductChannelListing(
                product=product, channel=channel, is_published=True,
                published_at=now - timedelta(days=1), currency=channel.currency_code))
        options = (["s", "m", "l", "xl"] if kind == "size"
                   else [COLORS[(i + k) % len(COLORS)][0] for k in range(3)])
        for k, option in enumerate(options[: 2 + i % 2 + (kind == "size")]):
            variants.append((product, i, k, kind, option))

    ProductTranslation.objects.bulk_create(translations, batch_size=2000)
    ProductMedia.objects.bulk_create(media, batch_size=2000)
    Product.attribute_values.through.objects.bulk_create(product_values, batch_size=2000)
    ProductChannelListing.objects.bulk_create(listings, batch_size=2000)

    variant_objs = [
        ProductVariant(product=product, sku=f"DEMO-{i:05d}-{k}", name="", sort_order=k,
                       weight_grams=200 + 50 * k)
        for product, i, k, _kind, _option in variants
    ]
    ProductVariant.objects.bulk_create(variant_objs, batch_size=2000)
    variant_values, variant_listings, stocks = [], [], []
    central = Warehouse.objects.get(slug="demo-central")
    berlin = Warehouse.objects.get(slug="demo-berlin")
    price_by_noun = {n[0]: Decimal(n[5]) for n in NOUNS}
    for variant, (_product, i, k, kind, option) in zip(variant_objs, variants, strict=True):
        variant_values.append(ProductVariant.attribute_values.through(
            productvariant_id=variant.pk, attributevalue_id=values[kind][option].pk))
        usd = price_by_noun[NOUNS[i % len(NOUNS)][0]] + Decimal(i % 7) + (
            Decimal(2) if option == "xl" else Decimal(0))
        variant_listings.append(ProductVariantChannelListing(
            variant=variant, channel=channels["us"], currency="USD", price_amount=usd,
            cost_price_amount=(usd * Decimal("0.4")).quantize(Decimal("0.01"))))
        if i % 10 < 3:  # a fixed euro price for some products; the rest is derived by FX
            eur = (usd * Decimal("1.05")).quantize(Decimal(1)) - Decimal("0.10")
            variant_listings.append(ProductVariantChannelListing(
                variant=variant, channel=channels["eu"], currency="EUR", price_amount=eur))
        quantity = (i * 7 + k * 3) % 17  # some variants sold out
        stocks.append(Stock(warehouse=central, variant=variant, quantity=quantity))
        if i % 5 == 0:
            stocks.append(Stock(warehouse=berlin, variant=variant, quantity=2))
    ProductVariant.attribute_values.through.objects.bulk_create(variant_values, batch_size=2000)
    ProductVariantChannelListing.objects.bulk_create(variant_listings, batch_size=2000)
    Stock.objects.bulk_create(stocks, batch_size=2000)
    return [p.pk for p in product_objs]
