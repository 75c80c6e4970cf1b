"""Country positions and borders, for the impossible-travel check."""

from __future__ import annotations

import math
from dataclasses import dataclass, field


@dataclass(frozen=True)
class CountryPoint:
    lat: float
    lon: float
    neighbours: frozenset[str]  # ISO alpha-2 codes


@dataclass(frozen=True)
class CountryAtlas:
    points: dict[str, CountryPoint] = field(default_factory=dict)

    def distance_km(self, a: str, b: str) -> float | None:
        pa, pb = self.points.get(a), self.points.get(b)
        if pa is None or pb is None:
            return None
        return haversine_km(pa.lat, pa.lon, pb.lat, pb.lon)

    def are_neighbours(self, a: str, b: str) -> bool:
        pa = self.points.get(a)
        return pa is not None and b in pa.neighbours


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    r = 6371.0088  # mean Earth radius (IUGG)
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(h))
