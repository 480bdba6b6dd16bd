"""The demo catalog's words: product styles, attributes and categories in six languages.

Written for Omniport's demo (not taken from any other project's data). Every
name is given in LANGS order: en, de, fr, es, ja, zh-hans. Product names are
"<collection> <style>", e.g. "Nordvik Organic Cotton T-Shirt" /
"Nordvik Bio-Baumwoll-T-Shirt" / … / "Nordvik 有机棉T恤".
"""

from __future__ import annotations

from dataclasses import dataclass, field

LANGS = ("en", "de", "fr", "es", "ja", "zh-hans")


def t(*names: str) -> dict[str, str]:
    """Names in LANGS order -> {language: name}."""
    assert len(names) == len(LANGS), names
    return dict(zip(LANGS, names, strict=True))


@dataclass(frozen=True)
class Value:
    code: str  # used in SKUs
    slug: str
    names: dict[str, str]
    hex: str = ""
    price_usd: float = 0.0  # surcharge over the product's base price
    weight_factor: float = 1.0


@dataclass(frozen=True)
class AttributeSpec:
    slug: str
    names: dict[str, str]
    input_type: str
    values: tuple[Value, ...]
    unit: str = ""


def v(code: str, *names: str, slug: str = "", hex: str = "", price: float = 0.0,
      weight: float = 1.0) -> Value:
    from django.utils.text import slugify

    return Value(code=code, slug=slug or slugify(names[0]), names=t(*names), hex=hex,
                 price_usd=price, weight_factor=weight)


def same(code: str, name: str, **kw: object) -> Value:
    return v(code, *([name] * len(LANGS)), **kw)  # type: ignore[arg-type]


COLOUR = AttributeSpec("colour", t("Colour", "Farbe", "Couleur", "Color", "カラー", "颜色"),
                       "swatch", (
    v("BLK", "Black", "Schwarz", "Noir", "Negro", "ブラック", "黑色", hex="#1A1A1A"),
    v("WHT", "White", "Weiß", "Blanc", "Blanco", "ホワイト", "白色", hex="#FFFFFF"),
    v("NVY", "Navy", "Marineblau", "Bleu marine", "Azul marino", "ネイビー", "藏青色", hex="#1F2A44"),
    v("GRY", "Heather Grey", "Grau meliert", "Gris chiné", "Gris jaspeado", "杢グレー", "麻灰色",
      hex="#9A9A9A"),
    v("OLV", "Olive", "Oliv", "Olive", "Verde oliva", "オリーブ", "橄榄绿", hex="#6B6B3A"),
    v("BRG", "Burgundy", "Bordeaux", "Bordeaux", "Burdeos", "バーガンディ", "酒红色", hex="#7A1F2B"),
    v("SND", "Sand", "Sand", "Sable", "Arena", "サンド", "沙色", hex="#D8C8A8"),
    v("SKY", "Sky Blue", "Himmelblau", "Bleu ciel", "Azul cielo", "スカイブルー", "天蓝色",
      hex="#8EC5E8"),
    v("FGR", "Forest Green", "Waldgrün", "Vert forêt", "Verde bosque", "フォレストグリーン",
      "森林绿", hex="#2F5D3A"),
    v("TER", "Terracotta", "Terrakotta", "Terre cuite", "Terracota", "テラコッタ", "赤陶色",
      hex="#C8643C"),
    v("CHR", "Charcoal", "Anthrazit", "Anthracite", "Carbón", "チャコール", "炭灰色", hex="#36454F"),
    v("CRM", "Cream", "Creme", "Crème", "Crema", "クリーム", "奶油色", hex="#F3E9D2"),
    v("CLR", "Clear", "Transparent", "Transparent", "Transparente", "クリア", "透明", hex="#F5F5F5"),
))

SIZE = AttributeSpec("size", t("Size", "Größe", "Taille", "Talla", "サイズ", "尺码"), "dropdown", (
    same("XS", "XS", weight=0.85),
    same("S", "S", weight=0.92),
    same("M", "M"),
    same("L", "L", weight=1.08),
    same("XL", "XL", weight=1.15),
    same("XXL", "XXL", price=2.0, weight=1.22),
))

SOCK_SIZE = AttributeSpec("sock-size", t("Shoe size (EU)", "Schuhgröße (EU)", "Pointure (EU)",
                                         "Talla de calzado (EU)", "靴のサイズ（EU）", "鞋码（欧码）"),
                          "dropdown", (
    same("3538", "35–38", slug="35-38"),
    same("3942", "39–42", slug="39-42"),
    same("4346", "43–46", slug="43-46"),
))

CUSHION_SIZE = AttributeSpec("cushion-size", t("Dimensions", "Maße", "Dimensions", "Medidas",
                                               "サイズ", "尺寸"), "dropdown", (
    same("40", "40 × 40 cm", slug="40x40-cm"),
    same("50", "50 × 50 cm", slug="50x50-cm", price=4.0, weight=1.5),
))

PHONE_MODEL = AttributeSpec("phone-model", t("Phone model", "Handymodell", "Modèle de téléphone",
                                             "Modelo de teléfono", "対応機種", "适用机型"),
                            "dropdown", (
    same("IP15", "iPhone 15"),
    same("IP15P", "iPhone 15 Pro"),
    same("GS24", "Galaxy S24"),
    same("PX8", "Pixel 8"),
))

