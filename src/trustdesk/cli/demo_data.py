"""The demo's request mix, built from the real lists when present, else from a generated sample."""

from __future__ import annotations

import json
import os
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import base58
import bech32
from eth_utils import to_checksum_address

from trustdesk.chains.addresses import detect_address

SANCTIONED_ASSETS = ("XBT", "ETH", "ETC", "ARB", "BSC", "USDT", "USDC", "TRX", "LTC")
# OFAC ticker -> chain to send on for each address family it lists.
ASSET_CHAINS: dict[str, dict[str, tuple[str, str]]] = {
    "XBT": {"bitcoin": ("bitcoin", "BTC"), "tron": ("tron", "TRX")},
    "ETH": {"evm": ("ethereum", "ETH")},
    "ETC": {"evm": ("ethereum-classic", "ETC")},
    "ARB": {"evm": ("arbitrum", "ETH")},
    "BSC": {"evm": ("bsc", "BNB")},
    "USDT": {"evm": ("ethereum", "USDT"), "tron": ("tron", "USDT"), "bitcoin": ("bitcoin", "USDT")},
    "USDC": {"evm": ("ethereum", "USDC"), "tron": ("tron", "USDC")},
    "TRX": {"tron": ("tron", "TRX")},
    "LTC": {"litecoin": ("litecoin", "LTC")},
}


@dataclass
class DemoPlan:
    requests: list[dict[str, Any]] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)  # the scenario of each request

    def add(self, group: str, request: dict[str, Any]) -> None:
        self.requests.append(request)
        self.groups.append(group)


def letter_cases(address: str, family: str) -> list[str]:
    """Every spelling an honest wallet could send for one address."""
    if family == "evm":
        body = address[2:].lower()
        return sorted({address, "0x" + body, to_checksum_address("0x" + body), "0x" + body.upper()})
    if family in ("bitcoin", "litecoin") and address.lower().startswith(("bc1", "ltc1")):
        return [address.lower(), address.upper()]
    return [address]


def sanctioned_requests(plan: DemoPlan, lists: dict[str, list[str]], rng: random.Random) -> None:
    for asset, addresses in lists.items():
        for raw in addresses:
            found = detect_address(raw)
            if found is None or found.family not in ASSET_CHAINS.get(asset, {}):
                continue
            chain, ticker = ASSET_CHAINS[asset][found.family]
            for spelling in letter_cases(raw, found.family):
                plan.add(
                    f"sanctioned:{asset}",
                    _req(f"acct-{rng.randrange(10**6):06d}", chain, ticker, "0.5", spelling),
                )


def read_ofac_lists(folder: Path) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for asset in SANCTIONED_ASSETS:
        path = folder / f"sanctioned_addresses_{asset}.txt"
        if path.exists():
            out[asset] = [line.strip() for line in path.read_text().splitlines() if line.strip()]
    return out


def read_darklist_addresses(paths: list[Path], limit: int) -> list[str]:
    found: list[str] = []
    for path in paths:
        if not path.exists():
            continue
        for item in json.loads(path.read_text()):
            raw = item["address"] if isinstance(item, dict) else item
            if isinstance(raw, str) and detect_address(raw, ["evm"]):
                found.append(raw)
                if len(found) >= limit:
                    return found
    return found


# --- generated sample, used when ../shared/data is absent -----------------------------


def random_evm(rng: random.Random) -> str:
    return to_checksum_address("0x" + rng.randbytes(20).hex())


def random_p2pkh(rng: random.Random) -> str:
    return base58.b58encode_check(b"\x00" + rng.randbytes(20)).decode()


def random_bech32(rng: random.Random) -> str:
    return str(bech32.encode("bc", 0, list(rng.randbytes(20))))


def random_tron(rng: random.Random) -> str:
    return base58.b58encode_check(b"\x41" + rng.randbytes(20)).decode()


def write_sample_lists(folder: Path, rng: random.Random) -> tuple[Path, Path]:
    """A small OFAC-shaped folder and darklist for machines without the real data."""
    ofac = folder / "sample-ofac"
    ofac.mkdir(parents=True, exist_ok=True)
    sample = {
        "XBT": [random_p2pkh(rng) for _ in range(4)] + [random_bech32(rng) for _ in range(4)],
        "ETH": [random_evm(rng) for _ in range(6)],
        "USDT": [random_tron(rng) for _ in range(3)] + [random_evm(rng)],
        "TRX": [random_tron(rng) for _ in range(2)],
    }
    for asset, addresses in sample.items():
        (ofac / f"sanctioned_addresses_{asset}.txt").write_text("\n".join(addresses) + "\n")
    darklist = folder / "sample-darklist.json"
    darklist.write_text(
        json.dumps(
            [
                {"address": random_evm(rng), "comment": "sample scam", "date": "2026-01-01"}
                for _ in range(20)
            ]
        )
    )
    return ofac, darklist


