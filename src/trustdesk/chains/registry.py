"""The chains trustdesk knows, the address family each belongs to, and their aliases."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from trustdesk.chains.errors import UnknownChain


@dataclass(frozen=True, slots=True)
class Chain:
    name: str
    family: str
    display_name: str
    native_asset: str
    evm_chain_id: int | None = None


def _chains(*chains: Chain) -> Mapping[str, Chain]:
    return MappingProxyType({chain.name: chain for chain in chains})


CHAINS: Mapping[str, Chain] = _chains(
    Chain("ethereum", "evm", "Ethereum", "ETH", 1),
    Chain("ethereum-classic", "evm", "Ethereum Classic", "ETC", 61),
    Chain("bsc", "evm", "BNB Smart Chain", "BNB", 56),
    Chain("arbitrum", "evm", "Arbitrum One", "ETH", 42161),
    Chain("optimism", "evm", "OP Mainnet", "ETH", 10),
    Chain("base", "evm", "Base", "ETH", 8453),
    # POL replaced MATIC as Polygon PoS's native token in September 2024.
    Chain("polygon", "evm", "Polygon PoS", "POL", 137),
    Chain("avalanche", "evm", "Avalanche C-Chain", "AVAX", 43114),
    Chain("bitcoin", "bitcoin", "Bitcoin", "BTC"),
    Chain("litecoin", "litecoin", "Litecoin", "LTC"),
    Chain("tron", "tron", "TRON", "TRX"),
    Chain("solana", "solana", "Solana", "SOL"),
)

ALIASES: Mapping[str, str] = MappingProxyType(
    {
        "btc": "bitcoin",
        "eth": "ethereum",
        "etc": "ethereum-classic",
        "bnb": "bsc",
        "bnb-smart-chain": "bsc",
        "arb": "arbitrum",
        "arbitrum-one": "arbitrum",
        "trx": "tron",
        "sol": "solana",
        "ltc": "litecoin",
    }
)


def get_chain(name: str) -> Chain:
    """The chain for a name or alias, compared case-insensitively after trimming."""
    key = name.strip().lower()
    chain = CHAINS.get(key) or CHAINS.get(ALIASES.get(key, ""))
    if chain is None:
        raise UnknownChain(f"unknown chain {name.strip()!r}; supported chains: {', '.join(CHAINS)}")
    return chain
