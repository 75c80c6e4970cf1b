"""Device, IP and geography: new device / IP / country, impossible travel, fresh session."""

from __future__ import annotations

from trustdesk.risk.checks.config import CheckConfig
from trustdesk.risk.facts import Facts
from trustdesk.risk.model import Signal, TransactionRequest

CODES = frozenset(
    {"NEW_ACCOUNT", "NEW_DEVICE", "NEW_IP", "NEW_COUNTRY", "IMPOSSIBLE_TRAVEL", "FRESH_SESSION"}
)


def check(req: TransactionRequest, facts: Facts, cfg: CheckConfig) -> list[Signal]:
    ctx, history = req.context, facts.history
    signals: list[Signal] = []
    if ctx.session_age_s is not None and ctx.session_age_s < cfg.fresh_session_s:
        signals.append(Signal("FRESH_SESSION", {"session_age_s": ctx.session_age_s}))
    if history.assessments == 0:
        # Everything is new for a new account; one signal says so instead of four.
        signals.append(Signal("NEW_ACCOUNT"))
        return signals
    if ctx.device_id and not history.device_seen:
        signals.append(Signal("NEW_DEVICE"))
    if ctx.ip and not history.ip_seen:
        signals.append(Signal("NEW_IP"))
    if ctx.country and not history.country_seen:
        signals.append(Signal("NEW_COUNTRY", {"country": ctx.country}))
    travel = _impossible_travel(req, facts, cfg)
    if travel:
        signals.append(travel)
    return signals


def _impossible_travel(req: TransactionRequest, facts: Facts, cfg: CheckConfig) -> Signal | None:
    last, here = facts.history.last_seen, req.context.country
    if last is None or last.country is None or here is None or last.country == here:
        return None
    if cfg.atlas.are_neighbours(last.country, here):
        return None
    km = cfg.atlas.distance_km(last.country, here)
    if km is None or km < cfg.min_travel_km:
        return None
    elapsed_h = max((facts.now - last.at).total_seconds(), 1.0) / 3600
    speed = km / elapsed_h
    if speed <= cfg.max_travel_kmh:
        return None
    return Signal(
        "IMPOSSIBLE_TRAVEL",
        {
            "from": last.country,
            "to": here,
            "km": round(km),
            "minutes": round(elapsed_h * 60, 1),
        },
    )
