"""The wallet intents the team wrote in zh, en and id, with a fixed held-out split.

The examples live in ``data/wallet_intents.csv`` (columns ``text,intent,lang,split``): 40 per
intent and language, every fourth one held out (``split=test``) and never trained on, so the
per-language accuracy in the benchmark is measured on sentences the model has not seen.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass
from importlib import resources
from typing import Literal

WALLET_INTENTS: tuple[str, ...] = (
    "low_confirmations",
    "network_congestion_stuck_tx",
    "wrong_network_deposit",
    "sent_to_contract_address",
    "failed_reverted_tx",
    "kyc_rejected",
    "suspected_theft",
    "phishing_report",
    "seed_phrase_question",
    "ask_for_human",
)
WALLET_LANGUAGES: tuple[str, ...] = ("en", "zh", "id")
DATA_FILE = "wallet_intents.csv"

Split = Literal["train", "test"]


@dataclass(frozen=True)
class WalletExample:
    text: str
    intent: str
    lang: str
    split: Split


def wallet_data_bytes() -> bytes:
    return resources.files("trustdesk.bot").joinpath("data", DATA_FILE).read_bytes()


def wallet_data_sha256() -> str:
    return hashlib.sha256(wallet_data_bytes()).hexdigest()


def wallet_examples(split: Split | None = None) -> list[WalletExample]:
    """All examples, or those of one split, in file order."""
    reader = csv.DictReader(io.StringIO(wallet_data_bytes().decode("utf-8")))
    examples = []
    for row in reader:
        example = WalletExample(row["text"], row["intent"], row["lang"], _split(row["split"]))
        if example.intent not in WALLET_INTENTS or example.lang not in WALLET_LANGUAGES:
            raise ValueError(f"{DATA_FILE}: unknown intent or language in {row!r}")
        if split is None or example.split == split:
            examples.append(example)
    return examples


def _split(value: str) -> Split:
    if value == "train":
        return "train"
    if value == "test":
        return "test"
    raise ValueError(f"{DATA_FILE}: split must be train or test, not {value!r}")