CONNECTOR = AttributeSpec("connector", t("Connector", "Anschluss", "Connecteur", "Conector",
                                         "コネクタ", "接口"), "dropdown", (
    v("CC", "USB-C to USB-C", "USB-C auf USB-C", "USB-C vers USB-C", "USB-C a USB-C",
      "USB-C - USB-C", "USB-C 转 USB-C", slug="usb-c-to-usb-c"),
    v("CL", "USB-C to Lightning", "USB-C auf Lightning", "USB-C vers Lightning",
      "USB-C a Lightning", "USB-C - Lightning", "USB-C 转 Lightning", slug="usb-c-to-lightning",
      price=3.0),
))

CABLE_LENGTH = AttributeSpec("cable-length", t("Cable length", "Kabellänge", "Longueur du câble",
                                               "Longitud del cable", "ケーブル長", "线长"),
                             "numeric", (
    same("1M", "1 m", slug="1-m"),
    same("2M", "2 m", slug="2-m", price=3.0, weight=1.6),
), unit="m")

CAPACITY = AttributeSpec("capacity", t("Capacity", "Kapazität", "Capacité", "Capacidad",
                                       "容量", "容量"), "numeric", (
    v("5K", "5,000 mAh", "5.000 mAh", "5 000 mAh", "5000 mAh", "5,000mAh", "5000毫安时",
      slug="5000-mah"),
    v("10K", "10,000 mAh", "10.000 mAh", "10 000 mAh", "10 000 mAh", "10,000mAh", "10000毫安时",
      slug="10000-mah", price=8.0, weight=1.5),
    v("20K", "20,000 mAh", "20.000 mAh", "20 000 mAh", "20 000 mAh", "20,000mAh", "20000毫安时",
      slug="20000-mah", price=18.0, weight=2.2),
), unit="mAh")

POWER = AttributeSpec("power-output", t("Power output", "Ausgangsleistung", "Puissance de sortie",
                                        "Potencia de salida", "出力", "输出功率"), "numeric", (
    same("30W", "30 W", slug="30-w"),
    same("65W", "65 W", slug="65-w", price=12.0, weight=1.4),
    same("100W", "100 W", slug="100-w", price=24.0, weight=1.8),
), unit="W")

SCENT = AttributeSpec("scent", t("Scent", "Duft", "Parfum", "Aroma", "香り", "香味"), "dropdown", (
    v("LAV", "Lavender", "Lavendel", "Lavande", "Lavanda", "ラベンダー", "薰衣草"),
    v("SAN", "Sandalwood", "Sandelholz", "Bois de santal", "Sándalo", "サンダルウッド", "檀香"),
    v("FIG", "Fig", "Feige", "Figue", "Higo", "イチジク", "无花果"),
    v("SEA", "Sea Salt", "Meersalz", "Sel marin", "Sal marina", "シーソルト", "海盐"),
    v("VAN", "Vanilla", "Vanille", "Vanille", "Vainilla", "バニラ", "香草"),
))

MATERIAL = AttributeSpec("material", t("Material", "Material", "Matière", "Material", "素材",
                                       "材质"), "dropdown", (
    v("OCO", "Organic cotton", "Bio-Baumwolle", "Coton bio", "Algodón orgánico",
      "オーガニックコットン", "有机棉"),
    v("COT", "Cotton", "Baumwolle", "Coton", "Algodón", "コットン", "棉"),
    v("RPE", "Recycled polyester", "Recyceltes Polyester", "Polyester recyclé",
      "Poliéster reciclado", "再生ポリエステル", "再生涤纶"),
    v("MER", "Merino wool", "Merinowolle", "Laine mérinos", "Lana merino", "メリノウール",
      "美利奴羊毛"),
    v("ACR", "Acrylic", "Acryl", "Acrylique", "Acrílico", "アクリル", "腈纶"),
    v("STW", "Stoneware", "Steinzeug", "Grès", "Gres", "ストーンウェア", "粗陶"),
    v("POR", "Porcelain", "Porzellan", "Porcelaine", "Porcelana", "磁器", "瓷"),
    v("SST", "Stainless steel", "Edelstahl", "Acier inoxydable", "Acero inoxidable", "ステンレス",
      "不锈钢"),
    v("LIN", "Linen", "Leinen", "Lin", "Lino", "リネン", "亚麻"),
    v("VEL", "Velvet", "Samt", "Velours", "Terciopelo", "ベルベット", "天鹅绒"),
    v("SOY", "Soy wax", "Sojawachs", "Cire de soja", "Cera de soja", "ソイワックス", "大豆蜡"),
    v("PC", "Polycarbonate", "Polycarbonat", "Polycarbonate", "Policarbonato", "ポリカーボネート",
      "聚碳酸酯"),
    v("SIL", "Silicone", "Silikon", "Silicone", "Silicona", "シリコン", "硅胶"),
    v("LEA", "Leather", "Leder", "Cuir", "Piel", "レザー", "皮革"),
    v("NYL", "Braided nylon", "Nylon geflochten", "Nylon tressé", "Nailon trenzado",
      "ナイロン編み", "编织尼龙"),
    v("ALU", "Aluminium", "Aluminium", "Aluminium", "Aluminio", "アルミニウム", "铝合金"),
    v("CAN", "Cotton canvas", "Baumwoll-Canvas", "Toile de coton", "Lona de algodón",
      "コットンキャンバス", "棉帆布"),
    v("JUT", "Jute", "Jute", "Jute", "Yute", "ジュート", "黄麻"),
))

ATTRIBUTES = (COLOUR, SIZE, SOCK_SIZE, CUSHION_SIZE, PHONE_MODEL, CONNECTOR, CABLE_LENGTH,
              CAPACITY, POWER, SCENT, MATERIAL)

