"""Builds the country atlas from the countryinfo package's data (loaded once at start-up)."""

from __future__ import annotations

from functools import lru_cache

from countryinfo import CountryInfo

from trustdesk.risk.geo import CountryAtlas, CountryPoint


@lru_cache(maxsize=1)
def load_atlas() -> CountryAtlas:
    raw = CountryInfo.all()
    alpha3_to_2 = {
        (info.get("ISO") or {}).get("alpha3"): (info.get("ISO") or {}).get("alpha2")
        for info in raw.values()
    }
    points: dict[str, CountryPoint] = {}
    for info in raw.values():
        code = (info.get("ISO") or {}).get("alpha2")
        latlng = info.get("latlng") or info.get("capital_latlng")
        if not code or not latlng or len(latlng) != 2:
            continue
        neighbours = frozenset(
            n for n in (alpha3_to_2.get(b) for b in info.get("borders") or []) if n
        )
        points[code.upper()] = CountryPoint(float(latlng[0]), float(latlng[1]), neighbours)
    return CountryAtlas(points)


@lru_cache(maxsize=1)
def known_country_codes() -> frozenset[str]:
    codes = {(info.get("ISO") or {}).get("alpha2", "") for info in CountryInfo.all().values()}
    return frozenset(c.upper() for c in codes if c)
