"""The request mix every benchmark replays: established accounts paying their usual payees,
plus new devices, new payees, sanctioned or darklisted destinations and brand-new accounts.

A Spec is plain JSON so the load generator (its own process) can rebuild the same mix.
"""

from __future__ import annotations

import json
import os
import random
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from trustdesk.chains.addresses import detect_address
from trustdesk.cli.demo_data import (
    DemoPlan,
    random_bech32,
    random_evm,
    random_tron,
    read_darklist_addresses,
    read_ofac_lists,
    sanctioned_requests,
    write_sample_lists,
)

REPO = Path(__file__).resolve().parent.parent
COUNTRIES = ("SG", "DE", "US", "BR", "ID", "JP", "GB", "FR")
# (kind, weight): what share of the traffic each scenario is.
MIX = (
    ("normal", 70),
    ("new_device", 10),
    ("new_payee", 8),
    ("sanctioned", 5),
    ("new_account", 7),
)
Payee = tuple[str, str, str]  # chain, asset, address


@dataclass
class ListFiles:
    """What to import: (format, path, source, category); real when shared data exists."""

    imports: list[tuple[str, str, str | None, str | None]]
    real: bool
    ofac_dir: Path
    darklists: list[Path]


@dataclass
class Spec:
    accounts: list[dict[str, Any]] = field(default_factory=list)
    sanctioned: list[Payee] = field(default_factory=list)
    fresh: list[Payee] = field(default_factory=list)

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self)))

    @classmethod
    def load(cls, path: Path) -> Spec:
        raw = json.loads(path.read_text())
        return cls(
            accounts=raw["accounts"],
            sanctioned=[tuple(p) for p in raw["sanctioned"]],  # type: ignore[misc]
            fresh=[tuple(p) for p in raw["fresh"]],  # type: ignore[misc]
        )


def shared_data_dir() -> Path | None:
    for candidate in (
        os.environ.get("TRUSTDESK_SHARED_DATA"),
        "/work/shared/data",
        str(REPO.parent / "shared" / "data"),
    ):
        if candidate and (Path(candidate) / "ofac_crypto_addresses").is_dir():
            return Path(candidate)
    return None


def list_files(workdir: Path, rng: random.Random) -> ListFiles:
    data = shared_data_dir()
    if data is not None:
        ofac = data / "ofac_crypto_addresses"
        dark = data / "mew_darklists" / "addresses-darklist.json"
        return ListFiles(
            imports=[
                ("ofac-addresses", str(ofac), None, None),
                ("darklist", str(dark), "mew-darklist", "scam"),
            ],
            real=True,
            ofac_dir=ofac,
            darklists=[dark],
        )
    ofac, dark = write_sample_lists(workdir, rng)
    return ListFiles(
        imports=[
            ("ofac-addresses", str(ofac), None, None),
            ("darklist", str(dark), "sample-darklist", "scam"),
        ],
        real=False,
        ofac_dir=ofac,
        darklists=[dark],
    )


def _random_payee(rng: random.Random) -> Payee:
    pick = rng.random()
    if pick < 0.55:
        return ("ethereum", rng.choice(("USDT", "ETH", "USDC")), random_evm(rng))
    if pick < 0.85:
        return ("tron", "USDT", random_tron(rng))
    return ("bitcoin", "BTC", random_bech32(rng))


def _usual_amount(asset: str, rng: random.Random) -> str:
    if asset == "BTC":
        return f"0.{rng.randint(1, 40):03d}"
    if asset == "ETH":
        return f"0.{rng.randint(5, 90):02d}"
    return f"{rng.randint(15, 600)}.00"


