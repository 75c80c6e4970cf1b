from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from trustdesk.risk.checks import device
from trustdesk.risk.checks.config import CheckConfig
from trustdesk.risk.countries import load_atlas
from trustdesk.risk.facts import AccountHistory, LastSeen
from trustdesk.risk.geo import CountryAtlas, CountryPoint
from trustdesk.risk.model import RequestContext, Signal

from ._build import NOW, cosine_law_km, facts, request

KNOWN = AccountHistory(
    assessments=3, device_seen=True, ip_seen=True, country_seen=True, destination_seen=True
)


def known(**changes: Any) -> AccountHistory:
    """An account seen before from this device, IP and country."""
    return replace(KNOWN, **changes)


CTX = RequestContext(ip="192.0.2.1", device_id="dev-1", country="SG", session_age_s=3600)


def test_known_everything_no_signals() -> None:
    assert device.check(request(context=CTX), facts(known()), CheckConfig()) == []


def test_new_account_is_one_signal_not_four() -> None:
    signals = device.check(request(context=CTX), facts(AccountHistory()), CheckConfig())
    assert signals == [Signal("NEW_ACCOUNT")]


@pytest.mark.parametrize(("age", "fresh"), [(0, True), (59, True), (60, False), (None, False)])
def test_fresh_session_below_the_threshold(age: int | None, fresh: bool) -> None:
    ctx = RequestContext(session_age_s=age)
    expected = [Signal("FRESH_SESSION", {"session_age_s": age})] if fresh else []
    assert device.check(request(context=ctx), facts(known()), CheckConfig()) == expected
    # A new account still gets the fresh-session signal, before NEW_ACCOUNT.
    assert device.check(request(context=ctx), facts(), CheckConfig()) == [
        *expected,
        Signal("NEW_ACCOUNT"),
    ]


def test_new_device_ip_and_country() -> None:
    history = known(device_seen=False, ip_seen=False, country_seen=False)
    ctx = RequestContext(ip="192.0.2.1", device_id="dev-2", country="BR")
    assert device.check(request(context=ctx), facts(history), CheckConfig()) == [
        Signal("NEW_DEVICE"),
        Signal("NEW_IP"),
        Signal("NEW_COUNTRY", {"country": "BR"}),
    ]


def test_absent_context_is_not_new() -> None:
    history = known(device_seen=False, ip_seen=False, country_seen=False)
    assert device.check(request(), facts(history), CheckConfig()) == []


# --- impossible travel, with the real atlas and with a hand-made one ---

ATLAS = load_atlas()
CFG = CheckConfig(atlas=ATLAS)


def travelled(last_country: str, here: str, minutes: float, cfg: CheckConfig = CFG) -> list[Signal]:
    history = known(last_seen=LastSeen(NOW - timedelta(minutes=minutes), last_country))
    ctx = RequestContext(country=here)
    return device.check(request(context=ctx), facts(history, now=NOW), cfg)


def test_singapore_to_brazil_in_ten_minutes_is_impossible() -> None:
    sg, br = ATLAS.points["SG"], ATLAS.points["BR"]
    km = cosine_law_km(sg.lat, sg.lon, br.lat, br.lon)
    assert km > 15000  # the far side of the world
    assert travelled("SG", "BR", 10) == [
        Signal("IMPOSSIBLE_TRAVEL", {"from": "SG", "to": "BR", "km": round(km), "minutes": 10.0})
    ]


def test_singapore_to_brazil_two_days_apart_is_possible() -> None:
    assert travelled("SG", "BR", 2 * 24 * 60) == []


def test_neighbours_are_exempt_even_when_far_apart() -> None:
    fr, de = ATLAS.points["FR"], ATLAS.points["DE"]
    assert cosine_law_km(fr.lat, fr.lon, de.lat, de.lon) > CFG.min_travel_km
    assert travelled("FR", "DE", 10) == []
    # Without the border in the atlas the same move would be flagged: the exemption matters.
    no_borders = CountryAtlas(
        {
            "FR": CountryPoint(fr.lat, fr.lon, frozenset()),
            "DE": CountryPoint(de.lat, de.lon, frozenset()),
        }
    )
    [signal] = travelled("FR", "DE", 10, CheckConfig(atlas=no_borders))
    assert signal.code == "IMPOSSIBLE_TRAVEL"


# Two points on the equator 90 degrees apart: a quarter of a great circle,
# pi / 2 * 6371.0088 = 10007.56 km.
QUARTER = CountryAtlas(
    {"AA": CountryPoint(0.0, 0.0, frozenset()), "BB": CountryPoint(0.0, 90.0, frozenset())}
)


def test_speed_threshold_on_a_hand_made_atlas() -> None:
    cfg = CheckConfig(atlas=QUARTER)
    # 10007.56 km in 11 h = 909.8 km/h > 900: flagged; in 11.2 h = 893.5 km/h: not.
    assert travelled("AA", "BB", 11 * 60, cfg) == [
        Signal("IMPOSSIBLE_TRAVEL", {"from": "AA", "to": "BB", "km": 10008, "minutes": 660.0})
    ]
    assert travelled("AA", "BB", 11.2 * 60, cfg) == []


def test_short_hops_unknown_countries_and_same_country_are_not_travel() -> None:
    near = CountryAtlas(
        {"AA": CountryPoint(0.0, 0.0, frozenset()), "BB": CountryPoint(0.0, 4.0, frozenset())}
    )  # 444.8 km: under min_travel_km = 500, however fast
    assert travelled("AA", "BB", 1, CheckConfig(atlas=near)) == []
    assert travelled("AA", "ZZ", 1, CheckConfig(atlas=QUARTER)) == []
    assert travelled("SG", "SG", 1) == []


def test_requests_in_the_same_second_count_as_one_second() -> None:
    [signal] = travelled("AA", "BB", 0, CheckConfig(atlas=QUARTER))
    assert signal.details["minutes"] == 0.0


def test_no_last_country_or_no_country_now_is_not_travel() -> None:
    history = known(last_seen=LastSeen(NOW, None))
    assert device.check(request(context=RequestContext(country="BR")), facts(history), CFG) == []
    history = known(last_seen=LastSeen(NOW, "SG"))
    assert device.check(request(), facts(history), CFG) == []
