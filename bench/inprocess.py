"""In-process: Container.assess back to back on one thread, audit on, against a prepared
database. Body generation and pydantic validation happen outside the timed call."""

from __future__ import annotations

import time
import zlib
from collections import Counter

from database import container_for
from stats import Round
from workload import Mix, Spec

from trustdesk.risk.schemas import AssessmentIn


def run_round(url: str, spec: Spec, tag: str, seconds: float, decisions: Counter[str]) -> Round:
    container = container_for(url)
    mix = Mix(spec, tag=tag, seed=zlib.crc32(tag.encode()))
    latencies: list[float] = []
    try:
        # A short warm-up: connection pool, statement caches, lazy imports.
        for _ in range(30):
            container.assess(AssessmentIn.model_validate(mix.next()[1]), "bench")
        deadline = time.perf_counter() + seconds
        while time.perf_counter() < deadline:
            body = AssessmentIn.model_validate(mix.next()[1])
            t0 = time.perf_counter()
            assessment = container.assess(body, "bench", request_id=f"{tag}-{mix.seq}")
            latencies.append(time.perf_counter() - t0)
            decisions[assessment.verdict.decision.value] += 1
    finally:
        container.close()
    return Round.from_latencies(latencies, seconds=sum(latencies))


def run(
    url: str, spec: Spec, label: str, rounds: int, seconds: float
) -> tuple[list[Round], Counter[str]]:
    decisions: Counter[str] = Counter()
    results = [run_round(url, spec, f"{label}-r{i}", seconds, decisions) for i in range(rounds)]
    return results, decisions