# --- behaviour scenarios ---------------------------------------------------------------


def _req(
    account: str, chain: str, asset: str, amount: str, dest: str, **ctx: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "account_id": account,
        "chain": chain,
        "asset": asset,
        "amount": amount,
        "destination": dest,
    }
    if ctx:
        body["context"] = ctx
    return body


def _home(account_no: int) -> dict[str, Any]:
    return {
        "ip": f"203.0.113.{account_no}",
        "device_id": f"device-{account_no}",
        "device_fingerprint": f"fp-{account_no}",
        "country": "SG",
        "session_age_s": 900,
        "user_agent": "ExampleWallet/5.2 (iOS 18)",
    }


def behaviour_requests(plan: DemoPlan, darklisted: list[str], rng: random.Random) -> None:
    payees = [random_evm(rng) for _ in range(8)]
    # Ten established users paying their usual payees.
    for n in range(1, 11):
        for i in range(6):
            plan.add(
                "normal",
                _req(
                    f"user-{n:02d}",
                    "ethereum",
                    "USDT",
                    f"{rng.randint(20, 400)}.00",
                    payees[(n + i) % 4],
                    **_home(n),
                ),
            )
    # A velocity burst: fourteen payments in a minute from one account.
    for _ in range(14):
        plan.add(
            "velocity-burst",
            _req("user-burst", "tron", "USDT", "150.00", random_tron(rng), **_home(50)),
        )
    # Address poisoning: a look-alike of user-03's usual payee, same first and last characters.
    real = payees[(3 + 0) % 4]
    body = real[2:].lower()
    middle = "".join(rng.choice("0123456789abcdef") for _ in range(len(body) - 10))
    lookalike = to_checksum_address("0x" + body[:5] + middle + body[-5:])
    plan.add(
        "address-poisoning", _req("user-03", "ethereum", "USDT", "250.00", lookalike, **_home(3))
    )
    # The same established user, minutes later, from a new device in Brazil.
    away = _home(4) | {
        "ip": "198.51.100.77",
        "device_id": "device-unknown",
        "device_fingerprint": "fp-unknown",
        "country": "BR",
        "session_age_s": 20,
    }
    plan.add(
        "new-device-and-country", _req("user-04", "ethereum", "USDT", "390.00", payees[0], **away)
    )
    # A payment far above the user's own history.
    plan.add(
        "amount-anomaly",
        _req("user-05", "ethereum", "USDT", "45000.00", payees[(5 + 1) % 4], **_home(5)),
    )
    for i, address in enumerate(darklisted):
        plan.add(
            "darklisted",
            _req(f"user-{i % 10 + 1:02d}", "ethereum", "ETH", "0.8", address, **_home(i % 10 + 1)),
        )
    good = random_evm(rng)
    malformed = [
        _req(
            "user-07", "ethereum", "ETH", "1", good[:-1] + ("A" if good[-1] != "A" else "B")
        ),  # bad EIP-55 checksum
        _req("user-07", "ethereum", "ETH", "1", good[:-2]),  # too short
        _req(
            "user-07", "bitcoin", "BTC", "0.1", "tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx"
        ),  # testnet
        _req(
            "user-07", "dogecoin", "DOGE", "10", "DH5yaieqoZN36fDVciNyRueRGvGLR3mr7L"
        ),  # unknown chain
        _req("user-07", "tron", "USDT", "-5", random_tron(rng)),  # negative amount
        _req("user-07", "ethereum", "ETH", "1e30", good),  # absurd amount
        _req("user-07", "ethereum", "ETH", "1", good.replace("0x", "0x ")),  # whitespace inside
    ]
    for bad in malformed:
        plan.add("malformed", bad)


def write_jsonl(path: Path, requests: list[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for body in requests:
            fh.write(json.dumps(body) + "\n")
        fh.write('{"account_id": "user-07", "chain": "ethereum", "amount": \n')  # a truncated line


def iter_groups(plan: DemoPlan) -> Iterator[tuple[int, str]]:
    yield from enumerate(plan.groups, 1)


def shared_data_dir() -> Path | None:
    candidates = [os.environ.get("TRUSTDESK_SHARED_DATA"), "../shared/data"]
    for c in candidates:
        if c and Path(c).is_dir():
            return Path(c).resolve()
    return None