def build_spec(files: ListFiles, n_accounts: int, rng: random.Random) -> Spec:
    plan = DemoPlan()
    sanctioned_requests(plan, read_ofac_lists(files.ofac_dir), rng)
    sanctioned: list[Payee] = [(r["chain"], r["asset"], r["destination"]) for r in plan.requests]
    for address in read_darklist_addresses(files.darklists, limit=300):
        if detect_address(address, ["evm"]):
            sanctioned.append(("ethereum", "ETH", address))
    accounts = []
    for n in range(n_accounts):
        payees = [_random_payee(rng) for _ in range(3)]
        accounts.append(
            {
                "id": f"acct-{n:05d}",
                "context": {
                    "ip": f"100.{64 + n // 65536}.{n // 256 % 256}.{n % 256}",
                    "device_id": f"dev-{n:05d}",
                    "device_fingerprint": f"fp-{n:05d}",
                    "country": COUNTRIES[n % len(COUNTRIES)],
                    "session_age_s": 600,
                    "user_agent": "ExampleWallet/5.2 (iOS 18)",
                },
                "payees": [[c, a, d, _usual_amount(a, rng)] for c, a, d in payees],
                # A quarter have a long enough history for the usual-amount check.
                "history": 6 if n % 4 == 0 else 3,
            }
        )
    fresh = [_random_payee(rng) for _ in range(1500)]
    return Spec(accounts=accounts, sanctioned=sanctioned, fresh=fresh)


def history_bodies(spec: Spec) -> Iterator[tuple[int, dict[str, Any]]]:
    """The seeded past: (day, body) for each account's earlier payments to its payees."""
    depth = max(a["history"] for a in spec.accounts)
    for day in range(depth):
        for account in spec.accounts:
            if day < account["history"]:
                chain, asset, dest, amount = account["payees"][day % len(account["payees"])]
                yield (
                    day,
                    {
                        "account_id": account["id"],
                        "chain": chain,
                        "asset": asset,
                        "amount": amount,
                        "destination": dest,
                        "context": account["context"],
                        "idempotency_key": f"seed-{day}",
                    },
                )


class Mix:
    """An endless stream of request bodies; `tag` keeps keys and new accounts unique per run."""

    def __init__(self, spec: Spec, tag: str, seed: int) -> None:
        self.spec = spec
        self.tag = tag
        self.rng = random.Random(seed)
        self.kinds = [k for k, _ in MIX]
        self.weights = [w for _, w in MIX]
        self.seq = 0

    def next(self) -> tuple[str, dict[str, Any]]:
        rng, spec = self.rng, self.spec
        self.seq += 1
        kind = rng.choices(self.kinds, self.weights)[0]
        account = rng.choice(spec.accounts)
        account_id, context = account["id"], dict(account["context"])
        chain, asset, dest, usual = rng.choice(account["payees"])
        amount = usual
        if kind == "new_device":
            context |= {"device_id": f"dev-{self.tag}-{self.seq}", "session_age_s": 30}
            context["device_fingerprint"] = f"fp-{self.tag}-{self.seq}"
            if rng.random() < 0.5:
                context |= {"ip": f"198.51.100.{rng.randint(1, 254)}", "country": "NG"}
        elif kind == "new_payee":
            chain, asset, dest = rng.choice(spec.fresh)
            amount = "120.00" if asset not in ("BTC", "ETH") else "0.05"
        elif kind == "sanctioned":
            chain, asset, dest = rng.choice(spec.sanctioned)
            amount = "500.00" if asset not in ("BTC", "ETH") else "0.5"
        elif kind == "new_account":
            account_id = f"new-{self.tag}-{self.seq}"
            context = {
                "ip": f"192.0.2.{rng.randint(1, 254)}",
                "device_id": f"dev-{self.tag}-{self.seq}",
                "country": rng.choice(COUNTRIES),
                "session_age_s": 45,
            }
            chain, asset, dest = rng.choice(spec.fresh)
            amount = "75.00" if asset not in ("BTC", "ETH") else "0.02"
        return kind, {
            "account_id": account_id,
            "chain": chain,
            "asset": asset,
            "amount": amount,
            "destination": dest,
            "context": context,
            "idempotency_key": f"{self.tag}-{self.seq}",
        }