MATERIAL_SENTENCE = t("Material: {m}.", "Material: {m}.", "Matière : {m}.", "Material: {m}.",
                      "素材：{m}", "材质：{m}")


# ---------------------------------------------------------------------------------
# categories: (slug, parent slug, names)
# ---------------------------------------------------------------------------------

CATEGORIES: tuple[tuple[str, str, dict[str, str]], ...] = (
    ("apparel", "", t("Apparel", "Bekleidung", "Vêtements", "Ropa", "アパレル", "服装")),
    ("t-shirts", "apparel", t("T-Shirts", "T-Shirts", "T-shirts", "Camisetas", "Tシャツ", "T恤")),
    ("hoodies-sweatshirts", "apparel", t("Hoodies & Sweatshirts", "Hoodies & Sweatshirts",
                                         "Sweats et hoodies", "Sudaderas", "パーカー・スウェット",
                                         "卫衣")),
    ("socks", "apparel", t("Socks", "Socken", "Chaussettes", "Calcetines", "ソックス", "袜子")),
    ("hats-caps", "apparel", t("Hats & Caps", "Mützen & Caps", "Casquettes et bonnets",
                               "Gorras y gorros", "帽子", "帽子")),
    ("home", "", t("Home", "Wohnen", "Maison", "Hogar", "ホーム・インテリア", "家居")),
    ("kitchen-dining", "home", t("Kitchen & Dining", "Küche & Esszimmer",
                                 "Cuisine et salle à manger", "Cocina y comedor",
                                 "キッチン・ダイニング", "厨房餐厅")),
    ("home-textiles", "home", t("Home Textiles", "Heimtextilien", "Linge de maison",
                                "Textiles para el hogar", "ファブリック", "家纺")),
    ("home-fragrance", "home", t("Home Fragrance", "Raumdüfte", "Parfums d'intérieur",
                                 "Ambientadores", "ルームフレグランス", "家居香氛")),
    ("electronics-accessories", "", t("Electronics Accessories", "Elektronikzubehör",
                                      "Accessoires électroniques", "Accesorios electrónicos",
                                      "電子機器アクセサリー", "电子配件")),
    ("phone-cases", "electronics-accessories", t("Phone Cases", "Handyhüllen",
                                                 "Coques de téléphone", "Fundas de móvil",
                                                 "スマホケース", "手机壳")),
    ("cables", "electronics-accessories", t("Cables", "Kabel", "Câbles", "Cables", "ケーブル",
                                            "数据线")),
    ("chargers-power-banks", "electronics-accessories", t(
        "Chargers & Power Banks", "Ladegeräte & Powerbanks", "Chargeurs et batteries externes",
        "Cargadores y baterías externas", "充電器・モバイルバッテリー", "充电器与移动电源")),
    ("bags", "", t("Bags", "Taschen", "Sacs", "Bolsos", "バッグ", "包袋")),
    ("tote-bags", "bags", t("Tote Bags", "Tragetaschen", "Sacs cabas", "Bolsas tote",
                            "トートバッグ", "托特包")),
    ("backpacks", "bags", t("Backpacks", "Rucksäcke", "Sacs à dos", "Mochilas", "リュック",
                            "双肩包")),
)


# ---------------------------------------------------------------------------------
# product types and styles
# ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Style:
    names: dict[str, str]
    price_usd: tuple[int, int]
    material: str  # MATERIAL value code
    hs_code: str = ""
    customs: tuple[str, str] = ("", "")
    weight_g: int = 0
    dims_mm: tuple[int, int, int] = (0, 0, 0)


@dataclass(frozen=True)
class TypeSpec:
    slug: str
    name: str
    code: str  # SKU prefix
    category: str
    axes: tuple[tuple[AttributeSpec, int, tuple[str, ...]], ...]  # attribute, how many, choices
    description: dict[str, str]
    hs_code: str
    customs: tuple[str, str]
    weight_g: int
    dims_mm: tuple[int, int, int]
    origins: tuple[str, ...]
    styles: tuple[Style, ...] = field(default=())


APPAREL_COLOURS = ("BLK", "WHT", "NVY", "GRY", "OLV", "BRG", "SND", "SKY", "FGR", "CHR", "CRM")
HOME_COLOURS = ("WHT", "CRM", "SND", "TER", "OLV", "NVY", "CHR", "SKY", "FGR", "GRY")
GEAR_COLOURS = ("BLK", "NVY", "OLV", "CHR", "SND", "FGR", "BRG")

