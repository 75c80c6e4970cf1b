"""cProfile over in-process assessments: where one assessment's time goes, by step and by
layer. cProfile inflates call-heavy Python (SQLAlchemy most), so read shares, not ms."""

from __future__ import annotations

import cProfile
import pstats
from dataclasses import dataclass

from database import container_for
from workload import Mix, Spec

from trustdesk.risk.schemas import AssessmentIn

# (label, path suffix, function): cumulative time of these calls, per assessment.
STEPS = (
    ("whole Container.assess", "trustdesk/bootstrap.py", "assess"),
    ("idempotency look-up (1 query)", "risk/store.py", "find_by_idempotency_key"),
    ("list look-ups: destination, device, IP, account (1 query)", "risk/adapters.py", "hits"),
    ("account history (1 query)", "risk/store.py", "history"),
    ("velocity windows (1 query)", "risk/store.py", "totals"),
    ("checks (5, pure Python)", "risk/checks/", "check"),
    ("policy decision", "risk/policy.py", "decide"),
    ("save: row + 2 upserts", "risk/store.py", "save"),
    ("audit append: head, hash, insert", "audit/store.py", "append"),
    ("  of which entry hashing", "audit/model.py", "build_entry"),
    ("commit (COMMIT)", "orm/session.py", "commit"),
)


@dataclass
class Profile:
    assessments: int
    steps: list[tuple[str, float]]  # label, ms per assessment (under the profiler)
    layers: list[tuple[str, float]]  # layer, share of self time
    top: list[tuple[str, int, float]]  # function, calls, self ms per assessment


def _layer(path: str, func: str) -> str:
    if path == "~":
        if "sqlite3" in func or "psycopg" in func:
            return "database driver (sqlite3 C calls: execute, commit/fsync)"
        if "hash" in func or "hmac" in func or "digest" in func:
            return "hashing (SHA-256, HMAC)"
        return "other C built-ins (isinstance, dict.get, ...)"
    for marker, name in (
        ("/sqlalchemy/", "SQLAlchemy (statement build, compile, ORM, results)"),
        ("/pydantic", "pydantic"),
        ("/json/", "JSON"),
        ("/trustdesk/", "trustdesk code"),
    ):
        if marker in path:
            return name
    return "other Python (stdlib: decimal, datetime, re, ...)"


def run(url: str, spec: Spec, count: int) -> Profile:
    container = container_for(url)
    mix = Mix(spec, tag="profile", seed=99)
    bodies = [AssessmentIn.model_validate(mix.next()[1]) for _ in range(count + 30)]
    profiler = cProfile.Profile()
    try:
        for body in bodies[:30]:
            container.assess(body, "bench")
        profiler.enable()
        for body in bodies[30:]:
            container.assess(body, "bench")
        profiler.disable()
    finally:
        container.close()
    raw = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    steps = []
    for label, suffix, func in STEPS:
        total = sum(
            ct for (path, _, name), (_, _, _, ct, _) in raw.items()
            if (suffix in path if suffix.endswith("/") else path.endswith(suffix)) and name == func
        )  # fmt: skip
        steps.append((label, total * 1000 / count))
    layers: dict[str, float] = {}
    for (path, _, func), (_, _, tt, _, _) in raw.items():
        layer = _layer(path, func)
        layers[layer] = layers.get(layer, 0.0) + tt
    grand = sum(layers.values()) or 1.0
    top = sorted(raw.items(), key=lambda kv: kv[1][2], reverse=True)[:12]
    return Profile(
        assessments=count,
        steps=steps,
        layers=sorted(((k, v / grand) for k, v in layers.items()), key=lambda kv: -kv[1]),
        top=[
            (_name(path, line, func), nc, tt * 1000 / count)
            for (path, line, func), (_, nc, tt, _, _) in top
        ],
    )


def _name(path: str, line: int, func: str) -> str:
    if path == "~":
        return func
    short = path.split("site-packages/")[-1].split("/src/")[-1]
    return f"{short}:{line} {func}"
