"""Fault-script decisions over facts written by hand."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from trustdesk.bot.diagnostics import (
    CONFIRMATIONS,
    Facts,
    Finding,
    NetworkFacts,
    TxFacts,
    bump,
    decide,
    decode_transfer,
    expected_minutes,
    tx_findings,
)
from trustdesk.bot.extract import extract

GWEI = 10**9
SENDER = "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266"
SENDER_DISPLAY = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
TOKEN = "0x5fbdb2315678afecb367f032d93f642f64180aa3"
TOKEN_DISPLAY = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
RECIPIENT = "0x70997970c51812dc3a010c7d01b50e0d17dc79c8"
RECIPIENT_DISPLAY = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
H = "0x" + "11" * 32

NET = NetworkFacts("ethereum", 1, head=100, base_fee=20 * GWEI, priority_fee=GWEI)
PENDING = TxFacts(
    H,
    found=True,
    sender=SENDER,
    to=RECIPIENT,
    nonce=5,
    value=1,
    gas=21_000,
    max_fee=30 * GWEI,
    max_priority_fee=2 * GWEI,
    latest_nonce=5,
    pending_nonce=6,
    destination_has_code=False,
)
MINED = replace(PENDING, block_number=95, status=1, gas_used=21_000, latest_nonce=None)


def transfer_input(recipient: str, amount: int) -> bytes:
    # transfer(address,uint256): selector, the address left-padded to 32 bytes, the amount.
    return (
        bytes.fromhex("a9059cbb")
        + bytes(12)
        + bytes.fromhex(recipient[2:])
        + amount.to_bytes(32, "big")
    )


def test_pending_with_enough_fee() -> None:
    assert tx_findings(PENDING, NET) == [
        Finding("pending", H, {"max_fee": 30 * GWEI, "base_fee": 20 * GWEI})
    ]


def test_a_max_fee_equal_to_the_base_fee_is_enough() -> None:
    codes = [f.code for f in tx_findings(replace(PENDING, max_fee=20 * GWEI), NET)]
    assert codes == ["pending"]


def test_pending_below_the_base_fee_suggests_a_replacement() -> None:
    tx = replace(PENDING, max_fee=20 * GWEI - 1)
    # tip: max(node 1 gwei, 2 gwei + 10% = 2.2 gwei) = 2.2 gwei
    # max fee: max(2 * 20 + 2.2 = 42.2 gwei, (20 gwei - 1) + 10% rounded up) = 42.2 gwei
    assert tx_findings(tx, NET) == [
        Finding(
            "pending_low_fee",
            H,
            {
                "nonce": 5,
                "max_fee": 19_999_999_999,
                "base_fee": 20 * GWEI,
                "suggested_priority_fee": 2_200_000_000,
                "suggested_max_fee": 42_200_000_000,
            },
        )
    ]


def test_a_legacy_transaction_bumps_its_gas_price_as_the_tip() -> None:
    tx = replace(PENDING, max_fee=10 * GWEI, max_priority_fee=None)
    (finding,) = tx_findings(tx, NET)
    # A legacy gas price is both caps: tip >= 11 gwei; max fee = 2 * 20 + 11 = 51 gwei.
    assert finding.data["suggested_priority_fee"] == 11 * GWEI
    assert finding.data["suggested_max_fee"] == 51 * GWEI


def test_a_high_bumped_fee_wins_over_twice_the_base_fee() -> None:
    net = replace(NET, base_fee=GWEI)
    tx = replace(PENDING, max_fee=GWEI - 1, max_priority_fee=GWEI - 1)
    (finding,) = tx_findings(tx, net)
    # tip: (1 gwei - 1) * 1.1 rounded up = 1_099_999_999; 2 * 1 gwei + tip = 3_099_999_999
    assert finding.data["suggested_priority_fee"] == 1_099_999_999
    assert finding.data["suggested_max_fee"] == 3_099_999_999


def test_bump_rounds_up() -> None:
    assert [bump(0), bump(1), bump(10), bump(11), bump(100)] == [0, 2, 11, 13, 110]


def test_without_eip1559_a_pending_transaction_just_waits() -> None:
    (finding,) = tx_findings(PENDING, replace(NET, base_fee=None))
    assert finding == Finding("pending", H, {"max_fee": 30 * GWEI, "base_fee": None})


def test_nonce_gap_names_the_missing_nonce() -> None:
    tx = replace(PENDING, nonce=7, latest_nonce=5, pending_nonce=6)
    assert tx_findings(tx, NET) == [
        Finding("nonce_gap", H, {"nonce": 7, "missing_nonce": 6, "sender": SENDER_DISPLAY})
    ]


def test_nonce_gap_and_low_fee_together() -> None:
    tx = replace(PENDING, nonce=1, latest_nonce=0, pending_nonce=0, max_fee=GWEI)
    assert [f.code for f in tx_findings(tx, NET)] == ["nonce_gap", "pending_low_fee"]


def test_no_gap_when_the_earlier_nonces_are_in_the_pool() -> None:
    tx = replace(PENDING, nonce=7, latest_nonce=5, pending_nonce=8)
    assert [f.code for f in tx_findings(tx, NET)] == ["pending"]


@pytest.mark.parametrize(
    ("block", "confirmations", "remaining", "minutes"),
    [
        (100, 1, 11, 3),  # 11 * 12 s = 132 s -> 3 min
        (98, 3, 9, 2),  # 108 s -> 2 min
        (96, 5, 7, 2),  # 84 s -> 2 min
        (95, 6, 6, 2),  # 72 s -> 2 min
        (94, 7, 5, 1),  # 60 s -> 1 min
        (90, 11, 1, 1),  # 12 s -> at least 1 min
    ],
)
def test_awaiting_confirmations(
    block: int, confirmations: int, remaining: int, minutes: int
) -> None:
    tx = replace(MINED, block_number=block)
    assert tx_findings(tx, NET) == [
        Finding(
            "awaiting_confirmations",
            H,
            {
                "confirmations": confirmations,
                "required": 12,
                "chain": "ethereum",
                "remaining": remaining,
                "minutes": minutes,
            },
        )
    ]


@pytest.mark.parametrize("block", [89, 50])  # 12 and 51 confirmations
def test_confirmed(block: int) -> None:
    (finding,) = tx_findings(replace(MINED, block_number=block), NET)
    assert finding == Finding(
        "confirmed",
        H,
        {
            "confirmations": 101 - block,
            "required": 12,
            "chain": "ethereum",
            "destination": RECIPIENT_DISPLAY,
        },
    )


def test_confirmations_and_wait_follow_the_chain_policy() -> None:
    net = replace(NET, chain="bsc", chain_id=56)
    (finding,) = tx_findings(replace(MINED, block_number=100), net)
    # BSC: 15 required, 0.75 s blocks: 14 remaining = 10.5 s -> 1 minute.
    assert (finding.data["required"], finding.data["remaining"]) == (15, 14)
    assert finding.data["minutes"] == 1
    assert expected_minutes(81, CONFIRMATIONS["bsc"]) == 2  # 60.75 s


def test_reverted_with_a_reason_is_answered() -> None:
    data = bytes.fromhex("08c379a0") + (32).to_bytes(32, "big") + (4).to_bytes(32, "big")
    data += b"nope" + bytes(28)
    tx = replace(MINED, status=0, gas=100_000, gas_used=21_200, revert_data=data)
    assert tx_findings(tx, NET) == [
        Finding(
            "reverted",
            H,
            {
                "block": 95,
                "reason_kind": "error",
                "reason": "nope",
                "panic_code": None,
                "selector": None,
                "gas": 100_000,
            },
        )
    ]


@pytest.mark.parametrize(
    ("revert_data", "gas_used", "kind", "escalate"),
    [
        (bytes.fromhex("4e487b71") + (0x11).to_bytes(32, "big"), 30_000, "panic", False),
        (bytes.fromhex("deadbeef"), 30_000, "custom", True),
        (b"", 30_000, "unknown", True),
        (None, 30_000, "unknown", True),
        (None, 100_000, "out_of_gas", False),  # every unit of gas used and no data
        (b"", 100_000, "out_of_gas", False),
    ],
)
def test_revert_kinds_and_hand_off(
    revert_data: bytes | None, gas_used: int, kind: str, escalate: bool
) -> None:
    tx = replace(MINED, status=0, gas=100_000, gas_used=gas_used, revert_data=revert_data)
    (finding,) = tx_findings(tx, NET)
    assert (finding.data["reason_kind"], finding.escalate) == (kind, escalate)


def test_erc20_transfer_to_the_token_contract_itself() -> None:
    tx = replace(MINED, to=TOKEN, input=transfer_input(TOKEN, 10**18), destination_has_code=True)
    tx = replace(tx, block_number=89)
    assert tx_findings(tx, NET)[1:] == [
        Finding(
            "erc20_to_token_contract",
            H,
            {"token": TOKEN_DISPLAY, "amount": 10**18},
            escalate=True,
        )
    ]


def test_a_token_transfer_to_a_contract_recipient() -> None:
    tx = replace(MINED, to=TOKEN, input=transfer_input(RECIPIENT, 5), destination_has_code=True)
    assert tx_findings(tx, NET)[1:] == [
        Finding("contract_destination", H, {"address": RECIPIENT_DISPLAY})
    ]


def test_decode_transfer_is_strict() -> None:
    good = transfer_input(RECIPIENT, 7)
    assert decode_transfer(good) == (RECIPIENT, 7)
    assert decode_transfer(good + b"\x00") is None  # extra bytes
    assert decode_transfer(good[:-1]) is None
    assert decode_transfer(bytes.fromhex("095ea7b3") + good[4:]) is None  # approve
    dirty = good[:4] + b"\x01" + good[5:]  # a non-zero byte above the 20-byte address
    assert decode_transfer(dirty) is None


@pytest.mark.parametrize(
    ("waited", "escalate"),
    [(None, False), (timedelta(minutes=29), False), (timedelta(minutes=30), True)],
)
def test_not_found_goes_to_a_person_after_half_an_hour(
    waited: timedelta | None, escalate: bool
) -> None:
    (finding,) = tx_findings(TxFacts(H), NET, waited=waited)
    minutes = None if waited is None else int(waited.total_seconds() // 60)
    assert finding == Finding(
        "tx_not_found", H, {"chain": "ethereum", "waited_minutes": minutes}, escalate=escalate
    )


def test_decide_hands_off_when_any_finding_needs_a_person() -> None:
    items = extract(f"where is {H}")
    diagnosis = decide(items, "ethereum", Facts(NET, (TxFacts(H),)), waited=timedelta(hours=2))
    assert (diagnosis.codes, diagnosis.escalate, diagnosis.queue) == (
        ("tx_not_found",),
        True,
        "blockchain",
    )
    answered = decide(items, "ethereum", Facts(NET, (PENDING,)))
    assert (answered.codes, answered.escalate, answered.queue) == (("pending",), False, None)


def test_an_address_of_another_chain_than_the_one_named() -> None:
    items = extract(
        "send to TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t and "
        "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4 on ethereum"
    )
    diagnosis = decide(items, "ethereum", Facts())
    assert diagnosis.findings == (
        Finding(
            "address_other_chain",
            data={
                "address": "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t",
                "address_family": "tron",
                "chain": "ethereum",
            },
        ),
        Finding(
            "address_other_chain",
            data={
                "address": "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4",
                "address_family": "bitcoin",
                "chain": "ethereum",
            },
        ),
    )
    assert not diagnosis.escalate


def test_an_evm_address_fits_every_evm_chain() -> None:
    items = extract("send to 0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed on polygon")
    assert decide(items, "polygon", Facts()).codes == ("need_tx_hash",)
    assert decide(items, "tron", Facts()).codes == ("address_other_chain",)


def test_nothing_to_check_asks_for_the_hash() -> None:
    diagnosis = decide(extract("my withdrawal has not arrived"), None, Facts())
    assert diagnosis.findings == (Finding("need_tx_hash"),)
    assert diagnosis.to_dict() == {
        "items": {"tx_hashes": [], "addresses": [], "chains": []},
        "chain": None,
        "facts": {"network": None, "transactions": []},
        "findings": [{"code": "need_tx_hash", "tx_hash": None, "data": {}}],
        "escalate": False,
        "queue": None,
    }
