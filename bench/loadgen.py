"""Closed-loop HTTP load in its own process: N connections, each posting the next request of
the mix as soon as its previous answer arrives. Prints one JSON object.

python bench/loadgen.py --url http://127.0.0.1:PORT --spec spec.json --tag t1 [--key td...]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import time
import zlib
from collections import Counter
from pathlib import Path

import httpx
from workload import Mix, Spec

STAGGER_S = 0.05


async def load(args: argparse.Namespace) -> dict[str, object]:
    mix = Mix(Spec.load(Path(args.spec)), tag=args.tag, seed=zlib.crc32(args.tag.encode()))
    headers = {"content-type": "application/json"}
    if args.key:
        headers["authorization"] = f"Bearer {args.key}"
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    failures: Counter[str] = Counter()
    start = time.perf_counter()
    measure_from = start + args.warmup
    end = measure_from + args.duration
    completed = 0

    async def worker(n: int) -> None:
        # One keep-alive connection each, opened 50 ms apart: opened all at once, the
        # kernel hands every connection to whichever uvicorn worker wakes first.
        await asyncio.sleep(n * STAGGER_S)
        async with httpx.AsyncClient(
            base_url=args.url, headers=headers, limits=limits, timeout=60
        ) as client:
            await _loop(client)

    async def _loop(client: httpx.AsyncClient) -> None:
        nonlocal completed
        while (t0 := time.perf_counter()) < end:
            body = json.dumps(mix.next()[1]).encode()
            try:
                response = await client.post("/v1/assessments", content=body)
                status = response.status_code
            except httpx.HTTPError as exc:
                failures[type(exc).__name__] += 1
                continue
            t1 = time.perf_counter()
            if measure_from <= t1 <= end:
                completed += 1
                statuses[status] += 1
                if t0 >= measure_from:
                    latencies.append(t1 - t0)

    await asyncio.gather(*(worker(n) for n in range(args.concurrency)))
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {
        "completed": completed,
        "seconds": args.duration,
        "latencies": latencies,
        "statuses": {str(k): v for k, v in statuses.items()},
        "failures": dict(failures),
        "client_cpu_s": usage.ru_utime + usage.ru_stime,
        "wall_s": time.perf_counter() - start,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--spec", required=True)
    parser.add_argument("--tag", required=True)
    parser.add_argument("--key", default="")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--duration", type=float, default=10.0)
    args = parser.parse_args()
    try:
        import uvloop  # the server's loop too; a cheaper client leaves more CPU to the server

        result = uvloop.run(load(args))
    except ImportError:
        result = asyncio.run(load(args))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
