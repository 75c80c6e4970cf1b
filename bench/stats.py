"""Percentiles and the median round: the machine is shared and noisy, so one round is an
anecdote and the median of three is the figure we report."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass


def percentile(sorted_values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile of already sorted values."""
    if not sorted_values:
        return float("nan")
    rank = max(1, math.ceil(p / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


@dataclass(frozen=True)
class Round:
    count: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: int = 0

    @property
    def throughput(self) -> float:
        return self.count / self.seconds if self.seconds else 0.0

    @classmethod
    def from_latencies(cls, latencies_s: list[float], seconds: float, errors: int = 0) -> Round:
        ordered = sorted(latencies_s)
        return cls(
            count=len(ordered),
            seconds=seconds,
            p50_ms=percentile(ordered, 50) * 1000,
            p99_ms=percentile(ordered, 99) * 1000,
            errors=errors,
        )


def median_round(rounds: Sequence[Round]) -> Round:
    """The round whose throughput is the median (its own p50/p99 travel with it)."""
    ordered = sorted(rounds, key=lambda r: r.throughput)
    return ordered[(len(ordered) - 1) // 2]


def spread(rounds: Sequence[Round]) -> str:
    values = [r.throughput for r in rounds]
    return f"{min(values):.0f}–{max(values):.0f}" if values else "-"


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")
