"""What a support message names: transaction hashes, addresses and a chain.

Messages come in any language ("我的提现已经两个小时了还没到账 0x…"), so the text is
cut into maximal runs of ASCII letters and digits and each run is judged whole: a hash
inside a longer hex string, or an address glued to other letters, is no hit. CJK text
around a run is a boundary like a space. Addresses are judged by the chains validators
(base58check and bech32 checksums), so a random word is not taken for one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TypeVar

from trustdesk.chains.addresses import Address, detect_address

_RUN = re.compile(r"[0-9A-Za-z]+")
_HEX = re.compile(r"0[xX][0-9a-fA-F]+")
# Base58/bech32 addresses are 25 to 90 characters; shorter runs are words and numbers.
_MIN_ADDRESS, _MAX_ADDRESS = 25, 90
_NON_EVM = ("bitcoin", "litecoin", "tron", "solana")
_T = TypeVar("_T")

# Words people use for a chain -> our chain name. ASCII words match whole words, case
# aside; CJK names match anywhere (Chinese has no spaces). "base", "op" and 以太 are left
# out: they are ordinary words ("base fee", 以太网 = Ethernet) more often than chains.
_ASCII_NAMES: dict[str, str] = {
    "ethereum": "ethereum",
    "eth": "ethereum",
    "erc20": "ethereum",
    "erc-20": "ethereum",
    "bsc": "bsc",
    "bnb": "bsc",
    "bep20": "bsc",
    "bep-20": "bsc",
    "binance": "bsc",
    "tron": "tron",
    "trx": "tron",
    "trc20": "tron",
    "trc-20": "tron",
    "polygon": "polygon",
    "matic": "polygon",
    "arbitrum": "arbitrum",
    "arb": "arbitrum",
    "optimism": "optimism",
    "avalanche": "avalanche",
    "avax": "avalanche",
    "bitcoin": "bitcoin",
    "btc": "bitcoin",
    "litecoin": "litecoin",
    "ltc": "litecoin",
    "solana": "solana",
    "sol": "solana",
}
_CJK_NAMES: dict[str, str] = {
    "以太坊": "ethereum",
    "币安智能链": "bsc",
    "币安链": "bsc",
    "币安": "bsc",
    "波场": "tron",
    "马蹄链": "polygon",
    "比特币": "bitcoin",
    "莱特币": "litecoin",
    "索拉纳": "solana",
}
_CHAIN_WORD = re.compile(
    r"(?<![0-9A-Za-z])("
    + "|".join(sorted(map(re.escape, _ASCII_NAMES), key=len, reverse=True))
    + r")(?![0-9A-Za-z])"
    + "|("
    + "|".join(sorted(_CJK_NAMES, key=len, reverse=True))
    + ")",
    re.IGNORECASE,
)
# Binance is an exchange as often as a chain ("I withdrew from Binance via ERC20"):
# these names count only after every other chain the message names.
_WEAK = frozenset({"binance", "币安"})


@dataclass(frozen=True, slots=True)
class Extracted:
    """Each list in order of first appearance, without repeats. ``tx_hashes`` and EVM
    addresses are lower case; other addresses keep their canonical form."""

    tx_hashes: tuple[str, ...] = ()
    addresses: tuple[Address, ...] = ()
    chains: tuple[str, ...] = ()

    @property
    def chain(self) -> str | None:
        """The chain the user named first, if any."""
        return self.chains[0] if self.chains else None

    @property
    def evm_addresses(self) -> tuple[str, ...]:
        return tuple(a.value for a in self.addresses if a.family == "evm")

    def to_dict(self) -> dict[str, object]:
        return {
            "tx_hashes": list(self.tx_hashes),
            "addresses": [{"family": a.family, "address": a.display} for a in self.addresses],
            "chains": list(self.chains),
        }


def extract(text: str) -> Extracted:
    hashes: list[str] = []
    addresses: list[Address] = []
    for run in _RUN.findall(text):
        if _HEX.fullmatch(run):
            body = run[2:].lower()
            if len(body) == 64:
                _add(hashes, "0x" + body)
            elif len(body) == 40:
                _add(addresses, Address("evm", "0x" + body, "account"))
        elif _MIN_ADDRESS <= len(run) <= _MAX_ADDRESS:
            found = detect_address(run, _NON_EVM)
            if found is not None:
                _add(addresses, found)
    return Extracted(tuple(hashes), tuple(addresses), mentioned_chains(text))


def mentioned_chains(text: str) -> tuple[str, ...]:
    strong: list[str] = []
    weak: list[str] = []
    for match in _CHAIN_WORD.finditer(text):
        word = match.group(1)
        key = word.lower() if word else match.group(2)
        name = _ASCII_NAMES[key] if word else _CJK_NAMES[key]
        _add(weak if key in _WEAK else strong, name)
    for name in weak:
        _add(strong, name)
    return tuple(strong)


def _add(items: list[_T], item: _T) -> None:
    if item not in items:
        items.append(item)
