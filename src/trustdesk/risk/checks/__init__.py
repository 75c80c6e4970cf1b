"""Independent checks: each reads the request and the gathered facts and emits signals.

A check is a pure function ``(request, facts, config) -> list[Signal]``; the service
times each one. ``ALL_CHECKS`` is the order they run in.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from trustdesk.risk.checks import (
    amount,
    destination,
    device,
    jurisdiction,
    lists,
    sanctions_name,
    velocity,
)
from trustdesk.risk.checks.config import CheckConfig
from trustdesk.risk.facts import Facts
from trustdesk.risk.model import Signal, TransactionRequest

Check = Callable[[TransactionRequest, Facts, CheckConfig], list[Signal]]

ALL_CHECKS: Sequence[tuple[str, Check]] = (
    ("lists", lists.check),
    ("velocity", velocity.check),
    ("device_geo", device.check),
    ("destination", destination.check),
    ("amount", amount.check),
    ("sanctions_name", sanctions_name.check),
    ("jurisdiction", jurisdiction.check),
)

# Every code a check may emit; the policy must say what each one means.
SIGNAL_CODES: frozenset[str] = (
    lists.CODES
    | velocity.CODES
    | device.CODES
    | destination.CODES
    | amount.CODES
    | sanctions_name.CODES
    | jurisdiction.CODES
)