TYPES: tuple[TypeSpec, ...] = (
    TypeSpec(
        "t-shirt", "T-Shirt", "TS", "t-shirts",
        ((COLOUR, 3, APPAREL_COLOURS), (SIZE, 5, ("XS", "S", "M", "L", "XL", "XXL"))),
        t("A soft, breathable T-shirt cut for everyday wear. Pre-shrunk, so it keeps its shape "
          "wash after wash.",
          "Ein weiches, atmungsaktives T-Shirt für jeden Tag. Vorgewaschen, damit es auch nach "
          "vielen Wäschen seine Form behält.",
          "Un T-shirt doux et respirant, taillé pour tous les jours. Prélavé pour garder sa forme "
          "lavage après lavage.",
          "Una camiseta suave y transpirable para el día a día. Prelavada para que mantenga su "
          "forma lavado tras lavado.",
          "毎日着たくなる、やわらかく通気性のよいTシャツ。防縮加工済みで、洗濯を重ねても型崩れしにくい仕上がりです。",
          "柔软透气的日常T恤。经过预缩处理，多次洗涤后依然保持版型。"),
        "6109.10", ("Cotton knitted T-shirt", "棉制针织T恤衫"), 180, (300, 250, 20),
        ("PT", "TR", "BD", "CN"),
        (
            Style(t("Organic Cotton T-Shirt", "Bio-Baumwoll-T-Shirt", "T-shirt en coton bio",
                    "Camiseta de algodón orgánico", "オーガニックコットンTシャツ", "有机棉T恤"),
                  (24, 34), "OCO"),
            Style(t("Crew Neck T-Shirt", "T-Shirt mit Rundhalsausschnitt", "T-shirt col rond",
                    "Camiseta de cuello redondo", "クルーネックTシャツ", "圆领T恤"), (18, 26), "COT"),
            Style(t("V-Neck T-Shirt", "T-Shirt mit V-Ausschnitt", "T-shirt col V",
                    "Camiseta de cuello en V", "VネックTシャツ", "V领T恤"), (18, 26), "COT"),
            Style(t("Long Sleeve T-Shirt", "Langarmshirt", "T-shirt à manches longues",
                    "Camiseta de manga larga", "長袖Tシャツ", "长袖T恤"), (26, 36), "COT",
                  weight_g=230),
            Style(t("Pocket T-Shirt", "T-Shirt mit Brusttasche", "T-shirt à poche",
                    "Camiseta con bolsillo", "ポケットTシャツ", "口袋T恤"), (22, 30), "OCO"),
            Style(t("Oversized T-Shirt", "Oversize-T-Shirt", "T-shirt oversize",
                    "Camiseta oversize", "オーバーサイズTシャツ", "宽松T恤"), (26, 34), "OCO",
                  weight_g=220),
        ),
    ),
    TypeSpec(
        "hoodie", "Hoodie & Sweatshirt", "HD", "hoodies-sweatshirts",
        ((COLOUR, 2, APPAREL_COLOURS), (SIZE, 4, ("S", "M", "L", "XL", "XXL"))),
        t("A heavyweight brushed-back sweat for cool days, with ribbed cuffs and hem that keep "
          "their stretch.",
          "Ein schwerer, innen angerauter Sweat für kühle Tage, mit Rippbündchen, die ihre "
          "Elastizität behalten.",
          "Un sweat épais gratté à l'intérieur pour les jours frais, avec des bords côtes qui "
          "gardent leur tenue.",
          "Una sudadera gruesa perchada por dentro para los días frescos, con puños y bajo de "
          "canalé que no se deforman.",
          "肌寒い日にぴったりの裏起毛スウェット。リブの袖口と裾は伸びにくく、長く愛用できます。",
          "厚实的内里磨毛卫衣，适合凉爽天气，罗纹袖口和下摆久穿不变形。"),
        "6110.20", ("Cotton knitted sweatshirt", "棉制针织运动衫"), 520, (350, 300, 60),
        ("PT", "TR", "CN"),
        (
            Style(t("Pullover Hoodie", "Kapuzenpullover", "Sweat à capuche", "Sudadera con capucha",
                    "プルオーバーパーカー", "套头连帽衫"), (48, 64), "COT"),
            Style(t("Zip Hoodie", "Kapuzenjacke mit Reißverschluss", "Sweat zippé à capuche",
                    "Sudadera con capucha y cremallera", "ジップパーカー", "拉链连帽衫"), (54, 72),
                  "COT", weight_g=560),
            Style(t("Crewneck Sweatshirt", "Sweatshirt mit Rundhalsausschnitt", "Sweat col rond",
                    "Sudadera de cuello redondo", "クルーネックスウェット", "圆领卫衣"), (42, 58),
                  "OCO"),
            Style(t("Fleece Hoodie", "Fleece-Kapuzenpullover", "Sweat à capuche en polaire",
                    "Sudadera de forro polar con capucha", "フリースパーカー", "抓绒连帽衫"),
                  (46, 62), "RPE", hs_code="6110.30",
                  customs=("Polyester knitted sweatshirt", "涤纶针织运动衫")),
        ),
    ),
    TypeSpec(
        "socks", "Socks", "SK", "socks",
        ((COLOUR, 2, APPAREL_COLOURS), (SOCK_SIZE, 3, ("3538", "3942", "4346"))),
        t("Cushioned socks with a reinforced heel and toe and a soft rib that stays up without "
          "pinching.",
          "Gepolsterte Socken mit verstärkter Ferse und Spitze und einem weichen Bund, der hält, "
          "ohne einzuschneiden.",
          "Des chaussettes rembourrées, talon et pointe renforcés, avec une côte souple qui tient "
          "sans serrer.",
          "Calcetines acolchados con talón y puntera reforzados y un puño suave que no aprieta.",
          "かかととつま先を補強したクッション入りソックス。締め付けずにずり落ちにくいやわらかなリブ仕様。",
          "加厚缓震袜，脚跟和脚尖加固，柔软罗口不勒脚也不易滑落。"),
        "6115.95", ("Cotton knitted socks", "棉制针织袜"), 70, (200, 100, 20), ("PT", "TR", "CN"),
        (
            Style(t("Crew Socks", "Crew-Socken", "Chaussettes mi-hautes", "Calcetines clásicos",
                    "クルーソックス", "中筒袜"), (12, 16), "COT"),
            Style(t("Ankle Socks", "Sneakersocken", "Socquettes", "Calcetines tobilleros",
                    "アンクルソックス", "船袜"), (10, 14), "COT", weight_g=50),
            Style(t("Merino Hiking Socks", "Merino-Wandersocken",
                    "Chaussettes de randonnée en mérinos", "Calcetines de senderismo de merino",
                    "メリノウール登山ソックス", "美利奴羊毛徒步袜"), (19, 26), "MER",
                  hs_code="6115.94", customs=("Wool knitted socks", "羊毛针织袜"), weight_g=90),
        ),
    ),
    TypeSpec(
        "headwear", "Headwear", "HW", "hats-caps",
        ((COLOUR, 3, APPAREL_COLOURS),),
        t("One size with an adjustable fit, made to be worn every day and packed in any bag.",
          "Einheitsgröße mit verstellbarer Passform, für jeden Tag und für jede Tasche.",
          "Taille unique ajustable, à porter tous les jours et à glisser dans n'importe quel sac.",
          "Talla única ajustable, para llevar a diario y guardar en cualquier bolso.",
          "サイズ調整可能なフリーサイズ。毎日使えて、どんなバッグにもすっきり収まります。",
          "均码可调节，适合日常佩戴，随手放进任何包里。"),
        "6505.00", ("Cotton cap", "棉制帽子"), 110, (250, 200, 120), ("CN", "VN", "BD"),
        (
            Style(t("Baseball Cap", "Baseballkappe", "Casquette de baseball", "Gorra de béisbol",
                    "ベースボールキャップ", "棒球帽"), (22, 30), "COT"),
            Style(t("Bucket Hat", "Fischerhut", "Bob", "Gorro de pescador", "バケットハット",
                    "渔夫帽"), (26, 34), "COT"),
            Style(t("Knit Beanie", "Strickmütze", "Bonnet en maille", "Gorro de punto",
                    "ニットビーニー", "针织毛线帽"), (18, 26), "ACR",
                  customs=("Acrylic knitted hat", "腈纶针织帽")),
        ),
    ),
    TypeSpec(
        "mug", "Mug & Cup", "MG", "kitchen-dining",
        ((COLOUR, 3, HOME_COLOURS),),
        t("Glazed by hand, so no two are quite alike. Dishwasher and microwave safe.",
          "Von Hand glasiert, daher ist jedes Stück ein Unikat. Spülmaschinen- und "
          "mikrowellengeeignet.",
          "Émaillé à la main : chaque pièce est unique. Passe au lave-vaisselle et au micro-ondes.",
          "Esmaltado a mano, por lo que no hay dos iguales. Apto para lavavajillas y microondas.",
          "ひとつずつ手作業で釉薬をかけているため、表情はすべて異なります。食洗機・電子レンジ対応。",
          "手工上釉，每一件都独一无二。可用于洗碗机和微波炉。"),
        "6912.00", ("Ceramic mug", "陶瓷马克杯"), 380, (120, 120, 110), ("PT", "CN", "JP"),
        (
            Style(t("Stoneware Mug", "Steinzeugbecher", "Mug en grès", "Taza de gres",
                    "ストーンウェアマグ", "粗陶马克杯"), (18, 26), "STW"),
            Style(t("Espresso Cup Set", "Espressotassen-Set", "Set de tasses à espresso",
                    "Juego de tazas de espresso", "エスプレッソカップセット", "意式浓缩咖啡杯套装"),
                  (28, 38), "POR", hs_code="6911.10", customs=("Porcelain cups", "瓷杯"),
                  weight_g=620, dims_mm=(220, 160, 80)),
            Style(t("Insulated Travel Mug", "Thermobecher", "Mug de voyage isotherme",
                    "Taza térmica de viaje", "真空断熱トラベルマグ", "真空保温随行杯"), (26, 36),
                  "SST", hs_code="9617.00",
                  customs=("Stainless steel vacuum mug", "不锈钢真空保温杯"), weight_g=320,
                  dims_mm=(90, 90, 220)),
        ),
    ),
    TypeSpec(
        "cushion-cover", "Cushion Cover", "CC", "home-textiles",
        ((COLOUR, 3, HOME_COLOURS), (CUSHION_SIZE, 2, ("40", "50"))),
        t("A cushion cover with a hidden zip. Insert not included; machine washable at 30 °C.",
          "Kissenbezug mit verdecktem Reißverschluss. Ohne Füllung; bei 30 °C maschinenwaschbar.",
          "Housse de coussin à fermeture éclair invisible. Garnissage non inclus ; lavable en "
          "machine à 30 °C.",
          "Funda de cojín con cremallera oculta. Relleno no incluido; lavable a máquina a 30 °C.",
          "ファスナーが隠れるデザインのクッションカバー。中材は別売り。30 °Cで洗濯機洗いできます。",
          "隐形拉链靠垫套，不含枕芯，可30 °C机洗。"),
        "6304.92", ("Cotton cushion cover", "棉制靠垫套"), 250, (420, 420, 30), ("IN", "PT", "CN"),
        (
            Style(t("Linen Cushion Cover", "Leinen-Kissenbezug", "Housse de coussin en lin",
                    "Funda de cojín de lino", "リネンクッションカバー", "亚麻靠垫套"), (28, 38),
                  "LIN", hs_code="6304.99", customs=("Linen cushion cover", "亚麻靠垫套")),
            Style(t("Velvet Cushion Cover", "Samt-Kissenbezug", "Housse de coussin en velours",
                    "Funda de cojín de terciopelo", "ベルベットクッションカバー", "天鹅绒靠垫套"),
                  (30, 40), "VEL", hs_code="6304.93",
                  customs=("Polyester velvet cushion cover", "涤纶天鹅绒靠垫套")),
            Style(t("Woven Cotton Cushion Cover", "Webkissenbezug aus Baumwolle",
                    "Housse de coussin en coton tissé", "Funda de cojín de algodón tejido",
                    "コットン織りクッションカバー", "棉织靠垫套"), (24, 32), "COT"),
        ),
    ),
    TypeSpec(
        "throw", "Throw Blanket", "TB", "home-textiles",
        ((COLOUR, 3, HOME_COLOURS),),
        t("A generous 130 × 170 cm throw for the sofa or the end of the bed, soft from the "
          "first use.",
          "Eine großzügige Decke (130 × 170 cm) für Sofa oder Bett, vom ersten Tag an weich.",
          "Un grand plaid de 130 × 170 cm pour le canapé ou le pied du lit, doux dès la première "
          "utilisation.",
          "Una manta amplia de 130 × 170 cm para el sofá o los pies de la cama, suave desde el "
          "primer uso.",
          "ソファやベッドに掛けやすい130 × 170 cmの大判ブランケット。使い始めからやわらかな肌ざわり。",
          "130 × 170 厘米大尺寸盖毯，适合沙发或床尾，初次使用即柔软舒适。"),
        "6301.30", ("Cotton blanket", "棉制毯子"), 900, (400, 300, 100), ("IN", "PT", "CN"),
        (
            Style(t("Waffle Knit Throw", "Waffelpiqué-Decke", "Plaid nid d'abeille",
                    "Manta de gofre", "ワッフル織りブランケット", "华夫格盖毯"), (48, 64), "COT"),
            Style(t("Chunky Knit Throw", "Grobstrick-Decke", "Plaid en grosse maille",
                    "Manta de punto grueso", "ざっくり編みブランケット", "粗针织盖毯"), (62, 84),
                  "ACR", hs_code="6301.40", customs=("Acrylic knitted blanket", "腈纶针织毯"),
                  weight_g=1400),
            Style(t("Fringed Cotton Throw", "Baumwolldecke mit Fransen",
                    "Plaid en coton à franges", "Manta de algodón con flecos",
                    "フリンジ付きコットンブランケット", "流苏棉盖毯"), (44, 58), "COT"),
        ),
    ),
    TypeSpec(
        "candle", "Candle", "CD", "home-fragrance",
        ((SCENT, 3, ("LAV", "SAN", "FIG", "SEA", "VAN")),),
        t("Hand-poured with a cotton wick for a clean, even burn of up to 45 hours.",
          "Von Hand gegossen, mit Baumwolldocht für ein sauberes, gleichmäßiges Abbrennen von "
          "bis zu 45 Stunden.",
          "Coulée à la main avec une mèche en coton pour une combustion propre et régulière "
          "jusqu'à 45 heures.",
          "Vertida a mano con mecha de algodón para un encendido limpio y uniforme de hasta "
          "45 horas.",
          "ひとつずつ手作業で流し込み、コットン芯を使用。最大45時間、すすが出にくく均一に燃焼します。",
          "手工灌注，采用棉芯，燃烧洁净均匀，可持续燃烧长达45小时。"),
        "3406.00", ("Scented candle", "香薰蜡烛"), 420, (100, 100, 110), ("GB", "CN", "PL"),
        (
            Style(t("Soy Wax Candle", "Sojawachskerze", "Bougie en cire de soja",
                    "Vela de cera de soja", "ソイキャンドル", "大豆蜡香薰蜡烛"), (24, 34), "SOY"),
            Style(t("Travel Tin Candle", "Duftkerze in der Dose", "Bougie en boîte de voyage",
                    "Vela en lata de viaje", "缶入りトラベルキャンドル", "旅行铁罐蜡烛"), (14, 20),
                  "SOY", weight_g=180, dims_mm=(80, 80, 50)),
            Style(t("Three-Wick Candle", "Kerze mit drei Dochten", "Bougie à trois mèches",
                    "Vela de tres mechas", "3芯キャンドル", "三芯蜡烛"), (38, 52), "SOY",
                  weight_g=900, dims_mm=(140, 140, 100)),
        ),
    ),
    TypeSpec(
        "phone-case", "Phone Case", "PC", "phone-cases",
        ((PHONE_MODEL, 4, ("IP15", "IP15P", "GS24", "PX8")), (COLOUR, 2, ("BLK", "CLR", "NVY",
                                                                          "OLV", "SND", "BRG"))),
        t("A slim case with raised edges around the screen and camera. Works with wireless "
          "charging.",
          "Eine schlanke Hülle mit erhöhtem Rand um Display und Kamera. Kompatibel mit kabellosem "
          "Laden.",
          "Une coque fine aux bords surélevés autour de l'écran et de l'appareil photo. "
          "Compatible avec la charge sans fil.",
          "Una funda fina con bordes elevados alrededor de la pantalla y la cámara. Compatible con "
          "la carga inalámbrica.",
          "画面とカメラまわりを縁高設計で守るスリムなケース。ワイヤレス充電に対応。",
          "纤薄机身，屏幕和镜头四周凸起保护，支持无线充电。"),
        "3926.90", ("Plastic phone case", "塑料手机壳"), 45, (180, 100, 20), ("CN", "VN"),
        (
            Style(t("Clear Phone Case", "Transparente Handyhülle", "Coque transparente",
                    "Funda transparente", "クリアスマホケース", "透明手机壳"), (16, 24), "PC"),
            Style(t("Silicone Phone Case", "Silikon-Handyhülle", "Coque en silicone",
                    "Funda de silicona", "シリコンスマホケース", "硅胶手机壳"), (19, 29), "SIL"),
            Style(t("Leather Wallet Case", "Leder-Handyhülle mit Kartenfach",
                    "Étui portefeuille en cuir", "Funda cartera de piel", "手帳型レザーケース",
                    "皮革钱包手机壳"), (34, 48), "LEA", hs_code="4202.31",
                  customs=("Leather phone case", "皮革手机壳"), weight_g=90),
            Style(t("Rugged Phone Case", "Outdoor-Handyhülle", "Coque renforcée",
                    "Funda resistente", "耐衝撃スマホケース", "防摔手机壳"), (24, 34), "PC",
                  weight_g=70),
        ),
    ),
    TypeSpec(
        "cable", "Cable", "CB", "cables",
        ((CONNECTOR, 2, ("CC", "CL")), (CABLE_LENGTH, 2, ("1M", "2M"))),
        t("Rated for 10,000+ bends, with reinforced connectors and fast charging up to 60 W.",
          "Für über 10.000 Biegungen ausgelegt, mit verstärkten Steckern und Schnellladen bis "
          "60 W.",
          "Conçu pour plus de 10 000 pliages, avec connecteurs renforcés et charge rapide "
          "jusqu'à 60 W.",
          "Resiste más de 10 000 dobleces, con conectores reforzados y carga rápida de hasta 60 W.",
          "1万回以上の折り曲げ試験をクリア。補強コネクタで最大60 Wの急速充電に対応。",
          "耐弯折超过一万次，接头加固，支持最高60 W快充。"),
        "8544.42", ("USB data cable with connectors", "带接头的USB数据线"), 60, (150, 100, 20),
        ("CN", "VN"),
        (
            Style(t("Braided USB-C Cable", "Geflochtenes USB-C-Kabel", "Câble USB-C tressé",
                    "Cable USB-C trenzado", "編み込みUSB-Cケーブル", "编织USB-C数据线"), (14, 22),
                  "NYL"),
            Style(t("Fast Charging Cable", "Schnellladekabel", "Câble de charge rapide",
                    "Cable de carga rápida", "急速充電ケーブル", "快充数据线"), (12, 18), "SIL"),
            Style(t("Right-Angle Charging Cable", "Ladekabel mit gewinkeltem Stecker",
                    "Câble de charge coudé", "Cable de carga en ángulo recto", "L字型充電ケーブル",
                    "弯头充电线"), (14, 20), "NYL"),
        ),
    ),
    TypeSpec(
        "charger", "Charger", "CH", "chargers-power-banks",
        ((POWER, 3, ("30W", "65W", "100W")),),
        t("GaN technology in a compact body: charges a phone, a tablet or a laptop, with "
          "protection against overheating and overvoltage.",
          "GaN-Technik im kompakten Gehäuse: lädt Smartphone, Tablet oder Laptop, mit Schutz vor "
          "Überhitzung und Überspannung.",
          "La technologie GaN dans un format compact : recharge téléphone, tablette ou ordinateur "
          "portable, avec protection contre la surchauffe et les surtensions.",
          "Tecnología GaN en un formato compacto: carga el móvil, la tableta o el portátil, con "
          "protección contra sobrecalentamiento y sobretensión.",
          "GaN（窒化ガリウム）採用のコンパクト設計。スマホ・タブレット・ノートPCを充電でき、過熱・過電圧保護付き。",
          "采用氮化镓技术，小巧机身可为手机、平板和笔记本充电，具备过热与过压保护。"),
        "8504.40", ("Power adapter", "电源适配器"), 120, (80, 60, 40), ("CN", "VN"),
        (
            Style(t("GaN Wall Charger", "GaN-Ladegerät", "Chargeur secteur GaN",
                    "Cargador de pared GaN", "GaN急速充電器", "氮化镓充电器"), (24, 34), "PC"),
            Style(t("Dual-Port Travel Charger", "Reiseladegerät mit zwei Anschlüssen",
                    "Chargeur de voyage double port", "Cargador de viaje de dos puertos",
                    "2ポート トラベル充電器", "双口旅行充电器"), (29, 39), "PC"),
        ),
    ),
    TypeSpec(
        "power-bank", "Power Bank", "PB", "chargers-power-banks",
        ((CAPACITY, 3, ("5K", "10K", "20K")),),
        t("Charges two devices at once over USB-C, with an LED gauge. Allowed in cabin baggage.",
          "Lädt zwei Geräte gleichzeitig über USB-C, mit LED-Anzeige. Im Handgepäck erlaubt.",
          "Recharge deux appareils à la fois en USB-C, avec indicateur LED. Autorisée en bagage "
          "cabine.",
          "Carga dos dispositivos a la vez por USB-C, con indicador LED. Permitida en equipaje de "
          "mano.",
          "USB-Cで2台同時に充電でき、LED残量表示付き。機内持ち込み可能です。",
          "可通过USB-C同时为两台设备充电，配有LED电量显示，可随身携带登机。"),
        "8507.60", ("Lithium-ion power bank", "锂离子移动电源"), 180, (150, 75, 25), ("CN",),
        (
            Style(t("Slim Power Bank", "Schlanke Powerbank", "Batterie externe fine",
                    "Batería externa delgada", "薄型モバイルバッテリー", "超薄移动电源"), (22, 30),
                  "ALU"),
            Style(t("Magnetic Power Bank", "Magnetische Powerbank", "Batterie externe magnétique",
                    "Batería externa magnética", "マグネット式モバイルバッテリー", "磁吸移动电源"),
                  (32, 44), "PC"),
        ),
    ),
    TypeSpec(
        "wireless-charger", "Wireless Charger", "WC", "chargers-power-banks",
        ((COLOUR, 2, ("BLK", "WHT", "SND", "CHR")),),
        t("Qi2 wireless charging at up to 15 W; place the phone and it charges, even through "
          "most cases.",
          "Kabelloses Laden nach Qi2 mit bis zu 15 W: Handy auflegen und es lädt, auch durch die "
          "meisten Hüllen.",
          "Charge sans fil Qi2 jusqu'à 15 W : posez le téléphone et il se recharge, même avec la "
          "plupart des coques.",
          "Carga inalámbrica Qi2 de hasta 15 W: apoya el móvil y se carga, incluso con la mayoría "
          "de fundas.",
          "最大15 WのQi2ワイヤレス充電。置くだけで、ほとんどのケースを付けたまま充電できます。",
          "支持最高15 W的Qi2无线充电，放上即充，大多数手机壳无需取下。"),
        "8504.40", ("Wireless charger", "无线充电器"), 150, (120, 120, 30), ("CN",),
        (
            Style(t("Wireless Charging Pad", "Kabelloses Ladepad", "Chargeur sans fil à induction",
                    "Base de carga inalámbrica", "ワイヤレス充電パッド", "无线充电板"), (26, 36),
                  "ALU"),
            Style(t("Wireless Charging Stand", "Kabelloser Ladeständer", "Support de charge sans fil",
                    "Soporte de carga inalámbrica", "ワイヤレス充電スタンド", "无线充电支架"),
                  (32, 44), "ALU", weight_g=220),
        ),
    ),
    TypeSpec(
        "tote", "Tote Bag", "TT", "tote-bags",
        ((COLOUR, 3, ("SND", "BLK", "NVY", "OLV", "CRM", "TER")),),
        t("Roomy enough for a laptop and the weekly shop, with long handles to wear on the "
          "shoulder.",
          "Groß genug für Laptop und Wocheneinkauf, mit langen Henkeln zum Umhängen.",
          "Assez grand pour un ordinateur portable et les courses de la semaine, avec de longues "
          "anses pour le porter à l'épaule.",
          "Con espacio para el portátil y la compra de la semana, y asas largas para llevarla al "
          "hombro.",
          "ノートPCも1週間分の買い物も入る大容量。肩に掛けやすいロングハンドル。",
          "容量大，可装下笔记本电脑和一周的采购，长提手可单肩背。"),
        "4202.22", ("Cotton tote bag", "棉制手提袋"), 180, (400, 350, 10), ("IN", "CN", "BD"),
        (
            Style(t("Canvas Tote Bag", "Canvas-Tragetasche", "Tote bag en toile",
                    "Bolsa tote de lona", "キャンバストートバッグ", "帆布托特包"), (22, 32), "CAN"),
            Style(t("Market Tote", "Markttasche", "Cabas de marché", "Bolsa para el mercado",
                    "マーケットトート", "买菜托特包"), (18, 26), "JUT",
                  customs=("Jute tote bag", "黄麻手提袋")),
        ),
    ),
    TypeSpec(
        "backpack", "Backpack", "BP", "backpacks",
        ((COLOUR, 3, GEAR_COLOURS),),
        t("Water-repellent fabric, a padded laptop sleeve and a luggage strap for travel days.",
          "Wasserabweisender Stoff, gepolstertes Laptopfach und Trolley-Gurt für Reisetage.",
          "Tissu déperlant, poche rembourrée pour ordinateur portable et sangle de valise pour "
          "les jours de voyage.",
          "Tejido repelente al agua, funda acolchada para el portátil y correa para la maleta en "
          "los días de viaje.",
          "撥水素材、クッション入りPCスリーブ、スーツケースに固定できるストラップ付きで旅にも便利。",
          "防泼水面料，配有加厚电脑隔层和拉杆箱固定带，出行更方便。"),
        "4202.92", ("Polyester backpack", "涤纶双肩背包"), 850, (480, 320, 150), ("VN", "CN"),
        (
            Style(t("Rolltop Backpack", "Rolltop-Rucksack", "Sac à dos rolltop", "Mochila enrollable",
                    "ロールトップバックパック", "卷顶双肩包"), (79, 109), "RPE"),
            Style(t("Laptop Backpack", "Laptop-Rucksack", "Sac à dos pour ordinateur portable",
                    "Mochila para portátil", "ノートPC用バックパック", "笔记本电脑双肩包"),
                  (69, 95), "RPE"),
            Style(t("Daypack", "Tagesrucksack", "Sac à dos de jour", "Mochila de día",
                    "デイパック", "日用背包"), (49, 69), "RPE", weight_g=520),
        ),
    ),
)

# Collection names: invented, Nordic-sounding, the same in every language.
_PREFIXES = ("Al", "Bel", "Cor", "Dal", "El", "Fen", "Gar", "Hal", "Is", "Jor", "Kal", "Lin",
             "Mar", "Nor", "Or", "Per", "Ros", "Sol", "Tor", "Vel")
_SUFFIXES = ("a", "by", "den", "ea", "ia", "vik", "mo", "na", "ra", "sund", "ter", "holm", "win",
             "lund", "dal")
COLLECTIONS: tuple[str, ...] = tuple(dict.fromkeys(p + s for s in _SUFFIXES for p in _PREFIXES))

ROMAN = ("", " II", " III", " IV", " V", " VI", " VII", " VIII", " IX", " X")
