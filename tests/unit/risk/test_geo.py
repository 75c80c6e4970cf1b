from __future__ import annotations

import math

import pytest

from trustdesk.risk.geo import CountryAtlas, CountryPoint, haversine_km

from ._build import R_KM, cosine_law_km


def test_quarter_and_half_great_circle() -> None:
    assert haversine_km(0, 0, 0, 90) == pytest.approx(math.pi / 2 * R_KM, rel=1e-12)
    assert haversine_km(0, 0, 90, 0) == pytest.approx(math.pi / 2 * R_KM, rel=1e-12)
    assert haversine_km(0, 0, 0, 180) == pytest.approx(math.pi * R_KM, rel=1e-12)
    assert haversine_km(12.5, -40.25, 12.5, -40.25) == 0.0


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ((48.8566, 2.3522), (51.5074, -0.1278)),  # Paris - London, about 344 km
        ((1.3521, 103.8198), (-23.5505, -46.6333)),  # Singapore - São Paulo
        ((-33.8688, 151.2093), (40.7128, -74.0060)),  # Sydney - New York
    ],
)
def test_matches_the_spherical_law_of_cosines(
    a: tuple[float, float], b: tuple[float, float]
) -> None:
    expected = cosine_law_km(*a, *b)
    assert haversine_km(*a, *b) == pytest.approx(expected, rel=1e-9)
    assert haversine_km(*b, *a) == pytest.approx(expected, rel=1e-9)


def test_atlas_distance_and_neighbours() -> None:
    atlas = CountryAtlas(
        {
            "AA": CountryPoint(0.0, 0.0, frozenset({"BB"})),
            "BB": CountryPoint(0.0, 90.0, frozenset()),
        }
    )
    assert atlas.distance_km("AA", "BB") == pytest.approx(math.pi / 2 * R_KM, rel=1e-12)
    assert atlas.distance_km("AA", "ZZ") is None
    assert atlas.are_neighbours("AA", "BB")
    assert not atlas.are_neighbours("BB", "AA")  # as the data says, no symmetry invented
    assert not atlas.are_neighbours("ZZ", "AA")
